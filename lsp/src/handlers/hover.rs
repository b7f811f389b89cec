//! Hover: what a designer wants to know about the thing under the cursor — a state's
//! prompts and exits, an intent's examples, a slot's type, a queue's hours and whether it
//! is open now, an operation's signature and time-out, a knowledge entry's owner and
//! review date — and the explanation of a diagnostic there.

use crate::context::Ctx;
use crate::definitions::Def;
use crate::handlers::symbols::signature;
use crate::navigation;
use chrono::{Datelike, Timelike};
use csflow_compiler::ast::*;
use csflow_compiler::diagnostic::registry;
use csflow_compiler::resolve::DefKind;
use tower_lsp_server::ls_types::*;

pub fn hover(ctx: &Ctx, position: Position) -> Option<Hover> {
    let offset = ctx.offset(position);
    let mut sections = Vec::new();
    let mut range = None;
    let analysis = &ctx.snapshot.analysis;
    if let Some(id) = analysis.definition_at(ctx.file, offset) {
        let resolution = &analysis.resolution;
        let here = resolution
            .reference_at(ctx.file, offset as u32)
            .map(|r| r.span)
            .or_else(|| {
                resolution
                    .definition_named_at(ctx.file, offset as u32)
                    .and_then(|d| analysis.def(d).name)
            });
        let text = match analysis.def(id).kind {
            DefKind::Builtin(builtin) => Some(format!(
                "```csflow\n{}\n```\n\nBuilt-in: {}",
                builtin.name, builtin.summary
            )),
            DefKind::Channel(name) => Some(format!(
                "```csflow\n{name}\n```\n\nA channel, for `channel == {name}`"
            )),
            DefKind::File(file) => Some(format!("Imports `{}`", ctx.sources().get(file).path)),
            _ => navigation::ast_def(ctx, id).map(|def| describe(ctx, def)),
        };
        if let Some(text) = text {
            sections.push(text);
            range = here.map(|span| ctx.range(span));
        }
    }
    // Definitions the resolver has no kind for (knowledge entries): their own name.
    if sections.is_empty()
        && let Some(name) = ctx
            .ast()
            .and_then(|file| crate::syntax::name_at(file, offset))
        && name.definition
        && let Some(def) = crate::definitions::definition_at(analysis, name.span)
    {
        sections.push(describe(ctx, def));
        range = Some(ctx.range(name.span));
    }
    for diagnostic in &ctx.snapshot.analysis.diagnostics {
        let span = diagnostic.primary.span;
        if span.file == ctx.file
            && span.start as usize <= offset
            && offset <= span.end as usize
            && let Some(check) = registry::lookup(diagnostic.name())
        {
            let link = crate::diagnostics::explain_url(ctx.explain_base, check.name)
                .map(|url| format!("\n\n[Read more]({})", url.as_str()))
                .unwrap_or_default();
            sections.push(format!(
                "**{}** `{}` ({})\n\n{}\n\n{}{link}",
                check.name,
                check.code,
                diagnostic.severity.as_str(),
                check.summary,
                check.explanation
            ));
            range.get_or_insert(ctx.range(span));
        }
    }
    if sections.is_empty() {
        return None;
    }
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: sections.join("\n\n---\n\n"),
        }),
        range,
    })
}

fn quote(text: &str) -> String {
    format!("“{}”", text.replace('\n', " "))
}

