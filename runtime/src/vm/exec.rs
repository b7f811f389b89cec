//! The interpreter loop: runs a flow's instructions from the conversation's position until
//! it waits, ends, hands off or fails. Never panics: every table access is checked, since a
//! `Bundle` may also be built by hand.

use super::*;
use crate::bundle::{Builtin, CmpOp, Const, Flow, InputHandler, Instr, PointKind, SlotType};
use crate::nlu::similarity::{best_of, contains_word};
use crate::nlu::slots::Reply;
use crate::nlu::{self, INTENT_THRESHOLD, KNOWLEDGE_THRESHOLD};

/// A stack entry: a value and whether it came from sensitive data.
#[derive(Debug, Clone)]
struct Operand {
    value: Value,
    sensitive: bool,
}

/// What the escalate block hands on with `Deliver`; the text itself is in
/// `Conversation::last`, moved there from the input (no copy per turn).
#[derive(Clone, Copy, PartialEq, Eq)]
enum InputKind {
    Text,
    Keys,
    NoInput,
}

enum Stop {
    Wait,
    End,
    Handoff,
    Failed(String),
}

struct Machine<'b, 'c, 'e, 's> {
    bundle: &'b Bundle,
    flow: &'b Flow,
    conv: &'c mut Conversation,
    env: &'e mut Env<'s>,
    pc: u32,
    stack: Vec<Operand>,
    outputs: Vec<Output<'b>>,
    steps: u32,
    /// The input the escalate block will `Deliver`.
    pending: Option<InputKind>,
    intent_scores: IntentScores,
    regexes: Vec<Option<regex::Regex>>,
    trace: Trace,
}

/// Intent scores of the last input, computed at most once per turn, and only for text.
#[derive(Default)]
struct IntentScores(Option<Vec<f32>>);

impl IntentScores {
    /// Every intent's score for `text`; empty for keys, time-outs and empty text, which
    /// match no intent (skipping the model entirely).
    /// An external classifier, when the host has one, is asked first; on its failure (or
    /// scores of the wrong length) the offline matcher answers.
    fn get(&mut self, bundle: &Bundle, last: &LastInput, services: &mut dyn Services) -> &[f32] {
        if last.keys || last.text.is_empty() {
            return &[];
        }
        self.0.get_or_insert_with(|| {
            if let Some(classifier) = services.intent_classifier() {
                let names: Vec<&str> = bundle.intents.iter().map(|i| bundle.str(i.name)).collect();
                if let Ok(scores) = classifier.classify(&last.text, &names)
                    && scores.len() == names.len()
                {
                    return scores
                        .into_iter()
                        .map(|s| {
                            if s.is_finite() {
                                s.clamp(0.0, 1.0)
                            } else {
                                0.0
                            }
                        })
                        .collect();
                }
            }
            bundle.models.intents(bundle).scores(&last.text)
        })
    }
}

pub(super) fn const_value(bundle: &Bundle, value: &Const) -> Value {
    match value {
        Const::None => Value::None,
        Const::Bool(b) => Value::Bool(*b),
        Const::Number(n) => Value::Number(*n),
        Const::Text(id) => Value::Text(bundle.str(*id).to_string()),
        Const::Date(d) => Value::Date(*d),
        Const::Time(t) => Value::Time(*t),
    }
}

fn machine<'b, 'c, 'e, 's>(
    bundle: &'b Bundle,
    conv: &'c mut Conversation,
    env: &'e mut Env<'s>,
) -> Option<Machine<'b, 'c, 'e, 's>> {
    let flow = bundle.flows.get(conv.flow as usize)?;
    let pc = conv.pc;
    Some(Machine {
        bundle,
        flow,
        conv,
        env,
        pc,
        stack: Vec::new(),
        outputs: Vec::new(),
        steps: 0,
        pending: None,
        intent_scores: IntentScores::default(),
        regexes: Vec::new(),
        trace: Trace::default(),
    })
}

fn failed_turn<'b>(conv: &mut Conversation, message: &str) -> Turn<'b> {
    conv.status = Status::Failed;
    Turn {
        status: Status::Failed,
        state: "",
        outputs: Vec::new(),
        expecting: None,
        handoff: None,
        error: Some(message.to_string()),
        trace: Trace::default(),
    }
}

