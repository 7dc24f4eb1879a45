//! Issue 19: the list's order and its thread view are made on the search
//! thread, not in a frame. Driven through the window (the background job
//! runs while frames are stepped), the rows come out as the old
//! computation on the UI thread made them.

use std::collections::HashMap;

use egui_kittest::kittest::Queryable;
use mailsift::app::{Answer, ListRow};
use mailsift::jobs::SortColumn;
use mailsift::store::LightRow;

use crate::gui::{LONG, harness, open_sample, sample_dir, step_until};

/// A row of the thread view: its row id and, for a thread, its id, hits
/// and size.
type Row = (u64, Option<(String, u32, u32)>);

/// The light columns of every message of the case, by row id.
fn light(case: &std::path::Path) -> HashMap<u64, LightRow> {
    mailsift::store::Case::open(case)
        .unwrap()
        .light_rows(0)
        .unwrap()
        .into_iter()
        .map(|r| (r.rowid, r))
        .collect()
}

/// The hits in relevance order, as the index gives them.
fn relevance_order(case: &std::path::Path) -> Vec<u64> {
    let b = mailsift::browse::Browser::open(case).unwrap();
    let found = b.search("*", mailsift::index::Sort::Relevance).unwrap();
    found.hits.iter().map(|h| h.rowid).collect()
}

#[test]
fn sorting_and_the_thread_view_run_in_the_background_and_keep_their_order() {
    let tmp = tempfile::tempdir().unwrap();
    let mut h = harness(
        &tmp.path().join("data"),
        vec![Answer::Folder(Some(sample_dir()))],
        true,
    );
    h.set_size(egui::vec2(1600.0, 1000.0));
    h.step();
    h.state_mut().list.thread_view = false;
    open_sample(&mut h);
    let case = h.state().case_path.clone().unwrap();
    let light = light(&case);
    let relevance = relevance_order(&case);
    assert!(relevance.len() > 100);

    // Sorting by From: the name shown (else the address), then the
    // address, lower case; ties in relevance order.
    h.get_by_role_and_label(egui::accesskit::Role::Button, "From")
        .click();
    step_until(&mut h, "sorting by From", LONG, |a| {
        !a.busy() && a.search.results.as_ref().unwrap().sort.column == SortColumn::From
    });
    let key = |id: &u64| {
        let r = &light[id];
        let addr = r.from.clone().unwrap_or_default().to_lowercase();
        let name = r
            .from_name
            .as_ref()
            .map_or(addr.clone(), |n| n.to_lowercase());
        (name, addr)
    };
    let mut want = relevance.clone();
    want.sort_by_cached_key(key);
    let got: Vec<u64> = h.state().list.rows.iter().map(ListRow::rowid).collect();
    assert_eq!(got, want, "sorted by From");
    assert!(h.state().search.working.is_none());

    // Again: Z to A.
    h.get_by_role_and_label(egui::accesskit::Role::Button, "From ⏶")
        .click();
    step_until(&mut h, "sorting by From, descending", LONG, |a| {
        !a.busy() && a.search.results.as_ref().unwrap().sort.descending
    });
    want.reverse();
    let got: Vec<u64> = h.state().list.rows.iter().map(ListRow::rowid).collect();
    assert_eq!(got, want, "sorted by From, descending");

    // Subject, without Re:/Fwd:, lower case.
    h.get_by_role_and_label(egui::accesskit::Role::Button, "Subject")
        .click();
    step_until(&mut h, "sorting by Subject", LONG, |a| {
        !a.busy() && a.search.results.as_ref().unwrap().sort.column == SortColumn::Subject
    });
    let mut want = relevance.clone();
    want.sort_by_cached_key(|id| {
        mailsift::thread::strip_subject_prefixes(light[id].subject.as_deref().unwrap_or(""))
            .to_lowercase()
    });
    let got: Vec<u64> = h.state().list.rows.iter().map(ListRow::rowid).collect();
    assert_eq!(got, want, "sorted by Subject");

    // The thread view: one row per thread in the order of its first hit,
    // a thread of one message (or none) a plain row.
    let order = got;
    h.get_by_label("Threads").click();
    step_until(&mut h, "the thread view", LONG, |a| {
        !a.busy() && a.list.thread_view && a.search.working.is_none()
    });
    let mut sizes: HashMap<&str, u32> = HashMap::new();
    for r in light.values() {
        if let Some(t) = &r.thread {
            *sizes.entry(t).or_default() += 1;
        }
    }
    let mut want: Vec<Row> = Vec::new();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for id in &order {
        match light[id].thread.as_deref() {
            Some(t) if sizes[t] > 1 => match seen.get(t) {
                Some(&i) => {
                    if let Some((_, hits, _)) = &mut want[i].1 {
                        *hits += 1;
                    }
                }
                None => {
                    seen.insert(t, want.len());
                    want.push((*id, Some((t.to_string(), 1, sizes[t]))));
                }
            },
            Some(t) => {
                if seen.insert(t, want.len()).is_none() {
                    want.push((*id, None));
                }
            }
            None => want.push((*id, None)),
        }
    }
    let got: Vec<Row> = h
        .state()
        .list
        .rows
        .iter()
        .map(|r| match r {
            ListRow::Thread {
                thread,
                rowid,
                hits,
                size,
                ..
            } => (*rowid, Some((thread.clone(), *hits, *size))),
            ListRow::Message { rowid, .. } => (*rowid, None),
        })
        .collect();
    assert!(
        want.iter().any(|(_, t)| t.is_some()),
        "the sample has threads"
    );
    assert!(want.len() < order.len());
    assert_eq!(got, want, "the thread view");

    // And back to the flat list, in the same order as before.
    h.get_by_label("Threads ✔").click();
    step_until(&mut h, "the flat list", LONG, |a| {
        !a.busy() && !a.list.thread_view
    });
    let got: Vec<u64> = h.state().list.rows.iter().map(ListRow::rowid).collect();
    assert_eq!(got, order, "the flat list again");
}
