//! Yes/no answers in English and Chinese. Reading a "yes" as "no" sends a caller down the
//! wrong path, so the parser would rather not understand than guess:
//!
//! - The reply is scanned for phrases (longest first, see [`super::lexicon`]): 没错 and
//!   没问题 are "yes" although they start with a negation, 不确定 is "unsure" although it
//!   contains 确定, 对不起 ("sorry") is no answer although it contains 对.
//! - A negation before a "yes" word ("not correct", 不太对, "I don't think so") makes it "no";
//!   an emphatic word before a "no" ("absolutely not", 当然不是) only strengthens the "no".
//! - Unsure answers ("maybe", "not sure", 不知道, 也许), questions back (是不是, 是吗, 什么)
//!   and replies with both a "yes" and a "no" in them ("yes and no") are not understood:
//!   the `ask` re-prompts.
//! - Keys `1` (yes) and `2` (no), optionally ending with `#`; on voice a spoken "1"/"2" too.

use super::lexicon::{Hit, Lexicon, units};
use super::normalize::normalize;
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Yes,
    /// "Absolutely", 当然: yes on its own, an intensifier before a negation.
    Emphatic,
    No,
    /// A negation: "no" on its own, turns a following "yes" into "no".
    Not,
    /// Unsure or a question back: the reply is not an answer.
    Unsure,
    /// "Please" on its own is a polite yes; with anything else it says nothing.
    Please,
    /// Words that contain a yes/no word but are neither (对不起, 不好意思, "thank you").
    Other,
}

use Class::*;

const PHRASES: &[(&str, Class)] = &[
    // English.
    ("yes", Yes),
    ("yeah", Yes),
    ("yea", Yes),
    ("yep", Yes),
    ("yup", Yes),
    ("ya", Yes),
    ("yah", Yes),
    ("y", Yes),
    ("sure", Yes),
    ("sure thing", Yes),
    ("ok", Yes),
    ("okay", Yes),
    ("okey", Yes),
    ("k", Yes),
    ("alright", Yes),
    ("all right", Yes),
    ("right", Yes),
    ("correct", Yes),
    ("exactly", Yes),
    ("precisely", Yes),
    ("affirmative", Yes),
    ("true", Yes),
    ("indeed", Yes),
    ("fine", Yes),
    ("go ahead", Yes),
    ("please do", Yes),
    ("do it", Yes),
    ("sounds good", Yes),
    ("that works", Yes),
    ("think so", Yes),
    ("guess so", Yes),
    ("suppose so", Yes),
    ("believe so", Yes),
    ("no problem", Yes),
    ("not a problem", Yes),
    ("no worries", Yes),
    ("no doubt", Yes),
    ("why not", Yes),
    ("confirm", Yes),
    ("confirmed", Yes),
    ("i do", Yes),
    ("uh huh", Yes),
    ("mm hmm", Yes),
    ("mhm", Yes),
    ("absolutely", Emphatic),
    ("definitely", Emphatic),
    ("certainly", Emphatic),
    ("surely", Emphatic),
    ("of course", Emphatic),
    ("no", No),
    ("nope", No),
    ("nah", No),
    ("n", No),
    ("negative", No),
    ("wrong", No),
    ("false", No),
    ("incorrect", No),
    ("no way", No),
    ("rather not", No),
    ("not interested", No),
    ("cancel", No),
    ("not", Not),
    ("never", Not),
    ("dont", Not),
    ("do not", Not),
    ("i do not", Not),
    ("i do not know", Unsure),
    ("doesnt", Not),
    ("isnt", Not),
    ("is not", Not),
    ("arent", Not),
    ("wasnt", Not),
    ("wont", Not),
    ("cant", Not),
    ("cannot", Not),
    ("not sure", Unsure),
    ("unsure", Unsure),
    ("maybe", Unsure),
    ("perhaps", Unsure),
    ("possibly", Unsure),
    ("dont know", Unsure),
    ("do not know", Unsure),
    ("dunno", Unsure),
    ("no idea", Unsure),
    ("let me think", Unsure),
    ("what", Unsure),
    ("repeat", Unsure),
    ("please", Please),
    ("thank you", Other),
    ("thanks", Other),
    ("sorry", Other),
    // Chinese.
    ("是", Yes),
    ("对", Yes),
    ("没错", Yes),
    ("不错", Yes),
    ("没问题", Yes),
    ("没有问题", Yes),
    ("没什么问题", Yes),
    ("没啥问题", Yes),
    ("没毛病", Yes),
    ("确认", Yes),
    ("确定", Yes),
    ("好", Yes),
    ("行", Yes),
    ("可以", Yes),
    ("嗯", Yes),
    ("要", Yes),
    ("需要", Yes),
    ("同意", Yes),
    ("正确", Yes),
    ("对头", Yes),
    ("有", Yes),
    ("当然", Emphatic),
    ("肯定", Emphatic),
    ("绝对", Emphatic),
    ("一定", Emphatic),
    ("不是", No),
    ("不对", No),
    ("不要", No),
    ("不用", No),
    ("不需要", No),
    ("没有", No),
    ("不行", No),
    ("不好", No),
    ("不了", No),
    ("算了", No),
    ("否", No),
    ("错", No),
    ("取消", No),
    ("拒绝", No),
    ("免了", No),
    ("别了", No),
    ("不", Not),
    ("没", Not),
    ("别", Not),
    ("未", Not),
    ("不确定", Unsure),
    ("不太确定", Unsure),
    ("不是很确定", Unsure),
    ("不一定", Unsure),
    ("不知道", Unsure),
    ("不清楚", Unsure),
    ("不好说", Unsure),
    ("说不好", Unsure),
    ("也许", Unsure),
    ("可能", Unsure),
    ("或许", Unsure),
    ("想想", Unsure),
    ("考虑", Unsure),
    ("随便", Unsure),
    ("什么", Unsure),
    ("啥", Unsure),
    ("吗", Unsure),
    ("是不是", Unsure),
    ("对不对", Unsure),
    ("要不要", Unsure),
    ("好不好", Unsure),
    ("行不行", Unsure),
    ("可不可以", Unsure),
    ("需不需要", Unsure),
    ("有没有", Unsure),
    ("对不起", Other),
    ("不好意思", Other),
    ("好像", Other),
    ("有点", Other),
    ("谢谢", Other),
    ("麻烦", Please),
    ("请", Please),
];

