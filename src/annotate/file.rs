//! The annotations file: JSON lines, one object a line, keyed by message
//! id, so that a colleague holding the same messages (in the same dump or
//! another) can merge them into a case of their own.
//!
//! ```text
//! {"mailsift_annotations":1,"exported":"2026-12-07T12:14:18.123Z"}
//! {"id":"<64 hex>","tags":[{"tag":"Urgent","added":true,"time":"…","author":"ann"}],
//!  "star":{"starred":true,"time":"…","author":"ann"},
//!  "notes":[{"author":"ann","time":"…","text":"call him"}]}        (one line)
//! {"tag":"Urgent","colour":"#e01b24","time":"…"}
//! {"saved":"donors","query":"from:@dnc.org donor","time":"…","deleted":false}
//! {"identity":"jpodesta@x.org","person":"john.podesta@y.org","name":null,"time":"…","author":"ann"}
//! {"suggestion":["a@x.org","b@y.org"],"dismissed":true,"time":"…","author":"ann"}
//! ```
//!
//! A line is a message when it has `id`, a saved search when it has
//! `saved`, an identity decision (which person an address belongs to, see
//! [`super::identity`]) when it has `identity` (files written before
//! identities have none, and read as before), a dismissed merge
//! suggestion (or one shown again) when it has `suggestion`, a tag's
//! colour when it has
//! `tag`, the header when it has
//! `mailsift_annotations` (a version this mailsift reads: 1). Blank lines
//! are skipped; unknown keys are ignored. Times are RFC 3339 UTC with
//! milliseconds. [`read`] reads the whole file before anything is applied
//! and names the file and the line of the first mistake.

use std::io::{BufRead, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::identity::{DismissRecord, IdentityRecord, address_key, dismiss_key};
use super::{
    MessageRecord, Note, SavedSearch, StarChange, TagChange, TagDef, colour, now_ms, parse_time,
    tag_name, time_text,
};
use crate::error::{Error, Result};
use crate::model::Sha256;

/// The version of the format this mailsift writes and reads.
pub const VERSION: u64 = 1;

/// The contents of an annotations file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AnnotationFile {
    /// One record per message (a message may appear on several lines when
    /// read; they are merged like any other records).
    pub messages: Vec<MessageRecord>,
    /// Tag colours.
    pub tags: Vec<TagDef>,
    /// Saved searches, removals included.
    pub saved: Vec<SavedSearch>,
    /// Identity decisions: which person each address belongs to.
    pub identities: Vec<IdentityRecord>,
    /// Merge suggestions dismissed (or shown again).
    pub dismissals: Vec<DismissRecord>,
}

#[derive(Serialize, Deserialize)]
struct DismissJson {
    suggestion: Vec<String>,
    dismissed: bool,
    time: String,
    author: String,
}

#[derive(Serialize, Deserialize)]
struct IdentityJson {
    identity: String,
    person: String,
    #[serde(default)]
    name: Option<String>,
    time: String,
    author: String,
}

#[derive(Serialize, Deserialize)]
struct TagJson {
    tag: String,
    added: bool,
    time: String,
    author: String,
}

#[derive(Serialize, Deserialize)]
struct StarJson {
    starred: bool,
    time: String,
    author: String,
}

#[derive(Serialize, Deserialize)]
struct NoteJson {
    author: String,
    time: String,
    text: String,
}

#[derive(Serialize, Deserialize)]
struct MessageJson {
    id: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    tags: Vec<TagJson>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    star: Option<StarJson>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    notes: Vec<NoteJson>,
}

#[derive(Serialize, Deserialize)]
struct TagDefJson {
    tag: String,
    colour: String,
    time: String,
}

#[derive(Serialize, Deserialize)]
struct SavedJson {
    saved: String,
    query: String,
    time: String,
    #[serde(default)]
    deleted: bool,
}

