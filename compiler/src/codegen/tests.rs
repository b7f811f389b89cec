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
        _: &csflow_runtime::CallRequest<'_>,
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

#[test]
fn a_tests_only_file_is_not_in_the_bundles_file_table() {
    let tests = "test \"greeting\" {\n  flow phone_banking\n  expect state main_menu\n}\n";
    let bundle = build(&[("bank.csflow", BANK), ("bank.test.csflow", tests)]);
    let files: Vec<&str> = bundle.files.iter().map(|id| bundle.str(*id)).collect();
    assert_eq!(files, ["bank.csflow"]);
}

/// The value additions end to end: a flow with arithmetic, a division by zero at run time,
/// `today`/`now`, a pattern slot, enum labels, `on error` for one call and `options from`.
const VALUES: &str = r#"
queue general { }

service trips {
  operation find() returns { flights: list of { number: text, time: time } }
}

flow values {
  channel any
  timezone "Asia/Shanghai"
  start s

  slot code: text matching /^[A-Z0-9]{6}$/
  slot plan: enum { plus "Plus 套餐" basic "基础套餐" }
  slot n: integer = 7
  slot zero: integer = 0
  slot half: number

  on no_match retry 1 then handoff general
  on error goto broken

  state s {
    set half = n / 2
    say "{n + 1} {n - 10} {n * 3} {half} {(n + 1) * 2}"
    say "{today} {now} {today + 1} {today - 2026-11-23}"
    ask code "Code?"
    ask plan "Plan?"
    say "{plan}"
    call trips.find() into r {
      on error goto s
    }
    menu "Which flight?" {
      options from r.flights max 2 label "{item.number} at {item.time}" into chosen goto picked
      option "Agent" key 0 handoff general
    }
  }

  state picked {
    say "You chose {chosen.number}."
    set half = n / zero
    say "not said"
    end
  }

  state broken {
    say "division failed"
    end
  }
}
"#;

struct Flights;

impl Services for Flights {
    fn call(
        &mut self,
        _: &csflow_runtime::CallRequest<'_>,
    ) -> std::result::Result<Value, ServiceError> {
        let flight = |number: &str, hour: u8| {
            Value::Record(vec![
                ("number".into(), Value::Text(number.into())),
                (
                    "time".into(),
                    Value::Time(csflow_runtime::bundle::Time { hour, minute: 30 }),
                ),
            ])
        };
        Ok(Value::Record(vec![(
            "flights".into(),
            Value::List(vec![flight("MU1", 9), flight("CA2", 14), flight("HU3", 20)]),
        )]))
    }
}

#[test]
fn values_and_dynamic_menus_run_end_to_end() {
    let bundle = build(&[("values.csflow", VALUES)]);
    // An instant: 2026-11-23 02:00 UTC is 10:00 in Shanghai.
    let at = chrono::NaiveDate::from_ymd_opt(2026, 11, 23)
        .and_then(|d| d.and_hms_opt(2, 0, 0))
        .unwrap()
        .and_utc();
    let mut services = Flights;
    let mut env = Env {
        clock: Clock::Instant(at),
        services: &mut services,
    };
    let (mut conv, turn) =
        Conversation::start(&bundle, "values", Channel::Voice, &mut env).unwrap();
    let says: Vec<&str> = turn.says().collect();
    assert_eq!(
        says,
        ["8 -3 21 3.5 16", "2026-11-23 10:00 2026-11-24 0", "Code?"]
    );
    // Full-width lower case is folded to the pattern's upper case.
    conv.input(&bundle, Input::Text("ａｂ１２ｃｄ".into()), &mut env)
        .unwrap();
    assert_eq!(
        conv.slot(&bundle, "code"),
        Some(&Value::Text("AB12CD".into()))
    );
    // A label picks its value; interpolation says the label.
    let turn = conv
        .input(&bundle, Input::Text("基础套餐".into()), &mut env)
        .unwrap();
    assert_eq!(
        conv.slot(&bundle, "plan"),
        Some(&Value::Text("basic".into()))
    );
    let says: Vec<&str> = turn.says().collect();
    assert_eq!(
        says,
        [
            "基础套餐",
            "Which flight?",
            "1. MU1 at 09:30",
            "2. CA2 at 14:30"
        ]
    );
    let expecting = turn.expecting.clone().unwrap();
    let options: Vec<(String, Option<String>)> = expecting
        .options
        .iter()
        .map(|o| (o.label.to_string(), o.key.map(|k| k.to_string())))
        .collect();
    assert_eq!(
        options,
        [
            ("MU1 at 09:30".to_string(), Some("1".to_string())),
            ("CA2 at 14:30".to_string(), Some("2".to_string())),
            ("Agent".to_string(), Some("0".to_string())),
        ]
    );
    // Only `max 2` items: key 3 is no item.
    let turn = conv
        .input(&bundle, Input::Keys("3".into()), &mut env)
        .unwrap();
    assert_eq!(turn.state, "s");
    // A pick by label stores the item; the division by zero runs the flow's `on error`.
    let turn = conv
        .input(&bundle, Input::Text("CA2 at 14:30".into()), &mut env)
        .unwrap();
    let says: Vec<&str> = turn.says().collect();
    assert_eq!(says, ["You chose CA2.", "division failed"]);
    assert_eq!(turn.status, Status::Ended);
}

