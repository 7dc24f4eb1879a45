//! Writes the committed sample folder (`sample_mbox/`) with
//! `mailsift::synth::write_sample` and prints what it wrote.
//!
//! Usage: `cargo run --example gen_sample -- DIR [--force] [--json]`
//!
//! Deletes nothing; refuses to write into a non-empty DIR unless `--force`
//! (then files are overwritten in place). `--json` prints the summary as JSON.

#![allow(clippy::unwrap_used)] // tests and tools: a failed unwrap is a failed run

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut dir: Option<PathBuf> = None;
    let mut force = false;
    let mut json = false;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--force" => force = true,
            "--json" => json = true,
            "-h" | "--help" => {
                eprintln!("usage: gen_sample DIR [--force] [--json]");
                return ExitCode::SUCCESS;
            }
            a if a.starts_with("--") => {
                eprintln!("unknown option {a}");
                return ExitCode::from(2);
            }
            a => {
                if dir.is_some() {
                    eprintln!("only one DIR, please");
                    return ExitCode::from(2);
                }
                dir = Some(PathBuf::from(a));
            }
        }
    }
    let Some(dir) = dir else {
        eprintln!("usage: gen_sample DIR [--force] [--json]");
        return ExitCode::from(2);
    };
    let non_empty = match std::fs::read_dir(&dir) {
        Ok(mut entries) => entries.next().is_some(),
        Err(_) => false,
    };
    if non_empty && !force {
        eprintln!(
            "{} is not empty; pass --force to overwrite the generated files in it",
            dir.display()
        );
        return ExitCode::from(1);
    }
    let summary = match mailsift::synth::write_sample(&dir) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("writing the sample into {} failed: {e}", dir.display());
            return ExitCode::from(1);
        }
    };
    if json {
        match serde_json::to_string_pretty(&summary) {
            Ok(s) => println!("{s}"),
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::from(1);
            }
        }
        return ExitCode::SUCCESS;
    }
    let mut bytes = 0u64;
    for f in &summary.files {
        let size = std::fs::metadata(dir.join(&f.path))
            .map(|m| m.len())
            .unwrap_or(0);
        bytes += size;
        let defects: Vec<String> = f
            .expected_defects
            .iter()
            .map(|(i, k)| format!("{k}@{i}"))
            .collect();
        if (f.path.starts_with("dnc") || f.path.starts_with("maildir"))
            && f.expected_defects.is_empty()
        {
            continue; // summarised below
        }
        println!(
            "{:<45} {:>9} B {:>4} msg  {:?} {}",
            f.path.display(),
            size,
            f.messages,
            f.kind,
            defects.join(" ")
        );
    }
    for prefix in ["dnc", "maildir"] {
        let (n, m): (usize, usize) = summary
            .files
            .iter()
            .filter(|f| f.path.starts_with(prefix))
            .fold((0, 0), |(n, m), f| (n + 1, m + f.messages));
        println!("{prefix}/: {n} files, {m} messages");
    }
    for d in summary.planted_duplicates() {
        println!(
            "planted {:?}: {} <- {} #{} <{}>",
            d.kind,
            d.copy.path.display(),
            d.original.path.display(),
            d.original.index,
            d.message_id
        );
    }
    println!(
        "total: {} files, {} messages ({} distinct), {} bytes",
        summary.files.len(),
        summary.total_messages(),
        summary.distinct_messages(),
        bytes
    );
    ExitCode::SUCCESS
}
