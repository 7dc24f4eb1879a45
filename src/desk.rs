//! The investigator's desk, as the CLI and the window use it: tag, star
//! and note the messages a query finds, list what was annotated, share
//! annotations as a file, saved searches with their current counts, and
//! batch searches (one query a line).
//!
//! The data and the merge rules are in [`crate::annotate`]; the SQL in
//! `store` (annotations are written through their own connection,
//! [`Case::open_for_annotating`], so a case can be annotated while being
//! imported into). Each change lands in the case's audit log.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use crate::annotate::file::{self, AnnotationFile};
use crate::annotate::{Annotations, Note, SavedSearch};
use crate::browse::{Browser, parse_query};
use crate::error::{Error, Result};
use crate::index::{Hit, Sort};
use crate::model::MessageKey;
use crate::store::{Case, MergeReport};

/// What `mailsift tag` does to every hit of its query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TagAction {
    /// Add a tag (creating it, with `colour` or a default one).
    Add {
        /// The tag's name.
        tag: String,
        /// `#rrggbb`, to set the tag's colour as well.
        colour: Option<String>,
    },
    /// Remove a tag.
    Remove(String),
    /// Star.
    Star,
    /// Unstar.
    Unstar,
}

/// What applying a [`TagAction`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Applied {
    /// Messages the query found.
    pub hits: usize,
    /// Messages that changed (those that already were so are not counted).
    pub changed: usize,
}

/// Applies `action` to every message matching `query`, as `author`, in
/// one transaction.
pub fn apply(browser: &Browser, query: &str, action: &TagAction, author: &str) -> Result<Applied> {
    let found = browser.search(query, Sort::Date)?;
    let rowids: Vec<u64> = found.hits.iter().map(|h| h.rowid).collect();
    apply_to(browser.case.root(), &rowids, action, author).map(|changed| Applied {
        hits: rowids.len(),
        changed,
    })
}

impl TagAction {
    /// The action that undoes this one on the messages it changed (a
    /// colour set along with a tag is left as it is).
    pub fn inverse(&self) -> TagAction {
        match self {
            TagAction::Add { tag, .. } => TagAction::Remove(tag.clone()),
            TagAction::Remove(tag) => TagAction::Add {
                tag: tag.clone(),
                colour: None,
            },
            TagAction::Star => TagAction::Unstar,
            TagAction::Unstar => TagAction::Star,
        }
    }
}

/// Applies `action` to the messages `rowids` of the case at `root` (the
/// window's selection); returns how many changed.
pub fn apply_to(root: &Path, rowids: &[u64], action: &TagAction, author: &str) -> Result<usize> {
    let mut case = Case::open_for_annotating(root)?;
    Ok(changed_keys(&mut case, rowids, action, author)?.len())
}

/// [`apply_to`], returning the row ids of the messages that changed (in
/// the order of `rowids`), so that the window's Undo reverses exactly
/// those: applying [`TagAction::inverse`] to them restores what was.
pub fn apply_to_rows(
    root: &Path,
    rowids: &[u64],
    action: &TagAction,
    author: &str,
) -> Result<Vec<u64>> {
    let mut case = Case::open_for_annotating(root)?;
    let keys: HashMap<MessageKey, u64> = case
        .keys_of(rowids)?
        .into_iter()
        .map(|(rowid, key)| (key, rowid))
        .collect();
    let changed: HashSet<u64> = changed_keys(&mut case, rowids, action, author)?
        .iter()
        .filter_map(|k| keys.get(k).copied())
        .collect();
    Ok(rowids
        .iter()
        .copied()
        .filter(|r| changed.contains(r))
        .collect())
}

fn changed_keys(
    case: &mut Case,
    rowids: &[u64],
    action: &TagAction,
    author: &str,
) -> Result<Vec<MessageKey>> {
    Ok(match action {
        TagAction::Add { tag, colour } => {
            case.set_tag(rowids, tag, true, colour.as_deref(), author)?
        }
        TagAction::Remove(tag) => case.set_tag(rowids, tag, false, None, author)?,
        TagAction::Star => case.set_star(rowids, true, author)?,
        TagAction::Unstar => case.set_star(rowids, false, author)?,
    })
}

