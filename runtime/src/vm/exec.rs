//! The interpreter loop: runs a flow's instructions from the conversation's position until
//! it waits, reaches a service call, ends, hands off or fails. Never panics: every table
//! access is checked, since a `Bundle` may also be built by hand. Input delivery and menu
//! matching are in `vm/input.rs`.

use super::call::{Paused, declarations, request};
use super::*;
use crate::bundle::template::{self, Piece};
use crate::bundle::{ArithOp, Builtin, CmpOp, Const, Flow, Instr, PointKind, SlotType, StrId};
use crate::nlu::{self, INTENT_THRESHOLD, KNOWLEDGE_THRESHOLD};

/// A stack entry: a value and whether it came from sensitive data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct Operand {
    pub(super) value: Value,
    pub(super) sensitive: bool,
}

/// What the escalate block hands on with `Deliver`; the text itself is in
/// `Conversation::last`, moved there from the input (no copy per turn).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(super) enum InputKind {
    Text,
    Keys,
    NoInput,
}

pub(super) enum Stop {
    Wait,
    /// At a `call`: the conversation holds a [`Paused`] turn.
    Calling,
    End,
    Handoff,
    Transfer,
    Failed(String),
}

pub(super) struct Machine<'b, 'c> {
    pub(super) bundle: &'b Bundle,
    pub(super) flow: &'b Flow,
    pub(super) conv: &'c mut Conversation,
    pub(super) clock: Clock,
    pub(super) pc: u32,
    pub(super) stack: Vec<Operand>,
    outputs: Vec<Output<'b>>,
    pub(super) steps: u32,
    /// The input the escalate block will `Deliver`.
    pub(super) pending: Option<InputKind>,
    pub(super) intent_scores: IntentScores,
    pub(super) trace: Trace,
}

/// Intent scores of the last input, computed at most once per turn, and only for text.
#[derive(Default)]
pub(super) struct IntentScores(Option<Vec<f32>>);

impl IntentScores {
    /// Scores from the host's external classifier, clamped to 0..1 (not-a-number is 0).
    fn external(scores: Vec<f32>) -> IntentScores {
        IntentScores(Some(
            scores
                .into_iter()
                .map(|s| {
                    if s.is_finite() {
                        s.clamp(0.0, 1.0)
                    } else {
                        0.0
                    }
                })
                .collect(),
        ))
    }

    /// Every intent's score for `text`; empty for keys, time-outs and empty text, which
    /// match no intent (skipping the model entirely).
    pub(super) fn get(&mut self, bundle: &Bundle, last: &LastInput) -> &[f32] {
        if last.keys || last.text.is_empty() {
            return &[];
        }
        self.0
            .get_or_insert_with(|| bundle.models.intents(bundle).scores(&last.text))
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

pub(super) fn machine<'b, 'c>(
    bundle: &'b Bundle,
    conv: &'c mut Conversation,
    clock: Clock,
) -> Option<Machine<'b, 'c>> {
    let flow = bundle.flows.get(conv.flow as usize)?;
    let pc = conv.pc;
    Some(Machine {
        bundle,
        flow,
        conv,
        clock,
        pc,
        stack: Vec::new(),
        // Room for a menu turn's prompts from the start: growing from empty on the first
        // `say` cost ~150 instructions of a ~1,900-instruction turn.
        outputs: Vec::with_capacity(2),
        steps: 0,
        pending: None,
        intent_scores: IntentScores::default(),
        trace: Trace::default(),
    })
}

pub(super) fn failed_turn<'b>(conv: &mut Conversation, message: &str) -> Turn<'b> {
    conv.status = Status::Failed;
    Turn {
        status: Status::Failed,
        state: "",
        outputs: Vec::new(),
        expecting: None,
        handoff: None,
        transfer: None,
        error: Some(message.into()),
        call: None,
        trace: Trace::default(),
    }
}

pub(super) fn run_start<'b>(bundle: &'b Bundle, conv: &mut Conversation, clock: Clock) -> Turn<'b> {
    match machine(bundle, conv, clock) {
        Some(mut m) => {
            m.trace.push(TraceEvent::State(m.conv.state));
            let stop = m.run();
            m.finish(stop)
        }
        None => failed_turn(conv, "unknown flow"),
    }
}

