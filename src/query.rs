//! The query language: its syntax, the [`Query`] tree, the parser and its
//! typed [`QueryError`]s. There is no search engine here; another module
//! turns a [`Query`] into index queries.
//!
//! The syntax is what investigators know from Gmail, notmuch and Lucene:
//!
//! | written                          | meaning                                        |
//! |----------------------------------|------------------------------------------------|
//! | `budget memo`, `budget AND memo` | both words (implicit AND)                      |
//! | `budget OR memo`                 | either (only upper-case `OR`; `or` is a word)  |
//! | `-spam`, `NOT spam`              | without the word                               |
//! | `(a OR b) c`                     | grouping; `a b OR c` is `(a b) OR c`           |
//! | `"exact phrase"`                 | a phrase; `\"` is a quote inside it            |
//! | `from:ann`, `subject:"q3 plan"`  | a word or phrase in a field                    |
//! | `from:(ann OR bob)`              | the field applies to every term inside         |
//! | `from:@dnc.org`, `@dnc.org`      | every address in a domain (in any address)     |
//! | `word*`, `word~`, `word~2`       | prefix; fuzzy with distance 1 or 2             |
//! | `*`                              | every message                                  |
//! | `has:attachment`                 | messages with attachments                      |
//! | `date:2016`, `date:2016-02`      | a year, month or day (UTC)                     |
//! | `date:2016-02..2016-05`          | a range, both ends included; `A..` and `..B`   |
//! | `after:2016-02-29`, `before:2017`| from the start of / before the start of a date |
//!
//! Fields: `from to cc bcc subject body attachment filename id msgid thread
//! source` (names are case-insensitive). A word with an unknown field name,
//! such as `re:budget` or `http://x.org`, is an ordinary word.
//!
//! [`parse`] returns a normalised tree: single-element `And`/`Or` collapse,
//! nested ones flatten, and a conjunction of only negations gets [`Query::All`]
//! in front so that `-spam` means "everything except spam". `Display` prints
//! a canonical form that parses back to the same tree.

use std::fmt;
use std::ops::Range;

use crate::time::{DAY, civil_from_days, days_from_civil, days_in_month};

/// The query language in one screen (the CLI's `help-query`, the
/// window's syntax popup).
pub const HELP: &str = "\
Words must all match:            budget meeting
Exact phrase:                    \"talking points\"
Either / not / grouping:         moscow OR kiev   -spam   NOT draft   (a OR b) c
Fields (name or address):        from:ann  to:@dnc.org  cc:  bcc:  subject:  body:
Attachments:                     attachment:donor (text inside)  filename:xlsx  has:attachment
Identity:                        id:3f2a9c  msgid:<abc@x>  thread:0123456789abcdef  source:podesta
Dates (UTC):                     after:2016-05-01  before:2016-06  date:2016-05-01..2016-05-31
Prefix and fuzzy:                budg*  moskva~  moskva~2
Everything:                      *
Matching ignores case and accents (Garcia finds García); Cyrillic, Greek and
CJK text is searchable. Results are never capped; the CLI cuts with --limit.
";

/// A parsed query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Query {
    /// `*` alone: every message.
    All,
    /// A word, a prefix (`word*`) or a fuzzy word (`word~`, `word~2`) in a field.
    Term {
        field: Field,
        text: String,
        mode: Mode,
    },
    /// `"exact phrase"` (in a field or in Any).
    Phrase {
        field: Field,
        text: String,
    },
    /// `from:@dnc.org` — every address in that domain (field is
    /// From/To/Cc/Bcc, or Any for any address field).
    Domain {
        field: Field,
        domain: String,
    },
    /// Dates as a half-open interval [start, end) in seconds since the Unix
    /// epoch, UTC.
    Date {
        start: Option<i64>,
        end: Option<i64>,
    },
    /// `has:attachment` (also `has:attachments`).
    HasAttachment,
    And(Vec<Query>),
    Or(Vec<Query>),
    Not(Box<Query>),
}

/// How a [`Query::Term`] matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// The word as written.
    Exact,
    /// Words starting with the text (`word*`).
    Prefix,
    /// Words within this edit distance (`word~` is 1, `word~2` is 2).
    Fuzzy(u8),
}

/// Where a term is looked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Field {
    /// Any text field (no field name written).
    Any,
    From,
    To,
    Cc,
    Bcc,
    Subject,
    Body,
    Attachment,
    Filename,
    Id,
    MsgId,
    Thread,
    Source,
}

const NAMED_FIELDS: [Field; 12] = [
    Field::From,
    Field::To,
    Field::Cc,
    Field::Bcc,
    Field::Subject,
    Field::Body,
    Field::Attachment,
    Field::Filename,
    Field::Id,
    Field::MsgId,
    Field::Thread,
    Field::Source,
];

impl Field {
    /// The name written before the colon (`"from"`, ...); `""` for Any.
    pub fn name(self) -> &'static str {
        match self {
            Field::Any => "",
            Field::From => "from",
            Field::To => "to",
            Field::Cc => "cc",
            Field::Bcc => "bcc",
            Field::Subject => "subject",
            Field::Body => "body",
            Field::Attachment => "attachment",
            Field::Filename => "filename",
            Field::Id => "id",
            Field::MsgId => "msgid",
            Field::Thread => "thread",
            Field::Source => "source",
        }
    }

    /// The field with this name, ignoring ASCII case. Any has no name, so
    /// `""` gives `None`.
    pub fn parse(name: &str) -> Option<Field> {
        NAMED_FIELDS
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(name))
    }

    /// Whether `@domain` makes sense in this field.
    fn takes_domain(self) -> bool {
        matches!(
            self,
            Field::Any | Field::From | Field::To | Field::Cc | Field::Bcc
        )
    }
}

/// Why a query does not parse, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryError {
    /// Short, lower-case, with a hint when the fix is obvious.
    pub message: String,
    /// Byte range in the input.
    pub span: Range<usize>,
}

