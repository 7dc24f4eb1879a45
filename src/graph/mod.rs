//! The communication graph of a set of messages: people as nodes (weight:
//! the messages they are in), directed edges from a message's sender to
//! each of its `To` and `Cc` recipients (weight: how many messages), kept
//! to the top N people by weight and the edges among them; written as
//! GEXF 1.3 (opens in Gephi) or a CSV edge list, atomically.
//!
//! Built from a [`Census`] (see [`crate::people`] for the counting rules);
//! `Bcc` recipients are people but not edges (only the sender's copy
//! shows them). [`layout`] places the nodes for drawing (force-directed,
//! deterministic).

use std::io::{self, Write};
use std::path::Path;

use crate::error::{Error, Result};
use crate::people::{Census, csv_line};

pub mod layout;
pub use layout::{LayoutOptions, bounds, layout};

/// How many people a graph keeps unless told otherwise.
pub const DEFAULT_TOP: usize = 150;

/// A person in the graph.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    /// The address, lower-cased (the node's id).
    pub address: String,
    /// Every address of the person (`address` first; more when addresses
    /// were merged into one person).
    pub addresses: Vec<String>,
    /// The most used display name, if any.
    pub name: Option<String>,
    /// Messages the person is in.
    pub messages: u64,
}

impl Node {
    /// `Name <address>`, or the address alone.
    pub fn label(&self) -> String {
        match &self.name {
            Some(n) => format!("{n} <{}>", self.address),
            None => self.address.clone(),
        }
    }
}

/// Messages from one node to another.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Edge {
    /// The sender: an index into [`Graph::nodes`].
    pub source: usize,
    /// The recipient (`To` or `Cc`): an index into [`Graph::nodes`].
    pub target: usize,
    /// How many messages went from `source` to `target`.
    pub messages: u64,
}

/// The graph of the top people and the messages among them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Graph {
    /// The people kept, most messages first (ties by address).
    pub nodes: Vec<Node>,
    /// The edges among them, by source then target.
    pub edges: Vec<Edge>,
    /// How many people the messages had before the top N were kept.
    pub people: usize,
}

/// The file formats a graph is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GraphFormat {
    /// GEXF 1.3, Gephi's format.
    Gexf,
    /// A CSV edge list: source, target, weight.
    Csv,
}

impl std::str::FromStr for GraphFormat {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<GraphFormat, String> {
        match s {
            "gexf" => Ok(GraphFormat::Gexf),
            "csv" => Ok(GraphFormat::Csv),
            other => Err(format!("unknown graph format {other:?}: use gexf or csv")),
        }
    }
}

/// The graph of the `top` people with most messages in `census` and the
/// `To`/`Cc` edges among them.
pub fn graph(census: &Census, top: usize) -> Graph {
    let mut ids: Vec<u32> = (0..census.len() as u32).collect();
    ids.sort_by(|&a, &b| {
        census
            .weight(b)
            .cmp(&census.weight(a))
            .then_with(|| census.address(a).cmp(census.address(b)))
    });
    ids.truncate(top);
    let mut at: Vec<Option<usize>> = vec![None; census.len()];
    let nodes: Vec<Node> = ids
        .iter()
        .enumerate()
        .map(|(i, &id)| {
            at[id as usize] = Some(i);
            let p = census.person(id);
            Node {
                name: p.best_name().map(str::to_string),
                addresses: p.addresses.clone(),
                address: p.address,
                messages: p.messages,
            }
        })
        .collect();
    let mut edges: Vec<Edge> = census
        .pairs
        .iter()
        .filter(|(_, c)| c.to_cc > 0)
        .filter_map(|(&(s, r), c)| {
            Some(Edge {
                source: at[s as usize]?,
                target: at[r as usize]?,
                messages: c.to_cc,
            })
        })
        .collect();
    edges.sort_by_key(|e| (e.source, e.target));
    Graph {
        nodes,
        edges,
        people: census.len(),
    }
}

