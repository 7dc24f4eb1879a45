//! The desktop window (feature `gui`): [`MailsiftApp`] owns the state, turns
//! the [`Command`]s that the panels return into changes (`logic` and right
//! after each panel), and persists window-level settings (last case, recent
//! cases; window size and column widths through eframe/egui memory). The
//! work itself is in the library: imports, searches and exports run as
//! [`crate::jobs`] on background threads; the window never blocks on them.

pub mod attachments;
pub mod dialogs;
mod list;
mod panels;
mod reading;
mod reads;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::browse::Browser;
use crate::export::{ExportSummary, Format};
use crate::jobs::{
    ExportRequest, ImportRequest, JobEvent, JobKind, JobOutput, JobProgress, Jobs, SearchOutcome,
    SearchRequest, SortBy, SortColumn,
};
use crate::model::Message;
use crate::pipeline::{ImportOptions, ImportReport, Progress};

pub use dialogs::{Answer, FileDialogs, RfdDialogs, ScriptedDialogs};
pub use list::{ListRow, RowSummary};

/// Where the window keeps its cases.
#[derive(Clone, Debug)]
pub struct AppConfig {
    /// Cases made from opened sources go to `<data_dir>/cases/<name>-<hash>`.
    pub data_dir: PathBuf,
}

impl AppConfig {
    /// `$XDG_DATA_HOME/mailsift`, else `~/.local/share/mailsift`.
    pub fn from_env() -> AppConfig {
        AppConfig {
            data_dir: crate::store::data_dir(),
        }
    }

    /// The case folder for a source path (absolute).
    pub fn case_dir_for(&self, source: &Path) -> PathBuf {
        crate::store::case_dir_for(&self.data_dir, source)
    }
}

/// Everything a panel can ask for.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    OpenFile,
    OpenFolder,
    OpenCase,
    /// A source or a case folder (recent cases, the command line).
    OpenPath(PathBuf),
    /// Import a mailbox file into the open case.
    AddFile,
    /// Import a folder into the open case.
    AddFolder,
    /// Choose the folder new cases are made in.
    ChooseCasesFolder,
    CancelImport,
    ShowReport(bool),
    /// The query text changed (search after a pause).
    QueryEdited,
    /// Search now (Enter in the search box).
    SearchNow,
    /// Append a refinement (`from:ann`) to the query and search.
    Refine(String),
    ToggleHelp,
    SortBy(SortColumn),
    /// Select a row of the list (and show it).
    SelectRow(usize),
    /// Add or remove a row from the export selection (ctrl-click).
    ToggleRowSelection(usize),
    ToggleThreadView,
    /// Expand or collapse a thread row.
    ToggleThread(String),
    /// Show a message by row id (conversation, import report).
    ShowMessage(u64),
    SaveAttachment(usize),
    SaveAllAttachments,
    /// Show the extracted text of an attachment.
    ViewAttachmentText(usize),
    /// Show an image attachment.
    PreviewAttachment(usize),
    /// List the messages that carry the same attachment content.
    AttachmentAlsoIn(usize),
    CloseAttachmentView,
    ViewSource,
    CloseSource,
    CopyCitation,
    ShowExport(bool),
    CancelExport,
    Export {
        format: Format,
        selected_only: bool,
    },
    DismissStatus,
    FocusSearch,
    /// The list rows on screen this frame (their summaries are fetched).
    RowsShown(std::ops::Range<usize>),
    Quit,
}

/// Settings kept between runs.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Persisted {
    pub last_case: Option<PathBuf>,
    pub recent_cases: Vec<PathBuf>,
    pub thread_view: bool,
    /// Where new cases are made (default: the data folder's `cases/`).
    pub cases_dir: Option<PathBuf>,
}

const STORAGE_KEY: &str = "mailsift";
const RECENT_MAX: usize = 8;
/// Pause after typing before searching.
const DEBOUNCE: Duration = Duration::from_millis(250);
/// How often the list refreshes during an import.
const IMPORT_REFRESH: Duration = Duration::from_secs(1);
/// Row summaries kept; the cache is emptied past this.
const ROW_CACHE_MAX: usize = 4096;
/// Conversation entries listed in the reading pane, at most.
const CONVERSATION_MAX: usize = 400;
/// Conversation entries this close to the message shown get their sender's
/// name (the record is read); farther ones show the address only.
const CONVERSATION_NAMED: usize = 50;
/// Time per frame spent draining job events, at most.
const DRAIN_BUDGET: Duration = Duration::from_millis(3);

/// A running import.
pub struct ImportState {
    pub sources: Vec<PathBuf>,
    pub case: PathBuf,
    pub progress: Option<Progress>,
    pub started: Instant,
    pub cancelling: bool,
    last_refresh: Instant,
}

/// The message in the reading pane.
pub struct Reading {
    pub rowid: u64,
    pub message: Message,
    /// The conversation: (depth, row id, summary).
    pub thread: Vec<(usize, u64, RowSummary)>,
    /// Source shown in a window (escaped), when asked for.
    pub source: Option<String>,
    pub error: Option<String>,
    /// Where the current search matched this message.
    pub matched: Vec<crate::model::MatchPlace>,
    /// Per attachment: how many other messages carry the same content.
    pub also_in: Vec<usize>,
}

/// A message in the status line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Status {
    pub text: String,
    pub error: bool,
    /// Offer a link to the import report next to the text.
    pub report_link: bool,
}

/// What the import report panel lists (read from the case).
#[derive(Clone, Debug, Default)]
pub struct ReportDetails {
    pub skipped: Vec<(PathBuf, String)>,
    pub notes: Vec<(PathBuf, u64, String)>,
    pub defects: Vec<crate::store::DefectRow>,
    /// Totals over the whole case (every import).
    pub totals: Option<crate::store::CaseStats>,
}

