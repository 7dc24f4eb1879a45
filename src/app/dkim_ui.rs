//! DKIM in the window (issue 14): the reading pane's verdict line — in
//! plain words, coloured, with "Why?" opening every signature's details
//! (domain, key record, algorithm, reason, where the key came from and
//! when it was in use, the signed headers, warnings) — and File → *Add
//! DKIM keys…*, which adds a key file's keys to the case and verifies
//! again, on a thread of its own, the messages they can change.

use egui::{Color32, RichText};

use super::MailsiftApp;
use super::desk_tasks::DeskDone;
use crate::display::visible;
use crate::dkim::{Outcome, Verdict};
use crate::keys::AddReport;

/// The colour and mark of a verdict.
fn badge(v: Verdict, ui: &egui::Ui) -> (Color32, &'static str, &'static str) {
    let weak = ui.visuals().weak_text_color();
    match v {
        Verdict::Pass => (Color32::from_rgb(60, 170, 90), "✔", "Verified"),
        Verdict::Fail => (ui.visuals().error_fg_color, "✘", "Failed"),
        Verdict::Revoked => (ui.visuals().warn_fg_color, "⚠", "Key revoked"),
        Verdict::Nokey => (ui.visuals().warn_fg_color, "?", "No key"),
        Verdict::Invalid => (ui.visuals().warn_fg_color, "⚠", "Invalid signature"),
        Verdict::None => (weak, "·", "Not signed"),
    }
}

/// The verdict line and its details. `None`: the message has not been
/// verified (a case imported before verification; File → Add DKIM keys…
/// verifies it).
pub fn dkim_ui(
    ui: &mut egui::Ui,
    outcome: Option<&Outcome>,
    tail: Option<&str>,
) -> Vec<super::Command> {
    let mut out = Vec::new();
    let Some(o) = outcome else {
        ui.weak("DKIM: not verified yet (the File menu's Add DKIM keys… verifies this case)")
            .on_hover_text("DKIM signatures are checked offline, against the keys mailsift carries and those you add");
        return out;
    };
    let (colour, mark, word) = badge(o.verdict, ui);
    if o.signatures.is_empty() {
        ui.horizontal(|ui| {
            ui.label(RichText::new(format!("{mark} DKIM: {word}")).color(colour));
            ui.weak("— the message carries no DKIM signature");
        });
        return out;
    }
    // "nokey — no key is known for …" in words: "No key — …".
    let summary = visible(&o.summary());
    let summary = match summary.strip_prefix(o.verdict.as_str()) {
        Some(rest) if o.verdict != Verdict::Pass => format!("{word}{rest}"),
        _ => summary,
    };
    // The verdict wraps: a collapsing header does not, and a long line
    // would widen the reading pane past the window's edge.
    ui.add(egui::Label::new(RichText::new(format!("{mark} DKIM: {summary}")).color(colour)).wrap());
    egui::CollapsingHeader::new("Why? Each signature")
        .id_salt("dkim-details")
        .default_open(false)
        .show(ui, |ui| {
            ui.weak("Checked offline, against the keys mailsift carries and those added:");
            for s in &o.signatures {
                let (c, m, w) = badge(s.verdict, ui);
                ui.label(
                    RichText::new(format!(
                        "{m} {w}: {} (key {}, {})",
                        visible(&s.domain),
                        visible(&s.record_name()),
                        visible(&s.algorithm)
                    ))
                    .color(c),
                );
                ui.indent(("dkim-sig", &s.domain, &s.selector), |ui| {
                    ui.label(visible(&s.reason));
                    if let Some(src) = &s.key_source {
                        let when = s
                            .key_period
                            .as_deref()
                            .map(|p| format!(", in use {}", visible(p)))
                            .unwrap_or_default();
                        ui.weak(format!("Key from {}{when}", visible(src)));
                    }
                    if let Some(bits) = s.key_bits {
                        ui.weak(format!("RSA key of {bits} bits"));
                    }
                    if !s.signed_headers.is_empty() {
                        ui.weak(format!("Signed headers: {}", s.signed_headers.join(", ")));
                    }
                    for warning in &s.warnings {
                        ui.colored_label(
                            ui.visuals().warn_fg_color,
                            format!("⚠ {}", visible(&warning.text)),
                        );
                    }
                    if s.unsigned_tail_offset.is_some() {
                        unsigned_tail_ui(ui, tail, &mut out);
                    }
                });
            }
        });
    out
}

