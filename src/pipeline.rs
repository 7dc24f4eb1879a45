//! Import orchestration, used by the CLI and the GUI alike.
//!
//! One reader thread walks the sources in order and splits them into raw
//! messages; parse workers (one per core) hash, canonicalise and parse
//! them; the calling thread puts the results back in source order and
//! writes them to the case in batched transactions, reporting progress as
//! it goes. Memory stays bounded: the queue between reader and workers is
//! limited by count and by bytes, and a message too large to hold is hashed
//! while streaming.
//!
//! Counts always reconcile: `found = parsed + raw_only + skipped`, and
//! `parsed + raw_only = new + duplicates + already_present`. Files whose
//! import completed before and that have not changed (same size and
//! modification time) are not read again; they are counted as
//! `unchanged_files`. A cancelled or killed import can be run again with the
//! same command: what was committed is recognised (`already_present`) and
//! the rest is imported.

use std::collections::{BTreeMap, HashMap};
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, bounded};
use serde::Serialize;
use sha2::Digest;

use crate::error::{Error, Result};
use crate::index::{Fields, IndexWriterHandle, SearchIndex};
use crate::model::{Limits, ParseStatus, Sha256, Skipped, SourceFormat};
use crate::source::{
    self, Detected, HashingReader, RawMessage, SNIFF_BYTES, SourceNote, mbox::MboxSplitter,
};
use crate::store::{self, Added, Case, OriginRow, Prepared};

/// Settings of an import.
#[derive(Clone, Debug)]
pub struct ImportOptions {
    pub limits: Limits,
    /// Parse workers; 0 means one per core.
    pub threads: usize,
    /// Read every file again, even those imported before and unchanged.
    pub rescan: bool,
    /// The command line (or GUI action) recorded in the case's import log.
    pub command: String,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            limits: Limits::default(),
            threads: 0,
            rescan: false,
            command: "import".into(),
        }
    }
}

/// Where an import is.
#[derive(Clone, Debug, Default)]
pub struct Progress {
    /// Messages written to the case so far.
    pub messages: u64,
    /// Source bytes read so far (compressed bytes for gzip files).
    pub bytes_read: u64,
    /// Source bytes to read in all (grows while folders are listed).
    pub bytes_total: u64,
    pub elapsed: Duration,
    /// The file being written.
    pub current: Option<PathBuf>,
}

impl Progress {
    pub fn messages_per_sec(&self) -> f64 {
        self.messages as f64 / self.elapsed.as_secs_f64().max(1e-3)
    }

    /// Estimated time left, from the byte rate so far.
    pub fn eta(&self) -> Option<Duration> {
        let secs = self.elapsed.as_secs_f64();
        if self.bytes_read == 0 || secs < 0.5 {
            return None;
        }
        let rate = self.bytes_read as f64 / secs;
        let left = self.bytes_total.saturating_sub(self.bytes_read) as f64;
        Some(Duration::from_secs_f64(left / rate))
    }
}

/// What an import did, per source and in total.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ImportReport {
    pub import_id: i64,
    pub found: u64,
    pub parsed: u64,
    pub raw_only: u64,
    pub skipped: u64,
    pub duplicates: u64,
    /// Messages the case did not have before.
    pub new: u64,
    /// Messages found at an origin the case already had (a repeated or
    /// resumed import).
    pub already_present: u64,
    /// Files imported before, unchanged, and not read again.
    pub unchanged_files: u64,
    /// Unique messages in the case after this import.
    pub messages: u64,
    /// New messages with each kind of defect.
    pub defects: BTreeMap<String, u64>,
    pub sources: Vec<SourceReport>,
    pub skipped_files: Vec<Skipped>,
    pub notes: Vec<SourceNote>,
    pub bytes: u64,
    pub elapsed_secs: f64,
    pub messages_per_sec: f64,
    pub cancelled: bool,
    /// Text extraction from document attachments, per kind (`pdf`, `docx`, …).
    pub attachment_texts: BTreeMap<String, crate::attachtext::KindStats>,
}

impl ImportReport {
    /// Sources that could not be used at all, with why.
    pub fn errors(&self) -> impl Iterator<Item = (&Path, &str)> {
        self.sources
            .iter()
            .filter_map(|s| s.error.as_deref().map(|e| (s.path.as_path(), e)))
    }
}

/// One named source in a report.
#[derive(Clone, Debug, Default, Serialize)]
pub struct SourceReport {
    pub path: PathBuf,
    pub format: Option<SourceFormat>,
    pub size: u64,
    /// SHA-256 of the file; for a folder, of its list of mail files and their hashes.
    pub sha256: Option<String>,
    pub found: u64,
    pub parsed: u64,
    pub raw_only: u64,
    pub skipped: u64,
    pub duplicates: u64,
    pub new: u64,
    pub already_present: u64,
    pub unchanged_files: u64,
    /// Why the source could not be used at all.
    pub error: Option<String>,
}

impl SourceReport {
    /// One line: path, format and counts (and the error, if any).
    pub fn summary_line(&self) -> String {
        format!(
            "{} [{}] {} found, {} new, {} duplicates, {} skipped{}",
            self.path.display(),
            self.format.map(|f| f.as_str()).unwrap_or("?"),
            self.found,
            self.new,
            self.duplicates,
            self.skipped,
            self.error
                .as_ref()
                .map(|e| format!(" — ERROR: {e}"))
                .unwrap_or_default()
        )
    }
}

