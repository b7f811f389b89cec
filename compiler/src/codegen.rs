//! Code generation: a checked project's syntax trees → the runtime's [`Bundle`].
//!
//! It runs only on projects that checked without errors, so every name resolves; it still
//! looks every name up and returns a [`CodegenError`] instead of panicking when one does not.
//! Declarations are sorted by name (flows, hours, queues, intents, knowledge, services) and
//! file paths by path, so the same sources give byte-identical bundles whatever order the
//! files were read in.
//!
//! Layout of a flow's code: the states in source order, each followed by nothing (its last
//! statement is a `goto`/`end`/`handoff`); then the flow-level handler blocks and the
//! escalate block. An `ask` or `menu` keeps its handler and option blocks inline, right
//! after its `wait`, jumped over on success:
//!
//! ```text
//!   load SLOT; is_set; jump_if_true AFTER      (ask only: skip when set)
//! PROMPT:
//!   say "prompt"; wait #N
//!   jump AFTER                                 (ask: the success path)
//!   [on closed / on error blocks … return]
//!   [option blocks … jump AFTER]               (menu)
//!   [retry message blocks: say …; resume]
//!   [no_match / no_input ACTION blocks … return]
//! AFTER:
//! ```

use crate::ast::{self, BinaryOp, Block, ExprKind, HandlerKind, Stmt, StmtKind, StrPart, TypeKind};
use crate::source::{SourceMap, Span};
use csflow_runtime::bundle::{
    self as rt, Builtin, Bundle, CmpOp, Const, Instr, Interner, Loc, NO_FILE, Pc, PointKind,
    Priority, SlotType, StrId,
};
use std::collections::BTreeMap;
use std::fmt;

/// A name that did not resolve or a construct codegen cannot lower (the checks should have
/// reported it first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodegenError {
    pub message: String,
    pub span: Option<Span>,
}

impl fmt::Display for CodegenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "code generation: {}", self.message)
    }
}

impl std::error::Error for CodegenError {}

type Result<T> = std::result::Result<T, CodegenError>;

fn error<T>(message: impl Into<String>, span: Span) -> Result<T> {
    Err(CodegenError {
        message: message.into(),
        span: Some(span),
    })
}

/// Lowers every file of a project (already checked without errors) into one bundle.
pub fn generate<'a>(
    files: impl IntoIterator<Item = &'a ast::File>,
    sources: &SourceMap,
) -> Result<Bundle> {
    let mut decls = Decls::default();
    for file in files {
        for item in &file.items {
            match item {
                ast::Item::Hours(h) => first(&mut decls.hours, &h.name.name, h),
                ast::Item::Queue(q) => first(&mut decls.queues, &q.name.name, q),
                ast::Item::Intent(i) => first(&mut decls.intents, &i.name.name, i),
                ast::Item::Service(s) => first(&mut decls.services, &s.name.name, s),
                ast::Item::Knowledge(k) => first(&mut decls.knowledge, &k.name.name, k),
                ast::Item::Flow(f) => first(&mut decls.flows, &f.name.name, f),
                ast::Item::Import(_) | ast::Item::Test(_) | ast::Item::Error(_) => {}
            }
        }
    }
    Generator::new(decls, sources).run()
}

fn first<'a, T>(map: &mut BTreeMap<&'a str, &'a T>, name: &'a str, decl: &'a T) {
    map.entry(name).or_insert(decl);
}

/// Declarations by name (sorted: the bundle's order).
#[derive(Default)]
struct Decls<'a> {
    hours: BTreeMap<&'a str, &'a ast::Hours>,
    queues: BTreeMap<&'a str, &'a ast::Queue>,
    intents: BTreeMap<&'a str, &'a ast::Intent>,
    services: BTreeMap<&'a str, &'a ast::Service>,
    knowledge: BTreeMap<&'a str, &'a ast::Knowledge>,
    flows: BTreeMap<&'a str, &'a ast::Flow>,
}

fn index_of<T>(map: &BTreeMap<&str, T>, name: &str) -> Option<u32> {
    map.keys().position(|k| *k == name).map(|i| i as u32)
}

struct Generator<'a> {
    decls: Decls<'a>,
    sources: &'a SourceMap,
    strings: Interner,
    /// Source file id → index into the bundle's file table.
    file_index: BTreeMap<u32, u32>,
    files: Vec<StrId>,
    regexes: Vec<StrId>,
}

