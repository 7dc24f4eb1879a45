//! Archives opened in place (zip, tar, tar.gz, nested) and Apple Mail's
//! `.emlx`: counts, origins naming the archive and the entry, View source
//! bytes equal to the original file's, stable ids, encrypted entries,
//! damaged archives and an archive bomb reported.

use std::fs;
use std::io::{Cursor, Write};
use std::path::Path;

use mailsift::model::{DefectKind, Sha256, SourceFormat};
use mailsift::source::read_raw;
use mailsift::store::Case;

use crate::util::*;

fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes) in files {
        w.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(bytes).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn tar_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, bytes) in files {
        let mut h = tar::Header::new_gnu();
        h.set_size(bytes.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, name, *bytes).unwrap();
    }
    b.into_inner().unwrap()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// Marks the zip entry named `name` as encrypted (bit 0 of its general
/// purpose flags, in its local header and its central directory record).
fn mark_encrypted(zip: &mut [u8], name: &str) {
    let n = name.as_bytes();
    let mut i = 0;
    while i + 46 < zip.len() {
        if zip[i..].starts_with(b"PK\x03\x04") && zip[i + 30..].starts_with(n) {
            zip[i + 6] |= 1;
        }
        if zip[i..].starts_with(b"PK\x01\x02") && zip[i + 46..].starts_with(n) {
            zip[i + 8] |= 1;
        }
        i += 1;
    }
}

/// (origin shown path, entry, bytes read back) of every message, checked
/// against its key; by subject.
fn origins_by_subject(case: &Path) -> Vec<(String, mailsift::model::Origin, Vec<u8>)> {
    let c = Case::open(case).unwrap();
    let mut out = Vec::new();
    for key in c.keys().unwrap() {
        let m = c.message(&key).unwrap().unwrap();
        for o in c.origins(&key).unwrap() {
            let raw = read_raw(&o).unwrap_or_else(|e| panic!("{e}"));
            out.push((m.subject.clone().unwrap_or_default(), o, raw));
        }
    }
    out.sort_by_key(|a| a.1.display_path());
    out
}

fn msg(subject: &str) -> String {
    message(
        "ann@ncpc.example.org",
        subject,
        &format!("{subject}@x"),
        "text",
    )
}

