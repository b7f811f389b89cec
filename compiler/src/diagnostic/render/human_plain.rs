//! The common shape of a human diagnostic, drawn without codespan: no colour, a label on
//! one line of printable ASCII (and at most one secondary label, on another such line of
//! the same file), one-line texts. That is nearly every diagnostic of a huge
//! generated project (millions of `unused-queue` warnings), and codespan writes its output
//! one `write!` per character, which made drawing them take longer than checking them.
//!
//! It writes byte for byte what codespan writes for the same diagnostic and declines
//! (returns `false`) anything else, so codespan stays the reference layout and draws every
//! other shape: colour, more labels, labels sharing a line, several lines, tabs, Chinese text (whose width
//! codespan measures), escaped control characters, lines too long to excerpt.
//! `tests::plain_drawing_matches_codespan` holds the two to the same bytes.

use super::{code_and_name, file_of};
use crate::diagnostic::{Diagnostic, Severity, escape_controls};
use crate::source::{SourceFile, SourceMap, Span};
use std::borrow::Cow;
use std::io::Write;

/// Appends `diagnostic` to `out` as codespan would draw it without colour, when it has the
/// common shape; returns `false`, having written nothing, when it has not.
pub(super) fn draw(out: &mut Vec<u8>, diagnostic: &Diagnostic, sources: &SourceMap) -> bool {
    let file_id = diagnostic.primary.span.file;
    let Some(file) = file_of(sources, file_id) else {
        return false;
    };
    // The primary label, and at most one secondary label on another line of the same file.
    let mut labels = vec![(&diagnostic.primary, b'^')];
    match diagnostic.secondary.as_slice() {
        [] => {}
        [label] if label.span.file == file_id => labels.push((label, b'-')),
        _ => return false,
    }
    let mut placed = Vec::with_capacity(labels.len());
    for (label, caret) in labels {
        let Some((line_index, line_start, line)) = shown_line(file, label.span) else {
            return false;
        };
        let text = escape_controls(&label.message);
        if !one_line(&text) {
            return false;
        }
        let column = label.span.start as usize - line_start;
        let width = (label.span.end - label.span.start) as usize;
        placed.push((line_index, line, column, width, caret, text));
    }
    // Labels on one line share a caret row, which this drawing does not do.
    if placed.len() == 2 && placed[0].0 == placed[1].0 {
        return false;
    }
    let (primary_line, primary_column) = (placed[0].0, placed[0].2);
    placed.sort_by_key(|label| label.0);
    let message = escape_controls(&diagnostic.message);
    let path = escape_controls(file.path.as_str());
    let mut notes: Vec<(&str, Cow<'_, str>)> = diagnostic
        .notes
        .iter()
        .map(|note| ("note", escape_controls(note)))
        .collect();
    if let Some(fix) = &diagnostic.fix {
        notes.push(("help", escape_controls(&fix.title)));
    }
    if !one_line(&message) || !one_line(&path) || !notes.iter().all(|(_, text)| one_line(text)) {
        return false;
    }
    // The one line between two labelled lines is shown; a longer gap is a `·`.
    let between = match placed.as_slice() {
        [first, second] if second.0 == first.0 + 2 => {
            let start = file.line_starts()[first.0 + 1];
            match shown_line(file, Span::new(file_id, start, start + 1)) {
                Some((_, _, line)) => Some(line),
                // An empty or non-ASCII line between: codespan measures it.
                None => return false,
            }
        }
        _ => None,
    };

    let severity = match diagnostic.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    };
    let last_number = placed[placed.len() - 1].0 + 1;
    let width = last_number.to_string().len();
    let pad = " ".repeat(width + 1);
    let code = code_and_name(diagnostic);
    // Writing into a Vec cannot fail.
    let _ = writeln!(out, "{severity}[{code}]: {message}");
    let _ = writeln!(
        out,
        "{pad}┌─ {path}:{}:{}",
        primary_line + 1,
        primary_column + 1
    );
    let _ = writeln!(out, "{pad}│");
    for (index, (line_index, line, column, length, caret, text)) in placed.iter().enumerate() {
        let _ = write!(out, "{:>width$} │ ", line_index + 1);
        out.extend_from_slice(line);
        out.push(b'\n');
        out.extend_from_slice(pad.as_bytes());
        out.extend_from_slice("│ ".as_bytes());
        out.resize(out.len() + column, b' ');
        out.resize(out.len() + length, *caret);
        if !text.is_empty() {
            out.push(b' ');
            out.extend_from_slice(text.as_bytes());
        }
        out.push(b'\n');
        if let Some(next) = placed.get(index + 1) {
            match (next.0 - line_index, between) {
                (1, _) => {}
                (2, Some(middle)) => {
                    let _ = write!(out, "{:>width$} │ ", line_index + 2);
                    out.extend_from_slice(middle);
                    out.push(b'\n');
                }
                _ => {
                    let _ = writeln!(out, "{pad}·");
                }
            }
        }
    }
    if !notes.is_empty() {
        let _ = writeln!(out, "{pad}│");
    }
    for (kind, text) in &notes {
        let _ = writeln!(out, "{pad}= {kind}: {text}");
    }
    out.push(b'\n');
    true
}

