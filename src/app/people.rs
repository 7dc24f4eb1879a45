//! People and the communication graph in the window (issue 16): the state
//! of the People window and the graph window ([`PeopleState`]), what their
//! panels ask for ([`PeopleCommand`], inside [`Command::People`]) and the
//! census behind them, computed on a thread of its own for the *current
//! results* ([`crate::people::census_of`], the people list, the graph of
//! the top N and its layout, [`crate::graph::layout`]) and computed again
//! when the results change. The window never waits for it: until it
//! comes back the windows say "Counting…".
//!
//! A click on a person (or a node) narrows the results to their mail as
//! sender (`from:`), recipient (`to:`, which is To, Cc and Bcc) or either;
//! a click on an edge to the messages between the two, both ways.
//! Identity decisions (confirming a suggested merge, merging by hand,
//! renaming, splitting an address out: [`crate::identity`]) are written on
//! a thread of their own, then the census runs again; a dismissed
//! suggestion is stored in the case (and listed under "Show dismissed",
//! with "Suggest again"). The panels are `people_ui.rs`
//! and `graph_ui.rs`.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, TryRecvError};

use super::{Command, MailsiftApp};
use crate::error::Error;
use crate::graph::{self, Graph, LayoutOptions};
use crate::jobs::SearchOutcome;
use crate::people::{self, MergeSuggestion, PeopleOptions, Person, fold};

/// Top correspondents listed per person.
const CORRESPONDENTS: usize = 5;
/// The graph's size control, at most.
pub const TOP_MAX: usize = 500;

/// How a click on a person narrows the results.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Role {
    /// Their mail either way (`from:` or `to:`).
    #[default]
    Either,
    /// What they sent (`from:`).
    Sender,
    /// What they received, To, Cc or Bcc (`to:`).
    Recipient,
}

impl Role {
    /// The words for the choice.
    pub fn label(self) -> &'static str {
        match self {
            Role::Either => "either",
            Role::Sender => "as sender",
            Role::Recipient => "as recipient",
        }
    }
}

/// A column of the people table (its order).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PeopleColumn {
    /// The best name (or the address), A to Z.
    Name,
    /// Messages they are in.
    #[default]
    Messages,
    /// Messages sent.
    Sent,
    /// Messages received (To).
    Received,
    /// Messages copied (Cc/Bcc).
    Copied,
    /// The first date.
    First,
    /// The last date.
    Last,
}

/// What the People and graph windows ask for.
#[derive(Clone, Debug, PartialEq)]
pub enum PeopleCommand {
    /// Show or hide the People window.
    ShowPeople(bool),
    /// Show or hide the graph window.
    ShowGraph(bool),
    /// The name filter was edited (in place).
    FilterEdited,
    /// Order by this column; the same column again reverses the order.
    SortBy(PeopleColumn),
    /// How a click on a person narrows the results.
    SetRole(Role),
    /// Narrow the results to these addresses' mail (one person), as the
    /// role chosen says.
    Person(Vec<String>),
    /// Narrow the results to the messages between two people (their
    /// addresses), both ways.
    Between(Vec<String>, Vec<String>),
    /// Keep this many people in the graph.
    SetTop(usize),
    /// Move the graph by this many points.
    Pan(egui::Vec2),
    /// Zoom the graph by this factor.
    Zoom(f32),
    /// Move node `usize` of the graph by this much (in layout units).
    DragNode(usize, egui::Vec2),
    /// Back to the graph fitted to the window: no pan, no zoom.
    ResetView,
    /// Merge these addresses (a suggestion confirmed).
    Merge(Vec<String>),
    /// Dismiss this suggestion (stored in the case).
    Dismiss(Vec<String>),
    /// Suggest this dismissed merge again (stored in the case).
    ShowAgain(Vec<String>),
    /// List the dismissed suggestions too (true) or not.
    ShowDismissed(bool),
    /// Make this address a person of its own again.
    Split(String),
    /// Open the window that renames the person with this key address
    /// (true) or merges other addresses into them (false).
    OpenIdentity(String, bool),
    /// Apply what the identity window says.
    ApplyIdentity,
    /// Close the identity window.
    CloseIdentity,
}

