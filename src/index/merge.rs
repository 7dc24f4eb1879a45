//! How the import's index writer merges segments, so that its memory does
//! not grow with the case (issue 19: 998 MB peak while tantivy merged
//! segments of a 1,000,000-message import, 250–350 MB the rest of the
//! time).
//!
//! tantivy's defaults merge on four threads at once and let a merge grow
//! to 10,000,000 documents. Here: one merge thread (merges run one after
//! another, not side by side), and tantivy's log-structured policy with
//! every merge it proposes cut to at most [`MAX_MERGED_DOCS`] documents
//! (smallest segments first); a segment that large is never merged again.
//! A million messages end in a handful of segments of up to that size,
//! which a search visits one after the other at no measurable cost.

use tantivy::index::SegmentMeta;
use tantivy::merge_policy::{LogMergePolicy, MergeCandidate, MergePolicy};

/// The most documents one merge produces.
pub(super) const MAX_MERGED_DOCS: u32 = 150_000;

/// Merge threads of the writer.
pub(super) const MERGE_THREADS: usize = 1;

/// tantivy's log merge policy, each merge bounded (see the module doc).
#[derive(Debug)]
pub(super) struct BoundedMerges {
    log: LogMergePolicy,
    max_docs: u32,
}

impl BoundedMerges {
    /// Merges of at most `max_docs` documents.
    pub(super) fn new(max_docs: u32) -> BoundedMerges {
        let mut log = LogMergePolicy::default();
        log.set_max_docs_before_merge(max_docs as usize);
        BoundedMerges { log, max_docs }
    }
}

impl MergePolicy for BoundedMerges {
    fn compute_merge_candidates(&self, segments: &[SegmentMeta]) -> Vec<MergeCandidate> {
        let docs = |id: &tantivy::index::SegmentId| {
            segments
                .iter()
                .find(|s| s.id() == *id)
                .map_or(0, |s| s.num_docs())
        };
        self.log
            .compute_merge_candidates(segments)
            .into_iter()
            .filter_map(|MergeCandidate(mut ids)| {
                ids.sort_by_key(|id| docs(id));
                let mut total = 0u32;
                ids.retain(|id| {
                    total = total.saturating_add(docs(id));
                    total <= self.max_docs
                });
                (ids.len() >= 2).then_some(MergeCandidate(ids))
            })
            .collect()
    }
}