/// Applies `action` to every message of the stored thread `thread` (a
/// tag on a whole thread is a tag on each of its messages, so it stays
/// with them when threads are recomputed); returns how many changed.
pub fn apply_to_thread(
    browser: &Browser,
    thread: &str,
    action: &TagAction,
    author: &str,
) -> Result<usize> {
    let rowids = browser
        .case
        .thread_rowids(&thread.trim().to_ascii_lowercase())?;
    apply_to(browser.case.root(), &rowids, action, author)
}

/// Adds a note to the message `id` (hex key or a unique prefix) of the
/// case at `root`.
pub fn note(root: &Path, id: &str, text: &str, author: &str) -> Result<(MessageKey, Note)> {
    let mut case = Case::open_for_annotating(root)?;
    let (_, key) = case.resolve_id(id)?;
    let note = case.add_note(&key, text, author)?;
    Ok((key, note))
}

/// One annotated message: its row id, key and what it carries.
pub type Annotated = (u64, MessageKey, Annotations);

/// The annotated messages of a case (or only the message `id`, annotated
/// or not), in row order.
pub fn list(case: &Case, id: Option<&str>) -> Result<Vec<Annotated>> {
    let rows = match id {
        Some(id) => vec![case.resolve_id(id)?],
        None => case.annotated()?,
    };
    rows.into_iter()
        .map(|(rowid, key)| Ok((rowid, key, case.annotations_of(&key)?)))
        .collect()
}

/// Writes every annotation of the case (removals included) and its saved
/// searches to `path` (an annotations file, written whole or not at all);
/// returns what was written.
pub fn export_annotations(case: &Case, path: &Path) -> Result<AnnotationFile> {
    let records = case.annotation_records()?;
    crate::export::write_file_atomically(path, |out| {
        file::write(out, &records).map_err(|e| Error::io(path, "writing annotations", e))
    })?;
    case.audit(&serde_json::json!({
        "event": "annotations_export",
        "when": crate::annotate::time_text(crate::annotate::now_ms()),
        "file": path.display().to_string(),
        "messages": records.messages.len(),
        "saved_searches": records.saved.len(),
    }))?;
    Ok(records)
}

/// Merges the annotations file `path` into the case at `root`. The file
/// is read whole first: a line that cannot be read is an
/// [`Error::AnnotationLine`] and the case is left exactly as it was; the
/// merge is one transaction.
pub fn import_annotations(root: &Path, path: &Path) -> Result<MergeReport> {
    let records = file::read(path)?;
    let mut case = Case::open_for_annotating(root)?;
    case.merge_annotations(&records, path)
}

/// Saves `query` as `name` in the case at `root`, after checking that it
/// parses.
pub fn save_search(root: &Path, name: &str, query: &str) -> Result<()> {
    parse_query(query)?;
    Case::open_for_annotating(root)?.save_search(name, query)
}

/// Removes the saved search `name` from the case at `root`.
pub fn remove_saved_search(root: &Path, name: &str) -> Result<()> {
    Case::open_for_annotating(root)?.remove_saved_search(name)
}

/// Renames the saved search `old` of the case at `root` to `new` (its
/// query kept; a search already called `new` is replaced). The new name
/// is saved before the old one is removed, so a failure between the two
/// leaves both, never neither.
pub fn rename_saved_search(root: &Path, old: &str, new: &str) -> Result<()> {
    let mut case = Case::open_for_annotating(root)?;
    let Some(found) = case.saved_searches()?.into_iter().find(|s| s.name == old) else {
        return Err(Error::BadAnnotation {
            reason: format!("no saved search named {old:?}"),
        });
    };
    if found.name == new.trim() {
        return Ok(());
    }
    case.save_search(new, &found.query)?;
    case.remove_saved_search(old)
}

/// The saved searches of a case, each with its current hit count (or
/// why it does not run).
pub fn saved_with_counts(browser: &Browser) -> Result<Vec<(SavedSearch, Result<usize>)>> {
    Ok(browser
        .case
        .saved_searches()?
        .into_iter()
        .map(|s| {
            let n = parse_query(&s.query).and_then(|q| browser.index.count(&q, &browser.case));
            (s, n)
        })
        .collect())
}

/// How many of `hits` carry each tag (names as written; tags none of
/// them carries are left out): the tags facet.
pub fn tag_counts(case: &Case, hits: &[Hit]) -> Result<HashMap<String, u64>> {
    let rowids: Vec<u64> = hits.iter().map(|h| h.rowid).collect();
    tag_rowid_counts(case, &rowids)
}

