//! Declarations: `import`, `hours`, `queue`, `intent`, `service` (operations, fields and
//! types) and `knowledge` (entries).

use super::*;

impl Lower<'_> {
    pub(super) fn import(&mut self, pair: P) -> Import {
        let span = self.span(&pair);
        let path = pair
            .into_inner()
            .find(|p| p.as_rule() == Rule::string)
            .map(|p| self.string(p))
            .unwrap_or_else(|| Str {
                parts: vec![],
                span,
            });
        Import { path, span }
    }

    pub(super) fn hours(&mut self, pair: P) -> Hours {
        let span = self.span(&pair);
        let mut name = None;
        let mut hours = Hours {
            name: None,
            timezone: None,
            weekly: vec![],
            closed: vec![],
            span,
        };
        let mut run = BadRun::default();
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::decl_name => name = Some(self.ident(part)),
                Rule::timezone_line => {
                    hours.timezone = part.into_inner().nth(1).map(|p| self.string(p));
                }
                Rule::closed_line => {
                    let line_span = self.span(&part);
                    let dates: Vec<Date> = part
                        .into_inner()
                        .filter(|p| p.as_rule() == Rule::date)
                        .map(|p| date(p.as_str()))
                        .collect();
                    if let Some(first) = dates.first().copied() {
                        let last = dates.get(1).copied().unwrap_or(first);
                        hours.closed.push(ClosedDates {
                            first,
                            last,
                            span: line_span,
                        });
                    }
                }
                Rule::weekly_line => hours.weekly.extend(self.weekly(part)),
                Rule::bad => {
                    let bad = self.bad(&part, Context::Hours, &mut run);
                    hours.weekly.extend(self.broken_weekly(bad));
                }
                Rule::missing_brace => self.missing_brace(&part, "the hours block"),
                _ => {}
            }
        }
        hours.name = name;
        hours
    }

    /// A `mon-fri 09:00-18:00` line (or what a broken one read: its days, the ranges before
    /// the mistake); `None` without a day.
    pub(super) fn weekly(&mut self, pair: P) -> Option<WeeklyHours> {
        let line_span = self.span(&pair);
        let mut days = vec![];
        let mut ranges = vec![];
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::weekday => days.extend(Weekday::from_name(p.as_str())),
                Rule::time_range => {
                    let range_span = self.span(&p);
                    let times: Vec<Time> = p.into_inner().map(|t| time(t.as_str())).collect();
                    if let [start, end] = times[..] {
                        ranges.push(TimeRange {
                            start,
                            end,
                            span: range_span,
                        });
                    }
                }
                _ => {}
            }
        }
        let first_day = days.first().copied()?;
        Some(WeeklyHours {
            first_day,
            last_day: days.get(1).copied().unwrap_or(first_day),
            ranges,
            span: line_span,
            broken: false,
        })
    }

    pub(super) fn queue(&mut self, pair: P) -> Queue {
        let span = self.span(&pair);
        let mut queue = Queue {
            name: None,
            hours: None,
            skills: vec![],
            span,
        };
        let mut run = BadRun::default();
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::decl_name => queue.name = Some(self.ident(part)),
                Rule::queue_hours => {
                    queue.hours = part
                        .into_inner()
                        .find(|p| p.as_rule() == Rule::hours_ref)
                        .map(|p| self.ident(p));
                }
                Rule::queue_skills => {
                    if let Some(list) = part.into_inner().find(|p| p.as_rule() == Rule::string_list)
                    {
                        queue.skills = self.string_list(list);
                    }
                }
                Rule::bad => {
                    self.bad(&part, Context::Queue, &mut run);
                }
                Rule::missing_brace => self.missing_brace(&part, "the queue"),
                _ => {}
            }
        }
        queue
    }

    pub(super) fn intent(&mut self, pair: P) -> Intent {
        let span = self.span(&pair);
        let mut intent = Intent {
            name: None,
            examples: vec![],
            span,
        };
        let mut run = BadRun::default();
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::decl_name => intent.name = Some(self.ident(part)),
                Rule::string => {
                    let example = self.string(part);
                    intent.examples.push(example);
                }
                Rule::bad => {
                    self.bad(&part, Context::Intent, &mut run);
                }
                Rule::missing_brace => self.missing_brace(&part, "the intent"),
                _ => {}
            }
        }
        // Exact size, like the fast reader's: most intents of a generated project have one.
        intent.examples.shrink_to_fit();
        intent
    }

    pub(super) fn service(&mut self, pair: P) -> Service {
        let span = self.span(&pair);
        let mut service = Service {
            name: None,
            operations: vec![],
            timeout: None,
            span,
        };
        let mut run = BadRun::default();
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::decl_name => service.name = Some(self.ident(part)),
                Rule::operation => {
                    let op_span = self.span(&part);
                    let mut op = Operation {
                        name: None,
                        params: vec![],
                        returns: vec![],
                        broken: false,
                        span: op_span,
                    };
                    for p in part.into_inner() {
                        match p.as_rule() {
                            Rule::decl_name => op.name = Some(self.ident(p)),
                            Rule::field => op.params.push(self.field(p)),
                            Rule::record_type => {
                                op.returns = p.into_inner().map(|f| self.field(f)).collect();
                            }
                            Rule::broken_record => {
                                op.broken = true;
                                self.broken_record(&p);
                            }
                            _ => {}
                        }
                    }
                    // Exact sizes: a pushed-to list holds room for four, and a project of
                    // many small services would carry three times its fields.
                    op.params.shrink_to_fit();
                    op.returns.shrink_to_fit();
                    service.operations.push(op);
                }
                Rule::service_timeout => {
                    if let Some(d) = part.into_inner().find(|p| p.as_rule() == Rule::duration) {
                        service.timeout = Some(DurationLit {
                            millis: duration_millis(d.as_str()),
                            span: self.span(&d),
                        });
                    }
                }
                Rule::bad => {
                    self.bad(&part, Context::Service, &mut run);
                }
                Rule::missing_brace => self.missing_brace(&part, "the service"),
                _ => {}
            }
        }
        service.operations.shrink_to_fit();
        service
    }

    pub(super) fn field(&mut self, pair: P) -> Field {
        let span = self.span(&pair);
        let mut inner = pair
            .into_inner()
            .filter(|p| p.as_rule() != Rule::field_colon);
        let name = inner.next().map(|p| self.ident(p)).unwrap_or(Ident {
            name: String::new(),
            span,
        });
        let ty = inner.next().map(|p| self.type_expr(p)).unwrap_or(TypeExpr {
            kind: TypeKind::Text,
            span,
        });
        Field { name, ty, span }
    }

    pub(super) fn type_expr(&mut self, pair: P) -> TypeExpr {
        let span = self.span(&pair);
        let Some(inner) = pair.into_inner().next() else {
            return TypeExpr {
                kind: TypeKind::Unknown(String::new()),
                span,
            };
        };
        self.type_alternative(inner, span)
    }

    /// One alternative of `type_expr` (`enum_type`, `digits_type`, `list_type`…).
    fn type_alternative(&mut self, inner: P, span: Span) -> TypeExpr {
        let kind = match inner.as_rule() {
            Rule::enum_type => TypeKind::Enum(
                inner
                    .into_inner()
                    .filter(|p| p.as_rule() == Rule::enum_value)
                    .filter_map(|p| {
                        let mut parts = p.into_inner();
                        let name = self.ident(parts.next()?);
                        let label = parts.next().map(|l| self.string(l));
                        Some(EnumValue { name, label })
                    })
                    .collect(),
            ),
            Rule::text_matching => match inner.into_inner().nth(2) {
                Some(regex) => TypeKind::TextMatching(self.regex(regex)),
                None => TypeKind::Text,
            },
            Rule::list_type => match inner.into_inner().nth(2) {
                Some(element) => {
                    // The element rule is one of type_expr's alternatives: lower it as one.
                    let element_span = self.span(&element);
                    let element = self.type_alternative(element, element_span);
                    TypeKind::List(Box::new(element))
                }
                None => TypeKind::Unknown(String::new()),
            },
            Rule::record_type => TypeKind::Record(
                inner
                    .into_inner()
                    .filter(|p| p.as_rule() == Rule::field)
                    .map(|p| self.field(p))
                    .collect(),
            ),
            Rule::digits_type => {
                let bounds: Vec<u32> = inner
                    .into_inner()
                    .filter(|p| p.as_rule() == Rule::int_lit)
                    .map(|p| p.as_str().parse().unwrap_or(u32::MAX))
                    .collect();
                match bounds[..] {
                    [n] => TypeKind::Digits {
                        min: Some(n),
                        max: Some(n),
                    },
                    [a, b] => TypeKind::Digits {
                        min: Some(a),
                        max: Some(b),
                    },
                    _ => TypeKind::Digits {
                        min: None,
                        max: None,
                    },
                }
            }
            _ => match inner.as_str() {
                "text" => TypeKind::Text,
                "number" => TypeKind::Number,
                "integer" => TypeKind::Integer,
                "yes_no" => TypeKind::YesNo,
                "date" => TypeKind::Date,
                "time" => TypeKind::Time,
                "email" => TypeKind::Email,
                "phone" => TypeKind::Phone,
                "bool" => TypeKind::Bool,
                other => TypeKind::Unknown(other.to_string()),
            },
        };
        TypeExpr { kind, span }
    }

    pub(super) fn knowledge(&mut self, pair: P) -> Knowledge {
        let span = self.span(&pair);
        let mut kb = Knowledge {
            name: None,
            entries: vec![],
            span,
        };
        let mut run = BadRun::default();
        for part in pair.into_inner() {
            self.knowledge_item(&mut kb, part, &mut run);
        }
        // Exact: a file of half a million one-entry bases would keep room for four each.
        kb.entries.shrink_to_fit();
        kb
    }

    /// One item of a knowledge base (or of one of its segments). Returns whether it was
    /// the final `}`.
    pub(in crate::syntax) fn knowledge_item(
        &mut self,
        kb: &mut Knowledge,
        part: P,
        run: &mut BadRun,
    ) -> bool {
        match part.as_rule() {
            Rule::decl_name => kb.name = Some(self.ident(part)),
            Rule::entry => {
                let entry = self.entry(part);
                kb.entries.push(entry);
            }
            Rule::bad => {
                let bad = self.bad(&part, Context::Knowledge, run);
                kb.entries.extend(self.broken_entry(bad));
            }
            Rule::missing_brace => self.missing_brace(&part, "the knowledge base"),
            Rule::knowledge_close => return true,
            _ => {}
        }
        false
    }

    pub(super) fn entry(&mut self, pair: P) -> Entry {
        let span = self.span(&pair);
        let mut entry = Entry {
            name: None,
            questions: vec![],
            answer: None,
            tags: vec![],
            owner: None,
            review_by: None,
            span,
            broken: false,
        };
        let mut run = BadRun::default();
        for part in pair.into_inner() {
            let rule = part.as_rule();
            match rule {
                Rule::decl_name => entry.name = Some(self.ident(part)),
                Rule::entry_question | Rule::entry_answer | Rule::entry_owner => {
                    if let Some(s) = part.into_inner().find(|p| p.as_rule() == Rule::string) {
                        let s = self.string(s);
                        match rule {
                            Rule::entry_question => entry.questions.push(s),
                            Rule::entry_answer => entry.answer = Some(s),
                            _ => entry.owner = Some(s),
                        }
                    }
                }
                Rule::entry_tags => {
                    if let Some(list) = part.into_inner().find(|p| p.as_rule() == Rule::string_list)
                    {
                        entry.tags = self.string_list(list);
                    }
                }
                Rule::entry_review => {
                    if let Some(d) = part.into_inner().find(|p| p.as_rule() == Rule::date) {
                        entry.review_by = Some((date(d.as_str()), self.span(&d)));
                    }
                }
                Rule::bad => {
                    self.bad(&part, Context::Entry, &mut run);
                }
                Rule::missing_brace => self.missing_brace(&part, "the entry"),
                _ => {}
            }
        }
        entry
    }
}
