//! When two phrases are "the same": text normalisation and near-duplicate search for
//! `duplicate-question` and `ambiguous-example`.
//!
//! Normalising: Unicode NFKC (full-width `ＡＢＣ１２３？` becomes `ABC123?`), lower case, and
//! only letters and digits kept (punctuation, symbols and spaces dropped), so `What are
//! your opening hours?`, `what are your opening hours` and `ＷＨＡＴ ａｒｅ your opening
//! hours？` are one text.
//!
//! Near duplicates: two normalised texts whose sets of character bigrams have a Dice
//! coefficient of at least [`NEAR`] (0.9). Character bigrams need no word boundaries, so
//! the same measure works for Chinese: `你们几点上班` / `你们几点上班呢` are near (0.91),
//! `你们几点上班` / `你们几点下班` are not (0.6).
//!
//! The search is a similarity join with prefix filtering, so it does not compare every
//! pair: bigrams are ordered rarest first, and two sets with Jaccard ≥ J (Dice 0.9 is
//! Jaccard 9/11) must share one of their first `n − ⌈J·n⌉ + 1` bigrams. Only texts sharing
//! such a bigram, and whose sizes are within the ratio J of each other, are compared, and
//! at most [`MAX_CANDIDATES`] per text.

use rustc_hash::FxHashMap;
use unicode_normalization::UnicodeNormalization;

/// The Dice coefficient of character bigrams at which two texts count as near duplicates.
pub const NEAR: f64 = 0.9;

/// The Jaccard index that Dice [`NEAR`] amounts to for prefix filtering and the size
/// filter (9/11).
const JACCARD: f64 = NEAR / (2.0 - NEAR);

/// At most this many earlier texts are compared with each text (a safety bound for
/// machine-generated knowledge bases; real ones never get close). 64, not more: a generated
/// project of 1.8 M one-example intents ("example 123456", whose rarest bigrams each 10 % of
/// the texts share) spends its time visiting up to [`MAX_VISITS`] entries per text.
pub const MAX_CANDIDATES: usize = 64;

/// At most this many index entries are visited per text while looking for candidates.
pub const MAX_VISITS: usize = 4 * MAX_CANDIDATES;

/// Texts of each group that normalise to an earlier text of the same group:
/// `(later, earlier)` with `earlier` the first copy. One hash pass.
pub fn repeats_within_groups(texts: &[(usize, &str)]) -> Vec<(usize, usize)> {
    let mut first: FxHashMap<(usize, String), usize> = FxHashMap::default();
    let mut found = Vec::new();
    for (i, (group, text)) in texts.iter().enumerate() {
        let normalized = normalize(text);
        if normalized.is_empty() {
            continue;
        }
        match first.entry((*group, normalized)) {
            std::collections::hash_map::Entry::Occupied(entry) => found.push((i, *entry.get())),
            std::collections::hash_map::Entry::Vacant(entry) => {
                entry.insert(i);
            }
        }
    }
    found
}

/// The normalised characters of `text` (see the module documentation).
pub fn normalized_chars(text: &str) -> impl Iterator<Item = char> + '_ {
    text.nfkc()
        .flat_map(char::to_lowercase)
        .filter(|c| c.is_alphanumeric())
}

pub fn normalize(text: &str) -> String {
    // NFKC leaves ASCII as it is: most knowledge and intent texts skip the Unicode tables.
    if text.is_ascii() {
        return text
            .bytes()
            .filter(u8::is_ascii_alphanumeric)
            .map(|b| char::from(b.to_ascii_lowercase()))
            .collect();
    }
    normalized_chars(text).collect()
}

/// Do two texts normalise to the same text? Allocation-free.
pub fn same(a: &str, b: &str) -> bool {
    normalized_chars(a).eq(normalized_chars(b))
}

/// The sorted set of character bigrams of a normalised text (a one-character text is its
/// own token).
fn bigrams(normalized: &str) -> Vec<u64> {
    let mut tokens = Vec::new();
    push_bigrams(normalized, &mut tokens);
    tokens
}

/// Appends the sorted set of bigrams of `normalized` to `tokens` (see [`bigrams`]).
fn push_bigrams(normalized: &str, tokens: &mut Vec<u64>) {
    let start = tokens.len();
    let mut chars = normalized.chars();
    let Some(mut previous) = chars.next() else {
        return;
    };
    let mut single = true;
    for c in chars {
        single = false;
        tokens.push((u64::from(previous as u32) << 32) | u64::from(c as u32));
        previous = c;
    }
    if single {
        tokens.push(u64::from(previous as u32) | (1 << 63));
    }
    let set = &mut tokens[start..];
    set.sort_unstable();
    let unique = dedup_sorted(set);
    tokens.truncate(start + unique);
}

