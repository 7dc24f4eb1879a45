//! eframe's `logic()`: everything that changes the window's state before a
//! frame is drawn, and nothing that draws. It applies the commands the
//! panels returned in the last frame, drains the job channel (a few
//! milliseconds at most), starts the search once typing pauses, refreshes
//! the list during an import, handles the keyboard shortcuts, and fetches
//! the summaries of the list rows about to be shown (through [`Browser`],
//! so drawing never reads the case).
//!
//! [`Browser`]: crate::browse::Browser

use std::ops::Range;
use std::time::{Duration, Instant};

/// Bytes of body text a result's snippet line is cut from.
const SNIPPET_BYTES: usize = 160;

use super::list::{ListRow, RowSummary};
use super::{Command, DEBOUNCE, IMPORT_REFRESH, MailsiftApp, ZOOM_STEP, import_summary, reads};
use crate::export::ExportSummary;
use crate::jobs::{
    JobError, JobEvent, JobKind, JobOutput, JobProgress, SearchOutcome, SearchRequest,
};
use crate::model::MatchPlace;
use crate::pipeline::ImportReport;

/// Time per frame spent draining job events, at most.
const DRAIN_BUDGET: Duration = Duration::from_millis(3);
/// Row summaries kept; the cache is emptied past this.
const ROW_CACHE_MAX: usize = 4096;

impl MailsiftApp {
    /// State changes of a frame (commands, jobs, debounce, shortcuts, the
    /// rows to draw); draws nothing.
    pub fn step_logic(&mut self, ctx: &egui::Context) {
        for cmd in std::mem::take(&mut self.commands) {
            self.apply_with_ctx(ctx, cmd);
        }
        self.drain_jobs();
        self.poll_read();
        self.poll_report_details();
        self.step_desk();
        self.step_people();
        self.refresh_recent();
        if let Some(t) = self.search.edited_at {
            if t.elapsed() >= DEBOUNCE {
                self.request_search(false);
            } else {
                ctx.request_repaint_after(DEBOUNCE.saturating_sub(t.elapsed()));
            }
        }
        self.refresh_during_import(ctx);
        for cmd in self.keyboard(ctx) {
            self.apply_with_ctx(ctx, cmd);
        }
        self.fetch_rows();
    }

    /// During an import, the list catches up with what was written once a
    /// second.
    fn refresh_during_import(&mut self, ctx: &egui::Context) {
        let Some(imp) = &mut self.import.running else {
            return;
        };
        if imp.last_refresh.elapsed() >= IMPORT_REFRESH {
            imp.last_refresh = Instant::now();
            self.ensure_browser();
            if self.browser.is_some() && !self.jobs.is_running(JobKind::Search) {
                self.list.summaries.retain(|_, s| !s.missing);
                self.request_search(true);
            }
        }
        ctx.request_repaint_after(Duration::from_millis(250));
    }

    pub(super) fn request_search(&mut self, refresh: bool) {
        self.search_again(refresh, false);
    }

    /// Asks for the current search; `regroup`: only the thread view
    /// changed since the last one (see [`SearchRequest::regroup`]).
    pub(super) fn search_again(&mut self, refresh: bool, regroup: bool) {
        let Some(case) = self.case_path.clone() else {
            return;
        };
        self.search.edited_at = None;
        self.jobs.search(SearchRequest {
            case,
            query: self.search.effective_query(),
            sort: self.search.sort,
            refresh,
            threads: self.list.thread_view,
            regroup,
        });
    }

    // ---- jobs -----------------------------------------------------------

    fn drain_jobs(&mut self) {
        for msg in self.jobs.drain(DRAIN_BUDGET) {
            let latest_search = msg.id == self.jobs.latest_search();
            match (msg.kind, msg.event) {
                (JobKind::Import, JobEvent::Progress(JobProgress::Import(p))) => {
                    if let Some(imp) = &mut self.import.running {
                        imp.progress = Some(p);
                    }
                }
                (JobKind::Import, JobEvent::Done(JobOutput::Import(report))) => {
                    self.import_done(*report)
                }
                (JobKind::Import, JobEvent::Failed(e)) => self.import_failed(&e),
                (JobKind::Search, JobEvent::Progress(JobProgress::Search(outcome)))
                    if latest_search && Some(&outcome.case) == self.case_path.as_ref() =>
                {
                    self.search.error = None;
                    self.set_results(*outcome);
                }
                (JobKind::Search, JobEvent::Done(JobOutput::Facets(Some(more))))
                    if latest_search =>
                {
                    if let Some(res) = &mut self.search.results {
                        res.facets.complete(*more);
                    }
                }
                (JobKind::Search, JobEvent::Failed(e)) if latest_search => self.search_failed(e),
                (JobKind::Export, JobEvent::Progress(JobProgress::Export { done, total })) => {
                    self.export.progress = Some((done, total));
                }
                (JobKind::Export, JobEvent::Done(JobOutput::Export(summary))) => {
                    self.export_done(summary)
                }
                (JobKind::Export, JobEvent::Failed(e)) => {
                    self.export.progress = None;
                    if e.is_cancelled() {
                        self.set_status("Export cancelled; nothing was written.", false);
                    } else {
                        self.set_status(format!("Export failed: {e}"), true);
                    }
                }
                _ => {}
            }
        }
    }

