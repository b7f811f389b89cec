//! Our syntax tree. Every node carries a [`Span`]; parts the user may have left out are
//! `Option`, and a declaration or statement that did not parse is an `Error` node (its
//! diagnostic was already reported by the parser), so later stages skip it silently.
//!
//! The tree keeps what a formatter needs to print the source again: every string part has
//! the span of its source slice (escapes included, so literals can be reprinted as written),
//! parentheses are a node ([`ExprKind::Paren`]), every `not` is its own node with its own
//! span, and the comments and blank lines are kept beside the tree ([`File::trivia`]),
//! by position, so they can be attached to the declaration, statement, handler, option or
//! test step before or after them.

use crate::source::Span;

/// A name as written, with where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// The text of a name that may not have been written: `state.name.text()`.
pub trait NameText {
    fn text(&self) -> Option<&str>;
}

impl NameText for Option<Ident> {
    fn text(&self) -> Option<&str> {
        self.as_ref().map(|n| n.name.as_str())
    }
}

/// A string literal: literal text and `{expr}` interpolations, escapes already decoded (the
/// source slice of each part is at its span).
#[derive(Debug, Clone, PartialEq)]
pub struct Str {
    pub parts: Vec<StrPart>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StrPart {
    /// Literal text, decoded (`\n` is a newline, `{{` a brace); the span covers its source,
    /// escapes as written.
    Text(String, Span),
    /// `{expr}`; the expression's span is inside the braces. Boxed: most parts are text,
    /// and an inline expression would make every text part twice its size.
    Interpolation(Box<Expr>),
}

impl Str {
    /// The text with interpolations shown as `{…}` source-like placeholders; for strings
    /// that must be plain (paths, time zones, examples) this is the whole value.
    pub fn plain_text(&self) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                StrPart::Text(text, _) => out.push_str(text),
                StrPart::Interpolation(_) => out.push_str("{…}"),
            }
        }
        out
    }

    pub fn has_interpolation(&self) -> bool {
        self.parts
            .iter()
            .any(|p| matches!(p, StrPart::Interpolation(_)))
    }
}

/// A regex literal `/…/` as written (between the slashes, `\/` already turned into `/`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegexLit {
    pub pattern: String,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

/// A wall-clock time; `hour` may be 24 only as `24:00` (end of day) in hours ranges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Time {
    pub hour: u32,
    pub minute: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct File {
    pub items: Vec<Item>,
    /// Comments and blank lines, in source order (see [`crate::syntax::lex::trivia`]).
    pub trivia: Vec<Trivia>,
    /// Declarations that did not parse but whose kind and name could be read (`queue
    /// general: { }`): references to them are not reported again as unknown.
    pub broken: Vec<BrokenDecl>,
}

/// What the grammar skips but a formatter must keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Trivia {
    pub kind: TriviaKind,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TriviaKind {
    /// `# …` up to (not including) the end of its line.
    Comment,
    /// A line holding only whitespace (its span: the whole line, without its newline).
    BlankLine,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BrokenDecl {
    /// The declaration keyword: `queue`, `flow`, `hours`…
    pub keyword: String,
    pub name: Ident,
}

// A flow (with its voice settings) is several times larger than the other items, and an
// `hours` block (its weekly table) the largest of the rest: both boxed, so that a file of
// millions of small declarations (queues, intents) holds ~120 bytes per item instead of a
// flow's size (issue 16: 2,000,000 queues).
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Import(Import),
    Hours(Box<Hours>),
    Queue(Queue),
    Intent(Intent),
    Service(Service),
    Knowledge(Knowledge),
    Flow(Box<Flow>),
    Test(Test),
    /// A declaration that did not parse; its syntax error is already reported.
    Error(Span),
}

