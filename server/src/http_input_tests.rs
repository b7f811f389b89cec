//! `parse_input` reads the bytes straight into fields; these hold it to the answers of the
//! map-based parse it replaced (kept here as the reference), body for body.

use super::*;
use csflow_runtime::Input;

/// The parse before: the body read into a `serde_json` map, then checked.
fn reference(bytes: &[u8], max_text_chars: usize) -> Result<Input, ApiError> {
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(invalid_json)?;
    let serde_json::Value::Object(body) = value else {
        return Err(ApiError::bad_request(
            "invalid_body",
            "the body must be a JSON object",
        ));
    };
    refuse_unknown(&body, INPUT_FIELDS)?;
    if body.len() != 1 {
        return Err(ApiError::bad_request(
            "invalid_body",
            "send exactly one of `text`, `keys` or `event`",
        ));
    }
    let too_long = || {
        ApiError::too_large(
            "text_too_long",
            format!("the input is longer than {max_text_chars} characters"),
        )
    };
    match body.iter().next() {
        Some((key, serde_json::Value::String(text))) if key == "text" => {
            if text.chars().count() > max_text_chars {
                return Err(too_long());
            }
            Ok(Input::Text(text.clone()))
        }
        Some((key, serde_json::Value::String(keys))) if key == "keys" => {
            if keys.len() > max_text_chars {
                return Err(too_long());
            }
            if keys.is_empty()
                || !keys
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b == b'*' || b == b'#')
            {
                return Err(ApiError::bad_request(
                    "invalid_keys",
                    "`keys` must be keypad keys: digits, * and #",
                ));
            }
            Ok(Input::Keys(keys.clone()))
        }
        Some((key, serde_json::Value::String(event))) if key == "event" => {
            if event == "no_input" {
                Ok(Input::NoInput)
            } else {
                Err(ApiError::bad_request(
                    "invalid_event",
                    "the only `event` is \"no_input\"",
                ))
            }
        }
        Some((key, _)) => Err(ApiError::bad_request(
            "wrong_type",
            format!("`{key}` must be a string"),
        )),
        None => Err(ApiError::bad_request(
            "invalid_body",
            "send exactly one of `text`, `keys` or `event`",
        )),
    }
}

const BODIES: &[&str] = &[
    r#"{"keys":"1"}"#,
    r#"{"keys":"12*#"}"#,
    r#"{"keys":""}"#,
    r#"{"keys":"1a"}"#,
    r#"{"keys":"123456789"}"#,
    r#"{"keys":1}"#,
    r#"{"keys":null}"#,
    r#"{"text":"hello"}"#,
    r#"{"text":"héllo wörld"}"#,
    r#"{"text":"\u00e9\n\"q\""}"#,
    r#"{"text":"12345678"}"#,
    r#"{"text":"123456789"}"#,
    r#"{"text":["a"]}"#,
    r#"{"text":{"a":1}}"#,
    r#"{"event":"no_input"}"#,
    r#"{"event":"hangup"}"#,
    r#"{"event":true}"#,
    r#"{}"#,
    r#"{"text":"a","keys":"1"}"#,
    r#"{"keys":"1","event":"no_input"}"#,
    r#"{"text":"a","text":"b"}"#,
    r#"{"keys":"1","keys":"x"}"#,
    r#"{"keys":"x","keys":"2"}"#,
    r#"{"text":1,"text":"b"}"#,
    r#"{"zeta":1,"alpha":2,"keys":"1"}"#,
    r#"{"keys":"1","b":1,"a":2}"#,
    r#"{"K":1,"k":2}"#,
    r#"{"t\u0065xt":"escaped key"}"#,
    r#"{"\u00e9t\u00e9":1}"#,
    r#"{"a_very_long_unknown_field_name_that_goes_past_forty_characters":1}"#,
    r#"{"x":1e400}"#,
    r#"{"keys":"1","x":1e400}"#,
    r#"{"keys":"1","x":-0.5e-3,"y":[1,[2,{"z":null}]]}"#,
    r#"[1,2,3]"#,
    r#"[1e400]"#,
    r#""text""#,
    r#"12"#,
    r#"-1.5"#,
    r#"true"#,
    r#"null"#,
    r#""#,
    r#"   "#,
    r#"{"#,
    r#"{"keys":"1""#,
    r#"{"keys":"1",}"#,
    r#"{"keys":"1"} x"#,
    r#"{"keys":"1"}{"keys":"2"}"#,
    r#"{'keys':'1'}"#,
    "{\"keys\":\"1\"\n,\n\"text\":}",
    "{\"text\":\"\u{1F600}\u{1F600}\"}",
    "{\"text\":\"bad \\ud800 surrogate\"}",
];

#[test]
fn every_body_gets_the_answer_the_map_parse_gave() {
    for body in BODIES {
        assert_eq!(
            parse_input(body.as_bytes(), 8),
            reference(body.as_bytes(), 8),
            "body {body}"
        );
    }
    // Not UTF-8, and nested past serde_json's depth limit.
    let deep = format!("{{\"x\":{}1{}}}", "[".repeat(200), "]".repeat(200));
    for body in [&b"{\"text\":\"\xff\"}"[..], deep.as_bytes()] {
        assert_eq!(parse_input(body, 8), reference(body, 8));
    }
}
