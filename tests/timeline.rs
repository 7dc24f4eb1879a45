//! The window's timeline (issue 17, item 9), driven headless: a drag across
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
