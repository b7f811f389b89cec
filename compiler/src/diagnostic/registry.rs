//! The one list of checks: name (contract), code (stable forever), default severity, summary,
//! and an explanation with a bad and a fixed example. It feeds `csflow explain`, the docs,
//! SARIF rules and the tests that run every example.

use super::Severity;

mod markdown;

pub use markdown::{check_markdown, checks_markdown};

#[derive(Debug, Clone, Copy)]
pub struct Check {
    pub name: &'static str,
    pub code: &'static str,
    pub severity: Severity,
    /// One line, shown in SARIF rules and `csflow explain`.
    pub summary: &'static str,
    /// A few sentences: why this matters to callers, and how to fix it.
    pub explanation: &'static str,
    /// A complete project (one file) that triggers the check.
    pub bad: &'static str,
    /// The same project, fixed: it must not trigger the check.
    pub fixed: &'static str,
}

const fn check(name: &'static str, code: &'static str, severity: Severity, summary: &'static str) -> Check {
    Check { name, code, severity, summary, explanation: "", bad: "", fixed: "" }
}

use Severity::{Error, Warning};

pub static CHECKS: &[Check] = &[
    check("syntax-error", "E0001", Error, "The file does not follow the .csflow grammar."),
    check("import-not-found", "E0002", Error, "An `import` names a file that does not exist."),
    check("duplicate-definition", "E0003", Error, "Two declarations of one kind share a name."),
    check("unknown-state", "E0004", Error, "A `goto` or `start` names a state the flow does not have."),
    check("unknown-slot", "E0005", Error, "A name is neither a slot, an `into` result nor a built-in."),
    check("unknown-intent", "E0006", Error, "An intent is used but never declared."),
    check("unknown-queue", "E0007", Error, "A `handoff` names a queue that is not declared."),
    check("unknown-knowledge", "E0008", Error, "`answer from` names a knowledge base that is not declared."),
    check("unknown-service", "E0009", Error, "A `call` or `mock` names a service or operation that is not declared."),
    check("unknown-hours", "E0010", Error, "A queue or `open(...)` names hours that are not declared."),
    check("unknown-flow", "E0011", Error, "A test names a flow that is not declared."),
    check("unknown-field", "E0012", Error, "A field or argument that the service does not declare."),
    check("missing-start", "E0013", Error, "A flow has no `start` state."),
    check("missing-terminator", "E0014", Error, "A path through a state falls off its end without `goto`, `end` or `handoff`."),
    check("duplicate-key", "E0015", Error, "Two options of one menu share a key."),
    check("type-mismatch", "E0016", Error, "A value of the wrong type."),
    check("input-free-cycle", "E0017", Error, "States `goto` each other with no input point between: an endless loop."),
    check("invalid-regex", "E0018", Error, "A regular expression that does not compile."),
    check("invalid-hours", "E0019", Error, "An unknown time zone, an impossible time or a reversed range in `hours`."),
    check("reserved-name", "E0020", Error, "A slot or result takes the name of an expression built-in."),
    check("unreachable-state", "W0101", Warning, "No path from the start state reaches this state."),
    check("trap-state", "W0102", Warning, "Callers who get here can never reach `end` or `handoff`."),
    check("no-path-to-human", "W0103", Warning, "From this input point no `handoff` can be reached."),
    check("missing-no-match", "W0104", Warning, "An input point with no `on no_match` handler, here or flow-wide."),
    check("missing-no-input", "W0105", Warning, "A voice input point with no `on no_input` handler, here or flow-wide."),
    check("voice-menu-too-long", "W0106", Warning, "A voice menu with more options than callers can remember."),
    check("menu-too-deep", "W0107", Warning, "A voice menu that callers reach only through too many other menus."),
    check("voice-option-without-key", "W0108", Warning, "A voice menu option that no keypad digit picks."),
    check("shadowed-option", "W0109", Warning, "An earlier option of the same menu always wins over this one."),
    check("handoff-without-after-hours", "W0110", Warning, "A hand-off to a queue with hours, and no `on closed` handler."),
    check("sensitive-in-output", "W0111", Warning, "A `sensitive` slot is read out in a message."),
    check("prompt-key-mismatch", "W0112", Warning, "A menu prompt announces keys its options do not have, or the reverse."),
    check("question-without-input", "W0113", Warning, "A question is said, but the flow moves on without waiting for the answer."),
    check("stale-knowledge", "W0114", Warning, "A knowledge entry is past its `review_by` date."),
    check("duplicate-question", "W0115", Warning, "The same, or nearly the same, question in two knowledge entries."),
    check("ambiguous-example", "W0116", Warning, "One example phrase in two intents."),
    check("unused-slot", "W0117", Warning, "A slot that nothing asks, sets or reads."),
    check("unused-intent", "W0118", Warning, "An intent that nothing matches."),
    check("unused-queue", "W0119", Warning, "A queue that nothing hands off to."),
    check("unused-knowledge", "W0120", Warning, "A knowledge base that nothing answers from."),
];

/// Finds a check by its name (`unknown-state`) or its code (`E0004`, any case).
pub fn lookup(name_or_code: &str) -> Option<&'static Check> {
    CHECKS
        .iter()
        .find(|c| c.name == name_or_code || c.code.eq_ignore_ascii_case(name_or_code))
}
