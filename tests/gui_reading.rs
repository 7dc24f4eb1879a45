//! The reading window (issue 17), driven headless. The timeline (item 9): a drag across
//! the bars narrows the query to that period, the bars then get finer
//! (months → weeks or days), and the unit buttons change the bars.

use egui_kittest::kittest::Queryable;
use mailsift::app::Answer;
use mailsift::app::timeline::TimeUnit;

use crate::gui::{LONG, harness, step_until};

#[test]
fn dragging_across_the_timeline_narrows_to_that_period() {
    let tmp = tempfile::tempdir().unwrap();
    let sample = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample_mbox");
    let mut h = harness(
        &tmp.path().join("data"),
        vec![Answer::Folder(Some(sample))],
        true,
    );
    h.step();
    h.get_by_label("Open folder…").click();
    step_until(&mut h, "the import and first search", LONG, |a| {
        a.import.running.is_none() && !a.busy() && a.hit_count().is_some()
    });
    let all = h.state().hit_count().unwrap();
    let t = &h.state().search.timeline;
    assert_eq!(
        t.shown,
        TimeUnit::Months,
        "the sample spans more than a year"
    );
    let bars = t.bins.len();
    assert!(bars > 6, "{bars} bars");

    // Drag from a quarter to the middle of the chart.
    let rect = h.get_by_label("Timeline chart").rect();
    let y = rect.center().y;
    let x = |f: f32| rect.left() + rect.width() * f;
    h.hover_at(egui::pos2(x(0.25), y));
    h.step();
    h.drag_at(egui::pos2(x(0.25), y));
    h.step();
    for f in [0.3, 0.4, 0.5] {
        h.hover_at(egui::pos2(x(f), y));
        h.step();
    }
    h.drop_at(egui::pos2(x(0.5), y));
    h.step();
    let query = h.state().search.query.clone();
    assert!(
        query.starts_with("date:") && query.contains(".."),
        "{query:?}"
    );
    step_until(&mut h, "the narrowed search", LONG, |a| {
        !a.busy()
            && a.search
                .results
                .as_ref()
                .is_some_and(|r| r.query_text == query)
    });
    let narrowed = h.state().hit_count().unwrap();
    assert!(narrowed < all && narrowed > 0, "{narrowed} of {all}");
    let t = &h.state().search.timeline;
    let counted: u64 = t.bins.iter().map(|b| b.count).sum();
    let undated = h.state().search.results.as_ref().unwrap().facets.undated;
    assert_eq!(counted + undated, narrowed as u64, "every hit in a bar");

    // The unit buttons: days, then back to automatic.
    h.get_by_label("Days").click();
    h.step();
    h.step();
    let t = &h.state().search.timeline;
    assert_eq!((t.unit, t.shown), (TimeUnit::Days, TimeUnit::Days));
    assert!(t.bins.len() > bars, "days are finer than months");
    assert_eq!(t.bins.iter().map(|b| b.count).sum::<u64>(), counted);
}

