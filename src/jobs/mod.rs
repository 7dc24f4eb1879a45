//! Background jobs for an interactive front end (the desktop window), with
//! no UI dependency: an import, a search, an export, each on its own thread,
//! reporting [`JobMessage`]s over one channel. One job of a kind runs at a
//! time; a new search supersedes the queued one (only the latest query
//! matters). A `notify` callback (the window's `request_repaint`) is called
//! after every event so the front end wakes up and drains the channel.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};

use crate::browse::{Browser, Found};
use crate::export::{ExportSummary, Format};
use crate::index::{Hit, Sort};
use crate::pipeline::{self, ImportOptions, ImportReport, Progress};
use crate::query::Query;
use crate::store::{Case, LightRow};

mod facet;
mod order;

pub use facet::{
    FACET_SAMPLE, FACET_TOP, FacetCounts, Facets, MENTION_FACETS, facets, mention_facets, month_of,
};
use facet::{sampled_facets, top};
#[cfg(test)]
use order::sort_hits;
pub use order::{ThreadGroup, thread_groups};
use order::{ThreadIndex, rank_of, sort_by_rank};

/// The kinds of job; one of each may run at a time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum JobKind {
    /// Importing sources into a case ([`Jobs::start_import`]).
    Import,
    /// Searching a case ([`Jobs::search`]); a newer search supersedes a waiting one.
    Search,
    /// Exporting hits to a file or folder ([`Jobs::start_export`]).
    Export,
}

/// What a job reports.
#[derive(Debug)]
pub enum JobEvent {
    /// The job is still running; how far it got.
    Progress(JobProgress),
    /// The job finished; it is no longer running once this is drained.
    Done(JobOutput),
    /// The job failed (or was cancelled: [`JobError::is_cancelled`]); it is no longer running.
    Failed(JobError),
}

/// Why a job failed, for the front end to put in plain words (its
/// `Display` is the sentence the window shows).
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// The library's error (it names its path or query).
    #[error(transparent)]
    Case(#[from] crate::error::Error),
    /// A search was asked for before any case was open.
    #[error("no case")]
    NoCase,
    /// The system refused a new thread for the job (out of memory or of
    /// threads); nothing was done.
    #[error("could not start the {0} thread: {1}")]
    Thread(&'static str, String),
}

impl JobError {
    /// The query could not be parsed (shown under the search box).
    pub fn is_bad_query(&self) -> bool {
        matches!(self, JobError::Case(crate::error::Error::Query { .. }))
    }

    /// The job was cancelled by the user (nothing was written).
    pub fn is_cancelled(&self) -> bool {
        matches!(self, JobError::Case(crate::error::Error::Cancelled))
    }
}

/// What a job function returns.
pub type JobResult<T> = std::result::Result<T, JobError>;

/// Progress of a running job.
#[derive(Clone, Debug)]
pub enum JobProgress {
    /// Where an import is (sent at most about ten times a second).
    Import(Progress),
    /// The hits of a search, sorted, with the facets counted in the index
    /// (senders, their domains, months and days); the rest of the facets
    /// follow in [`JobOutput::Facets`], which ends the search.
    Search(Box<SearchOutcome>),
    /// Messages written to the export so far (sent at most about ten times a second, and at the
    /// end).
    Export {
        /// Messages written so far.
        done: u64,
        /// Messages to write in all.
        total: u64,
    },
}

/// The result of a finished job.
#[derive(Debug)]
pub enum JobOutput {
    /// What the import did, per source and in total.
    Import(Box<ImportReport>),
    /// The facets of a search that read records or the case (recipients,
    /// attachment types, labels, tags, patterns), after its hits came in
    /// [`JobProgress::Search`]: only those fields are filled in. `None`
    /// when a newer search was waiting (they were not counted).
    Facets(Option<Box<Facets>>),
    /// What the export wrote.
    Export(ExportSummary),
}

/// One event of one job.
#[derive(Debug)]
pub struct JobMessage {
    /// Which kind of job sent it.
    pub kind: JobKind,
    /// The id [`Jobs`] gave the job when it started.
    pub id: u64,
    /// What happened.
    pub event: JobEvent,
}

/// The column results are ordered by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum SortColumn {
    /// Best match first (the index's order); `descending` does not apply.
    #[default]
    Relevance,
    /// By date, oldest first (undated last); newest first when descending.
    Date,
    /// By the first From address, case-insensitive.
    From,
    /// By the first To address, case-insensitive.
    To,
    /// By subject without `Re:`/`Fwd:` prefixes, case-insensitive.
    Subject,
    /// By number of attachments.
    Attachments,
    /// By the number of messages in the message's thread (1 when it has none).
    ThreadSize,
}

