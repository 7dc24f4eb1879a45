//! Identity decisions as plain data: which addresses are one person, and
//! the name the investigator gave them. One [`IdentityRecord`] per
//! address decided about: the person it belongs to (named by one of its
//! addresses, the person's *key*; an address alone is its own key) and,
//! on the key's own record, the name chosen. The last decision about an
//! address wins (by time, then author, then content), so two
//! investigators' files merge the same way in either order.
//!
//! [`Identities`] resolves the records (chains of keys followed, bounded,
//! a cycle broken at its smallest address); [`Identities::merge`],
//! [`Identities::split`] and [`Identities::rename`] turn a decision into
//! the records to write.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::error::{Error, Result};

/// Links followed at most when resolving a person's key.
const CHAIN_MAX: usize = 32;

/// One address's identity: the person it belongs to and, on the person's
/// own record, their chosen name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdentityRecord {
    /// The address, lower-cased.
    pub address: String,
    /// The person's key: one of their addresses (this one when alone).
    pub person: String,
    /// The name chosen for the person (on the key's record only).
    pub name: Option<String>,
    /// When decided (milliseconds since the epoch, UTC).
    pub time_ms: i64,
    /// Who decided.
    pub author: String,
}

/// An address as identities key it: trimmed, without angle brackets,
/// lower case; None when it is not an address (no `@`).
pub fn address_key(addr: &str) -> Option<String> {
    let a = addr
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim();
    (a.contains('@') && a.len() > 2).then(|| a.to_lowercase())
}

/// A suggested merge the investigator dismissed ("not one person"), or
/// showed again: the last decision about a set of addresses wins (by
/// time, then author), as for identities.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DismissRecord {
    /// The suggestion's addresses, lower-cased, sorted, without repeats.
    pub addresses: Vec<String>,
    /// Dismissed (true) or shown again (false).
    pub dismissed: bool,
    /// When decided (milliseconds since the epoch, UTC).
    pub time_ms: i64,
    /// Who decided.
    pub author: String,
}

/// The addresses of a suggestion as a dismissal keys them: lower-cased,
/// sorted, without repeats; an error names the first that is not an
/// address, and fewer than two is not a suggestion.
pub fn dismiss_key(addresses: &[String]) -> Result<Vec<String>> {
    let mut k = keys(addresses)?;
    k.sort();
    k.dedup();
    if k.len() < 2 {
        return Err(bad("a suggested merge names at least two addresses"));
    }
    Ok(k)
}

/// Whether a suggestion of `addresses` (lower-cased) is hidden by the
/// dismissals in force: all of its addresses are in one dismissed set (a
/// new address with the same evidence brings it back).
pub fn is_dismissed(dismissed: &[Vec<String>], addresses: &[String]) -> bool {
    dismissed
        .iter()
        .any(|d| addresses.iter().all(|a| d.binary_search(a).is_ok()))
}

fn bad(reason: impl Into<String>) -> Error {
    Error::BadAnnotation {
        reason: reason.into(),
    }
}

/// The addresses given, as keys; an error names the first that is not one.
fn keys(addresses: &[String]) -> Result<Vec<String>> {
    addresses
        .iter()
        .map(|a| address_key(a).ok_or_else(|| bad(format!("{a:?} is not an e-mail address"))))
        .collect()
}

/// The identity records of a case, resolved.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Identities {
    /// address → the person's key (only addresses that are not their own key).
    person: HashMap<String, String>,
    /// person's key → the chosen name.
    names: HashMap<String, String>,
    /// person's key → every address of theirs (the key included), sorted.
    members: BTreeMap<String, BTreeSet<String>>,
}

impl Identities {
    /// The identities the records say (one record per address).
    pub fn from_records(records: &[IdentityRecord]) -> Identities {
        let link: HashMap<&str, &str> = records
            .iter()
            .map(|r| (r.address.as_str(), r.person.as_str()))
            .collect();
        let resolve = |start: &str| -> String {
            let mut seen = vec![start];
            let mut at = start;
            for _ in 0..CHAIN_MAX {
                match link.get(at) {
                    Some(&next) if next != at => {
                        if seen.contains(&next) {
                            // a cycle: its smallest address is the key
                            return seen.iter().min().copied().unwrap_or(at).to_string();
                        }
                        seen.push(next);
                        at = next;
                    }
                    _ => break,
                }
            }
            at.to_string()
        };
        let mut out = Identities::default();
        for r in records {
            let key = resolve(&r.address);
            out.members
                .entry(key.clone())
                .or_default()
                .extend([r.address.clone(), key.clone()]);
            if key != r.address {
                out.person.insert(r.address.clone(), key);
            }
        }
        // Names sit on the key's own record.
        for r in records {
            if let Some(n) = &r.name
                && out.person_of(&r.address) == r.address
                && !n.trim().is_empty()
            {
                out.names.insert(r.address.clone(), n.clone());
            }
        }
        // Keys with no other address and no name say nothing.
        out.members
            .retain(|k, m| m.len() > 1 || out.names.contains_key(k));
        out
    }

