//! The window's panels other than the list, the reading pane and the
//! import report: menu, empty state, search bar, facets and timeline,
//! progress/status line, export and query-help windows. Each `*_ui`
//! function draws the sub-states it is given and returns the [`Command`]s
//! the user asked for; none reads or changes the case.

use egui::RichText;

use super::{
    BodyFont, Command, ExportState, ImportState, ListState, SearchState, Settings, Status,
    ThemeChoice,
};
use crate::display::visible;
use crate::export::Format;
use crate::jobs::{FacetCounts, SearchOutcome};

/// Id of the search box (focused by Ctrl+F and `/`).
pub fn search_id() -> egui::Id {
    egui::Id::unique("mailsift-search-box")
}

/// `1234567` → `1,234,567`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn duration(d: std::time::Duration) -> String {
    let s = d.as_secs();
    if s >= 3600 {
        format!("{}h{:02}m", s / 3600, (s % 3600) / 60)
    } else if s >= 60 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}

/// The time left of an import, in words: "about 2m10s left" (rounded
/// up, so never "0s" while bytes are left), "under a second left", or,
/// once every byte is read, that the index and threads are being written.
fn eta_text(p: &crate::pipeline::Progress) -> String {
    if p.bytes_total > 0 && p.bytes_read >= p.bytes_total {
        return " · all read; writing the index and threads".to_owned();
    }
    match p.eta() {
        Some(d) if d.as_secs_f64() < 1.0 => " · under a second left".to_owned(),
        Some(d) => format!(
            " · about {} left",
            duration(std::time::Duration::from_secs(d.as_secs_f64().ceil() as u64))
        ),
        None => String::new(),
    }
}

/// What the menu bar needs to know of the open case.
#[derive(Clone, Copy, Debug)]
pub struct OpenCase<'a> {
    /// The case folder.
    pub path: &'a std::path::Path,
    /// Its name, if it has one.
    pub name: Option<&'a str>,
    /// A message is open in the reading pane (it can be printed).
    pub reading: bool,
}

