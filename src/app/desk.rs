//! The investigator's desk in the window (issue 15): tags, stars and notes
//! on the selection, on the message being read or on a whole result set
//! (with a confirmation stating the count, and Undo reversing exactly the
//! messages that changed), saved searches with their current counts, the
//! history of recent queries, the batch search window and annotations
//! files. The state is [`DeskState`]; the panels ask through
//! [`DeskCommand`]s; everything that writes to the case or runs many
//! queries runs on a thread of its own (`desk_tasks.rs`) and comes back
//! as a [`DeskDone`] that `logic` applies. What the window shows about the
//! message being read (its tags, star and notes) is read in `logic`, as
//! the message itself is; drawing reads nothing.

use std::collections::HashMap;
use std::path::PathBuf;

use crossbeam_channel::Receiver;

use super::MailsiftApp;
use super::batch::BatchState;
pub use super::desk_tasks::{DeskDone, applied_text, merge_text};
use crate::annotate::Annotations;
use crate::desk::{self, TagAction};
use crate::store::TagInfo;

/// Recent queries remembered (the history, Ctrl+H).
pub const HISTORY_MAX: usize = 50;

/// The pane the keyboard works in: `n` is "add a note" in the list and
/// "next search hit" in the reading pane.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Pane {
    /// The message list.
    #[default]
    List,
    /// The reading pane.
    Reading,
}

/// What the tag window applies to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Targets {
    /// These messages (the marked rows, the selected one, or the message
    /// being read): applied at once.
    Rows(Vec<u64>),
    /// Every hit of the current search: applied after a confirmation
    /// stating the count.
    AllResults(Vec<u64>),
    /// Every hit of a query (a batch row), about `usize` of them: applied
    /// after a confirmation.
    Query(String, usize),
    /// Every message of a thread (a thread row of the thread view,
    /// selected), `usize` of them: applied at once.
    Thread(String, usize),
}

impl Targets {
    /// How many messages (as far as the window knows).
    pub fn count(&self) -> usize {
        match self {
            Targets::Rows(r) | Targets::AllResults(r) => r.len(),
            Targets::Query(_, n) | Targets::Thread(_, n) => *n,
        }
    }

    /// Whether applying asks first.
    pub fn needs_confirmation(&self) -> bool {
        !matches!(self, Targets::Rows(_) | Targets::Thread(..))
    }

    /// "3 selected messages", "all 312 results", "the 12 hits of ann".
    pub fn describe(&self) -> String {
        let n = super::panels::thousands(self.count() as u64);
        match self {
            Targets::Rows(r) if r.len() == 1 => "this message".into(),
            Targets::Rows(_) => format!("the {n} selected messages"),
            Targets::AllResults(_) => format!("all {n} results"),
            Targets::Query(q, _) => format!("the {n} hits of {}", crate::display::visible(q)),
            Targets::Thread(..) => format!("the {n} messages of this thread"),
        }
    }
}

/// The tag window (`t`, or "Tag/star all N results…").
#[derive(Clone, Debug)]
pub struct TagWindow {
    /// What it applies to.
    pub targets: Targets,
    /// The tag name typed.
    pub name: String,
    /// The action waiting for a yes ("Tag all 312 results with 'x'?").
    pub confirm: Option<TagAction>,
}

/// The "Add note" window.
#[derive(Clone, Debug)]
pub struct NoteWindow {
    /// The message's row id.
    pub rowid: u64,
    /// Its key (hex).
    pub id: String,
    /// Its subject, to say which message.
    pub subject: String,
    /// The note being written.
    pub text: String,
}

/// A saved search with its current count (or why it does not run).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SavedItem {
    /// Its name.
    pub name: String,
    /// Its query.
    pub query: String,
    /// Its hits now, or the error.
    pub count: Result<usize, String>,
}

