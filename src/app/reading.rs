//! The reading pane: headers with full addresses, defect warnings, the body
//! as text (quoted lines dimmed, search hits highlighted, invisible
//! characters shown as `<U+XXXX>`; a row of buttons switches between the
//! renderings of a `multipart/alternative` body), the conversation, attachments, and the
//! source window. Encrypted mail gets a banner saying why its body is
//! empty; signed mail a note in the header grid (drawn from the message
//! record alone). Nothing here is loaded from the network or interpreted.

use egui::text::{LayoutJob, TextFormat};
use egui::{Color32, FontId, RichText};

use super::{Command, Reading};
use crate::display::{visible, visible_text};
use crate::index::snippet::Highlighter;
use crate::model::MatchPlace;
use crate::model::{Address, Attachment, Message, Origin, maildir_flag_name};
use crate::query::{Field, Query};

/// Background of search hits.
pub(super) const HIT_BG: Color32 = Color32::from_rgb(250, 220, 90);

/// The banner above an encrypted message.
pub const ENCRYPTED_BANNER: &str =
    "encrypted: the content cannot be read without the recipient's key";

/// Body text shown at most (the source window shows everything).
const BODY_MAX: usize = 256 * 1024;

/// A list of addresses, each `Name <addr>`.
pub fn addresses(list: &[Address]) -> String {
    list.iter()
        .map(super::list::address)
        .collect::<Vec<_>>()
        .join(", ")
}

fn header_row(ui: &mut egui::Ui, name: &str, value: &str) {
    if value.is_empty() {
        return;
    }
    ui.label(RichText::new(name).strong());
    ui.add(egui::Label::new(value).wrap());
    ui.end_row();
}

fn size(n: u64) -> String {
    if n >= 1 << 20 {
        format!("{:.1} MB", n as f64 / (1u64 << 20) as f64)
    } else if n >= 1024 {
        format!("{:.0} KB", n as f64 / 1024.0)
    } else {
        format!("{n} B")
    }
}

/// The body as a layout job: quoted lines dimmed, hits highlighted,
/// patterns found in the text (`marks`, byte ranges) underlined.
pub fn body_job(
    body: &str,
    query: Option<&Query>,
    marks: &[std::ops::Range<usize>],
    monospace: bool,
    ui: &egui::Ui,
) -> LayoutJob {
    let body = match body.char_indices().nth(BODY_MAX) {
        Some((i, _)) => &body[..i],
        None => body,
    };
    let ranges = query
        .map(|q| Highlighter::new(q, Field::Body).ranges(body))
        .unwrap_or_default();
    let font = if monospace {
        FontId::monospace(13.0)
    } else {
        FontId::proportional(14.0)
    };
    let text = ui.visuals().text_color();
    let weak = ui.visuals().weak_text_color();
    let mark = egui::Stroke::new(1.0, ui.visuals().hyperlink_color);
    let mut job = LayoutJob::default();
    let mut hit = ranges.iter().peekable();
    let mut line_start = 0;
    for line in body.split_inclusive('\n') {
        let end = line_start + line.len();
        let quoted = line.trim_start().starts_with('>');
        let color = if quoted { weak } else { text };
        let normal = TextFormat {
            font_id: font.clone(),
            color,
            ..Default::default()
        };
        let mut pos = line_start;
        while pos < end {
            // Skip hits that ended before `pos`.
            while hit.peek().is_some_and(|r| r.end <= pos) {
                hit.next();
            }
            match hit.peek() {
                Some(r) if r.start < end => {
                    let s = r.start.max(pos);
                    if s > pos {
                        super::patterns_ui::append_marked(
                            &mut job,
                            body,
                            pos..s,
                            marks,
                            &normal,
                            mark,
                        );
                    }
                    let e = r.end.min(end);
                    job.append(
                        &visible_text(&body[s..e]),
                        0.0,
                        TextFormat {
                            background: HIT_BG,
                            color: Color32::BLACK,
                            ..normal.clone()
                        },
                    );
                    pos = e;
                }
                _ => {
                    super::patterns_ui::append_marked(
                        &mut job,
                        body,
                        pos..end,
                        marks,
                        &normal,
                        mark,
                    );
                    pos = end;
                }
            }
        }
        // visible_text drops nothing but \r; keep the line break.
        line_start = end;
    }
    job
}

/// The subject as a heading, search hits highlighted.
pub fn subject_job(subject: Option<&str>, query: Option<&Query>, ui: &egui::Ui) -> LayoutJob {
    let font = egui::TextStyle::Heading.resolve(ui.style());
    let normal = TextFormat {
        font_id: font,
        color: ui.visuals().strong_text_color(),
        ..Default::default()
    };
    let mut job = LayoutJob::default();
    let Some(subject) = subject else {
        job.append("(no subject)", 0.0, normal);
        return job;
    };
    let ranges = query
        .map(|q| Highlighter::new(q, Field::Subject).ranges(subject))
        .unwrap_or_default();
    let mut pos = 0;
    for r in ranges {
        if r.start < pos || r.end > subject.len() {
            continue;
        }
        job.append(&visible(&subject[pos..r.start]), 0.0, normal.clone());
        job.append(
            &visible(&subject[r.start..r.end]),
            0.0,
            TextFormat {
                background: HIT_BG,
                color: Color32::BLACK,
                ..normal.clone()
            },
        );
        pos = r.end;
    }
    job.append(&visible(&subject[pos..]), 0.0, normal);
    job
}

