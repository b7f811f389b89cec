//! `date` and `time` replies in English and Chinese, written or relative.
//!
//! Relative dates are read against the conversation's clock (`today`, the date of the
//! conversation's clock; the test's `time` in `csflow test`); without a clock they are
//! refused. The rules, also in docs/runtime.md:
//! - `today`/今天, `tomorrow`/明天, `the day after tomorrow`/后天, 大后天, `yesterday`/昨天,
//!   前天; `in 3 days`/三天后, `in a week`/一周后.
//! - A weekday alone (`Friday`, 周五, 星期五) is the next such day after today (today is never
//!   meant: a caller would say "today"). `this Friday`/这周五/本周五 is that day of the current
//!   week, `next Friday`/下周五 that day of next week, 下下周五 the week after; weeks run
//!   Monday to Sunday.
//! - A month and day without a year (`December 3`, `12月3日`, `the 3rd of December`) is the
//!   next such date on or after today; a day alone (`3号`) is that day of this month, or of
//!   next month when it has passed.
//! - Numeric dates: year first (`2026-12-03`, `2026/12/03`, `2026.12.03`, `2026年12月3日`) is
//!   always year-month-day. With the year last, the order is read from the numbers when only
//!   one order is a date (`25/12/2026`, `12/25/2026`); when both are (`12/03/2026`: 12 March
//!   or 3 December?) the reply is **refused as ambiguous** and the `ask` asks again, unless
//!   both numbers are equal.

use super::normalize::half_width;
use super::numbers::{cjk_to_arabic, words_to_numerals};
use crate::bundle::{Date, Time};
use chrono::{Datelike, Duration, NaiveDate};

fn naive(d: Date) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(d.year, d.month as u32, d.day as u32)
}

fn from_naive(d: NaiveDate) -> Date {
    Date {
        year: d.year(),
        month: d.month() as u8,
        day: d.day() as u8,
    }
}

fn ymd(year: i64, month: i64, day: i64) -> Option<Date> {
    let d = NaiveDate::from_ymd_opt(
        i32::try_from(year).ok()?,
        u32::try_from(month).ok()?,
        u32::try_from(day).ok()?,
    )?;
    Some(from_naive(d))
}

/// The text prepared for matching: half-width, lowercase, Chinese and English number words
/// as numerals, ordinal suffixes dropped ("3rd" → "3"), apostrophes removed.
fn prepare(text: &str) -> String {
    let text: String = text
        .trim()
        .chars()
        .map(half_width)
        .filter(|c| !matches!(c, '\'' | '’'))
        .collect::<String>()
        .to_lowercase();
    let text = words_to_numerals(&cjk_to_arabic(&text), false);
    // Ordinals: 3rd, 1st, 22nd, 4th.
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        out.push(chars[i]);
        if chars[i].is_ascii_digit() && i + 2 < chars.len() + 1 {
            let rest: String = chars[i + 1..(i + 3).min(chars.len())].iter().collect();
            let ends = chars.get(i + 3).is_none_or(|c| !c.is_ascii_alphanumeric());
            if matches!(rest.as_str(), "st" | "nd" | "rd" | "th") && ends {
                i += 3;
                continue;
            }
        }
        i += 1;
    }
    out
}

fn month_name(word: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    const FULL: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let word = word.trim_end_matches('.');
    let i = FULL
        .iter()
        .position(|m| *m == word)
        .or_else(|| MONTHS.iter().position(|m| *m == word))
        .or_else(|| (word == "sept").then_some(8))?;
    Some(i as u32 + 1)
}

fn weekday_name(word: &str) -> Option<u32> {
    const DAYS: [(&str, &str); 7] = [
        ("monday", "mon"),
        ("tuesday", "tue"),
        ("wednesday", "wed"),
        ("thursday", "thu"),
        ("friday", "fri"),
        ("saturday", "sat"),
        ("sunday", "sun"),
    ];
    let word = word.trim_end_matches('.');
    DAYS.iter()
        .position(|(full, short)| {
            *full == word
                || *short == word
                || (word == "tues" && *short == "tue")
                || (word == "thurs" && *short == "thu")
        })
        .map(|i| i as u32)
}

/// Chinese weekday after 周/星期/礼拜: 1–6 (already numerals), 日/天/7 = Sunday.
fn cjk_weekday(c: char) -> Option<u32> {
    match c {
        '1'..='6' => Some(c as u32 - '1' as u32),
        '7' | '日' | '天' => Some(6),
        _ => None,
    }
}

