//! Session stores, chosen by `--store`: where conversations live between turns, and the
//! hand-off outbox.
//!
//! One shape for all three: [`Store::checkout`] a conversation (which also serialises
//! inputs to it inside this process), change the record, [`Store::commit`] it.
//! - `memory`: records in this process, changed in place; nothing survives a restart.
//! - `sqlite:PATH`: the same resident records, plus a write-through SQLite file. A commit
//!   returns once its transaction is on disk; concurrent commits share one transaction
//!   (group commit). One process per file.
//! - `redis://HOST:PORT`: records in Redis, shared by every process. A commit is a
//!   compare-and-set on the record's version (a Lua script); on a conflict the caller
//!   checks out again and re-runs the turn.

mod memory;
mod redis;
mod sqlite;

pub use memory::Resident;
pub use redis::RedisStore;

use crate::error::ApiError;
use csflow_runtime::Conversation;
use serde::{Deserialize, Serialize};

/// One stored conversation.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Record {
    /// Content hash of the bundle the conversation started on; it only ever runs on that one.
    pub bundle: String,
    /// Who started it (a token's name, or the peer address without tokens).
    pub client: String,
    /// Milliseconds since the epoch.
    pub created_ms: i64,
    /// The channel's own key, for voice calls (the provider's call id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call: Option<String>,
    pub conversation: Conversation,
}

/// A pending hand-off delivery (the outbox), already masked.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Delivery {
    /// Stable across retries: the receiver can deduplicate on it (`Idempotency-Key`).
    pub id: String,
    pub payload: serde_json::Value,
    pub attempts: u32,
    /// Milliseconds since the epoch of the next attempt.
    pub next_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreError {
    Unknown,
    Expired,
    /// Another process changed the record since it was checked out (Redis).
    Conflict,
    Backend(String),
}

impl StoreError {
    pub fn to_api(&self, id: &str) -> ApiError {
        match self {
            StoreError::Unknown => {
                ApiError::not_found("unknown_conversation", format!("no conversation `{id}`"))
            }
            StoreError::Expired => ApiError::not_found(
                "expired",
                format!("conversation `{id}` expired after being idle; start a new one"),
            ),
            StoreError::Conflict => ApiError::unavailable(
                "busy",
                "the conversation kept changing under this request; try again",
            ),
            StoreError::Backend(message) => {
                ApiError::unavailable("store_unavailable", format!("session store: {message}"))
            }
        }
    }
}

/// A checked-out record: changed by the caller, then committed (or dropped unchanged).
pub enum Checkout {
    Resident(memory::Held),
    Redis(Box<redis::Held>),
}

impl Checkout {
    pub fn record(&mut self) -> &mut Record {
        match self {
            Checkout::Resident(held) => held.record(),
            Checkout::Redis(held) => &mut held.record,
        }
    }
}

pub enum Store {
    Resident(Resident),
    Redis(RedisStore),
}

