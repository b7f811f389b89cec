//! "Did you mean …?" suggestions for misspelt names and keywords.
//!
//! Bounded, because the names come from whoever wrote the file: a word longer than
//! [`MAX_WORD_CHARS`] gets no suggestion, candidates whose length differs by more than the
//! allowed distance are skipped without comparing, the distance is computed in a band of
//! that width (stopping as soon as the band exceeds it), and one lookup compares at most
//! [`MAX_COMPARED`] candidates. So a lookup costs at most
//! `MAX_COMPARED × MAX_WORD_CHARS × (2 × limit + 1)` cells, whatever the input.

use std::sync::atomic::{AtomicU64, Ordering};

/// Words longer than this (in chars) are not matched: nobody misspells a 65-char name.
pub const MAX_WORD_CHARS: usize = 64;

/// At most this many candidates (after the length filter) are compared per lookup.
pub const MAX_COMPARED: usize = 4096;

/// Distance cells computed so far in this process: the property tests bound it.
static CELLS: AtomicU64 = AtomicU64::new(0);

/// Distance cells computed so far by this process (for tests that bound the work).
pub fn cells_computed() -> u64 {
    CELLS.load(Ordering::Relaxed)
}

/// Edit distance between two strings, by chars: insertions, deletions, substitutions and
/// swaps of two neighbours (`goot` → `goto` is one edit), the typos people make.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let limit = a.len().max(b.len());
    bounded_distance(&a, &b, limit).unwrap_or(limit)
}

/// The distance of `a` and `b` if it is at most `limit`, computed only in the band of
/// cells within `limit` of the diagonal, and given up as soon as a whole row of the band
/// exceeds `limit`. `O(len × limit)` time, `O(len)` memory.
pub fn bounded_distance(a: &[char], b: &[char], limit: usize) -> Option<usize> {
    let (n, m) = (a.len(), b.len());
    if n.abs_diff(m) > limit {
        return None;
    }
    let over = limit + 1;
    // Three rows: i-2, i-1, i (for the swap of neighbours).
    let mut before = vec![over; m + 1];
    let mut previous: Vec<usize> = (0..=m).map(|j| j.min(over)).collect();
    let mut current = vec![over; m + 1];
    let mut cells = 0u64;
    for i in 1..=n {
        let from = i.saturating_sub(limit).max(1);
        let to = (i + limit).min(m);
        current.fill(over);
        current[0] = i.min(over);
        let mut row_min = current[0];
        for j in from..=to {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (previous[j] + 1)
                .min(current[j - 1] + 1)
                .min(previous[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(before[j - 2] + 1);
            }
            current[j] = best.min(over);
            row_min = row_min.min(current[j]);
        }
        cells += (to + 1).saturating_sub(from) as u64;
        if row_min > limit {
            CELLS.fetch_add(cells, Ordering::Relaxed);
            return None;
        }
        std::mem::swap(&mut before, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    CELLS.fetch_add(cells, Ordering::Relaxed);
    (previous[m] <= limit).then_some(previous[m])
}

/// The closest candidate within a distance that scales with the word's length.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let word: Vec<char> = word.chars().take(MAX_WORD_CHARS + 1).collect();
    if word.len() > MAX_WORD_CHARS || word.is_empty() {
        return None;
    }
    let limit = (word.len() / 3).max(1);
    let mut best: Option<(usize, &'a str)> = None;
    let mut compared = 0;
    let mut buffer = Vec::with_capacity(MAX_WORD_CHARS + limit);
    for candidate in candidates {
        // Cheap length filter first: chars ≤ bytes ≤ 4 × chars.
        let bytes = candidate.len();
        if bytes + limit < word.len() || bytes > 4 * (word.len() + limit) {
            continue;
        }
        buffer.clear();
        buffer.extend(candidate.chars().take(word.len() + limit + 1));
        if buffer.len().abs_diff(word.len()) > limit {
            continue;
        }
        if compared == MAX_COMPARED {
            break;
        }
        compared += 1;
        let bound = best.map_or(limit, |(d, _)| d);
        if let Some(distance) = bounded_distance(&word, &buffer, bound) {
            let better = match best {
                Some((d, c)) => (distance, candidate) < (d, c),
                None => true,
            };
            if better {
                best = Some((distance, candidate));
            }
        }
    }
    best.map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_words_only() {
        assert_eq!(closest("goot", ["goto", "say", "end"]), Some("goto"));
        assert_eq!(closest("banana", ["goto", "say", "end"]), None);
        assert_eq!(edit_distance("转人工", "转人"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        // Ties go to the smaller name, as before.
        assert_eq!(closest("stat", ["state", "start"]), Some("start"));
    }

    #[test]
    fn the_banded_distance_agrees_with_the_full_one_within_its_limit() {
        let words = [
            "",
            "a",
            "ab",
            "ba",
            "abc",
            "acb",
            "goto",
            "goot",
            "main_menu",
            "mian_menu",
            "转人工",
        ];
        for a in words {
            for b in words {
                let (x, y): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
                let full = edit_distance(a, b);
                for limit in 0..6 {
                    let banded = bounded_distance(&x, &y, limit);
                    assert_eq!(banded, (full <= limit).then_some(full), "{a} {b} {limit}");
                }
            }
        }
    }

    #[test]
    fn a_huge_word_or_many_candidates_cost_bounded_work() {
        let long = "s".repeat(30_000);
        let similar = format!("{long}x");
        let before = cells_computed();
        assert_eq!(closest(&long, [similar.as_str()]), None);
        let names: Vec<String> = (0..100_000).map(|i| format!("state_{i:06}")).collect();
        let _ = closest("state_00000x", names.iter().map(String::as_str));
        let spent = cells_computed() - before;
        let word = 12u64;
        let limit = 4u64;
        assert!(
            spent <= MAX_COMPARED as u64 * word * (2 * limit + 1),
            "{spent} cells"
        );
    }
}
