//! The window's cheap facets of a query's hits, counted in the index:
//! senders and their domains (the `sender` and `sender_domain` fast
//! columns, counted by term ordinal per segment) and messages per day (the
//! `date` fast column). No stored document and no case row is read, so a
//! query matching every message costs one pass over three columns.

use std::collections::{BTreeMap, HashMap};

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

use super::{Resolver, SearchIndex};
use crate::error::Result;
use crate::query::Query;

/// Counts over every hit of a query (see [`SearchIndex::facet_counts`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IndexFacets {
    /// Hits per sender (the first From address, lower case).
    pub senders: HashMap<String, u64>,
    /// Hits per domain of that address.
    pub domains: HashMap<String, u64>,
    /// Hits per day (days since 1970-01-01, UTC); undated hits left out.
    pub days: BTreeMap<i64, u64>,
    /// Hits without a date.
    pub undated: u64,
    /// Every hit counted.
    pub hits: u64,
}

impl SearchIndex {
    /// Senders, sender domains and days of the hits of `q`, counted from
    /// the index's fast columns.
    pub fn facet_counts(&self, q: &Query, resolver: &dyn Resolver) -> Result<IndexFacets> {
        let tq = self.convert(q, resolver)?;
        self.reader
            .searcher()
            .search(&*tq, &FacetCounter)
            .map_err(|e| self.err(e))
    }
}

/// The collector.
struct FacetCounter;

/// One segment's counts: senders and domains by term ordinal.
struct SegmentFacets {
    sender: Option<StrColumn>,
    domain: Option<StrColumn>,
    date: Column<i64>,
    senders: Vec<u64>,
    domains: Vec<u64>,
    days: HashMap<i64, u64>,
    undated: u64,
    hits: u64,
}

impl Collector for FacetCounter {
    type Fruit = IndexFacets;
    type Child = SegmentFacets;

    fn for_segment(
        &self,
        _ord: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<SegmentFacets> {
        let fast = segment.fast_fields();
        let sender = fast.str("sender")?;
        let domain = fast.str("sender_domain")?;
        let terms = |c: &Option<StrColumn>| c.as_ref().map_or(0, |c| c.num_terms());
        Ok(SegmentFacets {
            senders: vec![0; terms(&sender)],
            domains: vec![0; terms(&domain)],
            sender,
            domain,
            date: fast.i64("date")?,
            days: HashMap::new(),
            undated: 0,
            hits: 0,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<IndexFacets>) -> tantivy::Result<IndexFacets> {
        let mut all = IndexFacets::default();
        for f in fruits {
            for (s, n) in f.senders {
                *all.senders.entry(s).or_default() += n;
            }
            for (d, n) in f.domains {
                *all.domains.entry(d).or_default() += n;
            }
            for (day, n) in f.days {
                *all.days.entry(day).or_default() += n;
            }
            all.undated += f.undated;
            all.hits += f.hits;
        }
        Ok(all)
    }
}

/// Adds one to the count of each ordinal the document has in `column`.
fn count_ords(column: &Option<StrColumn>, counts: &mut [u64], doc: DocId) {
    if let Some(c) = column {
        for ord in c.term_ords(doc) {
            if let Some(n) = counts.get_mut(ord as usize) {
                *n += 1;
            }
        }
    }
}

/// The terms of `column` with a count, by name.
fn by_name(column: Option<StrColumn>, counts: &[u64]) -> HashMap<String, u64> {
    let mut out = HashMap::new();
    let Some(c) = column else {
        return out;
    };
    let mut s = String::new();
    for (ord, &n) in counts.iter().enumerate() {
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

impl SegmentCollector for SegmentFacets {
    type Fruit = IndexFacets;

    fn collect(&mut self, doc: DocId, _score: Score) {
        self.hits += 1;
        count_ords(&self.sender, &mut self.senders, doc);
        count_ords(&self.domain, &mut self.domains, doc);
        match self.date.first(doc) {
            Some(d) => *self.days.entry(d.div_euclid(crate::time::DAY)).or_default() += 1,
            None => self.undated += 1,
        }
    }

    fn harvest(self) -> IndexFacets {
        IndexFacets {
            senders: by_name(self.sender, &self.senders),
            domains: by_name(self.domain, &self.domains),
            days: self.days.into_iter().collect(),
            undated: self.undated,
            hits: self.hits,
        }
    }
}
