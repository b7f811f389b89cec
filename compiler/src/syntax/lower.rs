//! pest pairs → our AST. The grammar guarantees the shape of every pair it accepts, so the
//! lowering walks pairs by rule; anything unexpected becomes an error node, never a panic.
//!
//! This file holds the entry points (a declaration, a flow's segments), the reader's state
//! and its shared pieces (spans, broken lines and the members they still start); the
//! lowering itself is by job: [`decls`], [`flow`] (items, states, statements), [`expr`]
//! (expressions and literals) and [`steps`] (tests). Escapes, dates, times and durations
//! are decoded in `syntax/literal.rs`, shared with the fast path.

mod decls;
mod expr;
mod flow;
mod steps;

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
    let cut = with_long_chains_cut(text, start, end);
    let text = cut.as_deref().unwrap_or(text);
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
    let ranges = segment_ranges(start, end, segments);
    // Big flows only: threads cost more than a few hundred states take to parse.
    let pieces = crate::parallel::map_in_order(&ranges, 256, |i, &(a, b)| {
        parse_segment(file, text, a, b, i == 0)
    });
    merge_segments(file, start, end, text, pieces, diagnostics)
}

/// Parses a knowledge base whose entries start at `entries` (see `chunk.rs`): each segment
/// with pest on its own, in parallel for big ones, then merged in source order. pest holds
/// every token of what it parses at once: one block of half a million entries took 1.7 GB.
pub fn parse_knowledge_segments(
    file: FileId,
    text: &str,
    start: usize,
    end: usize,
    entries: &[usize],
    diagnostics: &mut Vec<Diagnostic>,
) -> Item {
    let ranges = segment_ranges(start, end, entries);
    let pieces = crate::parallel::map_in_order(&ranges, 256, |i, &(a, b)| {
        parse_knowledge_segment(file, text, a, b, i == 0)
    });
    let mut kb = Knowledge {
        name: None,
        entries: Vec::with_capacity(pieces.iter().map(|p| p.kb.entries.len()).sum()),
        span: Span::new(file, start, end),
    };
    let mut closed = false;
    let mut last = start;
    for piece in pieces {
        diagnostics.extend(piece.diagnostics);
        kb.name = kb.name.or(piece.kb.name);
        kb.entries.extend(piece.kb.entries);
        closed = piece.closed;
        last = last.max(piece.last);
    }
    // Where pest ends a declaration's span: at its last token.
    kb.span = Span::new(file, start, last);
    if !closed {
        missing_final_brace(file, text, end, "the knowledge base", diagnostics);
    }
    Item::Knowledge(kb)
}

/// `start..end` cut at the segment starts `marks` (those inside it), in order.
fn segment_ranges(start: usize, end: usize, marks: &[usize]) -> Vec<(usize, usize)> {
    let mut bounds = Vec::with_capacity(marks.len() + 2);
    bounds.push(start);
    bounds.extend(marks.iter().copied().filter(|&s| s > start && s < end));
    bounds.push(end);
    bounds.windows(2).map(|w| (w[0], w[1])).collect()
}

/// Reports the `}` missing at `end` of a segmented declaration (`what`: "the flow"), once:
/// one forgotten `}` at the end closes the last state or entry and the declaration.
fn missing_final_brace(
    file: FileId,
    text: &str,
    end: usize,
    what: &str,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let diagnostic = error::missing_brace(file, text, Span::new(file, end, end), what);
    if !diagnostics
        .iter()
        .any(|d| d.primary.span == diagnostic.primary.span)
    {
        diagnostics.push(diagnostic);
    }
}

/// What pest read of one segment of a knowledge base.
struct KnowledgePart {
    kb: Knowledge,
    diagnostics: Vec<Diagnostic>,
    closed: bool,
    /// Where its last token ends.
    last: usize,
}

fn parse_knowledge_segment(
    file: FileId,
    text: &str,
    start: usize,
    end: usize,
    head: bool,
) -> KnowledgePart {
    let mut diagnostics = Vec::new();
    let mut kb = Knowledge {
        name: None,
        entries: Vec::new(),
        span: Span::new(file, start, end),
    };
    let mut closed = false;
    let mut last = start;
    let rule = if head {
        Rule::knowledge_head
    } else {
        Rule::knowledge_part
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
                last = start + token_end(&segment);
                let mut run = BadRun::default();
                for part in segment.into_inner() {
                    closed |= lower.knowledge_item(&mut kb, part, &mut run);
                }
            }
        }
        Err(err) => {
            let diagnostic = error::from_pest(file, text, start, &err, Context::Knowledge);
            lower.diagnostics.push(diagnostic);
            closed = true;
            last = end;
        }
    }
    KnowledgePart {
        kb,
        diagnostics,
        closed,
        last,
    }
}

/// One parsed segment of a flow: nearly always one well-formed state the fast path read,
/// else what pest read of it (boxed). Kept small: a 100,000-state flow has as many segments,
/// all held until they are merged, and a whole `Flow` each (424 bytes with the voice
/// settings) made that ~90 MB of the peak memory of `csflow check`.
enum Segment {
    State { state: State, closed: bool },
    Part(Box<Part>),
}

