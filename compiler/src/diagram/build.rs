//! From the checks' [`FlowGraph`] to a [`Diagram`]: node ids, labels, edge kinds, the
//! hand-off split per queue, diagnostics attached to nodes, and the part of a big flow.

use super::unique::UniqueIds;
use super::*;
use crate::analysis::Analysis;
use crate::ast::{self, Flow, NameText, State, Stmt, StmtKind};
use crate::check::graph::{self, FlowGraph};
use crate::diagnostic::Diagnostic;
use crate::resolve::{self, FlowModel, Model};
use crate::source::SourceMap;
use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;
use rustc_hash::FxHashMap;
use std::borrow::Cow;
use std::collections::VecDeque;
use std::sync::Arc;

/// Why no picture could be drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BuildError {
    /// The project declares no flow.
    NoFlows,
    /// Several flows and none named.
    FlowRequired { flows: Vec<String> },
    UnknownFlow {
        name: String,
        suggestion: Option<String>,
        flows: Vec<String>,
    },
    /// The flow's `start` is missing or names no state (reported by `csflow check`).
    NoStart { flow: String },
    /// `--from` names no state of the flow.
    UnknownState {
        name: String,
        flow: String,
        suggestion: Option<String>,
    },
}

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let did_you_mean = |s: &Option<String>| match s {
            Some(s) => format!(" (did you mean `{s}`?)"),
            None => String::new(),
        };
        match self {
            BuildError::NoFlows => write!(f, "the project declares no flow to draw"),
            BuildError::FlowRequired { flows } => write!(
                f,
                "the project has {} flows: say which to draw with --flow NAME ({})",
                flows.len(),
                flows.join(", ")
            ),
            BuildError::UnknownFlow {
                name,
                suggestion,
                flows,
            } => write!(
                f,
                "there is no flow `{name}`{}; the flows are: {}",
                did_you_mean(suggestion),
                flows.join(", ")
            ),
            BuildError::NoStart { flow } => write!(
                f,
                "the flow `{flow}` has no `start` state that exists, so there is nothing to draw from (run `csflow check`)"
            ),
            BuildError::UnknownState {
                name,
                flow,
                suggestion,
            } => write!(
                f,
                "the flow `{flow}` has no state `{name}`{}",
                did_you_mean(suggestion)
            ),
        }
    }
}

impl std::error::Error for BuildError {}

impl Diagram {
    /// The picture of the flow `flow` (the only flow when `None`) of an analysed project,
    /// or of its `part`.
    pub fn build(
        analysis: &Analysis,
        flow: Option<&str>,
        part: Option<&Part>,
    ) -> Result<Diagram, BuildError> {
        Self::build_with(analysis, Cow::Borrowed(&analysis.diagnostics), flow, part)
    }

    /// [`Diagram::build`] that takes the analysis' diagnostics instead of copying the ones
    /// it draws (the analysis is left without any): for a caller that is done with them.
    pub fn build_taking_diagnostics(
        analysis: &mut Analysis,
        flow: Option<&str>,
        part: Option<&Part>,
    ) -> Result<Diagram, BuildError> {
        let diagnostics = std::mem::take(&mut analysis.diagnostics);
        Self::build_with(analysis, Cow::Owned(diagnostics), flow, part)
    }

    fn build_with(
        analysis: &Analysis,
        diagnostics: Cow<'_, [Diagnostic]>,
        flow: Option<&str>,
        part: Option<&Part>,
    ) -> Result<Diagram, BuildError> {
        let (mut diagram, drawn) = {
            let (model, _, _) = resolve::resolve(&analysis.files);
            let flow_model = pick_flow(&model, flow)?;
            // What the picture shows of the flow's diagnostics, taken before the flow graph
            // and the picture are built: the rest of them (labels, notes, fixes) is freed.
            let drawn = Drawn::of(flow_model.flow, diagnostics);
            let graph =
                FlowGraph::build(&model, flow_model, &analysis.sources).ok_or_else(|| {
                    BuildError::NoStart {
                        flow: flow_name(flow_model.flow),
                    }
                })?;
            let diagram = Builder::new(&model, flow_model, &graph, &analysis.sources).build();
            // The model and the flow graph are freed here, before the diagnostics are
            // attached: a million-state flow's graph is hundreds of megabytes.
            (diagram, drawn)
        };
        let flow = drawn.flow;
        attach_diagnostics(&mut diagram, drawn);
        match part {
            Some(part) => restrict(&diagram, flow, part),
            None => Ok(diagram),
        }
    }
}

fn pick_flow<'m, 'a>(
    model: &'m Model<'a>,
    name: Option<&str>,
) -> Result<&'m FlowModel<'a>, BuildError> {
    let names: Vec<String> = model.flows.iter().map(|f| flow_name(f.flow)).collect();
    match name {
        None => match model.flows.as_slice() {
            [] => Err(BuildError::NoFlows),
            [only] => Ok(only),
            _ => Err(BuildError::FlowRequired { flows: names }),
        },
        Some(name) => model.flow(name).ok_or_else(|| {
            if names.is_empty() {
                return BuildError::NoFlows;
            }
            BuildError::UnknownFlow {
                name: name.to_string(),
                suggestion: crate::suggest::closest(name, names.iter().map(String::as_str))
                    .map(str::to_string),
                flows: names.clone(),
            }
        }),
    }
}

