//! Text made safe to show: control, zero-width and bidi-override characters
//! from mail become visible `<U+XXXX>` marks instead of being interpreted
//! (a `U+202E` in a subject or a name must not reorder what the reader sees).

/// Whether `c` is shown as a `<U+XXXX>` mark.
pub fn is_invisible(c: char) -> bool {
    c.is_control()
        || matches!(c as u32, 0x200B..=0x200F | 0x202A..=0x202E | 0x2066..=0x2069 | 0x061C | 0xFEFF)
}

/// `s` with every invisible character written as `<U+XXXX>`.
pub fn visible(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if is_invisible(c) {
            out.push_str(&format!("<U+{:04X}>", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// Like [`visible`] but keeps line breaks and tabs (for bodies).
pub fn visible_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c == '\n' || c == '\t' {
            out.push(c);
        } else if c == '\r' {
            continue;
        } else if is_invisible(c) {
            out.push_str(&format!("<U+{:04X}>", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// Raw bytes for a "view source" pane: printable ASCII, line breaks and
/// tabs as they are, valid UTF-8 text kept, everything else escaped
/// (`\xNN` for bytes, `<U+XXXX>` for invisible characters).
pub fn escape_bytes(raw: &[u8]) -> String {
    let mut out = String::with_capacity(raw.len());
    for chunk in raw.utf8_chunks() {
        out.push_str(&visible_text(chunk.valid()));
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02X}"));
        }
    }
    out
}

/// Whether `body` reads best in a monospace font: a patch or diffstat, a
/// table or report whose columns are lined up with runs of spaces or tabs,
/// ASCII art or box drawing. Looks at the first 400 lines only (bounded);
/// quoted lines (`>`) are skipped. A guess: the reader can override it.
pub fn looks_preformatted(body: &str) -> bool {
    let mut lines = 0usize;
    let mut diff = 0usize;
    let mut diffstat = 0usize;
    let mut aligned = 0usize;
    let mut art = 0usize;
    for line in body.lines().take(400) {
        let t = line.trim_end();
        if t.is_empty() || t.trim_start().starts_with('>') {
            continue;
        }
        lines += 1;
        if t.starts_with("diff --git ")
            || t.starts_with("@@ ")
            || t.starts_with("+++ ")
            || t.starts_with("--- a/")
            || t.starts_with("index ")
        {
            diff += 1;
        }
        // " src/main.rs |  12 ++++--"
        if let Some((_, right)) = t.split_once(" | ")
            && right.trim_start().starts_with(|c: char| c.is_ascii_digit())
        {
            diffstat += 1;
        }
        // Columns lined up: a run of 3+ spaces or a tab inside the line
        // (after its first word).
        let inner = t.trim_start();
        if inner.contains('\t') || inner.contains("   ") {
            aligned += 1;
        }
        // Box drawing and ASCII art: several of | + - = _ * # in a row.
        let drawn = t
            .chars()
            .filter(|c| matches!(c, '|' | '+' | '-' | '=' | '_' | '*' | '#' | '/' | '\\'))
            .count()
            + t.chars()
                .filter(|c| ('\u{2500}'..='\u{257F}').contains(c))
                .count();
        if drawn >= 6 && drawn * 3 >= t.chars().count() {
            art += 1;
        }
    }
    if lines == 0 {
        return false;
    }
    diff >= 2 || diffstat >= 2 || (lines >= 3 && (aligned * 3 >= lines || art * 4 >= lines))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bidi_and_controls_are_marked() {
        assert_eq!(visible("a\u{202E}b\u{7}"), "a<U+202E>b<U+0007>");
        assert_eq!(visible_text("x\r\ny\tz"), "x\ny\tz");
        assert_eq!(escape_bytes(b"ok\xff\n"), "ok\\xFF\n");
    }

    #[test]
    fn patches_tables_and_art_are_preformatted_prose_is_not() {
        let patch = "Fix the parser.\n\ndiff --git a/src/x.rs b/src/x.rs\nindex 1..2\n--- a/src/x.rs\n+++ b/src/x.rs\n@@ -1,3 +1,3 @@\n-old\n+new\n";
        assert!(looks_preformatted(patch));
        let stat = " src/a.rs |  12 ++++--\n src/b.rs |   3 +\n 2 files changed\n";
        assert!(looks_preformatted(stat));
        let table = "Name       Votes    Share\nSmith      1,204    41%\nJones        980    33%\nOther        770    26%\n";
        assert!(looks_preformatted(table));
        let art = "+--------+--------+\n| donor  | amount |\n+--------+--------+\n| ACME   |  5,000 |\n+--------+--------+\n";
        assert!(looks_preformatted(art));
        let prose = "Hi Helen,\n\nWe need a surrogate for the Phoenix rally.\nThe vendor wants an answer by 8:30.\n\n> quoted   with   spaces\n> and   more\n> and   more\nGraham\n";
        assert!(!looks_preformatted(prose));
        assert!(!looks_preformatted(""));
        // An e-mail signature rule alone does not make a message a table.
        assert!(!looks_preformatted(
            "Thanks,\nAnn\n-- \nAnn Smith\nCampaign office\n"
        ));
    }
}