/// Whether `conv` waits at an `ask` of a sensitive slot.
pub(super) fn awaits_sensitive(bundle: &Bundle, conv: &Conversation) -> bool {
    bundle
        .flows
        .get(conv.flow as usize)
        .and_then(|flow| match flow.code.get(conv.pc as usize) {
            Some(Instr::Wait(point)) => flow.points.get(*point as usize).map(|p| (flow, p)),
            _ => None,
        })
        .is_some_and(|(flow, point)| match point.kind {
            PointKind::Ask { var } => flow.vars.get(var as usize).is_some_and(|v| v.sensitive),
            PointKind::Menu { .. } => false,
        })
}

pub(super) fn run_input<'b>(
    bundle: &'b Bundle,
    conv: &mut Conversation,
    input: Input,
    intents: Option<Vec<f32>>,
    clock: Clock,
) -> Turn<'b> {
    let sensitive_ask = awaits_sensitive(bundle, conv);
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
    let Some(mut m) = machine(bundle, conv, clock) else {
        return failed_turn(conv, "unknown flow");
    };
    if kind == InputKind::Text
        && let Some(scores) = intents
    {
        m.intent_scores = IntentScores::external(scores);
    }
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

impl<'b> Machine<'b, '_> {
    pub(super) fn finish(self, stop: Stop) -> Turn<'b> {
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
            transfer: None,
            error: None,
            call: None,
            trace: self.trace,
        };
        // A reply to a sensitive `ask` is not kept in clear once its turn stops (the slot
        // it filled holds the value): a stored conversation never carries it.
        if conv.last.sensitive && !conv.last.text.is_empty() {
            conv.last.text = String::new();
        }
        match stop {
            Stop::Wait => {
                conv.status = Status::Waiting;
                turn.expecting = expecting(self.bundle, self.flow, conv);
            }
            Stop::Calling => {
                conv.status = Status::Calling;
                turn.call = conv
                    .calling
                    .as_deref()
                    .and_then(|paused| request(self.bundle, self.flow, paused))
                    .map(Box::new);
            }
            Stop::End => {
                conv.status = Status::Ended;
                conv.note(Speaker::Event, || Line::fixed("end"));
            }
            Stop::Handoff => {
                conv.status = Status::HandedOff;
                turn.handoff = conv.handoff.as_deref().cloned();
            }
            Stop::Transfer => {
                conv.status = Status::Transferred;
                turn.transfer = conv.transfer.clone();
            }
            Stop::Failed(message) => {
                conv.status = Status::Failed;
                conv.note(Speaker::Event, || Line::from(format!("failed: {message}")));
                turn.error = Some(message.into_boxed_str());
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

    /// Counts one loop event (a state entered, a backward jump) against the turn's
    /// [`loop_budget`](super::loop_budget): straight-line code is never counted, so only
    /// real loops stop.
    fn looped(&mut self) -> Result<(), String> {
        self.steps += 1;
        let budget = super::loop_budget(self.flow);
        if self.steps > budget {
            return Err(format!(
                "step budget exceeded: {budget} states entered or backward jumps taken without waiting for input (an endless loop)"
            ));
        }
        Ok(())
    }

    pub(super) fn jump(&mut self, target: u32) -> Result<(), String> {
        if target <= self.pc {
            self.looped()?;
        }
        if (target as usize) < self.flow.code.len() {
            self.pc = target;
            Ok(())
        } else {
            Err(format!("jump to {target} is outside the flow's code"))
        }
    }

    pub(super) fn run(&mut self) -> Stop {
        match self.run_inner() {
            Ok(stop) => stop,
            Err(message) => Stop::Failed(message),
        }
    }

    fn run_inner(&mut self) -> Result<Stop, String> {
        loop {
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
                        .is_some_and(|hours| is_open(self.bundle, hours, &self.clock));
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
                    let language = self.flow.language.map(|l| self.bundle.str(l));
                    self.output(None, *text, *args, language)?;
                }
                Instr::SayIn {
                    text,
                    args,
                    language,
                } => {
                    let language = Some(self.bundle.str(*language));
                    self.output(None, *text, *args, language)?;
                }
                Instr::Play {
                    url,
                    text,
                    args,
                    language,
                } => {
                    let language = language.or(self.flow.language).map(|l| self.bundle.str(l));
                    self.output(Some(self.bundle.str(*url)), *text, *args, language)?;
                }
                Instr::Transfer { to, reason, args } => {
                    let at = self.top(*args)?;
                    let reason = reason
                        .map(|r| render(self.bundle.str(r), &self.stack[at..]).1.into_owned());
                    self.stack.truncate(at);
                    let to = self.bundle.str(*to).to_string();
                    self.event(format!("transfer {to}"));
                    self.conv.transfer = Some(Box::new(TransferInfo { to, reason }));
                    return Ok(Stop::Transfer);
                }
                Instr::Reprompt => {
                    let wait = self.conv.pc;
                    let Some(Instr::Wait(point)) = self.flow.code.get(wait as usize) else {
                        return Err("reprompt outside an input point".into());
                    };
                    let prompt = self
                        .flow
                        .points
                        .get(*point as usize)
                        .ok_or("unknown input point")?
                        .prompt;
                    // Still the same attempt: the `Wait` after the prompt keeps the count.
                    self.conv.retrying = true;
                    self.jump(prompt)?;
                    continue;
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
                    if entry > self.pc {
                        // A backward `goto` is counted by `jump`.
                        self.looped()?;
                    }
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
                        .is_some_and(|hours| !is_open(self.bundle, hours, &self.clock));
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
                    self.conv.handoff = Some(Box::new(info));
                    return Ok(Stop::Handoff);
                }
                Instr::Call {
                    service, operation, ..
                } => {
                    let params = declarations(self.bundle, *service, *operation)?
                        .1
                        .params
                        .len();
                    let args = self.pop_n(params as u32)?;
                    self.conv.calling = Some(Box::new(Paused {
                        pc: self.pc,
                        args,
                        stack: std::mem::take(&mut self.stack),
                        pending: self.pending,
                        steps: self.steps,
                    }));
                    return Ok(Stop::Calling);
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
                Instr::Arith {
                    op,
                    on_error,
                    resume,
                } => {
                    let b = self.pop()?;
                    let a = self.pop()?;
                    let sensitive = a.sensitive || b.sensitive;
                    match arithmetic(*op, &a.value, &b.value) {
                        Ok(value) => self.push(value, sensitive),
                        Err(problem) => {
                            let loc = self.flow.locs.get(self.pc as usize).copied();
                            let at = loc.map_or(String::new(), |l| {
                                format!(" at line {} column {}", l.line, l.col)
                            });
                            self.event(format!("error: {problem}{at}"));
                            let in_error_handler = self
                                .conv
                                .returns
                                .iter()
                                .any(|r| r.kind == HandlerKind::Error);
                            if let (Some(handler), false) =
                                (on_error.or(self.flow.handlers.error), in_error_handler)
                            {
                                self.stack.clear();
                                self.enter_handler(ReturnTo::Pc(*resume), HandlerKind::Error)?;
                                self.jump(handler)?;
                                continue;
                            }
                            self.push(Value::None, sensitive);
                        }
                    }
                }
                Instr::Label(var) => {
                    let value = self.pop()?;
                    let shown = match self.flow.vars.get(*var as usize).map(|v| &v.ty) {
                        Some(SlotType::LabelledEnum(values)) => {
                            label(self.bundle, values, &value.value)
                        }
                        _ => None,
                    };
                    self.push(shown.unwrap_or(value.value), value.sensitive);
                }
                Instr::Labels(values) => {
                    let value = self.pop()?;
                    let shown = label(self.bundle, values, &value.value);
                    self.push(shown.unwrap_or(value.value), value.sensitive);
                }
                Instr::ItemsBegin { max } => {
                    let list = self.pop()?;
                    let values = match list.value {
                        Value::List(items) => items.into_iter().take(*max as usize).collect(),
                        _ => Vec::new(),
                    };
                    self.conv.items = Some(Box::new(super::Items {
                        values,
                        labels: Vec::new(),
                    }));
                }
                Instr::ItemsNext { var, done } => {
                    let items = self.conv.items.as_deref().ok_or("items without a list")?;
                    match items.values.get(items.labels.len()).cloned() {
                        Some(item) => {
                            let slot = self
                                .conv
                                .slots
                                .get_mut(*var as usize)
                                .ok_or("item of an unknown variable")?;
                            *slot = item;
                        }
                        None => {
                            self.jump(*done)?;
                            continue;
                        }
                    }
                }
                Instr::ItemsLabel { text, args, back } => {
                    let at = self.top(*args)?;
                    let (label, _) = render(self.bundle.str(*text), &self.stack[at..]);
                    let label = label.into_owned();
                    self.stack.truncate(at);
                    let items = self
                        .conv
                        .items
                        .as_deref_mut()
                        .ok_or("label without items")?;
                    items.labels.push(label);
                    // Bounded by the number of items: not a loop of the flow's.
                    if (*back as usize) >= self.flow.code.len() {
                        return Err(format!("jump to {back} is outside the flow's code"));
                    }
                    self.pc = *back;
                    continue;
                }
                Instr::ItemsSay => {
                    if self.conv.channel == Channel::Voice {
                        let labels: Vec<String> = self
                            .conv
                            .items
                            .as_deref()
                            .map(|items| {
                                items
                                    .labels
                                    .iter()
                                    .enumerate()
                                    .map(|(i, label)| format!("{}. {label}", i + 1))
                                    .collect()
                            })
                            .unwrap_or_default();
                        for text in labels {
                            let line = Line::from(text.as_str());
                            self.say(Cow::Owned(text), line);
                        }
                    }
                }
            }
            self.pc = next;
        }
    }

    pub(super) fn enter_handler(&mut self, to: ReturnTo, kind: HandlerKind) -> Result<(), String> {
        const MAX_NESTED_HANDLERS: usize = 16;
        if self.conv.returns.len() >= MAX_NESTED_HANDLERS {
            return Err("handlers nested too deeply".into());
        }
        self.conv.returns.push(Return { to, kind });
        Ok(())
    }

    /// Pops `args` values into the template `text` and outputs it: said, or played from
    /// `url` with the text as its fallback.
    fn output(
        &mut self,
        url: Option<&'b str>,
        text: StrId,
        args: u32,
        language: Option<&'b str>,
    ) -> Result<(), String> {
        let at = self.top(args)?;
        let template = self.bundle.str(text);
        let (clear, line) = match self.bundle.shared_str(text) {
            // No placeholders: the transcript shares the bundle's string.
            Some(shared) if !template::has_brace(template) => {
                (Cow::Borrowed(template), Line::shared(shared))
            }
            _ => {
                let (clear, masked) = render(template, &self.stack[at..]);
                (clear, Line::from(masked.into_owned()))
            }
        };
        self.stack.truncate(at);
        self.conv.note(Speaker::Bot, || line);
        self.outputs.push(match url {
            None => Output::Say {
                text: clear,
                language,
            },
            Some(url) => Output::Play {
                url,
                text: clear,
                language,
            },
        });
        Ok(())
    }

    fn say(&mut self, clear: Cow<'b, str>, masked: Line) {
        self.conv.note(Speaker::Bot, || masked);
        let language = self.flow.language.map(|l| self.bundle.str(l));
        self.outputs.push(Output::Say {
            text: clear,
            language,
        });
    }

    pub(super) fn event(&mut self, text: String) {
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
            Builtin::Today => (
                Value::Date(super::clock::today(self.bundle, self.flow, &self.clock)),
                false,
            ),
            Builtin::Now => (
                Value::Time(super::clock::now(self.bundle, self.flow, &self.clock)),
                false,
            ),
        }
    }

    /// `intent NAME`: the intent scores at the threshold and no other intent scores higher.
    fn intent_matches(&mut self, intent: usize) -> bool {
        let scores = self.intent_scores.get(self.bundle, &self.conv.last);
        let Some(score) = scores.get(intent).copied() else {
            return false;
        };
        score >= INTENT_THRESHOLD && scores.iter().all(|s| *s <= score)
    }

    /// Regex `index` matches `text`; the regex is compiled once per loaded bundle.
    fn regex_matches(&self, index: usize, text: &str) -> Result<bool, String> {
        let regex = self.bundle.models.regex(self.bundle, index)?;
        Ok(regex.is_match(text))
    }
}

