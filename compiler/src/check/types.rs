//! `type-mismatch` and `unknown-field`: values used as what they are not.
//!
//! The type system is deliberately loose, as designers expect: `digits` compare with
//! numbers and text, an `enum` compares with its bare value names and with strings, `none`
//! fits anything, and anything that did not resolve is `Unknown` (its error was reported
//! already, so it never causes a second one).

use crate::ast::*;
use crate::diagnostic::Diagnostic;
use crate::diagnostic::ids;
use crate::resolve::{FlowModel, Model, NameRef, Type, lookup_name};
use crate::source::Span;
use crate::visit;
use csflow_runtime::builtins::BuiltinType;

#[derive(Debug, Clone, PartialEq)]
pub enum Ty<'a> {
    Bool,
    Number,
    /// A whole number: an `integer` slot, a whole literal, a count, and `+ - *` of them.
    Integer,
    Text,
    Digits,
    Date,
    Time,
    Duration,
    Enum(&'a [EnumValue]),
    Record(&'a [Field]),
    List(Box<Ty<'a>>),
    None,
    Unknown,
}

impl Ty<'_> {
    fn describe(&self) -> &'static str {
        self.kept().describe()
    }

    fn is_loose(&self) -> bool {
        matches!(self, Ty::Unknown | Ty::None)
    }

    /// The owned type kept in the resolution.
    fn kept(&self) -> Type {
        match self {
            Ty::Bool => Type::Bool,
            Ty::Number | Ty::Integer => Type::Number,
            Ty::Text => Type::Text,
            Ty::Digits => Type::Digits,
            Ty::Date => Type::Date,
            Ty::Time => Type::Time,
            Ty::Duration => Type::Duration,
            Ty::Enum(values) if values.iter().any(|v| v.label.is_some()) => {
                Type::LabelledEnum(Box::new(
                    values
                        .iter()
                        .map(|v| {
                            (
                                v.name.name.clone(),
                                v.label.as_ref().map(|l| l.plain_text()),
                            )
                        })
                        .collect(),
                ))
            }
            Ty::Enum(_) => Type::Enum,
            Ty::Record(_) => Type::Record,
            Ty::List(element) => Type::List(Box::new(element.kept())),
            Ty::None => Type::None,
            Ty::Unknown => Type::Unknown,
        }
    }
}

pub fn of_type(kind: &TypeKind) -> Ty<'_> {
    match kind {
        TypeKind::Text | TypeKind::Email | TypeKind::Phone | TypeKind::TextMatching(_) => Ty::Text,
        TypeKind::Number => Ty::Number,
        TypeKind::Integer => Ty::Integer,
        TypeKind::Digits { .. } => Ty::Digits,
        TypeKind::YesNo | TypeKind::Bool => Ty::Bool,
        TypeKind::Date => Ty::Date,
        TypeKind::Time => Ty::Time,
        TypeKind::Enum(values) => Ty::Enum(values),
        TypeKind::List(element) => Ty::List(Box::new(of_type(&element.kind))),
        TypeKind::Record(fields) => Ty::Record(fields),
        TypeKind::Unknown(_) | TypeKind::Missing => Ty::Unknown,
    }
}

/// Can a value of type `b` be compared with or stored into `a`?
fn compatible(a: &Ty, b: &Ty) -> bool {
    use Ty::*;
    if a.is_loose() || b.is_loose() {
        return true;
    }
    match (a, b) {
        (Text | Enum(_) | Digits, Text | Enum(_)) | (Text | Enum(_), Digits) => true,
        (Digits | Number | Integer, Digits | Number | Integer) => true,
        (List(x), List(y)) => compatible(x, y),
        (Record(_), Record(_)) => true,
        _ => std::mem::discriminant(a) == std::mem::discriminant(b),
    }
}

struct Checker<'m, 'a> {
    model: &'m Model<'a>,
    flow: &'m FlowModel<'a>,
    diagnostics: &'m mut Vec<Diagnostic>,
    /// Every expression's type, kept for the language server.
    types: &'m mut Vec<(Span, Type)>,
}

