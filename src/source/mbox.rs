//! The mbox splitter: a stream of bytes in, raw messages with exact offsets
//! out, in bounded memory.
//!
//! Covers the mbox family as written in the wild (mboxo, mboxrd, mboxcl,
//! mboxcl2; LF or CRLF; Google Takeout and Thunderbird exports):
//!
//! - A message starts after a real `From_` line ([`super::is_from_line`]) at
//!   the start of the stream or after a blank line. A `From_` line without a
//!   blank line before it counts only when a header line follows, and the
//!   message before it gets `separator_without_blank_line`.
//! - A `Content-Length` header is trusted only when it lands exactly on the
//!   next separator (or the end), and no plausible message starts inside the
//!   range it claims; otherwise it is ignored and the message gets
//!   `bad_content_length`. A lying length never swallows later messages.
//! - Bytes before the first separator that are not a message become a
//!   [`SourceNote`]; ones that look like a message are kept as one.
//! - The last message is kept even when cut short (`truncated`).
//! - A message larger than the limit is hashed while streaming and only its
//!   head is kept, so memory stays bounded whatever the file holds.
//!
//! The blank line before a separator belongs to the separator, not to the
//! message; a message's bytes are the source bytes, mbox quoting included.

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use sha2::Digest;

use super::{Canonicalizer, RawMessage, SourceNote, is_from_line, is_header_line};
use crate::model::{Defect, DefectKind, Sha256, SourceFormat};

/// How much is read from the stream at a time.
const CHUNK: usize = 1 << 20;
/// Longest `From_` line considered.
const MAX_FROM_LINE: usize = 1000;

/// Splits an mbox stream into messages. Iterate it; afterwards
/// [`MboxSplitter::notes`] holds what was found about the stream as a whole.
pub struct MboxSplitter<R> {
    inner: R,
    path: Arc<Path>,
    format: SourceFormat,
    /// Buffered stream bytes; `buf[0]` is at stream offset `base`.
    buf: Vec<u8>,
    base: u64,
    /// Index in `buf` of the next unconsumed byte (a `From_` line, once started).
    pos: usize,
    eof: bool,
    started: bool,
    max_message: usize,
    max_head: usize,
    notes: Vec<SourceNote>,
}

/// A message's extent, once found.
struct Span {
    /// End of the message bytes (exclusive), index in `buf`.
    end: usize,
    /// Where the next `From_` line starts, or `buf.len()` at the end.
    next: usize,
}

/// State of a message too large to keep: hashed as it streams past.
struct Spill {
    head: Vec<u8>,
    raw: sha2::Sha256,
    key: sha2::Sha256,
    canon: Canonicalizer,
    /// Stream bytes of the message already hashed and dropped.
    spilled: u64,
}

impl<R: Read> MboxSplitter<R> {
    /// `max_message`: largest message kept whole in memory; `max_head`:
    /// how much of a larger one is kept (for its headers).
    pub fn new(
        inner: R,
        path: Arc<Path>,
        format: SourceFormat,
        max_message: usize,
        max_head: usize,
    ) -> Self {
        MboxSplitter {
            inner,
            path,
            format,
            buf: Vec::new(),
            base: 0,
            pos: 0,
            eof: false,
            started: false,
            max_message: max_message.max(1024),
            max_head: max_head.max(1024),
            notes: Vec::new(),
        }
    }

    /// Notes about the stream as a whole (junk, read errors).
    pub fn notes(&self) -> &[SourceNote] {
        &self.notes
    }

    /// Takes the notes gathered so far.
    pub fn take_notes(&mut self) -> Vec<SourceNote> {
        std::mem::take(&mut self.notes)
    }

    /// Reads one more chunk; false at the end of the stream. A read error
    /// ends the stream and is noted (a damaged gzip file, a disk error).
    fn fill(&mut self) -> bool {
        if self.eof {
            return false;
        }
        let old = self.buf.len();
        // Reads straight into the buffer's spare capacity (no zeroing, no copy).
        let r = (&mut self.inner)
            .take(CHUNK as u64)
            .read_to_end(&mut self.buf);
        match r {
            Ok(0) => {
                self.eof = true;
                false
            }
            Ok(_) => true,
            Err(e) => {
                // Bytes read before the error stay in the buffer.
                self.eof = true;
                self.notes.push(SourceNote {
                    path: self.path.to_path_buf(),
                    offset: self.base + self.buf.len() as u64,
                    text: format!("read error, the rest of the file could not be read: {e}"),
                });
                self.buf.len() > old
            }
        }
    }