/// An `if` branch or an `answer … else` block, with the label its edges get.
struct Branch {
    span: Span,
    label: String,
}

struct Builder<'g, 'a> {
    model: &'g Model<'a>,
    flow: &'a Flow,
    graph: &'g FlowGraph<'a>,
    sources: &'g SourceMap,
    nodes: Vec<Node>,
    /// Diagram node of each graph node (`None` for the shared hand-off node).
    of_graph: Vec<Option<usize>>,
    ids: UniqueIds,
    end: Option<usize>,
    queues: FxHashMap<String, usize>,
    /// The `handoff` statements, by span: which queue a hand-off edge goes to.
    handoffs: FxHashMap<(u32, u32), &'a ast::Handoff>,
    /// The `transfer` statements, by span (the graph counts them as reaching a human).
    transfers: FxHashMap<(u32, u32), &'a ast::Transfer>,
    /// The branches written in each state (`None`: outside states), in source order.
    branches: FxHashMap<Option<usize>, Vec<Branch>>,
    /// The input points' nodes by state (`usize::MAX`: outside states), in state order:
    /// which one a statement-level handler belongs to.
    inputs_of: Vec<(usize, usize)>,
    /// Each state's name, shared by the nodes written in it.
    state_names: Vec<Arc<str>>,
    /// Labels given so far: an edge label is often the same text as many others.
    labels: rustc_hash::FxHashSet<Arc<str>>,
    /// Menu options drawn so far: "0 · agent" in every menu of a flow is held once.
    options: rustc_hash::FxHashSet<Arc<MenuOption>>,
}

impl<'g, 'a> Builder<'g, 'a> {
    fn new(
        model: &'g Model<'a>,
        flow_model: &'g FlowModel<'a>,
        graph: &'g FlowGraph<'a>,
        sources: &'g SourceMap,
    ) -> Self {
        Builder {
            model,
            flow: flow_model.flow,
            graph,
            sources,
            // Every graph node but the shared hand-off becomes one node; a few ends, queues
            // and transfers come on top. Reserved once: growing a vector of a million nodes
            // copies it again and again.
            nodes: Vec::with_capacity(graph.graph.node_count() + 8),
            of_graph: vec![None; graph.graph.node_count()],
            ids: UniqueIds::with_capacity(graph.graph.node_count() + 8),
            end: None,
            queues: FxHashMap::default(),
            handoffs: FxHashMap::default(),
            transfers: FxHashMap::default(),
            branches: FxHashMap::default(),
            inputs_of: Vec::new(),
            state_names: Vec::with_capacity(flow_model.flow.states.len()),
            labels: Default::default(),
            options: Default::default(),
        }
    }

    fn build(mut self) -> Diagram {
        self.index_statements();
        self.add_states();
        self.add_inputs();
        self.add_handlers();
        let start = self.of_graph[self.graph.start.index()];
        let edges = self.add_edges();
        let mut diagram = Diagram {
            flow: flow_name(self.flow),
            channel: self.flow.channel.map(|(c, _)| c),
            span: self.flow.span,
            start,
            part: None,
            nodes: self.nodes,
            edges,
            diagnostics: Vec::new(),
        };
        // Ends and hand-offs are reachable when something reachable leads there.
        for i in 0..diagram.edges.len() {
            let edge = &diagram.edges[i];
            if diagram.nodes[edge.from].reachable {
                let to = edge.to;
                diagram.nodes[to].reachable = true;
            }
        }
        diagram
    }

    fn written(&self, span: Span) -> String {
        self.sources.slice(span).to_string()
    }

    /// A string literal as written, without its quotes (escapes and `{…}` kept).
    fn string(&self, text: &ast::Str) -> String {
        let written = self.sources.slice(text.span);
        written
            .strip_prefix('"')
            .and_then(|s| s.strip_suffix('"'))
            .unwrap_or(written)
            .to_string()
    }

    /// `wanted`, or `wanted#2`, `wanted#3`… when an earlier node has it (two `on error`
    /// blocks of one state).
    fn unique_id(&mut self, wanted: String) -> String {
        let nodes = &self.nodes;
        let mut n = 1;
        self.ids.unique(
            wanted,
            |i| &nodes[i].id,
            || {
                n += 1;
                format!("#{n}")
            },
        )
    }

    /// `text` as a shared label: the one given before when there was one.
    fn label(&mut self, text: &str) -> Arc<str> {
        if let Some(label) = self.labels.get(text) {
            return label.clone();
        }
        let label: Arc<str> = Arc::from(text);
        self.labels.insert(label.clone());
        label
    }

    fn push(
        &mut self,
        id: String,
        kind: NodeKind,
        label: Arc<str>,
        state: Option<Arc<str>>,
    ) -> usize {
        let id = self.unique_id(id);
        self.ids.take(&id, self.nodes.len());
        self.nodes.push(Node {
            id,
            kind,
            label,
            state,
            span: None,
            reachable: false,
            marks: Marks::default(),
            diagnostics: Vec::new(),
        });
        self.nodes.len() - 1
    }