#[test]
fn values_bundles_round_trip_and_the_verifier_checks_them() {
    use csflow_runtime::bundle::{Instr, MAX_TYPE_DEPTH, SlotType};
    let bundle = build(&[("values.csflow", VALUES)]);
    let bytes = bundle.to_bytes();
    let back = Bundle::from_bytes(&bytes).unwrap();
    assert_eq!(back, bundle);
    assert_eq!(back.to_bytes(), bytes);
    let flow = &bundle.flows[0];
    assert!(flow.timezone.is_some());
    assert!(flow.points.iter().any(|p| p.items.is_some()));
    for (what, change) in [
        (
            "resume target",
            Box::new(|f: &mut csflow_runtime::bundle::Flow| {
                let at = f
                    .code
                    .iter()
                    .position(|i| matches!(i, Instr::Arith { .. }))
                    .unwrap();
                if let Instr::Arith { resume, .. } = &mut f.code[at] {
                    *resume = 1_000_000;
                }
            }) as Box<dyn Fn(&mut csflow_runtime::bundle::Flow)>,
        ),
        (
            "items",
            Box::new(|f| {
                let at = f
                    .code
                    .iter()
                    .position(|i| matches!(i, Instr::ItemsBegin { .. }))
                    .unwrap();
                f.code[at] = Instr::ItemsBegin { max: 1_000 };
            }),
        ),
        (
            "options into variable",
            Box::new(|f| {
                if let Some(items) = f.points.iter_mut().find_map(|p| p.items.as_mut()) {
                    items.into = 999;
                }
            }),
        ),
        (
            "enum label",
            Box::new(|f| {
                for var in &mut f.vars {
                    if let SlotType::LabelledEnum(values) = &mut var.ty {
                        values[0].label = Some(u32::MAX);
                    }
                }
            }),
        ),
        ("time zone", Box::new(|f| f.timezone = Some(f.name))),
    ] {
        let mut broken = bundle.clone();
        change(&mut broken.flows[0]);
        let error = Bundle::from_bytes(&broken.to_bytes()).unwrap_err();
        assert!(error.to_string().contains(what), "{what}: {error}");
    }
    // Field types nested past the limit are refused by the decoder, not the stack.
    let mut deep = bundle.clone();
    let mut ty = SlotType::Text;
    for _ in 0..=MAX_TYPE_DEPTH {
        ty = SlotType::List(Box::new(ty));
    }
    deep.services[0].operations[0].returns[0].ty = ty;
    let error = Bundle::from_bytes(&deep.to_bytes()).unwrap_err();
    assert!(error.to_string().contains("nest"), "{error}");
}
