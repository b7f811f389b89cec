//! `csflow fmt`: one canonical layout for `.csflow` files, printed from the syntax tree
//! and its comments and blank lines ([`ast::File::trivia`]). See docs/formatting.md for the
//! rules. The printer never re-wraps a prompt and prints every literal from its source
//! slice; before its output is used it is checked to mean what the input meant: either it
//! is the same tokens with whitespace between the same pairs (only the amount or kind of
//! whitespace changed, which the grammar cannot tell apart), or it is parsed again and
//! compared with the input (same tree once spans are ignored, same comments in the same
//! order) — if they differ the formatter refuses rather than change what a flow means or
//! lose a comment.

mod align;
mod diff;
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
    format(file, text).map(|formatted| formatted.text)
}

/// A formatted text, and the lines it begins with the same token as the input.
pub struct Formatted {
    pub text: String,
    /// (input, output) byte offsets where one token begins a line of both.
    cuts: Vec<(u32, u32)>,
}

impl Formatted {
    /// The unified diff from `before` (the text that was formatted) to this text, with
    /// `a/NAME` and `b/NAME` headers; empty when nothing changed.
    pub fn diff(&self, name: &str, before: &str) -> String {
        diff::unified(name, before, &self.text, &self.cuts)
    }
}

/// [`format_file`], keeping what [`Formatted::diff`] needs.
pub fn format(file: FileId, text: &str) -> Result<Formatted, FormatError> {
    let parsed = syntax::parse_file(file, text);
    if !parsed.diagnostics.is_empty() {
        return Err(FormatError::Syntax(parsed.diagnostics));
    }
    let (out, cuts) = print_with_cuts(text, &parsed.file);
    // Most formatting only moves whitespace: the same tokens with space between the same
    // pairs mean the same tree, with no second parse. Anything else is parsed again.
    if out != text && !same_tokens(text, &out) {
        verify(file, text, &parsed.file, &out)?;
    }
    Ok(Formatted { text: out, cuts })
}

/// Whether `a` and `b` are the same tokens in the same order — strings, regexes and
/// comments compared whole, every other character outside them too — with whitespace
/// between exactly the same pairs of tokens (its amount and kind may differ: spaces,
/// line breaks, full-width spaces). The grammar reads any run of whitespace alike, so such
/// texts parse to the same tree and keep the same comments; where whitespace appears or
/// goes (`digits( 4 )` → `digits(4)`) the caller re-parses instead.
fn same_tokens(a: &str, b: &str) -> bool {
    let (mut x, mut y) = (Tokens::new(a), Tokens::new(b));
    loop {
        match (x.next(), y.next()) {
            (None, None) => return true,
            (Some(t), Some(u)) if t == u => {}
            _ => return false,
        }
    }
}

/// The tokens of [`same_tokens`]: (text, whitespace before it), the first one's whitespace
/// not counted.
struct Tokens<'a> {
    text: &'a str,
    pos: usize,
    /// The last word, for `matches /regex/` (a `/` elsewhere is an operator).
    last_word: &'a str,
    first: bool,
}

impl<'a> Tokens<'a> {
    fn new(text: &'a str) -> Tokens<'a> {
        Tokens {
            text,
            pos: 0,
            last_word: "",
            first: true,
        }
    }
}

impl<'a> Iterator for Tokens<'a> {
    type Item = (&'a str, bool);

    fn next(&mut self) -> Option<(&'a str, bool)> {
        let rest = &self.text[self.pos..];
        let trimmed = rest.trim_start_matches(syntax::lex::is_space);
        let spaced = trimmed.len() != rest.len() && !self.first;
        self.first = false;
        self.pos += rest.len() - trimmed.len();
        let start = self.pos;
        let bytes = trimmed.as_bytes();
        let first = *bytes.first()?;
        let quoted = |quote: u8| {
            let mut i = 1;
            while i < bytes.len() && bytes[i] != quote && bytes[i] != b'\n' {
                i += if bytes[i] == b'\\' { 2 } else { 1 };
            }
            (i + 1).min(bytes.len())
        };
        let len = match first {
            b'#' => trimmed.find('\n').unwrap_or(trimmed.len()),
            b'"' => quoted(b'"'),
            b'/' if self.last_word == "matches" => quoted(b'/'),
            b if b.is_ascii_alphanumeric() || b == b'_' => trimmed
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(trimmed.len()),
            b if b.is_ascii() => 1,
            // Any other character is a token of its own.
            _ => trimmed.chars().next().map_or(1, char::len_utf8),
        };
        // A `\` at the very end may step past it: keep to a character boundary.
        let mut end = (start + len).min(self.text.len());
        while !self.text.is_char_boundary(end) {
            end += 1;
        }
        let token = &self.text[start..end];
        self.pos = end;
        if first.is_ascii_alphabetic() {
            self.last_word = token;
        } else if !matches!(first, b'#') {
            self.last_word = "";
        }
        // A comment's trailing spaces are not part of it.
        let token = if first == b'#' {
            token.trim_end()
        } else {
            token
        };
        Some((token, spaced))
    }
}

/// Prints a parsed file (without syntax errors) in the canonical layout.
pub fn print(text: &str, file: &ast::File) -> String {
    print_with_cuts(text, file).0
}

fn print_with_cuts(text: &str, file: &ast::File) -> (String, Vec<(u32, u32)>) {
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
