//! The raw header block split into fields, and the two canonicalisations
//! of RFC 6376 §3.4 for headers and body. Line ends are taken as CRLF
//! whatever they are in the source (an mbox stores LF; the signer saw
//! CRLF on the wire). The body is hashed as it is canonicalised, line by
//! line, never copied whole.

use std::borrow::Cow;

use sha1::Sha1;
use sha2::{Digest, Sha256};

use super::sig::Canon;

/// The most header fields read from one message.
pub const MAX_HEADERS: usize = 4096;

/// One header field as it is in the message, borrowed from it (a message
/// has dozens of fields and only the signed ones are ever canonicalised).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header<'a> {
    /// The name as written (before the colon, trailing white space removed).
    pub name: Cow<'a, str>,
    /// The whole field as stored, continuation lines included, with its
    /// line ends as they are (LF in an mbox, CRLF on the wire): the
    /// canonical forms make them CRLF.
    pub raw: &'a [u8],
}

/// The header fields of a message and where its body starts (the byte
/// after the empty line; the message's length when there is none).
pub fn split(raw: &[u8]) -> (Vec<Header<'_>>, usize) {
    /// Ends the field being read (if any) at `end`.
    fn close<'a>(
        raw: &'a [u8],
        open: &mut Option<(usize, Cow<'a, str>)>,
        end: usize,
        hs: &mut Vec<Header<'a>>,
    ) {
        if let Some((start, name)) = open.take() {
            hs.push(Header {
                name,
                raw: &raw[start..end],
            });
        }
    }
    let mut headers: Vec<Header<'_>> = Vec::new();
    // Where the field being read starts, and its name.
    let mut open: Option<(usize, Cow<'_, str>)> = None;
    let mut pos = 0;
    while pos < raw.len() {
        let end = memchr::memchr(b'\n', &raw[pos..]).map_or(raw.len(), |i| pos + i + 1);
        let content = trim_eol(&raw[pos..end]);
        if content.is_empty() {
            close(raw, &mut open, pos, &mut headers);
            return (headers, end);
        }
        let folded = matches!(content[0], b' ' | b'\t');
        if !folded {
            close(raw, &mut open, pos, &mut headers);
            if headers.len() < MAX_HEADERS {
                let name = match memchr::memchr(b':', content) {
                    Some(i) => trim_name(String::from_utf8_lossy(&content[..i])),
                    None => Cow::Borrowed(""),
                };
                open = Some((pos, name));
            }
        }
        pos = end;
    }
    close(raw, &mut open, raw.len(), &mut headers);
    (headers, raw.len())
}

/// A field name without the white space before its colon.
fn trim_name(name: Cow<'_, str>) -> Cow<'_, str> {
    match name {
        Cow::Borrowed(b) => Cow::Borrowed(b.trim_end()),
        Cow::Owned(o) => Cow::Owned(o.trim_end().to_string()),
    }
}

/// The bytes with every line ending in CRLF (a bare LF becomes CRLF; a
/// last line without an end gets one).
fn crlf_lines(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + 8);
    let mut pos = 0;
    while pos < bytes.len() {
        let end = memchr::memchr(b'\n', &bytes[pos..]).map_or(bytes.len(), |i| pos + i + 1);
        out.extend_from_slice(trim_eol(&bytes[pos..end]));
        out.extend_from_slice(b"\r\n");
        pos = end;
    }
    out
}

/// Whether the header block has a field named `DKIM-Signature` (any case,
/// white space allowed before the colon), as [`split`] would find it.
pub fn has_signature_field(raw: &[u8]) -> bool {
    const NAME: &[u8] = b"dkim-signature";
    let mut pos = 0;
    while pos < raw.len() {
        let end = memchr::memchr(b'\n', &raw[pos..]).map_or(raw.len(), |i| pos + i + 1);
        let content = trim_eol(&raw[pos..end]);
        if content.is_empty() {
            return false;
        }
        if content.len() > NAME.len() && content[..NAME.len()].eq_ignore_ascii_case(NAME) {
            let rest = &content[NAME.len()..];
            let after = rest.iter().position(|b| !is_wsp(*b)).map(|i| rest[i]);
            if after == Some(b':') {
                return true;
            }
        }
        pos = end;
    }
    false
}

fn trim_eol(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

fn is_wsp(b: u8) -> bool {
    matches!(b, b' ' | b'\t')
}

/// The header field's value: what follows the first colon.
pub fn value<'a>(h: &Header<'a>) -> &'a [u8] {
    match memchr::memchr(b':', h.raw) {
        Some(i) => &h.raw[i + 1..],
        None => &[],
    }
}

