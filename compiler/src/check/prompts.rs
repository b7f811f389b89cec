//! What callers hear: `prompt-key-mismatch` (voice), `question-without-input` and
//! `sensitive-in-output`.
//!
//! Keys announced in a prompt are found by a small scanner over the prompt's source text
//! (so labels point at the exact words): after `press`, `dial` or `push` (any case) come
//! one or more keys separated by `,` `or` `and` `/` — "press 1", "dial 0", "press 1 or 2",
//! "press 1, 2 or 0", "press star"; after `按` (so also `请按`) come keys, each optionally
//! followed by `键`, `号` or `号键`, separated by `、` `，` `或` `或者` `和` — "按3", "请按3键",
//! "按 3", "按1或2", "按星号键", "请按二", "按九号键". A key is a run of digits (full-width
//! digits too, and after `按` the digit words 零 一 二 … 九), `*`/`#` (`star`, `hash`,
//! `pound`, `星号`, `井号`).

use super::Context;
use crate::ast::*;
use crate::diagnostic::Diagnostic;
use crate::diagnostic::ids;
use crate::resolve::{self, FlowModel, NameRef};
use crate::source::Span;
use crate::visit;
use std::collections::HashSet;

pub fn check(context: &Context, flow: &FlowModel, diagnostics: &mut Vec<Diagnostic>) {
    for handler in &flow.flow.handlers {
        if let Some(message) = handler.retry.as_ref().and_then(|r| r.message.as_ref()) {
            sensitive_in(flow, message, "message", diagnostics);
        }
    }
    // One walk over every statement does all three checks (statements after a `goto`,
    // `end` or `handoff` in the same block are dead and not visited).
    let mut questions = Questions {
        context,
        flow,
        voice: flow.flow.is_voice(),
        pending: Vec::new(),
        reported: HashSet::new(),
        diagnostics,
    };
    for state in &flow.flow.states {
        questions.block(&state.body);
        questions.report_all(None);
    }
    for block in flow
        .flow
        .handlers
        .iter()
        .map(|h| &h.action)
        .chain(flow.flow.escalate.iter().map(|r| &r.action))
    {
        questions.block(block);
        questions.report_all(None);
    }
}

/// One key announced in a prompt: the key (`"3"`, `"*"`) and the words that announce it.
#[derive(Debug, Clone, PartialEq)]
pub struct Announced {
    pub key: String,
    pub span: std::ops::Range<usize>,
}

/// The keys a prompt's text announces, with byte ranges into `text`.
pub fn announced_keys(text: &str) -> Vec<Announced> {
    let mut found = Vec::new();
    let mut i = 0;
    let mut depth = 0usize; // inside `{…}` interpolations
    while i < text.len() {
        let rest = &text[i..];
        let c = rest.chars().next().unwrap_or(' ');
        if rest.starts_with("{{") || rest.starts_with("}}") {
            i += 2;
            continue;
        }
        if c == '{' {
            depth += 1;
        } else if c == '}' {
            depth = depth.saturating_sub(1);
        } else if depth == 0 {
            let boundary = i == 0
                || !text[..i]
                    .chars()
                    .next_back()
                    .is_some_and(char::is_alphanumeric);
            let english = ["press", "dial", "push"]
                .into_iter()
                .find(|w| {
                    boundary
                        && rest.len() >= w.len()
                        && rest.is_char_boundary(w.len())
                        && rest[..w.len()].eq_ignore_ascii_case(w)
                })
                .filter(|w| {
                    !rest[w.len()..]
                        .chars()
                        .next()
                        .is_some_and(char::is_alphanumeric)
                });
            if let Some(word) = english {
                i = scan_keys(text, i, i + word.len(), false, &mut found);
                continue;
            }
            if c == '按' {
                i = scan_keys(text, i, i + c.len_utf8(), true, &mut found);
                continue;
            }
        }
        i += c.len_utf8();
    }
    found
}

