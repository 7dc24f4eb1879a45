//! The scale mode of the benchmark (issue 19: "a million messages on a
//! laptop"): `benches/bench.sh --messages 1000000 --profile enron`.
//!
//! An Enron-like corpus (small messages, 17.6 KB on average, about 3% of
//! them with attachments, one mbox) is imported with the real binary and
//! every step a reporter starts with is timed as its own process, the way
//! a script would run it: the import (time, peak RSS), the case's size
//! against the corpus, a re-import of the unchanged source, `stats --json`
//! warm and cold (the case's files evicted from the page cache first, no
//! root needed), `search --limit 50` by relevance and by date, `search
//! --format json` over every hit of a few queries (hits per second), and
//! `threads --json` with and without a query (time, peak RSS).
//!
//! The window's rows (first result, facets for `*`, thread-view toggle,
//! sorts) come from the headless window probe when it was built next to
//! the benchmark (`target/release/examples/gui_scale_probe CASE`): each line
//! of its standard output of the form `name: value` becomes a row
//! `window: name`. Without the probe those rows say so.
//!
//! Each run's rows are kept as JSON in the benchmark folder
//! (`scale-enron-N.json`); the printed table has one column per size run
//! so far, so 100k and 1M sit side by side.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use super::{BenchOptions, Report, io, mb, timed_allowing, tree_size};
use crate::error::{Error, Result};
use crate::synth::{CorpusSpec, Layout, write_corpus};

/// The profile's name, as given to `--profile`.
pub const ENRON: &str = "enron";

/// Average message size of the Enron-like corpus (the 1M corpus:
/// 17.6 GB).
const ENRON_AVG: usize = 17_600;

/// Share of threads started with attachments (2.9% of the corpus
/// carried one).
const ENRON_ATTACH: f64 = 0.03;

/// The queries whose every hit is exported as JSON: everything, a common
/// word, a sender's domain, attachments.
const JSON_QUERIES: &[&str] = &["*", "budget", "from:@ncpc.example.org", "has:attachment"];

/// The name of the window's probe (an example built by `bench.sh`).
const PROBE: &str = "gui_scale_probe";

/// Runs the scale mode; returns the table with every size measured so far
/// in `opts.dir`, side by side.
pub fn run(opts: &BenchOptions) -> Result<Report> {
    std::fs::create_dir_all(&opts.dir).map_err(io(&opts.dir, "creating"))?;
    let mut r = Report::default();
    let (corpus, bytes) = corpus(opts, &mut r)?;
    let case = opts
        .dir
        .join(format!("case-{ENRON}-{}-{}", opts.messages, opts.seed));
    import(opts, &mut r, &case, &corpus, bytes)?;
    stats(opts, &mut r, &case)?;
    search(opts, &mut r, &case)?;
    threads(opts, &mut r, &case)?;
    window(opts, &mut r, &case)?;
    save(opts, &r)?;
    side_by_side(&opts.dir)
}

/// The corpus, generated once per (size, seed) and reused.
fn corpus(opts: &BenchOptions, r: &mut Report) -> Result<(PathBuf, u64)> {
    let dir = opts
        .dir
        .join(format!("{ENRON}-{}-{}", opts.messages, opts.seed));
    let done = dir.join(".complete");
    if !done.exists() {
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(io(&dir, "clearing"))?;
        }
        let spec = CorpusSpec {
            seed: opts.seed,
            messages: opts.messages,
            layout: Layout::Mbox,
            target_avg_size: ENRON_AVG,
            attach_prob: Some(ENRON_ATTACH),
        };
        let summary = write_corpus(&spec, &dir).map_err(io(&dir, "writing the corpus"))?;
        std::fs::write(&done, summary.attachments.to_string()).map_err(io(&done, "writing"))?;
    }
    let attachments: u64 = std::fs::read_to_string(&done)
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0);
    let bytes = tree_size(&dir.join("corpus.mbox"));
    r.add(
        "corpus (one mbox)",
        format!(
            "{} messages, {}, {:.1} KB a message, {attachments} attachments",
            opts.messages,
            mb(bytes),
            bytes as f64 / 1e3 / opts.messages.max(1) as f64
        ),
    );
    Ok((dir, bytes))
}

