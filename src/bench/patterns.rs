//! The benchmark's pattern step: what looking for phone numbers,
//! addresses, links, IBANs and money in the text costs the import, the
//! extraction alone, and the facets of every message.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use super::{BenchOptions, Report, io, timed};
use crate::error::Result;

/// What looking for patterns in the text costs: the import again with
/// `--no-patterns` (into a case of its own), the extraction alone over
/// every stored message's texts on one thread, and the pattern facets of
/// the whole case (what the window computes for a search of everything).
pub(super) fn cost(
    opts: &BenchOptions,
    r: &mut Report,
    case: &Path,
    mbox_dir: &Path,
    with_secs: f64,
) -> Result<()> {
    let plain = opts
        .dir
        .join(format!("case-{}-{}-nopatterns", opts.messages, opts.seed));
    if plain.exists() {
        std::fs::remove_dir_all(&plain).map_err(io(&plain, "clearing"))?;
    }
    let (wall, _) = timed(
        Command::new(&opts.binary)
            .arg("import")
            .arg(&plain)
            .arg(mbox_dir)
            .args(["--quiet", "--no-patterns"]),
    )?;
    let without = wall.as_secs_f64();
    r.add(
        "import without pattern extraction",
        format!(
            "{without:.2} s (extraction costs {:+.1}% of the import)",
            (with_secs / without.max(1e-9) - 1.0) * 100.0
        ),
    );
    let _ = std::fs::remove_dir_all(&plain);
    let c = crate::store::Case::open(case)?;
    let mut spent = Duration::ZERO;
    let (mut messages, mut values) = (0u64, 0u64);
    c.messages_after(0, &mut |_, msg| {
        let t = Instant::now();
        values += crate::patterns::of_message(&msg).len() as u64;
        spent += t.elapsed();
        messages += 1;
        Ok(())
    })?;
    r.add(
        "pattern extraction alone (one thread, every message's texts)",
        format!(
            "{:.2} s, {:.0} µs/message, {values} values in {messages} messages",
            spent.as_secs_f64(),
            spent.as_secs_f64() * 1e6 / messages.max(1) as f64
        ),
    );
    let b = crate::browse::Browser::open(case)?;
    let t = Instant::now();
    let all = b.mentions("", None)?;
    r.add(
        "pattern facets of every message (distinct values)",
        format!("{} ms, {} values", t.elapsed().as_millis(), all.len()),
    );
    Ok(())
}
