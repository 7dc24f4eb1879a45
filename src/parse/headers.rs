//! Header fields: addresses (groups, encoded words, every occurrence of a
//! repeated header merged, a lenient reading when a list does not parse
//! that keeps addresses without a domain and display names as written),
//! the date with its plausibility checks, message ids, and raw 8-bit
//! header bytes (inside encoded words: in the word's charset; elsewhere
//! decoded by guess). Values are capped at [`Limits::max_header_value`].

use mailparse::{MailAddr, MailHeader};

use super::charset::truncate_at_char;
use crate::model::{Address, Defect, DefectKind, Limits, Message};

/// Dates before this (1975-01-01) are flagged as implausible.
const EARLIEST_PLAUSIBLE: i64 = 157_766_400;
/// How far past "now" a date may be before it is flagged.
const FUTURE_SLACK: i64 = 2 * 86_400;

/// The labels of an `X-Gmail-Labels` value (already unfolded and RFC 2047
/// decoded): comma-separated; a label holding a comma or a quote is
/// written in double quotes with `\"` for a quote (as Google Takeout
/// writes them), and plain labels may be quoted too (`"Opened"`). Spaces
/// around a label are dropped, spaces and slashes inside it kept; empty
/// labels and repeats (ignoring case) are left out.
pub(super) fn gmail_labels(value: &str) -> Vec<String> {
    let mut labels: Vec<String> = Vec::new();
    let mut push = |label: &mut String| {
        let l = label.trim();
        if !l.is_empty() && !labels.iter().any(|x| x.to_lowercase() == l.to_lowercase()) {
            labels.push(l.to_string());
        }
        label.clear();
    };
    let mut label = String::new();
    let mut quoted = false;
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => quoted = !quoted,
            '\\' if quoted => {
                if let Some(next) = chars.next() {
                    label.push(next);
                }
            }
            ',' if !quoted => push(&mut label),
            c => label.push(c),
        }
    }
    push(&mut label);
    labels
}

/// Decodes header fields into `msg`. `charset` is the message's declared
/// charset, the best guess for raw 8-bit header bytes.
pub(super) fn fill_headers(
    msg: &mut Message,
    headers: &[MailHeader<'_>],
    charset: Option<&str>,
    limits: &Limits,
    now: i64,
) {
    let mut h = HeaderReader {
        headers,
        charset,
        limits,
        defects: Vec::new(),
        raw8_noted: false,
    };
    msg.subject = h.text("Subject");
    msg.from = h.addresses("From");
    msg.sender = h.addresses("Sender");
    msg.to = h.addresses("To");
    msg.cc = h.addresses("Cc");
    msg.bcc = h.addresses("Bcc");
    msg.reply_to = h.addresses("Reply-To");
    msg.message_id = h
        .text("Message-ID")
        .and_then(|v| ids(&v).into_iter().next());
    msg.in_reply_to = h.text("In-Reply-To").map(|v| ids(&v)).unwrap_or_default();
    msg.references = h.text("References").map(|v| ids(&v)).unwrap_or_default();
    msg.gm_thread_id = h.text("X-GM-THRID").map(|v| v.trim().to_string());
    msg.thread_index = h.text("Thread-Index").map(|v| v.trim().to_string());
    msg.labels = h
        .text("X-Gmail-Labels")
        .map(|v| gmail_labels(&v))
        .unwrap_or_default();
    match h.text("Date") {
        None => h
            .defects
            .push(Defect::new(DefectKind::MissingDate, "no Date header")),
        Some(raw) => {
            match mailparse::dateparse(&raw) {
                Ok(_) if !looks_like_date(&raw) => {
                    h.defects.push(Defect::new(
                        DefectKind::BadDate,
                        format!("Date {raw:?} could not be read"),
                    ));
                }
                Ok(t) if !(EARLIEST_PLAUSIBLE..=now + FUTURE_SLACK).contains(&t) => {
                    h.defects.push(Defect::new(
                        DefectKind::ImplausibleDate,
                        format!("Date {raw:?} is before 1975 or in the future; kept as written"),
                    ));
                    msg.date = Some(t);
                }
                Ok(t) => msg.date = Some(t),
                Err(e) if e.to_string().contains("Disallowed year") => {
                    h.defects.push(Defect::new(
                        DefectKind::ImplausibleDate,
                        format!("Date {raw:?} is before 1970; kept as written, not converted"),
                    ));
                }
                Err(_) => h.defects.push(Defect::new(
                    DefectKind::BadDate,
                    format!("Date {raw:?} could not be read"),
                )),
            }
            msg.date_raw = Some(raw);
        }
    }
    if msg.message_id.is_none() {
        h.defects.push(Defect::new(
            DefectKind::MissingMessageId,
            "no Message-ID header",
        ));
    }
    msg.defects.extend(h.defects);
}

/// mailparse reads almost anything as a date; a real one names a month and
/// has a time of day.
fn looks_like_date(raw: &str) -> bool {
    let lower = raw.to_ascii_lowercase();
    let month = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ]
    .iter()
    .any(|m| lower.contains(m));
    let b = raw.as_bytes();
    let time = (1..b.len().saturating_sub(1))
        .any(|i| b[i] == b':' && b[i - 1].is_ascii_digit() && b[i + 1].is_ascii_digit());
    month && time
}

