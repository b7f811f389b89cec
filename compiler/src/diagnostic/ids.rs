//! The checks by identity: one constant per check of the registry, resolved at compile
//! time ([`CheckId::named`]), so `Diagnostic::new(ids::UNKNOWN_STATE, …)` cannot name a
//! check that does not exist.

use super::registry::CheckId;

pub const SYNTAX_ERROR: CheckId = CheckId::named("syntax-error");
pub const IMPORT_NOT_FOUND: CheckId = CheckId::named("import-not-found");
pub const DUPLICATE_DEFINITION: CheckId = CheckId::named("duplicate-definition");
pub const UNKNOWN_STATE: CheckId = CheckId::named("unknown-state");
pub const UNKNOWN_SLOT: CheckId = CheckId::named("unknown-slot");
pub const UNKNOWN_INTENT: CheckId = CheckId::named("unknown-intent");
pub const UNKNOWN_QUEUE: CheckId = CheckId::named("unknown-queue");
pub const UNKNOWN_KNOWLEDGE: CheckId = CheckId::named("unknown-knowledge");
pub const UNKNOWN_SERVICE: CheckId = CheckId::named("unknown-service");
pub const UNKNOWN_HOURS: CheckId = CheckId::named("unknown-hours");
pub const UNKNOWN_FLOW: CheckId = CheckId::named("unknown-flow");
pub const UNKNOWN_FIELD: CheckId = CheckId::named("unknown-field");
pub const MISSING_START: CheckId = CheckId::named("missing-start");
pub const MISSING_TERMINATOR: CheckId = CheckId::named("missing-terminator");
pub const DUPLICATE_KEY: CheckId = CheckId::named("duplicate-key");
pub const TYPE_MISMATCH: CheckId = CheckId::named("type-mismatch");
pub const INPUT_FREE_CYCLE: CheckId = CheckId::named("input-free-cycle");
pub const INVALID_REGEX: CheckId = CheckId::named("invalid-regex");
pub const INVALID_HOURS: CheckId = CheckId::named("invalid-hours");
pub const RESERVED_NAME: CheckId = CheckId::named("reserved-name");
pub const UNREACHABLE_STATE: CheckId = CheckId::named("unreachable-state");
pub const TRAP_STATE: CheckId = CheckId::named("trap-state");
pub const NO_PATH_TO_HUMAN: CheckId = CheckId::named("no-path-to-human");
pub const MISSING_NO_MATCH: CheckId = CheckId::named("missing-no-match");
pub const MISSING_NO_INPUT: CheckId = CheckId::named("missing-no-input");
pub const VOICE_MENU_TOO_LONG: CheckId = CheckId::named("voice-menu-too-long");
pub const MENU_TOO_DEEP: CheckId = CheckId::named("menu-too-deep");
pub const VOICE_OPTION_WITHOUT_KEY: CheckId = CheckId::named("voice-option-without-key");
pub const SHADOWED_OPTION: CheckId = CheckId::named("shadowed-option");
pub const HANDOFF_WITHOUT_AFTER_HOURS: CheckId = CheckId::named("handoff-without-after-hours");
pub const SENSITIVE_IN_OUTPUT: CheckId = CheckId::named("sensitive-in-output");
pub const PROMPT_KEY_MISMATCH: CheckId = CheckId::named("prompt-key-mismatch");
pub const QUESTION_WITHOUT_INPUT: CheckId = CheckId::named("question-without-input");
pub const STALE_KNOWLEDGE: CheckId = CheckId::named("stale-knowledge");
pub const DUPLICATE_QUESTION: CheckId = CheckId::named("duplicate-question");
pub const AMBIGUOUS_EXAMPLE: CheckId = CheckId::named("ambiguous-example");
pub const UNUSED_SLOT: CheckId = CheckId::named("unused-slot");
pub const UNUSED_INTENT: CheckId = CheckId::named("unused-intent");
pub const UNUSED_QUEUE: CheckId = CheckId::named("unused-queue");
pub const UNUSED_KNOWLEDGE: CheckId = CheckId::named("unused-knowledge");
pub const IMPORT_OUTSIDE_PROJECT: CheckId = CheckId::named("import-outside-project");
pub const VALUE_OUT_OF_RANGE: CheckId = CheckId::named("value-out-of-range");
pub const DIVISION_BY_ZERO: CheckId = CheckId::named("division-by-zero");
pub const DUPLICATE_EXAMPLE: CheckId = CheckId::named("duplicate-example");
pub const UNKNOWN_ALLOW: CheckId = CheckId::named("unknown-allow");
pub const INTERPOLATED_LABEL: CheckId = CheckId::named("interpolated-label");
pub const KEY_PREFIX: CheckId = CheckId::named("key-prefix");
pub const VOICE_ONLY_IN_CHAT: CheckId = CheckId::named("voice-only-in-chat");
pub const MAX_DIGITS_TOO_SHORT: CheckId = CheckId::named("max-digits-too-short");
pub const MISSING_FINISH_KEY: CheckId = CheckId::named("missing-finish-key");
pub const MISSING_AUDIO: CheckId = CheckId::named("missing-audio");
pub const DUPLICATE_SETTING: CheckId = CheckId::named("duplicate-setting");
pub const INTERPOLATION_NOT_ALLOWED: CheckId = CheckId::named("interpolation-not-allowed");

/// Every id, in registry order.
pub const ALL: &[CheckId] = &[
    SYNTAX_ERROR,
    IMPORT_NOT_FOUND,
    DUPLICATE_DEFINITION,
    UNKNOWN_STATE,
    UNKNOWN_SLOT,
    UNKNOWN_INTENT,
    UNKNOWN_QUEUE,
    UNKNOWN_KNOWLEDGE,
    UNKNOWN_SERVICE,
    UNKNOWN_HOURS,
    UNKNOWN_FLOW,
    UNKNOWN_FIELD,
    MISSING_START,
    MISSING_TERMINATOR,
    DUPLICATE_KEY,
    TYPE_MISMATCH,
    INPUT_FREE_CYCLE,
    INVALID_REGEX,
    INVALID_HOURS,
    RESERVED_NAME,
    IMPORT_OUTSIDE_PROJECT,
    VALUE_OUT_OF_RANGE,
    DIVISION_BY_ZERO,
    INTERPOLATED_LABEL,
    VOICE_ONLY_IN_CHAT,
    MAX_DIGITS_TOO_SHORT,
    DUPLICATE_SETTING,
    INTERPOLATION_NOT_ALLOWED,
    UNREACHABLE_STATE,
    TRAP_STATE,
    NO_PATH_TO_HUMAN,
    MISSING_NO_MATCH,
    MISSING_NO_INPUT,
    VOICE_MENU_TOO_LONG,
    MENU_TOO_DEEP,
    VOICE_OPTION_WITHOUT_KEY,
    SHADOWED_OPTION,
    HANDOFF_WITHOUT_AFTER_HOURS,
    SENSITIVE_IN_OUTPUT,
    PROMPT_KEY_MISMATCH,
    QUESTION_WITHOUT_INPUT,
    STALE_KNOWLEDGE,
    DUPLICATE_QUESTION,
    AMBIGUOUS_EXAMPLE,
    UNUSED_SLOT,
    UNUSED_INTENT,
    UNUSED_QUEUE,
    UNUSED_KNOWLEDGE,
    DUPLICATE_EXAMPLE,
    UNKNOWN_ALLOW,
    KEY_PREFIX,
    MISSING_FINISH_KEY,
    MISSING_AUDIO,
];
