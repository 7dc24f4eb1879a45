//! The facets of a search's hits: what the window's sidebar counts. The
//! cheap ones (senders, their domains, months, days) are counted in the
//! index over every hit ([`Facets::from_index`]); the others read records
//! (recipients, attachment types and labels over a sample), the case
//! (tags) or the index's pattern column, after the hits are shown.

use std::collections::{BTreeMap, HashMap};

use super::LightTable;
use crate::browse::Browser;
use crate::index::Hit;
use crate::query::Query;
use crate::time::rfc3339;

/// Counts of a facet, most frequent first.
pub type FacetCounts = Vec<(String, u64)>;

/// Facets of a result set.
#[derive(Clone, Debug, Default)]
pub struct Facets {
    /// First From addresses (lower case) over every hit, most frequent first, at most
    /// [`FACET_TOP`].
    pub senders: FacetCounts,
    /// Domains of those addresses over every hit, at most [`FACET_TOP`].
    pub sender_domains: FacetCounts,
    /// From the first [`FACET_SAMPLE`] hits (their records are decoded).
    pub recipients: FacetCounts,
    /// File name extensions of attachments, from the first [`FACET_SAMPLE`] hits.
    pub attachment_types: FacetCounts,
    /// Gmail labels (as written), from the first [`FACET_SAMPLE`] hits.
    pub labels: FacetCounts,
    /// The investigators' tags (as written), over every hit.
    pub tags: FacetCounts,
    /// Patterns found in the text, over every hit, per kind ([`MENTION_FACETS`]),
    /// at most [`FACET_TOP`] each: values as the index holds them.
    pub mentions: Vec<(crate::patterns::Kind, FacetCounts)>,
    /// How many hits `recipients`, `attachment_types` and `labels` were counted over.
    pub sampled: usize,
    /// Messages per month (`YYYY-MM`), over every hit; undated ones are left out.
    pub months: BTreeMap<String, u64>,
    /// Messages per day (days since 1970-01-01, UTC), over every hit;
    /// what the window's timeline makes its bars from.
    pub days: BTreeMap<i64, u64>,
    /// Hits without a date (not in `months`).
    pub undated: u64,
    /// Whether the facets read from records and the case (recipients,
    /// attachment types, labels, tags, patterns) are still being counted.
    pub counting: bool,
}

impl Facets {
    /// The facets counted in the index over every hit of `query`:
    /// senders, their domains, months and days (the others empty, and
    /// `counting`).
    pub fn from_index(browser: &Browser, query: &Query) -> crate::error::Result<Facets> {
        let counts = browser.facet_counts(query)?;
        let mut months: BTreeMap<String, u64> = BTreeMap::new();
        for (&day, &n) in &counts.days {
            *months.entry(month_of(day * crate::time::DAY)).or_default() += n;
        }
        Ok(Facets {
            senders: top(counts.senders),
            sender_domains: top(counts.domains),
            months,
            days: counts.days,
            undated: counts.undated,
            counting: true,
            ..Facets::default()
        })
    }

    /// Takes the facets read from records and the case from `more` (see
    /// [`JobOutput::Facets`]); counting is over.
    pub fn complete(&mut self, more: Facets) {
        self.recipients = more.recipients;
        self.attachment_types = more.attachment_types;
        self.labels = more.labels;
        self.tags = more.tags;
        self.mentions = more.mentions;
        self.sampled = more.sampled;
        self.counting = false;
    }
}

/// Hits whose records are decoded for the recipient and attachment facets.
pub const FACET_SAMPLE: usize = 2_000;
/// Entries kept per facet.
pub const FACET_TOP: usize = 12;

/// The kinds of patterns shown as facets, in order.
pub const MENTION_FACETS: [crate::patterns::Kind; 5] = [
    crate::patterns::Kind::Phone,
    crate::patterns::Kind::Domain,
    crate::patterns::Kind::Email,
    crate::patterns::Kind::Iban,
    crate::patterns::Kind::Money,
];

/// The pattern facets of the hits of `query` (read from the index's
/// column of patterns; empty when that fails).
pub fn mention_facets(
    browser: &Browser,
    query: &Query,
) -> Vec<(crate::patterns::Kind, FacetCounts)> {
    let counts = browser.mention_counts(query).unwrap_or_default();
    MENTION_FACETS
        .iter()
        .map(|&k| {
            let top: FacetCounts = counts
                .iter()
                .filter(|(m, _)| m.kind == k)
                .take(FACET_TOP)
                .map(|(m, n)| (m.value.clone(), *n))
                .collect();
            (k, top)
        })
        .filter(|(_, v)| !v.is_empty())
        .collect()
}

pub(super) fn top(map: HashMap<String, u64>) -> FacetCounts {
    let mut v: Vec<(String, u64)> = map.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v.truncate(FACET_TOP);
    v
}

