//! What happens when things go wrong: `missing-no-match`, `missing-no-input` (voice) and
//! `handoff-without-after-hours`.
//!
//! Each reports once per flow, on the first place that lacks the handler, with labels on
//! the others: one flow-level handler fixes them all, and the fix adds it.

use super::broken::Line;
use super::reachability::input_span;
use super::{Context, edits};
use crate::ast::*;
use crate::diagnostic::Diagnostic;
use crate::diagnostic::ids;
use crate::resolve::FlowModel;
use crate::source::Span;

const MAX_LABELS: usize = 12;

pub fn check(context: &Context, flow: &FlowModel, diagnostics: &mut Vec<Diagnostic>) {
    let f = flow.flow;
    // A flow-level line that did not parse may be the handler it names (or the start of).
    let broken: Vec<Line> = f
        .errors
        .iter()
        .map(|s| Line::read(context.sources, *s))
        .collect();
    let has = |kind: HandlerKind| {
        f.handlers.iter().any(|h| h.kind == kind)
            || broken.iter().any(|l| l.may_handle(kind.as_str()))
    };
    let mut no_match: Vec<&Stmt> = Vec::new();
    let mut no_input: Vec<&Stmt> = Vec::new();
    let mut uncovered_handoffs: Vec<(&Stmt, &Queue)> = Vec::new();
    let mut first_queue: Option<&str> = None;
    let flow_closed = has(HandlerKind::Closed);
    let mut visit = Visit {
        context,
        no_match: &mut no_match,
        no_input: &mut no_input,
        handoffs: &mut uncovered_handoffs,
        first_queue: &mut first_queue,
    };
    for state in &f.states {
        visit.block(&state.body, flow_closed);
    }
    for handler in &f.handlers {
        visit.block(&handler.action, flow_closed);
    }
    for rule in &f.escalate {
        visit.block(&rule.action, flow_closed);
    }
    if !has(HandlerKind::NoMatch) && !no_match.is_empty() {
        let action = match first_queue {
            Some(queue) => format!("handoff {queue}"),
            None => "end".to_string(),
        };
        diagnostics.push(missing(
            context,
            f,
            ids::MISSING_NO_MATCH,
            &no_match,
            "no_match",
            "is not understood",
            &format!("on no_match retry 2 then {action}"),
        ));
    }
    if f.is_voice() && !has(HandlerKind::NoInput) && !no_input.is_empty() {
        diagnostics.push(missing(
            context,
            f,
            ids::MISSING_NO_INPUT,
            &no_input,
            "no_input",
            "stays silent",
            "on no_input retry 2 then end",
        ));
    }
    if let Some((first, queue)) = uncovered_handoffs.first()
        && let Some(queue_name) = &queue.name
    {
        let hours = queue.hours.as_ref().map_or("", |h| h.name.as_str());
        let mut diagnostic = Diagnostic::new(
            ids::HANDOFF_WITHOUT_AFTER_HOURS,
            handoff_span(first),
            format!("the queue `{}` is staffed only during `{hours}`, and no `on closed` handler says what happens outside them", queue_name.name),
        )
        .with_primary_message("callers sent here out of hours wait for agents who are not there")
        .with_label(queue_name.span, format!("`{}` has opening hours", queue_name.name));
        for (other, queue) in uncovered_handoffs.iter().skip(1).take(MAX_LABELS) {
            diagnostic = diagnostic.with_label(
                handoff_span(other),
                format!(
                    "also hands off to `{}`, which has hours",
                    queue.name.text().unwrap_or_default()
                ),
            );
        }
        if uncovered_handoffs.len() > MAX_LABELS + 1 {
            diagnostic = diagnostic.with_note(format!(
                "{} more such hand-offs are not shown",
                uncovered_handoffs.len() - 1 - MAX_LABELS
            ));
        }
        diagnostics.push(diagnostic.with_note(
            "add an `on closed` handler, flow-wide or on the enclosing `ask`/`menu`, that tells callers when to come back or offers another route",
        ));
    }
}

struct Visit<'v, 'a> {
    context: &'v Context<'v, 'a>,
    no_match: &'v mut Vec<&'a Stmt>,
    no_input: &'v mut Vec<&'a Stmt>,
    handoffs: &'v mut Vec<(&'a Stmt, &'a Queue)>,
    first_queue: &'v mut Option<&'a str>,
}

