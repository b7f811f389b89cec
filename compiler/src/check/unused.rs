//! Declarations nothing uses: `unused-slot`, `unused-intent`, `unused-queue`,
//! `unused-knowledge`, read from the references the resolver kept.
//!
//! A use is anything a flow does with the name: asks, sets or reads a slot (in any
//! expression or interpolation, `escalate` conditions and slot defaults included); matches
//! an intent (an option's `intent`, an `intent NAME` expression); hands off to a queue;
//! answers from a knowledge base. Tests do not count: `expect handoff q` or `expect slot s`
//! in a test checks a use, it is not one. When a flow (or, for the project-wide kinds, any
//! flow) has syntax errors, uses may be hidden in the broken text, so nothing is reported.

use super::{Context, edits};
use crate::ast::*;
use crate::diagnostic::Diagnostic;
use crate::diagnostic::ids;
use crate::resolve::DefId;
use crate::source::{FileId, Span};
use crate::visit;

pub fn check(context: &Context, files: &[(FileId, File)], diagnostics: &mut Vec<Diagnostic>) {
    // A use is a reference the resolver kept, outside the tests.
    let mut used = vec![false; context.resolution.def_count()];
    for reference in context.resolution.references() {
        if !reference.in_test
            && let Some(slot) = used.get_mut(reference.def.0 as usize)
        {
            *slot = true;
        }
    }
    let is_used = |id: Option<DefId>| id.is_some_and(|id| used[id.0 as usize]);
    let mut project_broken = files
        .iter()
        .any(|(_, f)| f.items.iter().any(|i| matches!(i, Item::Error(_))));
    for flow in &context.model.flows {
        let f = flow.flow;
        let mut broken = !f.errors.is_empty();
        visit::each_flow_stmt(f, &mut |stmt| match &stmt.kind {
            StmtKind::Menu(menu) => broken |= !menu.errors.is_empty(),
            StmtKind::Error => broken = true,
            _ => {}
        });
        project_broken |= broken;
        if broken {
            continue;
        }
        for slot in &f.slots {
            let Some(name) = &slot.name else { continue };
            // Only the first definition of a name (a copy is a duplicate-definition).
            let first = flow
                .slots
                .get(name.name.as_str())
                .is_some_and(|s| std::ptr::eq(*s, slot));
            if !first || is_used(flow.slot_id(slot)) {
                continue;
            }
            diagnostics.push(unused(
                context,
                ids::UNUSED_SLOT,
                name,
                slot.span,
                format!("the slot `{}` is never asked, set or read", name.name),
                "delete it, or add the `ask` that should fill it",
                "slot",
            ));
        }
    }
    if project_broken {
        return;
    }
    let model = context.model;
    for (intent, id) in model.intents.iter_defs() {
        if let Some(name) = &intent.name
            && !is_used(Some(id))
        {
            diagnostics.push(unused(
                context,
                ids::UNUSED_INTENT,
                name,
                intent.span,
                format!("no option, `escalate` rule or expression matches the intent `{}`", name.name),
                "use it where customers should be able to say it (an option's `intent`, an `escalate` rule), or delete it",
                "intent",
            ));
        }
    }
    for (queue, id) in model.queues.iter_defs() {
        if let Some(name) = &queue.name
            && !is_used(Some(id))
        {
            diagnostics.push(unused(
                context,
                ids::UNUSED_QUEUE,
                name,
                queue.span,
                format!("nothing hands off to the queue `{}`", name.name),
                "hand off to it where it belongs, or delete it (a test's `expect handoff` is not a use)",
                "queue",
            ));
        }
    }
    for (kb, id) in model.knowledge.iter_defs() {
        if let Some(name) = &kb.name
            && !is_used(Some(id))
        {
            diagnostics.push(unused(
                context,
                ids::UNUSED_KNOWLEDGE,
                name,
                kb.span,
                format!("nothing answers from the knowledge base `{}`", name.name),
                "add an `answer from` where customers ask such questions, or delete it",
                "knowledge base",
            ));
        }
    }
}

fn unused(
    context: &Context,
    check: crate::diagnostic::CheckId,
    name: &Ident,
    declaration: Span,
    message: String,
    note: &str,
    kind: &str,
) -> Diagnostic {
    Diagnostic::new(check, name.span, message)
        .with_primary_message(format!("this {kind} is never used"))
        .with_note(note)
        .with_fix(edits::unsafe_fix(
            format!("remove the {kind} `{}`", name.name),
            vec![edits::remove(context.sources, declaration)],
        ))
}
