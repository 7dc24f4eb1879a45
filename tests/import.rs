//! The import engine through the real binary and the library: message
//! boundaries, nothing lost, limits, decoding, duplicates, sources as
//! evidence.

use std::fs;
use std::io::Write;
use std::path::Path;

use mailsift::model::{DefectKind, ParseStatus};
use mailsift::source::{hash_message, read_raw};
use mailsift::store::Case;
use mailsift::synth::encode::base64_mime;
use mailsift::synth::rng::Rng;

use crate::util::*;

/// Checks every message of a case: each origin's bytes read back from the
/// source match the recorded SHA-256, and give the message's key.
fn assert_raw_bytes_reachable(case: &Path) -> usize {
    let case = Case::open(case).unwrap();
    let mut n = 0;
    for key in case.keys().unwrap() {
        let origins = case.origins(&key).unwrap();
        assert!(!origins.is_empty(), "message {key} has an origin");
        for o in origins {
            let raw = read_raw(&o).unwrap_or_else(|e| panic!("{e}"));
            let quoted = matches!(
                o.format,
                mailsift::model::SourceFormat::Mbox | mailsift::model::SourceFormat::MboxGz
            );
            assert_eq!(hash_message(&raw, quoted).1, key, "{o:?}");
            n += 1;
        }
    }
    n
}

fn first_with_subject(case: &Path, subject: &str) -> mailsift::model::Message {
    let case = Case::open(case).unwrap();
    for key in case.keys().unwrap() {
        let m = case.message(&key).unwrap().unwrap();
        if m.subject.as_deref() == Some(subject) {
            return m;
        }
    }
    panic!("no message with subject {subject:?}");
}