/// The application.
pub struct MailsiftApp {
    pub config: AppConfig,
    /// For textures (image previews).
    ctx: egui::Context,
    dialogs: Box<dyn FileDialogs>,
    jobs: Jobs,
    pub persisted: Persisted,
    /// The open case and a reader on it (None until its index exists).
    pub case_path: Option<PathBuf>,
    browser: Option<Browser>,
    pub import: Option<ImportState>,
    pub last_report: Option<ImportReport>,
    pub report_details: Option<ReportDetails>,
    pub show_report: bool,
    pub query: String,
    query_edited_at: Option<Instant>,
    pub query_error: Option<String>,
    pub results: Option<SearchOutcome>,
    pub sort: SortBy,
    pub rows: Vec<ListRow>,
    pub selected_row: Option<usize>,
    pub marked: BTreeSet<u64>,
    pub thread_view: bool,
    expanded: HashSet<String>,
    thread_trees: HashMap<String, Vec<(usize, u64)>>,
    row_cache: HashMap<u64, RowSummary>,
    /// Per row shown: whether the current search matched an attachment's text.
    attachment_hits: HashMap<u64, bool>,
    pub reading: Option<Reading>,
    /// The attachment window (text, preview, other messages).
    pub attachment_view: Option<attachments::AttachmentView>,
    /// View source, a preview or a save reading the sources off this
    /// thread, with the status line it replaced while it runs.
    pending_read: Option<(reads::PendingRead, Option<Status>)>,
    pub status: Option<Status>,
    pub export_progress: Option<(u64, u64)>,
    pub last_export: Option<ExportSummary>,
    pub show_export: bool,
    pub export_format: Format,
    pub show_help: bool,
    scroll_to_selected: bool,
    focus_search: bool,
    search_started: Option<Instant>,
    last_shown: std::ops::Range<usize>,
    repaint: bool,
}

impl MailsiftApp {
    /// The window's app; `path` (a source or a case) is opened at once.
    pub fn new(
        cc: &eframe::CreationContext<'_>,
        config: AppConfig,
        dialogs: Box<dyn FileDialogs>,
        path: Option<PathBuf>,
    ) -> MailsiftApp {
        MailsiftApp::restored(cc.egui_ctx.clone(), config, dialogs, cc.storage, path)
    }

    /// The app with the settings of an earlier run read from `storage`
    /// (eframe's; a test's in memory); `path` is opened at once, else the
    /// last case.
    pub fn restored(
        ctx: egui::Context,
        config: AppConfig,
        dialogs: Box<dyn FileDialogs>,
        storage: Option<&dyn eframe::Storage>,
        path: Option<PathBuf>,
    ) -> MailsiftApp {
        let persisted: Persisted = storage
            .and_then(|s| eframe::get_value(s, STORAGE_KEY))
            .unwrap_or_default();
        let mut app = MailsiftApp::with_context(ctx, config, dialogs);
        app.thread_view = persisted.thread_view;
        app.persisted = persisted;
        match path {
            Some(p) => app.apply(Command::OpenPath(p)),
            // Started without a path: back to the last case, if it is still there.
            None => {
                if let Some(last) = app.persisted.last_case.clone()
                    && last.join(crate::store::MARKER).exists()
                {
                    app.apply(Command::OpenPath(last));
                }
            }
        }
        app
    }

    /// The app without eframe's creation context (tests, benchmarks).
    pub fn with_context(
        ctx: egui::Context,
        config: AppConfig,
        dialogs: Box<dyn FileDialogs>,
    ) -> MailsiftApp {
        let repaint = ctx.clone();
        MailsiftApp {
            ctx: ctx.clone(),
            config,
            dialogs,
            jobs: Jobs::new(move || repaint.request_repaint()),
            persisted: Persisted::default(),
            case_path: None,
            browser: None,
            import: None,
            last_report: None,
            report_details: None,
            show_report: false,
            query: String::new(),
            query_edited_at: None,
            query_error: None,
            results: None,
            sort: SortBy::default(),
            rows: Vec::new(),
            selected_row: None,
            marked: BTreeSet::new(),
            thread_view: false,
            expanded: HashSet::new(),
            thread_trees: HashMap::new(),
            row_cache: HashMap::new(),
            attachment_hits: HashMap::new(),
            reading: None,
            attachment_view: None,
            pending_read: None,
            status: None,
            export_progress: None,
            last_export: None,
            show_export: false,
            export_format: Format::Csv,
            show_help: false,
            scroll_to_selected: false,
            focus_search: false,
            search_started: None,
            last_shown: 0..0,
            repaint: false,
        }
    }

    /// Whether any background job runs.
    pub fn busy(&self) -> bool {
        self.jobs.is_running(JobKind::Import)
            || self.jobs.is_running(JobKind::Search)
            || self.jobs.is_running(JobKind::Export)
            || self.query_edited_at.is_some()
            || self.pending_read.is_some()
    }

    /// Number of hits of the current search.
    pub fn hit_count(&self) -> Option<usize> {
        self.results.as_ref().map(|r| r.hits.len())
    }

    fn set_status(&mut self, text: impl Into<String>, error: bool) {
        self.status = Some(Status {
            text: text.into(),
            error,
            report_link: false,
        });
    }

    /// The query as searched (empty = everything).
    fn effective_query(&self) -> String {
        let q = self.query.trim();
        if q.is_empty() {
            "*".into()
        } else {
            q.to_string()
        }
    }

    fn request_search(&mut self, refresh: bool) {
        let Some(case) = self.case_path.clone() else {
            return;
        };
        self.query_edited_at = None;
        self.search_started = Some(Instant::now());
        self.jobs.search(SearchRequest {
            case,
            query: self.effective_query(),
            sort: self.sort,
            refresh,
        });
    }

    // ---- opening --------------------------------------------------------

