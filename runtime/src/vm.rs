//! Conversations: the public face of the VM — start a flow, feed it user input, read back a
//! [`Turn`]. The interpreter loop itself lives in `vm/exec.rs`.
//!
//! Turn semantics (LANGUAGE.md), and the choices this runtime makes where it is silent:
//! - `escalate` rules run on every input (text, keys and no-input time-outs alike), in order,
//!   before the waiting `ask`/`menu` sees it. The first rule whose condition holds runs its
//!   ACTION; if that ACTION does not move on (no `goto`/`end`/`handoff`), the input is then
//!   handed to the waiting input point as usual.
//! - At an input point, a failure (`no_match` / `no_input`) uses the statement's handler,
//!   else the flow's. `retry N` re-outputs the retry message, or the prompt, N times; the
//!   next failure runs the ACTION. Counts restart whenever the input point is entered afresh
//!   (not via a retry). With no handler at all, the prompt is repeated.
//! - A handler ACTION that does not move on continues after the statement that triggered it:
//!   after the `ask`/`menu` (the slot still unset), after the `call`; after a `handoff`
//!   whose queue was closed, the conversation ends.
//! - `handoff` to a queue whose hours are closed at the conversation's clock runs the nearest
//!   `on closed` ACTION; with none (or from inside that ACTION), it hands off anyway.
//! - A failed or timed-out `call` sets its `into` name to `none` and runs the nearest
//!   `on error` ACTION (the enclosing `ask`/`menu`'s, else the flow's). With no `on error`
//!   anywhere (or from inside that ACTION) the flow simply continues after the call, with the
//!   result `none` — a designer's `if result.ok … else …` then takes the `else` branch.
//! - A turn runs at most [`STEP_BUDGET`] instructions; beyond that (a loop the checks did not
//!   catch) the turn ends with status `failed` instead of hanging.
//! - A `sensitive` slot's value is said as is, but masked (`***`) in the transcript, in a
//!   hand-off reason and in [`Conversation::slots_masked`]; a reply to a sensitive `ask` is
//!   masked in the transcript too.

mod clock;
mod exec;
mod line;

pub use clock::{Clock, is_open};
pub use line::Line;

use crate::bundle::{Bundle, MenuOption, Priority};
use crate::value::{MASK, Value};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::fmt;

/// Instructions one turn may run before it is stopped with status `failed`.
pub const STEP_BUDGET: u32 = 10_000;

/// The channel a conversation runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Voice,
    Chat,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Voice => "voice",
            Channel::Chat => "chat",
        }
    }
}

/// One user turn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Text(String),
    /// Keypad digits (DTMF), `*` and `#`.
    Keys(String),
    /// The caller said nothing before the time-out.
    NoInput,
}

/// A failed service call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServiceError {
    Failed(String),
    Timeout,
    /// No client is configured for the service.
    Unavailable,
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServiceError::Failed(message) => write!(f, "failed: {message}"),
            ServiceError::Timeout => write!(f, "timed out"),
            ServiceError::Unavailable => write!(f, "no client configured"),
        }
    }
}

/// External services as the VM sees them. Implementations enforce the declared timeout
/// (see [`crate::bundle::Service::timeout_ms`]) and return the result record.
pub trait Services {
    fn call(
        &mut self,
        service: &str,
        operation: &str,
        args: &[(String, Value)],
    ) -> Result<Value, ServiceError>;
}

/// Services that always fail with [`ServiceError::Unavailable`].
#[derive(Debug, Default, Clone, Copy)]
pub struct NoServices;

impl Services for NoServices {
    fn call(&mut self, _: &str, _: &str, _: &[(String, Value)]) -> Result<Value, ServiceError> {
        Err(ServiceError::Unavailable)
    }
}

/// What a turn may consult outside the bundle: the clock and the services.
pub struct Env<'a> {
    pub clock: Clock,
    pub services: &'a mut dyn Services,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Waiting,
    Ended,
    HandedOff,
    /// The turn hit the step budget or a malformed bundle; the conversation cannot go on.
    Failed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Waiting => "waiting",
            Status::Ended => "ended",
            Status::HandedOff => "handed_off",
            Status::Failed => "failed",
        }
    }
}

/// Something the bot outputs. Text without placeholders is borrowed from the bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Output<'b> {
    Say { text: Cow<'b, str> },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExpectKind {
    Menu,
    Ask,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ExpectedOption<'b> {
    pub label: &'b str,
    /// The option's first key, if it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<&'b str>,
}