    fn state_name(&self, state: Option<usize>) -> Option<Arc<str>> {
        state.map(|i| self.state_names[i].clone())
    }

    fn index_statements(&mut self) {
        let flow = self.flow;
        let sources = self.sources;
        let mut handoffs = FxHashMap::default();
        let mut transfers = FxHashMap::default();
        let mut branches: FxHashMap<Option<usize>, Vec<Branch>> = FxHashMap::default();
        let mut visit = |state: Option<usize>, stmt: &'a Stmt| match &stmt.kind {
            StmtKind::Handoff(handoff) => {
                handoffs.insert((stmt.span.start, stmt.span.end), &**handoff);
            }
            StmtKind::Transfer(transfer) => {
                transfers.insert((stmt.span.start, stmt.span.end), &**transfer);
            }
            StmtKind::If(if_) => {
                for (condition, block) in &if_.branches {
                    branches.entry(state).or_default().push(Branch {
                        span: block.span,
                        label: sources.slice(condition.span).to_string(),
                    });
                }
                if let Some(otherwise) = &if_.otherwise {
                    branches.entry(state).or_default().push(Branch {
                        span: otherwise.span,
                        label: "else".into(),
                    });
                }
            }
            StmtKind::Answer(answer) => {
                if let Some(otherwise) = &answer.otherwise {
                    branches.entry(state).or_default().push(Branch {
                        span: otherwise.span,
                        label: "not answered".into(),
                    });
                }
            }
            _ => {}
        };
        for (i, state) in flow.states.iter().enumerate() {
            crate::visit::each_stmt(&state.body, &mut |s| visit(Some(i), s));
        }
        for handler in &flow.handlers {
            crate::visit::each_stmt(&handler.action, &mut |s| visit(None, s));
        }
        for rule in &flow.escalate {
            crate::visit::each_stmt(&rule.action, &mut |s| visit(None, s));
        }
        self.handoffs = handoffs;
        self.transfers = transfers;
        self.branches = branches;
    }

    fn add_states(&mut self) {
        let start_state = self.graph.node(self.graph.start).state();
        for (i, state) in self.flow.states.iter().enumerate() {
            let name: Arc<str> = Arc::from(state_name(state));
            self.state_names.push(name.clone());
            let node = self.push(
                format!("state:{name}"),
                NodeKind::State {
                    name_span: state.name.as_ref().map_or(state.span, |n| n.span),
                    start: Some(i) == start_state,
                },
                name.clone(),
                Some(name),
            );
            self.nodes[node].span = Some(state.span);
            self.map(self.graph.states[i], node);
        }
    }

    fn map(&mut self, graph_node: NodeIndex, node: usize) {
        self.of_graph[graph_node.index()] = Some(node);
        self.nodes[node].reachable = self.graph.reachable[graph_node.index()];
    }

    /// Input points get `input:STATE:N`, numbered in source order within their state.
    fn add_inputs(&mut self) {
        let mut inputs: Vec<(Option<usize>, u32, NodeIndex)> = self
            .graph
            .inputs
            .iter()
            .filter_map(|&n| match self.graph.node(n) {
                graph::Node::Input { stmt, state } => Some((state, stmt.span.start, n)),
                _ => None,
            })
            .collect();
        inputs.sort_by_key(|&(state, start, _)| (state.map_or(usize::MAX, |s| s), start));
        let mut number = 0;
        let mut previous = None;
        for (state, _, graph_node) in inputs {
            if previous != Some(state) {
                number = 0;
                previous = Some(state);
            }
            let graph::Node::Input { stmt, .. } = self.graph.node(graph_node) else {
                continue;
            };
            let owner = self.state_name(state);
            let id = format!("input:{}:{number}", owner.as_deref().unwrap_or("flow"));
            number += 1;
            let (kind, label) = match &stmt.kind {
                StmtKind::Menu(menu) => {
                    let prompt = self.string(&menu.prompt);
                    let options = menu
                        .options
                        .iter()
                        .map(|o| self.shared_option(self.menu_option(o)))
                        .collect();
                    let label = Arc::from(shorten(&prompt, 40));
                    (NodeKind::Menu { prompt, options }, label)
                }
                StmtKind::Ask(ask) => (
                    NodeKind::Ask {
                        prompt: self.string(&ask.prompt),
                        slot: ask.slot.name.clone(),
                    },
                    Arc::from(format!("ask {}", ask.slot.name)),
                ),
                _ => continue,
            };
            let node = self.push(id, kind, label, owner);
            self.nodes[node].span = Some(stmt.span);
            self.map(graph_node, node);
            self.inputs_of.push((state.unwrap_or(usize::MAX), node));
        }
    }

    /// `option`, or the same option drawn before.
    fn shared_option(&mut self, option: MenuOption) -> Arc<MenuOption> {
        if let Some(shared) = self.options.get(&option) {
            return shared.clone();
        }
        let option = Arc::new(option);
        self.options.insert(option.clone());
        option
    }

    fn menu_option(&self, option: &ast::MenuOption) -> MenuOption {
        MenuOption {
            label: self.string(&option.label),
            keys: option.keys.iter().map(|k| k.keys.clone()).collect(),
            intents: option.intents.iter().map(|i| i.name.clone()).collect(),
            phrases: option.phrases.iter().map(|p| self.string(p)).collect(),
        }
    }

    fn add_handlers(&mut self) {
        for graph_node in self.graph.graph.node_indices() {
            match self.graph.node(graph_node) {
                graph::Node::Handler { handler, state } => {
                    let flow_wide = self.flow.handlers.iter().any(|h| std::ptr::eq(h, handler));
                    let kind = handler.kind.as_str();
                    let id = if flow_wide {
                        format!("handler:{kind}")
                    } else {
                        // The input point whose `on closed`/`on error` this is.
                        let key = state.unwrap_or(usize::MAX);
                        let first = self.inputs_of.partition_point(|&(s, _)| s < key);
                        let owner = self.inputs_of[first..]
                            .iter()
                            .take_while(|&&(s, _)| s == key)
                            .map(|&(_, i)| &self.nodes[i])
                            .filter(|n| n.span.is_some_and(|s| contains(s, handler.span)))
                            .min_by_key(|n| n.span.map_or(u32::MAX, |s| s.end - s.start));
                        match owner {
                            Some(input) => {
                                format!("handler:{}:{kind}", &input.id["input:".len()..])
                            }
                            None => format!(
                                "handler:{}:{kind}",
                                self.state_name(state).unwrap_or_default()
                            ),
                        }
                    };
                    let label = match &handler.retry {
                        Some(retry) => self.label(&format!("on {kind} · retry {}", retry.count)),
                        None => self.label(&format!("on {kind}")),
                    };
                    let node = self.push(
                        id,
                        NodeKind::Handler {
                            handler: handler.kind,
                            retry: handler.retry.as_ref().map(|r| r.count),
                            flow_wide,
                        },
                        label,
                        self.state_name(state),
                    );
                    self.nodes[node].span = Some(handler.span);
                    self.map(graph_node, node);
                }
                graph::Node::Escalate => {
                    let rules = self
                        .flow
                        .escalate
                        .iter()
                        .map(|r| self.written(r.condition.span))
                        .collect();
                    let node = self.push(
                        "escalate".into(),
                        NodeKind::Escalate { rules },
                        Arc::from("escalate"),
                        None,
                    );
                    let span = match (self.flow.escalate.first(), self.flow.escalate.last()) {
                        (Some(first), Some(last)) => Some(first.span.to(last.span)),
                        _ => None,
                    };
                    self.nodes[node].span = span;
                    self.map(graph_node, node);
                }
                _ => {}
            }
        }
    }

    fn end_node(&mut self) -> usize {
        if let Some(end) = self.end {
            return end;
        }
        let end = self.push("end".into(), NodeKind::End, Arc::from("end"), None);
        self.end = Some(end);
        end
    }

    fn queue_node(&mut self, queue: &str) -> usize {
        if let Some(&node) = self.queues.get(queue) {
            return node;
        }
        let node = self.push(
            format!("handoff:{queue}"),
            NodeKind::Handoff {
                queue: queue.to_string(),
            },
            Arc::from(queue),
            None,
        );
        self.nodes[node].span = self.model.queues.get(queue).map(|q| q.span);
        self.queues.insert(queue.to_string(), node);
        node
    }

    fn transfer_node(&mut self, to: &str) -> usize {
        let id = format!("transfer:{to}");
        // Kept beside the queues' nodes; no queue name holds a `:`.
        if let Some(&node) = self.queues.get(&id) {
            return node;
        }
        let node = self.push(
            id.clone(),
            NodeKind::Transfer { to: to.to_string() },
            Arc::from(to),
            None,
        );
        self.queues.insert(id, node);
        node
    }

    fn add_edges(&mut self) -> Vec<Edge> {
        let graph = self.graph;
        let mut edges = Vec::with_capacity(graph.graph.edge_count());
        for edge in graph.graph.edge_references() {
            let (source, target, weight) = (edge.source(), edge.target(), *edge.weight());
            // Moves guessed from broken input are not drawn: the picture shows what is written.
            if weight.guess != graph::Guess::Sure {
                continue;
            }
            let target_node = graph.node(target);
            // Every input point leads to the escalate rules: drawn once, as the rules.
            if matches!(target_node, graph::Node::Escalate) {
                continue;
            }
            let Some(from) = self.of_graph[source.index()] else {
                continue;
            };
            let queue = match target_node {
                graph::Node::Handoff => self
                    .handoffs
                    .get(&(weight.span.start, weight.span.end))
                    .copied()
                    .map(|h| self.label(&h.queue.name)),
                _ => None,
            };
            let to = match target_node {
                graph::Node::End => self.end_node(),
                graph::Node::Handoff => match &queue {
                    Some(queue) => self.queue_node(queue),
                    None if let Some(transfer) =
                        self.transfers.get(&(weight.span.start, weight.span.end)) =>
                    {
                        let to = transfer.to.plain_text();
                        self.transfer_node(&to)
                    }
                    // A line that did not parse "may hand off": nothing to draw.
                    None => continue,
                },
                _ => match self.of_graph[target.index()] {
                    Some(to) => to,
                    None => continue,
                },
            };
            let (kind, span) = self.edge_kind(source, target, weight, queue);
            let label = self.label(&edge_label(&kind));
            edges.push(Edge {
                from,
                to,
                kind,
                label,
                span,
            });
        }
        drop_repeated_edges(&mut edges);
        // Reserved for every graph edge, and the escalate ones (one per input point) are
        // not drawn: the rest of the room is left as it is, never touched, where shrinking
        // would copy a million-state flow's edges once more.
        edges
    }

    /// What an edge of the flow graph means to a reader, and the source it points at.
    fn edge_kind(
        &self,
        source: NodeIndex,
        target: NodeIndex,
        edge: graph::Edge,
        queue: Option<Arc<str>>,
    ) -> (EdgeKind, Span) {
        let source_node = self.graph.node(source);
        let flow_wide_target = matches!(
            self.graph.node(target),
            graph::Node::Handler { handler, .. }
                if self.flow.handlers.iter().any(|h| std::ptr::eq(h, handler))
        );
        match edge.kind {
            graph::EdgeKind::Option => {
                if let graph::Node::Input { stmt, .. } = source_node
                    && let StmtKind::Menu(menu) = &stmt.kind
                    && let Some((index, option)) = menu
                        .options
                        .iter()
                        .enumerate()
                        .find(|(_, o)| contains(o.span, edge.span))
                {
                    let own = self.of_graph[source.index()].and_then(|node| {
                        match &self.nodes[node].kind {
                            NodeKind::Menu { options, .. } => options.get(index).cloned(),
                            _ => None,
                        }
                    });
                    return (
                        EdgeKind::Option {
                            index,
                            option: own.unwrap_or_else(|| Arc::new(self.menu_option(option))),
                        },
                        option.span,
                    );
                }
                // `options from`: one edge for all its items, keyed 1..N.
                if let graph::Node::Input { stmt, .. } = source_node
                    && let StmtKind::Menu(menu) = &stmt.kind
                    && let Some(dynamic) = menu.dynamic.as_deref()
                    && contains(dynamic.span, edge.span)
                {
                    let option = MenuOption {
                        label: format!("each item: {}", self.string(&dynamic.label)),
                        keys: vec![format!("1..{}", dynamic.max_items())],
                        intents: Vec::new(),
                        phrases: Vec::new(),
                    };
                    return (
                        EdgeKind::Option {
                            index: menu.options.len(),
                            option: Arc::new(option),
                        },
                        dynamic.span,
                    );
                }
                (self.plain_kind(source, target, edge, queue), edge.span)
            }
            graph::EdgeKind::NoMatch | graph::EdgeKind::NoInput => {
                let kind = if edge.kind == graph::EdgeKind::NoMatch {
                    ast::HandlerKind::NoMatch
                } else {
                    ast::HandlerKind::NoInput
                };
                let own = match source_node {
                    graph::Node::Input { stmt, .. } => input_handlers(stmt)
                        .iter()
                        .find(|h| h.kind == kind && !flow_wide_target),
                    _ => None,
                };
                let retry = match (own, self.graph.node(target)) {
                    (Some(handler), _) => handler.retry.as_ref().map(|r| r.count),
                    (None, graph::Node::Handler { handler, .. }) => {
                        handler.retry.as_ref().map(|r| r.count)
                    }
                    _ => None,
                };
                (
                    EdgeKind::Handler {
                        handler: kind,
                        retry,
                        inherited: flow_wide_target,
                    },
                    own.map_or(edge.span, |h| h.span),
                )
            }
            graph::EdgeKind::Closed | graph::EdgeKind::Error => (
                EdgeKind::Handler {
                    handler: if edge.kind == graph::EdgeKind::Closed {
                        ast::HandlerKind::Closed
                    } else {
                        ast::HandlerKind::Error
                    },
                    retry: None,
                    inherited: flow_wide_target,
                },
                edge.span,
            ),
            graph::EdgeKind::Escalate => {
                match self
                    .flow
                    .escalate
                    .iter()
                    .enumerate()
                    .find(|(_, r)| contains(r.span, edge.span))
                {
                    Some((index, rule)) => (
                        EdgeKind::Escalate {
                            index,
                            rule: self.written(rule.condition.span),
                        },
                        rule.span,
                    ),
                    None => (self.plain_kind(source, target, edge, queue), edge.span),
                }
            }
            graph::EdgeKind::Direct => (self.plain_kind(source, target, edge, queue), edge.span),
        }
    }

    /// A move that is no option, handler or rule: an `if` branch when it goes through one,
    /// else the statement that makes it.
    fn plain_kind(
        &self,
        source: NodeIndex,
        target: NodeIndex,
        edge: graph::Edge,
        queue: Option<Arc<str>>,
    ) -> EdgeKind {
        let source_node = self.graph.node(source);
        let anchor = match source_node {
            graph::Node::State(i) => {
                let state = &self.flow.states[i];
                Some(state.name.as_ref().map_or(state.span, |n| n.span))
            }
            graph::Node::Input { stmt, .. } => Some(stmt.span),
            graph::Node::Handler { handler, .. } => Some(handler.span),
            _ => None,
        };
        let state = source_node.state();
        let conditions: Vec<&str> = self
            .branches
            .get(&state)
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .filter(|b| contains(b.span, edge.span))
            .filter(|b| anchor.is_none_or(|a| !contains(b.span, a)))
            .map(|b| b.label.as_str())
            .collect();
        if !conditions.is_empty() {
            return EdgeKind::Branch {
                condition: conditions.join(" · "),
            };
        }
        match self.graph.node(target) {
            graph::Node::State(_) => EdgeKind::Goto,
            graph::Node::End => EdgeKind::End,
            graph::Node::Handoff => EdgeKind::Handoff {
                queue: queue.unwrap_or_else(|| Arc::from("")),
            },
            _ => EdgeKind::Next,
        }
    }
}