fn lexicon() -> &'static Lexicon<Class> {
    static LEXICON: OnceLock<Lexicon<Class>> = OnceLock::new();
    LEXICON.get_or_init(|| Lexicon::new(PHRASES))
}

/// How many units may stand between a negation and the "yes" word it negates (不太对,
/// "not really correct", "I don't think so").
const NEGATION_REACH: usize = 2;

/// `Some(true)` for yes, `Some(false)` for no, `None` when the reply is not a clear answer.
/// With `digits_count` (keypad input, or any reply on voice), `1` is yes and `2` is no.
pub fn parse_yes_no(text: &str, digits_count: bool) -> Option<bool> {
    let norm = normalize(text);
    if digits_count {
        match norm.as_str() {
            "1" => return Some(true),
            "2" => return Some(false),
            _ => {}
        }
    }
    let units = units(&norm);
    let hits = lexicon().scan(&units);
    if hits.iter().any(|h| h.class == Unsure) {
        return None;
    }
    let mut answer: Option<bool> = None;
    let mut agree = |value: bool| -> bool {
        match answer {
            Some(previous) if previous != value => false,
            _ => {
                answer = Some(value);
                true
            }
        }
    };
    let mut i = 0;
    while i < hits.len() {
        let hit = hits[i];
        let next: Option<&Hit<Class>> = hits.get(i + 1);
        let value = match hit.class {
            Yes => Some(true),
            // "Absolutely not", 当然不是: the emphasis belongs to the "no" that follows.
            Emphatic => match next {
                Some(n) if matches!(n.class, No | Not) && n.start == hit.end => None,
                _ => Some(true),
            },
            No => Some(false),
            Not => {
                // "Not correct", 不太对: a negated "yes" is a "no", and is consumed here.
                if next.is_some_and(|n| {
                    matches!(n.class, Yes | Emphatic) && n.start <= hit.end + NEGATION_REACH
                }) {
                    i += 1;
                }
                Some(false)
            }
            Unsure | Please | Other => None,
        };
        if let Some(value) = value
            && !agree(value)
        {
            return None;
        }
        i += 1;
    }
    if answer.is_none() && hits.iter().all(|h| h.class == Please) && !hits.is_empty() {
        return Some(true);
    }
    answer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negated_polite_and_emphatic_forms() {
        for yes in [
            "没错",
            "没问题",
            "确认",
            "of course",
            "yes please",
            "not a problem",
            "不错",
        ] {
            assert_eq!(parse_yes_no(yes, false), Some(true), "{yes}");
        }
        for no in [
            "absolutely not",
            "当然不是",
            "不太对",
            "I don't think so",
            "no thanks",
        ] {
            assert_eq!(parse_yes_no(no, false), Some(false), "{no}");
        }
        for unclear in [
            "不确定",
            "对不起",
            "yes and no",
            "是不是",
            "maybe",
            "not sure",
        ] {
            assert_eq!(parse_yes_no(unclear, false), None, "{unclear}");
        }
    }

    #[test]
    fn keys_count_only_when_asked() {
        assert_eq!(parse_yes_no("1", true), Some(true));
        assert_eq!(parse_yes_no("2", true), Some(false));
        assert_eq!(parse_yes_no("1", false), None);
    }
}
