//! `csflow graph [PATH…] --flow NAME --format dot|mermaid|svg|json [-o FILE]`: the picture of
//! a flow, with the problems the checks found drawn on it. The compiler builds the diagram
//! and writes DOT, Mermaid and JSON; SVG is Graphviz's `dot` laying out our DOT.

use super::common;
use csflow_compiler::diagram::{self, Diagram, Part};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Graphviz source
    Dot,
    /// a Mermaid flowchart, for Markdown pages
    Mermaid,
    /// an SVG picture, laid out by Graphviz's `dot` (must be installed)
    Svg,
    /// the graph as data: nodes, edges, diagnostics (see docs/graph.md)
    Json,
}

#[derive(clap::Args)]
#[command(
    about = "Draw a flow: states, menus, handlers, hand-offs, with its problems marked",
    long_about = "Draw one flow of a project as a picture: every state as a box with its menus, \
questions and options as rows; solid arrows for the happy path (options, gotos, branches), dashed \
ones for no_match / no_input / closed / error handlers, dotted ones for escalate rules; ends and \
hand-offs to queues. States no caller can reach, traps and questions with no way to a human are \
coloured from the project's diagnostics, with a legend. --from STATE --depth N draws a part of a \
big flow. See docs/graph.md.",
    after_help = "Exit status: 0 drawn, 1 drawn but the project has errors, 2 bad usage (unknown \
flow or state, unreadable path, Graphviz missing for svg).\n\nExamples:\n  \
csflow graph examples/bank --flow bank_phone -o bank_phone.svg\n  \
csflow graph examples/bank --flow bank_phone --format mermaid\n  \
csflow graph examples/bank --flow bank_phone --format json | jq '.nodes[].id'\n  \
csflow graph flows/ --flow hotline --from billing --depth 2 --format svg -o billing.svg"
)]
pub struct Args {
    /// Files or directories of the project (directories are searched for *.csflow)
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// The flow to draw (may be left out when the project has one flow)
    #[arg(long, value_name = "NAME")]
    pub flow: Option<String>,
    /// Output format [default: from the -o file's extension, else dot]
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Write to FILE instead of standard output (links followed, FIFOs written into, read-only files refused)
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Draw only the part of the flow that starts at this state
    #[arg(long, value_name = "STATE")]
    pub from: Option<String>,
    /// With --from (or from the start state): only states at most N moves away [default: 2]
    #[arg(long, value_name = "N")]
    pub depth: Option<usize>,
    /// Leave the legend out (dot and svg)
    #[arg(long)]
    pub no_legend: bool,
}

/// The most states an SVG picture is laid out with. Graphviz's layout grows faster than the
/// picture (400 states 0.2 s, 1,000 states 1 s on a 2-core machine, bench/README.md), so a
/// 2,000-state picture takes a few seconds and a flow of a million states would never
/// finish: past this a part is what a designer can read anyway.
const MAX_SVG_STATES: usize = 2_000;

/// How many states the picture has, when that is more than [`MAX_SVG_STATES`].
fn too_big_to_lay_out(diagram: &Diagram) -> Option<usize> {
    let states = diagram
        .nodes
        .iter()
        .filter(|n| matches!(n.kind, diagram::NodeKind::State { .. }))
        .count();
    (states > MAX_SVG_STATES).then_some(states)
}

fn refuse_svg(flow: &str, states: usize) -> u8 {
    common::fail_usage(&format!(
        "the picture of flow {flow} would have {states} states: Graphviz takes minutes or more \
         to lay out a picture that big (up to {MAX_SVG_STATES} are drawn); draw a part with \
         --from STATE --depth N, or write the whole flow with --format dot, mermaid or json"
    ))
}

