//! The picture of a flow as data: what `csflow graph` draws and what editors read.
//!
//! [`Diagram::build`] turns the checks' own flow graph ([`FlowGraph`]) into nodes and edges
//! a reader can follow — a hand-off per queue, every edge labelled with the option, handler,
//! branch or escalate rule that takes it, every node with its place in the source — and
//! marks the nodes the diagnostics point at. The renderers ([`dot`], [`mermaid`], [`json`])
//! are thin views of this model, so every format shows the same graph.
//!
//! Reusing [`FlowGraph`] means the picture can never disagree with `unreachable-state`,
//! `trap-state` or `no-path-to-human`: they are computed on the very same edges.

mod build;
pub mod dot;
pub mod json;
pub mod mermaid;
mod unique;

use crate::ast::{Channel, HandlerKind};
use crate::diagnostic::{CheckId, Severity};
use crate::source::Span;
use std::sync::Arc;

pub use build::BuildError;

/// How many boxes must lead to a state before arrows going back up to it are drawn as
/// references (see [`Diagram::loops_back`]).
pub const BUSY: usize = 4;

/// One flow drawn: nodes, edges and the diagnostics that point into it.
#[derive(Debug, Clone)]
pub struct Diagram {
    pub flow: String,
    pub channel: Option<Channel>,
    /// The flow declaration.
    pub span: Span,
    /// Index of the start state's node (`None` when a part is drawn that leaves it out).
    pub start: Option<usize>,
    /// Set when only a part of the flow is drawn (`--from STATE --depth N`).
    pub part: Option<Part>,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    pub diagnostics: Vec<NodeDiagnostic>,
}

/// The part of a flow to draw: the states at most `depth` moves away from `from`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub from: String,
    pub depth: usize,
}

#[derive(Debug, Clone)]
pub struct Node {
    /// Stable for the same source (see docs/graph.md): `state:NAME`, `input:STATE:N`…
    pub id: String,
    pub kind: NodeKind,
    /// Short text for drawing. Shared: a state's name is its label and the `state` of every
    /// node in it, and many edges have one label.
    pub label: Arc<str>,
    /// The state the node is written in.
    pub state: Option<Arc<str>>,
    /// Where an editor jumps; `None` for `end` and `more` nodes.
    pub span: Option<Span>,
    pub reachable: bool,
    pub marks: Marks,
    /// Indexes into [`Diagram::diagnostics`].
    pub diagnostics: Vec<usize>,
}

#[derive(Debug, Clone)]
pub enum NodeKind {
    State {
        name_span: Span,
        start: bool,
    },
    Menu {
        prompt: String,
        /// Shared with the option edges that leave them (a million-state flow's menus are
        /// not held twice).
        options: Vec<Arc<MenuOption>>,
    },
    Ask {
        prompt: String,
        slot: String,
    },
    /// A handler block reached from several places: a flow-wide handler, or the
    /// `on closed`/`on error` of one input point.
    Handler {
        handler: HandlerKind,
        retry: Option<u32>,
        flow_wide: bool,
    },
    Escalate {
        /// Each rule's condition as written.
        rules: Vec<String>,
    },
    Handoff {
        queue: String,
    },
    /// `transfer "…"`: the call leaves for this number or SIP address.
    Transfer {
        to: String,
    },
    End,
    /// A state outside the drawn part.
    More,
}

impl NodeKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            NodeKind::State { .. } => "state",
            NodeKind::Menu { .. } => "menu",
            NodeKind::Ask { .. } => "ask",
            NodeKind::Handler { .. } => "handler",
            NodeKind::Escalate { .. } => "escalate",
            NodeKind::Handoff { .. } => "handoff",
            NodeKind::Transfer { .. } => "transfer",
            NodeKind::End => "end",
            NodeKind::More => "more",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MenuOption {
    pub label: String,
    pub keys: Vec<String>,
    pub intents: Vec<String>,
    pub phrases: Vec<String>,
}

