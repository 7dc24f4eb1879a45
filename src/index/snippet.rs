//! Highlighting: which words of a text a query matched, and a short
//! snippet of the text around the best cluster of them. Uses the index's
//! own analyzer, so what is highlighted is what was found.

use std::ops::Range;

use tantivy::tokenizer::TokenStream;

use super::schema;
use crate::model::{MatchPlace, Message};
use crate::query::{Field, Mode, Query};

/// The positive words and phrases of a query that can be highlighted in a
/// field. A phrase is highlighted where its words stand together, as one
/// range, not wherever each of its words occurs.
#[derive(Clone, Debug, Default)]
pub struct Highlighter {
    /// (word as analyzed, mode).
    terms: Vec<(String, Mode)>,
    /// Phrases of two or more words (as analyzed).
    phrases: Vec<Vec<String>>,
}

impl Highlighter {
    /// Words of `q` that apply to text of `field` (Any words apply everywhere).
    pub fn new(q: &Query, field: Field) -> Highlighter {
        let mut h = Highlighter::default();
        h.collect(q, field, false);
        h
    }

    fn collect(&mut self, q: &Query, field: Field, negated: bool) {
        match q {
            Query::Term {
                field: f,
                text,
                mode,
            } if !negated => self.add(*f, field, text, *mode),
            Query::Phrase { field: f, text } if !negated => self.add_phrase(*f, field, text),
            Query::And(qs) | Query::Or(qs) => {
                for sub in qs {
                    self.collect(sub, field, negated);
                }
            }
            Query::Not(inner) => self.collect(inner, field, !negated),
            _ => {}
        }
    }

    fn add(&mut self, of: Field, field: Field, text: &str, mode: Mode) {
        if of.covers(field) {
            for w in schema::words(text) {
                self.terms.push((w, mode));
            }
        }
    }

    fn add_phrase(&mut self, of: Field, field: Field, text: &str) {
        if of.covers(field) {
            let words = schema::words(text);
            if words.len() > 1 {
                self.phrases.push(words);
            } else {
                self.terms
                    .extend(words.into_iter().map(|w| (w, Mode::Exact)));
            }
        }
    }

    /// Whether the query has no words that apply to this field (nothing will be highlighted).
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty() && self.phrases.is_empty()
    }

    /// Byte ranges of the words of `text` that match, and of each place
    /// where a phrase's words stand together (one range from its first
    /// word to its last); in order, overlaps merged.
    pub fn ranges(&self, text: &str) -> Vec<Range<usize>> {
        if self.is_empty() {
            return Vec::new();
        }
        let mut a = schema::analyzer();
        let mut stream = a.token_stream(text);
        let mut out = Vec::new();
        // The last tokens, as long as the longest phrase.
        let longest = self.phrases.iter().map(Vec::len).max().unwrap_or(0);
        let mut recent: std::collections::VecDeque<(String, Range<usize>)> =
            std::collections::VecDeque::with_capacity(longest + 1);
        while stream.advance() {
            let t = stream.token();
            if self.terms.iter().any(|(w, m)| matches(w, *m, &t.text)) {
                out.push(t.offset_from..t.offset_to);
            }
            if longest == 0 {
                continue;
            }
            recent.push_back((t.text.clone(), t.offset_from..t.offset_to));
            if recent.len() > longest {
                recent.pop_front();
            }
            for p in &self.phrases {
                if recent.len() < p.len() {
                    continue;
                }
                let tail = recent.range(recent.len() - p.len()..);
                if tail.clone().zip(p).all(|((tok, _), w)| tok == w) {
                    let first = recent[recent.len() - p.len()].1.start;
                    out.push(first..t.offset_to);
                }
            }
        }
        merge(out)
    }

    /// A snippet of at most about `max` bytes around the densest cluster of
    /// matches, with the match ranges relative to the snippet. Falls back to
    /// the start of the text.
    pub fn snippet(&self, text: &str, max: usize) -> (String, Vec<Range<usize>>) {
        snippet_at(text, self.ranges(text), max)
    }

    /// A snippet (see [`Highlighter::snippet`]) of a message's body text,
    /// or, when the query's words are not in it, of the first other
    /// rendering of the body (`alternatives`: the HTML beside the plain
    /// text) that has them; a hit found only there gets its words shown,
    /// not the start of a body without them. An empty body falls back to
    /// the first alternative with text.
    pub fn message_snippet(&self, msg: &Message, max: usize) -> (String, Vec<Range<usize>>) {
        let ranges = self.ranges(&msg.body_text);
        if ranges.is_empty() {
            for alt in &msg.alternatives {
                let in_alt = self.ranges(&alt.text);
                if !in_alt.is_empty() {
                    return snippet_at(&alt.text, in_alt, max);
                }
            }
            if msg.body_text.trim().is_empty()
                && let Some(alt) = msg.alternatives.iter().find(|a| !a.text.trim().is_empty())
            {
                return snippet_at(&alt.text, Vec::new(), max);
            }
        }
        snippet_at(&msg.body_text, ranges, max)
    }
}