/// Reads `KEY (SEP KEY)*` from `at`; the first key's span starts at its trigger word
/// (`trigger`). Returns where scanning should continue.
fn scan_keys(
    text: &str,
    trigger: usize,
    mut at: usize,
    chinese: bool,
    found: &mut Vec<Announced>,
) -> usize {
    let mut first = true;
    loop {
        at = skip_spaces(text, at);
        let rest = &text[at..];
        let mut key = String::new();
        let mut len = 0;
        for c in rest.chars() {
            match c {
                '0'..='9' => key.push(c),
                '０'..='９' => key.push(char::from(b'0' + (c as u32 - '０' as u32) as u8)),
                // Digit words after 按: 请按二, 按零, 按九号键.
                _ if chinese => match CHINESE_DIGITS.iter().position(|d| *d == c) {
                    Some(digit) => key.push(char::from(b'0' + digit as u8)),
                    None => break,
                },
                _ => break,
            }
            len += c.len_utf8();
        }
        if key.is_empty() {
            let words: &[(&str, &str)] = &[
                ("*", "*"),
                ("#", "#"),
                ("＊", "*"),
                ("＃", "#"),
                ("star", "*"),
                ("hash", "#"),
                ("pound", "#"),
                ("星号", "*"),
                ("井号", "#"),
            ];
            match words.iter().find(|(w, _)| {
                rest.len() >= w.len()
                    && rest.is_char_boundary(w.len())
                    && rest[..w.len()].eq_ignore_ascii_case(w)
            }) {
                Some((word, value)) => {
                    key.push_str(value);
                    len = word.len();
                }
                None => return at,
            }
        }
        let start = if first { trigger } else { at };
        first = false;
        found.push(Announced {
            key,
            span: start..at + len,
        });
        at += len;
        let after_key = skip_spaces(text, at);
        if chinese {
            // 按3键, 按九号键, 按1号
            for word in ["号键", "键", "号"] {
                if text[after_key..].starts_with(word) {
                    at = after_key + word.len();
                    break;
                }
            }
        }
        let next = skip_spaces(text, at);
        let rest = &text[next..];
        let separators: &[&str] = if chinese {
            &["、", "，", ",", "或者", "或", "和", "/"]
        } else {
            &[",", "or ", "and ", "/", "、", "，"]
        };
        match separators.iter().find(|s| {
            rest.len() >= s.len()
                && rest.is_char_boundary(s.len())
                && rest[..s.len()].eq_ignore_ascii_case(s)
        }) {
            Some(separator) => {
                at = next + separator.len();
                // "press 1, or 2" / "按1、或2"
                let again = skip_spaces(text, at);
                for word in ["or ", "and ", "或"] {
                    if text[again..].starts_with(word) {
                        at = again + word.len();
                    }
                }
                if chinese {
                    let again = skip_spaces(text, at);
                    if text[again..].starts_with('按') {
                        at = again + '按'.len_utf8();
                    }
                }
            }
            None => return at,
        }
    }
}

/// The digit words 零 一 二 … 九, by their value.
const CHINESE_DIGITS: [char; 10] = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];

fn skip_spaces(text: &str, mut at: usize) -> usize {
    while let Some(c) = text[at..].chars().next() {
        if !c.is_whitespace() {
            break;
        }
        at += c.len_utf8();
    }
    at
}

/// Does `key` appear in `text` at all: announced, or (for digit keys) as a run of digits of
/// its own ("for an agent, 0")?
fn mentions(text: &str, announced: &[Announced], key: &str) -> bool {
    if announced.iter().any(|a| a.key == key) {
        return true;
    }
    if !key.bytes().all(|b| b.is_ascii_digit()) {
        return text.contains(key);
    }
    let bytes = text.as_bytes();
    text.match_indices(key).any(|(i, _)| {
        let before = i == 0 || !bytes[i - 1].is_ascii_digit();
        let after = bytes.get(i + key.len()).is_none_or(|b| !b.is_ascii_digit());
        before && after
    })
}

