//! Numbers written in words, English and Chinese, rewritten as Arabic numerals so that the
//! slot parsers read one notation: "twenty five" → `25`, 一百二十 → `120`, 一万五 → `15000`,
//! 二〇二六 → `2026`, 幺三八 → `138` (幺 is "one" when digits are read aloud).
//!
//! Two readings, because callers say numbers in two ways:
//! - *amounts* ([`words_to_numerals`] with `digits = false`): "fifteen hundred" is `1500`,
//!   "two point five" is `2.5`, "minus five" is `-5`;
//! - *digit strings* (`digits = true`, for PINs, account and phone numbers): every digit word
//!   is one digit — "one two three four" is `1 2 3 4`, "oh" is `0`, "double five" is `55`.
//!
//! A Chinese numeral run without a place character (十 百 千 万 亿) is read digit by digit
//! (二〇二六 → `2026`, 一三八 → `138`); with one it is an amount (二十五 → `25`), where a last
//! digit right after a place is one place lower, as spoken (一万五 = 15000, 两千五 = 2500,
//! 一百二 = 120) unless 零 marks a gap (一千零五 = 1005).

/// The value of one Chinese digit character.
pub fn cjk_digit(c: char) -> Option<u64> {
    Some(match c {
        '零' | '〇' => 0,
        '一' | '幺' => 1,
        '二' | '两' => 2,
        '三' => 3,
        '四' => 4,
        '五' => 5,
        '六' => 6,
        '七' => 7,
        '八' => 8,
        '九' => 9,
        _ => return None,
    })
}

fn cjk_place(c: char) -> Option<u64> {
    Some(match c {
        '十' => 10,
        '百' => 100,
        '千' => 1_000,
        '万' => 10_000,
        '亿' => 100_000_000,
        _ => return None,
    })
}

fn is_cjk_numeral(c: char) -> bool {
    cjk_digit(c).is_some() || cjk_place(c).is_some()
}

/// The value of a run of Chinese numerals with at least one place character.
fn cjk_amount(run: &[char]) -> Option<u64> {
    let (mut total, mut section, mut digit): (u64, u64, Option<u64>) = (0, 0, None);
    let mut last_place = 1u64;
    let mut zero_gap = false;
    for &c in run {
        if let Some(d) = cjk_digit(c) {
            if d == 0 {
                zero_gap = true;
            }
            digit = Some(d);
            continue;
        }
        let place = cjk_place(c)?;
        if place >= 10_000 {
            section += digit.take().unwrap_or(0);
            total = total.checked_add(section.max(1).checked_mul(place)?)?;
            section = 0;
        } else {
            // 十 alone means ten (十一 = 11).
            section = section.checked_add(digit.take().unwrap_or(1).checked_mul(place)?)?;
        }
        last_place = place;
        zero_gap = false;
    }
    if let Some(d) = digit {
        // 一万五 = 15000, 一百二 = 120: a trailing digit is one place below the last place.
        let scale = if zero_gap || last_place == 1 || last_place == 10 {
            1
        } else {
            last_place / 10
        };
        section = section.checked_add(d.checked_mul(scale)?)?;
    }
    total.checked_add(section)
}

/// Rewrites every run of Chinese numerals in `text` as Arabic numerals.
pub fn cjk_to_arabic(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if !is_cjk_numeral(chars[i]) {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && is_cjk_numeral(chars[i]) {
            i += 1;
        }
        let run = &chars[start..i];
        // "1.5万", "3千": a place after Arabic digits stays for the number parser.
        let after_digit = start > 0 && chars[start - 1].is_ascii_digit();
        if after_digit && run.len() == 1 && cjk_place(run[0]).is_some() {
            out.extend(run);
        } else if run.iter().any(|c| cjk_place(*c).is_some()) {
            match cjk_amount(run) {
                Some(value) => out.push_str(&value.to_string()),
                None => out.extend(run),
            }
        } else {
            out.extend(
                run.iter()
                    .filter_map(|c| cjk_digit(*c))
                    .map(|d| char::from_digit(d as u32, 10).unwrap_or('0')),
            );
        }
    }
    out
}

