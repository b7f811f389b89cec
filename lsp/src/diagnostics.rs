//! The compiler's diagnostics as LSP diagnostics: a thin view, like every other renderer.
//! The check name is the code, `codeDescription` links to its explanation, secondary labels
//! become related information and notes are appended to the message.

use crate::documents::uri_for;
use crate::position::{Encoding, Lines};
use csflow_compiler::diagnostic::{self as compiler, Severity};
use csflow_compiler::source::{SourceMap, Span};
use tower_lsp_server::ls_types::{
    CodeDescription, Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Location,
    NumberOrString, Range, Uri,
};

/// Where a check's explanation lives: the checks reference, one anchor per check name
/// (`…/checks.md#unreachable-state`). docs/editors.md documents the scheme; an editor can
/// point it elsewhere with the `explainBaseUrl` initialization option.
pub const DEFAULT_EXPLAIN_BASE: &str = "https://example.invalid/csflow/docs/checks.md#";

/// The `source` field of every diagnostic we publish.
pub const SOURCE: &str = "csflow";

pub fn explain_url(base: &str, name: &str) -> Option<Uri> {
    format!("{base}{name}").parse().ok()
}

/// The range of a span in its file.
pub fn span_range(sources: &SourceMap, span: Span, encoding: Encoding) -> Range {
    let file = sources.get(span.file);
    Lines::of(file).range(span.start as usize, span.end as usize, encoding)
}

pub fn span_location(sources: &SourceMap, span: Span, encoding: Encoding) -> Option<Location> {
    let uri = uri_for(&sources.get(span.file).path)?;
    Some(Location::new(uri, span_range(sources, span, encoding)))
}

/// One compiler diagnostic for the file it is in.
pub fn to_lsp(
    diagnostic: &compiler::Diagnostic,
    sources: &SourceMap,
    encoding: Encoding,
    explain_base: &str,
) -> Diagnostic {
    let severity = match diagnostic.severity {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Info => DiagnosticSeverity::INFORMATION,
    };
    let mut message = diagnostic.message.clone();
    if !diagnostic.primary.message.is_empty() {
        message.push_str(&format!(": {}", diagnostic.primary.message));
    }
    for note in &diagnostic.notes {
        message.push_str(&format!("\nnote: {note}"));
    }
    let related: Vec<DiagnosticRelatedInformation> = diagnostic
        .secondary
        .iter()
        .filter_map(|label| {
            Some(DiagnosticRelatedInformation {
                location: span_location(sources, label.span, encoding)?,
                message: if label.message.is_empty() {
                    "here".to_string()
                } else {
                    label.message.to_string()
                },
            })
        })
        .collect();
    Diagnostic {
        range: span_range(sources, diagnostic.primary.span, encoding),
        severity: Some(severity),
        code: Some(NumberOrString::String(diagnostic.name().to_string())),
        code_description: explain_url(explain_base, diagnostic.name())
            .map(|href| CodeDescription { href }),
        source: Some(SOURCE.to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        // The stable code too, so a code action can find the compiler's diagnostic again.
        data: Some(serde_json::json!({ "code": diagnostic.code() })),
    }
}