/// Under a date sort the newest hit may hold the words only in its HTML
/// form or in an attachment's text: the reading pane shows the form that
/// has them, or says where they are with a button to the attachment.
#[test]
fn the_first_hit_is_found_where_it_is_under_a_date_sort() {
    let tmp = tempfile::tempdir().unwrap();
    let alt = "From: a@example.org\nTo: b@example.org\nSubject: Lunch\nDate: Mon, 12 Oct 2015 14:02:11 -0400\nMessage-ID: <alt@example.org>\nMIME-Version: 1.0\nContent-Type: multipart/alternative; boundary=\"b1\"\n\n--b1\nContent-Type: text/plain\n\nSee the plan.\n--b1\nContent-Type: text/html\n\n<p>See the plan: the <b>zebra</b> route.</p>\n--b1--\n";
    let att = "From: c@example.org\nTo: b@example.org\nSubject: Notes\nDate: Tue, 13 Oct 2015 10:00:00 -0400\nMessage-ID: <att@example.org>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b2\"\n\n--b2\nContent-Type: text/plain\n\nNotes attached.\n--b2\nContent-Type: text/plain; name=\"notes.txt\"\nContent-Disposition: attachment; filename=\"notes.txt\"\n\nThe zebra crossing is closed.\n--b2--\n";
    let src = tmp.path().join("src.mbox");
    std::fs::write(&src, crate::util::mbox(&[alt.to_owned(), att.to_owned()])).unwrap();
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
    h.state_mut().apply(mailsift::app::Command::SortBy(
        mailsift::jobs::SortColumn::Date,
    ));
    h.state_mut().search.query = "zebra".into();
    h.state_mut().apply(mailsift::app::Command::SearchNow);
    step_until(&mut h, "the search", LONG, |a| {
        !a.busy()
            && a.search
                .results
                .as_ref()
                .is_some_and(|r| r.query_text == "zebra" && r.hits.len() == 2)
    });
    let rows: Vec<u64> = h.state().list.rows.iter().map(|r| r.rowid()).collect();
    let b = mailsift::browse::Browser::open(&case).unwrap();
    let subject = |rowid: u64| b.message(rowid).unwrap().subject.unwrap();
    let notes = *rows.iter().find(|&&r| subject(r) == "Notes").unwrap();
    let lunch = *rows.iter().find(|&&r| subject(r) == "Lunch").unwrap();

    // Only in an attachment: said, with a button that opens its text.
    h.state_mut()
        .apply(mailsift::app::Command::ShowMessage(notes));
    for _ in 0..3 {
        h.step();
    }
    h.get_by_label_contains("No hit in this text; the search matched in");
    h.get_by_label("the attachment notes.txt").click();
    for _ in 0..3 {
        h.step();
    }
    assert!(
        h.state()
            .reading
            .as_ref()
            .unwrap()
            .attachment_view
            .is_some(),
        "the attachment's text is shown"
    );

    // Only in the HTML form: that form is shown, at its hit.
    h.state_mut()
        .apply(mailsift::app::Command::ShowMessage(lunch));
    for _ in 0..3 {
        h.step();
    }
    h.get_by_label_contains("Hit 1 of 1 in the text");
    assert!(h.query_by_label_contains("No hit in this text").is_none());

    // A query without words (a date) says nothing about hits.
    h.state_mut().search.query = "date:2015-10".into();
    h.state_mut().apply(mailsift::app::Command::SearchNow);
    step_until(&mut h, "the date search", LONG, |a| {
        !a.busy()
            && a.search
                .results
                .as_ref()
                .is_some_and(|r| r.query_text == "date:2015-10")
    });
    h.state_mut()
        .apply(mailsift::app::Command::ShowMessage(notes));
    for _ in 0..3 {
        h.step();
    }
    assert!(h.query_by_label_contains("No hit in").is_none());
    assert!(h.query_by_label_contains("Hit 1 of").is_none());
}

