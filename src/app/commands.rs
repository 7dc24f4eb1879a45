//! What the panels and shortcuts ask for ([`Command`]) and how each is
//! carried out: dialogs are asked here, jobs are started here, and what is
//! read from the case is read through the [`Browser`](crate::browse::Browser)
//! facade. Panels return commands while drawing; `logic` applies them
//! before the next frame.

use std::path::{Path, PathBuf};
use std::time::Instant;

use super::attachments::AttachmentView;
use super::list::RowSummary;
use super::{MailsiftApp, Reading, reads};
use crate::export::Format;
use crate::jobs::{ExportRequest, JobKind, SortBy, SortColumn};
use crate::model::Message;

/// Conversation entries listed in the reading pane, at most.
const CONVERSATION_MAX: usize = 400;
/// Conversation entries this close to the message shown get their sender's
/// name (the record is read); farther ones show the address only.
const CONVERSATION_NAMED: usize = 50;

/// Everything a panel can ask for.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// Pick a file: a mailbox is imported into a new case.
    OpenFile,
    /// Pick a folder: a case folder is opened, any other folder imported into a new case.
    OpenFolder,
    /// Pick a case folder and open it (refused when it is not a mailsift case).
    OpenCase,
    /// A source or a case folder (recent cases, the command line).
    OpenPath(PathBuf),
    /// Import a mailbox file into the open case.
    AddFile,
    /// Import a folder into the open case.
    AddFolder,
    /// Choose the folder new cases are made in.
    ChooseCasesFolder,
    /// Ask the running import to stop.
    CancelImport,
    /// Show (true) or hide (false) the import report window.
    ShowReport(bool),
    /// The query text changed (search after a pause).
    QueryEdited,
    /// Search now (Enter in the search box).
    SearchNow,
    /// Append a refinement (`from:ann`) to the query and search.
    Refine(String),
    /// Show the timeline in this unit (Auto: from the results' span).
    TimelineUnit(super::timeline::TimeUnit),
    /// Show or hide the query syntax help.
    ToggleHelp,
    /// Order the results by this column; the same column again reverses the order.
    SortBy(SortColumn),
    /// Select a row of the list (and show it).
    SelectRow(usize),
    /// Add or remove a row from the export selection (ctrl-click).
    ToggleRowSelection(usize),
    /// Switch between a flat list and one row per thread (remembered between runs).
    ToggleThreadView,
    /// Expand or collapse a thread row.
    ToggleThread(String),
    /// Show a message by row id (conversation, import report).
    ShowMessage(u64),
    /// Save one attachment of the message being read (by its index) to a file the user picks.
    SaveAttachment(usize),
    /// Save every attachment of the message being read into a folder the user picks.
    SaveAllAttachments,
    /// Show the extracted text of an attachment.
    ViewAttachmentText(usize),
    /// Show an image attachment.
    PreviewAttachment(usize),
    /// List the messages that carry the same attachment content.
    AttachmentAlsoIn(usize),
    /// Close the attachment window.
    CloseAttachmentView,
    /// Show the message's raw source (read from the source file in the background).
    ViewSource,
    /// Close the source view.
    CloseSource,
    /// Read the message's delivery path (`Received:` headers) from its source.
    ShowReceived,
    /// Read the part of the message after a DKIM signature's `l=` length.
    ShowUnsignedTail,
    /// Save the message being read — or its whole thread — as a PDF to
    /// read or print (asks where).
    Print {
        /// Every message of its thread, in reading order.
        whole_thread: bool,
    },
    /// Copy a citation of the message being read (key, sender, date, subject, where found) to the
    /// clipboard.
    CopyCitation,
    /// Show (true) or hide (false) the export window.
    ShowExport(bool),
    /// Ask the running export to stop (its partial output is removed).
    CancelExport,
    /// Export the results of the current search.
    Export {
        /// The export format.
        format: Format,
        /// Only the rows marked with ctrl-click, instead of every hit.
        selected_only: bool,
    },
    /// Clear the status line.
    DismissStatus,
    /// Put the keyboard focus in the search box.
    FocusSearch,
    /// The list rows on screen this frame (their summaries are fetched
    /// before the next one).
    RowsShown(std::ops::Range<usize>),
    /// Light, dark or system colours (remembered between runs).
    SetTheme(super::state::ThemeChoice),
    /// Text size: larger (> 1), smaller (< 1) by this factor, or back to
    /// normal (`None`); remembered between runs.
    Zoom(Option<f32>),
    /// The font of message bodies (remembered between runs).
    SetBodyFont(super::state::BodyFont),
    /// Show this message's body in monospace (true) or proportional.
    SetMonospace(bool),
    /// Show or hide the snippet line under each result (remembered).
    ToggleSnippets,
    /// Scroll the reading pane to the next (1) or previous (-1) search hit.
    NextHit(i64),
    /// Open (true) or close the window that renames the open case.
    ShowRename(bool),
    /// Give the open case this name (empty: back to the default).
    RenameCase(String),
    /// Tags, stars, notes, saved searches, history, batch search.
    Desk(super::desk::DeskCommand),
    /// File → Add DKIM keys…: pick a key file, add its keys, verify again.
    AddDkimKeys,
    /// File → Export evidence packet…: the marked rows, else every result.
    ExportEvidence,
    /// The People and communication graph windows.
    People(super::people::PeopleCommand),
    /// Close the window.
    Quit,
}

