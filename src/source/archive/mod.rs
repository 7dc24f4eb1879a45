//! Archives opened in place: zip, tar and tar.gz, their entries streamed
//! one at a time and never written to disk. Each entry is judged by its
//! content like a file in a folder: mail (an `.eml`, an mbox, a gzip'd
//! one, an `.emlx`) goes to a [`Visitor`], an archive inside is walked in
//! turn (up to [`ArchiveLimits::max_depth`]), anything else is reported as
//! skipped with the reason.
//!
//! An entry is named by its path inside the archive; entries of nested
//! archives are joined with `!/` (`inner.zip!/folder/msg.eml`), the name
//! [`read`] finds them by again for View source and exports.
//!
//! Safety: encrypted entries are reported by name and not read; archive
//! bombs are bounded by the bytes all entries may expand to (an
//! expansion ratio of the archive's size, with a floor, and a ceiling),
//! by each zip entry's own ratio, by the number of entries and by the
//! nesting depth; past a bound the rest is reported as not read. A zip
//! inside an archive is held in memory to be read (its directory is at
//! its end), up to [`ArchiveLimits::max_buffered`]; tar streams.

pub mod read;

use std::cell::Cell;
use std::io::{self, Cursor, Read, Seek};
use std::path::Path;

use super::{Detected, SNIFF_BYTES, SourceNote, read_head};
use crate::model::SourceFormat;

/// Bounds on what one archive may make mailsift read.
#[derive(Clone, Debug)]
pub struct ArchiveLimits {
    /// Archives inside archives, at most (the archive itself is depth 0).
    pub max_depth: u32,
    /// Entries (files, at every depth) looked at, at most.
    pub max_entries: u64,
    /// The bytes all entries may expand to, as a multiple of the archive's size…
    pub max_ratio: u64,
    /// …but at least this many…
    pub min_budget: u64,
    /// …and never more than this many.
    pub max_total: u64,
    /// A zip inside an archive is held in memory up to this size.
    pub max_buffered: u64,
}

impl Default for ArchiveLimits {
    fn default() -> Self {
        ArchiveLimits {
            max_depth: 4,
            max_entries: 1_000_000,
            max_ratio: 100,
            min_budget: 64 << 20,
            max_total: 256 << 30,
            max_buffered: 256 << 20,
        }
    }
}

impl ArchiveLimits {
    /// The bytes the entries of an archive of `size` bytes may expand to.
    pub fn budget(&self, size: u64) -> u64 {
        size.saturating_mul(self.max_ratio)
            .max(self.min_budget)
            .min(self.max_total)
    }
}

/// What a walk hands over.
pub trait Visitor {
    /// A mail entry (`format` by its content): `stream` gives its bytes
    /// from the first. Returns whether to go on (false: cancelled).
    fn mail(&mut self, entry: &str, format: SourceFormat, size: u64, stream: &mut dyn Read)
    -> bool;
    /// An entry not read, and why. Returns whether to go on.
    fn skipped(&mut self, entry: &str, reason: String) -> bool;
}

/// What a walk found about the archive as a whole.
#[derive(Debug, Default)]
pub struct Walked {
    /// Damage, bounds reached: for the report.
    pub notes: Vec<SourceNote>,
    /// Every entry was looked at (no damage stopped the walk, no bound
    /// was reached, not cancelled).
    pub complete: bool,
}

/// Which archive format `head` (a file's first bytes) is, if any: zip
/// (not an Office or OpenDocument file, which are zips too), tar (POSIX
/// or GNU `ustar` magic), or a gzip'd tar.
pub fn archive_kind(head: &[u8]) -> Option<SourceFormat> {
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        return (!is_office(head)).then_some(SourceFormat::Zip);
    }
    if is_tar(head) {
        return Some(SourceFormat::Tar);
    }
    None
}

/// The `ustar` magic at offset 257 of a tar header.
pub fn is_tar(head: &[u8]) -> bool {
    head.get(257..262) == Some(b"ustar")
}

/// A zip that is an Office (OOXML) or OpenDocument file: not a mail archive.
fn is_office(head: &[u8]) -> bool {
    head.get(30..38) == Some(b"mimetype")
        || memchr::memmem::find(head, b"[Content_Types].xml").is_some()
}

