//! Where callers can get to: `unreachable-state`, `trap-state`, `no-path-to-human` and the
//! `input-free-cycle` error, all on the shared [`FlowGraph`].

use super::graph::{EdgeKind, FlowGraph, Guess, Node};
use super::{Context, edits};
use crate::ast::*;
use crate::diagnostic::Diagnostic;
use crate::diagnostic::ids;
use crate::resolve::FlowModel;
use crate::source::Span;
use petgraph::Direction;
use petgraph::graph::NodeIndex;
use petgraph::visit::{EdgeFiltered, EdgeRef, NodeFiltered};
use std::collections::VecDeque;

/// Labels beyond this many are summed up in a note, so a huge loop stays readable.
const MAX_LABELS: usize = 12;

pub fn check(
    context: &Context,
    flow: &FlowModel,
    graph: &FlowGraph,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let in_cycle = input_free_cycles(flow, graph, diagnostics);
    unreachable_states(context, flow, graph, diagnostics);
    let trapped = traps(flow, graph, &in_cycle, diagnostics);
    no_path_to_human(flow, graph, &trapped, diagnostics);
}

/// `input-free-cycle`: strongly connected states joined by `Direct` edges only (gotos,
/// `if` branches, `answer … else`), so no input point lies between them — counting as no
/// input point an `ask` of a slot nothing in the flow clears (`set SLOT = none`): from the
/// second time round it is skipped, the slot being set. Returns, by state index, which
/// states are in such a cycle.
fn input_free_cycles(
    flow: &FlowModel,
    graph: &FlowGraph,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<bool> {
    let states = &flow.flow.states;
    let mut in_cycle = vec![false; states.len()];
    let mut cleared: std::collections::HashSet<&str> = std::collections::HashSet::new();
    crate::visit::each_flow_stmt(flow.flow, &mut |stmt| {
        if let StmtKind::Set { slot, value } = &stmt.kind
            && matches!(value.kind, ExprKind::None)
        {
            cleared.insert(slot.name.as_str());
        }
    });
    let skipped = |n: NodeIndex| match graph.graph[n] {
        Node::Input {
            stmt: Stmt {
                kind: StmtKind::Ask(ask),
                ..
            },
            ..
        } => {
            flow.slots.contains_key(ask.slot.name.as_str())
                && !cleared.contains(ask.slot.name.as_str())
        }
        _ => false,
    };
    let passes = |n: NodeIndex| matches!(graph.graph[n], Node::State(_)) || skipped(n);
    // Guessed moves (broken lines, unknown names) never make an error.
    let is_direct = |edge: petgraph::graph::EdgeReference<'_, super::graph::Edge>| {
        edge.weight().kind == EdgeKind::Direct
            && edge.weight().guess == Guess::Sure
            && passes(edge.source())
            && passes(edge.target())
    };
    // Most flows move between states only through input points: nothing to search.
    if !graph.graph.edge_references().any(is_direct) {
        return in_cycle;
    }
    let direct = EdgeFiltered::from_fn(&graph.graph, is_direct);
    let mut cycles: Vec<(Vec<usize>, Vec<NodeIndex>)> = Vec::new();
    for component in petgraph::algo::kosaraju_scc(&direct) {
        let looped = component.len() > 1
            || component.first().is_some_and(|&n| {
                graph
                    .graph
                    .find_edge(n, n)
                    .is_some_and(|e| graph.graph[e].kind == EdgeKind::Direct)
            });
        if !looped {
            continue;
        }
        let mut members: Vec<usize> = component
            .iter()
            .filter_map(|&n| match graph.node(n) {
                Node::State(i) => Some(i),
                _ => None,
            })
            .collect();
        if members.is_empty() {
            continue;
        }
        members.sort_unstable();
        let mut asks: Vec<NodeIndex> = component.iter().copied().filter(|&n| skipped(n)).collect();
        asks.sort_by_key(|n| node_span(graph.node(*n)).start);
        cycles.push((members, asks));
    }
    cycles.sort();
    for (members, asks) in cycles {
        for &i in &members {
            in_cycle[i] = true;
        }
        if !asks.is_empty() {
            diagnostics.push(skipped_ask_cycle(flow, graph, &members, &asks));
            continue;
        }
        let first = &states[members[0]];
        let names: Vec<String> = members
            .iter()
            .take(MAX_LABELS)
            .map(|&i| format!("`{}`", name_of(&states[i]).0))
            .collect();
        let message = if members.len() == 1 {
            format!(
                "the state `{}` goes back to itself without asking the caller anything: an endless loop",
                name_of(first).0
            )
        } else {
            format!(
                "the states {} go to each other without asking the caller anything: an endless loop",
                join_names(&names, members.len())
            )
        };
        let mut diagnostic = Diagnostic::new(ids::INPUT_FREE_CYCLE, name_of(first).1, message)
            .with_primary_message("once a caller is here, the flow never listens again");
        let mut labels = 0;
        for &i in &members {
            for edge in graph
                .graph
                .edges_directed(graph.states[i], Direction::Outgoing)
            {
                let Node::State(target) = graph.node(edge.target()) else {
                    continue;
                };
                if edge.weight().kind != EdgeKind::Direct
                    || edge.weight().guess != Guess::Sure
                    || !in_cycle_member(&members, target)
                {
                    continue;
                }
                labels += 1;
                if labels <= MAX_LABELS {
                    diagnostic = diagnostic.with_label(
                        edge.weight().span,
                        format!(
                            "goes to `{}` with no input point between",
                            name_of(&states[target]).0
                        ),
                    );
                }
            }
        }
        if labels > MAX_LABELS {
            diagnostic = diagnostic.with_note(format!(
                "{} more moves inside this loop are not shown",
                labels - MAX_LABELS
            ));
        }
        diagnostics.push(diagnostic.with_note(
            "put an `ask` or `menu` into the loop, or leave it with `end`, `handoff` or a `goto` to a state outside it",
        ));
    }
    in_cycle
}