/// A menu's options as the caller sees them: a view into the bundle, so a turn copies no
/// labels (building them was a third of a menu turn). Serializes as a list.
#[derive(Clone, Copy)]
pub struct ExpectedOptions<'b> {
    bundle: &'b Bundle,
    options: &'b [MenuOption],
}

impl<'b> ExpectedOptions<'b> {
    pub(crate) fn new(bundle: &'b Bundle, options: &'b [MenuOption]) -> ExpectedOptions<'b> {
        ExpectedOptions { bundle, options }
    }

    pub fn len(&self) -> usize {
        self.options.len()
    }

    pub fn is_empty(&self) -> bool {
        self.options.is_empty()
    }

    pub fn get(&self, index: usize) -> Option<ExpectedOption<'b>> {
        self.options.get(index).map(|o| shown(self.bundle, o))
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = ExpectedOption<'b>> + 'b {
        let bundle = self.bundle;
        self.options.iter().map(move |o| shown(bundle, o))
    }
}

fn shown<'b>(bundle: &'b Bundle, option: &MenuOption) -> ExpectedOption<'b> {
    ExpectedOption {
        label: bundle.str(option.label),
        key: option.keys.first().map(|k| bundle.str(*k)),
    }
}

impl PartialEq for ExpectedOptions<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for ExpectedOptions<'_> {}

impl fmt::Debug for ExpectedOptions<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Serialize for ExpectedOptions<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

/// What the conversation waits for. Chat clients show menu options as buttons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Expecting<'b> {
    pub kind: ExpectKind,
    pub options: ExpectedOptions<'b>,
    /// The slot an `ask` fills.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slot: Option<&'b str>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandoffInfo {
    pub queue: String,
    pub priority: String,
    /// The reason with sensitive values masked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl HandoffInfo {
    fn new(queue: &str, priority: Priority, reason: Option<String>) -> HandoffInfo {
        HandoffInfo {
            queue: queue.to_string(),
            priority: priority.as_str().to_string(),
            reason,
        }
    }
}

/// The result of starting a conversation or of one input (INTERFACES.md's Turn, minus id).
/// It borrows names and placeholder-free texts from the bundle: a menu turn allocates
/// nothing for its state, prompts or options.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Turn<'b> {
    pub status: Status,
    pub state: &'b str,
    pub outputs: Vec<Output<'b>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expecting: Option<Expecting<'b>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handoff: Option<HandoffInfo>,
    /// Why the turn failed (status `failed`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// What the turn did, for coverage reports and debugging; not part of the API's Turn.
    #[serde(skip)]
    pub trace: Trace,
}

/// One step of a turn's [`Turn::trace`], by index into the conversation's flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TraceEvent {
    /// A state was entered (index into `Flow::states`): the start state when the
    /// conversation starts, then every `goto`.
    State(u32),
    /// An input picked a menu option: the input point (index into `Flow::points`) and the
    /// option's index in that menu.
    Option { point: u32, option: u32 },
}

/// A turn's trace events in order. A menu turn has two (the option, the next state), so
/// the first few are kept inline: most turns trace without allocating.
#[derive(Clone, Default)]
pub struct Trace {
    inline: [Option<TraceEvent>; Trace::INLINE],
    more: Vec<TraceEvent>,
}

impl Trace {
    const INLINE: usize = 3;

    pub fn push(&mut self, event: TraceEvent) {
        if self.more.is_empty()
            && let Some(slot) = self.inline.iter_mut().find(|slot| slot.is_none())
        {
            *slot = Some(event);
            return;
        }
        self.more.push(event);
    }

    pub fn iter(&self) -> TraceIter<'_> {
        TraceIter {
            inline: self.inline.iter(),
            more: self.more.iter(),
        }
    }

    pub fn len(&self) -> usize {
        self.iter().count()
    }

    pub fn is_empty(&self) -> bool {
        self.inline[0].is_none()
    }
}

/// The events of a [`Trace`] in order (inline ones are filled front to back, and only
/// once they are full does `more` get any).
pub struct TraceIter<'t> {
    inline: std::slice::Iter<'t, Option<TraceEvent>>,
    more: std::slice::Iter<'t, TraceEvent>,
}