impl QueryError {
    fn new(message: impl Into<String>, span: Range<usize>) -> QueryError {
        QueryError {
            message: message.into(),
            span,
        }
    }

    /// Two lines for a terminal or a fixed-width text box: the input (with
    /// tabs and other control characters shown as spaces), then `^` under
    /// the span (at least one, also for an empty span).
    pub fn caret(&self, input: &str) -> String {
        let line: String = input
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let start = self.span.start;
        let end = self.span.end.max(start);
        let mut pad = 0;
        let mut width = 0;
        for (i, c) in input.char_indices() {
            let w = if c.is_control() { 1 } else { column_width(c) };
            if i < start {
                pad += w;
            } else if i < end {
                width += w;
            }
        }
        format!("{line}\n{}{}", " ".repeat(pad), "^".repeat(width.max(1)))
    }
}

/// Columns a character takes in a terminal: a small approximation that gets
/// combining accents and East Asian wide characters right.
fn column_width(c: char) -> usize {
    match u32::from(c) {
        0x0300..=0x036F | 0x200B..=0x200F => 0,
        0x1100..=0x115F
        | 0x2E80..=0x303E
        | 0x3041..=0x33FF
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x1F300..=0x1F64F
        | 0x1F900..=0x1F9FF
        | 0x20000..=0x3FFFD => 2,
        _ => 1,
    }
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at byte {})", self.message, self.span.start)
    }
}

impl std::error::Error for QueryError {}

type Result<T> = std::result::Result<T, QueryError>;

/// How deep groups and negations may nest; deeper input is an error rather
/// than a stack overflow.
const MAX_DEPTH: usize = 100;

/// Parses a query written in the query language (see the module docs).
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

// ---------------------------------------------------------------------------
// Lexer

#[derive(Clone, Debug, PartialEq)]
enum Kind {
    Word(String),
    Phrase(String),
    LParen,
    RParen,
    /// A `-` at the start of a word: negates what follows without a space.
    Minus,
}

#[derive(Clone, Debug)]
struct Token {
    kind: Kind,
    span: Range<usize>,
}

fn ends_word(c: char) -> bool {
    c.is_whitespace() || c == '"' || c == '(' || c == ')'
}

fn lex(input: &str) -> Result<Vec<Token>> {
    let mut toks = Vec::new();
    let mut chars = input.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let (kind, end) = match c {
            c if c.is_whitespace() => continue,
            '(' => (Kind::LParen, i + 1),
            ')' => (Kind::RParen, i + 1),
            '-' => (Kind::Minus, i + 1),
            '"' => {
                let mut text = String::new();
                let mut closed = None;
                while let Some((j, c)) = chars.next() {
                    match c {
                        '\\' if matches!(chars.peek(), Some(&(_, '"'))) => {
                            chars.next();
                            text.push('"');
                        }
                        '"' => {
                            closed = Some(j + 1);
                            break;
                        }
                        c => text.push(c),
                    }
                }
                let Some(end) = closed else {
                    return Err(QueryError::new(
                        "unclosed quote: add a closing \"",
                        i..input.len(),
                    ));
                };
                (Kind::Phrase(text), end)
            }
            _ => {
                let mut end = input.len();
                while let Some(&(j, c)) = chars.peek() {
                    if ends_word(c) {
                        end = j;
                        break;
                    }
                    chars.next();
                }
                (Kind::Word(input[i..end].to_string()), end)
            }
        };
        toks.push(Token { kind, span: i..end });
    }
    Ok(toks)
}

// ---------------------------------------------------------------------------
// Parser

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
        let special = ["has", "date", "after", "before"]
            .into_iter()
            .find(|s| s.eq_ignore_ascii_case(name));
        if let Some(kind) = special {
            if val.is_empty() {
                let quoted = self
                    .adjacent(span.end)
                    .is_some_and(|t| matches!(t.kind, Kind::Phrase(_) | Kind::LParen));
                let msg = match (kind, quoted) {
                    ("has", true) => "has: takes a plain word: has:attachment",
                    ("has", false) => "has: needs a value: has:attachment",
                    (_, true) => {
                        "dates are written without quotes or parentheses, e.g. date:2016-02-29"
                    }
                    (_, false) => "missing date, e.g. date:2016-02-29",
                };
                return Err(QueryError::new(msg, span));
            }
            if kind == "has" {
                return if val.eq_ignore_ascii_case("attachment")
                    || val.eq_ignore_ascii_case("attachments")
                {
                    Ok(Query::HasAttachment)
                } else {
                    Err(QueryError::new(
                        "unknown has: value; use has:attachment",
                        vspan,
                    ))
                };
            }
            return date_value(kind, val, vspan);
        }
        let Some(f) = Field::parse(name) else {
            // Unknown field name: the whole token is a word.
            return value(w, span, field);
        };
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
fn value(v: &str, span: Range<usize>, field: Field) -> Result<Query> {
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

// ---------------------------------------------------------------------------
// Dates

/// `YYYY`, `YYYY-MM` or `YYYY-MM-DD` → (its first second, the first second
/// after it).
fn parse_day(s: &str, span: Range<usize>) -> Result<(i64, i64)> {
    let bad = |msg: String| Err(QueryError::new(msg, span.clone()));
    let parts: Vec<&str> = s.split('-').collect();
    let well_formed = parts.len() <= 3
        && parts[0].len() == 4
        && parts[1..].iter().all(|p| (1..=2).contains(&p.len()))
        && parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit()));
    if !well_formed {
        return bad(format!("bad date {s:?}: use YYYY, YYYY-MM or YYYY-MM-DD"));
    }
    let num = |i: usize| parts.get(i).and_then(|p| p.parse::<u32>().ok());
    let y = num(0).map_or(0, i64::from);
    if !(1900..=2199).contains(&y) {
        return bad("year must be between 1900 and 2199".to_string());
    }
    let Some(m) = num(1) else {
        return Ok((
            days_from_civil(y, 1, 1) * DAY,
            days_from_civil(y + 1, 1, 1) * DAY,
        ));
    };
    if !(1..=12).contains(&m) {
        return bad("month must be between 01 and 12".to_string());
    }
    let Some(d) = num(2) else {
        let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
        return Ok((
            days_from_civil(y, m, 1) * DAY,
            days_from_civil(ny, nm, 1) * DAY,
        ));
    };
    let last = days_in_month(y, m);
    if !(1..=last).contains(&d) {
        return bad(format!("no such day: {y:04}-{m:02} has {last} days"));
    }
    let day = days_from_civil(y, m, d);
    Ok((day * DAY, (day + 1) * DAY))
}

