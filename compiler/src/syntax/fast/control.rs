//! The fast path's blocks that choose: `if`/`else`, `call` and `answer`.

use super::*;

impl Reader<'_> {
    /// After `if`: the condition, its block, then any `else if` and `else`.
    pub(super) fn if_chain(&mut self) -> Option<If> {
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
    pub(super) fn block(&mut self) -> Option<Block> {
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
    pub(super) fn call(&mut self) -> Option<Call> {
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
    pub(super) fn answer(&mut self) -> Option<Answer> {
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
}
