//! The investigator's desk in the window (issue 15), driven through
//! egui_kittest on the bundled sample: tag, star and note from the list
//! with the keyboard (seen in the reading pane and found by `tag:`,
//! `is:starred`, `note:`), `n` in the reading pane still the next hit, a
//! saved search run from the sidebar, a batch search and a row's hits,
//! and tagging a whole result set with Undo reversing exactly the
//! messages that changed.

use egui::Key;
use egui_kittest::kittest::Queryable;
use mailsift::app::desk::{Pane, applied_text};
use mailsift::app::{Answer, Command, ListRow, MailsiftApp};
use mailsift::browse::Browser;
use mailsift::desk::TagAction;
use mailsift::index::Sort;

use crate::gui::{LONG, harness, open_sample, search, step_until};

type H = egui_kittest::Harness<'static, MailsiftApp>;

const QUERY: &str = "subject:\"donor dinner\"";

fn status(a: &MailsiftApp) -> String {
    a.status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default()
}

/// Hits of `q` in the window's case, read through the library.
fn hits(h: &H, q: &str) -> Vec<u64> {
    let b = Browser::open(h.state().case_path.as_ref().unwrap()).unwrap();
    b.search(q, Sort::Date)
        .unwrap()
        .hits
        .iter()
        .map(|h| h.rowid)
        .collect()
}

/// Leaves the search box, so that keys go to the panes.
fn leave_search_box(h: &mut H) {
    h.key_press(Key::Escape);
    h.step();
    assert!(
        !h.ctx.egui_wants_keyboard_input(),
        "a text field kept the keyboard"
    );
}

/// A click is drawn in one frame and carried out in the next: a few frames.
fn settle(h: &mut H) {
    for _ in 0..3 {
        h.step();
    }
}

fn wait_status(h: &mut H, starts: &str) {
    let want = starts.to_string();
    step_until(h, starts, LONG, move |a| {
        !a.busy() && status(a).starts_with(&want)
    });
}

#[test]
fn tag_star_and_note_from_the_keyboard() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("notes.jsonl");
    let broken = tmp.path().join("broken.jsonl");
    std::fs::write(&broken, "{not json\n").unwrap();
    let mut h = harness(
        &tmp.path().join("data"),
        vec![
            Answer::Folder(Some(crate::gui::sample_dir())),
            Answer::Save(Some(file.clone())),
            Answer::File(Some(file.clone())),
            Answer::File(Some(broken.clone())),
        ],
        true,
    );
    h.step();
    open_sample(&mut h);
    search(&mut h, QUERY);
    leave_search_box(&mut h);
    // Down selects the first row; the list is the active pane.
    h.key_press(Key::ArrowDown);
    step_until(&mut h, "the first message", LONG, |a| a.reading.is_some());
    let rowid = h.state().reading.as_ref().unwrap().rowid;
    assert_eq!(h.state().desk.active, Pane::List);

    // t: the tag window, for this message.
    h.key_press(Key::T);
    h.step();
    assert!(
        h.state().desk.tag_window.is_some(),
        "t opens the tag window"
    );
    h.get_by_label("Tag name").focus();
    h.step();
    h.get_by_label("Tag name").type_text("payments");
    h.step();
    assert_eq!(
        h.state().desk.tag_window.as_ref().unwrap().name,
        "payments",
        "the t that opened the window is not typed into it"
    );
    h.get_by_label("Add tag").click();
    wait_status(&mut h, "Tagged 1 message 'payments'");
    step_until(&mut h, "the reading pane's tags", LONG, |a| {
        a.desk
            .shown
            .as_ref()
            .is_some_and(|(_, m)| m.tags == ["payments"])
    });
    // The chip in the reading pane (and the tags facet).
    assert!(h.query_all_by_label("payments").count() >= 1);
    assert_eq!(hits(&h, "tag:payments"), vec![rowid]);
    // The row shows its tag once it is fetched again.
    step_until(&mut h, "the row's tag and its colour", LONG, |a| {
        a.list.tag_colours.contains_key("payments")
            && a.list
                .summaries
                .get(&rowid)
                .is_some_and(|s| s.tags == ["payments"])
    });

    // s: star.
    h.key_press(Key::S);
    wait_status(&mut h, "Starred 1 message");
    assert_eq!(hits(&h, "is:starred"), vec![rowid]);
    step_until(&mut h, "the star in the pane", LONG, |a| {
        a.desk.shown.as_ref().is_some_and(|(_, m)| m.starred)
    });
    h.get_by_label("★ Starred");
    // s again: unstar.
    h.key_press(Key::S);
    wait_status(&mut h, "Unstarred 1 message");
    assert!(hits(&h, "is:starred").is_empty());

    // n in the list: a note.
    h.key_press(Key::N);
    h.step();
    assert!(
        h.state().desk.note.is_some(),
        "n in the list opens Add note"
    );
    h.get_by_label("Note").type_text("call the treasurer");
    h.step();
    h.get_by_label("Save note").click();
    wait_status(&mut h, "Note added.");
    assert!(h.state().desk.note.is_none());
    step_until(&mut h, "the note in the pane", LONG, |a| {
        a.desk
            .shown
            .as_ref()
            .is_some_and(|(_, m)| m.notes.len() == 1 && m.notes[0].text == "call the treasurer")
    });
    h.get_by_label("call the treasurer");
    assert_eq!(hits(&h, "note:treasurer"), vec![rowid]);
    assert_eq!(hits(&h, "has:note tag:payments"), vec![rowid]);

    // In the reading pane, n is the next search hit (and opens nothing).
    h.key_press(Key::ArrowRight);
    h.step();
    assert_eq!(h.state().desk.active, Pane::Reading);
    let before = h.state().reading.as_ref().unwrap().hit;
    h.key_press(Key::N);
    h.step();
    assert!(h.state().desk.note.is_none());
    assert_eq!(h.state().reading.as_ref().unwrap().hit, before + 1);
    // F3 everywhere.
    h.key_press(Key::ArrowLeft);
    h.key_press(Key::F3);
    h.step();
    assert_eq!(h.state().desk.active, Pane::List);
    assert_eq!(h.state().reading.as_ref().unwrap().hit, before + 2);

    // File → Export annotations…, then importing the same file again
    // changes nothing; a malformed file is named with its line.
    for (item, said) in [
        ("Export annotations…", "Annotations of 1 message written to"),
        ("Import annotations…", "Nothing new in"),
        ("Import annotations…", "Nothing was imported from"),
    ] {
        h.get_by_label("File").click();
        settle(&mut h);
        h.get_by_label(item).click();
        wait_status(&mut h, said);
    }
    assert!(
        std::fs::read_to_string(&file)
            .unwrap()
            .contains("treasurer")
    );
    let s = status(h.state());
    assert!(s.contains("broken.jsonl") && s.contains("line 1"), "{s}");

    // In the thread view, s on a thread row stars its whole thread.
    h.state_mut().apply(Command::ToggleThreadView);
    settle(&mut h);
    let (i, size) = h
        .state()
        .list
        .rows
        .iter()
        .enumerate()
        .find_map(|(i, r)| match r {
            ListRow::Thread { size, .. } if *size > 1 => Some((i, *size as usize)),
            _ => None,
        })
        .expect("a thread row");
    h.state_mut().apply(Command::SelectRow(i));
    settle(&mut h);
    leave_search_box(&mut h);
    h.key_press(Key::S);
    wait_status(&mut h, &applied_text(&TagAction::Star, size, false));
    assert_eq!(hits(&h, "is:starred").len(), size);
}

