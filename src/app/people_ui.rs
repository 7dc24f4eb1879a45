//! The People window (View → People…): every correspondent of the
//! current results, with the names seen for them, their address, messages
//! sent, received (To) and copied (Cc/Bcc), first and last date and top
//! correspondents; a click on a column's title orders by it, the field
//! above filters by name or address, and a click on a person narrows the
//! results to their mail (as sender, recipient or either, as chosen).
//! Below: the suggested merges. Draws from [`PeopleState`] only.

use egui::RichText;
use egui_extras::{Column, TableBuilder};

use super::Command;
use super::panels::thousands;
use super::people::{PeopleColumn, PeopleCommand, PeopleState, Role};
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
            if let Some(d) = &state.data
                && !d.suggestions.is_empty()
            {
                egui::CollapsingHeader::new(format!("Suggested merges ({})", d.suggestions.len()))
                    .id_salt("people-suggestions")
                    .show(ui, |ui| {
                        egui::ScrollArea::vertical()
                            .id_salt("people-suggestions-scroll")
                            .max_height(120.0)
                            .show(ui, |ui| {
                                for s in &d.suggestions {
                                    ui.label(visible(&s.evidence));
                                }
                            });
                    });
            }
            ui.separator();
            out.extend(table_ui(ui, state));
        });
    if !open {
        out.push(cmd(PeopleCommand::ShowPeople(false)));
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
                    if ui.link(name).on_hover_text(hover).clicked() {
                        out.push(cmd(PeopleCommand::Person(vec![p.address.clone()])));
                    }
                    if p.names.len() > 1 {
                        ui.weak(format!("+{}", p.names.len() - 1));
                    }
                });
                row.col(|ui| {
                    ui.label(visible(&p.address));
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
