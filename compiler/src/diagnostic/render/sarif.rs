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

/// [`sarif`], streamed into `out`: the results are converted and written one at a time, so
/// 200,000 warnings never exist as one JSON tree. Members are written in the sorted order
/// `serde_json` gives a `json!` object, so the text is the same as building it whole.
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
    let log = Log {
        schema: SCHEMA,
        runs: [Run {
            column_kind: "unicodeCodePoints",
            results: Results(diagnostics, sources),
            tool,
        }],
        version: "2.1.0",
    };
    serde_json::to_writer_pretty(&mut *out, &log).map_err(std::io::Error::from)?;
    out.write_all(b"\n")
}

#[derive(serde::Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    runs: [Run<'a>; 1],
    version: &'static str,
}

#[derive(serde::Serialize)]
struct Run<'a> {
    #[serde(rename = "columnKind")]
    column_kind: &'static str,
    results: Results<'a>,
    tool: Value,
}

/// The results, converted one at a time while serializing.
struct Results<'a>(&'a [Diagnostic], &'a SourceMap);

impl serde::Serialize for Results<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(|d| result(d, self.1)))
    }
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

fn result(diagnostic: &Diagnostic, sources: &SourceMap) -> Value {
    let mut location =
        json!({ "physicalLocation": physical_location(sources, diagnostic.primary.span) });
    if !diagnostic.primary.message.is_empty() {
        location["message"] = json!({ "text": diagnostic.primary.message });
    }
    let mut result = json!({
        "ruleId": diagnostic.name(),
        "level": level(diagnostic.severity),
        "message": { "text": diagnostic.message },
        "locations": [location],
        "properties": { "code": diagnostic.code() },
    });
    // A diagnostic built by hand with a name outside the registry has no rule to point at.
    if let Some(index) = CHECKS.iter().position(|c| c.name == diagnostic.name()) {
        result["ruleIndex"] = json!(index);
    }
    if !diagnostic.secondary.is_empty() {
        let related: Vec<Value> = diagnostic
            .secondary
            .iter()
            .enumerate()
            .map(|(id, label)| {
                json!({
                    "id": id,
                    "physicalLocation": physical_location(sources, label.span),
                    "message": { "text": label.message },
                })
            })
            .collect();
        result["relatedLocations"] = json!(related);
    }
    if !diagnostic.notes.is_empty() {
        result["properties"]["notes"] = json!(diagnostic.notes);
    }
    if let Some(fix) = &diagnostic.fix {
        // One artifactChange per file touched, in first-touched order.
        let mut changes: Vec<(&str, Vec<Value>)> = Vec::new();
        for edit in &fix.edits {
            let uri = path_of(sources, edit.span.file);
            let replacement = json!({
                "deletedRegion": region(sources, edit.span),
                "insertedContent": { "text": edit.replacement },
            });
            match changes.iter_mut().find(|(u, _)| *u == uri) {
                Some((_, replacements)) => replacements.push(replacement),
                None => changes.push((uri, vec![replacement])),
            }
        }
        let changes: Vec<Value> = changes
            .into_iter()
            .map(|(uri, replacements)| {
                json!({ "artifactLocation": { "uri": uri_of(uri) }, "replacements": replacements })
            })
            .collect();
        result["fixes"] =
            json!([{ "description": { "text": fix.title }, "artifactChanges": changes }]);
    }
    result
}

fn physical_location(sources: &SourceMap, span: Span) -> Value {
    json!({
        "artifactLocation": { "uri": uri_of(path_of(sources, span.file)) },
        "region": region(sources, span),
    })
}

fn region(sources: &SourceMap, span: Span) -> Value {
    let (start, end) = line_cols(sources, span);
    json!({
        "startLine": start.line,
        "startColumn": start.column,
        "endLine": end.line,
        "endColumn": end.column,
    })
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
