//! The bodies of the fuzz targets in `fuzz/` (cargo fuzz), kept in the
//! library so that each target is a one-liner and a plain test
//! (`tests/fuzz_regressions.rs`) can replay saved inputs on stable Rust.
//!
//! Each function takes arbitrary bytes, runs one piece of the import or
//! export path on them and asserts that piece's invariants with `assert!`:
//! a failed assertion is a panic, which libFuzzer reports as a crash.
//!
//! | function | what it runs | invariants |
//! | --- | --- | --- |
//! | [`mbox_splitter`] | [`MboxSplitter`] | spans cover the input (only `From_` lines, line ends and noted junk between messages); spans are where they say; boundaries and keys do not depend on the memory limit |
//! | [`message`] | canonical form, [`parse::parse_message_with`] (attachment text extracted inline), [`parse::attachment_contents`], index document, stored record | streaming and one-shot canonical forms agree; limits hold; raw-only says why; attachment contents match the record's list; the record round-trips |
//! | [`safe_name`] | [`safename::safe_file_name`] | one safe, non-device, visible component of bounded length; idempotent |
//! | [`query`] | [`query::parse`], conversion to a tantivy query and a search, snippets | canonical form is a fixed point; errors point inside the input; highlight ranges are inside the snippet |
//! | [`html`] | [`html::html_to_text_limited`], [`html::decode_entities`] | output within the cap, trimmed |
//! | [`extract()`] | [`extract_mod::detect`], [`extract_mod::extract`] on any bytes as each document kind | ends within its time budget; text within its limit; no panic escapes |
//! | [`gzip`] | [`source::gzindex::GzReader`] against flate2; compression, checkpoints and reads through them | the two decoders agree; data round-trips; every checkpoint reads back exact ranges |
//! | [`export`] | CSV row, NDJSON record, mbox entry | CSV parses back to the same cells (defused) and no cell starts with a formula character; the mbox re-splits into the same messages (same keys) |
//!
//! Not part of the stable API.

use std::ops::Range;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use crate::export::{self, CSV_HEADER, ExportItem};
use crate::extract::{DocKind, ExtractError, ExtractLimits};
use crate::index::snippet::{Highlighter, mark};
use crate::index::{Fields, Resolver, SearchIndex, Sort};
use crate::model::{
    Address, Attachment, DefectKind, Limits, Message, Origin, ParseStatus, Sha256, SourceFormat,
    TextStatus,
};
use crate::source::mbox::MboxSplitter;
use crate::source::{Canonicalizer, RawMessage};
use crate::{
    attachtext, extract as extract_mod, html as html_mod, parse, query as query_mod, safename,
    source, store,
};

/// A fuzz target's body.
pub type Target = fn(&[u8]);

/// The fuzz targets by name (the names of the files in `fuzz/fuzz_targets/`
/// and of the folders in `fuzz/regressions/`).
pub const TARGETS: &[(&str, Target)] = &[
    ("mbox_splitter", mbox_splitter),
    ("message", message),
    ("safe_name", safe_name),
    ("query", query),
    ("html", html),
    ("export", export),
    ("extract", extract),
    ("gzip", gzip),
];

/// The body of the target called `name`, if there is one.
pub fn target(name: &str) -> Option<Target> {
    TARGETS.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
}

/// Import time used for date checks (2027-01-15).
const NOW: i64 = 1_800_000_000;

// ---------------------------------------------------------------------------
// mbox splitter

/// Splits `data` as an mbox with the given limits, returning the messages
/// and whether any note (junk, read error) was made.
fn split(data: &[u8], max_message: usize, max_head: usize) -> (Vec<RawMessage>, usize) {
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

// ---------------------------------------------------------------------------
// One message: canonical form, parse, attachments, index document, record

/// Small limits, so that every limit is reached by small inputs.
fn small_limits() -> Limits {
    Limits {
        max_message_bytes: 4096,
        max_header_block: 512,
        max_header_value: 64,
        max_parts: 6,
        max_depth: 3,
        max_decoded_bytes: 2048,
        max_body_text: 256,
        max_attachment_text: 128,
    }
}

fn fields() -> &'static Fields {
    static F: OnceLock<Fields> = OnceLock::new();
    F.get_or_init(Fields::new)
}

