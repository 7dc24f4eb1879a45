//! A small MIME tree and its serialisation: leaf parts with transfer
//! encodings (7bit, 8bit, quoted-printable, base64), multiparts with
//! MUA-flavoured boundaries, and text parts encoded into legacy charsets.
//! Everything is written with `\n` line ends (CRLF is applied afterwards).

use super::encode;
use super::rng::Rng;

/// Content-Transfer-Encoding of a leaf.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cte {
    SevenBit,
    EightBit,
    QuotedPrintable,
    Base64,
    /// No Content-Transfer-Encoding header at all (7bit by default).
    None,
}

impl Cte {
    pub fn header(self) -> Option<&'static str> {
        match self {
            Cte::SevenBit => Some("7bit"),
            Cte::EightBit => Some("8bit"),
            Cte::QuotedPrintable => Some("quoted-printable"),
            Cte::Base64 => Some("base64"),
            Cte::None => None,
        }
    }

    /// Encode `data` (line ends `\n`) for this transfer encoding.
    pub fn apply(self, data: &[u8]) -> Vec<u8> {
        match self {
            Cte::QuotedPrintable => encode::quoted_printable(data),
            Cte::Base64 => encode::base64_mime(data),
            _ => {
                let mut v = data.to_vec();
                if !v.ends_with(b"\n") {
                    v.push(b'\n');
                }
                v
            }
        }
    }
}

/// One MIME entity.
pub struct Part {
    /// Header lines as `(name, value)`; values may hold `\n\t` folds.
    pub headers: Vec<(&'static str, String)>,
    pub body: Body,
}

pub enum Body {
    Leaf(Vec<u8>),
    Multi {
        boundary: String,
        preamble: Option<&'static str>,
        parts: Vec<Part>,
    },
}

/// Boundary flavours of common mail programs.
#[derive(Clone, Copy, Debug)]
pub enum BoundaryStyle {
    Outlook,
    Gmail,
    Apple,
    Thunderbird,
}

pub fn boundary(rng: &mut Rng, style: BoundaryStyle) -> String {
    match style {
        BoundaryStyle::Outlook => format!(
            "_00{}_{}mailncpcexampleorg_",
            rng.below(10),
            rng.hex_upper(32)
        ),
        BoundaryStyle::Gmail => format!("001a11{}", rng.string_from(b"0123456789abcdef", 22)),
        BoundaryStyle::Apple => format!(
            "Apple-Mail={}-{}-{}-{}-{}",
            rng.hex_upper(8),
            rng.hex_upper(4),
            rng.hex_upper(4),
            rng.hex_upper(4),
            rng.hex_upper(12)
        ),
        BoundaryStyle::Thunderbird => {
            format!("------------{}", rng.string_from(b"0123456789ABCDEF", 24))
        }
    }
}

impl Part {
    pub fn leaf(headers: Vec<(&'static str, String)>, body: Vec<u8>) -> Part {
        Part {
            headers,
            body: Body::Leaf(body),
        }
    }

    /// A text part: `text` encoded into `charset`, then with `cte`.
    pub fn text(subtype: &str, text: &str, charset: &str, cte: Cte, flowed: bool) -> Part {
        let bytes = encode::encode_charset(text, charset);
        let mut ct = format!("text/{subtype}; charset=\"{charset}\"");
        if flowed {
            ct = format!("text/{subtype}; charset={charset}; format=flowed");
        }
        let mut headers = vec![("Content-Type", ct)];
        if let Some(h) = cte.header() {
            headers.push(("Content-Transfer-Encoding", h.to_string()));
        }
        Part::leaf(headers, cte.apply(&bytes))
    }

    /// A multipart of `subtype` holding `parts`.
    pub fn multi(rng: &mut Rng, style: BoundaryStyle, subtype: &str, parts: Vec<Part>) -> Part {
        let b = boundary(rng, style);
        let ct = match style {
            BoundaryStyle::Outlook | BoundaryStyle::Thunderbird => {
                format!("multipart/{subtype};\n\tboundary=\"{b}\"")
            }
            BoundaryStyle::Gmail => format!("multipart/{subtype}; boundary={b}"),
            BoundaryStyle::Apple => format!("multipart/{subtype};\n\tboundary=\"{b}\""),
        };
        let preamble = match style {
            BoundaryStyle::Thunderbird => Some("This is a multi-part message in MIME format."),
            _ => None,
        };
        Part {
            headers: vec![("Content-Type", ct)],
            body: Body::Multi {
                boundary: b,
                preamble,
                parts,
            },
        }
    }

    /// Serialise headers and body.
    pub fn write(&self, out: &mut Vec<u8>) {
        for (name, value) in &self.headers {
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(value.as_bytes());
            out.push(b'\n');
        }
        out.push(b'\n');
        self.write_body(out);
    }

    /// Serialise only the body (after the blank line).
    pub fn write_body(&self, out: &mut Vec<u8>) {
        match &self.body {
            Body::Leaf(b) => out.extend_from_slice(b),
            Body::Multi {
                boundary,
                preamble,
                parts,
            } => {
                if let Some(p) = preamble {
                    out.extend_from_slice(p.as_bytes());
                    out.push(b'\n');
                }
                for (i, p) in parts.iter().enumerate() {
                    if i > 0 || preamble.is_some() {
                        out.push(b'\n');
                    }
                    out.extend_from_slice(b"--");
                    out.extend_from_slice(boundary.as_bytes());
                    out.push(b'\n');
                    p.write(out);
                }
                out.extend_from_slice(b"\n--");
                out.extend_from_slice(boundary.as_bytes());
                out.extend_from_slice(b"--\n");
            }
        }
    }

    /// The Content-Type header value.
    pub fn content_type(&self) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| *n == "Content-Type")
            .map(|(_, v)| v.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multipart_serialises() {
        let mut r = Rng::new(9);
        let a = Part::text("plain", "hello\n", "us-ascii", Cte::SevenBit, false);
        let b = Part::text(
            "html",
            "<p>h\u{e9}llo</p>\n",
            "utf-8",
            Cte::QuotedPrintable,
            false,
        );
        let m = Part::multi(&mut r, BoundaryStyle::Gmail, "alternative", vec![a, b]);
        let mut out = Vec::new();
        m.write(&mut out);
        let s = String::from_utf8(out).unwrap();
        assert!(s.starts_with("Content-Type: multipart/alternative; boundary=001a11"));
        assert!(s.contains("h=C3=A9llo"));
        assert!(s.trim_end().ends_with("--"));
    }
}