/// What a signature's `l=` leaves uncovered: a button until it is read,
/// then the bytes in a frame of their own, marked as not signed.
fn unsigned_tail_ui(ui: &mut egui::Ui, tail: Option<&str>, out: &mut Vec<super::Command>) {
    let Some(text) = tail else {
        if ui
            .small_button("Show what the signature does not cover")
            .on_hover_text("The bytes after the signed length (l=), read from the source")
            .clicked()
        {
            out.push(super::Command::ShowUnsignedTail);
        }
        return;
    };
    let warn = ui.visuals().warn_fg_color;
    egui::Frame::group(ui.style())
        .stroke(egui::Stroke::new(1.5, warn))
        .show(ui, |ui| {
            ui.colored_label(
                warn,
                "Not covered by the signature (after its l= length): anyone could have added this.",
            );
            ui.add(egui::Label::new(RichText::new(text).monospace().color(warn)).wrap());
        });
}

/// The delivery path: a button until it is read, then each hop (oldest
/// first) with its time, the delay from the hop before, from and by;
/// a time earlier than the hop before is flagged.
pub fn received_ui(
    ui: &mut egui::Ui,
    hops: Option<&[crate::parse::received::Hop]>,
) -> Vec<super::Command> {
    let mut out = Vec::new();
    let Some(hops) = hops else {
        if ui
            .small_button("Delivery path (Received headers)…")
            .on_hover_text("Read the servers the message passed through, from its source")
            .clicked()
        {
            out.push(super::Command::ShowReceived);
        }
        return out;
    };
    if hops.is_empty() {
        ui.weak("Delivery path: the message has no Received headers.");
        return out;
    }
    let backwards = hops.iter().filter(|h| h.backwards).count();
    if backwards > 0 {
        ui.add(
            egui::Label::new(
                RichText::new(format!(
                    "⚠ Delivery path: {backwards} of {} hops with a time earlier than the hop before",
                    hops.len()
                ))
                .color(ui.visuals().warn_fg_color),
            )
            .wrap(),
        );
    }
    let title = RichText::new(format!("Delivery path: {} hops", hops.len()));
    egui::CollapsingHeader::new(title)
        .id_salt("received-hops")
        .default_open(true)
        .show(ui, |ui| {
            for (i, h) in hops.iter().enumerate() {
                let when = h.time.map_or_else(
                    || h.time_raw.clone().unwrap_or_else(|| "no time".into()),
                    crate::time::rfc3339,
                );
                let delay = match h.delay {
                    Some(d) if d < 0 => format!(" ({} earlier than the hop before)", span(-d)),
                    Some(d) => format!(" (+{})", span(d)),
                    None => String::new(),
                };
                let text = format!(
                    "{}. {when}{delay} — from {} by {}{}",
                    i + 1,
                    h.from.as_deref().unwrap_or("?"),
                    h.by.as_deref().unwrap_or("?"),
                    h.with
                        .as_deref()
                        .map(|w| format!(" with {w}"))
                        .unwrap_or_default()
                );
                let label = if h.backwards {
                    ui.add(
                        egui::Label::new(
                            RichText::new(format!("⚠ {text}")).color(ui.visuals().warn_fg_color),
                        )
                        .wrap(),
                    )
                } else {
                    ui.add(egui::Label::new(text).wrap())
                };
                label.on_hover_text(&h.raw);
            }
        });
    out
}

/// A duration in seconds as "5 s", "3 min 4 s", "2 h 1 min", "3 days".
fn span(s: i64) -> String {
    match s {
        s if s < 60 => format!("{s} s"),
        s if s < 3_600 => format!("{} min {} s", s / 60, s % 60),
        s if s < 86_400 => format!("{} h {} min", s / 3_600, (s % 3_600) / 60),
        s => format!("{} days", s / 86_400),
    }
}