/// A command of the binary on the case.
fn mailsift(opts: &BenchOptions, args: &[&str], case: &Path) -> Command {
    let mut cmd = Command::new(&opts.binary);
    cmd.arg(args[0]).arg(case).args(&args[1..]);
    cmd
}

/// The median wall time and the largest peak RSS of `rounds` runs.
fn median_of(
    rounds: usize,
    mut run: impl FnMut() -> Result<(Duration, u64)>,
) -> Result<(f64, u64)> {
    let mut secs = Vec::new();
    let mut rss = 0;
    for _ in 0..rounds.max(1) {
        let (wall, peak) = run()?;
        secs.push(wall.as_secs_f64());
        rss = rss.max(peak);
    }
    secs.sort_by(|a, b| a.total_cmp(b));
    Ok((secs[secs.len() / 2], rss))
}

fn ms(secs: f64) -> String {
    if secs < 10.0 {
        format!("{:.0} ms", secs * 1e3)
    } else {
        format!("{secs:.1} s")
    }
}

/// The import into a fresh case, its size, and a re-import.
fn import(
    opts: &BenchOptions,
    r: &mut Report,
    case: &Path,
    corpus: &Path,
    bytes: u64,
) -> Result<()> {
    if case.exists() {
        std::fs::remove_dir_all(case).map_err(io(case, "clearing"))?;
    }
    let run = || {
        timed_allowing(
            Command::new(&opts.binary)
                .arg("import")
                .arg(case)
                .arg(corpus.join("corpus.mbox"))
                .arg("--quiet"),
            false,
        )
    };
    let (wall, rss) = run()?;
    let secs = wall.as_secs_f64();
    r.add(
        "import",
        format!("{secs:.1} s, {:.0} messages/s", opts.messages as f64 / secs),
    );
    r.add("import: peak RSS (goal <= 400 MB)", mb(rss));
    let total = tree_size(case);
    let db = tree_size(&case.join("case.sqlite"));
    let index = tree_size(&case.join("index"));
    r.add(
        "case size (goal <= 25% of the corpus)",
        format!(
            "{} = {:.0}% (SQLite {}, index {})",
            mb(total),
            total as f64 / bytes.max(1) as f64 * 100.0,
            mb(db),
            mb(index)
        ),
    );
    let (again, _) = median_of(opts.rounds.clamp(1, 3), run)?;
    r.add(
        "re-import of the unchanged source (goal <= 0.5 s)",
        ms(again),
    );
    Ok(())
}

/// `stats --json` with the case in the page cache and with its files
/// evicted from it.
fn stats(opts: &BenchOptions, r: &mut Report, case: &Path) -> Result<()> {
    let rounds = opts.rounds.clamp(1, 5);
    let run = || timed_allowing(&mut mailsift(opts, &["stats", "--json"], case), false);
    run()?;
    let (warm, _) = median_of(rounds, run)?;
    r.add("stats --json, warm (goal <= 100 ms)", ms(warm));
    let cold = if evict(case) {
        let (cold, _) = median_of(rounds, || {
            evict(case);
            run()
        })?;
        ms(cold)
    } else {
        "not measured (no posix_fadvise here)".into()
    };
    r.add(
        "stats --json, cold (case files evicted from the page cache)",
        cold,
    );
    Ok(())
}

