//! A lenient, bounded walk over an XML part (quick-xml): start, end and
//! empty elements and decoded text (character and predefined entity
//! references resolved; no DTD entities are ever expanded), with the
//! deadline checked and the walk stopped once the output is full. Plus the
//! relationship parts (`_rels/*.rels`) of OOXML packages.

use std::borrow::Cow;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::ExtractError;
use super::sink::Sink;

pub(crate) enum Node<'e, 'x> {
    /// `<name ...>`
    Open(&'e BytesStart<'x>),
    /// `<name .../>`
    Leaf(&'e BytesStart<'x>),
    /// `</name>`: the qualified name.
    Close(&'e str),
    Text(Cow<'e, str>),
}

/// Walks `xml`, calling `on` for each node.
pub(crate) fn walk(
    xml: &[u8],
    sink: &mut Sink,
    mut on: impl FnMut(Node<'_, '_>, &mut Sink),
) -> Result<(), ExtractError> {
    let mut reader = Reader::from_reader(xml);
    let config = reader.config_mut();
    config.allow_dangling_amp = true;
    config.allow_unmatched_ends = true;
    config.check_end_names = false;
    loop {
        sink.tick()?;
        if sink.full() {
            return Ok(());
        }
        match reader.read_event() {
            Ok(Event::Start(e)) => on(Node::Open(&e), sink),
            Ok(Event::Empty(e)) => on(Node::Leaf(&e), sink),
            Ok(Event::End(e)) => on(Node::Close(&e), sink),
            Ok(Event::Text(t)) => on(Node::Text(t.xml10_content()), sink),
            Ok(Event::CData(t)) => on(Node::Text(t.xml10_content()), sink),
            Ok(Event::GeneralRef(r)) => {
                let text: Option<Cow<'_, str>> = match r.resolve_char_ref() {
                    Ok(Some(c)) => Some(Cow::Owned(c.to_string())),
                    Ok(None) => quick_xml::escape::resolve_predefined_entity(&r).map(Cow::Borrowed),
                    Err(_) => None,
                };
                if let Some(t) = text {
                    on(Node::Text(t), sink);
                }
            }
            Ok(Event::Eof) => return Ok(()),
            Ok(_) => {}
            Err(e) => {
                return Err(ExtractError::malformed(format!(
                    "XML error at byte {}: {e}",
                    reader.error_position()
                )));
            }
        }
    }
}

/// The unescaped value of attribute `name` (qualified, e.g. `r:id`).
pub(crate) fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.try_get_attribute(name).ok().flatten().and_then(|a| {
        a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .ok()
            .map(|v| v.into_owned())
    })
}

/// One `<Relationship>` of a `.rels` part.
pub(crate) struct Rel {
    pub(crate) id: String,
    pub(crate) kind: String,
    /// The target resolved against the part's folder (`ppt/slides/x.xml`).
    pub(crate) target: String,
}

/// The relationships of part `part` (e.g. `ppt/slides/slide1.xml`), from
/// `rels` (the bytes of `ppt/slides/_rels/slide1.xml.rels`).
pub(crate) fn rels(part: &str, rels: &[u8], sink: &mut Sink) -> Result<Vec<Rel>, ExtractError> {
    let base = part.rsplit_once('/').map(|(dir, _)| dir).unwrap_or("");
    let mut out = Vec::new();
    walk(rels, sink, |node, _| {
        if let Node::Open(e) | Node::Leaf(e) = node
            && e.local_name().as_ref() == "Relationship"
            && attr(e, "TargetMode").as_deref() != Some("External")
            && let (Some(id), Some(target)) = (attr(e, "Id"), attr(e, "Target"))
        {
            out.push(Rel {
                id,
                kind: attr(e, "Type").unwrap_or_default(),
                target: resolve(base, &target),
            });
        }
    })?;
    Ok(out)
}

/// `target` relative to folder `base` (`..` and absolute `/x` handled).
pub(crate) fn resolve(base: &str, target: &str) -> String {
    let mut parts: Vec<&str> = if target.starts_with('/') {
        Vec::new()
    } else {
        base.split('/').filter(|p| !p.is_empty()).collect()
    };
    for p in target.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

/// The part that holds the relationships of `part`.
pub(crate) fn rels_name(part: &str) -> String {
    match part.rsplit_once('/') {
        Some((dir, file)) => format!("{dir}/_rels/{file}.rels"),
        None => format!("_rels/{part}.rels"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::ExtractLimits;

    #[test]
    fn resolves_targets() {
        assert_eq!(
            resolve("ppt/slides", "../notesSlides/n1.xml"),
            "ppt/notesSlides/n1.xml"
        );
        assert_eq!(resolve("ppt", "slides/slide1.xml"), "ppt/slides/slide1.xml");
        assert_eq!(resolve("ppt/slides", "/ppt/media/x.png"), "ppt/media/x.png");
        assert_eq!(
            rels_name("ppt/slides/slide1.xml"),
            "ppt/slides/_rels/slide1.xml.rels"
        );
    }

    #[test]
    fn text_with_references() {
        let mut sink = Sink::new(&ExtractLimits::default());
        let mut out = String::new();
        walk(
            b"<a>x &amp; y &#233;&#x4e2d; &bogus; <![CDATA[<z>]]></a>",
            &mut sink,
            |n, _| {
                if let Node::Text(t) = n {
                    out.push_str(&t);
                }
            },
        )
        .unwrap();
        assert_eq!(out, "x & y é中  <z>");
    }

    #[test]
    fn billion_laughs_is_not_expanded() {
        let xml = br#"<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><l>&b;</l>"#;
        let mut sink = Sink::new(&ExtractLimits::default());
        let mut n = 0;
        walk(xml, &mut sink, |node, _| {
            if let Node::Text(t) = node {
                n += t.len();
            }
        })
        .unwrap();
        assert_eq!(n, 0);
    }
}
