//! A part of a big flow: the states a few moves from one, and what leads out of it.

use super::*;

/// The part of `diagram` within `part.depth` moves of the state `part.from`. Edges that
/// leave the part end in a `more:NAME` node, so nothing is silently cut off.
pub(super) fn restrict(diagram: &Diagram, flow: &Flow, part: &Part) -> Result<Diagram, BuildError> {
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
