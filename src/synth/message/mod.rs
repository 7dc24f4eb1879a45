//! One message from a [`MsgSpec`]: the types the engine fills in and
//! [`compose`], which writes the body text, picks the charset and transfer
//! encoding, builds the MIME tree (plain, alternative, HTML-only, mixed with
//! attachments) and puts a realistic header block on top.
//!
//! Files: `body` (the text in the author's mail program's style, quoting
//! and forwarding, charsets, the HTML rendering), `attachments` (payloads
//! and their MIME parts), `headers` (Message-IDs, encoded names and
//! subjects, Received/DKIM, each mail program's header order).

mod attachments;
mod body;
mod headers;

use super::cast::{Mua, PEOPLE};
use super::mime::{BoundaryStyle, Cte, Part};
use super::rng::Rng;

pub use headers::message_id;

/// The earlier message a reply quotes or a forward includes.
#[derive(Clone, Debug)]
pub struct Quoted {
    pub author: usize,
    pub to: Vec<usize>,
    pub cc: Vec<usize>,
    pub date: i64,
    pub subject: String,
    pub text: String,
}

/// Google Takeout metadata.
#[derive(Clone, Debug)]
pub struct Takeout {
    pub gm_id: u64,
    pub thrid: u64,
    pub labels: String,
}

/// Kinds of attachment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttachKind {
    Pdf,
    Docx,
    Xlsx,
    Png,
    Jpeg,
    Txt,
    Csv,
    Rfc822,
    /// A real PDF/DOCX/XLSX sent as `application/octet-stream` (or a PNG
    /// labelled `image/jpeg`).
    Mislabeled,
}

pub const ATTACH_KINDS: &[AttachKind] = &[
    AttachKind::Pdf,
    AttachKind::Docx,
    AttachKind::Xlsx,
    AttachKind::Png,
    AttachKind::Jpeg,
    AttachKind::Txt,
    AttachKind::Csv,
    AttachKind::Rfc822,
    AttachKind::Mislabeled,
];
pub const ATTACH_WEIGHTS: &[u32] = &[25, 15, 14, 10, 12, 5, 8, 5, 6];

/// Everything needed to write one message.
#[derive(Clone, Debug)]
pub struct MsgSpec {
    pub from: usize,
    pub to: Vec<usize>,
    pub cc: Vec<usize>,
    pub date: i64,
    pub subject: String,
    pub thread_topic: String,
    pub message_id: String,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    pub thread_index: Option<Vec<u8>>,
    pub quoted: Option<Quoted>,
    pub forward: bool,
    pub paragraphs: usize,
    pub from_line: bool,
    pub attachments: Vec<AttachKind>,
    /// Total raw attachment bytes wanted (benchmark corpora); `None` keeps
    /// attachments naturally small.
    pub attach_budget: Option<usize>,
    pub takeout: Option<Takeout>,
    pub delivered_to: Option<usize>,
    /// Cap on the bytes of earlier text quoted.
    pub quote_cap: usize,
    /// Probability of quoting with a bare `>` (no space), as old clients
    /// do; quoted "From " lines then become ">From " lines.
    pub tight_quote_prob: f64,
    pub html_only: bool,
}

/// A written message.
#[derive(Clone, Debug)]
pub struct Built {
    /// The message, `\n` line ends.
    pub bytes: Vec<u8>,
    /// The plain text of the body, for later quoting.
    pub text: String,
    pub attachments: usize,
    /// Bytes of encoded attachment bodies.
    pub attach_bytes: usize,
}

/// Compose the message described by `spec`.
pub fn compose(rng: &mut Rng, spec: &MsgSpec) -> Built {
    let author = &PEOPLE[spec.from];
    let text = body::body_text(rng, spec);
    let (charset, cte) = body::choose_charset(rng, author, &text);
    let bstyle = headers::boundary_style(author.mua);
    let body_part = body_part(rng, spec, &text, charset, cte, bstyle);
    let (top, attach_bytes) = with_attachments(rng, spec, body_part, bstyle);
    let h = headers::header_block(rng, spec, &top, charset);

    let mut bytes: Vec<u8> = Vec::with_capacity(4096 + attach_bytes + text.len() * 3);
    headers::write_headers(&mut bytes, &h, author.mua == Mua::Outlook);
    bytes.push(b'\n');
    let body_at = bytes.len();
    top.write_body(&mut bytes);
    true_body_hash(&mut bytes, body_at);
    Built {
        bytes,
        text,
        attachments: spec.attachments.len(),
        attach_bytes,
    }
}

