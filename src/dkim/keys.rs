//! Public keys: the DKIM key record (`v=DKIM1; k=rsa; p=…`, RFC 6376
//! §3.6.1), the [`KeyStore`] the verifier looks keys up in (never DNS),
//! the bundled archive of historical keys, and the key files a user adds:
//! DNS zone-style lines, the DKIM Archive API's JSON, PEM public keys.

use std::collections::HashMap;

use base64::Engine;
use serde::{Deserialize, Serialize};

/// The bundled archive: historical public keys of the senders that big
/// leaks carry, each with where it was found (JSON in the shape of the
/// DKIM Archive API's answer, plus `source`).
const BUNDLED: &str = include_str!("../../assets/dkim_keys.json");

/// The longest key record read (a 4096-bit RSA key is ~750 bytes).
const MAX_RECORD_BYTES: usize = 8 * 1024;

/// One public key for a selector of a domain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRecord {
    /// The signing domain (`d=`), lower case.
    pub domain: String,
    /// The selector (`s=`), lower case.
    pub selector: String,
    /// The TXT record's text (`v=DKIM1; k=rsa; p=…`), strings joined.
    pub record: String,
    /// Where the key came from: the archive it was copied from, or the
    /// file the user added it from.
    pub source: String,
    /// When the key was first seen in use, as given (`2012-01`, an RFC 3339 time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_seen: Option<String>,
    /// When the key was last seen in use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<String>,
    /// Part of mailsift's bundled archive (not stored in the case).
    #[serde(default)]
    pub bundled: bool,
}

impl KeyRecord {
    /// The DNS name the record lives at: `selector._domainkey.domain`.
    pub fn dns_name(&self) -> String {
        format!("{}._domainkey.{}", self.selector, self.domain)
    }

    /// "Jan 2012 – Oct 2015" when the period of use is known.
    pub fn period(&self) -> Option<String> {
        let from = self.first_seen.as_deref().and_then(month_year);
        let to = self.last_seen.as_deref().and_then(month_year);
        match (from, to) {
            (Some(f), Some(t)) => Some(format!("{f} – {t}")),
            (Some(f), None) => Some(format!("from {f}")),
            (None, Some(t)) => Some(format!("until {t}")),
            (None, None) => None,
        }
    }
}

impl KeyRecord {
    /// The period of use in seconds since the epoch: from the start of the
    /// first day (or month) seen to the end of the last, each when known.
    pub fn period_secs(&self) -> (Option<i64>, Option<i64>) {
        let from = self
            .first_seen
            .as_deref()
            .and_then(|s| day_bounds(s).map(|b| b.0));
        let to = self
            .last_seen
            .as_deref()
            .and_then(|s| day_bounds(s).map(|b| b.1));
        (from, to)
    }
}

/// `2012-01-13…` → (start of that day, end of it); `2012-01` → the month.
fn day_bounds(s: &str) -> Option<(i64, i64)> {
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = s.get(r)?;
        t.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| t.parse().ok())?
    };
    let y = num(0..4)?;
    let m = u32::try_from(num(5..7)?)
        .ok()
        .filter(|m| (1..=12).contains(m))?;
    let day = |d: u32| crate::time::days_from_civil(y, m, d) * 86_400;
    match num(8..10).and_then(|d| u32::try_from(d).ok()) {
        Some(d) if (1..=crate::time::days_in_month(y, m)).contains(&d) => {
            Some((day(d), day(d) + 86_399))
        }
        _ => Some((day(1), day(crate::time::days_in_month(y, m)) + 86_399)),
    }
}

/// `2012-01…` → `Jan 2012`.
fn month_year(s: &str) -> Option<String> {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let year = s.get(..4)?;
    if !year.bytes().all(|b| b.is_ascii_digit()) || s.get(4..5) != Some("-") {
        return None;
    }
    let m: usize = s.get(5..7)?.parse().ok()?;
    Some(format!("{} {year}", MONTHS.get(m.checked_sub(1)?)?))
}

/// A key record's tags, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyTags {
    /// `k=` (default `rsa`), lower case.
    pub key_type: String,
    /// `p=`, decoded; empty for a revoked key.
    pub public_key: Vec<u8>,
    /// `h=`: the hashes allowed, when restricted.
    pub hashes: Option<Vec<String>>,
}

