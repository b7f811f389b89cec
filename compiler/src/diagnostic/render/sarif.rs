//! `--format sarif`: a SARIF 2.1.0 log for code-scanning uploads. One run; the tool's rules
//! are every check of the registry (so `ruleIndex` is a check's index in [`CHECKS`]), and
//! columns count Unicode code points (`columnKind`), like every other format.

use super::{line_cols, path_of};
use crate::diagnostic::registry::{self, CHECKS, Check};
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::{SourceMap, Span};
use serde_json::{Value, json};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Where the tool and its checks are documented (the package's repository, from Cargo.toml).
const INFORMATION_URI: &str = env!("CARGO_PKG_REPOSITORY");

/// A check's explanation page: its section of docs/checks.md.
fn help_uri(check: &Check) -> String {
    format!("{INFORMATION_URI}/blob/main/docs/checks.md#{}", check.name)
}

/// A rule's `name` (SARIF wants one different from the opaque `id`): the check name in
/// PascalCase, `unreachable-state` → `UnreachableState`.
fn pascal_case(name: &str) -> String {
    name.split('-')
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// The SARIF log for `diagnostics`, pretty-printed, ending in a newline.
pub fn sarif(diagnostics: &[Diagnostic], sources: &SourceMap) -> String {
    let mut out = Vec::new();
    // Writing JSON values into a Vec cannot fail.
    let _ = write_sarif(&mut out, diagnostics, sources);
    String::from_utf8_lossy(&out).into_owned()
}

/// [`sarif`], streamed into `out`: the results are converted and drawn a batch at a time on
/// every core and written in order ([`super::write_pretty_list`]), so millions of warnings
/// never exist as one JSON tree. Members come in sorted order, as a `json!` object writes
/// them, so the text is the same as pretty-printing the whole log.
pub fn write_sarif(
    out: &mut dyn std::io::Write,
    diagnostics: &[Diagnostic],
    sources: &SourceMap,
) -> std::io::Result<()> {
    let tool = json!({
        "driver": {
            "name": "csflow",
            "version": env!("CARGO_PKG_VERSION"),
            "informationUri": INFORMATION_URI,
            "rules": CHECKS.iter().map(rule).collect::<Vec<Value>>(),
        }
    });
    let log = json!({
        "$schema": SCHEMA,
        "runs": [{ "columnKind": "unicodeCodePoints", "results": [], "tool": tool }],
        "version": "2.1.0",
    });
    super::write_pretty_list(out, &log, "results", 4, diagnostics, |diagnostic, text| {
        // Writing a serializable struct into a Vec cannot fail.
        let _ = serde_json::to_writer_pretty(text, &result(diagnostic, sources));
    })
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn rule(check: &Check) -> Value {
    let explanation = if check.explanation.is_empty() {
        check.summary
    } else {
        check.explanation
    };
    json!({
        "id": check.name,
        "name": pascal_case(check.name),
        "helpUri": help_uri(check),
        "shortDescription": { "text": check.summary },
        "fullDescription": { "text": explanation },
        "help": {
            "text": format!("{explanation}\n\nRun `csflow explain {}` for a bad and a fixed example.", check.name),
            "markdown": registry::check_markdown(check),
        },
        "defaultConfiguration": { "level": level(check.severity) },
        "properties": { "code": check.code },
    })
}

// One result, typed: members are declared in the sorted order a `json!` object writes them
// in, and serializing them allocates far less than building a `Value` (millions of results).

#[derive(serde::Serialize)]
struct SarifResult<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    fixes: Option<[SarifFix<'a>; 1]>,
    level: &'static str,
    locations: [Location<'a>; 1],
    message: Text<'a>,
    properties: Properties<'a>,
    #[serde(rename = "relatedLocations", skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Related<'a>>,
    #[serde(rename = "ruleId")]
    rule_id: &'static str,
    #[serde(rename = "ruleIndex")]
    rule_index: usize,
}

#[derive(serde::Serialize)]
struct Text<'a> {
    text: &'a str,
}

#[derive(serde::Serialize)]
struct Properties<'a> {
    code: &'static str,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    notes: &'a [std::borrow::Cow<'static, str>],
}

#[derive(serde::Serialize)]
struct Location<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text<'a>>,
    #[serde(rename = "physicalLocation")]
    physical_location: PhysicalLocation,
}

#[derive(serde::Serialize)]
struct Related<'a> {
    id: usize,
    message: Text<'a>,
    #[serde(rename = "physicalLocation")]
    physical_location: PhysicalLocation,
}

#[derive(serde::Serialize)]
struct PhysicalLocation {
    #[serde(rename = "artifactLocation")]
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(serde::Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(serde::Serialize)]
struct Region {
    #[serde(rename = "endColumn")]
    end_column: u32,
    #[serde(rename = "endLine")]
    end_line: u32,
    #[serde(rename = "startColumn")]
    start_column: u32,
    #[serde(rename = "startLine")]
    start_line: u32,
}

#[derive(serde::Serialize)]
struct SarifFix<'a> {
    #[serde(rename = "artifactChanges")]
    artifact_changes: Vec<ArtifactChange<'a>>,
    description: Text<'a>,
}

#[derive(serde::Serialize)]
struct ArtifactChange<'a> {
    #[serde(rename = "artifactLocation")]
    artifact_location: ArtifactLocation,
    replacements: Vec<Replacement<'a>>,
}

