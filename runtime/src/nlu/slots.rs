//! Reply parsers, one per slot type: a user's text or keypad input → a slot value, or
//! `None` when the reply does not fit the type (a `no_match`).

use super::normalize::{half_width, normalize};
use super::numbers::{cjk_digit, cjk_to_arabic, words_to_numerals};
use super::similarity::contains_word;
use crate::bundle::{Bundle, Date, SlotType};
use crate::value::Value;

/// A reply to parse: `keys` is true for keypad input (DTMF).
#[derive(Debug, Clone, Copy)]
pub struct Reply<'a> {
    pub text: &'a str,
    pub keys: bool,
    /// Voice channel: a spoken "1"/"2" counts like the keys for yes/no.
    pub voice: bool,
    /// The conversation's date, for relative dates ("tomorrow", 下周一); `None` refuses them.
    pub today: Option<Date>,
}

/// Parses `reply` as a value of `ty`; enum value names are looked up in `bundle`.
pub fn parse_slot(ty: &SlotType, bundle: &Bundle, reply: Reply<'_>) -> Option<Value> {
    let mut text = reply.text.trim();
    // Keyed entry ends with the hash key ("enter your PIN followed by #").
    if reply.keys
        || text
            .chars()
            .all(|c| c.is_ascii_digit() || c == '#' || c == ' ')
    {
        text = text.trim_end_matches('#').trim_end();
    }
    if text.is_empty() {
        return None;
    }
    match ty {
        SlotType::Text => Some(Value::Text(reply.text.trim().to_string())),
        SlotType::Number => parse_number(text).map(Value::Number),
        SlotType::Integer => parse_number(text)
            .filter(|n| n.fract() == 0.0)
            .map(Value::Number),
        SlotType::Digits { min, max } => parse_digits(text, *min, *max).map(Value::Text),
        SlotType::YesNo | SlotType::Bool => {
            parse_yes_no(text, reply.keys || reply.voice).map(Value::Bool)
        }
        SlotType::Date => parse_date(text, reply.today).map(Value::Date),
        SlotType::Time => parse_time(text).map(Value::Time),
        SlotType::Email => parse_email(text).map(Value::Text),
        SlotType::Phone => parse_phone(text).map(Value::Text),
        SlotType::Enum(values) => {
            let names: Vec<&str> = values.iter().map(|id| bundle.str(*id)).collect();
            parse_enum(text, &names).map(|name| Value::Text(name.to_string()))
        }
        SlotType::LabelledEnum(values) => {
            let names: Vec<&str> = values.iter().map(|v| bundle.str(v.name)).collect();
            if let Some(name) = parse_enum(text, &names) {
                return Some(Value::Text(name.to_string()));
            }
            // The caller may answer with a value's label ("基础套餐" picks `basic`).
            let labels: Vec<&str> = values
                .iter()
                .map(|v| v.label.map_or("", |l| bundle.str(l)))
                .collect();
            let label = parse_enum(text, &labels).filter(|l| !l.is_empty())?;
            let index = labels.iter().position(|l| *l == label)?;
            Some(Value::Text(names.get(index)?.to_string()))
        }
        SlotType::Matching(regex) => {
            let regex = bundle.models.regex(bundle, *regex as usize).ok()?;
            parse_matching(text, regex).map(Value::Text)
        }
        SlotType::Record | SlotType::List(_) | SlotType::Fields(_) => None,
    }
}

/// `text matching /re/`: the reply with full-width forms made ASCII (`ＡＢ１２` → `AB12`,
/// the ideographic space a space) and the surrounding spaces trimmed; then, in this order,
/// that text as it is, in upper case and in lower case; then the same three with every
/// space and `-` removed ("ab 12-cd" → "AB12CD"). The first that the pattern matches is
/// the value, so a pattern that wants upper case gets upper case, one that wants lower
/// case gets lower case, and one that cares about neither keeps what was said.
pub fn parse_matching(text: &str, regex: &regex::Regex) -> Option<String> {
    let folded: String = text.trim().chars().map(half_width).collect();
    let folded = folded.trim().to_string();
    if folded.is_empty() {
        return None;
    }
    let compact: String = folded
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    let mut candidates = Vec::with_capacity(6);
    for base in [folded, compact] {
        let upper = base.to_uppercase();
        let lower = base.to_lowercase();
        candidates.push(base);
        candidates.push(upper);
        candidates.push(lower);
    }
    candidates.into_iter().find(|c| regex.is_match(c))
}

