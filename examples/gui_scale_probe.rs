//! Measures what a reporter waits for in the window on a large case,
//! headless (no display): the real `MailsiftApp` is drawn into an
//! `egui::Context` frame after frame while its background jobs run.
//!
//! Prints, each on its own line: the first results after opening the case,
//! a search (results, facets and timeline) for `*` and for a narrow query,
//! the thread-view toggle (on and off), and sorting by From, Subject and
//! Date. For each: the time until the list shows the new state ("shown":
//! results with the senders, domains and timeline), until the window is
//! idle again ("idle": the slower facets counted too), and the longest
//! single frame meanwhile (what the UI thread was blocked for).
//! Then the process's memory.
//!
//! Usage: `cargo run --release --example gui_scale_probe -- CASE_DIR [NARROW_QUERY]`
//! (make a big case with `gen_corpus` + `mailsift import`; the narrow
//! query defaults to `subject:budget`).

#![allow(clippy::unwrap_used)] // tests and tools: a failed unwrap is a failed run

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use mailsift::app::{AppConfig, Command, ListRow, MailsiftApp, ScriptedDialogs};
use mailsift::jobs::SortColumn;

/// Draws one frame; returns how long it took.
fn frame(ctx: &egui::Context, app: &mut MailsiftApp) -> Duration {
    let input = egui::RawInput {
        screen_rect: Some(egui::Rect::from_min_size(
            egui::Pos2::ZERO,
            egui::vec2(1400.0, 900.0),
        )),
        ..Default::default()
    };
    let start = Instant::now();
    let mut output = ctx.run_ui(input, |ui| {
        app.step_logic(ui.ctx());
        app.draw(ui);
    });
    let _meshes = ctx.tessellate(std::mem::take(&mut output.shapes), output.pixels_per_point);
    output.textures_delta.clear();
    start.elapsed()
}

/// What one step took: until the list showed it, until the window was
/// idle again (the slower facets counted), the longest frame meanwhile,
/// and what the search thread reported for making the list (search, sort,
/// grouping).
struct Took {
    worker: Duration,
    shown: Duration,
    total: Duration,
    longest_frame: Duration,
}

