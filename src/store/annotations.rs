//! Writing the investigator's desk into a case: tags, stars and notes on
//! messages, tag colours, saved searches, and merging an annotations file
//! (the rules are in [`crate::annotate`]). Each change is one transaction
//! and one entry in the audit log (who, when, what).
//!
//! Everything is keyed by the message key, not the row id: `message_tags`
//! (one register per message and tag, removals kept), `stars`,
//! `message_notes` (one row per author, time and text), `tag_names`
//! (display name and colour per folded name) and `saved_searches`.
//! Reading them back is `annotations_read`.

use std::path::Path;

use rusqlite::{TransactionBehavior, params};

use super::sql::Sql;
use super::{Case, key_of};
use crate::annotate::file::AnnotationFile;
use crate::annotate::{self, Note, now_ms, tag_key, time_text};
use crate::error::{Error, Result};
use crate::model::MessageKey;

/// What merging an annotations file changed.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct MergeReport {
    /// Message records in the file.
    pub records: u64,
    /// Messages of this case whose annotations changed.
    pub messages_changed: u64,
    /// (message, tag) registers that changed (added or removed).
    pub tags_changed: u64,
    /// Stars that changed.
    pub stars_changed: u64,
    /// Notes this case did not have.
    pub notes_added: u64,
    /// Tag colours that changed.
    pub colours_changed: u64,
    /// Saved searches added, changed or removed.
    pub saved_changed: u64,
    /// Identity decisions (one per address) that changed.
    pub identities_changed: u64,
    /// Dismissed (or shown again) merge suggestions that changed.
    pub dismissals_changed: u64,
    /// Message records naming messages this case does not hold (not applied).
    pub not_in_case: u64,
}

impl MergeReport {
    /// Whether the merge changed nothing.
    pub fn is_noop(&self) -> bool {
        self.messages_changed == 0
            && self.colours_changed == 0
            && self.saved_changed == 0
            && self.identities_changed == 0
            && self.dismissals_changed == 0
    }
}

const TAG_ADD: &str = "INSERT INTO message_tags(key, tag, added, time, author)
      SELECT key, ?2, 1, ?3, ?4 FROM messages WHERE id = ?1
    ON CONFLICT(key, tag) DO UPDATE
       SET added = 1, time = max(excluded.time, message_tags.time + 1), author = excluded.author
     WHERE message_tags.added = 0
    RETURNING key";

const TAG_REMOVE: &str = "UPDATE message_tags
       SET added = 0, time = max(?3, time + 1), author = ?4
     WHERE key = (SELECT key FROM messages WHERE id = ?1) AND tag = ?2 AND added = 1
    RETURNING key";

const STAR: &str = "INSERT INTO stars(key, starred, time, author)
      SELECT key, 1, ?2, ?3 FROM messages WHERE id = ?1
    ON CONFLICT(key) DO UPDATE
       SET starred = 1, time = max(excluded.time, stars.time + 1), author = excluded.author
     WHERE stars.starred = 0
    RETURNING key";

const UNSTAR: &str = "UPDATE stars SET starred = 0, time = max(?2, time + 1), author = ?3
     WHERE key = (SELECT key FROM messages WHERE id = ?1) AND starred = 1
    RETURNING key";

/// A tag's display name and colour, created with its default colour (at
/// time 0, so that any colour set on purpose wins a merge).
const TAG_NAME_DEFAULT: &str = "INSERT OR IGNORE INTO tag_names(tag, name, colour, time)
    VALUES (?1, ?2, ?3, 0)";

const TAG_NAME_MERGE: &str = "INSERT INTO tag_names(tag, name, colour, time) VALUES (?1, ?2, ?3, ?4)
    ON CONFLICT(tag) DO UPDATE SET name = excluded.name, colour = excluded.colour, time = excluded.time
     WHERE (excluded.time, excluded.colour, excluded.name)
         > (tag_names.time, tag_names.colour, tag_names.name)";

const TAG_MERGE: &str =
    "INSERT INTO message_tags(key, tag, added, time, author) VALUES (?1, ?2, ?3, ?4, ?5)
    ON CONFLICT(key, tag) DO UPDATE
       SET added = excluded.added, time = excluded.time, author = excluded.author
     WHERE (excluded.time, excluded.added, excluded.author)
         > (message_tags.time, message_tags.added, message_tags.author)";

const STAR_MERGE: &str = "INSERT INTO stars(key, starred, time, author) VALUES (?1, ?2, ?3, ?4)
    ON CONFLICT(key) DO UPDATE
       SET starred = excluded.starred, time = excluded.time, author = excluded.author
     WHERE (excluded.time, excluded.starred, excluded.author)
         > (stars.time, stars.starred, stars.author)";

const NOTE_ADD: &str =
    "INSERT OR IGNORE INTO message_notes(key, author, time, text) VALUES (?1, ?2, ?3, ?4)";