/// Reads a key record's text.
pub fn parse_record(text: &str) -> Result<KeyTags, String> {
    if text.len() > MAX_RECORD_BYTES {
        return Err(format!(
            "the record is longer than {MAX_RECORD_BYTES} bytes"
        ));
    }
    let tags = super::sig::tag_list(text)?;
    let get = |n: &str| tags.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
    if let Some(v) = get("v")
        && v != "DKIM1"
    {
        return Err(format!("v={v} is not DKIM1"));
    }
    let p = get("p").ok_or("no p= (public key) tag")?;
    let p: String = p.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let public_key = base64::engine::general_purpose::STANDARD
        .decode(&p)
        .map_err(|_| "p= is not base64".to_string())?;
    Ok(KeyTags {
        key_type: get("k").unwrap_or("rsa").to_ascii_lowercase(),
        public_key,
        hashes: get("h").map(|h| {
            h.split(':')
                .map(|x| x.trim().to_ascii_lowercase())
                .collect()
        }),
    })
}

/// The keys the verifier may use, by (selector, domain). Always holds the
/// bundled archive; the case adds the user's keys.
#[derive(Clone, Debug, Default)]
pub struct KeyStore {
    keys: HashMap<(String, String), Vec<KeyRecord>>,
    count: usize,
}

impl KeyStore {
    /// A store with the bundled archive only.
    pub fn bundled() -> KeyStore {
        let mut store = KeyStore::default();
        for k in bundled_keys() {
            store.add(k);
        }
        store
    }

    /// An empty store (tests: no bundled keys).
    pub fn empty() -> KeyStore {
        KeyStore::default()
    }

    /// Adds a key (a record already there for the same selector and
    /// domain is not added twice).
    pub fn add(&mut self, key: KeyRecord) {
        let slot = self
            .keys
            .entry((key.selector.clone(), key.domain.clone()))
            .or_default();
        if !slot.iter().any(|k| same_key(k, &key)) {
            slot.push(key);
            self.count += 1;
        }
    }

    /// The keys known for `selector._domainkey.domain` (case-insensitive).
    pub fn get(&self, selector: &str, domain: &str) -> &[KeyRecord] {
        self.keys
            .get(&(selector.to_ascii_lowercase(), domain.to_ascii_lowercase()))
            .map_or(&[], Vec::as_slice)
    }

    /// How many keys the store holds.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether the store holds no key.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Every key, sorted by domain, selector, record.
    pub fn all(&self) -> Vec<&KeyRecord> {
        let mut v: Vec<&KeyRecord> = self.keys.values().flatten().collect();
        v.sort_by(|a, b| {
            (&a.domain, &a.selector, &a.record).cmp(&(&b.domain, &b.selector, &b.record))
        });
        v
    }
}

/// Two records hold the same key (the text compared without white space).
pub fn same_key(a: &KeyRecord, b: &KeyRecord) -> bool {
    let squeeze = |s: &str| -> String { s.chars().filter(|c| !c.is_whitespace()).collect() };
    a.domain == b.domain && a.selector == b.selector && squeeze(&a.record) == squeeze(&b.record)
}

/// The bundled archive's keys.
pub fn bundled_keys() -> Vec<KeyRecord> {
    let read = read_json(BUNDLED, "bundled archive");
    read.keys
        .into_iter()
        .map(|mut k| {
            k.bundled = true;
            k
        })
        .collect()
}

/// A line (or entry) of a key file that was not taken, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Refused {
    /// The line number (1-based) in a zone file; the entry number in a JSON list.
    pub line: usize,
    /// Why, in words.
    pub reason: String,
}

/// What a key file held.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeyFile {
    /// The keys read.
    pub keys: Vec<KeyRecord>,
    /// What was refused.
    pub refused: Vec<Refused>,
}

/// Reads a key file of any of the three kinds: JSON (a list of records
/// with `domain`, `selector`, `value`, `firstSeenAt`, `lastSeenAt`, as the
/// DKIM Archive API answers), a PEM public key (needs `selector` and
/// `domain`), or DNS zone-style lines. `source` names the file.
pub fn read_key_file(
    text: &str,
    source: &str,
    selector: Option<&str>,
    domain: Option<&str>,
) -> KeyFile {
    let t = text.trim_start_matches('\u{feff}').trim_start();
    if t.starts_with('[') || t.starts_with('{') {
        read_json(t, source)
    } else if t.contains("-----BEGIN PUBLIC KEY-----") {
        read_pem(t, source, selector, domain)
    } else {
        read_zone(text, source)
    }
}

#[derive(Deserialize)]
struct JsonKey {
    domain: Option<String>,
    selector: Option<String>,
    value: Option<String>,
    #[serde(rename = "firstSeenAt")]
    first_seen: Option<String>,
    #[serde(rename = "lastSeenAt")]
    last_seen: Option<String>,
    source: Option<String>,
}

