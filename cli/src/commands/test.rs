//! `csflow test [PATH…]`: runs every `test` block against the compiled project and reports
//! in the reader's format (human, JSON, JUnit XML), with optional per-flow coverage.
//! The semantics live in `csflow_compiler::testing`; this file only renders.

use super::build;
use super::common::{self, ColorChoice};
use csflow_compiler::testing::{self, FlowCoverage, Location, Report, TestResult};
use csflow_runtime::markup;
use serde_json::{Value as Json, json};
use std::fmt::Write;
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// one line per test, then each failure with its step, expected vs got and transcript
    Human,
    /// one JSON object on stdout (shape in docs/testing.md)
    Json,
    /// JUnit XML, for CI test reports
    Junit,
}

#[derive(clap::Args)]
#[command(
    about = "Run the conversation tests (`test` blocks)",
    long_about = "Compile the project under the given paths (default: the current directory) and \
run every `test` block in it against the compiled flows, exactly as csflow-runtime would run \
them. A failure shows the step (file:line:col), what was expected, what came instead and the \
conversation so far. Tests without a `time` line run at Monday 2026-01-05 10:00 (wall-clock in \
each hours block's zone), never at the machine's clock; see docs/testing.md.",
    after_help = "Exit status: 0 every test passed (and coverage is at least --min-coverage), \
1 a test failed, coverage is too low or the flows have errors, 2 bad usage or an I/O problem.\n\n\
Examples:\n  csflow test\n  csflow test examples/bank\n  csflow test examples --filter \"lost card\"\n  \
csflow test examples --coverage\n  csflow test examples --coverage --min-coverage 100     # in CI\n  \
csflow test flows/ --format junit > csflow-tests.xml\n  csflow test flows/ --format json | jq '.summary'"
)]
pub struct Args {
    /// Files or directories to test (directories are searched for *.csflow)
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Report per flow the states visited and menu options taken by the tests
    #[arg(long)]
    pub coverage: bool,
    /// Fail (exit 1) when any flow's state or option coverage is below PCT percent
    #[arg(long, value_name = "PCT", value_parser = parse_percent)]
    pub min_coverage: Option<f64>,
    /// Run only tests whose name contains TEXT
    #[arg(long, value_name = "TEXT")]
    pub filter: Option<String>,
    /// When to use colour in the human format
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

fn parse_percent(text: &str) -> Result<f64, String> {
    let number: f64 = text
        .trim_end_matches('%')
        .parse()
        .map_err(|_| format!("`{text}` is not a percentage like 90 or 100"))?;
    if (0.0..=100.0).contains(&number) {
        Ok(number)
    } else {
        Err(format!("`{text}` is not between 0 and 100"))
    }
}

pub fn run(args: Args) -> u8 {
    let (analysis, bundle, _) = match build::compile(&args.paths, args.color, false, false) {
        Ok(compiled) => compiled,
        Err(status) => return status,
    };
    let options = testing::Options {
        filter: args.filter.clone(),
    };
    let report = testing::run(&analysis.files, &analysis.sources, &bundle, &options);
    let low = args
        .min_coverage
        .map(|min| below(&report.coverage, min))
        .unwrap_or_default();
    let output = match args.format {
        Format::Human => human(&report, args.coverage, args.color.enabled_for_stdout()),
        Format::Json => json(&report, args.coverage),
        Format::Junit => junit(&report),
    };
    common::print(&output);
    // Zero tests is most often a wrong path or a typo in --filter: say so (on stderr, so the
    // JSON and JUnit outputs stay clean), but it is not a failure.
    if report.tests.is_empty() {
        match &args.filter {
            Some(filter) if report.filtered_out > 0 => common::eprint(&format!(
                "note: no test name contains \"{filter}\" ({} tests filtered out)\n",
                report.filtered_out
            )),
            _ => common::eprint(&format!(
                "note: no `test` blocks found under {}; see docs/testing.md for how to write one\n",
                shown_paths(&args.paths)
            )),
        }
    }
    if let Some(min) = args.min_coverage {
        for flow in &low {
            common::eprint(&format!(
                "error: coverage of flow {} is below {}%: states {}, options {}\n",
                flow.flow,
                trim(min),
                ratio(flow.states_visited(), flow.states.len()),
                ratio(flow.options_taken(), flow.options.len()),
            ));
        }
    }
    u8::from(report.failed() > 0 || !low.is_empty())
}

fn shown_paths(paths: &[std::path::PathBuf]) -> String {
    let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    shown.join(", ")
}

fn below(coverage: &[FlowCoverage], min: f64) -> Vec<FlowCoverage> {
    coverage
        .iter()
        .filter(|f| f.state_percent() < min || f.option_percent() < min)
        .cloned()
        .collect()
}

/// `12/14 (85.7%)`
fn ratio(part: usize, total: usize) -> String {
    let percent = if total == 0 {
        100.0
    } else {
        part as f64 * 100.0 / total as f64
    };
    format!("{part}/{total} ({}%)", trim(percent))
}

/// `100`, `85.7`: one decimal (rounded down, so 99.96% never reads as 100), none when whole.
fn trim(percent: f64) -> String {
    let text = format!("{:.1}", (percent * 10.0).floor() / 10.0);
    text.strip_suffix(".0").map(str::to_string).unwrap_or(text)
}

struct Paint(bool);

impl Paint {
    fn green(&self, text: &str) -> String {
        self.wrap("32", text)
    }
    fn red(&self, text: &str) -> String {
        self.wrap("31", text)
    }
    fn bold(&self, text: &str) -> String {
        self.wrap("1", text)
    }
    fn wrap(&self, code: &str, text: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

/// cargo-test-like: a line per test, then the failures in detail, a summary and coverage.
pub fn human(report: &Report, coverage: bool, color: bool) -> String {
    let paint = Paint(color);
    let mut out = String::new();
    let count = report.tests.len();
    let _ = writeln!(
        out,
        "running {count} test{}",
        if count == 1 { "" } else { "s" }
    );
    for test in &report.tests {
        let verdict = if test.passed() {
            paint.green("ok")
        } else {
            paint.red("FAILED")
        };
        let _ = writeln!(out, "test {} ... {verdict}", test.name);
    }
    let failing: Vec<&TestResult> = report.tests.iter().filter(|t| !t.passed()).collect();
    if !failing.is_empty() {
        let _ = writeln!(out, "\nfailures:");
        for test in &failing {
            out.push('\n');
            out.push_str(&failure_text(test, &paint));
        }
    }
    let verdict = if failing.is_empty() {
        paint.green("ok")
    } else {
        paint.red("FAILED")
    };
    let _ = writeln!(
        out,
        "\ntest result: {verdict}. {} passed; {} failed; {} filtered out",
        report.passed(),
        report.failed(),
        report.filtered_out
    );
    if coverage {
        out.push_str(&coverage_text(&report.coverage));
    }
    out
}

/// One failure: the test, the step with its location, expected vs got, the transcript.
fn failure_text(test: &TestResult, paint: &Paint) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}",
        paint.bold(&format!("---- {} ({}) ----", test.name, test.location))
    );
    let Some(failure) = &test.failure else {
        return out;
    };
    let _ = writeln!(out, "{}: {}", failure.step, failure.step_text);
    let _ = writeln!(out, "  expected: {}", failure.expected);
    let _ = writeln!(out, "  got:      {}", failure.got);
    if test.transcript.is_empty() {
        let _ = writeln!(out, "  conversation so far: (not started)");
    } else {
        let _ = writeln!(out, "  conversation so far:");
        for entry in &test.transcript {
            let _ = writeln!(
                out,
                "    {:<5} {}",
                testing::speaker_name(entry.who),
                entry.text
            );
        }
    }
    out
}