/// The shown name of an entry: `container!/entry`.
pub fn shown(container: &Path, entry: &str) -> String {
    format!("{}!/{entry}", container.display())
}

/// Walks the archive `src` (of `format`, `size` bytes, at `container`),
/// handing its entries to `visitor`.
pub fn walk<R: Read + Seek>(
    src: &mut R,
    format: SourceFormat,
    container: &Path,
    size: u64,
    limits: &ArchiveLimits,
    visitor: &mut dyn Visitor,
) -> Walked {
    let used = Cell::new(0);
    let hit = Cell::new(false);
    let mut w = Walker {
        container,
        limits,
        visitor,
        entries: 0,
        used: &used,
        budget: limits.budget(size),
        hit: &hit,
        notes: Vec::new(),
        complete: true,
        stopped: false,
        names: std::collections::HashSet::new(),
    };
    match format {
        SourceFormat::Zip => w.zip(src, "", 0),
        SourceFormat::Tar => w.tar(src, "", 0),
        SourceFormat::TarGz => w.tar(&mut super::gzindex::GzReader::new(src), "", 0),
        _ => w.note("", format!("not an archive ({format})")),
    }
    Walked {
        notes: w.notes,
        complete: w.complete && !w.stopped,
    }
}

struct Walker<'a> {
    container: &'a Path,
    limits: &'a ArchiveLimits,
    visitor: &'a mut dyn Visitor,
    entries: u64,
    /// Bytes read from entries so far (every depth).
    used: &'a Cell<u64>,
    budget: u64,
    /// The expansion budget was reached.
    hit: &'a Cell<bool>,
    notes: Vec<SourceNote>,
    complete: bool,
    /// Cancelled, or a bound reached: nothing more is read.
    stopped: bool,
    /// Entry names seen (duplicates are not read).
    names: std::collections::HashSet<String>,
}

/// Counts the bytes read through it against the walk's budget and the
/// entry's own; past either it fails.
struct Counted<'a, R> {
    inner: R,
    used: &'a Cell<u64>,
    budget: u64,
    entry_used: u64,
    entry_budget: u64,
    hit: &'a Cell<bool>,
}

impl<R: Read> Read for Counted<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.used.set(self.used.get() + n as u64);
        self.entry_used += n as u64;
        if self.used.get() > self.budget || self.entry_used > self.entry_budget {
            self.hit.set(true);
            return Err(io::Error::other("archive expansion bound reached"));
        }
        Ok(n)
    }
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}!/{name}")
    }
}