/// Checks one flow; the type of every expression is added to `types`.
pub fn check(
    model: &Model,
    flow: &FlowModel,
    diagnostics: &mut Vec<Diagnostic>,
    types: &mut Vec<(Span, Type)>,
) {
    let mut checker = Checker {
        model,
        flow,
        diagnostics,
        types,
    };
    for slot in &flow.flow.slots {
        if let TypeKind::Unknown(name) = &slot.ty.kind {
            checker.diagnostics.push(
                Diagnostic::new(ids::TYPE_MISMATCH, slot.ty.span, format!("unknown slot type `{name}`")).with_note(
                    "slot types are text, number, integer, digits, digits(N), digits(N..M), yes_no, date, time, email, phone and enum { … }",
                ),
            );
        }
        if let TypeKind::Digits {
            min: Some(min),
            max: Some(max),
        } = slot.ty.kind
            && min > max
        {
            checker.diagnostics.push(Diagnostic::new(
                ids::TYPE_MISMATCH,
                slot.ty.span,
                format!("`digits({min}..{max})` has its bounds reversed"),
            ));
        }
        if let Some(default) = &slot.default {
            let literal = match &default.kind {
                ExprKind::String(s) => !s.has_interpolation(),
                ExprKind::None
                | ExprKind::Bool(_)
                | ExprKind::Number(_)
                | ExprKind::Date(_)
                | ExprKind::Time(_)
                | ExprKind::Duration(_) => true,
                ExprKind::Name(name) => flow.is_enum_value(&name.name),
                _ => false,
            };
            if literal {
                let ty = checker.expr(default);
                let name = slot.name.as_ref().map_or("", |n| n.name.as_str());
                checker.expect_value(&of_type(&slot.ty.kind), &ty, default, name);
            } else {
                checker.mismatch(
                    default.span,
                    "a slot's default must be a literal value".to_string(),
                    "write a plain value (`= \"en\"`, `= 3`, `= none`); compute values with `set` in a state",
                );
            }
        }
    }
    for rule in &flow.flow.escalate {
        checker.condition(&rule.condition);
    }
    crate::visit::each_flow_stmt(flow.flow, &mut |stmt| checker.stmt(stmt));
    for handler in &flow.flow.handlers {
        if let Some(message) = handler.retry.as_ref().and_then(|r| r.message.as_ref()) {
            visit::interpolations(message).for_each(|e| {
                checker.expr(e);
            });
        }
    }
}

/// Test steps: mock records and `expect slot` values.
pub fn check_tests(
    model: &Model,
    diagnostics: &mut Vec<Diagnostic>,
    types: &mut Vec<(Span, Type)>,
) {
    for test in &model.tests {
        let mut flow = None;
        for step in &test.steps {
            match &step.kind {
                TestStepKind::Flow(name) => flow = model.flow(&name.name),
                TestStepKind::Mock {
                    service,
                    operation,
                    returns: Some(value),
                } => {
                    let Some(op) = model.operation(&service.name, &operation.name) else {
                        continue;
                    };
                    // Its result record did not parse: nothing to hold the mock to.
                    if op.broken {
                        continue;
                    }
                    let owner = format!("{}.{}", service.name, operation.name);
                    match &value.kind {
                        ExprKind::Record(_) => {
                            mock_record(model, flow, (&op.returns, &owner), value, diagnostics, types)
                        }
                        _ if op.returns.is_empty() => {}
                        _ => diagnostics.push(
                            Diagnostic::new(ids::TYPE_MISMATCH, value.span, "a mock of this operation returns a record")
                                .with_note("write `returns { field: value, … }` with the fields the service declares"),
                        ),
                    }
                }
                TestStepKind::Expect(Expectation::Slot { slot, value }) => {
                    if let Some(flow) = flow {
                        let mut checker = Checker {
                            model,
                            flow,
                            diagnostics,
                            types,
                        };
                        let expected = match flow.slots.get(slot.name.as_str()) {
                            Some(s) => of_type(&s.ty.kind),
                            None => Ty::Unknown,
                        };
                        let ty = checker.expr(value);
                        checker.expect_value(&expected, &ty, value, &slot.name);
                    }
                }
                _ => {}
            }
        }
    }
}

