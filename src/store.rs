//! The case folder on disk: everything mailsift knows about a collection,
//! kept apart from the sources (which are never written to).
//!
//! ```text
//! CASE/
//!   mailsift-case.json   marker: format name and version
//!   case.sqlite          messages, origins, files, sources, defects,
//!                        skipped files, source notes, imports, attachment
//!                        texts (once per content) and which message
//!                        carries which attachment (SQLite, WAL)
//!   audit.log            append-only NDJSON: one line per import or export
//!   write.lock           held (flock) by the one process writing the case
//! ```
//!
//! Messages are keyed by [`MessageKey`]; a message found again (same key)
//! gains an origin instead of a second record. Each message's fields are
//! stored as LZ4-compressed JSON beside a few columns used for lookups;
//! defects live in their own table so that later findings (a Message-ID
//! collision with a message imported later) can be added to old records.
//! Raw bytes stay in the sources; each origin records where they are and
//! their SHA-256.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::time::rfc3339;
use crate::error::{Error, Result};
use crate::model::{
    Defect, DefectKind, Message, MessageKey, Origin, ParseStatus, Sha256, SourceFormat, TextStatus,
};

/// Name of the marker file that makes a folder a case.
pub const MARKER: &str = "mailsift-case.json";
const DB: &str = "case.sqlite";
const AUDIT: &str = "audit.log";
const LOCK: &str = "write.lock";
const FORMAT_NAME: &str = "mailsift-case";
/// 2: `messages.to_addr`, `attachment_texts`, `message_attachments`.
/// 3: thread ids in `message_threads` instead of `messages.thread`
/// (storing the threads of 60,000 messages rewrote the whole messages
/// table, records included: 1.8 s; now a table of 2 MB).
/// An older case is upgraded in place when first opened.
const FORMAT_VERSION: u32 = 3;

const SCHEMA: &str = "
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
    to_addr TEXT
);
CREATE INDEX IF NOT EXISTS messages_message_id ON messages(message_id);
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
CREATE TABLE IF NOT EXISTS imports(
    id INTEGER PRIMARY KEY,
    started TEXT NOT NULL,
    finished TEXT,
    status TEXT NOT NULL,
    command TEXT NOT NULL,
    report TEXT
);
";

#[derive(Serialize, Deserialize)]
struct Marker {
    format: String,
    version: u32,
    created: String,
}

/// An open case. Opened for writing it holds the case's write lock, so
/// that only one process imports into a case at a time; readers need no lock.
pub struct Case {
    root: PathBuf,
    db_path: PathBuf,
    conn: Connection,
    _lock: Option<File>,
}

/// SQLite's automatic checkpoint: the write-ahead log is copied into the
/// database once it holds this many pages (SQLite's default).
const WAL_AUTOCHECKPOINT: u32 = 1000;
/// The automatic checkpoint while a [`Checkpointer`] runs: only a safety
/// net (256 MB of log) should it fall behind.
const WAL_AUTOCHECKPOINT_DEFERRED: u32 = 65_536;

/// Copies an importing case's write-ahead log into its database on its own
/// connection (see [`Case::checkpointer`]). Passive checkpoints never block
/// the writer; their fsyncs wait here instead of on the writing thread.
pub struct Checkpointer {
    conn: Connection,
    db_path: PathBuf,
}

impl Checkpointer {
    /// How often the log is copied.
    const EVERY: std::time::Duration = std::time::Duration::from_millis(250);

    /// Checkpoints until `stop` is dropped or sent to, then once more.
    /// A failed checkpoint (the database busy) is retried the next time;
    /// the writer's own automatic checkpoint stays as a safety net.
    pub fn run(self, stop: &crossbeam_channel::Receiver<()>) {
        loop {
            let stopping = !matches!(
                stop.recv_timeout(Self::EVERY),
                Err(crossbeam_channel::RecvTimeoutError::Timeout)
            );
            let _ = self.checkpoint();
            if stopping {
                return;
            }
        }
    }

    /// One passive checkpoint: (frames in the log, frames copied).
    pub fn checkpoint(&self) -> Result<(i64, i64)> {
        self.conn
            .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
                Ok((r.get(1)?, r.get(2)?))
            })
            .map_err(|e| Error::store(&self.db_path, e))
    }
}

/// What became of a message handed to [`Case::add_message`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Added {
    /// A message the case did not have.
    New,
    /// The case had the message from another origin: this origin was added.
    Duplicate,
    /// The case had this message from this very origin (an import resumed
    /// or repeated).
    AlreadyPresent,
}

/// A message ready to be stored: the columns and the compressed record,
/// prepared off the writer thread by [`prepare`].
pub struct Prepared {
    pub key: MessageKey,
    pub status: ParseStatus,
    pub size: u64,
    pub date: Option<i64>,
    pub subject: Option<String>,
    pub message_id: Option<String>,
    pub from_addr: Option<String>,
    /// The first To address (lower case), for sorting.
    pub to_addr: Option<String>,
    pub attachments: usize,
    /// SHA-256 of each attachment, in order.
    pub attachment_shas: Vec<Sha256>,
    /// The attachments' texts, once per content, taken out of the record.
    pub texts: Vec<AttachmentText>,
    /// Threading headers: In-Reply-To and References ids, space-separated.
    pub in_reply_to: Option<String>,
    pub refs: Option<String>,
    pub gm_thrid: Option<String>,
    pub thread_index: Option<String>,
    pub data: Vec<u8>,
    pub defects: Vec<Defect>,
}

/// The text of an attachment's content, stored once per SHA-256.
#[derive(Clone, Debug, PartialEq)]
pub struct AttachmentText {
    pub sha256: Sha256,
    pub kind: Option<String>,
    pub status: TextStatus,
    pub text: Option<String>,
}

/// Serialises and compresses a message for storage. Attachment texts are
/// moved out of the record into [`Prepared::texts`].
pub fn prepare(mut msg: Message) -> Prepared {
    let defects = std::mem::take(&mut msg.defects);
    let mut texts: Vec<AttachmentText> = Vec::new();
    for a in &mut msg.attachments {
        let text = a.text.take();
        let status = match (a.text_status, &text) {
            (Some(s), _) => s,
            (None, Some(_)) => TextStatus::Extracted,
            (None, None) => continue,
        };
        // The same content twice in a message (an empty file, or the same
        // bytes under a name of another kind): one entry, the one with text.
        if let Some(t) = texts.iter_mut().find(|t| t.sha256 == a.sha256) {
            if t.text.is_none() && text.is_some() {
                t.kind = a.kind.clone();
                t.status = status;
                t.text = text;
            }
            continue;
        }
        texts.push(AttachmentText {
            sha256: a.sha256,
            kind: a.kind.clone(),
            status,
            text,
        });
    }
    let json = serde_json::to_vec(&msg).unwrap_or_default();
    let joined = |ids: &[String]| (!ids.is_empty()).then(|| ids.join(" "));
    Prepared {
        in_reply_to: joined(&msg.in_reply_to),
        refs: joined(&msg.references),
        gm_thrid: msg.gm_thread_id.clone(),
        thread_index: msg.thread_index.clone(),
        key: msg.key,
        status: msg.status,
        size: msg.size,
        date: msg.date,
        from_addr: msg.from.first().map(|a| a.addr.to_ascii_lowercase()),
        to_addr: msg.to.first().map(|a| a.addr.to_ascii_lowercase()),
        attachment_shas: msg.attachments.iter().map(|a| a.sha256).collect(),
        texts,
        subject: msg.subject,
        message_id: msg.message_id,
        attachments: msg.attachments.len(),
        data: lz4_flex::compress_prepend_size(&json),
        defects,
    }
}

/// Where a message was found: the file row and place in it.
pub struct OriginRow<'a> {
    pub file_id: i64,
    pub offset: u64,
    pub length: u64,
    pub raw_sha256: Sha256,
    pub from_line: Option<&'a str>,
    pub maildir_flags: Option<&'a str>,
}

/// A file known to the case, as last recorded.
#[derive(Clone, Debug)]
pub struct FileState {
    pub id: i64,
    pub size: u64,
    pub mtime_ns: i64,
    pub complete: bool,
}

/// Totals over the whole case. `found = parsed + raw_only + skipped` and
/// `messages = parsed + raw_only - duplicates` always hold: `parsed` and
/// `raw_only` count every sighting of a message, `duplicates` the sightings
/// beyond the first.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseStats {
    pub found: u64,
    pub parsed: u64,
    pub raw_only: u64,
    pub skipped: u64,
    pub duplicates: u64,
    pub messages: u64,
    pub messages_parsed: u64,
    pub messages_raw_only: u64,
    pub attachments: u64,
    /// Messages with each kind of defect.
    pub defects: BTreeMap<String, u64>,
    pub sources: Vec<SourceRow>,
    pub imports: u64,
}

