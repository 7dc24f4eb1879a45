//! A tiny run of the benchmark, so that it cannot rot: every measure is
//! produced (numbers are not checked: performance is measured, not tested).

use mailsift::bench::{BenchOptions, run};

#[test]
fn benchmark_smoke_run() {
    let t = tempfile::tempdir().unwrap();
    let report = run(&BenchOptions {
        messages: 200,
        seed: 3,
        dir: t.path().to_path_buf(),
        binary: env!("CARGO_BIN_EXE_mailsift").into(),
        compare: false,
        rounds: 1,
        profile: None,
    })
    .unwrap();
    let table = report.markdown();
    for row in [
        "corpus",
        "read floor",
        "import (hash, parse, store, index, threads)",
        "peak RSS",
        "case size on disk",
        "re-import of the unchanged source",
        "import without pattern extraction",
        "pattern extraction alone",
        "pattern facets of every message",
        "re-open the case",
        "search, 24 queries",
        "threading all messages",
        "export all to csv",
        "export all to mbox",
        "People view of all 200 messages",
        "graph of the top 150 people laid out",
        "tag every message (one transaction)",
        "star every message (one transaction)",
        "search tag: / is:starred",
        "import an annotations file of 200 messages",
        "import 200 .eml files from a folder",
        "import the same files from a zip",
    ] {
        assert!(table.contains(row), "missing {row:?} in\n{table}");
    }
    assert!(
        table.contains("200 messages in"),
        "exports wrote every message:\n{table}"
    );
}

/// The scale mode (`--profile enron`) on a tiny corpus: every row is
/// produced, and a second size is put beside the first.
#[test]
fn scale_mode_smoke_run() {
    let t = tempfile::tempdir().unwrap();
    let opts = |messages| BenchOptions {
        messages,
        seed: 5,
        dir: t.path().to_path_buf(),
        binary: env!("CARGO_BIN_EXE_mailsift").into(),
        compare: false,
        rounds: 1,
        profile: Some("enron".into()),
    };
    run(&opts(150)).unwrap();
    let table = run(&opts(250)).unwrap().markdown();
    assert!(
        table.starts_with("| measure | 150 messages | 250 messages |"),
        "{table}"
    );
    for row in [
        "corpus (one mbox)",
        "import |",
        "import: peak RSS",
        "case size",
        "re-import of the unchanged source",
        "stats --json, warm",
        "stats --json, cold",
        "search `*` --limit 50 --sort relevance",
        "search `*` --limit 50 --sort -date",
        "search `*` --format json, every hit",
        "search `has:attachment` --format json",
        "threads --json",
        "threads budget --json",
        "window",
    ] {
        assert!(table.contains(row), "missing {row:?} in\n{table}");
    }
    assert!(table.contains("150 messages, "), "{table}");
    assert!(table.contains("250 messages, "), "{table}");
}