/// Times in milliseconds since the epoch: the one clock stores read.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl Store {
    /// Opens `spec`: `memory`, `sqlite:PATH` or `redis://HOST:PORT[/DB]`.
    pub async fn open(spec: &str, idle_ms: i64, remember_ms: i64) -> Result<Store, String> {
        if spec == "memory" {
            Ok(Store::Resident(Resident::new(None, idle_ms, remember_ms)))
        } else if let Some(path) = spec.strip_prefix("sqlite:") {
            let writer = sqlite::Durable::open(std::path::Path::new(path))?;
            Ok(Store::Resident(Resident::new(
                Some(writer),
                idle_ms,
                remember_ms,
            )))
        } else if spec.starts_with("redis://") {
            Ok(Store::Redis(
                RedisStore::open(spec, idle_ms, remember_ms).await?,
            ))
        } else {
            Err(format!(
                "unknown store `{spec}`: use memory, sqlite:PATH or redis://HOST:PORT"
            ))
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Store::Resident(r) if r.is_durable() => "sqlite",
            Store::Resident(_) => "memory",
            Store::Redis(_) => "redis",
        }
    }

    /// Stores a new conversation (and its first hand-off delivery, when it handed off at
    /// once) before its first turn is answered.
    pub async fn create(
        &self,
        id: &str,
        record: Record,
        delivery: Option<Delivery>,
    ) -> Result<(), StoreError> {
        match self {
            Store::Resident(r) => r.create(id, record, delivery).await,
            Store::Redis(r) => r.create(id, record, delivery).await,
        }
    }

    /// The record, held for this caller: other inputs to it in this process wait.
    pub async fn checkout(&self, id: &str) -> Result<Checkout, StoreError> {
        match self {
            Store::Resident(r) => r.checkout(id).await.map(Checkout::Resident),
            Store::Redis(r) => r.checkout(id).await.map(|h| Checkout::Redis(Box::new(h))),
        }
    }

    /// Saves a changed record (with a hand-off delivery, atomically where the store can).
    pub async fn commit(
        &self,
        checkout: Checkout,
        delivery: Option<Delivery>,
    ) -> Result<(), StoreError> {
        match (self, checkout) {
            (Store::Resident(r), Checkout::Resident(held)) => r.commit(held, delivery).await,
            (Store::Redis(r), Checkout::Redis(held)) => r.commit(*held, delivery).await,
            _ => Err(StoreError::Backend("checkout from another store".into())),
        }
    }

    /// A copy of the record, for reading.
    pub async fn get(&self, id: &str) -> Result<Record, StoreError> {
        match self {
            Store::Resident(r) => r.get(id).await,
            Store::Redis(r) => r.get(id).await,
        }
    }

    /// Live conversations started by `client`.
    pub async fn client_live(&self, client: &str) -> Result<usize, StoreError> {
        match self {
            Store::Resident(r) => Ok(r.client_live(client)),
            Store::Redis(r) => r.client_live(client).await,
        }
    }

    /// The conversation `id` of `client` stopped waiting (ended, handed off, failed).
    pub async fn client_done(&self, client: &str, id: &str) {
        match self {
            Store::Resident(r) => r.client_done(client),
            Store::Redis(r) => r.client_done(client, id).await,
        }
    }

    /// Deliveries due now, leased to this caller for `lease_ms`.
    pub async fn outbox_due(&self, lease_ms: i64, max: usize) -> Result<Vec<Delivery>, StoreError> {
        match self {
            Store::Resident(r) => r.outbox_due(lease_ms, max).await,
            Store::Redis(r) => r.outbox_due(lease_ms, max).await,
        }
    }

    /// `delivery` arrived: forget it. Or, with `retry`, try again at `delivery.next_ms`.
    pub async fn outbox_settle(&self, delivery: &Delivery, retry: bool) -> Result<(), StoreError> {
        match self {
            Store::Resident(r) => r.outbox_settle(delivery, retry).await,
            Store::Redis(r) => r.outbox_settle(delivery, retry).await,
        }
    }

    pub async fn outbox_len(&self) -> Result<usize, StoreError> {
        match self {
            Store::Resident(r) => Ok(r.outbox_len()),
            Store::Redis(r) => r.outbox_len().await,
        }
    }

    /// Expires idle conversations (Redis expires its own keys). Returns the bundle ids still
    /// referred to, for dropping old bundles, and how many were expired.
    pub async fn sweep(&self) -> Result<(std::collections::HashSet<String>, usize), StoreError> {
        match self {
            Store::Resident(r) => r.sweep().await,
            Store::Redis(_) => Ok((std::collections::HashSet::new(), 0)),
        }
    }

    /// Live conversations held (Redis: not counted, `None`).
    pub fn live(&self) -> Option<usize> {
        match self {
            Store::Resident(r) => Some(r.live()),
            Store::Redis(_) => None,
        }
    }

    /// Whether the store answers (for `/readyz`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        match self {
            Store::Resident(r) => r.ping().await,
            Store::Redis(r) => r.ping().await,
        }
    }

    /// Waits until everything committed is on disk (shutdown).
    pub async fn flush(&self) -> Result<(), StoreError> {
        match self {
            Store::Resident(r) => r.flush().await,
            Store::Redis(_) => Ok(()),
        }
    }
}
