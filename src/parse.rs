//! Raw bytes to [`Message`]: the only user of `mailparse`.
//!
//! [`parse_message`] never panics outward and never fails: whatever the
//! bytes, it returns a record. When the MIME structure cannot be parsed (an
//! error, a panic inside the parser, nesting past the parser's limit, a
//! message too large to hold) the message is kept raw-only with a typed
//! defect, and its headers are recovered as far as possible. Every decode is
//! bounded by [`Limits`].
//!
//! Decoding rules: RFC 2047 encoded words and RFC 2231 parameters (through
//! mailparse); body text in its declared charset (any label the WHATWG
//! encoding standard knows, plus UTF-7); raw 8-bit headers as UTF-8 when
//! valid, else in the message's declared charset or windows-1252; unknown
//! charsets as UTF-8 when valid, else windows-1252 — always with a defect
//! saying so. HTML bodies are rendered as text by [`crate::html`].

use mailparse::{MailAddr, MailHeader, MailHeaderMap, ParsedMail};

use crate::contain::contain;
use crate::extract::DocKind;
use crate::model::{
    Address, Attachment, Defect, DefectKind, Limits, Message, ParseStatus, Sha256, TextStatus,
};

/// Dates before this (1975-01-01) are flagged as implausible.
const EARLIEST_PLAUSIBLE: i64 = 157_766_400;
/// How far past "now" a date may be before it is flagged.
const FUTURE_SLACK: i64 = 2 * 86_400;
/// How deep forwarded messages (message/rfc822) are followed for their text.
const MAX_RFC822_DEPTH: usize = 4;

/// Text of document attachments (PDF, Office, RTF …), asked for while a
/// message is parsed. The import's implementation extracts each content
/// once ([`crate::attachtext::DocCache`]).
pub trait DocText: Sync {
    /// The text of `bytes`, a document of `kind` whose SHA-256 is `sha`.
    fn text(&self, sha: &Sha256, bytes: &[u8], kind: DocKind) -> DocOutcome;
}

/// What a [`DocText`] made of a document.
#[derive(Clone, Debug, PartialEq)]
pub struct DocOutcome {
    pub text: Option<String>,
    pub status: TextStatus,
    /// Why there is no text, for the `attachment_text_failed` defect.
    pub failure: Option<String>,
}

/// Parses one message without extracting the text of document attachments
/// (see [`parse_message_with`]).
pub fn parse_message(
    key: Sha256,
    bytes: &[u8],
    complete: bool,
    size: u64,
    limits: &Limits,
    now: i64,
) -> Message {
    parse_message_with(key, bytes, complete, size, limits, now, None)
}

/// Parses one message. `bytes` is the canonical message (see
/// [`crate::source::canonical`]), or only its head when `complete` is false
/// (the message was too large to hold; `size` is its full size). `now` is
/// the import time (seconds since the epoch), to flag dates in the future.
/// `docs` extracts the text of document attachments.
pub fn parse_message_with(
    key: Sha256,
    bytes: &[u8],
    complete: bool,
    size: u64,
    limits: &Limits,
    now: i64,
    docs: Option<&dyn DocText>,
) -> Message {
    let mut msg = Message::empty(key, size);
    if !complete {
        msg.status = ParseStatus::RawOnly;
        msg.defects.push(Defect::new(
            DefectKind::TooLarge,
            format!(
                "{size} bytes is over the {} byte limit; kept raw, headers only",
                limits.max_message_bytes
            ),
        ));
        recover_headers(&mut msg, bytes, limits, now);
        return msg;
    }
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        msg.status = ParseStatus::RawOnly;
        msg.defects
            .push(Defect::new(DefectKind::Empty, "the message has no content"));
        return msg;
    }
    let first_line = crate::source::lines(bytes).next().unwrap_or_default();
    if !crate::source::is_header_line(first_line) {
        msg.status = ParseStatus::RawOnly;
        msg.defects.push(Defect::new(
            DefectKind::NoHeaders,
            "the message does not start with a header field; kept raw, text indexed as is",
        ));
        let (text, _) = decode_text(bytes, None);
        msg.body_text = cap_text(text, limits.max_body_text, &mut msg.defects, "body");
        return msg;
    }
    match contain(|| mailparse::parse_mail(bytes)) {
        Ok(Ok(parsed)) => {
            let outcome = contain(|| {
                let mut m = Message::empty(key, size);
                fill_message(&mut m, &parsed, limits, now, docs);
                m
            });
            match outcome {
                Ok(m) => msg = m,
                Err(p) => raw_only(&mut msg, DefectKind::ParserPanic, p, bytes, limits, now),
            }
            drop_quietly(parsed);
        }
        Ok(Err(e)) => {
            let text = e.to_string();
            let kind = if text.contains("Recursion limit") {
                DefectKind::TooDeep
            } else {
                DefectKind::ParseFailed
            };
            raw_only(&mut msg, kind, text, bytes, limits, now);
        }
        Err(p) => raw_only(&mut msg, DefectKind::ParserPanic, p, bytes, limits, now),
    }
    msg
}

