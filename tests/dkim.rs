//! DKIM end to end (issue 14): messages signed here with throwaway keys
//! and RFC 8463's own example are imported into an mbox case and
//! verified by the workers; `dkim:` / `dkim.domain:` find them; `keys add`
//! reads a zone file (split TXT strings, a bad line) and the DKIM Archive
//! API's JSON and turns `nokey` into `pass`; `show --json`, `stats` and
//! the CSV export carry the verdicts.

use std::path::Path;

use mailsift::dkim::testsign::{Spec, TestKey, sign};

use crate::util::*;

fn signed(msg: &str, spec: &Spec, key: &TestKey) -> String {
    String::from_utf8(sign(msg.as_bytes(), spec, key))
        .unwrap()
        .replace("\r\n", "\n")
}

/// Subjects of the messages `query` finds.
fn subjects(case: &Path, query: &str) -> Vec<String> {
    let out = run(&[
        &"search",
        &case,
        &query,
        &"--format",
        &"json",
        &"--sort",
        &"date",
    ]);
    assert!(
        out.status.code() == Some(0) || out.status.code() == Some(1),
        "{query}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["subject"].as_str().unwrap_or_default().to_string()
        })
        .collect()
}

fn id_of(case: &Path, query: &str) -> String {
    let out = run(&[&"search", &case, &query, &"--format", &"json"]);
    let line = String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .unwrap()
        .to_string();
    let v: serde_json::Value = serde_json::from_str(&line).unwrap();
    v["id"].as_str().unwrap().to_string()
}

fn keys_add(case: &Path, files: &[&Path], extra: &[&str]) -> (i32, String) {
    let mut c = mailsift();
    c.arg("keys").arg("add").arg(case);
    for f in files {
        c.arg(f);
    }
    c.args(extra);
    let o = c.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    (o.status.code().unwrap_or(-1), text)
}

