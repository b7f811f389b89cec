//! Declarations nothing uses: `unused-slot`, `unused-intent`, `unused-queue`,
//! `unused-knowledge`, read from the references the resolver kept.
//!
//! A use is anything a flow does with the name: asks, sets or reads a slot (in any
//! expression or interpolation, `escalate` conditions and slot defaults included); matches
//! an intent (an option's `intent`, an `intent NAME` expression); hands off to a queue;
//! answers from a knowledge base. Tests do not count: `expect handoff q` or `expect slot s`
//! in a test checks a use, it is not one. A line that did not parse may use only what is
//! written on it (a name, or the start of one being typed, see [`super::broken`]): those
//! declarations are spared (slots by the broken lines of their flow, the project-wide kinds
//! by any broken line), every other one is still reported.

use super::broken::{Line, Mentioned};
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
    let mut project = Mentioned::default();
    for (_, file) in files {
        for item in &file.items {
            match item {
                Item::Error(span) => project.add(&Line::read(context.sources, *span)),
                Item::Test(test) => {
                    for span in &test.errors {
                        project.add(&Line::read(context.sources, *span));
                    }
                }
                _ => {}
            }
        }
    }
    for flow in &context.model.flows {
        let f = flow.flow;
        let mut spans: Vec<Span> = f.errors.clone();
        visit::each_flow_stmt(f, &mut |stmt| match &stmt.kind {
            StmtKind::Menu(menu) => spans.extend(menu.errors.iter().copied()),
            StmtKind::Error => spans.push(stmt.span),
            _ => {}
        });
        let mut mentioned = Mentioned::default();
        for span in spans {
            let line = Line::read(context.sources, span);
            mentioned.add(&line);
            project.add(&line);
        }
        for slot in &f.slots {
            let Some(name) = &slot.name else { continue };
            // Only the first definition of a name (a copy is a duplicate-definition).
            let first = flow
                .slots
                .get(name.name.as_str())
                .is_some_and(|s| std::ptr::eq(*s, slot));
            if !first || is_used(flow.slot_id(slot)) || mentioned.spares(&name.name) {
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
    let model = context.model;
    let is_used = |id: Option<DefId>, name: &str| is_used(id) || project.spares(name);
    // Counted first and reserved once: a generated project can have millions of unused
    // declarations, and growing the list by doubling copies it and touches twice the memory.
    let unused_names = |names: &mut dyn Iterator<Item = (Option<&Ident>, DefId)>| {
        names
            .filter(|(name, id)| name.is_some_and(|name| !is_used(Some(*id), &name.name)))
            .count()
    };
    diagnostics.reserve(
        unused_names(
            &mut model
                .intents
                .iter_defs()
                .map(|(d, id)| (d.name.as_ref(), id)),
        ) + unused_names(
            &mut model
                .queues
                .iter_defs()
                .map(|(d, id)| (d.name.as_ref(), id)),
        ) + unused_names(
            &mut model
                .knowledge
                .iter_defs()
                .map(|(d, id)| (d.name.as_ref(), id)),
        ),
    );
    for (intent, id) in model.intents.iter_defs() {
        if let Some(name) = &intent.name
            && !is_used(Some(id), &name.name)
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
            && !is_used(Some(id), &name.name)
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
            && !is_used(Some(id), &name.name)
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
    note: &'static str,
    kind: &str,
) -> Diagnostic {
    Diagnostic::new(check, name.span, message)
        .with_primary_message(match kind {
            // Fixed phrases: no allocation for each of millions of unused declarations.
            "slot" => "this slot is never used".into(),
            "intent" => "this intent is never used".into(),
            "queue" => "this queue is never used".into(),
            "knowledge base" => "this knowledge base is never used".into(),
            other => std::borrow::Cow::Owned(format!("this {other} is never used")),
        })
        .with_note(note)
        .with_fix(edits::unsafe_fix(
            format!("remove the {kind} `{}`", name.name),
            vec![edits::remove(context.sources, declaration)],
        ))
}
