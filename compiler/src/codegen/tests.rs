//! Codegen tests: parse real source, generate, load through the verifier, run the VM.

use super::*;
use crate::source::SourceMap;
use crate::syntax::parse_file;
use csflow_runtime::vm::Status;
use csflow_runtime::{
    Channel, Clock, Conversation, Env, Input, NoServices, ServiceError, Services, Value,
};

const BANK: &str = r#"
hours office {
  timezone "Asia/Shanghai"
  mon-fri 09:00-18:00
  sat     10:00-14:00
  closed  2026-10-01..2026-10-07
}

queue general  { hours office }
queue cards    { hours office  skills ["cards"] }
queue care     { }

intent agent {
  "agent"  "representative"  "talk to a person"  "转人工"  "人工客服"
}
intent lost_card {
  "I lost my card"  "my card was stolen"  "block my card"  "卡丢了"  "挂失"
}

service cards {
  operation block(last4: digits) returns { ok: bool, reference: text }
  timeout 3s
}

knowledge faq {
  entry opening_hours {
    question "What are your opening hours?"
    question "When are you open?"
    question "你们几点上班"
    answer   "We are open Monday to Friday, 9:00 to 18:00."
    tags     ["hours"]
    owner    "support-team"
    review_by 2027-03-01
  }
}

flow phone_banking {
  channel voice
  start welcome

  slot card_last4: digits(4) sensitive
  slot more: yes_no

  on no_match retry 2 then handoff general
  on no_input retry 2 then goto goodbye
  on closed goto after_hours
  on error  goto technical_problem

  escalate {
    when intent agent           handoff general
    when sentiment < -0.6       handoff care priority high reason "upset customer"
    when no_match_count >= 3    handoff general
    when text matches /投诉|complain/ handoff care
  }

  state welcome {
    say "Welcome to Acme Bank."
    goto main_menu
  }

  state main_menu {
    menu "For card services press 1. For opening hours press 2. For an agent press 0." {
      option "Card services" key 1 intent lost_card   goto card_services
      option "Opening hours" key 2                    goto hours_info
      option "Agent"         key 0 intent agent       handoff general
      on no_match retry 2 "Sorry, please press 1, 2 or 0." then handoff general
    }
  }

  state card_services {
    ask card_last4 "Please key in the last four digits of your card." {
      on no_match retry 2 "That should be four digits." then handoff cards
    }
    call cards.block(last4: card_last4) into result
    if result.ok {
      say "Your card is blocked. Your reference is {result.reference}."
    } else {
      handoff cards reason "block failed"
    }
    goto anything_else
  }

  state hours_info {
    answer from faq "opening hours" else handoff general
    goto anything_else
  }

  state anything_else {
    ask more "Is there anything else I can help you with?"
    if more {
      set card_last4 = none
      set more = none
      goto main_menu
    }
    goto goodbye
  }

  state after_hours {
    say "Our agents are available Monday to Friday, 9:00 to 18:00."
    goto goodbye
  }

  state technical_problem {
    say "Sorry, something went wrong on our side."
    handoff general reason "service error"
  }

  state goodbye {
    say "Thank you for calling. Goodbye."
    end
  }
}
"#;

fn build(files: &[(&str, &str)]) -> Bundle {
    let mut sources = SourceMap::new();
    let mut asts = Vec::new();
    for (path, text) in files {
        let id = sources.add(*path, *text);
        let parsed = parse_file(id, text);
        assert!(
            parsed.diagnostics.is_empty(),
            "{path}: {:?}",
            parsed.diagnostics
        );
        asts.push(parsed.file);
    }
    let bundle = generate(&asts, &sources).unwrap();
    // Everything codegen writes must pass the runtime's verifier.
    Bundle::from_bytes(&bundle.to_bytes()).unwrap()
}

struct Mock(std::result::Result<Value, ServiceError>);

