//! RTF to text: a control-word stripper, not a layout engine.
//!
//! Handles groups, `\uN` Unicode escapes (with the `\ucN` count of fallback
//! characters to skip, and surrogate pairs), `\'hh` bytes and raw 8-bit bytes
//! in the code page of the current font (`\fcharset` in the font table) or
//! of the document (`\ansicpg`, `\mac`), `\binN` data, and skips
//! destinations that hold no body text (`\fonttbl`, `\colortbl`,
//! `\stylesheet`, `\info`, `\pict`, `{\* ...}`, field instructions, shape
//! properties, ...). Paragraph, line, row and page breaks become line ends;
//! tabs and table cells become tabs.

use std::collections::HashMap;

use encoding_rs::Encoding;

use super::ExtractError;
use super::sink::Sink;

/// Destinations whose content is not body text.
const SKIPPED: &[&str] = &[
    "fonttbl",
    "colortbl",
    "stylesheet",
    "info",
    "pict",
    "objdata",
    "fldinst",
    "themedata",
    "colorschememapping",
    "latentstyles",
    "datastore",
    "xmlnstbl",
    "listtable",
    "listoverridetable",
    "rsidtbl",
    "generator",
    "filetbl",
    "revtbl",
    "pgdsctbl",
    "mmathPr",
    "datafield",
    "sp",
    "nonshppict",
    "template",
    "userprops",
    "bkmkstart",
    "bkmkend",
    "xmlopen",
    "xmlclose",
    "wgrffmtfilter",
    "pnseclvl",
    "protusertbl",
    "listtext",
    "pntext",
    "private",
    "docvar",
    "blipuid",
];

/// Groups nested deeper than this are ignored (bounded state).
const MAX_DEPTH: usize = 4096;

#[derive(Clone, Copy)]
struct State {
    /// Fallback characters to skip after `\uN`.
    uc: u32,
    /// Inside a destination that is not body text.
    skip: bool,
    /// Inside the font table (font numbers and charsets are read there).
    fonttbl: bool,
    /// The encoding of `\'hh` and 8-bit bytes here.
    enc: &'static Encoding,
}

/// The Windows code page of an RTF `\fcharset` number (`None`: the
/// document's code page).
fn charset_codepage(charset: i32) -> Option<u16> {
    Some(match charset {
        77 => 10000,
        128 => 932,
        129 => 949,
        134 => 936,
        136 => 950,
        161 => 1253,
        162 => 1254,
        163 => 1258,
        177 => 1255,
        178 => 1256,
        186 => 1257,
        204 => 1251,
        222 => 874,
        238 => 1250,
        _ => return None,
    })
}

/// The encoding of a Windows code page; windows-1252 when unknown.
pub(crate) fn codepage_encoding(cp: i64) -> &'static Encoding {
    let label = match cp {
        874 => "windows-874",
        932 => "shift_jis",
        936 => "gbk",
        949 => "euc-kr",
        950 => "big5",
        866 => "ibm866",
        1250 => "windows-1250",
        1251 => "windows-1251",
        1253 => "windows-1253",
        1254 => "windows-1254",
        1255 => "windows-1255",
        1256 => "windows-1256",
        1257 => "windows-1257",
        1258 => "windows-1258",
        10000 => "macintosh",
        10007 => "x-mac-cyrillic",
        20866 => "koi8-r",
        28591 => "iso-8859-1",
        28592 => "iso-8859-2",
        28595 => "iso-8859-5",
        65001 => "utf-8",
        _ => "windows-1252",
    };
    Encoding::for_label(label.as_bytes()).unwrap_or(encoding_rs::WINDOWS_1252)
}

struct Parser<'a, 's> {
    bytes: &'a [u8],
    pos: usize,
    sink: &'s mut Sink,
    state: State,
    stack: Vec<State>,
    /// Depth past [`MAX_DEPTH`] (groups ignored).
    overflow: usize,
    /// The document's encoding (`\ansicpg`).
    doc_enc: &'static Encoding,
    /// Font number to encoding, from the font table.
    fonts: HashMap<i64, &'static Encoding>,
    /// The font being declared in the font table.
    font_decl: Option<i64>,
    /// Bytes awaiting decoding, in `pending_enc`.
    pending: Vec<u8>,
    pending_enc: &'static Encoding,
    /// Fallback characters still to skip.
    to_skip: u32,
    /// A high surrogate from `\uN`, awaiting its low half.
    high: Option<u16>,
    /// The group just opened; a `\*` or a skipped destination word right
    /// after `{` makes it skipped.
    group_start: bool,
}

