//! Test fixtures built in code: documents of every kind holding a made-up
//! word, hostile PDFs and zips, and the committed files made by
//! `tests/fixtures/attachments/make_fixtures.py` for what is impractical to
//! build here (legacy XLS, encrypted and third-party PDFs).

use std::io::Write;

use flate2::Compression;
use flate2::write::ZlibEncoder;

use crate::synth::zip::ZipWriter;

pub(crate) const XLS: &[u8] = include_bytes!("../../tests/fixtures/attachments/sheet.xls");
pub(crate) const REPORTLAB_PDF: &[u8] =
    include_bytes!("../../tests/fixtures/attachments/reportlab.pdf");
pub(crate) const OWNER_ONLY_PDF: &[u8] =
    include_bytes!("../../tests/fixtures/attachments/owner_only.pdf");
pub(crate) const USER_PASSWORD_PDF: &[u8] =
    include_bytes!("../../tests/fixtures/attachments/user_password.pdf");

fn zip() -> ZipWriter {
    ZipWriter::new(2016, 7, 25, 12, 0, 0)
}

/// A one-page PDF titled "Memo" with these (ASCII) lines, its content
/// stream deflated or not.
pub(crate) fn pdf(lines: &[&str], compress: bool) -> Vec<u8> {
    let mut content =
        String::from("BT\n/F1 16 Tf\n72 740 Td\n(Memo) Tj\n/F1 11 Tf\n14 TL\nT*\nT*\n");
    for l in lines {
        content.push_str(&format!("({l}) Tj\nT*\n"));
    }
    content.push_str("ET\n");
    let content = if compress {
        stream("/Filter /FlateDecode", &zlib(content.as_bytes()))
    } else {
        stream("", content.as_bytes())
    };
    pdf_of(&[
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>"
            .to_vec(),
        content,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".to_vec(),
    ])
}

/// A PDF from object bodies (object `i + 1` is `objects[i]`; object 1 must
/// be the catalog), with a correct xref table.
pub(crate) fn pdf_of(objects: &[Vec<u8>]) -> Vec<u8> {
    let mut out = b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    let n = objects.len() + 1;
    out.extend_from_slice(format!("xref\n0 {n}\n0000000000 65535 f \n").as_bytes());
    for off in offsets {
        out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!("trailer\n<< /Size {n} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").as_bytes(),
    );
    out
}

pub(crate) fn stream(dict: &str, data: &[u8]) -> Vec<u8> {
    let mut s = format!("<< {dict} /Length {} >>\nstream\n", data.len()).into_bytes();
    s.extend_from_slice(data);
    s.extend_from_slice(b"\nendstream");
    s
}

pub(crate) fn zlib(data: &[u8]) -> Vec<u8> {
    let mut z = ZlibEncoder::new(Vec::new(), Compression::new(9));
    let _ = z.write_all(data);
    z.finish().unwrap_or_default()
}

/// Zlib of `n` zero bytes, written in chunks (never `n` bytes in memory).
pub(crate) fn zlib_zeros(n: usize) -> Vec<u8> {
    let mut z = ZlibEncoder::new(Vec::new(), Compression::new(9));
    let chunk = vec![0u8; 1 << 20];
    let mut left = n;
    while left > 0 {
        let k = left.min(chunk.len());
        let _ = z.write_all(&chunk[..k]);
        left -= k;
    }
    z.finish().unwrap_or_default()
}

/// Objects 1 (catalog) and 2 (pages) of a one-page PDF whose page (3) has
/// these resources and content stream object 4; `extra` objects follow
/// from 5.
pub(crate) fn page_pdf(resources: &str, content: &[u8], extra: &[Vec<u8>]) -> Vec<u8> {
    let mut objects = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        format!("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources {resources} /Contents 4 0 R >>")
            .into_bytes(),
        stream("", content),
    ];
    objects.extend(extra.iter().cloned());
    pdf_of(&objects)
}

/// A page that only paints an image.
pub(crate) fn image_only_pdf() -> Vec<u8> {
    let pixels = zlib(&[0x80; 3 * 16 * 16]);
    let image = stream(
        "/Type /XObject /Subtype /Image /Width 16 /Height 16 /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /FlateDecode",
        &pixels,
    );
    page_pdf(
        "<< /XObject << /Im1 5 0 R >> >>",
        b"q 200 0 0 200 100 400 cm /Im1 Do Q",
        &[image],
    )
}

