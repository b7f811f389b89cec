//! Answering from the last analysis while a newer one is still running.
//!
//! On a 100,000-state file an analysis takes most of a second; a hover should not wait for
//! it. The text the last analysis read and the editor's text differ only where the user
//! typed since: the bytes before the first difference and after the last one are the same
//! in both, so an offset there means the same thing in both texts. A request at such an
//! offset is answered from the old analysis (and its ranges moved back to the new text); a
//! request inside the edited stretch waits for the fresh analysis as before.

/// How the old text (the analysis's) and the new one (the editor's) line up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shift {
    /// Bytes the same at the start of both texts.
    prefix: usize,
    /// Bytes the same at the end of both texts (not overlapping the prefix).
    suffix: usize,
    old_len: usize,
    new_len: usize,
}

/// Bytes compared at a time: `==` on slices is a `memcmp`, many times faster than a byte
/// loop over 19 MB.
const BLOCK: usize = 4096;

fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let max = a.len().min(b.len());
    let mut at = 0;
    while at + BLOCK <= max && a[at..at + BLOCK] == b[at..at + BLOCK] {
        at += BLOCK;
    }
    at + a[at..max]
        .iter()
        .zip(&b[at..max])
        .take_while(|(x, y)| x == y)
        .count()
}

fn common_suffix(a: &[u8], b: &[u8]) -> usize {
    let max = a.len().min(b.len());
    let mut len = 0;
    while len + BLOCK <= max
        && a[a.len() - len - BLOCK..a.len() - len] == b[b.len() - len - BLOCK..b.len() - len]
    {
        len += BLOCK;
    }
    len + a[..a.len() - len]
        .iter()
        .rev()
        .zip(b[..b.len() - len].iter().rev())
        .take_while(|(x, y)| x == y)
        .count()
}

impl Shift {
    pub fn between(old: &str, new: &str) -> Shift {
        let (a, b) = (old.as_bytes(), new.as_bytes());
        let prefix = common_prefix(a, b);
        let suffix = common_suffix(&a[prefix..], &b[prefix..]);
        Shift {
            prefix,
            suffix,
            old_len: a.len(),
            new_len: b.len(),
        }
    }

    /// Two texts known to be the same (the analysis read this very version).
    pub fn identity(len: usize) -> Shift {
        Shift {
            prefix: len,
            suffix: 0,
            old_len: len,
            new_len: len,
        }
    }

    /// Whether both texts are the same.
    pub fn is_identity(&self) -> bool {
        self.prefix == self.old_len && self.old_len == self.new_len
    }

    /// Where the new text's byte `offset` is in the old one; `None` inside (or touching)
    /// the edited stretch, where the old analysis knows nothing of what is there now. A
    /// cursor right after a name counts, so the offset must be strictly before the edit.
    pub fn to_old(&self, offset: usize) -> Option<usize> {
        if self.is_identity() {
            return Some(offset);
        }
        if offset < self.prefix {
            Some(offset)
        } else if offset > self.new_len - self.suffix {
            Some(offset + self.old_len - self.new_len)
        } else {
            None
        }
    }

    /// Where the old text's byte `offset` is in the new one; `None` inside the edited
    /// stretch.
    pub fn to_new(&self, offset: usize) -> Option<usize> {
        if offset <= self.prefix {
            Some(offset)
        } else if offset >= self.old_len - self.suffix {
            Some(offset + self.new_len - self.old_len)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_before_and_after_the_edit_map_both_ways() {
        let old = "state a {\n  goto b\n}\nstate 你好 {}\n";
        let new = "state a {\n  goto bx\n}\nstate 你好 {}\n";
        let shift = Shift::between(old, new);
        let edit = old.find("b\n").unwrap() + 1;
        assert_eq!(shift.to_old(3), Some(3));
        let hello = new.find("你好").unwrap();
        assert_eq!(shift.to_old(hello), Some(old.find("你好").unwrap()));
        assert_eq!(shift.to_new(old.find("你好").unwrap()), Some(hello));
        // At the edit: the old analysis cannot answer.
        assert_eq!(shift.to_old(edit), None);
        assert_eq!(shift.to_old(edit + 1), None);
        assert!(Shift::between(new, new).is_identity());
        // Long texts go through the block compare.
        let long_old = "x".repeat(10_000) + "a" + &"y".repeat(9_000);
        let long_new = "x".repeat(10_000) + "bb" + &"y".repeat(9_000);
        let shift = Shift::between(&long_old, &long_new);
        assert_eq!(shift.to_old(9_999), Some(9_999));
        assert_eq!(shift.to_old(10_001), None);
        assert_eq!(shift.to_old(10_003), Some(10_002));
        assert_eq!(shift.to_new(10_002), Some(10_003));
    }

    #[test]
    fn the_identity_maps_every_offset_to_itself() {
        // What hover uses when the analysis read the editor's very version: no compare.
        let text = "state 你好 {}
";
        let identity = Shift::identity(text.len());
        assert_eq!(identity, Shift::between(text, text));
        assert!(identity.is_identity());
        for offset in [0, 6, text.len()] {
            assert_eq!(identity.to_old(offset), Some(offset));
            assert_eq!(identity.to_new(offset), Some(offset));
        }
    }
}
