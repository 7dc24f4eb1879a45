//! DOCX and PPTX (Office Open XML) to text, from their XML parts read
//! through the bounded [`Archive`].
//!
//! DOCX: the body (`word/document.xml`: paragraphs, tables as tabs and
//! lines), then headers and footers, footnotes and endnotes, comments, and
//! text deleted under tracked changes, each under a `===` heading. Field
//! instructions and the fallback copies of `mc:AlternateContent` are left
//! out. PPTX: the slides in presentation order (from
//! `ppt/presentation.xml`, else by the number in their file names), each
//! under `=== Slide N ===`, with its speaker notes.

use super::ExtractError;
use super::sink::Sink;
use super::xml::{self, Node};
use super::zipped::{Archive, numeric_order};

/// Text written from a WordprocessingML part into a sink, deleted text
/// collected aside.
struct Word {
    /// Inside `w:t` (visible text).
    in_text: usize,
    /// Inside `w:delText` (text deleted under tracked changes).
    in_deleted: usize,
    /// Inside a part skipped whole (`mc:Fallback`, properties).
    skip: usize,
    /// Depth of table cells: paragraph ends inside one are spaces.
    cell: usize,
    deleted: String,
}

impl Word {
    fn new() -> Word {
        Word {
            in_text: 0,
            in_deleted: 0,
            skip: 0,
            cell: 0,
            deleted: String::new(),
        }
    }

    fn node(&mut self, node: Node<'_, '_>, sink: &mut Sink) {
        match node {
            Node::Open(e) => {
                let name = e.name();
                let name = name.as_ref();
                if self.skip > 0
                    || matches!(
                        name,
                        "mc:Fallback" | "w:pPr" | "w:rPr" | "w:sectPr" | "w:instrText"
                    )
                {
                    self.skip += 1;
                    return;
                }
                match name {
                    "w:t" => self.in_text += 1,
                    "w:delText" => self.in_deleted += 1,
                    "w:tc" => self.cell += 1,
                    _ => {}
                }
            }
            Node::Close(name) => {
                if self.skip > 0 {
                    self.skip -= 1;
                    return;
                }
                match name {
                    "w:t" => self.in_text = self.in_text.saturating_sub(1),
                    "w:delText" => {
                        self.in_deleted = self.in_deleted.saturating_sub(1);
                    }
                    "w:p" => {
                        if self.cell > 0 {
                            sink.space();
                        } else {
                            sink.newline();
                        }
                        if !self.deleted.is_empty() && !self.deleted.ends_with('\n') {
                            self.deleted.push('\n');
                        }
                    }
                    "w:tc" => {
                        self.cell = self.cell.saturating_sub(1);
                        sink.tab();
                    }
                    "w:tr" => sink.line_end(),
                    _ => {}
                }
            }
            Node::Leaf(e) => {
                if self.skip > 0 {
                    return;
                }
                match e.name().as_ref() {
                    "w:tab" | "w:ptab" => sink.tab(),
                    "w:br" | "w:cr" => sink.newline(),
                    "w:noBreakHyphen" => sink.char('-'),
                    "w:p" => sink.newline(),
                    _ => {}
                }
            }
            Node::Text(t) => {
                if self.skip > 0 {
                    return;
                }
                if self.in_text > 0 {
                    sink.text(&t);
                } else if self.in_deleted > 0 && self.deleted.len() < 1 << 20 {
                    self.deleted.push_str(&t);
                }
            }
        }
    }
}

/// Walks one WordprocessingML part into `sink`; returns its deleted text.
fn word_part(bytes: &[u8], sink: &mut Sink) -> Result<String, ExtractError> {
    let mut w = Word::new();
    xml::walk(bytes, sink, |node, sink| w.node(node, sink))?;
    Ok(w.deleted)
}

/// The main document part: the target of the officeDocument relationship,
/// else `word/document.xml`.
fn main_part(
    archive: &mut Archive<'_>,
    sink: &mut Sink,
    fallback: &str,
) -> Result<String, ExtractError> {
    if let Some(rels) = archive.read("_rels/.rels", sink)? {
        for rel in xml::rels("", &rels, sink)? {
            if rel.kind.ends_with("/officeDocument") && archive.has(&rel.target) {
                return Ok(rel.target);
            }
        }
    }
    Ok(fallback.to_string())
}

