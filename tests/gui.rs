#![cfg(feature = "gui")]
//! The desktop window driven through egui_kittest (no display needed): the
//! real `MailsiftApp` with scripted file dialogs, opening the bundled
//! sample, searching, reading, threads and a CSV export.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use mailsift::app::{Answer, AppConfig, MailsiftApp, ScriptedDialogs};

/// The bundled sample's folder.
pub(crate) fn sample_dir() -> PathBuf {
    sample()
}

fn sample() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample_mbox")
}

/// The window with scripted dialogs. `mail_text`: the sample holds CJK mail,
/// which the default fonts draw as boxes; elsewhere a missing glyph in the
/// window's own text fails the test.
pub(crate) fn harness(
    data_dir: &Path,
    answers: Vec<Answer>,
    mail_text: bool,
) -> Harness<'static, MailsiftApp> {
    let config = AppConfig {
        data_dir: data_dir.to_path_buf(),
        sample: Some(sample()),
    };
    let mut b = Harness::builder().with_size([1400.0, 900.0]);
    if mail_text {
        b = b.allow_missing_glyphs();
    }
    // The app's `logic()` and `ui()` are `step_logic` and `draw`; driving
    // them directly keeps eframe (and its windowing) out of the tests.
    let app = MailsiftApp::with_context(
        egui::Context::default(),
        config,
        Box::new(ScriptedDialogs::new(answers)),
    );
    b.build_ui_state(
        |ui, app: &mut MailsiftApp| {
            let ctx = ui.ctx().clone();
            app.step_logic(&ctx);
            app.draw(ui);
        },
        app,
    )
}

