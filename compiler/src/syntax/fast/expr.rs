//! The fast path's expressions, lowered as `lower::expr` lowers pest's.

use super::*;

impl Reader<'_> {
    /// `expr`: `or` of `and` of `not`* of a comparison, lowered like `lower::expr`.
    pub(super) fn expr(&mut self) -> Option<Expr> {
        self.chain("or", BinaryOp::Or, |p| {
            p.chain("and", BinaryOp::And, Reader::negation)
        })
    }

    /// `operand (WORD operand)*`, left-associative, as `or_expr`/`and_expr` build it.
    pub(super) fn chain(
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
    pub(super) fn negation(&mut self) -> Option<Expr> {
        let start = self.pos;
        let mut nots = Vec::new();
        while self.peek_keyword("not") {
            nots.push(self.pos as u32);
            self.keyword("not");
            self.skip();
        }
        let operand = self.comparison()?;
        Some(crate::syntax::lower::negated(
            operand,
            &nots,
            self.span(start),
        ))
    }

    /// `sum (cmp_op sum | is not? set)?`; `in`/`not in`/`matches` are pest's.
    pub(super) fn comparison(&mut self) -> Option<Expr> {
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
    pub(super) fn sum(&mut self) -> Option<Expr> {
        self.arithmetic(
            &[("+", BinaryOp::Add), ("-", BinaryOp::Sub)],
            Reader::product,
        )
    }

    /// `postfix ((*|/) postfix)*`.
    pub(super) fn product(&mut self) -> Option<Expr> {
        self.arithmetic(
            &[("*", BinaryOp::Mul), ("/", BinaryOp::Div)],
            Reader::postfix,
        )
    }

    pub(super) fn arithmetic(
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
    pub(super) fn postfix(&mut self) -> Option<Expr> {
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

    pub(super) fn primary(&mut self) -> Option<Expr> {
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
}
