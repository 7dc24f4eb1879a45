//! The bounded text buffer every extractor writes into: it collapses
//! whitespace (runs of spaces become one, spaces and tabs before a line end
//! are dropped, at most one blank line is kept, control characters go),
//! stops at `max_text_chars` (setting `truncated`), and owns the deadline
//! that extractors check cooperatively.

use std::time::Instant;

use super::{ExtractError, ExtractLimits, Extracted};

pub(crate) struct Sink {
    text: String,
    chars: usize,
    max_chars: usize,
    truncated: bool,
    /// A space is owed before the next visible character.
    space: bool,
    /// Tabs owed before the next visible character (dropped at a line end).
    tabs: usize,
    /// Line ends owed before the next visible character (at most 2).
    newlines: usize,
    deadline: Instant,
    limits: ExtractLimits,
    ticks: u32,
}

impl Sink {
    pub(crate) fn new(limits: &ExtractLimits) -> Sink {
        Sink {
            text: String::new(),
            chars: 0,
            max_chars: limits.max_text_chars,
            truncated: false,
            space: false,
            tabs: 0,
            newlines: 0,
            deadline: Instant::now() + limits.time,
            limits: limits.clone(),
            ticks: 0,
        }
    }

    pub(crate) fn limits(&self) -> &ExtractLimits {
        &self.limits
    }

    /// The output is at its size limit: extractors may stop reading.
    pub(crate) fn full(&self) -> bool {
        self.truncated
    }

    /// Characters written so far.
    #[cfg(test)]
    pub(crate) fn len_chars(&self) -> usize {
        self.chars
    }

    /// Fails once the time budget is spent.
    pub(crate) fn check(&self) -> Result<(), ExtractError> {
        if Instant::now() >= self.deadline {
            Err(ExtractError::timed_out(&self.limits))
        } else {
            Ok(())
        }
    }

    /// Like [`Sink::check`], reading the clock only on the first and then
    /// every 256th call (for tight loops).
    pub(crate) fn tick(&mut self) -> Result<(), ExtractError> {
        self.ticks = self.ticks.wrapping_add(1);
        if self.ticks % 256 == 1 {
            self.check()
        } else {
            Ok(())
        }
    }

    fn put(&mut self, c: char) {
        if self.truncated {
            return;
        }
        if self.chars >= self.max_chars {
            self.truncated = true;
            return;
        }
        self.text.push(c);
        self.chars += 1;
    }

    /// Writes what is owed, then `c` (a visible character).
    fn visible(&mut self, c: char) {
        if !self.text.is_empty() {
            if self.newlines > 0 {
                for _ in 0..self.newlines {
                    self.put('\n');
                }
            } else if self.space && self.tabs == 0 {
                self.put(' ');
            }
        }
        for _ in 0..self.tabs {
            self.put('\t');
        }
        self.newlines = 0;
        self.space = false;
        self.tabs = 0;
        self.put(c);
    }

    /// Appends text; `\n` and `\t` in it count as line end and tab.
    pub(crate) fn text(&mut self, s: &str) {
        for c in s.chars() {
            if self.truncated {
                return;
            }
            match c {
                '\n' | '\u{2028}' | '\u{2029}' | '\u{0b}' | '\u{0c}' => self.newline(),
                '\t' => self.tab(),
                '\r' => {}
                c if c.is_whitespace() => self.space = true,
                // Control characters and the BOM/zero-width no-break space.
                c if c.is_control() || c == '\u{feff}' => {}
                c => self.visible(c),
            }
        }
    }

    pub(crate) fn char(&mut self, c: char) {
        let mut b = [0u8; 4];
        self.text(c.encode_utf8(&mut b));
    }

    /// Owes a space (collapsed with other spaces).
    pub(crate) fn space(&mut self) {
        self.space = true;
    }

    /// Ends the line: trailing spaces and tabs are dropped.
    pub(crate) fn newline(&mut self) {
        self.space = false;
        self.tabs = 0;
        self.newlines = (self.newlines + 1).min(2);
    }

    /// Ends the line unless it is already ended (no blank line: rows).
    pub(crate) fn line_end(&mut self) {
        self.space = false;
        self.tabs = 0;
        self.newlines = self.newlines.max(1);
    }

    /// Ends the line and leaves one blank line.
    pub(crate) fn blank_line(&mut self) {
        self.space = false;
        self.tabs = 0;
        self.newlines = 2;
    }

    /// A cell separator: written only if something follows on the line.
    pub(crate) fn tab(&mut self) {
        self.space = false;
        self.tabs += 1;
    }

    /// A `=== title ===` line after a blank line (sheets, slides).
    pub(crate) fn heading(&mut self, title: &str) {
        self.blank_line();
        self.text("=== ");
        self.text(title);
        self.text(" ===");
        self.newline();
    }

    /// True when nothing visible was written.
    pub(crate) fn is_blank(&self) -> bool {
        self.text.trim().is_empty()
    }

    /// A position to come back to with [`Sink::rewind`].
    pub(crate) fn mark(&self) -> (usize, usize) {
        (self.text.len(), self.chars)
    }

    /// Forgets what was written since `mark` (used to drop the heading of
    /// an empty sheet or section). Does nothing once the output is full.
    pub(crate) fn rewind(&mut self, mark: (usize, usize)) {
        if !self.truncated {
            self.text.truncate(mark.0);
            self.chars = mark.1;
            self.space = false;
            self.tabs = 0;
            self.newlines = if self.text.is_empty() { 0 } else { 2 };
        }
    }

    pub(crate) fn finish(mut self) -> Extracted {
        let end = self.text.trim_end().len();
        self.text.truncate(end);
        Extracted {
            text: self.text,
            truncated: self.truncated,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sink(max: usize) -> Sink {
        Sink::new(&ExtractLimits {
            max_text_chars: max,
            ..ExtractLimits::default()
        })
    }

    #[test]
    fn collapses_whitespace() {
        let mut s = sink(1000);
        s.text("  a  b\u{a0}\u{a0}c \n\n\n\n d\t\te  \r\n");
        s.newline();
        s.text("f\u{7}g");
        assert_eq!(s.finish().text, "a b c\n\nd\t\te\n\nfg");
    }

    #[test]
    fn tabs_keep_leading_empty_cells_and_drop_trailing_ones() {
        let mut s = sink(1000);
        s.tab();
        s.text("x");
        s.tab();
        s.tab();
        s.newline();
        s.text("y");
        assert_eq!(s.finish().text, "\tx\ny");
    }

    #[test]
    fn headings_and_rewind() {
        let mut s = sink(1000);
        s.heading("One");
        s.text("a");
        let m = s.mark();
        s.heading("Empty");
        s.rewind(m);
        s.heading("Two");
        s.text("b");
        assert_eq!(s.finish().text, "=== One ===\na\n\n=== Two ===\nb");
    }

    #[test]
    fn truncates_at_the_char_limit() {
        let mut s = sink(5);
        s.text("héllo wörld");
        assert!(s.full());
        assert_eq!(s.len_chars(), 5);
        let e = s.finish();
        assert_eq!(e.text, "héllo");
        assert!(e.truncated);
    }
}
