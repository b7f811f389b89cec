//! VM behaviour on the hand-assembled sample bundle: menus, asks, retries, handlers,
//! escalation, closed queues, service failures and the step budget.

#[path = "support/sample.rs"]
mod sample;

use sample::monday;

use chrono::NaiveDate;
use csflow_runtime::vm::{ExpectKind, Speaker};
use csflow_runtime::*;

type Call = (String, String, Vec<(String, Value)>);

/// Services answering every call with one canned result, recording the calls.
struct Mock {
    result: Result<Value, ServiceError>,
    calls: Vec<Call>,
}

impl Services for Mock {
    fn call(&mut self, request: &CallRequest<'_>) -> Result<Value, ServiceError> {
        let args = request
            .args
            .iter()
            .map(|a| (a.name.to_string(), a.value.clone()))
            .collect();
        self.calls
            .push((request.service.into(), request.operation.into(), args));
        self.result.clone()
    }
}

fn ok_mock() -> Mock {
    Mock {
        result: Ok(Value::Record(vec![
            ("ok".into(), Value::Bool(true)),
            ("reference".into(), Value::Text("R-1".into())),
        ])),
        calls: vec![],
    }
}

/// Sunday 2026-11-22 10:00 office time (closed).
fn sunday() -> Clock {
    Clock::WallClock(
        NaiveDate::from_ymd_opt(2026, 11, 22)
            .unwrap()
            .and_hms_opt(10, 0, 0)
            .unwrap(),
    )
}

/// Turns borrow from their bundle; a test's bundle lives for the whole test run.
struct Session {
    bundle: &'static Bundle,
    conv: Conversation,
    mock: Mock,
    clock: Clock,
    first: Turn<'static>,
}

impl Session {
    fn new(clock: Clock, mock: Mock) -> Session {
        let bundle: &'static Bundle = Box::leak(Box::new(sample::sample()));
        let mut mock = mock;
        let (conv, first) = {
            let mut env = Env {
                clock,
                services: &mut mock,
            };
            let start = Start::new("bank", Channel::Voice).with_transcript();
            Conversation::start_with(bundle, start, &mut env).unwrap()
        };
        Session {
            bundle,
            conv,
            mock,
            clock,
            first,
        }
    }

    fn send(&mut self, input: Input) -> Turn<'static> {
        let mut env = Env {
            clock: self.clock,
            services: &mut self.mock,
        };
        self.conv.input(self.bundle, input, &mut env).unwrap()
    }

    fn text(&mut self, text: &str) -> Turn<'static> {
        self.send(Input::Text(text.into()))
    }

    fn keys(&mut self, keys: &str) -> Turn<'static> {
        self.send(Input::Keys(keys.into()))
    }
}

fn says<'t>(turn: &'t Turn) -> Vec<&'t str> {
    turn.says().collect()
}

#[test]
fn start_runs_to_the_first_menu() {
    let s = Session::new(monday(), ok_mock());
    assert_eq!(
        says(&s.first),
        [
            "Welcome to Acme Bank.",
            "Press 1 for cards, 2 for opening hours, 0 for an agent."
        ]
    );
    assert_eq!(s.first.status, Status::Waiting);
    assert_eq!(s.first.state, "main_menu");
    let expecting = s.first.expecting.as_ref().unwrap();
    assert_eq!(expecting.kind, ExpectKind::Menu);
    let first = expecting.options.get(0).unwrap();
    assert_eq!(first.label, "Card services");
    assert_eq!(first.key.as_deref(), Some("1"));
    assert_eq!(s.conv.state_name(s.bundle), "main_menu");
}

