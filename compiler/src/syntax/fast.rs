//! A fast path for the common shapes of a flow's states: `state NAME { … }` made of any
//! statement (`say` with its `language`, `play … or say …`, `ask` and `menu` with a text or
//! recorded prompt, their voice settings and handlers — retries with `and prompt` too —
//! options, `goto`, `end`, `handoff`, `transfer`, `if`/`else`, `set`, `call`, `answer`),
//! with strings that interpolate and conditions built from names, fields, plain literals,
//! comparisons, `is [not] set`, `not`, `and` and `or`.
//!
//! pest spends ~100,000 instructions on such a state; this hand-written reader a few
//! thousand. It builds exactly the tree the pest grammar would (same nodes, same spans) and
//! gives up — returning `None`, so the segment goes through pest — on anything else:
//! `intent`/`open`/`in`/`matches`/lists/parentheses/dates in an expression, a comment or a
//! line break inside an interpolation, `options from`, a call's `{ on error }` block, a
//! setting written twice (pest's lowering reports `duplicate-setting`), any error. pest
//! stays the reference grammar and the only source of syntax errors;
//! `tests::fast_path_matches_pest` and the property test in `tests/robustness.rs` hold the
//! two to the same trees.

mod control;
pub mod decls;
mod expr;
mod inputs;

use super::keywords::{RESERVED, STATEMENTS};
use super::lower::MAX_CHAIN;
use crate::ast::*;
use crate::source::{FileId, Span};

/// Parses a flow segment that is one state, optionally followed by the flow's closing `}`.
/// Returns the state and whether the `}` was there.
pub fn state_segment(file: FileId, text: &str, start: usize, end: usize) -> Option<(State, bool)> {
    let mut p = Reader {
        text: text.get(..end)?,
        pos: start,
        file,
    };
    p.skip();
    let state = p.state()?;
    p.skip();
    let closed = p.eat("}");
    p.skip();
    (p.pos == end).then_some((state, closed))
}

struct Reader<'a> {
    text: &'a str,
    pos: usize,
    file: FileId,
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

