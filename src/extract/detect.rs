//! What kind of document an attachment is: by content first (magic bytes;
//! the entry names of a zip; the streams of an OLE2 compound file), then by
//! the declared MIME type, then by the file name's extension; text, HTML and
//! CSV last, by MIME type, extension or a look at the bytes.

use std::io::Cursor;

use memchr::memmem;

use super::DocKind;

/// How far into the file `%PDF-` may start (as readers accept).
const PDF_HEADER_WINDOW: usize = 1024;
/// How much of a file is sniffed for text.
const SNIFF: usize = 4096;

/// Classifies an attachment. `declared_mime` is the part's Content-Type
/// (any case, parameters allowed); `name` its file name, if any. `None`
/// when it is none of the [`DocKind`]s (e.g. an executable or a plain zip).
pub fn detect(bytes: &[u8], declared_mime: &str, name: Option<&str>) -> Option<DocKind> {
    let mime = declared_mime
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let ext = name
        .and_then(|n| n.rsplit_once('.'))
        .map(|(_, e)| e.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let hint = by_mime(&mime).or_else(|| by_extension(&ext));
    if let Some(kind) = by_content(bytes, hint) {
        return Some(kind);
    }
    if bytes.is_empty() {
        return hint;
    }
    let texty = looks_like_text(bytes);
    match hint {
        // A text kind is believed only for bytes that look like text.
        Some(DocKind::Html | DocKind::Csv | DocKind::Text) if !texty => None,
        Some(kind) => Some(kind),
        None if texty => Some(if looks_like_html(bytes) {
            DocKind::Html
        } else {
            DocKind::Text
        }),
        None => None,
    }
}

fn by_mime(mime: &str) -> Option<DocKind> {
    Some(match mime {
        "application/pdf" | "application/x-pdf" | "application/acrobat" => DocKind::Pdf,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        | "application/vnd.openxmlformats-officedocument.wordprocessingml.template"
        | "application/vnd.ms-word.document.macroenabled.12" => DocKind::Docx,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        | "application/vnd.openxmlformats-officedocument.spreadsheetml.template"
        | "application/vnd.ms-excel.sheet.macroenabled.12" => DocKind::Xlsx,
        "application/vnd.openxmlformats-officedocument.presentationml.presentation"
        | "application/vnd.openxmlformats-officedocument.presentationml.slideshow"
        | "application/vnd.ms-powerpoint.presentation.macroenabled.12" => DocKind::Pptx,
        "application/vnd.oasis.opendocument.text" => DocKind::Odt,
        "application/vnd.oasis.opendocument.spreadsheet" => DocKind::Ods,
        "application/vnd.oasis.opendocument.presentation" => DocKind::Odp,
        "application/vnd.ms-excel"
        | "application/excel"
        | "application/x-excel"
        | "application/x-msexcel" => DocKind::Xls,
        "application/msword" | "application/x-msword" => DocKind::Doc,
        "application/vnd.ms-powerpoint" | "application/mspowerpoint" => DocKind::Ppt,
        "application/rtf" | "text/rtf" | "application/x-rtf" | "text/richtext" => DocKind::Rtf,
        "text/html" | "application/xhtml+xml" => DocKind::Html,
        "text/csv"
        | "text/comma-separated-values"
        | "application/csv"
        | "text/tab-separated-values" => DocKind::Csv,
        m if m.starts_with("image/") => DocKind::Image,
        m if m.starts_with("text/") => DocKind::Text,
        _ => return None,
    })
}

fn by_extension(ext: &str) -> Option<DocKind> {
    Some(match ext {
        "pdf" => DocKind::Pdf,
        "docx" | "docm" | "dotx" | "dotm" => DocKind::Docx,
        "xlsx" | "xlsm" | "xltx" | "xltm" => DocKind::Xlsx,
        "pptx" | "pptm" | "ppsx" | "ppsm" | "potx" => DocKind::Pptx,
        "odt" | "ott" => DocKind::Odt,
        "ods" | "ots" => DocKind::Ods,
        "odp" | "otp" => DocKind::Odp,
        "xls" | "xlt" => DocKind::Xls,
        "doc" | "dot" => DocKind::Doc,
        "ppt" | "pps" | "pot" => DocKind::Ppt,
        "rtf" => DocKind::Rtf,
        "htm" | "html" | "xhtml" => DocKind::Html,
        "csv" | "tsv" => DocKind::Csv,
        "txt" | "text" | "log" | "md" => DocKind::Text,
        "png" | "jpg" | "jpeg" | "jpe" | "gif" | "webp" | "tif" | "tiff" | "bmp" | "heic"
        | "heif" | "avif" => DocKind::Image,
        _ => return None,
    })
}

fn by_content(b: &[u8], hint: Option<DocKind>) -> Option<DocKind> {
    if memmem::find(&b[..b.len().min(PDF_HEADER_WINDOW)], b"%PDF-").is_some() {
        return Some(DocKind::Pdf);
    }
    if b.starts_with(b"PK\x03\x04") || b.starts_with(b"PK\x05\x06") {
        return zip_kind(b);
    }
    if b.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return ole_kind(b, hint);
    }
    let start = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    if b[start..].starts_with(b"{\\rtf") {
        return Some(DocKind::Rtf);
    }
    if is_image(b) {
        return Some(DocKind::Image);
    }
    None
}