/// The value of `date:`, `after:` or `before:` (`kind`).
fn date_value(kind: &str, v: &str, span: Range<usize>) -> Result<Query> {
    let Some(dots) = v.find("..") else {
        let (start, end) = parse_day(v, span)?;
        return Ok(match kind {
            "after" => Query::Date {
                start: Some(start),
                end: None,
            },
            "before" => Query::Date {
                start: None,
                end: Some(start),
            },
            _ => Query::Date {
                start: Some(start),
                end: Some(end),
            },
        });
    };
    if kind != "date" {
        return Err(QueryError::new(
            format!("{kind}: takes one date; use date:A..B for a range"),
            span,
        ));
    }
    let (a, b) = (&v[..dots], &v[dots + 2..]);
    if a.is_empty() && b.is_empty() {
        return Err(QueryError::new(
            "date range needs a start or an end, e.g. date:2016..2017",
            span,
        ));
    }
    let start = match a {
        "" => None,
        a => Some(parse_day(a, span.start..span.start + dots)?.0),
    };
    let end = match b {
        "" => None,
        b => Some(parse_day(b, span.start + dots + 2..span.end)?.1),
    };
    if let (Some(s), Some(e)) = (start, end)
        && e <= s
    {
        return Err(QueryError::new("date range ends before it starts", span));
    }
    Ok(Query::Date { start, end })
}

/// The coarsest date (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`) that starts at
/// `secs` (rounded down to a day).
fn date_starting_at(secs: i64) -> String {
    let (y, m, d) = civil_from_days(secs.div_euclid(DAY));
    match (m, d) {
        (1, 1) => format!("{y:04}"),
        (_, 1) => format!("{y:04}-{m:02}"),
        _ => format!("{y:04}-{m:02}-{d:02}"),
    }
}

/// The coarsest date that ends just before `secs` (rounded up to a day).
fn date_ending_at(secs: i64) -> String {
    let days = secs.div_euclid(DAY) + i64::from(secs.rem_euclid(DAY) != 0);
    match civil_from_days(days) {
        (y, 1, 1) => format!("{:04}", y - 1),
        (y, m, 1) => format!("{y:04}-{:02}", m - 1),
        _ => {
            let (y, m, d) = civil_from_days(days - 1);
            format!("{y:04}-{m:02}-{d:02}")
        }
    }
}

/// `[s, e)` as a single `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, if it is one.
fn single_date(s: i64, e: i64) -> Option<String> {
    if s.rem_euclid(DAY) != 0 {
        return None;
    }
    let (y, m, d) = civil_from_days(s.div_euclid(DAY));
    let next_month = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    if (m, d) == (1, 1) && e == days_from_civil(y + 1, 1, 1) * DAY {
        Some(format!("{y:04}"))
    } else if d == 1 && e == days_from_civil(next_month.0, next_month.1, 1) * DAY {
        Some(format!("{y:04}-{m:02}"))
    } else if e == s.saturating_add(DAY) {
        Some(format!("{y:04}-{m:02}-{d:02}"))
    } else {
        None
    }
}

// ---------------------------------------------------------------------------
// Display

fn field_prefix(field: Field) -> String {
    match field {
        Field::Any => String::new(),
        f => format!("{}:", f.name()),
    }
}

fn quoted(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\\\""))
}

