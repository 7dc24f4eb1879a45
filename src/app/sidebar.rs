//! Saved searches and the history of queries (issue 15): the collapsible
//! "Saved searches" section of the left panel (each with its current hit
//! count, computed off the window's thread; a click runs it; right-click
//! renames or deletes it, deleting after a confirmation), the "Save this
//! search" window, and the history popup under the search box (Ctrl+H;
//! the last [`HISTORY_MAX`](super::desk::HISTORY_MAX) queries, kept with
//! the settings for every case). Saved searches are stored in the case,
//! through [`crate::desk`], on a desk thread.

use egui::RichText;

use super::MailsiftApp;
use super::desk::{DeskCommand, DeskDone, SavedState};
use super::panels::thousands;
use super::{Command, SearchState};
use crate::desk;

/// The "Saved searches" section: each search with its count; a click
/// runs it, right-click renames or deletes it.
pub fn saved_searches_ui(ui: &mut egui::Ui, saved: &SavedState) -> Vec<Command> {
    let mut out = Vec::new();
    egui::CollapsingHeader::new(RichText::new("Saved searches").strong())
        .id_salt("saved-searches")
        .default_open(true)
        .show(ui, |ui| {
            if saved.items.is_empty() {
                ui.weak(
                    "None yet: \"Save this search…\" beside the search box keeps a query here.",
                );
            }
            for s in &saved.items {
                let count = match &s.count {
                    Ok(n) => thousands(*n as u64),
                    Err(_) => "error".into(),
                };
                let resp = ui
                    .add(
                        egui::Button::new(format!(
                            "{} ({count})",
                            crate::display::visible(&s.name)
                        ))
                        .frame(false)
                        .truncate(),
                    )
                    .on_hover_text(match &s.count {
                        Ok(_) => format!("{}\nRight-click to rename or delete", s.query),
                        Err(e) => format!("{}\n{e}", s.query),
                    });
                if resp.clicked() {
                    out.push(Command::Desk(DeskCommand::RunQuery(s.query.clone())));
                }
                resp.context_menu(|ui| {
                    if ui.button("Rename…").clicked() {
                        out.push(Command::Desk(DeskCommand::ShowRename(Some(s.name.clone()))));
                    }
                    if ui.button("Delete…").clicked() {
                        out.push(Command::Desk(DeskCommand::AskDelete(Some(s.name.clone()))));
                    }
                });
            }
        });
    out
}

/// The windows of saved searches: save the current query under a name,
/// rename one, confirm a deletion.
pub fn saved_windows_ui(ctx: &egui::Context, saved: &mut SavedState, query: &str) -> Vec<Command> {
    let mut out = Vec::new();
    if let Some(name) = &mut saved.save_name {
        let mut open = true;
        egui::Window::new("Save this search")
            .anchor(egui::Align2::CENTER_TOP, [0.0, 120.0])
            .open(&mut open)
            .collapsible(false)
            .resizable(false)
            .show(ctx, |ui| {
                ui.label(format!("Query: {}", crate::display::visible(query)));
                let enter = name_field(ui, "Name of the search", name);
                ui.horizontal(|ui| {
                    if ui.button("Save").clicked() || enter {
                        out.push(Command::Desk(DeskCommand::SaveSearch));
                    }
                    if ui.button("Cancel").clicked() {
                        out.push(Command::Desk(DeskCommand::ShowSaveSearch(false)));
                    }
                });
            });
        if !open {
            out.push(Command::Desk(DeskCommand::ShowSaveSearch(false)));
        }
    }
    if let Some((old, new)) = &mut saved.rename {
        let mut open = true;
        egui::Window::new("Rename the saved search")
            .anchor(egui::Align2::CENTER_TOP, [0.0, 120.0])
            .open(&mut open)
            .collapsible(false)
            .resizable(false)
            .show(ctx, |ui| {
                ui.label(format!("Now: {}", crate::display::visible(old)));
                let enter = name_field(ui, "New name", new);
                ui.horizontal(|ui| {
                    if ui.button("Rename").clicked() || enter {
                        out.push(Command::Desk(DeskCommand::Rename));
                    }
                    if ui.button("Cancel").clicked() {
                        out.push(Command::Desk(DeskCommand::ShowRename(None)));
                    }
                });
            });
        if !open {
            out.push(Command::Desk(DeskCommand::ShowRename(None)));
        }
    }
    if let Some(name) = &saved.delete {
        egui::Window::new("Delete the saved search?")
            .anchor(egui::Align2::CENTER_TOP, [0.0, 120.0])
            .collapsible(false)
            .resizable(false)
            .show(ctx, |ui| {
                ui.label(format!(
                    "Delete the saved search \"{}\"? The messages are not touched.",
                    crate::display::visible(name)
                ));
                ui.horizontal(|ui| {
                    if ui.button("Delete").clicked() {
                        out.push(Command::Desk(DeskCommand::Delete));
                    }
                    if ui.button("Cancel").clicked() {
                        out.push(Command::Desk(DeskCommand::AskDelete(None)));
                    }
                });
            });
    }
    out
}