impl<'a> Generator<'a> {
    fn new(decls: Decls<'a>, sources: &'a SourceMap) -> Generator<'a> {
        let mut generator = Generator {
            decls,
            sources,
            strings: Interner::default(),
            file_index: BTreeMap::new(),
            files: Vec::new(),
            regexes: Vec::new(),
        };
        let mut paths: Vec<(&str, u32)> = sources
            .files()
            .map(|(id, f)| (f.path.as_str(), id.0))
            .collect();
        paths.sort();
        for (path, id) in paths {
            let index = generator.files.len() as u32;
            let path_id = generator.strings.intern(path);
            generator.files.push(path_id);
            generator.file_index.insert(id, index);
        }
        generator
    }

    fn s(&mut self, text: &str) -> StrId {
        self.strings.intern(text)
    }

    fn loc(&self, span: Span) -> Loc {
        let Some(file) = self.file_index.get(&span.file.0) else {
            return Loc {
                file: NO_FILE,
                line: 0,
                col: 0,
            };
        };
        let position = self.sources.get(span.file).line_col(span.start as usize);
        Loc {
            file: *file,
            line: position.line,
            col: position.column,
        }
    }

    fn regex(&mut self, pattern: &str) -> u32 {
        let id = self.s(pattern);
        match self.regexes.iter().position(|r| *r == id) {
            Some(i) => i as u32,
            None => {
                self.regexes.push(id);
                self.regexes.len() as u32 - 1
            }
        }
    }

    fn run(mut self) -> Result<Bundle> {
        let hours_decls: Vec<&ast::Hours> = self.decls.hours.values().copied().collect();
        let hours = hours_decls
            .into_iter()
            .map(|h| self.hours(h))
            .collect::<Result<Vec<_>>>()?;
        let queue_decls: Vec<&ast::Queue> = self.decls.queues.values().copied().collect();
        let mut queues = Vec::new();
        for q in queue_decls {
            let hours = match &q.hours {
                Some(name) => {
                    Some(
                        index_of(&self.decls.hours, &name.name).ok_or_else(|| CodegenError {
                            message: format!("unknown hours `{}`", name.name),
                            span: Some(name.span),
                        })?,
                    )
                }
                None => None,
            };
            let name = self.s(&q.name.name);
            let skills = q.skills.iter().map(|s| self.s(&s.plain_text())).collect();
            queues.push(rt::Queue {
                name,
                hours,
                skills,
            });
        }
        let intent_decls: Vec<&ast::Intent> = self.decls.intents.values().copied().collect();
        let intents = intent_decls
            .into_iter()
            .map(|i| rt::Intent {
                name: self.s(&i.name.name),
                examples: i.examples.iter().map(|e| self.s(&e.plain_text())).collect(),
            })
            .collect();
        let kb_decls: Vec<&ast::Knowledge> = self.decls.knowledge.values().copied().collect();
        let knowledge = kb_decls
            .into_iter()
            .map(|k| rt::KnowledgeBase {
                name: self.s(&k.name.name),
                entries: k
                    .entries
                    .iter()
                    .map(|e| rt::KnowledgeEntry {
                        name: self.s(&e.name.name),
                        questions: e
                            .questions
                            .iter()
                            .map(|q| self.s(&q.plain_text()))
                            .collect(),
                        answer: self.s(&e
                            .answer
                            .as_ref()
                            .map(|a| a.plain_text())
                            .unwrap_or_default()),
                        tags: e.tags.iter().map(|t| self.s(&t.plain_text())).collect(),
                    })
                    .collect(),
            })
            .collect();
        let service_decls: Vec<&ast::Service> = self.decls.services.values().copied().collect();
        let mut services = Vec::new();
        for service in service_decls {
            let mut operations = Vec::new();
            for op in &service.operations {
                let params = op
                    .params
                    .iter()
                    .map(|f| self.field(f))
                    .collect::<Result<Vec<_>>>()?;
                let returns = op
                    .returns
                    .iter()
                    .map(|f| self.field(f))
                    .collect::<Result<Vec<_>>>()?;
                operations.push(rt::Operation {
                    name: self.s(&op.name.name),
                    params,
                    returns,
                });
            }
            let timeout_ms = service
                .timeout
                .as_ref()
                .map(|t| t.millis.min(u32::MAX as u64) as u32)
                .unwrap_or(0);
            services.push(rt::Service {
                name: self.s(&service.name.name),
                timeout_ms,
                operations,
            });
        }
        let flow_decls: Vec<&ast::Flow> = self.decls.flows.values().copied().collect();
        let flows = flow_decls
            .into_iter()
            .map(|f| FlowGen::new(&mut self, f)?.run())
            .collect::<Result<Vec<_>>>()?;
        Ok(Bundle {
            compiler_version: env!("CARGO_PKG_VERSION").to_string(),
            strings: Vec::new(),
            files: self.files,
            regexes: self.regexes,
            hours,
            queues,
            intents,
            knowledge,
            services,
            flows,
            models: Default::default(),
        }
        .with_strings(self.strings))
    }

    fn hours(&mut self, h: &ast::Hours) -> Result<rt::Hours> {
        // Without a `timezone` line the hours are read in UTC (docs/language.md).
        let zone = h
            .timezone
            .as_ref()
            .map_or_else(|| "UTC".to_string(), |z| z.plain_text());
        let mut weekly = Vec::new();
        for line in &h.weekly {
            let (first, last) = (line.first_day.index(), line.last_day.index());
            let days: Vec<usize> = if first <= last {
                (first..=last).collect()
            } else {
                (first..7).chain(0..=last).collect()
            };
            for day in days {
                for range in &line.ranges {
                    weekly.push(rt::WeeklyRange {
                        day: day as u8,
                        start: time(range.start),
                        end: time(range.end),
                    });
                }
            }
        }
        let closed = h
            .closed
            .iter()
            .map(|c| rt::DateRange {
                first: date(c.first),
                last: date(c.last),
            })
            .collect();
        Ok(rt::Hours {
            name: self.s(&h.name.name),
            timezone: self.s(&zone),
            weekly,
            closed,
        })
    }

    fn field(&mut self, field: &ast::Field) -> Result<rt::Field> {
        Ok(rt::Field {
            name: self.s(&field.name.name),
            ty: self.slot_type(&field.ty)?,
        })
    }

    fn slot_type(&mut self, ty: &ast::TypeExpr) -> Result<SlotType> {
        Ok(match &ty.kind {
            TypeKind::Text => SlotType::Text,
            TypeKind::Number => SlotType::Number,
            TypeKind::Integer => SlotType::Integer,
            TypeKind::Digits { min, max } => SlotType::Digits {
                min: *min,
                max: *max,
            },
            TypeKind::YesNo => SlotType::YesNo,
            TypeKind::Date => SlotType::Date,
            TypeKind::Time => SlotType::Time,
            TypeKind::Email => SlotType::Email,
            TypeKind::Phone => SlotType::Phone,
            TypeKind::Bool => SlotType::Bool,
            TypeKind::Enum(values) => {
                SlotType::Enum(values.iter().map(|v| self.s(&v.name)).collect())
            }
            TypeKind::Unknown(name) => return error(format!("unknown type `{name}`"), ty.span),
        })
    }
}

