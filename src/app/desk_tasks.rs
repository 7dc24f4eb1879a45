//! The desk's work off the window's thread (issue 15): each tag or star
//! change, note, saved-search change, batch run, annotations file and
//! refresh of the tags and saved counts runs on a thread of its own
//! ([`spawn`]) and comes back as a [`DeskDone`], applied by `logic`
//! (`poll_desk`): the status line in plain words ("Tagged 312 messages
//! 'payments'", with Undo), the rows, the reading pane, the saved counts
//! and the results read again.

use std::path::{Path, PathBuf};

use crossbeam_channel::{Receiver, TryRecvError};

use super::MailsiftApp;
use super::desk::{SavedItem, Targets, Undo};
use crate::browse::Browser;
use crate::desk::{self, BatchRow, TagAction};
use crate::error::Error;
use crate::index::Sort;
use crate::store::{MergeReport, TagInfo};

/// What a desk thread brings back.
pub enum DeskDone {
    /// A tag or star change: what was done, on which messages, and
    /// whether it was an undo.
    Applied {
        /// What was applied.
        action: TagAction,
        /// The messages asked for.
        asked: usize,
        /// The messages that changed (or why nothing did).
        changed: Result<Vec<u64>, Error>,
        /// Whether this was Undo.
        undoing: bool,
    },
    /// A note added to the message at this row id.
    Noted(u64, Result<(), Error>),
    /// The tags and the saved searches with their counts.
    Refreshed(Result<(Vec<TagInfo>, Vec<SavedItem>), Error>),
    /// A saved search changed: the status line.
    SavedChanged(Result<String, Error>),
    /// A batch search's rows.
    Batch(Result<Vec<BatchRow>, Error>),
    /// An annotations file written (its path and messages), or why not.
    Exported(PathBuf, Result<usize, Error>),
    /// An annotations file merged, or why not.
    Imported(PathBuf, Result<MergeReport, Error>),
    /// A batch table written to this file, or why not.
    BatchWritten(PathBuf, Result<(), Error>),
    /// DKIM keys added from this file (and messages verified again).
    KeysAdded(PathBuf, Result<crate::keys::AddReport, Error>),
    /// An evidence packet written, or why not.
    Evidence(PathBuf, Result<crate::evidence::PacketSummary, Error>),
}

/// Runs `f` on a thread of its own; `ctx` is woken when it is done.
pub(super) fn spawn(
    ctx: &egui::Context,
    f: impl FnOnce() -> DeskDone + Send + 'static,
) -> std::io::Result<Receiver<DeskDone>> {
    let (tx, rx) = crossbeam_channel::bounded(1);
    let ctx = ctx.clone();
    std::thread::Builder::new()
        .name("mailsift-desk".into())
        .spawn(move || {
            let _ = tx.send(f());
            ctx.request_repaint();
        })?;
    Ok(rx)
}

/// The status line for a change: "Tagged 312 messages 'payments'".
pub fn applied_text(action: &TagAction, n: usize, undoing: bool) -> String {
    let msgs = |n: usize| {
        format!(
            "{} {}",
            super::panels::thousands(n as u64),
            if n == 1 { "message" } else { "messages" }
        )
    };
    let did = match action {
        TagAction::Add { tag, .. } => format!("Tagged {} '{tag}'", msgs(n)),
        TagAction::Remove(tag) => format!("Removed the tag '{tag}' from {}", msgs(n)),
        TagAction::Star => format!("Starred {}", msgs(n)),
        TagAction::Unstar => format!("Unstarred {}", msgs(n)),
    };
    if undoing {
        format!("Undone: {did}")
    } else {
        did
    }
}

/// A merge in plain words: "Merged 120 annotations from FILE; 14 name
/// messages not in this case."
pub fn merge_text(path: &Path, r: &MergeReport) -> String {
    let t = |n: u64| super::panels::thousands(n);
    let mut text = if r.is_noop() {
        format!(
            "Nothing new in {}: this case already had all of it",
            path.display()
        )
    } else {
        let changes = r.tags_changed + r.stars_changed + r.notes_added;
        format!(
            "Merged {} {} on {} {} from {}",
            t(changes),
            if changes == 1 {
                "annotation"
            } else {
                "annotations"
            },
            t(r.messages_changed),
            if r.messages_changed == 1 {
                "message"
            } else {
                "messages"
            },
            path.display()
        )
    };
    if r.saved_changed > 0 {
        text.push_str(&format!(", {} saved searches", t(r.saved_changed)));
    }
    if r.dismissals_changed > 0 {
        text.push_str(&format!(
            ", {} dismissed suggestions",
            t(r.dismissals_changed)
        ));
    }
    if r.identities_changed > 0 {
        text.push_str(&format!(", {} identity decisions", t(r.identities_changed)));
    }
    text.push('.');
    if r.not_in_case > 0 {
        text.push_str(&format!(
            " {} {} messages not in this case.",
            t(r.not_in_case),
            if r.not_in_case == 1 { "names" } else { "name" }
        ));
    }
    text
}

