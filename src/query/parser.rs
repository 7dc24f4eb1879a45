//! The parser: recursive descent over the tokens (`OR` binds loosest, then
//! `AND`/juxtaposition, then `NOT`/`-`), field names and their values
//! (domains, prefixes, fuzzy words), depth-limited, with a positioned
//! [`QueryError`] for every mistake; the tree it returns is normalised.

use std::ops::Range;

use super::dates::date_value;
use super::lexer::{Kind, Token, lex};
use super::{Field, Flag, Mode, NAMED_FIELDS, Query, QueryError, Result};

/// How deep groups and negations may nest; deeper input is an error rather
/// than a stack overflow.
const MAX_DEPTH: usize = 100;

/// Parses a query written in the query language (see [`crate::query`]).
pub fn parse(input: &str) -> Result<Query> {
    if input.trim().is_empty() {
        return Err(QueryError::new("empty query", 0..0));
    }
    let mut p = Parser {
        toks: lex(input)?,
        pos: 0,
        depth: 0,
    };
    let q = p.or(Field::Any)?;
    match p.peek() {
        None => Ok(q),
        Some(t) => Err(QueryError::new(
            "unexpected ): there is no ( to match it",
            t.span.clone(),
        )),
    }
}

struct Parser {
    toks: Vec<Token>,
    pos: usize,
    depth: usize,
}

