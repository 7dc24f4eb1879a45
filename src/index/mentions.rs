//! The patterns found in the text of a query's hits, counted: the
//! window's pattern facets and `mailsift patterns`. Read from the
//! `mention` fast column (each document's terms as dictionary ordinals),
//! so counting 60,000 hits decodes no stored document.

use std::collections::HashMap;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::StrColumn;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

use super::{Resolver, SearchIndex};
use crate::error::Result;
use crate::patterns::Mention;
use crate::query::Query;

impl SearchIndex {
    /// Each pattern value found in the hits of `q`, with the number of
    /// hits it is found in.
    pub fn mention_counts(
        &self,
        q: &Query,
        resolver: &dyn Resolver,
    ) -> Result<Vec<(Mention, u64)>> {
        let tq = self.convert(q, resolver)?;
        let searcher = self.reader.searcher();
        let counts = searcher
            .search(&*tq, &MentionCounts)
            .map_err(|e| self.err(e))?;
        let mut out: Vec<(Mention, u64)> = counts
            .into_iter()
            .filter_map(|(t, n)| Some((Mention::from_term(&t)?, n)))
            .collect();
        out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Ok(out)
    }

    /// `mentions:`: the values the text stands for, normalised as
    /// extraction normalises them; a domain also finds its subdomains.
    pub(super) fn mentions(&self, text: &str) -> Box<dyn tantivy::query::Query> {
        let f = &self.fields;
        let terms: Vec<tantivy::Term> = crate::patterns::query_values(text)
            .into_iter()
            .map(|m| {
                let t = if m.kind == crate::patterns::Kind::Domain {
                    super::schema::site_term(&m.value)
                } else {
                    m.term()
                };
                tantivy::Term::from_field_text(f.mention, &t)
            })
            .collect();
        if terms.is_empty() {
            return Box::new(tantivy::query::EmptyQuery);
        }
        Box::new(tantivy::query::TermSetQuery::new(terms))
    }
}

/// Counts the `mention` terms of the hits.
struct MentionCounts;

/// One segment's counts, by term ordinal.
struct SegmentCounts {
    column: Option<StrColumn>,
    counts: Vec<u64>,
}

impl Collector for MentionCounts {
    type Fruit = HashMap<String, u64>;
    type Child = SegmentCounts;

    fn for_segment(
        &self,
        _ord: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<SegmentCounts> {
        let column = segment.fast_fields().str("mention")?;
        let terms = column.as_ref().map_or(0, |c| c.num_terms());
        Ok(SegmentCounts {
            column,
            counts: vec![0; terms],
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<HashMap<String, u64>>) -> tantivy::Result<Self::Fruit> {
        let mut all: HashMap<String, u64> = HashMap::new();
        for f in fruits {
            for (t, n) in f {
                *all.entry(t).or_default() += n;
            }
        }
        Ok(all)
    }
}

impl SegmentCollector for SegmentCounts {
    type Fruit = HashMap<String, u64>;

    fn collect(&mut self, doc: DocId, _score: Score) {
        if let Some(c) = &self.column {
            for ord in c.term_ords(doc) {
                if let Some(n) = self.counts.get_mut(ord as usize) {
                    *n += 1;
                }
            }
        }
    }

    fn harvest(self) -> HashMap<String, u64> {
        let mut out = HashMap::new();
        let Some(c) = self.column else {
            return out;
        };
        let mut s = String::new();
        for (ord, &n) in self.counts.iter().enumerate() {
            if n == 0 {
                continue;
            }
            s.clear();
            if c.ord_to_str(ord as u64, &mut s).unwrap_or(false) {
                out.insert(s.clone(), n);
            }
        }
        out
    }
}
