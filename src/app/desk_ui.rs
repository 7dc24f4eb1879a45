//! Drawing the desk (issue 15): the tag window (a name, the case's tags
//! offered with their colour, add or remove; star; the confirmation for a
//! whole result set), the "Add note" window (with "Your name"), the tags,
//! star and notes of the message being read, the bar over the list
//! ("Tag/star all N results…"), the stroke that marks the active pane,
//! and the desk's menu entries (File → Export / Import annotations…, the
//! Search menu). Each function draws what it is given and returns commands.

use egui::{Color32, RichText};

use super::Command;
use super::desk::{DeskCommand, DeskState, NoteWindow, Pane, TagWindow, matching_tags};
use crate::annotate::Annotations;
use crate::desk::TagAction;
use crate::store::TagInfo;

fn desk(c: DeskCommand) -> Command {
    Command::Desk(c)
}

/// A tag as a chip: a coloured dot and the name.
fn chip(ui: &mut egui::Ui, name: &str, colour: Color32) {
    ui.label(RichText::new("●").color(colour));
    ui.label(crate::display::visible(name));
}

/// The tag window: what it applies to, the name (the case's tags offered,
/// a click fills it in), Add / Remove, Star / Unstar; for a result set
/// the confirmation stating the count.
pub fn tag_window_ui(ctx: &egui::Context, w: &mut TagWindow, tags: &[TagInfo]) -> Vec<Command> {
    let mut out = Vec::new();
    let mut open = true;
    egui::Window::new("Tags and star")
        .anchor(egui::Align2::CENTER_TOP, [0.0, 120.0])
        .open(&mut open)
        .collapsible(false)
        .resizable(false)
        .show(ctx, |ui| {
            if let Some(action) = &w.confirm {
                let n = super::panels::thousands(w.targets.count() as u64);
                let what = w.targets.describe();
                let (question, yes) = match action {
                    TagAction::Add { tag, .. } => (
                        format!("Tag {what} with '{tag}'?"),
                        format!("Tag {n} messages"),
                    ),
                    TagAction::Remove(tag) => (
                        format!("Remove the tag '{tag}' from {what}?"),
                        format!("Untag {n} messages"),
                    ),
                    TagAction::Star => (format!("Star {what}?"), format!("Star {n} messages")),
                    TagAction::Unstar => {
                        (format!("Unstar {what}?"), format!("Unstar {n} messages"))
                    }
                };
                ui.label(question);
                ui.weak("Undo (Ctrl+Z or the status line) reverses exactly the messages changed.");
                ui.horizontal(|ui| {
                    if ui.button(yes).clicked() {
                        out.push(desk(DeskCommand::Confirm(true)));
                    }
                    if ui.button("Cancel").clicked() {
                        out.push(desk(DeskCommand::Confirm(false)));
                    }
                });
                return;
            }
            ui.label(format!("For {}.", w.targets.describe()));
            let enter = super::sidebar::name_field(ui, "Tag name", &mut w.name);
            let name = w.name.trim().to_string();
            ui.horizontal(|ui| {
                let ok = !name.is_empty();
                if ui.add_enabled(ok, egui::Button::new("Add tag")).clicked() || (enter && ok) {
                    out.push(desk(DeskCommand::Apply(TagAction::Add {
                        tag: name.clone(),
                        colour: None,
                    })));
                }
                if ui
                    .add_enabled(ok, egui::Button::new("Remove tag"))
                    .clicked()
                {
                    out.push(desk(DeskCommand::Apply(TagAction::Remove(name.clone()))));
                }
                ui.separator();
                if ui.button("★ Star").clicked() {
                    out.push(desk(DeskCommand::Apply(TagAction::Star)));
                }
                if ui.button("☆ Unstar").clicked() {
                    out.push(desk(DeskCommand::Apply(TagAction::Unstar)));
                }
            });
            let offered = matching_tags(tags, &w.name);
            if !offered.is_empty() {
                ui.weak("Tags in this case (click to use):");
                egui::ScrollArea::vertical()
                    .max_height(160.0)
                    .show(ui, |ui| {
                        for t in offered {
                            ui.horizontal(|ui| {
                                let c =
                                    super::desk::parse_colour(&t.colour).unwrap_or(Color32::GRAY);
                                ui.label(RichText::new("●").color(c));
                                if ui
                                    .selectable_label(false, crate::display::visible(&t.name))
                                    .clicked()
                                {
                                    w.name = t.name.clone();
                                }
                                ui.weak(format!("{} messages", t.messages));
                            });
                        }
                    });
            }
        });
    if !open {
        out.push(desk(DeskCommand::CloseTags));
    }
    out
}