/// The menu bar.
pub fn menu_ui(
    ui: &mut egui::Ui,
    settings: &Settings,
    open: Option<OpenCase<'_>>,
    import: &ImportState,
    search: &SearchState,
    list: &ListState,
) -> Vec<Command> {
    let case = open.map(|o| o.path);
    let case_name = open.and_then(|o| o.name);
    let reading_open = open.is_some_and(|o| o.reading);
    let mut out = Vec::new();
    let prefs = &settings.persisted;
    egui::MenuBar::new().ui(ui, |ui| {
        ui.menu_button("File", |ui| {
            if ui.button("Open mailbox file…").clicked() {
                out.push(Command::OpenFile);
            }
            if ui.button("Open folder…").clicked() {
                out.push(Command::OpenFolder);
            }
            if ui.button("Open case…").clicked() {
                out.push(Command::OpenCase);
            }
            let can_add = case.is_some() && import.running.is_none();
            if ui
                .add_enabled(can_add, egui::Button::new("Add mailbox file to this case…"))
                .on_hover_text(
                    "Import another mbox, mbox.gz, .eml or archive (zip, tar) into the open case",
                )
                .clicked()
            {
                out.push(Command::AddFile);
            }
            if ui
                .add_enabled(can_add, egui::Button::new("Add folder to this case…"))
                .on_hover_text("Import another folder into the open case")
                .clicked()
            {
                out.push(Command::AddFolder);
            }
            if ui
                .button("Where new cases are kept…")
                .on_hover_text(format!("Now: {}", settings.cases_dir().display()))
                .clicked()
            {
                out.push(Command::ChooseCasesFolder);
            }
            if ui
                .add_enabled(case.is_some(), egui::Button::new("Rename this case…"))
                .on_hover_text("A name for the case, kept in the case folder")
                .clicked()
            {
                out.push(Command::ShowRename(true));
            }
            if !settings.persisted.recent_cases.is_empty() {
                ui.menu_button("Recent cases", |ui| {
                    for c in &settings.persisted.recent_cases {
                        if ui.button(c.display().to_string()).clicked() {
                            out.push(Command::OpenPath(c.clone()));
                        }
                    }
                });
            }
            ui.separator();
            if ui
                .add_enabled(
                    reading_open,
                    egui::Button::new("Print / Save as PDF…").shortcut_text("Ctrl+P"),
                )
                .on_hover_text("The message being read, as a PDF to read, print or send")
                .clicked()
            {
                out.push(Command::Print {
                    whole_thread: false,
                });
            }
            out.extend(super::desk_ui::annotations_menu_items(ui, case.is_some()));
            ui.separator();
            let can_export = search.results.as_ref().is_some_and(|r| !r.hits.is_empty());
            if ui
                .add_enabled(can_export, egui::Button::new("Export results…"))
                .clicked()
            {
                out.push(Command::ShowExport(true));
            }
            if ui
                .add_enabled(
                    import.last_report.is_some() || import.details.is_some(),
                    egui::Button::new("Import report"),
                )
                .clicked()
            {
                out.push(Command::ShowReport(true));
            }
            ui.separator();
            if ui.button("Quit").clicked() {
                out.push(Command::Quit);
            }
        });
        out.extend(super::desk_ui::search_menu_ui(ui, case.is_some()));
        ui.menu_button("View", |ui| {
            let label = if list.thread_view {
                "Show messages (flat list)"
            } else {
                "Show threads"
            };
            if ui.button(label).clicked() {
                out.push(Command::ToggleThreadView);
            }
            if ui
                .checkbox(&mut list.show_snippets.clone(), "Snippets under results")
                .on_hover_text("A line of where the search matched, under each result")
                .clicked()
            {
                out.push(Command::ToggleSnippets);
            }
            if ui
                .add_enabled(case.is_some(), egui::Button::new("People…"))
                .on_hover_text("Everyone in the results: sent, received, copied, dates")
                .clicked()
            {
                out.push(Command::People(super::people::PeopleCommand::ShowPeople(
                    true,
                )));
            }
            if ui
                .add_enabled(case.is_some(), egui::Button::new("Communication graph…"))
                .on_hover_text("Who wrote to whom in the results, drawn as a graph")
                .clicked()
            {
                out.push(Command::People(super::people::PeopleCommand::ShowGraph(
                    true,
                )));
            }
            if ui.button("Help (F1)").clicked() {
                out.push(Command::ToggleHelp);
            }
            ui.separator();
            ui.menu_button("Text size", |ui| {
                for (label, step) in [
                    ("Larger (Ctrl+plus)", Some(super::ZOOM_STEP)),
                    ("Smaller (Ctrl+minus)", Some(1.0 / super::ZOOM_STEP)),
                    ("Normal (Ctrl+0)", None),
                ] {
                    if ui.button(label).clicked() {
                        out.push(Command::Zoom(step));
                    }
                }
            });
            ui.menu_button("Colours", |ui| {
                for (label, t) in [
                    ("As the system", ThemeChoice::System),
                    ("Light", ThemeChoice::Light),
                    ("Dark", ThemeChoice::Dark),
                ] {
                    if ui.radio(prefs.theme == t, label).clicked() {
                        out.push(Command::SetTheme(t));
                    }
                }
            });
            ui.menu_button("Message font", |ui| {
                for (label, f) in [
                    (
                        "Automatic (monospace for patches and tables)",
                        BodyFont::Automatic,
                    ),
                    ("Proportional", BodyFont::Proportional),
                    ("Monospace", BodyFont::Monospace),
                ] {
                    if ui.radio(prefs.body_font == f, label).clicked() {
                        out.push(Command::SetBodyFont(f));
                    }
                }
            });
        });
        if let Some(case) = case {
            ui.separator();
            ui.weak(format!(
                "Case: {}",
                case_name.map_or_else(|| case.display().to_string(), visible)
            ))
            .on_hover_text(case.display().to_string());
        }
    });
    out
}

