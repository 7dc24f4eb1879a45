//! Reading a message back from inside an archive: the archive is opened
//! again, the entry found by the name the walk gave it (nested archives
//! entered on the way), and the message's bytes taken from the entry's
//! stream at the recorded offset. For a tar.gz that means decompressing up
//! to the entry; the same expansion budget as the import bounds it.

use std::io::{self, Cursor, Read, Seek};
use std::path::Path;

use super::{ArchiveLimits, Counted};
use crate::model::SourceFormat;
use crate::source::{Detected, SNIFF_BYTES, detect_head, gzindex::GzReader, read_head};

/// What to take from the entry found: from the entry's stream
/// (decompressed first when `gzip`), `length` bytes at `offset`.
#[derive(Clone, Copy, Debug)]
pub struct Range {
    /// The entry is gzip'd; offsets count its decompressed bytes.
    pub gzip: bool,
    /// Offset of the first byte.
    pub offset: u64,
    /// Bytes to take.
    pub length: u64,
}

/// The bytes `range` of entry `entry` (nested entries joined with `!/`)
/// of the archive at `container`. `Ok(None)`: no such entry.
pub fn read_entry(container: &Path, entry: &str, range: Range) -> io::Result<Option<Vec<u8>>> {
    let mut file = crate::source::open_source(container)?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let head = read_head(&mut file, SNIFF_BYTES)?;
    file.rewind()?;
    let limits = ArchiveLimits::default();
    let used = std::cell::Cell::new(0);
    let hit = std::cell::Cell::new(false);
    let mut f = Finder {
        limits: &limits,
        used: &used,
        hit: &hit,
        budget: limits.budget(size),
        range,
    };
    let found = match detect_head(&head) {
        Detected::Mail(SourceFormat::Zip) => f.zip(&mut file, entry, 0),
        Detected::Mail(SourceFormat::Tar) => f.tar(&mut file, entry, 0),
        Detected::Mail(SourceFormat::TarGz) => f.tar(&mut GzReader::new(file), entry, 0),
        _ => return Ok(None),
    };
    if hit.get() {
        return Err(io::Error::other(format!(
            "{} expands beyond {} bytes before the entry",
            container.display(),
            f.budget
        )));
    }
    found
}

/// [`read_raw`](crate::source::read_raw) for a message inside an archive: the archive opened
/// again and the entry streamed up to the message.
pub(crate) fn read_raw(
    origin: &crate::model::Origin,
    entry: &str,
) -> crate::error::Result<Vec<u8>> {
    use crate::error::Error;
    let range = Range {
        gzip: origin.format.is_compressed(),
        offset: origin.offset,
        length: origin.length,
    };
    let mismatch = || Error::RawMismatch {
        path: super::shown(&origin.path, entry).into(),
        offset: origin.offset,
        length: origin.length,
        expected: origin.raw_sha256.to_hex(),
    };
    match read_entry(&origin.path, entry, range) {
        Ok(Some(bytes))
            if bytes.len() as u64 == origin.length
                && crate::model::Sha256::of(&bytes) == origin.raw_sha256 =>
        {
            Ok(bytes)
        }
        Ok(_) => Err(mismatch()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Err(Error::SourceUnreadable {
            path: origin.path.clone(),
            source: e,
        }),
        Err(e) => Err(Error::IoAt {
            path: super::shown(&origin.path, entry).into(),
            op: "reading the archive entry",
            offset: origin.offset,
            source: e,
        }),
    }
}

struct Finder<'a> {
    limits: &'a ArchiveLimits,
    used: &'a std::cell::Cell<u64>,
    hit: &'a std::cell::Cell<bool>,
    budget: u64,
    range: Range,
}

/// How `name` (an entry's) relates to the wanted `chain`: the entry itself,
/// an archive holding it (with the rest of the chain), or neither.
fn step<'c>(chain: &'c str, name: &str) -> Option<Option<&'c str>> {
    if chain == name {
        return Some(None);
    }
    chain
        .strip_prefix(name)
        .and_then(|r| r.strip_prefix("!/"))
        .map(Some)
}

