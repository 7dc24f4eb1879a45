//! Sources: turning files and folders into raw messages with their origin.
//!
//! This module owns format detection (by content, never by file name), the
//! canonical form of a message that its key is computed from, and the walk
//! over folders. The mbox splitter lives in [`mbox`], single files and
//! maildir flags in [`eml`], the folder walk in [`walk`], and gzip
//! decoding with checkpoints for random access in [`gzindex`].
//!
//! Sources are only ever opened for reading.

pub mod archive;
pub mod eml;
pub mod emlx;
pub mod gzindex;
pub mod mbox;
pub mod walk;

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use sha2::Digest;

use crate::model::{Defect, Sha256, SourceFormat};

/// How many bytes of a file are looked at to detect its format.
pub const SNIFF_BYTES: usize = 64 * 1024;

/// One message as found in a source, before parsing.
#[derive(Debug)]
pub struct RawMessage {
    /// The file the message is in.
    pub path: Arc<Path>,
    /// The format of that file.
    pub format: SourceFormat,
    /// Offset of the message's first byte (in the decompressed stream for gzip).
    pub offset: u64,
    /// Length of the message in the source.
    pub length: u64,
    /// The message bytes as they are in the source; only the first part of
    /// them when `hashes` is set (the message was too large to keep).
    pub bytes: Vec<u8>,
    /// Hashes computed while streaming, for messages not kept whole:
    /// (SHA-256 of the source bytes, message key).
    pub hashes: Option<(Sha256, Sha256)>,
    /// The mbox `From_` line, without line end.
    pub from_line: Option<String>,
    /// Maildir flags from the file name.
    pub maildir_flags: Option<String>,
    /// Whether mbox `>From ` quoting applies to the bytes.
    pub mbox_quoted: bool,
    /// Problems the splitter found (truncation, lying Content-Length, …).
    pub defects: Vec<Defect>,
    /// What to parse instead of `bytes`, when the message's content is
    /// partly elsewhere: a `.partial.emlx` with the attachment files Apple
    /// Mail kept beside it joined in. The key and the origin stay those of
    /// `bytes`.
    pub parse_bytes: Option<Vec<u8>>,
    /// For a message converted from an Outlook item (`bytes` is
    /// mailsift's rendering of it): the item's address in its container.
    pub converted: Option<String>,
    /// Labels the container gives the message (a PST item's folder path).
    pub labels: Vec<String>,
}

impl RawMessage {
    /// A message that is a whole file (an `.eml`, a maildir file): at
    /// offset 0, its maildir flags from the file's name.
    pub fn whole_file(path: Arc<Path>, format: SourceFormat, bytes: Vec<u8>) -> RawMessage {
        RawMessage {
            maildir_flags: eml::maildir_flags(&path),
            path,
            format,
            offset: 0,
            length: bytes.len() as u64,
            bytes,
            hashes: None,
            from_line: None,
            mbox_quoted: false,
            defects: Vec::new(),
            parse_bytes: None,
            converted: None,
            labels: Vec::new(),
        }
    }

    /// Whether `bytes` holds the complete message.
    pub fn is_complete(&self) -> bool {
        self.hashes.is_none()
    }

    /// (SHA-256 of the source bytes, message key).
    pub fn hashes(&self) -> (Sha256, Sha256) {
        if let Some(h) = self.hashes {
            return h;
        }
        hash_message(&self.bytes, self.mbox_quoted)
    }
}

/// Computes (SHA-256 of `raw`, key of the message) in one pass when the
/// canonical form is a prefix of the raw bytes, else in two.
pub fn hash_message(raw: &[u8], mbox_quoted: bool) -> (Sha256, Sha256) {
    match canonical_prefix_len(raw, mbox_quoted) {
        Some(n) => {
            let mut h = sha2::Sha256::new();
            h.update(&raw[..n]);
            let key = Sha256(h.clone().finalize().into());
            h.update(&raw[n..]);
            (Sha256(h.finalize().into()), key)
        }
        None => {
            let mut c = Canonicalizer::new(mbox_quoted);
            let mut h = sha2::Sha256::new();
            c.feed(raw, &mut |b| h.update(b));
            c.finish(&mut |b| h.update(b));
            (Sha256::of(raw), Sha256(h.finalize().into()))
        }
    }
}