/// Drops each edge that repeats an earlier one (same ends, kind and label: two `goto`s to
/// one state in one box are one arrow), keeping the order. Sorting finds the repeats in
/// O(n log n) and a few bytes an edge, where a set of them held a copy of every label: by
/// the ends first (integers side by side in one flat list, quick), then by kind and label
/// only where the ends repeat.
fn drop_repeated_edges(edges: &mut Vec<Edge>) {
    // Twelve bytes an edge: this runs while a million-state flow's whole picture, model
    // and graph are held. A project under the source size limit has far fewer than 2³²
    // nodes and edges; past that nothing is dropped rather than something wrongly.
    let small = |n: usize| u32::try_from(n).ok();
    let mut ends: Vec<(u32, u32, u32)> = Vec::with_capacity(edges.len());
    for (i, edge) in edges.iter().enumerate() {
        let (Some(from), Some(to), Some(i)) = (small(edge.from), small(edge.to), small(i)) else {
            return;
        };
        ends.push((from, to, i));
    }
    ends.sort_unstable();
    let key = |i: u32| {
        let edge = &edges[i as usize];
        (edge.kind.as_str(), &*edge.label)
    };
    let mut keep = vec![true; edges.len()];
    for run in ends.chunk_by_mut(|a, b| (a.0, a.1) == (b.0, b.1)) {
        if run.len() > 1 {
            run.sort_by(|a, b| key(a.2).cmp(&key(b.2)).then(a.2.cmp(&b.2)));
            for pair in run.windows(2) {
                if key(pair[0].2) == key(pair[1].2) {
                    keep[pair[1].2 as usize] = false;
                }
            }
        }
    }
    drop(ends);
    let mut index = 0;
    edges.retain(|_| {
        index += 1;
        keep[index - 1]
    });
}

