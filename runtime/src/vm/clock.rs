//! The conversation's clock and `hours` evaluation: is a queue or `open(HOURS)` open now?

use crate::bundle::{Bundle, Date, Hours};
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

/// The conversation's date, for relative dates in replies ("tomorrow", 下周一): the clock's
/// date in the zone of the bundle's first `hours` block (a project's hours normally share
/// one zone), else in UTC. A wall clock (a test's `time` without a zone) is its own date.
pub fn today(bundle: &Bundle, clock: &Clock) -> Date {
    let zone = bundle
        .hours
        .first()
        .map_or("UTC", |h| bundle.str(h.timezone));
    let date = clock.local_in(zone).date();
    Date {
        year: date.year(),
        month: date.month() as u8,
        day: date.day() as u8,
    }
}

/// Whether `hours` is open at `clock`. Closed dates win over weekly ranges; a range whose
/// end is at or before its start runs past midnight; an hours block with no weekly ranges
/// is open every day except its closed dates.
pub fn is_open(bundle: &Bundle, hours: &Hours, clock: &Clock) -> bool {
    let local = clock.local_in(bundle.str(hours.timezone));
    let date = local.date();
    let today = Date {
        year: date.year(),
        month: date.month() as u8,
        day: date.day() as u8,
    };
    if hours
        .closed
        .iter()
        .any(|range| range.first <= today && today <= range.last)
    {
        return false;
    }
    if hours.weekly.is_empty() {
        return true;
    }
    let weekday = date.weekday().num_days_from_monday() as u8;
    let yesterday = (weekday + 6) % 7;
    let minute = local.hour() * 60 + local.minute();
    hours.weekly.iter().any(|range| {
        let (start, end) = (range.start.minutes(), range.end.minutes());
        if end > start {
            range.day == weekday && start <= minute && minute < end
        } else {
            (range.day == weekday && minute >= start) || (range.day == yesterday && minute < end)
        }
    })
}