trait WithStrings {
    fn with_strings(self, strings: Interner) -> Bundle;
}

impl WithStrings for Bundle {
    fn with_strings(mut self, strings: Interner) -> Bundle {
        self.strings = strings.into_strings();
        self
    }
}

fn time(t: ast::Time) -> rt::Time {
    rt::Time {
        hour: t.hour.min(24) as u8,
        minute: t.minute.min(59) as u8,
    }
}

fn date(d: ast::Date) -> rt::Date {
    rt::Date {
        year: d.year,
        month: d.month.min(12) as u8,
        day: d.day.min(31) as u8,
    }
}

/// The `on closed` / `on error` blocks in effect for the statements being generated.
#[derive(Clone, Copy, Default)]
struct Scope {
    closed: Option<Pc>,
    error: Option<Pc>,
}

struct FlowGen<'g, 'a> {
    g: &'g mut Generator<'a>,
    flow: &'a ast::Flow,
    vars: Vec<rt::Var>,
    var_index: BTreeMap<&'a str, u32>,
    states: BTreeMap<&'a str, u32>,
    code: Vec<Instr>,
    locs: Vec<Loc>,
    points: Vec<rt::InputPoint>,
    scope: Scope,
}

impl<'g, 'a> FlowGen<'g, 'a> {
    fn new(g: &'g mut Generator<'a>, flow: &'a ast::Flow) -> Result<FlowGen<'g, 'a>> {
        let mut this = FlowGen {
            g,
            flow,
            vars: Vec::new(),
            var_index: BTreeMap::new(),
            states: BTreeMap::new(),
            code: Vec::new(),
            locs: Vec::new(),
            points: Vec::new(),
            scope: Scope::default(),
        };
        for slot in &flow.slots {
            if this.var_index.contains_key(slot.name.name.as_str()) {
                continue;
            }
            let ty = this.g.slot_type(&slot.ty)?;
            let default = match &slot.default {
                Some(expr) => this.constant(expr)?,
                None => Const::None,
            };
            let name = this.g.s(&slot.name.name);
            this.var_index
                .insert(&slot.name.name, this.vars.len() as u32);
            this.vars.push(rt::Var {
                name,
                ty,
                sensitive: slot.sensitive,
                default,
                is_result: false,
            });
        }
        let mut intos = Vec::new();
        for state in &flow.states {
            collect_intos(&state.body, &mut intos);
        }
        for handler in &flow.handlers {
            collect_intos(&handler.action, &mut intos);
        }
        for rule in &flow.escalate {
            collect_intos(&rule.action, &mut intos);
        }
        for into in intos {
            if this.var_index.contains_key(into.name.as_str()) {
                continue;
            }
            let name = this.g.s(&into.name);
            this.var_index.insert(&into.name, this.vars.len() as u32);
            this.vars.push(rt::Var {
                name,
                ty: SlotType::Record,
                sensitive: false,
                default: Const::None,
                is_result: true,
            });
        }
        for (i, state) in flow.states.iter().enumerate() {
            this.states.entry(&state.name.name).or_insert(i as u32);
        }
        Ok(this)
    }

