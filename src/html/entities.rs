//! Character references: named (a sorted static table), decimal and hex,
//! with the legacy no-`;` names and windows-1252 for 0x80–0x9F, as browsers
//! read them.

use std::borrow::Cow;

use memchr::memchr;

use super::MAX_ENTITY_NAME;

/// Decode the references in `s`. In an attribute value (`in_attr`), a
/// legacy name without `;` followed by `=` is left as written.
pub(super) fn decode(s: &str, in_attr: bool) -> Cow<'_, str> {
    let b = s.as_bytes();
    let Some(first) = memchr(b'&', b) else {
        return Cow::Borrowed(s);
    };
    let mut out = String::with_capacity(s.len());
    let mut last = 0;
    let mut i = first;
    loop {
        match parse_entity(b, i, in_attr) {
            Some((c, end)) => {
                out.push_str(&s[last..i]);
                out.push(c);
                last = end;
                i = end;
            }
            None => i += 1,
        }
        match memchr(b'&', &b[i..]) {
            Some(o) => i += o,
            None => break,
        }
    }
    out.push_str(&s[last..]);
    Cow::Owned(out)
}

/// Parse the reference at `amp` (an `&`): (char, index after it).
fn parse_entity(b: &[u8], amp: usize, in_attr: bool) -> Option<(char, usize)> {
    if b.get(amp + 1) == Some(&b'#') {
        let mut j = amp + 2;
        let hex = matches!(b.get(j), Some(b'x' | b'X'));
        if hex {
            j += 1;
        }
        let radix = if hex { 16 } else { 10 };
        let digits = j;
        let mut v: u32 = 0;
        while let Some(d) = b.get(j).and_then(|&c| (c as char).to_digit(radix)) {
            v = v.saturating_mul(radix).saturating_add(d).min(0x11_0000);
            j += 1;
        }
        if j == digits {
            return None;
        }
        if b.get(j) == Some(&b';') {
            j += 1;
        }
        return Some((numeric_char(v), j));
    }
    let start = amp + 1;
    let mut j = start;
    while j < b.len() && j - start < MAX_ENTITY_NAME && b[j].is_ascii_alphanumeric() {
        j += 1;
    }
    if j == start {
        return None;
    }
    // The name is ASCII, so this cannot fail.
    let name = std::str::from_utf8(&b[start..j]).ok()?;
    match b.get(j) {
        Some(b';') => named_entity(name).map(|c| (c, j + 1)),
        Some(c) if c.is_ascii_alphanumeric() => None,
        Some(b'=') if in_attr => None,
        _ if matches!(
            name,
            "amp" | "lt" | "gt" | "quot" | "nbsp" | "copy" | "reg" | "AMP" | "LT" | "GT" | "QUOT"
        ) =>
        {
            named_entity(name).map(|c| (c, j))
        }
        _ => None,
    }
}

fn numeric_char(v: u32) -> char {
    const REPLACEMENT: char = '\u{FFFD}';
    match v {
        0 => REPLACEMENT,
        0x80..=0x9F => {
            // Windows-1252, as browsers read these references.
            const W1252: [u32; 32] = [
                0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030,
                0x0160, 0x2039, 0x0152, 0x8D, 0x017D, 0x8F, 0x90, 0x2018, 0x2019, 0x201C, 0x201D,
                0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E,
                0x0178,
            ];
            char::from_u32(W1252[(v - 0x80) as usize]).unwrap_or(REPLACEMENT)
        }
        _ => char::from_u32(v).unwrap_or(REPLACEMENT),
    }
}

/// Named references: HTML 4 (Latin-1, symbols, Greek, special) plus a few
/// common HTML 5 additions. Case-sensitive, as in HTML.
fn named_entity(name: &str) -> Option<char> {
    NAMED
        .binary_search_by(|&(n, _)| n.cmp(name))
        .ok()
        .and_then(|i| char::from_u32(NAMED[i].1))
}

