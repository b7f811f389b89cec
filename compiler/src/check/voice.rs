//! Voice settings and statements: `voice-only-in-chat` (a `transfer` or keypad timing in a
//! `channel chat` flow), `max-digits-too-short` (a `digits(N)` slot that cannot be keyed
//! in within `max_digits`), `value-out-of-range` for the settings themselves,
//! `missing-finish-key` (a prompt that tells the caller to end with a key no `finish_key`
//! sets) and `missing-audio` (a voice flow plays a file that is not in the project).

use super::Context;
use crate::ast::*;
use crate::diagnostic::Diagnostic;
use crate::diagnostic::ids;
use crate::resolve::FlowModel;
use crate::visit;
use std::path::Path;

/// The most keypad digits one input point may collect.
const MAX_DIGITS: u32 = 64;
/// The longest a voice channel is asked to wait for a caller.
const MAX_TIMEOUT_MS: u64 = 120_000;

pub fn check(context: &Context, flow: &FlowModel, diagnostics: &mut Vec<Diagnostic>) {
    let ast = flow.flow;
    let chat = matches!(ast.channel, Some((Channel::Chat, _)));
    settings(&ast.timing, chat, diagnostics);
    let voice = ast.is_voice();
    fixed(ast.language.as_ref(), Fixed::Language, diagnostics);
    visit::each_flow_stmt(ast, &mut |stmt| match &stmt.kind {
        StmtKind::Transfer(transfer) => {
            fixed(Some(&transfer.to), Fixed::Destination, diagnostics);
            if chat {
                diagnostics.push(
                    Diagnostic::new(
                        ids::VOICE_ONLY_IN_CHAT,
                        stmt.span,
                        "`transfer` moves a phone call, and this flow is a chat flow",
                    )
                    .with_primary_message("a chat conversation cannot be transferred to a number")
                    .with_note("hand the chat to agents with `handoff QUEUE`, or make the flow `channel voice` (or `any`)"),
                );
            }
            let to = transfer.to.plain_text();
            if !transfer.to.has_interpolation() && !is_destination(&to) {
                diagnostics.push(
                    Diagnostic::new(
                        ids::VALUE_OUT_OF_RANGE,
                        transfer.to.span,
                        format!("\"{to}\" is neither a phone number nor a SIP address"),
                    )
                    .with_note("write a number such as \"+861012345678\" or a SIP address such as \"sip:desk@example.com\""),
                );
            }
        }
        StmtKind::Ask(ask) => {
            settings(&ask.timing, chat, diagnostics);
            recording(context, voice, ask.audio.as_ref(), diagnostics);
            fixed(ask.language.as_ref(), Fixed::Language, diagnostics);
            let slot = flow.slots.get(ask.slot.name.as_str());
            let digits = slot.and_then(|s| match s.ty.kind {
                TypeKind::Digits { min, max } => Some((min, max)),
                _ => None,
            });
            let max_digits = ask.timing.max_digits.or(ast.timing.max_digits);
            if let (Some((min, max)), Some((limit, span))) = (digits, max_digits) {
                let needed = min.or(max).unwrap_or(0);
                // `max_digits 0` is out of range already.
                if needed > limit && limit > 0 {
                    let written = if ask.timing.max_digits.is_some() {
                        "here"
                    } else {
                        "as the flow's default"
                    };
                    diagnostics.push(
                        Diagnostic::new(
                            ids::MAX_DIGITS_TOO_SHORT,
                            span,
                            format!(
                                "`max_digits {limit}` stops the caller before the {needed} digits `{}` needs",
                                ask.slot.name
                            ),
                        )
                        .with_primary_message(format!("set {written}"))
                        .with_label(ask.slot.span, format!("a {needed}-digit slot"))
                        .with_note(format!(
                            "no reply can fill the slot; raise `max_digits` to at least {needed}, or leave it out (a `digits(N)` slot sets it)"
                        )),
                    );
                }
            }
            finish_key(&ask.prompt, &ask.timing, &ast.timing, diagnostics);
        }
        StmtKind::Menu(menu) => {
            settings(&menu.timing, chat, diagnostics);
            recording(context, voice, menu.audio.as_ref(), diagnostics);
            fixed(menu.language.as_ref(), Fixed::Language, diagnostics);
            finish_key(&menu.prompt, &menu.timing, &ast.timing, diagnostics);
        }
        StmtKind::Speak(speak) => {
            recording(context, voice, speak.audio.as_ref(), diagnostics);
            fixed(speak.language.as_ref(), Fixed::Language, diagnostics);
        }
        _ => {}
    });
}

