//! A PDF rendering of messages that an editor or a lawyer can read and
//! print: for each message its subject, every header address in full, the
//! date (as written and as read), the message id and mailsift's id, the
//! body, the attachments with their sizes and SHA-256s, and every place
//! the message was found (file, offset, length, SHA-256 of those bytes).
//! One message, or a whole thread in reading order, per document.
//!
//! Written with `pdf-writer` (Typst's low-level PDF writer), fonts subset
//! with `subsetter` and measured with `ttf-parser`; the fonts are bundled
//! (`assets/fonts/`: DejaVu for Latin, Greek, Cyrillic and more, Droid
//! Sans Fallback for Chinese, Japanese and Korean), so the same message
//! gives the same PDF on every machine and nothing is looked up on the
//! system. Text goes through [`crate::display::visible_text`] first: a
//! bidi override in a subject cannot reorder what the printout shows.
//! The text is searchable and copyable (each font carries a ToUnicode map).
//! A body longer than [`MAX_BODY_CHARS`] is cut with a line saying so.

mod fonts;
mod layout;

use std::path::Path;

use crate::annotate::Annotations;
use crate::display::{visible, visible_text};
use crate::error::{Error, Result};
use crate::model::{Address, Message, Origin};
use crate::time::rfc3339;

pub use fonts::Style;
use layout::Doc;

/// Body text printed per message at most (about 400 pages).
pub const MAX_BODY_CHARS: usize = 1_000_000;

/// Sizes in points.
const SUBJECT_SIZE: f32 = 14.0;
const FIELD_SIZE: f32 = 9.0;
const BODY_SIZE: f32 = 9.5;
const SMALL_SIZE: f32 = 8.0;
/// Where header values start (hanging indent).
const FIELD_INDENT: f32 = 78.0;

/// One message to print.
#[derive(Clone, Copy, Debug)]
pub struct PrintItem<'a> {
    /// The stored record (with attachment texts or not: only names, types,
    /// sizes and hashes are printed).
    pub message: &'a Message,
    /// Every place the message was found.
    pub origins: &'a [Origin],
    /// The investigators' tags, star and notes, printed when given.
    pub annotations: Option<&'a Annotations>,
    /// The DKIM verdict and every signature's details; None: the message
    /// has not been verified (printed as such).
    pub dkim: Option<&'a crate::dkim::Outcome>,
    /// Set the body in monospace (a patch, a table); see
    /// [`crate::display::looks_preformatted`].
    pub monospace: bool,
}

/// The document around the messages.
#[derive(Clone, Debug)]
pub struct PrintOptions {
    /// A heading over the messages (e.g. "Thread: Budget — 4 messages");
    /// none for a single message.
    pub heading: Option<String>,
    /// The document's title (PDF metadata) and the footer's first part,
    /// e.g. the case's name.
    pub title: String,
}

/// The PDF of `items`, in their order.
pub fn render(items: &[PrintItem<'_>], opts: &PrintOptions) -> Result<Vec<u8>> {
    let mut doc = Doc::new(&visible(&opts.title))?;
    if let Some(h) = &opts.heading {
        doc.paragraph(&visible(h), Style::Bold, SUBJECT_SIZE + 2.0, 0.0);
        doc.space(4.0);
        doc.rule(0.2);
        doc.space(6.0);
    }
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            doc.space(10.0);
            doc.rule(0.2);
            doc.space(8.0);
        }
        message(&mut doc, item);
    }
    let footer = format!(
        "{} · printed by mailsift {}",
        visible(&opts.title),
        env!("CARGO_PKG_VERSION")
    );
    doc.finish(&footer)
}

