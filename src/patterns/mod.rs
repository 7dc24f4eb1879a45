//! Patterns in the text: phone numbers, e-mail addresses, URLs (and their
//! domains), IBANs and amounts of money mentioned in a message's body, its
//! other renderings and its attachments' text, each normalised so that
//! two spellings of one value are one value.
//!
//! Found at import by the parse workers (through
//! [`crate::index::Fields::document`], so a reindex or the catch-up of an
//! index of an older schema finds them too), stored in the search index
//! as exact terms `kind:value` ([`Mention::term`]), searched with
//! `mentions:` and `has:phone|email|url|iban|money`, counted as facets,
//! listed by `mailsift patterns`, shown in the reading pane and exported.
//!
//! Each kind has its recogniser: [`phone`] (candidates found by hand,
//! then parsed and validated with libphonenumber's metadata through the
//! `phonenumber` crate), [`links`] (`linkify`: URLs and e-mail addresses),
//! [`iban`] (`iban_validate`: country format and checksum) and [`money`]
//! (by hand: no maintained crate reads "$1.2m" or "5 million dollars").
//! Precision matters more than recall: what is not clearly a value of its
//! kind is left out (dates, times, message ids, ZIP codes, order numbers
//! and card-like runs are not phone numbers).
//!
//! The work per message is bounded: at most [`MAX_TEXT`] bytes of text
//! are read (each part cut at a character boundary), at most
//! [`MAX_VALUES`] distinct values kept, and every recogniser looks a
//! bounded distance ahead of where it starts, so the time is linear in the
//! text read.

pub mod iban;
pub mod links;
pub mod money;
pub mod phone;
#[cfg(test)]
mod tests;

use std::collections::BTreeSet;
use std::fmt;
use std::ops::Range;

use crate::model::Message;

/// Bytes of text read per message (body, alternatives and attachment
/// texts together); the rest is not looked at.
pub const MAX_TEXT: usize = 1 << 20;

/// Distinct values kept per message.
pub const MAX_VALUES: usize = 256;

/// The kinds of values found in the text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// A phone number, E.164 (`+12025550143`) where the country is known.
    Phone,
    /// An e-mail address mentioned in the text, lower case.
    Email,
    /// A web address (`http`, `https`, `ftp` or `www.`).
    Url,
    /// The host of a URL, lower case, without `www.`.
    Domain,
    /// An IBAN, electronic form (`DE89370400440532013000`).
    Iban,
    /// An amount of money: ISO currency code and amount (`USD 1200000`).
    Money,
}

impl Kind {
    /// Every kind, in the order they are listed.
    pub const ALL: [Kind; 6] = [
        Kind::Phone,
        Kind::Email,
        Kind::Url,
        Kind::Domain,
        Kind::Iban,
        Kind::Money,
    ];

    /// The kind's name in terms, `has:`, `--kind` and export columns.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Phone => "phone",
            Kind::Email => "email",
            Kind::Url => "url",
            Kind::Domain => "domain",
            Kind::Iban => "iban",
            Kind::Money => "money",
        }
    }

    /// The kind of a name (as [`Kind::name`] writes it; case ignored).
    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(name))
    }

    /// What the window calls the values of this kind.
    pub fn title(self) -> &'static str {
        match self {
            Kind::Phone => "Phone numbers mentioned",
            Kind::Email => "E-mail addresses mentioned",
            Kind::Url => "Links",
            Kind::Domain => "Domains linked",
            Kind::Iban => "IBANs",
            Kind::Money => "Money",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One normalised value.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Mention {
    /// Its kind.
    pub kind: Kind,
    /// The normalised value (see [`Kind`]).
    pub value: String,
}

impl Mention {
    /// A value of a kind.
    pub fn new(kind: Kind, value: impl Into<String>) -> Mention {
        Mention {
            kind,
            value: value.into(),
        }
    }

    /// The exact term the index holds for it: `kind:value`.
    pub fn term(&self) -> String {
        format!("{}:{}", self.kind.name(), self.value)
    }

    /// The value of a term written by [`Mention::term`].
    pub fn from_term(term: &str) -> Option<Mention> {
        let (kind, value) = term.split_once(':')?;
        Some(Mention::new(Kind::from_name(kind)?, value))
    }
}

/// A value found at a place in a text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    /// The value.
    pub mention: Mention,
    /// Where it is written, in bytes of the text.
    pub span: Range<usize>,
}

/// What the recognisers may assume about a text: the country a phone
/// number written without its country code belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Context {
    /// Two-letter country (ISO 3166) for national phone numbers.
    pub region: phonenumber::country::Id,
}

impl Default for Context {
    /// National numbers are read as North American ones (most published
    /// collections are American) unless the message says otherwise.
    fn default() -> Context {
        Context {
            region: phonenumber::country::Id::US,
        }
    }
}