/// Which week a weekday is in: the next such day after today, or a week offset from this one.
#[derive(Clone, Copy)]
enum Week {
    Upcoming,
    Offset(i64),
}

fn weekday_date(today: NaiveDate, weekday: u32, week: Week) -> Date {
    let current = today.weekday().num_days_from_monday() as i64;
    let target = weekday as i64;
    let day = match week {
        Week::Upcoming => {
            let ahead = (target - current).rem_euclid(7);
            today + Duration::days(if ahead == 0 { 7 } else { ahead })
        }
        Week::Offset(weeks) => today + Duration::days(target - current + 7 * weeks),
    };
    from_naive(day)
}

/// The next month-day on or after today (this year, else next year).
fn upcoming(today: NaiveDate, month: i64, day: i64) -> Option<Date> {
    let this_year = today.year() as i64;
    match ymd(this_year, month, day) {
        Some(d) if naive(d)? >= today => Some(d),
        // 29 February: the next year that has one is too far to guess; refuse instead.
        _ => ymd(this_year + 1, month, day),
    }
}

/// Parses a `date` reply; `today` (the conversation's clock) reads relative forms.
pub fn parse_date(text: &str, today: Option<Date>) -> Option<Date> {
    let text = prepare(text);
    if let Some(d) = numeric_date(&text) {
        return d;
    }
    if let Some(d) = chinese_date(&text, today) {
        return d;
    }
    english_date(&text, today)
}

/// Numbers separated by `-`, `/` or `.`: `Some(None)` when the text is such a date but not a
/// valid or unambiguous one.
fn numeric_date(text: &str) -> Option<Option<Date>> {
    let token = text
        .split(|c: char| c.is_whitespace() || c == ',')
        .find(|w| {
            w.chars().any(|c| matches!(c, '-' | '/' | '.')) && w.chars().any(|c| c.is_ascii_digit())
        })?;
    let parts: Vec<&str> = token.trim_end_matches('.').split(['-', '/', '.']).collect();
    let [a, b, c] = parts.as_slice() else {
        return None;
    };
    if ![a, b, c]
        .iter()
        .all(|p| !p.is_empty() && p.len() <= 4 && p.chars().all(|ch| ch.is_ascii_digit()))
    {
        return None;
    }
    let (a_n, b_n, c_n) = (
        a.parse::<i64>().ok()?,
        b.parse::<i64>().ok()?,
        c.parse::<i64>().ok()?,
    );
    Some(if a.len() == 4 {
        ymd(a_n, b_n, c_n)
    } else if c.len() == 4 {
        let day_first = ymd(c_n, b_n, a_n);
        let month_first = ymd(c_n, a_n, b_n);
        match (day_first, month_first) {
            (Some(d), Some(m)) if d == m => Some(d),
            (Some(_), Some(_)) => None,
            (d, m) => d.or(m),
        }
    } else {
        None
    })
}

/// The number right before byte `end` in `text` (after Chinese numerals became digits).
fn number_before(text: &str, end: usize) -> Option<i64> {
    let head = &text[..end];
    let head = head.trim_end();
    let start = head
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_ascii_digit())
        .last()
        .map(|(i, _)| i)?;
    head[start..].parse().ok()
}

