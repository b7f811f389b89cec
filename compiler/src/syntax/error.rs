//! Syntax errors in our words. pest reports the furthest position it reached and the rules it
//! tried there; we re-parse a broken line with the rule its first keyword promises and turn
//! those rules into phrases a designer understands ("expected a state name after `goto`").

use super::chunk::{Chunk, Problem};
use super::lex;
use super::parser::{CsflowParser, Rule};
use crate::diagnostic::Diagnostic;
use crate::diagnostic::ids;
use crate::source::{FileId, Span};
use crate::suggest;
use pest::Parser;
use pest::error::{Error, ErrorVariant, InputLocation};

/// Where a broken line was found: decides which keywords were possible there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    TopLevel,
    Hours,
    Queue,
    Intent,
    Service,
    Knowledge,
    Entry,
    Flow,
    Escalate,
    Block,
    Menu,
    Handlers,
    Test,
}

impl Context {
    fn describe(self) -> &'static str {
        match self {
            Context::TopLevel => "at the top level of a file",
            Context::Hours => "in an `hours` block",
            Context::Queue => "in a `queue` block",
            Context::Intent => "in an `intent` block (it holds example phrases in quotes)",
            Context::Service => "in a `service` block",
            Context::Knowledge => "in a `knowledge` block",
            Context::Entry => "in a knowledge `entry`",
            Context::Flow => "in a `flow` block",
            Context::Escalate => "in an `escalate` block",
            Context::Block => "in a state or block",
            Context::Menu => "in a `menu`",
            Context::Handlers => "in a handler block",
            Context::Test => "in a `test`",
        }
    }

    /// The keywords that may start an item here, with the rule that parses that item
    /// (the one table, [`super::keywords`]).
    fn keywords(self) -> &'static [(&'static str, Rule)] {
        use super::keywords as k;
        match self {
            Context::TopLevel => k::TOP_LEVEL,
            Context::Hours => k::HOURS,
            Context::Queue => k::QUEUE,
            Context::Intent => &[],
            Context::Service => k::SERVICE,
            Context::Knowledge => k::KNOWLEDGE,
            Context::Entry => k::ENTRY,
            Context::Flow => k::FLOW,
            Context::Escalate => k::ESCALATE,
            Context::Block => k::STATEMENTS,
            Context::Menu => k::MENU,
            Context::Handlers => k::HANDLERS,
            Context::Test => k::TEST,
        }
    }

    fn expected_list(self) -> String {
        let mut words: Vec<&str> = self.keywords().iter().map(|(k, _)| *k).collect();
        words.dedup();
        match self {
            Context::Intent => "an example phrase in quotes".to_string(),
            Context::Hours => {
                "`timezone`, `closed` or a day range like `mon-fri 09:00-18:00`".to_string()
            }
            _ => one_of(&words),
        }
    }
}

const ALL_CONTEXTS: [Context; 13] = [
    Context::Block,
    Context::Menu,
    Context::Flow,
    Context::Test,
    Context::Entry,
    Context::Escalate,
    Context::Handlers,
    Context::TopLevel,
    Context::Hours,
    Context::Queue,
    Context::Intent,
    Context::Service,
    Context::Knowledge,
];

fn one_of(words: &[&str]) -> String {
    let quoted: Vec<String> = words.iter().map(|w| format!("`{w}`")).collect();
    match quoted.len() {
        0 => String::new(),
        1 => quoted[0].clone(),
        n => format!("{} or {}", quoted[..n - 1].join(", "), quoted[n - 1]),
    }
}

