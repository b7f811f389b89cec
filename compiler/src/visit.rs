//! Walking statements and expressions: the one place that knows every place a statement or
//! an expression can hide (if branches, option actions, handlers and their retry messages,
//! `answer … else`, slot defaults, `escalate` conditions). Nothing here allocates: the
//! checks walk every statement of projects with 100,000 states.

use crate::ast::*;

/// Calls `f` on every statement of `block`, depth first, nested ones included.
pub fn each_stmt<'a>(block: &'a Block, f: &mut dyn FnMut(&'a Stmt)) {
    for stmt in &block.statements {
        f(stmt);
        each_child_block(stmt, &mut |child| each_stmt(child, f));
    }
}

/// Calls `f` on the blocks directly inside a statement, in source order: `if` branches and
/// `else`, menu options (the `options from` ACTION after them) then menu handlers, ask and
/// call handlers, `answer … else`.
pub fn each_child_block<'a>(stmt: &'a Stmt, f: &mut dyn FnMut(&'a Block)) {
    match &stmt.kind {
        StmtKind::If(if_) => {
            for (_, branch) in &if_.branches {
                f(branch);
            }
            if let Some(otherwise) = &if_.otherwise {
                f(otherwise);
            }
        }
        StmtKind::Menu(menu) => {
            for option in &menu.options {
                f(&option.action);
            }
            if let Some(dynamic) = &menu.dynamic {
                f(&dynamic.action);
            }
            for handler in &menu.handlers {
                f(&handler.action);
            }
        }
        StmtKind::Ask(ask) => {
            for handler in &ask.handlers {
                f(&handler.action);
            }
        }
        StmtKind::Call(call) => {
            for handler in &call.handlers {
                f(&handler.action);
            }
        }
        StmtKind::Answer(answer) => {
            if let Some(otherwise) = &answer.otherwise {
                f(otherwise);
            }
        }
        _ => {}
    }
}

/// Calls `f` on every block of a flow that is not inside a statement: state bodies, then
/// flow-level handler actions, then escalate actions.
pub fn each_flow_block<'a>(flow: &'a Flow, f: &mut dyn FnMut(&'a Block)) {
    for state in &flow.states {
        f(&state.body);
    }
    for handler in &flow.handlers {
        f(&handler.action);
    }
    for rule in &flow.escalate {
        f(&rule.action);
    }
}

/// Calls `f` on every statement of a flow, wherever it is (state bodies, flow-level
/// handlers, escalate actions; nested ones included).
pub fn each_flow_stmt<'a>(flow: &'a Flow, f: &mut dyn FnMut(&'a Stmt)) {
    each_flow_block(flow, &mut |block| each_stmt(block, f));
}

/// The `{expr}` parts of a string.
pub fn interpolations(string: &Str) -> impl Iterator<Item = &Expr> {
    string.parts.iter().filter_map(|p| match p {
        StrPart::Interpolation(e) => Some(&**e),
        StrPart::Text(..) => None,
    })
}

/// Calls `f` on the interpolations of the retry messages of `handlers`.
fn retry_messages<'a>(handlers: &'a [Handler], f: &mut dyn FnMut(&'a Expr)) {
    for handler in handlers {
        if let Some(message) = handler.retry.as_ref().and_then(|r| r.message.as_ref()) {
            interpolations(message).for_each(&mut *f);
        }
    }
}

/// Calls `f` on the expressions a statement holds directly (conditions, values, arguments
/// and the interpolations of its strings, its handlers' retry messages included), not those
/// of nested statements.
pub fn each_stmt_expr<'a>(stmt: &'a Stmt, f: &mut dyn FnMut(&'a Expr)) {
    match &stmt.kind {
        StmtKind::Say(text) => interpolations(text).for_each(f),
        StmtKind::Ask(ask) => {
            interpolations(&ask.prompt).for_each(&mut *f);
            retry_messages(&ask.handlers, f);
        }
        StmtKind::Menu(menu) => {
            interpolations(&menu.prompt).for_each(&mut *f);
            for option in &menu.options {
                interpolations(&option.label).for_each(&mut *f);
            }
            if let Some(dynamic) = &menu.dynamic {
                f(&dynamic.list);
                interpolations(&dynamic.label).for_each(&mut *f);
            }
            retry_messages(&menu.handlers, f);
        }
        StmtKind::Handoff(handoff) => {
            if let Some(reason) = &handoff.reason {
                interpolations(reason).for_each(f);
            }
        }
        StmtKind::If(if_) => {
            for (condition, _) in &if_.branches {
                f(condition);
            }
        }
        StmtKind::Set { value, .. } => f(value),
        StmtKind::Call(call) => {
            for (_, arg) in &call.args {
                f(arg);
            }
        }
        StmtKind::Answer(answer) => {
            if let Some(topic) = &answer.topic {
                interpolations(topic).for_each(f);
            }
        }
        StmtKind::Speak(speak) => interpolations(&speak.text).for_each(f),
        StmtKind::Transfer(transfer) => {
            if let Some(reason) = &transfer.reason {
                interpolations(reason).for_each(f);
            }
        }
        StmtKind::Goto(_) | StmtKind::End | StmtKind::Error => {}
    }
}

