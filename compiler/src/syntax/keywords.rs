//! The one table of csflow's words: which words are reserved (never a name), and which
//! keyword starts which item in each kind of block, with the grammar rule that parses it.
//! The chunker (top-level keywords), the fast path (reserved words, statement keywords)
//! and the error rewording (every context) read it; `tests::keyword_table_matches_the_grammar`
//! reads `csflow.pest` and fails when a word is reserved or a keyword listed in one and not
//! the other.
//!
//! Every other word is contextual: `hours`, `state` or `key` may name a queue or a slot.

use super::parser::Rule;

/// Refused wherever a name is declared or referenced (the grammar's `reserved`).
pub const RESERVED: &[&str] = &[
    "true", "false", "none", "and", "or", "not", "is", "in", "matches",
];

/// Declarations, at the top level of a file.
pub const TOP_LEVEL: &[(&str, Rule)] = &[
    ("import", Rule::import_decl),
    ("hours", Rule::hours_decl),
    ("queue", Rule::queue_decl),
    ("intent", Rule::intent_decl),
    ("service", Rule::service_decl),
    ("knowledge", Rule::knowledge_decl),
    ("flow", Rule::flow_decl),
    ("test", Rule::test_decl),
];

/// Lines of an `hours` block (a weekly line starts with its first day).
pub const HOURS: &[(&str, Rule)] = &[
    ("timezone", Rule::timezone_line),
    ("closed", Rule::closed_line),
    ("mon", Rule::weekly_line),
    ("tue", Rule::weekly_line),
    ("wed", Rule::weekly_line),
    ("thu", Rule::weekly_line),
    ("fri", Rule::weekly_line),
    ("sat", Rule::weekly_line),
    ("sun", Rule::weekly_line),
];

pub const QUEUE: &[(&str, Rule)] = &[("hours", Rule::queue_hours), ("skills", Rule::queue_skills)];

pub const SERVICE: &[(&str, Rule)] = &[
    ("operation", Rule::operation),
    ("timeout", Rule::service_timeout),
];

pub const KNOWLEDGE: &[(&str, Rule)] = &[("entry", Rule::entry)];

pub const ENTRY: &[(&str, Rule)] = &[
    ("question", Rule::entry_question),
    ("answer", Rule::entry_answer),
    ("tags", Rule::entry_tags),
    ("owner", Rule::entry_owner),
    ("review_by", Rule::entry_review),
];

/// Items of a `flow` block.
pub const FLOW: &[(&str, Rule)] = &[
    ("channel", Rule::channel_line),
    ("timezone", Rule::flow_timezone),
    ("start", Rule::start_line),
    ("slot", Rule::slot_decl),
    ("on", Rule::handler),
    ("escalate", Rule::escalate_block),
    ("state", Rule::state_decl),
    ("language", Rule::language_line),
    ("timeout", Rule::input_timeout),
    ("max_digits", Rule::input_max_digits),
    ("finish_key", Rule::input_finish_key),
];

pub const ESCALATE: &[(&str, Rule)] = &[("when", Rule::escalate_rule)];

/// Statements (in the order error messages list them).
pub const STATEMENTS: &[(&str, Rule)] = &[
    ("say", Rule::say_stmt),
    ("ask", Rule::ask_stmt),
    ("menu", Rule::menu_stmt),
    ("goto", Rule::goto_stmt),
    ("end", Rule::end_stmt),
    ("handoff", Rule::handoff_stmt),
    ("if", Rule::if_stmt),
    ("set", Rule::set_stmt),
    ("call", Rule::call_stmt),
    ("answer", Rule::answer_stmt),
    ("play", Rule::play_stmt),
    ("transfer", Rule::transfer_stmt),
];

pub const MENU: &[(&str, Rule)] = &[
    ("option", Rule::option),
    ("options", Rule::options_from),
    ("on", Rule::handler),
];

pub const HANDLERS: &[(&str, Rule)] = &[("on", Rule::handler)];

/// Steps of a `test` block.
pub const TEST: &[(&str, Rule)] = &[
    ("flow", Rule::test_flow),
    ("time", Rule::test_time),
    ("mock", Rule::test_mock),
    ("send", Rule::test_send),
    ("expect", Rule::test_expect),
];

/// Every table above, for the questions asked of all of them.
pub const BLOCKS: &[&[(&str, Rule)]] = &[
    TOP_LEVEL, HOURS, QUEUE, SERVICE, KNOWLEDGE, ENTRY, FLOW, ESCALATE, STATEMENTS, MENU, HANDLERS,
    TEST,
];

/// The words of the language that start no item but have a meaning where they are
/// written: parts of statements and declarations (`into`, `then`, `reason`, `key`…), the
/// kinds of handlers, channels and priorities. With the item keywords of [`BLOCKS`] and
/// [`RESERVED`] they are the language's keywords ([`is_keyword`]); the type names are
/// [`TYPE_NAMES`]. A test keeps every keyword of the grammar in one of them.
pub const PARTS: &[&str] = &[
    "into",
    "from",
    "retry",
    "then",
    "key",
    "phrase",
    "priority",
    "reason",
    "returns",
    "fails",
    "sensitive",
    "prompt",
    "label",
    "max",
    "matching",
    "list",
    "of",
    "open",
    "else",
    "enum",
    "no_match",
    "no_input",
    "error",
    "voice",
    "chat",
    "any",
    "low",
    "normal",
    "high",
];

/// The built-in slot and field types.
pub const TYPE_NAMES: &[&str] = &[
    "text", "number", "integer", "digits", "yes_no", "date", "time", "email", "phone", "bool",
];

/// Is `word` a keyword that starts an item of some block (a day name of an `hours` line
/// aside)? A keyword that needs a name after it never takes such a word from the next line
/// (the grammar's `name_on_line`).
pub fn starts_an_item(word: &str) -> bool {
    BLOCKS.iter().any(|table| {
        table
            .iter()
            .any(|(k, rule)| *k == word && *rule != Rule::weekly_line)
    })
}

/// Is `word` a word of the language: a keyword of some block, a part ([`PARTS`]), a day
/// name or a reserved word?
pub fn is_keyword(word: &str) -> bool {
    RESERVED.contains(&word)
        || PARTS.contains(&word)
        || BLOCKS
            .iter()
            .any(|table| table.iter().any(|(k, _)| *k == word))
}

/// Every keyword: the reserved words, the parts and the item keywords of every block.
pub fn words() -> impl Iterator<Item = &'static str> {
    let items = BLOCKS
        .iter()
        .flat_map(|table| table.iter().map(|(k, _)| *k));
    RESERVED.iter().chain(PARTS).copied().chain(items)
}

/// Is `word` one of the keywords of `table`?
pub fn starts(table: &[(&str, Rule)], word: &[u8]) -> bool {
    table.iter().any(|(k, _)| k.as_bytes() == word)
}