pub(super) fn run_start<'b>(
    bundle: &'b Bundle,
    conv: &mut Conversation,
    env: &mut Env<'_>,
) -> Turn<'b> {
    match machine(bundle, conv, env) {
        Some(mut m) => {
            m.trace.push(TraceEvent::State(m.conv.state));
            let stop = m.run();
            m.finish(stop)
        }
        None => failed_turn(conv, "unknown flow"),
    }
}

pub(super) fn run_input<'b>(
    bundle: &'b Bundle,
    conv: &mut Conversation,
    input: Input,
    env: &mut Env<'_>,
) -> Turn<'b> {
    let sensitive_ask = bundle
        .flows
        .get(conv.flow as usize)
        .and_then(|flow| match flow.code.get(conv.pc as usize) {
            Some(Instr::Wait(point)) => flow.points.get(*point as usize).map(|p| (flow, p)),
            _ => None,
        })
        .is_some_and(|(flow, point)| match point.kind {
            PointKind::Ask { var } => flow.vars.get(var as usize).is_some_and(|v| v.sensitive),
            PointKind::Menu { .. } => false,
        });
    conv.turns = conv.turns.saturating_add(1);
    conv.note(Speaker::User, || match &input {
        Input::NoInput => Line::fixed("(no input)"),
        _ if sensitive_ask => Line::fixed(MASK),
        Input::Keys(keys) => Line::keys(keys),
        Input::Text(text) => Line::from(text.as_str()),
    });
    let (text, kind) = match input {
        Input::Text(text) => (text, InputKind::Text),
        Input::Keys(keys) => (keys, InputKind::Keys),
        Input::NoInput => (String::new(), InputKind::NoInput),
    };
    conv.last = LastInput {
        text,
        keys: kind == InputKind::Keys,
        sensitive: sensitive_ask,
    };
    let Some(mut m) = machine(bundle, conv, env) else {
        return failed_turn(conv, "unknown flow");
    };
    let stop = match m.flow.escalate {
        Some(start) => {
            m.pending = Some(kind);
            m.pc = start;
            m.run()
        }
        None => match m.deliver(kind) {
            Ok(()) => m.run(),
            Err(message) => Stop::Failed(message),
        },
    };
    m.finish(stop)
}