#[test]
fn zip_of_eml_and_mbox_imports_with_entry_origins() {
    let t = tempfile::tempdir().unwrap();
    let a = msg("alpha").replace('\n', "\r\n");
    let b = msg("beta");
    let box_ = mbox(&[msg("gamma"), msg("delta")]);
    let mut z = zip_of(&[
        ("folder/a.eml", a.as_bytes()),
        ("folder/b.eml", b.as_bytes()),
        ("box.mbox", box_.as_bytes()),
        ("readme.txt", b"nothing to see here\n"),
        ("secret/c.eml", msg("hidden").as_bytes()),
    ]);
    mark_encrypted(&mut z, "secret/c.eml");
    // No extension: detected by content.
    let src = t.path().join("dump");
    fs::write(&src, &z).unwrap();
    let case = t.path().join("case");
    let (code, r, stderr) = import_json(&case, &[&src]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(r["sources"][0]["format"], "zip");
    assert_eq!(num(&r, "parsed"), 4, "{r:#}");
    assert_eq!(num(&r, "new"), 4);
    assert_eq!(num(&r, "skipped"), 2);
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
        reasons.iter().any(|s| s.contains("dump!/secret/c.eml")
            && s.contains("entry secret/c.eml in ")
            && s.contains("is encrypted: not read")),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|s| s.contains("dump!/readme.txt") && s.contains("not mail"))
    );

    let found = origins_by_subject(&case);
    let subjects: Vec<&str> = found.iter().map(|f| f.0.as_str()).collect();
    assert_eq!(subjects, ["gamma", "delta", "alpha", "beta"]);
    let abs = fs::canonicalize(&src).unwrap();
    for (_, o, _) in &found {
        assert_eq!(o.path, abs);
    }
    let (_, oa, raw_a) = &found[2];
    assert_eq!(oa.entry.as_deref(), Some("folder/a.eml"));
    assert_eq!(oa.format, SourceFormat::Eml);
    assert_eq!(raw_a, a.as_bytes(), "View source gives the entry's bytes");
    assert_eq!(Sha256::of(raw_a), Sha256::of(a.as_bytes()));
    assert_eq!(
        oa.display_path(),
        format!("{}!/folder/a.eml", abs.display())
    );
    // The mbox entry: offsets inside the entry, after each From_ line.
    let (_, og, raw_g) = &found[0];
    assert_eq!(og.entry.as_deref(), Some("box.mbox"));
    assert_eq!(og.format, SourceFormat::Mbox);
    let start = box_.find("From: ann").unwrap();
    assert_eq!(og.offset, start as u64);
    assert_eq!(&box_.as_bytes()[start..start + raw_g.len()], &raw_g[..]);
    assert!(found[1].1.offset > og.offset);

    // The archive's SHA-256 is the source file's.
    let c = Case::open(&case).unwrap();
    let key = c.keys().unwrap()[0];
    let files = c.origin_files(&key).unwrap();
    assert_eq!(
        files[0].0.as_deref(),
        Some(Sha256::of(&z).to_hex().as_str())
    );
    drop(c);

    // The origin line, View source and search by path name the entry.
    let id = mailsift::source::hash_message(raw_a, false).1.to_hex();
    let show = run(&[&"show", &case, &id]);
    let text = String::from_utf8_lossy(&show.stdout);
    assert!(
        text.contains(&format!(
            "Origin:      {}!/folder/a.eml @0 +",
            abs.display()
        )),
        "{text}"
    );
    let raw = run(&[&"show", &case, &id, &"--raw"]);
    assert_eq!(raw.stdout, a.as_bytes());
    let o = run(&[
        &"search",
        &case,
        &"--format",
        &"json",
        &"--",
        &"source:folder/b.eml",
    ]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.contains("beta"));

    // Same ids from a new case; nothing read again in this one.
    let case2 = t.path().join("case2");
    let (code, _, stderr) = import_json(&case2, &[&src]);
    assert_eq!(code, 0, "{stderr}");
    let keys = |p: &Path| {
        let mut k = Case::open(p).unwrap().keys().unwrap();
        k.sort();
        k
    };
    assert_eq!(keys(&case), keys(&case2));
    let (code, r, _) = import_json(&case, &[&src]);
    assert_eq!(code, 0);
    assert_eq!(num(&r, "unchanged_files"), 1, "{r:#}");
    assert_eq!(num(&r, "new"), 0);
    // Read again whole (as an import resumed after a kill reads an
    // archive it had not finished): the same entries' rows, each message
    // already present from there, no duplicate.
    let out = run(&[&"import", &case, &src, &"--rescan", &"--json", &"--quiet"]);
    assert_eq!(out.status.code(), Some(0));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(num(&r, "already_present"), 4, "{r:#}");
    assert_eq!(num(&r, "duplicates") + num(&r, "new"), 0, "{r:#}");
    assert_eq!(origins_by_subject(&case).len(), 4);
}

