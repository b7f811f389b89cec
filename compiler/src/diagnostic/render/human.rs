//! `--format human`: rustc-style diagnostics with source excerpts, drawn by
//! `codespan-reporting` (which measures excerpts with `unicode-width`, so carets under
//! Chinese text line up).

use super::{code_and_name, file_of};
use crate::diagnostic::{Diagnostic, Severity};
use crate::diagnostic::{escape_controls, is_unsafe_char};
use crate::source::{FileId, SourceMap, Span};
use codespan_reporting::diagnostic as cs;
use codespan_reporting::files::{Error as FilesError, Files};
use codespan_reporting::term::{self, Config, termcolor::Ansi};
use std::collections::HashMap;
use std::io;
use std::ops::Range;

/// Renders every diagnostic as
///
/// ```text
/// error[E0004/unknown-state]: unknown state `balanse`
///   ┌─ flows/bank.csflow:9:38
///   │
/// 9 │       option "余额" key 1 goto balanse
///   │                                ^^^^^^^ no state of this name in flow `bank`
///   │
///   = help: Replace with `balance`
/// ```
///
/// with ANSI colours when `color` is true (the CLI decides from the terminal and `NO_COLOR`).
pub fn human(diagnostics: &[Diagnostic], sources: &SourceMap, color: bool) -> String {
    let mut out = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = write_human(&mut out, diagnostics, sources, color);
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// [`human`], streamed into `out` one diagnostic at a time (a project with millions of
/// warnings is never held as one string). Control characters from the sources — in excerpts,
/// messages and labels — are written as `\u{1b}`, so a file cannot drive the terminal.
pub fn write_human(
    out: &mut dyn io::Write,
    diagnostics: &[Diagnostic],
    sources: &SourceMap,
    color: bool,
) -> io::Result<()> {
    write_human_where(out, diagnostics, sources, color, &|_| true)
}

/// [`write_human`] of the diagnostics `keep` accepts (the warnings `csflow build` shows),
/// without copying them out first: a project can have a warning on every line.
pub fn write_human_where(
    out: &mut dyn io::Write,
    diagnostics: &[Diagnostic],
    sources: &SourceMap,
    color: bool,
    keep: &(dyn Fn(&Diagnostic) -> bool + Sync),
) -> io::Result<()> {
    let escaped = escaped_files(diagnostics, sources);
    let files = SourceFiles {
        sources,
        escaped: &escaped,
    };
    let config = Config::default();
    crate::parallel::stream_in_order(
        diagnostics,
        BATCH,
        |batch, text| {
            for diagnostic in batch.iter().filter(|d| keep(d)) {
                // The common shape drawn directly, the rest by codespan.
                if color || !super::human_plain::draw(text, diagnostic, sources) {
                    draw_with_codespan(text, diagnostic, sources, &files, &config, color);
                }
            }
        },
        |text| out.write_all(text),
    )
}

/// `diagnostic` as codespan draws it without colour, bypassing the direct drawing of the
/// common shape: the reference [`super::human_plain`] is tested against.
#[cfg(test)]
pub(super) fn codespan_plain(diagnostic: &Diagnostic, sources: &SourceMap) -> Vec<u8> {
    let escaped = escaped_files(std::slice::from_ref(diagnostic), sources);
    let files = SourceFiles {
        sources,
        escaped: &escaped,
    };
    let mut text = Vec::new();
    draw_with_codespan(
        &mut text,
        diagnostic,
        sources,
        &files,
        &Config::default(),
        false,
    );
    text
}

/// Diagnostics drawn per batch (on every core, written in order): ~100 KB of text, so the
/// batches in flight stay far below what is written.
const BATCH: usize = 256;

/// Appends one diagnostic, drawn by codespan, to `text`.
fn draw_with_codespan(
    text: &mut Vec<u8>,
    diagnostic: &Diagnostic,
    sources: &SourceMap,
    files: &SourceFiles<'_>,
    config: &Config,
    color: bool,
) {
    let converted = convert(diagnostic, sources, files.escaped);
    let before = text.len();
    let drawn = if color {
        term::emit_to_write_style(&mut Ansi::new(&mut *text), config, files, &converted)
    } else {
        term::emit_to_io_write(text, config, files, &converted)
    };
    if drawn.is_err() {
        // Only reachable for a span outside its file (a compiler bug): still say something.
        text.truncate(before);
        let severity = diagnostic.severity.as_str();
        let code = code_and_name(diagnostic);
        let message = escape_controls(&diagnostic.message);
        text.extend_from_slice(format!("{severity}[{code}]: {message}\n\n").as_bytes());
    }
}

/// A file's text with its unsafe characters escaped, and how offsets move.
struct EscapedFile {
    text: String,
    line_starts: Vec<usize>,
    /// `(original offset just after an escaped char, bytes added up to there)`, ascending.
    shifts: Vec<(usize, usize)>,
}

impl EscapedFile {
    fn new(original: &str) -> EscapedFile {
        let mut text = String::with_capacity(original.len() + 16);
        let mut shifts = Vec::new();
        let mut added = 0;
        for (offset, c) in original.char_indices() {
            if unsafe_at(original, offset, c) {
                let escape = format!("\\u{{{:x}}}", c as u32);
                added += escape.len() - c.len_utf8();
                text.push_str(&escape);
                shifts.push((offset + c.len_utf8(), added));
            } else {
                text.push(c);
            }
        }
        let mut line_starts = vec![0];
        line_starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        EscapedFile {
            text,
            line_starts,
            shifts,
        }
    }

    /// Where an original byte offset is in the escaped text.
    fn map(&self, offset: usize) -> usize {
        let index = self.shifts.partition_point(|&(end, _)| end <= offset);
        offset + index.checked_sub(1).map_or(0, |i| self.shifts[i].1)
    }
}

/// Whether the char at `offset` is escaped in excerpts: a `\r` that ends a line (CRLF files)
/// is left alone, a lone one (which would overwrite the line on a terminal) is not.
fn unsafe_at(text: &str, offset: usize, c: char) -> bool {
    is_unsafe_char(c) && !(c == '\r' && text.as_bytes().get(offset + 1) == Some(&b'\n'))
}

/// The escaped copies of the files the diagnostics point into that need one; each file is
/// scanned once.
fn escaped_files(diagnostics: &[Diagnostic], sources: &SourceMap) -> HashMap<FileId, EscapedFile> {
    let mut checked: HashMap<FileId, Option<EscapedFile>> = HashMap::new();
    for diagnostic in diagnostics {
        let spans = std::iter::once(diagnostic.primary.span)
            .chain(diagnostic.secondary.iter().map(|label| label.span));
        for span in spans {
            checked.entry(span.file).or_insert_with(|| {
                let text = file_of(sources, span.file).map_or("", |f| f.text.as_str());
                text.char_indices()
                    .any(|(offset, c)| unsafe_at(text, offset, c))
                    .then(|| EscapedFile::new(text))
            });
        }
    }
    checked
        .into_iter()
        .filter_map(|(id, file)| file.map(|file| (id, file)))
        .collect()
}

fn convert(
    diagnostic: &Diagnostic,
    sources: &SourceMap,
    escaped: &HashMap<FileId, EscapedFile>,
) -> cs::Diagnostic<FileId> {
    let range = |span: Span| {
        let range = clamp(sources, span);
        match escaped.get(&span.file) {
            Some(file) => file.map(range.start)..file.map(range.end),
            None => range,
        }
    };
    let severity = match diagnostic.severity {
        Severity::Error => cs::Severity::Error,
        Severity::Warning => cs::Severity::Warning,
        Severity::Info => cs::Severity::Note,
    };
    let mut labels = Vec::new();
    // Places on lines too long to show (a minified or generated file) become notes with their
    // position: excerpting a 300 KB line once per diagnostic would make the output grow with
    // lines × diagnostics.
    let mut far = Vec::new();
    // Labels into files the map does not have would make codespan fail the whole diagnostic.
    let known = |file: FileId| file_of(sources, file).is_some();
    let mut place = |span: Span, message: &str, primary: bool| {
        if !known(span.file) {
            return;
        }
        if let Some(length) = long_line(sources, span) {
            let (start, _) = super::line_cols(sources, span);
            let path = escape_controls(super::path_of(sources, span.file)).into_owned();
            let what = if message.is_empty() {
                "here".to_string()
            } else {
                escape_controls(message).into_owned()
            };
            far.push(format!(
                "at {path}:{}:{}: {what} (the line is {length} bytes long, too long to show)",
                start.line, start.column
            ));
            return;
        }
        let label = if primary {
            cs::Label::primary(span.file, range(span))
        } else {
            cs::Label::secondary(span.file, range(span))
        };
        labels.push(label.with_message(escape_controls(message)));
    };
    place(diagnostic.primary.span, &diagnostic.primary.message, true);
    for label in &diagnostic.secondary {
        place(label.span, &label.message, false);
    }
    let mut notes: Vec<String> = diagnostic
        .notes
        .iter()
        .map(|note| format!("note: {}", escape_controls(note)))
        .collect();
    if let Some(fix) = &diagnostic.fix {
        notes.push(format!("help: {}", escape_controls(&fix.title)));
    }
    notes.splice(0..0, far);
    cs::Diagnostic::new(severity)
        .with_code(code_and_name(diagnostic))
        .with_message(escape_controls(&diagnostic.message))
        .with_labels(labels)
        .with_notes(notes)
}

/// Lines longer than this are not excerpted (the place is given as a note instead).
pub(super) const MAX_EXCERPT_LINE: usize = 1024;

/// The length of the first or last line of `span` when one is longer than
/// [`MAX_EXCERPT_LINE`].
fn long_line(sources: &SourceMap, span: Span) -> Option<usize> {
    let file = file_of(sources, span.file)?;
    let starts = file.line_starts();
    let length = |offset: usize| {
        let line = file.line_index(offset.min(file.text.len()));
        let end = starts.get(line + 1).copied().unwrap_or(file.text.len());
        end - starts[line]
    };
    let longest = length(span.start as usize).max(length(span.end as usize));
    (longest > MAX_EXCERPT_LINE).then_some(longest)
}

/// The byte range of a span, clamped into its file and onto char boundaries so codespan
/// never slices inside a character.
fn clamp(sources: &SourceMap, span: Span) -> Range<usize> {
    let text = file_of(sources, span.file).map_or("", |f| f.text.as_str());
    let boundary = |mut offset: usize| {
        offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        offset
    };
    let start = boundary(span.start as usize);
    start..boundary(span.end as usize).max(start)
}

/// Lets codespan read our [`SourceMap`] directly, reusing its line index; files with
/// control characters are read from their escaped copies.
struct SourceFiles<'a> {
    sources: &'a SourceMap,
    escaped: &'a HashMap<FileId, EscapedFile>,
}

