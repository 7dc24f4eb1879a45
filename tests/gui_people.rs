//! The People and communication graph windows (issue 16), driven headless
//! on the bundled sample: the People window lists the correspondents of
//! the results with the counts the library gives; a click on a person
//! narrows the results to what they sent (the list then holds exactly
//! their messages); the graph window opens, and a click on a person (a
//! node) and on a line (an edge) narrows the results to those messages.

use egui::accesskit::Role as A11y;
use egui_kittest::kittest::Queryable;
use mailsift::app::graph_ui::to_screen;
use mailsift::app::people::{Role, between_query, person_query};
use mailsift::app::{Answer, Command, MailsiftApp};
use mailsift::browse::Browser;
use mailsift::index::Sort;
use mailsift::people::{self, PeopleOptions};

use crate::gui::{LONG, harness, open_sample, sample_dir, step_until};

type H = egui_kittest::Harness<'static, MailsiftApp>;

/// A click is drawn in one frame and carried out in the next: a few frames.
fn settle(h: &mut H) {
    for _ in 0..3 {
        h.step();
    }
}

fn census_done(a: &MailsiftApp) -> bool {
    !a.busy()
        && a.people.data.as_ref().is_some_and(|d| {
            a.search
                .results
                .as_ref()
                .is_some_and(|r| r.query_text == d.key.query && r.hits.len() == d.key.hits)
        })
}

fn wait_results(h: &mut H, query: &str) {
    let q = query.to_string();
    step_until(h, "the narrowed results and their census", LONG, move |a| {
        census_done(a) && a.search.results.as_ref().is_some_and(|r| r.query_text == q)
    });
}

fn hits(a: &MailsiftApp) -> Vec<u64> {
    let mut v: Vec<u64> = a
        .search
        .results
        .as_ref()
        .unwrap()
        .hits
        .iter()
        .map(|h| h.rowid)
        .collect();
    v.sort_unstable();
    v
}

#[test]
fn people_window_lists_and_a_click_narrows_to_their_mail() {
    let tmp = tempfile::tempdir().unwrap();
    let mut h = harness(
        &tmp.path().join("data"),
        vec![Answer::Folder(Some(sample_dir()))],
        true,
    );
    h.step();
    open_sample(&mut h);
    h.get_by_label("View").click();
    settle(&mut h);
    h.get_by_label("People…").click();
    step_until(&mut h, "the census", LONG, census_done);
    let case = h.state().case_path.clone().unwrap();

    // The window lists what the library counts over the whole case.
    let b = Browser::open(&case).unwrap();
    let want = people::census(&b, "")
        .unwrap()
        .people(&PeopleOptions::default());
    let a = h.state();
    let listed: Vec<_> = a.people.shown_people().cloned().collect();
    assert_eq!(listed.len(), want.len());
    assert_eq!(listed[0].address, want[0].address);
    assert_eq!(
        (
            listed[0].messages,
            listed[0].sent,
            listed[0].received,
            listed[0].copied
        ),
        (
            want[0].messages,
            want[0].sent,
            want[0].received,
            want[0].copied
        )
    );
    let suggested = a.people.data.as_ref().unwrap().suggestions.len();
    assert_eq!(
        suggested,
        people::census(&b, "").unwrap().suggestions().len()
    );
    if suggested > 0 {
        assert!(
            h.query_by_label(&format!("Suggested merges ({suggested})"))
                .is_some()
        );
    }

    // The sender with most messages sent, found by the filter.
    let who = want
        .iter()
        .max_by_key(|p| (p.sent, std::cmp::Reverse(p.address.clone())))
        .unwrap()
        .clone();
    assert!(who.sent > 1);
    h.get_by_role_and_label(A11y::TextInput, "Filter by name")
        .focus();
    h.step();
    h.get_by_role_and_label(A11y::TextInput, "Filter by name")
        .type_text(&who.address);
    settle(&mut h);
    assert_eq!(h.state().people.filter, who.address);
    let shown: Vec<String> = h
        .state()
        .people
        .shown_people()
        .map(|p| p.address.clone())
        .collect();
    assert!(shown.contains(&who.address), "{shown:?}");
    assert!(shown.iter().all(|a| a.contains(&who.address)), "{shown:?}");

    h.get_by_label("as sender").click();
    settle(&mut h);
    assert_eq!(h.state().people.role, Role::Sender);
    let name = who.best_name().unwrap_or(&who.address).to_string();
    h.get_by_role_and_label(A11y::Link, &name).click();
    let query = person_query(std::slice::from_ref(&who.address), Role::Sender);
    wait_results(&mut h, &query);

    // The list holds exactly the messages they sent, and the People
    // window now counts those.
    let a = h.state();
    assert_eq!(hits(a).len() as u64, who.sent);
    assert_eq!(a.list.rows.len() as u64, who.sent);
    for rowid in hits(a) {
        let m = b.message(rowid).unwrap();
        assert!(
            m.from
                .first()
                .is_some_and(|f| f.addr.eq_ignore_ascii_case(&who.address)),
            "{rowid}: {:?}",
            m.from
        );
    }
    let them = a
        .people
        .data
        .as_ref()
        .unwrap()
        .people
        .iter()
        .find(|p| p.address == who.address)
        .unwrap();
    assert_eq!((them.sent, them.messages), (who.sent, who.sent));
}

