//! Declarations nothing uses: `unused-slot`, `unused-intent`, `unused-queue`,
//! `unused-knowledge`.
//!
//! A use is anything a flow does with the name: asks, sets or reads a slot (in any
//! expression or interpolation, `escalate` conditions and slot defaults included); matches
//! an intent (an option's `intent`, an `intent NAME` expression); hands off to a queue;
//! answers from a knowledge base. Tests do not count: `expect handoff q` or `expect slot s`
//! in a test checks a use, it is not one. When a flow (or, for the project-wide kinds, any
//! flow) has syntax errors, uses may be hidden in the broken text, so nothing is reported.

use super::{Context, each_flow_stmt, edits};
use crate::ast::*;
use crate::diagnostic::Diagnostic;
use crate::source::{FileId, Span};
use crate::visit;
use std::collections::HashSet;

#[derive(Default)]
struct Uses<'a> {
    intents: HashSet<&'a str>,
    queues: HashSet<&'a str>,
    knowledge: HashSet<&'a str>,
}

pub fn check(context: &Context, files: &[(FileId, File)], diagnostics: &mut Vec<Diagnostic>) {
    let mut uses = Uses::default();
    let mut project_broken = files
        .iter()
        .any(|(_, f)| f.items.iter().any(|i| matches!(i, Item::Error(_))));
    for flow in &context.model.flows {
        let f = flow.flow;
        let mut slots: HashSet<&str> = HashSet::new();
        let mut broken = !f.errors.is_empty();
        let mut exprs: Vec<&Expr> = Vec::new();
        for slot in &f.slots {
            exprs.extend(slot.default.as_ref());
        }
        for rule in &f.escalate {
            exprs.push(&rule.condition);
        }
        for handler in &f.handlers {
            if let Some(message) = handler.retry.as_ref().and_then(|r| r.message.as_ref()) {
                exprs.extend(visit::interpolations(message));
            }
        }
        each_flow_stmt(f, &mut |stmt| {
            super::each_stmt_expr(stmt, &mut |e| exprs.push(e));
            match &stmt.kind {
                StmtKind::Ask(ask) => {
                    slots.insert(&ask.slot.name);
                }
                StmtKind::Set { slot, .. } => {
                    slots.insert(&slot.name);
                }
                StmtKind::Handoff(handoff) => {
                    uses.queues.insert(&handoff.queue.name);
                }
                StmtKind::Answer(answer) => {
                    uses.knowledge.insert(&answer.knowledge.name);
                }
                StmtKind::Menu(menu) => {
                    broken |= !menu.errors.is_empty();
                    for option in &menu.options {
                        for intent in &option.intents {
                            uses.intents.insert(&intent.name);
                        }
                    }
                }
                StmtKind::Error => broken = true,
                _ => {}
            }
        });
        for expr in exprs {
            visit::each_expr(expr, &mut |e| match &e.kind {
                ExprKind::Name(name) => {
                    slots.insert(name.name.as_str());
                }
                ExprKind::Intent(intent) => {
                    uses.intents.insert(intent.name.as_str());
                }
                _ => {}
            });
        }
        project_broken |= broken;
        if broken {
            continue;
        }
        for slot in &f.slots {
            if slots.contains(slot.name.name.as_str())
                || flow
                    .slots
                    .get(slot.name.name.as_str())
                    .is_none_or(|s| !std::ptr::eq(*s, slot))
            {
                continue;
            }
            diagnostics.push(unused(
                context,
                "unused-slot",
                &slot.name,
                slot.span,
                format!("the slot `{}` is never asked, set or read", slot.name.name),
                "delete it, or add the `ask` that should fill it",
                "slot",
            ));
        }
    }
    if project_broken {
        return;
    }
    for intent in context.model.intents.iter() {
        if !uses.intents.contains(intent.name.name.as_str()) {
            diagnostics.push(unused(
                context,
                "unused-intent",
                &intent.name,
                intent.span,
                format!("no option, `escalate` rule or expression matches the intent `{}`", intent.name.name),
                "use it where customers should be able to say it (an option's `intent`, an `escalate` rule), or delete it",
                "intent",
            ));
        }
    }
    for queue in context.model.queues.iter() {
        if !uses.queues.contains(queue.name.name.as_str()) {
            diagnostics.push(unused(
                context,
                "unused-queue",
                &queue.name,
                queue.span,
                format!("nothing hands off to the queue `{}`", queue.name.name),
                "hand off to it where it belongs, or delete it (a test's `expect handoff` is not a use)",
                "queue",
            ));
        }
    }
    for kb in context.model.knowledge.iter() {
        if !uses.knowledge.contains(kb.name.name.as_str()) {
            diagnostics.push(unused(
                context,
                "unused-knowledge",
                &kb.name,
                kb.span,
                format!("nothing answers from the knowledge base `{}`", kb.name.name),
                "add an `answer from` where customers ask such questions, or delete it",
                "knowledge base",
            ));
        }
    }
}

fn unused(
    context: &Context,
    check: &str,
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