    fn open_path(&mut self, path: PathBuf) {
        if path.join(crate::store::MARKER).exists() {
            self.open_case(path);
            return;
        }
        self.import_source(path, None);
    }

    /// Imports a source: into `into` (the open case: it stays open and
    /// fills), or into a new case made for it in the cases folder.
    fn import_source(&mut self, path: PathBuf, into: Option<PathBuf>) {
        let abs = match std::fs::canonicalize(&path) {
            Ok(p) => p,
            Err(e) => {
                self.set_status(format!("Cannot open {}: {e}", path.display()), true);
                return;
            }
        };
        if self.jobs.is_running(JobKind::Import) {
            self.set_status("An import is already running; cancel it first.", true);
            return;
        }
        // A single file that is not mail is refused before a case is made
        // for it: the open case stays, and no empty case is left behind.
        if abs.is_file() {
            match crate::source::detect_file(&abs) {
                Ok(crate::source::Detected::Mail(_)) => {}
                Ok(crate::source::Detected::NotMail(why)) => {
                    self.set_status(
                        format!(
                            "Cannot open {}: not a mailbox or mail file ({why}). Nothing was imported.",
                            abs.display()
                        ),
                        true,
                    );
                    return;
                }
                Err(e) => {
                    self.set_status(
                        format!("Cannot read {}: {e}. Nothing was imported.", abs.display()),
                        true,
                    );
                    return;
                }
            }
        }
        let adding = into.is_some();
        let case = match into {
            Some(case) => case,
            None => match &self.persisted.cases_dir {
                Some(dir) => dir.join(crate::store::case_name_for(&abs)),
                None => self.config.case_dir_for(&abs),
            },
        };
        if !adding {
            self.close_case();
        }
        let req = ImportRequest {
            case: case.clone(),
            sources: vec![abs.clone()],
            options: ImportOptions {
                command: format!("open {} (window)", abs.display()),
                ..ImportOptions::default()
            },
        };
        match self.jobs.start_import(req) {
            Ok(_) => {
                self.case_path = Some(case.clone());
                self.import = Some(ImportState {
                    sources: vec![abs],
                    case: case.clone(),
                    progress: None,
                    started: Instant::now(),
                    cancelling: false,
                    last_refresh: Instant::now(),
                });
                self.remember_case(&case);
                self.status = None;
            }
            Err(e) => self.set_status(e.to_string(), true),
        }
    }

    fn open_case(&mut self, path: PathBuf) {
        match Browser::open(&path) {
            Ok(b) => {
                self.close_case();
                self.browser = Some(b);
                self.case_path = Some(path.clone());
                self.remember_case(&path);
                self.load_report_details();
                self.request_search(false);
                self.status = None;
            }
            Err(e) => self.set_status(format!("Cannot open case: {e}"), true),
        }
    }

    fn close_case(&mut self) {
        self.browser = None;
        self.case_path = None;
        self.results = None;
        self.rows.clear();
        self.row_cache.clear();
        self.thread_trees.clear();
        self.expanded.clear();
        self.marked.clear();
        self.selected_row = None;
        self.reading = None;
        self.last_report = None;
        self.report_details = None;
        self.show_report = false;
        self.query_error = None;
    }

    fn remember_case(&mut self, path: &Path) {
        let p = path.to_path_buf();
        self.persisted.recent_cases.retain(|c| c != &p);
        self.persisted.recent_cases.insert(0, p.clone());
        self.persisted.recent_cases.truncate(RECENT_MAX);
        self.persisted.last_case = Some(p);
    }

    fn ensure_browser(&mut self) {
        if self.browser.is_none()
            && let Some(case) = &self.case_path
            && case.join("index").exists()
            && let Ok(b) = Browser::open(case)
        {
            self.browser = Some(b);
        }
    }

    fn load_report_details(&mut self) {
        let Some(b) = &self.browser else {
            return;
        };
        let details = ReportDetails {
            skipped: b.case.skipped().unwrap_or_default(),
            notes: b.case.notes().unwrap_or_default(),
            defects: b.case.defect_rows().unwrap_or_default(),
            totals: b.case.stats().ok(),
        };
        self.report_details = Some(details);
    }

    // ---- jobs -----------------------------------------------------------