/// An input-free cycle whose only input points are `ask`s of slots the loop never clears.
fn skipped_ask_cycle(
    flow: &FlowModel,
    graph: &FlowGraph,
    members: &[usize],
    asks: &[NodeIndex],
) -> Diagnostic {
    let states = &flow.flow.states;
    let (first, first_span) = name_of(&states[members[0]]);
    let names: Vec<String> = members
        .iter()
        .take(MAX_LABELS)
        .map(|&i| format!("`{}`", name_of(&states[i]).0))
        .collect();
    let message = if members.len() == 1 {
        format!(
            "the state `{first}` goes back to itself, and from the second time round its question is skipped: an endless loop"
        )
    } else {
        format!(
            "the states {} go to each other, and from the second time round their questions are skipped: an endless loop",
            join_names(&names, members.len())
        )
    };
    let mut diagnostic = Diagnostic::new(ids::INPUT_FREE_CYCLE, first_span, message)
        .with_primary_message("once a caller is here a second time, the flow never listens again");
    let mut slots: Vec<&str> = Vec::new();
    for &n in asks.iter().take(MAX_LABELS) {
        let Node::Input { stmt, .. } = graph.node(n) else {
            continue;
        };
        let StmtKind::Ask(ask) = &stmt.kind else {
            continue;
        };
        diagnostic = diagnostic.with_label(
            input_span(stmt),
            format!(
                "skipped when `{}` is already set, as it is after the first answer",
                ask.slot.name
            ),
        );
        if !slots.contains(&ask.slot.name.as_str()) {
            slots.push(&ask.slot.name);
        }
    }
    for slot in slots {
        diagnostic = diagnostic.with_note(format!(
            "an `ask` of a slot that is already set does not wait: clear it with `set {slot} = none` before going round again, or leave the loop with `end`, `handoff` or a `goto` out of it"
        ));
    }
    diagnostic
}

fn in_cycle_member(members: &[usize], state: usize) -> bool {
    members.binary_search(&state).is_ok()
}

fn join_names(names: &[String], total: usize) -> String {
    let mut text = match names {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    };
    if total > names.len() {
        text = format!("{} and {} more", names.join(", "), total - names.len());
    }
    text
}