/// The first screen: what a case is, big open buttons, the bundled sample
/// (when this installation has one) and recent cases.
pub fn empty_state_ui(
    ui: &mut egui::Ui,
    recent: &[(std::path::PathBuf, Option<crate::store::CaseSummary>)],
    sample: Option<&std::path::Path>,
    data_dir: &std::path::Path,
) -> Vec<Command> {
    let mut out = Vec::new();
    ui.vertical_centered(|ui| {
        ui.add_space(ui.available_height() * 0.12);
        ui.heading(RichText::new("mailsift").size(32.0));
        ui.label("Import, thread, search and export email collections. Sources are only read, never changed; nothing is fetched from the network.");
        ui.label(format!(
            "Opening mail makes a case: mailsift's own searchable copy of it, kept in {}.",
            data_dir.join("cases").display()
        ));
        ui.add_space(24.0);
        let size = egui::vec2(300.0, 44.0);
        let mut buttons = vec![
            ("Open mailbox file…", "an mbox, mbox.gz, .eml or .emlx file, or a zip / tar archive".to_string(), Command::OpenFile),
            ("Open folder…", "a folder of .eml files, a maildir, mboxes".to_string(), Command::OpenFolder),
            ("Open case…", "a case folder made by mailsift before".to_string(), Command::OpenCase),
        ];
        if let Some(s) = sample {
            buttons.push((
                "Try the sample collection",
                format!("a few hundred messages shipped with mailsift, in {}", s.display()),
                Command::OpenPath(s.to_path_buf()),
            ));
        }
        for (label, hint, cmd) in buttons {
            if ui
                .add_sized(size, egui::Button::new(RichText::new(label).size(18.0)))
                .on_hover_text(hint)
                .clicked()
            {
                out.push(cmd);
            }
            ui.add_space(6.0);
        }
        if !recent.is_empty() {
            ui.add_space(20.0);
            ui.strong("Recent cases");
            egui::Grid::new("recent-cases").striped(true).show(ui, |ui| {
                for (path, info) in recent {
                    let Some(info) = info else {
                        ui.weak(path.display().to_string());
                        ui.weak("(no longer there)");
                        ui.end_row();
                        continue;
                    };
                    if ui
                        .link(visible(&info.name))
                        .on_hover_text(path.display().to_string())
                        .clicked()
                    {
                        out.push(Command::OpenPath(path.clone()));
                    }
                    let when = info
                        .modified
                        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                        .map(|d| format!(" · changed {} UTC", super::list::short_date(Some(d.as_secs() as i64))))
                        .unwrap_or_default();
                    ui.weak(format!("{:.1} MB{when}", info.size as f64 / 1e6));
                    ui.end_row();
                }
            });
        }
    });
    out
}

/// The window that renames the open case: the name (its text field is
/// named "Case name"), Save (or Enter) and Cancel (or Escape).
pub fn rename_ui(ctx: &egui::Context, text: &mut String) -> Vec<Command> {
    let mut out = Vec::new();
    let mut open = true;
    egui::Window::new("Rename the case")
        .open(&mut open)
        .collapsible(false)
        .resizable(false)
        .show(ctx, |ui| {
            ui.label("A name for this case, shown in the window and among recent cases.");
            let resp = ui
                .horizontal(|ui| {
                    let label = ui.label("Case name");
                    ui.add(
                        egui::TextEdit::singleline(text)
                            .desired_width(300.0)
                            .char_limit(crate::store::CASE_NAME_MAX),
                    )
                    .labelled_by(label.id)
                })
                .inner;
            let enter = resp.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            ui.horizontal(|ui| {
                if ui.button("Save").clicked() || enter {
                    out.push(Command::RenameCase(text.clone()));
                }
                if ui.button("Cancel").clicked() {
                    out.push(Command::ShowRename(false));
                }
            });
            ui.weak("Empty: back to the name of the case's folder.");
        });
    if !open {
        out.push(Command::ShowRename(false));
    }
    out
}

