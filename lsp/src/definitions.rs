//! The declaration a name span belongs to, as a node of the syntax tree: hover texts,
//! the outline and rename describe and check definitions through this.

use csflow_compiler::analysis::Analysis;
use csflow_compiler::ast::*;
use csflow_compiler::source::Span;

/// A declared thing, with the nodes around it that describe it.
#[derive(Debug, Clone, Copy)]
pub enum Def<'a> {
    Flow(&'a Flow),
    State(&'a Flow, &'a State),
    Slot(&'a Flow, &'a Slot),
    /// `call … into NAME`
    Result(&'a Flow, &'a Call, &'a Ident),
    EnumValue(&'a Flow, &'a Slot, &'a Ident),
    Intent(&'a Intent),
    Queue(&'a Queue),
    Hours(&'a Hours),
    Knowledge(&'a Knowledge),
    Entry(&'a Knowledge, &'a Entry),
    Service(&'a Service),
    Operation(&'a Service, &'a Operation),
    /// A parameter or result field of an operation.
    Field(&'a Service, &'a Operation, &'a Field),
}

impl<'a> Def<'a> {
    /// The name as declared (`None` for a declaration whose name was not written:
    /// [`each_definition`] never yields those).
    pub fn ident(&self) -> Option<&'a Ident> {
        match *self {
            Def::Flow(f) => f.name.as_ref(),
            Def::State(_, s) => s.name.as_ref(),
            Def::Slot(_, s) => s.name.as_ref(),
            Def::Result(_, _, name) | Def::EnumValue(_, _, name) => Some(name),
            Def::Intent(i) => i.name.as_ref(),
            Def::Queue(q) => q.name.as_ref(),
            Def::Hours(h) => h.name.as_ref(),
            Def::Knowledge(k) => k.name.as_ref(),
            Def::Entry(_, e) => e.name.as_ref(),
            Def::Service(s) => s.name.as_ref(),
            Def::Operation(_, o) => o.name.as_ref(),
            Def::Field(_, _, f) => Some(&f.name),
        }
    }

    pub fn kind_name(&self) -> &'static str {
        match self {
            Def::Flow(_) => "flow",
            Def::State(..) => "state",
            Def::Slot(..) => "slot",
            Def::Result(..) => "call result",
            Def::EnumValue(..) => "enum value",
            Def::Intent(_) => "intent",
            Def::Queue(_) => "queue",
            Def::Hours(_) => "hours",
            Def::Knowledge(_) => "knowledge base",
            Def::Entry(..) => "knowledge entry",
            Def::Service(_) => "service",
            Def::Operation(..) => "operation",
            Def::Field(..) => "field",
        }
    }

    /// The flow a flow-local name is declared in.
    pub fn flow(&self) -> Option<&'a Flow> {
        match *self {
            Def::Flow(f)
            | Def::State(f, _)
            | Def::Slot(f, _)
            | Def::Result(f, _, _)
            | Def::EnumValue(f, _, _) => Some(f),
            _ => None,
        }
    }
}

/// Calls `f` on every definition in `file` whose name was written.
pub fn each_definition<'a>(file: &'a File, f: &mut dyn FnMut(Def<'a>)) {
    each_declared(file, &mut |def| {
        if def.ident().is_some() {
            f(def)
        }
    });
}

fn each_declared<'a>(file: &'a File, f: &mut dyn FnMut(Def<'a>)) {
    for item in &file.items {
        match item {
            Item::Hours(h) => f(Def::Hours(h)),
            Item::Queue(q) => f(Def::Queue(q)),
            Item::Intent(i) => f(Def::Intent(i)),
            Item::Service(s) => {
                f(Def::Service(s));
                for op in &s.operations {
                    f(Def::Operation(s, op));
                    for field in op.params.iter().chain(&op.returns) {
                        f(Def::Field(s, op, field));
                    }
                }
            }
            Item::Knowledge(k) => {
                f(Def::Knowledge(k));
                for entry in &k.entries {
                    f(Def::Entry(k, entry));
                }
            }
            Item::Flow(flow) => {
                f(Def::Flow(flow));
                for slot in &flow.slots {
                    f(Def::Slot(flow, slot));
                    if let TypeKind::Enum(values) = &slot.ty.kind {
                        for value in values {
                            f(Def::EnumValue(flow, slot, &value.name));
                        }
                    }
                }
                for state in &flow.states {
                    f(Def::State(flow, state));
                }
                csflow_compiler::visit::each_flow_stmt(flow, &mut |stmt| {
                    if let StmtKind::Call(call) = &stmt.kind
                        && let Some(into) = &call.into
                    {
                        f(Def::Result(flow, call, into));
                    }
                });
            }
            Item::Import(_) | Item::Test(_) | Item::Error(_) => {}
        }
    }
}

/// The definition whose name is written at `span`.
pub fn definition_at(analysis: &Analysis, span: Span) -> Option<Def<'_>> {
    let (_, file) = analysis.files.iter().find(|(id, _)| *id == span.file)?;
    let mut found = None;
    each_definition(file, &mut |def| {
        if found.is_none() && def.ident().is_some_and(|name| name.span == span) {
            found = Some(def);
        }
    });
    found
}

/// The first thing a state says: its first `say`, `ask` or `menu` prompt.
pub fn opening_line(state: &State) -> Option<String> {
    state
        .body
        .statements
        .iter()
        .find_map(|stmt| match &stmt.kind {
            StmtKind::Say(text) => Some(text.plain_text()),
            StmtKind::Ask(ask) => Some(ask.prompt.plain_text()),
            StmtKind::Menu(menu) => Some(menu.prompt.plain_text()),
            _ => None,
        })
}
