//! A VM a server can drive: turns that stop at a service call (`calling`) and are resumed
//! with the answer, conversations stored and continued elsewhere, the bundle id a
//! conversation is tied to, the transcript off by default, sensitive replies dropped.

#[path = "support/sample.rs"]
mod sample;

use sample::monday;

use csflow_runtime::bundle::Instr;
use csflow_runtime::*;

fn leak(bundle: Bundle) -> &'static Bundle {
    Box::leak(Box::new(bundle))
}

fn record() -> Value {
    Value::Record(vec![
        ("ok".into(), Value::Bool(true)),
        ("reference".into(), Value::Text("R-1".into())),
    ])
}

fn says(turn: &Turn) -> Vec<String> {
    turn.says().map(str::to_string).collect()
}

/// Starts the sample's `bank` flow with the step API and answers the card menu: the next
/// `send` of four digits reaches `call cards.block`.
fn at_the_card_question(bundle: &'static Bundle) -> Conversation {
    let (mut conv, first) =
        Conversation::begin(bundle, Start::new("bank", Channel::Voice), monday()).unwrap();
    assert_eq!(first.status, Status::Waiting);
    let turn = conv
        .send(bundle, Input::Keys("1".into()), monday())
        .unwrap();
    assert_eq!(turn.status, Status::Waiting);
    conv
}

#[test]
fn a_turn_stops_at_a_call_and_resume_continues_it() {
    let bundle = leak(sample::sample());
    let mut conv = at_the_card_question(bundle);
    let turn = conv
        .send(bundle, Input::Keys("1234".into()), monday())
        .unwrap();
    assert_eq!(turn.status, Status::Calling);
    assert_eq!(conv.status(), Status::Calling);
    assert!(says(&turn).is_empty(), "{:?}", says(&turn));
    let call = turn
        .call
        .clone()
        .expect("a calling turn carries its request");
    assert_eq!((call.service, call.operation), ("cards", "block"));
    assert_eq!(call.timeout_ms, Some(3000));
    assert_eq!(
        call.args,
        [CallArg {
            name: "last4",
            value: Value::Text("1234".into()),
            sensitive: true,
        }]
    );
    assert_eq!(conv.calling(bundle), Some(*call));
    // No input while the call is out; nothing to resume once it is answered.
    let refused = conv.send(bundle, Input::Keys("1".into()), monday());
    assert_eq!(refused, Err(InputError::NotWaiting(Status::Calling)));
    assert!(refused.unwrap_err().to_string().contains("resume"));

    let turn = conv.resume(bundle, Ok(record()), monday()).unwrap();
    assert_eq!(
        says(&turn),
        ["Blocked card 1234. Your reference is R-1.", "Goodbye."]
    );
    assert_eq!(turn.status, Status::Ended);
    assert_eq!(turn.call, None);
    assert_eq!(conv.calling(bundle), None);
    assert_eq!(
        conv.slot(bundle, "result").map(|r| r.field("reference")),
        Some(Value::Text("R-1".into()))
    );
    assert_eq!(
        conv.resume(bundle, Ok(record()), monday()),
        Err(InputError::NotCalling(Status::Ended))
    );
}

#[test]
fn a_failed_call_resumes_into_on_error() {
    for error in [
        ServiceError::Timeout,
        ServiceError::Unavailable,
        ServiceError::Failed("HTTP 500".into()),
    ] {
        let bundle = leak(sample::sample());
        let mut conv = at_the_card_question(bundle);
        conv.send(bundle, Input::Keys("1234".into()), monday())
            .unwrap();
        let turn = conv.resume(bundle, Err(error.clone()), monday()).unwrap();
        assert_eq!(says(&turn), ["Technical problem."], "{error}");
        assert_eq!(turn.status, Status::HandedOff);
        assert_eq!(conv.slot(bundle, "result"), Some(&Value::None));
    }
    // An answer that is not a record is a failure too.
    let bundle = leak(sample::sample());
    let mut conv = at_the_card_question(bundle);
    conv.send(bundle, Input::Keys("1234".into()), monday())
        .unwrap();
    let turn = conv
        .resume(bundle, Ok(Value::Text("nope".into())), monday())
        .unwrap();
    assert_eq!(turn.state, "tech");
    // So is a record that leaves out a declared field or holds a value not of its type
    // (`ok` is declared bool): the answer is converted to the declared types on arrival.
    for answer in [
        Value::Record(vec![("ok".into(), Value::Bool(true))]),
        Value::Record(vec![
            ("ok".into(), Value::Text("yes".into())),
            ("reference".into(), Value::Text("R-1".into())),
        ]),
    ] {
        let mut conv = at_the_card_question(bundle);
        conv.send(bundle, Input::Keys("1234".into()), monday())
            .unwrap();
        let turn = conv.resume(bundle, Ok(answer.clone()), monday()).unwrap();
        assert_eq!(turn.state, "tech", "{answer:?}");
        assert_eq!(conv.slot(bundle, "result"), Some(&Value::None));
    }
}

