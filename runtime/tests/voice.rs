//! Format 3's voice additions, on a small hand-assembled bundle: round trip and refusal of
//! old bundles, the verifier's new checks, and the VM's recorded prompts, languages, input
//! timing in `expecting`, `transfer` and retry messages said before the prompt again.

#[path = "support/sample.rs"]
mod sample;

use csflow_runtime::bundle::*;
use csflow_runtime::vm::{Output, Start};
use csflow_runtime::*;
use sample::{Strings, assemble, monday};

/// A voice flow in `zh-CN`: `welcome` plays a recording, says a line in English, then a menu
/// (timeout 5 s, one digit, `#`) whose no-match says "Sorry" before the menu again, twice,
/// then transfers to a number with a reason.
fn voice_bundle() -> Bundle {
    let mut st = Strings(Interner::default());
    let s = &mut st;
    let (code, labels) = assemble(|_| {
        vec![
            (
                "welcome",
                Instr::Play {
                    url: 1,
                    text: 2,
                    args: 0,
                    language: None,
                },
            ),
            (
                "",
                Instr::SayIn {
                    text: 3,
                    args: 0,
                    language: 4,
                },
            ),
            ("prompt", Instr::Say { text: 5, args: 0 }),
            ("wait", Instr::Wait(0)),
            ("option", Instr::End),
            ("sorry", Instr::Say { text: 6, args: 0 }),
            ("", Instr::Reprompt),
            ("give_up", Instr::PushText(7)),
            (
                "",
                Instr::Transfer {
                    to: 8,
                    reason: Some(9),
                    args: 1,
                },
            ),
            ("after", Instr::End),
        ]
    });
    // The string ids the program uses, in order.
    let ids = [
        s.s("voice"),
        s.s("audio/welcome.wav"),
        s.s("欢迎致电。"),
        s.s("Hello."),
        s.s("en-US"),
        s.s("请按1。"),
        s.s("Sorry, I didn't get that."),
        s.s("caller"),
        s.s("+861012345678"),
        s.s("asked by {0}"),
        s.s("zh-CN"),
        s.s("#"),
        s.s("One"),
        s.s("1"),
        s.s("welcome"),
    ];
    assert_eq!(ids[..10], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    let at = |name: &str| labels[name];
    let locs = vec![
        Loc {
            file: NO_FILE,
            line: 0,
            col: 0,
        };
        code.len()
    ];
    let flow = Flow {
        name: ids[0],
        channel: FlowChannel::Voice,
        language: Some(ids[10]),
        timezone: None,
        start: 0,
        vars: vec![],
        states: vec![State {
            name: ids[14],
            entry: at("welcome"),
        }],
        points: vec![InputPoint {
            kind: PointKind::Menu {
                options: vec![MenuOption {
                    label: ids[12],
                    keys: [ids[13]].into_iter().collect(),
                    intents: vec![],
                    phrases: vec![],
                    action: at("option"),
                }],
            },
            items: None,
            prompt: at("prompt"),
            after: at("after"),
            no_match: Some(InputHandler {
                retries: 2,
                retry_message: Some(at("sorry")),
                action: at("give_up"),
            }),
            no_input: None,
            timing: InputTiming {
                timeout_ms: Some(5000),
                max_digits: Some(1),
                finish_key: Some(ids[11]),
            },
        }],
        handlers: FlowHandlers::default(),
        escalate: None,
        code,
        locs,
    };
    Bundle {
        compiler_version: "test".into(),
        strings: st.0.into_strings(),
        files: vec![],
        flows: vec![flow],
        ..Bundle::default()
    }
}

fn reload(bundle: &Bundle) -> &'static Bundle {
    Box::leak(Box::new(
        Bundle::from_bytes(&bundle.to_bytes()).expect("a valid bundle loads"),
    ))
}