impl MailsiftApp {
    /// Runs `f` on a desk thread (its result is applied by `poll_desk`).
    pub(super) fn desk_task(&mut self, f: impl FnOnce() -> DeskDone + Send + 'static) {
        match spawn(&self.ctx, f) {
            Ok(rx) => self.desk.tasks.push(rx),
            Err(e) => self.set_status(format!("Cannot start: {e}"), true),
        }
    }

    /// Applies `action` to `targets` on a desk thread.
    pub(super) fn start_apply(&mut self, targets: Targets, action: TagAction, undoing: bool) {
        let Some(root) = self.case_path.clone() else {
            return;
        };
        let author = self.author();
        let asked = targets.count();
        self.set_status(
            format!(
                "{} {} {}…",
                if undoing { "Undoing on" } else { "Changing" },
                super::panels::thousands(asked as u64),
                if asked == 1 { "message" } else { "messages" }
            ),
            false,
        );
        self.desk_task(move || {
            let rowids = match targets {
                Targets::Rows(r) | Targets::AllResults(r) => Ok(r),
                Targets::Query(q, _) => Browser::open(&root)
                    .and_then(|b| b.search(&q, Sort::Date))
                    .map(|f| f.hits.iter().map(|h| h.rowid).collect()),
                Targets::Thread(t, _) => Browser::open(&root)
                    .and_then(|b| b.thread_tree(&t))
                    .map(|tree| tree.iter().map(|(_, id)| *id).collect()),
            };
            let changed = rowids.and_then(|r| desk::apply_to_rows(&root, &r, &action, &author));
            DeskDone::Applied {
                action,
                asked,
                changed,
                undoing,
            }
        });
    }

    /// Reads the tags and the saved searches' counts again, off this thread.
    pub(super) fn refresh_desk(&mut self) {
        let Some(root) = self.case_path.clone() else {
            return;
        };
        self.desk.stale = false;
        self.desk_task(move || {
            DeskDone::Refreshed(Browser::open(&root).and_then(|b| {
                let tags = b.tags()?;
                let saved = desk::saved_with_counts(&b)?
                    .into_iter()
                    .map(|(s, n)| SavedItem {
                        name: s.name,
                        query: s.query,
                        count: n.map_err(|e| e.to_string()),
                    })
                    .collect();
                Ok((tags, saved))
            }))
        });
    }

    /// Applies the work that finished.
    pub(super) fn poll_desk(&mut self) {
        let mut done = Vec::new();
        self.desk.tasks.retain(|rx| match rx.try_recv() {
            Ok(d) => {
                done.push(d);
                false
            }
            Err(TryRecvError::Empty) => true,
            Err(TryRecvError::Disconnected) => false,
        });
        for d in done {
            self.desk_done(d);
        }
    }