fn chinese_date(text: &str, today: Option<Date>) -> Option<Option<Date>> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let today_n = today.and_then(naive);
    // Y年M月D日/号, M月D日, D号.
    if let Some(month_at) = compact.find('月') {
        let month = number_before(&compact, month_at)?;
        let after = &compact[month_at + '月'.len_utf8()..];
        let day_len = after.chars().take_while(|c| c.is_ascii_digit()).count();
        let day: i64 = after[..day_len].parse().ok()?;
        let year = compact[..month_at]
            .find('年')
            .and_then(|at| number_before(&compact, at));
        return Some(match year {
            Some(year) => ymd(if year < 100 { 2000 + year } else { year }, month, day),
            None => today_n.and_then(|t| upcoming(t, month, day)),
        });
    }
    if let Some(at) = compact.find(['号', '日']).filter(|at| *at > 0)
        && let Some(day) = number_before(&compact, at)
    {
        let t = today_n?;
        let this_month = ymd(t.year() as i64, t.month() as i64, day)
            .filter(|d| naive(*d).is_some_and(|n| n >= t));
        let next = t.checked_add_months(chrono::Months::new(1))?;
        return Some(this_month.or_else(|| ymd(next.year() as i64, next.month() as i64, day)));
    }
    let t = today_n?;
    let offsets: [(&str, i64); 7] = [
        ("大后天", 3),
        ("后天", 2),
        ("明天", 1),
        ("明日", 1),
        ("今天", 0),
        ("今日", 0),
        ("昨天", -1),
    ];
    for (word, days) in offsets {
        if compact.contains(word) {
            return Some(Some(from_naive(t + Duration::days(days))));
        }
    }
    if compact.contains("前天") {
        return Some(Some(from_naive(t - Duration::days(2))));
    }
    // N天后, N周后, N个星期后.
    for (unit, days) in [
        ("天", 1),
        ("周", 7),
        ("个星期", 7),
        ("星期", 7),
        ("个礼拜", 7),
    ] {
        for tail in ["后", "以后", "之后"] {
            let pattern = format!("{unit}{tail}");
            if let Some(at) = compact.find(&pattern)
                && let Some(n) = number_before(&compact, at)
            {
                return Some(Some(from_naive(t + Duration::days(n * days))));
            }
        }
    }
    // Weekdays: [下下|下个|下|这个|这|本|上]周/星期/礼拜 + 1–6/日/天.
    for marker in ["星期", "礼拜", "周"] {
        let Some(at) = compact.find(marker) else {
            continue;
        };
        let Some(day) = compact[at + marker.len()..]
            .chars()
            .next()
            .and_then(cjk_weekday)
        else {
            continue;
        };
        let before = &compact[..at];
        let week = if before.ends_with("下下个") || before.ends_with("下下") {
            Week::Offset(2)
        } else if before.ends_with("下个") || before.ends_with('下') {
            Week::Offset(1)
        } else if before.ends_with("上个") || before.ends_with('上') {
            Week::Offset(-1)
        } else if before.ends_with("这个") || before.ends_with('这') || before.ends_with('本') {
            Week::Offset(0)
        } else {
            Week::Upcoming
        };
        return Some(Some(weekday_date(t, day, week)));
    }
    None
}

fn english_date(text: &str, today: Option<Date>) -> Option<Date> {
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .collect();
    let number = |w: &str| w.parse::<i64>().ok();
    // Month names: "december 3 [2026]", "3 december [2026]", "3 of december".
    if let Some(at) = words.iter().position(|w| month_name(w).is_some()) {
        let month = month_name(words[at])? as i64;
        let after = words.get(at + 1).and_then(|w| number(w));
        let before = at
            .checked_sub(1)
            .and_then(|i| words.get(i))
            .and_then(|w| if *w == "of" { None } else { number(w) })
            .or_else(|| {
                (at >= 2 && words[at - 1] == "of")
                    .then(|| number(words[at - 2]))
                    .flatten()
            });
        let day = match (after, before) {
            (Some(d), _) if d <= 31 => Some((d, at + 2)),
            (_, Some(d)) if d <= 31 => Some((d, at + 1)),
            // "May I come tomorrow": a month name without a day is no date.
            _ => None,
        };
        if let Some((day, year_at)) = day {
            let year = words
                .get(year_at)
                .and_then(|w| number(w))
                .filter(|y| *y >= 1000);
            return match year {
                Some(year) => ymd(year, month, day),
                None => upcoming(naive(today?)?, month, day),
            };
        }
    }
    let t = naive(today?)?;
    let has = |w: &str| words.contains(&w);
    if text.contains("day after tomorrow") {
        return Some(from_naive(t + Duration::days(2)));
    }
    if text.contains("day before yesterday") {
        return Some(from_naive(t - Duration::days(2)));
    }
    for (word, days) in [
        ("today", 0),
        ("tomorrow", 1),
        ("yesterday", -1),
        ("tonight", 0),
    ] {
        if has(word) {
            return Some(from_naive(t + Duration::days(days)));
        }
    }
    // "in 3 days", "in a week", "3 days from now", "in two weeks".
    for (i, w) in words.iter().enumerate() {
        let days = match w.trim_end_matches('s') {
            "day" => 1,
            "week" => 7,
            _ => continue,
        };
        let n = match i.checked_sub(1).map(|j| words[j]) {
            Some("a" | "one") => 1,
            Some(n) => match number(n) {
                Some(n) => n,
                None => continue,
            },
            None => continue,
        };
        let relative = (i >= 2 && words[i - 2] == "in")
            || words
                .get(i + 1)
                .is_some_and(|n| matches!(*n, "from" | "later"));
        if relative {
            return Some(from_naive(t + Duration::days(n * days)));
        }
    }
    let at = words.iter().position(|w| weekday_name(w).is_some())?;
    let weekday = weekday_name(words[at])?;
    let week = match at.checked_sub(1).map(|i| words[i]) {
        Some("next") => Week::Offset(1),
        Some("this") => Week::Offset(0),
        Some("last") => Week::Offset(-1),
        _ => Week::Upcoming,
    };
    Some(weekday_date(t, weekday, week))
}

