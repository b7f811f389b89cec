//! The intent matcher and knowledge retrieval: character n-gram vectors and cosine
//! similarity, computed from the bundle's examples when a model is built (the bundle stores
//! only the example texts).
//!
//! Features of a normalized text (see [`super::normalize`]), padded with a space at both
//! ends: every character 2-gram and 3-gram, plus 1-grams of CJK characters (a single
//! Chinese character carries meaning; a single Latin letter does not). Counts are term
//! frequencies; grams are hashed to 64 bits (FNV-1a) and kept sorted, so there is no
//! hash-map order anywhere.
//!
//! Score of an input against one example = the larger of
//! - the cosine similarity of their vectors, and
//! - for an input that contains the example verbatim (at word boundaries for Latin text,
//!   the example at least 2 characters long): `0.8 + 0.2 × example length / input length`,
//!   so "I want to talk to an agent please" matches the example "agent" confidently;
//! - for knowledge retrieval also the other way round, a question that contains the input
//!   (at least 2 characters): `0.6 + 0.4 × input length / question length`, so the topic
//!   "opening hours" finds "What are your opening hours?".
//!
//! A group's (intent's, entry's) score is its best example's. Intents match at
//! [`INTENT_THRESHOLD`] or above, knowledge entries at [`KNOWLEDGE_THRESHOLD`].

use super::normalize::{is_cjk, normalize};
use crate::bundle::Bundle;

/// Minimum score for an intent to match (`intent NAME`, menu options by intent).
pub const INTENT_THRESHOLD: f32 = 0.5;
/// Minimum score for `answer from` to say an entry's answer.
pub const KNOWLEDGE_THRESHOLD: f32 = 0.45;

#[derive(Debug, Clone)]
struct Doc {
    group: u32,
    text: String,
    chars: usize,
    features: Vec<(u64, f32)>,
    norm: f32,
}

impl Doc {
    fn new(group: u32, raw: &str) -> Doc {
        let text = normalize(raw);
        let features = features(&text);
        let norm = features.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
        Doc {
            group,
            chars: text.chars().count(),
            text,
            features,
            norm,
        }
    }
}

/// Example texts grouped by intent or knowledge entry, with their vectors.
#[derive(Debug, Clone, Default)]
pub struct TextModel {
    docs: Vec<Doc>,
    groups: usize,
    /// Whether a text inside the input also counts (knowledge retrieval).
    both_ways: bool,
}

/// The intent and knowledge models of one bundle, built on first use and kept for the
/// bundle's lifetime: rebuilding them for every turn was most of a turn's cost.
#[derive(Default)]
pub struct ModelCache {
    intents: std::sync::OnceLock<TextModel>,
    knowledge: std::sync::OnceLock<Vec<TextModel>>,
}

impl ModelCache {
    pub fn intents(&self, bundle: &Bundle) -> &TextModel {
        self.intents.get_or_init(|| TextModel::intents(bundle))
    }

    pub fn knowledge(&self, bundle: &Bundle, kb: usize) -> Option<&TextModel> {
        self.knowledge
            .get_or_init(|| {
                (0..bundle.knowledge.len())
                    .map(|kb| TextModel::knowledge(bundle, kb))
                    .collect()
            })
            .get(kb)
    }
}

/// A cache is not part of a bundle's value: clones start empty and every cache is equal.
impl Clone for ModelCache {
    fn clone(&self) -> Self {
        ModelCache::default()
    }
}

impl PartialEq for ModelCache {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl std::fmt::Debug for ModelCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ModelCache")
    }
}