/// `a op b` for `Instr::Arith`: numbers (digits text reads as a number), `date ± days`,
/// `date - date` in days; `none` in gives `none` out. A division by zero, or a result that
/// is no finite number, is an error.
fn arithmetic(op: ArithOp, a: &Value, b: &Value) -> Result<Value, String> {
    use chrono::NaiveDate;
    let to_naive = |d: &crate::bundle::Date| {
        NaiveDate::from_ymd_opt(d.year, u32::from(d.month), u32::from(d.day))
    };
    let from_naive = |d: NaiveDate| {
        use chrono::Datelike;
        Value::Date(crate::bundle::Date {
            year: d.year(),
            month: d.month() as u8,
            day: d.day() as u8,
        })
    };
    let shifted = |date: &crate::bundle::Date, days: f64| -> Result<Value, String> {
        if days.fract() != 0.0 || days.abs() > 1e6 {
            return Err(format!("a date moves by whole days, not {days}"));
        }
        to_naive(date)
            .and_then(|d| d.checked_add_signed(chrono::Duration::days(days as i64)))
            .map(from_naive)
            .ok_or_else(|| "the date is out of range".to_string())
    };
    match (a, b) {
        (Value::None, _) | (_, Value::None) => Ok(Value::None),
        (Value::Date(d), other) | (other, Value::Date(d))
            if !matches!(other, Value::Date(_)) && op == ArithOp::Add =>
        {
            shifted(
                d,
                other
                    .as_number()
                    .ok_or("a date plus something that is no number")?,
            )
        }
        (Value::Date(d), other) if op == ArithOp::Sub && !matches!(other, Value::Date(_)) => {
            shifted(
                d,
                -other
                    .as_number()
                    .ok_or("a date minus something that is no number")?,
            )
        }
        (Value::Date(x), Value::Date(y)) if op == ArithOp::Sub => {
            match (to_naive(x), to_naive(y)) {
                (Some(x), Some(y)) => Ok(Value::Number((x - y).num_days() as f64)),
                _ => Err("a date is out of range".into()),
            }
        }
        _ => {
            let (Some(x), Some(y)) = (a.as_number(), b.as_number()) else {
                return Err(format!(
                    "`{}` of `{}` and `{}`, which are not both numbers",
                    op.as_str(),
                    a.display(),
                    b.display()
                ));
            };
            if op == ArithOp::Div && y == 0.0 {
                return Err(format!("division by zero ({} / 0)", a.display()));
            }
            let result = match op {
                ArithOp::Add => x + y,
                ArithOp::Sub => x - y,
                ArithOp::Mul => x * y,
                ArithOp::Div => x / y,
            };
            if result.is_finite() {
                Ok(Value::Number(result))
            } else {
                Err(format!("`{x} {} {y}` is too large", op.as_str()))
            }
        }
    }
}

