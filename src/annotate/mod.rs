//! The investigator's desk as plain data: tags (named, with a colour),
//! stars and notes on messages, and saved searches. What is written in
//! a case by the investigators, never found in the sources.
//!
//! Everything is keyed by the message's key (the SHA-256 of its canonical
//! bytes), so it applies to every copy of a message, survives a re-import
//! and can be shared with a colleague holding the same messages in
//! another case ([`file`], a JSON-lines file).
//!
//! **Merging** is idempotent and conflict-free. Each (message, tag) and
//! each message's star is one register: the latest change wins (its time,
//! in milliseconds); on equal times an add beats a removal (and a star an
//! unstar), then the greater author name wins, so that any two cases that
//! merged the same changes agree. Removals are kept (`added: false`) so
//! that they travel too. Notes are never merged into one another: they are
//! kept side by side, one per (author, time, text). A saved search is a
//! register per name, the same way (a removal is kept as `deleted`); a
//! tag's colour is a register per tag name. A change made in a case is
//! stamped with the later of the clock and the register's time plus one
//! millisecond, so a change always supersedes the one it replaces.
//!
//! The SQL lives in `store` (`store/annotations.rs`), the commands in
//! `desk`. This module uses only `model`, `time` and `error`.

pub mod file;
pub mod identity;

use crate::error::{Error, Result};
use crate::model::MessageKey;
use crate::time::{days_from_civil, days_in_month};

/// Author recorded when none is given and the environment names nobody.
pub const UNKNOWN_AUTHOR: &str = "unknown";

/// Longest tag name, in characters.
pub const MAX_TAG_CHARS: usize = 100;

/// Longest note, in bytes (a note is a remark, not a document).
pub const MAX_NOTE_BYTES: usize = 100_000;

/// One (message, tag) register: the last change of that tag on that message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TagChange {
    /// The tag's name as written (see [`tag_name`]).
    pub tag: String,
    /// Added (true) or removed (false).
    pub added: bool,
    /// When, in milliseconds since the Unix epoch (UTC).
    pub time_ms: i64,
    /// Who.
    pub author: String,
}

/// A message's star register.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StarChange {
    /// Starred (true) or unstarred (false).
    pub starred: bool,
    /// When, in milliseconds since the Unix epoch (UTC).
    pub time_ms: i64,
    /// Who.
    pub author: String,
}

/// A free-text note on a message.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Note {
    /// Who wrote it.
    pub author: String,
    /// When, in milliseconds since the Unix epoch (UTC).
    pub time_ms: i64,
    /// The note.
    pub text: String,
}

/// A tag's colour register.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TagDef {
    /// The tag's name as written.
    pub name: String,
    /// `#rrggbb`.
    pub colour: String,
    /// When the colour was set, in milliseconds since the Unix epoch.
    pub time_ms: i64,
}

/// A saved search register.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SavedSearch {
    /// Its name (unique in a case).
    pub name: String,
    /// The query, in the query language.
    pub query: String,
    /// When it was saved or removed, in milliseconds since the Unix epoch.
    pub time_ms: i64,
    /// Removed (kept so that the removal travels with exports).
    pub deleted: bool,
}

/// Everything recorded about one message, removals included: what an
/// annotations file carries per message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageRecord {
    /// The message.
    pub key: MessageKey,
    /// One register per tag.
    pub tags: Vec<TagChange>,
    /// The star register, if the message was ever starred.
    pub star: Option<StarChange>,
    /// The notes, oldest first.
    pub notes: Vec<Note>,
}

/// What a message carries now: for listings, the reading pane and exports.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Annotations {
    /// Its tags (names as written), sorted case-insensitively.
    pub tags: Vec<String>,
    /// Starred.
    pub starred: bool,
    /// Its notes, oldest first.
    pub notes: Vec<Note>,
}

impl Annotations {
    /// No tag, no star, no note.
    pub fn is_empty(&self) -> bool {
        self.tags.is_empty() && !self.starred && self.notes.is_empty()
    }

    /// The notes as one line each: `author (time): text`.
    pub fn note_lines(&self) -> Vec<String> {
        self.notes
            .iter()
            .map(|n| format!("{} ({}): {}", n.author, time_text(n.time_ms), n.text))
            .collect()
    }
}

/// A tag name as stored: trimmed, runs of white space made one space.
/// Empty names, names with control characters and names longer than
/// [`MAX_TAG_CHARS`] are refused. Names compare ignoring case ([`tag_key`]).
pub fn tag_name(raw: &str) -> Result<String> {
    let name = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    let bad = |reason: String| Err(Error::BadAnnotation { reason });
    if name.is_empty() {
        return bad("a tag needs a name".into());
    }
    if name.chars().any(char::is_control) {
        return bad(format!("tag name {name:?} holds a control character"));
    }
    if name.chars().count() > MAX_TAG_CHARS {
        return bad(format!(
            "tag name is longer than {MAX_TAG_CHARS} characters"
        ));
    }
    Ok(name)
}

