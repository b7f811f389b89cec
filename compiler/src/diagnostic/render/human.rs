//! `--format human`: rustc-style diagnostics with source excerpts, drawn by
//! `codespan-reporting` (which measures excerpts with `unicode-width`, so carets under
//! Chinese text line up).

use super::{code_and_name, file_of};
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::{FileId, SourceMap, Span};
use codespan_reporting::diagnostic as cs;
use codespan_reporting::files::{Error as FilesError, Files};
use codespan_reporting::term::{self, Config, termcolor::Ansi};
use std::ops::Range;

/// Renders every diagnostic as
///
/// ```text
/// error[E0004/unknown-state]: unknown state `balanse`
///   ┌─ flows/bank.csflow:9:38
///   │
/// 9 │       option "余额" key 1 goto balanse
///   │                                ^^^^^^^ no state of this name in flow `bank`
///   │
///   = help: Replace with `balance`
/// ```
///
/// with ANSI colours when `color` is true (the CLI decides from the terminal and `NO_COLOR`).
pub fn human(diagnostics: &[Diagnostic], sources: &SourceMap, color: bool) -> String {
    let files = SourceFiles(sources);
    let config = Config::default();
    let mut out = String::new();
    for diagnostic in diagnostics {
        let converted = convert(diagnostic, sources);
        let rendered = if color {
            let mut writer = Ansi::new(Vec::new());
            term::emit_to_write_style(&mut writer, &config, &files, &converted)
                .map(|()| String::from_utf8_lossy(&writer.into_inner()).into_owned())
        } else {
            term::emit_into_string(&config, &files, &converted)
        };
        match rendered {
            Ok(text) => out.push_str(&text),
            // Only reachable for a span outside its file (a compiler bug): still say something.
            Err(_) => {
                let severity = diagnostic.severity.as_str();
                let code = code_and_name(diagnostic);
                out.push_str(&format!("{severity}[{code}]: {}\n\n", diagnostic.message));
            }
        }
    }
    out
}

fn convert(diagnostic: &Diagnostic, sources: &SourceMap) -> cs::Diagnostic<FileId> {
    let severity = match diagnostic.severity {
        Severity::Error => cs::Severity::Error,
        Severity::Warning => cs::Severity::Warning,
        Severity::Info => cs::Severity::Note,
    };
    let mut labels = Vec::new();
    // Labels into files the map does not have would make codespan fail the whole diagnostic.
    let known = |file: FileId| file_of(sources, file).is_some();
    if known(diagnostic.primary.span.file) {
        labels.push(
            cs::Label::primary(
                diagnostic.primary.span.file,
                clamp(sources, diagnostic.primary.span),
            )
            .with_message(&diagnostic.primary.message),
        );
    }
    for label in &diagnostic.secondary {
        if known(label.span.file) {
            labels.push(
                cs::Label::secondary(label.span.file, clamp(sources, label.span))
                    .with_message(&label.message),
            );
        }
    }
    let mut notes: Vec<String> = diagnostic
        .notes
        .iter()
        .map(|note| format!("note: {note}"))
        .collect();
    if let Some(fix) = &diagnostic.fix {
        notes.push(format!("help: {}", fix.title));
    }
    cs::Diagnostic::new(severity)
        .with_code(code_and_name(diagnostic))
        .with_message(&diagnostic.message)
        .with_labels(labels)
        .with_notes(notes)
}

/// The byte range of a span, clamped into its file and onto char boundaries so codespan
/// never slices inside a character.
fn clamp(sources: &SourceMap, span: Span) -> Range<usize> {
    let text = file_of(sources, span.file).map_or("", |f| f.text.as_str());
    let boundary = |mut offset: usize| {
        offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        offset
    };
    let start = boundary(span.start as usize);
    start..boundary(span.end as usize).max(start)
}

/// Lets codespan read our [`SourceMap`] directly, reusing its line index.
struct SourceFiles<'a>(&'a SourceMap);

impl<'a> Files<'a> for SourceFiles<'a> {
    type FileId = FileId;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: FileId) -> Result<&'a str, FilesError> {
        file_of(self.0, id)
            .map(|f| f.path.as_str())
            .ok_or(FilesError::FileMissing)
    }

    fn source(&'a self, id: FileId) -> Result<&'a str, FilesError> {
        file_of(self.0, id)
            .map(|f| f.text.as_str())
            .ok_or(FilesError::FileMissing)
    }

    fn line_index(&'a self, id: FileId, byte_index: usize) -> Result<usize, FilesError> {
        let file = file_of(self.0, id).ok_or(FilesError::FileMissing)?;
        Ok(file.line_index(byte_index.min(file.text.len())))
    }

    fn line_range(&'a self, id: FileId, line_index: usize) -> Result<Range<usize>, FilesError> {
        let file = file_of(self.0, id).ok_or(FilesError::FileMissing)?;
        let starts = file.line_starts();
        let start = *starts.get(line_index).ok_or(FilesError::LineTooLarge {
            given: line_index,
            max: starts.len() - 1,
        })?;
        let end = starts
            .get(line_index + 1)
            .copied()
            .unwrap_or(file.text.len());
        Ok(start..end)
    }
}