fn key_mismatch(context: &Context, menu: &Menu, diagnostics: &mut Vec<Diagnostic>) {
    // `options from` keys its items 1..max (said after the prompt, so never announced).
    let dynamic_key = |key: &str| {
        menu.dynamic.as_ref().is_some_and(|d| {
            !key.starts_with('0')
                && key
                    .parse::<u32>()
                    .is_ok_and(|k| (1..=d.max_items()).contains(&k))
        })
    };
    // A menu line that did not parse is still an option: a broken option's keys after the
    // mistake are unknown, not absent, so any announced key may be its; a menu line kept
    // only as an error counts with the keys written on it (any, when it writes none).
    let mut broken_keys: Vec<String> = Vec::new();
    let mut any_key = menu.options.iter().any(|o| o.broken);
    for span in &menu.errors {
        match super::broken::written_keys(context.sources.slice(*span)) {
            Some(keys) => broken_keys.extend(keys),
            None => any_key = true,
        }
    }
    let has_key = |key: &str| {
        any_key
            || dynamic_key(key)
            || broken_keys.iter().any(|k| k == key)
            || menu
                .options
                .iter()
                .any(|o| o.keys.iter().any(|k| k.keys == key))
    };
    let prompt_source = context.sources.slice(menu.prompt.span);
    let announced = announced_keys(prompt_source);
    let mut missing: Vec<(Span, &str)> = Vec::new();
    let base = menu.prompt.span;
    for a in &announced {
        if !has_key(&a.key) {
            missing.push((
                Span::new(
                    base.file,
                    base.start as usize + a.span.start,
                    base.start as usize + a.span.end,
                ),
                &a.key,
            ));
        }
    }
    // Retry messages of the menu's own handlers announce keys too.
    let mut retry_announced = Vec::new();
    for handler in &menu.handlers {
        let Some(message) = handler.retry.as_ref().and_then(|r| r.message.as_ref()) else {
            continue;
        };
        for a in announced_keys(context.sources.slice(message.span)) {
            if !has_key(&a.key) {
                let start = message.span.start as usize;
                retry_announced.push((
                    Span::new(message.span.file, start + a.span.start, start + a.span.end),
                    a.key,
                ));
            }
        }
    }
    missing.extend(retry_announced.iter().map(|(s, k)| (*s, k.as_str())));
    let mut unannounced: Vec<(&Key, &MenuOption)> = Vec::new();
    for option in &menu.options {
        for key in &option.keys {
            if !mentions(prompt_source, &announced, &key.keys) {
                unannounced.push((key, option));
            }
        }
    }
    if missing.is_empty() && unannounced.is_empty() {
        return;
    }
    let mut diagnostic = match (missing.first(), unannounced.first()) {
        (Some((span, key)), None) => Diagnostic::new(
            ids::PROMPT_KEY_MISMATCH,
            *span,
            format!("the prompt announces key {key}, but no option of this menu has it"),
        )
        .with_primary_message("callers pressing this key get nothing"),
        (None, Some((key, option))) => Diagnostic::new(
            ids::PROMPT_KEY_MISMATCH,
            key.span,
            format!(
                "the option \"{}\" has key {}, but the prompt never mentions it",
                option.label.plain_text(),
                key.keys
            ),
        )
        .with_primary_message("callers never learn this key")
        .with_label(menu.prompt.span, "this prompt"),
        _ => {
            let (span, key) = missing[0];
            Diagnostic::new(
                ids::PROMPT_KEY_MISMATCH,
                span,
                "the menu's prompt and its options' keys disagree",
            )
            .with_primary_message(format!("no option has key {key}"))
        }
    };
    for (span, key) in missing.iter().skip(1) {
        diagnostic = diagnostic.with_label(*span, format!("no option has key {key}"));
    }
    let skip = usize::from(missing.is_empty());
    for (key, _) in unannounced.iter().skip(skip) {
        diagnostic = diagnostic.with_label(
            key.span,
            format!("key {} is never announced in the prompt", key.keys),
        );
    }
    diagnostics.push(diagnostic.with_note(
        "make the prompt and the options' keys agree: announce every key, and only keys that exist",
    ));
}

/// Reports `say` questions that are not followed by an input point before the state moves
/// on. `pending` holds the questions said and not yet answered along the current path.
struct Questions<'a, 'd> {
    context: &'d Context<'d, 'a>,
    flow: &'d FlowModel<'a>,
    voice: bool,
    pending: Vec<&'a Str>,
    /// Questions already reported (two branches may both move on after one question).
    reported: HashSet<Span>,
    diagnostics: &'d mut Vec<Diagnostic>,
}

impl<'a> Questions<'a, '_> {
    fn block(&mut self, block: &'a Block) {
        for stmt in &block.statements {
            sensitive_in_stmt(self.flow, stmt, self.diagnostics);
            if self.voice
                && let StmtKind::Menu(menu) = &stmt.kind
            {
                key_mismatch(self.context, menu, self.diagnostics);
            }
            match &stmt.kind {
                StmtKind::Say(text) if is_question(text) => self.pending.push(text),
                // A `play`'s fallback is what chat and the transcript get, and what the
                // recording says.
                StmtKind::Speak(speak) if is_question(&speak.text) => {
                    self.pending.push(&speak.text)
                }
                StmtKind::Ask(ask) => {
                    self.pending.clear();
                    for handler in &ask.handlers {
                        self.fresh(&handler.action);
                    }
                }
                StmtKind::Menu(menu) => {
                    self.pending.clear();
                    for option in &menu.options {
                        self.fresh(&option.action);
                    }
                    for handler in &menu.handlers {
                        self.fresh(&handler.action);
                    }
                }
                StmtKind::Goto(_) | StmtKind::End | StmtKind::Handoff(_) => {
                    self.report_all(Some(stmt));
                    return;
                }
                StmtKind::If(if_) => {
                    let before = self.pending.clone();
                    let mut after: Vec<&'a Str> = Vec::new();
                    for (_, branch) in &if_.branches {
                        self.pending.clone_from(&before);
                        self.block(branch);
                        merge(&mut after, &self.pending);
                    }
                    match &if_.otherwise {
                        Some(otherwise) => {
                            self.pending.clone_from(&before);
                            self.block(otherwise);
                            merge(&mut after, &self.pending);
                        }
                        None => merge(&mut after, &before),
                    }
                    self.pending = after;
                }
                StmtKind::Answer(answer) => {
                    if let Some(otherwise) = &answer.otherwise {
                        // Both the answer and the `else` go on after this statement.
                        let mut all = self.pending.clone();
                        self.block(otherwise);
                        merge(&mut all, &self.pending);
                        self.pending = all;
                    }
                }
                _ => {}
            }
        }
        // Falling off the block: the enclosing block goes on with what is still pending.
    }

    /// A block that starts after an input point (an option, a handler): nothing pending.
    fn fresh(&mut self, block: &'a Block) {
        let saved = std::mem::take(&mut self.pending);
        self.block(block);
        self.report_all(None);
        self.pending = saved;
    }

    fn report_all(&mut self, moving_on: Option<&Stmt>) {
        for question in self.pending.drain(..) {
            if !self.reported.insert(question.span) {
                continue;
            }
            let mut diagnostic = Diagnostic::new(
                ids::QUESTION_WITHOUT_INPUT,
                question.span,
                "this asks the caller something, but the flow moves on without waiting for the answer",
            )
            .with_primary_message("a question with no `ask` or `menu` after it");
            if let Some(stmt) = moving_on {
                diagnostic = diagnostic
                    .with_label(stmt.span, "the flow moves on here, before any input point");
            }
            self.diagnostics.push(diagnostic.with_note(
                "turn the question into the prompt of an `ask` or `menu`, or rephrase it as a statement",
            ));
        }
    }
}