/// Steps frames until `cond` holds; panics after `timeout`.
pub(crate) fn step_until(
    h: &mut Harness<'static, MailsiftApp>,
    what: &str,
    timeout: Duration,
    cond: impl Fn(&MailsiftApp) -> bool,
) {
    let start = Instant::now();
    loop {
        h.step();
        if cond(h.state()) {
            // Let the UI draw the new state.
            h.step();
            h.step();
            return;
        }
        assert!(
            start.elapsed() < timeout,
            "timed out waiting for {what}; status: {:?}, selected row {:?}, reading {:?}",
            h.state().status,
            h.state().list.selected,
            h.state().reading.as_ref().map(|r| r.rowid)
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The attachment window of the message being read, if one is open.
fn attachment_view(a: &MailsiftApp) -> Option<&mailsift::app::attachments::AttachmentView> {
    a.reading.as_ref()?.attachment_view.as_ref()
}

pub(crate) const LONG: Duration = Duration::from_secs(60);

pub(crate) fn open_sample(h: &mut Harness<'static, MailsiftApp>) {
    h.get_by_label("Open folder…").click();
    step_until(h, "the import to start", LONG, |a| {
        a.import.running.is_some() || a.import.last_report.is_some()
    });
    step_until(h, "the import and first search", LONG, |a| {
        a.import.running.is_none() && !a.busy() && a.hit_count().is_some()
    });
}

pub(crate) fn search(h: &mut Harness<'static, MailsiftApp>, text: &str) {
    let search_box = h.get_by_role_and_label(egui::accesskit::Role::TextInput, "Search");
    search_box.focus();
    h.step();
    // Select all and replace whatever was typed before.
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.step();
    h.get_by_role_and_label(egui::accesskit::Role::TextInput, "Search")
        .type_text(text);
    h.step();
    assert_eq!(h.state().search.query, text);
    step_until(h, "the search", LONG, |a| {
        !a.busy()
            && a.search
                .results
                .as_ref()
                .is_some_and(|r| r.query_text == text)
    });
}

#[test]
fn open_search_read_threads_export() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let out = tmp.path().join("out.csv");
    let mut h = harness(
        &data,
        vec![
            Answer::Folder(Some(sample())),
            Answer::Save(Some(out.clone())),
        ],
        true,
    );
    h.step();
    // The empty state offers the three ways in.
    h.get_by_label("Open mailbox file…");
    h.get_by_label("Open case…");
    open_sample(&mut h);

    let report = h
        .state()
        .import
        .last_report
        .clone()
        .expect("an import report");
    assert!(report.found > 400, "found {}", report.found);
    assert_eq!(
        report.found,
        report.parsed + report.raw_only + report.skipped
    );
    // A summary in the status line, with a link to the full report.
    let status = h.state().status.clone().expect("an import summary");
    assert!(
        status.text.starts_with("Read ")
            && status
                .text
                .contains(&format!("{} new", thousands(report.new as usize))),
        "{status:?}"
    );
    assert!(
        !h.state().import.show_report,
        "no window pops up after a clean import"
    );
    h.get_by_label("Import report…").click();
    for _ in 0..4 {
        h.step();
    }
    assert!(h.state().import.show_report);
    h.get_by_label_contains("messages read = ");
    // The case's totals and each defective message by subject.
    h.get_by_label_contains("The whole case");
    // Skipped files are listed with their reason (rows formatted as drawn).
    h.get_by_label_contains("README.txt — not mail");
    let details = h.state().import.details.clone().expect("report details");
    let bad_date = details
        .defects
        .iter()
        .find(|d| d.kind == "bad_date")
        .expect("the sample's bad-date message");
    assert_eq!(bad_date.subject.as_deref(), Some("Re: when?"));
    assert!(
        bad_date
            .path
            .as_ref()
            .is_some_and(|p| p.ends_with("broken/bad-date.eml")),
        "{bad_date:?}"
    );

    // A conversation names its senders, not only their addresses.
    {
        let b = mailsift::browse::Browser::open(h.state().case_path.as_ref().unwrap()).unwrap();
        let found = b
            .search(
                "subject:\"re donor dinner seating chart\"",
                mailsift::index::Sort::Date,
            )
            .unwrap();
        assert!(found.hits.len() >= 2, "{} hits", found.hits.len());
        h.state_mut()
            .apply(mailsift::app::Command::ShowMessage(found.hits[0].rowid));
        h.step();
        let reading = h.state().reading.as_ref().expect("a message shown");
        assert!(
            reading.thread.len() >= 2,
            "{} in thread",
            reading.thread.len()
        );
        for (_, _, s) in &reading.thread {
            assert!(
                !s.from.starts_with('<') && s.from.contains(" <"),
                "a name and an address: {:?}",
                s.from
            );
        }
    }

    // Everything is listed when the query is empty.
    let all = h.state().hit_count().unwrap();
    assert_eq!(all as u64, report.messages);

    // Results of a query with words carry a snippet line of where they
    // matched (issue 17, item 4); "everything" has none.
    assert!(!h.state().list.shows_snippets());
    search(&mut h, "pipeline");
    for _ in 0..3 {
        h.step();
    }
    assert!(h.state().list.shows_snippets());
    let snippets = &h.state().list.snippets;
    assert!(!snippets.is_empty());
    assert!(
        snippets
            .values()
            .any(|s| s.to_lowercase().contains("pipeline")),
        "{snippets:?}"
    );

    // Search as you type; the hit count is shown.
    search(&mut h, "has:attachment");
    let n = h.state().hit_count().unwrap();
    assert!(n > 0 && n < all, "{n} of {all}");
    let count_text = format!("{} messages ·", thousands(n));
    h.get_by_label_contains(&count_text);

    // Click the first result: the reading pane shows its subject.
    step_until(&mut h, "row summaries", LONG, |a| !a.list.rows.is_empty());
    let first = h.state().list.rows[0].rowid();
    let subject = {
        let b = mailsift::browse::Browser::open(h.state().case_path.as_ref().unwrap()).unwrap();
        let m = b.message(first).unwrap();
        mailsift::display::visible(m.subject.as_deref().unwrap_or("(no subject)"))
    };
    h.state_mut()
        .apply(mailsift::app::Command::ShowReport(false));
    h.step();
    h.get_all_by_label(&subject)
        .next()
        .expect("subject in the list")
        .click();
    step_until(&mut h, "the message to open", LONG, |a| {
        a.reading.as_ref().is_some_and(|r| r.rowid == first)
    });
    // The heading of the reading pane plus the list cell.
    assert!(h.get_all_by_label(&subject).count() >= 2);

    // Copies are never hidden: `is:duplicate` finds the sample's planted
    // duplicates, and the reading pane lists every place a copy was found.
    search(&mut h, "is:duplicate");
    let dups = h.state().hit_count().unwrap();
    assert!(dups > 0 && dups < all, "{dups} of {all}");
    step_until(&mut h, "row summaries", LONG, |a| !a.list.rows.is_empty());
    let dup = h.state().list.rows[0].rowid();
    h.state_mut()
        .apply(mailsift::app::Command::ShowMessage(dup));
    step_until(&mut h, "the copy to open", LONG, |a| {
        a.reading.as_ref().is_some_and(|r| r.rowid == dup)
    });
    let origins = h.state().reading.as_ref().unwrap().origins.len();
    assert!(origins >= 2, "{origins} origins");
    h.get_by_label_contains("Found in");
    h.get_by_label_contains("Also in (");

    // A bad query is explained under the bar, the old results stay.
    search_error(&mut h, "from:(", "bad query");
    // So is an unknown field, with the field named and the known ones listed.
    search_error(&mut h, "tags:x", "unknown field \"tags\": known fields are");

    // Thread view: fewer rows than messages for the sample's reply chains.
    search(&mut h, "*");
    h.get_by_label("Threads").click();
    // Grouped on the search thread: done when the window is idle again.
    step_until(&mut h, "thread view", LONG, |a| {
        a.list.thread_view && !a.busy()
    });
    let rows = h.state().list.rows.len();
    assert!(rows < all, "{rows} thread rows for {all} messages");

    // Export all hits to CSV through the scripted save dialog.
    h.state_mut().apply(mailsift::app::Command::Export {
        format: mailsift::export::Format::Csv,
        selected_only: false,
    });
    step_until(&mut h, "the export", LONG, |a| a.export.last.is_some());
    let text = std::fs::read_to_string(&out).unwrap();
    // Header + one row per message (fields may hold line breaks: count records by id).
    let records = csv_records(&text);
    assert_eq!(records, all + 1);
    let status = h.state().status.clone().unwrap();
    assert!(status.text.contains("messages written to"), "{status:?}");
}

/// Types `text` as the query and waits for `error_text` under the bar.
fn search_error(h: &mut Harness<'static, MailsiftApp>, text: &str, error_text: &str) {
    let search_box = h.get_by_role_and_label(egui::accesskit::Role::TextInput, "Search");
    search_box.focus();
    h.step();
    // Select all and replace.
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.step();
    h.get_by_role_and_label(egui::accesskit::Role::TextInput, "Search")
        .type_text(text);
    step_until(h, "the query error", LONG, |a| {
        a.search
            .error
            .as_ref()
            .is_some_and(|e| e.contains(error_text))
    });
    h.get_by_label_contains(error_text);
    // The old results stay, greyed and said to be old.
    h.step();
    h.get_by_label_contains("Still showing the results of the last query that worked");
    // Clear the box again.
    h.get_by_role_and_label(egui::accesskit::Role::TextInput, "Search")
        .focus();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.key_press(egui::Key::Backspace);
    h.step();
}

/// Records in a CSV text (quoted fields may span lines).
fn csv_records(text: &str) -> usize {
    let mut records = 0;
    let mut quoted = false;
    let mut any = false;
    for c in text.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                any = true;
            }
            '\n' if !quoted => {
                if any {
                    records += 1;
                }
                any = false;
            }
            '\r' => {}
            _ => any = true,
        }
    }
    records + usize::from(any)
}

fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[test]
fn bad_input_is_explained_in_the_window() {
    let tmp = tempfile::tempdir().unwrap();
    let not_a_case = tmp.path().join("plain");
    std::fs::create_dir_all(&not_a_case).unwrap();
    let mut h = harness(
        &tmp.path().join("data"),
        vec![Answer::Folder(Some(not_a_case.clone()))],
        false,
    );
    h.step();
    h.get_by_label("Open case…").click();
    h.step();
    h.step();
    let status = h.state().status.clone().expect("a message");
    assert!(
        status.error && status.text.contains("not a mailsift case"),
        "{status:?}"
    );
    h.get_by_label_contains("not a mailsift case");
    assert!(h.state().case_path.is_none());
}

#[test]
fn a_file_that_is_not_mail_is_refused_without_making_a_case() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let bin = sample().join("broken").join("random.bin");
    let mut h = harness(&data, vec![Answer::File(Some(bin.clone()))], false);
    h.step();
    h.get_by_label("Open mailbox file…").click();
    h.step();
    h.step();
    let status = h.state().status.clone().expect("a message");
    assert!(status.error, "{status:?}");
    assert!(
        status.text.contains("random.bin") && status.text.contains("not a mailbox or mail file"),
        "{status:?}"
    );
    // The path is named once, not twice.
    assert_eq!(status.text.matches("random.bin").count(), 1, "{status:?}");
    h.get_by_label_contains("Nothing was imported");
    assert!(h.state().case_path.is_none());
    assert!(h.state().import.running.is_none());
    assert!(
        !data.join("cases").exists(),
        "no case folder is made for a file that is not mail"
    );
}

#[test]
fn cancelled_dialog_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let mut h = harness(&tmp.path().join("data"), vec![Answer::File(None)], false);
    h.step();
    h.get_by_label("Open mailbox file…").click();
    h.step();
    assert!(h.state().case_path.is_none());
    assert!(h.state().status.is_none());
}