/// Puts the body's real hash (relaxed, SHA-256) in the DKIM signature's
/// `bh=`, in place of the placeholder of the same length: the body is as
/// signed, the signature bytes are not (no key signed them), so the
/// verdict is `nokey`, as for a leak whose keys were rotated out of DNS.
fn true_body_hash(bytes: &mut [u8], body_at: usize) {
    use crate::dkim::canon;
    use crate::dkim::sig::Canon;
    let Some(at) = bytes[..body_at]
        .windows(4)
        .position(|w| w == b"\tbh=")
        .map(|i| i + 4)
    else {
        return;
    };
    let digest = canon::body_hash(&bytes[body_at..], Canon::Relaxed, "sha256", None).digest;
    let b64 = super::encode::base64(&digest);
    if let Some(slot) = bytes.get_mut(at..at + b64.len()) {
        slot.copy_from_slice(b64.as_bytes());
    }
}

/// The body: HTML only, plain and HTML alternatives, or plain text
/// (sometimes format=flowed), as the author's mail program writes it.
fn body_part(
    rng: &mut Rng,
    spec: &MsgSpec,
    text: &str,
    charset: &'static str,
    cte: Cte,
    bstyle: BoundaryStyle,
) -> Part {
    let mua = PEOPLE[spec.from].mua;
    let want_html = !matches!(mua, Mua::Thunderbird | Mua::Iphone) || rng.chance(0.1);
    let html_cte = if cte == Cte::Base64 {
        Cte::Base64
    } else {
        Cte::QuotedPrintable
    };
    if spec.html_only {
        let tracker = rng.chance(0.3);
        let html = body::html_from_text(rng, text, mua, charset, tracker);
        Part::text("html", &html, charset, html_cte, false)
    } else if want_html && rng.chance(0.85) {
        let plain = Part::text("plain", text, charset, cte, false);
        let html = body::html_from_text(rng, text, mua, charset, false);
        let html = Part::text("html", &html, charset, html_cte, false);
        Part::multi(rng, bstyle, "alternative", vec![plain, html])
    } else {
        let flowed = mua == Mua::Thunderbird && cte != Cte::Base64 && rng.chance(0.5);
        Part::text("plain", text, charset, cte, flowed)
    }
}

/// `body` alone, or a multipart/mixed of `body` and the attachments (each
/// given its share of the budget, if any); with the bytes of the encoded
/// attachment bodies.
fn with_attachments(
    rng: &mut Rng,
    spec: &MsgSpec,
    body: Part,
    bstyle: BoundaryStyle,
) -> (Part, usize) {
    if spec.attachments.is_empty() {
        return (body, 0);
    }
    let author = &PEOPLE[spec.from];
    let mut attach_bytes = 0;
    let mut parts = vec![body];
    let n = spec.attachments.len();
    for &kind in &spec.attachments {
        let size = spec.attach_budget.map(|b| {
            let share = (b / n) as f64 * rng.log_factor();
            (share as usize).max(600)
        });
        let kind = match (kind, size) {
            (AttachKind::Txt | AttachKind::Csv | AttachKind::Rfc822, Some(s)) if s > 48 * 1024 => {
                AttachKind::Pdf
            }
            (k, _) => k,
        };
        let a = attachments::attachment(rng, kind, author, spec.date, size);
        let (p, n) = attachments::attachment_part(rng, a, author.mua, spec.date, author);
        attach_bytes += n;
        parts.push(p);
    }
    (Part::multi(rng, bstyle, "mixed", parts), attach_bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(from: usize, attachments: Vec<AttachKind>) -> MsgSpec {
        MsgSpec {
            from,
            to: vec![2, 3],
            cc: vec![4],
            date: 1_444_672_931,
            subject: "Budget v3".into(),
            thread_topic: "Budget v3".into(),
            message_id: "<X@mail.ncpc.example.org>".into(),
            in_reply_to: None,
            references: vec![],
            thread_index: Some(vec![1; 22]),
            quoted: Some(Quoted {
                author: 3,
                to: vec![from],
                cc: vec![],
                date: 1_444_600_000,
                subject: "Budget v2".into(),
                text: "From here on we talk by phone.\nsecond line\n".into(),
            }),
            forward: false,
            paragraphs: 2,
            from_line: true,
            attachments,
            attach_budget: None,
            takeout: None,
            delivered_to: None,
            quote_cap: 2000,
            tight_quote_prob: 0.0,
            html_only: false,
        }
    }

    #[test]
    fn composes_every_person_and_attachment() {
        let mut r = Rng::new(11);
        for from in 0..PEOPLE.len() {
            let b = compose(&mut r, &spec(from, ATTACH_KINDS.to_vec()));
            let s = String::from_utf8_lossy(&b.bytes);
            assert!(s.contains("\nMessage-I"), "{s}");
            assert!(s.contains("Date: "));
            assert_eq!(b.attachments, ATTACH_KINDS.len());
            // Headers are ASCII except nothing: all non-ASCII is encoded.
            let head_end = b.bytes.windows(2).position(|w| w == b"\n\n").unwrap();
            assert!(b.bytes[..head_end].is_ascii(), "{}", &s[..head_end]);
        }
    }
}
