//! XLSX and legacy XLS to text: each sheet (hidden ones too) under a
//! `=== name ===` heading, one line per row, cells separated by tabs,
//! numbers as Excel's General format shows them (15 significant digits),
//! date-formatted cells as dates.
//!
//! Both readers are small and streaming, written here rather than taken
//! from calamine: calamine builds every sheet as a dense range over the
//! bounding box of its cells (one cell at `A1` and one at `XFD1048576` ask
//! for 17 billion), reserves what an XLS `DIMENSIONS` record claims, and
//! pulls in zip's `deflate` feature, which switches the whole project's
//! flate2 to the zlib-rs backend (changing the bytes of every generated
//! archive). Here cells are kept only where they exist.
//! - XLSX: shared strings, styles (which number formats are dates), the
//!   workbook's sheet list and each sheet part, read through the bounded
//!   [`Archive`] and walked with quick-xml.
//! - XLS: the `Workbook` (or BIFF5 `Book`) stream of the OLE2 file (`cfb`
//!   crate), its BIFF records walked: shared strings across `CONTINUE`
//!   records, labels, numbers, RK values, formulas' cached results,
//!   booleans and errors; BIFF5 8-bit strings in the workbook's code page;
//!   a `FILEPASS` record is [`ExtractError::Encrypted`].

use std::collections::HashMap;
use std::io::{Cursor, Read};

use super::ExtractError;
use super::rtf::codepage_encoding;
use super::sink::Sink;
use super::xml::{self, Node};
use super::zipped::Archive;

/// Empty columns before a cell written as at most this many tabs.
const MAX_GAP_TABS: u32 = 16;

/// A number as Excel's General format shows it: integers without a
/// fraction, others rounded to 15 significant digits.
fn number(f: f64) -> String {
    if !f.is_finite() {
        return f.to_string();
    }
    if f.fract() == 0.0 && f.abs() < 1e15 {
        return format!("{}", f as i64);
    }
    let rounded: f64 = format!("{f:.14e}").parse().unwrap_or(f);
    format!("{rounded}")
}

/// An Excel date serial as a date (and time, when it has one).
fn date(serial: f64, is_1904: bool) -> String {
    if !serial.is_finite() || !(0.0..3_000_000.0).contains(&serial) {
        return number(serial);
    }
    let mut secs = (serial.fract() * 86_400.0).round() as i64;
    let mut whole = serial.trunc() as i64;
    if secs >= 86_400 {
        whole += 1;
        secs -= 86_400;
    }
    let time = format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60);
    if whole == 0 && !is_1904 {
        return time;
    }
    let day = if is_1904 {
        // 1904-01-01 is day 0.
        whole - 24_107
    } else if whole == 60 {
        // Excel's 1900-02-29, which never was.
        return if secs > 0 {
            format!("1900-02-29 {time}")
        } else {
            "1900-02-29".into()
        };
    } else if whole < 60 {
        whole - 25_568
    } else {
        whole - 25_569
    };
    let (y, m, d) = crate::time::civil_from_days(day);
    if secs > 0 {
        format!("{y:04}-{m:02}-{d:02} {time}")
    } else {
        format!("{y:04}-{m:02}-{d:02}")
    }
}

/// Whether a number format shows dates or times: a built-in date format,
/// or a format code with date/time letters outside quotes, brackets and
/// escapes.
fn is_date_format(id: u32, code: Option<&str>) -> bool {
    if matches!(id, 14..=22 | 27..=36 | 45..=47 | 50..=58) {
        return true;
    }
    let Some(code) = code else {
        return false;
    };
    let mut chars = code.chars();
    let mut section = String::new();
    while let Some(c) = chars.next() {
        match c {
            ';' => break,
            '"' => {
                for c in chars.by_ref() {
                    if c == '"' {
                        break;
                    }
                }
            }
            '[' => {
                let inner: String = chars.by_ref().take_while(|&c| c != ']').collect();
                // Elapsed time ([h], [mm], [ss]) is a time format.
                if inner
                    .chars()
                    .all(|c| matches!(c.to_ascii_lowercase(), 'h' | 'm' | 's'))
                {
                    section.push('h');
                }
            }
            '\\' | '_' | '*' => {
                chars.next();
            }
            c => section.push(c.to_ascii_lowercase()),
        }
    }
    let section = section.replace("general", "");
    section.contains(['d', 'y', 'h', 's']) || (section.contains('m') && !section.contains('e'))
}

