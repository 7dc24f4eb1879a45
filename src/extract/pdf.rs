//! PDF to text with `pdf-extract` (on `lopdf`), behind guards for what
//! those crates do not bound.
//!
//! Before anything is parsed, the streams that lopdf inflates while loading
//! (cross-reference and object streams) are found in the raw bytes and
//! their inflated size measured, bounded. After loading:
//! - a document that stays encrypted with the empty user password is
//!   [`ExtractError::Encrypted`] (owner-password-only PDFs open);
//! - image XObjects are emptied (the text extractor would inflate them and
//!   parse pixels as a content stream, which it unwraps);
//! - every remaining stream's filters are run bounded, and a page whose
//!   content streams (repeats counted) inflate past `max_unzipped_bytes` is a
//!   [`ExtractError::ZipBomb`];
//! - page trees whose `/Parent` chains loop, and form XObjects that invoke
//!   themselves, nest too deep or multiply past a bound, are refused: the
//!   text extractor follows both recursively and would overflow the stack.
//!
//! The text extractor then runs page by page (each page's panics contained:
//! a page it cannot read loses only its own text), writing through an
//! output device that feeds the [`Sink`] (with the word and line spacing of
//! pdf-extract's plain-text output), stops when the sink is full and checks
//! the deadline. A PDF with pages but no text is
//! [`ExtractError::ImageOnly`]; one whose every page failed gives the first
//! page's error.

use std::collections::{HashMap, HashSet};
use std::io::Read;

use flate2::read::{DeflateDecoder, ZlibDecoder};
use pdf_extract::{
    Dictionary, Document, MediaBox, Object, ObjectId, OutputDev, OutputError, Transform,
};

use super::ExtractError;
use super::sink::Sink;

/// Nesting of form XObjects allowed.
const MAX_FORM_DEPTH: usize = 48;
/// Form XObject invocations allowed per page (counting repeats).
const MAX_FORM_CALLS: u64 = 100_000;
/// `/Parent` links followed from a page.
const MAX_PARENT_DEPTH: usize = 256;

/// Bytes read from `r`, counting up to `limit + 1`; an error ends the count
/// (lopdf keeps what was inflated before an error too).
fn count(mut r: impl Read, limit: u64, sink: &Sink) -> Result<u64, ExtractError> {
    let mut buf = vec![0u8; 64 << 10];
    let mut total = 0u64;
    loop {
        match r.read(&mut buf) {
            Ok(0) | Err(_) => return Ok(total),
            Ok(n) => {
                total += n as u64;
                if total > limit {
                    return Ok(total);
                }
                sink.check()?;
            }
        }
    }
}

/// What lopdf's FlateDecode yields from `data`, in bytes (up to
/// `limit + 1`): zlib, else raw deflate after the two header bytes.
fn flate_len(data: &[u8], limit: u64, sink: &Sink) -> Result<u64, ExtractError> {
    if data.is_empty() {
        return Ok(0);
    }
    let n = count(
        ZlibDecoder::new(data).take(limit.saturating_add(1)),
        limit,
        sink,
    )?;
    if n == 0 && data.len() > 2 {
        return count(
            DeflateDecoder::new(&data[2..]).take(limit.saturating_add(1)),
            limit,
            sink,
        );
    }
    Ok(n)
}

/// What lopdf's LZWDecode yields from `data`, in bytes (up to `limit + 1`).
fn lzw_len(data: &[u8], early_change: bool, limit: u64, sink: &Sink) -> Result<u64, ExtractError> {
    use weezl::{BitOrder, LzwStatus, decode::Decoder};
    let mut decoder = if early_change {
        Decoder::with_tiff_size_switch(BitOrder::Msb, 8)
    } else {
        Decoder::new(BitOrder::Msb, 8)
    };
    let mut out = vec![0u8; 64 << 10];
    let mut input = data;
    let mut total = 0u64;
    loop {
        let r = decoder.decode_bytes(input, &mut out);
        input = &input[r.consumed_in..];
        total += r.consumed_out as u64;
        if total > limit {
            return Ok(total);
        }
        sink.check()?;
        match r.status {
            Ok(LzwStatus::Ok) if r.consumed_in > 0 || r.consumed_out > 0 => {}
            _ => return Ok(total),
        }
    }
}

