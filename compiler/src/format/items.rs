//! Declarations other than flows: import, hours, queue, intent, service, knowledge, test.

use super::align::{Row, runs};
use super::expr::{decl_name, expr, ident, regex, string, type_expr, word_ident};
use super::flow::close_after;
use super::printer::{Printer, width};
use crate::ast::{
    Date, Entry, Expectation, Field, Hours, Intent, Knowledge, Operation, Queue, Service, Test,
    TestStepKind, Time,
};

fn date(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year, d.month, d.day)
}

fn time(t: Time) -> String {
    format!("{:02}:{:02}", t.hour, t.minute)
}

pub fn hours(p: &mut Printer, h: &Hours) {
    p.tok(h.span.start as usize, "hours");
    let after = decl_name(p, &h.name, h.span.start as usize);
    p.tok(after, "{");
    p.indent();
    // (start, end, first column, rest)
    let mut lines: Vec<(usize, usize, String, String)> = Vec::new();
    if let Some(zone) = &h.timezone {
        let start = p.src[..zone.span.start as usize]
            .rfind("timezone")
            .unwrap_or(zone.span.start as usize);
        lines.push((
            start,
            zone.span.end as usize,
            "timezone".into(),
            p.src[zone.span.range()].to_string(),
        ));
    }
    for w in &h.weekly {
        let days = if w.first_day == w.last_day {
            w.first_day.as_str().to_string()
        } else {
            format!("{}-{}", w.first_day.as_str(), w.last_day.as_str())
        };
        let ranges: Vec<String> = w
            .ranges
            .iter()
            // As written (`9:00` stays `9:00`): a time is a literal like any other.
            .map(|r| p.src[r.span.range()].split_whitespace().collect::<String>())
            .collect();
        lines.push((
            w.span.start as usize,
            w.span.end as usize,
            days,
            ranges.join(" "),
        ));
    }
    for c in &h.closed {
        let dates = if c.first == c.last {
            date(c.first)
        } else {
            format!("{}..{}", date(c.first), date(c.last))
        };
        lines.push((
            c.span.start as usize,
            c.span.end as usize,
            "closed".into(),
            dates,
        ));
    }
    lines.sort_by_key(|l| l.0);
    let rows: Vec<Row> = lines
        .iter()
        .map(|(start, end, head, _)| Row {
            start: *start,
            end: *end,
            head: (head != "timezone").then(|| width(head)),
        })
        .collect();
    let pads = runs(p, &rows);
    for ((start, _, head, rest), pad) in lines.iter().zip(pads) {
        p.item(*start);
        let col = p.indent_col();
        p.tok(*start, head);
        if let Some(pad) = pad {
            p.align(col + pad + 1);
        }
        p.tok(*start, rest);
    }
    p.close_block(h.span.end as usize - 1);
}

/// Whether a queue is written on one line (and kept so).
pub fn queue_one_line(p: &Printer, q: &Queue) -> bool {
    !p.src[q.span.range()].contains('\n')
        && !p.trivia_within(q.span.start as usize, q.span.end as usize)
}

/// `queue NAME { hours H  skills [...] }`; `pad`: the name's width in a run of one-line queues.
pub fn queue(p: &mut Printer, q: &Queue, pad: Option<usize>) {
    let col = p.indent_col() + 6;
    p.tok(q.span.start as usize, "queue");
    let after = decl_name(p, &q.name, q.span.start as usize);
    if let Some(pad) = pad {
        p.align(col + pad + 1);
    }
    p.tok(after, "{");
    let one_line = queue_one_line(p, q);
    let mut parts: Vec<(usize, bool)> = Vec::new();
    if let Some(h) = &q.hours {
        parts.push((h.span.start as usize, true));
    }
    if let Some(first) = q.skills.first() {
        parts.push((first.span.start as usize, false));
    }
    parts.sort_by_key(|x| x.0);
    if !one_line {
        p.indent();
    }
    for (i, (at, is_hours)) in parts.iter().enumerate() {
        if one_line {
            if i > 0 {
                p.tok(*at, " ");
                p.glue_next();
            }
        } else {
            p.item(*at);
        }
        if *is_hours {
            if let Some(h) = &q.hours {
                word_ident(p, *at, "hours", h);
            }
        } else {
            p.tok(*at, "skills");
            p.tok(*at, "[");
            p.glue_next();
            for (i, s) in q.skills.iter().enumerate() {
                if i > 0 {
                    p.glued(s.span.start as usize, ",");
                }
                string(p, s);
            }
            let last = q.skills.last().map_or(*at, |s| s.span.end as usize);
            p.glued(last, "]");
        }
    }
    if one_line {
        p.tok(q.span.end as usize - 1, "}");
    } else {
        p.close_block(q.span.end as usize - 1);
    }
}