    /// Makes sure `buf[..end]` is loaded, as far as the stream goes.
    fn fill_to(&mut self, end: usize) {
        while self.buf.len() < end && self.fill() {}
    }

    /// Drops consumed bytes from the front of the buffer.
    fn compact(&mut self) {
        if self.pos > 0 && (self.pos >= CHUNK || self.pos * 2 >= self.buf.len()) {
            self.buf.drain(..self.pos);
            self.base += self.pos as u64;
            self.pos = 0;
        }
    }

    /// End of the line starting at `start` (index of its `\n`, or the end of
    /// the data), loading up to `max` bytes of it.
    fn line_end(&mut self, start: usize, max: usize) -> usize {
        loop {
            let limit = self.buf.len().min(start + max);
            if let Some(i) = memchr::memchr(b'\n', &self.buf[start..limit]) {
                return start + i;
            }
            if self.buf.len() >= start + max || !self.fill() {
                return self.buf.len().min(start + max);
            }
        }
    }

    /// The line starting at `start`, without line end.
    fn line_at(&mut self, start: usize, max: usize) -> &[u8] {
        let end = self.line_end(start, max);
        let line = &self.buf[start..end];
        line.strip_suffix(b"\r").unwrap_or(line)
    }

    /// End of the line at `at` (index of its `\n`, or the end of the data)
    /// when the line, without its line end, is at most [`MAX_FROM_LINE`]
    /// bytes; `None` for a longer one. A longer line is never a separator:
    /// taking its first [`MAX_FROM_LINE`] bytes for one cut the message in
    /// the middle of that line and lost a byte (found by the
    /// `mbox_splitter` fuzz target).
    fn separator_line_end(&mut self, at: usize) -> Option<usize> {
        let end = self.line_end(at, MAX_FROM_LINE + 2);
        let line = &self.buf[at..end];
        let len = line.strip_suffix(b"\r").unwrap_or(line).len();
        (len <= MAX_FROM_LINE).then_some(end)
    }

    /// Whether a separator starts at `at` (a `From_` line). With
    /// `need_header`, the line after it must also be a header line.
    fn separator_at(&mut self, at: usize, need_header: bool) -> bool {
        let Some(end) = self.separator_line_end(at) else {
            return false;
        };
        let line = &self.buf[at..end];
        if !is_from_line(line.strip_suffix(b"\r").unwrap_or(line)) {
            return false;
        }
        if !need_header {
            return true;
        }
        if end >= self.buf.len() {
            return false;
        }
        is_header_line(self.line_at(end + 1, 200))
    }

    /// Whether the line ending just before `nl` (the `\n` at index `nl-1`…)
    /// is blank: i.e. `buf[..=nl]` ends with `\n\n` or `\n\r\n`.
    fn blank_line_ends_at(&self, nl: usize, floor: usize) -> bool {
        (nl > floor && self.buf[nl - 1] == b'\n')
            || (nl >= floor + 2 && self.buf[nl - 1] == b'\r' && self.buf[nl - 2] == b'\n')
    }

    /// Skips junk before the first separator, noting it.
    fn start(&mut self) {
        self.started = true;
        self.fill_to(MAX_FROM_LINE);
        if self.separator_at(0, false) {
            return;
        }
        let mut scan = 0;
        loop {
            let found = memchr::memmem::find(&self.buf[scan..], b"\nFrom ").map(|i| scan + i);
            match found {
                Some(i) => {
                    if self.blank_line_ends_at(i, 0) && self.separator_at(i + 1, true) {
                        return self.junk(i + 1);
                    }
                    scan = i + 1;
                }
                None => {
                    let len = self.buf.len();
                    if !self.fill() {
                        return self.junk(len);
                    }
                    scan = len.saturating_sub(6).max(scan);
                    // Junk is not kept in memory: note it as it goes.
                    if scan > CHUNK {
                        self.junk(scan);
                        self.buf.drain(..scan);
                        self.base += scan as u64;
                        self.pos = 0;
                        scan = 0;
                    }
                }
            }
        }
    }

