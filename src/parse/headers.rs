//! Header fields: addresses (groups, encoded words, a pattern fallback
//! when a list does not parse), the date with its plausibility checks,
//! message ids, and raw 8-bit header bytes decoded by guess. Values are
//! capped at [`Limits::max_header_value`].

use mailparse::{MailAddr, MailHeader};

use super::charset::truncate_at_char;
use crate::model::{Address, Defect, DefectKind, Limits, Message};

/// Dates before this (1975-01-01) are flagged as implausible.
const EARLIEST_PLAUSIBLE: i64 = 157_766_400;
/// How far past "now" a date may be before it is flagged.
const FUTURE_SLACK: i64 = 2 * 86_400;

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

impl HeaderReader<'_, '_> {
    fn first(&self, name: &str) -> Option<&MailHeader<'_>> {
        self.headers
            .iter()
            .find(|h| h.get_key_ref().eq_ignore_ascii_case(name))
    }

    /// A header value as valid UTF-8 raw text (encoded words not yet
    /// decoded): the bytes themselves when valid, else decoded by guess.
    fn utf8_value(&mut self, name: &str) -> Option<(String, bool)> {
        let raw = self.first(name)?.get_value_raw().to_vec();
        let raw = &raw[..];
        if let Ok(s) = std::str::from_utf8(raw) {
            return Some((s.to_string(), false));
        }
        let label = self
            .charset
            .filter(|c| !matches!(*c, "utf-8" | "utf8" | "us-ascii" | "ascii"));
        let charset = label
            .and_then(|l| charset::Charset::for_label(l.as_bytes()))
            .unwrap_or(charset::Charset::for_encoding(encoding_rs::WINDOWS_1252));
        let (text, _) = charset.decode_without_bom_handling(raw);
        if !self.raw8_noted {
            self.raw8_noted = true;
            self.defects.push(Defect::new(
                DefectKind::Raw8bitHeader,
                format!(
                    "{name} has raw 8-bit bytes that are not UTF-8; decoded as {}",
                    charset.name()
                ),
            ));
        }
        Some((text.into_owned(), true))
    }

    /// Rebuilds a header from fixed-up text so mailparse can decode it.
    fn with_header<T>(&mut self, name: &str, f: impl Fn(&MailHeader<'_>) -> T) -> Option<T> {
        let (value, fixed) = self.utf8_value(name)?;
        if !fixed {
            let h = self.first(name)?;
            return Some(f(h));
        }
        let line = format!("{name}: {value}");
        let (h, _) = mailparse::parse_header(line.as_bytes()).ok()?;
        Some(f(&h))
    }

    /// A decoded, unfolded header value, capped.
    fn text(&mut self, name: &str) -> Option<String> {
        let value = self.with_header(name, |h| h.get_value())?;
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

    /// Addresses of every header called `name` (To may appear twice).
    fn addresses(&mut self, name: &str) -> Vec<Address> {
        let Some(parsed) = self.with_header(name, |h| {
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
                    format!("{name}: {e}; addresses taken from {value:?} by pattern"),
                ));
                out = addresses_by_pattern(&value);
            }
        }
        out.truncate(10_000);
        out
    }
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

/// Anything shaped like `local@domain` in a header that did not parse.
fn addresses_by_pattern(value: &str) -> Vec<Address> {
    value
        .split(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | ',' | ';' | '"' | '(' | ')'))
        .filter(|t| {
            let mut it = t.splitn(2, '@');
            matches!((it.next(), it.next()), (Some(l), Some(d)) if !l.is_empty() && !d.is_empty())
        })
        .map(|t| Address {
            name: None,
            addr: t.to_string(),
        })
        .collect()
}