/// Moves the distinct values of a sorted slice to its front; returns how many there are.
fn dedup_sorted(set: &mut [u64]) -> usize {
    let mut kept = 0;
    for i in 0..set.len() {
        if i == 0 || set[i] != set[kept - 1] {
            set[kept] = set[i];
            kept += 1;
        }
    }
    kept
}

/// Every text's bigram set in one list: millions of generated examples would otherwise
/// each cost a list of their own.
struct TokenSets {
    data: Vec<u64>,
    /// Where set *i* ends in `data` (it starts where set *i − 1* ends).
    ends: Vec<u32>,
}

impl TokenSets {
    fn of(normalized: &[String]) -> TokenSets {
        let mut data = Vec::with_capacity(normalized.iter().map(String::len).sum());
        let mut ends = Vec::with_capacity(normalized.len());
        for text in normalized {
            push_bigrams(text, &mut data);
            ends.push(data.len() as u32);
        }
        TokenSets { data, ends }
    }

    fn get(&self, i: usize) -> &[u64] {
        let start = i.checked_sub(1).map_or(0, |p| self.ends[p] as usize);
        &self.data[start..self.ends[i] as usize]
    }
}

/// Dice coefficient of two sorted token sets.
fn dice(a: &[u64], b: &[u64]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    let (mut i, mut j, mut common) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    2.0 * common as f64 / (a.len() + b.len()) as f64
}

/// `dice(a, b) >= NEAR`, but giving up as soon as the tokens left cannot reach it: most
/// candidates fail after a few tokens, and a generated project compares millions of them.
fn is_near(a: &[u64], b: &[u64]) -> bool {
    if a.is_empty() && b.is_empty() {
        return true;
    }
    let total = (a.len() + b.len()) as f64;
    let (mut i, mut j, mut common) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        // The most `common` can still become; the same formula as `dice`, so the answer is
        // the same, not merely close.
        let best = common + (a.len() - i).min(b.len() - j);
        if 2.0 * best as f64 / total < NEAR {
            return false;
        }
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    2.0 * common as f64 / total >= NEAR
}

/// Dice similarity of two texts after normalisation.
pub fn similarity(a: &str, b: &str) -> f64 {
    dice(&bigrams(&normalize(a)), &bigrams(&normalize(b)))
}

/// A text that repeats an earlier one of another group.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Duplicate {
    /// Index of the later text.
    pub later: usize,
    /// Index of the earliest text of another group it repeats.
    pub earlier: usize,
    /// The same after normalisation (else near: Dice ≥ [`NEAR`]).
    pub exact: bool,
}

/// For each text (`group`, text), the earliest text of a *different* group that is the
/// same or nearly the same. Texts of one group never count against each other.
///
/// Two passes, so that the second can run on every core: the first finds exact repeats and
/// indexes every text by its rarest tokens, in order; the second looks up each text's
/// candidates among the *earlier* entries of those lists (an index list is in text order,
/// so it stops at the first later text). That is what a single pass that indexes each text
/// after searching for it would see, so the result is the same (held to it by a test).
pub fn find_duplicates(texts: &[(usize, &str)]) -> Vec<Duplicate> {
    find_duplicates_counting(texts, None)
}

/// [`find_duplicates`], adding to `visits` every earlier text it looks at (the tests hold
/// the search to its budget with it).
fn find_duplicates_counting(
    texts: &[(usize, &str)],
    visits: Option<&std::sync::atomic::AtomicUsize>,
) -> Vec<Duplicate> {
    let normalized: Vec<String> = texts.iter().map(|(_, t)| normalize(t)).collect();
    let tokens = TokenSets::of(&normalized);
    let exact = exact_repeats(texts, &normalized);
    let prefixes = rarest_prefixes(&tokens);
    let mut index: FxHashMap<u64, Vec<u32>> = FxHashMap::default();
    for i in 0..texts.len() {
        for t in prefixes.get(i) {
            index.entry(*t).or_default().push(i as u32);
        }
    }
    drop(normalized);
    let search = Search {
        texts,
        tokens: &tokens,
        prefixes: &prefixes,
        index: &index,
        visits,
    };
    // Runs of texts, each with its own "already compared with" marks; a big project's
    // texts split into enough runs to balance the cores (later texts have longer lists).
    let run = texts.len().div_ceil(64).max(PARALLEL_RUN);
    let runs: Vec<(usize, usize)> = (0..texts.len())
        .step_by(run)
        .map(|start| (start, (start + run).min(texts.len())))
        .collect();
    let found = crate::parallel::map_in_order(&runs, 2, |_, &(start, end)| {
        let mut seen_by = vec![u32::MAX; end];
        (start..end)
            .filter_map(|i| {
                if let Some(earlier) = exact[i] {
                    return Some(Duplicate {
                        later: i,
                        earlier: earlier as usize,
                        exact: true,
                    });
                }
                search.near(i, &mut seen_by).map(|earlier| Duplicate {
                    later: i,
                    earlier,
                    exact: false,
                })
            })
            .collect::<Vec<_>>()
    });
    found.into_iter().flatten().collect()
}

