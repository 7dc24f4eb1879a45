//! The line writer: owed newlines and spaces, line prefixes (quote `> `,
//! list indentation and markers), table cell separators, whitespace
//! collapsing (or keeping, inside `pre`) and the output cap, cut at a char
//! boundary.

use super::MAX_QUOTE_PREFIX;
use super::scan::is_space_char;

pub(super) struct Writer {
    pub(super) out: String,
    max: usize,
    /// The cap was reached; nothing more is written.
    pub(super) full: bool,
    /// Some content has been written.
    started: bool,
    /// Newlines owed before the next content (2 = one blank line).
    pending_nl: usize,
    pub(super) pending_space: bool,
    /// A table cell separator is owed before the next content on this line.
    pub(super) pending_sep: bool,
    pub(super) row_has_content: bool,
    /// Whitespace seen inside `pre`, written only if content follows.
    pub(super) pre_ws: String,
    pub(super) pre: usize,
    last_cr: bool,
    pub(super) skip_pre_newline: bool,
    pub(super) quote: usize,
    /// Quote depth of the last content line (for blank-line prefixes).
    last_line_quote: usize,
    pub(super) list_level: usize,
    /// List item marker owed at the start of the next line.
    pub(super) marker: Option<String>,
}

impl Writer {
    pub(super) fn new(max: usize) -> Self {
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
    pub(super) fn brk(&mut self, n: usize) {
        self.pending_nl = self.pending_nl.max(n);
    }

    /// `<br>`: one more newline; outside `pre` at most one blank line.
    pub(super) fn line_break(&mut self) {
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
    pub(super) fn word(&mut self, s: &str) {
        if s.is_empty() || self.full {
            return;
        }
        self.begin();
        self.push(s);
    }

    /// Write decoded text, collapsing or preserving whitespace by mode.
    pub(super) fn text(&mut self, t: &str) {
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
