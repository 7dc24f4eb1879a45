//! Message threading: turns per-message reply headers (Message-ID,
//! In-Reply-To, References) plus Gmail `X-GM-THRID` and Outlook
//! `Thread-Index` into conversations ([`Thread`]s) with a reply tree each.
//!
//! This module owns the threading algorithm, the thread ids and the tree
//! shape; it does no I/O and knows nothing about the store.
//!
//! # Layout
//!
//! One linker, two faces. [`IdThreader`] (`link`) makes every parent link
//! and join and gives each thread its id; the result is a parent table
//! over containers. The store feeds it from sequential scans of the case
//! and keeps only the ids ([`IdThreader::finish`]); [`thread`] feeds it its
//! inputs in key order and builds the reply trees from the parent table
//! (`tree`), so a tree's id is always the id the store has. `ids` holds
//! Message-ID normalisation and interning and the Gmail / Outlook join
//! keys; `subject` the reply-prefix stripping.
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

mod ids;
mod link;
mod subject;
#[cfg(test)]
mod synthetic;
#[cfg(test)]
mod tests;
mod tree;

use std::collections::HashMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::model::{MessageKey, Sha256};

pub use crate::model::ThreadInput;
pub use ids::normalize_message_id;
pub use link::IdThreader;
pub use subject::strip_subject_prefixes;

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

    /// The id as written in the case and on screen (16 hex digits).
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
    /// Whether this node stands for a message the case does not have (a
    /// parent known only from other messages' references).
    pub fn is_ghost(&self) -> bool {
        self.key.is_none()
    }
}

/// One conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Thread {
    /// The thread's stable id (what `thread:` searches and the case stores).
    pub id: ThreadId,
    /// Subject of the first root if it is a real message with a subject,
    /// else of the earliest message with one; reply/forward prefixes
    /// ("Re:", "Fwd:", "AW:", "RE[2]:", ...) stripped. `None` if nothing
    /// is left.
    pub subject: Option<String>,
    /// Every real message of the thread, by date (undated last, ties by key).
    pub messages: Vec<MessageKey>,
    /// Date of the earliest dated message (seconds since the epoch, UTC);
    /// `None` when no message has a date.
    pub first_date: Option<i64>,
    /// Date of the latest dated message, likewise.
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

    /// The thread with this id, if there is one.
    pub fn get(&self, id: &ThreadId) -> Option<&Thread> {
        self.by_id.get(id).map(|&i| &self.threads[i])
    }

    /// Number of threads.
    pub fn len(&self) -> usize {
        self.threads.len()
    }

    /// Whether there are no threads (no messages were given).
    pub fn is_empty(&self) -> bool {
        self.threads.is_empty()
    }
}

impl Threads {
    /// Sorts `threads` (newest first, undated last, ties by id) and indexes
    /// them by message and by id.
    fn from_threads(mut threads: Vec<Thread>) -> Threads {
        threads.sort_unstable_by(|a, b| {
            (a.last_date.is_none(), std::cmp::Reverse(a.last_date), &a.id).cmp(&(
                b.last_date.is_none(),
                std::cmp::Reverse(b.last_date),
                &b.id,
            ))
        });
        let mut by_key = HashMap::with_capacity(threads.iter().map(|t| t.messages.len()).sum());
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
}

/// Threads `msgs`. The result depends only on the set of inputs, not their
/// order. See the module doc for the algorithm.
pub fn thread(msgs: &[ThreadInput]) -> Threads {
    // 1. Canonical order; a repeated key is the same message.
    let mut ms: Vec<&ThreadInput> = msgs.iter().collect();
    ms.sort_unstable_by(|a, b| a.key.cmp(&b.key).then_with(|| canonical_cmp(a, b)));
    ms.dedup_by(|later, earlier| later.key == earlier.key);
    let links = link_inputs(&ms);
    Threads::from_threads(tree::build(&links, &ms, |_| true))
}

/// `ms` (ascending keys, each once) through the linker, replies in the
/// same order.
fn link_inputs(ms: &[&ThreadInput]) -> link::Links {
    let mut linker = IdThreader::new();
    for m in ms {
        linker.add_message(m.key, m.message_id.as_deref());
    }
    for (i, m) in ms.iter().enumerate() {
        linker.add_replies(
            i,
            m.in_reply_to.iter().map(String::as_str),
            m.references.iter().map(String::as_str),
            m.gm_thread_id.as_deref(),
            m.thread_index.as_deref(),
        );
    }
    linker.into_links()
}

/// Orders inputs by key, then by every other field, so that of inputs
/// repeating a key the same one is kept whatever the input order.
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
