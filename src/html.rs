//! HTML → plain text, for displaying and indexing HTML-only messages.
//!
//! This module owns the whole conversion: a small hand-written tokenizer
//! (tags, attributes, comments, doctype, CDATA, processing instructions), a
//! line-oriented text writer (paragraphs, lists, tables, quotes, `pre`) and
//! character-reference decoding. There is no HTML engine and no network:
//! nothing referenced by the markup is ever fetched, loaded or executed; the
//! markup is only read and turned into readable text.
//!
//! Input is hostile (leaked mail), so the renderer never panics, works in a
//! single forward pass in time linear in the input, uses no recursion (deep
//! nesting only moves counters) and caps its output.
//!
//! Choices worth knowing:
//! - table cells in a row are joined with `" | "`; empty cells add nothing,
//!   so layout tables do not produce runs of separators;
//! - the content of `select` (its `option`s) is skipped, like `script`;
//! - images render as `[image: alt]` / `[image]`, surrounded by spaces;
//! - `&nbsp;` decodes to U+00A0 in [`decode_entities`], and the renderer
//!   shows any U+00A0 as an ordinary (collapsible) space;
//! - numeric references in 0x80–0x9F are read as windows-1252, as browsers do.

use std::borrow::Cow;

use memchr::{memchr, memmem};

/// Default cap on output size in bytes.
pub const DEFAULT_MAX_OUTPUT: usize = 4 * 1024 * 1024;

/// Deepest list level that still adds indentation.
const MAX_LIST_INDENT: usize = 10;
/// Deepest quote level that still adds a `"> "` to the line prefix.
const MAX_QUOTE_PREFIX: usize = 20;
/// Lists tracked individually (counters); deeper ones only count levels.
const MAX_LIST_STACK: usize = 1024;
/// Longest entity name looked at after `&`.
const MAX_ENTITY_NAME: usize = 32;
/// Longest `alt` text shown for an image, in bytes.
const MAX_ALT: usize = 1024;

/// Render HTML as plain text (output capped at [`DEFAULT_MAX_OUTPUT`]).
pub fn html_to_text(html: &str) -> String {
    html_to_text_limited(html, DEFAULT_MAX_OUTPUT)
}

/// Same with an explicit output cap in bytes; output never exceeds it (cut at
/// a char boundary).
pub fn html_to_text_limited(html: &str, max_output: usize) -> String {
    let mut r = Renderer::new(max_output);
    r.run(html);
    r.finish()
}

/// Decode HTML character references (named, decimal, hex) in a text fragment.
///
/// Numeric references work with or without the trailing `;`; NUL, surrogates
/// and out-of-range values become U+FFFD. Named references need the `;`,
/// except the legacy `amp lt gt quot nbsp copy reg`. Unknown names are left
/// as written. `&nbsp;` yields U+00A0.
pub fn decode_entities(s: &str) -> String {
    decode(s, false).into_owned()
}

// ---------------------------------------------------------------------------
// Renderer: tokenizer + element handling
// ---------------------------------------------------------------------------

enum List {
    Unordered,
    Ordered(i64),
}

struct Link {
    /// Output length when the link opened; its text is what follows.
    start: usize,
    url: String,
}

struct Renderer {
    w: Writer,
    lists: Vec<List>,
    /// Lists nested deeper than [`MAX_LIST_STACK`].
    list_overflow: usize,
    link: Option<Link>,
}

/// How a tag ended, as scanned by [`scan_tag`].
struct Tag<'a> {
    name: &'a str,
    attrs: &'a str,
    self_closing: bool,
    /// Index just past the closing `>`.
    next: usize,
}

impl Renderer {
    fn new(max_output: usize) -> Self {
        Renderer {
            w: Writer::new(max_output),
            lists: Vec::new(),
            list_overflow: 0,
            link: None,
        }
    }

    fn run(&mut self, s: &str) {
        let b = s.as_bytes();
        let mut pos = 0;
        while pos < b.len() && !self.w.full {
            let lt = memchr(b'<', &b[pos..]).map_or(b.len(), |o| pos + o);
            if lt > pos {
                self.text(&s[pos..lt]);
            }
            if lt >= b.len() {
                break;
            }
            pos = self.markup(s, lt);
        }
        self.close_link();
    }

    fn finish(mut self) -> String {
        let len = self.w.out.trim_end().len();
        self.w.out.truncate(len);
        self.w.out
    }

    fn text(&mut self, raw: &str) {
        let t = decode(raw, false);
        self.w.text(&t);
    }

    /// Handle the markup starting at `lt` (a `<`); return where to go on.
    fn markup(&mut self, s: &str, lt: usize) -> usize {
        let b = s.as_bytes();
        let len = b.len();
        match b.get(lt + 1) {
            Some(c) if c.is_ascii_alphabetic() => match scan_tag(s, lt + 1) {
                Some(tag) => self.start_tag(s, &tag),
                // A tag cut off by the end of input is dropped, as browsers do.
                None => len,
            },
            Some(b'/') => match b.get(lt + 2) {
                Some(c) if c.is_ascii_alphabetic() => match scan_tag(s, lt + 2) {
                    Some(tag) => {
                        self.end_tag(tag.name);
                        tag.next
                    }
                    None => len,
                },
                Some(b'>') => lt + 3,
                // `</` + anything else: bogus comment up to `>`.
                _ => skip_past(b, lt + 2, b'>'),
            },
            Some(b'!') => {
                let rest = &b[lt + 2..];
                if rest.starts_with(b"--") {
                    let body = lt + 4;
                    if b[body..].starts_with(b">") {
                        body + 1
                    } else if b[body..].starts_with(b"->") {
                        body + 2
                    } else {
                        memmem::find(&b[body..], b"-->").map_or(len, |o| body + o + 3)
                    }
                } else if rest.len() >= 7 && rest[..7].eq_ignore_ascii_case(b"[CDATA[") {
                    let body = lt + 9;
                    let (end, next) = match memmem::find(&b[body..], b"]]>") {
                        Some(o) => (body + o, body + o + 3),
                        None => (len, len),
                    };
                    self.w.text(&s[body..end]);
                    next
                } else {
                    // <!DOCTYPE ...>, <![if ...]> and other bogus comments.
                    skip_past(b, lt + 2, b'>')
                }
            }
            // Processing instruction / XML declaration.
            Some(b'?') => skip_past(b, lt + 2, b'>'),
            // A `<` that starts nothing is text.
            _ => {
                self.w.text("<");
                lt + 1
            }
        }
    }

