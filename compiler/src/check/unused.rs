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
use crate::resolve::{DefId, Named, Table};
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
                &SLOT,
                name,
                slot.span,
                format!("the slot `{}` is never asked, set or read", name.name),
            ));
        }
    }
    let model = context.model;
    let is_used = |id: Option<DefId>, name: &str| is_used(id) || project.spares(name);
    let (intents, queues, knowledge) = (&model.intents, &model.queues, &model.knowledge);
    // Counted first and reserved once: a generated project can have millions of unused
    // declarations, and growing the list by doubling copies it and touches twice the memory.
    diagnostics.reserve(
        unused_in(intents, &is_used).count()
            + unused_in(queues, &is_used).count()
            + unused_in(knowledge, &is_used).count(),
    );
    for (intent, name) in unused_in(intents, &is_used) {
        diagnostics.push(unused(
            context,
            &INTENT,
            name,
            intent.span,
            format!(
                "no option, `escalate` rule or expression matches the intent `{}`",
                name.name
            ),
        ));
    }
    for (queue, name) in unused_in(queues, &is_used) {
        diagnostics.push(unused(
            context,
            &QUEUE,
            name,
            queue.span,
            format!("nothing hands off to the queue `{}`", name.name),
        ));
    }
    for (kb, name) in unused_in(knowledge, &is_used) {
        diagnostics.push(unused(
            context,
            &KNOWLEDGE,
            name,
            kb.span,
            format!("nothing answers from the knowledge base `{}`", name.name),
        ));
    }
}

/// The named declarations of `table` that nothing uses, in source order.
fn unused_in<'t, 'a, T: Named>(
    table: &'t Table<'a, T>,
    is_used: &'t dyn Fn(Option<DefId>, &str) -> bool,
) -> impl Iterator<Item = (&'a T, &'a Ident)> + 't {
    table.iter_defs().filter_map(move |(decl, id)| {
        decl.name()
            .filter(|name| !is_used(Some(id), &name.name))
            .map(|name| (decl, name))
    })
}

/// What the diagnostics of one kind of declaration say besides their message: fixed
/// phrases, so millions of them cost no allocation each.
struct Kind {
    check: crate::diagnostic::CheckId,
    /// The fix's title. Fixed too (the name is in the message): a title naming the
    /// declaration cost an allocation for each of millions of warnings (issue 16).
    fix: &'static str,
    label: &'static str,
    note: &'static str,
}

const SLOT: Kind = Kind {
    check: ids::UNUSED_SLOT,
    fix: "remove this unused slot",
    label: "this slot is never used",
    note: "delete it, or add the `ask` that should fill it",
};

const INTENT: Kind = Kind {
    check: ids::UNUSED_INTENT,
    fix: "remove this unused intent",
    label: "this intent is never used",
    note: "use it where customers should be able to say it (an option's `intent`, an `escalate` rule), or delete it",
};

const QUEUE: Kind = Kind {
    check: ids::UNUSED_QUEUE,
    fix: "remove this unused queue",
    label: "this queue is never used",
    note: "hand off to it where it belongs, or delete it (a test's `expect handoff` is not a use)",
};

const KNOWLEDGE: Kind = Kind {
    check: ids::UNUSED_KNOWLEDGE,
    fix: "remove this unused knowledge base",
    label: "this knowledge base is never used",
    note: "add an `answer from` where customers ask such questions, or delete it",
};

fn unused(
    context: &Context,
    kind: &Kind,
    name: &Ident,
    declaration: Span,
    message: String,
) -> Diagnostic {
    Diagnostic::new(kind.check, name.span, message)
        .with_primary_message(kind.label)
        .with_note(kind.note)
        .with_fix(edits::unsafe_fix(
            kind.fix,
            vec![edits::remove(context.sources, declaration)],
        ))
}
