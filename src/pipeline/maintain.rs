//! Keeping a case consistent outside an import: catching the index up
//! with the database (after an import killed between their commits),
//! rebuilding the index, and recomputing threads over the whole case.

use crate::error::Result;
use crate::index::{IndexWriterHandle, SearchIndex};
use crate::store::Case;

/// Messages between two progress reports of a catch-up.
const PROGRESS_EVERY: u64 = 250;

/// Brings the index of a case opened for writing up to date with its
/// database (after an import was killed between the two commits), and its
/// threads. Returns the number of messages indexed.
pub fn catch_up(case: &mut Case) -> Result<u64> {
    let index = SearchIndex::open_or_create(&case.index_dir())?;
    let behind = case.max_rowid()?.saturating_sub(index.indexed_upto()?);
    if behind > 0 {
        let mut w = index.writer()?;
        catch_up_index(case, &index, &mut w, &mut |_, _| {})?;
        w.finish()?;
    }
    if behind > 0 || case.unthreaded()? > 0 {
        update_threads(case)?;
    }
    Ok(behind)
}

/// Indexes messages the case has and the index does not (left behind by
/// an import that was killed between the database and the index commits,
/// or all of them when the index was of an older version); `progress`
/// hears (indexed, to index) every [`PROGRESS_EVERY`] messages.
pub(super) fn catch_up_index(
    case: &Case,
    index: &SearchIndex,
    w: &mut IndexWriterHandle,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<()> {
    let upto = index.indexed_upto()?;
    let max = case.max_rowid()?;
    if upto >= max {
        return Ok(());
    }
    let total = max - upto;
    let fields = index.fields();
    let mut done = 0u64;
    progress(0, total);
    // Documents past `upto` may exist from an uncommitted run: replace them.
    case.messages_after(upto, &mut |rowid, msg| {
        done += 1;
        if done.is_multiple_of(PROGRESS_EVERY) {
            progress(done.min(total), total);
        }
        w.delete(rowid);
        let mut doc = fields.document(&msg);
        fields.set_rowid(&mut doc, rowid);
        w.add(doc)
    })?;
    w.commit(max)
}

/// Rebuilds the search index of a case from the case database, and its
/// threads; returns the number of messages indexed.
pub fn reindex(case: &mut Case) -> Result<u64> {
    let index = SearchIndex::open_or_create(&case.index_dir())?;
    let fields = index.fields().clone();
    let mut w = index.writer()?;
    w.delete_all()?;
    let mut n = 0;
    case.messages_after(0, &mut |rowid, msg| {
        let mut doc = fields.document(&msg);
        fields.set_rowid(&mut doc, rowid);
        n += 1;
        w.add(doc)
    })?;
    w.commit(case.max_rowid()?)?;
    w.finish()?;
    update_threads(case)?;
    Ok(n)
}

/// Recomputes threads over the whole case and stores the ids that changed.
/// Uses [`crate::thread::IdThreader`] over sequential scans of the case
/// (Message-IDs sorted by key in memory, then reply headers and stored ids
/// in row order), so memory is a couple of hundred bytes per message (no
/// inputs or trees held) and the table is read in its own order.
pub fn update_threads(case: &mut Case) -> Result<usize> {
    let mut ids = case.message_ids()?;
    ids.sort_unstable_by_key(|r| r.1);
    // Row id -> position in key order.
    let max_row = ids.iter().map(|r| r.0).max().unwrap_or(0) as usize;
    let mut pos = vec![u32::MAX; max_row + 1];
    let mut threader = crate::thread::IdThreader::new();
    for (m, (rowid, key, mid)) in ids.into_iter().enumerate() {
        pos[rowid as usize] = m as u32;
        threader.add_message(key, mid.as_deref());
    }
    fn split(s: &str) -> impl Iterator<Item = &str> {
        s.split(' ').filter(|x| !x.is_empty())
    }
    case.for_each_reply_headers(|rowid, irt, refs, gm, index| {
        if let Some(&m) = pos.get(rowid as usize)
            && m != u32::MAX
        {
            threader.add_replies(m as usize, split(irt), split(refs), gm, index);
        }
    })?;
    let (group_of, thread_ids) = threader.finish();
    let mut changes: Vec<(u64, String)> = Vec::new();
    let mut stored = vec![false; group_of.len()];
    case.for_each_stored_thread(|rowid, old| {
        if let Some(&m) = pos.get(rowid as usize)
            && let Some(&g) = group_of.get(m as usize)
        {
            stored[m as usize] = true;
            let new = thread_ids[g as usize].as_str();
            if old != new {
                changes.push((rowid, new.to_string()));
            }
        }
    })?;
    // Messages not threaded before.
    for (rowid, &m) in pos.iter().enumerate() {
        if m != u32::MAX && !stored[m as usize] {
            changes.push((
                rowid as u64,
                thread_ids[group_of[m as usize] as usize].to_string(),
            ));
        }
    }
    drop(pos);
    drop(group_of);
    drop(thread_ids);
    case.set_threads(&changes)
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicBool;

    use crate::browse::Browser;
    use crate::index::Sort;
    use crate::pipeline::{ImportOptions, import};
    use crate::store::Case;

    /// A case whose index was made by another version of mailsift (another
    /// schema) opens: the index is started again and every message indexed
    /// from the case database.
    #[test]
    fn a_case_with_an_index_of_another_version_is_reindexed_when_opened() {
        let t = tempfile::tempdir().unwrap();
        let mbox = t.path().join("in.mbox");
        std::fs::write(
            &mbox,
            "From a@x Mon Jan  4 10:00:00 2016\nFrom: ann@example.org\nSubject: budget\n\none\n\n\
             From a@x Mon Jan  4 11:00:00 2016\nFrom: bob@example.org\nSubject: travel\n\ntwo\n",
        )
        .unwrap();
        let root = t.path().join("case");
        let mut case = Case::open_for_writing(&root).unwrap();
        let opts = ImportOptions::default();
        import(
            &mut case,
            &[mbox],
            &opts,
            &mut |_| {},
            &AtomicBool::new(false),
        )
        .unwrap();
        let index_dir = case.index_dir();
        drop(case);
        // Replace the index with one of another schema.
        std::fs::remove_dir_all(&index_dir).unwrap();
        std::fs::create_dir_all(&index_dir).unwrap();
        let mut b = tantivy::schema::Schema::builder();
        b.add_text_field("key", tantivy::schema::STRING | tantivy::schema::STORED);
        tantivy::Index::create_in_dir(&index_dir, b.build()).unwrap();

        let browser = Browser::open(&root).unwrap();
        assert_eq!(browser.search("*", Sort::Date).unwrap().hits.len(), 2);
        assert_eq!(browser.search("budget", Sort::Date).unwrap().hits.len(), 1);
    }
}
