//! XLSX and legacy XLS to text, through calamine: each sheet under a
//! `=== name ===` heading, one line per row, cells separated by tabs,
//! numbers as Excel's General format shows them (15 significant digits) and
//! date-formatted cells as dates.
//!
//! Guards, because calamine allocates what files claim:
//! - XLSX: every XML part is inflated once through the bounded [`Archive`]
//!   before calamine opens the workbook, and sheets are read with its
//!   streaming cell reader (never as a dense range: one cell at `A1` and one
//!   at `XFD1048576` would be 17 billion cells).
//! - XLS: calamine builds every sheet as a dense range over the bounding box
//!   of its cells, and reserves what the `DIMENSIONS` record claims; a few
//!   bytes can ask for terabytes, and failed allocations abort the process.
//!   So the workbook stream is read first (with the `cfb` crate) and its
//!   records walked as calamine walks them; a sheet whose area would take
//!   more than `max_unzipped_bytes` is refused ([`ExtractError::TooLarge`]).

use std::borrow::Cow;
use std::io::{Cursor, Read};

use calamine::{Data, DataRef, ExcelDateTime, Reader, Xls, XlsError, Xlsx, XlsxError};

use super::ExtractError;
use super::sink::Sink;
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

fn datetime(d: &ExcelDateTime) -> String {
    let v = d.as_f64();
    if d.is_duration() {
        let secs = (v * 86_400.0).round() as i64;
        let sign = if secs < 0 { "-" } else { "" };
        let s = secs.abs();
        return format!("{sign}{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
    }
    let (y, mo, day, h, mi, s, _) = d.to_ymd_hms_milli();
    let has_time = v.fract() != 0.0;
    if v.abs() < 1.0 && has_time {
        format!("{h:02}:{mi:02}:{s:02}")
    } else if has_time {
        format!("{y:04}-{mo:02}-{day:02} {h:02}:{mi:02}:{s:02}")
    } else {
        format!("{y:04}-{mo:02}-{day:02}")
    }
}

fn show_ref<'a>(v: &'a DataRef<'_>) -> Cow<'a, str> {
    match v {
        DataRef::Int(i) => Cow::Owned(i.to_string()),
        DataRef::Float(f) => Cow::Owned(number(*f)),
        DataRef::String(s) => Cow::Borrowed(s),
        DataRef::SharedString(s) => Cow::Borrowed(s),
        DataRef::Bool(b) => Cow::Borrowed(if *b { "TRUE" } else { "FALSE" }),
        DataRef::DateTime(d) => Cow::Owned(datetime(d)),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => Cow::Borrowed(s),
        DataRef::Error(e) => Cow::Owned(e.to_string()),
        DataRef::Empty => Cow::Borrowed(""),
    }
}

fn show(v: &Data) -> Cow<'_, str> {
    match v {
        Data::Int(i) => Cow::Owned(i.to_string()),
        Data::Float(f) => Cow::Owned(number(*f)),
        Data::String(s) => Cow::Borrowed(s),
        Data::Bool(b) => Cow::Borrowed(if *b { "TRUE" } else { "FALSE" }),
        Data::DateTime(d) => Cow::Owned(datetime(d)),
        Data::DateTimeIso(s) | Data::DurationIso(s) => Cow::Borrowed(s),
        Data::Error(e) => Cow::Owned(e.to_string()),
        Data::Empty => Cow::Borrowed(""),
    }
}

/// Writes cell text: a cell's own line breaks and tabs become spaces.
fn cell_text(sink: &mut Sink, s: &str) {
    if s.contains(['\n', '\t', '\r']) {
        sink.text(&s.replace(['\n', '\t', '\r'], " "));
    } else {
        sink.text(s);
    }
}

fn xlsx_error(e: XlsxError) -> ExtractError {
    match e {
        XlsxError::Password => ExtractError::Encrypted,
        e => ExtractError::malformed(format!("xlsx: {e}")),
    }
}

/// Parts calamine may read: all but media and embedded binaries.
fn xlsx_part(name: &str) -> bool {
    name.ends_with(".xml") || name.ends_with(".rels")
}

