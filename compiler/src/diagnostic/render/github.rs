//! `--format github`: GitHub Actions workflow commands, which the Actions runner turns into
//! annotations on the pull request:
//! `::error file=F,line=L,col=C,endLine=L,endColumn=C,title=NAME (CODE)::message`.

use super::{line_cols, path_of};
use crate::diagnostic::{Diagnostic, Severity, escape_controls};
use crate::source::SourceMap;
use std::io;

/// One workflow command per diagnostic, each ending in `\n`. Notes and the fix title follow
/// the message on lines of their own (escaped, so the command stays one line).
pub fn github(diagnostics: &[Diagnostic], sources: &SourceMap) -> String {
    let mut out = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = write_github(&mut out, diagnostics, sources);
    String::from_utf8_lossy(&out).into_owned()
}

/// [`github`], streamed into `out`; control characters are escaped (`\u{1b}`).
pub fn write_github(
    out: &mut dyn io::Write,
    diagnostics: &[Diagnostic],
    sources: &SourceMap,
) -> io::Result<()> {
    for diagnostic in diagnostics {
        let command = match diagnostic.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let span = diagnostic.primary.span;
        let (start, end) = line_cols(sources, span);
        let title = format!("{} ({})", diagnostic.name(), diagnostic.code());
        let mut message = diagnostic.message.clone();
        for note in &diagnostic.notes {
            message.push_str(&format!("\nnote: {note}"));
        }
        if let Some(fix) = &diagnostic.fix {
            message.push_str(&format!("\nhelp: {}", fix.title));
        }
        writeln!(
            out,
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            escape_property(path_of(sources, span.file)),
            start.line,
            start.column,
            end.line,
            end.column,
            escape_property(&title),
            escape_data(&message),
        )?;
    }
    Ok(())
}

/// The escaping of a command's message (GitHub's `escapeData`).
fn escape_data(text: &str) -> String {
    let escaped = text
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    escape_controls(&escaped).into_owned()
}

/// The escaping of a command's property values (GitHub's `escapeProperty`).
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}
