//! The reading pane's "Patterns in the text": the phone numbers, e-mail
//! addresses, links, IBANs and amounts found in the shown message, listed
//! in a section (a click searches for the messages mentioning one) and
//! underlined in the body. Found when the message is opened (in the
//! command that opens it, [`ReadingPatterns::of`]), never while drawing.

use std::ops::Range;

use crate::display::visible;
use crate::model::Message;
use crate::patterns::{self, Context, Kind, Mention};

use super::Command;

/// The patterns of the message being read.
#[derive(Clone, Debug, Default)]
pub struct ReadingPatterns {
    /// The distinct values of the message (body, other renderings,
    /// attachment texts), as the index holds them.
    pub mentions: Vec<Mention>,
    /// Where values are written, per rendering (0: the body, then each
    /// alternative), in bytes of that text.
    pub marks: Vec<Vec<Range<usize>>>,
}

impl ReadingPatterns {
    /// Finds the patterns of `m` (its attachment texts filled in).
    pub fn of(m: &Message) -> ReadingPatterns {
        let cx = Context::of(m);
        let spans = |text: &str| -> Vec<Range<usize>> {
            patterns::find(text, &cx)
                .into_iter()
                // A link's domain shares the link's place.
                .filter(|f| f.mention.kind != Kind::Domain)
                .map(|f| f.span)
                .collect()
        };
        let mut marks = vec![spans(&m.body_text)];
        marks.extend(m.alternatives.iter().map(|a| spans(&a.text)));
        ReadingPatterns {
            mentions: patterns::of_message(m),
            marks,
        }
    }

    /// The marks of rendering `shown` (0: the body).
    pub fn marks(&self, shown: usize) -> &[Range<usize>] {
        self.marks.get(shown).map_or(&[], Vec::as_slice)
    }
}

/// The search term that finds the messages mentioning `m`.
pub fn mention_query(m: &Mention) -> String {
    format!("mentions:\"{}\"", m.value.replace('"', ""))
}

/// The section listing the patterns, by kind; a click on a value
/// refines the search to the messages mentioning it.
pub fn patterns_ui(ui: &mut egui::Ui, p: &ReadingPatterns) -> Vec<Command> {
    let mut out = Vec::new();
    if p.mentions.is_empty() {
        return out;
    }
    ui.separator();
    egui::CollapsingHeader::new(
        egui::RichText::new(format!("Patterns in the text ({})", p.mentions.len())).strong(),
    )
    .id_salt("reading-patterns")
    .default_open(true)
    .show(ui, |ui| {
        for kind in Kind::ALL {
            let values: Vec<&Mention> = p.mentions.iter().filter(|m| m.kind == kind).collect();
            if values.is_empty() {
                continue;
            }
            ui.horizontal_wrapped(|ui| {
                ui.weak(format!("{}:", kind.title()));
                for m in values {
                    let text =
                        egui::RichText::new(visible(&m.value)).color(ui.visuals().hyperlink_color);
                    let resp = ui
                        .add(egui::Label::new(text).sense(egui::Sense::click()))
                        .on_hover_cursor(egui::CursorIcon::PointingHand)
                        .on_hover_text(format!("refine: {}", mention_query(m)));
                    if resp.clicked() {
                        out.push(Command::Refine(mention_query(m)));
                    }
                }
            });
        }
    });
    out
}

/// Appends `body[range]`, the parts inside `marks` underlined with `mark`.
pub(super) fn append_marked(
    job: &mut egui::text::LayoutJob,
    body: &str,
    range: std::ops::Range<usize>,
    marks: &[std::ops::Range<usize>],
    normal: &egui::text::TextFormat,
    mark: egui::Stroke,
) {
    let mut pos = range.start;
    for m in marks
        .iter()
        .filter(|m| m.start < range.end && m.end > range.start)
    {
        let s = m.start.max(pos);
        let e = m.end.min(range.end);
        if s >= e || !body.is_char_boundary(s) || !body.is_char_boundary(e) {
            continue;
        }
        if s > pos {
            job.append(
                &crate::display::visible_text(&body[pos..s]),
                0.0,
                normal.clone(),
            );
        }
        job.append(
            &crate::display::visible_text(&body[s..e]),
            0.0,
            egui::text::TextFormat {
                underline: mark,
                ..normal.clone()
            },
        );
        pos = e;
    }
    if pos < range.end {
        job.append(
            &crate::display::visible_text(&body[pos..range.end]),
            0.0,
            normal.clone(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Alternative, Sha256};

    #[test]
    fn marks_per_rendering_and_values_once() {
        let mut m = Message::empty(Sha256::of(b"p"), 1);
        m.body_text = "Call +1 202 555 0143 or see https://dnc.org/x".into();
        m.alternatives = vec![Alternative {
            mime: "text/html".into(),
            text: "Call (202) 555-0143".into(),
        }];
        let p = ReadingPatterns::of(&m);
        assert_eq!(p.marks(0), [5..20, 28..45]);
        assert_eq!(p.marks(1), vec![5..19]);
        assert!(p.marks(2).is_empty());
        let phones: Vec<&str> = p
            .mentions
            .iter()
            .filter(|m| m.kind == Kind::Phone)
            .map(|m| m.value.as_str())
            .collect();
        assert_eq!(phones, ["+12025550143"]);
        assert_eq!(mention_query(&p.mentions[0]), "mentions:\"+12025550143\"");
    }
}
