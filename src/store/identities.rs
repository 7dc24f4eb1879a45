//! Identity decisions in the case (format 7): the `identities` table (in
//! the schema), one
//! row per address decided about (see [`crate::annotate::identity`]):
//! written in one transaction with an audit-log entry per decision, read
//! back as records or resolved, and merged from an annotations file (the
//! newer decision about an address wins, as [`identity::apply`] says).
//!
//! [`identity::apply`]: crate::annotate::identity::apply

use rusqlite::params;

use super::Case;
use super::sql::Sql;
use crate::annotate::identity::{DismissRecord, Identities, IdentityRecord};
use crate::annotate::time_text;
use crate::error::Result;

/// A decision written by this case's user: it replaces the address's row
/// and is never older than it (a clock set back still wins).
const IDENTITY_SET: &str = "INSERT INTO identities(address, person, name, time, author)
      VALUES (?1, ?2, ?3, ?4, ?5)
    ON CONFLICT(address) DO UPDATE
       SET person = excluded.person, name = excluded.name, author = excluded.author,
           time = max(excluded.time, identities.time + 1)";

/// A decision from an annotations file: applied when newer (ties by
/// author, person, name), so that merging is the same in any order.
const IDENTITY_MERGE: &str = "INSERT INTO identities(address, person, name, time, author)
      VALUES (?1, ?2, ?3, ?4, ?5)
    ON CONFLICT(address) DO UPDATE
       SET person = excluded.person, name = excluded.name, time = excluded.time,
           author = excluded.author
     WHERE (excluded.time, excluded.author, excluded.person, coalesce(excluded.name, ''))
         > (identities.time, identities.author, identities.person, coalesce(identities.name, ''))";

/// A dismissal written by this case's user (never older than the row).
const DISMISS_SET: &str = "INSERT INTO dismissed_merges(addresses, dismissed, time, author)
      VALUES (?1, ?2, ?3, ?4)
    ON CONFLICT(addresses) DO UPDATE
       SET dismissed = excluded.dismissed, author = excluded.author,
           time = max(excluded.time, dismissed_merges.time + 1)";

/// A dismissal from an annotations file: applied when newer (ties by
/// author, then dismissed), so that merging is the same in any order.
const DISMISS_MERGE: &str = "INSERT INTO dismissed_merges(addresses, dismissed, time, author)
      VALUES (?1, ?2, ?3, ?4)
    ON CONFLICT(addresses) DO UPDATE
       SET dismissed = excluded.dismissed, time = excluded.time, author = excluded.author
     WHERE (excluded.time, excluded.author, excluded.dismissed)
         > (dismissed_merges.time, dismissed_merges.author, dismissed_merges.dismissed)";

impl Case {
    /// Every dismissal record of the case (shown-again ones included).
    pub fn dismiss_records(&self) -> Result<Vec<DismissRecord>> {
        self.sql().rows(
            "SELECT addresses, dismissed, time, author FROM dismissed_merges ORDER BY addresses",
            [],
            |r| {
                let joined: String = r.get(0)?;
                Ok(DismissRecord {
                    addresses: joined.split(' ').map(str::to_string).collect(),
                    dismissed: r.get(1)?,
                    time_ms: r.get(2)?,
                    author: r.get(3)?,
                })
            },
        )
    }

    /// The address sets of the suggestions dismissed (each sorted).
    pub fn dismissed_merges(&self) -> Result<Vec<Vec<String>>> {
        Ok(self
            .dismiss_records()?
            .into_iter()
            .filter(|r| r.dismissed)
            .map(|r| r.addresses)
            .collect())
    }

    /// Writes a dismissal (or a "show again") and its audit-log entry.
    pub fn set_dismissed(&mut self, r: &DismissRecord) -> Result<()> {
        self.write_tx(|sql| {
            sql.exec(
                DISMISS_SET,
                params![r.addresses.join(" "), r.dismissed, r.time_ms, r.author],
            )
            .map(|_| ())
        })?;
        self.audit(&serde_json::json!({
            "event": "identity",
            "when": time_text(r.time_ms),
            "author": r.author,
            "action": if r.dismissed { "dismiss" } else { "show again" },
            "addresses": r.addresses,
        }))
    }

    /// Every identity record of the case, by address.
    pub fn identity_records(&self) -> Result<Vec<IdentityRecord>> {
        self.sql().rows(
            "SELECT address, person, name, time, author FROM identities ORDER BY address",
            [],
            |r| {
                Ok(IdentityRecord {
                    address: r.get(0)?,
                    person: r.get(1)?,
                    name: r.get(2)?,
                    time_ms: r.get(3)?,
                    author: r.get(4)?,
                })
            },
        )
    }

    /// The case's identity decisions, resolved.
    pub fn identities(&self) -> Result<Identities> {
        Ok(Identities::from_records(&self.identity_records()?))
    }

    /// Writes the records of one decision (`action`: merge, split or
    /// rename) in one transaction, and one audit-log entry naming them.
    pub fn set_identities(&mut self, action: &str, records: &[IdentityRecord]) -> Result<()> {
        self.write_tx(|sql| {
            for r in records {
                sql.exec(
                    IDENTITY_SET,
                    params![r.address, r.person, r.name, r.time_ms, r.author],
                )?;
            }
            Ok(())
        })?;
        let first = records.first();
        self.audit(&serde_json::json!({
            "event": "identity",
            "when": time_text(first.map_or(0, |r| r.time_ms)),
            "author": first.map(|r| r.author.as_str()),
            "action": action,
            "records": records.iter().map(|r| serde_json::json!({
                "address": r.address,
                "person": r.person,
                "name": r.name,
            })).collect::<Vec<_>>(),
        }))
    }
}

/// Merges `records` from a file; returns how many rows changed.
pub(super) fn merge(sql: Sql<'_>, records: &[IdentityRecord]) -> Result<u64> {
    let mut n = 0;
    for r in records {
        n += sql.exec(
            IDENTITY_MERGE,
            params![r.address, r.person, r.name, r.time_ms, r.author],
        )? as u64;
    }
    Ok(n)
}

/// Merges dismissals from a file; returns how many rows changed.
pub(super) fn merge_dismissals(sql: Sql<'_>, records: &[DismissRecord]) -> Result<u64> {
    let mut n = 0;
    for r in records {
        n += sql.exec(
            DISMISS_MERGE,
            params![r.addresses.join(" "), r.dismissed, r.time_ms, r.author],
        )? as u64;
    }
    Ok(n)
}
