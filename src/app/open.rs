//! Opening a case or a source: a case folder is opened for reading, a
//! source is imported (into a new case in the cases folder, or added to the
//! open one) by an import job; closing forgets everything about the case.

use std::path::{Path, PathBuf};
use std::time::Instant;

use super::{MailsiftApp, RunningImport};
use crate::browse::Browser;
use crate::jobs::{ImportRequest, JobKind};
use crate::pipeline::ImportOptions;

/// Recent cases remembered.
const RECENT_MAX: usize = 8;

impl MailsiftApp {
    pub(super) fn open_path(&mut self, path: PathBuf) {
        if path.join(crate::store::MARKER).exists() {
            self.open_case(path);
            return;
        }
        self.import_source(path, None);
    }

    /// A single file that is not mail is refused before a case is made for
    /// it: the open case stays, and no empty case is left behind. Returns
    /// whether `abs` may be imported.
    fn check_source(&mut self, abs: &Path) -> bool {
        if !abs.is_file() {
            return true;
        }
        match crate::source::detect_file(abs) {
            Ok(crate::source::Detected::Mail(_)) => true,
            Ok(crate::source::Detected::NotMail(why)) => {
                self.set_status(
                    format!(
                        "Cannot open {}: not a mailbox or mail file ({why}). Nothing was imported.",
                        abs.display()
                    ),
                    true,
                );
                false
            }
            Err(e) => {
                self.set_status(
                    format!("Cannot read {}: {e}. Nothing was imported.", abs.display()),
                    true,
                );
                false
            }
        }
    }