#[test]
fn menu_by_key_then_ask_and_call() {
    let mut s = Session::new(monday(), ok_mock());
    let turn = s.keys("1");
    assert_eq!(
        says(&turn),
        ["Please key in the last four digits of your card."]
    );
    assert_eq!(turn.expecting.as_ref().unwrap().kind, ExpectKind::Ask);
    let turn = s.keys("1234");
    assert_eq!(
        says(&turn),
        ["Blocked card 1234. Your reference is R-1.", "Goodbye."]
    );
    assert_eq!(turn.status, Status::Ended);
    assert_eq!(
        s.mock.calls,
        [(
            "cards".into(),
            "block".into(),
            vec![("last4".into(), Value::Text("1234".into()))]
        )]
    );
    assert_eq!(
        s.conv.slot(s.bundle, "card_last4"),
        Some(&Value::Text("1234".into()))
    );
    // Sensitive: said as is, masked in the transcript (both the reply and the message).
    let transcript: Vec<&str> = s
        .conv
        .transcript()
        .iter()
        .map(|e| e.text.as_str())
        .collect();
    assert!(
        transcript.contains(&"Blocked card ***. Your reference is R-1."),
        "{transcript:?}"
    );
    assert!(
        !transcript.iter().any(|t| t.contains("1234")),
        "{transcript:?}"
    );
    assert!(
        s.conv
            .transcript()
            .iter()
            .any(|e| e.who == Speaker::User && e.text == "***")
    );
    let masked = s.conv.slots_masked(s.bundle);
    assert_eq!(
        masked[0],
        ("card_last4".to_string(), Value::Text("***".into()))
    );
    assert!(matches!(
        s.conv.input(
            s.bundle,
            Input::NoInput,
            &mut Env {
                clock: monday(),
                services: &mut NoServices
            }
        ),
        Err(InputError::NotWaiting(Status::Ended))
    ));
}

#[test]
fn menu_by_spoken_key_label_phrase_and_intent() {
    let mut s = Session::new(monday(), ok_mock());
    assert_eq!(s.text("1").state, "card_services");
    let mut s = Session::new(monday(), ok_mock());
    let turn = s.text("opening hours");
    assert_eq!(
        says(&turn),
        ["We are open Monday to Friday, 9:00 to 18:00.", "Goodbye."]
    );
    let mut s = Session::new(monday(), ok_mock());
    assert_eq!(s.text("When are you open today?").state, "goodbye");
    let mut s = Session::new(monday(), ok_mock());
    assert_eq!(s.text("I think I lost my card").state, "card_services");
    let mut s = Session::new(monday(), ok_mock());
    assert_eq!(s.text("我的卡丢了").state, "card_services");
}

#[test]
fn statement_no_match_retries_with_message_then_acts() {
    let mut s = Session::new(monday(), ok_mock());
    assert_eq!(says(&s.text("banana")), ["Sorry, please press 1, 2 or 0."]);
    assert_eq!(says(&s.text("banana")), ["Sorry, please press 1, 2 or 0."]);
    let turn = s.text("banana");
    assert_eq!(turn.status, Status::HandedOff);
    assert_eq!(turn.handoff.as_ref().unwrap().queue, "general");
    assert_eq!(s.conv.no_match_count(), 3);
}

#[test]
fn retry_count_restarts_when_the_input_point_is_entered_afresh() {
    let mut s = Session::new(monday(), ok_mock());
    assert_eq!(says(&s.text("banana")), ["Sorry, please press 1, 2 or 0."]);
    s.keys("3"); // back to the menu: a fresh entry
    assert_eq!(says(&s.text("banana")), ["Sorry, please press 1, 2 or 0."]);
    assert_eq!(says(&s.text("banana")), ["Sorry, please press 1, 2 or 0."]);
    assert_eq!(s.text("banana").status, Status::HandedOff);
    assert_eq!(
        s.conv.no_match_count(),
        4,
        "no_match_count counts the whole conversation"
    );
}

#[test]
fn flow_level_handlers_apply_to_an_ask_without_its_own() {
    let mut s = Session::new(monday(), ok_mock());
    s.keys("1");
    // flow: on no_match retry 2 then handoff general (re-prompts with the prompt)
    assert_eq!(
        says(&s.keys("12")),
        ["Please key in the last four digits of your card."]
    );
    assert_eq!(
        says(&s.text("what?")),
        ["Please key in the last four digits of your card."]
    );
    assert_eq!(s.keys("1").status, Status::HandedOff);
    // flow: on no_input retry 1 then goto goodbye
    let mut s = Session::new(monday(), ok_mock());
    s.keys("1");
    assert_eq!(
        says(&s.send(Input::NoInput)),
        ["Please key in the last four digits of your card."]
    );
    let turn = s.send(Input::NoInput);
    assert_eq!(says(&turn), ["Goodbye."]);
    assert_eq!(turn.status, Status::Ended);
    assert_eq!(s.conv.no_input_count(), 2);
}