/// The key a tag name is compared and searched by (lower case).
pub fn tag_key(name: &str) -> String {
    name.to_lowercase()
}

/// A colour written `#rrggbb` (or `rrggbb`), lower case; anything else is refused.
pub fn colour(raw: &str) -> Result<String> {
    let hex = raw.trim().trim_start_matches('#');
    if hex.len() == 6 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(format!("#{}", hex.to_ascii_lowercase()))
    } else {
        Err(Error::BadAnnotation {
            reason: format!("colour {raw:?} is not #rrggbb"),
        })
    }
}

/// The colour a new tag gets: one of a few distinct ones, by its name.
pub fn default_colour(name: &str) -> String {
    const PALETTE: [&str; 8] = [
        "#e01b24", "#ff7800", "#f6d32d", "#33d17a", "#3584e4", "#9141ac", "#986a44", "#77767b",
    ];
    let h = tag_key(name)
        .bytes()
        .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
    PALETTE[h as usize % PALETTE.len()].to_string()
}

/// A note's text: refused when empty or over [`MAX_NOTE_BYTES`].
pub fn note_text(raw: &str) -> Result<String> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(Error::BadAnnotation {
            reason: "a note needs some text".into(),
        });
    }
    if text.len() > MAX_NOTE_BYTES {
        return Err(Error::BadAnnotation {
            reason: format!("a note is limited to {MAX_NOTE_BYTES} bytes"),
        });
    }
    Ok(text.to_string())
}

/// An author name: trimmed, [`UNKNOWN_AUTHOR`] when empty.
pub fn author(raw: &str) -> String {
    let a = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if a.is_empty() {
        UNKNOWN_AUTHOR.to_string()
    } else {
        a
    }
}

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// `2026-12-07T12:14:18.123Z`.
pub fn time_text(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let s = crate::time::rfc3339(secs);
    format!("{}.{:03}Z", s.trim_end_matches('Z'), ms.rem_euclid(1000))
}

/// Reads what [`time_text`] writes: `YYYY-MM-DDTHH:MM:SS[.fff]Z` (up to
/// nine digits of fraction; milliseconds kept). `None` for anything else.
pub fn parse_time(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' {
        return None;
    }
    if b[16] != b':' || *b.last()? != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = s.get(r)?;
        t.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| t.parse().ok())?
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || d < 1 || d > i64::from(days_in_month(y, mo as u32)) {
        return None;
    }
    if h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let frac = &s[19..s.len() - 1];
    let ms = match frac.strip_prefix('.') {
        None if frac.is_empty() => 0,
        Some(f) if !f.is_empty() && f.len() <= 9 && f.bytes().all(|c| c.is_ascii_digit()) => {
            format!("{f:0<3}")[..3].parse::<i64>().ok()?
        }
        _ => return None,
    };
    let days = days_from_civil(y, mo as u32, d as u32);
    Some(((days * 86_400 + h * 3600 + mi * 60 + sec) * 1000) + ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_round_trip() {
        for ms in [0, 1, 999, 1_765_110_858_123, -1, -86_400_001] {
            assert_eq!(parse_time(&time_text(ms)), Some(ms), "{ms}");
        }
        assert_eq!(time_text(1_000), "1970-01-01T00:00:01.000Z");
        assert_eq!(parse_time("2016-02-29T00:00:00Z"), Some(1_456_704_000_000));
        assert_eq!(
            parse_time("2016-02-29T00:00:00.5Z"),
            Some(1_456_704_000_500)
        );
        for bad in [
            "",
            "2016-02-30T00:00:00Z",
            "2016-02-29 00:00:00Z",
            "2016-02-29T00:00:00",
            "2016-02-29T24:00:00Z",
            "2016-02-29T00:00:00.Z",
            "2016-02-29T00:00:00+01:00",
            "x016-02-29T00:00:00Z",
        ] {
            assert_eq!(parse_time(bad), None, "{bad}");
        }
    }

    #[test]
    fn names_colours_notes_and_authors() {
        assert_eq!(tag_name("  follow   up ").unwrap(), "follow up");
        assert!(tag_name(" \t ").is_err());
        assert!(tag_name("a\u{7}b").is_err());
        assert!(tag_name(&"x".repeat(MAX_TAG_CHARS + 1)).is_err());
        assert_eq!(tag_key("Über"), "über");
        assert_eq!(colour("#E01B24").unwrap(), "#e01b24");
        assert_eq!(colour("33d17a").unwrap(), "#33d17a");
        assert!(colour("red").is_err());
        assert_eq!(default_colour("Urgent"), default_colour("urgent"));
        assert!(note_text("  ").is_err());
        assert_eq!(note_text(" call him ").unwrap(), "call him");
        assert_eq!(author("  "), UNKNOWN_AUTHOR);
        assert_eq!(author(" Ann  Lee "), "Ann Lee");
    }
}
