//! The one linker: [`IdThreader`] makes the parent links (steps 2–6 of the
//! algorithm in the module doc), joins trees into threads and gives each
//! thread its [`ThreadId`]. Its result, [`Links`], is a parent table over
//! containers (messages and ghosts) with each container's thread; the
//! store keeps only the ids ([`IdThreader::finish`]), [`super::thread`]
//! builds reply trees from the table (`tree`).
//!
//! It holds interned Message-IDs and a few numbers per message and
//! container, never the inputs, so that re-threading a large case stays
//! within a small budget (about 200 bytes a message).

use std::collections::HashMap;
use std::sync::Arc;

use super::ThreadId;
use super::ids::{Interner, gmail_thread_id, thread_index_prefix};
use crate::model::MessageKey;

/// "No container / message / id" in the tables below.
pub(super) const NONE: u32 = u32::MAX;

/// Union-find over container numbers (path halving, union by size).
#[derive(Default)]
struct UnionFind {
    up: Vec<usize>,
    size: Vec<u32>,
}

impl UnionFind {
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

/// The linker. Fed in two passes: [`IdThreader::add_message`] for every
/// message in ascending key order (repeated keys not allowed), then
/// [`IdThreader::add_replies`] once for every message, in any order (so
/// the store can read its table in row order); then
/// [`IdThreader::finish`] for the thread ids, or (inside this module)
/// `into_links` for the whole parent table.
///
/// Message-IDs are interned once; per message it keeps a key and a few
/// container numbers (about 200 bytes a message in all, against a few KB
/// for [`super::thread`] with its inputs), so that re-threading a
/// 500,000-message case after an import stays within a bounded budget.
#[derive(Default)]
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
    /// Trees while linking; threads after the joins.
    uf: UnionFind,
    ids: Interner,
    /// Id number -> container (the first message's, or a ghost's).
    container_of: Vec<u32>,
    /// Pass 2: resolved references (flattened, in arrival order) and each
    /// message's span of them; In-Reply-To parent.
    refs: Vec<u32>,
    refs_span: Vec<(u32, u32)>,
    reply_to: Vec<u32>,
    gm: HashMap<Box<str>, u32>,
    by_index: HashMap<[u8; 22], u32>,
    joins: Vec<(u32, u32)>,
}

impl IdThreader {
    /// A linker with no messages yet.
    pub fn new() -> IdThreader {
        IdThreader::default()
    }

    fn add_container(&mut self, msg: u32, cid: u32) -> u32 {
        self.msg.push(msg);
        self.parent.push(NONE);
        self.cid.push(cid);
        self.uf.push();
        (self.msg.len() - 1) as u32
    }

    /// Pass 1: a message and its Message-ID, in ascending key order.
    pub fn add_message(&mut self, key: MessageKey, message_id: Option<&str>) {
        debug_assert!(self.keys.last().is_none_or(|k| *k < key), "keys ascending");
        let m = self.keys.len() as u32;
        self.keys.push(key);
        let c = self.add_container(m, NONE);
        self.own.push(c);
        let me = match message_id.and_then(|raw| self.ids.lookup(raw)) {
            None => NONE,
            Some(Ok(i)) => {
                let first = self.container_of[i as usize];
                self.duplicates.push((c, first));
                self.cid[c as usize] = i;
                first
            }
            Some(Err(name)) => {
                let i = self.ids.intern(name);
                self.container_of.push(c);
                self.cid[c as usize] = i;
                c
            }
        };
        self.me.push(me);
    }

    /// The container of `raw`, creating a ghost for an unknown id.
    fn resolve(&mut self, raw: &str) -> Option<u32> {
        Some(match self.ids.lookup(raw)? {
            Ok(i) => self.container_of[i as usize],
            Err(name) => {
                let i = self.ids.intern(name);
                let c = self.add_container(NONE, i);
                self.container_of.push(c);
                c
            }
        })
    }

