//! The intent matcher and knowledge retrieval: weighted feature vectors and cosine
//! similarity, computed from the bundle's examples when a model is built (the bundle stores
//! only the example texts).
//!
//! Features of a normalized text (see [`super::normalize`]):
//! - Latin words, lightly stemmed ("bills" → "bill", "delayed" → "delay"), without function
//!   words ("I", "my", "the", "please", "want" …), and their character 3-grams at a low
//!   weight (for typing errors and word forms the stemmer misses);
//! - Chinese: single characters (without particles such as 的 了 吗 我) and character pairs;
//! - *concepts*: a built-in contact-centre thesaurus ([`super::concepts`]) maps words and
//!   phrases of both languages that mean the same thing to one feature — "bill", "invoice",
//!   "owe", 账单 and 话费 are all `bill` — so a paraphrase with none of the example's words
//!   still matches ("why is my bill so high" ~ "how much do I owe", 这个月话费多少 ~ "my invoice").
//!
//! Each feature is weighted by its rarity among the model's examples (inverse document
//! frequency: a word every intent uses says nothing); a feature no example has weighs as
//! much as the rarest, so an input about something else entirely scores low. Features are
//! hashed to 64 bits (FNV-1a) and kept sorted, so there is no hash-map order anywhere.
//!
//! Score of an input against one group (intent, knowledge entry) = the largest of
//! - the cosine similarity with each of its examples, and with the group's centroid (the sum
//!   of its examples' vectors: "I need to change my flight to Friday" shares "change" with one
//!   example and "flight" with another);
//! - for an input that contains an example verbatim (at word boundaries for Latin text,
//!   the example at least 2 characters long): `0.8 + 0.2 × example length / input length`,
//!   so "I want to talk to an agent please" matches the example "agent" confidently;
//! - for knowledge retrieval also the other way round, a question that contains the input
//!   (at least 2 characters): `0.6 + 0.4 × input length / question length`, so the topic
//!   "opening hours" finds "What are your opening hours?".
//!
//! Intents match at [`INTENT_THRESHOLD`] or above, knowledge entries at
//! [`KNOWLEDGE_THRESHOLD`].

use super::concepts;
use super::lexicon::units;
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
    /// Raw feature counts (weighted by kind, not yet by rarity).
    counts: Vec<(u64, f32)>,
}

impl Doc {
    fn new(group: u32, raw: &str) -> Doc {
        let text = normalize(raw);
        let counts = features(&text);
        Doc {
            group,
            chars: text.chars().count(),
            text,
            counts,
        }
    }
}

/// A weighted, normalized vector.
#[derive(Debug, Clone, Default)]
struct Vector {
    features: Vec<(u64, f32)>,
    norm: f32,
}

impl Vector {
    fn new(features: Vec<(u64, f32)>) -> Vector {
        let norm = features.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
        Vector { features, norm }
    }
}

