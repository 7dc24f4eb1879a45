//! Tokenizer pieces: byte classes, tag and attribute scanning (quotes
//! respected), and skipping raw-text content (`script`, `style`, …) and
//! `head`. Everything here only reads the input and returns indices or
//! slices of it.

use memchr::{memchr, memmem};

/// How a tag ended, as scanned by [`scan_tag`].
pub(super) struct Tag<'a> {
    pub(super) name: &'a str,
    pub(super) attrs: &'a str,
    pub(super) self_closing: bool,
    /// Index just past the closing `>`.
    pub(super) next: usize,
}

pub(super) fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0C)
}

/// Whitespace for collapsing purposes: HTML whitespace plus no-break space.
pub(super) fn is_space_char(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0C' | '\u{A0}')
}

/// Index just past the next `byte` at or after `from`, or the input length.
pub(super) fn skip_past(b: &[u8], from: usize, byte: u8) -> usize {
    let from = from.min(b.len());
    memchr(byte, &b[from..]).map_or(b.len(), |o| from + o + 1)
}

/// ASCII-lowercase a tag name into `buf`; `None` for names we never handle.
pub(super) fn lower_name<'b>(name: &str, buf: &'b mut [u8; 16]) -> Option<&'b str> {
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
pub(super) fn scan_tag(s: &str, name_start: usize) -> Option<Tag<'_>> {
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
    pub(super) name: (usize, usize),
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
pub(super) fn attr<'a>(attrs: &'a str, want: &str) -> Option<&'a str> {
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
pub(super) fn skip_raw(s: &str, from: usize, name: &str) -> (usize, usize) {
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
pub(super) fn skip_head(s: &str, from: usize) -> usize {
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
