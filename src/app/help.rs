//! The help window (F1, the `?` beside the search bar, View → Help): the
//! query language with an example for each field (laid out from
//! [`crate::query::HELP`], so the CLI's `help-query` and the window say
//! the same), the keyboard, what a case is and where it lives, and what an
//! import guarantees.

use egui::RichText;

use super::Command;

/// The keyboard, as (keys, what they do).
const KEYS: &[(&str, &str)] = &[
    ("F1", "this help"),
    ("Ctrl+F or /", "search"),
    ("Enter (in the search box)", "search now"),
    ("Up / Down, j / k", "previous / next message"),
    (
        "Page Up / Page Down, Home / End",
        "move by a page, to the first / last",
    ),
    (
        "Enter (in the list)",
        "open the message, or expand a thread",
    ),
    (
        "Left / Right",
        "work in the list / the reading pane (a click in a pane does too; the active one is outlined)",
    ),
    ("F3 / Shift+F3", "next / previous search hit in the message"),
    (
        "n / Shift+n (reading pane)",
        "next / previous search hit in the message",
    ),
    ("n (list)", "add a note to the selected message"),
    (
        "s",
        "star or unstar the marked messages (else the selected one; a thread row: its whole thread)",
    ),
    (
        "t",
        "tags of the marked messages (else the selected one; a thread row: its whole thread)",
    ),
    ("Ctrl+Z", "undo the last tag or star change"),
    ("Ctrl+H", "recent searches (Up / Down, Enter)"),
    ("Ctrl+click a row", "mark it (for export, tags and stars)"),
    ("Ctrl+P", "print / save the message being read as a PDF"),
    (
        "Ctrl+plus / Ctrl+minus / Ctrl+0",
        "text larger / smaller / normal",
    ),
    ("Escape", "close a menu or window"),
];

/// What an import promises, in a reporter's words.
const GUARANTEES: &str = "\
Sources are only read: nothing is written into or next to them, and nothing \
is fetched from the network. Every message found gets a record, even one that \
cannot be read (it is kept exactly as it was); the report's numbers add up: \
messages read = new + exact copies + already in the case, and files that are \
not mail are listed with the reason. Each message keeps its original bytes, \
their SHA-256 and where it was found (file and offset), for citation. An \
import that is stopped (Cancel, a crash, a power cut) resumes where it was \
when the same source is opened again.";

/// The rows of the query help: (what, example) per line of
/// [`crate::query::HELP`] that has both (split at its first run of two or
/// more spaces), an example-only row for an indented continuation, and the
/// closing sentences as one paragraph.
pub fn query_rows(help: &str) -> (Vec<(String, String)>, String) {
    let mut rows = Vec::new();
    let mut notes = Vec::new();
    for line in help.lines() {
        let t = line.trim_end();
        if t.is_empty() {
            continue;
        }
        if t.starts_with("  ") {
            rows.push((String::new(), t.trim_start().to_string()));
        } else if let Some(i) = t.find("  ") {
            let what = t[..i].trim().trim_end_matches(':').to_string();
            rows.push((what, t[i..].trim().to_string()));
        } else {
            notes.push(t);
        }
    }
    (rows, notes.join(" "))
}

/// The help window; `cases` is the folder new cases go to.
pub fn help_ui(ctx: &egui::Context, cases: &std::path::Path) -> Vec<Command> {
    let mut out = Vec::new();
    let mut open = true;
    egui::Window::new("Help")
        .open(&mut open)
        .resizable(true)
        .default_size([720.0, 560.0])
        .show(ctx, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                egui::CollapsingHeader::new(RichText::new("Searching").strong())
                    .default_open(true)
                    .show(ui, |ui| {
                        let (rows, notes) = query_rows(crate::query::HELP);
                        egui::Grid::new("help-query")
                            .striped(true)
                            .num_columns(2)
                            .show(ui, |ui| {
                                for (what, example) in rows {
                                    ui.label(what);
                                    ui.label(RichText::new(example).monospace());
                                    ui.end_row();
                                }
                            });
                        ui.label(notes);
                    });
                egui::CollapsingHeader::new(RichText::new("Keyboard").strong())
                    .default_open(true)
                    .show(ui, |ui| {
                        egui::Grid::new("help-keys").striped(true).show(ui, |ui| {
                            for (keys, what) in KEYS {
                                ui.label(RichText::new(*keys).monospace());
                                ui.label(*what);
                                ui.end_row();
                            }
                        });
                    });
                egui::CollapsingHeader::new(RichText::new("Cases").strong())
                    .default_open(true)
                    .show(ui, |ui| {
                        ui.label(format!(
                            "A case is mailsift's own folder for one collection: the messages' \
                             records, the search index, the threads, the import reports and a log \
                             of every import and export. Opening a mailbox or a folder makes one \
                             in {} (File → Where new cases are kept… changes that); File → Open \
                             case… opens one again. A case folder can be moved or copied as a \
                             whole; it refers to the sources by their path.",
                            cases.display()
                        ));
                    });
                egui::CollapsingHeader::new(RichText::new("What an import guarantees").strong())
                    .default_open(true)
                    .show(ui, |ui| {
                        ui.label(GUARANTEES);
                    });
            });
        });
    if !open {
        out.push(Command::ToggleHelp);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every field of the query language gets a row with an example, and
    /// nothing of the help text is dropped.
    #[test]
    fn the_query_help_is_laid_out_as_rows_with_examples() {
        let (rows, notes) = query_rows(crate::query::HELP);
        assert!(rows.len() >= 10);
        for (what, example) in &rows {
            assert!(!example.is_empty(), "{what:?} has no example");
        }
        let field = rows
            .iter()
            .find(|(w, _)| w.starts_with("Fields"))
            .expect("the fields row");
        assert!(field.1.contains("from:ann"));
        let words: usize = crate::query::HELP.split_whitespace().count();
        let laid: usize = rows
            .iter()
            .map(|(w, e)| w.split_whitespace().count() + e.split_whitespace().count())
            .sum::<usize>()
            + notes.split_whitespace().count();
        assert_eq!(words, laid, "every word of the help is shown");
    }
}