/// The attachments of a message with their decoded bytes, in the order
/// [`parse_message`] lists them. Empty when the message cannot be parsed.
pub fn attachment_contents(bytes: &[u8], limits: &Limits) -> Vec<(Attachment, Vec<u8>)> {
    let run = || {
        let Ok(parsed) = mailparse::parse_mail(bytes) else {
            return Vec::new();
        };
        let mut walker = Walker {
            limits,
            decoded: 0,
            parts: 0,
            body: String::new(),
            body_from_html: false,
            attachments: Vec::new(),
            defects: Vec::new(),
            rfc822_depth: 0,
            budget_noted: false,
            contents: Some(Vec::new()),
            docs: None,
        };
        walker.walk(&parsed);
        let contents = walker.contents.take().unwrap_or_default();
        walker.attachments.into_iter().zip(contents).collect()
    };
    contain(run).unwrap_or_default()
}

/// Drops a parse tree; a panic in a destructor is impossible for these
/// types, but the tree can be deep, so it is dropped here, not in a caller.
fn drop_quietly(parsed: ParsedMail<'_>) {
    drop(parsed);
}

fn raw_only(
    msg: &mut Message,
    kind: DefectKind,
    detail: String,
    bytes: &[u8],
    limits: &Limits,
    now: i64,
) {
    msg.status = ParseStatus::RawOnly;
    msg.defects.push(Defect::new(kind, detail));
    recover_headers(msg, bytes, limits, now);
}

/// Fills header fields from whatever header block can be parsed.
fn recover_headers(msg: &mut Message, bytes: &[u8], limits: &Limits, now: i64) {
    let head = &bytes[..bytes.len().min(limits.max_header_block)];
    let parsed = contain(|| {
        mailparse::parse_headers(head).map(|(headers, _)| {
            let mut m = Message::empty(msg.key, msg.size);
            fill_headers(&mut m, &headers, None, limits, now);
            m
        })
    });
    match parsed {
        Ok(Ok(m)) => {
            let defects = std::mem::take(&mut msg.defects);
            let status = msg.status;
            *msg = m;
            msg.status = status;
            let recovered = std::mem::take(&mut msg.defects);
            msg.defects = defects;
            msg.defects.extend(recovered);
        }
        Ok(Err(e)) => msg.defects.push(Defect::new(
            DefectKind::ParseFailed,
            format!("headers could not be recovered: {e}"),
        )),
        Err(p) => msg.defects.push(Defect::new(
            DefectKind::ParserPanic,
            format!("header recovery panicked: {p}"),
        )),
    }
}

fn fill_message(
    msg: &mut Message,
    parsed: &ParsedMail<'_>,
    limits: &Limits,
    now: i64,
    docs: Option<&dyn DocText>,
) {
    let charset = declared_charset(parsed);
    fill_headers(msg, &parsed.headers, charset.as_deref(), limits, now);
    let mut walker = Walker {
        limits,
        decoded: 0,
        parts: 0,
        body: String::new(),
        body_from_html: false,
        attachments: Vec::new(),
        defects: Vec::new(),
        rfc822_depth: 0,
        budget_noted: false,
        contents: None,
        docs,
    };
    walker.walk(parsed);
    msg.body_text = cap_text(
        walker.body,
        limits.max_body_text,
        &mut walker.defects,
        "body",
    );
    msg.body_from_html = walker.body_from_html;
    msg.attachments = walker.attachments;
    msg.defects.extend(walker.defects);
}

/// The charset declared on a part's Content-Type, if any, lower case.
fn declared_charset(part: &ParsedMail<'_>) -> Option<String> {
    part.ctype
        .params
        .get("charset")
        .map(|c| c.trim().trim_matches('"').to_ascii_lowercase())
        .filter(|c| !c.is_empty())
}

/// Decodes header fields into `msg`. `charset` is the message's declared
/// charset, the best guess for raw 8-bit header bytes.
fn fill_headers(
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

/// Walks the MIME tree (iteratively, bounded), collecting body text and
/// attachments.
struct Walker<'l> {
    limits: &'l Limits,
    decoded: usize,
    parts: usize,
    body: String,
    body_from_html: bool,
    attachments: Vec<Attachment>,
    defects: Vec<Defect>,
    rfc822_depth: usize,
    budget_noted: bool,
    /// When set, the decoded bytes of each attachment are kept here, in
    /// the order of `attachments`.
    contents: Option<Vec<Vec<u8>>>,
    /// Extracts the text of document attachments.
    docs: Option<&'l dyn DocText>,
}

/// How a part contributes.
#[derive(Clone, Copy, PartialEq)]
enum Role {
    /// Its text parts form the body.
    Body,
    /// An alternative not chosen: only its attachments count.
    AttachmentsOnly,
}