fn half(text: &str) -> String {
    text.chars().map(half_width).collect()
}

/// `3`, `-0.5`, `1,234.5`, `twenty five`, `二十五`, `三点五`, `1.5万`, or the one number inside a
/// short reply ("about 3", 大概三十个).
pub fn parse_number(text: &str) -> Option<f64> {
    let text = half(text).to_lowercase();
    let text = words_to_numerals(&cjk_to_arabic(&text), false);
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
        let sign = matches!(chars[i], '-' | '负');
        let negative = sign && chars.get(i + 1).is_some_and(|c| c.is_ascii_digit());
        if chars[i].is_ascii_digit() || negative {
            let start = i;
            i += 1;
            while i < chars.len()
                && (chars[i].is_ascii_digit()
                    || ((chars[i] == '.' || chars[i] == '点')
                        && chars.get(i + 1).is_some_and(|c| c.is_ascii_digit())))
            {
                i += 1;
            }
            let piece: String = chars[start..i]
                .iter()
                .map(|c| match c {
                    '点' => '.',
                    '负' => '-',
                    c => *c,
                })
                .collect();
            let mut value = piece.parse::<f64>().ok()?;
            // 1.5万, 3千.
            let place = match chars.get(i) {
                Some('万') => 10_000.0,
                Some('千') => 1_000.0,
                Some('百') => 100.0,
                Some('亿') => 100_000_000.0,
                _ => 1.0,
            };
            if place > 1.0 {
                value *= place;
                i += 1;
            }
            found.push(value);
        } else {
            i += 1;
        }
    }
    match found.as_slice() {
        [n] if n.is_finite() => Some(*n),
        _ => None,
    }
}

/// Digits as typed or read out, one digit at a time: with optional spaces/dashes/dots
/// between them ("1234", "12 34", "12-34", keys), in words ("one two three four", "oh oh
/// seven", "double five"), or in Chinese digits (一二三四, 幺幺二); or the one such run inside
/// a reply ("it's 1234", 密码是幺二三四). Checked against `min..=max` length.
pub fn parse_digits(text: &str, min: Option<u32>, max: Option<u32>) -> Option<String> {
    let digits = digit_runs(text, false)?;
    let len = digits.chars().count() as u32;
    if min.is_some_and(|m| len < m) || max.is_some_and(|m| len > m) {
        return None;
    }
    Some(digits)
}

/// The one run of digits in `text` (digit words and Chinese digits counted, single spaces,
/// dashes, dots and — with `phone` — parentheses between them); `None` for none or several.
/// A phone run keeps a leading `+` ("plus" in words).
fn digit_runs(text: &str, phone: bool) -> Option<String> {
    let text = half(text).to_lowercase();
    let mut text = words_to_numerals(&text, true);
    if phone {
        text = text.replace("plus ", "+").replace("plus", "+");
    }
    let text: String = text
        .chars()
        .map(|c| match cjk_digit(c) {
            Some(d) if c != '两' => char::from_digit(d as u32, 10).unwrap_or(c),
            _ => c,
        })
        .collect();
    // A place character (十, 百, hundred) means an amount, not digits read one by one.
    if text.contains(['十', '百', '千', '万'])
        || text.contains("hundred")
        || text.contains("thousand")
    {
        return None;
    }
    let separator = |c: char| matches!(c, ' ' | '-' | '.') || (phone && matches!(c, '(' | ')'));
    let mut runs: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut gap = 0;
    for c in text.chars() {
        if c.is_ascii_digit() {
            current.push(c);
            gap = 0;
        } else if phone && c == '+' && current.is_empty() {
            current.push(c);
        } else if separator(c) && !current.is_empty() && gap < 2 {
            gap += 1;
        } else if !current.is_empty() {
            runs.push(std::mem::take(&mut current));
            gap = 0;
        }
    }
    if !current.is_empty() {
        runs.push(current);
    }
    runs.retain(|r| r != "+");
    match runs.as_slice() {
        [digits] => Some(digits.clone()),
        _ => None,
    }
}

