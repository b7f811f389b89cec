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

pub mod decls;

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

    /// After `play`: `"URL" or say`, then the text follows (the recording's URL returned).
    fn recording_after_play(&mut self) -> Option<Str> {
        let audio = self.string()?;
        self.skip();
        if !self.keyword("or") {
            return None;
        }
        self.skip();
        if !self.keyword("say") {
            return None;
        }
        self.skip();
        Some(audio)
    }

    /// An `ask`/`menu` prompt: `"text"` or `play "URL" or say "text"`.
    fn prompt(&mut self) -> Option<(Option<Str>, Str)> {
        let audio = if self.keyword("play") {
            self.skip();
            Some(self.recording_after_play()?)
        } else {
            None
        };
        Some((audio, self.string()?))
    }

    /// A `say`/`play`'s `language "…"`, if written (`Some(None)` when not); a second one is
    /// pest's (`None`: `duplicate-setting`).
    fn language(&mut self) -> Option<Option<Str>> {
        let before = self.pos;
        self.skip();
        if !self.keyword("language") {
            self.pos = before;
            return Some(None);
        }
        self.skip();
        let language = self.string()?;
        let after = self.pos;
        self.skip();
        if self.peek_keyword("language") {
            return None;
        }
        self.pos = after;
        Some(Some(language))
    }

    /// The settings after an `ask`/`menu` prompt: `language`, `timeout`, `max_digits`,
    /// `finish_key`, each at most once (a second one is pest's: `duplicate-setting`).
    fn settings(&mut self, language: &mut Option<Str>, timing: &mut InputTiming) -> Option<()> {
        loop {
            let before = self.pos;
            self.skip();
            if self.keyword("language") {
                self.skip();
                if language.is_some() {
                    return None;
                }
                *language = Some(self.string()?);
            } else if self.keyword("timeout") {
                self.skip();
                if timing.timeout.is_some() {
                    return None;
                }
                let start = self.pos;
                let digits = self.rest().bytes().take_while(u8::is_ascii_digit).count();
                if digits == 0 {
                    return None;
                }
                let unit = ["ms", "s", "m", "h"]
                    .into_iter()
                    .find(|u| self.rest()[digits..].starts_with(u))?;
                let end = digits + unit.len();
                if self
                    .rest()
                    .as_bytes()
                    .get(end)
                    .is_some_and(|b| is_ident_byte(*b))
                {
                    return None;
                }
                self.pos += end;
                let text = &self.text[start..self.pos];
                timing.timeout = Some(DurationLit {
                    millis: super::literal::duration_millis(text),
                    span: self.span(start),
                });
            } else if self.keyword("max_digits") {
                self.skip();
                if timing.max_digits.is_some() {
                    return None;
                }
                let start = self.pos;
                let n = self.count()?;
                timing.max_digits = Some((n, self.span(start)));
            } else if self.keyword("finish_key") {
                self.skip();
                if timing.finish_key.is_some() {
                    return None;
                }
                timing.finish_key = Some(self.string()?);
            } else {
                self.pos = before;
                return Some(());
            }
        }
    }

    /// After `ask`: `SLOT PROMPT SETTINGS { handlers }?`.
    fn ask(&mut self) -> Option<Ask> {
        let slot = self.reference()?;
        self.skip();
        let (audio, prompt) = self.prompt()?;
        let mut language = None;
        let mut timing = InputTiming::default();
        self.settings(&mut language, &mut timing)?;
        let mut handlers = Vec::new();
        let before = self.pos;
        self.skip();
        if self.eat("{") {
            loop {
                self.skip();
                if self.eat("}") {
                    break;
                }
                handlers.push(self.handler()?);
            }
        } else {
            self.pos = before;
        }
        Some(Ask {
            audio,
            language,
            timing,
            slot,
            prompt,
            handlers,
        })
    }

    /// `on KIND (retry N "message"? then)? ACTION`.
    fn handler(&mut self) -> Option<Handler> {
        let start = self.pos;
        if !self.keyword("on") {
            return None;
        }
        self.skip();
        let kind_start = self.pos;
        let kind = [
            ("no_match", HandlerKind::NoMatch),
            ("no_input", HandlerKind::NoInput),
            ("closed", HandlerKind::Closed),
            ("error", HandlerKind::Error),
        ]
        .into_iter()
        .find_map(|(word, kind)| self.keyword(word).then_some(kind))?;
        let kind_span = self.span(kind_start);
        self.skip();
        let retry_start = self.pos;
        let retry = if self.keyword("retry") {
            self.skip();
            let count = self.count()?;
            self.skip();
            let message = if self.rest().starts_with('"') {
                let message = self.string()?;
                self.skip();
                Some(message)
            } else {
                None
            };
            // `and prompt` (only after a message, as the grammar has it).
            let reprompt = if message.is_some() && self.peek_keyword("and") {
                let and = self.pos;
                self.pos += 3;
                self.skip();
                if !self.keyword("prompt") {
                    return None;
                }
                let span = self.span(and);
                self.skip();
                Some(span)
            } else {
                None
            };
            if !self.keyword("then") {
                return None;
            }
            let span = self.span(retry_start);
            self.skip();
            Some(Retry {
                reprompt,
                count,
                message,
                span,
            })
        } else {
            None
        };
        let action = self.action()?;
        Some(Handler {
            kind,
            kind_span,
            retry,
            action,
            span: self.span(start),
            broken: false,
        })
    }

    /// After `if`: the condition, its block, then any `else if` and `else`.
    fn if_chain(&mut self) -> Option<If> {
        let mut branches = Vec::new();
        let mut otherwise = None;
        loop {
            self.skip();
            let condition = self.expr()?;
            self.skip();
            let block = self.block()?;
            branches.push((condition, block));
            let before = self.pos;
            self.skip();
            if !self.keyword("else") {
                self.pos = before;
                break;
            }
            self.skip();
            if !self.keyword("if") {
                otherwise = Some(self.block()?);
                break;
            }
        }
        Some(If {
            branches,
            otherwise,
        })
    }

    /// `{ statements }`.
    fn block(&mut self) -> Option<Block> {
        let start = self.pos;
        if !self.eat("{") {
            return None;
        }
        let statements = self.statements()?;
        Some(Block {
            statements,
            span: self.span(start),
        })
    }

    /// After `call`: `SERVICE.OP(name: expr, …) (into NAME)?`.
    fn call(&mut self) -> Option<Call> {
        let service = self.ident()?;
        self.skip();
        if !self.eat(".") {
            return None;
        }
        self.skip();
        let operation = self.ident()?;
        self.skip();
        if !self.eat("(") {
            return None;
        }
        let mut args = Vec::new();
        loop {
            self.skip();
            if self.eat(")") {
                break;
            }
            if !args.is_empty() {
                if !self.eat(",") {
                    return None;
                }
                self.skip();
                if self.eat(")") {
                    break;
                }
            }
            let name = self.ident()?;
            self.skip();
            if !self.eat(":") {
                return None;
            }
            self.skip();
            args.push((name, self.expr()?));
        }
        let before = self.pos;
        self.skip();
        let into = if self.keyword("into") {
            self.skip();
            Some(self.ident()?)
        } else {
            self.pos = before;
            None
        };
        // `{ on error ACTION }`; any other handler is an error pest reports.
        let mut handlers = Vec::new();
        let before = self.pos;
        self.skip();
        if self.eat("{") {
            loop {
                self.skip();
                if self.eat("}") {
                    break;
                }
                let handler = self.handler()?;
                if handler.kind != HandlerKind::Error {
                    return None;
                }
                handlers.push(handler);
            }
        } else {
            self.pos = before;
        }
        Some(Call {
            service,
            operation,
            args,
            into,
            handlers,
        })
    }

    /// After `answer`: `from KB "topic"? (else ACTION)?`.
    fn answer(&mut self) -> Option<Answer> {
        if !self.keyword("from") {
            return None;
        }
        self.skip();
        let knowledge = self.ident()?;
        let mut answer = Answer {
            knowledge,
            topic: None,
            otherwise: None,
        };
        let before = self.pos;
        self.skip();
        if self.rest().starts_with('"') {
            answer.topic = Some(self.string()?);
        } else {
            self.pos = before;
        }
        let before = self.pos;
        self.skip();
        if self.keyword("else") {
            self.skip();
            answer.otherwise = Some(self.action()?);
        } else {
            self.pos = before;
        }
        Some(answer)
    }

    /// `expr`: `or` of `and` of `not`* of a comparison, lowered like `lower::expr`.
    fn expr(&mut self) -> Option<Expr> {
        self.chain("or", BinaryOp::Or, |p| {
            p.chain("and", BinaryOp::And, Reader::negation)
        })
    }

    /// `operand (WORD operand)*`, left-associative, as `or_expr`/`and_expr` build it.
    fn chain(
        &mut self,
        word: &str,
        op: BinaryOp,
        operand: fn(&mut Self) -> Option<Expr>,
    ) -> Option<Expr> {
        let mut left = operand(self)?;
        let mut operands = 1;
        loop {
            let before = self.pos;
            self.skip();
            if !self.keyword(word) {
                self.pos = before;
                return Some(left);
            }
            operands += 1;
            if operands > MAX_CHAIN {
                return None; // pest's path reports the chain as too long
            }
            self.skip();
            let right = operand(self)?;
            let span = left.span.to(right.span);
            left = Expr {
                kind: ExprKind::Binary(op, Box::new(left), Box::new(right)),
                span,
            };
        }
    }

    /// `not`* then a comparison.
    fn negation(&mut self) -> Option<Expr> {
        let start = self.pos;
        let mut nots = Vec::new();
        while self.peek_keyword("not") {
            nots.push(self.pos as u32);
            self.keyword("not");
            self.skip();
        }
        let operand = self.comparison()?;
        Some(super::lower::negated(operand, &nots, self.span(start)))
    }

    /// `sum (cmp_op sum | is not? set)?`; `in`/`not in`/`matches` are pest's.
    fn comparison(&mut self) -> Option<Expr> {
        let start = self.pos;
        let left = self.sum()?;
        let before = self.pos;
        self.skip();
        let op = [
            ("==", BinaryOp::Eq),
            ("!=", BinaryOp::Ne),
            ("<=", BinaryOp::Le),
            (">=", BinaryOp::Ge),
            ("<", BinaryOp::Lt),
            (">", BinaryOp::Gt),
        ]
        .into_iter()
        .find_map(|(text, op)| self.eat(text).then_some(op));
        if let Some(op) = op {
            self.skip();
            let right = self.sum()?;
            return Some(Expr {
                kind: ExprKind::Binary(op, Box::new(left), Box::new(right)),
                span: self.span(start),
            });
        }
        if self.keyword("is") {
            self.skip();
            let negated = self.keyword("not");
            if negated {
                self.skip();
            }
            if !self.keyword("set") {
                return None;
            }
            return Some(Expr {
                kind: ExprKind::IsSet {
                    value: Box::new(left),
                    negated,
                },
                span: self.span(start),
            });
        }
        if ["in", "not", "matches"]
            .iter()
            .any(|k| self.peek_keyword(k))
        {
            return None;
        }
        self.pos = before;
        Some(left)
    }

    /// `product ((+|-) product)*`, left-associative like `lower`'s `sum`.
    fn sum(&mut self) -> Option<Expr> {
        self.arithmetic(
            &[("+", BinaryOp::Add), ("-", BinaryOp::Sub)],
            Reader::product,
        )
    }

    /// `postfix ((*|/) postfix)*`.
    fn product(&mut self) -> Option<Expr> {
        self.arithmetic(
            &[("*", BinaryOp::Mul), ("/", BinaryOp::Div)],
            Reader::postfix,
        )
    }

    fn arithmetic(
        &mut self,
        ops: &[(&str, BinaryOp)],
        operand: fn(&mut Self) -> Option<Expr>,
    ) -> Option<Expr> {
        let mut left = operand(self)?;
        let mut parts = 1;
        loop {
            let before = self.pos;
            self.skip();
            let Some(op) = ops
                .iter()
                .find_map(|(text, op)| self.eat(text).then_some(*op))
            else {
                self.pos = before;
                return Some(left);
            };
            parts += 1;
            if parts > MAX_CHAIN {
                return None; // pest's path reports the chain as too long
            }
            self.skip();
            let right = operand(self)?;
            let span = left.span.to(right.span);
            left = Expr {
                kind: ExprKind::Binary(op, Box::new(left), Box::new(right)),
                span,
            };
        }
    }

    /// A name, plain literal or string, then `.field`s.
    fn postfix(&mut self) -> Option<Expr> {
        let mut value = self.primary()?;
        let mut fields = 0;
        loop {
            let before = self.pos;
            self.skip();
            if !self.eat(".") {
                self.pos = before;
                return Some(value);
            }
            fields += 1;
            if fields >= MAX_CHAIN {
                return None; // pest's path reports the chain as too long
            }
            self.skip();
            let field = self.ident()?;
            let span = value.span.to(field.span);
            value = Expr {
                kind: ExprKind::Field(Box::new(value), field),
                span,
            };
        }
    }

    fn primary(&mut self) -> Option<Expr> {
        let start = self.pos;
        let first = *self.rest().as_bytes().first()?;
        let kind = if first == b'"' {
            ExprKind::String(self.string()?)
        } else if first.is_ascii_digit() || first == b'-' {
            // Numbers only: dates, times and durations are pest's.
            let bytes = self.rest().as_bytes();
            let sign = usize::from(first == b'-');
            let whole = bytes[sign..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
            let mut len = sign + whole;
            if whole == 0 {
                return None;
            }
            if bytes.get(len) == Some(&b'.') {
                let fraction = bytes[len + 1..]
                    .iter()
                    .take_while(|b| b.is_ascii_digit())
                    .count();
                if fraction == 0 {
                    return None;
                }
                len += 1 + fraction;
            }
            if bytes
                .get(len)
                .is_some_and(|b| is_ident_byte(*b) || matches!(b, b'.' | b'-' | b':'))
            {
                return None;
            }
            let number = self.rest()[..len].parse().ok()?;
            self.pos += len;
            ExprKind::Number(number)
        } else if self.keyword("true") {
            ExprKind::Bool(true)
        } else if self.keyword("false") {
            ExprKind::Bool(false)
        } else if self.keyword("none") {
            ExprKind::None
        } else {
            if self.peek_keyword("intent") || self.peek_keyword("open") {
                return None;
            }
            ExprKind::Name(self.ident()?)
        };
        Some(Expr {
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
                if handoff.priority.is_some() {
                    return None; // `duplicate-setting` is pest's (the lowering reports it)
                }
                handoff.priority = Some((priority, self.span(level_start)));
            } else if self.keyword("reason") {
                self.skip();
                if handoff.reason.is_some() {
                    return None;
                }
                handoff.reason = Some(self.string()?);
            } else {
                self.pos = before;
                return Some(handoff);
            }
        }
    }

    fn menu(&mut self) -> Option<Menu> {
        let (audio, prompt) = self.prompt()?;
        let mut language = None;
        let mut timing = InputTiming::default();
        self.settings(&mut language, &mut timing)?;
        self.skip();
        if !self.eat("{") {
            return None;
        }
        let mut menu = Menu {
            audio,
            language,
            timing,
            prompt,
            options: vec![],
            dynamic: None,
            handlers: vec![],
            errors: vec![],
        };
        loop {
            self.skip();
            if self.eat("}") {
                menu.options.shrink_to_fit();
                return Some(menu);
            }
            if self.peek_keyword("on") {
                menu.handlers.push(self.handler()?);
            } else if self.peek_keyword("options") {
                return None; // `options from` is pest's
            } else {
                menu.options.push(self.option()?);
            }
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
                // Nearly every option has one key: room for exactly one, not the four a
                // first push makes (31 MB of the 100,000-state tree's 256,249 options).
                if keys.is_empty() {
                    keys.reserve_exact(1);
                }
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
            broken: false,
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
        if !STATEMENTS.iter().any(|(k, _)| self.peek_keyword(k)) {
            return None;
        }
        let statement = self.statement()?;
        Some(Block {
            span: statement.span,
            statements: vec![statement],
        })
    }
}
