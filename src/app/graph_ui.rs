//! The communication graph window (View → Communication graph…): the top
//! N people of the current results as circles (area by messages), a line
//! for each pair that wrote to each other (thicker with more messages),
//! labels on the largest where they do not cover a larger one's (the
//! rest on hover); fitted to the window when the layout comes back and on
//! Reset view; laid out off the window's thread
//! ([`crate::graph::layout`]). Drag the background to pan, scroll or pinch
//! (or + / -) to zoom, drag a person to move them; hovering shows the
//! counts; a click on a person narrows the results to their mail, a click
//! on a line to the messages between the two. Drawn with egui's painter
//! from [`PeopleState`] only; every change comes back as a command.

use egui::{Color32, Pos2, Rect, Sense, Stroke, vec2};

use super::Command;
use super::panels::thousands;
use super::people::{GraphView, PeopleCommand, PeopleState, TOP_MAX};
use crate::display::visible;
use crate::graph::Graph;

/// Nodes that may be labelled without hovering: the largest, each unless
/// its label would cover one already drawn.
const LABELLED: usize = 40;

/// Points kept free around the fitted drawing (room for the circles and
/// the start of the labels).
const MARGIN: f32 = 28.0;

fn cmd(c: PeopleCommand) -> Command {
    Command::People(c)
}

/// Where layout position `p` (in `[-1, 1]`) is drawn in `rect` under
/// `view`: the view's bounding box fitted to the frame, then panned and
/// zoomed.
pub fn to_screen(rect: Rect, view: &GraphView, p: [f32; 2]) -> Pos2 {
    let (centre, s) = fit(rect, view.bounds, MARGIN);
    let s = s * view.zoom;
    rect.center() + view.pan + vec2((p[0] - centre[0]) * s, (p[1] - centre[1]) * s)
}

/// The fit of a bounding box (`[min x, min y, max x, max y]`) to `rect`
/// less `margin` on each side: the box's centre (drawn at the frame's
/// centre) and the points per layout unit, the largest that keeps the
/// whole box inside. Without a box (or one of no size along both axes):
/// the `[-1, 1]` square in 90% of the frame's shorter side.
pub fn fit(rect: Rect, bounds: Option<[f32; 4]>, margin: f32) -> ([f32; 2], f32) {
    let plain = (rect.width().min(rect.height()) * 0.45).max(1e-3);
    let Some(b) = bounds else {
        return ([0.0, 0.0], plain);
    };
    let centre = [(b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0];
    let room = |side: f32| (side - 2.0 * margin).max(side * 0.2).max(1.0);
    let (w, h) = (b[2] - b[0], b[3] - b[1]);
    let along = |extent: f32, side: f32| (extent > 1e-6).then(|| room(side) / extent);
    let s = match (along(w, rect.width()), along(h, rect.height())) {
        (Some(x), Some(y)) => x.min(y),
        (Some(x), None) => x,
        (None, Some(y)) => y,
        (None, None) => plain,
    };
    (centre, s.clamp(1e-3, 1e6))
}

/// Points per layout unit.
fn scale(rect: Rect, view: &GraphView) -> f32 {
    (fit(rect, view.bounds, MARGIN).1 * view.zoom).max(1e-3)
}

/// Which labels to draw, in order (largest person first): each whose
/// box meets none of the boxes drawn before it.
pub fn unhidden(boxes: &[Rect]) -> Vec<bool> {
    let mut drawn: Vec<Rect> = Vec::new();
    boxes
        .iter()
        .map(|b| {
            let free = !drawn.iter().any(|d| d.intersects(*b));
            if free {
                drawn.push(*b);
            }
            free
        })
        .collect()
}

/// A node's radius in points (area by messages).
fn radius(messages: u64, max: u64) -> f32 {
    4.0 + 14.0 * (messages as f32 / max.max(1) as f32).sqrt()
}

/// The node under `at`, if any (the smallest distance wins).
fn node_at(g: &Graph, screen: &[Pos2], max: u64, at: Pos2) -> Option<usize> {
    screen
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let d = p.distance(at);
            (d <= radius(g.nodes[i].messages, max) + 2.0).then_some((i, d))
        })
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(i, _)| i)
}

/// The pair of nodes whose line passes under `at` (within 4 points).
fn edge_at(g: &Graph, screen: &[Pos2], at: Pos2) -> Option<(usize, usize)> {
    g.edges
        .iter()
        .filter_map(|e| {
            let (a, b) = (*screen.get(e.source)?, *screen.get(e.target)?);
            let ab = b - a;
            let t = ((at - a).dot(ab) / ab.length_sq().max(1e-6)).clamp(0.0, 1.0);
            let d = (a + ab * t).distance(at);
            (d <= 4.0).then_some(((e.source, e.target), d))
        })
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(pair, _)| pair)
}