/// Fills a template's placeholders from `args` ([`template`] has the format); returns the
/// clear text and the text with sensitive values masked.
fn render<'t>(template: &'t str, args: &[Operand]) -> (Cow<'t, str>, Cow<'t, str>) {
    // Most messages have no placeholders: both texts are the template itself.
    if !template::has_brace(template) {
        return (Cow::Borrowed(template), Cow::Borrowed(template));
    }
    let mut clear = String::with_capacity(template.len());
    let mut masked = String::with_capacity(template.len());
    for piece in template::pieces(template) {
        match piece {
            Piece::Text(text) => {
                clear.push_str(text);
                masked.push_str(text);
            }
            Piece::Arg(index) => {
                if let Some(arg) = args.get(index) {
                    let shown = arg.value.display();
                    masked.push_str(if arg.sensitive { MASK } else { &shown });
                    clear.push_str(&shown);
                }
            }
        }
    }
    (Cow::Owned(clear), Cow::Owned(masked))
}

fn expecting<'b>(bundle: &'b Bundle, flow: &'b Flow, conv: &Conversation) -> Option<Expecting<'b>> {
    let Some(Instr::Wait(point)) = flow.code.get(conv.pc as usize) else {
        return None;
    };
    let point = flow.points.get(*point as usize)?;
    let (kind, options, slot) = match &point.kind {
        PointKind::Ask { var } => (
            ExpectKind::Ask,
            ExpectedOptions::new(bundle, &[]),
            flow.vars.get(*var as usize).map(|v| bundle.str(v.name)),
        ),
        PointKind::Menu { options } => (
            ExpectKind::Menu,
            match (&point.items, conv.items.as_deref()) {
                (Some(at), Some(items)) => ExpectedOptions::with_items(
                    bundle,
                    options,
                    at.position as usize,
                    items.labels.clone(),
                ),
                _ => ExpectedOptions::new(bundle, options),
            },
            None,
        ),
    };
    let timing = &point.timing;
    Some(Expecting {
        kind,
        options,
        slot,
        timeout_ms: timing.timeout_ms,
        max_digits: timing.max_digits,
        finish_key: timing.finish_key.map(|k| bundle.str(k)),
    })
}