impl Parser<'_, '_> {
    fn flush(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let (text, _) = self.pending_enc.decode_without_bom_handling(&self.pending);
        let text = text.into_owned();
        self.pending.clear();
        self.sink.text(&text);
    }

    fn byte(&mut self, b: u8) {
        if self.state.skip {
            return;
        }
        if self.to_skip > 0 {
            self.to_skip -= 1;
            return;
        }
        if self.pending_enc != self.state.enc {
            self.flush();
            self.pending_enc = self.state.enc;
        }
        self.pending.push(b);
    }

    fn text(&mut self, s: &str) {
        if self.state.skip {
            return;
        }
        self.flush();
        self.sink.text(s);
    }

    fn unicode(&mut self, n: i64) {
        let unit = (n.rem_euclid(65_536)) as u16;
        self.to_skip = self.state.uc;
        if self.state.skip {
            return;
        }
        self.flush();
        match unit {
            0xD800..=0xDBFF => self.high = Some(unit),
            0xDC00..=0xDFFF => {
                if let Some(high) = self.high.take() {
                    let c =
                        0x10000 + ((u32::from(high) - 0xD800) << 10) + (u32::from(unit) - 0xDC00);
                    if let Some(c) = char::from_u32(c) {
                        self.sink.char(c);
                    }
                }
            }
            _ => {
                self.high = None;
                if let Some(c) = char::from_u32(u32::from(unit)) {
                    self.sink.char(c);
                }
            }
        }
    }

    fn open(&mut self) {
        self.flush();
        if self.stack.len() >= MAX_DEPTH {
            self.overflow += 1;
            return;
        }
        self.stack.push(self.state);
        self.to_skip = 0;
        self.group_start = true;
    }

    fn close(&mut self) {
        self.flush();
        self.to_skip = 0;
        if self.overflow > 0 {
            self.overflow -= 1;
            return;
        }
        if let Some(outer) = self.stack.pop() {
            self.state = outer;
        }
    }

    /// A control word with its optional numeric parameter.
    fn word(&mut self, word: &str, param: Option<i64>) {
        let group_start = std::mem::take(&mut self.group_start);
        if group_start && SKIPPED.contains(&word) {
            self.flush();
            if word == "fonttbl" {
                self.state.fonttbl = true;
            }
            self.state.skip = true;
            return;
        }
        if word == "u" {
            if let Some(n) = param {
                self.unicode(n);
            }
            return;
        }
        // A control word counts as one fallback character.
        if self.to_skip > 0 {
            self.to_skip -= 1;
            return;
        }
        match word {
            "uc" => self.state.uc = param.unwrap_or(1).clamp(0, 16) as u32,
            "ansicpg" => {
                if let Some(cp) = param {
                    self.doc_enc = codepage_encoding(cp);
                    self.state.enc = self.doc_enc;
                }
            }
            "mac" => {
                self.doc_enc = codepage_encoding(10000);
                self.state.enc = self.doc_enc;
            }
            "f" => {
                let n = param.unwrap_or(0);
                if self.state.fonttbl {
                    self.font_decl = Some(n);
                } else {
                    self.state.enc = self.fonts.get(&n).copied().unwrap_or(self.doc_enc);
                }
            }
            "fcharset" => {
                if self.state.fonttbl
                    && let Some(f) = self.font_decl
                {
                    let enc = param
                        .and_then(|c| charset_codepage(c as i32))
                        .map(|cp| codepage_encoding(i64::from(cp)))
                        .unwrap_or(self.doc_enc);
                    self.fonts.insert(f, enc);
                }
            }
            "plain" | "pard" => {}
            "par" | "line" | "sect" | "page" | "row" | "softline" if !self.state.skip => {
                self.flush();
                self.sink.newline();
            }
            "tab" | "cell" | "nestcell" if !self.state.skip => {
                self.flush();
                self.sink.tab();
            }
            "emdash" => self.text("\u{2014}"),
            "endash" => self.text("\u{2013}"),
            "emspace" | "enspace" | "qmspace" => self.text(" "),
            "bullet" => self.text("\u{2022}"),
            "lquote" => self.text("\u{2018}"),
            "rquote" => self.text("\u{2019}"),
            "ldblquote" => self.text("\u{201c}"),
            "rdblquote" => self.text("\u{201d}"),
            _ => {}
        }
    }