    /// No decision at all.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// The key of the person `address` (lower-cased) belongs to.
    pub fn person_of<'a>(&'a self, address: &'a str) -> &'a str {
        self.person.get(address).map_or(address, String::as_str)
    }

    /// The name chosen for the person with key `person`.
    pub fn name_of(&self, person: &str) -> Option<&str> {
        self.names.get(person).map(String::as_str)
    }

    /// Every address of the person with key `person`: the key first, then
    /// the others A to Z.
    pub fn members(&self, person: &str) -> Vec<String> {
        let mut out = vec![person.to_string()];
        if let Some(m) = self.members.get(person) {
            out.extend(m.iter().filter(|a| *a != person).cloned());
        }
        out
    }

    /// The people decided about: key, chosen name, every address.
    pub fn people(&self) -> Vec<(String, Option<String>, Vec<String>)> {
        self.members
            .keys()
            .map(|k| (k.clone(), self.names.get(k).cloned(), self.members(k)))
            .collect()
    }

    /// The records that make `addresses` (and everyone already merged
    /// with them) one person, keyed by the first address's person; named
    /// `name` if given, else the name one of them had.
    pub fn merge(
        &self,
        addresses: &[String],
        name: Option<&str>,
        time_ms: i64,
        author: &str,
    ) -> Result<Vec<IdentityRecord>> {
        let addresses = keys(addresses)?;
        let persons: BTreeSet<&str> = addresses.iter().map(|a| self.person_of(a)).collect();
        let Some(first) = addresses.first() else {
            return Err(bad("merging needs two addresses or more"));
        };
        let key = self.person_of(first).to_string();
        if persons.len() < 2 && name.is_none() {
            return Err(bad(format!(
                "{} are one person already",
                addresses.join(", ")
            )));
        }
        let name = name
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_string)
            .or_else(|| self.name_of(&key).map(str::to_string))
            .or_else(|| {
                persons
                    .iter()
                    .find_map(|p| self.name_of(p))
                    .map(str::to_string)
            });
        let mut all: BTreeSet<String> = BTreeSet::new();
        for p in &persons {
            all.extend(self.members(p));
        }
        all.extend(addresses.iter().cloned());
        Ok(all
            .into_iter()
            .map(|a| IdentityRecord {
                name: if a == key { name.clone() } else { None },
                person: key.clone(),
                address: a,
                time_ms,
                author: author.to_string(),
            })
            .collect())
    }

    /// The records that make `address` a person of its own again; when it
    /// was its person's key, the next address (A to Z) becomes the key of
    /// the others, and keeps the name.
    pub fn split(&self, address: &str, time_ms: i64, author: &str) -> Result<Vec<IdentityRecord>> {
        let address = address_key(address)
            .ok_or_else(|| bad(format!("{address:?} is not an e-mail address")))?;
        let key = self.person_of(&address).to_string();
        let members = self.members(&key);
        if members.len() < 2 {
            return Err(bad(format!("{address} is not merged with another address")));
        }
        let rec = |a: &str, person: &str, name: Option<String>| IdentityRecord {
            address: a.to_string(),
            person: person.to_string(),
            name,
            time_ms,
            author: author.to_string(),
        };
        let mut out = vec![rec(&address, &address, None)];
        if address == key {
            let rest: Vec<&String> = members.iter().filter(|a| **a != address).collect();
            if let Some(new_key) = rest.iter().min() {
                for a in &rest {
                    let name = (*a == *new_key)
                        .then(|| self.name_of(&key).map(str::to_string))
                        .flatten();
                    out.push(rec(a, new_key, name));
                }
            }
        }
        Ok(out)
    }

    /// The record that names the person `address` belongs to (an empty
    /// name: back to the names seen in the mail).
    pub fn rename(
        &self,
        address: &str,
        name: &str,
        time_ms: i64,
        author: &str,
    ) -> Result<Vec<IdentityRecord>> {
        let address = address_key(address)
            .ok_or_else(|| bad(format!("{address:?} is not an e-mail address")))?;
        let key = self.person_of(&address).to_string();
        let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
        Ok(vec![IdentityRecord {
            address: key.clone(),
            person: key,
            name: (!name.is_empty()).then_some(name),
            time_ms,
            author: author.to_string(),
        }])
    }
}

