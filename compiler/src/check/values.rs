//! Literal values that must make sense on their own: `invalid-hours` (time zones, times,
//! day and date ranges) and `invalid-regex`.

use crate::ast::*;
use crate::diagnostic::Diagnostic;
use crate::diagnostic::ids;
use crate::resolve::Model;
use crate::visit;
use chrono::NaiveDate;

pub fn check_hours(model: &Model, diagnostics: &mut Vec<Diagnostic>) {
    // A flow's `timezone` (for `today` and `now`) must be a zone too.
    for flow in &model.flows {
        if let Some(zone) = &flow.flow.timezone {
            let name = zone.plain_text();
            if name.parse::<chrono_tz::Tz>().is_err() {
                let candidates = chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name());
                let note = match crate::suggest::closest(&name, candidates) {
                    Some(s) => format!("did you mean \"{s}\"?"),
                    None => {
                        "use an IANA name such as \"Asia/Shanghai\" or \"Europe/London\"".into()
                    }
                };
                diagnostics.push(
                    Diagnostic::new(
                        ids::INVALID_HOURS,
                        zone.span,
                        format!("unknown time zone \"{name}\""),
                    )
                    .with_primary_message("not an IANA time zone name")
                    .with_note(note),
                );
            }
        }
    }
    for hours in model.hours.iter() {
        if let Some(zone) = &hours.timezone {
            {
                let name = zone.plain_text();
                if name.parse::<chrono_tz::Tz>().is_err() {
                    let mut d = Diagnostic::new(
                        ids::INVALID_HOURS,
                        zone.span,
                        format!("unknown time zone \"{name}\""),
                    )
                    .with_primary_message("not an IANA time zone name");
                    let candidates = chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name());
                    match crate::suggest::closest(&name, candidates) {
                        Some(s) => d = d.with_note(format!("did you mean \"{s}\"?")),
                        None => {
                            d = d.with_note(
                                "use an IANA name such as \"Asia/Shanghai\" or \"Europe/London\"",
                            )
                        }
                    }
                    diagnostics.push(d);
                }
            }
        }
        for weekly in &hours.weekly {
            if weekly.first_day > weekly.last_day {
                diagnostics.push(
                    Diagnostic::new(
                        ids::INVALID_HOURS,
                        weekly.span,
                        format!("the day range {}-{} runs backwards", weekly.first_day.as_str(), weekly.last_day.as_str()),
                    )
                    .with_note("write days from Monday to Sunday, e.g. `mon-fri`, or split the range into two lines"),
                );
            }
            for range in &weekly.ranges {
                let valid = |t: Time, end: bool| {
                    (t.hour < 24 && t.minute < 60) || (end && t.hour == 24 && t.minute == 0)
                };
                if !valid(range.start, false) || !valid(range.end, true) {
                    diagnostics.push(
                        Diagnostic::new(
                            ids::INVALID_HOURS,
                            range.span,
                            "this is not a time of day",
                        )
                        .with_note("times run from 00:00 to 23:59; `24:00` may end a range"),
                    );
                } else if range.start == range.end {
                    // An end before the start is an overnight range (`22:00-06:00` runs to 06:00
                    // the next morning); the same time twice is no range at all.
                    diagnostics.push(
                        Diagnostic::new(ids::INVALID_HOURS, range.span, "this time range starts and ends at the same time")
                            .with_note("for the whole day write `00:00-24:00`; a range that ends before it starts runs past midnight, e.g. `22:00-06:00`"),
                    );
                }
            }
        }
        overlapping_ranges(hours, diagnostics);
        for closed in &hours.closed {
            let first = real_date(closed.first);
            let last = real_date(closed.last);
            match (first, last) {
                (Some(first), Some(last)) if first > last => diagnostics.push(
                    Diagnostic::new(
                        ids::INVALID_HOURS,
                        closed.span,
                        "this date range ends before it starts",
                    )
                    .with_note("write the earlier date first: `closed 2026-10-01..2026-10-07`"),
                ),
                (Some(_), Some(_)) => {}
                _ => {
                    let bad = if first.is_none() {
                        closed.first
                    } else {
                        closed.last
                    };
                    diagnostics.push(
                        Diagnostic::new(
                            ids::INVALID_HOURS,
                            closed.span,
                            "this is not a calendar date",
                        )
                        .with_note(no_such_date(bad)),
                    );
                }
            }
        }
    }
}