/// What the reader sends, in source order (`seq`).
struct Work {
    seq: u64,
    kind: WorkKind,
}

enum WorkKind {
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
struct Parsed {
    prepared: Prepared,
    doc: tantivy::TantivyDocument,
    offset: u64,
    length: u64,
    raw_sha256: Sha256,
    from_line: Option<String>,
    maildir_flags: Option<String>,
}

/// Limits the bytes of raw messages in flight between reader and workers.
struct Budget {
    max: usize,
    used: Mutex<usize>,
    cv: Condvar,
}

impl Budget {
    fn acquire(&self, n: usize, cancel: &AtomicBool) {
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

    fn release(&self, n: usize) {
        let n = n.min(self.max);
        let mut used = self.used.lock().unwrap_or_else(|e| e.into_inner());
        *used = used.saturating_sub(n);
        self.cv.notify_all();
    }
}

/// Bytes of raw messages allowed in flight.
const IN_FLIGHT_BYTES: usize = 64 << 20;
/// Messages written per transaction at most.
const BATCH: usize = 1000;
/// Longest time between commits while messages flow.
const COMMIT_EVERY: Duration = Duration::from_millis(1000);

/// Refuses a case folder inside one of the source folders: mailsift never
/// writes next to sources. Call before creating the case.
pub fn check_case_location(case: &Path, sources: &[PathBuf]) -> Result<()> {
    let case_abs = absolute_lenient(case);
    for s in sources {
        let Ok(src) = std::fs::canonicalize(s) else {
            continue;
        };
        if src.is_dir() && case_abs.starts_with(&src) {
            return Err(Error::BadCase {
                path: case.to_path_buf(),
                reason: format!(
                    "the case folder is inside the source folder {}; choose a case folder elsewhere, since mailsift never writes next to sources",
                    s.display()
                ),
            });
        }
    }
    Ok(())
}

/// The absolute form of a path that may not exist yet: its nearest
/// existing ancestor resolved, the rest appended.
fn absolute_lenient(p: &Path) -> PathBuf {
    let mut missing = Vec::new();
    let mut cur = p.to_path_buf();
    loop {
        if let Ok(c) = std::fs::canonicalize(&cur) {
            let mut out = c;
            for m in missing.iter().rev() {
                out.push(m);
            }
            return out;
        }
        match (cur.file_name().map(|n| n.to_os_string()), cur.parent()) {
            (Some(name), Some(parent)) => {
                missing.push(name);
                cur = if parent.as_os_str().is_empty() {
                    PathBuf::from(".")
                } else {
                    parent.to_path_buf()
                };
            }
            _ => return p.to_path_buf(),
        }
    }
}

/// Imports `sources` into `case`. Problems with single messages or files
/// never stop it; a source that cannot be used at all is reported in its
/// [`SourceReport::error`]. Only a failure of the case itself (disk full,
/// database error) returns `Err`, after keeping what was committed.
pub fn import(
    case: &mut Case,
    sources: &[PathBuf],
    opts: &ImportOptions,
    on_progress: &mut dyn FnMut(&Progress),
    cancel: &AtomicBool,
) -> Result<ImportReport> {
    let started = Instant::now();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let index = SearchIndex::open_or_create(&case.index_dir())?;
    let fields = index.fields().clone();
    let mut index_writer = index.writer()?;
    catch_up_index(case, &index, &mut index_writer)?;
    let import_id = case.begin_import(&opts.command)?;
    let known = if opts.rescan {
        HashMap::new()
    } else {
        case.complete_files()?
    };
    let threads = if opts.threads == 0 {
        std::thread::available_parallelism().map_or(2, |n| n.get())
    } else {
        opts.threads
    };
    let case_root =
        std::fs::canonicalize(case.root()).unwrap_or_else(|_| case.root().to_path_buf());
    let bytes_read = Arc::new(AtomicU64::new(0));
    let bytes_total = Arc::new(AtomicU64::new(0));
    let budget = Budget {
        max: IN_FLIGHT_BYTES,
        used: Mutex::new(0),
        cv: Condvar::new(),
    };
    let halt = AtomicBool::new(false);
    let (work_tx, work_rx) = bounded::<Work>(256);
    let (done_tx, done_rx) = bounded::<Work>(256);

    let mut writer = Writer {
        import_id,
        report: ImportReport {
            import_id,
            sources: sources
                .iter()
                .map(|p| SourceReport {
                    path: p.clone(),
                    ..SourceReport::default()
                })
                .collect(),
            ..ImportReport::default()
        },
        source_ids: vec![None; sources.len()],
        index: &mut index_writer,
        fields: &fields,
        last_index_commit: Instant::now(),
        index_commits: 0,
        file_id: None,
        file_path: None,
        last_raw_sha: None,
        hashes: (0..sources.len()).map(|_| SourceHash::None).collect(),
        mail_files: vec![0; sources.len()],
        file_source: 0,
    };

    let docs = crate::attachtext::DocCache::new(&opts.limits);
    let ctx = WorkerCtx {
        limits: &opts.limits,
        fields: &fields,
        budget: &budget,
        bytes_read: &bytes_read,
        docs: &docs,
        now,
    };
    // The write-ahead log is copied into the database (with its fsyncs)
    // on a thread of its own, not on the writer's.
    let checkpointer = case.checkpointer()?;
    let (stop_checkpoints, checkpoints_stop) = bounded::<()>(1);
    let result = std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("mailsift-checkpoint".into())
            .spawn_scoped(scope, move || checkpointer.run(&checkpoints_stop))
            .map_err(|e| Error::io(case.root(), "starting the checkpoint thread", e))?;
        let reader = Reader {
            tx: work_tx,
            seq: 0,
            limits: &opts.limits,
            known: &known,
            cancel,
            halt: &halt,
            bytes_read: &bytes_read,
            bytes_total: &bytes_total,
            budget: &budget,
            case_root: &case_root,
        };
        std::thread::Builder::new()
            .name("mailsift-reader".into())
            .spawn_scoped(scope, move || reader.run(sources))
            .map_err(|e| Error::io(case.root(), "starting the reader thread", e))?;
        for n in 0..threads {
            let rx = work_rx.clone();
            let tx = done_tx.clone();
            let ctx = &ctx;
            std::thread::Builder::new()
                .name(format!("mailsift-worker-{n}"))
                .stack_size(32 << 20)
                .spawn_scoped(scope, move || worker(rx, tx, ctx))
                .map_err(|e| Error::io(case.root(), "starting a worker thread", e))?;
        }
        drop(work_rx);
        drop(done_tx);
        let r = writer.run(case, &done_rx, &mut |messages, current| {
            on_progress(&Progress {
                messages,
                bytes_read: bytes_read.load(Ordering::Relaxed),
                bytes_total: bytes_total.load(Ordering::Relaxed),
                elapsed: started.elapsed(),
                current,
            })
        });
        if r.is_err() {
            // Stop the reader and let the workers run dry.
            halt.store(true, Ordering::Relaxed);
            drain(&done_rx);
        }
        drop(stop_checkpoints);
        r
    });
    let restored = case.end_checkpointer();
    let result = result.and(restored);