#[test]
fn attachment_hits_text_preview_and_sorting() {
    use mailsift::app::Command;
    use mailsift::app::attachments::AttachmentView;
    use mailsift::model::MatchPlace;

    let tmp = tempfile::tempdir().unwrap();
    let mut h = harness(
        &tmp.path().join("data"),
        vec![Answer::Folder(Some(sample()))],
        true,
    );
    h.step();
    open_sample(&mut h);

    // The opened case is remembered for the next run (eframe storage).
    let opened = h.state().case_path.clone().unwrap();
    let kept = h.state().settings.persisted.clone();
    assert_eq!(kept.last_case.as_ref(), Some(&opened));
    assert_eq!(kept.recent_cases.first(), Some(&opened));
    let json = serde_json::to_string(&kept).unwrap();
    let back: mailsift::app::Persisted = serde_json::from_str(&json).unwrap();
    assert_eq!(back.last_case, kept.last_case);

    // A word that is only in the text of attached documents.
    search(&mut h, "attachment:budget");
    let n = h.state().hit_count().unwrap();
    assert!(n > 0, "no attachment hits in the sample");
    h.state_mut().apply(Command::SelectRow(0));
    step_until(&mut h, "the message", LONG, |a| a.reading.is_some());
    let r = h.state().reading.as_ref().unwrap();
    let index = r
        .matched
        .iter()
        .find_map(|m| match m {
            MatchPlace::Attachment { index, .. } => Some(*index),
            MatchPlace::Message => None,
        })
        .expect("the hit is placed in an attachment");
    assert!(r.message.attachments[index].text.is_some());
    // The row carries the attachment-hit marker.
    h.get_all_by_label("📄")
        .next()
        .expect("a marker on the row");
    // View text: the window shows the attachment's text.
    assert!(h.get_all_by_label("View text").count() >= 1);
    h.state_mut().apply(Command::ViewAttachmentText(index));
    step_until(&mut h, "the text window", LONG, |a| {
        attachment_view(a).is_some()
    });
    match attachment_view(h.state()) {
        Some(AttachmentView::Text { text, .. }) => {
            assert!(text.to_lowercase().contains("budget"), "{text}");
        }
        _ => panic!("not a text view"),
    }
    h.get_by_label_contains("Text of ");

    // An image attachment is previewed in the window, decoded in-process.
    let case = h.state().case_path.clone().unwrap();
    let b = mailsift::browse::Browser::open(&case).unwrap();
    let found = b
        .search("has:attachment", mailsift::index::Sort::Date)
        .unwrap();
    let (rowid, i) = found
        .hits
        .iter()
        .find_map(|hit| {
            let m = b.message(hit.rowid).unwrap();
            m.attachments
                .iter()
                .position(|a| a.kind.as_deref() == Some("image") && a.name.is_some())
                .filter(|&i| m.attachments[i].mime == "image/png")
                .map(|i| (hit.rowid, i))
        })
        .expect("a PNG attachment in the sample");
    h.state_mut().apply(Command::ShowMessage(rowid));
    h.step();
    // Read and decoded off the UI thread: the status line says so meanwhile.
    h.state_mut().apply(Command::PreviewAttachment(i));
    assert!(h.state().busy(), "the read runs in the background");
    assert!(
        h.state()
            .status
            .as_ref()
            .is_some_and(|s| s.text.starts_with("Reading ")),
        "{:?}",
        h.state().status
    );
    step_until(&mut h, "the preview", LONG, |a| !a.busy());
    match attachment_view(h.state()) {
        Some(AttachmentView::Image { size, .. }) => assert!(size[0] > 0 && size[1] > 0),
        _ => panic!(
            "no preview; status {:?}",
            h.state().status.as_ref().map(|s| &s.text)
        ),
    }
    // The preview fits the window, and zooms (issue 17, item 11).
    h.step();
    h.get_by_label("100 %").click();
    h.step();
    h.step();
    h.get_by_label_contains("pixels · 100 %");
    h.get_by_label("+").click();
    h.step();
    h.step();
    h.get_by_label_contains("pixels · 125 %");
    h.state_mut().apply(Command::CloseAttachmentView);
    assert!(attachment_view(h.state()).is_none());

    // The To column sorts.
    h.state_mut().search.query = String::new();
    h.state_mut().apply(Command::SearchNow);
    step_until(&mut h, "everything", LONG, |a| {
        !a.busy()
            && a.hit_count()
                == Some(
                    a.import
                        .last_report
                        .as_ref()
                        .map_or(0, |r| r.messages as usize),
                )
    });
    // The To column shows in a wide list (a narrower one drops it).
    h.set_size(egui::vec2(1800.0, 1000.0));
    h.step();
    h.step();
    h.get_by_role_and_label(egui::accesskit::Role::Button, "To")
        .click();
    step_until(&mut h, "sorting by To", LONG, |a| {
        !a.busy() && a.search.sort.column == mailsift::jobs::SortColumn::To
    });
    // By what the column shows first: the name, else the address.
    let firsts: Vec<String> = {
        let case = mailsift::store::Case::open(&case).unwrap();
        let light: std::collections::HashMap<u64, Option<String>> = case
            .light_rows(0)
            .unwrap()
            .into_iter()
            .map(|l| (l.rowid, l.to_name.or(l.to)))
            .collect();
        let res = h.state().search.results.as_ref().unwrap();
        res.hits
            .iter()
            .map(|hit| light[&hit.rowid].clone().unwrap_or_default().to_lowercase())
            .collect()
    };
    let mut sorted = firsts.clone();
    sorted.sort();
    assert_eq!(firsts, sorted);
}

/// eframe's storage, in memory.
#[derive(Default)]
struct MemStorage(std::collections::HashMap<String, String>);

impl eframe::Storage for MemStorage {
    fn get_string(&self, key: &str) -> Option<String> {
        self.0.get(key).cloned()
    }
    fn set_string(&mut self, key: &str, value: String) {
        self.0.insert(key.to_string(), value);
    }
    fn remove_string(&mut self, key: &str) {
        self.0.remove(key);
    }
    fn flush(&mut self) {}
}

