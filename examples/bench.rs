//! The benchmark (see `mailsift::bench`): prints a table of measurements.
//! Run it through `benches/bench.sh`, which builds the release binary and
//! installs mu and notmuch for the comparison.
//!
//! Usage: `bench [--messages N] [--seed S] [--dir DIR] [--rounds R] [--no-compare]
//! [--only people] [--profile enron]` (`--only people`: the People view and layout step
//! alone, on the case in DIR, made first if missing).
//!
//! `--profile enron` is the scale mode (issue 19): an Enron-like corpus of
//! small messages and the steps whose cost grows with the case, each size
//! run so far in `--dir` printed side by side (`mailsift::bench::scale`).

#![allow(clippy::unwrap_used)] // tests and tools: a failed unwrap is a failed run

use std::path::PathBuf;
use std::process::ExitCode;

use mailsift::bench::{BenchOptions, run, run_people};

fn main() -> ExitCode {
    let mut opts = BenchOptions {
        messages: 60_000,
        seed: 1,
        dir: std::env::temp_dir().join("mailsift-bench"),
        binary: PathBuf::new(),
        compare: true,
        rounds: 20,
        profile: None,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut only_people = false;
    let mut i = 0;
    while i < args.len() {
        let value = args.get(i + 1).cloned().unwrap_or_default();
        match args[i].as_str() {
            "--messages" => opts.messages = value.parse().unwrap_or(opts.messages),
            "--seed" => opts.seed = value.parse().unwrap_or(opts.seed),
            "--dir" => opts.dir = PathBuf::from(value),
            "--rounds" => opts.rounds = value.parse().unwrap_or(opts.rounds),
            "--binary" => opts.binary = PathBuf::from(value),
            "--only" if value == "people" => only_people = true,
            "--profile" => opts.profile = Some(value),
            "--no-compare" => {
                opts.compare = false;
                i += 1;
                continue;
            }
            other => {
                eprintln!("unknown argument {other}");
                return ExitCode::from(2);
            }
        }
        i += 2;
    }
    if opts.binary.as_os_str().is_empty() {
        // target/release/examples/bench -> target/release/mailsift
        opts.binary = std::env::current_exe()
            .ok()
            .and_then(|p| Some(p.parent()?.parent()?.join("mailsift")))
            .unwrap_or_else(|| PathBuf::from("mailsift"));
    }
    eprintln!(
        "benchmark: {} messages, seed {}, in {} ({} cores)",
        opts.messages,
        opts.seed,
        opts.dir.display(),
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    let report = if only_people {
        run_people(&opts)
    } else {
        run(&opts)
    };
    match report {
        Ok(report) => {
            println!("{}", report.markdown());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("bench: {e}");
            ExitCode::from(2)
        }
    }
}