    let mut report = writer.report;
    let result = result.and_then(|()| {
        if index_writer.pending() > 0 {
            index_writer.commit(case.max_rowid()?)?;
        }
        // Threads change only when messages were added.
        if report.new > 0 || case.unthreaded()? > 0 {
            update_threads(case)?;
        }
        Ok(())
    });
    let result = match result {
        Ok(()) => index_writer.finish(),
        Err(e) => {
            // A failed import (a full disk) leaves the index as of its last
            // commit, without the segment files of documents it never
            // committed.
            index_writer.discard();
            Err(e)
        }
    };
    report.bytes = bytes_read.load(Ordering::Relaxed);
    report.attachment_texts = docs.stats();
    report.elapsed_secs = started.elapsed().as_secs_f64();
    report.messages_per_sec = report.found as f64 / report.elapsed_secs.max(1e-3);
    report.cancelled = cancel.load(Ordering::Relaxed);
    report.messages = case.stats().map(|s| s.messages).unwrap_or_default();
    // Read back, so that flags added to new messages after they were
    // written (a Message-ID shared with a later message) are counted.
    if let Ok(defects) = case.defects_of_import(import_id) {
        report.defects = defects;
    }
    match result {
        Ok(()) => {
            let status = if report.cancelled {
                "cancelled"
            } else {
                "finished"
            };
            case.finish_import(import_id, status, &report)?;
            Ok(report)
        }
        Err(e) => {
            let _ = case.finish_import(import_id, "failed", &report);
            Err(e)
        }
    }
}

fn drain(rx: &Receiver<Work>) {
    while rx.recv_timeout(Duration::from_secs(5)).is_ok() {}
}

/// What a parse worker needs.
struct WorkerCtx<'a> {
    limits: &'a Limits,
    fields: &'a Fields,
    budget: &'a Budget,
    bytes_read: &'a AtomicU64,
    docs: &'a crate::attachtext::DocCache,
    now: i64,
}

fn worker(rx: Receiver<Work>, tx: Sender<Work>, ctx: &WorkerCtx<'_>) {
    for work in rx {
        let kind = match work.kind {
            WorkKind::Message(raw) => {
                let held = raw.bytes.len();
                let parsed = process(*raw, ctx);
                ctx.budget.release(held);
                WorkKind::Parsed(Box::new(parsed))
            }
            WorkKind::ReadFile {
                idx,
                path,
                size,
                mtime_ns,
            } => read_file(idx, path, size, mtime_ns, ctx),
            other => other,
        };
        if tx
            .send(Work {
                seq: work.seq,
                kind,
            })
            .is_err()
        {
            return;
        }
    }
}

