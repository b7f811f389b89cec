//! Conversations: the public face of the VM — start a flow, feed it user input, read back a
//! [`Turn`]. The interpreter loop lives in `vm/exec.rs`, input delivery and matching in
//! `vm/input.rs`.
//!
//! # Driving a conversation
//!
//! A host drives a conversation in steps, and no step blocks on the outside world:
//!
//! ```text
//! Conversation::begin(bundle, Start::new(flow, channel), clock) -> (Conversation, Turn)
//! conversation.send(bundle, input, clock)                       -> Turn
//! conversation.resume(bundle, Ok(record) | Err(error), clock)   -> Turn
//! ```
//!
//! Each returns a [`Turn`] whose status says what comes next:
//! - `waiting`: the flow waits at an `ask`/`menu`; the next step is `send`.
//! - `calling`: the flow reached a `call`. [`Turn::call`] (and, after the conversation was
//!   stored and loaded again, [`Conversation::calling`]) is the [`CallRequest`]: service,
//!   operation, named arguments as runtime values and the declared timeout. The host calls
//!   the service however it likes (async, another process, a queue) and answers with
//!   `resume`: the result record, or a [`ServiceError`] (which runs the nearest `on error`).
//!   The outputs said before the call are in the calling turn; those after it in the turn
//!   `resume` returns.
//! - `ended`, `handed_off`, `transferred`, `failed`: the conversation is over.
//!
//! A [`Conversation`] is plain serialisable data (serde) in every status, `calling`
//! included, so a server can store it between steps and continue it in another process. It
//! records the [`BundleId`] of the bundle it started on and refuses to run on any other
//! ([`InputError::WrongBundle`]): a bundle redeployed with other code would otherwise run
//! the conversation's saved positions in the wrong instructions.
//!
//! [`Conversation::start`] and [`Conversation::input`] are the synchronous convenience
//! (`csflow test`, `csflow run`): the same steps, with every call answered on the spot by
//! the [`Services`] of the [`Env`] ([`Conversation::drive`]), so their turns are never
//! `calling`.
//!
//! # Turn semantics
//!
//! The language reference's (docs/language.md), and the choices this runtime makes where it
//! is silent:
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
//! - A turn stops real loops only: it may enter states and take backward jumps (`goto`, a
//!   handler's return, a retry) at most [`loop_budget`] times — the flow's number of states
//!   plus [`STEP_BUDGET`] — counted across its calls (a turn resumed after a call goes on
//!   counting). A turn that never loops runs to its end however long its code is (50,000
//!   `say`s, 2,600 escalate rules). This is the checks' `input-free-cycle` seen at run time:
//!   entering more states than the flow has without waiting for input means a state was
//!   entered twice, a cycle with no input point; beyond the budget (a loop the checks did not
//!   catch, e.g. through an `ask` skipped by an `if`) the turn ends with status `failed`
//!   instead of hanging.
//! - A `sensitive` slot's value is said as is, but masked (`***`) in the transcript, in a
//!   hand-off reason and in [`Conversation::slots_masked`]; a reply to a sensitive `ask` is
//!   masked in the transcript too, and its clear text (what `text` reads) is dropped from the
//!   conversation when the turn stops (at `calling` too), so a stored conversation never
//!   holds it — only the slot the `ask` filled does.
//! - The transcript is not kept unless asked for ([`Start::with_transcript`],
//!   [`Conversation::keep_transcript`]): a serving runtime logs each turn instead, and a
//!   waiting conversation stays the same few hundred bytes however long it runs.

mod call;
mod clock;
mod exec;
mod input;
mod line;
mod trace;
mod variables;

pub use crate::services::{CallArg, CallRequest, NoServices, ServiceError, Services};
pub use clock::{Clock, is_open};
pub use line::Line;
pub use trace::{Trace, TraceEvent, TraceIter};

use crate::bundle::{Bundle, BundleId, MenuOption, Priority};
use crate::value::{MASK, Value};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::fmt;

