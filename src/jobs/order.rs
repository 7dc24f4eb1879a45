//! Ordering and grouping the hits of a search for the window's list, on
//! the search thread: by a list column through each message's place in
//! the whole case's order (made once per column), and by thread.

use std::collections::HashMap;

use super::{LightTable, SortColumn};
use crate::index::Hit;
use crate::store::LightRow;

/// A thread among the hits, in the order of its first hit (or a message
/// without a thread): a row of the window's thread view.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThreadGroup {
    /// The thread id; None for a message without a thread.
    pub thread: Option<String>,
    /// The first hit of the thread, which stands for it.
    pub rowid: u64,
    /// Hits in the thread.
    pub hits: u32,
    /// Messages in the thread, in the whole case (1 without a thread).
    pub size: u32,
}

/// The hits grouped by thread, in the order of each thread's first hit.
pub fn thread_groups(
    hits: &[Hit],
    light: &LightTable,
    sizes: &HashMap<String, u32>,
) -> Vec<ThreadGroup> {
    let mut at: HashMap<&str, usize> = HashMap::new();
    let mut out: Vec<ThreadGroup> = Vec::new();
    for h in hits {
        match light.get(&h.rowid).and_then(|r| r.thread.as_deref()) {
            Some(t) => match at.get(t) {
                Some(&i) => out[i].hits += 1,
                None => {
                    at.insert(t, out.len());
                    out.push(ThreadGroup {
                        thread: Some(t.to_string()),
                        rowid: h.rowid,
                        hits: 1,
                        size: sizes.get(t).copied().unwrap_or(1),
                    });
                }
            },
            None => out.push(ThreadGroup {
                thread: None,
                rowid: h.rowid,
                hits: 1,
                size: 1,
            }),
        }
    }
    out
}

/// Every message's thread as a number (made once per case): grouping
/// hits is then a pass of array lookups.
#[derive(Debug, Default)]
pub(super) struct ThreadIndex {
    /// Per row id, the number of its thread (`u32::MAX`: none).
    of_row: Vec<u32>,
    /// Per thread number, its id.
    names: Vec<String>,
    /// Per thread number, its messages in the case.
    sizes: Vec<u32>,
}

impl ThreadIndex {
    /// The threads of the messages of `light`.
    pub(super) fn new(light: &LightTable) -> ThreadIndex {
        let len = light.keys().max().map_or(0, |&m| m as usize + 1);
        let mut idx = ThreadIndex {
            of_row: vec![u32::MAX; len],
            ..ThreadIndex::default()
        };
        let mut number: HashMap<&str, u32> = HashMap::new();
        for r in light.values() {
            let Some(t) = r.thread.as_deref() else {
                continue;
            };
            let n = *number.entry(t).or_insert_with(|| {
                idx.names.push(t.to_string());
                idx.sizes.push(0);
                (idx.names.len() - 1) as u32
            });
            idx.sizes[n as usize] += 1;
            if let Some(slot) = idx.of_row.get_mut(r.rowid as usize) {
                *slot = n;
            }
        }
        idx
    }

    /// [`thread_groups`] of `hits`, through the thread numbers.
    pub(super) fn groups(&self, hits: &[Hit]) -> Vec<ThreadGroup> {
        let mut at = vec![u32::MAX; self.names.len()];
        let mut out: Vec<ThreadGroup> = Vec::new();
        for h in hits {
            let t = self
                .of_row
                .get(h.rowid as usize)
                .copied()
                .unwrap_or(u32::MAX);
            let Some(slot) = at.get_mut(t as usize) else {
                out.push(ThreadGroup {
                    thread: None,
                    rowid: h.rowid,
                    hits: 1,
                    size: 1,
                });
                continue;
            };
            if let Some(g) = out.get_mut(*slot as usize) {
                g.hits += 1;
            } else {
                *slot = out.len() as u32;
                out.push(ThreadGroup {
                    thread: Some(self.names[t as usize].clone()),
                    rowid: h.rowid,
                    hits: 1,
                    size: self.sizes[t as usize],
                });
            }
        }
        out
    }
}

/// What a message is ordered by in a list column.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum SortKey {
    /// A name or address as shown, then the address (From, To), or a
    /// subject (the address empty).
    Text(String, String),
    /// Attachments, thread size.
    Number(u64),
}