    fn run(mut self) -> Result<rt::Flow> {
        let flow = self.flow;
        let start_ident = flow.start.as_ref().ok_or_else(|| CodegenError {
            message: format!("flow `{}` has no start", flow.name.name),
            span: Some(flow.name.span),
        })?;
        let start = self.state(start_ident)?;
        let mut states = Vec::new();
        for state in &flow.states {
            let entry = self.here();
            states.push(rt::State {
                name: self.g.s(&state.name.name),
                entry,
            });
            self.block(&state.body)?;
            if !terminates(&state.body) {
                self.emit(Instr::End, state.span);
            }
        }
        let mut handlers = rt::FlowHandlers::default();
        for handler in &flow.handlers {
            match handler.kind {
                HandlerKind::NoMatch => handlers.no_match = Some(self.input_handler(handler)?),
                HandlerKind::NoInput => handlers.no_input = Some(self.input_handler(handler)?),
                HandlerKind::Closed => {
                    handlers.closed = Some(self.returning_block(&handler.action)?)
                }
                HandlerKind::Error => handlers.error = Some(self.returning_block(&handler.action)?),
            }
        }
        let escalate = if flow.escalate.is_empty() {
            None
        } else {
            let start = self.here();
            let mut to_deliver = Vec::new();
            for rule in &flow.escalate {
                self.expr(&rule.condition)?;
                let skip = self.emit(Instr::JumpIfFalse(0), rule.span);
                self.block(&rule.action)?;
                if !terminates(&rule.action) {
                    to_deliver.push(self.emit(Instr::Jump(0), rule.span));
                }
                self.patch(skip)?;
            }
            for at in to_deliver {
                self.patch(at)?;
            }
            self.emit(Instr::Deliver, flow.span);
            Some(start)
        };
        let name = self.g.s(&flow.name.name);
        let channel = match flow.channel {
            Some((ast::Channel::Voice, _)) => rt::FlowChannel::Voice,
            Some((ast::Channel::Chat, _)) => rt::FlowChannel::Chat,
            Some((ast::Channel::Any, _)) | None => rt::FlowChannel::Any,
        };
        Ok(rt::Flow {
            name,
            channel,
            start,
            vars: self.vars,
            states,
            points: self.points,
            handlers,
            escalate,
            code: self.code,
            locs: self.locs,
        })
    }

    fn here(&self) -> Pc {
        self.code.len() as Pc
    }

    fn emit(&mut self, instr: Instr, span: Span) -> usize {
        let loc = self.g.loc(span);
        self.code.push(instr);
        self.locs.push(loc);
        self.code.len() - 1
    }

    /// Points the jump at `at` to the current end of the code.
    fn patch(&mut self, at: usize) -> Result<()> {
        let target = self.here();
        match self.code.get_mut(at) {
            Some(Instr::Jump(t) | Instr::JumpIfFalse(t) | Instr::JumpIfTrue(t)) => *t = target,
            Some(Instr::Answer { found, .. }) => *found = target,
            _ => {
                return Err(CodegenError {
                    message: format!("internal: no jump at {at} to patch"),
                    span: None,
                });
            }
        }
        Ok(())
    }