fn read_json(text: &str, source: &str) -> KeyFile {
    let mut out = KeyFile::default();
    let value: serde_json::Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            out.refused.push(Refused {
                line: e.line(),
                reason: format!("not valid JSON: {e}"),
            });
            return out;
        }
    };
    let list = match value {
        serde_json::Value::Array(a) => a,
        other => vec![other],
    };
    for (i, item) in list.into_iter().enumerate() {
        let line = i + 1;
        let refuse = |reason: String| Refused { line, reason };
        let k: JsonKey = match serde_json::from_value(item) {
            Ok(k) => k,
            Err(e) => {
                out.refused.push(refuse(format!("entry {line}: {e}")));
                continue;
            }
        };
        let (Some(domain), Some(selector), Some(value)) = (k.domain, k.selector, k.value) else {
            out.refused.push(refuse(format!(
                "entry {line}: needs domain, selector and value"
            )));
            continue;
        };
        match checked(&domain, &selector, &value) {
            Ok((domain, selector)) => out.keys.push(KeyRecord {
                domain,
                selector,
                record: value.trim().to_string(),
                source: k.source.unwrap_or_else(|| source.to_string()),
                first_seen: k.first_seen,
                last_seen: k.last_seen,
                bundled: false,
            }),
            Err(e) => out.refused.push(refuse(format!("entry {line}: {e}"))),
        }
    }
    out
}

/// Checks a domain, a selector and a record; lower-cases the names.
fn checked(domain: &str, selector: &str, record: &str) -> Result<(String, String), String> {
    let domain = domain.trim().trim_end_matches('.').to_ascii_lowercase();
    let selector = selector.trim().to_ascii_lowercase();
    let name_ok = |s: &str| {
        !s.is_empty()
            && s.len() <= 253
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
    };
    if !name_ok(&domain) {
        return Err(format!("{domain:?} is not a domain name"));
    }
    if !name_ok(&selector) {
        return Err(format!("{selector:?} is not a selector"));
    }
    parse_record(record).map_err(|e| format!("the key record is unusable: {e}"))?;
    Ok((domain, selector))
}

fn read_pem(text: &str, source: &str, selector: Option<&str>, domain: Option<&str>) -> KeyFile {
    let mut out = KeyFile::default();
    let (Some(selector), Some(domain)) = (selector, domain) else {
        out.refused.push(Refused {
            line: 1,
            reason: "a PEM public key needs its selector and domain (--selector S --domain D)"
                .into(),
        });
        return out;
    };
    let mut line_no = 0;
    let mut start = 0;
    let mut body = String::new();
    let mut inside = false;
    for (i, line) in text.lines().enumerate() {
        let l = line.trim();
        if l == "-----BEGIN PUBLIC KEY-----" {
            inside = true;
            start = i + 1;
            body.clear();
        } else if l == "-----END PUBLIC KEY-----" && inside {
            inside = false;
            line_no += 1;
            match pem_record(&body) {
                Ok(record) => match checked(domain, selector, &record) {
                    Ok((d, s)) => out.keys.push(KeyRecord {
                        domain: d,
                        selector: s,
                        record,
                        source: source.to_string(),
                        first_seen: None,
                        last_seen: None,
                        bundled: false,
                    }),
                    Err(e) => out.refused.push(Refused {
                        line: start,
                        reason: e,
                    }),
                },
                Err(e) => out.refused.push(Refused {
                    line: start,
                    reason: e,
                }),
            }
        } else if inside {
            body.push_str(l);
        }
    }
    if line_no == 0 {
        out.refused.push(Refused {
            line: 1,
            reason: "no complete PEM public key (BEGIN/END PUBLIC KEY)".into(),
        });
    }
    out
}

/// A PEM body (base64 of a SubjectPublicKeyInfo) → a key record's text.
fn pem_record(b64: &str) -> Result<String, String> {
    use rsa::pkcs8::DecodePublicKey;
    let der = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .map_err(|_| "the PEM body is not base64".to_string())?;
    if rsa::RsaPublicKey::from_public_key_der(&der).is_ok() {
        return Ok(format!(
            "v=DKIM1; k=rsa; p={}",
            base64::engine::general_purpose::STANDARD.encode(&der)
        ));
    }
    // Ed25519's SubjectPublicKeyInfo: a fixed 12-byte prefix, then the key.
    const ED25519_SPKI: [u8; 12] = [
        0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
    ];
    if der.len() == 44 && der[..12] == ED25519_SPKI {
        return Ok(format!(
            "v=DKIM1; k=ed25519; p={}",
            base64::engine::general_purpose::STANDARD.encode(&der[12..])
        ));
    }
    Err("the PEM key is neither an RSA nor an Ed25519 public key".into())
}