/// States entered and backward jumps taken beyond one per state before a turn is stopped
/// with status `failed` (see [`loop_budget`]).
pub const STEP_BUDGET: u32 = 64;

/// How many states a turn of `flow` may enter, and backward jumps it may take, before it is
/// stopped as an endless loop: one per state (an input-free path enters each at most once)
/// plus [`STEP_BUDGET`] for handlers and retries.
pub fn loop_budget(flow: &crate::bundle::Flow) -> u32 {
    (flow.states.len() as u32).saturating_add(STEP_BUDGET)
}

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

/// What a turn may consult outside the bundle: the clock and the services.
pub struct Env<'a> {
    pub clock: Clock,
    pub services: &'a mut dyn Services,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Waiting,
    /// Stopped at a `call`: the host answers [`Conversation::calling`] with
    /// [`Conversation::resume`].
    Calling,
    Ended,
    HandedOff,
    /// A `transfer` moved the call to another number or SIP address ([`Turn::transfer`]).
    Transferred,
    /// The turn hit the step budget or a malformed bundle; the conversation cannot go on.
    Failed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Waiting => "waiting",
            Status::Calling => "calling",
            Status::Ended => "ended",
            Status::HandedOff => "handed_off",
            Status::Transferred => "transferred",
            Status::Failed => "failed",
        }
    }
}

/// Something the bot outputs. Text without placeholders is borrowed from the bundle.
/// `language` is the prompt's language for speech synthesis (its own, else the flow's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Output<'b> {
    Say {
        text: Cow<'b, str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        language: Option<&'b str>,
    },
    /// A recorded prompt: the audio at `url`, and its text for chat channels and the
    /// transcript.
    Play {
        url: &'b str,
        text: Cow<'b, str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        language: Option<&'b str>,
    },
}

impl<'b> Output<'b> {
    /// The text said (a recorded prompt's fallback text).
    pub fn text(&self) -> &str {
        match self {
            Output::Say { text, .. } | Output::Play { text, .. } => text,
        }
    }

    pub fn language(&self) -> Option<&'b str> {
        match self {
            Output::Say { language, .. } | Output::Play { language, .. } => *language,
        }
    }

    /// The recorded prompt's audio, if this output is one.
    pub fn url(&self) -> Option<&'b str> {
        match self {
            Output::Say { .. } => None,
            Output::Play { url, .. } => Some(url),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExpectKind {
    Menu,
    Ask,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExpectedOption<'b> {
    pub label: Cow<'b, str>,
    /// The option's first key, if it has one (`options from` items: 1..N).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<Cow<'b, str>>,
}

/// A menu's options as the caller sees them: a view into the bundle, so a turn copies no
/// labels of static options (building them was a third of a menu turn); the items of an
/// `options from`, made at run time, are listed after `position` static options with keys
/// 1..N. Serializes as a list.
#[derive(Clone)]
pub struct ExpectedOptions<'b> {
    bundle: &'b Bundle,
    options: &'b [MenuOption],
    /// `(position, labels)` of `options from` items; boxed so a turn stays small.
    items: Option<Box<(usize, Vec<String>)>>,
}

impl<'b> ExpectedOptions<'b> {
    pub(crate) fn new(bundle: &'b Bundle, options: &'b [MenuOption]) -> ExpectedOptions<'b> {
        ExpectedOptions {
            bundle,
            options,
            items: None,
        }
    }

    pub(crate) fn with_items(
        bundle: &'b Bundle,
        options: &'b [MenuOption],
        position: usize,
        labels: Vec<String>,
    ) -> ExpectedOptions<'b> {
        ExpectedOptions {
            bundle,
            options,
            items: Some(Box::new((position.min(options.len()), labels))),
        }
    }

    fn item_count(&self) -> usize {
        self.items.as_ref().map_or(0, |items| items.1.len())
    }

    pub fn len(&self) -> usize {
        self.options.len() + self.item_count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, index: usize) -> Option<ExpectedOption<'b>> {
        let Some(items) = &self.items else {
            return self.options.get(index).map(|o| shown(self.bundle, o));
        };
        let (position, labels) = (items.0, &items.1);
        if index < position {
            self.options.get(index).map(|o| shown(self.bundle, o))
        } else if index < position + labels.len() {
            let i = index - position;
            Some(ExpectedOption {
                label: Cow::Owned(labels[i].clone()),
                key: Some(Cow::Owned((i + 1).to_string())),
            })
        } else {
            self.options
                .get(index - labels.len())
                .map(|o| shown(self.bundle, o))
        }
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = ExpectedOption<'b>> + '_ {
        (0..self.len())
            .filter_map(|i| self.get(i))
            .collect::<Vec<_>>()
            .into_iter()
    }
}

