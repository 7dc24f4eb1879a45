//! What flows between the stages of an import: the reader's [`Work`] in
//! source order, the workers' [`Parsed`] messages, and the [`Budget`] that
//! bounds the raw bytes in flight between them.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

use crate::model::{Sha256, Skipped, SourceFormat};
use crate::source::{self, RawMessage, SourceNote};
use crate::store::Prepared;

/// What the reader sends, in source order (`seq`).
pub(super) struct Work {
    pub(super) seq: u64,
    pub(super) kind: WorkKind,
}

/// One step of an import, in source order.
pub(super) enum WorkKind {
    SourceStart {
        idx: usize,
        path: PathBuf,
        format: SourceFormat,
        size: u64,
    },
    SourceError {
        idx: usize,
        error: String,
    },
    SourceEnd {
        idx: usize,
    },
    /// A small file in a folder, to be read, detected and parsed by a worker.
    ReadFile(FileAt),
    /// A file read and parsed by a worker: its start, messages and end.
    FileDone(FileStart, Vec<Parsed>, FileEnd),
    FileStart(FileStart),
    FileEnd(FileEnd),
    /// A file imported before and unchanged: counted, not read.
    FileUnchanged(FileAt),
    Skipped {
        idx: usize,
        skipped: Skipped,
    },
    Message(Box<RawMessage>),
    /// A parsed message, from a worker.
    Parsed(Box<Parsed>),
    /// A mail entry of the archive being read: its messages follow, then
    /// an `EntryEnd`.
    EntryStart {
        /// Its path inside the archive (nested archives joined with `!/`).
        entry: String,
        format: SourceFormat,
        size: u64,
    },
    /// The end of an archive entry (its SHA-256, notes, whether read whole).
    EntryEnd(FileEnd),
    /// Steps a worker made of one file (an archive in a folder), in order.
    Many(Vec<WorkKind>),
}

/// A file version on disk: the source it belongs to (by position), its
/// path, size and modification time (together, what says it is unchanged).
#[derive(Clone, Debug)]
pub(super) struct FileAt {
    pub(super) idx: usize,
    pub(super) path: PathBuf,
    pub(super) size: u64,
    pub(super) mtime_ns: i64,
}

/// A mail file about to be written: where it is and what it holds.
pub(super) struct FileStart {
    pub(super) at: FileAt,
    pub(super) format: SourceFormat,
}

/// The end of a mail file, after its messages.
pub(super) struct FileEnd {
    pub(super) sha256: Option<Sha256>,
    /// The file is one whole message: its SHA-256 is the message's
    /// `raw_sha256`, computed by the worker (not hashed twice).
    pub(super) sha_from_message: bool,
    pub(super) notes: Vec<SourceNote>,
    /// Read to its end (an import resumed later does not read it again).
    pub(super) complete: bool,
    /// A large gzip file's checkpoints (random access for read-back).
    pub(super) gz_checkpoints: Vec<source::gzindex::Checkpoint>,
}

impl FileEnd {
    /// The end of a file read whole, with its hash (or, for a file that
    /// is one message, the message's).
    pub(super) fn whole(sha256: Option<Sha256>, notes: Vec<SourceNote>, complete: bool) -> FileEnd {
        FileEnd {
            sha_from_message: sha256.is_none(),
            sha256,
            notes,
            complete,
            gz_checkpoints: Vec::new(),
        }
    }
}

/// A message after a worker is done with it.
pub(super) struct Parsed {
    pub(super) prepared: Prepared,
    pub(super) doc: crate::index::Document,
    pub(super) offset: u64,
    pub(super) length: u64,
    pub(super) raw_sha256: Sha256,
    pub(super) from_line: Option<String>,
    pub(super) maildir_flags: Option<String>,
    /// An Outlook item's address in its container (converted messages).
    pub(super) converted: Option<String>,
}

/// Limits the bytes of raw messages in flight between reader and workers.
pub(super) struct Budget {
    max: usize,
    used: Mutex<usize>,
    cv: Condvar,
}

impl Budget {
    /// A budget of `max` bytes.
    pub(super) fn new(max: usize) -> Budget {
        Budget {
            max,
            used: Mutex::new(0),
            cv: Condvar::new(),
        }
    }

    /// Waits until `n` more bytes fit (or the import stops), then takes them.
    pub(super) fn acquire(&self, n: usize, cancel: &AtomicBool) {
        let n = n.min(self.max);
        let mut used = self.used.lock().unwrap_or_else(|e| e.into_inner());
        while *used > 0 && *used + n > self.max && !cancel.load(Ordering::Relaxed) {
            used = self
                .cv
                .wait_timeout(used, Duration::from_millis(100))
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        *used += n;
    }

    /// Gives `n` bytes back.
    pub(super) fn release(&self, n: usize) {
        let n = n.min(self.max);
        let mut used = self.used.lock().unwrap_or_else(|e| e.into_inner());
        *used = used.saturating_sub(n);
        self.cv.notify_all();
    }
}