/// A header field canonicalised, CRLF included.
pub fn header(h: &Header<'_>, canon: Canon) -> Vec<u8> {
    match canon {
        Canon::Simple => crlf_lines(h.raw),
        Canon::Relaxed => {
            let mut out = h.name.to_ascii_lowercase().into_bytes();
            out.push(b':');
            let mut space = false;
            for &b in value(h) {
                match b {
                    b'\r' | b'\n' => {}
                    b' ' | b'\t' => space = true,
                    _ => {
                        if space && out.last() != Some(&b':') {
                            out.push(b' ');
                        }
                        space = false;
                        out.push(b);
                    }
                }
            }
            out.extend_from_slice(b"\r\n");
            out
        }
    }
}

/// The signature's own header with the value of `b=` removed (§3.7),
/// canonicalised, without its final CRLF.
pub fn signature_header(h: &Header<'_>, canon: Canon) -> Vec<u8> {
    let colon = memchr::memchr(b':', h.raw).map_or(h.raw.len(), |i| i + 1);
    let mut raw = h.raw[..colon].to_vec();
    let mut first = true;
    for seg in h.raw[colon..].split(|&b| b == b';') {
        if !first {
            raw.push(b';');
        }
        first = false;
        match memchr::memchr(b'=', seg) {
            Some(eq) if trim_ws(&seg[..eq]) == b"b" => raw.extend_from_slice(&seg[..=eq]),
            _ => raw.extend_from_slice(seg),
        }
    }
    // A `b=` at the end took the field's line end with it.
    if !raw.ends_with(b"\n") {
        raw.extend_from_slice(b"\r\n");
    }
    let stripped = Header {
        name: h.name.clone(),
        raw: &raw,
    };
    let mut out = header(&stripped, canon);
    out.truncate(out.len().saturating_sub(2));
    out
}

fn trim_ws(s: &[u8]) -> &[u8] {
    let start = s
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(s.len());
    let end = s
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |i| i + 1);
    &s[start..end]
}

/// SHA-1 or SHA-256, fed piece by piece; optionally keeping the bytes
/// fed (the signed header data, a few KB, which `ring`'s RSA check takes
/// whole).
pub struct Hasher {
    inner: Inner,
    kept: Option<Vec<u8>>,
}

/// The hash itself.
enum Inner {
    /// For `rsa-sha1`.
    Sha1(Sha1),
    /// For `rsa-sha256` and `ed25519-sha256`.
    Sha256(Sha256),
}

impl Hasher {
    /// A hasher for the hash named in the algorithm (`"sha1"` or `"sha256"`).
    pub fn new(hash: &str) -> Hasher {
        let inner = if hash == "sha1" {
            Inner::Sha1(Sha1::new())
        } else {
            Inner::Sha256(Sha256::new())
        };
        Hasher { inner, kept: None }
    }

    /// Like [`Hasher::new`], keeping a copy of the bytes fed.
    pub fn keeping(hash: &str) -> Hasher {
        Hasher {
            kept: Some(Vec::new()),
            ..Hasher::new(hash)
        }
    }

    /// Adds bytes.
    pub fn update(&mut self, b: &[u8]) {
        match &mut self.inner {
            Inner::Sha1(h) => h.update(b),
            Inner::Sha256(h) => h.update(b),
        }
        if let Some(k) = &mut self.kept {
            k.extend_from_slice(b);
        }
    }

    /// The digest.
    pub fn finish(self) -> Vec<u8> {
        self.finish_keeping().0
    }

    /// The digest and the bytes fed (empty unless made with
    /// [`Hasher::keeping`]).
    pub fn finish_keeping(self) -> (Vec<u8>, Vec<u8>) {
        let digest = match self.inner {
            Inner::Sha1(h) => h.finalize().to_vec(),
            Inner::Sha256(h) => h.finalize().to_vec(),
        };
        (digest, self.kept.unwrap_or_default())
    }
}