/// Messages from `a` to `b` in the graph.
fn messages(g: &Graph, a: usize, b: usize) -> u64 {
    g.edges
        .iter()
        .find(|e| e.source == a && e.target == b)
        .map_or(0, |e| e.messages)
}

/// The graph window.
pub fn graph_window_ui(ctx: &egui::Context, state: &PeopleState) -> Vec<Command> {
    let mut out = Vec::new();
    let mut open = true;
    egui::Window::new("Communication graph")
        .open(&mut open)
        .default_size([820.0, 640.0])
        .default_pos([200.0, 70.0])
        .resizable(true)
        .show(ctx, |ui| {
            ui.horizontal(|ui| {
                let label = ui.label("People shown");
                let mut top = state.top;
                if ui
                    .add(egui::DragValue::new(&mut top).range(2..=TOP_MAX))
                    .labelled_by(label.id)
                    .on_hover_text("The people with most messages; the lines among them")
                    .changed()
                {
                    out.push(cmd(PeopleCommand::SetTop(top)));
                }
                ui.separator();
                if ui.button(" + ").on_hover_text("Zoom in").clicked() {
                    out.push(cmd(PeopleCommand::Zoom(1.25)));
                }
                if ui.button(" - ").on_hover_text("Zoom out").clicked() {
                    out.push(cmd(PeopleCommand::Zoom(0.8)));
                }
                if ui.button("Reset view").clicked() {
                    out.push(cmd(PeopleCommand::ResetView));
                }
                ui.separator();
                ui.label("A click shows their mail:");
                for r in [
                    super::people::Role::Either,
                    super::people::Role::Sender,
                    super::people::Role::Recipient,
                ] {
                    if ui.radio(state.role == r, r.label()).clicked() {
                        out.push(cmd(PeopleCommand::SetRole(r)));
                    }
                }
            });
            super::people_ui::summary_ui(ui, state);
            if let Some(d) = &state.data {
                ui.weak(format!(
                    "{} of {} people, {} lines. Drag to pan, scroll to zoom, \
                     click a person or a line to see those messages.",
                    d.graph.nodes.len(),
                    thousands(d.graph.people as u64),
                    d.graph.edges.len()
                ));
            }
            out.extend(canvas_ui(ui, state));
        });
    if !open {
        out.push(cmd(PeopleCommand::ShowGraph(false)));
    }
    out
}