fn one_line(text: &str) -> bool {
    !text.contains(['\n', '\r'])
}

/// The line a label is drawn on — its index, where it starts and what codespan shows of it
/// (without its `\n` or `\r\n`) — when the label fits on it and the line is printable
/// ASCII (one byte is one column, nothing to escape or measure) and short enough to excerpt.
fn shown_line(file: &SourceFile, span: Span) -> Option<(usize, usize, &[u8])> {
    let (start, end) = (span.start as usize, span.end as usize);
    if start >= end || end > file.text.len() {
        return None;
    }
    let line_index = file.line_index(start);
    let starts = file.line_starts();
    let line_start = starts[line_index];
    let next_line = starts
        .get(line_index + 1)
        .copied()
        .unwrap_or(file.text.len());
    // A line past the excerpt limit is left to the general path, which turns it into a note.
    if next_line - line_start > super::human::MAX_EXCERPT_LINE {
        return None;
    }
    let mut line = &file.text.as_bytes()[line_start..next_line];
    line = line.strip_suffix(b"\n").unwrap_or(line);
    line = line.strip_suffix(b"\r").unwrap_or(line);
    if end > line_start + line.len() || !line.iter().all(|b| matches!(b, b' '..=b'~')) {
        return None;
    }
    Some((line_index, line_start, line))
}

#[cfg(test)]
mod tests {
    use super::draw;
    use crate::diagnostic::render::human::codespan_plain;
    use crate::diagnostic::{Applicability, Diagnostic, Fix, Severity, ids};
    use crate::source::{SourceMap, Span};
    use proptest::prelude::*;

    /// Lines of every kind the two drawings must agree on, or the direct one decline.
    const LINES: &[&str] = &[
        "queue q0 { }",
        "  state welcome {",
        "    say \"欢迎致电银行。\"",
        "\tgoto main_menu",
        "say \"\u{1b}[31mred\"",
        "end\r",
        "   ",
        "",
        "option \"a\" key 1 goto a_very_long_state_name_that_goes_on",
    ];
    const TEXTS: &[&str] = &[
        "",
        "this queue is never used",
        "没有这个状态",
        "two\nlines",
        "esc \u{1b} here",
    ];
    const PATHS: &[&str] = &["flows/bank.csflow", "流程/银行.csflow", "a\u{1b}b.csflow"];

    fn boundary(text: &str, mut offset: usize) -> usize {
        offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        offset
    }

