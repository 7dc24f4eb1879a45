//! Opaque-signed S/MIME through the real binary (issue 13): messages
//! signed with the openssl CLI (`tests/fixtures/smime/`, see its README),
//! DER and BER, beside a detached signature and a damaged `smime.p7m`.
//! Words only inside the signed content are found, `is:signed` finds them,
//! `show` says how they are signed and lists the inner attachment; the
//! damaged one is a `bad_smime` defect and keeps its part. Also: a hit
//! only in the HTML alternative gets its snippet from there.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

use crate::util::*;

fn fixture(name: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/smime")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// `search --format json` records (none when the search finds nothing).
fn hits(case: &Path, query: &str) -> Vec<Value> {
    let o = run(&[&"search", &case, &"--format", &"json", &"--", &query]);
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn subjects(case: &Path, query: &str) -> BTreeSet<String> {
    hits(case, query)
        .iter()
        .map(|r| r["subject"].as_str().unwrap_or("").to_string())
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

const DER: &str = "Quarterly figures (opaque, DER)";
const BER: &str = "Quarterly figures (opaque, BER)";
const DETACHED: &str = "Quarterly figures (detached)";
const DAMAGED: &str = "Damaged signature";

#[test]
fn smime_opaque_signed_content_is_shown_and_searchable() {
    let t = tempfile::tempdir().unwrap();
    let src = t.path().join("leak");
    std::fs::create_dir(&src).unwrap();
    for name in [
        "opaque-signed-der.eml",
        "opaque-signed-ber.eml",
        "detached-signed.eml",
    ] {
        std::fs::write(src.join(name), fixture(name)).unwrap();
    }
    // The BER one cut in half: the signed content cannot be read.
    let ber = String::from_utf8(fixture("opaque-signed-ber.eml")).unwrap();
    let (head, body) = ber.split_once("\n\n").unwrap();
    let head = head
        .replace(BER, DAMAGED)
        .replace("<opaque-ber@", "<damaged@");
    let damaged = format!("{head}\n\n{}\n", &body[..body.len() / 2]);
    std::fs::write(src.join("damaged.eml"), damaged).unwrap();

    let case = t.path().join("case");
    let (code, r, err) = import_json(&case, &[&src]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(num(&r, "new"), 4, "{r:#}");

    // Words only inside the signed content (the text, the attachment).
    assert_eq!(subjects(&case, "zanzibarite"), set(&[DER, BER, DETACHED]));
    assert_eq!(subjects(&case, "wolframite"), set(&[DER, BER, DETACHED]));
    assert_eq!(
        subjects(&case, "filename:ledger.csv"),
        set(&[DER, BER, DETACHED])
    );
    assert_eq!(
        subjects(&case, "is:signed"),
        set(&[DER, BER, DETACHED, DAMAGED])
    );
    assert_eq!(subjects(&case, "is:encrypted"), set(&[]));
    assert_eq!(
        subjects(&case, "has:attachment"),
        set(&[DER, BER, DETACHED, DAMAGED])
    );

    let recs = hits(&case, "*");
    let rec = |s: &str| recs.iter().find(|r| r["subject"] == s).unwrap().clone();
    assert_eq!(rec(DER)["signed"], "smime_opaque");
    assert_eq!(rec(BER)["signed"], "smime_opaque");
    assert_eq!(rec(DETACHED)["signed"], "smime");
    assert_eq!(rec(DAMAGED)["signed"], "smime");
    assert_eq!(rec(BER)["attachments"], serde_json::json!(["ledger.csv"]));
    assert_eq!(
        rec(DAMAGED)["attachments"],
        serde_json::json!(["smime.p7m"])
    );

    // `show` says how it is signed, shows the signed text and lists the
    // signed entity's attachment and the signature part apart.
    let id = rec(BER)["id"].as_str().unwrap().to_string();
    let o = run(&[&"show", &case, &id]);
    assert_eq!(o.status.code(), Some(0));
    let text = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(
        text.contains("Protection:  signed (S/MIME opaque-signed, not verified)"),
        "{text}"
    );
    assert!(
        text.contains("The quarterly zanzibarite figures are attached."),
        "{text}"
    );
    assert!(
        text.contains("Attachment 1: ledger.csv (text/csv"),
        "{text}"
    );
    assert!(
        text.contains("Signature 1: smime.p7m (application/pkcs7-mime"),
        "{text}"
    );
    assert!(!text.contains("Defect:"), "{text}");
    // The damaged one says why its content is missing.
    let id = rec(DAMAGED)["id"].as_str().unwrap().to_string();
    let text = String::from_utf8_lossy(&run(&[&"show", &case, &id]).stdout).to_string();
    assert!(
        text.contains("Protection:  signed (S/MIME, not verified)"),
        "{text}"
    );
    assert!(
        text.contains("Defect:      bad_smime: smime.p7m: not a CMS object"),
        "{text}"
    );
    assert!(text.contains("Attachment 1: smime.p7m"), "{text}");
    // The import report counts the defect.
    assert!(r.to_string().contains("bad_smime"), "{r:#}");
}

#[test]
fn a_hit_only_in_the_html_alternative_has_a_snippet() {
    let t = tempfile::tempdir().unwrap();
    let src = t.path().join("alt.mbox");
    let msg = "From: Ann <ann@example.org>\nTo: bob@example.org\nSubject: Two renderings\n\
Date: Mon, 4 Jan 2016 10:00:00 +0000\nMessage-ID: <alt@example.org>\nMIME-Version: 1.0\n\
Content-Type: multipart/alternative; boundary=\"A\"\n\n\
--A\nContent-Type: text/plain\n\nPlain words only.\n\
--A\nContent-Type: text/html\n\n<p>Plain words and a <b>cassiterite</b> shipment.</p>\n\
--A--\n";
    std::fs::write(&src, mbox(&[msg.to_string()])).unwrap();
    let case = t.path().join("case");
    let (code, _, err) = import_json(&case, &[&src]);
    assert_eq!(code, 0, "{err}");
    let o = run(&[&"search", &case, &"--snippets", &"--", &"cassiterite"]);
    assert_eq!(o.status.code(), Some(0));
    let text = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(text.contains("«cassiterite» shipment"), "{text}");
    let o = run(&[
        &"search",
        &case,
        &"--format",
        &"json",
        &"--snippets",
        &"--",
        &"cassiterite",
    ]);
    let rec: Value = serde_json::from_str(String::from_utf8_lossy(&o.stdout).trim()).unwrap();
    assert!(
        rec["snippet"].as_str().unwrap().contains("cassiterite"),
        "{rec}"
    );
}
