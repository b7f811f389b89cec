//! Resident records: every live conversation in this process's memory, in sharded maps,
//! each behind its own async lock so inputs to one conversation are applied one after the
//! other while other conversations run freely. With a [`Durable`] file (SQLite) every
//! commit is also written through, and records not in memory (after a restart) are read
//! back from it.

use super::sqlite::Durable;
use super::{Delivery, Record, StoreError, now_ms};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard};

const SHARDS: usize = 64;

/// The shards' maps hash ids with FxHash instead of SipHash: every lookup of a turn hashes
/// its 32-character id, and SipHash's resistance to chosen collisions buys nothing here,
/// since every key in these maps is an id the server made (random, or a hash of the
/// provider's call id); an id a client sends is only looked up, never inserted.
type Ids<V> = HashMap<String, V, rustc_hash::FxBuildHasher>;

pub struct Entry {
    record: Record,
    last_ms: i64,
    /// Swept while a caller waited for it: that caller sees it expired.
    gone: bool,
}

#[derive(Default)]
struct Shard {
    live: Ids<Arc<AsyncMutex<Entry>>>,
    /// Expired ids and when they expired, remembered for `remember_ms`.
    expired: Ids<i64>,
}

struct OutboxItem {
    delivery: Delivery,
    leased_until: i64,
}

pub struct Resident {
    shards: Box<[Mutex<Shard>]>,
    durable: Option<Durable>,
    idle_ms: i64,
    remember_ms: i64,
    clients: Mutex<HashMap<String, usize>>,
    outbox: Mutex<HashMap<String, OutboxItem>>,
}

/// A checked-out resident record: the conversation's lock, held until commit or drop.
pub struct Held {
    /// The id, kept only to write the record through to a durable file.
    id: Option<String>,
    guard: OwnedMutexGuard<Entry>,
}