    /// Notes `buf[..end]`, found before the first separator, as skipped.
    fn junk(&mut self, end: usize) {
        self.pos = end;
        if self.buf[..end]
            .iter()
            .all(|b| matches!(b, b'\n' | b'\r' | b' ' | b'\t'))
        {
            return;
        }
        let offset = self.base;
        match self.notes.last_mut() {
            // Junk noted in pieces (it was larger than the buffer) is one note.
            Some(n) if n.text.starts_with("junk:") && n.path == *self.path => {
                let total = offset + end as u64 - n.offset;
                n.text = junk_text(total);
            }
            _ => self.notes.push(SourceNote {
                path: self.path.to_path_buf(),
                offset,
                text: junk_text(end as u64),
            }),
        }
    }

    /// Finds where the message whose bytes start at `start` ends, honouring
    /// a trustworthy Content-Length. Spills the message if it grows too big.
    fn find_span(
        &mut self,
        start: &mut usize,
        spill: &mut Option<Spill>,
        defects: &mut Vec<Defect>,
    ) -> Span {
        if let Some(span) = self.content_length_span(*start, defects) {
            return span;
        }
        let mut scan = *start;
        loop {
            let found = memchr::memmem::find(&self.buf[scan..], b"\nFrom ").map(|i| scan + i);
            if let Some(i) = found {
                let floor = if spill.is_some() {
                    0
                } else {
                    start.saturating_sub(1)
                };
                if self.blank_line_ends_at(i, floor) {
                    if self.separator_at(i + 1, false) {
                        let end = if self.buf[i - 1] == b'\r' { i - 1 } else { i };
                        return Span {
                            end: end.max(*start),
                            next: i + 1,
                        };
                    }
                } else if self.separator_at(i + 1, true) {
                    defects.push(Defect::new(
                        DefectKind::SeparatorWithoutBlankLine,
                        format!(
                            "next From_ line at offset {} has no blank line before it",
                            self.base + i as u64 + 1
                        ),
                    ));
                    return Span {
                        end: i + 1,
                        next: i + 1,
                    };
                }
                scan = i + 1;
                continue;
            }
            let len = self.buf.len();
            if !self.fill() {
                let mut end = len;
                // The blank line that ends the file belongs to no message.
                if end >= *start + 2 && self.buf[end - 1] == b'\n' {
                    if self.buf[end - 2] == b'\n' {
                        end -= 1;
                    } else if end >= *start + 3
                        && self.buf[end - 2] == b'\r'
                        && self.buf[end - 3] == b'\n'
                    {
                        end -= 2;
                    }
                } else if end > *start && self.buf[end - 1] != b'\n' {
                    defects.push(Defect::new(
                        DefectKind::Truncated,
                        "the file ends inside this message (no final newline)",
                    ));
                }
                return Span { end, next: len };
            }
            // Keep 7 bytes before the new data: enough to see "\n\r\nFrom ".
            scan = len.saturating_sub(7).max(scan);
            if len - *start > self.max_message {
                self.spill(start, &mut scan, spill);
            }
        }
    }

    /// Hashes and drops the bytes of an oversized message that are surely
    /// part of it (all but the last few), keeping its head.
    fn spill(&mut self, start: &mut usize, scan: &mut usize, spill: &mut Option<Spill>) {
        let keep_from = self.buf.len().saturating_sub(8).max(*start);
        let s = spill.get_or_insert_with(|| Spill {
            head: self.buf[*start..(*start + self.max_head).min(self.buf.len())].to_vec(),
            raw: sha2::Sha256::new(),
            key: sha2::Sha256::new(),
            canon: Canonicalizer::new(true),
            spilled: 0,
        });
        let chunk = &self.buf[*start..keep_from];
        s.raw.update(chunk);
        let key = &mut s.key;
        s.canon.feed(chunk, &mut |b| key.update(b));
        s.spilled += chunk.len() as u64;
        self.buf.drain(..keep_from);
        self.base += keep_from as u64;
        *scan = scan.saturating_sub(keep_from);
        *start = 0;
    }

