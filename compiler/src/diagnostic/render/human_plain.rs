//! The common shape of a human diagnostic, drawn without codespan: no colour, every label
//! on one line of printable ASCII of one file (a few labels, which may share lines), one-line
//! texts. That is nearly every diagnostic of a huge generated project (millions of
//! `unused-queue` warnings, a `prompt-key-mismatch` under every menu), and codespan writes
//! its output one `write!` per character, which made drawing them take longer than checking
//! them.
//!
//! It writes byte for byte what codespan writes for the same diagnostic and declines
//! (returns `false`) anything else, so codespan stays the reference layout and draws every
//! other shape: colour, many labels, two labels over the same columns, labels over several
//! lines, tabs, Chinese text (whose width codespan measures), escaped control characters,
//! lines too long to excerpt.
//! `tests::plain_drawing_matches_codespan` holds the two to the same bytes.

use super::{code_and_name, file_of};
use crate::diagnostic::{Diagnostic, Severity, escape_controls};
use crate::source::{SourceFile, SourceMap, Span};
use std::borrow::Cow;
use std::io::Write;

/// The most labels drawn directly; a diagnostic with more is left to codespan (the caret
/// rows below look at every label of their line for every column).
const MAX_LABELS: usize = 8;

/// A label placed on its line.
struct Placed<'d> {
    line_index: usize,
    line: &'d [u8],
    column: usize,
    width: usize,
    caret: u8,
    text: Cow<'d, str>,
}

impl Placed<'_> {
    fn end(&self) -> usize {
        self.column + self.width
    }

    fn covers(&self, column: usize) -> bool {
        self.column <= column && column < self.end()
    }
}