pub fn intent(p: &mut Printer, i: &Intent) {
    p.tok(i.span.start as usize, "intent");
    let after = decl_name(p, &i.name, i.span.start as usize);
    p.tok(after, "{");
    let close = i.span.end as usize - 1;
    if !p.src[i.span.range()].contains('\n') && !p.trivia_within(i.span.start as usize, close) {
        for (n, example) in i.examples.iter().enumerate() {
            if n > 0 {
                p.tok(example.span.start as usize, " ");
                p.glue_next();
            }
            string(p, example);
        }
        p.tok(close, "}");
        return;
    }
    p.indent();
    let mut previous_end: Option<usize> = None;
    for example in &i.examples {
        let start = example.span.start as usize;
        match previous_end {
            Some(end) if !p.src[end..start].contains('\n') => {
                p.tok(start, " ");
                p.glue_next();
            }
            _ => p.item(start),
        }
        string(p, example);
        previous_end = Some(example.span.end as usize);
    }
    p.close_block(close);
}

fn fields(p: &mut Printer, fields: &[Field]) {
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            p.glued(f.span.start as usize, ",");
        }
        field(p, f);
    }
}

/// `name: type`
fn field(p: &mut Printer, f: &Field) {
    ident(p, &f.name);
    p.glued(f.name.span.end as usize, ":");
    type_expr(p, &f.ty);
}

/// An operation's `{ result record }` (its `{` is the first after `from`). A record written
/// over several lines — a long result, a nested `list of { … }` — keeps one field per line:
/// joined, it makes a line of well over a hundred columns nobody reads.
fn returns(p: &mut Printer, o: &Operation, from: usize) {
    let src = p.src;
    let end = o.span.end as usize - 1;
    let open = src[from..end].find('{').map_or(from, |i| from + i);
    p.tok(open, "{");
    if o.returns.is_empty() || !src[open..end].contains('\n') {
        fields(p, &o.returns);
        p.tok(end, "}");
        return;
    }
    p.indent();
    let mut previous_end = None;
    for f in &o.returns {
        if let Some(previous_end) = previous_end {
            let start = f.span.start as usize;
            let comma = src[previous_end..start]
                .find(',')
                .map_or(previous_end, |i| previous_end + i);
            p.glued(comma, ",");
        }
        p.item(f.span.start as usize);
        field(p, f);
        previous_end = Some(f.span.end as usize);
    }
    p.close_block(end);
}

pub fn service(p: &mut Printer, s: &Service) {
    p.tok(s.span.start as usize, "service");
    let after = decl_name(p, &s.name, s.span.start as usize);
    p.tok(after, "{");
    p.indent();
    let mut items: Vec<(usize, Option<usize>)> = s
        .operations
        .iter()
        .enumerate()
        .map(|(i, o)| (o.span.start as usize, Some(i)))
        .collect();
    if let Some(t) = &s.timeout {
        let start = p.src[..t.span.start as usize]
            .rfind("timeout")
            .unwrap_or(t.span.start as usize);
        items.push((start, None));
    }
    items.sort_by_key(|x| x.0);
    for (at, op) in items {
        p.item(at);
        match op {
            Some(i) => {
                let o = &s.operations[i];
                p.tok(at, "operation");
                let after = decl_name(p, &o.name, o.span.start as usize);
                p.glued(after, "(");
                p.glue_next();
                fields(p, &o.params);
                let after = o.params.last().map_or(after, |f| f.span.end as usize);
                let close = p.src[after..].find(')').map_or(after, |i| after + i);
                p.glued(close, ")");
                let src = p.src;
                if src[close..o.span.end as usize].contains("returns") {
                    p.tok(close + 1, "returns");
                    returns(p, o, close + 1);
                }
            }
            None => {
                if let Some(t) = &s.timeout {
                    p.tok(at, "timeout");
                    p.slice(t.span.start as usize, t.span.end as usize);
                }
            }
        }
    }
    p.close_block(s.span.end as usize - 1);
}

pub fn knowledge(p: &mut Printer, k: &Knowledge) {
    p.tok(k.span.start as usize, "knowledge");
    let after = decl_name(p, &k.name, k.span.start as usize);
    p.tok(after, "{");
    p.indent();
    for e in &k.entries {
        p.item(e.span.start as usize);
        entry(p, e);
    }
    p.close_block(k.span.end as usize - 1);
}