    fn drain_jobs(&mut self) {
        for msg in self.jobs.drain(DRAIN_BUDGET) {
            match (msg.kind, msg.event) {
                (JobKind::Import, JobEvent::Progress(JobProgress::Import(p))) => {
                    if let Some(imp) = &mut self.import {
                        imp.progress = Some(p);
                    }
                }
                (JobKind::Import, JobEvent::Done(JobOutput::Import(report))) => {
                    let cancelled = report.cancelled;
                    self.import = None;
                    self.ensure_browser();
                    if let Some(b) = &self.browser {
                        let _ = b.index.reload();
                    }
                    // Each error names its path already.
                    let errors: Vec<String> = report.errors().map(|(_, e)| e.to_string()).collect();
                    let summary = import_summary(&report);
                    if !errors.is_empty() {
                        self.set_status(format!("{}; {summary}", errors.join("; ")), true);
                        // What could not be used is shown at once.
                        self.show_report = true;
                    } else if cancelled {
                        self.set_status(
                            format!(
                                "Import cancelled; open the same source again to resume. {summary}"
                            ),
                            false,
                        );
                    } else {
                        self.set_status(summary, false);
                    }
                    if let Some(s) = &mut self.status {
                        s.report_link = true;
                    }
                    self.last_report = Some(*report);
                    self.load_report_details();
                    self.row_cache.clear();
                    self.thread_trees.clear();
                    self.request_search(true);
                }
                (JobKind::Import, JobEvent::Failed(e)) => {
                    self.import = None;
                    self.set_status(format!("Import failed: {e}"), true);
                    self.ensure_browser();
                    if self.browser.is_none() {
                        self.case_path = None;
                    }
                }
                (JobKind::Search, JobEvent::Done(JobOutput::Search(outcome)))
                    if msg.id == self.jobs.latest_search()
                        && Some(&outcome.case) == self.case_path.as_ref() =>
                {
                    self.query_error = None;
                    self.set_results(*outcome);
                }
                (JobKind::Search, JobEvent::Failed(e)) if msg.id == self.jobs.latest_search() => {
                    if e.starts_with("bad query") {
                        self.query_error = Some(e);
                    } else if self.import.is_none() {
                        self.set_status(format!("Search failed: {e}"), true);
                    }
                }
                (JobKind::Export, JobEvent::Progress(JobProgress::Export { done, total })) => {
                    self.export_progress = Some((done, total));
                }
                (JobKind::Export, JobEvent::Done(JobOutput::Export(summary))) => {
                    self.export_progress = None;
                    let path = summary
                        .path
                        .as_ref()
                        .map(|p| p.display().to_string())
                        .unwrap_or_default();
                    self.set_status(
                        format!(
                            "{} messages written to {path}",
                            panels::thousands(summary.messages)
                        ),
                        false,
                    );
                    self.last_export = Some(summary);
                }
                (JobKind::Export, JobEvent::Failed(e)) => {
                    self.export_progress = None;
                    if e == crate::error::Error::Cancelled.to_string() {
                        self.set_status("Export cancelled; nothing was written.", false);
                    } else {
                        self.set_status(format!("Export failed: {e}"), true);
                    }
                }
                _ => {}
            }
        }
    }

    fn set_results(&mut self, outcome: SearchOutcome) {
        let keep = self
            .selected_row
            .and_then(|i| self.rows.get(i))
            .map(|r| r.rowid());
        if self.results.as_ref().map(|r| &r.query_text) != Some(&outcome.query_text) {
            self.attachment_hits.clear();
        }
        self.results = Some(outcome);
        self.rebuild_rows();
        self.selected_row = keep.and_then(|id| self.rows.iter().position(|r| r.rowid() == id));
    }

    fn rebuild_rows(&mut self) {
        let Some(res) = &self.results else {
            self.rows.clear();
            return;
        };
        self.rows = if self.thread_view {
            list::thread_rows(res, &self.expanded, &self.thread_trees)
        } else {
            res.hits
                .iter()
                .map(|h| ListRow::Message {
                    rowid: h.rowid,
                    depth: 0,
                })
                .collect()
        };
    }

    /// Summaries of the rows `range` (filled from the case on demand).
    fn fill_row_cache(&mut self, rows: std::ops::Range<usize>) {
        let Some(b) = &self.browser else {
            return;
        };
        if self.row_cache.len() > ROW_CACHE_MAX {
            self.row_cache.clear();
        }
        if self.attachment_hits.len() > ROW_CACHE_MAX {
            self.attachment_hits.clear();
        }
        let query = self
            .results
            .as_ref()
            .filter(|r| !matches!(r.query_text.trim(), "" | "*"))
            .map(|r| r.query.clone());
        let sizes = self.results.as_ref().map(|r| r.thread_sizes.clone());
        let light = self.results.as_ref().map(|r| r.light.clone());
        for i in rows {
            let Some(row) = self.rows.get(i) else {
                break;
            };
            let rowid = row.rowid();
            if let Some(q) = &query
                && !self.attachment_hits.contains_key(&rowid)
                && let Ok(Some(m)) = b.case.message_by_rowid(rowid)
            {
                let hit = b.matched_in(&m, q).is_ok_and(|places| {
                    places
                        .iter()
                        .any(|p| matches!(p, crate::model::MatchPlace::Attachment { .. }))
                });
                self.attachment_hits.insert(rowid, hit);
            }
            if self.row_cache.contains_key(&rowid) {
                continue;
            }
            let thread = light
                .as_ref()
                .and_then(|l| l.get(&rowid))
                .and_then(|r| r.thread.clone());
            let size = thread
                .as_ref()
                .and_then(|t| sizes.as_ref().and_then(|s| s.get(t)))
                .copied()
                .unwrap_or(1);
            let summary = match b.case.message_by_rowid(rowid) {
                Ok(Some(m)) => RowSummary::of(&m, thread, size),
                Ok(None) => RowSummary::missing(rowid, "(not in the case yet)"),
                Err(e) => RowSummary::missing(rowid, &e.to_string()),
            };
            self.row_cache.insert(rowid, summary);
        }
    }

    // ---- commands -------------------------------------------------------