impl Walker<'_> {
    fn note(&mut self, entry: &str, text: String) {
        let path = if entry.is_empty() {
            self.container.to_path_buf()
        } else {
            shown(self.container, entry).into()
        };
        self.notes.push(SourceNote {
            path,
            offset: 0,
            text,
        });
    }

    fn skip(&mut self, entry: &str, reason: String) {
        if !self.visitor.skipped(entry, reason) {
            self.stopped = true;
        }
    }

    /// Counts an entry; false when past the bound (reported once), or
    /// when an entry of the same name came before (skipped: read back by
    /// name, its bytes could not be found again).
    fn count(&mut self, entry: &str) -> bool {
        if !self.names.insert(entry.to_string()) {
            self.skip(
                entry,
                format!(
                    "another entry named {entry} came before it in {}: not read (a message is found again by its entry's name)",
                    self.container.display()
                ),
            );
            return false;
        }
        self.entries += 1;
        if self.entries > self.limits.max_entries {
            self.note(
                entry,
                format!(
                    "more than {} entries in {}: this entry and the rest were not read",
                    self.limits.max_entries,
                    self.container.display()
                ),
            );
            self.complete = false;
            self.stopped = true;
            return false;
        }
        true
    }

    fn zip<R: Read + Seek>(&mut self, src: R, prefix: &str, depth: u32) {
        let mut za = match zip::ZipArchive::new(src) {
            Ok(z) => z,
            Err(e) => {
                self.note(
                    prefix,
                    format!("damaged zip archive, nothing in it could be read: {e}"),
                );
                self.complete = false;
                return;
            }
        };
        for i in 0..za.len() {
            if self.stopped {
                return;
            }
            let (name, encrypted, is_dir, csize, size) = match za.by_index_raw(i) {
                Ok(f) => match f.name() {
                    Ok(n) => (
                        n.into_owned(),
                        f.encrypted(),
                        f.is_dir(),
                        f.compressed_size(),
                        f.size(),
                    ),
                    Err(e) => {
                        self.note(prefix, format!("zip entry #{i}: unreadable name: {e}"));
                        self.complete = false;
                        continue;
                    }
                },
                Err(e) => {
                    self.note(prefix, format!("zip entry #{i} is damaged: {e}"));
                    self.complete = false;
                    continue;
                }
            };
            if is_dir {
                continue;
            }
            let entry = join(prefix, &name);
            if !self.count(&entry) {
                if self.stopped {
                    return;
                }
                continue;
            }
            if encrypted {
                let text = format!(
                    "entry {name} in {} is encrypted: not read",
                    shown_prefix(self.container, prefix)
                );
                self.skip(&entry, text);
                continue;
            }
            match za.by_index(i) {
                Ok(mut f) => {
                    let ratio_budget = csize
                        .saturating_mul(self.limits.max_ratio)
                        .max(self.limits.min_budget);
                    self.entry(&entry, &mut f, size, ratio_budget, depth);
                }
                Err(e) => self.skip(&entry, format!("cannot be read: {e}")),
            }
        }
    }

    fn tar(&mut self, src: &mut dyn Read, prefix: &str, depth: u32) {
        let mut ar = tar::Archive::new(src);
        let entries = match ar.entries() {
            Ok(e) => e,
            Err(e) => {
                self.note(prefix, format!("damaged tar archive: {e}"));
                self.complete = false;
                return;
            }
        };
        let mut entries = entries;
        let mut n = 0u64;
        loop {
            // Checked before the next entry: moving to it reads past the
            // rest of this one.
            if self.stopped {
                return;
            }
            let Some(e) = entries.next() else {
                return;
            };
            let mut e = match e {
                Ok(e) => e,
                Err(err) => {
                    let text = if self.hit.get() {
                        self.bound_text()
                    } else {
                        format!(
                            "damaged tar archive after {n} entries: {err}; the rest was not read"
                        )
                    };
                    self.note(prefix, text);
                    self.complete = false;
                    return;
                }
            };
            n += 1;
            if !e.header().entry_type().is_file() {
                continue;
            }
            let name = String::from_utf8_lossy(&e.path_bytes()).into_owned();
            let entry = join(prefix, &name);
            if !self.count(&entry) {
                if self.stopped {
                    return;
                }
                continue;
            }
            let size = e.size();
            self.entry(&entry, &mut e, size, u64::MAX, depth);
        }
    }

    fn bound_text(&self) -> String {
        format!(
            "{} expands beyond {} bytes (an archive bomb, or a bound set too low): the rest was not read",
            self.container.display(),
            self.budget
        )
    }

    /// One entry: judged by its first bytes and handed on, walked, or skipped.
    fn entry(&mut self, entry: &str, r: &mut dyn Read, size: u64, entry_budget: u64, depth: u32) {
        let mut counted = Counted {
            inner: r,
            used: self.used,
            budget: self.budget,
            entry_used: 0,
            entry_budget,
            hit: self.hit,
        };
        let head = read_head(&mut counted, SNIFF_BYTES);
        let head = match head {
            Ok(h) => h,
            Err(e) => {
                if !self.hit.get() {
                    self.skip(entry, format!("cannot be read: {e}"));
                }
                return self.after_entry(entry);
            }
        };
        let detected = super::detect_head(&head);
        let mut stream = Cursor::new(head).chain(counted);
        match detected {
            Detected::NotMail(why) => {
                drop(stream);
                self.skip(entry, format!("not mail: {why}"));
            }
            Detected::Mail(kind) if kind.is_outlook() => {
                drop(stream);
                self.skip(
                    entry,
                    format!(
                        "an Outlook {} file inside an archive is not read yet (extract it first)",
                        if kind == SourceFormat::Pst {
                            "PST"
                        } else {
                            ".msg"
                        }
                    ),
                );
            }
            Detected::Mail(kind) if kind.is_archive() => {
                if depth + 1 > self.limits.max_depth {
                    drop(stream);
                    self.skip(
                        entry,
                        format!(
                            "an archive nested more than {} deep: not read",
                            self.limits.max_depth
                        ),
                    );
                } else {
                    self.nested(entry, kind, &mut stream, size, depth + 1);
                }
            }
            Detected::Mail(format) => {
                if !self.visitor.mail(entry, format, size, &mut stream) {
                    self.stopped = true;
                }
            }
        }
        self.after_entry(entry);
    }

    /// Reports a bound reached while reading `entry`, and stops.
    fn after_entry(&mut self, entry: &str) {
        if self.hit.get() && !self.stopped {
            let text = format!("while reading this entry: {}", self.bound_text());
            self.note(entry, text);
            self.complete = false;
            self.stopped = true;
        }
    }

    fn nested(
        &mut self,
        entry: &str,
        kind: SourceFormat,
        stream: &mut dyn Read,
        size: u64,
        depth: u32,
    ) {
        match kind {
            SourceFormat::Zip => {
                if size > self.limits.max_buffered {
                    self.skip(
                        entry,
                        format!(
                            "a zip archive inside an archive larger than {} bytes is not read (extract it first)",
                            self.limits.max_buffered
                        ),
                    );
                    return;
                }
                let mut buf = Vec::with_capacity(size.min(self.limits.max_buffered) as usize);
                if let Err(e) = stream
                    .take(self.limits.max_buffered + 1)
                    .read_to_end(&mut buf)
                {
                    if !self.hit.get() {
                        self.skip(entry, format!("cannot be read: {e}"));
                    }
                    return;
                }
                if buf.len() as u64 > self.limits.max_buffered {
                    self.skip(
                        entry,
                        format!(
                            "a zip archive inside an archive larger than {} bytes is not read (extract it first)",
                            self.limits.max_buffered
                        ),
                    );
                    return;
                }
                self.zip(Cursor::new(buf), entry, depth);
            }
            SourceFormat::Tar => self.tar(stream, entry, depth),
            SourceFormat::TarGz => {
                self.tar(&mut super::gzindex::GzReader::new(stream), entry, depth)
            }
            _ => {}
        }
    }
}

