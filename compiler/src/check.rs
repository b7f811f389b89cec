//! The checks, run in order on the resolved model. Each check family lives in its own file;
//! all of them run on whatever resolved, and none repeats an earlier error.

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

use crate::ast::File;
use crate::config::{Levels, Thresholds};
use crate::diagnostic::{Diagnostic, Severity};
use crate::resolve::{self, FlowModel, Model};
use crate::source::{FileId, SourceMap};
use crate::suppress;

/// Settings that change what the checks report (from `csflow.toml` and the command line).
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// "Today" for `stale-knowledge`; `None` means the real date.
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
    pub sources: &'m SourceMap,
    pub options: &'m Options,
}

/// Errors that make a flow's graph misleading: with a broken statement, an unknown or
/// duplicated state, no start, or a path that falls off a state, the graph checks would
/// only repeat them in other words.
const GRAPH_BLOCKERS: [&str; 5] = [
    "syntax-error",
    "unknown-state",
    "missing-start",
    "missing-terminator",
    "duplicate-definition",
];

/// Resolves and checks a parsed project; applies the project's levels and the
/// `# csflow: allow(…)` comments found in `sources`.
///
/// The flow-local warning checks (graph, menus, handlers, prompts) read nothing the
/// project-wide checks produce, so they run on a second thread while the project-wide ones
/// run on this one: one big flow is the common worst case, so the split is by family, not by
/// flow. The result is the same list, in the same order, as running them one after another.
pub fn run(files: &[(FileId, File)], sources: &SourceMap, options: &Options) -> Vec<Diagnostic> {
    let (model, mut diagnostics) = resolve::resolve(files);
    let context = Context {
        model: &model,
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
    diagnostics.extend(project.shape);
    // The graph checks' findings are kept only for flows whose graph is trustworthy, which
    // the errors above decide.
    let blockers: Vec<crate::source::Span> = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error && GRAPH_BLOCKERS.contains(&d.name))
        .map(|d| d.primary.span)
        .collect();
    for (flow, findings) in model.flows.iter().zip(flows) {
        if graph_ready(flow, &blockers) {
            diagnostics.extend(findings.graph);
        }
        diagnostics.extend(findings.local);
    }
    diagnostics.extend(project.warnings);

    options.levels.apply(&mut diagnostics);
    suppress::apply(files, sources, &mut diagnostics);
    diagnostics
}

/// What the project-wide checks found: errors in values, shapes and types first, warnings
/// about knowledge and unused declarations after the flows' own findings.
struct ProjectFindings {
    shape: Vec<Diagnostic>,
    warnings: Vec<Diagnostic>,
}

impl ProjectFindings {
    fn check(context: &Context, files: &[(FileId, File)]) -> ProjectFindings {
        let model = context.model;
        let mut shape = Vec::new();
        values::check_hours(model, &mut shape);
        values::check_regexes(model, &mut shape);
        limits::check(files, &mut shape);
        for flow in &model.flows {
            structure::check(flow, &mut shape);
            types::check(model, flow, &mut shape);
        }
        types::check_tests(model, &mut shape);
        let mut warnings = Vec::new();
        knowledge::check(context, &mut warnings);
        unused::check(context, files, &mut warnings);
        ProjectFindings { shape, warnings }
    }
}

/// What one flow's own checks found. `graph` holds the findings of the graph checks, which
/// are dropped when an error makes the flow's graph misleading.
struct FlowFindings {
    graph: Vec<Diagnostic>,
    local: Vec<Diagnostic>,
}

impl FlowFindings {
    fn check(context: &Context, flow: &FlowModel) -> FlowFindings {
        let mut graph = Vec::new();
        if let Some(flow_graph) = graph::FlowGraph::build(context.model, flow) {
            reachability::check(context, flow, &flow_graph, &mut graph);
            menus::check_depth(context, flow, &flow_graph, &mut graph);
        }
        let mut local = Vec::new();
        menus::check(context, flow, &mut local);
        handlers::check(context, flow, &mut local);
        prompts::check(context, flow, &mut local);
        FlowFindings { graph, local }
    }
}