    fn start_tag(&mut self, s: &str, tag: &Tag<'_>) -> usize {
        let mut buf = [0u8; 16];
        let Some(name) = lower_name(tag.name, &mut buf) else {
            return tag.next;
        };
        match name {
            "script" | "style" | "title" | "noscript" | "template" | "iframe" | "object"
            | "svg" | "math" | "select" | "noembed" | "noframes" => {
                if tag.self_closing && matches!(name, "svg" | "math") {
                    return tag.next;
                }
                skip_raw(s, tag.next, name).1
            }
            "head" => skip_head(s, tag.next),
            "textarea" => {
                let (end, next) = skip_raw(s, tag.next, name);
                self.w.brk(1);
                self.w.pre += 1;
                self.w.skip_pre_newline = true;
                self.text(&s[tag.next..end]);
                self.w.pre -= 1;
                self.w.pre_ws.clear();
                self.w.brk(1);
                next
            }
            "br" => {
                self.w.line_break();
                tag.next
            }
            "hr" => {
                self.w.brk(1);
                self.w.pending_space = false;
                self.w.word("---");
                self.w.brk(1);
                tag.next
            }
            "a" => {
                self.close_link();
                if let Some(url) = attr(tag.attrs, "href").and_then(|v| clean_url(&decode(v, true)))
                {
                    self.link = Some(Link {
                        start: self.w.out.len(),
                        url,
                    });
                }
                tag.next
            }
            "img" => {
                let alt = attr(tag.attrs, "alt")
                    .map(|v| collapse_ws(&decode(v, true), MAX_ALT))
                    .unwrap_or_default();
                self.w.pending_space = true;
                if alt.is_empty() {
                    self.w.word("[image]");
                } else {
                    self.w.word(&format!("[image: {alt}]"));
                }
                self.w.pending_space = true;
                tag.next
            }
            "ul" | "ol" => {
                self.w.brk(1);
                if self.lists.len() < MAX_LIST_STACK {
                    self.lists.push(if name == "ol" {
                        let start = attr(tag.attrs, "start")
                            .and_then(|v| v.trim().parse::<i64>().ok())
                            .unwrap_or(1);
                        List::Ordered(start)
                    } else {
                        List::Unordered
                    });
                } else {
                    self.list_overflow += 1;
                }
                self.update_list_level();
                tag.next
            }
            "li" => {
                self.w.brk(1);
                let marker = match self.lists.last_mut() {
                    Some(List::Ordered(n)) if self.list_overflow == 0 => {
                        let m = format!("{n}. ");
                        *n = n.saturating_add(1);
                        m
                    }
                    _ => "• ".to_string(),
                };
                self.w.marker = Some(marker);
                tag.next
            }
            "blockquote" => {
                self.w.brk(1);
                self.w.quote += 1;
                tag.next
            }
            "pre" | "listing" => {
                self.w.brk(1);
                self.w.pre += 1;
                self.w.skip_pre_newline = true;
                tag.next
            }
            "table" | "tr" => {
                self.w.brk(1);
                self.w.row_has_content = false;
                self.w.pending_sep = false;
                tag.next
            }
            "td" | "th" => {
                if self.w.row_has_content {
                    self.w.pending_sep = true;
                } else {
                    self.w.pending_space = true;
                }
                tag.next
            }
            _ => {
                if let Some(n) = block_break(name) {
                    self.w.brk(n);
                }
                tag.next
            }
        }
    }

    fn end_tag(&mut self, raw_name: &str) {
        let mut buf = [0u8; 16];
        let Some(name) = lower_name(raw_name, &mut buf) else {
            return;
        };
        match name {
            "a" => self.close_link(),
            "br" => self.w.line_break(),
            "ul" | "ol" => {
                if self.list_overflow > 0 {
                    self.list_overflow -= 1;
                } else {
                    self.lists.pop();
                }
                self.update_list_level();
                self.w.brk(1);
            }
            "li" => {
                self.w.marker = None;
                self.w.brk(1);
            }
            "blockquote" => {
                self.w.brk(1);
                self.w.quote = self.w.quote.saturating_sub(1);
            }
            "pre" | "listing" => {
                self.w.pre = self.w.pre.saturating_sub(1);
                self.w.pre_ws.clear();
                self.w.brk(1);
            }
            "table" | "tr" => {
                self.w.brk(1);
                self.w.row_has_content = false;
                self.w.pending_sep = false;
            }
            "td" | "th" => self.w.pending_space = true,
            _ => {
                if let Some(n) = block_break(name) {
                    self.w.brk(n);
                }
            }
        }
    }

    fn update_list_level(&mut self) {
        self.w.list_level = (self.lists.len() + self.list_overflow).min(MAX_LIST_INDENT);
    }

    /// End the open link: append ` <URL>` unless its text already says it.
    fn close_link(&mut self) {
        let Some(link) = self.link.take() else {
            return;
        };
        let text = self.w.out.get(link.start..).unwrap_or("").trim();
        if !same_target(text, &link.url) {
            self.w.pending_space = true;
            self.w.word(&format!("<{}>", link.url));
        }
    }
}

/// Line breaks requested around a block element (2 = blank line), if any.
fn block_break(name: &str) -> Option<usize> {
    match name {
        "p" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => Some(2),
        "div" | "section" | "article" | "header" | "footer" | "nav" | "aside" | "main" | "dl"
        | "dt" | "dd" | "form" | "fieldset" | "legend" | "address" | "center" | "figure"
        | "figcaption" | "details" | "summary" | "caption" | "hgroup" | "tbody" | "thead"
        | "tfoot" => Some(1),
        _ => None,
    }
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0C)
}

/// Whitespace for collapsing purposes: HTML whitespace plus no-break space.
fn is_space_char(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0C' | '\u{A0}')
}

/// Index just past the next `byte` at or after `from`, or the input length.
fn skip_past(b: &[u8], from: usize, byte: u8) -> usize {
    let from = from.min(b.len());
    memchr(byte, &b[from..]).map_or(b.len(), |o| from + o + 1)
}

/// ASCII-lowercase a tag name into `buf`; `None` for names we never handle.
fn lower_name<'b>(name: &str, buf: &'b mut [u8; 16]) -> Option<&'b str> {
    let n = name.as_bytes();
    if n.len() > buf.len() || !n.is_ascii() {
        return None;
    }
    for (d, s) in buf.iter_mut().zip(n) {
        *d = s.to_ascii_lowercase();
    }
    std::str::from_utf8(&buf[..n.len()]).ok()
}