/// The status line: import/export progress with Cancel, or the last message.
pub fn progress_ui(
    ui: &mut egui::Ui,
    import: &ImportState,
    export: &ExportState,
    status: Option<&Status>,
) -> Vec<Command> {
    let mut out = Vec::new();
    ui.horizontal(|ui| {
        if let Some(imp) = &import.running {
            let (frac, text) = match &imp.progress {
                Some(p) if p.indexing.is_some() => {
                    let (done, total) = p.indexing.unwrap_or_default();
                    (
                        done as f32 / total.max(1) as f32,
                        format!(
                            "Rebuilding the search index (finding patterns in the text): \
                             {} of {} messages",
                            thousands(done),
                            thousands(total)
                        ),
                    )
                }
                Some(p) => {
                    let frac = if p.bytes_total > 0 {
                        p.bytes_read as f32 / p.bytes_total as f32
                    } else {
                        0.0
                    };
                    let eta = eta_text(p);
                    (
                        frac,
                        format!(
                            "Importing: {} messages · {:.0} messages/s{eta}",
                            thousands(p.messages),
                            p.messages_per_sec()
                        ),
                    )
                }
                None => (0.0, "Importing: starting…".to_string()),
            };
            ui.add(
                egui::ProgressBar::new(frac)
                    .desired_width(220.0)
                    .show_percentage(),
            );
            ui.label(text);
            let cancel = if imp.cancelling { "Cancelling…" } else { "Cancel import" };
            if ui
                .add_enabled(!imp.cancelling, egui::Button::new(cancel))
                .clicked()
            {
                out.push(Command::CancelImport);
            }
            ui.separator();
        }
        if let Some((done, total)) = export.progress {
            let frac = if total > 0 { done as f32 / total as f32 } else { 0.0 };
            ui.add(egui::ProgressBar::new(frac).desired_width(160.0));
            ui.label(format!("Exporting {} / {}", thousands(done), thousands(total)));
            if ui.button("Cancel export").clicked() {
                out.push(Command::CancelExport);
            }
            ui.separator();
        }
        if let Some(s) = status {
            let color = if s.error {
                ui.visuals().error_fg_color
            } else {
                ui.visuals().text_color()
            };
            ui.colored_label(color, &s.text);
            if s.report_link && ui.link("Import report…").clicked() {
                out.push(Command::ShowReport(true));
            }
            if s.undo
                && ui
                    .link("Undo")
                    .on_hover_text("Reverse this change on exactly these messages (Ctrl+Z)")
                    .clicked()
            {
                out.push(Command::Desk(super::desk::DeskCommand::Undo));
            }
            if ui.small_button("×").on_hover_text("Dismiss").clicked() {
                out.push(Command::DismissStatus);
            }
        } else if import.running.is_none() && export.progress.is_none() {
            ui.weak("Up/Down or j/k move · Enter opens · Ctrl+F or / search · Ctrl+click marks rows · s star · t tag · n note · F1 help");
        }
    });
    out
}

/// The search bar: query box, hit count and time, help, thread toggle, and
/// query errors under it.
pub fn search_bar_ui(
    ui: &mut egui::Ui,
    search: &mut SearchState,
    list: &ListState,
    import: &ImportState,
    history: (&[String], Option<usize>),
) -> Vec<Command> {
    let mut out = Vec::new();
    let focus = std::mem::take(&mut search.focus);
    ui.add_space(4.0);
    ui.horizontal(|ui| {
        let label = ui.label("Search");
        let edit = egui::TextEdit::singleline(&mut search.query)
            .id(search_id())
            .hint_text(
                "words, \"phrases\", from:ann, date:2016-05, has:attachment … (empty: everything)",
            )
            .desired_width((ui.available_width() - 560.0).max(200.0));
        let resp = ui.add(edit).labelled_by(label.id);
        out.extend(super::sidebar::history_ui(&resp, history.0, history.1));
        if focus {
            resp.request_focus();
        }
        if resp.changed() {
            out.push(Command::QueryEdited);
        }
        if resp.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
            out.push(Command::SearchNow);
        }
        out.extend(super::sidebar::save_search_button(ui, search));
        if ui
            .button("?")
            .on_hover_text("Help: the query language, keys, cases (F1)")
            .clicked()
        {
            out.push(Command::ToggleHelp);
        }
        let thread_label = if list.thread_view {
            "Threads ✔"
        } else {
            "Threads"
        };
        if ui
            .selectable_label(list.thread_view, thread_label)
            .on_hover_text("One row per thread; click a thread to expand its replies")
            .clicked()
        {
            out.push(Command::ToggleThreadView);
        }
        if let Some(res) = &search.results {
            let mut text = format!(
                "{} messages · {} ms",
                thousands(res.hits.len() as u64),
                res.elapsed.as_millis()
            );
            if list.thread_view {
                let threads = list
                    .rows
                    .iter()
                    .filter(|r| !matches!(r, super::ListRow::Message { depth: 1.., .. }))
                    .count();
                text.push_str(&format!(" · {} threads", thousands(threads as u64)));
            }
            ui.strong(text);
            if !list.marked.is_empty() {
                ui.weak(format!("· {} marked", list.marked.len()));
            }
        }
        if let Some(imp) = &import.running {
            let n = imp.progress.as_ref().map_or(0, |p| p.messages);
            ui.weak(format!(
                "(importing: {} read so far; the list catches up as the index commits)",
                thousands(n)
            ));
        }
    });
    if let Some(e) = &search.error {
        ui.label(
            RichText::new(e.trim_end())
                .monospace()
                .color(ui.visuals().error_fg_color),
        );
    }
    ui.add_space(2.0);
    out
}