/// A phrase for a rule pest expected, or `None` for rules not worth mentioning (operators
/// that could continue an expression that is already complete).
fn describe(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::decl_name => "a name",
        Rule::state_ref => "a state name",
        Rule::slot_ref => "a slot name",
        Rule::queue_ref => "a queue name",
        Rule::intent_ref => "an intent name",
        Rule::kb_ref => "a knowledge base name",
        Rule::service_ref => "a service name",
        Rule::op_ref => "an operation name",
        Rule::hours_ref => "the name of an `hours` block",
        Rule::flow_ref => "a flow name",
        Rule::field_name | Rule::field | Rule::record_field | Rule::call_arg => "a field name",
        Rule::string | Rule::string_list => "a string in double quotes",
        Rule::regex | Rule::expect_say => "a string or a regex `/…/`",
        Rule::date => "a date like 2026-10-01",
        Rule::time | Rule::time_range => "a time like 09:00",
        Rule::duration => "a duration like 5s",
        Rule::int_lit => "a whole number",
        Rule::digits_lit | Rule::star_key => "a key such as 1, 1234, \"*\" or \"#\"",
        Rule::type_expr | Rule::type_name | Rule::enum_type | Rule::digits_type => "a type",
        Rule::channel_kind => "`voice`, `chat` or `any`",
        Rule::handler_kind => "`no_match`, `no_input`, `closed` or `error`",
        Rule::priority_level => "`low`, `normal` or `high`",
        Rule::weekday => "a day: mon, tue, wed, thu, fri, sat or sun",
        Rule::action => "an action (`goto`, `handoff`, `end`, `say`… or a `{ }` block)",
        Rule::block | Rule::handler_block | Rule::record_type | Rule::record | Rule::lbrace => {
            "`{`"
        }
        Rule::expr
        | Rule::or_expr
        | Rule::and_expr
        | Rule::not_expr
        | Rule::cmp_expr
        | Rule::postfix
        | Rule::literal
        | Rule::name_ref
        | Rule::paren
        | Rule::list
        | Rule::number
        | Rule::intent_expr
        | Rule::open_expr => "a value or expression",
        Rule::retry => "`retry`",
        Rule::k_then => "`then`",
        Rule::k_from => "`from`",
        Rule::k_returns => "`returns`",
        Rule::k_fails => "`fails`",
        Rule::k_key | Rule::send_key => "`key`",
        Rule::k_no_input => "`no_input`",
        Rule::k_set | Rule::is_set => "`set`",
        Rule::k_end => "`end`",
        Rule::expect_handoff => "`handoff`",
        Rule::expect_state => "`state`",
        Rule::expect_slot => "`slot`",
        Rule::expect_transfer | Rule::k_transfer => "`transfer`",
        Rule::test_flow => "`flow`",
        Rule::k_say => "`say`",
        Rule::k_handoff => "`handoff`",
        Rule::k_state => "`state`",
        Rule::k_slot => "`slot`",
        Rule::k_goto => "`goto`",
        Rule::k_intent => "`intent`",
        Rule::k_phrase => "`phrase`",
        Rule::k_priority => "`priority`",
        Rule::k_reason => "`reason`",
        Rule::k_else => "`else`",
        Rule::k_into => "`into`",
        Rule::k_label => "`label`",
        Rule::k_max | Rule::options_max => "`max`",
        Rule::k_of => "`of`",
        Rule::k_matching => "`matching`",
        Rule::k_sensitive => "`sensitive`",
        Rule::k_option => "`option`",
        Rule::k_on => "`on`",
        Rule::k_when => "`when`",
        Rule::missing_brace => "`}`",
        Rule::EOI => "the end of the declaration",
        _ => return None,
    })
}

fn expected_phrase(positives: &[Rule]) -> Option<String> {
    let mut phrases: Vec<&str> = Vec::new();
    for rule in positives {
        if let Some(phrase) = describe(*rule)
            && !phrases.contains(&phrase)
        {
            phrases.push(phrase);
        }
    }
    // An expression that could go on is less interesting than what must come next.
    if phrases.len() > 1 {
        phrases.retain(|p| *p != "the end of the declaration");
    }
    match phrases.len() {
        0 => None,
        1 => Some(phrases[0].to_string()),
        n => Some(format!(
            "{} or {}",
            phrases[..n - 1].join(", "),
            phrases[n - 1]
        )),
    }
}

/// The token at `pos` (after whitespace), for "found `…`".
struct Token {
    text: String,
    span: Span,
    /// A line break lies between `pos` and the token.
    newline_before: bool,
}