pub fn run(args: Args) -> u8 {
    let format = args
        .format
        .or_else(|| args.output.as_deref().and_then(format_of))
        .unwrap_or(Format::Dot);
    let options = match common::check_options(&args.paths, None) {
        Ok(options) => options,
        Err(status) => return status,
    };
    let mut analysis = match csflow_compiler::analyze_paths(&args.paths, &options) {
        Ok(analysis) => analysis,
        Err(error) => return common::fail_usage(&error.to_string()),
    };
    if let Some(output) = &args.output
        && let Some(input) = common::source_at(&analysis.sources, output)
    {
        return common::fail_usage(&format!(
            "refusing to write the picture to {}: it is {input}, one of the project's sources",
            output.display()
        ));
    }
    // A whole flow too big to lay out is refused before its picture is built (seconds and
    // a gigabyte for a million states).
    if matches!(format, Format::Svg)
        && args.from.is_none()
        && args.depth.is_none()
        && let Some(flow) = flow_tree(&analysis, args.flow.as_deref())
        && flow.states.len() > MAX_SVG_STATES
    {
        let name = flow.name.as_ref().map_or("", |n| n.name.as_str());
        return refuse_svg(name, flow.states.len());
    }
    // The picture needs the trees, not what every name resolved to: freed first, it is a
    // fifth of a 64 MB project's memory.
    analysis.resolution = Default::default();
    let part = match (&args.from, args.depth) {
        (None, None) => None,
        (from, depth) => {
            let from = match from {
                Some(from) => from.clone(),
                None => match start_state(&analysis, args.flow.as_deref()) {
                    Some(start) => start,
                    None => {
                        return common::fail_usage(
                            "--depth needs --from STATE: the flow has no start state",
                        );
                    }
                },
            };
            Some(Part {
                from,
                depth: depth.unwrap_or(2),
            })
        }
    };
    let errors = analysis.error_count();
    // The picture takes the diagnostics it draws rather than copying them.
    let diagram =
        match Diagram::build_taking_diagnostics(&mut analysis, args.flow.as_deref(), part.as_ref())
        {
            Ok(diagram) => diagram,
            Err(error) => return common::fail_usage(&error.to_string()),
        };
    // Drawn: the trees are no longer needed either. They are left to the end of the
    // process rather than freed node by node on the way to writing (a quarter of a second
    // for a 64 MB flow, bench/README.md issue 16); what they hold was counted in the peak
    // already, which came while the picture was built beside them.
    std::mem::forget(std::mem::take(&mut analysis.files));
    let style = diagram::dot::Style {
        legend: !args.no_legend,
    };
    if matches!(format, Format::Svg)
        && let Some(states) = too_big_to_lay_out(&diagram)
    {
        return refuse_svg(&diagram.flow, states);
    }
    let picture = match format {
        Format::Svg => match svg(&diagram::dot::dot(&diagram, style)) {
            Ok(svg) => Some(svg),
            Err(message) => return common::fail_usage(&message),
        },
        _ => None,
    };
    // The text formats are streamed to the output as they are written: a million-state
    // flow's JSON is over a gigabyte.
    let write = |out: &mut dyn Write| match (&picture, format) {
        (Some(svg), _) => out.write_all(svg.as_bytes()).and_then(|()| out.flush()),
        (None, Format::Mermaid) => diagram::mermaid::write_mermaid(&diagram, out),
        (None, Format::Json) => diagram::json::write_json(&diagram, &analysis.sources, out),
        (None, _) => diagram::dot::write_dot(&diagram, style, out),
    };
    match &args.output {
        Some(path) => {
            // Written over in place; links followed, FIFOs and devices written into, a
            // read-only file refused.
            let written =
                super::output::write(path, super::output::Replace::InPlace, |out| write(out));
            if let Err(error) = written {
                return common::fail_usage(&format!("cannot write {}: {error}", path.display()));
            }
        }
        // A failed stdout is remembered by the writer and reported when the command ends.
        None => {
            let _ = write(&mut common::stdout_writer());
        }
    }
    if errors > 0 {
        eprintln!(
            "note: the project has {errors} error{} (`csflow check` shows them); the picture shows what could be read",
            if errors == 1 { "" } else { "s" }
        );
        return 1;
    }
    0
}

fn format_of(path: &Path) -> Option<Format> {
    match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
        "svg" => Some(Format::Svg),
        "dot" | "gv" => Some(Format::Dot),
        "mmd" | "mermaid" => Some(Format::Mermaid),
        "json" => Some(Format::Json),
        _ => None,
    }
}

/// The tree of the flow `flow` (the only flow when `None`).
fn flow_tree<'a>(
    analysis: &'a csflow_compiler::Analysis,
    flow: Option<&str>,
) -> Option<&'a csflow_compiler::ast::Flow> {
    let mut flows = analysis
        .files
        .iter()
        .flat_map(|(_, file)| &file.items)
        .filter_map(|item| match item {
            csflow_compiler::ast::Item::Flow(flow) => Some(&**flow),
            _ => None,
        });
    match flow {
        Some(name) => flows.find(|f| f.name.as_ref().is_some_and(|n| n.name == name)),
        None => match (flows.next(), flows.next()) {
            (Some(only), None) => Some(only),
            _ => None,
        },
    }
}

fn start_state(analysis: &csflow_compiler::Analysis, flow: Option<&str>) -> Option<String> {
    flow_tree(analysis, flow)?
        .start
        .as_ref()
        .map(|s| s.name.clone())
}

/// The program that lays out SVG: `CSFLOW_DOT`, else `dot` on the PATH.
fn dot_program() -> String {
    std::env::var("CSFLOW_DOT")
        .ok()
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "dot".to_string())
}

/// Lays out `source` with Graphviz's `dot -Tsvg`.
fn svg(source: &str) -> Result<String, String> {
    let program = dot_program();
    let mut child = Command::new(&program)
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| match error.kind() {
            std::io::ErrorKind::NotFound => format!(
                "--format svg needs Graphviz's `{program}` program, which was not found: install \
Graphviz (Debian/Ubuntu: `apt install graphviz`, macOS: `brew install graphviz`), set CSFLOW_DOT \
to its path, or use --format dot, mermaid or json, which need nothing installed"
            ),
            _ => format!("cannot run Graphviz's `{program}`: {error}"),
        })?;
    // Write on another thread: `dot` may fill its output pipe before it has read all input.
    let mut stdin = child.stdin.take();
    let input = source.to_string();
    let writer = std::thread::spawn(move || match stdin.as_mut() {
        Some(stdin) => stdin.write_all(input.as_bytes()),
        None => Ok(()),
    });
    let output = child
        .wait_with_output()
        .map_err(|error| format!("Graphviz's `{program}` failed: {error}"))?;
    let written = writer.join().unwrap_or(Ok(()));
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(format!(
            "Graphviz's `{program}` could not lay out the picture ({}): {}",
            output.status,
            stderr.trim()
        ));
    }
    if let Err(error) = written {
        return Err(format!("cannot send the picture to `{program}`: {error}"));
    }
    String::from_utf8(output.stdout)
        .map_err(|_| format!("Graphviz's `{program}` wrote something that is not UTF-8"))
}
