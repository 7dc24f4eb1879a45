//! People: every correspondent of a set of messages (the whole case, or a
//! query's hits), keyed by lower-cased address, with the display names
//! seen for the address, what they sent, received and were copied on,
//! first and last date, and their top correspondents; suggested merges of
//! addresses that carry the same name (reported, never applied).
//!
//! One pass over the messages' addressing ([`Case::addressing`]: only the
//! address fields of each record are decoded) builds a [`Census`]; the
//! people list ([`Census::people`]), the suggestions
//! ([`Census::suggestions`]) and the communication graph
//! ([`crate::graph`]) are read from it.
//!
//! Counting rules: a message's sender is its first `From` address (each
//! message counts once as sent, for one person). Each address counts at
//! most once per message per role: `To` as received, `Cc`/`Bcc` as copied
//! (an address both in `To` and `Cc` is received). Addresses without `@`
//! (group names such as `undisclosed-recipients:;`) are not people.
//!
//! The case's identity decisions ([`crate::annotate::identity`]) apply:
//! addresses merged into one person are counted as that person (keyed by
//! the person's key address, once per message per role however many of
//! their addresses it names), and a name chosen for a person is their
//! best name.

use std::collections::HashMap;

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use crate::annotate::identity::{Identities, address_key};
use crate::browse::Browser;
use crate::error::Result;
use crate::index::Sort;
use crate::store::{Addressing, Case};
use crate::time::rfc3339;

const SENT: u8 = 1;
const TO: u8 = 2;
const CC: u8 = 4;
const BCC: u8 = 8;

/// What one person adds up to, while counting.
#[derive(Clone, Debug, Default)]
struct Tally {
    address: String,
    names: HashMap<String, u64>,
    messages: u64,
    sent: u64,
    received: u64,
    copied: u64,
    first: Option<i64>,
    last: Option<i64>,
}

/// Messages from one person to another.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct PairCount {
    /// Messages with the second person in `To` or `Cc`.
    pub(crate) to_cc: u64,
    /// Messages with the second person only in `Bcc`.
    pub(crate) bcc: u64,
}

/// Everyone in a set of messages, counted in one pass.
#[derive(Clone, Debug, Default)]
pub struct Census {
    tallies: Vec<Tally>,
    index: HashMap<String, u32>,
    /// (sender, recipient) → messages; never a person to themselves.
    pub(crate) pairs: HashMap<(u32, u32), PairCount>,
    messages: u64,
    /// The identity decisions applied.
    identities: Identities,
    /// Each message counted, in row order: (row id, the sender's id or
    /// `u32::MAX`, the range of its recipients in `recipients`).
    sent_to: Vec<(u64, u32, u32, u32)>,
    /// The recipients of each message with their roles (`TO`, `CC`,
    /// `BCC` bits), one run per message.
    recipients: Vec<(u32, u8)>,
    /// (reply, message replied to) row ids, both counted here.
    replies: Vec<(u64, u64)>,
    /// The suggestions from replies ([`Census::reply_suggestions`]).
    from_replies: Vec<MergeSuggestion>,
    /// The address sets of the merge suggestions dismissed (each sorted).
    dismissed: Vec<Vec<String>>,
}

/// A correspondent, as the people list shows them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    /// The address, lower-cased: what identifies the person (for
    /// addresses merged into one person, the person's key address).
    pub address: String,
    /// Every address of the person: `address` first, then those merged
    /// with it (A to Z).
    pub addresses: Vec<String>,
    /// The name the investigator chose for the person, if any.
    pub chosen_name: Option<String>,
    /// The display names seen with the address and how many messages used
    /// each, most used first.
    pub names: Vec<(String, u64)>,
    /// Messages the person is in (as sender or recipient).
    pub messages: u64,
    /// Messages whose first `From` address is this one.
    pub sent: u64,
    /// Messages with this address in `To`.
    pub received: u64,
    /// Messages with this address in `Cc` or `Bcc` (and not in `To`).
    pub copied: u64,
    /// The earliest date of those messages (seconds since the epoch, UTC).
    pub first: Option<i64>,
    /// The latest date of those messages.
    pub last: Option<i64>,
    /// The people this one exchanged most messages with (either way),
    /// most first: (address, messages).
    pub correspondents: Vec<(String, u64)>,
}