/// A recording (of a `play`, or of an `ask`/`menu` prompt): a fixed path, and on voice one
/// that exists.
fn recording(
    context: &Context,
    voice: bool,
    audio: Option<&Str>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    fixed(audio, Fixed::Recording, diagnostics);
    if let (Some(audio), true) = (audio, voice) {
        missing_audio(context, audio, diagnostics);
    }
}

/// Texts the channel gets as written, never interpolated.
#[derive(Clone, Copy)]
enum Fixed {
    Recording,
    Destination,
    Language,
}

/// `interpolation-not-allowed`: a `{…}` in a text that is used as written.
fn fixed(text: Option<&Str>, what: Fixed, diagnostics: &mut Vec<Diagnostic>) {
    let Some(text) = text else {
        return;
    };
    let Some(first) = visit::interpolations(text).next() else {
        return;
    };
    let (message, note) = match what {
        Fixed::Recording => (
            "a recording's path is used as written: this `{…}` would never be filled in",
            "choose between recordings with `if`, one `play` per file",
        ),
        Fixed::Destination => (
            "a transfer's destination is used as written: this `{…}` would never be filled in",
            "choose between destinations with `if`, one `transfer` per number or address",
        ),
        Fixed::Language => (
            "a language is used as written: this `{…}` would never be filled in",
            "write one language tag (\"zh-CN\", \"en-US\"); choose between languages with `if`",
        ),
    };
    diagnostics.push(
        Diagnostic::new(ids::INTERPOLATION_NOT_ALLOWED, first.span, message)
            .with_label(text.span, "passed to the channel as written")
            .with_note(note),
    );
}

/// A phone number (digits with an optional `+` and separators) or a `sip:`/`sips:`/`tel:`
/// address.
fn is_destination(to: &str) -> bool {
    let to = to.trim();
    if let Some(rest) = to.strip_prefix("sip:").or_else(|| to.strip_prefix("sips:")) {
        return rest.contains('@') || !rest.is_empty();
    }
    let number = to.strip_prefix("tel:").unwrap_or(to);
    let number = number.strip_prefix('+').unwrap_or(number);
    number.chars().filter(char::is_ascii_digit).count() >= 3
        && number.chars().all(|c| {
            c.is_ascii_digit() || matches!(c, ' ' | '-' | '(' | ')' | ',' | 'w' | '#' | '*')
        })
}

/// Settings that mean nothing (a `finish_key` that is not one key, `max_digits 0`, a
/// time-out of zero or over two minutes), and timing written in a chat flow.
fn settings(timing: &InputTiming, chat: bool, diagnostics: &mut Vec<Diagnostic>) {
    if let Some(key) = &timing.finish_key {
        let text = key.plain_text();
        let mut chars = text.chars();
        let one_key = matches!((chars.next(), chars.next()), (Some(c), None) if c.is_ascii_digit() || c == '*' || c == '#');
        if !one_key {
            diagnostics.push(
                Diagnostic::new(
                    ids::VALUE_OUT_OF_RANGE,
                    key.span,
                    format!("`finish_key \"{text}\"` is not one keypad key"),
                )
                .with_note(
                    "the key that ends an entry is one of `#`, `*` or a digit: `finish_key \"#\"`",
                ),
            );
        }
    }
    if let Some((n, span)) = timing.max_digits
        && (n == 0 || n > MAX_DIGITS)
    {
        diagnostics.push(
            Diagnostic::new(
                ids::VALUE_OUT_OF_RANGE,
                span,
                format!("`max_digits {n}` is outside 1 to {MAX_DIGITS}"),
            )
            .with_note("write how many keys the caller may press at most"),
        );
    }
    if let Some(timeout) = &timing.timeout
        && (timeout.millis == 0 || timeout.millis > MAX_TIMEOUT_MS)
    {
        diagnostics.push(
            Diagnostic::new(
                ids::VALUE_OUT_OF_RANGE,
                timeout.span,
                "a caller is waited for between 1 millisecond and 2 minutes",
            )
            .with_note("typical values are `timeout 5s` to `timeout 15s`"),
        );
    }
    if chat {
        let spans = [
            timing.timeout.as_ref().map(|t| t.span),
            timing.max_digits.map(|(_, span)| span),
            timing.finish_key.as_ref().map(|k| k.span),
        ];
        for span in spans.into_iter().flatten() {
            diagnostics.push(
                Diagnostic::new(
                    ids::VOICE_ONLY_IN_CHAT,
                    span,
                    "keypad timing is set in a chat flow",
                )
                .with_primary_message("chat channels have no keypad and no time-out to set")
                .with_note("remove the setting, or make the flow `channel voice` (or `any`)"),
            );
        }
    }
}

