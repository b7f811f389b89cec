//! The compiled bundle: plain data the compiler fills and the VM runs, plus its byte format.
//!
//! A bundle holds every flow of a project with the shared declarations they use (hours,
//! queues, intents, knowledge, services). Dialogue text never lives inside instructions:
//! instructions name strings by [`StrId`] in one string table, so localization can swap the
//! table. Text with `{expr}` interpolations is stored as a template with `{0}`, `{1}` …
//! placeholders (`{{`/`}}` for literal braces; [`template`] encodes and decodes them) and the
//! instruction says how many values it pops from the stack to fill them.
//!
//! Byte layout (all integers little-endian, every sequence length-prefixed with a `u32`):
//! `"CSFB"`, format version `u16`, compiler version (string), body length `u32`,
//! content hash of the body `u64` ([`encode::content_hash`]), then the body. See [`encode`]
//! and [`decode`]; [`verify`] checks every index after decoding.

pub mod cache;
pub mod decode;
pub mod encode;
mod ids;
pub mod template;
pub mod verify;

pub use decode::LoadError;
pub use ids::Ids;
use std::sync::Arc;

/// The four bytes every bundle starts with.
pub const MAGIC: [u8; 4] = *b"CSFB";
/// Bumped whenever the byte layout or the meaning of an instruction changes. Version 3
/// added voice input timing per input point, flow languages, recorded prompts (`Play`),
/// prompts in another language (`SayIn`), `Transfer` and `Reprompt`.
pub const FORMAT_VERSION: u16 = 3;

/// Index into [`Bundle::strings`].
pub type StrId = u32;
/// Index into a flow's [`Flow::code`].
pub type Pc = u32;

/// A compiled project.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Bundle {
    /// The version of the compiler that wrote the bundle (shown by `inspect`).
    pub compiler_version: String,
    /// Every message, prompt, label, example, question, answer, name and path, by id.
    /// Shared (`Arc`) so that a conversation's transcript can keep a prompt without copying
    /// it.
    pub strings: Vec<Arc<str>>,
    /// Source file paths (ids into `strings`), indexed by [`Loc::file`].
    pub files: Vec<StrId>,
    /// Regex patterns (ids into `strings`) used by `matches`.
    pub regexes: Vec<StrId>,
    pub hours: Vec<Hours>,
    pub queues: Vec<Queue>,
    pub intents: Vec<Intent>,
    pub knowledge: Vec<KnowledgeBase>,
    pub services: Vec<Service>,
    pub flows: Vec<Flow>,
    /// What is worked out from the fields above on first use, once per loaded bundle (not
    /// part of the bytes): its id, compiled regexes, normalised menu texts and the
    /// input-understanding models. See [`cache`].
    pub models: cache::Caches,
}

/// A bundle's identity: the content hash of its body (the `u64` in its header), so two
/// builds of the same sources have the same id and any change of code or text gives another.
/// A conversation records the id of the bundle it started on and runs on no other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct BundleId(pub u64);

impl std::fmt::Display for BundleId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

impl Bundle {
    /// The string with this id, or `""` for an id out of range (verified bundles have none).
    pub fn str(&self, id: StrId) -> &str {
        self.strings.get(id as usize).map_or("", |text| text)
    }

    /// The shared string with this id (`None` out of range).
    pub fn shared_str(&self, id: StrId) -> Option<&Arc<str>> {
        self.strings.get(id as usize)
    }

    /// This bundle's [`BundleId`]: read from the header when loaded from bytes, else
    /// computed once by encoding it.
    pub fn id(&self) -> BundleId {
        self.models.id(self)
    }

    pub fn flow_by_name(&self, name: &str) -> Option<(usize, &Flow)> {
        self.flows
            .iter()
            .enumerate()
            .find(|(_, flow)| self.str(flow.name) == name)
    }

    /// Deterministic encoding: the same bundle always gives the same bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        encode::to_bytes(self)
    }

    /// Decodes and verifies; hostile bytes give an error, never a panic.
    pub fn from_bytes(bytes: &[u8]) -> Result<Bundle, LoadError> {
        let bundle = decode::from_bytes(bytes)?;
        verify::verify(&bundle)?;
        Ok(bundle)
    }
}

