//! The case database's schema, its format version, the marker file that
//! names both, and the upgrades that bring a case made by an older
//! mailsift up to date in place.

use std::fs;
use std::path::Path;

use rusqlite::params;
use serde::{Deserialize, Serialize};

use super::read::addressing_of_record;
use super::sql::Sql;
use super::write::{Tx, prepare};
use super::write::{participants_of, write_participants};
use super::{Case, MARKER, decode_record, write_atomic};
use crate::error::{Error, Result};

pub(super) const FORMAT_NAME: &str = "mailsift-case";
/// 2: `messages.to_addr`, `attachment_texts`, `message_attachments`.
/// 3: thread ids in `message_threads` instead of `messages.thread`
/// (storing the threads of 60,000 messages rewrote the whole messages
/// table, records included: 1.8 s; now a table of 2 MB).
/// 4: the investigator's desk: `message_tags`, `tag_names`, `stars`,
/// `message_notes`, `saved_searches` (created by the schema; nothing to
/// backfill).
/// 5: DKIM: `dkim_keys` (the keys the user added) and `message_dkim`
/// (each message's verdict, signing domain and signatures), created by
/// the schema; nothing is backfilled on opening: messages without a
/// verdict are verified by `mailsift keys add` (or when a later import
/// sees them again).
/// 6: the first From and To display names as columns (`from_name`,
/// `to_name`), so that the list sorts by the name it shows; backfilled
/// from the records.
/// 7: identity decisions (which addresses are one person, the name
/// chosen for them): `identities`, created by the schema; nothing to
/// backfill (a case without decisions counts every address apart, as
/// before).
/// 8: messages inside archives: a `files` row per archive entry read
/// (`files.container`: the archive's own row; `files.entry`: the entry's
/// path inside it, nested archives joined with `!/`; `files.path`: the
/// path shown, `archive.zip!/entry`), so that origins keep pointing at
/// (file, offset). Nothing to backfill.
/// 9: messages converted from Outlook items (PST, `.msg`):
/// `origins.converted`, the item's address in its container (`PST node
/// 0x… in "Inbox"`, `MSG file`); NULL for every other origin. A PST
/// origin's `offset` is the item's node id. Nothing to backfill.
/// 10: maintained totals (issue 19): the `counts` table, kept by triggers
/// (`store::counts`), so `stats` reads a few rows instead of scanning the
/// messages table; filled from the rows by the upgrade.
/// 11: who each message is from and to as rows of `participants` (one
/// row per message with its date, then one per From/To/Cc/Bcc address
/// with its display name), so that the people census reads one small
/// table instead of decoding every record; backfilled from the records.
/// Also `dismissed_merges`: suggested merges the investigator dismissed
/// (or showed again), created by the schema, nothing to backfill; and the
/// index `messages_in_reply_to` (replies found without reading the rows).
/// An older case is upgraded in place when first opened.
pub(crate) const FORMAT_VERSION: u32 = 11;

pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS sources(
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    format TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT,
    last_import INTEGER
);
CREATE TABLE IF NOT EXISTS files(
    id INTEGER PRIMARY KEY,
    source_id INTEGER NOT NULL REFERENCES sources(id),
    path TEXT NOT NULL,
    format TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    sha256 TEXT,
    complete INTEGER NOT NULL DEFAULT 0,
    import_id INTEGER NOT NULL,
    container INTEGER REFERENCES files(id),
    entry TEXT,
    UNIQUE(path, size, mtime_ns)
);
CREATE TABLE IF NOT EXISTS messages(
    id INTEGER PRIMARY KEY,
    key BLOB NOT NULL UNIQUE,
    status TEXT NOT NULL,
    size INTEGER NOT NULL,
    date INTEGER,
    subject TEXT,
    message_id TEXT,
    from_addr TEXT,
    attachments INTEGER NOT NULL,
    import_id INTEGER NOT NULL,
    in_reply_to TEXT,
    refs TEXT,
    gm_thrid TEXT,
    thread_index TEXT,
    data BLOB NOT NULL,
    to_addr TEXT,
    from_name TEXT,
    to_name TEXT
);
CREATE INDEX IF NOT EXISTS messages_message_id ON messages(message_id);
CREATE INDEX IF NOT EXISTS messages_in_reply_to ON messages(in_reply_to);
CREATE TABLE IF NOT EXISTS message_threads(
    message INTEGER PRIMARY KEY REFERENCES messages(id),
    thread TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS message_threads_thread ON message_threads(thread);
CREATE TABLE IF NOT EXISTS origins(
    message INTEGER NOT NULL REFERENCES messages(id),
    file INTEGER NOT NULL REFERENCES files(id),
    offset INTEGER NOT NULL,
    length INTEGER NOT NULL,
    raw_sha256 BLOB NOT NULL,
    from_line TEXT,
    maildir_flags TEXT,
    import_id INTEGER NOT NULL,
    converted TEXT,
    PRIMARY KEY(file, offset)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS origins_message ON origins(message);
CREATE TABLE IF NOT EXISTS defects(
    message INTEGER NOT NULL REFERENCES messages(id),
    kind TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS defects_message ON defects(message);
CREATE TABLE IF NOT EXISTS attachment_texts(
    sha256 BLOB PRIMARY KEY,
    kind TEXT,
    status TEXT NOT NULL,
    text BLOB
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS message_attachments(
    message INTEGER NOT NULL REFERENCES messages(id),
    idx INTEGER NOT NULL,
    sha256 BLOB NOT NULL,
    PRIMARY KEY(message, idx)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS message_attachments_sha ON message_attachments(sha256);
CREATE INDEX IF NOT EXISTS defects_kind ON defects(kind);
CREATE TABLE IF NOT EXISTS gz_checkpoints(
    file INTEGER NOT NULL REFERENCES files(id),
    out_offset INTEGER NOT NULL,
    in_offset INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY(file, out_offset)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS skipped(
    import_id INTEGER NOT NULL,
    source_id INTEGER,
    path TEXT NOT NULL,
    reason TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS notes(
    import_id INTEGER NOT NULL,
    source_id INTEGER,
    path TEXT NOT NULL,
    offset INTEGER NOT NULL,
    text TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS message_tags(
    key BLOB NOT NULL,
    tag TEXT NOT NULL,
    added INTEGER NOT NULL,
    time INTEGER NOT NULL,
    author TEXT NOT NULL,
    PRIMARY KEY(key, tag)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS message_tags_tag ON message_tags(tag, added);
CREATE TABLE IF NOT EXISTS tag_names(
    tag TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    colour TEXT NOT NULL,
    time INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS stars(
    key BLOB PRIMARY KEY,
    starred INTEGER NOT NULL,
    time INTEGER NOT NULL,
    author TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS message_notes(
    key BLOB NOT NULL,
    author TEXT NOT NULL,
    time INTEGER NOT NULL,
    text TEXT NOT NULL,
    PRIMARY KEY(key, author, time, text)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS saved_searches(
    name TEXT PRIMARY KEY,
    query TEXT NOT NULL,
    time INTEGER NOT NULL,
    deleted INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS identities(
    address TEXT PRIMARY KEY,
    person TEXT NOT NULL,
    name TEXT,
    time INTEGER NOT NULL,
    author TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS dkim_keys(
    domain TEXT NOT NULL,
    selector TEXT NOT NULL,
    record TEXT NOT NULL,
    source TEXT NOT NULL,
    first_seen TEXT,
    last_seen TEXT,
    added TEXT NOT NULL,
    PRIMARY KEY(domain, selector, record)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS message_dkim(
    message INTEGER PRIMARY KEY REFERENCES messages(id),
    verdict TEXT NOT NULL,
    domain TEXT,
    signatures TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS message_dkim_verdict ON message_dkim(verdict);
CREATE INDEX IF NOT EXISTS message_dkim_domain ON message_dkim(domain);
CREATE TABLE IF NOT EXISTS dismissed_merges(
    addresses TEXT PRIMARY KEY,
    dismissed INTEGER NOT NULL,
    time INTEGER NOT NULL,
    author TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS participants(
    message INTEGER NOT NULL REFERENCES messages(id),
    pos INTEGER NOT NULL,
    role INTEGER NOT NULL,
    address TEXT NOT NULL,
    name TEXT,
    date INTEGER,
    PRIMARY KEY(message, pos)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS imports(
    id INTEGER PRIMARY KEY,
    started TEXT NOT NULL,
    finished TEXT,
    status TEXT NOT NULL,
    command TEXT NOT NULL,
    report TEXT
);
";

/// The marker file: what makes a folder a case.

#[derive(Serialize, Deserialize)]
pub(super) struct Marker {
    pub(super) format: String,
    pub(super) version: u32,
    pub(super) created: String,
    /// The name the user gave the case (src/store/naming.rs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) name: Option<String>,
}

impl Case {
    /// Reads a case folder's marker.
    pub(super) fn marker(root: &Path) -> Result<Marker> {
        let marker_path = root.join(MARKER);
        match fs::read(&marker_path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| Error::Json {
                path: marker_path.clone(),
                source: e,
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(Error::BadCase {
                path: root.to_path_buf(),
                reason: "not a mailsift case (no mailsift-case.json)".into(),
            }),
            Err(e) => Err(Error::io(&marker_path, "reading", e)),
        }
    }

    /// Brings a case made by an older version up to [`FORMAT_VERSION`]
    /// (the new tables were created by the schema already).
    pub(super) fn upgrade(&mut self) -> Result<()> {
        let marker_path = self.root.join(MARKER);
        let mut marker = Case::marker(&self.root)?;
        if marker.version >= FORMAT_VERSION {
            return Ok(());
        }
        let db_path = self.db_path.clone();
        let tx = self
            .conn
            .transaction()
            .map_err(|e| Error::store(&db_path, e))?;
        let sql = Sql::new(&tx, &db_path);
        if marker.version < 2 {
            upgrade_to_2(&Tx::new(&tx, &db_path))?;
        }
        if marker.version < 3 {
            upgrade_to_3(sql)?;
        }
        if marker.version < 6 {
            upgrade_to_6(sql)?;
        }
        // 7: `identities` is made by the schema (run when the case was
        // opened for writing); no decision to backfill.
        if marker.version < 8 {
            upgrade_to_8(sql)?;
        }
        if marker.version < 9 {
            upgrade_to_9(sql)?;
        }
        if marker.version < 10 {
            super::counts::fill(sql)?;
        }
        if marker.version < 11 {
            upgrade_to_11(sql)?;
        }
        tx.commit().map_err(|e| Error::store(&db_path, e))?;
        marker.version = FORMAT_VERSION;
        let json = serde_json::to_vec_pretty(&marker).map_err(|e| Error::Json {
            path: marker_path.clone(),
            source: e,
        })?;
        write_atomic(&marker_path, &json)
    }
}

fn has_column(sql: Sql<'_>, column: &str) -> Result<bool> {
    has_column_in(sql, "messages", column)
}

fn has_column_in(sql: Sql<'_>, table: &str, column: &str) -> Result<bool> {
    sql.count(
        "SELECT COUNT(*) FROM pragma_table_info(?1) WHERE name=?2",
        [table, column],
    )
    .map(|n| n > 0)
}

/// Version 8: archive entries as `files` rows of their own (`container`,
/// `entry`); older cases have none, so nothing is backfilled.
fn upgrade_to_8(sql: Sql<'_>) -> Result<()> {
    for (column, ty) in [
        ("container", "INTEGER REFERENCES files(id)"),
        ("entry", "TEXT"),
    ] {
        if !has_column_in(sql, "files", column)? {
            sql.batch(&format!("ALTER TABLE files ADD COLUMN {column} {ty}"))?;
        }
    }
    Ok(())
}

/// Version 9: the `converted` column of origins (messages converted
/// from Outlook items); older cases have none, so nothing is backfilled.
fn upgrade_to_9(sql: Sql<'_>) -> Result<()> {
    if !has_column_in(sql, "origins", "converted")? {
        sql.batch("ALTER TABLE origins ADD COLUMN converted TEXT")?;
    }
    Ok(())
}

/// Version 11: the `participants` of every message (the table is made by
/// the schema), read from each record; a damaged record gets none (the
/// census does not count it, as it cannot read it).
fn upgrade_to_11(sql: Sql<'_>) -> Result<()> {
    sql.batch(
        "DELETE FROM participants;
         CREATE INDEX IF NOT EXISTS messages_in_reply_to ON messages(in_reply_to);",
    )?;
    let ids: Vec<i64> = sql.rows("SELECT id FROM messages ORDER BY id", [], |r| r.get(0))?;
    for id in ids {
        let data: Vec<u8> = sql.one("SELECT data FROM messages WHERE id=?1", [id], |r| r.get(0))?;
        let Some(a) = lz4_flex::decompress_size_prepended(&data)
            .ok()
            .and_then(|json| addressing_of_record(&json))
        else {
            continue;
        };
        write_participants(
            sql,
            id,
            a.date,
            &participants_of(&a.from, &a.to, &a.cc, &a.bcc),
        )?;
    }
    Ok(())
}

/// Version 3: thread ids move to `message_threads` (created by the
/// schema). The old column stays, unread (dropping it would rewrite
/// the whole table).
fn upgrade_to_3(sql: Sql<'_>) -> Result<()> {
    if has_column(sql, "thread")? {
        sql.batch(
            "INSERT OR IGNORE INTO message_threads(message, thread)
               SELECT id, thread FROM messages WHERE thread IS NOT NULL;
             DROP INDEX IF EXISTS messages_thread;",
        )?;
    }
    Ok(())
}

/// Version 6: the first From and To display names as columns, read from
/// each record (a damaged record is left without them: its address sorts).
fn upgrade_to_6(sql: Sql<'_>) -> Result<()> {
    for column in ["from_name", "to_name"] {
        if !has_column(sql, column)? {
            sql.batch(&format!("ALTER TABLE messages ADD COLUMN {column} TEXT"))?;
        }
    }
    let rows: Vec<(i64, Vec<u8>)> =
        sql.rows("SELECT id, data FROM messages ORDER BY id", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    for (id, data) in rows {
        let Some(msg) = decode_record(&data) else {
            continue;
        };
        let p = prepare(msg);
        sql.exec(
            "UPDATE messages SET from_name=?1, to_name=?2 WHERE id=?3",
            params![p.from_name, p.to_name, id],
        )?;
    }
    Ok(())
}

/// Version 2: the first To address as a column, and attachments (and
/// their texts) in tables of their own.
fn upgrade_to_2(tx: &Tx<'_>) -> Result<()> {
    let sql = tx.sql();
    if !has_column(sql, "to_addr")? {
        sql.batch("ALTER TABLE messages ADD COLUMN to_addr TEXT")?;
    }
    let rows: Vec<(i64, Vec<u8>)> =
        sql.rows("SELECT id, data FROM messages ORDER BY id", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    for (id, data) in rows {
        // A damaged record stays as it is; reading it reports the damage.
        let Some(msg) = decode_record(&data) else {
            continue;
        };
        let p = prepare(msg);
        sql.exec(
            "UPDATE messages SET to_addr=?1 WHERE id=?2",
            params![p.to_addr, id],
        )?;
        tx.attachments_of(id, &p.attachment_shas, &p.texts)?;
    }
    Ok(())
}
