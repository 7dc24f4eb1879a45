//! Message threading: turns per-message reply headers (Message-ID,
//! In-Reply-To, References) plus Gmail `X-GM-THRID` and Outlook
//! `Thread-Index` into conversations ([`Thread`]s) with a reply tree each.
//!
//! This module owns the threading algorithm, the thread ids and the tree
//! shape; it does no I/O and knows nothing about the store.
//!
//! # Algorithm
//!
//! JWZ threading (<https://www.jwz.org/doc/threading.html>) as notmuch and
//! meli do it, made deterministic and iterative:
//!
//! 1. Inputs are put in a canonical order (by [`MessageKey`]), so the result
//!    does not depend on the order messages arrive in. Inputs repeating a
//!    key already seen are the same message and are ignored.
//! 2. Every Message-ID gets one container (see [`normalize_message_id`]).
//!    A message without a Message-ID gets a container of its own. When two
//!    different messages carry the same Message-ID, both are kept: the
//!    first (smallest key) owns the id's container, the other gets a
//!    sibling container with the same id, which is always put in the same
//!    thread. Ids that are referenced but whose message is not in the
//!    collection get placeholder ("ghost") containers, so that messages
//!    added later by an incremental import join the same thread.
//! 3. Each message's own parent is the last id in References, else the
//!    first In-Reply-To id (self-references dropped). These links are made
//!    first and are never overridden.
//! 4. Then each References chain links its ids (each the parent of the next)
//!    where the child has no parent yet.
//! 5. A link that would close a cycle is not made. Since links are only ever
//!    added to parentless containers, "would close a cycle" is exactly "both
//!    ends are already in the same tree", which a union-find answers in
//!    near-constant time; that union-find then doubles as the list of trees.
//! 6. Trees are joined into one thread (union-find again) when their
//!    messages share an `X-GM-THRID`, or an Outlook `Thread-Index` whose
//!    first 22 decoded bytes (the conversation's creation time and GUID)
//!    agree, or a duplicated Message-ID. Such a thread has several roots.
//! 7. Ghosts with no children are dropped; a ghost with exactly one child is
//!    dropped and the child takes its place (JWZ's pruning). Ghosts with
//!    two or more children stay, joining their siblings.
//!
//! There is deliberately **no subject-based merging**: it wrongly merges
//! unrelated conversations that happen to share a subject ("Re: budget",
//! "Re: call"), which in a leak of tens of thousands of messages is common.
//!
//! Everything is iterative (explicit stacks and queues), so a chain of
//! replies thousands deep cannot overflow the stack.
//!
//! # Thread ids
//!
//! A [`ThreadId`] is the first 16 hex digits of the SHA-256 of an anchor:
//! the smallest normalised Message-ID among all containers of the thread
//! (ghosts included, even ones pruned from the tree), or, when no container
//! has an id, the smallest message key in hex. Because a reply's References
//! usually already name every ancestor, adding a missing message later
//! normally keeps the thread's id (the anchor is already among the ghosts).
//! The id changes when the anchor changes: when an added message brings a
//! smaller id into the thread (e.g. References naming an ancestor no other
//! message named), or when two threads merge — the merged thread keeps the
//! id of whichever anchor is smaller, and the other id disappears.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::model::{MessageKey, Sha256};

/// What threading needs to know about one message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadInput {
    pub key: MessageKey,
    /// Message-ID, without `<>` (tolerated if present).
    pub message_id: Option<String>,
    /// In-Reply-To ids, without `<>`.
    pub in_reply_to: Vec<String>,
    /// References ids, oldest first, without `<>`.
    pub references: Vec<String>,
    pub subject: Option<String>,
    /// Seconds since the epoch, UTC.
    pub date: Option<i64>,
    /// Gmail `X-GM-THRID`.
    pub gm_thread_id: Option<String>,
    /// Outlook `Thread-Index` header value (base64).
    pub thread_index: Option<String>,
}

impl ThreadInput {
    /// An input with only a key; fill in the rest field by field.
    pub fn new(key: MessageKey) -> ThreadInput {
        ThreadInput {
            key,
            message_id: None,
            in_reply_to: Vec::new(),
            references: Vec::new(),
            subject: None,
            date: None,
            gm_thread_id: None,
            thread_index: None,
        }
    }
}

/// A thread's id: 16 lower-case hex digits (see the module doc).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ThreadId(pub String);

impl ThreadId {
    fn from_anchor(anchor: &str) -> ThreadId {
        let mut hex = Sha256::of(anchor.as_bytes()).to_hex();
        hex.truncate(16);
        ThreadId(hex)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ThreadId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One node of a thread's reply tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Node {
    /// `None` for a placeholder ("ghost"): a message that replies refer to
    /// but that is not in the collection.
    pub key: Option<MessageKey>,
    /// Normalised Message-ID, if known.
    pub message_id: Option<String>,
    /// Indexes into [`Thread::nodes`], sorted by the date of each subtree's
    /// earliest message (undated last, ties by key).
    pub children: Vec<usize>,
    /// 0 for a root.
    pub depth: usize,
}

impl Node {
    pub fn is_ghost(&self) -> bool {
        self.key.is_none()
    }
}

/// One conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Thread {
    pub id: ThreadId,
    /// Subject of the first root if it is a real message with a subject,
    /// else of the earliest message with one; reply/forward prefixes
    /// ("Re:", "Fwd:", "AW:", "RE[2]:", ...) stripped. `None` if nothing
    /// is left.
    pub subject: Option<String>,
    /// Every real message of the thread, by date (undated last, ties by key).
    pub messages: Vec<MessageKey>,
    pub first_date: Option<i64>,
    pub last_date: Option<i64>,
    /// The reply tree, in depth-first pre-order.
    pub nodes: Vec<Node>,
    /// Indexes into `nodes` of the tree roots, in the same order as
    /// children. Usually one; more when `X-GM-THRID`, `Thread-Index` or a
    /// duplicated Message-ID joins separate trees.
    pub roots: Vec<usize>,
}

impl Thread {
    /// Depth-first pre-order over the roots, with each node's depth: the
    /// order to print the tree in. Iterative; each node at most once.
    pub fn walk(&self) -> Vec<(usize, &Node)> {
        let mut out = Vec::with_capacity(self.nodes.len());
        let mut seen = vec![false; self.nodes.len()];
        let mut stack: Vec<(usize, usize)> = self.roots.iter().rev().map(|&r| (0, r)).collect();
        while let Some((depth, i)) = stack.pop() {
            let Some(node) = self.nodes.get(i) else {
                continue;
            };
            if std::mem::replace(&mut seen[i], true) {
                continue;
            }
            out.push((depth, node));
            stack.extend(node.children.iter().rev().map(|&c| (depth + 1, c)));
        }
        out
    }
}

/// The result of [`thread`].
#[derive(Debug, Clone, Default)]
pub struct Threads {
    threads: Vec<Thread>,
    by_key: HashMap<MessageKey, usize>,
    by_id: HashMap<ThreadId, usize>,
}

impl Threads {
    /// The thread a message is in.
    pub fn thread_of(&self, key: &MessageKey) -> Option<&ThreadId> {
        self.by_key.get(key).map(|&i| &self.threads[i].id)
    }

    /// All threads, by last date, newest first (undated last), ties by id.
    pub fn threads(&self) -> &[Thread] {
        &self.threads
    }

    pub fn get(&self, id: &ThreadId) -> Option<&Thread> {
        self.by_id.get(id).map(|&i| &self.threads[i])
    }

    pub fn len(&self) -> usize {
        self.threads.len()
    }

    pub fn is_empty(&self) -> bool {
        self.threads.is_empty()
    }
}