#[test]
fn a_restart_reopens_the_last_case_with_its_settings() {
    use eframe::App as _;
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let mut storage = MemStorage::default();
    let case = {
        let mut h = harness(&data, vec![Answer::Folder(Some(sample()))], true);
        h.step();
        open_sample(&mut h);
        h.get_by_label("Threads").click();
        // Grouped on the search thread: done when the window is idle again.
        step_until(&mut h, "thread view", LONG, |a| {
            a.list.thread_view && !a.busy()
        });
        // The View menu's reading settings (issue 17, item 3).
        h.get_by_label("View").click();
        for _ in 0..3 {
            h.step();
        }
        for item in ["Text size", "Colours", "Message font"] {
            h.get_by_label(item);
        }
        h.key_press(egui::Key::Escape);
        h.step();
        // Rename the case (issue 17, item 10): File → Rename this case….
        h.get_by_label("File").click();
        for _ in 0..3 {
            h.step();
        }
        h.get_by_label("Rename this case…").click();
        for _ in 0..3 {
            h.step();
        }
        h.get_by_label("Case name").focus();
        h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
        h.get_by_label("Case name")
            .type_text("Campaign mail (sample)");
        h.step();
        h.get_by_label("Save").click();
        for _ in 0..3 {
            h.step();
        }
        assert_eq!(
            h.state().cases.name.as_deref(),
            Some("Campaign mail (sample)")
        );
        h.get_by_label("Case: Campaign mail (sample)");
        use mailsift::app::{BodyFont, Command, ThemeChoice};
        h.state_mut().apply(Command::SetTheme(ThemeChoice::Light));
        h.state_mut().apply(Command::Zoom(Some(1.25)));
        h.state_mut()
            .apply(Command::SetBodyFont(BodyFont::Monospace));
        h.state_mut().save(&mut storage);
        h.state().case_path.clone().expect("a case")
    };
    assert!(!storage.0.is_empty(), "settings were written");

    // Started again without a path: the last case opens at once (no
    // import), in thread view, and is first among the recent cases.
    let ctx = egui::Context::default();
    let app = MailsiftApp::restored(
        ctx.clone(),
        AppConfig {
            data_dir: data.clone(),
            sample: None,
        },
        Box::new(ScriptedDialogs::new(vec![])),
        Some(&storage),
        None,
    );
    let mut h = Harness::builder()
        .with_size([1400.0, 900.0])
        .allow_missing_glyphs()
        .build_ui_state(
            |ui, app: &mut MailsiftApp| {
                let ctx = ui.ctx().clone();
                app.step_logic(&ctx);
                app.draw(ui);
            },
            app,
        );
    assert!(
        h.state().import.running.is_none(),
        "a case is opened, not imported"
    );
    assert_eq!(h.state().case_path.as_ref(), Some(&case));
    assert!(h.state().list.thread_view);
    // Colours, text size and message font come back too.
    assert_eq!(
        ctx.options(|o| o.theme_preference),
        egui::ThemePreference::Light
    );
    let zoom = h.state().settings.persisted.zoom.unwrap();
    assert!((zoom - 1.25).abs() < 1e-3, "{zoom}");
    // Ctrl+plus makes the text larger, Ctrl+0 normal; both remembered.
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Plus);
    h.step();
    let larger = h.state().settings.persisted.zoom.unwrap();
    assert!(larger > zoom, "{larger} after Ctrl+plus");
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Num0);
    h.step();
    assert_eq!(h.state().settings.persisted.zoom, Some(1.0));
    assert_eq!(
        h.state().settings.persisted.body_font,
        mailsift::app::BodyFont::Monospace
    );
    assert_eq!(
        h.state().settings.persisted.recent_cases.first(),
        Some(&case)
    );
    step_until(&mut h, "the first search", LONG, |a| {
        !a.busy() && a.hit_count().is_some()
    });
    let rows = h.state().list.rows.len();
    let hits = h.state().hit_count().unwrap();
    assert!(
        rows > 0 && rows < hits,
        "{rows} thread rows for {hits} hits"
    );
    // The name came back with the case.
    h.get_by_label("Case: Campaign mail (sample)");

    // The start screen lists recent cases by name, with size and date.
    let mut app = MailsiftApp::with_context(
        egui::Context::default(),
        AppConfig {
            data_dir: data.clone(),
            sample: None,
        },
        Box::new(ScriptedDialogs::new(vec![])),
    );
    app.settings.persisted.recent_cases = vec![case.clone(), data.join("gone")];
    let mut h = Harness::builder()
        .with_size([1400.0, 900.0])
        .build_ui_state(
            |ui, app: &mut MailsiftApp| {
                let ctx = ui.ctx().clone();
                app.step_logic(&ctx);
                app.draw(ui);
            },
            app,
        );
    h.step();
    h.step();
    h.get_by_label("Campaign mail (sample)");
    h.get_by_label_contains(" MB · changed ");
    h.get_by_label("(no longer there)");
}