#[test]
fn a_calling_conversation_is_stored_and_continued_by_another_process() {
    let bytes = sample::sample().to_bytes();
    let stored = {
        // Process 1: loads the bundle, runs until the call, stores the conversation.
        let bundle = leak(Bundle::from_bytes(&bytes).unwrap());
        let mut conv = at_the_card_question(bundle);
        let turn = conv
            .send(bundle, Input::Keys("1234".into()), monday())
            .unwrap();
        assert_eq!(turn.status, Status::Calling);
        serde_json::to_string(&conv).unwrap()
    };
    // Process 2: its own copy of the same bundle, the conversation from the store.
    let bundle = leak(Bundle::from_bytes(&bytes).unwrap());
    let mut conv: Conversation = serde_json::from_str(&stored).unwrap();
    assert_eq!(conv.status(), Status::Calling);
    let call = conv.calling(bundle).expect("the stored request");
    assert_eq!(call.arg("last4"), Some(&Value::Text("1234".into())));
    let turn = conv.resume(bundle, Ok(record()), monday()).unwrap();
    assert_eq!(
        says(&turn),
        ["Blocked card 1234. Your reference is R-1.", "Goodbye."]
    );

    // A waiting conversation travels the same way.
    let (conv, _) =
        Conversation::begin(bundle, Start::new("bank", Channel::Voice), monday()).unwrap();
    let mut conv: Conversation =
        serde_json::from_str(&serde_json::to_string(&conv).unwrap()).unwrap();
    let turn = conv
        .send(bundle, Input::Keys("1".into()), monday())
        .unwrap();
    assert_eq!(
        says(&turn),
        ["Please key in the last four digits of your card."]
    );
}

#[test]
fn the_synchronous_driver_is_the_same_steps() {
    struct Canned(Vec<String>);
    impl Services for Canned {
        fn call(&mut self, request: &CallRequest<'_>) -> Result<Value, ServiceError> {
            self.0
                .push(format!("{}.{}", request.service, request.operation));
            Ok(record())
        }
    }
    let bundle = leak(sample::sample());
    let mut services = Canned(Vec::new());
    let mut env = Env {
        clock: monday(),
        services: &mut services,
    };
    let (mut sync, _) = Conversation::start(bundle, "bank", Channel::Voice, &mut env).unwrap();
    sync.input(bundle, Input::Keys("1".into()), &mut env)
        .unwrap();
    let whole = sync
        .input(bundle, Input::Keys("1234".into()), &mut env)
        .unwrap();
    assert_eq!(services.0, ["cards.block"]);

    let mut stepped = at_the_card_question(bundle);
    let mut turn = stepped
        .send(bundle, Input::Keys("1234".into()), monday())
        .unwrap();
    let next = stepped.resume(bundle, Ok(record()), monday()).unwrap();
    turn.absorb(next);
    assert_eq!(whole, turn);
    assert_eq!(sync, stepped);
}

#[test]
fn the_step_budget_counts_across_calls() {
    // The instruction after the call jumps back to the call's argument: an endless loop of
    // calls, which must end as `failed`, not hang `csflow test`.
    let mut looping = sample::sample();
    let code = &mut looping.flows[0].code;
    let call = code
        .iter()
        .position(|i| matches!(i, Instr::Call { .. }))
        .unwrap();
    code[call + 1] = Instr::Jump(call as u32 - 1);
    let bundle = leak(looping);
    let mut mocks = Mocks::default();
    mocks.insert("cards", "block", Some(record()));
    let mut env = Env {
        clock: monday(),
        services: &mut mocks,
    };
    let (mut conv, _) = Conversation::start(bundle, "bank", Channel::Voice, &mut env).unwrap();
    conv.input(bundle, Input::Keys("1".into()), &mut env)
        .unwrap();
    let turn = conv
        .input(bundle, Input::Keys("1234".into()), &mut env)
        .unwrap();
    assert_eq!(turn.status, Status::Failed);
    assert!(turn.error.unwrap().contains("step budget"));
}