/// The canonical form of a message: mbox quoting removed (when
/// `mbox_quoted`), CRLF turned into LF, trailing line ends (and CRs) dropped. Its
/// SHA-256 is the message key.
pub fn canonical(raw: &[u8], mbox_quoted: bool) -> std::borrow::Cow<'_, [u8]> {
    match canonical_prefix_len(raw, mbox_quoted) {
        Some(n) => std::borrow::Cow::Borrowed(&raw[..n]),
        None => {
            let mut out = Vec::with_capacity(raw.len());
            let mut c = Canonicalizer::new(mbox_quoted);
            c.feed(raw, &mut |b| out.extend_from_slice(b));
            c.finish(&mut |b| out.extend_from_slice(b));
            std::borrow::Cow::Owned(out)
        }
    }
}

/// When the canonical form is just `raw` without its trailing newlines,
/// returns its length.
fn canonical_prefix_len(raw: &[u8], mbox_quoted: bool) -> Option<usize> {
    if memchr::memchr(b'\r', raw).is_some() {
        return None;
    }
    if mbox_quoted && has_quoted_from(raw) {
        return None;
    }
    let mut n = raw.len();
    while n > 0 && raw[n - 1] == b'\n' {
        n -= 1;
    }
    Some(n)
}

fn has_quoted_from(raw: &[u8]) -> bool {
    if is_quoted_from_line(raw) {
        return true;
    }
    memchr::memmem::find_iter(raw, b"\n>").any(|i| is_quoted_from_line(&raw[i + 1..]))
}

/// `>From `, `>>From `, … at the start of `line`.
fn is_quoted_from_line(line: &[u8]) -> bool {
    let gt = line.iter().take_while(|&&b| b == b'>').count();
    gt > 0 && line[gt..].starts_with(b"From ")
}