fn input_handlers(stmt: &Stmt) -> &[ast::Handler] {
    match &stmt.kind {
        StmtKind::Menu(menu) => &menu.handlers,
        StmtKind::Ask(ask) => &ask.handlers,
        _ => &[],
    }
}

/// Does `outer` cover `inner` (same file)?
fn contains(outer: Span, inner: Span) -> bool {
    outer.file == inner.file && outer.start <= inner.start && inner.end <= outer.end
}

fn edge_label(kind: &EdgeKind) -> String {
    match kind {
        EdgeKind::Option { option, .. } => shorten(&option_label(option), 32),
        EdgeKind::Branch { condition } => shorten(condition, 32),
        EdgeKind::Handler {
            handler,
            retry,
            inherited,
        } => {
            let mut label = handler.as_str().to_string();
            if let Some(retry) = retry {
                label.push_str(&format!(" ×{retry}"));
            }
            if *inherited {
                label.push_str(" (flow)");
            }
            label
        }
        EdgeKind::Escalate { rule, .. } => shorten(rule, 32),
        EdgeKind::Next | EdgeKind::Goto | EdgeKind::End | EdgeKind::Handoff { .. } => String::new(),
    }
}

/// The diagnostics that point into a flow, as a picture shows them, before they are
/// attached to nodes.
struct Drawn<'a> {
    flow: &'a Flow,
    diagnostics: Vec<NodeDiagnostic>,
    /// The other places a trap, a path to a human or an input-free cycle is drawn on:
    /// (index into `diagnostics`, span of one of its secondary labels), in index order.
    also: Vec<(usize, Span)>,
}

