//! Replays saved fuzz inputs through the fuzz-target bodies in
//! `mailsift::fuzzing`, on stable Rust, as part of `cargo test`: every file
//! under `fuzz/regressions/<target>/` (inputs that once crashed, timed out
//! or broke an invariant, kept after the fix). Setting
//! `MAILSIFT_FUZZ_CORPUS` to a folder laid out the same way (for example
//! `fuzz/corpus`) replays that too.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use mailsift::fuzzing;

/// Runs every file under `root/<target>/`; returns (inputs run, failures).
fn replay(root: &Path) -> (usize, Vec<String>) {
    let mut run = 0;
    let mut failures = Vec::new();
    let mut targets: Vec<PathBuf> = std::fs::read_dir(root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    targets.sort();
    for dir in targets {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let f = fuzzing::target(&name)
            .unwrap_or_else(|| panic!("{}: no fuzz target {name:?}", dir.display()));
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        for file in files {
            let data = std::fs::read(&file).unwrap();
            let start = Instant::now();
            let outcome = std::panic::catch_unwind(|| f(&data));
            run += 1;
            match outcome {
                Err(_) => failures.push(format!("{}: panicked", file.display())),
                // libFuzzer's -timeout=1, with room for an unoptimised build.
                Ok(()) if start.elapsed() > Duration::from_secs(10) => {
                    failures.push(format!("{}: took {:?}", file.display(), start.elapsed()))
                }
                Ok(()) => {}
            }
        }
    }
    (run, failures)
}

#[test]
fn saved_fuzz_inputs_pass() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    let (run, failures) = replay(&root);
    assert!(run > 0, "no inputs under {}", root.display());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn corpus_named_in_the_environment_passes() {
    let Some(dir) = std::env::var_os("MAILSIFT_FUZZ_CORPUS") else {
        // Nothing named: the regression inputs above are the whole check.
        return;
    };
    let (run, failures) = replay(Path::new(&dir));
    assert!(run > 0, "no inputs under {dir:?}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