fn graph_ready(flow: &FlowModel, blockers: &[crate::source::Span]) -> bool {
    let span = flow.flow.span;
    !blockers
        .iter()
        .any(|b| b.file == span.file && b.start >= span.start && b.end <= span.end)
}

/// Calls `f` on every statement of `flow` (state bodies, flow-level handlers, escalate
/// actions), nested ones included, without allocating: the warning checks run on every
/// statement of projects with 100,000 states.
pub fn each_flow_stmt<'a>(flow: &'a crate::ast::Flow, f: &mut dyn FnMut(&'a crate::ast::Stmt)) {
    for state in &flow.states {
        each_stmt(&state.body, f);
    }
    for handler in &flow.handlers {
        each_stmt(&handler.action, f);
    }
    for rule in &flow.escalate {
        each_stmt(&rule.action, f);
    }
}

/// Calls `f` on every statement of `block`, depth first, nested ones included.
pub fn each_stmt<'a>(block: &'a crate::ast::Block, f: &mut dyn FnMut(&'a crate::ast::Stmt)) {
    use crate::ast::StmtKind;
    for stmt in &block.statements {
        f(stmt);
        match &stmt.kind {
            StmtKind::If(if_) => {
                for (_, branch) in &if_.branches {
                    each_stmt(branch, f);
                }
                if let Some(otherwise) = &if_.otherwise {
                    each_stmt(otherwise, f);
                }
            }
            StmtKind::Menu(menu) => {
                for option in &menu.options {
                    each_stmt(&option.action, f);
                }
                for handler in &menu.handlers {
                    each_stmt(&handler.action, f);
                }
            }
            StmtKind::Ask(ask) => {
                for handler in &ask.handlers {
                    each_stmt(&handler.action, f);
                }
            }
            StmtKind::Answer(answer) => {
                if let Some(otherwise) = &answer.otherwise {
                    each_stmt(otherwise, f);
                }
            }
            _ => {}
        }
    }
}

/// The expressions a statement holds directly (conditions, values, arguments and the
/// interpolations of its strings), without allocating.
pub fn each_stmt_expr<'a>(stmt: &'a crate::ast::Stmt, f: &mut dyn FnMut(&'a crate::ast::Expr)) {
    let strings = |s: &'a crate::ast::Str, f: &mut dyn FnMut(&'a crate::ast::Expr)| {
        for e in crate::visit::interpolations(s) {
            f(e);
        }
    };
    let retry_messages = |handlers: &'a [crate::ast::Handler],
                          f: &mut dyn FnMut(&'a crate::ast::Expr)| {
        for handler in handlers {
            if let Some(message) = handler.retry.as_ref().and_then(|r| r.message.as_ref()) {
                for e in crate::visit::interpolations(message) {
                    f(e);
                }
            }
        }
    };
    use crate::ast::StmtKind;
    match &stmt.kind {
        StmtKind::Say(text) => strings(text, f),
        StmtKind::Ask(ask) => {
            strings(&ask.prompt, f);
            retry_messages(&ask.handlers, f);
        }
        StmtKind::Menu(menu) => {
            strings(&menu.prompt, f);
            for option in &menu.options {
                strings(&option.label, f);
            }
            retry_messages(&menu.handlers, f);
        }
        StmtKind::Handoff(handoff) => {
            if let Some(reason) = &handoff.reason {
                strings(reason, f);
            }
        }
        StmtKind::If(if_) => {
            for (condition, _) in &if_.branches {
                f(condition);
            }
        }
        StmtKind::Set { value, .. } => f(value),
        StmtKind::Call(call) => {
            for (_, arg) in &call.args {
                f(arg);
            }
        }
        StmtKind::Answer(answer) => {
            if let Some(topic) = &answer.topic {
                strings(topic, f);
            }
        }
        StmtKind::Goto(_) | StmtKind::End | StmtKind::Error => {}
    }
}
