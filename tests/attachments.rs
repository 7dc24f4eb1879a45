//! Search inside attachments, through the real CLI: one attachment of each
//! format with a unique made-up word (built here, or the small committed
//! fixtures in tests/fixtures/attachments/), each found by a plain query
//! and by `attachment:` with `matched_in` naming it; hostile documents (an
//! encrypted PDF, a truncated PDF, a zip bomb dressed as DOCX, a 0-byte
//! file) each import with an `attachment_text_failed` defect and no crash;
//! identical attachments are extracted once and linked to every message.

use std::io::{Cursor, Write};
use std::path::Path;

use mailsift::synth::encode::base64_mime;
use serde_json::Value;

use crate::util::*;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/attachments");

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(FIXTURES).join(name)).unwrap()
}

/// A zip of (name, bytes) entries, deflated.
fn zip_of(entries: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in entries {
        w.start_file(*name, opts).unwrap();
        w.write_all(bytes).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn docx(word: &str) -> Vec<u8> {
    zip_of(&[
        (
            "[Content_Types].xml",
            br#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#.to_vec(),
        ),
        (
            "word/document.xml",
            format!(r#"<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Memo about {word} and the field plan.</w:t></w:r></w:p></w:body></w:document>"#).into_bytes(),
        ),
    ])
}

fn xlsx(word: &str) -> Vec<u8> {
    zip_of(&[
        (
            "[Content_Types].xml",
            br#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#.to_vec(),
        ),
        (
            "_rels/.rels",
            br#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_vec(),
        ),
        (
            "xl/workbook.xml",
            br#"<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Donors" sheetId="1" r:id="rId1"/></sheets></workbook>"#.to_vec(),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            br#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#.to_vec(),
        ),
        (
            "xl/worksheets/sheet1.xml",
            format!(r#"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>{word}</t></is></c><c r="B1"><v>2700</v></c></row></sheetData></worksheet>"#).into_bytes(),
        ),
    ])
}

fn pptx(word: &str) -> Vec<u8> {
    zip_of(&[
        (
            "[Content_Types].xml",
            br#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/ppt/presentation.xml" ContentType="application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"/></Types>"#.to_vec(),
        ),
        (
            "ppt/presentation.xml",
            br#"<?xml version="1.0"?><p:presentation xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"/>"#.to_vec(),
        ),
        (
            "ppt/slides/slide1.xml",
            format!(r#"<?xml version="1.0"?><p:sld xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><p:cSld><p:spTree><p:sp><p:txBody><a:p><a:r><a:t>Slide on {word}</a:t></a:r></a:p></p:txBody></p:sp></p:spTree></p:cSld></p:sld>"#).into_bytes(),
        ),
    ])
}

fn odf(kind: &str, word: &str) -> Vec<u8> {
    let body = match kind {
        "text" => format!("<office:text><text:p>Minutes: {word}</text:p></office:text>"),
        "spreadsheet" => format!(
            "<office:spreadsheet><table:table table:name=\"Sheet1\"><table:table-row><table:table-cell office:value-type=\"string\"><text:p>{word}</text:p></table:table-cell></table:table-row></table:table></office:spreadsheet>"
        ),
        _ => format!(
            "<office:presentation><draw:page draw:name=\"p1\"><draw:frame><draw:text-box><text:p>{word}</text:p></draw:text-box></draw:frame></draw:page></office:presentation>"
        ),
    };
    let content = format!(
        r#"<?xml version="1.0"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" office:version="1.2"><office:body>{body}</office:body></office:document-content>"#
    );
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    w.start_file("mimetype", stored).unwrap();
    w.write_all(format!("application/vnd.oasis.opendocument.{kind}").as_bytes())
        .unwrap();
    w.start_file("content.xml", zip::write::SimpleFileOptions::default())
        .unwrap();
    w.write_all(content.as_bytes()).unwrap();
    w.finish().unwrap().into_inner()
}

/// A DOCX whose document.xml inflates to 300 MB of zeros.
fn docx_bomb() -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    w.start_file("[Content_Types].xml", opts).unwrap();
    w.write_all(b"<Types/>").unwrap();
    w.start_file("word/document.xml", opts).unwrap();
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..300 {
        w.write_all(&zeros).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// A message with one attachment, declared `application/octet-stream`
/// (as leaks often do) so that the kind must be found from the content.
fn mail_with(n: usize, subject: &str, name: &str, bytes: &[u8]) -> String {
    format!(
        "From: Staff {n} <staff{n}@campaign.example.org>\nTo: desk@campaign.example.org\nSubject: {subject}\nDate: Mon, 7 Mar 2016 10:{:02}:00 -0500\nMessage-ID: <att{n}@campaign.example.org>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b\"\n\n--b\nContent-Type: text/plain\n\nSee attached.\n--b\nContent-Type: application/octet-stream; name=\"{name}\"\nContent-Disposition: attachment; filename=\"{name}\"\nContent-Transfer-Encoding: base64\n\n{}\n--b--\n",
        n % 60,
        String::from_utf8_lossy(&base64_mime(bytes)).trim_end()
    )
}

struct Corpus {
    _t: tempfile::TempDir,
    case: std::path::PathBuf,
    report: Value,
}

fn corpus() -> Corpus {
    let t = tempfile::tempdir().unwrap();
    let src = t.path().join("mail");
    std::fs::create_dir_all(&src).unwrap();
    let truncated = {
        let pdf = fixture("reportlab.pdf");
        pdf[..pdf.len() / 2].to_vec()
    };
    let items: Vec<(&str, &str, Vec<u8>)> = vec![
        ("word memo", "memo.bin", docx("zorbulent")),
        ("sheet", "donors.dat", xlsx("quibblefrost")),
        ("slides", "deck", pptx("marplewhist")),
        ("odt", "minutes.odt", odf("text", "flindertosh")),
        ("ods", "calls.ods", odf("spreadsheet", "grommeldash")),
        ("odp", "pitch.odp", odf("presentation", "snickerwave")),
        (
            "rtf",
            "letter.doc.rtf",
            br"{\rtf1\ansi Dear donor, the {\b bramblequist} fund.\par}".to_vec(),
        ),
        ("pdf", "scan.pdf", fixture("reportlab.pdf")),
        ("xls", "old.xls", fixture("sheet.xls")),
        ("encrypted", "locked.pdf", fixture("user_password.pdf")),
        ("truncated", "cut.pdf", truncated),
        ("bomb", "innocent.docx", docx_bomb()),
        ("empty", "nothing.pdf", Vec::new()),
        ("again", "memo copy.docx", docx("zorbulent")),
    ];
    for (i, (subject, name, bytes)) in items.iter().enumerate() {
        std::fs::write(
            src.join(format!("{}.eml", i + 1)),
            mail_with(i + 1, subject, name, bytes),
        )
        .unwrap();
    }
    let case = t.path().join("case");
    let (code, report, err) = import_json(&case, &[&src]);
    assert_eq!(code, 0, "{err}");
    Corpus {
        _t: t,
        case,
        report,
    }
}

fn search_json(case: &Path, query: &str) -> Vec<Value> {
    let o = run(&[&"search", &case, &query, &"--format", &"json"]);
    String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn subjects(hits: &[Value]) -> Vec<String> {
    let mut s: Vec<String> = hits
        .iter()
        .map(|h| h["subject"].as_str().unwrap().to_string())
        .collect();
    s.sort();
    s
}

#[test]
fn every_format_is_searchable_and_hostile_documents_are_flagged() {
    let c = corpus();
    assert_reconciles(&c.report);
    assert_eq!(num(&c.report, "new"), 14, "{:#}", c.report);

    // Each word is found, only in its message, and the hit is placed in
    // the attachment that holds it.
    for (word, subject, name) in [
        ("zorbulent", "again", "memo copy.docx"),
        ("quibblefrost", "sheet", "donors.dat"),
        ("marplewhist", "slides", "deck"),
        ("flindertosh", "odt", "minutes.odt"),
        ("grommeldash", "ods", "calls.ods"),
        ("snickerwave", "odp", "pitch.odp"),
        ("bramblequist", "rtf", "letter.doc.rtf"),
        ("grimblewhisk", "pdf", "scan.pdf"),
        ("quordlewick", "xls", "old.xls"),
    ] {
        for q in [word.to_string(), format!("attachment:{word}")] {
            let hits = search_json(&c.case, &q);
            let want: Vec<String> = if word == "zorbulent" {
                vec!["again".into(), "word memo".into()]
            } else {
                vec![subject.into()]
            };
            assert_eq!(subjects(&hits), want, "query {q}");
            let h = hits.iter().find(|h| h["subject"] == subject).unwrap();
            assert_eq!(
                h["matched_in"],
                serde_json::json!([{"in": "attachment", "index": 0, "name": name}]),
                "query {q}"
            );
        }
    }
    // The message's own words are placed in the message.
    let hits = search_json(&c.case, "\"see attached\" subject:pdf");
    assert_eq!(
        hits[0]["matched_in"],
        serde_json::json!([{"in": "message"}])
    );

    // Hostile documents: a defect each, naming the attachment and why.
    assert_eq!(
        c.report["defects"]["attachment_text_failed"], 4,
        "{:#}",
        c.report["defects"]
    );
    for (subject, status, why) in [
        ("encrypted", "encrypted", "encrypted"),
        ("truncated", "failed", "locked.pdf"),
        ("bomb", "failed", "decompression bomb"),
        ("empty", "empty", "empty file"),
    ] {
        let hits = search_json(&c.case, &format!("subject:{subject}"));
        assert_eq!(hits.len(), 1, "{subject}");
        let id = hits[0]["id"].as_str().unwrap().to_string();
        let o = run(&[&"show", &c.case, &id, &"--json"]);
        assert_eq!(o.status.code(), Some(0));
        let m: Value = serde_json::from_slice(&o.stdout).unwrap();
        let att = &m["attachments"][0];
        assert_eq!(att["text_status"], status, "{subject}: {att}");
        let defects = m["defects"].to_string();
        assert!(
            defects.contains("attachment_text_failed"),
            "{subject}: {defects}"
        );
        if subject != "truncated" {
            assert!(defects.contains(why), "{subject}: {defects}");
        }
        // The message itself is whole: body text and the attachment's bytes.
        assert!(m["body_text"].as_str().unwrap().contains("See attached"));
        assert_eq!(m["status"], "parsed");
    }

    // The same document in two messages: extracted once, stored once,
    // linked to both.
    let stats = &c.report["attachment_texts"]["docx"];
    assert_eq!(stats["reused"], 1, "{stats}");
    let case = mailsift::store::Case::open(&c.case).unwrap();
    let sha = mailsift::model::Sha256::of(&docx("zorbulent"));
    assert_eq!(case.messages_with_attachment(&sha).unwrap().len(), 2);
    let text = case.attachment_text(&sha).unwrap().unwrap();
    assert!(text.text.unwrap().contains("zorbulent"));
}

#[test]
fn reindex_keeps_attachment_text_searchable() {
    let c = corpus();
    let o = run(&[&"reindex", &c.case]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(subjects(&search_json(&c.case, "quibblefrost")), ["sheet"]);
    assert_eq!(subjects(&search_json(&c.case, "grimblewhisk")), ["pdf"]);
}