#[test]
fn import_verifies_and_added_keys_turn_nokey_into_pass() {
    let t = tempfile::tempdir().unwrap();
    let rsa = TestKey::rsa(1024);
    let body = "Dear all,\nFrom now on the budget is final.\n\nAnn\n";
    let plain = |subject: &str, id: &str| {
        format!(
            "From: Ann <ann@campaign.example.org>\nTo: desk@example.org\nSubject: {subject}\nDate: Mon, 12 Oct 2015 14:02:11 -0400\nMessage-ID: <{id}@example.org>\n\n{body}"
        )
    };
    let good = signed(
        &plain("alpha signed", "a"),
        &Spec::new("campaign.example.org", "s2015"),
        &rsa,
    );
    let tampered = signed(
        &plain("bravo tampered", "b"),
        &Spec::new("campaign.example.org", "s2015"),
        &rsa,
    )
    .replace("budget is final", "budget is void");
    let unsigned = plain("charlie unsigned", "c");
    let rfc = std::fs::read_to_string("tests/fixtures/dkim/rfc8463.eml").unwrap();
    let src = t.path().join("signed.mbox");
    std::fs::write(&src, mbox(&[good, tampered, unsigned, rfc])).unwrap();
    let case = t.path().join("case");
    let (code, r, err) = import_json(&case, &[&src]);
    assert_eq!(code, 0, "{err}");
    // No key yet: the signatures cannot be checked (the tampered body
    // is not looked at either: a body hash no signature vouches for
    // proves nothing).
    assert_eq!(num(&r, "dkim.verdicts.nokey"), 3, "{r:#}");
    assert_eq!(num(&r, "dkim.verdicts.fail"), 0, "{r:#}");
    assert_eq!(num(&r, "dkim.verdicts.none"), 1, "{r:#}");

    assert!(subjects(&case, "dkim:fail").is_empty());
    assert_eq!(subjects(&case, "dkim:none"), ["charlie unsigned"]);
    assert_eq!(
        subjects(&case, "dkim:nokey"),
        ["Is dinner ready?", "alpha signed", "bravo tampered"]
    );
    assert!(subjects(&case, "dkim:pass").is_empty());
    let shown = run(&[&"show", &case, &id_of(&case, "alpha")]);
    let text = String::from_utf8_lossy(&shown.stdout);
    assert!(
        text.contains("s2015._domainkey.campaign.example.org"),
        "{text}"
    );

    // A zone file: the key's TXT value split in two strings, and a bad line.
    let rec = rsa.record();
    let (a, b) = rec.split_at(rec.len() / 2);
    let zone = t.path().join("keys.zone");
    std::fs::write(
        &zone,
        format!("; keys of the campaign\ns2015._domainkey.campaign.example.org. IN TXT \"{a}\" \"{b}\"\nnot-a-key-line IN TXT \"v=DKIM1; p=AAAA\"\n"),
    )
    .unwrap();
    let (code, out) = keys_add(&case, &[&zone], &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("1 keys read, 1 new"), "{out}");
    assert!(out.contains("refused line 3:"), "{out}");
    assert!(out.contains("added: campaign.example.org 1"), "{out}");
    assert!(
        out.contains("nokey -> pass (campaign.example.org)"),
        "{out}"
    );
    assert!(
        out.contains("nokey -> fail (campaign.example.org)"),
        "{out}"
    );
    assert_eq!(subjects(&case, "dkim:pass"), ["alpha signed"]);
    assert_eq!(subjects(&case, "dkim:fail"), ["bravo tampered"]);
    assert_eq!(
        subjects(&case, "dkim.domain:example.org"),
        ["alpha signed", "bravo tampered"]
    );
    assert_eq!(
        subjects(&case, "dkim:fail dkim.domain:campaign.example.org"),
        ["bravo tampered"]
    );

    // The DKIM Archive API's JSON, with the RFC's Ed25519 key.
    let json = t.path().join("archive.json");
    std::fs::write(
        &json,
        r#"[{"domain":"football.example.com","selector":"brisbane","value":"v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=","firstSeenAt":"2018-02-12T00:00:00Z","lastSeenAt":"2018-02-12T00:00:00Z"}]"#,
    )
    .unwrap();
    let (code, out) = keys_add(&case, &[&json], &["--json"]);
    assert_eq!(code, 0, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["changed"][0]["after"], "pass", "{v:#}");
    assert_eq!(
        subjects(&case, "dkim:pass"),
        ["Is dinner ready?", "alpha signed"]
    );

    // show --json: every signature with its verdict, reason, key source.
    let o = run(&[&"show", &case, &id_of(&case, "dinner"), &"--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["dkim_verdict"], "pass");
    let sig = &v["dkim"][0];
    assert_eq!(sig["domain"], "football.example.com");
    assert_eq!(sig["selector"], "brisbane");
    assert_eq!(sig["algorithm"], "ed25519-sha256");
    assert_eq!(sig["verdict"], "pass");
    assert!(
        sig["key_source"]
            .as_str()
            .unwrap()
            .ends_with("archive.json")
    );
    assert!(
        sig["reason"].as_str().unwrap().contains("Feb 2018"),
        "{sig:#}"
    );

    // stats: the newsrooms' table.
    let o = run(&[&"stats", &case, &"--json"]);
    let s: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(num(&s, "dkim.verdicts.pass"), 2, "{s:#}");
    assert_eq!(num(&s, "dkim.verdicts.fail"), 1);
    let dom = s["dkim"]["domains"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["domain"] == "campaign.example.org")
        .unwrap();
    assert_eq!(
        (
            dom["verdicts"]["pass"].as_u64(),
            dom["verdicts"]["fail"].as_u64()
        ),
        (Some(1), Some(1))
    );
    let o = run(&[&"stats", &case]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("DKIM: pass 2, fail 1, none 1"));

    // CSV export: the dkim and dkim_domain columns.
    let csv_path = t.path().join("x.csv");
    let o = run(&[
        &"search",
        &case,
        &"*",
        &"--format",
        &"csv",
        &"--output",
        &csv_path,
    ]);
    assert_eq!(o.status.code(), Some(0));
    let mut rd = csv::Reader::from_path(&csv_path).unwrap();
    let header = rd.headers().unwrap().clone();
    let col = |n: &str| {
        header
            .iter()
            .position(|h| h.trim_start_matches('\u{feff}') == n)
            .unwrap()
    };
    let (dk, dd, subj) = (col("dkim"), col("dkim_domain"), col("subject"));
    let rows: Vec<(String, String, String)> = rd
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[subj].to_string(), r[dk].to_string(), r[dd].to_string())
        })
        .collect();
    assert!(
        rows.contains(&(
            "alpha signed".into(),
            "pass".into(),
            "campaign.example.org".into()
        )),
        "{rows:?}"
    );
    assert!(rows.contains(&("charlie unsigned".into(), "none".into(), String::new())));

    // keys list: the bundled archive (Gmail's 2012 key) and the added keys.
    let o = run(&[&"keys", &"list", &case, &"--json"]);
    let list: Vec<serde_json::Value> = serde_json::from_slice(&o.stdout).unwrap();
    assert!(list.iter().any(|k| k["domain"] == "gmail.com"
        && k["selector"] == "20120113"
        && k["bundled"] == true));
    assert!(
        list.iter()
            .any(|k| k["selector"] == "brisbane" && k["bundled"] == false)
    );

    // The audit log has each addition.
    let audit = std::fs::read_to_string(case.join("audit.log")).unwrap();
    assert_eq!(audit.matches("\"dkim_keys_added\"").count(), 2);
    assert!(audit.contains("s2015._domainkey.campaign.example.org"));

    // A PEM without its names is refused (nothing read: exit 1).
    let pem = t.path().join("k.pem");
    std::fs::write(&pem, "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----\n").unwrap();
    let (code, out) = keys_add(&case, &[&pem], &[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("--selector"), "{out}");
    let (code, out) = keys_add(
        &case,
        &[&pem],
        &["--selector", "ed", "--domain", "example.net"],
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("added: example.net 1"), "{out}");
}

/// mailsift cannot ask DNS for a key: no resolver is linked at all.
#[test]
fn no_dns_resolver_is_linked() {
    let lock = std::fs::read_to_string("Cargo.lock").unwrap();
    for name in [
        "hickory",
        "trust-dns",
        "c-ares",
        "resolv-conf",
        "dns-lookup",
        "mail-auth",
    ] {
        assert!(
            !lock
                .lines()
                .any(|l| l.starts_with("name = \"") && l.contains(name)),
            "{name} is in Cargo.lock"
        );
    }
}