fn facet_list(
    ui: &mut egui::Ui,
    title: &str,
    items: &FacetCounts,
    refine: impl Fn(&str) -> String,
) -> Vec<Command> {
    let mut out = Vec::new();
    if items.is_empty() {
        return out;
    }
    egui::CollapsingHeader::new(RichText::new(title).strong())
        .default_open(true)
        .show(ui, |ui| {
            for (name, n) in items {
                // The count first, at the right edge; the name takes what
                // is left, cut with "…" there (never under the count).
                let row = egui::vec2(ui.available_width(), ui.spacing().interact_size.y);
                ui.allocate_ui_with_layout(
                    row,
                    egui::Layout::right_to_left(egui::Align::Center),
                    |ui| {
                        ui.weak(thousands(*n));
                        ui.with_layout(egui::Layout::left_to_right(egui::Align::Center), |ui| {
                            let text =
                                RichText::new(visible(name)).color(ui.visuals().hyperlink_color);
                            let resp = ui
                                .add(
                                    egui::Label::new(text)
                                        .truncate()
                                        .sense(egui::Sense::click()),
                                )
                                .on_hover_cursor(egui::CursorIcon::PointingHand)
                                .on_hover_text(format!(
                                    "{} · refine: {}",
                                    visible(name),
                                    refine(name)
                                ));
                            if resp.clicked() {
                                out.push(Command::Refine(refine(name)));
                            }
                        });
                    },
                );
            }
        });
    out
}

/// A query term for a facet value (quoted when it has spaces or quotes).
fn term(field: &str, value: &str) -> String {
    if value
        .chars()
        .all(|c| !c.is_whitespace() && c != '"' && c != '(' && c != ')')
    {
        format!("{field}:{value}")
    } else {
        format!("{field}:\"{}\"", value.replace('"', ""))
    }
}

/// The query term for a Gmail label: always quoted (labels hold spaces,
/// slashes, parentheses), a quote inside written `\"`.
fn label_term(label: &str) -> String {
    format!("label:\"{}\"", label.replace('"', "\\\""))
}

/// The query term for an investigators' tag, quoted like a label.
fn tag_term(tag: &str) -> String {
    format!("tag:\"{}\"", tag.replace('"', "\\\""))
}

/// The facets side panel and the timeline.
pub fn facets_ui(
    ui: &mut egui::Ui,
    res: &SearchOutcome,
    timeline: &super::timeline::TimelineState,
) -> Vec<Command> {
    let mut out = Vec::new();
    ui.add_space(4.0);
    out.extend(super::timeline::timeline_ui(ui, timeline));
    if res.facets.undated > 0 {
        ui.weak(format!("{} undated", thousands(res.facets.undated)));
    }
    ui.separator();
    egui::ScrollArea::vertical()
        .id_salt("facets-scroll")
        .show(ui, |ui| {
            let f = &res.facets;
            out.extend(facet_list(ui, "Top senders", &f.senders, |v| {
                term("from", v)
            }));
            out.extend(facet_list(ui, "Sender domains", &f.sender_domains, |v| {
                term("from", &format!("@{v}"))
            }));
            out.extend(facet_list(ui, "Top recipients", &f.recipients, |v| {
                term("to", v)
            }));
            out.extend(facet_list(
                ui,
                "Attachment types",
                &f.attachment_types,
                |v| term("filename", v),
            ));
            out.extend(facet_list(ui, "Labels", &f.labels, label_term));
            out.extend(facet_list(ui, "Tags", &f.tags, tag_term));
            for (kind, items) in &f.mentions {
                out.extend(facet_list(ui, kind.title(), items, |v| {
                    super::patterns_ui::mention_query(&crate::patterns::Mention::new(*kind, v))
                }));
            }
            if f.sampled < res.hits.len() {
                ui.weak(format!(
                    "Recipients, attachment types and labels: first {} hits.",
                    thousands(f.sampled as u64)
                ));
            }
        });
    out
}

