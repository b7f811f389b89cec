//! `--format short`: one line per diagnostic, `file:line:col: severity[code/name]: message`,
//! for editors' quickfix lists and grep.

use super::{code_and_name, line_cols, path_of};
use crate::diagnostic::{Diagnostic, escape_controls};
use crate::source::SourceMap;
use std::io;

/// One line per diagnostic, each ending in `\n`; the column counts chars, not bytes.
pub fn short(diagnostics: &[Diagnostic], sources: &SourceMap) -> String {
    let mut out = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = write_short(&mut out, diagnostics, sources);
    String::from_utf8_lossy(&out).into_owned()
}

/// [`short`], streamed into `out`; control characters are escaped (`\u{1b}`).
pub fn write_short(
    out: &mut dyn io::Write,
    diagnostics: &[Diagnostic],
    sources: &SourceMap,
) -> io::Result<()> {
    for diagnostic in diagnostics {
        let span = diagnostic.primary.span;
        let (start, _) = line_cols(sources, span);
        // A message is one line by style; keep the format one line each even if it is not.
        let message = diagnostic.message.replace(['\r', '\n'], " ");
        writeln!(
            out,
            "{}:{}:{}: {}[{}]: {}",
            escape_controls(path_of(sources, span.file)),
            start.line,
            start.column,
            diagnostic.severity.as_str(),
            code_and_name(diagnostic),
            escape_controls(&message)
        )?;
    }
    Ok(())
}