    /// Applies a command from a panel or a shortcut.
    pub fn apply(&mut self, cmd: Command) {
        let cmd_is_file = cmd == Command::AddFile;
        match cmd {
            Command::OpenFile => {
                if let Some(p) = self.dialogs.pick_file() {
                    self.open_path(p);
                }
            }
            Command::OpenFolder => {
                if let Some(p) = self.dialogs.pick_folder() {
                    self.open_path(p);
                }
            }
            Command::AddFile | Command::AddFolder => {
                let Some(case) = self.case_path.clone() else {
                    self.set_status("Open a case first, then add sources to it.", true);
                    return;
                };
                let picked = if cmd_is_file {
                    self.dialogs.pick_file()
                } else {
                    self.dialogs.pick_folder()
                };
                if let Some(p) = picked {
                    self.import_source(p, Some(case));
                }
            }
            Command::ChooseCasesFolder => {
                if let Some(dir) = self.dialogs.pick_folder() {
                    self.set_status(
                        format!("New cases will be made in {}.", dir.display()),
                        false,
                    );
                    self.persisted.cases_dir = Some(dir);
                }
            }
            Command::OpenCase => {
                if let Some(p) = self.dialogs.pick_folder() {
                    if p.join(crate::store::MARKER).exists() {
                        self.open_case(p);
                    } else {
                        self.set_status(
                            format!(
                                "{} is not a mailsift case (no {}); use Open folder… to import a folder of mail",
                                p.display(),
                                crate::store::MARKER
                            ),
                            true,
                        );
                    }
                }
            }
            Command::OpenPath(p) => self.open_path(p),
            Command::CancelImport => {
                self.jobs.cancel(JobKind::Import);
                if let Some(i) = &mut self.import {
                    i.cancelling = true;
                }
            }
            Command::ShowReport(show) => self.show_report = show,
            Command::ViewAttachmentText(i) => self.view_attachment_text(i),
            Command::PreviewAttachment(i) => self.preview_attachment(i),
            Command::AttachmentAlsoIn(i) => self.attachment_also_in(i),
            Command::CloseAttachmentView => self.attachment_view = None,
            Command::CancelExport => self.jobs.cancel(JobKind::Export),
            Command::QueryEdited => self.query_edited_at = Some(Instant::now()),
            Command::SearchNow => self.request_search(false),
            Command::Refine(r) => {
                let q = self.query.trim();
                self.query = if q.is_empty() || q == "*" {
                    r
                } else {
                    format!("{q} {r}")
                };
                self.request_search(false);
            }
            Command::ToggleHelp => self.show_help = !self.show_help,
            Command::SortBy(col) => {
                self.sort = if self.sort.column == col {
                    SortBy {
                        column: col,
                        descending: !self.sort.descending,
                    }
                } else {
                    SortBy {
                        column: col,
                        descending: matches!(col, SortColumn::Date | SortColumn::ThreadSize),
                    }
                };
                self.request_search(false);
            }
            Command::SelectRow(i) => self.select_row(i),
            Command::ToggleRowSelection(i) => {
                if let Some(r) = self.rows.get(i) {
                    let id = r.rowid();
                    if !self.marked.remove(&id) {
                        self.marked.insert(id);
                    }
                }
            }
            Command::ToggleThreadView => {
                self.thread_view = !self.thread_view;
                self.persisted.thread_view = self.thread_view;
                self.rebuild_rows();
                self.selected_row = None;
            }
            Command::ToggleThread(t) => {
                if !self.expanded.remove(&t) {
                    if !self.thread_trees.contains_key(&t)
                        && let Some(b) = &self.browser
                    {
                        match b.thread_tree(&t) {
                            Ok(tree) => {
                                self.thread_trees.insert(t.clone(), tree);
                            }
                            Err(e) => self.set_status(format!("Thread: {e}"), true),
                        }
                    }
                    self.expanded.insert(t);
                }
                let keep = self.selected_row.and_then(|i| self.rows.get(i).cloned());
                self.rebuild_rows();
                self.selected_row = keep.and_then(|k| self.rows.iter().position(|r| *r == k));
            }
            Command::ShowMessage(rowid) => {
                if let Some(i) = self.rows.iter().position(|r| r.rowid() == rowid) {
                    self.selected_row = Some(i);
                    self.scroll_to_selected = true;
                }
                self.show_message(rowid);
            }
            Command::SaveAttachment(i) => self.save_attachment(Some(i)),
            Command::SaveAllAttachments => self.save_attachment(None),
            Command::ViewSource => self.view_source(),
            Command::CloseSource => {
                if let Some(r) = &mut self.reading {
                    r.source = None;
                }
            }
            Command::CopyCitation => {} // needs the context: see `apply_with_ctx`
            Command::ShowExport(show) => self.show_export = show,
            Command::Export {
                format,
                selected_only,
            } => self.export(format, selected_only),
            Command::DismissStatus => self.status = None,
            Command::FocusSearch => self.focus_search = true,
            Command::RowsShown(r) => {
                let missing = r.clone().any(|i| {
                    self.rows
                        .get(i)
                        .is_some_and(|row| !self.row_cache.contains_key(&row.rowid()))
                });
                self.last_shown = r.clone();
                if missing {
                    self.fill_row_cache(r);
                    self.repaint = true;
                }
            }
            Command::Quit => {}
        }
    }

    fn apply_with_ctx(&mut self, ctx: &egui::Context, cmd: Command) {
        match cmd {
            Command::CopyCitation => {
                if let Some(text) = self.citation() {
                    ctx.copy_text(text);
                    self.set_status("Citation copied to the clipboard.", false);
                }
            }
            Command::Quit => ctx.send_viewport_cmd(egui::ViewportCommand::Close),
            other => self.apply(other),
        }
    }

    fn select_row(&mut self, i: usize) {
        let Some(row) = self.rows.get(i).cloned() else {
            return;
        };
        self.selected_row = Some(i);
        self.scroll_to_selected = true;
        self.show_message(row.rowid());
    }