/// Fuzz target `message`. The first byte chooses: bit 0 mbox quoting,
/// bit 1 small limits, bits 2–7 the chunk size for the streaming
/// canonicaliser; the rest is the message as found in a source.
pub fn message(data: &[u8]) {
    let Some((&flags, raw)) = data.split_first() else {
        return;
    };
    let quoted = flags & 1 != 0;
    let limits = if flags & 2 != 0 {
        small_limits()
    } else {
        Limits::default()
    };
    let chunk = usize::from(flags >> 2) + 1;

    // Key and source hash, one-shot and streaming in chunks.
    let (raw_sha, key) = source::hash_message(raw, quoted);
    assert_eq!(raw_sha, Sha256::of(raw));
    let canon = source::canonical(raw, quoted);
    assert_eq!(key, Sha256::of(&canon));
    let mut streamed = Vec::new();
    let mut c = Canonicalizer::new(quoted);
    for piece in raw.chunks(chunk) {
        c.feed(piece, &mut |b| streamed.extend_from_slice(b));
    }
    c.finish(&mut |b| streamed.extend_from_slice(b));
    assert_eq!(
        &streamed[..],
        &canon[..],
        "streaming canonical form differs"
    );
    assert!(!canon.ends_with(b"\n") && !canon.ends_with(b"\r"));

    // What the import parses: quoting undone, line ends as in the source.
    let bytes = if quoted {
        source::unquote_mbox(raw)
    } else {
        std::borrow::Cow::Borrowed(raw)
    };
    // With the import's attachment extraction (inline here, so that a hang
    // shows as a libFuzzer timeout instead of an abandoned thread).
    let docs = Direct(ExtractLimits {
        max_text_chars: limits.max_attachment_text,
        ..fuzz_extract_limits()
    });
    let msg = parse::parse_message_with(
        key,
        &bytes,
        true,
        bytes.len() as u64,
        &limits,
        NOW,
        Some(&docs),
    );
    assert_eq!(msg.key, key);
    check_message(&msg, &limits);
    // Raw-only always says why. (Not the converse: `too_deep` also marks
    // a parsed message whose innermost parts were not examined.)
    if msg.status == ParseStatus::RawOnly {
        assert!(
            msg.defects.iter().any(|d| d.kind.is_fatal()),
            "raw-only without a defect saying why: {:?}",
            msg.defects
        );
    }

    // Saving attachments reads them again; the list must be the one shown
    // (the window saves attachment i of this list under the i-th name).
    let contents = parse::attachment_contents(&bytes, &limits);
    if msg.status == ParseStatus::Parsed {
        assert_eq!(
            contents.len(),
            msg.attachments.len(),
            "attachment_contents and the record list different attachments"
        );
        for ((a, content), shown) in contents.iter().zip(&msg.attachments) {
            assert_eq!((&a.name, &a.mime), (&shown.name, &shown.mime));
            assert_eq!((a.size, a.sha256), (shown.size, shown.sha256));
            assert_eq!(a.size, content.len() as u64);
            assert_eq!(a.sha256, Sha256::of(content));
        }
    }

    // A message too large to hold: only its head, always raw-only.
    let head = &bytes[..bytes.len().min(limits.max_header_block)];
    let big = parse::parse_message(key, head, false, u64::MAX, &limits, NOW);
    assert_eq!(big.status, ParseStatus::RawOnly);
    assert!(big.has_defect(DefectKind::TooLarge));
    check_message(&big, &limits);

    // The index document and the stored record.
    let _doc = fields().document(&msg);
    // Attachment texts are stored apart, once per content.
    let mut expected = msg.clone();
    expected.defects.clear();
    for a in &mut expected.attachments {
        a.text = None;
    }
    let with_text: Vec<(Sha256, Option<String>)> = msg
        .attachments
        .iter()
        .map(|a| (a.sha256, a.text.clone()))
        .collect();
    let prepared = store::prepare(msg);
    let back = store::decode_record(&prepared.data).expect("a stored record decodes");
    assert_eq!(back, expected, "the stored record does not round-trip");
    for (sha, text) in with_text {
        if let Some(text) = text {
            let kept = prepared
                .texts
                .iter()
                .find(|t| t.sha256 == sha)
                .expect("every attachment text is kept");
            // A content with a text in any attachment keeps a text.
            assert!(kept.text.is_some(), "text of {sha} lost ({text:?})");
        }
    }
}

