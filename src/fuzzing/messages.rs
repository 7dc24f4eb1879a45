//! Fuzz bodies for one message and what is read out of it: `message`
//! (canonical form, parse with attachment text extracted inline,
//! attachment contents, index document, stored record), `smime`
//! (opaque-signed S/MIME: the CMS object, and a message around it),
//! `extract` (attachment documents of every kind) and `html` (HTML to
//! text).

use std::sync::OnceLock;
use std::time::Duration;

use crate::extract::{DocKind, ExtractError, ExtractLimits};
use crate::index::Fields;
use crate::model::{DefectKind, Limits, Message, ParseStatus, Sha256, SignatureKind, TextStatus};
use crate::parse::smime::{Cms, read_cms};
use crate::source::{self, Canonicalizer};
use crate::{attachtext, extract as extract_mod, html as html_mod, parse, store};

use super::NOW;

// One message: canonical form, parse, attachments, index document, record

/// Small limits, so that every limit is reached by small inputs.
fn small_limits() -> Limits {
    Limits {
        max_message_bytes: 4096,
        max_header_block: 512,
        max_header_value: 64,
        max_parts: 6,
        max_depth: 3,
        max_decoded_bytes: 2048,
        max_body_text: 256,
        max_attachment_text: 128,
    }
}

fn fields() -> &'static Fields {
    static F: OnceLock<Fields> = OnceLock::new();
    F.get_or_init(Fields::new)
}

/// Fuzz target `message`. The first byte chooses: bit 0 mbox quoting,
/// bit 1 small limits, bits 2–7 the chunk size for the streaming
/// canonicaliser; the rest is the message as found in a source.
pub fn message(data: &[u8]) {
    let Some((&flags, raw)) = data.split_first() else {
        return;
    };
    let quoted = flags & 1 != 0;
    let limits = if flags & 2 != 0 {
        small_limits()
    } else {
        Limits::default()
    };
    let chunk = usize::from(flags >> 2) + 1;

    // Key and source hash, one-shot and streaming in chunks.
    let (raw_sha, key) = source::hash_message(raw, quoted);
    assert_eq!(raw_sha, Sha256::of(raw));
    let canon = source::canonical(raw, quoted);
    assert_eq!(key, Sha256::of(&canon));
    let mut streamed = Vec::new();
    let mut c = Canonicalizer::new(quoted);
    for piece in raw.chunks(chunk) {
        c.feed(piece, &mut |b| streamed.extend_from_slice(b));
    }
    c.finish(&mut |b| streamed.extend_from_slice(b));
    assert_eq!(
        &streamed[..],
        &canon[..],
        "streaming canonical form differs"
    );
    assert!(!canon.ends_with(b"\n") && !canon.ends_with(b"\r"));

    // What the import parses: quoting undone, line ends as in the source.
    let bytes = if quoted {
        source::unquote_mbox(raw)
    } else {
        std::borrow::Cow::Borrowed(raw)
    };
    // With the import's attachment extraction (inline here, so that a hang
    // shows as a libFuzzer timeout instead of an abandoned thread).
    let docs = Direct(ExtractLimits {
        max_text_chars: limits.max_attachment_text,
        ..fuzz_extract_limits()
    });
    let msg = parse::parse_message_with(
        key,
        &bytes,
        true,
        bytes.len() as u64,
        &limits,
        NOW,
        Some(&docs),
    );
    assert_eq!(msg.key, key);
    check_message(&msg, &limits);
    // Raw-only always says why. (Not the converse: `too_deep` also marks
    // a parsed message whose innermost parts were not examined.)
    if msg.status == ParseStatus::RawOnly {
        assert!(
            msg.defects.iter().any(|d| d.kind.is_fatal()),
            "raw-only without a defect saying why: {:?}",
            msg.defects
        );
    }

    check_saved_attachments(&bytes, &msg, &limits);

    // A message too large to hold: only its head, always raw-only.
    let head = &bytes[..bytes.len().min(limits.max_header_block)];
    let big = parse::parse_message(key, head, false, u64::MAX, &limits, NOW);
    assert_eq!(big.status, ParseStatus::RawOnly);
    assert!(big.has_defect(DefectKind::TooLarge));
    check_message(&big, &limits);

    // The index document and the stored record.
    let _doc = fields().document(&msg);
    // Attachment texts are stored apart, once per content.
    let mut expected = msg.clone();
    expected.defects.clear();
    for a in &mut expected.attachments {
        a.text = None;
    }
    let with_text: Vec<(Sha256, Option<String>)> = msg
        .attachments
        .iter()
        .map(|a| (a.sha256, a.text.clone()))
        .collect();
    let prepared = store::prepare(msg);
    let back = store::decode_record(&prepared.data).expect("a stored record decodes");
    assert_eq!(back, expected, "the stored record does not round-trip");
    for (sha, text) in with_text {
        if let Some(text) = text {
            let kept = prepared
                .texts
                .iter()
                .find(|t| t.sha256 == sha)
                .expect("every attachment text is kept");
            // A content with a text in any attachment keeps a text.
            assert!(kept.text.is_some(), "text of {sha} lost ({text:?})");
        }
    }
}

