//! The one list of checks: name (contract), code (stable forever), default severity, summary,
//! and an explanation with a bad and a fixed example. It feeds `csflow explain`, the docs,
//! SARIF rules and the tests that run every example.

use super::Severity;

mod examples;
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

const fn check(
    name: &'static str,
    code: &'static str,
    severity: Severity,
    summary: &'static str,
    explanation: &'static str,
    bad: &'static str,
    fixed: &'static str,
) -> Check {
    Check {
        name,
        code,
        severity,
        summary,
        explanation,
        bad,
        fixed,
    }
}

use Severity::{Error, Warning};
use examples::*;

/// Every check; a [`CheckId`] is an index into it.
pub const CHECKS: &[Check] = &[
    check(
        "syntax-error",
        "E0001",
        Error,
        "The file does not follow the .csflow grammar.",
        "The file does not follow the grammar, so the flow cannot be built and the rest of that \
         declaration may not be checked at all. Every statement and declaration item starts with \
         a keyword (`say`, `ask`, `goto`, `option`…); a typo in one, a missing `}` or a string \
         left open at the end of its line is the usual cause. Read the expected and found parts \
         of the message and correct the text at the marked place.",
        SYNTAX_ERROR_BAD,
        SYNTAX_ERROR_FIXED,
    ),
    check(
        "import-not-found",
        "E0002",
        Error,
        "An `import` names a file that does not exist.",
        "An `import` names a file that does not exist, so nothing it should declare is visible \
         and `csflow build` refuses the project. Paths are relative to the importing file and \
         must include the `.csflow` extension. Fix the path, or remove the import if the \
         declarations now live elsewhere.",
        IMPORT_NOT_FOUND_BAD,
        IMPORT_NOT_FOUND_FIXED,
    ),
    check(
        "duplicate-definition",
        "E0003",
        Error,
        "Two declarations of one kind share a name.",
        "Two declarations of one kind (two queues, two intents, two states of one flow…) share a \
         name, so every use of that name is ambiguous. Declarations are global across a project, \
         so the other one may be in another file: the label shows where. Rename one of them and \
         update the places that meant it, or delete the copy.",
        DUPLICATE_DEFINITION_BAD,
        DUPLICATE_DEFINITION_FIXED,
    ),
    check(
        "unknown-state",
        "E0004",
        Error,
        "A `goto` or `start` names a state the flow does not have.",
        "A `goto` or `start` names a state the flow does not have, so a caller who takes that \
         path would be stuck. This is usually a typo or a state that was renamed or removed. \
         Correct the name (the message suggests the closest state) or add the missing state.",
        UNKNOWN_STATE_BAD,
        UNKNOWN_STATE_FIXED,
    ),
    check(
        "unknown-slot",
        "E0005",
        Error,
        "A name is neither a slot, an `into` result nor a built-in.",
        "An expression, `ask` or `set` uses a name that is neither a slot of the flow, an `into` \
         result of a `call`, nor an expression built-in such as `text` or `sentiment`. The flow \
         cannot know what value is meant. Correct the spelling or declare the slot with `slot \
         NAME: TYPE`.",
        UNKNOWN_SLOT_BAD,
        UNKNOWN_SLOT_FIXED,
    ),
    check(
        "unknown-intent",
        "E0006",
        Error,
        "An intent is used but never declared.",
        "An option, an `escalate` rule or an `intent NAME` expression names an intent that is \
         not declared, so nothing the customer says can ever match it. Declare the intent with \
         example phrases (`intent NAME { \"…\" }`), or correct the name to an existing one.",
        UNKNOWN_INTENT_BAD,
        UNKNOWN_INTENT_FIXED,
    ),
    check(
        "unknown-queue",
        "E0007",
        Error,
        "A `handoff` names a queue that is not declared.",
        "A `handoff` names a queue that is not declared, so customers sent there would reach no \
         agent at all. Declare the queue (`queue NAME { }`, with `hours` if it is staffed only \
         part of the day) or hand off to an existing one.",
        UNKNOWN_QUEUE_BAD,
        UNKNOWN_QUEUE_FIXED,
    ),
    check(
        "unknown-knowledge",
        "E0008",
        Error,
        "`answer from` names a knowledge base that is not declared.",
        "`answer from` names a knowledge base that is not declared, so the bot would have \
         nothing to answer with. Declare it with `knowledge NAME { entry … }` or correct the \
         name.",
        UNKNOWN_KNOWLEDGE_BAD,
        UNKNOWN_KNOWLEDGE_FIXED,
    ),
    check(
        "unknown-service",
        "E0009",
        Error,
        "A `call` or `mock` names a service or operation that is not declared.",
        "A `call` (or a test's `mock`) names a service or an operation that is not declared, so \
         the runtime would not know which endpoint to call or what it returns. Declare the \
         operation in the `service` block with its parameters and result record, or correct the \
         name.",
        UNKNOWN_SERVICE_BAD,
        UNKNOWN_SERVICE_FIXED,
    ),
    check(
        "unknown-hours",
        "E0010",
        Error,
        "A queue or `open(...)` names hours that are not declared.",
        "A queue's `hours` or an `open(...)` expression names opening hours that are not \
         declared, so nobody can tell when the queue is staffed. Declare an `hours` block with \
         its time zone and weekly times, or correct the name.",
        UNKNOWN_HOURS_BAD,
        UNKNOWN_HOURS_FIXED,
    ),
    check(
        "unknown-flow",
        "E0011",
        Error,
        "A test names a flow that is not declared.",
        "A `test` block names a flow that is not declared, so the test cannot run. Correct the \
         flow name in the test's `flow` line.",
        UNKNOWN_FLOW_BAD,
        UNKNOWN_FLOW_FIXED,
    ),
    check(
        "unknown-field",
        "E0012",
        Error,
        "A field or argument that the service does not declare.",
        "A `call` passes an argument, or an expression reads a field of a result, that the \
         service operation does not declare. The runtime would send or read nothing there. Use \
         the names declared in the operation's parameters and `returns { … }` record.",
        UNKNOWN_FIELD_BAD,
        UNKNOWN_FIELD_FIXED,
    ),
    check(
        "missing-start",
        "E0013",
        Error,
        "A flow has no `start` state.",
        "A flow without a `start` line has no state to begin with, so no conversation can run. \
         Add `start STATE` naming the state callers should meet first.",
        MISSING_START_BAD,
        MISSING_START_FIXED,
    ),
    check(
        "missing-terminator",
        "E0014",
        Error,
        "A path through a state falls off its end without `goto`, `end` or `handoff`.",
        "A path through a state reaches its closing `}` without `goto`, `end` or `handoff`, so \
         the conversation would stop with the caller left hanging. Waiting at `ask` or `menu` is \
         not an end. Make every path, including the one where no `if` branch is taken, finish \
         with `goto`, `end` or `handoff`.",
        MISSING_TERMINATOR_BAD,
        MISSING_TERMINATOR_FIXED,
    ),
    check(
        "duplicate-key",
        "E0015",
        Error,
        "Two options of one menu share a key.",
        "Two options of one menu answer to the same key, so a caller pressing it can only ever \
         get the first and the other option is silently lost. Give each option its own key and \
         say the right keys in the prompt.",
        DUPLICATE_KEY_BAD,
        DUPLICATE_KEY_FIXED,
    ),
    check(
        "type-mismatch",
        "E0016",
        Error,
        "A value of the wrong type.",
        "A value of one type is used where another is expected: comparing a number with a text, \
         setting a slot to a value of a different type, or a condition that is not true or \
         false. The flow would not behave as written. Use a value of the expected type; the \
         message says which one.",
        TYPE_MISMATCH_BAD,
        TYPE_MISMATCH_FIXED,
    ),
    check(
        "input-free-cycle",
        "E0017",
        Error,
        "States `goto` each other with no input point between: an endless loop.",
        "These states `goto` each other with no `ask` or `menu` between (or only with an `ask` \
         of a slot nothing clears, which is skipped from the second time round because the \
         slot is set), so once a caller enters the loop the flow spins forever without ever \
         listening again. Put an input point into the loop, clear the slot before going round \
         again (`set SLOT = none`), or leave the loop with `end`, `handoff` or a `goto` out of \
         it.",
        INPUT_FREE_CYCLE_BAD,
        INPUT_FREE_CYCLE_FIXED,
    ),
    check(
        "invalid-regex",
        "E0018",
        Error,
        "A regular expression that does not compile.",
        "A regular expression in `matches /…/` does not compile (an unclosed group, a stray \
         `*`…), so the flow cannot be built. Regexes use the syntax of the Rust `regex` crate; \
         fix the pattern at the marked place, escaping characters such as `(` or `?` with `\\` \
         when they are meant literally.",
        INVALID_REGEX_BAD,
        INVALID_REGEX_FIXED,
    ),
    check(
        "invalid-hours",
        "E0019",
        Error,
        "An unknown time zone, an impossible time or date, a reversed range, or overlapping ranges in `hours`.",
        "An `hours` block has an unknown time zone, an impossible time or calendar date, a time \
         range that starts and ends at the same time, a reversed date or day range, or two \
         ranges of one day that overlap, so the opening times would be wrong. Time zones are IANA names such as `Asia/Shanghai` or \
         `Europe/London`; times run from `00:00` to `24:00`. A time range that ends before it \
         starts runs past midnight: `fri 22:00-06:00` is open from Friday 22:00 to Saturday \
         06:00, and belongs to Friday (a `closed` Friday closes it, a `closed` Saturday does not); \
         for a lunch break write the open times on either side of it, `mon-fri 09:00-12:00 \
         13:00-17:00`.",
        INVALID_HOURS_BAD,
        INVALID_HOURS_FIXED,
    ),
    check(
        "reserved-name",
        "E0020",
        Error,
        "A slot or result takes the name of an expression built-in.",
        "A slot or a `call … into` result takes the name of an expression built-in (`text`, \
         `sentiment`, `turns`, `channel`…), so every expression using that name would be \
         ambiguous. Rename the slot or result.",
        RESERVED_NAME_BAD,
        RESERVED_NAME_FIXED,
    ),
    check(
        "import-outside-project",
        "E0021",
        Error,
        "An `import` with an absolute path, or one that leads out of the project.",
        "An `import` names an absolute path, or a relative one whose `..` (or a symbolic link) \
         leads out of the project folder, so the project would read files that are not part of \
         it and mean something else in another checkout. The project folder is the one holding \
         `csflow.toml`, or the folder checked; list other folders in `[imports] allow` of \
         `csflow.toml`, or copy the declarations into the project.",
        IMPORT_OUTSIDE_PROJECT_BAD,
        IMPORT_OUTSIDE_PROJECT_FIXED,
    ),
    check(
        "value-out-of-range",
        "E0022",
        Error,
        "A number, duration or size beyond what a flow can mean or a bundle can hold.",
        "A `retry` count above 100, a `timeout` longer than a day, `digits(0)`, a string with \
         more than 1,024 interpolations, a list of more than 1,024 items or a test `time` that \
         is no real date parses, but no flow can mean it, and it would only fail later (in \
         `csflow build`, or when a test runs). Write the value that was meant.",
        VALUE_OUT_OF_RANGE_BAD,
        VALUE_OUT_OF_RANGE_FIXED,
    ),
    check(
        "division-by-zero",
        "E0040",
        Error,
        "A division by a constant zero.",
        "A `/` divides by zero (`0`, or a calculation that is always 0), so the value has no \
         meaning and every conversation that reaches it would run its `on error` handling. \
         Divide by the value that was meant; when the divisor comes from the caller or a \
         service, check it first (`if count > 0 { … }`).",
        DIVISION_BY_ZERO_BAD,
        DIVISION_BY_ZERO_FIXED,
    ),
    check(
        "interpolated-label",
        "E0023",
        Error,
        "An option label with `{…}` interpolation.",
        "An option's label is fixed text: it is shown as a button in chat, matched against what \
         customers type, and compared with the other options' labels, so a `{…}` in it would \
         reach customers as a literal `{…}` and never match. Write the label as plain text; put \
         changing values in the menu's prompt, which is interpolated like any message.",
        INTERPOLATED_LABEL_BAD,
        INTERPOLATED_LABEL_FIXED,
    ),
    check(
        "voice-only-in-chat",
        "E0050",
        Error,
        "A voice-only statement or setting in a `channel chat` flow.",
        "A `transfer` moves a phone call to another number, and `timeout`, `max_digits` and \
         `finish_key` say how a keypad reply is collected; a chat conversation has neither a \
         call nor a keypad, so the flow cannot mean them. Hand a chat to agents with \
         `handoff`, drop the setting, or make the flow `channel voice` (or `any`).",
        VOICE_ONLY_IN_CHAT_BAD,
        VOICE_ONLY_IN_CHAT_FIXED,
    ),
    check(
        "max-digits-too-short",
        "E0051",
        Error,
        "`max_digits` stops the caller before a `digits(N)` slot is complete.",
        "The keypad stops collecting after `max_digits` keys, so a `digits(N)` slot that needs \
         more can never be filled and every caller ends in `no_match`. Raise `max_digits` to \
         the slot's length, or leave it out: a `digits(N)` slot sets it.",
        MAX_DIGITS_TOO_SHORT_BAD,
        MAX_DIGITS_TOO_SHORT_FIXED,
    ),
    check(
        "duplicate-setting",
        "E0052",
        Error,
        "A setting is written twice on the same flow, statement or option.",
        "A flow, `ask`, `menu`, `say`, `play` or `handoff` takes each of its settings once: \
         `channel`, `start`, `timezone`, `language`, `timeout`, `max_digits`, `finish_key`, \
         `priority`, `reason`. When one is written twice only the last would count, and \
         whoever reads the flow cannot tell which value was meant. Keep one of them.",
        DUPLICATE_SETTING_BAD,
        DUPLICATE_SETTING_FIXED,
    ),
    check(
        "interpolation-not-allowed",
        "E0053",
        Error,
        "A `{…}` in a text that is used as written: a recording's path, a transfer \
         destination, a language.",
        "A recording's path (`play \"…\"`), a `transfer` destination and a `language` are \
         passed to the channel exactly as written, so a `{…}` in them would never be filled \
         in: the caller would hear the wrong file, or be sent to a number with braces in it. \
         Choose between fixed values with `if`, one `play`, `transfer` or `language` per \
         choice; interpolate only in what is said (`say`, prompts, reasons).",
        INTERPOLATION_NOT_ALLOWED_BAD,
        INTERPOLATION_NOT_ALLOWED_FIXED,
    ),
    check(
        "unreachable-state",
        "W0101",
        Warning,
        "No path from the start state reaches this state.",
        "No path from the start state leads to this state, so callers never hear it; it is often \
         an old version left behind after a redesign, and changes made to it have no effect. \
         Delete it, or add the `goto` or option that should lead to it.",
        UNREACHABLE_STATE_BAD,
        UNREACHABLE_STATE_FIXED,
    ),
    check(
        "trap-state",
        "W0102",
        Warning,
        "Callers who get here can never reach `end` or `handoff`.",
        "Callers who reach this state can never get to an `end` or a `handoff`: they are passed \
         between states and menus forever with no way out. Give the loop an exit, such as a \
         goodbye with `end`, a menu option or `escalate` rule that hands off to an agent, or a \
         no-match handler that does.",
        TRAP_STATE_BAD,
        TRAP_STATE_FIXED,
    ),
    check(
        "no-path-to-human",
        "W0103",
        Warning,
        "From this input point no `handoff` can be reached.",
        "From this input point no `handoff` is reachable, so a caller who cannot get what they \
         need from the bot has no way to reach a person. Add an `escalate { when intent agent \
         handoff QUEUE }` rule, an agent option, or a route back to a menu that has one.",
        NO_PATH_TO_HUMAN_BAD,
        NO_PATH_TO_HUMAN_FIXED,
    ),
    check(
        "missing-no-match",
        "W0104",
        Warning,
        "An input point with no `on no_match` handler, here or flow-wide.",
        "This `ask` or `menu` has no `on no_match` handler, here or flow-wide, so what happens \
         when the caller's answer is not understood is left to the runtime default. Add a \
         flow-wide `on no_match retry 2 then handoff QUEUE` (or a handler on the statement) so \
         callers are re-prompted and then helped.",
        MISSING_NO_MATCH_BAD,
        MISSING_NO_MATCH_FIXED,
    ),
    check(
        "missing-no-input",
        "W0105",
        Warning,
        "A voice input point with no `on no_input` handler, here or flow-wide.",
        "On a voice channel this `ask` or `menu` has no `on no_input` handler, here or \
         flow-wide, so a caller who stays silent gets no defined treatment. Add a flow-wide `on \
         no_input retry 2 then …` (or a handler on the statement) that re-prompts and then hands \
         off or says goodbye.",
        MISSING_NO_INPUT_BAD,
        MISSING_NO_INPUT_FIXED,
    ),
    check(
        "voice-menu-too-long",
        "W0106",
        Warning,
        "A voice menu with more options than callers can remember.",
        "Callers cannot remember more than about five spoken options, so they pick the wrong one \
         or ask for an agent. Split the menu: keep the most used options and move the rest \
         behind an \"other services\" option.",
        VOICE_MENU_TOO_LONG_BAD,
        VOICE_MENU_TOO_LONG_FIXED,
    ),
    check(
        "menu-too-deep",
        "W0107",
        Warning,
        "A voice menu that callers reach only through too many other menus.",
        "Callers reach this voice menu only after passing four other menus, and many hang up \
         before they get there. Offer a shortcut from an earlier menu, merge levels, or let \
         callers say what they want.",
        MENU_TOO_DEEP_BAD,
        MENU_TOO_DEEP_FIXED,
    ),
    check(
        "voice-option-without-key",
        "W0108",
        Warning,
        "A voice menu option that no keypad digit picks.",
        "On a voice channel this menu option has no `key`, so callers using the keypad cannot \
         choose it. Give it a key and announce that key in the prompt.",
        VOICE_OPTION_WITHOUT_KEY_BAD,
        VOICE_OPTION_WITHOUT_KEY_FIXED,
    ),
    check(
        "shadowed-option",
        "W0109",
        Warning,
        "An earlier option of the same menu, or an `escalate` rule, always wins over this one.",
        "An earlier option of the same menu matches everything this option matches (the same \
         keys, intents, phrases and label), or an `escalate` rule `when intent NAME` takes \
         everything that would pick it (it has no key, and its label, intents and phrases are \
         that intent, which the rule checks on every input before the menu), so this option can \
         never be chosen. Remove it, or give it something of its own to be chosen by.",
        SHADOWED_OPTION_BAD,
        SHADOWED_OPTION_FIXED,
    ),
    check(
        "handoff-without-after-hours",
        "W0110",
        Warning,
        "A hand-off to a queue with hours, and no `on closed` handler.",
        "This `handoff` goes to a queue that has opening hours, but no `on closed` handler says \
         what happens outside them, so callers would wait for agents who are not there. Add an \
         `on closed` handler, flow-wide or on the statement, that tells callers when to come \
         back or offers another route.",
        HANDOFF_WITHOUT_AFTER_HOURS_BAD,
        HANDOFF_WITHOUT_AFTER_HOURS_FIXED,
    ),
    check(
        "sensitive-in-output",
        "W0111",
        Warning,
        "A `sensitive` slot is read out in a message.",
        "A slot marked `sensitive` is interpolated into a message, so personal data such as card \
         digits is read out or shown on screen and written into the transcript. Leave the value \
         out of the message; it still reaches agents, masked, in the hand-off.",
        SENSITIVE_IN_OUTPUT_BAD,
        SENSITIVE_IN_OUTPUT_FIXED,
    ),
    check(
        "prompt-key-mismatch",
        "W0112",
        Warning,
        "A menu prompt announces keys its options do not have, or the reverse.",
        "A voice menu's prompt announces a key that no option has (\"press 3\", \"按3\", \"请按三\"), or an \
         option's key is never announced, so callers press keys that do nothing or never learn a \
         choice exists. Make the prompt and the options' keys agree.",
        PROMPT_KEY_MISMATCH_BAD,
        PROMPT_KEY_MISMATCH_FIXED,
    ),
    check(
        "question-without-input",
        "W0113",
        Warning,
        "A question is said, but the flow moves on without waiting for the answer.",
        "A `say` asks the caller something (it ends in `?` or `？`, or, in Chinese, ends in 吗, \
         呢 or 么 or starts with 请问), but the state moves on \
         without an `ask` or `menu`, so the answer is never heard. Turn the question into the \
         prompt of an `ask` or `menu`, or rephrase it as a statement.",
        QUESTION_WITHOUT_INPUT_BAD,
        QUESTION_WITHOUT_INPUT_FIXED,
    ),
    check(
        "stale-knowledge",
        "W0114",
        Warning,
        "A knowledge entry is past its `review_by` date.",
        "This knowledge entry is past its `review_by` date, so the bot may be giving customers \
         outdated answers. Have the entry's owner check the answer, then move `review_by` to the \
         next review date.",
        STALE_KNOWLEDGE_BAD,
        STALE_KNOWLEDGE_FIXED,
    ),
    check(
        "duplicate-question",
        "W0115",
        Warning,
        "The same, or nearly the same, question in two knowledge entries.",
        "The same (or nearly the same) question appears in two knowledge entries, so which \
         answer a customer gets is a toss-up. Keep the question in the entry whose answer fits \
         it and remove it from the other.",
        DUPLICATE_QUESTION_BAD,
        DUPLICATE_QUESTION_FIXED,
    ),
    check(
        "ambiguous-example",
        "W0116",
        Warning,
        "One example phrase in two intents.",
        "One example phrase is listed in two intents, so the matcher cannot tell which intent a \
         customer means when they say it. Keep the phrase in the intent it belongs to and remove \
         it from the other.",
        AMBIGUOUS_EXAMPLE_BAD,
        AMBIGUOUS_EXAMPLE_FIXED,
    ),
    check(
        "unused-slot",
        "W0117",
        Warning,
        "A slot that nothing asks, sets or reads.",
        "The slot is declared but nothing asks, sets or reads it. It is usually left over from \
         an earlier design; delete it, or add the `ask` that should fill it.",
        UNUSED_SLOT_BAD,
        UNUSED_SLOT_FIXED,
    ),
    check(
        "unused-intent",
        "W0118",
        Warning,
        "An intent that nothing matches.",
        "The intent is declared but no option, `escalate` rule or expression matches it, so its \
         example phrases do nothing. Use it where customers should be able to say it, or delete \
         it.",
        UNUSED_INTENT_BAD,
        UNUSED_INTENT_FIXED,
    ),
    check(
        "unused-queue",
        "W0119",
        Warning,
        "A queue that nothing hands off to.",
        "The queue is declared but nothing hands off to it, so its agents never receive \
         conversations from these flows. Hand off to it where it belongs, or delete it.",
        UNUSED_QUEUE_BAD,
        UNUSED_QUEUE_FIXED,
    ),
    check(
        "unused-knowledge",
        "W0120",
        Warning,
        "A knowledge base that nothing answers from.",
        "The knowledge base is declared but no `answer from` uses it, so its answers are never \
         given. Add an `answer from` where customers ask such questions, or delete it.",
        UNUSED_KNOWLEDGE_BAD,
        UNUSED_KNOWLEDGE_FIXED,
    ),
    check(
        "duplicate-example",
        "W0121",
        Warning,
        "An intent lists the same example twice.",
        "An intent lists the same example phrase twice (after normalising case, punctuation and \
         full-width characters), which adds nothing to what the matcher learns and usually means \
         a copy-and-paste slip. Remove the copy, or change it into the phrasing that was meant.",
        DUPLICATE_EXAMPLE_BAD,
        DUPLICATE_EXAMPLE_FIXED,
    ),
    check(
        "unknown-allow",
        "W0122",
        Warning,
        "A `# csflow: allow(…)` comment names no check.",
        "A `# csflow: allow(…)` comment names something that is neither a check's name nor its \
         code, so it silences nothing and the warning it was meant for still shows (or will, \
         once it comes back). Correct the name; `csflow explain --list` lists them all.",
        UNKNOWN_ALLOW_BAD,
        UNKNOWN_ALLOW_FIXED,
    ),
    check(
        "key-prefix",
        "W0123",
        Warning,
        "A key of a voice menu is the start of another key of that menu.",
        "One key is the start of another (`key 1` and `key 10`), so a caller who presses 1 and \
         pauses either gets the first option at once, never reaching the second, or waits while \
         the menu listens for another digit. Give every option of the menu keys of one length \
         (`key 01` … `key 10`), or move the options with longer keys to a menu of their own.",
        KEY_PREFIX_BAD,
        KEY_PREFIX_FIXED,
    ),
    check(
        "missing-finish-key",
        "W0150",
        Warning,
        "A prompt tells the caller to end with a key, and no `finish_key` is set.",
        "The prompt says to end the entry with a key (\"then press hash\", \"以#号键结束\"), but \
         neither the input point nor the flow sets `finish_key`, so the key is not an end: \
         the caller waits for the time-out, or the key becomes part of the reply. Add \
         `finish_key \"#\"` after the prompt, or once in the flow.",
        MISSING_FINISH_KEY_BAD,
        MISSING_FINISH_KEY_FIXED,
    ),
    check(
        "missing-audio",
        "W0151",
        Warning,
        "A voice flow plays a recording that is not in the project.",
        "`play \"…\"` names a file that is neither beside the flow's file nor under the project \
         root, so callers would hear nothing where the recording should be. Add the file or \
         correct the path; a URL (`https://…`) is not checked.",
        MISSING_AUDIO_BAD,
        MISSING_AUDIO_FIXED,
    ),
];

