//! Issue 19 (a million messages on a laptop), what can be checked without
//! timing anything: `stats` from the maintained counts equals the totals
//! counted from the rows after imports, re-imports and duplicates; a
//! limited search returns exactly the first N of the full sorted search
//! (by score and by date, ties included); `threads` built per thread, with
//! and without a query, equals the threads of the whole case built at once.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::util::{import_json, run};
use mailsift::browse::Browser;
use mailsift::index::Sort;
use mailsift::store::Case;

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_mbox")
}

/// A case of the whole bundled sample (mbox.gz, an EML folder with planted
/// duplicates, a maildir, broken files with defects).
fn sample_case(dir: &Path) -> PathBuf {
    let case = dir.join("case");
    let (code, _, stderr) = import_json(&case, &[&sample()]);
    assert!(code == 0 || code == 2, "import failed: {stderr}");
    case
}

fn assert_counts_match(case: &Path) -> mailsift::store::CaseStats {
    let c = Case::open(case).unwrap();
    let counted = c.stats().unwrap();
    let scanned = c.stats_scanned().unwrap();
    assert_eq!(counted, scanned);
    counted
}

#[test]
fn stats_equal_the_scanned_totals_after_imports_reimports_and_duplicates() {
    let t = tempfile::tempdir().unwrap();
    let case = sample_case(t.path());
    let first = assert_counts_match(&case);
    assert!(first.messages > 100, "{first:?}");
    assert!(first.duplicates > 0, "the sample plants duplicates");
    assert!(!first.defects.is_empty(), "the sample has broken messages");
    assert!(first.attachments > 0);
    assert!(
        first.sources.iter().all(|s| s.found > 0),
        "{:?}",
        first.sources
    );

    // Unchanged: nothing read again, the same totals.
    let (_, report, _) = import_json(&case, &[&sample()]);
    let again = assert_counts_match(&case);
    assert_eq!(again.messages, first.messages);
    assert_eq!(report["messages"], serde_json::json!(first.messages));

    // A copy of the EML folder elsewhere: every message found again.
    let copy = t.path().join("dnc-copy");
    std::fs::create_dir_all(&copy).unwrap();
    for e in std::fs::read_dir(sample().join("dnc")).unwrap() {
        let e = e.unwrap();
        if e.path().is_file() {
            std::fs::copy(e.path(), copy.join(e.file_name())).unwrap();
        }
    }
    import_json(&case, &[&copy]);
    let more = assert_counts_match(&case);
    assert_eq!(more.messages, first.messages);
    assert!(more.duplicates > first.duplicates);
    assert_eq!(more.sources.len(), first.sources.len() + 1);

    // The binary prints the same totals.
    let out = run(&[&"stats", &case, &"--json"]);
    assert!(out.status.success());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json, serde_json::to_value(&more).unwrap());
}

#[test]
fn a_limited_search_is_the_first_n_of_the_full_sorted_search() {
    let t = tempfile::tempdir().unwrap();
    let case = sample_case(t.path());
    let b = Browser::open(&case).unwrap();
    let mut checked_ties = false;
    for q in [
        "*",
        "budget",
        "meeting OR call",
        "has:attachment",
        "re",
        "zzzznothing",
    ] {
        for sort in [Sort::Relevance, Sort::Date, Sort::DateDesc] {
            let full = b.search(q, sort).unwrap().hits;
            if sort == Sort::Relevance && full.windows(2).any(|w| w[0].score == w[1].score) {
                checked_ties = true;
            }
            for n in [0, 1, 3, 17, 50, full.len(), full.len() + 5] {
                let top = b.search_limited(q, sort, n).unwrap().hits;
                assert_eq!(top, full[..n.min(full.len())], "{q:?} {sort:?} {n}");
            }
        }
    }
    assert!(checked_ties, "some scores tie");

    // Through the binary: the ids of `--limit 7` are the first 7 of all.
    for sort in ["relevance", "date", "-date"] {
        let ids = |limit: Option<&str>| -> Vec<String> {
            let mut args: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![
                &"search",
                &case,
                &"*",
                &"--format",
                &"json",
                &"--sort",
                &sort,
            ];
            if let Some(l) = &limit {
                args.push(&"--limit");
                args.push(l);
            }
            let out = run(&args);
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8(out.stdout)
                .unwrap()
                .lines()
                .map(|l| {
                    let v: serde_json::Value = serde_json::from_str(l).unwrap();
                    v["id"].as_str().unwrap().to_string()
                })
                .collect()
        };
        let all = ids(None);
        assert!(all.len() > 7);
        assert_eq!(ids(Some("7")), all[..7], "{sort}");
    }
}