/// Facets of `hits`, all at once (what the window shows once a search has
/// finished; the search job counts senders, domains and dates in the index
/// instead, [`Facets::from_index`], which gives the same counts): senders and
/// months over all of them (from `light`), recipients, attachment types and
/// Gmail labels over the first [`FACET_SAMPLE`]; tags over all of them (from
/// the case). Patterns are left out ([`mention_facets`]).
pub fn facets(browser: &Browser, hits: &[Hit], light: &LightTable) -> Facets {
    let mut senders: HashMap<String, u64> = HashMap::new();
    let mut domains: HashMap<String, u64> = HashMap::new();
    let mut months: BTreeMap<String, u64> = BTreeMap::new();
    let mut days: BTreeMap<i64, u64> = BTreeMap::new();
    let mut undated = 0;
    for h in hits {
        if let Some(from) = light.get(&h.rowid).and_then(|r| r.from.as_ref()) {
            let from = from.to_lowercase();
            if let Some((_, d)) = from.rsplit_once('@') {
                *domains.entry(d.to_string()).or_default() += 1;
            }
            *senders.entry(from).or_default() += 1;
        }
        match h.date {
            Some(d) => {
                *months.entry(month_of(d)).or_default() += 1;
                *days.entry(d.div_euclid(crate::time::DAY)).or_default() += 1;
            }
            None => undated += 1,
        }
    }
    let rowids: Vec<u64> = hits.iter().map(|h| h.rowid).collect();
    Facets {
        senders: top(senders),
        sender_domains: top(domains),
        tags: top(crate::desk::tag_counts(&browser.case, hits).unwrap_or_default()),
        mentions: Vec::new(),
        months,
        days,
        undated,
        ..sampled_facets(browser, &rowids)
    }
}

/// Recipients, attachment types and Gmail labels over the first
/// [`FACET_SAMPLE`] of `rowids` (their records are decoded); the other
/// facets empty.
pub(super) fn sampled_facets(browser: &Browser, rowids: &[u64]) -> Facets {
    let mut recipients: HashMap<String, u64> = HashMap::new();
    let mut types: HashMap<String, u64> = HashMap::new();
    let mut labels: HashMap<String, u64> = HashMap::new();
    let sample = rowids.len().min(FACET_SAMPLE);
    for &rowid in &rowids[..sample] {
        let Ok(Some(m)) = browser.message_if_any(rowid) else {
            continue;
        };
        for a in m.to.iter().chain(&m.cc) {
            *recipients.entry(a.addr.to_lowercase()).or_default() += 1;
        }
        for l in &m.labels {
            *labels.entry(l.clone()).or_default() += 1;
        }
        for a in &m.attachments {
            let ext = a
                .name
                .as_deref()
                .and_then(|n| n.rsplit_once('.'))
                .map(|(_, e)| e.to_lowercase())
                .filter(|e| {
                    !e.is_empty() && e.len() <= 8 && e.chars().all(|c| c.is_ascii_alphanumeric())
                })
                .unwrap_or_else(|| a.mime.to_lowercase());
            *types.entry(ext).or_default() += 1;
        }
    }
    Facets {
        recipients: top(recipients),
        attachment_types: top(types),
        labels: top(labels),
        sampled: sample,
        ..Facets::default()
    }
}

/// `YYYY-MM` of a date (UTC).
pub fn month_of(secs: i64) -> String {
    rfc3339(secs).chars().take(7).collect()
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicBool;

    use super::*;
    use crate::index::Sort;
    use crate::pipeline::{self, ImportOptions};
    use crate::store::Case;

    /// The sample collection (every layout), imported into `dir`.
    fn sample_case(dir: &std::path::Path) -> Browser {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_mbox");
        let sources: Vec<std::path::PathBuf> = ["dnc", "podesta", "maildir"]
            .iter()
            .map(|s| root.join(s))
            .collect();
        let mut case = Case::open_for_writing(dir).unwrap();
        pipeline::import(
            &mut case,
            &sources,
            &ImportOptions::default(),
            &mut |_| {},
            &AtomicBool::new(false),
        )
        .unwrap();
        drop(case);
        Browser::open(dir).unwrap()
    }

    /// Senders, domains, months and days counted in the index equal those
    /// counted over every hit from the case's columns (the old way), for
    /// a query matching everything and for a narrow one.
    #[test]
    fn facets_from_the_index_equal_those_counted_over_the_hits() {
        let dir = tempfile::tempdir().unwrap();
        let browser = sample_case(dir.path());
        let light: LightTable = browser
            .case
            .light_rows(0)
            .unwrap()
            .into_iter()
            .map(|r| (r.rowid, r))
            .collect();
        for text in ["*", "budget", "from:bergstrom", "has:attachment"] {
            let found = browser.search(text, Sort::Date).unwrap();
            assert!(!found.hits.is_empty(), "{text}: no hits");
            let old = facets(&browser, &found.hits, &light);
            let new = Facets::from_index(&browser, &found.query).unwrap();
            assert!(!old.senders.is_empty() && !old.months.is_empty(), "{text}");
            assert_eq!(new.senders, old.senders, "{text}: senders");
            assert_eq!(new.sender_domains, old.sender_domains, "{text}: domains");
            assert_eq!(new.months, old.months, "{text}: months");
            assert_eq!(new.days, old.days, "{text}: days");
            assert_eq!(new.undated, old.undated, "{text}: undated");
            // Every hit is counted once, dated or not.
            let counted = browser.facet_counts(&found.query).unwrap();
            assert_eq!(counted.hits, found.hits.len() as u64, "{text}");
            assert_eq!(
                counted.days.values().sum::<u64>() + counted.undated,
                counted.hits,
                "{text}"
            );
        }
        // A narrow query counts fewer than everything.
        let all = browser.facet_counts(&Query::All).unwrap();
        let some = browser
            .facet_counts(&crate::browse::parse_query("budget").unwrap())
            .unwrap();
        assert!(some.hits < all.hits, "{} < {}", some.hits, all.hits);
    }
}
