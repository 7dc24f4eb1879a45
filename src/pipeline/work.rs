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
    ReadFile {
        idx: usize,
        path: PathBuf,
        size: u64,
        mtime_ns: i64,
    },
    /// A file read and parsed by a worker: its start, messages and end.
    FileDone {
        idx: usize,
        path: PathBuf,
        format: SourceFormat,
        size: u64,
        mtime_ns: i64,
        messages: Vec<Parsed>,
        sha256: Option<Sha256>,
        sha_from_message: bool,
        notes: Vec<SourceNote>,
        complete: bool,
    },
    FileStart {
        idx: usize,
        path: PathBuf,
        format: SourceFormat,
        size: u64,
        mtime_ns: i64,
    },
    FileEnd {
        sha256: Option<Sha256>,
        /// The file is one whole message: its SHA-256 is the message's
        /// `raw_sha256`, computed by the worker (not hashed twice).
        sha_from_message: bool,
        notes: Vec<SourceNote>,
        complete: bool,
        /// A large gzip file's checkpoints (random access for read-back).
        gz_checkpoints: Vec<source::gzindex::Checkpoint>,
    },
    FileUnchanged {
        idx: usize,
        path: PathBuf,
        size: u64,
        mtime_ns: i64,
    },
    Skipped {
        idx: usize,
        skipped: Skipped,
    },
    Message(Box<RawMessage>),
    /// A parsed message, from a worker.
    Parsed(Box<Parsed>),
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