/// The few fields of a message needed for lists.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub from: Option<String>,
    pub date: Option<i64>,
    pub subject: Option<String>,
    pub rowid: u64,
}

/// The list columns of a message, read without decoding its record.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LightRow {
    pub rowid: u64,
    pub date: Option<i64>,
    /// The first From address.
    pub from: Option<String>,
    pub subject: Option<String>,
    pub attachments: u32,
    pub thread: Option<String>,
    /// The first To address.
    pub to: Option<String>,
}

/// A message key from a `key` column (32 bytes; anything else reads as
/// zeros, which no SHA-256 is).
fn key_of(v: rusqlite::types::ValueRef<'_>) -> MessageKey {
    let mut k = [0u8; 32];
    if let rusqlite::types::ValueRef::Blob(b) = v
        && b.len() == 32
    {
        k.copy_from_slice(b);
    }
    Sha256(k)
}

/// (row id, key, Message-ID) of a message: [`Case::message_ids`].
pub type MessageIdRow = (u64, MessageKey, Option<Box<str>>);

/// One defect of a message, for the import report.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DefectRow {
    pub rowid: u64,
    pub kind: String,
    pub detail: String,
    pub subject: Option<String>,
    /// The file the message was first found in, and its byte offset there.
    pub path: Option<PathBuf>,
    pub offset: Option<u64>,
}

/// A named source as recorded in the case manifest.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceRow {
    pub path: PathBuf,
    pub format: String,
    pub size: u64,
    pub sha256: Option<String>,
    pub found: u64,
}

fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    rfc3339(secs)
}

/// mailsift's data folder: `$XDG_DATA_HOME/mailsift`, else
/// `~/.local/share/mailsift`.
pub fn data_dir() -> PathBuf {
    std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .unwrap_or_else(std::env::temp_dir)
        .join("mailsift")
}

/// The case folder for a source opened without naming a case:
/// `<data_dir>/cases/<`[`case_name_for`]`>`.
pub fn case_dir_for(data_dir: &Path, source: &Path) -> PathBuf {
    data_dir.join("cases").join(case_name_for(source))
}

/// The folder name of a case made for a source: `<name>-<first 8 hex of
/// the SHA-256 of its path>`, the name reduced to letters, digits, `-`, `_`.
pub fn case_name_for(source: &Path) -> String {
    let name: String = source
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "case".into())
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let hash = Sha256::of(source.to_string_lossy().as_bytes()).to_hex();
    format!("{name}-{}", &hash[..8])
}