/// Scan a tag whose name starts at `name_start`, through its attributes to
/// the closing `>` (quotes respected). `None` if the input ends first.
fn scan_tag(s: &str, name_start: usize) -> Option<Tag<'_>> {
    let b = s.as_bytes();
    let mut i = name_start;
    while i < b.len() && !is_ws(b[i]) && b[i] != b'/' && b[i] != b'>' {
        i += 1;
    }
    let name = &s[name_start..i];
    let attrs_start = i;
    loop {
        while i < b.len() && (is_ws(b[i]) || b[i] == b'/') {
            i += 1;
        }
        if i >= b.len() {
            return None;
        }
        if b[i] == b'>' {
            return Some(Tag {
                name,
                attrs: &s[attrs_start..i],
                self_closing: i > attrs_start && b[i - 1] == b'/',
                next: i + 1,
            });
        }
        i = skip_attr(b, i)?;
    }
}

/// Skip one attribute starting at `i` (not whitespace, `/` or `>`); return
/// the index after it, or `None` if an open quote runs to the end.
fn skip_attr(b: &[u8], i: usize) -> Option<usize> {
    attr_bounds(b, i).map(|a| a.end)
}

struct AttrBounds {
    name: (usize, usize),
    value: Option<(usize, usize)>,
    end: usize,
}

/// Locate the attribute starting at `i` in `b` (see [`skip_attr`]).
fn attr_bounds(b: &[u8], start: usize) -> Option<AttrBounds> {
    // The first character may be anything, even `=`.
    let mut i = start + 1;
    while i < b.len() && !is_ws(b[i]) && b[i] != b'/' && b[i] != b'>' && b[i] != b'=' {
        i += 1;
    }
    let name = (start, i);
    let mut j = i;
    while j < b.len() && is_ws(b[j]) {
        j += 1;
    }
    if j >= b.len() || b[j] != b'=' {
        return Some(AttrBounds {
            name,
            value: None,
            end: i,
        });
    }
    j += 1;
    while j < b.len() && is_ws(b[j]) {
        j += 1;
    }
    match b.get(j) {
        None => Some(AttrBounds {
            name,
            value: None,
            end: j,
        }),
        Some(&q @ (b'"' | b'\'')) => {
            let o = memchr(q, &b[j + 1..])?;
            Some(AttrBounds {
                name,
                value: Some((j + 1, j + 1 + o)),
                end: j + 2 + o,
            })
        }
        Some(_) => {
            let v = j;
            while j < b.len() && !is_ws(b[j]) && b[j] != b'>' {
                j += 1;
            }
            Some(AttrBounds {
                name,
                value: Some((v, j)),
                end: j,
            })
        }
    }
}

/// Raw (undecoded) value of the first attribute named `want` (lowercase).
fn attr<'a>(attrs: &'a str, want: &str) -> Option<&'a str> {
    let b = attrs.as_bytes();
    let mut i = 0;
    loop {
        while i < b.len() && (is_ws(b[i]) || b[i] == b'/') {
            i += 1;
        }
        if i >= b.len() || b[i] == b'>' {
            return None;
        }
        let a = attr_bounds(b, i)?;
        if b[a.name.0..a.name.1].eq_ignore_ascii_case(want.as_bytes()) {
            return Some(a.value.map_or("", |(x, y)| &attrs[x..y]));
        }
        i = a.end;
    }
}

/// Find the end of raw content closed by `</name`: returns (content end,
/// resume index). Unterminated content runs to the end of input.
fn skip_raw(s: &str, from: usize, name: &str) -> (usize, usize) {
    let b = s.as_bytes();
    let n = name.len();
    for o in memmem::find_iter(&b[from..], b"</") {
        let p = from + o;
        let after = p + 2 + n;
        if after <= b.len()
            && b[p + 2..after].eq_ignore_ascii_case(name.as_bytes())
            && b.get(after)
                .is_none_or(|&c| is_ws(c) || c == b'/' || c == b'>')
        {
            return (p, skip_past(b, after, b'>'));
        }
    }
    (b.len(), b.len())
}

/// Skip the content of `head`: up to `</head>` or to a `<body` (which is
/// then processed normally). Unterminated: to the end.
fn skip_head(s: &str, from: usize) -> usize {
    let b = s.as_bytes();
    let delim = |i: usize| b.get(i).is_none_or(|&c| is_ws(c) || c == b'/' || c == b'>');
    let mut i = from;
    while let Some(o) = memchr(b'<', &b[i..]) {
        let p = i + o;
        let rest = &b[p + 1..];
        if rest.len() >= 5 && rest[..5].eq_ignore_ascii_case(b"/head") && delim(p + 6) {
            return skip_past(b, p + 6, b'>');
        }
        if rest.len() >= 4 && rest[..4].eq_ignore_ascii_case(b"body") && delim(p + 5) {
            return p;
        }
        i = p + 1;
    }
    b.len()
}

/// Collapse whitespace runs to one space, trim, and cap at `max` bytes.
fn collapse_ws(s: &str, max: usize) -> String {
    let mut out = String::new();
    for word in s.split(is_space_char).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
        if out.len() >= max {
            let mut end = max;
            while !out.is_char_boundary(end) {
                end -= 1;
            }
            out.truncate(end);
            break;
        }
    }
    out
}

/// Clean a decoded `href` and keep it only for http(s) and mailto.
fn clean_url(raw: &str) -> Option<String> {
    let trimmed = raw.trim_matches(|c: char| c <= ' ');
    let lower_ok = |p: &str| {
        trimmed.len() >= p.len() && trimmed.as_bytes()[..p.len()].eq_ignore_ascii_case(p.as_bytes())
    };
    if !(lower_ok("http://") || lower_ok("https://") || lower_ok("mailto:")) {
        return None;
    }
    let mut url = String::with_capacity(trimmed.len());
    for c in trimmed.chars() {
        match c {
            '\t' | '\n' | '\r' => {}
            c if c.is_ascii_control() || c == ' ' || c == '<' || c == '>' => {
                url.push_str(&format!("%{:02X}", c as u32));
            }
            c => url.push(c),
        }
    }
    Some(url)
}

/// Whether a link's text already shows its target.
fn same_target(text: &str, url: &str) -> bool {
    fn norm(s: &str) -> &str {
        let s = s.trim();
        let s = match s.get(..7) {
            Some(p) if p.eq_ignore_ascii_case("mailto:") => &s[7..],
            _ => s,
        };
        s.trim_end_matches('/')
    }
    norm(text).eq_ignore_ascii_case(norm(url))
}

// ---------------------------------------------------------------------------
// Writer: lines, prefixes, whitespace and the output cap
// ---------------------------------------------------------------------------

