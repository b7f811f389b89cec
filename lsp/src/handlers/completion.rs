//! Completion from what is being typed (the open document's current text) and the names the
//! project declares (its last analysis): keywords where they fit, state names after `goto`,
//! slots in `ask`/`set`/conditions/`{…}`, `into` fields after `.`, intents, queues, hours,
//! knowledge bases, services and operations (with their parameters), slot types, snippets.

use crate::context::Ctx;
use crate::definitions::{Def, each_flow_variable, each_top_definition};
use crate::documents::Document;
use crate::handlers::symbols::signature;
use crate::position::Encoding;
use csflow_compiler::ast::*;
use tower_lsp_server::ls_types::*;

/// The kind of block the cursor is in, from the keyword that opened it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Block {
    Top,
    Flow,
    /// A state, branch, option action or handler: statements go here.
    Statements,
    Menu,
    /// The handlers block of an `ask` or a `call`.
    Handlers,
    Escalate,
    Test,
    Hours,
    Queue,
    Service,
    Knowledge,
    Entry,
    /// Inside `enum { }`, `returns { }`, `intent { }`, a record: no keywords.
    Other,
}

/// Where the cursor is, read from the text before it.
#[derive(Debug)]
pub struct Place<'t> {
    pub block: Block,
    /// The words of the current line before the word being typed.
    pub words: Vec<&'t str>,
    /// The word being typed (possibly empty).
    pub partial: &'t str,
    /// The flow the cursor is in (or the flow a test runs).
    pub flow: Option<String>,
    pub in_string: bool,
    /// Inside `{…}` of a string: an interpolation.
    pub in_interpolation: bool,
    pub in_comment: bool,
}

const OPENERS: &[&str] = &[
    "flow",
    "state",
    "menu",
    "ask",
    "if",
    "else",
    "on",
    "option",
    "test",
    "hours",
    "queue",
    "intent",
    "service",
    "knowledge",
    "entry",
    "escalate",
    "when",
    "returns",
    "enum",
    "call",
    "answer",
    "operation",
];

