//! The bundled `sample_mbox/`: it is what the generator writes today, and
//! importing it finds exactly what the generator says it wrote.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use mailsift::model::{DefectKind, MessageKey};
use mailsift::store::Case;
use mailsift::synth::{self, DuplicateKind, SampleKind};

use crate::util::*;

fn sample_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_mbox")
}

/// Files below `root` with their bytes (folders left out: git keeps no
/// empty ones).
fn files(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    tree_state(root)
        .into_keys()
        .filter(|p| p.is_file())
        .map(|p| {
            (
                p.strip_prefix(root).unwrap().to_path_buf(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect()
}

#[test]
fn committed_sample_matches_the_generator() {
    let t = tempfile::tempdir().unwrap();
    synth::write_sample(t.path()).unwrap();
    let fresh = files(t.path());
    let committed = files(&sample_dir());
    assert_eq!(
        fresh.keys().collect::<Vec<_>>(),
        committed.keys().collect::<Vec<_>>(),
        "regenerate with: rm -rf sample_mbox && cargo run --example gen_sample -- sample_mbox"
    );
    for (path, bytes) in &fresh {
        assert!(
            committed[path] == *bytes,
            "{} differs; regenerate the sample",
            path.display()
        );
    }
}

#[test]
fn importing_the_sample_finds_what_was_written() {
    let t = tempfile::tempdir().unwrap();
    let summary = synth::write_sample(&t.path().join("gen")).unwrap();
    let case = t.path().join("case");
    let (code, r, stderr) = import_json(&case, &[&sample_dir()]);
    assert_eq!(code, 0, "{stderr}");
    assert_reconciles(&r);
    let not_mail = summary
        .files
        .iter()
        .filter(|f| f.kind == SampleKind::NotMail)
        .count() as u64;
    assert_eq!(num(&r, "skipped"), not_mail);
    assert_eq!(
        num(&r, "parsed") + num(&r, "raw_only"),
        summary.total_messages() as u64
    );
    let identical = summary
        .duplicates
        .iter()
        .filter(|d| d.kind == DuplicateKind::ByteIdentical)
        .count() as u64;
    assert_eq!(num(&r, "duplicates"), identical);
    assert_eq!(num(&r, "messages"), summary.distinct_messages() as u64);

    // Per file: the message count, and each planted defect on its message.
    let c = Case::open(&case).unwrap();
    let mut by_file: BTreeMap<PathBuf, Vec<(u64, MessageKey)>> = BTreeMap::new();
    for key in c.keys().unwrap() {
        for o in c.origins(&key).unwrap() {
            let rel = o
                .path
                .strip_prefix(sample_dir().canonicalize().unwrap())
                .unwrap()
                .to_path_buf();
            by_file.entry(rel).or_default().push((o.offset, key));
        }
    }
    for v in by_file.values_mut() {
        v.sort();
    }
    for f in &summary.files {
        let found = by_file.get(&f.path).map(|v| v.len()).unwrap_or(0);
        assert_eq!(found, f.messages, "{}: {}", f.path.display(), f.note);
        let msgs = by_file.get(&f.path).cloned().unwrap_or_default();
        for (index, kind) in &f.expected_defects {
            let kind = DefectKind::parse(kind).unwrap();
            let targets: Vec<&MessageKey> = if index == "*" {
                msgs.iter().map(|(_, k)| k).collect()
            } else {
                vec![&msgs[index.parse::<usize>().unwrap()].1]
            };
            for key in targets {
                let m = c.message(key).unwrap().unwrap();
                assert!(
                    m.has_defect(kind),
                    "{} #{index}: expected {kind}, got {:?}",
                    f.path.display(),
                    m.defects
                );
            }
        }
    }
    // Planted Message-ID collisions are flagged on the copy.
    for d in summary
        .duplicates
        .iter()
        .filter(|d| d.kind == DuplicateKind::SameMessageId)
    {
        let key = by_file[&d.copy.path][d.copy.index].1;
        assert!(
            c.message(&key)
                .unwrap()
                .unwrap()
                .has_defect(DefectKind::DuplicateMessageId)
        );
    }
}