#[test]
fn format_3_round_trips_the_voice_additions() {
    let bundle = voice_bundle();
    let bytes = bundle.to_bytes();
    assert_eq!(u16::from_le_bytes([bytes[4], bytes[5]]), 3);
    let back = Bundle::from_bytes(&bytes).unwrap();
    assert_eq!(back, bundle);
    assert_eq!(back.to_bytes(), bytes);
    for len in 0..bytes.len() {
        assert!(
            Bundle::from_bytes(&bytes[..len]).is_err(),
            "truncated to {len}"
        );
    }
    let text = disassemble(&bundle);
    for expected in [
        "language \"zh-CN\"",
        "play \"audio/welcome.wav\" or say \"欢迎致电。\"",
        "say \"Hello.\" language \"en-US\"",
        "transfer \"+861012345678\" reason \"asked by {0}\" args 1",
        "reprompt",
        "timeout 5000ms max_digits 1 finish_key \"#\"",
    ] {
        assert!(text.contains(expected), "{expected} in\n{text}");
    }
}

#[test]
fn an_old_bundle_is_refused_with_a_rebuild_hint() {
    let mut bytes = voice_bundle().to_bytes();
    bytes[4..6].copy_from_slice(&2u16.to_le_bytes());
    let error = Bundle::from_bytes(&bytes).unwrap_err();
    assert_eq!(
        error,
        LoadError::UnsupportedVersion {
            found: 2,
            supported: 3
        }
    );
    let message = error.to_string();
    assert!(message.contains("older csflow"), "{message}");
    assert!(
        message.contains("rebuild the bundle with `csflow build`"),
        "{message}"
    );
    bytes[4..6].copy_from_slice(&4u16.to_le_bytes());
    let message = Bundle::from_bytes(&bytes).unwrap_err().to_string();
    assert!(message.contains("newer csflow"), "{message}");
}

#[test]
fn the_verifier_checks_the_voice_additions() {
    let refused = |edit: &dyn Fn(&mut Bundle), what: &str| {
        let mut bundle = voice_bundle();
        edit(&mut bundle);
        let error = Bundle::from_bytes(&bundle.to_bytes())
            .unwrap_err()
            .to_string();
        assert!(error.contains(what), "{what}: {error}");
    };
    refused(&|b| b.flows[0].language = Some(9999), "flow language");
    refused(
        &|b| b.flows[0].points[0].timing.finish_key = Some(9999),
        "finish key",
    );
    // "caller" is a string, not one keypad key.
    refused(
        &|b| b.flows[0].points[0].timing.finish_key = Some(7),
        "not one keypad key",
    );
    refused(
        &|b| {
            b.flows[0].code[0] = Instr::Play {
                url: 9999,
                text: 2,
                args: 0,
                language: None,
            }
        },
        "play",
    );
    refused(
        &|b| {
            b.flows[0].code[1] = Instr::SayIn {
                text: 3,
                args: 0,
                language: 9999,
            }
        },
        "language",
    );
    refused(
        &|b| {
            b.flows[0].code[8] = Instr::Transfer {
                to: 8,
                reason: None,
                args: 5000,
            }
        },
        "too many",
    );
}

fn says(turn: &Turn<'_>) -> Vec<String> {
    turn.says().map(str::to_string).collect()
}

#[test]
fn recorded_prompts_languages_and_timing_reach_the_turn() {
    let bundle = reload(&voice_bundle());
    let (_, turn) = Conversation::begin(
        bundle,
        Start::new("voice", Channel::Voice).with_transcript(),
        monday(),
    )
    .unwrap();
    assert_eq!(
        turn.outputs,
        vec![
            Output::Play {
                url: "audio/welcome.wav",
                text: "欢迎致电。".into(),
                language: Some("zh-CN"),
            },
            Output::Say {
                text: "Hello.".into(),
                language: Some("en-US"),
            },
            Output::Say {
                text: "请按1。".into(),
                language: Some("zh-CN"),
            },
        ]
    );
    let expecting = turn.expecting.clone().unwrap();
    assert_eq!(expecting.timeout_ms, Some(5000));
    assert_eq!(expecting.max_digits, Some(1));
    assert_eq!(expecting.finish_key, Some("#"));
    let json = serde_json::to_value(&turn).unwrap();
    assert_eq!(json["outputs"][0]["type"], "play");
    assert_eq!(json["outputs"][0]["url"], "audio/welcome.wav");
    assert_eq!(json["outputs"][0]["text"], "欢迎致电。");
    assert_eq!(json["outputs"][1]["language"], "en-US");
    assert_eq!(json["expecting"]["timeout_ms"], 5000);
    assert_eq!(json["expecting"]["finish_key"], "#");
}