/// The key of a light row in `column` (relevance and date have none: the
/// index orders by them).
pub(super) fn sort_key(column: SortColumn, r: &LightRow, sizes: &HashMap<String, u32>) -> SortKey {
    let shown = |name: &Option<String>, addr: &Option<String>| {
        let addr = addr.as_deref().unwrap_or("").to_lowercase();
        let name = name
            .as_deref()
            .map_or_else(|| addr.clone(), str::to_lowercase);
        SortKey::Text(name, addr)
    };
    match column {
        SortColumn::From => shown(&r.from_name, &r.from),
        SortColumn::To => shown(&r.to_name, &r.to),
        SortColumn::Subject => SortKey::Text(
            crate::thread::strip_subject_prefixes(r.subject.as_deref().unwrap_or(""))
                .to_lowercase(),
            String::new(),
        ),
        SortColumn::Attachments => SortKey::Number(u64::from(r.attachments)),
        SortColumn::ThreadSize => SortKey::Number(u64::from(
            r.thread
                .as_ref()
                .and_then(|t| sizes.get(t))
                .copied()
                .unwrap_or(1),
        )),
        SortColumn::Relevance | SortColumn::Date => SortKey::Number(0),
    }
}

/// Each message's place in the order of the whole case by `column`,
/// indexed by row id (ties share a place; `u32::MAX` for row ids not in
/// `light`).
pub(super) fn rank_of(
    column: SortColumn,
    light: &LightTable,
    sizes: &HashMap<String, u32>,
) -> Vec<u32> {
    let mut keyed: Vec<(SortKey, u64)> = light
        .values()
        .map(|r| (sort_key(column, r, sizes), r.rowid))
        .collect();
    keyed.sort_unstable();
    let len = keyed
        .iter()
        .map(|(_, id)| *id)
        .max()
        .map_or(0, |m| m as usize + 1);
    let mut rank = vec![u32::MAX; len];
    let mut place = 0u32;
    for (i, (key, rowid)) in keyed.iter().enumerate() {
        if i > 0 && keyed[i - 1].0 != *key {
            place = i as u32;
        }
        if let Some(r) = rank.get_mut(*rowid as usize) {
            *r = place;
        }
    }
    rank
}

/// Orders hits by their place in `rank` (stable: ties keep the index's
/// order; a message the rank does not know goes first, as an empty key
/// would), reversed when `descending`.
pub(super) fn sort_by_rank(hits: &mut [Hit], rank: &[u32], descending: bool) {
    let place = |h: &Hit| {
        rank.get(h.rowid as usize)
            .copied()
            .filter(|&p| p != u32::MAX)
            .unwrap_or(0)
    };
    hits.sort_by_key(place);
    if descending {
        hits.reverse();
    }
}

