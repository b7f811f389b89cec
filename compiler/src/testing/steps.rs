//! The step interpreter: runs one `test` block's lines in order against a conversation —
//! `flow`, `time` and `mock` set it up, `send` drives it, `expect` checks it — and says which
//! step did not hold, with what was expected and what came instead.

use super::coverage::Seen;
use super::report::{Failure, Location, TestResult};
use crate::ast::{self, Expectation, ExprKind, TestStepKind};
use crate::source::SourceMap;
use csflow_runtime::bundle::FlowChannel;
use csflow_runtime::vm::Speaker;
use csflow_runtime::{
    Bundle, Channel, Clock, Conversation, Env, Input, Mocks, Start, Status, Value,
};
use std::collections::HashMap;

/// What the tests of one run share: coverage so far, compiled patterns.
#[derive(Default)]
pub(super) struct RunState {
    pub(super) seen: Seen,
    regexes: Regexes,
}

/// `expect say /re/` patterns compiled once per run (a test suite repeats its patterns),
/// by pattern; an invalid one keeps its error.
#[derive(Default)]
struct Regexes(HashMap<String, Result<regex::Regex, String>>);

impl Regexes {
    fn get(&mut self, pattern: &str) -> Result<&regex::Regex, String> {
        if !self.0.contains_key(pattern) {
            let compiled = regex::Regex::new(pattern).map_err(|error| error.to_string());
            self.0.insert(pattern.to_string(), compiled);
        }
        match self.0.get(pattern) {
            Some(Ok(regex)) => Ok(regex),
            Some(Err(error)) => Err(error.clone()),
            None => Err("not compiled".into()),
        }
    }
}

/// A running test's conversation and the outputs no `expect say` consumed yet.
struct Running {
    conversation: Conversation,
    flow_index: usize,
    unconsumed: std::collections::VecDeque<String>,
}