/// Limited searches (one process each), and every hit of a few queries
/// exported as JSON.
fn search(opts: &BenchOptions, r: &mut Report, case: &Path) -> Result<()> {
    let rounds = opts.rounds.clamp(1, 5);
    for (query, sort) in [("*", "relevance"), ("*", "-date"), ("budget", "relevance")] {
        let (secs, _) = median_of(rounds, || {
            timed_allowing(
                &mut mailsift(
                    opts,
                    &["search", query, "--limit", "50", "--sort", sort],
                    case,
                ),
                true,
            )
        })?;
        r.add(
            format!("search `{query}` --limit 50 --sort {sort} (process)"),
            ms(secs),
        );
    }
    for query in JSON_QUERIES {
        let (wall, rss, hits) = counting_lines(&mut mailsift(
            opts,
            &["search", query, "--format", "json"],
            case,
        ))?;
        let secs = wall.as_secs_f64();
        r.add(
            format!("search `{query}` --format json, every hit (goal >= 30,000 hits/s)"),
            format!(
                "{hits} hits in {secs:.1} s = {:.0} hits/s, peak RSS {}",
                hits as f64 / secs.max(1e-6),
                mb(rss)
            ),
        );
    }
    Ok(())
}

/// Runs `cmd`, counting the lines of its standard output as it goes:
/// wall time, the child's peak RSS, lines (exit status 1, nothing found,
/// is fine). The case is only ever read through the binary, so a run with
/// an older `--binary` measures that binary on a case it can read.
#[cfg(unix)]
fn counting_lines(cmd: &mut Command) -> Result<(Duration, u64, u64)> {
    use std::io::Read;
    let start = std::time::Instant::now();
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(io(Path::new("(command)"), "running"))?;
    let mut lines = 0u64;
    if let Some(mut out) = child.stdout.take() {
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = out
                .read(&mut buf)
                .map_err(io(Path::new("(command)"), "reading"))?;
            if n == 0 {
                break;
            }
            lines += buf[..n].iter().filter(|&&b| b == b'\n').count() as u64;
        }
    }
    let mut status: libc::c_int = 0;
    // SAFETY: wait4 only writes into the two values we pass, for our own child.
    let (pid, usage) = unsafe {
        let mut u: libc::rusage = std::mem::zeroed();
        let pid = libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut u);
        (pid, u)
    };
    let wall = start.elapsed();
    let ok = pid > 0 && libc::WIFEXITED(status) && matches!(libc::WEXITSTATUS(status), 0 | 1);
    if !ok {
        return Err(Error::Io {
            path: PathBuf::from(format!("{cmd:?}")),
            op: "running",
            source: std::io::Error::other(format!("exited with wait status {status}")),
        });
    }
    Ok((wall, usage.ru_maxrss as u64 * 1024, lines))
}

/// Runs `cmd`, counting the lines of its standard output (no peak RSS
/// outside Unix: 0).
#[cfg(not(unix))]
fn counting_lines(cmd: &mut Command) -> Result<(Duration, u64, u64)> {
    let start = std::time::Instant::now();
    let out = cmd
        .stderr(Stdio::null())
        .output()
        .map_err(io(Path::new("(command)"), "running"))?;
    let lines = out.stdout.iter().filter(|&&b| b == b'\n').count() as u64;
    Ok((start.elapsed(), 0, lines))
}

/// `threads --json` of the whole case and of one query's hits.
fn threads(opts: &BenchOptions, r: &mut Report, case: &Path) -> Result<()> {
    for (what, args) in [
        ("threads --json", &["threads", "--json"][..]),
        (
            "threads budget --json",
            &["threads", "--json", "budget"][..],
        ),
    ] {
        let (wall, rss) = timed_allowing(&mut mailsift(opts, args, case), true)?;
        r.add(
            format!("{what} (goal: peak RSS <= 300 MB)"),
            format!("{}, peak RSS {}", ms(wall.as_secs_f64()), mb(rss)),
        );
    }
    Ok(())
}