/// Writes `file` as JSON lines (header first, then messages, tag colours
/// and saved searches).
pub fn write(out: &mut dyn Write, file: &AnnotationFile) -> std::io::Result<()> {
    let header =
        serde_json::json!({"mailsift_annotations": VERSION, "exported": time_text(now_ms())});
    writeln!(out, "{header}")?;
    for m in &file.messages {
        let line = MessageJson {
            id: m.key.to_hex(),
            tags: m
                .tags
                .iter()
                .map(|t| TagJson {
                    tag: t.tag.clone(),
                    added: t.added,
                    time: time_text(t.time_ms),
                    author: t.author.clone(),
                })
                .collect(),
            star: m.star.as_ref().map(|s| StarJson {
                starred: s.starred,
                time: time_text(s.time_ms),
                author: s.author.clone(),
            }),
            notes: m
                .notes
                .iter()
                .map(|n| NoteJson {
                    author: n.author.clone(),
                    time: time_text(n.time_ms),
                    text: n.text.clone(),
                })
                .collect(),
        };
        writeln!(out, "{}", serde_json::to_string(&line)?)?;
    }
    for t in &file.tags {
        let line = TagDefJson {
            tag: t.name.clone(),
            colour: t.colour.clone(),
            time: time_text(t.time_ms),
        };
        writeln!(out, "{}", serde_json::to_string(&line)?)?;
    }
    for s in &file.saved {
        let line = SavedJson {
            saved: s.name.clone(),
            query: s.query.clone(),
            time: time_text(s.time_ms),
            deleted: s.deleted,
        };
        writeln!(out, "{}", serde_json::to_string(&line)?)?;
    }
    for r in &file.identities {
        let line = IdentityJson {
            identity: r.address.clone(),
            person: r.person.clone(),
            name: r.name.clone(),
            time: time_text(r.time_ms),
            author: r.author.clone(),
        };
        writeln!(out, "{}", serde_json::to_string(&line)?)?;
    }
    for r in &file.dismissals {
        let line = DismissJson {
            suggestion: r.addresses.clone(),
            dismissed: r.dismissed,
            time: time_text(r.time_ms),
            author: r.author.clone(),
        };
        writeln!(out, "{}", serde_json::to_string(&line)?)?;
    }
    Ok(())
}

/// Reads an annotations file whole; the first line that cannot be read
/// is an [`Error::AnnotationLine`] naming `path` and its number.
pub fn read(path: &Path) -> Result<AnnotationFile> {
    let f = std::fs::File::open(path).map_err(|e| Error::io(path, "opening", e))?;
    parse(path, std::io::BufReader::new(f))
}

/// Reads annotations from `input`; `path` is the name errors give.
pub fn parse(path: &Path, input: impl BufRead) -> Result<AnnotationFile> {
    let mut out = AnnotationFile::default();
    for (i, line) in input.split(b'\n').enumerate() {
        let line_no = i as u64 + 1;
        let bad = |reason: String| Error::AnnotationLine {
            path: path.to_path_buf(),
            line: line_no,
            reason,
        };
        let bytes = line.map_err(|e| Error::io(path, "reading", e))?;
        let text = std::str::from_utf8(&bytes).map_err(|_| bad("not UTF-8 text".into()))?;
        if text.trim().is_empty() {
            continue;
        }
        parse_line(text, &mut out).map_err(bad)?;
    }
    Ok(out)
}

/// One line into `out`; the error is the reason, in words.
fn parse_line(text: &str, out: &mut AnnotationFile) -> std::result::Result<(), String> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let serde_json::Value::Object(map) = &value else {
        return Err("expected a JSON object".into());
    };
    let field = |e: serde_json::Error| e.to_string();
    if map.contains_key("id") {
        let m: MessageJson = serde_json::from_value(value).map_err(field)?;
        out.messages.push(message(m)?);
    } else if map.contains_key("saved") {
        let s: SavedJson = serde_json::from_value(value).map_err(field)?;
        if s.saved.trim().is_empty() {
            return Err("a saved search needs a name".into());
        }
        out.saved.push(SavedSearch {
            name: s.saved.trim().to_string(),
            query: s.query,
            time_ms: time(&s.time)?,
            deleted: s.deleted,
        });
    } else if map.contains_key("identity") {
        let r: IdentityJson = serde_json::from_value(value).map_err(field)?;
        let key = |a: &str| address_key(a).ok_or_else(|| format!("{a:?} is not an e-mail address"));
        out.identities.push(IdentityRecord {
            address: key(&r.identity)?,
            person: key(&r.person)?,
            name: r
                .name
                .map(|n| n.split_whitespace().collect::<Vec<_>>().join(" "))
                .filter(|n| !n.is_empty()),
            time_ms: time(&r.time)?,
            author: super::author(&r.author),
        });
    } else if map.contains_key("suggestion") {
        let r: DismissJson = serde_json::from_value(value).map_err(field)?;
        out.dismissals.push(DismissRecord {
            addresses: dismiss_key(&r.suggestion).map_err(|e| e.to_string())?,
            dismissed: r.dismissed,
            time_ms: time(&r.time)?,
            author: super::author(&r.author),
        });
    } else if map.contains_key("tag") {
        let t: TagDefJson = serde_json::from_value(value).map_err(field)?;
        out.tags.push(TagDef {
            name: tag_name(&t.tag).map_err(|e| e.to_string())?,
            colour: colour(&t.colour).map_err(|e| e.to_string())?,
            time_ms: time(&t.time)?,
        });
    } else if let Some(v) = map.get("mailsift_annotations") {
        if v.as_u64() != Some(VERSION) {
            return Err(format!(
                "annotations format version {v} is not one this mailsift ({}) reads",
                env!("CARGO_PKG_VERSION")
            ));
        }
    } else {
        return Err(
            "expected a message (\"id\"), a tag (\"tag\"), a saved search (\"saved\"), an identity (\"identity\") or a suggestion (\"suggestion\")".into(),
        );
    }
    Ok(())
}

