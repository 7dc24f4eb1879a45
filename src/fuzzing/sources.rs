//! Fuzz bodies for reading sources: `mbox_splitter` (spans cover the
//! input, separators are `From_` lines, boundaries and keys do not depend
//! on the memory limit) and `gzip` (mailsift's gzip reader against flate2,
//! round trips and reads through checkpoints). Also the splitting helper
//! the `export` body uses to re-split an exported mbox.

use std::path::Path;
use std::sync::Arc;

use crate::model::SourceFormat;
use crate::source::mbox::MboxSplitter;
use crate::source::{self, RawMessage};

// mbox splitter

/// Splits `data` as an mbox with the given limits, returning the messages
/// and whether any note (junk, read error) was made.
pub(super) fn split(data: &[u8], max_message: usize, max_head: usize) -> (Vec<RawMessage>, usize) {
    let mut s = MboxSplitter::new(
        data,
        Arc::from(Path::new("/fuzz.mbox")),
        SourceFormat::Mbox,
        max_message,
        max_head,
    );
    let msgs: Vec<RawMessage> = s.by_ref().collect();
    (msgs, s.notes().len())
}

/// Whether `b` is a line-end byte.
fn is_eol(b: u8) -> bool {
    b == b'\n' || b == b'\r'
}

/// Checks that the bytes between two messages (or before the first) are
/// exactly: line ends, the message's `From_` line, one line end (none when
/// the input ends with the `From_` line: an empty last message).
/// `first`: before the first message, where other bytes may precede the
/// separator when they were noted as junk.
fn check_gap(gap: &[u8], m: &RawMessage, first: bool, noted: bool, at_end: bool) {
    let from = m
        .from_line
        .as_deref()
        .expect("mbox messages have a From_ line");
    // The separator line ends with the byte just before the message.
    let body = match gap.strip_suffix(b"\n") {
        Some(body) => body,
        None => {
            assert!(
                at_end && m.length == 0,
                "no line end before the message: {gap:?}"
            );
            gap
        }
    };
    let body = body.strip_suffix(b"\r").unwrap_or(body);
    let line_start = body.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let line = &body[line_start..];
    assert!(
        source::is_from_line(line),
        "the line before a message is not a From_ line: {:?}",
        String::from_utf8_lossy(line)
    );
    assert_eq!(
        String::from_utf8_lossy(line),
        from,
        "from_line is not the separator line"
    );
    let before = &gap[..line_start];
    if first {
        assert!(
            before.iter().all(|b| b.is_ascii_whitespace()) || noted,
            "bytes before the first message neither blank nor noted: {:?}",
            String::from_utf8_lossy(before)
        );
    } else {
        assert!(
            before.iter().all(|&b| is_eol(b)),
            "bytes lost between messages: {:?}",
            String::from_utf8_lossy(before)
        );
    }
}

/// Fuzz target `mbox_splitter`: any bytes as an mbox.
pub fn mbox_splitter(data: &[u8]) {
    let (msgs, notes) = split(data, 1 << 30, 1 << 20);
    let mut at = 0usize;
    for (n, m) in msgs.iter().enumerate() {
        let (o, len) = (m.offset as usize, m.length as usize);
        assert!(
            o >= at && o + len <= data.len(),
            "span {o}+{len} out of order or bounds"
        );
        assert!(m.is_complete(), "a small message was spilled");
        assert_eq!(&data[o..o + len], &m.bytes[..], "bytes are not the span");
        check_gap(&data[at..o], m, n == 0, notes > 0, o == data.len());
        at = o + len;
    }
    let tail = &data[at..];
    if msgs.is_empty() {
        assert!(
            tail.iter().all(|b| b.is_ascii_whitespace()) || notes > 0,
            "no message and nothing noted"
        );
    } else {
        assert!(
            tail.iter().all(|&b| is_eol(b)),
            "bytes lost after the last message: {:?}",
            String::from_utf8_lossy(tail)
        );
    }

    // The smallest limits the splitter allows: messages over 1 KiB are
    // hashed while streaming and only their head is kept. Boundaries, keys
    // and source hashes must not change (a Content-Length is only trusted
    // within the limit, so inputs with one are compared on coverage only).
    let (small, _) = split(data, 1024, 1024);
    for m in &small {
        let (o, len) = (m.offset as usize, m.length as usize);
        assert!(o + len <= data.len());
        let whole = &data[o..o + len];
        assert!(
            whole.starts_with(&m.bytes),
            "kept head is not the message's start"
        );
        assert_eq!(
            m.hashes(),
            source::hash_message(whole, true),
            "streamed hashes"
        );
    }
    let has_content_length = data
        .windows(15)
        .any(|w| w.eq_ignore_ascii_case(b"content-length:"));
    if !has_content_length {
        let spans = |v: &[RawMessage]| -> Vec<(u64, u64)> {
            v.iter().map(|m| (m.offset, m.length)).collect()
        };
        assert_eq!(
            spans(&msgs),
            spans(&small),
            "boundaries depend on the limit"
        );
    }
}