impl fmt::Display for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Query::All => f.write_str("*"),
            Query::Term { field, text, mode } => {
                let suffix = match mode {
                    Mode::Exact => String::new(),
                    Mode::Prefix => "*".to_string(),
                    Mode::Fuzzy(1) => "~".to_string(),
                    Mode::Fuzzy(n) => format!("~{n}"),
                };
                let word = format!("{}{text}{suffix}", field_prefix(*field));
                // A term is written bare only if that reads back as itself;
                // otherwise (only for trees not made by `parse`) as a phrase.
                if parse(&word).is_ok_and(|q| q == *self) {
                    f.write_str(&word)
                } else {
                    write!(f, "{}{}", field_prefix(*field), quoted(text))
                }
            }
            Query::Phrase { field, text } => {
                write!(f, "{}{}", field_prefix(*field), quoted(text))
            }
            Query::Domain { field, domain } => {
                let word = format!("{}@{domain}", field_prefix(*field));
                if parse(&word).is_ok_and(|q| q == *self) {
                    f.write_str(&word)
                } else {
                    write!(
                        f,
                        "{}{}",
                        field_prefix(*field),
                        quoted(&format!("@{domain}"))
                    )
                }
            }
            Query::Date { start, end } => match (start, end) {
                (None, None) => f.write_str("*"),
                (Some(s), None) => write!(f, "after:{}", date_starting_at(*s)),
                (None, Some(e)) => {
                    let (y, _, _) = civil_from_days(e.div_euclid(DAY));
                    if (1900..=2199).contains(&y) {
                        write!(f, "before:{}", date_starting_at(*e))
                    } else {
                        write!(f, "date:..{}", date_ending_at(*e))
                    }
                }
                (Some(s), Some(e)) => match single_date(*s, *e) {
                    Some(d) => write!(f, "date:{d}"),
                    None => write!(f, "date:{}..{}", date_starting_at(*s), date_ending_at(*e)),
                },
            },
            Query::HasAttachment => f.write_str("has:attachment"),
            Query::And(items) => {
                if items.is_empty() {
                    return f.write_str("*");
                }
                for (i, q) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" ")?;
                    }
                    match q {
                        Query::And(_) | Query::Or(_) => write!(f, "({q})")?,
                        q => write!(f, "{q}")?,
                    }
                }
                Ok(())
            }
            Query::Or(items) => {
                if items.is_empty() {
                    // Matches nothing.
                    return f.write_str("-*");
                }
                for (i, q) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" OR ")?;
                    }
                    match q {
                        Query::Or(_) => write!(f, "({q})")?,
                        q => write!(f, "{q}")?,
                    }
                }
                Ok(())
            }
            Query::Not(q) => match &**q {
                Query::And(_) | Query::Or(_) => write!(f, "-({q})"),
                q => write!(f, "-{q}"),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn p(input: &str) -> Query {
        match parse(input) {
            Ok(q) => q,
            Err(e) => panic!("{input:?} does not parse: {e}\n{}", e.caret(input)),
        }
    }

    fn err(input: &str) -> QueryError {
        match parse(input) {
            Ok(q) => panic!("{input:?} parses as {q:?}"),
            Err(e) => e,
        }
    }

    fn t(field: Field, text: &str) -> Query {
        Query::Term {
            field,
            text: text.to_string(),
            mode: Mode::Exact,
        }
    }

    fn w(text: &str) -> Query {
        t(Field::Any, text)
    }

    fn not(q: Query) -> Query {
        Query::Not(Box::new(q))
    }

    fn date(start: Option<i64>, end: Option<i64>) -> Query {
        Query::Date { start, end }
    }

    const Y2016: i64 = 1_451_606_400;
    const FEB2016: i64 = 1_454_284_800;
    const LEAP_DAY: i64 = 1_456_704_000;
    const MAR2016: i64 = 1_456_790_400;
    const Y2017: i64 = 1_483_228_800;

    fn assert_round_trip(input: &str) {
        let q = p(input);
        let shown = q.to_string();
        assert_eq!(parse(&shown), Ok(q.clone()), "{input:?} shown as {shown:?}");
        // The canonical form is a fixed point.
        assert_eq!(p(&shown).to_string(), shown, "{input:?}");
    }

    #[test]
    fn round_trips() {
        for input in [
            "budget",
            "budget memo",
            "budget AND memo",
            "budget OR memo",
            "a b OR c d",
            "(a OR b) (c OR d)",
            "-spam",
            "NOT spam",
            "a -b -c",
            "-(a OR b)",
            "NOT (a b)",
            "--a",
            "\"exact phrase\"",
            r#""say \"hi\" now""#,
            r#""back\slash""#,
            "from:ann",
            "FROM:Ann",
            "from:\"Ann Smith\"",
            "from:(ann OR bob) subject:budget",
            "from:(ann (bob OR -carl))",
            "from:@dnc.org",
            "to:(@a.org OR @b.org)",
            "@dnc.org",
            "from:ann@dnc.org",
            "cc:-ann",
            "from:to:x",
            "re:budget http://x.org",
            "budg*",
            "budget~ budget~2 from:ann~1",
            "a~x a*~ a~* a~~",
            "*",
            "* OR a",
            "has:attachment",
            "-has:attachments",
            "date:2016",
            "date:2016-02",
            "date:2016-02-29",
            "date:2016..2017",
            "date:2016-02..2016-05-03",
            "date:2016-1-1..2016-1-31",
            "date:2016..",
            "date:..2016",
            "date:..2199",
            "after:2016-02-29",
            "before:2017",
            "after:1900 before:2199-12-31",
            "o'brien 10,000 García Москва 会議",
            "subject:会議 body:\"Москва 2016\"",
            "msgid:<abc@host> id:42 thread:7 source:mbox/1 filename:a.pdf attachment:secret",
            "a OR -b",
            "a AND (b OR NOT c) OR d",
            "~ ~2 x:",
        ] {
            assert_round_trip(input);
        }
    }

    #[test]
    fn canonical_forms() {
        for (input, shown) in [
            ("a AND b", "a b"),
            ("FROM:(Ann OR bob)", "from:Ann OR from:bob"),
            ("NOT a", "* -a"),
            ("date:2016-01-01..2016-12-31", "date:2016"),
            ("date:2016-02..2016-02-29", "date:2016-02"),
            ("date:2016-02-29..2016-02-29", "date:2016-02-29"),
            ("date:2016..2016-02", "date:2016..2016-02"),
            ("date:2016-02-29..", "after:2016-02-29"),
            ("date:2016-03-01..", "after:2016-03"),
            ("date:..2016-02-28", "before:2016-02-29"),
            ("word~1", "word~"),
            ("has:Attachments", "has:attachment"),
            ("-(a)", "* -a"),
            ("a (b c)", "a b c"),
            ("(a OR b) OR c", "a OR b OR c"),
            ("\"q\\\"\"", "\"q\\\"\""),
        ] {
            assert_eq!(p(input).to_string(), shown, "{input:?}");
        }
    }

    #[test]
    fn precedence() {
        let (a, b, c, d) = (w("a"), w("b"), w("c"), w("d"));
        assert_eq!(
            p("a b OR c"),
            Query::Or(vec![Query::And(vec![a.clone(), b.clone()]), c.clone()])
        );
        assert_eq!(p("a b OR c"), p("(a AND b) OR c"));
        assert_eq!(
            p("a OR b c"),
            Query::Or(vec![a.clone(), Query::And(vec![b.clone(), c.clone()])])
        );
        assert_eq!(
            p("a AND b OR c AND d"),
            Query::Or(vec![
                Query::And(vec![a.clone(), b.clone()]),
                Query::And(vec![c.clone(), d.clone()])
            ])
        );
        assert_eq!(
            p("a (b OR c)"),
            Query::And(vec![a.clone(), Query::Or(vec![b.clone(), c.clone()])])
        );
        // NOT and - bind tighter than AND and OR.
        assert_eq!(p("-a b"), Query::And(vec![not(a.clone()), b.clone()]));
        assert_eq!(
            p("NOT a OR b"),
            Query::Or(vec![
                Query::And(vec![Query::All, not(a.clone())]),
                b.clone()
            ])
        );
        assert_eq!(p("NOT a b"), p("-a b"));
        assert_eq!(
            p("-(a OR b) c"),
            Query::And(vec![not(Query::Or(vec![a.clone(), b.clone()])), c.clone()])
        );
    }

    #[test]
    fn lowercase_operators_are_words() {
        assert_eq!(
            p("war or peace and not"),
            Query::And(
                ["war", "or", "peace", "and", "not"]
                    .into_iter()
                    .map(w)
                    .collect()
            )
        );
        assert_eq!(p("Or"), w("Or"));
        assert_eq!(p("NOT-a"), w("NOT-a"));
    }

    #[test]
    fn normalisation() {
        assert_eq!(p("(((a)))"), w("a"));
        assert_eq!(
            p("a (b (c d))"),
            Query::And(["a", "b", "c", "d"].map(w).to_vec())
        );
        assert_eq!(
            p("a OR (b OR (c OR d))"),
            Query::Or(["a", "b", "c", "d"].map(w).to_vec())
        );
        assert_eq!(p("* a *"), w("a"));
        assert_eq!(p("* *"), Query::All);
        assert_eq!(p("**"), Query::All);
        assert_eq!(p("a (-b)"), Query::And(vec![w("a"), not(w("b"))]));
    }

    #[test]
    fn fields_and_groups() {
        assert_eq!(p("from:ann"), t(Field::From, "ann"));
        assert_eq!(p("From:Ann"), t(Field::From, "Ann"));
        assert_eq!(p("SUBJECT:x"), t(Field::Subject, "x"));
        assert_eq!(
            p("subject:\"q3 plan\""),
            Query::Phrase {
                field: Field::Subject,
                text: "q3 plan".into()
            }
        );
        assert_eq!(
            p("from:(ann OR bob)"),
            Query::Or(vec![t(Field::From, "ann"), t(Field::From, "bob")])
        );
        // Nested groups, phrases, negations and inner fields.
        assert_eq!(
            p("to:(ann (bob OR \"c d\") -eve cc:fay)"),
            Query::And(vec![
                t(Field::To, "ann"),
                Query::Or(vec![
                    t(Field::To, "bob"),
                    Query::Phrase {
                        field: Field::To,
                        text: "c d".into()
                    }
                ]),
                not(t(Field::To, "eve")),
                t(Field::Cc, "fay"),
            ])
        );
        // Dates and has: are not field-bound.
        assert_eq!(
            p("from:(ann has:attachment)"),
            Query::And(vec![t(Field::From, "ann"), Query::HasAttachment])
        );
        assert_eq!(
            p("-from:ann"),
            Query::And(vec![Query::All, not(t(Field::From, "ann"))])
        );
        assert_eq!(
            p("-from:(ann OR bob)"),
            Query::And(vec![
                Query::All,
                not(Query::Or(vec![
                    t(Field::From, "ann"),
                    t(Field::From, "bob")
                ]))
            ])
        );
        // The value is the rest of the word, as written.
        assert_eq!(p("from:-ann"), t(Field::From, "-ann"));
        assert_eq!(p("from:OR"), t(Field::From, "OR"));
        assert_eq!(p("cc:a:b"), t(Field::Cc, "a:b"));
        // Unknown fields inside a field group are words in that field.
        assert_eq!(p("from:(re:x)"), t(Field::From, "re:x"));
        for f in NAMED_FIELDS {
            assert_eq!(p(&format!("{}:v", f.name())), t(f, "v"));
        }
    }

    #[test]
    fn field_names() {
        for f in NAMED_FIELDS {
            assert_eq!(Field::parse(f.name()), Some(f));
            assert_eq!(Field::parse(&f.name().to_uppercase()), Some(f));
        }
        assert_eq!(Field::Any.name(), "");
        assert_eq!(Field::parse(""), None);
        assert_eq!(Field::parse("re"), None);
        assert_eq!(Field::parse("has"), None);
        assert_eq!(Field::MsgId.name(), "msgid");
    }

    #[test]
    fn unknown_fields_are_words() {
        assert_eq!(p("re:budget"), w("re:budget"));
        assert_eq!(p("http://x.org/a?b=c"), w("http://x.org/a?b=c"));
        assert_eq!(p("Fwd:"), w("Fwd:"));
        assert_eq!(p(":x"), w(":x"));
        assert_eq!(p("fromm:ann"), w("fromm:ann"));
        assert_eq!(p("12:30"), w("12:30"));
    }

    #[test]
    fn domains() {
        let dom = |field, d: &str| Query::Domain {
            field,
            domain: d.into(),
        };
        assert_eq!(p("from:@dnc.org"), dom(Field::From, "dnc.org"));
        assert_eq!(p("to:@DNC.org"), dom(Field::To, "DNC.org"));
        assert_eq!(
            p("cc:@x.y bcc:@z"),
            Query::And(vec![dom(Field::Cc, "x.y"), dom(Field::Bcc, "z")])
        );
        assert_eq!(p("@dnc.org"), dom(Field::Any, "dnc.org"));
        assert_eq!(
            p("from:(@a.org OR @b.org)"),
            Query::Or(vec![dom(Field::From, "a.org"), dom(Field::From, "b.org")])
        );
        assert_eq!(p("from:ann@dnc.org"), t(Field::From, "ann@dnc.org"));
        assert_eq!(p("ann@dnc.org"), w("ann@dnc.org"));
        // To look for the text, quote it.
        assert_eq!(
            p("subject:\"@dnc\""),
            Query::Phrase {
                field: Field::Subject,
                text: "@dnc".into()
            }
        );
    }

    #[test]
    fn prefix_and_fuzzy() {
        let m = |text: &str, mode| Query::Term {
            field: Field::Any,
            text: text.into(),
            mode,
        };
        assert_eq!(p("budg*"), m("budg", Mode::Prefix));
        assert_eq!(
            p("from:ann*"),
            Query::Term {
                field: Field::From,
                text: "ann".into(),
                mode: Mode::Prefix
            }
        );
        assert_eq!(p("budget~"), m("budget", Mode::Fuzzy(1)));
        assert_eq!(p("budget~1"), m("budget", Mode::Fuzzy(1)));
        assert_eq!(p("budget~2"), m("budget", Mode::Fuzzy(2)));
        assert_eq!(
            p("subject:budgt~2"),
            Query::Term {
                field: Field::Subject,
                text: "budgt".into(),
                mode: Mode::Fuzzy(2)
            }
        );
        assert_eq!(p("a*b"), w("a*b"));
        assert_eq!(p("a~b"), w("a~b"));
        assert_eq!(p("a**"), m("a*", Mode::Prefix));
        assert_eq!(p("a~~"), m("a~", Mode::Fuzzy(1)));
        assert_eq!(p("~"), w("~"));
        assert_eq!(p("~2"), w("~2"));
        assert_eq!(p("*"), Query::All);
        assert_eq!(p("  *  "), Query::All);
        assert_eq!(p("a * b"), Query::And(vec![w("a"), w("b")]));
        assert_eq!(p("from:(*)"), Query::All);
    }

    #[test]
    fn has_attachment() {
        assert_eq!(p("has:attachment"), Query::HasAttachment);
        assert_eq!(p("has:attachments"), Query::HasAttachment);
        assert_eq!(p("HAS:Attachment"), Query::HasAttachment);
        assert_eq!(
            p("-has:attachment"),
            Query::And(vec![Query::All, not(Query::HasAttachment)])
        );
    }

    #[test]
    fn negatives_only() {
        assert_eq!(p("-spam"), Query::And(vec![Query::All, not(w("spam"))]));
        assert_eq!(p("NOT spam"), p("-spam"));
        assert_eq!(
            p("-spam -ads"),
            Query::And(vec![Query::All, not(w("spam")), not(w("ads"))])
        );
        assert_eq!(p("* -spam"), p("-spam"));
        assert_eq!(p("ham -spam"), Query::And(vec![w("ham"), not(w("spam"))]));
        // Inside an OR, a lone negation is also "everything except".
        assert_eq!(
            p("a OR -b"),
            Query::Or(vec![w("a"), Query::And(vec![Query::All, not(w("b"))])])
        );
        assert_eq!(p("-*"), Query::And(vec![Query::All, not(Query::All)]));
    }

    #[test]
    fn dates() {
        let s = Some;
        assert_eq!(p("date:2016"), date(s(Y2016), s(Y2017)));
        assert_eq!(p("date:2016-02"), date(s(FEB2016), s(MAR2016)));
        assert_eq!(p("date:2016-2"), p("date:2016-02"));
        assert_eq!(p("date:2016-02-29"), date(s(LEAP_DAY), s(MAR2016)));
        assert_eq!(p("date:2016-12"), date(s(1_480_550_400), s(Y2017)));
        assert_eq!(p("date:2016-12-31"), date(s(Y2017 - DAY), s(Y2017)));
        assert_eq!(p("DATE:2016"), p("date:2016"));
        assert_eq!(p("after:2016"), date(s(Y2016), None));
        assert_eq!(p("after:2016-02-29"), date(s(LEAP_DAY), None));
        assert_eq!(p("before:2016-03"), date(None, s(MAR2016)));
        assert_eq!(p("before:2017"), date(None, s(Y2017)));
        // Ranges include their end at its own granularity.
        assert_eq!(p("date:2016..2016"), p("date:2016"));
        assert_eq!(p("date:2016-02..2016"), date(s(FEB2016), s(Y2017)));
        assert_eq!(p("date:2016..2016-02"), date(s(Y2016), s(MAR2016)));
        assert_eq!(p("date:2016-02-01..2016-02-29"), p("date:2016-02"));
        assert_eq!(p("date:2016.."), date(s(Y2016), None));
        assert_eq!(p("date:..2016"), date(None, s(Y2017)));
        assert_eq!(p("date:..2016-02-28"), date(None, s(LEAP_DAY)));
        assert_eq!(p("date:1900"), date(s(-2_208_988_800), s(-2_177_452_800)));
        assert_eq!(p("date:2199"), date(s(7_226_582_400), s(7_258_118_400)));
        assert_eq!(p("date:1970-01-01"), date(s(0), s(DAY)));
        assert_eq!(
            p("after:2016 before:2017"),
            Query::And(vec![date(s(Y2016), None), date(None, s(Y2017))])
        );
    }

    #[test]
    fn bad_dates() {
        for (input, message, span) in [
            ("date:2015-02-29", "no such day: 2015-02 has 28 days", 5..15),
            ("date:1900-02-29", "no such day: 1900-02 has 28 days", 5..15),
            ("date:2016-04-31", "no such day: 2016-04 has 30 days", 5..15),
            ("date:2016-02-00", "no such day: 2016-02 has 29 days", 5..15),
            ("date:2016-13", "month must be between 01 and 12", 5..12),
            ("date:2016-00-01", "month must be between 01 and 12", 5..15),
            ("date:1899", "year must be between 1900 and 2199", 5..9),
            (
                "after:2200-01-01",
                "year must be between 1900 and 2199",
                6..16,
            ),
            (
                "date:16",
                "bad date \"16\": use YYYY, YYYY-MM or YYYY-MM-DD",
                5..7,
            ),
            (
                "x before:2016/02",
                "bad date \"2016/02\": use YYYY, YYYY-MM or YYYY-MM-DD",
                9..16,
            ),
            (
                "date:2016-02-29-1",
                "bad date \"2016-02-29-1\": use YYYY, YYYY-MM or YYYY-MM-DD",
                5..17,
            ),
            (
                "date:2016-002",
                "bad date \"2016-002\": use YYYY, YYYY-MM or YYYY-MM-DD",
                5..13,
            ),
            (
                "date:2016..2015-02-29",
                "no such day: 2015-02 has 28 days",
                11..21,
            ),
            (
                "date:2015-02-29..2016",
                "no such day: 2015-02 has 28 days",
                5..15,
            ),
            (
                "date:2016...2017",
                "bad date \".2017\": use YYYY, YYYY-MM or YYYY-MM-DD",
                11..16,
            ),
            (
                "date:..",
                "date range needs a start or an end, e.g. date:2016..2017",
                5..7,
            ),
            ("date:2017..2016", "date range ends before it starts", 5..15),
            (
                "after:2016..2017",
                "after: takes one date; use date:A..B for a range",
                6..16,
            ),
            (
                "before:..2017",
                "before: takes one date; use date:A..B for a range",
                7..13,
            ),
            ("date:", "missing date, e.g. date:2016-02-29", 0..5),
            ("a after: b", "missing date, e.g. date:2016-02-29", 2..8),
            (
                "date:\"2016\"",
                "dates are written without quotes or parentheses, e.g. date:2016-02-29",
                0..5,
            ),
            (
                "date:(2016)",
                "dates are written without quotes or parentheses, e.g. date:2016-02-29",
                0..5,
            ),
            (
                "date:２０１６",
                "bad date \"２０１６\": use YYYY, YYYY-MM or YYYY-MM-DD",
                5..17,
            ),
        ] {
            assert_eq!(err(input), QueryError::new(message, span), "{input:?}");
        }
    }

    #[test]
    fn errors_have_exact_spans() {
        for (input, message, span) in [
            ("", "empty query", 0..0),
            (" \t\n ", "empty query", 0..0),
            ("(a b", "unclosed (: add a matching )", 0..1),
            ("x ((a) b", "unclosed (: add a matching )", 2..3),
            ("from:(a", "unclosed (: add a matching )", 5..6),
            ("a b)", "unexpected ): there is no ( to match it", 3..4),
            (")", "unexpected ): there is no ( to match it", 0..1),
            ("(a))", "unexpected ): there is no ( to match it", 3..4),
            ("a \"b c", "unclosed quote: add a closing \"", 2..6),
            ("\"a\\\"", "unclosed quote: add a closing \"", 0..4),
            ("x ()", "empty parentheses", 2..4),
            ("x ( )", "empty parentheses", 2..5),
            ("x \"\"", "empty quotes: put words between them", 2..4),
            ("from:\" \"", "empty quotes: put words between them", 5..8),
            (
                "from: ann",
                "from: needs a value, e.g. from:word or from:\"two words\"",
                0..5,
            ),
            (
                "x Subject:",
                "subject: needs a value, e.g. subject:word or subject:\"two words\"",
                2..10,
            ),
            (
                "(to:)",
                "to: needs a value, e.g. to:word or to:\"two words\"",
                1..4,
            ),
            ("OR a", "OR needs something on its left", 0..2),
            ("a OR", "OR needs something on its right", 2..4),
            ("a OR OR b", "OR needs something on its right", 2..4),
            ("(a OR) b", "OR needs something on its right", 3..5),
            ("(OR a)", "OR needs something on its left", 1..3),
            ("AND a", "AND needs something on its left", 0..3),
            ("a AND", "AND needs something on its right", 2..5),
            ("a AND OR b", "AND needs something on its right", 2..5),
            ("a OR AND b", "OR needs something on its right", 2..4),
            ("NOT", "NOT needs something after it", 0..3),
            ("a NOT", "NOT needs something after it", 2..5),
            ("(NOT) a", "NOT needs something after it", 1..4),
            ("-", "- needs a word right after it, e.g. -spam", 0..1),
            ("a - b", "- needs a word right after it, e.g. -spam", 2..3),
            ("(a -)", "- needs a word right after it, e.g. -spam", 3..4),
            ("-OR", "- needs a word right after it, e.g. -spam", 0..1),
            (
                "has:attachment has:pdf",
                "unknown has: value; use has:attachment",
                19..22,
            ),
            ("has:", "has: needs a value: has:attachment", 0..4),
            (
                "has:\"attachment\"",
                "has: takes a plain word: has:attachment",
                0..4,
            ),
            (
                "word~3",
                "fuzzy distance must be 1 or 2: word~ or word~2",
                4..6,
            ),
            (
                "from:ann~12",
                "fuzzy distance must be 1 or 2: word~ or word~2",
                8..11,
            ),
            (
                "word~0",
                "fuzzy distance must be 1 or 2: word~ or word~2",
                4..6,
            ),
            (
                "subject:@dnc.org",
                "@domain works only in from:, to:, cc: and bcc:; quote it to search the text",
                8..16,
            ),
            (
                "body:(a @x)",
                "@domain works only in from:, to:, cc: and bcc:; quote it to search the text",
                8..10,
            ),
            ("from:@", "missing domain after @, e.g. @dnc.org", 5..6),
            ("@", "missing domain after @, e.g. @dnc.org", 0..1),
            (
                "from:@dnc.*",
                "bad domain: write it as @dnc.org (it covers every address there)",
                5..11,
            ),
            (
                "from:*",
                "from:* would match everything; use * or a prefix like from:ann*",
                5..6,
            ),
        ] {
            assert_eq!(err(input), QueryError::new(message, span), "{input:?}");
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = format!("{}a{}", "(".repeat(100_000), ")".repeat(100_000));
        assert_eq!(err(&deep).message, "query is nested too deeply");
        let negs = format!("{}a", "-".repeat(100_000));
        assert_eq!(err(&negs).message, "query is nested too deeply");
        let nots = "NOT ".repeat(100_000) + "a";
        assert_eq!(err(&nots).message, "query is nested too deeply");
        let fine = format!("{}a{}", "(".repeat(40), ")".repeat(40));
        assert_eq!(p(&fine), w("a"));
    }

    #[test]
    fn non_latin_words() {
        assert_eq!(
            p("García Москва 会議 o'brien 10,000 naïve"),
            Query::And(
                ["García", "Москва", "会議", "o'brien", "10,000", "naïve"]
                    .map(w)
                    .to_vec()
            )
        );
        assert_eq!(p("subject:Москва*").to_string(), "subject:Москва*");
        assert_eq!(
            p("from:\"José García\"").to_string(),
            "from:\"José García\""
        );
        // Non-breaking and ideographic spaces separate words too.
        assert_eq!(
            p("a\u{a0}b\u{3000}c"),
            Query::And(["a", "b", "c"].map(w).to_vec())
        );
        // Spans are byte offsets.
        let e = err("Москва OR");
        assert_eq!(e.span, 13..15);
    }

    #[test]
    fn error_display_and_caret() {
        let e = err("from:ann (budget");
        assert_eq!(e.to_string(), "unclosed (: add a matching ) (at byte 9)");
        assert_eq!(e.caret("from:ann (budget"), "from:ann (budget\n         ^");
        let e = err("a \"bc");
        assert_eq!(e.caret("a \"bc"), "a \"bc\n  ^^^");
        let e = err("会議 OR");
        assert_eq!(e.caret("会議 OR"), "会議 OR\n     ^^");
        let e = err("a\tOR");
        assert_eq!(e.caret("a\tOR"), "a OR\n  ^^");
        let e = err("");
        assert_eq!(e.caret(""), "\n^");
        // A span that does not fit the input does not panic.
        let odd = QueryError::new("x", Range { start: 50, end: 3 });
        assert_eq!(odd.caret("ab"), "ab\n  ^");
        let boxed: Box<dyn std::error::Error> = Box::new(err(")"));
        assert!(boxed.to_string().starts_with("unexpected )"));
    }

    #[test]
    fn display_of_built_trees_is_safe() {
        // Trees `parse` never makes still print something sensible.
        for q in [
            t(Field::Any, "two words"),
            t(Field::Any, "OR"),
            t(Field::Any, "-x"),
            t(Field::From, ""),
            Query::And(vec![]),
            Query::Or(vec![]),
            date(None, None),
            date(Some(i64::MIN), Some(i64::MAX)),
            date(Some(Y2016 + 5), None),
            not(w("a")),
            Query::And(vec![Query::And(vec![w("a"), w("b")]), w("c")]),
        ] {
            let _ = q.to_string();
        }
        assert_eq!(t(Field::Any, "two words").to_string(), "\"two words\"");
        assert_eq!(t(Field::Any, "OR").to_string(), "\"OR\"");
    }

    fn fragment() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("\"".to_string()),
            Just("\\\"".to_string()),
            Just("(".to_string()),
            Just(")".to_string()),
            Just("-".to_string()),
            Just("OR".to_string()),
            Just("AND".to_string()),
            Just("NOT".to_string()),
            Just(" OR ".to_string()),
            Just(" AND ".to_string()),
            Just(" NOT ".to_string()),
            Just("from:".to_string()),
            Just("Subject:".to_string()),
            Just("re:".to_string()),
            Just("has:".to_string()),
            Just("attachment".to_string()),
            Just("date:".to_string()),
            Just("after:".to_string()),
            Just("before:".to_string()),
            Just("2016".to_string()),
            Just("-02".to_string()),
            Just("-29".to_string()),
            Just("..".to_string()),
            Just("*".to_string()),
            Just("~".to_string()),
            Just("2".to_string()),
            Just("@".to_string()),
            Just(":".to_string()),
            Just("\\".to_string()),
            Just(" ".to_string()),
            Just("  ".to_string()),
            Just("\t".to_string()),
            Just("\u{a0}".to_string()),
            Just("ñ".to_string()),
            Just("会議".to_string()),
            Just("Москва".to_string()),
            "[a-zA-Z]{1,4}",
            any::<char>().prop_map(String::from),
        ]
    }

    /// Mostly valid queries: atoms joined by operators, groups and fields.
    fn structured() -> impl Strategy<Value = String> {
        let atom = prop_oneof![
            "[a-zA-Zñ会]{1,5}",
            "[a-z]{1,4}[*~]",
            "[a-z]{1,4}~[0-3]",
            "\"[a-z \\\\\"]{0,6}\"",
            "(from|to|Subject|msgid|re|has):[a-z@.:]{0,6}",
            "(from|cc|subject):@[a-z.]{0,5}",
            "@[a-z]{1,3}\\.org",
            "(date|after|before):(19|20|21|22)[0-9]{2}(-[01][0-9](-[0-3][0-9])?)?",
            "date:(20[0-9]{2}(-0[1-9])?)?\\.\\.(20[0-9]{2}(-[12][0-9]){0,2})?",
            Just("has:attachment".to_string()),
            Just("*".to_string()),
        ];
        atom.prop_recursive(4, 32, 4, |inner| {
            prop_oneof![
                (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} {b}")),
                (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} OR {b}")),
                (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} AND {b}")),
                inner.clone().prop_map(|a| format!("-{a}")),
                inner.clone().prop_map(|a| format!("NOT {a}")),
                inner.clone().prop_map(|a| format!("({a})")),
                ("(from|to|body)", inner).prop_map(|(f, a)| format!("{f}:({a})")),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Like the test below, on inputs that mostly parse.
        #[test]
        fn structured_queries_round_trip(input in structured()) {
            if let Ok(q) = parse(&input) {
                let shown = q.to_string();
                prop_assert_eq!(parse(&shown), Ok(q), "input {:?} shown {:?}", input, shown);
                prop_assert_eq!(parse(&shown).map(|q| q.to_string()), Ok(shown.clone()));
            }
        }

        /// `parse` never panics; what it accepts prints back to itself,
        /// and its errors point inside the input.
        #[test]
        fn parse_never_panics_and_round_trips(
            parts in proptest::collection::vec(fragment(), 0..16)
        ) {
            let input = parts.concat();
            match parse(&input) {
                Ok(q) => {
                    let shown = q.to_string();
                    prop_assert_eq!(parse(&shown), Ok(q), "input {:?} shown {:?}", input, shown);
                }
                Err(e) => {
                    prop_assert!(e.span.start <= e.span.end && e.span.end <= input.len());
                    prop_assert!(input.is_char_boundary(e.span.start));
                    prop_assert!(input.is_char_boundary(e.span.end));
                    let _ = e.caret(&input);
                }
            }
        }
    }
}
