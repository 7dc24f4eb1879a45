//! Unit tests of the archive walker: zip and tar built in memory.

use std::io::{Cursor, Read, Write};
use std::path::Path;

use super::*;

#[derive(Default)]
struct Seen {
    mail: Vec<(String, SourceFormat, Vec<u8>)>,
    skipped: Vec<(String, String)>,
}

impl Visitor for Seen {
    fn mail(&mut self, entry: &str, format: SourceFormat, _size: u64, s: &mut dyn Read) -> bool {
        let mut v = Vec::new();
        s.read_to_end(&mut v).unwrap();
        self.mail.push((entry.to_string(), format, v));
        true
    }
    fn skipped(&mut self, entry: &str, reason: String) -> bool {
        self.skipped.push((entry.to_string(), reason));
        true
    }
}

const EML: &[u8] = b"From: a@example.org\nSubject: one\n\nbody\n";

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

fn walk_bytes(bytes: Vec<u8>) -> (Seen, Walked) {
    let format = match super::super::detect_head(&bytes) {
        Detected::Mail(f) => f,
        Detected::NotMail(w) => panic!("{w}"),
    };
    let mut seen = Seen::default();
    let size = bytes.len() as u64;
    let w = walk(
        &mut Cursor::new(bytes),
        format,
        Path::new("/d/a"),
        size,
        &ArchiveLimits::default(),
        &mut seen,
    );
    (seen, w)
}

#[test]
fn nested_archives_are_walked() {
    let inner = tar_of(&[("m/2.eml", EML), ("notes.txt", b"hello there")]);
    let outer = zip_of(&[("1.eml", EML), ("dir/inner.tar", &inner)]);
    let (seen, w) = walk_bytes(outer);
    assert!(w.complete, "{:?}", w.notes);
    let names: Vec<&str> = seen.mail.iter().map(|m| m.0.as_str()).collect();
    assert_eq!(names, ["1.eml", "dir/inner.tar!/m/2.eml"]);
    assert!(
        seen.mail
            .iter()
            .all(|m| m.2 == EML && m.1 == SourceFormat::Eml)
    );
    assert_eq!(seen.skipped.len(), 1);
    assert_eq!(seen.skipped[0].0, "dir/inner.tar!/notes.txt");
    assert!(seen.skipped[0].1.starts_with("not mail"));
}

#[test]
fn office_files_are_not_archives() {
    let docx = zip_of(&[
        ("[Content_Types].xml", b"<Types/>"),
        ("word/document.xml", b"<w/>"),
    ]);
    assert_eq!(archive_kind(&docx), None);
    assert_eq!(
        archive_kind(&zip_of(&[("a.eml", EML)])),
        Some(SourceFormat::Zip)
    );
    assert_eq!(
        archive_kind(&tar_of(&[("a.eml", EML)])),
        Some(SourceFormat::Tar)
    );
}

#[test]
fn damaged_zip_is_reported() {
    let mut z = zip_of(&[("1.eml", EML)]);
    let n = z.len();
    z.truncate(n - 30);
    let (seen, w) = walk_bytes(z);
    assert!(!w.complete);
    assert!(seen.mail.is_empty());
    assert!(w.notes[0].text.contains("damaged zip"), "{:?}", w.notes);
}

#[test]
fn depth_is_bounded() {
    let mut a = zip_of(&[("x.eml", EML)]);
    for _ in 0..5 {
        a = zip_of(&[("in.zip", &a)]);
    }
    let (seen, w) = walk_bytes(a);
    assert!(seen.mail.is_empty());
    assert_eq!(seen.skipped.len(), 1);
    assert!(
        seen.skipped[0].1.contains("nested more than 4"),
        "{:?}",
        seen.skipped
    );
    assert!(w.complete);
}

#[test]
fn seqhash_hashes_the_whole_file() {
    let z = zip_of(&[("1.eml", EML), ("2.eml", EML)]);
    let count = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let mut s = SeqHash::new(Cursor::new(z.clone()), count.clone());
    let mut seen = Seen::default();
    let w = walk(
        &mut s,
        SourceFormat::Zip,
        Path::new("/d/a"),
        z.len() as u64,
        &ArchiveLimits::default(),
        &mut seen,
    );
    assert!(w.complete);
    assert_eq!(seen.mail.len(), 2);
    assert_eq!(s.finish().unwrap(), crate::model::Sha256::of(&z));
    assert_eq!(
        count.load(std::sync::atomic::Ordering::Relaxed),
        z.len() as u64
    );
}

#[test]
fn read_back_finds_nested_entries() {
    let inner = tar_of(&[("m/2.eml", EML)]);
    let outer = zip_of(&[("1.eml", b"x"), ("dir/inner.tar", &inner)]);
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("a.zip");
    std::fs::write(&p, &outer).unwrap();
    let range = read::Range {
        gzip: false,
        offset: 6,
        length: 13,
    };
    let got = read::read_entry(&p, "dir/inner.tar!/m/2.eml", range)
        .unwrap()
        .unwrap();
    assert_eq!(got, &EML[6..19]);
    assert!(
        read::read_entry(&p, "dir/inner.tar!/m/3.eml", range)
            .unwrap()
            .is_none()
    );
}

#[test]
fn a_second_entry_of_the_same_name_is_skipped() {
    let t = tar_of(&[("m/1.eml", EML), ("m/1.eml", b"Subject: other\n\nx\n")]);
    let (seen, w) = walk_bytes(t);
    assert!(w.complete);
    assert_eq!(seen.mail.len(), 1);
    assert_eq!(seen.mail[0].2, EML);
    assert_eq!(seen.skipped.len(), 1);
    assert!(
        seen.skipped[0].1.contains("another entry named m/1.eml"),
        "{:?}",
        seen.skipped
    );
}