impl<'b> Machine<'b, '_, '_, '_> {
    fn finish(self, stop: Stop) -> Turn<'b> {
        let conv = self.conv;
        let state = self
            .flow
            .states
            .get(conv.state as usize)
            .map_or("", |s| self.bundle.str(s.name));
        let mut turn = Turn {
            status: conv.status,
            state,
            outputs: self.outputs,
            expecting: None,
            handoff: None,
            error: None,
            trace: self.trace,
        };
        match stop {
            Stop::Wait => {
                conv.status = Status::Waiting;
                turn.expecting = expecting(self.bundle, self.flow, conv);
            }
            Stop::End => {
                conv.status = Status::Ended;
                conv.note(Speaker::Event, || Line::fixed("end"));
            }
            Stop::Handoff => {
                conv.status = Status::HandedOff;
                turn.handoff = conv.handoff.clone();
            }
            Stop::Failed(message) => {
                conv.status = Status::Failed;
                conv.note(Speaker::Event, || Line::from(format!("failed: {message}")));
                turn.error = Some(message);
            }
        }
        turn.status = conv.status;
        turn
    }

    fn pop(&mut self) -> Result<Operand, String> {
        self.stack
            .pop()
            .ok_or_else(|| format!("stack underflow at instruction {}", self.pc))
    }

    fn pop_n(&mut self, n: u32) -> Result<Vec<Operand>, String> {
        let at = self.top(n)?;
        Ok(self.stack.split_off(at))
    }

    /// Where the top `n` operands start (they are read in place, then truncated away).
    fn top(&self, n: u32) -> Result<usize, String> {
        self.stack
            .len()
            .checked_sub(n as usize)
            .ok_or_else(|| format!("stack underflow at instruction {}", self.pc))
    }

    fn push(&mut self, value: Value, sensitive: bool) {
        self.stack.push(Operand { value, sensitive });
    }

    fn jump(&mut self, target: u32) -> Result<(), String> {
        if (target as usize) < self.flow.code.len() {
            self.pc = target;
            Ok(())
        } else {
            Err(format!("jump to {target} is outside the flow's code"))
        }
    }

    fn run(&mut self) -> Stop {
        match self.run_inner() {
            Ok(stop) => stop,
            Err(message) => Stop::Failed(message),
        }
    }

    fn run_inner(&mut self) -> Result<Stop, String> {
        loop {
            self.steps += 1;
            if self.steps > STEP_BUDGET {
                return Err(format!(
                    "step budget of {STEP_BUDGET} instructions exceeded (an endless loop?)"
                ));
            }
            let Some(instr) = self.flow.code.get(self.pc as usize) else {
                return Err(format!(
                    "instruction {} is outside the flow's code",
                    self.pc
                ));
            };
            let next = self.pc + 1;
            match instr {
                Instr::PushNone => self.push(Value::None, false),
                Instr::PushBool(b) => self.push(Value::Bool(*b), false),
                Instr::PushNumber(n) => self.push(Value::Number(*n), false),
                Instr::PushText(s) => {
                    self.push(Value::Text(self.bundle.str(*s).to_string()), false)
                }
                Instr::PushDate(d) => self.push(Value::Date(*d), false),
                Instr::PushTime(t) => self.push(Value::Time(*t), false),
                Instr::Load(v) => {
                    let sensitive = self.flow.vars.get(*v as usize).is_some_and(|v| v.sensitive);
                    let value = self
                        .conv
                        .slots
                        .get(*v as usize)
                        .cloned()
                        .unwrap_or_default();
                    self.push(value, sensitive);
                }
                Instr::Field(name) => {
                    let record = self.pop()?;
                    let value = record.value.field(self.bundle.str(*name));
                    self.push(value, record.sensitive);
                }
                Instr::Builtin(b) => {
                    let (value, sensitive) = self.builtin(*b);
                    self.push(value, sensitive);
                }
                Instr::IntentIs(i) => {
                    let matched = self.intent_matches(*i as usize);
                    self.push(Value::Bool(matched), false);
                }
                Instr::Open(h) => {
                    let open = self
                        .bundle
                        .hours
                        .get(*h as usize)
                        .is_some_and(|hours| is_open(self.bundle, hours, &self.env.clock));
                    self.push(Value::Bool(open), false);
                }
                Instr::Not => {
                    let a = self.pop()?;
                    self.push(Value::Bool(!a.value.truthy()), false);
                }
                Instr::Compare(op) => {
                    let b = self.pop()?;
                    let a = self.pop()?;
                    let result = match op {
                        CmpOp::Eq => a.value.equals(&b.value),
                        CmpOp::Ne => !a.value.equals(&b.value),
                        CmpOp::Lt => a.value.compare(&b.value).is_some_and(|o| o.is_lt()),
                        CmpOp::Le => a.value.compare(&b.value).is_some_and(|o| o.is_le()),
                        CmpOp::Gt => a.value.compare(&b.value).is_some_and(|o| o.is_gt()),
                        CmpOp::Ge => a.value.compare(&b.value).is_some_and(|o| o.is_ge()),
                    };
                    self.push(Value::Bool(result), false);
                }
                Instr::And | Instr::Or => {
                    let b = self.pop()?;
                    let a = self.pop()?;
                    let result = if matches!(instr, Instr::And) {
                        a.value.truthy() && b.value.truthy()
                    } else {
                        a.value.truthy() || b.value.truthy()
                    };
                    self.push(Value::Bool(result), false);
                }
                Instr::IsSet => {
                    let a = self.pop()?;
                    self.push(Value::Bool(a.value.is_set()), false);
                }
                Instr::MakeList(n) => {
                    let items = self.pop_n(*n)?;
                    let sensitive = items.iter().any(|o| o.sensitive);
                    self.push(
                        Value::List(items.into_iter().map(|o| o.value).collect()),
                        sensitive,
                    );
                }
                Instr::In => {
                    let list = self.pop()?;
                    let value = self.pop()?;
                    let found = match &list.value {
                        Value::List(items) => items.iter().any(|item| value.value.equals(item)),
                        other => value.value.equals(other),
                    };
                    self.push(Value::Bool(found), false);
                }
                Instr::Matches(r) => {
                    let value = self.pop()?;
                    let matched = self.regex_matches(*r as usize, &value.value.display())?;
                    self.push(Value::Bool(matched), false);
                }
                Instr::Jump(target) => {
                    self.jump(*target)?;
                    continue;
                }
                Instr::JumpIfFalse(target) | Instr::JumpIfTrue(target) => {
                    let value = self.pop()?;
                    if value.value.truthy() == matches!(instr, Instr::JumpIfTrue(_)) {
                        self.jump(*target)?;
                        continue;
                    }
                }
                Instr::Store(v) => {
                    let value = self.pop()?;
                    let slot = self
                        .conv
                        .slots
                        .get_mut(*v as usize)
                        .ok_or("store to an unknown slot")?;
                    *slot = value.value;
                }
                Instr::Format { text, args } => {
                    let at = self.top(*args)?;
                    let args = &self.stack[at..];
                    let sensitive = args.iter().any(|a| a.sensitive);
                    let (clear, _) = render(self.bundle.str(*text), args);
                    let clear = clear.into_owned();
                    self.stack.truncate(at);
                    self.push(Value::Text(clear), sensitive);
                }
                Instr::Say { text, args } => {
                    let at = self.top(*args)?;
                    let template = self.bundle.str(*text);
                    match self.bundle.shared_str(*text) {
                        // No placeholders: the transcript shares the bundle's string.
                        Some(shared) if !has_brace(template) => {
                            self.say(Cow::Borrowed(template), Line::shared(shared))
                        }
                        _ => {
                            let (clear, masked) = render(template, &self.stack[at..]);
                            self.say(clear, Line::from(masked.into_owned()));
                        }
                    }
                    self.stack.truncate(at);
                }
                Instr::Wait(point) => {
                    if self.flow.points.get(*point as usize).is_none() {
                        return Err(format!("unknown input point {point}"));
                    }
                    if !self.conv.retrying {
                        self.conv.attempts = 0;
                    }
                    self.conv.retrying = false;
                    self.conv.pc = self.pc;
                    return Ok(Stop::Wait);
                }
                Instr::Goto(state) => {
                    let entry = self
                        .flow
                        .states
                        .get(*state as usize)
                        .ok_or("goto an unknown state")?
                        .entry;
                    self.conv.state = *state;
                    self.trace.push(TraceEvent::State(*state));
                    self.conv.returns.clear();
                    self.conv.retrying = false;
                    self.jump(entry)?;
                    continue;
                }
                Instr::End => return Ok(Stop::End),
                Instr::Handoff {
                    queue,
                    priority,
                    reason,
                    args,
                    on_closed,
                } => {
                    let at = self.top(*args)?;
                    let reason = reason
                        .map(|r| render(self.bundle.str(r), &self.stack[at..]).1.into_owned());
                    self.stack.truncate(at);
                    let queue_decl = self
                        .bundle
                        .queues
                        .get(*queue as usize)
                        .ok_or("handoff to an unknown queue")?;
                    let closed = queue_decl
                        .hours
                        .and_then(|h| self.bundle.hours.get(h as usize))
                        .is_some_and(|hours| !is_open(self.bundle, hours, &self.env.clock));
                    let in_closed_handler = self
                        .conv
                        .returns
                        .iter()
                        .any(|r| r.kind == HandlerKind::Closed);
                    let handler = on_closed.or(self.flow.handlers.closed);
                    let name = self.bundle.str(queue_decl.name);
                    if let (true, false, Some(handler)) = (closed, in_closed_handler, handler) {
                        self.event(format!("queue {name} is closed"));
                        self.enter_handler(ReturnTo::End, HandlerKind::Closed)?;
                        self.jump(handler)?;
                        continue;
                    }
                    let info = HandoffInfo::new(name, *priority, reason);
                    self.event(format!("handoff {name} priority {}", info.priority));
                    self.conv.handoff = Some(info);
                    return Ok(Stop::Handoff);
                }
                Instr::Call {
                    service,
                    operation,
                    into,
                    on_error,
                } => {
                    let service_decl = self
                        .bundle
                        .services
                        .get(*service as usize)
                        .ok_or("call to an unknown service")?;
                    let op = service_decl
                        .operations
                        .get(*operation as usize)
                        .ok_or("call to an unknown operation")?;
                    let args = self.pop_n(op.params.len() as u32)?;
                    let args: Vec<(String, Value)> = op
                        .params
                        .iter()
                        .zip(args)
                        .map(|(p, a)| (self.bundle.str(p.name).to_string(), a.value))
                        .collect();
                    let (service_name, op_name) =
                        (self.bundle.str(service_decl.name), self.bundle.str(op.name));
                    let result = self
                        .env
                        .services
                        .call(service_name, op_name, &args)
                        .and_then(|value| shape_result(self.bundle, op, value));
                    match result {
                        Ok(value) => {
                            if let Some(var) = into {
                                let slot = self
                                    .conv
                                    .slots
                                    .get_mut(*var as usize)
                                    .ok_or("call into an unknown name")?;
                                *slot = value;
                            }
                        }
                        Err(error) => {
                            if let Some(slot) =
                                into.and_then(|v| self.conv.slots.get_mut(v as usize))
                            {
                                *slot = Value::None;
                            }
                            self.event(format!("call {service_name}.{op_name} {error}"));
                            let in_error_handler = self
                                .conv
                                .returns
                                .iter()
                                .any(|r| r.kind == HandlerKind::Error);
                            if let (Some(handler), false) =
                                (on_error.or(self.flow.handlers.error), in_error_handler)
                            {
                                self.enter_handler(ReturnTo::Pc(next), HandlerKind::Error)?;
                                self.jump(handler)?;
                                continue;
                            }
                        }
                    }
                }
                Instr::Answer {
                    knowledge,
                    topic,
                    args,
                    found,
                } => {
                    let at = self.top(*args)?;
                    let query = match topic {
                        Some(t) => render(self.bundle.str(*t), &self.stack[at..]).0,
                        None => Cow::Borrowed(self.conv.last.text.as_str()),
                    }
                    .into_owned();
                    self.stack.truncate(at);
                    let model = self
                        .bundle
                        .models
                        .knowledge(self.bundle, *knowledge as usize);
                    let best = model.and_then(|m| m.best(&query, KNOWLEDGE_THRESHOLD));
                    let entry = best.and_then(|(i, _)| {
                        self.bundle
                            .knowledge
                            .get(*knowledge as usize)?
                            .entries
                            .get(i)
                    });
                    if let Some(entry) = entry {
                        let answer = self.bundle.str(entry.answer);
                        let line = match self.bundle.shared_str(entry.answer) {
                            Some(shared) => Line::shared(shared),
                            None => Line::from(answer),
                        };
                        self.say(Cow::Borrowed(answer), line);
                        self.jump(*found)?;
                        continue;
                    }
                }
                Instr::Return => {
                    let ret = self.conv.returns.pop().ok_or("return outside a handler")?;
                    match ret.to {
                        ReturnTo::Pc(pc) => {
                            self.jump(pc)?;
                            continue;
                        }
                        ReturnTo::End => return Ok(Stop::End),
                    }
                }
                Instr::Resume => {
                    let wait = self.conv.pc;
                    self.jump(wait)?;
                    continue;
                }
                Instr::Deliver => {
                    let kind = self.pending.take().ok_or("deliver without pending input")?;
                    self.deliver(kind)?;
                    continue;
                }
            }
            self.pc = next;
        }
    }

    fn enter_handler(&mut self, to: ReturnTo, kind: HandlerKind) -> Result<(), String> {
        const MAX_NESTED_HANDLERS: usize = 16;
        if self.conv.returns.len() >= MAX_NESTED_HANDLERS {
            return Err("handlers nested too deeply".into());
        }
        self.conv.returns.push(Return { to, kind });
        Ok(())
    }

    fn say(&mut self, clear: Cow<'b, str>, masked: Line) {
        self.conv.note(Speaker::Bot, || masked);
        self.outputs.push(Output::Say { text: clear });
    }

    fn event(&mut self, text: String) {
        self.conv.note(Speaker::Event, || Line::from(text));
    }

    fn builtin(&mut self, builtin: Builtin) -> (Value, bool) {
        let conv = &self.conv;
        match builtin {
            Builtin::Text => (Value::Text(conv.last.text.clone()), conv.last.sensitive),
            Builtin::Sentiment => (Value::Number(nlu::sentiment(&conv.last.text) as f64), false),
            Builtin::NoMatchCount => (Value::Number(conv.no_match_count as f64), false),
            Builtin::NoInputCount => (Value::Number(conv.no_input_count as f64), false),
            Builtin::Turns => (Value::Number(conv.turns as f64), false),
            Builtin::Channel => (Value::Text(conv.channel.as_str().into()), false),
        }
    }

    /// `intent NAME`: the intent scores at the threshold and no other intent scores higher.
    fn intent_matches(&mut self, intent: usize) -> bool {
        let scores = self
            .intent_scores
            .get(self.bundle, &self.conv.last, &mut *self.env.services);
        let Some(score) = scores.get(intent).copied() else {
            return false;
        };
        score >= INTENT_THRESHOLD && scores.iter().all(|s| *s <= score)
    }

    fn regex_matches(&mut self, index: usize, text: &str) -> Result<bool, String> {
        if self.regexes.len() < self.bundle.regexes.len() {
            self.regexes.resize(self.bundle.regexes.len(), None);
        }
        let pattern = self
            .bundle
            .regexes
            .get(index)
            .map(|id| self.bundle.str(*id))
            .ok_or("unknown regex")?;
        let slot = self.regexes.get_mut(index).ok_or("unknown regex")?;
        if slot.is_none() {
            *slot = Some(
                crate::bundle::verify::compile_regex(pattern)
                    .map_err(|e| format!("regex /{pattern}/: {e}"))?,
            );
        }
        Ok(slot.as_ref().is_some_and(|re| re.is_match(text)))
    }

    /// Hands the last input to the input point the conversation waits at and moves `pc` on.
    fn deliver(&mut self, kind: InputKind) -> Result<(), String> {
        let wait = self.conv.pc;
        let Some(Instr::Wait(point_index)) = self.flow.code.get(wait as usize) else {
            return Err("the conversation is not at an input point".into());
        };
        let point = self
            .flow
            .points
            .get(*point_index as usize)
            .ok_or("unknown input point")?;
        if kind == InputKind::NoInput {
            self.conv.no_input_count = self.conv.no_input_count.saturating_add(1);
            return self.failure(*point_index, false);
        }
        let last = &self.conv.last;
        match &point.kind {
            PointKind::Ask { var } => {
                let ty = self
                    .flow
                    .vars
                    .get(*var as usize)
                    .map(|v| &v.ty)
                    .unwrap_or(&SlotType::Text);
                let reply = Reply {
                    text: &last.text,
                    keys: last.keys,
                    voice: self.conv.channel == Channel::Voice,
                    today: Some(super::clock::today(self.bundle, &self.env.clock)),
                };
                if let Some(value) = nlu::parse_slot(ty, self.bundle, reply) {
                    let slot = self
                        .conv
                        .slots
                        .get_mut(*var as usize)
                        .ok_or("ask of an unknown slot")?;
                    *slot = value;
                    self.conv.attempts = 0;
                    return self.jump(wait + 1);
                }
            }
            PointKind::Menu { options } => {
                if let Some(index) = pick_option(
                    self.bundle,
                    &mut self.intent_scores,
                    &mut *self.env.services,
                    options,
                    last,
                ) {
                    self.trace.push(TraceEvent::Option {
                        point: *point_index,
                        option: index as u32,
                    });
                    self.conv.attempts = 0;
                    let action = options.get(index).map_or(0, |o| o.action);
                    return self.jump(action);
                }
            }
        }
        self.conv.no_match_count = self.conv.no_match_count.saturating_add(1);
        self.failure(*point_index, true)
    }

    /// A `no_match` (or `no_input`) at an input point: retry, run the handler, or re-prompt.
    fn failure(&mut self, point_index: u32, no_match: bool) -> Result<(), String> {
        let point = self
            .flow
            .points
            .get(point_index as usize)
            .ok_or("unknown input point")?;
        let handlers = &self.flow.handlers;
        let handler: Option<&InputHandler> = if no_match {
            point.no_match.as_ref().or(handlers.no_match.as_ref())
        } else {
            point.no_input.as_ref().or(handlers.no_input.as_ref())
        };
        self.conv.attempts = self.conv.attempts.saturating_add(1);
        match handler {
            None => {
                self.conv.retrying = true;
                self.jump(point.prompt)
            }
            Some(h) if self.conv.attempts <= h.retries => {
                self.conv.retrying = true;
                self.jump(h.retry_message.unwrap_or(point.prompt))
            }
            Some(h) => {
                self.conv.attempts = 0;
                self.enter_handler(ReturnTo::Pc(point.after), HandlerKind::Input)?;
                self.jump(h.action)
            }
        }
    }
}

