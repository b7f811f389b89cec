//! Lowering one flow: its variables, states, handlers and escalate rules (the layout is
//! described in [`super`]). Every name is read from the kept [`Resolution`].

use super::{CodegenError, Generator, Result, date, error, time};
use crate::ast::{self, BinaryOp, Block, ExprKind, HandlerKind, Stmt, StmtKind, StrPart};
use crate::resolve::{self, DefId, DefKind};
use crate::source::Span;
use crate::visit::{self, Ending};
use csflow_runtime::bundle::{
    self as rt, ArithOp, CmpOp, Const, Instr, Loc, Pc, PointKind, Priority, SlotType, StrId,
};
use rustc_hash::FxHashMap;

/// Whether a block needs nothing after it: every path ends in `goto`, `end` or `handoff`.
/// A block that ends only through a menu's options still gets a landing instruction: the
/// menu continues at its `after` address (see [`visit::Ending`]).
fn terminates(block: &Block) -> bool {
    visit::block_ending(block) == Ending::Ends
}

/// The `on closed` / `on error` blocks in effect for the statements being generated.
#[derive(Clone, Copy, Default)]
struct Scope {
    closed: Option<Pc>,
    error: Option<Pc>,
}

pub(super) struct FlowGen<'g, 'a> {
    g: &'g mut Generator<'a>,
    /// The flow's name (a flow in the bundle always has one).
    name: &'a str,
    flow: &'a ast::Flow,
    vars: Vec<rt::Var>,
    /// A slot's or result's definition → its variable.
    var_index: FxHashMap<DefId, u32>,
    code: Vec<Instr>,
    locs: Vec<Loc>,
    points: Vec<rt::InputPoint>,
    scope: Scope,
    /// `Arith` instructions whose `resume` (the end of their statement) is not known yet.
    resumes: Vec<usize>,
}

impl<'g, 'a> FlowGen<'g, 'a> {
    pub(super) fn new(
        g: &'g mut Generator<'a>,
        name: &'a str,
        flow: &'a ast::Flow,
    ) -> Result<FlowGen<'g, 'a>> {
        let mut this = FlowGen {
            g,
            name,
            flow,
            vars: Vec::new(),
            var_index: FxHashMap::default(),
            code: Vec::new(),
            locs: Vec::new(),
            points: Vec::new(),
            scope: Scope::default(),
            resumes: Vec::new(),
        };
        // Variables: the slots in source order, then the `into` results in the order the
        // resolver defined them; a second definition of a name is not a variable.
        for slot in &flow.slots {
            let Some(slot_name) = &slot.name else {
                continue;
            };
            let Some(id) = this.first_def(slot_name) else {
                continue;
            };
            let ty = this.g.slot_type(&slot.ty)?;
            let default = match &slot.default {
                Some(expr) => this.constant(expr)?,
                None => Const::None,
            };
            let name = this.g.s(&slot_name.name);
            this.var_index.insert(id, this.vars.len() as u32);
            this.vars.push(rt::Var {
                name,
                ty,
                sensitive: slot.sensitive,
                default,
                is_result: false,
            });
        }
        // Then the `into` results in the order the resolver defined them (calls, then the
        // `options from` menus), then each `options from`'s `item` (named by its label).
        let mut intos: Vec<(&str, Span)> = Vec::new();
        let mut dynamic = Vec::new();
        visit::each_flow_stmt(flow, &mut |stmt| match &stmt.kind {
            StmtKind::Call(call) => {
                intos.extend(call.into.as_ref().map(|i| (i.name.as_str(), i.span)))
            }
            StmtKind::Menu(menu) => dynamic.extend(menu.dynamic.as_deref()),
            _ => {}
        });
        intos.extend(dynamic.iter().map(|d| (d.into.name.as_str(), d.into.span)));
        intos.extend(dynamic.iter().map(|d| (crate::resolve::ITEM, d.label.span)));
        for (into, span) in intos {
            let Some(id) = this.g.resolution.def_named(span) else {
                continue;
            };
            if this.g.resolution.def(id).duplicate_of.is_some() || this.var_index.contains_key(&id)
            {
                continue;
            }
            let name = this.g.s(into);
            this.var_index.insert(id, this.vars.len() as u32);
            this.vars.push(rt::Var {
                name,
                ty: SlotType::Record,
                sensitive: false,
                default: Const::None,
                is_result: true,
            });
        }
        Ok(this)
    }