fn shown<'b>(bundle: &'b Bundle, option: &MenuOption) -> ExpectedOption<'b> {
    ExpectedOption {
        label: Cow::Borrowed(bundle.str(option.label)),
        key: option.keys.first().map(|k| Cow::Borrowed(bundle.str(*k))),
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Expecting<'b> {
    pub kind: ExpectKind,
    pub options: ExpectedOptions<'b>,
    /// The slot an `ask` fills.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slot: Option<&'b str>,
    /// How long a voice channel waits for the caller before a `no_input`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u32>,
    /// At most this many keypad digits are collected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_digits: Option<u32>,
    /// The key that ends keypad entry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finish_key: Option<&'b str>,
}

/// Where a `transfer` sent the call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferInfo {
    /// A phone number or a SIP address.
    pub to: String,
    /// The reason with sensitive values masked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
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

/// The result of starting a conversation or of one input: the HTTP API's Turn, minus its
/// id (the shape is in docs/runtime.md).
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
    /// Where the call was transferred (status `transferred`); boxed, as it is rare.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transfer: Option<Box<TransferInfo>>,
    /// Why the turn failed (status `failed`). A `Box<str>`, not a `String`, to keep a
    /// `Turn` within 256 bytes: every turn is moved a few times, and the copy costs twice
    /// as much past that.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<Box<str>>,
    /// The service call to make (status `calling`); answer it with
    /// [`Conversation::resume`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call: Option<Box<CallRequest<'b>>>,
    /// What the turn did, for coverage reports and debugging; not part of the API's Turn.
    #[serde(skip)]
    pub trace: Trace,
}

impl<'b> Turn<'b> {
    /// The texts said in this turn.
    pub fn says(&self) -> impl Iterator<Item = &str> {
        self.outputs.iter().map(Output::text)
    }

    /// Appends `next`, the turn that resumed this one after its call: its outputs and trace
    /// follow this turn's, and its status and what it waits for replace this turn's.
    pub fn absorb(&mut self, next: Turn<'b>) {
        self.outputs.extend(next.outputs);
        for event in &next.trace {
            self.trace.push(*event);
        }
        self.status = next.status;
        self.state = next.state;
        self.expecting = next.expecting;
        self.handoff = next.handoff;
        self.transfer = next.transfer;
        self.error = next.error;
        self.call = next.call;
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
    /// An initial value ([`Start::variables`]) names no slot of the flow or does not fit
    /// the slot's type.
    BadVariable {
        name: String,
        reason: String,
    },
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartError::UnknownFlow(name) => write!(f, "no flow named `{name}` in the bundle"),
            StartError::BadBundle(message) => write!(f, "bad bundle: {message}"),
            StartError::BadVariable { name, reason } => {
                write!(f, "variable `{name}` cannot be set: {reason}")
            }
        }
    }
}

