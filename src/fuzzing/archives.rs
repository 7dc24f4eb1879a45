//! Fuzz bodies for archives and Apple Mail files: `archive` (any bytes
//! walked as a zip, a tar and a tar.gz with small bounds; and as the one
//! entry of a zip built around them) and `emlx` (any bytes read as an
//! `.emlx`).

use std::io::{Cursor, Read, Write};
use std::path::Path;
use std::sync::Arc;

use crate::model::SourceFormat;
use crate::source::archive::{self, ArchiveLimits, Visitor};

/// Counts what a walk hands over, reading each mail entry to its end.
#[derive(Default)]
struct Tally {
    mail: Vec<(String, Vec<u8>)>,
    skipped: usize,
    bytes: u64,
}

impl Visitor for Tally {
    fn mail(&mut self, entry: &str, _: SourceFormat, _: u64, s: &mut dyn Read) -> bool {
        let mut v = Vec::new();
        // A read error is the walk's bound or damage; what came is kept.
        let _ = s.read_to_end(&mut v);
        self.bytes += v.len() as u64;
        self.mail.push((entry.to_string(), v));
        true
    }
    fn skipped(&mut self, _: &str, reason: String) -> bool {
        assert!(!reason.is_empty());
        self.skipped += 1;
        true
    }
}

fn small_limits() -> ArchiveLimits {
    ArchiveLimits {
        max_depth: 2,
        max_entries: 200,
        max_ratio: 4,
        min_budget: 1 << 20,
        max_total: 4 << 20,
        max_buffered: 1 << 20,
    }
}

/// Walks `data` as each archive format: no panic, the bounds hold (what
/// mail entries yield stays within the expansion budget), an incomplete
/// walk says why. Then `data` as the one entry of a zip: handed over
/// byte for byte when it is mail, else skipped.
pub fn archive(data: &[u8]) {
    let limits = small_limits();
    let budget = limits.budget(data.len() as u64);
    for format in [SourceFormat::Zip, SourceFormat::Tar, SourceFormat::TarGz] {
        let mut t = Tally::default();
        let w = archive::walk(
            &mut Cursor::new(data),
            format,
            Path::new("/fuzz.archive"),
            data.len() as u64,
            &limits,
            &mut t,
        );
        assert!(
            t.bytes <= budget + (1 << 16),
            "{format}: {} bytes past a budget of {budget}",
            t.bytes
        );
        assert!(t.mail.len() + t.skipped <= limits.max_entries as usize);
        for n in &w.notes {
            assert!(!n.text.is_empty());
        }
    }
    let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    if z.start_file("m/entry", opts).is_err() || z.write_all(data).is_err() {
        return;
    }
    let Ok(zip) = z.finish().map(Cursor::into_inner) else {
        return;
    };
    let mut t = Tally::default();
    let w = archive::walk(
        &mut Cursor::new(&zip),
        SourceFormat::Zip,
        Path::new("/fuzz.zip"),
        zip.len() as u64,
        &limits,
        &mut t,
    );
    let nested = matches!(
        crate::source::detect_head(data),
        crate::source::Detected::Mail(f) if f.is_archive()
    );
    if nested {
        // An archive in the zip: its entries were walked instead.
        assert!(t.mail.iter().all(|(name, _)| name.starts_with("m/entry!/")));
        return;
    }
    assert!(w.complete, "{:?}", w.notes);
    match t.mail.as_slice() {
        [(name, bytes)] => {
            assert_eq!(name, "m/entry");
            assert_eq!(bytes, data, "a mail entry is handed over whole");
        }
        [] => assert_eq!(t.skipped, 1, "not mail: skipped with a reason"),
        more => panic!("{} mail entries from one", more.len()),
    }
}

/// Reads `data` as an `.emlx`: no panic; the message span is inside the
/// data and is what the message holds; flags are maildir letters.
pub fn emlx(data: &[u8]) {
    let Ok(m) = crate::source::emlx::read_emlx(
        data,
        Arc::from(Path::new("/fuzz/Messages/1.emlx")),
        1 << 16,
        4096,
    ) else {
        return;
    };
    let end = m.offset + m.length;
    assert!(
        end <= data.len() as u64,
        "span {}+{} past the data",
        m.offset,
        m.length
    );
    let span = &data[m.offset as usize..end as usize];
    if m.is_complete() {
        assert_eq!(m.bytes, span);
    } else {
        assert!(span.starts_with(&m.bytes));
    }
    if let Some(f) = &m.maildir_flags {
        assert!(f.chars().all(|c| "DFPRST".contains(c)), "{f}");
    }
}