/// The option (index into `options`) a reply picks: by keys; for text by a key spoken or
/// typed, the label, a phrase or the label inside the text, then the best-scoring intent.
fn pick_option(
    bundle: &Bundle,
    scores: &mut IntentScores,
    services: &mut dyn Services,
    options: &[crate::bundle::MenuOption],
    last: &LastInput,
) -> Option<usize> {
    let text = last.text.as_str();
    // Keypad input and most typed keys are ASCII without spaces: already compact.
    let compact = text
        .bytes()
        .all(|b| b.is_ascii() && !char::from(b).is_whitespace());
    let is_key = |key: &str| {
        if compact {
            text == key
        } else {
            same_keys(text, key)
        }
    };
    let by_key = options
        .iter()
        .position(|o| o.keys.iter().any(|k| is_key(bundle.str(*k))));
    if last.keys || by_key.is_some() {
        return by_key;
    }
    let norm = nlu::normalize(text);
    if norm.is_empty() {
        return None;
    }
    if let Some(i) = options
        .iter()
        .position(|o| nlu::normalize(bundle.str(o.label)) == norm)
    {
        return Some(i);
    }
    let phrase_hit = options.iter().position(|o| {
        o.phrases.iter().chain(std::iter::once(&o.label)).any(|p| {
            let p = nlu::normalize(bundle.str(*p));
            !p.is_empty() && contains_word(&norm, &p)
        })
    });
    if phrase_hit.is_some() {
        return phrase_hit;
    }
    let scores = scores.get(bundle, last, services);
    let per_option: Vec<f32> = options
        .iter()
        .map(|o| {
            o.intents
                .iter()
                .filter_map(|i| scores.get(*i as usize).copied())
                .fold(0.0, f32::max)
        })
        .collect();
    best_of(&per_option, INTENT_THRESHOLD).map(|(i, _)| i)
}