    /// A control symbol (`\` and one non-letter).
    fn symbol(&mut self, c: u8) {
        let group_start = std::mem::take(&mut self.group_start);
        match c {
            b'*' if group_start => {
                self.flush();
                self.state.skip = true;
            }
            b'\'' => {
                let hex = self.bytes.get(self.pos..self.pos + 2).and_then(|h| {
                    std::str::from_utf8(h)
                        .ok()
                        .and_then(|h| u8::from_str_radix(h, 16).ok())
                });
                if let Some(b) = hex {
                    self.pos += 2;
                    self.byte(b);
                }
            }
            _ if self.to_skip > 0 => self.to_skip -= 1,
            b'\\' | b'{' | b'}' => self.byte(c),
            b'~' => self.text(" "),
            b'_' => self.text("-"),
            b'\n' | b'\r' if !self.state.skip => {
                self.flush();
                self.sink.newline();
            }
            _ => {}
        }
    }

    fn run(&mut self) -> Result<(), ExtractError> {
        while self.pos < self.bytes.len() {
            self.sink.tick()?;
            if self.sink.full() {
                return Ok(());
            }
            let b = self.bytes[self.pos];
            self.pos += 1;
            match b {
                b'{' => self.open(),
                b'}' => self.close(),
                b'\\' => self.control(),
                b'\r' | b'\n' => {}
                _ => {
                    self.group_start = false;
                    self.byte(b);
                }
            }
        }
        self.flush();
        Ok(())
    }

    fn control(&mut self) {
        let start = self.pos;
        while self.pos < self.bytes.len()
            && self.bytes[self.pos].is_ascii_alphabetic()
            && self.pos - start < 32
        {
            self.pos += 1;
        }
        if self.pos == start {
            // A control symbol.
            if let Some(&c) = self.bytes.get(self.pos) {
                self.pos += 1;
                self.symbol(c);
            }
            return;
        }
        let word = String::from_utf8_lossy(&self.bytes[start..self.pos]).into_owned();
        let num_start = self.pos;
        if self.bytes.get(self.pos) == Some(&b'-') {
            self.pos += 1;
        }
        while self.pos < self.bytes.len()
            && self.bytes[self.pos].is_ascii_digit()
            && self.pos - num_start < 12
        {
            self.pos += 1;
        }
        let param = std::str::from_utf8(&self.bytes[num_start..self.pos])
            .ok()
            .and_then(|s| s.parse::<i64>().ok());
        if param.is_none() {
            // A lone '-' is not a parameter.
            self.pos = num_start;
        }
        // One space after a control word is its delimiter.
        if self.bytes.get(self.pos) == Some(&b' ') {
            self.pos += 1;
        }
        if word == "bin" {
            self.flush();
            let n = param.unwrap_or(0).max(0) as usize;
            self.pos = self.pos.saturating_add(n).min(self.bytes.len());
            self.group_start = false;
            return;
        }
        self.word(&word, param);
    }
}