fn is_keyword(tok: &Token, kw: &str) -> bool {
    matches!(&tok.kind, Kind::Word(w) if w == kw)
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.toks.get(self.pos)
    }

    fn bump(&mut self) -> Option<Token> {
        let t = self.toks.get(self.pos).cloned();
        if t.is_some() {
            self.pos += 1;
        }
        t
    }

    /// The token right after the one just consumed, if it touches it.
    fn adjacent(&self, end: usize) -> Option<&Token> {
        self.peek().filter(|t| t.span.start == end)
    }

    /// True where no operand can start: the end, `)`, `OR`, `AND`.
    fn operand_missing(&self) -> bool {
        match self.peek() {
            None => true,
            Some(t) => t.kind == Kind::RParen || is_keyword(t, "OR") || is_keyword(t, "AND"),
        }
    }

    fn enter(&mut self, span: &Range<usize>) -> Result<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(QueryError::new("query is nested too deeply", span.clone()));
        }
        Ok(())
    }

    fn or(&mut self, field: Field) -> Result<Query> {
        let mut items = vec![self.and(field)?];
        while let Some(t) = self.peek().filter(|t| is_keyword(t, "OR")) {
            let span = t.span.clone();
            self.pos += 1;
            if self.operand_missing() {
                return Err(QueryError::new("OR needs something on its right", span));
            }
            items.push(self.and(field)?);
        }
        Ok(make_or(items))
    }

    fn and(&mut self, field: Field) -> Result<Query> {
        let mut items = Vec::new();
        while let Some(t) = self.peek() {
            if t.kind == Kind::RParen {
                break;
            }
            let span = t.span.clone();
            if is_keyword(t, "OR") || is_keyword(t, "AND") {
                let kw = if is_keyword(t, "OR") { "OR" } else { "AND" };
                if items.is_empty() {
                    return Err(QueryError::new(
                        format!("{kw} needs something on its left"),
                        span,
                    ));
                }
                if kw == "OR" {
                    break;
                }
                self.pos += 1;
                if self.operand_missing() {
                    return Err(QueryError::new("AND needs something on its right", span));
                }
                continue;
            }
            items.push(self.unary(field)?);
        }
        if items.is_empty() {
            // Only a `)` can stop the loop before the first operand: at the
            // top (`) a`), since groups and operators check for it.
            return Err(match self.peek() {
                Some(t) => {
                    QueryError::new("unexpected ): there is no ( to match it", t.span.clone())
                }
                None => QueryError::new("expected a search term", 0..0),
            });
        }
        Ok(make_and(items))
    }

    fn unary(&mut self, field: Field) -> Result<Query> {
        let Some(tok) = self.peek().cloned() else {
            return Err(QueryError::new("expected a search term", 0..0));
        };
        self.enter(&tok.span)?;
        let q = if is_keyword(&tok, "NOT") {
            self.pos += 1;
            if self.operand_missing() {
                return Err(QueryError::new("NOT needs something after it", tok.span));
            }
            Query::Not(Box::new(self.unary(field)?))
        } else if tok.kind == Kind::Minus {
            self.pos += 1;
            let glued = self.adjacent(tok.span.end).is_some();
            if !glued || self.operand_missing() {
                return Err(QueryError::new(
                    "- needs a word right after it, e.g. -spam",
                    tok.span,
                ));
            }
            Query::Not(Box::new(self.unary(field)?))
        } else {
            self.primary(field)?
        };
        self.depth -= 1;
        Ok(q)
    }

    fn primary(&mut self, field: Field) -> Result<Query> {
        let Some(tok) = self.bump() else {
            return Err(QueryError::new("expected a search term", 0..0));
        };
        match tok.kind {
            Kind::LParen => self.group(tok.span, field),
            Kind::Phrase(text) => phrase(text, tok.span, field),
            Kind::Word(w) => self.word(&w, tok.span, field),
            Kind::RParen => Err(QueryError::new(
                "unexpected ): there is no ( to match it",
                tok.span,
            )),
            Kind::Minus => Err(QueryError::new(
                "- needs a word right after it, e.g. -spam",
                tok.span,
            )),
        }
    }

    /// After `(`: the group up to its `)`.
    fn group(&mut self, open: Range<usize>, field: Field) -> Result<Query> {
        let unclosed = || QueryError::new("unclosed (: add a matching )", open.clone());
        match self.peek() {
            None => return Err(unclosed()),
            Some(t) if t.kind == Kind::RParen => {
                return Err(QueryError::new("empty parentheses", open.start..t.span.end));
            }
            Some(_) => {}
        }
        let q = self.or(field)?;
        match self.bump() {
            Some(t) if t.kind == Kind::RParen => Ok(q),
            _ => Err(unclosed()),
        }
    }

    fn word(&mut self, w: &str, span: Range<usize>, field: Field) -> Result<Query> {
        if w.chars().all(|c| c == '*') {
            return Ok(Query::All);
        }
        let Some(colon) = w.find(':').filter(|&i| i > 0) else {
            return value(w, span, field);
        };
        let name = &w[..colon];
        let val = &w[colon + 1..];
        let vspan = span.start + colon + 1..span.end;
        let special = SPECIAL_NAMES
            .into_iter()
            .find(|s| s.eq_ignore_ascii_case(name));
        if let Some(kind) = special {
            if val.is_empty() {
                let quoted = self
                    .adjacent(span.end)
                    .is_some_and(|t| matches!(t.kind, Kind::Phrase(_) | Kind::LParen));
                let msg = match (kind, quoted) {
                    ("has", true) => "has: takes a plain word: has:attachment, has:note, has:phone",
                    ("has", false) => "has: needs a value: has:attachment, has:note, has:phone",
                    ("is", true) => "is: takes a plain word: is:duplicate",
                    ("is", false) => "is: needs a value: is:duplicate",
                    (_, true) => {
                        "dates are written without quotes or parentheses, e.g. date:2016-02-29"
                    }
                    (_, false) => "missing date, e.g. date:2016-02-29",
                };
                return Err(QueryError::new(msg, span));
            }
            if kind == "has" {
                let is = |names: [&str; 2]| names.iter().any(|n| n.eq_ignore_ascii_case(val));
                return if is(["attachment", "attachments"]) {
                    Ok(Query::HasAttachment)
                } else if is(["note", "notes"]) {
                    Ok(Query::HasNote)
                } else if let Some(kind) = has_pattern(val) {
                    Ok(Query::HasPattern(kind))
                } else {
                    Err(QueryError::new(
                        "unknown has: value; use has:attachment, has:note, has:phone, \
                         has:email, has:url, has:iban or has:money",
                        vspan,
                    ))
                };
            }
            if kind == "is" {
                return Flag::parse(val).map(Query::Is).ok_or_else(|| {
                    let known: Vec<String> = Flag::ALL
                        .iter()
                        .map(|(f, _)| format!("is:{}", f.name()))
                        .collect();
                    QueryError::new(
                        format!("unknown is: value; use {}", known.join(", ")),
                        vspan,
                    )
                });
            }
            return date_value(kind, val, vspan);
        }
        let Some(f) = Field::parse(name) else {
            let glued = self
                .adjacent(span.end)
                .is_some_and(|t| matches!(t.kind, Kind::Phrase(_) | Kind::LParen));
            if looks_like_field(name, val, glued) {
                return Err(unknown_field(name, span.start..span.start + colon));
            }
            // Not written as a field (`10:30`, `http://x.org`, `Re:`): a word.
            return value(w, span, field);
        };
        if f == Field::Dkim && !val.is_empty() && crate::dkim::Verdict::parse(val).is_none() {
            let known: Vec<String> = crate::dkim::Verdict::ALL
                .iter()
                .map(|v| format!("dkim:{}", v.as_str()))
                .collect();
            return Err(QueryError::new(
                format!("unknown dkim: value; use {}", known.join(", ")),
                vspan,
            ));
        }
        if !val.is_empty() {
            return value(val, vspan, f);
        }
        match self.adjacent(span.end).map(|t| t.kind.clone()) {
            Some(Kind::Phrase(text)) => {
                let t = self.bump().map_or(span.clone(), |t| t.span);
                phrase(text, t, f)
            }
            Some(Kind::LParen) => {
                let t = self.bump().map_or(span.clone(), |t| t.span);
                self.group(t, f)
            }
            _ => Err(QueryError::new(
                format!(
                    "{0}: needs a value, e.g. {0}:word or {0}:\"two words\"",
                    f.name()
                ),
                span,
            )),
        }
    }
}