fn is_image(b: &[u8]) -> bool {
    b.starts_with(b"\x89PNG\r\n\x1a\n")
        || b.starts_with(&[0xFF, 0xD8, 0xFF])
        || b.starts_with(b"GIF87a")
        || b.starts_with(b"GIF89a")
        || (b.len() >= 12 && b.starts_with(b"RIFF") && &b[8..12] == b"WEBP")
        || b.starts_with(b"II*\0")
        || b.starts_with(b"MM\0*")
        // BMP: "BM", the file size, two reserved zero words.
        || (b.len() >= 26 && b.starts_with(b"BM") && b[6..10] == [0, 0, 0, 0])
        || (b.len() >= 12
            && &b[4..8] == b"ftyp"
            && matches!(&b[8..12], b"heic" | b"heix" | b"mif1" | b"msf1" | b"avif"))
}

/// The document kind of a zip, from its entry names (or, for a zip whose
/// directory cannot be read, from the names in its local headers).
fn zip_kind(b: &[u8]) -> Option<DocKind> {
    // ODF: the first entry is `mimetype`, stored, holding the type.
    const ODF: &[(&[u8], DocKind)] = &[
        (b"application/vnd.oasis.opendocument.text", DocKind::Odt),
        (
            b"application/vnd.oasis.opendocument.spreadsheet",
            DocKind::Ods,
        ),
        (
            b"application/vnd.oasis.opendocument.presentation",
            DocKind::Odp,
        ),
    ];
    if b.get(30..38) == Some(b"mimetype") {
        let head = &b[38..b.len().min(38 + 100)];
        for (m, kind) in ODF {
            if head.starts_with(m) {
                return Some(*kind);
            }
        }
    }
    let names: Vec<String> = match zip::ZipArchive::new(Cursor::new(b)) {
        Ok(z) => z
            .file_names()
            .filter_map(|n| n.ok().map(|n| n.into_owned()))
            .collect(),
        Err(_) => {
            // A truncated zip: look for the names in the local headers.
            let probe = &b[..b.len().min(1 << 20)];
            return [
                (&b"word/document.xml"[..], DocKind::Docx),
                (b"xl/workbook.xml", DocKind::Xlsx),
                (b"ppt/presentation.xml", DocKind::Pptx),
            ]
            .iter()
            .find(|(n, _)| memmem::find(probe, n).is_some())
            .map(|(_, k)| *k);
        }
    };
    let has = |n: &str| names.iter().any(|x| x == n);
    if has("word/document.xml") {
        return Some(DocKind::Docx);
    }
    if has("xl/workbook.xml") {
        return Some(DocKind::Xlsx);
    }
    if has("ppt/presentation.xml") {
        return Some(DocKind::Pptx);
    }
    if has("content.xml") && has("mimetype") {
        // A `mimetype` entry that is not first: read it from the archive.
        let mut z = zip::ZipArchive::new(Cursor::new(b)).ok()?;
        let mut m = Vec::new();
        let file = z.by_name("mimetype").ok()?;
        std::io::Read::read_to_end(&mut std::io::Read::take(file, 200), &mut m).ok()?;
        let m = m.trim_ascii();
        return ODF.iter().find(|(t, _)| m.starts_with(t)).map(|(_, k)| *k);
    }
    None
}

/// A password-protected DOCX/XLSX/PPTX: an OLE2 compound file holding an
/// `EncryptedPackage` stream.
pub(crate) fn is_encrypted_ooxml(b: &[u8]) -> bool {
    b.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1])
        && cfb::CompoundFile::open(Cursor::new(b))
            .map(|cf| cf.is_stream("/EncryptedPackage"))
            .unwrap_or(false)
}

/// UTF-16LE of an ASCII stream name, as in an OLE2 directory entry.
fn utf16(name: &str) -> Vec<u8> {
    name.bytes().flat_map(|c| [c, 0]).collect()
}

/// The document kind of an OLE2 compound file, from its root streams.
fn ole_kind(b: &[u8], hint: Option<DocKind>) -> Option<DocKind> {
    let encrypted_ooxml = |hint: Option<DocKind>| match hint {
        Some(k @ (DocKind::Docx | DocKind::Xlsx | DocKind::Pptx)) => k,
        _ => DocKind::Docx,
    };
    match cfb::CompoundFile::open(Cursor::new(b)) {
        Ok(cf) => {
            if cf.is_stream("/Workbook") || cf.is_stream("/Book") {
                Some(DocKind::Xls)
            } else if cf.is_stream("/WordDocument") {
                Some(DocKind::Doc)
            } else if cf.is_stream("/PowerPoint Document") {
                Some(DocKind::Ppt)
            } else if cf.is_stream("/EncryptedPackage") {
                // A password-protected DOCX/XLSX/PPTX: extraction will say
                // it is encrypted; the declared type names the kind.
                Some(encrypted_ooxml(hint))
            } else {
                None
            }
        }
        // A damaged compound file: look for the stream names.
        Err(_) => {
            let find = |n: &str| memmem::find(b, &utf16(n)).is_some();
            if find("Workbook") || find("Book\0") {
                Some(DocKind::Xls)
            } else if find("WordDocument") {
                Some(DocKind::Doc)
            } else if find("PowerPoint Document") {
                Some(DocKind::Ppt)
            } else if find("EncryptedPackage") {
                Some(encrypted_ooxml(hint))
            } else {
                None
            }
        }
    }
}