impl MailsiftApp {
    /// Applies a command from a panel or a shortcut.
    pub fn apply(&mut self, cmd: Command) {
        match cmd {
            Command::OpenFile
            | Command::OpenFolder
            | Command::OpenCase
            | Command::OpenPath(_)
            | Command::AddFile
            | Command::AddFolder
            | Command::ChooseCasesFolder => self.apply_open(cmd),
            Command::CancelImport => {
                self.jobs.cancel(JobKind::Import);
                if let Some(i) = &mut self.import.running {
                    i.cancelling = true;
                }
            }
            Command::ShowReport(show) => self.import.show_report = show,
            Command::QueryEdited => self.search.edited_at = Some(Instant::now()),
            Command::SearchNow => {
                let q = self.search.query.clone();
                self.remember_query(&q);
                self.request_search(false);
            }
            Command::Refine(r) => self.refine(r),
            Command::TimelineUnit(u) => {
                self.search.timeline.unit = u;
                if let Some(res) = &self.search.results {
                    self.search.timeline.rebuild(&res.facets.days);
                }
            }
            Command::ToggleHelp => self.search.show_help = !self.search.show_help,
            Command::SortBy(col) => self.sort_by(col),
            Command::FocusSearch => self.search.focus = true,
            Command::ToggleSnippets => {
                self.list.show_snippets = !self.list.show_snippets;
                self.settings.persisted.hide_snippets = !self.list.show_snippets;
            }
            Command::NextHit(step) => {
                if let Some(r) = &mut self.reading {
                    r.hit = r.hit.wrapping_add(step);
                }
            }
            Command::ShowRename(show) => {
                self.cases.rename = show.then(|| self.cases.name.clone().unwrap_or_default());
            }
            Command::RenameCase(name) => self.rename_case(&name),
            Command::SetTheme(t) => {
                self.settings.persisted.theme = t;
                self.ctx.set_theme(t.preference());
            }
            Command::Zoom(step) => {
                let now = self.settings.persisted.zoom.unwrap_or(1.0);
                let z = step.map_or(1.0, |f| (now * f).clamp(0.5, 3.0));
                self.ctx.set_zoom_factor(z);
                self.settings.persisted.zoom = Some(z);
            }
            Command::SetBodyFont(f) => {
                self.settings.persisted.body_font = f;
                if let Some(r) = &mut self.reading {
                    r.monospace = f.monospace_for(&r.message.body_text);
                }
            }
            Command::SetMonospace(on) => {
                if let Some(r) = &mut self.reading {
                    r.monospace = on;
                }
            }
            Command::SelectRow(_)
            | Command::ToggleRowSelection(_)
            | Command::ToggleThreadView
            | Command::ToggleThread(_)
            | Command::ShowMessage(_)
            | Command::RowsShown(_) => self.apply_list(cmd),
            Command::SaveAttachment(_)
            | Command::SaveAllAttachments
            | Command::ViewAttachmentText(_)
            | Command::PreviewAttachment(_)
            | Command::AttachmentAlsoIn(_)
            | Command::CloseAttachmentView
            | Command::ViewSource
            | Command::ShowReceived
            | Command::ShowUnsignedTail
            | Command::CloseSource
            | Command::Print { .. } => self.apply_reading(cmd),
            Command::ShowExport(show) => self.export.show = show,
            Command::CancelExport => self.jobs.cancel(JobKind::Export),
            Command::Export {
                format,
                selected_only,
            } => self.start_export(format, selected_only),
            Command::DismissStatus => self.status = None,
            Command::AddDkimKeys => self.add_dkim_keys(),
            Command::ExportEvidence => self.export_evidence(),
            Command::Desk(c) => self.apply_desk(c),
            Command::People(c) => self.apply_people(c),
            // These need the frame's context: see `apply_with_ctx`.
            Command::CopyCitation | Command::Quit => {}
        }
    }