fn token_at(file: FileId, text: &str, pos: usize) -> Token {
    let rest = &text[pos.min(text.len())..];
    let skipped = rest.len() - rest.trim_start().len();
    let newline_before = rest[..skipped].contains('\n');
    let start = pos + skipped;
    let tail = &text[start.min(text.len())..];
    let len = match tail.chars().next() {
        None => 0,
        Some(c) if c.is_ascii_alphanumeric() || c == '_' => tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(tail.len()),
        Some('"') => tail[1..]
            .find(['"', '\n'])
            .map(|i| i + 2)
            .unwrap_or(tail.len())
            .min(tail.len()),
        Some(c) => c.len_utf8(),
    };
    Token {
        text: tail[..len].to_string(),
        span: Span::new(file, start, start + len),
        newline_before,
    }
}

/// The token just before `pos`, for "after `…`".
fn token_before(text: &str, pos: usize) -> Option<(String, usize, usize)> {
    // A position inside a multi-byte space (U+3000) is moved back to the character start.
    let mut pos = pos.min(text.len());
    while !text.is_char_boundary(pos) {
        pos -= 1;
    }
    let head = &text[..pos];
    let trimmed = head.trim_end();
    let end = trimmed.len();
    let last = trimmed.chars().next_back()?;
    let start = if last.is_ascii_alphanumeric() || last == '_' {
        // The character before the word may be wider than a byte (U+3000, a full-width space).
        trimmed
            .char_indices()
            .rev()
            .find(|&(_, c)| !(c.is_ascii_alphanumeric() || c == '_'))
            .map(|(i, c)| i + c.len_utf8())
            .unwrap_or(0)
    } else if last == '"' {
        let line_start = trimmed.rfind('\n').map(|i| i + 1).unwrap_or(0);
        trimmed[line_start..end - 1]
            .rfind('"')
            .map(|i| line_start + i)
            .unwrap_or(end - 1)
    } else {
        end - last.len_utf8()
    };
    let mut token = trimmed[start..end].to_string();
    if token.chars().count() > 24 {
        token = format!("{}…\"", token.chars().take(20).collect::<String>());
    }
    Some((token, start, end))
}

/// The lines of `text[start..end]`, each as its start, its code (the line without its
/// comment, as [`lex`] finds it) and whether a comment followed.
fn code_lines(text: &str, start: usize, end: usize) -> impl Iterator<Item = (usize, &str, bool)> {
    let end = end.min(text.len());
    let mut line_start = start;
    std::iter::from_fn(move || {
        if line_start >= end {
            return None;
        }
        let line_end = text[line_start..end]
            .find('\n')
            .map_or(end, |i| line_start + i);
        let line = &text[line_start..line_end];
        let comment = lex::comment_start(line);
        let at = line_start;
        line_start = line_end + 1;
        Some((
            at,
            &line[..comment.unwrap_or(line.len())],
            comment.is_some(),
        ))
    })
}

/// A string opened and not closed on its line, in `text[start..end]`: its span (to the end
/// of that line). Comments are left out.
fn unterminated_string(text: &str, start: usize, end: usize) -> Option<(usize, usize)> {
    for (line_start, code, _) in code_lines(text, start, end) {
        let bytes = code.as_bytes();
        let (mut pos, mut open) = (0, None);
        while pos < bytes.len() {
            match (bytes[pos], open) {
                (b'\\', Some(_)) => pos += 1,
                (b'"', Some(_)) => open = None,
                (b'"', None) => open = Some(pos),
                _ => {}
            }
            pos += 1;
        }
        if let Some(quote) = open {
            let quote = line_start + quote;
            let full_end = text[quote..].find('\n').map_or(text.len(), |i| quote + i);
            return Some((quote, full_end));
        }
    }
    None
}

/// `end` moved back to the first comment of `text[start..end]`, if any: the code part.
fn code_end(text: &str, start: usize, end: usize) -> usize {
    code_lines(text, start, end)
        .find(|(_, _, comment)| *comment)
        .map_or(end.min(text.len()), |(line_start, code, _)| {
            line_start + code.len()
        })
}

