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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bidi_and_controls_are_marked() {
        assert_eq!(visible("a\u{202E}b\u{7}"), "a<U+202E>b<U+0007>");
        assert_eq!(visible_text("x\r\ny\tz"), "x\ny\tz");
        assert_eq!(escape_bytes(b"ok\xff\n"), "ok\\xFF\n");
    }
}
