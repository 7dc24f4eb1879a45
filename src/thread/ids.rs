//! The keys threading compares messages by: Message-IDs in normalised form
//! ([`normalize_message_id`]) and interned once ([`Interner`]), and the
//! keys that join trees into one thread — a trimmed Gmail `X-GM-THRID`
//! ([`gmail_thread_id`]) and the conversation part of an Outlook
//! `Thread-Index` ([`thread_index_prefix`]).

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

/// The form Message-IDs are compared in: trimmed, one pair of surrounding
/// `<>` removed, the part after the last `@` lower-cased. `None` if empty.
pub fn normalize_message_id(raw: &str) -> Option<Cow<'_, str>> {
    let (id, lower) = id_parts(raw)?;
    if !lower {
        return Some(Cow::Borrowed(id));
    }
    let mut out = String::with_capacity(id.len());
    push_lowered_domain(id, &mut out);
    Some(Cow::Owned(out))
}

/// `raw` trimmed and without `<>`, and whether its domain has upper case.
fn id_parts(raw: &str) -> Option<(&str, bool)> {
    let s = raw.trim();
    let s = s.strip_prefix('<').unwrap_or(s);
    let s = s.strip_suffix('>').unwrap_or(s).trim();
    if s.is_empty() {
        return None;
    }
    let lower = s
        .rfind('@')
        .is_some_and(|at| s[at + 1..].bytes().any(|b| b.is_ascii_uppercase()));
    Some((s, lower))
}

/// Appends `id` with the part after the last `@` lower-cased.
fn push_lowered_domain(id: &str, out: &mut String) {
    let at = id.rfind('@').map_or(id.len(), |at| at + 1);
    out.push_str(&id[..at]);
    out.extend(id[at..].chars().map(|c| c.to_ascii_lowercase()));
}

/// Normalised Message-IDs, each stored once, numbered in the order they
/// were first seen. Ids are normalised through a scratch buffer, so looking
/// up an id already seen allocates nothing.
#[derive(Default)]
pub(super) struct Interner {
    index: HashMap<Arc<str>, u32>,
    names: Vec<Arc<str>>,
    scratch: String,
}

impl Interner {
    /// `None` if `raw` is empty; else the number of its normalised form,
    /// or that form (ready for [`Interner::intern`]) if it is new.
    pub(super) fn lookup(&mut self, raw: &str) -> Option<Result<u32, Arc<str>>> {
        let (id, lower) = id_parts(raw)?;
        let key: &str = if lower {
            self.scratch.clear();
            push_lowered_domain(id, &mut self.scratch);
            &self.scratch
        } else {
            id
        };
        Some(match self.index.get(key) {
            Some(&i) => Ok(i),
            None => Err(Arc::from(key)),
        })
    }

    /// Stores a new normalised id; its number.
    pub(super) fn intern(&mut self, name: Arc<str>) -> u32 {
        let i = self.names.len() as u32;
        self.index.insert(name.clone(), i);
        self.names.push(name);
        i
    }

    /// The ids by number, dropping the lookup table.
    pub(super) fn into_names(self) -> Vec<Arc<str>> {
        self.names
    }
}

/// A Gmail `X-GM-THRID` as compared: trimmed; `None` if empty.
pub(super) fn gmail_thread_id(raw: &str) -> Option<&str> {
    Some(raw.trim()).filter(|s| !s.is_empty())
}

/// The first 22 bytes of a base64 Outlook `Thread-Index` (whitespace
/// ignored), which identify the conversation; `None` if shorter or not
/// base64. Characters after the 22nd byte are not checked.
pub(super) fn thread_index_prefix(value: &str) -> Option<[u8; 22]> {
    let mut out = [0u8; 22];
    let mut len = 0;
    let mut acc: u32 = 0;
    let mut bits = 0;
    for ch in value.bytes() {
        let v = match ch {
            b'A'..=b'Z' => ch - b'A',
            b'a'..=b'z' => ch - b'a' + 26,
            b'0'..=b'9' => ch - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => break,
            c if c.is_ascii_whitespace() => continue,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out[len] = (acc >> bits) as u8;
            acc &= (1 << bits) - 1;
            len += 1;
            if len == out.len() {
                return Some(out);
            }
        }
    }
    None
}
