//! Renderers: the output formats of `csflow check` (docs/checks.md, "Output formats"). Each is a thin view of
//! `&[Diagnostic]` plus the [`SourceMap`] they point into, and a pure function returning a
//! `String`: the library never prints, the CLI decides where the text goes. Each also has a
//! `write_*` twin that streams into an `io::Write` (the CLI's stdout), so memory does not
//! grow with the size of the output; the human-readable ones escape control characters.
//!
//! Positions everywhere are 1-based lines and columns counted in Unicode scalar values
//! ([`SourceFile::line_col`]), so Chinese text gives the same columns in every format.

mod github;
mod human;
mod human_plain;
mod json;
mod sarif;
mod short;

pub use github::{github, write_github};
pub use human::{human, write_human, write_human_where};
pub use json::{json, write_json};
pub use sarif::{sarif, write_sarif};
pub use short::{short, write_short};

use super::{Diagnostic, Severity};
use crate::source::{FileId, LineCol, SourceFile, SourceMap, Span};
use serde::Serialize;
use std::fmt;

/// Counts shown at the end of `csflow check` and in the `summary` member of the JSON format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Summary {
    /// How many files were checked.
    pub files: usize,
    pub errors: usize,
    pub warnings: usize,
}

/// Counts errors and warnings (infos count as neither) among `diagnostics` from `files` files.
pub fn summary(diagnostics: &[Diagnostic], files: usize) -> Summary {
    let count = |severity| {
        diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    };
    Summary {
        files,
        errors: count(Severity::Error),
        warnings: count(Severity::Warning),
    }
}

impl fmt::Display for Summary {
    /// `2 errors, 1 warning in 3 files`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plural = |n: usize, word: &str| {
            if n == 1 {
                format!("{n} {word}")
            } else {
                format!("{n} {word}s")
            }
        };
        write!(
            f,
            "{}, {} in {}",
            plural(self.errors, "error"),
            plural(self.warnings, "warning"),
            plural(self.files, "file")
        )
    }
}

/// The file a span points into, if the map has it. A diagnostic pointing at a file the map
/// does not hold is a compiler bug, but a renderer must still not panic on it.
fn file_of(sources: &SourceMap, file: FileId) -> Option<&SourceFile> {
    sources.try_get(file)
}

/// The path of a span's file as the user gave it.
fn path_of(sources: &SourceMap, file: FileId) -> &str {
    file_of(sources, file).map_or("<unknown>", |f| f.path.as_str())
}

/// Start and end (exclusive) of a span as 1-based lines and char columns.
fn line_cols(sources: &SourceMap, span: Span) -> (LineCol, LineCol) {
    match file_of(sources, span.file) {
        Some(file) => {
            let start = file.line_col(span.start as usize);
            let end = file.line_col((span.end as usize).max(span.start as usize));
            (start, end)
        }
        None => (
            LineCol { line: 1, column: 1 },
            LineCol { line: 1, column: 1 },
        ),
    }
}

/// Writes `frame` pretty-printed, with its empty list member `"member": []` holding `items`:
/// each drawn by `draw` (pretty-printed JSON at depth 0) a batch at a time on every core,
/// indented to `depth` (two spaces a level), written in order. The text is what
/// `serde_json` prints for the whole document, which is never built: a project can have
/// millions of diagnostics, and drawing them one after another on one core took longer
/// than checking them.
fn write_pretty_list<D: Sync>(
    out: &mut dyn std::io::Write,
    frame: &impl Serialize,
    member: &str,
    depth: usize,
    items: &[D],
    draw: impl Fn(&D, &mut Vec<u8>) + Sync,
) -> std::io::Result<()> {
    let frame = serde_json::to_string_pretty(frame).map_err(std::io::Error::from)?;
    // A `"` inside a JSON string is escaped, so this text occurs only as the member itself.
    let empty = format!("\"{member}\": []");
    let Some(at) = frame.find(&empty) else {
        return Err(std::io::Error::other(format!(
            "no empty `{member}` list to fill"
        )));
    };
    let (head, tail) = (&frame[..at], &frame[at + empty.len()..]);
    out.write_all(head.as_bytes())?;
    out.write_all(&empty.as_bytes()[..empty.len() - 1])?;
    let indent = " ".repeat(2 * depth);
    if let Some(first) = items.first() {
        crate::parallel::stream_in_order(
            items,
            LIST_BATCH,
            |batch, text| {
                let mut drawn = Vec::new();
                for item in batch {
                    text.extend_from_slice(if std::ptr::eq(item, first) {
                        b"\n"
                    } else {
                        b",\n"
                    });
                    drawn.clear();
                    draw(item, &mut drawn);
                    indent_lines(text, &drawn, &indent);
                }
            },
            |text| out.write_all(text),
        )?;
        out.write_all(b"\n")?;
        out.write_all(&indent.as_bytes()[2..])?;
    }
    out.write_all(b"]")?;
    out.write_all(tail.as_bytes())?;
    out.write_all(b"\n")
}

/// Items drawn per batch by [`write_pretty_list`]: a few hundred KB of text.
const LIST_BATCH: usize = 256;

/// Appends `drawn` to `text` with every line indented by `indent`. Line breaks in pretty
/// JSON are only between members: inside strings they are escaped.
fn indent_lines(text: &mut Vec<u8>, drawn: &[u8], indent: &str) {
    for (index, line) in drawn.split(|&b| b == b'\n').enumerate() {
        if index > 0 {
            text.push(b'\n');
        }
        text.extend_from_slice(indent.as_bytes());
        text.extend_from_slice(line);
    }
}

/// `E0004/unknown-state`: the bracketed part of human and short headers.
fn code_and_name(diagnostic: &Diagnostic) -> String {
    format!("{}/{}", diagnostic.code(), diagnostic.name())
}

#[cfg(test)]
mod tests;
