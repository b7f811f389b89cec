//! [`Ids`]: a short list of string ids that keeps up to two inline. Nearly every menu option
//! has exactly one key, and a 100,000-state bundle has ~400,000 options: one heap block each
//! was the largest share of the allocations made loading a bundle.

use super::StrId;
use std::fmt;
use std::ops::Deref;

/// Reads as a `&[StrId]` (`Deref`); built with `collect()`, `From<Vec<StrId>>` or
/// [`Ids::new`]. Compares by its ids, however they are stored.
#[derive(Clone)]
pub struct Ids(Repr);

const INLINE: usize = 2;

#[derive(Clone)]
enum Repr {
    Inline { len: u8, ids: [StrId; INLINE] },
    Heap(Vec<StrId>),
}

impl Ids {
    pub const fn new() -> Ids {
        Ids(Repr::Inline {
            len: 0,
            ids: [0; INLINE],
        })
    }

    pub fn as_slice(&self) -> &[StrId] {
        match &self.0 {
            Repr::Inline { len, ids } => ids.get(..usize::from(*len)).unwrap_or(&[]),
            Repr::Heap(ids) => ids,
        }
    }
}

impl Default for Ids {
    fn default() -> Ids {
        Ids::new()
    }
}

impl From<Vec<StrId>> for Ids {
    fn from(ids: Vec<StrId>) -> Ids {
        if ids.len() > INLINE {
            return Ids(Repr::Heap(ids));
        }
        ids.into_iter().collect()
    }
}

impl FromIterator<StrId> for Ids {
    fn from_iter<I: IntoIterator<Item = StrId>>(iter: I) -> Ids {
        let mut iter = iter.into_iter();
        let mut inline = [0; INLINE];
        let mut len = 0;
        for (slot, id) in inline.iter_mut().zip(&mut iter) {
            *slot = id;
            len += 1;
        }
        match iter.next() {
            None => Ids(Repr::Inline {
                len: len as u8,
                ids: inline,
            }),
            Some(third) => {
                let mut ids = inline.to_vec();
                ids.push(third);
                ids.extend(iter);
                Ids(Repr::Heap(ids))
            }
        }
    }
}

impl Deref for Ids {
    type Target = [StrId];
    fn deref(&self) -> &[StrId] {
        self.as_slice()
    }
}

impl<'a> IntoIterator for &'a Ids {
    type Item = &'a StrId;
    type IntoIter = std::slice::Iter<'a, StrId>;
    fn into_iter(self) -> Self::IntoIter {
        self.as_slice().iter()
    }
}

impl PartialEq for Ids {
    fn eq(&self, other: &Ids) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for Ids {}

impl PartialEq<Vec<StrId>> for Ids {
    fn eq(&self, other: &Vec<StrId>) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl fmt::Debug for Ids {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_slice(), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_length_round_trips_and_compares_by_content() {
        for len in 0..6u32 {
            let ids: Vec<StrId> = (10..10 + len).collect();
            let collected: Ids = ids.iter().copied().collect();
            let converted = Ids::from(ids.clone());
            assert_eq!(collected.as_slice(), ids.as_slice());
            assert_eq!(converted, collected);
            assert_eq!(collected, ids);
            assert_eq!(collected.first(), ids.first());
            assert_eq!(format!("{collected:?}"), format!("{ids:?}"));
        }
        assert!(Ids::new().is_empty());
    }

    #[test]
    fn it_is_no_bigger_than_a_vec() {
        assert!(std::mem::size_of::<Ids>() <= std::mem::size_of::<Vec<StrId>>() + 8);
    }
}