/// A problem drawn on a node, from the diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Mark {
    /// `unreachable-state`
    Unreachable,
    /// `trap-state`
    Trap,
    /// `no-path-to-human`
    NoPathToHuman,
}

impl Mark {
    pub fn as_str(self) -> &'static str {
        match self {
            Mark::Unreachable => "unreachable",
            Mark::Trap => "trap",
            Mark::NoPathToHuman => "no-path-to-human",
        }
    }

    fn of(check: &str) -> Option<Mark> {
        match check {
            "unreachable-state" => Some(Mark::Unreachable),
            "trap-state" => Some(Mark::Trap),
            "no-path-to-human" => Some(Mark::NoPathToHuman),
            _ => None,
        }
    }

    const ALL: [Mark; 3] = [Mark::Unreachable, Mark::Trap, Mark::NoPathToHuman];

    fn bit(self) -> u8 {
        1 << self as u8
    }
}

/// The marks of a node, as a set of bits: a vector per node cost a million-node diagram
/// 24 bytes a node for what is nearly always nothing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Marks(u8);

impl Marks {
    pub fn contains(&self, mark: &Mark) -> bool {
        self.0 & mark.bit() != 0
    }

    pub fn insert(&mut self, mark: Mark) {
        self.0 |= mark.bit();
    }

    pub fn is_empty(&self) -> bool {
        self.0 == 0
    }

    /// The marks in their order (unreachable, trap, no path to a human).
    pub fn iter(&self) -> impl Iterator<Item = Mark> + '_ {
        Mark::ALL.into_iter().filter(|m| self.contains(m))
    }
}

#[derive(Debug, Clone)]
pub struct Edge {
    pub from: usize,
    pub to: usize,
    pub kind: EdgeKind,
    /// Short text for drawing (may be empty); shared by the edges that have it.
    pub label: Arc<str>,
    /// The statement that makes the move.
    pub span: Span,
}

impl Edge {
    /// On the normal path (drawn solid), as opposed to failures and escalation.
    pub fn happy(&self) -> bool {
        !matches!(
            self.kind,
            EdgeKind::Handler { .. } | EdgeKind::Escalate { .. }
        )
    }
}

/// How an edge leaves its source (docs/graph.md, "Edges").
#[derive(Debug, Clone, PartialEq)]
pub enum EdgeKind {
    Next,
    Goto,
    End,
    Handoff {
        /// Shared by the hand-offs to one queue.
        queue: Arc<str>,
    },
    Option {
        /// Index of the option in its menu.
        index: usize,
        /// The menu node's own option (an `options from` list has one made for it).
        option: Arc<MenuOption>,
    },
    Branch {
        condition: String,
    },
    Handler {
        handler: HandlerKind,
        retry: Option<u32>,
        /// The input point has no handler of this kind; the flow-wide one runs.
        inherited: bool,
    },
    Escalate {
        /// Index of the rule in the `escalate` block.
        index: usize,
        rule: String,
    },
}

impl EdgeKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            EdgeKind::Next => "next",
            EdgeKind::Goto => "goto",
            EdgeKind::End => "end",
            EdgeKind::Handoff { .. } => "handoff",
            EdgeKind::Option { .. } => "option",
            EdgeKind::Branch { .. } => "branch",
            EdgeKind::Handler { .. } => "handler",
            EdgeKind::Escalate { .. } => "escalate",
        }
    }
}

/// A diagnostic of the project that points into the flow, with the nodes it is drawn on:
/// what a picture shows of it (the check, severity, message and place). Its labels, notes
/// and fixes are left behind — a flow with a warning on each of a million states would
/// otherwise hold them all while its picture is built.
#[derive(Debug, Clone)]
pub struct NodeDiagnostic {
    pub check: CheckId,
    pub severity: Severity,
    pub message: String,
    /// The diagnostic's primary span.
    pub span: Span,
    pub nodes: Vec<usize>,
}