/// The reading pane for `reading` (or a hint when nothing is selected).
pub fn reading_pane_ui(
    ui: &mut egui::Ui,
    reading: Option<&Reading>,
    query: Option<&Query>,
    desk: &super::desk::DeskState,
) -> Vec<Command> {
    let mut out = Vec::new();
    let Some(r) = reading else {
        ui.add_space(30.0);
        ui.vertical_centered(|ui| ui.weak("Select a message to read it."));
        return out;
    };
    let m = &r.message;
    // A message outside the results shows no highlights of a search that
    // did not find it.
    let query = query.filter(|_| r.in_results);
    ui.set_max_width(ui.available_width());
    // A scroll position per opening: a message starts at its top (or at
    // its first hit, below), never where the one before was left.
    egui::ScrollArea::vertical()
        .id_salt(("reading-scroll", r.opened))
        .auto_shrink(false)
        .show(ui, |ui| {
            ui.add_space(4.0);
            if !r.in_results {
                ui.colored_label(
                    ui.visuals().warn_fg_color,
                    "Not among the current results: opened before the search changed, \
                     or from a conversation.",
                );
            }
            encrypted_banner_ui(ui, m);
            ui.add(egui::Label::new(subject_job(m.subject.as_deref(), query, ui)).wrap());
            if m.placeholder_subject() {
                ui.weak(
                    "(a placeholder: the real subject is inside the encrypted part, \
                     as \"protected headers\")",
                );
            }
            headers_ui(ui, m, &r.origins, r.opened);
            // Tags, star and notes (read by `logic` for this message).
            if let Some((_, a)) = desk.shown.as_ref().filter(|(id, _)| *id == r.rowid) {
                out.extend(super::desk_ui::reading_marks_ui(ui, a, desk));
            }
            origins_ui(ui, &r.origins);
            out.extend(super::dkim_ui::dkim_ui(
                ui,
                r.dkim.as_ref(),
                r.unsigned_tail.as_deref(),
            ));
            out.extend(super::dkim_ui::received_ui(ui, r.received.as_deref()));
            ui.horizontal(|ui| {
                if ui.button("View source").clicked() {
                    out.push(Command::ViewSource);
                }
                if ui
                    .button("Copy citation")
                    .on_hover_text("Message id, SHA-256 of the source bytes, file and offset")
                    .clicked()
                {
                    out.push(Command::CopyCitation);
                }
                print_ui(ui, r.thread.len(), &mut out);
            });
            if let Some(e) = &r.error {
                ui.colored_label(ui.visuals().error_fg_color, e);
            }
            if !m.defects.is_empty() {
                egui::Frame::group(ui.style()).show(ui, |ui| {
                    for d in &m.defects {
                        ui.colored_label(
                            ui.visuals().warn_fg_color,
                            format!("⚠ {}: {}", d.kind.plain(), visible(&d.detail)),
                        )
                        .on_hover_text(format!("code: {}", d.kind.as_str()));
                    }
                });
            }
            let shown = alternative_switch_ui(ui, m, query);
            let (body, from_html) = match shown.checked_sub(1).and_then(|i| m.alternatives.get(i)) {
                Some(alt) => (&alt.text, alt.mime == "text/html"),
                None => (&m.body_text, m.body_from_html),
            };
            if from_html {
                ui.weak("(HTML part shown as text; nothing was loaded)");
            }
            out.extend(attachments_ui(ui, r));
            out.extend(super::patterns_ui::patterns_ui(ui, &r.patterns));
            signatures_ui(ui, m);
            out.extend(conversation_ui(ui, r));
            ui.separator();
            if ui
                .checkbox(&mut r.monospace.clone(), "Monospace")
                .on_hover_text(
                    "Show the body in a fixed-width font (patches, tables, ASCII art); \
                     the View menu sets the default",
                )
                .clicked()
            {
                out.push(Command::SetMonospace(!r.monospace));
            }
            let job = body_job(body, query, r.patterns.marks(shown), r.monospace, ui);
            // The body's hits: the first is scrolled into view when the
            // message opens, then the one `n` / `N` chose (the subject's
            // hits are at the top anyway).
            let hits = hit_starts(&job);
            let target = (!hits.is_empty()).then(|| r.hit.rem_euclid(hits.len() as i64) as usize);
            if let Some(k) = target {
                ui.weak(format!(
                    "Hit {} of {} in the text · F3 next, Shift+F3 previous (n / N here)",
                    k + 1,
                    hits.len()
                ));
            } else if let Some(q) = query {
                out.extend(elsewhere_ui(ui, r, q, shown));
            }
            let key = ui.scope_id().with("reading-hit");
            let want = (r.opened, shown, r.hit);
            let hit = match target {
                Some(k) if ui.data(|d| d.get_temp::<(u64, usize, i64)>(key)) != Some(want) => {
                    hit_rect(&job, hits[k], ui)
                }
                _ => None,
            };
            let resp = ui.add(egui::Label::new(job).wrap().selectable(true));
            if let Some(rect) = hit {
                ui.scroll_to_rect(
                    rect.translate(resp.rect.min.to_vec2()),
                    Some(egui::Align::Center),
                );
                ui.data_mut(|d| d.insert_temp(key, want));
            }
            if body.len() > BODY_MAX {
                ui.weak("… the body goes on; View source shows all of it.");
            }
        });
    out
}