fn small(word: &str) -> Option<u64> {
    Some(match word {
        "zero" => 0,
        "one" => 1,
        "two" => 2,
        "three" => 3,
        "four" => 4,
        "five" => 5,
        "six" => 6,
        "seven" => 7,
        "eight" => 8,
        "nine" => 9,
        "ten" => 10,
        "eleven" => 11,
        "twelve" => 12,
        "thirteen" => 13,
        "fourteen" => 14,
        "fifteen" => 15,
        "sixteen" => 16,
        "seventeen" => 17,
        "eighteen" => 18,
        "nineteen" => 19,
        "twenty" => 20,
        "thirty" => 30,
        "forty" => 40,
        "fifty" => 50,
        "sixty" => 60,
        "seventy" => 70,
        "eighty" => 80,
        "ninety" => 90,
        _ => return None,
    })
}

fn scale(word: &str) -> Option<u64> {
    Some(match word {
        "hundred" => 100,
        "thousand" => 1_000,
        "million" => 1_000_000,
        "billion" => 1_000_000_000,
        _ => return None,
    })
}

/// The ASCII-letter words of `text` as byte ranges.
fn words(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    for (at, c) in text.char_indices() {
        match (c.is_ascii_alphabetic(), start) {
            (true, None) => start = Some(at),
            (false, Some(s)) => {
                out.push((s, at));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, text.len()));
    }
    out
}

/// Whether the text between two words only separates them (spaces, hyphens, commas).
fn joins(gap: &str) -> bool {
    gap.chars().all(|c| matches!(c, ' ' | '-' | ','))
}

/// The value of a run of English number words read as an amount ("two thousand three
/// hundred and five", "two point five", "minus five"); `None` if the run is no number.
fn english_amount(run: &[&str]) -> Option<String> {
    let (negative, run) = match run.split_first() {
        Some((&("minus" | "negative"), rest)) => (true, rest),
        _ => (false, run),
    };
    let (whole, fraction) = match run.iter().position(|w| *w == "point") {
        Some(at) => (&run[..at], Some(&run[at + 1..])),
        None => (run, None),
    };
    let (mut total, mut current, mut any) = (0u64, 0u64, false);
    for (i, word) in whole.iter().enumerate() {
        if let Some(v) = small(word) {
            current = current.checked_add(v)?;
            any = true;
        } else if let Some(s) = scale(word) {
            let base = if current == 0 { 1 } else { current };
            if s == 100 {
                current = base.checked_mul(100)?;
            } else {
                total = total.checked_add(base.checked_mul(s)?)?;
                current = 0;
            }
            any = true;
        } else if *word == "a" && whole.get(i + 1).is_some_and(|w| scale(w).is_some()) {
            current = 1;
        } else if *word != "and" {
            return None;
        }
    }
    if !any {
        return None;
    }
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    out.push_str(&(total + current).to_string());
    if let Some(fraction) = fraction {
        let digits: Option<String> = fraction
            .iter()
            .map(|w| small(w).filter(|v| *v < 10).map(|v| v.to_string()))
            .collect();
        let digits = digits.filter(|d| !d.is_empty())?;
        out.push('.');
        out.push_str(&digits);
    }
    Some(out)
}

/// A digit word's digits ("five" → `5`, "oh" → `0`); `None` for other words.
fn digit_word(word: &str) -> Option<u64> {
    match word {
        "oh" | "o" => Some(0),
        _ => small(word).filter(|v| *v < 10),
    }
}