impl<'a> Drawn<'a> {
    fn of(flow: &'a Flow, diagnostics: Cow<'_, [Diagnostic]>) -> Drawn<'a> {
        let inside = |d: &Diagnostic| contains(flow.span, d.primary.span);
        let mut drawn = Drawn {
            flow,
            diagnostics: Vec::with_capacity(diagnostics.iter().filter(|d| inside(d)).count()),
            also: Vec::new(),
        };
        let mut keep = |d: &Diagnostic, message: String| {
            if matches!(
                d.name(),
                "trap-state" | "no-path-to-human" | "input-free-cycle"
            ) {
                let index = drawn.diagnostics.len();
                drawn
                    .also
                    .extend(d.secondary.iter().map(|label| (index, label.span)));
            }
            drawn.diagnostics.push(NodeDiagnostic {
                check: d.id,
                severity: d.severity,
                message,
                span: d.primary.span,
                nodes: Vec::new(),
            });
        };
        // Moved when the caller gave them away, else copied.
        match diagnostics {
            Cow::Borrowed(all) => {
                for d in all.iter().filter(|d| inside(d)) {
                    keep(d, d.message.clone());
                }
            }
            Cow::Owned(all) => {
                for mut d in all.into_iter().filter(inside) {
                    let message = std::mem::take(&mut d.message);
                    keep(&d, message);
                }
            }
        }
        drawn
    }
}

