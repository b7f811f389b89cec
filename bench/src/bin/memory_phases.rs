//! Live heap bytes after each stage of the pipeline on one file, and the peak of each stage:
//! `cargo run --release -p csflow-bench --bin memory_phases -- FILE [FORMAT]`. Shows where
//! the memory of a huge project goes (bench/README.md, issue 16); requested bytes from the
//! counting allocator, not the allocator's slack.

use csflow_bench::alloc::{Counting, live_bytes, peak_bytes, reset_peak};
use csflow_compiler::diagnostic::render;
use std::time::Instant;

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const MB: f64 = 1024.0 * 1024.0;

fn stage(name: &str, started: Instant) {
    let live = live_bytes() as f64 / MB;
    let peak = peak_bytes() as f64 / MB;
    reset_peak();
    println!(
        "{name:<12} {:>8.2} s   live {live:>8.1} MB   peak {peak:>8.1} MB",
        started.elapsed().as_secs_f64()
    );
}

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!(
            "usage: memory FILE.csflow [human|short|json|sarif|github|graph-dot|graph-mermaid|graph-json]"
        );
        std::process::exit(2);
    };
    let format = args.next().unwrap_or_else(|| "human".into());
    if format == "parse" {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        reset_peak();
        let started = Instant::now();
        let parsed = csflow_compiler::syntax::parse_file(csflow_compiler::source::FileId(0), &text);
        stage("parse", started);
        drop(parsed);
        return;
    }
    if format == "editor" {
        editor(std::path::Path::new(&path));
        return;
    }
    let started = Instant::now();
    let analysis = match csflow_compiler::analyze_paths(&[path.into()], &Default::default()) {
        Ok(analysis) => analysis,
        Err(error) => {
            eprintln!("{error}");
            std::process::exit(2);
        }
    };
    stage("analyze", started);
    println!(
        "             {} diagnostics, {} bytes each in the Vec",
        analysis.diagnostics.len(),
        std::mem::size_of::<csflow_compiler::diagnostic::Diagnostic>()
    );
    {
        use csflow_compiler::ast;
        println!(
            "             sizes: Item {} Flow {} Queue {} Service {} Knowledge {} Test {} Hours {} Intent {}",
            std::mem::size_of::<ast::Item>(),
            std::mem::size_of::<ast::Flow>(),
            std::mem::size_of::<ast::Queue>(),
            std::mem::size_of::<ast::Service>(),
            std::mem::size_of::<ast::Knowledge>(),
            std::mem::size_of::<ast::Test>(),
            std::mem::size_of::<ast::Hours>(),
            std::mem::size_of::<ast::Intent>(),
        );
    }
    let started = Instant::now();
    let mut sink = std::io::sink();
    if format == "build" {
        build(analysis);
        return;
    }
    if let Some(graph_format) = format.strip_prefix("graph-") {
        graph(analysis, graph_format, started);
        return;
    }
    let (d, s) = (&analysis.diagnostics, &analysis.sources);
    let written = match format.as_str() {
        "short" => render::write_short(&mut sink, d, s),
        "json" => render::write_json(&mut sink, d, s),
        "sarif" => render::write_sarif(&mut sink, d, s),
        "github" => render::write_github(&mut sink, d, s),
        _ => render::write_human(&mut sink, d, s, false),
    };
    if let Err(error) = written {
        eprintln!("{error}");
    }
    stage(&format, started);
    // What each part of the analysis holds: the live bytes freed by dropping it.
    let csflow_compiler::Analysis {
        sources,
        files,
        diagnostics,
        resolution,
    } = analysis;
    let freed = |name: &str, part: Box<dyn std::any::Any>| {
        let before = live_bytes();
        drop(part);
        println!(
            "  {name:<12} {:>8.1} MB",
            (before - live_bytes()) as f64 / MB
        );
    };
    freed("diagnostics", Box::new(diagnostics));
    freed("resolution", Box::new(resolution));
    freed("trees", Box::new(files));
    freed("sources", Box::new(sources));
}

