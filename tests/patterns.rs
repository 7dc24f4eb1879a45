//! Patterns in the text (issue 16): a small mailbox imported through the
//! real binary; `mentions:` finds a phone number however it is written,
//! a linked domain, an IBAN, an address and an amount; `has:`; the
//! `mailsift patterns` listing (counts, kinds, CSV, JSON, exit codes); the
//! `mentions_*` columns of CSV and JSON exports; a case imported without
//! patterns gets them on a reindex.

use std::path::{Path, PathBuf};

use crate::util::{mbox, run};

fn mail(n: u32, subject: &str, body: &str) -> String {
    format!(
        "From: Ann Lee <ann@example.org>\nTo: bob@example.org\nSubject: {subject}\n\
         Date: Mon, {n:02} Oct 2015 14:02:11 +0000\nMessage-ID: <pat{n}@example.org>\n\n{body}\n"
    )
}

/// Four messages: one phone number written three ways over three of
/// them, links, an IBAN, an address, amounts; a fourth with dates, a ZIP
/// code and an order number only.
fn corpus() -> Vec<String> {
    vec![
        mail(
            1,
            "call",
            "Call me at +1 202 555 0143 or see https://www.dnc.org/news?id=4.\n\
             Wire $1.2m to DE89 3704 0044 0532 0130 00.",
        ),
        mail(
            2,
            "again",
            "My cell: (202) 555-0143. Ask carol@campaign.example.",
        ),
        mail(
            3,
            "third",
            "Still 202.555.0143, and http://my.dnc.org/x costs €300,000.",
        ),
        mail(
            4,
            "dates",
            "Meeting on 2016-05-12 at 10:30, Washington DC 20500, order #2025550143.",
        ),
    ]
}

fn import(dir: &Path, extra: &[&str]) -> PathBuf {
    let src = dir.join("patterns.mbox");
    std::fs::write(&src, mbox(&corpus())).unwrap();
    let case = dir.join("case");
    let mut args: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![&"import", &case, &src, &"--quiet"];
    for e in extra {
        args.push(e);
    }
    let out = run(&args);
    assert!(out.status.success(), "{out:?}");
    case
}

/// The subjects of the hits of `query`, sorted.
fn subjects(case: &Path, query: &str) -> Vec<String> {
    let out = run(&[&"search", &case, &"--format", &"json", &"--", &query]);
    let text = String::from_utf8(out.stdout).unwrap();
    let mut v: Vec<String> = text
        .lines()
        .map(|l| {
            let j: serde_json::Value = serde_json::from_str(l).unwrap();
            j["subject"].as_str().unwrap().to_string()
        })
        .collect();
    v.sort();
    v
}

