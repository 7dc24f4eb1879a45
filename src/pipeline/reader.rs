//! The reader thread: walks the sources in order, detects each file by
//! content, skips files imported before and unchanged, hands the small
//! files of folders to the workers and splits the others itself, sending
//! everything as [`Work`] numbered in source order.

use std::collections::HashMap;
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crossbeam_channel::Sender;

use super::split::{sniff, split_stream, whole_message};
use super::work::{Budget, FileAt, FileEnd, FileStart, Work, WorkKind};
use crate::error::Error;
use crate::model::{Limits, Sha256, Skipped, SourceFormat};
use crate::source::{self, Detected, HashingReader, RawMessage, SNIFF_BYTES, SourceNote};

/// Files up to this size are read in one go.
const SMALL_FILE: u64 = 8 << 20;
/// Files in folders up to this size are read by the workers.
const PARALLEL_FILE: u64 = 1 << 20;

/// What became of one file.
enum FileOutcome {
    Mail,
    NotMail(String),
    Unreadable(std::io::Error),
    Stopped,
}

/// The reader stops when the writer is gone.
struct Stopped;

/// The reader's state; see the module doc.
pub(super) struct Reader<'a> {
    tx: Sender<Work>,
    seq: u64,
    limits: &'a Limits,
    known: &'a HashMap<PathBuf, (u64, i64)>,
    cancel: &'a AtomicBool,
    /// Set when the writer failed.
    halt: &'a AtomicBool,
    bytes_read: &'a Arc<AtomicU64>,
    bytes_total: &'a Arc<AtomicU64>,
    budget: &'a Budget,
    case_root: &'a Path,
}

/// What the reader shares with the rest of the import.
pub(super) struct ReaderCtx<'a> {
    pub(super) limits: &'a Limits,
    /// Files imported completely before: (size, mtime) by path.
    pub(super) known: &'a HashMap<PathBuf, (u64, i64)>,
    pub(super) cancel: &'a AtomicBool,
    pub(super) halt: &'a AtomicBool,
    pub(super) bytes_read: &'a Arc<AtomicU64>,
    pub(super) bytes_total: &'a Arc<AtomicU64>,
    pub(super) budget: &'a Budget,
    pub(super) case_root: &'a Path,
}