const FONT: &str = "<< /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> /XObject << /X1 5 0 R >> >>";

/// A page whose form XObject invokes itself.
pub(crate) fn recursive_form_pdf() -> Vec<u8> {
    let form = stream(
        &format!("/Type /XObject /Subtype /Form /BBox [0 0 100 100] /Resources {FONT}"),
        b"BT /F1 12 Tf (loop) Tj ET /X1 Do",
    );
    page_pdf(FONT, b"/X1 Do", &[form])
}

/// A page whose `/Parent` chain loops back to itself (through object 6).
pub(crate) fn parent_loop_pdf() -> Vec<u8> {
    pdf_of(&[
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 /Parent 6 0 R >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>".to_vec(),
        stream("", b"BT /F1 12 Tf (x) Tj ET"),
        b"<< >>".to_vec(),
        b"<< /Type /Pages /Parent 2 0 R >>".to_vec(),
    ])
}

/// A page whose content stream inflates to `n` zero bytes.
pub(crate) fn content_bomb_pdf(n: usize) -> Vec<u8> {
    let mut objects = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>".to_vec(),
    ];
    objects.push(stream("/Filter /FlateDecode", &zlib_zeros(n)));
    pdf_of(&objects)
}

/// A page listing the same small content stream `repeats` times.
pub(crate) fn repeated_content_pdf(each: usize, repeats: usize) -> Vec<u8> {
    let refs = "4 0 R ".repeat(repeats);
    pdf_of(&[
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        format!("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents [{refs}] >>")
            .into_bytes(),
        stream("/Filter /FlateDecode", &zlib_zeros(each)),
    ])
}

