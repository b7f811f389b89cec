//! The API's Turn as JSON, written by hand: `{"id","status","state","outputs","expecting"?,
//! "handoff"?,"transfer"?,"error"?}`. It is on the path of every turn, and serde_json's
//! derived writer cost ~6,000 instructions for a 300-byte menu Turn (a formatter call and a
//! byte-by-byte escape per string: 15 % of a turn, bench/README.md); here a string with
//! nothing to escape — nearly every one: state names, prompts, labels, keys — is one copy.
//! The bytes are exactly serde_json's (the derived writer is kept in the tests as the
//! reference).

use csflow_runtime::Turn;
use csflow_runtime::vm::{ExpectKind, Expecting, HandoffInfo, Output, TransferInfo};

/// The Turn JSON the API answers with.
pub fn to_json(id: &str, turn: &Turn<'_>) -> Vec<u8> {
    // A menu's Turn is a few hundred bytes: one allocation of the usual size.
    let mut out = Vec::with_capacity(1024);
    out.extend_from_slice(b"{\"id\":");
    string(&mut out, id);
    out.extend_from_slice(b",\"status\":\"");
    // Status names are plain ASCII words.
    out.extend_from_slice(turn.status.as_str().as_bytes());
    out.extend_from_slice(b"\",\"state\":");
    string(&mut out, turn.state);
    out.extend_from_slice(b",\"outputs\":[");
    for (i, output) in turn.outputs.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        self::output(&mut out, output);
    }
    out.push(b']');
    if let Some(expecting) = &turn.expecting {
        out.extend_from_slice(b",\"expecting\":");
        self::expecting(&mut out, expecting);
    }
    if let Some(handoff) = &turn.handoff {
        out.extend_from_slice(b",\"handoff\":");
        self::handoff(&mut out, handoff);
    }
    if let Some(transfer) = &turn.transfer {
        out.extend_from_slice(b",\"transfer\":");
        self::transfer(&mut out, transfer);
    }
    optional(&mut out, b",\"error\":", turn.error.as_deref());
    out.push(b'}');
    out
}

fn output(out: &mut Vec<u8>, output: &Output<'_>) {
    out.extend_from_slice(b"{\"type\":");
    match output.url() {
        Some(url) => {
            out.extend_from_slice(b"\"play\",\"url\":");
            string(out, url);
        }
        None => out.extend_from_slice(b"\"say\""),
    }
    out.extend_from_slice(b",\"text\":");
    string(out, output.text());
    optional(out, b",\"language\":", super::output_language(output));
    out.push(b'}');
}

fn expecting(out: &mut Vec<u8>, expecting: &Expecting<'_>) {
    out.extend_from_slice(match expecting.kind {
        ExpectKind::Menu => b"{\"kind\":\"menu\",\"options\":[",
        ExpectKind::Ask => b"{\"kind\":\"ask\",\"options\":[",
    });
    let options = &expecting.options;
    let mut first = true;
    for option in (0..options.len()).filter_map(|i| options.get(i)) {
        if !first {
            out.push(b',');
        }
        first = false;
        out.extend_from_slice(b"{\"label\":");
        string(out, &option.label);
        optional(out, b",\"key\":", option.key.as_deref());
        out.push(b'}');
    }
    out.push(b']');
    optional(out, b",\"slot\":", expecting.slot);
    if let Some(timeout) = expecting.timeout_ms {
        out.extend_from_slice(b",\"timeout_ms\":");
        number(out, timeout);
    }
    if let Some(digits) = expecting.max_digits {
        out.extend_from_slice(b",\"max_digits\":");
        number(out, digits);
    }
    optional(out, b",\"finish_key\":", expecting.finish_key);
    out.push(b'}');
}

fn handoff(out: &mut Vec<u8>, handoff: &HandoffInfo) {
    out.extend_from_slice(b"{\"queue\":");
    string(out, &handoff.queue);
    out.extend_from_slice(b",\"priority\":");
    string(out, &handoff.priority);
    optional(out, b",\"reason\":", handoff.reason.as_deref());
    out.push(b'}');
}

fn transfer(out: &mut Vec<u8>, transfer: &TransferInfo) {
    out.extend_from_slice(b"{\"to\":");
    string(out, &transfer.to);
    optional(out, b",\"reason\":", transfer.reason.as_deref());
    out.push(b'}');
}

/// `,"name":"text"` (given as `member`, with its comma and colon), or nothing for `None`:
/// serde's `skip_serializing_if = "Option::is_none"`.
fn optional(out: &mut Vec<u8>, member: &[u8], text: Option<&str>) {
    if let Some(text) = text {
        out.extend_from_slice(member);
        string(out, text);
    }
}

/// `text` as a JSON string. Only `"`, `\` and the control characters below U+0020 are
/// escaped (as serde_json does); a text without them is copied whole, one with them is left
/// to serde_json, so every escape is written exactly as before.
fn string(out: &mut Vec<u8>, text: &str) {
    // Without an early exit the loop is vectorised; the texts are short.
    let plain = !text.bytes().fold(false, |seen, b| {
        seen | (b < 0x20) | (b == b'"') | (b == b'\\')
    });
    if plain {
        out.reserve(text.len() + 2);
        out.push(b'"');
        out.extend_from_slice(text.as_bytes());
        out.push(b'"');
    } else if serde_json::to_writer(&mut *out, text).is_err() {
        // Writing into a `Vec` cannot fail; were it to, the string is still valid JSON.
        out.extend_from_slice(b"\"\"");
    }
}

fn number(out: &mut Vec<u8>, value: u32) {
    let (digits, at) = digits(value.into());
    out.extend_from_slice(&digits[at..]);
}

/// The decimal digits of `value`, as `{}` writes them: `digits[at..]` (without `core::fmt`,
/// which costs a dynamic call per number on the hot path of every turn).
pub(crate) fn digits(mut value: u64) -> ([u8; 20], usize) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    (digits, at)
}

#[cfg(test)]
#[path = "json_tests.rs"]
mod tests;
