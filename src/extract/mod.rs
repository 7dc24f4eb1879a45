//! Text extraction from attachment documents: PDF, DOCX, XLSX, PPTX,
//! ODT/ODS/ODP, legacy XLS and RTF.
//!
//! Leaked mail labels many attachments `application/octet-stream`, so
//! [`detect`] looks at the content first (magic bytes, the entry names of a
//! zip, the streams of an OLE2 compound file), then at the declared MIME type,
//! then at the file name. It also classifies HTML, CSV, plain text and images
//! so the caller can route them; [`extract`] handles only the kinds for which
//! [`DocKind::is_document`] is true.
//!
//! ```no_run
//! use mailsift::extract::{detect, extract, ExtractLimits};
//! let bytes = std::fs::read("memo.bin").unwrap();
//! if let Some(kind) = detect(&bytes, "application/octet-stream", Some("memo.bin")) {
//!     if kind.is_document() {
//!         match extract(&bytes, kind, &ExtractLimits::default()) {
//!             Ok(t) => println!("{} chars, truncated: {}", t.text.len(), t.truncated),
//!             Err(e) => println!("no text: {e}"),
//!         }
//!     }
//! }
//! ```
//!
//! Every extraction is bounded ([`ExtractLimits`]):
//! - input size (`max_input_bytes`, else [`ExtractError::TooLarge`]);
//! - decompressed bytes and entry count of zip containers, checked against
//!   the declared sizes and against the bytes actually inflated (read through
//!   [`std::io::Read::take`]); PDF streams that the text extractor would
//!   inflate are measured the same way before it sees them
//!   ([`ExtractError::ZipBomb`]);
//! - output text (`max_text_chars`: the text is cut and `truncated` set);
//! - time: cooperative deadline checks in the extraction loops
//!   ([`ExtractError::TimedOut`]), and [`extract_isolated`], which runs the
//!   extraction on its own thread and stops waiting for it after the budget
//!   (the thread is abandoned; once more than [`MAX_STUCK`] are stuck,
//!   further isolated extractions fail fast with [`ExtractError::Busy`]).
//!
//! A panic inside an extractor (the third-party parsers have `unwrap`s on
//! data) is contained with `contain::contain` (panic containment) and loses only that
//! attachment's text ([`ExtractError::Panicked`]). What no thread can contain
//! — unbounded recursion (stack overflow) and allocation failure abort the
//! process — is guarded against by checks before the PDF parsers run
//! (cycles and nesting in page trees and form XObjects); the spreadsheet
//! readers are our own and keep only the cells that exist.
//!
//! Output text: paragraphs, slides and rows end with a newline; sheets and
//! slides are introduced by a `=== name ===` line after a blank line;
//! spreadsheet cells are separated by tabs; runs of spaces are collapsed and
//! at most one blank line is kept.
//!
//! Files: `detect.rs` (classification), `sink.rs` (the bounded text buffer
//! and deadline), `isolate.rs` (the watchdog thread), `zipped.rs` (bounded
//! zip access), `ooxml.rs` (DOCX, PPTX), `odf.rs` (ODT, ODS, ODP),
//! `sheet/` (XLSX, XLS), `pdf.rs` (pdf-extract), `rtf.rs`,
//! `xml.rs` (the XML walk shared by the zip formats).

mod detect;
mod isolate;
mod odf;
mod ooxml;
mod pdf;
mod rtf;
mod sheet;
mod sink;
mod xml;
mod zipped;

#[cfg(test)]
mod testdata;
#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::Duration;

pub use detect::detect;
/// The text of an RTF document (an Outlook item's RTF body), at most
/// 2 Mi characters. The time budget is an hour: the reader is linear, and
/// a converted message must come out the same on every reading, so no
/// clock may cut it short.
pub(crate) fn rtf_text(bytes: &[u8]) -> Result<String, ExtractError> {
    let limits = ExtractLimits {
        time: Duration::from_secs(3600),
        ..ExtractLimits::default()
    };
    let mut sink = sink::Sink::new(&limits);
    rtf::extract(bytes, &mut sink)?;
    Ok(sink.finish().text)
}

/// The encoding of a Windows code page; windows-1252 when unknown.
pub(crate) fn codepage_encoding(cp: i64) -> &'static encoding_rs::Encoding {
    rtf::codepage_encoding(cp)
}

pub use isolate::MAX_STUCK;

use sink::Sink;

