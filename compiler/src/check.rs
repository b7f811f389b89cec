//! The checks, run in order on the resolved model. Each check family lives in its own file;
//! all of them run on whatever resolved, and none repeats an earlier error.

pub mod structure;
pub mod types;
pub mod values;

use crate::ast::File;
use crate::diagnostic::Diagnostic;
use crate::resolve;
use crate::source::FileId;

/// Settings that change what the checks report.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// "Today" for `stale-knowledge`; `None` means the real date.
    pub today: Option<chrono::NaiveDate>,
}

/// Resolves and checks a parsed project.
pub fn run(files: &[(FileId, File)], options: &Options) -> Vec<Diagnostic> {
    let _ = options;
    let (model, mut diagnostics) = resolve::resolve(files);
    values::check_hours(&model, &mut diagnostics);
    values::check_regexes(&model, &mut diagnostics);
    for flow in &model.flows {
        structure::check(flow, &mut diagnostics);
        types::check(&model, flow, &mut diagnostics);
    }
    types::check_tests(&model, &mut diagnostics);
    diagnostics
}