/// The display label of the enum value `value` names among `values`, when it has one.
fn label(bundle: &Bundle, values: &[crate::bundle::EnumValue], value: &Value) -> Option<Value> {
    let Value::Text(name) = value else {
        return None;
    };
    values
        .iter()
        .find(|v| bundle.str(v.name) == name)
        .and_then(|v| v.label)
        .map(|label| Value::Text(bundle.str(label).to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn operand(text: &str, sensitive: bool) -> Operand {
        Operand {
            value: Value::Text(text.into()),
            sensitive,
        }
    }

    #[test]
    fn arithmetic_on_numbers_dates_and_none() {
        let n = Value::Number;
        assert_eq!(arithmetic(ArithOp::Add, &n(2.0), &n(3.0)), Ok(n(5.0)));
        assert_eq!(arithmetic(ArithOp::Div, &n(7.0), &n(2.0)), Ok(n(3.5)));
        assert_eq!(
            arithmetic(ArithOp::Mul, &Value::Text("12".into()), &n(2.0)),
            Ok(n(24.0))
        );
        assert!(arithmetic(ArithOp::Div, &n(1.0), &n(0.0)).is_err());
        assert!(arithmetic(ArithOp::Mul, &n(1e308), &n(10.0)).is_err());
        assert_eq!(
            arithmetic(ArithOp::Sub, &Value::None, &n(1.0)),
            Ok(Value::None)
        );
        let day = |d: u8| {
            Value::Date(crate::bundle::Date {
                year: 2026,
                month: 12,
                day: d,
            })
        };
        assert_eq!(
            arithmetic(ArithOp::Add, &day(30), &n(3.0)),
            Ok(Value::Date(crate::bundle::Date {
                year: 2027,
                month: 1,
                day: 2,
            }))
        );
        assert_eq!(arithmetic(ArithOp::Sub, &day(30), &day(23)), Ok(n(7.0)));
        assert!(arithmetic(ArithOp::Add, &day(1), &n(0.5)).is_err());
        assert!(arithmetic(ArithOp::Add, &Value::Text("a".into()), &n(1.0)).is_err());
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