/// The hover text of a definition.
pub fn describe(ctx: &Ctx, def: Def) -> String {
    let name = def.ident().map_or("", |n| n.name.as_str());
    let heading = match def {
        Def::Result(_, call, _) => format!(
            "call {}.{}(…) into {name}",
            call.service.name, call.operation.name
        ),
        _ => format!("{} {name}", def.kind_name()),
    };
    let mut out = format!("```csflow\n{heading}\n```\n");
    let mut line = |text: String| {
        out.push('\n');
        out.push_str(&text);
        out.push('\n');
    };
    match def {
        Def::Flow(flow) => {
            let channel = flow.channel.map(|(c, _)| c.as_str()).unwrap_or("any");
            line(format!("Channel: {channel}"));
            if let Some(start) = &flow.start {
                line(format!("Starts at `{}`", start.name));
            }
            line(format!(
                "{} states, {} slots",
                flow.states.len(),
                flow.slots.len()
            ));
        }
        Def::State(flow, state) => {
            if flow
                .start
                .as_ref()
                .is_some_and(|s| state.name.text() == Some(s.name.as_str()))
            {
                line(format!("The start state of `{}`", shown(&flow.name)));
            }
            let (prompts, exits) = state_summary(ctx, state);
            if !prompts.is_empty() {
                line(format!("Says:\n{}", bullets(&prompts)));
            }
            const SHOWN: usize = 12;
            let entered = navigation::entered_from(ctx, flow, state, SHOWN);
            if let Some((entered, total)) = entered {
                if entered.is_empty() {
                    line("Entered from: nowhere (no `goto` or option leads here)".to_string());
                } else {
                    let mut text = entered.join(", ");
                    if total > SHOWN {
                        text.push_str(&format!(" and {} more", total - SHOWN));
                    }
                    line(format!("Entered from: {text}"));
                }
            }
            if !exits.is_empty() {
                line(format!("Goes to: {}", exits.join(", ")));
            }
        }
        Def::Slot(_, slot) => {
            line(format!("Type: `{}`", slot.ty.kind.describe()));
            if let Some(default) = &slot.default {
                line(format!("Default: `{}`", ctx.sources().slice(default.span)));
            } else {
                line("Default: none (unset until asked or set)".to_string());
            }
            if slot.sensitive {
                line("**Sensitive**: masked in transcripts, logs, hand-off payloads and API responses".to_string());
            }
        }
        Def::Result(_, call, _) => {
            line(format!(
                "Result of `call {}.{}`",
                call.service.name, call.operation.name
            ));
            if let Some(op) = operation_of(ctx, call) {
                line(format!("```csflow\n{}\n```", signature(op)));
            }
            line("`none` until the call sets it".to_string());
        }
        Def::EnumValue(_, slot, _) => line(format!("A value of the slot `{}`", shown(&slot.name))),
        Def::Intent(intent) => {
            let examples: Vec<String> = intent
                .examples
                .iter()
                .map(|e| quote(&e.plain_text()))
                .collect();
            line(format!("Examples:\n{}", bullets(&examples)));
        }
        Def::Queue(queue) => {
            match &queue.hours {
                Some(hours) => {
                    line(format!("Staffed during `{}`", hours.name));
                    if let Some(decl) = hours_named(ctx, &hours.name) {
                        line(schedule(decl));
                        line(open_now_text(decl, ctx.now));
                    }
                }
                None => line("No hours: always open".to_string()),
            }
            if !queue.skills.is_empty() {
                let skills: Vec<String> = queue.skills.iter().map(Str::plain_text).collect();
                line(format!("Skills: {}", skills.join(", ")));
            }
        }
        Def::Hours(hours) => {
            line(schedule(hours));
            line(open_now_text(hours, ctx.now));
        }
        Def::Knowledge(knowledge) => {
            let entries: Vec<String> = knowledge
                .entries
                .iter()
                .map(|e| {
                    let question = match e.questions.first() {
                        _ if e.broken => "(this entry does not parse)".to_string(),
                        Some(q) => quote(&q.plain_text()),
                        None => String::new(),
                    };
                    format!("`{}` {question}", shown(&e.name))
                })
                .collect();
            line(format!("{} entries:\n{}", entries.len(), bullets(&entries)));
        }
        Def::Entry(_, entry) => {
            let questions: Vec<String> = entry
                .questions
                .iter()
                .map(|q| quote(&q.plain_text()))
                .collect();
            line(format!("Questions:\n{}", bullets(&questions)));
            if let Some(answer) = &entry.answer {
                line(format!("Answer: {}", quote(&answer.plain_text())));
            }
            if let Some(owner) = &entry.owner {
                line(format!("Owner: {}", owner.plain_text()));
            }
            if let Some((date, _)) = entry.review_by {
                let today = ctx.now.date_naive();
                let due = chrono::NaiveDate::from_ymd_opt(date.year, date.month, date.day);
                let stale = due.is_some_and(|d| d < today);
                line(format!(
                    "Review by: {:04}-{:02}-{:02}{}",
                    date.year,
                    date.month,
                    date.day,
                    if stale { " (**overdue**)" } else { "" }
                ));
            }
        }
        Def::Service(service) => {
            let ops: Vec<String> = service
                .operations
                .iter()
                .map(|o| format!("`{}`", signature(o)))
                .collect();
            line(format!("Operations:\n{}", bullets(&ops)));
            line(timeout_text(service));
        }
        Def::Operation(service, op) => {
            line(format!(
                "```csflow\n{}.{}\n```",
                shown(&service.name),
                signature(op)
            ));
            line(timeout_text(service));
        }
        Def::Field(service, op, field) => {
            let role = if op.params.iter().any(|p| p.name.span == field.name.span) {
                "parameter"
            } else {
                "result field"
            };
            line(format!(
                "A {role} of `{}.{}`: `{}`",
                shown(&service.name),
                shown(&op.name),
                field.ty.kind.describe()
            ));
        }
    }
    out
}