pub(crate) fn xlsx(bytes: &[u8], sink: &mut Sink) -> Result<(), ExtractError> {
    let mut archive = Archive::open(bytes, sink.limits())?;
    if !archive.has("xl/workbook.xml") {
        return Err(ExtractError::malformed("no xl/workbook.xml"));
    }
    archive.verify(xlsx_part, sink)?;
    drop(archive);
    sink.check()?;
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(xlsx_error)?;
    for name in book.sheet_names() {
        sink.check()?;
        if sink.full() {
            break;
        }
        let mark = sink.mark();
        sink.heading(&name);
        let before = sink.mark();
        let mut cells = match book.worksheet_cells_reader(&name) {
            Ok(c) => c,
            // Chart sheets and dangling sheet entries have no cells.
            Err(XlsxError::WorksheetNotFound(_)) => {
                sink.rewind(mark);
                continue;
            }
            Err(e) => return Err(xlsx_error(e)),
        };
        let mut row: Option<u32> = None;
        let mut col = 0u32;
        while let Some(cell) = cells.next_cell().map_err(xlsx_error)? {
            sink.tick()?;
            if sink.full() {
                break;
            }
            let (r, c) = cell.get_position();
            let text = show_ref(cell.get_value());
            if text.trim().is_empty() {
                continue;
            }
            if row != Some(r) {
                if row.is_some() {
                    sink.line_end();
                }
                row = Some(r);
                col = 0;
            }
            for _ in 0..c.saturating_sub(col).min(MAX_GAP_TABS) {
                sink.tab();
            }
            col = c;
            cell_text(sink, &text);
        }
        sink.line_end();
        if sink.mark() == before {
            sink.rewind(mark);
        }
    }
    Ok(())
}

/// Records of a BIFF stream as calamine's reader cuts them (`CONTINUE`
/// records appear as records of their own here; they hold no cells).
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

fn u16_at(d: &[u8], at: usize) -> Option<u32> {
    d.get(at..at + 2)
        .map(|b| u32::from(u16::from_le_bytes([b[0], b[1]])))
}