    fn show_message(&mut self, rowid: u64) {
        if self.reading.as_ref().is_some_and(|r| r.rowid == rowid) {
            return;
        }
        let Some(b) = &self.browser else {
            return;
        };
        match b.message(rowid) {
            Ok(message) => {
                let mut thread = Vec::new();
                if let Ok(Some(t)) = b.case.thread_of(&message.key)
                    && let Ok(tree) = b.thread_tree(&t)
                    && tree.len() > 1
                {
                    let light = self.results.as_ref().map(|r| r.light.clone());
                    // A huge thread is listed around this message only.
                    let at = tree.iter().position(|(_, id)| *id == rowid).unwrap_or(0);
                    let from = at.saturating_sub(CONVERSATION_MAX / 2);
                    for (i, (depth, id)) in
                        tree.iter().enumerate().skip(from).take(CONVERSATION_MAX)
                    {
                        // Names as in the list: from the row cache, else read
                        // from the case near this message; far entries of a
                        // huge thread show the light row (address only).
                        let near = i.abs_diff(at) <= CONVERSATION_NAMED;
                        let s = match self.row_cache.get(id) {
                            Some(s) => s.clone(),
                            None => match light.as_ref().and_then(|l| l.get(id)) {
                                Some(l) if !near => RowSummary::light(l),
                                _ => match b.case.message_by_rowid(*id) {
                                    Ok(Some(m)) => RowSummary::of(&m, None, 0),
                                    _ => continue,
                                },
                            },
                        };
                        thread.push((*depth, *id, s));
                    }
                }
                let mut message = message;
                let mut error = None;
                if let Err(e) = b.case.fill_attachment_texts(&mut message) {
                    error = Some(format!("Attachment texts: {e}"));
                }
                let matched = match self.results.as_ref().map(|r| &r.query) {
                    Some(q) if self.query.trim() != "" && self.query.trim() != "*" => {
                        crate::index::snippet::matched_in(q, &message)
                    }
                    _ => Vec::new(),
                };
                let also_in = message
                    .attachments
                    .iter()
                    .map(|a| {
                        b.case
                            .messages_with_attachment(&a.sha256)
                            .map(|ids| ids.iter().filter(|id| **id != rowid).count())
                            .unwrap_or(0)
                    })
                    .collect();
                self.attachment_view = None;
                self.reading = Some(Reading {
                    rowid,
                    message,
                    thread,
                    source: None,
                    error,
                    matched,
                    also_in,
                });
            }
            Err(e) => self.set_status(format!("Cannot read message: {e}"), true),
        }
    }

    fn citation(&self) -> Option<String> {
        let r = self.reading.as_ref()?;
        let b = self.browser.as_ref()?;
        let m = &r.message;
        let origins = b.case.origins(&m.key).unwrap_or_default();
        let mut out = format!(
            "Message {}\nFrom: {}\nDate: {}\nSubject: {}\n",
            m.key.to_hex(),
            reading::addresses(&m.from),
            m.date
                .map(crate::time::rfc3339)
                .unwrap_or_else(|| "(no date)".into()),
            crate::display::visible(m.subject.as_deref().unwrap_or("(no subject)")),
        );
        for o in &origins {
            out.push_str(&format!(
                "Source: {} offset {} length {} (source bytes SHA-256 {})\n",
                o.path.display(),
                o.offset,
                o.length,
                o.raw_sha256.to_hex()
            ));
        }
        Some(out)
    }

    fn view_source(&mut self) {
        let Some(r) = &self.reading else {
            return;
        };
        let (key, rowid) = (r.message.key, r.rowid);
        self.start_read("Reading the source…".into(), move |src| {
            reads::source_text(src, &key, rowid)
        });
    }

