//! The fast path's input points: `ask`, `menu` and its options and keys, prompts and
//! their voice settings, handlers, `play … or say …`, `handoff`.

use super::*;

impl Reader<'_> {
    /// After `play`: `"URL" or say`, then the text follows (the recording's URL returned).
    pub(super) fn recording_after_play(&mut self) -> Option<Str> {
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
    pub(super) fn prompt(&mut self) -> Option<(Option<Str>, Str)> {
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
    pub(super) fn language(&mut self) -> Option<Option<Str>> {
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
    pub(super) fn settings(
        &mut self,
        language: &mut Option<Str>,
        timing: &mut InputTiming,
    ) -> Option<()> {
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
                    millis: crate::syntax::literal::duration_millis(text),
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
    pub(super) fn ask(&mut self) -> Option<Ask> {
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
    pub(super) fn handler(&mut self) -> Option<Handler> {
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

    pub(super) fn handoff(&mut self) -> Option<Handoff> {
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

    pub(super) fn menu(&mut self) -> Option<Menu> {
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

    pub(super) fn option(&mut self) -> Option<MenuOption> {
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

    pub(super) fn key(&mut self) -> Option<Key> {
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
    pub(super) fn action(&mut self) -> Option<Block> {
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