    fn state(&self, ident: &ast::Ident) -> Result<u32> {
        match self.states.get(ident.name.as_str()) {
            Some(i) => Ok(*i),
            None => error(format!("unknown state `{}`", ident.name), ident.span),
        }
    }

    fn var(&self, ident: &ast::Ident) -> Result<u32> {
        match self.var_index.get(ident.name.as_str()) {
            Some(i) => Ok(*i),
            None => error(format!("unknown slot `{}`", ident.name), ident.span),
        }
    }

    fn lookup<T>(map: &BTreeMap<&str, T>, what: &str, ident: &ast::Ident) -> Result<u32> {
        index_of(map, &ident.name).ok_or_else(|| CodegenError {
            message: format!("unknown {what} `{}`", ident.name),
            span: Some(ident.span),
        })
    }

    fn constant(&mut self, expr: &ast::Expr) -> Result<Const> {
        Ok(match &expr.kind {
            ExprKind::None => Const::None,
            ExprKind::Bool(b) => Const::Bool(*b),
            ExprKind::Number(n) => Const::Number(*n),
            ExprKind::String(s) if !s.has_interpolation() => Const::Text(self.g.s(&s.plain_text())),
            ExprKind::Name(ident) => Const::Text(self.g.s(&ident.name)),
            ExprKind::Date(d) => Const::Date(date(*d)),
            ExprKind::Time(t) => Const::Time(time(*t)),
            ExprKind::Duration(ms) => Const::Number(*ms as f64),
            _ => return error("a slot default must be a literal", expr.span),
        })
    }

    /// Pushes a string's interpolations and returns its template (`{0}`… placeholders,
    /// literal braces doubled) and the number of values pushed.
    fn template(&mut self, text: &'a ast::Str) -> Result<(StrId, u32)> {
        // The format is the runtime's (`bundle::template`), which the VM decodes.
        let mut template = csflow_runtime::bundle::template::Template::new();
        for part in &text.parts {
            match part {
                StrPart::Text(t) => template.text(t),
                StrPart::Interpolation(expr) => {
                    self.expr(expr)?;
                    template.placeholder();
                }
            }
        }
        let (template, args) = template.finish();
        Ok((self.g.s(&template), args))
    }

    fn block(&mut self, block: &'a Block) -> Result<()> {
        for stmt in &block.statements {
            self.stmt(stmt)?;
        }
        Ok(())
    }

    /// A handler ACTION that continues where the handler was entered when it does not move
    /// on; returns its start.
    fn returning_block(&mut self, block: &'a Block) -> Result<Pc> {
        let start = self.here();
        self.block(block)?;
        if !terminates(block) {
            self.emit(Instr::Return, block.span);
        }
        Ok(start)
    }

    fn input_handler(&mut self, handler: &'a ast::Handler) -> Result<rt::InputHandler> {
        let (retries, retry_message) = match &handler.retry {
            Some(retry) => {
                let message = match &retry.message {
                    Some(message) => {
                        let start = self.here();
                        let (text, args) = self.template(message)?;
                        self.emit(Instr::Say { text, args }, message.span);
                        self.emit(Instr::Resume, retry.span);
                        Some(start)
                    }
                    None => None,
                };
                (retry.count, message)
            }
            None => (0, None),
        };
        let action = self.returning_block(&handler.action)?;
        Ok(rt::InputHandler {
            retries,
            retry_message,
            action,
        })
    }

    /// The statement-level handlers of an ask/menu: `on closed`/`on error` blocks first (they
    /// scope the rest), then no_match/no_input.
    fn point_handlers(
        &mut self,
        handlers: &'a [ast::Handler],
    ) -> Result<(Option<rt::InputHandler>, Option<rt::InputHandler>)> {
        for handler in handlers {
            match handler.kind {
                HandlerKind::Closed => {
                    self.scope.closed = Some(self.returning_block(&handler.action)?)
                }
                HandlerKind::Error => {
                    self.scope.error = Some(self.returning_block(&handler.action)?)
                }
                _ => {}
            }
        }
        let (mut no_match, mut no_input) = (None, None);
        for handler in handlers {
            match handler.kind {
                HandlerKind::NoMatch => no_match = Some(self.input_handler(handler)?),
                HandlerKind::NoInput => no_input = Some(self.input_handler(handler)?),
                _ => {}
            }
        }
        Ok((no_match, no_input))
    }