/// The window that renames a person or merges addresses into them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IdentityWindow {
    /// The person's key address.
    pub person: String,
    /// Renaming (true) or merging (false).
    pub rename: bool,
    /// The name, or the addresses to merge (separated by commas or spaces).
    pub text: String,
}

/// What the census was computed for: the results as they were.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResultsKey {
    /// The case.
    pub case: PathBuf,
    /// The query as typed.
    pub query: String,
    /// How many hits.
    pub hits: usize,
    /// Messages in the case then.
    pub case_messages: u64,
    /// The graph's top N.
    pub top: usize,
}

impl ResultsKey {
    /// The key of `res` with a graph of `top` people.
    pub fn of(res: &SearchOutcome, top: usize) -> ResultsKey {
        ResultsKey {
            case: res.case.clone(),
            query: res.query_text.clone(),
            hits: res.hits.len(),
            case_messages: res.case_messages,
            top,
        }
    }
}

/// The people of the current results, as the census thread made them.
#[derive(Clone, Debug)]
pub struct PeopleData {
    /// What this was computed for.
    pub key: ResultsKey,
    /// Messages counted.
    pub messages: u64,
    /// Everyone, most messages first, each with their top correspondents.
    pub people: Vec<Person>,
    /// Addresses that look like one person.
    pub suggestions: Vec<MergeSuggestion>,
    /// Suggestions the investigator dismissed (listed when asked).
    pub dismissed: Vec<MergeSuggestion>,
    /// The graph of the top N people.
    pub graph: Graph,
    /// Where each node of the graph is drawn, in `[-1, 1]`.
    pub positions: Vec<[f32; 2]>,
    /// Time taken (census, list, graph and layout).
    pub elapsed: Duration,
}

/// How the graph is looked at (changed by pan and zoom).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GraphView {
    /// Offset from the middle, in points.
    pub pan: egui::Vec2,
    /// Scale (1: the layout fills the window).
    pub zoom: f32,
    /// The bounding box the drawing fits to the window (min x, min y,
    /// max x, max y in layout units): the layout's when it came back or
    /// the view was reset; None: the whole `[-1, 1]` square.
    pub bounds: Option<[f32; 4]>,
}

impl Default for GraphView {
    fn default() -> GraphView {
        GraphView {
            pan: egui::Vec2::ZERO,
            zoom: 1.0,
            bounds: None,
        }
    }
}

impl GraphView {
    /// No pan, no zoom, fitted to the bounding box of `positions`.
    pub fn fitted(positions: &[[f32; 2]]) -> GraphView {
        GraphView {
            bounds: graph::bounds(positions),
            ..GraphView::default()
        }
    }
}

/// The People and graph windows' state.
pub struct PeopleState {
    /// The People window is shown.
    pub show_people: bool,
    /// The graph window is shown.
    pub show_graph: bool,
    /// The name filter (edited in place by its text field).
    pub filter: String,
    /// The order of the table: the column and whether it runs down.
    pub sort: (PeopleColumn, bool),
    /// How a click on a person narrows the results.
    pub role: Role,
    /// People kept in the graph.
    pub top: usize,
    /// The last census that came back.
    pub data: Option<PeopleData>,
    /// Indices into `data.people`: filtered and ordered as asked.
    pub shown: Vec<usize>,
    /// Why the last census failed.
    pub error: Option<String>,
    /// The graph's pan and zoom.
    pub view: GraphView,
    /// The census running, and what for.
    running: Option<(ResultsKey, Receiver<Result<PeopleData, Error>>)>,
    /// What the last census started was for (not started again for the
    /// same results, even when it failed).
    asked: Option<ResultsKey>,
    /// Suggestions dismissed since the last census (their addresses),
    /// hidden until the census, which reads the stored dismissals, is back.
    pub dismissed: std::collections::HashSet<Vec<String>>,
    /// The dismissed suggestions are listed too ("Show dismissed").
    pub show_dismissed: bool,
    /// The rename / merge window, when open.
    pub identity: Option<IdentityWindow>,
    /// An identity decision being written: its status line when done.
    writing: Option<Receiver<Result<String, Error>>>,
}