#[test]
fn nested_tar_gz_zip_and_mbox_gz() {
    let t = tempfile::tempdir().unwrap();
    let inner = zip_of(&[("m/one.eml", msg("one").as_bytes())]);
    let boxgz = gzip(mbox(&[msg("two"), msg("three")]).as_bytes());
    let tgz = gzip(&tar_of(&[
        ("x/inner.zip", &inner),
        ("x/box.mbox.gz", &boxgz),
    ]));
    let dir = t.path().join("src");
    fs::create_dir(&dir).unwrap();
    fs::write(dir.join("a.tgz"), &tgz).unwrap();
    fs::write(dir.join("loose.eml"), msg("four")).unwrap();
    let case = t.path().join("case");
    // A folder: the small archive in it is read by a worker.
    let (code, r, stderr) = import_json(&case, &[&dir]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(num(&r, "parsed"), 4, "{r:#}");
    assert_eq!(num(&r, "skipped"), 0, "{r:#}");
    assert_reconciles(&r);
    let found = origins_by_subject(&case);
    let entries: Vec<(String, Option<String>)> = found
        .iter()
        .map(|f| (f.0.clone(), f.1.entry.clone()))
        .collect();
    assert_eq!(
        entries,
        [
            ("two".to_string(), Some("x/box.mbox.gz".to_string())),
            ("three".to_string(), Some("x/box.mbox.gz".to_string())),
            (
                "one".to_string(),
                Some("x/inner.zip!/m/one.eml".to_string())
            ),
            ("four".to_string(), None),
        ]
    );
    assert_eq!(found[2].2, msg("one").as_bytes());
    assert_eq!(found[0].1.format, SourceFormat::MboxGz);
    // The same archive named on its own (read by the reader) gives the same ids.
    let case2 = t.path().join("case2");
    let (code, r2, _) = import_json(&case2, &[&dir.join("a.tgz")]);
    assert_eq!(code, 0);
    assert_eq!(r2["sources"][0]["format"], "tar-gz");
    assert_eq!(num(&r2, "parsed"), 3);
    let c1 = Case::open(&case).unwrap();
    let c2 = Case::open(&case2).unwrap();
    for k in c2.keys().unwrap() {
        assert!(c1.message(&k).unwrap().is_some());
    }
}

#[test]
fn damaged_archives_are_reported_and_what_is_readable_imported() {
    let t = tempfile::tempdir().unwrap();
    // A zip cut short loses its directory: nothing can be read.
    let z = zip_of(&[("a.eml", msg("a").as_bytes())]);
    let cut = t.path().join("cut.zip");
    fs::write(&cut, &z[..z.len() - 40]).unwrap();
    // A tar.gz cut in its second entry: the first is imported.
    let big = msg("b") + &"x".repeat(200_000);
    let tgz = gzip(&tar_of(&[
        ("1.eml", msg("first").as_bytes()),
        ("2.eml", big.as_bytes()),
    ]));
    let cut2 = t.path().join("cut.tgz");
    fs::write(&cut2, &tgz[..tgz.len() / 2]).unwrap();
    let case = t.path().join("case");
    let (code, r, stderr) = import_json(&case, &[&cut, &cut2]);
    assert!(code == 0 || code == 2, "{stderr}");
    assert_reconciles(&r);
    assert_eq!(num(&r, "sources.0.parsed"), 0);
    let notes = r["notes"].to_string();
    assert!(
        notes.contains("cut.zip") && notes.contains("damaged zip archive"),
        "{notes}"
    );
    let subjects: Vec<String> = origins_by_subject(&case).into_iter().map(|f| f.0).collect();
    assert!(subjects.contains(&"first".to_string()), "{subjects:?}");
    assert!(notes.contains("cut.tgz"), "{notes}");
}

/// A zip with one entry that is a message whose body is 1 GB of `a`:
/// about 1 MB compressed, built here without the gigabyte ever existing.
fn bomb_zip() -> Vec<u8> {
    use flate2::{Compress, Compression, FlushCompress};
    let raw_block = |data: &[u8]| {
        let mut c = Compress::new(Compression::best(), false);
        let mut out = Vec::with_capacity(data.len() + 1024);
        c.compress_vec(data, &mut out, FlushCompress::Sync).unwrap();
        out
    };
    let head = b"From: bomb@example.org\nSubject: bomb\n\n";
    let chunk = vec![b'a'; 1 << 20];
    let mut data = raw_block(head);
    let block = raw_block(&chunk);
    for _ in 0..1024 {
        data.extend_from_slice(&block);
    }
    data.extend_from_slice(&[0x03, 0x00]); // the final, empty block
    let size = (head.len() + (1 << 30)) as u32;
    let name = b"bomb.eml";
    let mut z = Vec::new();
    let local = |z: &mut Vec<u8>| {
        z.extend_from_slice(b"PK\x03\x04");
        z.extend_from_slice(&20u16.to_le_bytes());
        z.extend_from_slice(&0u16.to_le_bytes()); // flags
        z.extend_from_slice(&8u16.to_le_bytes()); // deflate
        z.extend_from_slice(&[0, 0, 0x21, 0]); // time, date
    };
    local(&mut z);
    z.extend_from_slice(&0u32.to_le_bytes()); // crc: never reached
    z.extend_from_slice(&(data.len() as u32).to_le_bytes());
    z.extend_from_slice(&size.to_le_bytes());
    z.extend_from_slice(&(name.len() as u16).to_le_bytes());
    z.extend_from_slice(&0u16.to_le_bytes());
    z.extend_from_slice(name);
    z.extend_from_slice(&data);
    let cd = z.len();
    z.extend_from_slice(b"PK\x01\x02");
    z.extend_from_slice(&20u16.to_le_bytes()); // made by
    z.extend_from_slice(&20u16.to_le_bytes());
    z.extend_from_slice(&0u16.to_le_bytes());
    z.extend_from_slice(&8u16.to_le_bytes());
    z.extend_from_slice(&[0, 0, 0x21, 0]);
    z.extend_from_slice(&0u32.to_le_bytes());
    z.extend_from_slice(&(data.len() as u32).to_le_bytes());
    z.extend_from_slice(&size.to_le_bytes());
    z.extend_from_slice(&(name.len() as u16).to_le_bytes());
    z.extend_from_slice(&[0; 8]); // extra, comment, disk, internal attrs
    z.extend_from_slice(&0u32.to_le_bytes()); // external attrs
    z.extend_from_slice(&0u32.to_le_bytes()); // local header offset
    z.extend_from_slice(name);
    let cd_len = z.len() - cd;
    z.extend_from_slice(b"PK\x05\x06");
    z.extend_from_slice(&[0; 4]);
    z.extend_from_slice(&1u16.to_le_bytes());
    z.extend_from_slice(&1u16.to_le_bytes());
    z.extend_from_slice(&(cd_len as u32).to_le_bytes());
    z.extend_from_slice(&(cd as u32).to_le_bytes());
    z.extend_from_slice(&0u16.to_le_bytes());
    z
}

#[test]
fn archive_bomb_stops_at_the_bound() {
    let t = tempfile::tempdir().unwrap();
    let z = bomb_zip();
    assert!(z.len() < 4 << 20, "{}", z.len());
    let src = t.path().join("bomb.zip");
    fs::write(&src, &z).unwrap();
    let case = t.path().join("case");
    let (code, r, stderr) = import_json(&case, &[&src]);
    assert!(code == 0 || code == 2, "{stderr}");
    assert_reconciles(&r);
    let notes = r["notes"].to_string();
    assert!(
        notes.contains("bomb.zip!/bomb.eml") && notes.contains("expands beyond"),
        "{notes}"
    );
    // Nothing half-read is stored as if whole.
    assert_eq!(num(&r, "parsed") + num(&r, "raw_only"), 0, "{r:#}");
}

fn emlx_file(message: &str, flags: u64) -> Vec<u8> {
    let mut v = format!("{:<10}\n", message.len()).into_bytes();
    v.extend_from_slice(message.as_bytes());
    v.extend_from_slice(
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\">\n<dict>\n\t<key>flags</key>\n\t<integer>{flags}</integer>\n</dict>\n</plist>\n"
        )
        .as_bytes(),
    );
    v
}

