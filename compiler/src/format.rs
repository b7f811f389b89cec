//! `csflow fmt`: one canonical layout for `.csflow` files, printed from the syntax tree
//! and its comments and blank lines ([`ast::File::trivia`]). See docs/formatting.md for the
//! rules. The printer never re-wraps a prompt and prints every literal from its source
//! slice; before its output is used it is parsed again and compared with the input (same
//! tree once spans are ignored, same comments in the same order) — if they differ the
//! formatter refuses rather than change what a flow means or lose a comment.

mod align;
mod expr;
mod flow;
mod items;
mod printer;

use crate::ast::{self, Item, TriviaKind};
use crate::diagnostic::Diagnostic;
use crate::source::FileId;
use crate::syntax;
use printer::Printer;

/// Why a file was not formatted.
#[derive(Debug)]
pub enum FormatError {
    /// The file has syntax errors (left untouched).
    Syntax(Vec<Diagnostic>),
    /// The printer's output would not mean the same as the input: a bug in the formatter;
    /// the file is left untouched.
    Internal(String),
}

/// Formats one file's text. `file` is the id the diagnostics name.
pub fn format_file(file: FileId, text: &str) -> Result<String, FormatError> {
    let parsed = syntax::parse_file(file, text);
    if !parsed.diagnostics.is_empty() {
        return Err(FormatError::Syntax(parsed.diagnostics));
    }
    let out = print(text, &parsed.file);
    if out != text {
        verify(file, text, &parsed.file, &out)?;
    }
    Ok(out)
}

/// Prints a parsed file (without syntax errors) in the canonical layout.
pub fn print(text: &str, file: &ast::File) -> String {
    let mut p = Printer::new(text, &file.trivia);
    let mut previous: Option<&Item> = None;
    // One-line queues in a run align their names.
    let rows: Vec<align::Row> = file
        .items
        .iter()
        .map(|item| match item {
            Item::Queue(q) if items::queue_one_line(&p, q) => align::Row {
                start: q.span.start as usize,
                end: q.span.end as usize,
                head: Some(q.name.as_ref().map_or(0, |n| printer::width(&n.name))),
            },
            other => align::Row::none(other.span().start as usize, other.span().end as usize),
        })
        .collect();
    let pads = align::runs(&p, &rows);
    for (item, pad) in file.items.iter().zip(pads) {
        let same_kind = previous.is_some_and(|prev| {
            std::mem::discriminant(prev) == std::mem::discriminant(item)
                && matches!(item, Item::Import(_) | Item::Queue(_) | Item::Intent(_))
        });
        if previous.is_some() && !same_kind {
            p.blank_line();
        }
        p.item(item.span().start as usize);
        match item {
            Item::Import(i) => {
                p.tok(i.span.start as usize, "import");
                expr::string(&mut p, &i.path);
            }
            Item::Hours(h) => items::hours(&mut p, h),
            Item::Queue(q) => items::queue(&mut p, q, pad),
            Item::Intent(i) => items::intent(&mut p, i),
            Item::Service(s) => items::service(&mut p, s),
            Item::Knowledge(k) => items::knowledge(&mut p, k),
            Item::Flow(f) => flow::flow(&mut p, f),
            Item::Test(t) => items::test(&mut p, t),
            Item::Error(span) => p.slice(span.start as usize, span.end as usize),
        }
        previous = Some(item);
    }
    p.finish()
}

/// Parses the output again and checks it means what the input meant.
fn verify(file: FileId, text: &str, before: &ast::File, out: &str) -> Result<(), FormatError> {
    let again = syntax::parse_file(file, out);
    if let Some(d) = again.diagnostics.first() {
        return Err(FormatError::Internal(format!(
            "the formatted text does not parse ({})",
            d.message
        )));
    }
    if before.items.len() != again.file.items.len() {
        return Err(FormatError::Internal(
            "the formatted text has a different number of declarations".into(),
        ));
    }
    for (a, b) in before.items.iter().zip(&again.file.items) {
        if tree_hash(a) != tree_hash(b) {
            let line = text[..a.span().start as usize].matches('\n').count() + 1;
            return Err(FormatError::Internal(format!(
                "the formatted text would change the declaration at line {line}"
            )));
        }
    }
    if comments(text, before) != comments(out, &again.file) {
        return Err(FormatError::Internal(
            "the formatted text would lose, change or reorder a comment".into(),
        ));
    }
    Ok(())
}

fn comments<'a>(text: &'a str, file: &ast::File) -> Vec<&'a str> {
    file.trivia
        .iter()
        .filter(|t| t.kind == TriviaKind::Comment)
        .map(|t| text[t.span.range()].trim_end())
        .collect()
}

/// A hash of a declaration's tree with every span left out.
pub fn tree_hash(item: &Item) -> u64 {
    use std::fmt::Write;
    let mut sink = SpanFree::default();
    let _ = write!(sink, "{item:?}");
    sink.flush();
    sink.hash
}

/// A `fmt::Write` that drops `Span { … }` from Debug output and hashes the rest in fixed
/// blocks (so the hash does not depend on how Debug splits its writes).
#[derive(Default)]
struct SpanFree {
    buffer: Vec<u8>,
    hash: u64,
    skipping: bool,
}

impl SpanFree {
    fn flush(&mut self) {
        use std::hash::Hasher;
        let mut h = rustc_hash::FxHasher::default();
        h.write_u64(self.hash);
        h.write(&self.buffer);
        self.hash = h.finish();
        self.buffer.clear();
    }
}

impl std::fmt::Write for SpanFree {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        const OPEN: &[u8] = b"Span {";
        for &b in s.as_bytes() {
            if self.skipping {
                if b == b'}' {
                    self.skipping = false;
                }
                continue;
            }
            self.buffer.push(b);
            if self.buffer.ends_with(OPEN) {
                self.buffer.truncate(self.buffer.len() - OPEN.len());
                self.skipping = true;
            }
            if self.buffer.len() >= 1 << 16 {
                // Keep a tail so "Span {" split across blocks is still seen.
                let keep = self.buffer.split_off(self.buffer.len() - OPEN.len());
                self.flush();
                self.buffer = keep;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