    /// The span given by a Content-Length header, when it can be trusted.
    fn content_length_span(&mut self, start: usize, defects: &mut Vec<Defect>) -> Option<Span> {
        // Find the end of the header block within the head limit.
        let mut scan = start;
        let body = loop {
            let limit = self.buf.len().min(start + self.max_head);
            if let Some(i) = find_blank_line(&self.buf[scan..limit]) {
                break scan + i;
            }
            if self.buf.len() >= start + self.max_head || !self.fill() {
                return None;
            }
            scan = scan
                .max(self.buf.len().saturating_sub(CHUNK + 4))
                .max(start);
        };
        let claimed = content_length(&self.buf[start..body])?;
        let claimed = usize::try_from(claimed).ok()?;
        if claimed > self.max_message {
            return None;
        }
        let cand = body + claimed;
        self.fill_to(cand + MAX_FROM_LINE + 4);
        let landed = self.landing(cand);
        let verdict = match landed {
            Some(next) if !self.message_inside(body, cand) => {
                return Some(Span { end: cand, next });
            }
            Some(_) => "a message starts inside the range it claims",
            None if cand > self.buf.len() => "it reaches past the end of the file",
            None => "it does not end at a From_ line",
        };
        defects.push(Defect::new(
            DefectKind::BadContentLength,
            format!("Content-Length {claimed} ignored: {verdict}"),
        ));
        None
    }

    /// Where the next message starts if one ends at `at`: after at most two
    /// line ends there must be a separator, or the end of the stream.
    fn landing(&mut self, at: usize) -> Option<usize> {
        if at > self.buf.len() {
            return None;
        }
        let mut j = at;
        for _ in 0..3 {
            if j == self.buf.len() && self.eof {
                return Some(j);
            }
            if self.buf[j..].starts_with(b"From ") {
                return self.separator_at(j, false).then_some(j);
            }
            if self.buf[j..].starts_with(b"\r\n") {
                j += 2;
            } else if self.buf[j..].starts_with(b"\n") {
                j += 1;
            } else {
                return None;
            }
        }
        None
    }

    /// Whether a real message starts within `buf[from..to]`: after a blank
    /// line, a From_ line and a full header block (two or more fields, one of
    /// them From, Date, Message-ID, Received or Return-Path). A From_ line
    /// with a scrap of headers pasted into a body (as mboxcl2 allows) is not
    /// one, so a Content-Length around it is still trusted.
    fn message_inside(&mut self, from: usize, to: usize) -> bool {
        let mut scan = from;
        while let Some(i) = memchr::memmem::find(&self.buf[scan..to], b"\nFrom ") {
            let i = scan + i;
            if self.blank_line_ends_at(i, from)
                && self.separator_at(i + 1, true)
                && self.full_header_block_after(i + 1)
            {
                return true;
            }
            scan = i + 1;
        }
        false
    }

    /// Whether the From_ line at `at` is followed by a full header block.
    fn full_header_block_after(&mut self, at: usize) -> bool {
        const STRONG: [&[u8]; 5] = [b"from", b"date", b"message-id", b"received", b"return-path"];
        let mut line_start = self.line_end(at, MAX_FROM_LINE + 2) + 1;
        let (mut fields, mut strong) = (0, false);
        for _ in 0..64 {
            if line_start >= self.buf.len() {
                break;
            }
            let end = self.line_end(line_start, 4096);
            let line = &self.buf[line_start..end];
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.is_empty() {
                break;
            }
            if is_header_line(line) {
                fields += 1;
                let name_end = line
                    .iter()
                    .position(|&b| b == b':' || b == b' ')
                    .unwrap_or(0);
                strong |= STRONG
                    .iter()
                    .any(|s| line[..name_end].eq_ignore_ascii_case(s));
            } else if line[0] != b' ' && line[0] != b'\t' {
                break;
            }
            line_start = end + 1;
        }
        fields >= 2 && strong
    }
}

impl<R: Read> Iterator for MboxSplitter<R> {
    type Item = RawMessage;

