//! The renderer: walks the input once, recognises markup (tags, comments,
//! doctype, CDATA, processing instructions) with the scanners of
//! [`super::scan`], and turns elements into calls on the line
//! [`Writer`](super::writer::Writer): blocks, lists, tables, quotes, `pre`,
//! links and images. Also owns the link and `alt` clean-up.

use memchr::{memchr, memmem};

use super::entities::decode;
use super::scan::{Tag, attr, is_space_char, lower_name, scan_tag, skip_head, skip_past, skip_raw};
use super::writer::Writer;
use super::{MAX_ALT, MAX_LIST_INDENT, MAX_LIST_STACK};

enum List {
    Unordered,
    Ordered(i64),
}

struct Link {
    /// Output length when the link opened; its text is what follows.
    start: usize,
    url: String,
}

pub(super) struct Renderer {
    w: Writer,
    lists: Vec<List>,
    /// Lists nested deeper than [`MAX_LIST_STACK`].
    list_overflow: usize,
    link: Option<Link>,
}

impl Renderer {
    pub(super) fn new(max_output: usize) -> Self {
        Renderer {
            w: Writer::new(max_output),
            lists: Vec::new(),
            list_overflow: 0,
            link: None,
        }
    }

    pub(super) fn run(&mut self, s: &str) {
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

    pub(super) fn finish(mut self) -> String {
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