/// Diagnostics that point into the flow, attached to the innermost node holding them
/// (and, for traps and paths to a human, to every node their labels point at).
fn attach_diagnostics(diagram: &mut Diagram, drawn: Drawn<'_>) {
    if drawn.diagnostics.is_empty() {
        return;
    }
    // States do not overlap: a binary search finds the one holding a span, then the
    // innermost of its menus, questions and handlers (100,000-state flows stay quick).
    let owners = diagram.owners();
    let mut states: Vec<(Span, usize)> = Vec::new();
    let mut members: Vec<(usize, usize)> = Vec::new();
    let mut outside: Vec<usize> = Vec::new();
    for (i, node) in diagram.nodes.iter().enumerate() {
        let Some(span) = node.span else { continue };
        match node.kind {
            NodeKind::State { .. } => states.push((span, i)),
            NodeKind::Menu { .. } | NodeKind::Ask { .. } | NodeKind::Handler { .. } => {
                if owners[i] == i {
                    outside.push(i);
                } else {
                    members.push((owners[i], i));
                }
            }
            _ => {}
        }
    }
    drop(owners);
    let members = Groups::new(diagram.nodes.len(), members.into_iter());
    states.sort_by_key(|(span, _)| span.start);
    let nodes = &diagram.nodes;
    let innermost = |candidates: &[usize], span: Span| {
        candidates
            .iter()
            .copied()
            .filter(|&i| nodes[i].span.is_some_and(|s| contains(s, span)))
            .min_by_key(|&i| nodes[i].span.map_or(u32::MAX, |s| s.end - s.start))
    };
    let holder = |span: Span| {
        let after = states.partition_point(|(s, _)| s.start <= span.start);
        match after.checked_sub(1).map(|i| states[i]) {
            Some((state_span, state)) if contains(state_span, span) => {
                Some(innermost(members.of(state), span).unwrap_or(state))
            }
            _ => innermost(&outside, span),
        }
    };
    let Drawn {
        mut diagnostics,
        also,
        ..
    } = drawn;
    let mut also = also.into_iter().peekable();
    for (index, diagnostic) in diagnostics.iter_mut().enumerate() {
        let mut on: Vec<usize> = holder(diagnostic.span).into_iter().collect();
        while let Some((_, span)) = also.next_if(|&(of, _)| of == index) {
            on.extend(holder(span));
        }
        on.dedup();
        diagnostic.nodes = on;
    }
    for (index, diagnostic) in diagnostics.iter().enumerate() {
        let mark = Mark::of(diagnostic.name());
        for &node in &diagnostic.nodes {
            let node = &mut diagram.nodes[node];
            if !node.diagnostics.contains(&index) {
                node.diagnostics.push(index);
            }
            if let Some(mark) = mark {
                node.marks.insert(mark);
            }
        }
    }
    diagram.diagnostics = diagnostics;
}