/// A labelled one-line field that takes the focus when it appears;
/// returns whether Enter was pressed in it.
pub(super) fn name_field(ui: &mut egui::Ui, label: &str, text: &mut String) -> bool {
    let resp = ui
        .horizontal(|ui| {
            let l = ui.label(label);
            ui.add(egui::TextEdit::singleline(text).desired_width(260.0))
                .labelled_by(l.id)
        })
        .inner;
    if !resp.has_focus() && ui.memory(|m| m.focused().is_none()) {
        resp.request_focus();
    }
    resp.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter))
}

/// The history under the search box (Ctrl+H): recent queries, the one
/// `picked` highlighted; Up / Down move, Enter runs, a click runs.
pub fn history_ui(
    anchor: &egui::Response,
    history: &[String],
    picked: Option<usize>,
) -> Vec<Command> {
    let mut out = Vec::new();
    egui::Popup::from_response(anchor)
        .id(egui::Id::unique("mailsift-history"))
        .open(picked.is_some())
        .close_behavior(egui::PopupCloseBehavior::IgnoreClicks)
        .show(|ui| {
            ui.set_min_width(anchor.rect.width());
            if history.is_empty() {
                ui.weak("No searches yet.");
            }
            ui.weak("Recent searches · Up / Down, Enter · Escape closes");
            for (i, q) in history.iter().enumerate() {
                if ui
                    .selectable_label(picked == Some(i), crate::display::visible(q))
                    .clicked()
                {
                    out.push(Command::Desk(DeskCommand::PickHistory(Some(i))));
                }
            }
        });
    out
}

/// "Save this search…" beside the search box.
pub fn save_search_button(ui: &mut egui::Ui, search: &SearchState) -> Vec<Command> {
    let mut out = Vec::new();
    if ui
        .add_enabled(
            search.is_selective(),
            egui::Button::new("Save this search…"),
        )
        .on_hover_text("Keep this query in the sidebar, with its current count")
        .clicked()
    {
        out.push(Command::Desk(DeskCommand::ShowSaveSearch(true)));
    }
    if ui
        .button("⏷")
        .on_hover_text("Recent searches (Ctrl+H)")
        .clicked()
    {
        out.push(Command::Desk(DeskCommand::ToggleHistory));
    }
    out
}

impl MailsiftApp {
    /// The saved searches' commands.
    pub(super) fn apply_saved(&mut self, cmd: DeskCommand) {
        let Some(root) = self.case_path.clone() else {
            return;
        };
        let saved = &mut self.desk.saved;
        match cmd {
            DeskCommand::ShowSaveSearch(show) => {
                saved.save_name = show.then(String::new);
            }
            DeskCommand::SaveSearch => {
                let Some(name) = saved.save_name.take() else {
                    return;
                };
                let query = self.search.query.trim().to_string();
                self.desk_task(move || {
                    DeskDone::SavedChanged(
                        desk::save_search(&root, &name, &query)
                            .map(|()| format!("Saved the search \"{}\".", name.trim())),
                    )
                });
            }
            DeskCommand::ShowRename(which) => {
                saved.rename = which.map(|n| (n.clone(), n));
            }
            DeskCommand::Rename => {
                let Some((old, new)) = saved.rename.take() else {
                    return;
                };
                self.desk_task(move || {
                    DeskDone::SavedChanged(
                        desk::rename_saved_search(&root, &old, &new)
                            .map(|()| format!("Renamed \"{old}\" to \"{}\".", new.trim())),
                    )
                });
            }
            DeskCommand::AskDelete(which) => saved.delete = which,
            DeskCommand::Delete => {
                let Some(name) = saved.delete.take() else {
                    return;
                };
                self.desk_task(move || {
                    DeskDone::SavedChanged(
                        desk::remove_saved_search(&root, &name)
                            .map(|()| format!("Deleted the saved search \"{name}\".")),
                    )
                });
            }
            _ => {}
        }
    }
}
