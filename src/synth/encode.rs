//! Byte-level encoders used to write mail: a fast line-wrapped base64
//! encoder, quoted-printable, RFC 2047 encoded words, RFC 2231 parameter
//! values, header folding, legacy-charset encoding through `encoding_rs`,
//! mboxrd `From ` escaping and LF→CRLF conversion.

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Base64 of `data` without line breaks.
pub fn base64(data: &[u8]) -> String {
    let mut out = Vec::with_capacity(data.len().div_ceil(3) * 4);
    b64_line(data, &mut out);
    // Only ASCII was pushed.
    String::from_utf8(out).unwrap_or_default()
}

#[inline]
fn b64_line(data: &[u8], out: &mut Vec<u8>) {
    let mut chunks = data.chunks_exact(3);
    for c in &mut chunks {
        let n = (u32::from(c[0]) << 16) | (u32::from(c[1]) << 8) | u32::from(c[2]);
        out.extend_from_slice(&[
            B64[(n >> 18) as usize & 63],
            B64[(n >> 12) as usize & 63],
            B64[(n >> 6) as usize & 63],
            B64[n as usize & 63],
        ]);
    }
    let rest = chunks.remainder();
    match rest.len() {
        1 => {
            let n = u32::from(rest[0]) << 16;
            out.extend_from_slice(&[
                B64[(n >> 18) as usize & 63],
                B64[(n >> 12) as usize & 63],
                b'=',
                b'=',
            ]);
        }
        2 => {
            let n = (u32::from(rest[0]) << 16) | (u32::from(rest[1]) << 8);
            out.extend_from_slice(&[
                B64[(n >> 18) as usize & 63],
                B64[(n >> 12) as usize & 63],
                B64[(n >> 6) as usize & 63],
                b'=',
            ]);
        }
        _ => {}
    }
}

/// Append base64 of `data` to `out`, `line_len` characters per line (a
/// multiple of 4), each line ended by `\n`.
pub fn base64_lines_into(data: &[u8], line_len: usize, out: &mut Vec<u8>) {
    let per_line = (line_len / 4).max(1) * 3;
    out.reserve(data.len().div_ceil(3) * 4 + data.len() / per_line + 2);
    for line in data.chunks(per_line) {
        b64_line(line, out);
        out.push(b'\n');
    }
}

/// Base64 with 76-character lines, as mail bodies carry it.
pub fn base64_mime(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    base64_lines_into(data, 76, &mut out);
    out
}

/// Quoted-printable encoding of `data` (whose line ends are `\n`), with
/// soft breaks keeping lines at most 76 characters. Output lines end in `\n`.
pub fn quoted_printable(data: &[u8]) -> Vec<u8> {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = Vec::with_capacity(data.len() + data.len() / 8);
    let lines: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
    let n_lines = lines.len();
    for (li, line) in lines.into_iter().enumerate() {
        if li + 1 == n_lines && line.is_empty() {
            break; // the text ended in a newline
        }
        let mut col = 0usize;
        for (i, &b) in line.iter().enumerate() {
            let last = i + 1 == line.len();
            let plain =
                (b == b' ' || b == b'\t') && !last || ((33..=126).contains(&b) && b != b'=');
            let width = if plain { 1 } else { 3 };
            if col + width > 75 {
                out.extend_from_slice(b"=\n");
                col = 0;
            }
            if plain {
                out.push(b);
            } else {
                out.extend_from_slice(&[b'=', HEX[(b >> 4) as usize], HEX[(b & 15) as usize]]);
            }
            col += width;
        }
        out.push(b'\n');
    }
    out
}

/// Text encoded into a charset by `encoding_rs` (labels as used in mail,
/// e.g. `koi8-r`, `windows-1251`, `iso-2022-jp`, `iso-8859-1`). For
/// `iso-8859-1` the text must stay within Latin-1 (encoded as windows-1252,
/// which agrees there). Unknown labels and `utf-8`/`us-ascii` give UTF-8.
pub fn encode_charset(text: &str, charset: &str) -> Vec<u8> {
    let lower = charset.to_ascii_lowercase();
    if lower == "utf-8" || lower == "us-ascii" {
        return text.as_bytes().to_vec();
    }
    match encoding_rs::Encoding::for_label(lower.as_bytes()) {
        Some(enc) => {
            let (bytes, _, _) = enc.encode(text);
            bytes.into_owned()
        }
        None => text.as_bytes().to_vec(),
    }
}

/// Whether `s` needs RFC 2047 encoding in a header.
pub fn needs_encoding(s: &str) -> bool {
    !s.bytes().all(|b| (32..127).contains(&b))
}

/// RFC 2047 encoded words for `text` in `charset`, using `B` or `Q`
/// encoding, split on character boundaries so that each word is at most 75
/// characters and decodes on its own. Words are joined by a folding
/// `\n ` when `fold` is set, by a space otherwise.
pub fn encoded_words(text: &str, charset: &str, b_encoding: bool, fold: bool) -> String {
    let prefix_len = charset.len() + 7; // =?cs?B? ... ?=
    let budget = 75 - prefix_len;
    let mut words: Vec<String> = Vec::new();
    let mut chunk = String::new();
    let encoded_len = |s: &str| -> usize {
        let bytes = encode_charset(s, charset);
        if b_encoding {
            bytes.len().div_ceil(3) * 4
        } else {
            bytes.iter().map(|&b| if q_plain(b) { 1 } else { 3 }).sum()
        }
    };
    for ch in text.chars() {
        let mut trial = chunk.clone();
        trial.push(ch);
        if !chunk.is_empty() && encoded_len(&trial) > budget {
            words.push(encode_word(&chunk, charset, b_encoding));
            chunk.clear();
        }
        chunk.push(ch);
    }
    if !chunk.is_empty() {
        words.push(encode_word(&chunk, charset, b_encoding));
    }
    words.join(if fold { "\n " } else { " " })
}

