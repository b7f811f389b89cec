//! The flow graph: one petgraph per flow, built once and shared by every graph check
//! (reachability, traps, paths to a human, input-free cycles, menu depth).
//!
//! Nodes are the places a conversation can be: the top of each state, each input point
//! (`ask`, `menu`) where it waits for the caller, each handler block that several places
//! jump to (flow-level handlers, statement-level `on closed`/`on error`), the `escalate`
//! rules, and two exits: `end` and `handoff`. An edge means "from here, running statements
//! without waiting for the caller, control can get there"; its [`EdgeKind`] says how it
//! starts. The edges, in full:
//!
//! | kind | from → to |
//! |---|---|
//! | `Direct` | a state, or an input point after a successful answer, → the next input point, the `goto` target, `end` or `handoff`, through `if` branches (every branch, and past an `if` without `else`) and `answer … else` (both the answer and the `else`) |
//! | `Option` | a menu → what each option's action reaches |
//! | `NoMatch` / `NoInput` | an input point → what its handler reaches after the retries (the statement's own handler, else the flow-level one) |
//! | `Escalate` | every input point → the escalate node → what each rule's action reaches |
//! | `Closed` | a `handoff` to a queue with `hours` → the `on closed` handler in scope (the enclosing `ask`/`menu`'s, else the flow's) |
//! | `Option` | also a menu → what its `options from` ACTION reaches |
//! | `Error` | a `call` → its own `{ on error … }`, else the `on error` handler in scope (the enclosing `ask`/`menu`'s, else the flow's) |
//!
//! A handler action that does not end continues after its statement (as the runtime does).
//!
//! Broken input keeps the graph useful instead of switching it off (see [`super::broken`]):
//! an edge marked [`Guess::Broken`] is one a line that did not parse may take (to the states
//! whose name, or the start of it, is written on the line; to `end` or `handoff` when its
//! keywords say it may); an edge marked [`Guess::Typo`] leads from a `goto` to an unknown
//! name to the state it probably means (a "did you mean"), or, with none, to both exits: it
//! leads "somewhere that may end or reach a human". A path that falls off a state (already a
//! `missing-terminator` error, or after a broken line) leads to both exits too.

use super::broken::Line;
use crate::ast::*;
use crate::resolve::{FlowModel, Model};
use crate::source::{SourceMap, Span};
use petgraph::Direction;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;
use std::collections::{HashMap, VecDeque};

/// A place in a flow.
#[derive(Debug, Clone, Copy)]
pub enum Node<'a> {
    /// The top of a state (index into `Flow::states`).
    State(usize),
    /// An `ask` or `menu`; `state` is the state it is written in (none in flow-level blocks).
    Input {
        stmt: &'a Stmt,
        state: Option<usize>,
    },
    /// A handler block reached from several places: a flow-level handler, or the
    /// `on closed`/`on error` of an `ask`/`menu`.
    Handler {
        handler: &'a Handler,
        state: Option<usize>,
    },
    /// The `escalate` rules, reached from every input point.
    Escalate,
    /// A line that did not parse and may be an input point: the caller may be waiting here,
    /// so no input-free cycle runs through it.
    Broken { span: Span, state: Option<usize> },
    /// A flow-level line that did not parse (a handler, an `escalate` rule): like them,
    /// reached from every input point.
    BrokenFlowItem,
    /// `end`.
    End,
    /// `handoff` (to any queue).
    Handoff,
}

impl<'a> Node<'a> {
    /// The state this node belongs to, if any.
    pub fn state(&self) -> Option<usize> {
        match *self {
            Node::State(i) => Some(i),
            Node::Input { state, .. }
            | Node::Handler { state, .. }
            | Node::Broken { state, .. } => state,
            Node::Escalate | Node::BrokenFlowItem | Node::End | Node::Handoff => None,
        }
    }

    pub fn is_menu(&self) -> bool {
        matches!(
            self,
            Node::Input {
                stmt: Stmt {
                    kind: StmtKind::Menu(_),
                    ..
                },
                ..
            }
        )
    }
}

/// How an edge leaves its source node (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EdgeKind {
    Direct,
    Option,
    NoMatch,
    NoInput,
    Escalate,
    Closed,
    Error,
}

