//! Reply parsers, one per slot type: a user's text or keypad input → a slot value, or
//! `None` when the reply does not fit the type (a `no_match`).

use super::normalize::{half_width, normalize};
use super::similarity::contains_word;
use crate::bundle::{Bundle, Date, SlotType, Time};
use crate::value::Value;

/// A reply to parse: `keys` is true for keypad input (DTMF).
#[derive(Debug, Clone, Copy)]
pub struct Reply<'a> {
    pub text: &'a str,
    pub keys: bool,
    /// Voice channel: a spoken "1"/"2" counts like the keys for yes/no.
    pub voice: bool,
}

/// Parses `reply` as a value of `ty`; enum value names are looked up in `bundle`.
pub fn parse_slot(ty: &SlotType, bundle: &Bundle, reply: Reply<'_>) -> Option<Value> {
    let text = reply.text.trim();
    if text.is_empty() {
        return None;
    }
    match ty {
        SlotType::Text => Some(Value::Text(text.to_string())),
        SlotType::Number => parse_number(text).map(Value::Number),
        SlotType::Integer => parse_number(text)
            .filter(|n| n.fract() == 0.0)
            .map(Value::Number),
        SlotType::Digits { min, max } => parse_digits(text, *min, *max).map(Value::Text),
        SlotType::YesNo | SlotType::Bool => {
            parse_yes_no(text, reply.keys || reply.voice).map(Value::Bool)
        }
        SlotType::Date => parse_date(text).map(Value::Date),
        SlotType::Time => parse_time(text).map(Value::Time),
        SlotType::Email => parse_email(text).map(Value::Text),
        SlotType::Phone => parse_phone(text).map(Value::Text),
        SlotType::Enum(values) => {
            let names: Vec<&str> = values.iter().map(|id| bundle.str(*id)).collect();
            parse_enum(text, &names).map(|name| Value::Text(name.to_string()))
        }
        SlotType::Record => None,
    }
}

fn half(text: &str) -> String {
    text.chars().map(half_width).collect()
}

/// Chinese digit characters as spoken/recognized (幺 is "one" when reading out numbers).
fn cjk_digit(c: char) -> Option<char> {
    let digit = match c {
        '零' | '〇' => '0',
        '一' | '幺' => '1',
        '二' | '两' => '2',
        '三' => '3',
        '四' => '4',
        '五' => '5',
        '六' => '6',
        '七' => '7',
        '八' => '8',
        '九' => '9',
        _ => return None,
    };
    Some(digit)
}

/// `3`, `-0.5`, `1,234.5`, or the one number inside a short reply ("about 3").
pub fn parse_number(text: &str) -> Option<f64> {
    let text = half(text);
    let cleaned: String = text
        .trim()
        .chars()
        .filter(|c| *c != ',' && *c != '_')
        .collect();
    if let Ok(n) = cleaned.parse::<f64>() {
        return n.is_finite().then_some(n);
    }
    let mut found = Vec::new();
    let chars: Vec<char> = cleaned.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let negative = chars[i] == '-' && chars.get(i + 1).is_some_and(|c| c.is_ascii_digit());
        if chars[i].is_ascii_digit() || negative {
            let start = i;
            i += 1;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            let piece: String = chars[start..i].iter().collect();
            found.push(piece.trim_end_matches('.').parse::<f64>().ok()?);
        } else {
            i += 1;
        }
    }
    match found.as_slice() {
        [n] if n.is_finite() => Some(*n),
        _ => None,
    }
}