/// The filter names of a stream dictionary, in decoding order.
fn filters(dict: &Dictionary) -> Vec<Vec<u8>> {
    match dict.get(b"Filter") {
        Ok(Object::Name(n)) => vec![n.clone()],
        Ok(Object::Array(a)) => a
            .iter()
            .filter_map(|o| o.as_name().ok().map(|n| n.to_vec()))
            .collect(),
        _ => Vec::new(),
    }
}

/// The size of a stream's content as the text extractor will see it
/// (inflated, bounded to `limit + 1`), following lopdf's filter chain.
fn stream_len(stream: &pdf_extract::Stream, limit: u64, sink: &Sink) -> Result<u64, ExtractError> {
    use std::borrow::Cow;
    let chain = filters(&stream.dict);
    let early_change = stream
        .dict
        .get(b"DecodeParms")
        .and_then(Object::as_dict)
        .and_then(|p| p.get(b"EarlyChange"))
        .and_then(Object::as_i64)
        .map(|v| v != 0)
        .unwrap_or(true);
    let raw = stream.content.len() as u64;
    let mut data = Cow::Borrowed(&stream.content[..]);
    for (i, f) in chain.iter().enumerate() {
        let last = i + 1 == chain.len();
        match f.as_slice() {
            b"FlateDecode" if last => return flate_len(&data, limit, sink),
            b"FlateDecode" => {
                let mut out = Vec::new();
                // On an error lopdf keeps what was inflated; so does this.
                let _ = ZlibDecoder::new(&data[..])
                    .take(limit.saturating_add(1))
                    .read_to_end(&mut out);
                if out.len() as u64 > limit {
                    return Ok(out.len() as u64);
                }
                data = Cow::Owned(out);
            }
            // Measured only (LZW before another filter is not seen in
            // practice).
            b"LZWDecode" => return lzw_len(&data, early_change, limit, sink),
            // At most 4 bytes out per byte in: let lopdf decode it.
            b"ASCII85Decode" => {
                let mut dict = Dictionary::new();
                dict.set("Filter", Object::Name(b"ASCII85Decode".to_vec()));
                match pdf_extract::Stream::new(dict, data.into_owned()).decompressed_content() {
                    Ok(out) => data = Cow::Owned(out),
                    Err(_) => return Ok(raw),
                }
            }
            // lopdf fails on other filters and the raw bytes are used.
            _ => return Ok(raw),
        }
        sink.check()?;
    }
    Ok(data.len() as u64)
}

/// `#xx` escapes in PDF names decoded, whitespace dropped: enough to find
/// `/Type/XRef` in a raw object header however it is spelled.
fn normalize(header: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(header.len());
    let mut i = 0;
    while i < header.len() {
        let b = header[i];
        if b == b'#'
            && let Some(v) = header
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        if !b.is_ascii_whitespace() {
            out.push(b);
        }
        i += 1;
    }
    out
}

/// Measures, in the raw bytes, the streams lopdf inflates while loading
/// (`/Type /XRef` and `/Type /ObjStm`), before lopdf sees them.
fn raw_guard(bytes: &[u8], limit: u64, sink: &Sink) -> Result<(), ExtractError> {
    let finder = memchr::memmem::Finder::new(b"stream");
    let mut header_start = 0usize;
    for (seen, pos) in finder.find_iter(bytes).enumerate() {
        if seen % 256 == 0 {
            sink.check()?;
        }
        if pos >= 3 && &bytes[pos - 3..pos] == b"end" {
            header_start = pos + 6;
            continue;
        }
        let data_start = match bytes.get(pos + 6..pos + 8) {
            Some([b'\r', b'\n']) => pos + 8,
            Some([b'\n', _]) | Some([b'\r', _]) => pos + 7,
            _ => continue,
        };
        let from = header_start.max(pos.saturating_sub(64 << 10)).min(pos);
        let mut header = &bytes[from..pos];
        if let Some(i) = memchr::memmem::rfind(header, b"obj") {
            header = &header[i..];
        }
        header_start = pos + 6;
        let norm = normalize(header);
        let find = |s: &[u8]| memchr::memmem::find(&norm, s).is_some();
        if !(find(b"/Type/XRef") || find(b"/Type/ObjStm")) {
            continue;
        }
        let data = &bytes[data_start..];
        let n = if find(b"/LZWDecode") {
            lzw_len(data, true, limit, sink)?
        } else {
            flate_len(data, limit, sink)?
        };
        if n > limit {
            return Err(ExtractError::ZipBomb { limit });
        }
    }
    Ok(())
}