struct Writer {
    out: String,
    max: usize,
    /// The cap was reached; nothing more is written.
    full: bool,
    /// Some content has been written.
    started: bool,
    /// Newlines owed before the next content (2 = one blank line).
    pending_nl: usize,
    pending_space: bool,
    /// A table cell separator is owed before the next content on this line.
    pending_sep: bool,
    row_has_content: bool,
    /// Whitespace seen inside `pre`, written only if content follows.
    pre_ws: String,
    pre: usize,
    last_cr: bool,
    skip_pre_newline: bool,
    quote: usize,
    /// Quote depth of the last content line (for blank-line prefixes).
    last_line_quote: usize,
    list_level: usize,
    /// List item marker owed at the start of the next line.
    marker: Option<String>,
}

impl Writer {
    fn new(max: usize) -> Self {
        Writer {
            out: String::new(),
            max,
            full: false,
            started: false,
            pending_nl: 0,
            pending_space: false,
            pending_sep: false,
            row_has_content: false,
            pre_ws: String::new(),
            pre: 0,
            last_cr: false,
            skip_pre_newline: false,
            quote: 0,
            last_line_quote: 0,
            list_level: 0,
            marker: None,
        }
    }

    /// Append to the output, respecting the cap and char boundaries.
    fn push(&mut self, s: &str) {
        if self.full {
            return;
        }
        let room = self.max.saturating_sub(self.out.len());
        if s.len() <= room {
            self.out.push_str(s);
        } else {
            let mut end = room;
            while !s.is_char_boundary(end) {
                end -= 1;
            }
            self.out.push_str(&s[..end]);
            self.full = true;
        }
    }

    /// Ask for `n` line breaks (1 = new line, 2 = blank line) before the
    /// next content.
    fn brk(&mut self, n: usize) {
        self.pending_nl = self.pending_nl.max(n);
    }

    /// `<br>`: one more newline; outside `pre` at most one blank line.
    fn line_break(&mut self) {
        if self.pre > 0 {
            self.pending_nl = self.pending_nl.saturating_add(1);
        } else {
            self.pending_nl = (self.pending_nl + 1).min(2);
        }
    }

    fn eff_quote(&self) -> usize {
        self.quote.min(MAX_QUOTE_PREFIX)
    }

    fn line_prefix(&mut self) {
        let q = self.eff_quote();
        for _ in 0..q {
            self.push("> ");
        }
        self.last_line_quote = q;
        let indent = match self.marker {
            Some(_) => self.list_level.saturating_sub(1),
            None => self.list_level,
        };
        for _ in 0..indent {
            self.push("  ");
        }
        if let Some(m) = self.marker.take() {
            self.push(&m);
        }
    }

    /// Settle owed newlines, prefixes, separators and spaces before content.
    fn begin(&mut self) {
        if !self.started {
            self.started = true;
            self.line_prefix();
        } else if self.pending_nl > 0 {
            let blank_quote = self.last_line_quote.min(self.eff_quote());
            self.push("\n");
            for _ in 1..self.pending_nl {
                if self.full {
                    break;
                }
                if blank_quote > 0 {
                    for _ in 1..blank_quote {
                        self.push("> ");
                    }
                    self.push(">");
                }
                self.push("\n");
            }
            self.line_prefix();
        } else if self.pending_sep {
            self.push(" | ");
        } else if self.pending_space && self.pre_ws.is_empty() {
            self.push(" ");
        }
        self.pending_nl = 0;
        self.pending_space = false;
        self.pending_sep = false;
        if !self.pre_ws.is_empty() {
            let ws = std::mem::take(&mut self.pre_ws);
            self.push(&ws);
        }
        self.row_has_content = true;
        self.skip_pre_newline = false;
        self.last_cr = false;
    }

    /// Write a run of content characters as is.
    fn word(&mut self, s: &str) {
        if s.is_empty() || self.full {
            return;
        }
        self.begin();
        self.push(s);
    }

    /// Write decoded text, collapsing or preserving whitespace by mode.
    fn text(&mut self, t: &str) {
        if self.pre > 0 {
            self.pre_text(t);
            return;
        }
        let mut run: Option<usize> = None;
        for (i, c) in t.char_indices() {
            if is_space_char(c) {
                if let Some(st) = run.take() {
                    self.word(&t[st..i]);
                }
                self.pending_space = true;
            } else if run.is_none() {
                run = Some(i);
            }
        }
        if let Some(st) = run {
            self.word(&t[st..]);
        }
    }

    fn pre_text(&mut self, t: &str) {
        let mut run: Option<usize> = None;
        for (i, c) in t.char_indices() {
            if self.full {
                return;
            }
            let ws = matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0C' | '\u{A0}');
            if !ws {
                if run.is_none() {
                    run = Some(i);
                }
                continue;
            }
            if let Some(st) = run.take() {
                self.word(&t[st..i]);
            }
            match c {
                '\n' | '\r' => {
                    let crlf = c == '\n' && self.last_cr;
                    if !crlf && !std::mem::take(&mut self.skip_pre_newline) {
                        self.pending_nl = self.pending_nl.saturating_add(1);
                        self.pre_ws.clear();
                    }
                    self.last_cr = c == '\r';
                    continue;
                }
                '\t' => self.pre_ws.push('\t'),
                _ => self.pre_ws.push(' '),
            }
            self.last_cr = false;
            self.skip_pre_newline = false;
        }
        if let Some(st) = run {
            self.word(&t[st..]);
        }
    }
}

// ---------------------------------------------------------------------------
// Character references
// ---------------------------------------------------------------------------

fn decode(s: &str, in_attr: bool) -> Cow<'_, str> {
    let b = s.as_bytes();
    let Some(first) = memchr(b'&', b) else {
        return Cow::Borrowed(s);
    };
    let mut out = String::with_capacity(s.len());
    let mut last = 0;
    let mut i = first;
    loop {
        match parse_entity(b, i, in_attr) {
            Some((c, end)) => {
                out.push_str(&s[last..i]);
                out.push(c);
                last = end;
                i = end;
            }
            None => i += 1,
        }
        match memchr(b'&', &b[i..]) {
            Some(o) => i += o,
            None => break,
        }
    }
    out.push_str(&s[last..]);
    Cow::Owned(out)
}