fn bullets(items: &[String]) -> String {
    const MAX: usize = 12;
    let mut out: Vec<String> = items.iter().take(MAX).map(|i| format!("- {i}")).collect();
    if items.len() > MAX {
        out.push(format!("- … and {} more", items.len() - MAX));
    }
    out.join("\n")
}

fn timeout_text(service: &Service) -> String {
    match &service.timeout {
        Some(timeout) => format!("Time-out: {}", duration(timeout.millis)),
        None => "Time-out: none declared (the runtime's default applies)".to_string(),
    }
}

pub fn duration(millis: u64) -> String {
    if millis.is_multiple_of(60_000) {
        format!("{}m", millis / 60_000)
    } else if millis.is_multiple_of(1000) {
        format!("{}s", millis / 1000)
    } else {
        format!("{millis}ms")
    }
}

/// What a state says (its prompts, in order) and where it leads.
fn state_summary(ctx: &Ctx, state: &State) -> (Vec<String>, Vec<String>) {
    let _ = ctx;
    let mut prompts = Vec::new();
    let mut exits: Vec<String> = Vec::new();
    let mut add_exit = |exit: String| {
        if !exits.contains(&exit) {
            exits.push(exit);
        }
    };
    csflow_compiler::visit::each_stmt(&state.body, &mut |stmt| match &stmt.kind {
        StmtKind::Say(text) => prompts.push(quote(&text.plain_text())),
        StmtKind::Ask(ask) => prompts.push(format!(
            "{} (asks `{}`)",
            quote(&ask.prompt.plain_text()),
            ask.slot.name
        )),
        StmtKind::Menu(menu) => prompts.push(format!(
            "{} (menu, {} options)",
            quote(&menu.prompt.plain_text()),
            menu.options.len()
        )),
        StmtKind::Goto(target) => add_exit(format!("`{}`", target.name)),
        StmtKind::Handoff(handoff) => add_exit(format!("handoff `{}`", handoff.queue.name)),
        StmtKind::End => add_exit("end".to_string()),
        _ => {}
    });
    (prompts, exits)
}

fn operation_of<'a>(ctx: &Ctx<'a>, call: &Call) -> Option<&'a Operation> {
    let mut found = None;
    for (_, file) in &ctx.snapshot.analysis.files {
        for item in &file.items {
            if let Item::Service(service) = item
                && found.is_none()
                && service.name.text() == Some(call.service.name.as_str())
            {
                found = service
                    .operations
                    .iter()
                    .find(|o| o.name.text() == Some(call.operation.name.as_str()));
            }
        }
    }
    found
}