// gzip sources

/// Decodes `gz` with `r` into at most 4 MiB: (output, whether it ended
/// without error).
fn gunzip_capped(r: impl std::io::Read) -> (Vec<u8>, bool) {
    use std::io::Read;
    let mut out = Vec::new();
    let ok = r.take(4 << 20).read_to_end(&mut out).is_ok();
    (out, ok)
}

/// Fuzz target `gzip`: the first byte picks the mode.
/// Even: the rest is a gzip file, decoded by mailsift's reader and by
/// flate2: what each produces before stopping is a prefix of the other's,
/// and equal when both succeed.
/// Odd: the rest is plain data, compressed (levels and member splits from
/// the mode byte and the data) and decoded with a checkpoint every few
/// bytes: the output is the data, and ranges read through each checkpoint
/// are the data's.
pub fn gzip(data: &[u8]) {
    use source::gzindex::{GzReader, read_range_in};
    use std::io::{Cursor, Read, Write};
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode % 2 == 0 {
        let (ours, ours_ok) = gunzip_capped(GzReader::new(rest));
        let (theirs, theirs_ok) = gunzip_capped(flate2::read::MultiGzDecoder::new(rest));
        let n = ours.len().min(theirs.len());
        if let Some(i) = (0..n).find(|&i| ours[i] != theirs[i]) {
            panic!("the decoders disagree at byte {i}");
        }
        if ours_ok && theirs_ok {
            assert_eq!(
                ours.len(),
                theirs.len(),
                "both succeeded, different lengths"
            );
        }
        return;
    }
    // Up to three members, split where the data says.
    let cut = |i: usize| {
        rest.get(i)
            .map_or(0, |&b| usize::from(b) * rest.len() / 256)
    };
    let (mut a, mut b) = (cut(0), cut(1));
    if a > b {
        std::mem::swap(&mut a, &mut b);
    }
    let mut file = Vec::new();
    for (k, piece) in [&rest[..a], &rest[a..b], &rest[b..]]
        .into_iter()
        .enumerate()
    {
        if k > 0 && piece.is_empty() {
            continue;
        }
        let level = u32::from(mode >> 1).wrapping_add(k as u32) % 10;
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(level));
        let _ = e.write_all(piece);
        file.extend(e.finish().unwrap_or_default());
    }
    let span = 1 + u64::from(mode) * 7;
    let mut r = GzReader::new(&file[..]).with_checkpoint_span(span);
    let mut out = Vec::new();
    r.read_to_end(&mut out).expect("our own gzip data decodes");
    assert!(
        out == rest,
        "round trip: {} bytes out of {}",
        out.len(),
        rest.len()
    );
    let cps = r.take_checkpoints();
    for cp in cps.iter().take(16) {
        let cp = source::gzindex::Checkpoint::from_bytes(&cp.to_bytes()).expect("stored form");
        let start = cp.out_offset as usize;
        assert!(start <= rest.len());
        for (delta, len) in [(0usize, 1usize), (3, 200), (span as usize, 5000)] {
            let off = (start + delta).min(rest.len());
            let len = len.min(rest.len() - off);
            let got = read_range_in(Cursor::new(&file[..]), &cp, off as u64, len as u64)
                .expect("read through a checkpoint");
            assert!(
                got == rest[off..off + len],
                "range at {off} through {}",
                cp.out_offset
            );
        }
    }
}