impl<'t> Iterator for TraceIter<'t> {
    type Item = &'t TraceEvent;

    fn next(&mut self) -> Option<&'t TraceEvent> {
        match self.inline.next() {
            Some(Some(event)) => Some(event),
            _ => self.more.next(),
        }
    }
}

impl<'t> IntoIterator for &'t Trace {
    type Item = &'t TraceEvent;
    type IntoIter = TraceIter<'t>;

    fn into_iter(self) -> TraceIter<'t> {
        self.iter()
    }
}

impl PartialEq for Trace {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for Trace {}

impl fmt::Debug for Trace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Turn<'_> {
    /// The texts said in this turn.
    pub fn says(&self) -> impl Iterator<Item = &str> {
        self.outputs
            .iter()
            .map(|Output::Say { text }| text.as_ref())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Speaker {
    Bot,
    User,
    /// Runtime events: hand-offs, failed calls, the end.
    Event,
}

/// One transcript line; sensitive values are already masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TranscriptEntry {
    pub who: Speaker,
    pub text: Line,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartError {
    UnknownFlow(String),
    /// The bundle has no states for the flow (a malformed bundle).
    BadBundle(String),
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartError::UnknownFlow(name) => write!(f, "no flow named `{name}` in the bundle"),
            StartError::BadBundle(message) => write!(f, "bad bundle: {message}"),
        }
    }
}

impl std::error::Error for StartError {}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputError {
    /// The conversation has ended, was handed off or failed.
    NotWaiting(Status),
    /// The conversation does not belong to this bundle.
    WrongBundle,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputError::NotWaiting(status) => write!(
                f,
                "the conversation is {} and takes no more input",
                status.as_str()
            ),
            InputError::WrongBundle => write!(f, "the conversation does not match this bundle"),
        }
    }
}

impl std::error::Error for InputError {}

/// Where a handler ACTION that does not move on continues.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
enum ReturnTo {
    Pc(u32),
    End,
}

/// Which handler a pending return belongs to (a closed/error handler does not re-enter
/// itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
enum HandlerKind {
    Input,
    Closed,
    Error,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Return {
    to: ReturnTo,
    kind: HandlerKind,
}

/// The last user input: `text` builtin, intent and sentiment read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
struct LastInput {
    text: String,
    keys: bool,
    /// It answered a sensitive `ask`: `text` is masked in outputs' transcript.
    sensitive: bool,
}

/// A running conversation: small, serializable plain data (indexes into the bundle, not
/// names), so a session store can keep it between turns. It is only meaningful together
/// with the bundle it was started on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conversation {
    flow: u32,
    channel: Channel,
    status: Status,
    state: u32,
    /// While waiting: the `Wait` instruction.
    pc: u32,
    /// Failures at the current input point.
    attempts: u32,
    retrying: bool,
    returns: Vec<Return>,
    slots: Vec<Value>,
    last: LastInput,
    no_match_count: u32,
    no_input_count: u32,
    turns: u32,
    transcript: Vec<TranscriptEntry>,
    /// See [`Conversation::keep_transcript`].
    #[serde(default = "kept_by_default")]
    keeps_transcript: bool,
    handoff: Option<HandoffInfo>,
}

fn kept_by_default() -> bool {
    true
}