impl Default for PeopleState {
    fn default() -> PeopleState {
        PeopleState {
            show_people: false,
            show_graph: false,
            filter: String::new(),
            sort: (PeopleColumn::Messages, true),
            role: Role::Either,
            top: graph::DEFAULT_TOP,
            data: None,
            shown: Vec::new(),
            error: None,
            view: GraphView::default(),
            running: None,
            asked: None,
            dismissed: Default::default(),
            show_dismissed: false,
            identity: None,
            writing: None,
        }
    }
}

impl PeopleState {
    /// Whether a census is being computed or a decision written.
    pub fn counting(&self) -> bool {
        self.running.is_some() || self.writing.is_some()
    }

    /// The people listed, in order.
    pub fn shown_people(&self) -> impl Iterator<Item = &Person> {
        let people = self.data.as_ref().map(|d| &d.people[..]).unwrap_or(&[]);
        self.shown.iter().filter_map(|&i| people.get(i))
    }

    /// After a failure, opening a window tries again.
    fn retry(&mut self) {
        if self.error.take().is_some() {
            self.asked = None;
        }
    }

    /// `shown` made again from the filter and the order.
    fn reorder(&mut self) {
        let Some(d) = &self.data else {
            self.shown.clear();
            return;
        };
        let filter = fold(self.filter.trim());
        let mut shown: Vec<usize> = (0..d.people.len())
            .filter(|&i| {
                let p = &d.people[i];
                filter.is_empty()
                    || p.addresses.iter().any(|a| a.contains(&filter))
                    || p.chosen_name
                        .as_deref()
                        .is_some_and(|n| fold(n).contains(&filter))
                    || p.names.iter().any(|(n, _)| fold(n).contains(&filter))
            })
            .collect();
        let (col, down) = self.sort;
        let people = &d.people;
        match col {
            PeopleColumn::Name => shown.sort_by_cached_key(|&i| {
                let p = &people[i];
                (fold(p.best_name().unwrap_or(&p.address)), p.address.clone())
            }),
            _ => shown.sort_by(|&a, &b| {
                let key = |p: &Person| match col {
                    PeopleColumn::Messages | PeopleColumn::Name => p.messages as i64,
                    PeopleColumn::Sent => p.sent as i64,
                    PeopleColumn::Received => p.received as i64,
                    PeopleColumn::Copied => p.copied as i64,
                    PeopleColumn::First => p.first.unwrap_or(i64::MIN),
                    PeopleColumn::Last => p.last.unwrap_or(i64::MIN),
                };
                key(&people[a])
                    .cmp(&key(&people[b]))
                    .then_with(|| people[b].address.cmp(&people[a].address))
            }),
        }
        if down {
            // sorted up (A to Z, fewest first); down is the other way
            shown.reverse();
        }
        self.shown = shown;
    }
}

/// An address as a query phrase: `"ann@x.org"` (quotes inside dropped).
fn phrase(address: &str) -> String {
    format!("\"{}\"", address.replace(['"', '\\'], ""))
}

/// `field:"a"` or `field:("a" OR "b")`.
fn field_query(field: &str, addresses: &[String]) -> String {
    match addresses {
        [one] => format!("{field}:{}", phrase(one)),
        many => format!(
            "{field}:({})",
            many.iter()
                .map(|a| phrase(a))
                .collect::<Vec<_>>()
                .join(" OR ")
        ),
    }
}

/// The query for one person's mail (their addresses) in `role`.
pub fn person_query(addresses: &[String], role: Role) -> String {
    match role {
        Role::Sender => field_query("from", addresses),
        Role::Recipient => field_query("to", addresses),
        Role::Either => format!(
            "({} OR {})",
            field_query("from", addresses),
            field_query("to", addresses)
        ),
    }
}

/// The query for the messages between `a` and `b` (each a person's
/// addresses), either way.
pub fn between_query(a: &[String], b: &[String]) -> String {
    format!(
        "(({} {}) OR ({} {}))",
        field_query("from", a),
        field_query("to", b),
        field_query("from", b),
        field_query("to", a)
    )
}