/// The form Message-IDs are compared in: trimmed, one pair of surrounding
/// `<>` removed, the part after the last `@` lower-cased. `None` if empty.
pub fn normalize_message_id(raw: &str) -> Option<Cow<'_, str>> {
    let (id, lower) = id_parts(raw)?;
    if !lower {
        return Some(Cow::Borrowed(id));
    }
    let mut out = String::with_capacity(id.len());
    push_lowered_domain(id, &mut out);
    Some(Cow::Owned(out))
}

/// `raw` trimmed and without `<>`, and whether its domain has upper case.
fn id_parts(raw: &str) -> Option<(&str, bool)> {
    let s = raw.trim();
    let s = s.strip_prefix('<').unwrap_or(s);
    let s = s.strip_suffix('>').unwrap_or(s).trim();
    if s.is_empty() {
        return None;
    }
    let lower = s
        .rfind('@')
        .is_some_and(|at| s[at + 1..].bytes().any(|b| b.is_ascii_uppercase()));
    Some((s, lower))
}

/// Appends `id` with the part after the last `@` lower-cased.
fn push_lowered_domain(id: &str, out: &mut String) {
    let at = id.rfind('@').map_or(id.len(), |at| at + 1);
    out.push_str(&id[..at]);
    out.extend(id[at..].chars().map(|c| c.to_ascii_lowercase()));
}

/// Reply and forward prefixes, compared case-insensitively.
const SUBJECT_PREFIXES: &[&str] = &[
    "re", "fw", "fwd", "aw", "wg", "sv", "vs", "antw", "rif", "tr", "odp", "res", "enc",
];

/// `subject` without leading reply/forward prefixes ("Re: Fwd: RE[2]: x"
/// gives "x"), trimmed.
pub fn strip_subject_prefixes(subject: &str) -> &str {
    let mut s = subject.trim();
    while let Some(rest) = strip_one_prefix(s) {
        s = rest.trim_start();
    }
    s.trim_end()
}

fn strip_one_prefix(s: &str) -> Option<&str> {
    let b = s.as_bytes();
    let word = b.iter().take_while(|c| c.is_ascii_alphabetic()).count();
    if !SUBJECT_PREFIXES
        .iter()
        .any(|p| p.eq_ignore_ascii_case(&s[..word]))
    {
        return None;
    }
    let mut i = word;
    // "Re[2]:" and "Re(2):"
    if let Some(close) = match b.get(i) {
        Some(b'[') => Some(b']'),
        Some(b'(') => Some(b')'),
        _ => None,
    } {
        let digits = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 || b.get(i + 1 + digits) != Some(&close) {
            return None;
        }
        i += digits + 2;
    }
    while b.get(i) == Some(&b' ') {
        i += 1;
    }
    let rest = &s[i..];
    rest.strip_prefix(':').or_else(|| rest.strip_prefix('：'))
}

/// The first 22 bytes of a base64 Outlook `Thread-Index` (whitespace
/// ignored), which identify the conversation; `None` if shorter or not
/// base64. Characters after the 22nd byte are not checked.
fn thread_index_prefix(value: &str) -> Option<[u8; 22]> {
    let mut out = [0u8; 22];
    let mut len = 0;
    let mut acc: u32 = 0;
    let mut bits = 0;
    for ch in value.bytes() {
        let v = match ch {
            b'A'..=b'Z' => ch - b'A',
            b'a'..=b'z' => ch - b'a' + 26,
            b'0'..=b'9' => ch - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => break,
            c if c.is_ascii_whitespace() => continue,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out[len] = (acc >> bits) as u8;
            acc &= (1 << bits) - 1;
            len += 1;
            if len == out.len() {
                return Some(out);
            }
        }
    }
    None
}

/// Union-find over container indexes (path halving, union by size).
struct UnionFind {
    up: Vec<usize>,
    size: Vec<u32>,
}

impl UnionFind {
    fn new() -> UnionFind {
        UnionFind {
            up: Vec::new(),
            size: Vec::new(),
        }
    }

    fn push(&mut self) {
        self.up.push(self.up.len());
        self.size.push(1);
    }

    fn find(&mut self, mut x: usize) -> usize {
        while self.up[x] != x {
            self.up[x] = self.up[self.up[x]];
            x = self.up[x];
        }
        x
    }

    fn union(&mut self, a: usize, b: usize) {
        let (a, b) = (self.find(a), self.find(b));
        if a == b {
            return;
        }
        let (big, small) = if self.size[a] >= self.size[b] {
            (a, b)
        } else {
            (b, a)
        };
        self.up[small] = big;
        self.size[big] += self.size[small];
    }
}

/// How subtrees (and messages) are ordered: by date, undated last, then key.
type SortKey = (bool, i64, MessageKey);

fn sort_key(m: &ThreadInput) -> SortKey {
    (m.date.is_none(), m.date.unwrap_or(0), m.key)
}

/// The containers and their parent links. Container ids are filled in
/// afterwards from [`Ids`], so that each id is stored once.
struct Forest {
    /// The message in each container; `None` for a ghost.
    msg: Vec<Option<usize>>,
    parent: Vec<Option<usize>>,
    /// Trees while linking; threads after the joins.
    uf: UnionFind,
}

impl Forest {
    fn add(&mut self, msg: Option<usize>) -> usize {
        self.msg.push(msg);
        self.parent.push(None);
        self.uf.push();
        self.msg.len() - 1
    }

    /// Makes `parent` the parent of `child` unless `child` already has one
    /// or the link would close a cycle. `child` has no parent, so it is the
    /// root of its tree, and the link closes a cycle exactly when `parent`
    /// is in that same tree.
    fn link(&mut self, child: usize, parent: usize) {
        if self.parent[child].is_some() || self.uf.find(child) == self.uf.find(parent) {
            return;
        }
        self.parent[child] = Some(parent);
        self.uf.union(child, parent);
    }
}

/// Normalised Message-ID to container. Ids are normalised through a
/// scratch buffer, so looking up an id already seen allocates nothing.
struct Ids<'a> {
    map: HashMap<Cow<'a, str>, usize>,
    scratch: String,
}

