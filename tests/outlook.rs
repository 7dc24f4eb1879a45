//! Outlook PST and `.msg` files (issue 18): real files from public test
//! suites (tests/fixtures/outlook/README.md) import with exact counts,
//! folders as labels and converted origins; View source re-renders the
//! item byte for byte; ids are stable; damaged files are reported, never
//! a crash.

use std::fs;
use std::path::{Path, PathBuf};

use mailsift::model::{Sha256, SourceFormat};
use mailsift::outlook::read_converted;
use mailsift::store::Case;

use crate::util::*;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/outlook")
        .join(name)
}

/// (subject, origin, bytes read back) of every message, by subject then node.
fn converted(case: &Path) -> Vec<(String, mailsift::model::Origin, Vec<u8>)> {
    let c = Case::open(case).unwrap();
    let mut out = Vec::new();
    for key in c.keys().unwrap() {
        let m = c.message(&key).unwrap().unwrap();
        for o in c.origins(&key).unwrap() {
            let raw = read_converted(&o).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(mailsift::source::hash_message(&raw, false).1, key);
            out.push((m.subject.clone().unwrap_or_default(), o, raw));
        }
    }
    out.sort_by(|a, b| (a.0.as_str(), a.1.offset).cmp(&(b.0.as_str(), b.1.offset)));
    out
}

fn keys(case: &Path) -> Vec<mailsift::model::MessageKey> {
    let mut k = Case::open(case).unwrap().keys().unwrap();
    k.sort();
    k
}