impl Reader<'_> {
    fn span(&self, start: usize) -> Span {
        Span::new(self.file, start, self.pos)
    }

    fn rest(&self) -> &str {
        &self.text[self.pos..]
    }

    /// The grammar's implicit WHITESPACE and COMMENT.
    fn skip(&mut self) {
        loop {
            let rest = self.rest();
            let Some(c) = rest.chars().next() else { return };
            match c {
                c if super::lex::is_space(c) => self.pos += c.len_utf8(),
                '#' => self.pos += rest.find('\n').unwrap_or(rest.len()),
                _ => return,
            }
        }
    }

    fn eat(&mut self, literal: &str) -> bool {
        if self.rest().starts_with(literal) {
            self.pos += literal.len();
            true
        } else {
            false
        }
    }

    /// A keyword: the word, not followed by an identifier character.
    fn keyword(&mut self, word: &str) -> bool {
        let found = self.peek_keyword(word);
        if found {
            self.pos += word.len();
        }
        found
    }

    /// A count (`max_digits 11`, `retry 2`): digits not followed by an identifier character;
    /// too big a number saturates, for the checks to report.
    fn count(&mut self) -> Option<u32> {
        let digits = self.rest().bytes().take_while(u8::is_ascii_digit).count();
        let rest = self.rest().as_bytes();
        if digits == 0 || rest.get(digits).is_some_and(|b| is_ident_byte(*b)) {
            return None;
        }
        let n = self.rest()[..digits].parse().unwrap_or(u32::MAX);
        self.pos += digits;
        Some(n)
    }

    fn peek_keyword(&self, word: &str) -> bool {
        let rest = self.rest().as_bytes();
        rest.starts_with(word.as_bytes())
            && !rest.get(word.len()).is_some_and(|b| is_ident_byte(*b))
    }

    fn ident(&mut self) -> Option<Ident> {
        let bytes = self.rest().as_bytes();
        let first = *bytes.first()?;
        if !(first.is_ascii_alphabetic() || first == b'_') {
            return None;
        }
        let len = bytes.iter().take_while(|b| is_ident_byte(**b)).count();
        let start = self.pos;
        let name = &self.text[start..start + len];
        if RESERVED.contains(&name) {
            return None;
        }
        self.pos += len;
        Some(Ident {
            name: name.to_string(),
            span: self.span(start),
        })
    }

    /// `state_ref`, `queue_ref`: a name that is not a statement keyword opening a string on
    /// the next token (the grammar's `says_next`).
    fn reference(&mut self) -> Option<Ident> {
        for word in ["say", "menu", "option"] {
            if let Some(after) = self.rest().strip_prefix(word) {
                let trimmed = after.trim_start_matches([' ', '\t', '\r', '\n']);
                if trimmed.len() < after.len() && trimmed.starts_with('"') {
                    return None;
                }
            }
        }
        self.ident()
    }

    /// A string; escapes decoded like the grammar's `str_escape`, texts merged like
    /// `lower::string` does, `{expr}` interpolations read by [`Reader::interpolation`].
    fn string(&mut self) -> Option<Str> {
        let start = self.pos;
        if !self.eat("\"") {
            return None;
        }
        let mut parts = Vec::new();
        let mut text = String::new();
        // Where the current run of text (escapes and doubled braces included) began.
        let mut run = self.pos;
        loop {
            let rest = self.rest();
            let stop = rest.find(['"', '\\', '{', '}', '\n'])?;
            text.push_str(&rest[..stop]);
            self.pos += stop;
            let rest = self.rest();
            if rest.starts_with('"') {
                self.pos += 1;
                break;
            } else if let Some(after) = rest.strip_prefix('\\') {
                text.push(super::literal::unescape_char(after.chars().next()?)?);
                self.pos += 2;
            } else if rest.starts_with("{{") {
                text.push('{');
                self.pos += 2;
            } else if rest.starts_with("}}") {
                text.push('}');
                self.pos += 2;
            } else if rest.starts_with('}') {
                text.push('}');
                self.pos += 1;
            } else if rest.starts_with('{') {
                if !text.is_empty() {
                    let span = Span::new(self.file, run, self.pos);
                    parts.push(StrPart::Text(std::mem::take(&mut text), span));
                }
                parts.push(StrPart::Interpolation(Box::new(self.interpolation()?)));
                run = self.pos;
            } else {
                // A raw newline: leave it to pest.
                return None;
            }
        }
        // The closing quote is not part of the text.
        let text_span = Span::new(self.file, run, self.pos - 1);
        // Exact-size part lists: a project holds millions of strings.
        if parts.is_empty() {
            if !text.is_empty() {
                parts = vec![StrPart::Text(text, text_span)];
            }
        } else {
            if !text.is_empty() {
                parts.push(StrPart::Text(text, text_span));
            }
            parts.shrink_to_fit();
        }
        Some(Str {
            parts,
            span: self.span(start),
        })
    }

    /// `{expr}` inside a string. Only blanks may surround the expression, and it may not
    /// hold a string of its own: anything else (line breaks, comments) is pest's.
    fn interpolation(&mut self) -> Option<Expr> {
        self.pos += 1; // `{`
        let inside = &self.rest()[..self.rest().find('}')?];
        if inside.contains(['\n', '#', '"', '{']) {
            return None;
        }
        self.skip();
        let expr = self.expr()?;
        self.skip();
        self.eat("}").then_some(expr)
    }

    fn state(&mut self) -> Option<State> {
        let start = self.pos;
        if !self.keyword("state") {
            return None;
        }
        self.skip();
        let name = self.ident()?;
        let body_start = name.span.end;
        self.skip();
        if !self.eat("{") {
            return None;
        }
        let statements = self.statements()?;
        let span = self.span(start);
        Some(State {
            name: Some(name),
            body: Block {
                statements,
                span: Span {
                    start: body_start,
                    ..span
                },
            },
            span,
        })
    }

    /// Statements up to and including the closing `}`.
    fn statements(&mut self) -> Option<Vec<Stmt>> {
        let mut statements = Vec::new();
        loop {
            self.skip();
            if self.eat("}") {
                statements.shrink_to_fit();
                return Some(statements);
            }
            statements.push(self.statement()?);
        }
    }

    fn statement(&mut self) -> Option<Stmt> {
        let start = self.pos;
        let kind = if self.keyword("goto") {
            self.skip();
            StmtKind::Goto(self.reference()?)
        } else if self.keyword("say") {
            self.skip();
            let text = self.string()?;
            match self.language()? {
                None => StmtKind::Say(text),
                language => StmtKind::Speak(Box::new(Speak {
                    audio: None,
                    text,
                    language,
                })),
            }
        } else if self.keyword("play") {
            self.skip();
            let audio = self.recording_after_play()?;
            let text = self.string()?;
            let language = self.language()?;
            StmtKind::Speak(Box::new(Speak {
                audio: Some(audio),
                text,
                language,
            }))
        } else if self.keyword("transfer") {
            self.skip();
            let to = self.string()?;
            let before = self.pos;
            self.skip();
            let reason = if self.keyword("reason") {
                self.skip();
                let reason = self.string()?;
                let after = self.pos;
                self.skip();
                if self.peek_keyword("reason") {
                    return None; // `duplicate-setting` is pest's (the lowering reports it)
                }
                self.pos = after;
                Some(reason)
            } else {
                self.pos = before;
                None
            };
            StmtKind::Transfer(Box::new(Transfer { to, reason }))
        } else if self.keyword("end") {
            StmtKind::End
        } else if self.keyword("handoff") {
            self.skip();
            StmtKind::Handoff(Box::new(self.handoff()?))
        } else if self.keyword("menu") {
            self.skip();
            StmtKind::Menu(Box::new(self.menu()?))
        } else if self.keyword("ask") {
            self.skip();
            StmtKind::Ask(Box::new(self.ask()?))
        } else if self.keyword("if") {
            StmtKind::If(Box::new(self.if_chain()?))
        } else if self.keyword("set") {
            self.skip();
            let slot = self.reference()?;
            self.skip();
            if !self.eat("=") {
                return None;
            }
            self.skip();
            let value = Box::new(self.expr()?);
            StmtKind::Set { slot, value }
        } else if self.keyword("call") {
            self.skip();
            StmtKind::Call(Box::new(self.call()?))
        } else if self.keyword("answer") {
            self.skip();
            StmtKind::Answer(Box::new(self.answer()?))
        } else {
            return None;
        };
        Some(Stmt {
            kind,
            span: self.span(start),
        })
    }
}
