//! A small lexicon sentiment score in −1..1 for English and Chinese.
//!
//! The normalized text is scanned for lexicon phrases (longest first, see [`super::lexicon`]):
//! opinion words with a weight in −3..3, negators, intensifiers and Chinese complaint
//! suffixes. Rules, in the order they apply to an opinion word:
//! - an intensifier right before it ("very", "so", 很, 太, 非常, 什么 in 什么破服务) multiplies it
//!   by 1.5; a suffix right after it ("at all", 死了 in 烦死了, 透了, 极了) does the same;
//! - a negator within the 3 units before it flips it: a negated positive word is as negative
//!   as the word was positive ("not happy", 不是很满意 — a polite way to complain), a negated
//!   negative word is only mildly positive (× −0.5: "not bad"); 一点都不 / "not at all"
//!   negate and intensify;
//! - phrases such as 不满意, 没用 and "fed up" are entries of their own, so the longest match
//!   wins over negation; words that contain an opinion word without being one (好的 "okay",
//!   不好意思 "excuse me") are neutral entries.
//!
//! The sum `s` is squashed to `s / √(s² + 8)`: one strong word (−3: "furious", 投诉) or an
//! intensified one ("very unhappy", 非常不满意) is below −0.6, the usual escalation threshold;
//! one mild word ("slow", "problem") is about −0.33.

use super::lexicon::{Lexicon, units};
use super::normalize::normalize;
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Class {
    Word(f32),
    Not,
    /// A negation that also intensifies (一点都不, 根本不).
    StrongNot,
    Intensifier,
    /// Intensifies the opinion word right before it (烦死了, "not happy at all").
    Suffix,
    Neutral,
}

use Class::*;

const SQUASH: f32 = 8.0;

const ENGLISH: &[(&str, f32)] = &[
    ("fed up", -3.0),
    ("sick of", -3.0),
    ("sick and tired", -3.0),
    ("waste of time", -3.0),
    ("very helpful", 3.0),
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
    ("complain", -3.0),
    ("complaint", -3.0),
    ("worthless", -3.0),
    ("joke", -1.0),
    ("nothing works", -2.0),
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
    ("hopeless", -3.0),
    ("disgusting", -3.0),
    ("outraged", -3.0),
];

const CHINESE: &[(&str, f32)] = &[
    ("满意", 2.0),
    ("很好", 2.0),
    ("挺好", 2.0),
    ("真好", 2.0),
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
    ("投诉", -3.0),
    ("坑人", -3.0),
    ("破", -2.0),
    ("差劲", -3.0),
    ("太慢", -2.0),
    ("没人理", -2.0),
    ("不耐烦", -2.0),
    ("有帮助", 2.0),
    ("帮了大忙", 3.0),
    ("好评", 2.0),
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
    "wont", "nothing", "neither", "nor", "不", "不是", "没", "没有", "别", "未", "无",
];

const STRONG_NEGATORS: &[&str] = &["一点都不", "一点也不", "根本不", "完全不", "并不", "毫不"];

const INTENSIFIERS: &[&str] = &[
    "very",
    "so",
    "really",
    "extremely",
    "totally",
    "absolutely",
    "too",
    "incredibly",
    "completely",
    "很",
    "太",
    "非常",
    "特别",
    "真",
    "真是",
    "超",
    "好",
    "十分",
    "极其",
    "相当",
    "简直",
    "什么",
];

const SUFFIXES: &[&str] = &["at all", "死了", "死", "透了", "极了", "得要命", "坏了"];

/// Entries that contain an opinion word without being one.
const NEUTRAL: &[&str] = &[
    "好的",
    "好吧",
    "不好意思",
    "好像",
    "只好",
    "no problem",
    "不用",
    "没问题",
    "like to",
    "would like",
    "like that",
];

fn lexicon() -> &'static Lexicon<Class> {
    static LEXICON: OnceLock<Lexicon<Class>> = OnceLock::new();
    LEXICON.get_or_init(|| {
        let mut entries: Vec<(&str, Class)> = Vec::new();
        entries.extend(ENGLISH.iter().chain(CHINESE).map(|(w, s)| (*w, Word(*s))));
        entries.extend(NEGATORS.iter().map(|w| (*w, Not)));
        entries.extend(STRONG_NEGATORS.iter().map(|w| (*w, StrongNot)));
        entries.extend(INTENSIFIERS.iter().map(|w| (*w, Intensifier)));
        entries.extend(SUFFIXES.iter().map(|w| (*w, Suffix)));
        entries.extend(NEUTRAL.iter().map(|w| (*w, Neutral)));
        Lexicon::new(&entries)
    })
}

/// How many units before an opinion word a negator reaches ("not very happy", 不是很满意).
const NEGATION_REACH: usize = 3;

/// The sentiment of `text` in −1..1 (0 for no opinion words).
pub fn sentiment(text: &str) -> f32 {
    let norm = normalize(text);
    let units = units(&norm);
    let hits = lexicon().scan(&units);
    let mut sum = 0.0f32;
    let mut last_word: Option<(f32, usize)> = None;
    for (i, hit) in hits.iter().enumerate() {
        match hit.class {
            Word(weight) => {
                let mut weight = weight;
                let before = i.checked_sub(1).map(|j| hits[j]);
                if before.is_some_and(|b| b.class == Intensifier && b.end == hit.start) {
                    weight *= 1.5;
                }
                let negation = hits[..i].iter().rev().find(|b| {
                    matches!(b.class, Not | StrongNot) && b.end + NEGATION_REACH >= hit.start
                });
                if let Some(negation) = negation
                    && !hits[..i]
                        .iter()
                        .any(|b| matches!(b.class, Word(_)) && b.start > negation.start)
                {
                    weight *= if weight > 0.0 { -1.0 } else { -0.5 };
                    if negation.class == StrongNot {
                        weight *= 1.5;
                    }
                }
                sum += weight;
                last_word = Some((weight, hit.end));
            }
            Suffix => {
                if let Some((weight, end)) = last_word
                    && end + 1 >= hit.start
                {
                    sum += weight * 0.5;
                    last_word = None;
                }
            }
            Not | StrongNot | Intensifier | Neutral => {}
        }
    }
    if sum == 0.0 {
        0.0
    } else {
        sum / (sum * sum + SQUASH).sqrt()
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
