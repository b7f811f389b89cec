//! The report model of a test run: what `csflow test` renders (human, JSON, JUnit) —
//! results, the failing step, locations and coverage rows. Plain data.

use crate::source::{SourceMap, Span};
use csflow_runtime::vm::{Speaker, TranscriptEntry};

/// The outcome of a test run.
#[derive(Debug, Clone)]
pub struct Report {
    /// The tests that ran, in file load order, then source order.
    pub tests: Vec<TestResult>,
    /// Tests skipped by [`Options::filter`].
    pub filtered_out: usize,
    /// Every flow of the bundle, sorted by name.
    pub coverage: Vec<FlowCoverage>,
}

impl Report {
    pub fn passed(&self) -> usize {
        self.tests.iter().filter(|t| t.failure.is_none()).count()
    }

    pub fn failed(&self) -> usize {
        self.tests.len() - self.passed()
    }
}

/// A place in the sources, as users see it: the path as given, 1-based line and column
/// (columns count Unicode scalar values).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: String,
    pub line: u32,
    pub column: u32,
}

impl Location {
    pub fn of(span: Span, sources: &SourceMap) -> Location {
        let file = sources.get(span.file);
        let position = file.line_col(span.start as usize);
        Location {
            file: file.path.clone(),
            line: position.line,
            column: position.column,
        }
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

#[derive(Debug, Clone)]
pub struct TestResult {
    pub name: String,
    /// Where the `test` block starts.
    pub location: Location,
    /// The flow named by the test's `flow` line.
    pub flow: Option<String>,
    /// `None` when the test passed. Boxed: most tests pass, and a generated suite of a
    /// million tests would carry the room for a failure in every result (issue 16).
    pub failure: Option<Box<Failure>>,
    /// The conversation so far (all of it for a passing test), sensitive values masked.
    pub transcript: Vec<TranscriptEntry>,
}

impl TestResult {
    pub fn passed(&self) -> bool {
        self.failure.is_none()
    }
}

/// The first step of a test that did not hold.
#[derive(Debug, Clone)]
pub struct Failure {
    pub step: Location,
    pub step_span: Span,
    /// The step as written (its first line).
    pub step_text: String,
    /// What the step expected, e.g. `say "Goodbye."` or `handoff care`.
    pub expected: String,
    /// What came instead, e.g. `say "Sorry?"` or `the conversation is waiting in state menu`.
    pub got: String,
}

/// States visited and menu options taken in one flow by the tests that ran.
#[derive(Debug, Clone)]
pub struct FlowCoverage {
    pub flow: String,
    pub states: Vec<StateCoverage>,
    pub options: Vec<OptionCoverage>,
}

#[derive(Debug, Clone)]
pub struct StateCoverage {
    pub name: String,
    pub location: Option<Location>,
    pub visited: bool,
}

#[derive(Debug, Clone)]
pub struct OptionCoverage {
    /// The state whose menu holds the option.
    pub state: String,
    pub label: String,
    /// The option's first key, if any.
    pub key: Option<String>,
    /// Where the option's action is.
    pub location: Option<Location>,
    pub taken: bool,
}

impl FlowCoverage {
    pub fn states_visited(&self) -> usize {
        self.states.iter().filter(|s| s.visited).count()
    }

    pub fn options_taken(&self) -> usize {
        self.options.iter().filter(|o| o.taken).count()
    }

    /// Percentage of states visited; 100 for a flow without states.
    pub fn state_percent(&self) -> f64 {
        percent(self.states_visited(), self.states.len())
    }

    /// Percentage of menu options taken; 100 for a flow without menus.
    pub fn option_percent(&self) -> f64 {
        percent(self.options_taken(), self.options.len())
    }
}

fn percent(part: usize, total: usize) -> f64 {
    if total == 0 {
        100.0
    } else {
        part as f64 * 100.0 / total as f64
    }
}

/// A transcript line's speaker as shown in reports: `bot`, `user` or `event`.
pub fn speaker_name(who: Speaker) -> &'static str {
    match who {
        Speaker::Bot => "bot",
        Speaker::User => "user",
        Speaker::Event => "event",
    }
}