impl<'a> Reader<'a> {
    pub(super) fn new(tx: Sender<Work>, ctx: ReaderCtx<'a>) -> Reader<'a> {
        Reader {
            tx,
            seq: 0,
            limits: ctx.limits,
            known: ctx.known,
            cancel: ctx.cancel,
            halt: ctx.halt,
            bytes_read: ctx.bytes_read,
            bytes_total: ctx.bytes_total,
            budget: ctx.budget,
            case_root: ctx.case_root,
        }
    }

    fn send(&mut self, kind: WorkKind) -> Result<(), Stopped> {
        let seq = self.seq;
        self.seq += 1;
        self.tx.send(Work { seq, kind }).map_err(|_| Stopped)
    }

    fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed) || self.halt.load(Ordering::Relaxed)
    }

    /// Reads every source in order.
    pub(super) fn run(mut self, sources: &[PathBuf]) {
        for (idx, path) in sources.iter().enumerate() {
            if self.cancelled() || self.source(idx, path).is_err() {
                return;
            }
        }
    }

    fn source(&mut self, idx: usize, path: &Path) -> Result<(), Stopped> {
        let abs = match std::fs::canonicalize(path) {
            Ok(p) => p,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return self.send(WorkKind::SourceError {
                    idx,
                    error: Error::SourceMissing { path: path.into() }.to_string(),
                });
            }
            Err(e) => {
                return self.send(WorkKind::SourceError {
                    idx,
                    error: Error::SourceUnreadable {
                        path: path.into(),
                        source: e,
                    }
                    .to_string(),
                });
            }
        };
        if abs.is_dir() {
            if self.case_root.starts_with(&abs) {
                return self.send(WorkKind::SourceError {
                    idx,
                    error: format!(
                        "{}: the case folder {} is inside this source folder; choose a case folder elsewhere, since mailsift never writes next to sources",
                        path.display(),
                        self.case_root.display()
                    ),
                });
            }
            return self.folder(idx, &abs);
        }
        let size = std::fs::metadata(&abs).map(|m| m.len()).unwrap_or(0);
        self.bytes_total.fetch_add(size, Ordering::Relaxed);
        match self.file(idx, &abs, true)? {
            FileOutcome::Mail => self.send(WorkKind::SourceEnd { idx }),
            FileOutcome::NotMail(reason) => self.send(WorkKind::SourceError {
                idx,
                error: Error::NotMail {
                    path: path.into(),
                    reason,
                }
                .to_string(),
            }),
            FileOutcome::Unreadable(e) => self.send(WorkKind::SourceError {
                idx,
                error: Error::SourceUnreadable {
                    path: path.into(),
                    source: e,
                }
                .to_string(),
            }),
            FileOutcome::Stopped => Ok(()),
        }
    }

    fn folder(&mut self, idx: usize, abs: &Path) -> Result<(), Stopped> {
        let format = if source::walk::is_maildir(abs) {
            SourceFormat::Maildir
        } else {
            SourceFormat::Folder
        };
        let mut files = Vec::new();
        let mut skipped = Vec::new();
        source::walk::walk(abs, &mut |p| files.push(p), &mut |s| skipped.push(s));
        let mut size = 0;
        let sizes: Vec<u64> = files
            .iter()
            .map(|f| std::fs::metadata(f).map(|m| m.len()).unwrap_or(0))
            .collect();
        for s in &sizes {
            size += s;
        }
        self.bytes_total.fetch_add(size, Ordering::Relaxed);
        self.send(WorkKind::SourceStart {
            idx,
            path: abs.to_path_buf(),
            format,
            size,
        })?;
        for s in skipped {
            self.send(WorkKind::Skipped { idx, skipped: s })?;
        }
        for f in files {
            if self.cancelled() {
                return Ok(());
            }
            let reason = match self.file(idx, &f, false)? {
                FileOutcome::Mail => continue,
                FileOutcome::NotMail(reason) => format!("not mail: {reason}"),
                FileOutcome::Unreadable(e) => format!("cannot be read: {e}"),
                FileOutcome::Stopped => return Ok(()),
            };
            self.send(WorkKind::Skipped {
                idx,
                skipped: Skipped { path: f, reason },
            })?;
        }
        self.send(WorkKind::SourceEnd { idx })
    }

    /// Reads one file: detects its format and sends its messages. `named`:
    /// the file is a source itself (named by the user), not one in a folder.
    fn file(&mut self, idx: usize, path: &Path, named: bool) -> Result<FileOutcome, Stopped> {
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) => return Ok(FileOutcome::Unreadable(e)),
        };
        let at = FileAt {
            idx,
            path: path.to_path_buf(),
            size: meta.len(),
            mtime_ns: meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|d| d.as_nanos() as i64)
                .unwrap_or(0),
        };
        if self.known.get(path) == Some(&(at.size, at.mtime_ns)) {
            return self.unchanged(at, named);
        }
        if !named && at.size <= PARALLEL_FILE {
            // Read, detect and parse on a worker: folders of small files
            // (EML dumps, maildirs) are read on all cores.
            self.send(WorkKind::ReadFile(at))?;
            return Ok(FileOutcome::Mail);
        }
        if at.size <= SMALL_FILE {
            return self.small_file(at, named);
        }
        self.large_file(at, named)
    }

    /// A file imported before and unchanged: counted, not read.
    fn unchanged(&mut self, at: FileAt, named: bool) -> Result<FileOutcome, Stopped> {
        self.bytes_read.fetch_add(at.size, Ordering::Relaxed);
        if named {
            let format = match source::detect_file(&at.path) {
                Ok(Detected::Mail(f)) => f,
                _ => SourceFormat::Mbox,
            };
            self.send(WorkKind::SourceStart {
                idx: at.idx,
                path: at.path.clone(),
                format,
                size: at.size,
            })?;
        }
        self.send(WorkKind::FileUnchanged(at))?;
        Ok(FileOutcome::Mail)
    }

    /// The prologue of every file the reader reads itself: what its first
    /// bytes say it is and, for mail, the start of the source (a file
    /// named on the command line) and of the file.
    fn announce(
        &mut self,
        at: &FileAt,
        named: bool,
        head: &[u8],
    ) -> Result<Result<SourceFormat, String>, Stopped> {
        let format = match sniff(head) {
            Detected::Mail(f) => f,
            Detected::NotMail(why) => return Ok(Err(why)),
        };
        if named {
            self.send(WorkKind::SourceStart {
                idx: at.idx,
                path: at.path.clone(),
                format,
                size: at.size,
            })?;
        }
        self.send(WorkKind::FileStart(FileStart {
            at: at.clone(),
            format,
        }))?;
        Ok(Ok(format))
    }

    /// A file too large to read in one go (a big mbox): streamed and
    /// hashed as it is split.
    fn large_file(&mut self, at: FileAt, named: bool) -> Result<FileOutcome, Stopped> {
        let path = at.path.as_path();
        let file = match source::open_source(path) {
            Ok(f) => f,
            Err(e) => return Ok(FileOutcome::Unreadable(e)),
        };
        let mut hashing = HashingReader::new(file, self.bytes_read.clone());
        let head = match source::read_head(&mut hashing, SNIFF_BYTES) {
            Ok(h) => h,
            Err(e) => return Ok(FileOutcome::Unreadable(e)),
        };
        let format = match self.announce(&at, named, &head)? {
            Ok(f) => f,
            Err(why) => {
                // Count the bytes as read for progress.
                let _ = hashing.finish();
                return Ok(FileOutcome::NotMail(why));
            }
        };
        if format.is_archive() || format.is_outlook() {
            // Read again from its start: its head is not counted twice.
            drop(hashing);
            self.bytes_read
                .fetch_sub(head.len() as u64, Ordering::Relaxed);
            if format.is_outlook() {
                return self.large_outlook(at, format);
            }
            return self.large_archive(at, format);
        }
        let mut gz_checkpoints = Vec::new();
        let (mut notes, complete) = {
            let chain = Cursor::new(head).chain(&mut hashing);
            if format.is_compressed() {
                // Checkpoints let a message be read back without
                // decompressing the file from its start.
                let mut gz = source::gzindex::GzReader::new(chain).with_checkpoints();
                let r = self.messages(Box::new(&mut gz), format, path)?;
                gz_checkpoints = gz.take_checkpoints();
                r
            } else {
                self.messages(Box::new(chain), format, path)?
            }
        };
        let sha256 = match hashing.finish() {
            Ok(s) => Some(s),
            Err(e) => {
                notes.push(SourceNote {
                    path: path.to_path_buf(),
                    offset: at.size,
                    text: format!("read error while hashing the file: {e}"),
                });
                None
            }
        };
        self.send(WorkKind::FileEnd(FileEnd {
            sha256,
            sha_from_message: false,
            notes,
            complete: complete && sha256.is_some(),
            gz_checkpoints,
        }))?;
        Ok(self.outcome(complete))
    }

    /// A file small enough to read in one go (most `.eml` files): one read,
    /// and for a single message no hashing here (the worker's hash of the
    /// message is the file's hash).
    fn small_file(&mut self, at: FileAt, named: bool) -> Result<FileOutcome, Stopped> {
        let path = at.path.as_path();
        let bytes = match source::read_source(path) {
            Ok(b) => b,
            Err(e) => return Ok(FileOutcome::Unreadable(e)),
        };
        self.bytes_read
            .fetch_add(bytes.len() as u64, Ordering::Relaxed);
        let format = match self.announce(&at, named, &bytes)? {
            Ok(f) => f,
            Err(why) => return Ok(FileOutcome::NotMail(why)),
        };
        if format == SourceFormat::Eml {
            let m = whole_message(path, format, bytes);
            self.budget.acquire(m.bytes.len(), self.halt);
            self.send(WorkKind::Message(Box::new(m)))?;
            self.send(WorkKind::FileEnd(FileEnd::whole(None, Vec::new(), true)))?;
            return Ok(FileOutcome::Mail);
        }
        let sha256 = Sha256::of(&bytes);
        if format.is_outlook() {
            let (notes, complete) = self.outlook(&at, |each| {
                super::outlook::outlook_bytes(bytes, &at.path, format, each)
            })?;
            self.send(WorkKind::FileEnd(FileEnd::whole(
                Some(sha256),
                notes,
                complete,
            )))?;
            return Ok(self.outcome(complete));
        }
        if format.is_archive() {
            let (notes, complete) = self.archive(&mut Cursor::new(bytes), &at, format)?;
            self.send(WorkKind::FileEnd(FileEnd::whole(
                Some(sha256),
                notes,
                complete,
            )))?;
            return Ok(self.outcome(complete));
        }
        let stream: Box<dyn Read> = if format.is_compressed() {
            Box::new(source::gzindex::GzReader::new(Cursor::new(bytes)))
        } else {
            Box::new(Cursor::new(bytes))
        };
        let (notes, complete) = self.messages(stream, format, path)?;
        self.send(WorkKind::FileEnd(FileEnd::whole(
            Some(sha256),
            notes,
            complete,
        )))?;
        Ok(self.outcome(complete))
    }

    /// A large archive: opened again to move about in it (a zip's
    /// directory is at its end), hashed as it is read.
    fn large_archive(&mut self, at: FileAt, format: SourceFormat) -> Result<FileOutcome, Stopped> {
        let file = match source::open_source(&at.path) {
            Ok(f) => f,
            Err(e) => {
                self.send(WorkKind::FileEnd(FileEnd::whole(
                    None,
                    vec![SourceNote {
                        path: at.path.clone(),
                        offset: 0,
                        text: format!("cannot be read again: {e}"),
                    }],
                    false,
                )))?;
                return Ok(FileOutcome::Mail);
            }
        };
        let mut src = source::archive::SeqHash::new(file, self.bytes_read.clone());
        let (mut notes, complete) = self.archive(&mut src, &at, format)?;
        let sha256 = match src.finish() {
            Ok(s) => Some(s),
            Err(e) => {
                notes.push(SourceNote {
                    path: at.path.clone(),
                    offset: at.size,
                    text: format!("read error while hashing the file: {e}"),
                });
                None
            }
        };
        self.send(WorkKind::FileEnd(FileEnd {
            sha256,
            sha_from_message: false,
            notes,
            complete: complete && sha256.is_some(),
            gz_checkpoints: Vec::new(),
        }))?;
        Ok(self.outcome(complete))
    }

    /// A large Outlook file: a PST walked item by item from the file
    /// (opened again, read-only), a `.msg` read whole; then hashed.
    fn large_outlook(&mut self, at: FileAt, format: SourceFormat) -> Result<FileOutcome, Stopped> {
        let path = at.path.clone();
        let (mut notes, complete) = if format == SourceFormat::Msg {
            match source::read_source(&path) {
                Ok(bytes) => self.outlook(&at, |each| {
                    super::outlook::outlook_bytes(bytes, &path, format, each)
                })?,
                Err(e) => (vec![read_note(&path, &e)], false),
            }
        } else {
            match source::open_source(&path) {
                Ok(f) => self.outlook(&at, |each| {
                    super::outlook::pst_messages(std::io::BufReader::new(f), &path, each)
                })?,
                Err(e) => (vec![read_note(&path, &e)], false),
            }
        };
        // The file's SHA-256, in a pass of its own (the PST reader moves
        // about in the file); it counts the bytes for progress.
        let sha256 = match source::open_source(&path)
            .and_then(|f| HashingReader::new(f, self.bytes_read.clone()).finish())
        {
            Ok(s) => Some(s),
            Err(e) => {
                notes.push(read_note(&path, &e));
                None
            }
        };
        self.send(WorkKind::FileEnd(FileEnd {
            sha256,
            sha_from_message: false,
            notes,
            complete: complete && sha256.is_some(),
            gz_checkpoints: Vec::new(),
        }))?;
        Ok(self.outcome(complete))
    }

    /// Runs `read` (an Outlook reader) sending each converted message.
    fn outlook(
        &mut self,
        _at: &FileAt,
        read: impl FnOnce(&mut dyn FnMut(RawMessage) -> bool) -> (Vec<SourceNote>, bool),
    ) -> Result<(Vec<SourceNote>, bool), Stopped> {
        let mut gone = false;
        let r = read(&mut |m: RawMessage| {
            self.budget.acquire(m.bytes.len(), self.halt);
            if self.send(WorkKind::Message(Box::new(m))).is_err() {
                gone = true;
                return false;
            }
            !self.cancelled()
        });
        if gone {
            return Err(Stopped);
        }
        Ok(r)
    }

    /// Sends the steps of an archive's entries (see `pipeline::archive`).
    fn archive<R: Read + std::io::Seek>(
        &mut self,
        src: &mut R,
        at: &FileAt,
        format: SourceFormat,
    ) -> Result<(Vec<SourceNote>, bool), Stopped> {
        let mut gone = false;
        let limits = self.limits;
        let r = super::archive::read_archive(src, at, format, limits, &mut |k| {
            if let WorkKind::Message(m) = &k {
                self.budget.acquire(m.bytes.len(), self.halt);
            }
            if self.send(k).is_err() {
                gone = true;
                return false;
            }
            !self.cancelled()
        });
        if gone {
            return Err(Stopped);
        }
        Ok(r)
    }

    /// A file read in part because the import was cancelled stops the
    /// reader; otherwise it goes on.
    fn outcome(&self, complete: bool) -> FileOutcome {
        if self.cancelled() && !complete {
            FileOutcome::Stopped
        } else {
            FileOutcome::Mail
        }
    }

    /// Sends the messages of a stream (an mbox, or one message), returning
    /// the notes about the stream and whether it was read to its end.
    fn messages(
        &mut self,
        stream: Box<dyn Read + '_>,
        format: SourceFormat,
        path: &Path,
    ) -> Result<(Vec<SourceNote>, bool), Stopped> {
        let limits = self.limits;
        split_stream(stream, path, format, limits, |m: RawMessage| {
            self.budget.acquire(m.bytes.len(), self.halt);
            self.send(WorkKind::Message(Box::new(m)))?;
            Ok(!self.cancelled())
        })
    }
}

fn read_note(path: &Path, e: &std::io::Error) -> SourceNote {
    SourceNote {
        path: path.to_path_buf(),
        offset: 0,
        text: format!("read error: {e}"),
    }
}