/// A mock's record (or a record item of one of its lists) against the declared `fields`:
/// unknown and missing fields, lists of records item by item, other values against their
/// type as a `set` is checked. A mock gives the whole record a service must send: the
/// runtime fails a call whose answer leaves a field out, at any depth.
fn mock_record(
    model: &Model,
    flow: Option<&FlowModel>,
    (fields, owner): (&[Field], &str),
    value: &Expr,
    diagnostics: &mut Vec<Diagnostic>,
    types: &mut Vec<(Span, Type)>,
) {
    let ExprKind::Record(given) = &value.kind else {
        return;
    };
    for (name, field_value) in given {
        let Some(field) = fields.iter().find(|f| f.name.name == name.name) else {
            diagnostics.push(unknown_field(name, fields, owner));
            continue;
        };
        match (&field.ty.kind, &field_value.kind) {
            (TypeKind::List(element), ExprKind::List(items))
                if matches!(element.kind, TypeKind::Record(_)) =>
            {
                let TypeKind::Record(item_fields) = &element.kind else {
                    continue;
                };
                let item_owner = format!("{owner}.{}", name.name);
                for item in items {
                    if matches!(item.kind, ExprKind::Record(_)) {
                        mock_record(
                            model,
                            flow,
                            (item_fields, &item_owner),
                            item,
                            diagnostics,
                            types,
                        );
                    } else {
                        diagnostics.push(
                            Diagnostic::new(ids::TYPE_MISMATCH, item.span, format!("the items of `{item_owner}` are records"))
                                .with_note("write each item as `{ field: value, … }` with the fields the service declares"),
                        );
                    }
                }
            }
            (TypeKind::Record(sub), ExprKind::Record(_)) => {
                let sub_owner = format!("{owner}.{}", name.name);
                mock_record(
                    model,
                    flow,
                    (sub, &sub_owner),
                    field_value,
                    diagnostics,
                    types,
                );
            }
            // The value against the declared type, as a `set` is checked.
            _ => {
                if let Some(flow) = flow {
                    let mut checker = Checker {
                        model,
                        flow,
                        diagnostics,
                        types,
                    };
                    let ty = checker.expr(field_value);
                    checker.expect_value(&of_type(&field.ty.kind), &ty, field_value, &name.name);
                }
            }
        }
    }
    let missing: Vec<String> = fields
        .iter()
        .filter(|f| !given.iter().any(|(n, _)| n.name == f.name.name))
        .map(|f| format!("`{}`", f.name.name))
        .collect();
    if !missing.is_empty() {
        diagnostics.push(
            Diagnostic::new(
                ids::TYPE_MISMATCH,
                value.span,
                format!("this mock of `{owner}` leaves out {}", missing.join(", ")),
            )
            .with_note("a mock returns the whole record the service declares: give every field a value (`none` for nothing)"),
        );
    }
}

fn unknown_field(name: &Ident, fields: &[Field], owner: &str) -> Diagnostic {
    let candidates: Vec<&str> = fields.iter().map(|f| f.name.name.as_str()).collect();
    let mut d = Diagnostic::new(
        ids::UNKNOWN_FIELD,
        name.span,
        format!("`{owner}` has no field `{}`", name.name),
    )
    .with_primary_message("not declared by the service");
    if candidates.is_empty() {
        d = d.with_note("the operation declares no fields here");
    } else if let Some(s) = crate::suggest::closest(&name.name, candidates.iter().copied()) {
        d = d.with_note(format!("did you mean `{s}`?"));
    } else {
        d = d.with_note(format!("the declared fields are {}", candidates.join(", ")));
    }
    d
}

impl<'m, 'a> Checker<'m, 'a> {
    fn mismatch(&mut self, span: Span, message: String, note: &str) {
        self.diagnostics
            .push(Diagnostic::new(ids::TYPE_MISMATCH, span, message).with_note(note.to_string()));
    }

    fn condition(&mut self, expr: &Expr) {
        let ty = self.expr(expr);
        if !ty.is_loose() && ty != Ty::Bool {
            self.mismatch(
                expr.span,
                format!("this condition is {}, not yes/no", ty.describe()),
                "compare it (`x == …`, `x > …`) or test whether it is filled in (`x is set`)",
            );
        }
    }