fn is_image(dict: &Dictionary) -> bool {
    dict.get(b"Subtype")
        .and_then(Object::as_name)
        .map(|n| n == b"Image")
        .unwrap_or(false)
}

fn is_form(dict: &Dictionary) -> bool {
    dict.get(b"Subtype")
        .and_then(Object::as_name)
        .map(|n| n == b"Form")
        .unwrap_or(false)
}

/// Empties image XObjects; returns how many there were.
fn drop_images(doc: &mut Document) -> usize {
    let mut n = 0;
    for obj in doc.objects.values_mut() {
        if let Object::Stream(s) = obj
            && is_image(&s.dict)
        {
            s.dict.remove(b"Filter");
            s.dict.remove(b"DecodeParms");
            s.set_content(Vec::new());
            n += 1;
        }
    }
    n
}

/// Inflated sizes of all streams (bounded), refusing any past the limit.
fn stream_sizes(
    doc: &Document,
    limit: u64,
    sink: &Sink,
) -> Result<HashMap<ObjectId, u64>, ExtractError> {
    let mut sizes = HashMap::new();
    for (id, obj) in &doc.objects {
        if let Object::Stream(s) = obj {
            // The text extractor never reads these.
            let kind = s.dict.get(b"Type").and_then(Object::as_name).unwrap_or(b"");
            if matches!(kind, b"EmbeddedFile" | b"Metadata") {
                continue;
            }
            sink.check()?;
            let n = stream_len(s, limit, sink)?;
            if n > limit {
                return Err(ExtractError::ZipBomb { limit });
            }
            sizes.insert(*id, n);
        }
    }
    Ok(sizes)
}

/// Follows a reference chain to a dictionary.
fn dict<'d>(doc: &'d Document, obj: &'d Object) -> Option<&'d Dictionary> {
    match doc.dereference(obj).ok()?.1 {
        Object::Dictionary(d) => Some(d),
        Object::Stream(s) => Some(&s.dict),
        _ => None,
    }
}

/// The resources of a page as pdf-extract finds them (inherited through
/// `/Parent`); refuses looping or very deep parent chains.
fn page_resources<'d>(
    doc: &'d Document,
    page: &'d Dictionary,
) -> Result<Option<&'d Dictionary>, ExtractError> {
    let mut seen: HashSet<*const Dictionary> = HashSet::new();
    let mut node = page;
    let mut resources = None;
    loop {
        if !seen.insert(node as *const Dictionary) || seen.len() > MAX_PARENT_DEPTH {
            return Err(ExtractError::malformed("page tree /Parent links loop"));
        }
        if resources.is_none()
            && let Ok(r) = node.get(b"Resources")
        {
            resources = dict(doc, r);
        }
        match node.get(b"Parent").ok().and_then(|p| dict(doc, p)) {
            Some(parent) => node = parent,
            None => return Ok(resources),
        }
    }
}

/// Form XObject calls, checked for loops, depth and count.
struct Forms<'d> {
    doc: &'d Document,
    /// Names each form invokes with `Do`, with repeats.
    uses: HashMap<ObjectId, Vec<Vec<u8>>>,
    /// Calls (repeats included) below a form in a resources context.
    cost: HashMap<(ObjectId, usize), u64>,
    stack: Vec<ObjectId>,
}

impl<'d> Forms<'d> {
    fn uses(&mut self, id: ObjectId, stream: &pdf_extract::Stream) -> Vec<Vec<u8>> {
        if let Some(u) = self.uses.get(&id) {
            return u.clone();
        }
        let content = stream
            .decompressed_content()
            .unwrap_or_else(|_| stream.content.clone());
        let names: Vec<Vec<u8>> = pdf_extract::content::Content::decode(&content)
            .map(|c| {
                c.operations
                    .into_iter()
                    .filter(|op| op.operator == "Do")
                    .filter_map(|op| {
                        op.operands
                            .first()
                            .and_then(|o| o.as_name().ok())
                            .map(|n| n.to_vec())
                    })
                    .collect()
            })
            .unwrap_or_default();
        self.uses.insert(id, names.clone());
        names
    }