/// How results are ordered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct SortBy {
    /// The column to order by.
    pub column: SortColumn,
    /// Reverse the column's natural order (largest, latest or Z first).
    pub descending: bool,
}

/// A search to run.
#[derive(Clone, Debug)]
pub struct SearchRequest {
    /// The case folder to search.
    pub case: PathBuf,
    /// The query as typed (see [`crate::query`] for the syntax).
    pub query: String,
    /// How the hits are ordered.
    pub sort: SortBy,
    /// Make the latest index commit visible first (during an import).
    pub refresh: bool,
    /// Group the hits by thread too ([`SearchOutcome::groups`]): the
    /// window's thread view.
    pub threads: bool,
    /// Nothing but `threads` changed since the last search (the thread
    /// view was toggled): its hits and index facets may be reused when its
    /// query and order are the same.
    pub regroup: bool,
}

/// The light columns of every message of a case, by row id.
pub type LightTable = HashMap<u64, LightRow>;

/// A finished search.
#[derive(Clone, Debug)]
pub struct SearchOutcome {
    /// The case folder that was searched.
    pub case: PathBuf,
    /// The query as typed.
    pub query_text: String,
    /// The query as parsed (normalised).
    pub query: Query,
    /// The order the hits are in.
    pub sort: SortBy,
    /// Every hit, in the order asked for (never capped).
    pub hits: Vec<Hit>,
    /// Wall time of the search and the sort (facets not included).
    pub elapsed: Duration,
    /// Facets of the hits.
    pub facets: Facets,
    /// Shared list columns of the whole case (replaced when it grew).
    pub light: Arc<LightTable>,
    /// Messages per thread id, over the whole case.
    pub thread_sizes: Arc<HashMap<String, u32>>,
    /// Messages in the case when the search ran.
    pub case_messages: u64,
    /// The hits grouped by thread, when the request asked for it
    /// ([`SearchRequest::threads`]).
    pub groups: Option<Arc<Vec<ThreadGroup>>>,
}

/// An export to run.
#[derive(Clone, Debug)]
pub struct ExportRequest {
    /// The case folder to read from.
    pub case: PathBuf,
    /// The query as typed, recorded in the case's audit log of exports.
    pub query_text: String,
    /// The parsed query, for where each hit matched (JSON exports).
    pub query: Query,
    /// The messages to export, in this order.
    pub hits: Vec<Hit>,
    /// The export format.
    pub format: Format,
    /// The file to write (an existing file is replaced when the export finishes) or, for EML, the
    /// folder to create (missing or empty).
    pub path: PathBuf,
}

/// An import to run.
#[derive(Clone, Debug)]
pub struct ImportRequest {
    /// The case folder; created if missing.
    pub case: PathBuf,
    /// The sources to import: mbox or `.mbox.gz` files, `.eml` files, folders, maildirs.
    pub sources: Vec<PathBuf>,
    /// Limits, worker threads and rescan.
    pub options: ImportOptions,
}

type Notify = Arc<dyn Fn() + Send + Sync>;