impl<'a> SourceFiles<'a> {
    /// The text codespan shows and its line starts.
    fn shown(&self, id: FileId) -> Result<(&'a str, &'a [usize]), FilesError> {
        if let Some(file) = self.escaped.get(&id) {
            return Ok((file.text.as_str(), file.line_starts.as_slice()));
        }
        let file = file_of(self.sources, id).ok_or(FilesError::FileMissing)?;
        Ok((file.text.as_str(), file.line_starts()))
    }
}

impl<'a> Files<'a> for SourceFiles<'a> {
    type FileId = FileId;
    type Name = std::borrow::Cow<'a, str>;
    type Source = &'a str;

    fn name(&'a self, id: FileId) -> Result<Self::Name, FilesError> {
        file_of(self.sources, id)
            .map(|f| escape_controls(f.path.as_str()))
            .ok_or(FilesError::FileMissing)
    }

    fn source(&'a self, id: FileId) -> Result<&'a str, FilesError> {
        self.shown(id).map(|(text, _)| text)
    }

    fn line_index(&'a self, id: FileId, byte_index: usize) -> Result<usize, FilesError> {
        let (text, starts) = self.shown(id)?;
        let byte_index = byte_index.min(text.len());
        Ok(starts
            .partition_point(|&start| start <= byte_index)
            .saturating_sub(1))
    }

    fn line_range(&'a self, id: FileId, line_index: usize) -> Result<Range<usize>, FilesError> {
        let (text, starts) = self.shown(id)?;
        let start = *starts.get(line_index).ok_or(FilesError::LineTooLarge {
            given: line_index,
            max: starts.len() - 1,
        })?;
        let end = starts.get(line_index + 1).copied().unwrap_or(text.len());
        Ok(start..end)
    }
}