impl std::error::Error for StartError {}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputError {
    /// `send` to a conversation that is not waiting for input (calling, or over).
    NotWaiting(Status),
    /// `resume` of a conversation that is not waiting for a service result.
    NotCalling(Status),
    /// The conversation was started on another bundle (or its flow is not in this one).
    WrongBundle {
        started_on: BundleId,
        given: BundleId,
    },
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputError::NotWaiting(Status::Calling) => write!(
                f,
                "the conversation is waiting for a service result (resume it) and takes no input"
            ),
            InputError::NotWaiting(status) => write!(
                f,
                "the conversation is {} and takes no more input",
                status.as_str()
            ),
            InputError::NotCalling(status) => write!(
                f,
                "the conversation is {}, not waiting for a service result: nothing to resume",
                status.as_str()
            ),
            InputError::WrongBundle { started_on, given } if started_on == given => write!(
                f,
                "the conversation does not match bundle {given} (its flow is not there)"
            ),
            InputError::WrongBundle { started_on, given } => write!(
                f,
                "the conversation was started on bundle {started_on} and cannot run on bundle \
                 {given}: a conversation only continues on the bundle it started on (keep that \
                 bundle loaded until its conversations finish, or start a new conversation)"
            ),
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

/// The items of the `options from` menu being prompted or waited at: the list's items (at
/// most its `max`) and the label made for each.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
struct Items {
    values: Vec<Value>,
    labels: Vec<String>,
}

/// The last user input: `text` builtin, intent and sentiment read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
struct LastInput {
    text: String,
    keys: bool,
    /// It answered a sensitive `ask`: `text` is masked in outputs' transcript.
    sensitive: bool,
}

/// How to start a conversation: the flow, the channel, initial slot values, and whether to
/// keep a transcript.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Start<'a> {
    pub flow: &'a str,
    pub channel: Channel,
    /// Initial values of slots by name (the HTTP API's `variables`), checked against each
    /// slot's declared type: text is read by the slot's reply parser (as an `ask` would),
    /// other values must be of the type; `none` leaves a slot unset. A name that is not a
    /// slot of the flow, or a value that does not fit, is [`StartError::BadVariable`].
    pub variables: &'a [(String, Value)],
    /// Keep the transcript in memory ([`Conversation::transcript`]); off unless asked for.
    pub transcript: bool,
}

impl<'a> Start<'a> {
    /// `flow` on `channel`, without a transcript.
    pub fn new(flow: &'a str, channel: Channel) -> Start<'a> {
        Start {
            flow,
            channel,
            variables: &[],
            transcript: false,
        }
    }

    /// The same, with these initial slot values.
    pub fn with_variables(self, variables: &'a [(String, Value)]) -> Start<'a> {
        Start { variables, ..self }
    }

    /// The same, keeping the transcript from the first word (`csflow test`, `csflow run`).
    pub fn with_transcript(self) -> Start<'a> {
        Start {
            transcript: true,
            ..self
        }
    }
}

/// A running conversation: small, serializable plain data (indexes into the bundle, not
/// names), so a session store can keep it between turns — while it waits for input and while
/// it waits for a service result alike. It runs only on the bundle it was started on (see
/// [`BundleId`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conversation {
    /// The bundle the conversation started on.
    bundle: BundleId,
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
    #[serde(default)]
    keeps_transcript: bool,
    /// While calling: where the turn stopped and what it had on its stack. Boxed (as the
    /// hand-off below), since most conversations are waiting and small.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    calling: Option<Box<call::Paused>>,
    /// The items of the `options from` menu the conversation is at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    items: Option<Box<Items>>,
    handoff: Option<Box<HandoffInfo>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    transfer: Option<Box<TransferInfo>>,
}