/// Ranges of one day that overlap (`mon-fri 09:00-17:00 12:00-13:00`, meant as a lunch
/// break, opens at 09:00 and stays open through lunch): reported once per pair, on the later
/// range, with the way to write a break. Overnight ranges (`22:00-06:00`) and impossible
/// times are left to the other checks.
fn overlapping_ranges(hours: &Hours, diagnostics: &mut Vec<Diagnostic>) {
    let minutes = |t: Time| t.hour * 60 + t.minute;
    let mut reported: std::collections::HashSet<(crate::source::Span, crate::source::Span)> =
        std::collections::HashSet::new();
    for day in Weekday::ALL {
        let ranges: Vec<&TimeRange> = hours
            .weekly
            .iter()
            .filter(|w| w.first_day <= day && day <= w.last_day)
            .flat_map(|w| &w.ranges)
            .filter(|r| minutes(r.start) < minutes(r.end) && minutes(r.end) <= 24 * 60)
            .collect();
        for (i, later) in ranges.iter().enumerate() {
            let Some(earlier) = ranges[..i].iter().find(|e| {
                minutes(e.start) < minutes(later.end) && minutes(later.start) < minutes(e.end)
            }) else {
                continue;
            };
            if !reported.insert((earlier.span, later.span)) {
                continue;
            }
            let within = minutes(earlier.start) <= minutes(later.start)
                && minutes(later.end) <= minutes(earlier.end);
            let mut d = Diagnostic::new(
                ids::INVALID_HOURS,
                later.span,
                format!("this time range overlaps another one on {}", day.as_str()),
            )
            .with_primary_message("overlaps an earlier range of the same day")
            .with_label(earlier.span, "this range already covers part of it");
            if within {
                let t = |t: Time| format!("{:02}:{:02}", t.hour, t.minute);
                d = d.with_note(format!(
                    "for a break, write the open times on either side of it: `{}-{} {}-{}`",
                    t(earlier.start),
                    t(later.start),
                    t(later.end),
                    t(earlier.end)
                ));
            } else {
                d = d.with_note(
                    "merge the two ranges into one, or make them meet without overlapping",
                );
            }
            diagnostics.push(d);
        }
    }
}

/// Why `date` (written as a date, but not one) does not exist: "2026-02-30: February 2026
/// has 28 days", "month 13 does not exist".
fn no_such_date(date: Date) -> String {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let written = format!("{:04}-{:02}-{:02}", date.year, date.month, date.day);
    let Some(month) = MONTHS.get((date.month as usize).wrapping_sub(1)) else {
        return format!(
            "{written}: there is no month {} (months run 01 to 12)",
            date.month
        );
    };
    let days = (28..=31)
        .rev()
        .find(|d| NaiveDate::from_ymd_opt(date.year, date.month, *d).is_some())
        .unwrap_or(28);
    format!("{written}: {month} {} has {days} days", date.year)
}

pub fn real_date(date: Date) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(date.year, date.month, date.day)
}

pub fn check_regexes(model: &Model, diagnostics: &mut Vec<Diagnostic>) {
    let mut regexes: Vec<&RegexLit> = Vec::new();
    // Every expression of every flow, the retry messages of flow-level handlers included
    // (a bad pattern there once passed `check` and then failed `build`).
    for flow in &model.flows {
        visit::each_flow_expr(flow.flow, &mut |e| {
            if let ExprKind::Matches(_, regex) = &e.kind {
                regexes.push(regex);
            }
        });
        // `slot x: text matching /re/`.
        for slot in &flow.flow.slots {
            if let TypeKind::TextMatching(regex) = &slot.ty.kind {
                regexes.push(regex);
            }
        }
    }
    for service in model.services.iter() {
        for op in &service.operations {
            for field in op.params.iter().chain(&op.returns) {
                if let TypeKind::TextMatching(regex) = &field.ty.kind {
                    regexes.push(regex);
                }
            }
        }
    }
    for test in &model.tests {
        for step in &test.steps {
            if let TestStepKind::Expect(Expectation::SayMatches(regex)) = &step.kind {
                regexes.push(regex);
            }
        }
    }
    // Projects repeat the same pattern in many flows (an escalate rule copied per department):
    // compile each distinct pattern once.
    let mut compiled: std::collections::HashMap<&str, Result<(), regex::Error>> =
        std::collections::HashMap::new();
    for regex in regexes {
        let result = compiled
            .entry(regex.pattern.as_str())
            // With the runtime's size limits: what `check` accepts, a runtime loads.
            .or_insert_with(|| {
                csflow_runtime::bundle::verify::compile_regex(&regex.pattern).map(drop)
            });
        if let Err(error) = result {
            let detail = match &*error {
                regex::Error::Syntax(text) => text
                    .lines()
                    .last()
                    .unwrap_or("")
                    .trim_start_matches("error: ")
                    .to_string(),
                other => other.to_string(),
            };
            diagnostics.push(
                Diagnostic::new(ids::INVALID_REGEX, regex.span, format!("this regular expression does not compile: {detail}"))
                    .with_note("csflow uses Rust `regex` syntax; escape special characters such as `(` or `?` with `\\`"),
            );
        }
    }
}
