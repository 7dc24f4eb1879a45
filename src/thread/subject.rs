//! A thread's subject: reply and forward prefixes ("Re:", "Fwd:", "AW:",
//! "RE[2]:", ...) stripped from a message's subject.

/// Reply and forward prefixes, compared case-insensitively.
const SUBJECT_PREFIXES: &[&str] = &[
    "re", "fw", "fwd", "aw", "wg", "sv", "vs", "antw", "rif", "tr", "odp", "res", "enc",
];

/// `subject` without leading reply/forward prefixes ("Re: Fwd: RE[2]: x"
/// gives "x"), trimmed.
pub fn strip_subject_prefixes(subject: &str) -> &str {
    let mut s = subject.trim();
    while let Some(rest) = strip_one_prefix(s) {
        s = rest.trim_start();
    }
    s.trim_end()
}

fn strip_one_prefix(s: &str) -> Option<&str> {
    let b = s.as_bytes();
    let word = b.iter().take_while(|c| c.is_ascii_alphabetic()).count();
    if !SUBJECT_PREFIXES
        .iter()
        .any(|p| p.eq_ignore_ascii_case(&s[..word]))
    {
        return None;
    }
    let mut i = word;
    // "Re[2]:" and "Re(2):"
    if let Some(close) = match b.get(i) {
        Some(b'[') => Some(b']'),
        Some(b'(') => Some(b')'),
        _ => None,
    } {
        let digits = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 || b.get(i + 1 + digits) != Some(&close) {
            return None;
        }
        i += digits + 2;
    }
    while b.get(i) == Some(&b' ') {
        i += 1;
    }
    let rest = &s[i..];
    rest.strip_prefix(':').or_else(|| rest.strip_prefix('：'))
}

/// A subject as a thread shows it: prefixes stripped; `None` if nothing
/// is left.
pub(super) fn clean_subject(subject: Option<&str>) -> Option<String> {
    let s = strip_subject_prefixes(subject?);
    (!s.is_empty()).then(|| s.to_owned())
}
