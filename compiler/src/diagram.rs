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

use crate::ast::{Channel, HandlerKind};
use crate::diagnostic::Diagnostic;
use crate::source::Span;

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
    /// Short text for drawing.
    pub label: String,
    /// The state the node is written in.
    pub state: Option<String>,
    /// Where an editor jumps; `None` for `end` and `more` nodes.
    pub span: Option<Span>,
    pub reachable: bool,
    pub marks: Vec<Mark>,
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
        options: Vec<MenuOption>,
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

#[derive(Debug, Clone, PartialEq, Eq)]
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
}

#[derive(Debug, Clone)]
pub struct Edge {
    pub from: usize,
    pub to: usize,
    pub kind: EdgeKind,
    /// Short text for drawing (may be empty).
    pub label: String,
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
        queue: String,
    },
    Option {
        /// Index of the option in its menu.
        index: usize,
        option: MenuOption,
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

/// A diagnostic of the project that points into the flow, with the nodes it is drawn on.
#[derive(Debug, Clone)]
pub struct NodeDiagnostic {
    pub diagnostic: Diagnostic,
    pub nodes: Vec<usize>,
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
        let owners = self.owners();
        let count = self.nodes.len();
        let mut next: Vec<Vec<usize>> = vec![Vec::new(); count];
        let mut sources: Vec<rustc_hash::FxHashSet<usize>> = vec![Default::default(); count];
        for edge in &self.edges {
            let (from, to) = (owners[edge.from], owners[edge.to]);
            if from != to && !self.is_flow_wide(edge.to) {
                next[from].push(to);
                sources[to].insert(from);
            }
        }
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
                for &to in &next[node] {
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
                    && sources[to].len() >= BUSY
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
