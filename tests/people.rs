//! `mailsift people` and `mailsift graph` through the real binary on a
//! small mbox: counts per role that add up, names merged per address, a
//! merge suggested, a query narrowing it, formula-safe CSV, GEXF parsed
//! back, exit codes.

use std::path::{Path, PathBuf};

use crate::util::{mbox, run};

fn mail(headers: &str, subject: &str, n: u32, body: &str) -> String {
    format!(
        "{headers}\nSubject: {subject}\nDate: Mon, {n:02} Oct 2015 14:02:11 +0000\nMessage-ID: <p{n}@example.org>\n\n{body}\n"
    )
}

/// Four messages: John Podesta under two addresses (and two names on
/// one), Cc and Bcc, a sender whose name is a formula.
fn case() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let messages = vec![
        mail(
            "From: John Podesta <jpodesta@example.org>\nTo: Ann Lee <ann@example.org>\nCc: Bob <bob@example.org>",
            "budget",
            1,
            "the budget numbers",
        ),
        mail(
            "From: Ann Lee <ann@example.org>\nTo: \"Podesta, John\" <john.podesta@campaign.example>, bob@example.org\nBcc: carol@example.org",
            "re: budget",
            2,
            "see the budget",
        ),
        mail(
            "From: \"=cmd|' /C calc'!A0\" <evil@example.org>\nTo: ann@example.org",
            "lunch",
            3,
            "lunch today",
        ),
        mail(
            "From: J. Podesta <JPodesta@example.org>\nTo: Ann Lee <ann@example.org>",
            "lunch",
            4,
            "lunch tomorrow",
        ),
    ];
    let src = dir.path().join("people.mbox");
    std::fs::write(&src, mbox(&messages)).unwrap();
    let case = dir.path().join("case");
    let out = run(&[&"import", &case, &src, &"--quiet"]);
    assert!(out.status.success(), "{out:?}");
    (dir, case)
}

fn people_json(case: &Path, query: &[&str]) -> (i32, Vec<serde_json::Value>) {
    let mut args: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![&"people", &case, &"--json"];
    for q in query {
        args.push(q);
    }
    let out = run(&args);
    let text = String::from_utf8(out.stdout).unwrap();
    let list = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (out.status.code().unwrap(), list)
}

fn person<'a>(list: &'a [serde_json::Value], addr: &str) -> &'a serde_json::Value {
    list.iter()
        .find(|p| p["address"] == addr)
        .unwrap_or_else(|| panic!("{addr} not in {list:#?}"))
}

fn counts(p: &serde_json::Value) -> [u64; 4] {
    ["messages", "sent", "received", "copied"].map(|k| p[k].as_u64().unwrap())
}