impl NodeDiagnostic {
    /// The check's contract name, e.g. `trap-state`.
    pub fn name(&self) -> &'static str {
        self.check.check().name
    }

    /// The check's stable code, e.g. `W0101`.
    pub fn code(&self) -> &'static str {
        self.check.check().code
    }
}

impl Diagram {
    pub fn node_index(&self, id: &str) -> Option<usize> {
        self.nodes.iter().position(|n| n.id == id)
    }

    /// For each node, the node of the state it is written in (itself for a state, and for
    /// nodes outside states): renderers draw a state and its input points as one box.
    pub fn owners(&self) -> Vec<usize> {
        let states: rustc_hash::FxHashMap<&str, usize> = self
            .nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| matches!(n.kind, NodeKind::State { .. }))
            .filter_map(|(i, n)| n.state.as_deref().map(|s| (s, i)))
            .collect();
        (0..self.nodes.len())
            .map(|i| {
                self.nodes[i]
                    .state
                    .as_deref()
                    .and_then(|s| states.get(s).copied())
                    .unwrap_or(i)
            })
            .collect()
    }

    /// Which edges go back up to a busy state (one that at least [`BUSY`] other boxes lead
    /// to, nearer the start than the edge's source), by edge index; edges from boxes the
    /// start does not lead to (flow-wide handlers, unreachable states) stay arrows. Renderers draw those as
    /// a small `↩ name` reference instead of a long arrow: "back to the main menu" from
    /// every leaf of a 400-state tree would otherwise cross the whole picture (and take
    /// Graphviz ten times longer to lay out).
    pub fn loops_back(&self) -> Vec<bool> {
        self.loops_back_of(&self.owners())
    }

    /// [`Diagram::loops_back`] with the [`Diagram::owners`] a renderer already has. Flat
    /// lists, not a list or a set per node: a million-state flow would allocate millions.
    pub fn loops_back_of(&self, owners: &[usize]) -> Vec<bool> {
        let count = self.nodes.len();
        let moves: Vec<(usize, usize)> = self
            .edges
            .iter()
            .map(|edge| (owners[edge.from], owners[edge.to]))
            .filter(|&(from, to)| from != to)
            .filter(|&(_, to)| !self.is_flow_wide(to))
            .collect();
        let next = Groups::new(count, moves.iter().copied());
        // How many different boxes lead to each box.
        let mut pairs: Vec<(usize, usize)> = moves.iter().map(|&(from, to)| (to, from)).collect();
        pairs.sort_unstable();
        pairs.dedup();
        let mut sources = vec![0usize; count];
        for &(to, _) in &pairs {
            sources[to] += 1;
        }
        drop(pairs);
        let root = self
            .start
            .or_else(|| {
                self.nodes
                    .iter()
                    .position(|n| matches!(n.kind, NodeKind::State { .. }))
            })
            .map(|r| owners[r]);
        let mut level = vec![usize::MAX; count];
        if let Some(root) = root {
            level[root] = 0;
            let mut queue = std::collections::VecDeque::from([root]);
            while let Some(node) = queue.pop_front() {
                for &to in next.of(node) {
                    if level[to] == usize::MAX {
                        level[to] = level[node] + 1;
                        queue.push_back(to);
                    }
                }
            }
        }
        self.edges
            .iter()
            .map(|edge| {
                let (from, to) = (owners[edge.from], owners[edge.to]);
                matches!(self.nodes[edge.to].kind, NodeKind::State { .. })
                    && from != to
                    && sources[to] >= BUSY
                    && level[from] != usize::MAX
                    && level[to] < level[from]
            })
            .collect()
    }

    /// Is node `i` a flow-wide handler (drawn once, for every input point without its own)?
    pub fn is_flow_wide(&self, i: usize) -> bool {
        matches!(
            self.nodes[i].kind,
            NodeKind::Handler {
                flow_wide: true,
                ..
            }
        )
    }
}

