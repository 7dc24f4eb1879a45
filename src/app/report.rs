//! The import report window: the last import's counts, errors, defects and
//! sources, the whole case's totals, and every skipped file, note and
//! defective message (long lists are virtualised: only visible rows are
//! formatted and laid out). It draws what [`ImportState`] holds; the
//! details were read from the case through the browser beforehand.

use super::panels::thousands;
use super::{Command, ImportState};
use crate::display::visible;
use crate::pipeline::ImportReport;
use crate::store::{CaseStats, DefectRow};

/// The import report window: totals, skipped files, notes, defects.
pub fn import_report_ui(ctx: &egui::Context, import: &ImportState) -> Vec<Command> {
    let mut out = Vec::new();
    let mut open = true;
    egui::Window::new("Import report")
        .open(&mut open)
        .default_size([620.0, 480.0])
        .vscroll(true)
        .show(ctx, |ui| {
            if let Some(r) = &import.last_report {
                last_import_ui(ui, r);
            }
            if let Some(d) = &import.details {
                if let Some(t) = &d.totals {
                    case_totals_ui(ui, t, import.last_report.is_some());
                }
                ui.separator();
                egui::CollapsingHeader::new(format!("Skipped files ({})", d.skipped.len()))
                    .default_open(!d.skipped.is_empty())
                    .show(ui, |ui| {
                        long_list_ui(ui, "report-skipped", d.skipped.len(), |i| {
                            let (p, why) = &d.skipped[i];
                            format!("{} — {}", visible(&p.display().to_string()), why)
                        });
                    });
                egui::CollapsingHeader::new(format!("Notes ({})", d.notes.len()))
                    .default_open(!d.notes.is_empty())
                    .show(ui, |ui| {
                        long_list_ui(ui, "report-notes", d.notes.len(), |i| {
                            let (p, off, text) = &d.notes[i];
                            format!(
                                "{} @{off}: {}",
                                visible(&p.display().to_string()),
                                visible(text)
                            )
                        });
                    });
                egui::CollapsingHeader::new(format!("Messages with defects ({})", d.defects.len()))
                    .default_open(false)
                    .show(ui, |ui| out.extend(defects_ui(ui, &d.defects)));
            }
        });
    if !open {
        out.push(Command::ShowReport(false));
    }
    out
}

/// The report of the last import: counts that add up, in plain words,
/// with the technical terms in tooltips; errors, problems, sources.
fn last_import_ui(ui: &mut egui::Ui, r: &ImportReport) {
    let read = r.parsed + r.raw_only;
    ui.heading(super::import_summary(r));
    ui.label(format!(
        "{} messages read = {} new + {} exact copies of others + {} already in the case",
        thousands(read),
        thousands(r.new),
        thousands(r.duplicates),
        thousands(r.already_present)
    ))
    .on_hover_text("new, duplicates and already_present in the JSON report");
    ui.label(format!(
        "{} read part by part + {} kept exactly as they were (could not be fully read)",
        thousands(r.parsed),
        thousands(r.raw_only)
    ))
    .on_hover_text("parsed and raw_only in the JSON report");
    if r.skipped > 0 || r.unchanged_files > 0 {
        ui.label(format!(
            "{} files were not mail · {} files unchanged since the last import, not read again",
            thousands(r.skipped),
            thousands(r.unchanged_files)
        ))
        .on_hover_text("skipped and unchanged_files in the JSON report");
    }
    ui.label(format!(
        "{:.1} MB read in {:.1} s ({:.0} messages a second).",
        r.bytes as f64 / 1e6,
        r.elapsed_secs,
        r.messages_per_sec
    ));
    if r.cancelled {
        ui.colored_label(
            ui.visuals().warn_fg_color,
            "The import was cancelled; open the same source again to resume.",
        );
    }
    for (_, e) in r.errors() {
        // The error names its path.
        ui.colored_label(ui.visuals().error_fg_color, e);
    }
    if !r.defects.is_empty() {
        ui.separator();
        ui.strong("Problems noted in the new messages (each message is kept)");
        for (k, n) in &r.defects {
            ui.label(format!("{}: {}", plain_defect(k), thousands(*n)))
                .on_hover_text(format!("code: {k}"));
        }
    }
    if !r.sources.is_empty() {
        ui.separator();
        ui.strong("Sources");
        for s in &r.sources {
            ui.label(s.summary_line());
        }
    }
}