struct Running {
    id: u64,
    cancel: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

/// The job runner.
pub struct Jobs {
    tx: Sender<JobMessage>,
    rx: Receiver<JobMessage>,
    notify: Notify,
    next_id: u64,
    running: HashMap<JobKind, Running>,
    search_tx: Option<Sender<(u64, SearchRequest)>>,
    search_thread: Option<JoinHandle<()>>,
    /// Id of the latest search asked for.
    latest_search: u64,
}

/// Why a job could not start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Busy(pub JobKind);

impl std::fmt::Display for Busy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "an {:?} is already running", self.0)
    }
}

impl Jobs {
    /// A runner; `notify` is called from job threads after each event.
    pub fn new(notify: impl Fn() + Send + Sync + 'static) -> Jobs {
        let (tx, rx) = crossbeam_channel::unbounded();
        Jobs {
            tx,
            rx,
            notify: Arc::new(notify),
            next_id: 1,
            running: HashMap::new(),
            search_tx: None,
            search_thread: None,
            latest_search: 0,
        }
    }

    fn next(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// Whether a job of `kind` is running.
    pub fn is_running(&self, kind: JobKind) -> bool {
        self.running.contains_key(&kind)
    }

    /// Asks the running job of `kind` to stop (import and export).
    pub fn cancel(&self, kind: JobKind) {
        if let Some(r) = self.running.get(&kind) {
            r.cancel.store(true, Ordering::Relaxed);
        }
    }

    /// Starts importing; the case is created if missing.
    pub fn start_import(&mut self, req: ImportRequest) -> Result<u64, Busy> {
        if self.is_running(JobKind::Import) {
            return Err(Busy(JobKind::Import));
        }
        let id = self.next();
        let cancel = Arc::new(AtomicBool::new(false));
        let flag = cancel.clone();
        let send = Sender_::new(self.tx.clone(), self.notify.clone(), JobKind::Import, id);
        let handle = std::thread::Builder::new()
            .name("mailsift-import".into())
            .spawn(move || {
                let event = match run_import(&req, &flag, &send) {
                    Ok(report) => JobEvent::Done(JobOutput::Import(Box::new(report))),
                    Err(e) => JobEvent::Failed(e),
                };
                send.send(event);
            })
            .map_err(|_| Busy(JobKind::Import))?;
        self.running.insert(
            JobKind::Import,
            Running {
                id,
                cancel,
                handle: Some(handle),
            },
        );
        Ok(id)
    }

    /// Asks for a search; a search already waiting is dropped in favour of
    /// this one. Returns the id its outcome will carry.
    pub fn search(&mut self, req: SearchRequest) -> u64 {
        let id = self.next();
        self.latest_search = id;
        if self.search_tx.is_none() {
            let (tx, rx) = crossbeam_channel::unbounded::<(u64, SearchRequest)>();
            let send = Sender_::new(self.tx.clone(), self.notify.clone(), JobKind::Search, 0);
            match std::thread::Builder::new()
                .name("mailsift-search".into())
                .spawn(move || search_worker(rx, send))
            {
                Ok(handle) => {
                    self.search_tx = Some(tx);
                    self.search_thread = Some(handle);
                }
                Err(e) => {
                    // Said, not swallowed: otherwise the search would wait
                    // forever. The next search tries to start it again.
                    let send =
                        Sender_::new(self.tx.clone(), self.notify.clone(), JobKind::Search, id);
                    send.send(JobEvent::Failed(JobError::Thread("search", e.to_string())));
                    return id;
                }
            }
        }
        if let Some(tx) = &self.search_tx {
            let _ = tx.send((id, req));
        }
        self.running.insert(
            JobKind::Search,
            Running {
                id,
                cancel: Arc::new(AtomicBool::new(false)),
                handle: None,
            },
        );
        id
    }

    /// The id of the latest search asked for (older outcomes are stale).
    pub fn latest_search(&self) -> u64 {
        self.latest_search
    }

    /// Starts an export.
    pub fn start_export(&mut self, req: ExportRequest) -> Result<u64, Busy> {
        if self.is_running(JobKind::Export) {
            return Err(Busy(JobKind::Export));
        }
        let id = self.next();
        let cancel = Arc::new(AtomicBool::new(false));
        let flag = cancel.clone();
        let send = Sender_::new(self.tx.clone(), self.notify.clone(), JobKind::Export, id);
        let handle = std::thread::Builder::new()
            .name("mailsift-export".into())
            .spawn(move || {
                let event = match run_export(&req, &send, &flag) {
                    Ok(summary) => JobEvent::Done(JobOutput::Export(summary)),
                    Err(e) => JobEvent::Failed(e),
                };
                send.send(event);
            })
            .map_err(|_| Busy(JobKind::Export))?;
        self.running.insert(
            JobKind::Export,
            Running {
                id,
                cancel,
                handle: Some(handle),
            },
        );
        Ok(id)
    }

    /// The events that arrived, for at most `budget` of work; a job whose
    /// Done/Failed event is returned is no longer running.
    pub fn drain(&mut self, budget: Duration) -> Vec<JobMessage> {
        let start = Instant::now();
        let mut out = Vec::new();
        while let Ok(msg) = self.rx.try_recv() {
            let finished = matches!(msg.event, JobEvent::Done(_) | JobEvent::Failed(_));
            let current = self.running.get(&msg.kind).is_some_and(|r| r.id == msg.id);
            if finished
                && current
                && let Some(mut r) = self.running.remove(&msg.kind)
                && let Some(h) = r.handle.take()
            {
                let _ = h.join();
            }
            out.push(msg);
            if start.elapsed() >= budget {
                break;
            }
        }
        out
    }

    /// Waits (up to `timeout`) until no job runs, collecting the events.
    pub fn wait_idle(&mut self, timeout: Duration) -> Vec<JobMessage> {
        let start = Instant::now();
        let mut out = Vec::new();
        while !self.running.is_empty() && start.elapsed() < timeout {
            out.extend(self.drain(Duration::from_millis(50)));
            std::thread::sleep(Duration::from_millis(5));
        }
        out
    }
}

impl Drop for Jobs {
    fn drop(&mut self) {
        for r in self.running.values() {
            r.cancel.store(true, Ordering::Relaxed);
        }
        // Closing the request channel ends the search worker.
        self.search_tx = None;
        for (_, mut r) in self.running.drain() {
            if let Some(h) = r.handle.take() {
                let _ = h.join();
            }
        }
        if let Some(h) = self.search_thread.take() {
            let _ = h.join();
        }
    }
}

/// Sends a job's events and wakes the front end.
#[derive(Clone)]
struct Sender_ {
    tx: Sender<JobMessage>,
    notify: Notify,
    kind: JobKind,
    id: u64,
}

impl Sender_ {
    fn new(tx: Sender<JobMessage>, notify: Notify, kind: JobKind, id: u64) -> Sender_ {
        Sender_ {
            tx,
            notify,
            kind,
            id,
        }
    }