/// The drawing and what the pointer does on it.
fn canvas_ui(ui: &mut egui::Ui, state: &PeopleState) -> Vec<Command> {
    let mut out = Vec::new();
    let size = ui.available_size().max(vec2(200.0, 200.0));
    let (response, painter) = ui.allocate_painter(size, Sense::click_and_drag());
    response
        .widget_info(|| egui::WidgetInfo::labeled(egui::Role::Canvas, true, "Communication graph"));
    let rect = response.rect;
    let visuals = ui.visuals().clone();
    painter.rect_filled(rect, 4.0, visuals.extreme_bg_color);
    let Some(d) = &state.data else {
        return out;
    };
    let g = &d.graph;
    let view = &state.view;
    let screen: Vec<Pos2> = d
        .positions
        .iter()
        .map(|&p| to_screen(rect, view, p))
        .collect();
    let max = g.nodes.iter().map(|n| n.messages).max().unwrap_or(1);
    let max_edge = g.edges.iter().map(|e| e.messages).max().unwrap_or(1).max(1);
    let hover = response.hover_pos();
    let hovered_node = hover.and_then(|at| node_at(g, &screen, max, at));
    let hovered_edge = match (hover, hovered_node) {
        (Some(at), None) => edge_at(g, &screen, at),
        _ => None,
    };

    // lines
    let line = visuals.text_color().gamma_multiply(0.25);
    let strong = visuals.selection.stroke.color;
    let painter = painter.with_clip_rect(rect);
    for e in &g.edges {
        let (Some(&a), Some(&b)) = (screen.get(e.source), screen.get(e.target)) else {
            continue;
        };
        let w = 0.5 + 3.0 * ((1.0 + e.messages as f32).ln() / (1.0 + max_edge as f32).ln());
        let lit = hovered_node.is_some_and(|n| n == e.source || n == e.target)
            || hovered_edge.is_some_and(|(s, t)| {
                (s, t) == (e.source, e.target) || (t, s) == (e.source, e.target)
            });
        painter.line_segment([a, b], Stroke::new(w, if lit { strong } else { line }));
    }
    // people
    let fill = visuals.selection.bg_fill;
    for (i, n) in g.nodes.iter().enumerate() {
        let Some(&p) = screen.get(i) else { continue };
        let r = radius(n.messages, max);
        let lit = hovered_node == Some(i);
        painter.circle(
            p,
            r,
            if lit { strong } else { fill },
            Stroke::new(1.0, visuals.window_stroke.color),
        );
    }
    // labels on the largest (nodes come most messages first) that do not
    // cover a larger one's, and the hovered
    let font = egui::FontId::proportional(12.0);
    let labels: Vec<(usize, std::sync::Arc<egui::Galley>, Pos2)> = g
        .nodes
        .iter()
        .enumerate()
        .filter(|(i, _)| *i < LABELLED || hovered_node == Some(*i))
        .filter_map(|(i, n)| {
            let p = *screen.get(i)?;
            let text = visible(n.name.as_deref().unwrap_or(&n.address));
            let galley = painter.layout_no_wrap(text, font.clone(), visuals.text_color());
            let at = p + vec2(radius(n.messages, max) + 3.0, -galley.size().y / 2.0);
            Some((i, galley, at))
        })
        .collect();
    let boxes: Vec<Rect> = labels
        .iter()
        .map(|(_, galley, at)| Rect::from_min_size(*at, galley.size()))
        .collect();
    let shown = unhidden(&boxes);
    for ((i, galley, at), free) in labels.into_iter().zip(shown) {
        if free || hovered_node == Some(i) {
            painter.galley(at, galley, visuals.text_color());
        }
    }
    // what is under the pointer
    let tip = match (hovered_node, hovered_edge) {
        (Some(i), _) => {
            let n = &g.nodes[i];
            let (out_m, in_m): (u64, u64) = g.edges.iter().fold((0, 0), |(o, r), e| {
                (
                    o + if e.source == i { e.messages } else { 0 },
                    r + if e.target == i { e.messages } else { 0 },
                )
            });
            Some(format!(
                "{}\n{} messages; to people shown: {}, from them: {}\nClick: their mail ({})",
                visible(&n.label()),
                thousands(n.messages),
                thousands(out_m),
                thousands(in_m),
                state.role.label()
            ))
        }
        (None, Some((a, b))) => {
            let (na, nb) = (&g.nodes[a], &g.nodes[b]);
            Some(format!(
                "{} -> {}: {} messages\n{} -> {}: {} messages\nClick: the messages between them",
                visible(&na.address),
                visible(&nb.address),
                thousands(messages(g, a, b)),
                visible(&nb.address),
                visible(&na.address),
                thousands(messages(g, b, a)),
            ))
        }
        _ => None,
    };
    if let (Some(text), Some(at)) = (tip, hover) {
        let galley = painter.layout_no_wrap(text, font, visuals.text_color());
        let mut r = Rect::from_min_size(at + vec2(14.0, 14.0), galley.size() + vec2(12.0, 8.0));
        if r.right() > rect.right() {
            r = r.translate(vec2(-(r.width() + 28.0), 0.0));
        }
        if r.bottom() > rect.bottom() {
            r = r.translate(vec2(0.0, -(r.height() + 28.0)));
        }
        painter.rect_filled(r, 4.0, visuals.window_fill);
        painter.rect_stroke(
            r,
            4.0,
            Stroke::new(1.0, visuals.window_stroke.color),
            egui::StrokeKind::Inside,
        );
        painter.galley(r.min + vec2(6.0, 4.0), galley, Color32::PLACEHOLDER);
    }

    // pointer: drag a person or the background, zoom, click
    let held = response.id.with("held-node");
    if response.drag_started() {
        let origin = ui.input(|i| i.pointer.press_origin());
        let node = origin.and_then(|at| node_at(g, &screen, max, at));
        ui.data_mut(|m| m.insert_temp(held, node));
    }
    if response.dragged() {
        let delta = response.drag_delta();
        match ui.data(|m| m.get_temp::<Option<usize>>(held)).flatten() {
            Some(i) => out.push(cmd(PeopleCommand::DragNode(i, delta / scale(rect, view)))),
            None => out.push(cmd(PeopleCommand::Pan(delta))),
        }
    }
    if response.drag_stopped() {
        ui.data_mut(|m| m.remove::<Option<usize>>(held));
    }
    if response.hovered() {
        let (scroll, pinch) = ui.input(|i| (i.smooth_scroll_delta.y, i.zoom_delta()));
        let factor = pinch * (scroll / 200.0).exp();
        if (factor - 1.0).abs() > 1e-3 {
            out.push(cmd(PeopleCommand::Zoom(factor)));
        }
    }
    if response.clicked()
        && let Some(at) = response.interact_pointer_pos()
    {
        if let Some(i) = node_at(g, &screen, max, at) {
            out.push(cmd(PeopleCommand::Person(g.nodes[i].addresses.clone())));
        } else if let Some((a, b)) = edge_at(g, &screen, at) {
            out.push(cmd(PeopleCommand::Between(
                g.nodes[a].addresses.clone(),
                g.nodes[b].addresses.clone(),
            )));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::{Edge, Node};
    use egui::pos2;

    fn g() -> Graph {
        let node = |a: &str, m| Node {
            address: a.into(),
            addresses: vec![a.into()],
            name: None,
            messages: m,
        };
        Graph {
            nodes: vec![node("a@x", 10), node("b@x", 1), node("c@x", 1)],
            edges: vec![
                Edge {
                    source: 0,
                    target: 1,
                    messages: 3,
                },
                Edge {
                    source: 1,
                    target: 0,
                    messages: 2,
                },
            ],
            people: 3,
        }
    }

    #[test]
    fn hits_on_nodes_and_lines() {
        let rect = Rect::from_min_size(pos2(0.0, 0.0), vec2(200.0, 200.0));
        let view = GraphView::default();
        let screen: Vec<Pos2> = [[-0.5, 0.0], [0.5, 0.0], [0.0, 0.8]]
            .iter()
            .map(|&p| to_screen(rect, &view, p))
            .collect();
        assert_eq!(screen[0], pos2(55.0, 100.0));
        let g = g();
        assert_eq!(node_at(&g, &screen, 10, pos2(57.0, 101.0)), Some(0));
        assert_eq!(node_at(&g, &screen, 10, pos2(100.0, 100.0)), None);
        assert_eq!(edge_at(&g, &screen, pos2(100.0, 102.0)), Some((0, 1)));
        assert_eq!(edge_at(&g, &screen, pos2(100.0, 120.0)), None);
        assert_eq!(
            (messages(&g, 0, 1), messages(&g, 1, 0), messages(&g, 0, 2)),
            (3, 2, 0)
        );
        // zoom and pan move the drawing
        let moved = GraphView {
            pan: vec2(10.0, 0.0),
            zoom: 2.0,
            bounds: None,
        };
        assert_eq!(to_screen(rect, &moved, [-0.5, 0.0]), pos2(20.0, 100.0));
    }

    #[test]
    fn the_fit_maps_the_bounding_box_inside_the_frame() {
        let rect = Rect::from_min_size(pos2(10.0, 20.0), vec2(800.0, 500.0));
        let inner = rect.shrink(MARGIN);
        // a drawing squeezed in the middle third, off centre, and flat ones
        let cases: [[f32; 4]; 4] = [
            [-0.3, -0.2, 0.35, 0.25],
            [-1.0, -0.1, 1.0, 0.1],
            [0.2, -0.9, 0.2, 0.4],
            [-0.5, 0.3, 0.9, 0.3],
        ];
        for b in cases {
            let view = GraphView {
                bounds: Some(b),
                ..GraphView::default()
            };
            let corners = [[b[0], b[1]], [b[2], b[3]], [b[0], b[3]], [b[2], b[1]]];
            let screen: Vec<Pos2> = corners.iter().map(|&c| to_screen(rect, &view, c)).collect();
            for p in &screen {
                assert!(
                    inner.expand(0.01).contains(*p),
                    "{b:?}: {p:?} outside {inner:?}"
                );
            }
            // filling the frame along at least one axis
            let (w, h) = (
                (screen[1].x - screen[0].x).abs(),
                (screen[1].y - screen[0].y).abs(),
            );
            assert!(
                (w - inner.width()).abs() < 0.1 || (h - inner.height()).abs() < 0.1,
                "{b:?}: {w} x {h} in {inner:?}"
            );
            // the middle of the box at the middle of the frame
            let mid = to_screen(rect, &view, [(b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0]);
            assert!(mid.distance(rect.center()) < 0.01);
        }
        // one person (a box of no size): the plain scale, centred on them
        let one = fit(rect, Some([0.4, 0.4, 0.4, 0.4]), MARGIN);
        assert_eq!(one, ([0.4, 0.4], 225.0));
    }

    #[test]
    fn labels_that_cover_a_larger_ones_are_hidden() {
        let r = |x: f32, y: f32| Rect::from_min_size(pos2(x, y), vec2(50.0, 12.0));
        assert_eq!(
            unhidden(&[
                r(0.0, 0.0),
                r(20.0, 5.0),
                r(0.0, 20.0),
                r(60.0, 0.0),
                r(40.0, 18.0)
            ]),
            [true, false, true, true, false]
        );
        assert!(unhidden(&[]).is_empty());
    }
}