/// The "Add note" window: the note, your name (remembered), Save / Cancel.
pub fn note_window_ui(ctx: &egui::Context, n: &mut NoteWindow, author: &str) -> Vec<Command> {
    let mut out = Vec::new();
    let mut open = true;
    egui::Window::new("Add note")
        .anchor(egui::Align2::CENTER_TOP, [0.0, 120.0])
        .open(&mut open)
        .collapsible(false)
        .resizable(true)
        .show(ctx, |ui| {
            ui.label(format!("On: {}", n.subject));
            let label = ui.label("Note");
            let resp = ui
                .add(
                    egui::TextEdit::multiline(&mut n.text)
                        .desired_rows(5)
                        .desired_width(420.0),
                )
                .labelled_by(label.id);
            if ui.memory(|m| m.focused().is_none()) {
                resp.request_focus();
            }
            let mut name = author.to_string();
            let changed = ui
                .horizontal(|ui| {
                    let l = ui.label("Your name");
                    ui.add(egui::TextEdit::singleline(&mut name).desired_width(200.0))
                        .labelled_by(l.id)
                        .on_hover_text("Signed on your notes and changes; remembered")
                        .changed()
                })
                .inner;
            if changed {
                out.push(desk(DeskCommand::SetAuthor(name)));
            }
            ui.horizontal(|ui| {
                let ok = !n.text.trim().is_empty();
                if ui.add_enabled(ok, egui::Button::new("Save note")).clicked() {
                    out.push(desk(DeskCommand::SaveNote));
                }
                if ui.button("Cancel").clicked() {
                    out.push(desk(DeskCommand::CloseNote));
                }
            });
        });
    if !open {
        out.push(desk(DeskCommand::CloseNote));
    }
    out
}

/// The message being read: its star (a click toggles), its tags (each
/// with a × that removes it), "Tag…", its notes and "Add note…".
pub fn reading_marks_ui(ui: &mut egui::Ui, a: &Annotations, d: &DeskState) -> Vec<Command> {
    let mut out = Vec::new();
    ui.horizontal_wrapped(|ui| {
        let (star, action, hint) = if a.starred {
            ("★ Starred", TagAction::Unstar, "Unstar (s)")
        } else {
            ("☆ Star", TagAction::Star, "Star (s)")
        };
        if ui.button(star).on_hover_text(hint).clicked() {
            out.push(desk(DeskCommand::ApplyToReading(action)));
        }
        for t in &a.tags {
            chip(ui, t, d.colour_of(t));
            if ui
                .small_button("×")
                .on_hover_text(format!("Remove the tag '{t}'"))
                .clicked()
            {
                out.push(desk(DeskCommand::ApplyToReading(TagAction::Remove(
                    t.clone(),
                ))));
            }
        }
        if ui
            .button("Tag…")
            .on_hover_text("Add or remove tags (t)")
            .clicked()
        {
            out.push(desk(DeskCommand::SetPane(Pane::Reading)));
            out.push(desk(DeskCommand::OpenTags));
        }
        if ui.button("Add note…").clicked() {
            out.push(desk(DeskCommand::SetPane(Pane::Reading)));
            out.push(desk(DeskCommand::OpenNote));
        }
    });
    for n in &a.notes {
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.weak(format!(
                "{} · {}",
                crate::display::visible(&n.author),
                crate::annotate::time_text(n.time_ms)
                    .chars()
                    .take(16)
                    .collect::<String>()
                    .replace('T', " ")
            ));
            ui.add(egui::Label::new(crate::display::visible_text(&n.text)).wrap());
        });
    }
    out
}