    fn expect_value(&mut self, expected: &Ty, got: &Ty, expr: &Expr, target: &str) {
        if let (Ty::Enum(values), ExprKind::String(s)) = (expected, &expr.kind)
            && !s.has_interpolation()
        {
            let text = s.plain_text();
            if !values.iter().any(|v| v.name.name == text) {
                let names: Vec<&str> = values.iter().map(|v| v.name.name.as_str()).collect();
                self.mismatch(
                    expr.span,
                    format!("\"{text}\" is not one of the choices of `{target}`"),
                    &format!("the choices are {}", names.join(", ")),
                );
            }
            return;
        }
        if *expected == Ty::Integer && *got == Ty::Number {
            self.mismatch(
                expr.span,
                format!("`{target}` holds whole numbers, but this number may have a fraction"),
                "`/` always gives a number (7 / 2 is 3.5), as does a literal with a decimal point; declare the slot `number`, or compute with `+ - *` only",
            );
            return;
        }
        if !compatible(expected, got) {
            self.mismatch(
                expr.span,
                format!(
                    "`{target}` holds {}, but this is {}",
                    expected.describe(),
                    got.describe()
                ),
                "use a value of the slot's type, or `none` to clear it",
            );
        }
    }

    fn stmt(&mut self, stmt: &Stmt) {
        match &stmt.kind {
            StmtKind::If(if_) => {
                for (condition, _) in &if_.branches {
                    self.condition(condition);
                }
            }
            StmtKind::Set { slot, value } => {
                let ty = self.expr(value);
                let expected = match lookup_name(self.flow, &slot.name) {
                    NameRef::Slot(s) => of_type(&s.ty.kind),
                    _ => Ty::Unknown,
                };
                self.expect_value(&expected, &ty, value, &slot.name);
            }
            StmtKind::Call(call) => self.call(call),
            _ => {
                crate::visit::each_stmt_expr(stmt, &mut |expr| {
                    self.expr(expr);
                });
            }
        }
    }

