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

/// Applies `action` to the messages `rowids` of the case at `root` (the
/// window's selection); returns how many changed.
pub fn apply_to(root: &Path, rowids: &[u64], action: &TagAction, author: &str) -> Result<usize> {
    let mut case = Case::open_for_annotating(root)?;
    let changed = match action {
        TagAction::Add { tag, colour } => {
            case.set_tag(rowids, tag, true, colour.as_deref(), author)?
        }
        TagAction::Remove(tag) => case.set_tag(rowids, tag, false, None, author)?,
        TagAction::Star => case.set_star(rowids, true, author)?,
        TagAction::Unstar => case.set_star(rowids, false, author)?,
    };
    Ok(changed.len())
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
    let wanted: HashSet<u64> = hits.iter().map(|h| h.rowid).collect();
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

/// [`batch`] over the file `path`.
pub fn batch_file(browser: &Browser, path: &Path) -> Result<Vec<BatchRow>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, "reading", e))?;
    Ok(batch(browser, &String::from_utf8_lossy(&bytes)))
}
