//! The common shape of a human diagnostic, drawn without codespan: no colour, one label on
//! one line of printable ASCII, one-line texts. That is nearly every diagnostic of a huge
//! generated project (millions of `unused-queue` warnings), and codespan writes its output
//! one `write!` per character, which made drawing them take longer than checking them.
//!
//! It writes byte for byte what codespan writes for the same diagnostic and declines
//! (returns `false`) anything else, so codespan stays the reference layout and draws every
//! other shape: colour, secondary labels, several lines, tabs, Chinese text (whose width
//! codespan measures), escaped control characters, lines too long to excerpt.
//! `tests::plain_drawing_matches_codespan` holds the two to the same bytes.

use super::{code_and_name, file_of};
use crate::diagnostic::{Diagnostic, Severity, escape_controls};
use crate::source::SourceMap;
use std::borrow::Cow;
use std::io::Write;

/// Appends `diagnostic` to `out` as codespan would draw it without colour, when it has the
/// common shape; returns `false`, having written nothing, when it has not.
pub(super) fn draw(out: &mut Vec<u8>, diagnostic: &Diagnostic, sources: &SourceMap) -> bool {
    if !diagnostic.secondary.is_empty() {
        return false;
    }
    let span = diagnostic.primary.span;
    let Some(file) = file_of(sources, span.file) else {
        return false;
    };
    let (start, end) = (span.start as usize, span.end as usize);
    if start >= end || end > file.text.len() {
        return false;
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
        return false;
    }
    // What codespan shows of the line: without its `\n` or `\r\n`.
    let mut line = &file.text.as_bytes()[line_start..next_line];
    line = line.strip_suffix(b"\n").unwrap_or(line);
    line = line.strip_suffix(b"\r").unwrap_or(line);
    // Printable ASCII only: one byte is one column, and nothing needs escaping or measuring.
    if end > line_start + line.len() || !line.iter().all(|b| matches!(b, b' '..=b'~')) {
        return false;
    }
    let one_line = |text: &str| !text.contains(['\n', '\r']);
    let message = escape_controls(&diagnostic.message);
    let label = escape_controls(&diagnostic.primary.message);
    let path = escape_controls(file.path.as_str());
    let mut notes: Vec<(&str, Cow<'_, str>)> = diagnostic
        .notes
        .iter()
        .map(|note| ("note", escape_controls(note)))
        .collect();
    if let Some(fix) = &diagnostic.fix {
        notes.push(("help", escape_controls(&fix.title)));
    }
    if !one_line(&message)
        || !one_line(&label)
        || !one_line(&path)
        || !notes.iter().all(|(_, text)| one_line(text))
    {
        return false;
    }

    let severity = match diagnostic.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    };
    let number = line_index + 1;
    let width = number.to_string().len();
    let pad = " ".repeat(width + 1);
    let column = start - line_start;
    let code = code_and_name(diagnostic);
    // Writing into a Vec cannot fail.
    let _ = writeln!(out, "{severity}[{code}]: {message}");
    let _ = writeln!(out, "{pad}┌─ {path}:{number}:{}", column + 1);
    let _ = writeln!(out, "{pad}│");
    let _ = write!(out, "{number} │ ");
    out.extend_from_slice(line);
    out.push(b'\n');
    out.extend_from_slice(pad.as_bytes());
    out.extend_from_slice("│ ".as_bytes());
    out.resize(out.len() + column, b' ');
    out.resize(out.len() + (end - start), b'^');
    if !label.is_empty() {
        out.push(b' ');
        out.extend_from_slice(label.as_bytes());
    }
    out.push(b'\n');
    if !notes.is_empty() {
        let _ = writeln!(out, "{pad}│");
    }
    for (kind, text) in &notes {
        let _ = writeln!(out, "{pad}= {kind}: {text}");
    }
    out.push(b'\n');
    true
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
            secondary in prop::option::weighted(0.2, (0.0..1.0f64, 0..8usize)),
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
