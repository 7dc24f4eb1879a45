//! The benchmark's People step (issue 16): the People view of every
//! message of the case (census and list, as the window computes them),
//! the upgrade that fills the `participants` table of an older case, and
//! the layout of 150 and 500 people of a generated census (the
//! synthetic corpus has only a few dozen correspondents).

use std::path::Path;
use std::time::Instant;

use super::{BenchOptions, Report, corpus, import, read_floor};
use crate::error::Result;
use crate::graph::{DEFAULT_TOP, LayoutOptions, graph, layout};
use crate::model::Address;
use crate::people::{Census, PeopleOptions, census_of};
use crate::store::{Addressing, Case, MARKER};
use crate::synth::Layout;

/// The median of some timings (milliseconds).
fn median(mut ms: Vec<f64>) -> f64 {
    ms.sort_by(|a, b| a.total_cmp(b));
    ms.get(ms.len() / 2).copied().unwrap_or(0.0)
}

/// The People view of all messages and the layout of the case's own
/// graph, then layouts of 150 and 500 generated people; the median of up
/// to 5 rounds each.
pub(super) fn view_and_layout(opts: &BenchOptions, r: &mut Report, case: &Path) -> Result<()> {
    let c = Case::open(case)?;
    let rounds = opts.rounds.clamp(1, 5);
    let (mut view, mut lay) = (Vec::new(), Vec::new());
    let (mut people, mut nodes, mut edges) = (0, 0, 0);
    for _ in 0..rounds {
        let t = Instant::now();
        let census = census_of(&c, None)?;
        people = census.people(&PeopleOptions::default()).len();
        view.push(t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        let g = graph(&census, DEFAULT_TOP);
        let pos = layout(&g, &LayoutOptions::default());
        lay.push(t.elapsed().as_secs_f64() * 1e3);
        (nodes, edges) = (pos.len(), g.edges.len());
    }
    r.add(
        format!(
            "People view of all {} messages (census + list; goal <= 200 ms)",
            opts.messages
        ),
        format!("{people} people in {:.0} ms", median(view)),
    );
    r.add(
        format!("graph of the top {DEFAULT_TOP} people laid out (goal <= 1 s)"),
        format!("{nodes} nodes, {edges} edges in {:.0} ms", median(lay)),
    );
    let census = generated(600, 40_000);
    for top in [DEFAULT_TOP, 500] {
        let mut ms = Vec::new();
        let (mut nodes, mut edges) = (0, 0);
        for _ in 0..rounds {
            let t = Instant::now();
            let g = graph(&census, top);
            let pos = layout(&g, &LayoutOptions::default());
            ms.push(t.elapsed().as_secs_f64() * 1e3);
            (nodes, edges) = (pos.len(), g.edges.len());
        }
        r.add(
            format!(
                "graph of the top {top} of {} generated people laid out (goal <= 1 s for 150)",
                census.len()
            ),
            format!("{nodes} nodes, {edges} edges in {:.0} ms", median(ms)),
        );
    }
    Ok(())
}

/// A census of `people` correspondents and `messages` messages, made
/// deterministically: people in teams of 12 who mostly write within
/// their team (to one to three colleagues, sometimes copying a fourth),
/// now and then to another team; a few write far more than the rest.
pub fn generated(people: usize, messages: usize) -> Census {
    let mut census = Census::default();
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move |n: usize| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x % n.max(1) as u64) as usize
    };
    let who = |i: usize| Address {
        name: Some(format!("Person {i}")),
        addr: format!("p{i}@team{}.example.org", i / 12),
    };
    for m in 0..messages {
        // a skewed sender: low numbers write more
        let from = next(people).min(next(people)).min(next(people));
        let team = from / 12 * 12;
        let mut to = Vec::new();
        for _ in 0..1 + next(3) {
            let other = if next(10) == 0 {
                next(people)
            } else {
                (team + next(12)).min(people - 1)
            };
            if other != from {
                to.push(who(other));
            }
        }
        let cc = if next(4) == 0 {
            vec![who(next(people))]
        } else {
            Vec::new()
        };
        census.add(&Addressing {
            rowid: m as u64 + 1,
            date: Some(1_400_000_000 + m as i64 * 600),
            from: vec![who(from)],
            to,
            cc,
            bcc: Vec::new(),
        });
    }
    census
}

/// Only the People step: the corpus and the import when the case is not
/// there yet (`--dir`), then [`view_and_layout`] (which first brings an
/// older case up to date; the time it took is reported).
pub fn run_people(opts: &BenchOptions) -> Result<Report> {
    let mut r = Report::default();
    let case = opts
        .dir
        .join(format!("case-{}-{}", opts.messages, opts.seed));
    if !case.join(MARKER).exists() {
        std::fs::create_dir_all(&opts.dir).map_err(super::io(&opts.dir, "creating"))?;
        let (mbox_dir, bytes) = corpus(opts, Layout::Mbox, "mbox")?;
        let floor = read_floor(&mut r, &mbox_dir, bytes)?;
        import(opts, &mut r, &mbox_dir, bytes, floor)?;
    } else {
        let t = Instant::now();
        drop(Case::open_for_writing(&case)?);
        r.add(
            "opening the case (an older case is upgraded: participants filled)",
            format!("{:.2} s", t.elapsed().as_secs_f64()),
        );
    }
    view_and_layout(opts, &mut r, &case)?;
    Ok(r)
}