/// Limits every record must respect, and text safe to show.
fn check_message(m: &Message, limits: &Limits) {
    assert!(
        m.body_text.len() <= limits.max_body_text,
        "body over the limit"
    );
    for a in &m.attachments {
        if let Some(t) = &a.text {
            assert!(
                t.len() <= limits.max_attachment_text,
                "attachment text over the limit"
            );
        }
    }
    assert!(
        m.attachments.len() <= limits.max_parts,
        "more attachments than parts"
    );
    for s in [&m.subject, &m.date_raw, &m.message_id]
        .into_iter()
        .flatten()
    {
        let shown = crate::display::visible(s);
        assert!(!shown.chars().any(crate::display::is_invisible));
    }
    if let Some(d) = m.date {
        let _ = crate::time::rfc3339(d);
    }
}

/// Attachment text extraction without the watchdog thread: in a fuzz
/// target a hang must show as a timeout, not be abandoned.
struct Direct(ExtractLimits);

impl parse::DocText for Direct {
    fn text(&self, _sha: &Sha256, bytes: &[u8], kind: DocKind) -> parse::DocOutcome {
        attachtext::outcome(extract_mod::extract(bytes, kind, &self.0))
    }
}

/// The default extraction limits with a time budget well under libFuzzer's
/// one-second timeout: an input that runs past it has a loop without a
/// deadline check.
fn fuzz_extract_limits() -> ExtractLimits {
    ExtractLimits {
        time: Duration::from_millis(300),
        ..ExtractLimits::default()
    }
}

// ---------------------------------------------------------------------------
// Attachment documents

/// The document kinds [`extract()`] reads, chosen by the target's first byte.
const DOC_KINDS: [DocKind; 9] = [
    DocKind::Pdf,
    DocKind::Docx,
    DocKind::Xlsx,
    DocKind::Pptx,
    DocKind::Odt,
    DocKind::Ods,
    DocKind::Odp,
    DocKind::Xls,
    DocKind::Rtf,
];

/// Fuzz target `extract`: the first byte picks a document kind (or, past
/// the kinds, lets [`extract_mod::detect`] decide, as the import does for an
/// `application/octet-stream` attachment), the rest is the document.
/// Extraction must end within its time budget (libFuzzer's timeout) and
/// memory limit, keep at most the text limit, and never let a panic out.
pub fn extract(data: &[u8]) {
    let Some((&pick, doc)) = data.split_first() else {
        return;
    };
    let detected = extract_mod::detect(doc, "application/octet-stream", Some("attachment.bin"));
    let kind = match DOC_KINDS.get(usize::from(pick)) {
        Some(&k) => k,
        None => match detected {
            Some(k) if k.is_document() => k,
            _ => return,
        },
    };
    let limits = ExtractLimits {
        max_text_chars: 4096,
        ..fuzz_extract_limits()
    };
    match extract_mod::extract(doc, kind, &limits) {
        Ok(out) => {
            assert!(
                out.text.chars().count() <= limits.max_text_chars,
                "{} characters over the limit {}",
                out.text.chars().count(),
                limits.max_text_chars
            );
            let status = attachtext::outcome(Ok(out)).status;
            assert!(matches!(
                status,
                TextStatus::Extracted | TextStatus::Truncated | TextStatus::Empty
            ));
        }
        Err(ExtractError::Unsupported { .. }) => panic!("{kind:?} is a document kind"),
        Err(ExtractError::Busy) => panic!("extract() runs no watchdog"),
        Err(_) => {}
    }
}

// ---------------------------------------------------------------------------
// Attachment file names

/// Fuzz target `safe_name`: any bytes (as UTF-8, lossily) as a file name
/// from a mail.
pub fn safe_name(data: &[u8]) {
    let name = String::from_utf8_lossy(data);
    let s = safename::safe_file_name(&name);
    check_safe_component(&s);
    assert_eq!(safename::safe_file_name(&s), s, "not idempotent");
    // The numbered variants used to avoid overwriting are safe too.
    for n in [2, 10_000] {
        let v = safename::numbered(&s, n);
        check_safe_component(&v);
    }
    // Joined to a folder it stays in that folder.
    let dir = Path::new("/tmp/attachments");
    assert_eq!(dir.join(&s).parent(), Some(dir));
}