/// The message bytes with mbox `>From` quoting undone (one `>` removed
/// from lines matching `^>+From `), line ends untouched: what the message
/// was before it was put in the mbox.
pub fn unquote_mbox(raw: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    if !has_quoted_from(raw) {
        return std::borrow::Cow::Borrowed(raw);
    }
    let mut out = Vec::with_capacity(raw.len());
    for line in raw.split_inclusive(|&b| b == b'\n') {
        if is_quoted_from_line(line) {
            out.extend_from_slice(&line[1..]);
        } else {
            out.extend_from_slice(line);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Streaming canonicaliser: feeds canonical bytes to a sink as raw chunks
/// arrive, so that a message too large to hold gets the same key as if it
/// had been held. Feeding the bytes in any chunking gives the same output.
pub struct Canonicalizer {
    mbox_quoted: bool,
    /// At the start of a line (mbox quoting is only recognised there).
    line_start: bool,
    /// Length of a `>` run at line start not yet known to be quoting.
    pending_gt: usize,
    /// Bytes of `From ` matched after the pending `>` run.
    pending_from: usize,
    /// A CR not yet known to be followed by LF.
    pending_cr: bool,
    /// Line ends and lone CRs held back (run-length), because trailing
    /// ones are dropped.
    pending_ws: Vec<(u8, usize)>,
}

impl Canonicalizer {
    /// A canonicaliser at the start of a message; `mbox_quoted` removes mbox `>From ` quoting (for
    /// messages split from an mbox).
    pub fn new(mbox_quoted: bool) -> Canonicalizer {
        Canonicalizer {
            mbox_quoted,
            line_start: true,
            pending_gt: 0,
            pending_from: 0,
            pending_cr: false,
            pending_ws: Vec::new(),
        }
    }

    /// Feeds raw bytes; canonical bytes go to `sink`.
    pub fn feed(&mut self, raw: &[u8], sink: &mut dyn FnMut(&[u8])) {
        let mut i = 0;
        while i < raw.len() {
            if self.line_start || self.pending_cr || !self.pending_ws.is_empty() {
                self.byte(raw[i], sink);
                i += 1;
                continue;
            }
            // Mid-line with nothing pending: pass bytes up to the next CR/LF.
            let rest = &raw[i..];
            let n = memchr::memchr2(b'\r', b'\n', rest).unwrap_or(rest.len());
            if n > 0 {
                sink(&rest[..n]);
                i += n;
            } else {
                self.byte(raw[i], sink);
                i += 1;
            }
        }
    }

    fn byte(&mut self, b: u8, sink: &mut dyn FnMut(&[u8])) {
        if self.pending_cr {
            self.pending_cr = false;
            if b == b'\n' {
                self.end_line(sink);
                return;
            }
            // A lone CR is content, held back like a line end in case it
            // is trailing.
            if self.pending_gt > 0 || self.pending_from > 0 {
                // It ends an unfinished `>>Fro` prefix, which is content.
                self.emit_prefix(sink);
            }
            self.hold(b'\r');
            self.line_start = false;
        }
        match b {
            b'\r' => self.pending_cr = true,
            b'\n' => self.end_line(sink),
            _ => self.content(b, sink),
        }
    }

    fn end_line(&mut self, sink: &mut dyn FnMut(&[u8])) {
        if self.pending_gt > 0 {
            // An unfinished `>>Fro` prefix is plain content.
            self.emit_prefix(sink);
        }
        self.hold(b'\n');
        self.line_start = true;
    }

    fn hold(&mut self, b: u8) {
        match self.pending_ws.last_mut() {
            Some((c, n)) if *c == b => *n += 1,
            _ => self.pending_ws.push((b, 1)),
        }
    }

    fn flush_ws(&mut self, sink: &mut dyn FnMut(&[u8])) {
        const NL: [u8; 64] = [b'\n'; 64];
        const CR: [u8; 64] = [b'\r'; 64];
        for (c, mut n) in self.pending_ws.drain(..) {
            let run = if c == b'\n' { &NL } else { &CR };
            while n > 0 {
                let k = n.min(64);
                sink(&run[..k]);
                n -= k;
            }
        }
    }

    fn content(&mut self, b: u8, sink: &mut dyn FnMut(&[u8])) {
        if self.line_start {
            if self.mbox_quoted {
                if self.pending_from == 0 && b == b'>' {
                    self.pending_gt += 1;
                    return;
                }
                if self.pending_gt > 0 && b == b"From "[self.pending_from] {
                    self.pending_from += 1;
                    if self.pending_from == 5 {
                        // A quoted From line: drop one `>`.
                        self.pending_gt -= 1;
                        self.emit_prefix(sink);
                        self.line_start = false;
                    }
                    return;
                }
            }
            self.emit_prefix(sink);
            self.line_start = false;
        }
        if !self.pending_ws.is_empty() {
            self.flush_ws(sink);
        }
        sink(&[b]);
    }

    /// Emits held line ends, then any held `>` run and partial `From `.
    fn emit_prefix(&mut self, sink: &mut dyn FnMut(&[u8])) {
        const GT: [u8; 64] = [b'>'; 64];
        self.flush_ws(sink);
        while self.pending_gt > 0 {
            let k = self.pending_gt.min(64);
            sink(&GT[..k]);
            self.pending_gt -= k;
        }
        sink(&b"From "[..self.pending_from]);
        self.pending_from = 0;
    }

    /// Ends the stream. Trailing line ends and CRs are dropped; an
    /// unfinished quoted prefix is kept as content.
    pub fn finish(mut self, sink: &mut dyn FnMut(&[u8])) {
        if self.pending_gt > 0 {
            self.emit_prefix(sink);
        }
    }
}

/// Something about a source as a whole that the report must show (junk
/// before the first message, a damaged gzip stream, a read error), with where.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SourceNote {
    /// The source file the note is about.
    pub path: PathBuf,
    /// Offset in the (decompressed) stream.
    pub offset: u64,
    /// What was found, in words for the report.
    pub text: String,
}

/// Whether `line` (without its line end) is a real mbox `From_` separator:
/// `From <addr> <date>` where the date has a month name, a time and a year,
/// as written by every mbox writer we know (mutt's `is_from` is the model,
/// made tolerant of the orders used by Thunderbird and Google Takeout).
/// `From here on we talk by phone.` is not one.
pub fn is_from_line(line: &[u8]) -> bool {
    let Some(rest) = line.strip_prefix(b"From ") else {
        return false;
    };
    if rest.len() > 1000 {
        return false;
    }
    let Ok(rest) = std::str::from_utf8(rest) else {
        return false;
    };
    let mut month = false;
    let mut time = false;
    let mut year = false;
    // The first token is the envelope sender unless it already is a date part.
    for (n, tok) in rest
        .split(|c: char| c.is_ascii_whitespace() || c == ',')
        .filter(|t| !t.is_empty())
        .enumerate()
    {
        if n == 0 && !is_day_name(tok) {
            continue;
        }
        if is_month_name(tok) {
            month = true;
        } else if is_time(tok) {
            time = true;
        } else if tok.len() == 4
            && tok.bytes().all(|b| b.is_ascii_digit())
            && (b"1900".as_slice()..=b"2199".as_slice()).contains(&tok.as_bytes())
        {
            year = true;
        }
    }
    month && time && year
}

fn is_day_name(t: &str) -> bool {
    ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .iter()
        .any(|d| t.eq_ignore_ascii_case(d))
}

fn is_month_name(t: &str) -> bool {
    [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ]
    .iter()
    .any(|m| t.eq_ignore_ascii_case(m))
}

/// `h:mm`, `hh:mm` or `hh:mm:ss`.
fn is_time(t: &str) -> bool {
    let parts: Vec<&str> = t.split(':').collect();
    (2..=3).contains(&parts.len())
        && parts[0].len() <= 2
        && parts.iter().all(|p| !p.is_empty() && p.len() <= 2)
        && parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit()))
}