/// Reads, detects and parses a small file in a folder.
fn read_file(idx: usize, path: PathBuf, size: u64, mtime_ns: i64, ctx: &WorkerCtx<'_>) -> WorkKind {
    let skip = |reason: String| WorkKind::Skipped {
        idx,
        skipped: Skipped {
            path: path.clone(),
            reason,
        },
    };
    let bytes = match source::read_source(&path) {
        Ok(b) => b,
        Err(e) => return skip(format!("cannot be read: {e}")),
    };
    ctx.bytes_read
        .fetch_add(bytes.len() as u64, Ordering::Relaxed);
    let format = match source::detect_head(&bytes[..bytes.len().min(SNIFF_BYTES)]) {
        Detected::Mail(f) => f,
        Detected::NotMail(why) => return skip(format!("not mail: {why}")),
    };
    let shared: Arc<Path> = Arc::from(path.as_path());
    let limits = ctx.limits;
    let mut notes = Vec::new();
    let mut complete = true;
    let (raws, sha256) = if format == SourceFormat::Eml {
        let m = RawMessage {
            maildir_flags: source::eml::maildir_flags(&path),
            path: shared,
            format,
            offset: 0,
            length: bytes.len() as u64,
            bytes,
            hashes: None,
            from_line: None,
            mbox_quoted: false,
            defects: Vec::new(),
        };
        (vec![m], None)
    } else {
        let sha = Sha256::of(&bytes);
        let stream: Box<dyn Read> = if format.is_compressed() {
            Box::new(source::gzindex::GzReader::new(Cursor::new(bytes)))
        } else {
            Box::new(Cursor::new(bytes))
        };
        let raws = match format {
            SourceFormat::Mbox | SourceFormat::MboxGz => {
                let mut splitter = MboxSplitter::new(
                    stream,
                    shared,
                    format,
                    limits.max_message_bytes,
                    limits.max_header_block,
                );
                let raws: Vec<RawMessage> = splitter.by_ref().collect();
                notes = splitter.take_notes();
                raws
            }
            _ => match source::eml::read_message(
                stream,
                shared,
                format,
                limits.max_message_bytes,
                limits.max_header_block,
            ) {
                Ok(m) => vec![m],
                Err(e) => {
                    complete = false;
                    notes.push(SourceNote {
                        path: path.clone(),
                        offset: 0,
                        text: format!("read error: {e}; the message was not imported"),
                    });
                    Vec::new()
                }
            },
        };
        (raws, Some(sha))
    };
    let messages = raws.into_iter().map(|r| process(r, ctx)).collect();
    WorkKind::FileDone {
        idx,
        path,
        format,
        size,
        mtime_ns,
        messages,
        sha256,
        sha_from_message: format == SourceFormat::Eml,
        notes,
        complete,
    }
}

/// Hash, canonicalise, parse and prepare one message.
fn process(raw: RawMessage, ctx: &WorkerCtx<'_>) -> Parsed {
    let (raw_sha256, key) = raw.hashes();
    let complete = raw.is_complete();
    // Parse the message as it was before it went into an mbox: quoting
    // undone, line ends untouched (binary parts may hold CRLF).
    let bytes = if raw.mbox_quoted {
        source::unquote_mbox(&raw.bytes)
    } else {
        std::borrow::Cow::Borrowed(&raw.bytes[..])
    };
    let size = if complete {
        bytes.len() as u64
    } else {
        raw.length
    };
    let mut msg = crate::parse::parse_message_with(
        key,
        &bytes,
        complete,
        size,
        ctx.limits,
        ctx.now,
        Some(ctx.docs),
    );
    let mut defects = raw.defects;
    defects.append(&mut msg.defects);
    msg.defects = defects;
    let doc = ctx.fields.document(&msg);
    Parsed {
        doc,
        prepared: store::prepare(msg),
        offset: raw.offset,
        length: raw.length,
        raw_sha256,
        from_line: raw.from_line,
        maildir_flags: raw.maildir_flags,
    }
}

struct Reader<'a> {
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

/// The reader stops when the writer is gone.
struct Stopped;