/// Example texts grouped by intent or knowledge entry, with their vectors.
#[derive(Debug, Clone, Default)]
pub struct TextModel {
    docs: Vec<Doc>,
    /// Each doc's weighted vector, by index into `docs`.
    vectors: Vec<Vector>,
    /// Each group's centroid (its norm; see [`TextModel::scores`]).
    centroids: Vec<Vector>,
    /// The inverted index: sorted (feature, start, end) into `postings`, so that an input is
    /// compared only with the examples that share a feature with it.
    index: Vec<(u64, u32, u32)>,
    /// (doc, weight in that doc's vector), grouped by feature.
    postings: Vec<(u32, f32)>,
    /// Sorted (feature, inverse document frequency) over the docs.
    idf: Vec<(u64, f32)>,
    /// The weight of a feature no example has.
    unseen_idf: f32,
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
        let mut model = TextModel {
            docs,
            groups,
            both_ways,
            ..TextModel::default()
        };
        model.weigh();
        model
    }

    /// Inverse document frequencies, every doc's vector and every group's centroid.
    fn weigh(&mut self) {
        let mut all: Vec<u64> = self
            .docs
            .iter()
            .flat_map(|d| d.counts.iter().map(|(f, _)| *f))
            .collect();
        all.sort_unstable();
        let n = self.docs.len() as f32;
        let idf_of = |df: f32| ((n + 1.0) / (df + 1.0)).ln() + 1.0;
        self.idf.clear();
        for f in all {
            match self.idf.last_mut() {
                Some((last, df)) if *last == f => *df += 1.0,
                _ => self.idf.push((f, 1.0)),
            }
        }
        for (_, df) in &mut self.idf {
            *df = idf_of(*df);
        }
        self.unseen_idf = idf_of(0.0) * UNSEEN;
        self.vectors = self.docs.iter().map(|d| self.vector(&d.counts)).collect();
        let mut entries: Vec<(u64, u32, f32)> = self
            .vectors
            .iter()
            .enumerate()
            .flat_map(|(doc, v)| v.features.iter().map(move |(f, w)| (*f, doc as u32, *w)))
            .collect();
        entries.sort_by_key(|(f, doc, _)| (*f, *doc));
        self.index.clear();
        self.postings.clear();
        for (f, doc, w) in entries {
            let at = self.postings.len() as u32;
            match self.index.last_mut() {
                Some((last, _, end)) if *last == f => *end = at + 1,
                _ => self.index.push((f, at, at + 1)),
            }
            self.postings.push((doc, w));
        }
        let groups = self.groups.max(1);
        let mut sums: Vec<Vec<(u64, f32)>> = vec![Vec::new(); groups];
        for (doc, vector) in self.docs.iter().zip(&self.vectors) {
            if vector.norm > 0.0
                && let Some(sum) = sums.get_mut(doc.group as usize)
            {
                sum.extend(vector.features.iter().map(|(f, w)| (*f, w / vector.norm)));
            }
        }
        self.centroids = sums
            .into_iter()
            .map(|mut sum| {
                sum.sort_unstable_by_key(|(f, _)| *f);
                let mut merged: Vec<(u64, f32)> = Vec::with_capacity(sum.len());
                for (f, w) in sum {
                    match merged.last_mut() {
                        Some((last, total)) if *last == f => *total += w,
                        _ => merged.push((f, w)),
                    }
                }
                // Only the norm is kept: dot products go through the inverted index.
                Vector {
                    features: Vec::new(),
                    norm: Vector::new(merged).norm,
                }
            })
            .collect();
    }

    fn vector(&self, counts: &[(u64, f32)]) -> Vector {
        Vector::new(
            counts
                .iter()
                .map(|(f, c)| {
                    let idf = self
                        .idf
                        .binary_search_by_key(f, |(g, _)| *g)
                        .map_or(self.unseen_idf, |i| self.idf[i].1);
                    (*f, c * idf)
                })
                .collect(),
        )
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
        model.weigh();
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
        model.weigh();
        model
    }

    /// The score of every group, indexed by group.
    pub fn scores(&self, input: &str) -> Vec<f32> {
        let input = Doc::new(0, input);
        let mut scores = vec![0.0f32; self.groups];
        if input.text.is_empty() {
            return scores;
        }
        let vector = self.vector(&input.counts);
        // Dot products through the inverted index: only examples sharing a feature.
        let mut dots = vec![0.0f32; self.docs.len()];
        for (feature, weight) in &vector.features {
            if let Ok(i) = self.index.binary_search_by_key(feature, |(f, _, _)| *f) {
                let (_, start, end) = self.index[i];
                for (doc, w) in &self.postings[start as usize..end as usize] {
                    dots[*doc as usize] += weight * w;
                }
            }
        }
        // A centroid is the sum of its examples' unit vectors: its dot product is the sum of
        // theirs, each over its norm.
        let mut centroid_dots = vec![0.0f32; self.centroids.len()];
        for ((doc, example), dot) in self.docs.iter().zip(&self.vectors).zip(&dots) {
            let cosine = if vector.norm > 0.0 && example.norm > 0.0 {
                dot / (vector.norm * example.norm)
            } else {
                0.0
            };
            if example.norm > 0.0
                && let Some(c) = centroid_dots.get_mut(doc.group as usize)
            {
                *c += dot / example.norm;
            }
            let score = score(&input, cosine, doc, example, self.both_ways);
            if let Some(slot) = scores.get_mut(doc.group as usize) {
                *slot = slot.max(score);
            }
        }
        for ((slot, centroid), dot) in scores.iter_mut().zip(&self.centroids).zip(centroid_dots) {
            if vector.norm > 0.0 && centroid.norm > 0.0 {
                *slot = slot.max(dot / (vector.norm * centroid.norm));
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

/// The score of `input` against one example whose cosine similarity with it is `cosine`.
fn score(input: &Doc, cosine: f32, example: &Doc, example_vector: &Vector, both_ways: bool) -> f32 {
    let mut best = cosine;
    // A text inside another shares its features: with no feature in common (and the
    // example has some), neither contains the other — skip the substring searches, which
    // were most of a free-text turn's cost against a 50-intent model.
    if best == 0.0 && example_vector.norm > 0.0 && input.chars > 0 {
        return 0.0;
    }
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

/// Whether `hay` contains `needle` where Latin letters/digits do not run on either side.
pub fn contains_word(hay: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return false;
    }
    let word_char = |c: char| c.is_alphanumeric() && !is_cjk(c);
    // A plain scan: needles are short examples, and setting up a two-way searcher for each
    // of a model's hundreds of examples cost more than the search itself.
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    if n.len() > h.len() {
        return false;
    }
    let starts = (0..=h.len() - n.len())
        .filter(|at| h[*at] == n[0] && h[*at..].starts_with(n) && hay.is_char_boundary(*at));
    for at in starts {
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

fn hash_bytes(kind: u8, bytes: &[u8]) -> u64 {
    hash_more(0xcbf2_9ce4_8422_2325 ^ kind as u64, bytes)
}

/// FNV-1a continued over more bytes.
fn hash_more(mut hash: u64, bytes: &[u8]) -> u64 {
    for byte in bytes {
        hash ^= *byte as u64;
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// Feature kinds (mixed into the hash) and their weights before rarity.
const WORD: (u8, f32) = (1, 1.0);
const TRIGRAM: (u8, f32) = (2, 0.2);
const CJK_CHAR: (u8, f32) = (3, 0.5);
const CJK_PAIR: (u8, f32) = (4, 1.0);
const CONCEPT: (u8, f32) = (5, 2.0);
/// A feature no example has weighs this much of the rarest one's weight: enough that an
/// input about something else scores low, not so much that a paraphrase's extra words
/// ("this month", 一下) drown what it shares with an example.
const UNSEEN: f32 = 0.5;

/// Sorted, merged `(feature hash, weight)` of a normalized text.
fn features(text: &str) -> Vec<(u64, f32)> {
    let mut out: Vec<(u64, f32)> = Vec::new();
    if text.is_empty() {
        return out;
    }
    let units = units(text);
    for concept in concepts::find(&units) {
        out.push((hash_bytes(CONCEPT.0, concept.as_bytes()), CONCEPT.1));
    }
    let mut previous_cjk: Option<&str> = None;
    for unit in &units {
        let first = unit.chars().next().unwrap_or(' ');
        if is_cjk(first) {
            if !concepts::is_cjk_stop(first) {
                out.push((hash_bytes(CJK_CHAR.0, unit.as_bytes()), CJK_CHAR.1));
            }
            if let Some(previous) = previous_cjk {
                let previous_stop = previous.chars().next().is_some_and(concepts::is_cjk_stop);
                if !(previous_stop && concepts::is_cjk_stop(first)) {
                    let hash =
                        hash_more(hash_bytes(CJK_PAIR.0, previous.as_bytes()), unit.as_bytes());
                    out.push((hash, CJK_PAIR.1));
                }
            }
            previous_cjk = Some(unit);
            continue;
        }
        previous_cjk = None;
        // Stop words, and numbers: "transfer 500" is about transferring, whatever the sum.
        if concepts::is_stop_word(unit) || unit.chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        let stem = concepts::stem(unit);
        out.push((hash_bytes(WORD.0, stem.as_bytes()), WORD.1));
        // Letter 3-grams of " stem ", hashed from the bytes of each window of 3 characters.
        let bytes = stem.as_bytes();
        let mut starts: Vec<usize> = Vec::with_capacity(bytes.len() + 3);
        starts.push(0);
        starts.extend(stem.char_indices().map(|(i, _)| i + 1));
        starts.push(bytes.len() + 1);
        starts.push(bytes.len() + 2);
        let padded_byte = |i: usize| {
            if i == 0 || i > bytes.len() {
                b' '
            } else {
                bytes[i - 1]
            }
        };
        for window in starts.windows(4) {
            let mut hash = hash_bytes(TRIGRAM.0, &[]);
            for i in window[0]..window[3] {
                hash = hash_more(hash, &[padded_byte(i)]);
            }
            out.push((hash, TRIGRAM.1));
        }
    }
    out.sort_unstable_by_key(|(f, _)| *f);
    let mut merged: Vec<(u64, f32)> = Vec::with_capacity(out.len());
    for (f, w) in out {
        match merged.last_mut() {
            Some((last, total)) if *last == f => *total += w,
            _ => merged.push((f, w)),
        }
    }
    merged
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
