//! URLs and e-mail addresses, found by `linkify` (boundaries right around
//! punctuation, parentheses and quotes).
//!
//! A URL counts when it has a web scheme (`http`, `https`, `ftp`) or
//! starts with `www.`; its scheme and host are lower cased, `www.` kept in
//! the URL but not in its [`Kind::Domain`] value. URLs longer than
//! [`MAX_URL`] bytes are left out (tracking links, data). An e-mail
//! address is lower cased; local parts that look like message ids or
//! tracking tokens (longer than 40 characters, or more than half digits
//! over 10 of them) are left out.

use linkify::{LinkFinder, LinkKind};

use super::{Found, Kind, Mention};

/// Longest URL kept, in bytes.
pub const MAX_URL: usize = 500;

/// URLs, their domains and e-mail addresses in `text`. A URL's domain is
/// found at the URL's place (one [`Found`] each).
pub fn find(text: &str) -> Vec<Found> {
    let mut finder = LinkFinder::new();
    finder.url_must_have_scheme(false);
    let mut out = Vec::new();
    for link in finder.links(text) {
        let span = link.start()..link.end();
        match link.kind() {
            LinkKind::Email => {
                if let Some(v) = email(link.as_str()) {
                    out.push(Found {
                        mention: Mention::new(Kind::Email, v),
                        span,
                    });
                }
            }
            LinkKind::Url => {
                let Some(url) = normalise_url(link.as_str()) else {
                    continue;
                };
                if let Some(host) = host_of(&url) {
                    out.push(Found {
                        mention: Mention::new(Kind::Domain, host),
                        span: span.clone(),
                    });
                }
                out.push(Found {
                    mention: Mention::new(Kind::Url, url),
                    span,
                });
            }
            _ => {}
        }
    }
    out
}

/// An address mentioned in the text, lower case, unless it looks like a
/// message id or a token.
fn email(text: &str) -> Option<String> {
    let (local, domain) = text.rsplit_once('@')?;
    let digits = local.chars().filter(char::is_ascii_digit).count();
    if local.len() > 40 || (digits > 10 && digits * 2 > local.len()) || !domain.contains('.') {
        return None;
    }
    Some(text.to_lowercase())
}

/// A URL as it is stored: scheme and host lower case; None unless it has
/// a web scheme or starts with `www.`, or when longer than [`MAX_URL`].
pub fn normalise_url(text: &str) -> Option<String> {
    let text = text.trim();
    if text.len() > MAX_URL || text.is_empty() || text.contains(char::is_whitespace) {
        return None;
    }
    let (scheme, rest) = match text.split_once("://") {
        Some((s, r)) => (s.to_ascii_lowercase(), r),
        None if text.len() > 4 && text[..4].eq_ignore_ascii_case("www.") => {
            ("http".to_string(), text)
        }
        None => return None,
    };
    if !matches!(scheme.as_str(), "http" | "https" | "ftp") {
        return None;
    }
    let host_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (host, path) = rest.split_at(host_end);
    let host = host.to_lowercase();
    if host.is_empty() || !host.contains('.') {
        return None;
    }
    Some(format!("{scheme}://{host}{path}"))
}

/// The host of a URL (or of a bare domain), lower case, without `www.`,
/// a port or credentials; None unless it has a dot and only host
/// characters.
pub fn host_of(url: &str) -> Option<String> {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    let host = host.split(':').next().unwrap_or("");
    let host = host.trim_end_matches('.').to_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host).to_string();
    let ok = host.contains('.')
        && !host.starts_with('.')
        && !host.contains("..")
        && host
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '.');
    ok.then_some(host)
}

/// The host and its parent domains (not the bare top-level domain):
/// `my.dnc.org` → `my.dnc.org`, `dnc.org`; what `mentions:dnc.org` finds.
pub fn host_suffixes(host: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = host;
    while rest.contains('.') {
        out.push(rest);
        rest = match rest.split_once('.') {
            Some((_, r)) => r,
            None => break,
        };
    }
    out
}
