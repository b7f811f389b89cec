//! pest pairs → our AST. The grammar guarantees the shape of every pair it accepts, so the
//! lowering walks pairs by rule; anything unexpected becomes an error node, never a panic.

use super::error::{self, Context};
use super::literal::{date, duration_millis, time};
use super::parser::{CsflowParser, Rule};
use crate::ast::*;
use crate::diagnostic::Diagnostic;
use crate::diagnostic::ids;
use crate::source::{FileId, Span};
use pest::Parser;
use pest::iterators::{Pair, Pairs};

type P<'i> = Pair<'i, Rule>;

/// Parses the declaration in `text[start..end]`.
pub fn parse_item(
    file: FileId,
    text: &str,
    start: usize,
    end: usize,
    diagnostics: &mut Vec<Diagnostic>,
) -> Item {
    let slice = &text[start..end];
    let mut lower = Lower {
        file,
        text,
        base: start,
        diagnostics,
    };
    match CsflowParser::parse(Rule::item_entry, slice) {
        Ok(mut pairs) => {
            let Some(entry) = pairs.next() else {
                return Item::Error(Span::new(file, start, end));
            };
            match entry.into_inner().find(|p| p.as_rule() != Rule::EOI) {
                Some(item) => lower.item(item),
                None => Item::Error(Span::new(file, start, end)),
            }
        }
        Err(err) => {
            let diagnostic = error::from_pest(file, text, start, &err, Context::TopLevel);
            lower.diagnostics.push(diagnostic);
            Item::Error(Span::new(file, start, end))
        }
    }
}

/// Parses a flow whose states start at `segments` (see `chunk.rs`): each segment on its
/// own, in parallel for big flows, then merged in source order.
pub fn parse_flow_segments(
    file: FileId,
    text: &str,
    start: usize,
    end: usize,
    segments: &[usize],
    diagnostics: &mut Vec<Diagnostic>,
) -> Item {
    let mut bounds = Vec::with_capacity(segments.len() + 2);
    bounds.push(start);
    bounds.extend(segments.iter().copied().filter(|&s| s > start && s < end));
    bounds.push(end);
    let ranges: Vec<(usize, usize)> = bounds.windows(2).map(|w| (w[0], w[1])).collect();

    // Big flows only: threads cost more than a few hundred states take to parse.
    let pieces = crate::parallel::map_in_order(&ranges, 256, |i, &(a, b)| {
        parse_segment(file, text, a, b, i == 0)
    });
    merge_segments(file, start, end, text, pieces, diagnostics)
}

/// One parsed segment of a flow.
pub(super) struct Segment {
    pub(super) flow: Flow,
    pub(super) diagnostics: Vec<Diagnostic>,
    pub(super) closed: bool,
}

fn parse_segment(file: FileId, text: &str, start: usize, end: usize, head: bool) -> Segment {
    if !head && let Some((state, closed)) = super::fast::state_segment(file, text, start, end) {
        let mut flow = Lower::empty_flow(Span::new(file, start, end));
        flow.states.push(state);
        return Segment {
            flow,
            diagnostics: Vec::new(),
            closed,
        };
    }
    parse_segment_with_pest(file, text, start, end, head)
}

/// The reference parse of a segment (and the only one that reports errors).
pub(super) fn parse_segment_with_pest(
    file: FileId,
    text: &str,
    start: usize,
    end: usize,
    head: bool,
) -> Segment {
    let mut diagnostics = Vec::new();
    let span = Span::new(file, start, end);
    let mut flow = Lower::empty_flow(span);
    let mut closed = false;
    let rule = if head {
        Rule::flow_head
    } else {
        Rule::flow_part
    };
    let mut lower = Lower {
        file,
        text,
        base: start,
        diagnostics: &mut diagnostics,
    };
    match CsflowParser::parse(rule, &text[start..end]) {
        Ok(mut pairs) => {
            if let Some(segment) = pairs.next() {
                let mut run = BadRun::default();
                for part in segment.into_inner() {
                    closed |= lower.flow_item(&mut flow, part, &mut run);
                }
            }
        }
        Err(err) => {
            let diagnostic = error::from_pest(file, text, start, &err, Context::Flow);
            lower.diagnostics.push(diagnostic);
            closed = true;
        }
    }
    Segment {
        flow,
        diagnostics,
        closed,
    }
}

