//! The archive step of the benchmark: the same `.eml` files imported from
//! a folder and from a zip of that folder (deflate, as zips of mail
//! usually are), each into a fresh case, the folder warmed in the page
//! cache first and the zip read once before its import. Issue 18 asks the
//! zip to be no more than 20% slower.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::{BenchOptions, Report, corpus, io, timed, tree_size, warm};
use crate::error::{Error, Result};
use crate::synth::Layout;

/// Imports the EML corpus from its folder and from a zip of it; adds
/// both times and their ratio.
pub(super) fn folder_vs_zip(opts: &BenchOptions, r: &mut Report) -> Result<()> {
    let (dir, bytes) = corpus(opts, Layout::EmlFolder, "eml")?;
    let zip = opts
        .dir
        .join(format!("eml-{}-{}.zip", opts.messages, opts.seed));
    if !zip.exists() {
        write_zip(&dir, &zip)?;
    }
    warm(&dir)?;
    std::io::copy(
        &mut std::fs::File::open(&zip).map_err(io(&zip, "opening"))?,
        &mut std::io::sink(),
    )
    .map_err(io(&zip, "reading"))?;
    let import = |name: &str, src: &Path| -> Result<f64> {
        let case = opts.dir.join(format!("case-{name}-{}", opts.messages));
        if case.exists() {
            std::fs::remove_dir_all(&case).map_err(io(&case, "clearing"))?;
        }
        let (wall, _) = timed(
            Command::new(&opts.binary)
                .arg("import")
                .arg(&case)
                .arg(src)
                .arg("--quiet"),
        )?;
        Ok(wall.as_secs_f64())
    };
    let folder = import("eml-folder", &dir)?;
    let zipped = import("eml-zip", &zip)?;
    r.add(
        format!("import {} .eml files from a folder", opts.messages),
        format!("{folder:.2} s ({:.1} MB)", bytes as f64 / 1e6),
    );
    r.add(
        "import the same files from a zip",
        format!(
            "{zipped:.2} s ({:.1} MB zip; {:.0}% of the folder's time)",
            tree_size(&zip) as f64 / 1e6,
            zipped / folder * 100.0
        ),
    );
    Ok(())
}

/// A zip (deflate) of every file below `dir`, by relative path, written
/// under a temporary name and renamed when whole.
fn write_zip(dir: &Path, out: &Path) -> Result<()> {
    let tmp = out.with_extension("zip.part");
    let file = std::fs::File::create(&tmp).map_err(io(&tmp, "creating"))?;
    let mut z = zip::ZipWriter::new(std::io::BufWriter::new(file));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut files: Vec<PathBuf> = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).map_err(io(&d, "listing"))? {
            let p = e.map_err(io(&d, "listing"))?.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().is_some_and(|n| n != ".complete") {
                files.push(p);
            }
        }
    }
    files.sort_by(|a, b| crate::source::walk::natural_cmp(a, b));
    let zerr = |e: zip::result::ZipError| Error::Io {
        path: tmp.clone(),
        op: "writing the zip",
        source: std::io::Error::other(e),
    };
    for p in files {
        let name = p
            .strip_prefix(dir)
            .unwrap_or(&p)
            .to_string_lossy()
            .into_owned();
        z.start_file(name, opts).map_err(zerr)?;
        let bytes = std::fs::read(&p).map_err(io(&p, "reading"))?;
        z.write_all(&bytes).map_err(io(&tmp, "writing"))?;
    }
    let mut w = z.finish().map_err(zerr)?;
    w.flush().map_err(io(&tmp, "writing"))?;
    drop(w);
    std::fs::rename(&tmp, out).map_err(io(out, "renaming"))
}