fn check_safe_component(s: &str) {
    assert!(!s.is_empty());
    assert!(s.len() <= safename::MAX_NAME_BYTES + 8, "{} bytes", s.len());
    assert!(!s.contains(['/', '\\', '\0']), "{s:?}");
    assert!(s != "." && s != "..");
    let comps: Vec<Component> = Path::new(s).components().collect();
    assert!(
        matches!(comps[..], [Component::Normal(_)]),
        "not one component: {s:?}"
    );
    assert!(
        !s.chars().any(safename::is_invisible),
        "invisible character in {s:?}"
    );
    assert!(!s.contains(['<', '>', ':', '"', '|', '?', '*']), "{s:?}");
    assert!(
        !s.starts_with(safename::is_trimmed) && !s.ends_with(safename::is_trimmed),
        "{s:?}"
    );
    assert!(!safename::is_device_name(s), "device name {s:?}");
}

// ---------------------------------------------------------------------------
// Queries

/// A resolver with no case behind it.
struct NoCase;

impl Resolver for NoCase {
    fn thread_rowids(&self, _: &str) -> crate::error::Result<Vec<u64>> {
        Ok(vec![2])
    }
    fn source_rowids(&self, _: &str) -> crate::error::Result<Vec<u64>> {
        Ok(vec![1])
    }
}

/// A small in-memory index, built once per process.
fn index() -> &'static SearchIndex {
    static I: OnceLock<SearchIndex> = OnceLock::new();
    I.get_or_init(|| {
        let idx = SearchIndex::in_ram();
        let f = idx.fields().clone();
        let mut w = idx.writer().expect("an index writer");
        let texts = [
            (
                "Budget for May",
                "The MOSCOW trip. 会議の資料 García",
                "ann@mail.dnc.org",
            ),
            (
                "Re: travel",
                "budget talk in the body, donor",
                "bob@example.com",
            ),
            ("", "", ""),
        ];
        for (i, (subject, body, from)) in texts.iter().enumerate() {
            let mut m = Message::empty(Sha256::of(&[i as u8]), 10);
            m.subject = Some(subject.to_string());
            m.body_text = body.to_string();
            m.from = vec![Address {
                name: Some("Ann".into()),
                addr: from.to_string(),
            }];
            m.date = Some(1_462_000_000 + i as i64 * 86_400);
            m.message_id = Some(format!("m{i}@x"));
            let mut d = f.document(&m);
            f.set_rowid(&mut d, i as u64 + 1);
            w.add(d).expect("add a document");
        }
        w.commit(texts.len() as u64).expect("commit");
        idx.reload().expect("reload");
        idx
    })
}

fn check_ranges(text: &str, ranges: &[Range<usize>]) {
    for r in ranges {
        assert!(
            r.start <= r.end && r.end <= text.len(),
            "range {r:?} outside {} bytes",
            text.len()
        );
        assert!(text.is_char_boundary(r.start) && text.is_char_boundary(r.end));
    }
}

/// Fuzz target `query`: any bytes (as UTF-8, lossily) as a search query.
pub fn query(data: &[u8]) {
    let input = String::from_utf8_lossy(data);
    let q = match query_mod::parse(&input) {
        Ok(q) => q,
        Err(e) => {
            assert!(
                e.span.start <= e.span.end && e.span.end <= input.len(),
                "error span {:?} outside the input",
                e.span
            );
            assert!(input.is_char_boundary(e.span.start) && input.is_char_boundary(e.span.end));
            let _ = e.caret(&input);
            return;
        }
    };
    let shown = q.to_string();
    let again = query_mod::parse(&shown)
        .unwrap_or_else(|e| panic!("canonical form {shown:?} does not parse: {e}"));
    assert_eq!(again, q, "canonical form {shown:?} parses to another query");
    assert_eq!(
        again.to_string(),
        shown,
        "canonical form is not a fixed point"
    );

    // To tantivy and back: a search never fails on a parsed query.
    let idx = index();
    let hits = idx
        .search(&q, &NoCase, Sort::Relevance)
        .expect("a parsed query searches");
    let count = idx.count(&q, &NoCase).expect("a parsed query counts");
    assert_eq!(hits.len(), count);

    // Highlighting and snippets, on the query itself and on a fixed text.
    let h = Highlighter::new(&q, crate::query::Field::Body);
    for text in [&*input, "The MOSCOW trip. 会議の資料 García, budget talk"] {
        check_ranges(text, &h.ranges(text));
        let (snip, ranges) = h.snippet(text, 40);
        check_ranges(&snip, &ranges);
        let _ = mark(&snip, &ranges, "«", "»");
    }
}