impl<'a> Ids<'a> {
    /// `None` if `raw` is empty; else the container of its normalised form,
    /// or that form (ready to insert) if it has none yet.
    fn lookup(&mut self, raw: &'a str) -> Option<Result<usize, Cow<'a, str>>> {
        let (id, lower) = id_parts(raw)?;
        let key: &str = if lower {
            self.scratch.clear();
            push_lowered_domain(id, &mut self.scratch);
            &self.scratch
        } else {
            id
        };
        Some(match self.map.get(key) {
            Some(&c) => Ok(c),
            None if lower => Err(Cow::Owned(key.to_owned())),
            None => Err(Cow::Borrowed(id)),
        })
    }

    /// The container of `raw`, creating a ghost for an unknown id.
    fn resolve(&mut self, f: &mut Forest, raw: &'a str) -> Option<usize> {
        Some(match self.lookup(raw)? {
            Ok(c) => c,
            Err(id) => {
                let c = f.add(None);
                self.map.insert(id, c);
                c
            }
        })
    }
}

/// Threads `msgs`. The result depends only on the set of inputs, not their
/// order. See the module doc for the algorithm.
pub fn thread(msgs: &[ThreadInput]) -> Threads {
    // 1. Canonical order; a repeated key is the same message.
    let mut ms: Vec<&ThreadInput> = msgs.iter().collect();
    ms.sort_unstable_by(|a, b| a.key.cmp(&b.key).then_with(|| canonical_cmp(a, b)));
    ms.dedup_by(|later, earlier| later.key == earlier.key);
    let n = ms.len();

    let mut f = Forest {
        msg: Vec::with_capacity(n * 2),
        parent: Vec::with_capacity(n * 2),
        uf: UnionFind::new(),
    };
    let mut ids = Ids {
        map: HashMap::with_capacity(n * 2),
        scratch: String::new(),
    };

    // 2a. Each message's own container. `me` is the container its id
    // resolves to (its own, or the first copy's for a duplicate), so that
    // self-references can be recognised.
    let mut own = Vec::with_capacity(n);
    let mut me = Vec::with_capacity(n);
    let mut duplicates = Vec::new();
    for (m, &input) in ms.iter().enumerate() {
        let c = f.add(Some(m));
        own.push(c);
        me.push(
            match input.message_id.as_deref().and_then(|raw| ids.lookup(raw)) {
                None => None,
                Some(Ok(first)) => {
                    duplicates.push((c, first));
                    Some(first)
                }
                Some(Err(id)) => {
                    ids.map.insert(id, c);
                    Some(c)
                }
            },
        );
    }

    // 2b. Referenced ids, creating ghosts for the missing ones; self
    // references dropped.
    let mut refs_at = Vec::with_capacity(n + 1);
    let mut refs = Vec::new();
    let mut reply_to = Vec::with_capacity(n);
    refs_at.push(0);
    for (m, &input) in ms.iter().enumerate() {
        for raw in &input.references {
            if let Some(c) = ids.resolve(&mut f, raw)
                && Some(c) != me[m]
            {
                refs.push(c);
            }
        }
        refs_at.push(refs.len());
        let irt = input
            .in_reply_to
            .iter()
            .filter_map(|raw| ids.resolve(&mut f, raw))
            .find(|&c| Some(c) != me[m]);
        reply_to.push(irt);
    }

    // 3. Each message's own parent: last References id, else In-Reply-To.
    for m in 0..n {
        let my_refs = &refs[refs_at[m]..refs_at[m + 1]];
        if let Some(p) = my_refs.last().copied().or(reply_to[m]) {
            f.link(own[m], p);
        }
    }
    // 4. References chains, where the child has no parent yet.
    for m in 0..n {
        for w in refs[refs_at[m]..refs_at[m + 1]].windows(2) {
            f.link(w[1], w[0]);
        }
    }

    // 6. Joins: duplicated ids, X-GM-THRID, Thread-Index.
    for &(dup, first) in &duplicates {
        f.uf.union(dup, first);
    }
    let mut by_gm: HashMap<&str, usize> = HashMap::new();
    let mut by_index: HashMap<[u8; 22], usize> = HashMap::new();
    for (m, &input) in ms.iter().enumerate() {
        if let Some(gm) = input.gm_thread_id.as_deref().map(str::trim)
            && !gm.is_empty()
        {
            let c = *by_gm.entry(gm).or_insert(own[m]);
            f.uf.union(c, own[m]);
        }
        if let Some(prefix) = input.thread_index.as_deref().and_then(thread_index_prefix) {
            let c = *by_index.entry(prefix).or_insert(own[m]);
            f.uf.union(c, own[m]);
        }
    }

    // Each container's id, borrowed from the map.
    let mut cid: Vec<Option<&str>> = vec![None; f.msg.len()];
    for (id, &c) in &ids.map {
        cid[c] = Some(id);
    }
    for &(dup, first) in &duplicates {
        cid[dup] = cid[first];
    }

    build(&ms, &mut f, &cid, &own)
}

fn canonical_cmp(a: &ThreadInput, b: &ThreadInput) -> std::cmp::Ordering {
    fn fields(x: &ThreadInput) -> impl Ord + '_ {
        (
            x.key,
            x.message_id.as_deref(),
            x.in_reply_to.as_slice(),
            x.references.as_slice(),
            x.subject.as_deref(),
            x.date,
            x.gm_thread_id.as_deref(),
            x.thread_index.as_deref(),
        )
    }
    fields(a).cmp(&fields(b))
}

/// Prunes ghosts, orders children and assembles the threads.
fn build(ms: &[&ThreadInput], f: &mut Forest, cid: &[Option<&str>], own: &[usize]) -> Threads {
    let nc = f.msg.len();

    // Children, in compressed form.
    let mut child_at = vec![0usize; nc + 1];
    for p in f.parent.iter().flatten() {
        child_at[p + 1] += 1;
    }
    for i in 0..nc {
        child_at[i + 1] += child_at[i];
    }
    let mut fill = child_at.clone();
    let mut child = vec![0usize; child_at[nc]];
    for (c, p) in f.parent.iter().enumerate() {
        if let Some(p) = *p {
            child[fill[p]] = c;
            fill[p] += 1;
        }
    }

    // Breadth-first order from the roots: every container after its parent.
    let mut bfs: Vec<usize> = (0..nc).filter(|&c| f.parent[c].is_none()).collect();
    let mut head = 0;
    while head < bfs.len() {
        let c = bfs[head];
        head += 1;
        bfs.extend_from_slice(&child[child_at[c]..child_at[c + 1]]);
    }
    debug_assert_eq!(bfs.len(), nc, "parent links are acyclic");

    // Bottom-up: what each container contributes to its parent's children
    // (itself, its single child if it is a pruned ghost, or nothing), each
    // kept subtree's sort key, and the pruned, sorted children.
    let mut rep: Vec<Option<usize>> = vec![None; nc];
    let mut skey: Vec<Option<SortKey>> = vec![None; nc];
    let mut kids: Vec<Vec<usize>> = vec![Vec::new(); nc];
    for &c in bfs.iter().rev() {
        let mut k: Vec<usize> = child[child_at[c]..child_at[c + 1]]
            .iter()
            .filter_map(|&x| rep[x])
            .collect();
        let own_key = f.msg[c].map(|m| sort_key(ms[m]));
        if own_key.is_none() && k.len() < 2 {
            rep[c] = k.first().copied();
            continue;
        }
        rep[c] = Some(c);
        skey[c] = k.iter().map(|&x| skey[x]).chain([own_key]).flatten().min();
        k.sort_unstable_by(|&a, &b| skey[a].cmp(&skey[b]));
        kids[c] = k;
    }

    // Group by thread.
    struct Group<'g> {
        msgs: Vec<usize>,
        roots: Vec<usize>,
        anchor: Option<&'g str>,
    }
    let mut slot = vec![usize::MAX; nc];
    let mut groups: Vec<Group<'_>> = Vec::new();
    for (m, &c) in own.iter().enumerate() {
        let r = f.uf.find(c);
        if slot[r] == usize::MAX {
            slot[r] = groups.len();
            groups.push(Group {
                msgs: Vec::new(),
                roots: Vec::new(),
                anchor: None,
            });
        }
        groups[slot[r]].msgs.push(m);
    }
    for c in 0..nc {
        let g = slot[f.uf.find(c)];
        if g == usize::MAX {
            continue; // ghosts only
        }
        let group = &mut groups[g];
        if let Some(id) = cid[c]
            && group.anchor.is_none_or(|a| id < a)
        {
            group.anchor = Some(id);
        }
        if f.parent[c].is_none()
            && let Some(r) = rep[c]
        {
            group.roots.push(r);
        }
    }

    let mut threads = Vec::with_capacity(groups.len());
    for mut g in groups {
        g.roots.sort_unstable_by(|&a, &b| skey[a].cmp(&skey[b]));
        g.msgs.sort_unstable_by_key(|&m| sort_key(ms[m]));
        let id = match g.anchor {
            Some(a) => ThreadId::from_anchor(a),
            None => {
                let smallest = g.msgs.iter().map(|&m| ms[m].key).min();
                ThreadId::from_anchor(&smallest.expect("non-empty group").to_hex())
            }
        };

        // Nodes in pre-order.
        let mut nodes: Vec<Node> = Vec::new();
        let mut roots = Vec::with_capacity(g.roots.len());
        let mut stack: Vec<(usize, Option<usize>, usize)> =
            g.roots.iter().rev().map(|&r| (r, None, 0)).collect();
        while let Some((c, parent, depth)) = stack.pop() {
            let at = nodes.len();
            nodes.push(Node {
                key: f.msg[c].map(|m| ms[m].key),
                message_id: cid[c].map(str::to_owned),
                children: Vec::with_capacity(kids[c].len()),
                depth,
            });
            match parent {
                Some(p) => nodes[p].children.push(at),
                None => roots.push(at),
            }
            stack.extend(kids[c].iter().rev().map(|&k| (k, Some(at), depth + 1)));
        }

        let dates = g.msgs.iter().filter_map(|&m| ms[m].date);
        let first_date = dates.clone().min();
        let last_date = dates.max();
        let root_subject = roots
            .first()
            .and_then(|&r| nodes[r].key)
            .and_then(|k| g.msgs.iter().find(|&&m| ms[m].key == k))
            .and_then(|&m| clean_subject(ms[m]));
        let subject = root_subject.or_else(|| g.msgs.iter().find_map(|&m| clean_subject(ms[m])));

        threads.push(Thread {
            id,
            subject,
            messages: g.msgs.iter().map(|&m| ms[m].key).collect(),
            first_date,
            last_date,
            nodes,
            roots,
        });
    }

    threads.sort_unstable_by(|a, b| {
        (a.last_date.is_none(), std::cmp::Reverse(a.last_date), &a.id).cmp(&(
            b.last_date.is_none(),
            std::cmp::Reverse(b.last_date),
            &b.id,
        ))
    });
    let mut by_key = HashMap::with_capacity(ms.len());
    let mut by_id = HashMap::with_capacity(threads.len());
    for (i, t) in threads.iter().enumerate() {
        by_id.insert(t.id.clone(), i);
        for k in &t.messages {
            by_key.insert(*k, i);
        }
    }
    Threads {
        threads,
        by_key,
        by_id,
    }
}