#[test]
fn graph_window_a_click_on_a_node_or_a_line_narrows() {
    let tmp = tempfile::tempdir().unwrap();
    let mut h = harness(
        &tmp.path().join("data"),
        vec![Answer::Folder(Some(sample_dir()))],
        true,
    );
    h.step();
    open_sample(&mut h);
    h.get_by_label("View").click();
    settle(&mut h);
    h.get_by_label("Communication graph…").click();
    step_until(&mut h, "the graph", LONG, census_done);
    let d = h.state().people.data.clone().unwrap();
    assert!(d.graph.nodes.len() > 2 && !d.graph.edges.is_empty());
    assert_eq!(d.positions.len(), d.graph.nodes.len());
    let case = h.state().case_path.clone().unwrap();
    let b = Browser::open(&case).unwrap();

    // Zoom in with the + button: the view changes, the layout does not.
    h.get_by_label(" + ").click();
    settle(&mut h);
    assert!(h.state().people.view.zoom > 1.2);
    h.get_by_label("Reset view").click();
    settle(&mut h);
    assert_eq!(h.state().people.view.zoom, 1.0);

    // A click on the largest person.
    let canvas = h
        .get_by_role_and_label(A11y::Canvas, "Communication graph")
        .rect();
    let at = to_screen(canvas, &h.state().people.view, d.positions[0]);
    h.hover_at(at);
    h.step();
    h.drag_at(at);
    h.step();
    h.drop_at(at);
    let node = &d.graph.nodes[0];
    let query = person_query(std::slice::from_ref(&node.address), Role::Either);
    wait_results(&mut h, &query);
    let want: Vec<u64> = {
        let mut v: Vec<u64> = b
            .search(&query, Sort::Date)
            .unwrap()
            .hits
            .iter()
            .map(|h| h.rowid)
            .collect();
        v.sort_unstable();
        v
    };
    assert_eq!(hits(h.state()), want);
    assert_eq!(want.len() as u64, node.messages);

    // Back to everything, then a click in the middle of a line.
    h.state_mut().search.query = String::new();
    h.state_mut().apply(Command::SearchNow);
    wait_results(&mut h, "*");
    let d = h.state().people.data.clone().unwrap();
    let canvas = h
        .get_by_role_and_label(A11y::Canvas, "Communication graph")
        .rect();
    let view = h.state().people.view;
    // the longest line whose middle is clear of every person
    let clear = |p: egui::Pos2| {
        d.positions
            .iter()
            .all(|&q| to_screen(canvas, &view, q).distance(p) > 30.0)
    };
    let e = d
        .graph
        .edges
        .iter()
        .filter(|e| {
            let (a, b) = (
                to_screen(canvas, &view, d.positions[e.source]),
                to_screen(canvas, &view, d.positions[e.target]),
            );
            clear(a.lerp(b, 0.5))
        })
        .max_by(|x, y| {
            let len = |e: &&mailsift::graph::Edge| {
                to_screen(canvas, &view, d.positions[e.source]).distance(to_screen(
                    canvas,
                    &view,
                    d.positions[e.target],
                ))
            };
            len(x).total_cmp(&len(y))
        })
        .expect("a line clear of the people");
    let mid = to_screen(canvas, &view, d.positions[e.source])
        .lerp(to_screen(canvas, &view, d.positions[e.target]), 0.5);
    h.hover_at(mid);
    h.step();
    h.drag_at(mid);
    h.step();
    h.drop_at(mid);
    settle(&mut h);
    let q = h.state().search.query.clone();
    assert!(q.starts_with("((from:"), "{q}");
    // the line aimed at, or one crossing it right there
    let under: Vec<String> = d
        .graph
        .edges
        .iter()
        .filter(|e| {
            let (a, b) = (
                to_screen(canvas, &view, d.positions[e.source]),
                to_screen(canvas, &view, d.positions[e.target]),
            );
            let t = ((mid - a).dot(b - a) / (b - a).length_sq()).clamp(0.0, 1.0);
            a.lerp(b, t).distance(mid) <= 4.0
        })
        .map(|e| {
            between_query(
                &d.graph.nodes[e.source].addresses,
                &d.graph.nodes[e.target].addresses,
            )
        })
        .collect();
    assert!(under.contains(&q), "{q} not in {under:?}");
    wait_results(&mut h, &q.clone());
    let got = hits(h.state());
    let mut want: Vec<u64> = b
        .search(&q, Sort::Date)
        .unwrap()
        .hits
        .iter()
        .map(|h| h.rowid)
        .collect();
    want.sort_unstable();
    assert!(!got.is_empty());
    assert_eq!(got, want);
}

