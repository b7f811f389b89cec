//! Names → declarations across a project (the resolved model).
//!
//! Declarations are global per kind; states, slots and `into` results are per flow. The
//! first definition of a name wins, later ones get `duplicate-definition`, and every unknown
//! reference gets exactly one `unknown-*` diagnostic (with a "did you mean").

use crate::ast::*;
use crate::diagnostic::Diagnostic;
use crate::source::{FileId, Span};
use crate::suggest;
use crate::visit;
use rustc_hash::FxHashMap;

/// Expression built-ins; slots and results may not take these names.
pub const BUILTINS: [&str; 8] = [
    "text",
    "sentiment",
    "intent",
    "no_match_count",
    "no_input_count",
    "turns",
    "open",
    "channel",
];

/// Declarations of one kind by name, in source order (first definition only).
#[derive(Debug)]
pub struct Table<'a, T> {
    by_name: FxHashMap<&'a str, &'a T>,
    order: Vec<&'a T>,
}

impl<'a, T> Default for Table<'a, T> {
    fn default() -> Self {
        Table {
            by_name: FxHashMap::default(),
            order: Vec::new(),
        }
    }
}

impl<'a, T> Table<'a, T> {
    pub fn get(&self, name: &str) -> Option<&'a T> {
        self.by_name.get(name).copied()
    }

    pub fn iter(&self) -> impl Iterator<Item = &'a T> + '_ {
        self.order.iter().copied()
    }

    pub fn names(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.by_name.keys().copied()
    }

    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }
}

/// A name introduced by `call … into NAME`.
#[derive(Debug, Clone, Copy)]
pub struct ResultName<'a> {
    pub name: &'a Ident,
    pub call: &'a Call,
    /// The declared operation, when the call resolved.
    pub operation: Option<&'a Operation>,
}

#[derive(Debug)]
pub struct FlowModel<'a> {
    pub flow: &'a Flow,
    pub states: FxHashMap<&'a str, &'a State>,
    pub slots: FxHashMap<&'a str, &'a Slot>,
    pub results: FxHashMap<&'a str, ResultName<'a>>,
}

impl<'a> FlowModel<'a> {
    /// Is `name` the value of one of this flow's `enum` slots (`plan == premium`)?
    pub fn is_enum_value(&self, name: &str) -> bool {
        self.flow.slots.iter().any(|slot| match &slot.ty.kind {
            TypeKind::Enum(values) => values.iter().any(|v| v.name == name),
            _ => false,
        })
    }

    pub fn state_index(&self, name: &str) -> Option<usize> {
        self.flow.states.iter().position(|s| s.name.name == name)
    }
}

#[derive(Debug, Default)]
pub struct Model<'a> {
    pub hours: Table<'a, Hours>,
    pub queues: Table<'a, Queue>,
    pub intents: Table<'a, Intent>,
    pub services: Table<'a, Service>,
    pub knowledge: Table<'a, Knowledge>,
    pub flows: Vec<FlowModel<'a>>,
    pub tests: Vec<&'a Test>,
    /// `(keyword, name)` of declarations that did not parse.
    pub broken: std::collections::HashSet<(String, String)>,
}

impl<'a> Model<'a> {
    pub fn flow(&self, name: &str) -> Option<&FlowModel<'a>> {
        self.flows.iter().find(|f| f.flow.name.name == name)
    }

    pub fn operation(&self, service: &str, operation: &str) -> Option<&'a Operation> {
        self.services
            .get(service)?
            .operations
            .iter()
            .find(|o| o.name.name == operation)
    }
}

/// What a bare name in an expression refers to.
#[derive(Debug, Clone, Copy)]
pub enum NameRef<'a> {
    Slot(&'a Slot),
    Result(ResultName<'a>),
    Builtin(&'static str),
    EnumValue,
    /// `voice`, `chat`, `any`, for `channel == voice`.
    ChannelName,
    Unknown,
}

pub fn lookup_name<'a>(flow: &FlowModel<'a>, name: &str) -> NameRef<'a> {
    if let Some(slot) = flow.slots.get(name) {
        return NameRef::Slot(slot);
    }
    if let Some(result) = flow.results.get(name) {
        return NameRef::Result(*result);
    }
    if let Some(builtin) = BUILTINS.iter().find(|b| **b == name) {
        return NameRef::Builtin(builtin);
    }
    if flow.is_enum_value(name) {
        return NameRef::EnumValue;
    }
    if matches!(name, "voice" | "chat" | "any") {
        return NameRef::ChannelName;
    }
    NameRef::Unknown
}