/// A check's identity (as ruff's `Rule`): an index into [`CHECKS`], made only by the
/// constants of [`super::ids`], which are resolved at compile time, so a check that does not
/// exist cannot be named and nothing looks a check up by string at run time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CheckId(u16);

impl CheckId {
    /// The id of the check called `name`; evaluated in a `const`, an unknown name is a
    /// compile error.
    pub const fn named(name: &str) -> CheckId {
        let mut i = 0;
        while i < CHECKS.len() {
            if const_eq(CHECKS[i].name, name) {
                return CheckId(i as u16);
            }
            i += 1;
        }
        panic!("no check has this name");
    }

    pub fn check(self) -> &'static Check {
        &CHECKS[self.0 as usize]
    }

    /// The check's position in [`CHECKS`] (a SARIF `ruleIndex`).
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

const fn const_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Finds a check by its name (`unknown-state`) or its code (`E0004`, any case): for what
/// users write (`csflow explain`, `csflow.toml`, allow comments). One hash lookup.
pub fn lookup(name_or_code: &str) -> Option<&'static Check> {
    static INDEX: std::sync::OnceLock<rustc_hash::FxHashMap<String, usize>> =
        std::sync::OnceLock::new();
    let index = INDEX.get_or_init(|| {
        let mut index = rustc_hash::FxHashMap::default();
        for (i, check) in CHECKS.iter().enumerate() {
            index.insert(check.name.to_string(), i);
            index.insert(check.code.to_ascii_uppercase(), i);
        }
        index
    });
    let found = index
        .get(name_or_code)
        .or_else(|| index.get(&name_or_code.to_ascii_uppercase()))?;
    CHECKS.get(*found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_check_has_its_id_constant() {
        for (i, check) in CHECKS.iter().enumerate() {
            assert_eq!(CheckId::named(check.name), CheckId(i as u16));
            assert_eq!(CheckId::named(check.name).check().name, check.name);
            assert_eq!(lookup(check.code).map(|c| c.name), Some(check.name));
            assert_eq!(
                lookup(&check.code.to_lowercase()).map(|c| c.name),
                Some(check.name)
            );
        }
        assert_eq!(super::super::ids::ALL.len(), CHECKS.len());
        for (id, check) in super::super::ids::ALL.iter().zip(CHECKS) {
            assert_eq!(id.check().name, check.name);
        }
    }

    #[test]
    fn names_and_codes_are_unique_and_well_formed() {
        let mut names = HashSet::new();
        let mut codes = HashSet::new();
        for check in CHECKS {
            assert!(names.insert(check.name), "name {} repeated", check.name);
            assert!(codes.insert(check.code), "code {} repeated", check.code);
            assert!(
                check
                    .name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'-'),
                "{}",
                check.name
            );
            let prefix = match check.severity {
                Severity::Error => 'E',
                Severity::Warning => 'W',
                Severity::Info => 'I',
            };
            assert!(
                check.code.starts_with(prefix) && check.code.len() == 5,
                "{}",
                check.code
            );
            assert_eq!(lookup(check.name).map(|c| c.code), Some(check.code));
            assert_eq!(
                lookup(&check.code.to_lowercase()).map(|c| c.name),
                Some(check.name)
            );
        }
    }

    #[test]
    fn every_check_is_explained_with_examples() {
        for check in CHECKS {
            let sentences = check.explanation.matches(". ").count() + 1;
            assert!(
                (2..=4).contains(&sentences) && check.explanation.ends_with('.'),
                "{}: explanation should be 2 to 4 sentences",
                check.name
            );
            assert!(
                !check.explanation.contains("  "),
                "{}: double space",
                check.name
            );
            assert!(
                !check.bad.trim().is_empty() && !check.fixed.trim().is_empty(),
                "{}",
                check.name
            );
            assert_ne!(
                check.bad, check.fixed,
                "{}: fixed must differ from bad",
                check.name
            );
            for example in [check.bad, check.fixed] {
                assert!(
                    example.ends_with("}\n"),
                    "{}: example ends oddly",
                    check.name
                );
                assert!(!example.contains('\t'), "{}: tabs in example", check.name);
            }
        }
    }
}
