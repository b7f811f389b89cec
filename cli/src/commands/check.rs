//! `csflow check [PATH…]`: every problem in a project at once, in the format the reader's
//! tool wants (the formats are described in docs/checks.md, "Output formats").

use super::common::{self, ColorChoice};
use csflow_compiler::diagnostic::Severity;
use csflow_compiler::diagnostic::render;
use std::io::Write;
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// rustc-style, with source excerpts, labels and notes
    Human,
    /// one line each: file:line:col: severity[code/name]: message
    Short,
    /// one JSON object on stdout (shape in docs/checks.md, "Output formats")
    Json,
    /// SARIF 2.1.0, for code-scanning uploads
    Sarif,
    /// GitHub Actions workflow commands (annotations on the pull request)
    Github,
}

#[derive(clap::Args)]
#[command(
    about = "Check flows for errors and warnings",
    long_about = "Check every .csflow file under the given paths (default: the current directory), \
with the files they import. Reports syntax errors, unknown names, type mismatches and flow \
problems, each with a stable name and code (see `csflow explain NAME`). Levels and thresholds \
come from the nearest csflow.toml (in the checked directory or a parent; see docs/configuration.md), \
and `# csflow: allow(NAME)` silences a warning in one place.",
    after_help = "Exit status: 0 no errors, 1 errors found (or warnings with --deny-warnings), \
2 bad usage or unreadable input.\n\nExamples:\n  csflow check\n  csflow check flows/ common/intents.csflow\n  \
csflow check flows/ --format short\n  csflow check . --format sarif > csflow.sarif\n  \
csflow check . --format github --deny-warnings      # in a GitHub Actions step"
)]
pub struct Args {
    /// Files or directories to check (directories are searched for *.csflow)
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Treat warnings as errors for the exit status
    #[arg(long)]
    pub deny_warnings: bool,
    /// The date `stale-knowledge` compares `review_by` with (YYYY-MM-DD), for reproducible CI
    #[arg(long, value_name = "DATE", value_parser = common::parse_date)]
    pub today: Option<chrono::NaiveDate>,
    /// When to use colour in the human format
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

pub fn run(args: Args) -> u8 {
    let options = match common::check_options(&args.paths, args.today) {
        Ok(options) => options,
        Err(status) => return status,
    };
    let analysis = match csflow_compiler::analyze_paths(&args.paths, &options) {
        Ok(analysis) => analysis,
        Err(error) => return common::fail_usage(&error.to_string()),
    };
    let diagnostics = &analysis.diagnostics;
    let sources = &analysis.sources;
    let summary = render::summary(diagnostics, sources.len());
    // Streamed: a project with millions of warnings is never one string in memory. A failed
    // write is remembered by the writer and becomes exit status 2 (common::finish).
    let mut out = common::stdout_writer();
    let _ = match args.format {
        Format::Human => {
            let color = args.color.enabled_for_stdout();
            render::write_human(&mut out, diagnostics, sources, color)
                .and_then(|()| writeln!(out, "{summary}"))
        }
        Format::Short => render::write_short(&mut out, diagnostics, sources),
        Format::Json => render::write_json(&mut out, diagnostics, sources),
        Format::Sarif => render::write_sarif(&mut out, diagnostics, sources),
        Format::Github => render::write_github(&mut out, diagnostics, sources),
    };
    drop(out);
    let failing = diagnostics.iter().any(|d| {
        d.severity == Severity::Error || (args.deny_warnings && d.severity == Severity::Warning)
    });
    // The process ends right after this: freeing a large project's millions of small tree
    // nodes one by one would only delay the exit (rustc does the same).
    std::mem::forget(analysis);
    u8::from(failing)
}
