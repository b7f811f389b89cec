//! What is written where in one file, read from its syntax tree: every name with the kind
//! of thing it names and whether it defines it, and every node's span. Semantic tokens,
//! the outline, folding and selection ranges, and "which definition is under the cursor"
//! read this; which definition a *reference* means comes from the compiler's resolution,
//! never from here.

use csflow_compiler::ast::*;
use csflow_compiler::source::Span;

/// The kinds of things a name can be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Flow,
    State,
    Slot,
    /// `call … into NAME`
    Result,
    /// A field of an operation's parameters or result record, or `result.FIELD`.
    Field,
    /// A call argument's name, `call s.op(NAME: …)`.
    Argument,
    Intent,
    Queue,
    Hours,
    Knowledge,
    Entry,
    Service,
    Operation,
    EnumValue,
    /// A bare name in an expression: a slot, an `into` result, a built-in or an enum value.
    Variable,
    Test,
    Import,
}

/// One name as written.
#[derive(Debug, Clone, Copy)]
pub struct Name<'a> {
    pub span: Span,
    pub text: &'a str,
    pub kind: Kind,
    /// This is where the thing is declared.
    pub definition: bool,
    /// The flow the name is written in (for a test: the flow it runs).
    pub flow: Option<&'a str>,
}

/// A node of the tree (for selection ranges and folding).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Node {
    Item,
    State,
    Block,
    Statement,
    Handler,
    Option,
    Expression,
    String,
    Entry,
    Step,
}

pub trait Visitor<'a> {
    fn name(&mut self, _name: Name<'a>) {}
    fn node(&mut self, _span: Span, _node: Node) {}
}

/// Walks every item of `file`.
pub fn walk<'a>(file: &'a File, visitor: &mut dyn Visitor<'a>) {
    for item in &file.items {
        walk_item(item, visitor);
    }
}

struct Walk<'v, 'a> {
    visitor: &'v mut dyn Visitor<'a>,
    flow: Option<&'a str>,
}