/// The window's rows, from the headless probe when it was built.
fn window(opts: &BenchOptions, r: &mut Report, case: &Path) -> Result<()> {
    let probe = opts
        .binary
        .parent()
        .map(|d| d.join("examples").join(PROBE))
        .filter(|p| p.exists());
    let Some(probe) = probe else {
        r.add(
            "window (first result, facets, thread toggle, sorts)",
            format!("not measured: examples/{PROBE} was not built"),
        );
        return Ok(());
    };
    let out = Command::new(&probe)
        .arg(case)
        .stderr(Stdio::null())
        .output()
        .map_err(io(&probe, "running"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let mut any = false;
    for line in text.lines() {
        if let Some((name, value)) = line.split_once(": ") {
            r.add(format!("window: {}", name.trim()), value.trim());
            any = true;
        }
    }
    if !any || !out.status.success() {
        r.add(
            "window (first result, facets, thread toggle, sorts)",
            format!("the probe printed no rows (exit status {})", out.status),
        );
    }
    Ok(())
}

/// Drops the case's files from the page cache (Linux); false where that
/// cannot be done.
#[cfg(target_os = "linux")]
fn evict(dir: &Path) -> bool {
    use std::os::fd::AsRawFd;
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    for e in entries.flatten() {
        let path = e.path();
        if path.is_dir() {
            evict(&path);
        } else if let Ok(f) = std::fs::File::open(&path) {
            // SAFETY: advice on an open descriptor of our own; no memory is passed.
            unsafe {
                libc::posix_fadvise(f.as_raw_fd(), 0, 0, libc::POSIX_FADV_DONTNEED);
            }
        }
    }
    true
}

/// Drops the case's files from the page cache (Linux); false where that
/// cannot be done.
#[cfg(not(target_os = "linux"))]
fn evict(_dir: &Path) -> bool {
    false
}

fn saved(dir: &Path, messages: usize) -> PathBuf {
    dir.join(format!("scale-{ENRON}-{messages}.json"))
}

/// Keeps this run's rows for the side-by-side table.
fn save(opts: &BenchOptions, r: &Report) -> Result<()> {
    let path = saved(&opts.dir, opts.messages);
    let rows: Vec<(&str, &str)> = r
        .rows
        .iter()
        .map(|row| (row.what.as_str(), row.value.as_str()))
        .collect();
    let json = serde_json::to_vec_pretty(&rows).map_err(|e| Error::Json {
        path: path.clone(),
        source: e,
    })?;
    std::fs::write(&path, json).map_err(io(&path, "writing"))
}

/// Every scale run kept in `dir`, one column per size (smallest first);
/// a row missing from a run is shown as `-`.
fn side_by_side(dir: &Path) -> Result<Report> {
    let mut runs: BTreeMap<usize, Vec<(String, String)>> = BTreeMap::new();
    for e in std::fs::read_dir(dir)
        .map_err(io(dir, "listing"))?
        .flatten()
    {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(n) = name
            .strip_prefix(&format!("scale-{ENRON}-"))
            .and_then(|s| s.strip_suffix(".json"))
            .and_then(|s| s.parse().ok())
        else {
            continue;
        };
        let path = e.path();
        let bytes = std::fs::read(&path).map_err(io(&path, "reading"))?;
        let rows = serde_json::from_slice(&bytes).map_err(|e| Error::Json {
            path: path.clone(),
            source: e,
        })?;
        runs.insert(n, rows);
    }
    let mut names: Vec<String> = Vec::new();
    for rows in runs.values() {
        for (what, _) in rows {
            if !names.contains(what) {
                names.push(what.clone());
            }
        }
    }
    let mut report = Report {
        columns: runs.keys().map(|n| format!("{n} messages")).collect(),
        ..Report::default()
    };
    for what in names {
        let cells: Vec<String> = runs
            .values()
            .map(|rows| {
                rows.iter()
                    .find(|(w, _)| *w == what)
                    .map_or_else(|| "-".to_string(), |(_, v)| v.clone())
            })
            .collect();
        report.rows.push(super::Row {
            what,
            value: cells.join(" | "),
        });
    }
    Ok(report)
}