#[test]
fn mbox_boundaries_quoting_and_junk() {
    let t = tempfile::tempdir().unwrap();
    let src = t.path().join("src");
    fs::create_dir(&src).unwrap();
    let one = message(
        "ann@ncpc.example.org",
        "phone",
        "1@x",
        "Call me.\n\nFrom here on we talk by phone.\n\nFrom the desk of Ann\n>From quoted already",
    );
    let two = message("bob@ncpc.example.org", "two", "2@x", "second");
    let three = message("cy@ncpc.example.org", "three", "3@x", "third");
    let data = format!("leading junk line\n\n{}", mbox(&[one, two, three]));
    // No .mbox extension: detected by content.
    fs::write(src.join("export"), &data).unwrap();
    let case = t.path().join("case");
    let (code, r, stderr) = import_json(&case, &[&src.join("export")]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(num(&r, "found"), 3);
    assert_eq!(num(&r, "parsed"), 3);
    assert_eq!(r["sources"][0]["format"], "mbox");
    assert_reconciles(&r);
    let notes = r["notes"].as_array().unwrap();
    assert_eq!(notes.len(), 1, "junk is reported");
    assert!(notes[0]["text"].as_str().unwrap().contains("19 bytes"));
    let m = first_with_subject(&case, "phone");
    assert!(m.body_text.contains("\nFrom here on we talk by phone.\n"));
    assert!(
        m.body_text.contains("\nFrom the desk of Ann\n"),
        "mboxrd quoting removed"
    );
    assert!(
        m.body_text.contains("\n>From quoted already"),
        "one level removed only"
    );
    assert_eq!(assert_raw_bytes_reachable(&case), 3);
}

#[test]
fn content_length_truncation_and_crlf() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    // mboxcl2: a trusted Content-Length keeps an unquoted From_ line in the body.
    let body = "Look:\n\nFrom cy@example.org Mon Oct 12 14:02:11 2015\nnot a header\n";
    let cl2 = format!(
        "From a@x Mon Oct 12 14:02:11 2015\nFrom: a@example.org\nSubject: cl2\nMessage-ID: <cl@x>\nContent-Length: {}\n\n{body}\nFrom b@x Mon Oct 12 14:02:11 2015\nFrom: b@example.org\nSubject: after\n\nz\n",
        body.len()
    );
    fs::write(d.join("cl2.mbox"), cl2).unwrap();
    // A lying Content-Length: two more messages must still be found.
    let liar = format!(
        "From a@x Mon Oct 12 14:02:11 2015\nFrom: a@example.org\nSubject: liar\nContent-Length: 99999\n\nshort\n\n{}",
        mbox(&[
            message("b@x", "after liar 1", "l1@x", "one"),
            message("c@x", "after liar 2", "l2@x", "two")
        ])
    );
    fs::write(d.join("liar.mbox"), liar).unwrap();
    // Truncated: the last message is cut mid-attachment.
    let cut = format!(
        "{}From z@x Mon Oct 12 14:02:11 2015\nFrom: z@example.org\nSubject: cut\nContent-Type: multipart/mixed; boundary=zz\n\n--zz\nContent-Type: text/plain\n\nsee pdf\n--zz\nContent-Type: application/pdf\nContent-Transfer-Encoding: base64\n\nJVBERi0xLjQKJcfs",
        mbox(&[message("y@x", "whole", "w@x", "fine")])
    );
    fs::write(d.join("cut.mbox"), cut).unwrap();
    let crlf = mbox(&[
        message("a@x", "crlf 1", "c1@x", "x"),
        message("b@x", "crlf 2", "c2@x", "y"),
    ])
    .replace('\n', "\r\n");
    fs::write(d.join("crlf.mbox"), crlf).unwrap();
    let case = d.join("case");
    let (code, r, _) = import_json(
        &case,
        &[
            &d.join("cl2.mbox"),
            &d.join("liar.mbox"),
            &d.join("cut.mbox"),
            &d.join("crlf.mbox"),
        ],
    );
    assert_eq!(code, 0);
    let found: Vec<u64> = r["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| num(s, "found"))
        .collect();
    assert_eq!(found, [2, 3, 2, 2]);
    assert_eq!(num(&r, "defects.bad_content_length"), 1);
    assert_eq!(num(&r, "defects.truncated"), 1);
    assert_reconciles(&r);
    assert!(
        first_with_subject(&case, "cl2")
            .body_text
            .contains("\nFrom cy@example.org Mon Oct")
    );
    let cut = first_with_subject(&case, "cut");
    assert!(cut.has_defect(DefectKind::Truncated));
    assert_eq!(cut.body_text, "see pdf");
    assert_eq!(first_with_subject(&case, "crlf 2").body_text, "y\n");
    assert_eq!(assert_raw_bytes_reachable(&case), 9);
}

#[test]
fn folders_maildirs_gzip_and_skipped_files() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("dump");
    fs::create_dir_all(root.join("maildir/cur")).unwrap();
    fs::create_dir_all(root.join("maildir/new")).unwrap();
    fs::create_dir_all(root.join("maildir/tmp")).unwrap();
    for i in 1..=12 {
        fs::write(
            root.join(format!("{i}.eml")),
            message(
                "staff@ncpc.example.org",
                &format!("memo {i}"),
                &format!("m{i}@x"),
                "text",
            )
            .replace('\n', "\r\n"),
        )
        .unwrap();
    }
    fs::write(
        root.join("maildir/cur/1445000000.M1P2.host:2,RS"),
        message("a@x", "seen", "s@x", "x"),
    )
    .unwrap();
    fs::write(
        root.join("maildir/new/1445000001.M1P2.host"),
        message("a@x", "new", "n@x", "x"),
    )
    .unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(
        mbox(&[
            message("p@x", "gz 1", "g1@x", "a"),
            message("p@x", "gz 2", "g2@x", "b"),
        ])
        .as_bytes(),
    )
    .unwrap();
    fs::write(root.join("podesta.bin"), gz.finish().unwrap()).unwrap();
    fs::write(root.join("README.txt"), "This folder holds the dump.\n").unwrap();
    fs::write(root.join("logo.png"), b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap();
    fs::write(root.join("empty.eml"), b"").unwrap();
    let case = t.path().join("case");
    let (code, r, _) = import_json(&case, &[&root]);
    assert_eq!(code, 0);
    assert_eq!(num(&r, "found"), 12 + 2 + 2 + 3);
    assert_eq!(num(&r, "parsed"), 16);
    assert_eq!(num(&r, "skipped"), 3);
    assert_reconciles(&r);
    let reasons: Vec<String> = r["skipped_files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            format!(
                "{} {}",
                s["path"].as_str().unwrap(),
                s["reason"].as_str().unwrap()
            )
        })
        .collect();
    assert!(
        reasons
            .iter()
            .any(|s| s.contains("README.txt") && s.contains("without mail headers")),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|s| s.contains("logo.png") && s.contains("PNG image"))
    );
    assert!(
        reasons
            .iter()
            .any(|s| s.contains("empty.eml") && s.contains("empty file"))
    );
    let c = Case::open(&case).unwrap();
    let seen = first_with_subject(&case, "seen");
    let origins = c.origins(&seen.key).unwrap();
    assert_eq!(origins[0].maildir_flags.as_deref(), Some("RS"));
    let gz1 = first_with_subject(&case, "gz 1");
    assert_eq!(
        c.origins(&gz1.key).unwrap()[0].format,
        mailsift::model::SourceFormat::MboxGz
    );
    assert_eq!(assert_raw_bytes_reachable(&case), 16);
    // The folder's sources entry has a hash; stats agree with the report.
    assert_eq!(r["sources"][0]["sha256"].as_str().unwrap().len(), 64);
    let out = run(&[&"stats", &case, &"--json"]);
    let stats: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for key in [
        "found",
        "parsed",
        "raw_only",
        "skipped",
        "duplicates",
        "messages",
    ] {
        assert_eq!(num(&stats, key), num(&r, key), "{key}");
    }
}

