//! `--format short`: one line per diagnostic, `file:line:col: severity[code/name]: message`,
//! for editors' quickfix lists and grep.

use super::{code_and_name, line_cols, path_of};
use crate::diagnostic::Diagnostic;
use crate::source::SourceMap;

/// One line per diagnostic, each ending in `\n`; the column counts chars, not bytes.
pub fn short(diagnostics: &[Diagnostic], sources: &SourceMap) -> String {
    let mut out = String::new();
    for diagnostic in diagnostics {
        let span = diagnostic.primary.span;
        let (start, _) = line_cols(sources, span);
        // A message is one line by style; keep the format one line each even if it is not.
        let message = diagnostic.message.replace(['\r', '\n'], " ");
        out.push_str(&format!(
            "{}:{}:{}: {}[{}]: {}\n",
            path_of(sources, span.file),
            start.line,
            start.column,
            diagnostic.severity.as_str(),
            code_and_name(diagnostic),
            message
        ));
    }
    out
}