/// Whether `line` looks like the first line of a header field: a field
/// name of printable ASCII without colon or space, then optional blanks and
/// a colon.
pub fn is_header_line(line: &[u8]) -> bool {
    let name_len = line
        .iter()
        .take_while(|&&b| (33..=126).contains(&b) && b != b':')
        .count();
    if name_len == 0 || name_len > 76 {
        return false;
    }
    let rest = &line[name_len..];
    let blanks = rest
        .iter()
        .take_while(|&&b| b == b' ' || b == b'\t')
        .count();
    rest.get(blanks) == Some(&b':')
}

/// Header names that mark a header block as mail.
const MAIL_HEADERS: &[&str] = &[
    "from",
    "to",
    "cc",
    "subject",
    "date",
    "message-id",
    "received",
    "return-path",
    "delivered-to",
    "mime-version",
    "sender",
    "reply-to",
    "in-reply-to",
    "references",
    "x-mailer",
    "dkim-signature",
    "content-type",
    "newsgroups",
    "x-gm-thrid",
    "thread-index",
    "thread-topic",
];

fn header_name(line: &[u8]) -> Option<String> {
    if !is_header_line(line) {
        return None;
    }
    let end = line
        .iter()
        .position(|&b| b == b':' || b == b' ' || b == b'\t')?;
    Some(String::from_utf8_lossy(&line[..end]).to_ascii_lowercase())
}

/// Splits `data` into lines without their line ends (LF or CRLF).
pub(crate) fn lines(data: &[u8]) -> impl Iterator<Item = &[u8]> {
    data.split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
}

/// Whether `data` starts with a header block of mail: the first line is a
/// header field and the block names at least one mail header.
pub fn starts_with_mail_headers(data: &[u8]) -> bool {
    let mut first = true;
    for line in lines(data).take(500) {
        if line.is_empty() {
            return false;
        }
        if line[0] == b' ' || line[0] == b'\t' {
            if first {
                return false;
            }
            continue;
        }
        match header_name(line) {
            Some(name) => {
                if MAIL_HEADERS.contains(&name.as_str()) {
                    return true;
                }
            }
            None => return false,
        }
        first = false;
    }
    false
}

/// What a file holds, judged by its first bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Detected {
    /// Mail, in this container format.
    Mail(SourceFormat),
    /// Not mail: what it looks like instead, in words for the user (e.g. "a PNG image").
    NotMail(String),
}