fn coverage_text(coverage: &[FlowCoverage]) -> String {
    let mut out = String::from("\ncoverage:\n");
    if coverage.is_empty() {
        out.push_str("  (no flows)\n");
    }
    let width = coverage.iter().map(|f| f.flow.len()).max().unwrap_or(0);
    for flow in coverage {
        let _ = writeln!(
            out,
            "  {:<width$}  states {}  options {}",
            flow.flow,
            ratio(flow.states_visited(), flow.states.len()),
            ratio(flow.options_taken(), flow.options.len()),
        );
        for state in flow.states.iter().filter(|s| !s.visited) {
            let _ = writeln!(
                out,
                "    never visited: state {}{}",
                state.name,
                at(state.location.as_ref())
            );
        }
        for option in flow.options.iter().filter(|o| !o.taken) {
            let key = option
                .key
                .as_ref()
                .map(|k| format!(" (key {k})"))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "    never taken: option {}{key} in state {}{}",
                testing::quote(&option.label),
                option.state,
                at(option.location.as_ref())
            );
        }
    }
    out
}

fn at(location: Option<&Location>) -> String {
    location.map(|l| format!(" at {l}")).unwrap_or_default()
}

fn location_json(location: &Location) -> Json {
    json!({ "file": location.file, "line": location.line, "column": location.column })
}