    fn import_done(&mut self, report: ImportReport) {
        self.import.running = None;
        self.ensure_browser();
        if let Some(b) = &self.browser {
            let _ = b.reload_index();
        }
        // Each error names its path already.
        let errors: Vec<String> = report.errors().map(|(_, e)| e.to_string()).collect();
        let summary = import_summary(&report);
        if !errors.is_empty() {
            self.set_status(format!("{}; {summary}", errors.join("; ")), true);
            // What could not be used is shown at once.
            self.import.show_report = true;
        } else if report.cancelled {
            self.set_status(
                format!("Import cancelled; open the same source again to resume. {summary}"),
                false,
            );
        } else {
            self.set_status(summary, false);
        }
        if let Some(s) = &mut self.status {
            s.report_link = true;
        }
        self.import.last_report = Some(report);
        self.load_report_details();
        self.list.summaries.clear();
        self.list.trees.clear();
        self.desk.stale = true;
        self.request_search(true);
    }

    fn import_failed(&mut self, e: &JobError) {
        self.import.running = None;
        self.set_status(format!("Import failed: {e}"), true);
        self.ensure_browser();
        if self.browser.is_none() {
            self.case_path = None;
        }
    }

    fn search_failed(&mut self, e: JobError) {
        self.search.working = None;
        if e.is_bad_query() {
            self.search.error = Some(e.to_string());
        } else if self.import.running.is_none() {
            self.set_status(format!("Search failed: {e}"), true);
        }
    }

    fn export_done(&mut self, summary: ExportSummary) {
        self.export.progress = None;
        let path = summary
            .path
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        self.set_status(
            format!(
                "{} messages written to {path}",
                super::panels::thousands(summary.messages)
            ),
            false,
        );
        self.export.last = Some(summary);
    }