impl Services for Mock {
    fn call(
        &mut self,
        _: &str,
        _: &str,
        _: &[(String, Value)],
    ) -> std::result::Result<Value, ServiceError> {
        self.0.clone()
    }
}

fn monday_10() -> Clock {
    Clock::WallClock(
        chrono::NaiveDate::from_ymd_opt(2026, 11, 23)
            .unwrap()
            .and_hms_opt(10, 0, 0)
            .unwrap(),
    )
}

#[test]
fn lost_card_is_blocked() {
    let bundle = build(&[("bank.csflow", BANK)]);
    let mut mock = Mock(Ok(Value::Record(vec![
        ("ok".into(), Value::Bool(true)),
        ("reference".into(), Value::Text("R-1".into())),
    ])));
    let mut env = Env {
        clock: monday_10(),
        services: &mut mock,
    };
    let (mut conv, turn) =
        Conversation::start(&bundle, "phone_banking", Channel::Voice, &mut env).unwrap();
    let says: Vec<&str> = turn.says().collect();
    assert_eq!(says[0], "Welcome to Acme Bank.");
    assert!(says[1].contains("press 1"));
    let turn = conv
        .input(&bundle, Input::Keys("1".into()), &mut env)
        .unwrap();
    assert!(turn.says().any(|s| s.contains("last four digits")));
    let turn = conv
        .input(&bundle, Input::Keys("1234".into()), &mut env)
        .unwrap();
    let says: Vec<&str> = turn.says().collect();
    assert_eq!(
        says,
        [
            "Your card is blocked. Your reference is R-1.",
            "Is there anything else I can help you with?"
        ]
    );
    let turn = conv
        .input(&bundle, Input::Text("no".into()), &mut env)
        .unwrap();
    assert_eq!(
        turn.says().collect::<Vec<_>>(),
        ["Thank you for calling. Goodbye."]
    );
    assert_eq!(turn.status, Status::Ended);
}

#[test]
fn angry_caller_reaches_a_human() {
    let bundle = build(&[("bank.csflow", BANK)]);
    let mut env = Env {
        clock: monday_10(),
        services: &mut NoServices,
    };
    let (mut conv, _) =
        Conversation::start(&bundle, "phone_banking", Channel::Voice, &mut env).unwrap();
    let turn = conv
        .input(
            &bundle,
            Input::Text("this is useless, I am furious".into()),
            &mut env,
        )
        .unwrap();
    assert_eq!(turn.handoff.unwrap().queue, "care");
}

#[test]
fn failed_call_and_faq_and_more() {
    let bundle = build(&[("bank.csflow", BANK)]);
    let mut env = Env {
        clock: monday_10(),
        services: &mut NoServices,
    };
    let (mut conv, _) =
        Conversation::start(&bundle, "phone_banking", Channel::Voice, &mut env).unwrap();
    conv.input(&bundle, Input::Text("我的卡丢了".into()), &mut env)
        .unwrap();
    let turn = conv
        .input(&bundle, Input::Text("12 34".into()), &mut env)
        .unwrap();
    assert_eq!(
        turn.says().next(),
        Some("Sorry, something went wrong on our side.")
    );
    assert_eq!(
        turn.handoff.unwrap().reason.as_deref(),
        Some("service error")
    );

    let (mut conv, _) =
        Conversation::start(&bundle, "phone_banking", Channel::Voice, &mut env).unwrap();
    let turn = conv
        .input(&bundle, Input::Keys("2".into()), &mut env)
        .unwrap();
    assert_eq!(
        turn.says().next(),
        Some("We are open Monday to Friday, 9:00 to 18:00.")
    );
    let turn = conv
        .input(&bundle, Input::Text("是的".into()), &mut env)
        .unwrap();
    assert_eq!(turn.state, "main_menu");
}

