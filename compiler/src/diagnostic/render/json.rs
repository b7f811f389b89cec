//! `--format json`: one object, `{ "version": 1, "diagnostics": [...],
//! "summary": {...} }`. Members beyond the contract (`primary_label`, `fix`) are extensions:
//! consumers must ignore members they do not know, and we never rename the contract's.

use super::{Summary, line_cols, path_of, summary};
use crate::diagnostic::{Applicability, Diagnostic, Severity};
use crate::source::{LineCol, SourceMap, Span};
use serde::Serialize;

/// The JSON document for `diagnostics`, pretty-printed, ending in a newline. The summary's
/// `files` is the number of files in `sources`.
pub fn json(diagnostics: &[Diagnostic], sources: &SourceMap) -> String {
    let mut out = Vec::new();
    // Writing plain structs of strings and numbers into a Vec cannot fail.
    let _ = write_json(&mut out, diagnostics, sources);
    String::from_utf8_lossy(&out).into_owned()
}

/// [`json`], streamed into `out`: one diagnostic's JSON exists at a time.
pub fn write_json(
    out: &mut dyn std::io::Write,
    diagnostics: &[Diagnostic],
    sources: &SourceMap,
) -> std::io::Result<()> {
    let frame = Document {
        version: 1,
        diagnostics: [],
        summary: summary(diagnostics, sources.len()),
    };
    super::write_pretty_list(
        out,
        &frame,
        "diagnostics",
        2,
        diagnostics,
        |diagnostic, text| {
            // Writing a serializable struct into a Vec cannot fail.
            let _ = serde_json::to_writer_pretty(text, &JsonDiagnostic::new(diagnostic, sources));
        },
    )
}

/// The document without its diagnostics, which [`super::write_pretty_list`] fills in.
#[derive(Serialize)]
struct Document {
    version: u32,
    diagnostics: [(); 0],
    summary: Summary,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    name: &'static str,
    code: &'static str,
    severity: Severity,
    message: &'a str,
    file: &'a str,
    range: JsonRange,
    /// Extension: the message under the primary span, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    primary_label: Option<&'a str>,
    /// The secondary labels ("first defined here", the other states of a cycle).
    labels: Vec<JsonLabel<'a>>,
    notes: &'a [std::borrow::Cow<'static, str>],
    /// Extension: a suggested fix.
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<JsonFix<'a>>,
}

#[derive(Serialize)]
struct JsonRange {
    start: LineCol,
    end: LineCol,
}

#[derive(Serialize)]
struct JsonLabel<'a> {
    file: &'a str,
    range: JsonRange,
    message: &'a str,
}

#[derive(Serialize)]
struct JsonFix<'a> {
    title: &'a str,
    applicability: Applicability,
    edits: Vec<JsonEdit<'a>>,
}

#[derive(Serialize)]
struct JsonEdit<'a> {
    file: &'a str,
    range: JsonRange,
    replacement: &'a str,
}

fn range(sources: &SourceMap, span: Span) -> JsonRange {
    let (start, end) = line_cols(sources, span);
    JsonRange { start, end }
}

impl<'a> JsonDiagnostic<'a> {
    fn new(diagnostic: &'a Diagnostic, sources: &'a SourceMap) -> JsonDiagnostic<'a> {
        let primary = &diagnostic.primary;
        JsonDiagnostic {
            name: diagnostic.name(),
            code: diagnostic.code(),
            severity: diagnostic.severity,
            message: &diagnostic.message,
            file: path_of(sources, primary.span.file),
            range: range(sources, primary.span),
            primary_label: (!primary.message.is_empty()).then_some(&*primary.message),
            labels: diagnostic
                .secondary
                .iter()
                .map(|label| JsonLabel {
                    file: path_of(sources, label.span.file),
                    range: range(sources, label.span),
                    message: &label.message,
                })
                .collect(),
            notes: &diagnostic.notes,
            fix: diagnostic.fix.as_ref().map(|fix| JsonFix {
                title: &fix.title,
                applicability: fix.applicability,
                edits: fix
                    .edits
                    .iter()
                    .map(|edit| JsonEdit {
                        file: path_of(sources, edit.span.file),
                        range: range(sources, edit.span),
                        replacement: &edit.replacement,
                    })
                    .collect(),
            }),
        }
    }
}