/// Number formats of a workbook: which cell styles show dates.
#[derive(Default)]
struct Styles {
    /// Style index → shows a date.
    date: Vec<bool>,
    is_1904: bool,
}

impl Styles {
    fn is_date(&self, style: usize) -> bool {
        self.date.get(style).copied().unwrap_or(false)
    }
}

/// Cell text of one sheet, written row by row.
struct Rows<'s> {
    sink: &'s mut Sink,
    row: Option<u32>,
    col: u32,
}

impl Rows<'_> {
    fn cell(&mut self, row: u32, col: u32, text: &str) {
        if text.trim().is_empty() {
            return;
        }
        if self.row != Some(row) {
            if self.row.is_some() {
                self.sink.line_end();
            }
            self.row = Some(row);
            self.col = 0;
        }
        for _ in 0..col.saturating_sub(self.col).min(MAX_GAP_TABS) {
            self.sink.tab();
        }
        self.col = col;
        // A cell's own line breaks and tabs become spaces.
        if text.contains(['\n', '\t', '\r']) {
            self.sink.text(&text.replace(['\n', '\t', '\r'], " "));
        } else {
            self.sink.text(text);
        }
    }
}

/// Writes one sheet under its heading (dropped when the sheet is empty).
fn sheet(
    sink: &mut Sink,
    name: &str,
    write: impl FnOnce(&mut Rows<'_>) -> Result<(), ExtractError>,
) -> Result<(), ExtractError> {
    let mark = sink.mark();
    sink.heading(name);
    let before = sink.mark();
    let mut rows = Rows {
        sink: &mut *sink,
        row: None,
        col: 0,
    };
    write(&mut rows)?;
    sink.line_end();
    if sink.mark() == before {
        sink.rewind(mark);
    }
    Ok(())
}

/// Column index of a cell reference like `AB12` (0-based), if it has one.
fn column(reference: &str) -> Option<u32> {
    let mut col: u32 = 0;
    let mut any = false;
    for c in reference.chars() {
        if c.is_ascii_alphabetic() {
            col = col
                .checked_mul(26)?
                .checked_add(u32::from(c.to_ascii_uppercase() as u8 - b'A') + 1)?;
            any = true;
        } else {
            break;
        }
    }
    any.then(|| col - 1)
}

fn xlsx_strings(archive: &mut Archive<'_>, sink: &mut Sink) -> Result<Vec<String>, ExtractError> {
    let Some(xml) = archive.read("xl/sharedStrings.xml", sink)? else {
        return Ok(Vec::new());
    };
    let mut strings = Vec::new();
    let mut current = String::new();
    let (mut in_t, mut in_phonetic) = (0usize, 0usize);
    xml::walk(&xml, sink, |node, _| match node {
        Node::Open(e) => match e.local_name().as_ref() {
            "si" => current.clear(),
            "t" => in_t += 1,
            "rPh" => in_phonetic += 1,
            _ => {}
        },
        Node::Close(name) => match name.rsplit(':').next().unwrap_or(name) {
            "si" => strings.push(std::mem::take(&mut current)),
            "t" => in_t = in_t.saturating_sub(1),
            "rPh" => in_phonetic = in_phonetic.saturating_sub(1),
            _ => {}
        },
        Node::Leaf(e) => {
            if e.local_name().as_ref() == "si" {
                strings.push(String::new());
            }
        }
        Node::Text(t) => {
            if in_t > 0 && in_phonetic == 0 {
                current.push_str(&t);
            }
        }
    })?;
    Ok(strings)
}

fn xlsx_styles(archive: &mut Archive<'_>, sink: &mut Sink) -> Result<Styles, ExtractError> {
    let Some(xml) = archive.read("xl/styles.xml", sink)? else {
        return Ok(Styles::default());
    };
    let mut formats: HashMap<u32, String> = HashMap::new();
    let mut xfs: Vec<u32> = Vec::new();
    let mut in_cell_xfs = 0usize;
    xml::walk(&xml, sink, |node, _| match node {
        Node::Open(e) | Node::Leaf(e) => match e.local_name().as_ref() {
            "numFmt" => {
                if let (Some(id), Some(code)) = (
                    xml::attr(e, "numFmtId").and_then(|v| v.parse().ok()),
                    xml::attr(e, "formatCode"),
                ) {
                    formats.insert(id, code);
                }
            }
            "cellXfs" if matches!(node, Node::Open(_)) => in_cell_xfs += 1,
            "xf" if in_cell_xfs > 0 => {
                xfs.push(
                    xml::attr(e, "numFmtId")
                        .and_then(|v| v.parse().ok())
                        .unwrap_or(0),
                );
            }
            _ => {}
        },
        Node::Close(name) => {
            if name.rsplit(':').next() == Some("cellXfs") {
                in_cell_xfs = in_cell_xfs.saturating_sub(1);
            }
        }
        Node::Text(_) => {}
    })?;
    Ok(Styles {
        date: xfs
            .iter()
            .map(|id| is_date_format(*id, formats.get(id).map(String::as_str)))
            .collect(),
        is_1904: false,
    })
}

/// The sheets of a workbook in order: name and part.
fn xlsx_sheets(
    archive: &mut Archive<'_>,
    sink: &mut Sink,
    styles: &mut Styles,
) -> Result<Vec<(String, String)>, ExtractError> {
    let book = "xl/workbook.xml";
    let Some(xml) = archive.read(book, sink)? else {
        return Err(ExtractError::malformed("no xl/workbook.xml"));
    };
    let mut sheets = Vec::new();
    xml::walk(&xml, sink, |node, _| {
        if let Node::Open(e) | Node::Leaf(e) = node {
            match e.local_name().as_ref() {
                "sheet" => {
                    if let (Some(name), Some(id)) = (xml::attr(e, "name"), xml::attr(e, "r:id")) {
                        sheets.push((name, id));
                    }
                }
                "workbookPr" => {
                    styles.is_1904 =
                        matches!(xml::attr(e, "date1904").as_deref(), Some("1" | "true"));
                }
                _ => {}
            }
        }
    })?;
    let rels = match archive.read(&xml::rels_name(book), sink)? {
        Some(r) => xml::rels(book, &r, sink)?,
        None => Vec::new(),
    };
    Ok(sheets
        .into_iter()
        .filter_map(|(name, id)| {
            let target = rels.iter().find(|r| r.id == id)?.target.clone();
            Some((name, target))
        })
        .collect())
}

/// The cells of one worksheet part.
fn xlsx_sheet(
    xml: &[u8],
    strings: &[String],
    styles: &Styles,
    rows: &mut Rows<'_>,
) -> Result<(), ExtractError> {
    struct Cell {
        kind: String,
        style: usize,
        col: u32,
        value: String,
    }
    let mut row: u32 = 0;
    let mut next_col: u32 = 0;
    let mut cell: Option<Cell> = None;
    // Inside <v> or an inline string's <t> (and not in its phonetic run).
    let (mut in_v, mut in_t, mut in_phonetic) = (false, 0usize, 0usize);
    // Cells are collected during the walk (which holds the sink for its
    // checks) and written after it.
    let mut pending: Vec<(u32, u32, String)> = Vec::new();
    let show = |c: &Cell| -> String {
        let v = c.value.trim();
        match c.kind.as_str() {
            "s" => v
                .parse::<usize>()
                .ok()
                .and_then(|i| strings.get(i))
                .cloned()
                .unwrap_or_default(),
            "b" => if v == "1" { "TRUE" } else { "FALSE" }.to_string(),
            "str" | "inlineStr" | "e" | "d" => c.value.clone(),
            _ => match v.parse::<f64>() {
                Ok(f) if styles.is_date(c.style) => date(f, styles.is_1904),
                Ok(f) => number(f),
                Err(_) => c.value.clone(),
            },
        }
    };
    let mut walk_error = None;
    {
        let sink = &mut *rows.sink;
        let result = xml::walk(xml, sink, |node, _| match node {
            Node::Open(e) | Node::Leaf(e) => {
                let leaf = matches!(node, Node::Leaf(_));
                match e.local_name().as_ref() {
                    "row" => {
                        row = xml::attr(e, "r")
                            .and_then(|r| r.parse::<u32>().ok())
                            .map(|r| r.saturating_sub(1))
                            .unwrap_or(row.saturating_add(1));
                        next_col = 0;
                    }
                    "c" => {
                        let col = xml::attr(e, "r")
                            .and_then(|r| column(&r))
                            .unwrap_or(next_col);
                        next_col = col.saturating_add(1);
                        let c = Cell {
                            kind: xml::attr(e, "t").unwrap_or_default(),
                            style: xml::attr(e, "s").and_then(|s| s.parse().ok()).unwrap_or(0),
                            col,
                            value: String::new(),
                        };
                        if !leaf {
                            cell = Some(c);
                        }
                    }
                    "v" if !leaf => in_v = true,
                    "t" if !leaf => in_t += 1,
                    "rPh" if !leaf => in_phonetic += 1,
                    _ => {}
                }
            }
            Node::Close(name) => match name.rsplit(':').next().unwrap_or(name) {
                "c" => {
                    if let Some(c) = cell.take() {
                        pending.push((row, c.col, show(&c)));
                    }
                }
                "v" => in_v = false,
                "t" => in_t = in_t.saturating_sub(1),
                "rPh" => in_phonetic = in_phonetic.saturating_sub(1),
                _ => {}
            },
            Node::Text(t) => {
                if let Some(c) = cell.as_mut()
                    && (in_v || (in_t > 0 && in_phonetic == 0))
                    && c.value.len() < 1 << 20
                {
                    c.value.push_str(&t);
                }
            }
        });
        if let Err(e) = result {
            walk_error = Some(e);
        }
    }
    for (r, c, text) in pending {
        rows.sink.tick()?;
        if rows.sink.full() {
            break;
        }
        rows.cell(r, c, &text);
    }
    match walk_error {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

pub(crate) fn xlsx(bytes: &[u8], sink: &mut Sink) -> Result<(), ExtractError> {
    let mut archive = Archive::open(bytes, sink.limits())?;
    if !archive.has("xl/workbook.xml") {
        return Err(ExtractError::malformed("no xl/workbook.xml"));
    }
    let strings = xlsx_strings(&mut archive, sink)?;
    let mut styles = xlsx_styles(&mut archive, sink)?;
    for (name, part) in xlsx_sheets(&mut archive, sink, &mut styles)? {
        sink.check()?;
        if sink.full() {
            break;
        }
        // Chart sheets and dangling entries have no worksheet part.
        let Some(xml) = archive.read(&part, sink)? else {
            continue;
        };
        sheet(sink, &name, |rows| {
            xlsx_sheet(&xml, &strings, &styles, rows)
        })?;
    }
    Ok(())
}

/// BIFF records of a stream: type and data (a `CONTINUE` is a record of
/// its own here).
struct Records<'a> {
    stream: &'a [u8],
}

impl<'a> Iterator for Records<'a> {
    type Item = (u16, &'a [u8]);
    fn next(&mut self) -> Option<Self::Item> {
        if self.stream.len() < 4 {
            return None;
        }
        let typ = u16::from_le_bytes([self.stream[0], self.stream[1]]);
        let len = u16::from_le_bytes([self.stream[2], self.stream[3]]) as usize;
        let data = self.stream.get(4..4 + len)?;
        self.stream = &self.stream[4 + len..];
        Some((typ, data))
    }
}

const CONTINUE: u16 = 0x003C;

fn u16_at(d: &[u8], at: usize) -> Option<u16> {
    d.get(at..at + 2).map(|b| u16::from_le_bytes([b[0], b[1]]))
}

fn u32_at(d: &[u8], at: usize) -> Option<u32> {
    d.get(at..at + 4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

fn f64_at(d: &[u8], at: usize) -> Option<f64> {
    d.get(at..at + 8).map(|b| {
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        f64::from_le_bytes(a)
    })
}

/// The number in an RK value.
fn rk(v: u32) -> f64 {
    let n = if v & 0x02 != 0 {
        f64::from((v as i32) >> 2)
    } else {
        f64::from_bits(u64::from(v & 0xFFFF_FFFC) << 32)
    };
    if v & 0x01 != 0 { n / 100.0 } else { n }
}

/// Reads a record and its `CONTINUE` records as one byte sequence, with
/// the BIFF8 rule that a string's characters resume in a new record after
/// a fresh option byte.
struct Chunks<'a> {
    chunks: Vec<&'a [u8]>,
    index: usize,
    pos: usize,
}

impl Chunks<'_> {
    fn advance(&mut self) -> bool {
        while self.index < self.chunks.len() && self.pos >= self.chunks[self.index].len() {
            self.index += 1;
            self.pos = 0;
        }
        self.index < self.chunks.len()
    }

    fn u8(&mut self) -> Option<u8> {
        if !self.advance() {
            return None;
        }
        let b = self.chunks[self.index][self.pos];
        self.pos += 1;
        Some(b)
    }

    fn u16(&mut self) -> Option<u16> {
        Some(u16::from_le_bytes([self.u8()?, self.u8()?]))
    }

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes([
            self.u8()?,
            self.u8()?,
            self.u8()?,
            self.u8()?,
        ]))
    }

    fn skip(&mut self, mut n: usize) -> Option<()> {
        while n > 0 {
            if !self.advance() {
                return None;
            }
            let here = (self.chunks[self.index].len() - self.pos).min(n);
            self.pos += here;
            n -= here;
        }
        Some(())
    }

    /// `count` characters, 16-bit when `high`; a record boundary inside
    /// them brings a new option byte.
    fn chars(&mut self, count: usize, mut high: bool) -> Option<String> {
        let mut out = String::with_capacity(count.min(4096));
        let mut units: Vec<u16> = Vec::with_capacity(count.min(4096));
        let mut left = count;
        while left > 0 {
            if self.pos >= self.chunks.get(self.index)?.len() {
                self.index += 1;
                self.pos = 0;
                let chunk = self.chunks.get(self.index)?;
                high = chunk.first()? & 0x01 != 0;
                self.pos = 1;
                continue;
            }
            if high {
                units.push(self.u16()?);
            } else {
                units.push(u16::from(self.u8()?));
            }
            left -= 1;
        }
        out.extend(char::decode_utf16(units).map(|c| c.unwrap_or('\u{fffd}')));
        Some(out)
    }
}

/// The shared strings of an `SST` record and its continuations.
fn sst(chunks: Vec<&[u8]>, sink: &Sink) -> Result<Vec<String>, ExtractError> {
    let mut r = Chunks {
        chunks,
        index: 0,
        pos: 0,
    };
    let mut out = Vec::new();
    let (Some(_total), Some(unique)) = (r.u32(), r.u32()) else {
        return Ok(out);
    };
    for i in 0..unique {
        if i % 4096 == 0 {
            sink.check()?;
        }
        let Some(cch) = r.u16() else { break };
        let Some(flags) = r.u8() else { break };
        let runs = if flags & 0x08 != 0 {
            r.u16().unwrap_or(0)
        } else {
            0
        };
        let ext = if flags & 0x04 != 0 {
            r.u32().unwrap_or(0)
        } else {
            0
        };
        let Some(s) = r.chars(usize::from(cch), flags & 0x01 != 0) else {
            break;
        };
        out.push(s);
        if r.skip(usize::from(runs) * 4 + ext as usize).is_none() {
            break;
        }
    }
    Ok(out)
}

/// A BIFF8 `XLUnicodeString` (16-bit length) at the start of `d`, or a
/// BIFF5 byte string in `enc`.
fn label(d: &[u8], biff8: bool, enc: &'static encoding_rs::Encoding) -> Option<String> {
    let cch = usize::from(u16_at(d, 0)?);
    if biff8 {
        let flags = *d.get(2)?;
        let mut r = Chunks {
            chunks: vec![&d[3..]],
            index: 0,
            pos: 0,
        };
        r.chars(cch, flags & 0x01 != 0)
    } else {
        let bytes = d.get(2..2 + cch).or_else(|| d.get(2..))?;
        Some(enc.decode_without_bom_handling(bytes).0.into_owned())
    }
}

/// A sheet name: BIFF8 `ShortXLUnicodeString` or BIFF5 byte string.
fn short_label(d: &[u8], biff8: bool, enc: &'static encoding_rs::Encoding) -> Option<String> {
    let cch = usize::from(*d.first()?);
    if biff8 {
        let flags = *d.get(1)?;
        let mut r = Chunks {
            chunks: vec![d.get(2..)?],
            index: 0,
            pos: 0,
        };
        r.chars(cch, flags & 0x01 != 0)
    } else {
        let bytes = d.get(1..1 + cch).or_else(|| d.get(1..))?;
        Some(enc.decode_without_bom_handling(bytes).0.into_owned())
    }
}

/// Cell values of one XLS sheet substream, in record order.
fn xls_cells(
    sheet: &[u8],
    strings: &[String],
    styles: &Styles,
    biff8: bool,
    enc: &'static encoding_rs::Encoding,
    sink: &mut Sink,
) -> Result<Vec<(u32, u32, String)>, ExtractError> {
    let mut cells = Vec::new();
    let mut seen_bof = false;
    let mut depth = 0usize;
    let mut formula_at: Option<(u32, u32)> = None;
    let num = |d: &[u8], v: f64| {
        let style = usize::from(u16_at(d, 4).unwrap_or(0));
        if styles.is_date(style) {
            date(v, styles.is_1904)
        } else {
            number(v)
        }
    };
    for (typ, d) in (Records { stream: sheet }) {
        sink.tick()?;
        if depth > 0 {
            match typ {
                0x0809 => depth += 1,
                0x000A => depth -= 1,
                _ => {}
            }
            continue;
        }
        let pos = || Some((u32::from(u16_at(d, 0)?), u32::from(u16_at(d, 2)?)));
        let mut push = |at: Option<(u32, u32)>, text: Option<String>| {
            if let (Some((r, c)), Some(t)) = (at, text) {
                cells.push((r, c, t));
            }
        };
        match typ {
            0x0809 => {
                if seen_bof {
                    // An embedded chart or other substream.
                    depth += 1;
                } else {
                    seen_bof = true;
                }
            }
            0x000A => break,
            // LABELSST
            0x00FD => push(
                pos(),
                u32_at(d, 6).and_then(|i| strings.get(i as usize)).cloned(),
            ),
            // LABEL, RSTRING
            0x0204 | 0x00D6 => push(pos(), d.get(6..).and_then(|s| label(s, biff8, enc))),
            // NUMBER
            0x0203 => push(pos(), f64_at(d, 6).map(|v| num(d, v))),
            // RK
            0x027E => push(pos(), u32_at(d, 6).map(|v| num(d, rk(v)))),
            // MULRK: row, first column, (style, RK)*, last column.
            0x00BD => {
                if let (Some(row), Some(first)) = (u16_at(d, 0), u16_at(d, 2)) {
                    let body = d.get(4..d.len().saturating_sub(2)).unwrap_or(&[]);
                    for (i, item) in body.chunks_exact(6).enumerate() {
                        let style = usize::from(u16::from_le_bytes([item[0], item[1]]));
                        let v = rk(u32::from_le_bytes([item[2], item[3], item[4], item[5]]));
                        let text = if styles.is_date(style) {
                            date(v, styles.is_1904)
                        } else {
                            number(v)
                        };
                        cells.push((u32::from(row), u32::from(first) + i as u32, text));
                    }
                }
            }
            // BOOLERR
            0x0205 => {
                let text = match (d.get(6), d.get(7)) {
                    (Some(&v), Some(&0)) => Some(if v != 0 { "TRUE" } else { "FALSE" }.to_string()),
                    (Some(&e), Some(_)) => Some(error_text(e).to_string()),
                    _ => None,
                };
                push(pos(), text);
            }
            // FORMULA: its cached result.
            0x0006 => {
                formula_at = None;
                let Some(result) = d.get(6..14) else { continue };
                if result[6] == 0xFF && result[7] == 0xFF {
                    match result[0] {
                        0 => formula_at = pos(),
                        1 => push(
                            pos(),
                            Some(if result[2] != 0 { "TRUE" } else { "FALSE" }.into()),
                        ),
                        2 => push(pos(), Some(error_text(result[2]).into())),
                        _ => {}
                    }
                } else {
                    push(pos(), f64_at(d, 6).map(|v| num(d, v)));
                }
            }
            // STRING: the text result of the formula before it.
            0x0207 => {
                if let Some(at) = formula_at.take() {
                    push(Some(at), label(d, biff8, enc));
                }
            }
            _ => {}
        }
    }
    Ok(cells)
}

fn error_text(code: u8) -> &'static str {
    match code {
        0x00 => "#NULL!",
        0x07 => "#DIV/0!",
        0x0F => "#VALUE!",
        0x17 => "#REF!",
        0x1D => "#NAME?",
        0x24 => "#NUM!",
        0x2A => "#N/A",
        _ => "#ERR",
    }
}