    /// The form XObject named `name` in `resources`.
    fn lookup(
        &self,
        resources: &'d Dictionary,
        name: &[u8],
    ) -> Option<(ObjectId, &'d pdf_extract::Stream)> {
        let xobjects = dict(self.doc, resources.get(b"XObject").ok()?)?;
        let (id, obj) = self.doc.dereference(xobjects.get(name).ok()?).ok()?;
        match obj {
            Object::Stream(s) if is_form(&s.dict) => Some((id?, s)),
            _ => None,
        }
    }

    /// Calls made by invoking form `id` with `resources` as the caller's.
    fn call(
        &mut self,
        id: ObjectId,
        stream: &'d pdf_extract::Stream,
        caller: &'d Dictionary,
        sink: &Sink,
    ) -> Result<u64, ExtractError> {
        sink.check()?;
        if self.stack.contains(&id) {
            return Err(ExtractError::malformed("form XObject invokes itself"));
        }
        if self.stack.len() >= MAX_FORM_DEPTH {
            return Err(ExtractError::malformed("form XObjects nested too deep"));
        }
        let resources = stream
            .dict
            .get(b"Resources")
            .ok()
            .and_then(|r| dict(self.doc, r))
            .unwrap_or(caller);
        let key = (id, resources as *const Dictionary as usize);
        if let Some(&c) = self.cost.get(&key) {
            return Ok(c);
        }
        self.stack.push(id);
        let mut total: u64 = 1;
        for name in self.uses(id, stream) {
            if let Some((child, s)) = self.lookup(resources, &name) {
                total = total.saturating_add(self.call(child, s, resources, sink)?);
                if total > MAX_FORM_CALLS {
                    return Err(ExtractError::malformed(
                        "too many nested form XObject calls",
                    ));
                }
            }
        }
        self.stack.pop();
        self.cost.insert(key, total);
        Ok(total)
    }
}