/// DKIM in the reading pane (issue 14): a signed message whose key the
/// case lacks says "No key"; File → Add DKIM keys… with a zone file adds
/// the key off the UI thread and the pane then says "Verified", with the
/// signature's details under "Why?".
#[test]
fn the_reading_pane_shows_the_dkim_verdict_and_keys_can_be_added() {
    use mailsift::dkim::testsign::{Spec, TestKey, sign};
    let tmp = tempfile::tempdir().unwrap();
    let key = TestKey::ed25519(7);
    let msg = crate::util::message(
        "Ana <ana@campaign.example.org>",
        "Signed memo",
        "s1@campaign.example.org",
        "The memo is attached.",
    );
    let signed = String::from_utf8(sign(
        msg.as_bytes(),
        &Spec::new("campaign.example.org", "s2016"),
        &key,
    ))
    .unwrap()
    .replace("\r\n", "\n");
    // Servers add Received headers on top after signing; the second
    // hop's clock is 2 minutes behind the first's.
    let signed = format!(
        "Received: from mx.campaign.example.org by inbound.example.net with ESMTPS; Mon, 12 Oct 2015 14:01:00 -0400\nReceived: from laptop by mx.campaign.example.org with ESMTPSA; Mon, 12 Oct 2015 14:03:00 -0400\n{signed}"
    );
    let src = tmp.path().join("src.mbox");
    std::fs::write(&src, crate::util::mbox(&[signed])).unwrap();
    let case = tmp.path().join("case");
    let out = crate::util::run(&[&"import", &case, &src, &"--quiet"]);
    assert!(out.status.success());
    let zone = tmp.path().join("keys.zone");
    std::fs::write(
        &zone,
        format!(
            "s2016._domainkey.campaign.example.org. IN TXT \"{}\"\n",
            key.record()
        ),
    )
    .unwrap();

    let packet = tmp.path().join("packet.zip");
    let mut h = harness(
        &tmp.path().join("data"),
        vec![
            Answer::File(Some(zone.clone())),
            Answer::Save(Some(packet.clone())),
        ],
        false,
    );
    h.step();
    h.state_mut()
        .apply(mailsift::app::Command::OpenPath(case.clone()));
    step_until(&mut h, "the case", LONG, |a| {
        !a.busy() && a.hit_count() == Some(1)
    });
    let rowid = h.state().list.rows[0].rowid();
    h.state_mut()
        .apply(mailsift::app::Command::ShowMessage(rowid));
    for _ in 0..3 {
        h.step();
    }
    assert_eq!(
        h.state()
            .reading
            .as_ref()
            .unwrap()
            .dkim
            .as_ref()
            .map(|o| o.verdict),
        Some(mailsift::dkim::Verdict::Nokey)
    );
    h.get_by_label_contains("DKIM: No key — ");
    assert_eq!(
        h.state().list.summaries[&rowid].dkim,
        Some(mailsift::dkim::Verdict::Nokey)
    );

    h.state_mut().apply(mailsift::app::Command::AddDkimKeys);
    step_until(&mut h, "the keys", LONG, |a| {
        a.status
            .as_ref()
            .is_some_and(|s| s.text.starts_with("Keys added"))
    });
    let status = h.state().status.clone().unwrap();
    assert!(!status.error, "{status:?}");
    assert!(status.text.contains("1 now verified"), "{}", status.text);
    assert_eq!(
        h.state()
            .reading
            .as_ref()
            .unwrap()
            .dkim
            .as_ref()
            .map(|o| o.verdict),
        Some(mailsift::dkim::Verdict::Pass)
    );
    step_until(&mut h, "the row read again", LONG, |a| {
        a.list
            .summaries
            .get(&rowid)
            .is_some_and(|s| s.dkim == Some(mailsift::dkim::Verdict::Pass))
    });
    h.get_by_label_contains("DKIM: Verified");
    h.get_by_label("Why? Each signature").click();
    for _ in 0..3 {
        h.step();
    }
    h.get_by_label_contains("Checked offline, against the keys");
    h.get_by_label_contains("key s2016._domainkey.campaign.example.org");

    // The delivery path, read from the source on demand.
    h.get_by_label("Delivery path (Received headers)…").click();
    step_until(&mut h, "the delivery path", LONG, |a| {
        a.reading.as_ref().is_some_and(|r| r.received.is_some())
    });
    h.get_by_label_contains("⚠ Delivery path: 1 of 2 hops with a time earlier than the hop before");
    h.get_by_label_contains("2 min 0 s earlier than the hop before");

    // File → Export evidence packet… (the results: one message).
    h.state_mut().apply(mailsift::app::Command::ExportEvidence);
    step_until(&mut h, "the packet", LONG, |a| {
        a.status
            .as_ref()
            .is_some_and(|s| s.text.starts_with("Evidence packet of 1 message"))
    });
    let bytes = std::fs::read(&packet).unwrap();
    let status = h.state().status.clone().unwrap();
    assert!(
        status
            .text
            .contains(&mailsift::model::Sha256::of(&bytes).to_hex()),
        "{}",
        status.text
    );
}

