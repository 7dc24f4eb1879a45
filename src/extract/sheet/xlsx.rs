//! XLSX: shared strings, styles (which number formats are dates), the
//! workbook's sheet list and each sheet part, read through the bounded
//! [`Archive`] and walked with quick-xml. Cells are kept only where they
//! exist.

use std::collections::HashMap;

use super::cells::{Rows, Styles, date, is_date_format, number, sheet};
use crate::extract::ExtractError;
use crate::extract::sink::Sink;
use crate::extract::xml::{self, Node};
use crate::extract::zipped::Archive;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_of_references() {
        assert_eq!(column("A1"), Some(0));
        assert_eq!(column("AB12"), Some(27));
        assert_eq!(column("XFD1048576"), Some(16_383));
        assert_eq!(column("12"), None);
    }
}
