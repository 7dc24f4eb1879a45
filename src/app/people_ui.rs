//! The People window (View → People…): every correspondent of the
//! current results, with the names seen for them, their address, messages
//! sent, received (To) and copied (Cc/Bcc), first and last date and top
//! correspondents; a click on a column's title orders by it, the field
//! above filters by name or address, and a click on a person narrows the
//! results to their mail (as sender, recipient or either, as chosen).
//! Above the table: the suggested merges, each with Merge and Dismiss
//! (stored in the case; "Show dismissed" lists them with Suggest again). A
//! right click on a person: rename them, merge other addresses into them,
//! split one of their addresses out (the identity window asks for the
//! name or the addresses). Draws from [`PeopleState`] only.

use egui::RichText;
use egui_extras::{Column, TableBuilder};

use super::Command;
use super::panels::thousands;
use super::people::{IdentityWindow, PeopleColumn, PeopleCommand, PeopleState, Role};
use crate::display::visible;

fn cmd(c: PeopleCommand) -> Command {
    Command::People(c)
}

/// `2016-02-29`, or nothing.
fn day(d: Option<i64>) -> String {
    d.map(|d| crate::time::rfc3339(d).chars().take(10).collect())
        .unwrap_or_default()
}

/// The People window; the filter field edits `state.filter` in place.
pub fn people_window_ui(ctx: &egui::Context, state: &mut PeopleState) -> Vec<Command> {
    let mut out = Vec::new();
    let mut open = true;
    egui::Window::new("People")
        .open(&mut open)
        .default_size([900.0, 560.0])
        .default_pos([160.0, 90.0])
        .resizable(true)
        .show(ctx, |ui| {
            summary_ui(ui, state);
            ui.horizontal(|ui| {
                let label = ui.label("Filter by name");
                if ui
                    .add(
                        egui::TextEdit::singleline(&mut state.filter)
                            .hint_text("name or address")
                            .desired_width(220.0),
                    )
                    .labelled_by(label.id)
                    .changed()
                {
                    out.push(cmd(PeopleCommand::FilterEdited));
                }
                ui.separator();
                ui.label("A click shows their mail:");
                for r in [Role::Either, Role::Sender, Role::Recipient] {
                    if ui.radio(state.role == r, r.label()).clicked() {
                        out.push(cmd(PeopleCommand::SetRole(r)));
                    }
                }
            });
            out.extend(suggestions_ui(ui, state));
            ui.separator();
            out.extend(table_ui(ui, state));
        });
    if !open {
        out.push(cmd(PeopleCommand::ShowPeople(false)));
    }
    if let Some(w) = &mut state.identity {
        out.extend(identity_window_ui(ctx, w));
    }
    out
}

/// The window that renames a person or merges addresses into them.
fn identity_window_ui(ctx: &egui::Context, w: &mut IdentityWindow) -> Vec<Command> {
    let mut out = Vec::new();
    let mut open = true;
    let title = if w.rename {
        "Rename person"
    } else {
        "Merge addresses"
    };
    egui::Window::new(title)
        .open(&mut open)
        .collapsible(false)
        .resizable(false)
        .default_pos([360.0, 200.0])
        .show(ctx, |ui| {
            ui.label(format!("Person: {}", visible(&w.person)));
            let label = ui.label(if w.rename {
                "Name (empty: the names seen in the mail)"
            } else {
                "Addresses to merge into this person (separated by commas)"
            });
            let resp = ui
                .add(egui::TextEdit::singleline(&mut w.text).desired_width(360.0))
                .labelled_by(label.id);
            if ui.memory(|m| m.focused().is_none()) {
                resp.request_focus();
            }
            let enter = resp.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            ui.horizontal(|ui| {
                let ok = w.rename || !w.text.trim().is_empty();
                let label = if w.rename { "Rename" } else { "Merge" };
                if ui.add_enabled(ok, egui::Button::new(label)).clicked() || (enter && ok) {
                    out.push(cmd(PeopleCommand::ApplyIdentity));
                }
                if ui.button("Cancel").clicked() {
                    out.push(cmd(PeopleCommand::CloseIdentity));
                }
            });
        });
    if !open {
        out.push(cmd(PeopleCommand::CloseIdentity));
    }
    out
}