// ---------------------------------------------------------------------------
// HTML

/// Fuzz target `html`: the first byte is an output cap (×16 bytes), the
/// rest HTML (as UTF-8, lossily).
pub fn html(data: &[u8]) {
    let Some((&cap, rest)) = data.split_first() else {
        return;
    };
    let cap = usize::from(cap) * 16;
    let text = String::from_utf8_lossy(rest);
    let out = html_mod::html_to_text_limited(&text, cap);
    assert!(out.len() <= cap, "{} bytes over the cap {cap}", out.len());
    let full = html_mod::html_to_text(&text);
    assert!(full.len() <= html_mod::DEFAULT_MAX_OUTPUT);
    assert!(!full.ends_with(char::is_whitespace), "trailing whitespace");
    assert!(!full.starts_with('\n'), "leading blank line");
    let _ = html_mod::decode_entities(&text);
}

// ---------------------------------------------------------------------------
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

// ---------------------------------------------------------------------------
// Exports

/// Reads one RFC 4180 record (CRLF-terminated) from `text`: its cells and
/// the rest of the text. Panics on anything a strict reader would refuse.
fn read_csv_record(text: &str) -> (Vec<String>, &str) {
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut chars = text.char_indices().peekable();
    let mut quoted = false;
    let mut at_start = true;
    while let Some((i, c)) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek().map(|x| x.1) == Some('"') {
                    chars.next();
                    cell.push('"');
                } else {
                    quoted = false;
                }
            } else {
                cell.push(c);
            }
            continue;
        }
        match c {
            '"' if at_start => {
                quoted = true;
                at_start = false;
            }
            '"' => panic!("quote inside an unquoted cell: {text:?}"),
            ',' => {
                cells.push(std::mem::take(&mut cell));
                at_start = true;
            }
            '\r' => {
                assert_eq!(
                    chars.next().map(|x| x.1),
                    Some('\n'),
                    "CR without LF outside quotes"
                );
                cells.push(cell);
                return (cells, &text[i + 2..]);
            }
            '\n' => panic!("bare LF outside quotes: {text:?}"),
            c => {
                cell.push(c);
                at_start = false;
            }
        }
    }
    panic!("record without CRLF: {text:?}");
}

/// What a value reads back as from the CSV: itself, with a `'` in front
/// when it starts with a character a spreadsheet would take for a formula.
fn defused(value: &str) -> String {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    }
}

/// Fields of an export input: separated by 0x1F; raw messages (the last
/// fields) separated by 0x1E.
fn export_fields(data: &[u8]) -> (Vec<String>, Vec<&[u8]>) {
    let mut parts = data.splitn(10, |&b| b == 0x1F);
    let mut meta = Vec::new();
    for _ in 0..9 {
        meta.push(String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned());
    }
    let raws = parts
        .next()
        .map(|r| r.split(|&b| b == 0x1E).collect())
        .unwrap_or_default();
    (meta, raws)
}

fn addresses(s: &str) -> Vec<Address> {
    s.split(';')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('<') {
            Some((name, addr)) => Address {
                name: Some(name.to_string()),
                addr: addr.to_string(),
            },
            None => Address {
                name: None,
                addr: p.to_string(),
            },
        })
        .collect()
}

