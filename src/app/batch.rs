//! The batch search window (Search → Batch search…, issue 15): a list of
//! terms — one query a line, pasted or loaded from a text or CSV file —
//! run by [`crate::desk::batch`] on a desk thread, shown as a table (line,
//! term, hits, first and last date, the error in its row). A click on a
//! row shows its hits in the list; each row's hits can be saved as a tag
//! ("Save hits as tag…": the tag window, with a confirmation); the
//! table can be written as CSV (cells made safe for spreadsheets).

use std::path::PathBuf;

use egui::RichText;
use egui_extras::{Column, TableBuilder};

use super::desk::{DeskCommand, DeskDone};
use super::{Command, MailsiftApp};
use crate::browse::Browser;
use crate::desk::BatchRow;

/// Bytes of a terms file read at most.
const TERMS_MAX: u64 = 8 << 20;

/// The batch window's state.
#[derive(Clone, Debug, Default)]
pub struct BatchState {
    /// The lines (edited in place).
    pub text: String,
    /// The file the lines were loaded from, if any.
    pub file: Option<PathBuf>,
    /// The table of the last run.
    pub rows: Option<Vec<BatchRow>>,
    /// Whether a run is under way.
    pub running: bool,
    /// Why the last run or load failed.
    pub error: Option<String>,
}