#[test]
fn duplicates_are_counted_and_stored_once() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    let shared = message("ann@ncpc.example.org", "shared", "shared@x", "same bytes");
    fs::create_dir(d.join("dnc")).unwrap();
    fs::write(d.join("dnc/1.eml"), shared.replace('\n', "\r\n")).unwrap();
    fs::write(d.join("dnc/2.eml"), &shared).unwrap();
    // Same Message-ID, different bytes.
    fs::write(
        d.join("dnc/3.eml"),
        message("ann@ncpc.example.org", "shared", "shared@x", "edited"),
    )
    .unwrap();
    fs::write(
        d.join("podesta.mbox"),
        mbox(&[shared.clone(), message("b@x", "other", "o@x", "o")]),
    )
    .unwrap();
    let case = d.join("case");
    let (code, r, _) = import_json(&case, &[&d.join("dnc"), &d.join("podesta.mbox")]);
    assert_eq!(code, 0);
    assert_eq!(num(&r, "found"), 5);
    assert_eq!(num(&r, "duplicates"), 2, "{r:#}");
    assert_eq!(num(&r, "new"), 3);
    assert_eq!(num(&r, "messages"), 3);
    assert_reconciles(&r);
    let c = Case::open(&case).unwrap();
    let keys = c.keys().unwrap();
    let flagged: Vec<_> = keys
        .iter()
        .map(|k| c.message(k).unwrap().unwrap())
        .filter(|m| m.has_defect(DefectKind::DuplicateMessageId))
        .collect();
    assert_eq!(
        flagged.len(),
        2,
        "both messages with the shared Message-ID are flagged"
    );
    let shared_key = flagged
        .iter()
        .find(|m| m.body_text.contains("same bytes"))
        .unwrap()
        .key;
    assert_eq!(c.origins(&shared_key).unwrap().len(), 3, "all origins kept");

    // Importing again adds nothing and reads nothing.
    let (code, again, _) = import_json(&case, &[&d.join("dnc"), &d.join("podesta.mbox")]);
    assert_eq!(code, 0);
    assert_eq!(num(&again, "found"), 0);
    assert_eq!(num(&again, "unchanged_files"), 4);
    // The sources' hashes do not depend on whether files were read again.
    assert_eq!(
        again["sources"],
        r["sources"]
            .clone()
            .as_array()
            .map(|v| {
                v.iter()
                    .map(|src| {
                        let mut src = src.clone();
                        for k in ["found", "parsed", "new", "duplicates"] {
                            src[k] = serde_json::json!(0);
                        }
                        src["unchanged_files"] =
                            serde_json::json!(if src["format"] == "folder" { 3 } else { 1 });
                        src
                    })
                    .collect::<serde_json::Value>()
            })
            .unwrap()
    );
    let mbox_sha = mailsift::model::Sha256::of(&fs::read(d.join("podesta.mbox")).unwrap()).to_hex();
    assert_eq!(r["sources"][1]["sha256"], mbox_sha.as_str());
    assert_eq!(num(&again, "messages"), 3);
    // --rescan reads again and recognises everything.
    let out = mailsift()
        .args(["import", "--json", "--quiet", "--rescan"])
        .arg(&case)
        .arg(d.join("dnc"))
        .output()
        .unwrap();
    let rescan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(num(&rescan, "already_present"), 3);
    assert_eq!(num(&rescan, "new"), 0);
    assert_eq!(c.keys().unwrap(), keys, "same IDs");
}

