//! Real mail that used to lose text or people (issue 13), through the real
//! binary: a small mbox imported with the CLI and searched. An address
//! without a domain, a second `Cc:` line, raw 8-bit bytes inside an encoded
//! subject and a word only in the HTML alternative each find their message;
//! `show --json` carries the defects that say what was repaired.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Output;

use serde_json::Value;

use crate::util::*;

/// The messages of the mbox (raw bytes: one subject carries a raw 8-bit byte).
fn messages() -> Vec<Vec<u8>> {
    let date = "Date: Mon, 12 Oct 2015 14:02:11 -0400\n";
    let mut frosch = format!(
        "From: ann@example.org\nTo: desk@example.org\n{date}Message-ID: <frosch@x>\nSubject: =?iso-8859-1?Q?Die Hasen und die Fr"
    )
    .into_bytes();
    frosch.push(0xF6);
    frosch.extend_from_slice(b"sche?=\n\nA fable.\n");
    vec![
        format!(
            "From: MAILER-DAEMON\nTo: ann@example.org\n{date}Message-ID: <bounce@x>\nSubject: Undelivered\n\nThe message could not be delivered.\n"
        )
        .into_bytes(),
        format!(
            "From: Moderator-Address <moderator>\nTo: list@example.org\n{date}Message-ID: <mod@x>\nSubject: Held for moderation\n\nPlease approve.\n"
        )
        .into_bytes(),
        format!(
            "From: ann@example.org\nTo: bob@example.org\nCc: carol@example.org\nCc: Quentin Second <quentin@example.org>\n{date}Message-ID: <twocc@x>\nSubject: Two cc lines\n\nSee both.\n"
        )
        .into_bytes(),
        frosch,
        format!(
            "From: ann@example.org\nTo: bob@example.org\n{date}Message-ID: <alt@x>\nSubject: Alternatives\nMIME-Version: 1.0\nContent-Type: multipart/alternative; boundary=\"alt\"\n\n--alt\nContent-Type: text/plain; charset=utf-8\n\nThe plain words.\n--alt\nContent-Type: text/html; charset=utf-8\n\n<html><body><p>The plain words and <b>zanzibarian</b> only here.</p></body></html>\n--alt--\n"
        )
        .into_bytes(),
    ]
}

/// The messages as an mbox (none has a line starting with `From `).
fn mbox_bytes() -> Vec<u8> {
    let mut out = Vec::new();
    for (i, m) in messages().iter().enumerate() {
        out.extend_from_slice(
            format!("From sender{i}@example.org Mon Oct 12 14:02:11 2015\n").as_bytes(),
        );
        out.extend_from_slice(m);
        out.push(b'\n');
    }
    out
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The subjects of the hits of `query` (`search --format json`).
fn subjects(case: &Path, query: &str) -> BTreeSet<String> {
    let o = mailsift()
        .arg("search")
        .arg(case)
        .args(["--format", "json", "--"])
        .arg(query)
        .output()
        .expect("mailsift runs");
    stdout(&o)
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l)
                .unwrap_or_else(|e| panic!("{query:?}: bad JSON line {l:?}: {e}"));
            v["subject"].as_str().unwrap_or("").to_string()
        })
        .collect()
}

/// `show --json` of the one hit of `query`.
fn show(case: &Path, query: &str) -> Value {
    let o = mailsift()
        .arg("search")
        .arg(case)
        .args(["--format", "json", "--"])
        .arg(query)
        .output()
        .expect("mailsift runs");
    let hits: Vec<Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(hits.len(), 1, "{query:?}: {hits:?}");
    let id = hits[0]["id"].as_str().unwrap().to_string();
    let o = run(&[&"show", &case, &id, &"--json"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[test]
fn real_mail_loses_no_text_and_no_people() {
    let t = tempfile::tempdir().unwrap();
    let src = t.path().join("leak.mbox");
    std::fs::write(&src, mbox_bytes()).unwrap();
    let case = t.path().join("case");
    let (code, report, err) = import_json(&case, &[&src]);
    assert_eq!(code, 0, "import failed: {err}");
    assert_eq!(num(&report, "new"), 5, "{report:#}");
    assert_eq!(num(&report, "raw_only"), 0, "{report:#}");

    // Item 2: addresses without a domain, local part and name kept.
    assert_eq!(subjects(&case, "from:MAILER-DAEMON"), set(&["Undelivered"]));
    assert_eq!(
        subjects(&case, "from:moderator"),
        set(&["Held for moderation"])
    );
    assert_eq!(
        subjects(&case, "from:\"Moderator-Address\""),
        set(&["Held for moderation"])
    );
    // Item 3: the recipient of the second Cc line.
    assert_eq!(subjects(&case, "cc:quentin"), set(&["Two cc lines"]));
    assert_eq!(subjects(&case, "cc:carol"), set(&["Two cc lines"]));
    // Item 6: 8-bit bytes inside an encoded word.
    assert_eq!(
        subjects(&case, "subject:Frösche"),
        set(&["Die Hasen und die Frösche"])
    );
    // Item 1: a word only in the HTML alternative.
    assert_eq!(subjects(&case, "zanzibarian"), set(&["Alternatives"]));
    assert_eq!(subjects(&case, "body:zanzibarian"), set(&["Alternatives"]));

    // The repairs are flagged, and the record carries what the pane shows.
    let twocc = show(&case, "cc:quentin");
    let text = twocc.to_string();
    assert!(text.contains("repeated_header"), "{twocc:#}");
    assert!(text.contains("quentin@example.org"), "{twocc:#}");
    let alt = show(&case, "zanzibarian");
    assert!(alt.to_string().contains("The plain words."), "{alt:#}");
    // The plain-text `show` prints the other alternatives after the body.
    let id = alt["id"].as_str().unwrap().to_string();
    let o = run(&[&"show", &case, &id]);
    assert_eq!(o.status.code(), Some(0));
    let text = stdout(&o);
    let (body, rest) = text
        .split_once("--- alternative body (text/html) ---")
        .unwrap_or_else(|| panic!("no alternative printed: {text}"));
    assert!(
        body.contains("The plain words.") && !body.contains("zanzibarian"),
        "{text}"
    );
    assert!(rest.contains("zanzibarian"), "{text}");
}