#[derive(serde::Serialize)]
struct Replacement<'a> {
    #[serde(rename = "deletedRegion")]
    deleted_region: Region,
    #[serde(rename = "insertedContent")]
    inserted_content: Text<'a>,
}

fn result<'a>(diagnostic: &'a Diagnostic, sources: &SourceMap) -> SarifResult<'a> {
    let primary = &diagnostic.primary;
    let location = Location {
        message: (!primary.message.is_empty()).then(|| Text {
            text: &primary.message,
        }),
        physical_location: physical_location(sources, primary.span),
    };
    let related_locations = diagnostic
        .secondary
        .iter()
        .enumerate()
        .map(|(id, label)| Related {
            id,
            message: Text {
                text: &label.message,
            },
            physical_location: physical_location(sources, label.span),
        })
        .collect();
    let fixes = diagnostic.fix.as_ref().map(|fix| {
        // One artifactChange per file touched, in first-touched order.
        let mut changes: Vec<(&str, Vec<Replacement<'a>>)> = Vec::new();
        for edit in &fix.edits {
            let path = path_of(sources, edit.span.file);
            let replacement = Replacement {
                deleted_region: region(sources, edit.span),
                inserted_content: Text {
                    text: &edit.replacement,
                },
            };
            match changes.iter_mut().find(|(p, _)| *p == path) {
                Some((_, replacements)) => replacements.push(replacement),
                None => changes.push((path, vec![replacement])),
            }
        }
        [SarifFix {
            artifact_changes: changes
                .into_iter()
                .map(|(path, replacements)| ArtifactChange {
                    artifact_location: ArtifactLocation { uri: uri_of(path) },
                    replacements,
                })
                .collect(),
            description: Text { text: &fix.title },
        }]
    });
    SarifResult {
        fixes,
        level: level(diagnostic.severity),
        locations: [location],
        message: Text {
            text: &diagnostic.message,
        },
        properties: Properties {
            code: diagnostic.code(),
            notes: &diagnostic.notes,
        },
        related_locations,
        rule_id: diagnostic.name(),
        // The check's index in the registry, which lists the rules in the same order.
        rule_index: diagnostic.id.index(),
    }
}

fn physical_location(sources: &SourceMap, span: Span) -> PhysicalLocation {
    PhysicalLocation {
        artifact_location: ArtifactLocation {
            uri: uri_of(path_of(sources, span.file)),
        },
        region: region(sources, span),
    }
}

fn region(sources: &SourceMap, span: Span) -> Region {
    let (start, end) = line_cols(sources, span);
    Region {
        end_column: end.column,
        end_line: end.line,
        start_column: start.column,
        start_line: start.line,
    }
}

/// A path as given, as a URI: a relative path stays a relative reference, an absolute one
/// becomes a `file://` URI (SARIF readers combine relative references with a base, and a
/// reference starting with `/` would not combine); forward slashes, and percent-encoding for
/// what a URI may not hold (spaces, `%`, `#`, `?`, non-ASCII such as Chinese file names).
fn uri_of(path: &str) -> String {
    let bytes = path.as_bytes();
    let drive = bytes.len() >= 3
        && bytes[0].is_ascii_alphabetic()
        && bytes[1] == b':'
        && matches!(bytes[2], b'\\' | b'/');
    let mut uri = if path.starts_with('/') {
        String::from("file://")
    } else if drive {
        String::from("file:///")
    } else {
        String::new()
    };
    for c in path.chars() {
        match c {
            '\\' => uri.push('/'),
            'A'..='Z' | 'a'..='z' | '0'..='9' => uri.push(c),
            '-' | '.' | '_' | '~' | '/' | '!' | '$' | '&' | '\'' | '(' | ')' | '*' | '+' | ','
            | ';' | '=' | ':' | '@' => uri.push(c),
            _ => {
                let mut buffer = [0; 4];
                for byte in c.encode_utf8(&mut buffer).bytes() {
                    uri.push_str(&format!("%{byte:02X}"));
                }
            }
        }
    }
    uri
}

#[cfg(test)]
mod uri_tests {
    use super::uri_of;

    #[test]
    fn relative_paths_stay_relative_and_absolute_ones_become_file_uris() {
        assert_eq!(uri_of("flows/bank.csflow"), "flows/bank.csflow");
        assert_eq!(uri_of("flows\\bank.csflow"), "flows/bank.csflow");
        assert_eq!(uri_of("/tmp/a b/x.csflow"), "file:///tmp/a%20b/x.csflow");
        assert_eq!(uri_of("C:\\flows\\x.csflow"), "file:///C:/flows/x.csflow");
    }
}
