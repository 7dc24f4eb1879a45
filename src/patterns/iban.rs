//! IBANs: two capital letters, two check digits and up to 30 letters and
//! digits, written in one piece or in groups separated by single spaces;
//! validated by `iban_validate` (the country's length and format, and the
//! ISO 7064 mod-97 checksum). A run that does not validate is tried again
//! without its last group (the word after an IBAN may be in capitals), so
//! at most eight tries per start; the scan looks at most 45 bytes ahead.

use ::iban::{Iban, IbanLike};

use super::{Found, Kind, Mention, boundary_after, boundary_before};

/// Bytes an IBAN in print form may span (34 characters and spaces).
const MAX_SPAN: usize = 45;

/// Every valid IBAN in `text`.
pub fn find(text: &str) -> Vec<Found> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 15 <= bytes.len() {
        let starts = bytes[i].is_ascii_uppercase()
            && bytes[i + 1].is_ascii_uppercase()
            && bytes[i + 2].is_ascii_digit()
            && bytes[i + 3].is_ascii_digit()
            && boundary_before(text, i);
        if !starts {
            i += 1;
            continue;
        }
        match at(text, i) {
            Some((value, end)) => {
                out.push(Found {
                    mention: Mention::new(Kind::Iban, value),
                    span: i..end,
                });
                i = end;
            }
            None => i += 1,
        }
    }
    out
}

/// The IBAN starting at `i` and where it ends.
fn at(text: &str, i: usize) -> Option<(String, usize)> {
    let bytes = text.as_bytes();
    let limit = (i + MAX_SPAN).min(bytes.len());
    // Ends of groups: candidates for the IBAN's end.
    let mut ends = Vec::new();
    let mut j = i;
    while j < limit {
        let b = bytes[j];
        if b.is_ascii_uppercase() || b.is_ascii_digit() {
            j += 1;
            if j == bytes.len() || !(bytes[j].is_ascii_uppercase() || bytes[j].is_ascii_digit()) {
                ends.push(j);
            }
        } else if b == b' ' && j > i && bytes[j - 1] != b' ' {
            j += 1;
        } else {
            break;
        }
    }
    for &end in ends.iter().rev().take(8) {
        if !boundary_after(text, end) {
            continue;
        }
        if let Some(v) = normalise(&text[i..end]) {
            return Some((v, end));
        }
    }
    None
}

/// The electronic form of an IBAN written with or without spaces (any
/// case), if valid.
pub fn normalise(text: &str) -> Option<String> {
    let compact: String = text
        .chars()
        .filter(|c| *c != ' ')
        .collect::<String>()
        .to_ascii_uppercase();
    if !(15..=34).contains(&compact.len()) || !compact.chars().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    let iban: Iban = compact.parse().ok()?;
    Some(iban.electronic_str().to_string())
}