fn shown_prefix(container: &Path, prefix: &str) -> String {
    if prefix.is_empty() {
        container.display().to_string()
    } else {
        shown(container, prefix)
    }
}

/// A reader of a seekable file that hashes the file while an archive
/// reader moves about in it: bytes read in order from the start are
/// hashed as they pass; [`finish`](Self::finish) reads and hashes the rest.
/// A zip is read mostly in order (its directory at the end first, then
/// entry after entry), so most bytes are read once.
pub struct SeqHash<R> {
    inner: R,
    pos: u64,
    hashed: u64,
    hasher: sha2::Sha256,
    count: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl<R: Read + Seek> SeqHash<R> {
    /// `count` is increased by every byte read (progress).
    pub fn new(inner: R, count: std::sync::Arc<std::sync::atomic::AtomicU64>) -> Self {
        SeqHash {
            inner,
            pos: 0,
            hashed: 0,
            hasher: sha2::Digest::new(),
            count,
        }
    }

    /// Hashes what was not read in order, and returns the SHA-256 of the file.
    pub fn finish(mut self) -> io::Result<crate::model::Sha256> {
        use sha2::Digest;
        self.inner.seek(io::SeekFrom::Start(self.hashed))?;
        self.pos = self.hashed;
        let mut buf = vec![0u8; 1 << 16];
        loop {
            match self.read(&mut buf) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(crate::model::Sha256(self.hasher.finalize().into()))
    }
}

impl<R: Read> Read for SeqHash<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        use sha2::Digest;
        let n = self.inner.read(buf)?;
        if self.pos <= self.hashed && self.pos + n as u64 > self.hashed {
            let skip = (self.hashed - self.pos) as usize;
            self.hasher.update(&buf[skip..n]);
            self.hashed = self.pos + n as u64;
            self.count
                .fetch_add((n - skip) as u64, std::sync::atomic::Ordering::Relaxed);
        }
        self.pos += n as u64;
        Ok(n)
    }
}

impl<R: Seek> Seek for SeqHash<R> {
    fn seek(&mut self, to: io::SeekFrom) -> io::Result<u64> {
        self.pos = self.inner.seek(to)?;
        Ok(self.pos)
    }
}

#[cfg(test)]
mod tests;