/// Names with a meaning of their own rather than a text field.
const SPECIAL_NAMES: [&str; 5] = ["has", "is", "date", "after", "before"];

/// URL schemes written without `//` after the colon: `mailto:ann@x.org` is a word.
const BARE_SCHEMES: [&str; 6] = ["mailto", "tel", "sip", "urn", "news", "magnet"];

/// Whether `name:val` (whose name is no known field) is written as a field,
/// so that it is an error rather than a word: the name is two or more ASCII
/// letters (`-` and `_` allowed after the first) and not a bare URL scheme,
/// and a value follows the colon (`glued`: a `"…"` or `(` right after it)
/// that starts with neither `/` (`http://x.org`) nor `:` (`std::vector`).
/// So `10:30`, `C:\path`, `fe80::1`, `Re:` and `mailto:a@b.org` are words.
fn looks_like_field(name: &str, val: &str, glued: bool) -> bool {
    let mut chars = name.chars();
    let name_ok = name.len() >= 2
        && chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphabetic() || c == '-' || c == '_');
    let has_value = if val.is_empty() {
        glued
    } else {
        !val.starts_with(['/', ':'])
    };
    name_ok && has_value && !BARE_SCHEMES.iter().any(|s| s.eq_ignore_ascii_case(name))
}

/// The error for `tag:x`: the field names there are, and the way out.
fn unknown_field(name: &str, span: Range<usize>) -> QueryError {
    let known: Vec<&str> = NAMED_FIELDS
        .iter()
        .map(|f| f.name())
        .chain(SPECIAL_NAMES)
        .collect();
    QueryError::new(
        format!(
            "unknown field \"{name}\": known fields are {}; quote it to search the text",
            known.join(", ")
        ),
        span,
    )
}