/// Whether an edge is written in the flow or guessed from broken input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guess {
    /// Written: a `goto`, an option, a handler…
    Sure,
    /// A line that did not parse may take it.
    Broken,
    /// A `goto` to an unknown name: to the state it probably means, or to both exits.
    Typo,
}

/// An edge: how it starts, and the statement that makes the move (`goto`, `end`, `handoff`,
/// the `ask`/`menu` entered, or the `call`/`handoff` whose handler runs).
#[derive(Debug, Clone, Copy)]
pub struct Edge {
    pub kind: EdgeKind,
    pub span: Span,
    pub guess: Guess,
}

/// A `goto` (or `start`) to an unknown name and the state it probably means.
#[derive(Debug, Clone, Copy)]
pub struct Typo<'a> {
    /// The name as written.
    pub name: &'a Ident,
    /// The state it probably means (index into `Flow::states`).
    pub state: usize,
}

#[derive(Debug)]
pub struct FlowGraph<'a> {
    pub graph: DiGraph<Node<'a>, Edge>,
    /// The start state's node.
    pub start: NodeIndex,
    /// The node of each state, by index into `Flow::states`.
    pub states: Vec<NodeIndex>,
    /// Every input point, in the order written.
    pub inputs: Vec<NodeIndex>,
    pub end: NodeIndex,
    pub handoff: NodeIndex,
    /// Reachable from the start state, by node index (guessed edges included).
    pub reachable: Vec<bool>,
    /// Reachable from the start state without the edges of unknown `goto` names.
    pub reachable_without_typos: Vec<bool>,
    /// Breadth-first discovery order from the start (`u32::MAX` when unreachable): "the
    /// first a caller meets".
    pub order: Vec<u32>,
    /// Can reach `end` or `handoff`, by node index.
    pub can_finish: Vec<bool>,
    /// Can reach `handoff`, by node index.
    pub can_handoff: Vec<bool>,
    /// A broken line may lead to a state whose name is not typed yet (`goto` with nothing
    /// after it): any state may be its target, so "no path leads here" cannot be claimed.
    pub any_state: bool,
    /// The start state is a guess (the `start` line names an unknown state, or is broken).
    pub start_guessed: bool,
    /// Unknown `goto` names and the states they probably mean.
    pub typos: Vec<Typo<'a>>,
}

impl<'a> FlowGraph<'a> {
    /// Builds the graph of a flow; unknown names and broken lines become guessed edges (see
    /// the module documentation). `None` when no start state can be told, not even guessed.
    pub fn build(
        model: &Model<'a>,
        flow: &FlowModel<'a>,
        sources: &'a SourceMap,
    ) -> Option<FlowGraph<'a>> {
        let f = flow.flow;
        let mut state_ids: HashMap<&'a str, usize, FastHash> =
            HashMap::with_capacity_and_hasher(f.states.len(), FastHash::default());
        for (i, state) in f.states.iter().enumerate() {
            if let Some(name) = state.name.text() {
                state_ids.entry(name).or_insert(i);
            }
        }
        let flow_lines: Vec<Line<'a>> = f.errors.iter().map(|s| Line::read(sources, *s)).collect();
        let (start, start_guessed) = start_state(f, &state_ids, &flow_lines)?;
        // Typical flows: a state, an input point and four or five moves per state.
        let mut graph = DiGraph::with_capacity(f.states.len() * 2 + 8, f.states.len() * 6 + 8);
        let end = graph.add_node(Node::End);
        let handoff = graph.add_node(Node::Handoff);
        let states: Vec<NodeIndex> = (0..f.states.len())
            .map(|i| graph.add_node(Node::State(i)))
            .collect();
        let mut builder = Builder {
            model,
            graph,
            state_ids,
            states,
            end,
            handoff,
            inputs: Vec::with_capacity(f.states.len()),
            flow_handlers: HashMap::new(),
            escalate: None,
            local_fallthrough: HashMap::new(),
            pool: Vec::new(),
            sources,
            sorted_names: None,
            flow,
            any_state: false,
            typos: Vec::new(),
            broken_hub: None,
        };
        builder.build_flow(f, &flow_lines);
        let Builder {
            graph,
            states,
            inputs,
            any_state,
            typos,
            ..
        } = builder;
        let start = states[start];
        let (reachable, order) = bfs_order(&graph, start, |_| true);
        let (reachable_without_typos, _) =
            bfs_order(&graph, start, |e: &Edge| e.guess != Guess::Typo);
        let can_finish = reach(&graph, &[end, handoff], Direction::Incoming);
        let can_handoff = reach(&graph, &[handoff], Direction::Incoming);
        Some(FlowGraph {
            graph,
            start,
            states,
            inputs,
            end,
            handoff,
            reachable,
            reachable_without_typos,
            order,
            can_finish,
            can_handoff,
            any_state,
            start_guessed,
            typos,
        })
    }

    pub fn node(&self, index: NodeIndex) -> Node<'a> {
        self.graph[index]
    }
}

