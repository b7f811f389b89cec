//! `# csflow: allow(NAME, …)` comments: silencing a warning in one place.
//!
//! A warning is silenced when a comment naming its check (by name or code) is
//! - on the line of the warning's primary span, or on a comment-only line just above it;
//! - on the header line of the state, knowledge entry or declaration that encloses the
//!   warning (`state old_menu {  # csflow: allow(unreachable-state)`), or on a
//!   comment-only line just above that header.
//!
//! Errors cannot be silenced: the flow would not build or would misbehave.

use crate::ast::{File, Item};
use crate::diagnostic::{Diagnostic, Severity, ids, registry};
use crate::source::{FileId, SourceFile, SourceMap, Span};

/// Removes the warnings that an allow comment silences.
pub fn apply(files: &[(FileId, File)], sources: &SourceMap, diagnostics: &mut Vec<Diagnostic>) {
    let with_comments: Vec<FileId> = sources
        .files()
        .filter(|(_, f)| f.text.contains("csflow:"))
        .map(|(id, _)| id)
        .collect();
    if with_comments.is_empty() {
        return;
    }
    let unknown = unknown_names(sources, &with_comments);
    diagnostics.retain(|d| {
        let span = d.primary.span;
        if !with_comments.contains(&span.file) || d.id.check().severity != Severity::Warning {
            return true;
        }
        let source = sources.get(span.file);
        let mut places = vec![span.start as usize];
        if let Some((_, file)) = files.iter().find(|(id, _)| *id == span.file) {
            places.extend(headers(file, span).into_iter().map(|s| s as usize));
        }
        !places
            .into_iter()
            .any(|offset| allowed_at(source, offset, d.name(), d.code()))
    });
    diagnostics.extend(unknown);
}

/// `unknown-allow`: names in allow comments that are no check (a typo silences nothing).
/// One pass over the lines that mention `csflow:`.
fn unknown_names(sources: &SourceMap, files: &[FileId]) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    for &id in files {
        let text = &sources.get(id).text;
        let mut line_start = 0;
        for line in text.split_inclusive('\n') {
            if line.contains("csflow:") {
                for (offset, name) in allow_names(line) {
                    if registry::lookup(name).is_some() {
                        continue;
                    }
                    let start = line_start + offset;
                    let shown = crate::diagnostic::escape_controls(name).into_owned();
                    let mut diagnostic = Diagnostic::new(
                        ids::UNKNOWN_ALLOW,
                        Span::new(id, start, start + name.len()),
                        format!("`{shown}` in `# csflow: allow(…)` is not a check"),
                    )
                    .with_primary_message("no check of this name or code");
                    let names = registry::CHECKS.iter().map(|c| c.name);
                    diagnostic = match crate::suggest::closest(name, names) {
                        Some(close) => diagnostic.with_note(format!("did you mean `{close}`?")),
                        None => diagnostic
                            .with_note("`csflow explain --list` lists every check's name and code"),
                    };
                    found.push(diagnostic);
                }
            }
            line_start += line.len();
        }
    }
    found
}

/// The names (with their byte offsets in `line`) of every `# csflow: allow(…)` in its
/// comment (a `#` inside a string or a regex starts none).
fn allow_names(line: &str) -> Vec<(usize, &str)> {
    let mut names = Vec::new();
    let Some(comment) = crate::syntax::lex::comment_start(line) else {
        return names;
    };
    for (i, _) in line.match_indices('#').filter(|(i, _)| *i >= comment) {
        let after = &line[i + 1..];
        let rest = after.trim_start();
        let Some(rest) = rest.strip_prefix("csflow:") else {
            continue;
        };
        let Some(rest) = rest.trim_start().strip_prefix("allow") else {
            continue;
        };
        let Some(rest) = rest.trim_start().strip_prefix('(') else {
            continue;
        };
        let Some(end) = rest.find(')') else {
            continue;
        };
        let base = line.len() - rest.len();
        let mut offset = base;
        for part in rest[..end].split(',') {
            let trimmed = part.trim();
            if !trimmed.is_empty() {
                let lead = part.len() - part.trim_start().len();
                names.push((offset + lead, trimmed));
            }
            offset += part.len() + 1;
        }
    }
    names
}

