//! The message list: one row per hit (or per thread, expandable into its
//! reply tree), virtualised with `TableBuilder::body().rows()` so only the
//! visible rows are laid out. Their summaries are in the [`ListState`],
//! fetched by `logic` around the rows the list reported on screen
//! (`Command::RowsShown`); a row not fetched yet is drawn as a placeholder
//! for a frame. Drawing never reads the case.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use egui::RichText;
use egui_extras::{Column, TableBuilder, TableRow};

use super::{Command, ListState};
use crate::display::visible;
use crate::jobs::{SortBy, SortColumn, ThreadGroup};
use crate::model::{Address, Message};

/// One row of the list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ListRow {
    /// A message; `depth` > 0 inside an expanded thread.
    Message {
        /// Row id of the message in the case.
        rowid: u64,
        /// Nesting in the reply tree: 0 for a hit of the list, 1 and more inside an expanded
        /// thread.
        depth: usize,
    },
    /// A thread (thread view): its first hit stands for it.
    Thread {
        /// The thread's id.
        thread: String,
        /// Row id of the thread's first hit in the result order.
        rowid: u64,
        /// How many hits of the search are in the thread.
        hits: u32,
        /// How many messages the thread has in the case.
        size: u32,
        /// Whether its reply tree is shown below it.
        expanded: bool,
    },
}

impl ListRow {
    /// The message the row shows.
    pub fn rowid(&self) -> u64 {
        match self {
            ListRow::Message { rowid, .. } | ListRow::Thread { rowid, .. } => *rowid,
        }
    }
}

/// What a row shows, read from the case when the row becomes visible.
#[derive(Clone, Debug, Default)]
pub struct RowSummary {
    /// `YYYY-MM-DD HH:MM` (UTC), or "(no date)".
    pub date: String,
    /// The first From as `Name <addr>` (or `<addr>`); empty when there is none.
    pub from: String,
    /// The first To as `Name <addr>` (or `<addr>`), with "+N" for the others; empty when there is
    /// none.
    pub to: String,
    /// The subject, invisible characters made visible, or "(no subject)".
    pub subject: String,
    /// Number of attachments that are not inline.
    pub attachments: usize,
    /// Messages in the message's thread (0 when not known).
    pub thread_size: u32,
    /// The message's thread id; None when it has none or it is not known.
    pub thread: Option<String>,
    /// Number of defects recorded for the message.
    pub defects: usize,
    /// The message could not be read (yet).
    pub missing: bool,
    /// Whether the message is starred.
    pub starred: bool,
    /// Its tags, by name.
    pub tags: Vec<String>,
    /// Its DKIM verdict (None: not verified).
    pub dkim: Option<crate::dkim::Verdict>,
}

/// `Name <addr>` (or `<addr>`), invisible characters made visible.
pub fn address(a: &Address) -> String {
    match a.name.as_deref().filter(|n| !n.trim().is_empty()) {
        Some(n) => visible(&format!("{n} <{}>", a.addr)),
        None => visible(&format!("<{}>", a.addr)),
    }
}

/// `YYYY-MM-DD HH:MM` (UTC).
pub fn short_date(d: Option<i64>) -> String {
    d.map(|t| {
        crate::time::rfc3339(t)
            .chars()
            .take(16)
            .collect::<String>()
            .replace('T', " ")
    })
    .unwrap_or_else(|| "(no date)".into())
}

impl RowSummary {
    /// The summary of a message read from the case.
    pub fn of(m: &Message, thread: Option<String>, thread_size: u32) -> RowSummary {
        let to = match m.to.as_slice() {
            [] => String::new(),
            [one] => address(one),
            [first, rest @ ..] => format!("{} +{}", address(first), rest.len()),
        };
        RowSummary {
            date: short_date(m.date),
            from: m.from.first().map(address).unwrap_or_default(),
            to,
            subject: visible(m.subject.as_deref().unwrap_or("(no subject)")),
            attachments: m.attachments.iter().filter(|a| !a.inline).count(),
            thread_size,
            thread,
            defects: m.defects.len(),
            missing: false,
            starred: false,
            tags: Vec::new(),
            dkim: None,
        }
    }

