//! Conversation tests: runs a project's `test` blocks against its compiled bundle and
//! returns the results as data (pass/fail, the failing step, expected vs got, the
//! transcript) plus per-flow coverage. `csflow test` renders them; this module never prints.
//!
//! Semantics (LANGUAGE.md "Tests", and the choices docs/testing.md records):
//! - `flow`, `time` and `mock` lines set the conversation up; it starts at the first `send`
//!   or `expect`. A later `time` or `mock` applies from there on.
//! - The conversation runs on the flow's declared channel; `channel any` runs as voice.
//! - `time DATE TIME` without a zone is a wall-clock time read in each `hours` block's own
//!   zone ([`Clock::WallClock`]); with an IANA zone it is one instant ([`Clock::Instant`]).
//!   A test without `time` runs at [`Clock::test_default`] (Monday 2026-01-05 10:00,
//!   wall-clock), never the machine's clock.
//! - `mock S.OP returns {…}` makes every later call of S.OP return that record; `mock S.OP
//!   fails` makes it fail. A call with no mock fails as an unavailable service would, so the
//!   flow's `on error` runs.
//! - Each `expect say` consumes the next output not yet consumed; a `send` first drops the
//!   outputs of earlier turns that no `expect` consumed.
//! - `expect handoff`, `end`, `state` and `slot` look at the conversation as it is after the
//!   last turn; they consume nothing.
//! - Coverage: a state is visited when a conversation enters it (the start state, or by
//!   `goto`); a menu option is taken when an input picks it (by key, label, phrase or
//!   intent). Totals count every state and every menu option of the flow.

use crate::ast::{self, Expectation, ExprKind, Item, TestStepKind};
use crate::source::{FileId, SourceMap, Span};
use csflow_runtime::bundle::{FlowChannel, PointKind};
use csflow_runtime::vm::{Speaker, TraceEvent, TranscriptEntry};
use csflow_runtime::{
    Bundle, Channel, Clock, Conversation, Env, Input, Start, Status, Turn, Value,
};
use std::collections::{BTreeMap, BTreeSet};

/// Which tests to run.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Run only the tests whose name contains this text.
    pub filter: Option<String>,
}

/// The outcome of a test run.
#[derive(Debug, Clone)]
pub struct Report {
    /// The tests that ran, in file load order, then source order.
    pub tests: Vec<TestResult>,
    /// Tests skipped by [`Options::filter`].
    pub filtered_out: usize,
    /// Every flow of the bundle, sorted by name.
    pub coverage: Vec<FlowCoverage>,
}

impl Report {
    pub fn passed(&self) -> usize {
        self.tests.iter().filter(|t| t.failure.is_none()).count()
    }

    pub fn failed(&self) -> usize {
        self.tests.len() - self.passed()
    }
}

/// A place in the sources, as users see it: the path as given, 1-based line and column
/// (columns count Unicode scalar values).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: String,
    pub line: u32,
    pub column: u32,
}

