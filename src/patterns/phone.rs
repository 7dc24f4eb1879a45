//! Phone numbers: candidates found by hand, then parsed, validated and
//! written in E.164 by the `phonenumber` crate (libphonenumber's metadata).
//!
//! A candidate is a run of digits and single separators (space, `-`, `.`,
//! parentheses around a group), optionally after `+`, standing alone
//! (not inside a word, an address, a path or a longer number) with 7 to 15
//! digits (E.164's range). Before the metadata is asked, shapes that are
//! something else are refused: dates (`2016-05-12`, `12.05.2016`),
//! runs with `/` or `:` (dates, times, paths), card-like groups
//! (`4111 1111 1111 1111`, `3782 822463 10005`), ZIP+4 codes
//! (`20500-0003`), bare digit runs without `+` (order, invoice and
//! account numbers), a run after `#`, `No.`, `invoice`, `order`, `ref`
//! and the like, and one after a currency sign. What is left must be a
//! valid number: with `+` or `00` for its own country, else for the
//! context's country (national format); a number valid nowhere is left
//! out. The scan looks at most [`MAX_RUN`] bytes ahead from a start, and
//! at most [`MAX_CANDIDATES`] candidates of a text go to the parser.

use phonenumber::Mode;

use super::{Context, Found, Kind, Mention, boundary_after};

/// Bytes a candidate may span.
pub const MAX_RUN: usize = 32;

/// Candidates per text handed to the (costlier) parser.
pub const MAX_CANDIDATES: usize = 512;

/// Words that, just before a number, say it is not a phone number.
const NOT_PHONE_BEFORE: &[&str] = &[
    "#",
    "no",
    "nr",
    "num",
    "number",
    "invoice",
    "order",
    "ref",
    "reference",
    "account",
    "acct",
    "a/c",
    "case",
    "ticket",
    "id",
    "po",
    "zip",
    "isbn",
    "serial",
    "version",
    "v",
];

/// Every phone number in `text`.
pub fn find(text: &str, cx: &Context) -> Vec<Found> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let mut tried = 0;
    while i < bytes.len() && tried < MAX_CANDIDATES {
        let b = bytes[i];
        let starts = b.is_ascii_digit() || b == b'+' || b == b'(';
        if !starts || !start_ok(text, i) {
            // Skip a word or number that may not start here, whole.
            let word = b.is_ascii_alphanumeric() || b == b'_';
            i += 1;
            while word && i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_')
            {
                i += 1;
            }
            continue;
        }
        let end = run_end(bytes, i);
        tried += 1;
        if let Some(value) = candidate(text, i, end, cx) {
            out.push(Found {
                mention: Mention::new(Kind::Phone, value),
                span: i..end,
            });
        }
        // Past the run and whatever word or number it runs into.
        i = end.max(i + 1);
        while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
            i += 1;
        }
    }
    out
}

/// A phone number typed in a search (`mentions:"+1 202 555 0143"`,
/// `mentions:2025550143`), in E.164. A search says what it means, so
/// only the number's validity is checked, not the shapes [`find`]
/// refuses in running text (a bare run of digits is a number here).
pub fn normalise(text: &str, cx: &Context) -> Option<String> {
    let text = text.trim();
    if text.is_empty() || text.len() > MAX_RUN || run_end(text.as_bytes(), 0) != text.len() {
        return None;
    }
    let digits = text.bytes().filter(u8::is_ascii_digit).count();
    if !(7..=15).contains(&digits) {
        return None;
    }
    parse(text, cx)
}

/// Whether a run may start at `i`: not inside a word or a longer number,
/// an address, a path, a URL or an amount.
fn start_ok(text: &str, i: usize) -> bool {
    let before = text[..i].chars().next_back();
    match before {
        None => true,
        Some(c) if c.is_alphanumeric() || c == '_' => false,
        Some(c) => !matches!(
            c,
            '@' | '/'
                | '\\'
                | ':'
                | '='
                | '&'
                | '?'
                | '%'
                | '.'
                | ','
                | '-'
                | '+'
                | '<'
                | '$'
                | '€'
                | '£'
                | '¥'
                | '#'
                | '*'
                | '~'
        ),
    }
}

/// Where the run of phone characters from `i` ends (bounded by
/// [`MAX_RUN`]); trailing separators are not part of it.
fn run_end(bytes: &[u8], i: usize) -> usize {
    let limit = (i + MAX_RUN + 1).min(bytes.len());
    let mut j = i;
    let mut last_digit = i;
    let mut prev_sep = false;
    while j < limit {
        let b = bytes[j];
        if b.is_ascii_digit() {
            prev_sep = false;
            last_digit = j + 1;
        } else if b == b'+' && j == i {
            prev_sep = true;
        } else if b == b'(' || b == b')' {
            // A closing parenthesis may follow a digit and a separator follow it.
        } else if matches!(b, b' ' | b'-' | b'.') {
            if prev_sep {
                break;
            }
            prev_sep = true;
        } else {
            break;
        }
        j += 1;
    }
    if j == limit && limit < bytes.len() && bytes[limit].is_ascii_digit() {
        // Longer than any phone number: not one.
        return i;
    }
    // Keep a closing parenthesis only when it closes an opened one.
    let mut end = last_digit;
    if end < bytes.len() && bytes[end] == b')' && bytes[i..end].contains(&b'(') {
        let opened = bytes[i..end].iter().filter(|&&b| b == b'(').count();
        let closed = bytes[i..end].iter().filter(|&&b| b == b')').count();
        if opened > closed {
            end += 1;
        }
    }
    end
}

