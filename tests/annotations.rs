//! Issue 15, the investigator's desk, through the real binary: `tag`,
//! `note`, `annotations list|export|import`, the `tag:` `is:starred`
//! `has:note` `note:` fields, the annotation columns of exports,
//! `saved` and `batch`.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

use crate::util::*;

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

/// An mbox of messages with subjects `s{n}` for each n, from ann (even)
/// or bob (odd), dated on day 10 + n of October 2015.
fn mailbox(dir: &Path, name: &str, ns: &[u32]) -> PathBuf {
    let msgs: Vec<String> = ns
        .iter()
        .map(|n| {
            let from = if n % 2 == 0 {
                "ann@dnc.example.org"
            } else {
                "bob@x.example.org"
            };
            message(
                from,
                &format!("s{n}"),
                &format!("{n}@x"),
                &format!("body {n}"),
            )
            .replace("Mon, 12 Oct 2015", &format!("{} Oct 2015", 10 + n))
        })
        .collect();
    let p = dir.join(name);
    fs::write(&p, mbox(&msgs)).unwrap();
    p
}

fn imported(dir: &Path, case: &str, ns: &[u32]) -> PathBuf {
    let src = mailbox(dir, &format!("{case}.mbox"), ns);
    let case = dir.join(case);
    let (c, _, e) = import_json(&case, &[&src]);
    assert_eq!(c, 0, "{e}");
    case
}

/// Subjects of the hits of `query`.
fn subjects(case: &Path, query: &str) -> BTreeSet<String> {
    let o = run(&[&"search", &case, &"--format", &"json", &"--", &query]);
    assert!(matches!(code(&o), 0 | 1), "{query}: {}", err(&o));
    out(&o)
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["subject"]
                .as_str()
                .unwrap_or("")
                .to_string()
        })
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// Full id of the message with subject `subject`.
fn id_of(case: &Path, subject: &str) -> String {
    let o = run(&[
        &"search",
        &case,
        &"--format",
        &"json",
        &"--",
        &format!("subject:{subject}"),
    ]);
    let v: Value = serde_json::from_str(out(&o).lines().next().unwrap()).unwrap();
    v["id"].as_str().unwrap().to_string()
}

fn tag(case: &Path, args: &[&str]) -> Output {
    let mut c = mailsift();
    c.arg("tag").arg(case).args(args).args(["--author", "ann"]);
    c.output().unwrap()
}

