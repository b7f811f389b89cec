//! Conversation tests: runs a project's `test` blocks against its compiled bundle and
//! returns the results as data (pass/fail, the failing step, expected vs got, the
//! transcript) plus per-flow coverage. `csflow test` renders them; this module never prints.
//!
//! ```text
//! testing/report.rs    the report model: Report, TestResult, Failure, Location, coverage rows
//! testing/steps.rs     the step interpreter: one test's flow/time/mock/send/expect lines
//! testing/coverage.rs  states entered and options taken, against every flow's totals
//! ```
//! Service mocks are the runtime's [`Mocks`], shared with `csflow run` and the server.
//!
//! Semantics (docs/language.md "Tests", and the choices docs/testing.md records):
//! - `flow`, `time` and `mock` lines set the conversation up; it starts at the first `send`
//!   or `expect`. A later `time` or `mock` applies from there on.
//! - The conversation runs on the flow's declared channel; `channel any` runs as voice.
//! - `time DATE TIME` without a zone is a wall-clock time read in each `hours` block's own
//!   zone ([`Clock::WallClock`]); with an IANA zone it is one instant ([`Clock::Instant`]).
//!   A test without `time` runs at [`Clock::test_default`] (Monday 2026-01-05 10:00,
//!   wall-clock), never the machine's clock.
//! - `mock S.OP returns {…}` makes every later call of S.OP return that record; `mock S.OP
//!   fails` makes it fail. A call with no mock fails as an unavailable service would, so the
//!   flow's `on error` runs.
//! - Each `expect say` consumes the next output not yet consumed; a `send` first drops the
//!   outputs of earlier turns that no `expect` consumed.
//! - `expect handoff`, `end`, `state` and `slot` look at the conversation as it is after the
//!   last turn; they consume nothing. `expect handoff Q priority P reason "…"` also checks
//!   the priority and the reason, each only when written.
//! - A conversation that fails (the step budget, a runtime error) fails its test at the
//!   step that made it fail, with the reason; no later step runs.
//! - Coverage: a state is visited when a conversation enters it (the start state, or by
//!   `goto`); a menu option is taken when an input picks it (by key, label, phrase or
//!   intent). Totals count every state and every menu option of the flow.

mod coverage;
mod report;
mod steps;

/// Service calls as mocked: the runtime's, shared with `csflow run` and the server.
pub use csflow_runtime::Mocks;
pub use report::{
    Failure, FlowCoverage, Location, OptionCoverage, Report, StateCoverage, TestResult,
    speaker_name,
};
pub use steps::{channel_of, clock_in, parse_clock, quote};

use crate::ast::{self, Item};
use crate::source::{FileId, SourceMap};
use csflow_runtime::Bundle;

/// Which tests to run.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Run only the tests whose name contains this text.
    pub filter: Option<String>,
}

/// Runs every `test` block of `files` (a checked project) against `bundle` (compiled from the
/// same files).
pub fn run(
    files: &[(FileId, ast::File)],
    sources: &SourceMap,
    bundle: &Bundle,
    options: &Options,
) -> Report {
    let mut tests = Vec::new();
    let mut filtered_out = 0;
    let mut state = steps::RunState::default();
    for (_, file) in files {
        for item in &file.items {
            let Item::Test(test) = item else { continue };
            let name = test.name.plain_text();
            if let Some(filter) = &options.filter
                && !name.contains(filter.as_str())
            {
                filtered_out += 1;
                continue;
            }
            tests.push(steps::run_test(test, name, sources, bundle, &mut state));
        }
    }
    Report {
        tests,
        filtered_out,
        coverage: coverage::coverage(files, sources, bundle, &state.seen),
    }
}

#[cfg(test)]
mod tests;