/// The bar over the list: "Tag/star all N results…", and for marked
/// rows "Tag/star N marked…".
pub fn list_bar_ui(ui: &mut egui::Ui, hits: usize, marked: usize) -> Vec<Command> {
    let mut out = Vec::new();
    if hits == 0 {
        return out;
    }
    ui.horizontal(|ui| {
        if ui
            .small_button(format!(
                "Tag/star all {} results…",
                super::panels::thousands(hits as u64)
            ))
            .on_hover_text("Tag, untag, star or unstar every message of these results")
            .clicked()
        {
            out.push(desk(DeskCommand::OpenTagAll));
        }
        if marked > 0
            && ui
                .small_button(format!("Tag/star {marked} marked… (t)"))
                .clicked()
        {
            out.push(desk(DeskCommand::SetPane(Pane::List)));
            out.push(desk(DeskCommand::OpenTags));
        }
        ui.weak("s star · t tag · n note");
    });
    out
}

/// Marks `ui`'s panel as the active one (a thin stroke in the selection
/// colour) and reports a press inside it as making it active.
pub fn pane_frame(ui: &mut egui::Ui, pane: Pane, active: Pane) -> Option<Command> {
    let rect = ui.max_rect();
    if pane == active {
        let stroke = egui::Stroke::new(1.5, ui.visuals().selection.bg_fill);
        ui.painter()
            .rect_stroke(rect, 2.0, stroke, egui::StrokeKind::Inside);
    }
    // A press inside the panel, not on a window above it.
    let layer = ui.layer_id();
    let pressed = ui
        .input(|i| {
            i.pointer
                .press_origin()
                .filter(|p| i.pointer.primary_pressed() && rect.contains(*p))
        })
        .is_some_and(|p| ui.ctx().layer_id_at(p) == Some(layer));
    (pressed && pane != active).then_some(desk(DeskCommand::SetPane(pane)))
}

/// File → Export annotations… / Import annotations….
pub fn annotations_menu_items(ui: &mut egui::Ui, has_case: bool) -> Vec<Command> {
    let mut out = Vec::new();
    if ui
        .add_enabled(has_case, egui::Button::new("Export annotations…"))
        .on_hover_text("Tags, stars, notes and saved searches, as a file a colleague can import")
        .clicked()
    {
        out.push(Command::Desk(DeskCommand::ExportAnnotations));
    }
    if ui
        .add_enabled(has_case, egui::Button::new("Import annotations…"))
        .on_hover_text("Merge a colleague's annotations file into this case")
        .clicked()
    {
        out.push(Command::Desk(DeskCommand::ImportAnnotations));
    }
    if ui
        .add_enabled(has_case, egui::Button::new("Add DKIM keys…"))
        .on_hover_text(
            "Public keys (DNS zone lines or DKIM Archive JSON) to verify old signatures with, offline",
        )
        .clicked()
    {
        out.push(Command::AddDkimKeys);
    }
    if ui
        .add_enabled(has_case, egui::Button::new("Export evidence packet…"))
        .on_hover_text(
            "The marked rows (else the results) as a zip: original bytes, PDFs, DKIM keys, \
             a manifest of SHA-256s and how to check them",
        )
        .clicked()
    {
        out.push(Command::ExportEvidence);
    }
    out
}

/// The Search menu: Batch search…, Recent searches.
pub fn search_menu_ui(ui: &mut egui::Ui, has_case: bool) -> Vec<Command> {
    let mut out = Vec::new();
    ui.menu_button("Search", |ui| {
        if ui
            .add_enabled(has_case, egui::Button::new("Batch search…"))
            .on_hover_text("Many searches at once: one a line, with a table of counts")
            .clicked()
        {
            out.push(Command::Desk(DeskCommand::ShowBatch(true)));
        }
        if ui
            .add_enabled(has_case, egui::Button::new("Recent searches (Ctrl+H)"))
            .clicked()
        {
            out.push(Command::Desk(DeskCommand::ToggleHistory));
        }
    });
    out
}