    /// From the light columns (first From address only, no names).
    pub fn light(l: &crate::store::LightRow) -> RowSummary {
        RowSummary {
            date: short_date(l.date),
            from: l
                .from
                .as_deref()
                .map(|a| visible(&format!("<{a}>")))
                .unwrap_or_default(),
            subject: visible(l.subject.as_deref().unwrap_or("(no subject)")),
            attachments: l.attachments as usize,
            thread: l.thread.clone(),
            ..RowSummary::default()
        }
    }

    /// A placeholder row for a message that could not be read, saying why in the subject column.
    pub fn missing(rowid: u64, why: &str) -> RowSummary {
        RowSummary {
            subject: format!("row {rowid}: {why}"),
            missing: true,
            ..RowSummary::default()
        }
    }
}

/// Rows of the thread view from the hits grouped by thread (on the
/// search thread: [`crate::jobs::thread_groups`]): threads in the order of
/// their best hit, with the reply trees of expanded ones.
pub fn thread_rows(
    groups: &[ThreadGroup],
    expanded: &HashSet<String>,
    trees: &HashMap<String, Vec<(usize, u64)>>,
) -> Vec<ListRow> {
    let mut rows = Vec::with_capacity(groups.len());
    for g in groups {
        // A message without a thread, or a thread of one message, is that
        // message: nothing to expand.
        let Some(thread) = g.thread.as_ref().filter(|_| g.size > 1) else {
            rows.push(ListRow::Message {
                rowid: g.rowid,
                depth: 0,
            });
            continue;
        };
        let is_open = expanded.contains(thread);
        rows.push(ListRow::Thread {
            thread: thread.clone(),
            rowid: g.rowid,
            hits: g.hits,
            size: g.size,
            expanded: is_open,
        });
        if is_open && let Some(tree) = trees.get(thread) {
            for (depth, id) in tree {
                rows.push(ListRow::Message {
                    rowid: *id,
                    depth: depth + 1,
                });
            }
        }
    }
    rows
}

/// Row height of the list.
pub const ROW_HEIGHT: f32 = 20.0;

fn header_button(ui: &mut egui::Ui, label: &str, col: SortColumn, sort: SortBy) -> Option<Command> {
    let arrow = if sort.column == col {
        if sort.descending { " ⏷" } else { " ⏶" }
    } else {
        ""
    };
    let text = format!("{label}{arrow}");
    let resp = ui
        .add(egui::Button::new(egui::RichText::new(text).strong()).frame(false))
        .on_hover_text(format!("Sort by {}", label.to_lowercase()));
    resp.clicked().then_some(Command::SortBy(col))
}

/// How the list is laid out for the width it has: every column (wide),
/// without To and Thr (medium), or one two-line cell per row — From · Date
/// over the Subject — like a mail client's card view (narrow). The Subject
/// always takes the width the other columns leave.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ListLayout {
    /// Date, From, To, Subject, 📎, Thr.
    Wide,
    /// Date, From, Subject, 📎.
    Medium,
    /// From · Date / Subject in one cell, two lines high.
    Cards,
}

impl ListLayout {
    /// The layout for a list `width` points wide.
    pub fn for_width(width: f32) -> ListLayout {
        if width >= 640.0 {
            ListLayout::Wide
        } else if width >= 440.0 {
            ListLayout::Medium
        } else {
            ListLayout::Cards
        }
    }

    /// Height of one row.
    pub fn row_height(self) -> f32 {
        match self {
            ListLayout::Cards => 2.0 * ROW_HEIGHT + 4.0,
            _ => ROW_HEIGHT,
        }
    }
}