impl Location {
    pub fn of(span: Span, sources: &SourceMap) -> Location {
        let file = sources.get(span.file);
        let position = file.line_col(span.start as usize);
        Location {
            file: file.path.clone(),
            line: position.line,
            column: position.column,
        }
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

#[derive(Debug, Clone)]
pub struct TestResult {
    pub name: String,
    /// Where the `test` block starts.
    pub location: Location,
    /// The flow named by the test's `flow` line.
    pub flow: Option<String>,
    /// `None` when the test passed.
    pub failure: Option<Failure>,
    /// The conversation so far (all of it for a passing test), sensitive values masked.
    pub transcript: Vec<TranscriptEntry>,
}

impl TestResult {
    pub fn passed(&self) -> bool {
        self.failure.is_none()
    }
}

/// The first step of a test that did not hold.
#[derive(Debug, Clone)]
pub struct Failure {
    pub step: Location,
    pub step_span: Span,
    /// The step as written (its first line).
    pub step_text: String,
    /// What the step expected, e.g. `say "Goodbye."` or `handoff care`.
    pub expected: String,
    /// What came instead, e.g. `say "Sorry?"` or `the conversation is waiting in state menu`.
    pub got: String,
}

/// States visited and menu options taken in one flow by the tests that ran.
#[derive(Debug, Clone)]
pub struct FlowCoverage {
    pub flow: String,
    pub states: Vec<StateCoverage>,
    pub options: Vec<OptionCoverage>,
}

#[derive(Debug, Clone)]
pub struct StateCoverage {
    pub name: String,
    pub location: Option<Location>,
    pub visited: bool,
}

#[derive(Debug, Clone)]
pub struct OptionCoverage {
    /// The state whose menu holds the option.
    pub state: String,
    pub label: String,
    /// The option's first key, if any.
    pub key: Option<String>,
    /// Where the option's action is.
    pub location: Option<Location>,
    pub taken: bool,
}

impl FlowCoverage {
    pub fn states_visited(&self) -> usize {
        self.states.iter().filter(|s| s.visited).count()
    }

    pub fn options_taken(&self) -> usize {
        self.options.iter().filter(|o| o.taken).count()
    }

    /// Percentage of states visited; 100 for a flow without states.
    pub fn state_percent(&self) -> f64 {
        percent(self.states_visited(), self.states.len())
    }

    /// Percentage of menu options taken; 100 for a flow without menus.
    pub fn option_percent(&self) -> f64 {
        percent(self.options_taken(), self.options.len())
    }
}

fn percent(part: usize, total: usize) -> f64 {
    if total == 0 {
        100.0
    } else {
        part as f64 * 100.0 / total as f64
    }
}

/// Runs every `test` block of `files` (a checked project) against `bundle` (compiled from the
/// same files).
pub fn run(
    files: &[(FileId, ast::File)],
    sources: &SourceMap,
    bundle: &Bundle,
    options: &Options,
) -> Report {
    let mut tests = Vec::new();
    let mut filtered_out = 0;
    let mut seen = Seen::default();
    for (_, file) in files {
        for item in &file.items {
            let Item::Test(test) = item else { continue };
            let name = test.name.plain_text();
            if let Some(filter) = &options.filter
                && !name.contains(filter.as_str())
            {
                filtered_out += 1;
                continue;
            }
            tests.push(run_test(test, name, sources, bundle, &mut seen));
        }
    }
    Report {
        tests,
        filtered_out,
        coverage: coverage(files, sources, bundle, &seen),
    }
}

/// States entered and options picked, by flow index.
#[derive(Default)]
struct Seen {
    states: BTreeSet<(usize, u32)>,
    options: BTreeSet<(usize, u32, u32)>,
}

impl Seen {
    fn record(&mut self, flow: usize, turn: &Turn) {
        for event in &turn.trace {
            match *event {
                TraceEvent::State(state) => {
                    self.states.insert((flow, state));
                }
                TraceEvent::Option { point, option } => {
                    self.options.insert((flow, point, option));
                }
            }
        }
    }
}

/// Service calls as mocked: the runtime's, shared with `csflow run` and the server.
pub use csflow_runtime::Mocks;

/// A running test's conversation and the outputs no `expect say` consumed yet.
struct Running {
    conversation: Conversation,
    flow_index: usize,
    unconsumed: std::collections::VecDeque<String>,
}

fn run_test(
    test: &ast::Test,
    name: String,
    sources: &SourceMap,
    bundle: &Bundle,
    seen: &mut Seen,
) -> TestResult {
    let mut result = TestResult {
        name,
        location: Location::of(test.span, sources),
        flow: None,
        failure: None,
        transcript: Vec::new(),
    };
    let mut clock = Clock::test_default();
    let mut mocks = Mocks::default();
    let mut running: Option<Running> = None;
    for step in &test.steps {
        let outcome = run_step(
            step,
            bundle,
            &mut result.flow,
            &mut clock,
            &mut mocks,
            &mut running,
            seen,
        );
        if let Err((expected, got)) = outcome {
            result.failure = Some(Failure {
                step: Location::of(step.span, sources),
                step_span: step.span,
                step_text: first_line(sources.slice(step.span)),
                expected,
                got,
            });
            break;
        }
    }
    if let Some(running) = &running {
        result.transcript = running.conversation.transcript().to_vec();
    }
    result
}

/// `Err((expected, got))` when the step does not hold.
type StepResult = Result<(), (String, String)>;

fn run_step(
    step: &ast::TestStep,
    bundle: &Bundle,
    flow: &mut Option<String>,
    clock: &mut Clock,
    mocks: &mut Mocks,
    running: &mut Option<Running>,
    seen: &mut Seen,
) -> StepResult {
    let starts = !matches!(
        step.kind,
        TestStepKind::Flow(_) | TestStepKind::Time { .. } | TestStepKind::Mock { .. }
    );
    if starts && running.is_none() {
        *running = Some(start(bundle, flow.as_deref(), *clock, mocks, seen)?);
    }
    match &step.kind {
        TestStepKind::Flow(name) => {
            if running.is_some() {
                return Err((
                    "`flow` before the first `send` or `expect`".into(),
                    "the conversation has already started".into(),
                ));
            }
            *flow = Some(name.name.clone());
        }
        TestStepKind::Time { date, time, zone } => {
            *clock = clock_at(*date, *time, zone.as_ref())?;
        }
        TestStepKind::Mock {
            service,
            operation,
            returns,
        } => {
            mocks.insert(
                &service.name,
                &operation.name,
                returns.as_ref().map(literal),
            );
        }
        TestStepKind::SendText(_) | TestStepKind::SendKeys(_) | TestStepKind::SendNoInput => {
            let input = match &step.kind {
                TestStepKind::SendText(text) => Input::Text(text.plain_text()),
                TestStepKind::SendKeys(key) => Input::Keys(key.keys.clone()),
                _ => Input::NoInput,
            };
            let Some(running) = running.as_mut() else {
                return Ok(());
            };
            running.unconsumed.clear();
            let mut env = Env {
                clock: *clock,
                services: mocks,
            };
            let turn = running
                .conversation
                .input(bundle, input, &mut env)
                .map_err(|_| {
                    (
                        "the conversation to wait for input".to_string(),
                        status_text(&running.conversation, bundle),
                    )
                })?;
            seen.record(running.flow_index, &turn);
            running.unconsumed.extend(turn.says().map(str::to_string));
        }
        TestStepKind::Expect(expectation) => {
            let Some(running) = running.as_mut() else {
                return Ok(());
            };
            expect(expectation, running, bundle)?;
        }
    }
    Ok(())
}

fn start(
    bundle: &Bundle,
    flow: Option<&str>,
    clock: Clock,
    mocks: &mut Mocks,
    seen: &mut Seen,
) -> Result<Running, (String, String)> {
    let Some(flow) = flow else {
        return Err((
            "a `flow` line before the first `send` or `expect`".into(),
            "no flow to start".into(),
        ));
    };
    let Some((flow_index, declared)) = bundle.flow_by_name(flow) else {
        return Err((
            format!("flow {flow}"),
            "no flow of that name in the project".into(),
        ));
    };
    let mut env = Env {
        clock,
        services: mocks,
    };
    let channel = channel_of(declared.channel);
    // Tests show the conversation so far: keep the transcript from the first word.
    let start = Start::new(flow, channel).with_transcript();
    let (conversation, turn) = Conversation::start_with(bundle, start, &mut env)
        .map_err(|error| (format!("flow {flow} to start"), error.to_string()))?;
    seen.record(flow_index, &turn);
    Ok(Running {
        conversation,
        flow_index,
        unconsumed: turn.says().map(str::to_string).collect(),
    })
}

/// The channel a test talks on: the flow's own; `any` runs as voice (the stricter one:
/// keypad input and yes/no by keys 1/2 work there).
pub fn channel_of(declared: FlowChannel) -> Channel {
    match declared {
        FlowChannel::Chat => Channel::Chat,
        FlowChannel::Voice | FlowChannel::Any => Channel::Voice,
    }
}

fn expect(expectation: &Expectation, running: &mut Running, bundle: &Bundle) -> StepResult {
    let conversation = &running.conversation;
    match expectation {
        Expectation::Say(text) => {
            let expected = text.plain_text();
            let wanted = format!("say {}", quote(&expected));
            match running.unconsumed.pop_front() {
                Some(said) if said == expected => Ok(()),
                Some(said) => Err((wanted, format!("say {}", quote(&said)))),
                None => Err((wanted, nothing_said(conversation, bundle))),
            }
        }
        Expectation::SayMatches(regex) => {
            let wanted = format!("say /{}/", regex.pattern);
            let compiled = regex::Regex::new(&regex.pattern)
                .map_err(|error| (wanted.clone(), format!("an invalid regex: {error}")))?;
            match running.unconsumed.pop_front() {
                Some(said) if compiled.is_match(&said) => Ok(()),
                Some(said) => Err((wanted, format!("say {}", quote(&said)))),
                None => Err((wanted, nothing_said(conversation, bundle))),
            }
        }
        Expectation::Handoff(queue) => {
            let handed_to = conversation.handoff().map(|h| h.queue.as_str());
            if conversation.status() == Status::HandedOff && handed_to == Some(&queue.name) {
                Ok(())
            } else {
                Err((
                    format!("handoff {}", queue.name),
                    status_text(conversation, bundle),
                ))
            }
        }
        Expectation::End => {
            if conversation.status() == Status::Ended {
                Ok(())
            } else {
                Err(("end".into(), status_text(conversation, bundle)))
            }
        }
        Expectation::State(state) => {
            let current = conversation.state_name(bundle);
            if current == state.name {
                Ok(())
            } else {
                Err((format!("state {}", state.name), format!("state {current}")))
            }
        }
        Expectation::Slot { slot, value } => {
            let expected = literal(value);
            let wanted = format!("slot {} == {}", slot.name, value_text(&expected));
            match conversation.slot(bundle, &slot.name) {
                None => Err((wanted, format!("no slot named {}", slot.name))),
                Some(got) if got.equals(&expected) => Ok(()),
                Some(got) => Err((wanted, format!("slot {} == {}", slot.name, value_text(got)))),
            }
        }
    }
}

fn nothing_said(conversation: &Conversation, bundle: &Bundle) -> String {
    format!(
        "nothing more was said; {}",
        status_text(conversation, bundle)
    )
}

/// Where the conversation is, in words: for "got" when it is not where a step expected.
fn status_text(conversation: &Conversation, bundle: &Bundle) -> String {
    let state = conversation.state_name(bundle);
    match conversation.status() {
        Status::Waiting => format!("the conversation is waiting in state {state}"),
        Status::Calling => format!("the conversation is calling a service in state {state}"),
        Status::Ended => format!("the conversation ended in state {state}"),
        Status::HandedOff => match conversation.handoff() {
            Some(handoff) => format!(
                "handoff {} (priority {}) from state {state}",
                handoff.queue, handoff.priority
            ),
            None => format!("the conversation was handed off from state {state}"),
        },
        Status::Failed => {
            let reason = conversation
                .transcript()
                .iter()
                .rev()
                .find(|entry| entry.who == Speaker::Event)
                .map(|entry| entry.text.as_str())
                .unwrap_or("failed");
            format!("the conversation stopped in state {state}: {reason}")
        }
    }
}

fn clock_at(
    date: ast::Date,
    time: ast::Time,
    zone: Option<&ast::Str>,
) -> Result<Clock, (String, String)> {
    let wanted = || {
        let zone = zone.map(|z| format!(" {}", quote(&z.plain_text())));
        format!(
            "time {:04}-{:02}-{:02} {:02}:{:02}{}",
            date.year,
            date.month,
            date.day,
            time.hour,
            time.minute,
            zone.unwrap_or_default()
        )
    };
    let naive = chrono::NaiveDate::from_ymd_opt(date.year, date.month, date.day)
        .and_then(|day| day.and_hms_opt(time.hour, time.minute, 0))
        .ok_or_else(|| (wanted(), "not a valid date and time".to_string()))?;
    let Some(zone) = zone else {
        return Ok(Clock::WallClock(naive));
    };
    let name = zone.plain_text();
    let tz: chrono_tz::Tz = name.parse().map_err(|_| {
        (
            wanted(),
            format!("no IANA time zone named {}", quote(&name)),
        )
    })?;
    use chrono::TimeZone;
    // A time that falls twice (clocks going back) is its first occurrence.
    let local = tz
        .from_local_datetime(&naive)
        .earliest()
        .ok_or_else(|| (wanted(), format!("a time that does not exist in {name}")))?;
    Ok(Clock::Instant(local.with_timezone(&chrono::Utc)))
}

/// A literal of a `mock … returns` record or an `expect slot` value. Enum values and other
/// bare names are their text.
fn literal(expr: &ast::Expr) -> Value {
    match &expr.kind {
        ExprKind::String(text) => Value::Text(text.plain_text()),
        ExprKind::Number(number) => Value::Number(*number),
        ExprKind::Bool(value) => Value::Bool(*value),
        ExprKind::None => Value::None,
        ExprKind::Date(date) => Value::Date(csflow_runtime::bundle::Date {
            year: date.year,
            month: date.month as u8,
            day: date.day as u8,
        }),
        ExprKind::Time(time) => Value::Time(csflow_runtime::bundle::Time {
            hour: time.hour as u8,
            minute: time.minute as u8,
        }),
        ExprKind::Duration(millis) => Value::Number(*millis as f64),
        ExprKind::Name(ident) => Value::Text(ident.name.clone()),
        ExprKind::List(items) => Value::List(items.iter().map(literal).collect()),
        ExprKind::Record(fields) => Value::Record(
            fields
                .iter()
                .map(|(name, value)| (name.name.clone(), literal(value)))
                .collect(),
        ),
        _ => Value::None,
    }
}

/// A value as a test would write it: text quoted, `none`, `true`.
fn value_text(value: &Value) -> String {
    match value {
        Value::None => "none".into(),
        Value::Text(text) => quote(text),
        Value::List(items) => {
            let items: Vec<String> = items.iter().map(value_text).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Record(fields) => {
            let fields: Vec<String> = fields
                .iter()
                .map(|(name, value)| format!("{name}: {}", value_text(value)))
                .collect();
            format!("{{ {} }}", fields.join(", "))
        }
        other => other.display(),
    }
}

/// A string as a `.csflow` literal: `"…"` with `\"`, `\\` and `\n` escaped.
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or("").trim_end().to_string()
}

/// Every flow's states and menu options, marked with what `seen` recorded.
fn coverage(
    files: &[(FileId, ast::File)],
    sources: &SourceMap,
    bundle: &Bundle,
    seen: &Seen,
) -> Vec<FlowCoverage> {
    let mut state_spans: BTreeMap<(&str, &str), Span> = BTreeMap::new();
    for (_, file) in files {
        for item in &file.items {
            if let Item::Flow(flow) = item {
                for state in &flow.states {
                    state_spans
                        .entry((flow.name.name.as_str(), state.name.name.as_str()))
                        .or_insert(state.name.span);
                }
            }
        }
    }
    let location_of = |flow: &csflow_runtime::bundle::Flow, pc: u32| {
        let loc = flow.locs.get(pc as usize)?;
        let file = bundle.files.get(loc.file as usize)?;
        Some(Location {
            file: bundle.str(*file).to_string(),
            line: loc.line,
            column: loc.col,
        })
    };
    let mut flows: Vec<FlowCoverage> = bundle
        .flows
        .iter()
        .enumerate()
        .map(|(flow_index, flow)| {
            let flow_name = bundle.str(flow.name);
            let states = flow
                .states
                .iter()
                .enumerate()
                .map(|(index, state)| {
                    let name = bundle.str(state.name);
                    StateCoverage {
                        name: name.to_string(),
                        location: state_spans
                            .get(&(flow_name, name))
                            .map(|span| Location::of(*span, sources)),
                        visited: seen.states.contains(&(flow_index, index as u32)),
                    }
                })
                .collect();
            let mut options = Vec::new();
            for (point_index, point) in flow.points.iter().enumerate() {
                let PointKind::Menu { options: menu } = &point.kind else {
                    continue;
                };
                // States are laid out in source order, so a menu belongs to the last state
                // that starts before its prompt.
                let state = flow
                    .states
                    .iter()
                    .filter(|s| s.entry <= point.prompt)
                    .max_by_key(|s| s.entry)
                    .map(|s| bundle.str(s.name).to_string())
                    .unwrap_or_default();
                for (option_index, option) in menu.iter().enumerate() {
                    options.push(OptionCoverage {
                        state: state.clone(),
                        label: bundle.str(option.label).to_string(),
                        key: option.keys.first().map(|k| bundle.str(*k).to_string()),
                        location: location_of(flow, option.action),
                        taken: seen.options.contains(&(
                            flow_index,
                            point_index as u32,
                            option_index as u32,
                        )),
                    });
                }
            }
            FlowCoverage {
                flow: flow_name.to_string(),
                states,
                options,
            }
        })
        .collect();
    flows.sort_by(|a, b| a.flow.cmp(&b.flow));
    flows
}

/// A transcript line's speaker as shown in reports: `bot`, `user` or `event`.
pub fn speaker_name(who: Speaker) -> &'static str {
    match who {
        Speaker::Bot => "bot",
        Speaker::User => "user",
        Speaker::Event => "event",
    }
}

#[cfg(test)]
mod tests;
