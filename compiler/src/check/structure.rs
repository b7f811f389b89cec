//! Errors in the shape of a flow: `missing-start`, `missing-terminator`, `duplicate-key`.

use crate::ast::*;
use crate::diagnostic::Diagnostic;
use crate::resolve::FlowModel;
use std::collections::HashMap;

pub fn check(flow: &FlowModel, diagnostics: &mut Vec<Diagnostic>) {
    let f = flow.flow;
    if f.start.is_none() && !f.name.name.is_empty() {
        let mut d = Diagnostic::new(
            "missing-start",
            f.name.span,
            format!("the flow `{}` has no `start` state", f.name.name),
        )
        .with_primary_message("no `start` line in this flow");
        if let Some(first) = f.states.first() {
            d = d.with_note(format!(
                "add `start {}` (or the state callers should hear first)",
                first.name.name
            ));
        } else {
            d = d.with_note("add a state and a `start` line naming it");
        }
        diagnostics.push(d);
    }
    for state in &f.states {
        if let Fall::Through(last) = falls(&state.body) {
            let mut d = Diagnostic::new(
                "missing-terminator",
                state.name.span,
                format!("a path through the state `{}` reaches its end without `goto`, `end` or `handoff`", state.name.name),
            )
            .with_primary_message("this state can fall off its end")
            .with_note("end every path with `goto STATE`, `end` or `handoff QUEUE`; an `if` without `else` lets callers fall through");
            if let Some(span) = last {
                d = d.with_label(span, "after this, nothing moves the caller on");
            }
            diagnostics.push(d);
        }
    }
    for handler in &f.handlers {
        if let Fall::Through(last) = falls(&handler.action) {
            let mut d = Diagnostic::new(
                "missing-terminator",
                handler.kind_span,
                format!("the flow-level `on {}` handler does not end in `goto`, `end` or `handoff`", handler.kind.as_str()),
            )
            .with_note("a flow-level handler has nowhere to return to: end it with `goto`, `end` or `handoff`");
            if let Some(span) = last {
                d = d.with_label(span, "the handler stops here");
            }
            diagnostics.push(d);
        }
    }
    for rule in &f.escalate {
        if let Fall::Through(last) = falls(&rule.action) {
            let mut d = Diagnostic::new(
                "missing-terminator",
                rule.condition.span,
                "this escalate rule does not end in `goto`, `end` or `handoff`",
            )
            .with_note("an escalate rule interrupts the caller's turn: end it with `handoff`, `goto` or `end`");
            if let Some(span) = last {
                d = d.with_label(span, "the rule stops here");
            }
            diagnostics.push(d);
        }
    }
    super::each_flow_stmt(f, &mut |stmt| {
        if let StmtKind::Menu(menu) = &stmt.kind {
            duplicate_keys(menu, diagnostics);
        }
    });
}

enum Fall {
    /// Every path ends in `goto`, `end` or `handoff`.
    Ends,
    /// Some path reaches the end; the span of the last statement on it, if any.
    Through(Option<crate::source::Span>),
}

/// Whether control can reach the end of `block`. Broken statements count as ending, so a
/// syntax error does not also produce a missing terminator.
fn falls(block: &Block) -> Fall {
    let mut last = None;
    for stmt in &block.statements {
        if ends(stmt) {
            return Fall::Ends;
        }
        last = Some(stmt.span);
    }
    Fall::Through(last)
}

fn ends(stmt: &Stmt) -> bool {
    match &stmt.kind {
        StmtKind::Goto(_) | StmtKind::End | StmtKind::Handoff(_) | StmtKind::Error => true,
        StmtKind::If(if_) => {
            if_.otherwise
                .as_ref()
                .is_some_and(|b| matches!(falls(b), Fall::Ends))
                && if_
                    .branches
                    .iter()
                    .all(|(_, b)| matches!(falls(b), Fall::Ends))
        }
        // A menu moves on only through its options: when every option ends, so does the menu.
        // Handlers that fall through continue after the menu, like options do.
        StmtKind::Menu(menu) => {
            !menu.options.is_empty()
                && menu
                    .options
                    .iter()
                    .all(|o| matches!(falls(&o.action), Fall::Ends))
                && menu
                    .handlers
                    .iter()
                    .all(|h| matches!(falls(&h.action), Fall::Ends))
        }
        _ => false,
    }
}

fn duplicate_keys(menu: &Menu, diagnostics: &mut Vec<Diagnostic>) {
    // Most menus have a handful of keys: compare with the keys before, without allocating
    // (a hash map per menu was measurable on 100,000-menu projects); big menus use a map.
    let keys = || menu.options.iter().flat_map(|o| &o.keys);
    let small = keys().nth(32).is_none();
    let mut seen: HashMap<&str, &Key> = HashMap::new();
    for (i, key) in keys().enumerate() {
        let first = if small {
            keys().take(i).find(|k| k.keys == key.keys)
        } else {
            let first = seen.get(key.keys.as_str()).copied();
            seen.entry(&key.keys).or_insert(key);
            first
        };
        if let Some(first) = first {
            diagnostics.push(
                Diagnostic::new(
                    "duplicate-key",
                    key.span,
                    format!("two options of this menu use the key {}", key.keys),
                )
                .with_primary_message("this key is already taken")
                .with_label(first.span, "first used here")
                .with_note(
                    "callers pressing it always get the first option: give each option its own key",
                ),
            );
        }
    }
}