/// Parse the reference at `amp` (an `&`): (char, index after it).
fn parse_entity(b: &[u8], amp: usize, in_attr: bool) -> Option<(char, usize)> {
    if b.get(amp + 1) == Some(&b'#') {
        let mut j = amp + 2;
        let hex = matches!(b.get(j), Some(b'x' | b'X'));
        if hex {
            j += 1;
        }
        let radix = if hex { 16 } else { 10 };
        let digits = j;
        let mut v: u32 = 0;
        while let Some(d) = b.get(j).and_then(|&c| (c as char).to_digit(radix)) {
            v = v.saturating_mul(radix).saturating_add(d).min(0x11_0000);
            j += 1;
        }
        if j == digits {
            return None;
        }
        if b.get(j) == Some(&b';') {
            j += 1;
        }
        return Some((numeric_char(v), j));
    }
    let start = amp + 1;
    let mut j = start;
    while j < b.len() && j - start < MAX_ENTITY_NAME && b[j].is_ascii_alphanumeric() {
        j += 1;
    }
    if j == start {
        return None;
    }
    // The name is ASCII, so this cannot fail.
    let name = std::str::from_utf8(&b[start..j]).ok()?;
    match b.get(j) {
        Some(b';') => named_entity(name).map(|c| (c, j + 1)),
        Some(c) if c.is_ascii_alphanumeric() => None,
        Some(b'=') if in_attr => None,
        _ if matches!(
            name,
            "amp" | "lt" | "gt" | "quot" | "nbsp" | "copy" | "reg" | "AMP" | "LT" | "GT" | "QUOT"
        ) =>
        {
            named_entity(name).map(|c| (c, j))
        }
        _ => None,
    }
}

fn numeric_char(v: u32) -> char {
    const REPLACEMENT: char = '\u{FFFD}';
    match v {
        0 => REPLACEMENT,
        0x80..=0x9F => {
            // Windows-1252, as browsers read these references.
            const W1252: [u32; 32] = [
                0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030,
                0x0160, 0x2039, 0x0152, 0x8D, 0x017D, 0x8F, 0x90, 0x2018, 0x2019, 0x201C, 0x201D,
                0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E,
                0x0178,
            ];
            char::from_u32(W1252[(v - 0x80) as usize]).unwrap_or(REPLACEMENT)
        }
        _ => char::from_u32(v).unwrap_or(REPLACEMENT),
    }
}