/// Whether a reply, without its whitespace and with full-width characters made half-width,
/// is exactly the option key `key` (compared as it goes, without building the compact text).
fn same_keys(reply: &str, key: &str) -> bool {
    let mut compact = reply
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(nlu::normalize::half_width);
    key.chars().all(|k| compact.next() == Some(k)) && compact.next().is_none()
}

/// The result record of an operation: the declared fields in declaration order (absent ones
/// `none`); anything but a record (or none, for an operation without results) is a failure.
fn shape_result(
    bundle: &Bundle,
    op: &crate::bundle::Operation,
    value: Value,
) -> Result<Value, ServiceError> {
    match value {
        Value::Record(fields) => Ok(Value::Record(
            op.returns
                .iter()
                .map(|f| {
                    let name = bundle.str(f.name);
                    let v = fields
                        .iter()
                        .find(|(n, _)| n == name)
                        .map(|(_, v)| v.clone())
                        .unwrap_or_default();
                    (name.to_string(), v)
                })
                .collect(),
        )),
        Value::None if op.returns.is_empty() => Ok(Value::Record(Vec::new())),
        other => Err(ServiceError::Failed(format!(
            "expected a record, got `{}`",
            other.display()
        ))),
    }
}

/// Fills `{0}`, `{1}` … from `args` (`{{`/`}}` are literal braces); returns the clear text
/// and the text with sensitive values masked.
fn render<'t>(template: &'t str, args: &[Operand]) -> (Cow<'t, str>, Cow<'t, str>) {
    // Most messages have no placeholders: both texts are the template itself.
    if !has_brace(template) {
        return (Cow::Borrowed(template), Cow::Borrowed(template));
    }
    let mut clear = String::with_capacity(template.len());
    let mut masked = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(at) = rest.find(['{', '}']) {
        let (text, tail) = rest.split_at(at);
        clear.push_str(text);
        masked.push_str(text);
        let brace = &tail[..1];
        let after = &tail[1..];
        if after.starts_with(brace) {
            // `{{` or `}}`: a literal brace.
            clear.push_str(brace);
            masked.push_str(brace);
            rest = &after[1..];
        } else if brace == "{" {
            let digits_len = after
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(after.len());
            let index = after[..digits_len].parse::<usize>().ok();
            let mut next = &after[digits_len..];
            if let Some(stripped) = next.strip_prefix('}') {
                next = stripped;
            }
            if let Some(arg) = index.and_then(|i| args.get(i)) {
                let shown = arg.value.display();
                masked.push_str(if arg.sensitive { MASK } else { &shown });
                clear.push_str(&shown);
            }
            rest = next;
        } else {
            // A lone `}` is literal text.
            clear.push('}');
            masked.push('}');
            rest = after;
        }
    }
    clear.push_str(rest);
    masked.push_str(rest);
    (Cow::Owned(clear), Cow::Owned(masked))
}

