//! The hand-written Turn JSON against serde_json's derived writer (the one it replaced),
//! byte for byte: on every turn of random walks through the example flows, with the rare
//! fields (transfer, error) and texts that need escaping added.

use super::{string, to_json};
use crate::turn::output_language;
use csflow_runtime::vm::{Expecting, HandoffInfo, TransferInfo};
use csflow_runtime::{
    Bundle, Channel, Clock, Conversation, Input, ServiceError, Start, Status, Turn, Value,
};
use proptest::prelude::*;
use serde::Serialize;
use std::path::Path;

#[derive(Serialize)]
struct ApiOutput<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
    text: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    language: Option<&'a str>,
}

#[derive(Serialize)]
struct ApiTurn<'a> {
    id: &'a str,
    status: &'static str,
    state: &'a str,
    outputs: Vec<ApiOutput<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expecting: Option<&'a Expecting<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    handoff: Option<&'a HandoffInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    transfer: Option<&'a TransferInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
}

/// The writer before: serde_json over the API's shape.
fn reference(id: &str, turn: &Turn<'_>) -> Vec<u8> {
    let api = ApiTurn {
        id,
        status: turn.status.as_str(),
        state: turn.state,
        outputs: turn
            .outputs
            .iter()
            .map(|output| ApiOutput {
                kind: if output.url().is_some() {
                    "play"
                } else {
                    "say"
                },
                url: output.url(),
                text: output.text(),
                language: output_language(output),
            })
            .collect(),
        expecting: turn.expecting.as_ref(),
        handoff: turn.handoff.as_ref(),
        transfer: turn.transfer.as_deref(),
        error: turn.error.as_deref(),
    };
    serde_json::to_vec(&api).expect("serde_json writes into a Vec")
}

fn same(id: &str, turn: &Turn<'_>) {
    let ours = to_json(id, turn);
    let theirs = reference(id, turn);
    assert_eq!(
        String::from_utf8_lossy(&ours),
        String::from_utf8_lossy(&theirs),
        "the Turn JSON differs from serde_json's"
    );
    // And it is JSON.
    serde_json::from_slice::<serde_json::Value>(&ours).expect("valid JSON");
}

proptest! {
    #[test]
    fn a_string_is_written_as_serde_json_writes_it(text in "\\PC*|[\\x00-\\x7f]*|.*[\"\\\\\\x00-\\x1f\\x7f].*") {
        let mut ours = Vec::new();
        string(&mut ours, &text);
        prop_assert_eq!(ours, serde_json::to_vec(&text).unwrap());
    }
}

fn bundle_of(path: &Path) -> Bundle {
    let bytes = std::fs::read(path).expect("example");
    let analysis = csflow_compiler::analyze(
        vec![(path.display().to_string(), bytes)],
        &|p: &Path| std::fs::read(p),
        &csflow_compiler::check::Options::default(),
    );
    assert!(!analysis.has_errors(), "{} has errors", path.display());
    let bundle = csflow_compiler::codegen::generate_analysis(&analysis).expect("codegen");
    Bundle::from_bytes(&bundle.to_bytes()).expect("bundle")
}

/// What the walks met, so the test fails if they stop reaching a field.
#[derive(Default, Debug, Clone, Copy)]
struct Seen {
    play: bool,
    language: bool,
    listed_item: bool,
    handoff_reason: bool,
    slot: bool,
    timeout: bool,
    max_digits: bool,
    finish_key: bool,
    transfer: bool,
    escaped: bool,
}

impl Seen {
    fn all(&self) -> bool {
        let Seen {
            play,
            language,
            listed_item,
            handoff_reason,
            slot,
            timeout,
            max_digits,
            finish_key,
            transfer,
            escaped,
        } = *self;
        play && language
            && listed_item
            && handoff_reason
            && slot
            && timeout
            && max_digits
            && finish_key
            && transfer
            && escaped
    }

    fn note(&mut self, turn: &Turn<'_>) {
        for output in &turn.outputs {
            self.play |= output.url().is_some();
            self.language |= output_language(output).is_some();
            self.escaped |= output.text().contains(['"', '\n']);
        }
        if let Some(expecting) = &turn.expecting {
            self.slot |= expecting.slot.is_some();
            self.timeout |= expecting.timeout_ms.is_some();
            self.max_digits |= expecting.max_digits.is_some();
            self.finish_key |= expecting.finish_key.is_some();
            self.listed_item |= expecting
                .options
                .iter()
                .any(|o| matches!(o.key, Some(std::borrow::Cow::Owned(_))));
        }
        self.handoff_reason |= turn.handoff.as_ref().is_some_and(|h| h.reason.is_some());
        self.transfer |= turn.transfer.is_some();
    }
}

