//! The benchmark: generates a corpus, imports it with the real binary, and
//! measures the import, a re-import, re-opening, search latency, threading
//! and exports, side by side with `cat` (the machine's read floor) and, when
//! installed, `mu index` and `notmuch new` on the same messages. Prints
//! numbers; asserts nothing. Used by `examples/bench.rs` and smoke-tested
//! in CI with a tiny corpus.

mod archive;
mod pst;
pub use pst::PST_ENV;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::browse::Browser;
use crate::error::{Error, Result};
use crate::export::Format;
use crate::index::Sort;
use crate::synth::{CorpusSpec, Layout, write_corpus};

mod dkim;
mod patterns;
mod people;
pub use people::run_people;
pub mod scale;

/// The fixed query set (words, phrases, fields, dates, boolean, prefix,
/// fuzzy, non-Latin).
pub const QUERIES: &[&str] = &[
    "budget",
    "donor",
    "\"talking points\"",
    "meeting OR call",
    "budget -draft",
    "from:@ncpc.example.org",
    "to:@hartwell2016.example.com",
    "subject:budget",
    "body:reception",
    "has:attachment",
    "filename:pdf",
    "after:2016-05-01",
    "date:2015-10",
    "before:2015-06 budget",
    "budg*",
    "moskva~",
    "финансировании",
    "(budget OR donor) subject:re",
    "from:ann OR from:bob",
    "press inquiry",
    "attachment:donor",
    "garcia",
    "vote -pipeline",
    "*",
];

/// The same queries for notmuch and mu, where they have an equivalent.
const OTHER_QUERIES: &[(&str, &str)] = &[
    ("budget", "budget"),
    ("donor", "donor"),
    ("\"talking points\"", "\"talking points\""),
    ("meeting OR call", "meeting OR call"),
    ("budget AND NOT draft", "budget AND NOT draft"),
    ("from:ncpc.example.org", "from:ncpc.example.org"),
    ("subject:budget", "subject:budget"),
    ("date:2015-10-01..2015-10-31", "date:20151001..20151031"),
    ("budg*", "budg*"),
    ("press inquiry", "press inquiry"),
];

/// What to run.
#[derive(Clone, Debug)]
pub struct BenchOptions {
    pub messages: usize,
    pub seed: u64,
    /// Where corpora and cases go (corpora are kept and reused).
    pub dir: PathBuf,
    /// The `mailsift` binary to time.
    pub binary: PathBuf,
    /// Also run mu and notmuch when they are installed.
    pub compare: bool,
    /// Rounds over the query set.
    pub rounds: usize,
    /// A corpus profile: None for the default benchmark, `Some("enron")`
    /// for the scale mode (see [`scale`]).
    pub profile: Option<String>,
}

/// One measured row.
#[derive(Clone, Debug)]
pub struct Row {
    pub what: String,
    pub value: String,
}

/// All rows of a run.
#[derive(Clone, Debug, Default)]
pub struct Report {
    pub rows: Vec<Row>,
    /// Headings of the value columns when a row's value holds several
    /// (the scale mode's sizes side by side, cells joined with ` | `);
    /// empty: one column, `result`.
    pub columns: Vec<String>,
}

impl Report {
    fn add(&mut self, what: impl Into<String>, value: impl Into<String>) {
        let row = Row {
            what: what.into(),
            value: value.into(),
        };
        eprintln!("  {}: {}", row.what, row.value);
        self.rows.push(row);
    }

    /// The rows as a Markdown table.
    pub fn markdown(&self) -> String {
        let mut out = if self.columns.is_empty() {
            String::from("| measure | result |\n| --- | --- |\n")
        } else {
            format!(
                "| measure | {} |\n| --- |{}\n",
                self.columns.join(" | "),
                " --- |".repeat(self.columns.len())
            )
        };
        for r in &self.rows {
            let _ = writeln!(out, "| {} | {} |", r.what, r.value);
        }
        out
    }
}

