//! Amounts of money, recognised by hand: `$1.2m`, `€300,000`,
//! `5 million dollars`, `USD 250k`, `£2bn`, `250,000 USD`, `100 €`.
//!
//! No maintained crate reads amounts in running text (money crates parse
//! one amount already isolated), so this is a small recogniser: a currency
//! (sign, ISO code or word) before or after a number, with an optional
//! scale (`k`, `m`, `bn`, `thousand`, `million`, `billion`, …). Each try
//! starts at a word boundary and looks at most [`MAX_SPAN`] bytes ahead,
//! so the scan is linear in the text; there is no backtracking.
//!
//! The number: digits with `,` or `.` between groups. When both appear
//! the last one is the decimal point (`1.234,56`, `1,234.56`); when one
//! appears once with exactly three digits after it, it separates
//! thousands (`€300,000`, `€300.000`), otherwise it is the decimal point
//! (`$1.2m`, `$3.50`). The value is the ISO code and the amount with the
//! scale applied, without separators, at most two decimals
//! (`USD 1200000`, `EUR 3.5`). `$` alone is read as US dollars and `¥`
//! as yen: the text rarely says otherwise.

use super::{Found, Kind, Mention, boundary_after, boundary_before};

/// Bytes one amount may span.
pub const MAX_SPAN: usize = 48;

/// Amounts from here on are not read (a run of digits, not money; and
/// the value must read back the same).
const MAX_AMOUNT: f64 = 1e15;

/// Longest number, in bytes (digits and separators).
const MAX_NUMBER: usize = 24;

/// Signs and codes written before or after an amount.
const SIGNS: &[(&str, &str)] = &[
    ("US$", "USD"),
    ("C$", "CAD"),
    ("A$", "AUD"),
    ("HK$", "HKD"),
    ("$", "USD"),
    ("€", "EUR"),
    ("£", "GBP"),
    ("¥", "JPY"),
    ("₽", "RUB"),
    ("₹", "INR"),
    ("₣", "CHF"),
];

/// ISO codes recognised (upper case, a word of their own).
const CODES: &[&str] = &[
    "USD", "EUR", "GBP", "CHF", "JPY", "CAD", "AUD", "CNY", "RUB", "INR", "SEK", "NOK", "DKK",
    "BRL", "MXN", "ZAR", "HKD", "SGD", "NZD", "PLN", "TRY", "UAH", "ILS", "AED", "SAR",
];

/// Currency words after an amount (lower case).
const WORDS: &[(&str, &str)] = &[
    ("dollars", "USD"),
    ("dollar", "USD"),
    ("euros", "EUR"),
    ("euro", "EUR"),
    ("pounds", "GBP"),
    ("pound", "GBP"),
    ("sterling", "GBP"),
    ("yen", "JPY"),
    ("rubles", "RUB"),
    ("roubles", "RUB"),
    ("francs", "CHF"),
];

/// Scales: attached letters (`1.2m`) and words (`5 million`).
const SCALES: &[(&str, f64)] = &[
    ("thousand", 1e3),
    ("millions", 1e6),
    ("million", 1e6),
    ("billions", 1e9),
    ("billion", 1e9),
    ("trillion", 1e12),
    ("mio", 1e6),
    ("mln", 1e6),
    ("mrd", 1e9),
    ("bn", 1e9),
    ("mm", 1e6),
    ("mn", 1e6),
    ("tn", 1e12),
    ("k", 1e3),
    ("m", 1e6),
    ("b", 1e9),
];

/// Every amount in `text`.
pub fn find(text: &str) -> Vec<Found> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < text.len() {
        // Only a digit, `$`, the first byte of `€ £ ¥ ₽ ₹ ₣` or a capital
        // letter (a code, `US$`) may start an amount.
        let b = bytes[i];
        let may_start =
            b.is_ascii_digit() || b == b'$' || b == 0xC2 || b == 0xE2 || b.is_ascii_uppercase();
        if may_start
            && boundary_before(text, i)
            && let Some((value, end)) = at(text, i)
        {
            out.push(Found {
                mention: Mention::new(Kind::Money, value),
                span: i..end,
            });
            i = end;
            continue;
        }
        i += 1;
    }
    out
}