/// The JSON format (docs/testing.md): `version`, `tests`, `summary`, and `coverage` with
/// `--coverage`.
pub fn json(report: &Report, coverage: bool) -> String {
    let tests: Vec<Json> = report
        .tests
        .iter()
        .map(|test| {
            let mut object = json!({
                "name": test.name,
                "location": location_json(&test.location),
                "flow": test.flow,
                "status": if test.passed() { "passed" } else { "failed" },
            });
            if let Some(failure) = &test.failure {
                object["failure"] = json!({
                    "step": failure.step_text,
                    "location": location_json(&failure.step),
                    "expected": failure.expected,
                    "got": failure.got,
                });
                object["transcript"] = test
                    .transcript
                    .iter()
                    .map(|e| json!({ "who": testing::speaker_name(e.who), "text": e.text }))
                    .collect();
            }
            object
        })
        .collect();
    let mut document = json!({
        "version": 1,
        "tests": tests,
        "summary": {
            "tests": report.tests.len(),
            "passed": report.passed(),
            "failed": report.failed(),
            "filtered_out": report.filtered_out,
        },
    });
    if coverage {
        document["coverage"] = report.coverage.iter().map(flow_coverage_json).collect();
    }
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
    text.push('\n');
    text
}

fn flow_coverage_json(flow: &FlowCoverage) -> Json {
    let missed_states: Vec<Json> = flow
        .states
        .iter()
        .filter(|s| !s.visited)
        .map(|s| json!({ "name": s.name, "location": s.location.as_ref().map(location_json) }))
        .collect();
    let missed_options: Vec<Json> = flow
        .options
        .iter()
        .filter(|o| !o.taken)
        .map(|o| {
            json!({
                "state": o.state,
                "label": o.label,
                "key": o.key,
                "location": o.location.as_ref().map(location_json),
            })
        })
        .collect();
    json!({
        "flow": flow.flow,
        "states": {
            "visited": flow.states_visited(),
            "total": flow.states.len(),
            "percent": flow.state_percent(),
            "never_visited": missed_states,
        },
        "options": {
            "taken": flow.options_taken(),
            "total": flow.options.len(),
            "percent": flow.option_percent(),
            "never_taken": missed_options,
        },
    })
}

/// JUnit XML: one `testsuite` per test file, one `testcase` per test, a `failure` element
/// holding the step, expected vs got and the transcript.
pub fn junit(report: &Report) -> String {
    let mut files: Vec<&str> = Vec::new();
    for test in &report.tests {
        if !files.contains(&test.location.file.as_str()) {
            files.push(&test.location.file);
        }
    }
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"csflow\" tests=\"{}\" failures=\"{}\" errors=\"0\">",
        report.tests.len(),
        report.failed()
    );
    for file in files {
        let tests: Vec<&TestResult> = report
            .tests
            .iter()
            .filter(|t| t.location.file == file)
            .collect();
        let failures = tests.iter().filter(|t| !t.passed()).count();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\">",
            xml(file),
            tests.len()
        );
        for test in tests {
            let _ = write!(
                out,
                "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\" line=\"{}\"",
                xml(&test.name),
                xml(test.flow.as_deref().unwrap_or("csflow")),
                xml(file),
                test.location.line
            );
            match &test.failure {
                None => out.push_str("/>\n"),
                Some(failure) => {
                    out.push_str(">\n");
                    let message = format!("expected {}, got {}", failure.expected, failure.got);
                    let mut body = format!(
                        "{}: {}\nexpected: {}\ngot:      {}\n\nconversation so far:\n",
                        failure.step, failure.step_text, failure.expected, failure.got
                    );
                    for entry in &test.transcript {
                        let _ = writeln!(
                            body,
                            "{:<5} {}",
                            testing::speaker_name(entry.who),
                            entry.text
                        );
                    }
                    let _ = writeln!(
                        out,
                        "      <failure message=\"{}\" type=\"expectation\">{}</failure>",
                        xml(&message),
                        xml(&body)
                    );
                    out.push_str("    </testcase>\n");
                }
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

/// Text for an XML attribute or element: the five entities escaped, characters XML 1.0
/// cannot hold (most control characters) replaced by U+FFFD.
fn xml(text: &str) -> String {
    markup::escape(text, markup::Controls::Replace)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_escapes_entities_and_control_characters() {
        assert_eq!(
            xml("a<b & \"c\" 'd'>\u{1}"),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;\u{FFFD}"
        );
    }

    #[test]
    fn percentages_read_naturally() {
        assert_eq!(ratio(14, 14), "14/14 (100%)");
        assert_eq!(ratio(6, 7), "6/7 (85.7%)");
        assert_eq!(ratio(0, 0), "0/0 (100%)");
        assert_eq!(parse_percent("90%"), Ok(90.0));
        assert!(parse_percent("101").is_err());
    }
}
