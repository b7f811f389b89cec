//! Expressions and types, printed as parsed: parentheses and every `not` as written,
//! literals from their source slices, one space around operators, none inside `( )`/`[ ]`.

use super::printer::Printer;
use crate::ast::{Expr, ExprKind, Ident, RegexLit, Str, TypeExpr, TypeKind};

pub fn ident(p: &mut Printer, name: &Ident) {
    p.slice(name.span.start as usize, name.span.end as usize);
}

/// A declaration's name (files with syntax errors are never printed, so it is written);
/// returns the offset after it, where the next token goes (`at` when it is absent).
pub fn decl_name(p: &mut Printer, name: &Option<Ident>, at: usize) -> usize {
    match name {
        Some(name) => {
            ident(p, name);
            name.span.end as usize
        }
        None => at,
    }
}

/// `WORD NAME` (`goto s1`, `intent agent`, `expect handoff q`): the keyword at `at`.
pub fn word_ident(p: &mut Printer, at: usize, word: &str, name: &Ident) {
    p.tok(at, word);
    ident(p, name);
}

pub fn string(p: &mut Printer, s: &Str) {
    p.slice(s.span.start as usize, s.span.end as usize);
}

pub fn regex(p: &mut Printer, r: &RegexLit) {
    p.slice(r.span.start as usize, r.span.end as usize);
}

pub fn type_expr(p: &mut Printer, ty: &TypeExpr) {
    let at = ty.span.start as usize;
    match &ty.kind {
        TypeKind::Enum(values) if values.iter().any(|v| v.label.is_some()) => {
            p.tok(at, "enum");
            p.word_after(at + "enum".len(), "{");
            for value in values {
                ident(p, &value.name);
                if let Some(label) = &value.label {
                    string(p, label);
                }
            }
            p.tok(ty.span.end as usize - 1, "}");
        }
        TypeKind::TextMatching(re) => {
            p.tok(at, "text");
            p.word_after(at + "text".len(), "matching");
            regex(p, re);
        }
        TypeKind::List(element) => {
            p.tok(at, "list");
            p.word_after(at + "list".len(), "of");
            type_expr(p, element);
        }
        TypeKind::Record(fields) => {
            p.tok(at, "{");
            for (i, f) in fields.iter().enumerate() {
                if i > 0 {
                    p.glued(f.span.start as usize, ",");
                }
                ident(p, &f.name);
                p.glued(f.name.span.end as usize, ":");
                type_expr(p, &f.ty);
            }
            p.tok(ty.span.end as usize - 1, "}");
        }
        _ => p.tok(at, &ty.kind.describe()),
    }
}

pub fn expr(p: &mut Printer, e: &Expr) {
    let at = e.span.start as usize;
    match &e.kind {
        ExprKind::String(s) => string(p, s),
        ExprKind::Number(_)
        | ExprKind::Bool(_)
        | ExprKind::None
        | ExprKind::Date(_)
        | ExprKind::Time(_)
        | ExprKind::Duration(_) => p.slice(at, e.span.end as usize),
        ExprKind::List(items) => {
            p.tok(at, "[");
            p.glue_next();
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    p.glued(item.span.start as usize, ",");
                }
                expr(p, item);
            }
            p.glued(e.span.end as usize - 1, "]");
        }
        ExprKind::Record(fields) => {
            p.tok(at, "{");
            for (i, (name, value)) in fields.iter().enumerate() {
                if i > 0 {
                    p.glued(name.span.start as usize, ",");
                }
                ident(p, name);
                p.glued(name.span.end as usize, ":");
                expr(p, value);
            }
            p.tok(e.span.end as usize - 1, "}");
        }
        ExprKind::Name(name) => ident(p, name),
        ExprKind::Field(inner, name) => {
            expr(p, inner);
            p.glued(name.span.start as usize, ".");
            p.glue_next();
            ident(p, name);
        }
        ExprKind::Intent(name) => word_ident(p, at, "intent", name),
        ExprKind::Open(name) => {
            p.tok(at, "open");
            p.glued(name.span.start as usize, "(");
            p.glue_next();
            ident(p, name);
            p.glued(e.span.end as usize - 1, ")");
        }
        ExprKind::Paren(inner) => {
            p.tok(at, "(");
            p.glue_next();
            expr(p, inner);
            p.glued(e.span.end as usize - 1, ")");
        }
        ExprKind::Not(inner) => {
            p.tok(at, "not");
            expr(p, inner);
        }
        ExprKind::Binary(op, left, right) => {
            expr(p, left);
            p.word_after(left.span.end as usize, op.as_str());
            expr(p, right);
        }
        ExprKind::IsSet { value, negated } => {
            expr(p, value);
            let mut after = p.word_after(value.span.end as usize, "is");
            if *negated {
                after = p.word_after(after, "not");
            }
            p.word_after(after, "set");
        }
        ExprKind::In {
            value,
            list,
            negated,
        } => {
            expr(p, value);
            let mut after = value.span.end as usize;
            if *negated {
                after = p.word_after(after, "not");
            }
            p.word_after(after, "in");
            expr(p, list);
        }
        ExprKind::Matches(value, re) => {
            expr(p, value);
            p.word_after(value.span.end as usize, "matches");
            regex(p, re);
        }
    }
}

/// An expression alone on a scratch printer (no comments): its width, for alignment.
pub fn expr_text(src: &str, e: &Expr) -> String {
    let mut p = Printer::new(src, &[]);
    expr(&mut p, e);
    p.out
}