fn clean_subject(m: &ThreadInput) -> Option<String> {
    let s = strip_subject_prefixes(m.subject.as_deref()?);
    (!s.is_empty()).then(|| s.to_owned())
}

/// Thread ids only, computed with little memory: the same links, joins and
/// anchors as [`thread`] (so the same ids), without building trees or
/// holding inputs. Message-IDs are interned once; per message it keeps a
/// key and a few container numbers (about 200 bytes a message in all,
/// against a few KB for [`thread`] with its inputs), so that re-threading
/// a 500,000-message case after an import stays within a bounded budget.
///
/// Fed in two passes: [`IdThreader::add_message`] for every message in
/// ascending key order (repeated keys not allowed), then
/// [`IdThreader::add_replies`] once for every message, in any order (so
/// the store can read its table in row order); then [`IdThreader::finish`].
pub struct IdThreader {
    keys: Vec<MessageKey>,
    /// Each message's own container.
    own: Vec<u32>,
    /// The container its Message-ID resolves to (its own, or the first
    /// copy's for a duplicate), `NONE` without an id.
    me: Vec<u32>,
    duplicates: Vec<(u32, u32)>,
    /// Per container: the message in it (`NONE`: ghost), its parent, its id.
    msg: Vec<u32>,
    parent: Vec<u32>,
    cid: Vec<u32>,
    uf: UnionFind,
    /// Normalised Message-IDs, interned: id -> index in `names`.
    id_index: HashMap<std::sync::Arc<str>, u32>,
    names: Vec<std::sync::Arc<str>>,
    /// Id index -> container (the first message's, or a ghost's).
    container_of: Vec<u32>,
    scratch: String,
    /// Pass 2: resolved references (flattened, in arrival order) and each
    /// message's span of them; In-Reply-To parent.
    refs: Vec<u32>,
    refs_span: Vec<(u32, u32)>,
    reply_to: Vec<u32>,
    gm: HashMap<Box<str>, u32>,
    by_index: HashMap<[u8; 22], u32>,
    joins: Vec<(u32, u32)>,
}

const NONE: u32 = u32::MAX;

impl Default for IdThreader {
    fn default() -> Self {
        IdThreader::new()
    }
}

impl IdThreader {
    pub fn new() -> IdThreader {
        IdThreader {
            keys: Vec::new(),
            own: Vec::new(),
            me: Vec::new(),
            duplicates: Vec::new(),
            msg: Vec::new(),
            parent: Vec::new(),
            cid: Vec::new(),
            uf: UnionFind::new(),
            id_index: HashMap::new(),
            names: Vec::new(),
            container_of: Vec::new(),
            scratch: String::new(),
            refs: Vec::new(),
            refs_span: Vec::new(),
            reply_to: Vec::new(),
            gm: HashMap::new(),
            by_index: HashMap::new(),
            joins: Vec::new(),
        }
    }

    fn add_container(&mut self, msg: u32, cid: u32) -> u32 {
        self.msg.push(msg);
        self.parent.push(NONE);
        self.cid.push(cid);
        self.uf.push();
        (self.msg.len() - 1) as u32
    }

    /// The interned index of `raw`'s normalised form, if it has one;
    /// `Err` with the normalised form when it is new.
    fn lookup(&mut self, raw: &str) -> Option<Result<u32, std::sync::Arc<str>>> {
        let (id, lower) = id_parts(raw)?;
        let key: &str = if lower {
            self.scratch.clear();
            push_lowered_domain(id, &mut self.scratch);
            &self.scratch
        } else {
            id
        };
        Some(match self.id_index.get(key) {
            Some(&i) => Ok(i),
            None => Err(std::sync::Arc::from(key)),
        })
    }

    fn intern(&mut self, name: std::sync::Arc<str>, container: u32) -> u32 {
        let i = self.names.len() as u32;
        self.id_index.insert(name.clone(), i);
        self.names.push(name);
        self.container_of.push(container);
        i
    }

    /// Pass 1: a message and its Message-ID, in ascending key order.
    pub fn add_message(&mut self, key: MessageKey, message_id: Option<&str>) {
        debug_assert!(self.keys.last().is_none_or(|k| *k < key), "keys ascending");
        let m = self.keys.len() as u32;
        self.keys.push(key);
        let c = self.add_container(m, NONE);
        self.own.push(c);
        let me = match message_id.and_then(|raw| self.lookup(raw)) {
            None => NONE,
            Some(Ok(i)) => {
                let first = self.container_of[i as usize];
                self.duplicates.push((c, first));
                self.cid[c as usize] = i;
                first
            }
            Some(Err(name)) => {
                let i = self.intern(name, c);
                self.cid[c as usize] = i;
                c
            }
        };
        self.me.push(me);
    }

    /// The container of `raw`, creating a ghost for an unknown id.
    fn resolve(&mut self, raw: &str) -> Option<u32> {
        Some(match self.lookup(raw)? {
            Ok(i) => self.container_of[i as usize],
            Err(name) => {
                let c = self.add_container(NONE, NONE);
                let i = self.intern(name, c);
                self.cid[c as usize] = i;
                c
            }
        })
    }