impl<'a> Walk<'_, 'a> {
    /// A declaration's name, when it was written.
    fn decl(&mut self, ident: &'a Option<Ident>, kind: Kind) {
        if let Some(ident) = ident {
            self.name(ident, kind, true);
        }
    }

    fn name(&mut self, ident: &'a Ident, kind: Kind, definition: bool) {
        self.visitor.name(Name {
            span: ident.span,
            text: &ident.name,
            kind,
            definition,
            flow: self.flow,
        });
    }

    fn string(&mut self, string: &'a Str) {
        self.visitor.node(string.span, Node::String);
        for part in &string.parts {
            if let StrPart::Interpolation(expr) = part {
                self.expr(expr);
            }
        }
    }

    fn expr(&mut self, expr: &'a Expr) {
        self.visitor.node(expr.span, Node::Expression);
        match &expr.kind {
            ExprKind::String(s) => self.string(s),
            ExprKind::List(items) => items.iter().for_each(|e| self.expr(e)),
            ExprKind::Record(fields) => {
                for (name, value) in fields {
                    self.name(name, Kind::Field, false);
                    self.expr(value);
                }
            }
            ExprKind::Name(name) => self.name(name, Kind::Variable, false),
            ExprKind::Field(base, field) => {
                self.expr(base);
                self.name(field, Kind::Field, false);
            }
            ExprKind::Intent(name) => self.name(name, Kind::Intent, false),
            ExprKind::Open(name) => self.name(name, Kind::Hours, false),
            ExprKind::Not(inner) | ExprKind::Paren(inner) => self.expr(inner),
            ExprKind::Binary(_, a, b) => {
                self.expr(a);
                self.expr(b);
            }
            ExprKind::IsSet { value, .. } => self.expr(value),
            ExprKind::In { value, list, .. } => {
                self.expr(value);
                self.expr(list);
            }
            ExprKind::Matches(value, _) => self.expr(value),
            ExprKind::Number(_)
            | ExprKind::Bool(_)
            | ExprKind::None
            | ExprKind::Date(_)
            | ExprKind::Time(_)
            | ExprKind::Duration(_) => {}
        }
    }

    fn block(&mut self, block: &'a Block) {
        self.visitor.node(block.span, Node::Block);
        for stmt in &block.statements {
            self.stmt(stmt);
        }
    }

    fn handler(&mut self, handler: &'a Handler) {
        self.visitor.node(handler.span, Node::Handler);
        if let Some(message) = handler.retry.as_ref().and_then(|r| r.message.as_ref()) {
            self.string(message);
        }
        self.block(&handler.action);
    }

    fn stmt(&mut self, stmt: &'a Stmt) {
        self.visitor.node(stmt.span, Node::Statement);
        match &stmt.kind {
            StmtKind::Say(text) => self.string(text),
            StmtKind::Ask(ask) => {
                self.name(&ask.slot, Kind::Slot, false);
                self.string(&ask.prompt);
                ask.handlers.iter().for_each(|h| self.handler(h));
            }
            StmtKind::Menu(menu) => {
                self.string(&menu.prompt);
                for option in &menu.options {
                    self.visitor.node(option.span, Node::Option);
                    self.string(&option.label);
                    for intent in &option.intents {
                        self.name(intent, Kind::Intent, false);
                    }
                    option.phrases.iter().for_each(|p| self.string(p));
                    self.block(&option.action);
                }
                menu.handlers.iter().for_each(|h| self.handler(h));
            }
            StmtKind::Goto(target) => self.name(target, Kind::State, false),
            StmtKind::Handoff(handoff) => {
                self.name(&handoff.queue, Kind::Queue, false);
                if let Some(reason) = &handoff.reason {
                    self.string(reason);
                }
            }
            StmtKind::If(if_) => {
                for (condition, branch) in &if_.branches {
                    self.expr(condition);
                    self.block(branch);
                }
                if let Some(otherwise) = &if_.otherwise {
                    self.block(otherwise);
                }
            }
            StmtKind::Set { slot, value } => {
                self.name(slot, Kind::Slot, false);
                self.expr(value);
            }
            StmtKind::Call(call) => {
                self.name(&call.service, Kind::Service, false);
                self.name(&call.operation, Kind::Operation, false);
                for (name, value) in &call.args {
                    self.name(name, Kind::Argument, false);
                    self.expr(value);
                }
                if let Some(into) = &call.into {
                    self.name(into, Kind::Result, true);
                }
            }
            StmtKind::Answer(answer) => {
                self.name(&answer.knowledge, Kind::Knowledge, false);
                if let Some(topic) = &answer.topic {
                    self.string(topic);
                }
                if let Some(otherwise) = &answer.otherwise {
                    self.block(otherwise);
                }
            }
            StmtKind::End | StmtKind::Error => {}
        }
    }

    fn flow(&mut self, flow: &'a Flow) {
        self.flow = flow.name.text();
        self.decl(&flow.name, Kind::Flow);
        if let Some(start) = &flow.start {
            self.name(start, Kind::State, false);
        }
        for slot in &flow.slots {
            self.visitor.node(slot.span, Node::Statement);
            self.decl(&slot.name, Kind::Slot);
            if let TypeKind::Enum(values) = &slot.ty.kind {
                for value in values {
                    self.name(&value.name, Kind::EnumValue, true);
                }
            }
            if let Some(default) = &slot.default {
                self.expr(default);
            }
        }
        flow.handlers.iter().for_each(|h| self.handler(h));
        for rule in &flow.escalate {
            self.visitor.node(rule.span, Node::Statement);
            self.expr(&rule.condition);
            self.block(&rule.action);
        }
        for state in &flow.states {
            self.visitor.node(state.span, Node::State);
            self.decl(&state.name, Kind::State);
            self.block(&state.body);
        }
        self.flow = None;
    }

    fn test(&mut self, test: &'a Test) {
        self.string(&test.name);
        // Names in a test's steps belong to the flow it runs.
        self.flow = test.steps.iter().find_map(|step| match &step.kind {
            TestStepKind::Flow(flow) => Some(flow.name.as_str()),
            _ => None,
        });
        for step in &test.steps {
            self.visitor.node(step.span, Node::Step);
            match &step.kind {
                TestStepKind::Flow(flow) => self.name(flow, Kind::Flow, false),
                TestStepKind::Time { zone, .. } => match zone {
                    Some(Zone::Quoted(zone)) => self.string(zone),
                    Some(Zone::Bare(zone)) => self.visitor.node(zone.span, Node::String),
                    None => {}
                },
                TestStepKind::Mock {
                    service,
                    operation,
                    returns,
                } => {
                    self.name(service, Kind::Service, false);
                    self.name(operation, Kind::Operation, false);
                    if let Some(returns) = returns {
                        self.expr(returns);
                    }
                }
                TestStepKind::SendText(text) => self.string(text),
                TestStepKind::SendKeys(_) | TestStepKind::SendNoInput | TestStepKind::Error => {}
                TestStepKind::Expect(expectation) => match expectation {
                    Expectation::Say(text) => self.string(text),
                    Expectation::SayMatches(_) | Expectation::End => {}
                    Expectation::Handoff(handoff) => {
                        self.name(&handoff.queue, Kind::Queue, false);
                        if let Some(reason) = &handoff.reason {
                            self.string(reason);
                        }
                    }
                    Expectation::State(state) => self.name(state, Kind::State, false),
                    Expectation::Slot { slot, value } => {
                        self.name(slot, Kind::Slot, false);
                        self.expr(value);
                    }
                },
            }
        }
        self.flow = None;
    }
}

