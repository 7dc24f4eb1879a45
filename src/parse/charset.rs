//! Text and transfer decoding: the charset a part declares, text in that
//! charset (any WHATWG label plus UTF-7; undeclared or unknown charsets as
//! UTF-8 when valid, else windows-1252, with a defect), a part's body
//! decoded from its transfer encoding (base64 through a strict SIMD decoder
//! first, mailparse for everything else, quoted-printable included, and a
//! lenient base64 decoder for what mailparse refuses), and text caps cut at
//! a char boundary.

use mailparse::ParsedMail;

use crate::model::{Defect, DefectKind};

/// The charset declared on a part's Content-Type, if any, lower case.
pub(super) fn declared_charset(part: &ParsedMail<'_>) -> Option<String> {
    part.ctype
        .params
        .get("charset")
        .map(|c| c.trim().trim_matches('"').to_ascii_lowercase())
        .filter(|c| !c.is_empty())
}

/// A part's body decoded from its transfer encoding, as mailparse's
/// `get_body_raw` decodes it. Base64 (attachments: most of a leak's bytes)
/// goes through a SIMD decoder first; what that strict decoder refuses
/// (not canonical, not padded) goes through mailparse's lenient one, so
/// the result is always mailparse's. Base64 that mailparse refuses too
/// (junk after the padding, characters outside the alphabet) is decoded as
/// far as it decodes, as Python's email package does, with a
/// `base64_junk` defect.
pub(super) fn decoded_body(
    part: &ParsedMail<'_>,
) -> Result<(Vec<u8>, Option<Defect>), mailparse::MailParseError> {
    if let mailparse::body::Body::Base64(b) = part.get_body_encoded() {
        if let Some(bytes) = strict_base64(b.get_raw()) {
            return Ok((bytes, None));
        }
        return match part.get_body_raw() {
            Ok(bytes) => Ok((bytes, None)),
            Err(e) => {
                let (bytes, junk) = lenient_base64(b.get_raw());
                let defect = Defect::new(
                    DefectKind::Base64Junk,
                    format!(
                        "{}: base64 that does not decode cleanly ({e}); {} bytes decoded, {junk} characters of junk ignored",
                        part.ctype.mimetype,
                        bytes.len()
                    ),
                );
                Ok((bytes, Some(defect)))
            }
        };
    }
    part.get_body_raw().map(|b| (b, None))
}

/// Base64 decoded leniently, as Python's `binascii.a2b_base64` does:
/// characters outside the alphabet are skipped, decoding stops at the
/// padding that ends the data, a last incomplete group gives the bytes it
/// holds. Returns the bytes and how many characters were ignored (junk,
/// whitespace not counted).
pub(super) fn lenient_base64(encoded: &[u8]) -> (Vec<u8>, usize) {
    let mut out = Vec::with_capacity(encoded.len() / 4 * 3 + 3);
    let (mut acc, mut bits) = (0u32, 0u32);
    let mut quad = 0usize;
    let mut junk = 0usize;
    let mut ended_at = None;
    for (i, &c) in encoded.iter().enumerate() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' if quad >= 2 => {
                ended_at = Some(i);
                break;
            }
            _ => {
                if !c.is_ascii_whitespace() {
                    junk += 1;
                }
                continue;
            }
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        quad = (quad + 1) % 4;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    if let Some(at) = ended_at {
        let rest = &encoded[at..];
        junk += rest
            .iter()
            .filter(|&&c| !c.is_ascii_whitespace() && c != b'=')
            .count();
    }
    (out, junk)
}

/// Base64 with ASCII whitespace anywhere (line breaks), decoded strictly:
/// `None` unless it is canonical, padded base64.
pub(super) fn strict_base64(encoded: &[u8]) -> Option<Vec<u8>> {
    let mut clean = Vec::with_capacity(encoded.len());
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', encoded).chain([encoded.len()]) {
        let mut line = &encoded[start..end];
        start = end + 1;
        if let [rest @ .., b'\r'] = line {
            line = rest;
        }
        // Lines are mostly clean: copied whole, else byte by byte (a
        // branch-free test for bytes up to space, which vectorises).
        if line.iter().fold(false, |any, &b| any | (b <= b' ')) {
            clean.extend(line.iter().filter(|b| !b.is_ascii_whitespace()));
        } else {
            clean.extend_from_slice(line);
        }
    }
    base64_simd::STANDARD.decode_to_vec(&clean).ok()
}

/// A part's body before transfer decoding.
pub(super) fn encoded_raw<'a>(part: &'a ParsedMail<'a>) -> &'a [u8] {
    use mailparse::body::Body;
    match part.get_body_encoded() {
        Body::Base64(b) | Body::QuotedPrintable(b) => b.get_raw(),
        Body::SevenBit(b) | Body::EightBit(b) => b.get_raw(),
        Body::Binary(b) => b.get_raw(),
    }
}

/// Decodes text in a declared charset (or none), returning the text (line
/// ends normalised to LF) and the defects of the decoding.
pub fn decode_text(bytes: &[u8], declared: Option<&str>) -> (String, Vec<Defect>) {
    let (text, defects) = decode_text_raw(bytes, declared);
    if text.contains('\r') {
        (text.replace("\r\n", "\n"), defects)
    } else {
        (text, defects)
    }
}