/// No NUL bytes and mostly printable in the first few KiB (UTF-8, or an
/// 8-bit code page), or a UTF-16 byte order mark.
fn looks_like_text(b: &[u8]) -> bool {
    if b.starts_with(&[0xFF, 0xFE]) || b.starts_with(&[0xFE, 0xFF]) {
        return true;
    }
    let head = &b[..b.len().min(SNIFF)];
    if head.contains(&0) {
        return false;
    }
    let control = head
        .iter()
        .filter(|&&c| c < 0x20 && !matches!(c, b'\n' | b'\r' | b'\t' | 0x0c | 0x1b))
        .count();
    control * 100 <= head.len()
}

fn looks_like_html(b: &[u8]) -> bool {
    let head = &b[..b.len().min(SNIFF)];
    let lower: Vec<u8> = head.iter().map(|c| c.to_ascii_lowercase()).collect();
    let start = lower
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(lower.len());
    let body = lower[start..]
        .strip_prefix(b"\xef\xbb\xbf")
        .unwrap_or(&lower[start..]);
    ["<!doctype html", "<html", "<head", "<body"]
        .iter()
        .any(|t| body.starts_with(t.as_bytes()))
        || memmem::find(&lower, b"<html").is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_mime_and_extension_when_content_says_nothing() {
        assert_eq!(detect(b"hello", "text/plain", None), Some(DocKind::Text));
        assert_eq!(
            detect(b"a,b\n1,2\n", "application/octet-stream", Some("x.CSV")),
            Some(DocKind::Csv)
        );
        assert_eq!(
            detect(b"<p>hi</p>", "text/html; charset=utf-8", None),
            Some(DocKind::Html)
        );
        assert_eq!(
            detect(b"<!DOCTYPE html><p>hi", "application/octet-stream", None),
            Some(DocKind::Html)
        );
        assert_eq!(
            detect(b"just words", "application/octet-stream", Some("x.bin")),
            Some(DocKind::Text)
        );
        assert_eq!(
            detect(
                b"\x00\x01\x02binary",
                "application/octet-stream",
                Some("x.bin")
            ),
            None
        );
        // Binary bytes declared as text are not text.
        assert_eq!(
            detect(b"\x00\x01\x02binary", "text/plain", Some("x.txt")),
            None
        );
        // A declared PDF that is not one is still a PDF (extraction will say it is broken).
        assert_eq!(
            detect(b"\x00\x01junk", "application/pdf", None),
            Some(DocKind::Pdf)
        );
        assert_eq!(
            detect(b"", "application/pdf", Some("a.pdf")),
            Some(DocKind::Pdf)
        );
        assert_eq!(detect(b"", "", None), None);
    }

    #[test]
    fn content_wins_over_labels() {
        let rtf = b"{\\rtf1\\ansi hi}";
        assert_eq!(
            detect(rtf, "application/msword", Some("memo.doc")),
            Some(DocKind::Rtf)
        );
        let gif = b"GIF89a\x01\x00\x01\x00";
        assert_eq!(
            detect(gif, "application/pdf", Some("x.pdf")),
            Some(DocKind::Image)
        );
        let pdf = b"\r\n%PDF-1.4\n...";
        assert_eq!(detect(pdf, "text/plain", Some("x.txt")), Some(DocKind::Pdf));
    }

    #[test]
    fn odf_by_mimetype_entry() {
        let mut z = crate::synth::zip::ZipWriter::new(2020, 1, 1, 0, 0, 0);
        z.add(
            "mimetype",
            b"application/vnd.oasis.opendocument.spreadsheet",
            false,
        );
        z.add("content.xml", b"<x/>", true);
        let b = z.finish();
        assert_eq!(
            detect(&b, "application/octet-stream", Some("a.zip")),
            Some(DocKind::Ods)
        );
        // `mimetype` not first.
        let mut z = crate::synth::zip::ZipWriter::new(2020, 1, 1, 0, 0, 0);
        z.add("content.xml", b"<x/>", true);
        z.add(
            "mimetype",
            b"application/vnd.oasis.opendocument.presentation",
            true,
        );
        let b = z.finish();
        assert_eq!(detect(&b, "", None), Some(DocKind::Odp));
        // A plain zip is no document.
        let mut z = crate::synth::zip::ZipWriter::new(2020, 1, 1, 0, 0, 0);
        z.add("readme.txt", b"hi", true);
        assert_eq!(detect(&z.finish(), "application/zip", Some("a.zip")), None);
    }
}