fn u32_at(d: &[u8], at: usize) -> Option<u32> {
    d.get(at..at + 4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// The number of cells calamine would reserve for a `DIMENSIONS` record
/// (its arithmetic, wrapping as in a release build).
fn dimension_cells(d: &[u8]) -> u64 {
    let (rf, rl, mut cf, cl) = match d.len() {
        10 => (
            u16_at(d, 0).unwrap_or(0),
            u16_at(d, 2).unwrap_or(0),
            u16_at(d, 4).unwrap_or(0),
            u16_at(d, 6).unwrap_or(0),
        ),
        14 | 16 => (
            u32_at(d, 0).unwrap_or(0),
            u32_at(d, 4).unwrap_or(0),
            u16_at(d, 8).unwrap_or(0),
            u16_at(d, 10).unwrap_or(0),
        ),
        _ => return 0,
    };
    if 0xFF < cf || cl < cf {
        cf = 0;
    }
    let (start, end) = if rl >= 1 && cl >= 1 {
        ((rf, cf), (rl - 1, cl - 1))
    } else {
        ((rf, cf), (rf, cf))
    };
    let rows = u64::from(end.0.wrapping_sub(start.0).wrapping_add(1));
    let cols = u64::from(end.1.wrapping_sub(start.1).wrapping_add(1));
    rows.saturating_mul(cols)
}

/// Bounding box of cell positions.
#[derive(Default)]
struct Area {
    rows: Option<(u32, u32)>,
    cols: Option<(u32, u32)>,
}

impl Area {
    fn add(&mut self, row: u32, col: u32) {
        let grow = |r: &mut Option<(u32, u32)>, v: u32| {
            *r = Some(match *r {
                Some((lo, hi)) => (lo.min(v), hi.max(v)),
                None => (v, v),
            })
        };
        grow(&mut self.rows, row);
        grow(&mut self.cols, col);
    }

    fn cells(&self) -> u64 {
        match (self.rows, self.cols) {
            (Some((r0, r1)), Some((c0, c1))) => u64::from(r1 - r0 + 1) * u64::from(c1 - c0 + 1),
            _ => 0,
        }
    }
}

/// Refuses workbooks whose sheets calamine would allocate past `limit`
/// bytes; see the module doc.
fn xls_guard(bytes: &[u8], limit: u64, sink: &Sink) -> Result<(), ExtractError> {
    let mut cf = cfb::CompoundFile::open(Cursor::new(bytes))
        .map_err(|e| ExtractError::malformed(format!("OLE2: {e}")))?;
    if cf.exists("/EncryptedPackage") {
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
    let too_large = |cells: u64, per_cell: u64| {
        let size = cells.saturating_mul(per_cell);
        if size > limit {
            Err(ExtractError::TooLarge { size, limit })
        } else {
            Ok(())
        }
    };
    let mut sheets = Vec::new();
    for (typ, data) in (Records { stream: &stream }) {
        match typ {
            0x0085 => sheets.extend(u32_at(data, 0)),
            0x000A => break,
            _ => {}
        }
    }
    let data_cell = std::mem::size_of::<Data>() as u64;
    let cell = std::mem::size_of::<calamine::Cell<Data>>() as u64;
    let formula = std::mem::size_of::<String>() as u64;
    for pos in sheets {
        sink.check()?;
        let Some(sheet) = stream.get(pos as usize..) else {
            continue;
        };
        let mut area = Area::default();
        let mut seen_bof = false;
        let mut depth = 0usize;
        for (typ, d) in (Records { stream: sheet }) {
            if depth > 0 {
                match typ {
                    0x0809 => depth += 1,
                    0x000A => depth -= 1,
                    _ => {}
                }
                continue;
            }
            match typ {
                0x0809 => {
                    if seen_bof {
                        depth += 1;
                    } else {
                        seen_bof = true;
                    }
                }
                0x0200 => too_large(dimension_cells(d), cell)?,
                0x0203 | 0x0204 | 0x00D6 | 0x0205 | 0x027E | 0x00FD | 0x0006 | 0x0201 => {
                    if let (Some(r), Some(c)) = (u16_at(d, 0), u16_at(d, 2)) {
                        area.add(r, c);
                    }
                }
                0x00BD | 0x00BE => {
                    if let (Some(r), Some(c0)) = (u16_at(d, 0), u16_at(d, 2)) {
                        area.add(r, c0);
                        let n = (d.len().saturating_sub(6) / 6) as u32;
                        area.add(r, c0 + n.saturating_sub(1));
                        if let Some(last) = d.len().checked_sub(2).and_then(|at| u16_at(d, at)) {
                            area.add(r, last);
                        }
                    }
                }
                0x000A => break,
                _ => {}
            }
        }
        too_large(area.cells(), data_cell + formula)?;
    }
    Ok(())
}

fn xls_error(e: XlsError) -> ExtractError {
    match e {
        XlsError::Password => ExtractError::Encrypted,
        e => ExtractError::malformed(format!("xls: {e}")),
    }
}

pub(crate) fn xls(bytes: &[u8], sink: &mut Sink) -> Result<(), ExtractError> {
    xls_guard(bytes, sink.limits().max_unzipped_bytes, sink)?;
    sink.check()?;
    let mut book: Xls<_> = Xls::new(Cursor::new(bytes)).map_err(xls_error)?;
    for name in book.sheet_names() {
        sink.check()?;
        if sink.full() {
            break;
        }
        let range = match book.worksheet_range(&name) {
            Ok(r) => r,
            Err(XlsError::WorksheetNotFound(_)) => continue,
            Err(e) => return Err(xls_error(e)),
        };
        let mark = sink.mark();
        sink.heading(&name);
        let before = sink.mark();
        for row in range.rows() {
            sink.tick()?;
            if sink.full() {
                break;
            }
            let mut gap = 0u32;
            let mut first = true;
            for v in row {
                let text = show(v);
                if text.trim().is_empty() {
                    gap += 1;
                    continue;
                }
                let tabs = if first { gap } else { gap + 1 };
                for _ in 0..tabs.min(MAX_GAP_TABS) {
                    sink.tab();
                }
                first = false;
                gap = 0;
                cell_text(sink, &text);
            }
            sink.line_end();
        }
        if sink.mark() == before {
            sink.rewind(mark);
        }
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
    fn dimensions_arithmetic() {
        // BIFF8: rows 0..65536, columns 0..256.
        let mut d = Vec::new();
        d.extend_from_slice(&0u32.to_le_bytes());
        d.extend_from_slice(&65_536u32.to_le_bytes());
        d.extend_from_slice(&0u16.to_le_bytes());
        d.extend_from_slice(&256u16.to_le_bytes());
        d.extend_from_slice(&0u16.to_le_bytes());
        assert_eq!(dimension_cells(&d), 65_536 * 256);
        // First row after the last: wraps to ~4 billion rows.
        let mut d = Vec::new();
        d.extend_from_slice(&10u32.to_le_bytes());
        d.extend_from_slice(&5u32.to_le_bytes());
        d.extend_from_slice(&0u16.to_le_bytes());
        d.extend_from_slice(&1u16.to_le_bytes());
        d.extend_from_slice(&0u16.to_le_bytes());
        assert!(dimension_cells(&d) > 1 << 31);
    }
}