impl Person {
    /// The name chosen for the person, else the most used display name,
    /// if any was seen.
    pub fn best_name(&self) -> Option<&str> {
        self.chosen_name
            .as_deref()
            .or_else(|| self.names.first().map(|(n, _)| n.as_str()))
    }

    /// `Name <address>`, or the address alone.
    pub fn label(&self) -> String {
        match self.best_name() {
            Some(n) => format!("{n} <{}>", self.address),
            None => self.address.clone(),
        }
    }

    /// The person as one JSON object (dates in RFC 3339).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "address": self.address,
            "addresses": self.addresses,
            "name": self.best_name(),
            "names": self.names.iter()
                .map(|(n, c)| serde_json::json!({"name": n, "messages": c}))
                .collect::<Vec<_>>(),
            "messages": self.messages,
            "sent": self.sent,
            "received": self.received,
            "copied": self.copied,
            "first": self.first.map(rfc3339),
            "last": self.last.map(rfc3339),
            "correspondents": self.correspondents.iter()
                .map(|(a, c)| serde_json::json!({"address": a, "messages": c}))
                .collect::<Vec<_>>(),
        })
    }

    /// The person as one CSV line (CRLF-terminated, in the order of
    /// [`CSV_HEADER`]); every cell through [`crate::export::csv_cell`], so
    /// a name starting with `=` or `@` is not a formula.
    pub fn csv_line(&self) -> String {
        let cells = [
            self.address.clone(),
            self.best_name().unwrap_or_default().to_string(),
            self.names
                .iter()
                .map(|(n, _)| n.as_str())
                .collect::<Vec<_>>()
                .join("; "),
            self.messages.to_string(),
            self.sent.to_string(),
            self.received.to_string(),
            self.copied.to_string(),
            self.first.map(rfc3339).unwrap_or_default(),
            self.last.map(rfc3339).unwrap_or_default(),
            self.correspondents
                .iter()
                .map(|(a, c)| format!("{a} ({c})"))
                .collect::<Vec<_>>()
                .join("; "),
            self.addresses.join("; "),
        ];
        csv_line(&cells)
    }
}

/// The header line of [`Person::csv_line`]'s CSV (CRLF-terminated).
pub const CSV_HEADER: &str =
    "address,name,names,messages,sent,received,copied,first,last,correspondents,addresses\r\n";

/// Cells joined into one CSV line, each made safe by
/// [`crate::export::csv_cell`].
pub(crate) fn csv_line<S: AsRef<str>>(cells: &[S]) -> String {
    let mut line = cells
        .iter()
        .map(|c| crate::export::csv_cell(c.as_ref()))
        .collect::<Vec<_>>()
        .join(",");
    line.push_str("\r\n");
    line
}

/// How the people list is ordered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PeopleSort {
    /// Most messages first (the default).
    #[default]
    Messages,
    /// Most sent first.
    Sent,
    /// Most received (`To`) first.
    Received,
    /// By best name (or address), A to Z, ignoring case and accents.
    Name,
}

impl std::str::FromStr for PeopleSort {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<PeopleSort, String> {
        Ok(match s {
            "messages" => PeopleSort::Messages,
            "sent" => PeopleSort::Sent,
            "received" => PeopleSort::Received,
            "name" => PeopleSort::Name,
            other => {
                return Err(format!(
                    "unknown sort {other:?}: use messages, sent, received or name"
                ));
            }
        })
    }
}