/// Checks each page: parent chain, content size, form XObject calls.
fn check_pages(
    doc: &Document,
    pages: &[ObjectId],
    limit: u64,
    sink: &Sink,
) -> Result<(), ExtractError> {
    let sizes = stream_sizes(doc, limit, sink)?;
    let mut forms = Forms {
        doc,
        uses: HashMap::new(),
        cost: HashMap::new(),
        stack: Vec::new(),
    };
    let empty = Dictionary::new();
    for &page_id in pages {
        sink.check()?;
        let Ok(page) = doc.get_dictionary(page_id) else {
            continue;
        };
        let resources = page_resources(doc, page)?;
        let content: u64 = doc
            .get_page_contents(page_id)
            .iter()
            .map(|id| sizes.get(id).copied().unwrap_or(0) + 1)
            .fold(0u64, u64::saturating_add);
        if content > limit {
            return Err(ExtractError::ZipBomb { limit });
        }
        // The page may invoke any XObject of its resources.
        let resources = resources.unwrap_or(&empty);
        let names: Vec<Vec<u8>> = resources
            .get(b"XObject")
            .ok()
            .and_then(|x| dict(doc, x))
            .map(|x| x.iter().map(|(k, _)| k.clone()).collect())
            .unwrap_or_default();
        let mut calls = 0u64;
        for name in names {
            if let Some((id, s)) = forms.lookup(resources, &name) {
                calls = calls.saturating_add(forms.call(id, s, resources, sink)?);
                if calls > MAX_FORM_CALLS {
                    return Err(ExtractError::malformed(
                        "too many nested form XObject calls",
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Why the output device stopped the extractor.
enum Stop {
    Full,
    Error(ExtractError),
}

/// pdf-extract's plain-text layout, written into the sink.
struct Device<'s> {
    sink: &'s mut Sink,
    stop: Option<Stop>,
    page_height: f64,
    last_end: f64,
    last_y: f64,
    first_char: bool,
}

impl Device<'_> {
    fn halt(&mut self, why: Stop) -> Result<(), OutputError> {
        self.stop = Some(why);
        Err(OutputError::FormatError(std::fmt::Error))
    }
}

impl OutputDev for Device<'_> {
    fn begin_page(
        &mut self,
        page_num: u32,
        media_box: &MediaBox,
        _art_box: Option<(f64, f64, f64, f64)>,
    ) -> Result<(), OutputError> {
        if let Err(e) = self.sink.check() {
            return self.halt(Stop::Error(e));
        }
        if page_num > 1 {
            self.sink.blank_line();
        }
        self.page_height = media_box.ury - media_box.lly;
        self.last_end = 100_000.0;
        self.last_y = 0.0;
        Ok(())
    }

    fn end_page(&mut self) -> Result<(), OutputError> {
        Ok(())
    }

    fn output_character(
        &mut self,
        trm: &Transform,
        width: f64,
        _spacing: f64,
        font_size: f64,
        char: &str,
    ) -> Result<(), OutputError> {
        if let Err(e) = self.sink.tick() {
            return self.halt(Stop::Error(e));
        }
        // The position in a top-down page and the font size after the
        // text matrix, as pdf-extract's PlainTextOutput computes them.
        let x = trm.m31;
        let y = self.page_height - trm.m32;
        let vx = font_size * trm.m11 + font_size * trm.m21;
        let vy = font_size * trm.m12 + font_size * trm.m22;
        let size = (vx * vy).abs().sqrt();
        if self.first_char {
            if (y - self.last_y).abs() > size * 1.5
                || (x < self.last_end && (y - self.last_y).abs() > size * 0.5)
            {
                self.sink.newline();
            }
            if x > self.last_end + size * 0.1 {
                self.sink.space();
            }
        }
        self.sink.text(char);
        self.first_char = false;
        self.last_y = y;
        self.last_end = x + width * size;
        if self.sink.full() {
            return self.halt(Stop::Full);
        }
        Ok(())
    }

    fn begin_word(&mut self) -> Result<(), OutputError> {
        self.first_char = true;
        Ok(())
    }

    fn end_word(&mut self) -> Result<(), OutputError> {
        Ok(())
    }

    fn end_line(&mut self) -> Result<(), OutputError> {
        Ok(())
    }
}

fn load_error(e: pdf_extract::Error) -> ExtractError {
    use pdf_extract::Error as E;
    match e {
        E::Decryption(_)
        | E::InvalidPassword
        | E::UnsupportedSecurityHandler(_)
        | E::AlreadyEncrypted => ExtractError::Encrypted,
        e => ExtractError::malformed(format!("PDF: {e}")),
    }
}

pub(crate) fn extract(bytes: &[u8], sink: &mut Sink) -> Result<(), ExtractError> {
    let limit = sink.limits().max_unzipped_bytes;
    raw_guard(bytes, limit, sink)?;
    sink.check()?;
    let mut doc = Document::load_mem(bytes).map_err(load_error)?;
    if doc.trailer.get(b"Encrypt").is_ok() {
        return Err(ExtractError::Encrypted);
    }
    sink.check()?;
    let pages: Vec<ObjectId> = doc.get_pages().into_values().collect();
    if pages.is_empty() {
        return Err(ExtractError::malformed("PDF has no pages"));
    }
    drop_images(&mut doc);
    check_pages(&doc, &pages, limit, sink)?;
    sink.check()?;
    let mut device = Device {
        sink,
        stop: None,
        page_height: 0.0,
        last_end: 100_000.0,
        last_y: 0.0,
        first_char: false,
    };
    // Page by page, each contained: a page the extractor cannot read (it
    // unwraps on many oddities) loses only its own text.
    let mut failure = None;
    let mut read = 0usize;
    for number in 1..=pages.len() as u32 {
        let result =
            crate::contain::contain(|| pdf_extract::output_doc_page(&doc, &mut device, number));
        match (device.stop.take(), result) {
            (Some(Stop::Error(e)), _) => return Err(e),
            (Some(Stop::Full), _) => {
                read += 1;
                break;
            }
            (None, Ok(Ok(()))) => read += 1,
            (None, Ok(Err(e))) => {
                failure.get_or_insert(ExtractError::malformed(format!("PDF page {number}: {e}")));
            }
            (None, Err(message)) => {
                failure.get_or_insert(ExtractError::Panicked {
                    message: format!("PDF page {number}: {message}"),
                });
            }
        }
    }
    let sink = device.sink;
    if read == 0
        && let Some(e) = failure
    {
        return Err(e);
    }
    if sink.is_blank() {
        return Err(ExtractError::ImageOnly);
    }
    Ok(())
}