#[test]
fn sunday_agent_request_goes_to_after_hours() {
    let bundle = build(&[("bank.csflow", BANK)]);
    let sunday = Clock::WallClock(
        chrono::NaiveDate::from_ymd_opt(2026, 11, 22)
            .unwrap()
            .and_hms_opt(10, 0, 0)
            .unwrap(),
    );
    let mut env = Env {
        clock: sunday,
        services: &mut NoServices,
    };
    let (mut conv, _) =
        Conversation::start(&bundle, "phone_banking", Channel::Voice, &mut env).unwrap();
    let turn = conv
        .input(&bundle, Input::Text("转人工".into()), &mut env)
        .unwrap();
    assert!(
        turn.says()
            .any(|s| s.contains("available Monday to Friday"))
    );
    assert_eq!(turn.status, Status::Ended);
}

#[test]
fn same_sources_give_identical_bytes_in_any_file_order() {
    let split = BANK.find("flow phone_banking").unwrap();
    let (decls, flow) = BANK.split_at(split);
    let a = build(&[("a/decls.csflow", decls), ("b/flow.csflow", flow)]).to_bytes();
    let b = build(&[("b/flow.csflow", flow), ("a/decls.csflow", decls)]).to_bytes();
    assert_eq!(a, b);
    assert_eq!(
        a,
        build(&[("a/decls.csflow", decls), ("b/flow.csflow", flow)]).to_bytes()
    );
}

#[test]
fn disassembly_has_source_locations() {
    let bundle = build(&[("flows/bank.csflow", BANK)]);
    let text = csflow_runtime::disassemble(&bundle);
    let welcome_line = BANK
        .lines()
        .position(|l| l.contains("say \"Welcome to Acme Bank.\""))
        .unwrap()
        + 1;
    let expected = "say \"Welcome to Acme Bank.\"";
    let line = text.lines().find(|l| l.contains(expected)).unwrap();
    assert!(
        line.ends_with(&format!("; flows/bank.csflow:{welcome_line}:5")),
        "{line}"
    );
    assert!(
        text.contains("say \"Your card is blocked. Your reference is {0}.\" args 1"),
        "{text}"
    );
}

#[test]
fn unresolved_names_are_errors_not_panics() {
    let mut sources = SourceMap::new();
    let text = "flow f { start a state a { goto nowhere } }";
    let id = sources.add("x.csflow", text);
    let parsed = parse_file(id, text);
    let error = generate(&[parsed.file], &sources).unwrap_err();
    assert!(error.message.contains("unknown state `nowhere`"), "{error}");
}

/// A minimal runner for `test` blocks (the CLI owns the real one): enough to run the
/// example projects' conversation tests through codegen and the VM.
mod example_projects {
    use super::*;
    use crate::ast::{Expectation, TestStepKind};
    use std::collections::BTreeMap;
    use std::path::PathBuf;

    #[derive(Default)]
    struct Mocks(BTreeMap<String, Option<Value>>);

    impl Services for Mocks {
        fn call(
            &mut self,
            service: &str,
            operation: &str,
            _: &[(String, Value)],
        ) -> std::result::Result<Value, ServiceError> {
            match self.0.get(&format!("{service}.{operation}")) {
                Some(Some(value)) => Ok(value.clone()),
                Some(None) => Err(ServiceError::Failed("mocked failure".into())),
                None => Err(ServiceError::Unavailable),
            }
        }
    }

    fn literal(expr: &ast::Expr) -> Value {
        match &expr.kind {
            ExprKind::String(s) => Value::Text(s.plain_text()),
            ExprKind::Number(n) => Value::Number(*n),
            ExprKind::Bool(b) => Value::Bool(*b),
            ExprKind::Name(i) => Value::Text(i.name.clone()),
            ExprKind::Record(fields) => Value::Record(
                fields
                    .iter()
                    .map(|(k, v)| (k.name.clone(), literal(v)))
                    .collect(),
            ),
            ExprKind::List(items) => Value::List(items.iter().map(literal).collect()),
            _ => Value::None,
        }
    }

