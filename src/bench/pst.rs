//! The PST step of the benchmark (issue 18): the same PST imported by
//! mailsift (reading, converting, parsing, indexing, threading: the whole
//! import) and converted to mbox files by `readpst -r` (Debian's
//! `pst-utils`, the usual open-source route), in the same run, the file
//! warmed in the page cache first. The goal is mailsift at least 2x
//! faster.
//!
//! mailsift has no PST writer, and no large public PST with a licence
//! that allows committing it was found, so the PST is the one named by
//! `MAILSIFT_BENCH_PST`; without it (or without `readpst` on the PATH)
//! the step says why it was skipped.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::{BenchOptions, Report, io, timed, tree_size};
use crate::error::Result;

/// The environment variable naming the PST to time.
pub const PST_ENV: &str = "MAILSIFT_BENCH_PST";

/// Times mailsift's import of the PST against `readpst`; adds both and
/// their ratio, or why the step was skipped.
pub(super) fn pst_vs_readpst(opts: &BenchOptions, r: &mut Report) -> Result<()> {
    const STEP: &str = "PST import vs readpst";
    let Some(pst) = std::env::var_os(PST_ENV).map(PathBuf::from) else {
        r.add(
            STEP,
            format!("skipped: no PST to time (set {PST_ENV}; mailsift cannot write one)"),
        );
        return Ok(());
    };
    if Command::new("readpst").arg("-V").output().is_err() {
        r.add(STEP, "skipped: readpst (pst-utils) is not installed");
        return Ok(());
    }
    std::io::copy(
        &mut std::fs::File::open(&pst).map_err(io(&pst, "opening"))?,
        &mut std::io::sink(),
    )
    .map_err(io(&pst, "reading"))?;
    let fresh = |p: &Path| -> Result<()> {
        if p.exists() {
            std::fs::remove_dir_all(p).map_err(io(p, "clearing"))?;
        }
        Ok(())
    };
    let case = opts.dir.join("case-pst");
    fresh(&case)?;
    let (ours, _) = timed(
        Command::new(&opts.binary)
            .arg("import")
            .arg(&case)
            .arg(&pst)
            .arg("--quiet"),
    )?;
    let out = opts.dir.join("readpst-out");
    fresh(&out)?;
    std::fs::create_dir_all(&out).map_err(io(&out, "creating"))?;
    let (theirs, _) = timed(
        Command::new("readpst")
            .arg("-q")
            .arg("-r")
            .arg("-o")
            .arg(&out)
            .arg(&pst),
    )?;
    let (ours, theirs) = (ours.as_secs_f64(), theirs.as_secs_f64());
    r.add(
        format!(
            "import a PST ({:.1} MB) with mailsift",
            tree_size(&pst) as f64 / 1e6
        ),
        format!("{ours:.2} s (index and threads included)"),
    );
    r.add(
        "convert it to mbox with readpst -r",
        format!(
            "{theirs:.2} s; mailsift {:.1}x as fast (goal: 2x)",
            theirs / ours.max(1e-9)
        ),
    );
    Ok(())
}