#[test]
fn a_conversation_runs_only_on_the_bundle_it_started_on() {
    let original = sample::sample();
    // Loaded from bytes or built in memory, the same bundle has the same id.
    let loaded = Bundle::from_bytes(&original.to_bytes()).unwrap();
    assert_eq!(loaded.id(), original.id());
    let bundle = leak(original);
    let mut redeployed = sample::sample();
    redeployed.strings[0] = "a changed text".into();
    let redeployed = leak(Bundle::from_bytes(&redeployed.to_bytes()).unwrap());
    assert_ne!(redeployed.id(), bundle.id());

    let mut conv = at_the_card_question(bundle);
    assert_eq!(conv.bundle_id(), bundle.id());
    let refused = conv
        .send(redeployed, Input::Keys("1234".into()), monday())
        .unwrap_err();
    assert_eq!(
        refused,
        InputError::WrongBundle {
            started_on: bundle.id(),
            given: redeployed.id(),
        }
    );
    let message = refused.to_string();
    assert!(message.contains(&bundle.id().to_string()), "{message}");
    assert!(message.contains(&redeployed.id().to_string()), "{message}");
    // Refused without running anything: the conversation goes on on its own bundle.
    conv.send(bundle, Input::Keys("1234".into()), monday())
        .unwrap();
    assert_eq!(conv.calling(redeployed), None);
    assert!(conv.calling(bundle).is_some());
    assert!(matches!(
        conv.resume(redeployed, Ok(record()), monday()),
        Err(InputError::WrongBundle { .. })
    ));
    // A stored conversation from before bundle ids (no `bundle` field) does not load.
    let json = serde_json::to_value(&conv).unwrap();
    let mut old = json.clone();
    old.as_object_mut().unwrap().remove("bundle");
    assert!(serde_json::from_value::<Conversation>(old).is_err());
}

#[test]
fn the_transcript_is_kept_only_when_asked_for() {
    let bundle = leak(sample::sample());
    let (mut bare, _) =
        Conversation::begin(bundle, Start::new("bank", Channel::Voice), monday()).unwrap();
    bare.send(bundle, Input::Keys("2".into()), monday())
        .unwrap();
    assert!(bare.transcript().is_empty());
    let start = Start::new("bank", Channel::Voice).with_transcript();
    let (mut kept, _) = Conversation::begin(bundle, start, monday()).unwrap();
    kept.send(bundle, Input::Keys("2".into()), monday())
        .unwrap();
    let lines: Vec<&str> = kept.transcript().iter().map(|e| e.text.as_str()).collect();
    assert_eq!(lines.first(), Some(&"Welcome to Acme Bank."), "{lines:?}");
    assert!(lines.contains(&"[keys 2]"), "{lines:?}");
}

#[test]
fn a_sensitive_reply_is_not_kept_in_clear_after_its_ask() {
    let bundle = leak(sample::sample());
    let mut conv = at_the_card_question(bundle);
    conv.keep_transcript(true);
    // Spoken with spaces: the slot holds `1234`, the reply as said is `12 34`.
    let turn = conv
        .send(bundle, Input::Text("12 34".into()), monday())
        .unwrap();
    assert_eq!(turn.status, Status::Calling);
    let stored = serde_json::to_string(&conv).unwrap();
    assert!(!stored.contains("12 34"), "{stored}");
    conv.resume(bundle, Ok(record()), monday()).unwrap();
    let stored = serde_json::to_string(&conv).unwrap();
    assert!(!stored.contains("12 34"), "{stored}");
    assert_eq!(
        conv.slot(bundle, "card_last4"),
        Some(&Value::Text("1234".into()))
    );
}

#[test]
fn a_host_sets_initial_slots_checked_against_their_types() {
    let bundle = leak(sample::sample());
    let begin = |variables: &[(String, Value)]| {
        let start = Start::new("bank", Channel::Voice).with_variables(variables);
        Conversation::begin(bundle, start, monday()).map(|(conv, _)| conv)
    };
    let vars = |pairs: &[(&str, Value)]| -> Vec<(String, Value)> {
        pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.clone()))
            .collect()
    };
    // Text is read as an `ask` would read it; a whole number fills digits too.
    let conv = begin(&vars(&[
        ("card_last4", Value::Text("12 34".into())),
        ("more", Value::Text("yes".into())),
    ]))
    .unwrap();
    assert_eq!(
        conv.slot(bundle, "card_last4"),
        Some(&Value::Text("1234".into()))
    );
    assert_eq!(conv.slot(bundle, "more"), Some(&Value::Bool(true)));
    let conv = begin(&vars(&[("card_last4", Value::Number(4321.0))])).unwrap();
    assert_eq!(
        conv.slot(bundle, "card_last4"),
        Some(&Value::Text("4321".into()))
    );
    // A set slot skips its `ask`: the card menu goes straight to the call.
    let mut conv = conv;
    let turn = conv
        .send(bundle, Input::Keys("1".into()), monday())
        .unwrap();
    assert_eq!(
        turn.call.unwrap().arg("last4"),
        Some(&Value::Text("4321".into()))
    );

    for (pairs, says) in [
        (
            vars(&[("card_last4", Value::Text("12".into()))]),
            "expected digits(4), got \"12\"",
        ),
        (
            vars(&[("more", Value::Number(1.0))]),
            "expected yes_no, got the number 1",
        ),
        (vars(&[("nope", Value::Bool(true))]), "no slot of that name"),
        (
            vars(&[("result", Value::Record(vec![]))]),
            "a call's result",
        ),
    ] {
        let error = begin(&pairs).unwrap_err();
        assert!(
            matches!(&error, StartError::BadVariable { name, .. } if *name == pairs[0].0),
            "{error:?}"
        );
        assert!(error.to_string().contains(says), "{error}");
    }
}