    /// Starts a read of the sources on its own thread (see [`reads`]); its
    /// label shows in the status line until it is done.
    fn start_read(
        &mut self,
        label: String,
        f: impl FnOnce(&crate::browse::SourceReader<'_>) -> reads::ReadDone + Send + 'static,
    ) {
        let Some(root) = self.case_path.clone() else {
            return;
        };
        match reads::PendingRead::start(root, label.clone(), self.ctx.clone(), f) {
            Ok(p) => {
                let previous = match self.pending_read.take() {
                    // A read overtaken: the line from before it.
                    Some((_, before)) => before,
                    None => self.status.clone(),
                };
                self.set_status(label, false);
                self.pending_read = Some((p, previous));
            }
            Err(e) => self.set_status(format!("Cannot start reading: {e}"), true),
        }
    }

    /// Applies the result of the running read, once it is there.
    fn poll_read(&mut self) {
        let Some(done) = self.pending_read.as_ref().and_then(|(p, _)| p.poll()) else {
            return;
        };
        if let Some((p, previous)) = self.pending_read.take()
            && self.status.as_ref().is_some_and(|s| s.text == p.label)
        {
            // What the status line said before the read.
            self.status = previous;
        }
        match done {
            reads::ReadDone::Source { rowid, text } => {
                if let Some(r) = &mut self.reading
                    && r.rowid == rowid
                {
                    match text {
                        Ok(t) => r.source = Some(t),
                        Err(e) => r.error = Some(e),
                    }
                }
            }
            reads::ReadDone::Preview {
                rowid,
                index,
                name,
                image,
            } => match image {
                Ok(img) => {
                    if self.reading.as_ref().is_some_and(|r| r.rowid == rowid) {
                        let size = img.size;
                        let texture = self.ctx.load_texture(
                            format!("attachment-{rowid}-{index}"),
                            img,
                            egui::TextureOptions::LINEAR,
                        );
                        self.attachment_view = Some(attachments::AttachmentView::Image {
                            name,
                            texture,
                            size,
                        });
                    }
                }
                Err(e) => self.set_status(format!("Cannot show {name}: {e}"), true),
            },
            reads::ReadDone::Saved(Ok(text)) => self.set_status(text, false),
            reads::ReadDone::Saved(Err(e)) => self.set_status(e, true),
        }
    }

    fn attachment_name(&self, i: usize) -> Option<String> {
        let a = self.reading.as_ref()?.message.attachments.get(i)?;
        Some(crate::display::visible(
            &a.name
                .clone()
                .unwrap_or_else(|| crate::browse::default_name(a)),
        ))
    }

    fn view_attachment_text(&mut self, i: usize) {
        let Some(r) = &self.reading else {
            return;
        };
        let Some(a) = r.message.attachments.get(i) else {
            return;
        };
        let name = self.attachment_name(i).unwrap_or_default();
        let status = match (a.kind.as_deref(), a.text_status) {
            (Some(k), Some(s)) => format!("{k} · text {}", s.as_str()),
            (None, Some(s)) => format!("text {}", s.as_str()),
            (Some(k), None) => k.to_string(),
            (None, None) => String::new(),
        };
        let text = a.text.clone().unwrap_or_else(|| "(no text)".into());
        self.attachment_view = Some(attachments::AttachmentView::Text { name, text, status });
    }

    fn preview_attachment(&mut self, i: usize) {
        let Some(r) = &self.reading else {
            return;
        };
        let (key, rowid) = (r.message.key, r.rowid);
        let name = self.attachment_name(i).unwrap_or_default();
        self.start_read(format!("Reading {name}…"), move |src| {
            reads::preview(src, &key, rowid, i, name)
        });
    }

    fn attachment_also_in(&mut self, i: usize) {
        let (Some(b), Some(r)) = (&self.browser, &self.reading) else {
            return;
        };
        let Some(a) = r.message.attachments.get(i) else {
            return;
        };
        let name = self.attachment_name(i).unwrap_or_default();
        match b.case.messages_with_attachment(&a.sha256) {
            Ok(ids) => {
                let rows = ids
                    .into_iter()
                    .filter_map(|id| match b.case.message_by_rowid(id) {
                        Ok(Some(m)) => Some((id, RowSummary::of(&m, None, 0))),
                        _ => None,
                    })
                    .collect();
                self.attachment_view = Some(attachments::AttachmentView::AlsoIn { name, rows });
            }
            Err(e) => self.set_status(format!("Cannot list messages: {e}"), true),
        }
    }

    fn save_attachment(&mut self, which: Option<usize>) {
        let Some(r) = &self.reading else {
            return;
        };
        let key = r.message.key;
        match which {
            None => {
                let Some(dir) = self.dialogs.pick_folder() else {
                    return;
                };
                self.start_read("Saving the attachments…".into(), move |src| {
                    reads::save_all(src, &key, &dir)
                });
            }
            Some(i) => {
                let Some(att) = r.message.attachments.get(i) else {
                    return;
                };
                let name = reads::suggested_name(att);
                let Some(dest) = self.dialogs.save_file(&name) else {
                    return;
                };
                let dir = dest.parent().map(Path::to_path_buf).unwrap_or_default();
                let file = dest
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or(name);
                self.start_read(format!("Saving {file}…"), move |src| {
                    reads::save_one(src, &key, i, &dir, &file)
                });
            }
        }
    }

    fn export(&mut self, format: Format, selected_only: bool) {
        self.show_export = false;
        let (Some(res), Some(case)) = (&self.results, &self.case_path) else {
            return;
        };
        let hits: Vec<_> = if selected_only {
            res.hits
                .iter()
                .filter(|h| self.marked.contains(&h.rowid))
                .copied()
                .collect()
        } else {
            res.hits.clone()
        };
        if hits.is_empty() {
            self.set_status("Nothing to export.", true);
            return;
        }
        let default = match format {
            Format::Csv => "mailsift-export.csv",
            Format::Json => "mailsift-export.ndjson",
            Format::Mbox => "mailsift-export.mbox",
            Format::Eml => "mailsift-export-eml",
        };
        let Some(path) = self.dialogs.save_file(default) else {
            return;
        };
        let req = ExportRequest {
            case: case.clone(),
            query_text: res.query_text.clone(),
            query: res.query.clone(),
            hits,
            format,
            path,
        };
        match self.jobs.start_export(req) {
            Ok(_) => self.export_progress = Some((0, 0)),
            Err(e) => self.set_status(e.to_string(), true),
        }
    }

    // ---- per frame --------------------------------------------------------

    fn keyboard(&mut self, ctx: &egui::Context) -> Vec<Command> {
        use egui::{Key, Modifiers};
        let mut out = Vec::new();
        let typing = ctx.egui_wants_keyboard_input();
        ctx.input_mut(|i| {
            if i.consume_key(Modifiers::COMMAND, Key::F) {
                out.push(Command::FocusSearch);
            }
            if typing {
                return;
            }
            if i.consume_key(Modifiers::NONE, Key::Slash) {
                out.push(Command::FocusSearch);
            }
            let n = self.rows.len();
            if n == 0 {
                return;
            }
            let cur = self.selected_row;
            let page = 20;
            let mut target = None;
            if i.consume_key(Modifiers::NONE, Key::ArrowDown)
                || i.consume_key(Modifiers::NONE, Key::J)
            {
                target = Some(cur.map_or(0, |c| (c + 1).min(n - 1)));
            }
            if i.consume_key(Modifiers::NONE, Key::ArrowUp)
                || i.consume_key(Modifiers::NONE, Key::K)
            {
                target = Some(cur.map_or(0, |c| c.saturating_sub(1)));
            }
            if i.consume_key(Modifiers::NONE, Key::PageDown) {
                target = Some(cur.map_or(0, |c| (c + page).min(n - 1)));
            }
            if i.consume_key(Modifiers::NONE, Key::PageUp) {
                target = Some(cur.map_or(0, |c| c.saturating_sub(page)));
            }
            if i.consume_key(Modifiers::NONE, Key::Home) {
                target = Some(0);
            }
            if i.consume_key(Modifiers::NONE, Key::End) {
                target = Some(n - 1);
            }
            if let Some(t) = target {
                out.push(Command::SelectRow(t));
            }
            if i.consume_key(Modifiers::NONE, Key::Enter)
                && let Some(c) = cur
            {
                match self.rows.get(c) {
                    Some(ListRow::Thread { thread, .. }) => {
                        out.push(Command::ToggleThread(thread.clone()))
                    }
                    Some(row) => out.push(Command::ShowMessage(row.rowid())),
                    None => {}
                }
            }
        });
        out
    }

    /// State changes of a frame (jobs, debounce, shortcuts); draws nothing.
    pub fn step_logic(&mut self, ctx: &egui::Context) {
        self.drain_jobs();
        self.poll_read();
        if let Some(t) = self.query_edited_at {
            if t.elapsed() >= DEBOUNCE {
                self.request_search(false);
            } else {
                ctx.request_repaint_after(DEBOUNCE.saturating_sub(t.elapsed()));
            }
        }
        if let Some(imp) = &self.import
            && imp.last_refresh.elapsed() >= IMPORT_REFRESH
        {
            if let Some(i) = &mut self.import {
                i.last_refresh = Instant::now();
            }
            self.ensure_browser();
            if self.browser.is_some() && !self.jobs.is_running(JobKind::Search) {
                self.row_cache.retain(|_, s| !s.missing);
                self.request_search(true);
            }
        }
        if self.import.is_some() {
            ctx.request_repaint_after(Duration::from_millis(250));
        }
        for cmd in self.keyboard(ctx) {
            self.apply_with_ctx(ctx, cmd);
        }
    }

    /// Draws the window and applies what the panels asked for.
    pub fn draw(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        let mut cmds = Vec::new();
        egui::Panel::top("menu").show(ui, |ui| {
            cmds.extend(panels::menu_ui(ui, self));
        });
        egui::Panel::bottom("status").show(ui, |ui| {
            cmds.extend(panels::progress_ui(ui, self));
        });
        if self.case_path.is_none() {
            egui::CentralPanel::default().show(ui, |ui| {
                cmds.extend(panels::empty_state_ui(ui, &self.persisted.recent_cases));
            });
        } else {
            egui::Panel::top("search").show(ui, |ui| {
                let focus = std::mem::take(&mut self.focus_search);
                cmds.extend(panels::search_bar_ui(ui, self, focus));
            });
            // Side panels take at most a share of the window, so that the
            // list keeps room however narrow the window gets.
            let w = ui.available_width();
            let facets_max = (w * 0.22).max(140.0);
            let reading_max = (w * 0.42).max(260.0);
            egui::Panel::left("facets")
                .resizable(true)
                .default_size(220.0_f32.min(facets_max))
                .size_range(120.0..=facets_max)
                .show(ui, |ui| {
                    if let Some(res) = &self.results {
                        cmds.extend(panels::facets_ui(ui, res));
                    }
                });
            egui::Panel::right("reading")
                .resizable(true)
                .default_size((w * 0.36).clamp(340.0, 760.0).min(reading_max))
                .size_range(240.0..=reading_max)
                .show(ui, |ui| {
                    let q = self.results.as_ref().map(|r| &r.query);
                    cmds.extend(reading::reading_pane_ui(ui, self.reading.as_ref(), q));
                });
            egui::CentralPanel::default().show(ui, |ui| {
                let scroll = std::mem::take(&mut self.scroll_to_selected);
                // Prefetch around what was on screen last frame and around
                // the selection, so scrolling rarely shows a blank row.
                let n = self.rows.len();
                let shown = self.last_shown.clone();
                self.fill_row_cache(shown.start.saturating_sub(30)..(shown.end + 30).min(n));
                if let Some(sel) = self.selected_row {
                    self.fill_row_cache(sel.saturating_sub(40)..(sel + 40).min(n));
                }
                cmds.extend(list::message_list_ui(
                    ui,
                    &list::ListView {
                        rows: &self.rows,
                        cache: &self.row_cache,
                        selected: self.selected_row,
                        marked: &self.marked,
                        attachment_hits: &self.attachment_hits,
                        sort: self.sort,
                        scroll_to_selected: scroll,
                        thread_view: self.thread_view,
                    },
                ));
            });
        }
        if self.show_report {
            cmds.extend(panels::import_report_ui(&ctx, self));
        }
        if self.show_export {
            cmds.extend(panels::export_ui(&ctx, self));
        }
        if self.show_help {
            cmds.extend(panels::help_ui(&ctx));
        }
        if let Some(text) = self.reading.as_ref().and_then(|r| r.source.as_ref()) {
            cmds.extend(reading::source_ui(&ctx, text));
        }
        if let Some(view) = &self.attachment_view {
            let q = self.results.as_ref().map(|r| &r.query);
            cmds.extend(attachments::attachment_view_ui(&ctx, view, q));
        }
        for cmd in cmds {
            self.apply_with_ctx(&ctx, cmd);
        }
        if std::mem::take(&mut self.repaint) {
            ctx.request_repaint();
        }
    }
}

impl eframe::App for MailsiftApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.step_logic(ctx);
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.draw(ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, STORAGE_KEY, &self.persisted);
    }
}