/// What pest read of a segment.
pub(super) struct Part {
    pub(super) flow: Flow,
    pub(super) diagnostics: Vec<Diagnostic>,
    pub(super) closed: bool,
}

fn parse_segment(file: FileId, text: &str, start: usize, end: usize, head: bool) -> Segment {
    if !head && let Some((state, closed)) = super::fast::state_segment(file, text, start, end) {
        return Segment::State { state, closed };
    }
    Segment::Part(Box::new(parse_segment_with_pest(
        file, text, start, end, head,
    )))
}

/// The reference parse of a segment (and the only one that reports errors).
pub(super) fn parse_segment_with_pest(
    file: FileId,
    text: &str,
    start: usize,
    end: usize,
    head: bool,
) -> Part {
    let cut = with_long_chains_cut(text, start, end);
    let text = cut.as_deref().unwrap_or(text);
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
    Part {
        flow,
        diagnostics,
        closed,
    }
}

/// The whole text with the over-long expression chains of `text[start..end]` cut short
/// (see [`super::limits`]), or `None` when it has none. Offsets stay the same, so spans,
/// error messages and excerpts are those of the real text.
fn with_long_chains_cut(text: &str, start: usize, end: usize) -> Option<String> {
    let cut = super::limits::cut_long_chains(&text[start..end])?;
    let mut whole = String::with_capacity(text.len());
    whole.push_str(&text[..start]);
    whole.push_str(&cut);
    whole.push_str(&text[end..]);
    Some(whole)
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
    flow.states.reserve_exact(pieces.len());
    let mut closed = false;
    for (index, piece) in pieces.into_iter().enumerate() {
        let piece = match piece {
            Segment::State { state, closed: c } => {
                flow.states.push(state);
                closed = c;
                continue;
            }
            Segment::Part(part) => *part,
        };
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
        flow.timezone = flow.timezone.or(part.timezone);
        flow.start = flow.start.or(part.start);
        flow.start_broken = flow.start_broken.or(part.start_broken);
        flow.slots.extend(part.slots);
        flow.handlers.extend(part.handlers);
        flow.escalate.extend(part.escalate);
        flow.states.extend(part.states);
        flow.errors.extend(part.errors);
    }
    if !closed {
        missing_final_brace(file, text, end, "the flow", diagnostics);
    }
    Item::Flow(Box::new(flow))
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
    /// A token's span as pest gives it (atomic rules end at their last character).
    fn raw_span(&self, pair: &P) -> Span {
        let s = pair.as_span();
        Span::new(self.file, self.base + s.start(), self.base + s.end())
    }

    /// A pair's span, ending at its last token. pest lets a rule that ends in `x*` or `x?`
    /// keep the whitespace and comments it skipped before finding no `x`; such a span ends
    /// where its last non-empty child does (the grammar names every token that can come
    /// last before an optional tail: `lbrace`, `rparen`). A broken line is the one token
    /// that holds trivia (it runs to its line break): it ends where [`lex`] says its last
    /// token does.
    fn span(&self, pair: &P) -> Span {
        let start = self.base + pair.as_span().start();
        Span::new(self.file, start, self.base + token_end(pair))
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

    /// The member head rule `rule` read from the start of the broken line `bad`, lowered
    /// by `lower` (with spans in the file); `None` when not even the head parses.
    fn broken_head<T>(
        &mut self,
        bad: Span,
        rule: Rule,
        lower: impl FnOnce(&mut Lower, P) -> Option<T>,
    ) -> Option<T> {
        let (start, end) = (bad.start as usize, bad.end as usize);
        let head = CsflowParser::parse(rule, self.text.get(start..end)?)
            .ok()?
            .next()?;
        // Its diagnostics are the broken line's, already reported.
        let mut scratch = Vec::new();
        let mut reader = Lower {
            file: self.file,
            text: self.text,
            base: start,
            diagnostics: &mut scratch,
        };
        lower(&mut reader, head)
    }

    /// What a broken line that starts with `option` still says (see [`MenuOption::broken`]).
    fn broken_option(&mut self, bad: Span) -> Option<MenuOption> {
        self.broken_head(bad, Rule::option_head, |reader, head| {
            let mut option = reader.option(head);
            option.span = bad;
            option.action = error_block(bad);
            option.broken = true;
            Some(option)
        })
    }

    /// What a broken line that starts with `on` still says: kept when its kind was read.
    fn broken_handler(&mut self, bad: Span) -> Option<Handler> {
        self.broken_head(bad, Rule::handler_head, |reader, head| {
            let mut handler = reader.handler(head);
            handler.span = bad;
            handler.action = error_block(bad);
            handler.broken = true;
            Some(handler)
        })
    }

    /// What a broken line that starts with `when` still says: kept as an `escalate` rule
    /// when its condition was read (it may be cut short: `when intent agent handof care`
    /// keeps `intent agent`).
    fn broken_rule(&mut self, bad: Span) -> Option<EscalateRule> {
        self.broken_head(bad, Rule::rule_head, |reader, head| {
            let condition = head.into_inner().nth(1).map(|p| reader.expr(p))?;
            Some(EscalateRule {
                condition,
                action: error_block(bad),
                broken: true,
                span: bad,
            })
        })
    }

    /// What a broken line of an `hours` block that starts with its days still says
    /// (`mon-fri 09:00-18:0`): a line of the block, marked broken (see
    /// [`WeeklyHours::broken`]).
    fn broken_weekly(&mut self, bad: Span) -> Option<WeeklyHours> {
        self.broken_head(bad, Rule::weekly_head, |reader, head| {
            let mut weekly = reader.weekly(head)?;
            weekly.span = bad;
            weekly.broken = true;
            Some(weekly)
        })
    }

    /// A broken line of a knowledge base that starts with `entry NAME` (the keyword perhaps
    /// with one typo: `entyr billing { … }`): an entry of its base, marked broken (see
    /// [`Entry::broken`]).
    fn broken_entry(&mut self, bad: Span) -> Option<Entry> {
        let (keyword, name, offset) = crate::syntax::leading_words(self.text, bad.start as usize)?;
        if crate::suggest::edit_distance(keyword, "entry") > 1 {
            return None;
        }
        Some(Entry {
            name: Some(Ident {
                name: name.to_string(),
                span: Span::new(bad.file, offset, offset + name.len()),
            }),
            questions: vec![],
            answer: None,
            tags: vec![],
            owner: None,
            review_by: None,
            span: bad,
            broken: true,
        })
    }

    /// What a broken line that starts with `slot` still says: kept when its name was read.
    /// A type not read, or read only in part (`slot phone: pho`), is [`TypeKind::Missing`].
    fn broken_slot(&mut self, bad: Span) -> Option<Slot> {
        self.broken_head(bad, Rule::slot_head, |reader, head| {
            let typed = head
                .clone()
                .into_inner()
                .any(|p| p.as_rule() == Rule::type_expr);
            let mut slot = reader.slot(head);
            slot.name.as_ref()?;
            if !typed || matches!(slot.ty.kind, TypeKind::Unknown(_)) {
                let at = if typed { slot.ty.span.start } else { bad.end } as usize;
                slot.ty = TypeExpr {
                    kind: TypeKind::Missing,
                    span: Span::new(bad.file, at, at),
                };
            }
            slot.span = bad;
            slot.broken = true;
            Some(slot)
        })
    }

    /// Reports the error of an operation's result record that did not parse, found by
    /// reading it again as a record (pest gave up on the whole optional `returns { … }`).
    fn broken_record(&mut self, pair: &P) {
        let span = self.span(pair);
        let (start, end) = (span.start as usize, span.end as usize);
        let diagnostic = match CsflowParser::parse(Rule::record_type, &self.text[start..end]) {
            Err(err) => error::from_pest(self.file, self.text, start, &err, Context::Service),
            Ok(_) => error::bad_node(self.file, self.text, span, Context::Service),
        };
        self.diagnostics.push(diagnostic);
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
            Rule::hours_decl => Item::Hours(Box::new(self.hours(pair))),
            Rule::queue_decl => Item::Queue(self.queue(pair)),
            Rule::intent_decl => Item::Intent(self.intent(pair)),
            Rule::service_decl => Item::Service(self.service(pair)),
            Rule::knowledge_decl => Item::Knowledge(self.knowledge(pair)),
            Rule::flow_decl => Item::Flow(Box::new(self.flow(pair))),
            Rule::test_decl => Item::Test(self.test(pair)),
            _ => Item::Error(self.span(&pair)),
        }
    }

    /// Role rules (`state_ref`, `decl_name`…) wrap exactly one `ident` and no whitespace,
    /// so their own text and span are the name's.
    fn ident(&self, pair: P) -> Ident {
        Ident {
            name: pair.as_str().to_string(),
            span: self.span(&pair),
        }
    }
}

/// Where the last token of `pair` ends (relative to the parsed slice); see [`Lower::span`].
fn token_end(pair: &P) -> usize {
    let mut pair = pair.clone();
    loop {
        let span = pair.as_span();
        // Most spans end in a token: pest's skipped text always ends in whitespace (a
        // comment stops before its newline, which is skipped too).
        if !span.as_str().ends_with(super::lex::is_space) && pair.as_rule() != Rule::bad {
            return span.end();
        }
        if pair.as_rule() == Rule::bad {
            return span.start() + super::lex::without_trailing_trivia(span.as_str()).len();
        }
        match pair
            .clone()
            .into_inner()
            .rev()
            .find(|p| p.as_span().end() > p.as_span().start())
        {
            Some(last) => pair = last,
            None => return span.end(),
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

/// The action of a broken member: one error statement over its line (it ends its path, as
/// every broken statement does).
fn error_block(span: Span) -> Block {
    Block {
        statements: vec![Stmt {
            kind: StmtKind::Error,
            span,
        }],
        span,
    }
}

fn error_expr(span: Span) -> Expr {
    Expr {
        kind: ExprKind::None,
        span,
    }
}
