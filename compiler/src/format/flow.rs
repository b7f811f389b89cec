//! Flows: channel, start, slots, handlers, escalate rules and states, and the statements
//! inside them, one per line; menu options, escalate rules and flow-level handlers aligned
//! in runs (see [`super::align`]).

use super::align::{Row, runs};
use super::expr::{decl_name, expr, expr_text, ident, string, type_expr, word_ident};
use super::printer::{Printer, width};
use crate::ast::DynamicOptions;
use crate::ast::{
    Block, EscalateRule, Flow, Handler, InputTiming, Menu, MenuOption, Slot, State, Stmt, StmtKind,
    Str,
};

/// A flow item in source order.
enum FlowItem<'a> {
    Channel(usize, &'a str),
    Timezone(usize, &'a crate::ast::Str),
    Start(usize, &'a crate::ast::Ident),
    Slot(&'a Slot),
    Handler(&'a Handler),
    Escalate(&'a [EscalateRule]),
    State(&'a State),
    /// `language "…"`, `timeout …`, `max_digits …` or `finish_key "…"`.
    Setting(Setting<'a>),
}

/// One voice setting, at the offset of its value.
#[derive(Clone, Copy)]
enum Setting<'a> {
    Language(&'a Str),
    Timeout(usize, usize),
    MaxDigits(usize, usize),
    FinishKey(&'a Str),
}

impl Setting<'_> {
    fn at(&self) -> usize {
        match self {
            Setting::Language(s) | Setting::FinishKey(s) => s.span.start as usize,
            Setting::Timeout(at, _) | Setting::MaxDigits(at, _) => *at,
        }
    }

    fn end(&self) -> usize {
        match self {
            Setting::Language(s) | Setting::FinishKey(s) => s.span.end as usize,
            Setting::Timeout(_, end) | Setting::MaxDigits(_, end) => *end,
        }
    }
}

/// The settings of a flow or an input point, in source order.
fn settings<'a>(language: Option<&'a Str>, timing: &'a InputTiming) -> Vec<Setting<'a>> {
    let mut out: Vec<Setting> = Vec::new();
    out.extend(language.map(Setting::Language));
    out.extend(
        timing
            .timeout
            .as_ref()
            .map(|d| Setting::Timeout(d.span.start as usize, d.span.end as usize)),
    );
    out.extend(
        timing
            .max_digits
            .map(|(_, span)| Setting::MaxDigits(span.start as usize, span.end as usize)),
    );
    out.extend(timing.finish_key.as_ref().map(Setting::FinishKey));
    out.sort_by_key(Setting::at);
    out
}

fn setting(p: &mut Printer, s: Setting) {
    match s {
        Setting::Language(text) => {
            p.tok(text.span.start as usize, "language");
            string(p, text);
        }
        Setting::Timeout(start, end) => {
            p.tok(start, "timeout");
            p.slice(start, end);
        }
        Setting::MaxDigits(start, end) => {
            p.tok(start, "max_digits");
            p.slice(start, end);
        }
        Setting::FinishKey(text) => {
            p.tok(text.span.start as usize, "finish_key");
            string(p, text);
        }
    }
}

pub fn flow(p: &mut Printer, f: &Flow) {
    p.tok(f.span.start as usize, "flow");
    let after = decl_name(p, &f.name, f.span.start as usize);
    p.tok(after, "{");
    p.indent();
    let mut items: Vec<(usize, FlowItem)> = Vec::new();
    if let Some((channel, span)) = f.channel {
        items.push((
            span.start as usize,
            FlowItem::Channel(span.start as usize, channel.as_str()),
        ));
    }
    if let Some(zone) = &f.timezone {
        let at = p.src[..zone.span.start as usize]
            .rfind("timezone")
            .unwrap_or(zone.span.start as usize);
        items.push((at, FlowItem::Timezone(at, zone)));
    }
    if let Some(start) = &f.start {
        items.push((
            start.span.start as usize,
            FlowItem::Start(start.span.start as usize, start),
        ));
    }
    items.extend(
        f.slots
            .iter()
            .map(|s| (s.span.start as usize, FlowItem::Slot(s))),
    );
    items.extend(
        f.handlers
            .iter()
            .map(|h| (h.span.start as usize, FlowItem::Handler(h))),
    );
    // Each `escalate { }` block of the source stays a block of its own.
    let mut rules = &f.escalate[..];
    while let Some(first) = rules.first() {
        let len = rules
            .iter()
            .position(|r| next_is_close(p.src, r.span.end as usize))
            .map_or(rules.len(), |i| i + 1);
        let (block, rest) = rules.split_at(len);
        items.push((first.span.start as usize, FlowItem::Escalate(block)));
        rules = rest;
    }
    items.extend(
        settings(f.language.as_ref(), &f.timing)
            .into_iter()
            .map(|s| (s.at(), FlowItem::Setting(s))),
    );
    items.extend(
        f.states
            .iter()
            .map(|s| (s.span.start as usize, FlowItem::State(s))),
    );
    items.sort_by_key(|(at, _)| *at);
    // Flow-level handlers without retry align their kind in runs.
    let rows: Vec<Row> = items
        .iter()
        .map(|(at, item)| match item {
            FlowItem::Handler(h) if h.retry.is_none() && one_line_action(p, &h.action) => Row {
                start: *at,
                end: h.span.end as usize,
                head: Some(width(h.kind.as_str())),
            },
            FlowItem::Handler(h) => Row::none(*at, h.span.end as usize),
            FlowItem::Slot(s) => Row::none(*at, s.span.end as usize),
            FlowItem::State(s) => Row::none(*at, s.span.end as usize),
            _ => Row::none(*at, *at),
        })
        .collect();
    let widths = runs(p, &rows);
    for ((at, item), pad) in items.iter().zip(widths) {
        p.item(*at);
        match item {
            FlowItem::Channel(at, name) => {
                p.tok(*at, "channel");
                p.tok(*at, name);
            }
            FlowItem::Timezone(at, zone) => {
                p.tok(*at, "timezone");
                string(p, zone);
            }
            FlowItem::Start(at, name) => word_ident(p, *at, "start", name),
            FlowItem::Slot(s) => slot(p, s),
            FlowItem::Handler(h) => handler(p, h, pad),
            FlowItem::Escalate(rules) => escalate(p, rules),
            FlowItem::State(s) => state(p, s),
            FlowItem::Setting(s) => setting(p, *s),
        }
    }
    p.close_block(f.span.end as usize - 1);
}

fn slot(p: &mut Printer, s: &Slot) {
    p.tok(s.span.start as usize, "slot");
    let after = decl_name(p, &s.name, s.span.start as usize);
    p.glued(after, ":");
    type_expr(p, &s.ty);
    if s.sensitive {
        p.word_after(s.ty.span.end as usize, "sensitive");
    }
    if let Some(default) = &s.default {
        let from = s.ty.span.end as usize;
        p.word_after(from.min(default.span.start as usize), "=");
        expr(p, default);
    }
}

/// `on KIND [retry N ["…"] then] ACTION`; `pad`: the kind's column width in an aligned run.
fn handler(p: &mut Printer, h: &Handler, pad: Option<usize>) {
    let at = h.span.start as usize;
    p.tok(at, "on");
    let col = p.indent_col() + 3;
    p.tok(h.kind_span.start as usize, h.kind.as_str());
    if let Some(retry) = &h.retry {
        let r = retry.span.start as usize;
        p.tok(r, "retry");
        p.tok(r, &retry.count.to_string());
        if let Some(message) = &retry.message {
            string(p, message);
        }
        let mut from = retry.message.as_ref().map_or(r, |m| m.span.end as usize);
        if let Some(reprompt) = retry.reprompt {
            p.tok(reprompt.start as usize, "and");
            from = p.word_after(reprompt.start as usize + 3, "prompt");
        }
        p.word_after(from, "then");
    }
    if let Some(pad) = pad {
        p.align(col + pad + 1);
    }
    action(p, &h.action);
}

fn escalate(p: &mut Printer, rules: &[EscalateRule]) {
    let first = rules.first().map_or(0, |r| r.span.start as usize);
    p.tok(first, "escalate");
    p.tok(first, "{");
    p.indent();
    let rows: Vec<Row> = rules
        .iter()
        .map(|r| {
            let (start, end) = (r.span.start as usize, r.span.end as usize);
            if one_line_action(p, &r.action) {
                Row {
                    start,
                    end,
                    head: Some(width(&expr_text(p.src, &r.condition))),
                }
            } else {
                Row::none(start, end)
            }
        })
        .collect();
    let widths = runs(p, &rows);
    for (rule, pad) in rules.iter().zip(widths) {
        p.item(rule.span.start as usize);
        p.tok(rule.span.start as usize, "when");
        let col = p.indent_col() + 5;
        expr(p, &rule.condition);
        if let Some(pad) = pad {
            p.align(col + pad + 1);
        }
        action(p, &rule.action);
    }
    let last = rules.last().map_or(first, |r| r.span.end as usize);
    let close = close_after(p.src, last);
    p.close_block(close);
}

/// Whether the next thing after `from`, past spaces and comments, is a `}`.
fn next_is_close(src: &str, from: usize) -> bool {
    let mut rest = src.get(from..).unwrap_or_default();
    loop {
        rest =
            rest.trim_start_matches(|c: char| crate::syntax::lex::is_space(c) || c.is_whitespace());
        match rest.strip_prefix('#') {
            Some(comment) => rest = comment.split_once('\n').map_or("", |(_, r)| r),
            None => return rest.starts_with('}'),
        }
    }
}

/// The `}` that closes a block whose last item ends at `from` (skipping spaces and comments).
pub fn close_after(src: &str, from: usize) -> usize {
    let bytes = src.as_bytes();
    let mut i = from;
    while i < bytes.len() {
        match bytes[i] {
            b'}' => return i,
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            _ => i += 1,
        }
    }
    src.len()
}

fn state(p: &mut Printer, s: &State) {
    p.tok(s.span.start as usize, "state");
    let after = decl_name(p, &s.name, s.span.start as usize);
    p.tok(after, "{");
    body(p, &s.body.statements, s.span.end as usize - 1);
}

/// The statements of a `{ }` block (after its `{`), each on its line, then its `}`.
fn body(p: &mut Printer, statements: &[Stmt], close: usize) {
    if statements.is_empty() && !p.trivia_within(0, close) {
        p.tok(close, "}");
        return;
    }
    p.indent();
    for s in statements {
        p.item(s.span.start as usize);
        stmt(p, s);
    }
    p.close_block(close);
}

fn braced(p: &Printer, block: &Block) -> bool {
    p.src.as_bytes().get(block.span.start as usize) == Some(&b'{')
}

/// An ACTION: one statement on the same line, or a `{ }` block.
fn action(p: &mut Printer, block: &Block) {
    if braced(p, block) {
        p.tok(block.span.start as usize, "{");
        body(p, &block.statements, block.span.end as usize - 1);
    } else {
        for s in &block.statements {
            stmt(p, s);
        }
    }
}

/// Whether an action prints on the line it starts on (what can be aligned in a run).
fn one_line_action(p: &Printer, block: &Block) -> bool {
    if braced(p, block) {
        return block.statements.is_empty();
    }
    block.statements.iter().all(|s| match &s.kind {
        StmtKind::Say(_)
        | StmtKind::Speak(_)
        | StmtKind::Transfer(_)
        | StmtKind::Goto(_)
        | StmtKind::End
        | StmtKind::Handoff(_)
        | StmtKind::Set { .. } => true,
        StmtKind::Call(call) => call.handlers.is_empty(),
        StmtKind::Answer(a) => a.otherwise.as_ref().is_none_or(|b| one_line_action(p, b)),
        _ => false,
    })
}

fn stmt(p: &mut Printer, s: &Stmt) {
    let at = s.span.start as usize;
    match &s.kind {
        StmtKind::Say(text) => {
            p.tok(at, "say");
            string(p, text);
        }
        StmtKind::Speak(speak) => {
            match &speak.audio {
                Some(audio) => {
                    p.tok(at, "play");
                    string(p, audio);
                    let or = p.word_after(audio.span.end as usize, "or");
                    p.word_after(or, "say");
                }
                None => p.tok(at, "say"),
            }
            string(p, &speak.text);
            if let Some(language) = &speak.language {
                setting(p, Setting::Language(language));
            }
        }
        StmtKind::Transfer(transfer) => {
            p.tok(at, "transfer");
            string(p, &transfer.to);
            if let Some(reason) = &transfer.reason {
                p.tok(reason.span.start as usize, "reason");
                string(p, reason);
            }
        }
        StmtKind::Ask(ask) => {
            p.tok(at, "ask");
            ident(p, &ask.slot);
            recording(p, ask.slot.span.end as usize, ask.audio.as_ref());
            string(p, &ask.prompt);
            let own = settings(ask.language.as_ref(), &ask.timing);
            let after = own
                .last()
                .map_or(ask.prompt.span.end as usize, Setting::end);
            for s in own {
                setting(p, s);
            }
            if p.src.as_bytes().get(s.span.end as usize - 1) == Some(&b'}') {
                p.tok(p.next_word(after, "{"), "{");
                p.indent();
                for h in &ask.handlers {
                    p.item(h.span.start as usize);
                    handler(p, h, None);
                }
                p.close_block(s.span.end as usize - 1);
            }
        }
        StmtKind::Menu(m) => menu(p, m, at, s.span.end as usize - 1),
        StmtKind::Goto(target) => word_ident(p, at, "goto", target),
        StmtKind::End => p.tok(at, "end"),
        StmtKind::Handoff(h) => handoff(p, at, h),
        StmtKind::If(branch) => {
            for (i, (condition, block)) in branch.branches.iter().enumerate() {
                if i == 0 {
                    p.tok(at, "if");
                } else {
                    let from = branch.branches[i - 1].1.span.end as usize;
                    let after = p.word_after(from, "else");
                    p.word_after(after, "if");
                }
                expr(p, condition);
                p.tok(block.span.start as usize, "{");
                body(p, &block.statements, block.span.end as usize - 1);
            }
            if let Some(otherwise) = &branch.otherwise {
                let from = branch.branches.last().map_or(at, |b| b.1.span.end as usize);
                p.word_after(from, "else");
                p.tok(otherwise.span.start as usize, "{");
                body(p, &otherwise.statements, otherwise.span.end as usize - 1);
            }
        }
        StmtKind::Set { slot, value } => {
            p.tok(at, "set");
            ident(p, slot);
            p.word_after(slot.span.end as usize, "=");
            expr(p, value);
        }
        StmtKind::Call(call) => {
            p.tok(at, "call");
            ident(p, &call.service);
            p.glued(call.operation.span.start as usize, ".");
            p.glue_next();
            ident(p, &call.operation);
            p.glued(call.operation.span.end as usize, "(");
            p.glue_next();
            for (i, (name, value)) in call.args.iter().enumerate() {
                if i > 0 {
                    p.glued(name.span.start as usize, ",");
                }
                ident(p, name);
                p.glued(name.span.end as usize, ":");
                expr(p, value);
            }
            let end = call
                .into
                .as_ref()
                .map_or(s.span.end as usize, |into| into.span.start as usize);
            let close = p.src[..end].rfind(')').unwrap_or(at);
            p.glued(close, ")");
            if let Some(into) = &call.into {
                p.word_after(close + 1, "into");
                ident(p, into);
            }
            if let Some(first) = call.handlers.first() {
                let before = first.span.start as usize;
                let open = p.src[..before].rfind('{').unwrap_or(before);
                p.tok(open, "{");
                p.indent();
                for h in &call.handlers {
                    p.item(h.span.start as usize);
                    handler(p, h, None);
                }
                p.close_block(s.span.end as usize - 1);
            }
        }
        StmtKind::Answer(answer) => {
            p.tok(at, "answer");
            p.tok(at, "from");
            ident(p, &answer.knowledge);
            if let Some(topic) = &answer.topic {
                string(p, topic);
            }
            if let Some(otherwise) = &answer.otherwise {
                let from = answer
                    .topic
                    .as_ref()
                    .map_or(answer.knowledge.span.end as usize, |t| t.span.end as usize);
                p.word_after(from, "else");
                action(p, otherwise);
            }
        }
        StmtKind::Error => p.slice(at, s.span.end as usize),
    }
}

/// A menu option's keys, intents and phrases in source order, as written.
fn option_keys<'a>(p: &Printer<'a>, o: &MenuOption) -> Vec<(usize, &'static str, &'a str)> {
    let src = p.src;
    let mut keys: Vec<(usize, &'static str, &'a str)> = Vec::new();
    keys.extend(
        o.keys
            .iter()
            .map(|k| (k.span.start as usize, "key", &src[k.span.range()])),
    );
    keys.extend(
        o.intents
            .iter()
            .map(|i| (i.span.start as usize, "intent", &src[i.span.range()])),
    );
    keys.extend(
        o.phrases
            .iter()
            .map(|s| (s.span.start as usize, "phrase", &src[s.span.range()])),
    );
    keys.sort_by_key(|k| k.0);
    keys
}

fn keys_width(keys: &[(usize, &str, &str)]) -> usize {
    keys.iter()
        .map(|(_, word, text)| word.len() + 1 + width(text))
        .sum::<usize>()
        + keys.len().saturating_sub(1)
}

/// `play "URL" or say` before an `ask`/`menu` prompt that has a recording.
fn recording(p: &mut Printer, from: usize, audio: Option<&Str>) {
    if let Some(audio) = audio {
        p.word_after(from, "play");
        string(p, audio);
        let or = p.word_after(audio.span.end as usize, "or");
        p.word_after(or, "say");
    }
}

fn menu(p: &mut Printer, m: &Menu, at: usize, close: usize) {
    p.tok(at, "menu");
    recording(p, at + "menu".len(), m.audio.as_ref());
    string(p, &m.prompt);
    let own = settings(m.language.as_ref(), &m.timing);
    let after = own.last().map_or(m.prompt.span.end as usize, Setting::end);
    for s in own {
        setting(p, s);
    }
    p.tok(p.next_word(after, "{"), "{");
    p.indent();
    enum MenuItem<'a> {
        Option(&'a MenuOption),
        Dynamic(&'a DynamicOptions),
        Handler(&'a Handler),
    }
    let mut items: Vec<(usize, usize, MenuItem)> = Vec::new();
    items.extend(m.options.iter().map(|o| {
        (
            o.span.start as usize,
            o.span.end as usize,
            MenuItem::Option(o),
        )
    }));
    items.extend(m.dynamic.iter().map(|d| {
        (
            d.span.start as usize,
            d.span.end as usize,
            MenuItem::Dynamic(d),
        )
    }));
    items.extend(m.handlers.iter().map(|h| {
        (
            h.span.start as usize,
            h.span.end as usize,
            MenuItem::Handler(h),
        )
    }));
    items.sort_by_key(|i| i.0);
    let rows: Vec<Row> = items
        .iter()
        .map(|(start, end, item)| match item {
            MenuItem::Option(o) if one_line_action(p, &o.action) => Row {
                start: *start,
                end: *end,
                head: Some(width(&p.src[o.label.span.range()])),
            },
            _ => Row::none(*start, *end),
        })
        .collect();
    let label_widths = runs(p, &rows);
    let rows: Vec<Row> = rows
        .into_iter()
        .zip(&items)
        .map(|(row, (_, _, item))| match item {
            MenuItem::Option(o) if row.head.is_some() => Row {
                head: Some(keys_width(&option_keys(p, o))),
                ..row
            },
            _ => row,
        })
        .collect();
    let key_widths = runs(p, &rows);
    for (((start, _, item), label_pad), keys_pad) in items.iter().zip(label_widths).zip(key_widths)
    {
        p.item(*start);
        match item {
            MenuItem::Handler(h) => handler(p, h, None),
            MenuItem::Dynamic(d) => dynamic(p, d, *start),
            MenuItem::Option(o) => {
                p.tok(*start, "option");
                let col = p.indent_col() + 7;
                string(p, &o.label);
                let keys = option_keys(p, o);
                let mut next = col;
                if let Some(pad) = label_pad {
                    next = col + pad + 1;
                    if !keys.is_empty() {
                        p.align(next);
                    }
                }
                for (at, word, text) in &keys {
                    p.tok(*at, word);
                    p.slice(*at, *at + text.len());
                }
                if let (Some(_), Some(pad)) = (label_pad, keys_pad) {
                    let action_col = if pad == 0 { next } else { next + pad + 2 };
                    p.align(action_col);
                }
                action(p, &o.action);
            }
        }
    }
    p.close_block(close);
}

/// `options from LIST [max N] label "…" into NAME ACTION`.
fn dynamic(p: &mut Printer, d: &DynamicOptions, at: usize) {
    p.tok(at, "options");
    p.word_after(at + "options".len(), "from");
    expr(p, &d.list);
    if let Some((count, span)) = d.max {
        p.word_after(d.list.span.end as usize, "max");
        p.tok(span.start as usize, &count.to_string());
    }
    p.tok(d.label.span.start as usize, "label");
    string(p, &d.label);
    p.word_after(d.label.span.end as usize, "into");
    ident(p, &d.into);
    action(p, &d.action);
}

/// `handoff QUEUE [priority P] [reason "…"]` (a statement or a test's expectation).
pub fn handoff(p: &mut Printer, at: usize, h: &crate::ast::Handoff) {
    p.tok(at, "handoff");
    ident(p, &h.queue);
    if let Some((priority, span)) = h.priority {
        p.word_after(h.queue.span.end as usize, "priority");
        p.tok(span.start as usize, priority.as_str());
    }
    if let Some(reason) = &h.reason {
        p.tok(reason.span.start as usize, "reason");
        string(p, reason);
    }
}