/// The census of the messages `rowids` of the case at `root` (all when
/// None): the people, the suggestions, the graph of `top` and its layout.
pub fn compute(
    root: &std::path::Path,
    rowids: Option<&[u64]>,
    key: ResultsKey,
) -> Result<PeopleData, Error> {
    let start = Instant::now();
    let case = crate::store::Case::open(root)?;
    let census = people::census_of(&case, rowids)?;
    let people = census.people(&PeopleOptions {
        correspondents: CORRESPONDENTS,
        ..PeopleOptions::default()
    });
    let graph = graph::graph(&census, key.top);
    let positions = graph::layout(&graph, &LayoutOptions::default());
    Ok(PeopleData {
        messages: census.messages(),
        suggestions: census.suggestions(),
        dismissed: census.dismissed_suggestions(),
        people,
        graph,
        positions,
        key,
        elapsed: start.elapsed(),
    })
}

impl MailsiftApp {
    /// Keeps the census in step with the results while a People or graph
    /// window is open: takes what the thread brought back, and starts
    /// another when the results changed.
    pub(super) fn step_people(&mut self) {
        if let Some(rx) = &self.people.writing {
            match rx.try_recv() {
                Ok(done) => {
                    self.people.writing = None;
                    // counted again with the decision applied
                    self.people.asked = None;
                    match done {
                        Ok(text) => self.set_status(text, false),
                        Err(e) => self.set_status(format!("Not changed: {e}"), true),
                    }
                }
                Err(TryRecvError::Empty) => {}
                Err(TryRecvError::Disconnected) => self.people.writing = None,
            }
        }
        let p = &mut self.people;
        if p.data
            .as_ref()
            .is_some_and(|d| Some(&d.key.case) != self.case_path.as_ref())
        {
            p.data = None;
            p.shown.clear();
            p.asked = None;
        }
        if let Some((_, rx)) = &p.running {
            match rx.try_recv() {
                Ok(done) => {
                    p.running = None;
                    match done {
                        Ok(d) => {
                            p.error = None;
                            let same_graph = p.data.as_ref().is_some_and(|old| {
                                old.graph.nodes == d.graph.nodes && old.graph.edges == d.graph.edges
                            });
                            if !same_graph {
                                p.view = GraphView::fitted(&d.positions);
                            }
                            p.data = Some(d);
                            p.reorder();
                        }
                        Err(e) => p.error = Some(e.to_string()),
                    }
                }
                Err(TryRecvError::Empty) => return,
                Err(TryRecvError::Disconnected) => {
                    p.running = None;
                    p.error = Some("the census stopped unexpectedly".into());
                }
            }
        }
        if !(p.show_people || p.show_graph) {
            return;
        }
        let (Some(res), Some(root)) = (&self.search.results, &self.case_path) else {
            return;
        };
        let key = ResultsKey::of(res, p.top);
        if p.running.is_some() || p.asked.as_ref() == Some(&key) {
            return;
        }
        let everything = res.case_messages as usize == res.hits.len();
        let rowids: Option<Vec<u64>> =
            (!everything).then(|| res.hits.iter().map(|h| h.rowid).collect());
        let root = root.clone();
        let (tx, rx) = crossbeam_channel::bounded(1);
        let ctx = self.ctx.clone();
        let k = key.clone();
        let spawned = std::thread::Builder::new()
            .name("mailsift-people".into())
            .spawn(move || {
                let _ = tx.send(compute(&root, rowids.as_deref(), k));
                ctx.request_repaint();
            });
        match spawned {
            Ok(_) => {
                p.asked = Some(key.clone());
                p.running = Some((key, rx));
            }
            Err(e) => p.error = Some(format!("cannot start the census: {e}")),
        }
    }