/// Calls `f` on the expressions of a flow that belong to no statement: slot defaults,
/// `escalate` conditions and the retry messages of flow-level handlers.
pub fn each_flow_level_expr<'a>(flow: &'a Flow, f: &mut dyn FnMut(&'a Expr)) {
    for slot in &flow.slots {
        if let Some(default) = &slot.default {
            f(default);
        }
    }
    for rule in &flow.escalate {
        f(&rule.condition);
    }
    retry_messages(&flow.handlers, f);
}

/// Calls `f` on every outermost expression of a flow: the flow-level ones, then those of
/// every statement. Nested expressions are reached with [`each_expr`].
pub fn each_flow_root_expr<'a>(flow: &'a Flow, f: &mut dyn FnMut(&'a Expr)) {
    each_flow_level_expr(flow, f);
    each_flow_stmt(flow, &mut |stmt| each_stmt_expr(stmt, f));
}

/// Calls `f` on every expression of a flow, nested ones included.
pub fn each_flow_expr<'a>(flow: &'a Flow, f: &mut dyn FnMut(&'a Expr)) {
    each_flow_root_expr(flow, &mut |root| each_expr(root, f));
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
        ExprKind::Field(inner, _) | ExprKind::Not(inner) | ExprKind::Paren(inner) => {
            each_expr(inner, f)
        }
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
        ExprKind::Number(_)
        | ExprKind::Bool(_)
        | ExprKind::None
        | ExprKind::Date(_)
        | ExprKind::Time(_)
        | ExprKind::Duration(_)
        | ExprKind::Name(_)
        | ExprKind::Intent(_)
        | ExprKind::Open(_) => {}
    }
}

/// How a block ends: the one answer to "does this block fall through", shared by the
/// structure check (which reports a state or handler that can fall off its end) and codegen
/// (which adds an `end`, a `jump` or a `return` after a block that does not [`Ending::Ends`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// Every path ends in `goto`, `end` or `handoff` (or a statement that did not parse: its
    /// syntax error is reported already, and codegen never sees one).
    Ends,
    /// Every path ends, but some only because every option and handler of a menu ends. A menu
    /// continues at its `after` address, so codegen still places a landing instruction after
    /// it; for the checks this block ends.
    EndsThroughMenu,
    /// Some path reaches the end of the block.
    FallsThrough,
}

impl Ending {
    /// Whether no path reaches the end (what the checks ask).
    pub fn ends(self) -> bool {
        self != Ending::FallsThrough
    }
}

/// How `block` ends (see [`Ending`]). An `if` ends when it has an `else` and every branch
/// ends; a menu ends when it has options and every option and handler ends; the first
/// statement that ends outright decides.
pub fn block_ending(block: &Block) -> Ending {
    let mut ending = Ending::FallsThrough;
    for stmt in &block.statements {
        match stmt_ending(stmt) {
            Ending::Ends => return Ending::Ends,
            Ending::EndsThroughMenu => ending = Ending::EndsThroughMenu,
            Ending::FallsThrough => {}
        }
    }
    ending
}

/// How control leaves `stmt` (see [`Ending`]).
pub fn stmt_ending(stmt: &Stmt) -> Ending {
    match &stmt.kind {
        StmtKind::Goto(_)
        | StmtKind::End
        | StmtKind::Handoff(_)
        | StmtKind::Transfer(_)
        | StmtKind::Error => Ending::Ends,
        StmtKind::If(if_) => {
            let Some(otherwise) = &if_.otherwise else {
                return Ending::FallsThrough;
            };
            let blocks = if_.branches.iter().map(|(_, b)| b).chain([otherwise]);
            blocks.fold(Ending::Ends, |all, b| match (all, block_ending(b)) {
                (Ending::FallsThrough, _) | (_, Ending::FallsThrough) => Ending::FallsThrough,
                (Ending::EndsThroughMenu, _) | (_, Ending::EndsThroughMenu) => {
                    Ending::EndsThroughMenu
                }
                (Ending::Ends, Ending::Ends) => Ending::Ends,
            })
        }
        // A menu moves on only through its options: when every option ends, so does the menu.
        // Handlers that fall through continue after the menu, like options do.
        StmtKind::Menu(menu) => {
            let ends = (!menu.options.is_empty() || menu.dynamic.is_some())
                && menu.options.iter().all(|o| block_ending(&o.action).ends())
                && menu.dynamic.iter().all(|d| block_ending(&d.action).ends())
                && menu.handlers.iter().all(|h| block_ending(&h.action).ends());
            if ends {
                Ending::EndsThroughMenu
            } else {
                Ending::FallsThrough
            }
        }
        _ => Ending::FallsThrough,
    }
}