struct Resolver<'a> {
    model: Model<'a>,
    diagnostics: Vec<Diagnostic>,
}

/// A top-level declaration with a name.
pub trait Named {
    fn name(&self) -> &Ident;
}

macro_rules! named {
    ($($ty:ty),*) => {
        $(impl Named for $ty {
            fn name(&self) -> &Ident {
                &self.name
            }
        })*
    };
}

named!(Hours, Queue, Intent, Service, Knowledge);

fn declare<'a, T: Named>(
    table: &mut Table<'a, T>,
    kind: &str,
    decl: &'a T,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let name = decl.name();
    if name.name.is_empty() {
        return;
    }
    if let Some(first) = table.by_name.get(name.name.as_str()) {
        diagnostics.push(duplicate(kind, name, first.name().span));
        return;
    }
    table.by_name.insert(&name.name, decl);
    table.order.push(decl);
}

fn duplicate(kind: &str, name: &Ident, first: Span) -> Diagnostic {
    Diagnostic::new(
        "duplicate-definition",
        name.span,
        format!("the {kind} `{}` is defined more than once", name.name),
    )
    .with_primary_message(format!("second definition of `{}`", name.name))
    .with_label(first, "first defined here")
    .with_note(format!(
        "rename one of them, or remove the copy: {kind} names must be unique"
    ))
}

/// An `unknown-*` diagnostic, or `None` when the name belongs to a declaration that did not
/// parse (its syntax error already covers this reference).
fn unknown<'n>(
    model: &Model,
    check: &str,
    kind: &str,
    name: &Ident,
    candidates: impl IntoIterator<Item = &'n str>,
) -> Option<Diagnostic> {
    let keyword = match kind {
        "knowledge base" => "knowledge",
        "operation" => "service",
        other => other,
    };
    if model
        .broken
        .contains(&(keyword.to_string(), name.name.clone()))
    {
        return None;
    }
    let mut diagnostic =
        Diagnostic::new(check, name.span, format!("unknown {kind} `{}`", name.name))
            .with_primary_message(format!("no {kind} is called `{}`", name.name));
    if let Some(suggestion) = suggest::closest(&name.name, candidates) {
        diagnostic = diagnostic.with_note(format!("did you mean `{suggestion}`?"));
    }
    Some(diagnostic)
}

/// Resolves every name of a project. `files` is every parsed file, imports included.
pub fn resolve(files: &[(FileId, File)]) -> (Model<'_>, Vec<Diagnostic>) {
    let mut resolver = Resolver {
        model: Model::default(),
        diagnostics: Vec::new(),
    };
    resolver.model.broken = files
        .iter()
        .flat_map(|(_, f)| &f.broken)
        .map(|b| (b.keyword.clone(), b.name.name.clone()))
        .collect();
    resolver.declare_globals(files);
    resolver.check_globals();
    let flows: Vec<&Flow> = files
        .iter()
        .flat_map(|(_, f)| &f.items)
        .filter_map(|item| match item {
            Item::Flow(flow) => Some(flow),
            _ => None,
        })
        .collect();
    let mut seen: FxHashMap<&str, Span> = FxHashMap::default();
    for flow in flows {
        if flow.name.name.is_empty() {
            continue;
        }
        if let Some(first) = seen.get(flow.name.name.as_str()) {
            resolver
                .diagnostics
                .push(duplicate("flow", &flow.name, *first));
            continue;
        }
        seen.insert(&flow.name.name, flow.name.span);
        let flow_model = resolver.flow_model(flow);
        resolver.check_flow(&flow_model);
        resolver.model.flows.push(flow_model);
    }
    resolver.check_tests();
    (resolver.model, resolver.diagnostics)
}