fn time(s: &str) -> std::result::Result<i64, String> {
    parse_time(s).ok_or_else(|| format!("bad time {s:?}: expected e.g. 2026-12-07T12:14:18.123Z"))
}

fn message(m: MessageJson) -> std::result::Result<MessageRecord, String> {
    let id = m.id.trim().to_ascii_lowercase();
    let key: Sha256 = id
        .parse()
        .ok()
        .filter(|_| id.len() == 64)
        .ok_or_else(|| format!("bad message id {:?}: expected 64 hex digits", m.id))?;
    let mut tags = Vec::with_capacity(m.tags.len());
    for t in m.tags {
        tags.push(TagChange {
            tag: tag_name(&t.tag).map_err(|e| e.to_string())?,
            added: t.added,
            time_ms: time(&t.time)?,
            author: super::author(&t.author),
        });
    }
    let star = match m.star {
        Some(s) => Some(StarChange {
            starred: s.starred,
            time_ms: time(&s.time)?,
            author: super::author(&s.author),
        }),
        None => None,
    };
    let mut notes = Vec::with_capacity(m.notes.len());
    for n in m.notes {
        notes.push(Note {
            author: super::author(&n.author),
            time_ms: time(&n.time)?,
            text: super::note_text(&n.text).map_err(|e| e.to_string())?,
        });
    }
    Ok(MessageRecord {
        key,
        tags,
        star,
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> AnnotationFile {
        AnnotationFile {
            messages: vec![MessageRecord {
                key: Sha256::of(b"m"),
                tags: vec![TagChange {
                    tag: "Urgent".into(),
                    added: false,
                    time_ms: 1_765_110_858_123,
                    author: "ann".into(),
                }],
                star: Some(StarChange {
                    starred: true,
                    time_ms: 5,
                    author: "bob".into(),
                }),
                notes: vec![Note {
                    author: "ann".into(),
                    time_ms: 7,
                    text: "line one\n\"two\"".into(),
                }],
            }],
            tags: vec![TagDef {
                name: "Urgent".into(),
                colour: "#e01b24".into(),
                time_ms: 9,
            }],
            saved: vec![SavedSearch {
                name: "donors".into(),
                query: "from:@dnc.org donor".into(),
                time_ms: 11,
                deleted: true,
            }],
            identities: vec![IdentityRecord {
                address: "jp@x.org".into(),
                person: "john@y.org".into(),
                name: Some("John \"JP\" P".into()),
                time_ms: 12,
                author: "ann".into(),
            }],
            dismissals: vec![DismissRecord {
                addresses: vec!["a@x.org".into(), "b@y.org".into()],
                dismissed: true,
                time_ms: 13,
                author: "bob".into(),
            }],
        }
    }

    #[test]
    fn written_files_read_back() {
        let mut buf = Vec::new();
        write(&mut buf, &sample()).unwrap();
        assert_eq!(String::from_utf8_lossy(&buf).lines().count(), 6);
        assert_eq!(parse(Path::new("a.jsonl"), &buf[..]).unwrap(), sample());
    }

    #[test]
    fn mistakes_name_the_file_and_line() {
        let id = Sha256::of(b"m").to_hex();
        let cases = [
            (format!("\n{{\"id\":\"{id}\"}}\n{{oops\n"), 3, "not JSON"),
            ("[1]\n".to_string(), 1, "JSON object"),
            ("{\"id\":\"abc\"}\n".to_string(), 1, "bad message id"),
            (
                format!(
                    "{{\"id\":\"{id}\",\"tags\":[{{\"tag\":\"x\",\"added\":true,\"time\":\"yesterday\",\"author\":\"a\"}}]}}"
                ),
                1,
                "bad time",
            ),
            (
                format!("{{\"id\":\"{id}\",\"notes\":[{{\"author\":\"a\"}}]}}"),
                1,
                "missing field",
            ),
            ("{\"mailsift_annotations\":2}\n".to_string(), 1, "version 2"),
            ("{\"what\":1}\n".to_string(), 1, "expected a message"),
            (
                "{\"tag\":\"x\",\"colour\":\"red\",\"time\":\"2016-01-01T00:00:00Z\"}".to_string(),
                1,
                "colour",
            ),
        ];
        for (text, line, words) in cases {
            let e = parse(Path::new("notes.jsonl"), text.as_bytes()).unwrap_err();
            match &e {
                Error::AnnotationLine {
                    path,
                    line: l,
                    reason,
                } => {
                    assert_eq!(path, Path::new("notes.jsonl"));
                    assert_eq!(*l, line, "{text}: {e}");
                    assert!(reason.contains(words), "{text}: {e}");
                }
                other => panic!("{other}"),
            }
            assert!(
                e.to_string()
                    .starts_with(&format!("notes.jsonl: line {line}: "))
            );
        }
    }
}
