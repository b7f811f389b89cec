//! Errors in the shape of a flow: `missing-start`, `missing-terminator`, `duplicate-key`.

use crate::ast::*;
use crate::diagnostic::Diagnostic;
use crate::diagnostic::ids;
use crate::resolve::FlowModel;
use crate::visit;
use std::collections::HashMap;

pub fn check(flow: &FlowModel, diagnostics: &mut Vec<Diagnostic>) {
    let f = flow.flow;
    // A broken `start` line is a start whose state is unknown (its error is reported).
    if f.start.is_none()
        && f.start_broken.is_none()
        && let Some(flow_name) = &f.name
    {
        let mut d = Diagnostic::new(
            ids::MISSING_START,
            flow_name.span,
            format!("the flow `{}` has no `start` state", flow_name.name),
        )
        .with_primary_message("no `start` line in this flow");
        if let Some(first) = f.states.iter().find_map(|s| s.name.as_ref()) {
            d = d.with_note(format!(
                "add `start {}` (or the state callers should hear first)",
                first.name
            ));
        } else {
            d = d.with_note("add a state and a `start` line naming it");
        }
        diagnostics.push(d);
    }
    for state in &f.states {
        // A state whose name was not written is a broken line, already reported.
        let Some(name) = &state.name else { continue };
        if let Some(last) = falls_through(&state.body) {
            let mut d = Diagnostic::new(
                ids::MISSING_TERMINATOR,
                name.span,
                format!("a path through the state `{}` reaches its end without `goto`, `end` or `handoff`", name.name),
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
        if let Some(last) = falls_through(&handler.action) {
            let mut d = Diagnostic::new(
                ids::MISSING_TERMINATOR,
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
        if let Some(last) = falls_through(&rule.action) {
            let mut d = Diagnostic::new(
                ids::MISSING_TERMINATOR,
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
    crate::visit::each_flow_stmt(f, &mut |stmt| {
        if let StmtKind::Menu(menu) = &stmt.kind {
            duplicate_keys(menu, diagnostics);
            interpolated_labels(menu, diagnostics);
        }
    });
}

/// `Some(span of the last statement)` (or `Some(None)` for an empty block) when a path
/// can reach the end of `block`; the answer is [`visit::block_ending`], shared with codegen.
fn falls_through(block: &Block) -> Option<Option<crate::source::Span>> {
    (!visit::block_ending(block).ends()).then(|| block.statements.last().map(|s| s.span))
}

/// `interpolated-label`: labels are fixed text (buttons, matching, shadowing compare them
/// as written), so a `{…}` in one is refused rather than shown to customers as `{…}`.
fn interpolated_labels(menu: &Menu, diagnostics: &mut Vec<Diagnostic>) {
    for option in &menu.options {
        let Some(expr) = crate::visit::interpolations(&option.label).next() else {
            continue;
        };
        diagnostics.push(
            Diagnostic::new(
                ids::INTERPOLATED_LABEL,
                expr.span,
                "an option label cannot hold a `{…}` value",
            )
            .with_primary_message("customers would see this as `{…}`, and typing the label would never pick it")
            .with_label(option.label.span, "this label")
            .with_note("write the label as plain text (`{{` for a literal brace); put changing values in the menu's prompt"),
        );
    }
}

fn duplicate_keys(menu: &Menu, diagnostics: &mut Vec<Diagnostic>) {
    // `options from` keys its items 1..max: a static option may not take one of those.
    if let Some(dynamic) = &menu.dynamic {
        let max = dynamic.max_items();
        for key in menu.options.iter().flat_map(|o| &o.keys) {
            if key
                .keys
                .parse::<u32>()
                .is_ok_and(|k| (1..=max).contains(&k))
                && !key.keys.starts_with('0')
            {
                diagnostics.push(
                    Diagnostic::new(
                        ids::DUPLICATE_KEY,
                        key.span,
                        format!(
                            "the key {} is also the key of item {} of `options from`",
                            key.keys, key.keys
                        ),
                    )
                    .with_primary_message("this key is already taken")
                    .with_label(dynamic.span, format!("keys its items 1 to {max}"))
                    .with_note("give this option a key above the items' (or 0, * or #), or lower the items' `max`"),
                );
            }
        }
    }
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
                    ids::DUPLICATE_KEY,
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
