//! `value-out-of-range`: numbers, durations and sizes that parse but that no flow can mean
//! or that the bundle cannot hold — a `retry` of 10²³, a `timeout` of 10²⁰ hours,
//! `digits(0)`, a string with more than [`MAX_ARGS`] interpolations, a list of more items,
//! a test `time` on the 13th month. Reported by `check`, so that nothing it accepts fails in
//! `build` or only when a test runs.

use crate::ast::*;
use crate::diagnostic::{Diagnostic, ids};
use crate::source::Span;
use crate::visit;
use csflow_runtime::bundle::MAX_MENU_ITEMS;
use csflow_runtime::bundle::verify::MAX_ARGS;

/// The most retries a handler may ask for.
pub const MAX_RETRY: u32 = 100;

/// The longest timeout: one day.
pub const MAX_TIMEOUT_MILLIS: u64 = 24 * 60 * 60 * 1000;

/// The longest `digits(N)`.
pub const MAX_DIGITS: u32 = 64;

pub fn check(files: &[(crate::source::FileId, File)], diagnostics: &mut Vec<Diagnostic>) {
    for (_, file) in files {
        for item in &file.items {
            match item {
                Item::Service(service) => {
                    if let Some(timeout) = &service.timeout {
                        duration(timeout, diagnostics);
                    }
                    for operation in &service.operations {
                        for field in operation.params.iter().chain(&operation.returns) {
                            digits(&field.ty, diagnostics);
                        }
                    }
                }
                Item::Flow(flow) => check_flow(flow, diagnostics),
                Item::Test(test) => check_test(test, diagnostics),
                _ => {}
            }
        }
    }
}

fn out_of_range(
    span: Span,
    message: String,
    label: impl Into<std::borrow::Cow<'static, str>>,
    note: impl Into<std::borrow::Cow<'static, str>>,
) -> Diagnostic {
    Diagnostic::new(ids::VALUE_OUT_OF_RANGE, span, message)
        .with_primary_message(label)
        .with_note(note)
}

fn duration(timeout: &DurationLit, diagnostics: &mut Vec<Diagnostic>) {
    if timeout.millis > MAX_TIMEOUT_MILLIS {
        diagnostics.push(out_of_range(
            timeout.span,
            "this timeout is longer than a day".into(),
            "too long",
            "timeouts run from 1ms to 24h; a service that needs longer should answer later",
        ));
    }
}

fn digits(ty: &TypeExpr, diagnostics: &mut Vec<Diagnostic>) {
    if let TypeKind::Digits { min, max } = &ty.kind {
        for n in [min, max].into_iter().flatten() {
            if *n == 0 || *n > MAX_DIGITS {
                diagnostics.push(out_of_range(
                    ty.span,
                    format!("`digits` takes 1 to {MAX_DIGITS} digits, not {}", shown(*n)),
                    "out of range",
                    "write digits(4) for exactly four digits, digits(4..6) for four to six",
                ));
                return;
            }
        }
    }
}

/// A number as written, or "more than 4,294,967,295" when it overflowed while parsing.
fn shown(n: u32) -> String {
    if n == u32::MAX {
        format!("more than {}", u32::MAX - 1)
    } else {
        n.to_string()
    }
}

fn retry(handler: &Handler, diagnostics: &mut Vec<Diagnostic>) {
    if let Some(retry) = &handler.retry
        && retry.count > MAX_RETRY
    {
        diagnostics.push(out_of_range(
            retry.span,
            format!("this handler retries more than {MAX_RETRY} times"),
            format!("{} retries", shown(retry.count)),
            "callers give up long before this: retry 1 to 3 times, then hand off",
        ));
    }
}

fn string(text: &Str, diagnostics: &mut Vec<Diagnostic>) {
    let count = visit::interpolations(text).count();
    if count > MAX_ARGS as usize {
        diagnostics.push(out_of_range(
            text.span,
            format!("this string has {count} interpolations; at most {MAX_ARGS} fit in one"),
            "too many `{…}`",
            "split it into several `say` statements",
        ));
    }
}