/// Digits with optional spaces/dashes/dots between them ("1234", "12 34", "12-34", keys),
/// or the one such run inside a reply ("it's 1234"); checked against `min..=max` length.
pub fn parse_digits(text: &str, min: Option<u32>, max: Option<u32>) -> Option<String> {
    let text: String = half(text)
        .chars()
        .map(|c| cjk_digit(c).unwrap_or(c))
        .collect();
    let mut runs: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut gap = false;
    for c in text.chars() {
        if c.is_ascii_digit() {
            current.push(c);
            gap = false;
        } else if matches!(c, ' ' | '-' | '.') && !current.is_empty() && !gap {
            gap = true;
        } else if !current.is_empty() {
            runs.push(std::mem::take(&mut current));
            gap = false;
        }
    }
    if !current.is_empty() {
        runs.push(current);
    }
    let [digits] = runs.as_slice() else {
        return None;
    };
    let len = digits.chars().count() as u32;
    if min.is_some_and(|m| len < m) || max.is_some_and(|m| len > m) {
        return None;
    }
    Some(digits.clone())
}

const YES_WORDS: &[&str] = &[
    "yes",
    "yeah",
    "yep",
    "yup",
    "ya",
    "yah",
    "sure",
    "ok",
    "okay",
    "correct",
    "right",
    "y",
    "affirmative",
    "absolutely",
    "definitely",
    "certainly",
    "please",
    "true",
    "indeed",
];
const NO_WORDS: &[&str] = &[
    "no", "nope", "nah", "n", "not", "never", "negative", "wrong", "false", "dont",
];
/// Chinese replies meaning "no"; checked before the yes list because 不是 contains 是.
const CHINESE_NO: &[&str] = &[
    "不是",
    "不要",
    "没有",
    "不对",
    "不用",
    "不行",
    "不需要",
    "不了",
    "算了",
    "否",
];
const CHINESE_YES: &[&str] = &[
    "没问题",
    "是",
    "对",
    "好的",
    "好",
    "可以",
    "嗯",
    "行",
    "要",
    "需要",
    "确定",
    "当然",
];

/// English and Chinese yes/no words; `1` = yes and `2` = no for keypad (and voice) replies.
pub fn parse_yes_no(text: &str, digits_count: bool) -> Option<bool> {
    let norm = normalize(text);
    if digits_count {
        match norm.as_str() {
            "1" => return Some(true),
            "2" => return Some(false),
            _ => {}
        }
    }
    for word in norm.split(' ') {
        if YES_WORDS.contains(&word) {
            return Some(true);
        }
        if NO_WORDS.contains(&word) {
            return Some(false);
        }
        if word.starts_with("没问题") {
            return Some(true);
        }
        if CHINESE_NO.iter().any(|w| word.contains(w))
            || word.starts_with('不')
            || word.starts_with('没')
            || word.starts_with('别')
        {
            return Some(false);
        }
        if CHINESE_YES.iter().any(|w| word.contains(w)) {
            return Some(true);
        }
    }
    None
}

fn date(year: i32, month: u32, day: u32) -> Option<Date> {
    chrono::NaiveDate::from_ymd_opt(year, month, day)?;
    Some(Date {
        year,
        month: month as u8,
        day: day as u8,
    })
}

/// `2026-11-23`, `2026/11/23`, `2026.11.23`, `23/11/2026`, `23-11-2026`, `2026年11月23日`.
pub fn parse_date(text: &str) -> Option<Date> {
    let text = half(text.trim());
    let parts: Vec<&str> = text
        .split(['-', '/', '.', '年', '月', '日', '号', ' '])
        .filter(|p| !p.is_empty())
        .collect();
    let [a, b, c] = parts.as_slice() else {
        return None;
    };
    if ![a, b, c]
        .iter()
        .all(|p| p.chars().all(|ch| ch.is_ascii_digit()))
    {
        return None;
    }
    let (a_num, b_num, c_num) = (
        a.parse::<i32>().ok()?,
        b.parse::<u32>().ok()?,
        c.parse::<i32>().ok()?,
    );
    if a.len() == 4 {
        date(a_num, b_num, c_num as u32)
    } else if c.len() == 4 {
        date(c_num, b_num, a_num as u32)
    } else {
        None
    }
}