    fn desk_done(&mut self, d: DeskDone) {
        match d {
            DeskDone::Applied {
                action,
                asked,
                changed,
                undoing,
            } => match changed {
                Ok(rowids) => {
                    let mut text = applied_text(&action, rowids.len(), undoing);
                    if rowids.len() < asked {
                        text.push_str(&format!(
                            " ({} of the {} already were)",
                            super::panels::thousands((asked - rowids.len()) as u64),
                            super::panels::thousands(asked as u64)
                        ));
                    }
                    let undo = !undoing && !rowids.is_empty();
                    self.set_status(text, false);
                    if let Some(s) = &mut self.status {
                        s.undo = undo;
                    }
                    self.after_change(&rowids);
                    self.desk.undo = undo.then(|| Undo {
                        action: action.inverse(),
                        rowids,
                    });
                }
                Err(e) => self.set_status(format!("Nothing was changed: {e}"), true),
            },
            DeskDone::Noted(rowid, r) => match r {
                Ok(()) => {
                    self.set_status("Note added.", false);
                    self.desk.note = None;
                    self.after_change(&[rowid]);
                }
                Err(e) => self.set_status(format!("The note was not saved: {e}"), true),
            },
            DeskDone::Refreshed(Ok((tags, saved))) => {
                self.list.tag_colours = super::desk::colour_map(&tags);
                self.desk.tags = tags;
                self.desk.saved.items = saved;
            }
            DeskDone::Refreshed(Err(e)) => {
                self.set_status(format!("Cannot read the saved searches: {e}"), true)
            }
            DeskDone::SavedChanged(r) => {
                match r {
                    Ok(text) => self.set_status(text, false),
                    Err(e) => self.set_status(e.to_string(), true),
                }
                self.refresh_desk();
            }
            DeskDone::Batch(r) => {
                if let Some(b) = &mut self.desk.batch {
                    b.running = false;
                    match r {
                        Ok(rows) => {
                            b.error = None;
                            b.rows = Some(rows);
                        }
                        Err(e) => b.error = Some(e.to_string()),
                    }
                }
            }
            DeskDone::Exported(path, r) => match r {
                Ok(n) => self.set_status(
                    format!(
                        "Annotations of {} {} written to {}.",
                        super::panels::thousands(n as u64),
                        if n == 1 { "message" } else { "messages" },
                        path.display()
                    ),
                    false,
                ),
                Err(e) => self.set_status(format!("Exporting annotations failed: {e}"), true),
            },
            DeskDone::Imported(path, r) => match r {
                Ok(report) => {
                    self.set_status(merge_text(&path, &report), false);
                    self.list.summaries.clear();
                    self.after_change(&[]);
                }
                Err(e) => self.set_status(
                    format!("Nothing was imported from {}: {e}", path.display()),
                    true,
                ),
            },
            DeskDone::BatchWritten(path, r) => match r {
                Ok(()) => self.set_status(format!("Table written to {}.", path.display()), false),
                Err(e) => self.set_status(format!("Writing the table failed: {e}"), true),
            },
            DeskDone::KeysAdded(path, r) => self.keys_added(path, r),
            DeskDone::Evidence(path, r) => match r {
                Ok(s) => self.set_status(
                    format!(
                        "Evidence packet of {} {} written to {} (SHA-256 {}).",
                        s.messages,
                        if s.messages == 1 {
                            "message"
                        } else {
                            "messages"
                        },
                        path.display(),
                        s.sha256
                    ),
                    false,
                ),
                Err(e) => self.set_status(
                    format!("No evidence packet was written to {}: {e}", path.display()),
                    true,
                ),
            },
        }
    }

    /// After annotations changed on `rowids`: their rows, the reading
    /// pane, the tags, the saved counts and the results are read again.
    pub(super) fn after_change(&mut self, rowids: &[u64]) {
        for r in rowids {
            self.list.summaries.remove(r);
        }
        self.desk.shown = None;
        self.desk.stale = true;
        self.request_search(false);
    }

    /// Writes the case's annotations to a file the user picks.
    pub(super) fn export_annotations(&mut self) {
        let Some(root) = self.case_path.clone() else {
            return;
        };
        let Some(path) = self.dialogs.save_file("annotations.jsonl") else {
            return;
        };
        self.desk_task(move || {
            let r = crate::store::Case::open(&root)
                .and_then(|c| desk::export_annotations(&c, &path))
                .map(|f| f.messages.len());
            DeskDone::Exported(path, r)
        });
    }

    /// Merges an annotations file the user picks into the case.
    pub(super) fn import_annotations(&mut self) {
        let Some(root) = self.case_path.clone() else {
            return;
        };
        let Some(path) = self.dialogs.pick_text_file("Import annotations") else {
            return;
        };
        self.desk_task(move || {
            let r = desk::import_annotations(&root, &path);
            DeskDone::Imported(path, r)
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_and_merges_are_said_in_plain_words() {
        let add = TagAction::Add {
            tag: "payments".into(),
            colour: None,
        };
        assert_eq!(
            applied_text(&add, 312, false),
            "Tagged 312 messages 'payments'"
        );
        assert_eq!(
            applied_text(&TagAction::Star, 1, true),
            "Undone: Starred 1 message"
        );
        let r = MergeReport {
            records: 134,
            messages_changed: 100,
            tags_changed: 110,
            notes_added: 10,
            not_in_case: 14,
            ..MergeReport::default()
        };
        assert_eq!(
            merge_text(Path::new("a.jsonl"), &r),
            "Merged 120 annotations on 100 messages from a.jsonl. 14 name messages not in this case."
        );
        assert_eq!(
            super::super::desk::parse_colour("#102030"),
            Some(egui::Color32::from_rgb(16, 32, 48))
        );
        assert_eq!(super::super::desk::parse_colour("red"), None);
    }
}
