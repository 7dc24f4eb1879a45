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
//!                        and the investigators' annotations (tags,
//!                        stars, notes, saved searches; keyed by message key)
//!   audit.log            append-only NDJSON: one line per import, export
//!                        or annotation change (who, when, what)
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
//!
//! The rooms: this file opens a case (lock, connection, transactions,
//! the import log and audit log); `schema` holds the tables, the format
//! version and the upgrades; `write` prepares messages and writes them in
//! a transaction ([`Tx`]); `read` reads messages back; `report` the
//! totals, defects and notes (`counts`: the maintained totals `stats`
//! reads, kept by triggers); `threads` what threading reads and the
//! stored thread ids; `annotations` and `annotations_read` the
//! investigator's desk (tags, stars, notes, saved searches, merging an
//! annotations file); `checkpoint` the write-ahead log's checkpoints
//! during an import; `paths` where cases live. `sql` is the one place
//! where rusqlite's errors become typed ones. rusqlite is used nowhere
//! else in mailsift.

mod annotations;
mod annotations_read;
mod checkpoint;
mod counts;
mod dkim;
mod identities;
mod naming;
mod paths;
mod read;
mod report;
mod schema;
mod sql;
mod threads;
mod write;

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, params};
use serde::Serialize;

pub use annotations::MergeReport;
pub use annotations_read::TagInfo;
pub use checkpoint::Checkpointer;
pub use dkim::{DkimStats, DomainStats};
pub use naming::{
    CASE_NAME_MAX, CaseSummary, case_name, case_summary, default_case_name, set_case_name,
};
pub use paths::{bundled_sample, case_dir_for, case_name_for, data_dir, sample_candidates};
pub use read::{Addressing, LightRow, Summary};
pub use report::{CaseStats, DefectRow, SourceRow};
pub use threads::{MessageIdRow, ThreadInputRow};
pub use write::{
    Added, AttachmentText, OriginRow, Participant, Prepared, ROLE_BCC, ROLE_CC, ROLE_FROM, ROLE_TO,
    Tx, prepare,
};

use crate::error::{Error, Result};
use crate::model::{Message, MessageKey, Sha256};
use crate::time::rfc3339;
use schema::{FORMAT_NAME, FORMAT_VERSION, Marker, SCHEMA};
use sql::Sql;

/// Name of the marker file that makes a folder a case.
pub const MARKER: &str = "mailsift-case.json";
const DB: &str = "case.sqlite";
const AUDIT: &str = "audit.log";
const LOCK: &str = "write.lock";

/// An open case. Opened for writing it holds the case's write lock, so
/// that only one process imports into a case at a time; readers need no lock.
pub struct Case {
    root: PathBuf,
    db_path: PathBuf,
    conn: Connection,
    _lock: Option<File>,
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
                name: None,
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
            conn.execute_batch(counts::COUNTS)
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

    /// The index folder of the case.
    pub fn index_dir(&self) -> PathBuf {
        self.root.join("index")
    }

    /// The case's connection, its errors naming the database.
    fn sql(&self) -> Sql<'_> {
        Sql::new(&self.conn, &self.db_path)
    }

    /// Runs `f` in one transaction, committed when it returns Ok.
    pub fn transaction<T>(&mut self, f: impl FnOnce(&Tx<'_>) -> Result<T>) -> Result<T> {
        let db_path = self.db_path.clone();
        let tx = self
            .conn
            .transaction()
            .map_err(|e| Error::store(&db_path, e))?;
        let out = f(&Tx::new(&tx, &db_path))?;
        tx.commit().map_err(|e| Error::store(&db_path, e))?;
        Ok(out)
    }

    /// Records the start of an import; returns its id.
    pub fn begin_import(&mut self, command: &str) -> Result<i64> {
        self.sql().exec(
            "INSERT INTO imports(started, status, command) VALUES (?1, 'running', ?2)",
            params![now_rfc3339(), command],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Records the end of an import and appends it to the audit log.
    pub fn finish_import(&mut self, id: i64, status: &str, report: &impl Serialize) -> Result<()> {
        let json = serde_json::to_string(report).unwrap_or_default();
        let finished = now_rfc3339();
        let sql = self.sql();
        sql.exec(
            "UPDATE imports SET finished=?1, status=?2, report=?3 WHERE id=?4",
            params![finished, status, json, id],
        )?;
        let command: String = sql.one("SELECT command FROM imports WHERE id=?1", [id], |r| {
            r.get(0)
        })?;
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

    /// The audit log's entries (one JSON object a line), oldest first;
    /// empty when there is none yet.
    pub fn audit_lines(&self) -> Result<Vec<String>> {
        let path = self.root.join(AUDIT);
        match std::fs::read_to_string(&path) {
            Ok(text) => Ok(text.lines().map(str::to_owned).collect()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(Error::io(&path, "reading the audit log", e)),
        }
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
}

fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    rfc3339(secs)
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

#[cfg(test)]
mod annotations_tests;
#[cfg(test)]
mod participants_tests;
#[cfg(test)]
mod tests;
