//! A force-directed layout of a [`Graph`] (Fruchterman and Reingold, 1991):
//! every pair of people pushes apart, each edge pulls its two ends
//! together (more messages, a stronger pull), a weak gravity keeps
//! unconnected people near the middle, and the step allowed shrinks each
//! round until the drawing settles.
//!
//! Plain Rust, O(n²) per round (fine for the few hundred people a window
//! shows), deterministic: the start comes from a seeded generator and the
//! rounds are bounded ([`MAX_ITERATIONS`]), so one graph and one seed give
//! the same drawing on every run. The coordinates come back in
//! `[-1, 1]`, always finite; the window scales them to its size.

use super::Graph;

/// Rounds a layout runs at most, whatever is asked.
pub const MAX_ITERATIONS: usize = 2_000;

/// How a layout runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LayoutOptions {
    /// The seed of the starting positions.
    pub seed: u64,
    /// Rounds (at most [`MAX_ITERATIONS`]).
    pub iterations: usize,
}

impl Default for LayoutOptions {
    fn default() -> LayoutOptions {
        LayoutOptions {
            seed: 0x6d61_696c_7369_6674, // "mailsift"
            iterations: 300,
        }
    }
}

/// splitmix64: a small, well-mixed generator for the starting positions.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in [-0.5, 0.5).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    }
}

/// The position of each node of `g` (in the order of [`Graph::nodes`]),
/// each coordinate in `[-1, 1]`.
pub fn layout(g: &Graph, opts: &LayoutOptions) -> Vec<[f32; 2]> {
    let n = g.nodes.len();
    match n {
        0 => return Vec::new(),
        1 => return vec![[0.0, 0.0]],
        _ => {}
    }
    let mut rng = SplitMix(opts.seed);
    let mut pos: Vec<[f64; 2]> = (0..n).map(|_| [rng.unit(), rng.unit()]).collect();
    // One pull per pair of people, whichever way the mail went: the
    // messages both ways, on a log scale (a pair with 1,000 messages pulls
    // harder than one with 2, but does not crush the drawing).
    let mut pulls: std::collections::BTreeMap<(usize, usize), u64> = Default::default();
    for e in &g.edges {
        if e.source == e.target || e.source >= n || e.target >= n {
            continue;
        }
        let key = (e.source.min(e.target), e.source.max(e.target));
        *pulls.entry(key).or_default() += e.messages;
    }
    let max_pull = pulls.values().copied().max().unwrap_or(1).max(1) as f64;
    let pulls: Vec<(usize, usize, f64)> = pulls
        .into_iter()
        .map(|((a, b), m)| {
            (
                a,
                b,
                0.3 + 0.7 * (1.0 + m as f64).ln() / (1.0 + max_pull).ln(),
            )
        })
        .collect();
    // the ideal distance between two people in a unit square
    let k = (1.0 / n as f64).sqrt();
    let rounds = opts.iterations.min(MAX_ITERATIONS);
    let mut disp = vec![[0.0f64; 2]; n];
    for round in 0..rounds {
        let temperature = 0.1 * (1.0 - round as f64 / rounds as f64) + 0.001;
        disp.iter_mut().for_each(|d| *d = [0.0, 0.0]);
        for i in 0..n {
            for j in (i + 1)..n {
                let dx = pos[i][0] - pos[j][0];
                let dy = pos[i][1] - pos[j][1];
                let dist = (dx * dx + dy * dy).sqrt().max(1e-4);
                let f = k * k / dist;
                let (fx, fy) = (dx / dist * f, dy / dist * f);
                disp[i][0] += fx;
                disp[i][1] += fy;
                disp[j][0] -= fx;
                disp[j][1] -= fy;
            }
        }
        for &(a, b, w) in &pulls {
            let dx = pos[a][0] - pos[b][0];
            let dy = pos[a][1] - pos[b][1];
            let dist = (dx * dx + dy * dy).sqrt().max(1e-4);
            let f = dist * dist / k * w;
            let (fx, fy) = (dx / dist * f, dy / dist * f);
            disp[a][0] -= fx;
            disp[a][1] -= fy;
            disp[b][0] += fx;
            disp[b][1] += fy;
        }
        for (p, d) in pos.iter_mut().zip(&disp) {
            // gravity towards the middle
            let dx = d[0] - p[0] * k * 2.0;
            let dy = d[1] - p[1] * k * 2.0;
            let len = (dx * dx + dy * dy).sqrt();
            if !len.is_finite() || len < 1e-12 {
                continue;
            }
            let step = len.min(temperature);
            p[0] += dx / len * step;
            p[1] += dy / len * step;
        }
    }
    // into [-1, 1], centred
    let mean = |c: usize| pos.iter().map(|p| p[c]).sum::<f64>() / n as f64;
    let (mx, my) = (mean(0), mean(1));
    let reach = pos
        .iter()
        .map(|p| (p[0] - mx).abs().max((p[1] - my).abs()))
        .fold(0.0f64, f64::max);
    let scale = if reach.is_finite() && reach > 1e-9 {
        1.0 / reach
    } else {
        1.0
    };
    pos.iter()
        .map(|p| {
            let f = |v: f64| {
                let v = (v * scale) as f32;
                if v.is_finite() {
                    v.clamp(-1.0, 1.0)
                } else {
                    0.0
                }
            };
            [f(p[0] - mx), f(p[1] - my)]
        })
        .collect()
}

