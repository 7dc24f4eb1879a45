//! `tag:`, `has:note` and `note:` — the investigators' annotations — and
//! `dkim:` / `dkim.domain:` (a verdict changes when keys are added) are
//! not in the index (they change without re-indexing): the [`Resolver`]
//! answers them with row ids from the case. What a case's resolver does
//! with the tag names and note texts it reads is here: whole tag names
//! compared ignoring case (exact, prefix, fuzzy), and note words made by
//! the index's own analyzer (so `note:garcia` finds "García" as the body
//! would) matched as a run of consecutive words.
//!
//! [`Resolver`]: super::Resolver

use super::schema;
use crate::error::Result;
use crate::query::Mode;

/// An annotation a query asks about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Annotated<'a> {
    /// `tag:NAME`: a tag, whole (`Exact`), by its start (`Prefix`) or
    /// within an edit distance (`Fuzzy`); case and runs of spaces ignored.
    Tag {
        /// The name as written in the query.
        name: &'a str,
        /// How it matches.
        mode: Mode,
    },
    /// `has:note`: at least one note.
    AnyNote,
    /// `note:WORDS`: a note holding these words one after the other (as
    /// the index's analyzer makes them); with `Prefix` the last one is a
    /// prefix, with `Fuzzy` each may be that many edits away.
    NoteWords {
        /// The words, analysed (lower case, accents folded).
        words: &'a [String],
        /// How they match.
        mode: Mode,
    },
    /// `dkim:VERDICT` and/or `dkim.domain:DOMAIN`.
    Dkim {
        /// The verdict asked for.
        verdict: Option<crate::dkim::Verdict>,
        /// The signing domain asked for (or a parent of it).
        domain: Option<&'a str>,
    },
}

/// The answer of the case's resolver: which row ids carry `what`.
pub(super) fn case_rowids(case: &crate::store::Case, what: &Annotated<'_>) -> Result<Vec<u64>> {
    match *what {
        Annotated::Tag { name, mode } => {
            let wanted = schema::label_term(name);
            let matching: Vec<String> = case
                .tag_keys()?
                .into_iter()
                .filter(|t| word_matches(t, &wanted, mode))
                .collect();
            case.tagged_rowids(&matching)
        }
        Annotated::AnyNote => case.noted_rowids(),
        Annotated::Dkim { verdict, domain } => case.dkim_rowids(verdict, domain),
        Annotated::NoteWords { words, mode } => {
            let mut out: Vec<u64> = case
                .note_texts()?
                .into_iter()
                .filter(|(_, text)| note_matches(&schema::words(text), words, mode))
                .map(|(rowid, _)| rowid)
                .collect();
            out.sort_unstable();
            out.dedup();
            Ok(out)
        }
    }
}

/// Whether `have` matches `want` written with `mode`.
fn word_matches(have: &str, want: &str, mode: Mode) -> bool {
    match mode {
        Mode::Exact => have == want,
        Mode::Prefix => have.starts_with(want),
        Mode::Fuzzy(d) => edit_distance(have, want) <= usize::from(d.min(2)),
    }
}

/// Whether the words of a note hold `want` one after the other; with
/// `Prefix` only the last word is a prefix.
pub(super) fn note_matches(note: &[String], want: &[String], mode: Mode) -> bool {
    if want.is_empty() || note.len() < want.len() {
        return false;
    }
    note.windows(want.len()).any(|w| {
        w.iter().zip(want).enumerate().all(|(i, (have, want_i))| {
            let m = match mode {
                Mode::Prefix if i + 1 < want.len() => Mode::Exact,
                m => m,
            };
            word_matches(have, want_i, m)
        })
    })
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let subst = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = subst.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &str) -> Vec<String> {
        schema::words(s)
    }

    #[test]
    fn notes_match_runs_of_words() {
        let note = w("Call García's lawyer back, Tuesday");
        assert!(note_matches(&note, &w("garcia"), Mode::Exact));
        assert!(note_matches(&note, &w("lawyer back"), Mode::Exact));
        assert!(!note_matches(&note, &w("back lawyer"), Mode::Exact));
        assert!(!note_matches(&note, &w("law"), Mode::Exact));
        assert!(note_matches(&note, &w("law"), Mode::Prefix));
        assert!(note_matches(&note, &w("lawyer ba"), Mode::Prefix));
        assert!(!note_matches(&note, &w("law back"), Mode::Prefix));
        assert!(note_matches(&note, &w("lawyr"), Mode::Fuzzy(1)));
        assert!(!note_matches(&note, &w("lwyr"), Mode::Fuzzy(1)));
        assert!(note_matches(&note, &w("lwyr"), Mode::Fuzzy(2)));
        assert!(!note_matches(&note, &[], Mode::Exact));
    }

    #[test]
    fn tags_match_whole_names() {
        assert!(word_matches("follow up", "follow up", Mode::Exact));
        assert!(!word_matches("follow up", "follow", Mode::Exact));
        assert!(word_matches("follow up", "follow", Mode::Prefix));
        assert!(word_matches("urgent", "urgnt", Mode::Fuzzy(1)));
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
    }
}
