//! Conversations in Redis, shared by every runtime process.
//!
//! Keys (one hash tag per conversation, so they all live on one Redis Cluster / Valkey
//! shard and one script may touch them together):
//! - `csflow:{ID}:c` — hash `v` (version) and `d` (the record, JSON); expires when idle.
//! - `csflow:{ID}:x` — "this id existed": outlives `:c` by the remember time, so an expired
//!   id answers "expired", not "unknown".
//! - `csflow:{ID}:h` — the conversation's pending hand-off delivery (the outbox entry).
//! - `csflow:outbox` — sorted set of conversation ids with a delivery due, by due time.
//! - `csflow:client:NAME` — sorted set of a client's live conversations, by expiry time.
//!
//! Two inputs to one conversation are applied one after the other by optimistic
//! versioning: a turn reads the record and its version, runs, and saves with a Lua
//! compare-and-set that succeeds only if the version is unchanged (then bumps it); on a
//! conflict the turn is re-run on the newer record. Lua rather than WATCH/MULTI: the script
//! is one round trip and atomic on the server, and it runs on the multiplexed connection
//! every request shares (WATCH needs a connection of its own per transaction). Inside one
//! process inputs to one conversation also queue on a local lock, so conflicts only happen
//! between processes.

use super::{Delivery, Record, StoreError, now_ms};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Script, cmd};
use std::sync::Arc;
use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard};

/// Local lock stripes: inputs to one conversation in this process queue on one of these.
const STRIPES: usize = 4096;