    /// Applies a People or graph command.
    pub(super) fn apply_people(&mut self, cmd: PeopleCommand) {
        let p = &mut self.people;
        match cmd {
            PeopleCommand::ShowPeople(s) => {
                p.show_people = s;
                p.retry();
            }
            PeopleCommand::ShowGraph(s) => {
                p.show_graph = s;
                p.retry();
            }
            PeopleCommand::FilterEdited => p.reorder(),
            PeopleCommand::SortBy(col) => {
                p.sort = if p.sort.0 == col {
                    (col, !p.sort.1)
                } else {
                    (col, col != PeopleColumn::Name)
                };
                p.reorder();
            }
            PeopleCommand::SetRole(r) => p.role = r,
            PeopleCommand::Person(addresses) => {
                if !addresses.is_empty() {
                    let q = person_query(&addresses, p.role);
                    self.apply(Command::Refine(q));
                }
            }
            PeopleCommand::Between(a, b) => {
                if !a.is_empty() && !b.is_empty() {
                    self.apply(Command::Refine(between_query(&a, &b)));
                }
            }
            PeopleCommand::SetTop(n) => p.top = n.clamp(2, TOP_MAX),
            PeopleCommand::Pan(d) => p.view.pan += d,
            PeopleCommand::Zoom(f) => {
                let z = (p.view.zoom * f).clamp(0.2, 20.0);
                // zoom about the middle of the window
                p.view.pan *= z / p.view.zoom;
                p.view.zoom = z;
            }
            PeopleCommand::DragNode(i, d) => {
                if let Some(pos) = p.data.as_mut().and_then(|d| d.positions.get_mut(i)) {
                    pos[0] += d.x;
                    pos[1] += d.y;
                }
            }
            PeopleCommand::ResetView => {
                p.view = GraphView::fitted(p.data.as_ref().map_or(&[][..], |d| &d.positions));
            }
            PeopleCommand::Dismiss(a) => {
                p.dismissed.insert(a.clone());
                self.write_identity(Decision::Dismiss(a, true));
            }
            PeopleCommand::ShowAgain(a) => {
                p.dismissed.remove(&a);
                self.write_identity(Decision::Dismiss(a, false));
            }
            PeopleCommand::ShowDismissed(s) => p.show_dismissed = s,
            PeopleCommand::OpenIdentity(person, rename) => {
                let text = if rename {
                    p.shown_people()
                        .find(|x| x.address == person)
                        .and_then(|x| x.best_name())
                        .unwrap_or_default()
                        .to_string()
                } else {
                    String::new()
                };
                p.identity = Some(IdentityWindow {
                    person,
                    rename,
                    text,
                });
            }
            PeopleCommand::CloseIdentity => p.identity = None,
            PeopleCommand::Merge(addresses) => self.write_identity(Decision::Merge(addresses)),
            PeopleCommand::Split(address) => self.write_identity(Decision::Split(address)),
            PeopleCommand::ApplyIdentity => {
                if let Some(w) = p.identity.take() {
                    let d = if w.rename {
                        Decision::Rename(w.person, w.text)
                    } else {
                        let mut all = vec![w.person];
                        all.extend(
                            w.text
                                .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
                                .filter(|a| !a.is_empty())
                                .map(str::to_string),
                        );
                        Decision::Merge(all)
                    };
                    self.write_identity(d);
                }
            }
        }
    }

    /// Writes an identity decision on a thread of its own.
    fn write_identity(&mut self, d: Decision) {
        let Some(root) = self.case_path.clone() else {
            return;
        };
        let author = self.author();
        let (tx, rx) = crossbeam_channel::bounded(1);
        let ctx = self.ctx.clone();
        let spawned = std::thread::Builder::new()
            .name("mailsift-identity".into())
            .spawn(move || {
                let done = match d {
                    Decision::Merge(a) => crate::identity::merge(&root, &a, None, &author)
                        .map(|r| format!("Merged {} addresses into one person", r.len())),
                    Decision::Split(a) => crate::identity::split(&root, &a, &author)
                        .map(|_| format!("{a} is a person of its own again")),
                    Decision::Dismiss(a, dismissed) => {
                        crate::identity::dismiss(&root, &a, dismissed, &author).map(|r| {
                            let what = if dismissed {
                                "Dismissed"
                            } else {
                                "Suggested again"
                            };
                            format!("{what}: merging {}", r.addresses.join(", "))
                        })
                    }
                    Decision::Rename(a, n) => {
                        crate::identity::rename(&root, &a, &n, &author).map(|_| {
                            if n.trim().is_empty() {
                                format!("{a}: back to the names seen in the mail")
                            } else {
                                format!("Renamed {a} to {}", n.trim())
                            }
                        })
                    }
                };
                let _ = tx.send(done);
                ctx.request_repaint();
            });
        match spawned {
            Ok(_) => self.people.writing = Some(rx),
            Err(e) => self.set_status(format!("Cannot start: {e}"), true),
        }
    }
}