#[test]
fn people_counts_add_up_and_names_merge() {
    let (_dir, case) = case();
    let (code, list) = people_json(&case, &[]);
    assert_eq!(code, 0);
    assert_eq!(list.len(), 6, "{list:#?}");
    // every message's sender once; each To / Cc / Bcc recipient once
    let sum = |k: &str| list.iter().map(|p| p[k].as_u64().unwrap()).sum::<u64>();
    assert_eq!(sum("sent"), 4);
    assert_eq!(sum("received"), 5);
    assert_eq!(sum("copied"), 2);
    let john = person(&list, "jpodesta@example.org");
    assert_eq!(counts(john), [2, 2, 0, 0]);
    let names: Vec<&str> = john["names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["J. Podesta", "John Podesta"]);
    assert_eq!(counts(person(&list, "ann@example.org")), [4, 1, 3, 0]);
    assert_eq!(counts(person(&list, "bob@example.org")), [2, 0, 1, 1]);
    assert_eq!(counts(person(&list, "carol@example.org")), [1, 0, 0, 1]);
    let ann = person(&list, "ann@example.org");
    assert_eq!(ann["first"], "2015-10-01T14:02:11Z");
    assert_eq!(ann["last"], "2015-10-04T14:02:11Z");
    assert_eq!(ann["correspondents"][0]["address"], "jpodesta@example.org");
    assert_eq!(ann["correspondents"][0]["messages"], 2);
    // most messages first
    assert_eq!(list[0]["address"], "ann@example.org");
}

#[test]
fn people_of_a_query_and_exit_codes() {
    let (_dir, case) = case();
    let (code, list) = people_json(&case, &["lunch"]);
    assert_eq!(code, 0);
    assert_eq!(list.len(), 3, "{list:#?}");
    assert_eq!(counts(person(&list, "ann@example.org")), [2, 0, 2, 0]);
    let (code, list) = people_json(&case, &["nosuchword"]);
    assert_eq!((code, list.len()), (1, 0));
    let out = run(&[&"people", &case, &"--sort", &"bogus"]);
    assert_eq!(out.status.code(), Some(2));
    let out = run(&[&"people", &case.join("nope")]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn people_text_suggests_the_merge() {
    let (_dir, case) = case();
    let out = run(&[&"people", &case, &"--sort", &"name"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(
            "same name: 'John Podesta' on jpodesta@example.org and 'Podesta, John' on john.podesta@campaign.example"
        ),
        "{text}"
    );
    assert!(text.contains("Ann Lee <ann@example.org>"), "{text}");
    let out = run(&[&"people", &case, &"--limit", &"1", &"--filter", &"CAROL"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        text.lines().filter(|l| l.contains("@")).count(),
        1,
        "{text}"
    );
    assert!(text.contains("carol@example.org"), "{text}");
}

#[test]
fn people_csv_is_formula_safe() {
    let (_dir, case) = case();
    let out = run(&[&"people", &case, &"--csv"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let header = reader.headers().unwrap().clone();
    assert_eq!(&header[0], "address");
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 6);
    let evil = rows.iter().find(|r| &r[0] == "evil@example.org").unwrap();
    assert_eq!(&evil[1], "'=cmd|' /C calc'!A0");
    for r in &rows {
        for cell in r.iter() {
            assert!(!cell.starts_with(['=', '+', '-', '@']), "{cell}");
        }
    }
}

/// The nodes (id → label, address, messages) and edges (source id,
/// target id, weight) of a GEXF file, read back with quick-xml.
type Gexf = (
    std::collections::HashMap<String, (String, String, u64)>,
    Vec<(String, String, u64)>,
);

fn read_gexf(path: &Path) -> Gexf {
    use quick_xml::events::Event;
    let text = std::fs::read_to_string(path).unwrap();
    let mut reader = quick_xml::Reader::from_str(&text);
    let attr = |e: &quick_xml::events::BytesStart<'_>, name: &str| -> String {
        e.try_get_attribute(name)
            .unwrap()
            .unwrap_or_else(|| panic!("no {name} on {e:?}"))
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .unwrap()
            .into_owned()
    };
    let mut nodes = std::collections::HashMap::new();
    let mut edges = Vec::new();
    let mut current = String::new();
    let mut version = String::new();
    loop {
        match reader.read_event().unwrap() {
            Event::Start(e) | Event::Empty(e) => match e.name().as_ref() {
                "gexf" => version = attr(&e, "version"),
                "node" => {
                    current = attr(&e, "id");
                    nodes.insert(current.clone(), (attr(&e, "label"), String::new(), 0));
                }
                "attvalue" => {
                    let node = nodes.get_mut(&current).unwrap();
                    match attr(&e, "for").as_str() {
                        "address" => node.1 = attr(&e, "value"),
                        "messages" => node.2 = attr(&e, "value").parse().unwrap(),
                        other => panic!("attribute {other}"),
                    }
                }
                "edge" => edges.push((
                    attr(&e, "source"),
                    attr(&e, "target"),
                    attr(&e, "weight").parse().unwrap(),
                )),
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(version, "1.3");
    (nodes, edges)
}

/// Edges as (source address, target address, weight), sorted.
fn by_address(g: &Gexf) -> Vec<(String, String, u64)> {
    let addr = |id: &String| g.0[id].1.clone();
    let mut v: Vec<_> = g.1.iter().map(|(s, t, w)| (addr(s), addr(t), *w)).collect();
    v.sort();
    v
}

#[test]
fn graph_gexf_parses_back_with_the_weights() {
    let (dir, case) = case();
    let out_path = dir.path().join("graph.gexf");
    let out = run(&[
        &"graph",
        &case,
        &"--format",
        &"gexf",
        &"--output",
        &out_path,
    ]);
    assert!(out.status.success(), "{out:?}");
    let g = read_gexf(&out_path);
    assert_eq!(g.0.len(), 6);
    let s = |x: &str| x.to_string();
    assert_eq!(
        by_address(&g),
        [
            (s("ann@example.org"), s("bob@example.org"), 1),
            (s("ann@example.org"), s("john.podesta@campaign.example"), 1),
            (s("evil@example.org"), s("ann@example.org"), 1),
            (s("jpodesta@example.org"), s("ann@example.org"), 2),
            (s("jpodesta@example.org"), s("bob@example.org"), 1),
        ]
    );
    let node = |a: &str| g.0.values().find(|n| n.1 == a).unwrap().clone();
    assert_eq!(node("ann@example.org").2, 4);
    assert_eq!(node("ann@example.org").0, "Ann Lee <ann@example.org>");
    assert_eq!(
        node("evil@example.org").0,
        "=cmd|' /C calc'!A0 <evil@example.org>"
    );
    // nothing but the file in the folder (no temporary left)
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with("graph") || n.starts_with('.'))
        .collect();
    assert_eq!(names, ["graph.gexf"]);

    // the top 2 people and the one edge between them
    let out = run(&[&"graph", &case, &"--output", &out_path, &"--top", &"2"]);
    assert!(out.status.success(), "{out:?}");
    let g = read_gexf(&out_path);
    assert_eq!(g.0.len(), 2);
    assert_eq!(
        by_address(&g),
        [(s("ann@example.org"), s("bob@example.org"), 1)]
    );
}

#[test]
fn graph_csv_of_a_query_and_exit_codes() {
    let (dir, case) = case();
    let out_path = dir.path().join("edges.csv");
    let out = run(&[
        &"graph",
        &case,
        &"lunch",
        &"--format",
        &"csv",
        &"-o",
        &out_path,
    ]);
    assert!(out.status.success(), "{out:?}");
    let text = std::fs::read_to_string(&out_path).unwrap();
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        ["source", "target", "weight"]
    );
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    assert_eq!(
        rows,
        [
            ["evil@example.org", "ann@example.org", "1"],
            ["jpodesta@example.org", "ann@example.org", "1"],
        ]
    );
    let none = dir.path().join("none.gexf");
    let out = run(&[&"graph", &case, &"nosuchword", &"-o", &none]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!none.exists());
    let out = run(&[&"graph", &case, &"--format", &"dot", &"-o", &none]);
    assert_eq!(out.status.code(), Some(2));
}

/// The address in `Name <addr>` (or the whole text), lower-cased.
fn addr_of(s: &str) -> String {
    match (s.rfind('<'), s.rfind('>')) {
        (Some(a), Some(b)) if a < b => s[a + 1..b].to_lowercase(),
        _ => s.trim().to_lowercase(),
    }
}

#[test]
fn people_of_the_sample_match_its_messages() {
    let dir = tempfile::tempdir().unwrap();
    let case = dir.path().join("case");
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_mbox");
    let out = run(&[&"import", &case, &sample, &"--quiet"]);
    assert!(out.status.success(), "{out:?}");
    // what each message says, through the search export
    let out = run(&[&"search", &case, &"*", &"--format", &"json"]);
    let mut sent = std::collections::HashMap::<String, u64>::new();
    let mut received = std::collections::HashMap::<String, u64>::new();
    for line in String::from_utf8(out.stdout).unwrap().lines() {
        let m: serde_json::Value = serde_json::from_str(line).unwrap();
        if let Some(from) = m["from"].as_str().filter(|f| f.contains('@')) {
            *sent.entry(addr_of(from)).or_default() += 1;
        }
        let mut to: Vec<String> = m["to"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| addr_of(a.as_str().unwrap()))
            .filter(|a| a.contains('@'))
            .collect();
        to.sort();
        to.dedup();
        for a in to {
            *received.entry(a).or_default() += 1;
        }
    }
    let (code, list) = people_json(&case, &[]);
    assert_eq!(code, 0);
    assert!(list.len() > 20, "{}", list.len());
    for p in &list {
        let a = p["address"].as_str().unwrap();
        assert_eq!(
            p["sent"].as_u64().unwrap(),
            sent.get(a).copied().unwrap_or(0),
            "{a}"
        );
        assert_eq!(
            p["received"].as_u64().unwrap(),
            received.get(a).copied().unwrap_or(0),
            "{a}"
        );
    }
    assert_eq!(
        list.iter()
            .map(|p| p["sent"].as_u64().unwrap())
            .sum::<u64>(),
        sent.values().sum::<u64>()
    );
    // the sample's man with two addresses
    let out = run(&[&"people", &case, &"--filter", &"pell"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(
            "same name 'Graham Pell' on graham.pell@webmail.example.net and gpell@hartwell2016.example.com"
        ),
        "{text}"
    );
}

/// `mailsift identity`: a merge (with a name) changes `people` and
/// `graph`, `list` shows it, a split undoes it, mistakes exit non-zero.
#[test]
fn identity_merge_rename_split_through_the_cli() {
    let (dir, case) = case();
    let out = run(&[
        &"identity",
        &case,
        &"merge",
        &"jpodesta@example.org",
        &"John.Podesta@campaign.example",
        &"--name",
        &"John Podesta",
        &"--author",
        &"ann",
    ]);
    assert!(out.status.success(), "{out:?}");
    let (_, list) = people_json(&case, &[]);
    assert_eq!(list.len(), 5, "{list:#?}");
    let john = person(&list, "jpodesta@example.org");
    // 2 sent from one address, 1 received at the other
    assert_eq!(counts(john), [3, 2, 1, 0]);
    assert_eq!(john["name"], "John Podesta");
    assert_eq!(
        john["addresses"],
        serde_json::json!(["jpodesta@example.org", "john.podesta@campaign.example"])
    );
    // the graph counts him as one node too
    let gexf = dir.path().join("g.gexf");
    assert!(run(&[&"graph", &case, &"-o", &gexf]).status.success());
    let (nodes, _) = read_gexf(&gexf);
    assert_eq!(nodes.len(), 5);

    let out = run(&[&"identity", &case, &"list", &"--json"]);
    assert!(out.status.success());
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["name"], "John Podesta");

    let out = run(&[
        &"identity",
        &case,
        &"rename",
        &"john.podesta@campaign.example",
        &"J. P.",
    ]);
    assert!(out.status.success(), "{out:?}");
    let (_, list) = people_json(&case, &[]);
    assert_eq!(person(&list, "jpodesta@example.org")["name"], "J. P.");

    let out = run(&[
        &"identity",
        &case,
        &"split",
        &"john.podesta@campaign.example",
    ]);
    assert!(out.status.success(), "{out:?}");
    let (_, list) = people_json(&case, &[]);
    assert_eq!(list.len(), 6);
    assert_eq!(counts(person(&list, "jpodesta@example.org")), [2, 2, 0, 0]);

    // not merged any more; not an address
    assert!(
        !run(&[
            &"identity",
            &case,
            &"split",
            &"john.podesta@campaign.example"
        ])
        .status
        .success()
    );
    assert!(
        !run(&[&"identity", &case, &"merge", &"a@x.org", &"nobody"])
            .status
            .success()
    );
}