fn block_of(opener: &str) -> Block {
    match opener {
        "flow" => Block::Flow,
        "state" | "if" | "else" | "on" | "option" | "when" | "answer" => Block::Statements,
        "menu" => Block::Menu,
        "ask" | "call" => Block::Handlers,
        "escalate" => Block::Escalate,
        "test" => Block::Test,
        "hours" => Block::Hours,
        "queue" => Block::Queue,
        "service" => Block::Service,
        "knowledge" => Block::Knowledge,
        "entry" => Block::Entry,
        _ => Block::Other,
    }
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Reads the text before the cursor: the block stack (skipping strings and comments), the
/// current flow, the words of the line.
pub fn place(before: &str) -> Place<'_> {
    let bytes = before.as_bytes();
    let mut stack: Vec<&str> = Vec::new();
    let mut candidate: Option<&str> = None;
    let mut flow: Option<String> = None;
    let mut test_flow_pending = false;
    let mut previous_word = "";
    let (mut in_string, mut in_interpolation, mut in_comment) = (false, false, false);
    let mut interpolation_start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if in_comment {
            if b == b'\n' {
                in_comment = false;
            }
            i += 1;
            continue;
        }
        if in_string && !in_interpolation {
            match b {
                b'\\' => i += 1,
                b'"' | b'\n' => in_string = false,
                b'{' if bytes.get(i + 1) == Some(&b'{') => i += 1,
                b'{' => {
                    in_interpolation = true;
                    interpolation_start = i + 1;
                }
                _ => {}
            }
            i += 1;
            continue;
        }
        match b {
            b'}' if in_interpolation => in_interpolation = false,
            b'"' if in_interpolation => {
                in_interpolation = false;
                in_string = false;
            }
            b'#' => in_comment = true,
            b'"' => in_string = true,
            b'{' => {
                stack.push(candidate.take().unwrap_or(""));
            }
            b'}' => {
                if let Some(closed) = stack.pop()
                    && (closed == "flow" || closed == "test")
                {
                    flow = None;
                }
                candidate = None;
            }
            c if is_word_byte(c) => {
                let start = i;
                while i < bytes.len() && is_word_byte(bytes[i]) {
                    i += 1;
                }
                let word = &before[start..i];
                // The word at the very end is the one being typed: it opens nothing yet.
                if i < bytes.len() {
                    if OPENERS.contains(&word) {
                        candidate = Some(word);
                    }
                    if previous_word == "flow" && (stack.is_empty() || test_flow_pending) {
                        flow = Some(word.to_string());
                        test_flow_pending = false;
                    }
                    if word == "test" && stack.is_empty() {
                        test_flow_pending = true;
                    }
                    previous_word = word;
                }
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    let line_start = before.rfind('\n').map_or(0, |n| n + 1);
    let line = &before[line_start..];
    let partial_start = line
        .bytes()
        .rposition(|b| !is_word_byte(b))
        .map_or(0, |p| p + 1);
    let partial = &line[partial_start..];
    // Inside `{…}` of a string, the words are those of the interpolation.
    let words_from = if in_interpolation {
        interpolation_start
            .saturating_sub(line_start)
            .min(partial_start)
    } else {
        0
    };
    let words = tokens(&line[words_from..partial_start]);
    let block = match stack.last() {
        None => Block::Top,
        Some(opener) => block_of(opener),
    };
    Place {
        block,
        words,
        partial,
        flow,
        in_string,
        in_interpolation,
        in_comment,
    }
}

/// Words and punctuation of the current statement (after the line's last brace): `call
/// cards.` → `call`, `cards`, `.`; a string is one `"` token.
fn tokens(line: &str) -> Vec<&str> {
    let bytes = line.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if is_word_byte(bytes[i]) {
            let start = i;
            while i < bytes.len() && is_word_byte(bytes[i]) {
                i += 1;
            }
            out.push(&line[start..i]);
        } else if bytes[i] == b'"' {
            let start = i;
            i += 1;
            while i < bytes.len() && bytes[i] != b'"' {
                i += if bytes[i] == b'\\' { 2 } else { 1 };
            }
            out.push(&line[start..start + 1]);
            i += 1;
        } else if bytes[i].is_ascii_whitespace() || !bytes[i].is_ascii() {
            i += 1;
        } else {
            if bytes[i] == b'{' || bytes[i] == b'}' {
                out.clear();
            } else {
                out.push(&line[i..i + 1]);
            }
            i += 1;
        }
    }
    out
}

/// The declarations of the project that completion offers. Only the top-level ones are
/// listed up front; a flow's states and variables are read from that flow when asked for,
/// so a completion in a 100,000-state flow never walks the whole tree.
struct Names<'a> {
    /// Flows, queues, intents, hours, knowledge bases and services, first definition first.
    top: Vec<Def<'a>>,
}

impl<'a> Names<'a> {
    fn of(ctx: Option<&Ctx<'a>>) -> Names<'a> {
        let mut top = Vec::new();
        if let Some(ctx) = ctx {
            for (_, file) in &ctx.snapshot.analysis.files {
                each_top_definition(file, &mut |def| top.push(def));
            }
        }
        Names { top }
    }

    fn flow(&self, name: Option<&str>) -> Option<&'a Flow> {
        let name = name?;
        self.top.iter().find_map(|d| match d {
            Def::Flow(f) if f.name.text() == Some(name) => Some(*f),
            _ => None,
        })
    }

    fn service(&self, name: &str) -> Option<&'a Service> {
        self.top.iter().find_map(|d| match d {
            Def::Service(s) if s.name.text() == Some(name) => Some(*s),
            _ => None,
        })
    }

    /// The slots (and, with `results`, the call results) of `flow`.
    fn variables(&self, flow: &'a Flow, results: bool) -> Vec<Def<'a>> {
        let mut out = Vec::new();
        each_flow_variable(flow, &mut |def| {
            if results || matches!(def, Def::Slot(..)) {
                out.push(def)
            }
        });
        out
    }
}

/// The answer of [`items_for`]: the items, and whether they were already cut to the word
/// being typed (a list too long to send whole).
struct Items {
    items: Vec<CompletionItem>,
    incomplete: bool,
}