/// The snippet of `text` around the densest cluster of `ranges` (its
/// matches), at most about `max` bytes; see [`Highlighter::snippet`].
fn snippet_at(text: &str, ranges: Vec<Range<usize>>, max: usize) -> (String, Vec<Range<usize>>) {
    let (start, end) = if ranges.is_empty() {
        (0, floor_char(text, max.min(text.len())))
    } else {
        // The window starting at each match; keep the one with most matches.
        let mut best = (0usize, 0usize);
        for (i, r) in ranges.iter().enumerate() {
            let n = ranges[i..]
                .iter()
                .take_while(|x| x.end <= r.start + max)
                .count();
            if n > best.1 {
                best = (i, n);
            }
        }
        let first = &ranges[best.0];
        let lead = max / 4;
        let start = floor_char(text, first.start.saturating_sub(lead));
        let start = text[..start].rfind(char::is_whitespace).map_or(start, |i| {
            if first.start - i <= lead + 20 {
                i + 1
            } else {
                start
            }
        });
        let start = floor_char(text, start.min(first.start));
        (start, floor_char(text, (start + max).min(text.len())))
    };
    let mut snippet = String::new();
    if start > 0 {
        snippet.push('…');
    }
    let offset = snippet.len();
    let body = &text[start..end];
    snippet.push_str(body);
    if end < text.len() {
        snippet.push('…');
    }
    // One line: newlines and tabs become spaces (same byte length).
    let snippet = snippet.trim_end();
    let snippet: String = snippet
        .chars()
        .map(|c| {
            if c == '\n' || c == '\r' || c == '\t' {
                ' '
            } else {
                c
            }
        })
        .collect();
    let rel = ranges
        .into_iter()
        .filter(|r| r.start >= start && r.end <= end)
        .map(|r| r.start - start + offset..r.end - start + offset)
        .collect();
    (snippet, rel)
}

/// Where the words of `q` are found in `msg` (whose attachment texts must
/// be filled, see [`crate::store::Case::fill_attachment_texts`]): each
/// attachment whose text has a match, and the message itself when its
/// subject or body has one — or when no attachment does (the hit then
/// comes from the message's other fields: addresses, dates, names).
pub fn matched_in(q: &Query, msg: &Message) -> Vec<MatchPlace> {
    let in_att = Highlighter::new(q, Field::Attachment);
    let mut out = Vec::new();
    let mut attachments = Vec::new();
    if !in_att.is_empty() {
        for (index, a) in msg.attachments.iter().enumerate() {
            if a.text
                .as_deref()
                .is_some_and(|t| !in_att.ranges(t).is_empty())
            {
                attachments.push(MatchPlace::Attachment {
                    index,
                    name: a.name.clone(),
                });
            }
        }
    }
    let body = Highlighter::new(q, Field::Body);
    let in_body = std::iter::once(&msg.body_text)
        .chain(msg.alternatives.iter().map(|a| &a.text))
        .any(|t| !body.ranges(t).is_empty());
    let in_subject = msg
        .subject
        .as_deref()
        .is_some_and(|s| !Highlighter::new(q, Field::Subject).ranges(s).is_empty());
    if in_body || in_subject || attachments.is_empty() {
        out.push(MatchPlace::Message);
    }
    out.extend(attachments);
    out
}