#[test]
fn threads_built_one_at_a_time_equal_the_whole_build() {
    let t = tempfile::tempdir().unwrap();
    let case = sample_case(t.path());
    let b = Browser::open(&case).unwrap();
    let whole = b.threads().unwrap();

    // No query: every thread, in the same order, equal.
    let mut each = Vec::new();
    b.each_thread("", &mut |t, _| {
        each.push(t.clone());
        Ok(())
    })
    .unwrap();
    assert_eq!(each.as_slice(), whole.threads());
    assert!(
        each.iter().any(|t| t.messages.len() > 2),
        "some threads are long"
    );

    // A query: exactly the threads of its hits, each as the whole build has it.
    for q in ["budget", "has:attachment", "from:@ncpc.example.org"] {
        let found = b.search(q, Sort::Relevance).unwrap();
        let keys = b
            .case
            .keys_of(&found.hits.iter().map(|h| h.rowid).collect::<Vec<_>>())
            .unwrap();
        let expected: BTreeSet<_> = keys
            .iter()
            .filter_map(|(_, k)| whole.thread_of(k).cloned())
            .collect();
        assert!(!expected.is_empty(), "{q}");
        let mut got = Vec::new();
        let mut participants_ok = true;
        b.each_thread(q, &mut |t, from| {
            participants_ok &= t.messages.iter().all(|k| from.contains_key(k));
            got.push(t.clone());
            Ok(())
        })
        .unwrap();
        assert!(participants_ok);
        let ids: BTreeSet<_> = got.iter().map(|t| t.id.clone()).collect();
        assert_eq!(ids, expected, "{q}");
        assert_eq!(got.len(), ids.len());
        for t in &got {
            assert_eq!(Some(t), whole.get(&t.id), "{q}");
        }
        let order: Vec<_> = whole
            .threads()
            .iter()
            .filter(|t| ids.contains(&t.id))
            .map(|t| t.id.clone())
            .collect();
        assert_eq!(got.iter().map(|t| t.id.clone()).collect::<Vec<_>>(), order);
    }

    // Through the binary: one JSON line per thread, in the whole build's order.
    let out = run(&[&"threads", &case, &"--json"]);
    assert!(out.status.success());
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), whole.len());
    for (line, t) in lines.iter().zip(whole.threads()) {
        assert_eq!(line["thread"], t.id.as_str());
        assert_eq!(line["messages"], t.messages.len());
        let ids: Vec<String> = t.messages.iter().map(|k| k.to_hex()).collect();
        assert_eq!(line["ids"], serde_json::json!(ids));
    }
    let out = run(&[&"threads", &case, &"budget", &"--json"]);
    assert!(out.status.success());
    assert!(String::from_utf8(out.stdout).unwrap().lines().count() >= 1);
}

/// JSON export reads each message's patterns from the index: they are
/// exactly those found again in its text (attachment texts included).
#[test]
fn exported_mentions_are_the_patterns_of_the_text() {
    let t = tempfile::tempdir().unwrap();
    let case = sample_case(t.path());
    let out = run(&[&"search", &case, &"*", &"--format", &"json"]);
    assert!(out.status.success());
    let b = Browser::open(&case).unwrap();
    let mut with_mentions = 0;
    let mut lines = 0;
    for line in String::from_utf8(out.stdout).unwrap().lines() {
        lines += 1;
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let (rowid, _) = b.resolve(v["id"].as_str().unwrap()).unwrap();
        let mut msg = b.message(rowid).unwrap();
        b.fill_attachment_texts(&mut msg).unwrap();
        let found = mailsift::patterns::of_message(&msg);
        let expected: serde_json::Map<String, serde_json::Value> = mailsift::patterns::Kind::ALL
            .iter()
            .map(|k| {
                let values: Vec<&str> = found
                    .iter()
                    .filter(|m| m.kind == *k)
                    .map(|m| m.value.as_str())
                    .collect();
                (k.name().to_string(), serde_json::json!(values))
            })
            .collect();
        assert_eq!(v["mentions"], serde_json::Value::Object(expected), "{line}");
        with_mentions += usize::from(!found.is_empty());
    }
    assert!(lines > 100);
    assert!(with_mentions > 10, "{with_mentions} messages with patterns");
}