pub(super) fn run_test(
    test: &ast::Test,
    name: String,
    sources: &SourceMap,
    bundle: &Bundle,
    state: &mut RunState,
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
            state,
        );
        if let Err((expected, got)) = outcome {
            result.failure = Some(Box::new(Failure {
                step: Location::of(step.span, sources),
                step_span: step.span,
                step_text: first_line(sources.slice(step.span)),
                expected,
                got,
            }));
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
    state: &mut RunState,
) -> StepResult {
    let starts = !matches!(
        step.kind,
        TestStepKind::Flow(_) | TestStepKind::Time { .. } | TestStepKind::Mock { .. }
    );
    if starts && running.is_none() {
        *running = Some(start(
            bundle,
            flow.as_deref(),
            *clock,
            mocks,
            &mut state.seen,
        )?);
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
        // Tests run only without syntax errors; should one reach here, it fails the test.
        TestStepKind::Error => {
            return Err((
                "a step that did not parse".into(),
                "fix the syntax error on this line".into(),
            ));
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
            state.seen.record(running.flow_index, &turn);
            running.unconsumed.extend(turn.says().map(str::to_string));
            // A conversation that failed (step budget, a runtime error) fails the test here,
            // whatever the next steps would have looked at.
            if turn.status == Status::Failed {
                return Err((
                    "the conversation to go on".into(),
                    failed_text(&running.conversation, bundle, turn.error.as_deref()),
                ));
            }
        }
        TestStepKind::Expect(expectation) => {
            let Some(running) = running.as_mut() else {
                return Ok(());
            };
            expect(expectation, running, bundle, &mut state.regexes)?;
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
    if turn.status == Status::Failed {
        return Err((
            format!("flow {flow} to start"),
            failed_text(&conversation, bundle, turn.error.as_deref()),
        ));
    }
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

fn expect(
    expectation: &Expectation,
    running: &mut Running,
    bundle: &Bundle,
    regexes: &mut Regexes,
) -> StepResult {
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
            let compiled = regexes
                .get(&regex.pattern)
                .map_err(|error| (wanted.clone(), format!("an invalid regex: {error}")))?;
            match running.unconsumed.pop_front() {
                Some(said) if compiled.is_match(&said) => Ok(()),
                Some(said) => Err((wanted, format!("say {}", quote(&said)))),
                None => Err((wanted, nothing_said(conversation, bundle))),
            }
        }
        Expectation::Handoff(expected) => {
            let mut wanted = format!("handoff {}", expected.queue.name);
            let priority = expected.priority.map(|(p, _)| p.as_str());
            let reason = expected.reason.as_ref().map(|r| r.plain_text());
            if let Some(priority) = priority {
                wanted.push_str(&format!(" priority {priority}"));
            }
            if let Some(reason) = &reason {
                wanted.push_str(&format!(" reason {}", quote(reason)));
            }
            let holds = conversation.status() == Status::HandedOff
                && conversation.handoff().is_some_and(|h| {
                    h.queue == expected.queue.name
                        && priority.is_none_or(|p| h.priority.as_str() == p)
                        && reason
                            .as_ref()
                            .is_none_or(|r| h.reason.as_deref() == Some(r.as_str()))
                });
            if holds {
                Ok(())
            } else {
                Err((wanted, status_text(conversation, bundle)))
            }
        }
        Expectation::Transfer(expected) => {
            let to = expected.to.plain_text();
            let reason = expected.reason.as_ref().map(|r| r.plain_text());
            let mut wanted = format!("transfer {}", quote(&to));
            if let Some(reason) = &reason {
                wanted.push_str(&format!(" reason {}", quote(reason)));
            }
            let holds = conversation.status() == Status::Transferred
                && conversation.transfer().is_some_and(|t| {
                    t.to == to
                        && reason
                            .as_ref()
                            .is_none_or(|r| t.reason.as_deref() == Some(r.as_str()))
                });
            if holds {
                Ok(())
            } else {
                Err((wanted, status_text(conversation, bundle)))
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
            let mut expected = literal(value);
            let got = conversation.slot(bundle, &slot.name);
            // A yes/no slot compares with the words `yes` and `no`, as a flow's conditions do.
            if let (Some(Value::Bool(_)), ExprKind::Name(word)) = (got, &value.kind) {
                match word.name.as_str() {
                    "yes" => expected = Value::Bool(true),
                    "no" => expected = Value::Bool(false),
                    _ => {}
                }
            }
            let wanted = format!("slot {} == {}", slot.name, value_text(&expected));
            match got {
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

/// A failed conversation, in words: where, and why.
fn failed_text(conversation: &Conversation, bundle: &Bundle, error: Option<&str>) -> String {
    format!(
        "the conversation failed in state {}: {}",
        conversation.state_name(bundle),
        error.unwrap_or("a runtime error")
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
                "handoff {} (priority {}{}) from state {state}",
                handoff.queue,
                handoff.priority,
                handoff
                    .reason
                    .as_ref()
                    .map(|r| format!(", reason {}", quote(r)))
                    .unwrap_or_default()
            ),
            None => format!("the conversation was handed off from state {state}"),
        },
        Status::Transferred => match conversation.transfer() {
            Some(transfer) => format!(
                "transfer {}{} from state {state}",
                quote(&transfer.to),
                transfer
                    .reason
                    .as_ref()
                    .map(|r| format!(" reason {}", quote(r)))
                    .unwrap_or_default()
            ),
            None => format!("the conversation was transferred from state {state}"),
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
    zone: Option<&ast::Zone>,
) -> Result<Clock, (String, String)> {
    let wanted = || {
        let zone = zone.map(|z| format!(" {}", quote(&z.text())));
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
    let zone = zone.map(|z| z.text());
    clock_in(naive, zone.as_deref()).map_err(|error| (wanted(), error))
}

/// The one meaning of a test's `time` and of `csflow run --time`: without a zone, this
/// wall-clock time in every hours block's own zone; with an IANA zone, that instant. A time
/// that falls twice (clocks going back) is its first occurrence.
pub fn clock_in(naive: chrono::NaiveDateTime, zone: Option<&str>) -> Result<Clock, String> {
    let Some(name) = zone else {
        return Ok(Clock::WallClock(naive));
    };
    let tz: chrono_tz::Tz = name
        .parse()
        .map_err(|_| format!("no IANA time zone named {}", quote(name)))?;
    use chrono::TimeZone;
    let local = tz
        .from_local_datetime(&naive)
        .earliest()
        .ok_or_else(|| format!("a time that does not exist in {name}"))?;
    Ok(Clock::Instant(local.with_timezone(&chrono::Utc)))
}

/// `csflow run --time`: `YYYY-MM-DD HH:MM` with an optional zone after it, quoted or not
/// (`2026-11-23 10:00`, `2026-11-23 10:00 Europe/Berlin`, `2026-11-23 10:00 "Asia/Shanghai"`),
/// read as a test's `time` line is.
pub fn parse_clock(text: &str) -> Result<Clock, String> {
    let mut parts = text.split_whitespace();
    let (Some(date), Some(time)) = (parts.next(), parts.next()) else {
        return Err(format!(
            "`{text}` is not a time like '2026-11-23 10:00' or '2026-11-23 10:00 Europe/Berlin'"
        ));
    };
    let zone: Vec<&str> = parts.collect();
    let naive = chrono::NaiveDateTime::parse_from_str(&format!("{date} {time}"), "%Y-%m-%d %H:%M")
        .map_err(|_| {
            format!("`{date} {time}` is not a valid date and time like '2026-11-23 10:00'")
        })?;
    let zone = match zone.as_slice() {
        [] => None,
        [zone] => Some(zone.trim_matches('"')),
        _ => {
            return Err(format!(
                "`{text}`: one zone after the time, e.g. Europe/Berlin"
            ));
        }
    };
    clock_in(naive, zone)
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

#[cfg(test)]
mod regex_tests {
    use super::*;

    #[test]
    fn a_pattern_is_compiled_once_per_run() {
        let mut regexes = Regexes::default();
        let first: *const regex::Regex = regexes.get("^Your balance is \\d+").unwrap();
        let again: *const regex::Regex = regexes.get("^Your balance is \\d+").unwrap();
        assert!(std::ptr::eq(first, again));
        assert!(regexes.get("(").is_err());
        assert!(regexes.get("(").unwrap_err().contains("unclosed"));
        assert_eq!(regexes.0.len(), 2);
    }
}