fn merge_segments(
    file: FileId,
    start: usize,
    end: usize,
    text: &str,
    pieces: Vec<Segment>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Item {
    let mut flow = Lower::empty_flow(Span::new(file, start, end));
    let mut closed = false;
    for (index, piece) in pieces.into_iter().enumerate() {
        diagnostics.extend(piece.diagnostics);
        closed = piece.closed;
        let part = piece.flow;
        if index == 0 {
            flow.name = part.name;
        }
        flow.channel = flow.channel.or(part.channel);
        flow.language = flow.language.or(part.language);
        let timing = part.timing;
        flow.timing.timeout = flow.timing.timeout.or(timing.timeout);
        flow.timing.max_digits = flow.timing.max_digits.or(timing.max_digits);
        flow.timing.finish_key = flow.timing.finish_key.or(timing.finish_key);
        flow.start = flow.start.or(part.start);
        flow.slots.extend(part.slots);
        flow.handlers.extend(part.handlers);
        flow.escalate.extend(part.escalate);
        flow.states.extend(part.states);
        flow.errors.extend(part.errors);
    }
    if !closed {
        let at = Span::new(file, end, end);
        let diagnostic = error::missing_brace(file, text, at, "the flow");
        // One forgotten `}` at the end closes the state and the flow: report it once.
        if !diagnostics
            .iter()
            .any(|d| d.primary.span == diagnostic.primary.span)
        {
            diagnostics.push(diagnostic);
        }
    }
    Item::Flow(flow)
}

struct Lower<'a> {
    file: FileId,
    text: &'a str,
    base: usize,
    diagnostics: &'a mut Vec<Diagnostic>,
}

/// Where the last `bad` node of one list ended, so that consecutive broken lines give one
/// diagnostic.
#[derive(Default)]
struct BadRun {
    last_end: Option<usize>,
}

impl<'a> Lower<'a> {
    /// A pair's span without the whitespace and comments pest lets a rule end with (a rule
    /// ending in `x*` or `x?` keeps the skipped text after it).
    /// A token's span as pest gives it (atomic rules end at their last character).
    fn raw_span(&self, pair: &P) -> Span {
        let s = pair.as_span();
        Span::new(self.file, self.base + s.start(), self.base + s.end())
    }

    fn span(&self, pair: &P) -> Span {
        let s = pair.as_span();
        let (start, end) = (self.base + s.start(), self.base + s.end());
        Span::new(self.file, start, trim_trailing(self.text, start, end))
    }

    /// Reports a `bad` node, and returns its span. A broken line that starts with no word
    /// right after another broken line is the rest of the same mistake (a statement spread
    /// over lines): it is not reported again.
    fn bad(&mut self, pair: &P, context: Context, run: &mut BadRun) -> Span {
        let span = self.span(pair);
        let starts_with_word = pair
            .as_str()
            .starts_with(|c: char| c.is_ascii_alphabetic() || c == '_');
        // Only whitespace since the previous broken line: nothing parsed in between.
        let follows_bad = run.last_end.is_some_and(|end| {
            self.text
                .get(end..span.start as usize)
                .is_some_and(|gap| gap.trim().is_empty())
        });
        if !follows_bad || starts_with_word {
            let diagnostic = error::bad_node(self.file, self.text, span, context);
            self.diagnostics.push(diagnostic);
        }
        run.last_end = Some(self.base + pair.as_span().end());
        span
    }

    fn too_long(&mut self, span: Span, what: &str) {
        let message = format!("this expression has more than {MAX_CHAIN} {what}");
        self.diagnostics.push(
            Diagnostic::new(ids::SYNTAX_ERROR, span, message)
                .with_note("split the condition over several `if` statements or states"),
        );
    }

    fn missing_brace(&mut self, pair: &P, what: &str) {
        let span = self.span(pair);
        let diagnostic = error::missing_brace(self.file, self.text, span, what);
        // Nested blocks all closed by one missing brace report it once.
        if !self
            .diagnostics
            .iter()
            .any(|d| d.primary.span == diagnostic.primary.span)
        {
            self.diagnostics.push(diagnostic);
        }
    }