fn entry(p: &mut Printer, e: &Entry) {
    p.tok(e.span.start as usize, "entry");
    let after = decl_name(p, &e.name, e.span.start as usize);
    p.tok(after, "{");
    p.indent();
    // (keyword start, value start, value end, keyword)
    let src = p.src;
    let keyword_at = |word: &str, value: usize| src[..value].rfind(word).unwrap_or(value);
    let mut lines: Vec<(usize, usize, usize, &'static str)> = Vec::new();
    for q in &e.questions {
        let v = q.span.start as usize;
        lines.push((
            keyword_at("question", v),
            v,
            q.span.end as usize,
            "question",
        ));
    }
    if let Some(a) = &e.answer {
        let v = a.span.start as usize;
        lines.push((keyword_at("answer", v), v, a.span.end as usize, "answer"));
    }
    let mut tags_end = None;
    if let Some(first) = e.tags.first() {
        let v = first.span.start as usize;
        let end = e.tags.last().map_or(v, |t| t.span.end as usize);
        let close = src[end..].find(']').map_or(end, |i| end + i + 1);
        tags_end = Some(close);
        lines.push((keyword_at("tags", v), v, close, "tags"));
    }
    if let Some(o) = &e.owner {
        let v = o.span.start as usize;
        lines.push((keyword_at("owner", v), v, o.span.end as usize, "owner"));
    }
    if let Some((_, span)) = &e.review_by {
        let v = span.start as usize;
        lines.push((
            keyword_at("review_by", v),
            v,
            span.end as usize,
            "review_by",
        ));
    }
    lines.sort_by_key(|l| l.0);
    let rows: Vec<Row> = lines
        .iter()
        .map(|(start, _, end, word)| Row {
            start: *start,
            end: *end,
            head: Some(word.len()),
        })
        .collect();
    let pads = runs(p, &rows);
    for ((start, value, end, word), pad) in lines.iter().zip(pads) {
        p.item(*start);
        let col = p.indent_col();
        p.tok(*start, word);
        if let Some(pad) = pad {
            p.align(col + pad + 1);
        }
        if *word == "tags" {
            p.tok(*value, "[");
            p.glue_next();
            for (i, t) in e.tags.iter().enumerate() {
                if i > 0 {
                    p.glued(t.span.start as usize, ",");
                }
                string(p, t);
            }
            p.glued(tags_end.unwrap_or(*end).saturating_sub(1), "]");
        } else {
            p.slice(*value, *end);
        }
    }
    p.close_block(e.span.end as usize - 1);
}

pub fn test(p: &mut Printer, t: &Test) {
    p.tok(t.span.start as usize, "test");
    string(p, &t.name);
    p.tok(t.name.span.end as usize, "{");
    p.indent();
    for step in &t.steps {
        let at = step.span.start as usize;
        p.item(at);
        match &step.kind {
            TestStepKind::Flow(name) => word_ident(p, at, "flow", name),
            TestStepKind::Time {
                date: d,
                time: tm,
                zone,
            } => {
                p.tok(at, "time");
                // The date and time as written (`9:00` stays `9:00`).
                let mut written = p.src[step.span.range()]
                    .split_whitespace()
                    .skip(1)
                    .map(str::to_string)
                    .filter(|w| w.starts_with(|c: char| c.is_ascii_digit()));
                let day = written.next().unwrap_or_else(|| date(*d));
                let clock = written.next().unwrap_or_else(|| time(*tm));
                p.tok(at, &day);
                p.tok(at, &clock);
                if let Some(zone) = zone {
                    let span = zone.span();
                    p.slice(span.start as usize, span.end as usize);
                }
            }
            TestStepKind::Mock {
                service,
                operation,
                returns,
            } => {
                p.tok(at, "mock");
                ident(p, service);
                p.glued(operation.span.start as usize, ".");
                p.glue_next();
                ident(p, operation);
                match returns {
                    Some(value) => {
                        p.tok(value.span.start as usize, "returns");
                        expr(p, value);
                    }
                    None => p.tok(operation.span.end as usize, "fails"),
                }
            }
            TestStepKind::SendText(text) => {
                p.tok(at, "send");
                string(p, text);
            }
            TestStepKind::SendKeys(key) => {
                p.tok(at, "send");
                p.tok(key.span.start as usize, "key");
                p.slice(key.span.start as usize, key.span.end as usize);
            }
            TestStepKind::SendNoInput => {
                p.tok(at, "send");
                p.tok(at, "no_input");
            }
            // Files with syntax errors are never printed.
            TestStepKind::Error => p.slice(at, step.span.end as usize),
            TestStepKind::Expect(expectation) => {
                p.tok(at, "expect");
                match expectation {
                    Expectation::Say(text) => {
                        p.tok(at, "say");
                        string(p, text);
                    }
                    Expectation::SayMatches(re) => {
                        p.tok(at, "say");
                        regex(p, re);
                    }
                    Expectation::Handoff(h) => super::flow::handoff(p, at, h),
                    Expectation::End => p.tok(at, "end"),
                    Expectation::Transfer(t) => {
                        p.tok(at, "transfer");
                        string(p, &t.to);
                        if let Some(reason) = &t.reason {
                            p.tok(reason.span.start as usize, "reason");
                            string(p, reason);
                        }
                    }
                    Expectation::State(s) => word_ident(p, at, "state", s),
                    Expectation::Slot { slot, value } => {
                        p.tok(at, "slot");
                        ident(p, slot);
                        p.tok(value.span.start as usize, "==");
                        expr(p, value);
                    }
                }
            }
        }
    }
    let last = t
        .steps
        .last()
        .map_or(t.name.span.end as usize + 1, |s| s.span.end as usize);
    let close = if t.span.end as usize > 0
        && p.src.as_bytes().get(t.span.end as usize - 1) == Some(&b'}')
    {
        t.span.end as usize - 1
    } else {
        close_after(p.src, last)
    };
    p.close_block(close);
}