/// `unreachable-state`. Broken lines and unknown names count as what they may lead to (see
/// [`super::graph`]): a state a broken line names is reached; a state an unknown `goto`
/// name probably means is reported, saying so, and the states behind it are not (fixing the
/// typo reaches them); a state reached only through another unreachable state says which.
fn unreachable_states(
    context: &Context,
    flow: &FlowModel,
    graph: &FlowGraph,
    diagnostics: &mut Vec<Diagnostic>,
) {
    if graph.any_state {
        return;
    }
    let states = &flow.flow.states;
    let start = flow.flow.start.as_ref().map_or("", |s| s.name.as_str());
    let g = &graph.graph;
    let unreached = |n: NodeIndex| !graph.reachable[n.index()];
    // Which unreachable state each unreachable node hangs on: a breadth-first walk from
    // the unreachable states that no other unreachable state leads to.
    let mut through: Vec<Option<usize>> = vec![None; g.node_count()];
    let mut queue = VecDeque::new();
    for (i, &node) in graph.states.iter().enumerate() {
        if !unreached(node) {
            continue;
        }
        let fed = g
            .neighbors_directed(node, Direction::Incoming)
            .any(|m| unreached(m) && g[m].state().is_some_and(|s| s != i));
        if !fed {
            through[node.index()] = Some(i);
            queue.push_back(node);
        }
    }
    while let Some(n) = queue.pop_front() {
        for m in g.neighbors(n) {
            if unreached(m) && through[m.index()].is_none() {
                through[m.index()] = through[n.index()];
                queue.push_back(m);
            }
        }
    }
    for (i, state) in states.iter().enumerate() {
        let node = graph.states[i];
        // A state whose name was not written is a broken line (already reported).
        let Some(ident) = &state.name else {
            continue;
        };
        let first = flow
            .states
            .get(ident.name.as_str())
            .is_some_and(|s| std::ptr::eq(*s, state));
        if !first {
            continue; // a second definition: `duplicate-definition` says it
        }
        let typo = graph.typos.iter().find(|t| t.state == i);
        let sure = graph.reachable_without_typos[node.index()];
        if graph.reachable[node.index()] && (sure || typo.is_none()) {
            continue;
        }
        let mut diagnostic = Diagnostic::new(
            ids::UNREACHABLE_STATE,
            ident.span,
            format!("the state `{}` can never be reached", ident.name),
        )
        .with_primary_message(format!("no path from the start state `{start}` leads here"));
        if let Some(typo) = typo {
            // The typo is the thing to fix: offer the correction, not the removal.
            diagnostics.push(
                diagnostic
                    .with_label(
                        typo.name.span,
                        format!("probably meant to be `{}`", ident.name),
                    )
                    .with_note(format!(
                        "`goto {}` names no state; if it means `{}`, correcting it makes this state reachable",
                        typo.name.name, ident.name
                    ))
                    .with_fix(edits::unsafe_fix(
                        format!("write `goto {}`", ident.name),
                        vec![crate::diagnostic::Edit {
                            span: typo.name.span,
                            replacement: ident.name.clone(),
                        }],
                    )),
            );
            continue;
        }
        if let Some(root) = through[node.index()].filter(|&r| r != i) {
            diagnostic = diagnostic.with_note(format!(
                "it is reached only through the unreachable state `{}`",
                name_of(&states[root]).0
            ));
        } else if let Some(note) = closed_handler_note(context, flow, graph, node) {
            diagnostic = diagnostic.with_note(note);
        }
        diagnostics.push(
            diagnostic
                .with_note("delete the state, or add the `goto` or option that should lead to it")
                .with_fix(edits::unsafe_fix(
                    format!("remove the state `{}`", ident.name),
                    vec![edits::remove(context.sources, state.span)],
                )),
        );
    }
}

/// Why a state that only an `on closed` handler leads to is not reached: that handler runs
/// when a hand-off finds its queue closed, and none of the queues the flow hands off to has
/// `hours` (so none is ever closed). Names them, since adding `hours` to one is the fix as
/// much as removing the state (`queue desk { }` written where `queue desk { hours office }`
/// was meant).
fn closed_handler_note(
    context: &Context,
    flow: &FlowModel,
    graph: &FlowGraph,
    state: NodeIndex,
) -> Option<String> {
    let g = &graph.graph;
    let unreached = |n: NodeIndex| !graph.reachable[n.index()];
    // Back from the state over the unreached steps of handler actions (not other states).
    let mut seen = vec![false; g.node_count()];
    let mut queue = VecDeque::from([state]);
    let mut closed = false;
    while let Some(n) = queue.pop_front() {
        for m in g.neighbors_directed(n, Direction::Incoming) {
            if seen[m.index()] || !unreached(m) || graph.states.contains(&m) {
                continue;
            }
            seen[m.index()] = true;
            match g[m] {
                Node::Handler { handler, .. } if handler.kind == HandlerKind::Closed => {
                    closed = true;
                }
                Node::Handler { .. } => {}
                _ => queue.push_back(m),
            }
        }
    }
    if !closed {
        return None;
    }
    let mut queues: Vec<&str> = Vec::new();
    crate::visit::each_flow_stmt(flow.flow, &mut |stmt| {
        if let StmtKind::Handoff(handoff) = &stmt.kind
            && context
                .model
                .queues
                .get(&handoff.queue.name)
                .is_some_and(|q| q.hours.is_none())
            && !queues.contains(&handoff.queue.name.as_str())
        {
            queues.push(&handoff.queue.name);
        }
    });
    let named: Vec<String> = queues.iter().take(3).map(|q| format!("`{q}`")).collect();
    Some(match named.len() {
        0 => "only an `on closed` handler leads here, and this flow hands off to no queue that has `hours`: no queue is ever closed".to_string(),
        _ => format!(
            "only an `on closed` handler leads here, and the queues this flow hands off to ({}) have no `hours`, so they are never closed",
            named.join(", ")
        ),
    })
}

