//! Reading gzip'd sources, with random access. [`GzReader`] decompresses
//! a gzip file (several members concatenated, as `cat a.gz b.gz` makes, are
//! one stream) and checks each member's CRC-32 and length. While an import
//! reads a large `.mbox.gz` it records a [`Checkpoint`] every [`SPAN`]
//! bytes of output: the decompressor's state, its 32 KiB window and the
//! position in the compressed file. Reading a message back then starts at
//! the nearest checkpoint before it ([`read_range`]) instead of
//! decompressing the file from its start — for a message near the end of
//! a Podesta-sized mbox.gz, milliseconds instead of seconds.

use std::io::{self, Read, Seek, SeekFrom};

use miniz_oxide::inflate::TINFLStatus;
use miniz_oxide::inflate::core::inflate_flags::{
    TINFL_FLAG_HAS_MORE_INPUT, TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF,
};
use miniz_oxide::inflate::core::{DecompressorOxide, decompress};
use serde::{Deserialize, Serialize};

/// Output between checkpoints.
pub const SPAN: u64 = 16 << 20;
/// Deflate's window: how far back a match may reach.
const WINDOW: usize = 32 << 10;
/// The output buffer: the window plus room to decompress into. Output is
/// written linearly (no wrapping), so that the decompressor refuses a
/// match reaching before the start of its member, as zlib does, instead
/// of copying stale bytes; when the buffer is full its last [`WINDOW`]
/// bytes move to the front.
const OUT_BUF: usize = 256 << 10;
/// Compressed bytes read at a time.
const IN_BUF: usize = 64 << 10;

/// Where decompression can resume: everything the decompressor needs to
/// go on from `out_offset` (uncompressed) = `in_offset` (compressed).
#[derive(Clone, Serialize, Deserialize)]
pub struct Checkpoint {
    /// Offset in the uncompressed stream (all members).
    pub out_offset: u64,
    /// Offset in the gzip file of the next compressed byte.
    pub in_offset: u64,
    state: Box<DecompressorOxide>,
    /// The member's last output before `out_offset` (at most [`WINDOW`]).
    window: Vec<u8>,
}

impl std::fmt::Debug for Checkpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Checkpoint")
            .field("out_offset", &self.out_offset)
            .field("in_offset", &self.in_offset)
            .finish_non_exhaustive()
    }
}

impl Checkpoint {
    /// A compact form to store (JSON, LZ4-compressed).
    pub fn to_bytes(&self) -> Vec<u8> {
        let json = serde_json::to_vec(self).unwrap_or_default();
        lz4_flex::compress_prepend_size(&json)
    }

    /// Reads [`to_bytes`](Checkpoint::to_bytes)'s form; `None` if damaged.
    pub fn from_bytes(bytes: &[u8]) -> Option<Checkpoint> {
        let json = lz4_flex::decompress_size_prepended(bytes).ok()?;
        let cp: Checkpoint = serde_json::from_slice(&json).ok()?;
        (cp.window.len() <= WINDOW).then_some(cp)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Header,
    Body,
    Trailer,
    End,
}

/// A gzip decoder over any reader (see the module doc).
pub struct GzReader<R> {
    inner: R,
    inbuf: Box<[u8]>,
    in_start: usize,
    in_end: usize,
    in_eof: bool,
    /// Compressed bytes read from `inner` (plus the resume offset).
    in_read: u64,
    state: Box<DecompressorOxide>,
    /// [`OUT_BUF`]: the member's recent output, then free space.
    out: Box<[u8]>,
    /// Where the next output byte goes; `out[..out_pos]` is history.
    out_pos: usize,
    /// Output in `out` not yet handed to the caller.
    pending: std::ops::Range<usize>,
    /// Uncompressed bytes produced so far (all members).
    out_total: u64,
    phase: Phase,
    crc: crc32fast::Hasher,
    member_out: u64,
    /// False in a member entered through a checkpoint (its CRC covers
    /// bytes this reader never saw).
    check_member: bool,
    members: u64,
    checkpoints: Option<Vec<Checkpoint>>,
    span: u64,
    next_checkpoint: u64,
}

fn invalid(what: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.into())
}

impl<R: Read> GzReader<R> {
    /// A decoder from the start of a gzip file.
    pub fn new(inner: R) -> GzReader<R> {
        GzReader {
            inner,
            inbuf: vec![0; IN_BUF].into_boxed_slice(),
            in_start: 0,
            in_end: 0,
            in_eof: false,
            in_read: 0,
            state: Box::default(),
            out: vec![0; OUT_BUF].into_boxed_slice(),
            out_pos: 0,
            pending: 0..0,
            out_total: 0,
            phase: Phase::Header,
            crc: crc32fast::Hasher::new(),
            member_out: 0,
            check_member: true,
            members: 0,
            checkpoints: None,
            span: SPAN,
            next_checkpoint: SPAN,
        }
    }