#[test]
fn annot_tag_star_note_then_search_list_export_and_reimport() {
    let t = tempfile::tempdir().unwrap();
    let case = imported(t.path(), "a", &[1, 2, 3, 4]);

    let o = tag(
        &case,
        &["from:ann", "--add", "Follow up", "--colour", "#3584e4"],
    );
    assert_eq!(code(&o), 0, "{}", err(&o));
    assert!(out(&o).starts_with("2 messages changed"), "{}", out(&o));
    let o = tag(&case, &["from:ann", "--add", "follow UP"]);
    assert!(out(&o).starts_with("0 messages changed"), "{}", out(&o));
    let o = tag(&case, &["subject:s4", "--remove", "follow up"]);
    assert!(out(&o).starts_with("1 messages changed"), "{}", out(&o));
    let o = tag(&case, &["* -from:ann", "--star"]);
    assert_eq!(code(&o), 0, "{}", err(&o));
    assert!(out(&o).starts_with("2 messages changed"), "{}", out(&o));
    let o = tag(&case, &["subject:nothing", "--star"]);
    assert_eq!(code(&o), 1, "no hits: exit 1");
    let o = tag(&case, &["*"]);
    assert_eq!(code(&o), 2, "an action is required");

    let s3 = id_of(&case, "s3");
    let o = run(&[
        &"note",
        &case,
        &&s3[..8],
        &"Call",
        &"García's",
        &"lawyer",
        &"--author",
        &"bob",
    ]);
    assert_eq!(code(&o), 0, "{}", err(&o));
    let o = run(&[&"note", &case, &"ffffffffff", &"x"]);
    assert_eq!(code(&o), 2);

    assert_eq!(subjects(&case, "tag:\"follow up\""), set(&["s2"]));
    assert_eq!(subjects(&case, "tag:FOLLOW*"), set(&["s2"]));
    assert_eq!(subjects(&case, "is:starred"), set(&["s1", "s3"]));
    assert_eq!(subjects(&case, "has:note"), set(&["s3"]));
    assert_eq!(subjects(&case, "note:garcia"), set(&["s3"]));
    assert_eq!(subjects(&case, "note:\"garcia s lawyer\""), set(&["s3"]));
    assert_eq!(subjects(&case, "note:budget"), set(&[]));
    assert_eq!(subjects(&case, "is:starred -has:note"), set(&["s1"]));
    assert_eq!(
        subjects(&case, "tag:\"follow up\" OR body:1"),
        set(&["s1", "s2"])
    );
    let o = run(&[&"search", &case, &"tags:x"]);
    assert_eq!(code(&o), 2);
    assert!(err(&o).contains("tag, note"), "{}", err(&o));
    // A whole thread: `thread:ID` as the query, or the library's call.
    let o = run(&[&"search", &case, &"--format", &"json", &"--", &"subject:s1"]);
    let v: Value = serde_json::from_str(out(&o).trim()).unwrap();
    let thread = v["thread"].as_str().unwrap().to_string();
    let o = tag(&case, &[&format!("thread:{thread}"), "--add", "whole"]);
    assert!(out(&o).starts_with("1 messages changed"), "{}", out(&o));
    let b = mailsift::browse::Browser::open(&case).unwrap();
    let remove = mailsift::desk::TagAction::Remove("whole".into());
    assert_eq!(
        mailsift::desk::apply_to_thread(&b, &thread, &remove, "ann").unwrap(),
        1
    );
    drop(b);
    assert_eq!(subjects(&case, "tag:whole"), set(&[]));
    // threads takes the new fields too.
    let o = run(&[&"threads", &case, &"tag:\"follow up\""]);
    assert_eq!(code(&o), 0, "{}", err(&o));
    assert_eq!(out(&o).lines().count(), 1, "{}", out(&o));

    // The list: three annotated messages; JSON with tags, star, notes.
    let o = run(&[&"annotations", &"list", &case, &"--json"]);
    assert_eq!(code(&o), 0, "{}", err(&o));
    let rows: Vec<Value> = out(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 3, "{}", out(&o));
    let r3 = rows.iter().find(|r| r["subject"] == "s3").unwrap();
    assert_eq!(r3["starred"], true);
    assert_eq!(r3["notes"][0]["author"], "bob");
    assert_eq!(r3["notes"][0]["text"], "Call García's lawyer");
    let o = run(&[&"annotations", &"list", &case, &&s3[..10]]);
    assert!(out(&o).contains("note by bob"), "{}", out(&o));
    let o = run(&[&"show", &case, &s3]);
    let shown = out(&o);
    assert!(shown.contains("Starred:     yes"), "{shown}");
    assert!(shown.contains("Note:        bob ("), "{shown}");
    let o = run(&[&"show", &case, &s3, &"--json"]);
    let v: Value = serde_json::from_str(out(&o).trim()).unwrap();
    assert_eq!(
        (v["starred"].as_bool(), v["tags"].as_array().map(Vec::len)),
        (Some(true), Some(0))
    );

    // Export columns: CSV (through the formula-safe writer) and JSON.
    let csv_path = t.path().join("x.csv");
    let o = run(&[
        &"search",
        &case,
        &"--format",
        &"csv",
        &"-o",
        &csv_path,
        &"--",
        &"*",
    ]);
    assert_eq!(code(&o), 0, "{}", err(&o));
    let text = fs::read_to_string(&csv_path).unwrap();
    let mut r =
        csv::ReaderBuilder::new().from_reader(text.trim_start_matches('\u{FEFF}').as_bytes());
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    // The desk's columns come after labels, flags, signed, encrypted (and
    // before the DKIM verdict's and the patterns').
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (tags, starred, notes) = (col("tags"), col("starred"), col("notes"));
    assert_eq!(
        &header[tags..tags + 5],
        ["tags", "starred", "notes", "dkim", "dkim_domain"]
    );
    let rows: Vec<Vec<String>> = r
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    let s2 = rows.iter().find(|r| r[5] == "s2").unwrap();
    assert_eq!((s2[tags].as_str(), s2[starred].as_str()), ("Follow up", ""));
    let s3row = rows.iter().find(|r| r[5] == "s3").unwrap();
    assert_eq!(s3row[starred], "yes");
    assert!(s3row[notes].starts_with("bob (") && s3row[notes].ends_with("): Call García's lawyer"));
    let o = run(&[&"search", &case, &"--format", &"json", &"--", &"is:starred"]);
    assert!(out(&o).contains("\"starred\":true"), "{}", out(&o));

    // Re-importing the source keeps every annotation (keyed by message).
    let src = t.path().join("a.mbox");
    let o = run(&[&"import", &case, &src, &"--rescan", &"--quiet"]);
    assert_eq!(code(&o), 0, "{}", err(&o));
    assert_eq!(subjects(&case, "tag:\"follow up\""), set(&["s2"]));
    assert_eq!(subjects(&case, "is:starred"), set(&["s1", "s3"]));
    assert_eq!(subjects(&case, "note:lawyer"), set(&["s3"]));

    // Every change is in the audit log, with its author.
    let log = fs::read_to_string(case.join("audit.log")).unwrap();
    let events: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(
        events
            .iter()
            .any(|e| e["event"] == "tag" && e["author"] == "ann" && e["tag"] == "Follow up")
    );
    assert!(
        events
            .iter()
            .any(|e| e["event"] == "note" && e["author"] == "bob")
    );
    assert!(events.iter().any(|e| e["event"] == "star"));
}