/// Byte offsets in `job`'s text where its highlighted hits start (a hit
/// that runs over a line break counts once).
fn hit_starts(job: &LayoutJob) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut last_end = None;
    for s in job
        .sections
        .iter()
        .filter(|s| s.format.background == HIT_BG)
    {
        let (a, b) = (s.byte_range.start.0, s.byte_range.end.0);
        let continues = last_end.is_some_and(|e: usize| {
            job.text
                .get(e..a)
                .is_some_and(|gap| gap.chars().all(|c| c == '\n'))
        });
        if !continues {
            starts.push(a);
        }
        last_end = Some(b);
    }
    starts
}

/// Where the hit starting at byte `start` of `job` is, relative to the top
/// left of the label that shows it at the width available.
fn hit_rect(job: &LayoutJob, start: usize, ui: &egui::Ui) -> Option<egui::Rect> {
    let chars = job.text.get(..start.min(job.text.len()))?.chars().count();
    let mut job = job.clone();
    job.wrap.max_width = ui.available_width();
    let galley = ui.fonts_mut(|f| f.layout_job(job));
    Some(galley.pos_from_cursor(egui::text::CCursor::new(chars)))
}

/// The banner of an encrypted message: why its body is empty and its
/// parts unnamed.
fn encrypted_banner_ui(ui: &mut egui::Ui, m: &Message) {
    let Some(kind) = m.encrypted else {
        return;
    };
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.colored_label(ui.visuals().warn_fg_color, ENCRYPTED_BANNER);
        ui.weak(format!(
            "{}; the encrypted parts are kept as they are",
            kind.label()
        ));
    });
}

/// The signature parts of a signed message: kept, not attachments.
fn signatures_ui(ui: &mut egui::Ui, m: &Message) {
    if m.signatures.is_empty() {
        return;
    }
    let parts: Vec<String> = m
        .signatures
        .iter()
        .map(|a| {
            format!(
                "{} ({}, {})",
                visible(a.name.as_deref().unwrap_or("(no name)")),
                visible(&a.mime),
                size(a.size)
            )
        })
        .collect();
    ui.weak(format!(
        "Signature parts (not attachments, not verified): {}",
        parts.join(", ")
    ));
}

/// Where the message was found: its first origin and, for a message found
/// more than once, every copy ("also in"), each with its file and byte
/// offset, so a duplicate is never hidden.
fn origins_ui(ui: &mut egui::Ui, origins: &[crate::model::Origin]) {
    let place = |o: &crate::model::Origin| {
        if let Some(item) = &o.converted {
            // An Outlook item: no MIME source, the message is mailsift's
            // rendering of it.
            format!(
                "{}, {} (converted)",
                visible(&o.display_path()),
                visible(item)
            )
        } else if o.offset == 0 && o.format == crate::model::SourceFormat::Eml {
            visible(&o.display_path())
        } else {
            format!("{} at offset {}", visible(&o.display_path()), o.offset)
        }
    };
    let Some((first, copies)) = origins.split_first() else {
        return;
    };
    ui.horizontal_wrapped(|ui| {
        ui.weak("Found in");
        ui.label(place(first));
    });
    if !copies.is_empty() {
        ui.horizontal_wrapped(|ui| {
            ui.weak(format!(
                "Also in ({} {}):",
                copies.len(),
                if copies.len() == 1 { "copy" } else { "copies" }
            ));
            let list: Vec<String> = copies.iter().map(place).collect();
            ui.label(list.join(" · "));
        });
    }
}

/// Names of the renderings of the body: the one shown first, then the
/// other alternatives (`Plain text`, `HTML`, numbered when a kind repeats).
fn alternative_names(m: &Message) -> Vec<String> {
    let kind = |html: bool| if html { "HTML" } else { "Plain text" };
    let mut kinds = vec![kind(m.body_from_html)];
    kinds.extend(m.alternatives.iter().map(|a| kind(a.mime == "text/html")));
    kinds
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let nth = kinds[..=i].iter().filter(|o| *o == k).count();
            let repeated = kinds.iter().filter(|o| *o == k).count() > 1;
            if repeated {
                format!("{k} {nth}")
            } else {
                (*k).to_string()
            }
        })
        .collect()
}