const SAVED_MERGE: &str =
    "INSERT INTO saved_searches(name, query, time, deleted) VALUES (?1, ?2, ?3, ?4)
    ON CONFLICT(name) DO UPDATE
       SET query = excluded.query, time = excluded.time, deleted = excluded.deleted
     WHERE (excluded.time, 1 - excluded.deleted, excluded.query)
         > (saved_searches.time, 1 - saved_searches.deleted, saved_searches.query)";

impl Case {
    /// Opens an existing case to write annotations and saved searches.
    /// The import's write lock is not taken: these tables are the
    /// investigators', no import touches them, and SQLite serialises the
    /// transactions, so a case can be annotated while it is imported into.
    /// A case made by an older mailsift is upgraded first.
    pub fn open_for_annotating(root: &Path) -> Result<Case> {
        if Case::marker(root)?.version < super::schema::FORMAT_VERSION {
            drop(Case::open_for_writing(root)?);
        }
        Case::connect(root, false)
    }

    /// Runs `f` in one immediate transaction (the write lock of the
    /// database taken at once, so that a concurrent import makes it wait
    /// instead of failing), committed when it returns Ok.
    pub(super) fn write_tx<T>(&mut self, f: impl FnOnce(Sql<'_>) -> Result<T>) -> Result<T> {
        let db_path = self.db_path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| Error::store(&db_path, e))?;
        let out = f(Sql::new(&tx, &db_path))?;
        tx.commit().map_err(|e| Error::store(&db_path, e))?;
        Ok(out)
    }

    /// Adds (`add`) or removes the tag `tag` on the messages `rowids`, as
    /// `author`; `colour` (`#rrggbb`) sets the tag's colour too. Returns the
    /// keys of the messages that changed (those that already had the tag,
    /// or did not, are left alone). A change is written to the audit log;
    /// nothing changed, nothing is written.
    pub fn set_tag(
        &mut self,
        rowids: &[u64],
        tag: &str,
        add: bool,
        colour: Option<&str>,
        author: &str,
    ) -> Result<Vec<MessageKey>> {
        let name = annotate::tag_name(tag)?;
        let folded = tag_key(&name);
        let colour = colour.map(annotate::colour).transpose()?;
        let author = annotate::author(author);
        let time = now_ms();
        let changed = self.write_tx(|sql| {
            if add {
                sql.exec(
                    TAG_NAME_DEFAULT,
                    params![folded, name, annotate::default_colour(&name)],
                )?;
            }
            if let Some(c) = &colour {
                sql.exec(
                    "UPDATE tag_names SET colour = ?2, time = max(?3, time + 1) WHERE tag = ?1",
                    params![folded, c, time],
                )?;
            }
            let stmt = if add { TAG_ADD } else { TAG_REMOVE };
            let mut changed = Vec::new();
            for &r in rowids {
                let key = sql.opt(stmt, params![r as i64, folded, time, author], |row| {
                    Ok(key_of(row.get_ref(0)?))
                })?;
                changed.extend(key);
            }
            Ok(changed)
        })?;
        if changed.is_empty() && colour.is_none() {
            return Ok(changed);
        }
        self.audit(&serde_json::json!({
            "event": "tag",
            "when": time_text(time),
            "author": author,
            "action": if add { "add" } else { "remove" },
            "tag": name,
            "colour": colour,
            "messages": changed.iter().map(|k| k.to_hex()).collect::<Vec<_>>(),
        }))?;
        Ok(changed)
    }

    /// Stars (or unstars) the messages `rowids` as `author`; returns the
    /// keys of those that changed.
    pub fn set_star(
        &mut self,
        rowids: &[u64],
        starred: bool,
        author: &str,
    ) -> Result<Vec<MessageKey>> {
        let author = annotate::author(author);
        let time = now_ms();
        let changed = self.write_tx(|sql| {
            let stmt = if starred { STAR } else { UNSTAR };
            let mut changed = Vec::new();
            for &r in rowids {
                let key = sql.opt(stmt, params![r as i64, time, author], |row| {
                    Ok(key_of(row.get_ref(0)?))
                })?;
                changed.extend(key);
            }
            Ok(changed)
        })?;
        if changed.is_empty() {
            return Ok(changed);
        }
        self.audit(&serde_json::json!({
            "event": "star",
            "when": time_text(time),
            "author": author,
            "action": if starred { "star" } else { "unstar" },
            "messages": changed.iter().map(|k| k.to_hex()).collect::<Vec<_>>(),
        }))?;
        Ok(changed)
    }

