//! ODT, ODS and ODP (OpenDocument) to text, from `content.xml` read through
//! the bounded [`Archive`].
//!
//! Text is taken from paragraphs and headings (`text:p`, `text:h`), which
//! is also where spreadsheets keep the displayed value of each cell (a cell
//! without one falls back to its `office:*value` attribute). Sheets
//! (`table:table` in a spreadsheet) and slides (`draw:page`) get a `===`
//! heading; table cells are separated by tabs, rows end lines; repeated
//! rows and cells are written once (empty repeated cells as at most a few
//! tabs). Speaker notes follow their slide after `Notes:`; text deleted
//! under tracked changes comes last under its own heading.

use super::sink::Sink;
use super::xml::{self, Node};
use super::zipped::Archive;
use super::{DocKind, ExtractError};

/// Empty repeated cells written as at most this many tabs.
const MAX_REPEATED_TABS: usize = 32;

struct Odf {
    kind: DocKind,
    /// Depth of `text:p` / `text:h`.
    in_para: usize,
    /// Depth of table cells; paragraph ends inside a cell are spaces.
    in_cell: usize,
    /// The current cell wrote text.
    cell_has_text: bool,
    /// Fallback value of the current cell (its `office:*value` attribute).
    cell_value: Option<String>,
    /// How often the current cell repeats (capped).
    cell_repeat: usize,
    /// Inside `text:tracked-changes`: deleted text goes aside.
    in_changes: usize,
    /// Inside an element whose text is not shown (`text:note-citation`
    /// duplicates, `office:annotation` metadata).
    skip: usize,
    slide: usize,
    deleted: String,
}

impl Odf {
    fn open(&mut self, e: &quick_xml::events::BytesStart<'_>, sink: &mut Sink, empty: bool) {
        let name = e.name();
        let name = name.as_ref();
        if self.skip > 0 {
            if !empty {
                self.skip += 1;
            }
            return;
        }
        match name {
            "text:tracked-changes" if !empty => self.in_changes += 1,
            "dc:creator"
            | "dc:date"
            | "meta:date-string"
            | "text:sequence-decls"
            | "office:forms"
                if !empty =>
            {
                self.skip += 1
            }
            "text:p" | "text:h" => {
                if empty {
                    if self.in_cell == 0 && self.in_changes == 0 {
                        sink.newline();
                    }
                } else {
                    self.in_para += 1;
                }
            }
            "text:s" if self.in_para > 0 => self.write(" ", sink),
            "text:tab" if self.in_para > 0 && self.in_changes == 0 => {
                if self.in_cell > 0 {
                    sink.space();
                } else {
                    sink.tab();
                }
            }
            "text:line-break" => {
                if self.in_changes > 0 {
                    self.deleted.push('\n');
                } else if self.in_cell > 0 {
                    sink.space();
                } else {
                    sink.newline();
                }
            }
            "table:table" if !empty => {
                if self.kind == DocKind::Ods && self.in_cell == 0 {
                    let name = xml::attr(e, "table:name").unwrap_or_default();
                    sink.heading(&name);
                } else {
                    sink.line_end();
                }
            }
            "table:table-cell" | "table:covered-table-cell" => {
                let repeat = xml::attr(e, "table:number-columns-repeated")
                    .and_then(|n| n.parse::<usize>().ok())
                    .unwrap_or(1)
                    .clamp(1, MAX_REPEATED_TABS);
                let value = || {
                    [
                        "office:value",
                        "office:date-value",
                        "office:time-value",
                        "office:boolean-value",
                        "office:string-value",
                    ]
                    .iter()
                    .find_map(|a| xml::attr(e, a))
                };
                if empty {
                    // No text: the value attribute, else `repeat` empty cells.
                    if let Some(v) = value() {
                        sink.text(&v);
                        sink.tab();
                    } else {
                        for _ in 0..repeat {
                            sink.tab();
                        }
                    }
                } else {
                    self.in_cell += 1;
                    self.cell_has_text = false;
                    self.cell_repeat = repeat;
                    self.cell_value = value();
                }
            }
            "draw:page" if !empty => {
                self.slide += 1;
                sink.heading(&format!("Slide {}", self.slide));
            }
            "presentation:notes" if !empty => {
                sink.line_end();
                sink.text("Notes:");
                sink.newline();
            }
            _ => {}
        }
    }

    fn close(&mut self, name: &str, sink: &mut Sink) {
        if self.skip > 0 {
            self.skip -= 1;
            return;
        }
        match name {
            "text:tracked-changes" => self.in_changes = self.in_changes.saturating_sub(1),
            "text:p" | "text:h" => {
                self.in_para = self.in_para.saturating_sub(1);
                if self.in_changes > 0 {
                    self.deleted.push('\n');
                } else if self.in_cell > 0 {
                    sink.space();
                } else {
                    sink.newline();
                }
            }
            "table:table-cell" | "table:covered-table-cell" if self.in_cell > 0 => {
                self.in_cell -= 1;
                if !self.cell_has_text
                    && let Some(v) = self.cell_value.take()
                {
                    sink.text(&v);
                    self.cell_has_text = true;
                }
                // A repeated cell with text is written once.
                let tabs = if self.cell_has_text {
                    1
                } else {
                    self.cell_repeat
                };
                for _ in 0..tabs {
                    sink.tab();
                }
                self.cell_value = None;
            }
            "table:table-row" | "table:table" => sink.line_end(),
            _ => {}
        }
    }

    fn write(&mut self, text: &str, sink: &mut Sink) {
        if self.in_changes > 0 {
            if self.deleted.len() < 1 << 20 {
                self.deleted.push_str(text);
            }
        } else {
            if self.in_cell > 0 && !text.trim().is_empty() {
                self.cell_has_text = true;
            }
            sink.text(text);
        }
    }

    fn node(&mut self, node: Node<'_, '_>, sink: &mut Sink) {
        match node {
            Node::Open(e) => self.open(e, sink, false),
            Node::Leaf(e) => self.open(e, sink, true),
            Node::Close(name) => self.close(name, sink),
            Node::Text(t) => {
                if self.skip == 0 && self.in_para > 0 {
                    self.write(&t, sink);
                }
            }
        }
    }
}

pub(crate) fn extract(bytes: &[u8], kind: DocKind, sink: &mut Sink) -> Result<(), ExtractError> {
    let mut archive = Archive::open(bytes, sink.limits())?;
    if archive.has("META-INF/manifest.xml")
        && let Some(m) = archive.read("META-INF/manifest.xml", sink)?
        && memchr::memmem::find(&m, b"manifest:encryption-data").is_some()
    {
        return Err(ExtractError::Encrypted);
    }
    let Some(content) = archive.read("content.xml", sink)? else {
        return Err(ExtractError::malformed("no content.xml"));
    };
    let mut odf = Odf {
        kind,
        in_para: 0,
        in_cell: 0,
        cell_has_text: false,
        cell_value: None,
        cell_repeat: 1,
        in_changes: 0,
        skip: 0,
        slide: 0,
        deleted: String::new(),
    };
    xml::walk(&content, sink, |node, sink| odf.node(node, sink))?;
    if !odf.deleted.trim().is_empty() {
        sink.heading("deleted text (tracked changes)");
        sink.text(&odf.deleted);
    }
    Ok(())
}
