//! The read side through the real binary: queries and their hit sets,
//! exit statuses and query errors, sorting, snippets, threads, `show`,
//! exports (round trips, CSV safety, audit log), saving attachments with
//! hostile names, large result sets, sources left untouched, `reindex`.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use mailsift::model::Sha256;
use mailsift::synth::encode::{base64, base64_mime};
use serde_json::Value;

use crate::util::*;

// ---------------------------------------------------------------------------
// Helpers

/// Writes `bytes` at `path`, creating folders.
fn put(path: &Path, bytes: impl AsRef<[u8]>) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, bytes).unwrap();
}

/// Standard base64 with padding, in lines of 76 (the synthetic corpus
/// generator's encoder), without a line end after the last line.
fn b64(bytes: &[u8]) -> String {
    let lines = String::from_utf8(base64_mime(bytes)).unwrap();
    lines.trim_end().to_string()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

/// `mailsift search CASE <opts> -- QUERY`.
fn search(case: &Path, opts: &[&str], query: &str) -> Output {
    let mut c = mailsift();
    c.arg("search").arg(case).args(opts).arg("--").arg(query);
    c.output().expect("mailsift runs")
}

/// The NDJSON records of `search --format json` (exit 0 with hits, 1 without).
fn hits_with(case: &Path, opts: &[&str], query: &str) -> Vec<Value> {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(opts);
    let o = search(case, &all, query);
    let out = stdout(&o);
    let recs: Vec<Value> = out
        .lines()
        .map(|l| {
            serde_json::from_str(l)
                .unwrap_or_else(|e| panic!("{query:?}: bad JSON line {l:?}: {e}"))
        })
        .collect();
    let want = if recs.is_empty() { 1 } else { 0 };
    assert_eq!(code(&o), want, "{query:?}: stderr {}", stderr(&o));
    recs
}

fn hits(case: &Path, query: &str) -> Vec<Value> {
    hits_with(case, &[], query)
}

/// Subjects of the hits of `query`, as a set (each subject occurs once in
/// the fixtures, so the set has as many entries as there are hits).
fn subjects(case: &Path, query: &str) -> BTreeSet<String> {
    let recs = hits(case, query);
    let set: BTreeSet<String> = recs
        .iter()
        .map(|r| r["subject"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(
        set.len(),
        recs.len(),
        "{query:?}: a message twice? {recs:?}"
    );
    set
}

fn ids_of(recs: &[Value]) -> Vec<String> {
    recs.iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// Subject → id of every message in the case.
fn id_map(case: &Path) -> BTreeMap<String, String> {
    hits(case, "*")
        .iter()
        .map(|r| {
            (
                r["subject"].as_str().unwrap().to_string(),
                r["id"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// `import` that must succeed.
fn import_ok(case: &Path, sources: &[&Path]) -> Value {
    let (c, r, err) = import_json(case, sources);
    assert_eq!(c, 0, "import failed: {err}");
    r
}

/// `mailsift ARGS...` that must exit 0; its stdout.
fn ok(args: &[&dyn AsRef<std::ffi::OsStr>]) -> Output {
    let o = run(args);
    assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));
    o
}

/// NDJSON lines of `threads CASE --json`.
fn threads_json(case: &Path) -> Vec<Value> {
    let o = ok(&[&"threads", &case, &"--json"]);
    stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The records of `text`, read with the `csv` crate; strict RFC 4180:
/// written back with CRLF and minimal quoting (as the exports write them)
/// they must be `text` again (no bare LF, stray quote, byte-order mark or
/// last record without CRLF).
fn read_csv(text: &str) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let rows: Vec<Vec<String>> = reader.deserialize().map(Result::unwrap).collect();
    let mut writer = csv::WriterBuilder::new()
        .flexible(true)
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    rows.iter().for_each(|r| writer.write_record(r).unwrap());
    assert_eq!(writer.into_inner().unwrap(), text.as_bytes(), "strict CSV");
    rows
}

/// Reads a CSV export: checks the BOM, returns the records.
fn csv_file(path: &Path) -> Vec<Vec<String>> {
    let bytes = fs::read(path).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "CSV starts with a BOM");
    read_csv(std::str::from_utf8(&bytes[3..]).unwrap())
}

const CSV_HEADER: [&str; 25] = [
    "id",
    "date",
    "from",
    "to",
    "cc",
    "subject",
    "attachments",
    "thread",
    "source",
    "labels",
    "flags",
    "signed",
    "encrypted",
    "tags",
    "starred",
    "notes",
    "dkim",
    "dkim_domain",
    "mentions_phone",
    "mentions_email",
    "mentions_url",
    "mentions_domain",
    "mentions_iban",
    "mentions_money",
    "converted",
];

/// Entries of the case's audit log with `"event": event`.
fn audit(case: &Path, event: &str) -> Vec<Value> {
    fs::read_to_string(case.join("audit.log"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|v| v["event"] == event)
        .collect()
}

// ---------------------------------------------------------------------------
// The corpus

/// A message with RFC 5322 headers `head` (one per line, no trailing
/// newline) and a body, LF line ends.
fn mail(head: &str, body: &str) -> String {
    format!("{head}\n\n{body}\n")
}

const PDF: &[u8] = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\nfake pdf\n%%EOF\n";

/// Writes the test corpus into `root` (15 messages, subjects all
/// different): `alpha/` and `beta/` hold EML files, `gamma/` an mbox with
/// two messages (one with a `From ` line in its body) and a CRLF EML file.
fn corpus(root: &Path) {
    let alpha = root.join("alpha");
    let beta = root.join("beta");
    let gamma = root.join("gamma");
    put(
        &alpha.join("1.eml"),
        mail(
            "From: =?UTF-8?Q?Ann_Garc=C3=ADa?= <ann@dnc.example.org>\nTo: bob@press.example.com\nCc: carol@hartwell.example.com\nSubject: Budget memo\nDate: Fri, 15 Jan 2016 10:00:00 +0000\nMessage-ID: <a@corpus.example>",
            "Please review the budget before the meeting. The talking points are final.",
        ),
    );
    put(
        &alpha.join("2.eml"),
        mail(
            "From: bob@press.example.com\nTo: ann@dnc.example.org\nSubject: Re: Budget memo\nDate: Mon, 29 Feb 2016 12:00:00 +0000\nMessage-ID: <b@corpus.example>\nIn-Reply-To: <a@corpus.example>\nReferences: <a@corpus.example>",
            "I will check the numbers. Travel to moscow next week.",
        ),
    );
    put(
        &alpha.join("3.eml"),
        mail(
            "From: carol@hartwell.example.com\nTo: dave@dnc.example.org\nBcc: erin@secret.example.net\nSubject: Donor list\nDate: Thu, 10 Mar 2016 09:00:00 -0500\nMessage-ID: <c@corpus.example>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"cc\"",
            "--cc\nContent-Type: text/plain; charset=utf-8\n\nSee the attached spreadsheet.\n--cc\nContent-Type: text/csv; charset=utf-8\nContent-Disposition: attachment; filename=\"donors.csv\"\n\nname,amount\nZebediah Quux,5000\n--cc--",
        ),
    );
    put(
        &alpha.join("4.eml"),
        mail(
            "From: dave@dnc.example.org\nTo: ann@dnc.example.org\nSubject: Quarterly report\nDate: Fri, 01 Apr 2016 08:00:00 +0000\nMessage-ID: <d@corpus.example>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"dd\"",
            &format!(
                "--dd\nContent-Type: text/plain\n\nReport attached, talking about money.\n--dd\nContent-Type: text/plain; charset=us-ascii\nContent-Disposition: attachment; filename=\"notes.txt\"\nContent-Transfer-Encoding: base64\n\n{}\n--dd\nContent-Type: application/pdf; name=\"q1.pdf\"\nContent-Disposition: attachment; filename=\"q1.pdf\"\nContent-Transfer-Encoding: base64\n\n{}\n--dd--",
                b64(b"confidential shredding schedule\n"),
                b64(PDF)
            ),
        ),
    );
    put(
        &beta.join("5.eml"),
        mail(
            "From: frank@gov.example.com\nTo: ann@dnc.example.org\nSubject: Meeting on Thursday\nDate: Mon, 20 Jun 2016 10:00:00 +0000\nMessage-ID: <e@corpus.example>",
            "Let us meet Thursday about the pipeline.",
        ),
    );
    put(
        &beta.join("6.eml"),
        mail(
            "From: grace@press.example.com\nTo: ann@dnc.example.org\nSubject: Phone call\nDate: Mon, 04 Jul 2016 15:00:00 +0000\nMessage-ID: <f@corpus.example>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit",
            "Ask García about the MOSCOW office. Call me.",
        ),
    );
    let (koi8, _, bad) = encoding_rs::KOI8_R.encode("Встреча в Москве завтра.\n");
    assert!(!bad);
    let mut g = b"From: ivan@mail.example.ru\nTo: ann@dnc.example.org\nSubject: Russian note\nDate: Mon, 01 Aug 2016 07:00:00 +0300\nMessage-ID: <g@corpus.example>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=koi8-r\nContent-Transfer-Encoding: 8bit\n\n".to_vec();
    g.extend_from_slice(&koi8);
    assert!(!g.windows(12).any(|w| w == "Москве".as_bytes()));
    put(&beta.join("7.eml"), g);
    let (jis, _, bad) = encoding_rs::ISO_2022_JP.encode("明日の会議は中止です。\n");
    assert!(!bad);
    assert!(jis.is_ascii(), "iso-2022-jp is 7-bit");
    let mut h = b"From: kenji@example.jp\nTo: ann@dnc.example.org\nSubject: Japanese note\nDate: Thu, 01 Sep 2016 09:00:00 +0900\nMessage-ID: <h@corpus.example>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=ISO-2022-JP\nContent-Transfer-Encoding: 7bit\n\n".to_vec();
    h.extend_from_slice(&jis);
    put(&beta.join("8.eml"), h);
    put(
        &beta.join("9.eml"),
        mail(
            "From: promo@spam.example.biz\nTo: ann@dnc.example.org\nSubject: Special offer\nDate: Sat, 01 Oct 2016 12:00:00 +0000\nMessage-ID: <i@corpus.example>",
            "Cheap pills, any budget. Unsubscribe here.",
        ),
    );
    put(
        &beta.join("10.eml"),
        mail(
            "From: ann@dnc.example.org\nTo: bob@press.example.com\nSubject: Happy new year\nDate: Fri, 01 Jan 2016 00:30:00 +0100\nMessage-ID: <j@corpus.example>",
            "No work talk today.",
        ),
    );
    put(
        &beta.join("11.eml"),
        mail(
            "From: frank@gov.example.com\nTo: bob@press.example.com\nCc: ann@dnc.example.org\nSubject: Pipeline update\nDate: Thu, 05 Jan 2017 16:00:00 +0000\nMessage-ID: <k@corpus.example>",
            "The pipelines are delayed.",
        ),
    );
    put(
        &beta.join("12.eml"),
        mail(
            "From: lena@travel.example.com\nTo: ann@dnc.example.org\nSubject: Visit plans\nDate: Fri, 11 Nov 2016 11:00:00 +0000\nMessage-ID: <l@corpus.example>",
            "Trip to moskva planned for spring.",
        ),
    );
    put(
        &gamma.join("archive.mbox"),
        mbox(&[
            mail(
                "From: olga@archive.example.org\nTo: ann@dnc.example.org\nSubject: Archive one\nDate: Thu, 01 Dec 2016 10:00:00 +0000\nMessage-ID: <m@corpus.example>",
                "Quoted line follows.\n\nFrom the desk of Olga\n>From already quoted\nend of note",
            ),
            mail(
                "From: olga@archive.example.org\nTo: ann@dnc.example.org\nSubject: Archive two\nDate: Fri, 02 Dec 2016 10:00:00 +0000\nMessage-ID: <n@corpus.example>",
                "second archived note",
            ),
        ]),
    );
    put(
        &gamma.join("crlf.eml"),
        mail(
            "From: pat@archive.example.org\nTo: ann@dnc.example.org\nSubject: Windows line ends\nDate: Sat, 03 Dec 2016 10:00:00 +0000\nMessage-ID: <o@corpus.example>",
            "crlf body text\nsecond line",
        )
        .replace('\n', "\r\n"),
    );
}

const ALL_SUBJECTS: [&str; 15] = [
    "Budget memo",
    "Re: Budget memo",
    "Donor list",
    "Quarterly report",
    "Meeting on Thursday",
    "Phone call",
    "Russian note",
    "Japanese note",
    "Special offer",
    "Happy new year",
    "Pipeline update",
    "Visit plans",
    "Archive one",
    "Archive two",
    "Windows line ends",
];

/// Subjects in date order (oldest first).
const BY_DATE: [&str; 15] = [
    "Happy new year",      // 2015-12-31T23:30Z
    "Budget memo",         // 2016-01-15
    "Re: Budget memo",     // 2016-02-29
    "Donor list",          // 2016-03-10
    "Quarterly report",    // 2016-04-01
    "Meeting on Thursday", // 2016-06-20
    "Phone call",          // 2016-07-04
    "Russian note",        // 2016-08-01
    "Japanese note",       // 2016-09-01T00:00Z
    "Special offer",       // 2016-10-01
    "Visit plans",         // 2016-11-11
    "Archive one",         // 2016-12-01
    "Archive two",         // 2016-12-02
    "Windows line ends",   // 2016-12-03
    "Pipeline update",     // 2017-01-05
];

/// A tempdir with the corpus in `src/` imported into `case/`.
struct Fixture {
    _t: tempfile::TempDir,
    root: PathBuf,
    src: PathBuf,
    case: PathBuf,
}

fn fixture() -> Fixture {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().to_path_buf();
    let src = root.join("src");
    corpus(&src);
    let case = root.join("case");
    let r = import_ok(&case, &[&src]);
    assert_eq!(num(&r, "new"), 15, "{r:#}");
    assert_eq!(num(&r, "raw_only"), 0, "{r:#}");
    Fixture {
        _t: t,
        root,
        src,
        case,
    }
}

// ---------------------------------------------------------------------------
// 1. Queries and their hit sets

#[test]
fn queries_find_exactly_the_right_messages() {
    let f = fixture();
    let case = &f.case;
    let ids = id_map(case);
    assert_eq!(
        ids.keys().cloned().collect::<BTreeSet<_>>(),
        set(&ALL_SUBJECTS)
    );

    let a = &ids["Budget memo"];
    let thread_ab = threads_json(case)
        .into_iter()
        .find(|t| t["ids"].as_array().unwrap().iter().any(|i| i == a))
        .expect("a thread holds the memo");
    assert_eq!(thread_ab["messages"], 2, "{thread_ab}");
    let thread_ab = thread_ab["thread"].as_str().unwrap().to_string();

    // Ann is in To of most messages, and only in Cc of "Pipeline update".
    let to_ann: Vec<&str> = ALL_SUBJECTS
        .into_iter()
        .filter(|s| !["Budget memo", "Donor list", "Happy new year"].contains(s))
        .collect();
    assert_eq!(to_ann.len(), 12);
    let table: Vec<(String, Vec<&str>)> = vec![
        // Words, phrases, boolean operators.
        (
            "budget".into(),
            vec!["Budget memo", "Re: Budget memo", "Special offer"],
        ),
        ("budget memo".into(), vec!["Budget memo", "Re: Budget memo"]),
        ("budget AND pills".into(), vec!["Special offer"]),
        ("\"talking points\"".into(), vec!["Budget memo"]),
        ("\"points talking\"".into(), vec![]),
        (
            "moscow OR pipeline".into(),
            vec![
                "Re: Budget memo",
                "Phone call",
                "Meeting on Thursday",
                "Pipeline update",
            ],
        ),
        (
            "budget -offer".into(),
            vec!["Budget memo", "Re: Budget memo"],
        ),
        (
            "budget NOT pills".into(),
            vec!["Budget memo", "Re: Budget memo"],
        ),
        (
            "(moscow OR pipeline) -from:frank".into(),
            vec!["Re: Budget memo", "Phone call"],
        ),
        (
            "moscow OR pipeline budget".into(),
            vec!["Re: Budget memo", "Phone call"],
        ),
        (
            "moscow OR (pipeline budget)".into(),
            vec!["Re: Budget memo", "Phone call"],
        ),
        // Address fields.
        ("from:bob".into(), vec!["Re: Budget memo"]),
        (
            "from:(bob OR grace)".into(),
            vec!["Re: Budget memo", "Phone call"],
        ),
        (
            "from:@dnc.example.org".into(),
            vec!["Budget memo", "Quarterly report", "Happy new year"],
        ),
        ("from:garcia".into(), vec!["Budget memo"]),
        ("from:\"Ann García\"".into(), vec!["Budget memo"]),
        (
            "from:ann@dnc.example.org".into(),
            vec!["Budget memo", "Happy new year"],
        ),
        (
            "@hartwell.example.com".into(),
            vec!["Budget memo", "Donor list"],
        ),
        ("cc:@hartwell.example.com".into(), vec!["Budget memo"]),
        ("to:dave".into(), vec!["Donor list"]),
        (
            "to:bob".into(),
            vec!["Budget memo", "Happy new year", "Pipeline update"],
        ),
        ("cc:carol".into(), vec!["Budget memo"]),
        ("cc:ann".into(), vec!["Pipeline update"]),
        ("bcc:erin".into(), vec!["Donor list"]),
        ("bcc:@secret.example.net".into(), vec!["Donor list"]),
        // `to:` is every recipient (To, Cc, Bcc); `cc:`, `bcc:` only theirs.
        ("to:erin".into(), vec!["Donor list"]),
        ("to:carol".into(), vec!["Budget memo"]),
        ("to:@hartwell.example.com".into(), vec!["Budget memo"]),
        ("to:@secret.example.net".into(), vec!["Donor list"]),
        ("to:ann".into(), to_ann.clone()),
        ("to:\"ann\"".into(), to_ann),
        ("cc:dave".into(), vec![]),
        ("cc:erin".into(), vec![]),
        ("bcc:carol".into(), vec![]),
        // Colons that are not fields are words.
        ("http://nowhere.example".into(), vec![]),
        ("\"re: budget\"".into(), vec!["Re: Budget memo"]),
        // Subject and body.
        (
            "subject:budget".into(),
            vec!["Budget memo", "Re: Budget memo"],
        ),
        ("body:budget".into(), vec!["Budget memo", "Special offer"]),
        (
            "subject:\"budget memo\"".into(),
            vec!["Budget memo", "Re: Budget memo"],
        ),
        // Attachments.
        ("attachment:zebediah".into(), vec!["Donor list"]),
        ("attachment:shredding".into(), vec!["Quarterly report"]),
        ("shredding".into(), vec!["Quarterly report"]),
        ("body:shredding".into(), vec![]),
        ("filename:donors".into(), vec!["Donor list"]),
        ("filename:pdf".into(), vec!["Quarterly report"]),
        (
            "has:attachment".into(),
            vec!["Donor list", "Quarterly report"],
        ),
        // Identity.
        (format!("id:{}", &a[..8]), vec!["Budget memo"]),
        (format!("id:{a}"), vec!["Budget memo"]),
        ("msgid:<b@corpus.example>".into(), vec!["Re: Budget memo"]),
        ("msgid:b@corpus.example".into(), vec!["Re: Budget memo"]),
        (
            format!("thread:{thread_ab}"),
            vec!["Budget memo", "Re: Budget memo"],
        ),
        (
            "source:alpha".into(),
            vec![
                "Budget memo",
                "Re: Budget memo",
                "Donor list",
                "Quarterly report",
            ],
        ),
        (
            "source:archive.mbox".into(),
            vec!["Archive one", "Archive two"],
        ),
        (
            "source:GAMMA".into(),
            vec!["Archive one", "Archive two", "Windows line ends"],
        ),
        // Dates (UTC).
        (
            "after:2016-10-01".into(),
            vec![
                "Special offer",
                "Visit plans",
                "Archive one",
                "Archive two",
                "Windows line ends",
                "Pipeline update",
            ],
        ),
        ("before:2016".into(), vec!["Happy new year"]),
        (
            "before:2016-03".into(),
            vec!["Happy new year", "Budget memo", "Re: Budget memo"],
        ),
        ("date:2016-02-29".into(), vec!["Re: Budget memo"]),
        (
            "date:2016-02..2016-04".into(),
            vec!["Re: Budget memo", "Donor list", "Quarterly report"],
        ),
        ("date:2016-03-10".into(), vec!["Donor list"]),
        ("date:2016-08".into(), vec!["Russian note"]),
        ("date:2016-09-01".into(), vec!["Japanese note"]),
        ("date:2016-08-31".into(), vec![]),
        ("date:2017".into(), vec!["Pipeline update"]),
        (
            "date:..2016-01-15".into(),
            vec!["Happy new year", "Budget memo"],
        ),
        // Prefix, fuzzy, everything.
        (
            "talk*".into(),
            vec!["Budget memo", "Quarterly report", "Happy new year"],
        ),
        (
            "pipe*".into(),
            vec!["Meeting on Thursday", "Pipeline update"],
        ),
        ("moskvo~".into(), vec!["Visit plans"]),
        ("moskvo".into(), vec![]),
        ("*".into(), ALL_SUBJECTS.to_vec()),
        // Accents, case, scripts.
        ("Garcia".into(), vec!["Budget memo", "Phone call"]),
        ("GARCÍA".into(), vec!["Budget memo", "Phone call"]),
        ("MOSCOW".into(), vec!["Re: Budget memo", "Phone call"]),
        ("Москве".into(), vec!["Russian note"]),
        ("москве".into(), vec!["Russian note"]),
        ("会議".into(), vec!["Japanese note"]),
        ("中止".into(), vec!["Japanese note"]),
    ];
    let mut failures = Vec::new();
    for (q, want) in &table {
        let got = subjects(case, q);
        if got != set(want) {
            failures.push(format!("{q:?}: got {got:?}, want {want:?}"));
        }
    }
    // Negations at the start of the query.
    let not_dnc = subjects(case, "-from:@dnc.example.org");
    let mut want = set(&ALL_SUBJECTS);
    for s in ["Budget memo", "Quarterly report", "Happy new year"] {
        want.remove(s);
    }
    if not_dnc != want {
        failures.push(format!("-from:@dnc.example.org: got {not_dnc:?}"));
    }
    if subjects(case, "NOT from:@dnc.example.org") != want {
        failures.push("NOT from:@dnc.example.org differs from -from:…".into());
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn json_records_have_the_documented_fields() {
    let f = fixture();
    let recs = hits(&f.case, "subject:\"donor list\"");
    assert_eq!(recs.len(), 1);
    let r = &recs[0];
    let keys: BTreeSet<&str> = r.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        BTreeSet::from([
            "id",
            "date",
            "from",
            "to",
            "cc",
            "subject",
            "thread",
            "attachments",
            "labels",
            "flags",
            "signed",
            "encrypted",
            "snippet",
            "score",
            "origins",
            "matched_in",
            "tags",
            "starred",
            "notes",
            "dkim",
            "dkim_domain",
            "mentions",
            "converted"
        ])
    );
    // Not from an Outlook item.
    assert_eq!(r["converted"], Value::Null);
    // Not DKIM-signed: verified as such at import.
    assert_eq!(
        (&r["dkim"], &r["dkim_domain"]),
        (&serde_json::json!("none"), &Value::Null)
    );
    // The subject matched: the hit is in the message itself.
    assert_eq!(r["matched_in"], serde_json::json!([{"in": "message"}]));
    assert_eq!(r["id"].as_str().unwrap().len(), 64);
    assert_eq!(r["date"], "2016-03-10T14:00:00Z", "converted to UTC");
    assert_eq!(r["from"], "carol@hartwell.example.com");
    assert_eq!(r["to"], serde_json::json!(["dave@dnc.example.org"]));
    assert_eq!(r["attachments"], serde_json::json!(["donors.csv"]));
    let origin = &r["origins"][0];
    assert!(
        origin["path"].as_str().unwrap().ends_with("alpha/3.eml"),
        "{origin}"
    );
    let bytes = fs::read(f.src.join("alpha/3.eml")).unwrap();
    assert_eq!(origin["sha256"], Sha256::of(&bytes).to_hex());
    assert_eq!(origin["length"], bytes.len());
}

#[test]
fn hex_ids_in_queries_ignore_case() {
    // `id:` and `thread CASE ID` accept upper-case hex; so must `thread:`.
    let f = fixture();
    let case = &f.case;
    let a = id_map(case)["Budget memo"].clone();
    assert_eq!(
        subjects(case, &format!("id:{}", a[..10].to_uppercase())),
        set(&["Budget memo"])
    );
    let thread = threads_json(case)
        .into_iter()
        .find(|t| t["messages"] == 2)
        .unwrap()["thread"]
        .as_str()
        .unwrap()
        .to_string();
    let lower = subjects(case, &format!("thread:{thread}"));
    assert_eq!(lower, set(&["Budget memo", "Re: Budget memo"]));
    let upper = hits(case, &format!("thread:{}", thread.to_uppercase()));
    assert_eq!(
        upper.len(),
        2,
        "thread:{} finds the thread",
        thread.to_uppercase()
    );
}

// ---------------------------------------------------------------------------
// 2. Exit statuses and query errors

#[test]
fn exit_statuses_and_query_errors_with_a_caret() {
    let f = fixture();
    let case = &f.case;
    let o = search(case, &[], "budget");
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o).lines().count(), 3);
    let o = search(case, &[], "nosuchwordanywhere");
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert_eq!(stdout(&o), "");
    let o = search(case, &["--format", "json"], "from:nobody");
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert_eq!(stdout(&o), "");

    for (q, caret, what) in [
        ("from:(ann", "from:(ann\n     ^\n", "unclosed ("),
        ("\"unclosed", "\"unclosed\n^^^^^^^^^\n", "unclosed quote"),
        (
            "after:2016-13-01",
            "after:2016-13-01\n      ^^^^^^^^^^\n",
            "month",
        ),
        ("budget OR", "budget OR\n       ^^\n", "OR needs"),
        // An unknown field is an error, not a word that matches nothing.
        (
            "color:important",
            "color:important\n^^^^^\n",
            "unknown field \"color\": known fields are from, to, cc, bcc,",
        ),
        (
            "budget size:>100k",
            "budget size:>100k\n       ^^^^\n",
            "unknown field \"size\"",
        ),
        (
            "date:2016-02-30",
            "date:2016-02-30\n     ^^^^^^^^^^\n",
            "29 days",
        ),
    ] {
        for format in ["text", "json", "csv"] {
            let o = search(case, &["--format", format], q);
            let err = stderr(&o);
            assert_eq!(code(&o), 2, "{q:?} --format {format}: {err}");
            assert_eq!(stdout(&o), "", "{q:?}: nothing on stdout");
            assert!(err.contains(what), "{q:?}: {err}");
            assert!(
                err.contains(&format!("\n{caret}")),
                "{q:?}: the caret line points at the problem:\n{err}"
            );
        }
    }
    // A CSV export to a file is not started by a bad query.
    let out = f.root.join("bad.csv");
    let o = search(
        case,
        &["--format", "csv", "--output", out.to_str().unwrap()],
        "from:(ann",
    );
    assert_eq!(code(&o), 2);
    assert!(!out.exists());
    // Not a query error: an unknown sort or format is still exit 2.
    assert_eq!(code(&search(case, &["--sort", "sideways"], "budget")), 2);
    assert_eq!(code(&search(case, &["--format", "xml"], "budget")), 2);
}

// ---------------------------------------------------------------------------
// 3. Sorting and --limit

#[test]
fn sort_by_date_and_limit() {
    let f = fixture();
    let case = &f.case;
    let subj = |recs: Vec<Value>| -> Vec<String> {
        recs.iter()
            .map(|r| r["subject"].as_str().unwrap().to_string())
            .collect()
    };
    let asc = subj(hits_with(case, &["--sort", "date"], "*"));
    assert_eq!(asc, BY_DATE);
    let desc = subj(hits_with(case, &["--sort", "-date"], "*"));
    let mut rev = BY_DATE.to_vec();
    rev.reverse();
    assert_eq!(desc, rev);
    // Dates in the records are ascending too.
    let dates: Vec<String> = hits_with(case, &["--sort", "date"], "*")
        .iter()
        .map(|r| r["date"].as_str().unwrap().to_string())
        .collect();
    let mut sorted = dates.clone();
    sorted.sort();
    assert_eq!(dates, sorted);
    assert_eq!(dates[0], "2015-12-31T23:30:00Z");

    let first3 = subj(hits_with(case, &["--sort", "date", "--limit", "3"], "*"));
    assert_eq!(first3, BY_DATE[..3]);
    let last2 = subj(hits_with(case, &["--sort", "-date", "--limit", "2"], "*"));
    assert_eq!(last2, ["Pipeline update", "Windows line ends"]);
    let some = subj(hits_with(
        case,
        &["--sort", "date", "--limit", "2"],
        "budget",
    ));
    assert_eq!(some, ["Budget memo", "Re: Budget memo"]);
    // --limit 0 leaves nothing: exit 1.
    let o = search(case, &["--format", "json", "--limit", "0"], "*");
    assert_eq!(code(&o), 1);
    assert_eq!(stdout(&o), "");
    // Relevance: a subject match ranks above a body-only match.
    let rel = subj(hits(case, "budget"));
    assert_eq!(rel.len(), 3);
    assert_eq!(rel[2], "Special offer", "{rel:?}");
    // Text output in date order, limited.
    let o = search(case, &["--sort", "date", "--limit", "2"], "*");
    assert_eq!(code(&o), 0);
    let text = stdout(&o);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[0].ends_with("Happy new year"), "{text}");
    assert!(lines[1].ends_with("Budget memo"), "{text}");
}

// ---------------------------------------------------------------------------
// 4. Snippets

#[test]
fn snippets_show_the_matched_word() {
    let f = fixture();
    let case = &f.case;
    let recs = hits_with(case, &["--snippets"], "moscow");
    assert_eq!(recs.len(), 2);
    for r in &recs {
        let s = r["snippet"].as_str().expect("a snippet");
        assert!(s.to_lowercase().contains("moscow"), "{r}");
    }
    let recs = hits_with(case, &["--snippets"], "Москве");
    assert_eq!(recs.len(), 1);
    assert!(recs[0]["snippet"].as_str().unwrap().contains("Москве"));
    // Without --snippets there is none.
    let recs = hits(case, "moscow");
    assert!(recs.iter().all(|r| r["snippet"].is_null()), "{recs:?}");

    let o = search(case, &["--snippets", "--sort", "date"], "moscow");
    assert_eq!(code(&o), 0);
    let text = stdout(&o);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert!(lines[0].ends_with("Re: Budget memo"), "{text}");
    assert_eq!(
        lines[1],
        "    I will check the numbers. Travel to «moscow» next week."
    );
    assert!(lines[2].ends_with("Phone call"), "{text}");
    assert_eq!(
        lines[3],
        "    Ask García about the «MOSCOW» office. Call me."
    );
    // Accent-folded and prefix matches are marked too.
    let o = search(case, &["--snippets"], "garcia");
    let text = stdout(&o);
    assert!(
        text.contains("    Ask «García» about the MOSCOW office."),
        "{text}"
    );
    let o = search(case, &["--snippets"], "talk*");
    let text = stdout(&o);
    assert!(text.contains("The «talking» points"), "{text}");
    assert!(text.contains("«talk» today"), "{text}");
    // Words of other fields or negated words are not marked.
    let o = search(case, &["--snippets"], "subject:budget -moscow");
    let text = stdout(&o);
    assert!(!text.contains('«'), "{text}");
}

// ---------------------------------------------------------------------------
// 5. Threads

fn thread_mail(id: &str, subject: &str, day: u32, parents: &[&str]) -> String {
    let mut head = format!(
        "From: user{day}@thr.example\nTo: desk@thr.example\nSubject: {subject}\nDate: {day:02} Mar 2016 10:00:00 +0000\nMessage-ID: <{id}>"
    );
    if let Some(last) = parents.last() {
        head.push_str(&format!("\nIn-Reply-To: <{last}>\nReferences:"));
        for p in parents {
            head.push_str(&format!(" <{p}>"));
        }
    }
    mail(&head, &format!("message {id}"))
}

#[test]
fn threads_chains_ghosts_and_late_parents() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    let m0 = "m0@thr.example";
    let (r1, r2, r3, r4) = (
        "r1@thr.example",
        "r2@thr.example",
        "r3@thr.example",
        "r4@thr.example",
    );
    // Out of order: replies before what they reply to.
    let msgs = [
        thread_mail(r4, "Re: Plan", 4, &[m0, r1, r2, r3]),
        thread_mail("x@thr.example", "Re: Plan", 5, &[m0]),
        thread_mail(r2, "Re: Plan", 2, &[m0, r1]),
        thread_mail(r1, "Re: Plan", 1, &[m0]),
        thread_mail(r3, "Re: Plan", 3, &[m0, r1, r2]),
        // Same subject, no references: not merged by subject.
        thread_mail("u@thr.example", "Re: Plan", 6, &[]),
        // A reply to a message nobody else knows.
        thread_mail("w@thr.example", "Re: Lost", 7, &["gone@thr.example"]),
    ];
    put(&d.join("src/threads.mbox"), mbox(&msgs));
    let case = d.join("case");
    import_ok(&case, &[&d.join("src/threads.mbox")]);
    let ids = id_map_by_msgid(&case);
    assert_eq!(ids.len(), 7);

    let threads = threads_json(&case);
    let mut counts: Vec<u64> = threads.iter().map(|t| num(t, "messages")).collect();
    counts.sort();
    assert_eq!(counts, [1, 1, 5], "{threads:?}");
    let big = threads.iter().find(|t| t["messages"] == 5).unwrap();
    let big_id = big["thread"].as_str().unwrap().to_string();
    assert_eq!(big_id.len(), 16);
    let members: BTreeSet<&str> = big["ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let want: BTreeSet<&str> = [r1, r2, r3, r4, "x@thr.example"]
        .iter()
        .map(|m| ids[*m].as_str())
        .collect();
    assert_eq!(members, want);
    assert_eq!(big["subject"], "Plan", "prefixes stripped");
    assert_eq!(big["first_date"], "2016-03-01T10:00:00Z");
    assert_eq!(big["last_date"], "2016-03-05T10:00:00Z");
    // `threads CASE QUERY` lists only the threads of the hits.
    let o = ok(&[&"threads", &case, &"from:user7@thr.example", &"--json"]);
    let only: Vec<Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(only.len(), 1);
    assert_eq!(only[0]["ids"], serde_json::json!([ids["w@thr.example"]]));

    // The tree: the missing first message is shown as such.
    let tree = |key: &str| -> Vec<String> {
        let o = ok(&[&"thread", &case, &key]);
        stdout(&o).lines().map(str::to_string).collect()
    };
    let lines = tree(&big_id);
    assert_eq!(lines.len(), 7, "{lines:#?}");
    assert!(
        lines[0].starts_with(&format!("thread {big_id} · 5 messages · Plan")),
        "{lines:#?}"
    );
    assert_eq!(lines[1], format!("[not in this collection: <{m0}>]"));
    for (line, (depth, msgid)) in
        lines[2..]
            .iter()
            .zip([(1, r1), (2, r2), (3, r3), (4, r4), (1, "x@thr.example")])
    {
        let prefix = format!("{}{}  ", "  ".repeat(depth), &ids[msgid][..16]);
        assert!(
            line.starts_with(&prefix),
            "{line:?} for {msgid}\n{lines:#?}"
        );
    }
    // A message id (or prefix) names its thread.
    assert_eq!(tree(&ids[r3][..10]), lines);
    // JSON tree.
    let o = ok(&[&"thread", &case, &big_id, &"--json"]);
    let v: Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    let depths: Vec<(u64, Option<String>)> = v["tree"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (num(n, "depth"), n["id"].as_str().map(str::to_string)))
        .collect();
    assert_eq!(
        depths,
        [
            (0, None),
            (1, Some(ids[r1].clone())),
            (2, Some(ids[r2].clone())),
            (3, Some(ids[r3].clone())),
            (4, Some(ids[r4].clone())),
            (1, Some(ids["x@thr.example"].clone()))
        ]
    );
    // The lost reply is a thread of its own, its ghost parent pruned.
    let lost = tree(&ids["w@thr.example"]);
    assert_eq!(lost.len(), 2, "{lost:#?}");
    assert!(
        lost[1].starts_with(&ids["w@thr.example"][..16]),
        "{lost:#?}"
    );
    // Stored thread ids agree with the listing.
    assert_eq!(
        subjects_count(&case, &format!("thread:{big_id}")),
        5,
        "thread: query"
    );

    // The missing parent arrives in a second import.
    put(
        &d.join("later/m0.eml"),
        thread_mail(m0, "Plan", 1, &[]).replace("01 Mar 2016", "29 Feb 2016"),
    );
    let r = import_ok(&case, &[&d.join("later/m0.eml")]);
    assert_eq!(num(&r, "new"), 1);
    let ids = id_map_by_msgid(&case);
    let threads = threads_json(&case);
    let mut counts: Vec<u64> = threads.iter().map(|t| num(t, "messages")).collect();
    counts.sort();
    assert_eq!(counts, [1, 1, 6], "{threads:?}");
    let big = threads.iter().find(|t| t["messages"] == 6).unwrap();
    assert_eq!(
        big["thread"], big_id,
        "the anchor was already a ghost: the id is kept"
    );
    assert!(
        big["ids"]
            .as_array()
            .unwrap()
            .contains(&Value::from(ids[m0].clone()))
    );
    let lines = tree(&big_id);
    assert_eq!(lines.len(), 7, "{lines:#?}");
    assert!(lines[1].starts_with(&ids[m0][..16]), "{lines:#?}");
    assert!(!lines.iter().any(|l| l.contains("not in this collection")));
    assert!(lines[2].starts_with(&format!("  {}", &ids[r1][..16])));
    // The stored thread of every message was updated (search and show).
    assert_eq!(subjects_count(&case, &format!("thread:{big_id}")), 6);
    for m in [m0, r1, r2, r3, r4, "x@thr.example"] {
        let o = ok(&[&"show", &case, &ids[m], &"--json"]);
        let v: Value = serde_json::from_str(stdout(&o).trim()).unwrap();
        assert_eq!(v["thread"], big_id, "{m}");
    }
    let o = ok(&[&"show", &case, &ids["u@thr.example"], &"--json"]);
    let v: Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_ne!(v["thread"], big_id);
}

/// Message-ID (without `<>`) → id, from `show --json` of every hit.
fn id_map_by_msgid(case: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for r in hits(case, "*") {
        let id = r["id"].as_str().unwrap().to_string();
        let o = ok(&[&"show", &case, &id, &"--json"]);
        let v: Value = serde_json::from_str(stdout(&o).trim()).unwrap();
        let msgid = v["message_id"]
            .as_str()
            .unwrap()
            .trim_matches(['<', '>'])
            .to_string();
        out.insert(msgid, id);
    }
    out
}

fn subjects_count(case: &Path, q: &str) -> usize {
    hits(case, q).len()
}

// ---------------------------------------------------------------------------
// 6. show

#[test]
fn show_headers_body_raw_and_json() {
    let f = fixture();
    let case = &f.case;
    let ids = id_map(case);

    let a = &ids["Budget memo"];
    let o = ok(&[&"show", case, a]);
    let text = stdout(&o);
    for want in [
        format!("Id:          {a}\n"),
        "From:        Ann García <ann@dnc.example.org>\n".to_string(),
        "To:          bob@press.example.com\n".to_string(),
        "Cc:          carol@hartwell.example.com\n".to_string(),
        "Subject:     Budget memo\n".to_string(),
        "Message-ID:  a@corpus.example\n".to_string(),
        "\nPlease review the budget before the meeting. The talking points are final.\n"
            .to_string(),
    ] {
        assert!(text.contains(&want), "missing {want:?} in\n{text}");
    }
    assert!(text.contains("[2016-01-15T10:00:00Z]"), "{text}");
    // A unique prefix of 6 digits is enough.
    let o = ok(&[&"show", case, &&a[..6]]);
    assert_eq!(stdout(&o), text);
    // Attachments are listed.
    let o = ok(&[&"show", case, &ids["Quarterly report"]]);
    let text = stdout(&o);
    assert!(
        text.contains(
            "Attachment 1: notes.txt (text/plain, 32 bytes, text, text extracted, sha256"
        ),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "Attachment 2: q1.pdf (application/pdf, {} bytes, pdf, text failed, sha256 {})",
            PDF.len(),
            Sha256::of(PDF).to_hex()
        )),
        "{text}"
    );
    // Legacy charsets are shown decoded.
    let o = ok(&[&"show", case, &ids["Russian note"]]);
    assert!(stdout(&o).contains("\nВстреча в Москве завтра.\n"));
    let o = ok(&[&"show", case, &ids["Japanese note"]]);
    assert!(stdout(&o).contains("\n明日の会議は中止です。\n"));

    // --raw of a CRLF .eml file: the file's bytes.
    let crlf = fs::read(f.src.join("gamma/crlf.eml")).unwrap();
    assert!(crlf.windows(2).any(|w| w == b"\r\n"));
    let o = ok(&[&"show", case, &ids["Windows line ends"], &"--raw"]);
    assert!(o.stdout == crlf, "raw of crlf.eml differs");
    let o = ok(&[&"show", case, &ids["Budget memo"], &"--raw"]);
    assert!(o.stdout == fs::read(f.src.join("alpha/1.eml")).unwrap());
    let o = ok(&[&"show", case, &ids["Russian note"], &"--raw"]);
    assert!(o.stdout == fs::read(f.src.join("beta/7.eml")).unwrap());

    // --raw of a message in an mbox: the bytes after its From_ line up to
    // the blank line before the next From_ line, quoting included.
    let mb = fs::read(f.src.join("gamma/archive.mbox")).unwrap();
    let first_nl = mb.iter().position(|&b| b == b'\n').unwrap();
    let sep = mb
        .windows(7)
        .position(|w| w == b"\n\nFrom ")
        .expect("a second message");
    let one = &mb[first_nl + 1..=sep];
    assert!(
        one.windows(16).any(|w| w == b"\n>From the desk "),
        "the fixture has a quoted line"
    );
    assert!(one.windows(22).any(|w| w == b"\n>>From already quoted"));
    let o = ok(&[&"show", case, &ids["Archive one"], &"--raw"]);
    assert!(
        o.stdout == one,
        "raw differs:\n{:?}\nwant\n{:?}",
        stdout(&o),
        String::from_utf8_lossy(one)
    );
    let second_from = sep + 2;
    let nl = second_from + mb[second_from..].iter().position(|&b| b == b'\n').unwrap();
    let two = &mb[nl + 1..mb.len() - 1];
    let o = ok(&[&"show", case, &ids["Archive two"], &"--raw"]);
    assert!(o.stdout == two, "raw of the last mbox message");
    // The text view shows the body unquoted.
    let o = ok(&[&"show", case, &ids["Archive one"]]);
    let text = stdout(&o);
    assert!(
        text.contains("\nFrom the desk of Olga\n>From already quoted\n"),
        "{text}"
    );

    // --json: id, origins (with the offset into the mbox).
    let o = ok(&[&"show", case, &ids["Archive one"], &"--json"]);
    let v: Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(v["id"], ids["Archive one"]);
    assert_eq!(v["subject"], "Archive one");
    let origins = v["origins"].as_array().unwrap();
    assert_eq!(origins.len(), 1, "{v}");
    assert!(
        origins[0]["path"]
            .as_str()
            .unwrap()
            .ends_with("gamma/archive.mbox"),
        "{v}"
    );
    assert_eq!(num(&origins[0], "offset"), (first_nl + 1) as u64);
    assert_eq!(num(&origins[0], "length"), one.len() as u64);
    assert_eq!(v["date_rfc3339"], "2016-12-01T10:00:00Z");

    // Unknown and ambiguous ids are errors (exit 2), with a message.
    let o = run(&[&"show", case, &"ffffffffffff"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("ffffffffffff"), "{}", stderr(&o));
    let o = run(&[&"show", case, &"not-hex"]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
}

// ---------------------------------------------------------------------------
// 7. Export round trips and the audit log

#[test]
fn mbox_and_eml_exports_round_trip() {
    let f = fixture();
    let case = &f.case;
    let ids: BTreeSet<String> = ids_of(&hits(case, "*")).into_iter().collect();
    assert_eq!(ids.len(), 15);
    let out = f.root.join("out");
    fs::create_dir(&out).unwrap();

    let x = out.join("X.mbox");
    let o = search(
        case,
        &["--format", "mbox", "--output", x.to_str().unwrap()],
        "*",
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), "", "the export goes to the file");
    let case2 = f.root.join("case2");
    let r = import_ok(&case2, &[&x]);
    assert_eq!(num(&r, "found"), 15, "{r:#}");
    assert_eq!(num(&r, "new"), 15, "{r:#}");
    let ids2: BTreeSet<String> = ids_of(&hits(&case2, "*")).into_iter().collect();
    assert_eq!(ids2, ids, "same messages after an mbox round trip");
    // The message with a From_ line in its body still reads the same.
    let one = &id_map(&case2)["Archive one"];
    let o = ok(&[&"show", &case2, one]);
    assert!(stdout(&o).contains("\nFrom the desk of Olga\n>From already quoted\n"));
    // Searches give the same answers in the copy.
    for q in [
        "budget",
        "Москве",
        "会議",
        "attachment:zebediah",
        "date:2016-02..2016-04",
    ] {
        assert_eq!(subjects(&case2, q), subjects(case, q), "{q}");
    }

    let dir = out.join("emls");
    let o = search(
        case,
        &["--format", "eml", "--output", dir.to_str().unwrap()],
        "*",
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let mut names: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names.len(), 16, "{names:?}");
    assert!(names.contains(&"manifest.csv".to_string()));
    let manifest = fs::read_to_string(dir.join("manifest.csv")).unwrap();
    let rows = read_csv(manifest.trim_start_matches('\u{FEFF}'));
    assert_eq!(rows[0], ["file", "sha256", "bytes", "id"]);
    assert_eq!(rows.len(), 16);
    let mut listed = BTreeSet::new();
    for row in &rows[1..] {
        let bytes = fs::read(dir.join(&row[0])).unwrap();
        assert_eq!(row[1], Sha256::of(&bytes).to_hex(), "{row:?}");
        assert_eq!(row[2], bytes.len().to_string(), "{row:?}");
        assert_eq!(row[0], format!("{}.eml", row[3]));
        listed.insert(row[3].clone());
    }
    assert_eq!(listed, ids);
    // The CRLF message is exported byte for byte; the mbox one unquoted.
    let crlf_id = &id_map(case)["Windows line ends"];
    assert!(
        fs::read(dir.join(format!("{crlf_id}.eml"))).unwrap()
            == fs::read(f.src.join("gamma/crlf.eml")).unwrap()
    );
    let arch =
        fs::read_to_string(dir.join(format!("{}.eml", id_map(case)["Archive one"]))).unwrap();
    assert!(
        arch.contains("\nFrom the desk of Olga\n>From already quoted\n"),
        "{arch}"
    );
    let case3 = f.root.join("case3");
    let r = import_ok(&case3, &[&dir]);
    assert_eq!(num(&r, "new"), 15, "{r:#}");
    let ids3: BTreeSet<String> = ids_of(&hits(&case3, "*")).into_iter().collect();
    assert_eq!(ids3, ids, "same messages after an eml round trip");

    // An eml export into a folder that is not empty is refused.
    let o = search(
        case,
        &["--format", "eml", "--output", dir.to_str().unwrap()],
        "*",
    );
    assert_eq!(code(&o), 2);
    assert_eq!(fs::read_dir(&dir).unwrap().count(), 16);
    // mbox export needs --output.
    assert_eq!(code(&search(case, &["--format", "mbox"], "*")), 2);

    // The audit log records each export with its count.
    // (JSON searches above are exports to standard output, logged too.)
    let file_exports = |case: &Path| -> Vec<Value> {
        audit(case, "export")
            .into_iter()
            .filter(|e| e["format"] == "mbox" || e["format"] == "eml")
            .collect()
    };
    let exports = file_exports(case);
    assert_eq!(exports.len(), 2, "{exports:?}");
    assert_eq!(exports[0]["format"], "mbox");
    assert_eq!(exports[0]["messages"], 15);
    assert_eq!(exports[0]["query"], "*");
    assert_eq!(
        exports[0]["sha256"],
        Sha256::of(&fs::read(&x).unwrap()).to_hex()
    );
    assert!(exports[0]["output"].as_str().unwrap().ends_with("X.mbox"));
    assert_eq!(exports[1]["format"], "eml");
    assert_eq!(exports[1]["messages"], 15);
    // A partial export records its own count.
    let part = out.join("budget.mbox");
    let o = search(
        case,
        &["--format", "mbox", "--output", part.to_str().unwrap()],
        "budget",
    );
    assert_eq!(code(&o), 0);
    let exports = file_exports(case);
    assert_eq!(exports.len(), 3);
    assert_eq!(exports[2]["messages"], 3);
    assert_eq!(exports[2]["query"], "budget");
    // No temporary files are left next to the outputs.
    let mut left: Vec<String> = fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    left.sort();
    assert_eq!(left, ["X.mbox", "budget.mbox", "emls"]);
}

// ---------------------------------------------------------------------------
// 8. CSV safety

#[test]
fn csv_export_defuses_formulas_and_quotes() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    let subjects_in = [
        "=HYPERLINK(\"http://evil.example\")",
        "+1+1",
        "-2",
        "@SUM(A1)",
        "Budget, \"final\" version",
        "plain subject",
    ];
    let mut msgs: Vec<String> = subjects_in
        .iter()
        .enumerate()
        .map(|(i, s)| message("ann@ncpc.example.org", s, &format!("csv{i}@x"), "text"))
        .collect();
    // A subject starting with a tab, written as an encoded word (a raw
    // leading tab is folding white space).
    msgs.push(
        "From: ann@ncpc.example.org\nTo: desk@ncpc.example.org\nSubject: =?UTF-8?B?CXRhYmJlZA==?=\nDate: Mon, 12 Oct 2015 14:02:11 -0400\nMessage-ID: <csvtab@x>\n\ntext\n"
            .to_string(),
    );
    // A display name that is a formula.
    msgs.push(message(
        "\"=cmd|' /C calc'!A0\" <mallory@ncpc.example.org>",
        "formula sender",
        "csvfrom@x",
        "text",
    ));
    put(&d.join("src/csv.mbox"), mbox(&msgs));
    let case = d.join("case");
    import_ok(&case, &[&d.join("src/csv.mbox")]);
    let out = d.join("x.csv");
    let o = search(
        &case,
        &["--format", "csv", "--output", out.to_str().unwrap()],
        "*",
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let bytes = fs::read(&out).unwrap();
    assert!(
        !bytes.windows(2).any(|w| w[1] == b'\n' && w[0] != b'\r'),
        "every line ends in CRLF"
    );
    let rows = csv_file(&out);
    assert_eq!(rows[0], CSV_HEADER);
    assert_eq!(rows.len(), 1 + msgs.len(), "one row per message");
    assert!(rows.iter().all(|r| r.len() == CSV_HEADER.len()), "{rows:?}");
    let by_id: BTreeMap<&str, &Vec<String>> =
        rows[1..].iter().map(|r| (r[0].as_str(), r)).collect();
    let ids = id_map(&case);
    for s in subjects_in {
        let row = by_id[ids[s].as_str()];
        let want = if s.starts_with(['=', '+', '-', '@']) {
            format!("'{s}")
        } else {
            s.to_string()
        };
        assert_eq!(row[5], want, "subject cell of {s:?}");
    }
    // The tab subject is either kept with a `'` in front, or trimmed; a
    // cell never starts with a tab.
    let tab_row = rows[1..]
        .iter()
        .find(|r| r[5].contains("tabbed"))
        .expect("the tab subject");
    assert!(
        tab_row[5] == "'\ttabbed" || tab_row[5] == "tabbed",
        "{:?}",
        tab_row[5]
    );
    let from_row = by_id[ids["formula sender"].as_str()];
    assert_eq!(
        from_row[2],
        "'=cmd|' /C calc'!A0 <mallory@ncpc.example.org>"
    );
    // No cell anywhere starts with a formula character.
    for row in &rows {
        for cell in row {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "unsafe cell {cell:?} in {row:?}"
            );
        }
    }
    // The same bytes go to standard output without --output.
    let o = search(&case, &["--format", "csv"], "*");
    assert_eq!(code(&o), 0);
    assert!(o.stdout == bytes, "stdout CSV equals the file");
}

// ---------------------------------------------------------------------------
// 9. Saving attachments with hostile names

/// One attachment part: (Content-Disposition parameters, content).
fn part(disposition: &str, mime: &str, content: &[u8]) -> String {
    format!(
        "--hh\nContent-Type: {mime}\nContent-Disposition: attachment; {disposition}\nContent-Transfer-Encoding: base64\n\n{}\n",
        b64(content)
    )
}

#[test]
fn saving_attachments_with_hostile_names() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    let long = "a".repeat(396) + ".txt";
    // RFC 2047 words inside a quoted parameter (what Outlook and
    // Thunderbird write; no backslashes, which unquoting would eat).
    let rfc2047 = |s: &str| format!("\"=?UTF-8?B?{}?=\"", base64(s.as_bytes()));
    let binary: Vec<u8> = (0..=255u8).collect();
    // (disposition parameters, MIME type, content, safe name expected)
    let parts: Vec<(String, &str, Vec<u8>, String)> = vec![
        (
            "filename=\"../../evil.txt\"".into(),
            "text/plain",
            b"evil text\n".to_vec(),
            "evil.txt".into(),
        ),
        (
            format!("filename={}", rfc2047("/etc/passwd")),
            "application/octet-stream",
            b"root:x:0:0\n".to_vec(),
            "passwd".into(),
        ),
        (
            "filename*=UTF-8''C%3A%5CWindows%5Cevil.exe".into(),
            "application/octet-stream",
            b"MZ\x90\x00fake".to_vec(),
            "evil.exe".into(),
        ),
        (
            "filename*=UTF-8''%5C%5Cserver%5Cshare%5Cx.pdf".into(),
            "application/pdf",
            PDF.to_vec(),
            "x.pdf".into(),
        ),
        (
            "filename=CON".into(),
            "application/octet-stream",
            b"con".to_vec(),
            "_CON".into(),
        ),
        (
            "filename=\"nul.txt\"".into(),
            "text/plain",
            b"nul\n".to_vec(),
            "_nul.txt".into(),
        ),
        (
            format!("filename=\"{long}\""),
            "text/plain",
            b"long\n".to_vec(),
            "a".repeat(196) + ".txt",
        ),
        (
            "filename=\"\"".into(),
            "application/octet-stream",
            binary.clone(),
            "attachment.bin".into(),
        ),
        (
            format!("filename={}", rfc2047("invoice\u{202E}fdp.exe")),
            "application/octet-stream",
            b"rlo".to_vec(),
            "invoicefdp.exe".into(),
        ),
        (
            "filename=\"report.pdf\"".into(),
            "application/pdf",
            b"%PDF first".to_vec(),
            "report.pdf".into(),
        ),
        (
            "filename=\"report.pdf\"".into(),
            "application/pdf",
            b"%PDF second".to_vec(),
            "report (2).pdf".into(),
        ),
    ];
    let mut body = "--hh\nContent-Type: text/plain\n\nFiles attached.\n".to_string();
    for (disp, mime, content, _) in &parts {
        body.push_str(&part(disp, mime, content));
    }
    body.push_str("--hh--");
    let msg = mail(
        "From: ann@ncpc.example.org\nTo: desk@ncpc.example.org\nSubject: hostile names\nDate: Mon, 12 Oct 2015 14:02:11 -0400\nMessage-ID: <hostile@x>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"hh\"",
        &body,
    );
    put(&d.join("src/hostile.eml"), &msg);
    let case = d.join("case");
    import_ok(&case, &[&d.join("src/hostile.eml")]);
    let id = ids_of(&hits(&case, "*")).remove(0);

    // Listing: every attachment, hostile characters shown visibly.
    let o = ok(&[&"attachments", &case, &id]);
    let list = stdout(&o);
    assert_eq!(list.lines().count(), parts.len(), "{list}");
    assert!(list.contains("<U+202E>"), "{list}");
    assert!(!list.contains('\u{202E}'), "{list}");

    let save = d.join("deep/er/save");
    fs::create_dir_all(&save).unwrap();
    let outside = |state: BTreeMap<PathBuf, (String, u64, std::time::SystemTime)>| {
        state
            .into_iter()
            .filter(|(p, _)| !p.starts_with(&save) && !p.starts_with(&case))
            .collect::<BTreeMap<_, _>>()
    };
    let paths_in = |dir: &Path| -> BTreeSet<PathBuf> { tree_state(dir).into_keys().collect() };
    let before = outside(tree_state(d));
    let case_before = paths_in(&case);

    let o = ok(&[&"attachments", &case, &id, &"--save", &save]);
    let written: Vec<PathBuf> = stdout(&o).lines().map(PathBuf::from).collect();
    assert_eq!(written.len(), parts.len(), "{}", stdout(&o));
    let canon = save.canonicalize().unwrap();
    let mut names = Vec::new();
    for (p, (_, _, content, want)) in written.iter().zip(&parts) {
        assert_eq!(p.parent().unwrap(), canon, "{p:?} directly in the folder");
        let name = p.file_name().unwrap().to_str().unwrap().to_string();
        assert_eq!(&name, want);
        assert!(
            !name.contains(['/', '\\', '\u{202E}']) && !name.chars().any(char::is_control),
            "{name:?}"
        );
        assert!(name.len() <= 200);
        assert!(fs::read(p).unwrap() == *content, "content of {name}");
        names.push(name);
    }
    let on_disk: BTreeSet<String> = fs::read_dir(&save)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(on_disk, names.iter().cloned().collect::<BTreeSet<_>>());
    assert_eq!(on_disk.len(), parts.len(), "nothing overwritten");
    assert_eq!(outside(tree_state(d)), before, "nothing written elsewhere");
    assert_eq!(paths_in(&case), case_before, "no new file in the case");
    let first_state = tree_state(&save);

    // Saving again adds numbered copies and replaces nothing.
    let o = ok(&[&"attachments", &case, &id, &"--save", &save]);
    let again: Vec<PathBuf> = stdout(&o).lines().map(PathBuf::from).collect();
    assert_eq!(again.len(), parts.len());
    for (p, (_, _, content, want)) in again.iter().zip(&parts) {
        assert_eq!(p.parent().unwrap(), canon);
        let name = p.file_name().unwrap().to_str().unwrap();
        let want = match want.as_str() {
            "report.pdf" => "report (3).pdf".to_string(),
            "report (2).pdf" => "report (4).pdf".to_string(),
            w => match w.rfind('.') {
                Some(i) if i > 0 => format!("{} (2){}", &w[..i], &w[i..]),
                _ => format!("{w} (2)"),
            },
        };
        assert_eq!(name, want);
        assert!(fs::read(p).unwrap() == *content, "content of {name}");
    }
    assert_eq!(fs::read_dir(&save).unwrap().count(), 2 * parts.len());
    let after = tree_state(&save);
    for (p, s) in first_state.iter().filter(|(p, _)| p.is_file()) {
        assert_eq!(after.get(p), Some(s), "{p:?} unchanged");
    }
    assert_eq!(outside(tree_state(d)), before, "nothing written elsewhere");
    // Both saves are in the audit log.
    assert_eq!(audit(&case, "save_attachments").len(), 2);
    // A folder that does not exist is an error, and is not created.
    let missing = d.join("missing");
    let o = run(&[&"attachments", &case, &id, &"--save", &missing]);
    assert_eq!(code(&o), 2);
    assert!(!missing.exists());
}

#[test]
fn saved_attachments_keep_their_exact_bytes() {
    // A `Content-Transfer-Encoding: binary` part is its own decoded bytes;
    // CR LF inside it is data, in an LF file as in an mbox.
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    let data: &[u8] = b"BIN\x00\x01\r\n\x02\r\n\xff\xfe\r end";
    let mut raw = b"From: ann@ncpc.example.org\nTo: desk@ncpc.example.org\nSubject: binary part\nDate: Mon, 12 Oct 2015 14:02:11 -0400\nMessage-ID: <binary@x>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"bb\"\n\n--bb\nContent-Type: text/plain\n\nsee the blob\n--bb\nContent-Type: application/octet-stream\nContent-Disposition: attachment; filename=\"blob.bin\"\nContent-Transfer-Encoding: binary\n\n".to_vec();
    raw.extend_from_slice(data);
    raw.extend_from_slice(b"\n--bb--\n");
    put(&d.join("src/binary.eml"), &raw);
    let case = d.join("case");
    import_ok(&case, &[&d.join("src/binary.eml")]);
    let id = ids_of(&hits(&case, "*")).remove(0);
    let o = ok(&[&"show", &case, &id, &"--raw"]);
    assert!(o.stdout == raw, "the raw message holds the bytes");
    let save = d.join("save");
    fs::create_dir(&save).unwrap();
    let o = ok(&[&"attachments", &case, &id, &"--save", &save]);
    let p = PathBuf::from(stdout(&o).trim());
    assert_eq!(p.file_name().unwrap(), "blob.bin");
    let got = fs::read(&p).unwrap();
    assert!(got == data, "saved {got:?}, want {data:?}");
    let o = ok(&[&"show", &case, &id]);
    let text = stdout(&o);
    assert!(
        text.contains(&format!(
            "Attachment 1: blob.bin (application/octet-stream, {} bytes, sha256 {})",
            data.len(),
            Sha256::of(data).to_hex()
        )),
        "size and SHA-256 of the exact part bytes:\n{text}"
    );
}

// ---------------------------------------------------------------------------
// 10. Large result sets

#[test]
fn large_result_sets_are_not_capped() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    let n = 1500;
    let msgs: Vec<String> = (0..n)
        .map(|i| {
            message(
                &format!("sender{}@bulk.example.org", i % 37),
                &format!("bulk message {i}"),
                &format!("bulk{i}@x"),
                &format!("number {i} of the bulk corpus"),
            )
        })
        .collect();
    put(&d.join("src/bulk.mbox"), mbox(&msgs));
    let case = d.join("case");
    let r = import_ok(&case, &[&d.join("src/bulk.mbox")]);
    assert_eq!(num(&r, "new"), n);
    let out = d.join("all.csv");
    let o = search(
        &case,
        &["--format", "csv", "--output", out.to_str().unwrap()],
        "*",
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let rows = csv_file(&out);
    assert_eq!(rows.len() as u64, n + 1);
    let distinct: BTreeSet<&str> = rows[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(distinct.len() as u64, n);
    let recs = hits(&case, "*");
    assert_eq!(recs.len() as u64, n);
    let recs = hits(&case, "bulk");
    assert_eq!(recs.len() as u64, n);
    let o = search(&case, &[], "corpus");
    assert_eq!(stdout(&o).lines().count() as u64, n);
    assert_eq!(hits_with(&case, &["--limit", "1000"], "*").len(), 1000);
    let exports = audit(&case, "export");
    assert_eq!(exports[0]["messages"], n);
}

// ---------------------------------------------------------------------------
// 11. Sources untouched

#[test]
fn browsing_and_exporting_leave_sources_untouched() {
    let f = fixture();
    let case = &f.case;
    let before = tree_state(&f.src);
    let ids = id_map(case);
    let out = f.root.join("out");
    fs::create_dir(&out).unwrap();
    for q in ["budget", "*", "has:attachment", "source:gamma"] {
        search(case, &["--snippets"], q);
        search(case, &["--format", "csv"], q);
    }
    for (i, fmt) in ["csv", "json", "mbox", "eml"].iter().enumerate() {
        let p = out.join(format!("x{i}"));
        let o = search(
            case,
            &["--format", fmt, "--output", p.to_str().unwrap()],
            "*",
        );
        assert_eq!(code(&o), 0, "{}", stderr(&o));
    }
    for id in ids.values() {
        ok(&[&"show", case, id]);
        ok(&[&"show", case, id, &"--raw"]);
        ok(&[&"show", case, id, &"--json"]);
        ok(&[&"thread", case, id]);
    }
    ok(&[&"threads", case]);
    let save = out.join("save");
    fs::create_dir(&save).unwrap();
    for s in ["Donor list", "Quarterly report"] {
        ok(&[&"attachments", case, &ids[s]]);
        ok(&[&"attachments", case, &ids[s], &"--save", &save]);
    }
    assert_eq!(fs::read_dir(&save).unwrap().count(), 3);
    assert_eq!(tree_state(&f.src), before, "sources unchanged");
}

// ---------------------------------------------------------------------------
// 12. reindex

#[test]
fn reindex_gives_the_same_results() {
    let f = fixture();
    let case = &f.case;
    let queries = [
        "*",
        "budget",
        "Garcia",
        "Москве",
        "会議",
        "attachment:zebediah",
        "has:attachment",
        "source:alpha",
        "after:2016-10-01",
        "talk*",
        "moskvo~",
        "from:@dnc.example.org",
    ];
    let snapshot = || -> Vec<Vec<String>> {
        queries
            .iter()
            .map(|q| ids_of(&hits_with(case, &["--sort", "date"], q)))
            .collect()
    };
    let threads = |case: &Path| -> Vec<(String, Value)> {
        threads_json(case)
            .into_iter()
            .map(|t| (t["thread"].as_str().unwrap().to_string(), t["ids"].clone()))
            .collect()
    };
    let before = snapshot();
    let threads_before = threads(case);
    assert_eq!(before[0].len(), 15);
    ok(&[&"reindex", case]);
    assert_eq!(snapshot(), before);
    assert_eq!(threads(case), threads_before);
    // Removing the index and reindexing rebuilds it.
    fs::remove_dir_all(case.join("index")).unwrap();
    let o = search(case, &[], "budget");
    assert_eq!(code(&o), 2, "no index: an error naming the fix");
    assert!(stderr(&o).contains("reindex"), "{}", stderr(&o));
    ok(&[&"reindex", case]);
    assert_eq!(snapshot(), before);
}

#[test]
fn a_cancelled_export_leaves_nothing_behind() {
    let fx = fixture();
    let b = mailsift::browse::Browser::open(&fx.case).unwrap();
    let found = b.search("*", mailsift::index::Sort::Date).unwrap();
    assert!(found.hits.len() > 5, "{} hits", found.hits.len());
    let out_dir = tempfile::tempdir().unwrap();
    for format in mailsift::export::Format::ALL {
        let path = out_dir.path().join(format!("out.{format}"));
        let mut calls = 0;
        let r = b.export(
            &found,
            "*",
            *format,
            Some(&path),
            false,
            &mut |done, total| {
                calls += 1;
                assert!(done <= total);
                done < 3
            },
        );
        assert!(
            matches!(r, Err(mailsift::error::Error::Cancelled)),
            "{format}: {r:?}"
        );
        assert_eq!(calls, 3, "{format}: stops at the first refusal");
        assert!(!path.exists(), "{format}: no partial output");
    }
    let left: Vec<_> = fs::read_dir(out_dir.path()).unwrap().collect();
    assert!(left.is_empty(), "temporary files left: {left:?}");
    // The audit log records only finished exports.
    assert!(audit(&fx.case, "export").is_empty());
}

// ---------------------------------------------------------------------------
// Copies: `is:duplicate`

#[test]
fn is_duplicate_finds_messages_found_more_than_once() {
    let t = tempfile::tempdir().unwrap();
    let src = t.path().join("src");
    let copy = mail(
        "From: Ann <ann@example.org>\nTo: Bob <bob@example.org>\nSubject: Leaked twice\nMessage-ID: <twice@example.org>\nDate: Mon, 4 Jan 2016 10:00:00 +0000",
        "Same bytes in two files.",
    );
    put(&src.join("a/1.eml"), &copy);
    put(&src.join("b/1.eml"), &copy);
    put(
        &src.join("a/2.eml"),
        mail(
            "From: Ann <ann@example.org>\nTo: Bob <bob@example.org>\nSubject: Only once\nMessage-ID: <once@example.org>\nDate: Tue, 5 Jan 2016 10:00:00 +0000",
            "Found in one file.",
        ),
    );
    let case = t.path().join("case");
    let r = import_ok(&case, &[&src]);
    assert_eq!((num(&r, "new"), num(&r, "duplicates")), (2, 1), "{r:#}");
    assert_eq!(subjects(&case, "is:duplicate"), set(&["Leaked twice"]));
    assert_eq!(subjects(&case, "IS:Duplicates"), set(&["Leaked twice"]));
    assert_eq!(subjects(&case, "-is:duplicate"), set(&["Only once"]));
    assert_eq!(subjects(&case, "is:duplicate once"), set(&[]));
    let o = search(&case, &[], "is:copied");
    assert_eq!(code(&o), 2, "{}", stdout(&o));
    assert!(
        stderr(&o).contains("unknown is: value; use is:duplicate"),
        "{}",
        stderr(&o)
    );
}
