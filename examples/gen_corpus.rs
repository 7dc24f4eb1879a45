//! Writes a benchmark corpus with `mailsift::synth::write_corpus` and
//! prints its size and how long it took.
//!
//! Usage: `cargo run --release --example gen_corpus -- DIR MESSAGES [mbox|mbox-gz|eml|maildir] [SEED] [AVG_BYTES] [ATTACH_PROB]`

#![allow(clippy::unwrap_used)] // tests and tools: a failed unwrap is a failed run

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use mailsift::synth::{CorpusSpec, Layout, write_corpus};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 {
        eprintln!(
            "usage: gen_corpus DIR MESSAGES [mbox|mbox-gz|eml|maildir] [SEED] [AVG_BYTES] [ATTACH_PROB]"
        );
        return ExitCode::from(2);
    }
    let dir = PathBuf::from(&args[0]);
    let Ok(messages) = args[1].parse::<usize>() else {
        eprintln!("MESSAGES must be a number");
        return ExitCode::from(2);
    };
    let layout = match args.get(2).map(String::as_str).unwrap_or("mbox") {
        "mbox" => Layout::Mbox,
        "mbox-gz" => Layout::MboxGz,
        "eml" => Layout::EmlFolder,
        "maildir" => Layout::Maildir,
        other => {
            eprintln!("unknown layout {other}");
            return ExitCode::from(2);
        }
    };
    let seed = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(1);
    let target_avg_size = args.get(4).and_then(|s| s.parse().ok()).unwrap_or(40_000);
    let spec = CorpusSpec {
        seed,
        messages,
        layout,
        target_avg_size,
        attach_prob: args.get(5).and_then(|s| s.parse().ok()),
    };
    let start = Instant::now();
    match write_corpus(&spec, &dir) {
        Ok(s) => {
            let secs = start.elapsed().as_secs_f64();
            println!(
                "{} messages, {} files, {} bytes on disk, {} message bytes (avg {:.0}), {} attachments in {:.2} s ({:.0} MB/s)",
                s.messages,
                s.paths.len(),
                s.bytes,
                s.message_bytes,
                s.message_bytes as f64 / s.messages.max(1) as f64,
                s.attachments,
                secs,
                s.message_bytes as f64 / 1e6 / secs
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("writing the corpus failed: {e}");
            ExitCode::from(1)
        }
    }
}