impl Reader<'_> {
    fn send(&mut self, kind: WorkKind) -> std::result::Result<(), Stopped> {
        let seq = self.seq;
        self.seq += 1;
        self.tx.send(Work { seq, kind }).map_err(|_| Stopped)
    }

    fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed) || self.halt.load(Ordering::Relaxed)
    }

    fn run(mut self, sources: &[PathBuf]) {
        for (idx, path) in sources.iter().enumerate() {
            if self.cancelled() || self.source(idx, path).is_err() {
                return;
            }
        }
    }

    fn source(&mut self, idx: usize, path: &Path) -> std::result::Result<(), Stopped> {
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

    fn folder(&mut self, idx: usize, abs: &Path) -> std::result::Result<(), Stopped> {
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
            match self.file(idx, &f, false)? {
                FileOutcome::Mail => {}
                FileOutcome::NotMail(reason) => self.send(WorkKind::Skipped {
                    idx,
                    skipped: Skipped {
                        path: f.clone(),
                        reason: format!("not mail: {reason}"),
                    },
                })?,
                FileOutcome::Unreadable(e) => self.send(WorkKind::Skipped {
                    idx,
                    skipped: Skipped {
                        path: f.clone(),
                        reason: format!("cannot be read: {e}"),
                    },
                })?,
                FileOutcome::Stopped => return Ok(()),
            }
        }
        self.send(WorkKind::SourceEnd { idx })
    }

    /// Reads one file: detects its format and sends its messages.
    fn file(
        &mut self,
        idx: usize,
        path: &Path,
        named: bool,
    ) -> std::result::Result<FileOutcome, Stopped> {
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) => return Ok(FileOutcome::Unreadable(e)),
        };
        let size = meta.len();
        let mtime_ns = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_nanos() as i64)
            .unwrap_or(0);
        if self.known.get(path) == Some(&(size, mtime_ns)) {
            self.bytes_read.fetch_add(size, Ordering::Relaxed);
            if named {
                let format = match source::detect_file(path) {
                    Ok(Detected::Mail(f)) => f,
                    _ => SourceFormat::Mbox,
                };
                self.send(WorkKind::SourceStart {
                    idx,
                    path: path.to_path_buf(),
                    format,
                    size,
                })?;
            }
            self.send(WorkKind::FileUnchanged {
                idx,
                path: path.to_path_buf(),
                size,
                mtime_ns,
            })?;
            return Ok(FileOutcome::Mail);
        }
        if !named && size <= PARALLEL_FILE {
            // Read, detect and parse on a worker: folders of small files
            // (EML dumps, maildirs) are read on all cores.
            self.send(WorkKind::ReadFile {
                idx,
                path: path.to_path_buf(),
                size,
                mtime_ns,
            })?;
            return Ok(FileOutcome::Mail);
        }
        if size <= SMALL_FILE {
            return self.small_file(idx, path, named, size, mtime_ns);
        }
        let file = match source::open_source(path) {
            Ok(f) => f,
            Err(e) => return Ok(FileOutcome::Unreadable(e)),
        };
        let mut hashing = HashingReader::new(file, self.bytes_read.clone());
        let head = match source::read_head(&mut hashing, SNIFF_BYTES) {
            Ok(h) => h,
            Err(e) => return Ok(FileOutcome::Unreadable(e)),
        };
        let format = match source::detect_head(&head) {
            Detected::Mail(f) => f,
            Detected::NotMail(why) => {
                // Count the bytes as read for progress.
                let _ = hashing.finish();
                return Ok(FileOutcome::NotMail(why));
            }
        };
        if named {
            self.send(WorkKind::SourceStart {
                idx,
                path: path.to_path_buf(),
                format,
                size,
            })?;
        }
        self.send(WorkKind::FileStart {
            idx,
            path: path.to_path_buf(),
            format,
            size,
            mtime_ns,
        })?;
        let shared: Arc<Path> = Arc::from(path);
        let mut gz_checkpoints = Vec::new();
        let (mut notes, complete) = {
            let chain = Cursor::new(head).chain(&mut hashing);
            if format.is_compressed() {
                // Checkpoints let a message be read back without
                // decompressing the file from its start.
                let mut gz = source::gzindex::GzReader::new(chain).with_checkpoints();
                let r = self.messages(Box::new(&mut gz), shared, format, path)?;
                gz_checkpoints = gz.take_checkpoints();
                r
            } else {
                self.messages(Box::new(chain), shared, format, path)?
            }
        };
        let sha256 = match hashing.finish() {
            Ok(s) => Some(s),
            Err(e) => {
                notes.push(SourceNote {
                    path: path.to_path_buf(),
                    offset: size,
                    text: format!("read error while hashing the file: {e}"),
                });
                None
            }
        };
        self.send(WorkKind::FileEnd {
            sha256,
            sha_from_message: false,
            notes,
            complete: complete && sha256.is_some(),
            gz_checkpoints,
        })?;
        Ok(if self.cancelled() && !complete {
            FileOutcome::Stopped
        } else {
            FileOutcome::Mail
        })
    }

    /// A file small enough to read in one go (most `.eml` files): one read,
    /// and for a single message no hashing here (the worker's hash of the
    /// message is the file's hash).
    fn small_file(
        &mut self,
        idx: usize,
        path: &Path,
        named: bool,
        size: u64,
        mtime_ns: i64,
    ) -> std::result::Result<FileOutcome, Stopped> {
        let bytes = match source::read_source(path) {
            Ok(b) => b,
            Err(e) => return Ok(FileOutcome::Unreadable(e)),
        };
        self.bytes_read
            .fetch_add(bytes.len() as u64, Ordering::Relaxed);
        let format = match source::detect_head(&bytes[..bytes.len().min(SNIFF_BYTES)]) {
            Detected::Mail(f) => f,
            Detected::NotMail(why) => return Ok(FileOutcome::NotMail(why)),
        };
        if named {
            self.send(WorkKind::SourceStart {
                idx,
                path: path.to_path_buf(),
                format,
                size,
            })?;
        }
        self.send(WorkKind::FileStart {
            idx,
            path: path.to_path_buf(),
            format,
            size,
            mtime_ns,
        })?;
        let shared: Arc<Path> = Arc::from(path);
        if format == SourceFormat::Eml {
            let m = RawMessage {
                maildir_flags: source::eml::maildir_flags(path),
                path: shared,
                format,
                offset: 0,
                length: bytes.len() as u64,
                bytes,
                hashes: None,
                from_line: None,
                mbox_quoted: false,
                defects: Vec::new(),
            };
            self.budget.acquire(m.bytes.len(), self.halt);
            self.send(WorkKind::Message(Box::new(m)))?;
            self.send(WorkKind::FileEnd {
                sha256: None,
                sha_from_message: true,
                notes: Vec::new(),
                complete: true,
                gz_checkpoints: Vec::new(),
            })?;
            return Ok(FileOutcome::Mail);
        }
        let sha256 = Sha256::of(&bytes);
        let stream: Box<dyn Read> = if format.is_compressed() {
            Box::new(source::gzindex::GzReader::new(Cursor::new(bytes)))
        } else {
            Box::new(Cursor::new(bytes))
        };
        let (notes, complete) = self.messages(stream, shared, format, path)?;
        self.send(WorkKind::FileEnd {
            sha256: Some(sha256),
            sha_from_message: false,
            notes,
            complete,
            gz_checkpoints: Vec::new(),
        })?;
        Ok(if self.cancelled() && !complete {
            FileOutcome::Stopped
        } else {
            FileOutcome::Mail
        })
    }

    /// Sends the messages of a stream (an mbox, or one message), returning
    /// the notes about the stream and whether it was read to its end.
    fn messages(
        &mut self,
        stream: Box<dyn Read + '_>,
        shared: Arc<Path>,
        format: SourceFormat,
        path: &Path,
    ) -> std::result::Result<(Vec<SourceNote>, bool), Stopped> {
        let mut notes = Vec::new();
        let mut complete = true;
        match format {
            SourceFormat::Mbox | SourceFormat::MboxGz => {
                let mut splitter = MboxSplitter::new(
                    stream,
                    shared,
                    format,
                    self.limits.max_message_bytes,
                    self.limits.max_header_block,
                );
                for m in splitter.by_ref() {
                    self.budget.acquire(m.bytes.len(), self.halt);
                    self.send(WorkKind::Message(Box::new(m)))?;
                    if self.cancelled() {
                        complete = false;
                        break;
                    }
                }
                notes = splitter.take_notes();
            }
            _ => match source::eml::read_message(
                stream,
                shared,
                format,
                self.limits.max_message_bytes,
                self.limits.max_header_block,
            ) {
                Ok(m) => {
                    self.budget.acquire(m.bytes.len(), self.halt);
                    self.send(WorkKind::Message(Box::new(m)))?;
                }
                Err(e) => {
                    complete = false;
                    notes.push(SourceNote {
                        path: path.to_path_buf(),
                        offset: 0,
                        text: format!("read error: {e}; the message was not imported"),
                    });
                }
            },
        }
        Ok((notes, complete))
    }
}