    fn send(&self, event: JobEvent) {
        self.send_as(self.id, event);
    }

    fn send_as(&self, id: u64, event: JobEvent) {
        let _ = self.tx.send(JobMessage {
            kind: self.kind,
            id,
            event,
        });
        (self.notify)();
    }
}

fn run_import(req: &ImportRequest, cancel: &AtomicBool, send: &Sender_) -> JobResult<ImportReport> {
    pipeline::check_case_location(&req.case, &req.sources)?;
    let mut case = Case::open_for_writing(&req.case)?;
    let mut last = Instant::now() - Duration::from_secs(1);
    pipeline::import(
        &mut case,
        &req.sources,
        &req.options,
        &mut |p: &Progress| {
            // At most ~10 events a second.
            if last.elapsed() >= Duration::from_millis(100) {
                last = Instant::now();
                send.send(JobEvent::Progress(JobProgress::Import(p.clone())));
            }
        },
        cancel,
    )
    .map_err(JobError::from)
}

/// Runs an export; a cancelled export leaves no output and fails with
/// [`JobError::is_cancelled`].
fn run_export(
    req: &ExportRequest,
    send: &Sender_,
    cancel: &AtomicBool,
) -> JobResult<ExportSummary> {
    let browser = Browser::open(&req.case)?;
    let found = Found {
        query: req.query.clone(),
        hits: req.hits.clone(),
        elapsed: Duration::ZERO,
    };
    let mut last = Instant::now() - Duration::from_secs(1);
    browser
        .export(
            &found,
            &req.query_text,
            req.format,
            Some(&req.path),
            false,
            &mut |done, total| {
                if last.elapsed() >= Duration::from_millis(100) || done == total {
                    last = Instant::now();
                    send.send(JobEvent::Progress(JobProgress::Export { done, total }));
                }
                !cancel.load(Ordering::Relaxed)
            },
        )
        .map_err(JobError::from)
}

/// The search thread: keeps the case open between searches, runs only the
/// latest request waiting.
fn search_worker(rx: Receiver<(u64, SearchRequest)>, send: Sender_) {
    let mut state: Option<WorkerCase> = None;
    while let Ok(mut job) = rx.recv() {
        while let Ok(newer) = rx.try_recv() {
            job = newer;
        }
        let (id, req) = job;
        let outcome = match run_search(&mut state, &req) {
            Ok(outcome) => outcome,
            Err(e) => {
                send.send_as(id, JobEvent::Failed(e));
                continue;
            }
        };
        let query = outcome.query.clone();
        let rowids: Vec<u64> = outcome.hits.iter().map(|h| h.rowid).collect();
        send.send_as(
            id,
            JobEvent::Progress(JobProgress::Search(Box::new(outcome))),
        );
        // The slower facets, unless a newer search waits (its own follow).
        let more = match state.as_mut() {
            Some(s) if rx.is_empty() => Some(Box::new(s.more_facets(&query, &rowids))),
            _ => None,
        };
        send.send_as(id, JobEvent::Done(JobOutput::Facets(more)));
    }
}

struct WorkerCase {
    path: PathBuf,
    browser: Browser,
    light: Arc<LightTable>,
    thread_sizes: Arc<HashMap<String, u32>>,
    max_rowid: u64,
    /// Pattern facets by the set of hits, and sampled facets by the
    /// sampled hits in order ([`fingerprint`]; a `tag:` query finds other
    /// hits once tagging changed them); emptied when the case grows.
    mention_cache: HashMap<(u64, u64), Vec<(crate::patterns::Kind, FacetCounts)>>,
    sample_cache: HashMap<(u64, u64), Facets>,
    /// The last search's query text, order, hits and index facets: asked
    /// again (the thread view toggled), they are not searched again.
    last: Option<(String, SortBy, Arc<Vec<Hit>>, Facets)>,
    /// Per column, each message's place in the whole case's order by it
    /// (indexed by row id; ties share a place), made the first time the
    /// column is sorted by.
    ranks: HashMap<SortColumn, Arc<Vec<u32>>>,
    /// Every message's thread by number, made the first time the thread
    /// view asks.
    threads: Option<Arc<ThreadIndex>>,
}

/// Queries whose slower facets are kept.
const FACET_CACHE: usize = 32;

/// A key for a list of row ids: their number and a hash of them, of the
/// set (`ordered` false) or of the sequence.
fn fingerprint(rowids: &[u64], ordered: bool) -> (u64, u64) {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let hash = rowids.iter().fold(0u64, |h, &r| {
        let x = (r ^ (r >> 29)).wrapping_mul(K);
        if ordered {
            h.rotate_left(5).wrapping_add(x)
        } else {
            h.wrapping_add(x)
        }
    });
    (rowids.len() as u64, hash)
}

impl WorkerCase {
    fn open(path: &Path) -> JobResult<WorkerCase> {
        let browser = Browser::open(path)?;
        let mut w = WorkerCase {
            path: path.to_path_buf(),
            browser,
            light: Arc::new(HashMap::new()),
            thread_sizes: Arc::new(HashMap::new()),
            max_rowid: 0,
            mention_cache: HashMap::new(),
            sample_cache: HashMap::new(),
            last: None,
            ranks: HashMap::new(),
            threads: None,
        };
        w.refresh_light(true)?;
        Ok(w)
    }