    fn item(&mut self, pair: P) -> Item {
        match pair.as_rule() {
            Rule::import_decl => Item::Import(self.import(pair)),
            Rule::hours_decl => Item::Hours(self.hours(pair)),
            Rule::queue_decl => Item::Queue(self.queue(pair)),
            Rule::intent_decl => Item::Intent(self.intent(pair)),
            Rule::service_decl => Item::Service(self.service(pair)),
            Rule::knowledge_decl => Item::Knowledge(self.knowledge(pair)),
            Rule::flow_decl => Item::Flow(self.flow(pair)),
            Rule::test_decl => Item::Test(self.test(pair)),
            _ => Item::Error(self.span(&pair)),
        }
    }

    /// Role rules (`state_ref`, `decl_name`…) wrap exactly one `ident` and no whitespace,
    /// so their own text and span are the name's.
    /// `handoff QUEUE [priority P] [reason "…"]`, the statement and the test expectation:
    /// `inner` starts at the `handoff` keyword.
    fn handoff(&mut self, mut inner: Pairs<'_, Rule>) -> Option<Handoff> {
        let queue = self.ident(inner.nth(1)?);
        let mut handoff = Handoff {
            queue,
            priority: None,
            reason: None,
        };
        for part in inner {
            match part.as_rule() {
                Rule::handoff_priority => {
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
                    handoff.reason = part.into_inner().nth(1).map(|p| self.string(p));
                }
                _ => {}
            }
        }
        Some(handoff)
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

    fn ident(&self, pair: P) -> Ident {
        Ident {
            name: pair.as_str().to_string(),
            span: self.span(&pair),
        }
    }

    fn import(&mut self, pair: P) -> Import {
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

    fn hours(&mut self, pair: P) -> Hours {
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
                Rule::weekly_line => {
                    let line_span = self.span(&part);
                    let mut days = vec![];
                    let mut ranges = vec![];
                    for p in part.into_inner() {
                        match p.as_rule() {
                            Rule::weekday => days.extend(Weekday::from_name(p.as_str())),
                            Rule::time_range => {
                                let range_span = self.span(&p);
                                let times: Vec<Time> =
                                    p.into_inner().map(|t| time(t.as_str())).collect();
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
                    if let Some(first_day) = days.first().copied() {
                        let last_day = days.get(1).copied().unwrap_or(first_day);
                        hours.weekly.push(WeeklyHours {
                            first_day,
                            last_day,
                            ranges,
                            span: line_span,
                        });
                    }
                }
                Rule::bad => {
                    self.bad(&part, Context::Hours, &mut run);
                }
                Rule::missing_brace => self.missing_brace(&part, "the hours block"),
                _ => {}
            }
        }
        hours.name = name;
        hours
    }

    fn queue(&mut self, pair: P) -> Queue {
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

    fn intent(&mut self, pair: P) -> Intent {
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
        intent
    }

    fn service(&mut self, pair: P) -> Service {
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
                        span: op_span,
                    };
                    for p in part.into_inner() {
                        match p.as_rule() {
                            Rule::decl_name => op.name = Some(self.ident(p)),
                            Rule::field => op.params.push(self.field(p)),
                            Rule::record_type => {
                                op.returns = p.into_inner().map(|f| self.field(f)).collect();
                            }
                            _ => {}
                        }
                    }
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
        service
    }

    fn field(&mut self, pair: P) -> Field {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
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

    fn type_expr(&mut self, pair: P) -> TypeExpr {
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

    fn knowledge(&mut self, pair: P) -> Knowledge {
        let span = self.span(&pair);
        let mut kb = Knowledge {
            name: None,
            entries: vec![],
            span,
        };
        let mut run = BadRun::default();
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::decl_name => kb.name = Some(self.ident(part)),
                Rule::entry => {
                    let entry = self.entry(part);
                    kb.entries.push(entry);
                }
                Rule::bad => {
                    self.bad(&part, Context::Knowledge, &mut run);
                }
                Rule::missing_brace => self.missing_brace(&part, "the knowledge base"),
                _ => {}
            }
        }
        kb
    }

    fn entry(&mut self, pair: P) -> Entry {
        let span = self.span(&pair);
        let mut entry = Entry {
            name: None,
            questions: vec![],
            answer: None,
            tags: vec![],
            owner: None,
            review_by: None,
            span,
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

    fn empty_flow(span: Span) -> Flow {
        Flow {
            name: None,
            channel: None,
            language: None,
            timing: InputTiming::default(),
            timezone: None,
            start: None,
            slots: vec![],
            handlers: vec![],
            escalate: vec![],
            states: vec![],
            errors: vec![],
            span,
        }
    }

    fn flow(&mut self, pair: P) -> Flow {
        let span = self.span(&pair);
        let mut flow = Self::empty_flow(span);
        let mut run = BadRun::default();
        for part in pair.into_inner() {
            self.flow_item(&mut flow, part, &mut run);
        }
        flow
    }

    /// One item of a flow (or of one of its segments). Returns whether it was the final `}`.
    fn flow_item(&mut self, flow: &mut Flow, part: P, run: &mut BadRun) -> bool {
        let is_close = part.as_rule() == Rule::flow_close;
        match part.as_rule() {
            Rule::decl_name => flow.name = Some(self.ident(part)),
            Rule::channel_line => {
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
                flow.timezone = part
                    .into_inner()
                    .find(|p| p.as_rule() == Rule::string)
                    .map(|p| self.string(p));
            }
            Rule::start_line => {
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
                // A state whose header is broken (`state main-menu {`) still has a name: keep
                // a placeholder so that `goto` it does not report a second, unknown-state error.
                if let Some(("state", name, offset)) =
                    super::leading_words(self.text, bad.start as usize)
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

    fn slot(&mut self, pair: P) -> Slot {
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

    fn handler(&mut self, pair: P) -> Handler {
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
        }
    }

    fn handlers_in(
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
                    self.bad(&part, context, run);
                }
                Rule::missing_brace => self.missing_brace(&part, "the handler block"),
                _ => {}
            }
        }
    }

    fn state(&mut self, pair: P) -> State {
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
    fn block_part(&mut self, part: P, statements: &mut Vec<Stmt>, run: &mut BadRun, what: &str) {
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

    fn block(&mut self, pair: P) -> Block {
        let span = self.span(&pair);
        let mut statements = vec![];
        let mut run = BadRun::default();
        for part in pair.into_inner() {
            self.block_part(part, &mut statements, &mut run, "the block");
        }
        Block { statements, span }
    }

    /// An ACTION: one statement or a `{ }` block, always lowered to a block.
    fn action(&mut self, pair: P) -> Block {
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

    fn statement(&mut self, pair: P) -> Option<Stmt> {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let mut inner = pair.into_inner();
        let kind = match rule {
            Rule::say_stmt => {
                let text = self.string(inner.nth(1)?);
                match inner.next() {
                    None => StmtKind::Say(text),
                    Some(language) => StmtKind::Speak(Speak {
                        audio: None,
                        text,
                        language: self.language(language),
                    }),
                }
            }
            Rule::play_stmt => {
                let audio = self.string(inner.nth(1)?);
                let text = self.string(inner.nth(2)?);
                let language = inner.next().and_then(|l| self.language(l));
                StmtKind::Speak(Speak {
                    audio: Some(audio),
                    text,
                    language,
                })
            }
            Rule::transfer_stmt => {
                let to = self.string(inner.nth(1)?);
                let reason = inner
                    .next()
                    .and_then(|r| r.into_inner().nth(1))
                    .map(|p| self.string(p));
                StmtKind::Transfer(Transfer { to, reason })
            }
            Rule::ask_stmt => {
                let slot = self.ident(inner.nth(1)?);
                let prompt = self.string(inner.next()?);
                let mut ask = Ask {
                    slot,
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
                let prompt = self.string(inner.nth(1)?);
                let mut menu = Menu {
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
                                    .with_note("put the items of both lists into one list in the service result"),
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
    fn if_chain(
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

    fn option(&mut self, pair: P) -> MenuOption {
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

    // ------------------------------------------------------------ expressions

    fn expr(&mut self, pair: P) -> Expr {
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
                let mut left = self.expr(first);
                for operand in operands {
                    let right = self.expr(operand);
                    let span = left.span.to(right.span);
                    left = Expr {
                        kind: ExprKind::Binary(op, Box::new(left), Box::new(right)),
                        span,
                    };
                }
                left
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
                let mut left = self.expr(first);
                let mut parts = 1;
                while let (Some(op), Some(operand)) = (inner.next(), inner.next()) {
                    parts += 1;
                    if parts > MAX_CHAIN {
                        self.too_long(span, "`+ - * /` parts");
                        return error_expr(span);
                    }
                    let op = match op.as_str() {
                        "+" => BinaryOp::Add,
                        "-" => BinaryOp::Sub,
                        "*" => BinaryOp::Mul,
                        _ => BinaryOp::Div,
                    };
                    let right = self.expr(operand);
                    let span = left.span.to(right.span);
                    left = Expr {
                        kind: ExprKind::Binary(op, Box::new(left), Box::new(right)),
                        span,
                    };
                }
                left
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

    fn literal(&mut self, pair: P) -> Expr {
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

    fn string(&mut self, pair: P) -> Str {
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
                Rule::str_escape => {
                    push_text(&mut parts, super::literal::unescape(part.as_str()), at)
                }
                Rule::lbrace_lit => push_text(&mut parts, "{", at),
                Rule::rbrace_lit => push_text(&mut parts, "}", at),
                Rule::interp => {
                    if let Some(e) = part.into_inner().next() {
                        let e = self.expr(e);
                        parts.push(StrPart::Interpolation(e));
                    }
                }
                _ => {}
            }
        }
        Str { parts, span }
    }

    fn string_list(&mut self, pair: P) -> Vec<Str> {
        pair.into_inner()
            .filter(|p| p.as_rule() == Rule::string)
            .map(|p| self.string(p))
            .collect()
    }

    fn regex(&mut self, pair: P) -> RegexLit {
        let span = self.span(&pair);
        let body = pair.into_inner().next().map(|p| p.as_str()).unwrap_or("");
        RegexLit {
            pattern: body.replace("\\/", "/"),
            span,
        }
    }

    // ------------------------------------------------------------ tests

    fn test(&mut self, pair: P) -> Test {
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
                            let mut inner = p.into_inner();
                            let to = self.string(inner.nth(1)?);
                            let reason = inner
                                .next()
                                .and_then(|r| r.into_inner().nth(1))
                                .map(|r| self.string(r));
                            Expectation::Transfer(Transfer { to, reason })
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
                    None
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
        test
    }
}

/// `end` moved back over trailing whitespace and a trailing `# comment`.
fn trim_trailing(text: &str, start: usize, mut end: usize) -> usize {
    use super::lex::{comment_start, is_space};
    // pest's skipped text always ends in whitespace (a comment stops before its newline,
    // which is skipped too): most spans end in a token and need no scan at all.
    if !text[start..end].ends_with(is_space) {
        return end;
    }
    loop {
        let kept = text[start..end].trim_end_matches(is_space);
        end = start + kept.len();
        // A comment at the end of the span, on its last line.
        let line_start = text[start..end]
            .rfind('\n')
            .map_or(start, |i| start + i + 1);
        match comment_start(&text[line_start..end]) {
            Some(at) if line_start + at > start => end = line_start + at,
            _ => return end,
        }
    }
}

/// Longest `a and b and …` chain or `a.b.c…` path we accept: the tree they build is as deep
/// as they are long, and every later pass walks it recursively.
pub(super) const MAX_CHAIN: usize = 256;

/// The `not`s written at `nots` (start offsets, in order) applied to `operand`, one node
/// each, spanning from its keyword to the end of `span`. A chain longer than [`MAX_CHAIN`]
/// keeps its parity only (`not not x` is `x` as a condition: an odd count keeps one `Not`
/// and an even one two), so hostile input cannot build a tree deeper than later passes walk.
pub(super) fn negated(operand: Expr, nots: &[u32], span: Span) -> Expr {
    let not = |operand, start: u32| Expr {
        kind: ExprKind::Not(Box::new(operand)),
        span: Span { start, ..span },
    };
    let first = nots.first().copied().unwrap_or(span.start);
    match nots.len() {
        0 => operand,
        n if n <= MAX_CHAIN => nots.iter().rev().fold(operand, |e, &at| not(e, at)),
        n if n % 2 == 1 => not(operand, first),
        _ => not(not(operand, first), first),
    }
}

fn error_expr(span: Span) -> Expr {
    Expr {
        kind: ExprKind::None,
        span,
    }
}
