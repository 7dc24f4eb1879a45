//! What the index holds for given case rows, read from its fast fields
//! instead of being computed again: the patterns found in each message's
//! text at import (the `mention` column), for exports. Finding them again
//! from the text cost about 70 µs a message, most of an export's time
//! (issue 19: JSON export at 1,000–2,500 hits/s).

use std::collections::HashMap;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::query::TermSetQuery;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader, Term};

use super::SearchIndex;
use crate::error::Result;
use crate::patterns::Mention;

impl SearchIndex {
    /// The patterns of the messages of `rowids` as the index has them, by
    /// row id, each list in [`crate::patterns::of_message`]'s order (kind,
    /// then value). A row the index has no document for is not in the
    /// map; a case imported with `--no-patterns` has empty lists until
    /// `mailsift reindex`.
    pub fn mentions_of_rowids(&self, rowids: &[u64]) -> Result<HashMap<u64, Vec<Mention>>> {
        let terms: Vec<Term> = rowids
            .iter()
            .map(|&r| Term::from_field_u64(self.fields.rowid, r))
            .collect();
        let q = TermSetQuery::new(terms);
        self.reader
            .searcher()
            .search(&q, &RowMentions)
            .map_err(|e| self.err(e))
    }
}

struct RowMentions;

struct SegmentRows {
    rowid: Column<u64>,
    mention: Option<StrColumn>,
    out: HashMap<u64, Vec<Mention>>,
}

impl Collector for RowMentions {
    type Fruit = HashMap<u64, Vec<Mention>>;
    type Child = SegmentRows;

    fn for_segment(
        &self,
        _ord: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<SegmentRows> {
        Ok(SegmentRows {
            rowid: segment.fast_fields().u64("rowid")?,
            mention: segment.fast_fields().str("mention")?,
            out: HashMap::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(
        &self,
        fruits: Vec<HashMap<u64, Vec<Mention>>>,
    ) -> tantivy::Result<Self::Fruit> {
        let mut all = HashMap::new();
        for f in fruits {
            all.extend(f);
        }
        Ok(all)
    }
}

impl SegmentCollector for SegmentRows {
    type Fruit = HashMap<u64, Vec<Mention>>;

    fn collect(&mut self, doc: DocId, _score: Score) {
        let Some(rowid) = self.rowid.first(doc) else {
            return;
        };
        let mut list = Vec::new();
        if let Some(c) = &self.mention {
            let mut s = String::new();
            for ord in c.term_ords(doc) {
                s.clear();
                // `has:kind` and `site:domain` terms are not patterns.
                if c.ord_to_str(ord, &mut s).unwrap_or(false)
                    && let Some(m) = Mention::from_term(&s)
                {
                    list.push(m);
                }
            }
        }
        list.sort();
        list.dedup();
        self.out.insert(rowid, list);
    }

    fn harvest(self) -> HashMap<u64, Vec<Mention>> {
        self.out
    }
}
