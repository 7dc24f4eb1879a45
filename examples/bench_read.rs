//! Measures the read side of an existing case: search latency over a fixed
//! set of queries (in-process, p50/p99), threading time, and exporting every
//! message to CSV. Prints numbers; asserts nothing.
//!
//! Usage: `cargo run --release --example bench_read -- CASE [ROUNDS]`

#![allow(clippy::unwrap_used)] // tests and tools: a failed unwrap is a failed run

use std::path::PathBuf;
use std::time::Instant;

use mailsift::bench::QUERIES;
use mailsift::browse::Browser;
use mailsift::export::Format;
use mailsift::index::Sort;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(case) = args.first().map(PathBuf::from) else {
        eprintln!("usage: bench_read CASE [ROUNDS]");
        std::process::exit(2);
    };
    let rounds: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(20);
    let t = Instant::now();
    let b = Browser::open(&case).expect("case opens");
    let first = b.search("*", Sort::DateDesc).expect("search");
    println!(
        "open + first page: {:.1} ms ({} messages)",
        t.elapsed().as_secs_f64() * 1e3,
        first.hits.len()
    );
    let mut times = Vec::new();
    for _ in 0..rounds {
        for q in QUERIES {
            let t = Instant::now();
            let found = b.search(q, Sort::Relevance).expect("search");
            times.push((t.elapsed().as_secs_f64() * 1e3, q, found.hits.len()));
        }
    }
    let mut ms: Vec<f64> = times.iter().map(|t| t.0).collect();
    ms.sort_by(|a, b| a.total_cmp(b));
    let pct = |p: f64| ms[((ms.len() as f64 - 1.0) * p) as usize];
    println!(
        "search: {} queries x {rounds} rounds: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        QUERIES.len(),
        pct(0.5),
        pct(0.99),
        pct(1.0)
    );
    for q in QUERIES {
        let mut v: Vec<f64> = times.iter().filter(|t| t.1 == q).map(|t| t.0).collect();
        v.sort_by(|a, b| a.total_cmp(b));
        let hits = times.iter().find(|t| t.1 == q).map(|t| t.2).unwrap_or(0);
        println!("  {:>8.2} ms  {:>6} hits  {q}", v[v.len() / 2], hits);
    }
    let t = Instant::now();
    let threads = b.threads().expect("threads");
    println!(
        "threads: {} threads over {} messages in {:.0} ms",
        threads.len(),
        first.hits.len(),
        t.elapsed().as_secs_f64() * 1e3
    );
    let out = std::env::temp_dir().join(format!("mailsift-bench-{}.csv", std::process::id()));
    let t = Instant::now();
    let summary = b
        .export(&first, "*", Format::Csv, Some(&out), false, &mut |_, _| {
            true
        })
        .expect("export");
    println!(
        "export CSV: {} messages in {:.2} s ({} bytes)",
        summary.messages,
        t.elapsed().as_secs_f64(),
        summary.bytes
    );
    let _ = std::fs::remove_file(&out);
}
