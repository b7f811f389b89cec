//! Work that belongs to a loaded bundle, not to a turn: done on first use, kept for the
//! bundle's lifetime, shared by every conversation running on it. Today: the bundle's id,
//! compiled regexes (`text matches /…/` compiled on every turn before), menu labels and
//! phrases normalised for matching (every text reply normalised all of them), and the
//! input-understanding models of [`crate::nlu`].
//!
//! None of it is part of the bundle's value or bytes: a clone starts empty and every cache
//! compares equal. A bundle is not meant to be edited once conversations run on it (its
//! caches would describe the old contents).

use super::{Bundle, BundleId, PointKind};
use crate::nlu::{self, ModelCache, TextModel};
use std::sync::OnceLock;

/// A menu option's texts as the matcher compares them ([`nlu::normalize`]d).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionTexts {
    /// The label, normalised (may be empty).
    pub label: String,
    /// The phrases and then the label, normalised, empty ones left out: a reply that
    /// contains one of them as words picks the option.
    pub phrases: Vec<String>,
}

type MenuTexts = Box<[OnceLock<Box<[OptionTexts]>>]>;
type Compiled = OnceLock<Result<regex::Regex, String>>;

/// Per-bundle caches (the `models` field of [`Bundle`]).
#[derive(Default)]
pub struct Caches {
    nlu: ModelCache,
    id: OnceLock<BundleId>,
    regexes: OnceLock<Box<[Compiled]>>,
    /// By flow, then by input point; filled one menu at a time.
    menus: OnceLock<Box<[MenuTexts]>>,
}

impl Caches {
    pub fn intents(&self, bundle: &Bundle) -> &TextModel {
        self.nlu.intents(bundle)
    }

    pub fn knowledge(&self, bundle: &Bundle, kb: usize) -> Option<&TextModel> {
        self.nlu.knowledge(bundle, kb)
    }

    /// See [`Bundle::id`].
    pub(crate) fn id(&self, bundle: &Bundle) -> BundleId {
        *self
            .id
            .get_or_init(|| BundleId(super::encode::body_hash(bundle)))
    }

    /// The id read (and checked) from the bytes a bundle was loaded from.
    pub(crate) fn set_id(&self, id: BundleId) {
        let _ = self.id.set(id);
    }

    /// Regex `index` of [`Bundle::regexes`], compiled once.
    pub fn regex(&self, bundle: &Bundle, index: usize) -> Result<&regex::Regex, String> {
        let slots = self
            .regexes
            .get_or_init(|| bundle.regexes.iter().map(|_| OnceLock::new()).collect());
        let slot = slots.get(index).ok_or("unknown regex")?;
        slot.get_or_init(|| {
            let pattern = bundle.regexes.get(index).map_or("", |id| bundle.str(*id));
            super::verify::compile_regex(pattern).map_err(|e| format!("regex /{pattern}/: {e}"))
        })
        .as_ref()
        .map_err(Clone::clone)
    }

    /// Keeps regex `index` compiled by the verifier (which compiles every pattern anyway).
    pub(crate) fn keep_regex(&self, bundle: &Bundle, index: usize, regex: regex::Regex) {
        let slots = self
            .regexes
            .get_or_init(|| bundle.regexes.iter().map(|_| OnceLock::new()).collect());
        if let Some(slot) = slots.get(index) {
            let _ = slot.set(Ok(regex));
        }
    }

    /// The normalised texts of the menu at input point `point` of flow `flow` (empty for an
    /// `ask` or an index out of range).
    pub fn menu(&self, bundle: &Bundle, flow: usize, point: usize) -> &[OptionTexts] {
        let flows = self.menus.get_or_init(|| {
            bundle
                .flows
                .iter()
                .map(|f| f.points.iter().map(|_| OnceLock::new()).collect())
                .collect()
        });
        let Some(slot) = flows.get(flow).and_then(|points| points.get(point)) else {
            return &[];
        };
        slot.get_or_init(|| {
            let Some(PointKind::Menu { options }) = bundle
                .flows
                .get(flow)
                .and_then(|f| f.points.get(point))
                .map(|p| &p.kind)
            else {
                return Box::default();
            };
            options
                .iter()
                .map(|o| OptionTexts {
                    label: nlu::normalize(bundle.str(o.label)),
                    phrases: o
                        .phrases
                        .iter()
                        .chain(std::iter::once(&o.label))
                        .map(|p| nlu::normalize(bundle.str(*p)))
                        .filter(|p| !p.is_empty())
                        .collect(),
                })
                .collect()
        })
    }
}

/// A cache is not part of a bundle's value: clones start empty and every cache is equal.
impl Clone for Caches {
    fn clone(&self) -> Self {
        Caches::default()
    }
}

impl PartialEq for Caches {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl std::fmt::Debug for Caches {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Caches")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::{Flow, FlowChannel, Ids, InputPoint, MenuOption};

    fn bundle() -> Bundle {
        let mut strings = crate::bundle::Interner::default();
        let option =
            |strings: &mut crate::bundle::Interner, label: &str, phrase: &str| MenuOption {
                label: strings.intern(label),
                keys: Ids::default(),
                intents: vec![],
                phrases: vec![strings.intern(phrase), strings.intern("")],
                action: 0,
            };
        let options = vec![
            option(&mut strings, "Ｃard Services!", "lost card"),
            option(&mut strings, "", "Opening  hours"),
        ];
        let flow = Flow {
            name: strings.intern("f"),
            channel: FlowChannel::Any,
            timezone: None,
            language: None,
            start: 0,
            vars: vec![],
            states: vec![],
            points: vec![InputPoint {
                kind: PointKind::Menu { options },
                prompt: 0,
                after: 0,
                no_match: None,
                no_input: None,
                items: None,
                timing: Default::default(),
            }],
            handlers: Default::default(),
            escalate: None,
            code: vec![],
            locs: vec![],
        };
        let regex = strings.intern("^a+$");
        Bundle {
            strings: strings.into_strings(),
            regexes: vec![regex],
            flows: vec![flow],
            ..Bundle::default()
        }
    }

    #[test]
    fn menu_texts_are_normalised_once() {
        let b = bundle();
        let texts = b.models.menu(&b, 0, 0);
        assert_eq!(
            texts,
            [
                OptionTexts {
                    label: "card services".into(),
                    phrases: vec!["lost card".into(), "card services".into()],
                },
                OptionTexts {
                    label: "".into(),
                    phrases: vec!["opening hours".into()],
                },
            ]
        );
        assert!(std::ptr::eq(texts, b.models.menu(&b, 0, 0)));
        assert!(b.models.menu(&b, 0, 1).is_empty());
        assert!(b.models.menu(&b, 3, 0).is_empty());
    }

    #[test]
    fn regexes_are_compiled_once_and_kept_from_the_verifier() {
        let b = bundle();
        let first: *const regex::Regex = b.models.regex(&b, 0).unwrap();
        assert!(std::ptr::eq(first, b.models.regex(&b, 0).unwrap()));
        assert!(b.models.regex(&b, 0).unwrap().is_match("aaa"));
        assert!(b.models.regex(&b, 1).is_err());
        // A loaded bundle has them from its verification already.
        let without_flows = Bundle {
            flows: vec![],
            ..b.clone()
        };
        let loaded = Bundle::from_bytes(&without_flows.to_bytes()).unwrap();
        let slots = loaded.models.regexes.get().expect("filled by the verifier");
        assert!(slots[0].get().is_some());
        assert_eq!(loaded.id(), without_flows.id());
        assert_ne!(loaded.id(), b.id());
    }
}