/// Orders hits by a list column (relevance and date are the index's),
/// comparing the keys of the hits themselves (what [`WorkerCase::rank`]
/// gives the same order as).
#[cfg(test)]
pub(super) fn sort_hits(
    hits: &mut [Hit],
    sort: super::SortBy,
    light: &LightTable,
    sizes: &HashMap<String, u32>,
) {
    let shown = |name: &Option<String>, addr: &Option<String>| {
        let addr = addr.as_deref().unwrap_or("").to_lowercase();
        let name = name
            .as_deref()
            .map_or_else(|| addr.clone(), str::to_lowercase);
        (name, addr)
    };
    match sort.column {
        SortColumn::Relevance | SortColumn::Date => return,
        // By what the list shows first: the name, else the address.
        SortColumn::From => hits.sort_by_cached_key(|h| {
            light
                .get(&h.rowid)
                .map(|r| shown(&r.from_name, &r.from))
                .unwrap_or_default()
        }),
        SortColumn::To => hits.sort_by_cached_key(|h| {
            light
                .get(&h.rowid)
                .map(|r| shown(&r.to_name, &r.to))
                .unwrap_or_default()
        }),
        SortColumn::Subject => hits.sort_by_cached_key(|h| {
            light
                .get(&h.rowid)
                .map(|r| {
                    crate::thread::strip_subject_prefixes(r.subject.as_deref().unwrap_or(""))
                        .to_lowercase()
                })
                .unwrap_or_default()
        }),
        SortColumn::Attachments => {
            hits.sort_by_key(|h| light.get(&h.rowid).map_or(0, |r| r.attachments))
        }
        SortColumn::ThreadSize => hits.sort_by_key(|h| {
            light
                .get(&h.rowid)
                .and_then(|r| r.thread.as_ref())
                .and_then(|t| sizes.get(t))
                .copied()
                .unwrap_or(1)
        }),
    }
    if sort.descending {
        hits.reverse();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::SortBy;

    fn row(rowid: u64, from: &str, name: Option<&str>, subject: &str, thread: &str) -> LightRow {
        LightRow {
            rowid,
            date: None,
            from: Some(from.into()),
            subject: Some(subject.into()),
            attachments: (rowid % 3) as u32,
            thread: (!thread.is_empty()).then(|| thread.into()),
            to: Some(format!("{}@y.org", rowid % 4)),
            from_name: name.map(Into::into),
            to_name: None,
        }
    }

    fn light() -> LightTable {
        [
            row(1, "zz@x.org", Some("Anna Berg"), "Re: budget", "t1"),
            row(2, "aa@x.org", Some("Zoltan Kiss"), "budget", "t1"),
            row(3, "mm@x.org", None, "Fwd: Lunch", ""),
            row(5, "MM@x.org", None, "agenda", "t2"),
            row(6, "bb@x.org", Some("anna berg"), "lunch", "t1"),
            row(7, "cc@x.org", None, "", "t3"),
        ]
        .into_iter()
        .map(|r| (r.rowid, r))
        .collect()
    }

    fn hits(ids: &[u64]) -> Vec<Hit> {
        ids.iter()
            .map(|&rowid| Hit {
                rowid,
                score: 0.0,
                date: None,
            })
            .collect()
    }

    /// Sorting by each message's place in the whole case gives the order
    /// comparing the hits' own keys gave, ties in the index's order.
    #[test]
    fn ranks_order_as_the_keys_do() {
        let light = light();
        let sizes: HashMap<String, u32> = [("t1".to_string(), 3), ("t2".into(), 1)].into();
        for column in [
            SortColumn::From,
            SortColumn::To,
            SortColumn::Subject,
            SortColumn::Attachments,
            SortColumn::ThreadSize,
        ] {
            let rank = rank_of(column, &light, &sizes);
            for descending in [false, true] {
                for ids in [&[7u64, 6, 5, 3, 2, 1][..], &[1, 2, 3, 5, 6, 7], &[6, 2, 7]] {
                    let mut want = hits(ids);
                    sort_hits(&mut want, SortBy { column, descending }, &light, &sizes);
                    let mut got = hits(ids);
                    sort_by_rank(&mut got, &rank, descending);
                    assert_eq!(got, want, "{column:?} descending {descending} of {ids:?}");
                }
            }
        }
    }

    /// Threads in the order of their first hit, with their hits and size;
    /// a message without a thread stands alone.
    #[test]
    fn hits_group_by_thread_in_order() {
        let light = light();
        let sizes: HashMap<String, u32> = [("t1".to_string(), 3), ("t2".into(), 1)].into();
        let groups = thread_groups(&hits(&[6, 3, 1, 5, 2]), &light, &sizes);
        let got: Vec<(Option<&str>, u64, u32, u32)> = groups
            .iter()
            .map(|g| (g.thread.as_deref(), g.rowid, g.hits, g.size))
            .collect();
        assert_eq!(
            got,
            [
                (Some("t1"), 6, 3, 3),
                (None, 3, 1, 1),
                (Some("t2"), 5, 1, 1),
            ]
        );
        // Through thread numbers: the same groups, sizes counted in the case.
        let index = ThreadIndex::new(&light);
        let sizes: HashMap<String, u32> =
            [("t1".to_string(), 3), ("t2".into(), 1), ("t3".into(), 1)].into();
        for ids in [
            &[6u64, 3, 1, 5, 2][..],
            &[7, 1, 2, 3, 5, 6],
            &[9, 2, 9],
            &[],
        ] {
            assert_eq!(
                index.groups(&hits(ids)),
                thread_groups(&hits(ids), &light, &sizes),
                "{ids:?}"
            );
        }
    }
}