    /// Pass 2: the reply headers of message `m` (its position in pass 1),
    /// once per message, in any order. Referenced ids without a message
    /// get ghost containers; self references are dropped.
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
        // The first In-Reply-To id that is not the message itself; the
        // ids after it are not looked at.
        for raw in in_reply_to {
            if let Some(c) = self.resolve(raw)
                && c != me
            {
                self.reply_to[m] = c;
                break;
            }
        }
        let own = self.own[m];
        if let Some(gm) = gm_thread_id.and_then(gmail_thread_id) {
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

    /// Makes `parent` the parent of `child` unless `child` already has one
    /// or the link would close a cycle. `child` has no parent, so it is the
    /// root of its tree, and the link closes a cycle exactly when `parent`
    /// is in that same tree.
    fn link(&mut self, child: u32, parent: u32) {
        let (c, p) = (child as usize, parent as usize);
        if self.parent[c] != NONE || self.uf.find(c) == self.uf.find(p) {
            return;
        }
        self.parent[c] = parent;
        self.uf.union(c, p);
    }

    /// Steps 3 to 6: own parents, References chains, joins.
    fn link_all(&mut self) {
        // A message whose replies never came has none.
        self.ensure_reply_slots();
        let n = self.keys.len();
        let span = |t: &IdThreader, m: usize| match t.refs_span[m] {
            (NONE, _) => (0, 0),
            (a, len) => (a as usize, a as usize + len as usize),
        };
        // 3. Own parents: last References id, else In-Reply-To.
        for m in 0..n {
            let (a, b) = span(self, m);
            let p = if b > a {
                self.refs[b - 1]
            } else {
                self.reply_to[m]
            };
            if p != NONE {
                self.link(self.own[m], p);
            }
        }
        // 4. References chains, where the child has no parent yet.
        for m in 0..n {
            let (a, b) = span(self, m);
            for i in a + 1..b {
                self.link(self.refs[i], self.refs[i - 1]);
            }
        }
        // 6. Joins: duplicated ids, X-GM-THRID, Thread-Index.
        for (dup, first) in std::mem::take(&mut self.duplicates) {
            self.uf.union(dup as usize, first as usize);
        }
        for (a, b) in std::mem::take(&mut self.joins) {
            self.uf.union(a as usize, b as usize);
        }
    }

    /// Each message's thread, in pass-1 order: an index into the returned
    /// ids.
    pub fn finish(self) -> (Vec<u32>, Vec<ThreadId>) {
        let links = self.into_links();
        let group_of = (0..links.messages()).map(|m| links.thread_of(m)).collect();
        (group_of, links.ids)
    }

    /// Links everything and numbers the threads: the parent table.
    pub(super) fn into_links(mut self) -> Links {
        self.link_all();
        let IdThreader {
            keys,
            own,
            msg,
            parent,
            cid,
            mut uf,
            ids,
            ..
        } = self;
        let names = ids.into_names();
        let (group, threads) = number_threads(&mut uf, &own);
        drop(uf);
        let ids = thread_ids(threads, &keys, &own, &cid, &names, &group);
        Links {
            keys,
            own,
            msg,
            parent,
            cid,
            names,
            group,
            ids,
        }
    }
}

/// Each container's thread number, `NONE` for ghosts outside every
/// message's thread, and the number of threads. Threads are numbered in
/// the order of their first message.
fn number_threads(uf: &mut UnionFind, own: &[u32]) -> (Vec<u32>, usize) {
    let nc = uf.up.len();
    let mut slot = vec![NONE; nc];
    let mut threads = 0u32;
    for &c in own {
        let r = uf.find(c as usize);
        if slot[r] == NONE {
            slot[r] = threads;
            threads += 1;
        }
    }
    let group = (0..nc).map(|c| slot[uf.find(c)]).collect();
    (group, threads as usize)
}

/// Each thread's id: from the smallest normalised Message-ID of any of
/// its containers (ghosts included), else from its smallest message key
/// (keys are ascending, so its first message's).
fn thread_ids(
    threads: usize,
    keys: &[MessageKey],
    own: &[u32],
    cid: &[u32],
    names: &[Arc<str>],
    group: &[u32],
) -> Vec<ThreadId> {
    let mut anchor: Vec<u32> = vec![NONE; threads];
    for (&g, &id) in group.iter().zip(cid) {
        if g == NONE || id == NONE {
            continue;
        }
        let a = &mut anchor[g as usize];
        if *a == NONE || names[id as usize] < names[*a as usize] {
            *a = id;
        }
    }
    let mut first_msg = vec![NONE; threads];
    for (m, &c) in own.iter().enumerate() {
        let g = group[c as usize] as usize;
        if first_msg[g] == NONE {
            first_msg[g] = m as u32;
        }
    }
    anchor
        .iter()
        .zip(first_msg)
        .map(|(&a, first)| match a {
            NONE => ThreadId::from_anchor(&keys[first as usize].to_hex()),
            a => ThreadId::from_anchor(&names[a as usize]),
        })
        .collect()
}

/// The linker's result: containers (one per message, one per ghost) with
/// their parent, message, Message-ID and thread, and each thread's id.
/// Messages are numbered in pass-1 (key) order.
pub(super) struct Links {
    keys: Vec<MessageKey>,
    own: Vec<u32>,
    msg: Vec<u32>,
    parent: Vec<u32>,
    cid: Vec<u32>,
    names: Vec<Arc<str>>,
    group: Vec<u32>,
    ids: Vec<ThreadId>,
}

impl Links {
    pub(super) fn messages(&self) -> usize {
        self.keys.len()
    }

    pub(super) fn containers(&self) -> usize {
        self.msg.len()
    }

    /// Message `m`'s thread number.
    pub(super) fn thread_of(&self, m: usize) -> u32 {
        self.group[self.own[m] as usize]
    }

    /// Container `c`'s thread number, `NONE` if it holds only ghosts.
    pub(super) fn thread_of_container(&self, c: usize) -> u32 {
        self.group[c]
    }

    /// The message in container `c`; `None` for a ghost.
    pub(super) fn message(&self, c: usize) -> Option<usize> {
        (self.msg[c] != NONE).then_some(self.msg[c] as usize)
    }

    pub(super) fn parent(&self, c: usize) -> Option<usize> {
        (self.parent[c] != NONE).then_some(self.parent[c] as usize)
    }

    /// Container `c`'s normalised Message-ID, if it has one.
    pub(super) fn message_id(&self, c: usize) -> Option<&str> {
        (self.cid[c] != NONE).then(|| &*self.names[self.cid[c] as usize])
    }

    /// Thread ids by thread number.
    pub(super) fn ids(&self) -> &[ThreadId] {
        &self.ids
    }
}