/// The first space-like character outside strings on the line `start..end` that is not a
/// plain space or tab (a non-breaking space pasted from a document, a full-width space):
/// pest only says it expected a name, and the reader sees a space.
fn odd_space(file: FileId, text: &str, start: usize, end: usize) -> Option<Diagnostic> {
    let end = code_end(text, start, end);
    let mut in_string = false;
    let mut escaped = false;
    for (offset, c) in text[start..end.min(text.len())].char_indices() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '\u{A0}'
            | '\u{200B}'
            | '\u{202F}'
            | '\u{3000}'
            | '\u{FEFF}'
            | '\u{2000}'..='\u{200A}' => {
                let what = match c {
                    '\u{A0}' => "a non-breaking space",
                    '\u{202F}' => "a narrow non-breaking space",
                    '\u{200B}' => "a zero-width space",
                    '\u{3000}' => "a full-width (ideographic) space",
                    '\u{FEFF}' => "a zero-width no-break space (byte-order mark)",
                    _ => "a typographic space",
                };
                let at = start + offset;
                return Some(
                    Diagnostic::new(
                        ids::SYNTAX_ERROR,
                        Span::new(file, at, at + c.len_utf8()),
                        format!("{what} (U+{:04X}) where csflow expects a plain space", c as u32),
                    )
                    .with_primary_message("not a plain space")
                    .with_note("replace it with an ordinary space; it often comes from text pasted from a document"),
                );
            }
            _ => {}
        }
    }
    None
}

/// The escapes a string may hold, for messages.
const ESCAPES: &str = "`\\\"`, `\\\\`, `\\n`, `\\t`, `\\{` and `\\}`";

/// The first unknown escape (`\q`, `\0`, `\u{D800}`) inside a string on the line
/// `start..end`, as one clear diagnostic instead of pest's "unexpected `\`".
fn bad_escape(file: FileId, text: &str, start: usize, end: usize) -> Option<Diagnostic> {
    let end = code_end(text, start, end);
    let bytes = text.as_bytes();
    let mut in_string = false;
    let mut pos = start;
    while pos < end.min(bytes.len()) {
        match bytes[pos] {
            b'"' => in_string = !in_string,
            b'\\' if in_string => {
                let next = text[pos + 1..].chars().next();
                match next {
                    Some('"' | '\\' | 'n' | 't' | '{' | '}') => pos += 1,
                    None | Some('\n') => return None,
                    Some(c) => {
                        let mut escape_end = pos + 1 + c.len_utf8();
                        if c == 'u'
                            && text[escape_end..].starts_with('{')
                            && let Some(close) = text[escape_end..end].find('}')
                        {
                            escape_end += close + 1;
                        }
                        let escape =
                            crate::diagnostic::escape_controls(&text[pos..escape_end]).into_owned();
                        let note = match c {
                            'u' => "csflow strings have no `\\u` escapes: write the character itself (as UTF-8)".to_string(),
                            '0' => "a message cannot hold a NUL character; there is no `\\0` escape".to_string(),
                            _ => format!("strings know the escapes {ESCAPES}; write `\\\\` for a backslash"),
                        };
                        return Some(
                            Diagnostic::new(
                                ids::SYNTAX_ERROR,
                                Span::new(file, pos, escape_end),
                                format!("unknown escape `{escape}` in a string"),
                            )
                            .with_primary_message("not an escape csflow knows")
                            .with_note(note),
                        );
                    }
                }
            }
            _ => {}
        }
        pos += 1;
    }
    None
}

fn unterminated(file: FileId, text: &str, start: usize, end: usize) -> Diagnostic {
    let end = text[start..end].trim_end().len() + start;
    Diagnostic::new(ids::SYNTAX_ERROR, Span::new(file, start, end), "unterminated string")
        .with_primary_message("this string has no closing `\"` on its line")
        .with_note("a string must end on the line where it starts; write `\\n` for a line break inside a message")
}