    #[allow(clippy::too_many_arguments)]
    fn diagnostic(
        sources: &mut SourceMap,
        path: usize,
        lead: usize,
        lines: &[usize],
        (at, length): (f64, usize),
        texts: (usize, usize, Vec<usize>, Option<usize>),
        severity: usize,
        secondary: Option<(f64, usize)>,
    ) -> Diagnostic {
        let mut text = "#\n".repeat(lead);
        for &line in lines {
            text.push_str(LINES[line]);
            text.push('\n');
        }
        if lines.contains(&0) {
            text.push_str(&"x".repeat(1100));
        }
        let span = |(at, length): (f64, usize)| {
            let start = boundary(&text, (text.len() as f64 * at) as usize);
            let end = boundary(&text, start + length).max(start);
            (start, end)
        };
        let (start, end) = span((at, length));
        let other = secondary.map(span);
        let file = sources.add(PATHS[path], text);
        let (message, label, notes, fix) = texts;
        let mut diagnostic = Diagnostic::new(
            ids::UNUSED_QUEUE,
            Span::new(file, start, end),
            TEXTS[message],
        )
        .with_primary_message(TEXTS[label]);
        diagnostic.severity = [Severity::Error, Severity::Warning, Severity::Info][severity];
        for note in notes {
            diagnostic = diagnostic.with_note(TEXTS[note]);
        }
        if let Some(fix) = fix {
            diagnostic = diagnostic.with_fix(Fix {
                title: TEXTS[fix].into(),
                edits: Default::default(),
                applicability: Applicability::Safe,
            });
        }
        if let Some((start, end)) = other {
            diagnostic = diagnostic.with_label(Span::new(file, start, end), "here");
        }
        diagnostic
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 5000, ..ProptestConfig::default() })]

        #[test]
        fn plain_drawing_matches_codespan(
            path in 0..PATHS.len(),
            lead in prop::sample::select(vec![0usize, 0, 8, 98, 12_345]),
            lines in prop::collection::vec(0..LINES.len(), 1..6),
            place in (0.0..1.0f64, prop_oneof![3 => 1..3usize, 1 => 0..24usize]),
            texts in (0..TEXTS.len(), 0..TEXTS.len(), prop::collection::vec(0..TEXTS.len(), 0..3), prop::option::of(0..TEXTS.len())),
            severity in 0..3usize,
            secondary in prop::option::weighted(0.5, (0.0..1.0f64, 1..4usize)),
        ) {
            let mut sources = SourceMap::default();
            let diagnostic = diagnostic(&mut sources, path, lead, &lines, place, texts, severity, secondary);
            let mut direct = Vec::new();
            if draw(&mut direct, &diagnostic, &sources) {
                let reference = codespan_plain(&diagnostic, &sources);
                prop_assert_eq!(String::from_utf8_lossy(&direct), String::from_utf8_lossy(&reference));
            } else {
                prop_assert!(direct.is_empty(), "declined after writing");
            }
        }
    }

    /// A secondary label on the next line, one line further (the line between is shown),
    /// further still (a `·`), and above the primary one: drawn directly, as codespan does.
    #[test]
    fn a_second_label_on_another_line_is_drawn_directly() {
        let text: String = (0..12)
            .map(|i| format!("intent i{i} {{ \"example\" }}\n"))
            .collect();
        for (primary, secondary) in [(0, 1), (0, 2), (0, 3), (0, 11), (9, 2), (10, 9)] {
            let mut sources = SourceMap::default();
            let file = sources.add("flows/intents.csflow", text.clone());
            let at = |line: usize| {
                let start = text.match_indices('"').nth(2 * line).unwrap().0;
                Span::new(file, start, start + 9)
            };
            let diagnostic =
                Diagnostic::new(ids::AMBIGUOUS_EXAMPLE, at(primary), "the same example")
                    .with_primary_message("an example of `b`")
                    .with_label(at(secondary), "already an example of `a`")
                    .with_note("keep the phrase in one intent");
            let mut direct = Vec::new();
            assert!(
                draw(&mut direct, &diagnostic, &sources),
                "declined {primary}/{secondary}"
            );
            assert_eq!(
                String::from_utf8_lossy(&direct),
                String::from_utf8_lossy(&codespan_plain(&diagnostic, &sources)),
                "lines {primary} and {secondary}"
            );
        }
    }

    /// The shape of a generated project's warnings takes the direct path (so the property
    /// above compares something), on a line number of many digits too.
    #[test]
    fn an_unused_queue_warning_is_drawn_directly() {
        for lead in [0, 9, 99_999] {
            let mut sources = SourceMap::default();
            let diagnostic = diagnostic(
                &mut sources,
                0,
                lead,
                &[1, 0],
                (0.0, 0),
                (1, 1, vec![1, 2], Some(1)),
                1,
                None,
            );
            let text = &sources.get(diagnostic.primary.span.file).text;
            let start = text.find("q0").unwrap();
            let mut diagnostic = diagnostic;
            diagnostic.primary.span = Span::new(diagnostic.primary.span.file, start, start + 2);
            let mut direct = Vec::new();
            assert!(
                draw(&mut direct, &diagnostic, &sources),
                "declined at lead {lead}"
            );
            assert_eq!(
                String::from_utf8_lossy(&direct),
                String::from_utf8_lossy(&codespan_plain(&diagnostic, &sources))
            );
        }
    }
}