#[test]
fn mentions_and_has_find_every_spelling() {
    let dir = tempfile::tempdir().unwrap();
    let case = import(dir.path(), &[]);
    let all_three = ["again", "call", "third"];
    for q in [
        "mentions:\"+1 202 555 0143\"",
        "mentions:+12025550143",
        "mentions:\"(202) 555-0143\"",
        "mentions:202.555.0143",
    ] {
        assert_eq!(subjects(&case, q), all_three, "{q}");
    }
    assert_eq!(subjects(&case, "mentions:dnc.org"), ["call", "third"]);
    assert_eq!(subjects(&case, "mentions:my.dnc.org"), ["third"]);
    assert_eq!(
        subjects(&case, "mentions:\"de89 3704 0044 0532 0130 00\""),
        ["call"]
    );
    assert_eq!(
        subjects(&case, "mentions:Carol@Campaign.example"),
        ["again"]
    );
    assert_eq!(subjects(&case, "mentions:\"USD 1200000\""), ["call"]);
    assert_eq!(subjects(&case, "mentions:\"$1.2m\""), ["call"]);
    assert_eq!(subjects(&case, "has:phone"), all_three);
    assert_eq!(subjects(&case, "has:iban"), ["call"]);
    assert_eq!(subjects(&case, "has:money"), ["call", "third"]);
    assert_eq!(subjects(&case, "has:url"), ["call", "third"]);
    assert_eq!(subjects(&case, "has:email"), ["again"]);
    assert_eq!(subjects(&case, "-has:phone"), ["dates"]);
    // Dates, times, a ZIP code and an order number are not phone numbers
    // (the order number is the same digits: only the others are found).
    assert_eq!(subjects(&case, "mentions:2025550143"), all_three);
    assert!(subjects(&case, "has:phone subject:dates").is_empty());
    let out = run(&[&"search", &case, &"has:fax"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
}

#[test]
fn the_patterns_command_counts_messages() {
    let dir = tempfile::tempdir().unwrap();
    let case = import(dir.path(), &[]);
    let out = run(&[&"patterns", &case, &"--json"]);
    assert!(out.status.success(), "{out:?}");
    let list: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // Most frequent first: the phone number, in three messages.
    assert_eq!(list[0]["kind"], "phone");
    assert_eq!(list[0]["value"], "+12025550143");
    assert_eq!(list[0]["messages"], 3);
    let find = |kind: &str, value: &str| {
        list.iter()
            .find(|v| v["kind"] == kind && v["value"] == value)
            .unwrap_or_else(|| panic!("{kind} {value} not in {list:#?}"))["messages"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(find("domain", "dnc.org"), 1);
    assert_eq!(find("domain", "my.dnc.org"), 1);
    assert_eq!(find("iban", "DE89370400440532013000"), 1);
    assert_eq!(find("money", "EUR 300000"), 1);
    assert_eq!(find("email", "carol@campaign.example"), 1);
    assert!(
        list.iter()
            .all(|v| v["kind"] != "phone" || v["value"] == "+12025550143")
    );

    // One kind, as CSV: formula-safe (a phone number starts with +).
    let out = run(&[&"patterns", &case, &"--kind", &"phone", &"--csv"]);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "kind,value,messages\r\nphone,'+12025550143,3\r\n"
    );
    // A query narrows it; text output.
    let out = run(&[&"patterns", &case, &"subject:third", &"--kind", &"domain"]);
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "       1  domain  my.dnc.org\n"
    );
    // Nothing found: exit 1; a bad kind: exit 2.
    let out = run(&[&"patterns", &case, &"subject:dates"]);
    assert_eq!(out.status.code(), Some(1));
    let out = run(&[&"patterns", &case, &"--kind", &"fax"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn exports_have_a_column_per_kind() {
    let dir = tempfile::tempdir().unwrap();
    let case = import(dir.path(), &[]);
    let out = run(&[&"search", &case, &"--format", &"csv", &"subject:call"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let mut rows = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let header: Vec<String> = rows.headers().unwrap().iter().map(String::from).collect();
    let row: Vec<String> = rows
        .records()
        .next()
        .unwrap()
        .unwrap()
        .iter()
        .map(String::from)
        .collect();
    let cell = |name: &str| row[header.iter().position(|h| h == name).unwrap()].clone();
    assert_eq!(cell("mentions_phone"), "'+12025550143");
    assert_eq!(cell("mentions_url"), "https://www.dnc.org/news?id=4");
    assert_eq!(cell("mentions_domain"), "dnc.org");
    assert_eq!(cell("mentions_iban"), "DE89370400440532013000");
    assert_eq!(cell("mentions_money"), "USD 1200000");
    assert_eq!(cell("mentions_email"), "");
    let out = run(&[&"search", &case, &"--format", &"json", &"subject:again"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["mentions"]["phone"], serde_json::json!(["+12025550143"]));
    assert_eq!(
        v["mentions"]["email"],
        serde_json::json!(["carol@campaign.example"])
    );
    assert_eq!(v["mentions"]["iban"], serde_json::json!([]));
    // `show --json` lists them too.
    let id = v["id"].as_str().unwrap().to_string();
    let out = run(&[&"show", &case, &id, &"--json"]);
    let shown: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        shown["mentions"],
        serde_json::json!([
            {"kind": "phone", "value": "+12025550143"},
            {"kind": "email", "value": "carol@campaign.example"}
        ])
    );
}

#[test]
fn a_case_without_patterns_gets_them_on_reindex() {
    let dir = tempfile::tempdir().unwrap();
    let case = import(dir.path(), &["--no-patterns"]);
    assert!(subjects(&case, "has:phone").is_empty());
    let out = run(&[&"patterns", &case]);
    assert_eq!(out.status.code(), Some(1));
    let out = run(&[&"reindex", &case]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(subjects(&case, "has:phone"), ["again", "call", "third"]);
}