/// A row of buttons choosing which rendering of the body is shown, when
/// the message carries alternatives: 0 is the preferred one (`body_text`),
/// `i` the `i`-th of `alternatives`. The choice is kept per message.
fn alternative_switch_ui(ui: &mut egui::Ui, m: &Message, query: Option<&Query>) -> usize {
    if m.alternatives.is_empty() {
        return 0;
    }
    let id = egui::Id::unique("reading-alternative").with(m.key);
    // Opened from a search whose words are only in another form of the
    // body (the HTML beside a plain text that says less): show that one.
    let first_with_hits = || {
        let h = Highlighter::new(query?, Field::Body);
        if h.is_empty() || !h.ranges(&m.body_text).is_empty() {
            return None;
        }
        m.alternatives
            .iter()
            .position(|a| !h.ranges(&a.text).is_empty())
            .map(|i| i + 1)
    };
    let mut shown = ui
        .data(|d| d.get_temp::<usize>(id))
        .or_else(first_with_hits)
        .unwrap_or(0)
        .min(m.alternatives.len());
    ui.horizontal(|ui| {
        ui.label("Show body as:");
        for (i, name) in alternative_names(m).iter().enumerate() {
            let button = ui
                .selectable_label(shown == i, name)
                .on_hover_text("The message carries its body in several forms (multipart/alternative); all are searched");
            if button.clicked() {
                shown = i;
            }
        }
    });
    ui.data_mut(|d| d.insert_temp(id, shown));
    shown
}

