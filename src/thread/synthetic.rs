//! Test-only inputs for threading: realistic-looking synthetic messages
//! ([`synthetic_inputs`]) and a seeded shuffle, drawn from the synthetic
//! corpus generator's SplitMix64 ([`crate::synth::rng::splitmix64`]).

use super::ThreadInput;
use crate::model::Sha256;
use crate::synth::encode::base64;
use crate::synth::rng::splitmix64;

/// A number below `n` (below 1 if `n` is 0) from the SplitMix64 stream
/// `state`.
pub(super) fn below(state: &mut u64, n: u64) -> u64 {
    splitmix64(state) % n.max(1)
}

/// Shuffles `items` (Fisher–Yates) with the SplitMix64 stream `state`.
pub(super) fn shuffle<T>(items: &mut [T], state: &mut u64) {
    for i in (1..items.len()).rev() {
        items.swap(i, below(state, i as u64 + 1) as usize);
    }
}

/// `n` messages in threads of mostly 1–5 messages with a few of hundreds,
/// deep reply chains, missing parents, messages without ids or with only
/// In-Reply-To, Gmail and Outlook thread ids, shuffled. Deterministic in
/// `seed`.
pub(super) fn synthetic_inputs(n: usize, seed: u64) -> Vec<ThreadInput> {
    let mut rng = seed;
    let mut out = Vec::with_capacity(n);
    let mut t = 0u64;
    while out.len() < n {
        t += 1;
        let size = match below(&mut rng, 100) {
            0..60 => 1,
            60..88 => 2 + below(&mut rng, 4),
            88..98 => 6 + below(&mut rng, 25),
            _ => 31 + below(&mut rng, 300),
        } as usize;
        let gm = (below(&mut rng, 5) == 0).then(|| format!("{}", splitmix64(&mut rng) >> 1));
        let index = (below(&mut rng, 10) == 0).then(|| {
            let bytes: Vec<u8> = (0..22).map(|_| splitmix64(&mut rng) as u8).collect();
            base64(&bytes)
        });
        let start = 1_200_000_000 + below(&mut rng, 300_000_000) as i64;
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
                let back = 1 + below(&mut rng, 3.min(i as u64)) as usize;
                let p = if below(&mut rng, 4) == 0 {
                    below(&mut rng, i as u64) as usize
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
            if below(&mut rng, 20) == 0 && size > 1 {
                continue; // missing from the collection
            }
            let key = Sha256::of(format!("{seed}/{t}/{i}").as_bytes());
            let mut input = ThreadInput::new(key);
            if below(&mut rng, 30) != 0 {
                input.message_id = Some(mid);
            }
            input.in_reply_to = references.last().cloned().into_iter().collect();
            if below(&mut rng, 10) != 0 {
                input.references = references; // else In-Reply-To only
            }
            input.subject = Some(if i == 0 {
                format!("topic {}", t % 1000)
            } else {
                format!("Re: topic {}", t % 1000)
            });
            if below(&mut rng, 50) != 0 {
                input.date = Some(start + i as i64 * 600 + below(&mut rng, 600) as i64);
            }
            input.gm_thread_id = gm.clone();
            input.thread_index = index.clone();
            out.push(input);
            if out.len() == n {
                break;
            }
        }
    }
    shuffle(&mut out, &mut rng);
    out
}