/// What an attachment is, as far as text extraction cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocKind {
    /// A PDF document.
    Pdf,
    /// A Word document (Office Open XML).
    Docx,
    /// An Excel workbook (Office Open XML).
    Xlsx,
    /// A PowerPoint presentation (Office Open XML).
    Pptx,
    /// An OpenDocument text.
    Odt,
    /// An OpenDocument spreadsheet.
    Ods,
    /// An OpenDocument presentation.
    Odp,
    /// Legacy Excel (BIFF in an OLE2 compound file).
    Xls,
    /// A Rich Text Format document.
    Rtf,
    /// HTML: routed by the caller (rendered as text), not by [`extract`].
    Html,
    /// Comma- or tab-separated values: taken as text by the caller, not by [`extract`].
    Csv,
    /// Plain text: taken as it is by the caller, not by [`extract`].
    Text,
    /// An image (previewed, never extracted).
    Image,
    /// Legacy Word (OLE2): detected, not extracted.
    Doc,
    /// Legacy PowerPoint (OLE2): detected, not extracted.
    Ppt,
}

impl DocKind {
    /// Every kind, in declaration order.
    #[cfg(test)]
    pub const ALL: [DocKind; 15] = [
        DocKind::Pdf,
        DocKind::Docx,
        DocKind::Xlsx,
        DocKind::Pptx,
        DocKind::Odt,
        DocKind::Ods,
        DocKind::Odp,
        DocKind::Xls,
        DocKind::Rtf,
        DocKind::Html,
        DocKind::Csv,
        DocKind::Text,
        DocKind::Image,
        DocKind::Doc,
        DocKind::Ppt,
    ];

    /// Short lower-case name, as serialized (`"pdf"`, `"docx"`, ...).
    pub fn name(self) -> &'static str {
        match self {
            DocKind::Pdf => "pdf",
            DocKind::Docx => "docx",
            DocKind::Xlsx => "xlsx",
            DocKind::Pptx => "pptx",
            DocKind::Odt => "odt",
            DocKind::Ods => "ods",
            DocKind::Odp => "odp",
            DocKind::Xls => "xls",
            DocKind::Rtf => "rtf",
            DocKind::Html => "html",
            DocKind::Csv => "csv",
            DocKind::Text => "text",
            DocKind::Image => "image",
            DocKind::Doc => "doc",
            DocKind::Ppt => "ppt",
        }
    }

    /// True for the kinds [`extract`] handles (HTML, CSV and text are
    /// decoded by the caller; images, DOC and PPT have no extractor).
    pub fn is_document(self) -> bool {
        matches!(
            self,
            DocKind::Pdf
                | DocKind::Docx
                | DocKind::Xlsx
                | DocKind::Pptx
                | DocKind::Odt
                | DocKind::Ods
                | DocKind::Odp
                | DocKind::Xls
                | DocKind::Rtf
        )
    }
}

impl std::fmt::Display for DocKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Bounds on one extraction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExtractLimits {
    /// Larger inputs are refused ([`ExtractError::TooLarge`]).
    pub max_input_bytes: u64,
    /// Total bytes that may be inflated from a zip container, or from the
    /// PDF streams read for text ([`ExtractError::ZipBomb`]).
    pub max_unzipped_bytes: u64,
    /// Entries a zip container may have ([`ExtractError::ZipBomb`]).
    pub max_zip_entries: usize,
    /// Characters of text kept; the rest is cut and `truncated` is set.
    pub max_text_chars: usize,
    /// Time budget of one extraction ([`ExtractError::TimedOut`]).
    pub time: Duration,
}

impl Default for ExtractLimits {
    /// 64 MiB in, 256 MiB inflated, 10,000 zip entries, 2 Mi characters
    /// out, 10 seconds.
    fn default() -> Self {
        ExtractLimits {
            max_input_bytes: 64 << 20,
            max_unzipped_bytes: 256 << 20,
            max_zip_entries: 10_000,
            max_text_chars: 2 << 20,
            time: Duration::from_secs(10),
        }
    }
}

/// The text of a document.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Extracted {
    /// The extracted text, laid out as described in the module documentation.
    pub text: String,
    /// The text was cut at `max_text_chars`.
    pub truncated: bool,
}