/// `records` applied over `current` (the newer decision about an address
/// wins; ties by author, then content): what a case holds after writing
/// them. The store applies the same rule in SQL.
pub fn apply(current: &[IdentityRecord], records: &[IdentityRecord]) -> Vec<IdentityRecord> {
    let mut by: BTreeMap<String, IdentityRecord> = current
        .iter()
        .map(|r| (r.address.clone(), r.clone()))
        .collect();
    for r in records {
        let newer = by.get(&r.address).is_none_or(|old| {
            (r.time_ms, &r.author, &r.person, &r.name)
                > (old.time_ms, &old.author, &old.person, &old.name)
        });
        if newer {
            by.insert(r.address.clone(), r.clone());
        }
    }
    by.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn merge_split_rename() {
        let none = Identities::default();
        let recs = none
            .merge(
                &s(&["JPodesta@x.org", "john.podesta@y.org"]),
                None,
                1,
                "ann",
            )
            .unwrap();
        let ids = Identities::from_records(&recs);
        assert_eq!(ids.person_of("john.podesta@y.org"), "jpodesta@x.org");
        assert_eq!(
            ids.members("jpodesta@x.org"),
            s(&["jpodesta@x.org", "john.podesta@y.org"])
        );
        // a third address joins, with a name
        let more = ids
            .merge(
                &s(&["j@z.org", "john.podesta@y.org"]),
                Some("John Podesta"),
                2,
                "bob",
            )
            .unwrap();
        let recs = apply(&recs, &more);
        let ids = Identities::from_records(&recs);
        assert_eq!(ids.person_of("jpodesta@x.org"), "j@z.org");
        assert_eq!(ids.members("j@z.org").len(), 3);
        assert_eq!(ids.name_of("j@z.org"), Some("John Podesta"));
        // the key split out: the next address keeps the others and the name
        let recs = apply(&recs, &ids.split("j@z.org", 3, "ann").unwrap());
        let ids = Identities::from_records(&recs);
        assert_eq!(ids.person_of("j@z.org"), "j@z.org");
        assert_eq!(ids.person_of("jpodesta@x.org"), "john.podesta@y.org");
        assert_eq!(ids.name_of("john.podesta@y.org"), Some("John Podesta"));
        assert!(ids.split("j@z.org", 4, "ann").is_err(), "alone already");
        // rename through any address; an empty name goes back to those seen
        let recs = apply(
            &recs,
            &ids.rename("jpodesta@x.org", " J.  P ", 5, "ann").unwrap(),
        );
        let ids = Identities::from_records(&recs);
        assert_eq!(ids.name_of("john.podesta@y.org"), Some("J. P"));
        let recs = apply(&recs, &ids.rename("jpodesta@x.org", "", 6, "ann").unwrap());
        assert_eq!(
            Identities::from_records(&recs).name_of("john.podesta@y.org"),
            None
        );
        assert!(
            none.merge(&s(&["a@x.org", "not an address"]), None, 1, "a")
                .is_err()
        );
        assert!(
            none.merge(&s(&["a@x.org", "A@x.org"]), None, 1, "a")
                .is_err()
        );
    }

    #[test]
    fn older_records_lose_and_cycles_resolve() {
        let r = |a: &str, p: &str, t| IdentityRecord {
            address: a.into(),
            person: p.into(),
            name: None,
            time_ms: t,
            author: "x".into(),
        };
        let now = vec![r("a@x", "a@x", 5)];
        assert_eq!(apply(&now, &[r("a@x", "b@x", 4)]), now);
        assert_eq!(apply(&now, &[r("a@x", "b@x", 6)]), [r("a@x", "b@x", 6)]);
        let ids =
            Identities::from_records(&[r("a@x", "b@x", 1), r("b@x", "c@x", 1), r("c@x", "a@x", 1)]);
        assert_eq!(ids.person_of("b@x"), ids.person_of("c@x"));
        assert_eq!(ids.person_of("a@x"), ids.person_of("c@x"));
    }
}