impl Conversation {
    /// Starts `flow_name` and runs it to its first input point (or its end).
    pub fn start<'b>(
        bundle: &'b Bundle,
        flow_name: &str,
        channel: Channel,
        env: &mut Env<'_>,
    ) -> Result<(Conversation, Turn<'b>), StartError> {
        Conversation::start_with(bundle, flow_name, channel, Vec::new(), env)
    }

    /// [`Conversation::start`] with initial slot values (index into the flow's `vars`,
    /// value), set before the first instruction runs — a server's `variables`. The caller
    /// has checked each value against the slot's type; an index out of range is ignored.
    pub fn start_with<'b>(
        bundle: &'b Bundle,
        flow_name: &str,
        channel: Channel,
        initial: Vec<(u32, Value)>,
        env: &mut Env<'_>,
    ) -> Result<(Conversation, Turn<'b>), StartError> {
        let (index, flow) = bundle
            .flow_by_name(flow_name)
            .ok_or_else(|| StartError::UnknownFlow(flow_name.to_string()))?;
        let start = flow.states.get(flow.start as usize).ok_or_else(|| {
            StartError::BadBundle(format!("flow `{flow_name}` has no start state"))
        })?;
        let slots = flow
            .vars
            .iter()
            .map(|var| exec::const_value(bundle, &var.default))
            .collect::<Vec<Value>>();
        let mut slots = slots;
        for (index, value) in initial {
            if let Some(slot) = slots.get_mut(index as usize) {
                *slot = value;
            }
        }
        let mut conversation = Conversation {
            flow: index as u32,
            channel,
            status: Status::Waiting,
            state: flow.start,
            pc: start.entry,
            attempts: 0,
            retrying: false,
            returns: Vec::new(),
            slots,
            last: LastInput::default(),
            no_match_count: 0,
            no_input_count: 0,
            turns: 0,
            transcript: Vec::new(),
            keeps_transcript: true,
            handoff: None,
        };
        let turn = exec::run_start(bundle, &mut conversation, env);
        Ok((conversation, turn))
    }

    /// One user turn: escalate rules first, then the waiting `ask`/`menu`.
    pub fn input<'b>(
        &mut self,
        bundle: &'b Bundle,
        input: Input,
        env: &mut Env<'_>,
    ) -> Result<Turn<'b>, InputError> {
        if self.status != Status::Waiting {
            return Err(InputError::NotWaiting(self.status));
        }
        if bundle.flows.get(self.flow as usize).is_none() {
            return Err(InputError::WrongBundle);
        }
        Ok(exec::run_input(bundle, self, input, env))
    }

    pub fn status(&self) -> Status {
        self.status
    }

    pub fn channel(&self) -> Channel {
        self.channel
    }

    pub fn flow_name<'b>(&self, bundle: &'b Bundle) -> &'b str {
        bundle
            .flows
            .get(self.flow as usize)
            .map(|f| bundle.str(f.name))
            .unwrap_or("")
    }

    pub fn state_name<'b>(&self, bundle: &'b Bundle) -> &'b str {
        bundle
            .flows
            .get(self.flow as usize)
            .and_then(|f| f.states.get(self.state as usize))
            .map(|s| bundle.str(s.name))
            .unwrap_or("")
    }

    /// A slot's (or `into` result's) value, unmasked; `None` for an unknown name.
    pub fn slot(&self, bundle: &Bundle, name: &str) -> Option<&Value> {
        let flow = bundle.flows.get(self.flow as usize)?;
        let index = flow.vars.iter().position(|v| bundle.str(v.name) == name)?;
        self.slots.get(index)
    }

    /// Every slot and result by name, sensitive values masked (for APIs and hand-offs).
    pub fn slots_masked(&self, bundle: &Bundle) -> Vec<(String, Value)> {
        let Some(flow) = bundle.flows.get(self.flow as usize) else {
            return Vec::new();
        };
        flow.vars
            .iter()
            .zip(&self.slots)
            .map(|(var, value)| {
                let shown = if var.sensitive && value.is_set() {
                    Value::Text(MASK.into())
                } else {
                    value.clone()
                };
                (bundle.str(var.name).to_string(), shown)
            })
            .collect()
    }

    /// Everything said, answered and done so far, sensitive values masked (empty when the
    /// transcript is not kept).
    pub fn transcript(&self) -> &[TranscriptEntry] {
        &self.transcript
    }

    /// Whether the conversation keeps its transcript in memory (it does from `start`).
    /// `csflow test` and `csflow run` read it; a runtime serving thousands of callers logs
    /// each turn's outputs instead and turns it off, so a waiting conversation stays the
    /// same few hundred bytes however many turns it has taken. Turning it off drops what
    /// was kept.
    pub fn keep_transcript(&mut self, keep: bool) {
        self.keeps_transcript = keep;
        if !keep {
            self.transcript = Vec::new();
        }
    }

    /// Adds a transcript line, built only when the transcript is kept.
    pub(crate) fn note(&mut self, who: Speaker, text: impl FnOnce() -> Line) {
        if self.keeps_transcript {
            self.transcript.push(TranscriptEntry { who, text: text() });
        }
    }

    pub fn handoff(&self) -> Option<&HandoffInfo> {
        self.handoff.as_ref()
    }

    pub fn turns(&self) -> u32 {
        self.turns
    }

    pub fn no_match_count(&self) -> u32 {
        self.no_match_count
    }

    pub fn no_input_count(&self) -> u32 {
        self.no_input_count
    }
}