/// Runs `act` (timed as part of the UI thread's work, like a click
/// handled in a frame), then draws frames until `done` holds and the
/// window is idle.
fn measure(
    ctx: &egui::Context,
    app: &mut MailsiftApp,
    act: impl FnOnce(&mut MailsiftApp),
    done: impl Fn(&MailsiftApp) -> bool,
) -> Option<Took> {
    let start = Instant::now();
    act(app);
    let mut longest = start.elapsed();
    let mut shown = None;
    loop {
        let t = frame(ctx, app);
        longest = longest.max(t);
        if done(app) {
            let shown = *shown.get_or_insert_with(|| start.elapsed());
            if !app.busy() {
                return Some(Took {
                    worker: app
                        .search
                        .results
                        .as_ref()
                        .map_or(Duration::ZERO, |r| r.elapsed),
                    shown,
                    total: start.elapsed(),
                    longest_frame: longest,
                });
            }
        }
        if start.elapsed() > Duration::from_secs(300) {
            eprintln!("not done after 300 s: {:?}", app.status);
            return None;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn report(what: &str, took: &Took) {
    println!(
        "{what:<34} shown {:>7.1} ms  idle {:>7.1} ms  longest frame {:>6.1} ms  search thread {:>7.1} ms",
        ms(took.shown),
        ms(took.total),
        ms(took.longest_frame),
        ms(took.worker)
    );
}

/// Which outcome the window shows (its hits' address and number): a new
/// search gives another.
fn outcome_id(app: &MailsiftApp) -> Option<(usize, usize)> {
    app.search
        .results
        .as_ref()
        .map(|r| (r.hits.as_ptr() as usize, r.hits.len()))
}

/// Whether the current results are a new outcome (not `before`) of
/// `query`, sorted by `col`.
fn results_are(
    app: &MailsiftApp,
    before: Option<(usize, usize)>,
    query: &str,
    col: SortColumn,
) -> bool {
    outcome_id(app) != before
        && app
            .search
            .results
            .as_ref()
            .is_some_and(|r| r.query_text == query && r.sort.column == col)
}

fn search(ctx: &egui::Context, app: &mut MailsiftApp, query: &str) -> Option<Took> {
    let q = query.to_string();
    let col = app.search.sort.column;
    let before = outcome_id(app);
    measure(
        ctx,
        app,
        |app| {
            app.search.query = q.clone();
            app.apply(Command::SearchNow);
        },
        |app| results_are(app, before, query, col),
    )
}

fn sort(ctx: &egui::Context, app: &mut MailsiftApp, col: SortColumn) -> Option<Took> {
    let query = app.search.effective_query();
    let before = outcome_id(app);
    measure(
        ctx,
        app,
        |app| app.apply(Command::SortBy(col)),
        |app| results_are(app, before, &query, col),
    )
}

fn threaded(app: &MailsiftApp) -> bool {
    app.list
        .rows
        .iter()
        .any(|r| matches!(r, ListRow::Thread { .. }))
}

fn flat(app: &MailsiftApp) -> bool {
    !app.list.thread_view && Some(app.list.rows.len()) == app.hit_count()
}

fn memory() -> String {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else {
        return "unknown".into();
    };
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .map(|l| l[name.len()..].trim().to_string())
            .unwrap_or_default()
    };
    format!("RSS {}, peak {}", field("VmRSS:"), field("VmHWM:"))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(case) = args.first().map(PathBuf::from) else {
        eprintln!("usage: gui_scale_probe CASE_DIR [NARROW_QUERY]");
        return ExitCode::from(2);
    };
    let narrow = args
        .get(1)
        .cloned()
        .unwrap_or_else(|| "subject:budget".into());
    let ctx = egui::Context::default();
    let tmp = std::env::temp_dir().join(format!("mailsift-scale-probe-{}", std::process::id()));
    let mut app = MailsiftApp::with_context(
        ctx.clone(),
        AppConfig {
            data_dir: tmp.clone(),
            sample: None,
        },
        Box::new(ScriptedDialogs::default()),
    );
    // A flat list sorted by relevance to start with, whatever was remembered.
    app.list.thread_view = false;
    let Some(first) = measure(
        &ctx,
        &mut app,
        |app| app.apply(Command::OpenPath(case)),
        |app| app.hit_count().is_some() && !app.list.rows.is_empty(),
    ) else {
        return ExitCode::from(2);
    };
    let hits = app.hit_count().unwrap_or(0);
    println!("case: {hits} messages listed");
    report("first results after opening", &first);
    println!("memory after opening: {}", memory());
    let mut steps: Vec<(String, Option<Took>)> = Vec::new();
    steps.push((
        "search `*` (results + facets)".into(),
        search(&ctx, &mut app, "*"),
    ));
    let took = search(&ctx, &mut app, &narrow);
    println!(
        "narrow query `{narrow}`: {} hits",
        app.hit_count().unwrap_or(0)
    );
    steps.push((format!("search `{narrow}`"), took));
    steps.push(("search `*` again".into(), search(&ctx, &mut app, "*")));
    steps.push((
        "thread view on".into(),
        measure(
            &ctx,
            &mut app,
            |app| app.apply(Command::ToggleThreadView),
            threaded,
        ),
    ));
    steps.push((
        "thread view off".into(),
        measure(
            &ctx,
            &mut app,
            |app| app.apply(Command::ToggleThreadView),
            flat,
        ),
    ));
    for (name, col) in [
        ("sort by From", SortColumn::From),
        ("sort by From again (Z-A)", SortColumn::From),
        ("sort by Subject", SortColumn::Subject),
        ("sort by Date", SortColumn::Date),
        ("sort by Relevance", SortColumn::Relevance),
    ] {
        steps.push((name.into(), sort(&ctx, &mut app, col)));
    }
    let mut failed = false;
    for (name, took) in &steps {
        match took {
            Some(t) => report(name, t),
            None => {
                println!("{name}: did not finish");
                failed = true;
            }
        }
    }
    // Idle: a few frames with nothing to do.
    for _ in 0..5 {
        frame(&ctx, &mut app);
    }
    println!("memory idle: {}", memory());
    let _ = std::fs::remove_dir_all(&tmp);
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
