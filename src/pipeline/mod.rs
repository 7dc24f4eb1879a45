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
//!
//! The rooms: this file sets an import up and runs its threads;
//! `reader` walks and splits the sources, `worker` parses, `writer`
//! writes the case and the index in order, `split` turns a file's bytes
//! into raw messages for the reader and the workers alike, `work` is what
//! flows between them, `report` what an import reports, and `maintain`
//! keeps a case consistent outside an import (index catch-up, reindex,
//! re-threading).

mod archive;
mod maintain;
mod outlook;
mod reader;
mod report;
mod split;
mod work;
mod worker;
mod writer;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, bounded};

pub use maintain::{catch_up, reindex, update_threads};
pub use report::{ImportReport, Progress, SourceReport};

use crate::error::{Error, Result};
use crate::index::SearchIndex;
use crate::model::Limits;
use crate::store::Case;
use reader::{Reader, ReaderCtx};
use work::{Budget, Work};
use worker::{WorkerCtx, worker};
use writer::Writer;

/// Settings of an import.
#[derive(Clone, Debug)]
pub struct ImportOptions {
    /// Per-message resource limits; beyond them a message is kept raw-only or partly examined, with
    /// a defect.
    pub limits: Limits,
    /// Parse workers; 0 means one per core.
    pub threads: usize,
    /// Read every file again, even those imported before and unchanged.
    pub rescan: bool,
    /// The command line (or GUI action) recorded in the case's import log.
    pub command: String,
    /// Verify DKIM signatures in the workers (on by default; off only to
    /// measure what verification costs: messages then stay unverified
    /// until `keys add` verifies them).
    pub dkim: bool,
    /// Look for patterns in the text (phone numbers, addresses, URLs,
    /// IBANs, money; `crate::patterns`) in the workers (on by default; off
    /// only to measure what extraction costs: a reindex finds them then).
    pub patterns: bool,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            limits: Limits::default(),
            threads: 0,
            rescan: false,
            command: "import".into(),
            dkim: true,
            patterns: true,
        }
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
    let index = SearchIndex::open_or_create(&case.index_dir())?;
    let fields = index.fields().clone();
    let mut index_writer = index.writer()?;
    maintain::catch_up_index(case, &index, &mut index_writer, &mut |done, total| {
        on_progress(&Progress {
            messages: 0,
            bytes_read: 0,
            bytes_total: 0,
            elapsed: started.elapsed(),
            current: None,
            indexing: Some((done, total)),
        })
    })?;
    let import_id = case.begin_import(&opts.command)?;
    let known = if opts.rescan {
        HashMap::new()
    } else {
        case.complete_files()?
    };
    let case_root =
        std::fs::canonicalize(case.root()).unwrap_or_else(|_| case.root().to_path_buf());
    let bytes_read = Arc::new(AtomicU64::new(0));
    let bytes_total = Arc::new(AtomicU64::new(0));
    let budget = Budget::new(IN_FLIGHT_BYTES);
    let halt = AtomicBool::new(false);
    let mut writer = Writer::new(import_id, sources, &mut index_writer, &fields);
    let docs = crate::attachtext::DocCache::new(&opts.limits);
    let keys = case.dkim_keys()?;
    let ctx = WorkerCtx {
        limits: &opts.limits,
        fields: &fields,
        budget: &budget,
        bytes_read: &bytes_read,
        docs: &docs,
        now: now_secs(),
        keys: opts.dkim.then_some(&keys),
        patterns: opts.patterns,
    };
    let reader = ReaderCtx {
        limits: &opts.limits,
        known: &known,
        cancel,
        halt: &halt,
        bytes_read: &bytes_read,
        bytes_total: &bytes_total,
        budget: &budget,
        case_root: &case_root,
    };
    let result = run_threads(
        case,
        sources,
        opts.threads,
        reader,
        &ctx,
        &mut writer,
        &mut |messages, current| {
            on_progress(&Progress {
                messages,
                bytes_read: bytes_read.load(Ordering::Relaxed),
                bytes_total: bytes_total.load(Ordering::Relaxed),
                elapsed: started.elapsed(),
                current,
                indexing: None,
            })
        },
    );
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
    report.dkim.sort();
    report.elapsed_secs = started.elapsed().as_secs_f64();
    report.messages_per_sec = report.found as f64 / report.elapsed_secs.max(1e-3);
    report.cancelled = cancel.load(Ordering::Relaxed);
    finish(case, import_id, report, result)
}

/// Now, in seconds since the epoch.
fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Runs the checkpoint thread, the reader and the workers, and writes on
/// the calling thread until the workers are done (or writing fails).
#[allow(clippy::too_many_arguments)]
fn run_threads(
    case: &mut Case,
    sources: &[PathBuf],
    threads: usize,
    reader: ReaderCtx<'_>,
    ctx: &WorkerCtx<'_>,
    writer: &mut Writer<'_>,
    progress: &mut dyn FnMut(u64, Option<PathBuf>),
) -> Result<()> {
    let threads = if threads == 0 {
        std::thread::available_parallelism().map_or(2, |n| n.get())
    } else {
        threads
    };
    let halt = reader.halt;
    let (work_tx, work_rx) = bounded::<Work>(256);
    let (done_tx, done_rx) = bounded::<Work>(256);
    // The write-ahead log is copied into the database (with its fsyncs)
    // on a thread of its own, not on the writer's.
    let checkpointer = case.checkpointer()?;
    let (stop_checkpoints, checkpoints_stop) = bounded::<()>(1);
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("mailsift-checkpoint".into())
            .spawn_scoped(scope, move || checkpointer.run(&checkpoints_stop))
            .map_err(|e| Error::io(case.root(), "starting the checkpoint thread", e))?;
        let reader = Reader::new(work_tx, reader);
        std::thread::Builder::new()
            .name("mailsift-reader".into())
            .spawn_scoped(scope, move || reader.run(sources))
            .map_err(|e| Error::io(case.root(), "starting the reader thread", e))?;
        for n in 0..threads {
            let rx = work_rx.clone();
            let tx = done_tx.clone();
            std::thread::Builder::new()
                .name(format!("mailsift-worker-{n}"))
                .stack_size(32 << 20)
                .spawn_scoped(scope, move || worker(rx, tx, ctx))
                .map_err(|e| Error::io(case.root(), "starting a worker thread", e))?;
        }
        drop(work_rx);
        drop(done_tx);
        let r = writer.run(case, &done_rx, progress);
        if r.is_err() {
            // Stop the reader and let the workers run dry.
            halt.store(true, Ordering::Relaxed);
            drain(&done_rx);
        }
        drop(stop_checkpoints);
        r
    })
}

/// The end of an import: the case's totals and defects in the report,
/// which goes into the import log and the audit log.
fn finish(
    case: &mut Case,
    import_id: i64,
    mut report: ImportReport,
    result: Result<()>,
) -> Result<ImportReport> {
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