/// Message ids in a header value: `<...>` tokens, else bare tokens with `@`.
fn ids(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = value;
    while let Some(open) = rest.find('<') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('>') else { break };
        let id = after[..close].trim();
        if !id.is_empty() && !id.contains(char::is_whitespace) {
            out.push(id.to_string());
        }
        rest = &after[close + 1..];
    }
    if out.is_empty() {
        out = value
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|t| t.contains('@'))
            .map(|t| t.trim_matches(|c| c == '<' || c == '>').to_string())
            .collect();
    }
    out
}

struct HeaderReader<'a, 'h> {
    headers: &'a [MailHeader<'h>],
    charset: Option<&'a str>,
    limits: &'a Limits,
    defects: Vec<Defect>,
    raw8_noted: bool,
}

impl<'a, 'h> HeaderReader<'a, 'h> {
    /// Every header called `name`, in order.
    fn all(&self, name: &str) -> Vec<&'a MailHeader<'h>> {
        self.headers
            .iter()
            .filter(|h| h.get_key_ref().eq_ignore_ascii_case(name))
            .collect()
    }

    /// A header's value as valid UTF-8 raw text (encoded words not yet
    /// decoded): the bytes themselves when valid; else 8-bit bytes inside
    /// encoded words re-quoted (decoded later in the word's own charset);
    /// else decoded by guess.
    fn utf8_value(&mut self, name: &str, header: &MailHeader<'_>) -> (String, bool) {
        let raw = header.get_value_raw();
        if let Ok(s) = std::str::from_utf8(raw) {
            return (s.to_string(), false);
        }
        if let Some(requoted) = requote_encoded_words(raw)
            && let Ok(s) = String::from_utf8(requoted)
        {
            self.note_raw8(name, "inside encoded words; decoded in each word's charset");
            return (s, true);
        }
        let label = self
            .charset
            .filter(|c| !matches!(*c, "utf-8" | "utf8" | "us-ascii" | "ascii"));
        let charset = label
            .and_then(|l| charset::Charset::for_label(l.as_bytes()))
            .unwrap_or(charset::Charset::for_encoding(encoding_rs::WINDOWS_1252));
        let (text, _) = charset.decode_without_bom_handling(raw);
        self.note_raw8(name, &format!("decoded as {}", charset.name()));
        (text.into_owned(), true)
    }

    /// Flags raw 8-bit header bytes, once per message.
    fn note_raw8(&mut self, name: &str, how: &str) {
        if !self.raw8_noted {
            self.raw8_noted = true;
            self.defects.push(Defect::new(
                DefectKind::Raw8bitHeader,
                format!("{name} has raw 8-bit bytes that are not UTF-8; {how}"),
            ));
        }
    }