/// Files up to this size are read in one go.
const SMALL_FILE: u64 = 8 << 20;
/// Files in folders up to this size are read by the workers.
const PARALLEL_FILE: u64 = 1 << 20;

enum FileOutcome {
    Mail,
    NotMail(String),
    Unreadable(std::io::Error),
    Stopped,
}

/// Brings the index of a case opened for writing up to date with its
/// database (after an import was killed between the two commits), and its
/// threads. Returns the number of messages indexed.
pub fn catch_up(case: &mut Case) -> Result<u64> {
    let index = SearchIndex::open_or_create(&case.index_dir())?;
    let behind = case.max_rowid()?.saturating_sub(index.indexed_upto()?);
    if behind > 0 {
        let mut w = index.writer()?;
        catch_up_index(case, &index, &mut w)?;
        w.finish()?;
    }
    if behind > 0 || case.unthreaded()? > 0 {
        update_threads(case)?;
    }
    Ok(behind)
}

/// Indexes messages the case has and the index does not (left behind by
/// an import that was killed between the database and the index commits).
fn catch_up_index(case: &Case, index: &SearchIndex, w: &mut IndexWriterHandle) -> Result<()> {
    let upto = index.indexed_upto()?;
    let max = case.max_rowid()?;
    if upto >= max {
        return Ok(());
    }
    let fields = index.fields();
    // Documents past `upto` may exist from an uncommitted run: replace them.
    case.messages_after(upto, &mut |rowid, msg| {
        w.delete(rowid);
        let mut doc = fields.document(&msg);
        fields.set_rowid(&mut doc, rowid);
        w.add(doc)
    })?;
    w.commit(max)
}

/// Rebuilds the search index of a case from the case database, and its
/// threads; returns the number of messages indexed.
pub fn reindex(case: &mut Case) -> Result<u64> {
    let index = SearchIndex::open_or_create(&case.index_dir())?;
    let fields = index.fields().clone();
    let mut w = index.writer()?;
    w.delete_all()?;
    let mut n = 0;
    case.messages_after(0, &mut |rowid, msg| {
        let mut doc = fields.document(&msg);
        fields.set_rowid(&mut doc, rowid);
        n += 1;
        w.add(doc)
    })?;
    w.commit(case.max_rowid()?)?;
    w.finish()?;
    update_threads(case)?;
    Ok(n)
}

/// Recomputes threads over the whole case and stores the ids that changed.
/// Uses [`crate::thread::IdThreader`] over sequential scans of the case
/// (Message-IDs sorted by key in memory, then reply headers and stored ids
/// in row order), so memory is a couple of hundred bytes per message (no
/// inputs or trees held) and the table is read in its own order.
pub fn update_threads(case: &mut Case) -> Result<usize> {
    let mut ids = case.message_ids()?;
    ids.sort_unstable_by_key(|r| r.1);
    // Row id -> position in key order.
    let max_row = ids.iter().map(|r| r.0).max().unwrap_or(0) as usize;
    let mut pos = vec![u32::MAX; max_row + 1];
    let mut threader = crate::thread::IdThreader::new();
    for (m, (rowid, key, mid)) in ids.into_iter().enumerate() {
        pos[rowid as usize] = m as u32;
        threader.add_message(key, mid.as_deref());
    }
    fn split(s: &str) -> impl Iterator<Item = &str> {
        s.split(' ').filter(|x| !x.is_empty())
    }
    case.for_each_reply_headers(|rowid, irt, refs, gm, index| {
        if let Some(&m) = pos.get(rowid as usize)
            && m != u32::MAX
        {
            threader.add_replies(m as usize, split(irt), split(refs), gm, index);
        }
    })?;
    let (group_of, thread_ids) = threader.finish();
    let mut changes: Vec<(u64, String)> = Vec::new();
    let mut stored = vec![false; group_of.len()];
    case.for_each_stored_thread(|rowid, old| {
        if let Some(&m) = pos.get(rowid as usize)
            && let Some(&g) = group_of.get(m as usize)
        {
            stored[m as usize] = true;
            let new = thread_ids[g as usize].as_str();
            if old != new {
                changes.push((rowid, new.to_string()));
            }
        }
    })?;
    // Messages not threaded before.
    for (rowid, &m) in pos.iter().enumerate() {
        if m != u32::MAX && !stored[m as usize] {
            changes.push((
                rowid as u64,
                thread_ids[group_of[m as usize] as usize].to_string(),
            ));
        }
    }
    drop(pos);
    drop(group_of);
    drop(thread_ids);
    case.set_threads(&changes)
}