pub(crate) fn xls(bytes: &[u8], sink: &mut Sink) -> Result<(), ExtractError> {
    let mut cf = cfb::CompoundFile::open(Cursor::new(bytes))
        .map_err(|e| ExtractError::malformed(format!("OLE2: {e}")))?;
    if cf.is_stream("/EncryptedPackage") {
        return Err(ExtractError::Encrypted);
    }
    let name = if cf.is_stream("/Workbook") {
        "/Workbook"
    } else if cf.is_stream("/Book") {
        "/Book"
    } else {
        return Err(ExtractError::malformed("no Workbook stream"));
    };
    let mut stream = Vec::new();
    cf.open_stream(name)
        .and_then(|s| s.take(bytes.len() as u64).read_to_end(&mut stream))
        .map_err(|e| ExtractError::malformed(format!("OLE2: {e}")))?;
    sink.check()?;

    // The workbook globals, up to their EOF.
    let records: Vec<(u16, &[u8])> = Records { stream: &stream }
        .take_while(|(t, _)| *t != 0x000A)
        .collect();
    let mut biff8 = true;
    let mut enc = encoding_rs::WINDOWS_1252;
    let mut strings = Vec::new();
    let mut formats: HashMap<u32, String> = HashMap::new();
    let mut xfs: Vec<u32> = Vec::new();
    let mut sheets: Vec<(usize, String, u8)> = Vec::new();
    let mut styles = Styles::default();
    let mut i = 0;
    while i < records.len() {
        let (typ, d) = records[i];
        i += 1;
        match typ {
            0x0809 => biff8 = u16_at(d, 0) == Some(0x0600),
            0x002F => return Err(ExtractError::Encrypted),
            0x0042 => {
                if let Some(cp) = u16_at(d, 0)
                    && cp != 1200
                {
                    enc = codepage_encoding(i64::from(cp));
                }
            }
            0x0022 => styles.is_1904 = u16_at(d, 0) == Some(1),
            0x041E => {
                if let Some(id) = u16_at(d, 0) {
                    let code = if biff8 {
                        d.get(2..).and_then(|s| label(s, true, enc))
                    } else {
                        d.get(2..).and_then(|s| short_label(s, false, enc))
                    };
                    if let Some(code) = code {
                        formats.insert(u32::from(id), code);
                    }
                }
            }
            0x00E0 => xfs.push(u32::from(u16_at(d, 2).unwrap_or(0))),
            0x0085 => {
                if let (Some(pos), Some(&kind)) = (u32_at(d, 0), d.get(5))
                    && let Some(name) = d.get(6..).and_then(|s| short_label(s, biff8, enc))
                {
                    sheets.push((pos as usize, name, kind));
                }
            }
            0x00FC => {
                let mut chunks = vec![d];
                while i < records.len() && records[i].0 == CONTINUE {
                    chunks.push(records[i].1);
                    i += 1;
                }
                strings = sst(chunks, sink)?;
            }
            _ => {}
        }
    }
    styles.date = xfs
        .iter()
        .map(|id| is_date_format(*id, formats.get(id).map(String::as_str)))
        .collect();

    for (pos, name, kind) in sheets {
        sink.check()?;
        if sink.full() {
            break;
        }
        // Worksheets (and dialog sheets) only: not charts or macros.
        if kind != 0 {
            continue;
        }
        let Some(substream) = stream.get(pos..) else {
            continue;
        };
        let mut cells = xls_cells(substream, &strings, &styles, biff8, enc, sink)?;
        cells.sort_by_key(|(r, c, _)| (*r, *c));
        sheet(sink, &name, |rows| {
            for (r, c, text) in &cells {
                rows.sink.tick()?;
                if rows.sink.full() {
                    break;
                }
                rows.cell(*r, *c, text);
            }
            Ok(())
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_as_general_format() {
        assert_eq!(number(42.0), "42");
        assert_eq!(number(-3.0), "-3");
        assert_eq!(number(0.1 + 0.2), "0.3");
        assert_eq!(number(1234.5678), "1234.5678");
        assert_eq!(number(1e20), "100000000000000000000");
    }

    #[test]
    fn dates_from_serials() {
        assert_eq!(date(42_576.0, false), "2016-07-25");
        assert_eq!(date(42_576.5, false), "2016-07-25 12:00:00");
        assert_eq!(date(1.0, false), "1900-01-01");
        assert_eq!(date(59.0, false), "1900-02-28");
        assert_eq!(date(60.0, false), "1900-02-29");
        assert_eq!(date(61.0, false), "1900-03-01");
        assert_eq!(date(0.75, false), "18:00:00");
        assert_eq!(date(0.0, true), "1904-01-01");
        assert_eq!(date(41_114.0, true), "2016-07-25");
        assert_eq!(date(-5.0, false), "-5");
    }

    #[test]
    fn date_formats() {
        assert!(is_date_format(14, None));
        assert!(is_date_format(164, Some("yyyy\\-mm\\-dd")));
        assert!(is_date_format(165, Some("[$-409]d-mmm-yy;@")));
        assert!(is_date_format(166, Some("[h]:mm:ss")));
        assert!(is_date_format(167, Some("hh:mm")));
        assert!(!is_date_format(0, Some("General")));
        assert!(!is_date_format(168, Some("#,##0.00 \"days\"")));
        assert!(!is_date_format(169, Some("[$€-407] #,##0.00")));
        assert!(!is_date_format(170, Some("0.00E+00")));
        assert!(!is_date_format(2, None));
    }

    #[test]
    fn rk_values() {
        // Integer 100, integer 100 / 100, float 1.5.
        assert_eq!(rk((100 << 2) | 0x02), 100.0);
        assert_eq!(rk((100 << 2) | 0x03), 1.0);
        assert_eq!(rk((1.5f64.to_bits() >> 32) as u32), 1.5);
    }

    #[test]
    fn shared_strings_split_across_continue_records() {
        // Two strings: "abc" (8-bit), then "héllo" split after "hé", its
        // rest continued as 16-bit.
        let mut sst_rec = Vec::new();
        sst_rec.extend_from_slice(&2u32.to_le_bytes());
        sst_rec.extend_from_slice(&2u32.to_le_bytes());
        sst_rec.extend_from_slice(&3u16.to_le_bytes());
        sst_rec.push(0);
        sst_rec.extend_from_slice(b"abc");
        sst_rec.extend_from_slice(&5u16.to_le_bytes());
        sst_rec.push(0);
        sst_rec.extend_from_slice(b"h\xe9");
        let mut cont = vec![1u8];
        for c in "llo".encode_utf16() {
            cont.extend_from_slice(&c.to_le_bytes());
        }
        let sink = Sink::new(&super::super::ExtractLimits::default());
        assert_eq!(sst(vec![&sst_rec, &cont], &sink).unwrap(), ["abc", "héllo"]);
    }

    #[test]
    fn columns_of_references() {
        assert_eq!(column("A1"), Some(0));
        assert_eq!(column("AB12"), Some(27));
        assert_eq!(column("XFD1048576"), Some(16_383));
        assert_eq!(column("12"), None);
    }
}