/// Builds a string table without duplicates, in first-use order (the compiler's helper).
#[derive(Debug, Clone, Default)]
pub struct Interner {
    strings: Vec<Arc<str>>,
    ids: std::collections::HashMap<String, StrId>,
}

impl Interner {
    pub fn intern(&mut self, text: &str) -> StrId {
        if let Some(id) = self.ids.get(text) {
            return *id;
        }
        let id = self.strings.len() as StrId;
        self.strings.push(Arc::from(text));
        self.ids.insert(text.to_string(), id);
        id
    }

    pub fn into_strings(self) -> Vec<Arc<str>> {
        self.strings
    }
}

/// A calendar date.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct Date {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

/// A wall-clock time of day; `24:00` is allowed as the end of an opening range.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct Time {
    pub hour: u8,
    pub minute: u8,
}

impl Time {
    pub fn minutes(self) -> u32 {
        self.hour as u32 * 60 + self.minute as u32
    }
}

/// `hours NAME { timezone … ranges … closed … }`.
#[derive(Debug, Clone, PartialEq)]
pub struct Hours {
    pub name: StrId,
    /// IANA time zone name, e.g. `Asia/Shanghai`.
    pub timezone: StrId,
    pub weekly: Vec<WeeklyRange>,
    pub closed: Vec<DateRange>,
}

/// Open on `day` (0 = Monday … 6 = Sunday) from `start` to `end`. An `end` at or before
/// `start` runs past midnight into the next day.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WeeklyRange {
    pub day: u8,
    pub start: Time,
    pub end: Time,
}