/// The value of the candidate `text[start..end]`, if it is a phone number.
fn candidate(text: &str, start: usize, end: usize, cx: &Context) -> Option<String> {
    if end <= start {
        return None;
    }
    let cand = &text[start..end];
    let digits = cand.bytes().filter(u8::is_ascii_digit).count();
    if !(7..=15).contains(&digits) {
        return None;
    }
    // What follows must not carry the number on (a word, another number
    // joined by `/` or `:`, a decimal, an address).
    if !boundary_after(text, end) {
        return None;
    }
    if let Some(next) = text[end..].chars().next()
        && matches!(next, '/' | ':' | '@' | '%' | '-' | '=')
    {
        return None;
    }
    if text[end..].starts_with(['.', ','])
        && text[end + 1..].starts_with(|c: char| c.is_ascii_digit())
    {
        return None;
    }
    if context_says_not(&text[..start]) {
        return None;
    }
    shape_ok(cand)?;
    parse(cand, cx)
}

/// Refuses shapes that are something else than a phone number; returns
/// the digit groups' lengths.
fn shape_ok(cand: &str) -> Option<Vec<usize>> {
    let plus = cand.starts_with('+');
    let groups: Vec<usize> = cand
        .split(|c: char| !c.is_ascii_digit())
        .filter(|g| !g.is_empty())
        .map(str::len)
        .collect();
    let digits: usize = groups.iter().sum();
    if !(7..=15).contains(&digits) {
        return None;
    }
    let international = plus || cand.starts_with("00");
    if groups.len() == 1 && !international {
        // A bare run of digits: an order, invoice or account number as
        // often as a phone number.
        return None;
    }
    if !cand.starts_with(['+', '(']) && !cand.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let seps: Vec<char> = cand
        .chars()
        .filter(|c| !c.is_ascii_digit() && *c != '+' && *c != '(' && *c != ')')
        .collect();
    let dots = seps.iter().filter(|&&c| c == '.').count();
    if !plus {
        // Dates: 2016-05-12, 12.05.2016, 12-05-2016, 2016.05.12 (and
        // with a time's digits after them, which are not in the run).
        match groups.as_slice() {
            [4, a, b, ..] if *a <= 2 && *b <= 2 => return None,
            [a, b, 4, ..] if *a <= 2 && *b <= 2 => return None,
            [a, b, 2] if *a <= 2 && *b <= 2 && dots > 0 => return None,
            // ZIP+4.
            [5, 4] => return None,
            _ => {}
        }
    }
    // Card-like runs: 4-4-4-4 (more than 15 digits, already out), 4-6-5
    // (American Express), 4-4-4-x.
    match groups.as_slice() {
        [4, 6, 5] | [4, 4, 4, ..] => return None,
        _ => {}
    }
    // Dotted runs with an odd group look like versions or decimals.
    if dots > 0 && groups.contains(&1) && !plus {
        return None;
    }
    Some(groups)
}

/// Whether the words just before a number say it is something else.
fn context_says_not(before: &str) -> bool {
    let tail: String = before
        .chars()
        .rev()
        .take(24)
        .collect::<Vec<char>>()
        .into_iter()
        .rev()
        .collect::<String>()
        .to_lowercase();
    let tail = tail.trim_end_matches([' ', ':', '.', '\t']);
    if tail.ends_with('#') {
        return true;
    }
    let last = tail
        .rsplit(|c: char| c.is_whitespace() || c == '(' || c == '[')
        .next()
        .unwrap_or("")
        .trim_matches(|c: char| !c.is_alphanumeric() && c != '#' && c != '/');
    NOT_PHONE_BEFORE.contains(&last)
}

/// Candidates remembered per thread (the same signature's number recurs
/// in thousands of messages; parsing is the costly step).
const CACHE_MAX: usize = 4096;

thread_local! {
    static CACHE: std::cell::RefCell<std::collections::HashMap<(phonenumber::country::Id, String), Option<String>>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

/// [`parse_uncached`], remembered per thread for the last
/// [`CACHE_MAX`] distinct candidates (the cache is emptied when full).
fn parse(cand: &str, cx: &Context) -> Option<String> {
    let key = (cx.region, cand.to_string());
    if let Some(hit) = CACHE.with(|c| c.borrow().get(&key).cloned()) {
        return hit;
    }
    let value = parse_uncached(cand, cx);
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() >= CACHE_MAX {
            c.clear();
        }
        c.insert(key, value.clone());
    });
    value
}

/// Parses and validates: with `+` or `00` for its own country, else for
/// the context's; the E.164 form of a valid number.
fn parse_uncached(cand: &str, cx: &Context) -> Option<String> {
    let digits_from_00 = cand
        .strip_prefix("00")
        .filter(|r| r.starts_with(|c: char| c.is_ascii_digit()));
    let text = match digits_from_00 {
        Some(rest) => format!("+{rest}"),
        None => cand.to_string(),
    };
    let international = text.starts_with('+');
    let region = (!international).then_some(cx.region);
    let number = crate::contain::contain(|| phonenumber::parse(region, &text).ok())
        .ok()
        .flatten()?;
    if !number.is_valid() {
        return None;
    }
    Some(number.format().mode(Mode::E164).to_string())
}