#[derive(Clone, Copy, PartialEq)]
enum Period {
    /// Morning: 12 is midnight ("12am", 凌晨十二点).
    Am,
    /// Around noon (中午): 11 and 12 as said, 1–5 in the afternoon.
    Noon,
    Pm,
}

fn with_period(hour: i64, minute: i64, period: Option<Period>) -> Option<Time> {
    let hour = match period {
        None => hour,
        Some(_) if hour > 12 && hour < 24 => hour,
        Some(Period::Am) if (0..=12).contains(&hour) => hour % 12,
        Some(Period::Noon) if (11..=12).contains(&hour) => hour,
        Some(Period::Noon | Period::Pm) if (1..=11).contains(&hour) => hour + 12,
        Some(Period::Pm) if hour == 12 => 12,
        Some(_) => return None,
    };
    ((0..24).contains(&hour) && (0..60).contains(&minute)).then_some(Time {
        hour: hour as u8,
        minute: minute as u8,
    })
}

/// Parses a `time` reply: `09:00`, `9:30 pm`, `9am`, `noon`, `half past two`, `quarter to
/// five`, `ten thirty`, `nine in the morning`, `21点30分`, `9点半`, `下午两点半`, `三点一刻`,
/// `晚上八点`, `凌晨三点`, `中午一点`.
pub fn parse_time(text: &str) -> Option<Time> {
    let text = prepare(text);
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let period = cjk_period(&compact).or_else(|| english_period(&text));
    if compact.contains('点') || compact.contains('时') {
        return chinese_time(&compact, period);
    }
    english_time(&text, period)
}

fn cjk_period(compact: &str) -> Option<Period> {
    const AM: [&str; 6] = ["凌晨", "早上", "早晨", "清晨", "上午", "早"];
    const NOON: [&str; 1] = ["中午"];
    const PM: [&str; 7] = ["下午", "傍晚", "晚上", "今晚", "夜里", "夜间", "晚"];
    if NOON.iter().any(|w| compact.contains(w)) {
        Some(Period::Noon)
    } else if PM.iter().any(|w| compact.contains(w)) {
        Some(Period::Pm)
    } else if AM.iter().any(|w| compact.contains(w)) {
        Some(Period::Am)
    } else {
        None
    }
}

fn english_period(text: &str) -> Option<Period> {
    let words: Vec<&str> = text
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let has = |w: &str| words.contains(&w);
    if has("afternoon") || has("evening") || has("night") || has("tonight") || has("pm") {
        Some(Period::Pm)
    } else if has("morning") || has("am") {
        Some(Period::Am)
    } else {
        // "9am", "2:30pm" glued to the number.
        let glued = |suffix: &str| {
            words.iter().any(|w| {
                w.strip_suffix(suffix)
                    .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
            })
        };
        if glued("pm") || text.contains("p.m") {
            Some(Period::Pm)
        } else if glued("am") || text.contains("a.m") {
            Some(Period::Am)
        } else {
            None
        }
    }
}

fn chinese_time(compact: &str, period: Option<Period>) -> Option<Time> {
    let at = compact.find(['点', '时'])?;
    let hour = number_before(compact, at)?;
    let rest = &compact[at + '点'.len_utf8()..];
    let minute = if rest.starts_with('半') {
        30
    } else if rest.starts_with("1刻") {
        15
    } else if rest.starts_with("3刻") {
        45
    } else {
        let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
        if digits.is_empty() {
            0
        } else {
            digits.parse().ok()?
        }
    };
    with_period(hour, minute, period)
}