impl Conversation {
    /// Starts `start.flow` and runs it to its first input point, its first service call or
    /// its end. The turn may be `calling`: answer it with [`Conversation::resume`].
    pub fn begin<'b>(
        bundle: &'b Bundle,
        start: Start<'_>,
        clock: Clock,
    ) -> Result<(Conversation, Turn<'b>), StartError> {
        let flow_name = start.flow;
        let (index, flow) = bundle
            .flow_by_name(flow_name)
            .ok_or_else(|| StartError::UnknownFlow(flow_name.to_string()))?;
        let entry = flow.states.get(flow.start as usize).ok_or_else(|| {
            StartError::BadBundle(format!("flow `{flow_name}` has no start state"))
        })?;
        let mut slots: Vec<Value> = flow
            .vars
            .iter()
            .map(|var| exec::const_value(bundle, &var.default))
            .collect();
        variables::set(bundle, flow, &mut slots, &start)?;
        let mut conversation = Conversation {
            bundle: bundle.id(),
            flow: index as u32,
            channel: start.channel,
            status: Status::Waiting,
            state: flow.start,
            pc: entry.entry,
            attempts: 0,
            retrying: false,
            returns: Vec::new(),
            slots,
            last: LastInput::default(),
            no_match_count: 0,
            no_input_count: 0,
            turns: 0,
            transcript: Vec::new(),
            keeps_transcript: start.transcript,
            calling: None,
            items: None,
            handoff: None,
            transfer: None,
        };
        let turn = exec::run_start(bundle, &mut conversation, clock);
        Ok((conversation, turn))
    }

    /// One user turn: escalate rules first, then the waiting `ask`/`menu`. The turn may be
    /// `calling`: answer it with [`Conversation::resume`].
    #[inline]
    pub fn send<'b>(
        &mut self,
        bundle: &'b Bundle,
        input: Input,
        clock: Clock,
    ) -> Result<Turn<'b>, InputError> {
        self.send_with_intents(bundle, input, None, clock)
    }

    /// [`Conversation::send`] with the intent scores of the host's external classifier for
    /// this input (one per bundle intent, in bundle order; see
    /// [`crate::IntentClassifier`]). `None`, or scores of the wrong length, use the offline
    /// matcher, as does every keyed input.
    pub fn send_with_intents<'b>(
        &mut self,
        bundle: &'b Bundle,
        input: Input,
        intents: Option<Vec<f32>>,
        clock: Clock,
    ) -> Result<Turn<'b>, InputError> {
        self.check_bundle(bundle)?;
        if self.status != Status::Waiting {
            return Err(InputError::NotWaiting(self.status));
        }
        let intents = intents.filter(|scores| scores.len() == bundle.intents.len());
        Ok(exec::run_input(bundle, self, input, intents, clock))
    }

    /// Continues a `calling` turn with the service's answer: the result record (shaped to
    /// the operation's declared fields; anything but a record is a failure), or the failure,
    /// which sets the `into` name to `none` and runs the nearest `on error`. Runs on to the
    /// next input point, call or end, like `send`.
    pub fn resume<'b>(
        &mut self,
        bundle: &'b Bundle,
        result: Result<Value, ServiceError>,
        clock: Clock,
    ) -> Result<Turn<'b>, InputError> {
        self.check_bundle(bundle)?;
        if self.status != Status::Calling {
            return Err(InputError::NotCalling(self.status));
        }
        Ok(call::run_resume(bundle, self, result, clock))
    }

    /// The service call a `calling` conversation waits for (the same request its turn
    /// carried), e.g. after it was stored and loaded again; `None` in any other status or
    /// on another bundle.
    pub fn calling<'b>(&self, bundle: &'b Bundle) -> Option<CallRequest<'b>> {
        if self.status != Status::Calling || self.bundle != bundle.id() {
            return None;
        }
        let flow = bundle.flows.get(self.flow as usize)?;
        call::request(bundle, flow, self.calling.as_deref()?)
    }

    /// Synchronous start: [`Conversation::begin`] with every call answered on the spot by
    /// `env.services` (the transcript is not kept; see [`Conversation::start_with`]).
    pub fn start<'b>(
        bundle: &'b Bundle,
        flow_name: &str,
        channel: Channel,
        env: &mut Env<'_>,
    ) -> Result<(Conversation, Turn<'b>), StartError> {
        Conversation::start_with(bundle, Start::new(flow_name, channel), env)
    }

    /// [`Conversation::start`] with the options of [`Start`].
    pub fn start_with<'b>(
        bundle: &'b Bundle,
        start: Start<'_>,
        env: &mut Env<'_>,
    ) -> Result<(Conversation, Turn<'b>), StartError> {
        let (mut conversation, mut turn) = Conversation::begin(bundle, start, env.clock)?;
        conversation.drive(bundle, &mut turn, env);
        Ok((conversation, turn))
    }

    /// Synchronous turn: [`Conversation::send`] with every call answered on the spot by
    /// `env.services`; the turn is never `calling`.
    #[inline]
    pub fn input<'b>(
        &mut self,
        bundle: &'b Bundle,
        input: Input,
        env: &mut Env<'_>,
    ) -> Result<Turn<'b>, InputError> {
        // The external classifier, when the host has one, is asked first; its failure
        // leaves the offline matcher to answer.
        let intents = match (&input, env.services.intent_classifier()) {
            (Input::Text(text), Some(classifier))
                if !bundle.intents.is_empty() && !self.awaits_sensitive(bundle) =>
            {
                let names: Vec<&str> = bundle.intents.iter().map(|i| bundle.str(i.name)).collect();
                classifier.classify(text, &names).ok()
            }
            _ => None,
        };
        // The result is returned where `send` built it: a `Turn` is 256 bytes, and a menu
        // turn that moved it twice more cost ~5 % of its instructions.
        let mut result = self.send_with_intents(bundle, input, intents, env.clock);
        if let Ok(turn) = &mut result
            && turn.call.is_some()
        {
            self.drive(bundle, turn, env);
        }
        result
    }

    /// Answers every call `turn` stops at with `env.services` and [`Conversation::resume`]
    /// until the turn waits or is over, appending each resumed step to `turn` (outputs and
    /// trace of every step, the status of the last). A turn that is not `calling` is left
    /// as it is.
    #[inline]
    pub fn drive<'b>(&mut self, bundle: &'b Bundle, turn: &mut Turn<'b>, env: &mut Env<'_>) {
        while let Some(request) = turn.call.take() {
            let result = env.services.call(&request);
            match self.resume(bundle, result, env.clock) {
                Ok(next) => turn.absorb(next),
                // Not calling after all (cannot happen for a turn this conversation made).
                Err(_) => break,
            }
        }
    }

    #[inline]
    fn check_bundle(&self, bundle: &Bundle) -> Result<(), InputError> {
        let given = bundle.id();
        if self.bundle != given || bundle.flows.get(self.flow as usize).is_none() {
            return Err(InputError::WrongBundle {
                started_on: self.bundle,
                given,
            });
        }
        Ok(())
    }

    /// Whether the conversation waits at an `ask` of a sensitive slot: the answer is masked
    /// in the transcript, and a host sends it to no external classifier.
    pub fn awaits_sensitive(&self, bundle: &Bundle) -> bool {
        exec::awaits_sensitive(bundle, self)
    }

    /// The id of the bundle this conversation started on (and runs on).
    pub fn bundle_id(&self) -> BundleId {
        self.bundle
    }

    pub fn status(&self) -> Status {
        self.status
    }

    pub fn channel(&self) -> Channel {
        self.channel
    }

    /// The index of the conversation's flow in its bundle's `flows`: what a host keys
    /// per-flow data by (the server's metric handles) without comparing names.
    pub fn flow_index(&self) -> usize {
        self.flow as usize
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

    /// Whether the conversation keeps its transcript in memory from now on (off unless
    /// [`Start::with_transcript`] asked for it). `csflow test` and `csflow run` read it; a
    /// runtime serving thousands of callers logs each turn's outputs instead, so a waiting
    /// conversation stays the same few hundred bytes however many turns it has taken.
    /// Turning it off drops what was kept.
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
        self.handoff.as_deref()
    }

    /// Where a `transfer` sent the call (status `transferred`).
    pub fn transfer(&self) -> Option<&TransferInfo> {
        self.transfer.as_deref()
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