/// Documents added between index commits during an import, at most.
const INDEX_COMMIT_DOCS: u64 = 20_000;
/// Time between index commits during an import, at most, so that a case
/// being imported can be searched.
const INDEX_COMMIT_EVERY: Duration = Duration::from_secs(20);
/// The first index commit comes this soon, so that the window lists the
/// first messages of a big import within seconds; the interval then
/// doubles up to [`INDEX_COMMIT_EVERY`].
const INDEX_FIRST_COMMIT: Duration = Duration::from_secs(2);

/// Time before the next index commit after `commits` of them in this import.
fn index_commit_interval(commits: u32) -> Duration {
    INDEX_FIRST_COMMIT
        .saturating_mul(1u32 << commits.min(8))
        .min(INDEX_COMMIT_EVERY)
}

/// The writer: puts results back in order and commits them in batches.
struct Writer<'a> {
    import_id: i64,
    report: ImportReport,
    source_ids: Vec<Option<i64>>,
    index: &'a mut IndexWriterHandle,
    fields: &'a Fields,
    last_index_commit: Instant,
    /// Index commits made during this import.
    index_commits: u32,
    file_id: Option<i64>,
    file_path: Option<PathBuf>,
    file_source: usize,
    /// SHA-256 of the last message written (a whole-file message's is the file's).
    last_raw_sha: Option<Sha256>,
    /// Per source: for a folder, its root and the hash over its mail files
    /// (relative path and SHA-256, in order); for a file, the file's hash.
    hashes: Vec<SourceHash>,
    /// Mail files seen per source (read or unchanged).
    mail_files: Vec<u64>,
}

/// How a source's SHA-256 is made up.
enum SourceHash {
    None,
    Folder(PathBuf, sha2::Sha256),
    File(Option<Sha256>),
}