#[test]
fn a_retry_message_comes_before_the_prompt_and_the_last_failure_transfers() {
    let bundle = reload(&voice_bundle());
    let (mut conv, _) = Conversation::begin(
        bundle,
        Start::new("voice", Channel::Voice).with_transcript(),
        monday(),
    )
    .unwrap();
    for _ in 0..2 {
        let turn = conv
            .send(bundle, Input::Keys("7".into()), monday())
            .unwrap();
        assert_eq!(turn.status, Status::Waiting);
        assert_eq!(says(&turn), ["Sorry, I didn't get that.", "请按1。"]);
        assert_eq!(turn.expecting.unwrap().max_digits, Some(1));
    }
    let turn = conv
        .send(bundle, Input::Keys("7".into()), monday())
        .unwrap();
    assert_eq!(turn.status, Status::Transferred);
    assert!(turn.outputs.is_empty());
    let transfer = turn.transfer.as_deref().unwrap();
    assert_eq!(transfer.to, "+861012345678");
    assert_eq!(transfer.reason.as_deref(), Some("asked by caller"));
    assert_eq!(conv.status(), Status::Transferred);
    assert_eq!(conv.transfer(), Some(transfer));
    let json = serde_json::to_value(&turn).unwrap();
    assert_eq!(json["status"], "transferred");
    assert_eq!(json["transfer"]["to"], "+861012345678");
    assert!(
        conv.transcript()
            .iter()
            .any(|e| e.text.as_str() == "transfer +861012345678")
    );
    // Over: no more input, and the stored conversation keeps where it went.
    assert!(
        conv.send(bundle, Input::Keys("1".into()), monday())
            .is_err()
    );
    let stored: Conversation =
        serde_json::from_str(&serde_json::to_string(&conv).unwrap()).unwrap();
    assert_eq!(stored.transfer(), Some(transfer));
}

#[test]
fn a_retry_that_is_answered_resets_at_a_fresh_entry() {
    let bundle = reload(&voice_bundle());
    let (mut conv, _) =
        Conversation::begin(bundle, Start::new("voice", Channel::Voice), monday()).unwrap();
    let turn = conv
        .send(bundle, Input::Keys("7".into()), monday())
        .unwrap();
    assert_eq!(says(&turn), ["Sorry, I didn't get that.", "请按1。"]);
    let turn = conv
        .send(bundle, Input::Keys("1".into()), monday())
        .unwrap();
    assert_eq!(turn.status, Status::Ended);
}

/// `Labels` (opcode 44: the labels of an enum field of a service result, inline) round-trips,
/// is disassembled as written and checked by the verifier.
#[test]
fn the_labels_of_an_enum_field_round_trip_and_are_verified() {
    use csflow_runtime::bundle::EnumValue;
    let mut bundle = voice_bundle();
    let (name, label) = (2, 3);
    bundle.flows[0].code[0] = Instr::Labels(vec![
        EnumValue {
            name,
            label: Some(label),
        },
        EnumValue { name, label: None },
    ]);
    let bytes = bundle.to_bytes();
    let back = Bundle::from_bytes(&bytes).unwrap();
    assert_eq!(back, bundle);
    let text = disassemble(&bundle);
    let expected = format!(
        "labels {{ {} {:?} {} }}",
        bundle.str(name),
        bundle.str(label),
        bundle.str(name)
    );
    assert!(text.contains(&expected), "{expected} in\n{text}");
    bundle.flows[0].code[0] = Instr::Labels(vec![EnumValue {
        name,
        label: Some(9999),
    }]);
    let error = Bundle::from_bytes(&bundle.to_bytes())
        .unwrap_err()
        .to_string();
    assert!(error.contains("enum label"), "{error}");
}
