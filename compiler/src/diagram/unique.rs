//! Unique names for a million nodes without a second copy of every name.

use rustc_hash::{FxHashMap, FxHashSet};
use std::hash::BuildHasher;

/// The names given so far, by hash: a set of the names themselves would hold a second copy
/// of each (a million-state flow's diagram grew by a tenth for its node ids). Exact: two
/// names with one hash are told apart by comparing the names they belong to, and the rare
/// second name of a hash is kept whole in `collided`.
pub(crate) struct UniqueIds {
    /// The first item given a name with this hash.
    first: FxHashMap<u64, usize>,
    collided: FxHashSet<String>,
}

impl UniqueIds {
    pub fn with_capacity(capacity: usize) -> Self {
        UniqueIds {
            first: FxHashMap::with_capacity_and_hasher(capacity, Default::default()),
            collided: FxHashSet::default(),
        }
    }

    fn hash(name: &str) -> u64 {
        rustc_hash::FxBuildHasher.hash_one(name)
    }

    /// Is `name` given? `name_of(i)` is the name of item `i`.
    pub fn taken<'n>(&self, name: &str, name_of: impl Fn(usize) -> &'n str) -> bool {
        match self.first.get(&Self::hash(name)) {
            None => false,
            Some(&item) if name_of(item) == name => true,
            Some(_) => self.collided.contains(name),
        }
    }

    /// `wanted`, or `wanted` with the first of `suffixes` that makes it a new name.
    fn unique<'n>(
        &self,
        wanted: String,
        name_of: impl Fn(usize) -> &'n str + Copy,
        mut suffixes: impl FnMut() -> String,
    ) -> String {
        if !self.taken(&wanted, name_of) {
            return wanted;
        }
        loop {
            let name = format!("{wanted}{}", suffixes());
            if !self.taken(&name, name_of) {
                return name;
            }
        }
    }

    /// A unique name for each of `wanted`, in order: a repeat gets `suffix(2)`, then
    /// `suffix(3)`… appended, the first that makes it new.
    pub fn name_all(
        wanted: impl ExactSizeIterator<Item = String>,
        suffix: impl Fn(usize) -> String,
    ) -> Vec<String> {
        let mut names: Vec<String> = Vec::with_capacity(wanted.len());
        let mut taken = UniqueIds::with_capacity(wanted.len());
        for want in wanted {
            let mut n = 1;
            let name = {
                let names = &names;
                taken.give(
                    want,
                    names.len(),
                    |i| &names[i],
                    || {
                        n += 1;
                        suffix(n)
                    },
                )
            };
            names.push(name);
        }
        names
    }

    /// [`UniqueIds::unique`] and [`UniqueIds::take`] at once: the name given to item `item`.
    /// A name whose hash is new (nearly every one) is hashed and looked up once.
    pub fn give<'n>(
        &mut self,
        wanted: String,
        item: usize,
        name_of: impl Fn(usize) -> &'n str + Copy,
        suffixes: impl FnMut() -> String,
    ) -> String {
        if let std::collections::hash_map::Entry::Vacant(entry) =
            self.first.entry(Self::hash(&wanted))
        {
            // No name with this hash is given (`collided` holds only names whose hash is).
            entry.insert(item);
            return wanted;
        }
        let name = self.unique(wanted, name_of, suffixes);
        self.take(&name, item);
        name
    }

    /// Records `name` (not taken yet) as the name of item `item`.
    pub fn take(&mut self, name: &str, item: usize) {
        match self.first.entry(Self::hash(name)) {
            std::collections::hash_map::Entry::Vacant(entry) => {
                entry.insert(item);
            }
            std::collections::hash_map::Entry::Occupied(_) => {
                self.collided.insert(name.to_string());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::UniqueIds;

    fn name_all(wanted: &[&str]) -> Vec<String> {
        UniqueIds::name_all(wanted.iter().map(|w| w.to_string()), |n| format!("#{n}"))
    }

    #[test]
    fn repeated_names_get_the_next_free_suffix() {
        assert_eq!(
            name_all(&["a", "b", "a", "a#2", "a", "b"]),
            ["a", "b", "a#2", "a#2#2", "a#3", "b#2"]
        );
    }

    #[test]
    fn names_with_one_hash_stay_apart() {
        let names = ["x", "y"];
        let name_of = |i: usize| names[i];
        let mut ids = UniqueIds::with_capacity(0);
        ids.take("x", 0);
        // As if `y` hashed like `x`: its hash leads to item 0, whose name is `x`.
        ids.first.insert(UniqueIds::hash("y"), 0);
        assert!(!ids.taken("y", name_of), "y is not given yet");
        ids.take("y", 1);
        assert!(ids.taken("y", name_of), "y is given, kept whole");
        assert!(ids.taken("x", name_of));
    }
}