#[test]
fn sources_added_to_the_open_case_and_a_chosen_cases_folder() {
    use mailsift::app::Command;
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let chosen = tmp.path().join("my cases");
    std::fs::create_dir(&chosen).unwrap();
    let mut h = harness(
        &data,
        vec![
            Answer::Folder(Some(chosen.clone())),
            Answer::Folder(Some(sample().join("dnc"))),
            Answer::Folder(Some(sample().join("maildir"))),
        ],
        true,
    );
    h.step();
    // New cases go to the chosen folder, not the data folder.
    h.state_mut().apply(Command::ChooseCasesFolder);
    assert_eq!(
        h.state().settings.persisted.cases_dir.as_ref(),
        Some(&chosen)
    );
    h.state_mut().apply(Command::OpenFolder);
    let case = h.state().case_path.clone().expect("a case");
    assert_eq!(case.parent(), Some(chosen.as_path()), "{}", case.display());
    step_until(&mut h, "the first import", LONG, |a| {
        a.import.running.is_none() && !a.busy() && a.hit_count().is_some()
    });
    let first = h.state().import.last_report.clone().unwrap();
    assert!(first.new > 0);
    assert!(!data.join("cases").exists());

    // The maildir is added to the same case: it stays open and grows.
    h.get_by_label("File").click();
    h.step();
    h.step();
    h.get_by_label("Add folder to this case…").click();
    h.step();
    assert_eq!(h.state().case_path.as_ref(), Some(&case));
    step_until(&mut h, "the second import", LONG, |a| {
        a.import.running.is_none()
            && !a.busy()
            && a.import
                .last_report
                .as_ref()
                .is_some_and(|r| r.import_id != first.import_id)
    });
    let second = h.state().import.last_report.clone().unwrap();
    assert!(second.new > 0);
    assert_eq!(second.messages, first.messages + second.new);
    step_until(&mut h, "the list to show both", LONG, |a| {
        a.hit_count() == Some(second.messages as usize)
    });
}

/// View source and saving attachments read the sources on a thread of
/// their own; the result lands in the window when it is there, and only
/// for the message it was asked for.
#[test]
fn source_and_attachments_are_read_off_the_ui_thread() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let all = tmp.path().join("all");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::create_dir_all(&all).unwrap();
    let mut h = harness(
        &tmp.path().join("data"),
        vec![
            Answer::Folder(Some(sample())),
            Answer::Save(Some(out.join("saved.bin"))),
            Answer::Folder(Some(all.clone())),
        ],
        true,
    );
    h.step();
    open_sample(&mut h);
    let case = h.state().case_path.clone().unwrap();
    let b = mailsift::browse::Browser::open(&case).unwrap();
    let found = b
        .search("has:attachment", mailsift::index::Sort::Date)
        .unwrap();
    let (rowid, key, attachments) = found
        .hits
        .iter()
        .find_map(|hit| {
            let m = b.message(hit.rowid).unwrap();
            (m.attachments.len() >= 2).then_some((hit.rowid, m.key, m.attachments.len()))
        })
        .expect("a message with two attachments in the sample");
    let other = found.hits.iter().find(|h| h.rowid != rowid).unwrap().rowid;
    let (raw, origin) = b.raw(&key).unwrap();
    let contents = b.attachments(&key).unwrap();

    h.state_mut()
        .apply(mailsift::app::Command::ShowMessage(rowid));
    h.step();
    let before = h.state().status.clone();
    assert!(
        before.as_ref().is_some_and(|s| s.text.starts_with("Read ")),
        "{before:?}"
    );
    h.state_mut().apply(mailsift::app::Command::ViewSource);
    assert!(h.state().busy(), "the source is read in the background");
    assert_eq!(
        h.state().status.as_ref().map(|s| s.text.as_str()),
        Some("Reading the source…")
    );
    step_until(&mut h, "the source", LONG, |a| !a.busy());
    let text = h.state().reading.as_ref().unwrap().source.clone();
    let text = text.expect("the source is shown");
    assert!(
        text.starts_with(&format!(
            "{} @ {} ({} bytes, SHA-256 {})",
            origin.path.display(),
            origin.offset,
            raw.len(),
            origin.raw_sha256.to_hex()
        )),
        "{}",
        &text[..200.min(text.len())]
    );
    assert_eq!(
        h.state().status,
        before,
        "the status line from before the read"
    );

    // A read overtaken by another message is not applied to it.
    h.state_mut().apply(mailsift::app::Command::ViewSource);
    h.state_mut()
        .apply(mailsift::app::Command::ShowMessage(other));
    step_until(&mut h, "the stale read", LONG, |a| !a.busy());
    let r = h.state().reading.as_ref().unwrap();
    assert_eq!(r.rowid, other);
    assert!(r.source.is_none());

    // One attachment, through the save dialog, byte for byte.
    h.state_mut()
        .apply(mailsift::app::Command::ShowMessage(rowid));
    h.step();
    h.state_mut()
        .apply(mailsift::app::Command::SaveAttachment(0));
    step_until(&mut h, "the attachment saved", LONG, |a| !a.busy());
    assert_eq!(std::fs::read(out.join("saved.bin")).unwrap(), contents[0].1);
    let status = h.state().status.clone().unwrap();
    assert!(
        !status.error && status.text.starts_with("Saved "),
        "{status:?}"
    );

    // All of them into a folder.
    h.state_mut()
        .apply(mailsift::app::Command::SaveAllAttachments);
    step_until(&mut h, "the attachments saved", LONG, |a| !a.busy());
    let status = h.state().status.clone().unwrap();
    assert_eq!(
        status.text,
        format!("{attachments} attachments saved to {}", all.display())
    );
    let mut saved: Vec<Vec<u8>> = std::fs::read_dir(&all)
        .unwrap()
        .map(|e| std::fs::read(e.unwrap().path()).unwrap())
        .collect();
    let mut expected: Vec<Vec<u8>> = contents.into_iter().map(|(_, b)| b).collect();
    saved.sort();
    expected.sort();
    assert_eq!(saved, expected);
}