#[test]
fn hostile_structure_is_bounded() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path().join("hostile");
    fs::create_dir(&d).unwrap();
    let head = "From: x@example.org\nDate: Mon, 12 Oct 2015 14:02:11 -0400\n";
    // 300 nested multiparts.
    let mut deep = format!("{head}Subject: deep\nMessage-ID: <deep@x>\n");
    for i in 0..300 {
        deep.push_str(&format!(
            "Content-Type: multipart/mixed; boundary=\"n{i}z\"\n\n--n{i}z\n"
        ));
    }
    deep.push_str("Content-Type: text/plain\n\nbottom\n");
    fs::write(d.join("deep.eml"), deep).unwrap();
    // 20,000 parts.
    let mut many = format!(
        "{head}Subject: many\nMessage-ID: <many@x>\nContent-Type: multipart/mixed; boundary=p\n\n"
    );
    for i in 0..20_000 {
        many.push_str(&format!(
            "--p\nContent-Type: text/plain; name=\"{i}.txt\"\n\n{i}\n"
        ));
    }
    many.push_str("--p--\n");
    fs::write(d.join("many.eml"), many).unwrap();
    // A 3 MB header line.
    let long = format!(
        "{head}Subject: {}\nMessage-ID: <long@x>\n\nbody\n",
        "A".repeat(3 << 20)
    );
    fs::write(d.join("long.eml"), long).unwrap();
    // A 30 MB attachment.
    let mut big = format!(
        "{head}Subject: big\nMessage-ID: <big@x>\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nsee attached\n--b\nContent-Type: application/octet-stream; name=\"big.bin\"\nContent-Transfer-Encoding: base64\n\n"
    );
    let line = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2\n";
    for _ in 0..(30 << 20) / 48 {
        big.push_str(line);
    }
    big.push_str("--b--\n");
    fs::write(d.join("big.eml"), big).unwrap();
    let case = t.path().join("case");
    let (code, r, _) = import_json(&case, &[&d]);
    assert_eq!(code, 0);
    assert_eq!(num(&r, "found"), 4);
    assert_eq!(num(&r, "raw_only"), 1, "{r:#}");
    assert_eq!(num(&r, "defects.too_deep"), 1);
    assert_eq!(num(&r, "defects.too_many_parts"), 1);
    assert_eq!(num(&r, "defects.header_too_long"), 1);
    let deep = first_with_subject(&case, "deep");
    assert_eq!(deep.status, ParseStatus::RawOnly);
    assert_eq!(
        deep.message_id.as_deref(),
        Some("deep@x"),
        "headers recovered"
    );
    let big = first_with_subject(&case, "big");
    assert_eq!(big.attachments[0].size, (30 << 20) / 48 * 48);
    assert_eq!(big.attachments[0].name.as_deref(), Some("big.bin"));
}

