//! Identity decisions on a case, as the CLI and the window make them:
//! merge addresses into one person, split an address back out, rename a
//! person, list the decisions, dismiss a suggested merge (or show it
//! again). Each opens the case for annotating, turns
//! the decision into records ([`crate::annotate::identity::Identities`])
//! and writes them in one transaction with an audit-log entry; the
//! census ([`crate::people`]) applies them, so `mailsift people`,
//! `mailsift graph` and the window agree. They travel in the annotations
//! file ([`crate::desk::export_annotations`]).

use std::path::Path;

use crate::annotate::identity::{DismissRecord, Identities, IdentityRecord, dismiss_key};
use crate::annotate::now_ms;
use crate::error::Result;
use crate::store::Case;

/// Makes `addresses` one person (with everyone already merged with
/// them), named `name` if given; returns the records written.
pub fn merge(
    root: &Path,
    addresses: &[String],
    name: Option<&str>,
    author: &str,
) -> Result<Vec<IdentityRecord>> {
    let mut case = Case::open_for_annotating(root)?;
    let recs =
        case.identities()?
            .merge(addresses, name, now_ms(), &crate::annotate::author(author))?;
    case.set_identities("merge", &recs)?;
    Ok(recs)
}

/// Makes `address` a person of its own again; returns the records written.
pub fn split(root: &Path, address: &str, author: &str) -> Result<Vec<IdentityRecord>> {
    let mut case = Case::open_for_annotating(root)?;
    let recs = case
        .identities()?
        .split(address, now_ms(), &crate::annotate::author(author))?;
    case.set_identities("split", &recs)?;
    Ok(recs)
}

/// Names the person `address` belongs to (empty: back to the names seen).
pub fn rename(root: &Path, address: &str, name: &str, author: &str) -> Result<Vec<IdentityRecord>> {
    let mut case = Case::open_for_annotating(root)?;
    let recs =
        case.identities()?
            .rename(address, name, now_ms(), &crate::annotate::author(author))?;
    case.set_identities("rename", &recs)?;
    Ok(recs)
}

/// Dismisses the suggestion to merge `addresses` ("not one person"), or
/// shows it again (`dismissed` false); stored in the case, audited, and
/// carried by the annotations file. Returns the record written.
pub fn dismiss(
    root: &Path,
    addresses: &[String],
    dismissed: bool,
    author: &str,
) -> Result<DismissRecord> {
    let mut case = Case::open_for_annotating(root)?;
    let r = DismissRecord {
        addresses: dismiss_key(addresses)?,
        dismissed,
        time_ms: now_ms(),
        author: crate::annotate::author(author),
    };
    case.set_dismissed(&r)?;
    Ok(r)
}

/// The case's identity decisions, resolved.
pub fn list(root: &Path) -> Result<Identities> {
    Case::open(root)?.identities()
}

#[cfg(test)]
#[path = "identity_tests.rs"]
mod tests;