/// Builds the diagnostic for a pest failure at `base + error position`.
fn from_failure(
    file: FileId,
    text: &str,
    pos: usize,
    positives: &[Rule],
    context: Context,
    leading_keyword: Option<&str>,
) -> Diagnostic {
    let Token {
        text: found,
        span: found_span,
        newline_before,
    } = token_at(file, text, pos);
    let before = token_before(text, pos);
    let expected = expected_phrase(positives);
    let found_text = if found.is_empty() {
        "the end of the file".to_string()
    } else {
        format!("`{found}`")
    };
    let message = match (&expected, &before) {
        (Some(expected), Some((prev, _, _))) => {
            format!("expected {expected} after `{prev}`, found {found_text}")
        }
        (Some(expected), None) => format!("expected {expected}, found {found_text}"),
        (None, _) => format!("unexpected {found_text} {}", context.describe()),
    };
    // Point at the unexpected token when it is on the same line, else at what came before.
    let span = match &before {
        Some((_, start, end)) if newline_before || found.is_empty() => {
            Span::new(file, *start, *end)
        }
        _ => found_span,
    };
    let mut diagnostic = Diagnostic::new(ids::SYNTAX_ERROR, span, message);
    if let Some(expected) = expected {
        diagnostic = diagnostic.with_primary_message(format!("expected {expected}"));
    }
    if let Some(keyword) = leading_keyword {
        diagnostic = diagnostic.with_note(format!("in this `{keyword}` {}", context.describe()));
    }
    diagnostic
}

/// A failure of a whole declaration (its header, or pest could not recover inside it).
pub fn from_pest(
    file: FileId,
    text: &str,
    base: usize,
    error: &Error<Rule>,
    context: Context,
) -> Diagnostic {
    let pos = base
        + match error.location {
            InputLocation::Pos(pos) => pos,
            InputLocation::Span((start, _)) => start,
        };
    let line_start = text[..pos.min(text.len())]
        .rfind('\n')
        .map(|i| i + 1)
        .unwrap_or(0);
    let line_end = text[pos.min(text.len())..]
        .find('\n')
        .map(|i| pos + i)
        .unwrap_or(text.len());
    if let Some(diagnostic) = bad_escape(file, text, line_start, line_end)
        .or_else(|| odd_space(file, text, line_start, line_end))
    {
        return diagnostic;
    }
    if let Some((start, end)) = unterminated_string(text, line_start, line_end) {
        return unterminated(file, text, start, end);
    }
    let positives = match &error.variant {
        ErrorVariant::ParsingError { positives, .. } => positives.clone(),
        ErrorVariant::CustomError { .. } => vec![],
    };
    from_failure(file, text, pos, &positives, context, None)
}