impl Item {
    pub fn span(&self) -> Span {
        match self {
            Item::Import(i) => i.span,
            Item::Hours(h) => h.span,
            Item::Queue(q) => q.span,
            Item::Intent(i) => i.span,
            Item::Service(s) => s.span,
            Item::Knowledge(k) => k.span,
            Item::Flow(f) => f.span,
            Item::Test(t) => t.span,
            Item::Error(span) => *span,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Import {
    pub path: Str,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Hours {
    /// `None` when the name was not written (kept by recovery); never an empty name.
    pub name: Option<Ident>,
    pub timezone: Option<Str>,
    pub weekly: Vec<WeeklyHours>,
    pub closed: Vec<ClosedDates>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Weekday {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

impl Weekday {
    pub const ALL: [Weekday; 7] = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ];

    pub fn from_name(name: &str) -> Option<Weekday> {
        Some(match name {
            "mon" => Weekday::Mon,
            "tue" => Weekday::Tue,
            "wed" => Weekday::Wed,
            "thu" => Weekday::Thu,
            "fri" => Weekday::Fri,
            "sat" => Weekday::Sat,
            "sun" => Weekday::Sun,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][self.index()]
    }

    /// 0 for Monday … 6 for Sunday.
    pub fn index(self) -> usize {
        self as usize
    }
}

/// `mon-fri 09:00-12:00 13:00-18:00`
#[derive(Debug, Clone, PartialEq)]
pub struct WeeklyHours {
    pub first_day: Weekday,
    pub last_day: Weekday,
    pub ranges: Vec<TimeRange>,
    pub span: Span,
    /// The line did not parse (already reported) but starts with its days, so it stays a
    /// line of its block: its ranges are those read before the mistake, and whether the
    /// hours are open on its days is unknown, never "closed".
    pub broken: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TimeRange {
    pub start: Time,
    pub end: Time,
    pub span: Span,
}

/// `closed 2026-10-01..2026-10-07` or `closed 2026-12-25`.
#[derive(Debug, Clone, PartialEq)]
pub struct ClosedDates {
    pub first: Date,
    pub last: Date,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Queue {
    /// `None` when the name was not written (kept by recovery); never an empty name.
    pub name: Option<Ident>,
    pub hours: Option<Ident>,
    pub skills: Vec<Str>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Intent {
    /// `None` when the name was not written (kept by recovery); never an empty name.
    pub name: Option<Ident>,
    pub examples: Vec<Str>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    /// `None` when the name was not written (kept by recovery); never an empty name.
    pub name: Option<Ident>,
    pub operations: Vec<Operation>,
    pub timeout: Option<DurationLit>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    /// `None` when the name was not written (kept by recovery); never an empty name.
    pub name: Option<Ident>,
    pub params: Vec<Field>,
    pub returns: Vec<Field>,
    /// Its result record did not parse (already reported): the operation is kept, its
    /// result fields are unknown (never "no fields").
    pub broken: bool,
    pub span: Span,
}

/// `name: type` in an operation's parameters or result record.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub name: Ident,
    pub ty: TypeExpr,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DurationLit {
    pub millis: u64,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Knowledge {
    /// `None` when the name was not written (kept by recovery); never an empty name.
    pub name: Option<Ident>,
    pub entries: Vec<Entry>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// `None` when the name was not written (kept by recovery); never an empty name.
    pub name: Option<Ident>,
    pub questions: Vec<Str>,
    pub answer: Option<Str>,
    pub tags: Vec<Str>,
    pub owner: Option<Str>,
    pub review_by: Option<(Date, Span)>,
    pub span: Span,
    /// The entry did not parse (already reported) but its keyword (perhaps with one typo)
    /// and name were read: it stays an entry of its knowledge base, its questions, answer
    /// and review date unknown.
    pub broken: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    Voice,
    Chat,
    Any,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Voice => "voice",
            Channel::Chat => "chat",
            Channel::Any => "any",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Flow {
    /// `None` when the name was not written (kept by recovery); never an empty name.
    pub name: Option<Ident>,
    pub channel: Option<(Channel, Span)>,
    /// `language "zh-CN"`: the language of every prompt that names none.
    pub language: Option<Str>,
    /// `timeout` / `max_digits` / `finish_key` defaults for every input point.
    pub timing: InputTiming,
    /// `timezone "Asia/Shanghai"`: the zone of `today` and `now` (an IANA name).
    pub timezone: Option<Str>,
    pub start: Option<Ident>,
    /// A `start` line that did not parse (already reported; `start` with no state name
    /// yet): the flow has a start line, its state is unknown.
    pub start_broken: Option<Span>,
    pub slots: Vec<Slot>,
    pub handlers: Vec<Handler>,
    pub escalate: Vec<EscalateRule>,
    pub states: Vec<State>,
    /// Flow items that did not parse (already reported).
    pub errors: Vec<Span>,
    pub span: Span,
}

impl Flow {
    /// Voice flows get the voice-only checks; `any` counts as voice because it may be.
    pub fn is_voice(&self) -> bool {
        matches!(self.channel, Some((Channel::Voice | Channel::Any, _)))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Slot {
    /// `None` when the name was not written (kept by recovery); never an empty name.
    pub name: Option<Ident>,
    pub ty: TypeExpr,
    pub sensitive: bool,
    pub default: Option<Expr>,
    pub span: Span,
    /// The line did not parse (already reported) but names the slot: it is kept so that
    /// uses of the name resolve; what was not read (often the type: [`TypeKind::Missing`])
    /// is unknown.
    pub broken: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TypeExpr {
    pub kind: TypeKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TypeKind {
    Text,
    Number,
    Integer,
    /// `digits`, `digits(4)` (min = max = 4), `digits(4..6)`.
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
    /// `enum { plus "Plus 套餐" basic }`: values, each with an optional display label.
    Enum(Vec<EnumValue>),
    /// `text matching /re/`: text that must match the pattern (after normalisation, see
    /// docs/language.md).
    TextMatching(RegexLit),
    /// `list of T` (service results): `T` is a record type or a plain type, never a list.
    List(Box<TypeExpr>),
    /// `{ name: type, … }` as a field type (an element of `list of { … }`).
    Record(Vec<Field>),
    /// A type name we do not know (reported by the resolver).
    Unknown(String),
    /// No type written yet: a broken `slot NAME:` line kept by recovery (already reported).
    Missing,
}

/// One value of an `enum`: its name and the label said and shown for it.
#[derive(Debug, Clone, PartialEq)]
pub struct EnumValue {
    pub name: Ident,
    pub label: Option<Str>,
}

impl TypeKind {
    pub fn describe(&self) -> String {
        match self {
            TypeKind::Text => "text".into(),
            TypeKind::Number => "number".into(),
            TypeKind::Integer => "integer".into(),
            TypeKind::Digits {
                min: Some(a),
                max: Some(b),
            } if a == b => format!("digits({a})"),
            TypeKind::Digits {
                min: Some(a),
                max: Some(b),
            } => format!("digits({a}..{b})"),
            TypeKind::Digits { .. } => "digits".into(),
            TypeKind::YesNo => "yes_no".into(),
            TypeKind::Date => "date".into(),
            TypeKind::Time => "time".into(),
            TypeKind::Email => "email".into(),
            TypeKind::Phone => "phone".into(),
            TypeKind::Bool => "bool".into(),
            TypeKind::Enum(values) => {
                let names: Vec<&str> = values.iter().map(|v| v.name.name.as_str()).collect();
                format!("enum {{ {} }}", names.join(" "))
            }
            TypeKind::TextMatching(regex) => format!("text matching /{}/", regex.pattern),
            TypeKind::List(element) => format!("list of {}", element.kind.describe()),
            TypeKind::Record(fields) => {
                let fields: Vec<String> = fields
                    .iter()
                    .map(|f| format!("{}: {}", f.name.name, f.ty.kind.describe()))
                    .collect();
                format!("{{ {} }}", fields.join(", "))
            }
            TypeKind::Unknown(name) => name.clone(),
            TypeKind::Missing => "?".into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HandlerKind {
    NoMatch,
    NoInput,
    Closed,
    Error,
}

impl HandlerKind {
    pub fn as_str(self) -> &'static str {
        match self {
            HandlerKind::NoMatch => "no_match",
            HandlerKind::NoInput => "no_input",
            HandlerKind::Closed => "closed",
            HandlerKind::Error => "error",
        }
    }
}

/// `on no_match retry 2 "Sorry?" then handoff general`
#[derive(Debug, Clone, PartialEq)]
pub struct Handler {
    pub kind: HandlerKind,
    pub kind_span: Span,
    pub retry: Option<Retry>,
    pub action: Block,
    pub span: Span,
    /// The line did not parse (its syntax error is already reported) but it starts this
    /// member, so it stays one: counted with its siblings, with what was read before the
    /// mistake; anything after it (more keys, the action's target) is unknown, never
    /// absent. Its action is one [`StmtKind::Error`].
    pub broken: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Retry {
    pub count: u32,
    pub message: Option<Str>,
    /// `and prompt`: the message is said before the prompt again, not instead of it.
    pub reprompt: Option<Span>,
    pub span: Span,
}

/// How a voice channel collects a reply: `timeout 5s`, `max_digits 11`, `finish_key "#"`
/// (of one input point, or the flow's defaults).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct InputTiming {
    pub timeout: Option<DurationLit>,
    pub max_digits: Option<(u32, Span)>,
    pub finish_key: Option<Str>,
}

impl InputTiming {
    pub fn is_empty(&self) -> bool {
        self.timeout.is_none() && self.max_digits.is_none() && self.finish_key.is_none()
    }
}

/// `when EXPR ACTION` inside `escalate { }`.
#[derive(Debug, Clone, PartialEq)]
pub struct EscalateRule {
    pub condition: Expr,
    pub action: Block,
    /// A `when` line that did not parse (already reported), kept as a rule of its block:
    /// its condition is what was read before the mistake (perhaps cut short, so not type
    /// checked), its action one error statement.
    pub broken: bool,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct State {
    /// `None` when the name was not written (kept by recovery); never an empty name.
    pub name: Option<Ident>,
    pub body: Block,
    pub span: Span,
}

/// A sequence of statements: a state body, an `if` branch, or an ACTION (one statement or a
/// `{ }` block).
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    pub statements: Vec<Stmt>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Stmt {
    pub kind: StmtKind,
    pub span: Span,
}

/// A statement. The common ones (`say`, `goto`, `end`) are inline and everything larger is
/// boxed, so a statement stays small: a 100,000-state flow holds half a million of them
/// (every option's action is a block), and an inline menu with its voice settings made
/// each one 272 bytes (the size is asserted below).
#[derive(Debug, Clone, PartialEq)]
pub enum StmtKind {
    Say(Str),
    Ask(Box<Ask>),
    Menu(Box<Menu>),
    Goto(Ident),
    End,
    Handoff(Box<Handoff>),
    If(Box<If>),
    Set {
        slot: Ident,
        value: Box<Expr>,
    },
    Call(Box<Call>),
    Answer(Box<Answer>),
    /// `play "audio/x.wav" or say "…"`, or `say "…" language "…"`.
    Speak(Box<Speak>),
    /// `transfer "+8610…" [reason "…"]`: the call goes to another number; a terminator.
    Transfer(Box<Transfer>),
    /// A statement that did not parse (already reported).
    Error,
}

/// An output with more than text: a recorded prompt (`audio`) and/or its own language.
#[derive(Debug, Clone, PartialEq)]
pub struct Speak {
    /// The recording (`play "…"`), a project-relative path or a URL.
    pub audio: Option<Str>,
    /// What is said instead of the recording on chat channels, and kept in the transcript.
    pub text: Str,
    pub language: Option<Str>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Transfer {
    /// A phone number (`+861012345678`) or a SIP address (`sip:desk@example.com`).
    pub to: Str,
    pub reason: Option<Str>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Ask {
    pub slot: Ident,
    /// `ask SLOT play "…" or say "prompt"`: a recorded prompt, the text its fallback.
    pub audio: Option<Str>,
    pub prompt: Str,
    pub language: Option<Str>,
    pub timing: InputTiming,
    pub handlers: Vec<Handler>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Menu {
    /// `menu play "…" or say "prompt" { … }`: a recorded prompt, the text its fallback.
    pub audio: Option<Str>,
    pub prompt: Str,
    pub language: Option<Str>,
    pub timing: InputTiming,
    pub options: Vec<MenuOption>,
    /// `options from LIST … into NAME ACTION`: options made from a list at run time.
    pub dynamic: Option<Box<DynamicOptions>>,
    pub handlers: Vec<Handler>,
    /// Menu items that did not parse (already reported).
    pub errors: Vec<Span>,
}

/// `options from result.flights max 5 label "{item.number} {item.time}" into chosen ACTION`:
/// one option per item of the list (at most `max`), keyed 1..N, labelled by the template
/// (where `item` is the item); the picked item is stored in `into` and ACTION runs.
#[derive(Debug, Clone, PartialEq)]
pub struct DynamicOptions {
    pub list: Expr,
    pub max: Option<(u32, Span)>,
    pub label: Str,
    pub into: Ident,
    pub action: Block,
    /// How many static options of the menu come before it (where its items are listed).
    pub position: usize,
    pub span: Span,
}

impl DynamicOptions {
    /// Without `max`, a menu lists at most this many items (keys 1 to 9).
    pub const DEFAULT_MAX: u32 = 9;

    pub fn max_items(&self) -> u32 {
        self.max.map_or(Self::DEFAULT_MAX, |(n, _)| n)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct MenuOption {
    pub label: Str,
    pub keys: Vec<Key>,
    pub intents: Vec<Ident>,
    pub phrases: Vec<Str>,
    pub action: Block,
    pub span: Span,
    /// The line did not parse (its syntax error is already reported) but it starts this
    /// member, so it stays one: counted with its siblings, with what was read before the
    /// mistake; anything after it (more keys, the action's target) is unknown, never
    /// absent. Its action is one [`StmtKind::Error`].
    pub broken: bool,
}

/// A keypad key sequence: `1`, `1234`, `"*"`, `"#"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    pub keys: String,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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

#[derive(Debug, Clone, PartialEq)]
pub struct Handoff {
    pub queue: Ident,
    pub priority: Option<(Priority, Span)>,
    pub reason: Option<Str>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct If {
    /// `if` and every `else if`, in order.
    pub branches: Vec<(Expr, Block)>,
    pub otherwise: Option<Block>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub service: Ident,
    pub operation: Ident,
    pub args: Vec<(Ident, Expr)>,
    pub into: Option<Ident>,
    /// `{ on error ACTION }` for this call alone.
    pub handlers: Vec<Handler>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub knowledge: Ident,
    pub topic: Option<Str>,
    pub otherwise: Option<Block>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
}

impl BinaryOp {
    /// `+ - * /`: arithmetic, not a comparison or a condition.
    pub fn is_arithmetic(self) -> bool {
        matches!(
            self,
            BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            BinaryOp::Or => "or",
            BinaryOp::And => "and",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    String(Str),
    Number(f64),
    Bool(bool),
    None,
    Date(Date),
    Time(Time),
    Duration(u64),
    List(Vec<Expr>),
    /// `{ ok: true, reference: "R-1" }` (test mocks).
    Record(Vec<(Ident, Expr)>),
    /// A slot, an `into` result, an enum value, or a built-in (`text`, `sentiment`, `turns`…).
    Name(Ident),
    /// `result.ok`
    Field(Box<Expr>, Ident),
    /// `intent agent`
    Intent(Ident),
    /// `open(office)`
    Open(Ident),
    /// `( expr )` as written; the span includes the parentheses.
    Paren(Box<Expr>),
    /// One `not`: `not not x` is two nested nodes, each spanning from its keyword.
    Not(Box<Expr>),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    /// `x is set` / `x is not set`
    IsSet {
        value: Box<Expr>,
        negated: bool,
    },
    /// `x in [a, b]` / `x not in [...]`
    In {
        value: Box<Expr>,
        list: Box<Expr>,
        negated: bool,
    },
    /// `text matches /re/`
    Matches(Box<Expr>, RegexLit),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Test {
    pub name: Str,
    pub steps: Vec<TestStep>,
    pub errors: Vec<Span>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TestStep {
    pub kind: TestStepKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expectation {
    Say(Str),
    SayMatches(RegexLit),
    /// `expect handoff QUEUE [priority P] [reason "…"]`: priority and reason are checked
    /// only when written.
    Handoff(Handoff),
    End,
    /// `expect transfer "+86…" [reason "…"]`: the reason is checked only when written.
    Transfer(Transfer),
    State(Ident),
    Slot {
        slot: Ident,
        value: Expr,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum TestStepKind {
    Flow(Ident),
    /// `time 2026-11-23 10:00 ["Asia/Shanghai"]`
    Time {
        date: Date,
        time: Time,
        zone: Option<Zone>,
    },
    /// `mock S.OP returns {…}` / `mock S.OP fails`
    Mock {
        service: Ident,
        operation: Ident,
        returns: Option<Expr>,
    },
    SendText(Str),
    SendKeys(Key),
    SendNoInput,
    Expect(Expectation),
    /// A step that did not parse (already reported): still a step of its test, its
    /// meaning unknown.
    Error,
}

/// The zone of a test's `time`: `"Asia/Shanghai"` or written bare, `Asia/Shanghai`.
#[derive(Debug, Clone, PartialEq)]
pub enum Zone {
    Quoted(Str),
    /// A bare IANA name or `UTC`, as written (never decoded: it holds no escapes).
    Bare(Ident),
}

impl Zone {
    /// The zone's name (interpolations of a quoted zone shown as `{…}`).
    pub fn text(&self) -> String {
        match self {
            Zone::Quoted(s) => s.plain_text(),
            Zone::Bare(name) => name.name.clone(),
        }
    }

    pub fn span(&self) -> Span {
        match self {
            Zone::Quoted(s) => s.span,
            Zone::Bare(name) => name.span,
        }
    }
}

// The nodes a big flow holds by the hundred thousand stay this small (see [`StmtKind`]): a
// field that grows one fails the build here instead of showing up as a memory regression
// of `csflow check` on the 100,000-state tree (bench/README.md).
#[cfg(target_pointer_width = "64")]
const _: () = {
    assert!(std::mem::size_of::<Stmt>() <= 64);
    assert!(std::mem::size_of::<StrPart>() <= 40);
    assert!(std::mem::size_of::<MenuOption>() <= 168);
    assert!(std::mem::size_of::<State>() <= 96);
};