    fn stmt(&mut self, stmt: &'a Stmt) -> Result<()> {
        let span = stmt.span;
        match &stmt.kind {
            StmtKind::Say(text) => {
                let (text, args) = self.template(text)?;
                self.emit(Instr::Say { text, args }, span);
            }
            StmtKind::Ask(ask) => {
                let var = self.var(&ask.slot)?;
                self.emit(Instr::Load(var), span);
                self.emit(Instr::IsSet, span);
                let skip = self.emit(Instr::JumpIfTrue(0), span);
                let prompt = self.here();
                let (text, args) = self.template(&ask.prompt)?;
                self.emit(Instr::Say { text, args }, ask.prompt.span);
                let point = self.points.len() as u32;
                self.points.push(rt::InputPoint {
                    kind: PointKind::Ask { var },
                    prompt,
                    after: 0,
                    no_match: None,
                    no_input: None,
                });
                self.emit(Instr::Wait(point), span);
                let success = (!ask.handlers.is_empty()).then(|| self.emit(Instr::Jump(0), span));
                let saved = self.scope;
                let (no_match, no_input) = self.point_handlers(&ask.handlers)?;
                self.scope = saved;
                self.patch(skip)?;
                if let Some(at) = success {
                    self.patch(at)?;
                }
                let after = self.here();
                if let Some(p) = self.points.get_mut(point as usize) {
                    p.after = after;
                    p.no_match = no_match;
                    p.no_input = no_input;
                }
            }
            StmtKind::Menu(menu) => {
                let prompt = self.here();
                let (text, args) = self.template(&menu.prompt)?;
                self.emit(Instr::Say { text, args }, menu.prompt.span);
                let point = self.points.len() as u32;
                self.points.push(rt::InputPoint {
                    kind: PointKind::Menu {
                        options: Vec::new(),
                    },
                    prompt,
                    after: 0,
                    no_match: None,
                    no_input: None,
                });
                self.emit(Instr::Wait(point), span);
                let saved = self.scope;
                let mut options = Vec::new();
                let mut to_after = Vec::new();
                // Closed/error blocks first, so option actions see them.
                for handler in &menu.handlers {
                    match handler.kind {
                        HandlerKind::Closed => {
                            self.scope.closed = Some(self.returning_block(&handler.action)?)
                        }
                        HandlerKind::Error => {
                            self.scope.error = Some(self.returning_block(&handler.action)?)
                        }
                        _ => {}
                    }
                }
                for option in &menu.options {
                    let action = self.here();
                    self.block(&option.action)?;
                    if !terminates(&option.action) {
                        to_after.push(self.emit(Instr::Jump(0), option.span));
                    }
                    let mut intents = Vec::new();
                    for intent in &option.intents {
                        intents.push(Self::lookup(&self.g.decls.intents, "intent", intent)?);
                    }
                    options.push(rt::MenuOption {
                        label: self.g.s(&option.label.plain_text()),
                        keys: option.keys.iter().map(|k| self.g.s(&k.keys)).collect(),
                        intents,
                        phrases: option
                            .phrases
                            .iter()
                            .map(|p| self.g.s(&p.plain_text()))
                            .collect(),
                        action,
                    });
                }
                let only_input: Vec<&'a ast::Handler> = menu
                    .handlers
                    .iter()
                    .filter(|h| matches!(h.kind, HandlerKind::NoMatch | HandlerKind::NoInput))
                    .collect();
                let (mut no_match, mut no_input) = (None, None);
                for handler in only_input {
                    match handler.kind {
                        HandlerKind::NoMatch => no_match = Some(self.input_handler(handler)?),
                        _ => no_input = Some(self.input_handler(handler)?),
                    }
                }
                self.scope = saved;
                for at in to_after {
                    self.patch(at)?;
                }
                let after = self.here();
                if let Some(p) = self.points.get_mut(point as usize) {
                    p.kind = PointKind::Menu { options };
                    p.after = after;
                    p.no_match = no_match;
                    p.no_input = no_input;
                }
            }
            StmtKind::Goto(target) => {
                let state = self.state(target)?;
                self.emit(Instr::Goto(state), span);
            }
            StmtKind::End => {
                self.emit(Instr::End, span);
            }
            StmtKind::Handoff(handoff) => {
                let queue = Self::lookup(&self.g.decls.queues, "queue", &handoff.queue)?;
                let (reason, args) = match &handoff.reason {
                    Some(reason) => {
                        let (text, args) = self.template(reason)?;
                        (Some(text), args)
                    }
                    None => (None, 0),
                };
                let priority = match handoff.priority {
                    Some((ast::Priority::Low, _)) => Priority::Low,
                    Some((ast::Priority::High, _)) => Priority::High,
                    Some((ast::Priority::Normal, _)) | None => Priority::Normal,
                };
                self.emit(
                    Instr::Handoff {
                        queue,
                        priority,
                        reason,
                        args,
                        on_closed: self.scope.closed,
                    },
                    span,
                );
            }
            StmtKind::If(branches) => {
                let mut to_end = Vec::new();
                for (condition, block) in &branches.branches {
                    self.expr(condition)?;
                    let skip = self.emit(Instr::JumpIfFalse(0), condition.span);
                    self.block(block)?;
                    if !terminates(block) {
                        to_end.push(self.emit(Instr::Jump(0), block.span));
                    }
                    self.patch(skip)?;
                }
                if let Some(otherwise) = &branches.otherwise {
                    self.block(otherwise)?;
                }
                for at in to_end {
                    self.patch(at)?;
                }
            }
            StmtKind::Set { slot, value } => {
                let var = self.var(slot)?;
                self.expr(value)?;
                self.emit(Instr::Store(var), span);
            }
            StmtKind::Call(call) => {
                let service_index = Self::lookup(&self.g.decls.services, "service", &call.service)?;
                let service = self
                    .g
                    .decls
                    .services
                    .get(call.service.name.as_str())
                    .copied();
                let Some((operation, op)) = service.and_then(|s| {
                    s.operations
                        .iter()
                        .enumerate()
                        .find(|(_, o)| o.name.name == call.operation.name)
                }) else {
                    return error(
                        format!(
                            "unknown operation `{}.{}`",
                            call.service.name, call.operation.name
                        ),
                        call.operation.span,
                    );
                };
                for (name, _) in &call.args {
                    if !op.params.iter().any(|p| p.name.name == name.name) {
                        return error(format!("unknown parameter `{}`", name.name), name.span);
                    }
                }
                for param in &op.params {
                    match call
                        .args
                        .iter()
                        .find(|(name, _)| name.name == param.name.name)
                    {
                        Some((_, value)) => self.expr(value)?,
                        None => {
                            self.emit(Instr::PushNone, span);
                        }
                    }
                }
                let into = call.into.as_ref().map(|i| self.var(i)).transpose()?;
                self.emit(
                    Instr::Call {
                        service: service_index,
                        operation: operation as u32,
                        into,
                        on_error: self.scope.error,
                    },
                    span,
                );
            }
            StmtKind::Answer(answer) => {
                let knowledge =
                    Self::lookup(&self.g.decls.knowledge, "knowledge base", &answer.knowledge)?;
                let (topic, args) = match &answer.topic {
                    Some(topic) => {
                        let (text, args) = self.template(topic)?;
                        (Some(text), args)
                    }
                    None => (None, 0),
                };
                let at = self.emit(
                    Instr::Answer {
                        knowledge,
                        topic,
                        args,
                        found: 0,
                    },
                    span,
                );
                if let Some(otherwise) = &answer.otherwise {
                    self.block(otherwise)?;
                }
                self.patch(at)?;
            }
            StmtKind::Error => return error("a statement that did not parse", span),
        }
        Ok(())
    }