/// An identity decision to write.
enum Decision {
    Merge(Vec<String>),
    /// Dismiss (true) or suggest again (false) a merge of these addresses.
    Dismiss(Vec<String>, bool),
    Split(String),
    Rename(String, String),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(a: &str, name: Option<&str>, messages: u64, sent: u64, first: i64) -> Person {
        Person {
            address: a.into(),
            addresses: vec![a.into(), format!("other.{a}")],
            chosen_name: None,
            names: name.map(|n| (n.to_string(), 1)).into_iter().collect(),
            messages,
            sent,
            received: messages - sent,
            copied: 0,
            first: Some(first),
            last: Some(first),
            correspondents: Vec::new(),
        }
    }

    fn state() -> PeopleState {
        let mut s = PeopleState {
            data: Some(PeopleData {
                key: ResultsKey {
                    case: PathBuf::from("c"),
                    query: "*".into(),
                    hits: 3,
                    case_messages: 3,
                    top: 150,
                },
                messages: 3,
                people: vec![
                    person("b@x", Some("Zoe Émile"), 5, 1, 30),
                    person("a@x", Some("adam"), 3, 3, 10),
                    person("c@x", None, 1, 0, 20),
                ],
                suggestions: Vec::new(),
                dismissed: Vec::new(),
                graph: Graph::default(),
                positions: Vec::new(),
                elapsed: Duration::ZERO,
            }),
            ..PeopleState::default()
        };
        s.reorder();
        s
    }

    fn order(s: &PeopleState) -> Vec<&str> {
        s.shown_people().map(|p| p.address.as_str()).collect()
    }

    #[test]
    fn the_table_sorts_and_filters() {
        let mut s = state();
        assert_eq!(order(&s), ["b@x", "a@x", "c@x"], "most messages first");
        for (col, want) in [
            (PeopleColumn::Sent, ["a@x", "b@x", "c@x"]),
            (PeopleColumn::Name, ["a@x", "c@x", "b@x"]),
            (PeopleColumn::First, ["b@x", "c@x", "a@x"]),
        ] {
            s.sort = (col, col != PeopleColumn::Name);
            s.reorder();
            assert_eq!(order(&s), want, "{col:?}");
        }
        // the same column again: the other way
        s.sort = (PeopleColumn::Name, true);
        s.reorder();
        assert_eq!(order(&s), ["b@x", "c@x", "a@x"]);
        // by name without accents or case, and by any address
        s.filter = "EMILE".into();
        s.reorder();
        assert_eq!(order(&s), ["b@x"]);
        s.filter = "other.c@".into();
        s.reorder();
        assert_eq!(order(&s), ["c@x"]);
    }

    #[test]
    fn queries_for_a_person_and_a_pair() {
        let one = vec!["ann@x.org".to_string()];
        assert_eq!(person_query(&one, Role::Sender), "from:\"ann@x.org\"");
        assert_eq!(person_query(&one, Role::Recipient), "to:\"ann@x.org\"");
        let two = vec!["ann@x.org".to_string(), "a.lee@y.org".to_string()];
        assert_eq!(
            person_query(&two, Role::Either),
            "(from:(\"ann@x.org\" OR \"a.lee@y.org\") OR to:(\"ann@x.org\" OR \"a.lee@y.org\"))"
        );
        let (a, b) = (vec!["a@x.org".to_string()], vec!["b\"@x.org".to_string()]);
        assert_eq!(
            between_query(&a, &b),
            "((from:\"a@x.org\" to:\"b@x.org\") OR (from:\"b@x.org\" to:\"a@x.org\"))"
        );
        // each parses
        for q in [person_query(&two, Role::Either), between_query(&a, &two)] {
            assert!(crate::query::parse(&q).is_ok(), "{q}");
        }
    }
}