/// Text safe in an XML attribute: characters XML 1.0 forbids dropped,
/// markup escaped.
fn xml_attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// Writes `g` as GEXF 1.3: nodes with the label `Name <address>` and the
/// attributes `address` and `messages` (and a size by messages), directed
/// edges with their weight.
pub fn write_gexf(g: &Graph, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<gexf xmlns="http://gexf.net/1.3" xmlns:viz="http://gexf.net/1.3/viz" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://gexf.net/1.3 http://gexf.net/1.3/gexf.xsd" version="1.3">"#
    )?;
    writeln!(out, "  <meta>")?;
    writeln!(out, "    <creator>mailsift</creator>")?;
    writeln!(
        out,
        "    <description>Who wrote to whom: {} of {} people; edges from a sender to each To and Cc recipient, weighted by messages</description>",
        g.nodes.len(),
        g.people
    )?;
    writeln!(out, "  </meta>")?;
    writeln!(out, r#"  <graph defaultedgetype="directed" mode="static">"#)?;
    writeln!(out, r#"    <attributes class="node">"#)?;
    writeln!(
        out,
        r#"      <attribute id="address" title="address" type="string"/>"#
    )?;
    writeln!(
        out,
        r#"      <attribute id="messages" title="messages" type="integer"/>"#
    )?;
    writeln!(out, "    </attributes>")?;
    writeln!(out, "    <nodes>")?;
    let max = g.nodes.iter().map(|n| n.messages).max().unwrap_or(1).max(1) as f64;
    for (i, n) in g.nodes.iter().enumerate() {
        writeln!(
            out,
            r#"      <node id="n{i}" label="{}">"#,
            xml_attr(&n.label())
        )?;
        writeln!(out, "        <attvalues>")?;
        writeln!(
            out,
            r#"          <attvalue for="address" value="{}"/>"#,
            xml_attr(&n.address)
        )?;
        writeln!(
            out,
            r#"          <attvalue for="messages" value="{}"/>"#,
            n.messages
        )?;
        writeln!(out, "        </attvalues>")?;
        // size 5 to 50, by the square root of the messages (area ~ count)
        let size = 5.0 + 45.0 * (n.messages as f64 / max).sqrt();
        writeln!(out, r#"        <viz:size value="{size:.1}"/>"#)?;
        writeln!(out, "      </node>")?;
    }
    writeln!(out, "    </nodes>")?;
    writeln!(out, "    <edges>")?;
    for (i, e) in g.edges.iter().enumerate() {
        writeln!(
            out,
            r#"      <edge id="e{i}" source="n{}" target="n{}" weight="{}"/>"#,
            e.source, e.target, e.messages
        )?;
    }
    writeln!(out, "    </edges>")?;
    writeln!(out, "  </graph>")?;
    writeln!(out, "</gexf>")
}

/// Writes `g` as a CSV edge list (CRLF lines): `source,target,weight`
/// with the addresses, every cell made safe for spreadsheets.
pub fn write_csv(g: &Graph, out: &mut dyn Write) -> io::Result<()> {
    out.write_all(b"source,target,weight\r\n")?;
    for e in &g.edges {
        let line = csv_line(&[
            g.nodes[e.source].address.as_str(),
            g.nodes[e.target].address.as_str(),
            &e.messages.to_string(),
        ]);
        out.write_all(line.as_bytes())?;
    }
    Ok(())
}

/// Writes `g` to `dest` in `format`, under a temporary name renamed into
/// place once complete (an error leaves no partial file).
pub fn write(g: &Graph, format: GraphFormat, dest: &Path) -> Result<()> {
    crate::export::write_file_atomically(dest, |out| {
        match format {
            GraphFormat::Gexf => write_gexf(g, out),
            GraphFormat::Csv => write_csv(g, out),
        }
        .map_err(|e| Error::io(dest, "writing the graph", e))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Address;
    use crate::store::Addressing;

    fn a(addr: &str) -> Address {
        Address {
            name: None,
            addr: addr.to_string(),
        }
    }

    fn census() -> Census {
        let mut c = Census::default();
        let mut add = |from: &str, to: &[&str], cc: &[&str], bcc: &[&str]| {
            c.add(&Addressing {
                rowid: 0,
                date: None,
                from: vec![a(from)],
                to: to.iter().map(|x| a(x)).collect(),
                cc: cc.iter().map(|x| a(x)).collect(),
                bcc: bcc.iter().map(|x| a(x)).collect(),
            })
        };
        add("a@x.org", &["b@x.org"], &["c@x.org"], &["d@x.org"]);
        add("a@x.org", &["b@x.org", "a@x.org"], &[], &[]);
        add("b@x.org", &["a@x.org"], &[], &[]);
        add("c@x.org", &["e@x.org"], &[], &[]);
        c
    }

    #[test]
    fn edges_from_sender_to_to_and_cc() {
        let g = graph(&census(), DEFAULT_TOP);
        assert_eq!(g.people, 5);
        let names: Vec<&str> = g.nodes.iter().map(|n| n.address.as_str()).collect();
        assert_eq!(
            names,
            ["a@x.org", "b@x.org", "c@x.org", "d@x.org", "e@x.org"]
        );
        let edges: Vec<(&str, &str, u64)> = g
            .edges
            .iter()
            .map(|e| (names[e.source], names[e.target], e.messages))
            .collect();
        // no self edge, no Bcc edge
        assert_eq!(
            edges,
            [
                ("a@x.org", "b@x.org", 2),
                ("a@x.org", "c@x.org", 1),
                ("b@x.org", "a@x.org", 1),
                ("c@x.org", "e@x.org", 1),
            ]
        );
    }

    #[test]
    fn top_keeps_edges_among_the_kept() {
        let g = graph(&census(), 2);
        assert_eq!(g.nodes.len(), 2);
        assert_eq!(g.edges.len(), 2);
        assert!(g.edges.iter().all(|e| e.source < 2 && e.target < 2));
    }

    #[test]
    fn xml_attributes_are_escaped() {
        assert_eq!(
            xml_attr("<\"A&B\"> \u{1}x\n"),
            "&lt;&quot;A&amp;B&quot;&gt; x&#10;"
        );
    }

    #[test]
    fn csv_edge_list() {
        let mut out = Vec::new();
        write_csv(&graph(&census(), DEFAULT_TOP), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("source,target,weight\r\na@x.org,b@x.org,2\r\n"));
        assert_eq!(text.lines().count(), 5);
    }
}