impl Case {
    /// Opens the case at `root` for writing, creating it if missing. Fails
    /// with [`Error::CaseInUse`] while another process writes it.
    pub fn open_for_writing(root: &Path) -> Result<Case> {
        let marker = root.join(MARKER);
        if root.exists() && !marker.exists() {
            let empty = fs::read_dir(root)
                .map_err(|e| Error::io(root, "reading the case folder", e))?
                .next()
                .is_none();
            if !empty {
                return Err(Error::BadCase {
                    path: root.to_path_buf(),
                    reason: "exists and is not a mailsift case (no mailsift-case.json); choose a new or empty folder".into(),
                });
            }
        }
        fs::create_dir_all(root).map_err(|e| Error::io(root, "creating the case folder", e))?;
        let lock_path = root.join(LOCK);
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| Error::io(&lock_path, "opening the lock file", e))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                return Err(Error::CaseInUse {
                    path: root.to_path_buf(),
                });
            }
            Err(fs::TryLockError::Error(e)) => {
                return Err(Error::io(&lock_path, "locking the case", e));
            }
        }
        if !marker.exists() {
            let m = Marker {
                format: FORMAT_NAME.into(),
                version: FORMAT_VERSION,
                created: now_rfc3339(),
            };
            let json = serde_json::to_vec_pretty(&m).map_err(|e| Error::Json {
                path: marker.clone(),
                source: e,
            })?;
            write_atomic(&marker, &json)?;
        }
        let mut case = Case::connect(root, false)?;
        case._lock = Some(lock);
        case.upgrade()?;
        Ok(case)
    }

    /// Opens an existing case for reading. A case made by an older
    /// mailsift is upgraded first (which needs its write lock).
    pub fn open(root: &Path) -> Result<Case> {
        if Case::marker(root)?.version < FORMAT_VERSION {
            drop(Case::open_for_writing(root)?);
        }
        Case::connect(root, true)
    }

    /// Brings a case made by an older version up to [`FORMAT_VERSION`]
    /// (the new tables were created by the schema already).
    fn upgrade(&mut self) -> Result<()> {
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
        if marker.version < 2 {
            Case::upgrade_to_2(&tx, &db_path)?;
        }
        if marker.version < 3 {
            Case::upgrade_to_3(&tx, &db_path)?;
        }
        tx.commit().map_err(|e| Error::store(&db_path, e))?;
        marker.version = FORMAT_VERSION;
        let json = serde_json::to_vec_pretty(&marker).map_err(|e| Error::Json {
            path: marker_path.clone(),
            source: e,
        })?;
        write_atomic(&marker_path, &json)
    }

    fn has_column(tx: &rusqlite::Transaction<'_>, db_path: &Path, column: &str) -> Result<bool> {
        tx.query_row(
            "SELECT COUNT(*) FROM pragma_table_info('messages') WHERE name=?1",
            [column],
            |r| r.get::<_, i64>(0),
        )
        .map(|n| n > 0)
        .map_err(|e| Error::store(db_path, e))
    }

    /// Version 3: thread ids move to `message_threads` (created by the
    /// schema). The old column stays, unread (dropping it would rewrite
    /// the whole table).
    fn upgrade_to_3(tx: &rusqlite::Transaction<'_>, db_path: &Path) -> Result<()> {
        if Case::has_column(tx, db_path, "thread")? {
            tx.execute_batch(
                "INSERT OR IGNORE INTO message_threads(message, thread)
                   SELECT id, thread FROM messages WHERE thread IS NOT NULL;
                 DROP INDEX IF EXISTS messages_thread;",
            )
            .map_err(|e| Error::store(db_path, e))?;
        }
        Ok(())
    }

    /// Version 2: the first To address as a column, and attachments (and
    /// their texts) in tables of their own.
    fn upgrade_to_2(tx: &rusqlite::Transaction<'_>, db_path: &Path) -> Result<()> {
        if !Case::has_column(tx, db_path, "to_addr")? {
            tx.execute_batch("ALTER TABLE messages ADD COLUMN to_addr TEXT")
                .map_err(|e| Error::store(db_path, e))?;
        }
        let rows: Vec<(i64, Vec<u8>)> = {
            let mut stmt = tx
                .prepare("SELECT id, data FROM messages ORDER BY id")
                .map_err(|e| Error::store(db_path, e))?;
            let rows = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(|e| Error::store(db_path, e))?;
            rows.collect::<std::result::Result<_, _>>()
                .map_err(|e| Error::store(db_path, e))?
        };
        let w = Tx { tx, db_path };
        for (id, data) in rows {
            // A damaged record stays as it is; reading it reports the damage.
            let Some(msg) = decode_record(&data) else {
                continue;
            };
            let p = prepare(msg);
            tx.execute(
                "UPDATE messages SET to_addr=?1 WHERE id=?2",
                params![p.to_addr, id],
            )
            .map_err(|e| Error::store(db_path, e))?;
            w.attachments_of(id, &p.attachment_shas, &p.texts)?;
        }
        Ok(())
    }

    fn marker(root: &Path) -> Result<Marker> {
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

    fn connect(root: &Path, read_only: bool) -> Result<Case> {
        let marker = Case::marker(root)?;
        if marker.format != FORMAT_NAME || marker.version > FORMAT_VERSION {
            return Err(Error::BadCase {
                path: root.to_path_buf(),
                reason: format!(
                    "case format {} version {} is not one this mailsift ({}) reads",
                    marker.format,
                    marker.version,
                    env!("CARGO_PKG_VERSION")
                ),
            });
        }
        let db_path = root.join(DB);
        let flags = if read_only && db_path.exists() {
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY
        } else {
            rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_CREATE
        } | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn =
            Connection::open_with_flags(&db_path, flags).map_err(|e| Error::store(&db_path, e))?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(|e| Error::store(&db_path, e))?;
        if !read_only || !db_path.exists() {
            conn.execute_batch(
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=OFF;
                 PRAGMA cache_size=-16384; PRAGMA temp_store=MEMORY;",
            )
            .map_err(|e| Error::store(&db_path, e))?;
            conn.execute_batch(SCHEMA)
                .map_err(|e| Error::store(&db_path, e))?;
        }
        Ok(Case {
            root: root.to_path_buf(),
            db_path,
            conn,
            _lock: None,
        })
    }

    /// The case folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn err(&self, e: rusqlite::Error) -> Error {
        Error::store(&self.db_path, e)
    }

    /// Runs `f` in one transaction, committed when it returns Ok.
    pub fn transaction<T>(&mut self, f: impl FnOnce(&Tx<'_>) -> Result<T>) -> Result<T> {
        let db_path = self.db_path.clone();
        let tx = self
            .conn
            .transaction()
            .map_err(|e| Error::store(&db_path, e))?;
        let out = f(&Tx {
            tx: &tx,
            db_path: &db_path,
        })?;
        tx.commit().map_err(|e| Error::store(&db_path, e))?;
        Ok(out)
    }

    /// Hands the copying of the write-ahead log into the database (and
    /// its fsyncs) to a [`Checkpointer`] on another thread while an import
    /// writes, so that the writing thread, which every other stage of an
    /// import waits on, never waits for the disk. This connection keeps a
    /// much larger automatic checkpoint as a safety net should the other
    /// thread fall behind; [`Case::end_checkpointer`] restores the usual
    /// size.
    pub fn checkpointer(&self) -> Result<Checkpointer> {
        let conn = Connection::open_with_flags(
            &self.db_path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| self.err(e))?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(|e| self.err(e))?;
        self.set_wal_autocheckpoint(WAL_AUTOCHECKPOINT_DEFERRED)?;
        Ok(Checkpointer {
            conn,
            db_path: self.db_path.clone(),
        })
    }

    /// Restores the automatic checkpoint after an import.
    pub fn end_checkpointer(&self) -> Result<()> {
        self.set_wal_autocheckpoint(WAL_AUTOCHECKPOINT)
    }

    fn set_wal_autocheckpoint(&self, pages: u32) -> Result<()> {
        self.conn
            .pragma_update(None, "wal_autocheckpoint", pages)
            .map_err(|e| self.err(e))
    }

    /// Records the start of an import; returns its id.
    pub fn begin_import(&mut self, command: &str) -> Result<i64> {
        self.conn
            .execute(
                "INSERT INTO imports(started, status, command) VALUES (?1, 'running', ?2)",
                params![now_rfc3339(), command],
            )
            .map_err(|e| self.err(e))?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Records the end of an import and appends it to the audit log.
    pub fn finish_import(&mut self, id: i64, status: &str, report: &impl Serialize) -> Result<()> {
        let json = serde_json::to_string(report).unwrap_or_default();
        let finished = now_rfc3339();
        self.conn
            .execute(
                "UPDATE imports SET finished=?1, status=?2, report=?3 WHERE id=?4",
                params![finished, status, json, id],
            )
            .map_err(|e| self.err(e))?;
        let command: String = self
            .conn
            .query_row("SELECT command FROM imports WHERE id=?1", [id], |r| {
                r.get(0)
            })
            .map_err(|e| self.err(e))?;
        let entry = serde_json::json!({
            "event": "import",
            "import_id": id,
            "finished": finished,
            "status": status,
            "command": command,
            "report": serde_json::from_str::<serde_json::Value>(&json).unwrap_or_default(),
        });
        self.audit(&entry)
    }

    /// Appends one entry to the audit log.
    pub fn audit(&self, entry: &serde_json::Value) -> Result<()> {
        let path = self.root.join(AUDIT);
        let mut f = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| Error::io(&path, "opening the audit log", e))?;
        let mut line = serde_json::to_vec(entry).unwrap_or_default();
        line.push(b'\n');
        f.write_all(&line)
            .and_then(|_| f.sync_data())
            .map_err(|e| Error::io(&path, "appending to the audit log", e))
    }

    /// Files whose import completed, by path: (size, mtime) of the version
    /// read. Used to skip unchanged files without reading them.
    pub fn complete_files(&self) -> Result<std::collections::HashMap<PathBuf, (u64, i64)>> {
        let mut stmt = self
            .conn
            .prepare("SELECT path, size, mtime_ns FROM files WHERE complete=1")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    PathBuf::from(r.get::<_, String>(0)?),
                    (r.get::<_, i64>(1)? as u64, r.get::<_, i64>(2)?),
                ))
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// Number of origins recorded for a completed file version.
    pub fn origins_in_file(&self, path: &Path, size: u64, mtime_ns: i64) -> Result<u64> {
        self.conn
            .query_row(
                "SELECT count(*) FROM origins o JOIN files f ON f.id=o.file
                 WHERE f.path=?1 AND f.size=?2 AND f.mtime_ns=?3",
                params![path_str(path), size as i64, mtime_ns],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n as u64)
            .map_err(|e| self.err(e))
    }

    /// Totals over the whole case.
    pub fn stats(&self) -> Result<CaseStats> {
        let q = |sql: &str| -> Result<u64> {
            self.conn
                .query_row(sql, [], |r| r.get::<_, i64>(0))
                .map(|n| n as u64)
                .map_err(|e| self.err(e))
        };
        let mut s = CaseStats {
            parsed: q(
                "SELECT count(*) FROM origins o JOIN messages m ON m.id=o.message WHERE m.status='parsed'",
            )?,
            raw_only: q(
                "SELECT count(*) FROM origins o JOIN messages m ON m.id=o.message WHERE m.status='raw_only'",
            )?,
            skipped: q("SELECT count(DISTINCT path) FROM skipped")?,
            messages: q("SELECT count(*) FROM messages")?,
            messages_parsed: q("SELECT count(*) FROM messages WHERE status='parsed'")?,
            messages_raw_only: q("SELECT count(*) FROM messages WHERE status='raw_only'")?,
            attachments: q("SELECT coalesce(sum(attachments),0) FROM messages")?,
            imports: q("SELECT count(*) FROM imports")?,
            ..CaseStats::default()
        };
        s.found = s.parsed + s.raw_only + s.skipped;
        s.duplicates = s.parsed + s.raw_only - s.messages;
        let mut stmt = self
            .conn
            .prepare(
                "SELECT kind, count(DISTINCT message) FROM defects GROUP BY kind ORDER BY kind",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
            })
            .map_err(|e| self.err(e))?;
        for row in rows {
            let (k, n) = row.map_err(|e| self.err(e))?;
            s.defects.insert(k, n);
        }
        let mut stmt = self
            .conn
            .prepare(
                "SELECT s.path, s.format, s.size, s.sha256,
                        (SELECT count(*) FROM origins o JOIN files f ON f.id=o.file WHERE f.source_id=s.id)
                 FROM sources s ORDER BY s.id",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(SourceRow {
                    path: PathBuf::from(r.get::<_, String>(0)?),
                    format: r.get(1)?,
                    size: r.get::<_, i64>(2)? as u64,
                    sha256: r.get(3)?,
                    found: r.get::<_, i64>(4)? as u64,
                })
            })
            .map_err(|e| self.err(e))?;
        s.sources = rows.collect::<Result<_, _>>().map_err(|e| self.err(e))?;
        Ok(s)
    }

    /// Messages first imported by import `id` that have each kind of defect.
    /// The report (JSON) of the first import into the case, if it finished.
    pub fn first_import_report(&self) -> Result<Option<serde_json::Value>> {
        let json: Option<Option<String>> = self
            .conn
            .query_row("SELECT report FROM imports ORDER BY id LIMIT 1", [], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| self.err(e))?;
        Ok(json.flatten().and_then(|j| serde_json::from_str(&j).ok()))
    }

    pub fn defects_of_import(&self, id: i64) -> Result<BTreeMap<String, u64>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT d.kind, count(DISTINCT d.message) FROM defects d JOIN messages m ON m.id=d.message
                 WHERE m.import_id=?1 GROUP BY d.kind",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([id], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// The index folder of the case.
    pub fn index_dir(&self) -> PathBuf {
        self.root.join("index")
    }

    /// The highest message row id (0 when empty).
    pub fn max_rowid(&self) -> Result<u64> {
        self.conn
            .query_row("SELECT coalesce(max(id), 0) FROM messages", [], |r| {
                r.get::<_, i64>(0)
            })
            .map(|n| n as u64)
            .map_err(|e| self.err(e))
    }

    /// Messages with row id above `after`, in row order, with their row id.
    pub fn messages_after(
        &self,
        after: u64,
        f: &mut dyn FnMut(u64, Message) -> Result<()>,
    ) -> Result<()> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, data FROM messages WHERE id > ?1 ORDER BY id")
            .map_err(|e| self.err(e))?;
        let mut rows = stmt.query([after as i64]).map_err(|e| self.err(e))?;
        while let Some(row) = rows.next().map_err(|e| self.err(e))? {
            let id: i64 = row.get(0).map_err(|e| self.err(e))?;
            let data: Vec<u8> = row.get(1).map_err(|e| self.err(e))?;
            let mut msg = decode_record(&data).ok_or_else(|| Error::BadCase {
                path: self.db_path.clone(),
                reason: format!("stored record of message row {id} is damaged"),
            })?;
            self.fill_attachment_texts(&mut msg)?;
            f(id as u64, msg)?;
        }
        Ok(())
    }

    /// Row id and key of a message given by its key's hex, or a unique
    /// prefix of it (at least 6 digits).
    pub fn resolve_id(&self, id: &str) -> Result<(u64, MessageKey)> {
        let hex = id.trim().to_ascii_lowercase();
        let not_found = || Error::NoSuchMessage {
            case: self.root.clone(),
            key: id.to_string(),
        };
        if hex.len() < 6 || hex.len() > 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(not_found());
        }
        // Keys are stored as blobs: compare their hex.
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, key FROM messages WHERE hex(key) LIKE ?1 LIMIT 2")
            .map_err(|e| self.err(e))?;
        let rows: Vec<(i64, Vec<u8>)> = stmt
            .query_map([format!("{}%", hex.to_ascii_uppercase())], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .map_err(|e| self.err(e))?
            .collect::<Result<_, _>>()
            .map_err(|e| self.err(e))?;
        match rows.as_slice() {
            [(rowid, key)] if key.len() == 32 => {
                let mut k = [0u8; 32];
                k.copy_from_slice(key);
                Ok((*rowid as u64, Sha256(k)))
            }
            [] => Err(not_found()),
            _ => Err(Error::BadCase {
                path: self.root.clone(),
                reason: format!("{id} matches more than one message; give more digits"),
            }),
        }
    }

    /// Keys of the given row ids (in the order given; unknown ids skipped).
    pub fn keys_of(&self, rowids: &[u64]) -> Result<Vec<(u64, MessageKey)>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT key FROM messages WHERE id=?1")
            .map_err(|e| self.err(e))?;
        let mut out = Vec::with_capacity(rowids.len());
        for &r in rowids {
            let key: Option<Vec<u8>> = stmt
                .query_row([r as i64], |row| row.get(0))
                .optional()
                .map_err(|e| self.err(e))?;
            if let Some(k) = key.filter(|k| k.len() == 32) {
                let mut a = [0u8; 32];
                a.copy_from_slice(&k);
                out.push((r, Sha256(a)));
            }
        }
        Ok(out)
    }

    /// The stored record of a message by row id, with its defects.
    /// The stored text of an attachment content, if any was kept.
    pub fn attachment_text(&self, sha: &Sha256) -> Result<Option<AttachmentText>> {
        let row: Option<(Option<String>, String, Option<Vec<u8>>)> = self
            .conn
            .prepare_cached("SELECT kind, status, text FROM attachment_texts WHERE sha256=?1")
            .and_then(|mut s| {
                s.query_row([&sha.0[..]], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                    .optional()
            })
            .map_err(|e| self.err(e))?;
        let Some((kind, status, text)) = row else {
            return Ok(None);
        };
        let text = match text {
            Some(b) => Some(
                lz4_flex::decompress_size_prepended(&b)
                    .ok()
                    .and_then(|v| String::from_utf8(v).ok())
                    .ok_or_else(|| Error::BadCase {
                        path: self.db_path.clone(),
                        reason: format!("stored text of attachment {} is damaged", sha.to_hex()),
                    })?,
            ),
            None => None,
        };
        Ok(Some(AttachmentText {
            sha256: *sha,
            kind,
            status: TextStatus::parse(&status).unwrap_or(TextStatus::Failed),
            text,
        }))
    }

    /// Puts the stored texts back into a message's attachments (records
    /// keep them apart; a version-1 record may still hold them inline).
    pub fn fill_attachment_texts(&self, msg: &mut Message) -> Result<()> {
        for a in &mut msg.attachments {
            if a.text.is_some() {
                continue;
            }
            if let Some(t) = self.attachment_text(&a.sha256)? {
                a.text = t.text;
                a.text_status = a.text_status.or(Some(t.status));
            }
        }
        Ok(())
    }

    /// Row ids of the messages that carry an attachment with this content.
    pub fn messages_with_attachment(&self, sha: &Sha256) -> Result<Vec<u64>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT DISTINCT message FROM message_attachments WHERE sha256=?1 ORDER BY message",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([&sha.0[..]], |r| Ok(r.get::<_, i64>(0)? as u64))
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    pub fn message_by_rowid(&self, rowid: u64) -> Result<Option<Message>> {
        let data: Option<Vec<u8>> = self
            .conn
            .prepare_cached("SELECT data FROM messages WHERE id=?1")
            .and_then(|mut s| s.query_row([rowid as i64], |r| r.get(0)).optional())
            .map_err(|e| self.err(e))?;
        let Some(data) = data else {
            return Ok(None);
        };
        let mut msg = decode_record(&data).ok_or_else(|| Error::BadCase {
            path: self.db_path.clone(),
            reason: format!("stored record of message row {rowid} is damaged"),
        })?;
        msg.defects = self.defects_of(rowid as i64)?;
        Ok(Some(msg))
    }

    /// Number of messages without a thread id (threads not yet computed).
    pub fn unthreaded(&self) -> Result<u64> {
        self.conn
            .query_row(
                // Messages are never deleted and every thread row is a
                // message's: the difference of two counts (each from a
                // small b-tree) instead of a scan of every message row,
                // which made opening a 60,000-message case 30 ms slower.
                "SELECT (SELECT count(*) FROM messages) - (SELECT count(*) FROM message_threads)",
                [],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n as u64)
            .map_err(|e| self.err(e))
    }

    /// The thread id stored for a message.
    pub fn thread_of(&self, key: &MessageKey) -> Result<Option<String>> {
        self.conn
            .prepare_cached(
                "SELECT t.thread FROM messages m LEFT JOIN message_threads t ON t.message = m.id
                 WHERE m.key=?1",
            )
            .and_then(|mut s| s.query_row([&key.0[..]], |r| r.get(0)).optional())
            .map(|t| t.flatten())
            .map_err(|e| self.err(e))
    }

    /// (first From address, date, subject, row id) of every message, by key.
    pub fn summaries(&self) -> Result<std::collections::HashMap<MessageKey, Summary>> {
        let mut stmt = self
            .conn
            .prepare("SELECT key, from_addr, date, subject, id FROM messages")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                let key: Vec<u8> = r.get(0)?;
                let mut k = [0u8; 32];
                if key.len() == 32 {
                    k.copy_from_slice(&key);
                }
                Ok((
                    Sha256(k),
                    Summary {
                        from: r.get(1)?,
                        date: r.get(2)?,
                        subject: r.get(3)?,
                        rowid: r.get::<_, i64>(4)? as u64,
                    },
                ))
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// The list columns of every message with row id above `after`, in
    /// row order: cheap (no record is decoded), for sorting and facets.
    pub fn light_rows(&self, after: u64) -> Result<Vec<LightRow>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT m.id, m.date, m.from_addr, m.subject, m.attachments, t.thread, m.to_addr
                 FROM messages m LEFT JOIN message_threads t ON t.message = m.id
                 WHERE m.id > ?1 ORDER BY m.id",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([after as i64], |r| {
                Ok(LightRow {
                    rowid: r.get::<_, i64>(0)? as u64,
                    date: r.get(1)?,
                    from: r.get(2)?,
                    subject: r.get(3)?,
                    attachments: r.get::<_, i64>(4)?.max(0) as u32,
                    thread: r.get(5)?,
                    to: r.get(6)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// Every defect in the case, in row order, with the message's subject
    /// and where it was first found (file and byte offset).
    pub fn defect_rows(&self) -> Result<Vec<DefectRow>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT d.message, d.kind, d.detail, m.subject,
                        (SELECT f.path FROM origins o JOIN files f ON f.id = o.file
                          WHERE o.message = d.message ORDER BY o.import_id, f.id, o.offset LIMIT 1),
                        (SELECT o.offset FROM origins o JOIN files f ON f.id = o.file
                          WHERE o.message = d.message ORDER BY o.import_id, f.id, o.offset LIMIT 1)
                   FROM defects d JOIN messages m ON m.id = d.message
                  ORDER BY d.message, d.rowid",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(DefectRow {
                    rowid: r.get::<_, i64>(0)? as u64,
                    kind: r.get(1)?,
                    detail: r.get(2)?,
                    subject: r.get(3)?,
                    path: r.get::<_, Option<String>>(4)?.map(PathBuf::from),
                    offset: r.get::<_, Option<i64>>(5)?.map(|o| o.max(0) as u64),
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// The notes (junk, truncation, separators) recorded by every import:
    /// (path, offset, text).
    pub fn notes(&self) -> Result<Vec<(PathBuf, u64, String)>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT path, offset, text FROM notes ORDER BY rowid")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    PathBuf::from(r.get::<_, String>(0)?),
                    r.get::<_, i64>(1)?.max(0) as u64,
                    r.get(2)?,
                ))
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// Row ids of the messages in a thread.
    pub fn thread_rowids(&self, thread: &str) -> Result<Vec<u64>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT message FROM message_threads WHERE thread=?1")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([thread], |r| r.get::<_, i64>(0))
            .map_err(|e| self.err(e))?;
        rows.map(|r| r.map(|n| n as u64))
            .collect::<Result<_, _>>()
            .map_err(|e| self.err(e))
    }

    /// Row ids of the messages found in a file whose path contains `part`
    /// (case-insensitive).
    pub fn source_rowids(&self, part: &str) -> Result<Vec<u64>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT DISTINCT o.message FROM origins o JOIN files f ON f.id=o.file
                 WHERE instr(lower(f.path), lower(?1)) > 0",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([part], |r| r.get::<_, i64>(0))
            .map_err(|e| self.err(e))?;
        rows.map(|r| r.map(|n| n as u64))
            .collect::<Result<_, _>>()
            .map_err(|e| self.err(e))
    }

    /// What threading needs of every message: (row id, input, stored thread).
    pub fn thread_inputs(&self) -> Result<Vec<(u64, crate::thread::ThreadInput, Option<String>)>> {
        self.thread_inputs_where(None)
    }

    /// [`thread_inputs`](Case::thread_inputs) of the messages of one stored
    /// thread (read from columns; no record is decoded).
    pub fn thread_inputs_of(
        &self,
        thread: &str,
    ) -> Result<Vec<(u64, crate::thread::ThreadInput, Option<String>)>> {
        self.thread_inputs_where(Some(thread))
    }

    /// Every message's (row id, key, Message-ID), in row order (a
    /// sequential scan of the table).
    pub fn message_ids(&self) -> Result<Vec<MessageIdRow>> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, key, message_id FROM messages ORDER BY id")
            .map_err(|e| self.err(e))?;
        let mut rows = stmt.query([]).map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(|e| self.err(e))? {
            let id: i64 = r.get(0).map_err(|e| self.err(e))?;
            let key = key_of(r.get_ref(1).map_err(|e| self.err(e))?);
            let mid = r
                .get_ref(2)
                .and_then(|v| Ok(v.as_str_or_null()?))
                .map_err(|e| self.err(e))?;
            out.push((id as u64, key, mid.map(Box::from)));
        }
        Ok(out)
    }

    /// Feeds every message to `f` in row order: (row id, In-Reply-To ids,
    /// References ids, X-GM-THRID, Thread-Index), ids space-separated.
    pub fn for_each_reply_headers(
        &self,
        mut f: impl FnMut(u64, &str, &str, Option<&str>, Option<&str>),
    ) -> Result<()> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, in_reply_to, refs, gm_thrid, thread_index FROM messages ORDER BY id",
            )
            .map_err(|e| self.err(e))?;
        let mut rows = stmt.query([]).map_err(|e| self.err(e))?;
        while let Some(r) = rows.next().map_err(|e| self.err(e))? {
            let id: i64 = r.get(0).map_err(|e| self.err(e))?;
            let text = |i: usize| -> Result<Option<&str>> {
                r.get_ref(i)
                    .and_then(|v| Ok(v.as_str_or_null()?))
                    .map_err(|e| self.err(e))
            };
            f(
                id as u64,
                text(1)?.unwrap_or(""),
                text(2)?.unwrap_or(""),
                text(3)?,
                text(4)?,
            );
        }
        Ok(())
    }

    /// Feeds every stored thread id to `f` in row order: (row id, thread
    /// id). Messages not threaded yet are left out.
    pub fn for_each_stored_thread(&self, mut f: impl FnMut(u64, &str)) -> Result<()> {
        let mut stmt = self
            .conn
            .prepare("SELECT message, thread FROM message_threads ORDER BY message")
            .map_err(|e| self.err(e))?;
        let mut rows = stmt.query([]).map_err(|e| self.err(e))?;
        while let Some(r) = rows.next().map_err(|e| self.err(e))? {
            let id: i64 = r.get(0).map_err(|e| self.err(e))?;
            let thread = r
                .get_ref(1)
                .and_then(|v| Ok(v.as_str()?))
                .map_err(|e| self.err(e))?;
            f(id as u64, thread);
        }
        Ok(())
    }

    fn thread_inputs_where(
        &self,
        thread: Option<&str>,
    ) -> Result<Vec<(u64, crate::thread::ThreadInput, Option<String>)>> {
        let sql = if thread.is_some() {
            "SELECT m.id, m.key, m.message_id, m.in_reply_to, m.refs, m.subject, m.date, m.gm_thrid,
                    m.thread_index, t.thread
             FROM message_threads t JOIN messages m ON m.id = t.message
             WHERE t.thread=?1 ORDER BY m.id"
        } else {
            "SELECT m.id, m.key, m.message_id, m.in_reply_to, m.refs, m.subject, m.date, m.gm_thrid,
                    m.thread_index, t.thread
             FROM messages m LEFT JOIN message_threads t ON t.message = m.id
             WHERE ?1 IS NULL ORDER BY m.id"
        };
        let mut stmt = self.conn.prepare_cached(sql).map_err(|e| self.err(e))?;
        let split = |s: Option<String>| -> Vec<String> {
            s.map(|s| {
                s.split(' ')
                    .filter(|x| !x.is_empty())
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default()
        };
        let rows = stmt
            .query_map([thread], |r| {
                let key: Vec<u8> = r.get(1)?;
                let mut k = [0u8; 32];
                if key.len() == 32 {
                    k.copy_from_slice(&key);
                }
                Ok((
                    r.get::<_, i64>(0)? as u64,
                    crate::thread::ThreadInput {
                        key: Sha256(k),
                        message_id: r.get(2)?,
                        in_reply_to: split(r.get(3)?),
                        references: split(r.get(4)?),
                        subject: r.get(5)?,
                        date: r.get(6)?,
                        gm_thread_id: r.get(7)?,
                        thread_index: r.get(8)?,
                    },
                    r.get::<_, Option<String>>(9)?,
                ))
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// Stores thread ids; returns how many changed.
    pub fn set_threads(&mut self, changes: &[(u64, String)]) -> Result<usize> {
        let db_path = self.db_path.clone();
        let tx = self
            .conn
            .transaction()
            .map_err(|e| Error::store(&db_path, e))?;
        {
            let mut stmt = tx
                .prepare("INSERT OR REPLACE INTO message_threads(message, thread) VALUES (?2, ?1)")
                .map_err(|e| Error::store(&db_path, e))?;
            for (rowid, thread) in changes {
                stmt.execute(params![thread, *rowid as i64])
                    .map_err(|e| Error::store(&db_path, e))?;
            }
        }
        tx.commit().map_err(|e| Error::store(&db_path, e))?;
        Ok(changes.len())
    }

    /// The last checkpoint at or before `offset` of the gzip file at
    /// `path` (the newest version of it that has checkpoints). `None` when
    /// there is none, or for a case made before checkpoints existed.
    pub fn gz_checkpoint(
        &self,
        path: &Path,
        offset: u64,
    ) -> Option<crate::source::gzindex::Checkpoint> {
        let data: Vec<u8> = self
            .conn
            .prepare_cached(
                "SELECT c.data FROM gz_checkpoints c JOIN files f ON f.id = c.file
                  WHERE f.path = ?1 AND c.out_offset <= ?2
                  ORDER BY f.id DESC, c.out_offset DESC LIMIT 1",
            )
            .and_then(|mut s| {
                s.query_row(params![path_str(path), offset as i64], |r| r.get(0))
                    .optional()
            })
            .ok()
            .flatten()?;
        crate::source::gzindex::Checkpoint::from_bytes(&data)
    }

    /// The stored record of a message, with its defects.
    pub fn message(&self, key: &MessageKey) -> Result<Option<Message>> {
        let row = self
            .conn
            .query_row(
                "SELECT id, data FROM messages WHERE key=?1",
                [&key.0[..]],
                |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?)),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        let Some((id, data)) = row else {
            return Ok(None);
        };
        let mut msg = decode_record(&data).ok_or_else(|| Error::BadCase {
            path: self.db_path.clone(),
            reason: format!("stored record of message {key} is damaged"),
        })?;
        msg.defects = self.defects_of(id)?;
        Ok(Some(msg))
    }

    fn defects_of(&self, id: i64) -> Result<Vec<Defect>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT kind, detail FROM defects WHERE message=?1 ORDER BY rowid")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([id], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (kind, detail) = row.map_err(|e| self.err(e))?;
            if let Some(kind) = DefectKind::parse(&kind) {
                out.push(Defect { kind, detail });
            }
        }
        Ok(out)
    }

    /// Every origin of a message, in the order found.
    pub fn origins(&self, key: &MessageKey) -> Result<Vec<Origin>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT f.path, f.format, o.offset, o.length, o.raw_sha256, o.from_line, o.maildir_flags
                 FROM origins o JOIN files f ON f.id=o.file JOIN messages m ON m.id=o.message
                 WHERE m.key=?1 ORDER BY o.import_id, f.id, o.offset",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([&key.0[..]], |r| {
                let sha: Vec<u8> = r.get(4)?;
                let mut raw = [0u8; 32];
                if sha.len() == 32 {
                    raw.copy_from_slice(&sha);
                }
                Ok(Origin {
                    path: PathBuf::from(r.get::<_, String>(0)?),
                    format: SourceFormat::parse(&r.get::<_, String>(1)?)
                        .unwrap_or(SourceFormat::Eml),
                    offset: r.get::<_, i64>(2)? as u64,
                    length: r.get::<_, i64>(3)? as u64,
                    raw_sha256: Sha256(raw),
                    from_line: r.get(5)?,
                    maildir_flags: r.get(6)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// All message keys, in import order.
    pub fn keys(&self) -> Result<Vec<MessageKey>> {
        let mut stmt = self
            .conn
            .prepare("SELECT key FROM messages ORDER BY id")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| r.get::<_, Vec<u8>>(0))
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for row in rows {
            let k = row.map_err(|e| self.err(e))?;
            if k.len() == 32 {
                let mut a = [0u8; 32];
                a.copy_from_slice(&k);
                out.push(Sha256(a));
            }
        }
        Ok(out)
    }

    /// Skipped files and source notes of all imports: (path, reason).
    pub fn skipped(&self) -> Result<Vec<(PathBuf, String)>> {
        let mut stmt = self
            .conn
            .prepare("SELECT path, reason FROM skipped GROUP BY path ORDER BY rowid")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((PathBuf::from(r.get::<_, String>(0)?), r.get(1)?))
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }
}

/// Decodes a stored record.
pub(crate) fn decode_record(data: &[u8]) -> Option<Message> {
    let json = lz4_flex::decompress_size_prepended(data).ok()?;
    serde_json::from_slice(&json).ok()
}

/// A path as stored (lossy for non-UTF-8 names, which are rare in mail dumps).
pub fn path_str(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// Writes a file via a temporary name and rename, so it is never half-written.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("tmp");
    fs::write(&tmp, bytes)
        .and_then(|_| fs::rename(&tmp, path))
        .map_err(|e| Error::io(path, "writing", e))
}

/// Writes inside one transaction of [`Case::transaction`].
pub struct Tx<'a> {
    tx: &'a rusqlite::Transaction<'a>,
    db_path: &'a Path,
}

impl Tx<'_> {
    fn err(&self, e: rusqlite::Error) -> Error {
        Error::store(self.db_path, e)
    }

    /// Records a named source (or updates it); returns its id.
    pub fn source(
        &self,
        path: &Path,
        format: SourceFormat,
        size: u64,
        import_id: i64,
    ) -> Result<i64> {
        self.tx
            .execute(
                "INSERT INTO sources(path, format, size, last_import) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(path) DO UPDATE SET format=?2, size=?3, last_import=?4",
                params![path_str(path), format.as_str(), size as i64, import_id],
            )
            .map_err(|e| self.err(e))?;
        self.tx
            .query_row(
                "SELECT id FROM sources WHERE path=?1",
                [path_str(path)],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))
    }

    /// Sets a source's SHA-256 (of the file, or of the folder's file list).
    pub fn source_hash(&self, id: i64, sha: &Sha256) -> Result<()> {
        self.tx
            .execute(
                "UPDATE sources SET sha256=?1 WHERE id=?2",
                params![sha.to_hex(), id],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Records a file version about to be read; returns its id.
    pub fn file(
        &self,
        source_id: i64,
        path: &Path,
        format: SourceFormat,
        size: u64,
        mtime_ns: i64,
        import_id: i64,
    ) -> Result<i64> {
        // Once per file of a folder of 44,000 EML files: a cached
        // statement, and the id returned by the same statement.
        self.tx
            .prepare_cached(
                "INSERT INTO files(source_id, path, format, size, mtime_ns, import_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT(path, size, mtime_ns) DO UPDATE SET format=?3
                 RETURNING id",
            )
            .and_then(|mut s| {
                s.query_row(
                    params![
                        source_id,
                        path_str(path),
                        format.as_str(),
                        size as i64,
                        mtime_ns,
                        import_id
                    ],
                    |r| r.get(0),
                )
            })
            .map_err(|e| self.err(e))
    }

    /// The SHA-256 recorded for a file version.
    pub fn file_sha(&self, path: &Path, size: u64, mtime_ns: i64) -> Result<Option<Sha256>> {
        let hex: Option<Option<String>> = self
            .tx
            .prepare_cached("SELECT sha256 FROM files WHERE path=?1 AND size=?2 AND mtime_ns=?3")
            .and_then(|mut s| {
                s.query_row(params![path_str(path), size as i64, mtime_ns], |r| r.get(0))
                    .optional()
            })
            .map_err(|e| self.err(e))?;
        Ok(hex.flatten().and_then(|h| h.parse().ok()))
    }

    /// Marks a file version as completely imported, with its SHA-256.
    pub fn file_complete(&self, id: i64, sha: Option<&Sha256>) -> Result<()> {
        self.tx
            .prepare_cached("UPDATE files SET complete=1, sha256=?1 WHERE id=?2")
            .and_then(|mut s| s.execute(params![sha.map(|s| s.to_hex()), id]))
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Stores a gzip file's checkpoints (replacing any it had).
    pub fn gz_checkpoints(
        &self,
        file_id: i64,
        checkpoints: &[crate::source::gzindex::Checkpoint],
    ) -> Result<()> {
        let mut stmt = self
            .tx
            .prepare_cached(
                "INSERT OR REPLACE INTO gz_checkpoints(file, out_offset, in_offset, data)
                 VALUES (?1, ?2, ?3, ?4)",
            )
            .map_err(|e| self.err(e))?;
        for cp in checkpoints {
            stmt.execute(params![
                file_id,
                cp.out_offset as i64,
                cp.in_offset as i64,
                cp.to_bytes()
            ])
            .map_err(|e| self.err(e))?;
        }
        Ok(())
    }

    /// Records a file that was not imported.
    pub fn skipped(
        &self,
        import_id: i64,
        source_id: Option<i64>,
        path: &Path,
        reason: &str,
    ) -> Result<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO skipped(import_id, source_id, path, reason) VALUES (?1, ?2, ?3, ?4)",
            )
            .and_then(|mut s| s.execute(params![import_id, source_id, path_str(path), reason]))
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Records a note about a source.
    pub fn note(
        &self,
        import_id: i64,
        source_id: Option<i64>,
        path: &Path,
        offset: u64,
        text: &str,
    ) -> Result<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO notes(import_id, source_id, path, offset, text) VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .and_then(|mut s| {
                s.execute(params![import_id, source_id, path_str(path), offset as i64, text])
            })
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Adds a message sighting: a new message, or a new origin of a known
    /// one. A Message-ID shared with a different message flags both.
    pub fn add_message(
        &self,
        rec: &Prepared,
        origin: &OriginRow<'_>,
        import_id: i64,
    ) -> Result<(Added, i64)> {
        let existing: Option<i64> = self
            .tx
            .prepare_cached("SELECT id FROM messages WHERE key=?1")
            .and_then(|mut s| s.query_row([&rec.key.0[..]], |r| r.get(0)).optional())
            .map_err(|e| self.err(e))?;
        let (id, added) = match existing {
            Some(id) => {
                let known: Option<i64> = self
                    .tx
                    .prepare_cached("SELECT message FROM origins WHERE file=?1 AND offset=?2")
                    .and_then(|mut s| {
                        s.query_row(params![origin.file_id, origin.offset as i64], |r| r.get(0))
                            .optional()
                    })
                    .map_err(|e| self.err(e))?;
                if known == Some(id) {
                    return Ok((Added::AlreadyPresent, id));
                }
                (id, Added::Duplicate)
            }
            None => {
                self.tx
                    .prepare_cached(
                        "INSERT INTO messages(key, status, size, date, subject, message_id, from_addr, attachments, import_id, data,
                                              in_reply_to, refs, gm_thrid, thread_index, to_addr)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
                    )
                    .and_then(|mut s| {
                        s.execute(params![
                            &rec.key.0[..],
                            rec.status.as_str(),
                            rec.size as i64,
                            rec.date,
                            rec.subject,
                            rec.message_id,
                            rec.from_addr,
                            rec.attachments as i64,
                            import_id,
                            rec.data,
                            rec.in_reply_to,
                            rec.refs,
                            rec.gm_thrid,
                            rec.thread_index,
                            rec.to_addr,
                        ])
                    })
                    .map_err(|e| self.err(e))?;
                let id = self.tx.last_insert_rowid();
                self.attachments_of(id, &rec.attachment_shas, &rec.texts)?;
                for d in &rec.defects {
                    self.defect(id, d)?;
                }
                if let Some(mid) = &rec.message_id {
                    self.flag_message_id_collisions(id, &rec.key, mid)?;
                }
                (id, Added::New)
            }
        };
        self.tx
            .prepare_cached(
                "INSERT OR IGNORE INTO origins(message, file, offset, length, raw_sha256, from_line, maildir_flags, import_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )
            .and_then(|mut s| {
                s.execute(params![
                    id,
                    origin.file_id,
                    origin.offset as i64,
                    origin.length as i64,
                    &origin.raw_sha256.0[..],
                    origin.from_line,
                    origin.maildir_flags,
                    import_id,
                ])
            })
            .map_err(|e| self.err(e))?;
        Ok((added, id))
    }

    /// Links a new message to its attachments' contents and stores each
    /// content's text once (the first text stored for a SHA-256 stays).
    fn attachments_of(&self, id: i64, shas: &[Sha256], texts: &[AttachmentText]) -> Result<()> {
        for (i, sha) in shas.iter().enumerate() {
            self.tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO message_attachments(message, idx, sha256) VALUES (?1, ?2, ?3)",
                )
                .and_then(|mut s| s.execute(params![id, i as i64, &sha.0[..]]))
                .map_err(|e| self.err(e))?;
        }
        for t in texts {
            let text = t
                .text
                .as_ref()
                .map(|t| lz4_flex::compress_prepend_size(t.as_bytes()));
            self.tx
                .prepare_cached(
                    // Kept once per content; a text replaces a stored
                    // "no text" (the same bytes met first under another kind).
                    "INSERT INTO attachment_texts(sha256, kind, status, text) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT(sha256) DO UPDATE SET kind=excluded.kind, status=excluded.status, text=excluded.text
                     WHERE attachment_texts.text IS NULL AND excluded.text IS NOT NULL",
                )
                .and_then(|mut s| s.execute(params![&t.sha256.0[..], t.kind, t.status.as_str(), text]))
                .map_err(|e| self.err(e))?;
        }
        Ok(())
    }

    fn defect(&self, id: i64, d: &Defect) -> Result<()> {
        self.tx
            .prepare_cached("INSERT INTO defects(message, kind, detail) VALUES (?1, ?2, ?3)")
            .and_then(|mut s| s.execute(params![id, d.kind.as_str(), d.detail]))
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    fn flag_message_id_collisions(&self, id: i64, key: &MessageKey, mid: &str) -> Result<()> {
        let others: Vec<(i64, Vec<u8>)> = {
            let mut s = self
                .tx
                .prepare_cached(
                    "SELECT id, key FROM messages WHERE message_id=?1 AND id<>?2 LIMIT 100",
                )
                .map_err(|e| self.err(e))?;
            let rows = s
                .query_map(params![mid, id], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(|e| self.err(e))?;
            rows.collect::<Result<_, _>>().map_err(|e| self.err(e))?
        };
        if others.is_empty() {
            return Ok(());
        }
        for (other, other_key) in &others {
            self.defect(
                id,
                &Defect::new(
                    DefectKind::DuplicateMessageId,
                    format!(
                        "Message-ID <{mid}> is also on message {} with different bytes",
                        hex::encode(other_key)
                    ),
                ),
            )?;
            self.defect(
                *other,
                &Defect::new(
                    DefectKind::DuplicateMessageId,
                    format!("Message-ID <{mid}> is also on message {key} with different bytes"),
                ),
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_format() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1444672931), "2015-10-12T18:02:11Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn a_second_writer_is_refused_and_readers_are_not() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path().join("case");
        let _w = Case::open_for_writing(&root).unwrap();
        match Case::open_for_writing(&root) {
            Err(Error::CaseInUse { .. }) => {}
            other => panic!("expected CaseInUse, got {:?}", other.map(|_| ())),
        }
        assert_eq!(Case::open(&root).unwrap().stats().unwrap().messages, 0);
    }

    #[test]
    fn refuses_a_folder_that_is_not_a_case() {
        let t = tempfile::tempdir().unwrap();
        fs::write(t.path().join("x.eml"), "Subject: x\n\nx").unwrap();
        assert!(matches!(
            Case::open_for_writing(t.path()),
            Err(Error::BadCase { .. })
        ));
        assert!(matches!(Case::open(t.path()), Err(Error::BadCase { .. })));
    }

    #[test]
    fn the_same_content_twice_keeps_the_entry_with_text() {
        // Found by the `message` fuzz target: an empty part as a document
        // (no text) and again as plain text (""): the text was dropped.
        let att = |kind: &str, status, text: Option<&str>| crate::model::Attachment {
            name: Some(format!("a.{kind}")),
            mime: "application/octet-stream".into(),
            size: 3,
            sha256: Sha256::of(b"abc"),
            inline: false,
            text: text.map(String::from),
            kind: Some(kind.into()),
            text_status: Some(status),
        };
        let mut msg = Message::empty(Sha256::of(b"m"), 10);
        msg.attachments = vec![
            att("pdf", TextStatus::Failed, None),
            att("text", TextStatus::Extracted, Some("abc")),
            att("image", TextStatus::Unsupported, None),
        ];
        let p = prepare(msg);
        assert_eq!(p.texts.len(), 1);
        assert_eq!(p.texts[0].text.as_deref(), Some("abc"));
        assert_eq!(p.texts[0].status, TextStatus::Extracted);
        assert_eq!(p.texts[0].kind.as_deref(), Some("text"));
        assert_eq!(p.attachment_shas.len(), 3);
    }

    /// A case with three messages, two threaded by an older version, as a
    /// version-2 case had them: in `messages.thread`.
    #[test]
    fn a_version_2_case_keeps_its_threads() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path().join("c");
        let keys: Vec<MessageKey> = (0..3u8).map(|i| Sha256::of(&[i])).collect();
        {
            let mut case = Case::open_for_writing(&root).unwrap();
            let import = case.begin_import("test").unwrap();
            case.transaction(|tx| {
                let src = tx.source(Path::new("/s"), SourceFormat::Folder, 0, import)?;
                for (i, key) in keys.iter().enumerate() {
                    let path = PathBuf::from(format!("/s/{i}.eml"));
                    let f = tx.file(src, &path, SourceFormat::Eml, 10, 1, import)?;
                    let raw = format!("Subject: m{i}\n\nbody\n");
                    let msg = crate::parse::parse_message(
                        *key,
                        raw.as_bytes(),
                        true,
                        raw.len() as u64,
                        &Default::default(),
                        2_000_000_000,
                    );
                    tx.add_message(
                        &prepare(msg),
                        &OriginRow {
                            file_id: f,
                            offset: 0,
                            length: 10,
                            raw_sha256: Sha256::of(raw.as_bytes()),
                            from_line: None,
                            maildir_flags: None,
                        },
                        import,
                    )?;
                }
                Ok(())
            })
            .unwrap();
            // Back to what version 2 had: no message_threads, the thread
            // ids in a column of messages (the third message unthreaded).
            case.conn
                .execute_batch(
                    "DROP TABLE message_threads;
                     ALTER TABLE messages ADD COLUMN thread TEXT;
                     CREATE INDEX messages_thread ON messages(thread);
                     UPDATE messages SET thread='aaaaaaaaaaaaaaaa' WHERE id IN (1, 2);",
                )
                .unwrap();
        }
        let marker = root.join(MARKER);
        let v2 = fs::read_to_string(&marker)
            .unwrap()
            .replace(&format!("\"version\": {FORMAT_VERSION}"), "\"version\": 2");
        fs::write(&marker, v2).unwrap();

        let case = Case::open(&root).unwrap();
        assert_eq!(Case::marker(&root).unwrap().version, FORMAT_VERSION);
        assert_eq!(
            case.thread_of(&keys[0]).unwrap().as_deref(),
            Some("aaaaaaaaaaaaaaaa")
        );
        assert_eq!(case.thread_of(&keys[2]).unwrap(), None);
        assert_eq!(case.thread_rowids("aaaaaaaaaaaaaaaa").unwrap().len(), 2);
        assert_eq!(case.unthreaded().unwrap(), 1);
        let threads: Vec<Option<String>> = case
            .light_rows(0)
            .unwrap()
            .into_iter()
            .map(|r| r.thread)
            .collect();
        assert_eq!(
            threads,
            [
                Some("aaaaaaaaaaaaaaaa".to_string()),
                Some("aaaaaaaaaaaaaaaa".to_string()),
                None
            ]
        );
        let old_index: i64 = case
            .conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name='messages_thread'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(old_index, 0, "the old index is dropped");
        drop(case);

        // Threading it again stores every message's thread in the new table.
        let mut case = Case::open_for_writing(&root).unwrap();
        case.set_threads(&[
            (3, "bbbbbbbbbbbbbbbb".into()),
            (1, "cccccccccccccccc".into()),
        ])
        .unwrap();
        assert_eq!(case.unthreaded().unwrap(), 0);
        assert_eq!(case.thread_rowids("aaaaaaaaaaaaaaaa").unwrap(), [2]);
        let mut stored = Vec::new();
        case.for_each_stored_thread(|rowid, t| stored.push((rowid, t.to_string())))
            .unwrap();
        assert_eq!(
            stored,
            [
                (1, "cccccccccccccccc".to_string()),
                (2, "aaaaaaaaaaaaaaaa".to_string()),
                (3, "bbbbbbbbbbbbbbbb".to_string())
            ]
        );
    }

    /// The checkpointer copies what the writer logged into the database.
    #[test]
    fn checkpointer_copies_the_log() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path().join("c");
        let mut case = Case::open_for_writing(&root).unwrap();
        let cp = case.checkpointer().unwrap();
        let deferred: u32 = case
            .conn
            .query_row("PRAGMA wal_autocheckpoint", [], |r| r.get(0))
            .unwrap();
        assert_eq!(deferred, WAL_AUTOCHECKPOINT_DEFERRED);
        let import = case.begin_import("test").unwrap();
        case.transaction(|tx| {
            for i in 0..200 {
                tx.source(
                    Path::new(&format!("/s{i}")),
                    SourceFormat::Folder,
                    0,
                    import,
                )?;
            }
            Ok(())
        })
        .unwrap();
        let (logged, copied) = cp.checkpoint().unwrap();
        assert!(logged > 0, "the writes went to the log");
        assert_eq!(copied, logged, "all of it copied");
        let (stop, stopped) = crossbeam_channel::bounded::<()>(1);
        drop(stop);
        cp.run(&stopped);
        case.end_checkpointer().unwrap();
        let restored: u32 = case
            .conn
            .query_row("PRAGMA wal_autocheckpoint", [], |r| r.get(0))
            .unwrap();
        assert_eq!(restored, WAL_AUTOCHECKPOINT);
    }

    #[test]
    fn a_version_1_case_is_upgraded_in_place() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path().join("c");
        let raw = "From: a@x\nTo: Zed <ZED@Example.org>\nSubject: s\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nbody\n--b\nContent-Type: text/plain; name=notes.txt\nContent-Disposition: attachment; filename=notes.txt\n\nquillwort notes\n--b--\n";
        let mut msg = crate::parse::parse_message(
            Sha256::of(raw.as_bytes()),
            raw.as_bytes(),
            true,
            raw.len() as u64,
            &Default::default(),
            2_000_000_000,
        );
        let sha = msg.attachments[0].sha256;
        {
            let mut case = Case::open_for_writing(&root).unwrap();
            let import = case.begin_import("test").unwrap();
            case.transaction(|tx| {
                let src = tx.source(Path::new("/s"), SourceFormat::Folder, 0, import)?;
                let f = tx.file(src, Path::new("/s/1.eml"), SourceFormat::Eml, 10, 1, import)?;
                // A version-1 record: the attachment text inline.
                msg.attachments[0].text_status = None;
                let mut p = prepare(msg.clone());
                p.data = lz4_flex::compress_prepend_size(&serde_json::to_vec(&msg).unwrap());
                tx.add_message(
                    &p,
                    &OriginRow {
                        file_id: f,
                        offset: 0,
                        length: 10,
                        raw_sha256: Sha256::of(b"r"),
                        from_line: None,
                        maildir_flags: None,
                    },
                    import,
                )?;
                Ok(())
            })
            .unwrap();
            // Back to what version 1 had.
            case.conn
                .execute_batch(
                    "ALTER TABLE messages DROP COLUMN to_addr;
                     DELETE FROM message_attachments; DELETE FROM attachment_texts;",
                )
                .unwrap();
        }
        let marker = root.join(MARKER);
        let v1 = fs::read_to_string(&marker)
            .unwrap()
            .replace(&format!("\"version\": {FORMAT_VERSION}"), "\"version\": 1");
        fs::write(&marker, v1).unwrap();
        assert_eq!(Case::marker(&root).unwrap().version, 1);

        // Opening it for reading upgrades it first.
        let case = Case::open(&root).unwrap();
        assert_eq!(Case::marker(&root).unwrap().version, FORMAT_VERSION);
        let rows = case.light_rows(0).unwrap();
        assert_eq!(rows[0].to.as_deref(), Some("zed@example.org"));
        assert_eq!(
            case.messages_with_attachment(&sha).unwrap(),
            [rows[0].rowid]
        );
        let text = case.attachment_text(&sha).unwrap().unwrap();
        assert_eq!(text.text.as_deref().map(str::trim), Some("quillwort notes"));
        assert_eq!(text.status, TextStatus::Extracted);
    }

    #[test]
    fn messages_dedup_and_message_id_collisions() {
        let t = tempfile::tempdir().unwrap();
        let mut case = Case::open_for_writing(&t.path().join("c")).unwrap();
        let import = case.begin_import("test").unwrap();
        let msg = |body: &str| {
            let raw = format!("Message-ID: <same@x>\nSubject: s\n\n{body}");
            crate::parse::parse_message(
                Sha256::of(raw.as_bytes()),
                raw.as_bytes(),
                true,
                raw.len() as u64,
                &Default::default(),
                2_000_000_000,
            )
        };
        let a = msg("one");
        let b = msg("two");
        let (ka, kb) = (a.key, b.key);
        let outcomes = case
            .transaction(|tx| {
                let src = tx.source(Path::new("/s"), SourceFormat::Folder, 0, import)?;
                let f1 = tx.file(src, Path::new("/s/1.eml"), SourceFormat::Eml, 10, 1, import)?;
                let f2 = tx.file(src, Path::new("/s/2.eml"), SourceFormat::Eml, 10, 1, import)?;
                let o = |file_id| OriginRow {
                    file_id,
                    offset: 0,
                    length: 10,
                    raw_sha256: Sha256::of(b"r"),
                    from_line: None,
                    maildir_flags: None,
                };
                Ok(vec![
                    tx.add_message(&prepare(a.clone()), &o(f1), import)?.0,
                    tx.add_message(&prepare(a.clone()), &o(f2), import)?.0,
                    tx.add_message(&prepare(a.clone()), &o(f2), import)?.0,
                    tx.add_message(&prepare(b.clone()), &o(f2 + 100), import)?.0,
                ])
            })
            .unwrap();
        assert_eq!(
            outcomes,
            [
                Added::New,
                Added::Duplicate,
                Added::AlreadyPresent,
                Added::New
            ]
        );
        let stored = case.message(&ka).unwrap().unwrap();
        assert_eq!(stored.subject.as_deref(), Some("s"));
        assert!(stored.has_defect(DefectKind::DuplicateMessageId));
        assert!(
            case.message(&kb)
                .unwrap()
                .unwrap()
                .has_defect(DefectKind::DuplicateMessageId)
        );
        assert_eq!(case.origins(&ka).unwrap().len(), 2);
        let s = case.stats().unwrap();
        assert_eq!((s.messages, s.parsed, s.duplicates), (2, 3, 1));
        // The report's defect list names the subject and the first origin.
        let rows = case.defect_rows().unwrap();
        let of_a: Vec<_> = rows
            .iter()
            .filter(|r| r.kind == DefectKind::DuplicateMessageId.as_str())
            .collect();
        assert_eq!(of_a.len(), 2, "{rows:?}");
        assert_eq!(of_a[0].subject.as_deref(), Some("s"));
        assert_eq!(of_a[0].path.as_deref(), Some(Path::new("/s/1.eml")));
        assert_eq!(of_a[0].offset, Some(0));
    }
}