/// Closed from `first` to `last`, both inclusive.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DateRange {
    pub first: Date,
    pub last: Date,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Queue {
    pub name: StrId,
    /// Index into [`Bundle::hours`]; `None` means always open.
    pub hours: Option<u32>,
    pub skills: Vec<StrId>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Intent {
    pub name: StrId,
    /// Examples as written; the matcher normalizes them (see `nlu::similarity`).
    pub examples: Vec<StrId>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct KnowledgeBase {
    pub name: StrId,
    pub entries: Vec<KnowledgeEntry>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct KnowledgeEntry {
    pub name: StrId,
    pub questions: Vec<StrId>,
    pub answer: StrId,
    pub tags: Vec<StrId>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    pub name: StrId,
    /// Declared `timeout`, 0 when none was given (the service client picks its default).
    pub timeout_ms: u32,
    pub operations: Vec<Operation>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    pub name: StrId,
    pub params: Vec<Field>,
    pub returns: Vec<Field>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub name: StrId,
    pub ty: SlotType,
}

/// The type of a slot, parameter or result field; for slots it picks the reply parser.
#[derive(Debug, Clone, PartialEq)]
pub enum SlotType {
    Text,
    Number,
    Integer,
    Digits {
        min: Option<u32>,
        max: Option<u32>,
    },
    YesNo,
    Date,
    Time,
    Email,
    Phone,
    Bool,
    /// Allowed values (ids into the string table), matched case-insensitively.
    Enum(Vec<StrId>),
    /// The result record of a service operation (an `into` variable).
    Record,
    /// `text matching /re/`: text that matches regex N of [`Bundle::regexes`] once
    /// normalised (see `nlu::slots::parse_matching`).
    Matching(u32),
    /// An `enum` whose values have display labels: what interpolation says, and what the
    /// caller may answer besides the value's name.
    LabelledEnum(Vec<EnumValue>),
    /// `list of T` (a service result field).
    List(Box<SlotType>),
    /// `{ name: type, … }` (the items of a `list of { … }`).
    Fields(Vec<Field>),
}

/// One value of a labelled `enum`.
#[derive(Debug, Clone, PartialEq)]
pub struct EnumValue {
    pub name: StrId,
    /// The display label, when the value has one.
    pub label: Option<StrId>,
}

/// How deep `list of { … }` field types nest at most in a bundle (a hostile bundle must
/// not exhaust the stack).
pub const MAX_TYPE_DEPTH: usize = 16;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowChannel {
    Voice,
    Chat,
    Any,
}

impl FlowChannel {
    pub fn as_str(self) -> &'static str {
        match self {
            FlowChannel::Voice => "voice",
            FlowChannel::Chat => "chat",
            FlowChannel::Any => "any",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Flow {
    pub name: StrId,
    pub channel: FlowChannel,
    /// `timezone "…"`: the zone of `today` and `now` (else the first hours block's, else UTC).
    pub timezone: Option<StrId>,
    /// The flow's `language "zh-CN"`: the language of every output that names none itself.
    pub language: Option<StrId>,
    /// Index into `states`.
    pub start: u32,
    /// Slots and `into` results, indexed by the `Load`/`Store` operands.
    pub vars: Vec<Var>,
    pub states: Vec<State>,
    /// Every `ask` and `menu`, indexed by [`Instr::Wait`].
    pub points: Vec<InputPoint>,
    pub handlers: FlowHandlers,
    /// Start of the `escalate` block, run on every input before the state sees it; it ends
    /// in [`Instr::Deliver`] when no rule moved the conversation on.
    pub escalate: Option<Pc>,
    pub code: Vec<Instr>,
    /// Debug info: the source location of each instruction (same length as `code`).
    pub locs: Vec<Loc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Var {
    pub name: StrId,
    pub ty: SlotType,
    pub sensitive: bool,
    /// Value at the start of a conversation (`Const::None` when no default).
    pub default: Const,
    /// `true` for the `into` name of a `call` (a record), `false` for a slot.
    pub is_result: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct State {
    pub name: StrId,
    pub entry: Pc,
}

/// An `ask` or a `menu`: where the conversation waits for the user.
#[derive(Debug, Clone, PartialEq)]
pub struct InputPoint {
    pub kind: PointKind,
    /// Where the prompt is (re-)output; a retry without a message jumps here.
    pub prompt: Pc,
    /// The instruction after the statement: where a handler ACTION that does not move on
    /// returns to.
    pub after: Pc,
    pub no_match: Option<InputHandler>,
    pub no_input: Option<InputHandler>,
    /// A menu's `options from`: options made from a list at run time.
    pub items: Option<Box<MenuItems>>,
    /// How a voice channel collects the reply, the flow's defaults already applied.
    pub timing: InputTiming,
}

/// `timeout`, `max_digits` and `finish_key` of an input point (its own, else the flow's;
/// a `digits(N)` slot implies `max_digits`). `None` leaves the channel's default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct InputTiming {
    /// How long to wait for the caller before a `no_input`, in milliseconds.
    pub timeout_ms: Option<u32>,
    /// At most this many keypad digits are collected.
    pub max_digits: Option<u32>,
    /// The key that ends keypad entry (`#`, `*` or a digit), an id into the string table.
    pub finish_key: Option<StrId>,
}

/// `options from LIST max N label "…" into NAME ACTION`, compiled: the code at the menu's
/// prompt fills the conversation's items ([`Instr::ItemsBegin`], [`Instr::ItemsNext`],
/// [`Instr::ItemsLabel`]); a pick stores the item in `into` and jumps to `action`.
#[derive(Debug, Clone, PartialEq)]
pub struct MenuItems {
    /// How many static options are listed before the items.
    pub position: u32,
    /// The variable that receives the picked item.
    pub into: u32,
    pub action: Pc,
}

/// At most this many items in one `options from` (keys 1 to 20).
pub const MAX_MENU_ITEMS: u32 = 20;

#[derive(Debug, Clone, PartialEq)]
pub enum PointKind {
    Ask { var: u32 },
    Menu { options: Vec<MenuOption> },
}

#[derive(Debug, Clone, PartialEq)]
pub struct MenuOption {
    pub label: StrId,
    pub keys: Ids,
    /// Indexes into [`Bundle::intents`].
    pub intents: Vec<u32>,
    pub phrases: Vec<StrId>,
    /// Where the option's ACTION starts.
    pub action: Pc,
}

/// `on no_match|no_input [retry N ["message"] then] ACTION`.
#[derive(Debug, Clone, PartialEq)]
pub struct InputHandler {
    pub retries: u32,
    /// A block that says the retry message and ends in [`Instr::Resume`]; without it a
    /// retry outputs the prompt again.
    pub retry_message: Option<Pc>,
    /// The ACTION block; it ends in [`Instr::Return`] if it does not move on.
    pub action: Pc,
}

/// Flow-level handlers: the fallback for every input point, handoff and call.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FlowHandlers {
    pub no_match: Option<InputHandler>,
    pub no_input: Option<InputHandler>,
    /// `on closed` ACTION block (ends in [`Instr::Return`] if it does not move on).
    pub closed: Option<Pc>,
    /// `on error` ACTION block (ends in [`Instr::Return`] if it does not move on).
    pub error: Option<Pc>,
}

/// A compile-time constant (slot defaults).
#[derive(Debug, Clone, PartialEq)]
pub enum Const {
    None,
    Bool(bool),
    Number(f64),
    Text(StrId),
    Date(Date),
    Time(Time),
}

/// Source location of an instruction: file index into [`Bundle::files`], 1-based line and
/// column (columns count Unicode scalar values). `file == NO_FILE` means unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Loc {
    pub file: u32,
    pub line: u32,
    pub col: u32,
}

pub const NO_FILE: u32 = u32::MAX;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Priority {
    Low,
    Normal,
    High,
}

impl Priority {
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Normal => "normal",
            Priority::High => "high",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }
}

/// `+ - * /` on numbers (and dates: `date ± days`, `date - date`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArithOp {
    Add,
    Sub,
    Mul,
    Div,
}

impl ArithOp {
    pub fn as_str(self) -> &'static str {
        match self {
            ArithOp::Add => "+",
            ArithOp::Sub => "-",
            ArithOp::Mul => "*",
            ArithOp::Div => "/",
        }
    }
}

/// Expression built-ins that take no operand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Builtin {
    /// The last user input (`""` for a time-out).
    Text,
    Sentiment,
    NoMatchCount,
    NoInputCount,
    Turns,
    Channel,
    /// Today's date in the flow's time zone.
    Today,
    /// The time of day in the flow's time zone.
    Now,
}