/// The bounding box of `positions`: `[min x, min y, max x, max y]`
/// (None when there are none or a coordinate is not finite); what the
/// window fits to its frame.
pub fn bounds(positions: &[[f32; 2]]) -> Option<[f32; 4]> {
    let first = positions.first()?;
    let mut b = [first[0], first[1], first[0], first[1]];
    for p in positions {
        if !(p[0].is_finite() && p[1].is_finite()) {
            return None;
        }
        b = [
            b[0].min(p[0]),
            b[1].min(p[1]),
            b[2].max(p[0]),
            b[3].max(p[1]),
        ];
    }
    Some(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::{Edge, Node};

    /// A graph of `n` people in teams of ten: each writes to the next two
    /// of their team and, every seventh, to someone of the next team.
    fn teams(n: usize) -> Graph {
        let mut edges = Vec::new();
        for i in 0..n {
            let team = i / 10 * 10;
            for k in 1..3 {
                let j = team + (i - team + k) % 10;
                if j < n && j != i {
                    edges.push((i, j, (1 + i % 5) as u64));
                }
            }
            if i % 7 == 0 && team + 10 < n {
                edges.push((i, team + 10 + i % 10, 1));
            }
        }
        graph(n, &edges)
    }

    #[test]
    fn large_layouts_are_deterministic_finite_and_bounded() {
        for n in [150, 500] {
            let g = teams(n);
            let a = layout(&g, &LayoutOptions::default());
            assert_eq!(a, layout(&g, &LayoutOptions::default()), "{n} people");
            assert_eq!(a.len(), n);
            for p in &a {
                assert!(p.iter().all(|v| v.is_finite() && (-1.0..=1.0).contains(v)));
            }
            let b = bounds(&a).unwrap();
            assert!(b[2] - b[0] > 0.5 && b[3] - b[1] > 0.5, "{n}: spread {b:?}");
            // no two people on one spot
            let mut keys: Vec<(i64, i64)> = a
                .iter()
                .map(|p| ((p[0] * 1e5) as i64, (p[1] * 1e5) as i64))
                .collect();
            keys.sort_unstable();
            keys.dedup();
            assert_eq!(keys.len(), n);
        }
    }

    #[test]
    fn bounds_of_positions() {
        assert_eq!(bounds(&[]), None);
        assert_eq!(
            bounds(&[[0.5, -0.25], [-0.5, 0.75], [0.0, 0.0]]),
            Some([-0.5, -0.25, 0.5, 0.75])
        );
        assert_eq!(bounds(&[[f32::NAN, 0.0]]), None);
    }

    fn graph(n: usize, edges: &[(usize, usize, u64)]) -> Graph {
        Graph {
            nodes: (0..n)
                .map(|i| Node {
                    address: format!("p{i}@x.org"),
                    addresses: vec![format!("p{i}@x.org")],
                    name: None,
                    messages: 1,
                })
                .collect(),
            edges: edges
                .iter()
                .map(|&(source, target, messages)| Edge {
                    source,
                    target,
                    messages,
                })
                .collect(),
            people: n,
        }
    }

    fn dist(a: [f32; 2], b: [f32; 2]) -> f32 {
        ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt()
    }

    #[test]
    fn same_graph_same_seed_same_drawing() {
        let g = graph(40, &[(0, 1, 3), (1, 2, 1), (5, 9, 20), (9, 0, 2)]);
        let a = layout(&g, &LayoutOptions::default());
        let b = layout(&g, &LayoutOptions::default());
        assert_eq!(a, b);
        let other = layout(
            &g,
            &LayoutOptions {
                seed: 7,
                ..LayoutOptions::default()
            },
        );
        assert_ne!(a, other, "the seed decides the start");
    }

    #[test]
    fn coordinates_are_finite_and_bounded() {
        // a dense graph, a star and nodes with no edge at all
        let mut edges = Vec::new();
        for i in 0..30 {
            for j in 0..30 {
                if i != j && (i * j) % 3 == 0 {
                    edges.push((i, j, (i + j) as u64));
                }
            }
        }
        edges.push((30, 30, 5)); // a self edge is ignored
        let g = graph(60, &edges);
        let pos = layout(
            &g,
            &LayoutOptions {
                iterations: usize::MAX, // bounded all the same
                ..LayoutOptions::default()
            },
        );
        assert_eq!(pos.len(), 60);
        for p in &pos {
            assert!(p.iter().all(|v| v.is_finite() && (-1.0..=1.0).contains(v)));
        }
        // spread out, not collapsed to a point
        let reach = pos
            .iter()
            .map(|p| p[0].abs().max(p[1].abs()))
            .fold(0.0, f32::max);
        assert!(reach > 0.99, "{reach}");
    }

    #[test]
    fn connected_people_end_up_closer_than_strangers() {
        // two tight groups of four with no mail between them
        let mut edges = Vec::new();
        for g0 in [0, 4] {
            for i in g0..g0 + 4 {
                for j in g0..g0 + 4 {
                    if i != j {
                        edges.push((i, j, 10));
                    }
                }
            }
        }
        let pos = layout(&graph(8, &edges), &LayoutOptions::default());
        let inside = dist(pos[0], pos[1]).max(dist(pos[4], pos[5]));
        let across = dist(pos[0], pos[4]).min(dist(pos[1], pos[5]));
        assert!(inside < across, "inside {inside}, across {across}");
    }

    #[test]
    fn tiny_graphs() {
        assert!(layout(&graph(0, &[]), &LayoutOptions::default()).is_empty());
        assert_eq!(
            layout(&graph(1, &[]), &LayoutOptions::default()),
            [[0.0, 0.0]]
        );
        let two = layout(&graph(2, &[(0, 1, 1)]), &LayoutOptions::default());
        assert!(dist(two[0], two[1]) > 0.5);
    }
}