#[test]
fn emlx_and_partial_emlx() {
    let t = tempfile::tempdir().unwrap();
    let mbox_dir = t.path().join("Inbox.mbox");
    let messages = mbox_dir.join("Messages");
    fs::create_dir_all(&messages).unwrap();
    let m1 = msg("read and flagged");
    // Apple Mail left the PDF's part empty and kept the file beside it.
    let m2 = "From: ann@ncpc.example.org\nSubject: partial with files\nMessage-ID: <p@x>\n\
Content-Type: multipart/mixed; boundary=\"B\"\n\n--B\nContent-Type: text/plain\n\nsee the report\n\
--B\nContent-Disposition: attachment; filename=report.pdf\nContent-Type: application/pdf; name=\"report.pdf\"\n\
Content-Transfer-Encoding: base64\nX-Apple-Content-Length: 19\n\n--B--\n"
        .to_string();
    let m3 = msg("partial without files");
    fs::write(messages.join("1.emlx"), emlx_file(&m1, 1 | 1 << 4)).unwrap();
    fs::write(messages.join("2.partial.emlx"), emlx_file(&m2, 0)).unwrap();
    fs::write(messages.join("3.partial.emlx"), emlx_file(&m3, 1)).unwrap();
    let att = mbox_dir.join("Attachments").join("2").join("2");
    fs::create_dir_all(&att).unwrap();
    fs::write(att.join("report.pdf"), b"%PDF-1.4 not really").unwrap();
    let case = t.path().join("case");
    let (code, r, stderr) = import_json(&case, &[&mbox_dir]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(num(&r, "parsed"), 3, "{r:#}");
    // The attachment file is not a message: reported as skipped.
    assert_eq!(num(&r, "skipped"), 1, "{r:#}");
    assert_reconciles(&r);
    let found = origins_by_subject(&case);
    let c = Case::open(&case).unwrap();
    for (subject, o, raw) in &found {
        assert_eq!(o.format, SourceFormat::Emlx);
        let file = fs::read(&o.path).unwrap();
        assert_eq!(o.offset, 11, "after the count line");
        assert_eq!(&file[11..11 + raw.len()], &raw[..]);
        let want = [&m1, &m2, &m3]
            .into_iter()
            .find(|m| m.contains(subject.as_str()))
            .unwrap();
        assert_eq!(raw, want.as_bytes(), "View source is the message alone");
        let key = mailsift::source::hash_message(raw, false).1;
        let m = c.message(&key).unwrap().unwrap();
        let partial = m.defects.iter().find(|d| d.kind == DefectKind::PartialEmlx);
        match subject.as_str() {
            "read and flagged" => {
                assert_eq!(o.maildir_flags.as_deref(), Some("FS"));
                assert!(partial.is_none());
            }
            "partial with files" => {
                assert_eq!(o.maildir_flags.as_deref(), Some(""));
                let d = partial.expect("partial defect");
                assert!(d.detail.contains("2/report.pdf"), "{}", d.detail);
                assert!(
                    d.detail.contains("joined for reading and search: 1"),
                    "{}",
                    d.detail
                );
                // The file is the message's attachment, saved as it is.
                let names: Vec<&str> = m
                    .attachments
                    .iter()
                    .map(|a| a.name.as_deref().unwrap_or(""))
                    .collect();
                assert_eq!(names, ["report.pdf"]);
                let b = mailsift::Browser::open(&case).unwrap();
                let saved = b.attachments(&key).unwrap();
                assert_eq!(saved.len(), 1);
                assert_eq!(saved[0].1, b"%PDF-1.4 not really");
            }
            _ => {
                assert_eq!(o.maildir_flags.as_deref(), Some("S"));
                let d = partial.expect("partial defect");
                assert!(d.detail.contains("not found"), "{}", d.detail);
            }
        }
    }
    drop(c);
    let subjects = |q: &str| {
        let o = run(&[&"search", &case, &"--format", &"json", &"--", &q]);
        let mut v: Vec<String> = String::from_utf8_lossy(&o.stdout)
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                v["subject"].as_str().unwrap_or("").to_string()
            })
            .collect();
        v.sort();
        v
    };
    assert_eq!(subjects("is:flagged"), ["read and flagged"]);
    assert_eq!(subjects("is:unread"), ["partial with files"]);
}