/// Saving attachments reads them again; the list must be the one shown
/// (the window saves attachment i of this list under the i-th name).
fn check_saved_attachments(bytes: &[u8], msg: &Message, limits: &Limits) {
    let contents = parse::attachment_contents(bytes, limits);
    if msg.status == ParseStatus::Parsed {
        assert_eq!(
            contents.len(),
            msg.attachments.len(),
            "attachment_contents and the record list different attachments"
        );
        for ((a, content), shown) in contents.iter().zip(&msg.attachments) {
            assert_eq!((&a.name, &a.mime), (&shown.name, &shown.mime));
            assert_eq!((a.size, a.sha256), (shown.size, shown.sha256));
            assert_eq!(a.size, content.len() as u64);
            assert_eq!(a.sha256, Sha256::of(content));
        }
    }
}

// Opaque-signed S/MIME

/// How [`smime`] labels the part holding the CMS object (first byte, bits 0–1).
const P7M_TYPES: [&str; 4] = [
    "application/pkcs7-mime; smime-type=signed-data; name=\"smime.p7m\"",
    "application/x-pkcs7-mime; name=\"smime.p7m\"",
    "application/octet-stream; name=\"smime.p7m\"",
    "application/pkcs7-mime; smime-type=enveloped-data",
];

/// Fuzz target `smime`: the bytes after the first are a CMS object (an
/// `smime.p7m`). Read on its own it gives an error or a content shorter
/// than itself. Then it is the body of a message (first byte: bits 0–1
/// the part's type, see [`P7M_TYPES`]; bit 2 binary instead of base64;
/// bit 3 small limits; bit 4 inside a `multipart/mixed`), parsed: the
/// record keeps every limit (body and alternatives within the body text
/// limit), the attachments saved are the ones listed, an opaque-signed
/// message keeps its `smime.p7m` among the signatures, and one that could
/// not be unwrapped keeps it as an attachment.
pub fn smime(data: &[u8]) {
    let Some((&flags, cms)) = data.split_first() else {
        return;
    };
    if let Ok(Cms::Signed(content)) = read_cms(cms) {
        assert!(
            content.len() < cms.len(),
            "content longer than its CMS object"
        );
    }
    let ctype = P7M_TYPES[usize::from(flags & 3)];
    let binary = flags & 4 != 0;
    let limits = if flags & 8 != 0 {
        small_limits()
    } else {
        Limits::default()
    };
    let mut raw = b"From: a@example.org\nSubject: signed\nMIME-Version: 1.0\n".to_vec();
    let nested = flags & 16 != 0;
    if nested {
        raw.extend_from_slice(b"Content-Type: multipart/mixed; boundary=\"=_b\"\n\n--=_b\n");
    }
    raw.extend_from_slice(format!("Content-Type: {ctype}\n").as_bytes());
    if binary {
        raw.extend_from_slice(b"Content-Transfer-Encoding: binary\n\n");
        raw.extend_from_slice(cms);
    } else {
        raw.extend_from_slice(b"Content-Transfer-Encoding: base64\n\n");
        let b64 = base64_simd::STANDARD.encode_to_string(cms);
        for line in b64.as_bytes().chunks(76) {
            raw.extend_from_slice(line);
            raw.push(b'\n');
        }
    }
    if nested {
        raw.extend_from_slice(b"\n--=_b--\n");
    }
    let key = Sha256::of(&raw);
    let msg = parse::parse_message(key, &raw, true, raw.len() as u64, &limits, NOW);
    check_message(&msg, &limits);
    check_saved_attachments(&raw, &msg, &limits);
    if msg.signed == Some(SignatureKind::SmimeOpaque) {
        assert!(
            msg.signatures
                .iter()
                .any(|s| s.name.as_deref() == Some("smime.p7m")),
            "opaque-signed without its smime.p7m: {:?}",
            msg.signatures
        );
    }
    if msg.has_defect(DefectKind::BadSmime) && msg.signed != Some(SignatureKind::SmimeOpaque) {
        assert!(
            msg.attachments
                .iter()
                .any(|a| a.name.as_deref() == Some("smime.p7m") || a.mime.contains("pkcs7")),
            "an unreadable smime.p7m is kept as an attachment: {:?}",
            msg.attachments
        );
    }
    let _ = store::decode_record(&store::prepare(msg).data).expect("a stored record decodes");
}