impl From<Vec<CompletionItem>> for Items {
    fn from(items: Vec<CompletionItem>) -> Items {
        Items {
            items,
            incomplete: false,
        }
    }
}

fn item(label: &str, kind: CompletionItemKind, detail: Option<String>) -> CompletionItem {
    CompletionItem {
        label: label.to_string(),
        kind: Some(kind),
        detail,
        ..Default::default()
    }
}

fn snippet(label: &str, detail: &str, body: &str) -> CompletionItem {
    CompletionItem {
        label: label.to_string(),
        kind: Some(CompletionItemKind::SNIPPET),
        detail: Some(detail.to_string()),
        insert_text: Some(body.to_string()),
        insert_text_format: Some(InsertTextFormat::SNIPPET),
        ..Default::default()
    }
}

fn keywords(words: &[&str]) -> Vec<CompletionItem> {
    words
        .iter()
        .map(|w| item(w, CompletionItemKind::KEYWORD, None))
        .collect()
}

pub fn complete(
    document: &Document,
    ctx: Option<&Ctx>,
    position: Position,
    encoding: Encoding,
) -> Option<CompletionResponse> {
    let offset = document.lines().offset(position, encoding);
    let before = &document.text[..offset];
    let place = place(before);
    let typed_len = before
        .chars()
        .rev()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .map(char::len_utf8)
        .sum::<usize>();
    let typed = &before[before.len() - typed_len..];
    let Items {
        mut items,
        mut incomplete,
    } = items_for(&place, &Names::of(ctx), typed);
    if items.len() > MAX_ITEMS {
        // A 10,000-state flow after `goto`: send what matches the word being typed, at most
        // MAX_ITEMS of it, and mark the list incomplete so the editor asks again as it grows.
        items.retain(|item| item.label.starts_with(typed));
        items.truncate(MAX_ITEMS);
        incomplete = true;
    }
    if incomplete {
        return Some(CompletionResponse::List(CompletionList {
            is_incomplete: true,
            items,
        }));
    }
    if items.is_empty() {
        return None;
    }
    Some(CompletionResponse::Array(items))
}

/// The most items one completion reply carries: past this, building, sending and sorting
/// the list costs the editor more than the names help.
const MAX_ITEMS: usize = 200;