impl<'a> Resolver<'a> {
    fn declare_globals(&mut self, files: &'a [(FileId, File)]) {
        let model = &mut self.model;
        let diagnostics = &mut self.diagnostics;
        for (_, file) in files {
            for item in &file.items {
                match item {
                    Item::Hours(h) => declare(&mut model.hours, "hours", h, diagnostics),
                    Item::Queue(q) => declare(&mut model.queues, "queue", q, diagnostics),
                    Item::Intent(i) => declare(&mut model.intents, "intent", i, diagnostics),
                    Item::Service(s) => declare(&mut model.services, "service", s, diagnostics),
                    Item::Knowledge(k) => {
                        declare(&mut model.knowledge, "knowledge base", k, diagnostics)
                    }
                    Item::Test(t) => model.tests.push(t),
                    Item::Import(_) | Item::Flow(_) | Item::Error(_) => {}
                }
            }
        }
        // Names inside declarations: operations of a service, entries of a knowledge base.
        for service in model.services.iter() {
            let mut ops: FxHashMap<&str, Span> = FxHashMap::default();
            for op in &service.operations {
                if let Some(first) = ops.insert(&op.name.name, op.name.span) {
                    diagnostics.push(duplicate("operation", &op.name, first));
                }
            }
        }
        for kb in model.knowledge.iter() {
            let mut entries: FxHashMap<&str, Span> = FxHashMap::default();
            for entry in &kb.entries {
                if let Some(first) = entries.insert(&entry.name.name, entry.name.span) {
                    diagnostics.push(duplicate("knowledge entry", &entry.name, first));
                }
            }
        }
        let mut tests: FxHashMap<String, Span> = FxHashMap::default();
        for test in &model.tests {
            let name = test.name.plain_text();
            if let Some(first) = tests.get(&name) {
                let ident = Ident {
                    name: name.clone(),
                    span: test.name.span,
                };
                diagnostics.push(duplicate("test", &ident, *first));
            } else {
                tests.insert(name, test.name.span);
            }
        }
    }

    fn check_globals(&mut self) {
        for queue in self.model.queues.iter() {
            if let Some(hours) = &queue.hours
                && self.model.hours.get(&hours.name).is_none()
            {
                self.diagnostics.extend(unknown(
                    &self.model,
                    "unknown-hours",
                    "hours",
                    hours,
                    self.model.hours.names(),
                ));
            }
        }
    }

