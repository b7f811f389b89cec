//! The checks, run in order on the resolved model. Each check family lives in its own file;
//! all of them run on whatever resolved, and none repeats an earlier error.

pub mod broken;
pub mod edits;
pub mod graph;
pub mod handlers;
pub mod knowledge;
pub mod limits;
pub mod menus;
pub mod prompts;
pub mod reachability;
pub mod similar;
pub mod structure;
pub mod types;
pub mod unused;
pub mod values;
pub mod voice;

use crate::ast::File;
use crate::config::{Levels, Thresholds};
use crate::diagnostic::{Diagnostic, ids};
use crate::resolve::{self, FlowModel, Model, Resolution};
use crate::source::{FileId, SourceMap, Span};
use crate::suppress;

/// Settings that change what the checks report (from `csflow.toml` and the command line).
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// "Today" for `stale-knowledge`; with `None` that check has no date to compare with and
    /// reports nothing. The checks never read the clock: the CLI passes the local date.
    pub today: Option<chrono::NaiveDate>,
    /// Per-check levels (`[checks]` in `csflow.toml`).
    pub levels: Levels,
    /// `[thresholds]` in `csflow.toml`.
    pub thresholds: Thresholds,
    /// The folders imports may load files from: the project root (where `csflow.toml` is,
    /// or the folders checked) and `[imports] allow` of `csflow.toml`. Empty means anywhere;
    /// absolute import paths are refused either way.
    pub import_roots: Vec<std::path::PathBuf>,
}

/// What every warning check may look at.
pub struct Context<'m, 'a> {
    pub model: &'m Model<'a>,
    /// Every reference the resolver found (the unused checks count uses here).
    pub resolution: &'m Resolution,
    pub sources: &'m SourceMap,
    pub options: &'m Options,
}

/// What [`run`] found: the diagnostics, and what the resolver and the type checks worked out
/// (kept for codegen and the language server).
#[derive(Debug)]
pub struct Checked {
    pub diagnostics: Vec<Diagnostic>,
    pub resolution: Resolution,
}

/// Resolves and checks a parsed project; applies the project's levels and the
/// `# csflow: allow(…)` comments found in `sources`.
///
/// The flow-local warning checks (graph, menus, handlers, prompts) read nothing the
/// project-wide checks produce, so they run on a second thread while the project-wide ones
/// run on this one: one big flow is the common worst case, so the split is by family, not by
/// flow. The result is the same list, in the same order, as running them one after another.
pub fn run(files: &[(FileId, File)], sources: &SourceMap, options: &Options) -> Checked {
    let (model, mut resolution, mut diagnostics) = resolve::resolve(files);
    let context = Context {
        model: &model,
        resolution: &resolution,
        sources,
        options,
    };
    let check_flows = || {
        model
            .flows
            .iter()
            .map(|flow| FlowFindings::check(&context, flow))
            .collect::<Vec<_>>()
    };
    let (project, flows) =
        crate::parallel::join(|| ProjectFindings::check(&context, files), check_flows);
    // One allocation of the final size: growing a list of millions of diagnostics by
    // doubling would hold two copies at once.
    let total = project.shape.len()
        + flows
            .iter()
            .map(|f| f.graph.len() + f.local.len())
            .sum::<usize>();
    let warnings_first = project.warnings.len() > diagnostics.len() + total;
    if !warnings_first {
        diagnostics.reserve_exact(total + project.warnings.len());
    }
    diagnostics.extend(project.shape);
    // Broken lines and unknown names do not switch the graph checks off (check/graph.rs
    // turns them into guessed moves); an unknown `goto` name whose probable state is
    // unreachable says so on its error too. The errors are found by span through one index,
    // not a search of the whole list per typo.
    let unknown_states: rustc_hash::FxHashMap<Span, usize> = diagnostics
        .iter()
        .enumerate()
        .filter(|(_, d)| d.id == ids::UNKNOWN_STATE)
        .rev()
        .map(|(index, d)| (d.primary.span, index))
        .collect();
    for findings in flows {
        for (name, state, state_name) in &findings.typos {
            if let Some(&index) = unknown_states.get(name) {
                diagnostics[index]
                    .secondary
                    .push(crate::diagnostic::Label::new(
                        *state,
                        format!(
                            "`{state_name}` is reached from nowhere else: probably the state meant"
                        ),
                    ));
            }
        }
        diagnostics.extend(findings.graph);
        diagnostics.extend(findings.local);
    }
    let mut diagnostics = if warnings_first {
        // Millions of unused declarations: the others go in front of the warnings' own
        // list rather than the warnings into a copy.
        let mut warnings = project.warnings;
        warnings.reserve_exact(diagnostics.len());
        warnings.splice(0..0, diagnostics);
        warnings
    } else {
        diagnostics.extend(project.warnings);
        diagnostics
    };

    drop(model);
    resolution.set_types(project.types);
    options.levels.apply(&mut diagnostics);
    suppress::apply(files, sources, &mut diagnostics);
    Checked {
        diagnostics,
        resolution,
    }
}

/// What the project-wide checks found: errors in values, shapes and types first, warnings
/// about knowledge and unused declarations after the flows' own findings.
struct ProjectFindings {
    shape: Vec<Diagnostic>,
    warnings: Vec<Diagnostic>,
    /// The type of every expression the type checks met.
    types: Vec<(crate::source::Span, resolve::Type)>,
}

impl ProjectFindings {
    fn check(context: &Context, files: &[(FileId, File)]) -> ProjectFindings {
        let model = context.model;
        let mut shape = Vec::new();
        let mut types = Vec::new();
        values::check_hours(model, &mut shape);
        values::check_regexes(model, &mut shape);
        limits::check(files, &mut shape);
        for flow in &model.flows {
            structure::check(flow, &mut shape);
            types::check(model, flow, &mut shape, &mut types);
        }
        types::check_tests(model, &mut shape, &mut types);
        let mut warnings = Vec::new();
        knowledge::check(context, &mut warnings);
        unused::check(context, files, &mut warnings);
        ProjectFindings {
            shape,
            warnings,
            types,
        }
    }
}

/// What one flow's own checks found: the graph checks' findings, the others', and the
/// unknown `goto` names whose probable state is unreachable (name, state name's span, state).
struct FlowFindings {
    graph: Vec<Diagnostic>,
    local: Vec<Diagnostic>,
    typos: Vec<(crate::source::Span, crate::source::Span, String)>,
}

impl FlowFindings {
    fn check(context: &Context, flow: &FlowModel) -> FlowFindings {
        let mut graph = Vec::new();
        let mut typos = Vec::new();
        if let Some(flow_graph) = graph::FlowGraph::build(context.model, flow, context.sources) {
            reachability::check(context, flow, &flow_graph, &mut graph);
            menus::check_depth(context, flow, &flow_graph, &mut graph);
            for typo in &flow_graph.typos {
                let Some(state) = &flow.flow.states[typo.state].name else {
                    continue;
                };
                let reported = graph
                    .iter()
                    .any(|d| d.id == ids::UNREACHABLE_STATE && d.primary.span == state.span);
                if reported {
                    typos.push((typo.name.span, state.span, state.name.clone()));
                }
            }
        }
        let mut local = Vec::new();
        menus::check(context, flow, &mut local);
        handlers::check(context, flow, &mut local);
        prompts::check(context, flow, &mut local);
        voice::check(context, flow, &mut local);
        FlowFindings {
            graph,
            local,
            typos,
        }
    }
}