/// A signature with `l=` over a body that had text appended after
/// signing: the pane offers what the signature does not cover and shows
/// it in a frame of its own.
#[test]
fn what_an_l_signature_does_not_cover_is_shown_apart() {
    use mailsift::dkim::testsign::{Spec, TestKey, sign};
    let tmp = tempfile::tempdir().unwrap();
    let key = TestKey::ed25519(9);
    let msg = crate::util::message(
        "Ana <ana@campaign.example.org>",
        "Wire instructions",
        "l1@campaign.example.org",
        "Please hold the payment.",
    );
    let mut spec = Spec::new("campaign.example.org", "s2016");
    spec.length = true;
    let signed = String::from_utf8(sign(msg.as_bytes(), &spec, &key))
        .unwrap()
        .replace("\r\n", "\n");
    let tampered = format!("{signed}P.S. wire the money to account 999.\n");
    let src = tmp.path().join("src.mbox");
    std::fs::write(&src, crate::util::mbox(&[tampered])).unwrap();
    let case = tmp.path().join("case");
    let zone = tmp.path().join("keys.zone");
    std::fs::write(
        &zone,
        format!(
            "s2016._domainkey.campaign.example.org. IN TXT \"{}\"\n",
            key.record()
        ),
    )
    .unwrap();
    let out = crate::util::run(&[&"import", &case, &src, &"--quiet"]);
    assert!(out.status.success());
    let out = crate::util::run(&[&"keys", &"add", &case, &zone]);
    assert!(out.status.success());

    let mut h = harness(&tmp.path().join("data"), vec![], false);
    h.step();
    h.state_mut()
        .apply(mailsift::app::Command::OpenPath(case.clone()));
    step_until(&mut h, "the case", LONG, |a| {
        !a.busy() && a.hit_count() == Some(1)
    });
    let rowid = h.state().list.rows[0].rowid();
    h.state_mut()
        .apply(mailsift::app::Command::ShowMessage(rowid));
    for _ in 0..3 {
        h.step();
    }
    assert_eq!(
        h.state()
            .reading
            .as_ref()
            .unwrap()
            .dkim
            .as_ref()
            .map(|o| o.verdict),
        Some(mailsift::dkim::Verdict::Pass),
        "the signed part checks out"
    );
    h.get_by_label("Why? Each signature").click();
    for _ in 0..3 {
        h.step();
    }
    h.get_by_label("Show what the signature does not cover")
        .click();
    step_until(&mut h, "the unsigned part", LONG, |a| {
        a.reading
            .as_ref()
            .is_some_and(|r| r.unsigned_tail.is_some())
    });
    let tail = h
        .state()
        .reading
        .as_ref()
        .unwrap()
        .unsigned_tail
        .clone()
        .unwrap();
    assert!(
        tail.contains("P.S. wire the money to account 999."),
        "{tail:?}"
    );
    assert!(!tail.contains("Please hold"), "{tail:?}");
    h.get_by_label_contains("Not covered by the signature");
    // In the body, and again in the frame of what is not signed.
    assert_eq!(
        h.query_all_by_label_contains("P.S. wire the money").count(),
        2
    );
}

/// The reading pane stays on screen beside the list once a message is
/// open (a regression seen in a real window: the pane vanished).
#[test]
fn the_reading_pane_stays_beside_the_list() {
    let tmp = tempfile::tempdir().unwrap();
    let sample = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample_mbox");
    let mut h = harness(
        &tmp.path().join("data"),
        vec![Answer::Folder(Some(sample))],
        true,
    );
    h.set_size(egui::vec2(1600.0, 1000.0));
    h.step();
    h.get_by_label("Open folder…").click();
    step_until(&mut h, "the import and first search", LONG, |a| {
        a.import.running.is_none() && !a.busy() && a.hit_count().is_some()
    });
    let rowid = h.state().list.rows[0].rowid();
    h.state_mut()
        .apply(mailsift::app::Command::ShowMessage(rowid));
    for _ in 0..5 {
        h.step();
    }
    let button = h.get_by_label("View source").rect();
    assert!(
        button.right() <= 1600.0 && button.left() > 700.0,
        "{button:?}"
    );
}