/// `09:00`, `9:30`, `9am`, `9:30 pm`, `21点`, `9点半`, `21点30分`.
pub fn parse_time(text: &str) -> Option<Time> {
    let text = half(text.trim()).to_lowercase().replace(' ', "");
    let (body, offset) = if let Some(rest) = text.strip_suffix("am") {
        (rest.to_string(), Some(0))
    } else if let Some(rest) = text.strip_suffix("pm") {
        (rest.to_string(), Some(12))
    } else {
        (text.clone(), None)
    };
    let body = body
        .replace("点半", ":30")
        .replace(['点', '时'], ":")
        .replace('分', "");
    let (hour, minute) = match body.split_once(':') {
        Some((h, "")) => (h.parse::<u32>().ok()?, 0),
        Some((h, m)) if m.len() == 2 => (h.parse::<u32>().ok()?, m.parse::<u32>().ok()?),
        Some(_) => return None,
        None if offset.is_some() => (body.parse::<u32>().ok()?, 0),
        None => return None,
    };
    let hour = match offset {
        Some(add) if (1..=12).contains(&hour) => hour % 12 + add,
        Some(_) => return None,
        None => hour,
    };
    (hour < 24 && minute < 60).then_some(Time {
        hour: hour as u8,
        minute: minute as u8,
    })
}

/// An address like `name@example.com` (the domain lowercased), alone or inside the reply.
pub fn parse_email(text: &str) -> Option<String> {
    let candidate = half(text)
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '<' | '>' | '，'))
        .find(|w| w.contains('@'))?
        .trim_end_matches(['.', '。'])
        .to_string();
    let (local, domain) = candidate.split_once('@')?;
    let local_ok = !local.is_empty()
        && local
            .chars()
            .all(|c| c.is_alphanumeric() || "._%+-".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels
            .iter()
            .all(|l| !l.is_empty() && l.chars().all(|c| c.is_alphanumeric() || c == '-'));
    (local_ok && domain_ok).then(|| format!("{local}@{}", domain.to_lowercase()))
}

/// Phone numbers with an optional country code (`+86 138 0013 8000`, `0086…`, `(555) 123-4567`),
/// 7 to 15 digits; the value is `+` and digits, or just digits without a country code.
pub fn parse_phone(text: &str) -> Option<String> {
    let text = half(text.trim());
    if !text
        .chars()
        .all(|c| c.is_ascii_digit() || " -.()+".contains(c))
    {
        return None;
    }
    let plus = text.starts_with('+');
    let mut digits: String = text.chars().filter(|c| c.is_ascii_digit()).collect();
    let international = plus || digits.starts_with("00");
    if !plus && digits.starts_with("00") {
        digits.drain(..2);
    }
    if !(7..=15).contains(&digits.len()) {
        return None;
    }
    Some(if international {
        format!("+{digits}")
    } else {
        digits
    })
}

