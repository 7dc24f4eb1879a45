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
//!
//! Files: `headers.rs` (header fields: addresses, dates, message ids, raw
//! 8-bit bytes), `body.rs` (the MIME walk: body text, attachments and their
//! text), `charset.rs` (charset and transfer decoding, text caps),
//! `smime.rs` (the content of opaque-signed S/MIME: CMS SignedData read
//! with `bcder`).

mod body;
mod charset;
mod headers;
pub mod received;
pub(crate) mod smime;
#[cfg(test)]
mod tests;

use mailparse::ParsedMail;

use crate::contain::contain;
use crate::extract::DocKind;
use crate::model::{
    Attachment, Defect, DefectKind, Limits, Message, ParseStatus, Sha256, TextStatus,
};

use body::Walker;
use charset::{cap_text, declared_charset};
use headers::fill_headers;

pub use charset::decode_text;

/// Text of document attachments (PDF, Office, RTF …), asked for while a
/// message is parsed. The import's implementation extracts each content
/// once (`attachtext::DocCache`).
pub trait DocText: Sync {
    /// The text of `bytes`, a document of `kind` whose SHA-256 is `sha`.
    fn text(&self, sha: &Sha256, bytes: &[u8], kind: DocKind) -> DocOutcome;
}

/// What a [`DocText`] made of a document.
#[derive(Clone, Debug, PartialEq)]
pub struct DocOutcome {
    /// The extracted text, capped at the attachment-text limit; None when there is none.
    pub text: Option<String>,
    /// What became of the text (extracted, truncated, failed, …).
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
        let mut walker = Walker::new(limits, None, true);
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
    let mut walker = Walker::new(limits, docs, false);
    walker.walk(parsed);
    msg.body_text = cap_text(
        walker.body,
        limits.max_body_text,
        &mut walker.defects,
        "body",
    );
    msg.body_from_html = walker.body_from_html;
    msg.alternatives = body::fit_alternatives(
        walker.alternatives,
        msg.body_text.len(),
        limits.max_body_text,
        &mut walker.defects,
    );
    msg.attachments = walker.attachments;
    msg.signatures = walker.signatures;
    msg.signed = walker.signed;
    msg.encrypted = walker.encrypted;
    msg.defects.extend(walker.defects);
}