/// The list's rows are fetched by `logic` before a frame draws them (the
/// drawing code never reads the case): the rows on screen have their
/// summaries, and a jump to the end fetches the rows there before the
/// frame that shows them.
#[test]
fn list_rows_are_fetched_before_they_are_drawn() {
    let tmp = tempfile::tempdir().unwrap();
    let mut h = harness(
        &tmp.path().join("data"),
        vec![Answer::Folder(Some(sample()))],
        true,
    );
    h.step();
    open_sample(&mut h);
    let a = h.state();
    let shown = a.list.shown.clone();
    assert!(!shown.is_empty(), "the list reported its rows");
    for i in shown {
        let rowid = a.list.rows[i].rowid();
        assert!(a.list.summaries.contains_key(&rowid), "row {i} fetched");
    }
    let last = a.list.rows.len() - 1;
    let last_id = a.list.rows[last].rowid();
    h.key_press(egui::Key::End);
    h.step();
    let a = h.state();
    assert_eq!(a.list.selected, Some(last));
    assert!(
        a.list.summaries.contains_key(&last_id),
        "fetched before drawn"
    );
    step_until(&mut h, "the last message", LONG, |a| {
        a.reading.as_ref().is_some_and(|r| r.rowid == last_id)
    });
}

/// First run without a terminal: the start screen says what a case is and
/// offers the installation's sample; one click imports it into a case in
/// the data folder. Without a bundled sample the button is not there.
#[test]
fn start_screen_offers_the_bundled_sample() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let mut h = harness(&data, vec![], true);
    h.step();
    h.get_by_label_contains("Opening mail makes a case");
    // F1 opens the help (query language, keys, cases, guarantees) and
    // closes it again.
    h.key_press(egui::Key::F1);
    for _ in 0..3 {
        h.step();
    }
    assert!(h.state().search.show_help);
    h.get_by_label_contains("What an import guarantees");
    h.get_by_label_contains("A case is mailsift's own folder");
    h.get_by_label("from:ann  to:@dnc.org  cc:  bcc:  subject:  body:");
    h.key_press(egui::Key::F1);
    for _ in 0..3 {
        h.step();
    }
    assert!(!h.state().search.show_help);
    assert!(
        h.query_by_label_contains("What an import guarantees")
            .is_none()
    );
    h.get_by_label("Try the sample collection").click();
    step_until(&mut h, "the sample's import", LONG, |a| {
        a.import.running.is_none() && !a.busy() && a.hit_count().is_some_and(|n| n > 0)
    });
    let case = h.state().case_path.clone().expect("a case was opened");
    assert!(case.starts_with(data.join("cases")), "{}", case.display());
    let report = h.state().import.last_report.clone().expect("a report");
    assert!(report.found > 0);
    // n / N (Shift+n) step through the reading pane's hits once the
    // reading pane is active (Right arrow; in the list, n adds a note);
    // F3 / Shift+F3 wherever the keyboard is.
    let first = h.state().list.rows[0].rowid();
    h.state_mut()
        .apply(mailsift::app::Command::ShowMessage(first));
    h.step();
    h.key_press(egui::Key::F3);
    h.step();
    assert_eq!(h.state().reading.as_ref().map(|r| r.hit), Some(1));
    h.key_press_modifiers(egui::Modifiers::SHIFT, egui::Key::F3);
    h.step();
    assert_eq!(h.state().reading.as_ref().map(|r| r.hit), Some(0));
    h.key_press(egui::Key::ArrowRight);
    h.step();
    h.key_press(egui::Key::N);
    h.step();
    assert_eq!(h.state().reading.as_ref().map(|r| r.hit), Some(1));
    h.key_press_modifiers(egui::Modifiers::SHIFT, egui::Key::N);
    h.step();
    assert_eq!(h.state().reading.as_ref().map(|r| r.hit), Some(0));

    let other = tmp.path().join("other");
    let mut h = Harness::builder()
        .with_size([1400.0, 900.0])
        .build_ui_state(
            |ui, app: &mut MailsiftApp| {
                let ctx = ui.ctx().clone();
                app.step_logic(&ctx);
                app.draw(ui);
            },
            MailsiftApp::with_context(
                egui::Context::default(),
                AppConfig {
                    data_dir: other,
                    sample: None,
                },
                Box::new(ScriptedDialogs::new(vec![])),
            ),
        );
    h.step();
    h.get_by_label("Open folder…");
    assert!(h.query_by_label("Try the sample collection").is_none());
}