    fn flow_model(&mut self, flow: &'a Flow) -> FlowModel<'a> {
        let mut model = FlowModel {
            flow,
            states: FxHashMap::default(),
            slots: FxHashMap::default(),
            results: FxHashMap::default(),
        };
        for state in &flow.states {
            if let Some(first) = model.states.get(state.name.name.as_str()) {
                self.diagnostics
                    .push(duplicate("state", &state.name, first.name.span));
            } else {
                model.states.insert(&state.name.name, state);
            }
        }
        for slot in &flow.slots {
            if BUILTINS.contains(&slot.name.name.as_str()) {
                self.diagnostics.push(reserved(&slot.name, "slot"));
            } else if let Some(first) = model.slots.get(slot.name.name.as_str()) {
                self.diagnostics
                    .push(duplicate("slot", &slot.name, first.name.span));
            } else {
                model.slots.insert(&slot.name.name, slot);
            }
        }
        // `into` names: one name may be set by several calls of the same operation (a retry
        // in another state); a clash with a slot or a different operation is a duplicate.
        let mut calls: Vec<&'a Call> = Vec::new();
        visit::each_flow_stmt(flow, &mut |stmt| {
            if let StmtKind::Call(call) = &stmt.kind {
                calls.push(call);
            }
        });
        for call in calls {
            let Some(into) = &call.into else { continue };
            if BUILTINS.contains(&into.name.as_str()) {
                self.diagnostics.push(reserved(into, "result"));
                continue;
            }
            if let Some(slot) = model.slots.get(into.name.as_str()) {
                self.diagnostics
                    .push(duplicate("slot or result", into, slot.name.span));
                continue;
            }
            let operation = self
                .model
                .operation(&call.service.name, &call.operation.name);
            match model.results.get(into.name.as_str()) {
                Some(first)
                    if first.call.service.name != call.service.name
                        || first.call.operation.name != call.operation.name =>
                {
                    self.diagnostics.push(
                        duplicate("result", into, first.name.span)
                            .with_note("one `into` name holds the result of one operation"),
                    );
                }
                Some(_) => {}
                None => {
                    model.results.insert(
                        &into.name,
                        ResultName {
                            name: into,
                            call,
                            operation,
                        },
                    );
                }
            }
        }
        model
    }

    fn check_flow(&mut self, flow: &FlowModel<'a>) {
        let state_names: Vec<&str> = flow.states.keys().copied().collect();
        if let Some(start) = &flow.flow.start
            && !flow.states.contains_key(start.name.as_str())
        {
            self.diagnostics.extend(unknown(
                &self.model,
                "unknown-state",
                "state",
                start,
                state_names.iter().copied(),
            ));
        }
        let mut exprs: Vec<&'a Expr> = Vec::new();
        for slot in &flow.flow.slots {
            exprs.extend(slot.default.as_ref());
        }
        for rule in &flow.flow.escalate {
            exprs.push(&rule.condition);
        }
        for handler in &flow.flow.handlers {
            if let Some(message) = handler.retry.as_ref().and_then(|r| r.message.as_ref()) {
                exprs.extend(visit::interpolations(message));
            }
        }
        let mut diagnostics = Vec::new();
        let model = &self.model;
        visit::each_flow_stmt(flow.flow, &mut |stmt| {
            exprs.extend(visit::stmt_exprs(stmt));
            match &stmt.kind {
                StmtKind::Goto(state) if !flow.states.contains_key(state.name.as_str()) => {
                    diagnostics.extend(unknown(
                        model,
                        "unknown-state",
                        "state",
                        state,
                        state_names.iter().copied(),
                    ));
                }
                StmtKind::Ask(ask) if !flow.slots.contains_key(ask.slot.name.as_str()) => {
                    diagnostics.extend(unknown(
                        model,
                        "unknown-slot",
                        "slot",
                        &ask.slot,
                        flow.slots.keys().copied(),
                    ));
                }
                StmtKind::Set { slot, .. }
                    if !flow.slots.contains_key(slot.name.as_str())
                        && !flow.results.contains_key(slot.name.as_str()) =>
                {
                    diagnostics.extend(unknown(
                        model,
                        "unknown-slot",
                        "slot",
                        slot,
                        flow.slots.keys().copied(),
                    ));
                }
                StmtKind::Handoff(handoff) if model.queues.get(&handoff.queue.name).is_none() => {
                    diagnostics.extend(unknown(
                        model,
                        "unknown-queue",
                        "queue",
                        &handoff.queue,
                        model.queues.names(),
                    ));
                }
                StmtKind::Answer(answer)
                    if model.knowledge.get(&answer.knowledge.name).is_none() =>
                {
                    diagnostics.extend(unknown(
                        model,
                        "unknown-knowledge",
                        "knowledge base",
                        &answer.knowledge,
                        model.knowledge.names(),
                    ));
                }
                StmtKind::Call(call) => {
                    if let Some(d) = check_operation(model, &call.service, &call.operation) {
                        diagnostics.push(d);
                    }
                }
                StmtKind::Menu(menu) => {
                    for option in &menu.options {
                        for intent in &option.intents {
                            if model.intents.get(&intent.name).is_none() {
                                diagnostics.extend(unknown(
                                    model,
                                    "unknown-intent",
                                    "intent",
                                    intent,
                                    model.intents.names(),
                                ));
                            }
                        }
                    }
                }
                _ => {}
            }
        });
        for expr in exprs {
            visit::each_expr(expr, &mut |e| match &e.kind {
                ExprKind::Name(name) => {
                    if matches!(lookup_name(flow, &name.name), NameRef::Unknown) {
                        let candidates = flow.slots.keys().chain(flow.results.keys()).copied();
                        let candidates: Vec<&str> = candidates.chain(BUILTINS).collect();
                        diagnostics.extend(
                            unknown(model, "unknown-slot", "slot or value", name, candidates).map(
                                |d| {
                                    d.with_primary_message(
                                        "not a slot, a call result or a built-in",
                                    )
                                },
                            ),
                        );
                    }
                }
                ExprKind::Intent(intent) if model.intents.get(&intent.name).is_none() => {
                    diagnostics.extend(unknown(
                        model,
                        "unknown-intent",
                        "intent",
                        intent,
                        model.intents.names(),
                    ));
                }
                ExprKind::Open(hours) if model.hours.get(&hours.name).is_none() => {
                    diagnostics.extend(unknown(
                        model,
                        "unknown-hours",
                        "hours",
                        hours,
                        model.hours.names(),
                    ));
                }
                _ => {}
            });
        }
        self.diagnostics.extend(diagnostics);
    }

    fn check_tests(&mut self) {
        let mut diagnostics = Vec::new();
        for test in &self.model.tests {
            let mut flow: Option<&FlowModel> = None;
            for step in &test.steps {
                match &step.kind {
                    TestStepKind::Flow(name) => {
                        flow = self.model.flow(&name.name);
                        if flow.is_none() {
                            let names = self.model.flows.iter().map(|f| f.flow.name.name.as_str());
                            diagnostics.extend(unknown(
                                &self.model,
                                "unknown-flow",
                                "flow",
                                name,
                                names,
                            ));
                        }
                    }
                    TestStepKind::Mock {
                        service, operation, ..
                    } => {
                        diagnostics.extend(check_operation(&self.model, service, operation));
                    }
                    TestStepKind::Expect(Expectation::Handoff(Handoff { queue, .. }))
                        if self.model.queues.get(&queue.name).is_none() =>
                    {
                        diagnostics.extend(unknown(
                            &self.model,
                            "unknown-queue",
                            "queue",
                            queue,
                            self.model.queues.names(),
                        ));
                    }
                    TestStepKind::Expect(Expectation::State(state)) => {
                        if let Some(flow) = flow
                            && !flow.states.contains_key(state.name.as_str())
                        {
                            diagnostics.extend(unknown(
                                &self.model,
                                "unknown-state",
                                "state",
                                state,
                                flow.states.keys().copied(),
                            ));
                        }
                    }
                    TestStepKind::Expect(Expectation::Slot { slot, .. }) => {
                        if let Some(flow) = flow
                            && !flow.slots.contains_key(slot.name.as_str())
                            && !flow.results.contains_key(slot.name.as_str())
                        {
                            diagnostics.extend(unknown(
                                &self.model,
                                "unknown-slot",
                                "slot",
                                slot,
                                flow.slots.keys().copied(),
                            ));
                        }
                    }
                    _ => {}
                }
            }
            let names_flow = test
                .steps
                .iter()
                .any(|s| matches!(s.kind, TestStepKind::Flow(_)));
            if !names_flow && test.errors.is_empty() {
                diagnostics.push(
                    Diagnostic::new(
                        "unknown-flow",
                        test.name.span,
                        "this test does not say which flow it runs",
                    )
                    .with_note("add `flow NAME` as the first line of the test"),
                );
            }
        }
        self.diagnostics.extend(diagnostics);
    }
}

fn check_operation(model: &Model, service: &Ident, operation: &Ident) -> Option<Diagnostic> {
    let Some(declared) = model.services.get(&service.name) else {
        return unknown(
            model,
            "unknown-service",
            "service",
            service,
            model.services.names(),
        );
    };
    if declared
        .operations
        .iter()
        .any(|o| o.name.name == operation.name)
    {
        return None;
    }
    let names = declared.operations.iter().map(|o| o.name.name.as_str());
    unknown(model, "unknown-service", "operation", operation, names).map(|d| {
        d.with_primary_message(format!(
            "the service `{}` has no operation `{}`",
            service.name, operation.name
        ))
    })
}

fn reserved(name: &Ident, kind: &str) -> Diagnostic {
    Diagnostic::new(
        "reserved-name",
        name.span,
        format!(
            "a {kind} cannot be called `{}`: that is an expression built-in",
            name.name
        ),
    )
    .with_note(format!("the built-ins are {}", BUILTINS.join(", ")))
}
