//! The diagnostics drawn on a picture: what it shows of each, and the nodes it goes on.

use super::*;

/// The diagnostics that point into a flow, as a picture shows them, before they are
/// attached to nodes.
pub(super) struct Drawn<'a> {
    pub(super) flow: &'a Flow,
    diagnostics: Vec<NodeDiagnostic>,
    /// The other places a trap, a path to a human or an input-free cycle is drawn on:
    /// (index into `diagnostics`, span of one of its secondary labels), in index order.
    also: Vec<(usize, Span)>,
}

impl<'a> Drawn<'a> {
    pub(super) fn of(flow: &'a Flow, diagnostics: Cow<'_, [Diagnostic]>) -> Drawn<'a> {
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
pub(super) fn attach_diagnostics(diagram: &mut Diagram, drawn: Drawn<'_>) {
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