#[test]
fn escalate_runs_before_the_state_sees_the_input() {
    // At the ask, "agent" would be a no_match; the escalate rule hands off first.
    let mut s = Session::new(monday(), ok_mock());
    s.keys("1");
    let turn = s.text("agent");
    assert_eq!(turn.status, Status::HandedOff);
    assert_eq!(turn.handoff.unwrap().queue, "general");
    assert_eq!(s.conv.no_match_count(), 0);

    let mut s = Session::new(monday(), ok_mock());
    let turn = s.text("this is useless, I am furious");
    let handoff = turn.handoff.unwrap();
    assert_eq!(
        (
            handoff.queue.as_str(),
            handoff.priority.as_str(),
            handoff.reason.as_deref()
        ),
        ("care", "high", Some("upset customer"))
    );
}

#[test]
fn closed_queue_runs_on_closed() {
    let mut s = Session::new(sunday(), ok_mock());
    let turn = s.keys("0");
    assert_eq!(says(&turn), ["We are closed."]);
    assert_eq!(turn.status, Status::Ended);
    assert_eq!(turn.state, "after_hours");
    // Open on Monday.
    let mut s = Session::new(monday(), ok_mock());
    assert_eq!(s.keys("0").status, Status::HandedOff);
    // A holiday is closed too; an instant is read in the office's zone (02:00 UTC = 10:00 Shanghai).
    let holiday = Clock::WallClock(
        NaiveDate::from_ymd_opt(2026, 10, 5)
            .unwrap()
            .and_hms_opt(10, 0, 0)
            .unwrap(),
    );
    assert_eq!(
        Session::new(holiday, ok_mock()).keys("0").state,
        "after_hours"
    );
    let instant = Clock::Instant(
        NaiveDate::from_ymd_opt(2026, 11, 23)
            .unwrap()
            .and_hms_opt(2, 0, 0)
            .unwrap()
            .and_utc(),
    );
    assert_eq!(
        Session::new(instant, ok_mock()).keys("0").status,
        Status::HandedOff
    );
    let late = Clock::Instant(
        NaiveDate::from_ymd_opt(2026, 11, 23)
            .unwrap()
            .and_hms_opt(11, 0, 0)
            .unwrap()
            .and_utc(),
    );
    assert_eq!(Session::new(late, ok_mock()).keys("0").state, "after_hours");
}

#[test]
fn service_failure_runs_on_error() {
    let mock = Mock {
        result: Err(ServiceError::Timeout),
        calls: vec![],
    };
    let mut s = Session::new(monday(), mock);
    s.keys("1");
    let turn = s.keys("1234");
    assert_eq!(says(&turn), ["Technical problem."]);
    assert_eq!(
        turn.handoff.unwrap().reason.as_deref(),
        Some("service error")
    );
    assert_eq!(s.conv.slot(s.bundle, "result"), Some(&Value::None));
    // A result that is not a record is a failure too.
    let mock = Mock {
        result: Ok(Value::Text("nope".into())),
        calls: vec![],
    };
    let mut s = Session::new(monday(), mock);
    s.keys("1");
    assert_eq!(s.keys("1234").state, "tech");
}

#[test]
fn step_budget_stops_an_endless_loop() {
    let mut s = Session::new(monday(), ok_mock());
    let turn = s.keys("9");
    assert_eq!(turn.status, Status::Failed);
    assert!(turn.error.unwrap().contains("step budget"));
    assert_eq!(s.conv.status(), Status::Failed);
}