    /// Imports a source: into `into` (the open case: it stays open and
    /// fills), or into a new case made for it in the cases folder.
    pub(super) fn import_source(&mut self, path: PathBuf, into: Option<PathBuf>) {
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
        if !self.check_source(&abs) {
            return;
        }
        let adding = into.is_some();
        let case = match into {
            Some(case) => case,
            None => match &self.settings.persisted.cases_dir {
                Some(dir) => dir.join(crate::store::case_name_for(&abs)),
                None => self.settings.config.case_dir_for(&abs),
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
                self.cases.name = Some(case_name_or_default(&case));
                self.import.running = Some(RunningImport {
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

    pub(super) fn open_case(&mut self, path: PathBuf) {
        // An index behind its case (of an older version: patterns not yet
        // found) is caught up by an import of nothing, on the import
        // thread with its progress, not here.
        if crate::browse::index_behind(&path).unwrap_or(false)
            && !self.jobs.is_running(JobKind::Import)
        {
            self.rebuild_index(path);
            return;
        }
        match Browser::open(&path) {
            Ok(b) => {
                self.close_case();
                self.browser = Some(b);
                self.case_path = Some(path.clone());
                self.cases.name = Some(case_name_or_default(&path));
                self.remember_case(&path);
                self.load_report_details();
                self.request_search(false);
                self.status = None;
            }
            Err(e) => self.set_status(format!("Cannot open case: {e}"), true),
        }
    }

    /// Brings the index of the case at `path` up to date in the
    /// background (an import without sources: its catch-up reports
    /// progress); the case opens when it is done.
    fn rebuild_index(&mut self, path: PathBuf) {
        self.close_case();
        let req = ImportRequest {
            case: path.clone(),
            sources: Vec::new(),
            options: ImportOptions {
                command: "index rebuild (window)".into(),
                ..ImportOptions::default()
            },
        };
        match self.jobs.start_import(req) {
            Ok(_) => {
                self.case_path = Some(path.clone());
                self.cases.name = Some(case_name_or_default(&path));
                self.import.running = Some(RunningImport {
                    sources: Vec::new(),
                    case: path.clone(),
                    progress: None,
                    started: Instant::now(),
                    cancelling: false,
                    last_refresh: Instant::now(),
                });
                self.remember_case(&path);
                self.status = None;
            }
            Err(e) => self.set_status(e.to_string(), true),
        }
    }

    /// Gives the open case a name (kept in the case) and says so.
    pub(super) fn rename_case(&mut self, name: &str) {
        let Some(case) = self.case_path.clone() else {
            return;
        };
        match crate::store::set_case_name(&case, name) {
            Ok(shown) => {
                self.set_status(format!("The case is now called \"{shown}\"."), false);
                self.cases.name = Some(shown);
                self.cases.rename = None;
                // The start screen reads the names again.
                self.cases.recent.clear();
            }
            Err(e) => self.set_status(format!("Renaming the case failed: {e}"), true),
        }
    }

    /// Reads the recent cases' names, sizes and dates again when the list
    /// changed (on the start screen only; a few files per case).
    pub(super) fn refresh_recent(&mut self) {
        let paths = &self.settings.persisted.recent_cases;
        if self.case_path.is_some()
            || (self.cases.recent.len() == paths.len()
                && self
                    .cases
                    .recent
                    .iter()
                    .zip(paths)
                    .all(|((p, _), q)| p == q))
        {
            return;
        }
        self.cases.recent = paths
            .iter()
            .map(|p| (p.clone(), crate::store::case_summary(p).ok()))
            .collect();
    }

    pub(super) fn close_case(&mut self) {
        self.browser = None;
        self.case_path = None;
        self.cases.name = None;
        self.search.results = None;
        self.search.error = None;
        self.list.clear();
        self.reading = None;
        self.import.last_report = None;
        self.import.details = None;
        self.import.details_rx = None;
        self.import.show_report = false;
    }

    fn remember_case(&mut self, path: &Path) {
        let p = path.to_path_buf();
        let persisted = &mut self.settings.persisted;
        persisted.recent_cases.retain(|c| c != &p);
        persisted.recent_cases.insert(0, p.clone());
        persisted.recent_cases.truncate(RECENT_MAX);
        persisted.last_case = Some(p);
    }

    /// Opens the reader on the case once its index exists (an import
    /// makes it with its first commit).
    pub(super) fn ensure_browser(&mut self) {
        if self.browser.is_none()
            && let Some(case) = &self.case_path
            && case.join("index").exists()
            && let Ok(b) = Browser::open(case)
        {
            self.browser = Some(b);
        }
    }

    /// Reads what the import report lists about the case on a thread of
    /// its own (every defect of a large case takes seconds); `logic` takes
    /// it when it is there.
    pub(super) fn load_report_details(&mut self) {
        let Some(b) = &self.browser else {
            return;
        };
        let root = b.case.root().to_path_buf();
        let (tx, rx) = crossbeam_channel::bounded(1);
        let ctx = self.ctx.clone();
        let started = std::thread::Builder::new()
            .name("mailsift-report".into())
            .spawn(move || {
                if let Ok(d) = crate::browse::report_details_of(&root) {
                    let _ = tx.send(d);
                }
                ctx.request_repaint();
            });
        match started {
            Ok(_) => self.import.details_rx = Some(rx),
            // No thread: read here rather than never.
            Err(_) => {
                if let Some(b) = &self.browser {
                    self.import.details = Some(b.report_details());
                }
            }
        }
    }

    /// Takes the import report's details once their thread is done.
    pub(super) fn poll_report_details(&mut self) {
        let Some(rx) = &self.import.details_rx else {
            return;
        };
        match rx.try_recv() {
            Ok(d) => {
                self.import.details = Some(d);
                self.import.details_rx = None;
            }
            Err(crossbeam_channel::TryRecvError::Disconnected) => self.import.details_rx = None,
            Err(crossbeam_channel::TryRecvError::Empty) => {}
        }
    }
}

/// The case's name, or its folder's when the case cannot be read yet (an
/// import about to create it).
fn case_name_or_default(case: &Path) -> String {
    crate::store::case_name(case).unwrap_or_else(|_| crate::store::default_case_name(case))
}