impl<'a> Visit<'_, 'a> {
    /// `closed`: an `on closed` handler is in scope here.
    fn block(&mut self, block: &'a Block, closed: bool) {
        for stmt in &block.statements {
            match &stmt.kind {
                StmtKind::Handoff(handoff) => {
                    self.first_queue.get_or_insert(handoff.queue.name.as_str());
                    if let Some(queue) = self.context.model.queues.get(&handoff.queue.name)
                        && queue.hours.is_some()
                        && !closed
                    {
                        self.handoffs.push((stmt, queue));
                    }
                }
                StmtKind::If(if_) => {
                    for (_, branch) in &if_.branches {
                        self.block(branch, closed);
                    }
                    if let Some(otherwise) = &if_.otherwise {
                        self.block(otherwise, closed);
                    }
                }
                StmtKind::Answer(answer) => {
                    if let Some(otherwise) = &answer.otherwise {
                        self.block(otherwise, closed);
                    }
                }
                StmtKind::Ask(ask) => self.input(stmt, &ask.handlers, &[], closed),
                StmtKind::Menu(menu) => self.input(stmt, &menu.handlers, &menu.options, closed),
                _ => {}
            }
        }
    }

    fn input(
        &mut self,
        stmt: &'a Stmt,
        handlers: &'a [Handler],
        options: &'a [MenuOption],
        closed: bool,
    ) {
        // A menu line that did not parse may be the handler it names.
        let broken: Vec<Line> = match &stmt.kind {
            StmtKind::Menu(menu) => menu
                .errors
                .iter()
                .map(|s| Line::read(self.context.sources, *s))
                .collect(),
            _ => Vec::new(),
        };
        let has = |kind: HandlerKind| {
            handlers.iter().any(|h| h.kind == kind)
                || broken.iter().any(|l| l.may_handle(kind.as_str()))
        };
        if !has(HandlerKind::NoMatch) {
            self.no_match.push(stmt);
        }
        if !has(HandlerKind::NoInput) {
            self.no_input.push(stmt);
        }
        let inner = closed || has(HandlerKind::Closed);
        for option in options {
            self.block(&option.action, inner);
        }
        for handler in handlers {
            self.block(&handler.action, inner);
        }
    }
}

fn missing(
    context: &Context,
    flow: &Flow,
    check: crate::diagnostic::CheckId,
    lacking: &[&Stmt],
    kind: &str,
    when: &str,
    handler: &str,
) -> Diagnostic {
    let what = |stmt: &Stmt| {
        if matches!(stmt.kind, StmtKind::Menu(_)) {
            "menu"
        } else {
            "question"
        }
    };
    let first = lacking[0];
    let mut diagnostic = Diagnostic::new(
        check,
        input_span(first),
        format!(
            "this {} has no `on {kind}` handler, here or flow-wide",
            what(first)
        ),
    )
    .with_primary_message(format!(
        "what happens when the caller {when} is left to the runtime"
    ));
    for stmt in lacking.iter().skip(1).take(MAX_LABELS) {
        diagnostic = diagnostic.with_label(
            input_span(stmt),
            format!("this {} has none either", what(stmt)),
        );
    }
    if lacking.len() > MAX_LABELS + 1 {
        diagnostic = diagnostic.with_note(format!(
            "{} more input points have none either",
            lacking.len() - 1 - MAX_LABELS
        ));
    }
    diagnostic = diagnostic.with_note(format!(
        "add a flow-wide `{handler}` (or an `on {kind}` handler on the statement) so callers are re-prompted and then helped"
    ));
    let anchor: Option<Span> = flow
        .handlers
        .first()
        .map(|h| h.span)
        .or(flow.states.first().map(|s| s.span));
    if let Some(anchor) = anchor {
        let blank_after = flow.handlers.is_empty();
        diagnostic = diagnostic.with_fix(edits::unsafe_fix(
            match flow.name.text() {
                Some(name) => format!("add `{handler}` to the flow `{name}`"),
                None => format!("add `{handler}` to the flow"),
            },
            vec![edits::insert_line_before(
                context.sources,
                anchor,
                handler,
                blank_after,
            )],
        ));
    }
    diagnostic
}

/// `handoff QUEUE`, without what follows (the statement's span may run on to the next token).
fn handoff_span(stmt: &Stmt) -> Span {
    match &stmt.kind {
        StmtKind::Handoff(handoff) => Span {
            end: handoff.queue.span.end,
            ..stmt.span
        },
        _ => stmt.span,
    }
}
