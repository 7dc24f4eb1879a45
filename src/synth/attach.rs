//! Attachment payloads written by hand: a valid one-page PDF (objects, xref
//! with correct offsets, trailer) whose text stream holds real words; DOCX
//! and XLSX zip containers with minimal valid parts; a valid PNG (IHDR,
//! IDAT, IEND with correct CRCs); JPEG-ish bytes; CSV and text memos. Each
//! can be padded with PRNG bytes to reach a requested size (benchmarks).

use std::io::Write;

use flate2::Compression;
use flate2::write::ZlibEncoder;

use super::date::{self, Local};
use super::rng::Rng;
use super::text;
use super::zip::{ZipWriter, crc32};

/// Escape text for a PDF literal string, Latin-1 characters as octal
/// (the font uses WinAnsiEncoding), anything else as `?`.
fn pdf_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('(');
    for c in s.chars() {
        match c {
            '(' | ')' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            ' '..='~' => out.push(c),
            '\u{a0}'..='\u{ff}' => out.push_str(&format!("\\{:03o}", c as u32)),
            '\u{2019}' => out.push('\''),
            '\u{2014}' | '\u{2013}' => out.push('-'),
            _ => out.push('?'),
        }
    }
    out.push(')');
    out
}

/// A one-page PDF with `title` and the given text lines. `pad` adds an
/// unreferenced binary stream object of that many PRNG bytes.
pub fn pdf(
    rng: &mut Rng,
    title: &str,
    author: &str,
    lines: &[String],
    created: &Local,
    pad: usize,
    compress: bool,
) -> Vec<u8> {
    let mut content = String::new();
    content.push_str("BT\n/F1 16 Tf\n72 740 Td\n");
    content.push_str(&pdf_string(title));
    content.push_str(" Tj\n/F1 11 Tf\n14 TL\nT*\nT*\n");
    for l in lines.iter().take(45) {
        content.push_str(&pdf_string(l));
        content.push_str(" Tj\nT*\n");
    }
    content.push_str("ET\n");
    let (stream, filter) = if compress {
        let mut z = ZlibEncoder::new(Vec::new(), Compression::new(6));
        let bytes = z
            .write_all(content.as_bytes())
            .and_then(|_| z.finish())
            .unwrap_or_default();
        (bytes, " /Filter /FlateDecode")
    } else {
        (content.into_bytes(), "")
    };

    let mut out: Vec<u8> = Vec::with_capacity(2048 + stream.len() + pad);
    out.extend_from_slice(b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n");
    let mut offsets: Vec<usize> = Vec::new();
    let mut obj = |out: &mut Vec<u8>, body: &[u8]| {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", offsets.len()).as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    };
    obj(&mut out, b"<< /Type /Catalog /Pages 2 0 R >>");
    obj(&mut out, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
    obj(
        &mut out,
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
    );
    let mut s = format!("<< /Length {}{filter} >>\nstream\n", stream.len()).into_bytes();
    s.extend_from_slice(&stream);
    s.extend_from_slice(b"\nendstream");
    obj(&mut out, &s);
    obj(
        &mut out,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    );
    let info = format!(
        "<< /Title {} /Author {} /Producer (Microsoft Word 2013) /CreationDate ({}) >>",
        pdf_string(title),
        pdf_string(author),
        date::pdf_date(created)
    );
    obj(&mut out, info.as_bytes());
    if pad > 0 {
        let mut s = format!("<< /Length {pad} >>\nstream\n").into_bytes();
        let start = s.len();
        s.resize(start + pad, 0);
        rng.fill(&mut s[start..]);
        s.extend_from_slice(b"\nendstream");
        obj(&mut out, &s);
    }
    let xref = out.len();
    let n = offsets.len() + 1;
    out.extend_from_slice(format!("xref\n0 {n}\n0000000000 65535 f \n").as_bytes());
    for off in &offsets {
        out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!("trailer\n<< /Size {n} /Root 1 0 R /Info 6 0 R >>\nstartxref\n{xref}\n%%EOF\n")
            .as_bytes(),
    );
    out
}

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

const XML_DECL: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";
const REL_NS: &str = "http://schemas.openxmlformats.org/package/2006/relationships";
const OFFICE_DOC: &str =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument";
const CORE_PROPS: &str =
    "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties";
const IMAGE_REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image";

fn core_xml(title: &str, author: &str, created: i64) -> String {
    format!(
        "{XML_DECL}<cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:dcterms=\"http://purl.org/dc/terms/\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><dc:title>{}</dc:title><dc:creator>{}</dc:creator><dcterms:created xsi:type=\"dcterms:W3CDTF\">{}</dcterms:created></cp:coreProperties>",
        xml_escape(title),
        xml_escape(author),
        date::iso_utc(created)
    )
}

fn zip_for(created: &Local) -> ZipWriter {
    ZipWriter::new(
        created.year,
        created.month,
        created.day,
        created.hour,
        created.minute,
        created.second,
    )
}

/// A DOCX (WordprocessingML) with one paragraph per entry of `paras`.
pub fn docx(
    rng: &mut Rng,
    title: &str,
    author: &str,
    paras: &[String],
    created: &Local,
    created_t: i64,
    pad: usize,
) -> Vec<u8> {
    let mut z = zip_for(created);
    let ct = format!(
        "{XML_DECL}<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/><Default Extension=\"jpeg\" ContentType=\"image/jpeg\"/><Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/><Override PartName=\"/docProps/core.xml\" ContentType=\"application/vnd.openxmlformats-package.core-properties+xml\"/></Types>"
    );
    z.add("[Content_Types].xml", ct.as_bytes(), true);
    let rels = format!(
        "{XML_DECL}<Relationships xmlns=\"{REL_NS}\"><Relationship Id=\"rId1\" Type=\"{OFFICE_DOC}\" Target=\"word/document.xml\"/><Relationship Id=\"rId2\" Type=\"{CORE_PROPS}\" Target=\"docProps/core.xml\"/></Relationships>"
    );
    z.add("_rels/.rels", rels.as_bytes(), true);
    let mut doc = format!(
        "{XML_DECL}<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body><w:p><w:pPr><w:pStyle w:val=\"Title\"/></w:pPr><w:r><w:t>{}</w:t></w:r></w:p>",
        xml_escape(title)
    );
    for p in paras {
        doc.push_str("<w:p><w:r><w:t xml:space=\"preserve\">");
        doc.push_str(&xml_escape(p));
        doc.push_str("</w:t></w:r></w:p>");
    }
    doc.push_str(
        "<w:sectPr><w:pgSz w:w=\"12240\" w:h=\"15840\"/></w:sectPr></w:body></w:document>",
    );
    z.add("word/document.xml", doc.as_bytes(), true);
    z.add(
        "docProps/core.xml",
        core_xml(title, author, created_t).as_bytes(),
        true,
    );
    if pad > 0 {
        let drels = format!(
            "{XML_DECL}<Relationships xmlns=\"{REL_NS}\"><Relationship Id=\"rId5\" Type=\"{IMAGE_REL}\" Target=\"media/image1.jpeg\"/></Relationships>"
        );
        z.add("word/_rels/document.xml.rels", drels.as_bytes(), true);
        z.add("word/media/image1.jpeg", &jpeg(rng, pad, "scan"), false);
    }
    z.finish()
}

fn col_name(i: usize) -> String {
    let mut s = String::new();
    let mut n = i + 1;
    while n > 0 {
        let r = (n - 1) % 26;
        s.insert(0, (b'A' + r as u8) as char);
        n = (n - 1) / 26;
    }
    s
}

/// A cell of a spreadsheet.
pub enum Cell {
    Text(String),
    Num(u64),
}

/// An XLSX workbook with one sheet named `sheet` holding `rows`.
pub fn xlsx(
    rng: &mut Rng,
    sheet: &str,
    author: &str,
    rows: &[Vec<Cell>],
    created: &Local,
    created_t: i64,
    pad: usize,
) -> Vec<u8> {
    let mut z = zip_for(created);
    let ct = format!(
        "{XML_DECL}<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/><Default Extension=\"jpeg\" ContentType=\"image/jpeg\"/><Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/><Override PartName=\"/xl/worksheets/sheet1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/><Override PartName=\"/docProps/core.xml\" ContentType=\"application/vnd.openxmlformats-package.core-properties+xml\"/></Types>"
    );
    z.add("[Content_Types].xml", ct.as_bytes(), true);
    let rels = format!(
        "{XML_DECL}<Relationships xmlns=\"{REL_NS}\"><Relationship Id=\"rId1\" Type=\"{OFFICE_DOC}\" Target=\"xl/workbook.xml\"/><Relationship Id=\"rId2\" Type=\"{CORE_PROPS}\" Target=\"docProps/core.xml\"/></Relationships>"
    );
    z.add("_rels/.rels", rels.as_bytes(), true);
    let wb = format!(
        "{XML_DECL}<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><sheets><sheet name=\"{}\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>",
        xml_escape(sheet)
    );
    z.add("xl/workbook.xml", wb.as_bytes(), true);
    let wrels = format!(
        "{XML_DECL}<Relationships xmlns=\"{REL_NS}\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet1.xml\"/></Relationships>"
    );
    z.add("xl/_rels/workbook.xml.rels", wrels.as_bytes(), true);
    let mut ws = format!(
        "{XML_DECL}<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>"
    );
    for (ri, row) in rows.iter().enumerate() {
        ws.push_str(&format!("<row r=\"{}\">", ri + 1));
        for (ci, cell) in row.iter().enumerate() {
            let r = format!("{}{}", col_name(ci), ri + 1);
            match cell {
                Cell::Text(t) => ws.push_str(&format!(
                    "<c r=\"{r}\" t=\"inlineStr\"><is><t>{}</t></is></c>",
                    xml_escape(t)
                )),
                Cell::Num(n) => ws.push_str(&format!("<c r=\"{r}\"><v>{n}</v></c>")),
            }
        }
        ws.push_str("</row>");
    }
    ws.push_str("</sheetData></worksheet>");
    z.add("xl/worksheets/sheet1.xml", ws.as_bytes(), true);
    z.add(
        "docProps/core.xml",
        core_xml(sheet, author, created_t).as_bytes(),
        true,
    );
    if pad > 0 {
        z.add("xl/media/image1.jpeg", &jpeg(rng, pad, "logo"), false);
    }
    z.finish()
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for chunk in data.chunks(5552) {
        for &x in chunk {
            a += u32::from(x);
            b += a;
        }
        a %= 65_521;
        b %= 65_521;
    }
    (b << 16) | a
}

/// A valid RGB PNG of `w`×`h` pixels. Small images hold a deflated
/// gradient with a bar chart; `noise` fills pixels with PRNG bytes and
/// stores them uncompressed (fast, for large attachments).
pub fn png(rng: &mut Rng, w: u32, h: u32, noise: bool) -> Vec<u8> {
    let row = 1 + 3 * w as usize;
    let mut raw = vec![0u8; row * h as usize];
    if noise {
        rng.fill(&mut raw);
        for y in 0..h as usize {
            raw[y * row] = 0;
        }
    } else {
        let bars: Vec<u32> = (0..6)
            .map(|_| rng.range(h as usize / 4, h as usize) as u32)
            .collect();
        let tint = rng.below(3);
        for y in 0..h {
            for x in 0..w {
                let i = y as usize * row + 1 + 3 * x as usize;
                let bar = (x * 6 / w.max(1)) as usize;
                let on_bar = h - y <= bars[bar.min(5)] && x % (w / 6).max(1) > 1;
                let base = [(200 + y * 40 / h.max(1)) as u8; 3];
                let mut px = if on_bar { [40, 90, 160] } else { base };
                if on_bar {
                    px[tint] = 200;
                }
                raw[i..i + 3].copy_from_slice(&px);
            }
        }
    }
    let idat = if noise {
        // zlib with stored blocks.
        let mut z = Vec::with_capacity(raw.len() + raw.len() / 65_535 * 5 + 16);
        z.extend_from_slice(&[0x78, 0x01]);
        let mut chunks = raw.chunks(65_535).peekable();
        if chunks.peek().is_none() {
            z.extend_from_slice(&[1, 0, 0, 0xFF, 0xFF]);
        }
        while let Some(c) = chunks.next() {
            z.push(if chunks.peek().is_none() { 1 } else { 0 });
            let len = c.len() as u16;
            z.extend_from_slice(&len.to_le_bytes());
            z.extend_from_slice(&(!len).to_le_bytes());
            z.extend_from_slice(c);
        }
        z.extend_from_slice(&adler32(&raw).to_be_bytes());
        z
    } else {
        let mut enc = ZlibEncoder::new(Vec::new(), Compression::new(9));
        enc.write_all(&raw)
            .and_then(|_| enc.finish())
            .unwrap_or_default()
    };
    let mut out = Vec::with_capacity(idat.len() + 64);
    out.extend_from_slice(b"\x89PNG\r\n\x1a\n");
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    png_chunk(&mut out, b"IHDR", &ihdr);
    png_chunk(&mut out, b"IDAT", &idat);
    png_chunk(&mut out, b"IEND", &[]);
    out
}

/// A noise PNG of roughly `bytes` bytes.
pub fn png_of_size(rng: &mut Rng, bytes: usize) -> Vec<u8> {
    let w = 256u32;
    let h = ((bytes / (1 + 3 * w as usize)).max(1)) as u32;
    png(rng, w, h, true)
}

/// JPEG-looking bytes of about `size` bytes: SOI, JFIF APP0, a comment,
/// quantisation and frame headers, PRNG "entropy-coded" data without 0xFF,
/// EOI. Not decodable to a sensible picture, but sniffed as JPEG.
pub fn jpeg(rng: &mut Rng, size: usize, comment: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(size + 200);
    out.extend_from_slice(&[0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10]);
    out.extend_from_slice(b"JFIF\0\x01\x01\x01\x00\x48\x00\x48\x00\x00");
    let c = comment.as_bytes();
    out.extend_from_slice(&[0xFF, 0xFE]);
    out.extend_from_slice(&((c.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(c);
    out.extend_from_slice(&[0xFF, 0xDB, 0x00, 0x43, 0x00]);
    for i in 0..64u8 {
        out.push(1 + (i / 4));
    }
    let (w, h) = (
        640u16 + 16 * rng.below(40) as u16,
        480u16 + 16 * rng.below(30) as u16,
    );
    out.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x11, 0x08]);
    out.extend_from_slice(&h.to_be_bytes());
    out.extend_from_slice(&w.to_be_bytes());
    out.extend_from_slice(&[0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x00, 0x03, 0x11, 0x00]);
    out.extend_from_slice(&[
        0xFF, 0xDA, 0x00, 0x0C, 0x03, 0x01, 0x00, 0x02, 0x11, 0x03, 0x11, 0x00, 0x3F, 0x00,
    ]);
    let start = out.len();
    let n = size.saturating_sub(start + 2).max(16);
    out.resize(start + n, 0);
    rng.fill(&mut out[start..]);
    for b in &mut out[start..] {
        if *b == 0xFF {
            *b = 0xFE;
        }
    }
    out.extend_from_slice(&[0xFF, 0xD9]);
    out
}

/// A CSV donor report (header plus `n` rows), `\r\n` line ends as Excel writes.
pub fn donor_csv(rng: &mut Rng, n: usize, year: i64) -> Vec<u8> {
    let mut s = String::from("Donor,City,State,Amount,Date\r\n");
    for (d, c, st, a, dt) in text::donor_rows(rng, n, year) {
        let d = if d.contains(',') || d.contains('"') {
            format!("\"{}\"", d.replace('"', "\"\""))
        } else {
            d
        };
        s.push_str(&format!("{d},{c},{st},{a},{dt}\r\n"));
    }
    s.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn created() -> (Local, i64) {
        let t = 1_444_672_931;
        (date::local(t, date::Zone::UsEastern, false), t)
    }

    #[test]
    fn pdf_xref_offsets_are_right() {
        let mut r = Rng::new(3);
        let (l, _) = created();
        for &(pad, compress) in &[(0usize, false), (500, true)] {
            let bytes = pdf(
                &mut r,
                "Finance (draft)",
                "Tom Halvorsen",
                &["Donor: Émile Gauthier $2,700".to_string()],
                &l,
                pad,
                compress,
            );
            let text = String::from_utf8_lossy(&bytes);
            let sx = text.rfind("startxref\n").unwrap();
            let xref: usize = text[sx + 10..].lines().next().unwrap().parse().unwrap();
            assert!(bytes[xref..].starts_with(b"xref\n"));
            let table = &text[xref..];
            for (i, line) in table
                .lines()
                .skip(3)
                .take_while(|l| l.ends_with(" n "))
                .enumerate()
            {
                let off: usize = line[..10].parse().unwrap();
                assert!(bytes[off..].starts_with(format!("{} 0 obj", i + 1).as_bytes()));
            }
            if !compress {
                assert!(text.contains("(Donor: \\311mile Gauthier $2,700) Tj"));
            }
        }
    }

    #[test]
    fn png_chunks_and_zlib() {
        let mut r = Rng::new(4);
        for noise in [false, true] {
            let p = png(&mut r, 24, 16, noise);
            assert!(p.starts_with(b"\x89PNG\r\n\x1a\n"));
            let mut pos = 8;
            let mut idat = Vec::new();
            while pos < p.len() {
                let len = u32::from_be_bytes(p[pos..pos + 4].try_into().unwrap()) as usize;
                let kind = &p[pos + 4..pos + 8];
                let crc = u32::from_be_bytes(p[pos + 8 + len..pos + 12 + len].try_into().unwrap());
                assert_eq!(crc32(&p[pos + 4..pos + 8 + len]), crc);
                if kind == b"IDAT" {
                    idat.extend_from_slice(&p[pos + 8..pos + 8 + len]);
                }
                pos += 12 + len;
            }
            let mut raw = Vec::new();
            flate2::read::ZlibDecoder::new(&idat[..])
                .read_to_end(&mut raw)
                .unwrap();
            assert_eq!(raw.len(), 16 * (1 + 3 * 24));
        }
    }

    #[test]
    fn office_files_are_zips() {
        let mut r = Rng::new(5);
        let (l, t) = created();
        let d = docx(
            &mut r,
            "Memo",
            "Sam Whitlock",
            &["Hello & goodbye".into()],
            &l,
            t,
            100,
        );
        assert!(d.starts_with(b"PK\x03\x04"));
        let x = xlsx(
            &mut r,
            "Donors",
            "Tom",
            &[vec![Cell::Text("Donor".into()), Cell::Num(2700)]],
            &l,
            t,
            0,
        );
        assert!(x.starts_with(b"PK\x03\x04"));
        assert_eq!(col_name(0), "A");
        assert_eq!(col_name(27), "AB");
        let j = jpeg(&mut r, 3000, "x");
        assert!(j.starts_with(&[0xFF, 0xD8]) && j.ends_with(&[0xFF, 0xD9]));
        assert!((2900..3100).contains(&j.len()));
    }
}