/// Appends `diagnostic` to `out` as codespan would draw it without colour, when it has the
/// common shape; returns `false`, having written nothing, when it has not.
pub(super) fn draw(out: &mut Vec<u8>, diagnostic: &Diagnostic, sources: &SourceMap) -> bool {
    let file_id = diagnostic.primary.span.file;
    let Some(file) = file_of(sources, file_id) else {
        return false;
    };
    // The labels, all in the primary label's file, each on one line of printable ASCII.
    let labels = std::iter::once((&diagnostic.primary, b'^'))
        .chain(diagnostic.secondary.iter().map(|label| (label, b'-')));
    if diagnostic.secondary.len() >= MAX_LABELS
        || diagnostic.secondary.iter().any(|l| l.span.file != file_id)
    {
        return false;
    }
    let mut placed = Vec::with_capacity(diagnostic.secondary.len() + 1);
    for (label, caret) in labels {
        let Some((line_index, line_start, line)) = shown_line(file, label.span) else {
            return false;
        };
        let text = escape_controls(&label.message);
        if !one_line(&text) {
            return false;
        }
        placed.push(Placed {
            line_index,
            line,
            column: label.span.start as usize - line_start,
            width: (label.span.end - label.span.start) as usize,
            caret,
            text,
        });
    }
    let (primary_line, primary_column) = (placed[0].line_index, placed[0].column);
    // In codespan's order: by line, then by the columns covered. Two labels covering the
    // same columns of a line are ordered by codespan's binary search: left to it.
    placed.sort_by_key(|p| (p.line_index, p.column, p.end()));
    if placed.windows(2).any(|pair| {
        (pair[0].line_index, pair[0].column, pair[0].width)
            == (pair[1].line_index, pair[1].column, pair[1].width)
    }) {
        return false;
    }
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
    // The labelled lines, each with its labels, and what comes between one and the next:
    // the one line between two labelled lines is shown; a longer gap is a `·`.
    let mut lines: Vec<(&[Placed], Gap)> = Vec::new();
    for group in placed.chunk_by(|a, b| a.line_index == b.line_index) {
        if let Some((previous, gap)) = lines.last_mut() {
            let (before, after) = (previous[0].line_index, group[0].line_index);
            *gap = match after - before {
                1 => Gap::None,
                2 => {
                    let start = file.line_starts()[before + 1];
                    match shown_line(file, Span::new(file_id, start, start + 1)) {
                        Some((_, _, line)) => Gap::Line(line),
                        // An empty or non-ASCII line between: codespan measures it.
                        None => return false,
                    }
                }
                _ => Gap::Dots,
            };
        }
        lines.push((group, Gap::None));
    }

    let severity = match diagnostic.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    };
    let last_number = placed[placed.len() - 1].line_index + 1;
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
    for (labels, gap) in &lines {
        let (line_index, line) = (labels[0].line_index, labels[0].line);
        let _ = write!(out, "{:>width$} │ ", line_index + 1);
        out.extend_from_slice(line);
        out.push(b'\n');
        draw_labels(out, &pad, line.len(), labels);
        match gap {
            Gap::None => {}
            Gap::Line(middle) => {
                let _ = write!(out, "{:>width$} │ ", line_index + 2);
                out.extend_from_slice(middle);
                out.push(b'\n');
            }
            Gap::Dots => {
                let _ = writeln!(out, "{pad}·");
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

/// What is drawn after a labelled line, before the next one.
enum Gap<'d> {
    None,
    /// The one line between, shown.
    Line(&'d [u8]),
    /// A longer gap.
    Dots,
}

/// The rows under a line of source for its labels, as codespan lays them out: one row of
/// carets (`^` primary, `-` secondary) with the rightmost label's message after it when no
/// other label overlaps that one, then for the other messages a row of `│` pointers and one
/// row per message, the rightmost first.
fn draw_labels(out: &mut Vec<u8>, pad: &str, line_length: usize, labels: &[Placed]) {
    let max_start = labels.iter().map(|l| l.column).max().unwrap_or(0);
    let mut max_end = 0;
    let mut trailing = None;
    for (index, label) in labels.iter().enumerate() {
        max_end = max_end.max(label.end());
        if label.end() == max_end {
            trailing = (!label.text.is_empty()).then_some(index);
        }
    }
    if let Some(t) = trailing {
        let overlaps = |l: &Placed| l.column.max(labels[t].column) < l.end().min(labels[t].end());
        if labels
            .iter()
            .enumerate()
            .any(|(i, l)| i != t && overlaps(l))
        {
            trailing = None;
        }
    }
    out.extend_from_slice(pad.as_bytes());
    out.extend_from_slice("│ ".as_bytes());
    for column in 0..line_length {
        // A primary caret wins over a secondary one.
        let caret = labels
            .iter()
            .filter(|l| l.covers(column))
            .map(|l| l.caret)
            .max_by_key(|&caret| caret == b'^');
        match caret {
            Some(caret) => out.push(caret),
            None if column < max_end => out.push(b' '),
            None => {}
        }
    }
    if let Some(t) = trailing {
        out.push(b' ');
        out.extend_from_slice(labels[t].text.as_bytes());
    }
    out.push(b'\n');
    let hanging: Vec<&Placed> = labels
        .iter()
        .enumerate()
        .filter(|&(i, l)| !l.text.is_empty() && Some(i) != trailing)
        .map(|(_, l)| l)
        .collect();
    if hanging.is_empty() {
        return;
    }
    let pointers = |out: &mut Vec<u8>, until: usize| {
        out.extend_from_slice(pad.as_bytes());
        out.extend_from_slice("│ ".as_bytes());
        for column in 0..until {
            if hanging.iter().any(|l| l.column == column) {
                out.extend_from_slice("│".as_bytes());
            } else if column <= max_start {
                out.push(b' ');
            }
        }
    };
    pointers(out, line_length);
    out.push(b'\n');
    for label in hanging.iter().rev() {
        pointers(out, label.column);
        out.extend_from_slice(label.text.as_bytes());
        out.push(b'\n');
    }
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
        secondary: &[(f64, usize, usize)],
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
        let others: Vec<(usize, usize, usize)> = secondary
            .iter()
            .map(|&(at, length, label)| {
                let (start, end) = span((at.min(1.0), length));
                (start, end, label)
            })
            .collect();
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
        for (start, end, label) in others {
            diagnostic = diagnostic.with_label(Span::new(file, start, end), TEXTS[label]);
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
            secondary in prop::collection::vec((0.0..1.0f64, 1..4usize, 0..TEXTS.len()), 0..4),
            near in prop::collection::vec((0..40usize, 1..4usize, 0..TEXTS.len()), 0..3),
        ) {
            let mut sources = SourceMap::default();
            // Labels near the primary one: on its line, as a menu's labels are.
            let size = lead * 2 + lines.iter().map(|&l| LINES[l].len() + 1).sum::<usize>() + 1;
            let mut secondary = secondary;
            secondary.extend(near.iter().map(|&(offset, length, text)| {
                (place.0 + offset as f64 / size as f64, length, text)
            }));
            let diagnostic = diagnostic(&mut sources, path, lead, &lines, place, texts, severity, &secondary);
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

    /// Labels sharing a line — a menu's prompt, its keys — are drawn directly, with their
    /// pointer rows, as codespan draws them: two or three on a line, messages or none,
    /// overlapping or not.
    #[test]
    fn labels_sharing_a_line_are_drawn_directly() {
        let line = "  state s2 { menu \"Pick 2\" { option \"next\" key 1 goto s3 option \"agent\" key 0 handoff general } }\n";
        let text = format!("flow f {{\n{line}}}\n");
        let at = |word: &str, nth: usize| {
            let start = text.match_indices(word).nth(nth).unwrap().0;
            (start, start + word.len())
        };
        let cases: &[&[(&str, usize, &str)]] = &[
            &[
                ("1", 0, "callers never learn this key"),
                ("\"Pick 2\"", 0, "this prompt"),
                ("0", 0, "key 0 is never announced in the prompt"),
            ],
            &[
                ("1", 0, "callers never learn this key"),
                ("\"Pick 2\"", 0, "this prompt"),
            ],
            &[("\"Pick 2\"", 0, ""), ("1", 0, "")],
            &[("goto s3", 0, "here"), ("s3", 0, "the state")],
            &[
                ("option", 1, ""),
                ("\"agent\"", 0, "label"),
                ("key", 1, "key"),
            ],
        ];
        for labels in cases {
            let mut sources = SourceMap::default();
            let file = sources.add("flows/menu.csflow", text.clone());
            let (start, end) = at(labels[0].0, labels[0].1);
            let mut diagnostic = Diagnostic::new(
                ids::PROMPT_KEY_MISMATCH,
                Span::new(file, start, end),
                "the option has a key the prompt never mentions",
            )
            .with_primary_message(labels[0].2)
            .with_note("make the prompt and the options' keys agree");
            for &(word, nth, message) in &labels[1..] {
                let (start, end) = at(word, nth);
                diagnostic = diagnostic.with_label(Span::new(file, start, end), message);
            }
            let mut direct = Vec::new();
            assert!(
                draw(&mut direct, &diagnostic, &sources),
                "declined {labels:?}"
            );
            assert_eq!(
                String::from_utf8_lossy(&direct),
                String::from_utf8_lossy(&codespan_plain(&diagnostic, &sources)),
                "{labels:?}"
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
                &[],
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