/// Is `name` allowed on the line of `offset`, or on a comment-only line just above it?
fn allowed_at(source: &SourceFile, offset: usize, name: &str, code: &str) -> bool {
    let line = source.line_index(offset.min(source.text.len()));
    if allows(source.line_text(line), name, code) {
        return true;
    }
    line > 0 && {
        let above = source.line_text(line - 1);
        crate::syntax::lex::comment_start(above) == Some(above.len() - above.trim_start().len())
            && allows(above, name, code)
    }
}

/// Does this line hold `# csflow: allow(…)` naming the check? Only in its comment: a `#`
/// inside a string or a regex starts none (the lexer's [`crate::syntax::lex::comment_start`]).
pub fn allows(line: &str, name: &str, code: &str) -> bool {
    let Some(start) = crate::syntax::lex::comment_start(line) else {
        return false;
    };
    let comment = &line[start..];
    comment.match_indices('#').any(|(i, _)| {
        let rest = comment[i + 1..].trim_start();
        let Some(rest) = rest.strip_prefix("csflow:") else {
            return false;
        };
        let Some(rest) = rest.trim_start().strip_prefix("allow") else {
            return false;
        };
        let Some(rest) = rest.trim_start().strip_prefix('(') else {
            return false;
        };
        let Some(end) = rest.find(')') else {
            return false;
        };
        rest[..end]
            .split(',')
            .map(str::trim)
            .any(|n| n == name || n.eq_ignore_ascii_case(code))
    })
}

/// The start offsets of the declarations enclosing `span`: the top-level item, and inside
/// it the state, slot or knowledge entry.
fn headers(file: &File, span: Span) -> Vec<u32> {
    let mut found = Vec::new();
    let inside = |outer: Span| outer.start <= span.start && span.end <= outer.end;
    let index = file
        .items
        .partition_point(|item| item.span().start <= span.start);
    let Some(item) = index.checked_sub(1).map(|i| &file.items[i]) else {
        return found;
    };
    if !inside(item.span()) {
        return found;
    }
    found.push(item.span().start);
    match item {
        Item::Flow(flow) => {
            let i = flow.states.partition_point(|s| s.span.start <= span.start);
            if let Some(state) = i.checked_sub(1).map(|i| &flow.states[i])
                && inside(state.span)
            {
                found.push(state.span.start);
            }
            if let Some(slot) = flow.slots.iter().find(|s| inside(s.span)) {
                found.push(slot.span.start);
            }
        }
        Item::Knowledge(kb) => {
            if let Some(entry) = kb.entries.iter().find(|e| inside(e.span)) {
                found.push(entry.span.start);
            }
        }
        _ => {}
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_allow_comments() {
        assert!(allows(
            "  state old {  # csflow: allow(unreachable-state)",
            "unreachable-state",
            "W0101"
        ));
        assert!(allows(
            "# csflow: allow(unused-slot, unreachable-state)",
            "unreachable-state",
            "W0101"
        ));
        assert!(allows(
            "#csflow:allow( w0101 )",
            "unreachable-state",
            "W0101"
        ));
        assert!(!allows(
            "# csflow: allow(unused-slot)",
            "unreachable-state",
            "W0101"
        ));
        assert!(!allows(
            "# allow(unreachable-state)",
            "unreachable-state",
            "W0101"
        ));
        assert!(!allows(
            "say \"csflow: allow(unreachable-state)\"",
            "unreachable-state",
            "W0101"
        ));
    }

    #[test]
    fn a_hash_inside_a_string_is_not_an_allow_comment() {
        // Not a comment: no names read, so no `unknown-allow` for the text of a prompt.
        assert!(allow_names("say \"# csflow: allow(nothing-such)\"").is_empty());
        assert!(allow_names("if text matches /# csflow: allow(x)/ { end }").is_empty());
        let line = "say \"#1\"  # csflow: allow(unused-slot)";
        let names = allow_names(line);
        assert_eq!(names.len(), 1);
        let (offset, name) = names[0];
        assert_eq!(name, "unused-slot");
        assert_eq!(&line[offset..offset + name.len()], "unused-slot");
    }
}