    /// Reloads the light table when the case grew (or threads may have
    /// changed: `full`).
    fn refresh_light(&mut self, full: bool) -> JobResult<()> {
        let max = self.browser.case.max_rowid()?;
        if max == self.max_rowid && !full {
            return Ok(());
        }
        let rows = self.browser.case.light_rows(0)?;
        let mut sizes: HashMap<String, u32> = HashMap::new();
        for r in &rows {
            if let Some(t) = &r.thread {
                *sizes.entry(t.clone()).or_default() += 1;
            }
        }
        self.light = Arc::new(rows.into_iter().map(|r| (r.rowid, r)).collect());
        self.thread_sizes = Arc::new(sizes);
        self.max_rowid = max;
        self.mention_cache.clear();
        self.sample_cache.clear();
        self.last = None;
        self.ranks.clear();
        self.threads = None;
        Ok(())
    }

    /// Each message's place in the case's order by `column` (see
    /// [`sort_key`]), made once.
    fn rank(&mut self, column: SortColumn) -> Arc<Vec<u32>> {
        if let Some(r) = self.ranks.get(&column) {
            return r.clone();
        }
        let rank = rank_of(column, &self.light, &self.thread_sizes);
        let rank = Arc::new(rank);
        self.ranks.insert(column, rank.clone());
        rank
    }