fn hours_named<'a>(ctx: &Ctx<'a>, name: &str) -> Option<&'a Hours> {
    ctx.snapshot.analysis.files.iter().find_map(|(_, file)| {
        file.items.iter().find_map(|item| match item {
            Item::Hours(hours) if hours.name.text() == Some(name) => Some(&**hours),
            _ => None,
        })
    })
}

fn time(t: Time) -> String {
    format!("{:02}:{:02}", t.hour, t.minute)
}

fn date(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year, d.month, d.day)
}

fn schedule(hours: &Hours) -> String {
    let mut lines = Vec::new();
    if let Some(zone) = &hours.timezone {
        lines.push(format!("Time zone: {}", zone.plain_text()));
    }
    for weekly in &hours.weekly {
        let days = if weekly.first_day == weekly.last_day {
            weekly.first_day.as_str().to_string()
        } else {
            format!("{}-{}", weekly.first_day.as_str(), weekly.last_day.as_str())
        };
        let mut line = format!("- {days}");
        for r in &weekly.ranges {
            line.push_str(&format!(" {}-{}", time(r.start), time(r.end)));
        }
        if weekly.broken {
            line.push_str(" … (this line does not parse)");
        }
        lines.push(line);
    }
    for closed in &hours.closed {
        if closed.first == closed.last {
            lines.push(format!("- closed {}", date(closed.first)));
        } else {
            lines.push(format!(
                "- closed {}..{}",
                date(closed.first),
                date(closed.last)
            ));
        }
    }
    lines.join("\n")
}

/// Whether `hours` is open at `now`, in its own time zone; `None` when the zone is unknown.
pub fn open_at(hours: &Hours, now: chrono::DateTime<chrono::Utc>) -> Option<bool> {
    let zone: chrono_tz::Tz = match &hours.timezone {
        Some(zone) => zone.plain_text().parse().ok()?,
        None => chrono_tz::UTC,
    };
    let local = now.with_timezone(&zone);
    let today = Date {
        year: local.year(),
        month: local.month(),
        day: local.day(),
    };
    if hours
        .closed
        .iter()
        .any(|c| c.first <= today && today <= c.last)
    {
        return Some(false);
    }
    let weekday = local.weekday().num_days_from_monday() as usize;
    let minute = local.hour() * 60 + local.minute();
    let in_days = |weekly: &WeeklyHours| {
        let (first, last) = (weekly.first_day.index(), weekly.last_day.index());
        if first <= last {
            first <= weekday && weekday <= last
        } else {
            weekday >= first || weekday <= last
        }
    };
    let open = hours.weekly.iter().any(|weekly| {
        in_days(weekly)
            && weekly.ranges.iter().any(|r| {
                let start = r.start.hour * 60 + r.start.minute;
                let end = r.end.hour * 60 + r.end.minute;
                start <= minute && minute < end
            })
    });
    // A line of today's days that does not parse may hold the range that opens them.
    if !open && hours.weekly.iter().any(|w| w.broken && in_days(w)) {
        return None;
    }
    Some(open)
}

fn open_now_text(hours: &Hours, now: chrono::DateTime<chrono::Utc>) -> String {
    let zone: Option<chrono_tz::Tz> = match &hours.timezone {
        Some(zone) => zone.plain_text().parse().ok(),
        None => Some(chrono_tz::UTC),
    };
    let local = zone
        .map(|zone| {
            now.with_timezone(&zone)
                .format(" (%a %H:%M there)")
                .to_string()
        })
        .unwrap_or_default();
    match open_at(hours, now) {
        Some(true) => format!("**Open now**{local}"),
        Some(false) => format!("**Closed now**{local}"),
        None if zone.is_none() => {
            "Open now: unknown (the time zone is not an IANA name)".to_string()
        }
        None => format!("Open now: unknown (a line of today's hours does not parse){local}"),
    }
}

/// A name for a hover text; `…` for one not written yet.
fn shown(name: &Option<Ident>) -> &str {
    name.text().unwrap_or("…")
}
