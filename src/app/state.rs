//! The window's state, grouped by what it is about: settings kept between
//! runs, the search, the list, the message being read, imports and exports,
//! and the status line. Each panel is handed only the parts it draws; only
//! `logic` and the command handlers change them.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::attachments::AttachmentView;
use super::list::{ListRow, RowSummary};
use crate::browse::ReportDetails;
use crate::export::{ExportSummary, Format};
use crate::jobs::{SearchOutcome, SortBy};
use crate::model::{MatchPlace, Message};
use crate::pipeline::{ImportReport, Progress};

/// Where the window keeps its cases.
#[derive(Clone, Debug)]
pub struct AppConfig {
    /// Cases made from opened sources go to `<data_dir>/cases/<name>-<hash>`.
    pub data_dir: PathBuf,
    /// The sample collection shipped with this installation, offered on
    /// the start screen ("Try the sample collection"); `None`: not offered.
    pub sample: Option<PathBuf>,
}

impl AppConfig {
    /// The platform's data folder (see [`crate::store::data_dir`]) and the
    /// installation's sample (see [`crate::store::bundled_sample`]).
    pub fn from_env() -> AppConfig {
        AppConfig {
            data_dir: crate::store::data_dir(),
            sample: crate::store::bundled_sample(),
        }
    }

    /// The case folder for a source path (absolute).
    pub fn case_dir_for(&self, source: &Path) -> PathBuf {
        crate::store::case_dir_for(&self.data_dir, source)
    }
}

/// Settings kept between runs.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Persisted {
    /// The case opened last; reopened at start (when no path is given) if it still exists.
    pub last_case: Option<PathBuf>,
    /// Cases opened lately, most recent first (at most 8).
    pub recent_cases: Vec<PathBuf>,
    /// Whether the list shows one row per thread.
    pub thread_view: bool,
    /// Where new cases are made (default: the data folder's `cases/`).
    pub cases_dir: Option<PathBuf>,
    /// Light, dark, or as the system says (View menu).
    pub theme: ThemeChoice,
    /// Text size as a zoom factor (View menu, Ctrl+plus / Ctrl+minus);
    /// `None`: 1.0.
    pub zoom: Option<f32>,
    /// No snippet line under each result (View menu; off by default: the
    /// snippets show).
    pub hide_snippets: bool,
    /// The font of message bodies (View menu): chosen per message by
    /// default (monospace for patches, tables and ASCII art).
    pub body_font: BodyFont,
    /// "Your name", signed on notes and annotation changes (the note
    /// window); `None`: the OS user's name.
    pub author: Option<String>,
    /// Recent queries, most recent first (Ctrl+H), for every case.
    pub history: Vec<String>,
}

/// The window's colours.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ThemeChoice {
    /// Follow the system's light or dark setting.
    #[default]
    System,
    /// Dark text on light backgrounds.
    Light,
    /// Light text on dark backgrounds.
    Dark,
}

impl ThemeChoice {
    /// egui's name for it.
    pub fn preference(self) -> egui::ThemePreference {
        match self {
            ThemeChoice::System => egui::ThemePreference::System,
            ThemeChoice::Light => egui::ThemePreference::Light,
            ThemeChoice::Dark => egui::ThemePreference::Dark,
        }
    }
}

/// The font message bodies are shown in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum BodyFont {
    /// Monospace for bodies that look preformatted (patches, diffstats,
    /// aligned tables, ASCII art; see [`crate::display::looks_preformatted`]),
    /// proportional for the rest.
    #[default]
    Automatic,
    /// Always proportional.
    Proportional,
    /// Always monospace.
    Monospace,
}

impl BodyFont {
    /// Whether `body` is shown in monospace under this setting.
    pub fn monospace_for(self, body: &str) -> bool {
        match self {
            BodyFont::Automatic => crate::display::looks_preformatted(body),
            BodyFont::Proportional => false,
            BodyFont::Monospace => true,
        }
    }
}

/// The open case's name, the recent cases as the start screen lists them,
/// and the rename window.
#[derive(Debug, Default)]
pub struct CasesState {
    /// The open case's name (given, or from its folder).
    pub name: Option<String>,
    /// The recent cases with their name, size and last change (read by
    /// `logic` when the list changes; `None` where the folder is gone).
    pub recent: Vec<(PathBuf, Option<crate::store::CaseSummary>)>,
    /// The rename window's text while it is open.
    pub rename: Option<String>,
}

/// The settings: where cases are kept, and what is remembered between runs.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Where cases are kept by default (from the environment).
    pub config: AppConfig,
    /// What is remembered between runs.
    pub persisted: Persisted,
}

impl Settings {
    /// The folder new cases are made in.
    pub fn cases_dir(&self) -> PathBuf {
        match &self.persisted.cases_dir {
            Some(d) => d.clone(),
            None => self.config.data_dir.join("cases"),
        }
    }
}