/// The list of `list.rows` sorted by `sort` (scrolled to the selection when
/// `scroll_to_selected`); returns what was clicked and which rows were on
/// screen. `importing`: the messages read so far by a running import
/// (an empty list then says so, not "No messages match.").
pub fn message_list_ui(
    ui: &mut egui::Ui,
    list: &ListState,
    sort: SortBy,
    scroll_to_selected: bool,
    importing: Option<u64>,
) -> Vec<Command> {
    let mut out = Vec::new();
    if list.rows.is_empty() {
        ui.add_space(20.0);
        ui.vertical_centered(|ui| match importing {
            Some(n) => ui.weak(format!(
                "Importing — {} messages so far; they appear here as the index takes them in.",
                super::panels::thousands(n)
            )),
            None => ui.weak("No messages match."),
        });
        return out;
    }
    // Cells are plain text: a click anywhere on a row selects the row.
    ui.style_mut().interaction.selectable_labels = false;
    let layout = ListLayout::for_width(ui.available_width());
    let mut shown: Option<Range<usize>> = None;
    let mut table = table(ui, layout);
    if scroll_to_selected && let Some(s) = list.selected {
        table = table.scroll_to_row(s, None);
    }
    let subject_label = if list.thread_view {
        "Subject (threads)"
    } else {
        "Subject"
    };
    table
        .header(22.0, |mut h| {
            h.col(|ui| {
                ui.label("")
                    .on_hover_text("Marked for export (Ctrl+click a row)");
            });
            if layout == ListLayout::Cards {
                h.col(|ui| {
                    for (label, col) in [
                        ("Date", SortColumn::Date),
                        ("From", SortColumn::From),
                        (subject_label, SortColumn::Subject),
                    ] {
                        out.extend(header_button(ui, label, col, sort));
                    }
                    out.extend(relevance_button(ui, sort));
                });
                return;
            }
            h.col(|ui| out.extend(header_button(ui, "Date", SortColumn::Date, sort)));
            h.col(|ui| out.extend(header_button(ui, "From", SortColumn::From, sort)));
            if layout == ListLayout::Wide {
                h.col(|ui| out.extend(header_button(ui, "To", SortColumn::To, sort)));
            }
            h.col(|ui| {
                out.extend(header_button(ui, subject_label, SortColumn::Subject, sort));
                out.extend(relevance_button(ui, sort));
            });
            h.col(|ui| out.extend(header_button(ui, "📎", SortColumn::Attachments, sort)));
            if layout == ListLayout::Wide {
                h.col(|ui| out.extend(header_button(ui, "Thr", SortColumn::ThreadSize, sort)));
            }
        })
        .body(|body| {
            let snippet_line = if list.shows_snippets() {
                ROW_HEIGHT
            } else {
                0.0
            };
            body.rows(layout.row_height() + snippet_line, list.rows.len(), |row| {
                let i = row.index();
                shown = Some(match shown.take() {
                    Some(r) => r.start.min(i)..r.end.max(i + 1),
                    None => i..i + 1,
                });
                out.extend(row_ui(row, list, layout));
            });
        });
    if let Some(r) = shown {
        out.push(Command::RowsShown(r));
    }
    out
}

/// "relevance": back to ranking, shown while another column sorts.
fn relevance_button(ui: &mut egui::Ui, sort: SortBy) -> Option<Command> {
    (sort.column != SortColumn::Relevance
        && ui
            .small_button("relevance")
            .on_hover_text("Sort by relevance again")
            .clicked())
    .then_some(Command::SortBy(SortColumn::Relevance))
}

/// The table with its columns sized for the width available: fixed widths
/// for the narrow columns, a share of the width for From and To, and the
/// rest for the Subject. Columns can be dragged wider; the widths are laid
/// out again whenever the list's width changes (the table's state is keyed
/// by it), so the Subject never ends short of the list's edge.
fn table(ui: &mut egui::Ui, layout: ListLayout) -> TableBuilder<'_> {
    let avail = ui.available_width();
    let t = TableBuilder::new(ui)
        .id_salt(("message-list", layout, avail.round() as i32))
        .striped(true)
        .resizable(layout != ListLayout::Cards)
        .sense(egui::Sense::click())
        .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
        .column(Column::exact(16.0))
        .min_scrolled_height(0.0);
    let date = Column::initial(118.0).at_least(60.0).clip(true);
    let subject = Column::remainder().at_least(120.0).clip(true);
    match layout {
        ListLayout::Wide => t
            .column(date)
            .column(
                Column::initial((avail * 0.18).clamp(110.0, 220.0))
                    .at_least(50.0)
                    .clip(true),
            )
            .column(
                Column::initial((avail * 0.13).clamp(80.0, 180.0))
                    .at_least(40.0)
                    .clip(true),
            )
            .column(subject)
            .column(Column::exact(22.0))
            .column(Column::exact(44.0)),
        ListLayout::Medium => t
            .column(date)
            .column(
                Column::initial((avail * 0.25).clamp(100.0, 200.0))
                    .at_least(50.0)
                    .clip(true),
            )
            .column(subject)
            .column(Column::exact(22.0)),
        ListLayout::Cards => t.column(Column::remainder().clip(true)),
    }
}