/// Fuzz target `export`: message data in (subject, from, to, cc,
/// attachment names, thread, source path, `From_` line, date; then raw
/// messages), CSV / NDJSON / mbox out.
pub fn export(data: &[u8]) {
    let (meta, raws) = export_fields(data);
    let mut m = Message::empty(Sha256::of(data), data.len() as u64);
    m.subject = Some(meta[0].clone()).filter(|s| !s.is_empty());
    m.from = addresses(&meta[1]);
    m.to = addresses(&meta[2]);
    m.cc = addresses(&meta[3]);
    m.attachments = meta[4]
        .split(';')
        .filter(|n| !n.is_empty())
        .map(|n| Attachment {
            name: Some(n.to_string()),
            mime: "application/octet-stream".into(),
            size: 0,
            sha256: Sha256::of(b""),
            inline: false,
            text: None,
            kind: None,
            text_status: None,
        })
        .collect();
    m.date = meta[8].trim().parse().ok();
    let origin = Origin {
        path: PathBuf::from(&meta[6]),
        format: SourceFormat::Mbox,
        offset: 0,
        length: 0,
        raw_sha256: Sha256::of(b""),
        from_line: Some(meta[7].clone()).filter(|s| !s.is_empty()),
        maildir_flags: None,
    };
    let origins = [origin];
    let item = ExportItem {
        message: &m,
        origins: &origins,
        thread: Some(meta[5].as_str()),
        snippet: Some(meta[0].as_str()),
        score: Some(1.5),
        matched_in: None,
        raw: None,
    };

    // CSV: one record, the header's width, every cell back as written and
    // none that a spreadsheet would evaluate.
    let row = export::csv_row(&item);
    let (cells, rest) = read_csv_record(&row);
    assert!(rest.is_empty(), "more than one record in a row: {row:?}");
    assert_eq!(cells.len(), CSV_HEADER.len());
    for c in &cells {
        assert!(
            !c.starts_with(['=', '+', '-', '@', '\t', '\r']),
            "cell starts with a formula character: {c:?}"
        );
    }
    assert_eq!(cells[5], defused(&meta[0]), "subject cell");
    assert_eq!(cells[7], defused(&meta[5]), "thread cell");
    assert_eq!(cells[8], defused(&meta[6]), "source cell");
    for s in [&meta[0], &meta[5], &meta[6]] {
        let cell = export::csv_cell(s);
        let line = format!("{cell}\r\n");
        let (one, rest) = read_csv_record(&line);
        assert!(rest.is_empty() && one.len() == 1);
        assert_eq!(one[0], defused(s));
    }

    // NDJSON: one line that reads back.
    let line = serde_json::to_string(&export::json_record(&item)).expect("JSON");
    assert!(!line.contains('\n'));
    let v: serde_json::Value = serde_json::from_str(&line).expect("JSON reads back");
    assert_eq!(v["subject"].as_str(), m.subject.as_deref());

    // mbox: the entries re-split into the same messages, same keys.
    if raws.is_empty() {
        return;
    }
    let mut out = Vec::new();
    let mut keys = Vec::new();
    for (i, raw) in raws.iter().enumerate() {
        let mut mi = m.clone();
        mi.key = Sha256::of(&source::canonical(raw, false));
        keys.push(mi.key);
        // Every other message without an origin: the generated From_ line.
        let it = ExportItem {
            message: &mi,
            origins: if i % 2 == 0 { &origins } else { &[] },
            raw: Some(raw),
            ..item
        };
        export::mbox_entry(&mut out, &export::from_line(&it), raw);
    }
    let (back, notes) = split(&out, 1 << 30, 1 << 20);
    assert_eq!(
        notes,
        0,
        "the export has junk: {:?}",
        String::from_utf8_lossy(&out)
    );
    let got: Vec<Sha256> = back.iter().map(|r| r.hashes().1).collect();
    assert_eq!(
        got.len(),
        keys.len(),
        "mbox export re-splits into another number of messages: {:?}",
        String::from_utf8_lossy(&out)
    );
    assert_eq!(got, keys, "mbox export changes message keys");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_accept_trivial_inputs() {
        for (name, f) in TARGETS {
            for input in [
                &b""[..],
                b"\0",
                b"From a Mon Oct 12 14:02:11 2015\nSubject: x\n\ny\n",
            ] {
                f(input);
            }
            assert!(target(name).is_some());
        }
    }
}
