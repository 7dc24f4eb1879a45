//! Fuzz body for the search path: `query` (the query language's
//! canonical form is a fixed point, errors point inside the input, a parsed
//! query always converts to tantivy and searches a small in-RAM index,
//! highlight ranges stay inside their text).

use std::ops::Range;
use std::sync::OnceLock;

use crate::index::snippet::{Highlighter, mark};
use crate::index::{Resolver, SearchIndex, Sort};
use crate::model::{Address, Message, Sha256};
use crate::query as query_mod;

/// A resolver with no case behind it.
struct NoCase;

impl Resolver for NoCase {
    fn thread_rowids(&self, _: &str) -> crate::error::Result<Vec<u64>> {
        Ok(vec![2])
    }
    fn source_rowids(&self, _: &str) -> crate::error::Result<Vec<u64>> {
        Ok(vec![1])
    }
    fn duplicate_rowids(&self) -> crate::error::Result<Vec<u64>> {
        Ok(vec![1])
    }
    fn flag_rowids(&self, _: query_mod::Flag) -> crate::error::Result<Vec<u64>> {
        Ok(vec![2])
    }
    fn annotated_rowids(&self, _: &crate::index::Annotated<'_>) -> crate::error::Result<Vec<u64>> {
        Ok(vec![1])
    }
}

/// A small in-memory index, built once per process.
fn index() -> &'static SearchIndex {
    static I: OnceLock<SearchIndex> = OnceLock::new();
    I.get_or_init(|| {
        let idx = SearchIndex::in_ram();
        let f = idx.fields().clone();
        let mut w = idx.writer().expect("an index writer");
        let texts = [
            (
                "Budget for May",
                "The MOSCOW trip. 会議の資料 García",
                "ann@mail.dnc.org",
            ),
            (
                "Re: travel",
                "budget talk in the body, donor",
                "bob@example.com",
            ),
            ("", "", ""),
        ];
        for (i, (subject, body, from)) in texts.iter().enumerate() {
            let mut m = Message::empty(Sha256::of(&[i as u8]), 10);
            m.subject = Some(subject.to_string());
            m.body_text = body.to_string();
            m.from = vec![Address {
                name: Some("Ann".into()),
                addr: from.to_string(),
            }];
            m.date = Some(1_462_000_000 + i as i64 * 86_400);
            m.message_id = Some(format!("m{i}@x"));
            let mut d = f.document(&m);
            f.set_rowid(&mut d, i as u64 + 1);
            w.add(d).expect("add a document");
        }
        w.commit(texts.len() as u64).expect("commit");
        idx.reload().expect("reload");
        idx
    })
}

fn check_ranges(text: &str, ranges: &[Range<usize>]) {
    for r in ranges {
        assert!(
            r.start <= r.end && r.end <= text.len(),
            "range {r:?} outside {} bytes",
            text.len()
        );
        assert!(text.is_char_boundary(r.start) && text.is_char_boundary(r.end));
    }
}

/// Fuzz target `query`: any bytes (as UTF-8, lossily) as a search query.
pub fn query(data: &[u8]) {
    let input = String::from_utf8_lossy(data);
    let q = match query_mod::parse(&input) {
        Ok(q) => q,
        Err(e) => {
            assert!(
                e.span.start <= e.span.end && e.span.end <= input.len(),
                "error span {:?} outside the input",
                e.span
            );
            assert!(input.is_char_boundary(e.span.start) && input.is_char_boundary(e.span.end));
            let _ = e.caret(&input);
            return;
        }
    };
    let shown = q.to_string();
    let again = query_mod::parse(&shown)
        .unwrap_or_else(|e| panic!("canonical form {shown:?} does not parse: {e}"));
    assert_eq!(again, q, "canonical form {shown:?} parses to another query");
    assert_eq!(
        again.to_string(),
        shown,
        "canonical form is not a fixed point"
    );

    // To tantivy and back: a search never fails on a parsed query.
    let idx = index();
    let hits = idx
        .search(&q, &NoCase, Sort::Relevance)
        .expect("a parsed query searches");
    let count = idx.count(&q, &NoCase).expect("a parsed query counts");
    assert_eq!(hits.len(), count);

    // Highlighting and snippets, on the query itself and on a fixed text.
    let h = Highlighter::new(&q, crate::query::Field::Body);
    for text in [&*input, "The MOSCOW trip. 会議の資料 García, budget talk"] {
        check_ranges(text, &h.ranges(text));
        let (snip, ranges) = h.snippet(text, 40);
        check_ranges(&snip, &ranges);
        let _ = mark(&snip, &ranges, "«", "»");
    }
}