/// The completion items for a place; separate from the server so tests read like the text.
fn items_for(place: &Place, names: &Names, typed: &str) -> Items {
    if place.in_comment || (place.in_string && !place.in_interpolation) {
        return Vec::new().into();
    }
    let flow = names.flow(place.flow.as_deref());
    let words = &place.words;
    let last = words.last().copied().unwrap_or("");
    let second = words
        .len()
        .checked_sub(2)
        .and_then(|i| words.get(i))
        .copied()
        .unwrap_or("");
    let unique = |items: &mut dyn Iterator<Item = CompletionItem>| -> Vec<CompletionItem> {
        let mut seen = std::collections::HashSet::new();
        items.filter(|i| seen.insert(i.label.clone())).collect()
    };
    let kind_items = |want: &dyn Fn(&Def) -> Option<CompletionItem>| -> Vec<CompletionItem> {
        unique(&mut names.top.iter().filter_map(want))
    };
    // A flow's states; past MAX_ITEMS only those starting with the word being typed (the
    // prompt of each item is built only for the ones sent).
    let states = || -> Items {
        let Some(flow) = flow else {
            return Vec::new().into();
        };
        let big = flow.states.len() > MAX_ITEMS;
        let items = unique(
            &mut flow
                .states
                .iter()
                .filter(|s| s.name.text().is_some_and(|n| !big || n.starts_with(typed)))
                .filter_map(|s| {
                    Some(item(
                        s.name.text()?,
                        CompletionItemKind::FUNCTION,
                        first_prompt(s),
                    ))
                })
                .take(if big { MAX_ITEMS } else { usize::MAX }),
        );
        Items {
            items,
            incomplete: big,
        }
    };
    let slots = |results: bool| match flow {
        Some(flow) => unique(&mut names.variables(flow, results).into_iter().filter_map(
            |d| match d {
                Def::Slot(_, s) => Some(item(
                    s.name.text()?,
                    CompletionItemKind::VARIABLE,
                    Some(s.ty.kind.describe()),
                )),
                Def::Result(_, call, name) => Some(item(
                    &name.name,
                    CompletionItemKind::VARIABLE,
                    Some(format!(
                        "result of {}.{}",
                        call.service.name, call.operation.name
                    )),
                )),
                _ => None,
            },
        )),
        None => Vec::new(),
    };
    let global = |kind: &str| {
        kind_items(&|d| {
            let (k, detail) = match d {
                Def::Queue(q) => (
                    "queue",
                    q.hours.as_ref().map(|h| format!("hours {}", h.name)),
                ),
                Def::Intent(i) => (
                    "intent",
                    i.examples.first().map(|e| format!("“{}”", e.plain_text())),
                ),
                Def::Hours(h) => ("hours", h.timezone.as_ref().map(Str::plain_text)),
                Def::Knowledge(k) => (
                    "knowledge",
                    Some(count(k.entries.len(), "entry", "entries")),
                ),
                Def::Service(s) => (
                    "service",
                    Some(count(s.operations.len(), "operation", "operations")),
                ),
                Def::Flow(f) => ("flow", f.channel.map(|(c, _)| c.as_str().to_string())),
                _ => return None,
            };
            let item_kind = match k {
                "queue" => CompletionItemKind::CLASS,
                "intent" => CompletionItemKind::ENUM_MEMBER,
                "hours" => CompletionItemKind::EVENT,
                "knowledge" => CompletionItemKind::STRUCT,
                "service" => CompletionItemKind::INTERFACE,
                _ => CompletionItemKind::MODULE,
            };
            let name = d.ident()?;
            (k == kind).then(|| item(&name.name, item_kind, detail))
        })
    };
    let expression = || {
        let mut items = slots(true);
        for builtin in csflow_compiler::resolve::builtin_names() {
            items.push(item(
                builtin,
                CompletionItemKind::KEYWORD,
                Some("built-in".into()),
            ));
        }
        items.extend(keywords(&[
            "and", "or", "not", "is", "set", "in", "matches", "none", "true", "false",
        ]));
        if let Some(flow) = flow {
            for slot in &flow.slots {
                if let TypeKind::Enum(values) = &slot.ty.kind
                    && let Some(slot_name) = slot.name.text()
                {
                    for value in values {
                        items.push(item(
                            &value.name.name,
                            CompletionItemKind::ENUM_MEMBER,
                            Some(format!("value of {slot_name}")),
                        ));
                    }
                }
            }
        }
        items
    };

    // After a `.`: an operation of a service (`call s.`, `mock s.`) or a result's field.
    if last == "." {
        let base = second;
        let is_call = words.iter().any(|w| *w == "call" || *w == "mock");
        if is_call {
            return names
                .service(base)
                .into_iter()
                .flat_map(|s| s.operations.iter())
                .filter_map(|op| {
                    let op_name = op.name.text()?;
                    let params: Vec<String> = op
                        .params
                        .iter()
                        .enumerate()
                        .map(|(i, p)| format!("{}: ${{{}}}", p.name.name, i + 1))
                        .collect();
                    let mut completion =
                        item(op_name, CompletionItemKind::METHOD, Some(signature(op)));
                    if words.first() == Some(&"call") {
                        completion.insert_text = Some(format!("{op_name}({})", params.join(", ")));
                        completion.insert_text_format = Some(InsertTextFormat::SNIPPET);
                    }
                    Some(completion)
                })
                .collect::<Vec<_>>()
                .into();
        }
        let fields = flow.and_then(|flow| {
            names
                .variables(flow, true)
                .into_iter()
                .find_map(|d| match d {
                    Def::Result(_, call, name) if name.name == base => Some(call),
                    _ => None,
                })
        });
        let Some(call) = fields else {
            return Vec::new().into();
        };
        return names
            .service(&call.service.name)
            .and_then(|s| {
                s.operations
                    .iter()
                    .find(|op| op.name.text() == Some(call.operation.name.as_str()))
            })
            .into_iter()
            .flat_map(|op| op.returns.iter())
            .map(|f| {
                item(
                    &f.name.name,
                    CompletionItemKind::FIELD,
                    Some(f.ty.kind.describe()),
                )
            })
            .collect::<Vec<_>>()
            .into();
    }
    if place.in_interpolation {
        return slots(true).into();
    }
    match (second, last) {
        (_, "goto" | "start") | ("expect", "state") => return states(),
        (_, "handoff") => return global("queue").into(),
        ("answer", "from") => return global("knowledge").into(),
        (_, "intent") => return global("intent").into(),
        (_, "call" | "mock") => return global("service").into(),
        ("open", "(") => return global("hours").into(),
        ("expect", "slot") | (_, "ask" | "set") => return slots(false).into(),
        (_, "hours") if place.block == Block::Queue => return global("hours").into(),
        (_, "flow") if place.block == Block::Test => return global("flow").into(),
        (_, "channel") => return keywords(&["voice", "chat", "any"]).into(),
        (_, "priority") => return keywords(&["low", "normal", "high"]).into(),
        (_, "on") => return keywords(&["no_match", "no_input", "closed", "error"]).into(),
        (_, "expect") => {
            return keywords(&["say", "state", "handoff", "transfer", "end", "slot"]).into();
        }
        (_, "send") => return keywords(&["key", "no_input"]).into(),
        _ => {}
    }
    if words.first() == Some(&"slot") && words.contains(&":") {
        let mut items = keywords(csflow_type_names());
        items.push(snippet(
            "digits(N)",
            "digits of a fixed length",
            "digits(${1:4})",
        ));
        items.push(snippet(
            "enum { … }",
            "one of a few values",
            "enum { ${1:a} ${2:b} }",
        ));
        items.push(snippet(
            "enum { a \"Label\" … }",
            "values with display labels, said and understood as replies",
            "enum { ${1:a} \"${2:Label A}\" ${3:b} \"${4:Label B}\" }",
        ));
        items.push(snippet(
            "text matching /…/",
            "text that must match a pattern (after normalising case and full-width forms)",
            "text matching /${1:^[A-Z0-9]{6}$}/",
        ));
        items.push(item(
            "sensitive",
            CompletionItemKind::KEYWORD,
            Some("masked in transcripts and logs".into()),
        ));
        return items.into();
    }
    let in_expression = words.iter().any(|w| {
        matches!(
            *w,
            "if" | "when" | "and" | "or" | "not" | "==" | "=" | "<" | ">" | "!"
        )
    });
    if in_expression || (place.block == Block::Escalate && last == "when") {
        return expression().into();
    }
    if !words.is_empty() {
        return Vec::new().into();
    }
    block_items(place.block).into()
}

fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn csflow_type_names() -> &'static [&'static str] {
    crate::handlers::tokens::TYPE_NAMES
}

/// Keywords and snippets that start a line in `block`.
fn block_items(block: Block) -> Vec<CompletionItem> {
    let mut items = match block {
        Block::Top => keywords(crate::handlers::tokens::TOP_LEVEL),
        Block::Flow => keywords(&[
            "channel",
            "start",
            "slot",
            "on",
            "escalate",
            "state",
            "language",
            "timezone",
            "timeout",
            "max_digits",
            "finish_key",
        ]),
        Block::Statements => keywords(&[
            "say", "ask", "menu", "goto", "end", "handoff", "if", "set", "call", "answer",
            "transfer", "play",
        ]),
        Block::Menu => {
            let mut items = keywords(&["option", "on"]);
            items.push(snippet(
                "options from … label … into …",
                "one option per item of a list from a service result, keyed 1..N",
                "options from ${1:result.items} max ${2:5} label \"{item.${3:name}}\" into ${4:chosen} goto ${5:state}",
            ));
            items
        }
        Block::Handlers => keywords(&["on"]),
        Block::Escalate => keywords(&["when"]),
        Block::Test => keywords(&["flow", "time", "mock", "send", "expect"]),
        Block::Hours => keywords(&[
            "timezone", "mon", "tue", "wed", "thu", "fri", "sat", "sun", "closed",
        ]),
        Block::Queue => keywords(&["hours", "skills"]),
        Block::Service => keywords(&["operation", "timeout"]),
        Block::Knowledge => keywords(&["entry"]),
        Block::Entry => keywords(&["question", "answer", "tags", "owner", "review_by"]),
        Block::Other => Vec::new(),
    };
    match block {
        Block::Top => {
            items.push(snippet("flow", "a flow with a start state", "flow ${1:name} {\n  channel ${2|voice,chat,any|}\n  start ${3:welcome}\n\n  on no_match retry 2 then handoff ${4:general}\n\n  state ${3:welcome} {\n    say \"${5:Welcome.}\"\n    $0\n    end\n  }\n}"));
            items.push(snippet("test", "a conversation test", "test \"${1:what it checks}\" {\n  flow ${2:name}\n  expect say /${3:Welcome}/\n  send \"${4:hello}\"\n  $0\n  expect end\n}"));
            items.push(snippet(
                "queue",
                "a queue of human agents",
                "queue ${1:general} { hours ${2:office} }",
            ));
            items.push(snippet(
                "intent",
                "an intent with examples",
                "intent ${1:name} {\n  \"${2:example}\"\n}",
            ));
            items.push(snippet(
                "hours",
                "opening hours",
                "hours ${1:office} {\n  timezone \"${2:Asia/Shanghai}\"\n  mon-fri 09:00-18:00\n}",
            ));
        }
        Block::Flow => {
            items.push(snippet(
                "state",
                "a state",
                "state ${1:name} {\n  say \"${2:text}\"\n  $0\n  goto ${3:next}\n}",
            ));
            items.push(snippet("slot", "a slot", "slot ${1:name}: ${2:text}"));
            items.push(snippet(
                "on no_match",
                "flow-wide no_match handler",
                "on no_match retry ${1:2} then handoff ${2:general}",
            ));
        }
        Block::Statements => {
            items.push(snippet("menu", "a menu with options and handlers", "menu \"${1:For X press 1. For an agent press 0.}\" {\n  option \"${2:X}\" key 1 goto ${3:state}\n  option \"Agent\" key 0 handoff ${4:general}\n  on no_match retry 2 \"${5:Sorry, please press 1 or 0.}\" then handoff ${4:general}\n  on no_input retry 2 then handoff ${4:general}\n}"));
            items.push(snippet("ask", "ask with handlers", "ask ${1:slot} \"${2:prompt}\" {\n  on no_match retry 2 \"${3:Sorry?}\" then handoff ${4:general}\n  on no_input retry 2 then handoff ${4:general}\n}"));
            items.push(snippet(
                "if else",
                "a branch",
                "if ${1:condition} {\n  $2\n} else {\n  $0\n}",
            ));
        }
        Block::Menu => items.push(snippet(
            "option",
            "an option",
            "option \"${1:label}\" key ${2:1} goto ${3:state}",
        )),
        _ => {}
    }
    items
}

fn first_prompt(state: &State) -> Option<String> {
    crate::definitions::opening_line(state).map(|line| format!("“{line}”"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_place_reads_blocks_flows_strings_and_words() {
        let text = "flow bank {\n  state a {\n    say \"x {";
        let place = place(text);
        assert!(place.in_interpolation);
        assert_eq!(place.flow.as_deref(), Some("bank"));
        let place = super::place("flow bank {\n  state a {\n    goto ma");
        assert_eq!(place.block, Block::Statements);
        assert_eq!(place.words, vec!["goto"]);
        assert_eq!(place.partial, "ma");
        let place = super::place("flow bank { }\ntest \"t\" {\n  flow bank\n  expect state ");
        assert_eq!(place.block, Block::Test);
        assert_eq!(place.flow.as_deref(), Some("bank"));
        assert_eq!(place.words, vec!["expect", "state"]);
        let place = super::place("# a comment { with braces\nf");
        assert_eq!(place.block, Block::Top);
        assert_eq!(place.partial, "f");
        let place = super::place("flow f { state s { call cards.");
        assert_eq!(place.words, vec!["call", "cards", "."]);
    }
}