/// One line for the status bar when an import ends.
pub fn import_summary(r: &ImportReport) -> String {
    use panels::thousands;
    let mut text = format!(
        "Imported {} messages: {} new, {} duplicates",
        thousands(r.found),
        thousands(r.new),
        thousands(r.duplicates)
    );
    if r.raw_only > 0 {
        text.push_str(&format!(", {} kept raw-only", thousands(r.raw_only)));
    }
    if r.skipped > 0 {
        text.push_str(&format!(", {} files skipped", thousands(r.skipped)));
    }
    let defects: u64 = r.defects.values().sum();
    if defects > 0 {
        text.push_str(&format!(", {} defects", thousands(defects)));
    }
    text.push_str(&format!(
        ". The case holds {} messages.",
        thousands(r.messages)
    ));
    text
}

/// Opens the window (blocking until it closes).
pub fn run(path: Option<PathBuf>) -> Result<(), String> {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("mailsift")
            .with_inner_size([1360.0, 860.0])
            .with_min_inner_size([720.0, 480.0]),
        renderer: eframe::Renderer::Glow,
        ..Default::default()
    };
    eframe::run_native(
        "mailsift",
        options,
        Box::new(move |cc| {
            Ok(Box::new(MailsiftApp::new(
                cc,
                AppConfig::from_env(),
                Box::new(RfdDialogs),
                path,
            )))
        }),
    )
    .map_err(|e| e.to_string())
}
