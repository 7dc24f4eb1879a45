//! Evidence packets (issue 14) through the real binary: a signed message
//! whose key was added and an unsigned one are packed; the test opens the
//! zip and checks every file against the manifest's SHA-256s, the PDFs'
//! text (headers, DKIM verdict), the key records, the imports' audit-log
//! entries, the audit entry of the packet itself, and that importing the
//! packet's `.eml` files into a new case gives the same message ids.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use mailsift::dkim::testsign::{Spec, TestKey, sign};
use mailsift::extract::{DocKind, ExtractLimits, extract};
use mailsift::model::Sha256;

use crate::util::*;

/// The zip's entries by name.
fn unzip(path: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut z = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut out = BTreeMap::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        let mut data = Vec::new();
        f.read_to_end(&mut data).unwrap();
        out.insert(f.name().unwrap().into_owned(), data);
    }
    out
}

/// Ids of a case's messages, as `search --format json` gives them.
fn ids(case: &Path) -> Vec<String> {
    let out = run(&[
        &"search",
        &case,
        &"*",
        &"--format",
        &"json",
        &"--sort",
        &"date",
    ]);
    let mut v: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    v.sort();
    v
}

#[test]
fn an_evidence_packet_can_be_checked_without_mailsift() {
    let t = tempfile::tempdir().unwrap();
    let key = TestKey::rsa(1024);
    let plain = |subject: &str, id: &str, body: &str| {
        format!(
            "From: Ann <ann@campaign.example.org>\nTo: desk@example.org\nSubject: {subject}\nDate: Mon, 12 Oct 2015 14:02:11 -0400\nMessage-ID: <{id}@example.org>\n\n{body}"
        )
    };
    let signed = String::from_utf8(sign(
        plain("Budget final", "a", "From now on the budget is final.\n").as_bytes(),
        &Spec::new("campaign.example.org", "s2015"),
        &key,
    ))
    .unwrap()
    .replace("\r\n", "\n");
    let unsigned = plain("Lunch", "b", "Lunch at noon?\n");
    let other = plain("Unrelated", "c", "Nothing.\n");
    let src = t.path().join("src.mbox");
    std::fs::write(&src, mbox(&[signed, unsigned, other])).unwrap();
    let case = t.path().join("case");
    let (code, _, err) = import_json(&case, &[&src]);
    assert_eq!(code, 0, "{err}");
    let zone = t.path().join("keys.zone");
    std::fs::write(
        &zone,
        format!(
            "s2015._domainkey.campaign.example.org. IN TXT \"{}\"\n",
            key.record()
        ),
    )
    .unwrap();
    let o = run(&[&"keys", &"add", &case, &zone]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    // Nothing matches: exit 1, nothing written.
    let none = t.path().join("none.zip");
    let o = run(&[
        &"evidence",
        &case,
        &"--query",
        &"subject:nosuchthing",
        &"-o",
        &none,
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(!none.exists());

    let packet = t.path().join("packet.zip");
    let o = run(&[
        &"evidence",
        &case,
        &"--query",
        &"subject:budget OR subject:lunch",
        &"-o",
        &packet,
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let said = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(said.starts_with("wrote 2 messages"), "{said}");
    let zip_bytes = std::fs::read(&packet).unwrap();
    assert!(said.contains(&Sha256::of(&zip_bytes).to_hex()), "{said}");

    let files = unzip(&packet);
    let manifest: serde_json::Value = serde_json::from_slice(&files["manifest.json"]).unwrap();
    // Every file listed, with its SHA-256; nothing unlisted but the manifests.
    let listed: BTreeMap<String, String> = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["name"].as_str().unwrap().to_owned(),
                f["sha256"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    for (name, data) in &files {
        if name.starts_with("manifest.") || name == "SHA256SUMS" {
            continue;
        }
        assert_eq!(listed.get(name), Some(&Sha256::of(data).to_hex()), "{name}");
    }
    assert_eq!(listed.len() + 3, files.len());
    // A third party checks them with coreutils.
    let out_dir = t.path().join("unpacked");
    for (name, data) in &files {
        let p = out_dir.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, data).unwrap();
    }
    let check = std::process::Command::new("sha256sum")
        .args(["-c", "--strict", "SHA256SUMS"])
        .current_dir(&out_dir)
        .output()
        .expect("sha256sum runs");
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
    let sums = String::from_utf8_lossy(&check.stdout);
    assert_eq!(
        sums.lines().filter(|l| l.ends_with(": OK")).count(),
        files.len() - 1
    );
    let text_manifest = String::from_utf8(files["manifest.txt"].clone()).unwrap();
    for (name, sha) in &listed {
        assert!(
            text_manifest.contains(&format!("{sha}  {name}")),
            "{name} in manifest.txt"
        );
    }

    // The messages: the signed one verified, with its key record packed.
    let msgs = manifest["messages"].as_array().unwrap();
    assert_eq!(msgs.len(), 2);
    assert_eq!(msgs[0]["subject"], "Budget final");
    assert_eq!(msgs[0]["dkim"]["verdict"], "pass");
    assert_eq!(msgs[1]["dkim"]["verdict"], "none");
    let origin = &msgs[0]["origins"][0];
    assert!(origin["path"].as_str().unwrap().ends_with("src.mbox"));
    assert_eq!(
        origin["source_file_sha256"],
        Sha256::of(&std::fs::read(&src).unwrap()).to_hex()
    );
    let keys = String::from_utf8(files["dkim-keys.zone"].clone()).unwrap();
    assert!(
        keys.contains(&format!(
            "s2015._domainkey.campaign.example.org. IN TXT \"{}\"",
            key.record()
        )),
        "{keys}"
    );
    assert!(keys.contains("keys.zone"), "the key's source: {keys}");
    let audit = String::from_utf8(files["audit-imports.jsonl"].clone()).unwrap();
    assert_eq!(audit.lines().count(), 1, "{audit}");
    assert!(audit.contains("\"event\":\"import\""));
    assert!(files["README.txt"].starts_with(b"mailsift evidence packet: 2 message(s)"));

    // The PDF reads back: headers and the verdict.
    let pdf = &files[msgs[0]["pdf"].as_str().unwrap()];
    let text = extract(pdf, DocKind::Pdf, &ExtractLimits::default())
        .unwrap()
        .text;
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(text.contains("Ann <ann@campaign.example.org>"), "{text}");
    assert!(text.contains("Verified"), "{text}");
    assert!(
        text.contains("s2015._domainkey.campaign.example.org"),
        "{text}"
    );

    // The .eml files give the same ids in a new case.
    let emls = t.path().join("emls");
    std::fs::create_dir_all(&emls).unwrap();
    for m in msgs {
        let name = m["eml"].as_str().unwrap();
        std::fs::write(emls.join(name.rsplit('/').next().unwrap()), &files[name]).unwrap();
    }
    let again = t.path().join("again");
    let (code, _, err) = import_json(&again, &[&emls]);
    assert_eq!(code, 0, "{err}");
    let mut want: Vec<String> = msgs
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_owned())
        .collect();
    want.sort();
    assert_eq!(ids(&again), want);

    // The packet is in the case's audit log with its hash.
    let log = std::fs::read_to_string(case.join("audit.log")).unwrap();
    let entry = log
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["event"] == "evidence_packet")
        .expect("an evidence_packet entry");
    assert_eq!(entry["sha256"], Sha256::of(&zip_bytes).to_hex());

    // An unknown id: exit 2, nothing written.
    let bad = t.path().join("bad.zip");
    let o = run(&[&"evidence", &case, &"000000deadbeef", &"-o", &bad]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!bad.exists());
}