fn merge<'a>(into: &mut Vec<&'a Str>, from: &[&'a Str]) {
    for s in from {
        if !into.iter().any(|x| std::ptr::eq(*x, *s)) {
            into.push(s);
        }
    }
}

/// Asks something: ends in `?` or `？` (closing quotes, brackets, spaces and a final `。`
/// aside), or, in Chinese, which often goes without a question mark, ends in the question
/// particles 吗 / 呢 / 么 or starts with 请问 ("may I ask").
pub fn is_question(text: &Str) -> bool {
    let first = match text.parts.first() {
        Some(StrPart::Text(first, _)) => first.trim_start(),
        _ => "",
    };
    if first.starts_with("请问") {
        return true;
    }
    let Some(StrPart::Text(last, _)) = text.parts.last() else {
        return false;
    };
    let trimmed =
        last.trim_end_matches(|c: char| c.is_whitespace() || "\"'”’」』)）。.".contains(c));
    trimmed.ends_with(['?', '？', '吗', '呢', '么'])
}

fn sensitive_in_stmt(flow: &FlowModel, stmt: &Stmt, diagnostics: &mut Vec<Diagnostic>) {
    let retry = |handlers: &[Handler], diagnostics: &mut Vec<Diagnostic>| {
        for handler in handlers {
            if let Some(message) = handler.retry.as_ref().and_then(|r| r.message.as_ref()) {
                sensitive_in(flow, message, "message", diagnostics);
            }
        }
    };
    match &stmt.kind {
        StmtKind::Say(text) => sensitive_in(flow, text, "message", diagnostics),
        StmtKind::Speak(speak) => sensitive_in(flow, &speak.text, "message", diagnostics),
        StmtKind::Ask(ask) => {
            sensitive_in(flow, &ask.prompt, "prompt", diagnostics);
            retry(&ask.handlers, diagnostics);
        }
        StmtKind::Menu(menu) => {
            sensitive_in(flow, &menu.prompt, "prompt", diagnostics);
            for option in &menu.options {
                sensitive_in(flow, &option.label, "option label", diagnostics);
            }
            if let Some(dynamic) = &menu.dynamic {
                sensitive_in(flow, &dynamic.label, "option label", diagnostics);
            }
            retry(&menu.handlers, diagnostics);
        }
        StmtKind::Handoff(handoff) => {
            if let Some(reason) = &handoff.reason {
                sensitive_in(flow, reason, "hand-off reason", diagnostics);
            }
        }
        _ => {}
    }
}

fn sensitive_in(flow: &FlowModel, text: &Str, what: &str, diagnostics: &mut Vec<Diagnostic>) {
    if !text.has_interpolation() {
        return;
    }
    for expr in visit::interpolations(text) {
        visit::each_expr(expr, &mut |e| {
            let ExprKind::Name(name) = &e.kind else {
                return;
            };
            let NameRef::Slot(slot) = resolve::lookup_name(flow, &name.name) else {
                return;
            };
            if !slot.sensitive {
                return;
            }
            diagnostics.push(
                Diagnostic::new(
                    ids::SENSITIVE_IN_OUTPUT,
                    name.span,
                    format!("the sensitive slot `{}` is put into a {what}", name.name),
                )
                .with_primary_message("personal data read out and shown on screen (only transcripts mask it)")
                .with_label(slot.name.as_ref().map_or(slot.span, |n| n.span), "declared `sensitive` here")
                .with_note("leave the value out of the text; it still reaches agents, masked, in the hand-off"),
            );
        });
    }
}
