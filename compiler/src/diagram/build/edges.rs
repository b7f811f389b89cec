//! The diagram's edges: what each move of the flow graph means to a reader (option,
//! handler, branch, rule), its label, and the repeats dropped.

use super::*;

/// Graph edges described per batch: what a batch's descriptions hold at once stays small
/// (a million-state flow's picture, model and graph are all held while edges are made).
const BATCH: usize = 1 << 16;

/// An edge as the first pass describes it, on every core: read-only work on the trees and
/// the graph. The nodes it may create (the end, a queue, a transfer) and the shared texts
/// are made afterwards, in edge order, so the picture is the same as one pass in order.
struct Move<'a> {
    from: usize,
    to: To<'a>,
    kind: Kind,
    span: Span,
    label: String,
}

enum To<'a> {
    Node(usize),
    End,
    Queue(&'a str),
    Transfer(String),
}

enum Kind {
    Made(EdgeKind),
    /// Option `index` of the menu node `node`: its own shared option, cloned in order (the
    /// same `Arc` counted from two cores at once would bounce between them).
    OwnOption {
        node: usize,
        index: usize,
    },
    /// A hand-off not made by an option: its queue is the target's.
    Handoff,
}

impl<'g, 'a> Builder<'g, 'a> {
    pub(super) fn add_edges(&mut self) -> Vec<Edge> {
        let graph = self.graph;
        let mut edges = Vec::with_capacity(graph.graph.edge_count());
        for batch in graph.graph.raw_edges().chunks(BATCH) {
            let moves = {
                let this = &*self;
                crate::parallel::map_in_order(batch, 4096, |_, edge| {
                    this.describe(edge.source(), edge.target(), edge.weight)
                })
            };
            for Move {
                from,
                to,
                kind,
                span,
                label,
            } in moves.into_iter().flatten()
            {
                let (to, queue) = match to {
                    To::Node(to) => (to, None),
                    To::End => (self.end_node(), None),
                    To::Queue(name) => {
                        let queue = self.label(name);
                        (self.queue_node(&queue), Some(queue))
                    }
                    To::Transfer(to) => (self.transfer_node(&to), None),
                };
                let kind = match kind {
                    Kind::Made(kind) => kind,
                    Kind::OwnOption { node, index } => match self.own_option(node, index) {
                        Some(option) => EdgeKind::Option {
                            index,
                            option: option.clone(),
                        },
                        None => continue,
                    },
                    Kind::Handoff => EdgeKind::Handoff {
                        queue: queue.unwrap_or_else(|| self.label("")),
                    },
                };
                let label = self.label(&label);
                edges.push(Edge {
                    from,
                    to,
                    kind,
                    label,
                    span,
                });
            }
        }
        drop_repeated_edges(&mut edges);
        // Reserved for every graph edge, and the escalate ones (one per input point) are
        // not drawn: the rest of the room is left as it is, never touched, where shrinking
        // would copy a million-state flow's edges once more.
        edges
    }

    /// The drawn edge of one graph edge, or `None` when it is not drawn.
    fn describe(
        &self,
        source: NodeIndex,
        target: NodeIndex,
        weight: graph::Edge,
    ) -> Option<Move<'a>> {
        // Moves guessed from broken input are not drawn: the picture shows what is written.
        if weight.guess != graph::Guess::Sure {
            return None;
        }
        let target_node = self.graph.node(target);
        // Every input point leads to the escalate rules: drawn once, as the rules.
        if matches!(target_node, graph::Node::Escalate) {
            return None;
        }
        let from = self.of_graph[source.index()]?;
        let at = (weight.span.start, weight.span.end);
        let to = match target_node {
            graph::Node::End => To::End,
            graph::Node::Handoff => match self.statements.handoffs.get(&at) {
                Some(handoff) => To::Queue(&handoff.queue.name),
                None => match self.statements.transfers.get(&at) {
                    Some(transfer) => To::Transfer(transfer.to.plain_text()),
                    // A line that did not parse "may hand off": nothing to draw.
                    None => return None,
                },
            },
            _ => To::Node(self.of_graph[target.index()]?),
        };
        let (kind, span) = self.edge_kind(source, target, weight);
        let label = match &kind {
            Kind::Made(kind) => edge_label(kind),
            Kind::OwnOption { node, index } => option_edge_label(self.own_option(*node, *index)?),
            Kind::Handoff => String::new(),
        };
        Some(Move {
            from,
            to,
            kind,
            span,
            label,
        })
    }

    /// Option `index` of the menu node `node`.
    fn own_option(&self, node: usize, index: usize) -> Option<&Arc<MenuOption>> {
        match &self.nodes[node].kind {
            NodeKind::Menu { options, .. } => options.get(index),
            _ => None,
        }
    }

    /// What an edge of the flow graph means to a reader, and the source it points at.
    fn edge_kind(&self, source: NodeIndex, target: NodeIndex, edge: graph::Edge) -> (Kind, Span) {
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
                    let kind = match self.of_graph[source.index()]
                        .filter(|&node| self.own_option(node, index).is_some())
                    {
                        Some(node) => Kind::OwnOption { node, index },
                        None => Kind::Made(EdgeKind::Option {
                            index,
                            option: Arc::new(self.menu_option(option)),
                        }),
                    };
                    return (kind, option.span);
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
                        Kind::Made(EdgeKind::Option {
                            index: menu.options.len(),
                            option: Arc::new(option),
                        }),
                        dynamic.span,
                    );
                }
                (self.plain_kind(source, target, edge), edge.span)
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
                    Kind::Made(EdgeKind::Handler {
                        handler: kind,
                        retry,
                        inherited: flow_wide_target,
                    }),
                    own.map_or(edge.span, |h| h.span),
                )
            }
            graph::EdgeKind::Closed | graph::EdgeKind::Error => (
                Kind::Made(EdgeKind::Handler {
                    handler: if edge.kind == graph::EdgeKind::Closed {
                        ast::HandlerKind::Closed
                    } else {
                        ast::HandlerKind::Error
                    },
                    retry: None,
                    inherited: flow_wide_target,
                }),
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
                        Kind::Made(EdgeKind::Escalate {
                            index,
                            rule: self.written(rule.condition.span),
                        }),
                        rule.span,
                    ),
                    None => (self.plain_kind(source, target, edge), edge.span),
                }
            }
            graph::EdgeKind::Direct => (self.plain_kind(source, target, edge), edge.span),
        }
    }

    /// A move that is no option, handler or rule: an `if` branch when it goes through one,
    /// else the statement that makes it.
    fn plain_kind(&self, source: NodeIndex, target: NodeIndex, edge: graph::Edge) -> Kind {
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
            .statements
            .branches
            .get(&state)
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .filter(|b| contains(b.span, edge.span))
            .filter(|b| anchor.is_none_or(|a| !contains(b.span, a)))
            .map(|b| b.label.as_str())
            .collect();
        if !conditions.is_empty() {
            return Kind::Made(EdgeKind::Branch {
                condition: conditions.join(" · "),
            });
        }
        Kind::Made(match self.graph.node(target) {
            graph::Node::State(_) => EdgeKind::Goto,
            graph::Node::End => EdgeKind::End,
            graph::Node::Handoff => return Kind::Handoff,
            _ => EdgeKind::Next,
        })
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

fn option_edge_label(option: &MenuOption) -> String {
    shorten(&option_label(option), 32)
}

fn edge_label(kind: &EdgeKind) -> String {
    match kind {
        EdgeKind::Option { option, .. } => option_edge_label(option),
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