/// Rewrites English number words in `text` (lowercase) as numerals; see the module comment
/// for the two readings.
pub fn words_to_numerals(text: &str, digits: bool) -> String {
    let words = words(text);
    let is_number_word = |w: &str, next: Option<&str>| {
        if digits {
            digit_word(w).is_some() || matches!(w, "double" | "triple")
        } else {
            small(w).is_some()
                || scale(w).is_some()
                || matches!(w, "minus" | "negative" | "point" | "and")
                || (w == "a" && next.is_some_and(|n| scale(n).is_some()))
        }
    };
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut i = 0;
    while i < words.len() {
        let (s, e) = words[i];
        let next = words.get(i + 1).map(|(a, b)| &text[*a..*b]);
        if !is_number_word(&text[s..e], next) {
            i += 1;
            continue;
        }
        // The longest run of number words with only separators between them that still reads
        // as one number ("ten thirty" is two: 10 30).
        let mut j = i + 1;
        let mut in_fraction = &text[s..e] == "point";
        while j < words.len() {
            let (ps, pe) = words[j - 1];
            let (ns, ne) = words[j];
            let after = words.get(j + 1).map(|(a, b)| &text[*a..*b]);
            let (prev, word) = (&text[ps..pe], &text[ns..ne]);
            if !joins(&text[pe..ns])
                || !is_number_word(word, after)
                || (!digits && !continues(prev, word, in_fraction))
            {
                break;
            }
            in_fraction |= word == "point";
            j += 1;
        }
        // "And" and "point" never end a run.
        while j > i && matches!(&text[words[j - 1].0..words[j - 1].1], "and" | "point") {
            j -= 1;
        }
        let run: Vec<&str> = words[i..j].iter().map(|(a, b)| &text[*a..*b]).collect();
        let replacement = if digits {
            digit_run(&run)
        } else {
            english_amount(&run)
        };
        if let Some(replacement) = replacement {
            out.push_str(&text[copied..s]);
            out.push_str(&replacement);
            copied = words[j - 1].1;
        }
        i = j.max(i + 1);
    }
    out.push_str(&text[copied..]);
    out
}

/// Whether `word` continues an amount whose previous word is `prev`: "twenty five", "two
/// hundred", "hundred and", "point five"; not "ten thirty" or "five six".
fn continues(prev: &str, word: &str, in_fraction: bool) -> bool {
    let unit = |w: &str| small(w).is_some_and(|v| v < 10);
    if in_fraction {
        return unit(word);
    }
    match (small(prev), small(word)) {
        (Some(p), Some(w)) => p >= 20 && p % 10 == 0 && w < 10,
        (_, None) if scale(word).is_some() => prev != "point",
        (_, None) => {
            matches!(word, "and" | "point") && (small(prev).is_some() || scale(prev).is_some())
        }
        (None, Some(_)) => {
            scale(prev).is_some() || matches!(prev, "and" | "minus" | "negative" | "a")
        }
    }
}

/// "one two three" → `123`, "double five" → `55`.
fn digit_run(run: &[&str]) -> Option<String> {
    let mut out = String::new();
    let mut repeat = 1;
    for word in run {
        match *word {
            "double" => repeat = 2,
            "triple" => repeat = 3,
            _ => {
                let d = digit_word(word)?;
                for _ in 0..repeat {
                    out.push(char::from_digit(d as u32, 10)?);
                }
                repeat = 1;
            }
        }
    }
    (!out.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_numerals() {
        assert_eq!(cjk_to_arabic("二十五"), "25");
        assert_eq!(cjk_to_arabic("一百二十"), "120");
        assert_eq!(cjk_to_arabic("一万五"), "15000");
        assert_eq!(cjk_to_arabic("两千五"), "2500");
        assert_eq!(cjk_to_arabic("一千零五"), "1005");
        assert_eq!(cjk_to_arabic("十一"), "11");
        assert_eq!(cjk_to_arabic("二〇二六年十二月三日"), "2026年12月3日");
        assert_eq!(cjk_to_arabic("幺三八"), "138");
    }

    #[test]
    fn english_words() {
        assert_eq!(words_to_numerals("twenty five", false), "25");
        assert_eq!(words_to_numerals("fifteen hundred", false), "1500");
        assert_eq!(
            words_to_numerals("one hundred and twenty people", false),
            "120 people"
        );
        assert_eq!(words_to_numerals("a hundred", false), "100");
        assert_eq!(words_to_numerals("a few", false), "a few");
        assert_eq!(words_to_numerals("two point five", false), "2.5");
        assert_eq!(words_to_numerals("minus five", false), "-5");
        assert_eq!(words_to_numerals("one two three four", true), "1234");
        assert_eq!(words_to_numerals("oh oh seven", true), "007");
        assert_eq!(words_to_numerals("double five one two", true), "5512");
        assert_eq!(words_to_numerals("one hundred", true), "1 hundred");
    }
}
