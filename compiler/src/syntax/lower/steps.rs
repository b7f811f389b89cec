//! `test` blocks and their steps.

use super::*;

impl Lower<'_> {
    pub(super) fn test(&mut self, pair: P) -> Test {
        let span = self.span(&pair);
        let mut test = Test {
            name: Str {
                parts: vec![],
                span,
            },
            steps: vec![],
            errors: vec![],
            span,
        };
        let mut run = BadRun::default();
        for part in pair.into_inner() {
            let step_span = self.span(&part);
            let rule = part.as_rule();
            let step = match rule {
                Rule::string => {
                    test.name = self.string(part);
                    None
                }
                Rule::test_flow => part
                    .into_inner()
                    .nth(1)
                    .map(|f| TestStepKind::Flow(self.ident(f))),
                Rule::test_time => {
                    let mut d = None;
                    let mut t = None;
                    let mut zone = None;
                    for p in part.into_inner() {
                        match p.as_rule() {
                            Rule::date => d = Some(date(p.as_str())),
                            Rule::time => t = Some(time(p.as_str())),
                            Rule::string => zone = Some(Zone::Quoted(self.string(p))),
                            Rule::zone_name => zone = Some(Zone::Bare(self.ident(p))),
                            _ => {}
                        }
                    }
                    match (d, t) {
                        (Some(date), Some(time)) => Some(TestStepKind::Time { date, time, zone }),
                        _ => None,
                    }
                }
                Rule::test_mock => {
                    let mut inner = part.into_inner().skip(1);
                    let service = inner.next().map(|p| self.ident(p));
                    let operation = inner.next().map(|p| self.ident(p));
                    let mut returns = None;
                    for p in inner {
                        match p.as_rule() {
                            Rule::record | Rule::expr => returns = Some(self.expr(p)),
                            _ => {}
                        }
                    }
                    match (service, operation) {
                        (Some(service), Some(operation)) => Some(TestStepKind::Mock {
                            service,
                            operation,
                            returns,
                        }),
                        _ => None,
                    }
                }
                Rule::test_send => part.into_inner().nth(1).map(|p| match p.as_rule() {
                    Rule::send_key => {
                        let value = p.into_inner().nth(1);
                        let (keys, key_span) = match value {
                            Some(v) if v.as_rule() == Rule::string => {
                                let s = self.string(v);
                                (s.plain_text(), s.span)
                            }
                            Some(v) => (v.as_str().to_string(), self.span(&v)),
                            None => (String::new(), step_span),
                        };
                        TestStepKind::SendKeys(Key {
                            keys,
                            span: key_span,
                        })
                    }
                    Rule::k_no_input => TestStepKind::SendNoInput,
                    _ => TestStepKind::SendText(self.string(p)),
                }),
                Rule::test_expect => part.into_inner().nth(1).and_then(|p| {
                    let expectation = match p.as_rule() {
                        Rule::expect_say => {
                            let value = p.into_inner().nth(1)?;
                            if value.as_rule() == Rule::regex {
                                Expectation::SayMatches(self.regex(value))
                            } else {
                                Expectation::Say(self.string(value))
                            }
                        }
                        Rule::expect_handoff => Expectation::Handoff(self.handoff(p.into_inner())?),
                        Rule::expect_transfer => {
                            Expectation::Transfer(self.transfer(p.into_inner())?)
                        }
                        Rule::expect_state => {
                            Expectation::State(self.ident(p.into_inner().nth(1)?))
                        }
                        Rule::expect_slot => {
                            let mut inner = p.into_inner().skip(1);
                            let slot = self.ident(inner.next()?);
                            let value = self.expr(inner.next()?);
                            Expectation::Slot { slot, value }
                        }
                        _ => Expectation::End,
                    };
                    Some(TestStepKind::Expect(expectation))
                }),
                Rule::bad => {
                    let bad = self.bad(&part, Context::Test, &mut run);
                    test.errors.push(bad);
                    // A broken line that starts a step is still one step of the test.
                    crate::syntax::leading_word(self.text, bad.start as usize)
                        .map(|_| TestStepKind::Error)
                }
                Rule::missing_brace => {
                    self.missing_brace(&part, "the test");
                    None
                }
                _ => None,
            };
            if let Some(kind) = step {
                test.steps.push(TestStep {
                    kind,
                    span: step_span,
                });
            }
        }
        // Exact size: a generated suite of a million short tests would otherwise carry
        // room for a fourth step in each (issue 16).
        test.steps.shrink_to_fit();
        test
    }
}