impl Builtin {
    pub fn as_str(self) -> &'static str {
        match self {
            Builtin::Text => "text",
            Builtin::Sentiment => "sentiment",
            Builtin::NoMatchCount => "no_match_count",
            Builtin::NoInputCount => "no_input_count",
            Builtin::Turns => "turns",
            Builtin::Channel => "channel",
            Builtin::Today => "today",
            Builtin::Now => "now",
        }
    }

    /// The instruction of the built-in called `name` (the table is [`crate::builtins`]).
    pub fn from_name(name: &str) -> Option<Builtin> {
        crate::builtins::lookup(name)?.value
    }
}

/// The instruction set: a stack machine for expressions plus conversation statements.
/// Expressions push values; statements pop what they need.
#[derive(Debug, Clone, PartialEq)]
pub enum Instr {
    // --- expressions ---
    PushNone,
    PushBool(bool),
    PushNumber(f64),
    PushText(StrId),
    PushDate(Date),
    PushTime(Time),
    /// Push a slot or `into` variable.
    Load(u32),
    /// Pop a record, push its field (`none` if absent or not a record).
    Field(StrId),
    Builtin(Builtin),
    /// `intent NAME`: push whether the last input matched the intent.
    IntentIs(u32),
    /// `open(HOURS)`: push whether the hours are open at the conversation's clock.
    Open(u32),
    Not,
    /// Pops b then a, pushes `a op b`.
    Compare(CmpOp),
    And,
    Or,
    IsSet,
    /// Pop N values, push a list of them (in push order).
    MakeList(u32),
    /// Pop a list then a value, push whether the value is in the list.
    In,
    /// Pop a value, push whether its text matches regex N ([`Bundle::regexes`]).
    Matches(u32),
    /// Pop `args` values into the template's placeholders and push the text (an
    /// interpolated string used as a value).
    Format {
        text: StrId,
        args: u32,
    },
    // --- control ---
    Jump(Pc),
    /// Pop a value; jump when it is falsy.
    JumpIfFalse(Pc),
    /// Pop a value; jump when it is truthy.
    JumpIfTrue(Pc),
    /// Pop a value into a variable.
    Store(u32),
    // --- conversation ---
    /// Pop `args` values into the template's placeholders and output the text.
    Say {
        text: StrId,
        args: u32,
    },
    /// Wait for input at an input point (the `ask` skip-if-set test comes before it).
    Wait(u32),
    /// Leave the state: clear pending returns, run state N from its top.
    Goto(u32),
    End,
    /// Pop `args` values for the reason template, then hand off — or run the `on closed`
    /// handler (`on_closed`, else the flow's) when the queue is closed.
    Handoff {
        queue: u32,
        priority: Priority,
        reason: Option<StrId>,
        args: u32,
        on_closed: Option<Pc>,
    },
    /// Pop one value per declared parameter (in declaration order) and call the operation.
    Call {
        service: u32,
        operation: u32,
        into: Option<u32>,
        on_error: Option<Pc>,
    },
    /// Pop `args` values for the topic template (if any) and answer from the knowledge base;
    /// when confident say the answer and jump to `found`, else continue with the next
    /// instruction (the `else` ACTION, if any).
    Answer {
        knowledge: u32,
        topic: Option<StrId>,
        args: u32,
        found: Pc,
    },
    /// End of a handler ACTION that did not move on: continue where the handler was entered
    /// from (after the input point, call or handoff).
    Return,
    /// End of a retry message: wait again at the current input point.
    Resume,
    /// End of the escalate block: hand the input to the waiting input point.
    Deliver,
    // --- values and dynamic menus ---
    /// Pops b then a, pushes `a op b`. A division by zero (or a result that is no finite
    /// number) pushes `none` and runs the `on error` ACTION in scope (`on_error`, else the
    /// flow's); an ACTION that does not move on continues at `resume`, after the statement.
    Arith {
        op: ArithOp,
        on_error: Option<Pc>,
        resume: Pc,
    },
    /// Pops a value; pushes the display label of enum slot `var`'s value of that name (the
    /// value itself when it has no label).
    Label(u32),
    /// Pops a value; pushes the display label of the enum value of that name among
    /// `values` (the value itself when it has no label): an enum field of a service result
    /// or of an `options from` item, whose type no variable holds.
    Labels(Vec<EnumValue>),
    /// Pops a list: the items of the menu being prompted (at most `max`; anything but a
    /// list is no items).
    ItemsBegin {
        max: u32,
    },
    /// Stores the next item into variable `var`, or jumps to `done` when every item has its
    /// label.
    ItemsNext {
        var: u32,
        done: Pc,
    },
    /// Pops `args` values into the label template, keeps the label for the current item and
    /// jumps back to `back` (the `ItemsNext`): bounded by the item count, so not counted as
    /// a loop.
    ItemsLabel {
        text: StrId,
        args: u32,
        back: Pc,
    },
    /// On voice, says each item as "KEY. LABEL" (keys 1..N); chat shows them as buttons.
    ItemsSay,
    // --- format 3: voice ---
    /// Pop `args` values into the fallback text's placeholders and output a recorded
    /// prompt: the audio at `url` (a project-relative path or a URL), with the text for chat
    /// channels and the transcript.
    Play {
        url: StrId,
        text: StrId,
        args: u32,
        language: Option<StrId>,
    },
    /// [`Instr::Say`] in a language of its own (otherwise the flow's language applies).
    SayIn {
        text: StrId,
        args: u32,
        language: StrId,
    },
    /// Pop `args` values for the reason template, then transfer the call to `to` (a phone
    /// number or a SIP address): the conversation is over, with status `transferred`.
    Transfer {
        to: StrId,
        reason: Option<StrId>,
        args: u32,
    },
    /// End of a retry message said before the prompt: output the current input point's
    /// prompt again and wait there.
    Reprompt,
}