impl Context {
    /// The context of a message: the country of its sender's country-code
    /// domain (`.de`, `.co.uk`), else the default.
    pub fn of(msg: &Message) -> Context {
        let tld = msg
            .from
            .first()
            .and_then(|a| a.addr.rsplit_once('.'))
            .map(|(_, t)| t.trim_end_matches('>').to_ascii_uppercase());
        let region = tld
            .filter(|t| t.len() == 2)
            .map(|t| if t == "UK" { "GB".to_string() } else { t })
            .and_then(|t| t.parse::<phonenumber::country::Id>().ok());
        region.map_or_else(Context::default, |region| Context { region })
    }
}

/// Every value found in `text`, in text order, spans not overlapping
/// (an IBAN, an amount, a link or an address wins over a phone number
/// inside it). At most [`MAX_TEXT`] bytes are read.
pub fn find(text: &str, cx: &Context) -> Vec<Found> {
    let text = cut(text, MAX_TEXT);
    let mut out = iban::find(text);
    let taken = |out: &[Found], span: &Range<usize>| {
        out.iter()
            .any(|f| f.span.start < span.end && span.start < f.span.end)
    };
    for f in money::find(text) {
        if !taken(&out, &f.span) {
            out.push(f);
        }
    }
    // A URL and its domain share a span: both are kept.
    let links: Vec<Found> = links::find(text)
        .into_iter()
        .filter(|f| !taken(&out, &f.span))
        .collect();
    out.extend(links);
    let phones = phone::find(text, cx);
    for f in phones {
        if !taken(&out, &f.span) {
            out.push(f);
        }
    }
    out.sort_by_key(|f| (f.span.start, f.span.end));
    out
}

/// The distinct values of a message (body, other renderings, attachment
/// texts), sorted, at most [`MAX_VALUES`], reading at most [`MAX_TEXT`]
/// bytes in all.
pub fn of_message(msg: &Message) -> Vec<Mention> {
    let cx = Context::of(msg);
    let mut left = MAX_TEXT;
    let mut set: BTreeSet<Mention> = BTreeSet::new();
    let texts = std::iter::once(msg.body_text.as_str())
        .chain(msg.alternatives.iter().map(|a| a.text.as_str()))
        .chain(msg.attachments.iter().filter_map(|a| a.text.as_deref()));
    for text in texts {
        if left == 0 || set.len() >= MAX_VALUES {
            break;
        }
        let part = cut(text, left);
        left -= part.len();
        for f in find(part, &cx) {
            if set.len() >= MAX_VALUES {
                break;
            }
            set.insert(f.mention);
        }
    }
    set.into_iter().collect()
}

/// The values a `mentions:` search term stands for: what was typed read
/// as each kind it can be, normalised as extraction normalises it (any
/// spelling of a phone number, a URL's domain, an IBAN with or without
/// spaces, an address in any case, an amount).
pub fn query_values(text: &str) -> Vec<Mention> {
    let text = text.trim();
    let mut out: Vec<Mention> = Vec::new();
    if let Some(m) = Mention::from_term(text)
        && !m.value.is_empty()
        && !text.contains("://")
    {
        // Already a term (`phone:+12025550143`), as facets write them.
        return vec![m];
    }
    if let Some(v) = iban::normalise(text) {
        out.push(Mention::new(Kind::Iban, v));
    }
    if let Some(v) = phone::normalise(text, &Context::default()) {
        out.push(Mention::new(Kind::Phone, v));
    }
    if let Some(v) = money::normalise(text) {
        out.push(Mention::new(Kind::Money, v));
    }
    if text.contains('@') && !text.contains('/') {
        out.push(Mention::new(Kind::Email, text.to_lowercase()));
    } else if let Some(url) = links::normalise_url(text) {
        // A whole URL finds that URL, not every link to its site.
        out.push(Mention::new(Kind::Url, url));
    } else if !text.contains(char::is_whitespace)
        && let Some(host) = links::host_of(text)
    {
        out.push(Mention::new(Kind::Domain, host));
    }
    out.dedup();
    out
}

/// The longest prefix of `text` of at most `max` bytes ending at a
/// character boundary.
fn cut(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Whether the byte before `at` ends a word (start of text, or not a
/// letter, digit or underscore).
fn boundary_before(text: &str, at: usize) -> bool {
    text[..at]
        .chars()
        .next_back()
        .is_none_or(|c| !(c.is_alphanumeric() || c == '_'))
}

/// Whether the text from `at` starts a new word (end of text, or not a
/// letter, digit or underscore).
fn boundary_after(text: &str, at: usize) -> bool {
    text[at..]
        .chars()
        .next()
        .is_none_or(|c| !(c.is_alphanumeric() || c == '_'))
}
