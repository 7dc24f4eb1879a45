//! The desktop window (feature `gui`), shaped after rerun's viewer:
//! [`MailsiftApp`] is made of sub-states ([`SearchState`], [`ListState`],
//! [`Reading`], [`ImportState`], [`ExportState`], [`Settings`]); eframe's
//! `logic()` (`logic.rs`) drains the jobs, runs the debounced search,
//! fetches the list rows about to be drawn and applies the [`Command`]s of
//! the last frame (`commands.rs`); the investigator's desk (tags, stars,
//! notes, saved searches, history, batch search) is `desk.rs` with its
//! windows in `desk_ui.rs`, `sidebar.rs` and `batch.rs`; the People and
//! communication graph windows are `people.rs` (state, census thread) with
//! `people_ui.rs` and `graph_ui.rs`; `ui()` (`ui.rs`) only draws: each panel
//! gets the sub-state it shows and returns commands. What the window needs
//! from a case comes through [`Browser`] or a [`crate::jobs`] job on a
//! background thread; the window never blocks on one.

pub mod attachments;
mod batch;
mod commands;
pub mod desk;
mod desk_tasks;
mod desk_ui;
pub mod dialogs;
mod dkim_ui;
pub mod graph_ui;
mod help;
mod list;
mod logic;
mod open;
mod panels;
pub mod patterns_ui;
pub mod people;
mod people_ui;
mod reading;
mod reads;
mod report;
mod sidebar;
mod state;
pub mod timeline;
mod ui;

use std::path::PathBuf;
use std::time::Duration;

use crate::browse::Browser;
use crate::jobs::{JobKind, Jobs};
use crate::pipeline::ImportReport;

pub use crate::browse::ReportDetails;
pub use commands::Command;
pub use dialogs::{Answer, FileDialogs, RfdDialogs, ScriptedDialogs};
pub use list::{ListRow, RowSummary};
pub use state::{
    AppConfig, BodyFont, CasesState, ExportState, ImportState, ListState, Persisted, Reading,
    RunningImport, SearchState, Settings, Status, ThemeChoice,
};

const STORAGE_KEY: &str = "mailsift";

/// One step of Ctrl+plus / Ctrl+minus.
pub(crate) const ZOOM_STEP: f32 = 1.1;
/// Pause after typing before searching.
const DEBOUNCE: Duration = Duration::from_millis(250);
/// How often the list refreshes during an import.
const IMPORT_REFRESH: Duration = Duration::from_secs(1);

