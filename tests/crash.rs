//! Crash safety: an import killed with SIGKILL at any point leaves a case
//! that opens, searches what was committed, and resumes to exactly the
//! messages an uninterrupted import gives. A second writer is refused with
//! a clear message.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use mailsift::store::Case;
use mailsift::synth::{CorpusSpec, Layout, write_corpus};

use crate::util::*;

fn ids(case: &Path) -> BTreeSet<String> {
    Case::open(case)
        .unwrap()
        .keys()
        .unwrap()
        .into_iter()
        .map(|k| k.to_hex())
        .collect()
}

#[test]
fn killed_imports_resume_to_the_same_messages() {
    let t = tempfile::tempdir().unwrap();
    let corpus = t.path().join("corpus");
    let spec = CorpusSpec {
        seed: 11,
        messages: 3000,
        layout: Layout::Mbox,
        target_avg_size: 6000,
        attach_prob: None,
    };
    write_corpus(&spec, &corpus).unwrap();

    let whole = t.path().join("whole");
    let (code, r, _) = import_json(&whole, &[&corpus]);
    assert_eq!(code, 0);
    assert_eq!(num(&r, "new"), 3000);
    let expected = ids(&whole);

    let case = t.path().join("killed");
    let mut kills = 0;
    for delay_ms in [150u64, 400, 700, 1000, 1500] {
        let mut child = mailsift()
            .arg("import")
            .arg(&case)
            .arg(&corpus)
            .arg("--quiet")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL
            kills += 1;
        }
        child.wait().unwrap();
        if !case.exists() {
            continue;
        }
        // (a) the case opens and reconciles.
        let out = run(&[&"stats", &case, &"--json"]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stats: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            num(&stats, "found"),
            num(&stats, "parsed") + num(&stats, "raw_only") + num(&stats, "skipped")
        );
        let committed = ids(&case);
        assert!(
            committed.is_subset(&expected),
            "nothing foreign was committed"
        );
        // (b) what was committed is searchable.
        let out = run(&[&"search", &case, &"*", &"--format", &"json"]);
        let found = String::from_utf8_lossy(&out.stdout).lines().count();
        assert_eq!(
            found,
            committed.len(),
            "every committed message is searchable"
        );
    }
    assert!(kills > 0, "at least one import was killed part-way");
    // (c) the same command resumes to exactly the same messages.
    let (code, r, stderr) = import_json(&case, &[&corpus]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        num(&r, "duplicates"),
        0,
        "a resumed import counts no duplicates: {r:#}"
    );
    assert_eq!(ids(&case), expected);
    let out = run(&[&"search", &case, &"*", &"--format", &"json"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).lines().count(),
        expected.len()
    );
}

#[test]
fn a_second_writer_gets_a_clear_message() {
    let t = tempfile::tempdir().unwrap();
    let src = t.path().join("a.eml");
    std::fs::write(&src, message("a@x", "a", "a@x", "x")).unwrap();
    let case_dir = t.path().join("case");
    let _held = Case::open_for_writing(&case_dir).unwrap();
    let out = run(&[&"import", &case_dir, &src]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("being written by another mailsift process"),
        "{err}"
    );
    assert!(
        !err.contains("delete"),
        "no advice to delete lock files: {err}"
    );
    // Reading while it is held works.
    let out = run(&[&"stats", &case_dir]);
    assert_eq!(out.status.code(), Some(0));
}