/// `▶ 3` or `⏷ 2/5`: a thread row's state and its hits of its size.
fn thread_label(hits: u32, size: u32, expanded: bool) -> String {
    format!(
        "{} {}",
        if expanded { "⏷" } else { "▶" },
        if hits == size {
            format!("{size}")
        } else {
            format!("{hits}/{size}")
        }
    )
}

/// One row of the list; its summary from `list` (a placeholder while it is
/// not fetched). Returns what a click on it asks for.
fn row_ui(mut row: TableRow<'_, '_>, list: &ListState, layout: ListLayout) -> Vec<Command> {
    let mut out = Vec::new();
    let i = row.index();
    let Some(list_row) = list.rows.get(i) else {
        return out;
    };
    let rowid = list_row.rowid();
    row.set_selected(list.selected == Some(i));
    let s = list.summaries.get(&rowid);
    let (depth, thread, topic) = match list_row {
        ListRow::Message { depth, .. } => (*depth, None, None),
        ListRow::Thread {
            thread,
            hits,
            size,
            expanded,
            ..
        } => (
            0,
            Some(thread_label(*hits, *size, *expanded)),
            list.thread_subjects.get(thread).map(String::as_str),
        ),
    };
    row.col(|ui| {
        if list.marked.contains(&rowid) {
            ui.label("✔");
        }
    });
    if layout == ListLayout::Cards {
        row.col(|ui| {
            ui.with_layout(egui::Layout::top_down(egui::Align::Min), |ui| {
                ui.spacing_mut().item_spacing.y = 2.0;
                // From · Date: the date and 📎 at the right edge, the
                // sender cut with "…" before them.
                let line = egui::vec2(ui.available_width(), ROW_HEIGHT);
                ui.allocate_ui_with_layout(
                    line,
                    egui::Layout::right_to_left(egui::Align::Center),
                    |ui| {
                        if let Some(s) = s
                            && s.attachments > 0
                        {
                            ui.label("📎")
                                .on_hover_text(format!("{} attachments", s.attachments));
                        }
                        ui.weak(format!("· {}", s.map(|s| s.date.as_str()).unwrap_or("…")));
                        ui.with_layout(egui::Layout::left_to_right(egui::Align::Center), |ui| {
                            ui.add(
                                egui::Label::new(s.map(|s| s.from.as_str()).unwrap_or(""))
                                    .truncate(),
                            );
                        });
                    },
                );
                ui.horizontal(|ui| {
                    subject_cell(ui, list, rowid, s, depth, thread.as_deref(), topic)
                });
                snippet_line(ui, list, rowid);
            });
        });
    } else {
        row.col(|ui| {
            ui.label(s.map(|s| s.date.as_str()).unwrap_or("…"));
        });
        row.col(|ui| {
            ui.label(s.map(|s| s.from.as_str()).unwrap_or(""));
        });
        if layout == ListLayout::Wide {
            row.col(|ui| {
                ui.label(s.map(|s| s.to.as_str()).unwrap_or(""));
            });
        }
        row.col(|ui| {
            if list.shows_snippets() {
                ui.with_layout(egui::Layout::top_down(egui::Align::Min), |ui| {
                    ui.spacing_mut().item_spacing.y = 0.0;
                    ui.horizontal(|ui| {
                        subject_cell(ui, list, rowid, s, depth, thread.as_deref(), topic)
                    });
                    snippet_line(ui, list, rowid);
                });
            } else {
                subject_cell(ui, list, rowid, s, depth, thread.as_deref(), topic);
            }
        });
        row.col(|ui| {
            if let Some(s) = s
                && s.attachments > 0
            {
                ui.label("📎")
                    .on_hover_text(format!("{} attachments", s.attachments));
            }
        });
        if layout == ListLayout::Wide {
            row.col(|ui| {
                if let Some(s) = s
                    && s.thread_size > 1
                {
                    ui.label(s.thread_size.to_string());
                }
            });
        }
    }
    let resp = row.response();
    if resp.clicked() {
        if resp.ctx.input(|i| i.modifiers.command) {
            out.push(Command::ToggleRowSelection(i));
        } else {
            if let ListRow::Thread { thread, .. } = list_row {
                out.push(Command::ToggleThread(thread.clone()));
            }
            out.push(Command::SelectRow(i));
        }
    }
    out
}