fn english_time(text: &str, period: Option<Period>) -> Option<Time> {
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .collect();
    let has = |w: &str| words.contains(&w);
    if has("noon") || has("midday") {
        return with_period(12, 0, None);
    }
    if has("midnight") {
        return with_period(0, 0, None);
    }
    let hour_of = |w: &str| -> Option<i64> {
        let w = w
            .trim_end_matches("oclock")
            .trim_end_matches("am")
            .trim_end_matches("pm")
            .trim_end_matches("a.m.")
            .trim_end_matches("p.m.");
        w.parse().ok()
    };
    // "half past two", "quarter past ten", "quarter to five", "20 past 3", "10 to 6".
    for (i, w) in words.iter().enumerate() {
        if !matches!(*w, "past" | "to" | "after") || i == 0 {
            continue;
        }
        let Some(hour) = words.get(i + 1).and_then(|h| hour_of(h)) else {
            continue;
        };
        let minutes = match words[i - 1] {
            "half" => 30,
            "quarter" => 15,
            n => match n.parse::<i64>() {
                Ok(n) if n < 60 => n,
                _ => match (words[i - 1], i.checked_sub(2).map(|j| words[j])) {
                    ("minutes", Some(n)) => n.parse().ok()?,
                    _ => continue,
                },
            },
        };
        return if *w == "to" {
            with_period((hour + 23) % 24, 60 - minutes, period)
        } else {
            with_period(hour, minutes, period)
        };
    }
    // "9:30", "9.30pm", "9am", "9 o'clock", "ten thirty", "2 pm".
    for (i, w) in words.iter().enumerate() {
        let core = w
            .trim_end_matches("oclock")
            .trim_end_matches("a.m.")
            .trim_end_matches("p.m.")
            .trim_end_matches("am")
            .trim_end_matches("pm");
        if let Some((h, m)) = core.split_once(':') {
            let hour: i64 = h.parse().ok()?;
            if m.len() != 2 || (period.is_some() && hour > 12) {
                return None;
            }
            return with_period(hour, m.parse().ok()?, period);
        }
        let Ok(hour) = core.parse::<i64>() else {
            continue;
        };
        // "13pm": am/pm go with 1–12 only.
        if period.is_some() && hour > 12 {
            return None;
        }
        let glued = core.len() != w.len();
        let next = words.get(i + 1).copied();
        let minute = match next.and_then(|n| n.parse::<i64>().ok()) {
            Some(m) if (0..60).contains(&m) && hour <= 24 => m,
            _ => 0,
        };
        let marked = glued
            || period.is_some()
            || next.is_some_and(|n| matches!(n, "oclock" | "am" | "pm" | "a.m." | "p.m."))
            || minute != 0
            || next.is_some_and(|n| n.parse::<i64>().is_ok());
        if !marked {
            return None;
        }
        return with_period(hour, minute, period);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const TODAY: Date = Date {
        year: 2026,
        month: 12,
        day: 1,
    };

    fn d(text: &str) -> Option<String> {
        parse_date(text, Some(TODAY)).map(|d| format!("{:04}-{:02}-{:02}", d.year, d.month, d.day))
    }

    #[test]
    fn relative_dates_need_a_clock() {
        assert_eq!(d("明天").as_deref(), Some("2026-12-02"));
        assert_eq!(d("next Monday").as_deref(), Some("2026-12-07"));
        assert_eq!(parse_date("tomorrow", None), None);
        assert!(parse_date("2026-12-03", None).is_some());
    }

    #[test]
    fn ambiguous_numeric_dates_are_refused() {
        assert_eq!(d("12/03/2026"), None);
        assert_eq!(d("13/03/2026").as_deref(), Some("2026-03-13"));
        assert_eq!(d("03/13/2026").as_deref(), Some("2026-03-13"));
        assert_eq!(d("03/03/2026").as_deref(), Some("2026-03-03"));
    }

    #[test]
    fn times() {
        let t = |s: &str| parse_time(s).map(|t| format!("{:02}:{:02}", t.hour, t.minute));
        assert_eq!(t("下午两点半").as_deref(), Some("14:30"));
        assert_eq!(t("quarter to five").as_deref(), Some("04:45"));
        assert_eq!(t("13pm"), None);
        assert_eq!(t("later"), None);
    }
}