/// "312 people in 1,204 messages of the results · 40 ms", or why not.
pub(super) fn summary_ui(ui: &mut egui::Ui, state: &PeopleState) {
    ui.horizontal(|ui| {
        if state.counting() {
            ui.spinner();
            ui.weak("Counting…");
        }
        if let Some(e) = &state.error {
            ui.colored_label(ui.visuals().error_fg_color, format!("Cannot count: {e}"));
        } else if let Some(d) = &state.data {
            let listed = state.shown.len();
            let all = d.people.len();
            let people = if listed == all {
                format!("{} people", thousands(all as u64))
            } else {
                format!(
                    "{} of {} people",
                    thousands(listed as u64),
                    thousands(all as u64)
                )
            };
            ui.label(format!(
                "{people} in {} messages ({}) · {} ms",
                thousands(d.messages),
                if d.key.query.trim().is_empty() || d.key.query.trim() == "*" {
                    "everything".to_string()
                } else {
                    visible(d.key.query.trim())
                },
                d.elapsed.as_millis()
            ));
        } else if !state.counting() {
            ui.weak("Search first: the people of the results are listed here.");
        }
    });
}

fn table_ui(ui: &mut egui::Ui, state: &PeopleState) -> Vec<Command> {
    let mut out = Vec::new();
    let Some(d) = &state.data else {
        return out;
    };
    let columns = [
        ("Name", Some(PeopleColumn::Name)),
        ("Address", None),
        ("Messages", Some(PeopleColumn::Messages)),
        ("Sent", Some(PeopleColumn::Sent)),
        ("To", Some(PeopleColumn::Received)),
        ("Cc/Bcc", Some(PeopleColumn::Copied)),
        ("First", Some(PeopleColumn::First)),
        ("Last", Some(PeopleColumn::Last)),
        ("Top correspondents", None),
    ];
    TableBuilder::new(ui)
        .id_salt("people-table")
        .striped(true)
        .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
        .column(
            Column::initial(170.0)
                .at_least(80.0)
                .clip(true)
                .resizable(true),
        )
        .column(
            Column::initial(190.0)
                .at_least(80.0)
                .clip(true)
                .resizable(true),
        )
        .column(Column::exact(70.0))
        .column(Column::exact(50.0))
        .column(Column::exact(50.0))
        .column(Column::exact(56.0))
        .column(Column::exact(80.0))
        .column(Column::exact(80.0))
        .column(Column::remainder().at_least(120.0).clip(true))
        .min_scrolled_height(0.0)
        .header(22.0, |mut h| {
            for (title, col) in columns {
                h.col(|ui| match col {
                    Some(c) => {
                        let mark = match state.sort {
                            (s, true) if s == c => " v",
                            (s, false) if s == c => " ^",
                            _ => "",
                        };
                        if ui
                            .button(RichText::new(format!("{title}{mark}")).strong())
                            .on_hover_text(format!("Order by {}", title.to_lowercase()))
                            .clicked()
                        {
                            out.push(cmd(PeopleCommand::SortBy(c)));
                        }
                    }
                    None => {
                        ui.strong(title);
                    }
                });
            }
        })
        .body(|body| {
            body.rows(22.0, state.shown.len(), |mut row| {
                let Some(p) = state.shown.get(row.index()).and_then(|&i| d.people.get(i)) else {
                    return;
                };
                row.col(|ui| {
                    let name = visible(p.best_name().unwrap_or(&p.address));
                    let mut hover =
                        format!("Show their mail ({}) in the results", state.role.label());
                    if !p.names.is_empty() {
                        hover.push_str("\nNames seen: ");
                        hover.push_str(
                            &p.names
                                .iter()
                                .map(|(n, c)| format!("{} ({c})", visible(n)))
                                .collect::<Vec<_>>()
                                .join("; "),
                        );
                    }
                    let link = ui.link(name).on_hover_text(hover);
                    if link.clicked() {
                        out.push(cmd(PeopleCommand::Person(p.addresses.clone())));
                    }
                    link.context_menu(|ui| {
                        if ui.button("Rename…").clicked() {
                            out.push(cmd(PeopleCommand::OpenIdentity(p.address.clone(), true)));
                        }
                        if ui
                            .button("Merge other addresses into this person…")
                            .clicked()
                        {
                            out.push(cmd(PeopleCommand::OpenIdentity(p.address.clone(), false)));
                        }
                        if p.addresses.len() > 1 {
                            for a in &p.addresses {
                                if ui.button(format!("Split {} out", visible(a))).clicked() {
                                    out.push(cmd(PeopleCommand::Split(a.clone())));
                                }
                            }
                        }
                    });
                    if p.names.len() > 1 {
                        ui.weak(format!("+{}", p.names.len() - 1));
                    }
                });
                row.col(|ui| {
                    ui.label(visible(&p.addresses.join(", ")));
                });
                for n in [p.messages, p.sent, p.received, p.copied] {
                    row.col(|ui| {
                        ui.label(thousands(n));
                    });
                }
                row.col(|ui| {
                    ui.label(day(p.first));
                });
                row.col(|ui| {
                    ui.label(day(p.last));
                });
                row.col(|ui| {
                    let text = p
                        .correspondents
                        .iter()
                        .map(|(a, n)| format!("{} ({n})", visible(a)))
                        .collect::<Vec<_>>()
                        .join(", ");
                    ui.label(text);
                });
            });
        });
    out
}