/// Texts per run of the near-duplicate search below which it stays on one thread.
const PARALLEL_RUN: usize = 4096;

/// For each text, the earliest earlier text of another group that normalises to the same
/// text. Per normalised text it keeps its first index and the first index of a text of
/// another group than that one: enough to answer in O(1), so 100,000 copies in one intent
/// stay linear.
fn exact_repeats(texts: &[(usize, &str)], normalized: &[String]) -> Vec<Option<u32>> {
    let mut first: FxHashMap<&str, (usize, Option<usize>)> =
        FxHashMap::with_capacity_and_hasher(texts.len(), Default::default());
    let mut repeats = vec![None; texts.len()];
    for (i, text) in normalized.iter().enumerate() {
        if text.is_empty() {
            continue;
        }
        let group = texts[i].0;
        let same_text = first.entry(text.as_str()).or_insert((i, None));
        let earlier = if same_text.0 == i {
            None
        } else if texts[same_text.0].0 != group {
            Some(same_text.0)
        } else {
            same_text.1
        };
        if same_text.0 != i && same_text.1.is_none() && texts[same_text.0].0 != group {
            same_text.1 = Some(i);
        }
        repeats[i] = earlier.map(|e| e as u32);
    }
    repeats
}

/// Each text's rarest tokens (ties by value), as many as prefix filtering needs: two sets
/// with Jaccard ≥ J share one of their first `n − ⌈J·n⌉ + 1`. Only that prefix is ever
/// read, so it is sorted out per text rather than kept for all.
fn rarest_prefixes(tokens: &TokenSets) -> TokenSets {
    let mut frequency: FxHashMap<u64, u32> = FxHashMap::default();
    for &t in &tokens.data {
        *frequency.entry(t).or_default() += 1;
    }
    let mut prefixes = TokenSets {
        data: Vec::new(),
        ends: Vec::with_capacity(tokens.ends.len()),
    };
    let mut rarest: Vec<u64> = Vec::new();
    for i in 0..tokens.ends.len() {
        let mine = tokens.get(i);
        let size = mine.len();
        let prefix = (size + 1).saturating_sub((JACCARD * size as f64).ceil() as usize);
        rarest.clear();
        rarest.extend_from_slice(mine);
        rarest.sort_unstable_by_key(|t| (frequency[t], *t));
        rarest.truncate(prefix.min(size));
        prefixes.data.extend_from_slice(&rarest);
        prefixes.ends.push(prefixes.data.len() as u32);
    }
    prefixes
}

/// What the near-duplicate search of one text reads: everything is built before it.
struct Search<'a, 't> {
    texts: &'a [(usize, &'t str)],
    tokens: &'a TokenSets,
    prefixes: &'a TokenSets,
    index: &'a FxHashMap<u64, Vec<u32>>,
    /// Counts the visits, when given.
    visits: Option<&'a std::sync::atomic::AtomicUsize>,
}

