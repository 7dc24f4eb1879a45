//! The first N hits of a query without collecting every hit: each segment
//! keeps at most 2N candidates (cut back to the best N with a linear
//! selection whenever it fills up), the segments' bests are merged and
//! sorted. The order is exactly [`SearchIndex::search`]'s — by score (ties:
//! newer first, then row id), or by date (undated last, ties by row id) —
//! so a limited search returns the first N of the full sorted search, ties
//! included (the row id makes the order total).
//!
//! Why not tantivy's `TopDocs`: its ties are broken by document address,
//! not by our (date, row id), and ordering by a fast field would need one
//! collector per direction; this one is a few lines and shares the order.

use std::cmp::Ordering;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

use super::{Hit, SearchIndex, Sort};
use crate::error::Result;
use crate::index::Resolver;
use crate::query::Query;

/// The order of hits for `sort` (a total order: row ids are unique).
pub(super) fn order(sort: Sort, a: &Hit, b: &Hit) -> Ordering {
    match sort {
        Sort::Relevance => b
            .score
            .total_cmp(&a.score)
            .then(b.date.cmp(&a.date))
            .then(a.rowid.cmp(&b.rowid)),
        Sort::Date => (a.date.is_none(), a.date, a.rowid).cmp(&(b.date.is_none(), b.date, b.rowid)),
        Sort::DateDesc => (a.date.is_none(), std::cmp::Reverse(a.date), a.rowid).cmp(&(
            b.date.is_none(),
            std::cmp::Reverse(b.date),
            b.rowid,
        )),
    }
}

/// Keeps the best `n` of `hits` (unsorted).
fn cut(hits: &mut Vec<Hit>, n: usize, sort: Sort) {
    if hits.len() > n {
        if n > 0 {
            hits.select_nth_unstable_by(n - 1, |a, b| order(sort, a, b));
        }
        hits.truncate(n);
    }
}

/// Collects the best `limit` hits in `sort` order.
struct TopHits {
    sort: Sort,
    limit: usize,
}

struct SegmentTop {
    rowid: Column<u64>,
    date: Column<i64>,
    sort: Sort,
    limit: usize,
    hits: Vec<Hit>,
}

impl Collector for TopHits {
    type Fruit = Vec<Hit>;
    type Child = SegmentTop;

    fn for_segment(
        &self,
        _ord: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<SegmentTop> {
        Ok(SegmentTop {
            rowid: segment.fast_fields().u64("rowid")?,
            date: segment.fast_fields().i64("date")?,
            sort: self.sort,
            limit: self.limit,
            hits: Vec::with_capacity(self.limit.saturating_mul(2).min(1 << 16)),
        })
    }

    fn requires_scoring(&self) -> bool {
        self.sort == Sort::Relevance
    }

    fn merge_fruits(&self, fruits: Vec<Vec<Hit>>) -> tantivy::Result<Vec<Hit>> {
        let mut all: Vec<Hit> = fruits.into_iter().flatten().collect();
        cut(&mut all, self.limit, self.sort);
        all.sort_by(|a, b| order(self.sort, a, b));
        Ok(all)
    }
}

impl SegmentCollector for SegmentTop {
    type Fruit = Vec<Hit>;

    fn collect(&mut self, doc: DocId, score: Score) {
        if let Some(rowid) = self.rowid.first(doc) {
            self.hits.push(Hit {
                rowid,
                score,
                date: self.date.first(doc),
            });
            if self.hits.len() >= self.limit.saturating_mul(2).max(1) {
                cut(&mut self.hits, self.limit, self.sort);
            }
        }
    }

    fn harvest(mut self) -> Vec<Hit> {
        cut(&mut self.hits, self.limit, self.sort);
        self.hits
    }
}

impl SearchIndex {
    /// The first `limit` hits of `q` in `sort` order: the same as the first
    /// `limit` of [`SearchIndex::search`], without holding every hit.
    pub fn search_top(
        &self,
        q: &Query,
        resolver: &dyn Resolver,
        sort: Sort,
        limit: usize,
    ) -> Result<Vec<Hit>> {
        let tq = self.convert(q, resolver)?;
        self.reader
            .searcher()
            .search(&*tq, &TopHits { sort, limit })
            .map_err(|e| self.err(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(rowid: u64, score: f32, date: Option<i64>) -> Hit {
        Hit { rowid, score, date }
    }

    /// `cut` then sort gives the first n of a full sort, for every n, with
    /// many ties in score and date.
    #[test]
    fn cut_keeps_exactly_the_first_n_of_the_full_order() {
        let mut all = Vec::new();
        for i in 0..200u64 {
            let date = (i % 7 != 0).then_some((i % 5) as i64);
            all.push(hit(i * 7 % 200, (i % 3) as f32, date));
        }
        for sort in [Sort::Relevance, Sort::Date, Sort::DateDesc] {
            let mut full = all.clone();
            full.sort_by(|a, b| order(sort, a, b));
            for n in [0, 1, 2, 5, 50, 199, 200, 250] {
                let mut top = all.clone();
                cut(&mut top, n, sort);
                top.sort_by(|a, b| order(sort, a, b));
                assert_eq!(top, full[..n.min(full.len())].to_vec(), "{sort:?} {n}");
            }
        }
    }
}