/// The body's hash under a canonicalisation and an optional `l=`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BodyHash {
    /// The digest of the canonical body (its first `l=` bytes when given).
    pub digest: Vec<u8>,
    /// The canonical body's whole length.
    pub canonical_len: u64,
    /// Where (byte offset in the body as stored) the part that `l=` leaves
    /// unsigned starts, when there is such a part. Exact for `simple`; for
    /// `relaxed` within the line where the cut falls.
    pub tail_offset: Option<u64>,
}

struct Emitter {
    hasher: Hasher,
    buf: Vec<u8>,
    written: u64,
    limit: Option<u64>,
    tail_offset: Option<u64>,
}

/// How many canonical bytes are gathered before they go to the hash: a
/// line at a time (two calls per line, ~600 lines in a 40 KB message)
/// cost more in the hash's per-call overhead than the hashing itself.
const EMIT_BUFFER: usize = 16 * 1024;

impl Emitter {
    /// Emits canonical bytes that came from the line starting at `raw_at`.
    fn emit(&mut self, bytes: &[u8], raw_at: usize, raw_len: usize) {
        let take = match self.limit {
            Some(l) => {
                let room = l.saturating_sub(self.written);
                usize::try_from(room).unwrap_or(usize::MAX).min(bytes.len())
            }
            None => bytes.len(),
        };
        if self.buf.len() + take > EMIT_BUFFER {
            self.flush();
        }
        if take > EMIT_BUFFER {
            self.hasher.update(&bytes[..take]);
        } else {
            self.buf.extend_from_slice(&bytes[..take]);
        }
        if take < bytes.len() && self.tail_offset.is_none() {
            self.tail_offset = Some((raw_at + take.min(raw_len)) as u64);
        }
        self.written += bytes.len() as u64;
    }

    /// Hands the gathered bytes to the hash.
    fn flush(&mut self) {
        if !self.buf.is_empty() {
            self.hasher.update(&self.buf);
            self.buf.clear();
        }
    }
}

/// Hashes a body (the bytes after the header block) as `canon` and `hash` say.
pub fn body_hash(body: &[u8], canon: Canon, hash: &str, limit: Option<u64>) -> BodyHash {
    let mut e = Emitter {
        hasher: Hasher::new(hash),
        buf: Vec::with_capacity(EMIT_BUFFER.min(body.len() + 2)),
        written: 0,
        limit,
        tail_offset: None,
    };
    // Empty lines are held back until a line with content follows: the
    // trailing ones are not part of the canonical body.
    let mut pending: usize = 0;
    let mut pending_at = 0usize;
    let mut line_buf: Vec<u8> = Vec::new();
    let mut pos = 0;
    while pos < body.len() {
        let end = memchr::memchr(b'\n', &body[pos..]).map_or(body.len(), |i| pos + i + 1);
        let content = trim_eol(&body[pos..end]);
        // Most lines are already canonical: hashed in place, not copied.
        let as_is = canon == Canon::Simple || relaxed_already(content);
        if !as_is {
            line_buf.clear();
            relaxed_line(content, &mut line_buf);
        }
        let line: &[u8] = if as_is { content } else { &line_buf };
        if line.is_empty() {
            if pending == 0 {
                pending_at = pos;
            }
            pending += 1;
        } else {
            for _ in 0..pending {
                e.emit(b"\r\n", pending_at, 0);
            }
            pending = 0;
            e.emit(line, pos, content.len());
            e.emit(b"\r\n", pos + content.len(), end - pos - content.len());
        }
        pos = end;
    }
    if e.written == 0 && canon == Canon::Simple {
        e.emit(b"\r\n", 0, 0);
    }
    e.flush();
    BodyHash {
        canonical_len: e.written,
        tail_offset: e.tail_offset,
        digest: e.hasher.finish(),
    }
}

/// Whether a line is its own relaxed form: no tab, no run of spaces, no
/// space at the end. One pass over the line's blanks (a base64 line has
/// none; `memmem::find` built a searcher per line, which cost more than
/// hashing the line).
fn relaxed_already(content: &[u8]) -> bool {
    for i in memchr::memchr2_iter(b' ', b'\t', content) {
        if content[i] == b'\t' || matches!(content.get(i + 1), None | Some(b' ')) {
            return false;
        }
    }
    true
}