fn floor_char(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// `ranges` sorted, overlapping or touching ones merged.
fn merge(mut ranges: Vec<Range<usize>>) -> Vec<Range<usize>> {
    ranges.sort_by_key(|r| (r.start, r.end));
    let mut out: Vec<Range<usize>> = Vec::with_capacity(ranges.len());
    for r in ranges {
        match out.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => out.push(r),
        }
    }
    out
}

fn matches(word: &str, mode: Mode, token: &str) -> bool {
    match mode {
        Mode::Exact => token == word,
        Mode::Prefix => token.starts_with(word),
        Mode::Fuzzy(d) => levenshtein_within(word, token, d as usize),
    }
}

/// Whether the edit distance (with transpositions) of `a` and `b` is at most `d`.
fn levenshtein_within(a: &str, b: &str, d: usize) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > d {
        return false;
    }
    let mut prev2: Vec<usize> = Vec::new();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                cur[j] = cur[j].min(prev2[j - 2] + 1);
            }
        }
        prev2 = std::mem::replace(&mut prev, cur);
    }
    prev[b.len()] <= d
}

/// Marks ranges in `text` with `open`/`close` (for terminals and plain text).
pub fn mark(text: &str, ranges: &[Range<usize>], open: &str, close: &str) -> String {
    let mut out = String::with_capacity(text.len() + ranges.len() * 8);
    let mut at = 0;
    for r in ranges {
        if r.start < at || r.end > text.len() {
            continue;
        }
        out.push_str(&text[at..r.start]);
        out.push_str(open);
        out.push_str(&text[r.clone()]);
        out.push_str(close);
        at = r.end;
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn matched_in_tells_message_from_attachment() {
        use super::{MatchPlace, matched_in};
        let q = |t: &str| crate::query::parse(t).unwrap();
        let mut m = crate::model::Message::empty(crate::model::Sha256::of(b"m"), 1);
        m.subject = Some("Budget call".into());
        m.body_text = "See the numbers attached.".into();
        for (name, text) in [("a.pdf", "nothing here"), ("b.xlsx", "zanzibar donors")] {
            m.attachments.push(crate::model::Attachment {
                name: Some(name.into()),
                mime: "application/octet-stream".into(),
                size: 1,
                sha256: crate::model::Sha256::of(name.as_bytes()),
                inline: false,
                text: Some(text.into()),
                kind: None,
                text_status: None,
            });
        }
        let att = MatchPlace::Attachment {
            index: 1,
            name: Some("b.xlsx".into()),
        };
        assert_eq!(matched_in(&q("zanzibar"), &m), std::slice::from_ref(&att));
        assert_eq!(matched_in(&q("budget"), &m), [MatchPlace::Message]);
        assert_eq!(
            matched_in(&q("budget OR donors"), &m),
            [MatchPlace::Message, att.clone()]
        );
        assert_eq!(matched_in(&q("attachment:donors"), &m), [att]);
        // A hit from the headers only is in the message.
        assert_eq!(matched_in(&q("from:ann"), &m), [MatchPlace::Message]);
    }

    use super::*;
    use crate::query::parse;

    #[test]
    fn highlights_what_matches() {
        let q = parse("garcia budg* -spam subject:other moskva~").unwrap();
        let h = Highlighter::new(&q, Field::Body);
        let text = "Call García about the budget. Spam! Moskvo.";
        let words: Vec<&str> = h.ranges(text).into_iter().map(|r| &text[r]).collect();
        assert_eq!(words, ["García", "budget", "Moskvo"]);
        let s = Highlighter::new(&q, Field::Subject);
        assert_eq!(s.ranges("other budget").len(), 2);
    }

    #[test]
    fn a_phrase_is_highlighted_where_its_words_stand_together() {
        let q = parse("\"pipeline vote\" reno").unwrap();
        let h = Highlighter::new(&q, Field::Body);
        let text = "The vote on the pipeline. The Pipeline  Vote is Tuesday in Reno; vote!";
        let shown: Vec<&str> = h.ranges(text).into_iter().map(|r| &text[r]).collect();
        assert_eq!(shown, ["Pipeline  Vote", "Reno"]);
        // Overlapping phrase matches merge into one range.
        let q = parse("\"a b\" \"b c\"").unwrap();
        let h = Highlighter::new(&q, Field::Body);
        let text = "x a b c y b";
        let shown: Vec<&str> = h.ranges(text).into_iter().map(|r| &text[r]).collect();
        assert_eq!(shown, ["a b c"]);
        // A one-word phrase is a word.
        let h = Highlighter::new(&parse("\"reno\"").unwrap(), Field::Body);
        assert_eq!(h.ranges("in Reno, reno").len(), 2);
    }

    #[test]
    fn to_highlights_in_every_recipient_header() {
        let q = parse("to:ann cc:bob").unwrap();
        let text = "Ann Lee <ann@x.org>, Bob <bob@x.org>";
        for (field, n) in [(Field::To, 2), (Field::Cc, 4), (Field::Bcc, 2)] {
            assert_eq!(
                Highlighter::new(&q, field).ranges(text).len(),
                n,
                "{field:?}"
            );
        }
        assert!(Highlighter::new(&q, Field::From).is_empty());
    }

    #[test]
    fn snippets_center_on_matches() {
        let q = parse("needle").unwrap();
        let h = Highlighter::new(&q, Field::Body);
        let text = format!(
            "{}the needle is here{}",
            "hay ".repeat(100),
            " straw".repeat(100)
        );
        let (snip, ranges) = h.snippet(&text, 80);
        assert!(snip.starts_with('…') && snip.ends_with('…'));
        assert_eq!(ranges.len(), 1);
        assert_eq!(&snip[ranges[0].clone()], "needle");
        let r = [Range { start: 2, end: 8 }];
        assert_eq!(mark("a needle b", &r, "[", "]"), "a [needle] b");
        let (start, none) = Highlighter::new(&q, Field::Body).snippet("nothing to see\nhere", 8);
        assert_eq!((start.as_str(), none.len()), ("nothing …", 0));
    }

    #[test]
    fn a_hit_only_in_an_alternative_gets_its_snippet_from_there() {
        let mut m = Message::empty(crate::model::Sha256::of(b"m"), 1);
        m.body_text = "Plain text without the word.".into();
        m.alternatives.push(crate::model::Alternative {
            mime: "text/plain".into(),
            text: "Nothing here either.".into(),
        });
        m.alternatives.push(crate::model::Alternative {
            mime: "text/html".into(),
            text: format!("{}The HTML says zanzibar loudly.", "filler ".repeat(40)),
        });
        let q = parse("zanzibar").unwrap();
        let h = Highlighter::new(&q, Field::Body);
        assert!(h.snippet(&m.body_text, 80).1.is_empty(), "not in the body");
        let (snip, ranges) = h.message_snippet(&m, 80);
        assert_eq!(ranges.len(), 1, "{snip}");
        assert_eq!(&snip[ranges[0].clone()], "zanzibar");
        assert!(snip.contains("HTML says"), "{snip}");
        assert_eq!(matched_in(&q, &m), [MatchPlace::Message]);
        // The body still comes first when it has the words.
        let plain = Highlighter::new(&parse("plain OR zanzibar").unwrap(), Field::Body);
        let (snip, ranges) = plain.message_snippet(&m, 80);
        assert!(snip.starts_with("Plain text"), "{snip}");
        assert_eq!(&snip[ranges[0].clone()], "Plain");
        // No words anywhere: the body's start; an empty body: the first
        // alternative's.
        let none = Highlighter::new(&parse("absent").unwrap(), Field::Body);
        assert_eq!(none.message_snippet(&m, 80).0, m.body_text);
        m.body_text.clear();
        assert_eq!(none.message_snippet(&m, 80).0, "Nothing here either.");
    }

    #[test]
    fn fuzzy_distance() {
        assert!(levenshtein_within("moskva", "moskvo", 1));
        assert!(levenshtein_within("abcd", "abdc", 1));
        assert!(!levenshtein_within("abcd", "dcba", 1));
    }
}