fn walk_item<'a>(item: &'a Item, visitor: &mut dyn Visitor<'a>) {
    visitor.node(item.span(), Node::Item);
    let mut walk = Walk {
        visitor,
        flow: None,
    };
    match item {
        Item::Import(import) => {
            walk.visitor.node(import.path.span, Node::String);
        }
        Item::Hours(hours) => {
            walk.decl(&hours.name, Kind::Hours);
            if let Some(zone) = &hours.timezone {
                walk.string(zone);
            }
        }
        Item::Queue(queue) => {
            walk.decl(&queue.name, Kind::Queue);
            if let Some(hours) = &queue.hours {
                walk.name(hours, Kind::Hours, false);
            }
            queue.skills.iter().for_each(|s| walk.string(s));
        }
        Item::Intent(intent) => {
            walk.decl(&intent.name, Kind::Intent);
            intent.examples.iter().for_each(|e| walk.string(e));
        }
        Item::Service(service) => {
            walk.decl(&service.name, Kind::Service);
            for operation in &service.operations {
                walk.visitor.node(operation.span, Node::Statement);
                walk.decl(&operation.name, Kind::Operation);
                for field in operation.params.iter().chain(&operation.returns) {
                    walk.name(&field.name, Kind::Field, true);
                }
            }
        }
        Item::Knowledge(knowledge) => {
            walk.decl(&knowledge.name, Kind::Knowledge);
            for entry in &knowledge.entries {
                walk.visitor.node(entry.span, Node::Entry);
                walk.decl(&entry.name, Kind::Entry);
                entry.questions.iter().for_each(|q| walk.string(q));
                if let Some(answer) = &entry.answer {
                    walk.string(answer);
                }
                entry.tags.iter().for_each(|t| walk.string(t));
                if let Some(owner) = &entry.owner {
                    walk.string(owner);
                }
            }
        }
        Item::Flow(flow) => walk.flow(flow),
        Item::Test(test) => walk.test(test),
        Item::Error(_) => {}
    }
}

/// Every name in `file`, in the order written.
pub fn names(file: &File) -> Vec<Name<'_>> {
    struct Collect<'a>(Vec<Name<'a>>);
    impl<'a> Visitor<'a> for Collect<'a> {
        fn name(&mut self, name: Name<'a>) {
            self.0.push(name);
        }
    }
    let mut collect = Collect(Vec::new());
    walk(file, &mut collect);
    collect.0.sort_by_key(|n| (n.span.start, n.span.end));
    collect.0
}

/// The name whose span holds `offset` (its end included, where the cursor sits after
/// typing it).
pub fn name_at(file: &File, offset: usize) -> Option<Name<'_>> {
    let offset = offset as u32;
    let names = names(file);
    names
        .iter()
        .find(|n| n.span.start <= offset && offset < n.span.end)
        .or_else(|| names.iter().find(|n| n.span.end == offset))
        .copied()
}

/// Every node span of `file` (items, states, blocks, statements, expressions, strings…).
pub fn nodes(file: &File) -> Vec<(Span, Node)> {
    struct Collect(Vec<(Span, Node)>);
    impl Visitor<'_> for Collect {
        fn node(&mut self, span: Span, node: Node) {
            self.0.push((span, node));
        }
    }
    let mut collect = Collect(Vec::new());
    walk(file, &mut collect);
    collect.0
}