fn io<'a>(path: &'a Path, op: &'static str) -> impl FnOnce(std::io::Error) -> Error + 'a {
    move |e| Error::Io {
        path: path.to_path_buf(),
        op,
        source: e,
    }
}

/// A corpus, generated once per (layout, size, seed) and reused.
fn corpus(opts: &BenchOptions, layout: Layout, name: &str) -> Result<(PathBuf, u64)> {
    let dir = opts
        .dir
        .join(format!("{name}-{}-{}", opts.messages, opts.seed));
    let done = dir.join(".complete");
    if !done.exists() {
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(io(&dir, "clearing"))?;
        }
        let spec = CorpusSpec {
            seed: opts.seed,
            messages: opts.messages,
            layout,
            target_avg_size: 40_000,
            attach_prob: None,
        };
        write_corpus(&spec, &dir).map_err(io(&dir, "writing the corpus"))?;
        std::fs::write(&done, b"").map_err(io(&done, "writing"))?;
    }
    Ok((dir.clone(), tree_size(&dir)))
}

fn tree_size(p: &Path) -> u64 {
    let Ok(meta) = std::fs::symlink_metadata(p) else {
        return 0;
    };
    if !meta.is_dir() {
        return meta.len();
    }
    std::fs::read_dir(p)
        .map(|rd| rd.flatten().map(|e| tree_size(&e.path())).sum())
        .unwrap_or(0)
}

/// Reads every file below `dir` (into nothing), so that each tool finds
/// the maildir in the page cache as the one before it did: without this
/// the first tool to read it pays for the disk (mailsift's maildir import
/// measured 25.2 s cold, 17.6-19.3 s warm).
fn warm(dir: &Path) -> Result<()> {
    let mut stack = vec![dir.to_path_buf()];
    let mut sink = std::io::sink();
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).map_err(io(&d, "listing"))? {
            let path = e.map_err(io(&d, "listing"))?.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(mut f) = std::fs::File::open(&path) {
                std::io::copy(&mut f, &mut sink).map_err(io(&path, "reading"))?;
            }
        }
    }
    Ok(())
}

/// Runs a command, returning wall time and the child's peak RSS in bytes
/// (of that child alone: `wait4`, not `RUSAGE_CHILDREN`, which would also
/// count whatever this process's parent ran before `exec`, e.g. cargo).
fn timed(cmd: &mut Command) -> Result<(Duration, u64)> {
    timed_allowing(cmd, false)
}

/// [`timed`], and with `none_found` exit status 1 (nothing found) is
/// taken as success too.
#[cfg(unix)]
fn timed_allowing(cmd: &mut Command, none_found: bool) -> Result<(Duration, u64)> {
    let start = Instant::now();
    let child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(io(Path::new("(command)"), "running"))?;
    let mut status: libc::c_int = 0;
    // SAFETY: wait4 only writes into the two values we pass, for our own child.
    let (pid, usage) = unsafe {
        let mut u: libc::rusage = std::mem::zeroed();
        let pid = libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut u);
        (pid, u)
    };
    let wall = start.elapsed();
    let ok = pid > 0
        && libc::WIFEXITED(status)
        && (libc::WEXITSTATUS(status) == 0 || (none_found && libc::WEXITSTATUS(status) == 1));
    if !ok {
        return Err(Error::Io {
            path: PathBuf::from(format!("{cmd:?}")),
            op: "running",
            source: std::io::Error::other(format!("exited with wait status {status}")),
        });
    }
    Ok((wall, usage.ru_maxrss as u64 * 1024))
}

/// Runs a command, returning wall time and 0 for the peak RSS: outside
/// Unix there is no `wait4`, and the benchmark prints memory only where it
/// was measured.
#[cfg(not(unix))]
fn timed_allowing(cmd: &mut Command, none_found: bool) -> Result<(Duration, u64)> {
    let start = Instant::now();
    let status = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_err(io(Path::new("(command)"), "running"))?;
    if !status.success() && !(none_found && status.code() == Some(1)) {
        return Err(Error::Io {
            path: PathBuf::from(format!("{cmd:?}")),
            op: "running",
            source: std::io::Error::other(format!("exited with {status}")),
        });
    }
    Ok((start.elapsed(), 0))
}