/// Where control is while walking a block: the node it left from and how.
type Pos = (NodeIndex, EdgeKind);

/// The statement-level `on closed`/`on error` handlers in effect.
#[derive(Debug, Clone, Copy, Default)]
struct Scope {
    closed: Option<NodeIndex>,
    error: Option<NodeIndex>,
}

struct Builder<'a, 'm> {
    model: &'m Model<'a>,
    graph: DiGraph<Node<'a>, Edge>,
    state_ids: HashMap<&'a str, usize, FastHash>,
    states: Vec<NodeIndex>,
    end: NodeIndex,
    handoff: NodeIndex,
    inputs: Vec<NodeIndex>,
    flow_handlers: HashMap<HandlerKind, NodeIndex>,
    escalate: Option<NodeIndex>,
    /// Where a statement-level `on closed`/`on error` block lets control continue.
    local_fallthrough: HashMap<NodeIndex, Vec<Pos>>,
    /// Spare position lists: walking 100,000 states should not allocate for each option.
    pool: Vec<Vec<Pos>>,
    sources: &'a SourceMap,
    /// State names, sorted, for finding the states a broken line names the start of (made
    /// on the first broken line).
    sorted_names: Option<Vec<(&'a str, usize)>>,
    flow: &'m FlowModel<'a>,
    any_state: bool,
    typos: Vec<Typo<'a>>,
    /// The node of the flow-level lines that did not parse, if any.
    broken_hub: Option<NodeIndex>,
}

impl<'a> Builder<'a, '_> {
    fn build_flow(&mut self, f: &'a Flow, flow_lines: &[Line<'a>]) {
        // The first flow-level handler of a kind counts (a second one is a copy).
        for handler in &f.handlers {
            if !self.flow_handlers.contains_key(&handler.kind) {
                let node = self.graph.add_node(Node::Handler {
                    handler,
                    state: None,
                });
                self.flow_handlers.insert(handler.kind, node);
            }
        }
        if !f.escalate.is_empty() {
            self.escalate = Some(self.graph.add_node(Node::Escalate));
        }
        // Broken flow-level lines other than `start` and declarations may be handlers or
        // `escalate` rules: reached from every input point, like those.
        let items: Vec<&Line<'a>> = flow_lines.iter().filter(|l| is_flow_item(l)).collect();
        if !items.is_empty() {
            let hub = self.graph.add_node(Node::BrokenFlowItem);
            self.broken_hub = Some(hub);
            for line in items {
                let from = self.one(hub, EdgeKind::Escalate);
                let after = self.broken_line(line, from, None);
                self.recycle(after);
            }
        }
        let flow_scope = Scope {
            closed: self.flow_handlers.get(&HandlerKind::Closed).copied(),
            error: self.flow_handlers.get(&HandlerKind::Error).copied(),
        };
        for handler in &f.handlers {
            let node = self.flow_handlers[&handler.kind];
            if !matches!(self.graph[node], Node::Handler { handler: h, .. } if std::ptr::eq(h, handler))
            {
                continue;
            }
            // A flow-level handler does not catch its own failures.
            let mut scope = flow_scope;
            match handler.kind {
                HandlerKind::Closed => scope.closed = None,
                HandlerKind::Error => scope.error = None,
                _ => {}
            }
            let from = self.one(node, EdgeKind::Direct);
            let after = self.walk(&handler.action, from, scope, None);
            self.recycle(after);
        }
        if let Some(hub) = self.escalate {
            for rule in &f.escalate {
                let from = self.one(hub, EdgeKind::Escalate);
                let after = self.walk(&rule.action, from, flow_scope, None);
                self.recycle(after);
            }
        }
        for (i, state) in f.states.iter().enumerate() {
            let node = self.states[i];
            let from = self.one(node, EdgeKind::Direct);
            let after = self.walk(&state.body, from, flow_scope, Some(i));
            // Falling off a state is an error already reported (or follows a broken line):
            // assume the missing end may finish or reach a human rather than report a trap.
            let at = state.name.as_ref().map_or(state.span, |n| n.span);
            self.connect_guess(&after, self.end, at, Guess::Broken);
            self.connect_guess(&after, self.handoff, at, Guess::Broken);
            self.recycle(after);
        }
    }

    fn connect(&mut self, from: &[Pos], to: NodeIndex, span: Span) {
        self.connect_guess(from, to, span, Guess::Sure);
    }

    fn connect_guess(&mut self, from: &[Pos], to: NodeIndex, span: Span, guess: Guess) {
        for &(node, kind) in from {
            self.graph.add_edge(node, to, Edge { kind, span, guess });
        }
    }

    /// Like [`Self::connect`], every edge of the given kind.
    fn connect_as(&mut self, from: &[Pos], kind: EdgeKind, to: NodeIndex, span: Span) {
        for &(node, _) in from {
            self.graph.add_edge(
                node,
                to,
                Edge {
                    kind,
                    span,
                    guess: Guess::Sure,
                },
            );
        }
    }

    /// The states whose name, or the start of it, is written on `line`.
    fn named_states(&mut self, line: &Line<'a>) -> Vec<usize> {
        let states = &self.flow.flow.states;
        let sorted = self.sorted_names.get_or_insert_with(|| {
            let mut names: Vec<(&'a str, usize)> = states
                .iter()
                .enumerate()
                .filter_map(|(i, s)| Some((s.name.as_ref()?.name.as_str(), i)))
                .collect();
            names.sort_unstable();
            names
        });
        let mut found = Vec::new();
        for word in &line.words {
            let from = sorted.partition_point(|(name, _)| *name < *word);
            for &(name, i) in &sorted[from..] {
                if !name.starts_with(word) {
                    break;
                }
                if super::broken::mentions(word, name) && self.state_ids.get(name) == Some(&i) {
                    found.push(i);
                }
            }
        }
        found.sort_unstable();
        found.dedup();
        found
    }

    /// A line that did not parse, reached from `from`: it may lead to the states it names
    /// (or the start of whose names it holds), may end or hand off when its keywords say
    /// so, and may wait for the caller. Returns where control goes on after it.
    fn broken_line(
        &mut self,
        line: &Line<'a>,
        mut from: Vec<Pos>,
        state: Option<usize>,
    ) -> Vec<Pos> {
        let moves = line.moves();
        let span = line.span;
        for target in self.named_states(line) {
            let to = self.states[target];
            self.connect_guess(&from, to, span, Guess::Broken);
        }
        if moves.goto && !line.names_after_goto() {
            // `goto` with the name still to be typed: it may be any state, and wherever
            // that is may finish or reach a person.
            self.any_state = true;
            self.connect_guess(&from, self.end, span, Guess::Broken);
            self.connect_guess(&from, self.handoff, span, Guess::Broken);
        }
        if moves.end {
            self.connect_guess(&from, self.end, span, Guess::Broken);
        }
        if moves.handoff {
            self.connect_guess(&from, self.handoff, span, Guess::Broken);
        }
        if moves.ends_path {
            from.clear();
        } else if moves.waits {
            let node = self.graph.add_node(Node::Broken { span, state });
            self.connect_guess(&from, node, span, Guess::Broken);
            from.clear();
            from.push((node, EdgeKind::Direct));
        }
        from
    }

    fn one(&mut self, node: NodeIndex, kind: EdgeKind) -> Vec<Pos> {
        let mut positions = self.pool.pop().unwrap_or_default();
        positions.push((node, kind));
        positions
    }

    fn copy(&mut self, from: &[Pos]) -> Vec<Pos> {
        let mut positions = self.pool.pop().unwrap_or_default();
        positions.extend_from_slice(from);
        positions
    }

    fn recycle(&mut self, mut positions: Vec<Pos>) {
        positions.clear();
        self.pool.push(positions);
    }

    /// Walks `block` with control at `from`; returns where control is when the block's
    /// end is reached (empty when every path left with `goto`, `end` or `handoff`).
    fn walk(
        &mut self,
        block: &'a Block,
        mut from: Vec<Pos>,
        scope: Scope,
        state: Option<usize>,
    ) -> Vec<Pos> {
        for stmt in &block.statements {
            if from.is_empty() {
                break; // dead code after a `goto`, `end` or `handoff`
            }
            match &stmt.kind {
                StmtKind::Say(_) | StmtKind::Speak(_) | StmtKind::Set { .. } => {}
                // A transfer ends the conversation here and puts the caller through to a
                // person at another number: like a hand-off, it reaches a human.
                StmtKind::Transfer(_) => {
                    self.connect(&from, self.handoff, stmt.span);
                    from.clear();
                }
                // A line that did not parse may have been any statement; its syntax error
                // is reported, so assume it can finish and reach a human rather than
                // warning about traps that fixing the typo would remove.
                StmtKind::Error => {
                    let line = Line::read(self.sources, stmt.span);
                    // A broken `call` may fail and a broken `handoff` may find its queue
                    // closed: the `on error` / `on closed` handler in scope may follow.
                    for (keyword, kind, handler) in [
                        ("call", EdgeKind::Error, scope.error),
                        ("handoff", EdgeKind::Closed, scope.closed),
                    ] {
                        if let Some(handler) = handler
                            && line.starts_with_keyword(&[keyword])
                        {
                            let guessed: Vec<Pos> = from.iter().map(|&(n, _)| (n, kind)).collect();
                            self.connect_guess(&guessed, handler, stmt.span, Guess::Broken);
                        }
                    }
                    from = self.broken_line(&line, from, state);
                }
                StmtKind::Goto(target) => {
                    match self.state_ids.get(target.name.as_str()) {
                        Some(&i) => {
                            let to = self.states[i];
                            self.connect(&from, to, stmt.span);
                        }
                        None => self.unknown_target(target, &from, stmt.span),
                    }
                    from.clear();
                }
                StmtKind::End => {
                    self.connect(&from, self.end, stmt.span);
                    from.clear();
                }
                StmtKind::Handoff(handoff) => {
                    self.connect(&from, self.handoff, stmt.span);
                    // A queue whose declaration did not parse may have hours.
                    let has_hours = match self.model.queues.get(&handoff.queue.name) {
                        Some(queue) => queue.hours.is_some(),
                        None => self
                            .model
                            .broken
                            .contains(&("queue".to_string(), handoff.queue.name.clone())),
                    };
                    let closed = scope.closed.filter(|_| has_hours);
                    if let Some(closed) = closed {
                        self.connect_as(&from, EdgeKind::Closed, closed, stmt.span);
                    }
                    from.clear();
                    if let Some(after) = closed.and_then(|c| self.local_fallthrough.get(&c)) {
                        from.extend_from_slice(after);
                    }
                }
                StmtKind::Call(call) => {
                    // `call … { on error ACTION }` for this call alone.
                    let own = call.handlers.iter().find(|h| h.kind == HandlerKind::Error);
                    let error = match own {
                        Some(handler) => {
                            let node = self.graph.add_node(Node::Handler { handler, state });
                            let start = self.one(node, EdgeKind::Direct);
                            let after = self.walk(&handler.action, start, scope, state);
                            self.local_fallthrough.insert(node, after);
                            Some(node)
                        }
                        None => scope.error,
                    };
                    if let Some(error) = error {
                        self.connect_as(&from, EdgeKind::Error, error, stmt.span);
                        if let Some(after) = self.local_fallthrough.get(&error) {
                            from.extend(after.iter().copied());
                            dedup(&mut from);
                        }
                    }
                }
                StmtKind::If(if_) => {
                    let mut out = self.copy(&[]);
                    for (_, branch) in &if_.branches {
                        let start = self.copy(&from);
                        let after = self.walk(branch, start, scope, state);
                        out.extend_from_slice(&after);
                        self.recycle(after);
                    }
                    match &if_.otherwise {
                        Some(otherwise) => {
                            let after = self.walk(otherwise, from, scope, state);
                            out.extend_from_slice(&after);
                            self.recycle(after);
                        }
                        None => {
                            out.extend_from_slice(&from);
                            self.recycle(from);
                        }
                    }
                    dedup(&mut out);
                    from = out;
                }
                StmtKind::Answer(answer) => {
                    if let Some(otherwise) = &answer.otherwise {
                        let start = self.copy(&from);
                        let alternative = self.walk(otherwise, start, scope, state);
                        from.extend_from_slice(&alternative);
                        self.recycle(alternative);
                        dedup(&mut from);
                    }
                }
                StmtKind::Ask(ask) => {
                    let after = self.input_point(stmt, &ask.handlers, None, &from, scope, state);
                    self.recycle(std::mem::replace(&mut from, after));
                }
                StmtKind::Menu(menu) => {
                    let after =
                        self.input_point(stmt, &menu.handlers, Some(menu), &from, scope, state);
                    self.recycle(std::mem::replace(&mut from, after));
                }
            }
        }
        from
    }

    // The walk's position and scope travel with the statement's parts: a struct for them
    // would only be unpacked again here.
    #[allow(clippy::too_many_arguments)]
    fn input_point(
        &mut self,
        stmt: &'a Stmt,
        handlers: &'a [Handler],
        menu: Option<&'a Menu>,
        from: &[Pos],
        outer: Scope,
        state: Option<usize>,
    ) -> Vec<Pos> {
        let options: &'a [MenuOption] = menu.map_or(&[], |m| &m.options);
        let dynamic = menu.and_then(|m| m.dynamic.as_deref());
        let input = self.graph.add_node(Node::Input { stmt, state });
        self.inputs.push(input);
        self.connect(from, input, stmt.span);
        // The statement's own `on closed`/`on error` cover its options and handlers.
        let mut scope = outer;
        for handler in handlers {
            if matches!(handler.kind, HandlerKind::Closed | HandlerKind::Error) {
                let node = self.graph.add_node(Node::Handler { handler, state });
                let start = self.one(node, EdgeKind::Direct);
                let after = self.walk(&handler.action, start, outer, state);
                self.local_fallthrough.insert(node, after);
                match handler.kind {
                    HandlerKind::Closed => scope.closed = Some(node),
                    _ => scope.error = Some(node),
                }
            }
        }
        // A menu moves on only through its options; an answered `ask` goes on from here.
        let mut after = self.copy(&[]);
        if options.is_empty() && dynamic.is_none() {
            after.push((input, EdgeKind::Direct));
        }
        let actions = options.iter().map(|o| &o.action);
        for action in actions.chain(dynamic.map(|d| &d.action)) {
            let start = self.one(input, EdgeKind::Option);
            let reached = self.walk(action, start, scope, state);
            after.extend_from_slice(&reached);
            self.recycle(reached);
        }
        // Menu lines that did not parse: options or handlers whose action is what is
        // written on them.
        if let StmtKind::Menu(menu) = &stmt.kind {
            for span in &menu.errors {
                let line = Line::read(self.sources, *span);
                let start = self.one(input, EdgeKind::Option);
                let reached = self.broken_line(&line, start, state);
                after.extend_from_slice(&reached);
                self.recycle(reached);
            }
        }
        for (kind, edge) in [
            (HandlerKind::NoMatch, EdgeKind::NoMatch),
            (HandlerKind::NoInput, EdgeKind::NoInput),
        ] {
            match handlers.iter().find(|h| h.kind == kind) {
                Some(handler) => {
                    let start = self.one(input, edge);
                    let reached = self.walk(&handler.action, start, scope, state);
                    after.extend_from_slice(&reached);
                    self.recycle(reached);
                }
                None => {
                    if let Some(&node) = self.flow_handlers.get(&kind) {
                        self.graph.add_edge(
                            input,
                            node,
                            Edge {
                                kind: edge,
                                span: stmt.span,
                                guess: Guess::Sure,
                            },
                        );
                    }
                }
            }
        }
        if let Some(hub) = self.escalate {
            self.graph.add_edge(
                input,
                hub,
                Edge {
                    kind: EdgeKind::Escalate,
                    span: stmt.span,
                    guess: Guess::Sure,
                },
            );
        }
        if let Some(hub) = self.broken_hub {
            self.graph.add_edge(
                input,
                hub,
                Edge {
                    kind: EdgeKind::Escalate,
                    span: stmt.span,
                    guess: Guess::Broken,
                },
            );
        }
        dedup(&mut after);
        after
    }

    /// A `goto` to a name the flow does not have (its `unknown-state` error is reported):
    /// it leads to the state it probably means, or, with none, somewhere that may end or
    /// reach a human.
    fn unknown_target(&mut self, target: &'a Ident, from: &[Pos], span: Span) {
        let names = self.flow.flow.states.iter().filter_map(|s| s.name.text());
        let meant = crate::suggest::closest(&target.name, names)
            .and_then(|name| self.state_ids.get(name).copied());
        match meant {
            Some(i) => {
                self.typos.push(Typo {
                    name: target,
                    state: i,
                });
                let to = self.states[i];
                self.connect_guess(from, to, span, Guess::Typo);
            }
            None => {
                self.connect_guess(from, self.end, span, Guess::Typo);
                self.connect_guess(from, self.handoff, span, Guess::Typo);
            }
        }
    }
}