/// `csflow graph` of the project's only flow, as the command does it: the resolution freed,
/// the diagram built taking the diagnostics, the trees freed, then the text of one format.
fn graph(mut analysis: csflow_compiler::Analysis, format: &str, started: Instant) {
    use csflow_compiler::diagram::{self, Diagram};
    println!(
        "             sizes: Node {} Edge {} NodeKind {} EdgeKind {}",
        std::mem::size_of::<diagram::Node>(),
        std::mem::size_of::<diagram::Edge>(),
        std::mem::size_of::<diagram::NodeKind>(),
        std::mem::size_of::<diagram::EdgeKind>(),
    );
    analysis.resolution = Default::default();
    stage("-resolution", started);
    let started = Instant::now();
    let mut diagram = match Diagram::build_taking_diagnostics(&mut analysis, None, None) {
        Ok(diagram) => diagram,
        Err(error) => {
            eprintln!("{error}");
            std::process::exit(2);
        }
    };
    stage("diagram", started);
    println!(
        "             {} nodes, {} edges, {} diagnostics",
        diagram.nodes.len(),
        diagram.edges.len(),
        diagram.diagnostics.len()
    );
    analysis.files = Vec::new();
    stage("-trees", started);
    // Streamed, as the command writes it, into a counter.
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0 += bytes.len();
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let started = Instant::now();
    let mut count = Count(0);
    let written = match format {
        "mermaid" => diagram::mermaid::write_mermaid(&diagram, &mut count),
        "json" => diagram::json::write_json(&diagram, &analysis.sources, &mut count),
        _ => diagram::dot::write_dot(&diagram, diagram::dot::Style { legend: true }, &mut count),
    };
    if let Err(error) = written {
        eprintln!("{error}");
    }
    println!("             {} bytes of {format}", count.0);
    stage(format, started);
    // What the diagram's parts hold: the live bytes freed by dropping each.
    let before = live_bytes();
    drop(std::mem::take(&mut diagram.diagnostics));
    println!(
        "  diagnostics  {:>8.1} MB",
        (before - live_bytes()) as f64 / MB
    );
    let before = live_bytes();
    drop(std::mem::take(&mut diagram.edges));
    println!(
        "  edges        {:>8.1} MB",
        (before - live_bytes()) as f64 / MB
    );
    let before = live_bytes();
    drop(diagram);
    println!(
        "  nodes        {:>8.1} MB",
        (before - live_bytes()) as f64 / MB
    );
}

/// What the language server does on a keystroke in a huge file: the project analysed again
/// with the editor's text while the last analysis still answers requests.
fn editor(path: &std::path::Path) {
    use csflow_compiler::analysis::Workspace;
    let started = Instant::now();
    let dir = path
        .parent()
        .unwrap_or(std::path::Path::new("."))
        .to_path_buf();
    let text = std::fs::read_to_string(path).unwrap_or_default();
    stage("text", started);
    let mut workspace = Workspace::new();
    workspace.set_overlay(path, text.clone());
    let options = Default::default();
    let analyze = |workspace: &mut Workspace| {
        workspace
            .analyze_paths(std::slice::from_ref(&dir), &options)
            .unwrap_or_else(|error| {
                eprintln!("{error}");
                std::process::exit(2)
            })
    };
    let started = Instant::now();
    let first = analyze(&mut workspace);
    stage("first", started);
    let started = Instant::now();
    if let Some((id, _)) = first.files.first() {
        let _ = first.definition_at(*id, 0);
    }
    stage("warm", started);
    let started = Instant::now();
    let mut edited = text.clone();
    edited.push_str("\n# an edit\n");
    workspace.set_overlay(path, edited);
    let second = analyze(&mut workspace);
    stage("second", started);
    let started = Instant::now();
    drop(first);
    stage("old dropped", started);
    drop(second);
    stage("all dropped", started);
}

/// `csflow build`: code generation, the bundle's bytes, and the runtime's verifier.
fn build(analysis: csflow_compiler::Analysis) {
    let started = Instant::now();
    let generated = match csflow_compiler::codegen::generate_analysis(&analysis) {
        Ok(generated) => generated,
        Err(error) => {
            eprintln!("{error}");
            std::process::exit(2);
        }
    };
    stage("generate", started);
    let started = Instant::now();
    let bytes = generated.to_bytes();
    println!("             {} bytes", bytes.len());
    stage("to_bytes", started);
    let started = Instant::now();
    drop(generated);
    stage("-generated", started);
    let started = Instant::now();
    let verified = csflow_runtime::Bundle::from_bytes(&bytes);
    stage("from_bytes", started);
    drop(verified);
    let started = Instant::now();
    drop(analysis);
    stage("-analysis", started);
}