    /// Records a checkpoint every [`SPAN`] bytes of output.
    pub fn with_checkpoints(self) -> GzReader<R> {
        self.with_checkpoint_span(SPAN)
    }

    /// Records a checkpoint every `span` bytes of output (tests, fuzzing).
    pub fn with_checkpoint_span(mut self, span: u64) -> GzReader<R> {
        self.checkpoints = Some(Vec::new());
        self.span = span.max(1);
        self.next_checkpoint = self.span;
        self
    }

    /// The checkpoints recorded so far.
    pub fn take_checkpoints(&mut self) -> Vec<Checkpoint> {
        self.checkpoints
            .as_mut()
            .map(std::mem::take)
            .unwrap_or_default()
    }

    /// Uncompressed bytes produced so far.
    pub fn out_offset(&self) -> u64 {
        self.out_total - (self.pending.end - self.pending.start) as u64
    }

    /// Makes at least `n` unread compressed bytes available (fewer at the
    /// end of the file).
    fn fill(&mut self, n: usize) -> io::Result<usize> {
        while self.in_end - self.in_start < n && !self.in_eof {
            if self.in_start > 0 {
                self.inbuf.copy_within(self.in_start..self.in_end, 0);
                self.in_end -= self.in_start;
                self.in_start = 0;
            }
            match self.inner.read(&mut self.inbuf[self.in_end..]) {
                Ok(0) => self.in_eof = true,
                Ok(k) => {
                    self.in_end += k;
                    self.in_read += k as u64;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(self.in_end - self.in_start)
    }

    fn byte(&mut self) -> io::Result<u8> {
        if self.fill(1)? == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "gzip header cut short",
            ));
        }
        let b = self.inbuf[self.in_start];
        self.in_start += 1;
        Ok(b)
    }

    /// Reads a member header; `false` at the clean end of the file.
    fn header(&mut self) -> io::Result<bool> {
        if self.fill(1)? == 0 {
            if self.members == 0 {
                return Err(invalid("empty gzip file"));
            }
            return Ok(false);
        }
        let mut fixed = [0u8; 10];
        let magic = self.fill(2)? >= 2
            && self.inbuf[self.in_start] == 0x1f
            && self.inbuf[self.in_start + 1] == 0x8b;
        if !magic {
            return Err(invalid(if self.members == 0 {
                "not a gzip file"
            } else {
                "data after the last gzip member is not gzip"
            }));
        }
        for b in &mut fixed {
            *b = self.byte()?;
        }
        if fixed[2] != 8 {
            return Err(invalid("gzip member not compressed with deflate"));
        }
        let flags = fixed[3];
        if flags & 0x04 != 0 {
            let len = u16::from_le_bytes([self.byte()?, self.byte()?]);
            for _ in 0..len {
                self.byte()?;
            }
        }
        for flag in [0x08, 0x10] {
            if flags & flag != 0 {
                while self.byte()? != 0 {}
            }
        }
        if flags & 0x02 != 0 {
            self.byte()?;
            self.byte()?;
        }
        *self.state = DecompressorOxide::new();
        // A new member starts without history.
        self.out_pos = 0;
        self.crc = crc32fast::Hasher::new();
        self.member_out = 0;
        self.check_member = true;
        Ok(true)
    }