impl TextModel {
    /// `texts` are `(group, text)`; groups are numbered from 0.
    pub fn new<'a>(texts: impl IntoIterator<Item = (u32, &'a str)>, both_ways: bool) -> TextModel {
        let docs: Vec<Doc> = texts
            .into_iter()
            .map(|(group, text)| Doc::new(group, text))
            .collect();
        let groups = docs.iter().map(|d| d.group as usize + 1).max().unwrap_or(0);
        TextModel {
            docs,
            groups,
            both_ways,
        }
    }

    /// One group per intent of the bundle, in bundle order.
    pub fn intents(bundle: &Bundle) -> TextModel {
        let texts = bundle.intents.iter().enumerate().flat_map(|(i, intent)| {
            intent
                .examples
                .iter()
                .map(move |id| (i as u32, bundle.str(*id)))
        });
        let mut model = TextModel::new(texts, false);
        model.groups = model.groups.max(bundle.intents.len());
        model
    }

    /// One group per entry of knowledge base `kb`, by its questions.
    pub fn knowledge(bundle: &Bundle, kb: usize) -> TextModel {
        let Some(base) = bundle.knowledge.get(kb) else {
            return TextModel::default();
        };
        let texts = base.entries.iter().enumerate().flat_map(|(i, entry)| {
            entry
                .questions
                .iter()
                .map(move |id| (i as u32, bundle.str(*id)))
        });
        let mut model = TextModel::new(texts, true);
        model.groups = model.groups.max(base.entries.len());
        model
    }

    /// The score of every group, indexed by group.
    pub fn scores(&self, input: &str) -> Vec<f32> {
        let input = Doc::new(0, input);
        let mut scores = vec![0.0f32; self.groups];
        if input.text.is_empty() {
            return scores;
        }
        for doc in &self.docs {
            let score = score(&input, doc, self.both_ways);
            if let Some(slot) = scores.get_mut(doc.group as usize) {
                *slot = slot.max(score);
            }
        }
        scores
    }

    /// The best group at or above `threshold` (the first on a tie).
    pub fn best(&self, input: &str, threshold: f32) -> Option<(usize, f32)> {
        best_of(&self.scores(input), threshold)
    }
}

/// Index and score of the highest score at or above `threshold` (the first on a tie).
pub fn best_of(scores: &[f32], threshold: f32) -> Option<(usize, f32)> {
    let mut best: Option<(usize, f32)> = None;
    for (i, s) in scores.iter().enumerate() {
        if *s >= threshold && best.is_none_or(|(_, b)| *s > b) {
            best = Some((i, *s));
        }
    }
    best
}

fn score(input: &Doc, example: &Doc, both_ways: bool) -> f32 {
    let mut best = cosine(input, example);
    if example.chars >= 2 && input.chars > 0 && contains_word(&input.text, &example.text) {
        best = best.max(0.8 + 0.2 * example.chars as f32 / input.chars as f32);
    }
    if both_ways
        && input.chars >= 2
        && example.chars > 0
        && contains_word(&example.text, &input.text)
    {
        best = best.max(0.6 + 0.4 * input.chars as f32 / example.chars as f32);
    }
    best.min(1.0)
}

fn cosine(a: &Doc, b: &Doc) -> f32 {
    if a.norm == 0.0 || b.norm == 0.0 {
        return 0.0;
    }
    let (mut i, mut j, mut dot) = (0, 0, 0.0f32);
    while i < a.features.len() && j < b.features.len() {
        let (ka, wa) = a.features[i];
        let (kb, wb) = b.features[j];
        match ka.cmp(&kb) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                dot += wa * wb;
                i += 1;
                j += 1;
            }
        }
    }
    dot / (a.norm * b.norm)
}

/// Whether `hay` contains `needle` where Latin letters/digits do not run on either side.
pub fn contains_word(hay: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return false;
    }
    let word_char = |c: char| c.is_alphanumeric() && !is_cjk(c);
    for (at, _) in hay.match_indices(needle) {
        let before = hay[..at].chars().next_back();
        let after = hay[at + needle.len()..].chars().next();
        let first = needle.chars().next();
        let last = needle.chars().next_back();
        let left_ok = !(before.is_some_and(word_char) && first.is_some_and(word_char));
        let right_ok = !(after.is_some_and(word_char) && last.is_some_and(word_char));
        if left_ok && right_ok {
            return true;
        }
    }
    false
}