/// An amount typed in a search (`mentions:"$1.2m"`, `mentions:"USD 1200000"`).
pub fn normalise(text: &str) -> Option<String> {
    let text = text.trim();
    match at(text, 0) {
        Some((v, end)) if end == text.len() => Some(v),
        _ => None,
    }
}

/// The amount starting at `i`, and where it ends.
fn at(text: &str, i: usize) -> Option<(String, usize)> {
    let window = &text[i..];
    // A currency first.
    if let Some((code, len)) = currency_before(window) {
        let mut j = i + len;
        j += spaces(&text[j..], 1);
        let (amount, end) = number_scaled(text, j)?;
        return (amount < MAX_AMOUNT).then(|| (value(code, amount), end));
    }
    // A number first, then a currency.
    if !window.starts_with(|c: char| c.is_ascii_digit()) || !currency_may_follow(window) {
        return None;
    }
    let (amount, j) = number_scaled(text, i)?;
    if amount.is_nan() || amount >= MAX_AMOUNT {
        return None;
    }
    let k = j + spaces(&text[j..], 1);
    let rest = &text[k..];
    for (sign, code) in SIGNS {
        if *sign != "$" && rest.starts_with(sign) {
            return Some((value(code, amount), k + sign.len()));
        }
    }
    let word_end = rest
        .find(|c: char| !c.is_alphabetic())
        .unwrap_or(rest.len());
    let word = &rest[..word_end];
    if CODES.contains(&word) {
        return Some((value(word, amount), k + word_end));
    }
    let lower = word.to_lowercase();
    WORDS
        .iter()
        .find(|(w, _)| *w == lower)
        .map(|(_, code)| (value(code, amount), k + word_end))
}

/// A cheap look past the digits at the start of `s` (most numbers in a
/// text are not amounts): whether what follows them, after at most one
/// space, could start a scale, a currency word, a code or a sign.
fn currency_may_follow(s: &str) -> bool {
    let b = s.as_bytes();
    let mut j = 0;
    while j < b.len() && j < MAX_NUMBER && (b[j].is_ascii_digit() || b[j] == b',' || b[j] == b'.') {
        j += 1;
    }
    if j < b.len() && b[j] == b' ' {
        j += 1;
    }
    b.get(j).is_some_and(|&c| {
        c.is_ascii_uppercase()
            || matches!(
                c,
                b'k' | b'm'
                    | b'b'
                    | b't'
                    | b'd'
                    | b'e'
                    | b'p'
                    | b'y'
                    | b'r'
                    | b'f'
                    | b's'
                    | b'$'
                    | 0xC2
                    | 0xE2
            )
    })
}

/// A sign or ISO code at the start of `s`: the code and its length.
fn currency_before(s: &str) -> Option<(&'static str, usize)> {
    for (sign, code) in SIGNS {
        if s.starts_with(sign) {
            return Some((code, sign.len()));
        }
    }
    let code = s.get(..3)?;
    let found = CODES.iter().find(|c| **c == code)?;
    let next = s[3..].chars().next()?;
    (next == ' ' || next == '\u{a0}' || next.is_ascii_digit()).then_some((found, 3))
}

/// Bytes of at most `max` spaces (or no-break spaces) at the start of `s`.
fn spaces(s: &str, max: usize) -> usize {
    let mut n = 0;
    for (count, c) in s.chars().enumerate() {
        if count >= max || !(c == ' ' || c == '\u{a0}') {
            break;
        }
        n += c.len_utf8();
    }
    n
}

