//! XLS: the `Workbook` (or BIFF5 `Book`) stream of the OLE2 file (`cfb`
//! crate), its BIFF records walked: shared strings across `CONTINUE`
//! records, labels, numbers, RK values, formulas' cached results, booleans
//! and errors; BIFF5 8-bit strings in the workbook's code page; a
//! `FILEPASS` record is [`ExtractError::Encrypted`].

use std::collections::HashMap;
use std::io::{Cursor, Read};

use super::cells::{Styles, date, is_date_format, number, sheet};
use crate::extract::ExtractError;
use crate::extract::rtf::codepage_encoding;
use crate::extract::sink::Sink;

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
        let sink = Sink::new(&crate::extract::ExtractLimits::default());
        assert_eq!(sst(vec![&sst_rec, &cont], &sink).unwrap(), ["abc", "héllo"]);
    }
}