impl Walker<'_> {
    fn walk(&mut self, root: &ParsedMail<'_>) {
        let mut stack: Vec<(&ParsedMail<'_>, Role, usize)> = vec![(root, Role::Body, 0)];
        let mut warned_depth = false;
        while let Some((part, role, depth)) = stack.pop() {
            self.parts += 1;
            if self.parts > self.limits.max_parts {
                self.defects.push(Defect::new(
                    DefectKind::TooManyParts,
                    format!(
                        "more than {} MIME parts; the rest were not examined",
                        self.limits.max_parts
                    ),
                ));
                break;
            }
            if part.ctype.mimetype.starts_with("multipart/") {
                if depth >= self.limits.max_depth {
                    if !warned_depth {
                        warned_depth = true;
                        self.defects.push(Defect::new(
                            DefectKind::TooDeep,
                            format!(
                                "MIME nesting deeper than {}; inner parts not examined",
                                self.limits.max_depth
                            ),
                        ));
                    }
                    continue;
                }
                if part.subparts.is_empty() {
                    self.check_closing_boundary(part);
                    continue;
                }
                self.check_closing_boundary(part);
                let chosen = if part.ctype.mimetype == "multipart/alternative" && role == Role::Body
                {
                    Some(choose_alternative(&part.subparts))
                } else {
                    None
                };
                // Push in reverse so parts are visited in order.
                for (i, sub) in part.subparts.iter().enumerate().rev() {
                    let sub_role = match chosen {
                        Some(c) if c != i => Role::AttachmentsOnly,
                        _ => role,
                    };
                    stack.push((sub, sub_role, depth + 1));
                }
                continue;
            }
            self.leaf(part, role);
        }
    }

    /// A multipart whose closing boundary is missing was cut short.
    fn check_closing_boundary(&mut self, part: &ParsedMail<'_>) {
        let Some(boundary) = part.ctype.params.get("boundary") else {
            return;
        };
        let closing = format!("--{boundary}--");
        if memchr::memmem::find(part.raw_bytes, closing.as_bytes()).is_none()
            && !self.defects.iter().any(|d| d.kind == DefectKind::Truncated)
        {
            self.defects.push(Defect::new(
                DefectKind::Truncated,
                format!(
                    "multipart boundary {boundary:?} is never closed; the message may be cut short"
                ),
            ));
        }
    }

    fn decode(&mut self, part: &ParsedMail<'_>) -> Option<Vec<u8>> {
        let raw_len = encoded_raw(part).len();
        if self.decoded + raw_len > self.limits.max_decoded_bytes {
            if !self.budget_noted {
                self.budget_noted = true;
                self.defects.push(Defect::new(
                    DefectKind::DecodeBudget,
                    format!(
                        "more than {} bytes to decode; later parts are described by their encoded bytes",
                        self.limits.max_decoded_bytes
                    ),
                ));
            }
            return None;
        }
        self.decoded += raw_len;
        match decoded_body(part) {
            Ok(b) => Some(b),
            Err(e) => {
                self.defects.push(Defect::new(
                    DefectKind::BadTransferEncoding,
                    format!("{}: {e}; raw bytes used", part.ctype.mimetype),
                ));
                Some(encoded_raw(part).to_vec())
            }
        }
    }

    fn leaf(&mut self, part: &ParsedMail<'_>, role: Role) {
        let disposition = part.get_content_disposition();
        let name = disposition
            .params
            .get("filename")
            .or_else(|| part.ctype.params.get("name"))
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty());
        let is_attachment_disp = disposition.disposition == mailparse::DispositionType::Attachment;
        let mime = part.ctype.mimetype.clone();
        let is_text_body = matches!(mime.as_str(), "text/plain" | "text/html");
        if role == Role::AttachmentsOnly && is_text_body && name.is_none() && !is_attachment_disp {
            // Another rendering of the body already read.
            return;
        }
        if role == Role::Body && is_text_body && name.is_none() && !is_attachment_disp {
            let Some(bytes) = self.decode(part) else {
                return;
            };
            let (text, defects) = decode_text(&bytes, declared_charset(part).as_deref());
            self.defects.extend(defects);
            let text = if mime == "text/html" {
                self.body_from_html = self.body.is_empty() || self.body_from_html;
                crate::html::html_to_text_limited(&text, self.limits.max_body_text)
            } else {
                text
            };
            if !self.body.is_empty() && !text.trim().is_empty() {
                self.body.push_str("\n\n");
            }
            if self.body.len() <= self.limits.max_body_text {
                self.body.push_str(&text);
            }
            return;
        }
        let encoded = encoded_raw(part);
        let (size, sha256, kind, text, text_status, bytes) = match self.decode(part) {
            Some(bytes) => {
                let sha = Sha256::of(&bytes);
                let kind = crate::extract::detect(&bytes, &mime, name.as_deref());
                // Worked out for `attachment_contents` too (which extracts no
                // documents): reading a forwarded message counts its parts
                // and decoded bytes against the limits, so skipping it let
                // more attachments through than the record lists, and the
                // window saves attachment i under the record's i-th name
                // (found by the invariant of the `message` fuzz target).
                let (text, status) = self.attachment_text(
                    &mime,
                    &bytes,
                    declared_charset(part).as_deref(),
                    name.as_deref(),
                    kind,
                    &sha,
                );
                (bytes.len() as u64, sha, kind, text, status, bytes)
            }
            None => (
                encoded.len() as u64,
                Sha256::of(encoded),
                None,
                None,
                None,
                encoded.to_vec(),
            ),
        };
        if let Some(contents) = &mut self.contents {
            contents.push(bytes);
        }
        let name = name
            .or_else(|| (mime == "message/rfc822").then(|| "forwarded message.eml".to_string()));
        self.attachments.push(Attachment {
            name,
            mime,
            size,
            sha256,
            inline: disposition.disposition == mailparse::DispositionType::Inline
                && !is_attachment_disp,
            text,
            kind: kind.map(|k| k.name().to_string()),
            text_status,
        });
    }

    /// Text kept for text-bearing attachments, and what became of it.
    fn attachment_text(
        &mut self,
        mime: &str,
        bytes: &[u8],
        charset: Option<&str>,
        name: Option<&str>,
        kind: Option<DocKind>,
        sha: &Sha256,
    ) -> (Option<String>, Option<TextStatus>) {
        let shown = || {
            crate::display::visible(name.unwrap_or("(no name)"))
                .chars()
                .take(120)
                .collect::<String>()
        };
        match kind {
            Some(k) if k.is_document() => {
                let Some(docs) = self.docs else {
                    return (None, None);
                };
                let out = docs.text(sha, bytes, k);
                if let Some(why) = &out.failure {
                    self.defects.push(Defect::new(
                        DefectKind::AttachmentTextFailed,
                        format!("{} ({k}): {why}", shown()),
                    ));
                }
                return (out.text, Some(out.status));
            }
            Some(k @ (DocKind::Doc | DocKind::Ppt)) if self.docs.is_some() => {
                self.defects.push(Defect::new(
                    DefectKind::AttachmentTextFailed,
                    format!(
                        "{} ({k}): legacy {} files have no text extractor; not searchable",
                        shown(),
                        if k == DocKind::Doc {
                            "Word"
                        } else {
                            "PowerPoint"
                        }
                    ),
                ));
                return (None, Some(TextStatus::Unsupported));
            }
            _ => {}
        }
        let text = self.plain_attachment_text(mime, bytes, charset, name, kind);
        let status = text.as_ref().map(|t| {
            if t.len() > self.limits.max_attachment_text {
                TextStatus::Truncated
            } else if t.trim().is_empty() {
                TextStatus::Empty
            } else {
                TextStatus::Extracted
            }
        });
        let text = text.map(|t| {
            cap_text(
                t,
                self.limits.max_attachment_text,
                &mut self.defects,
                "attachment text",
            )
        });
        (text, status)
    }

    /// Text of forwarded messages, HTML and plain-text attachments.
    fn plain_attachment_text(
        &mut self,
        mime: &str,
        bytes: &[u8],
        charset: Option<&str>,
        name: Option<&str>,
        kind: Option<DocKind>,
    ) -> Option<String> {
        let ext = name
            .and_then(|n| n.rsplit_once('.'))
            .map(|(_, e)| e.to_ascii_lowercase())
            .unwrap_or_default();
        let text = if mime == "message/rfc822" {
            self.rfc822_text(bytes)?
        } else if kind == Some(DocKind::Html)
            || mime == "text/html"
            || matches!(ext.as_str(), "html" | "htm")
        {
            let (t, _) = decode_text(bytes, charset);
            crate::html::html_to_text_limited(&t, self.limits.max_attachment_text)
        } else if matches!(kind, Some(DocKind::Text | DocKind::Csv))
            || mime.starts_with("text/")
            || matches!(
                ext.as_str(),
                "txt" | "csv" | "tsv" | "md" | "log" | "ics" | "vcf"
            )
        {
            if bytes.contains(&0) {
                return None;
            }
            decode_text(bytes, charset).0
        } else {
            return None;
        };
        Some(text)
    }

    /// The readable text of a forwarded message: its main headers and body.
    fn rfc822_text(&mut self, bytes: &[u8]) -> Option<String> {
        if self.rfc822_depth >= MAX_RFC822_DEPTH {
            return None;
        }
        let parsed = mailparse::parse_mail(bytes).ok()?;
        let mut inner = Walker {
            limits: self.limits,
            decoded: self.decoded,
            parts: self.parts,
            body: String::new(),
            body_from_html: false,
            attachments: Vec::new(),
            defects: Vec::new(),
            rfc822_depth: self.rfc822_depth + 1,
            budget_noted: self.budget_noted,
            contents: None,
            docs: self.docs,
        };
        inner.walk(&parsed);
        self.decoded = inner.decoded;
        self.parts = inner.parts;
        let mut out = String::new();
        for name in ["From", "To", "Cc", "Date", "Subject"] {
            if let Some(v) = parsed.headers.get_first_value(name) {
                out.push_str(&format!("{name}: {}\n", v.trim()));
            }
        }
        out.push('\n');
        out.push_str(&inner.body);
        for a in &inner.attachments {
            if let Some(t) = &a.text {
                out.push_str("\n\n");
                out.push_str(t);
            }
        }
        Some(out)
    }
}