    /// Applies a command, including those that need the frame's context
    /// (the clipboard, closing the window).
    pub(super) fn apply_with_ctx(&mut self, ctx: &egui::Context, cmd: Command) {
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

    // ---- opening ----------------------------------------------------------

    fn apply_open(&mut self, cmd: Command) {
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
            Command::OpenPath(p) => self.open_path(p),
            Command::AddFile | Command::AddFolder => {
                let Some(case) = self.case_path.clone() else {
                    self.set_status("Open a case first, then add sources to it.", true);
                    return;
                };
                let picked = if cmd == Command::AddFile {
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
                    self.settings.persisted.cases_dir = Some(dir);
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
            _ => {}
        }
    }

    // ---- searching --------------------------------------------------------

    fn refine(&mut self, r: String) {
        let q = self.search.query.trim();
        self.search.query = if q.is_empty() || q == "*" {
            r
        } else {
            format!("{q} {r}")
        };
        self.request_search(false);
    }

    fn sort_by(&mut self, col: SortColumn) {
        let sort = self.search.sort;
        self.search.sort = if sort.column == col {
            SortBy {
                column: col,
                descending: !sort.descending,
            }
        } else {
            SortBy {
                column: col,
                descending: matches!(col, SortColumn::Date | SortColumn::ThreadSize),
            }
        };
        self.search.working = Some("Sorting...");
        self.request_search(false);
    }

    // ---- the list ---------------------------------------------------------

    fn apply_list(&mut self, cmd: Command) {
        match cmd {
            Command::SelectRow(i) => self.select_row(i),
            Command::ToggleRowSelection(i) => {
                if let Some(r) = self.list.rows.get(i) {
                    let id = r.rowid();
                    if !self.list.marked.remove(&id) {
                        self.list.marked.insert(id);
                    }
                }
            }
            Command::ToggleThreadView => {
                self.list.thread_view = !self.list.thread_view;
                self.settings.persisted.thread_view = self.list.thread_view;
                let grouped = self
                    .search
                    .results
                    .as_ref()
                    .is_some_and(|r| r.groups.is_some());
                if self.list.thread_view && !grouped && self.search.results.is_some() {
                    // Grouped on the search thread; the list stays as it
                    // is until the groups come.
                    self.search.working = Some("Grouping the results by thread...");
                    self.search_again(false, true);
                } else {
                    self.list.rebuild(self.search.results.as_ref());
                    self.list.selected = None;
                }
            }
            Command::ToggleThread(t) => self.toggle_thread(t),
            Command::ShowMessage(rowid) => {
                if let Some(i) = self.list.rows.iter().position(|r| r.rowid() == rowid) {
                    self.list.selected = Some(i);
                    self.list.scroll_to_selected = true;
                }
                self.show_message(rowid);
            }
            Command::RowsShown(r) => self.list.shown = r,
            _ => {}
        }
    }

    fn toggle_thread(&mut self, t: String) {
        if !self.list.expanded.remove(&t) {
            if !self.list.trees.contains_key(&t)
                && let Some(b) = &self.browser
            {
                match b.thread_tree(&t) {
                    Ok(tree) => {
                        self.list.trees.insert(t.clone(), tree);
                    }
                    Err(e) => self.set_status(format!("Thread: {e}"), true),
                }
            }
            self.list.expanded.insert(t);
        }
        let list = &mut self.list;
        let keep = list.selected.and_then(|i| list.rows.get(i).cloned());
        list.rebuild(self.search.results.as_ref());
        list.selected = keep.and_then(|k| list.rows.iter().position(|r| *r == k));
    }

    fn select_row(&mut self, i: usize) {
        let Some(row) = self.list.rows.get(i).cloned() else {
            return;
        };
        self.list.selected = Some(i);
        self.list.scroll_to_selected = true;
        self.desk.active = super::desk::Pane::List;
        // A query whose results are being read is worth remembering.
        if let Some(q) = self.search.results.as_ref().map(|r| r.query_text.clone()) {
            self.remember_query(&q);
        }
        self.show_message(row.rowid());
    }

    // ---- reading ----------------------------------------------------------

    fn apply_reading(&mut self, cmd: Command) {
        match cmd {
            Command::SaveAttachment(i) => self.save_attachment(Some(i)),
            Command::SaveAllAttachments => self.save_attachment(None),
            Command::ViewAttachmentText(i) => self.view_attachment_text(i),
            Command::PreviewAttachment(i) => self.preview_attachment(i),
            Command::AttachmentAlsoIn(i) => self.attachment_also_in(i),
            Command::CloseAttachmentView => {
                if let Some(r) = &mut self.reading {
                    r.attachment_view = None;
                }
            }
            Command::ViewSource => self.view_source(),
            Command::ShowReceived => self.read_received(),
            Command::ShowUnsignedTail => self.read_unsigned_tail(),
            Command::CloseSource => {
                if let Some(r) = &mut self.reading {
                    r.source = None;
                }
            }
            Command::Print { whole_thread } => self.print(whole_thread),
            _ => {}
        }
    }

    /// Print / Save as PDF: asks where, then writes the PDF on a thread of
    /// its own (a long thread takes a moment); the status line says where
    /// it went.
    fn print(&mut self, whole_thread: bool) {
        let Some(r) = &self.reading else {
            self.set_status("Open a message first, then print it.", true);
            return;
        };
        let rowid = r.rowid;
        let whole_thread = whole_thread && r.thread.len() > 1;
        let subject = r.message.subject.as_deref().unwrap_or("");
        let base = crate::safename::safe_file_name(subject);
        let base = if base.trim().is_empty() {
            "message"
        } else {
            base.trim()
        };
        let default = format!("{}.pdf", base.chars().take(80).collect::<String>());
        let Some(dest) = self.dialogs.save_file(&default) else {
            return;
        };
        let title = self.cases.name.clone().unwrap_or_else(|| "mailsift".into());
        let font = self.settings.persisted.body_font;
        let label = format!("Saving {} as PDF…", dest.display());
        self.start_read(label, move |src| {
            let done = src
                .print_pdf(rowid, whole_thread, &dest, &title, &|b| {
                    font.monospace_for(b)
                })
                .map(|(n, _)| {
                    let what = if n == 1 {
                        "the message".to_owned()
                    } else {
                        format!("the thread ({n} messages)")
                    };
                    format!(
                        "Saved {what} as PDF: {} — open it to read or print.",
                        dest.display()
                    )
                })
                .map_err(reads::ReadError::Save);
            reads::ReadDone::Saved(done)
        });
    }

    fn show_message(&mut self, rowid: u64) {
        if self.reading.as_ref().is_some_and(|r| r.rowid == rowid) {
            return;
        }
        let Some(b) = &self.browser else {
            return;
        };
        let mut message = match b.message(rowid) {
            Ok(m) => m,
            Err(e) => {
                self.set_status(format!("Cannot read message: {e}"), true);
                return;
            }
        };
        let thread = self.conversation(&message, rowid);
        let Some(b) = &self.browser else {
            return;
        };
        let error = b
            .fill_attachment_texts(&mut message)
            .err()
            .map(|e| format!("Attachment texts: {e}"));
        let matched = match self.search.results.as_ref().map(|r| &r.query) {
            Some(q) if self.search.is_selective() => crate::index::snippet::matched_in(q, &message),
            _ => Vec::new(),
        };
        let origins = b.origins(&message.key).unwrap_or_default();
        let also_in = message
            .attachments
            .iter()
            .map(|a| {
                b.messages_with_attachment(&a.sha256)
                    .map(|ids| ids.iter().filter(|id| **id != rowid).count())
                    .unwrap_or(0)
            })
            .collect();
        let opened = self.reading.as_ref().map_or(0, |r| r.opened) + 1;
        let dkim = self
            .browser
            .as_ref()
            .and_then(|b| b.dkim_outcome(rowid).ok().flatten());
        let monospace = self
            .settings
            .persisted
            .body_font
            .monospace_for(&message.body_text);
        let in_results = self
            .search
            .results
            .as_ref()
            .is_none_or(|res| res.hits.iter().any(|h| h.rowid == rowid));
        let patterns = super::patterns_ui::ReadingPatterns::of(&message);
        self.reading = Some(Reading {
            rowid,
            patterns,
            message,
            thread,
            source: None,
            error,
            matched,
            also_in,
            origins,
            attachment_view: None,
            monospace,
            in_results,
            hit: 0,
            opened,
            dkim,
            received: None,
            unsigned_tail: None,
        });
    }

    /// The conversation of `message` (at `rowid`) as (depth, row id,
    /// summary); empty when it is alone in its thread.
    fn conversation(&self, message: &Message, rowid: u64) -> Vec<(usize, u64, RowSummary)> {
        let mut thread = Vec::new();
        let Some(b) = &self.browser else {
            return thread;
        };
        let Ok(Some(t)) = b.thread_id(&message.key) else {
            return thread;
        };
        let Ok(tree) = b.thread_tree(&t.0) else {
            return thread;
        };
        if tree.len() <= 1 {
            return thread;
        }
        let light = self.search.results.as_ref().map(|r| &r.light);
        // A huge thread is listed around this message only.
        let at = tree.iter().position(|(_, id)| *id == rowid).unwrap_or(0);
        let from = at.saturating_sub(CONVERSATION_MAX / 2);
        for (i, (depth, id)) in tree.iter().enumerate().skip(from).take(CONVERSATION_MAX) {
            // Names as in the list: from the row summaries, else read from
            // the case near this message; far entries of a huge thread
            // show the light row (address only).
            let near = i.abs_diff(at) <= CONVERSATION_NAMED;
            let s = match self.list.summaries.get(id) {
                Some(s) => s.clone(),
                None => match light.and_then(|l| l.get(id)) {
                    Some(l) if !near => RowSummary::light(l),
                    _ => match b.message_if_any(*id) {
                        Ok(Some(m)) => RowSummary::of(&m, None, 0),
                        _ => continue,
                    },
                },
            };
            thread.push((*depth, *id, s));
        }
        thread
    }

    fn citation(&self) -> Option<String> {
        let r = self.reading.as_ref()?;
        let b = self.browser.as_ref()?;
        let m = &r.message;
        let origins = b.origins(&m.key).unwrap_or_default();
        let mut out = format!(
            "Message {}\nFrom: {}\nDate: {}\nSubject: {}\n",
            m.key.to_hex(),
            super::reading::addresses(&m.from),
            m.date
                .map(crate::time::rfc3339)
                .unwrap_or_else(|| "(no date)".into()),
            crate::display::visible(m.subject.as_deref().unwrap_or("(no subject)")),
        );
        for o in &origins {
            out.push_str(&format!(
                "Source: {} offset {} length {} (source bytes SHA-256 {})\n",
                o.display_path(),
                o.offset,
                o.length,
                o.raw_sha256.to_hex()
            ));
        }
        Some(out)
    }

    /// Reads the bytes after the first DKIM signature's `l=` length (what
    /// the signature does not cover; at most 64 KB shown).
    fn read_unsigned_tail(&mut self) {
        let Some(r) = &self.reading else {
            return;
        };
        let Some(offset) = r
            .dkim
            .as_ref()
            .and_then(|o| o.signatures.iter().find_map(|s| s.unsigned_tail_offset))
        else {
            return;
        };
        let (key, rowid) = (r.message.key, r.rowid);
        self.start_read("Reading the unsigned part…".into(), move |src| {
            let text = src
                .message_bytes(&key)
                .map(|(bytes, _)| {
                    let start = usize::try_from(offset)
                        .unwrap_or(usize::MAX)
                        .min(bytes.len());
                    let end = start.saturating_add(64 << 10).min(bytes.len());
                    crate::display::escape_bytes(&bytes[start..end])
                })
                .map_err(reads::ReadError::Source);
            reads::ReadDone::UnsignedTail { rowid, text }
        });
    }

    /// Reads the message's `Received:` headers from its source bytes.
    fn read_received(&mut self) {
        let Some(r) = &self.reading else {
            return;
        };
        let (key, rowid) = (r.message.key, r.rowid);
        self.start_read("Reading the delivery path…".into(), move |src| {
            let hops = src
                .raw(&key)
                .map(|(raw, _)| crate::parse::received::received_chain(&raw))
                .map_err(reads::ReadError::Source);
            reads::ReadDone::Received { rowid, hops }
        });
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

    fn attachment_name(&self, i: usize) -> Option<String> {
        let a = self.reading.as_ref()?.message.attachments.get(i)?;
        Some(crate::display::visible(
            &a.name
                .clone()
                .unwrap_or_else(|| crate::browse::default_name(a)),
        ))
    }

    fn view_attachment_text(&mut self, i: usize) {
        let name = self.attachment_name(i).unwrap_or_default();
        let Some(r) = &mut self.reading else {
            return;
        };
        let Some(a) = r.message.attachments.get(i) else {
            return;
        };
        let status = match (a.kind.as_deref(), a.text_status) {
            (Some(k), Some(s)) => format!("{k} · text {}", s.as_str()),
            (None, Some(s)) => format!("text {}", s.as_str()),
            (Some(k), None) => k.to_string(),
            (None, None) => String::new(),
        };
        let text = a.text.clone().unwrap_or_else(|| "(no text)".into());
        r.attachment_view = Some(AttachmentView::Text { name, text, status });
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
        let name = self.attachment_name(i).unwrap_or_default();
        let (Some(b), Some(r)) = (&self.browser, &mut self.reading) else {
            return;
        };
        let Some(a) = r.message.attachments.get(i) else {
            return;
        };
        match b.messages_with_attachment(&a.sha256) {
            Ok(ids) => {
                let rows = ids
                    .into_iter()
                    .filter_map(|id| match b.message_if_any(id) {
                        Ok(Some(m)) => Some((id, RowSummary::of(&m, None, 0))),
                        _ => None,
                    })
                    .collect();
                r.attachment_view = Some(AttachmentView::AlsoIn { name, rows });
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

    // ---- exporting --------------------------------------------------------

    fn start_export(&mut self, format: Format, selected_only: bool) {
        self.export.show = false;
        let (Some(res), Some(case)) = (&self.search.results, &self.case_path) else {
            return;
        };
        let hits: Vec<_> = if selected_only {
            res.hits
                .iter()
                .filter(|h| self.list.marked.contains(&h.rowid))
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
            Ok(_) => self.export.progress = Some((0, 0)),
            Err(e) => self.set_status(e.to_string(), true),
        }
    }
}