pub(crate) fn docx(bytes: &[u8], sink: &mut Sink) -> Result<(), ExtractError> {
    let mut archive = Archive::open(bytes, sink.limits())?;
    let main = main_part(&mut archive, sink, "word/document.xml")?;
    let Some(body) = archive.read(&main, sink)? else {
        return Err(ExtractError::malformed("no word/document.xml"));
    };
    let mut deleted = word_part(&body, sink)?;
    drop(body);

    let names = archive.names();
    let group = |prefix: &str| {
        let mut v: Vec<String> = names
            .iter()
            .filter(|n| {
                n.starts_with(prefix) && n.ends_with(".xml") && !n[prefix.len()..].contains('/')
            })
            .cloned()
            .collect();
        numeric_order(&mut v);
        v
    };
    let mut headers = group("word/header");
    headers.extend(group("word/footer"));
    let sections: [(&str, Vec<String>); 3] = [
        ("headers and footers", headers),
        (
            "notes",
            ["word/footnotes.xml", "word/endnotes.xml"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
        ),
        ("comments", vec!["word/comments.xml".to_string()]),
    ];
    for (title, parts) in sections {
        let mark = sink.mark();
        sink.heading(title);
        let before = sink.mark();
        for part in parts {
            if sink.full() {
                return Ok(());
            }
            if let Some(xml) = archive.read(&part, sink)? {
                deleted.push_str(&word_part(&xml, sink)?);
                sink.newline();
            }
        }
        if sink.mark() == before {
            sink.rewind(mark);
        }
    }
    if !deleted.trim().is_empty() {
        sink.heading("deleted text (tracked changes)");
        sink.text(&deleted);
    }
    Ok(())
}

/// DrawingML text (`a:t`) of a slide or notes part.
fn slide_part(bytes: &[u8], sink: &mut Sink) -> Result<(), ExtractError> {
    let mut in_text = 0usize;
    let mut skip = 0usize;
    xml::walk(bytes, sink, |node, sink| match node {
        Node::Open(e) => {
            let name = e.name();
            let name = name.as_ref();
            if skip > 0
                || name == "mc:Fallback"
                || (name == "a:fld" && xml::attr(e, "type").as_deref() == Some("slidenum"))
            {
                skip += 1;
            } else if name == "a:t" {
                in_text += 1;
            }
        }
        Node::Close(name) => {
            if skip > 0 {
                skip -= 1;
                return;
            }
            match name {
                "a:t" => in_text = in_text.saturating_sub(1),
                "a:p" | "a:tr" => sink.line_end(),
                "a:tc" => sink.tab(),
                _ => {}
            }
        }
        Node::Leaf(e) => {
            if skip == 0 && e.name().as_ref() == "a:br" {
                sink.newline();
            }
        }
        Node::Text(t) => {
            if skip == 0 && in_text > 0 {
                sink.text(&t);
            }
        }
    })
}

/// The slide parts in presentation order.
fn slide_order(archive: &mut Archive<'_>, sink: &mut Sink) -> Result<Vec<String>, ExtractError> {
    let pres = "ppt/presentation.xml";
    let mut ids = Vec::new();
    if let Some(xml) = archive.read(pres, sink)? {
        xml::walk(&xml, sink, |node, _| {
            if let Node::Open(e) | Node::Leaf(e) = node
                && e.name().as_ref() == "p:sldId"
                && let Some(id) = xml::attr(e, "r:id")
            {
                ids.push(id);
            }
        })?;
    }
    let rels = match archive.read(&xml::rels_name(pres), sink)? {
        Some(r) => xml::rels(pres, &r, sink)?,
        None => Vec::new(),
    };
    let mut order: Vec<String> = ids
        .iter()
        .filter_map(|id| rels.iter().find(|r| &r.id == id))
        .map(|r| r.target.clone())
        .filter(|t| archive.has(t))
        .collect();
    order.dedup();
    if order.is_empty() {
        order = archive
            .names()
            .into_iter()
            .filter(|n| n.starts_with("ppt/slides/slide") && n.ends_with(".xml"))
            .collect();
        numeric_order(&mut order);
    }
    Ok(order)
}

pub(crate) fn pptx(bytes: &[u8], sink: &mut Sink) -> Result<(), ExtractError> {
    let mut archive = Archive::open(bytes, sink.limits())?;
    let slides = slide_order(&mut archive, sink)?;
    if slides.is_empty() && !archive.has("ppt/presentation.xml") {
        return Err(ExtractError::malformed("no ppt/presentation.xml"));
    }
    for (i, slide) in slides.iter().enumerate() {
        if sink.full() {
            break;
        }
        sink.check()?;
        sink.heading(&format!("Slide {}", i + 1));
        if let Some(xml) = archive.read(slide, sink)? {
            slide_part(&xml, sink)?;
        }
        let notes = match archive.read(&xml::rels_name(slide), sink)? {
            Some(r) => xml::rels(slide, &r, sink)?
                .into_iter()
                .find(|r| r.kind.ends_with("/notesSlide"))
                .map(|r| r.target),
            None => None,
        };
        if let Some(notes) = notes
            && let Some(xml) = archive.read(&notes, sink)?
        {
            let mark = sink.mark();
            sink.line_end();
            sink.text("Notes:");
            sink.newline();
            let before = sink.mark();
            slide_part(&xml, sink)?;
            if sink.mark() == before {
                sink.rewind(mark);
            }
        }
    }
    Ok(())
}