/// A DOCX with body, header, footnote and comment text, a table, a tab
/// stop definition that must not become a tab, a fallback copy that must
/// not be doubled, and a tracked deletion.
pub(crate) fn docx() -> Vec<u8> {
    let w = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006""#;
    let mut z = zip();
    z.add("[Content_Types].xml", b"<Types/>", true);
    z.add(
        "_rels/.rels",
        br#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#,
        true,
    );
    let doc = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><w:document {w}><w:body>
<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr><w:r><w:t>The</w:t></w:r><w:r><w:t xml:space="preserve"> blorptastic </w:t></w:r><w:r><w:t>memo &amp; more</w:t></w:r></w:p>
<w:p><w:r><w:t>Col</w:t><w:tab/><w:t>umn</w:t><w:br/><w:t>next line</w:t></w:r></w:p>
<w:tbl><w:tr><w:tc><w:p><w:r><w:t>A1</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>B1</w:t></w:r></w:p></w:tc></w:tr></w:tbl>
<w:p><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:t>boxed text</w:t></mc:Choice><mc:Fallback><w:t>boxed text</w:t></mc:Fallback></mc:AlternateContent></w:r></w:p>
<w:p><w:del><w:r><w:delText>struck budget</w:delText></w:r></w:del><w:r><w:instrText>PAGE</w:instrText></w:r></w:p>
</w:body></w:document>"#
    );
    z.add("word/document.xml", doc.as_bytes(), true);
    z.add(
        "word/header1.xml",
        format!(r#"<w:hdr {w}><w:p><w:r><w:t>CONFIDENTIAL header</w:t></w:r></w:p></w:hdr>"#)
            .as_bytes(),
        true,
    );
    z.add(
        "word/footnotes.xml",
        format!(r#"<w:footnotes {w}><w:footnote w:id="1"><w:p><w:r><w:t>footnote wibblesnatch</w:t></w:r></w:p></w:footnote></w:footnotes>"#)
            .as_bytes(),
        true,
    );
    z.add(
        "word/comments.xml",
        format!(r#"<w:comments {w}><w:comment w:id="0" w:author="Ann"><w:p><w:r><w:t>comment frobnicle</w:t></w:r></w:p></w:comment></w:comments>"#)
            .as_bytes(),
        true,
    );
    z.finish()
}

/// An XLSX with shared strings, a date-formatted cell, a float, a gap, a
/// second sheet, and a far-away cell (`XFD1048576`).
pub(crate) fn xlsx() -> Vec<u8> {
    let mut z = zip();
    z.add("[Content_Types].xml", b"<Types/>", true);
    z.add(
        "_rels/.rels",
        br#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        true,
    );
    z.add(
        "xl/workbook.xml",
        br#"<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Ledger" sheetId="1" r:id="rId1"/><sheet name="Far" sheetId="2" r:id="rId2"/></sheets></workbook>"#,
        true,
    );
    z.add(
        "xl/_rels/workbook.xml.rels",
        br#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet2.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"#,
        true,
    );
    z.add(
        "xl/sharedStrings.xml",
        br#"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="2" uniqueCount="2"><si><t>Payee</t></si><si><t>glonkwater ltd</t></si></sst>"#,
        true,
    );
    z.add(
        "xl/styles.xml",
        br#"<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy\-mm\-dd"/></numFmts><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="164" applyNumberFormat="1"/></cellXfs></styleSheet>"#,
        true,
    );
    z.add(
        "xl/worksheets/sheet1.xml",
        br#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="C1" t="inlineStr"><is><t>Paid</t></is></c></row><row r="2"><c r="A2" t="s"><v>1</v></c><c r="B2"><v>0.30000000000000004</v></c><c r="C2" s="1"><v>42576</v></c></row></sheetData></worksheet>"#,
        true,
    );
    z.add(
        "xl/worksheets/sheet2.xml",
        br#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:XFD1048576"/><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>corner</t></is></c></row><row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>farthest</t></is></c></row></sheetData></worksheet>"#,
        true,
    );
    z.finish()
}

/// A PPTX whose slide files are numbered against presentation order, with
/// notes on the second slide shown.
pub(crate) fn pptx() -> Vec<u8> {
    let p = r#"xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships""#;
    let rel = |id: &str, kind: &str, target: &str| {
        format!(
            r#"<Relationship Id="{id}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/{kind}" Target="{target}"/>"#
        )
    };
    let slide = |texts: &str| {
        format!(
            r#"<p:sld {p}><p:cSld><p:spTree><p:sp><p:txBody><a:bodyPr/>{texts}</p:txBody></p:sp></p:spTree></p:cSld></p:sld>"#
        )
    };
    let mut z = zip();
    z.add("[Content_Types].xml", b"<Types/>", true);
    z.add(
        "ppt/presentation.xml",
        format!(r#"<p:presentation {p}><p:sldIdLst><p:sldId id="256" r:id="rId7"/><p:sldId id="257" r:id="rId3"/></p:sldIdLst></p:presentation>"#)
            .as_bytes(),
        true,
    );
    z.add(
        "ppt/_rels/presentation.xml.rels",
        format!(
            r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{}{}</Relationships>"#,
            rel("rId3", "slide", "slides/slide1.xml"),
            rel("rId7", "slide", "slides/slide2.xml")
        )
        .as_bytes(),
        true,
    );
    z.add(
        "ppt/slides/slide1.xml",
        slide(r#"<a:p><a:r><a:t>Second shown: quibbleflux</a:t></a:r></a:p><a:p><a:fld type="slidenum"><a:t>2</a:t></a:fld></a:p>"#)
            .as_bytes(),
        true,
    );
    z.add(
        "ppt/slides/_rels/slide1.xml.rels",
        format!(
            r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{}</Relationships>"#,
            rel("rId2", "notesSlide", "../notesSlides/notesSlide9.xml")
        )
        .as_bytes(),
        true,
    );
    z.add(
        "ppt/slides/slide2.xml",
        slide(
            r#"<a:p><a:r><a:t>First shown</a:t></a:r><a:br/><a:r><a:t>plinkhorn</a:t></a:r></a:p>"#,
        )
        .as_bytes(),
        true,
    );
    z.add(
        "ppt/notesSlides/notesSlide9.xml",
        format!(r#"<p:notes {p}><p:cSld><p:spTree><p:sp><p:txBody><a:p><a:r><a:t>speaker note snazzlepod</a:t></a:r></a:p></p:txBody></p:sp></p:spTree></p:cSld></p:notes>"#)
            .as_bytes(),
        true,
    );
    z.finish()
}

const ODF_NS: &str = r#"xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0" xmlns:dc="http://purl.org/dc/elements/1.1/""#;

fn odf(mime: &str, body: &str) -> Vec<u8> {
    let mut z = zip();
    z.add("mimetype", mime.as_bytes(), false);
    z.add(
        "META-INF/manifest.xml",
        br#"<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>"#,
        true,
    );
    z.add(
        "content.xml",
        format!(r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODF_NS}><office:body>{body}</office:body></office:document-content>"#)
            .as_bytes(),
        true,
    );
    z.finish()
}

pub(crate) fn odt() -> Vec<u8> {
    odf(
        "application/vnd.oasis.opendocument.text",
        r#"<office:text><text:tracked-changes><text:changed-region text:id="c1"><text:deletion><office:change-info><dc:creator>Bob</dc:creator></office:change-info><text:p>removed sentence</text:p></text:deletion></text:changed-region></text:tracked-changes><text:h text:outline-level="1">Heading</text:h><text:p>Body with <text:span>splonkered</text:span><text:s text:c="3"/>words<text:tab/>tabbed<text:line-break/>broken</text:p><office:annotation><dc:creator>Ann</dc:creator><text:p>a remark</text:p></office:annotation><table:table table:name="T"><table:table-row><table:table-cell><text:p>x1</text:p></table:table-cell><table:table-cell><text:p>y1</text:p></table:table-cell></table:table-row></table:table></office:text>"#,
    )
}

pub(crate) fn ods() -> Vec<u8> {
    odf(
        "application/vnd.oasis.opendocument.spreadsheet",
        r#"<office:spreadsheet><table:table table:name="Payments"><table:table-row><table:table-cell office:value-type="string"><text:p>Who</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>Sum</text:p></table:table-cell></table:table-row><table:table-row><table:table-cell office:value-type="string"><text:p>fizzlebeck</text:p></table:table-cell><table:table-cell office:value-type="float" office:value="1234.5"><text:p>1,234.50 €</text:p></table:table-cell><table:table-cell table:number-columns-repeated="16000"/></table:table-row><table:table-row table:number-rows-repeated="1048000"><table:table-cell table:number-columns-repeated="1024"/></table:table-row><table:table-row><table:table-cell table:number-columns-repeated="2"/><table:table-cell office:value-type="float" office:value="7"/></table:table-row></table:table><table:table table:name="Empty"/></office:spreadsheet>"#,
    )
}

pub(crate) fn odp() -> Vec<u8> {
    odf(
        "application/vnd.oasis.opendocument.presentation",
        r#"<office:presentation><draw:page draw:name="page1"><draw:frame><draw:text-box><text:p>Slide about crumblewort</text:p></draw:text-box></draw:frame><presentation:notes><draw:frame><draw:text-box><text:p>note text</text:p></draw:text-box></draw:frame></presentation:notes></draw:page><draw:page draw:name="page2"><draw:frame><draw:text-box><text:p>Second</text:p></draw:text-box></draw:frame></draw:page></office:presentation>"#,
    )
}

pub(crate) fn rtf() -> Vec<u8> {
    br"{\rtf1\ansi\ansicpg1252{\fonttbl{\f0 Arial;}}{\*\generator Word;}\f0 The \b grommelwink\b0  plan, caf\'e9.\par Next\u8212?line\par}".to_vec()
}

/// A DOCX whose body is `n` zero bytes deflated (declared size honest or
/// claimed to be 1,000 bytes).
pub(crate) fn docx_bomb(n: u64, lie: bool) -> Vec<u8> {
    use zip::write::{SimpleFileOptions, ZipWriter};
    let mut w = ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(9))
        .large_file(n >= u32::MAX as u64);
    let chunk = vec![0u8; 1 << 20];
    let result = (|| -> zip::result::ZipResult<Vec<u8>> {
        w.start_file("[Content_Types].xml", opts)?;
        w.write_all(b"<Types/>")?;
        w.start_file("word/document.xml", opts)?;
        let mut left = n;
        while left > 0 {
            let k = left.min(chunk.len() as u64) as usize;
            w.write_all(&chunk[..k])?;
            left -= k as u64;
        }
        Ok(w.finish()?.into_inner())
    })();
    let mut bytes = result.unwrap_or_default();
    if lie {
        // Rewrite the uncompressed size of word/document.xml in its local
        // header and central directory entry.
        let name = b"word/document.xml";
        let mut at = 0;
        while let Some(i) = memchr::memmem::find(&bytes[at..], name) {
            let pos = at + i;
            if pos >= 30 && bytes[pos - 30..pos - 26] == *b"PK\x03\x04" {
                bytes[pos - 8..pos - 4].copy_from_slice(&1000u32.to_le_bytes());
            } else if pos >= 46 && bytes[pos - 46..pos - 42] == *b"PK\x01\x02" {
                bytes[pos - 22..pos - 18].copy_from_slice(&1000u32.to_le_bytes());
            }
            at = pos + name.len();
        }
    }
    bytes
}