/// A suggested merge confirmed in the People window: written to the case
/// (as `mailsift identity` would), the census counts the addresses as one
/// person and the suggestion is gone; a rename through the identity
/// window; a click on the merged person narrows to the mail of both
/// addresses.
#[test]
fn confirming_a_suggestion_merges_and_a_rename_names() {
    let tmp = tempfile::tempdir().unwrap();
    let mut h = harness(
        &tmp.path().join("data"),
        vec![Answer::Folder(Some(sample_dir()))],
        true,
    );
    h.step();
    open_sample(&mut h);
    h.get_by_label("View").click();
    settle(&mut h);
    h.get_by_label("People…").click();
    step_until(&mut h, "the census", LONG, census_done);
    let d = h.state().people.data.clone().unwrap();
    let s = d.suggestions[0].clone();
    assert!(s.addresses.len() >= 2, "{s:?}");
    let before: u64 = d
        .people
        .iter()
        .filter(|p| s.addresses.contains(&p.address))
        .map(|p| p.messages)
        .sum();

    h.get_all_by_label("Merge").next().unwrap().click();
    step_until(&mut h, "the merge and a new census", LONG, |a| {
        census_done(a)
            && a.people
                .data
                .as_ref()
                .is_some_and(|d| d.people.iter().any(|p| p.addresses.len() > 1))
    });
    let a = h.state();
    assert!(
        a.status.as_ref().unwrap().text.starts_with("Merged"),
        "{:?}",
        a.status
    );
    let d = a.people.data.as_ref().unwrap();
    assert!(!d.suggestions.iter().any(|x| x.addresses == s.addresses));
    let merged = d
        .people
        .iter()
        .find(|p| p.address == s.addresses[0])
        .unwrap()
        .clone();
    assert_eq!(merged.addresses.len(), s.addresses.len());
    for other in &s.addresses[1..] {
        assert!(
            d.people.iter().all(|p| &p.address != other),
            "{other} still apart"
        );
    }
    // one person in fewer messages than the sum (a message to both counts once)
    assert!(merged.messages <= before && merged.messages > 0);
    let case = a.case_path.clone().unwrap();
    let ids = mailsift::identity::list(&case).unwrap();
    assert_eq!(ids.members(&s.addresses[0]).len(), s.addresses.len());

    // Rename through the identity window.
    h.state_mut().apply(Command::People(
        mailsift::app::people::PeopleCommand::OpenIdentity(merged.address.clone(), true),
    ));
    settle(&mut h);
    let field =
        h.get_by_role_and_label(A11y::TextInput, "Name (empty: the names seen in the mail)");
    field.focus();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.step();
    h.get_by_role_and_label(A11y::TextInput, "Name (empty: the names seen in the mail)")
        .type_text("The Merged One");
    h.step();
    h.get_by_label("Rename").click();
    step_until(&mut h, "the rename and a new census", LONG, |a| {
        census_done(a)
            && a.people.data.as_ref().is_some_and(|d| {
                d.people
                    .iter()
                    .any(|p| p.best_name() == Some("The Merged One"))
            })
    });

    // A click on them: the mail of every address of theirs.
    h.get_by_role_and_label(A11y::Link, "The Merged One")
        .click();
    let query = person_query(&merged.addresses, Role::Either);
    wait_results(&mut h, &query);
    assert_eq!(hits(h.state()).len() as u64, merged.messages);
}