/// Zone-style lines: `sel._domainkey.example.org [TTL] [IN] TXT "…" "…"`,
/// parentheses spanning lines, `;` comments outside quotes, `#` comment
/// lines, `$` directives ignored, `\;` (as `dig` prints) read as `;`.
fn read_zone(text: &str, source: &str) -> KeyFile {
    let mut out = KeyFile::default();
    let mut record = String::new();
    let mut start = 0;
    let mut depth = 0i32;
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        if depth == 0 {
            let t = line.trim_start();
            if t.is_empty() || t.starts_with('#') || t.starts_with(';') || t.starts_with('$') {
                continue;
            }
            start = line_no;
            record.clear();
        }
        let (code, opens) = strip_comment(line);
        depth += opens;
        record.push(' ');
        record.push_str(&code);
        if record.len() > 4 * MAX_RECORD_BYTES {
            out.refused.push(Refused {
                line: start,
                reason: "the record is too long".into(),
            });
            depth = 0;
            continue;
        }
        if depth <= 0 {
            depth = 0;
            if record.trim().is_empty() {
                continue;
            }
            match zone_record(&record, source) {
                Ok(k) => out.keys.push(k),
                Err(reason) => out.refused.push(Refused {
                    line: start,
                    reason,
                }),
            }
        }
    }
    if depth > 0 {
        out.refused.push(Refused {
            line: start,
            reason: "a parenthesis is not closed".into(),
        });
    }
    out
}

/// The line without its comment, and the parentheses it opens (net),
/// quotes respected.
fn strip_comment(line: &str) -> (String, i32) {
    let mut out = String::new();
    let mut quoted = false;
    let mut escaped = false;
    let mut depth = 0;
    for c in line.chars() {
        if escaped {
            out.push(c);
            escaped = false;
            continue;
        }
        match c {
            '\\' => {
                escaped = true;
                out.push(c);
            }
            '"' => {
                quoted = !quoted;
                out.push(c);
            }
            ';' if !quoted => break,
            '(' if !quoted => {
                depth += 1;
                out.push(' ');
            }
            ')' if !quoted => {
                depth -= 1;
                out.push(' ');
            }
            _ => out.push(c),
        }
    }
    (out, depth)
}

fn zone_record(record: &str, source: &str) -> Result<KeyRecord, String> {
    let rest = record.trim();
    let (owner, mut rest) = rest
        .split_once(char::is_whitespace)
        .ok_or("expected `selector._domainkey.domain TXT \"…\"`")?;
    let owner = owner.trim_end_matches('.').to_ascii_lowercase();
    let (selector, domain) = owner
        .split_once("._domainkey.")
        .ok_or_else(|| format!("{owner:?} is not a selector._domainkey.domain name"))?;
    let mut saw_txt = false;
    loop {
        rest = rest.trim_start();
        let (word, after) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        if word.starts_with('"') || word.is_empty() {
            break;
        }
        if word.eq_ignore_ascii_case("TXT") {
            saw_txt = true;
            rest = after;
            break;
        }
        let known = word.eq_ignore_ascii_case("IN") || word.bytes().all(|b| b.is_ascii_digit());
        if !known {
            return Err(format!(
                "unexpected {word:?} (only TXT records hold DKIM keys)"
            ));
        }
        rest = after;
    }
    if !saw_txt {
        return Err("no TXT type in the record".into());
    }
    let value = txt_strings(rest.trim())?;
    let (domain, selector) = checked(domain, selector, &value)?;
    Ok(KeyRecord {
        domain,
        selector,
        record: value,
        source: source.to_string(),
        first_seen: None,
        last_seen: None,
        bundled: false,
    })
}

/// The TXT data: quoted strings joined (`\"`, `\\`, `\;` unescaped), or
/// the bare text when nothing is quoted.
fn txt_strings(s: &str) -> Result<String, String> {
    if !s.starts_with('"') {
        if s.is_empty() {
            return Err("the TXT record is empty".into());
        }
        return Ok(s.replace("\\;", ";"));
    }
    let mut out = String::new();
    let mut chars = s.chars();
    loop {
        match chars.next() {
            None => return Ok(out),
            Some(c) if c.is_whitespace() => {}
            Some('"') => loop {
                match chars.next() {
                    None => return Err("a quoted string is not closed".into()),
                    Some('"') => break,
                    Some('\\') => match chars.next() {
                        Some(e) => out.push(e),
                        None => return Err("a quoted string is not closed".into()),
                    },
                    Some(c) => out.push(c),
                }
            },
            Some(c) => return Err(format!("unexpected {c:?} between quoted strings")),
        }
    }
}

#[cfg(test)]
mod tests;