    fn next(&mut self) -> Option<RawMessage> {
        if !self.started {
            self.start();
        }
        self.compact();
        self.fill_to(self.pos + MAX_FROM_LINE + 2);
        if self.pos >= self.buf.len() {
            return None;
        }
        // At a From_ line (of at most MAX_FROM_LINE bytes: see `separator_line_end`).
        let line_end = self.line_end(self.pos, MAX_FROM_LINE + 2);
        let from_line = {
            let line = &self.buf[self.pos..line_end];
            String::from_utf8_lossy(line.strip_suffix(b"\r").unwrap_or(line)).into_owned()
        };
        let mut start = (line_end + 1).min(self.buf.len());
        let offset = self.base + start as u64;
        let mut defects = Vec::new();
        let mut spill = None;
        let span = self.find_span(&mut start, &mut spill, &mut defects);
        self.pos = span.next;
        let tail = &self.buf[start..span.end];
        let (bytes, hashes, length) = match spill {
            None if tail.len() <= self.max_message => (tail.to_vec(), None, tail.len() as u64),
            // Larger than the limit but found within one buffer: the same
            // treatment as a spilled message.
            None => (
                tail[..self.max_head.min(tail.len())].to_vec(),
                Some(super::hash_message(tail, true)),
                tail.len() as u64,
            ),
            Some(mut s) => {
                s.raw.update(tail);
                let key = &mut s.key;
                s.canon.feed(tail, &mut |b| key.update(b));
                s.canon.finish(&mut |b| key.update(b));
                let hashes = (
                    Sha256(s.raw.finalize().into()),
                    Sha256(s.key.finalize().into()),
                );
                (s.head, Some(hashes), s.spilled + tail.len() as u64)
            }
        };
        Some(RawMessage {
            path: self.path.clone(),
            format: self.format,
            offset,
            length,
            bytes,
            hashes,
            from_line: Some(from_line),
            maildir_flags: None,
            mbox_quoted: true,
            defects,
            parse_bytes: None,
            converted: None,
            labels: Vec::new(),
        })
    }
}

/// Index of the first byte after the blank line ending a header block in
/// `data` (which starts at a header line).
fn find_blank_line(data: &[u8]) -> Option<usize> {
    if data.starts_with(b"\n") {
        return Some(1);
    }
    if data.starts_with(b"\r\n") {
        return Some(2);
    }
    // Line by line: a header block is short, and searching the whole range
    // for both "\n\n" and "\n\r\n" read up to `max_head` bytes per message
    // for the line end the file does not use.
    memchr::memchr_iter(b'\n', data).find_map(|i| match data.get(i + 1..) {
        Some([b'\n', ..]) => Some(i + 2),
        Some([b'\r', b'\n', ..]) => Some(i + 3),
        _ => None,
    })
}

/// The value of a `Content-Length` header in a header block.
fn content_length(headers: &[u8]) -> Option<u64> {
    for line in super::lines(headers) {
        if line.len() > 15 && line[..15].eq_ignore_ascii_case(b"content-length:") {
            let v = std::str::from_utf8(&line[15..]).ok()?.trim();
            return v.parse().ok();
        }
    }
    None
}

