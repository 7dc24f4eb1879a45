//! DKIM in the case: the user's keys (`dkim_keys`; each addition one
//! transaction and one audit-log entry) beside the bundled archive, and
//! each message's verdict (`message_dkim`: verdict and signing domain as
//! columns, every signature's details as JSON). A message without a row
//! has not been verified (a case made before format 5); `keys add`
//! verifies those too.

use std::collections::BTreeMap;
use std::path::Path;

use rusqlite::params;
use serde::{Deserialize, Serialize};

use super::Case;
use super::write::Tx;
use crate::dkim::{KeyRecord, KeyStore, Outcome, Verdict};
use crate::error::Result;

/// Messages per verdict, and per signing domain per verdict: the table
/// newsrooms published for the Podesta emails.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DkimStats {
    /// Messages per verdict (every verdict listed, zeros included).
    pub verdicts: BTreeMap<String, u64>,
    /// Per signing domain, messages per verdict (domains by message count).
    pub domains: Vec<DomainStats>,
    /// Messages not verified yet (imported before verification existed).
    pub unverified: u64,
}

/// One signing domain's row of [`DkimStats`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainStats {
    /// The signing domain.
    pub domain: String,
    /// Messages per verdict.
    pub verdicts: BTreeMap<String, u64>,
    /// All its messages.
    pub total: u64,
}

impl DkimStats {
    /// Counts one message (a verdict and its domain; `None`: not verified).
    pub fn count(&mut self, outcome: Option<&Outcome>) {
        let Some(o) = outcome else {
            self.unverified += 1;
            return;
        };
        let v = o.verdict.as_str().to_string();
        *self.verdicts.entry(v.clone()).or_insert(0) += 1;
        if let Some(d) = &o.domain {
            match self.domains.iter_mut().find(|x| &x.domain == d) {
                Some(x) => {
                    *x.verdicts.entry(v).or_insert(0) += 1;
                    x.total += 1;
                }
                None => self.domains.push(DomainStats {
                    domain: d.clone(),
                    verdicts: BTreeMap::from([(v, 1)]),
                    total: 1,
                }),
            }
        }
    }

    /// Sorts the domains by message count (most first), then by name.
    pub fn sort(&mut self) {
        self.domains
            .sort_by(|a, b| b.total.cmp(&a.total).then(a.domain.cmp(&b.domain)));
    }

    /// The table in words: a line of counts per verdict, then a line per
    /// signing domain (at most `max_domains`).
    pub fn lines(&self, max_domains: usize) -> Vec<String> {
        let counts = |m: &BTreeMap<String, u64>| -> String {
            Verdict::ALL
                .iter()
                .filter_map(|v| {
                    m.get(v.as_str())
                        .filter(|n| **n > 0)
                        .map(|n| format!("{} {n}", v.as_str()))
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut out = vec![format!(
            "DKIM: {}{}",
            counts(&self.verdicts),
            if self.unverified > 0 {
                format!(", not verified {}", self.unverified)
            } else {
                String::new()
            }
        )];
        for d in self.domains.iter().take(max_domains) {
            out.push(format!("  {}: {}", d.domain, counts(&d.verdicts)));
        }
        if self.domains.len() > max_domains {
            out.push(format!(
                "  … and {} more signing domains",
                self.domains.len() - max_domains
            ));
        }
        out
    }
}

impl Tx<'_> {
    /// Stores a message's verdict (kept when it has one already: a
    /// re-verification goes through [`Case::set_dkim`]).
    pub fn dkim(&self, id: i64, outcome: &Outcome) -> Result<()> {
        let json = serde_json::to_string(&outcome.signatures).unwrap_or_default();
        self.sql()
            .exec(
                "INSERT OR IGNORE INTO message_dkim(message, verdict, domain, signatures) VALUES (?1, ?2, ?3, ?4)",
                params![id, outcome.verdict.as_str(), outcome.domain, json],
            )
            .map(|_| ())
    }
}

impl Case {
    /// The keys the user added to this case.
    pub fn user_dkim_keys(&self) -> Result<Vec<KeyRecord>> {
        self.sql().rows(
            "SELECT domain, selector, record, source, first_seen, last_seen FROM dkim_keys
             ORDER BY domain, selector, added",
            [],
            |r| {
                Ok(KeyRecord {
                    domain: r.get(0)?,
                    selector: r.get(1)?,
                    record: r.get(2)?,
                    source: r.get(3)?,
                    first_seen: r.get(4)?,
                    last_seen: r.get(5)?,
                    bundled: false,
                })
            },
        )
    }

    /// The key store for verifying this case's messages: the bundled
    /// archive and the user's keys.
    pub fn dkim_keys(&self) -> Result<KeyStore> {
        let mut store = KeyStore::bundled();
        for k in self.user_dkim_keys()? {
            store.add(k);
        }
        Ok(store)
    }

    /// Adds keys read from `file` (those the case has already are not
    /// added again); one transaction, one audit-log entry. Returns the
    /// keys that are new.
    pub fn add_dkim_keys(&mut self, keys: &[KeyRecord], file: &Path) -> Result<Vec<KeyRecord>> {
        let added_at = super::now_rfc3339();
        let new = self.transaction(|tx| {
            let mut new = Vec::new();
            for k in keys {
                let n = tx.sql().exec(
                    "INSERT OR IGNORE INTO dkim_keys(domain, selector, record, source, first_seen, last_seen, added)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![k.domain, k.selector, k.record, k.source, k.first_seen, k.last_seen, added_at],
                )?;
                if n > 0 {
                    new.push(k.clone());
                }
            }
            Ok(new)
        })?;
        if !new.is_empty() {
            let records: Vec<serde_json::Value> = new
                .iter()
                .map(|k| {
                    serde_json::json!({
                        "record": k.dns_name(), "key": k.record, "source": k.source,
                        "first_seen": k.first_seen, "last_seen": k.last_seen,
                    })
                })
                .collect();
            self.audit(&serde_json::json!({
                "event": "dkim_keys_added",
                "time": added_at,
                "file": file.to_string_lossy(),
                "keys": records,
            }))?;
        }
        Ok(new)
    }

    /// A message's verdict, when it was verified.
    pub fn dkim_outcome(&self, id: i64) -> Result<Option<Outcome>> {
        let row: Option<(String, Option<String>, String)> = self.sql().opt(
            "SELECT verdict, domain, signatures FROM message_dkim WHERE message=?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        Ok(row.map(|(v, domain, sigs)| Outcome {
            verdict: Verdict::parse(&v).unwrap_or(Verdict::Invalid),
            domain,
            signatures: serde_json::from_str(&sigs).unwrap_or_default(),
        }))
    }