/// Terms from a file's text: a CSV's first column (quotes removed) when
/// the file is named `.csv`, else the lines as they are.
pub fn terms_of(name: &str, text: &str) -> String {
    if !name.to_ascii_lowercase().ends_with(".csv") {
        return text.to_string();
    }
    text.lines()
        .map(|l| {
            let l = l.trim_start_matches('\u{feff}');
            match l.strip_prefix('"') {
                // "a ""quoted"" term",other → a "quoted" term
                Some(rest) => {
                    let mut out = String::new();
                    let mut chars = rest.chars().peekable();
                    while let Some(c) = chars.next() {
                        if c == '"' {
                            if chars.peek() == Some(&'"') {
                                chars.next();
                                out.push('"');
                            } else {
                                break;
                            }
                        } else {
                            out.push(c);
                        }
                    }
                    out
                }
                None => l.split(',').next().unwrap_or("").to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The batch window.
pub fn batch_ui(ctx: &egui::Context, b: &mut BatchState) -> Vec<Command> {
    let mut out = Vec::new();
    let mut open = true;
    egui::Window::new("Batch search")
        .open(&mut open)
        .default_size([760.0, 520.0])
        .default_pos([240.0, 80.0])
        .resizable(true)
        .show(ctx, |ui| {
            ui.label(
                "One search a line (names, addresses, phone numbers, any query); \
                 lines starting with # are skipped.",
            );
            let label = ui.label("Search terms");
            let resp = ui
                .add(
                    egui::TextEdit::multiline(&mut b.text)
                        .desired_rows(6)
                        .desired_width(f32::INFINITY)
                        .code_editor(),
                )
                .labelled_by(label.id);
            // Ready to type (or paste) into when the window opens.
            if b.text.is_empty() && b.rows.is_none() && ui.memory(|m| m.focused().is_none()) {
                resp.request_focus();
            }
            ui.horizontal(|ui| {
                if ui
                    .button("Load file…")
                    .on_hover_text("A text file (one term a line) or a CSV (its first column)")
                    .clicked()
                {
                    out.push(Command::Desk(DeskCommand::BatchLoad));
                }
                let can_run = !b.running && !b.text.trim().is_empty();
                if ui.add_enabled(can_run, egui::Button::new("Run")).clicked() {
                    out.push(Command::Desk(DeskCommand::BatchRun));
                }
                let has_rows = b.rows.as_ref().is_some_and(|r| !r.is_empty());
                if ui
                    .add_enabled(has_rows, egui::Button::new("Export table as CSV…"))
                    .clicked()
                {
                    out.push(Command::Desk(DeskCommand::BatchExport));
                }
                if b.running {
                    ui.spinner();
                    ui.weak(format!("Running {} searches…", b.text.lines().count()));
                }
                if let Some(f) = &b.file {
                    ui.weak(format!("from {}", f.display()));
                }
            });
            if let Some(e) = &b.error {
                ui.colored_label(ui.visuals().error_fg_color, e);
            }
            if let Some(rows) = &b.rows {
                ui.separator();
                out.extend(table_ui(ui, rows));
            }
        });
    if !open {
        out.push(Command::Desk(DeskCommand::ShowBatch(false)));
    }
    out
}

/// The table: line, term (a click shows its hits), hits, first and last
/// date, the error; "Save hits as tag…" per row.
fn table_ui(ui: &mut egui::Ui, rows: &[BatchRow]) -> Vec<Command> {
    let mut out = Vec::new();
    let failed = rows.iter().filter(|r| r.outcome.is_err()).count();
    ui.label(format!(
        "{} searches{}. Click a term to see its hits.",
        rows.len(),
        if failed > 0 {
            format!(", {failed} could not run")
        } else {
            String::new()
        }
    ));
    let day = |d: Option<i64>| {
        d.map(|d| crate::time::rfc3339(d).chars().take(10).collect::<String>())
            .unwrap_or_default()
    };
    TableBuilder::new(ui)
        .id_salt("batch-table")
        .striped(true)
        .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
        .column(Column::exact(40.0))
        .column(Column::remainder().at_least(160.0).clip(true))
        .column(Column::exact(60.0))
        .column(Column::exact(86.0))
        .column(Column::exact(86.0))
        .column(Column::exact(130.0))
        .min_scrolled_height(0.0)
        .header(20.0, |mut h| {
            for t in ["Line", "Term", "Hits", "First", "Last", ""] {
                h.col(|ui| {
                    ui.strong(t);
                });
            }
        })
        .body(|body| {
            body.rows(22.0, rows.len(), |mut row| {
                let Some(r) = rows.get(row.index()) else {
                    return;
                };
                row.col(|ui| {
                    ui.label(r.line.to_string());
                });
                row.col(|ui| {
                    let term = crate::display::visible(&r.query);
                    match &r.outcome {
                        Ok(_) => {
                            if ui.link(term).on_hover_text("Show its hits").clicked() {
                                out.push(Command::Desk(DeskCommand::RunQuery(r.query.clone())));
                            }
                        }
                        Err(e) => {
                            ui.label(term);
                            ui.colored_label(ui.visuals().error_fg_color, e)
                                .on_hover_text(format!("Line {}: {e}", r.line));
                        }
                    }
                });
                match &r.outcome {
                    Ok(h) => {
                        row.col(|ui| {
                            ui.label(super::panels::thousands(h.hits as u64));
                        });
                        row.col(|ui| {
                            ui.label(day(h.first));
                        });
                        row.col(|ui| {
                            ui.label(day(h.last));
                        });
                        row.col(|ui| {
                            if h.hits > 0
                                && ui
                                    .small_button("Save hits as tag…")
                                    .on_hover_text("Save all hits of this line as a tag")
                                    .clicked()
                            {
                                out.push(Command::Desk(DeskCommand::OpenTagQuery(
                                    r.query.clone(),
                                    h.hits,
                                )));
                            }
                        });
                    }
                    Err(_) => {
                        for _ in 0..4 {
                            row.col(|ui| {
                                ui.label(RichText::new("—").weak());
                            });
                        }
                    }
                }
            });
        });
    out
}

impl MailsiftApp {
    /// The batch window's commands.
    pub(super) fn apply_batch(&mut self, cmd: DeskCommand) {
        match cmd {
            DeskCommand::ShowBatch(show) => {
                if !show {
                    self.desk.batch = None;
                } else if self.desk.batch.is_none() {
                    self.desk.batch = Some(BatchState::default());
                }
            }
            DeskCommand::BatchLoad => self.batch_load(),
            DeskCommand::BatchRun => {
                let (Some(root), Some(b)) = (self.case_path.clone(), &mut self.desk.batch) else {
                    return;
                };
                b.running = true;
                b.error = None;
                let text = b.text.clone();
                self.desk_task(move || {
                    DeskDone::Batch(Browser::open(&root).map(|b| crate::desk::batch(&b, &text)))
                });
            }
            DeskCommand::BatchExport => {
                let Some(rows) = self.desk.batch.as_ref().and_then(|b| b.rows.clone()) else {
                    return;
                };
                let Some(path) = self.dialogs.save_file("batch-search.csv") else {
                    return;
                };
                self.desk_task(move || {
                    let r = crate::desk::write_batch_csv(&path, &rows);
                    DeskDone::BatchWritten(path, r)
                });
            }
            _ => {}
        }
    }

    /// Loads the batch window's lines from a file the user picks (a small
    /// text file, read here: it is not the case).
    fn batch_load(&mut self) {
        let Some(path) = self.dialogs.pick_text_file("Load search terms") else {
            return;
        };
        let Some(b) = &mut self.desk.batch else {
            return;
        };
        let read = std::fs::metadata(&path).and_then(|m| {
            if m.len() > TERMS_MAX {
                Err(std::io::Error::other(format!(
                    "larger than {} MB; a list of terms is expected",
                    TERMS_MAX >> 20
                )))
            } else {
                std::fs::read(&path)
            }
        });
        match read {
            Ok(bytes) => {
                let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
                b.text = terms_of(&name.unwrap_or_default(), &String::from_utf8_lossy(&bytes));
                b.file = Some(path);
                b.error = None;
                b.rows = None;
            }
            Err(e) => b.error = Some(format!("Cannot read {}: {e}", path.display())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::terms_of;

    #[test]
    fn a_csv_gives_its_first_column_and_a_text_file_its_lines() {
        assert_eq!(
            terms_of("terms.CSV", "\u{feff}ann,1\n\"a \"\"b\"\", c\",2\nbob\n"),
            "ann\na \"b\", c\nbob"
        );
        assert_eq!(terms_of("terms.txt", "a,b\nc"), "a,b\nc");
    }
}