fn gram_hash(chars: &[char]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for c in chars {
        for byte in (*c as u32).to_le_bytes() {
            hash ^= byte as u64;
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    hash
}

/// Sorted, merged `(gram hash, count)` of a normalized text.
fn features(text: &str) -> Vec<(u64, f32)> {
    if text.is_empty() {
        return Vec::new();
    }
    let mut chars: Vec<char> = Vec::with_capacity(text.len() + 2);
    chars.push(' ');
    chars.extend(text.chars());
    chars.push(' ');
    let mut grams: Vec<u64> = Vec::new();
    for (i, c) in chars.iter().enumerate() {
        if is_cjk(*c) {
            grams.push(gram_hash(&chars[i..i + 1]));
        }
        for n in 2..=3 {
            if i + n <= chars.len() {
                let gram = &chars[i..i + n];
                if gram.iter().any(|c| *c != ' ') {
                    grams.push(gram_hash(gram));
                }
            }
        }
    }
    grams.sort_unstable();
    let mut out: Vec<(u64, f32)> = Vec::new();
    for g in grams {
        match out.last_mut() {
            Some((last, count)) if *last == g => *count += 1.0,
            _ => out.push((g, 1.0)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model() -> TextModel {
        let intents: Vec<(u32, &str)> = vec![
            (0, "agent"),
            (0, "representative"),
            (0, "talk to a person"),
            (0, "转人工"),
            (0, "人工客服"),
            (1, "I lost my card"),
            (1, "my card was stolen"),
            (1, "block my card"),
            (1, "卡丢了"),
            (1, "挂失"),
        ];
        TextModel::new(intents, false)
    }

    #[test]
    fn verbatim_example_matches_confidently() {
        let m = model();
        assert_eq!(m.best("agent", INTENT_THRESHOLD).map(|b| b.0), Some(0));
        assert_eq!(
            m.best("I want to talk to an agent please", INTENT_THRESHOLD)
                .map(|b| b.0),
            Some(0)
        );
        assert_eq!(
            m.best("请帮我转人工", INTENT_THRESHOLD).map(|b| b.0),
            Some(0)
        );
        assert_eq!(
            m.best("我的卡丢了怎么办", INTENT_THRESHOLD).map(|b| b.0),
            Some(1)
        );
        assert_eq!(m.best("我要挂失", INTENT_THRESHOLD).map(|b| b.0), Some(1));
    }

    #[test]
    fn near_paraphrases_match_and_unrelated_text_does_not() {
        let m = model();
        assert_eq!(
            m.best("i have lost my card", INTENT_THRESHOLD).map(|b| b.0),
            Some(1)
        );
        assert_eq!(
            m.best("someone stole my card", INTENT_THRESHOLD)
                .map(|b| b.0),
            Some(1)
        );
        assert_eq!(m.best("what is the weather like", INTENT_THRESHOLD), None);
        assert_eq!(m.best("今天天气怎么样", INTENT_THRESHOLD), None);
        assert_eq!(m.best("", INTENT_THRESHOLD), None);
    }

    #[test]
    fn word_boundaries_for_latin_only() {
        assert!(contains_word("i want an agent", "agent"));
        assert!(!contains_word("agentic systems", "agent"));
        assert!(!contains_word("i know", "no"));
        assert!(contains_word("请转人工谢谢", "转人工"));
    }

    #[test]
    fn knowledge_finds_a_question_by_topic() {
        let m = TextModel::new(
            vec![
                (0, "What are your opening hours?"),
                (0, "When are you open?"),
                (0, "你们几点上班"),
                (1, "How do I reset my PIN?"),
            ],
            true,
        );
        assert_eq!(
            m.best("opening hours", KNOWLEDGE_THRESHOLD).map(|b| b.0),
            Some(0)
        );
        assert_eq!(
            m.best("你们几点上班？", KNOWLEDGE_THRESHOLD).map(|b| b.0),
            Some(0)
        );
        assert_eq!(
            m.best("几点上班", KNOWLEDGE_THRESHOLD).map(|b| b.0),
            Some(0)
        );
        assert_eq!(
            m.best("reset my pin", KNOWLEDGE_THRESHOLD).map(|b| b.0),
            Some(1)
        );
        assert_eq!(m.best("mortgage rates", KNOWLEDGE_THRESHOLD), None);
    }
}