#[test]
fn charsets_are_decoded() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path().join("mail");
    fs::create_dir(&d).unwrap();
    let mut ru = b"From: =?koi8-r?B?6czY0SDp18HOz9c=?= <ilya@example.org>\nSubject: =?koi8-r?B?8NLJ18XU?=\nDate: Mon, 12 Oct 2015 14:02:11 -0400\nMessage-ID: <ru@x>\nContent-Type: text/plain; charset=koi8-r\n\n".to_vec();
    ru.extend_from_slice(&encoding_rs::KOI8_R.encode("Встреча в Москве").0);
    fs::write(d.join("ru.eml"), ru).unwrap();
    let mut jp = b"From: a@example.org\nSubject: jp\nDate: Mon, 12 Oct 2015 14:02:11 -0400\nMessage-ID: <jp@x>\nContent-Type: text/plain; charset=iso-2022-jp\n\n".to_vec();
    jp.extend_from_slice(&encoding_rs::ISO_2022_JP.encode("会議の資料").0);
    fs::write(d.join("jp.eml"), jp).unwrap();
    let raw8 = b"From: Ren\xe9 <rene@example.org>\nSubject: Caf\xe9\nDate: Mon, 12 Oct 2015 14:02:11 -0400\nMessage-ID: <r8@x>\n\nx\n";
    fs::write(d.join("raw8.eml"), raw8).unwrap();
    let unknown = b"From: a@example.org\nSubject: unknown\nDate: Mon, 12 Oct 2015 14:02:11 -0400\nMessage-ID: <u@x>\nContent-Type: text/plain; charset=x-unknown-foo\n\ncaf\xe9\n";
    fs::write(d.join("unknown.eml"), unknown).unwrap();
    let case = t.path().join("case");
    let (code, r, _) = import_json(&case, &[&d]);
    assert_eq!(code, 0);
    assert_eq!(num(&r, "defects.raw_8bit_header"), 1);
    assert_eq!(num(&r, "defects.unknown_charset"), 1);
    let ru = first_with_subject(&case, "Привет");
    assert_eq!(ru.body_text, "Встреча в Москве");
    assert_eq!(ru.from[0].name.as_deref(), Some("Илья Иванов"));
    assert_eq!(first_with_subject(&case, "jp").body_text, "会議の資料");
    assert_eq!(
        first_with_subject(&case, "Café").from[0].name.as_deref(),
        Some("René")
    );
    assert_eq!(first_with_subject(&case, "unknown").body_text, "café\n");
}

