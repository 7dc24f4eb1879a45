//! Issue 13, item 12: how the owner filed the mail is evidence. Gmail's
//! `X-Gmail-Labels` and maildir flags, imported through the real binary,
//! are searchable (`label:`, `is:flagged`, `is:unread`, …) and `show
//! --json` carries the labels.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use serde_json::Value;

use crate::util::*;

/// A message with a subject `subject` and, when given, an `X-Gmail-Labels`.
fn labelled(subject: &str, labels: Option<&str>) -> String {
    let m = message(
        "ann@dnc.example.org",
        subject,
        &format!("{subject}@x"),
        "text",
    );
    match labels {
        Some(l) => format!("X-Gmail-Labels: {l}\n{m}"),
        None => m,
    }
}

/// Subjects of the hits of `query` (`search --format json`).
fn subjects(case: &Path, query: &str) -> BTreeSet<String> {
    let o = run(&[&"search", &case, &"--format", &"json", &"--", &query]);
    let code = o.status.code().unwrap_or(-1);
    assert!(
        code == 0 || code == 1,
        "{query:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            v["subject"].as_str().unwrap_or("").to_string()
        })
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[test]
fn gmail_labels_and_maildir_flags_are_searchable() {
    let t = tempfile::tempdir().unwrap();
    let mbox_path = t.path().join("takeout.mbox");
    fs::write(
        &mbox_path,
        mbox(&[
            labelled("m1", Some("Inbox,Important,\"Opened\",Category Personal")),
            labelled("m2", Some("Sent,Starred,Unread,\"Clients, 2016\"")),
            labelled("m3", None),
        ]),
    )
    .unwrap();
    let md = t.path().join("maildir");
    for d in ["cur", "new", "tmp"] {
        fs::create_dir_all(md.join(d)).unwrap();
    }
    let files = [
        ("cur/1445000004.M1P1.host:2,FS", "m4"),
        ("cur/1445000005.M1P1.host:2,RS", "m5"),
        ("new/1445000006.M1P1.host", "m6"),
        ("cur/1445000007.M1P1.host:2,", "m7"),
        ("cur/1445000008.M1P1.host:2,ST", "m8"),
        // m3 again (the same bytes as in the mbox): a draft, seen.
        ("cur/1445000003.M1P1.host:2,DS", "m3"),
    ];
    for (name, subject) in files {
        fs::write(md.join(name), labelled(subject, None)).unwrap();
    }
    let case = t.path().join("case");
    let (code, r, stderr) = import_json(&case, &[&mbox_path, &md]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(num(&r, "found"), 9, "{r}");

    assert_eq!(subjects(&case, "label:inbox"), set(&["m1"]));
    assert_eq!(subjects(&case, "label:INBOX"), set(&["m1"]));
    assert_eq!(subjects(&case, "label:\"Category Personal\""), set(&["m1"]));
    assert_eq!(subjects(&case, "label:\"clients, 2016\""), set(&["m2"]));
    assert_eq!(subjects(&case, "label:category"), set(&[]));
    assert_eq!(
        subjects(&case, "label:sent OR label:important"),
        set(&["m1", "m2"])
    );
    // Maildir flags (any maildir origin), and Gmail's labels that mean the same.
    assert_eq!(subjects(&case, "is:flagged"), set(&["m2", "m4"]));
    // `is:starred` is the investigators' own star (issue 15): nobody
    // starred anything in this case yet; the owner's star is `is:flagged`.
    assert_eq!(subjects(&case, "is:starred"), set(&[]));
    assert_eq!(subjects(&case, "is:replied"), set(&["m5"]));
    assert_eq!(
        subjects(&case, "is:seen"),
        set(&["m1", "m3", "m4", "m5", "m8"])
    );
    // Unread: a maildir file without `S` (in new/ or cur/), or Gmail's
    // Unread label; m3 is seen in the maildir; mbox-only m1 has "Opened".
    assert_eq!(subjects(&case, "is:unread"), set(&["m2", "m6", "m7"]));
    assert_eq!(subjects(&case, "is:draft"), set(&["m3"]));
    assert_eq!(subjects(&case, "is:trashed"), set(&["m8"]));
    assert_eq!(subjects(&case, "is:passed"), set(&[]));
    assert_eq!(
        subjects(&case, "is:seen -is:flagged label:inbox"),
        set(&["m1"])
    );

    // `show --json` carries the labels, in header order.
    let o = run(&[
        &"search",
        &case,
        &"--format",
        &"json",
        &"--",
        &"label:inbox",
    ]);
    let hit: Value = serde_json::from_str(String::from_utf8_lossy(&o.stdout).trim()).unwrap();
    let id = hit["id"].as_str().unwrap().to_string();
    let o = run(&[&"show", &case, &id, &"--json"]);
    assert_eq!(o.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        v["labels"],
        serde_json::json!(["Inbox", "Important", "Opened", "Category Personal"])
    );
    // And the plain-text `show` lists them.
    let o = run(&[&"show", &case, &id]);
    let text = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(
        text.contains("Labels:      Inbox, Important, Opened, Category Personal"),
        "{text}"
    );
    // A message without labels has no `labels` key.
    let o = run(&[&"search", &case, &"--format", &"json", &"--", &"subject:m5"]);
    let hit: Value = serde_json::from_str(String::from_utf8_lossy(&o.stdout).trim()).unwrap();
    let o = run(&[&"show", &case, &hit["id"].as_str().unwrap(), &"--json"]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v.get("labels").is_none(), "{v}");

    // The labels facet counts the labels of the hits, as written.
    let browser = mailsift::browse::Browser::open(&case).unwrap();
    let found = browser.search("*", mailsift::index::Sort::Date).unwrap();
    let facets = mailsift::jobs::facets(&browser, &found.hits, &Default::default());
    let mut labels = facets.labels.clone();
    labels.sort();
    let want: Vec<(String, u64)> = [
        "Category Personal",
        "Clients, 2016",
        "Important",
        "Inbox",
        "Opened",
        "Sent",
        "Starred",
        "Unread",
    ]
    .iter()
    .map(|l| (l.to_string(), 1))
    .collect();
    assert_eq!(labels, want);
    let found = browser
        .search("label:sent", mailsift::index::Sort::Date)
        .unwrap();
    let facets = mailsift::jobs::facets(&browser, &found.hits, &Default::default());
    assert_eq!(facets.labels.len(), 4);
    drop(browser);

    // Exports carry both: NDJSON as arrays, CSV as `;`-joined cells.
    let o = run(&[&"search", &case, &"--format", &"json", &"--", &"*"]);
    let by_subject: std::collections::BTreeMap<String, Value> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .map(|v| (v["subject"].as_str().unwrap().to_string(), v))
        .collect();
    assert_eq!(
        by_subject["m2"]["labels"],
        serde_json::json!(["Sent", "Starred", "Unread", "Clients, 2016"])
    );
    assert_eq!(by_subject["m2"]["flags"], serde_json::json!([]));
    assert_eq!(
        by_subject["m3"]["flags"],
        serde_json::json!(["draft", "seen"])
    );
    assert_eq!(by_subject["m6"]["flags"], serde_json::json!(["unread"]));
    let out = t.path().join("all.csv");
    let o = run(&[
        &"search",
        &case,
        &"--format",
        &"csv",
        &"--output",
        &out,
        &"--",
        &"*",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let bytes = fs::read(&out).unwrap();
    let mut reader = csv::ReaderBuilder::new().from_reader(&bytes[3..]);
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let rows: std::collections::BTreeMap<String, Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect::<Vec<_>>())
        .map(|r| (r[col("subject")].clone(), r))
        .collect();
    assert_eq!(
        rows["m1"][col("labels")],
        "Inbox;Important;Opened;Category Personal"
    );
    assert_eq!(rows["m5"][col("flags")], "replied;seen");
    assert_eq!(rows["m7"][col("flags")], "unread");
    assert_eq!(rows["m1"][col("flags")], "");
}