/// Names binary formats that are certainly not mail.
fn magic_name(head: &[u8]) -> Option<&'static str> {
    const MAGIC: &[(&[u8], &str)] = &[
        (b"\x89PNG\r\n\x1a\n", "a PNG image"),
        (b"\xff\xd8\xff", "a JPEG image"),
        (b"GIF87a", "a GIF image"),
        (b"GIF89a", "a GIF image"),
        (b"%PDF-", "a PDF document"),
        (b"PK\x03\x04", "an Office or OpenDocument file"),
        (b"\x7fELF", "an executable"),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
            "an OLE2 file (a legacy Office document; not an Outlook message)",
        ),
        (b"SQLite format 3\0", "an SQLite database"),
        (b"Rar!", "a RAR archive"),
        (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive; not supported yet"),
        (b"BZh", "a bzip2 file (decompress it first)"),
        (b"\xfd7zXZ\0", "an xz file (decompress it first)"),
        (b"\x28\xb5\x2f\xfd", "a zstd file (decompress it first)"),
    ];
    MAGIC
        .iter()
        .find(|(m, _)| head.starts_with(m))
        .map(|(_, name)| *name)
}

/// Kinds of mail content, regardless of compression.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MailKind {
    /// An mbox: messages separated by `From_` lines.
    Mbox,
    /// A single message (RFC 5322).
    Eml,
}

/// Judges uncompressed content by its first bytes.
pub fn sniff(head: &[u8]) -> Result<MailKind, String> {
    if head.is_empty() {
        return Err("empty file".into());
    }
    if let Some(name) = magic_name(head) {
        return Err(name.to_string());
    }
    let text = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    let start = text
        .iter()
        .position(|&b| !matches!(b, b'\n' | b'\r' | b' ' | b'\t'))
        .unwrap_or(text.len());
    let body = &text[start..];
    if body.is_empty() {
        return Err("only blank lines".into());
    }
    let first_line = lines(body).next().unwrap_or_default();
    if is_from_line(first_line) {
        return Ok(MailKind::Mbox);
    }
    if starts_with_mail_headers(body) {
        return Ok(MailKind::Eml);
    }
    // Junk before the first separator: a From_ line after a blank line,
    // followed by a header line.
    let mut prev_blank = false;
    let mut it = lines(body).peekable();
    while let Some(line) = it.next() {
        if prev_blank && is_from_line(line) && it.peek().is_some_and(|l| is_header_line(l)) {
            return Ok(MailKind::Mbox);
        }
        prev_blank = line.is_empty();
    }
    let sample = &head[..head.len().min(8192)];
    if sample.contains(&0) {
        return Err("binary data".into());
    }
    Err("text without mail headers or mbox separators".into())
}

/// Whether `head` is a compound file (OLE2) naming the streams of an
/// Outlook message: UTF-16 `__substg1.0_` in its directory.
fn is_msg_head(head: &[u8]) -> bool {
    const NAME: &[u8] = b"_\0_\0s\0u\0b\0s\0t\0g\x001\0.\x000\0_\0";
    head.starts_with(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
        && memchr::memmem::find(head, NAME).is_some()
}

/// The gzip magic number.
pub fn is_gzip(head: &[u8]) -> bool {
    head.starts_with(&[0x1f, 0x8b])
}

/// Reads up to `n` bytes (fewer at end of stream or on a read error after
/// some bytes were read).
pub(crate) fn read_head(r: &mut dyn Read, n: usize) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(n.min(1 << 16));
    let mut chunk = [0u8; 8192];
    while head.len() < n {
        let want = (n - head.len()).min(chunk.len());
        match r.read(&mut chunk[..want]) {
            Ok(0) => break,
            Ok(k) => head.extend_from_slice(&chunk[..k]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) if !head.is_empty() => break,
            Err(e) => return Err(e),
        }
    }
    Ok(head)
}

/// Opens a source file for reading, without updating its access time
/// where the system allows it (Linux `O_NOATIME`: for files the user owns,
/// or as root): reading evidence should not change even its metadata.
/// Elsewhere, or when refused, a plain read-only open.
pub fn open_source(path: &Path) -> io::Result<File> {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::OpenOptionsExt;
        match std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOATIME)
            .open(path)
        {
            Err(e) if e.raw_os_error() == Some(libc::EPERM) => {}
            other => return other,
        }
    }
    File::open(path)
}