pub(crate) fn extract(bytes: &[u8], sink: &mut Sink) -> Result<(), ExtractError> {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    if !bytes[start..].starts_with(b"{\\rtf") {
        return Err(ExtractError::malformed("no {\\rtf header"));
    }
    let enc = encoding_rs::WINDOWS_1252;
    let mut p = Parser {
        bytes: &bytes[start..],
        pos: 0,
        sink,
        state: State {
            uc: 1,
            skip: false,
            fonttbl: false,
            enc,
        },
        stack: Vec::new(),
        overflow: 0,
        doc_enc: enc,
        fonts: HashMap::new(),
        font_decl: None,
        pending: Vec::new(),
        pending_enc: enc,
        to_skip: 0,
        high: None,
        group_start: false,
    };
    p.run()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::ExtractLimits;

    fn text(rtf: &str) -> String {
        let mut sink = Sink::new(&ExtractLimits::default());
        extract(rtf.as_bytes(), &mut sink).unwrap();
        sink.finish().text
    }

    #[test]
    fn plain_paragraphs_and_destinations() {
        let rtf = r"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0\fswiss Helvetica;}}{\colortbl;\red255\green0\blue0;}{\info{\title Secret title}{\author Someone}}{\*\generator Msftedit 5.41;}\pard\f0\fs24 Quarterly {\b zorblaxian} report\par Second\tab line\line third\par{\pict\pngblip 89504e47}}";
        assert_eq!(
            text(rtf),
            "Quarterly zorblaxian report\nSecond\tline\nthird"
        );
    }

    #[test]
    fn hex_escapes_in_the_document_code_page() {
        assert_eq!(
            text(r"{\rtf1\ansi\ansicpg1252 caf\'e9 \'93q\'94}"),
            "café \u{201c}q\u{201d}"
        );
        assert_eq!(
            text(r"{\rtf1\ansi\ansicpg1251 \'cf\'f0\'e8\'e2\'e5\'f2}"),
            "Привет"
        );
        // Double-byte code page: two escapes make one character.
        assert_eq!(text(r"{\rtf1\ansi\ansicpg936 \'d6\'d0\'ce\'c4}"), "中文");
    }

    #[test]
    fn font_charset_overrides_the_document_code_page() {
        let rtf = r"{\rtf1\ansi\ansicpg1252{\fonttbl{\f0\froman\fcharset0 Times;}{\f1\fswiss\fcharset204 Arial Cyr;}}\f0 caf\'e9 \f1\'cc\'e8\'f0\f0  ok}";
        assert_eq!(text(rtf), "café Мир ok");
    }

    #[test]
    fn unicode_escapes_skip_their_fallback() {
        assert_eq!(text(r"{\rtf1 \u1055?\u1088?\u1080?}"), "При");
        assert_eq!(
            text(r"{\rtf1 \uc2\u8364\'80\'80 euro\uc0\u8212 x}"),
            "€ euro—x"
        );
        assert_eq!(text(r"{\rtf1 \u-10179?\u-8704?}"), "\u{1f600}");
        // \uN with a negative value below U+8000.
        assert_eq!(text(r"{\rtf1 \u-4064?}"), "\u{f020}");
    }

    #[test]
    fn fields_keep_the_result_not_the_instruction() {
        let rtf =
            r#"{\rtf1{\field{\*\fldinst HYPERLINK "http://x.example"}{\fldrslt click here}}}"#;
        assert_eq!(text(rtf), "click here");
    }

    #[test]
    fn bin_data_and_symbols() {
        let mut rtf = b"{\\rtf1 a\\bin4 ".to_vec();
        rtf.extend_from_slice(b"{}\\\x00");
        rtf.extend_from_slice(b" b\\{c\\}\\\\d\\~e}");
        let mut sink = Sink::new(&ExtractLimits::default());
        extract(&rtf, &mut sink).unwrap();
        assert_eq!(sink.finish().text, "a b{c}\\d e");
    }

    #[test]
    fn tables_become_tabs_and_lines() {
        let rtf =
            r"{\rtf1\trowd\cellx1000\cellx2000 A1\cell B1\cell\row\trowd A2\cell B2\cell\row}";
        assert_eq!(text(rtf), "A1\tB1\nA2\tB2");
    }

    #[test]
    fn not_rtf_and_unbalanced_input() {
        let mut sink = Sink::new(&ExtractLimits::default());
        assert!(matches!(
            extract(b"hello", &mut sink),
            Err(ExtractError::Malformed { .. })
        ));
        assert_eq!(text(r"{\rtf1 a}}}} b{{{{"), "a b");
        let deep = format!("{{\\rtf1 {}x{}", "{".repeat(10_000), "}".repeat(10_000));
        assert_eq!(text(&deep), "x");
    }
}