#[test]
fn conversations_are_small_serializable_and_deterministic() {
    let mut s = Session::new(monday(), ok_mock());
    s.keys("1");
    let json = serde_json::to_string(&s.conv).unwrap();
    assert!(json.len() < 1024, "{} bytes: {json}", json.len());
    let back: Conversation = serde_json::from_str(&json).unwrap();
    assert_eq!(back, s.conv);

    let run = || {
        let mut s = Session::new(monday(), ok_mock());
        let turns = vec![s.text("banana"), s.keys("1"), s.text("12 34")];
        (turns, s.conv)
    };
    assert_eq!(run(), run());
}

#[test]
fn a_conversation_without_its_transcript_behaves_the_same_and_stays_small() {
    let run = |keep: bool| {
        let mut s = Session::new(monday(), ok_mock());
        s.conv.keep_transcript(keep);
        let turns = vec![s.text("banana"), s.keys("1"), s.keys("1234")];
        let json = serde_json::to_string(&s.conv).unwrap();
        (turns, s.conv.transcript().len(), json.len())
    };
    let (kept_turns, kept_lines, kept_size) = run(true);
    let (bare_turns, bare_lines, bare_size) = run(false);
    assert_eq!(
        kept_turns, bare_turns,
        "the transcript never changes a turn"
    );
    assert!(kept_lines > 5, "{kept_lines} lines kept");
    assert_eq!(bare_lines, 0);
    assert!(bare_size < kept_size, "{bare_size} vs {kept_size} bytes");
}

/// A host's external intent classifier: fixed scores, or a failure; records what it was asked.
struct Classifier {
    scores: Result<Vec<f32>, String>,
    asked: Vec<(String, Vec<String>)>,
}

impl IntentClassifier for Classifier {
    fn classify(&mut self, text: &str, intents: &[&str]) -> Result<Vec<f32>, String> {
        self.asked
            .push((text.into(), intents.iter().map(|s| s.to_string()).collect()));
        self.scores.clone()
    }
}

struct ClassifyingServices(Classifier);

impl Services for ClassifyingServices {
    fn call(&mut self, _: &CallRequest<'_>) -> Result<Value, ServiceError> {
        Err(ServiceError::Unavailable)
    }

    fn intent_classifier(&mut self) -> Option<&mut dyn IntentClassifier> {
        Some(&mut self.0)
    }
}

fn first_state_for(text: &str, scores: Result<Vec<f32>, String>) -> (String, Classifier) {
    let bundle: &'static Bundle = Box::leak(Box::new(sample::sample()));
    let mut services = ClassifyingServices(Classifier {
        scores,
        asked: vec![],
    });
    let mut env = Env {
        clock: monday(),
        services: &mut services,
    };
    let (mut conv, _) = Conversation::start(bundle, "bank", Channel::Chat, &mut env).unwrap();
    let state = conv
        .input(bundle, Input::Text(text.into()), &mut env)
        .unwrap()
        .state
        .to_string();
    (state, services.0)
}

#[test]
fn an_external_intent_classifier_is_asked_first_and_the_offline_matcher_is_the_fallback() {
    // The offline matcher does not know "my plastic went walkabout"; the classifier does.
    let (state, classifier) = first_state_for("my plastic went walkabout", Ok(vec![0.1, 0.9]));
    assert_eq!(state, "card_services");
    assert_eq!(classifier.asked.len(), 1, "asked once per turn");
    assert_eq!(classifier.asked[0].1, ["agent", "lost_card"]);
    // The step API: the host asked its classifier itself and hands over the scores.
    let bundle: &'static Bundle = Box::leak(Box::new(sample::sample()));
    let (mut conv, _) =
        Conversation::begin(bundle, Start::new("bank", Channel::Chat), monday()).unwrap();
    let turn = conv
        .send_with_intents(
            bundle,
            Input::Text("my plastic went walkabout".into()),
            Some(vec![0.0, 1.0]),
            monday(),
        )
        .unwrap();
    assert_eq!(turn.state, "card_services");
    // The classifier fails, or answers for the wrong number of intents: offline scores.
    for broken in [Err("connection refused".to_string()), Ok(vec![0.9])] {
        let (state, _) = first_state_for("I think I lost my card", broken.clone());
        assert_eq!(state, "card_services", "{broken:?}");
        let (state, _) = first_state_for("my plastic went walkabout", broken);
        assert_ne!(state, "card_services");
    }
}