impl Held {
    pub fn record(&mut self) -> &mut Record {
        &mut self.guard.record
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    match mutex.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

fn shard_of(id: &str) -> usize {
    // Ids are random hex: their last byte spreads them evenly.
    id.bytes().last().map(|b| b as usize % SHARDS).unwrap_or(0)
}

impl Resident {
    pub fn new(durable: Option<Durable>, idle_ms: i64, remember_ms: i64) -> Resident {
        let mut outbox = HashMap::new();
        if let Some(durable) = &durable {
            for delivery in durable.outbox() {
                outbox.insert(
                    delivery.id.clone(),
                    OutboxItem {
                        delivery,
                        leased_until: 0,
                    },
                );
            }
        }
        Resident {
            shards: (0..SHARDS).map(|_| Mutex::new(Shard::default())).collect(),
            durable,
            idle_ms,
            remember_ms,
            clients: Mutex::new(HashMap::new()),
            outbox: Mutex::new(outbox),
        }
    }

    pub fn is_durable(&self) -> bool {
        self.durable.is_some()
    }

    fn shard(&self, id: &str) -> MutexGuard<'_, Shard> {
        lock(&self.shards[shard_of(id)])
    }

    pub async fn create(
        &self,
        id: &str,
        record: Record,
        delivery: Option<Delivery>,
    ) -> Result<(), StoreError> {
        let now = now_ms();
        *lock(&self.clients)
            .entry(record.client.clone())
            .or_default() += 1;
        if let Some(durable) = &self.durable {
            durable.put(id, &record, now, delivery.clone()).await?;
        }
        if let Some(delivery) = delivery {
            self.queue(delivery);
        }
        let entry = Entry {
            record,
            last_ms: now,
            gone: false,
        };
        self.shard(id)
            .live
            .insert(id.to_string(), Arc::new(AsyncMutex::new(entry)));
        Ok(())
    }

    fn queue(&self, delivery: Delivery) {
        lock(&self.outbox).insert(
            delivery.id.clone(),
            OutboxItem {
                delivery,
                leased_until: 0,
            },
        );
    }

    async fn entry(&self, id: &str) -> Result<Arc<AsyncMutex<Entry>>, StoreError> {
        {
            let shard = self.shard(id);
            if let Some(entry) = shard.live.get(id) {
                return Ok(entry.clone());
            }
            if shard.expired.contains_key(id) {
                return Err(StoreError::Expired);
            }
        }
        let Some(durable) = &self.durable else {
            return Err(StoreError::Unknown);
        };
        // Not in memory: a conversation from before a restart, read back from the file.
        let (record, last_ms) = durable.load(id).await?;
        if last_ms + self.idle_ms < now_ms() {
            return Err(StoreError::Expired);
        }
        let mut shard = self.shard(id);
        let entry = shard
            .live
            .entry(id.to_string())
            .or_insert_with(|| {
                Arc::new(AsyncMutex::new(Entry {
                    record,
                    last_ms,
                    gone: false,
                }))
            })
            .clone();
        Ok(entry)
    }

    pub async fn checkout(&self, id: &str) -> Result<Held, StoreError> {
        let entry = self.entry(id).await?;
        let guard = entry.lock_owned().await;
        if guard.gone || guard.last_ms + self.idle_ms < now_ms() {
            return Err(StoreError::Expired);
        }
        Ok(Held {
            id: self.durable.is_some().then(|| id.to_string()),
            guard,
        })
    }

    pub async fn commit(
        &self,
        mut held: Held,
        delivery: Option<Delivery>,
    ) -> Result<(), StoreError> {
        let now = now_ms();
        if let (Some(durable), Some(id)) = (&self.durable, &held.id) {
            durable
                .put(id, &held.guard.record, now, delivery.clone())
                .await?;
        }
        if let Some(delivery) = delivery {
            self.queue(delivery);
        }
        held.guard.last_ms = now;
        Ok(())
    }

    pub async fn get(&self, id: &str) -> Result<Record, StoreError> {
        let entry = self.entry(id).await?;
        let guard = entry.lock().await;
        if guard.gone || guard.last_ms + self.idle_ms < now_ms() {
            return Err(StoreError::Expired);
        }
        Ok(guard.record.clone())
    }

    pub fn client_live(&self, client: &str) -> usize {
        lock(&self.clients).get(client).copied().unwrap_or(0)
    }

    pub fn client_done(&self, client: &str) {
        let mut clients = lock(&self.clients);
        if let Some(count) = clients.get_mut(client) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                clients.remove(client);
            }
        }
    }

    pub fn live(&self) -> usize {
        self.shards.iter().map(|s| lock(s).live.len()).sum()
    }

    /// Drops conversations idle past the time-out (remembering their ids as expired) and
    /// forgets expired ids past `remember_ms`. A conversation whose lock is held is in use.
    pub async fn sweep(&self) -> Result<(HashSet<String>, usize), StoreError> {
        let now = now_ms();
        let mut bundles = HashSet::new();
        let mut expired_ids = Vec::new();
        for shard in self.shards.iter() {
            let mut shard = lock(shard);
            let mut expired_here = Vec::new();
            shard.live.retain(|id, entry| {
                let Ok(mut entry) = entry.try_lock() else {
                    return true;
                };
                if entry.last_ms + self.idle_ms >= now {
                    bundles.insert(entry.record.bundle.clone());
                    return true;
                }
                entry.gone = true;
                if entry.record.conversation.status() == csflow_runtime::Status::Waiting {
                    expired_here.push((id.clone(), Some(entry.record.client.clone())));
                } else {
                    expired_here.push((id.clone(), None));
                }
                false
            });
            let remember = self.remember_ms;
            shard.expired.retain(|_, at| *at + remember >= now);
            for (id, client) in expired_here {
                shard.expired.insert(id.clone(), now);
                if let Some(client) = client {
                    self.client_done(&client);
                }
                expired_ids.push(id);
            }
        }
        let count = expired_ids.len();
        if let Some(durable) = &self.durable
            && !expired_ids.is_empty()
        {
            durable
                .expire(expired_ids, now, now - self.remember_ms)
                .await?;
        }
        Ok((bundles, count))
    }

    pub async fn outbox_due(&self, lease_ms: i64, max: usize) -> Result<Vec<Delivery>, StoreError> {
        let now = now_ms();
        let mut outbox = lock(&self.outbox);
        let mut due: Vec<&mut OutboxItem> = outbox
            .values_mut()
            .filter(|item| item.delivery.next_ms <= now && item.leased_until <= now)
            .collect();
        due.sort_by_key(|item| item.delivery.next_ms);
        Ok(due
            .into_iter()
            .take(max)
            .map(|item| {
                item.leased_until = now + lease_ms;
                item.delivery.clone()
            })
            .collect())
    }

    pub async fn outbox_settle(&self, delivery: &Delivery, retry: bool) -> Result<(), StoreError> {
        if let Some(durable) = &self.durable {
            durable.settle(delivery.clone(), retry).await?;
        }
        let mut outbox = lock(&self.outbox);
        if retry {
            outbox.insert(
                delivery.id.clone(),
                OutboxItem {
                    delivery: delivery.clone(),
                    leased_until: 0,
                },
            );
        } else {
            outbox.remove(&delivery.id);
        }
        Ok(())
    }

    pub fn outbox_len(&self) -> usize {
        lock(&self.outbox).len()
    }

    pub async fn ping(&self) -> Result<(), StoreError> {
        match &self.durable {
            Some(durable) => durable.flush().await,
            None => Ok(()),
        }
    }

    pub async fn flush(&self) -> Result<(), StoreError> {
        self.ping().await
    }
}