/// The list gives the Subject the width the other columns leave: at
/// 1600 px every column shows and the Subject is wide; at 900 px To and
/// Thr give way and each row becomes two lines (From · Date over the
/// Subject), all inside the window (issue 17, item 1).
#[test]
fn list_columns_fit_the_width() {
    let tmp = tempfile::tempdir().unwrap();
    let mut h = harness(
        &tmp.path().join("data"),
        vec![Answer::Folder(Some(sample()))],
        true,
    );
    h.set_size(egui::vec2(1600.0, 1000.0));
    h.step();
    open_sample(&mut h);
    h.step();
    h.step();
    let subject = h.get_by_label("Subject").rect();
    // the 📎 header: the topmost 📎 (rows carry them too)
    let clip = h
        .query_all_by_label("📎")
        .map(|n| n.rect())
        .min_by(|a, b| a.min.y.total_cmp(&b.min.y))
        .unwrap();
    assert!(h.query_all_by_label("To").next().is_some());
    assert!(h.query_all_by_label("Thr").next().is_some());
    assert!(
        clip.min.x - subject.min.x >= 250.0,
        "the Subject column is {} px wide at 1600 px",
        clip.min.x - subject.min.x
    );

    // Facet counts stand clear of the names they count.
    let name = h
        .query_all_by_label("graham.pell@webmail.example.net")
        .map(|n| n.rect())
        .min_by(|a, b| a.min.y.total_cmp(&b.min.y))
        .expect("the top sender");
    let count = h
        .query_all_by_label("105")
        .map(|n| n.rect())
        .find(|c| (c.center().y - name.center().y).abs() < 4.0)
        .expect("the top sender's count on its line");
    assert!(
        name.max.x <= count.min.x,
        "name {name:?} runs into its count {count:?}"
    );

    h.set_size(egui::vec2(900.0, 700.0));
    for _ in 0..4 {
        h.step();
    }
    assert!(
        h.query_all_by_label("To").next().is_none(),
        "To gives way at 900 px"
    );
    assert!(
        h.query_all_by_label("Thr").next().is_none(),
        "Thr gives way at 900 px"
    );
    let subject = h.get_by_label("Subject").rect();
    assert!(
        subject.max.x <= 900.0,
        "the Subject header is on screen: {subject:?}"
    );
    // Two lines per row: a sender's label sits above its subject.
    let from = h
        .query_all_by_label_contains("Graham Pell")
        .map(|n| n.rect())
        .find(|r| r.max.x <= 900.0)
        .expect("a row from Graham Pell");
    assert!(from.max.x <= 900.0);
    assert!(
        h.query_all_by_label_contains("· 20").next().is_some(),
        "From · Date on the first line"
    );
}

/// Thread view: a thread's row shows its topic (the root's subject, not
/// the newest reply's "Re: …"), and a thread of one message is a plain
/// row, not one that expands into a copy of itself (issue 17, item 8).
#[test]
fn thread_rows_show_the_topic_and_single_messages_stay_single() {
    let tmp = tempfile::tempdir().unwrap();
    let mut h = harness(
        &tmp.path().join("data"),
        vec![Answer::Folder(Some(sample()))],
        true,
    );
    h.set_size(egui::vec2(1600.0, 1000.0));
    h.step();
    open_sample(&mut h);
    h.get_by_label("Threads").click();
    // Grouped on the search thread: done when the window is idle again.
    step_until(&mut h, "thread view", LONG, |a| {
        a.list.thread_view && !a.busy()
    });
    for _ in 0..4 {
        h.step();
    }
    let rows = &h.state().list.rows;
    assert!(
        rows.iter()
            .any(|r| matches!(r, mailsift::app::ListRow::Thread { size, .. } if *size > 1))
    );
    for r in rows {
        if let mailsift::app::ListRow::Thread { size, .. } = r {
            assert!(*size > 1, "a one-message thread row: {r:?}");
        }
    }
    // The 19-message thread whose newest hit is a reply.
    assert!(
        h.query_all_by_label("Rapid response: the pipeline vote")
            .next()
            .is_some(),
        "the thread row shows the root's subject"
    );
    let topics = &h.state().list.thread_subjects;
    assert!(!topics.is_empty());
    assert!(topics.values().all(|s| !s.is_empty()));
}