/// The suggested merges, each with Merge and Dismiss; under "Show
/// dismissed", the dismissed ones with "Suggest again".
fn suggestions_ui(ui: &mut egui::Ui, state: &PeopleState) -> Vec<Command> {
    let mut out = Vec::new();
    let suggestions: Vec<_> = state
        .data
        .iter()
        .flat_map(|d| &d.suggestions)
        .filter(|s| !state.dismissed.contains(&s.addresses))
        .collect();
    let dismissed: Vec<_> = state
        .data
        .iter()
        .flat_map(|d| &d.dismissed)
        .filter(|_| state.show_dismissed)
        .collect();
    let any_dismissed = state.data.as_ref().is_some_and(|d| !d.dismissed.is_empty());
    if suggestions.is_empty() && !any_dismissed {
        return out;
    }
    egui::CollapsingHeader::new(format!("Suggested merges ({})", suggestions.len()))
        .id_salt("people-suggestions")
        .default_open(true)
        .show(ui, |ui| {
            if any_dismissed {
                let mut show = state.show_dismissed;
                if ui
                    .checkbox(&mut show, "Show dismissed")
                    .on_hover_text("List the suggestions dismissed, to suggest them again")
                    .changed()
                {
                    out.push(cmd(PeopleCommand::ShowDismissed(show)));
                }
            }
            egui::ScrollArea::vertical()
                .id_salt("people-suggestions-scroll")
                .max_height(120.0)
                .show(ui, |ui| {
                    let busy = state.counting();
                    for s in &suggestions {
                        ui.horizontal(|ui| {
                            if ui
                                .add_enabled(!busy, egui::Button::new("Merge"))
                                .on_hover_text("These addresses are one person")
                                .clicked()
                            {
                                out.push(cmd(PeopleCommand::Merge(s.addresses.clone())));
                            }
                            if ui
                                .button("Dismiss")
                                .on_hover_text("Not one person: stop suggesting this")
                                .clicked()
                            {
                                out.push(cmd(PeopleCommand::Dismiss(s.addresses.clone())));
                            }
                            ui.label(visible(&s.evidence));
                        });
                    }
                    for s in &dismissed {
                        ui.horizontal(|ui| {
                            if ui
                                .add_enabled(!busy, egui::Button::new("Suggest again"))
                                .on_hover_text("Undo the dismissal")
                                .clicked()
                            {
                                out.push(cmd(PeopleCommand::ShowAgain(s.addresses.clone())));
                            }
                            ui.weak(format!("(dismissed) {}", visible(&s.evidence)));
                        });
                    }
                });
        });
    out
}