fn relaxed_line(content: &[u8], out: &mut Vec<u8>) {
    let mut space = false;
    for &b in content {
        if is_wsp(b) {
            space = true;
        } else {
            if space {
                out.push(b' ');
            }
            space = false;
            out.push(b);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_headers_and_folding() {
        let raw = b"From: a@b.org\r\nSubject: one\n two\nX-Bad\nDKIM-Signature : v=1\n\nbody\n";
        let (h, start) = split(raw);
        assert_eq!(h.len(), 4);
        assert_eq!(h[1].raw, b"Subject: one\n two\n");
        assert_eq!(header(&h[1], Canon::Simple), b"Subject: one\r\n two\r\n");
        assert_eq!(h[2].name, "");
        assert_eq!(h[3].name, "DKIM-Signature");
        assert_eq!(&raw[start..], b"body\n");
    }

    #[test]
    fn signature_field_found_as_split_finds_it() {
        for (raw, signed) in [
            (&b"From: a\r\nDKIM-Signature: v=1\r\n\r\nbody"[..], true),
            (b"dkim-signature : v=1\n\n", true),
            (b"From: a\n\nDKIM-Signature: v=1\n", false),
            (b"X-DKIM-Signature: v=1\n\n", false),
            (b"DKIM-Signatures: v=1\n\n", false),
            (b"Subject: x\n DKIM-Signature: folded\n\n", false),
            (b"", false),
        ] {
            let (h, _) = split(raw);
            let by_split = h
                .iter()
                .any(|h| h.name.eq_ignore_ascii_case("DKIM-Signature"));
            assert_eq!(by_split, signed, "{:?}", String::from_utf8_lossy(raw));
            assert_eq!(
                has_signature_field(raw),
                signed,
                "{:?}",
                String::from_utf8_lossy(raw)
            );
        }
    }

    #[test]
    fn relaxed_header_rfc_example() {
        // RFC 6376 §3.4.6.
        let (h, _) = split(b"A: X\r\nB : Y\t\r\n\tZ  \r\n\r\n");
        assert_eq!(header(&h[0], Canon::Relaxed), b"a:X\r\n");
        assert_eq!(header(&h[1], Canon::Relaxed), b"b:Y Z\r\n");
        assert_eq!(header(&h[1], Canon::Simple), b"B : Y\t\r\n\tZ  \r\n");
    }

    fn digest_of(bytes: &[u8]) -> Vec<u8> {
        let mut h = Hasher::new("sha256");
        h.update(bytes);
        h.finish()
    }

    #[test]
    fn body_rfc_example() {
        // RFC 6376 §3.4.6: " C \r\nD \t E\r\n\r\n\r\n".
        let body = b" C \r\nD \t E\r\n\r\n\r\n";
        let r = body_hash(body, Canon::Relaxed, "sha256", None);
        assert_eq!(r.digest, digest_of(b" C\r\nD E\r\n"));
        let s = body_hash(body, Canon::Simple, "sha256", None);
        assert_eq!(s.digest, digest_of(b" C \r\nD \t E\r\n"));
        // LF line ends hash as CRLF.
        let lf = body_hash(b" C \nD \t E\n\n\n", Canon::Simple, "sha256", None);
        assert_eq!(lf.digest, s.digest);
    }

    #[test]
    fn empty_bodies() {
        assert_eq!(
            body_hash(b"", Canon::Simple, "sha256", None).digest,
            digest_of(b"\r\n")
        );
        assert_eq!(
            body_hash(b"\r\n\r\n", Canon::Simple, "sha256", None).digest,
            digest_of(b"\r\n")
        );
        assert_eq!(
            body_hash(b"", Canon::Relaxed, "sha256", None).digest,
            digest_of(b"")
        );
        // No final line end: the line still gets its CRLF.
        assert_eq!(
            body_hash(b"abc", Canon::Simple, "sha256", None).digest,
            digest_of(b"abc\r\n")
        );
    }

    #[test]
    fn length_limit_and_tail() {
        let body = b"hello\nworld\n";
        let r = body_hash(body, Canon::Simple, "sha256", Some(7));
        assert_eq!(r.digest, digest_of(b"hello\r\n"));
        assert_eq!(r.canonical_len, 14);
        assert_eq!(r.tail_offset, Some(6));
        let whole = body_hash(body, Canon::Simple, "sha256", Some(14));
        assert_eq!(whole.tail_offset, None);
        let mid = body_hash(body, Canon::Simple, "sha256", Some(9));
        assert_eq!(mid.tail_offset, Some(8));
    }

    /// The canonical body built whole, the plain way (RFC 6376 §3.4.3,
    /// §3.4.4), to check the streaming, buffered hash against.
    fn canonical_body(body: &[u8], canon: Canon) -> Vec<u8> {
        let text = String::from_utf8_lossy(body).replace("\r\n", "\n");
        let mut lines: Vec<String> = text.split('\n').map(str::to_string).collect();
        if text.ends_with('\n') {
            lines.pop();
        }
        if canon == Canon::Relaxed {
            for l in &mut lines {
                let words: Vec<&str> = l.split([' ', '\t']).collect();
                let mut out = String::new();
                for (i, w) in words.iter().enumerate() {
                    if i > 0 && !out.ends_with(' ') {
                        out.push(' ');
                    }
                    out.push_str(w);
                }
                *l = out.trim_end_matches(' ').to_string();
            }
        }
        while lines.last().is_some_and(|l| l.is_empty()) {
            lines.pop();
        }
        let mut out: Vec<u8> = Vec::new();
        for l in &lines {
            out.extend_from_slice(l.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        if out.is_empty() && canon == Canon::Simple {
            out.extend_from_slice(b"\r\n");
        }
        out
    }

    #[test]
    fn streaming_hash_equals_the_whole_canonical_body() {
        // Lines of every shape, past the gathering buffer's size, one line
        // longer than the buffer, and `l=` cuts on both sides of it.
        let mut body = Vec::new();
        for i in 0..3000 {
            match i % 7 {
                0 => body.extend_from_slice(b"plain line of text\n"),
                1 => body.extend_from_slice(b"two  spaces\tand a tab \n"),
                2 => body.extend_from_slice(b"\n"),
                3 => body.extend_from_slice(b"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=\r\n"),
                4 => body.extend_from_slice(b"   leading and trailing   \n"),
                5 => body.extend_from_slice(b"\t\n"),
                _ => body.extend_from_slice(b"end space \n"),
            }
            if i == 1500 {
                body.extend(std::iter::repeat_n(b'x', 20_000));
                body.extend_from_slice(b" y\n");
            }
        }
        body.extend_from_slice(b"\n\n\n");
        for canon in [Canon::Simple, Canon::Relaxed] {
            let whole = canonical_body(&body, canon);
            let r = body_hash(&body, canon, "sha256", None);
            assert_eq!(r.digest, digest_of(&whole), "{canon:?}");
            assert_eq!(r.canonical_len, whole.len() as u64);
            for l in [0u64, 1, 16_383, 16_385, 40_000, whole.len() as u64 - 1] {
                let cut = body_hash(&body, canon, "sha256", Some(l));
                assert_eq!(
                    cut.digest,
                    digest_of(&whole[..l as usize]),
                    "{canon:?} l={l}"
                );
                assert!(cut.tail_offset.is_some());
            }
        }
    }

    #[test]
    fn relaxed_already_finds_every_blank_that_changes() {
        for (line, already) in [
            (&b"a b c"[..], true),
            (b"", true),
            (b"ab", true),
            (b"a  b", false),
            (b"a\tb", false),
            (b"a ", false),
            (b" a", true),
            (b"  a", false),
            (b"a b ", false),
        ] {
            assert_eq!(
                relaxed_already(line),
                already,
                "{:?}",
                String::from_utf8_lossy(line)
            );
        }
    }

    #[test]
    fn signature_header_drops_b_value_only() {
        let (h, _) = split(b"DKIM-Signature: v=1; bh=AAA;\r\n b=ab\r\n cd; d=x\r\n\r\n");
        assert_eq!(
            signature_header(&h[0], Canon::Simple),
            b"DKIM-Signature: v=1; bh=AAA;\r\n b=; d=x"
        );
        let (h, _) = split(b"DKIM-Signature: v=1; b = ab\r\n cd\r\n\r\n");
        assert_eq!(
            signature_header(&h[0], Canon::Relaxed),
            b"dkim-signature:v=1; b ="
        );
    }
}