/// Writes `render(items, opts)` to `dest` at once (temporary name, then
/// renamed; nothing half-written). Returns the bytes' SHA-256 (hex).
pub fn write(dest: &Path, items: &[PrintItem<'_>], opts: &PrintOptions) -> Result<String> {
    let bytes = render(items, opts)?;
    super::writer::write_file_atomically::<Error>(dest, |w| {
        w.write_all(&bytes)
            .map_err(|e| Error::io(dest, "writing", e))
    })?;
    Ok(crate::model::Sha256::of(&bytes).to_hex())
}

/// One message's pages.
fn message(doc: &mut Doc, item: &PrintItem<'_>) {
    let m = item.message;
    let subject = m.subject.as_deref().unwrap_or("(no subject)");
    doc.keep(80.0);
    doc.paragraph(&visible(subject), Style::Bold, SUBJECT_SIZE, 0.0);
    doc.space(4.0);
    let fields: [(&str, &[Address]); 6] = [
        ("From", &m.from),
        ("Sender", &m.sender),
        ("To", &m.to),
        ("Cc", &m.cc),
        ("Bcc", &m.bcc),
        ("Reply-To", &m.reply_to),
    ];
    for (label, addrs) in fields {
        if !addrs.is_empty() {
            let list: Vec<String> = addrs.iter().map(|a| visible(&a.to_string())).collect();
            doc.field(label, &list.join(", "), FIELD_SIZE, FIELD_INDENT);
        }
    }
    let date = match (m.date, m.date_raw.as_deref()) {
        (Some(t), Some(raw)) => format!("{} (written: {})", rfc3339(t), visible(raw)),
        (Some(t), None) => rfc3339(t),
        (None, Some(raw)) => format!("{} (could not be read as a date)", visible(raw)),
        (None, None) => "none".to_owned(),
    };
    doc.field("Date", &date, FIELD_SIZE, FIELD_INDENT);
    if let Some(id) = &m.message_id {
        doc.field("Message-ID", &visible(id), FIELD_SIZE, FIELD_INDENT);
    }
    doc.field("mailsift id", &m.key.to_string(), FIELD_SIZE, FIELD_INDENT);
    if !m.labels.is_empty() {
        doc.field(
            "Labels",
            &visible(&m.labels.join(", ")),
            FIELD_SIZE,
            FIELD_INDENT,
        );
    }
    dkim(doc, item.dkim);
    if let Some(a) = item.annotations {
        annotations(doc, a);
    }
    doc.space(4.0);
    doc.rule(0.75);
    doc.space(4.0);
    body(doc, m, item.monospace);
    attachments(doc, m);
    origins(doc, item.origins);
}

/// The DKIM verdict in words, then each signature: verdict, domain,
/// selector, algorithm, reason, the key's source and period, warnings.
fn dkim(doc: &mut Doc, outcome: Option<&crate::dkim::Outcome>) {
    let Some(o) = outcome else {
        doc.field("DKIM", "not verified yet", FIELD_SIZE, FIELD_INDENT);
        return;
    };
    let mut lines = vec![visible(&o.summary())];
    for s in &o.signatures {
        let mut line = format!(
            "{} {} (key {}, {}): {}",
            s.verdict.as_str(),
            visible(&s.domain),
            visible(&s.record_name()),
            visible(&s.algorithm),
            visible(&s.reason)
        );
        if let Some(src) = &s.key_source {
            line.push_str(&format!("; key from {}", visible(src)));
        }
        if let Some(p) = &s.key_period {
            line.push_str(&format!(", in use {}", visible(p)));
        }
        lines.push(line);
        lines.extend(
            s.warnings
                .iter()
                .map(|w| format!("warning: {}", visible(&w.text))),
        );
    }
    doc.field("DKIM", &lines.join("\n"), FIELD_SIZE, FIELD_INDENT);
}

/// Tags, star and notes.
fn annotations(doc: &mut Doc, a: &Annotations) {
    if a.starred {
        doc.field("Starred", "yes", FIELD_SIZE, FIELD_INDENT);
    }
    if !a.tags.is_empty() {
        doc.field(
            "Tags",
            &visible(&a.tags.join(", ")),
            FIELD_SIZE,
            FIELD_INDENT,
        );
    }
    for line in a.note_lines() {
        doc.field("Note", &visible_text(&line), FIELD_SIZE, FIELD_INDENT);
    }
}

/// The body, cut at [`MAX_BODY_CHARS`] with a line saying so.
fn body(doc: &mut Doc, m: &Message, monospace: bool) {
    let text = visible_text(&m.body_text);
    let (shown, cut) = match text.char_indices().nth(MAX_BODY_CHARS) {
        Some((at, _)) => (&text[..at], text[at..].chars().count()),
        None => (text.as_str(), 0),
    };
    if shown.trim().is_empty() {
        doc.paragraph("(no text body)", Style::Regular, BODY_SIZE, 0.0);
    } else {
        if m.body_from_html {
            doc.paragraph(
                "The text below was made from the message's HTML.",
                Style::Regular,
                SMALL_SIZE,
                0.0,
            );
            doc.space(2.0);
        }
        let style = if monospace {
            Style::Mono
        } else {
            Style::Regular
        };
        let size = if monospace {
            BODY_SIZE - 1.0
        } else {
            BODY_SIZE
        };
        doc.paragraph(shown.trim_end(), style, size, 0.0);
    }
    if cut > 0 {
        doc.space(4.0);
        doc.paragraph(
            &format!("[{cut} more characters of the body are not printed; the case holds the whole message.]"),
            Style::Bold,
            BODY_SIZE,
            0.0,
        );
    }
}

/// The attachment list.
fn attachments(doc: &mut Doc, m: &Message) {
    let all: Vec<_> = m.attachments.iter().chain(&m.signatures).collect();
    if all.is_empty() {
        return;
    }
    doc.space(8.0);
    doc.keep(40.0);
    doc.paragraph(
        &format!("Attachments ({})", all.len()),
        Style::Bold,
        FIELD_SIZE + 1.0,
        0.0,
    );
    for a in all {
        let name = a
            .name
            .as_deref()
            .map(visible)
            .unwrap_or_else(|| "(no name)".to_owned());
        doc.paragraph(
            &format!("{name} — {}, {} bytes", visible(&a.mime), a.size),
            Style::Regular,
            FIELD_SIZE,
            10.0,
        );
        doc.paragraph(
            &format!("SHA-256 {}", a.sha256.to_hex()),
            Style::Mono,
            SMALL_SIZE,
            20.0,
        );
    }
}

/// Where the message was found.
fn origins(doc: &mut Doc, origins: &[Origin]) {
    doc.space(8.0);
    doc.keep(40.0);
    let title = match origins.len() {
        0 => "Found in: no origin is recorded".to_owned(),
        1 => "Found in".to_owned(),
        n => format!("Found in {n} places (identical copies)"),
    };
    doc.paragraph(&title, Style::Bold, FIELD_SIZE + 1.0, 0.0);
    for o in origins {
        if let Some(item) = &o.converted {
            doc.paragraph(
                &format!(
                    "{} — {}, CONVERTED: the Outlook item {} has no MIME source; this is mailsift's rendering of it ({} bytes)",
                    visible(&o.display_path()),
                    o.format.as_str(),
                    visible(item),
                    o.length
                ),
                Style::Regular,
                FIELD_SIZE,
                10.0,
            );
            doc.paragraph(
                &format!("SHA-256 of the rendering {}", o.raw_sha256.to_hex()),
                Style::Mono,
                SMALL_SIZE,
                20.0,
            );
            continue;
        }
        doc.paragraph(
            &format!(
                "{} — {}, bytes {} to {} ({} bytes)",
                visible(&o.display_path()),
                o.format.as_str(),
                o.offset,
                o.offset.saturating_add(o.length),
                o.length
            ),
            Style::Regular,
            FIELD_SIZE,
            10.0,
        );
        doc.paragraph(
            &format!("SHA-256 of those bytes {}", o.raw_sha256.to_hex()),
            Style::Mono,
            SMALL_SIZE,
            20.0,
        );
    }
}

/// zlib-compressed `data` (PDF's FlateDecode).
fn deflate(data: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec_zlib(data, 6)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::{DocKind, ExtractLimits, extract};
    use crate::model::{Attachment, Sha256, SourceFormat};

    fn message(n: u8, subject: &str, body: &str) -> Message {
        let mut m = Message::empty(Sha256::of(&[n]), 100);
        m.date = Some(1_473_339_601);
        m.date_raw = Some("Thu, 8 Sep 2016 13:00:01 +0000".into());
        m.from = vec![Address {
            name: Some("John Podesta".into()),
            addr: "john@example.org".into(),
        }];
        m.to = (0..40)
            .map(|i| Address {
                name: Some(format!("Recipient Number {i}")),
                addr: format!("r{i}@example.org"),
            })
            .collect();
        m.subject = Some(subject.into());
        m.body_text = body.into();
        m.attachments = vec![Attachment {
            name: Some("memo.pdf".into()),
            mime: "application/pdf".into(),
            size: 3,
            sha256: Sha256::of(b"pdf"),
            inline: false,
            text: None,
            kind: None,
            text_status: None,
        }];
        m
    }

    fn origin() -> Origin {
        Origin {
            path: "/evidence/podesta.mbox".into(),
            format: SourceFormat::Mbox,
            offset: 1234,
            length: 5678,
            raw_sha256: Sha256::of(b"raw"),
            from_line: None,
            maildir_flags: None,
            entry: None,
            converted: None,
        }
    }

    /// The PDF's text as a reader extracts it (mailsift's own PDF reader).
    fn text_of(pdf: &[u8]) -> String {
        let limits = ExtractLimits::default();
        let out = extract(pdf, DocKind::Pdf, &limits).expect("our PDF reads back");
        // Extraction may put line breaks anywhere a line was wrapped.
        out.text.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn a_message_prints_with_its_headers_body_attachments_and_origin() {
        let body = "Dear John,\n\nThe budget for Q3 is attached. Греческий: αβγ. 中文测试。\n\n-- \nSent from my phone";
        let m = message(1, "Budget \u{202E}reversed", body);
        let origins = [origin()];
        let item = PrintItem {
            message: &m,
            origins: &origins,
            annotations: None,
            dkim: None,
            monospace: false,
        };
        let opts = PrintOptions {
            heading: None,
            title: "Podesta".into(),
        };
        let pdf = render(&[item], &opts).expect("renders");
        assert!(pdf.starts_with(b"%PDF-"));
        let text = text_of(&pdf);
        for want in [
            "John Podesta <john@example.org>",
            "Recipient Number 39 <r39@example.org>",
            "2016-09-08T13:00:01Z",
            "The budget for Q3 is attached.",
            "αβγ",
            "Греческий",
            "Sent from my phone",
            "memo.pdf",
            &Sha256::of(b"pdf").to_hex(),
            "/evidence/podesta.mbox",
            "bytes 1234 to 6912",
            &m.key.to_hex(),
            // The bidi override is shown, not obeyed.
            "Budget <U+202E>reversed",
            "page 1 of 1",
        ] {
            assert!(text.contains(want), "{want:?} missing from {text}");
        }
        // CJK text comes out through the fallback font's ToUnicode map.
        assert!(text.replace(' ', "").contains("中文测试"), "{text}");
    }

    #[test]
    fn a_long_body_runs_over_pages_and_every_line_is_kept() {
        let body: String = (1..=400)
            .map(|i| format!("line number {i} of the body\n"))
            .collect();
        let m = message(2, "Long", &body);
        let item = PrintItem {
            message: &m,
            origins: &[],
            annotations: None,
            dkim: None,
            monospace: true,
        };
        let opts = PrintOptions {
            heading: Some("Thread: Long — 1 messages".into()),
            title: "case".into(),
        };
        let pdf = render(&[item], &opts).expect("renders");
        let text = text_of(&pdf);
        for i in [1, 57, 200, 399, 400] {
            assert!(
                text.contains(&format!("line number {i} of the body")),
                "line {i}"
            );
        }
        assert!(text.contains("page 1 of "), "{text}");
        assert!(
            !text.contains("page 1 of 1 "),
            "400 lines need several pages"
        );
        assert!(text.contains("no origin is recorded"));
    }

    #[test]
    fn a_word_longer_than_a_line_is_broken_not_lost() {
        let long = "x".repeat(500);
        let m = message(3, "Long word", &format!("start {long} end"));
        let item = PrintItem {
            message: &m,
            origins: &[],
            annotations: None,
            dkim: None,
            monospace: false,
        };
        let opts = PrintOptions {
            heading: None,
            title: "case".into(),
        };
        let text = text_of(&render(&[item], &opts).expect("renders"));
        let xs: usize = text.chars().filter(|&c| c == 'x').count();
        assert!(xs >= 500, "{xs} x's of 500");
        assert!(text.contains("start") && text.contains("end"));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]
        /// Any text from mail — controls, bidi marks, unassigned code
        /// points, very long words, tabs — renders, and its plain words
        /// come back out.
        #[test]
        fn any_text_renders(subject in "\\PC{0,80}", body in "(\\PC|\n|\t){0,600}", word in "[a-z]{4,12}") {
            let m = message(9, &subject, &format!("{body} {word}"));
            let item = PrintItem { message: &m, origins: &[], annotations: None, dkim: None, monospace: false };
            let opts = PrintOptions { heading: None, title: subject.clone() };
            let pdf = render(&[item], &opts).expect("renders");
            proptest::prop_assert!(text_of(&pdf).contains(&word));
        }
    }

    #[test]
    fn printing_writes_the_file_at_once_and_returns_its_hash() {
        let dir = std::env::temp_dir().join(format!("mailsift-pdf-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let dest = dir.join("m.pdf");
        let m = message(4, "Hash", "body");
        let item = PrintItem {
            message: &m,
            origins: &[],
            annotations: None,
            dkim: None,
            monospace: false,
        };
        let opts = PrintOptions {
            heading: None,
            title: "case".into(),
        };
        let sha = write(&dest, &[item], &opts).expect("writes");
        let bytes = std::fs::read(&dest).expect("read");
        assert_eq!(sha, Sha256::of(&bytes).to_hex());
        let left: Vec<_> = std::fs::read_dir(&dir).expect("ls").collect();
        assert_eq!(left.len(), 1, "no temporary file left");
        std::fs::remove_dir_all(&dir).ok();
    }
}
