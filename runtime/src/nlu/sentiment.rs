//! A small lexicon sentiment score in −1..1 for English and Chinese.
//!
//! The normalized text is split into tokens: Latin words, and for CJK the longest lexicon
//! entry (up to 4 characters) at each position, else one character. Each lexicon word has a
//! weight in −3..3. A negator ("not", "never", "dont", 不, 没, 别 …) within the 3 tokens
//! before a word flips and damps it (× −0.75: "not happy" is mildly negative, not as
//! negative as "unhappy"); an intensifier ("very", "so", 很, 太, 非常 …) right before a word
//! multiplies it by 1.5. Phrases such as 不满意 and 没用 are lexicon entries of their own, so
//! the longest match wins over negation. The sum `s` is squashed to `s / √(s² + 15)`
//! (the VADER normalization): "this is useless, I am furious" scores about −0.84.

use super::normalize::{is_cjk, normalize};

const ENGLISH: &[(&str, f32)] = &[
    ("good", 2.0),
    ("great", 3.0),
    ("excellent", 3.0),
    ("happy", 2.0),
    ("thanks", 2.0),
    ("thank", 2.0),
    ("love", 3.0),
    ("like", 1.0),
    ("helpful", 2.0),
    ("perfect", 3.0),
    ("awesome", 3.0),
    ("nice", 2.0),
    ("fine", 1.0),
    ("satisfied", 2.0),
    ("pleased", 2.0),
    ("glad", 2.0),
    ("wonderful", 3.0),
    ("amazing", 3.0),
    ("appreciate", 2.0),
    ("brilliant", 3.0),
    ("bad", -2.0),
    ("terrible", -3.0),
    ("awful", -3.0),
    ("horrible", -3.0),
    ("useless", -3.0),
    ("furious", -3.0),
    ("angry", -3.0),
    ("mad", -2.0),
    ("annoyed", -2.0),
    ("annoying", -2.0),
    ("frustrated", -2.0),
    ("frustrating", -2.0),
    ("hate", -3.0),
    ("worst", -3.0),
    ("stupid", -3.0),
    ("ridiculous", -2.0),
    ("disappointed", -2.0),
    ("disappointing", -2.0),
    ("upset", -2.0),
    ("unacceptable", -3.0),
    ("rubbish", -3.0),
    ("garbage", -3.0),
    ("complain", -2.0),
    ("complaint", -2.0),
    ("problem", -1.0),
    ("broken", -2.0),
    ("poor", -2.0),
    ("slow", -1.0),
    ("waste", -2.0),
    ("scam", -3.0),
    ("pathetic", -3.0),
    ("sucks", -3.0),
    ("wrong", -1.0),
    ("unhappy", -2.0),
    ("sad", -2.0),
    ("incompetent", -3.0),
    ("worse", -2.0),
    ("fed", -1.0),
    ("hopeless", -3.0),
    ("disgusting", -3.0),
    ("outraged", -3.0),
];

const CHINESE: &[(&str, f32)] = &[
    ("满意", 2.0),
    ("谢谢", 2.0),
    ("感谢", 2.0),
    ("棒", 2.0),
    ("太好了", 3.0),
    ("开心", 2.0),
    ("高兴", 2.0),
    ("喜欢", 2.0),
    ("不错", 2.0),
    ("完美", 3.0),
    ("优秀", 3.0),
    ("好用", 2.0),
    ("差", -2.0),
    ("垃圾", -3.0),
    ("生气", -3.0),
    ("愤怒", -3.0),
    ("气死", -3.0),
    ("失望", -2.0),
    ("糟糕", -2.0),
    ("烂", -2.0),
    ("没用", -3.0),
    ("投诉", -2.0),
    ("讨厌", -2.0),
    ("烦", -2.0),
    ("骗", -3.0),
    ("骗子", -3.0),
    ("恶心", -3.0),
    ("不满", -2.0),
    ("不满意", -2.0),
    ("坑", -2.0),
    ("废物", -3.0),
    ("无语", -2.0),
    ("郁闷", -2.0),
    ("难受", -2.0),
    ("着急", -1.0),
    ("慢", -1.0),
    ("不行", -2.0),
    ("太差", -3.0),
    ("离谱", -2.0),
    ("受不了", -3.0),
    ("不好", -2.0),
];

const NEGATORS: &[&str] = &[
    "not", "no", "never", "dont", "doesnt", "didnt", "isnt", "wasnt", "arent", "cant", "cannot",
    "wont", "nothing", "neither", "nor", "不", "没", "没有", "别", "未", "无", "非",
];

const INTENSIFIERS: &[&str] = &[
    "very",
    "so",
    "really",
    "extremely",
    "totally",
    "absolutely",
    "too",
    "很",
    "太",
    "非常",
    "特别",
    "真",
    "超",
    "好",
];

fn lookup(table: &[(&str, f32)], word: &str) -> Option<f32> {
    table.iter().find(|(w, _)| *w == word).map(|(_, s)| *s)
}

/// Tokens of a normalized text: Latin words, and longest-lexicon-match CJK pieces.
fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for word in text.split(' ') {
        let chars: Vec<char> = word.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            if is_cjk(chars[i]) {
                let mut taken = 1;
                for len in (2..=4).rev() {
                    if i + len <= chars.len() {
                        let piece: String = chars[i..i + len].iter().collect();
                        if lookup(CHINESE, &piece).is_some() || NEGATORS.contains(&piece.as_str()) {
                            taken = len;
                            break;
                        }
                    }
                }
                out.push(chars[i..i + taken].iter().collect());
                i += taken;
            } else {
                let start = i;
                while i < chars.len() && !is_cjk(chars[i]) {
                    i += 1;
                }
                out.push(chars[start..i].iter().collect());
            }
        }
    }
    out
}

/// The sentiment of `text` in −1..1 (0 for no opinion words).
pub fn sentiment(text: &str) -> f32 {
    let tokens = tokens(&normalize(text));
    let mut sum = 0.0f32;
    for (i, token) in tokens.iter().enumerate() {
        let Some(mut weight) = lookup(ENGLISH, token).or_else(|| lookup(CHINESE, token)) else {
            continue;
        };
        if i > 0 && INTENSIFIERS.contains(&tokens[i - 1].as_str()) {
            weight *= 1.5;
        }
        let window = &tokens[i.saturating_sub(3)..i];
        if window.iter().any(|t| NEGATORS.contains(&t.as_str())) {
            weight *= -0.75;
        }
        sum += weight;
    }
    if sum == 0.0 {
        0.0
    } else {
        sum / (sum * sum + 15.0).sqrt()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn furious_is_very_negative() {
        assert!(sentiment("this is useless, I am furious") < -0.6);
        assert!(sentiment("太垃圾了，我要投诉") < -0.6);
    }

    #[test]
    fn negation_flips() {
        assert!(sentiment("I am happy") > 0.3);
        assert!(sentiment("I am not happy") < 0.0);
        assert!(sentiment("我很满意") > 0.3);
        assert!(sentiment("我不满意") < 0.0);
        assert!(sentiment("not bad") > 0.0);
    }

    #[test]
    fn neutral_is_zero() {
        assert_eq!(sentiment("I lost my card"), 0.0);
        assert_eq!(sentiment("我的卡丢了"), 0.0);
        assert_eq!(sentiment(""), 0.0);
    }
}
