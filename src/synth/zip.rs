//! A minimal ZIP writer (stored or deflated entries, CRC-32, UTF-8 names,
//! fixed timestamps), enough to produce real DOCX and XLSX containers.

use std::io::Write;

use flate2::Compression;
use flate2::write::DeflateEncoder;

struct Entry {
    name: String,
    crc: u32,
    compressed: u32,
    size: u32,
    method: u16,
    offset: u32,
}

/// Builds a ZIP archive in memory.
pub struct ZipWriter {
    buf: Vec<u8>,
    entries: Vec<Entry>,
    dos_time: u16,
    dos_date: u16,
}

/// CRC-32 (ISO-HDLC, as ZIP and PNG use it).
pub fn crc32(data: &[u8]) -> u32 {
    let mut c = flate2::Crc::new();
    c.update(data);
    c.sum()
}

impl ZipWriter {
    /// An empty archive whose entries carry the given local date and time.
    pub fn new(year: i64, month: u32, day: u32, hour: u32, minute: u32, second: u32) -> ZipWriter {
        let y = (year.clamp(1980, 2107) - 1980) as u16;
        ZipWriter {
            buf: Vec::new(),
            entries: Vec::new(),
            dos_time: ((hour as u16) << 11) | ((minute as u16) << 5) | ((second as u16) / 2),
            dos_date: (y << 9) | ((month as u16) << 5) | day as u16,
        }
    }

    /// Add an entry, deflated when `deflate` is set.
    pub fn add(&mut self, name: &str, data: &[u8], deflate: bool) {
        let crc = crc32(data);
        let (method, body) = if deflate {
            let mut enc = DeflateEncoder::new(Vec::new(), Compression::new(6));
            // Writing into a Vec cannot fail.
            let body = enc
                .write_all(data)
                .and_then(|_| enc.finish())
                .unwrap_or_default();
            (8u16, body)
        } else {
            (0u16, data.to_vec())
        };
        let offset = self.buf.len() as u32;
        let b = &mut self.buf;
        b.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        b.extend_from_slice(&20u16.to_le_bytes()); // version needed
        b.extend_from_slice(&0x0800u16.to_le_bytes()); // UTF-8 names
        b.extend_from_slice(&method.to_le_bytes());
        b.extend_from_slice(&self.dos_time.to_le_bytes());
        b.extend_from_slice(&self.dos_date.to_le_bytes());
        b.extend_from_slice(&crc.to_le_bytes());
        b.extend_from_slice(&(body.len() as u32).to_le_bytes());
        b.extend_from_slice(&(data.len() as u32).to_le_bytes());
        b.extend_from_slice(&(name.len() as u16).to_le_bytes());
        b.extend_from_slice(&0u16.to_le_bytes());
        b.extend_from_slice(name.as_bytes());
        b.extend_from_slice(&body);
        self.entries.push(Entry {
            name: name.to_string(),
            crc,
            compressed: body.len() as u32,
            size: data.len() as u32,
            method,
            offset,
        });
    }

    /// Write the central directory and return the archive bytes.
    pub fn finish(mut self) -> Vec<u8> {
        let cd_start = self.buf.len() as u32;
        for e in &self.entries {
            let b = &mut self.buf;
            b.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
            b.extend_from_slice(&20u16.to_le_bytes()); // version made by
            b.extend_from_slice(&20u16.to_le_bytes()); // version needed
            b.extend_from_slice(&0x0800u16.to_le_bytes());
            b.extend_from_slice(&e.method.to_le_bytes());
            b.extend_from_slice(&self.dos_time.to_le_bytes());
            b.extend_from_slice(&self.dos_date.to_le_bytes());
            b.extend_from_slice(&e.crc.to_le_bytes());
            b.extend_from_slice(&e.compressed.to_le_bytes());
            b.extend_from_slice(&e.size.to_le_bytes());
            b.extend_from_slice(&(e.name.len() as u16).to_le_bytes());
            b.extend_from_slice(&0u16.to_le_bytes()); // extra
            b.extend_from_slice(&0u16.to_le_bytes()); // comment
            b.extend_from_slice(&0u16.to_le_bytes()); // disk
            b.extend_from_slice(&0u16.to_le_bytes()); // internal attrs
            b.extend_from_slice(&0u32.to_le_bytes()); // external attrs
            b.extend_from_slice(&e.offset.to_le_bytes());
            b.extend_from_slice(e.name.as_bytes());
        }
        let cd_size = self.buf.len() as u32 - cd_start;
        let n = self.entries.len() as u16;
        let b = &mut self.buf;
        b.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
        b.extend_from_slice(&0u16.to_le_bytes());
        b.extend_from_slice(&0u16.to_le_bytes());
        b.extend_from_slice(&n.to_le_bytes());
        b.extend_from_slice(&n.to_le_bytes());
        b.extend_from_slice(&cd_size.to_le_bytes());
        b.extend_from_slice(&cd_start.to_le_bytes());
        b.extend_from_slice(&0u16.to_le_bytes());
        self.buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn crc_known() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn entries_round_trip() {
        let mut z = ZipWriter::new(2015, 10, 12, 14, 2, 11);
        z.add("a.txt", b"hello hello hello hello", true);
        z.add("dir/b.xml", b"<x/>", false);
        let bytes = z.finish();
        assert_eq!(&bytes[..4], b"PK\x03\x04");
        // Walk the local headers and inflate.
        let mut pos = 0;
        let mut names = Vec::new();
        while bytes[pos..].starts_with(b"PK\x03\x04") {
            let u16at = |p: usize| u16::from_le_bytes([bytes[p], bytes[p + 1]]) as usize;
            let u32at =
                |p: usize| u32::from_le_bytes([bytes[p], bytes[p + 1], bytes[p + 2], bytes[p + 3]]);
            let method = u16at(pos + 8);
            let crc = u32at(pos + 14);
            let csize = u32at(pos + 18) as usize;
            let nlen = u16at(pos + 26);
            let name = String::from_utf8(bytes[pos + 30..pos + 30 + nlen].to_vec()).unwrap();
            let data = &bytes[pos + 30 + nlen..pos + 30 + nlen + csize];
            let plain = if method == 8 {
                let mut out = Vec::new();
                flate2::read::DeflateDecoder::new(data)
                    .read_to_end(&mut out)
                    .unwrap();
                out
            } else {
                data.to_vec()
            };
            assert_eq!(crc32(&plain), crc);
            names.push(name);
            pos += 30 + nlen + csize;
        }
        assert_eq!(names, ["a.txt", "dir/b.xml"]);
        assert!(bytes[pos..].starts_with(b"PK\x01\x02"));
        let eocd = bytes.len() - 22;
        assert!(bytes[eocd..].starts_with(b"PK\x05\x06"));
    }
}