#[test]
fn annot_export_import_merges_into_a_case_sharing_part_of_the_messages() {
    let t = tempfile::tempdir().unwrap();
    let a = imported(t.path(), "a", &[1, 2, 3, 4]);
    let b = imported(t.path(), "b", &[3, 4, 5, 6]);
    assert_eq!(code(&tag(&a, &["*", "--add", "read"])), 0);
    assert_eq!(code(&tag(&a, &["subject:s4", "--star"])), 0);
    let s3 = id_of(&a, "s3");
    assert_eq!(
        code(&run(&[&"note", &a, &s3, &"ask bob", &"--author", &"ann"])),
        0
    );
    let o = run(&[&"saved", &a, &"add", &"mine", &"tag:read", &"is:starred"]);
    assert_eq!(code(&o), 0, "{}", err(&o));
    // B has its own note on s3 already, and its own tag.
    assert_eq!(
        code(&run(&[&"note", &b, &s3, &"from b", &"--author", &"cy"])),
        0
    );
    assert_eq!(code(&tag(&b, &["subject:s5", "--add", "b-only"])), 0);

    let file = t.path().join("a.annotations.jsonl");
    let o = run(&[&"annotations", &"export", &a, &file]);
    assert_eq!(code(&o), 0, "{}", err(&o));
    assert!(
        out(&o).starts_with("wrote 4 annotated messages"),
        "{}",
        out(&o)
    );
    assert_eq!(
        fs::read_to_string(&file).unwrap().lines().count(),
        1 + 4 + 1 + 1
    );

    let o = run(&[&"annotations", &"import", &b, &file]);
    assert_eq!(code(&o), 0, "{}", err(&o));
    let text = out(&o);
    assert!(text.starts_with("4 annotated messages read: 2 changed (2 tag changes, 1 star changes, 1 notes added); 0 tag colours and 1 saved searches changed"), "{text}");
    assert!(
        text.contains("2 annotations name messages not in this case"),
        "{text}"
    );
    assert_eq!(subjects(&b, "tag:read"), set(&["s3", "s4"]));
    assert_eq!(subjects(&b, "is:starred"), set(&["s4"]));
    assert_eq!(subjects(&b, "tag:b-only"), set(&["s5"]));
    let o = run(&[&"annotations", &"list", &b, &s3, &"--json"]);
    let v: Value = serde_json::from_str(out(&o).trim()).unwrap();
    let authors: Vec<&str> = v["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["author"].as_str().unwrap())
        .collect();
    assert_eq!(authors.len(), 2, "notes side by side: {v}");
    assert!(authors.contains(&"ann") && authors.contains(&"cy"));
    let o = run(&[&"saved", &b]);
    assert!(out(&o).starts_with("mine\t1\t"), "{}", out(&o));
    // The tags facet counts the tags of the hits (the library computes it).
    let browser = mailsift::browse::Browser::open(&b).unwrap();
    let all = browser.search("*", mailsift::index::Sort::Date).unwrap();
    let facets = mailsift::jobs::facets(&browser, &all.hits, &Default::default());
    assert_eq!(
        facets.tags,
        [("read".to_string(), 2), ("b-only".to_string(), 1)]
    );
    let some = browser
        .search("s5 OR s4", mailsift::index::Sort::Date)
        .unwrap();
    let facets = mailsift::jobs::facets(&browser, &some.hits, &Default::default());
    assert_eq!(
        facets.tags,
        [("b-only".to_string(), 1), ("read".to_string(), 1)]
    );
    drop(browser);

    // A second import changes nothing.
    let before = run(&[&"annotations", &"list", &b, &"--json"]);
    let o = run(&[&"annotations", &"import", &b, &file]);
    assert_eq!(code(&o), 0, "{}", err(&o));
    assert!(out(&o).starts_with("4 annotated messages read: 0 changed (0 tag changes, 0 star changes, 0 notes added); 0 tag colours and 0 saved searches changed"), "{}", out(&o));
    assert_eq!(
        out(&run(&[&"annotations", &"list", &b, &"--json"])),
        out(&before)
    );
}

#[test]
fn annot_a_malformed_file_names_its_line_and_changes_nothing() {
    let t = tempfile::tempdir().unwrap();
    let a = imported(t.path(), "a", &[1, 2]);
    let s1 = id_of(&a, "s1");
    let file = t.path().join("bad.jsonl");
    fs::write(
        &file,
        format!(
            "{{\"mailsift_annotations\":1}}\n{{\"id\":\"{s1}\",\"tags\":[{{\"tag\":\"x\",\"added\":true,\"time\":\"2026-01-01T00:00:00.000Z\",\"author\":\"a\"}}]}}\n{{\"id\":\"{s1}\",\"star\":{{\"starred\":\"yes\"}}}}\n"
        ),
    )
    .unwrap();
    let db_before = fs::read(a.join("case.sqlite")).unwrap();
    let o = run(&[&"annotations", &"import", &a, &file]);
    assert_eq!(code(&o), 2);
    let e = err(&o);
    assert!(e.contains(&format!("{}: line 3: ", file.display())), "{e}");
    assert!(e.contains("nothing was imported"), "{e}");
    assert_eq!(
        code(&run(&[&"annotations", &"list", &a])),
        1,
        "still nothing annotated"
    );
    assert_eq!(fs::read(a.join("case.sqlite")).unwrap(), db_before);
    assert_eq!(subjects(&a, "tag:x"), set(&[]));
}

#[test]
fn annot_saved_searches_add_list_rm() {
    let t = tempfile::tempdir().unwrap();
    let a = imported(t.path(), "a", &[1, 2, 3]);
    assert_eq!(code(&run(&[&"saved", &a])), 1, "none yet");
    for (name, q) in [("ann", "from:ann"), ("all", "*")] {
        let o = run(&[&"saved", &a, &"add", &name, &q]);
        assert_eq!(code(&o), 0, "{}", err(&o));
    }
    let o = run(&[&"saved", &a, &"add", &"bad", &"tags:x"]);
    assert_eq!(code(&o), 2, "a query that does not parse is not saved");
    let o = run(&[&"saved", &a, &"list"]);
    assert_eq!(code(&o), 0, "{}", err(&o));
    assert_eq!(out(&o), "all\t3\t*\nann\t1\tfrom:ann\n");
    // Counts are current: tagging changes what a saved search finds.
    assert_eq!(code(&run(&[&"saved", &a, &"add", &"flw", &"tag:f"])), 0);
    assert_eq!(code(&tag(&a, &["*", "--add", "f"])), 0);
    assert!(out(&run(&[&"saved", &a])).contains("flw\t3\ttag:f"));
    assert_eq!(code(&run(&[&"saved", &a, &"rm", &"ann"])), 0);
    let o = run(&[&"saved", &a, &"rm", &"ann"]);
    assert_eq!(code(&o), 2);
    assert!(err(&o).contains("no saved search named"), "{}", err(&o));
    assert_eq!(out(&run(&[&"saved", &a])), "all\t3\t*\nflw\t3\ttag:f\n");
}

#[test]
fn annot_batch_runs_every_line_and_reports_the_bad_one() {
    let t = tempfile::tempdir().unwrap();
    let a = imported(t.path(), "a", &[1, 2, 3, 4]);
    let file = t.path().join("terms.txt");
    fs::write(
        &file,
        "from:ann\n\n# a comment\nfromm:ann\nbody:nothing\n=cmd|x\n",
    )
    .unwrap();
    let o = run(&[&"batch", &a, &file, &"--format", &"json"]);
    assert_eq!(code(&o), 2, "a line failed: exit 2 after every line ran");
    let rows: Vec<Value> = out(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[0]["line"], 1);
    assert_eq!(rows[0]["hits"], 2);
    assert_eq!(rows[0]["first_date"], "2015-10-12");
    assert_eq!(rows[0]["last_date"], "2015-10-14");
    assert_eq!(rows[1]["line"], 4);
    assert!(rows[1]["hits"].is_null());
    assert!(
        rows[1]["error"]
            .as_str()
            .unwrap()
            .contains("unknown field \"fromm\""),
        "{}",
        rows[1]
    );
    assert_eq!(
        (rows[2]["line"].as_u64(), rows[2]["hits"].as_u64()),
        (Some(5), Some(0))
    );
    assert!(rows[2]["first_date"].is_null());
    assert_eq!(rows[3]["line"], 6);

    let o = run(&[&"batch", &a, &file, &"--format", &"csv"]);
    let text = out(&o);
    let mut r =
        csv::ReaderBuilder::new().from_reader(text.trim_start_matches('\u{FEFF}').as_bytes());
    let recs: Vec<Vec<String>> = r
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    assert_eq!(recs.len(), 4);
    assert_eq!(recs[3][1], "'=cmd|x", "query cell defused");
    assert!(recs[1][5].contains("fromm"));

    let good = t.path().join("good.txt");
    fs::write(&good, "from:ann\nbody:nothing\n").unwrap();
    let o = run(&[&"batch", &a, &good]);
    assert_eq!(code(&o), 0, "{}", err(&o));
    assert!(
        out(&o).contains("2 hits  2015-10-12 .. 2015-10-14"),
        "{}",
        out(&o)
    );
    fs::write(&good, "body:nothing\n").unwrap();
    assert_eq!(code(&run(&[&"batch", &a, &good])), 1, "no results");
}

/// The window's calls: applying to a selection returns exactly the row ids
/// that changed (and the inverse action on them undoes it), a saved
/// search is renamed keeping its query, and a batch table is written as
/// formula-safe CSV.
#[test]
fn annot_window_calls_apply_to_rows_rename_and_batch_csv() {
    use mailsift::browse::Browser;
    use mailsift::desk::{self, TagAction};
    let t = tempfile::tempdir().unwrap();
    let a = imported(t.path(), "a", &[1, 2, 3]);
    let b = Browser::open(&a).unwrap();
    let all: Vec<u64> = b
        .search("*", mailsift::index::Sort::Date)
        .unwrap()
        .hits
        .iter()
        .map(|h| h.rowid)
        .collect();
    assert_eq!(all.len(), 3);
    let add = TagAction::Add {
        tag: "x".into(),
        colour: None,
    };
    assert_eq!(
        desk::apply_to_rows(&a, &all[..1], &add, "ann").unwrap(),
        vec![all[0]]
    );
    let changed = desk::apply_to_rows(&a, &all, &add, "ann").unwrap();
    assert_eq!(
        changed,
        all[1..].to_vec(),
        "the one already tagged is left out"
    );
    desk::apply_to_rows(&a, &changed, &add.inverse(), "ann").unwrap();
    assert_eq!(subjects(&a, "tag:x").len(), 1, "undone on exactly those");
    assert_eq!(TagAction::Star.inverse(), TagAction::Unstar);

    desk::save_search(&a, "old", "from:ann").unwrap();
    desk::rename_saved_search(&a, "old", "new").unwrap();
    let names: Vec<(String, String)> = b
        .case
        .saved_searches()
        .unwrap()
        .into_iter()
        .map(|s| (s.name, s.query))
        .collect();
    assert_eq!(names, vec![("new".to_string(), "from:ann".to_string())]);
    assert!(desk::rename_saved_search(&a, "old", "other").is_err());

    let rows = desk::batch(&b, "from:ann\n=cmd|x\nfromm:x\n");
    let out = t.path().join("batch.csv");
    desk::write_batch_csv(&out, &rows).unwrap();
    let text = fs::read_to_string(&out).unwrap();
    let mut r =
        csv::ReaderBuilder::new().from_reader(text.trim_start_matches('\u{FEFF}').as_bytes());
    let recs: Vec<Vec<String>> = r
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    assert_eq!(recs.len(), 3);
    assert_eq!(recs[0][2], "1");
    assert_eq!(recs[1][1], "'=cmd|x");
    assert!(recs[2][5].contains("fromm"), "{:?}", recs[2]);
}