impl Search<'_, '_> {
    /// The earliest earlier text of another group whose Dice coefficient with text `i` is at
    /// least [`NEAR`], among at most [`MAX_CANDIDATES`] compared and [`MAX_VISITS`] visited.
    /// `seen_by[j] == i` marks a text already visited for `i`.
    fn near(&self, i: usize, seen_by: &mut [u32]) -> Option<usize> {
        let group = self.texts[i].0;
        let mine = self.tokens.get(i);
        let size = mine.len() as f64;
        let mut near_match: Option<usize> = None;
        let (mut compared, mut visited) = (0, 0);
        let counted = |visited: usize| {
            if let Some(visits) = self.visits {
                visits.fetch_add(visited, std::sync::atomic::Ordering::Relaxed);
            }
        };
        for t in self.prefixes.get(i) {
            let list = self.index.get(t).map(Vec::as_slice).unwrap_or(&[]);
            // Only the entries of texts before this one, as a single pass would have them
            // (a list is in text order; only its front is ever read, within the budget).
            for j in list.iter().map(|&j| j as usize).take_while(|&j| j < i) {
                // Every visit counts against the budget, texts of the same group too:
                // otherwise 100,000 texts of one group would compare every pair.
                visited += 1;
                if visited > MAX_VISITS {
                    counted(visited);
                    return near_match;
                }
                if seen_by[j] == i as u32 || self.texts[j].0 == group {
                    continue;
                }
                seen_by[j] = i as u32;
                let theirs = self.tokens.get(j);
                let other = theirs.len() as f64;
                if other < JACCARD * size || size < JACCARD * other {
                    continue;
                }
                compared += 1;
                if near_match.is_none_or(|k| j < k) && is_near(mine, theirs) {
                    near_match = Some(j);
                }
                if compared >= MAX_CANDIDATES {
                    counted(visited);
                    return near_match;
                }
            }
        }
        counted(visited);
        near_match
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The single-pass order `find_duplicates` replaced, as the reference for the two passes:
    /// each text searched while the index holds only the texts before it, then indexed; one
    /// set of "seen" marks for all texts, on one thread.
    fn find_duplicates_in_one_pass(texts: &[(usize, &str)]) -> Vec<Duplicate> {
        let normalized: Vec<String> = texts.iter().map(|(_, t)| normalize(t)).collect();
        let tokens = TokenSets::of(&normalized);
        let exact = exact_repeats(texts, &normalized);
        let prefixes = rarest_prefixes(&tokens);
        let mut index: FxHashMap<u64, Vec<u32>> = FxHashMap::default();
        let mut seen_by = vec![u32::MAX; texts.len()];
        let mut found = Vec::new();
        for (i, repeat) in exact.iter().enumerate() {
            let search = Search {
                texts,
                tokens: &tokens,
                prefixes: &prefixes,
                index: &index,
                visits: None,
            };
            if let Some(earlier) = *repeat {
                found.push(Duplicate {
                    later: i,
                    earlier: earlier as usize,
                    exact: true,
                });
            } else if let Some(earlier) = search.near(i, &mut seen_by) {
                found.push(Duplicate {
                    later: i,
                    earlier,
                    exact: false,
                });
            }
            for t in prefixes.get(i) {
                index.entry(*t).or_default().push(i as u32);
            }
        }
        found
    }

    #[test]
    fn the_ascii_shortcut_normalises_like_the_unicode_path() {
        let every_ascii: String = (0u8..128).map(char::from).collect();
        for text in [
            every_ascii.as_str(),
            "How do I RESET my PIN? (card #2)",
            "",
            "  ",
        ] {
            assert_eq!(normalize(text), normalized_chars(text).collect::<String>());
        }
    }

    #[test]
    fn normalises_case_punctuation_width_and_spaces() {
        assert!(same(
            "What are your opening hours?",
            "what are your opening hours"
        ));
        assert!(same(
            "ＷＨＡＴ ａｒｅ your opening hours？",
            "What are your opening hours?"
        ));
        assert!(same("你们 几点 上班？", "你们几点上班"));
        assert!(same("转人工！", "转人工"));
        assert!(!same("你们几点上班", "你们几点下班"));
    }

    #[test]
    fn near_duplicates_work_for_chinese_and_english() {
        assert!(similarity("你们几点上班", "你们几点上班呢") >= NEAR);
        assert!(similarity("请问你们周末几点开门营业", "请问你们周末几点开门营业呀") >= NEAR);
        assert!(similarity("你们几点上班", "你们几点下班") < NEAR);
        assert!(
            similarity(
                "What are your opening hours?",
                "What are your opening hour?"
            ) >= NEAR
        );
        assert!(similarity("When are you open?", "Where are you?") < NEAR);
    }

    #[test]
    fn finds_the_earliest_duplicate_of_another_group() {
        let texts = [
            (0, "When are you open?"),
            (0, "when are you open"), // same group: not a duplicate
            (1, "Are you open on holidays?"),
            (1, "WHEN are you open？"), // exact, repeats text 0
            (2, "请问你们周末几点开门营业"),
            (3, "请问你们周末几点开门营业呀"), // near, repeats text 4
            (4, "你们几点下班"),
        ];
        let found = find_duplicates(&texts);
        assert_eq!(
            found,
            [
                Duplicate {
                    later: 3,
                    earlier: 0,
                    exact: true
                },
                Duplicate {
                    later: 5,
                    earlier: 4,
                    exact: false
                },
            ]
        );
    }

    /// Texts from a few short words, so that exact and near repeats, same-group repeats and
    /// long index lists are all common.
    fn phrases(seeds: &[(u8, u16)]) -> Vec<(usize, String)> {
        const WORDS: [&str; 8] = [
            "open", "opening", "hours", "when", "are", "you", "几点", "上班",
        ];
        seeds
            .iter()
            .map(|&(group, bits)| {
                let words: Vec<&str> = (0..5)
                    .map(|k| WORDS[usize::from(bits >> (3 * k)) & 7])
                    .take(usize::from(bits % 5) + 1)
                    .collect();
                (usize::from(group % 6), words.join(" "))
            })
            .collect()
    }

    fn both_searches(owned: &[(usize, String)]) -> (Vec<Duplicate>, Vec<Duplicate>) {
        let texts: Vec<(usize, &str)> = owned.iter().map(|(g, t)| (*g, t.as_str())).collect();
        (find_duplicates(&texts), find_duplicates_in_one_pass(&texts))
    }

    proptest::proptest! {
        #[test]
        fn the_two_pass_search_finds_what_one_pass_finds(
            seeds in proptest::collection::vec((0u8..255, 0u16..u16::MAX), 0..300)
        ) {
            let (two_pass, one_pass) = both_searches(&phrases(&seeds));
            proptest::prop_assert_eq!(two_pass, one_pass);
        }
    }

    #[test]
    fn the_two_pass_search_agrees_on_many_runs_and_full_budgets() {
        // Enough texts for several parallel runs, with index lists far past the budgets.
        let mut owned: Vec<(usize, String)> = (0..30_000)
            .map(|i| (i % 7, format!("example {i}")))
            .collect();
        let seeds: Vec<(u8, u16)> = (0..20_000u32)
            .map(|i| ((i % 251) as u8, (i.wrapping_mul(40_503) >> 3) as u16))
            .collect();
        owned.extend(phrases(&seeds));
        let (two_pass, one_pass) = both_searches(&owned);
        assert!(
            two_pass.len() > 1_000,
            "the input has repeats: {}",
            two_pass.len()
        );
        assert_eq!(two_pass, one_pass);
    }

    proptest::proptest! {
        #[test]
        fn the_early_exit_test_agrees_with_the_coefficient(
            a in proptest::collection::btree_set(0u64..40, 0..30),
            b in proptest::collection::btree_set(0u64..40, 0..30),
        ) {
            let (a, b): (Vec<u64>, Vec<u64>) = (a.into_iter().collect(), b.into_iter().collect());
            proptest::prop_assert_eq!(is_near(&a, &b), dice(&a, &b) >= NEAR);
            // Near pairs are rare between random sets: a set against itself and itself
            // less one token are near or just not.
            let less = a.get(1..).unwrap_or_default();
            proptest::prop_assert!(is_near(&a, &a));
            proptest::prop_assert_eq!(is_near(&a, less), dice(&a, less) >= NEAR);
        }
    }

    #[test]
    fn many_distinct_texts_are_not_compared_pairwise() {
        // A machine-made knowledge base where every question looks alike: the candidate
        // bound keeps this near-linear.
        let owned: Vec<String> = (0..5_000)
            .map(|i| format!("question number {i} about topic {}", i * 7919 % 10007))
            .collect();
        let texts: Vec<(usize, &str)> = owned
            .iter()
            .enumerate()
            .map(|(i, t)| (i, t.as_str()))
            .collect();
        let visits = std::sync::atomic::AtomicUsize::new(0);
        let found = find_duplicates_counting(&texts, Some(&visits));
        assert_eq!(found, find_duplicates(&texts));
        let visits = visits.into_inner();
        // Pairwise would be 12.5 million; the budget allows at most MAX_VISITS + 1 per text.
        assert!(
            visits <= texts.len() * (MAX_VISITS + 1),
            "{visits} visits for {} texts",
            texts.len()
        );
        assert!(
            visits > texts.len(),
            "the texts look alike: the search must look"
        );
    }
}
