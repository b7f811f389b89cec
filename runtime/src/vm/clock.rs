//! The conversation's clock and `hours` evaluation: is a queue or `open(HOURS)` open now?

use crate::bundle::{Bundle, Date, Flow, Hours, Time};
use chrono::{DateTime, Datelike, NaiveDateTime, TimeZone, Timelike, Utc};

/// What "now" is for a conversation. The runtime never reads the machine's clock itself:
/// the caller passes it, so tests and replays are deterministic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// One instant, converted into each `hours` block's own time zone.
    Instant(DateTime<Utc>),
    /// This wall-clock time in every `hours` block's own zone ("10:00 on Monday, wherever
    /// the office is") — the meaning of a test's `time` line without a zone.
    WallClock(NaiveDateTime),
}

impl Clock {
    /// The documented instant for tests without a `time` line: Monday 2026-01-05 10:00
    /// wall-clock time in every hours block's zone.
    pub fn test_default() -> Clock {
        let at = chrono::NaiveDate::from_ymd_opt(2026, 1, 5).and_then(|d| d.and_hms_opt(10, 0, 0));
        Clock::WallClock(at.unwrap_or_default())
    }

    /// The local time in `zone` (an IANA name; an unknown name reads as UTC).
    pub fn local_in(&self, zone: &str) -> NaiveDateTime {
        match self {
            Clock::WallClock(at) => *at,
            Clock::Instant(at) => match zone.parse::<chrono_tz::Tz>() {
                Ok(tz) => tz.from_utc_datetime(&at.naive_utc()).naive_local(),
                Err(_) => at.naive_utc(),
            },
        }
    }
}

/// The flow's time zone: its own `timezone`, else the zone of the bundle's first `hours`
/// block (a project's hours normally share one zone), else UTC.
pub fn flow_zone<'b>(bundle: &'b Bundle, flow: &Flow) -> &'b str {
    match flow.timezone {
        Some(zone) => bundle.str(zone),
        None => bundle
            .hours
            .first()
            .map_or("UTC", |h| bundle.str(h.timezone)),
    }
}

/// The conversation's date in the flow's time zone ([`flow_zone`]): `today`, and the day
/// relative dates in replies ("tomorrow", 下周一) count from. A wall clock (a test's `time`
/// without a zone) is its own date.
pub fn today(bundle: &Bundle, flow: &Flow, clock: &Clock) -> Date {
    let date = clock.local_in(flow_zone(bundle, flow)).date();
    Date {
        year: date.year(),
        month: date.month() as u8,
        day: date.day() as u8,
    }
}

/// The conversation's time of day in the flow's time zone (`now`), to the minute.
pub fn now(bundle: &Bundle, flow: &Flow, clock: &Clock) -> Time {
    let local = clock.local_in(flow_zone(bundle, flow));
    Time {
        hour: local.hour() as u8,
        minute: local.minute() as u8,
    }
}