/// The maildir flags of a message's origins in words: each distinct
/// state once (`seen, replied (maildir RS)`; `unread (maildir, no
/// flags)`), `·` between them; empty when no origin is a maildir file.
pub fn flags_text(origins: &[Origin]) -> String {
    let mut states: Vec<&str> = Vec::new();
    for s in origins.iter().filter_map(Origin::maildir_state) {
        if !states.contains(&s) {
            states.push(s);
        }
    }
    states
        .iter()
        .map(|state| {
            let mut names: Vec<&str> = Vec::new();
            if !state.contains('S') {
                names.push("unread");
            }
            names.extend(state.chars().filter_map(maildir_flag_name));
            if state.is_empty() {
                format!("{} (maildir, no flags)", names.join(", "))
            } else {
                format!("{} (maildir {})", names.join(", "), visible(state))
            }
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

/// The header grid: addresses, date (as read and as written), id, and how
/// the owner filed the message: Gmail labels and maildir flags.
fn headers_ui(ui: &mut egui::Ui, m: &Message, origins: &[Origin], opened: u64) {
    egui::Grid::new("headers")
        .num_columns(2)
        .spacing([8.0, 2.0])
        .show(ui, |ui| {
            header_row(ui, "From", &addresses(&m.from));
            if m.sender.first().is_some_and(|s| !m.from.contains(s)) {
                header_row(ui, "Sender", &addresses(&m.sender));
            }
            if !m.reply_to.is_empty() && m.reply_to != m.from {
                header_row(ui, "Reply-To", &addresses(&m.reply_to));
            }
            address_row(ui, "To", &m.to, opened);
            address_row(ui, "Cc", &m.cc, opened);
            address_row(ui, "Bcc", &m.bcc, opened);
            let date = match (m.date, &m.date_raw) {
                (Some(d), Some(raw)) => format!(
                    "{} UTC  ({})",
                    super::list::short_date(Some(d)),
                    visible(raw)
                ),
                (Some(d), None) => format!("{} UTC", super::list::short_date(Some(d))),
                (None, Some(raw)) => format!("unreadable: {}", visible(raw)),
                (None, None) => "(no date)".into(),
            };
            header_row(ui, "Date", &date);
            header_row(ui, "ID", &m.key.to_hex());
            let mut protection = Vec::new();
            if let Some(k) = m.signed {
                protection.push(format!("signed ({})", k.label()));
            }
            if let Some(k) = m.encrypted {
                protection.push(format!("encrypted ({})", k.label()));
            }
            header_row(ui, "Protection", &protection.join(", "));
            let labels: Vec<String> = m.labels.iter().map(|l| visible(l)).collect();
            header_row(ui, "Labels", &labels.join(", "));
            header_row(ui, "Flags", &flags_text(origins));
        });
}

/// The attachments (not inline parts without a name), each with what can
/// be done with it.
fn attachments_ui(ui: &mut egui::Ui, r: &Reading) -> Vec<Command> {
    let mut out = Vec::new();
    let atts: Vec<_> = r
        .message
        .attachments
        .iter()
        .enumerate()
        .filter(|(_, a)| !a.inline || a.name.is_some())
        .collect();
    if atts.is_empty() {
        return out;
    }
    ui.separator();
    ui.horizontal(|ui| {
        ui.strong(format!("Attachments ({})", atts.len()));
        if ui.button("Save all…").clicked() {
            out.push(Command::SaveAllAttachments);
        }
    });
    for (i, a) in atts {
        let hit = r
            .matched
            .iter()
            .any(|m| matches!(m, MatchPlace::Attachment { index, .. } if *index == i));
        let others = r.also_in.get(i).copied().unwrap_or(0);
        ui.horizontal_wrapped(|ui| out.extend(attachment_row_ui(ui, i, a, hit, others)));
    }
    out
}

/// Attachment `i`: name (marked when the search `hit` its text), type,
/// size, and its buttons; `others`: other messages with the same content.
fn attachment_row_ui(
    ui: &mut egui::Ui,
    i: usize,
    a: &Attachment,
    hit: bool,
    others: usize,
) -> Vec<Command> {
    let mut out = Vec::new();
    let name = a
        .name
        .as_deref()
        .map(visible)
        .unwrap_or_else(|| "(no name)".into());
    let label = RichText::new(format!("📎 {name}"));
    if hit {
        ui.label(label.background_color(HIT_BG).color(Color32::BLACK))
            .on_hover_text("The search matched the text of this attachment");
    } else {
        ui.label(label);
    }
    let mut info = format!("{} · {}", visible(&a.mime), size(a.size));
    if let Some(k) = &a.kind {
        info.push_str(&format!(" · {k}"));
    }
    if let Some(st) = a.text_status {
        info.push_str(&format!(" · text {}", st.as_str()));
    }
    ui.weak(info);
    if ui
        .small_button("Save…")
        .on_hover_text(format!("Save {name}"))
        .clicked()
    {
        out.push(Command::SaveAttachment(i));
    }
    if a.text.is_some()
        && ui
            .small_button("View text")
            .on_hover_text(format!("The text of {name}, search hits marked"))
            .clicked()
    {
        out.push(Command::ViewAttachmentText(i));
    }
    if a.kind.as_deref() == Some("image")
        && ui
            .small_button("Preview")
            .on_hover_text(format!("Show {name} (decoded here, nothing is opened)"))
            .clicked()
    {
        out.push(Command::PreviewAttachment(i));
    }
    if others > 0
        && ui
            .link(format!(
                "also in {others} other message{}",
                if others == 1 { "" } else { "s" }
            ))
            .clicked()
    {
        out.push(Command::AttachmentAlsoIn(i));
    }
    out
}

/// The conversation: the thread's messages, this one selected.
fn conversation_ui(ui: &mut egui::Ui, r: &Reading) -> Vec<Command> {
    let mut out = Vec::new();
    if r.thread.is_empty() {
        return out;
    }
    // Above the body, so it is reachable without scrolling past it; a long
    // conversation starts folded.
    egui::CollapsingHeader::new(
        RichText::new(format!("Conversation ({} messages)", r.thread.len())).strong(),
    )
    .id_salt(("conversation", r.opened))
    .default_open(r.thread.len() <= CONVERSATION_OPEN)
    .show(ui, |ui| {
        // Long lines are cut, not allowed to widen the pane.
        ui.style_mut().wrap_mode = Some(egui::TextWrapMode::Truncate);
        for (depth, rowid, s) in &r.thread {
            ui.horizontal(|ui| {
                ui.add_space(12.0 * (*depth).min(16) as f32);
                let text = format!("{}  {}  {}", s.date, s.from, s.subject);
                if ui.selectable_label(*rowid == r.rowid, text).clicked() && *rowid != r.rowid {
                    out.push(Command::ShowMessage(*rowid));
                }
            });
        }
    });
    out
}

/// Conversations up to this long are shown unfolded above the body.
const CONVERSATION_OPEN: usize = 8;

/// Recipient lists longer than this show their first few and "and N
/// others", which unfolds the rest.
const RECIPIENTS_SHOWN: usize = 5;

/// An address header's row: every address, or for a long list the first
/// [`RECIPIENTS_SHOWN`] and a link that shows the others (and folds them
/// again); the choice is kept per message being read (`opened`).
fn address_row(ui: &mut egui::Ui, name: &str, list: &[Address], opened: u64) {
    if list.len() <= RECIPIENTS_SHOWN + 1 {
        header_row(ui, name, &addresses(list));
        return;
    }
    let id = ui.scope_id().with(("recipients", name, opened));
    let mut open = ui.data(|d| d.get_temp::<bool>(id)).unwrap_or(false);
    ui.label(RichText::new(name).strong());
    ui.vertical(|ui| {
        let shown = if open {
            list
        } else {
            &list[..RECIPIENTS_SHOWN]
        };
        ui.add(egui::Label::new(addresses(shown)).wrap());
        let link = if open {
            "show fewer".to_string()
        } else {
            format!("and {} others", list.len() - RECIPIENTS_SHOWN)
        };
        if ui.link(link).clicked() {
            open = !open;
            ui.data_mut(|d| d.insert_temp(id, open));
        }
    });
    ui.end_row();
}

/// The source of the message (escaped) in a window.
pub fn source_ui(ctx: &egui::Context, text: &str) -> Vec<Command> {
    let mut out = Vec::new();
    let mut open = true;
    egui::Window::new("Message source")
        .open(&mut open)
        .default_size([700.0, 520.0])
        .show(ctx, |ui| {
            egui::ScrollArea::both().auto_shrink(false).show(ui, |ui| {
                ui.add(egui::Label::new(RichText::new(text).monospace()).selectable(true));
            });
        });
    if !open {
        out.push(Command::CloseSource);
    }
    out
}

/// Where the search matched when the text shown has none of its words:
/// another form of the body, an attachment's text (a button opens it), or
/// the headers; so that under any sort the first hit can be found.
fn elsewhere_ui(ui: &mut egui::Ui, r: &Reading, q: &Query, shown: usize) -> Vec<Command> {
    let mut out = Vec::new();
    let m = &r.message;
    let h = Highlighter::new(q, Field::Body);
    let mut places: Vec<String> = Vec::new();
    if !h.is_empty() {
        let forms = alternative_names(m);
        let texts = std::iter::once(&m.body_text).chain(m.alternatives.iter().map(|a| &a.text));
        for (i, text) in texts.enumerate() {
            if i != shown && !h.ranges(text).is_empty() {
                places.push(format!(
                    "the {} form of the body (switch above)",
                    forms.get(i).map_or("other", String::as_str)
                ));
            }
        }
    }
    let atts: Vec<(usize, String)> = r
        .matched
        .iter()
        .filter_map(|p| match p {
            MatchPlace::Attachment { index, name } => Some((
                *index,
                name.as_deref()
                    .map_or_else(|| format!("attachment {}", index + 1), visible),
            )),
            MatchPlace::Message => None,
        })
        .collect();
    if places.is_empty() && atts.is_empty() {
        // Words that could be in a body but are not: they matched a name,
        // an address or the subject. (A query without such words — a date,
        // a sender, a tag — says nothing here.)
        if !h.is_empty() && r.matched.contains(&MatchPlace::Message) {
            ui.weak(
                "No hit in the text: the search matched the headers (subject, names, addresses).",
            );
        }
        return out;
    }
    ui.horizontal_wrapped(|ui| {
        ui.weak("No hit in this text; the search matched in");
        for p in &places {
            ui.weak(p);
        }
        for (i, name) in atts {
            if ui
                .button(format!("the attachment {name}"))
                .on_hover_text("Show the attachment's text, search hits marked")
                .clicked()
            {
                out.push(Command::ViewAttachmentText(i));
            }
        }
    });
    out
}

/// Print / Save as PDF: the message, or (in a thread) a choice of the
/// message or the whole thread.
fn print_ui(ui: &mut egui::Ui, thread_len: usize, out: &mut Vec<Command>) {
    let hint = "A PDF with the headers, the body, the attachments and where the \
                message was found, to read, print or send (Ctrl+P)";
    if thread_len > 1 {
        ui.menu_button("Print / Save as PDF…", |ui| {
            if ui.button("This message").clicked() {
                out.push(Command::Print {
                    whole_thread: false,
                });
            }
            if ui
                .button(format!("The whole thread ({thread_len} messages)"))
                .clicked()
            {
                out.push(Command::Print { whole_thread: true });
            }
        })
        .response
        .on_hover_text(hint);
    } else if ui
        .button("Print / Save as PDF…")
        .on_hover_text(hint)
        .clicked()
    {
        out.push(Command::Print {
            whole_thread: false,
        });
    }
}

#[cfg(test)]
mod tests {
    use egui_kittest::Harness;
    use egui_kittest::kittest::Queryable;

    use super::*;
    use crate::model::{Alternative, Sha256};

    /// A message whose body comes in plain text and HTML (issue 13, item 1).
    fn reading() -> Reading {
        let mut message = Message::empty(Sha256::of(b"alt"), 10);
        message.subject = Some("Alternatives".into());
        message.body_text = "The plain words.".into();
        message.alternatives = vec![Alternative {
            mime: "text/html".into(),
            text: "Only in zanzibarian HTML.".into(),
        }];
        Reading {
            rowid: 1,
            message,
            thread: Vec::new(),
            source: None,
            error: None,
            matched: Vec::new(),
            also_in: Vec::new(),
            origins: Vec::new(),
            attachment_view: None,
            monospace: false,
            in_results: true,
            hit: 0,
            opened: 1,
            dkim: None,
            received: None,
            unsigned_tail: None,
            patterns: Default::default(),
        }
    }

    #[test]
    fn the_pane_switches_between_plain_text_and_html() {
        let r = reading();
        let mut h = Harness::new_ui(move |ui| {
            reading_pane_ui(ui, Some(&r), None, &Default::default());
        });
        h.run();
        assert!(h.query_by_label_contains("The plain words.").is_some());
        assert!(h.query_by_label_contains("zanzibarian").is_none());
        h.get_by_label("HTML").click();
        h.run();
        assert!(h.query_by_label_contains("zanzibarian").is_some());
        assert!(h.query_by_label_contains("The plain words.").is_none());
        h.get_by_label("Plain text").click();
        h.run();
        assert!(h.query_by_label_contains("The plain words.").is_some());
    }

    fn origin(path: &str, flags: Option<&str>) -> Origin {
        Origin {
            path: path.into(),
            format: crate::model::SourceFormat::Eml,
            offset: 0,
            length: 1,
            raw_sha256: Sha256::of(b""),
            from_line: None,
            maildir_flags: flags.map(String::from),
            entry: None,
            converted: None,
        }
    }

    /// Issue 13, item 12: how the owner filed the mail is shown.
    #[test]
    fn the_pane_shows_gmail_labels_and_maildir_flags() {
        let mut r = reading();
        r.message.labels = vec!["Inbox".into(), "Category Personal".into()];
        r.origins = vec![
            origin("/m/cur/1.host:2,FRS", Some("FRS")),
            origin("/m/new/2.host", None),
        ];
        let mut h = Harness::new_ui(move |ui| {
            reading_pane_ui(ui, Some(&r), None, &Default::default());
        });
        h.run();
        assert!(h.query_by_label("Labels").is_some());
        assert!(h.query_by_label("Inbox, Category Personal").is_some());
        assert!(h.query_by_label("Flags").is_some());
        assert!(
            h.query_by_label("flagged, replied, seen (maildir FRS) · unread (maildir, no flags)")
                .is_some()
        );
        // No labels and no maildir origin: no rows.
        let bare = reading();
        let mut h = Harness::new_ui(move |ui| {
            reading_pane_ui(ui, Some(&bare), None, &Default::default());
        });
        h.run();
        assert!(h.query_by_label("Labels").is_none());
        assert!(h.query_by_label("Flags").is_none());
    }

    /// Issue 18: a message inside an archive is shown where it is in it.
    #[test]
    fn the_origin_line_names_the_archive_entry() {
        let mut r = reading();
        let mut o = origin("/dump/mail.zip", None);
        o.entry = Some("inner.tar!/folder/msg.eml".into());
        r.origins = vec![o];
        let mut h = Harness::new_ui(move |ui| {
            reading_pane_ui(ui, Some(&r), None, &Default::default());
        });
        h.run();
        assert!(
            h.query_by_label("/dump/mail.zip!/inner.tar!/folder/msg.eml")
                .is_some()
        );
    }

    /// Issue 18: a message converted from an Outlook item says so, with
    /// the item's place in its PST.
    #[test]
    fn the_origin_line_marks_converted_items() {
        let mut r = reading();
        let mut o = origin("/dump/ann.pst", None);
        o.format = crate::model::SourceFormat::Pst;
        o.offset = 0x200024;
        o.converted = Some("PST node 0x00200024 in \"Inbox/Finance\"".into());
        r.origins = vec![o];
        let mut h = Harness::new_ui(move |ui| {
            reading_pane_ui(ui, Some(&r), None, &Default::default());
        });
        h.run();
        assert!(
            h.query_by_label("/dump/ann.pst, PST node 0x00200024 in \"Inbox/Finance\" (converted)")
                .is_some()
        );
    }

    #[test]
    fn flags_text_names_each_state_once() {
        assert_eq!(flags_text(&[]), "");
        assert_eq!(flags_text(&[origin("/x/a.mbox", None)]), "");
        assert_eq!(
            flags_text(&[
                origin("/m/cur/a:2,S", Some("S")),
                origin("/n/cur/b:2,S", Some("S"))
            ]),
            "seen (maildir S)"
        );
        assert_eq!(
            flags_text(&[origin("/m/cur/a:2,Ta", Some("Ta"))]),
            "unread, trashed (maildir Ta)"
        );
    }

    #[test]
    fn encrypted_mail_has_a_banner_and_signed_mail_a_note() {
        let bare = || {
            let mut r = reading();
            r.message.subject = Some("...".into());
            r.message.body_text.clear();
            r.message.alternatives.clear();
            r
        };
        let plain = bare();
        let mut r = bare();
        r.message.encrypted = Some(crate::model::EncryptionKind::PgpMime);
        r.message.signed = Some(crate::model::SignatureKind::Smime);
        let mut h = Harness::new_ui(move |ui| {
            reading_pane_ui(ui, Some(&r), None, &Default::default());
        });
        h.run();
        assert!(h.query_by_label_contains(ENCRYPTED_BANNER).is_some());
        assert!(h.query_by_label_contains("a placeholder").is_some());
        assert!(h.query_by_label_contains("signed (S/MIME)").is_some());
        let mut h = Harness::new_ui(move |ui| {
            reading_pane_ui(ui, Some(&plain), None, &Default::default());
        });
        h.run();
        assert!(h.query_by_label_contains("encrypted").is_none());
        assert!(h.query_by_label_contains("placeholder").is_none());
        assert!(h.query_by_label_contains("signed").is_none());
    }

    #[test]
    fn alternative_names_number_repeated_kinds() {
        let mut m = reading().message;
        m.alternatives.push(Alternative {
            mime: "text/plain".into(),
            text: "again".into(),
        });
        assert_eq!(
            alternative_names(&m),
            ["Plain text 1", "HTML", "Plain text 2"]
        );
        m.alternatives.clear();
        assert_eq!(alternative_names(&m), ["Plain text"]);
    }

    /// A message opens at its first hit when a search is active, and the
    /// next message opens at its top, not where the one before was left
    /// (issue 17, item 2).
    #[test]
    fn a_message_opens_at_its_first_hit_and_the_next_at_its_top() {
        let mut long = reading();
        long.message.subject = Some("Quarterly numbers".into());
        long.message.body_text = (0..400)
            .map(|i| format!("line {i} of the report"))
            .chain(["the word zanzibarian is here".to_string()])
            .collect::<Vec<_>>()
            .join("\n");
        let query = crate::query::parse("zanzibarian").unwrap();
        let state = (long, Some(query));
        let mut h = Harness::builder().with_size([500.0, 400.0]).build_ui_state(
            |ui, (r, q): &mut (Reading, Option<Query>)| {
                reading_pane_ui(ui, Some(r), q.as_ref(), &Default::default());
            },
            state,
        );
        h.run();
        let subject = h.get_by_label_contains("Quarterly numbers").rect();
        assert!(
            subject.max.y < 0.0,
            "scrolled down to the hit, the subject is above the view: {subject:?}"
        );

        let mut next = reading();
        next.message.subject = Some("Next message".into());
        next.message.body_text = h.state().0.message.body_text.clone();
        next.opened = h.state().0.opened + 1;
        h.state_mut().0 = next;
        h.state_mut().1 = None;
        h.run();
        let subject = h.get_by_label_contains("Next message").rect();
        assert!(
            subject.min.y >= 0.0 && subject.max.y < 400.0,
            "the next message starts at its top: {subject:?}"
        );
    }

    /// A message the current search does not find says so and shows no
    /// highlights of that search (issue 17, item 5).
    #[test]
    fn a_message_outside_the_results_says_so() {
        let mut r = reading();
        r.in_results = false;
        let query = crate::query::parse("plain").unwrap();
        let mut h = Harness::new_ui(move |ui| {
            reading_pane_ui(ui, Some(&r), Some(&query), &Default::default());
        });
        h.run();
        h.get_by_label_contains("Not among the current results");
        let r = reading();
        let mut h = Harness::new_ui(move |ui| {
            reading_pane_ui(ui, Some(&r), None, &Default::default());
        });
        h.run();
        assert!(
            h.query_by_label_contains("Not among the current results")
                .is_none()
        );
    }

    /// The body's font follows the reading's monospace switch, and a patch
    /// is switched on by the automatic setting (issue 17, item 3).
    #[test]
    fn patches_are_shown_in_monospace() {
        let mut h = Harness::new_ui(|ui| {
            let mono = body_job("a | b", None, &[], true, ui);
            let prop = body_job("a | b", None, &[], false, ui);
            assert_eq!(
                mono.sections[0].format.font_id.family,
                egui::FontFamily::Monospace
            );
            assert_eq!(
                prop.sections[0].format.font_id.family,
                egui::FontFamily::Proportional
            );
        });
        h.run();
        let patch = "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n";
        assert!(super::super::BodyFont::Automatic.monospace_for(patch));
        assert!(!super::super::BodyFont::Proportional.monospace_for(patch));
        assert!(super::super::BodyFont::Monospace.monospace_for("prose"));
        assert!(!super::super::BodyFont::Automatic.monospace_for("Dear Ann,\nthanks.\n"));
    }

    /// A long recipient list shows five and "and N others", which unfolds
    /// the rest; the conversation is above the body (issue 17, item 11).
    #[test]
    fn long_recipient_lists_fold_and_the_conversation_is_above_the_body() {
        let mut r = reading();
        r.message.to = (0..30)
            .map(|i| Address {
                name: None,
                addr: format!("person{i}@example.org"),
            })
            .collect();
        r.thread = (0..3)
            .map(|i| {
                (
                    0,
                    i + 1,
                    super::super::RowSummary {
                        subject: format!("Reply {i}"),
                        ..Default::default()
                    },
                )
            })
            .collect();
        let mut h = Harness::builder()
            .with_size([600.0, 800.0])
            .build_ui(move |ui| {
                reading_pane_ui(ui, Some(&r), None, &Default::default());
            });
        h.run();
        assert!(h.query_by_label_contains("person29@example.org").is_none());
        h.get_by_label("and 25 others").click();
        h.run();
        h.get_by_label_contains("person29@example.org");
        h.get_by_label("show fewer");
        let conversation = h.get_by_label_contains("Conversation (3 messages)").rect();
        let body = h.get_by_label_contains("The plain words.").rect();
        assert!(
            conversation.max.y <= body.min.y,
            "{conversation:?} above {body:?}"
        );
    }

    /// `n` / `N` move between the body's hits, which the pane counts
    /// (issue 17, item 4).
    #[test]
    fn n_and_shift_n_walk_the_hits() {
        let mut r = reading();
        r.message.subject = Some("Quarterly numbers".into());
        r.message.body_text = (0..400)
            .map(|i| match i {
                3 | 395 => "the word zanzibarian is here".to_string(),
                _ => format!("line {i} of the report"),
            })
            .collect::<Vec<_>>()
            .join("\n");
        let query = crate::query::parse("zanzibarian").unwrap();
        let mut h = Harness::builder().with_size([500.0, 900.0]).build_ui_state(
            |ui, (r, q): &mut (Reading, Option<Query>)| {
                reading_pane_ui(ui, Some(r), q.as_ref(), &Default::default());
            },
            (r, Some(query)),
        );
        h.run();
        h.get_by_label("Hit 1 of 2 in the text · F3 next, Shift+F3 previous (n / N here)");
        assert!(h.get_by_label_contains("Quarterly numbers").rect().max.y > 0.0);
        h.state_mut().0.hit += 1;
        h.run();
        h.get_by_label_contains("Hit 2 of 2");
        assert!(h.get_by_label_contains("Quarterly numbers").rect().max.y < 0.0);
        h.state_mut().0.hit -= 1;
        h.run();
        h.get_by_label_contains("Hit 1 of 2");
        assert!(h.get_by_label_contains("Quarterly numbers").rect().max.y > 0.0);
    }
}
