//! DKIM keys for a case, for the CLI (`mailsift keys add / list`) and the
//! window: key files read ([`crate::dkim::read_key_file`]), the new keys
//! stored (one audit-log entry per file), then the messages whose verdict
//! a new key can change verified again from their source bytes — those
//! not passing with a signature by a selector that got a key, and those
//! never verified (a case imported before verification existed: this is
//! how it gets its verdicts; `mailsift keys add CASE` with no file does
//! only that).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::browse::SourceReader;
use crate::dkim::{self, Context, KeyRecord, Outcome, Refused, Verdict};
use crate::error::{Error, Result};
use crate::store::Case;

/// What one key file gave.
#[derive(Clone, Debug, Serialize)]
pub struct FileKeys {
    /// The file.
    pub path: PathBuf,
    /// Keys read from it.
    pub read: usize,
    /// Keys the case did not have yet.
    pub added: usize,
    /// Lines (or JSON entries) refused, and why.
    pub refused: Vec<Refused>,
}

/// A message whose verdict changed.
#[derive(Clone, Debug, Serialize)]
pub struct Changed {
    /// The message id (hex).
    pub id: String,
    /// Its verdict before (None: not verified before).
    pub before: Option<Verdict>,
    /// Its verdict now.
    pub after: Verdict,
    /// The domain that gave the verdict now.
    pub domain: Option<String>,
}

/// The outcome of `keys add`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct AddReport {
    /// Per file.
    pub files: Vec<FileKeys>,
    /// New keys per domain.
    pub added_per_domain: BTreeMap<String, usize>,
    /// Messages verified again.
    pub reverified: usize,
    /// Those whose verdict changed.
    pub changed: Vec<Changed>,
    /// Messages whose source bytes could not be read back (left as they were).
    pub unreadable: usize,
}

/// Reads `files`, adds their keys to the case at `root` and verifies
/// again the messages they can change. `selector` and `domain` name the
/// key of a PEM file.
pub fn add(
    root: &Path,
    files: &[PathBuf],
    selector: Option<&str>,
    domain: Option<&str>,
) -> Result<AddReport> {
    let mut case = Case::open_for_annotating(root)?;
    let mut report = AddReport::default();
    let mut records: Vec<(String, String)> = Vec::new();
    for path in files {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, "reading a key file", e))?;
        let text = String::from_utf8_lossy(&bytes);
        let name = path.to_string_lossy();
        let read = dkim::read_key_file(&text, &name, selector, domain);
        let new = case.add_dkim_keys(&read.keys, path)?;
        for k in &new {
            *report.added_per_domain.entry(k.domain.clone()).or_insert(0) += 1;
            records.push((k.selector.clone(), k.domain.clone()));
        }
        report.files.push(FileKeys {
            path: path.clone(),
            read: read.keys.len(),
            added: new.len(),
            refused: read.refused,
        });
    }
    records.sort();
    records.dedup();
    reverify(&mut case, &records, &mut report)?;
    Ok(report)
}

/// Verifies again the messages a key for one of `records` can change
/// (and those never verified).
fn reverify(case: &mut Case, records: &[(String, String)], report: &mut AddReport) -> Result<()> {
    let ids = case.dkim_to_reverify(records)?;
    if ids.is_empty() {
        return Ok(());
    }
    let keys = case.dkim_keys()?;
    let mut outcomes: Vec<(i64, Outcome)> = Vec::new();
    let mut changed = Vec::new();
    {
        let reader = SourceReader::new(case);
        for &id in &ids {
            let Some(msg) = case.message_by_rowid(id as u64)? else {
                continue;
            };
            let Ok((bytes, _)) = reader.message_bytes(&msg.key) else {
                report.unreadable += 1;
                continue;
            };
            let outcome = dkim::verify_message(&bytes, &keys, &Context::of(&msg));
            let before = case.dkim_outcome(id)?.map(|o| o.verdict);
            if before != Some(outcome.verdict) {
                changed.push(Changed {
                    id: msg.key.to_hex(),
                    before,
                    after: outcome.verdict,
                    domain: outcome.domain.clone(),
                });
            }
            outcomes.push((id, outcome));
        }
    }
    case.set_dkim(&outcomes)?;
    report.reverified = outcomes.len();
    case.audit(&serde_json::json!({
        "event": "dkim_reverified",
        "time": crate::time::rfc3339(now()),
        "messages": outcomes.len(),
        "changed": changed.len(),
        "unreadable": report.unreadable,
    }))?;
    report.changed = changed;
    Ok(())
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// The keys a case verifies with: the bundled archive, then the user's.
pub fn list(root: &Path) -> Result<Vec<KeyRecord>> {
    let case = Case::open(root)?;
    let mut all = dkim::keys::bundled_keys();
    all.extend(case.user_dkim_keys()?);
    Ok(all)
}