/// [`tag_counts`] of the messages `rowids`.
pub fn tag_rowid_counts(case: &Case, rowids: &[u64]) -> Result<HashMap<String, u64>> {
    let wanted: HashSet<u64> = rowids.iter().copied().collect();
    let mut out = HashMap::new();
    for t in case.tags()? {
        let n = case
            .tagged_rowids(&[crate::annotate::tag_key(&t.name)])?
            .into_iter()
            .filter(|r| wanted.contains(r))
            .count() as u64;
        if n > 0 {
            out.insert(t.name, n);
        }
    }
    Ok(out)
}

/// One line of a batch search.
#[derive(Clone, Debug)]
pub struct BatchRow {
    /// Its line number in the input, from 1.
    pub line: u64,
    /// The query as written (trimmed).
    pub query: String,
    /// Its hits, or the error that stopped it.
    pub outcome: std::result::Result<BatchHits, String>,
}

/// What one query of a batch found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchHits {
    /// Number of hits.
    pub hits: usize,
    /// The earliest date among them (seconds since the epoch, UTC).
    pub first: Option<i64>,
    /// The latest date among them.
    pub last: Option<i64>,
}

/// Runs every query of `text`, one a line (blank lines and lines starting
/// with `#` are skipped); a query that fails has its error in its row and
/// the others still run.
pub fn batch(browser: &Browser, text: &str) -> Vec<BatchRow> {
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let query = line.trim();
        if query.is_empty() || query.starts_with('#') {
            continue;
        }
        let outcome = parse_query(query)
            .and_then(|q| browser.index.search(&q, &browser.case, Sort::Date))
            .map(|hits| BatchHits {
                hits: hits.len(),
                first: hits.iter().filter_map(|h| h.date).min(),
                last: hits.iter().filter_map(|h| h.date).max(),
            })
            .map_err(|e| match e {
                Error::Query { error, .. } => format!(
                    "bad query at character {}: {}",
                    query[..error.span.start.min(query.len())].chars().count() + 1,
                    error.message
                ),
                other => other.to_string(),
            });
        rows.push(BatchRow {
            line: i as u64 + 1,
            query: query.to_string(),
            outcome,
        });
    }
    rows
}

/// The header line of a batch table as CSV.
pub const BATCH_CSV_HEADER: &str = "line,query,hits,first_date,last_date,error\r\n";

/// One row of a batch table as a CSV line (CRLF-terminated; every cell
/// made safe for spreadsheets by [`crate::export::csv_cell`]): line,
/// query, hits, first and last date (`YYYY-MM-DD`), error.
pub fn batch_csv_line(r: &BatchRow) -> String {
    let day = |d: Option<i64>| {
        d.map(|d| crate::time::rfc3339(d).chars().take(10).collect::<String>())
            .unwrap_or_default()
    };
    let cells = match &r.outcome {
        Ok(h) => [
            r.line.to_string(),
            r.query.clone(),
            h.hits.to_string(),
            day(h.first),
            day(h.last),
            String::new(),
        ],
        Err(e) => [
            r.line.to_string(),
            r.query.clone(),
            String::new(),
            String::new(),
            String::new(),
            e.clone(),
        ],
    };
    let mut line = cells
        .iter()
        .map(|c| crate::export::csv_cell(c))
        .collect::<Vec<_>>()
        .join(",");
    line.push_str("\r\n");
    line
}

/// Writes a batch table to `path` as CSV (a byte-order mark, the header,
/// one line a row), whole or not at all.
pub fn write_batch_csv(path: &Path, rows: &[BatchRow]) -> Result<()> {
    crate::export::write_file_atomically(path, |out| {
        let mut text = String::from(crate::export::UTF8_BOM);
        text.push_str(BATCH_CSV_HEADER);
        for r in rows {
            text.push_str(&batch_csv_line(r));
        }
        out.write_all(text.as_bytes())
            .map_err(|e| Error::io(path, "writing", e))
    })
}

/// [`batch`] over the file `path`.
pub fn batch_file(browser: &Browser, path: &Path) -> Result<Vec<BatchRow>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, "reading", e))?;
    Ok(batch(browser, &String::from_utf8_lossy(&bytes)))
}