/// Whether `hours` is open at `clock`.
///
/// - A range whose end is before its start runs past midnight, and **belongs to the day it
///   starts**: `fri 22:00-06:00` is open Friday 22:00 – Saturday 06:00; `mon-fri 18:00-09:00`
///   is open from Monday 18:00 to Saturday 09:00 except 09:00–18:00 on weekdays, and *not*
///   on Monday before 09:00 (that morning would belong to a Sunday range).
/// - Closed dates close the ranges that start on them: on a closed Friday the night from
///   Friday 22:00 is closed, also after midnight; a closed Saturday does not shorten
///   Friday's night, which ends at 06:00 on Saturday as usual.
/// - An hours block with no weekly ranges is open every day except its closed dates.
pub fn is_open(bundle: &Bundle, hours: &Hours, clock: &Clock) -> bool {
    let local = clock.local_in(bundle.str(hours.timezone));
    let date = local.date();
    let as_date = |d: chrono::NaiveDate| Date {
        year: d.year(),
        month: d.month() as u8,
        day: d.day() as u8,
    };
    let closed = |day: Date| {
        hours
            .closed
            .iter()
            .any(|range| range.first <= day && day <= range.last)
    };
    let today = as_date(date);
    if hours.weekly.is_empty() {
        return !closed(today);
    }
    let yesterday_date = date.pred_opt().map(as_date);
    let weekday = date.weekday().num_days_from_monday() as u8;
    let yesterday = (weekday + 6) % 7;
    let minute = local.hour() * 60 + local.minute();
    hours.weekly.iter().any(|range| {
        let (start, end) = (range.start.minutes(), range.end.minutes());
        if end > start {
            range.day == weekday && start <= minute && minute < end && !closed(today)
        } else {
            (range.day == weekday && minute >= start && !closed(today))
                || (range.day == yesterday
                    && minute < end
                    && yesterday_date.is_some_and(|d| !closed(d)))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::{DateRange, WeeklyRange};
    use std::sync::Arc;

    /// A night desk: Friday 22:00 – Saturday 06:00, and weekdays 18:00 – 09:00.
    fn night_desk(closed: &[(u8, u8)]) -> (Bundle, Hours) {
        let bundle = Bundle {
            strings: vec![Arc::from("night"), Arc::from("Europe/Berlin")],
            ..Bundle::default()
        };
        let t = |hour, minute| Time { hour, minute };
        let mut weekly = vec![WeeklyRange {
            day: 4,
            start: t(22, 0),
            end: t(6, 0),
        }];
        weekly.extend((0..4).map(|day| WeeklyRange {
            day,
            start: t(18, 0),
            end: t(9, 0),
        }));
        let hours = Hours {
            name: 0,
            timezone: 1,
            weekly,
            closed: closed
                .iter()
                .map(|(month, day)| {
                    let date = Date {
                        year: 2026,
                        month: *month,
                        day: *day,
                    };
                    DateRange {
                        first: date,
                        last: date,
                    }
                })
                .collect(),
        };
        (bundle, hours)
    }

    fn at(month: u32, day: u32, hour: u32, minute: u32) -> Clock {
        let when = chrono::NaiveDate::from_ymd_opt(2026, month, day)
            .and_then(|d| d.and_hms_opt(hour, minute, 0))
            .unwrap_or_default();
        Clock::WallClock(when)
    }

    #[test]
    fn an_overnight_range_belongs_to_the_day_it_starts() {
        let (bundle, hours) = night_desk(&[]);
        // 2026-11-27 is a Friday.
        assert!(!is_open(&bundle, &hours, &at(11, 27, 21, 59)));
        assert!(is_open(&bundle, &hours, &at(11, 27, 22, 0)));
        assert!(
            is_open(&bundle, &hours, &at(11, 28, 5, 59)),
            "Saturday morning"
        );
        assert!(!is_open(&bundle, &hours, &at(11, 28, 6, 0)));
        assert!(
            !is_open(&bundle, &hours, &at(11, 28, 22, 0)),
            "no Saturday range"
        );
        // mon-thu 18:00-09:00: Monday morning belongs to Sunday, which has no range.
        assert!(!is_open(&bundle, &hours, &at(11, 23, 8, 0)));
        assert!(is_open(&bundle, &hours, &at(11, 23, 18, 0)));
        assert!(
            is_open(&bundle, &hours, &at(11, 24, 8, 59)),
            "Tuesday morning"
        );
        assert!(!is_open(&bundle, &hours, &at(11, 24, 9, 0)));
    }

    #[test]
    fn a_closed_date_closes_the_night_that_starts_on_it() {
        // Friday 2026-12-25 closed: its night is closed, also after midnight.
        let (bundle, hours) = night_desk(&[(12, 25)]);
        assert!(!is_open(&bundle, &hours, &at(12, 25, 23, 0)));
        assert!(!is_open(&bundle, &hours, &at(12, 26, 2, 0)));
        // Thursday's night runs into the closed Friday morning: still open.
        assert!(is_open(&bundle, &hours, &at(12, 25, 2, 0)));
        // A closed Saturday does not shorten Friday's night.
        let (bundle, hours) = night_desk(&[(11, 28)]);
        assert!(is_open(&bundle, &hours, &at(11, 28, 3, 0)));
    }
}