/// A part's body before transfer decoding.
/// A part's body decoded from its transfer encoding, as mailparse's
/// `get_body_raw` decodes it. Base64 (attachments: most of a leak's bytes)
/// goes through a SIMD decoder first; what that strict decoder refuses
/// (not canonical, not padded) goes through mailparse's lenient one, so
/// the result is always mailparse's.
fn decoded_body(part: &ParsedMail<'_>) -> Result<Vec<u8>, mailparse::MailParseError> {
    if let mailparse::body::Body::Base64(b) = part.get_body_encoded()
        && let Some(bytes) = strict_base64(b.get_raw())
    {
        return Ok(bytes);
    }
    part.get_body_raw()
}

/// Base64 with ASCII whitespace anywhere (line breaks), decoded strictly:
/// `None` unless it is canonical, padded base64.
pub(crate) fn strict_base64(encoded: &[u8]) -> Option<Vec<u8>> {
    let mut clean = Vec::with_capacity(encoded.len());
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', encoded).chain([encoded.len()]) {
        let mut line = &encoded[start..end];
        start = end + 1;
        if let [rest @ .., b'\r'] = line {
            line = rest;
        }
        // Lines are mostly clean: copied whole, else byte by byte (a
        // branch-free test for bytes up to space, which vectorises).
        if line.iter().fold(false, |any, &b| any | (b <= b' ')) {
            clean.extend(line.iter().filter(|b| !b.is_ascii_whitespace()));
        } else {
            clean.extend_from_slice(line);
        }
    }
    base64_simd::STANDARD.decode_to_vec(&clean).ok()
}