/// Reads a whole source file (see [`open_source`]).
pub fn read_source(path: &Path) -> io::Result<Vec<u8>> {
    let mut f = open_source(path)?;
    // The size only sizes the buffer (at most 64 MB ahead: a file may
    // claim more than it holds).
    let size = f.metadata().map(|m| m.len()).unwrap_or(0).min(64 << 20);
    let mut bytes = Vec::with_capacity(size as usize + 1);
    f.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Detects the format of a file by content.
pub fn detect_file(path: &Path) -> io::Result<Detected> {
    let mut f = open_source(path)?;
    let head = read_head(&mut f, SNIFF_BYTES)?;
    Ok(detect_head(&head))
}

/// Detects the format from the first bytes of a file ([`SNIFF_BYTES`]).
pub fn detect_head(head: &[u8]) -> Detected {
    if let Some(kind) = archive::archive_kind(head) {
        return Detected::Mail(kind);
    }
    if emlx::is_emlx(head) {
        return Detected::Mail(SourceFormat::Emlx);
    }
    if head.starts_with(b"!BDN") {
        // A PST (or OST: the PST reader says which it cannot read).
        return Detected::Mail(SourceFormat::Pst);
    }
    if is_msg_head(head) {
        return Detected::Mail(SourceFormat::Msg);
    }
    if is_gzip(head) {
        let mut gz = flate2::read::MultiGzDecoder::new(head);
        let inner = match read_head(&mut gz, SNIFF_BYTES) {
            Ok(inner) => inner,
            Err(e) => return Detected::NotMail(format!("damaged gzip file: {e}")),
        };
        if archive::is_tar(&inner) {
            return Detected::Mail(SourceFormat::TarGz);
        }
        return match sniff(&inner) {
            Ok(MailKind::Mbox) => Detected::Mail(SourceFormat::MboxGz),
            Ok(MailKind::Eml) => Detected::Mail(SourceFormat::EmlGz),
            Err(why) => Detected::NotMail(format!("gzip file holding {why}")),
        };
    }
    match sniff(head) {
        Ok(MailKind::Mbox) => Detected::Mail(SourceFormat::Mbox),
        Ok(MailKind::Eml) => Detected::Mail(SourceFormat::Eml),
        Err(why) => Detected::NotMail(why),
    }
}

/// A reader that hashes and counts every byte read through it: the SHA-256
/// of a source file is computed while it is imported, in the same pass.
pub struct HashingReader<R> {
    inner: R,
    hasher: sha2::Sha256,
    count: Arc<std::sync::atomic::AtomicU64>,
}

impl<R: Read> HashingReader<R> {
    /// `count` is increased by every byte read (used for progress).
    pub fn new(inner: R, count: Arc<std::sync::atomic::AtomicU64>) -> Self {
        HashingReader {
            inner,
            hasher: sha2::Sha256::new(),
            count,
        }
    }

    /// Reads the rest of the stream (so the hash covers the whole file) and
    /// returns the digest.
    pub fn finish(mut self) -> io::Result<Sha256> {
        let mut buf = vec![0u8; 1 << 16];
        loop {
            match self.read(&mut buf) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(Sha256(self.hasher.finalize().into()))
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.count
            .fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(n)
    }
}

/// Reads a message's raw bytes back from its source, exactly as they are
/// there, and checks them against the SHA-256 recorded at import.
pub fn read_raw(origin: &crate::model::Origin) -> crate::error::Result<Vec<u8>> {
    read_raw_from(origin, None)
}

/// [`read_raw`], for a gzip'd source starting at `checkpoint` (one of that
/// file's, at or before the message) when given; if that fails, from the
/// start of the file.
pub fn read_raw_from(
    origin: &crate::model::Origin,
    checkpoint: Option<&gzindex::Checkpoint>,
) -> crate::error::Result<Vec<u8>> {
    if let Some(entry) = &origin.entry {
        return archive::read::read_raw(origin, entry);
    }
    if origin.format.is_compressed()
        && let Some(cp) = checkpoint.filter(|cp| cp.out_offset <= origin.offset)
        && let Ok(bytes) = gzindex::read_range(&origin.path, cp, origin.offset, origin.length)
        && bytes.len() as u64 == origin.length
        && Sha256::of(&bytes) == origin.raw_sha256
    {
        return Ok(bytes);
    }
    read_raw_from_start(origin)
}

fn read_raw_from_start(origin: &crate::model::Origin) -> crate::error::Result<Vec<u8>> {
    use crate::error::Error;
    let file = open_source(&origin.path).map_err(|e| Error::SourceUnreadable {
        path: origin.path.clone(),
        source: e,
    })?;
    let mut stream: Box<dyn Read> = if origin.format.is_compressed() {
        Box::new(gzindex::GzReader::new(file))
    } else {
        let mut f = file;
        io::Seek::seek(&mut f, io::SeekFrom::Start(origin.offset)).map_err(|e| Error::IoAt {
            path: origin.path.clone(),
            op: "seeking",
            offset: origin.offset,
            source: e,
        })?;
        Box::new(f)
    };
    if origin.format.is_compressed() {
        let skipped =
            io::copy(&mut (&mut stream).take(origin.offset), &mut io::sink()).map_err(|e| {
                Error::IoAt {
                    path: origin.path.clone(),
                    op: "decompressing",
                    offset: 0,
                    source: e,
                }
            })?;
        if skipped < origin.offset {
            return Err(Error::RawMismatch {
                path: origin.path.clone(),
                offset: origin.offset,
                length: origin.length,
                expected: origin.raw_sha256.to_hex(),
            });
        }
    }
    let mut bytes = Vec::with_capacity(origin.length.min(1 << 30) as usize);
    stream
        .take(origin.length)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::IoAt {
            path: origin.path.clone(),
            op: "reading",
            offset: origin.offset,
            source: e,
        })?;
    if bytes.len() as u64 != origin.length || Sha256::of(&bytes) != origin.raw_sha256 {
        return Err(Error::RawMismatch {
            path: origin.path.clone(),
            offset: origin.offset,
            length: origin.length,
            expected: origin.raw_sha256.to_hex(),
        });
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A deliberately simple reference for the canonical form.
    fn reference_canonical(raw: &[u8], mbox_quoted: bool) -> Vec<u8> {
        let mut s = Vec::new();
        let mut i = 0;
        while i < raw.len() {
            if raw[i] == b'\r' && raw.get(i + 1) == Some(&b'\n') {
                s.push(b'\n');
                i += 2;
            } else {
                s.push(raw[i]);
                i += 1;
            }
        }
        let mut out = Vec::new();
        for (n, line) in s.split(|&b| b == b'\n').enumerate() {
            if n > 0 {
                out.push(b'\n');
            }
            if mbox_quoted && is_quoted_from_line(line) {
                out.extend_from_slice(&line[1..]);
            } else {
                out.extend_from_slice(line);
            }
        }
        while matches!(out.last(), Some(b'\n' | b'\r')) {
            out.pop();
        }
        out
    }

    #[test]
    fn canonical_unquotes_and_normalises() {
        let raw =
            b"Subject: x\r\n\r\n>From here\r\n>>From there\r\n> From not\r\nFrom x\r\n\r\n\r\n";
        assert_eq!(
            &*canonical(raw, true),
            b"Subject: x\n\nFrom here\n>From there\n> From not\nFrom x"
        );
        assert_eq!(
            &*canonical(raw, false),
            b"Subject: x\n\n>From here\n>>From there\n> From not\nFrom x"
        );
        assert_eq!(&*canonical(b"a\n\n\n", true), b"a");
        assert_eq!(&*canonical(b"a\rb\r", true), b"a\rb");
        assert_eq!(&*canonical(b"a\r\r\n\r", true), b"a");
        assert_eq!(&*canonical(b"a\r\rb", true), b"a\r\rb");
        assert_eq!(&*canonical(b">Fr\r", true), b">Fr");
        assert_eq!(&*canonical(b">Fr\rom x", true), b">Fr\rom x");
    }

    #[test]
    fn unquoting_keeps_line_ends() {
        assert_eq!(
            &*unquote_mbox(b"a\r\n>From x\r\n>>From y\n> From z\n>From"),
            b"a\r\nFrom x\r\n>From y\n> From z\n>From"
        );
        assert!(matches!(
            unquote_mbox(b"plain"),
            std::borrow::Cow::Borrowed(_)
        ));
    }

    #[test]
    fn crlf_and_lf_copies_share_a_key() {
        let lf = b"Subject: s\n\nbody\n";
        let crlf = b"Subject: s\r\n\r\nbody\r\n";
        let (raw_a, key_a) = hash_message(lf, false);
        let (raw_b, key_b) = hash_message(crlf, false);
        assert_eq!(key_a, key_b);
        assert_ne!(raw_a, raw_b);
        assert_eq!(raw_a, Sha256::of(lf));
        assert_eq!(key_a, Sha256::of(b"Subject: s\n\nbody"));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn streaming_canonical_matches_reference(
            raw in proptest::collection::vec(
                prop_oneof![Just(b'\r'), Just(b'\n'), Just(b'>'), Just(b'F'), Just(b'r'),
                            Just(b'o'), Just(b'm'), Just(b' '), Just(b'x')], 0..200),
            quoted in any::<bool>(),
            cut in 0usize..200,
        ) {
            let expected = reference_canonical(&raw, quoted);
            prop_assert_eq!(&*canonical(&raw, quoted), &expected[..]);
            // Any chunking gives the same bytes.
            let cut = cut.min(raw.len());
            let mut out = Vec::new();
            let mut c = Canonicalizer::new(quoted);
            c.feed(&raw[..cut], &mut |b| out.extend_from_slice(b));
            c.feed(&raw[cut..], &mut |b| out.extend_from_slice(b));
            c.finish(&mut |b| out.extend_from_slice(b));
            prop_assert_eq!(&out, &expected);
            prop_assert_eq!(hash_message(&raw, quoted).1, Sha256::of(&expected));
        }
    }

    #[test]
    fn from_lines() {
        for ok in [
            &b"From MAILER-DAEMON Fri Jul  8 12:08:34 2011"[..],
            b"From 1540000000000000000@xxx Mon Oct 12 14:02:11 +0000 2015",
            b"From - Sat Jan 03 09:33:21 2015",
            b"From john.doe@example.org Thu, 5 Nov 2015 10:00:00 -0500",
            b"From Mon Oct 12 14:02:11 2015",
            b"From \"quoted name\"@example.org Mon Oct 12 14:02 2015",
        ] {
            assert!(is_from_line(ok), "{}", String::from_utf8_lossy(ok));
        }
        for bad in [
            &b"From here on we talk by phone."[..],
            b"From: someone@example.org",
            b"From the desk of Jan Smith, 12:30 on Monday",
            b"from x Mon Oct 12 14:02:11 2015",
            b">From x Mon Oct 12 14:02:11 2015",
            b"From x Mon Oct 12 2015",
        ] {
            assert!(!is_from_line(bad), "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn sniffing() {
        assert_eq!(
            sniff(b"From a@b Mon Oct 12 14:02:11 2015\nSubject: x\n\nhi\n"),
            Ok(MailKind::Mbox)
        );
        assert_eq!(
            sniff(b"Return-Path: <a@b>\r\nReceived: from x\r\n\tby y\r\nSubject: x\r\n\r\nhi"),
            Ok(MailKind::Eml)
        );
        assert_eq!(sniff(b"X-Custom: 1\nSubject: x\n\nhi"), Ok(MailKind::Eml));
        assert_eq!(
            sniff(b"some junk\nmore junk\n\nFrom a@b Mon Oct 12 14:02:11 2015\nSubject: x\n\nhi\n"),
            Ok(MailKind::Mbox)
        );
        assert!(sniff(b"").unwrap_err().contains("empty"));
        assert!(sniff(b"\x89PNG\r\n\x1a\n....").unwrap_err().contains("PNG"));
        assert!(sniff(b"Note: this folder holds mail.\nThanks\n").is_err());
        assert!(
            sniff(b"hello\0\0\x01binary")
                .unwrap_err()
                .contains("binary")
        );
        assert!(sniff(b"just some text\nand more\n").is_err());
    }

    #[test]
    fn header_lines() {
        assert!(is_header_line(b"Subject: x"));
        assert!(is_header_line(b"SuBJect : x"));
        assert!(is_header_line(b"X-Weird-Name:"));
        assert!(!is_header_line(b"Dear John: hello"));
        assert!(!is_header_line(b": x"));
        assert!(!is_header_line(b" Subject: x"));
    }
}