#[test]
fn a_pst_imports_every_mail_with_its_folder_and_converted_origin() {
    let t = tempfile::tempdir().unwrap();
    // No extension: detected by content.
    let src = t.path().join("custodian");
    fs::copy(fixture("various-bodies.pst"), &src).unwrap();
    let case = t.path().join("case");
    let (code, r, stderr) = import_json(&case, &[&src]);
    assert_eq!(code, 0, "{stderr} {r:#}");
    assert_eq!(r["sources"][0]["format"], "pst");
    // readpst 0.6.76 converts the same four mails from Inbox/tmp.
    assert_eq!(num(&r, "parsed"), 4, "{r:#}");
    assert_eq!(num(&r, "new"), 4);
    assert_reconciles(&r);

    let found = converted(&case);
    let subjects: Vec<&str> = found.iter().map(|f| f.0.as_str()).collect();
    assert_eq!(
        subjects,
        [
            "FW: original email",
            "FW: original email",
            "FW: original email",
            "original email"
        ]
    );
    let abs = fs::canonicalize(&src).unwrap();
    for (_, o, raw) in &found {
        assert_eq!(o.path, abs);
        assert_eq!(o.format, SourceFormat::Pst);
        assert_eq!(o.entry, None);
        let item = o.converted.as_deref().unwrap();
        assert!(
            item.starts_with("PST node 0x") && item.ends_with(" in \"Inbox/tmp\""),
            "{item}"
        );
        assert_eq!(
            item,
            format!("PST node 0x{:08X} in \"Inbox/tmp\"", o.offset)
        );
        let text = String::from_utf8_lossy(raw);
        assert!(
            text.contains(&format!("X-Mailsift-Converted: from {item}\r\n")),
            "{text}"
        );
        assert_eq!(o.length, raw.len() as u64);
        assert_eq!(o.raw_sha256, Sha256::of(raw));
        // View source twice: the same bytes.
        assert_eq!(&read_converted(o).unwrap(), raw);
    }
    // Sender, recipients, date and Message-ID from the item's properties.
    let c = Case::open(&case).unwrap();
    let first = c
        .keys()
        .unwrap()
        .into_iter()
        .map(|k| c.message(&k).unwrap().unwrap())
        .find(|m| m.subject.as_deref() == Some("original email"))
        .unwrap();
    assert_eq!(first.from[0].addr, "tallison@mitre.org");
    assert_eq!(first.from[0].name.as_deref(), Some("Allison, Timothy B."));
    assert_eq!(first.to[0].addr, "tallison@mitre.org");
    assert_eq!(
        first.message_id.as_deref(),
        Some("MWHPR09MB1391E30131B0D193163AA6E0C79C0@MWHPR09MB1391.namprd09.prod.outlook.com")
    );
    assert_eq!(
        first.date.map(mailsift::time::rfc3339).as_deref(),
        Some("2017-08-30T19:26:03Z")
    );
    assert_eq!(first.labels, ["Inbox/tmp"]);
    assert!(!first.body_text.trim().is_empty());
    // The file's SHA-256 is the PST's.
    let files = c.origin_files(&first.key).unwrap();
    assert_eq!(
        files[0].0.as_deref(),
        Some(Sha256::of(&fs::read(&src).unwrap()).to_hex().as_str())
    );
    drop(c);

    // folder: (and label:) find them; the CLI's View source is the rendering.
    let o = run(&[
        &"search",
        &case,
        &"--format",
        &"json",
        &"--",
        &"folder:\"Inbox/tmp\"",
    ]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(out.lines().count(), 4, "{out}");
    assert!(out.contains("\"converted\":\"PST node 0x"), "{out}");
    let id = first.key.to_hex();
    let raw1 = run(&[&"show", &case, &id, &"--raw"]).stdout;
    let raw2 = run(&[&"show", &case, &id, &"--raw"]).stdout;
    assert_eq!(raw1, raw2);
    assert!(String::from_utf8_lossy(&raw1).contains("X-Mailsift-Converted: from PST node"));

    // A new case gives the same ids.
    let case2 = t.path().join("case2");
    let (code, _, stderr) = import_json(&case2, &[&src]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(keys(&case), keys(&case2));
}

#[test]
fn damaged_psts_are_reported_not_crashed_on() {
    let t = tempfile::tempdir().unwrap();
    let good = fs::read(fixture("various-bodies.pst")).unwrap();
    // Cut in the middle.
    let cut = t.path().join("cut.pst");
    fs::write(&cut, &good[..good.len() / 3]).unwrap();
    // Bytes overwritten in the middle of the file.
    let mut flipped = good.clone();
    let mid = flipped.len() / 2;
    for b in &mut flipped[mid..mid + 8192] {
        *b ^= 0xA5;
    }
    let bad = t.path().join("flipped.pst");
    fs::write(&bad, &flipped).unwrap();
    // Not a PST at all behind the magic.
    let mut junk = b"!BDN".to_vec();
    junk.resize(100_000, 0x41);
    let junk_path = t.path().join("junk.pst");
    fs::write(&junk_path, &junk).unwrap();
    for src in [&cut, &bad, &junk_path] {
        let case = t.path().join(format!(
            "case-{}",
            src.file_name().unwrap().to_string_lossy()
        ));
        let (code, r, stderr) = import_json(&case, &[src.as_path()]);
        assert!(code == 0 || code == 1, "{code} {stderr} {r:#}");
        assert_reconciles(&r);
        assert!(num(&r, "parsed") <= 4, "{r:#}");
        let notes = r["notes"].to_string();
        if num(&r, "parsed") < 4 {
            assert!(
                notes.contains(&*src.file_name().unwrap().to_string_lossy()),
                "{notes} {r:#}"
            );
        }
    }
    let (_, r, _) = import_json(&t.path().join("case-junk2"), &[junk_path.as_path()]);
    let notes = r["notes"].to_string();
    assert!(notes.contains("cannot be read as a PST"), "{notes}");
    assert_eq!(num(&r, "parsed"), 0);
}

#[test]
fn a_passworded_pst_says_so_and_reads_without_the_password() {
    let t = tempfile::tempdir().unwrap();
    let case = t.path().join("case");
    let src = fixture("passworded.pst");
    let (code, r, stderr) = import_json(&case, &[&src]);
    assert_eq!(code, 0, "{stderr} {r:#}");
    assert_eq!(num(&r, "parsed"), 0, "{r:#}");
    let notes = r["notes"].to_string();
    assert!(notes.contains("Outlook password"), "{notes}");
    // Its contact and calendar items are not mail: counted, not imported.
    assert!(notes.contains("not mail"), "{notes}");
}

#[test]
fn msg_files_in_a_folder_import_as_converted_messages() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("msgs");
    fs::create_dir(&dir).unwrap();
    fs::copy(fixture("test.msg"), dir.join("a.msg")).unwrap();
    fs::copy(fixture("with-msg-attachment.msg"), dir.join("b")).unwrap();
    // A legacy Office file (a compound file, not a message) is not mail.
    fs::write(
        dir.join("c.doc"),
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 not really a document",
    )
    .unwrap();
    let case = t.path().join("case");
    let (code, r, stderr) = import_json(&case, &[&dir]);
    assert_eq!(code, 0, "{stderr} {r:#}");
    assert_eq!(num(&r, "parsed"), 2, "{r:#}");
    assert_eq!(num(&r, "skipped"), 1, "{r:#}");
    assert_reconciles(&r);
    let found = converted(&case);
    assert_eq!(found.len(), 2);
    for (_, o, raw) in &found {
        assert_eq!(o.format, SourceFormat::Msg);
        assert_eq!(o.converted.as_deref(), Some("MSG file"));
        assert_eq!(o.offset, 0);
        assert!(String::from_utf8_lossy(raw).contains("X-Mailsift-Converted: from MSG file\r\n"));
    }
    let c = Case::open(&case).unwrap();
    let with_att = found
        .iter()
        .find(|f| f.1.path.ends_with("b"))
        .map(|f| {
            c.message(&mailsift::source::hash_message(&f.2, false).1)
                .unwrap()
                .unwrap()
        })
        .unwrap();
    assert!(
        !with_att.attachments.is_empty(),
        "{:?}",
        with_att.attachments
    );
    // The same ids again.
    let case2 = t.path().join("case2");
    let (code, _, stderr) = import_json(&case2, &[&dir]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(keys(&case), keys(&case2));
}

/// A PST over 8 MB is walked from the file by the reader thread (not read
/// whole) and hashed in a pass of its own; trailing bytes past its
/// B-trees are ignored by the format. Prefix search on folders works.
#[test]
fn a_large_pst_is_walked_from_the_file() {
    let t = tempfile::tempdir().unwrap();
    let mut big = fs::read(fixture("various-bodies.pst")).unwrap();
    big.resize(9_000_000, 0);
    let src = t.path().join("big.pst");
    fs::write(&src, &big).unwrap();
    let case = t.path().join("case");
    let (code, r, stderr) = import_json(&case, &[&src]);
    assert_eq!(code, 0, "{stderr} {r:#}");
    assert_eq!(num(&r, "parsed"), 4, "{r:#}");
    assert_reconciles(&r);
    let c = Case::open(&case).unwrap();
    let key = c.keys().unwrap()[0];
    assert_eq!(
        c.origin_files(&key).unwrap()[0].0.as_deref(),
        Some(Sha256::of(&big).to_hex().as_str())
    );
    drop(c);
    let o = run(&[
        &"search",
        &case,
        &"--format",
        &"json",
        &"--",
        &"folder:inbox/*",
    ]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        out.lines().filter(|l| l.starts_with('{')).count(),
        4,
        "{out}"
    );
    assert!(converted(&case).iter().all(|f| f.1.converted.is_some()));
}