/// A zip over 8 MB is read by the reader thread, seeking in the file and
/// hashing it as it goes: same counts, same bytes back, the file's SHA-256.
#[test]
fn a_large_zip_is_read_in_place() {
    let t = tempfile::tempdir().unwrap();
    let filler = "word ".repeat(2_000_000); // 10 MB: stored, not compressed
    let big = message("ann@ncpc.example.org", "big", "big@x", &filler);
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .large_file(false);
    for (name, body) in [
        ("a/1.eml", msg("small one")),
        ("a/2.eml", big.clone()),
        ("a/3.eml", msg("small two")),
    ] {
        w.start_file(name, stored).unwrap();
        w.write_all(body.as_bytes()).unwrap();
    }
    let z = w.finish().unwrap().into_inner();
    assert!(z.len() > 8 << 20);
    let src = t.path().join("big.zip");
    fs::write(&src, &z).unwrap();
    let case = t.path().join("case");
    let (code, r, stderr) = import_json(&case, &[&src]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(num(&r, "parsed") + num(&r, "raw_only"), 3, "{r:#}");
    assert_reconciles(&r);
    assert_eq!(r["sources"][0]["sha256"], Sha256::of(&z).to_hex());
    let found = origins_by_subject(&case);
    let (_, o, raw) = found.iter().find(|f| f.0 == "big").unwrap();
    assert_eq!(o.entry.as_deref(), Some("a/2.eml"));
    assert_eq!(raw, big.as_bytes());
}
