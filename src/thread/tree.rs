//! Reply trees from the linker's parent table ([`Links`]), for the threads
//! asked for: ghosts pruned (step 7 of the module doc), children ordered
//! by date, nodes in pre-order, each thread's messages, dates and subject.
//! Iterative throughout, so a chain thousands of replies deep cannot
//! overflow the stack.

use super::link::{Links, NONE};
use super::subject::clean_subject;
use super::{Node, Thread, ThreadId, ThreadInput};
use crate::model::MessageKey;

/// How subtrees (and messages) are ordered: by date, undated last, then key.
type SortKey = (bool, i64, MessageKey);

fn sort_key(m: &ThreadInput) -> SortKey {
    (m.date.is_none(), m.date.unwrap_or(0), m.key)
}

/// The pruned forest: for each container of a wanted thread, what it
/// contributes to its parent's children (itself, its single child if it
/// is a pruned ghost, or nothing), each kept subtree's sort key (its
/// earliest message), and its kept children, sorted.
struct Pruned {
    rep: Vec<Option<usize>>,
    skey: Vec<Option<SortKey>>,
    kids: Vec<Vec<usize>>,
}

/// One thread's messages and the roots of its trees.
#[derive(Default)]
struct Members {
    msgs: Vec<usize>,
    roots: Vec<usize>,
}

/// The reply trees of the threads for which `wanted(thread number)` holds,
/// in thread-number order. `ms` are the linked messages, in the order they
/// were given to the linker.
pub(super) fn build(
    links: &Links,
    ms: &[&ThreadInput],
    wanted: impl Fn(u32) -> bool,
) -> Vec<Thread> {
    let keep = |c: usize| {
        let g = links.thread_of_container(c);
        g != NONE && wanted(g)
    };
    let pruned = prune(links, ms, &keep);

    let mut members: Vec<Members> = Vec::new();
    members.resize_with(links.ids().len(), Members::default);
    for m in 0..links.messages() {
        let g = links.thread_of(m);
        if wanted(g) {
            members[g as usize].msgs.push(m);
        }
    }
    for c in (0..links.containers()).filter(|&c| keep(c) && links.parent(c).is_none()) {
        if let Some(r) = pruned.rep[c] {
            members[links.thread_of_container(c) as usize].roots.push(r);
        }
    }

    members
        .into_iter()
        .zip(links.ids())
        .filter(|(g, _)| !g.msgs.is_empty())
        .map(|(g, id)| assemble(links, ms, &pruned, id, g))
        .collect()
}

/// Prunes ghosts and orders children, bottom-up over the containers that
/// `keep` says yes to (whole trees).
fn prune(links: &Links, ms: &[&ThreadInput], keep: &impl Fn(usize) -> bool) -> Pruned {
    let nc = links.containers();

    // Children, in compressed form.
    let mut child_at = vec![0usize; nc + 1];
    for c in (0..nc).filter(|&c| keep(c)) {
        if let Some(p) = links.parent(c) {
            child_at[p + 1] += 1;
        }
    }
    for i in 0..nc {
        child_at[i + 1] += child_at[i];
    }
    let mut fill = child_at.clone();
    let mut child = vec![0usize; child_at[nc]];
    for c in (0..nc).filter(|&c| keep(c)) {
        if let Some(p) = links.parent(c) {
            child[fill[p]] = c;
            fill[p] += 1;
        }
    }
    drop(fill);

    // Breadth-first order from the roots: every container after its parent.
    let mut bfs: Vec<usize> = (0..nc)
        .filter(|&c| keep(c) && links.parent(c).is_none())
        .collect();
    let mut head = 0;
    while head < bfs.len() {
        let c = bfs[head];
        head += 1;
        bfs.extend_from_slice(&child[child_at[c]..child_at[c + 1]]);
    }
    debug_assert_eq!(
        bfs.len(),
        (0..nc).filter(|&c| keep(c)).count(),
        "parent links are acyclic"
    );

    // Bottom-up.
    let mut p = Pruned {
        rep: vec![None; nc],
        skey: vec![None; nc],
        kids: vec![Vec::new(); nc],
    };
    for &c in bfs.iter().rev() {
        let mut k: Vec<usize> = child[child_at[c]..child_at[c + 1]]
            .iter()
            .filter_map(|&x| p.rep[x])
            .collect();
        let own_key = links.message(c).map(|m| sort_key(ms[m]));
        if own_key.is_none() && k.len() < 2 {
            p.rep[c] = k.first().copied();
            continue;
        }
        p.rep[c] = Some(c);
        p.skey[c] = k
            .iter()
            .map(|&x| p.skey[x])
            .chain([own_key])
            .flatten()
            .min();
        k.sort_unstable_by(|&a, &b| p.skey[a].cmp(&p.skey[b]));
        p.kids[c] = k;
    }
    p
}

/// One thread from its members: nodes in pre-order, messages by date,
/// dates and subject.
fn assemble(
    links: &Links,
    ms: &[&ThreadInput],
    p: &Pruned,
    id: &ThreadId,
    mut g: Members,
) -> Thread {
    g.roots.sort_unstable_by(|&a, &b| p.skey[a].cmp(&p.skey[b]));
    g.msgs.sort_unstable_by_key(|&m| sort_key(ms[m]));

    // Nodes in pre-order.
    let mut nodes: Vec<Node> = Vec::new();
    let mut roots = Vec::with_capacity(g.roots.len());
    let mut stack: Vec<(usize, Option<usize>, usize)> =
        g.roots.iter().rev().map(|&r| (r, None, 0)).collect();
    while let Some((c, parent, depth)) = stack.pop() {
        let at = nodes.len();
        nodes.push(Node {
            key: links.message(c).map(|m| ms[m].key),
            message_id: links.message_id(c).map(str::to_owned),
            children: Vec::with_capacity(p.kids[c].len()),
            depth,
        });
        match parent {
            Some(parent) => nodes[parent].children.push(at),
            None => roots.push(at),
        }
        stack.extend(p.kids[c].iter().rev().map(|&k| (k, Some(at), depth + 1)));
    }

    let dates = g.msgs.iter().filter_map(|&m| ms[m].date);
    let first_date = dates.clone().min();
    let last_date = dates.max();
    // The first root's subject if it is a real message, else the earliest.
    let subject_of = |m: usize| clean_subject(ms[m].subject.as_deref());
    let root_subject = roots
        .first()
        .and_then(|&r| nodes[r].key)
        .and_then(|k| g.msgs.iter().find(|&&m| ms[m].key == k))
        .and_then(|&m| subject_of(m));
    let subject = root_subject.or_else(|| g.msgs.iter().find_map(|&m| subject_of(m)));

    Thread {
        id: id.clone(),
        subject,
        messages: g.msgs.iter().map(|&m| ms[m].key).collect(),
        first_date,
        last_date,
        nodes,
        roots,
    }
}
