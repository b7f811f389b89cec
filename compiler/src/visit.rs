//! Walking statements and expressions: one place that knows every place a statement or an
//! expression can hide (if branches, option actions, handlers, `answer … else`).

use crate::ast::*;

/// Calls `f` on every statement of `block`, depth first, including nested ones.
pub fn each_stmt<'a>(block: &'a Block, f: &mut dyn FnMut(&'a Stmt)) {
    for stmt in &block.statements {
        f(stmt);
        for child in child_blocks(stmt) {
            each_stmt(child, f);
        }
    }
}

/// The blocks directly inside a statement.
pub fn child_blocks(stmt: &Stmt) -> Vec<&Block> {
    match &stmt.kind {
        StmtKind::If(if_) => {
            let mut blocks: Vec<&Block> = if_.branches.iter().map(|(_, b)| b).collect();
            blocks.extend(if_.otherwise.as_ref());
            blocks
        }
        StmtKind::Menu(menu) => {
            let mut blocks: Vec<&Block> = menu.options.iter().map(|o| &o.action).collect();
            blocks.extend(menu.handlers.iter().map(|h| &h.action));
            blocks
        }
        StmtKind::Ask(ask) => ask.handlers.iter().map(|h| &h.action).collect(),
        StmtKind::Answer(answer) => answer.otherwise.iter().collect(),
        _ => Vec::new(),
    }
}

/// Every block of a flow: state bodies, flow-level handler actions and escalate actions.
pub fn flow_blocks(flow: &Flow) -> Vec<&Block> {
    let mut blocks: Vec<&Block> = flow.states.iter().map(|s| &s.body).collect();
    blocks.extend(flow.handlers.iter().map(|h| &h.action));
    blocks.extend(flow.escalate.iter().map(|r| &r.action));
    blocks
}

/// Every statement of a flow, wherever it is.
pub fn each_flow_stmt<'a>(flow: &'a Flow, f: &mut dyn FnMut(&'a Stmt)) {
    for block in flow_blocks(flow) {
        each_stmt(block, f);
    }
}

/// The expressions a statement holds directly (not those of nested statements).
pub fn stmt_exprs(stmt: &Stmt) -> Vec<&Expr> {
    let mut exprs = Vec::new();
    let mut strings: Vec<&Str> = Vec::new();
    match &stmt.kind {
        StmtKind::Say(text) => strings.push(text),
        StmtKind::Ask(ask) => {
            strings.push(&ask.prompt);
            for handler in &ask.handlers {
                strings.extend(handler.retry.as_ref().and_then(|r| r.message.as_ref()));
            }
        }
        StmtKind::Menu(menu) => {
            strings.push(&menu.prompt);
            strings.extend(menu.options.iter().map(|o| &o.label));
            for handler in &menu.handlers {
                strings.extend(handler.retry.as_ref().and_then(|r| r.message.as_ref()));
            }
        }
        StmtKind::Handoff(handoff) => strings.extend(handoff.reason.as_ref()),
        StmtKind::If(if_) => exprs.extend(if_.branches.iter().map(|(c, _)| c)),
        StmtKind::Set { value, .. } => exprs.push(value),
        StmtKind::Call(call) => exprs.extend(call.args.iter().map(|(_, e)| e)),
        StmtKind::Answer(answer) => strings.extend(answer.topic.as_ref()),
        StmtKind::Goto(_) | StmtKind::End | StmtKind::Error => {}
    }
    for string in strings {
        exprs.extend(interpolations(string));
    }
    exprs
}

/// The `{expr}` parts of a string.
pub fn interpolations(string: &Str) -> impl Iterator<Item = &Expr> {
    string.parts.iter().filter_map(|p| match p {
        StrPart::Interpolation(e) => Some(e),
        StrPart::Text(_) => None,
    })
}

/// Calls `f` on `expr` and every expression inside it.
pub fn each_expr<'a>(expr: &'a Expr, f: &mut dyn FnMut(&'a Expr)) {
    f(expr);
    match &expr.kind {
        ExprKind::String(s) => {
            for e in interpolations(s) {
                each_expr(e, f);
            }
        }
        ExprKind::List(items) => items.iter().for_each(|e| each_expr(e, f)),
        ExprKind::Record(fields) => fields.iter().for_each(|(_, e)| each_expr(e, f)),
        ExprKind::Field(inner, _) | ExprKind::Not(inner) => each_expr(inner, f),
        ExprKind::Binary(_, a, b) => {
            each_expr(a, f);
            each_expr(b, f);
        }
        ExprKind::IsSet { value, .. } => each_expr(value, f),
        ExprKind::In { value, list, .. } => {
            each_expr(value, f);
            each_expr(list, f);
        }
        ExprKind::Matches(value, _) => each_expr(value, f),
        _ => {}
    }
}