/// The export window: format and scope.
/// `hits`: of the current search; `marked`: rows marked in the list.
pub fn export_ui(
    ctx: &egui::Context,
    export: &mut ExportState,
    hits: usize,
    marked: usize,
) -> Vec<Command> {
    let mut out = Vec::new();
    let mut open = true;
    egui::Window::new("Export results")
        .open(&mut open)
        .collapsible(false)
        .show(ctx, |ui| {
            ui.label("Format");
            for (f, label) in [
                (Format::Csv, "CSV (spreadsheets)"),
                (Format::Json, "JSON (one record per line)"),
                (Format::Mbox, "mbox (mail programs)"),
                (Format::Eml, "EML folder (one file per message + manifest)"),
            ] {
                ui.radio_value(&mut export.format, f, label);
            }
            ui.separator();
            if ui
                .button(format!("Export all {} hits…", thousands(hits as u64)))
                .clicked()
            {
                out.push(Command::Export {
                    format: export.format,
                    selected_only: false,
                });
            }
            if ui
                .add_enabled(
                    marked > 0,
                    egui::Button::new(format!("Export {marked} marked rows…")),
                )
                .on_disabled_hover_text("Ctrl+click rows in the list to mark them")
                .clicked()
            {
                out.push(Command::Export {
                    format: export.format,
                    selected_only: true,
                });
            }
        });
    if !open {
        out.push(Command::ShowExport(false));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_time_left_is_never_zero_while_bytes_are_left() {
        let p = |read: u64, total: u64, ms: u64| crate::pipeline::Progress {
            indexing: None,
            bytes_read: read,
            bytes_total: total,
            elapsed: std::time::Duration::from_millis(ms),
            ..Default::default()
        };
        // 69% after 1.5 s: 0.67 s left, said as such, not "0s".
        assert_eq!(eta_text(&p(69, 100, 1_500)), " · under a second left");
        // 50% after 3 s: 3 s left.
        assert_eq!(eta_text(&p(50, 100, 3_000)), " · about 3s left");
        // 60% after 3.1 s: 2.07 s, rounded up.
        assert_eq!(eta_text(&p(60, 100, 3_100)), " · about 3s left");
        // Too early to say.
        assert_eq!(eta_text(&p(1, 100, 5_000)), "");
        assert_eq!(eta_text(&p(50, 100, 500)), "");
        // Everything read: what is left is the index.
        assert!(eta_text(&p(100, 100, 9_000)).contains("writing the index"));
    }
    use crate::query::{Field, Query, parse};

    /// Clicking a tag in the facet refines by exactly that tag.
    #[test]
    fn tag_facet_terms_parse_back_to_the_tag() {
        for tag in ["key", "follow up", "say \"hi\""] {
            assert_eq!(
                parse(&tag_term(tag)).unwrap(),
                Query::Phrase {
                    field: Field::Tag,
                    text: tag.into()
                },
                "{tag:?}"
            );
        }
    }

    /// Clicking a label in the facet refines by exactly that label, also
    /// one with spaces, slashes, parentheses or quotes.
    #[test]
    fn label_facet_terms_parse_back_to_the_label() {
        for label in [
            "Inbox",
            "Category Personal",
            "Work/2016 (old)",
            "say \"hi\"",
        ] {
            assert_eq!(
                parse(&label_term(label)).unwrap(),
                Query::Phrase {
                    field: Field::Label,
                    text: label.into()
                },
                "{label:?}"
            );
        }
    }
}