    /// The facets of a search read from records and the case: recipients,
    /// attachment types and labels over the first [`FACET_SAMPLE`] hits,
    /// tags and patterns over every hit.
    fn more_facets(&mut self, query: &Query, rowids: &[u64]) -> Facets {
        if self.mention_cache.len() > FACET_CACHE {
            self.mention_cache.clear();
        }
        if self.sample_cache.len() > FACET_CACHE {
            self.sample_cache.clear();
        }
        let browser = &self.browser;
        let mentions = self
            .mention_cache
            .entry(fingerprint(rowids, false))
            .or_insert_with(|| mention_facets(browser, query))
            .clone();
        let mut out = self
            .sample_cache
            .entry(fingerprint(&rowids[..rowids.len().min(FACET_SAMPLE)], true))
            .or_insert_with(|| sampled_facets(browser, rowids))
            .clone();
        out.mentions = mentions;
        // Tags change as the investigators work: counted every time.
        out.tags = top(crate::desk::tag_rowid_counts(&browser.case, rowids).unwrap_or_default());
        out
    }
}

fn run_search(state: &mut Option<WorkerCase>, req: &SearchRequest) -> JobResult<SearchOutcome> {
    let reopen = state.as_ref().is_none_or(|s| s.path != req.case);
    if reopen {
        *state = Some(WorkerCase::open(&req.case)?);
    } else if req.refresh
        && let Some(s) = state.as_mut()
    {
        s.browser.reload_index()?;
        // Threads are assigned at the end of an import: reload fully then.
        s.refresh_light(true)?;
    }
    let Some(s) = state.as_mut() else {
        return Err(JobError::NoCase);
    };
    let start = Instant::now();
    let index_sort = match (req.sort.column, req.sort.descending) {
        (SortColumn::Date, false) => Sort::Date,
        (SortColumn::Date, true) => Sort::DateDesc,
        _ => Sort::Relevance,
    };
    let query = crate::browse::parse_query(&req.query)?;
    let (hits, facets) = match &s.last {
        Some((q, sort, hits, facets))
            if req.regroup && !req.refresh && *q == req.query && *sort == req.sort =>
        {
            (hits.as_ref().clone(), facets.clone())
        }
        _ => {
            let mut hits = s
                .browser
                .index
                .search(&query, &s.browser.case, index_sort)?;
            if !matches!(req.sort.column, SortColumn::Relevance | SortColumn::Date) {
                let rank = s.rank(req.sort.column);
                sort_by_rank(&mut hits, &rank, req.sort.descending);
            }
            let facets = Facets::from_index(&s.browser, &query)?;
            s.last = Some((
                req.query.clone(),
                req.sort,
                Arc::new(hits.clone()),
                facets.clone(),
            ));
            (hits, facets)
        }
    };
    let groups = req.threads.then(|| {
        let index = s
            .threads
            .get_or_insert_with(|| Arc::new(ThreadIndex::new(&s.light)));
        Arc::new(index.groups(&hits))
    });
    let elapsed = start.elapsed();
    Ok(SearchOutcome {
        case: req.case.clone(),
        query_text: req.query.clone(),
        query,
        sort: req.sort,
        hits,
        elapsed,
        facets,
        groups,
        light: s.light.clone(),
        thread_sizes: s.thread_sizes.clone(),
        case_messages: s.light.len() as u64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// From and To sort by what the list shows: the name, else the address.
    #[test]
    fn from_sorts_by_the_name_shown() {
        let row = |rowid: u64, from: &str, name: Option<&str>| crate::store::LightRow {
            rowid,
            date: None,
            from: Some(from.into()),
            subject: None,
            attachments: 0,
            thread: None,
            to: None,
            from_name: name.map(Into::into),
            to_name: None,
        };
        let light: LightTable = [
            row(1, "zz@x.org", Some("Anna Berg")),
            row(2, "aa@x.org", Some("Zoltan Kiss")),
            row(3, "mm@x.org", None),
        ]
        .into_iter()
        .map(|r| (r.rowid, r))
        .collect();
        let mut hits: Vec<Hit> = (1..=3)
            .map(|rowid| Hit {
                rowid,
                score: 0.0,
                date: None,
            })
            .collect();
        let by = SortBy {
            column: SortColumn::From,
            descending: false,
        };
        sort_hits(&mut hits, by, &light, &HashMap::new());
        let order: Vec<u64> = hits.iter().map(|h| h.rowid).collect();
        assert_eq!(order, [1, 3, 2], "Anna, mm@, Zoltan");
    }

    /// The cache keys of the slower facets: the same hits give the same
    /// key, others (one more, one other) another; the sample's key
    /// follows the order.
    #[test]
    fn fingerprints_tell_hit_lists_apart() {
        assert_eq!(
            fingerprint(&[1, 2, 3], false),
            fingerprint(&[3, 1, 2], false)
        );
        assert_ne!(fingerprint(&[1, 2, 3], true), fingerprint(&[3, 1, 2], true));
        assert_ne!(
            fingerprint(&[1, 2, 3], false),
            fingerprint(&[1, 2, 4], false)
        );
        assert_ne!(fingerprint(&[1, 2], false), fingerprint(&[1, 2, 0], false));
    }

    #[test]
    fn job_errors_are_typed_and_read_as_before() {
        let bad = crate::browse::parse_query("from:(")
            .map(|_| ())
            .unwrap_err();
        let e = JobError::from(bad);
        assert!(e.is_bad_query() && !e.is_cancelled());
        // The window shows the same words as when errors were strings.
        assert!(e.to_string().starts_with("bad query"), "{e}");
        let c = JobError::from(crate::error::Error::Cancelled);
        assert!(c.is_cancelled() && !c.is_bad_query());
        assert_eq!(c.to_string(), "cancelled");
        assert_eq!(JobError::NoCase.to_string(), "no case");
    }

    #[test]
    fn a_search_without_a_case_fails_with_a_typed_error() {
        let tmp = tempfile::tempdir().unwrap();
        let mut jobs = Jobs::new(|| {});
        let id = jobs.search(SearchRequest {
            case: tmp.path().join("no-such-case"),
            query: "*".into(),
            sort: SortBy::default(),
            refresh: false,
            threads: false,
            regroup: false,
        });
        let events = jobs.wait_idle(Duration::from_secs(30));
        let failed = events
            .into_iter()
            .find_map(|m| match m.event {
                JobEvent::Failed(e) if m.id == id => Some(e),
                _ => None,
            })
            .expect("the search fails");
        assert!(matches!(failed, JobError::Case(_)), "{failed:?}");
    }
}