    fn clock(date: ast::Date, time: ast::Time, zone: Option<&ast::Str>) -> Clock {
        let naive = chrono::NaiveDate::from_ymd_opt(date.year, date.month, date.day)
            .and_then(|d| d.and_hms_opt(time.hour, time.minute, 0))
            .unwrap();
        match zone.map(|z| z.plain_text().parse::<chrono_tz::Tz>().unwrap()) {
            None => Clock::WallClock(naive),
            Some(tz) => {
                use chrono::TimeZone;
                Clock::Instant(
                    tz.from_local_datetime(&naive)
                        .single()
                        .unwrap()
                        .with_timezone(&chrono::Utc),
                )
            }
        }
    }

    /// Runs one test; `Err` describes the first failing step.
    fn run_test(bundle: &Bundle, test: &ast::Test) -> std::result::Result<(), String> {
        let mut flow = String::new();
        let mut clock = Clock::test_default();
        let mut mocks = Mocks::default();
        let mut conv: Option<Conversation> = None;
        let mut outputs: Vec<String> = Vec::new();
        let mut last: Option<csflow_runtime::Turn> = None;
        let mut transcript = String::new();
        for step in &test.steps {
            let starts = matches!(
                step.kind,
                TestStepKind::SendText(_)
                    | TestStepKind::SendKeys(_)
                    | TestStepKind::SendNoInput
                    | TestStepKind::Expect(_)
            );
            if starts && conv.is_none() {
                let mut env = Env {
                    clock,
                    services: &mut mocks,
                };
                let (c, turn) = Conversation::start(bundle, &flow, Channel::Voice, &mut env)
                    .map_err(|e| e.to_string())?;
                outputs.extend(turn.says().map(String::from));
                last = Some(turn);
                conv = Some(c);
            }
            let fail = |what: String, transcript: &str| {
                Err(format!("{what}\n--- conversation so far ---\n{transcript}"))
            };
            match &step.kind {
                TestStepKind::Flow(name) => flow = name.name.clone(),
                TestStepKind::Time { date, time, zone } => {
                    clock = clock_of(*date, *time, zone.as_ref())
                }
                TestStepKind::Mock {
                    service,
                    operation,
                    returns,
                } => {
                    mocks.0.insert(
                        format!("{}.{}", service.name, operation.name),
                        returns.as_ref().map(literal),
                    );
                }
                TestStepKind::SendText(_)
                | TestStepKind::SendKeys(_)
                | TestStepKind::SendNoInput => {
                    let input = match &step.kind {
                        TestStepKind::SendText(s) => Input::Text(s.plain_text()),
                        TestStepKind::SendKeys(k) => Input::Keys(k.keys.clone()),
                        _ => Input::NoInput,
                    };
                    outputs.clear();
                    transcript.push_str(&format!("> {input:?}\n"));
                    let mut env = Env {
                        clock,
                        services: &mut mocks,
                    };
                    let Some(c) = conv.as_mut() else {
                        unreachable!()
                    };
                    let turn = match c.input(bundle, input, &mut env) {
                        Ok(turn) => turn,
                        Err(e) => return fail(format!("send failed: {e}"), &transcript),
                    };
                    for say in turn.says() {
                        transcript.push_str(&format!("< {say}\n"));
                    }
                    outputs.extend(turn.says().map(String::from));
                    last = Some(turn);
                }
                TestStepKind::Expect(expectation) => {
                    let Some(c) = conv.as_ref() else {
                        unreachable!()
                    };
                    let turn = last.as_ref().unwrap();
                    if transcript.is_empty() {
                        for say in turn.says() {
                            transcript.push_str(&format!("< {say}\n"));
                        }
                    }
                    match expectation {
                        Expectation::Say(text) => {
                            let expected = text.plain_text();
                            if outputs.is_empty() {
                                return fail(
                                    format!("expected say {expected:?}, nothing more was said"),
                                    &transcript,
                                );
                            }
                            let got = outputs.remove(0);
                            if got != expected {
                                return fail(
                                    format!("expected say {expected:?}, got {got:?}"),
                                    &transcript,
                                );
                            }
                        }
                        Expectation::SayMatches(re) => {
                            let regex = regex::Regex::new(&re.pattern).unwrap();
                            if outputs.is_empty() {
                                return fail(
                                    format!("expected say /{}/, nothing more was said", re.pattern),
                                    &transcript,
                                );
                            }
                            let got = outputs.remove(0);
                            if !regex.is_match(&got) {
                                return fail(
                                    format!("expected say /{}/, got {got:?}", re.pattern),
                                    &transcript,
                                );
                            }
                        }
                        Expectation::Handoff(queue) => {
                            let got = c.handoff().map(|h| h.queue.clone());
                            if c.status() != Status::HandedOff
                                || got.as_deref() != Some(queue.name.as_str())
                            {
                                return fail(
                                    format!(
                                        "expected handoff {}, status {:?} handoff {got:?}",
                                        queue.name,
                                        c.status()
                                    ),
                                    &transcript,
                                );
                            }
                        }
                        Expectation::End => {
                            if c.status() != Status::Ended {
                                return fail(
                                    format!(
                                        "expected end, status {:?} in {}",
                                        c.status(),
                                        c.state_name(bundle)
                                    ),
                                    &transcript,
                                );
                            }
                        }
                        Expectation::State(state) => {
                            if c.state_name(bundle) != state.name {
                                return fail(
                                    format!(
                                        "expected state {}, in {}",
                                        state.name,
                                        c.state_name(bundle)
                                    ),
                                    &transcript,
                                );
                            }
                        }
                        Expectation::Slot { slot, value } => {
                            let expected = literal(value);
                            let got = c.slot(bundle, &slot.name).cloned().unwrap_or_default();
                            if !got.equals(&expected) {
                                return fail(
                                    format!(
                                        "expected slot {} == {expected:?}, got {got:?}",
                                        slot.name
                                    ),
                                    &transcript,
                                );
                            }
                        }
                    }
                }
            }
        }
        Ok(())
    }