    fn set_results(&mut self, outcome: SearchOutcome) {
        let list = &mut self.list;
        let keep = list
            .selected
            .and_then(|i| list.rows.get(i))
            .map(|r| r.rowid());
        if self.search.results.as_ref().map(|r| &r.query_text) != Some(&outcome.query_text) {
            list.attachment_hits.clear();
            list.snippets.clear();
        }
        list.query_active = !matches!(outcome.query_text.trim(), "" | "*");
        if let Some(r) = &mut self.reading {
            r.in_results = outcome.hits.iter().any(|h| h.rowid == r.rowid);
        }
        self.search.timeline.rebuild(&outcome.facets.days);
        self.search.working = None;
        self.search.results = Some(outcome);
        list.rebuild(self.search.results.as_ref());
        list.selected = keep.and_then(|id| list.rows.iter().position(|r| r.rowid() == id));
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
            reads::ReadDone::UnsignedTail { rowid, text } => {
                if let Some(r) = &mut self.reading
                    && r.rowid == rowid
                {
                    match text {
                        Ok(t) => r.unsigned_tail = Some(t),
                        Err(e) => r.error = Some(e.to_string()),
                    }
                }
            }
            reads::ReadDone::Received { rowid, hops } => {
                if let Some(r) = &mut self.reading
                    && r.rowid == rowid
                {
                    match hops {
                        Ok(h) => r.received = Some(h),
                        Err(e) => r.error = Some(e.to_string()),
                    }
                }
            }
            reads::ReadDone::Source { rowid, text } => {
                if let Some(r) = &mut self.reading
                    && r.rowid == rowid
                {
                    match text {
                        Ok(t) => r.source = Some(t),
                        Err(e) => r.error = Some(e.to_string()),
                    }
                }
            }
            reads::ReadDone::Preview {
                rowid,
                index,
                name,
                image,
            } => match image {
                Ok(img) => self.show_preview(rowid, index, name, img),
                Err(e) => self.set_status(format!("Cannot show {name}: {e}"), true),
            },
            reads::ReadDone::Saved(Ok(text)) => self.set_status(text, false),
            reads::ReadDone::Saved(Err(e)) => self.set_status(e.to_string(), true),
        }
    }

    /// A decoded image in the attachment window, if its message is still
    /// the one being read.
    fn show_preview(&mut self, rowid: u64, index: usize, name: String, img: egui::ColorImage) {
        let Some(r) = self.reading.as_mut().filter(|r| r.rowid == rowid) else {
            return;
        };
        let size = img.size;
        let texture = self.ctx.load_texture(
            format!("attachment-{rowid}-{index}"),
            img,
            egui::TextureOptions::LINEAR,
        );
        r.attachment_view = Some(super::attachments::AttachmentView::Image {
            name,
            texture,
            size,
        });
    }

    // ---- the list's rows ------------------------------------------------

    /// Fetches the summaries of the rows about to be drawn (around those
    /// on screen last frame and around the selection).
    fn fetch_rows(&mut self) {
        for range in self.list.wanted() {
            self.fill_row_cache(range);
        }
    }

    /// Summaries of the rows `range`, read from the case through the
    /// browser where missing.
    fn fill_row_cache(&mut self, rows: Range<usize>) {
        let Some(b) = &self.browser else {
            return;
        };
        let list = &mut self.list;
        if list.summaries.len() > ROW_CACHE_MAX {
            list.summaries.clear();
        }
        if list.attachment_hits.len() > ROW_CACHE_MAX {
            list.attachment_hits.clear();
            list.snippets.clear();
        }
        if list.thread_subjects.len() > ROW_CACHE_MAX {
            list.thread_subjects.clear();
        }
        let res = self.search.results.as_ref();
        let query = res
            .filter(|r| !matches!(r.query_text.trim(), "" | "*"))
            .map(|r| &r.query);
        for i in rows {
            let Some(row) = list.rows.get(i) else {
                break;
            };
            let rowid = row.rowid();
            // A thread row shows its topic: the subject of its root (the
            // first message of its reply tree), not of its newest hit.
            if let ListRow::Thread { thread, .. } = row
                && !list.thread_subjects.contains_key(thread)
            {
                let root = b
                    .thread_tree(thread)
                    .ok()
                    .and_then(|tree| tree.first().map(|(_, id)| *id));
                if let Some(Ok(Some(m))) = root.map(|id| b.message_if_any(id)) {
                    let subject = RowSummary::of(&m, None, 0).subject;
                    list.thread_subjects.insert(thread.clone(), subject);
                }
            }
            if let Some(q) = query
                && !list.attachment_hits.contains_key(&rowid)
                && let Ok(Some(m)) = b.message_if_any(rowid)
            {
                let hit = b.matched_in(&m, q).is_ok_and(|places| {
                    places
                        .iter()
                        .any(|p| matches!(p, MatchPlace::Attachment { .. }))
                });
                list.attachment_hits.insert(rowid, hit);
                let (snippet, _) =
                    crate::index::snippet::Highlighter::new(q, crate::query::Field::Body)
                        .message_snippet(&m, SNIPPET_BYTES);
                let line: String = snippet.split_whitespace().collect::<Vec<_>>().join(" ");
                list.snippets.insert(rowid, crate::display::visible(&line));
            }
            if list.summaries.contains_key(&rowid) {
                continue;
            }
            let thread = res
                .and_then(|r| r.light.get(&rowid))
                .and_then(|r| r.thread.clone());
            let size = thread
                .as_ref()
                .and_then(|t| res.and_then(|r| r.thread_sizes.get(t)))
                .copied()
                .unwrap_or(1);
            let summary = match b.message_if_any(rowid) {
                Ok(Some(m)) => {
                    let mut s = RowSummary::of(&m, thread, size);
                    // The star and tags come with the row, read once.
                    if let Ok(a) = b.annotations_of(&m.key) {
                        s.starred = a.starred;
                        s.tags = a.tags;
                    }
                    s.dkim = b.dkim_verdict(rowid).ok().flatten();
                    s
                }
                Ok(None) => RowSummary::missing(rowid, "(not in the case yet)"),
                Err(e) => RowSummary::missing(rowid, &e.to_string()),
            };
            list.summaries.insert(rowid, summary);
        }
    }

    // ---- shortcuts ------------------------------------------------------

    fn keyboard(&mut self, ctx: &egui::Context) -> Vec<Command> {
        use super::desk::{DeskCommand, Pane};
        use egui::{Key, Modifiers};
        let mut out = Vec::new();
        let typing = ctx.egui_wants_keyboard_input();
        let rows = &self.list.rows;
        let cur = self.list.selected;
        let pane = self.desk.active;
        let history = self.desk.history.is_some();
        let modal = self.desk.modal();
        let reading = self.reading.is_some();
        let desk = |c| Command::Desk(c);
        ctx.input_mut(|i| {
            // Search hits in the reading pane, wherever the keyboard is.
            if i.consume_key(Modifiers::SHIFT, Key::F3) {
                out.push(Command::NextHit(-1));
            }
            if i.consume_key(Modifiers::NONE, Key::F3) {
                out.push(Command::NextHit(1));
            }
            if i.consume_key(Modifiers::COMMAND, Key::H) {
                out.push(desk(DeskCommand::ToggleHistory));
            }
            if history {
                // The history popup has the arrows and Enter.
                if i.consume_key(Modifiers::NONE, Key::ArrowDown) {
                    out.push(desk(DeskCommand::MoveHistory(1)));
                }
                if i.consume_key(Modifiers::NONE, Key::ArrowUp) {
                    out.push(desk(DeskCommand::MoveHistory(-1)));
                }
                if i.consume_key(Modifiers::NONE, Key::Enter) {
                    out.push(desk(DeskCommand::PickHistory(None)));
                }
                if i.consume_key(Modifiers::NONE, Key::Escape) {
                    out.push(desk(DeskCommand::ToggleHistory));
                }
                return;
            }
            if i.consume_key(Modifiers::COMMAND, Key::F) {
                out.push(Command::FocusSearch);
            }
            if i.consume_key(Modifiers::NONE, Key::F1) {
                out.push(Command::ToggleHelp);
            }
            if i.consume_key(Modifiers::COMMAND, Key::P) {
                out.push(Command::Print {
                    whole_thread: false,
                });
            }
            // Text size (the View menu's; egui's own zoom keys are off so
            // that the size is remembered).
            if i.consume_key(Modifiers::COMMAND, Key::Plus)
                || i.consume_key(Modifiers::COMMAND, Key::Equals)
            {
                out.push(Command::Zoom(Some(ZOOM_STEP)));
            }
            if i.consume_key(Modifiers::COMMAND, Key::Minus) {
                out.push(Command::Zoom(Some(1.0 / ZOOM_STEP)));
            }
            if i.consume_key(Modifiers::COMMAND, Key::Num0) {
                out.push(Command::Zoom(None));
            }
            if typing {
                return;
            }
            if i.consume_key(Modifiers::NONE, Key::Slash) {
                out.push(Command::FocusSearch);
            }
            if modal {
                if i.consume_key(Modifiers::NONE, Key::Escape) {
                    out.push(desk(DeskCommand::CloseWindows));
                }
                return;
            }
            if i.consume_key(Modifiers::COMMAND, Key::Z) {
                out.push(desk(DeskCommand::Undo));
            }
            // n: a note in the list; the next search hit (Shift+n: the
            // previous) in the reading pane.
            match pane {
                Pane::Reading => {
                    if consume_letter(i, Modifiers::SHIFT, Key::N, "N") {
                        out.push(Command::NextHit(-1));
                    }
                    if consume_letter(i, Modifiers::NONE, Key::N, "n") {
                        out.push(Command::NextHit(1));
                    }
                }
                Pane::List => {
                    if consume_letter(i, Modifiers::NONE, Key::N, "n") {
                        out.push(desk(DeskCommand::OpenNote));
                    }
                }
            }
            if consume_letter(i, Modifiers::NONE, Key::S, "s") {
                out.push(desk(DeskCommand::ToggleStar));
            }
            if consume_letter(i, Modifiers::NONE, Key::T, "t") {
                out.push(desk(DeskCommand::OpenTags));
            }
            if reading && i.consume_key(Modifiers::NONE, Key::ArrowRight) {
                out.push(desk(DeskCommand::SetPane(Pane::Reading)));
            }
            if i.consume_key(Modifiers::NONE, Key::ArrowLeft) {
                out.push(desk(DeskCommand::SetPane(Pane::List)));
            }
            let n = rows.len();
            if n == 0 {
                return;
            }
            if let Some(t) = movement(i, cur, n) {
                out.push(Command::SelectRow(t));
            }
            if i.consume_key(Modifiers::NONE, Key::Enter)
                && let Some(c) = cur
            {
                match rows.get(c) {
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
}

/// Consumes the key `key` with `modifiers` and the text event `text` it
/// typed (so that a window it opens does not receive the letter).
fn consume_letter(
    i: &mut egui::InputState,
    modifiers: egui::Modifiers,
    key: egui::Key,
    text: &str,
) -> bool {
    if !i.consume_key(modifiers, key) {
        return false;
    }
    i.events
        .retain(|e| !matches!(e, egui::Event::Text(t) if t == text));
    true
}

/// The row the movement keys pressed this frame go to (`n` rows, `cur`
/// selected).
fn movement(i: &mut egui::InputState, cur: Option<usize>, n: usize) -> Option<usize> {
    use egui::{Key, Modifiers};
    let page = 20;
    let mut target = None;
    if i.consume_key(Modifiers::NONE, Key::ArrowDown) || i.consume_key(Modifiers::NONE, Key::J) {
        target = Some(cur.map_or(0, |c| (c + 1).min(n - 1)));
    }
    if i.consume_key(Modifiers::NONE, Key::ArrowUp) || i.consume_key(Modifiers::NONE, Key::K) {
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
    target
}