/// The key a prompt tells the caller to end with: "…, then press hash", "end with the
/// pound key", "followed by #", "以#号键结束", "按井号键结束".
fn announced_finish_key(prompt: &str) -> bool {
    let lower = prompt.to_lowercase();
    let english = [
        "end with",
        "followed by",
        "finish with",
        "then press",
        "and press",
        "when done",
    ]
    .iter()
    .any(|lead| {
        lower.match_indices(lead).any(|(at, lead)| {
            let rest = &lower[at + lead.len()..];
            let rest = rest.get(..rest.len().min(24)).unwrap_or(rest);
            ["#", "hash", "pound", "*", "star"]
                .iter()
                .any(|key| rest.contains(key))
        })
    });
    let chinese = [
        "#号键",
        "＃号键",
        "井号键",
        "#键",
        "＃键",
        "星号键",
        "*号键",
    ]
    .iter()
    .any(|key| prompt.contains(key))
        && ["结束", "确认", "完成"]
            .iter()
            .any(|end| prompt.contains(end));
    english || chinese
}

fn finish_key(
    prompt: &Str,
    own: &InputTiming,
    flow: &InputTiming,
    diagnostics: &mut Vec<Diagnostic>,
) {
    if own.finish_key.is_some() || flow.finish_key.is_some() {
        return;
    }
    if announced_finish_key(&prompt.plain_text()) {
        diagnostics.push(
            Diagnostic::new(
                ids::MISSING_FINISH_KEY,
                prompt.span,
                "the prompt tells the caller to end with a key, and no `finish_key` is set",
            )
            .with_primary_message("the caller is told to press a key that ends nothing")
            .with_note("add `finish_key \"#\"` after the prompt (or once in the flow), so the key ends the entry instead of becoming part of it"),
        );
    }
}

/// `play "audio/x.wav"` of a file that is neither beside the flow's file nor under the
/// project root. URLs (`https://…`) are not checked.
fn missing_audio(context: &Context, audio: &Str, diagnostics: &mut Vec<Diagnostic>) {
    let path = audio.plain_text();
    if path.contains("://") || audio.has_interpolation() || path.is_empty() {
        return;
    }
    let Some(file) = context.sources.try_get(audio.span.file) else {
        return;
    };
    let beside = Path::new(&file.path).parent().map(|dir| dir.join(&path));
    let mut candidates: Vec<std::path::PathBuf> = beside.into_iter().collect();
    candidates.extend(
        context
            .options
            .import_roots
            .first()
            .map(|root| root.join(&path)),
    );
    if candidates.iter().any(|c| c.is_file()) {
        return;
    }
    diagnostics.push(
        Diagnostic::new(
            ids::MISSING_AUDIO,
            audio.span,
            format!("the recording \"{path}\" is not in the project"),
        )
        .with_primary_message("no such file beside this flow or under the project root")
        .with_note("callers would hear nothing where the recording should play; add the file, or correct the path (the text after `or say` is only what chat channels get)"),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finish_keys_announced_in_english_and_chinese() {
        for prompt in [
            "Key in your account number, then press hash.",
            "Enter your number followed by the pound key.",
            "Enter your PIN and end with #.",
            "请输入账号，以#号键结束。",
            "请输入卡号后按井号键确认",
        ] {
            assert!(announced_finish_key(prompt), "{prompt}");
        }
        for prompt in [
            "Press 1 for sales.",
            "请按1。",
            "Press star to return to the menu.",
        ] {
            assert!(!announced_finish_key(prompt), "{prompt}");
        }
    }

    #[test]
    fn destinations() {
        for to in [
            "+861012345678",
            "010-1234 5678",
            "sip:desk@example.com",
            "tel:+1555",
        ] {
            assert!(is_destination(to), "{to}");
        }
        for to in ["agents", "", "sip:", "+1"] {
            assert!(!is_destination(to), "{to}");
        }
    }
}