    /// Rebuilds a header from fixed-up text so mailparse can decode it.
    fn with_header<T>(
        &mut self,
        name: &str,
        header: &MailHeader<'_>,
        f: impl Fn(&MailHeader<'_>) -> T,
    ) -> Option<T> {
        let (value, fixed) = self.utf8_value(name, header);
        if !fixed {
            return Some(f(header));
        }
        let line = format!("{name}: {value}");
        let (h, _) = mailparse::parse_header(line.as_bytes()).ok()?;
        Some(f(&h))
    }

    /// The decoded, unfolded value of the first header called `name`, capped.
    fn text(&mut self, name: &str) -> Option<String> {
        let header = *self.all(name).first()?;
        let value = self.with_header(name, header, |h| h.get_value())?;
        let value = value.trim().to_string();
        Some(self.cap(name, value))
    }

    fn cap(&mut self, name: &str, value: String) -> String {
        if value.len() <= self.limits.max_header_value {
            return value;
        }
        self.defects.push(Defect::new(
            DefectKind::HeaderTooLong,
            format!(
                "{name} is {} bytes; cut to {}",
                value.len(),
                self.limits.max_header_value
            ),
        ));
        truncate_at_char(value, self.limits.max_header_value)
    }

    /// Addresses of every header called `name` (To may appear twice: the
    /// lists are merged in order, and the repetition flagged).
    fn addresses(&mut self, name: &str) -> Vec<Address> {
        let headers = self.all(name);
        if headers.len() > 1 {
            self.defects.push(Defect::new(
                DefectKind::RepeatedHeader,
                format!(
                    "{name} appears {} times; the addresses of every one are kept, in order",
                    headers.len()
                ),
            ));
        }
        let mut out = Vec::new();
        for header in headers {
            out.extend(self.one_address_header(name, header));
            if out.len() >= MAX_ADDRESSES {
                break;
            }
        }
        out.truncate(MAX_ADDRESSES);
        out
    }

    /// The addresses of one header line.
    fn one_address_header(&mut self, name: &str, header: &MailHeader<'_>) -> Vec<Address> {
        let Some(parsed) = self.with_header(name, header, |h| {
            (
                mailparse::addrparse_header(h).map_err(|e| e.to_string()),
                h.get_value(),
            )
        }) else {
            return Vec::new();
        };
        let (result, value) = parsed;
        let value = self.cap(name, value);
        let mut out = Vec::new();
        match result {
            Ok(list) => {
                for a in list.iter() {
                    match a {
                        MailAddr::Single(s) => out.push(address(s)),
                        MailAddr::Group(g) => out.extend(g.addrs.iter().map(address)),
                    }
                }
            }
            Err(e) => {
                self.defects.push(Defect::new(
                    DefectKind::BadAddress,
                    format!("{name}: {e}; addresses read leniently from {value:?}"),
                ));
                out = lenient_addresses(&value);
            }
        }
        out
    }
}

/// Most addresses kept per header name.
const MAX_ADDRESSES: usize = 10_000;

/// Re-quotes RFC 2047 Q-encoded words that carry raw 8-bit bytes (or
/// spaces) so a decoder reads them in the word's own charset:
/// `=?iso-8859-1?Q?Die Fr<F6>sche?=` becomes `=?iso-8859-1?Q?Die_Fr=F6sche?=`.
/// None when there is no such word.
fn requote_encoded_words(raw: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(raw.len() + raw.len() / 2);
    let mut changed = false;
    let mut i = 0;
    while i < raw.len() {
        let Some(word) = encoded_word_at(raw, i) else {
            out.push(raw[i]);
            i += 1;
            continue;
        };
        let (text_start, text_end) = word;
        out.extend_from_slice(&raw[i..text_start]);
        let text = &raw[text_start..text_end];
        if text.iter().any(|&b| b >= 0x80) {
            changed = true;
            for &b in text {
                match b {
                    b' ' | b'\t' => out.push(b'_'),
                    0x80.. => out.extend_from_slice(format!("={b:02X}").as_bytes()),
                    _ => out.push(b),
                }
            }
        } else {
            out.extend_from_slice(text);
        }
        out.extend_from_slice(b"?=");
        i = text_end + 2;
    }
    changed.then_some(out)
}

/// A Q-encoded word starting at `at` (`=?charset?Q?text?=`, the text may
/// hold spaces and 8-bit bytes but no line break): the range of its text.
fn encoded_word_at(raw: &[u8], at: usize) -> Option<(usize, usize)> {
    let rest = raw.get(at..)?;
    let after = rest.strip_prefix(b"=?")?;
    let q = after.iter().position(|&b| b == b'?')?;
    let charset = &after[..q];
    if charset.is_empty() || !charset.iter().all(|b| b.is_ascii_graphic()) {
        return None;
    }
    let enc = after.get(q + 1..q + 3)?;
    if !matches!(enc, [b'q' | b'Q', b'?']) {
        return None;
    }
    let text_start = at + 2 + q + 3;
    let text = &raw[text_start..];
    let end = memchr::memmem::find(text, b"?=")?;
    if text[..end].iter().any(|&b| b == b'\r' || b == b'\n') {
        return None;
    }
    Some((text_start, text_start + end))
}

/// Addresses read from a list mailparse refuses: `Name <local>`, a bare
/// `local` without a domain, `Name <>`, `local@domain` in any junk, kept
/// as written, display names included. Splits at commas and semicolons
/// outside quotes and angle brackets; a group's `name:` is dropped.
fn lenient_addresses(value: &str) -> Vec<Address> {
    let quotes_balanced = value.matches('"').count().is_multiple_of(2);
    let mut items = Vec::new();
    let mut current = String::new();
    let (mut in_quote, mut in_angle) = (false, false);
    for c in value.chars() {
        match c {
            '"' if quotes_balanced => in_quote = !in_quote,
            '<' if !in_quote => in_angle = true,
            '>' if !in_quote => in_angle = false,
            ',' | ';' if !in_quote && !in_angle => {
                items.push(std::mem::take(&mut current));
                continue;
            }
            ':' if !in_quote && !in_angle && !current.contains(['@', '<']) => {
                // A group's name.
                current.clear();
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    items.push(current);
    items
        .iter()
        .filter_map(|item| lenient_address(item))
        .take(MAX_ADDRESSES)
        .collect()
}

/// One address of [`lenient_addresses`].
fn lenient_address(item: &str) -> Option<Address> {
    let item = item.trim();
    if item.is_empty() {
        return None;
    }
    let clean_name = |n: &str| {
        let n = n.trim().trim_matches(|c| c == '"' || c == '\'').trim();
        (!n.is_empty()).then(|| n.to_string())
    };
    if let Some(open) = item.rfind('<') {
        let inner = &item[open + 1..];
        let addr = inner.split('>').next().unwrap_or_default().trim();
        return Some(Address {
            name: clean_name(&item[..open]),
            addr: addr.to_string(),
        });
    }
    let tokens: Vec<&str> = item
        .split(|c: char| c.is_whitespace() || matches!(c, '"' | '(' | ')' | '>'))
        .filter(|t| !t.is_empty())
        .collect();
    if let Some(at) = tokens.iter().position(|t| t.contains('@')) {
        let name: Vec<&str> = tokens
            .iter()
            .enumerate()
            .filter(|&(i, _)| i != at)
            .map(|(_, t)| *t)
            .collect();
        return Some(Address {
            name: clean_name(&name.join(" ")),
            addr: tokens[at].to_string(),
        });
    }
    Some(Address {
        name: None,
        addr: item.to_string(),
    })
}
fn address(s: &mailparse::SingleInfo) -> Address {
    Address {
        name: s
            .display_name
            .as_ref()
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty()),
        addr: s.addr.trim().to_string(),
    }
}