/// A service's answer: a booking with flights for the airline, a failure for the others
/// (which runs their `on error`).
fn answer(seed: u64) -> Result<Value, ServiceError> {
    if seed.is_multiple_of(3) {
        return Err(ServiceError::Failed("down".into()));
    }
    Ok(Value::from_json(&serde_json::json!({
        "ok": true,
        "departure": "2026-12-24",
        "fee": 12.5,
        "flights": [
            {"number": "CA981", "time": "09:30", "seats": 3, "cabin": "economy"},
            {"number": "MU5101", "time": "14:05", "seats": 0, "cabin": "business"}
        ],
        "state": "shipped \"today\"\nby noon",
        "balance": 10.0,
    })))
}

/// A small pseudo-random sequence (no dependency, the same walk every run).
fn next(seed: &mut u64) -> u64 {
    *seed = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    *seed >> 33
}

fn input(turn: &Turn<'_>, seed: &mut u64) -> Input {
    let keys: Vec<String> = turn
        .expecting
        .iter()
        .flat_map(|e| e.options.iter())
        .filter_map(|o| o.key.map(|k| k.into_owned()))
        .collect();
    match next(seed) % 8 {
        0 => Input::NoInput,
        1 => Input::Text("agent please".into()),
        2 => Input::Text("AB12CD".into()),
        3 => Input::Keys("12345678".into()),
        4 => Input::Text("yes \"quoted\"\n".into()),
        _ if !keys.is_empty() => Input::Keys(keys[next(seed) as usize % keys.len()].clone()),
        _ => Input::Keys("1".into()),
    }
}

#[test]
fn every_turn_of_the_examples_is_written_as_serde_json_writes_it() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let mut seen = Seen::default();
    let mut turns = 0;
    let clock = || {
        // 12:00 in Shanghai on a Tuesday: the example offices are open.
        Clock::Instant(chrono::DateTime::from_timestamp(1_796_097_600, 0).expect("time"))
    };
    let mut paths = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/flows/demo.csflow")];
    for dir in std::fs::read_dir(&examples).expect("examples") {
        let dir = dir.expect("entry").path();
        for file in std::fs::read_dir(&dir).into_iter().flatten() {
            let path = file.expect("entry").path();
            let name = path.display().to_string();
            if name.ends_with(".csflow")
                && !name.ends_with(".test.csflow")
                && !dir.ends_with("common")
            {
                paths.push(path);
            }
        }
    }
    // The demo flows echo what the caller typed (quotes, a line break) and a service's text.
    for path in paths {
        let bundle = bundle_of(&path);
        for flow in &bundle.flows {
            let flow_name = bundle.str(flow.name);
            for (walk, channel) in
                (0..24u64).zip([Channel::Voice, Channel::Chat].into_iter().cycle())
            {
                let mut seed = walk + 1;
                let Ok((mut conversation, mut turn)) =
                    Conversation::begin(&bundle, Start::new(flow_name, channel), clock())
                else {
                    continue;
                };
                for _ in 0..30 {
                    same("0f3a\"9c", &turn);
                    seen.note(&turn);
                    turns += 1;
                    let next_turn = match turn.status {
                        Status::Calling => {
                            conversation.resume(&bundle, answer(next(&mut seed)), clock())
                        }
                        Status::Waiting => {
                            let input = input(&turn, &mut seed);
                            conversation.send(&bundle, input, clock())
                        }
                        _ => break,
                    };
                    match next_turn {
                        Ok(next_turn) => turn = next_turn,
                        Err(e) => panic!("{flow_name}: {e:?}"),
                    }
                }
                // The fields no example turn has: a failure's error, escaped texts.
                turn.error = Some("bad \"bundle\"\u{1}".into());
                turn.transfer = Some(Box::new(TransferInfo {
                    to: "sip:desk@example.com".into(),
                    reason: Some("tab\there".into()),
                }));
                same("id", &turn);
            }
        }
    }
    assert!(turns > 1_000, "only {turns} turns were walked");
    assert!(seen.all(), "the walks missed a field: {seen:?}");
}