impl<'a> Finder<'a> {
    fn counted<'r>(&self, r: &'r mut dyn Read) -> Counted<'a, &'r mut dyn Read> {
        Counted {
            inner: r,
            used: self.used,
            budget: self.budget,
            entry_used: 0,
            entry_budget: u64::MAX,
            hit: self.hit,
        }
    }

    fn zip<R: Read + Seek>(
        &mut self,
        src: R,
        chain: &str,
        depth: u32,
    ) -> io::Result<Option<Vec<u8>>> {
        let mut za = zip::ZipArchive::new(src).map_err(io::Error::other)?;
        for i in 0..za.len() {
            let Ok(name) = za
                .by_index_raw(i)
                .and_then(|f| f.name().map(|n| n.into_owned()))
            else {
                continue;
            };
            let Some(rest) = step(chain, &name) else {
                continue;
            };
            let mut f = za.by_index(i).map_err(io::Error::other)?;
            if let Some(found) = self.found(&mut f, rest, depth)? {
                return Ok(Some(found));
            }
        }
        Ok(None)
    }

    fn tar(&mut self, src: &mut dyn Read, chain: &str, depth: u32) -> io::Result<Option<Vec<u8>>> {
        let mut ar = tar::Archive::new(src);
        for e in ar.entries()? {
            if self.hit.get() {
                return Ok(None);
            }
            let mut e = e?;
            if !e.header().entry_type().is_file() {
                continue;
            }
            let name = String::from_utf8_lossy(&e.path_bytes()).into_owned();
            let Some(rest) = step(chain, &name) else {
                continue;
            };
            if let Some(found) = self.found(&mut e, rest, depth)? {
                return Ok(Some(found));
            }
        }
        Ok(None)
    }

    /// An entry on the way: the one wanted (`rest` None) or an archive to enter.
    fn found(
        &mut self,
        r: &mut dyn Read,
        rest: Option<&str>,
        depth: u32,
    ) -> io::Result<Option<Vec<u8>>> {
        let Some(rest) = rest else {
            return self.take(r).map(Some);
        };
        if depth + 1 > self.limits.max_depth {
            return Ok(None);
        }
        let mut counted = self.counted(r);
        let head = read_head(&mut counted, SNIFF_BYTES)?;
        let kind = detect_head(&head);
        let mut stream = Cursor::new(head).chain(counted);
        match kind {
            Detected::Mail(SourceFormat::Zip) => {
                let mut buf = Vec::new();
                (&mut stream)
                    .take(self.limits.max_buffered + 1)
                    .read_to_end(&mut buf)?;
                if buf.len() as u64 > self.limits.max_buffered {
                    return Ok(None);
                }
                drop(stream);
                self.zip(Cursor::new(buf), rest, depth + 1)
            }
            Detected::Mail(SourceFormat::Tar) => {
                let mut s: Box<dyn Read> = Box::new(stream);
                self.tar_boxed(&mut s, rest, depth + 1)
            }
            Detected::Mail(SourceFormat::TarGz) => {
                let mut s: Box<dyn Read> = Box::new(GzReader::new(stream));
                self.tar_boxed(&mut s, rest, depth + 1)
            }
            _ => Ok(None),
        }
    }

    fn tar_boxed(
        &mut self,
        s: &mut Box<dyn Read + '_>,
        chain: &str,
        depth: u32,
    ) -> io::Result<Option<Vec<u8>>> {
        self.tar(s, chain, depth)
    }

    /// The wanted range of the entry `r`.
    fn take(&mut self, r: &mut dyn Read) -> io::Result<Vec<u8>> {
        let range = self.range;
        let counted = self.counted(r);
        let mut stream: Box<dyn Read> = if range.gzip {
            Box::new(GzReader::new(counted))
        } else {
            Box::new(counted)
        };
        let skipped = io::copy(&mut (&mut stream).take(range.offset), &mut io::sink())?;
        if skipped < range.offset {
            return Ok(Vec::new());
        }
        let mut bytes = Vec::with_capacity(range.length.min(1 << 30) as usize);
        stream.take(range.length).read_to_end(&mut bytes)?;
        Ok(bytes)
    }
}