/// A broken flow-level line that may be a handler or an `escalate` rule (not a `start`,
/// `slot` or `channel` line, which lead nowhere).
fn is_flow_item(line: &Line) -> bool {
    !line.starts_with_keyword(&["start", "slot", "channel", "language", "state"])
}

/// The start state: the one `start` names; else, when `start` names an unknown state or its
/// line is broken, the state it probably means (or the first state): `(index, guessed)`.
fn start_state(
    f: &Flow,
    state_ids: &HashMap<&str, usize, FastHash>,
    flow_lines: &[Line],
) -> Option<(usize, bool)> {
    if let Some(start) = &f.start {
        if let Some(&i) = state_ids.get(start.name.as_str()) {
            return Some((i, false));
        }
        let names = f.states.iter().filter_map(|s| s.name.text());
        let meant = crate::suggest::closest(&start.name, names)
            .and_then(|n| state_ids.get(n).copied())
            .unwrap_or(0);
        return (!f.states.is_empty()).then_some((meant, true));
    }
    let line = flow_lines
        .iter()
        .find(|l| l.starts_with_keyword(&["start"]))?;
    let named = f
        .states
        .iter()
        .position(|s| {
            line.words
                .iter()
                .skip(1)
                .any(|w| s.name.text().is_some_and(|n| super::broken::mentions(w, n)))
        })
        .unwrap_or(0);
    (!f.states.is_empty()).then_some((named, true))
}

