//! Signed and encrypted mail through the real binary (issue 13, items 8
//! and 9): an mbox with a PGP/MIME-signed, an S/MIME-signed, a
//! PGP/MIME-encrypted, an inline-PGP, an S/MIME-enveloped and a plain
//! message with an attachment; `is:signed`, `is:encrypted`,
//! `has:attachment` (a signature part is not an attachment) and the flags
//! in `show --json` and `search --format json`.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Output;

use serde_json::Value;

use crate::util::*;

const HEAD: &str = "From: Ann <ann@example.org>\nTo: Bob <bob@example.org>\nDate: Mon, 4 Jan 2016 10:00:00 +0000\nMIME-Version: 1.0\n";

/// The six messages, each with a distinct subject.
fn messages() -> Vec<String> {
    vec![
        format!(
            "{HEAD}Subject: PGP signed\nMessage-ID: <s1@example.org>\n\
Content-Type: multipart/signed; micalg=pgp-sha256; protocol=\"application/pgp-signature\"; boundary=\"S1\"\n\n\
--S1\nContent-Type: text/plain\n\nSigned words.\n\
--S1\nContent-Type: application/pgp-signature; name=\"signature.asc\"\n\
Content-Disposition: attachment; filename=\"signature.asc\"\n\n\
-----BEGIN PGP SIGNATURE-----\n\niQEzBAEBCAAdFiEE\n-----END PGP SIGNATURE-----\n\
--S1--\n"
        ),
        format!(
            "{HEAD}Subject: SMIME signed\nMessage-ID: <s2@example.org>\n\
Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=sha-256; boundary=\"S2\"\n\n\
--S2\nContent-Type: text/plain\n\nAlso signed.\n\
--S2\nContent-Type: application/pkcs7-signature; name=\"smime.p7s\"\n\
Content-Transfer-Encoding: base64\nContent-Disposition: attachment; filename=\"smime.p7s\"\n\n\
MIAGCSqGSIb3DQEHAqCAMIACAQEx\n--S2--\n"
        ),
        format!(
            "{HEAD}Subject: ...\nMessage-ID: <e1@example.org>\n\
Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=\"E1\"\n\n\
--E1\nContent-Type: application/pgp-encrypted\n\nVersion: 1\n\
--E1\nContent-Type: application/octet-stream; name=\"encrypted.asc\"\n\n\
-----BEGIN PGP MESSAGE-----\n\nhQEMA1234\n-----END PGP MESSAGE-----\n\
--E1--\n"
        ),
        format!(
            "{HEAD}Subject: Inline secret\nMessage-ID: <e2@example.org>\nContent-Type: text/plain\n\n\
-----BEGIN PGP MESSAGE-----\n\nhQEMA5678\n-----END PGP MESSAGE-----\n"
        ),
        format!(
            "{HEAD}Subject: SMIME secret\nMessage-ID: <e3@example.org>\n\
Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name=\"smime.p7m\"\n\
Content-Transfer-Encoding: base64\nContent-Disposition: attachment; filename=\"smime.p7m\"\n\n\
MIAGCSqGSIb3DQEHA6CAMIACAQAx\n"
        ),
        format!(
            "{HEAD}Subject: Plain memo\nMessage-ID: <p1@example.org>\n\
Content-Type: multipart/mixed; boundary=\"M\"\n\n\
--M\nContent-Type: text/plain\n\nSee the memo.\n\
--M\nContent-Type: text/csv; name=\"donors.csv\"\n\
Content-Disposition: attachment; filename=\"donors.csv\"\n\nname,amount\n\
--M--\n"
        ),
    ]
}

fn search_json(case: &Path, query: &str) -> Vec<Value> {
    let o = run(&[&"search", &case, &"--format", &"json", &"--", &query]);
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    out.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn subjects(case: &Path, query: &str) -> BTreeSet<String> {
    search_json(case, query)
        .iter()
        .map(|r| r["subject"].as_str().unwrap_or("").to_string())
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn show_json(case: &Path, id: &str) -> Value {
    let o: Output = run(&[&"show", &case, &id, &"--json"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn signed_and_encrypted_mail_is_marked_and_signatures_are_not_attachments() {
    let t = tempfile::tempdir().unwrap();
    let src = t.path().join("leak.mbox");
    std::fs::write(&src, mbox(&messages())).unwrap();
    let case = t.path().join("case");
    let (code, r, err) = import_json(&case, &[&src]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(num(&r, "new"), 6, "{r:#}");

    assert_eq!(
        subjects(&case, "is:signed"),
        set(&["PGP signed", "SMIME signed"])
    );
    assert_eq!(
        subjects(&case, "is:encrypted"),
        set(&["...", "Inline secret", "SMIME secret"])
    );
    // A signature part does not make an attachment; the encrypted parts
    // are kept as they are.
    assert_eq!(
        subjects(&case, "has:attachment"),
        set(&["Plain memo", "...", "SMIME secret"])
    );
    assert_eq!(
        subjects(&case, "-is:signed -is:encrypted"),
        set(&["Plain memo"])
    );

    let recs = search_json(&case, "*");
    let by_subject = |s: &str| {
        recs.iter()
            .find(|r| r["subject"] == s)
            .unwrap_or_else(|| panic!("{s} missing"))
            .clone()
    };
    let pgp = by_subject("PGP signed");
    assert_eq!(pgp["signed"], "pgp");
    assert_eq!(pgp["encrypted"], Value::Null);
    assert_eq!(pgp["attachments"], serde_json::json!([]));
    assert_eq!(by_subject("SMIME secret")["encrypted"], "smime");
    assert_eq!(by_subject("Inline secret")["encrypted"], "pgp_inline");

    let shown = show_json(&case, pgp["id"].as_str().unwrap());
    assert_eq!(shown["signed"], "pgp");
    // The plain-text `show` says so, and lists the signature apart.
    let o = run(&[&"show", &case, &pgp["id"].as_str().unwrap()]);
    let text = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(
        text.contains("Protection:  signed (PGP, not verified)"),
        "{text}"
    );
    assert!(text.contains("Signature 1: signature.asc"), "{text}");
    assert!(!text.contains("Attachment 1:"), "{text}");
    assert_eq!(shown["attachments"], serde_json::json!([]));
    assert_eq!(shown["signatures"][0]["name"], "signature.asc");
    let shown = show_json(&case, by_subject("...")["id"].as_str().unwrap());
    assert_eq!(shown["encrypted"], "pgp_mime");
    assert_eq!(
        shown["subject"], "...",
        "the placeholder is kept as written"
    );
    let shown = show_json(&case, by_subject("Plain memo")["id"].as_str().unwrap());
    assert!(shown.get("signed").is_none() && shown.get("encrypted").is_none());
}