    fn expr(&mut self, expr: &'a ast::Expr) -> Result<()> {
        let span = expr.span;
        match &expr.kind {
            ExprKind::String(s) => {
                if s.has_interpolation() {
                    let (text, args) = self.template(s)?;
                    self.emit(Instr::Format { text, args }, span);
                } else {
                    let text = self.g.s(&s.plain_text());
                    self.emit(Instr::PushText(text), span);
                }
            }
            ExprKind::Number(n) => {
                self.emit(Instr::PushNumber(*n), span);
            }
            ExprKind::Bool(b) => {
                self.emit(Instr::PushBool(*b), span);
            }
            ExprKind::None => {
                self.emit(Instr::PushNone, span);
            }
            ExprKind::Date(d) => {
                self.emit(Instr::PushDate(date(*d)), span);
            }
            ExprKind::Time(t) => {
                self.emit(Instr::PushTime(time(*t)), span);
            }
            ExprKind::Duration(ms) => {
                self.emit(Instr::PushNumber(*ms as f64), span);
            }
            ExprKind::List(items) => {
                for item in items {
                    self.expr(item)?;
                }
                self.emit(Instr::MakeList(items.len() as u32), span);
            }
            ExprKind::Record(_) => {
                return error("a record literal is only allowed in test mocks", span);
            }
            ExprKind::Name(ident) => {
                if let Some(var) = self.var_index.get(ident.name.as_str()) {
                    self.emit(Instr::Load(*var), span);
                } else if let Some(builtin) = Builtin::from_name(&ident.name) {
                    self.emit(Instr::Builtin(builtin), span);
                } else {
                    // An enum value: compared by name.
                    let text = self.g.s(&ident.name);
                    self.emit(Instr::PushText(text), span);
                }
            }
            ExprKind::Field(base, field) => {
                self.expr(base)?;
                let name = self.g.s(&field.name);
                self.emit(Instr::Field(name), span);
            }
            ExprKind::Intent(ident) => {
                let intent = Self::lookup(&self.g.decls.intents, "intent", ident)?;
                self.emit(Instr::IntentIs(intent), span);
            }
            ExprKind::Open(ident) => {
                let hours = Self::lookup(&self.g.decls.hours, "hours", ident)?;
                self.emit(Instr::Open(hours), span);
            }
            ExprKind::Not(inner) => {
                self.expr(inner)?;
                self.emit(Instr::Not, span);
            }
            ExprKind::Binary(op, left, right) => {
                self.expr(left)?;
                self.expr(right)?;
                let instr = match op {
                    BinaryOp::Or => Instr::Or,
                    BinaryOp::And => Instr::And,
                    BinaryOp::Eq => Instr::Compare(CmpOp::Eq),
                    BinaryOp::Ne => Instr::Compare(CmpOp::Ne),
                    BinaryOp::Lt => Instr::Compare(CmpOp::Lt),
                    BinaryOp::Le => Instr::Compare(CmpOp::Le),
                    BinaryOp::Gt => Instr::Compare(CmpOp::Gt),
                    BinaryOp::Ge => Instr::Compare(CmpOp::Ge),
                };
                self.emit(instr, span);
            }
            ExprKind::IsSet { value, negated } => {
                self.expr(value)?;
                self.emit(Instr::IsSet, span);
                if *negated {
                    self.emit(Instr::Not, span);
                }
            }
            ExprKind::In {
                value,
                list,
                negated,
            } => {
                self.expr(value)?;
                self.expr(list)?;
                self.emit(Instr::In, span);
                if *negated {
                    self.emit(Instr::Not, span);
                }
            }
            ExprKind::Matches(value, regex) => {
                self.expr(value)?;
                let index = self.g.regex(&regex.pattern);
                self.emit(Instr::Matches(index), span);
            }
        }
        Ok(())
    }
}