    /// The definition whose name is written at `ident`, when it is the first of its name.
    fn first_def(&self, ident: &ast::Ident) -> Option<DefId> {
        let resolution = self.g.resolution;
        let id = resolution.def_named(ident.span)?;
        resolution.def(id).duplicate_of.is_none().then_some(id)
    }

    pub(super) fn run(mut self) -> Result<rt::Flow> {
        let flow = self.flow;
        let start_ident = flow.start.as_ref().ok_or_else(|| CodegenError {
            message: format!("flow `{}` has no start", self.name),
            span: Some(flow.span),
        })?;
        let start = self.state(start_ident)?;
        let mut states = Vec::new();
        for state in &flow.states {
            let entry = self.here();
            states.push(rt::State {
                name: self.g.s(&super::written(&state.name, state.span)?.name),
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
                let mark = self.resumes.len();
                self.expr(&rule.condition)?;
                let skip = self.emit(Instr::JumpIfFalse(0), rule.span);
                self.block(&rule.action)?;
                if !terminates(&rule.action) {
                    to_deliver.push(self.emit(Instr::Jump(0), rule.span));
                }
                self.patch(skip)?;
                self.resume_here(mark);
            }
            for at in to_deliver {
                self.patch(at)?;
            }
            self.emit(Instr::Deliver, flow.span);
            Some(start)
        };
        // Anything left (retry messages of flow handlers) resumes where it stands.
        for at in std::mem::take(&mut self.resumes) {
            if let Some(Instr::Arith { resume, .. }) = self.code.get_mut(at) {
                *resume = at as Pc + 1;
            }
        }
        let name = self.g.s(self.name);
        let timezone = flow.timezone.as_ref().map(|z| self.g.s(&z.plain_text()));
        let channel = match flow.channel {
            Some((ast::Channel::Voice, _)) => rt::FlowChannel::Voice,
            Some((ast::Channel::Chat, _)) => rt::FlowChannel::Chat,
            Some((ast::Channel::Any, _)) | None => rt::FlowChannel::Any,
        };
        let language = flow.language.as_ref().map(|l| self.g.s(&l.plain_text()));
        Ok(rt::Flow {
            name,
            channel,
            timezone,
            language,
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

    /// Points the `resume` of every `Arith` emitted since `mark` here: after the statement
    /// (or escalate rule) that holds it.
    fn resume_here(&mut self, mark: usize) {
        let target = self.here();
        for at in self.resumes.split_off(mark) {
            if let Some(Instr::Arith { resume, .. }) = self.code.get_mut(at) {
                *resume = target;
            }
        }
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

    /// The index of the state a `goto` or `start` names (states keep their source order).
    fn state(&self, ident: &ast::Ident) -> Result<u32> {
        let id = self.g.resolved(ident, "state", |k| k == DefKind::State)?;
        Ok(self.g.resolution.def(id).index)
    }

    /// The variable of the slot or result a name resolved to.
    fn var(&self, ident: &ast::Ident) -> Result<u32> {
        let is_var = |k| matches!(k, DefKind::Slot | DefKind::Result);
        let found = match self.g.resolution.target(ident.span) {
            Some(id) if is_var(self.g.resolution.def(id).kind) => Some(id),
            // The first `into` of a result defines it rather than referring to it.
            _ => self.first_def(ident),
        };
        match found.and_then(|id| self.var_index.get(&id)) {
            Some(i) => Ok(*i),
            None => error(format!("unknown slot `{}`", ident.name), ident.span),
        }
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
                StrPart::Text(t, _) => template.text(t),
                StrPart::Interpolation(expr) => {
                    self.expr(expr)?;
                    // An enum with display labels says its label: a slot's from its variable,
                    // a field's (of a call result or an item) from the type the checks found.
                    if let Some(var) = self.labelled_enum(expr) {
                        self.emit(Instr::Label(var), expr.span);
                    } else if let Some(resolve::Type::LabelledEnum(values)) =
                        self.g.resolution.type_of(expr.span)
                    {
                        let values = values
                            .iter()
                            .map(|(name, label)| rt::EnumValue {
                                name: self.g.s(name),
                                label: label.as_deref().map(|l| self.g.s(l)),
                            })
                            .collect();
                        self.emit(Instr::Labels(values), expr.span);
                    }
                    template.placeholder();
                }
            }
        }
        let (template, args) = template.finish();
        Ok((self.g.s(&template), args))
    }

    /// An `ask`/`menu` prompt.
    fn prompt(
        &mut self,
        audio: Option<&'a ast::Str>,
        prompt: &'a ast::Str,
        language: Option<&'a ast::Str>,
    ) -> Result<()> {
        self.output(audio, prompt, language, prompt.span)
    }

    /// An output (a `say`, `play`, or an `ask`/`menu` prompt): said in its own language
    /// when it names one, played when it has a recording (`play "…" or say "…"`, the text
    /// its fallback).
    fn output(
        &mut self,
        audio: Option<&'a ast::Str>,
        prompt: &'a ast::Str,
        language: Option<&'a ast::Str>,
        at: Span,
    ) -> Result<()> {
        let (text, args) = self.template(prompt)?;
        let instr = match (audio, language) {
            (Some(audio), language) => Instr::Play {
                url: self.g.s(&audio.plain_text()),
                text,
                args,
                language: language.map(|l| self.g.s(&l.plain_text())),
            },
            (None, Some(language)) => Instr::SayIn {
                text,
                args,
                language: self.g.s(&language.plain_text()),
            },
            (None, None) => Instr::Say { text, args },
        };
        self.emit(instr, at);
        Ok(())
    }

    /// An input point's timing: its own settings, else the flow's; `max_digits` its own,
    /// else the longest reply of its `digits(N)` slot, else the flow's.
    fn timing(&mut self, own: &'a ast::InputTiming, digits: Option<u32>) -> rt::InputTiming {
        let flow = &self.flow.timing;
        let millis = |d: &ast::DurationLit| d.millis.min(u32::MAX as u64) as u32;
        let finish_key = own.finish_key.as_ref().or(flow.finish_key.as_ref());
        rt::InputTiming {
            timeout_ms: own.timeout.as_ref().or(flow.timeout.as_ref()).map(millis),
            max_digits: own
                .max_digits
                .map(|(n, _)| n)
                .or(digits)
                .or(flow.max_digits.map(|(n, _)| n)),
            finish_key: finish_key.map(|k| self.g.s(&k.plain_text())),
        }
    }

    /// The variable of `expr` when it is an enum slot whose values have labels.
    fn labelled_enum(&self, expr: &ast::Expr) -> Option<u32> {
        let ExprKind::Name(ident) = &expr.kind else {
            return None;
        };
        let var = self.var(ident).ok()?;
        matches!(self.vars.get(var as usize)?.ty, SlotType::LabelledEnum(_)).then_some(var)
    }

    /// The code that makes the items of `options from` before its menu's prompt: the list,
    /// then per item its label (`item` holds the item meanwhile). Returns `item`'s variable.
    fn menu_items(&mut self, dynamic: &'a ast::DynamicOptions) -> Result<u32> {
        let span = dynamic.span;
        let item = ast::Ident {
            name: crate::resolve::ITEM.to_string(),
            span: dynamic.label.span,
        };
        let Some(var) = self
            .g
            .resolution
            .def_named(item.span)
            .and_then(|id| self.var_index.get(&id).copied())
        else {
            return error("internal: `options from` without its item", span);
        };
        self.expr(&dynamic.list)?;
        let max = dynamic.max_items().min(rt::MAX_MENU_ITEMS);
        self.emit(Instr::ItemsBegin { max }, span);
        let next = self.emit(Instr::ItemsNext { var, done: 0 }, span);
        let (text, args) = self.template(&dynamic.label)?;
        self.emit(
            Instr::ItemsLabel {
                text,
                args,
                back: next as Pc,
            },
            dynamic.label.span,
        );
        let done = self.here();
        if let Some(Instr::ItemsNext { done: at, .. }) = self.code.get_mut(next) {
            *at = done;
        }
        Ok(var)
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
                        // `and prompt`: the prompt follows the message.
                        let next = match retry.reprompt {
                            Some(_) => Instr::Reprompt,
                            None => Instr::Resume,
                        };
                        self.emit(next, retry.span);
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
        self.scope_handlers(handlers)?;
        self.input_handlers(handlers)
    }

    /// The `on closed` / `on error` blocks of an ask or menu, which scope what follows.
    fn scope_handlers(&mut self, handlers: &'a [ast::Handler]) -> Result<()> {
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
        Ok(())
    }

    /// The `on no_match` / `on no_input` handlers of an ask or menu.
    fn input_handlers(
        &mut self,
        handlers: &'a [ast::Handler],
    ) -> Result<(Option<rt::InputHandler>, Option<rt::InputHandler>)> {
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
        let mark = self.resumes.len();
        self.stmt_code(stmt)?;
        self.resume_here(mark);
        Ok(())
    }

    fn stmt_code(&mut self, stmt: &'a Stmt) -> Result<()> {
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
                self.prompt(ask.audio.as_ref(), &ask.prompt, ask.language.as_ref())?;
                let point = self.points.len() as u32;
                let digits = match self.vars.get(var as usize).map(|v| &v.ty) {
                    Some(SlotType::Digits { max, .. }) => *max,
                    _ => None,
                };
                let timing = self.timing(&ask.timing, digits);
                self.points.push(rt::InputPoint {
                    kind: PointKind::Ask { var },
                    prompt,
                    after: 0,
                    no_match: None,
                    no_input: None,
                    items: None,
                    timing,
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
                // `options from`: the items and their labels are made afresh at every prompt.
                let item_var = match &menu.dynamic {
                    Some(dynamic) => Some(self.menu_items(dynamic)?),
                    None => None,
                };
                self.prompt(menu.audio.as_ref(), &menu.prompt, menu.language.as_ref())?;
                if item_var.is_some() {
                    self.emit(Instr::ItemsSay, span);
                }
                let point = self.points.len() as u32;
                let timing = self.timing(&menu.timing, None);
                self.points.push(rt::InputPoint {
                    kind: PointKind::Menu {
                        options: Vec::new(),
                    },
                    prompt,
                    after: 0,
                    no_match: None,
                    no_input: None,
                    items: None,
                    timing,
                });
                self.emit(Instr::Wait(point), span);
                let saved = self.scope;
                let mut options = Vec::new();
                let mut to_after = Vec::new();
                // Closed/error blocks first, so option actions see them.
                self.scope_handlers(&menu.handlers)?;
                for option in &menu.options {
                    let action = self.here();
                    self.block(&option.action)?;
                    if !terminates(&option.action) {
                        to_after.push(self.emit(Instr::Jump(0), option.span));
                    }
                    let mut intents = Vec::new();
                    for intent in &option.intents {
                        intents.push(self.g.lookup(intent, "intent", |k| k == DefKind::Intent)?);
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
                let items = match &menu.dynamic {
                    Some(dynamic) => {
                        let action = self.here();
                        self.block(&dynamic.action)?;
                        if !terminates(&dynamic.action) {
                            to_after.push(self.emit(Instr::Jump(0), dynamic.span));
                        }
                        Some(Box::new(rt::MenuItems {
                            position: dynamic.position as u32,
                            into: self.var(&dynamic.into)?,
                            action,
                        }))
                    }
                    None => None,
                };
                let (no_match, no_input) = self.input_handlers(&menu.handlers)?;
                self.scope = saved;
                for at in to_after {
                    self.patch(at)?;
                }
                let after = self.here();
                if let Some(p) = self.points.get_mut(point as usize) {
                    p.items = items;
                    p.kind = PointKind::Menu { options };
                    p.after = after;
                    p.no_match = no_match;
                    p.no_input = no_input;
                }
            }
            StmtKind::Speak(speak) => self.output(
                speak.audio.as_ref(),
                &speak.text,
                speak.language.as_ref(),
                span,
            )?,
            StmtKind::Transfer(transfer) => {
                let (reason, args) = match &transfer.reason {
                    Some(reason) => {
                        let (text, args) = self.template(reason)?;
                        (Some(text), args)
                    }
                    None => (None, 0),
                };
                let to = self.g.s(&transfer.to.plain_text());
                self.emit(Instr::Transfer { to, reason, args }, span);
            }
            StmtKind::Goto(target) => {
                let state = self.state(target)?;
                self.emit(Instr::Goto(state), span);
            }
            StmtKind::End => {
                self.emit(Instr::End, span);
            }
            StmtKind::Handoff(handoff) => {
                let queue = self
                    .g
                    .lookup(&handoff.queue, "queue", |k| k == DefKind::Queue)?;
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
                let is_service = |k| k == DefKind::Service;
                let service_id = self.g.resolved(&call.service, "service", is_service)?;
                let service_index = self.g.lookup(&call.service, "service", is_service)?;
                let unknown_operation = || {
                    error(
                        format!(
                            "unknown operation `{}.{}`",
                            call.service.name, call.operation.name
                        ),
                        call.operation.span,
                    )
                };
                let Ok(op_id) = self
                    .g
                    .resolved(&call.operation, "operation", |k| k == DefKind::Operation)
                else {
                    return unknown_operation();
                };
                let operation = self.g.resolution.def(op_id).index;
                let Some(op) = self
                    .g
                    .services
                    .get(&service_id)
                    .and_then(|s| s.operations.get(operation as usize))
                else {
                    return unknown_operation();
                };
                // The arguments in the order of the declared parameters; a parameter not
                // passed is `none`.
                let mut values: Vec<Option<&'a ast::Expr>> = vec![None; op.params.len()];
                for (name, value) in &call.args {
                    let param = self.g.resolved(name, "parameter", |k| k == DefKind::Param);
                    let index = param.map(|id| self.g.resolution.def(id).index as usize);
                    match index.ok().and_then(|i| values.get_mut(i)) {
                        Some(slot) => *slot = Some(value),
                        None => {
                            return error(format!("unknown parameter `{}`", name.name), name.span);
                        }
                    }
                }
                for value in values {
                    match value {
                        Some(value) => self.expr(value)?,
                        None => {
                            self.emit(Instr::PushNone, span);
                        }
                    }
                }
                let into = call.into.as_ref().map(|i| self.var(i)).transpose()?;
                // `{ on error ACTION }` for this call alone: placed after the call, jumped
                // over on success; a handler that does not move on returns to that jump.
                let handler = call.handlers.iter().find(|h| h.kind == HandlerKind::Error);
                let call_at = self.emit(
                    Instr::Call {
                        service: service_index,
                        operation,
                        into,
                        on_error: self.scope.error,
                    },
                    span,
                );
                if let Some(handler) = handler {
                    let over = self.emit(Instr::Jump(0), span);
                    let start = self.returning_block(&handler.action)?;
                    if let Some(Instr::Call { on_error, .. }) = self.code.get_mut(call_at) {
                        *on_error = Some(start);
                    }
                    self.patch(over)?;
                }
            }
            StmtKind::Answer(answer) => {
                let is_knowledge = |k| k == DefKind::Knowledge;
                let knowledge = self
                    .g
                    .lookup(&answer.knowledge, "knowledge base", is_knowledge)?;
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
                let Some(id) = self.g.resolution.target(ident.span) else {
                    return error(format!("unknown name `{}`", ident.name), ident.span);
                };
                match self.g.resolution.def(id).kind {
                    DefKind::Slot | DefKind::Result => {
                        let var = self.var(ident)?;
                        self.emit(Instr::Load(var), span);
                    }
                    DefKind::Builtin(builtin) => match builtin.value {
                        Some(value) => {
                            self.emit(Instr::Builtin(value), span);
                        }
                        None => {
                            return error(format!("`{}` needs an operand", ident.name), span);
                        }
                    },
                    // An enum value or a channel name: compared by name.
                    _ => {
                        let text = self.g.s(&ident.name);
                        self.emit(Instr::PushText(text), span);
                    }
                }
            }
            ExprKind::Field(base, field) => {
                self.expr(base)?;
                let name = self.g.s(&field.name);
                self.emit(Instr::Field(name), span);
            }
            ExprKind::Intent(ident) => {
                let intent = self.g.lookup(ident, "intent", |k| k == DefKind::Intent)?;
                self.emit(Instr::IntentIs(intent), span);
            }
            ExprKind::Open(ident) => {
                let hours = self.g.lookup(ident, "hours", |k| k == DefKind::Hours)?;
                self.emit(Instr::Open(hours), span);
            }
            ExprKind::Paren(inner) => self.expr(inner)?,
            ExprKind::Not(_) => {
                // `not not x` is `x` as a condition: an odd chain is one `not`, an even one
                // two (kept, so the value is still turned into yes/no).
                let mut operand = expr;
                let mut count = 0usize;
                while let ExprKind::Not(inner) = &operand.kind {
                    operand = inner;
                    count += 1;
                }
                self.expr(operand)?;
                let nots = if count % 2 == 1 { 1 } else { 2 };
                for _ in 0..nots {
                    self.emit(Instr::Not, span);
                }
            }
            ExprKind::Binary(op, left, right) if op.is_arithmetic() => {
                self.expr(left)?;
                self.expr(right)?;
                let op = match op {
                    BinaryOp::Add => ArithOp::Add,
                    BinaryOp::Sub => ArithOp::Sub,
                    BinaryOp::Mul => ArithOp::Mul,
                    _ => ArithOp::Div,
                };
                let at = self.emit(
                    Instr::Arith {
                        op,
                        on_error: self.scope.error,
                        resume: 0,
                    },
                    span,
                );
                self.resumes.push(at);
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
                    BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div => {
                        return error("internal: arithmetic as a comparison", span);
                    }
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