/// The status line for a finished `keys add`.
pub fn added_text(path: &std::path::Path, r: &AddReport) -> String {
    let added: usize = r.added_per_domain.values().sum();
    let domains = r.added_per_domain.len();
    let refused: Vec<String> = r
        .files
        .iter()
        .flat_map(|f| f.refused.iter())
        .take(3)
        .map(|x| format!("line {}: {}", x.line, x.reason))
        .collect();
    let refused_n: usize = r.files.iter().map(|f| f.refused.len()).sum();
    let passing = r
        .changed
        .iter()
        .filter(|c| c.after == Verdict::Pass)
        .count();
    let mut text = format!(
        "{} from {}: {added} new {} for {domains} {}; {} messages verified again, {} changed ({passing} now verified).",
        if added == 0 {
            "No new key"
        } else {
            "Keys added"
        },
        path.display(),
        if added == 1 { "key" } else { "keys" },
        if domains == 1 { "domain" } else { "domains" },
        r.reverified,
        r.changed.len(),
    );
    if refused_n > 0 {
        text.push_str(&format!(
            " {refused_n} {} refused ({}{}).",
            if refused_n == 1 { "line" } else { "lines" },
            refused.join("; "),
            if refused_n > refused.len() {
                "; …"
            } else {
                ""
            }
        ));
    }
    if r.unreadable > 0 {
        text.push_str(&format!(
            " {} messages could not be read back from their source and were left as they were.",
            r.unreadable
        ));
    }
    text
}

impl MailsiftApp {
    /// File → Add DKIM keys…: a zone file or DKIM Archive JSON the user
    /// picks, added and applied on a thread of its own.
    pub(super) fn add_dkim_keys(&mut self) {
        let Some(root) = self.case_path.clone() else {
            self.set_status("Open a case first, then add DKIM keys to it.", true);
            return;
        };
        let Some(path) = self.dialogs.pick_text_file("Add DKIM keys") else {
            return;
        };
        self.set_status(format!("Adding the keys of {}…", path.display()), false);
        self.desk_task(move || {
            let r = crate::keys::add(&root, std::slice::from_ref(&path), None, None);
            DeskDone::KeysAdded(path, r)
        });
    }

    /// File → Export evidence packet…: the rows marked with Ctrl+click,
    /// else every result, oldest first, into a zip the user names.
    pub(super) fn export_evidence(&mut self) {
        let (Some(root), Some(res)) = (self.case_path.clone(), &self.search.results) else {
            self.set_status(
                "Search first: the packet holds the results (or the marked rows).",
                true,
            );
            return;
        };
        let mut hits: Vec<crate::index::Hit> = if self.list.marked.is_empty() {
            res.hits.clone()
        } else {
            res.hits
                .iter()
                .filter(|h| self.list.marked.contains(&h.rowid))
                .copied()
                .collect()
        };
        if hits.is_empty() {
            self.set_status("No message to pack.", true);
            return;
        }
        if hits.len() > crate::evidence::MAX_MESSAGES {
            self.set_status(
                format!(
                    "{} messages: a packet holds at most {}. Narrow the search or mark rows.",
                    hits.len(),
                    crate::evidence::MAX_MESSAGES
                ),
                true,
            );
            return;
        }
        hits.sort_by_key(|h| (h.date.is_none(), h.date, h.rowid));
        let rowids: Vec<u64> = hits.iter().map(|h| h.rowid).collect();
        let Some(path) = self.dialogs.save_file("evidence-packet.zip") else {
            return;
        };
        let title = self.cases.name.clone().unwrap_or_else(|| "mailsift".into());
        self.set_status(
            format!("Writing the evidence packet of {} messages…", rowids.len()),
            false,
        );
        self.desk_task(move || {
            let r = crate::browse::Browser::open(&root)
                .and_then(|b| crate::evidence::write_packet(&b, &rowids, &path, &title));
            DeskDone::Evidence(path, r)
        });
    }

    /// A `keys add` finished: the status line, and the verdicts shown
    /// read again (the reading pane, the results).
    pub(super) fn keys_added(
        &mut self,
        path: std::path::PathBuf,
        r: Result<AddReport, crate::error::Error>,
    ) {
        match r {
            Ok(report) => {
                self.set_status(added_text(&path, &report), false);
                // The list's ✔ / ✘ marks are read again with the rows.
                self.list.summaries.clear();
                if let (Some(b), Some(reading)) = (&self.browser, &mut self.reading) {
                    reading.dkim = b.dkim_outcome(reading.rowid).ok().flatten();
                }
                self.request_search(false);
            }
            Err(e) => self.set_status(
                format!("No key was added from {}: {e}", path.display()),
                true,
            ),
        }
    }
}