/// Values grouped by a key `0..count`, in the order given, in two flat vectors (where a
/// vector per key costs an allocation per key): a box's member nodes, a box's next boxes.
pub struct Groups {
    /// Where each key's values start in `values`; one more entry than keys.
    starts: Vec<usize>,
    values: Vec<usize>,
}

impl Groups {
    pub fn new(count: usize, pairs: impl Iterator<Item = (usize, usize)> + Clone) -> Self {
        let mut starts = vec![0usize; count + 1];
        for (key, _) in pairs.clone() {
            starts[key + 1] += 1;
        }
        for i in 0..count {
            starts[i + 1] += starts[i];
        }
        let mut values = vec![0usize; starts[count]];
        let mut next = starts.clone();
        for (key, value) in pairs {
            values[next[key]] = value;
            next[key] += 1;
        }
        Groups { starts, values }
    }

    pub fn of(&self, key: usize) -> &[usize] {
        &self.values[self.starts[key]..self.starts[key + 1]]
    }
}

/// A renderer's text, built in a small buffer and handed to the writer a chunk at a time: a
/// million-state flow's picture (hundreds of megabytes) is never held whole.
pub(crate) struct Chunks<'w> {
    pub text: String,
    out: &'w mut dyn std::io::Write,
}

impl<'w> Chunks<'w> {
    const SIZE: usize = 64 * 1024;

    pub fn new(out: &'w mut dyn std::io::Write) -> Self {
        Chunks {
            text: String::with_capacity(Self::SIZE * 2),
            out,
        }
    }

    /// Writes the buffer out once it is a chunk long.
    pub fn spill(&mut self) -> std::io::Result<()> {
        if self.text.len() >= Self::SIZE {
            self.out.write_all(self.text.as_bytes())?;
            self.text.clear();
        }
        Ok(())
    }

    pub fn finish(self) -> std::io::Result<()> {
        self.out.write_all(self.text.as_bytes())?;
        self.out.flush()
    }
}

/// The text a renderer writes, as a `String` (for tests and small pictures).
pub(crate) fn to_text(
    write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> String {
    let mut bytes = Vec::new();
    // Writing into a vector cannot fail, and the renderers write only strings.
    let _ = write(&mut bytes);
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// The text cut to about `max` columns, with `…` when something was left out; Chinese,
/// Japanese and Korean characters and emoji count as two columns (they are drawn twice as
/// wide). Newlines become spaces: a label is one line.
pub fn shorten(text: &str, max: usize) -> String {
    let flat = text
        .chars()
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c });
    let total: usize = flat.clone().map(columns).sum();
    if total <= max {
        return flat.collect();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in flat {
        if used + columns(c) > max.saturating_sub(1) {
            break;
        }
        used += columns(c);
        out.push(c);
    }
    out.push('…');
    out
}

/// How many columns a character takes: 2 for East Asian wide characters and emoji.
fn columns(c: char) -> usize {
    match c as u32 {
        0x1100..=0x115F
        | 0x2E80..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x1F300..=0x1FAFF
        | 0x20000..=0x3FFFD => 2,
        _ => 1,
    }
}

/// `1 · Card services`, `1/2 · Yes`, or the label alone for an option without keys.
pub fn option_label(option: &MenuOption) -> String {
    if option.keys.is_empty() {
        option.label.clone()
    } else {
        format!("{} · {}", option.keys.join("/"), option.label)
    }
}

#[cfg(test)]
mod tests {
    use super::shorten;

    #[test]
    fn shortening_counts_wide_characters_twice() {
        assert_eq!(shorten("Press 1 for cards", 40), "Press 1 for cards");
        assert_eq!(shorten("Press 1 for cards", 8), "Press 1…");
        assert_eq!(shorten("查询订单请按1", 8), "查询订…");
        assert_eq!(shorten("a\nb", 8), "a b");
        assert_eq!(shorten("🎉🎉🎉", 5), "🎉🎉…");
    }
}