/// The saved searches sidebar and its windows.
#[derive(Clone, Debug, Default)]
pub struct SavedState {
    /// The saved searches with their counts (computed off this thread).
    pub items: Vec<SavedItem>,
    /// The "Save this search" window: the name typed.
    pub save_name: Option<String>,
    /// The rename window: (old name, new name typed).
    pub rename: Option<(String, String)>,
    /// The saved search waiting for a yes to be deleted.
    pub delete: Option<String>,
}

/// What Undo (Ctrl+Z, the status line's link) does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Undo {
    /// The reverse of what was done.
    pub action: TagAction,
    /// The messages it changed, exactly.
    pub rowids: Vec<u64>,
}

/// The desk's part of the window's state.
#[derive(Default)]
pub struct DeskState {
    /// The case these belong to (a new case starts afresh).
    pub case: Option<PathBuf>,
    /// Where the keyboard works.
    pub active: Pane,
    /// The tags of the case with their colours (by name).
    pub tags: Vec<TagInfo>,
    /// What the message being read carries: (row id, annotations).
    pub shown: Option<(u64, Annotations)>,
    /// The tag window.
    pub tag_window: Option<TagWindow>,
    /// The note window.
    pub note: Option<NoteWindow>,
    /// Saved searches.
    pub saved: SavedState,
    /// Whether the history popup is open, and which entry is picked.
    pub history: Option<usize>,
    /// The batch search window.
    pub batch: Option<BatchState>,
    /// What Undo reverses.
    pub undo: Option<Undo>,
    /// Tags and saved counts need reading again.
    pub stale: bool,
    /// Work running on its own thread.
    pub(super) tasks: Vec<Receiver<DeskDone>>,
}

impl DeskState {
    /// Whether a window that takes the keyboard is open.
    pub fn modal(&self) -> bool {
        self.tag_window.is_some()
            || self.note.is_some()
            || self.saved.save_name.is_some()
            || self.saved.rename.is_some()
            || self.saved.delete.is_some()
            || self.batch.is_some()
    }

    /// The colour of a tag (its name compared ignoring case).
    pub fn colour_of(&self, name: &str) -> egui::Color32 {
        let key = crate::annotate::tag_key(name);
        self.tags
            .iter()
            .find(|t| crate::annotate::tag_key(&t.name) == key)
            .and_then(|t| parse_colour(&t.colour))
            .unwrap_or(egui::Color32::GRAY)
    }
}

/// `#rrggbb` → a colour.
pub fn parse_colour(s: &str) -> Option<egui::Color32> {
    let hex = s.strip_prefix('#')?;
    if hex.len() != 6 {
        return None;
    }
    let v = u32::from_str_radix(hex, 16).ok()?;
    Some(egui::Color32::from_rgb(
        (v >> 16) as u8,
        (v >> 8) as u8,
        v as u8,
    ))
}

/// What the desk's panels and keys ask for.
#[derive(Clone, Debug, PartialEq)]
pub enum DeskCommand {
    /// The keyboard works in this pane now.
    SetPane(Pane),
    /// Star the selection, or unstar it when all of it is starred (`s`).
    ToggleStar,
    /// Open the tag window for the selection (`t`).
    OpenTags,
    /// Open the tag window for every hit of the current search.
    OpenTagAll,
    /// Open the tag window for every hit of a query (a batch row): the
    /// query and its count.
    OpenTagQuery(String, usize),
    /// Close the tag window.
    CloseTags,
    /// Apply this to the tag window's targets (asking first for a result set).
    Apply(TagAction),
    /// The answer to "Tag all 312 results…?".
    Confirm(bool),
    /// Apply this to the message being read (its star, a chip's ×).
    ApplyToReading(TagAction),
    /// Open "Add note" for the selected message (`n` in the list).
    OpenNote,
    /// Save the note written (as the name in the settings).
    SaveNote,
    /// Close the note window.
    CloseNote,
    /// Close the desk's windows (Escape), the batch window excepted.
    CloseWindows,
    /// Your name, for notes and the audit log (remembered).
    SetAuthor(String),
    /// Reverse the last tag or star change (Ctrl+Z).
    Undo,
    /// Put this query in the search box and search (a saved search, the
    /// history, a batch row).
    RunQuery(String),
    /// Open (Some: the name typed so far) or close the "Save this search" window.
    ShowSaveSearch(bool),
    /// Save the current query under the name typed.
    SaveSearch,
    /// Open the rename window for this saved search (None: close it).
    ShowRename(Option<String>),
    /// Rename the saved search as typed.
    Rename,
    /// Ask whether to delete this saved search (None: no).
    AskDelete(Option<String>),
    /// Delete the saved search asked about.
    Delete,
    /// Open or close the history (Ctrl+H).
    ToggleHistory,
    /// Move the history's pick by this many entries.
    MoveHistory(i64),
    /// Run the history's entry (None: the one picked).
    PickHistory(Option<usize>),
    /// Open or close the batch search window.
    ShowBatch(bool),
    /// Load the batch window's lines from a file.
    BatchLoad,
    /// Run the batch window's lines.
    BatchRun,
    /// Write the batch table to a CSV file.
    BatchExport,
    /// Write the case's annotations to a file.
    ExportAnnotations,
    /// Merge an annotations file into the case.
    ImportAnnotations,
}