impl Writer<'_> {
    /// Records a mail file's hash in its source's hash.
    fn record_file(&mut self, idx: usize, path: &Path, sha: Option<Sha256>) {
        match &mut self.hashes[idx] {
            SourceHash::Folder(root, h) => {
                let rel = path.strip_prefix(root.as_path()).unwrap_or(path);
                h.update(rel.to_string_lossy().as_bytes());
                h.update(b"\t");
                h.update(sha.map(|s| s.to_hex()).unwrap_or_default().as_bytes());
                h.update(b"\n");
            }
            other => *other = SourceHash::File(sha),
        }
    }

    fn run(
        &mut self,
        case: &mut Case,
        rx: &Receiver<Work>,
        progress: &mut dyn FnMut(u64, Option<PathBuf>),
    ) -> Result<()> {
        let mut pending: BTreeMap<u64, WorkKind> = BTreeMap::new();
        let mut next = 0u64;
        let mut ready: Vec<WorkKind> = Vec::new();
        let mut last_commit = Instant::now();
        let mut last_progress = Instant::now();
        let mut open = true;
        while open || !ready.is_empty() {
            match rx.recv_timeout(Duration::from_millis(50)) {
                Ok(w) => {
                    pending.insert(w.seq, w.kind);
                    while let Some(k) = pending.remove(&next) {
                        ready.push(k);
                        next += 1;
                    }
                }
                Err(crossbeam_channel::RecvTimeoutError::Timeout) => {}
                Err(crossbeam_channel::RecvTimeoutError::Disconnected) => open = false,
            }
            if !ready.is_empty()
                && (ready.len() >= BATCH || last_commit.elapsed() >= COMMIT_EVERY || !open)
            {
                let batch = std::mem::take(&mut ready);
                // Counts stand only once committed: when the transaction
                // fails (a full disk) the report, which the audit log keeps
                // for the failed import, must not count what was rolled back.
                let counted = self.report.clone();
                let written = case.transaction(|tx| {
                    for kind in batch {
                        self.apply(tx, kind)?;
                    }
                    Ok(())
                });
                if let Err(e) = written {
                    self.report = counted;
                    return Err(e);
                }
                last_commit = Instant::now();
                if self.index.pending() >= INDEX_COMMIT_DOCS
                    || (self.index.pending() > 0
                        && self.last_index_commit.elapsed()
                            >= index_commit_interval(self.index_commits))
                {
                    self.index.commit(case.max_rowid()?)?;
                    self.last_index_commit = Instant::now();
                    self.index_commits += 1;
                }
            }
            if last_progress.elapsed() >= Duration::from_millis(100) || !open {
                progress(
                    self.report.found - self.report.skipped,
                    self.file_path.clone(),
                );
                last_progress = Instant::now();
            }
        }
        Ok(())
    }

    fn apply(&mut self, tx: &store::Tx<'_>, kind: WorkKind) -> Result<()> {
        let import_id = self.import_id;
        match kind {
            WorkKind::SourceStart {
                idx,
                path,
                format,
                size,
            } => {
                let id = tx.source(&path, format, size, import_id)?;
                self.source_ids[idx] = Some(id);
                self.hashes[idx] = if matches!(format, SourceFormat::Folder | SourceFormat::Maildir)
                {
                    SourceHash::Folder(path.clone(), sha2::Sha256::new())
                } else {
                    SourceHash::File(None)
                };
                let s = &mut self.report.sources[idx];
                s.format = Some(format);
                s.size = size;
            }
            WorkKind::SourceError { idx, error } => {
                self.report.sources[idx].error = Some(error);
            }
            WorkKind::SourceEnd { idx } => {
                let mail_files = self.mail_files[idx];
                let sha256 = match std::mem::replace(&mut self.hashes[idx], SourceHash::None) {
                    SourceHash::Folder(_, h) => Some(Sha256(h.finalize().into())),
                    SourceHash::File(sha) => sha,
                    SourceHash::None => None,
                };
                let s = &mut self.report.sources[idx];
                if let (Some(sha), Some(id)) = (sha256, self.source_ids[idx]) {
                    tx.source_hash(id, &sha)?;
                    s.sha256 = Some(sha.to_hex());
                }
                if mail_files == 0 && s.error.is_none() {
                    s.error = Some(format!(
                        "{}: no mail found in this folder ({} files skipped)",
                        s.path.display(),
                        s.skipped
                    ));
                }
            }
            WorkKind::FileStart {
                idx,
                path,
                format,
                size,
                mtime_ns,
            } => {
                self.mail_files[idx] += 1;
                let source_id = self.source_ids[idx].unwrap_or(0);
                self.file_id = Some(tx.file(source_id, &path, format, size, mtime_ns, import_id)?);
                self.file_path = Some(path);
                self.file_source = idx;
                self.last_raw_sha = None;
            }
            WorkKind::FileEnd {
                sha256,
                sha_from_message,
                notes,
                complete,
                gz_checkpoints,
            } => {
                let sha256 = if sha_from_message {
                    self.last_raw_sha.take()
                } else {
                    sha256
                };
                if let Some(path) = self.file_path.clone() {
                    self.record_file(self.file_source, &path, sha256);
                }
                if let Some(id) = self.file_id {
                    if complete {
                        tx.gz_checkpoints(id, &gz_checkpoints)?;
                        tx.file_complete(id, sha256.as_ref())?;
                    }
                    for n in &notes {
                        tx.note(
                            import_id,
                            self.source_ids[self.file_source],
                            &n.path,
                            n.offset,
                            &n.text,
                        )?;
                    }
                }
                self.report.notes.extend(notes);
            }
            WorkKind::FileUnchanged {
                idx,
                path,
                size,
                mtime_ns,
            } => {
                self.mail_files[idx] += 1;
                let sha = tx.file_sha(&path, size, mtime_ns)?;
                self.record_file(idx, &path, sha);
                self.report.unchanged_files += 1;
                self.report.sources[idx].unchanged_files += 1;
            }
            WorkKind::Skipped { idx, skipped } => {
                tx.skipped(
                    import_id,
                    self.source_ids[idx],
                    &skipped.path,
                    &skipped.reason,
                )?;
                self.report.skipped += 1;
                self.report.found += 1;
                let s = &mut self.report.sources[idx];
                s.skipped += 1;
                s.found += 1;
                self.report.skipped_files.push(skipped);
            }
            WorkKind::Parsed(p) => self.message(tx, *p)?,
            WorkKind::FileDone {
                idx,
                path,
                format,
                size,
                mtime_ns,
                messages,
                sha256,
                sha_from_message,
                notes,
                complete,
            } => {
                self.apply(
                    tx,
                    WorkKind::FileStart {
                        idx,
                        path,
                        format,
                        size,
                        mtime_ns,
                    },
                )?;
                for p in messages {
                    self.message(tx, p)?;
                }
                self.apply(
                    tx,
                    WorkKind::FileEnd {
                        sha256,
                        sha_from_message,
                        notes,
                        complete,
                        gz_checkpoints: Vec::new(),
                    },
                )?;
            }
            WorkKind::ReadFile { .. } => {}
            WorkKind::Message(_) => {}
        }
        Ok(())
    }

    fn message(&mut self, tx: &store::Tx<'_>, p: Parsed) -> Result<()> {
        let Some(file_id) = self.file_id else {
            return Ok(());
        };
        self.last_raw_sha = Some(p.raw_sha256);
        let origin = OriginRow {
            file_id,
            offset: p.offset,
            length: p.length,
            raw_sha256: p.raw_sha256,
            from_line: p.from_line.as_deref(),
            maildir_flags: p.maildir_flags.as_deref(),
        };
        let (added, rowid) = tx.add_message(&p.prepared, &origin, self.import_id)?;
        if added == Added::New {
            let mut doc = p.doc;
            self.fields.set_rowid(&mut doc, rowid as u64);
            self.index.add(doc)?;
        }
        let r = &mut self.report;
        let s = &mut r.sources[self.file_source];
        r.found += 1;
        s.found += 1;
        match p.prepared.status {
            ParseStatus::Parsed => {
                r.parsed += 1;
                s.parsed += 1;
            }
            ParseStatus::RawOnly => {
                r.raw_only += 1;
                s.raw_only += 1;
            }
        }
        match added {
            Added::New => {
                r.new += 1;
                s.new += 1;
            }
            Added::Duplicate => {
                r.duplicates += 1;
                s.duplicates += 1;
            }
            Added::AlreadyPresent => {
                r.already_present += 1;
                s.already_present += 1;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_commits_come_early_then_back_off() {
        let secs: Vec<u64> = (0..7).map(|n| index_commit_interval(n).as_secs()).collect();
        assert_eq!(secs, [2, 4, 8, 16, 20, 20, 20]);
        assert_eq!(index_commit_interval(u32::MAX), INDEX_COMMIT_EVERY);
    }
}