/// Whether `text` holds `{` or `}`, eight bytes at a time: every prompt of every turn is
/// scanned, and `str::contains` with a char set took ~350 instructions for a 50-byte one.
fn has_brace(text: &str) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let has_zero_byte = |x: u64| x.wrapping_sub(ONES) & !x & HIGH != 0;
    let mut words = text.as_bytes().chunks_exact(8);
    for word in &mut words {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(word);
        let x = u64::from_le_bytes(bytes);
        if has_zero_byte(x ^ (ONES * u64::from(b'{')))
            || has_zero_byte(x ^ (ONES * u64::from(b'}')))
        {
            return true;
        }
    }
    words.remainder().iter().any(|b| matches!(b, b'{' | b'}'))
}

fn expecting<'b>(bundle: &'b Bundle, flow: &'b Flow, conv: &Conversation) -> Option<Expecting<'b>> {
    let Some(Instr::Wait(point)) = flow.code.get(conv.pc as usize) else {
        return None;
    };
    let point = flow.points.get(*point as usize)?;
    Some(match &point.kind {
        PointKind::Ask { var } => Expecting {
            kind: ExpectKind::Ask,
            options: ExpectedOptions::new(bundle, &[]),
            slot: flow.vars.get(*var as usize).map(|v| bundle.str(v.name)),
        },
        PointKind::Menu { options } => Expecting {
            kind: ExpectKind::Menu,
            options: ExpectedOptions::new(bundle, options),
            slot: None,
        },
    })
}