/// What [`Census::people`] lists.
#[derive(Clone, Debug)]
pub struct PeopleOptions {
    /// The order.
    pub sort: PeopleSort,
    /// Only people with a name or address containing this (ignoring case
    /// and accents).
    pub filter: Option<String>,
    /// At most this many people (after sorting and filtering).
    pub limit: Option<usize>,
    /// How many top correspondents each person lists.
    pub correspondents: usize,
}

impl Default for PeopleOptions {
    fn default() -> PeopleOptions {
        PeopleOptions {
            sort: PeopleSort::Messages,
            filter: None,
            limit: None,
            correspondents: 5,
        }
    }
}

/// A suggestion to merge addresses that look like one person (never
/// applied here).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MergeSuggestion {
    /// The addresses (lower-cased), most messages first.
    pub addresses: Vec<String>,
    /// Why, in words: `same name 'John Podesta' on a@… and b@…`.
    pub evidence: String,
    /// The investigator dismissed it (shown only when asked).
    pub dismissed: bool,
}

/// The people of the messages matching `query` (every message when the
/// query is empty).
pub fn census(browser: &Browser, query: &str) -> Result<Census> {
    if query.trim().is_empty() {
        return census_of(&browser.case, None);
    }
    let found = browser.search(query, Sort::Date)?;
    let rowids: Vec<u64> = found.hits.iter().map(|h| h.rowid).collect();
    census_of(&browser.case, Some(&rowids))
}

/// The people of the messages `rowids` of a case (all when None).
pub fn census_of(case: &Case, rowids: Option<&[u64]>) -> Result<Census> {
    let mut c = Census::with_identities(case.identities()?);
    c.dismissed = case.dismissed_merges()?;
    case.addressing(rowids, &mut |a| {
        c.add(&a);
        Ok(())
    })?;
    let counted = |id: u64| c.sent_to.binary_search_by_key(&id, |m| m.0).is_ok();
    let replies: Vec<(u64, u64)> = case
        .reply_pairs()?
        .into_iter()
        .filter(|&(r, p)| counted(r) && counted(p))
        .collect();
    c.replies = replies;
    c.from_replies = c.find_reply_suggestions(&mut |r| case.subject_of(r))?;
    Ok(c)
}