#[test]
fn unusable_sources_fail_clearly_after_importing_the_rest() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    fs::write(d.join("good.eml"), message("a@x", "good", "g@x", "x")).unwrap();
    let noise: Vec<u8> = (0..5000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    fs::write(d.join("random.bin"), noise).unwrap();
    let case = d.join("case");
    let out = mailsift()
        .args(["import", "--quiet"])
        .arg(&case)
        .arg(d.join("missing.mbox"))
        .arg(d.join("random.bin"))
        .arg(d.join("good.eml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("missing.mbox: no such file or folder"),
        "{stderr}"
    );
    assert!(
        stderr.contains("random.bin: not a mailbox or mail file (binary data)"),
        "{stderr}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("case now holds 1 messages"), "{stdout}");
    // A case folder that is not a case is refused, naming it.
    let out = mailsift()
        .args(["import", "--quiet"])
        .arg(d)
        .arg(d.join("good.eml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a mailsift case"));
}

#[test]
fn sources_are_never_touched() {
    let t = tempfile::tempdir().unwrap();
    let src = t.path().join("evidence");
    fs::create_dir(&src).unwrap();
    fs::write(src.join("a.mbox"), mbox(&[message("a@x", "a", "a@x", "x")])).unwrap();
    fs::write(src.join("b.eml"), message("b@x", "b", "b@x", "y")).unwrap();
    fs::write(src.join("notes.txt"), "not mail").unwrap();
    // Read-only, as evidence folders should be.
    for f in ["a.mbox", "b.eml", "notes.txt"] {
        let mut p = fs::metadata(src.join(f)).unwrap().permissions();
        p.set_readonly(true);
        fs::set_permissions(src.join(f), p).unwrap();
    }
    let before = tree_state(&src);
    let case = t.path().join("case");
    let (code, r, _) = import_json(&case, &[&src]);
    assert_eq!(code, 0);
    assert_eq!(num(&r, "new"), 2);
    assert_eq!(
        tree_state(&src),
        before,
        "no byte, file or timestamp changed"
    );
    // A case folder inside the source folder is refused before anything is written.
    let out = run(&[&"import", &src.join("case"), &src]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("inside the source folder"));
    assert_eq!(tree_state(&src), before);
}

/// Reading evidence does not change even its access time (Linux
/// `O_NOATIME`, allowed for the files' owner): with access times older
/// than the modification times, a plain read would update them (relatime).
#[cfg(target_os = "linux")]
#[test]
fn importing_keeps_the_sources_access_times() {
    use std::time::{Duration, SystemTime};
    let t = tempfile::tempdir().unwrap();
    let src = t.path().join("evidence");
    fs::create_dir_all(src.join("cur")).unwrap();
    fs::create_dir_all(src.join("new")).unwrap();
    fs::create_dir_all(src.join("tmp")).unwrap();
    let big_body = "x".repeat(80);
    let big: Vec<String> = (0..15_000)
        .map(|i| message("a@x", &format!("m{i}"), &format!("{i}@x"), &big_body))
        .collect();
    let files = [
        (src.join("big.mbox"), mbox(&big)),
        (
            src.join("small.mbox"),
            mbox(&[message("a@x", "a", "a@x", "x")]),
        ),
        (src.join("cur/1.host:2,S"), message("c@x", "c", "c@x", "z")),
        (src.join("one.eml"), message("b@x", "b", "b@x", "y")),
    ];
    let old = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    for (path, text) in &files {
        fs::write(path, text).unwrap();
        let f = fs::File::options().write(true).open(path).unwrap();
        f.set_times(fs::FileTimes::new().set_accessed(old)).unwrap();
    }
    assert!(
        fs::metadata(&files[0].0).unwrap().len() > 1 << 20,
        "a large file too"
    );
    let case = t.path().join("case");
    let (code, r, _) = import_json(&case, &[&src]);
    assert_eq!(code, 0);
    assert_eq!(num(&r, "new"), 15_003);
    for (path, _) in &files {
        assert_eq!(
            fs::metadata(path).unwrap().accessed().unwrap(),
            old,
            "the import changed the access time of {}",
            path.display()
        );
    }
}

/// About `n` characters of base64 lines of random bytes, which do not
/// compress (like attached scans).
fn incompressible_base64(n: usize, seed: u64) -> String {
    let mut rng = Rng::new(seed);
    let bytes: Vec<u8> = (0..n * 3 / 4 / 8)
        .flat_map(|_| rng.next_u64().to_le_bytes())
        .collect();
    String::from_utf8_lossy(&base64_mime(&bytes)).into_owned()
}

#[test]
fn a_large_gzip_mbox_is_read_back_through_checkpoints() {
    let t = tempfile::tempdir().unwrap();
    let src = t.path().join("src");
    fs::create_dir(&src).unwrap();
    // 40 messages of ~1 MB of incompressible base64: a 40 MB stream and a
    // gzip file over the small-file size, so it is streamed and indexed.
    let msgs: Vec<String> = (0..40)
        .map(|i| {
            format!(
                "From: p{i}@x\nSubject: scan {i}\nMessage-ID: <scan{i}@x>\nDate: Mon, 1 Feb 2016 10:00:00 +0000\n\n{}",
                incompressible_base64(1 << 20, i + 1)
            )
        })
        .collect();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(mbox(&msgs).as_bytes()).unwrap();
    let path = src.join("podesta.mbox.gz");
    fs::write(&path, gz.finish().unwrap()).unwrap();
    assert!(fs::metadata(&path).unwrap().len() > 8 << 20);

    let case = t.path().join("case");
    let (code, r, err) = import_json(&case, &[&path]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(num(&r, "new"), 40);

    let c = Case::open(&case).unwrap();
    let last = first_with_subject(&case, "scan 39");
    let origin = c.origins(&last.key).unwrap().remove(0);
    assert!(origin.offset > 32 << 20, "{origin:?}");
    let cp = c
        .gz_checkpoint(&origin.path, origin.offset)
        .expect("a checkpoint before the last message");
    assert!(
        cp.out_offset >= 32 << 20 && cp.out_offset <= origin.offset,
        "{cp:?}"
    );
    // Through the checkpoint, the exact bytes (their SHA-256 is checked).
    let via = mailsift::source::read_raw_from(&origin, Some(&cp)).unwrap();
    assert_eq!(via, read_raw(&origin).unwrap());
    assert_eq!(hash_message(&via, true).1, last.key);
    // And through the CLI.
    let out = run(&[&"show", &case, &last.key.to_hex(), &"--raw"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(out.stdout, via);
}