    /// Adds a note to a message; returns it as stored.
    pub fn add_note(&mut self, key: &MessageKey, text: &str, author: &str) -> Result<Note> {
        let note = Note {
            author: annotate::author(author),
            time_ms: now_ms(),
            text: annotate::note_text(text)?,
        };
        let root = self.root.clone();
        self.write_tx(|sql| {
            let known = sql.count("SELECT count(*) FROM messages WHERE key = ?1", [&key.0[..]])?;
            if known == 0 {
                return Err(Error::NoSuchMessage {
                    case: root,
                    key: key.to_hex(),
                });
            }
            sql.exec(
                NOTE_ADD,
                params![&key.0[..], note.author, note.time_ms, note.text],
            )?;
            Ok(())
        })?;
        self.audit(&serde_json::json!({
            "event": "note",
            "when": time_text(note.time_ms),
            "author": note.author,
            "id": key.to_hex(),
            "text": note.text,
        }))?;
        Ok(note)
    }

    /// Saves `query` under `name` (replacing a search of that name).
    pub fn save_search(&mut self, name: &str, query: &str) -> Result<()> {
        let name = name.trim();
        if name.is_empty() {
            return Err(Error::BadAnnotation {
                reason: "a saved search needs a name".into(),
            });
        }
        let time = now_ms();
        self.write_tx(|sql| {
            sql.exec(
                "INSERT INTO saved_searches(name, query, time, deleted) VALUES (?1, ?2, ?3, 0)
                 ON CONFLICT(name) DO UPDATE SET query = excluded.query, deleted = 0,
                    time = max(excluded.time, saved_searches.time + 1)",
                params![name, query, time],
            )
        })?;
        self.audit(&serde_json::json!({
            "event": "saved_search",
            "when": time_text(time),
            "action": "add",
            "name": name,
            "query": query,
        }))
    }

    /// Removes the saved search `name` (kept as removed, so that the
    /// removal travels with exports); an error when there is none.
    pub fn remove_saved_search(&mut self, name: &str) -> Result<()> {
        let name = name.trim();
        let time = now_ms();
        let n = self.write_tx(|sql| {
            sql.exec(
                "UPDATE saved_searches SET deleted = 1, time = max(?2, time + 1)
                  WHERE name = ?1 AND deleted = 0",
                params![name, time],
            )
        })?;
        if n == 0 {
            return Err(Error::BadAnnotation {
                reason: format!("no saved search named {name:?}"),
            });
        }
        self.audit(&serde_json::json!({
            "event": "saved_search",
            "when": time_text(time),
            "action": "remove",
            "name": name,
        }))
    }

    /// Merges an annotations file (read whole beforehand) in one
    /// transaction; `source` is named in the audit log. Records naming
    /// messages this case does not hold are counted, not applied.
    pub fn merge_annotations(
        &mut self,
        file: &AnnotationFile,
        source: &Path,
    ) -> Result<MergeReport> {
        let report = self.write_tx(|sql| {
            let mut r = MergeReport {
                records: file.messages.len() as u64,
                ..MergeReport::default()
            };
            for m in &file.messages {
                let key = &m.key.0[..];
                if sql.count("SELECT count(*) FROM messages WHERE key = ?1", [key])? == 0 {
                    r.not_in_case += 1;
                    continue;
                }
                let mut changed = 0;
                for t in &m.tags {
                    let folded = tag_key(&t.tag);
                    sql.exec(
                        TAG_NAME_DEFAULT,
                        params![folded, t.tag, annotate::default_colour(&t.tag)],
                    )?;
                    let n = sql.exec(
                        TAG_MERGE,
                        params![key, folded, t.added, t.time_ms, t.author],
                    )? as u64;
                    r.tags_changed += n;
                    changed += n;
                }
                if let Some(s) = &m.star {
                    let n =
                        sql.exec(STAR_MERGE, params![key, s.starred, s.time_ms, s.author])? as u64;
                    r.stars_changed += n;
                    changed += n;
                }
                for n in &m.notes {
                    let added =
                        sql.exec(NOTE_ADD, params![key, n.author, n.time_ms, n.text])? as u64;
                    r.notes_added += added;
                    changed += added;
                }
                if changed > 0 {
                    r.messages_changed += 1;
                }
            }
            for t in &file.tags {
                r.colours_changed += sql.exec(
                    TAG_NAME_MERGE,
                    params![tag_key(&t.name), t.name, t.colour, t.time_ms],
                )? as u64;
            }
            for s in &file.saved {
                r.saved_changed +=
                    sql.exec(SAVED_MERGE, params![s.name, s.query, s.time_ms, s.deleted])? as u64;
            }
            r.identities_changed = super::identities::merge(sql, &file.identities)?;
            r.dismissals_changed = super::identities::merge_dismissals(sql, &file.dismissals)?;
            Ok(r)
        })?;
        self.audit(&serde_json::json!({
            "event": "annotations_import",
            "when": time_text(now_ms()),
            "file": source.display().to_string(),
            "report": report,
        }))?;
        Ok(report)
    }
}