pub use super::dates::{parse_date, parse_time};
pub use super::yes_no::parse_yes_no;

/// An address like `name@example.com` (the domain lowercased), alone or inside the reply;
/// read-out addresses too ("john dot smith at example dot com").
pub fn parse_email(text: &str) -> Option<String> {
    let text = half(text);
    let spoken;
    let text = if !text.contains('@') && text.to_lowercase().contains(" at ") {
        spoken = spoken_email(&text)?;
        spoken.as_str()
    } else {
        text.as_str()
    };
    let candidate = text
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '<' | '>' | '，'))
        .map(|w| w.trim_start_matches(|c: char| !c.is_ascii()))
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

/// "john dot smith at example dot com" → `john.smith@example.com`: the words around the
/// one "at", with "dot", "underscore" and "dash" spelled out.
fn spoken_email(text: &str) -> Option<String> {
    let lower = text.to_lowercase();
    let words: Vec<&str> = lower.split_whitespace().collect();
    let at = words.iter().rposition(|w| *w == "at")?;
    let spell = |part: &[&str]| -> String {
        part.iter()
            .map(|w| match *w {
                "dot" | "point" => ".",
                "underscore" => "_",
                "dash" | "hyphen" => "-",
                w => w,
            })
            .collect()
    };
    // The local part: the words after the last filler word before "at".
    let start = words[..at]
        .iter()
        .rposition(|w| {
            matches!(
                *w,
                "is" | "me" | "email" | "mail" | "address" | "its" | "to"
            )
        })
        .map_or(0, |i| i + 1);
    let local = spell(&words[start..at]);
    let domain = spell(&words[at + 1..]);
    (!local.is_empty() && domain.contains('.')).then(|| format!("{local}@{domain}"))
}

/// Phone numbers with an optional country code (`+86 138 0013 8000`, `0086…`, `(555)
/// 123-4567`), in digits, words ("five five five …", "plus four four …") or Chinese digits
/// (一三八…, 幺三八…), alone or inside the reply ("my number is …", 我的号码是…); 7 to 15 digits.
/// The value is `+` and digits, or just digits without a country code.
pub fn parse_phone(text: &str) -> Option<String> {
    let run = digit_runs(text, true)?;
    let plus = run.starts_with('+');
    let mut digits: String = run.chars().filter(|c| c.is_ascii_digit()).collect();
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
    use crate::bundle::Time;

    #[test]
    fn patterns_match_after_full_width_and_case_folding() {
        let upper = regex::Regex::new("^[A-Z0-9]{6}$").unwrap();
        assert_eq!(parse_matching("ab12cd", &upper).as_deref(), Some("AB12CD"));
        assert_eq!(
            parse_matching("ＡＢ１２ｃｄ", &upper).as_deref(),
            Some("AB12CD")
        );
        assert_eq!(
            parse_matching(" ab 12-cd ", &upper).as_deref(),
            Some("AB12CD")
        );
        assert_eq!(parse_matching("ab12c", &upper), None);
        let lower = regex::Regex::new("^[a-z]+-[0-9]+$").unwrap();
        assert_eq!(parse_matching("ABC-12", &lower).as_deref(), Some("abc-12"));
        let any = regex::Regex::new("(?i)^x[0-9]$").unwrap();
        assert_eq!(parse_matching("X1", &any).as_deref(), Some("X1"));
        assert_eq!(parse_matching("   ", &any), None);
    }

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
            parse_date("2026-11-23", None),
            Some(Date {
                year: 2026,
                month: 11,
                day: 23
            })
        );
        assert_eq!(
            parse_date("23/11/2026", None),
            Some(Date {
                year: 2026,
                month: 11,
                day: 23
            })
        );
        assert_eq!(
            parse_date("2026年11月23日", None),
            Some(Date {
                year: 2026,
                month: 11,
                day: 23
            })
        );
        assert_eq!(parse_date("2026-02-30", None), None);
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