fn encoded_raw<'a>(part: &'a ParsedMail<'a>) -> &'a [u8] {
    use mailparse::body::Body;
    match part.get_body_encoded() {
        Body::Base64(b) | Body::QuotedPrintable(b) => b.get_raw(),
        Body::SevenBit(b) | Body::EightBit(b) => b.get_raw(),
        Body::Binary(b) => b.get_raw(),
    }
}

/// Index of the alternative to read: text/plain first, then a multipart
/// (which may hold text/plain), then text/html, else the last one.
fn choose_alternative(parts: &[ParsedMail<'_>]) -> usize {
    let find = |pred: &dyn Fn(&str) -> bool| parts.iter().position(|p| pred(&p.ctype.mimetype));
    find(&|m| m == "text/plain")
        .or_else(|| find(&|m| m.starts_with("multipart/")))
        .or_else(|| find(&|m| m == "text/html"))
        .unwrap_or(parts.len() - 1)
}

/// Decodes text in a declared charset (or none), returning the text (line
/// ends normalised to LF) and the defects of the decoding.
pub fn decode_text(bytes: &[u8], declared: Option<&str>) -> (String, Vec<Defect>) {
    let (text, defects) = decode_text_raw(bytes, declared);
    if text.contains('\r') {
        (text.replace("\r\n", "\n"), defects)
    } else {
        (text, defects)
    }
}

fn decode_text_raw(bytes: &[u8], declared: Option<&str>) -> (String, Vec<Defect>) {
    let mut defects = Vec::new();
    let label = declared.map(|l| l.trim().trim_matches('"').to_ascii_lowercase());
    let is_ascii_label = matches!(
        label.as_deref(),
        None | Some("us-ascii" | "ascii" | "us_ascii")
    );
    if is_ascii_label {
        if bytes.is_ascii() {
            return (String::from_utf8_lossy(bytes).into_owned(), defects);
        }
        let (text, guess) = guess_8bit(bytes);
        defects.push(Defect::new(
            DefectKind::Undeclared8bit,
            format!("8-bit text without a declared charset; decoded as {guess}"),
        ));
        return (text, defects);
    }
    let label = label.unwrap_or_default();
    match charset::Charset::for_label(label.as_bytes()) {
        Some(cs) => {
            let (text, had_errors) = cs.decode_without_bom_handling(bytes);
            if had_errors {
                defects.push(Defect::new(
                    DefectKind::CharsetErrors,
                    format!("bytes not valid in {label}; replaced with U+FFFD"),
                ));
            }
            (text.into_owned(), defects)
        }
        None => {
            let (text, guess) = guess_8bit(bytes);
            defects.push(Defect::new(
                DefectKind::UnknownCharset,
                format!("unknown charset {label:?}; decoded as {guess}"),
            ));
            (text, defects)
        }
    }
}

/// UTF-8 when the bytes are valid UTF-8, else windows-1252.
fn guess_8bit(bytes: &[u8]) -> (String, &'static str) {
    match std::str::from_utf8(bytes) {
        Ok(s) => (s.to_string(), "UTF-8"),
        Err(_) => {
            let (text, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
            (text.into_owned(), "windows-1252")
        }
    }
}

fn truncate_at_char(mut s: String, max: usize) -> String {
    if s.len() > max {
        let mut cut = max;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
    }
    s
}

fn cap_text(text: String, max: usize, defects: &mut Vec<Defect>, what: &str) -> String {
    if text.len() <= max {
        return text;
    }
    defects.push(Defect::new(
        DefectKind::TextTruncated,
        format!("{what} of {} bytes cut to {max}", text.len()),
    ));
    truncate_at_char(text, max)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;

    fn parse(raw: &[u8]) -> Message {
        parse_with(raw, &Limits::default())
    }

    fn parse_with(raw: &[u8], limits: &Limits) -> Message {
        parse_message(Sha256::of(raw), raw, true, raw.len() as u64, limits, NOW)
    }

    fn kinds(m: &Message) -> Vec<DefectKind> {
        m.defects.iter().map(|d| d.kind).collect()
    }

    const HEAD: &str =
        "From: a@example.org\nDate: Mon, 12 Oct 2015 14:02:11 -0400\nMessage-ID: <1@x>\n";

    /// mailparse's decoding of a base64 part with this body.
    fn mailparse_base64(body: &[u8]) -> Option<Vec<u8>> {
        let mut raw = b"Content-Transfer-Encoding: base64\n\n".to_vec();
        raw.extend_from_slice(body);
        mailparse::parse_mail(&raw).ok()?.get_body_raw().ok()
    }

    /// Base64 text with line breaks (CRLF or LF) every `width` characters,
    /// and stray whitespace and junk where `noise` says.
    fn wrapped(data: &[u8], width: usize, crlf: bool, noise: &[(usize, u8)]) -> Vec<u8> {
        let text = base64_simd::STANDARD.encode_to_string(data);
        let mut out = Vec::new();
        for (i, c) in text.bytes().enumerate() {
            if i > 0 && i % width.max(1) == 0 {
                out.extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
            }
            out.push(c);
        }
        for &(at, b) in noise {
            let at = at % (out.len() + 1);
            out.insert(at, b);
        }
        out
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

        /// Whatever the strict decoder accepts, mailparse decodes to the
        /// same bytes (and what it refuses goes to mailparse anyway).
        #[test]
        fn strict_base64_agrees_with_mailparse(
            data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600),
            width in 1usize..100,
            crlf in proptest::prelude::any::<bool>(),
            noise in proptest::collection::vec(
                (proptest::prelude::any::<usize>(),
                 proptest::sample::select(vec![b' ', b'\t', b'\r', b'\n', 0x0c, b'=', b'*', 0, b'A'])),
                0..4,
            ),
        ) {
            let body = wrapped(&data, width, crlf, &noise);
            if let Some(ours) = strict_base64(&body) {
                proptest::prop_assert_eq!(Some(ours), mailparse_base64(&body));
            }
            if noise.is_empty() {
                proptest::prop_assert_eq!(strict_base64(&body), Some(data));
            }
        }
    }

    #[test]
    fn strict_base64_refuses_what_is_not_canonical() {
        // Padding missing, trailing bits set, junk: left to mailparse.
        assert_eq!(strict_base64(b"QQ"), None);
        assert_eq!(strict_base64(b"QR=="), None);
        assert_eq!(strict_base64(b"QQ==\n*"), None);
        assert_eq!(strict_base64(b"QU\r\nJD\n"), Some(b"ABC".to_vec()));
        assert_eq!(strict_base64(b" Q U J D "), Some(b"ABC".to_vec()));
        // The part decodes the same either way.
        let raw = format!(
            "{HEAD}Content-Type: application/octet-stream; name=a.bin\nContent-Transfer-Encoding: base64\n\nQR==\n"
        );
        let m = parse(raw.as_bytes());
        assert_eq!(m.attachments[0].size, 1);
    }

    #[test]
    fn headers_and_encoded_words() {
        let raw = b"From: =?UTF-8?Q?Jos=C3=A9_Garc=C3=ADa?= <jose@example.org>\n\
To: \"Smith, Ann\" <ann@example.org>, bob@example.org\n\
Cc: Team: c1@example.org, c2@example.org;\n\
Subject: =?koi8-r?B?8NLJ18XU?= and =?ISO-8859-1?Q?caf=E9?=\n\
Date: Mon, 12 Oct 2015 14:02:11 -0400\n\
Message-ID: <abc@mail.example.org>\n\
In-Reply-To: <p1@x> (message from Ann)\n\
References: <r0@x>\n <p1@x>\n\
X-GM-THRID: 1234567\n\
\n\
Hello\n";
        let m = parse(raw);
        assert_eq!(m.status, ParseStatus::Parsed);
        assert_eq!(m.subject.as_deref(), Some("Привет and café"));
        assert_eq!(m.from[0].name.as_deref(), Some("José García"));
        assert_eq!(m.from[0].addr, "jose@example.org");
        assert_eq!(m.to.len(), 2);
        assert_eq!(m.to[0].name.as_deref(), Some("Smith, Ann"));
        assert_eq!(
            m.cc.iter().map(|a| a.addr.as_str()).collect::<Vec<_>>(),
            ["c1@example.org", "c2@example.org"]
        );
        assert_eq!(m.date, Some(1444672931));
        assert_eq!(m.message_id.as_deref(), Some("abc@mail.example.org"));
        assert_eq!(m.in_reply_to, ["p1@x"]);
        assert_eq!(m.references, ["r0@x", "p1@x"]);
        assert_eq!(m.gm_thread_id.as_deref(), Some("1234567"));
        assert_eq!(m.body_text, "Hello\n");
        assert!(m.defects.is_empty(), "{:?}", m.defects);
    }

    #[test]
    fn legacy_charsets_in_bodies() {
        let (koi, _, _) = encoding_rs::KOI8_R.encode("Встреча в Москве");
        let mut raw = format!(
            "{HEAD}Content-Type: text/plain; charset=koi8-r\nContent-Transfer-Encoding: 8bit\n\n"
        )
        .into_bytes();
        raw.extend_from_slice(&koi);
        assert_eq!(parse(&raw).body_text, "Встреча в Москве");

        let (jis, _, _) = encoding_rs::ISO_2022_JP.encode("会議の資料");
        let mut raw =
            format!("{HEAD}Content-Type: text/plain; charset=\"ISO-2022-JP\"\n\n").into_bytes();
        raw.extend_from_slice(&jis);
        let m = parse(&raw);
        assert_eq!(m.body_text, "会議の資料");
        assert!(m.defects.is_empty());

        let raw = format!(
            "{HEAD}Content-Type: text/plain; charset=windows-1251\nContent-Transfer-Encoding: base64\n\n0uXx8g==\n"
        );
        assert_eq!(parse(raw.as_bytes()).body_text, "Тест");
    }

    #[test]
    fn unknown_and_missing_charsets_are_flagged() {
        let mut raw =
            format!("{HEAD}Content-Type: text/plain; charset=\"x-unknown-foo\"\n\n").into_bytes();
        raw.extend_from_slice(b"caf\xe9");
        let m = parse(&raw);
        assert_eq!(m.body_text, "café");
        assert_eq!(kinds(&m), [DefectKind::UnknownCharset]);
        assert!(m.defects[0].detail.contains("x-unknown-foo"));

        let mut raw = format!("{HEAD}\n").into_bytes();
        raw.extend_from_slice("naïve".as_bytes());
        let m = parse(&raw);
        assert_eq!(m.body_text, "naïve");
        assert_eq!(kinds(&m), [DefectKind::Undeclared8bit]);

        let mut raw = format!("{HEAD}Content-Type: text/plain; charset=utf-8\n\n").into_bytes();
        raw.extend_from_slice(b"bad \xff byte");
        let m = parse(&raw);
        assert_eq!(m.body_text, "bad \u{fffd} byte");
        assert_eq!(kinds(&m), [DefectKind::CharsetErrors]);
    }

    #[test]
    fn raw_8bit_headers() {
        let raw = b"From: Ren\xe9 <rene@example.org>\nSubject: Caf\xe9 cr\xe8me\nDate: Mon, 12 Oct 2015 14:02:11 -0400\nMessage-ID: <1@x>\n\nx";
        let m = parse(raw);
        assert_eq!(m.subject.as_deref(), Some("Café crème"));
        assert_eq!(m.from[0].name.as_deref(), Some("René"));
        assert_eq!(kinds(&m), [DefectKind::Raw8bitHeader]);
        let raw = "From: Zoë <z@example.org>\nSubject: Grüße\nDate: Mon, 12 Oct 2015 14:02:11 -0400\nMessage-ID: <1@x>\n\nx";
        let m = parse(raw.as_bytes());
        assert_eq!(m.subject.as_deref(), Some("Grüße"));
        assert!(m.defects.is_empty());
    }

    #[test]
    fn alternative_prefers_plain_and_html_only_is_rendered() {
        let raw = format!(
            "{HEAD}Content-Type: multipart/alternative; boundary=b\n\n--b\nContent-Type: text/plain\n\nplain text\n--b\nContent-Type: text/html\n\n<p>html text</p>\n--b--\n"
        );
        let m = parse(raw.as_bytes());
        assert_eq!(m.body_text, "plain text");
        assert!(!m.body_from_html);
        assert!(m.attachments.is_empty());

        let raw = format!(
            "{HEAD}Content-Type: text/html\n\n<html><head><style>p{{}}</style><script>alert(1)</script></head><body><p>Hi <b>there</b></p><img src=\"http://tracker.example.net/p.gif\"></body></html>"
        );
        let m = parse(raw.as_bytes());
        assert!(m.body_from_html);
        assert!(m.body_text.contains("Hi there"), "{:?}", m.body_text);
        assert!(!m.body_text.contains("alert"));
        assert!(!m.body_text.contains("tracker.example.net"));
    }

    #[test]
    fn attachments_are_described() {
        let raw = format!(
            "{HEAD}Content-Type: multipart/mixed; boundary=\"b\"\n\n--b\nContent-Type: text/plain\n\nsee attached\n--b\nContent-Type: application/pdf; name=\"x.pdf\"\nContent-Disposition: attachment; filename*=UTF-8''Spende%CC%81n%20%C3%BCbersicht.pdf\nContent-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n--b\nContent-Type: text/csv\nContent-Disposition: attachment; filename=\"donors.csv\"\n\nname,amount\nAnn,100\n--b\nContent-Type: message/rfc822\n\nFrom: fwd@example.org\nSubject: inner\n\ninner body words\n--b--\n"
        );
        let m = parse(raw.as_bytes());
        assert_eq!(m.body_text, "see attached");
        assert_eq!(m.attachments.len(), 3);
        let pdf = &m.attachments[0];
        assert_eq!(pdf.name.as_deref(), Some("Spende\u{301}n übersicht.pdf"));
        assert_eq!(pdf.mime, "application/pdf");
        assert_eq!(pdf.size, 9);
        assert_eq!(pdf.sha256, Sha256::of(b"%PDF-1.4\n"));
        assert!(pdf.text.is_none());
        assert_eq!(
            m.attachments[1].text.as_deref(),
            Some("name,amount\nAnn,100")
        );
        let fwd = &m.attachments[2];
        assert_eq!(fwd.mime, "message/rfc822");
        assert!(fwd.text.as_deref().unwrap().contains("inner body words"));
        assert!(fwd.text.as_deref().unwrap().contains("Subject: inner"));
    }

    #[test]
    fn dates() {
        let base = "From: a@example.org\nMessage-ID: <1@x>\n";
        let m = parse(format!("{base}\nx").as_bytes());
        assert_eq!(kinds(&m), [DefectKind::MissingDate]);
        assert_eq!(m.date, None);
        let m = parse(format!("{base}Date: yesterday-ish\n\nx").as_bytes());
        assert_eq!(kinds(&m), [DefectKind::BadDate]);
        assert_eq!(m.date, None);
        assert_eq!(m.date_raw.as_deref(), Some("yesterday-ish"));
        let m = parse(format!("{base}Date: Tue, 1 Jan 1901 00:00:00 +0000\n\nx").as_bytes());
        assert_eq!(kinds(&m), [DefectKind::ImplausibleDate]);
        assert_eq!(m.date, None, "not guessed");
        assert!(m.date_raw.is_some(), "kept as written");
        let m = parse(format!("{base}Date: Tue, 1 Jan 2099 00:00:00 +0000\n\nx").as_bytes());
        assert_eq!(kinds(&m), [DefectKind::ImplausibleDate]);
        assert_eq!(m.date, Some(4_070_908_800), "kept as written");
    }

    #[test]
    fn unparseable_messages_are_kept_raw_only() {
        let m = parse(b"");
        assert_eq!(
            (m.status, kinds(&m)),
            (ParseStatus::RawOnly, vec![DefectKind::Empty])
        );
        let m = parse(b"just some words\nno headers");
        assert_eq!(
            (m.status, kinds(&m)),
            (ParseStatus::RawOnly, vec![DefectKind::NoHeaders])
        );
        assert!(m.body_text.contains("just some words"));

        // 150 nested multiparts: over the parser's limit.
        let mut raw = String::from(HEAD);
        for i in 0..150 {
            raw.push_str(&format!(
                "Content-Type: multipart/mixed; boundary=\"b{i}x\"\n\n--b{i}x\n"
            ));
        }
        raw.push_str("Content-Type: text/plain\n\ndeep\n");
        let m = parse(raw.as_bytes());
        assert_eq!(m.status, ParseStatus::RawOnly);
        assert!(kinds(&m).contains(&DefectKind::TooDeep), "{:?}", m.defects);
        assert_eq!(m.from[0].addr, "a@example.org", "headers recovered");
        assert_eq!(m.date, Some(1444672931));

        // Too large: headers only.
        let m = parse_message(
            Sha256::of(b"x"),
            HEAD.as_bytes(),
            false,
            1 << 40,
            &Limits::default(),
            NOW,
        );
        assert_eq!(m.status, ParseStatus::RawOnly);
        assert_eq!(kinds(&m), [DefectKind::TooLarge]);
        assert_eq!(m.message_id.as_deref(), Some("1@x"));
    }

    #[test]
    fn limits_on_parts_depth_and_text() {
        let mut raw = format!("{HEAD}Content-Type: multipart/mixed; boundary=b\n\n");
        for i in 0..2000 {
            raw.push_str(&format!(
                "--b\nContent-Type: application/octet-stream; name=\"p{i}.bin\"\n\n{i}\n"
            ));
        }
        raw.push_str("--b--\n");
        let m = parse(raw.as_bytes());
        assert_eq!(m.status, ParseStatus::Parsed);
        assert!(kinds(&m).contains(&DefectKind::TooManyParts));
        assert_eq!(m.attachments.len(), 999);

        let limits = Limits {
            max_depth: 3,
            max_body_text: 10,
            ..Limits::default()
        };
        let mut raw = String::from(HEAD);
        for i in 0..5 {
            raw.push_str(&format!(
                "Content-Type: multipart/mixed; boundary=\"b{i}x\"\n\n--b{i}x\n"
            ));
        }
        raw.push_str("Content-Type: text/plain\n\ndeep\n");
        let m = parse_with(raw.as_bytes(), &limits);
        assert!(kinds(&m).contains(&DefectKind::TooDeep));

        let raw = format!("{HEAD}\n0123456789abcdef");
        let m = parse_with(raw.as_bytes(), &limits);
        assert_eq!(m.body_text, "0123456789");
        assert_eq!(kinds(&m), [DefectKind::TextTruncated]);
    }

    #[test]
    fn unclosed_multipart_is_truncated() {
        let raw = format!(
            "{HEAD}Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nbody\n--b\nContent-Type: application/pdf\nContent-Transfer-Encoding: base64\n\nJVBERi0x"
        );
        let m = parse(raw.as_bytes());
        assert!(
            kinds(&m).contains(&DefectKind::Truncated),
            "{:?}",
            m.defects
        );
        assert_eq!(m.body_text, "body");
    }

    #[test]
    fn bad_addresses_fall_back_to_patterns() {
        let raw = "From: \"unterminated <x@example.org>\nTo: a@example.org\nDate: Mon, 12 Oct 2015 14:02:11 -0400\nMessage-ID: <1@x>\n\nx";
        let m = parse(raw.as_bytes());
        assert_eq!(m.from.len(), 1);
        assert_eq!(m.from[0].addr, "x@example.org");
    }

    #[test]
    fn panics_are_contained() {
        let r: Result<(), String> = contain(|| panic!("boom {}", 7));
        assert!(r.unwrap_err().starts_with("boom 7"));
        assert_eq!(contain(|| 5), Ok(5));
    }
}