    /// Pass 2: the reply headers of message `m` (its position in pass 1),
    /// once per message, in any order.
    pub fn add_replies<'a>(
        &mut self,
        m: usize,
        in_reply_to: impl IntoIterator<Item = &'a str>,
        references: impl IntoIterator<Item = &'a str>,
        gm_thread_id: Option<&str>,
        thread_index: Option<&str>,
    ) {
        debug_assert!(m < self.keys.len(), "add_replies for a message never added");
        if m >= self.keys.len() {
            return;
        }
        self.ensure_reply_slots();
        debug_assert!(
            self.refs_span[m].0 == NONE,
            "add_replies twice for one message"
        );
        let me = self.me[m];
        let start = self.refs.len();
        for raw in references {
            if let Some(c) = self.resolve(raw)
                && c != me
            {
                self.refs.push(c);
            }
        }
        self.refs_span[m] = (start as u32, (self.refs.len() - start) as u32);
        for raw in in_reply_to {
            if let Some(c) = self.resolve(raw)
                && c != me
            {
                self.reply_to[m] = c;
                break;
            }
        }
        let own = self.own[m];
        if let Some(gm) = gm_thread_id.map(str::trim)
            && !gm.is_empty()
        {
            let c = *self.gm.entry(gm.into()).or_insert(own);
            self.joins.push((c, own));
        }
        if let Some(prefix) = thread_index.and_then(thread_index_prefix) {
            let c = *self.by_index.entry(prefix).or_insert(own);
            self.joins.push((c, own));
        }
    }

    fn ensure_reply_slots(&mut self) {
        if self.reply_to.len() < self.keys.len() {
            self.reply_to.resize(self.keys.len(), NONE);
            self.refs_span.resize(self.keys.len(), (NONE, 0));
        }
    }

    fn link(&mut self, child: u32, parent: u32) {
        let (c, p) = (child as usize, parent as usize);
        if self.parent[c] != NONE || self.uf.find(c) == self.uf.find(p) {
            return;
        }
        self.parent[c] = parent;
        self.uf.union(c, p);
    }

    /// Each message's thread, in pass-1 order: an index into the returned
    /// ids.
    pub fn finish(mut self) -> (Vec<u32>, Vec<ThreadId>) {
        // A message whose replies never came has none.
        self.ensure_reply_slots();
        let n = self.keys.len();
        let span = |t: &IdThreader, m: usize| match t.refs_span[m] {
            (NONE, _) => (0, 0),
            (a, len) => (a as usize, a as usize + len as usize),
        };
        // 3. Own parents: last References id, else In-Reply-To.
        for m in 0..n {
            let (a, b) = span(&self, m);
            let p = if b > a {
                self.refs[b - 1]
            } else {
                self.reply_to[m]
            };
            if p != NONE {
                self.link(self.own[m], p);
            }
        }
        // 4. References chains.
        for m in 0..n {
            let (a, b) = span(&self, m);
            for i in a + 1..b {
                self.link(self.refs[i], self.refs[i - 1]);
            }
        }
        // 6. Joins.
        for (dup, first) in std::mem::take(&mut self.duplicates) {
            self.uf.union(dup as usize, first as usize);
        }
        for (a, b) in std::mem::take(&mut self.joins) {
            self.uf.union(a as usize, b as usize);
        }
        drop(std::mem::take(&mut self.refs));
        drop(std::mem::take(&mut self.id_index));
        // Groups of messages; the anchor is the smallest id of any
        // container in the group, ghosts included.
        let nc = self.msg.len();
        let mut slot = vec![NONE; nc];
        let mut group_of = Vec::with_capacity(n);
        let mut groups = 0u32;
        for m in 0..n {
            let r = self.uf.find(self.own[m] as usize);
            if slot[r] == NONE {
                slot[r] = groups;
                groups += 1;
            }
            group_of.push(slot[r]);
        }
        let mut anchor: Vec<u32> = vec![NONE; groups as usize];
        for c in 0..nc {
            let g = slot[self.uf.find(c)];
            let id = self.cid[c];
            if g == NONE || id == NONE {
                continue;
            }
            let a = &mut anchor[g as usize];
            if *a == NONE || self.names[id as usize] < self.names[*a as usize] {
                *a = id;
            }
        }
        // Groups without any id: the smallest key (keys are ascending, so
        // the group's first message).
        let mut first_msg = vec![NONE; groups as usize];
        for (m, &g) in group_of.iter().enumerate() {
            if first_msg[g as usize] == NONE {
                first_msg[g as usize] = m as u32;
            }
        }
        let ids = (0..groups as usize)
            .map(|g| match anchor[g] {
                NONE => ThreadId::from_anchor(&self.keys[first_msg[g] as usize].to_hex()),
                a => ThreadId::from_anchor(&self.names[a as usize]),
            })
            .collect();
        (group_of, ids)
    }
}

/// Realistic-looking inputs for benchmarks and tests: `n` messages in
/// threads of mostly 1–5 messages with a few of hundreds, deep reply
/// chains, missing parents, messages without ids or with only
/// In-Reply-To, Gmail and Outlook thread ids, shuffled. Deterministic in
/// `seed`.
#[doc(hidden)]
pub fn synthetic_inputs(n: usize, seed: u64) -> Vec<ThreadInput> {
    let mut rng = SplitMix(seed);
    let mut out = Vec::with_capacity(n);
    let mut t = 0u64;
    while out.len() < n {
        t += 1;
        let size = match rng.below(100) {
            0..60 => 1,
            60..88 => 2 + rng.below(4),
            88..98 => 6 + rng.below(25),
            _ => 31 + rng.below(300),
        } as usize;
        let gm = (rng.below(5) == 0).then(|| format!("{}", rng.next() >> 1));
        let index = (rng.below(10) == 0).then(|| {
            let bytes: Vec<u8> = (0..22).map(|_| rng.next() as u8).collect();
            base64_encode(&bytes)
        });
        let start = 1_200_000_000 + rng.below(300_000_000) as i64;
        // (message id, references) of every message in the thread, sent or not.
        let mut made: Vec<(String, Vec<String>)> = Vec::with_capacity(size);
        for i in 0..size {
            // A fifth of the domains in upper case, as Exchange writes them.
            let mid = match t % 5 {
                0 => format!("t{t}.m{i}.{seed}@EXCH{}.Example.ORG", t % 3),
                d => format!("t{t}.m{i}.{seed}@mail{d}.example.org"),
            };
            let mut references = Vec::new();
            if i > 0 {
                // Mostly replies to a recent message, making deep chains.
                let back = 1 + rng.below(3.min(i as u64)) as usize;
                let p = if rng.below(4) == 0 {
                    rng.below(i as u64) as usize
                } else {
                    i - back
                };
                references = made[p].1.clone();
                references.push(made[p].0.clone());
                if references.len() > 20 {
                    // Truncated like long References headers are: first + last.
                    let tail = references.split_off(references.len() - 19);
                    references.truncate(1);
                    references.extend(tail);
                }
            }
            made.push((mid.clone(), references.clone()));
            if rng.below(20) == 0 && size > 1 {
                continue; // missing from the collection
            }
            let key = Sha256::of(format!("{seed}/{t}/{i}").as_bytes());
            let mut input = ThreadInput::new(key);
            if rng.below(30) != 0 {
                input.message_id = Some(mid);
            }
            input.in_reply_to = references.last().cloned().into_iter().collect();
            if rng.below(10) != 0 {
                input.references = references; // else In-Reply-To only
            }
            input.subject = Some(if i == 0 {
                format!("topic {}", t % 1000)
            } else {
                format!("Re: topic {}", t % 1000)
            });
            if rng.below(50) != 0 {
                input.date = Some(start + i as i64 * 600 + rng.below(600) as i64);
            }
            input.gm_thread_id = gm.clone();
            input.thread_index = index.clone();
            out.push(input);
            if out.len() == n {
                break;
            }
        }
    }
    for i in (1..out.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        out.swap(i, j);
    }
    out
}

struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn base64_encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let v = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &b)| acc | u32::from(b) << (16 - 8 * i));
        let chars = chunk.len() + 1;
        for i in 0..4 {
            if i < chars {
                out.push(ALPHABET[(v >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashSet;

    fn key(name: &str) -> MessageKey {
        Sha256::of(name.as_bytes())
    }

    /// A message named `name` with Message-ID `name@x`.
    fn msg(name: &str) -> ThreadInput {
        let mut m = ThreadInput::new(key(name));
        m.message_id = Some(format!("{name}@x"));
        m
    }

    fn refs(mut m: ThreadInput, ids: &[&str]) -> ThreadInput {
        m.references = ids.iter().map(|i| format!("{i}@x")).collect();
        m
    }

    fn irt(mut m: ThreadInput, ids: &[&str]) -> ThreadInput {
        m.in_reply_to = ids.iter().map(|i| format!("{i}@x")).collect();
        m
    }

    fn dated(mut m: ThreadInput, date: i64) -> ThreadInput {
        m.date = Some(date);
        m
    }

    fn id_of(ts: &Threads, name: &str) -> ThreadId {
        ts.thread_of(&key(name)).unwrap().clone()
    }

    /// Node keys in walk order, ghosts as their Message-ID, with depth.
    fn shape(t: &Thread) -> Vec<(usize, String)> {
        let names: HashMap<MessageKey, String> = (b'a'..=b'z')
            .map(|c| (c as char).to_string())
            .map(|n| (key(&n), n))
            .collect();
        t.walk()
            .into_iter()
            .map(|(d, n)| {
                let label = match n.key {
                    Some(k) => names.get(&k).cloned().unwrap_or_else(|| k.to_hex()),
                    None => format!("ghost {}", n.message_id.as_deref().unwrap()),
                };
                (d, label)
            })
            .collect()
    }

    fn tree(ts: &Threads, name: &str) -> Vec<(usize, String)> {
        shape(ts.get(&id_of(ts, name)).unwrap())
    }

    fn s(d: usize, l: &str) -> (usize, String) {
        (d, l.to_string())
    }

    /// Everything that must hold for any input.
    /// Thread ids through [`IdThreader`], fed as the store feeds it (by key,
    /// each key once: the copy [`thread`] keeps).
    fn lean_ids(inputs: &[ThreadInput]) -> HashMap<MessageKey, ThreadId> {
        let mut ms: Vec<&ThreadInput> = inputs.iter().collect();
        ms.sort_unstable_by(|a, b| a.key.cmp(&b.key).then_with(|| canonical_cmp(a, b)));
        ms.dedup_by(|later, earlier| later.key == earlier.key);
        let mut t = IdThreader::new();
        for m in &ms {
            t.add_message(m.key, m.message_id.as_deref());
        }
        // Replies in reverse: their order must not matter.
        for (i, m) in ms.iter().enumerate().rev() {
            t.add_replies(
                i,
                m.in_reply_to.iter().map(String::as_str),
                m.references.iter().map(String::as_str),
                m.gm_thread_id.as_deref(),
                m.thread_index.as_deref(),
            );
        }
        let (group, ids) = t.finish();
        ms.iter()
            .zip(group)
            .map(|(m, g)| (m.key, ids[g as usize].clone()))
            .collect()
    }

    fn check(inputs: &[ThreadInput], ts: &Threads) {
        // The lean id-only threader agrees with the full one everywhere.
        let lean = lean_ids(inputs);
        for m in inputs {
            assert_eq!(
                lean.get(&m.key),
                ts.thread_of(&m.key),
                "lean id of {:?}",
                m.key
            );
        }
        let keys: HashSet<MessageKey> = inputs.iter().map(|m| m.key).collect();
        let mut seen_in_messages = HashSet::new();
        let mut seen_in_nodes = HashSet::new();
        let mut ids = HashSet::new();
        assert_eq!(ts.len(), ts.threads().len());
        assert_eq!(ts.is_empty(), keys.is_empty());
        for t in ts.threads() {
            assert_eq!(t.id.0.len(), 16);
            assert!(
                t.id.0
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
            );
            assert!(ids.insert(t.id.clone()), "thread ids unique");
            assert_eq!(ts.get(&t.id), Some(t));
            assert!(!t.messages.is_empty());
            for k in &t.messages {
                assert!(keys.contains(k));
                assert!(seen_in_messages.insert(*k), "message in two threads");
                assert_eq!(ts.thread_of(k), Some(&t.id));
            }
            // messages sorted by date, undated last, ties by key
            let date = |k: &MessageKey| inputs.iter().find(|m| m.key == *k).unwrap().date;
            let sk: Vec<_> = t
                .messages
                .iter()
                .map(|k| (date(k).is_none(), date(k).unwrap_or(0), *k))
                .collect();
            assert!(sk.windows(2).all(|w| w[0] < w[1]));
            let dates: Vec<i64> = t.messages.iter().filter_map(date).collect();
            assert_eq!(t.first_date, dates.iter().min().copied());
            assert_eq!(t.last_date, dates.iter().max().copied());
            // the tree: every node once, depths right, ghosts join >= 2
            let walk = t.walk();
            assert_eq!(walk.len(), t.nodes.len(), "every node reachable once");
            assert!(!t.roots.is_empty());
            for (i, n) in t.nodes.iter().enumerate() {
                for &c in &n.children {
                    assert_eq!(t.nodes[c].depth, n.depth + 1);
                    assert!(c > i, "pre-order");
                }
                if n.is_ghost() {
                    assert!(n.children.len() >= 2, "single-child ghosts are pruned");
                }
            }
            for (d, n) in &walk {
                assert_eq!(*d, n.depth);
            }
            let node_keys: Vec<MessageKey> = t.nodes.iter().filter_map(|n| n.key).collect();
            assert_eq!(node_keys.len(), t.messages.len());
            for k in node_keys {
                assert!(t.messages.contains(&k));
                assert!(seen_in_nodes.insert(k), "message in two nodes");
            }
        }
        assert_eq!(seen_in_messages, keys, "every message in a thread");
        assert_eq!(seen_in_nodes, keys);
        // newest first, undated last, ties by id
        let order: Vec<_> = ts
            .threads()
            .iter()
            .map(|t| {
                (
                    t.last_date.is_none(),
                    std::cmp::Reverse(t.last_date),
                    t.id.clone(),
                )
            })
            .collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]));
    }

    fn run(inputs: &[ThreadInput]) -> Threads {
        let ts = thread(inputs);
        check(inputs, &ts);
        let mut reversed = inputs.to_vec();
        reversed.reverse();
        assert_eq!(thread(&reversed).threads(), ts.threads());
        ts
    }

    #[test]
    fn ghost_parent_joins_two_replies() {
        let b = dated(refs(msg("b"), &["a"]), 20);
        let c = dated(irt(msg("c"), &["a"]), 10);
        let ts = run(&[b, c]);
        assert_eq!(ts.len(), 1);
        let t = &ts.threads()[0];
        assert_eq!(
            shape(t),
            vec![s(0, "ghost a@x"), s(1, "c"), s(1, "b")],
            "children by date"
        );
        assert_eq!(t.id, ThreadId::from_anchor("a@x"));
        assert_eq!(t.nodes[0].message_id.as_deref(), Some("a@x"));
    }

    #[test]
    fn late_arrival_keeps_thread_id() {
        // Two replies to a missing message, then the message arrives.
        let a = dated(msg("a"), 1);
        let b = dated(refs(msg("b"), &["a"]), 2);
        let c = dated(refs(msg("c"), &["a"]), 3);
        let before = run(&[b.clone(), c.clone()]);
        let after = run(&[b.clone(), c.clone(), a.clone()]);
        assert_eq!(id_of(&before, "b"), id_of(&after, "b"));
        assert_eq!(id_of(&after, "a"), id_of(&after, "c"));
        assert_eq!(tree(&after, "a"), vec![s(0, "a"), s(1, "b"), s(1, "c")]);

        // One reply: its ghost parent is pruned from the tree but still
        // anchors the id.
        let lone = run(std::slice::from_ref(&b));
        assert_eq!(tree(&lone, "b"), vec![s(0, "b")]);
        let both = run(&[b.clone(), a.clone()]);
        assert_eq!(id_of(&lone, "b"), id_of(&both, "b"));

        // Documented change: the late message names an older ancestor
        // ("0root" < "a") nobody else named, so the anchor and id change.
        let a2 = refs(a, &["0root"]);
        let moved = run(&[b, c, a2]);
        assert_ne!(id_of(&moved, "b"), id_of(&before, "b"));
        assert_eq!(id_of(&moved, "b"), ThreadId::from_anchor("0root@x"));
    }

    #[test]
    fn threads_merge_when_a_linking_message_arrives() {
        // b and c reply to different missing messages; then a message that
        // links them appears: one of the two ids disappears.
        let b = refs(msg("b"), &["p"]);
        let c = refs(msg("c"), &["q"]);
        let before = run(&[b.clone(), c.clone()]);
        assert_eq!(before.len(), 2);
        let q = refs(msg("q"), &["p"]);
        let after = run(&[b, c, q]);
        assert_eq!(after.len(), 1);
        assert_eq!(id_of(&after, "c"), id_of(&before, "b"));
        assert_ne!(id_of(&after, "c"), id_of(&before, "c"));
    }

    #[test]
    fn self_reference_is_dropped() {
        let a = irt(refs(msg("a"), &["a"]), &["a"]);
        let b = refs(msg("b"), &["a", "b"]);
        let ts = run(&[a, b]);
        assert_eq!(ts.len(), 1);
        assert_eq!(tree(&ts, "a"), vec![s(0, "a"), s(1, "b")]);
    }

    #[test]
    fn references_cycle_is_broken() {
        let a = refs(msg("a"), &["b"]);
        let b = refs(msg("b"), &["a"]);
        let ts = run(&[a.clone(), b.clone()]);
        assert_eq!(ts.len(), 1);
        assert_eq!(ts.threads()[0].nodes.len(), 2);
        assert_eq!(ts.threads()[0].roots.len(), 1);

        // Cycles spread over several messages' References, including ghosts.
        let c = refs(msg("c"), &["p", "q", "a"]);
        let d = refs(msg("d"), &["q", "p", "c"]);
        let e = refs(msg("e"), &["a", "q", "d"]);
        let all = [a, b, c, d, e];
        let ts = run(&all);
        assert_eq!(ts.len(), 1);
        let mut perms = vec![all.to_vec()];
        for i in 0..all.len() {
            let mut v = all.to_vec();
            v.rotate_left(i);
            v.swap(0, all.len() - 1 - i);
            perms.push(v);
        }
        for p in perms {
            assert_eq!(thread(&p).threads(), ts.threads());
        }
    }

    #[test]
    fn messages_out_of_order() {
        let a = dated(msg("a"), 1);
        let b = dated(refs(msg("b"), &["a"]), 2);
        let c = dated(refs(msg("c"), &["a", "b"]), 3);
        let d = dated(refs(msg("d"), &["a", "b", "c"]), 4);
        let forward = run(&[a.clone(), b.clone(), c.clone(), d.clone()]);
        let backward = run(&[d, b, a, c]);
        assert_eq!(forward.threads(), backward.threads());
        assert_eq!(
            tree(&forward, "a"),
            vec![s(0, "a"), s(1, "b"), s(2, "c"), s(3, "d")]
        );
        let t = &forward.threads()[0];
        assert_eq!((t.first_date, t.last_date), (Some(1), Some(4)));
        assert_eq!(t.messages, vec![key("a"), key("b"), key("c"), key("d")]);
    }

    #[test]
    fn duplicate_message_id_keeps_both() {
        let mut a1 = msg("a");
        a1.key = key("first copy");
        let mut a2 = msg("a");
        a2.key = key("second copy");
        let mut a3 = msg("a");
        a3.key = key("third copy, replying");
        a3.references = vec!["root@x".into()];
        let b = refs(msg("b"), &["a"]);
        let ts = run(&[a1.clone(), a2.clone(), a3.clone(), b]);
        assert_eq!(ts.len(), 1);
        let t = &ts.threads()[0];
        assert_eq!(t.messages.len(), 4);
        assert_eq!(
            t.nodes.len(),
            4,
            "three copies and the reply; ghost root pruned"
        );
        let copies: Vec<_> = t
            .nodes
            .iter()
            .filter(|n| n.message_id.as_deref() == Some("a@x"))
            .collect();
        assert_eq!(copies.len(), 3);
        // The reply hangs under the copy with the smallest key.
        let primary = [a1.key, a2.key, a3.key].into_iter().min().unwrap();
        let holder = copies.iter().find(|n| !n.children.is_empty()).unwrap();
        assert_eq!(holder.key, Some(primary));
        // The same key twice is one message.
        let ts = run(&[a1.clone(), a1]);
        assert_eq!(ts.threads()[0].nodes.len(), 1);
    }

    #[test]
    fn gmail_thread_id_joins() {
        let mut a = dated(msg("a"), 1);
        let mut b = dated(msg("b"), 2);
        let mut c = dated(msg("c"), 3);
        a.gm_thread_id = Some("1234".into());
        b.gm_thread_id = Some(" 1234 ".into());
        c.gm_thread_id = Some("999".into());
        let d = refs(msg("d"), &["c"]);
        let ts = run(&[a, b, c, d]);
        assert_eq!(ts.len(), 2);
        assert_eq!(id_of(&ts, "a"), id_of(&ts, "b"));
        assert_eq!(id_of(&ts, "c"), id_of(&ts, "d"));
        assert_ne!(id_of(&ts, "a"), id_of(&ts, "c"));
        let t = ts.get(&id_of(&ts, "a")).unwrap();
        assert_eq!(t.roots.len(), 2);
        assert_eq!(shape(t), vec![s(0, "a"), s(0, "b")]);
    }

    #[test]
    fn thread_index_joins() {
        let conv: Vec<u8> = (0..22).collect();
        let other: Vec<u8> = (1..23).collect();
        let with = |prefix: &[u8], extra: &[u8]| {
            let mut v = prefix.to_vec();
            v.extend_from_slice(extra);
            base64_encode(&v)
        };
        let mut a = msg("a");
        a.thread_index = Some(with(&conv, &[]));
        let mut b = msg("b");
        let folded = with(&conv, &[1, 2, 3, 4, 5]);
        b.thread_index = Some(format!("{}\r\n {}", &folded[..10], &folded[10..]));
        let mut c = msg("c");
        c.thread_index = Some(with(&other, &[1, 2, 3, 4, 5]));
        let mut d = msg("d");
        d.thread_index = Some(with(&conv[..21], &[]));
        let mut e = msg("e");
        e.thread_index = Some("not base64!".into());
        let ts = run(&[a, b, c, d, e]);
        assert_eq!(ts.len(), 4);
        assert_eq!(id_of(&ts, "a"), id_of(&ts, "b"));
        assert_ne!(id_of(&ts, "a"), id_of(&ts, "c"));
        assert_ne!(id_of(&ts, "a"), id_of(&ts, "d"), "shorter than 22 bytes");
        assert_eq!(
            thread_index_prefix(&with(&conv, &[9])),
            conv.clone().try_into().ok()
        );
    }

    #[test]
    fn in_reply_to_only() {
        let a = msg("a");
        let b = irt(msg("b"), &["a", "zzz"]);
        let c = irt(msg("c"), &["b"]);
        let ts = run(&[c, b, a]);
        assert_eq!(ts.len(), 1);
        assert_eq!(tree(&ts, "a"), vec![s(0, "a"), s(1, "b"), s(2, "c")]);
    }

    #[test]
    fn message_without_any_id() {
        let a = ThreadInput::new(key("a"));
        let b = ThreadInput::new(key("b"));
        let c = refs(ThreadInput::new(key("c")), &["x"]);
        let ts = run(&[a, b, c]);
        assert_eq!(ts.len(), 3);
        assert_eq!(id_of(&ts, "a"), ThreadId::from_anchor(&key("a").to_hex()));
        assert_eq!(id_of(&ts, "c"), ThreadId::from_anchor("x@x"));
        let t = ts.get(&id_of(&ts, "a")).unwrap();
        assert_eq!(t.nodes[0].message_id, None);
        assert_eq!(t.subject, None);
    }

    #[test]
    fn message_ids_are_normalised() {
        let mut a = ThreadInput::new(key("a"));
        a.message_id = Some(" <Abc.Def@Example.COM> ".into());
        let mut b = ThreadInput::new(key("b"));
        b.in_reply_to = vec!["<Abc.Def@example.com>".into()];
        let ts = run(&[a, b]);
        assert_eq!(ts.len(), 1);
        assert_eq!(
            ts.threads()[0].nodes[0].message_id.as_deref(),
            Some("Abc.Def@example.com")
        );
        assert_eq!(normalize_message_id("  <> "), None);
        assert_eq!(
            normalize_message_id("no-at-Sign").as_deref(),
            Some("no-at-Sign")
        );
    }

    #[test]
    fn single_child_ghosts_are_pruned_and_branches_kept() {
        // a -> (ghost g) -> b, and a -> (ghost h) -> {c, d}
        let a = dated(msg("a"), 1);
        let b = dated(refs(msg("b"), &["a", "g"]), 2);
        let c = dated(refs(msg("c"), &["a", "h"]), 3);
        let d = dated(refs(msg("d"), &["a", "h"]), 4);
        let ts = run(&[a, b, c, d]);
        assert_eq!(
            tree(&ts, "a"),
            vec![
                s(0, "a"),
                s(1, "b"),
                s(1, "ghost h@x"),
                s(2, "c"),
                s(2, "d")
            ]
        );
    }

    #[test]
    fn deep_chain_no_stack_overflow() {
        const N: usize = 10_000;
        let mut inputs: Vec<ThreadInput> = (0..N)
            .map(|i| {
                let mut m = ThreadInput::new(key(&format!("deep {i}")));
                m.message_id = Some(format!("deep{i}@x"));
                m.date = Some(i as i64);
                if i > 0 {
                    m.in_reply_to = vec![format!("deep{}@x", i - 1)];
                    m.references = (i.saturating_sub(10)..i)
                        .map(|j| format!("deep{j}@x"))
                        .collect();
                }
                m
            })
            .collect();
        let mut rng = SplitMix(7);
        for i in (1..N).rev() {
            inputs.swap(i, rng.below(i as u64 + 1) as usize);
        }
        let ts = thread(&inputs);
        check(&inputs, &ts);
        assert_eq!(ts.len(), 1);
        let t = &ts.threads()[0];
        assert_eq!(t.nodes.len(), N);
        let walk = t.walk();
        assert_eq!(walk.last().unwrap().0, N - 1);
        assert_eq!(
            walk.last().unwrap().1.message_id.as_deref(),
            Some("deep9999@x")
        );
        assert_eq!(t.id, ThreadId::from_anchor("deep0@x"));

        // One message naming 10,000 missing ancestors: a ghost chain,
        // pruned away entirely.
        let mut lone = msg("a");
        lone.references = (0..N).map(|j| format!("gone{j}@x")).collect();
        let ts = run(&[lone]);
        assert_eq!(ts.threads()[0].nodes.len(), 1);
        assert_eq!(ts.threads()[0].id, ThreadId::from_anchor("a@x"));

        // Every other message of a deep chain missing.
        let half: Vec<ThreadInput> = inputs
            .iter()
            .filter(|m| m.date.unwrap() % 2 == 0)
            .cloned()
            .collect();
        let ts = thread(&half);
        check(&half, &ts);
        assert_eq!(ts.len(), 1);
        assert_eq!(ts.threads()[0].walk().last().unwrap().0, N / 2 - 1);
    }

    #[test]
    fn subjects() {
        assert_eq!(
            strip_subject_prefixes("Re: Fwd: AW: RE[2]: Re(3):  budget "),
            "budget"
        );
        assert_eq!(strip_subject_prefixes("FW:Re :budget"), "budget");
        assert_eq!(strip_subject_prefixes("Recap: budget"), "Recap: budget");
        assert_eq!(strip_subject_prefixes("Re[x]: budget"), "Re[x]: budget");
        assert_eq!(strip_subject_prefixes("Re:"), "");
        assert_eq!(strip_subject_prefixes("回复：x"), "回复：x");
        let mut a = dated(msg("a"), 5);
        a.subject = Some("RE: Re: Budget call".into());
        let mut b = dated(refs(msg("b"), &["a"]), 1);
        b.subject = Some("Re: something else".into());
        let ts = run(&[a, b.clone()]);
        assert_eq!(ts.threads()[0].subject.as_deref(), Some("Budget call"));
        // Root missing: the earliest message's subject.
        let mut c = dated(refs(msg("c"), &["a"]), 0);
        c.subject = Some("Re:".into());
        let ts = run(&[b, c]);
        assert_eq!(ts.threads()[0].subject.as_deref(), Some("something else"));
    }

    #[test]
    fn threads_sorted_newest_first() {
        let a = dated(msg("a"), 10);
        let b = dated(msg("b"), 30);
        let c = msg("c");
        let d = dated(refs(msg("d"), &["a"]), 40);
        let ts = run(&[a, b, c, d]);
        let order: Vec<_> = ts.threads().iter().map(|t| t.last_date).collect();
        assert_eq!(order, vec![Some(40), Some(30), None]);
        assert!(thread(&[]).is_empty());
    }

    #[test]
    fn synthetic_inputs_thread_sensibly() {
        let inputs = synthetic_inputs(3_000, 1);
        assert_eq!(inputs.len(), 3_000);
        let ts = run(&inputs);
        assert!(ts.len() > 200 && ts.len() < 2_500, "{} threads", ts.len());
        assert!(ts.threads().iter().any(|t| t.messages.len() > 30));
    }

    fn arb_input(i: usize) -> impl Strategy<Value = ThreadInput> {
        let id =
            || (0..10usize).prop_map(|n| format!("m{n}@{}", if n % 3 == 0 { "X" } else { "x" }));
        (
            proptest::option::weighted(0.85, id()),
            proptest::collection::vec(id(), 0..4),
            proptest::collection::vec(id(), 0..3),
            proptest::option::of(0..5i64),
            proptest::option::weighted(0.2, 0..3u8),
            proptest::option::weighted(0.2, 0..3u8),
        )
            .prop_map(move |(mid, references, in_reply_to, date, gm, ti)| {
                let mut m = ThreadInput::new(key(&format!("p{i}")));
                m.message_id = mid;
                m.references = references;
                m.in_reply_to = in_reply_to;
                m.date = date;
                m.subject = Some(format!("Re: s{i}"));
                m.gm_thread_id = gm.map(|g| g.to_string());
                m.thread_index = ti.map(|t| base64_encode(&[t; 27]));
                m
            })
    }

    fn arb_inputs() -> impl Strategy<Value = Vec<ThreadInput>> {
        (0..12usize).prop_flat_map(|n| (0..n).map(arb_input).collect::<Vec<_>>())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Every message is in exactly one thread (and one tree node),
        /// `thread_of` agrees with `Thread::messages`, and the result does
        /// not depend on the input order.
        #[test]
        fn every_message_in_one_thread_and_order_does_not_matter(
            inputs in arb_inputs(),
            seed in any::<u64>(),
        ) {
            let ts = thread(&inputs);
            check(&inputs, &ts);
            let mut shuffled = inputs.clone();
            let mut rng = SplitMix(seed);
            for i in (1..shuffled.len()).rev() {
                shuffled.swap(i, rng.below(i as u64 + 1) as usize);
            }
            let again = thread(&shuffled);
            prop_assert_eq!(ts.threads(), again.threads());
            for m in &inputs {
                prop_assert_eq!(ts.thread_of(&m.key), again.thread_of(&m.key));
            }
        }
    }
}