/// Named references: HTML 4 (Latin-1, symbols, Greek, special) plus a few
/// common HTML 5 additions. Case-sensitive, as in HTML.
fn named_entity(name: &str) -> Option<char> {
    let cp: u32 = match name {
        "quot" | "QUOT" => 34,
        "amp" | "AMP" => 38,
        "apos" => 39,
        "lt" | "LT" => 60,
        "gt" | "GT" => 62,
        "Tab" => 9,
        "NewLine" => 10,
        // Latin-1
        "nbsp" => 160,
        "iexcl" => 161,
        "cent" => 162,
        "pound" => 163,
        "curren" => 164,
        "yen" => 165,
        "brvbar" => 166,
        "sect" => 167,
        "uml" => 168,
        "copy" | "COPY" => 169,
        "ordf" => 170,
        "laquo" => 171,
        "not" => 172,
        "shy" => 173,
        "reg" | "REG" => 174,
        "macr" => 175,
        "deg" => 176,
        "plusmn" => 177,
        "sup2" => 178,
        "sup3" => 179,
        "acute" => 180,
        "micro" => 181,
        "para" => 182,
        "middot" | "centerdot" => 183,
        "cedil" => 184,
        "sup1" => 185,
        "ordm" => 186,
        "raquo" => 187,
        "frac14" => 188,
        "frac12" | "half" => 189,
        "frac34" => 190,
        "iquest" => 191,
        "Agrave" => 192,
        "Aacute" => 193,
        "Acirc" => 194,
        "Atilde" => 195,
        "Auml" => 196,
        "Aring" => 197,
        "AElig" => 198,
        "Ccedil" => 199,
        "Egrave" => 200,
        "Eacute" => 201,
        "Ecirc" => 202,
        "Euml" => 203,
        "Igrave" => 204,
        "Iacute" => 205,
        "Icirc" => 206,
        "Iuml" => 207,
        "ETH" => 208,
        "Ntilde" => 209,
        "Ograve" => 210,
        "Oacute" => 211,
        "Ocirc" => 212,
        "Otilde" => 213,
        "Ouml" => 214,
        "times" => 215,
        "Oslash" => 216,
        "Ugrave" => 217,
        "Uacute" => 218,
        "Ucirc" => 219,
        "Uuml" => 220,
        "Yacute" => 221,
        "THORN" => 222,
        "szlig" => 223,
        "agrave" => 224,
        "aacute" => 225,
        "acirc" => 226,
        "atilde" => 227,
        "auml" => 228,
        "aring" => 229,
        "aelig" => 230,
        "ccedil" => 231,
        "egrave" => 232,
        "eacute" => 233,
        "ecirc" => 234,
        "euml" => 235,
        "igrave" => 236,
        "iacute" => 237,
        "icirc" => 238,
        "iuml" => 239,
        "eth" => 240,
        "ntilde" => 241,
        "ograve" => 242,
        "oacute" => 243,
        "ocirc" => 244,
        "otilde" => 245,
        "ouml" => 246,
        "divide" => 247,
        "oslash" => 248,
        "ugrave" => 249,
        "uacute" => 250,
        "ucirc" => 251,
        "uuml" => 252,
        "yacute" => 253,
        "thorn" => 254,
        "yuml" => 255,
        // Latin Extended, spacing modifiers
        "OElig" => 338,
        "oelig" => 339,
        "Scaron" => 352,
        "scaron" => 353,
        "Yuml" => 376,
        "fnof" => 402,
        "circ" => 710,
        "tilde" => 732,
        // Greek
        "Alpha" => 913,
        "Beta" => 914,
        "Gamma" => 915,
        "Delta" => 916,
        "Epsilon" => 917,
        "Zeta" => 918,
        "Eta" => 919,
        "Theta" => 920,
        "Iota" => 921,
        "Kappa" => 922,
        "Lambda" => 923,
        "Mu" => 924,
        "Nu" => 925,
        "Xi" => 926,
        "Omicron" => 927,
        "Pi" => 928,
        "Rho" => 929,
        "Sigma" => 931,
        "Tau" => 932,
        "Upsilon" => 933,
        "Phi" => 934,
        "Chi" => 935,
        "Psi" => 936,
        "Omega" => 937,
        "alpha" => 945,
        "beta" => 946,
        "gamma" => 947,
        "delta" => 948,
        "epsilon" => 949,
        "zeta" => 950,
        "eta" => 951,
        "theta" => 952,
        "iota" => 953,
        "kappa" => 954,
        "lambda" => 955,
        "mu" => 956,
        "nu" => 957,
        "xi" => 958,
        "omicron" => 959,
        "pi" => 960,
        "rho" => 961,
        "sigmaf" => 962,
        "sigma" => 963,
        "tau" => 964,
        "upsilon" => 965,
        "phi" => 966,
        "chi" => 967,
        "psi" => 968,
        "omega" => 969,
        "thetasym" => 977,
        "upsih" => 978,
        "piv" => 982,
        // General punctuation
        "ensp" => 0x2002,
        "emsp" => 0x2003,
        "thinsp" => 0x2009,
        "zwnj" => 0x200C,
        "zwj" => 0x200D,
        "lrm" => 0x200E,
        "rlm" => 0x200F,
        "hyphen" | "dash" => 0x2010,
        "ndash" => 0x2013,
        "mdash" => 0x2014,
        "lsquo" => 0x2018,
        "rsquo" => 0x2019,
        "sbquo" => 0x201A,
        "ldquo" => 0x201C,
        "rdquo" => 0x201D,
        "bdquo" => 0x201E,
        "dagger" => 0x2020,
        "Dagger" => 0x2021,
        "bull" | "bullet" => 0x2022,
        "hellip" | "mldr" => 0x2026,
        "permil" => 0x2030,
        "prime" => 0x2032,
        "Prime" => 0x2033,
        "lsaquo" => 0x2039,
        "rsaquo" => 0x203A,
        "oline" => 0x203E,
        "frasl" => 0x2044,
        "euro" => 0x20AC,
        // Letter-like symbols, arrows
        "image" => 0x2111,
        "weierp" => 0x2118,
        "real" => 0x211C,
        "trade" | "TRADE" => 0x2122,
        "alefsym" => 0x2135,
        "larr" => 0x2190,
        "uarr" => 0x2191,
        "rarr" => 0x2192,
        "darr" => 0x2193,
        "harr" => 0x2194,
        "crarr" => 0x21B5,
        "lArr" => 0x21D0,
        "uArr" => 0x21D1,
        "rArr" => 0x21D2,
        "dArr" => 0x21D3,
        "hArr" => 0x21D4,
        // Mathematical operators
        "forall" => 0x2200,
        "part" => 0x2202,
        "exist" => 0x2203,
        "empty" => 0x2205,
        "nabla" => 0x2207,
        "isin" => 0x2208,
        "notin" => 0x2209,
        "ni" => 0x220B,
        "prod" => 0x220F,
        "sum" => 0x2211,
        "minus" => 0x2212,
        "lowast" => 0x2217,
        "radic" => 0x221A,
        "prop" => 0x221D,
        "infin" => 0x221E,
        "ang" => 0x2220,
        "and" => 0x2227,
        "or" => 0x2228,
        "cap" => 0x2229,
        "cup" => 0x222A,
        "int" => 0x222B,
        "there4" => 0x2234,
        "sim" => 0x223C,
        "cong" => 0x2245,
        "asymp" => 0x2248,
        "ne" => 0x2260,
        "equiv" => 0x2261,
        "le" => 0x2264,
        "ge" => 0x2265,
        "sub" => 0x2282,
        "sup" => 0x2283,
        "nsub" => 0x2284,
        "sube" => 0x2286,
        "supe" => 0x2287,
        "oplus" => 0x2295,
        "otimes" => 0x2297,
        "perp" => 0x22A5,
        "sdot" => 0x22C5,
        "lceil" => 0x2308,
        "rceil" => 0x2309,
        "lfloor" => 0x230A,
        "rfloor" => 0x230B,
        "lang" => 0x27E8,
        "rang" => 0x27E9,
        // Shapes
        "loz" => 0x25CA,
        "spades" => 0x2660,
        "clubs" => 0x2663,
        "hearts" => 0x2665,
        "diams" => 0x2666,
        "check" | "checkmark" => 0x2713,
        "star" => 0x2606,
        "starf" => 0x2605,
        _ => return None,
    };
    char::from_u32(cp)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::time::{Duration, Instant};

    fn t(html: &str) -> String {
        html_to_text(html)
    }

    /// Generous bound: quadratic behaviour on megabytes would take hours.
    const SLOW: Duration = Duration::from_secs(30);

    #[test]
    fn paragraphs_and_headings() {
        assert_eq!(t("<p>One</p><p>Two</p>"), "One\n\nTwo");
        assert_eq!(t("<h1>Title</h1>Body text"), "Title\n\nBody text");
        assert_eq!(t("<div>a</div><div>b</div>"), "a\nb");
        assert_eq!(t("<P>x</P>\n\n<p>\n</p><p>y</p>"), "x\n\ny");
    }

    #[test]
    fn br_and_hr() {
        assert_eq!(t("a<br>b<BR/>c<br />d"), "a\nb\nc\nd");
        assert_eq!(t("a<br><br><br><br><br>b"), "a\n\nb");
        assert_eq!(t("a<hr>b"), "a\n---\nb");
        assert_eq!(t("<br><br>a<br><br>"), "a");
    }

    #[test]
    fn unordered_list() {
        assert_eq!(t("<ul><li>a</li><li>b</li></ul>after"), "• a\n• b\nafter");
    }

    #[test]
    fn ordered_list_counts_and_start() {
        assert_eq!(t("<ol><li>a<li>b<li>c</ol>"), "1. a\n2. b\n3. c");
        assert_eq!(t("<ol start=\"7\"><li>a<li>b</ol>"), "7. a\n8. b");
    }

    #[test]
    fn nested_lists_indent() {
        let html = "<ul><li>a<ul><li>b<ol><li>c</li></ol></li></ul></li><li>d</li></ul>";
        assert_eq!(t(html), "• a\n  • b\n    1. c\n• d");
    }

    #[test]
    fn list_indent_is_capped() {
        let html = format!("{}<li>x", "<ul>".repeat(50));
        let out = t(&html);
        assert_eq!(out, format!("{}• x", "  ".repeat(MAX_LIST_INDENT - 1)));
    }

    #[test]
    fn table_cells_and_rows() {
        let html = "<table><tr><td>a</td><td>b</td></tr><tr><th>c</th><td> d </td></tr></table>z";
        assert_eq!(t(html), "a | b\nc | d\nz");
    }

    #[test]
    fn table_empty_cells_add_no_separator() {
        assert_eq!(
            t("<table><tr><td></td><td>x</td><td> </td><td>y</td></tr></table>"),
            "x | y"
        );
    }

    #[test]
    fn link_http_kept() {
        assert_eq!(
            t("See <a href=\"https://example.com/x?a=1&amp;b=2\">the site</a>."),
            "See the site <https://example.com/x?a=1&b=2>."
        );
    }

    #[test]
    fn link_same_as_text_not_repeated() {
        assert_eq!(
            t("<a href='https://example.com/'>https://example.com</a>"),
            "https://example.com"
        );
        assert_eq!(
            t("<a href=mailto:bob@example.org>bob@example.org</a>"),
            "bob@example.org"
        );
        assert_eq!(
            t("<a href=mailto:bob@example.org>Bob</a>"),
            "Bob <mailto:bob@example.org>"
        );
    }

    #[test]
    fn link_unsafe_schemes_dropped() {
        assert_eq!(t("<a href=\"javascript:alert(1)\">click</a>"), "click");
        assert_eq!(t("<a href=\" JaVaScRiPt:x\">click</a>"), "click");
        assert_eq!(
            t("<a href=\"data:text/html,hi\">d</a> <a href=cid:x>c</a>"),
            "d c"
        );
        assert_eq!(t("<a href=\"/relative\">r</a>"), "r");
    }

    #[test]
    fn link_url_whitespace_cleaned() {
        assert_eq!(
            t("<a href=\" http://a.b/c\nd \">x</a>"),
            "x <http://a.b/cd>"
        );
    }

    #[test]
    fn images() {
        assert_eq!(
            t("<img src=\"x.png\" alt=\"Logo &amp; co\">"),
            "[image: Logo & co]"
        );
        assert_eq!(t("a<img src=\"x.png\">b"), "a [image] b");
        let data = t("<img src=\"data:image/png;base64,AAAA\" alt=\"\">");
        assert_eq!(data, "[image]");
        assert!(!data.contains("data:"));
        assert_eq!(
            t("<a href=\"http://x.org\"><img alt=logo></a>"),
            "[image: logo] <http://x.org>"
        );
    }

    #[test]
    fn script_style_head_skipped() {
        let html = "<html><head><title>T</title><style>p{color:red}</style></head>\
                    <body><script>var a = '<p>no</p>';</script><p>yes</p></body></html>";
        assert_eq!(t(html), "yes");
        assert_eq!(t("a<SCRIPT type=x>alert(1)</ScRiPt >b"), "ab");
        assert_eq!(t("a<style>x</style\n>b"), "ab");
        assert_eq!(t("a<script>never closed <p>hidden"), "a");
        assert_eq!(t("a<script>x</scripty>still script</script>b"), "ab");
    }

    #[test]
    fn unclosed_head_ends_at_body() {
        assert_eq!(t("<head><meta charset=utf-8><body>visible"), "visible");
        assert_eq!(
            t("<HEAD><title>x</title><BODY class=a>shown</BODY>"),
            "shown"
        );
    }

    #[test]
    fn other_skipped_elements() {
        assert_eq!(t("a<noscript>n</noscript><iframe src=x>i</iframe>b"), "ab");
        assert_eq!(t("a<svg><text>s</text></svg>b<svg/>c"), "abc");
        assert_eq!(t("a<template><p>t</p></template>b"), "ab");
    }

    #[test]
    fn select_options_skipped() {
        assert_eq!(
            t("Pick <select><option>One<option>Two</select> now"),
            "Pick now"
        );
    }

    #[test]
    fn ignored_head_like_tags() {
        let html = "<meta http-equiv=\"refresh\" content=\"0;url=http://evil\">\
                    <link rel=stylesheet href=http://x><base href=http://y>\
                    <p style=\"display:none\" onclick=\"x()\">text</p>";
        assert_eq!(t(html), "text");
    }

    #[test]
    fn comments_doctype_cdata_pi() {
        assert_eq!(
            t("<!DOCTYPE html><?xml version=\"1.0\"?>a<!-- c -->b"),
            "ab"
        );
        assert_eq!(t("a<!--[if mso]><p>x</p><![endif]-->b"), "ab");
        assert_eq!(t("a<!---->b<!-->c"), "abc");
        assert_eq!(t("a<!-- never closed <p>hidden</p>"), "a");
        assert_eq!(t("a<![CDATA[<b>&amp;</b>]]>c"), "a<b>&amp;</b>c");
    }

    #[test]
    fn lone_lt_is_text() {
        assert_eq!(t("1 < 2 and 3<4 <"), "1 < 2 and 3<4 <");
        assert_eq!(t("a <= b"), "a <= b");
    }

    #[test]
    fn unterminated_tag_dropped() {
        assert_eq!(t("text<a href=\"x"), "text");
        assert_eq!(t("text<p"), "text");
    }

    #[test]
    fn attribute_quotes_may_hold_gt() {
        assert_eq!(t("<img alt=\"a>b\" title='x>y'>z"), "[image: a>b] z");
    }

    #[test]
    fn entities_named() {
        assert_eq!(
            decode_entities(
                "&amp;&lt;&gt;&quot;&apos;&eacute;&Agrave;&szlig;&euro;&hellip;&mdash;"
            ),
            "&<>\"'éÀß€…—"
        );
        assert_eq!(
            decode_entities("&copy; &trade; &frac12; &alpha;&Omega; &rarr;"),
            "© ™ ½ αΩ →"
        );
        assert_eq!(decode_entities("&nbsp;"), "\u{a0}");
    }

    #[test]
    fn entities_numeric() {
        assert_eq!(decode_entities("&#233;&#xE9;&#XE9;&#x1F600;"), "ééé😀");
        assert_eq!(decode_entities("&#233 and &#x41"), "é and A");
        assert_eq!(decode_entities("&#150;&#128;"), "–€");
    }

    #[test]
    fn entities_invalid() {
        assert_eq!(
            decode_entities("&#0;&#xD800;&#x110000;&#99999999999999999999;"),
            "\u{FFFD}".repeat(4)
        );
        assert_eq!(decode_entities("&#;&#x;&#xZ"), "&#;&#x;&#xZ");
    }

    #[test]
    fn entities_unknown_and_semicolon_rules() {
        assert_eq!(decode_entities("&foo; &bogus &"), "&foo; &bogus &");
        assert_eq!(
            decode_entities("&amp &lt3 &eacute &ampx"),
            "& &lt3 &eacute &ampx"
        );
        assert_eq!(decode("a=1&amp=2", true), "a=1&amp=2");
        assert_eq!(decode("a=1&amp;b=2", true), "a=1&b=2");
    }

    #[test]
    fn entities_in_text_and_nbsp_as_space() {
        assert_eq!(
            t("caf&eacute;&nbsp;&nbsp;&nbsp;bar &lt;p&gt;"),
            "café bar <p>"
        );
        assert_eq!(t("<pre>a&nbsp;&nbsp;b</pre>"), "a  b");
    }

    #[test]
    fn zero_width_chars_kept() {
        assert_eq!(t("a\u{200B}b&zwnj;c"), "a\u{200B}b\u{200C}c");
    }

    #[test]
    fn blockquote_prefixed() {
        let html = "On Monday Bob wrote:<blockquote>Hello<br>there<p>para</p></blockquote>Reply";
        assert_eq!(
            t(html),
            "On Monday Bob wrote:\n> Hello\n> there\n>\n> para\n\nReply"
        );
    }

    #[test]
    fn blockquote_nested() {
        let html = "<blockquote>outer<blockquote>inner</blockquote>back</blockquote>";
        assert_eq!(t(html), "> outer\n> > inner\n> back");
    }

    #[test]
    fn pre_preserves_whitespace() {
        let html = "<p>x</p><pre>\n  fn main() {\n\tlet a  =  1;   \n\n\n  }\n</pre>y";
        assert_eq!(t(html), "x\n\n  fn main() {\n\tlet a  =  1;\n\n\n  }\ny");
        assert_eq!(t("<textarea>\n a  <b>b</b></textarea>"), " a  <b>b</b>");
    }

    #[test]
    fn whitespace_collapses() {
        assert_eq!(t("  a \n\t b   <span> c </span>d\r\n"), "a b c d");
        assert_eq!(t("a<b>b</b><i>c</i>"), "abc");
        assert_eq!(t("\n\n<div>\n\n</div>\n"), "");
    }

    #[test]
    fn no_more_than_one_blank_line() {
        let out = t("<p>a</p><p></p><p></p><div><p><br></p></div><h2>b</h2>");
        assert_eq!(out, "a\n\nb");
    }

    #[test]
    fn output_cap_on_char_boundary() {
        // "é" is two bytes: a 5-byte cap must cut before the third one.
        let out = html_to_text_limited("ééééé", 5);
        assert_eq!(out, "éé");
        assert_eq!(html_to_text_limited("<p>€€</p>", 4), "€");
        assert_eq!(html_to_text_limited("abc", 0), "");
        assert_eq!(html_to_text_limited("abc", 3), "abc");
    }

    #[test]
    fn default_cap_applies() {
        let big = "x ".repeat(3 * 1024 * 1024);
        let out = html_to_text(&big);
        assert!(out.len() <= DEFAULT_MAX_OUTPUT);
        assert!(out.len() > DEFAULT_MAX_OUTPUT - 4);
    }

    #[test]
    fn deep_div_nesting() {
        let n = 100_000;
        let html = format!("{}deep{}", "<div>".repeat(n), "</div>".repeat(n));
        let start = Instant::now();
        assert_eq!(t(&html), "deep");
        assert!(start.elapsed() < SLOW);
    }

    #[test]
    fn deep_blockquote_nesting() {
        let n = 100_000;
        let html = format!(
            "{}deep{}after",
            "<blockquote>".repeat(n),
            "</blockquote>".repeat(n)
        );
        let start = Instant::now();
        let out = t(&html);
        assert!(start.elapsed() < SLOW);
        assert_eq!(out, format!("{}deep\nafter", "> ".repeat(MAX_QUOTE_PREFIX)));
    }

    #[test]
    fn deep_list_nesting() {
        let n = 100_000;
        let html = format!("{}x{}y", "<ol><li>".repeat(n), "</li></ol>".repeat(n));
        let start = Instant::now();
        let out = t(&html);
        assert!(start.elapsed() < SLOW);
        assert!(
            out.ends_with("x\ny"),
            "{:?}",
            &out[out.len().saturating_sub(40)..]
        );
    }

    #[test]
    fn linear_time_on_pathological_input() {
        let five_mb = 5 * 1024 * 1024;
        for (unit, expect_text) in [
            ("<", true),
            ("<a", false),
            ("<a href=\"", false),
            ("&#", true),
            ("<!--", false),
            ("<script>", false),
            ("</", false),
            ("<td>x", true),
            ("<ol><li>", false),
            ("<a href=http://x>", true),
            ("<head><body>", false),
        ] {
            let html = unit.repeat(five_mb / unit.len());
            let start = Instant::now();
            let out = html_to_text(&html);
            assert!(
                start.elapsed() < SLOW,
                "{unit:?} took {:?}",
                start.elapsed()
            );
            assert!(out.len() <= DEFAULT_MAX_OUTPUT);
            assert_eq!(!out.is_empty(), expect_text, "{unit:?}");
        }
    }

    fn fragment() -> impl Strategy<Value = String> {
        prop_oneof![
            prop::sample::select(vec![
                "<",
                "</",
                "<!--",
                "-->",
                "&#",
                "&",
                "&#x",
                ";",
                "script",
                "style",
                "head",
                "body",
                ">",
                "\"",
                "'",
                "=",
                " ",
                "\n",
                "\t",
                "/",
                "<!",
                "<?",
                "]]>",
                "<![CDATA[",
                "a",
                "p",
                "li",
                "ol",
                "ul",
                "pre",
                "td",
                "tr",
                "blockquote",
                "br",
                "img",
                "alt",
                "href",
                "http://",
                "mailto:",
                "amp",
                "nbsp",
                "é",
                "€",
                "😀",
                "\u{200B}",
                "9",
                "x",
                "FFFF",
                "select",
                "svg",
                "textarea",
            ])
            .prop_map(str::to_string),
            ".{0,8}",
        ]
    }

    proptest! {
        #[test]
        fn never_panics_and_respects_cap(
            parts in prop::collection::vec(fragment(), 0..80),
            cap in 0usize..300,
        ) {
            let html = parts.concat();
            let out = html_to_text_limited(&html, cap);
            prop_assert!(out.len() <= cap);
            let full = html_to_text(&html);
            prop_assert!(full.len() <= DEFAULT_MAX_OUTPUT);
            prop_assert!(!full.ends_with(char::is_whitespace));
            prop_assert!(!full.starts_with('\n'));
            prop_assert!(!full.contains("\n\n\n") || html.contains("pre") || html.contains("textarea"));
            let _ = decode_entities(&html);
        }

        #[test]
        fn arbitrary_strings(html in ".*", cap in 0usize..64) {
            let out = html_to_text_limited(&html, cap);
            prop_assert!(out.len() <= cap);
            let _ = html_to_text(&html);
            let _ = decode_entities(&html);
        }
    }
}