/// Limits every record must respect, and text safe to show.
fn check_message(m: &Message, limits: &Limits) {
    assert!(
        m.body_text.len() <= limits.max_body_text,
        "body over the limit"
    );
    // The limit holds the body and the other alternatives together.
    let alternatives: usize = m.alternatives.iter().map(|a| a.text.len()).sum();
    assert!(
        m.body_text.len() + alternatives <= limits.max_body_text,
        "body ({}) and alternatives ({alternatives}) over the limit {}",
        m.body_text.len(),
        limits.max_body_text
    );
    for a in &m.attachments {
        if let Some(t) = &a.text {
            assert!(
                t.len() <= limits.max_attachment_text,
                "attachment text over the limit"
            );
        }
    }
    assert!(
        m.attachments.len() <= limits.max_parts,
        "more attachments than parts"
    );
    for s in [&m.subject, &m.date_raw, &m.message_id]
        .into_iter()
        .flatten()
    {
        let shown = crate::display::visible(s);
        assert!(!shown.chars().any(crate::display::is_invisible));
    }
    if let Some(d) = m.date {
        let _ = crate::time::rfc3339(d);
    }
}

/// Attachment text extraction without the watchdog thread: in a fuzz
/// target a hang must show as a timeout, not be abandoned.
struct Direct(ExtractLimits);

impl parse::DocText for Direct {
    fn text(&self, _sha: &Sha256, bytes: &[u8], kind: DocKind) -> parse::DocOutcome {
        attachtext::outcome(extract_mod::extract(bytes, kind, &self.0))
    }
}

/// The default extraction limits with a time budget well under libFuzzer's
/// one-second timeout: an input that runs past it has a loop without a
/// deadline check.
fn fuzz_extract_limits() -> ExtractLimits {
    ExtractLimits {
        time: Duration::from_millis(300),
        ..ExtractLimits::default()
    }
}

// Attachment documents

/// The document kinds [`extract()`] reads, chosen by the target's first byte.
const DOC_KINDS: [DocKind; 9] = [
    DocKind::Pdf,
    DocKind::Docx,
    DocKind::Xlsx,
    DocKind::Pptx,
    DocKind::Odt,
    DocKind::Ods,
    DocKind::Odp,
    DocKind::Xls,
    DocKind::Rtf,
];

/// Fuzz target `extract`: the first byte picks a document kind (or, past
/// the kinds, lets [`extract_mod::detect`] decide, as the import does for an
/// `application/octet-stream` attachment), the rest is the document.
/// Extraction must end within its time budget (libFuzzer's timeout) and
/// memory limit, keep at most the text limit, and never let a panic out.
pub fn extract(data: &[u8]) {
    let Some((&pick, doc)) = data.split_first() else {
        return;
    };
    let detected = extract_mod::detect(doc, "application/octet-stream", Some("attachment.bin"));
    let kind = match DOC_KINDS.get(usize::from(pick)) {
        Some(&k) => k,
        None => match detected {
            Some(k) if k.is_document() => k,
            _ => return,
        },
    };
    let limits = ExtractLimits {
        max_text_chars: 4096,
        ..fuzz_extract_limits()
    };
    match extract_mod::extract(doc, kind, &limits) {
        Ok(out) => {
            assert!(
                out.text.chars().count() <= limits.max_text_chars,
                "{} characters over the limit {}",
                out.text.chars().count(),
                limits.max_text_chars
            );
            let status = attachtext::outcome(Ok(out)).status;
            assert!(matches!(
                status,
                TextStatus::Extracted | TextStatus::Truncated | TextStatus::Empty
            ));
        }
        Err(ExtractError::Unsupported { .. }) => panic!("{kind:?} is a document kind"),
        Err(ExtractError::Busy) => panic!("extract() runs no watchdog"),
        Err(_) => {}
    }
}

// HTML

/// Fuzz target `html`: the first byte is an output cap (×16 bytes), the
/// rest HTML (as UTF-8, lossily).
pub fn html(data: &[u8]) {
    let Some((&cap, rest)) = data.split_first() else {
        return;
    };
    let cap = usize::from(cap) * 16;
    let text = String::from_utf8_lossy(rest);
    let out = html_mod::html_to_text_limited(&text, cap);
    assert!(out.len() <= cap, "{} bytes over the cap {cap}", out.len());
    let full = html_mod::html_to_text(&text);
    assert!(full.len() <= html_mod::DEFAULT_MAX_OUTPUT);
    assert!(!full.ends_with(char::is_whitespace), "trailing whitespace");
    assert!(!full.starts_with('\n'), "leading blank line");
    let _ = html_mod::decode_entities(&text);
}