    fn clock_of(date: ast::Date, time: ast::Time, zone: Option<&ast::Str>) -> Clock {
        clock(date, time, zone)
    }

    #[test]
    fn example_conversation_tests_pass() {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples");
        let Ok(dirs) = std::fs::read_dir(&root) else {
            return;
        };
        let mut dirs: Vec<PathBuf> = dirs
            .filter_map(|d| d.ok().map(|d| d.path()))
            .filter(|p| p.is_dir())
            .collect();
        dirs.sort();
        let mut failures = Vec::new();
        let mut ran = 0;
        for dir in dirs {
            let options = crate::check::Options {
                today: chrono::NaiveDate::from_ymd_opt(2026, 11, 21),
            };
            let Ok(analysis) = crate::analysis::analyze_paths(std::slice::from_ref(&dir), &options)
            else {
                continue;
            };
            if analysis.has_errors() {
                continue; // another engineer's checks or examples are mid-edit
            }
            let bundle =
                generate(analysis.files.iter().map(|(_, f)| f), &analysis.sources).unwrap();
            let bundle = Bundle::from_bytes(&bundle.to_bytes()).unwrap();
            for (_, file) in &analysis.files {
                for item in &file.items {
                    if let ast::Item::Test(test) = item {
                        ran += 1;
                        if let Err(message) = run_test(&bundle, test) {
                            failures.push(format!(
                                "{} / {}: {message}",
                                dir.display(),
                                test.name.plain_text()
                            ));
                        }
                    }
                }
            }
        }
        eprintln!("ran {ran} example tests");
        assert!(
            failures.is_empty(),
            "{} failing:\n\n{}",
            failures.len(),
            failures.join("\n\n")
        );
    }
}