    /// The verdict (`None` when not verified) and signing domain of each
    /// message asked for.
    pub fn dkim_columns(&self, ids: &[i64]) -> Result<Vec<(Option<Verdict>, Option<String>)>> {
        let mut out = Vec::with_capacity(ids.len());
        for &id in ids {
            let row: Option<(String, Option<String>)> = self.sql().opt(
                "SELECT verdict, domain FROM message_dkim WHERE message=?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            out.push(match row {
                Some((v, d)) => (Some(Verdict::parse(&v).unwrap_or(Verdict::Invalid)), d),
                None => (None, None),
            });
        }
        Ok(out)
    }

    /// Replaces verdicts after a re-verification (one transaction).
    pub fn set_dkim(&mut self, outcomes: &[(i64, Outcome)]) -> Result<()> {
        self.transaction(|tx| {
            for (id, o) in outcomes {
                tx.sql()
                    .exec("DELETE FROM message_dkim WHERE message=?1", [id])?;
                tx.dkim(*id, o)?;
            }
            Ok(())
        })
    }

    /// The messages whose verdict a new key for one of `records`
    /// (`(selector, domain)`, lower case) can change: those not verified
    /// yet, and those not passing with a signature by such a selector.
    pub fn dkim_to_reverify(&self, records: &[(String, String)]) -> Result<Vec<i64>> {
        let mut ids: Vec<i64> = self.sql().rows(
            "SELECT id FROM messages WHERE id NOT IN (SELECT message FROM message_dkim) ORDER BY id",
            [],
            |r| r.get(0),
        )?;
        let rows: Vec<(i64, String)> = self.sql().rows(
            "SELECT message, signatures FROM message_dkim WHERE verdict != 'pass' AND verdict != 'none' ORDER BY message",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        for (id, json) in rows {
            let sigs: Vec<crate::dkim::SignatureResult> =
                serde_json::from_str(&json).unwrap_or_default();
            let hit = sigs.iter().any(|s| {
                records.iter().any(|(sel, dom)| {
                    s.selector.eq_ignore_ascii_case(sel) && s.domain.eq_ignore_ascii_case(dom)
                })
            });
            if hit {
                ids.push(id);
            }
        }
        ids.sort_unstable();
        Ok(ids)
    }

    /// Row ids of the messages with `verdict` (when given) signed by
    /// `domain` (when given; the domain or a subdomain of it). Messages
    /// not verified yet are in neither (not even `none`).
    pub fn dkim_rowids(&self, verdict: Option<Verdict>, domain: Option<&str>) -> Result<Vec<u64>> {
        let dom = domain.map(|d| d.trim().to_ascii_lowercase());
        let like = dom.as_ref().map(|d| format!("%.{d}"));
        let ids: Vec<i64> = self.sql().rows(
            "SELECT message FROM message_dkim
             WHERE (?1 IS NULL OR verdict=?1) AND (?2 IS NULL OR domain=?2 OR domain LIKE ?3)
             ORDER BY message",
            params![verdict.map(Verdict::as_str), dom, like],
            |r| r.get(0),
        )?;
        Ok(ids.into_iter().map(|i| i as u64).collect())
    }

    /// Messages per verdict and per signing domain per verdict.
    pub fn dkim_stats(&self) -> Result<DkimStats> {
        let rows: Vec<(String, Option<String>, i64)> = self.sql().rows(
            "SELECT verdict, domain, COUNT(*) FROM message_dkim GROUP BY verdict, domain",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        let unverified = self.sql().count(
            "SELECT COUNT(*) FROM messages WHERE id NOT IN (SELECT message FROM message_dkim)",
            [],
        )?;
        Ok(build_stats(rows, unverified))
    }
}

/// The per-verdict and per-domain table from (verdict, domain, messages)
/// rows and the number of messages not verified (from a scan of
/// `message_dkim`, or from the maintained counts).
pub(super) fn build_stats(rows: Vec<(String, Option<String>, i64)>, unverified: u64) -> DkimStats {
    let mut stats = DkimStats::default();
    for v in Verdict::ALL {
        stats.verdicts.insert(v.as_str().to_string(), 0);
    }
    let mut domains: BTreeMap<String, DomainStats> = BTreeMap::new();
    for (verdict, domain, n) in rows {
        let n = n.max(0) as u64;
        *stats.verdicts.entry(verdict.clone()).or_insert(0) += n;
        if let Some(d) = domain {
            let e = domains.entry(d.clone()).or_insert_with(|| DomainStats {
                domain: d,
                ..DomainStats::default()
            });
            *e.verdicts.entry(verdict).or_insert(0) += n;
            e.total += n;
        }
    }
    stats.domains = domains.into_values().collect();
    stats.sort();
    stats.unverified = unverified;
    stats
}