/// An enum value by name, case-insensitively: the whole reply, or the one value the reply
/// mentions ("gold please").
pub fn parse_enum<'a>(text: &str, names: &[&'a str]) -> Option<&'a str> {
    let norm = normalize(text);
    if let Some(name) = names.iter().find(|n| normalize(n) == norm) {
        return Some(name);
    }
    let mentioned: Vec<&&str> = names
        .iter()
        .filter(|n| contains_word(&norm, &normalize(n)))
        .collect();
    match mentioned.as_slice() {
        [one] => Some(one),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_accept_separators_and_check_length() {
        assert_eq!(
            parse_digits("1234", Some(4), Some(4)).as_deref(),
            Some("1234")
        );
        assert_eq!(
            parse_digits("12 34", Some(4), Some(4)).as_deref(),
            Some("1234")
        );
        assert_eq!(
            parse_digits("12-34", Some(4), Some(4)).as_deref(),
            Some("1234")
        );
        assert_eq!(
            parse_digits("it is 1234.", Some(4), Some(4)).as_deref(),
            Some("1234")
        );
        assert_eq!(
            parse_digits("１２３４", Some(4), Some(4)).as_deref(),
            Some("1234")
        );
        assert_eq!(
            parse_digits("一二三四", Some(4), Some(4)).as_deref(),
            Some("1234")
        );
        assert_eq!(parse_digits("123", Some(4), Some(4)), None);
        assert_eq!(parse_digits("12 and 34", None, None), None);
        assert_eq!(
            parse_digits("123456", Some(4), Some(6)).as_deref(),
            Some("123456")
        );
        assert_eq!(parse_digits("hello", None, None), None);
    }

    #[test]
    fn yes_no_in_english_and_chinese() {
        for yes in [
            "yes",
            "Yeah",
            "sure",
            "OK",
            "yes please",
            "是",
            "对",
            "好的",
            "可以",
            "嗯",
            "是的",
            "没问题",
        ] {
            assert_eq!(parse_yes_no(yes, false), Some(true), "{yes}");
        }
        for no in [
            "no",
            "Nope",
            "no thanks",
            "not really",
            "不",
            "不是",
            "不要",
            "没有",
            "不用了",
            "不对",
        ] {
            assert_eq!(parse_yes_no(no, false), Some(false), "{no}");
        }
        assert_eq!(parse_yes_no("1", true), Some(true));
        assert_eq!(parse_yes_no("2", true), Some(false));
        assert_eq!(parse_yes_no("1", false), None);
        assert_eq!(parse_yes_no("banana", false), None);
    }

    #[test]
    fn numbers_dates_times() {
        assert_eq!(parse_number("3"), Some(3.0));
        assert_eq!(parse_number("-0.5"), Some(-0.5));
        assert_eq!(parse_number("1,234"), Some(1234.0));
        assert_eq!(parse_number("about 3 please"), Some(3.0));
        assert_eq!(parse_number("3 or 4"), None);
        assert_eq!(
            parse_date("2026-11-23"),
            Some(Date {
                year: 2026,
                month: 11,
                day: 23
            })
        );
        assert_eq!(
            parse_date("23/11/2026"),
            Some(Date {
                year: 2026,
                month: 11,
                day: 23
            })
        );
        assert_eq!(
            parse_date("2026年11月23日"),
            Some(Date {
                year: 2026,
                month: 11,
                day: 23
            })
        );
        assert_eq!(parse_date("2026-02-30"), None);
        assert_eq!(parse_time("09:00"), Some(Time { hour: 9, minute: 0 }));
        assert_eq!(parse_time("9am"), Some(Time { hour: 9, minute: 0 }));
        assert_eq!(
            parse_time("9:30 pm"),
            Some(Time {
                hour: 21,
                minute: 30
            })
        );
        assert_eq!(parse_time("12am"), Some(Time { hour: 0, minute: 0 }));
        assert_eq!(
            parse_time("9点半"),
            Some(Time {
                hour: 9,
                minute: 30
            })
        );
        assert_eq!(parse_time("25:00"), None);
    }

    #[test]
    fn email_phone_enum() {
        assert_eq!(
            parse_email("a.b@Example.COM").as_deref(),
            Some("a.b@example.com")
        );
        assert_eq!(
            parse_email("mail me at x@y.cn please").as_deref(),
            Some("x@y.cn")
        );
        assert_eq!(parse_email("x@y"), None);
        assert_eq!(
            parse_phone("+86 138 0013 8000").as_deref(),
            Some("+8613800138000")
        );
        assert_eq!(
            parse_phone("0086-138-0013-8000").as_deref(),
            Some("+8613800138000")
        );
        assert_eq!(parse_phone("(555) 123-4567").as_deref(), Some("5551234567"));
        assert_eq!(parse_phone("12"), None);
        assert_eq!(parse_enum("GOLD", &["gold", "silver"]), Some("gold"));
        assert_eq!(
            parse_enum("silver please", &["gold", "silver"]),
            Some("silver")
        );
        assert_eq!(parse_enum("gold or silver", &["gold", "silver"]), None);
    }
}