fn junk_text(len: u64) -> String {
    format!("junk: {len} bytes before the first From_ line are not a message; skipped")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::hash_message;
    use proptest::prelude::*;
    use std::io;

    /// Hands out at most `n` bytes per read, to exercise buffer edges.
    struct Trickle<'a>(&'a [u8], usize);
    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let n = self.0.len().min(out.len()).min(self.1);
            out[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    fn split_with(data: &[u8], per_read: usize, max: usize) -> (Vec<RawMessage>, Vec<SourceNote>) {
        let mut s = MboxSplitter::new(
            Trickle(data, per_read),
            Arc::from(Path::new("/t.mbox")),
            SourceFormat::Mbox,
            max,
            1024,
        );
        let msgs: Vec<_> = s.by_ref().collect();
        (msgs, s.take_notes())
    }

    /// Splits three ways (whole reads, 7-byte reads, 1-byte reads) and
    /// checks they agree and that every span is where it says it is.
    fn split(data: &[u8]) -> (Vec<RawMessage>, Vec<SourceNote>) {
        let (a, notes) = split_with(data, usize::MAX, 1 << 30);
        for per_read in [1, 7] {
            let (b, notes_b) = split_with(data, per_read, 1 << 30);
            assert_eq!(a.len(), b.len(), "per_read {per_read}");
            for (x, y) in a.iter().zip(&b) {
                assert_eq!(
                    (x.offset, x.length, &x.bytes),
                    (y.offset, y.length, &y.bytes)
                );
                assert_eq!(x.defects, y.defects);
            }
            assert_eq!(notes, notes_b);
        }
        for m in &a {
            let o = m.offset as usize;
            assert_eq!(&data[o..o + m.length as usize], &m.bytes[..]);
        }
        (a, notes)
    }

    fn bodies(msgs: &[RawMessage]) -> Vec<String> {
        msgs.iter()
            .map(|m| String::from_utf8_lossy(&m.bytes).into_owned())
            .collect()
    }

    const F1: &str = "From alice@example.org Mon Oct 12 14:02:11 2015";
    const F2: &str = "From bob@example.org Tue Oct 13 09:00:00 2015";
    const F3: &str = "From MAILER-DAEMON Wed Oct 14 10:00:00 2015";

    #[test]
    fn splits_on_real_separators_only() {
        let data = format!(
            "{F1}\nSubject: one\n\nFrom here on we talk by phone.\n\n>From the top\n\n{F2}\nSubject: two\n\nbody\n\n{F3}\nSubject: three\n\nlast\n"
        );
        let (msgs, notes) = split(data.as_bytes());
        assert!(notes.is_empty());
        assert_eq!(
            bodies(&msgs),
            [
                "Subject: one\n\nFrom here on we talk by phone.\n\n>From the top\n",
                "Subject: two\n\nbody\n",
                "Subject: three\n\nlast\n"
            ]
        );
        assert_eq!(msgs[0].from_line.as_deref(), Some(F1));
        assert!(msgs.iter().all(|m| m.defects.is_empty()));
        // The key sees the unquoted line.
        let (_, key) = hash_message(&msgs[0].bytes, true);
        assert_eq!(
            key,
            Sha256::of(b"Subject: one\n\nFrom here on we talk by phone.\n\nFrom the top")
        );
    }

    #[test]
    fn crlf_mbox() {
        let data =
            format!("{F1}\r\nSubject: a\r\n\r\nx\r\n\r\n{F2}\r\nSubject: b\r\n\r\ny\r\n\r\n");
        let (msgs, _) = split(data.as_bytes());
        assert_eq!(
            bodies(&msgs),
            ["Subject: a\r\n\r\nx\r\n", "Subject: b\r\n\r\ny\r\n"]
        );
        assert_eq!(msgs[1].from_line.as_deref(), Some(F2));
    }

    #[test]
    fn trusted_content_length_keeps_unquoted_from_lines() {
        let body = format!("line\n\n{F3}\nnot a header line\n");
        let data = format!(
            "{F1}\nContent-Length: {}\nSubject: cl2\n\n{body}\n{F2}\nSubject: next\n\nz\n",
            body.len()
        );
        let (msgs, _) = split(data.as_bytes());
        assert_eq!(msgs.len(), 2);
        assert!(msgs[0].bytes.ends_with(body.as_bytes()));
        assert!(msgs[0].defects.is_empty(), "{:?}", msgs[0].defects);
    }

    #[test]
    fn trusted_content_length_keeps_a_pasted_excerpt() {
        let body = format!("pasted:\n\n{F3}\nSubject: budget\n\nFrom here on.\n");
        let data = format!(
            "{F1}\nContent-Length: {}\nSubject: cl2\n\n{body}\n{F2}\nSubject: next\n\nz\n",
            body.len()
        );
        let (msgs, _) = split(data.as_bytes());
        assert_eq!(msgs.len(), 2);
        assert!(msgs[0].defects.is_empty(), "{:?}", msgs[0].defects);
    }

    #[test]
    fn lying_content_length_swallows_nothing() {
        for claimed in [10_000, 61, 3] {
            let data = format!(
                "{F1}\nContent-Length: {claimed}\nSubject: liar\n\nshort\n\n{F2}\nSubject: two\n\nb\n\n{F3}\nSubject: three\n\nc\n"
            );
            let (msgs, _) = split(data.as_bytes());
            assert_eq!(msgs.len(), 3, "claimed {claimed}");
            assert_eq!(msgs[0].defects.len(), 1, "claimed {claimed}");
            assert_eq!(msgs[0].defects[0].kind, DefectKind::BadContentLength);
            assert!(msgs[1].defects.is_empty() && msgs[2].defects.is_empty());
        }
        // A length landing exactly on the third separator must not be trusted
        // either: a real message starts inside the range.
        let tail = format!("short\n\n{F2}\nFrom: b@example.org\nSubject: two\n\nb\n");
        let data = format!(
            "{F1}\nContent-Length: {}\nSubject: liar\n\n{tail}\n{F3}\nSubject: three\n\nc\n",
            tail.len()
        );
        let (msgs, _) = split(data.as_bytes());
        assert_eq!(msgs.len(), 3);
        assert_eq!(msgs[0].defects[0].kind, DefectKind::BadContentLength);
    }

    #[test]
    fn junk_before_first_separator_is_noted() {
        let data = format!("garbage line\nmore\n\n{F1}\nSubject: a\n\nx\n");
        let (msgs, notes) = split(data.as_bytes());
        assert_eq!(bodies(&msgs), ["Subject: a\n\nx\n"]);
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0].offset, 0);
        assert!(notes[0].text.contains("19 bytes"), "{}", notes[0].text);
    }

    #[test]
    fn truncated_last_message_is_kept() {
        let data = format!("{F1}\nSubject: a\n\nx\n\n{F2}\nSubject: b\n\nhalf a li");
        let (msgs, _) = split(data.as_bytes());
        assert_eq!(msgs.len(), 2);
        assert_eq!(msgs[1].bytes, b"Subject: b\n\nhalf a li");
        assert_eq!(msgs[1].defects[0].kind, DefectKind::Truncated);
    }

    #[test]
    fn separator_without_blank_line() {
        let data = format!("{F1}\nSubject: a\n\nx\n{F2}\nSubject: b\n\ny\n");
        let (msgs, _) = split(data.as_bytes());
        assert_eq!(bodies(&msgs), ["Subject: a\n\nx\n", "Subject: b\n\ny\n"]);
        assert_eq!(
            msgs[0].defects[0].kind,
            DefectKind::SeparatorWithoutBlankLine
        );
        // Without a header line after it, such a line is body text.
        let data = format!("{F1}\nSubject: a\n\nx\n{F2}\nplain text\n");
        let (msgs, _) = split(data.as_bytes());
        assert_eq!(msgs.len(), 1);
    }

    #[test]
    fn a_from_line_longer_than_the_limit_is_not_a_separator() {
        // Found by the mbox_splitter fuzz target: the first 1000 bytes of a
        // longer line were taken for a separator and byte 1000 was lost.
        let long = format!("{F1}{}", " x".repeat(600));
        let data = format!("{F2}\nSubject: a\n\nbody\n\n{long}\nSubject: b\n\nmore\n");
        let (msgs, _) = split(data.as_bytes());
        assert_eq!(msgs.len(), 1, "the long line is body text");
        assert!(msgs[0].bytes.ends_with(b"more\n"));
        // Up to the limit (with CRLF too) it still is one.
        let edge = format!("{F1}{}", " ".repeat(MAX_FROM_LINE - F1.len()));
        for nl in ["\n", "\r\n"] {
            let data =
                format!("{F2}{nl}Subject: a{nl}{nl}x{nl}{nl}{edge}{nl}Subject: b{nl}{nl}y{nl}");
            let (msgs, _) = split(data.as_bytes());
            assert_eq!(msgs.len(), 2, "{nl:?}");
            assert_eq!(msgs[1].from_line.as_deref(), Some(edge.as_str()));
            assert!(msgs[1].bytes.starts_with(b"Subject: b"), "{nl:?}");
        }
    }

    #[test]
    fn empty_messages_and_empty_input() {
        let data = format!("{F1}\n\n{F2}\nSubject: b\n\ny\n");
        let (msgs, _) = split(data.as_bytes());
        assert_eq!(bodies(&msgs), ["", "Subject: b\n\ny\n"]);
        assert!(split(b"").0.is_empty());
    }

    #[test]
    fn oversized_message_is_hashed_not_held() {
        let big: String = "0123456789abcdef\n".repeat(10_000);
        let body = format!("Subject: big\n\n{big}>From quoted\n");
        let data = format!("{F1}\n{body}\n{F2}\nSubject: b\n\ny\n");
        let max = 4096;
        let (msgs, _) = split_with(data.as_bytes(), 1000, max);
        assert_eq!(msgs.len(), 2);
        let m = &msgs[0];
        assert_eq!(m.length as usize, body.len());
        assert_eq!(m.bytes.len(), 1024, "only the head is kept");
        assert!(m.bytes.starts_with(b"Subject: big"));
        assert_eq!(m.hashes, Some(hash_message(body.as_bytes(), true)));
        assert_eq!(m.offset as usize, F1.len() + 1);
        assert_eq!(msgs[1].bytes, b"Subject: b\n\ny\n");
    }

    fn fragment() -> impl Strategy<Value = String> {
        prop_oneof![
            Just(format!("{F1}\n")),
            Just(format!("{F2}\r\n")),
            Just("Subject: x\n".to_string()),
            Just("Content-Length: 5\n".to_string()),
            Just("\n".to_string()),
            Just("\r\n".to_string()),
            Just(">From y\n".to_string()),
            Just("From here\n".to_string()),
            Just("text".to_string()),
        ]
    }

    proptest! {
        /// The end of a header block is the first "\n\n" or "\n\r\n"
        /// (or a blank first line), whichever comes first.
        #[test]
        fn blank_line_is_the_first_of_either_kind(
            data in proptest::collection::vec(
                prop_oneof![Just(b'\n'), Just(b'\r'), Just(b'a'), Just(b':')],
                0..64,
            )
        ) {
            let reference = if data.starts_with(b"\n") {
                Some(1)
            } else if data.starts_with(b"\r\n") {
                Some(2)
            } else {
                let lf = memchr::memmem::find(&data, b"\n\n").map(|i| (i, i + 2));
                let crlf = memchr::memmem::find(&data, b"\n\r\n").map(|i| (i, i + 3));
                [lf, crlf].into_iter().flatten().min().map(|(_, end)| end)
            };
            prop_assert_eq!(find_blank_line(&data), reference);
        }

        /// The splitter never loses bytes: between consecutive messages
        /// there is only a From_ line and line ends, and every byte before
        /// the first message is either blank or noted as junk.
        #[test]
        fn spans_cover_the_input(parts in proptest::collection::vec(fragment(), 0..40)) {
            let data = parts.concat();
            let (msgs, notes) = split(data.as_bytes());
            let mut at = 0usize;
            for (n, m) in msgs.iter().enumerate() {
                let gap = &data.as_bytes()[at..m.offset as usize];
                let from = m.from_line.as_deref().unwrap();
                let gap_text = String::from_utf8_lossy(gap);
                let rest = if n == 0 {
                    let i = gap_text.rfind(from).unwrap();
                    let pre = &gap_text[..i];
                    prop_assert!(pre.trim().is_empty() || notes.len() == 1, "pre {pre:?}");
                    &gap_text[i + from.len()..]
                } else {
                    prop_assert!(gap_text.trim_start_matches(['\r', '\n']).starts_with(from),
                        "gap {gap_text:?}");
                    gap_text.trim_start_matches(['\r', '\n']).strip_prefix(from).unwrap()
                };
                prop_assert!(rest == "\n" || rest == "\r\n", "rest {rest:?}");
                at = (m.offset + m.length) as usize;
            }
            let tail = &data.as_bytes()[at..];
            prop_assert!(tail.iter().all(|b| *b == b'\n' || *b == b'\r')
                || (msgs.is_empty() && notes.len() == 1), "tail {:?}", String::from_utf8_lossy(tail));
        }
    }
}