    fn trailer(&mut self) -> io::Result<()> {
        let mut t = [0u8; 8];
        for b in &mut t {
            *b = self.byte().map_err(|_| {
                io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "gzip member trailer cut short",
                )
            })?;
        }
        let crc = u32::from_le_bytes([t[0], t[1], t[2], t[3]]);
        let size = u32::from_le_bytes([t[4], t[5], t[6], t[7]]);
        if self.check_member {
            let computed = std::mem::take(&mut self.crc).finalize();
            if crc != computed || size != self.member_out as u32 {
                return Err(invalid("gzip member CRC or length does not match its data"));
            }
        }
        self.members += 1;
        Ok(())
    }

    fn checkpoint(&mut self) {
        if let Some(list) = &mut self.checkpoints
            && self.out_total >= self.next_checkpoint
        {
            let keep = self.out_pos.min(WINDOW);
            list.push(Checkpoint {
                out_offset: self.out_total,
                in_offset: self.in_read - (self.in_end - self.in_start) as u64,
                state: self.state.clone(),
                window: self.out[self.out_pos - keep..self.out_pos].to_vec(),
            });
            self.next_checkpoint = self.out_total + self.span;
        }
    }

    /// Decompresses until some output is pending or the member ends.
    fn inflate(&mut self) -> io::Result<()> {
        loop {
            self.checkpoint();
            if self.in_start == self.in_end && !self.in_eof {
                self.fill(1)?;
            }
            if self.out_pos == OUT_BUF {
                // Full: keep the window, make room after it.
                self.out.copy_within(OUT_BUF - WINDOW..OUT_BUF, 0);
                self.out_pos = WINDOW;
            }
            let flags = TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF
                | if self.in_eof {
                    0
                } else {
                    TINFL_FLAG_HAS_MORE_INPUT
                };
            let (status, used, written) = decompress(
                &mut self.state,
                &self.inbuf[self.in_start..self.in_end],
                &mut self.out,
                self.out_pos,
                flags,
            );
            self.in_start += used;
            if written > 0 {
                let start = self.out_pos;
                self.crc.update(&self.out[start..start + written]);
                self.member_out += written as u64;
                self.out_total += written as u64;
                self.pending = start..start + written;
                self.out_pos = start + written;
            }
            match status {
                TINFLStatus::Done => {
                    self.phase = Phase::Trailer;
                    return Ok(());
                }
                TINFLStatus::HasMoreOutput => {
                    if written == 0 {
                        return Err(invalid("gzip decoder made no progress"));
                    }
                    return Ok(());
                }
                TINFLStatus::NeedsMoreInput => {
                    if written > 0 {
                        // Hand out what there is first.
                        return Ok(());
                    }
                    let have = self.in_end - self.in_start;
                    if self.in_eof || self.fill(have + 1)? == have {
                        return Err(io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            "gzip stream cut short",
                        ));
                    }
                }
                TINFLStatus::FailedCannotMakeProgress => {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "gzip stream cut short",
                    ));
                }
                _ => return Err(invalid("corrupt deflate data in gzip file")),
            }
        }
    }
}

impl<R: Read + Seek> GzReader<R> {
    /// A decoder that goes on from `cp` in `file` (the file it was made
    /// from). The member it resumes in is not CRC-checked.
    pub fn resume(mut file: R, cp: &Checkpoint) -> io::Result<GzReader<R>> {
        file.seek(SeekFrom::Start(cp.in_offset))?;
        let mut r = GzReader::new(file);
        r.in_read = cp.in_offset;
        *r.state = (*cp.state).clone();
        r.out[..cp.window.len()].copy_from_slice(&cp.window);
        r.out_pos = cp.window.len();
        r.out_total = cp.out_offset;
        r.phase = Phase::Body;
        r.check_member = false;
        r.members = 1;
        Ok(r)
    }
}

impl<R: Read> Read for GzReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            if !self.pending.is_empty() {
                let n = buf.len().min(self.pending.len());
                let start = self.pending.start;
                buf[..n].copy_from_slice(&self.out[start..start + n]);
                self.pending.start += n;
                return Ok(n);
            }
            match self.phase {
                Phase::End => return Ok(0),
                Phase::Header => {
                    self.phase = if self.header()? {
                        Phase::Body
                    } else {
                        Phase::End
                    };
                }
                Phase::Body => self.inflate()?,
                Phase::Trailer => {
                    self.trailer()?;
                    self.phase = Phase::Header;
                }
            }
        }
    }
}

/// Reads `length` bytes at uncompressed `offset` of the gzip file at
/// `path`, starting from `cp` (a checkpoint of that file at or before
/// `offset`).
pub fn read_range(
    path: &std::path::Path,
    cp: &Checkpoint,
    offset: u64,
    length: u64,
) -> io::Result<Vec<u8>> {
    read_range_in(super::open_source(path)?, cp, offset, length)
}