/// Why a document gave no text. The messages read well in an import report.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum ExtractError {
    /// The document is 0 bytes.
    #[error("empty file")]
    Empty,
    /// The document is encrypted and needs a password (an owner-password-only PDF still opens).
    #[error("encrypted document (needs a password)")]
    Encrypted,
    /// A PDF whose pages have no text layer (scanned); no OCR is done.
    #[error("image-only PDF: no text layer")]
    ImageOnly,
    /// The input is larger than `max_input_bytes`.
    #[error("{size} bytes is over the {limit} byte extraction limit")]
    TooLarge {
        /// Size of the input in bytes.
        size: u64,
        /// The `max_input_bytes` limit in bytes.
        limit: u64,
    },
    /// A zip container or PDF streams would inflate past `max_unzipped_bytes`, or a zip has more
    /// than `max_zip_entries` entries.
    #[error("decompression bomb: inflates past {limit} bytes or too many entries")]
    ZipBomb {
        /// The `max_unzipped_bytes` limit in bytes (given also when the entry count was the limit
        /// hit).
        limit: u64,
    },
    /// The extraction ran past its time budget ([`ExtractLimits::time`]).
    #[error("text extraction took longer than {secs} s")]
    TimedOut {
        /// The budget in whole seconds, rounded up.
        secs: u64,
    },
    /// The document could not be read as its kind (damaged, or not what it claims to be).
    #[error("malformed document: {reason}")]
    Malformed {
        /// The parser's complaint, cut to about 300 bytes.
        reason: String,
    },
    /// The extractor panicked (or its isolated thread was lost); only this document's text is lost.
    #[error("extractor crashed: {message}")]
    Panicked {
        /// The panic message.
        message: String,
    },
    /// [`extract`] was asked for a kind it does not read (see [`DocKind::is_document`]).
    #[error("no text extractor for {kind} files")]
    Unsupported {
        /// The kind that was asked for.
        kind: DocKind,
    },
    /// More than [`MAX_STUCK`] isolated extractions are stuck; this one was skipped without
    /// starting.
    #[error("too many text extractions stuck; skipped")]
    Busy,
}

impl ExtractError {
    pub(crate) fn malformed(reason: impl std::fmt::Display) -> ExtractError {
        let mut reason = reason.to_string();
        if reason.len() > 300 {
            let mut cut = 300;
            while !reason.is_char_boundary(cut) {
                cut -= 1;
            }
            reason.truncate(cut);
            reason.push('…');
        }
        ExtractError::Malformed { reason }
    }

    pub(crate) fn timed_out(limits: &ExtractLimits) -> ExtractError {
        ExtractError::TimedOut {
            secs: limits.time.as_secs_f64().ceil() as u64,
        }
    }
}

/// Extracts the text of `bytes` as a document of `kind`, in the calling
/// thread. Panics in the extractor are contained; time is checked
/// cooperatively (see [`extract_isolated`] for a hard bound).
pub fn extract(
    bytes: &[u8],
    kind: DocKind,
    limits: &ExtractLimits,
) -> Result<Extracted, ExtractError> {
    if !kind.is_document() {
        return Err(ExtractError::Unsupported { kind });
    }
    if bytes.is_empty() {
        return Err(ExtractError::Empty);
    }
    let size = bytes.len() as u64;
    if size > limits.max_input_bytes {
        return Err(ExtractError::TooLarge {
            size,
            limit: limits.max_input_bytes,
        });
    }
    let run = || {
        if matches!(kind, DocKind::Docx | DocKind::Xlsx | DocKind::Pptx)
            && detect::is_encrypted_ooxml(bytes)
        {
            return Err(ExtractError::Encrypted);
        }
        let mut sink = Sink::new(limits);
        match kind {
            DocKind::Pdf => pdf::extract(bytes, &mut sink)?,
            DocKind::Docx => ooxml::docx(bytes, &mut sink)?,
            DocKind::Pptx => ooxml::pptx(bytes, &mut sink)?,
            DocKind::Xlsx => sheet::xlsx(bytes, &mut sink)?,
            DocKind::Xls => sheet::xls(bytes, &mut sink)?,
            DocKind::Odt | DocKind::Ods | DocKind::Odp => odf::extract(bytes, kind, &mut sink)?,
            DocKind::Rtf => rtf::extract(bytes, &mut sink)?,
            _ => return Err(ExtractError::Unsupported { kind }),
        }
        Ok(sink.finish())
    };
    match crate::contain::contain(run) {
        Ok(result) => result,
        Err(message) => Err(ExtractError::Panicked { message }),
    }
}

/// Like [`extract`], on a thread of its own: waits at most the time budget
/// (plus a second of grace for the cooperative checks to answer first), then
/// gives up on the thread, which is left to finish on its own and counted as
/// stuck until it does. While more than [`MAX_STUCK`] are stuck, returns
/// [`ExtractError::Busy`] at once without starting a thread.
pub fn extract_isolated(
    bytes: Arc<[u8]>,
    kind: DocKind,
    limits: &ExtractLimits,
) -> Result<Extracted, ExtractError> {
    if !kind.is_document() {
        return Err(ExtractError::Unsupported { kind });
    }
    let owned = limits.clone();
    let wait = limits.time + Duration::from_secs(1);
    isolate::run(isolate::global(), wait, move || {
        extract(&bytes, kind, &owned)
    })
    .unwrap_or_else(|e| Err(e.into_error(limits)))
}