/// The search box and the current results.
#[derive(Debug, Default)]
pub struct SearchState {
    /// The query text (edited in place by the search box).
    pub query: String,
    /// When the query was last edited (a search follows after a pause).
    pub edited_at: Option<Instant>,
    /// Why the query cannot be read (shown under the box).
    pub error: Option<String>,
    /// The latest search's outcome; None before the first search of the open case.
    pub results: Option<SearchOutcome>,
    /// How the results are ordered (a change searches again).
    pub sort: SortBy,
    /// Give the search box the keyboard focus on the next frame.
    pub focus: bool,
    /// Whether the query syntax help is shown.
    pub show_help: bool,
    /// The timeline's unit and bars (made when results arrive).
    pub timeline: super::timeline::TimelineState,
    /// What the search thread is doing for the list (sorting, grouping by
    /// thread), shown above it until the results come.
    pub working: Option<&'static str>,
}

impl SearchState {
    /// The query as searched (empty = everything).
    pub fn effective_query(&self) -> String {
        let q = self.query.trim();
        if q.is_empty() {
            "*".into()
        } else {
            q.to_string()
        }
    }

    /// Whether the query selects something (not everything).
    pub fn is_selective(&self) -> bool {
        !matches!(self.query.trim(), "" | "*")
    }
}

/// The message list: its rows, the selection, the marks for export and the
/// summaries of the rows fetched so far.
#[derive(Debug, Default)]
pub struct ListState {
    /// The rows shown, in order (messages, or threads and their expanded replies).
    pub rows: Vec<ListRow>,
    /// The selected row (an index into `rows`).
    pub selected: Option<usize>,
    /// Row ids marked for export (Ctrl+click).
    pub marked: BTreeSet<u64>,
    /// Whether the list shows one row per thread.
    pub thread_view: bool,
    /// Threads expanded in the thread view.
    pub expanded: HashSet<String>,
    /// Reply trees of threads that were expanded: (depth, row id).
    pub trees: HashMap<String, Vec<(usize, u64)>>,
    /// Summaries of rows, by row id, fetched by `logic` before a frame.
    pub summaries: HashMap<u64, RowSummary>,
    /// Per row fetched: whether the current search matched an attachment's text.
    pub attachment_hits: HashMap<u64, bool>,
    /// Per row fetched while a query is active: a one-line snippet of where
    /// it matched.
    pub snippets: HashMap<u64, String>,
    /// Whether results show their snippet under the subject (View menu;
    /// remembered), when the query is more than "everything".
    pub show_snippets: bool,
    /// Whether the current results come from a query with words (not empty
    /// or `*`), so that snippets have something to show.
    pub query_active: bool,
    /// Per thread row fetched: the subject of the thread's root (its
    /// topic), shown instead of the subject of the hit that stands for it.
    pub thread_subjects: HashMap<String, String>,
    /// Scroll the selection into view on the next frame.
    pub scroll_to_selected: bool,
    /// The rows on screen in the last frame (reported by the list).
    pub shown: Range<usize>,
    /// Tag colours by folded name, for the dots on the rows.
    pub tag_colours: HashMap<String, egui::Color32>,
}