#[test]
fn saved_search_batch_search_and_tag_all_with_undo() {
    let tmp = tempfile::tempdir().unwrap();
    let terms = tmp.path().join("terms.csv");
    std::fs::write(
        &terms,
        "term,comment\n\"subject:\"\"donor dinner\"\"\",x\nfromm:ann,y\n",
    )
    .unwrap();
    let table = tmp.path().join("table.csv");
    let mut h = harness(
        &tmp.path().join("data"),
        vec![
            Answer::Folder(Some(crate::gui::sample_dir())),
            Answer::File(Some(terms.clone())),
            Answer::Save(Some(table.clone())),
        ],
        true,
    );
    h.step();
    open_sample(&mut h);
    search(&mut h, QUERY);
    let n = h.state().hit_count().unwrap();
    assert!(n >= 2, "{n} hits");

    // Save this search, then run it from the sidebar.
    h.get_by_label("Save this search…").click();
    settle(&mut h);
    h.get_by_label("Name of the search").type_text("donors");
    h.step();
    h.get_by_label("Save").click();
    step_until(&mut h, "the saved search's count", LONG, |a| {
        a.desk
            .saved
            .items
            .iter()
            .any(|s| s.name == "donors" && s.count == Ok(n))
    });
    search(&mut h, "*");
    h.get_by_label(&format!("donors ({n})")).click();
    step_until(&mut h, "the saved search's results", LONG, |a| {
        !a.busy()
            && a.search
                .results
                .as_ref()
                .is_some_and(|r| r.query_text == QUERY)
    });
    assert_eq!(h.state().hit_count(), Some(n));
    assert_eq!(
        h.state()
            .settings
            .persisted
            .history
            .first()
            .map(String::as_str),
        Some(QUERY)
    );
    // Right-click: rename, then delete (after a yes).
    h.get_by_label(&format!("donors ({n})")).click_secondary();
    settle(&mut h);
    h.get_by_label("Rename…").click();
    settle(&mut h);
    h.get_by_label("New name").focus();
    h.step();
    h.key_press_modifiers(egui::Modifiers::COMMAND, Key::A);
    h.get_by_label("New name").type_text("dinner guests");
    h.step();
    h.get_by_label("Rename").click();
    step_until(&mut h, "the renamed search", LONG, |a| {
        let names: Vec<&str> = a.desk.saved.items.iter().map(|s| s.name.as_str()).collect();
        names == ["dinner guests"]
    });
    h.get_by_label(&format!("dinner guests ({n})"))
        .click_secondary();
    settle(&mut h);
    h.get_by_label("Delete…").click();
    settle(&mut h);
    h.get_by_label_contains("Delete the saved search \"dinner guests\"?");
    assert_eq!(
        h.state().desk.saved.items.len(),
        1,
        "nothing deleted before the yes"
    );
    h.get_by_label("Delete").click();
    step_until(&mut h, "the deleted search", LONG, |a| {
        a.desk.saved.items.is_empty()
    });

    // Tag all results: one of them already carries the tag, so Undo
    // must leave that one tagged.
    let all = hits(&h, QUERY);
    let root = h.state().case_path.clone().unwrap();
    let add = TagAction::Add {
        tag: "seating".into(),
        colour: None,
    };
    mailsift::desk::apply_to(&root, &all[..1], &add, "ann").unwrap();
    h.get_by_label(&format!("Tag/star all {n} results…"))
        .click();
    settle(&mut h);
    h.get_by_label("Tag name").type_text("seating");
    h.step();
    h.get_by_label("Add tag").click();
    settle(&mut h);
    h.get_by_label(&format!("Tag all {n} results with 'seating'?"));
    assert_eq!(hits(&h, "tag:seating").len(), 1, "nothing before the yes");
    h.get_by_label(&format!("Tag {n} messages")).click();
    let tagged = applied_text(&add, n - 1, false);
    wait_status(&mut h, &format!("{tagged} (1 of the {n} already were)"));
    assert_eq!(hits(&h, "tag:seating").len(), n);
    h.get_by_label("Undo");
    leave_search_box(&mut h);
    h.key_press_modifiers(egui::Modifiers::COMMAND, Key::Z);
    let undone = applied_text(&add.inverse(), n - 1, true);
    assert!(undone.starts_with("Undone: Removed the tag 'seating' from"));
    wait_status(&mut h, &undone);
    assert_eq!(
        hits(&h, "tag:seating"),
        all[..1].to_vec(),
        "exactly the changed ones reversed"
    );

    // Batch search: loaded from a CSV, run, a row's hits in the list.
    h.get_by_role_and_label(egui::accesskit::Role::Button, "Search")
        .click();
    settle(&mut h);
    h.get_by_label("Batch search…").click();
    settle(&mut h);
    assert!(h.state().desk.batch.is_some());
    h.get_by_label("Load file…").click();
    settle(&mut h);
    assert_eq!(
        h.state().desk.batch.as_ref().unwrap().text,
        "term\nsubject:\"donor dinner\"\nfromm:ann"
    );
    h.get_by_label("Run").click();
    step_until(&mut h, "the batch table", LONG, |a| {
        !a.busy() && a.desk.batch.as_ref().is_some_and(|b| b.rows.is_some())
    });
    let rows = h.state().desk.batch.as_ref().unwrap().rows.clone().unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[1].outcome.as_ref().map(|r| r.hits), Ok(n));
    let err = rows[2].outcome.as_ref().unwrap_err();
    assert!(err.contains("fromm"), "{err}");
    h.get_by_label_contains("unknown field");
    // A row's hits saved as a tag (after a yes stating the count).
    let buttons: Vec<_> = h.query_all_by_label("Save hits as tag…").collect();
    buttons.last().unwrap().click();
    settle(&mut h);
    h.get_by_label("Tag name").focus();
    h.step();
    h.get_by_label("Tag name").type_text("guests");
    h.step();
    h.get_by_label("Add tag").click();
    settle(&mut h);
    h.get_by_label(&format!("Tag {n} messages")).click();
    let guests = TagAction::Add {
        tag: "guests".into(),
        colour: None,
    };
    wait_status(&mut h, &applied_text(&guests, n, false));
    assert_eq!(hits(&h, "tag:guests"), all);
    search(&mut h, "*");
    h.get_by_label(QUERY).click();
    step_until(&mut h, "the row's hits", LONG, |a| {
        !a.busy()
            && a.search
                .results
                .as_ref()
                .is_some_and(|r| r.query_text == QUERY)
    });
    assert_eq!(h.state().hit_count(), Some(n));
    h.get_by_label("Export table as CSV…").click();
    wait_status(&mut h, "Table written to");
    let text = std::fs::read_to_string(&table).unwrap();
    assert!(text.contains("fromm"), "{text}");

    // History: Enter in the search box remembers a query; Ctrl+H lists
    // them under the box, Down picks the one before, Enter runs it.
    h.get_by_label("Close window").click();
    settle(&mut h);
    search(&mut h, "chart");
    h.key_press(Key::Enter);
    settle(&mut h);
    let history = h.state().settings.persisted.history.clone();
    assert_eq!(history[..2], ["chart".to_string(), QUERY.to_string()]);
    h.key_press_modifiers(egui::Modifiers::COMMAND, Key::H);
    settle(&mut h);
    h.get_by_label_contains("Recent searches · Up / Down");
    h.key_press(Key::ArrowDown);
    h.key_press(Key::Enter);
    step_until(&mut h, "the query from the history", LONG, |a| {
        !a.busy()
            && a.desk.history.is_none()
            && a.search
                .results
                .as_ref()
                .is_some_and(|r| r.query_text == QUERY)
    });
}
