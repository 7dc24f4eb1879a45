//! Patterns in the window (issue 16): the phone number of the shown
//! message is listed in the reading pane, the results' facets list it, and
//! a click on the facet searches for the messages mentioning it.

use egui_kittest::kittest::Queryable;

use crate::gui::{LONG, harness, step_until};

#[test]
fn the_reading_pane_and_the_facets_list_a_phone_number() {
    let tmp = tempfile::tempdir().unwrap();
    let mail = |n: u32, subject: &str, body: &str| {
        format!(
            "From: a@example.org\nTo: b@example.org\nSubject: {subject}\n\
             Date: Mon, {n:02} Oct 2015 14:02:11 +0000\nMessage-ID: <g{n}@example.org>\n\n{body}\n"
        )
    };
    let src = tmp.path().join("src.mbox");
    std::fs::write(
        &src,
        crate::util::mbox(&[
            mail(1, "Call", "Call me on (202) 555-0143 tonight."),
            mail(2, "Quiet", "Nothing to see on 2016-05-12."),
        ]),
    )
    .unwrap();
    let case = tmp.path().join("case");
    let out = crate::util::run(&[&"import", &case, &src, &"--quiet"]);
    assert!(out.status.success());
    let mut h = harness(&tmp.path().join("data"), vec![], false);
    h.step();
    h.state_mut()
        .apply(mailsift::app::Command::OpenPath(case.clone()));
    step_until(&mut h, "the case", LONG, |a| {
        !a.busy() && a.hit_count() == Some(2)
    });
    h.step();
    // The facet, before any message is shown.
    assert!(h.query_by_label("Phone numbers mentioned").is_some());
    assert_eq!(h.query_all_by_label("+12025550143").count(), 1);

    let b = mailsift::browse::Browser::open(&case).unwrap();
    let rowid = h
        .state()
        .list
        .rows
        .iter()
        .map(|r| r.rowid())
        .find(|&r| b.message(r).unwrap().subject.as_deref() == Some("Call"))
        .unwrap();
    h.state_mut()
        .apply(mailsift::app::Command::ShowMessage(rowid));
    for _ in 0..3 {
        h.step();
    }
    assert!(h.query_by_label("Patterns in the text (1)").is_some());
    // Now in the reading pane too.
    assert_eq!(h.query_all_by_label("+12025550143").count(), 2);

    // The other message lists none.
    let quiet = h
        .state()
        .list
        .rows
        .iter()
        .map(|r| r.rowid())
        .find(|&r| r != rowid)
        .unwrap();
    h.state_mut()
        .apply(mailsift::app::Command::ShowMessage(quiet));
    for _ in 0..3 {
        h.step();
    }
    assert!(h.query_by_label_contains("Patterns in the text").is_none());

    // A click on the facet searches for it.
    h.query_all_by_label("+12025550143").next().unwrap().click();
    h.step();
    step_until(&mut h, "the refined search", LONG, |a| {
        !a.busy() && a.hit_count() == Some(1)
    });
    assert!(
        h.state().search.query.contains("mentions:\"+12025550143\""),
        "{}",
        h.state().search.query
    );
}

/// A case whose index is behind (here: emptied, as opening an index of an
/// older version leaves it) is brought up to date by a background import
/// of nothing before it opens, and then finds patterns.
#[test]
fn an_index_behind_is_rebuilt_in_the_background() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src.mbox");
    std::fs::write(
        &src,
        crate::util::mbox(&[crate::util::message(
            "a@example.org",
            "Call",
            "r1@example.org",
            "Ring +44 20 7946 0958 today.",
        )]),
    )
    .unwrap();
    let case = tmp.path().join("case");
    let out = crate::util::run(&[&"import", &case, &src, &"--quiet"]);
    assert!(out.status.success());
    let index = case.join("index");
    std::fs::remove_dir_all(&index).unwrap();
    std::fs::create_dir(&index).unwrap();
    assert!(mailsift::browse::index_behind(&case).unwrap());

    let mut h = harness(&tmp.path().join("data"), vec![], false);
    h.step();
    h.state_mut()
        .apply(mailsift::app::Command::OpenPath(case.clone()));
    assert!(
        h.state().import.running.is_some(),
        "rebuilt by the import job"
    );
    step_until(&mut h, "the rebuilt case", LONG, |a| {
        a.import.running.is_none() && !a.busy() && a.hit_count() == Some(1)
    });
    assert!(!mailsift::browse::index_behind(&case).unwrap());
    h.state_mut().search.query = "mentions:+442079460958".into();
    h.state_mut().apply(mailsift::app::Command::SearchNow);
    step_until(&mut h, "the search", LONG, |a| {
        !a.busy()
            && a.search
                .results
                .as_ref()
                .is_some_and(|r| r.query_text.starts_with("mentions:") && r.hits.len() == 1)
    });
}