/// `trap-state`: reachable nodes that can reach neither `end` nor `handoff`. They are
/// grouped by the bottom strongly connected component they lead into: one diagnostic per
/// loop, with labels on its states. Returns which nodes are trapped.
fn traps(
    flow: &FlowModel,
    graph: &FlowGraph,
    in_cycle: &[bool],
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<bool> {
    let g = &graph.graph;
    // A broken line's own node is a guess: never the trap itself.
    let trapped: Vec<bool> = g
        .node_indices()
        .map(|n| {
            graph.reachable[n.index()]
                && !graph.can_finish[n.index()]
                && !matches!(g[n], Node::Broken { .. } | Node::BrokenFlowItem)
        })
        .collect();
    if !trapped.iter().any(|t| *t) {
        return trapped;
    }
    // The trapped set is closed under successors (a successor that could finish would let
    // its predecessor finish), so its bottom components are the loops callers end up in.
    let restricted = NodeFiltered::from_fn(g, |n: NodeIndex| trapped[n.index()]);
    let components = petgraph::algo::kosaraju_scc(&restricted);
    let mut component_of = vec![usize::MAX; g.node_count()];
    for (c, nodes) in components.iter().enumerate() {
        for n in nodes {
            component_of[n.index()] = c;
        }
    }
    let mut group_of = vec![usize::MAX; g.node_count()];
    let mut queue = VecDeque::new();
    let mut bottoms: Vec<usize> = Vec::new();
    for (c, nodes) in components.iter().enumerate() {
        let bottom = nodes
            .iter()
            .all(|&n| g.neighbors(n).all(|m| component_of[m.index()] == c));
        if bottom {
            bottoms.push(c);
            for &n in nodes {
                group_of[n.index()] = c;
                queue.push_back(n);
            }
        }
    }
    // Every other trapped node joins the first loop found walking backwards.
    while let Some(n) = queue.pop_front() {
        for m in g.neighbors_directed(n, Direction::Incoming) {
            if trapped[m.index()] && group_of[m.index()] == usize::MAX {
                group_of[m.index()] = group_of[n.index()];
                queue.push_back(m);
            }
        }
    }
    let states = &flow.flow.states;
    let mut groups: Vec<(u32, usize, Vec<NodeIndex>)> = Vec::new();
    for &c in &bottoms {
        // An input-free cycle is already an error; a trap made of one says nothing new.
        let cycle = components[c]
            .iter()
            .any(|&n| matches!(graph.node(n), Node::State(i) if in_cycle[i]));
        if cycle {
            continue;
        }
        let mut members: Vec<NodeIndex> = g
            .node_indices()
            .filter(|n| group_of[n.index()] == c)
            .collect();
        members.sort_by_key(|n| graph.order[n.index()]);
        groups.push((graph.order[members[0].index()], c, members));
    }
    groups.sort();
    for (_, c, members) in groups {
        let mut state_list: Vec<usize> = Vec::new();
        for n in &members {
            if let Some(i) = graph.node(*n).state()
                && !state_list.contains(&i)
            {
                state_list.push(i);
            }
        }
        let loop_states: Vec<usize> = components[c]
            .iter()
            .filter_map(|&n| graph.node(n).state())
            .collect();
        let (span, what) = match state_list.first() {
            Some(&i) => (
                name_of(&states[i]).1,
                format!("the state `{}`", name_of(&states[i]).0),
            ),
            None => (
                node_span(graph.node(members[0])),
                "this point of the flow".to_string(),
            ),
        };
        let mut diagnostic = Diagnostic::new(
            ids::TRAP_STATE,
            span,
            format!("callers who reach {what} can never get to an `end` or a `handoff`"),
        )
        .with_primary_message(if state_list.len() > 1 {
            let more = state_list.len() - 1;
            format!(
                "trapped here and in {more} more state{}",
                if more == 1 { "" } else { "s" }
            )
        } else {
            "trapped here".to_string()
        });
        for &i in state_list.iter().skip(1).take(MAX_LABELS) {
            let message = if loop_states.contains(&i) {
                "part of the loop with no way out"
            } else {
                "leads only into that loop"
            };
            diagnostic = diagnostic.with_label(name_of(&states[i]).1, message);
        }
        if state_list.len() > MAX_LABELS + 1 {
            diagnostic = diagnostic.with_note(format!(
                "{} more trapped states are not shown",
                state_list.len() - 1 - MAX_LABELS
            ));
        }
        diagnostics.push(diagnostic.with_note(
            "give the loop an exit: a goodbye with `end`, an option or `escalate` rule that hands off to an agent, or a no-match handler that does",
        ));
    }
    trapped
}

/// `no-path-to-human`: reachable input points from which no `handoff` is reachable, except
/// those inside a trap (already reported). When no input point of the flow can reach a
/// person, one diagnostic on the flow says so instead of one per input point.
fn no_path_to_human(
    flow: &FlowModel,
    graph: &FlowGraph,
    trapped: &[bool],
    diagnostics: &mut Vec<Diagnostic>,
) {
    let reachable_inputs: Vec<NodeIndex> = graph
        .inputs
        .iter()
        .copied()
        .filter(|n| graph.reachable[n.index()])
        .collect();
    let lacking: Vec<NodeIndex> = reachable_inputs
        .iter()
        .copied()
        .filter(|n| !graph.can_handoff[n.index()] && !trapped[n.index()])
        .collect();
    if lacking.is_empty() {
        return;
    }
    let note = "add an `escalate { when intent agent handoff QUEUE }` rule, an agent option, or a route back to a menu that has one";
    if lacking.len() > 1
        && lacking.len() == reachable_inputs.len()
        && let Some(name) = &flow.flow.name
    {
        let mut diagnostic = Diagnostic::new(
            ids::NO_PATH_TO_HUMAN,
            name.span,
            format!(
                "no input point of the flow `{}` leads to a `handoff`",
                name.name
            ),
        )
        .with_primary_message("callers of this flow can never reach a person");
        for n in lacking.iter().take(MAX_LABELS) {
            diagnostic =
                diagnostic.with_label(node_span(graph.node(*n)), "no way to a person from here");
        }
        diagnostics.push(diagnostic.with_note(note));
        return;
    }
    for n in lacking {
        let Node::Input { stmt, .. } = graph.node(n) else {
            continue;
        };
        let what = if matches!(stmt.kind, StmtKind::Menu(_)) {
            "menu"
        } else {
            "question"
        };
        diagnostics.push(
            Diagnostic::new(
                ids::NO_PATH_TO_HUMAN,
                input_span(stmt),
                format!("from this {what} no `handoff` can be reached"),
            )
            .with_primary_message("a caller who is stuck here can never reach a person")
            .with_note(note),
        );
    }
}

/// `ask slot "prompt"` / `menu "prompt"`: the statement up to its prompt.
pub fn input_span(stmt: &Stmt) -> Span {
    match &stmt.kind {
        StmtKind::Ask(ask) => Span {
            end: ask.prompt.span.end,
            ..stmt.span
        },
        StmtKind::Menu(menu) => Span {
            end: menu.prompt.span.end,
            ..stmt.span
        },
        _ => stmt.span,
    }
}

fn node_span(node: Node) -> Span {
    match node {
        Node::Input { stmt, .. } => input_span(stmt),
        Node::Broken { span, .. } => span,
        Node::Handler { handler, .. } => handler.kind_span,
        _ => Span::new(crate::source::FileId(0), 0, 0),
    }
}

/// A state's name and where to point at it. Only named states can be reached (a `goto`
/// needs a name), so the placeholder is for completeness.
fn name_of(state: &State) -> (&str, Span) {
    match &state.name {
        Some(name) => (&name.name, name.span),
        None => ("?", state.span),
    }
}