/// (name, code point), sorted by name (byte order) for binary search.
static NAMED: [(&str, u32); 272] = [
    ("AElig", 0x00C6),
    ("AMP", 0x0026),
    ("Aacute", 0x00C1),
    ("Acirc", 0x00C2),
    ("Agrave", 0x00C0),
    ("Alpha", 0x0391),
    ("Aring", 0x00C5),
    ("Atilde", 0x00C3),
    ("Auml", 0x00C4),
    ("Beta", 0x0392),
    ("COPY", 0x00A9),
    ("Ccedil", 0x00C7),
    ("Chi", 0x03A7),
    ("Dagger", 0x2021),
    ("Delta", 0x0394),
    ("ETH", 0x00D0),
    ("Eacute", 0x00C9),
    ("Ecirc", 0x00CA),
    ("Egrave", 0x00C8),
    ("Epsilon", 0x0395),
    ("Eta", 0x0397),
    ("Euml", 0x00CB),
    ("GT", 0x003E),
    ("Gamma", 0x0393),
    ("Iacute", 0x00CD),
    ("Icirc", 0x00CE),
    ("Igrave", 0x00CC),
    ("Iota", 0x0399),
    ("Iuml", 0x00CF),
    ("Kappa", 0x039A),
    ("LT", 0x003C),
    ("Lambda", 0x039B),
    ("Mu", 0x039C),
    ("NewLine", 0x000A),
    ("Ntilde", 0x00D1),
    ("Nu", 0x039D),
    ("OElig", 0x0152),
    ("Oacute", 0x00D3),
    ("Ocirc", 0x00D4),
    ("Ograve", 0x00D2),
    ("Omega", 0x03A9),
    ("Omicron", 0x039F),
    ("Oslash", 0x00D8),
    ("Otilde", 0x00D5),
    ("Ouml", 0x00D6),
    ("Phi", 0x03A6),
    ("Pi", 0x03A0),
    ("Prime", 0x2033),
    ("Psi", 0x03A8),
    ("QUOT", 0x0022),
    ("REG", 0x00AE),
    ("Rho", 0x03A1),
    ("Scaron", 0x0160),
    ("Sigma", 0x03A3),
    ("THORN", 0x00DE),
    ("TRADE", 0x2122),
    ("Tab", 0x0009),
    ("Tau", 0x03A4),
    ("Theta", 0x0398),
    ("Uacute", 0x00DA),
    ("Ucirc", 0x00DB),
    ("Ugrave", 0x00D9),
    ("Upsilon", 0x03A5),
    ("Uuml", 0x00DC),
    ("Xi", 0x039E),
    ("Yacute", 0x00DD),
    ("Yuml", 0x0178),
    ("Zeta", 0x0396),
    ("aacute", 0x00E1),
    ("acirc", 0x00E2),
    ("acute", 0x00B4),
    ("aelig", 0x00E6),
    ("agrave", 0x00E0),
    ("alefsym", 0x2135),
    ("alpha", 0x03B1),
    ("amp", 0x0026),
    ("and", 0x2227),
    ("ang", 0x2220),
    ("apos", 0x0027),
    ("aring", 0x00E5),
    ("asymp", 0x2248),
    ("atilde", 0x00E3),
    ("auml", 0x00E4),
    ("bdquo", 0x201E),
    ("beta", 0x03B2),
    ("brvbar", 0x00A6),
    ("bull", 0x2022),
    ("bullet", 0x2022),
    ("cap", 0x2229),
    ("ccedil", 0x00E7),
    ("cedil", 0x00B8),
    ("cent", 0x00A2),
    ("centerdot", 0x00B7),
    ("check", 0x2713),
    ("checkmark", 0x2713),
    ("chi", 0x03C7),
    ("circ", 0x02C6),
    ("clubs", 0x2663),
    ("cong", 0x2245),
    ("copy", 0x00A9),
    ("crarr", 0x21B5),
    ("cup", 0x222A),
    ("curren", 0x00A4),
    ("dArr", 0x21D3),
    ("dagger", 0x2020),
    ("darr", 0x2193),
    ("dash", 0x2010),
    ("deg", 0x00B0),
    ("delta", 0x03B4),
    ("diams", 0x2666),
    ("divide", 0x00F7),
    ("eacute", 0x00E9),
    ("ecirc", 0x00EA),
    ("egrave", 0x00E8),
    ("empty", 0x2205),
    ("emsp", 0x2003),
    ("ensp", 0x2002),
    ("epsilon", 0x03B5),
    ("equiv", 0x2261),
    ("eta", 0x03B7),
    ("eth", 0x00F0),
    ("euml", 0x00EB),
    ("euro", 0x20AC),
    ("exist", 0x2203),
    ("fnof", 0x0192),
    ("forall", 0x2200),
    ("frac12", 0x00BD),
    ("frac14", 0x00BC),
    ("frac34", 0x00BE),
    ("frasl", 0x2044),
    ("gamma", 0x03B3),
    ("ge", 0x2265),
    ("gt", 0x003E),
    ("hArr", 0x21D4),
    ("half", 0x00BD),
    ("harr", 0x2194),
    ("hearts", 0x2665),
    ("hellip", 0x2026),
    ("hyphen", 0x2010),
    ("iacute", 0x00ED),
    ("icirc", 0x00EE),
    ("iexcl", 0x00A1),
    ("igrave", 0x00EC),
    ("image", 0x2111),
    ("infin", 0x221E),
    ("int", 0x222B),
    ("iota", 0x03B9),
    ("iquest", 0x00BF),
    ("isin", 0x2208),
    ("iuml", 0x00EF),
    ("kappa", 0x03BA),
    ("lArr", 0x21D0),
    ("lambda", 0x03BB),
    ("lang", 0x27E8),
    ("laquo", 0x00AB),
    ("larr", 0x2190),
    ("lceil", 0x2308),
    ("ldquo", 0x201C),
    ("le", 0x2264),
    ("lfloor", 0x230A),
    ("lowast", 0x2217),
    ("loz", 0x25CA),
    ("lrm", 0x200E),
    ("lsaquo", 0x2039),
    ("lsquo", 0x2018),
    ("lt", 0x003C),
    ("macr", 0x00AF),
    ("mdash", 0x2014),
    ("micro", 0x00B5),
    ("middot", 0x00B7),
    ("minus", 0x2212),
    ("mldr", 0x2026),
    ("mu", 0x03BC),
    ("nabla", 0x2207),
    ("nbsp", 0x00A0),
    ("ndash", 0x2013),
    ("ne", 0x2260),
    ("ni", 0x220B),
    ("not", 0x00AC),
    ("notin", 0x2209),
    ("nsub", 0x2284),
    ("ntilde", 0x00F1),
    ("nu", 0x03BD),
    ("oacute", 0x00F3),
    ("ocirc", 0x00F4),
    ("oelig", 0x0153),
    ("ograve", 0x00F2),
    ("oline", 0x203E),
    ("omega", 0x03C9),
    ("omicron", 0x03BF),
    ("oplus", 0x2295),
    ("or", 0x2228),
    ("ordf", 0x00AA),
    ("ordm", 0x00BA),
    ("oslash", 0x00F8),
    ("otilde", 0x00F5),
    ("otimes", 0x2297),
    ("ouml", 0x00F6),
    ("para", 0x00B6),
    ("part", 0x2202),
    ("permil", 0x2030),
    ("perp", 0x22A5),
    ("phi", 0x03C6),
    ("pi", 0x03C0),
    ("piv", 0x03D6),
    ("plusmn", 0x00B1),
    ("pound", 0x00A3),
    ("prime", 0x2032),
    ("prod", 0x220F),
    ("prop", 0x221D),
    ("psi", 0x03C8),
    ("quot", 0x0022),
    ("rArr", 0x21D2),
    ("radic", 0x221A),
    ("rang", 0x27E9),
    ("raquo", 0x00BB),
    ("rarr", 0x2192),
    ("rceil", 0x2309),
    ("rdquo", 0x201D),
    ("real", 0x211C),
    ("reg", 0x00AE),
    ("rfloor", 0x230B),
    ("rho", 0x03C1),
    ("rlm", 0x200F),
    ("rsaquo", 0x203A),
    ("rsquo", 0x2019),
    ("sbquo", 0x201A),
    ("scaron", 0x0161),
    ("sdot", 0x22C5),
    ("sect", 0x00A7),
    ("shy", 0x00AD),
    ("sigma", 0x03C3),
    ("sigmaf", 0x03C2),
    ("sim", 0x223C),
    ("spades", 0x2660),
    ("star", 0x2606),
    ("starf", 0x2605),
    ("sub", 0x2282),
    ("sube", 0x2286),
    ("sum", 0x2211),
    ("sup", 0x2283),
    ("sup1", 0x00B9),
    ("sup2", 0x00B2),
    ("sup3", 0x00B3),
    ("supe", 0x2287),
    ("szlig", 0x00DF),
    ("tau", 0x03C4),
    ("there4", 0x2234),
    ("theta", 0x03B8),
    ("thetasym", 0x03D1),
    ("thinsp", 0x2009),
    ("thorn", 0x00FE),
    ("tilde", 0x02DC),
    ("times", 0x00D7),
    ("trade", 0x2122),
    ("uArr", 0x21D1),
    ("uacute", 0x00FA),
    ("uarr", 0x2191),
    ("ucirc", 0x00FB),
    ("ugrave", 0x00F9),
    ("uml", 0x00A8),
    ("upsih", 0x03D2),
    ("upsilon", 0x03C5),
    ("uuml", 0x00FC),
    ("weierp", 0x2118),
    ("xi", 0x03BE),
    ("yacute", 0x00FD),
    ("yen", 0x00A5),
    ("yuml", 0x00FF),
    ("zeta", 0x03B6),
    ("zwj", 0x200D),
    ("zwnj", 0x200C),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::html::decode_entities;

    #[test]
    fn entities_named() {
        assert_eq!(
            decode_entities(
                "&amp;&lt;&gt;&quot;&apos;&eacute;&Agrave;&szlig;&euro;&hellip;&mdash;"
            ),
            "&<>\"'éÀß€…—"
        );
        assert_eq!(
            decode_entities("&copy; &trade; &frac12; &alpha;&Omega; &rarr;"),
            "© ™ ½ αΩ →"
        );
        assert_eq!(decode_entities("&nbsp;"), "\u{a0}");
    }

    #[test]
    fn entities_numeric() {
        assert_eq!(decode_entities("&#233;&#xE9;&#XE9;&#x1F600;"), "ééé😀");
        assert_eq!(decode_entities("&#233 and &#x41"), "é and A");
        assert_eq!(decode_entities("&#150;&#128;"), "–€");
    }

    #[test]
    fn entities_invalid() {
        assert_eq!(
            decode_entities("&#0;&#xD800;&#x110000;&#99999999999999999999;"),
            "\u{FFFD}".repeat(4)
        );
        assert_eq!(decode_entities("&#;&#x;&#xZ"), "&#;&#x;&#xZ");
    }

    #[test]
    fn entities_unknown_and_semicolon_rules() {
        assert_eq!(decode_entities("&foo; &bogus &"), "&foo; &bogus &");
        assert_eq!(
            decode_entities("&amp &lt3 &eacute &ampx"),
            "& &lt3 &eacute &ampx"
        );
        assert_eq!(decode("a=1&amp=2", true), "a=1&amp=2");
        assert_eq!(decode("a=1&amp;b=2", true), "a=1&b=2");
    }

    #[test]
    fn table_sorted_without_duplicates() {
        for w in NAMED.windows(2) {
            assert!(w[0].0 < w[1].0, "{:?} before {:?}", w[0].0, w[1].0);
        }
        for &(name, cp) in &NAMED {
            assert_eq!(named_entity(name), char::from_u32(cp), "{name}");
        }
        assert_eq!(named_entity("Amp"), None);
        assert_eq!(named_entity(""), None);
        assert_eq!(NAMED.len(), 272);
    }
}
