//! A fast path for the most common shape of a flow's states: `state NAME { … }` made of
//! `menu`/`option`, `say` (without interpolation), `goto`, `end` and `handoff`.
//!
//! pest spends ~100,000 instructions on such a state; this hand-written reader a few
//! thousand. It builds exactly the tree the pest grammar would (same nodes, same spans) and
//! gives up — returning `None`, so the segment goes through pest — on anything else:
//! another statement, an interpolation, a comment in an odd place, any error. pest stays the
//! reference grammar and the only source of syntax errors; `tests::fast_path_matches_pest`
//! and the property test in `tests/robustness.rs` hold the two to the same trees.

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

const RESERVED: [&str; 9] = [
    "true", "false", "none", "and", "or", "not", "is", "in", "matches",
];

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
                ' ' | '\n' | '\t'..='\r' | '\u{FEFF}' | '\u{3000}' => self.pos += c.len_utf8(),
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

    /// A string without interpolation; escapes decoded like the grammar's `str_escape`.
    fn string(&mut self) -> Option<Str> {
        let start = self.pos;
        if !self.eat("\"") {
            return None;
        }
        let mut text = String::new();
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
                let decoded = match after.chars().next()? {
                    '"' => '"',
                    '\\' => '\\',
                    'n' => '\n',
                    't' => '\t',
                    '{' => '{',
                    '}' => '}',
                    _ => return None,
                };
                text.push(decoded);
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
            } else {
                // An interpolation or a raw newline: leave it to pest.
                return None;
            }
        }
        let parts = if text.is_empty() {
            vec![]
        } else {
            vec![StrPart::Text(text)]
        };
        Some(Str {
            parts,
            span: self.span(start),
        })
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
            name,
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
            StmtKind::Say(self.string()?)
        } else if self.keyword("end") {
            StmtKind::End
        } else if self.keyword("handoff") {
            self.skip();
            StmtKind::Handoff(self.handoff()?)
        } else if self.keyword("menu") {
            self.skip();
            StmtKind::Menu(self.menu()?)
        } else {
            return None;
        };
        Some(Stmt {
            kind,
            span: self.span(start),
        })
    }

    fn handoff(&mut self) -> Option<Handoff> {
        let queue = self.reference()?;
        let mut handoff = Handoff {
            queue,
            priority: None,
            reason: None,
        };
        loop {
            let before = self.pos;
            self.skip();
            if self.keyword("priority") {
                self.skip();
                let level_start = self.pos;
                let priority = if self.keyword("low") {
                    Priority::Low
                } else if self.keyword("normal") {
                    Priority::Normal
                } else if self.keyword("high") {
                    Priority::High
                } else {
                    return None;
                };
                handoff.priority = Some((priority, self.span(level_start)));
            } else if self.keyword("reason") {
                self.skip();
                handoff.reason = Some(self.string()?);
            } else {
                self.pos = before;
                return Some(handoff);
            }
        }
    }

    fn menu(&mut self) -> Option<Menu> {
        let prompt = self.string()?;
        self.skip();
        if !self.eat("{") {
            return None;
        }
        let mut menu = Menu {
            prompt,
            options: vec![],
            handlers: vec![],
            errors: vec![],
        };
        loop {
            self.skip();
            if self.eat("}") {
                return Some(menu);
            }
            menu.options.push(self.option()?);
        }
    }

    fn option(&mut self) -> Option<MenuOption> {
        let start = self.pos;
        if !self.keyword("option") {
            return None;
        }
        self.skip();
        let label = self.string()?;
        let mut keys = Vec::new();
        let mut intents = Vec::new();
        let mut phrases = Vec::new();
        loop {
            self.skip();
            if self.keyword("key") {
                self.skip();
                keys.push(self.key()?);
            } else if self.keyword("intent") {
                self.skip();
                intents.push(self.ident()?);
            } else if self.keyword("phrase") {
                self.skip();
                phrases.push(self.string()?);
            } else {
                break;
            }
        }
        let action = self.action()?;
        Some(MenuOption {
            label,
            keys,
            intents,
            phrases,
            action,
            span: self.span(start),
        })
    }

    fn key(&mut self) -> Option<Key> {
        let start = self.pos;
        if self.rest().starts_with('"') {
            let string = self.string()?;
            return Some(Key {
                keys: string.plain_text(),
                span: string.span,
            });
        }
        if self.eat("*") {
            return Some(Key {
                keys: "*".into(),
                span: self.span(start),
            });
        }
        let bytes = self.rest().as_bytes();
        let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 || bytes.get(digits).is_some_and(|b| is_ident_byte(*b)) {
            return None;
        }
        self.pos += digits;
        Some(Key {
            keys: self.text[start..self.pos].to_string(),
            span: self.span(start),
        })
    }

    /// An ACTION: a `{ }` block or one statement.
    fn action(&mut self) -> Option<Block> {
        let start = self.pos;
        if self.eat("{") {
            let statements = self.statements()?;
            return Some(Block {
                statements,
                span: self.span(start),
            });
        }
        // A statement keyword must follow; anything else (`on`, a typo) is pest's to report.
        if !["goto", "say", "end", "handoff", "menu"]
            .iter()
            .any(|k| self.peek_keyword(k))
        {
            return None;
        }
        let statement = self.statement()?;
        Some(Block {
            span: statement.span,
            statements: vec![statement],
        })
    }
}
