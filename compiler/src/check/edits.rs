//! Building the text edits of fixes: removing a declaration with its lines, inserting a line.

use crate::diagnostic::{Applicability, Edit, Edits, Fix};
use crate::source::{SourceMap, Span};
use std::borrow::Cow;

/// An edit that removes `span`; when it fills its lines (blank or a trailing comment
/// aside), whole lines go, and a blank line left doubled is removed too.
pub fn remove(sources: &SourceMap, span: Span) -> Edit {
    let text = sources.get(span.file).text.as_str();
    let (start, end) = (span.start as usize, (span.end as usize).min(text.len()));
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[end..].find('\n').map_or(text.len(), |i| end + i + 1);
    let before = &text[line_start..start];
    let after = text[end..line_end].trim();
    if !before.trim().is_empty() || !(after.is_empty() || after.starts_with('#')) {
        return Edit {
            span,
            replacement: String::new(),
        };
    }
    let mut removal_start = line_start;
    // `…\n\n<removed>\n\n…` or `…\n\n<removed>\n}`: also drop the blank line above.
    if line_start > 0 {
        let previous_start = text[..line_start - 1].rfind('\n').map_or(0, |i| i + 1);
        let previous_blank = text[previous_start..line_start - 1].trim().is_empty();
        let next_line = text[line_end..].lines().next().unwrap_or("").trim();
        if previous_blank && (next_line.is_empty() || next_line.starts_with('}')) {
            removal_start = previous_start;
        }
    }
    Edit {
        span: Span::new(span.file, removal_start, line_end),
        replacement: String::new(),
    }
}

/// An edit inserting `line` (without its newline) as a new line above the line of `at`,
/// indented like that line.
pub fn insert_line_before(sources: &SourceMap, at: Span, line: &str, blank_after: bool) -> Edit {
    let text = sources.get(at.file).text.as_str();
    let line_start = text[..at.start as usize].rfind('\n').map_or(0, |i| i + 1);
    let indent: String = text[line_start..]
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect();
    let mut replacement = format!("{indent}{line}\n");
    if blank_after {
        replacement.push('\n');
    }
    Edit {
        span: Span::new(at.file, line_start, line_start),
        replacement,
    }
}

/// A fix that changes behaviour: offered by editors, never applied without asking.
pub fn unsafe_fix(title: impl Into<Cow<'static, str>>, edits: Vec<Edit>) -> Fix {
    Fix {
        title: title.into(),
        edits: Edits::from_vec(edits),
        applicability: Applicability::Unsafe,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    fn apply(text: &str, edit: &Edit) -> String {
        let mut out = text.to_string();
        out.replace_range(edit.span.range(), &edit.replacement);
        out
    }

    #[test]
    fn removes_whole_lines_and_a_doubled_blank_line() {
        let mut sources = SourceMap::new();
        let text = "flow f {\n  state a {\n    end\n  }\n\n  state b {\n    end\n  }\n}\n";
        let id = sources.add("a.csflow", text);
        assert_eq!(id, FileId(0));
        let start = text.find("state b").unwrap();
        let end = text[start..].find("  }\n").unwrap() + start + 3;
        let edit = remove(&sources, Span::new(id, start, end));
        assert_eq!(
            apply(text, &edit),
            "flow f {\n  state a {\n    end\n  }\n}\n"
        );
    }

    #[test]
    fn removes_only_the_span_when_it_shares_its_line() {
        let mut sources = SourceMap::new();
        let text = "queue a { } queue b { }\n";
        let id = sources.add("a.csflow", text);
        let start = text.find("queue b").unwrap();
        let edit = remove(&sources, Span::new(id, start, text.len() - 1));
        assert_eq!(apply(text, &edit), "queue a { } \n");
    }

    #[test]
    fn inserts_an_indented_line() {
        let mut sources = SourceMap::new();
        let text = "flow f {\n  start a\n  state a { end }\n}\n";
        let id = sources.add("a.csflow", text);
        let at = text.find("state").unwrap();
        let edit = insert_line_before(
            &sources,
            Span::new(id, at, at + 5),
            "on no_input retry 2 then end",
            true,
        );
        assert_eq!(
            apply(text, &edit),
            "flow f {\n  start a\n  on no_input retry 2 then end\n\n  state a { end }\n}\n"
        );
    }
}