fn decode_text_raw(bytes: &[u8], declared: Option<&str>) -> (String, Vec<Defect>) {
    let mut defects = Vec::new();
    let label = declared.map(|l| l.trim().trim_matches('"').to_ascii_lowercase());
    let is_ascii_label = matches!(
        label.as_deref(),
        None | Some("us-ascii" | "ascii" | "us_ascii")
    );
    if is_ascii_label {
        if bytes.is_ascii() {
            return (String::from_utf8_lossy(bytes).into_owned(), defects);
        }
        let (text, guess) = guess_8bit(bytes);
        defects.push(Defect::new(
            DefectKind::Undeclared8bit,
            format!("8-bit text without a declared charset; decoded as {guess}"),
        ));
        return (text, defects);
    }
    let label = label.unwrap_or_default();
    match charset::Charset::for_label(label.as_bytes()) {
        Some(cs) => {
            let (text, had_errors) = cs.decode_without_bom_handling(bytes);
            if had_errors {
                defects.push(Defect::new(
                    DefectKind::CharsetErrors,
                    format!("bytes not valid in {label}; replaced with U+FFFD"),
                ));
            }
            (text.into_owned(), defects)
        }
        None => {
            let (text, guess) = guess_8bit(bytes);
            defects.push(Defect::new(
                DefectKind::UnknownCharset,
                format!("unknown charset {label:?}; decoded as {guess}"),
            ));
            (text, defects)
        }
    }
}

/// UTF-8 when the bytes are valid UTF-8, else windows-1252.
fn guess_8bit(bytes: &[u8]) -> (String, &'static str) {
    match std::str::from_utf8(bytes) {
        Ok(s) => (s.to_string(), "UTF-8"),
        Err(_) => {
            let (text, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
            (text.into_owned(), "windows-1252")
        }
    }
}

pub(super) fn truncate_at_char(mut s: String, max: usize) -> String {
    if s.len() > max {
        let mut cut = max;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
    }
    s
}

pub(super) fn cap_text(text: String, max: usize, defects: &mut Vec<Defect>, what: &str) -> String {
    if text.len() <= max {
        return text;
    }
    defects.push(Defect::new(
        DefectKind::TextTruncated,
        format!("{what} of {} bytes cut to {max}", text.len()),
    ));
    truncate_at_char(text, max)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Limits, Sha256};

    /// mailparse's decoding of a base64 part with this body.
    fn mailparse_base64(body: &[u8]) -> Option<Vec<u8>> {
        let mut raw = b"Content-Transfer-Encoding: base64\n\n".to_vec();
        raw.extend_from_slice(body);
        mailparse::parse_mail(&raw).ok()?.get_body_raw().ok()
    }

    /// Base64 text with line breaks (CRLF or LF) every `width` characters,
    /// and stray whitespace and junk where `noise` says.
    fn wrapped(data: &[u8], width: usize, crlf: bool, noise: &[(usize, u8)]) -> Vec<u8> {
        let text = base64_simd::STANDARD.encode_to_string(data);
        let mut out = Vec::new();
        for (i, c) in text.bytes().enumerate() {
            if i > 0 && i % width.max(1) == 0 {
                out.extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
            }
            out.push(c);
        }
        for &(at, b) in noise {
            let at = at % (out.len() + 1);
            out.insert(at, b);
        }
        out
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

        /// Whatever the strict decoder accepts, mailparse decodes to the
        /// same bytes (and what it refuses goes to mailparse anyway).
        #[test]
        fn strict_base64_agrees_with_mailparse(
            data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600),
            width in 1usize..100,
            crlf in proptest::prelude::any::<bool>(),
            noise in proptest::collection::vec(
                (proptest::prelude::any::<usize>(),
                 proptest::sample::select(vec![b' ', b'\t', b'\r', b'\n', 0x0c, b'=', b'*', 0, b'A'])),
                0..4,
            ),
        ) {
            let body = wrapped(&data, width, crlf, &noise);
            if let Some(ours) = strict_base64(&body) {
                proptest::prop_assert_eq!(Some(ours), mailparse_base64(&body));
            }
            if noise.is_empty() {
                proptest::prop_assert_eq!(strict_base64(&body), Some(data));
            }
        }
    }

    #[test]
    fn strict_base64_refuses_what_is_not_canonical() {
        // Padding missing, trailing bits set, junk: left to mailparse.
        assert_eq!(strict_base64(b"QQ"), None);
        assert_eq!(strict_base64(b"QR=="), None);
        assert_eq!(strict_base64(b"QQ==\n*"), None);
        assert_eq!(strict_base64(b"QU\r\nJD\n"), Some(b"ABC".to_vec()));
        assert_eq!(strict_base64(b" Q U J D "), Some(b"ABC".to_vec()));
        // The part decodes the same either way.
        let raw: &[u8] = b"From: a@example.org\nDate: Mon, 12 Oct 2015 14:02:11 -0400\nMessage-ID: <1@x>\nContent-Type: application/octet-stream; name=a.bin\nContent-Transfer-Encoding: base64\n\nQR==\n";
        let m = crate::parse::parse_message(
            Sha256::of(raw),
            raw,
            true,
            raw.len() as u64,
            &Limits::default(),
            1_800_000_000,
        );
        assert_eq!(m.attachments[0].size, 1);
    }
}
