//! Threading tests: hand-made threads for each rule of the algorithm, the
//! invariants every result must satisfy ([`check`]), and a property test
//! that the result does not depend on the input order.

use super::ids::thread_index_prefix;
use super::synthetic::{shuffle, synthetic_inputs};
use super::*;
use crate::synth::encode::base64;
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

/// Thread ids from the linker alone ([`IdThreader::finish`]), fed as the
/// store feeds it (by key, each key once: the copy [`thread`] keeps).
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

/// Everything that must hold for any input.
fn check(inputs: &[ThreadInput], ts: &Threads) {
    // The trees' ids are the linker's ids ([`thread`] builds its trees from
    // the same linker), whatever order the linker got the replies in.
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
        base64(&v)
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
    shuffle(&mut inputs, &mut 7);
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
    let id = || (0..10usize).prop_map(|n| format!("m{n}@{}", if n % 3 == 0 { "X" } else { "x" }));
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
            m.thread_index = ti.map(|t| base64(&[t; 27]));
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
        let mut state = seed;
        shuffle(&mut shuffled, &mut state);
        let again = thread(&shuffled);
        prop_assert_eq!(ts.threads(), again.threads());
        for m in &inputs {
            prop_assert_eq!(ts.thread_of(&m.key), again.thread_of(&m.key));
        }
    }
}
