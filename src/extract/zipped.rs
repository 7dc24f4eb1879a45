//! Bounded access to zip containers (DOCX, XLSX, PPTX, ODF): the entry count
//! is capped, and every entry read is checked against its declared size and
//! against the bytes actually inflated (read through [`Read::take`]), all
//! entries of one document sharing one budget of inflated bytes.

use std::io::{self, Cursor, Read, Write};

use zip::ZipArchive;
use zip::result::ZipError;

use super::sink::Sink;
use super::{ExtractError, ExtractLimits};

const CHUNK: usize = 64 << 10;

pub(crate) struct Archive<'a> {
    zip: ZipArchive<Cursor<&'a [u8]>>,
    /// Bytes inflated so far, over all entries.
    used: u64,
    limit: u64,
}

fn zip_error(e: ZipError) -> ExtractError {
    match e {
        ZipError::UnsupportedArchive(ZipError::PASSWORD_REQUIRED) | ZipError::InvalidPassword => {
            ExtractError::Encrypted
        }
        e => ExtractError::malformed(format!("zip: {e}")),
    }
}

impl<'a> Archive<'a> {
    pub(crate) fn open(
        bytes: &'a [u8],
        limits: &ExtractLimits,
    ) -> Result<Archive<'a>, ExtractError> {
        let zip = ZipArchive::new(Cursor::new(bytes)).map_err(zip_error)?;
        if zip.len() > limits.max_zip_entries {
            return Err(ExtractError::ZipBomb {
                limit: limits.max_unzipped_bytes,
            });
        }
        Ok(Archive {
            zip,
            used: 0,
            limit: limits.max_unzipped_bytes,
        })
    }

    /// The entry names (names that are not valid text are skipped).
    pub(crate) fn names(&self) -> Vec<String> {
        self.zip
            .file_names()
            .filter_map(|n| n.ok().map(|n| n.into_owned()))
            .collect()
    }

    pub(crate) fn has(&self, name: &str) -> bool {
        self.zip.index_for_name(name).is_some()
    }

    /// Inflates entry `name` into `out`, within the budget; `Ok(false)` when
    /// there is no such entry.
    pub(crate) fn inflate_into(
        &mut self,
        name: &str,
        out: &mut impl Write,
        sink: &Sink,
    ) -> Result<bool, ExtractError> {
        let Some(index) = self.zip.index_for_name(name) else {
            return Ok(false);
        };
        let bomb = ExtractError::ZipBomb { limit: self.limit };
        let remaining = self.limit.saturating_sub(self.used);
        let mut file = self.zip.by_index(index).map_err(zip_error)?;
        if file.size() > remaining {
            return Err(bomb);
        }
        let mut limited = (&mut file).take(remaining.saturating_add(1));
        let mut buf = vec![0u8; CHUNK];
        let mut total: u64 = 0;
        loop {
            sink.check()?;
            let n = match limited.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                // The zip crate stops an entry that inflates past its
                // declared size: a bomb that lies about its size.
                Err(e) if e.to_string().contains("declared uncompressed size") => return Err(bomb),
                Err(e) => return Err(ExtractError::malformed(format!("zip entry {name}: {e}"))),
            };
            total += n as u64;
            if total > remaining {
                return Err(bomb);
            }
            out.write_all(&buf[..n])
                .map_err(|e| ExtractError::malformed(format!("zip entry {name}: {e}")))?;
        }
        self.used += total;
        Ok(true)
    }

    /// Entry `name` inflated into memory, or `None` if there is none.
    pub(crate) fn read(
        &mut self,
        name: &str,
        sink: &Sink,
    ) -> Result<Option<Vec<u8>>, ExtractError> {
        let mut out = Vec::new();
        Ok(self.inflate_into(name, &mut out, sink)?.then_some(out))
    }
}

/// Sorts names like `ppt/slides/slide10.xml` by the number before the
/// extension (then by name).
pub(crate) fn numeric_order(names: &mut [String]) {
    fn number(name: &str) -> u64 {
        let stem = name.rsplit('/').next().unwrap_or(name);
        let stem = stem.split('.').next().unwrap_or(stem);
        let digits: String = stem
            .chars()
            .rev()
            .take_while(|c| c.is_ascii_digit())
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        digits.parse().unwrap_or(0)
    }
    names.sort_by(|a, b| number(a).cmp(&number(b)).then_with(|| a.cmp(b)));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::zip::ZipWriter;

    fn limits(unzipped: u64, entries: usize) -> ExtractLimits {
        ExtractLimits {
            max_unzipped_bytes: unzipped,
            max_zip_entries: entries,
            ..ExtractLimits::default()
        }
    }

    #[test]
    fn reads_within_the_budget_and_refuses_past_it() {
        let mut z = ZipWriter::new(2020, 1, 1, 0, 0, 0);
        z.add("a.xml", &[b'a'; 600], true);
        z.add("b.xml", &[b'b'; 600], true);
        let bytes = z.finish();
        let l = limits(1000, 10);
        let sink = Sink::new(&l);
        let mut a = Archive::open(&bytes, &l).unwrap();
        assert_eq!(a.read("a.xml", &sink).unwrap().unwrap().len(), 600);
        assert_eq!(a.read("nope.xml", &sink).unwrap(), None);
        assert_eq!(
            a.read("b.xml", &sink),
            Err(ExtractError::ZipBomb { limit: 1000 })
        );
    }

    #[test]
    fn too_many_entries() {
        let mut z = ZipWriter::new(2020, 1, 1, 0, 0, 0);
        for i in 0..20 {
            z.add(&format!("{i}.xml"), b"x", false);
        }
        let bytes = z.finish();
        assert!(matches!(
            Archive::open(&bytes, &limits(1000, 19)),
            Err(ExtractError::ZipBomb { .. })
        ));
        assert!(Archive::open(&bytes, &limits(1000, 20)).is_ok());
    }

    #[test]
    fn numeric_order_of_slides() {
        let mut v: Vec<String> = ["s/slide10.xml", "s/slide2.xml", "s/slide1.xml"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        numeric_order(&mut v);
        assert_eq!(v, ["s/slide1.xml", "s/slide2.xml", "s/slide10.xml"]);
    }
}
