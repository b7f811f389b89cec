//! Expressions and literals: the `or`/`and`/`not` chains, comparisons, paths, strings (each
//! part with its span), regexes.

use super::*;

impl Lower<'_> {
    pub(super) fn expr(&mut self, pair: P) -> Expr {
        let span = self.span(&pair);
        match pair.as_rule() {
            Rule::expr => match pair.into_inner().next() {
                Some(inner) => self.expr(inner),
                None => error_expr(span),
            },
            Rule::or_expr | Rule::and_expr => {
                let op = if pair.as_rule() == Rule::or_expr {
                    BinaryOp::Or
                } else {
                    BinaryOp::And
                };
                // Collect no more than one past the limit: 3,000,000 `and`s cost as much as 257.
                let operands: Vec<P> = pair
                    .into_inner()
                    .filter(|p| !matches!(p.as_rule(), Rule::k_or | Rule::k_and))
                    .take(MAX_CHAIN + 1)
                    .collect();
                if operands.len() > MAX_CHAIN {
                    self.too_long(span, "`and`/`or` parts");
                    return error_expr(span);
                }
                let mut operands = operands.into_iter();
                let Some(first) = operands.next() else {
                    return error_expr(span);
                };
                self.chain(first, operands.map(|operand| (op, operand)))
            }
            Rule::not_expr => {
                let mut nots = Vec::new();
                let mut operand = None;
                for part in pair.into_inner() {
                    match part.as_rule() {
                        Rule::k_not => nots.push(self.raw_span(&part).start),
                        _ => operand = Some(part),
                    }
                }
                let Some(operand) = operand else {
                    return error_expr(span);
                };
                let operand = self.expr(operand);
                negated(operand, &nots, span)
            }
            Rule::cmp_expr => {
                let mut inner = pair.into_inner();
                let Some(first) = inner.next() else {
                    return error_expr(span);
                };
                let left = self.expr(first);
                let Some(tail) = inner.next() else {
                    return left;
                };
                match tail.as_rule() {
                    Rule::cmp_op => {
                        let op = match tail.as_str() {
                            "==" => BinaryOp::Eq,
                            "!=" => BinaryOp::Ne,
                            "<" => BinaryOp::Lt,
                            "<=" => BinaryOp::Le,
                            ">" => BinaryOp::Gt,
                            _ => BinaryOp::Ge,
                        };
                        let Some(right) = inner.next() else {
                            return left;
                        };
                        let right = self.expr(right);
                        Expr {
                            kind: ExprKind::Binary(op, Box::new(left), Box::new(right)),
                            span,
                        }
                    }
                    Rule::is_set => {
                        let negated = tail.into_inner().any(|p| p.as_rule() == Rule::k_not);
                        Expr {
                            kind: ExprKind::IsSet {
                                value: Box::new(left),
                                negated,
                            },
                            span,
                        }
                    }
                    Rule::in_list => {
                        let mut negated = false;
                        let mut list = None;
                        for p in tail.into_inner() {
                            match p.as_rule() {
                                Rule::k_not => negated = true,
                                Rule::postfix => list = Some(self.expr(p)),
                                _ => {}
                            }
                        }
                        let list = list.unwrap_or_else(|| error_expr(span));
                        Expr {
                            kind: ExprKind::In {
                                value: Box::new(left),
                                list: Box::new(list),
                                negated,
                            },
                            span,
                        }
                    }
                    Rule::matches_re => {
                        let regex = tail.into_inner().nth(1).map(|r| self.regex(r));
                        match regex {
                            Some(regex) => Expr {
                                kind: ExprKind::Matches(Box::new(left), regex),
                                span,
                            },
                            None => left,
                        }
                    }
                    _ => left,
                }
            }
            Rule::sum | Rule::product => {
                let mut inner = pair.into_inner();
                let Some(first) = inner.next() else {
                    return error_expr(span);
                };
                let mut rest = Vec::new();
                while let (Some(op), Some(operand)) = (inner.next(), inner.next()) {
                    // The first operand and this one make the chain longer than the limit.
                    if rest.len() + 2 > MAX_CHAIN {
                        self.too_long(span, "`+ - * /` parts");
                        return error_expr(span);
                    }
                    let op = match op.as_str() {
                        "+" => BinaryOp::Add,
                        "-" => BinaryOp::Sub,
                        "*" => BinaryOp::Mul,
                        _ => BinaryOp::Div,
                    };
                    rest.push((op, operand));
                }
                self.chain(first, rest)
            }
            Rule::postfix => {
                if pair.clone().into_inner().nth(MAX_CHAIN).is_some() {
                    self.too_long(span, "`.field` accesses");
                    return error_expr(span);
                }
                let mut inner = pair.into_inner();
                let Some(first) = inner.next() else {
                    return error_expr(span);
                };
                let mut value = self.expr(first);
                for field in inner {
                    let field = self.ident(field);
                    let span = value.span.to(field.span);
                    value = Expr {
                        kind: ExprKind::Field(Box::new(value), field),
                        span,
                    };
                }
                value
            }
            Rule::paren => match pair.into_inner().next() {
                Some(inner) => Expr {
                    kind: ExprKind::Paren(Box::new(self.expr(inner))),
                    span,
                },
                None => error_expr(span),
            },
            Rule::list | Rule::mock_list => {
                let items = pair.into_inner().map(|p| self.expr(p)).collect();
                Expr {
                    kind: ExprKind::List(items),
                    span,
                }
            }
            Rule::record => {
                let fields = pair
                    .into_inner()
                    .filter_map(|f| {
                        let mut inner = f.into_inner();
                        let name = inner.next()?;
                        let value = inner.next()?;
                        Some((self.ident(name), self.expr(value)))
                    })
                    .collect();
                Expr {
                    kind: ExprKind::Record(fields),
                    span,
                }
            }
            Rule::literal => match pair.into_inner().next() {
                Some(lit) => self.literal(lit),
                None => error_expr(span),
            },
            Rule::intent_expr => match pair.into_inner().nth(1) {
                Some(name) => Expr {
                    kind: ExprKind::Intent(self.ident(name)),
                    span,
                },
                None => error_expr(span),
            },
            Rule::open_expr => match pair.into_inner().nth(1) {
                Some(name) => Expr {
                    kind: ExprKind::Open(self.ident(name)),
                    span,
                },
                None => error_expr(span),
            },
            Rule::name_ref => Expr {
                kind: ExprKind::Name(self.ident(pair)),
                span,
            },
            _ => self.literal(pair),
        }
    }

    /// `first op operand op operand …`, left-associative (`a - b - c` is `(a - b) - c`):
    /// each node spans its two operands.
    fn chain<'i>(
        &mut self,
        first: P<'i>,
        rest: impl IntoIterator<Item = (BinaryOp, P<'i>)>,
    ) -> Expr {
        let mut left = self.expr(first);
        for (op, operand) in rest {
            let right = self.expr(operand);
            let span = left.span.to(right.span);
            left = Expr {
                kind: ExprKind::Binary(op, Box::new(left), Box::new(right)),
                span,
            };
        }
        left
    }

    pub(super) fn literal(&mut self, pair: P) -> Expr {
        let span = self.span(&pair);
        let kind = match pair.as_rule() {
            Rule::string => ExprKind::String(self.string(pair)),
            Rule::date => ExprKind::Date(date(pair.as_str())),
            Rule::time => ExprKind::Time(time(pair.as_str())),
            Rule::duration => ExprKind::Duration(duration_millis(pair.as_str())),
            Rule::number => ExprKind::Number(pair.as_str().parse().unwrap_or(f64::NAN)),
            Rule::k_true => ExprKind::Bool(true),
            Rule::k_false => ExprKind::Bool(false),
            _ => ExprKind::None,
        };
        Expr { kind, span }
    }

    pub(super) fn string(&mut self, pair: P) -> Str {
        let span = self.span(&pair);
        let mut parts: Vec<StrPart> = vec![];
        // Runs of text, escapes and doubled braces are one part spanning their source.
        let push_text = |parts: &mut Vec<StrPart>, text: &str, at: Span| match parts.last_mut() {
            Some(StrPart::Text(last, last_span)) => {
                last.push_str(text);
                last_span.end = at.end;
            }
            _ => parts.push(StrPart::Text(text.to_string(), at)),
        };
        for part in pair.into_inner() {
            let at = self.raw_span(&part);
            match part.as_rule() {
                Rule::str_text => push_text(&mut parts, part.as_str(), at),
                Rule::str_escape => push_text(
                    &mut parts,
                    crate::syntax::literal::unescape(part.as_str()),
                    at,
                ),
                Rule::lbrace_lit => push_text(&mut parts, "{", at),
                Rule::rbrace_lit => push_text(&mut parts, "}", at),
                Rule::interp => {
                    if let Some(e) = part.into_inner().next() {
                        let e = self.expr(e);
                        parts.push(StrPart::Interpolation(Box::new(e)));
                    }
                }
                _ => {}
            }
        }
        // Exact size: pushing one part reserves four, and a project holds millions of strings.
        parts.shrink_to_fit();
        Str { parts, span }
    }

    pub(super) fn string_list(&mut self, pair: P) -> Vec<Str> {
        pair.into_inner()
            .filter(|p| p.as_rule() == Rule::string)
            .map(|p| self.string(p))
            .collect()
    }

    pub(super) fn regex(&mut self, pair: P) -> RegexLit {
        let span = self.span(&pair);
        let body = pair.into_inner().next().map(|p| p.as_str()).unwrap_or("");
        RegexLit {
            pattern: body.replace("\\/", "/"),
            span,
        }
    }
}
