//! The fast path for the plainest top-level declarations, of which generated projects hold
//! millions: a queue (`queue NAME { }` or `queue NAME { hours NAME }`) and an intent with
//! its examples (`intent NAME { "…" "…" }`), the name on the keyword's line. pest spends a
//! few µs on each; this reader a small fraction of that.
//!
//! As for states ([`super::state_segment`]), pest stays the reference grammar and the only
//! source of syntax errors: anything else — `skills`, a second `hours`, a name on the next
//! line, a string pest would reject, any error — returns `None` and goes through pest.
//! `tests::fast_declarations_match_pest` holds the two to the same trees.

use super::Reader;
use crate::ast::{Intent, Item, Queue};
use crate::source::FileId;

/// Parses a declaration chunk (`start..end`, from `chunk.rs`) that is a plain queue or
/// intent.
pub fn declaration(file: FileId, text: &str, start: usize, end: usize) -> Option<Item> {
    let head = text
        .get(start..end)?
        .trim_start_matches(super::super::lex::is_space);
    if head.starts_with("queue") {
        queue(file, text, start, end).map(Item::Queue)
    } else if head.starts_with("intent") {
        intent(file, text, start, end).map(Item::Intent)
    } else {
        None
    }
}

/// An intent and its examples, each a string the fast reader accepts.
pub fn intent(file: FileId, text: &str, start: usize, end: usize) -> Option<Intent> {
    let (mut p, begin, name) = Reader::opening(file, text, start, end, "intent")?;
    let mut examples = Vec::new();
    loop {
        p.skip();
        if p.eat("}") {
            break;
        }
        examples.push(p.string()?);
    }
    let span = p.span(begin);
    p.skip();
    examples.shrink_to_fit();
    (p.pos == end).then_some(Intent {
        name: Some(name),
        examples,
        span,
    })
}

/// A plain queue.
pub fn queue(file: FileId, text: &str, start: usize, end: usize) -> Option<Queue> {
    let (mut p, begin, name) = Reader::opening(file, text, start, end, "queue")?;
    p.skip();
    let mut hours = None;
    if p.keyword("hours") {
        if !p.blanks() {
            return None;
        }
        hours = Some(p.ident()?);
        p.skip();
    }
    if !p.eat("}") {
        return None;
    }
    let span = p.span(begin);
    p.skip();
    (p.pos == end).then_some(Queue {
        name: Some(name),
        hours,
        skills: Vec::new(),
        span,
    })
}

impl<'a> Reader<'a> {
    /// `KEYWORD NAME {` at the start of a declaration chunk, the name on the keyword's line:
    /// the reader after the `{`, where the declaration begins, and its name.
    fn opening(
        file: FileId,
        text: &'a str,
        start: usize,
        end: usize,
        keyword: &str,
    ) -> Option<(Reader<'a>, usize, crate::ast::Ident)> {
        let mut p = Reader {
            text: text.get(..end)?,
            pos: start,
            file,
        };
        p.skip();
        let begin = p.pos;
        if !p.keyword(keyword) || !p.blanks() {
            return None;
        }
        let name = p.ident()?;
        p.skip();
        p.eat("{").then_some((p, begin, name))
    }

    /// Spaces and tabs, at least one: what keeps a declaration's name on its keyword's line
    /// (the grammar's `name_on_line`) without reading what follows a line break.
    fn blanks(&mut self) -> bool {
        let count = self
            .rest()
            .bytes()
            .take_while(|b| matches!(b, b' ' | b'\t'))
            .count();
        self.pos += count;
        count > 0
    }
}