/// A number at `j` with its scale: the amount and where it ends (at a
/// word boundary).
fn number_scaled(text: &str, j: usize) -> Option<(f64, usize)> {
    let (n, mut end) = number(text, j)?;
    let mut amount = n;
    let rest = &text[end..];
    // An attached letter scale (`1.2m`, `250k`, `2bn`) or a word after one space.
    let attached = SCALES
        .iter()
        .find(|(s, _)| starts_with_ignore_case(rest, s) && boundary_after(rest, s.len()));
    if let Some((s, f)) = attached {
        amount *= f;
        end += s.len();
    } else {
        let sp = spaces(rest, 1);
        let after = &rest[sp..];
        if sp > 0
            && let Some((s, f)) = SCALES
                .iter()
                .filter(|(s, _)| s.len() > 2)
                .find(|(s, _)| starts_with_ignore_case(after, s) && boundary_after(after, s.len()))
        {
            amount *= f;
            end += sp + s.len();
        }
    }
    if !boundary_after(text, end) || end - j > MAX_SPAN {
        return None;
    }
    // Not part of a longer number, a version or a date (`1.2.3`, `10/12`).
    if text[end..].starts_with(['/', '%']) {
        return None;
    }
    Some((amount, end))
}

fn starts_with_ignore_case(s: &str, prefix: &str) -> bool {
    s.len() >= prefix.len()
        && s.is_char_boundary(prefix.len())
        && s[..prefix.len()].eq_ignore_ascii_case(prefix)
}

/// The digits and separators at `j`: the value and where it ends.
fn number(text: &str, j: usize) -> Option<(f64, usize)> {
    let bytes = text.as_bytes();
    if !bytes.get(j)?.is_ascii_digit() {
        return None;
    }
    let mut end = j;
    while end < bytes.len() && end - j < MAX_NUMBER {
        let b = bytes[end];
        let sep_then_digit =
            (b == b',' || b == b'.') && bytes.get(end + 1).is_some_and(u8::is_ascii_digit);
        if b.is_ascii_digit() || sep_then_digit {
            end += 1;
        } else {
            break;
        }
    }
    if end - j >= MAX_NUMBER {
        return None;
    }
    let s = &text[j..end];
    let commas = s.matches(',').count();
    let dots = s.matches('.').count();
    let decimal = match (commas, dots) {
        (0, 0) => None,
        (_, 0) | (0, _) => {
            let sep = if commas > 0 { ',' } else { '.' };
            let count = commas + dots;
            let after = s.rsplit(sep).next().map_or(0, str::len);
            if count == 1 && after != 3 {
                Some(sep)
            } else {
                None
            }
        }
        _ => {
            let last_comma = s.rfind(',').unwrap_or(0);
            let last_dot = s.rfind('.').unwrap_or(0);
            Some(if last_comma > last_dot { ',' } else { '.' })
        }
    };
    // Groups after the first must be three digits (thousands).
    let (int, frac) = match decimal {
        Some(d) => {
            let (a, b) = s.rsplit_once(d)?;
            (a, Some(b))
        }
        None => (s, None),
    };
    let mut groups = int.split([',', '.']);
    let first = groups.next()?;
    if first.is_empty() || first.len() > 18 {
        return None;
    }
    let mut digits = first.to_string();
    for g in groups {
        if g.len() != 3 {
            return None;
        }
        digits.push_str(g);
    }
    if let Some(f) = frac {
        if f.len() > 3 || f.contains([',', '.']) {
            return None;
        }
        digits.push('.');
        digits.push_str(f);
    }
    let v: f64 = digits.parse().ok()?;
    Some((v, end))
}

/// `CODE amount`, the amount without separators and at most two decimals.
fn value(code: &str, amount: f64) -> String {
    let cents = (amount * 100.0).round();
    if cents % 100.0 == 0.0 {
        format!("{code} {:.0}", cents / 100.0)
    } else {
        let s = format!("{:.2}", cents / 100.0);
        format!("{code} {}", s.trim_end_matches('0'))
    }
}