#[cfg(test)]
mod render_tests {
    use super::*;

    fn operand(text: &str, sensitive: bool) -> Operand {
        Operand {
            value: Value::Text(text.into()),
            sensitive,
        }
    }

    #[test]
    fn braces_are_found_at_any_offset() {
        assert!(!has_brace(""));
        assert!(!has_brace(
            "State 12: menu 12, please choose one of 3 options."
        ));
        for len in 1..20 {
            for at in 0..len {
                for brace in ['{', '}'] {
                    let mut text: Vec<char> = "a".repeat(len).chars().collect();
                    text[at] = brace;
                    let text: String = text.into_iter().collect();
                    assert!(has_brace(&text), "{text}");
                }
            }
        }
        assert!(!has_brace("｛全角｝ and 文本"));
    }

    #[test]
    fn keys_compare_compacted() {
        assert!(same_keys(" 1 2 ", "12"));
        assert!(same_keys("１２", "12"));
        assert!(!same_keys("123", "12"));
        assert!(!same_keys("1", "12"));
    }

    #[test]
    fn placeholders_braces_and_masking() {
        assert_eq!(
            render("plain 文本", &[]),
            ("plain 文本".into(), "plain 文本".into())
        );
        let args = [operand("R-1", false), operand("1234", true)];
        assert_eq!(
            render("ref {0}, card {1}, {{literal}} }", &args),
            (
                "ref R-1, card 1234, {literal} }".into(),
                format!("ref R-1, card {MASK}, {{literal}} }}").into()
            )
        );
        assert_eq!(render("{7} missing", &args).0, " missing");
    }
}