/// The name notes and changes are signed with when none was given: the
/// OS user's, else "investigator".
pub fn default_author() -> String {
    ["USER", "USERNAME"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .map(|s| s.trim().to_string())
        .find(|s| !s.is_empty())
        .unwrap_or_else(|| "investigator".into())
}

impl MailsiftApp {
    /// The name notes and changes are signed with.
    pub fn author(&self) -> String {
        self.settings
            .persisted
            .author
            .clone()
            .filter(|a| !a.trim().is_empty())
            .unwrap_or_else(default_author)
    }

    /// The messages `s`, `t` and `n` act on: the message being read when
    /// the reading pane is active, else the marked rows, else the
    /// selected one, else the message being read.
    pub fn desk_selection(&self) -> Vec<u64> {
        let reading = self.reading.as_ref().map(|r| r.rowid);
        if self.desk.active == Pane::Reading
            && let Some(r) = reading
        {
            return vec![r];
        }
        if !self.list.marked.is_empty() {
            return self.list.marked.iter().copied().collect();
        }
        let selected = self
            .list
            .selected
            .and_then(|i| self.list.rows.get(i))
            .map(|r| r.rowid());
        selected.or(reading).into_iter().collect()
    }

    /// The selected thread, when the list is active, nothing is marked and
    /// the selection is a thread row of the thread view (its messages are
    /// what `s` and `t` act on).
    fn selected_thread(&self) -> Option<Targets> {
        if self.desk.active != Pane::List || !self.list.marked.is_empty() {
            return None;
        }
        match self.list.selected.and_then(|i| self.list.rows.get(i)) {
            Some(super::ListRow::Thread { thread, size, .. }) => {
                Some(Targets::Thread(thread.clone(), *size as usize))
            }
            _ => None,
        }
    }

    /// Whether the message at `rowid` is starred, as far as the window knows.
    fn is_starred(&self, rowid: u64) -> bool {
        match &self.desk.shown {
            Some((r, a)) if *r == rowid => a.starred,
            _ => self.list.summaries.get(&rowid).is_some_and(|s| s.starred),
        }
    }

    /// Adds a query to the history (most recent first, no repeats).
    pub(super) fn remember_query(&mut self, q: &str) {
        let q = q.trim();
        if matches!(q, "" | "*") {
            return;
        }
        let h = &mut self.settings.persisted.history;
        h.retain(|x| x != q);
        h.insert(0, q.to_string());
        h.truncate(HISTORY_MAX);
    }

    /// A desk frame in `logic`: a new case starts afresh, finished work is
    /// applied, the tags and counts are read again when stale, and what
    /// the message being read carries is read when it changed.
    pub(super) fn step_desk(&mut self) {
        if self.desk.case != self.case_path {
            let tasks = std::mem::take(&mut self.desk.tasks);
            self.desk = DeskState {
                case: self.case_path.clone(),
                stale: true,
                tasks,
                ..DeskState::default()
            };
        }
        self.poll_desk();
        if self.desk.stale && self.browser.is_some() {
            self.refresh_desk();
        }
        let reading = self.reading.as_ref().map(|r| (r.rowid, r.message.key));
        match (reading, &self.desk.shown) {
            (None, _) => self.desk.shown = None,
            (Some((rowid, _)), Some((r, _))) if *r == rowid => {}
            (Some((rowid, key)), _) => {
                if let Some(b) = &self.browser {
                    self.desk.shown = b.annotations_of(&key).ok().map(|a| (rowid, a));
                }
            }
        }
    }

    /// Applies a desk command.
    pub(super) fn apply_desk(&mut self, cmd: DeskCommand) {
        match cmd {
            DeskCommand::SetPane(p) => self.desk.active = p,
            DeskCommand::ToggleStar => {
                let rows = self.desk_selection();
                if rows.is_empty() {
                    return;
                }
                // A thread row stands for its thread: starred as its
                // newest hit is.
                let action = if rows.iter().all(|r| self.is_starred(*r)) {
                    TagAction::Unstar
                } else {
                    TagAction::Star
                };
                let targets = self.selected_thread().unwrap_or(Targets::Rows(rows));
                self.start_apply(targets, action, false);
            }
            DeskCommand::OpenTags => {
                let rows = self.desk_selection();
                if !rows.is_empty() {
                    let targets = self.selected_thread().unwrap_or(Targets::Rows(rows));
                    self.open_tag_window(targets);
                }
            }
            DeskCommand::OpenTagAll => {
                let rows: Vec<u64> = self
                    .search
                    .results
                    .as_ref()
                    .map(|r| r.hits.iter().map(|h| h.rowid).collect())
                    .unwrap_or_default();
                if !rows.is_empty() {
                    self.open_tag_window(Targets::AllResults(rows));
                }
            }
            DeskCommand::OpenTagQuery(q, n) => self.open_tag_window(Targets::Query(q, n)),
            DeskCommand::CloseTags => self.desk.tag_window = None,
            DeskCommand::Apply(action) => {
                let Some(w) = &mut self.desk.tag_window else {
                    return;
                };
                if w.targets.needs_confirmation() {
                    w.confirm = Some(action);
                } else if let Some(w) = self.desk.tag_window.take() {
                    self.start_apply(w.targets, action, false);
                }
            }
            DeskCommand::Confirm(yes) => {
                if !yes {
                    if let Some(w) = &mut self.desk.tag_window {
                        w.confirm = None;
                    }
                    return;
                }
                if let Some(w) = self.desk.tag_window.take()
                    && let Some(action) = w.confirm
                {
                    self.start_apply(w.targets, action, false);
                }
            }
            DeskCommand::ApplyToReading(action) => {
                if let Some(r) = &self.reading {
                    let rows = vec![r.rowid];
                    self.start_apply(Targets::Rows(rows), action, false);
                }
            }
            DeskCommand::Undo => {
                if let Some(u) = self.desk.undo.take() {
                    self.start_apply(Targets::Rows(u.rowids), u.action, true);
                }
            }
            DeskCommand::OpenNote => self.open_note(),
            DeskCommand::SaveNote => self.save_note(),
            DeskCommand::CloseNote => self.desk.note = None,
            DeskCommand::CloseWindows => {
                let d = &mut self.desk;
                d.tag_window = None;
                d.note = None;
                d.saved.save_name = None;
                d.saved.rename = None;
                d.saved.delete = None;
            }
            DeskCommand::SetAuthor(a) => self.settings.persisted.author = Some(a),
            DeskCommand::RunQuery(q) => self.run_query(q),
            DeskCommand::ToggleHistory => {
                self.desk.history = match self.desk.history {
                    Some(_) => None,
                    None => Some(0),
                };
            }
            DeskCommand::MoveHistory(step) => {
                let n = self.settings.persisted.history.len() as i64;
                if let Some(i) = &mut self.desk.history
                    && n > 0
                {
                    *i = (*i as i64 + step).clamp(0, n - 1) as usize;
                }
            }
            DeskCommand::PickHistory(which) => {
                let i = which.or(self.desk.history);
                self.desk.history = None;
                if let Some(q) = i.and_then(|i| self.settings.persisted.history.get(i).cloned()) {
                    self.run_query(q);
                }
            }
            DeskCommand::ExportAnnotations => self.export_annotations(),
            DeskCommand::ImportAnnotations => self.import_annotations(),
            DeskCommand::ShowSaveSearch(_)
            | DeskCommand::SaveSearch
            | DeskCommand::ShowRename(_)
            | DeskCommand::Rename
            | DeskCommand::AskDelete(_)
            | DeskCommand::Delete => self.apply_saved(cmd),
            DeskCommand::ShowBatch(_)
            | DeskCommand::BatchLoad
            | DeskCommand::BatchRun
            | DeskCommand::BatchExport => self.apply_batch(cmd),
        }
    }

    /// Puts `q` in the search box and searches now.
    pub(super) fn run_query(&mut self, q: String) {
        self.remember_query(&q);
        self.search.query = q;
        self.list.marked.clear();
        self.request_search(false);
    }

    fn open_tag_window(&mut self, targets: Targets) {
        self.desk.tag_window = Some(TagWindow {
            targets,
            name: String::new(),
            confirm: None,
        });
    }

    fn open_note(&mut self) {
        let Some(rowid) = self.desk_selection().first().copied() else {
            return;
        };
        let Some(b) = &self.browser else {
            return;
        };
        match b.message_if_any(rowid) {
            Ok(Some(m)) => {
                self.desk.note = Some(NoteWindow {
                    rowid,
                    id: m.key.to_hex(),
                    subject: crate::display::visible(
                        m.subject.as_deref().unwrap_or("(no subject)"),
                    ),
                    text: String::new(),
                });
            }
            Ok(None) => {}
            Err(e) => self.set_status(format!("Cannot read the message: {e}"), true),
        }
    }

    fn save_note(&mut self) {
        let (Some(root), Some(n)) = (self.case_path.clone(), &self.desk.note) else {
            return;
        };
        let (rowid, id, text) = (n.rowid, n.id.clone(), n.text.clone());
        let author = self.author();
        self.desk_task(move || {
            DeskDone::Noted(rowid, desk::note(&root, &id, &text, &author).map(|_| ()))
        });
    }
}

/// Tags among `tags` whose name starts with (then contains) `typed`,
/// ignoring case; all of them when nothing is typed.
pub fn matching_tags<'a>(tags: &'a [TagInfo], typed: &str) -> Vec<&'a TagInfo> {
    let t = typed.trim().to_lowercase();
    let mut starts: Vec<&TagInfo> = Vec::new();
    let mut contains: Vec<&TagInfo> = Vec::new();
    for tag in tags {
        let n = tag.name.to_lowercase();
        if n.starts_with(&t) {
            starts.push(tag);
        } else if n.contains(&t) {
            contains.push(tag);
        }
    }
    starts.extend(contains);
    starts
}

/// Colours by tag name, for the list (names folded).
pub fn colour_map(tags: &[TagInfo]) -> HashMap<String, egui::Color32> {
    tags.iter()
        .filter_map(|t| Some((crate::annotate::tag_key(&t.name), parse_colour(&t.colour)?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(name: &str) -> TagInfo {
        TagInfo {
            name: name.into(),
            colour: "#ff0000".into(),
            messages: 1,
        }
    }

    #[test]
    fn tags_offered_start_with_what_is_typed_first() {
        let tags = [tag("Payments"), tag("pay"), tag("repayment"), tag("other")];
        let names: Vec<&str> = matching_tags(&tags, "PAY")
            .iter()
            .map(|t| t.name.as_str())
            .collect();
        assert_eq!(names, ["Payments", "pay", "repayment"]);
        assert_eq!(matching_tags(&tags, "").len(), 4);
    }
}