/// The application.
pub struct MailsiftApp {
    /// Where cases are kept; what is remembered between runs.
    pub settings: Settings,
    /// For textures (image previews) and wake-ups from reads.
    ctx: egui::Context,
    dialogs: Box<dyn FileDialogs>,
    jobs: Jobs,
    /// The open case (None: the empty state).
    pub case_path: Option<PathBuf>,
    /// A reader on the open case (None until its index exists).
    browser: Option<Browser>,
    /// The search box and the current results.
    pub search: SearchState,
    /// The message list: rows, selection, export marks, fetched summaries.
    pub list: ListState,
    /// The message in the reading pane.
    pub reading: Option<Reading>,
    /// The running import, the last report and the report window.
    pub import: ImportState,
    /// The running export's progress, the last result and the export window.
    pub export: ExportState,
    /// What the status line says; None when it is empty.
    pub status: Option<Status>,
    /// The open case's name, the recent cases listed, the rename window.
    pub cases: CasesState,
    /// Tags, stars, notes, saved searches, history, batch search.
    pub desk: desk::DeskState,
    /// The People and communication graph windows, and their census.
    pub people: people::PeopleState,
    /// View source, a preview or a save reading the sources off this
    /// thread, with the status line it replaced while it runs.
    pending_read: Option<(reads::PendingRead, Option<Status>)>,
    /// What the panels asked for in the last frame; applied by `logic`.
    commands: Vec<Command>,
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
        ctx.set_theme(persisted.theme.preference());
        if let Some(z) = persisted.zoom {
            ctx.set_zoom_factor(z.clamp(0.5, 3.0));
        }
        let mut app = MailsiftApp::with_context(ctx, config, dialogs);
        app.list.thread_view = persisted.thread_view;
        app.list.show_snippets = !persisted.hide_snippets;
        app.settings.persisted = persisted;
        match path {
            Some(p) => app.apply(Command::OpenPath(p)),
            // Started without a path: back to the last case, if it is still there.
            None => {
                if let Some(last) = app.settings.persisted.last_case.clone()
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
        // Ctrl+plus / minus / 0 go through `Command::Zoom`, which remembers
        // the size (egui's own handling would not).
        ctx.options_mut(|o| o.zoom_with_keyboard = false);
        let repaint = ctx.clone();
        MailsiftApp {
            settings: Settings {
                config,
                persisted: Persisted::default(),
            },
            ctx,
            dialogs,
            jobs: Jobs::new(move || repaint.request_repaint()),
            case_path: None,
            browser: None,
            search: SearchState::default(),
            list: ListState {
                show_snippets: true,
                ..ListState::default()
            },
            reading: None,
            import: ImportState::default(),
            export: ExportState::default(),
            status: None,
            cases: CasesState::default(),
            desk: desk::DeskState::default(),
            people: people::PeopleState::default(),
            pending_read: None,
            commands: Vec::new(),
        }
    }

    /// Whether any background job runs (or a command waits for a frame).
    pub fn busy(&self) -> bool {
        self.jobs.is_running(JobKind::Import)
            || self.jobs.is_running(JobKind::Search)
            || self.jobs.is_running(JobKind::Export)
            || self.search.edited_at.is_some()
            || self.pending_read.is_some()
            || self.import.details_rx.is_some()
            || !self.desk.tasks.is_empty()
            || self.people.counting()
            || !self.commands.is_empty()
    }

    /// Number of hits of the current search.
    pub fn hit_count(&self) -> Option<usize> {
        self.search.results.as_ref().map(|r| r.hits.len())
    }

    fn set_status(&mut self, text: impl Into<String>, error: bool) {
        self.status = Some(Status {
            text: text.into(),
            error,
            report_link: false,
            undo: false,
        });
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
        eframe::set_value(storage, STORAGE_KEY, &self.settings.persisted);
    }
}

/// One line for the status bar when an import ends, in plain words with
/// numbers that add up: the messages read are the new ones plus the exact
/// copies plus those the case already had; files that were not mail are
/// counted apart.
pub fn import_summary(r: &ImportReport) -> String {
    use panels::thousands;
    let read = r.parsed + r.raw_only;
    let mut text = if read == 0 && r.unchanged_files > 0 {
        format!(
            "Nothing new: {} {} unchanged since the last import, not read again",
            thousands(r.unchanged_files),
            plural(r.unchanged_files, "file", "files")
        )
    } else {
        format!(
            "Read {} {}: {} new",
            thousands(read),
            plural(read, "message", "messages"),
            thousands(r.new)
        )
    };
    if r.duplicates > 0 {
        text.push_str(&format!(
            ", {} exact {} of others",
            thousands(r.duplicates),
            plural(r.duplicates, "copy", "copies")
        ));
    }
    if r.already_present > 0 {
        text.push_str(&format!(
            ", {} already in the case",
            thousands(r.already_present)
        ));
    }
    text.push('.');
    if r.raw_only > 0 {
        text.push_str(&format!(
            " {} could not be fully read and {} kept as {}.",
            thousands(r.raw_only),
            plural(r.raw_only, "is", "are"),
            plural(r.raw_only, "it was", "they were")
        ));
    }
    if r.skipped > 0 {
        text.push_str(&format!(
            " {} {} not mail.",
            thousands(r.skipped),
            plural(r.skipped, "file was", "files were")
        ));
    }
    let with_defects: u64 = r.defects.values().sum();
    if with_defects > 0 {
        text.push_str(&format!(
            " {} {} noted (see the report).",
            thousands(with_defects),
            plural(with_defects, "problem", "problems")
        ));
    }
    text.push_str(&format!(
        " The case holds {} {}.",
        thousands(r.messages),
        plural(r.messages, "message", "messages")
    ));
    text
}

/// `one` for 1, else `many`.
fn plural<'a>(n: u64, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

/// The window's icon: the packages' icon (dist/icons), decoded at start.
fn with_icon(viewport: egui::ViewportBuilder) -> egui::ViewportBuilder {
    const PNG: &[u8] = include_bytes!("../../dist/icons/mailsift-256.png");
    match image::load_from_memory_with_format(PNG, image::ImageFormat::Png) {
        Ok(img) => {
            let rgba = img.into_rgba8();
            let (width, height) = rgba.dimensions();
            viewport.with_icon(egui::IconData {
                rgba: rgba.into_raw(),
                width,
                height,
            })
        }
        // Our own bytes, checked by a test; a window without an icon is
        // still a window.
        Err(_) => viewport,
    }
}

/// Opens the window (blocking until it closes).
pub fn run(path: Option<PathBuf>) -> Result<(), String> {
    let options = eframe::NativeOptions {
        viewport: with_icon(
            egui::ViewportBuilder::default()
                .with_title("mailsift")
                // the desktop entry's StartupWMClass (dist/linux/mailsift.desktop)
                .with_app_id("mailsift")
                .with_inner_size([1360.0, 860.0])
                .with_min_inner_size([720.0, 480.0]),
        ),
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

#[cfg(test)]
mod tests {
    use crate::pipeline::ImportReport;

    /// The status line after an import: plain words, numbers that add up
    /// (507 read = 502 new + 5 copies), codes left to the report (issue 17,
    /// item 6).
    /// Every problem a message can have has words for the window, not its
    /// code.
    #[test]
    fn every_defect_kind_has_plain_words() {
        for k in crate::model::DefectKind::ALL {
            let p = k.plain();
            assert!(
                !p.is_empty() && !p.contains('_') && p != k.as_str(),
                "{k:?}: {p}"
            );
        }
    }

    #[test]
    fn the_import_summary_is_in_plain_words_that_add_up() {
        let mut r = ImportReport {
            found: 511,
            parsed: 506,
            raw_only: 1,
            skipped: 4,
            duplicates: 5,
            new: 502,
            messages: 502,
            ..Default::default()
        };
        r.defects.insert("too_deep".into(), 16);
        assert_eq!(
            super::import_summary(&r),
            "Read 507 messages: 502 new, 5 exact copies of others. 1 could not be fully \
             read and is kept as it was. 4 files were not mail. 16 problems noted (see the \
             report). The case holds 502 messages."
        );
        let one = ImportReport {
            parsed: 1,
            new: 1,
            messages: 1,
            ..Default::default()
        };
        assert_eq!(
            super::import_summary(&one),
            "Read 1 message: 1 new. The case holds 1 message."
        );
        let again = ImportReport {
            unchanged_files: 3,
            messages: 502,
            ..Default::default()
        };
        assert_eq!(
            super::import_summary(&again),
            "Nothing new: 3 files unchanged since the last import, not read again. \
             The case holds 502 messages."
        );
    }

    #[test]
    fn the_window_has_the_packages_icon() {
        let v = super::with_icon(egui::ViewportBuilder::default());
        let icon = v.icon.expect("the bundled PNG decodes");
        assert_eq!((icon.width, icon.height), (256, 256));
        assert_eq!(icon.rgba.len(), 256 * 256 * 4);
    }
}