fn expr(expr: &Expr, diagnostics: &mut Vec<Diagnostic>) {
    visit::each_expr(expr, &mut |e| match &e.kind {
        ExprKind::List(items) if items.len() > MAX_ARGS as usize => diagnostics.push(out_of_range(
            e.span,
            format!(
                "this list has {} items; at most {MAX_ARGS} fit in one",
                items.len()
            ),
            "too many items",
            "match long lists with a regex, or split the condition with `or`",
        )),
        ExprKind::String(s) => string(s, diagnostics),
        _ => {}
    });
}

fn check_flow(flow: &Flow, diagnostics: &mut Vec<Diagnostic>) {
    for slot in &flow.slots {
        digits(&slot.ty, diagnostics);
    }
    for handler in &flow.handlers {
        retry(handler, diagnostics);
        if let Some(message) = handler.retry.as_ref().and_then(|r| r.message.as_ref()) {
            string(message, diagnostics);
        }
    }
    visit::each_flow_stmt(flow, &mut |stmt| {
        let handlers: &[Handler] = match &stmt.kind {
            StmtKind::Ask(ask) => &ask.handlers,
            StmtKind::Menu(menu) => &menu.handlers,
            StmtKind::Call(call) => &call.handlers,
            _ => &[],
        };
        if let StmtKind::Menu(menu) = &stmt.kind
            && let Some(dynamic) = &menu.dynamic
            && let Some((count, span)) = dynamic.max
            && !(1..=MAX_MENU_ITEMS).contains(&count)
        {
            diagnostics.push(out_of_range(
                span,
                format!(
                    "`options from` lists 1 to {MAX_MENU_ITEMS} items, not {}",
                    shown(count)
                ),
                "out of range",
                "callers choose from a few items: `max 5` on voice, at most 20 in a chat",
            ));
        }
        for handler in handlers {
            retry(handler, diagnostics);
        }
        // Strings of the statement (prompts, reasons, topics) as strings, so each is
        // counted once; the other expressions walked for lists.
        let mut strings: Vec<&Str> = Vec::new();
        match &stmt.kind {
            StmtKind::Say(text) => strings.push(text),
            StmtKind::Ask(ask) => strings.push(&ask.prompt),
            StmtKind::Menu(menu) => {
                strings.push(&menu.prompt);
                strings.extend(menu.options.iter().map(|o| &o.label));
                strings.extend(menu.dynamic.iter().map(|d| &d.label));
            }
            StmtKind::Handoff(handoff) => strings.extend(handoff.reason.as_ref()),
            StmtKind::Answer(answer) => strings.extend(answer.topic.as_ref()),
            _ => {}
        }
        strings.extend(
            handlers
                .iter()
                .filter_map(|h| h.retry.as_ref().and_then(|r| r.message.as_ref())),
        );
        for text in strings {
            string(text, diagnostics);
            for e in visit::interpolations(text) {
                expr(e, diagnostics);
            }
        }
        match &stmt.kind {
            StmtKind::If(if_) => if_.branches.iter().for_each(|(c, _)| expr(c, diagnostics)),
            StmtKind::Set { value, .. } => expr(value, diagnostics),
            StmtKind::Call(call) => call.args.iter().for_each(|(_, e)| expr(e, diagnostics)),
            _ => {}
        }
    });
    for rule in &flow.escalate {
        expr(&rule.condition, diagnostics);
    }
}

fn check_test(test: &Test, diagnostics: &mut Vec<Diagnostic>) {
    for step in &test.steps {
        if let TestStepKind::Time { date, time, .. } = &step.kind {
            let valid = chrono::NaiveDate::from_ymd_opt(date.year, date.month, date.day)
                .and_then(|day| day.and_hms_opt(time.hour, time.minute, 0))
                .is_some();
            if !valid {
                diagnostics.push(out_of_range(
                    step.span,
                    format!(
                        "{:04}-{:02}-{:02} {:02}:{:02} is not a date and time",
                        date.year, date.month, date.day, time.hour, time.minute
                    ),
                    "no such date or time",
                    "months run 1 to 12, days to the month's last, hours 00 to 23, minutes 00 to 59",
                ));
            }
        }
    }
}