fn installed(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// Runs the benchmark.
pub fn run(opts: &BenchOptions) -> Result<Report> {
    match opts.profile.as_deref() {
        None | Some("default") => {}
        Some(scale::ENRON) => return scale::run(opts),
        Some(other) => {
            return Err(Error::Io {
                path: opts.dir.clone(),
                op: "choosing the benchmark's profile",
                source: std::io::Error::other(format!(
                    "unknown profile {other:?} (known: default, {})",
                    scale::ENRON
                )),
            });
        }
    }
    let mut r = Report::default();
    std::fs::create_dir_all(&opts.dir).map_err(io(&opts.dir, "creating"))?;
    let t = Instant::now();
    let (mbox_dir, bytes) = corpus(opts, Layout::Mbox, "mbox")?;
    r.add(
        "corpus",
        format!(
            "{} messages, {} ({} ms to make or reuse)",
            opts.messages,
            mb(bytes),
            t.elapsed().as_millis()
        ),
    );
    let floor = read_floor(&mut r, &mbox_dir, bytes)?;
    let (case, secs) = import(opts, &mut r, &mbox_dir, bytes, floor)?;
    attachment_text(&mut r, &case)?;
    reading(opts, &mut r, &case)?;
    people::view_and_layout(opts, &mut r, &case)?;
    annotations(opts, &mut r, &case)?;
    archive::folder_vs_zip(opts, &mut r)?;
    pst::pst_vs_readpst(opts, &mut r)?;
    if opts.compare {
        compare(opts, &mut r, secs)?;
    }
    Ok(r)
}

/// The read floor: `cat` of the corpus to /dev/null.
fn read_floor(r: &mut Report, mbox_dir: &Path, bytes: u64) -> Result<Duration> {
    let (floor, _) = timed(
        Command::new("sh").args(["-c", &format!("cat {}/* > /dev/null", mbox_dir.display())]),
    )?;
    r.add(
        "read floor (`cat` to /dev/null)",
        format!(
            "{:.2} s, {:.0} MB/s",
            floor.as_secs_f64(),
            bytes as f64 / 1e6 / floor.as_secs_f64()
        ),
    );
    Ok(floor)
}

/// The import of the mbox corpus into a fresh case with the binary, then a
/// re-import of the unchanged source; returns the case and the first
/// import's seconds.
fn import(
    opts: &BenchOptions,
    r: &mut Report,
    mbox_dir: &Path,
    bytes: u64,
    floor: Duration,
) -> Result<(PathBuf, f64)> {
    let case = opts
        .dir
        .join(format!("case-{}-{}", opts.messages, opts.seed));
    if case.exists() {
        std::fs::remove_dir_all(&case).map_err(io(&case, "clearing"))?;
    }
    let import = |case: &Path, src: &Path| -> Result<(Duration, u64)> {
        timed(
            Command::new(&opts.binary)
                .arg("import")
                .arg(case)
                .arg(src)
                .arg("--quiet"),
        )
    };
    let (wall, rss) = import(&case, mbox_dir)?;
    let secs = wall.as_secs_f64();
    let case_bytes = tree_size(&case);
    r.add(
        "import (hash, parse, store, index, threads)",
        format!(
            "{:.2} s, {:.0} messages/s, {:.0} MB/s ({:.0}% of the read floor's speed)",
            secs,
            opts.messages as f64 / secs,
            bytes as f64 / 1e6 / secs,
            floor.as_secs_f64() / secs * 100.0
        ),
    );
    r.add("peak RSS during import", mb(rss));
    r.add(
        "case size on disk",
        format!(
            "{} ({:.1}% of the corpus)",
            mb(case_bytes),
            case_bytes as f64 / bytes as f64 * 100.0
        ),
    );
    let (again, _) = import(&case, mbox_dir)?;
    r.add(
        "re-import of the unchanged source",
        format!(
            "{:.2} s ({:.1}% of the first import)",
            again.as_secs_f64(),
            again.as_secs_f64() / secs * 100.0
        ),
    );
    dkim::cost(opts, r, &case, mbox_dir, secs)?;
    patterns::cost(opts, r, &case, mbox_dir, secs)?;
    Ok((case, secs))
}

/// Attachment text extraction during the first import (summed worker time
/// per kind: the throughput of one core).
fn attachment_text(r: &mut Report, case: &Path) -> Result<()> {
    let Some(report) = crate::store::Case::open(case)?.first_import_report()? else {
        return Ok(());
    };
    let kinds = report["attachment_texts"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    for (group, names) in [
        ("PDF", &["pdf"][..]),
        (
            "Office/ODF/RTF",
            &["docx", "xlsx", "pptx", "odt", "ods", "odp", "xls", "rtf"][..],
        ),
    ] {
        let (mut n, mut b, mut ms, mut reused) = (0u64, 0u64, 0u64, 0u64);
        for k in names {
            let v = &kinds.get(*k).cloned().unwrap_or_default();
            n += v["extracted"].as_u64().unwrap_or(0);
            b += v["bytes"].as_u64().unwrap_or(0);
            ms += v["millis"].as_u64().unwrap_or(0);
            reused += v["reused"].as_u64().unwrap_or(0);
        }
        let secs = (ms as f64 / 1e3).max(1e-3);
        r.add(
            format!("attachment text: {group}"),
            format!(
                "{n} distinct documents, {}, {:.0} documents/s and {:.1} MB/s per core ({reused} more were the same content)",
                mb(b),
                n as f64 / secs,
                b as f64 / 1e6 / secs
            ),
        );
    }
    Ok(())
}

/// Reading the case in process: re-open and the first page, search
/// latency over the query set, threading, exports.
fn reading(opts: &BenchOptions, r: &mut Report, case: &Path) -> Result<()> {
    let t = Instant::now();
    let b = Browser::open(case)?;
    let first = b.search("*", Sort::DateDesc)?;
    let page: Vec<_> = first.hits.iter().take(50).map(|h| h.rowid).collect();
    for rowid in &page {
        b.message(*rowid)?;
    }
    r.add(
        "re-open the case and show the first 50 results",
        format!("{:.1} ms", t.elapsed().as_secs_f64() * 1e3),
    );

    // Search latency, in process.
    let mut ms = Vec::new();
    for _ in 0..opts.rounds.max(1) {
        for q in QUERIES {
            let t = Instant::now();
            b.search(q, Sort::Relevance)?;
            ms.push(t.elapsed().as_secs_f64() * 1e3);
        }
    }
    ms.sort_by(|a, b| a.total_cmp(b));
    r.add(
        format!(
            "search, {} queries x {} rounds, in process",
            QUERIES.len(),
            opts.rounds.max(1)
        ),
        format!(
            "p50 {:.2} ms, p99 {:.2} ms",
            percentile(&ms, 0.5),
            percentile(&ms, 0.99)
        ),
    );

    let t = Instant::now();
    let threads = b.threads()?;
    r.add(
        "threading all messages",
        format!(
            "{} threads in {:.0} ms",
            threads.len(),
            t.elapsed().as_secs_f64() * 1e3
        ),
    );
    for (fmt, name) in [(Format::Csv, "csv"), (Format::Mbox, "mbox")] {
        let out = opts.dir.join(format!("export-{}.{name}", opts.messages));
        let _ = std::fs::remove_file(&out);
        let t = Instant::now();
        let s = b.export(&first, "*", fmt, Some(&out), false, &mut |_, _| true)?;
        r.add(
            format!("export all to {name}"),
            format!(
                "{} messages in {:.2} s",
                s.messages,
                t.elapsed().as_secs_f64()
            ),
        );
        let _ = std::fs::remove_file(&out);
    }
    Ok(())
}

/// The investigator's desk: tagging and starring every message at once
/// (one transaction each), `tag:` and `is:starred` latency, and merging an
/// annotations file of up to 10,000 annotated messages.
fn annotations(opts: &BenchOptions, r: &mut Report, case: &Path) -> Result<()> {
    use crate::annotate::file::{self, AnnotationFile};
    use crate::annotate::{MessageRecord, Note, StarChange, TagChange};
    use crate::desk::{TagAction, apply_to, import_annotations};

    let b = Browser::open(case)?;
    let all: Vec<u64> = b
        .search("*", Sort::Date)?
        .hits
        .iter()
        .map(|h| h.rowid)
        .collect();
    let timed_ms = |f: &mut dyn FnMut() -> Result<usize>| -> Result<(usize, f64)> {
        let t = Instant::now();
        let n = f()?;
        Ok((n, t.elapsed().as_secs_f64() * 1e3))
    };
    let add = TagAction::Add {
        tag: "bench".into(),
        colour: None,
    };
    for (what, action) in [("tag", &add), ("star", &TagAction::Star)] {
        let (n, ms) = timed_ms(&mut || apply_to(case, &all, action, "bench"))?;
        r.add(
            format!("{what} every message (one transaction)"),
            format!("{n} messages in {ms:.0} ms"),
        );
    }
    let mut ms = Vec::new();
    for _ in 0..opts.rounds.max(1) {
        for q in ["tag:bench", "is:starred", "tag:bench -is:starred budget"] {
            let t = Instant::now();
            b.search(q, Sort::Relevance)?;
            ms.push(t.elapsed().as_secs_f64() * 1e3);
        }
    }
    ms.sort_by(|a, b| a.total_cmp(b));
    r.add(
        "search tag: / is:starred (every message annotated)",
        format!(
            "p50 {:.2} ms, p99 {:.2} ms",
            percentile(&ms, 0.5),
            percentile(&ms, 0.99)
        ),
    );

    let keys = b.case.keys()?;
    let records = AnnotationFile {
        messages: keys
            .iter()
            .take(10_000)
            .enumerate()
            .map(|(i, k)| MessageRecord {
                key: *k,
                tags: vec![TagChange {
                    tag: format!("colleague {}", i % 7),
                    added: true,
                    time_ms: 1_700_000_000_000 + i as i64,
                    author: "colleague".into(),
                }],
                star: Some(StarChange {
                    starred: i % 2 == 0,
                    time_ms: 1_700_000_000_000,
                    author: "colleague".into(),
                }),
                notes: vec![Note {
                    author: "colleague".into(),
                    time_ms: 1_700_000_000_000 + i as i64,
                    text: format!("note {i}: ask the source about this one"),
                }],
            })
            .collect(),
        ..AnnotationFile::default()
    };
    let path = opts
        .dir
        .join(format!("annotations-{}.jsonl", opts.messages));
    crate::export::write_file_atomically(&path, |out| {
        file::write(out, &records).map_err(|e| Error::io(&path, "writing", e))
    })?;
    let t = Instant::now();
    let merged = import_annotations(case, &path)?;
    r.add(
        format!(
            "import an annotations file of {} messages",
            records.messages.len()
        ),
        format!(
            "{} messages changed in {:.0} ms",
            merged.messages_changed,
            t.elapsed().as_secs_f64() * 1e3
        ),
    );
    let _ = std::fs::remove_file(&path);
    Ok(())
}

/// mu and notmuch on the same messages, as a maildir.
fn compare(opts: &BenchOptions, r: &mut Report, mailsift_secs: f64) -> Result<()> {
    let have_mu = installed("mu");
    let have_nm = installed("notmuch");
    if !have_mu && !have_nm {
        r.add(
            "mu / notmuch",
            "not installed (benches/bench.sh installs them)",
        );
        return Ok(());
    }
    let (md, _) = corpus(opts, Layout::Maildir, "maildir")?;
    let work = opts.dir.join(format!("others-{}", opts.messages));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).map_err(io(&work, "creating"))?;
    warm(&md)?;
    let (ms_md, _) = timed(
        Command::new(&opts.binary)
            .arg("import")
            .arg(work.join("case"))
            .arg(&md)
            .arg("--quiet"),
    )?;
    r.add(
        "mailsift import of the same messages as a maildir",
        format!("{:.2} s (mbox: {mailsift_secs:.2} s)", ms_md.as_secs_f64()),
    );
    let base = ms_md.as_secs_f64();
    if have_mu {
        mu(r, &work, &md, base)?;
    }
    if have_nm {
        notmuch(r, &work, &md, base)?;
    }
    Ok(())
}

/// `mu init` + `mu index` of the maildir `md`, then `mu find` over the
/// query set; `base` is mailsift's time on the same maildir.
fn mu(r: &mut Report, work: &Path, md: &Path, base: f64) -> Result<()> {
    let home = work.join("mu");
    warm(md)?;
    let (init, _) = timed(
        Command::new("mu")
            .arg("init")
            .arg(format!("--muhome={}", home.display()))
            .arg(format!("--maildir={}", md.display())),
    )?;
    let (index, _) = timed(
        Command::new("mu")
            .arg("index")
            .arg(format!("--muhome={}", home.display())),
    )?;
    let mu = init + index;
    r.add(
        "mu index",
        format!(
            "{:.2} s (mailsift is {:.1}x faster)",
            mu.as_secs_f64(),
            mu.as_secs_f64() / base
        ),
    );
    let mut ms = Vec::new();
    for (_, q) in OTHER_QUERIES {
        let t = Instant::now();
        let _ = Command::new("mu")
            .arg("find")
            .arg(format!("--muhome={}", home.display()))
            .arg(q)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        ms.push(t.elapsed().as_secs_f64() * 1e3);
    }
    ms.sort_by(|a, b| a.total_cmp(b));
    r.add(
        format!(
            "mu find, {} queries (process per query)",
            OTHER_QUERIES.len()
        ),
        format!(
            "p50 {:.1} ms, p99 {:.1} ms",
            percentile(&ms, 0.5),
            percentile(&ms, 0.99)
        ),
    );
    Ok(())
}

/// `notmuch new` on the maildir `md`, then `notmuch search` over the query
/// set; `base` is mailsift's time on the same maildir.
fn notmuch(r: &mut Report, work: &Path, md: &Path, base: f64) -> Result<()> {
    let conf = work.join("notmuch.conf");
    std::fs::write(
        &conf,
        format!("[database]\npath={}\n[new]\ntags=inbox;\n", md.display()),
    )
    .map_err(io(&conf, "writing"))?;
    let _ = std::fs::remove_dir_all(md.join(".notmuch"));
    warm(md)?;
    let (nm, _) = timed(
        Command::new("notmuch")
            .arg("new")
            .env("NOTMUCH_CONFIG", &conf),
    )?;
    r.add(
        "notmuch new",
        format!(
            "{:.2} s (mailsift is {:.1}x faster)",
            nm.as_secs_f64(),
            nm.as_secs_f64() / base
        ),
    );
    let mut ms = Vec::new();
    for (q, _) in OTHER_QUERIES {
        let t = Instant::now();
        let _ = Command::new("notmuch")
            .args(["search", "--output=messages", q])
            .env("NOTMUCH_CONFIG", &conf)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        ms.push(t.elapsed().as_secs_f64() * 1e3);
    }
    ms.sort_by(|a, b| a.total_cmp(b));
    r.add(
        format!(
            "notmuch search, {} queries (process per query)",
            OTHER_QUERIES.len()
        ),
        format!(
            "p50 {:.1} ms, p99 {:.1} ms",
            percentile(&ms, 0.5),
            percentile(&ms, 0.99)
        ),
    );
    let _ = std::fs::remove_dir_all(md.join(".notmuch"));
    Ok(())
}
