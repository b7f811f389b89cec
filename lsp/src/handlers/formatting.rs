//! Formatting: the open document in `csflow fmt`'s one layout, by the compiler's formatter
//! (`format::format_file`, which parses its output again and refuses rather than change
//! what a flow means). The answer is one edit over the lines that change, not the whole
//! text, so the editor keeps the cursor, folds and marks outside them.

use crate::documents::Document;
use crate::position::{Encoding, Lines};
use csflow_compiler::format::{FormatError, format_file};
use csflow_compiler::source::FileId;
use tower_lsp_server::ls_types::TextEdit;

/// Why a document was not formatted.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// It has syntax errors (already shown as diagnostics); it is left as it is.
    Syntax,
    /// The formatter would have changed what the flow means: a bug, reported to the user.
    Internal(String),
}

/// The edits that bring `document` into the canonical layout: empty when it is already
/// formatted. The client's tab size and spaces setting are not read: there is one layout.
pub fn format(document: &Document, encoding: Encoding) -> Result<Vec<TextEdit>, Refusal> {
    let text = &document.text;
    let formatted = match format_file(FileId(0), text) {
        Ok(formatted) => formatted,
        Err(FormatError::Syntax(_)) => return Err(Refusal::Syntax),
        Err(FormatError::Internal(message)) => return Err(Refusal::Internal(message)),
    };
    Ok(changed_lines(&document.lines(), &formatted, encoding)
        .into_iter()
        .collect())
}

/// One edit replacing the lines where `before` and `after` differ (whole lines: from the
/// start of the first differing line to the end of the last one), or none.
fn changed_lines(before: &Lines, after: &str, encoding: Encoding) -> Option<TextEdit> {
    let old = before.text;
    if old == after {
        return None;
    }
    let prefix = common_prefix(old.as_bytes(), after.as_bytes());
    // Back to the start of that line, in both texts (the prefix is the same bytes).
    let start = old[..prefix].rfind('\n').map_or(0, |i| i + 1);
    let longest = (old.len() - start).min(after.len() - start);
    let suffix = common_suffix(old.as_bytes(), after.as_bytes(), longest);
    // Forward to the end of a line: keep only whole lines of the common suffix.
    let tail = &old[old.len() - suffix..];
    let whole = tail.find('\n').map_or(0, |i| tail.len() - (i + 1));
    let end_old = old.len() - whole;
    let end_new = after.len() - whole;
    Some(TextEdit {
        range: tower_lsp_server::ls_types::Range {
            start: before.position(start, encoding),
            end: before.position(end_old, encoding),
        },
        new_text: after[start..end_new].to_string(),
    })
}

fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

/// The length of the common end of `a` and `b`, at most `limit` bytes.
fn common_suffix(a: &[u8], b: &[u8], limit: usize) -> usize {
    a.iter()
        .rev()
        .zip(b.iter().rev())
        .take(limit)
        .take_while(|(x, y)| x == y)
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::position::line_starts;

    fn apply(old: &str, new: &str) -> (String, Option<TextEdit>) {
        let starts = line_starts(old);
        let lines = Lines {
            text: old,
            starts: &starts,
        };
        let Some(edit) = changed_lines(&lines, new, Encoding::Utf16) else {
            return (old.to_string(), None);
        };
        let from = lines.offset(edit.range.start, Encoding::Utf16);
        let to = lines.offset(edit.range.end, Encoding::Utf16);
        let mut out = old.to_string();
        out.replace_range(from..to, &edit.new_text);
        (out, Some(edit))
    }

    #[test]
    fn the_edit_covers_whole_changed_lines_and_rebuilds_the_new_text() {
        let cases = [
            ("a\nb\nc\n", "a\nB\nc\n"),
            ("a\nb\nc\n", "a\nb\nc\n"),
            ("x", "y\n"),
            ("a\n\n\nb\n", "a\n\nb\n"),
            ("说 “你好” 👋\nb  c\n", "说 “你好” 👋\nb c\n"),
            ("a\nb", "a\nb\n"),
            ("", "a\n"),
            ("aaa\n", "aa\n"),
            ("ab\nab\n", "ab\n"),
        ];
        for (old, new) in cases {
            let (out, edit) = apply(old, new);
            assert_eq!(out, new, "{old:?} → {new:?}");
            if let Some(edit) = edit {
                assert_eq!(edit.range.start.character, 0, "{old:?}: starts mid-line");
                let starts = line_starts(old);
                let end = Lines {
                    text: old,
                    starts: &starts,
                }
                .offset(edit.range.end, Encoding::Utf16);
                assert!(
                    edit.range.end.character == 0 || end == old.len(),
                    "{old:?}: ends mid-line: {edit:?}"
                );
            }
        }
        let (_, edit) = apply("a\nb\nc\n", "a\nB\nc\n");
        let edit = edit.unwrap();
        assert_eq!((edit.range.start.line, edit.range.end.line), (1, 2));
        assert_eq!(edit.new_text, "B\n");
    }
}