fn q_plain(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'!' | b'*' | b'+' | b'-' | b'/' | b' ')
}

fn encode_word(s: &str, charset: &str, b_encoding: bool) -> String {
    let bytes = encode_charset(s, charset);
    if b_encoding {
        format!("=?{charset}?B?{}?=", base64(&bytes))
    } else {
        let mut q = String::new();
        for &b in &bytes {
            if b == b' ' {
                q.push('_');
            } else if q_plain(b) {
                q.push(b as char);
            } else {
                q.push_str(&format!("={b:02X}"));
            }
        }
        format!("=?{charset}?Q?{q}?=")
    }
}

/// An RFC 2231 extended parameter value (`UTF-8''percent%20encoded`).
pub fn rfc2231_value(s: &str) -> String {
    let mut out = String::from("UTF-8''");
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Fold a header `Name: value` at spaces so lines stay near 78 characters;
/// continuation lines start with a space (or a tab when `tab`). The result
/// ends with `\n`.
pub fn fold_header(name: &str, value: &str, tab: bool) -> String {
    let mut out = String::with_capacity(name.len() + value.len() + 8);
    out.push_str(name);
    out.push_str(": ");
    let mut col = name.len() + 2;
    let mut first = true;
    for word in value.split(' ') {
        if !first {
            if col + 1 + word.len() > 78 && col > name.len() + 2 {
                out.push('\n');
                out.push(if tab { '\t' } else { ' ' });
                col = 1;
            } else {
                out.push(' ');
                col += 1;
            }
        }
        // Encoded words may carry their own folds.
        if let Some(pos) = word.rfind('\n') {
            col = word.len() - pos - 1;
        } else {
            col += word.len();
        }
        out.push_str(word);
        first = false;
    }
    out.push('\n');
    out
}

/// mboxrd escaping: every line matching `^>*From ` gets one more `>`.
/// Appends the escaped `msg` to `out`.
pub fn mboxrd_escape_into(msg: &[u8], out: &mut Vec<u8>) {
    out.reserve(msg.len() + 16);
    let mut start = 0;
    while start < msg.len() {
        let end = match memchr::memchr(b'\n', &msg[start..]) {
            Some(i) => start + i + 1,
            None => msg.len(),
        };
        let line = &msg[start..end];
        let gt = line.iter().take_while(|&&b| b == b'>').count();
        if line[gt..].starts_with(b"From ") {
            out.push(b'>');
        }
        out.extend_from_slice(line);
        start = end;
    }
}

/// Whether any line of `msg` matches `^>*From ` (so mboxrd escaping changes it).
pub fn has_from_lines(msg: &[u8]) -> bool {
    msg.starts_with(b"From ")
        || msg.starts_with(b">")
            && msg
                .iter()
                .skip_while(|&&b| b == b'>')
                .take(5)
                .eq(b"From ".iter())
        || memchr::memmem::find_iter(msg, b"From ").any(|i| {
            let mut j = i;
            while j > 0 && msg[j - 1] == b'>' {
                j -= 1;
            }
            j > 0 && msg[j - 1] == b'\n'
        })
}

/// `\n` → `\r\n` (input must not already hold CRLF).
pub fn to_crlf(data: &[u8]) -> Vec<u8> {
    let lf = memchr::memchr_iter(b'\n', data).count();
    let mut out = Vec::with_capacity(data.len() + lf);
    let mut start = 0;
    for i in memchr::memchr_iter(b'\n', data) {
        out.extend_from_slice(&data[start..i]);
        out.extend_from_slice(b"\r\n");
        start = i + 1;
    }
    out.extend_from_slice(&data[start..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_known() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        let data: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
        let mime = base64_mime(&data);
        for line in mime.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            assert!(line.len() <= 76);
        }
        let joined: Vec<u8> = mime.iter().copied().filter(|&b| b != b'\n').collect();
        assert_eq!(joined, base64(&data).into_bytes());
    }

    #[test]
    fn qp_basics() {
        let q = quoted_printable("caf\u{e9} = ok \nnext line\n".as_bytes());
        assert_eq!(q, b"caf=C3=A9 =3D ok=20\nnext line\n".to_vec());
        let long = "x".repeat(200);
        let q = quoted_printable(long.as_bytes());
        for line in q.split(|&b| b == b'\n') {
            assert!(line.len() <= 76);
        }
    }

    #[test]
    fn words_and_params() {
        assert_eq!(
            encoded_words("Garc\u{ed}a", "UTF-8", false, false),
            "=?UTF-8?Q?Garc=C3=ADa?="
        );
        let w = encoded_words(&"\u{416}".repeat(60), "koi8-r", true, true);
        for word in w.split("\n ") {
            assert!(word.len() <= 75, "{word}");
            assert!(word.starts_with("=?koi8-r?B?"));
        }
        assert_eq!(
            rfc2231_value("Presupuesto Garc\u{ed}a.xlsx"),
            "UTF-8''Presupuesto%20Garc%C3%ADa.xlsx"
        );
    }

    #[test]
    fn mboxrd() {
        let mut out = Vec::new();
        mboxrd_escape_into(b"a\nFrom here\n>From there\nnot From x\n", &mut out);
        assert_eq!(out, b"a\n>From here\n>>From there\nnot From x\n".to_vec());
        assert!(has_from_lines(b"a\n>>From x"));
        assert!(!has_from_lines(b"a\nsaid From x"));
        assert_eq!(to_crlf(b"a\nb\n"), b"a\r\nb\r\n".to_vec());
    }
}