impl ListState {
    /// Rebuilds the rows from `results`: threads in the thread view once
    /// the search job grouped them, a flat list otherwise.
    pub fn rebuild(&mut self, results: Option<&SearchOutcome>) {
        let Some(res) = results else {
            self.rows.clear();
            return;
        };
        self.rows = if let Some(groups) = res.groups.as_ref().filter(|_| self.thread_view) {
            super::list::thread_rows(groups, &self.expanded, &self.trees)
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

    /// Whether rows carry a snippet line now.
    pub fn shows_snippets(&self) -> bool {
        self.show_snippets && self.query_active
    }

    /// Whether a row of `range` has no summary yet.
    pub fn lacks_summaries(&self, range: Range<usize>) -> bool {
        range.into_iter().any(|i| {
            self.rows
                .get(i)
                .is_some_and(|row| !self.summaries.contains_key(&row.rowid()))
        })
    }

    /// The rows whose summaries should be there before the next frame:
    /// around what was on screen and around the selection, so scrolling
    /// rarely shows a placeholder.
    pub fn wanted(&self) -> [Range<usize>; 2] {
        let n = self.rows.len();
        let shown = self.shown.start.saturating_sub(30)..(self.shown.end + 30).min(n);
        let around = match self.selected {
            Some(sel) => sel.saturating_sub(40)..(sel + 40).min(n),
            None => 0..0,
        };
        [shown, around]
    }

    /// Everything about the case's messages forgotten (another case).
    pub fn clear(&mut self) {
        self.rows.clear();
        self.summaries.clear();
        self.snippets.clear();
        self.thread_subjects.clear();
        self.trees.clear();
        self.expanded.clear();
        self.marked.clear();
        self.selected = None;
    }
}

/// The message in the reading pane, and the windows about it.
pub struct Reading {
    /// Row id of the message in the case.
    pub rowid: u64,
    /// The message's record, with its attachment texts filled in.
    pub message: Message,
    /// The conversation: (depth, row id, summary).
    pub thread: Vec<(usize, u64, RowSummary)>,
    /// Source shown in a window (escaped), when asked for.
    pub source: Option<String>,
    /// Why part of the message could not be shown (attachment texts, the source), for the pane.
    pub error: Option<String>,
    /// Where the current search matched this message.
    pub matched: Vec<MatchPlace>,
    /// Per attachment: how many other messages carry the same content.
    pub also_in: Vec<usize>,
    /// Every place the message was found, in the order found (the first is
    /// where it was read from; the others are its copies).
    pub origins: Vec<crate::model::Origin>,
    /// The attachment window (text, preview, other messages).
    pub attachment_view: Option<AttachmentView>,
    /// Whether the body is shown in monospace (from the View menu's
    /// setting when the message was opened; the pane's toggle changes it).
    pub monospace: bool,
    /// Whether the message is among the current search results (false
    /// once a new search leaves it out, or when it was opened from a
    /// conversation outside them): the pane says so and drops highlights.
    pub in_results: bool,
    /// Which search hit in the body is scrolled to (`n` adds one, `N`
    /// takes one; taken modulo the hits shown).
    pub hit: i64,
    /// Counts the messages opened (one more than the reading before):
    /// each opening gets a fresh scroll position, at the top or at the
    /// first search hit in the body.
    pub opened: u64,
    /// The message's DKIM verdict and signatures; None when it has not
    /// been verified.
    pub dkim: Option<crate::dkim::Outcome>,
    /// The delivery path, once read (File bytes are read on demand).
    pub received: Option<Vec<crate::parse::received::Hop>>,
    /// The part after a DKIM signature's `l=` length, once read (escaped).
    pub unsigned_tail: Option<String>,
    /// The phone numbers, addresses, links, IBANs and amounts in its text
    /// (found when it was opened).
    pub patterns: super::patterns_ui::ReadingPatterns,
}

/// A running import.
pub struct RunningImport {
    /// The sources being imported.
    pub sources: Vec<PathBuf>,
    /// The case folder being written.
    pub case: PathBuf,
    /// The latest progress report; None until the first arrives.
    pub progress: Option<Progress>,
    /// When the import was started.
    pub started: Instant,
    /// Whether the user asked it to stop (it is winding down).
    pub cancelling: bool,
    /// When the list was last refreshed from what the import wrote.
    pub last_refresh: Instant,
}

/// Imports: the running one, the last report and the report window.
#[derive(Default)]
pub struct ImportState {
    /// The import that is running, if any.
    pub running: Option<RunningImport>,
    /// The report of the last import that finished in this session (cleared when another case is
    /// opened).
    pub last_report: Option<ImportReport>,
    /// What the report window lists about the whole case.
    pub details: Option<ReportDetails>,
    /// Where `details` arrive from while they are read on a thread of
    /// their own.
    pub details_rx: Option<crossbeam_channel::Receiver<ReportDetails>>,
    /// Whether the report window is open.
    pub show_report: bool,
}

/// Exports: the running one's progress, the last result, the export window.
#[derive(Debug)]
pub struct ExportState {
    /// (messages written, messages to write) while an export runs.
    pub progress: Option<(u64, u64)>,
    /// What the last finished export wrote, if any.
    pub last: Option<ExportSummary>,
    /// Whether the export window is open.
    pub show: bool,
    /// The format chosen in the export window.
    pub format: Format,
}

impl Default for ExportState {
    fn default() -> ExportState {
        ExportState {
            progress: None,
            last: None,
            show: false,
            format: Format::Csv,
        }
    }
}

/// A message in the status line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Status {
    /// The sentence shown.
    pub text: String,
    /// Whether it reports a failure (shown as an error).
    pub error: bool,
    /// Offer a link to the import report next to the text.
    pub report_link: bool,
    /// Offer Undo next to the text (a tag or star change).
    pub undo: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(n: u64) -> ListState {
        ListState {
            rows: (0..n)
                .map(|rowid| ListRow::Message { rowid, depth: 0 })
                .collect(),
            ..ListState::default()
        }
    }

    #[test]
    fn the_rows_wanted_are_around_the_screen_and_the_selection() {
        let mut list = rows(1000);
        list.shown = 100..120;
        assert_eq!(list.wanted(), [70..150, 0..0]);
        list.selected = Some(990);
        assert_eq!(list.wanted(), [70..150, 950..1000]);
        list.shown = 0..10;
        list.selected = Some(5);
        assert_eq!(list.wanted(), [0..40, 0..45]);
    }

    #[test]
    fn rows_without_a_summary_are_noticed() {
        let mut list = rows(10);
        assert!(list.lacks_summaries(2..4));
        for id in 2..4 {
            list.summaries.insert(id, RowSummary::default());
        }
        assert!(!list.lacks_summaries(2..4));
        assert!(list.lacks_summaries(2..5));
        // Past the end: nothing to fetch.
        assert!(!list.lacks_summaries(10..20));
        list.clear();
        assert!(list.rows.is_empty() && list.summaries.is_empty());
    }
}