/// One broken line (a `bad` node) found in `context`.
pub fn bad_node(file: FileId, text: &str, span: Span, context: Context) -> Diagnostic {
    let (start, end) = (span.start as usize, span.end as usize);
    if let Some(diagnostic) =
        bad_escape(file, text, start, end).or_else(|| odd_space(file, text, start, end))
    {
        return diagnostic;
    }
    if let Some((quote, line_end)) = unterminated_string(text, start, end) {
        return unterminated(file, text, quote, line_end);
    }
    let slice = &text[start..end];
    let word_len = slice
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(slice.len());
    let word = &slice[..word_len];
    let word_span = Span::new(
        file,
        start,
        start + word_len.max(slice.chars().next().map_or(0, char::len_utf8)),
    );

    if let Some((_, rule)) = context.keywords().iter().find(|(k, _)| *k == word) {
        return match CsflowParser::parse(*rule, slice) {
            Err(error) => {
                let pos = match error.location {
                    InputLocation::Pos(pos) => pos,
                    InputLocation::Span((s, _)) => s,
                };
                let positives = match &error.variant {
                    ErrorVariant::ParsingError { positives, .. } => positives.clone(),
                    ErrorVariant::CustomError { .. } => vec![],
                };
                from_failure(file, text, start + pos, &positives, context, Some(word))
            }
            Ok(pairs) => {
                let consumed = pairs.last().map(|p| p.as_span().end()).unwrap_or(0);
                let rest_start = start + consumed;
                let Token {
                    text: junk,
                    span: junk_span,
                    ..
                } = token_at(file, text, rest_start);
                Diagnostic::new(
                    ids::SYNTAX_ERROR,
                    junk_span,
                    format!("unexpected `{junk}` after this `{word}`"),
                )
                .with_primary_message("nothing may follow here on this line")
            }
        };
    }

    // A keyword that belongs somewhere else.
    if !word.is_empty() {
        for other in ALL_CONTEXTS {
            if other != context && other.keywords().iter().any(|(k, _)| *k == word) {
                return Diagnostic::new(
                    ids::SYNTAX_ERROR,
                    word_span,
                    format!("`{word}` cannot be used {}", context.describe()),
                )
                .with_primary_message(format!("`{word}` belongs {}", other.describe()))
                .with_note(format!(
                    "{} may hold {}",
                    capitalize(context.describe()),
                    context.expected_list()
                ));
            }
        }
    }

    let mut diagnostic = if word.is_empty() {
        let Token {
            text: token,
            span: token_span,
            ..
        } = token_at(file, text, start);
        Diagnostic::new(
            ids::SYNTAX_ERROR,
            token_span,
            format!("unexpected `{token}` {}", context.describe()),
        )
    } else {
        Diagnostic::new(
            ids::SYNTAX_ERROR,
            word_span,
            format!("unknown word `{word}` {}", context.describe()),
        )
    };
    diagnostic = diagnostic.with_primary_message(format!("expected {}", context.expected_list()));
    let words: Vec<&str> = context.keywords().iter().map(|(k, _)| *k).collect();
    if let Some(lower) = words
        .iter()
        .find(|k| **k != word && k.eq_ignore_ascii_case(word))
    {
        // `Mon-Fri`, `State`: the right word in the wrong case.
        let what = if context == Context::Hours {
            "day names"
        } else {
            "keywords"
        };
        diagnostic = diagnostic.with_note(format!("{what} are written in lower case: `{lower}`"));
    } else if let Some(suggestion) = suggest::closest(word, words.iter().copied()) {
        diagnostic = diagnostic.with_note(format!("did you mean `{suggestion}`?"));
    }
    diagnostic
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A block whose `}` never came: reported where the next state (or the file) begins.
pub fn missing_brace(file: FileId, text: &str, span: Span, what: &str) -> Diagnostic {
    let pos = span.start as usize;
    match token_before(text, pos) {
        Some((_, start, end)) => Diagnostic::new(
            ids::SYNTAX_ERROR,
            Span::new(file, start, end),
            format!("expected `}}` to close {what}"),
        )
        .with_primary_message(format!("{what} should end after this"))
        .with_note("every `{` needs a matching `}`"),
        None => Diagnostic::new(
            ids::SYNTAX_ERROR,
            span,
            format!("expected `}}` to close {what}"),
        ),
    }
}

/// A chunk that the splitter refused before parsing.
pub fn chunk_problem(file: FileId, text: &str, chunk: &Chunk, problem: Problem) -> Diagnostic {
    match problem {
        Problem::TooDeep(at) => {
            let Token {
                text: token,
                span: token_span,
                ..
            } = token_at(file, text, chunk.start);
            let bracket = text[at..].chars().next().unwrap_or('{');
            Diagnostic::new(
                ids::SYNTAX_ERROR,
                Span::new(file, at, at + bracket.len_utf8()),
                format!(
                    "this `{bracket}` nests blocks, lists or parentheses more than {} levels deep",
                    super::MAX_NESTING
                ),
            )
            .with_primary_message(format!("level {}", super::MAX_NESTING + 1))
            .with_label(token_span, format!("in this `{token}`"))
            .with_note("split the logic into states and `goto` them")
        }
        Problem::NotADeclaration => {
            let span = Span::new(file, chunk.start, chunk.end);
            if let Some((quote, line_end)) = unterminated_string(text, chunk.start, chunk.end) {
                return unterminated(file, text, quote, line_end);
            }
            bad_node(file, text, span, Context::TopLevel)
        }
    }
}
