//! The bundles this process serves. New conversations start on the current one; a running
//! conversation keeps the bundle it started on (named by content hash in its record) for as
//! long as this process holds it — a reload adds a bundle, it never swaps one under a
//! conversation. Old bundles are dropped once nothing in the store refers to them.

use crate::metrics::FlowCounters;
use csflow_runtime::Bundle;
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, RwLock};

/// One loaded bundle and its identity.
#[derive(Debug)]
pub struct Loaded {
    /// The bundle's id (the content hash of its body), 16 hex digits: recorded on every conversation.
    pub id: String,
    pub bundle: Bundle,
    /// Each flow's metric handles, by flow index, each resolved on first use. A `Loaded` is
    /// handed to one server's `Bundles` by value, so these are that server's metrics.
    counters: Box<[FlowCounters]>,
}

impl Loaded {
    pub fn from_bytes(bytes: &[u8]) -> Result<Loaded, String> {
        let bundle = Bundle::from_bytes(bytes).map_err(|e| e.to_string())?;
        Ok(Loaded::from_bundle(bundle))
    }

    /// A bundle built in memory (by `csflow serve`): identified by its encoded bytes.
    pub fn from_bundle(bundle: Bundle) -> Loaded {
        Loaded {
            id: bundle.id().to_string(),
            counters: bundle
                .flows
                .iter()
                .map(|flow| FlowCounters::new(bundle.str(flow.name)))
                .collect(),
            bundle,
        }
    }

    /// The counters of flow `index` of this bundle; `None` for an index it does not have.
    pub fn flow_counters(&self, index: usize) -> Option<&FlowCounters> {
        self.counters.get(index)
    }

    pub fn read(path: &Path) -> Result<Loaded, String> {
        let bytes =
            std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Loaded::from_bytes(&bytes).map_err(|e| format!("{}: {e}", path.display()))
    }
}

struct Inner {
    current: Arc<Loaded>,
    all: HashMap<String, Arc<Loaded>>,
}

pub struct Bundles {
    inner: RwLock<Inner>,
}

impl Bundles {
    pub fn new(first: Loaded) -> Bundles {
        let first = Arc::new(first);
        let mut all = HashMap::new();
        all.insert(first.id.clone(), first.clone());
        Bundles {
            inner: RwLock::new(Inner {
                current: first,
                all,
            }),
        }
    }

    pub fn current(&self) -> Arc<Loaded> {
        match self.inner.read() {
            Ok(inner) => inner.current.clone(),
            Err(poisoned) => poisoned.into_inner().current.clone(),
        }
    }

    pub fn get(&self, id: &str) -> Option<Arc<Loaded>> {
        let inner = match self.inner.read() {
            Ok(inner) => inner,
            Err(poisoned) => poisoned.into_inner(),
        };
        inner.all.get(id).cloned()
    }

    /// Makes `next` the bundle new conversations start on; the previous ones stay loaded.
    /// Returns false when it is the current bundle already.
    pub fn install(&self, next: Loaded) -> bool {
        let mut inner = match self.inner.write() {
            Ok(inner) => inner,
            Err(poisoned) => poisoned.into_inner(),
        };
        if inner.current.id == next.id {
            return false;
        }
        let next = inner
            .all
            .entry(next.id.clone())
            .or_insert_with(|| Arc::new(next))
            .clone();
        inner.current = next;
        true
    }

    /// Drops every non-current bundle for which `in_use` says no conversation refers to it.
    pub fn retain(&self, in_use: impl Fn(&str) -> bool) -> Vec<String> {
        let mut inner = match self.inner.write() {
            Ok(inner) => inner,
            Err(poisoned) => poisoned.into_inner(),
        };
        let current = inner.current.id.clone();
        let mut dropped = Vec::new();
        inner.all.retain(|id, _| {
            let keep = *id == current || in_use(id);
            if !keep {
                dropped.push(id.clone());
            }
            keep
        });
        dropped
    }

    pub fn ids(&self) -> Vec<String> {
        let inner = match self.inner.read() {
            Ok(inner) => inner,
            Err(poisoned) => poisoned.into_inner(),
        };
        inner.all.keys().cloned().collect()
    }
}
