//! The write-ahead log's checkpoints during an import: copied into the
//! database by a [`Checkpointer`] on a thread of its own, so that the
//! writer thread, which every other stage waits on, never waits for the
//! disk (it spent 4.1 s of a 60,000-message import in fsync before).

use rusqlite::Connection;
use std::path::PathBuf;

use super::Case;
use crate::error::{Error, Result};

/// SQLite's automatic checkpoint: the write-ahead log is copied into the
/// database once it holds this many pages (SQLite's default).
pub(super) const WAL_AUTOCHECKPOINT: u32 = 1000;
/// The automatic checkpoint while a [`Checkpointer`] runs: only a safety
/// net (256 MB of log) should it fall behind.
pub(super) const WAL_AUTOCHECKPOINT_DEFERRED: u32 = 65_536;

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

impl Case {
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
        .map_err(|e| self.sql().err(e))?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(|e| self.sql().err(e))?;
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
            .map_err(|e| self.sql().err(e))
    }
}
