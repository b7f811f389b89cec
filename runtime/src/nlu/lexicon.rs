//! Phrase lexicons over a normalized text's *units*: each Latin word is a unit and each CJK
//! character is a unit (Chinese is written without spaces, so a phrase such as 没问题 is three
//! units). A [`Lexicon`] finds its phrases in a unit sequence, longest first at each
//! position, so 没问题 wins over 没 and "of course not" over "of course".
//!
//! Lookups go through a hash map keyed by a phrase's first unit: the lexicons run on every
//! text turn (sentiment), and a linear scan of a few hundred entries per unit was measurable.

use super::normalize::is_cjk;
use std::collections::HashMap;

/// The units of a normalized text (see [`super::normalize`]): Latin words and single CJK
/// characters, in order.
pub fn units(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for word in text.split(' ') {
        let mut start = 0;
        for (at, c) in word.char_indices() {
            if is_cjk(c) {
                if start < at {
                    out.push(&word[start..at]);
                }
                out.push(&word[at..at + c.len_utf8()]);
                start = at + c.len_utf8();
            }
        }
        if start < word.len() {
            out.push(&word[start..]);
        }
    }
    out
}

/// A phrase found in a unit sequence: its class and the units it covers (`start..end`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit<C> {
    pub class: C,
    pub start: usize,
    pub end: usize,
}

/// Phrases (written as normalized text, e.g. `"of course"`, `"没问题"`) with a class each.
#[derive(Debug)]
pub struct Lexicon<C> {
    /// First unit → the phrases starting with it as (remaining units, class), longest first.
    by_first: HashMap<String, Vec<(Vec<String>, C)>>,
}

impl<C: Copy> Lexicon<C> {
    pub fn new(entries: &[(&str, C)]) -> Lexicon<C> {
        let mut by_first: HashMap<String, Vec<(Vec<String>, C)>> = HashMap::new();
        for (phrase, class) in entries {
            let normalized = super::normalize(phrase);
            let parts = units(&normalized);
            let Some((first, rest)) = parts.split_first() else {
                continue;
            };
            by_first
                .entry((*first).to_string())
                .or_default()
                .push((rest.iter().map(|u| u.to_string()).collect(), *class));
        }
        for list in by_first.values_mut() {
            list.sort_by_key(|(rest, _)| std::cmp::Reverse(rest.len()));
        }
        Lexicon { by_first }
    }

    /// The longest phrase starting at unit `at`, if any.
    pub fn at(&self, units: &[&str], at: usize) -> Option<Hit<C>> {
        let first = units.get(at)?;
        let candidates = self.by_first.get(*first)?;
        candidates.iter().find_map(|(rest, class)| {
            let end = at + 1 + rest.len();
            let fits = units
                .get(at + 1..end)
                .is_some_and(|tail| tail.iter().zip(rest).all(|(u, r)| *u == r.as_str()));
            fits.then_some(Hit {
                class: *class,
                start: at,
                end,
            })
        })
    }

    /// Every phrase in `units`, left to right, longest first, not overlapping; units no phrase
    /// covers are skipped.
    pub fn scan(&self, units: &[&str]) -> Vec<Hit<C>> {
        let mut hits = Vec::new();
        let mut at = 0;
        while at < units.len() {
            match self.at(units, at) {
                Some(hit) => {
                    at = hit.end;
                    hits.push(hit);
                }
                None => at += 1,
            }
        }
        hits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_split_words_and_cjk_characters() {
        assert_eq!(units("of course"), ["of", "course"]);
        assert_eq!(units("没问题 ok"), ["没", "问", "题", "ok"]);
        assert_eq!(units("不ok"), ["不", "ok"]);
        assert!(units("").is_empty());
    }

    #[test]
    fn longest_phrase_wins() {
        let lexicon = Lexicon::new(&[
            ("of course", 1),
            ("of course not", 2),
            ("没", 3),
            ("没问题", 4),
        ]);
        let text = "of course not 没问题 没";
        let found: Vec<i32> = lexicon.scan(&units(text)).iter().map(|h| h.class).collect();
        assert_eq!(found, [2, 4, 3]);
    }
}