/// Whether every path through `block` ends in `goto`, `end` or `handoff`.
fn terminates(block: &Block) -> bool {
    block.statements.iter().any(|stmt| match &stmt.kind {
        StmtKind::Goto(_) | StmtKind::End | StmtKind::Handoff(_) => true,
        StmtKind::If(branches) => {
            branches.otherwise.as_ref().is_some_and(terminates)
                && branches.branches.iter().all(|(_, b)| terminates(b))
        }
        _ => false,
    })
}

/// Every `call … into NAME`, in source order.
fn collect_intos<'a>(block: &'a Block, out: &mut Vec<&'a ast::Ident>) {
    for stmt in &block.statements {
        match &stmt.kind {
            StmtKind::Call(call) => out.extend(call.into.as_ref()),
            StmtKind::If(branches) => {
                for (_, b) in &branches.branches {
                    collect_intos(b, out);
                }
                if let Some(b) = &branches.otherwise {
                    collect_intos(b, out);
                }
            }
            StmtKind::Ask(ask) => ask
                .handlers
                .iter()
                .for_each(|h| collect_intos(&h.action, out)),
            StmtKind::Menu(menu) => {
                menu.options
                    .iter()
                    .for_each(|o| collect_intos(&o.action, out));
                menu.handlers
                    .iter()
                    .for_each(|h| collect_intos(&h.action, out));
            }
            StmtKind::Answer(answer) => {
                if let Some(b) = &answer.otherwise {
                    collect_intos(b, out);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests;