/// The part of `diagram` within `part.depth` moves of the state `part.from`. Edges that
/// leave the part end in a `more:NAME` node, so nothing is silently cut off.
fn restrict(diagram: &Diagram, flow: &Flow, part: &Part) -> Result<Diagram, BuildError> {
    let Some(from) = diagram.node_index(&format!("state:{}", part.from)) else {
        return Err(BuildError::UnknownState {
            name: part.from.clone(),
            flow: flow_name(flow),
            suggestion: crate::suggest::closest(
                &part.from,
                flow.states.iter().filter_map(|s| s.name.text()),
            )
            .map(str::to_string),
        });
    };
    let owners = diagram.owners();
    let owner = |node: usize| diagram.nodes[node].state.is_some().then(|| owners[node]);
    // "Back to the main menu" leads up, not into the part: it is drawn as a reference.
    let loops_back = diagram.loops_back();
    let mut next: Vec<Vec<usize>> = vec![Vec::new(); diagram.nodes.len()];
    for (index, edge) in diagram.edges.iter().enumerate() {
        if loops_back[index] {
            continue;
        }
        if let (Some(a), NodeKind::State { .. }) = (owner(edge.from), &diagram.nodes[edge.to].kind)
            && a != edge.to
        {
            next[a].push(edge.to);
        }
    }
    let mut depth = vec![usize::MAX; diagram.nodes.len()];
    depth[from] = 0;
    let mut queue = VecDeque::from([from]);
    while let Some(state) = queue.pop_front() {
        if depth[state] == part.depth {
            continue;
        }
        for &to in &next[state] {
            if depth[to] == usize::MAX {
                depth[to] = depth[state] + 1;
                queue.push_back(to);
            }
        }
    }
    let inside = |node: usize| match owner(node) {
        Some(state) => depth[state] != usize::MAX,
        // Flow-wide handlers and the escalate rules apply everywhere.
        None => matches!(
            diagram.nodes[node].kind,
            NodeKind::Handler { .. } | NodeKind::Escalate { .. }
        ),
    };
    let mut nodes: Vec<Node> = Vec::new();
    let mut new_index = vec![usize::MAX; diagram.nodes.len()];
    for (i, node) in diagram.nodes.iter().enumerate() {
        if inside(i) {
            new_index[i] = nodes.len();
            nodes.push(node.clone());
        }
    }
    let mut more: FxHashMap<usize, usize> = FxHashMap::default();
    let mut edges = Vec::new();
    for edge in &diagram.edges {
        if !inside(edge.from) {
            continue;
        }
        let target = &diagram.nodes[edge.to];
        let to = if inside(edge.to) {
            new_index[edge.to]
        } else if matches!(target.kind, NodeKind::State { .. }) {
            *more.entry(edge.to).or_insert_with(|| {
                nodes.push(Node {
                    id: format!("more:{}", target.label),
                    kind: NodeKind::More,
                    label: target.label.clone(),
                    state: None,
                    span: None,
                    reachable: target.reachable,
                    marks: Marks::default(),
                    diagnostics: Vec::new(),
                });
                nodes.len() - 1
            })
        } else {
            // An end or a hand-off: kept when something inside leads there.
            if new_index[edge.to] == usize::MAX {
                new_index[edge.to] = nodes.len();
                nodes.push(target.clone());
            }
            new_index[edge.to]
        };
        edges.push(Edge {
            from: new_index[edge.from],
            to,
            ..edge.clone()
        });
    }
    // Diagnostics stay when they belong to the flow as a whole or to a node drawn.
    let mut diagnostics = Vec::new();
    let mut new_diagnostic = vec![usize::MAX; diagram.diagnostics.len()];
    for (i, d) in diagram.diagnostics.iter().enumerate() {
        let kept: Vec<usize> = d
            .nodes
            .iter()
            .filter(|&&n| new_index[n] != usize::MAX)
            .map(|&n| new_index[n])
            .collect();
        if d.nodes.is_empty() || !kept.is_empty() {
            new_diagnostic[i] = diagnostics.len();
            diagnostics.push(NodeDiagnostic {
                nodes: kept,
                ..d.clone()
            });
        }
    }
    for node in &mut nodes {
        node.diagnostics = node
            .diagnostics
            .iter()
            .filter(|&&d| new_diagnostic[d] != usize::MAX)
            .map(|&d| new_diagnostic[d])
            .collect();
    }
    Ok(Diagram {
        flow: diagram.flow.clone(),
        channel: diagram.channel,
        span: diagram.span,
        start: diagram
            .start
            .map(|s| new_index[s])
            .filter(|&s| s != usize::MAX),
        part: Some(part.clone()),
        nodes,
        edges,
        diagnostics,
    })
}

/// The name of a flow of the model (the resolver keeps only flows with a name).
fn flow_name(flow: &Flow) -> String {
    flow.name.text().unwrap_or_default().to_string()
}

/// A state's name; a state whose name was not written (a broken line) is drawn as `?`.
fn state_name(state: &State) -> &str {
    state.name.text().unwrap_or("?")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    fn edge(from: usize, to: usize, kind: EdgeKind, label: &str) -> Edge {
        Edge {
            from,
            to,
            kind,
            label: Arc::from(label),
            span: Span::new(FileId(0), 0, 0),
        }
    }

    #[test]
    fn only_exact_repeats_are_dropped_and_the_order_is_kept() {
        let mut edges = vec![
            edge(0, 1, EdgeKind::Goto, ""),
            edge(2, 1, EdgeKind::Goto, ""),
            edge(0, 1, EdgeKind::End, ""),
            edge(0, 1, EdgeKind::Goto, ""),
            edge(0, 1, EdgeKind::Goto, "x"),
            edge(1, 0, EdgeKind::Goto, ""),
            edge(0, 1, EdgeKind::End, ""),
        ];
        drop_repeated_edges(&mut edges);
        let kept: Vec<(usize, usize, &str, &str)> = edges
            .iter()
            .map(|e| (e.from, e.to, e.kind.as_str(), &*e.label))
            .collect();
        assert_eq!(
            kept,
            [
                (0, 1, "goto", ""),
                (2, 1, "goto", ""),
                (0, 1, "end", ""),
                (0, 1, "goto", "x"),
                (1, 0, "goto", ""),
            ]
        );
    }

    #[test]
    fn many_edges_between_two_nodes_keep_one_per_label() {
        // A state with thousands of branches to one state: one run of equal ends.
        let mut edges: Vec<Edge> = (0..20_000)
            .map(|i| edge(3, 4, EdgeKind::Goto, &format!("c{}", i % 100)))
            .collect();
        drop_repeated_edges(&mut edges);
        assert_eq!(edges.len(), 100);
        assert_eq!(&*edges[0].label, "c0");
        assert_eq!(&*edges[99].label, "c99");
    }
}