/// [`read_range`] in any seekable gzip data.
pub fn read_range_in<R: Read + Seek>(
    file: R,
    cp: &Checkpoint,
    offset: u64,
    length: u64,
) -> io::Result<Vec<u8>> {
    if cp.out_offset > offset {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "checkpoint after the offset",
        ));
    }
    let mut r = GzReader::resume(file, cp)?;
    let skip = offset - cp.out_offset;
    let skipped = io::copy(&mut (&mut r).take(skip), &mut io::sink())?;
    if skipped < skip {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the gzip file ends before the offset",
        ));
    }
    let mut out = Vec::with_capacity(length.min(1 << 30) as usize);
    r.take(length).read_to_end(&mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::Compression;
    use flate2::write::GzEncoder;
    use std::io::Write;

    fn gz(data: &[u8], level: u32) -> Vec<u8> {
        let mut e = GzEncoder::new(Vec::new(), Compression::new(level));
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    /// Text that compresses like mail: repeated words, some noise.
    fn sample(n: usize, seed: u64) -> Vec<u8> {
        let words = [
            "campaign ",
            "finance ",
            "the ",
            "call ",
            "memo\n",
            "From: ",
            "donor ",
            "Re: ",
        ];
        let mut x = seed | 1;
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            if x.is_multiple_of(11) {
                out.push((x >> 24) as u8);
            } else {
                out.extend_from_slice(words[(x % words.len() as u64) as usize].as_bytes());
            }
        }
        out.truncate(n);
        out
    }

    fn decode(bytes: &[u8]) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        GzReader::new(bytes).read_to_end(&mut out)?;
        Ok(out)
    }

    #[test]
    fn decodes_like_flate2_one_and_several_members() {
        for (n, level) in [(0, 6), (1, 1), (100_000, 6), (300_000, 0), (200_000, 9)] {
            let data = sample(n, n as u64 + 3);
            assert_eq!(
                decode(&gz(&data, level)).unwrap(),
                data,
                "{n} bytes, level {level}"
            );
        }
        // Three members, one empty: one stream.
        let (a, b) = (sample(70_000, 1), sample(50_000, 2));
        let mut file = gz(&a, 6);
        file.extend(gz(b"", 6));
        file.extend(gz(&b, 1));
        let mut whole = a.clone();
        whole.extend(&b);
        assert_eq!(decode(&file).unwrap(), whole);
        let mut flate = Vec::new();
        flate2::read::MultiGzDecoder::new(&file[..])
            .read_to_end(&mut flate)
            .unwrap();
        assert_eq!(flate, whole);
    }

    #[test]
    fn header_fields_are_skipped() {
        let data = sample(10_000, 9);
        let mut e = flate2::GzBuilder::new()
            .filename("podesta-emails.mbox")
            .comment("a comment")
            .extra(vec![1, 2, 3, 4])
            .write(Vec::new(), Compression::default());
        e.write_all(&data).unwrap();
        assert_eq!(decode(&e.finish().unwrap()).unwrap(), data);
    }

    #[test]
    fn damage_is_an_error_not_garbage() {
        let data = sample(200_000, 5);
        let file = gz(&data, 6);
        // Cut short: the bytes that were there, then an error.
        let cut = &file[..file.len() / 2];
        let mut out = Vec::new();
        let err = GzReader::new(cut).read_to_end(&mut out).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof, "{err}");
        assert!(!out.is_empty() && data.starts_with(&out));
        // A flipped bit in the CRC.
        let mut bad = file.clone();
        let at = bad.len() - 6;
        bad[at] ^= 1;
        assert_eq!(decode(&bad).unwrap_err().kind(), io::ErrorKind::InvalidData);
        // Trailing junk after the last member.
        let mut junk = file.clone();
        junk.extend_from_slice(b"junk");
        assert_eq!(
            decode(&junk).unwrap_err().kind(),
            io::ErrorKind::InvalidData
        );
        // Not gzip at all, and empty.
        assert_eq!(
            decode(b"From x\n").unwrap_err().kind(),
            io::ErrorKind::InvalidData
        );
        assert!(decode(b"").is_err());
    }

    #[test]
    fn checkpoints_give_random_access() {
        let t = tempfile::tempdir().unwrap();
        let path = t.path().join("big.mbox.gz");
        // Two members, so that checkpoints fall in both.
        let (a, b) = (sample(40 << 20, 11), sample(30 << 20, 12));
        let mut file = gz(&a, 6);
        file.extend(gz(&b, 6));
        std::fs::write(&path, &file).unwrap();
        let mut whole = a;
        whole.extend(&b);

        let mut r = GzReader::new(std::fs::File::open(&path).unwrap()).with_checkpoints();
        let mut out = Vec::new();
        r.read_to_end(&mut out).unwrap();
        assert_eq!(out, whole);
        let cps = r.take_checkpoints();
        assert_eq!(cps.len() as u64, whole.len() as u64 / SPAN, "{cps:?}");
        for cp in &cps {
            let cp = Checkpoint::from_bytes(&cp.to_bytes()).expect("round trip");
            for (delta, len) in [(0u64, 100u64), (5, 70_000), (SPAN - 10, 20)] {
                let off = cp.out_offset + delta;
                if off >= whole.len() as u64 {
                    continue;
                }
                let len = len.min(whole.len() as u64 - off);
                let got = read_range(&path, &cp, off, len).unwrap();
                assert_eq!(got, &whole[off as usize..(off + len) as usize], "at {off}");
            }
        }
        // Reading to the end through a checkpoint in the last member
        // passes its trailer cleanly.
        let last = cps.last().unwrap();
        let tail = whole.len() as u64 - last.out_offset;
        assert_eq!(
            read_range(&path, last, last.out_offset, tail)
                .unwrap()
                .len() as u64,
            tail
        );
        assert!(Checkpoint::from_bytes(b"damaged").is_none());
    }
}
