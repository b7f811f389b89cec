//! From the checks' [`FlowGraph`] to a [`Diagram`]: node ids, labels, edge kinds, the
//! hand-off split per queue, diagnostics attached to nodes, and the part of a big flow.

mod attach;
mod edges;
mod part;

use super::unique::UniqueIds;
use super::*;
use crate::analysis::Analysis;
use crate::ast::{self, Flow, NameText, State, Stmt, StmtKind};
use crate::check::graph::{self, FlowGraph};
use crate::diagnostic::Diagnostic;
use crate::resolve::{self, FlowModel, Model};
use crate::source::SourceMap;
use attach::{Drawn, attach_diagnostics};
use part::restrict;
use petgraph::graph::NodeIndex;
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
            // The flow graph on one core; the diagnostics and the statements the picture
            // looks up on the other (they read only the trees).
            let sources = &analysis.sources;
            let ((drawn, statements), graph) = crate::parallel::join(
                || {
                    let drawn = Drawn::of(flow_model.flow, diagnostics);
                    (drawn, Statements::index(flow_model.flow, sources))
                },
                || FlowGraph::build(&model, flow_model, sources),
            );
            let graph = graph.ok_or_else(|| BuildError::NoStart {
                flow: flow_name(flow_model.flow),
            })?;
            let diagram = Builder::new(&model, flow_model, &graph, sources, statements).build();
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

/// The statements an edge of the flow graph is looked up in, found by span.
struct Statements<'a> {
    /// The `handoff` statements: which queue a hand-off edge goes to.
    handoffs: FxHashMap<(u32, u32), &'a ast::Handoff>,
    /// The `transfer` statements (the graph counts them as reaching a human).
    transfers: FxHashMap<(u32, u32), &'a ast::Transfer>,
    /// The branches written in each state (`None`: outside states), in source order.
    branches: FxHashMap<Option<usize>, Vec<Branch>>,
}

impl<'a> Statements<'a> {
    fn index(flow: &'a Flow, sources: &SourceMap) -> Statements<'a> {
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
        Statements {
            handoffs,
            transfers,
            branches,
        }
    }
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
    statements: Statements<'a>,
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
        statements: Statements<'a>,
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
            statements,
            inputs_of: Vec::new(),
            state_names: Vec::with_capacity(flow_model.flow.states.len()),
            labels: Default::default(),
            options: Default::default(),
        }
    }

    fn build(mut self) -> Diagram {
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
    /// blocks of one state), given to the next node.
    fn unique_id(&mut self, wanted: String) -> String {
        let nodes = &self.nodes;
        let mut n = 1;
        self.ids.give(
            wanted,
            nodes.len(),
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
}

/// Does `outer` cover `inner` (same file)?
fn contains(outer: Span, inner: Span) -> bool {
    outer.file == inner.file && outer.start <= inner.start && inner.end <= outer.end
}

/// The name of a flow of the model (the resolver keeps only flows with a name).
fn flow_name(flow: &Flow) -> String {
    flow.name.text().unwrap_or_default().to_string()
}

/// A state's name; a state whose name was not written (a broken line) is drawn as `?`.
fn state_name(state: &State) -> &str {
    state.name.text().unwrap_or("?")
}
