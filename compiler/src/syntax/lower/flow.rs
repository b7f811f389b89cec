//! Flows: their items (channel, start, slots, handlers, escalate rules, states, voice
//! settings, broken lines), blocks and statements, menu options, `handoff` and `transfer`.

use super::*;

impl Lower<'_> {
    /// `handoff QUEUE [priority P] [reason "…"]`, the statement and the test expectation:
    /// `inner` starts at the `handoff` keyword.
    pub(super) fn handoff(&mut self, mut inner: Pairs<'_, Rule>) -> Option<Handoff> {
        let queue = self.ident(inner.nth(1)?);
        let mut handoff = Handoff {
            queue,
            priority: None,
            reason: None,
        };
        for part in inner {
            match part.as_rule() {
                Rule::handoff_priority => {
                    let earlier = handoff.priority.map(|(_, span)| span);
                    self.once("priority", earlier, &part);
                    if let Some(level) = part.into_inner().nth(1) {
                        let priority = match level.as_str() {
                            "low" => Priority::Low,
                            "high" => Priority::High,
                            _ => Priority::Normal,
                        };
                        handoff.priority = Some((priority, self.span(&level)));
                    }
                }
                Rule::handoff_reason => {
                    self.once("reason", handoff.reason.as_ref().map(|r| r.span), &part);
                    handoff.reason = part.into_inner().nth(1).map(|p| self.string(p));
                }
                _ => {}
            }
        }
        Some(handoff)
    }

    /// `transfer "…" [reason "…"]`, the statement and the test expectation: `inner` starts
    /// at the `transfer` keyword.
    pub(super) fn transfer(&mut self, mut inner: Pairs<'_, Rule>) -> Option<Transfer> {
        let to = self.string(inner.nth(1)?);
        let mut reason: Option<Str> = None;
        for line in inner {
            self.once("reason", reason.as_ref().map(|r| r.span), &line);
            reason = line.into_inner().nth(1).map(|p| self.string(p)).or(reason);
        }
        Some(Transfer { to, reason })
    }

    /// `duplicate-setting` when `setting` (the pair `now`) was written before, at `earlier`
    /// (the later one counts).
    fn once(&mut self, setting: &str, earlier: Option<Span>, now: &P) {
        let Some(earlier) = earlier else {
            return;
        };
        self.diagnostics.push(
            Diagnostic::new(
                ids::DUPLICATE_SETTING,
                self.span(now),
                format!("`{setting}` is written twice"),
            )
            .with_primary_message("the second one")
            .with_label(earlier, "first written here")
            .with_note(format!(
                "keep one `{setting}`: with two, only the last would count"
            )),
        );
    }

    /// An `ask`/`menu` prompt: `"text"`, or `play "URL" or say "text"` (the recording and
    /// its fallback text).
    fn prompt(&mut self, inner: &mut Pairs<'_, Rule>) -> Option<(Option<Str>, Str)> {
        let first = inner.next()?;
        if first.as_rule() != Rule::prompt_play {
            return Some((None, self.string(first)));
        }
        let audio = first.into_inner().nth(1).map(|url| self.string(url));
        Some((audio, self.string(inner.next()?)))
    }

    /// The `language "…"` of a `say`/`play` (a second one is `duplicate-setting`; the last
    /// counts).
    fn languages(&mut self, lines: Pairs<'_, Rule>) -> Option<Str> {
        let mut language: Option<Str> = None;
        for line in lines {
            self.once("language", language.as_ref().map(|l| l.span), &line);
            language = self.language(line).or(language);
        }
        language
    }

    /// The string of a `language "…"` pair.
    fn language(&mut self, pair: P) -> Option<Str> {
        let string = pair.into_inner().find(|p| p.as_rule() == Rule::string)?;
        Some(self.string(string))
    }

    /// `language "…"`, `timeout D`, `max_digits N` or `finish_key "K"` (a later one of the
    /// same kind wins; the formatter keeps them in this order).
    fn voice_setting(&mut self, pair: P, language: &mut Option<Str>, timing: &mut InputTiming) {
        let rule = pair.as_rule();
        let earlier = match rule {
            Rule::language_line => language.as_ref().map(|l| ("language", l.span)),
            Rule::input_timeout => timing.timeout.as_ref().map(|t| ("timeout", t.span)),
            Rule::input_max_digits => timing.max_digits.map(|(_, span)| ("max_digits", span)),
            Rule::input_finish_key => timing.finish_key.as_ref().map(|k| ("finish_key", k.span)),
            _ => None,
        };
        if let Some((word, span)) = earlier {
            self.once(word, Some(span), &pair);
        }
        let Some(value) = pair.into_inner().nth(1) else {
            return;
        };
        match rule {
            Rule::language_line => *language = Some(self.string(value)),
            Rule::input_timeout => {
                timing.timeout = Some(DurationLit {
                    millis: duration_millis(value.as_str()),
                    span: self.span(&value),
                })
            }
            Rule::input_max_digits => {
                let n = value.as_str().parse().unwrap_or(u32::MAX);
                timing.max_digits = Some((n, self.span(&value)));
            }
            Rule::input_finish_key => timing.finish_key = Some(self.string(value)),
            _ => {}
        }
    }

    pub(super) fn empty_flow(span: Span) -> Flow {
        Flow {
            name: None,
            channel: None,
            language: None,
            timing: InputTiming::default(),
            timezone: None,
            start: None,
            start_broken: None,
            slots: vec![],
            handlers: vec![],
            escalate: vec![],
            states: vec![],
            errors: vec![],
            span,
        }
    }

    pub(super) fn flow(&mut self, pair: P) -> Flow {
        let span = self.span(&pair);
        let mut flow = Self::empty_flow(span);
        let mut run = BadRun::default();
        for part in pair.into_inner() {
            self.flow_item(&mut flow, part, &mut run);
        }
        flow
    }

    /// One item of a flow (or of one of its segments). Returns whether it was the final `}`.
    pub(super) fn flow_item(&mut self, flow: &mut Flow, part: P, run: &mut BadRun) -> bool {
        let is_close = part.as_rule() == Rule::flow_close;
        match part.as_rule() {
            Rule::decl_name => flow.name = Some(self.ident(part)),
            Rule::channel_line => {
                self.once("channel", flow.channel.map(|(_, span)| span), &part);
                if let Some(kind) = part
                    .into_inner()
                    .find(|p| p.as_rule() == Rule::channel_kind)
                {
                    let channel = match kind.as_str() {
                        "voice" => Channel::Voice,
                        "chat" => Channel::Chat,
                        _ => Channel::Any,
                    };
                    flow.channel = Some((channel, self.span(&kind)));
                }
            }
            Rule::flow_timezone => {
                self.once("timezone", flow.timezone.as_ref().map(|t| t.span), &part);
                flow.timezone = part
                    .into_inner()
                    .find(|p| p.as_rule() == Rule::string)
                    .map(|p| self.string(p));
            }
            Rule::start_line => {
                self.once("start", flow.start.as_ref().map(|s| s.span), &part);
                flow.start = part
                    .into_inner()
                    .find(|p| p.as_rule() == Rule::state_ref)
                    .map(|p| self.ident(p));
            }
            Rule::slot_decl => {
                let slot = self.slot(part);
                flow.slots.push(slot);
            }
            Rule::handler => {
                let handler = self.handler(part);
                flow.handlers.push(handler);
            }
            Rule::escalate_block => {
                let mut escalate_run = BadRun::default();
                for rule in part.into_inner() {
                    match rule.as_rule() {
                        Rule::escalate_rule => {
                            let rule_span = self.span(&rule);
                            let mut inner = rule.into_inner().skip(1);
                            let condition = inner.next().map(|p| self.expr(p));
                            let action = inner.next().map(|p| self.action(p));
                            if let (Some(condition), Some(action)) = (condition, action) {
                                flow.escalate.push(EscalateRule {
                                    condition,
                                    action,
                                    span: rule_span,
                                });
                            }
                        }
                        Rule::bad => {
                            let bad = self.bad(&rule, Context::Escalate, &mut escalate_run);
                            flow.errors.push(bad);
                        }
                        Rule::missing_brace => self.missing_brace(&rule, "the escalate block"),
                        _ => {}
                    }
                }
            }
            Rule::state_decl => {
                let state = self.state(part);
                flow.states.push(state);
            }
            Rule::language_line
            | Rule::input_timeout
            | Rule::input_max_digits
            | Rule::input_finish_key => {
                self.voice_setting(part, &mut flow.language, &mut flow.timing)
            }
            Rule::bad => {
                let bad = self.bad(&part, Context::Flow, run);
                flow.errors.push(bad);
                match crate::syntax::leading_word(self.text, bad.start as usize) {
                    Some("slot") => flow.slots.extend(self.broken_slot(bad)),
                    Some("on") => flow.handlers.extend(self.broken_handler(bad)),
                    Some("start") => flow.start_broken = flow.start_broken.or(Some(bad)),
                    _ => {}
                }
                // A state whose header is broken (`state main-menu {`) still has a name: keep
                // a placeholder so that `goto` it does not report a second, unknown-state error.
                if let Some(("state", name, offset)) =
                    crate::syntax::leading_words(self.text, bad.start as usize)
                {
                    let name = Ident {
                        name: name.to_string(),
                        span: Span::new(self.file, offset, offset + name.len()),
                    };
                    let body = Block {
                        statements: vec![Stmt {
                            kind: StmtKind::Error,
                            span: bad,
                        }],
                        span: bad,
                    };
                    flow.states.push(State {
                        name: Some(name),
                        body,
                        span: bad,
                    });
                }
            }
            Rule::missing_brace => self.missing_brace(&part, "the flow"),
            _ => {}
        }
        is_close
    }

    pub(super) fn slot(&mut self, pair: P) -> Slot {
        let span = self.span(&pair);
        let mut slot = Slot {
            name: None,
            ty: TypeExpr {
                kind: TypeKind::Text,
                span,
            },
            sensitive: false,
            default: None,
            span,
            broken: false,
        };
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::decl_name => slot.name = Some(self.ident(part)),
                Rule::type_expr => slot.ty = self.type_expr(part),
                Rule::k_sensitive => slot.sensitive = true,
                Rule::slot_default => slot.default = part.into_inner().next().map(|p| self.expr(p)),
                _ => {}
            }
        }
        slot
    }

    pub(super) fn handler(&mut self, pair: P) -> Handler {
        let span = self.span(&pair);
        let mut kind = HandlerKind::NoMatch;
        let mut kind_span = span;
        let mut retry = None;
        let mut action = Block {
            statements: vec![],
            span,
        };
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::handler_kind => {
                    kind_span = self.span(&part);
                    kind = match part.as_str() {
                        "no_match" => HandlerKind::NoMatch,
                        "no_input" => HandlerKind::NoInput,
                        "closed" => HandlerKind::Closed,
                        _ => HandlerKind::Error,
                    };
                }
                Rule::retry => {
                    let retry_span = self.span(&part);
                    let mut count = 0;
                    let mut message = None;
                    let mut reprompt = None;
                    for p in part.into_inner() {
                        match p.as_rule() {
                            Rule::int_lit => count = p.as_str().parse().unwrap_or(u32::MAX),
                            Rule::string => message = Some(self.string(p)),
                            Rule::reprompt => reprompt = Some(self.span(&p)),
                            _ => {}
                        }
                    }
                    retry = Some(Retry {
                        count,
                        message,
                        reprompt,
                        span: retry_span,
                    });
                }
                Rule::action => action = self.action(part),
                _ => {}
            }
        }
        Handler {
            kind,
            kind_span,
            retry,
            action,
            span,
            broken: false,
        }
    }

    pub(super) fn handlers_in(
        &mut self,
        pair: P,
        run: &mut BadRun,
        handlers: &mut Vec<Handler>,
        context: Context,
    ) {
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::handler => handlers.push(self.handler(part)),
                Rule::bad => {
                    let bad = self.bad(&part, context, run);
                    if crate::syntax::leading_word(self.text, bad.start as usize) == Some("on") {
                        handlers.extend(self.broken_handler(bad));
                    }
                }
                Rule::missing_brace => self.missing_brace(&part, "the handler block"),
                _ => {}
            }
        }
    }

    pub(super) fn state(&mut self, pair: P) -> State {
        let span = self.span(&pair);
        let mut name = None;
        let mut statements = vec![];
        let mut run = BadRun::default();
        let mut body_start = span.end;
        for part in pair.into_inner() {
            if part.as_rule() == Rule::decl_name {
                body_start = self.span(&part).end;
                name = Some(self.ident(part));
                continue;
            }
            self.block_part(part, &mut statements, &mut run, "the state");
        }
        let body = Block {
            statements,
            span: Span {
                start: body_start,
                ..span
            },
        };
        State { name, body, span }
    }

    /// One child of a block-like pair: a statement, a broken line or a missing brace.
    pub(super) fn block_part(
        &mut self,
        part: P,
        statements: &mut Vec<Stmt>,
        run: &mut BadRun,
        what: &str,
    ) {
        match part.as_rule() {
            Rule::bad => {
                let span = self.bad(&part, Context::Block, run);
                statements.push(Stmt {
                    kind: StmtKind::Error,
                    span,
                });
            }
            Rule::missing_brace => self.missing_brace(&part, what),
            _ => {
                if let Some(stmt) = self.statement(part) {
                    statements.push(stmt);
                }
            }
        }
    }

    pub(super) fn block(&mut self, pair: P) -> Block {
        let span = self.span(&pair);
        let mut statements = vec![];
        let mut run = BadRun::default();
        for part in pair.into_inner() {
            self.block_part(part, &mut statements, &mut run, "the block");
        }
        Block { statements, span }
    }

    /// An ACTION: one statement or a `{ }` block, always lowered to a block.
    pub(super) fn action(&mut self, pair: P) -> Block {
        let span = self.span(&pair);
        let Some(inner) = pair.into_inner().next() else {
            return Block {
                statements: vec![],
                span,
            };
        };
        if inner.as_rule() == Rule::block {
            return self.block(inner);
        }
        let statements = self.statement(inner).into_iter().collect();
        Block { statements, span }
    }

    pub(super) fn statement(&mut self, pair: P) -> Option<Stmt> {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let mut inner = pair.into_inner();
        let kind = match rule {
            Rule::say_stmt => {
                let text = self.string(inner.nth(1)?);
                match self.languages(inner) {
                    None => StmtKind::Say(text),
                    language => StmtKind::Speak(Speak {
                        audio: None,
                        text,
                        language,
                    }),
                }
            }
            Rule::play_stmt => {
                let audio = self.string(inner.nth(1)?);
                let text = self.string(inner.nth(2)?);
                let language = self.languages(inner);
                StmtKind::Speak(Speak {
                    audio: Some(audio),
                    text,
                    language,
                })
            }
            Rule::transfer_stmt => StmtKind::Transfer(self.transfer(inner)?),
            Rule::ask_stmt => {
                let slot = self.ident(inner.nth(1)?);
                let (audio, prompt) = self.prompt(&mut inner)?;
                let mut ask = Ask {
                    slot,
                    audio,
                    prompt,
                    language: None,
                    timing: InputTiming::default(),
                    handlers: vec![],
                };
                for part in inner {
                    if part.as_rule() == Rule::handler_block {
                        let mut run = BadRun::default();
                        self.handlers_in(part, &mut run, &mut ask.handlers, Context::Handlers);
                    } else {
                        self.voice_setting(part, &mut ask.language, &mut ask.timing);
                    }
                }
                StmtKind::Ask(ask)
            }
            Rule::menu_stmt => {
                inner.next()?;
                let (audio, prompt) = self.prompt(&mut inner)?;
                let mut menu = Menu {
                    audio,
                    prompt,
                    language: None,
                    timing: InputTiming::default(),
                    options: vec![],
                    dynamic: None,
                    handlers: vec![],
                    errors: vec![],
                };
                let mut run = BadRun::default();
                for part in inner {
                    match part.as_rule() {
                        Rule::language_line
                        | Rule::input_timeout
                        | Rule::input_max_digits
                        | Rule::input_finish_key => {
                            self.voice_setting(part, &mut menu.language, &mut menu.timing)
                        }
                        Rule::option => menu.options.push(self.option(part)),
                        Rule::options_from => {
                            let span = self.span(&part);
                            let dynamic = self.options_from(part, menu.options.len());
                            if menu.dynamic.is_some() {
                                self.diagnostics.push(
                                    Diagnostic::new(
                                        ids::SYNTAX_ERROR,
                                        span,
                                        "a menu takes one `options from`",
                                    )
                                    .with_note(
                                        "put the items of both lists into one list in the service result",
                                    ),
                                );
                                menu.errors.push(span);
                            } else if let Some(dynamic) = dynamic {
                                menu.dynamic = Some(Box::new(dynamic));
                            }
                        }
                        Rule::handler => menu.handlers.push(self.handler(part)),
                        Rule::bad => {
                            let bad = self.bad(&part, Context::Menu, &mut run);
                            menu.errors.push(bad);
                            match crate::syntax::leading_word(self.text, bad.start as usize) {
                                Some("option") => menu.options.extend(self.broken_option(bad)),
                                Some("on") => menu.handlers.extend(self.broken_handler(bad)),
                                _ => {}
                            }
                        }
                        Rule::missing_brace => self.missing_brace(&part, "the menu"),
                        _ => {}
                    }
                }
                StmtKind::Menu(menu)
            }
            Rule::goto_stmt => StmtKind::Goto(self.ident(inner.nth(1)?)),
            Rule::end_stmt => StmtKind::End,
            Rule::handoff_stmt => StmtKind::Handoff(self.handoff(inner)?),
            Rule::if_stmt => {
                let mut branches = vec![];
                let mut otherwise = None;
                self.if_chain(inner, &mut branches, &mut otherwise);
                StmtKind::If(If {
                    branches,
                    otherwise,
                })
            }
            Rule::set_stmt => {
                let slot = self.ident(inner.nth(1)?);
                let value = self.expr(inner.next()?);
                StmtKind::Set { slot, value }
            }
            Rule::call_stmt => {
                let service = self.ident(inner.nth(1)?);
                let operation = self.ident(inner.next()?);
                let mut call = Call {
                    service,
                    operation,
                    args: vec![],
                    into: None,
                    handlers: vec![],
                };
                for part in inner {
                    match part.as_rule() {
                        Rule::handler_block => {
                            let mut run = BadRun::default();
                            let mut handlers = vec![];
                            self.handlers_in(part, &mut run, &mut handlers, Context::Handlers);
                            for handler in handlers {
                                if handler.kind == HandlerKind::Error {
                                    call.handlers.push(handler);
                                } else {
                                    self.diagnostics.push(
                                        Diagnostic::new(
                                            ids::SYNTAX_ERROR,
                                            handler.kind_span,
                                            format!(
                                                "`on {}` does not apply to a call: only `on error` does",
                                                handler.kind.as_str()
                                            ),
                                        )
                                        .with_note("a call fails or succeeds; `on no_match` and `on no_input` belong to an `ask` or a `menu`, `on closed` to a handoff"),
                                    );
                                }
                            }
                        }
                        Rule::call_arg => {
                            let mut arg = part.into_inner();
                            if let (Some(name), Some(value)) = (arg.next(), arg.next()) {
                                call.args.push((self.ident(name), self.expr(value)));
                            }
                        }
                        Rule::decl_name => call.into = Some(self.ident(part)),
                        _ => {}
                    }
                }
                StmtKind::Call(call)
            }
            Rule::answer_stmt => {
                let knowledge = self.ident(inner.nth(2)?);
                let mut answer = Answer {
                    knowledge,
                    topic: None,
                    otherwise: None,
                };
                for part in inner {
                    match part.as_rule() {
                        Rule::string => answer.topic = Some(self.string(part)),
                        Rule::action => answer.otherwise = Some(self.action(part)),
                        _ => {}
                    }
                }
                StmtKind::Answer(answer)
            }
            _ => return None,
        };
        Some(Stmt { kind, span })
    }

    /// `if … else if … else …` as branches.
    pub(super) fn if_chain(
        &mut self,
        inner: Pairs<Rule>,
        branches: &mut Vec<(Expr, Block)>,
        otherwise: &mut Option<Block>,
    ) {
        let mut condition = None;
        for part in inner {
            match part.as_rule() {
                Rule::expr => condition = Some(self.expr(part)),
                Rule::block => {
                    if let Some(condition) = condition.take() {
                        let block = self.block(part);
                        branches.push((condition, block));
                    }
                }
                Rule::else_if => self.if_chain(part.into_inner(), branches, otherwise),
                Rule::else_clause => {
                    if let Some(block) = part.into_inner().find(|p| p.as_rule() == Rule::block) {
                        *otherwise = Some(self.block(block));
                    }
                }
                _ => {}
            }
        }
    }

    /// `options from LIST [max N] label "…" into NAME ACTION`; `position` is the number of
    /// static options before it.
    fn options_from(&mut self, pair: P, position: usize) -> Option<DynamicOptions> {
        let span = self.span(&pair);
        let (mut list, mut max, mut label, mut into, mut action) = (None, None, None, None, None);
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::postfix => list = Some(self.expr(part)),
                Rule::options_max => {
                    if let Some(n) = part.into_inner().nth(1) {
                        let count = n.as_str().parse().unwrap_or(u32::MAX);
                        max = Some((count, self.span(&n)));
                    }
                }
                Rule::string => label = Some(self.string(part)),
                Rule::decl_name => into = Some(self.ident(part)),
                Rule::action => action = Some(self.action(part)),
                _ => {}
            }
        }
        Some(DynamicOptions {
            list: list?,
            max,
            label: label?,
            into: into?,
            action: action?,
            position,
            span,
        })
    }

    pub(super) fn option(&mut self, pair: P) -> MenuOption {
        let span = self.span(&pair);
        let mut option = MenuOption {
            label: Str {
                parts: vec![],
                span,
            },
            keys: vec![],
            intents: vec![],
            phrases: vec![],
            action: Block {
                statements: vec![],
                span,
            },
            span,
            broken: false,
        };
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::string => option.label = self.string(part),
                Rule::option_key => {
                    if let Some(value) = part.into_inner().nth(1) {
                        let key_span = self.span(&value);
                        let keys = if value.as_rule() == Rule::string {
                            self.string(value).plain_text()
                        } else {
                            value.as_str().to_string()
                        };
                        option.keys.push(Key {
                            keys,
                            span: key_span,
                        });
                    }
                }
                Rule::option_intent => {
                    if let Some(i) = part.into_inner().nth(1) {
                        option.intents.push(self.ident(i));
                    }
                }
                Rule::option_phrase => {
                    if let Some(s) = part.into_inner().nth(1) {
                        option.phrases.push(self.string(s));
                    }
                }
                Rule::action => option.action = self.action(part),
                _ => {}
            }
        }
        option
    }
}