/// State names are short and trusted (our own source): a fast non-keyed hash keeps
/// 100,000-state flows quick.
pub type FastHash = rustc_hash::FxBuildHasher;

fn dedup(positions: &mut Vec<Pos>) {
    if positions.len() > 1 {
        positions.sort_by_key(|&(n, k)| (n.index(), k as u8));
        positions.dedup_by_key(|&mut (n, k)| (n.index(), k as u8));
    }
}

/// Breadth-first from `start` along the edges `follow` accepts: which nodes are reachable,
/// and in what order.
fn bfs_order(
    graph: &DiGraph<Node, Edge>,
    start: NodeIndex,
    follow: impl Fn(&Edge) -> bool,
) -> (Vec<bool>, Vec<u32>) {
    let mut seen = vec![false; graph.node_count()];
    let mut order = vec![u32::MAX; graph.node_count()];
    let mut queue = VecDeque::with_capacity(graph.node_count());
    seen[start.index()] = true;
    queue.push_back(start);
    let mut next = 0;
    while let Some(node) = queue.pop_front() {
        order[node.index()] = next;
        next += 1;
        for edge in graph.edges(node) {
            if !follow(edge.weight()) {
                continue;
            }
            let to = edge.target();
            if !seen[to.index()] {
                seen[to.index()] = true;
                queue.push_back(to);
            }
        }
    }
    (seen, order)
}

/// Every node reachable from `sources` following edges in `direction` (`Incoming`: every
/// node that can reach a source).
pub fn reach(
    graph: &DiGraph<Node, Edge>,
    sources: &[NodeIndex],
    direction: Direction,
) -> Vec<bool> {
    let mut seen = vec![false; graph.node_count()];
    let mut stack: Vec<NodeIndex> = Vec::with_capacity(graph.node_count());
    for &source in sources {
        if !seen[source.index()] {
            seen[source.index()] = true;
            stack.push(source);
        }
    }
    while let Some(node) = stack.pop() {
        for next in graph.neighbors_directed(node, direction) {
            if !seen[next.index()] {
                seen[next.index()] = true;
                stack.push(next);
            }
        }
    }
    seen
}