/// A display name as kept: trimmed, quotes around it removed, spaces
/// collapsed; None when empty or the address itself.
fn clean_name(name: Option<&str>, address: &str) -> Option<String> {
    let n = name?.trim();
    let n = n
        .strip_prefix('"')
        .and_then(|x| x.strip_suffix('"'))
        .or_else(|| n.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')))
        .unwrap_or(n);
    let n = n.split_whitespace().collect::<Vec<_>>().join(" ");
    let bare = n.trim_start_matches('<').trim_end_matches('>');
    (!n.is_empty() && !bare.eq_ignore_ascii_case(address)).then_some(n)
}

/// Lower case without accents (NFD, combining marks dropped).
pub fn fold(s: &str) -> String {
    s.nfd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// A display name reduced to what two spellings of one name share: case
/// and accents folded, "Last, First" turned into "First Last",
/// punctuation and one-letter initials dropped. None for names that say
/// too little (one word, or an address).
pub fn name_key(name: &str) -> Option<String> {
    if name.contains('@') {
        return None;
    }
    let folded = fold(name);
    let ordered = match folded.split_once(',') {
        Some((last, first)) if !first.contains(',') && !first.trim().is_empty() => {
            format!("{first} {last}")
        }
        _ => folded,
    };
    let spaced: String = ordered
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    let words: Vec<&str> = spaced.split_whitespace().collect();
    let long: Vec<&str> = words
        .iter()
        .copied()
        .filter(|w| w.chars().count() > 1)
        .collect();
    (long.len() >= 2).then(|| long.join(" "))
}

impl Census {
    /// An empty census that counts addresses as `identities` decide.
    pub fn with_identities(identities: Identities) -> Census {
        Census {
            identities,
            ..Census::default()
        }
    }

    /// Counts one message.
    pub fn add(&mut self, m: &Addressing) {
        self.messages += 1;
        // person → (roles, the name they carry in this message)
        let mut roles: Vec<(u32, u8, Option<String>)> = Vec::new();
        let mut at: HashMap<u32, usize> = HashMap::new();
        let lists = [
            (m.from.get(..1).unwrap_or_default(), SENT),
            (&m.to[..], TO),
            (&m.cc[..], CC),
            (&m.bcc[..], BCC),
        ];
        for (list, role) in lists {
            for a in list {
                let Some(key) = address_key(&a.addr) else {
                    continue;
                };
                let name = clean_name(a.name.as_deref(), &key);
                let key = match self.identities.person_of(&key) {
                    k if k == key => key,
                    k => k.to_string(),
                };
                let id = self.intern(key);
                match at.get(&id) {
                    Some(&i) => {
                        roles[i].1 |= role;
                        if roles[i].2.is_none() {
                            roles[i].2 = name;
                        }
                    }
                    None => {
                        at.insert(id, roles.len());
                        roles.push((id, role, name));
                    }
                }
            }
        }
        let sender = roles.first().filter(|r| r.1 & SENT != 0).map(|r| r.0);
        let start = self.recipients.len() as u32;
        self.recipients.extend(
            roles
                .iter()
                .filter(|r| r.1 & (TO | CC | BCC) != 0)
                .map(|r| (r.0, r.1 & (TO | CC | BCC))),
        );
        self.sent_to.push((
            m.rowid,
            sender.unwrap_or(u32::MAX),
            start,
            self.recipients.len() as u32,
        ));
        for (id, role, name) in roles.iter() {
            let t = &mut self.tallies[*id as usize];
            t.messages += 1;
            t.sent += u64::from(role & SENT != 0);
            t.received += u64::from(role & TO != 0);
            t.copied += u64::from(role & TO == 0 && role & (CC | BCC) != 0);
            if let Some(d) = m.date {
                t.first = Some(t.first.map_or(d, |f| f.min(d)));
                t.last = Some(t.last.map_or(d, |l| l.max(d)));
            }
            if let Some(n) = name {
                *t.names.entry(n.clone()).or_default() += 1;
            }
            if let Some(s) = sender
                && s != *id
                && role & (TO | CC | BCC) != 0
            {
                let p = self.pairs.entry((s, *id)).or_default();
                if role & (TO | CC) != 0 {
                    p.to_cc += 1;
                } else {
                    p.bcc += 1;
                }
            }
        }
    }

    fn intern(&mut self, key: String) -> u32 {
        if let Some(&id) = self.index.get(&key) {
            return id;
        }
        let id = self.tallies.len() as u32;
        self.index.insert(key.clone(), id);
        self.tallies.push(Tally {
            address: key,
            ..Tally::default()
        });
        id
    }

    /// Messages counted.
    pub fn messages(&self) -> u64 {
        self.messages
    }

    /// How many people (distinct addresses).
    pub fn len(&self) -> usize {
        self.tallies.len()
    }

    /// True when no message had an address.
    pub fn is_empty(&self) -> bool {
        self.tallies.is_empty()
    }

    /// Person `id`'s messages.
    pub(crate) fn weight(&self, id: u32) -> u64 {
        self.tallies[id as usize].messages
    }

    /// Person `id`'s address.
    pub(crate) fn address(&self, id: u32) -> &str {
        &self.tallies[id as usize].address
    }

    /// Person `id` without correspondents.
    pub(crate) fn person(&self, id: u32) -> Person {
        let t = &self.tallies[id as usize];
        let mut names: Vec<(String, u64)> = t.names.iter().map(|(n, c)| (n.clone(), *c)).collect();
        names.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Person {
            addresses: self.identities.members(&t.address),
            chosen_name: self.identities.name_of(&t.address).map(str::to_string),
            address: t.address.clone(),
            names,
            messages: t.messages,
            sent: t.sent,
            received: t.received,
            copied: t.copied,
            first: t.first,
            last: t.last,
            correspondents: Vec::new(),
        }
    }

    /// The people, sorted, filtered and limited as asked, each with their
    /// top correspondents.
    pub fn people(&self, opts: &PeopleOptions) -> Vec<Person> {
        let filter = opts.filter.as_deref().map(fold).filter(|f| !f.is_empty());
        let mut people: Vec<(u32, Person)> = (0..self.tallies.len() as u32)
            .map(|id| (id, self.person(id)))
            .filter(|(_, p)| {
                filter.as_deref().is_none_or(|f| {
                    p.addresses.iter().any(|a| a.contains(f))
                        || p.chosen_name
                            .as_deref()
                            .is_some_and(|n| fold(n).contains(f))
                        || p.names.iter().any(|(n, _)| fold(n).contains(f))
                })
            })
            .collect();
        let by_address = |a: &Person, b: &Person| a.address.cmp(&b.address);
        match opts.sort {
            PeopleSort::Messages => people.sort_by(|(_, a), (_, b)| {
                b.messages.cmp(&a.messages).then_with(|| by_address(a, b))
            }),
            PeopleSort::Sent => people.sort_by(|(_, a), (_, b)| {
                (b.sent, b.messages)
                    .cmp(&(a.sent, a.messages))
                    .then_with(|| by_address(a, b))
            }),
            PeopleSort::Received => people.sort_by(|(_, a), (_, b)| {
                (b.received, b.messages)
                    .cmp(&(a.received, a.messages))
                    .then_with(|| by_address(a, b))
            }),
            PeopleSort::Name => people.sort_by_cached_key(|(_, p)| {
                (fold(p.best_name().unwrap_or(&p.address)), p.address.clone())
            }),
        }
        if let Some(n) = opts.limit {
            people.truncate(n);
        }
        if opts.correspondents > 0 {
            let mut wanted: HashMap<u32, Vec<(u32, u64)>> =
                people.iter().map(|(id, _)| (*id, Vec::new())).collect();
            for (&(s, r), c) in &self.pairs {
                let n = c.to_cc + c.bcc;
                if let Some(v) = wanted.get_mut(&s) {
                    v.push((r, n));
                }
                if let Some(v) = wanted.get_mut(&r) {
                    v.push((s, n));
                }
            }
            for (id, p) in &mut people {
                let Some(mut v) = wanted.remove(id) else {
                    continue;
                };
                // both directions of one pair: add them up
                v.sort_unstable_by_key(|(o, _)| *o);
                let mut merged: Vec<(u32, u64)> = Vec::with_capacity(v.len());
                for (o, n) in v {
                    match merged.last_mut() {
                        Some((last, m)) if *last == o => *m += n,
                        _ => merged.push((o, n)),
                    }
                }
                merged.sort_by(|a, b| {
                    b.1.cmp(&a.1).then_with(|| {
                        self.tallies[a.0 as usize]
                            .address
                            .cmp(&self.tallies[b.0 as usize].address)
                    })
                });
                merged.truncate(opts.correspondents);
                p.correspondents = merged
                    .into_iter()
                    .map(|(o, n)| (self.tallies[o as usize].address.clone(), n))
                    .collect();
            }
        }
        people.into_iter().map(|(_, p)| p).collect()
    }

    /// The merge suggestions not dismissed: addresses that carry the same
    /// display name, then addresses one person writes from and receives
    /// replies at ([`Census::all_suggestions`]).
    pub fn suggestions(&self) -> Vec<MergeSuggestion> {
        let mut all = self.all_suggestions();
        all.retain(|s| !s.dismissed);
        all
    }

    /// The merge suggestions the investigator dismissed.
    pub fn dismissed_suggestions(&self) -> Vec<MergeSuggestion> {
        let mut all = self.all_suggestions();
        all.retain(|s| s.dismissed);
        all
    }

    /// Every merge suggestion, dismissed ones marked: same name first
    /// ([`Census::name_suggestions`]), then replies
    /// ([`Census::reply_suggestions`]); a set of addresses suggested by
    /// both is one suggestion with both reasons.
    pub fn all_suggestions(&self) -> Vec<MergeSuggestion> {
        let mut out = self.name_suggestions();
        for r in self.reply_suggestions() {
            let mut key = r.addresses.clone();
            key.sort();
            let same = out.iter_mut().find(|s| {
                let mut k = s.addresses.clone();
                k.sort();
                k == key
            });
            match same {
                Some(s) => {
                    s.evidence.push_str("; ");
                    s.evidence.push_str(&r.evidence);
                }
                None => out.push(r),
            }
        }
        for s in &mut out {
            let mut key = s.addresses.clone();
            key.sort();
            s.dismissed = crate::annotate::identity::is_dismissed(&self.dismissed, &key);
        }
        out
    }

    /// Addresses one person writes from and is answered at (the rule is
    /// in `people_replies.rs`: a third person's replies to mail from X
    /// addressed `To` Y alone, leaving X out, at least twice, X and Y never
    /// writing to each other), most replies first.
    pub fn reply_suggestions(&self) -> Vec<MergeSuggestion> {
        self.from_replies.clone()
    }

    /// Addresses that carry the same display name once case, accents,
    /// punctuation and "Last, First" order are set aside: one suggestion
    /// per shared name, most messages first.
    pub fn name_suggestions(&self) -> Vec<MergeSuggestion> {
        // name key → (address id, the name as seen, its count)
        let mut by_key: HashMap<String, Vec<(u32, &str, u64)>> = HashMap::new();
        for (id, t) in self.tallies.iter().enumerate() {
            let mut best: HashMap<String, (&str, u64)> = HashMap::new();
            for (n, &c) in &t.names {
                if let Some(k) = name_key(n) {
                    let e = best.entry(k).or_insert((n.as_str(), 0));
                    if c > e.1 || (c == e.1 && n.as_str() < e.0) {
                        *e = (n.as_str(), c);
                    }
                }
            }
            for (k, (n, c)) in best {
                by_key.entry(k).or_default().push((id as u32, n, c));
            }
        }
        let mut out: Vec<(u64, MergeSuggestion)> = by_key
            .into_values()
            .filter(|v| v.len() > 1)
            .map(|mut v| {
                let weight = |id: u32| self.tallies[id as usize].messages;
                v.sort_by(|a, b| {
                    weight(b.0).cmp(&weight(a.0)).then_with(|| {
                        self.tallies[a.0 as usize]
                            .address
                            .cmp(&self.tallies[b.0 as usize].address)
                    })
                });
                let addresses: Vec<String> = v
                    .iter()
                    .map(|(id, _, _)| self.tallies[*id as usize].address.clone())
                    .collect();
                let total = v.iter().map(|(id, _, _)| weight(*id)).sum();
                (total, suggestion(&v, &addresses))
            })
            .collect();
        out.sort_by(|a, b| {
            b.0.cmp(&a.0)
                .then_with(|| a.1.addresses.cmp(&b.1.addresses))
        });
        out.into_iter().map(|(_, s)| s).collect()
    }
}

/// The suggestion for addresses sharing a name, with the evidence in words.
fn suggestion(v: &[(u32, &str, u64)], addresses: &[String]) -> MergeSuggestion {
    let same = v.iter().all(|(_, n, _)| *n == v[0].1);
    let evidence = if same {
        format!("same name '{}' on {}", v[0].1, and_list(addresses))
    } else {
        let parts: Vec<String> = v
            .iter()
            .zip(addresses)
            .map(|((_, n, _), a)| format!("'{n}' on {a}"))
            .collect();
        format!("same name: {}", and_list(&parts))
    };
    MergeSuggestion {
        addresses: addresses.to_vec(),
        evidence,
        dismissed: false,
    }
}

/// `a`, `a and b`, `a, b and c`.
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

#[path = "people_replies.rs"]
mod replies;

#[cfg(test)]
#[path = "people_tests.rs"]
mod tests;