/// A row's star, a coloured dot per tag (their names on hover), and a
/// DKIM mark where the verdict matters: ✔ verified, ✘ failed.
fn marks(ui: &mut egui::Ui, list: &ListState, s: &RowSummary) {
    match s.dkim {
        Some(crate::dkim::Verdict::Pass) => {
            ui.label(RichText::new("✔").color(egui::Color32::from_rgb(60, 170, 90)))
                .on_hover_text("DKIM: verified (signature and body check out)");
        }
        Some(crate::dkim::Verdict::Fail) => {
            ui.label(RichText::new("✘").color(ui.visuals().error_fg_color))
                .on_hover_text("DKIM: failed (changed after signing)");
        }
        _ => {}
    }
    if s.starred {
        ui.label(RichText::new("★").color(egui::Color32::from_rgb(230, 170, 0)))
            .on_hover_text("Starred");
    }
    if !s.tags.is_empty() {
        let spacing = ui.spacing().item_spacing.x;
        ui.spacing_mut().item_spacing.x = 1.0;
        let mut resp = None;
        for t in s.tags.iter().take(5) {
            let c = list
                .tag_colours
                .get(&crate::annotate::tag_key(t))
                .copied()
                .unwrap_or(egui::Color32::GRAY);
            let r = ui.label(RichText::new("●").color(c));
            resp = Some(resp.map_or(r.clone(), |p: egui::Response| p.union(r)));
        }
        if let Some(r) = resp {
            r.on_hover_text(format!("Tags: {}", s.tags.join(", ")));
        }
        ui.spacing_mut().item_spacing.x = spacing;
    }
}

/// The snippet under a result: where the search matched, on one line (cut
/// with "…"); nothing while the list shows no snippets.
fn snippet_line(ui: &mut egui::Ui, list: &ListState, rowid: u64) {
    if !list.shows_snippets() {
        return;
    }
    let text = list.snippets.get(&rowid).map_or("", String::as_str);
    ui.add(egui::Label::new(RichText::new(text).weak().small()).truncate());
}

/// The Subject cell: reply depth, thread state, attachment-hit and defect
/// marks, then the subject (a thread row: its `topic`, the root's subject,
/// once known).
fn subject_cell(
    ui: &mut egui::Ui,
    list: &ListState,
    rowid: u64,
    s: Option<&RowSummary>,
    depth: usize,
    thread: Option<&str>,
    topic: Option<&str>,
) {
    if depth > 0 {
        ui.add_space(12.0 * depth.min(12) as f32);
        ui.weak("↪");
    }
    if let Some(t) = thread {
        ui.strong(t);
    }
    if let Some(s) = s {
        marks(ui, list, s);
    }
    if list.attachment_hits.get(&rowid) == Some(&true) {
        ui.label("📄")
            .on_hover_text("The search matched the text of an attachment");
    }
    match s {
        Some(s) if s.defects > 0 => {
            ui.colored_label(ui.visuals().warn_fg_color, "⚠")
                .on_hover_text(format!("{} defects", s.defects));
            ui.label(topic.unwrap_or(&s.subject));
        }
        Some(s) => {
            ui.label(topic.unwrap_or(&s.subject));
        }
        None => {
            ui.weak("…");
        }
    }
}

#[cfg(test)]
mod tests {
    use egui_kittest::Harness;
    use egui_kittest::kittest::Queryable;

    use super::*;

    /// An empty list while an import runs says so, with the count read so
    /// far; without an import it says nothing matches (issue 17, item 5).
    #[test]
    fn an_empty_list_during_an_import_says_it_is_importing() {
        let list = ListState::default();
        let mut h = Harness::new_ui(|ui| {
            message_list_ui(
                ui,
                &ListState::default(),
                SortBy::default(),
                false,
                Some(16_678),
            );
        });
        h.run();
        h.get_by_label_contains("Importing — 16,678 messages so far");
        assert!(h.query_by_label("No messages match.").is_none());
        let mut h = Harness::new_ui(move |ui| {
            message_list_ui(ui, &list, SortBy::default(), false, None);
        });
        h.run();
        h.get_by_label("No messages match.");
    }
}