fn phrase(text: String, span: Range<usize>, field: Field) -> Result<Query> {
    if text.trim().is_empty() {
        return Err(QueryError::new(
            "empty quotes: put words between them",
            span,
        ));
    }
    Ok(Query::Phrase { field, text })
}

/// A word (after any field name): a domain, a fuzzy word, a prefix or a
/// plain word.
/// The pattern kind of a `has:` value (`phone`, `phones`, `email`,
/// `url`, `link`, `iban`, `money`; any case).
fn has_pattern(val: &str) -> Option<crate::patterns::Kind> {
    use crate::patterns::Kind;
    let v = val.to_ascii_lowercase();
    Some(match v.as_str() {
        "phone" | "phones" => Kind::Phone,
        "email" | "emails" => Kind::Email,
        "url" | "urls" | "link" | "links" => Kind::Url,
        "iban" | "ibans" => Kind::Iban,
        "money" | "amount" | "amounts" => Kind::Money,
        _ => return None,
    })
}

fn value(v: &str, span: Range<usize>, field: Field) -> Result<Query> {
    if field == Field::Mentions {
        // Taken whole (`+1-202-555-0143`, `$1.2m`, `@` and `*` included):
        // normalised at search time.
        return Ok(Query::Term {
            field,
            text: v.to_string(),
            mode: Mode::Exact,
        });
    }
    if let Some(domain) = v.strip_prefix('@') {
        if !field.takes_domain() {
            return Err(QueryError::new(
                "@domain works only in from:, to:, cc: and bcc:; quote it to search the text",
                span,
            ));
        }
        if domain.is_empty() {
            return Err(QueryError::new(
                "missing domain after @, e.g. @dnc.org",
                span,
            ));
        }
        if domain.contains(['@', '*']) {
            return Err(QueryError::new(
                "bad domain: write it as @dnc.org (it covers every address there)",
                span,
            ));
        }
        return Ok(Query::Domain {
            field,
            domain: domain.to_string(),
        });
    }
    if v.chars().all(|c| c == '*') {
        return Err(QueryError::new(
            format!(
                "{0}:* would match everything; use * or a prefix like {0}:ann*",
                field.name()
            ),
            span,
        ));
    }
    let term = |text: &str, mode| Query::Term {
        field,
        text: text.to_string(),
        mode,
    };
    if let Some(t) = v.rfind('~') {
        let (stem, digits) = (&v[..t], &v[t + 1..]);
        if !stem.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            return match digits {
                "" | "1" => Ok(term(stem, Mode::Fuzzy(1))),
                "2" => Ok(term(stem, Mode::Fuzzy(2))),
                _ => Err(QueryError::new(
                    "fuzzy distance must be 1 or 2: word~ or word~2",
                    span.start + t..span.end,
                )),
            };
        }
    }
    if let Some(stem) = v.strip_suffix('*') {
        return Ok(term(stem, Mode::Prefix));
    }
    Ok(term(v, Mode::Exact))
}

fn make_and(items: Vec<Query>) -> Query {
    let mut out = Vec::with_capacity(items.len());
    for q in items {
        match q {
            Query::And(inner) => out.extend(inner.into_iter().filter(|q| *q != Query::All)),
            Query::All => {}
            q => out.push(q),
        }
    }
    if out.iter().all(|q| matches!(q, Query::Not(_))) {
        out.insert(0, Query::All);
    }
    if out.len() == 1 {
        return out.remove(0);
    }
    Query::And(out)
}

fn make_or(items: Vec<Query>) -> Query {
    let mut out = Vec::with_capacity(items.len());
    for q in items {
        match q {
            Query::Or(inner) => out.extend(inner),
            q => out.push(q),
        }
    }
    if out.len() == 1 {
        return out.remove(0);
    }
    Query::Or(out)
}
