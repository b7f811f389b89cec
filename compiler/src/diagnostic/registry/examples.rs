//! The bad and fixed example of every check: each a complete one-file project. A bad
//! example triggers its check; a fixed one triggers no error and not that check (and, as far
//! as we can make it, nothing at all: every declared slot, intent and queue is used, and
//! every flow has `on no_match` / `on no_input` handlers and an agent escalation).

mod errors;
mod warnings;

pub use errors::*;
pub use warnings::*;