/// Totals over the whole case (under the last import's report, if any).
fn case_totals_ui(ui: &mut egui::Ui, t: &CaseStats, after_report: bool) {
    if after_report {
        ui.separator();
        ui.strong("The whole case (every import)");
    } else {
        ui.heading(format!(
            "The case: {} messages read ({} could not be fully read and are kept as they were); {} files were not mail",
            thousands(t.parsed + t.raw_only),
            thousands(t.raw_only),
            thousands(t.skipped)
        ))
        .on_hover_text("parsed + raw_only, raw_only, skipped in `mailsift stats --json`");
    }
    ui.label(format!(
        "{} different messages ({} exact copies stored once) · {} attachments · imports: {}",
        thousands(t.messages),
        thousands(t.duplicates),
        thousands(t.attachments),
        thousands(t.imports)
    ));
    if !t.defects.is_empty() {
        ui.label("Problems noted, by kind (messages):");
        for (k, n) in &t.defects {
            ui.label(format!("  {}: {}", plain_defect(k), thousands(*n)))
                .on_hover_text(format!("code: {k}"));
        }
    }
    for s in &t.sources {
        ui.label(format!(
            "{} [{}] {} bytes, {} messages found, SHA-256 {}",
            visible(&s.path.display().to_string()),
            s.format,
            thousands(s.size),
            thousands(s.found),
            s.sha256.as_deref().unwrap_or("not computed")
        ));
    }
}

/// Every message with a defect, however many: only visible rows are laid
/// out. One line each (the subject links to the message); the whole text
/// on hover.
fn defects_ui(ui: &mut egui::Ui, defects: &[DefectRow]) -> Vec<Command> {
    let mut out = Vec::new();
    let row_h = ui.text_style_height(&egui::TextStyle::Body) + ui.spacing().item_spacing.y;
    egui::ScrollArea::vertical()
        .id_salt("report-defects")
        .max_height(320.0)
        .auto_shrink([false, true])
        .show_rows(ui, row_h, defects.len(), |ui, range| {
            ui.style_mut().wrap_mode = Some(egui::TextWrapMode::Truncate);
            for row in &defects[range] {
                ui.horizontal(|ui| {
                    let subject = visible(row.subject.as_deref().unwrap_or("(no subject)"));
                    if ui.link(&subject).clicked() {
                        out.push(Command::ShowMessage(row.rowid));
                    }
                    let place = match (&row.path, row.offset) {
                        (Some(p), Some(o)) if o > 0 => {
                            format!(" — {} at byte {o}", visible(&p.display().to_string()))
                        }
                        (Some(p), _) => format!(" — {}", visible(&p.display().to_string())),
                        _ => String::new(),
                    };
                    let text = format!("{}: {}{place}", row.kind, visible(&row.detail));
                    ui.label(&text).on_hover_text(&text);
                });
            }
        });
    out
}

/// `n` rows in a scroll area, one line each (the whole line on hover);
/// only the visible ones are formatted (`line(i)`) and laid out, so
/// 100,000 rows cost what 20 do.
fn long_list_ui(ui: &mut egui::Ui, id: &str, n: usize, line: impl Fn(usize) -> String) {
    let row_h = ui.text_style_height(&egui::TextStyle::Body) + ui.spacing().item_spacing.y;
    egui::ScrollArea::vertical()
        .id_salt(id)
        .max_height(240.0)
        .auto_shrink([false, true])
        .show_rows(ui, row_h, n, |ui, range| {
            ui.style_mut().wrap_mode = Some(egui::TextWrapMode::Truncate);
            for i in range {
                let text = line(i);
                ui.label(&text).on_hover_text(text);
            }
        });
}

/// A defect code (`too_deep`) in plain words; an unknown code as itself.
fn plain_defect(code: &str) -> String {
    match crate::model::DefectKind::parse(code) {
        Some(k) => {
            let p = k.plain();
            let mut c = p.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        }
        None => code.to_string(),
    }
}