    fn call(&mut self, call: &Call) {
        let operation = self
            .model
            .operation(&call.service.name, &call.operation.name);
        let owner = format!("{}.{}", call.service.name, call.operation.name);
        for (name, value) in &call.args {
            let ty = self.expr(value);
            let Some(op) = operation else { continue };
            match op.params.iter().find(|p| p.name.name == name.name) {
                Some(param) => self.expect_value(&of_type(&param.ty.kind), &ty, value, &name.name),
                None => {
                    let d = unknown_field(name, &op.params, &owner)
                        .with_primary_message("not a parameter of this operation");
                    self.diagnostics.push(d);
                }
            }
        }
        if let Some(op) = operation {
            let missing: Vec<&str> = op
                .params
                .iter()
                .filter(|p| !call.args.iter().any(|(n, _)| n.name == p.name.name))
                .map(|p| p.name.name.as_str())
                .collect();
            if !missing.is_empty() {
                let span = call.operation.span;
                self.mismatch(
                    span,
                    format!(
                        "`{owner}` is called without {}",
                        missing
                            .iter()
                            .map(|m| format!("`{m}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    "pass every parameter the service declares, e.g. `name: slot`",
                );
            }
        }
    }

    /// `a + b`, `a - b`, `a * b`, `a / b`: integers stay integers under `+ - *`, `/` gives a
    /// number; `date ± integer` moves by days and `date - date` counts them; text is joined
    /// in a string (`"{a}{b}"`), never with `+`. A division by a constant zero is
    /// `division-by-zero`.
    fn arithmetic(&mut self, op: BinaryOp, left: &Expr, right: &Expr) -> Ty<'a> {
        let a = self.expr(left);
        let b = self.expr(right);
        if op == BinaryOp::Div && constant_number(right) == Some(0.0) {
            self.diagnostics.push(
                Diagnostic::new(ids::DIVISION_BY_ZERO, right.span, "this divides by zero")
                    .with_primary_message("always 0")
                    .with_note(
                        "a division by zero has no value; divide by something that cannot be 0",
                    ),
            );
        }
        let numeric = |t: &Ty| matches!(t, Ty::Number | Ty::Integer);
        match (&a, &b) {
            (Ty::Unknown | Ty::None, _) | (_, Ty::Unknown | Ty::None) => {
                if op == BinaryOp::Div {
                    Ty::Number
                } else if matches!((&a, &b), (Ty::Date, _) | (_, Ty::Date)) {
                    Ty::Date
                } else {
                    Ty::Unknown
                }
            }
            (Ty::Integer, Ty::Integer) if op != BinaryOp::Div => Ty::Integer,
            (x, y) if numeric(x) && numeric(y) => Ty::Number,
            (Ty::Date, Ty::Integer) if matches!(op, BinaryOp::Add | BinaryOp::Sub) => Ty::Date,
            (Ty::Integer, Ty::Date) if op == BinaryOp::Add => Ty::Date,
            (Ty::Date, Ty::Date) if op == BinaryOp::Sub => Ty::Integer,
            _ => {
                let (bad, note) = if !numeric(&a) && !matches!(a, Ty::Date) {
                    (&a, left)
                } else {
                    (&b, right)
                };
                let hint = match bad {
                    Ty::Text | Ty::Enum(_) => {
                        "join texts inside a string instead: \"{first} {last}\""
                    }
                    Ty::Digits => {
                        "digits are a string of digits (a card or account number); declare the slot `integer` or `number` to calculate with it"
                    }
                    Ty::Date => "a date moves by a whole number of days: `today + 7`",
                    _ => "`+ - * /` work on numbers; a date moves by whole days (`today + 7`)",
                };
                self.mismatch(
                    note.span,
                    format!("`{}` cannot calculate with {}", op.as_str(), bad.describe()),
                    hint,
                );
                Ty::Unknown
            }
        }
    }

    /// The type of `expr` (kept in `types`), reporting what does not fit on the way.
    fn expr(&mut self, expr: &Expr) -> Ty<'a> {
        let ty = self.infer(expr);
        self.types.push((expr.span, ty.kept()));
        ty
    }

    fn infer(&mut self, expr: &Expr) -> Ty<'a> {
        match &expr.kind {
            ExprKind::String(s) => {
                visit::interpolations(s).for_each(|e| {
                    self.expr(e);
                });
                Ty::Text
            }
            ExprKind::Number(n) if n.fract() == 0.0 => Ty::Integer,
            ExprKind::Number(_) => Ty::Number,
            ExprKind::Bool(_) => Ty::Bool,
            ExprKind::None => Ty::None,
            ExprKind::Date(_) => Ty::Date,
            ExprKind::Time(_) => Ty::Time,
            ExprKind::Duration(_) => Ty::Duration,
            ExprKind::List(items) => {
                let mut element = Ty::Unknown;
                for item in items {
                    let ty = self.expr(item);
                    if element.is_loose() {
                        element = ty;
                    }
                }
                Ty::List(Box::new(element))
            }
            ExprKind::Record(fields) => {
                for (_, value) in fields {
                    self.expr(value);
                }
                Ty::Unknown
            }
            ExprKind::Name(name)
                if name.name == crate::resolve::ITEM && self.flow.item_at(name.span).is_some() =>
            {
                match self.flow.item_at(name.span).and_then(|i| i.fields) {
                    Some(fields) => Ty::Record(fields),
                    None => Ty::Unknown,
                }
            }
            ExprKind::Name(name) => match lookup_name(self.flow, &name.name) {
                NameRef::Slot(slot) => of_type(&slot.ty.kind),
                NameRef::Result(result) => match result.fields {
                    Some(fields) => Ty::Record(fields),
                    None => Ty::Unknown,
                },
                NameRef::Builtin(builtin) => match builtin.ty {
                    BuiltinType::Text => Ty::Text,
                    BuiltinType::Number => Ty::Number,
                    BuiltinType::Integer => Ty::Integer,
                    BuiltinType::Bool => Ty::Bool,
                    BuiltinType::Date => Ty::Date,
                    BuiltinType::Time => Ty::Time,
                },
                NameRef::EnumValue | NameRef::ChannelName => Ty::Text,
                NameRef::Unknown => Ty::Unknown,
            },
            ExprKind::Field(base, field) => match self.expr(base) {
                Ty::Record(fields) => match fields.iter().find(|f| f.name.name == field.name) {
                    Some(f) => of_type(&f.ty.kind),
                    None => {
                        let owner = match &base.kind {
                            ExprKind::Name(n) => n.name.clone(),
                            _ => "this result".into(),
                        };
                        self.diagnostics.push(unknown_field(field, fields, &owner));
                        Ty::Unknown
                    }
                },
                Ty::Unknown | Ty::None => Ty::Unknown,
                other => {
                    self.mismatch(
                        field.span,
                        format!("{} has no fields", other.describe()),
                        "only the result of a `call … into NAME` has fields",
                    );
                    Ty::Unknown
                }
            },
            ExprKind::Intent(_) | ExprKind::Open(_) => Ty::Bool,
            ExprKind::Paren(inner) => self.expr(inner),
            ExprKind::Not(inner) => {
                self.condition(inner);
                Ty::Bool
            }
            ExprKind::Binary(op, left, right) if op.is_arithmetic() => {
                self.arithmetic(*op, left, right)
            }
            ExprKind::Binary(op, left, right) => {
                match op {
                    BinaryOp::And | BinaryOp::Or => {
                        self.condition(left);
                        self.condition(right);
                    }
                    _ => {
                        let a = self.expr(left);
                        let b = self.expr(right);
                        if !compatible(&a, &b) {
                            self.mismatch(
                                expr.span,
                                format!("cannot compare {} with {}", a.describe(), b.describe()),
                                "compare values of the same kind",
                            );
                        } else if matches!(
                            op,
                            BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge
                        ) {
                            let ordered = |t: &Ty| {
                                matches!(
                                    t,
                                    Ty::Number
                                        | Ty::Integer
                                        | Ty::Digits
                                        | Ty::Date
                                        | Ty::Time
                                        | Ty::Duration
                                        | Ty::Unknown
                                )
                            };
                            if !ordered(&a) || !ordered(&b) {
                                self.mismatch(
                                    expr.span,
                                    format!(
                                        "`{}` needs numbers, dates or times, not {}",
                                        op.as_str(),
                                        if ordered(&a) {
                                            b.describe()
                                        } else {
                                            a.describe()
                                        }
                                    ),
                                    "use `==` or `!=` for text and choices",
                                );
                            }
                        }
                    }
                }
                Ty::Bool
            }
            ExprKind::IsSet { value, .. } => {
                self.expr(value);
                Ty::Bool
            }
            ExprKind::In { value, list, .. } => {
                let a = self.expr(value);
                match self.expr(list) {
                    Ty::List(element) if !compatible(&a, &element) => self.mismatch(
                        expr.span,
                        format!(
                            "{} cannot be in a list of {}",
                            a.describe(),
                            element.describe()
                        ),
                        "list values of the same kind",
                    ),
                    Ty::List(_) | Ty::Unknown | Ty::None => {}
                    other => self.mismatch(
                        list.span,
                        format!("`in` needs a list `[…]`, not {}", other.describe()),
                        "write `x in [a, b]`",
                    ),
                }
                Ty::Bool
            }
            ExprKind::Matches(value, _) => {
                let ty = self.expr(value);
                if !compatible(&Ty::Text, &ty) {
                    self.mismatch(
                        value.span,
                        format!("`matches` needs text, not {}", ty.describe()),
                        "match `text` or a text slot",
                    );
                }
                Ty::Bool
            }
        }
    }
}

/// The value of a constant number expression (`0`, `(1 - 1)`, `2 * 0`), if it is one.
pub fn constant_number(expr: &Expr) -> Option<f64> {
    match &expr.kind {
        ExprKind::Number(n) => Some(*n),
        ExprKind::Paren(inner) => constant_number(inner),
        ExprKind::Binary(op, a, b) if op.is_arithmetic() => {
            let (a, b) = (constant_number(a)?, constant_number(b)?);
            Some(match op {
                BinaryOp::Add => a + b,
                BinaryOp::Sub => a - b,
                BinaryOp::Mul => a * b,
                _ if b == 0.0 => return None,
                _ => a / b,
            })
        }
        _ => None,
    }
}