const CREATE: &str = r"
redis.call('HSET', KEYS[1], 'v', '1', 'd', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
if ARGV[4] ~= '' then redis.call('SET', KEYS[3], ARGV[4]) end
return 1
";

const CAS: &str = r"
local v = redis.call('HGET', KEYS[1], 'v')
if not v then return -1 end
if v ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'v', tostring(tonumber(v) + 1), 'd', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('SET', KEYS[2], '1', 'PX', ARGV[4])
if ARGV[5] ~= '' then redis.call('SET', KEYS[3], ARGV[5]) end
return 1
";

const CLAIM: &str = r"
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
for _, id in ipairs(ids) do redis.call('ZADD', KEYS[1], ARGV[2], id) end
return ids
";

const OUTBOX: &str = "csflow:outbox";

fn key(id: &str, part: &str) -> String {
    format!("csflow:{{{id}}}:{part}")
}

fn client_key(client: &str) -> String {
    format!("csflow:client:{client}")
}

fn backend(error: redis::RedisError) -> StoreError {
    StoreError::Backend(format!("redis: {error}"))
}

pub struct RedisStore {
    conn: ConnectionManager,
    create: Script,
    cas: Script,
    claim: Script,
    stripes: Vec<Arc<AsyncMutex<()>>>,
    idle_ms: i64,
    remember_ms: i64,
}

pub struct Held {
    id: String,
    version: String,
    pub record: Record,
    _local: OwnedMutexGuard<()>,
}

fn stripe(id: &str) -> usize {
    let mut hash: u32 = 2166136261;
    for b in id.bytes() {
        hash = (hash ^ b as u32).wrapping_mul(16777619);
    }
    hash as usize % STRIPES
}

impl RedisStore {
    pub async fn open(url: &str, idle_ms: i64, remember_ms: i64) -> Result<RedisStore, String> {
        let client = redis::Client::open(url).map_err(|e| format!("redis {url}: {e}"))?;
        // No per-command response time-out: the redis crate's default (500 ms) failed
        // commands that merely queued behind a thousand others on the one multiplexed
        // connection under load (726 non-200 answers in the benchmark), and a timed-out
        // compare-and-set may still have been applied. A request's own time-out
        // (`request_timeout_ms`) bounds how long a turn waits for Redis.
        let config = ConnectionManagerConfig::new()
            .set_response_timeout(None)
            .set_connection_timeout(Some(std::time::Duration::from_secs(5)));
        let conn = ConnectionManager::new_with_config(client, config)
            .await
            .map_err(|e| format!("cannot connect to redis at {url}: {e}"))?;
        let store = RedisStore {
            conn,
            create: Script::new(CREATE),
            cas: Script::new(CAS),
            claim: Script::new(CLAIM),
            stripes: (0..STRIPES)
                .map(|_| Arc::new(AsyncMutex::new(())))
                .collect(),
            idle_ms,
            remember_ms,
        };
        store.reindex_outbox().await.map_err(|e| format!("{e:?}"))?;
        Ok(store)
    }

    /// Deliveries written by a process that died before indexing them are indexed again.
    async fn reindex_outbox(&self) -> Result<(), StoreError> {
        let mut conn = self.conn.clone();
        let mut cursor: u64 = 0;
        loop {
            let (next, keys): (u64, Vec<String>) = cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg("csflow:{*}:h")
                .arg("COUNT")
                .arg(1000)
                .query_async(&mut conn)
                .await
                .map_err(backend)?;
            for k in keys {
                if let Some(id) = k
                    .strip_prefix("csflow:{")
                    .and_then(|r| r.strip_suffix("}:h"))
                {
                    let _: () = cmd("ZADD")
                        .arg(OUTBOX)
                        .arg("NX")
                        .arg(0)
                        .arg(id)
                        .query_async(&mut conn)
                        .await
                        .map_err(backend)?;
                }
            }
            if next == 0 {
                return Ok(());
            }
            cursor = next;
        }
    }

    fn encode(record: &Record) -> Result<String, StoreError> {
        serde_json::to_string(record).map_err(|e| StoreError::Backend(e.to_string()))
    }

    fn encode_delivery(delivery: &Option<Delivery>) -> Result<String, StoreError> {
        match delivery {
            Some(d) => serde_json::to_string(d).map_err(|e| StoreError::Backend(e.to_string())),
            None => Ok(String::new()),
        }
    }

    async fn index_delivery(&self, delivery: &Option<Delivery>) -> Result<(), StoreError> {
        if let Some(d) = delivery {
            let mut conn = self.conn.clone();
            let _: () = cmd("ZADD")
                .arg(OUTBOX)
                .arg(d.next_ms)
                .arg(&d.id)
                .query_async(&mut conn)
                .await
                .map_err(backend)?;
        }
        Ok(())
    }

    pub async fn create(
        &self,
        id: &str,
        record: Record,
        delivery: Option<Delivery>,
    ) -> Result<(), StoreError> {
        let mut conn = self.conn.clone();
        let _: i64 = self
            .create
            .key(key(id, "c"))
            .key(key(id, "x"))
            .key(key(id, "h"))
            .arg(Self::encode(&record)?)
            .arg(self.idle_ms)
            .arg(self.idle_ms + self.remember_ms)
            .arg(Self::encode_delivery(&delivery)?)
            .invoke_async(&mut conn)
            .await
            .map_err(backend)?;
        let _: () = cmd("ZADD")
            .arg(client_key(&record.client))
            .arg(now_ms() + self.idle_ms)
            .arg(id)
            .query_async(&mut conn)
            .await
            .map_err(backend)?;
        self.index_delivery(&delivery).await
    }

    async fn read(&self, id: &str) -> Result<(String, Record), StoreError> {
        let mut conn = self.conn.clone();
        let (version, data): (Option<String>, Option<String>) = cmd("HMGET")
            .arg(key(id, "c"))
            .arg("v")
            .arg("d")
            .query_async(&mut conn)
            .await
            .map_err(backend)?;
        match (version, data) {
            (Some(version), Some(data)) => {
                let record: Record = serde_json::from_str(&data)
                    .map_err(|e| StoreError::Backend(format!("stored record {id}: {e}")))?;
                Ok((version, record))
            }
            _ => {
                let existed: bool = cmd("EXISTS")
                    .arg(key(id, "x"))
                    .query_async(&mut conn)
                    .await
                    .map_err(backend)?;
                Err(if existed {
                    StoreError::Expired
                } else {
                    StoreError::Unknown
                })
            }
        }
    }

    pub async fn checkout(&self, id: &str) -> Result<Held, StoreError> {
        let local = self.stripes[stripe(id)].clone().lock_owned().await;
        let (version, record) = self.read(id).await?;
        Ok(Held {
            id: id.to_string(),
            version,
            record,
            _local: local,
        })
    }

    pub async fn commit(&self, held: Held, delivery: Option<Delivery>) -> Result<(), StoreError> {
        let mut conn = self.conn.clone();
        let outcome: i64 = self
            .cas
            .key(key(&held.id, "c"))
            .key(key(&held.id, "x"))
            .key(key(&held.id, "h"))
            .arg(&held.version)
            .arg(Self::encode(&held.record)?)
            .arg(self.idle_ms)
            .arg(self.idle_ms + self.remember_ms)
            .arg(Self::encode_delivery(&delivery)?)
            .invoke_async(&mut conn)
            .await
            .map_err(backend)?;
        match outcome {
            1 => self.index_delivery(&delivery).await,
            0 => Err(StoreError::Conflict),
            _ => Err(StoreError::Expired),
        }
    }

    pub async fn get(&self, id: &str) -> Result<Record, StoreError> {
        self.read(id).await.map(|(_, record)| record)
    }

    pub async fn client_live(&self, client: &str) -> Result<usize, StoreError> {
        let mut conn = self.conn.clone();
        let k = client_key(client);
        let _: () = cmd("ZREMRANGEBYSCORE")
            .arg(&k)
            .arg("-inf")
            .arg(now_ms())
            .query_async(&mut conn)
            .await
            .map_err(backend)?;
        cmd("ZCARD")
            .arg(&k)
            .query_async(&mut conn)
            .await
            .map_err(backend)
    }

    pub async fn client_done(&self, client: &str, id: &str) {
        let mut conn = self.conn.clone();
        let _: Result<(), _> = cmd("ZREM")
            .arg(client_key(client))
            .arg(id)
            .query_async(&mut conn)
            .await;
    }

    pub async fn outbox_due(&self, lease_ms: i64, max: usize) -> Result<Vec<Delivery>, StoreError> {
        let mut conn = self.conn.clone();
        let now = now_ms();
        let ids: Vec<String> = self
            .claim
            .key(OUTBOX)
            .arg(now)
            .arg(now + lease_ms)
            .arg(max)
            .invoke_async(&mut conn)
            .await
            .map_err(backend)?;
        let mut due = Vec::new();
        for id in ids {
            let data: Option<String> = cmd("GET")
                .arg(key(&id, "h"))
                .query_async(&mut conn)
                .await
                .map_err(backend)?;
            match data.and_then(|d| serde_json::from_str::<Delivery>(&d).ok()) {
                Some(delivery) => due.push(delivery),
                None => {
                    let _: () = cmd("ZREM")
                        .arg(OUTBOX)
                        .arg(&id)
                        .query_async(&mut conn)
                        .await
                        .map_err(backend)?;
                }
            }
        }
        Ok(due)
    }

    pub async fn outbox_settle(&self, delivery: &Delivery, retry: bool) -> Result<(), StoreError> {
        let mut conn = self.conn.clone();
        if retry {
            let data =
                serde_json::to_string(delivery).map_err(|e| StoreError::Backend(e.to_string()))?;
            let _: () = cmd("SET")
                .arg(key(&delivery.id, "h"))
                .arg(data)
                .query_async(&mut conn)
                .await
                .map_err(backend)?;
            let _: () = cmd("ZADD")
                .arg(OUTBOX)
                .arg(delivery.next_ms)
                .arg(&delivery.id)
                .query_async(&mut conn)
                .await
                .map_err(backend)?;
        } else {
            let _: () = cmd("DEL")
                .arg(key(&delivery.id, "h"))
                .query_async(&mut conn)
                .await
                .map_err(backend)?;
            let _: () = cmd("ZREM")
                .arg(OUTBOX)
                .arg(&delivery.id)
                .query_async(&mut conn)
                .await
                .map_err(backend)?;
        }
        Ok(())
    }

    pub async fn outbox_len(&self) -> Result<usize, StoreError> {
        let mut conn = self.conn.clone();
        cmd("ZCARD")
            .arg(OUTBOX)
            .query_async(&mut conn)
            .await
            .map_err(backend)
    }

    pub async fn ping(&self) -> Result<(), StoreError> {
        let mut conn = self.conn.clone();
        let _: String = cmd("PING").query_async(&mut conn).await.map_err(backend)?;
        Ok(())
    }
}
