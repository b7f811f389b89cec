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
        each_in_item(item, f);
    }
}

/// The top-level declarations of `file` only (flows, queues, intents, hours, knowledge
/// bases, services), without what is declared inside them: what completion offers after
/// `handoff`, `intent`, `call`… without walking a 100,000-state flow.
pub fn each_top_definition<'a>(file: &'a File, f: &mut dyn FnMut(Def<'a>)) {
    for item in &file.items {
        let def = match item {
            Item::Hours(h) => Def::Hours(h),
            Item::Queue(q) => Def::Queue(q),
            Item::Intent(i) => Def::Intent(i),
            Item::Service(s) => Def::Service(s),
            Item::Knowledge(k) => Def::Knowledge(k),
            Item::Flow(flow) => Def::Flow(flow),
            Item::Import(_) | Item::Test(_) | Item::Error(_) => continue,
        };
        if def.ident().is_some() {
            f(def);
        }
    }
}

fn each_in_item<'a>(item: &'a Item, f: &mut dyn FnMut(Def<'a>)) {
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
            each_flow_slot(flow, f);
            for state in &flow.states {
                f(Def::State(flow, state));
            }
            csflow_compiler::visit::each_flow_stmt(flow, &mut |stmt| each_result(flow, stmt, f));
        }
        Item::Import(_) | Item::Test(_) | Item::Error(_) => {}
    }
}

/// A flow's slots and the values of their enums.
fn each_flow_slot<'a>(flow: &'a Flow, f: &mut dyn FnMut(Def<'a>)) {
    for slot in &flow.slots {
        f(Def::Slot(flow, slot));
        if let TypeKind::Enum(values) = &slot.ty.kind {
            for value in values {
                f(Def::EnumValue(flow, slot, &value.name));
            }
        }
    }
}

/// `call … into NAME` of one statement.
fn each_result<'a>(flow: &'a Flow, stmt: &'a Stmt, f: &mut dyn FnMut(Def<'a>)) {
    if let StmtKind::Call(call) = &stmt.kind
        && let Some(into) = &call.into
    {
        f(Def::Result(flow, call, into));
    }
}

/// The slots and call results of one flow (what `ask`, `set`, conditions and `{…}` name).
pub fn each_flow_variable<'a>(flow: &'a Flow, f: &mut dyn FnMut(Def<'a>)) {
    let mut named = |def: Def<'a>| {
        if def.ident().is_some() {
            f(def)
        }
    };
    each_flow_slot(flow, &mut named);
    csflow_compiler::visit::each_flow_stmt(flow, &mut |stmt| each_result(flow, stmt, &mut named));
}

/// The definition whose name is written at `span`. Looks only inside the declaration that
/// holds the span, and in a flow only inside the state that holds it (found by binary
/// search: states are in source order), so a hover on a 100,000-state flow stays cheap.
pub fn definition_at<'a>(analysis: &'a Analysis, span: Span) -> Option<Def<'a>> {
    let (_, file) = analysis.files.iter().find(|(id, _)| *id == span.file)?;
    let within = |outer: Span| outer.start <= span.start && span.end <= outer.end;
    let found = std::cell::Cell::new(None);
    let mut pick = |def: Def<'a>| {
        if found.get().is_none() && def.ident().is_some_and(|name| name.span == span) {
            found.set(Some(def));
        }
    };
    for item in file.items.iter().filter(|item| within(item.span())) {
        match item {
            Item::Flow(flow) => {
                pick(Def::Flow(flow));
                each_flow_slot(flow, &mut pick);
                let after = flow.states.partition_point(|s| s.span.start <= span.start);
                let state = flow.states[..after].last().filter(|s| within(s.span));
                match state {
                    Some(state) => {
                        pick(Def::State(flow, state));
                        csflow_compiler::visit::each_stmt(&state.body, &mut |stmt| {
                            each_result(flow, stmt, &mut pick)
                        });
                    }
                    None => {
                        for handler in &flow.handlers {
                            csflow_compiler::visit::each_stmt(&handler.action, &mut |stmt| {
                                each_result(flow, stmt, &mut pick)
                            });
                        }
                        for rule in &flow.escalate {
                            csflow_compiler::visit::each_stmt(&rule.action, &mut |stmt| {
                                each_result(flow, stmt, &mut pick)
                            });
                        }
                    }
                }
            }
            other => each_in_item(other, &mut pick),
        }
    }
    // A tree whose states are not in source order (never made by the parser): look
    // everywhere rather than miss.
    if found.get().is_none() {
        each_definition(file, &mut pick);
    }
    found.get()
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
