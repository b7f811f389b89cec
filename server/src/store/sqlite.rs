//! The SQLite file behind a durable resident store. One writer thread owns the write
//! connection: it takes every write waiting in its queue, applies them in one transaction,
//! commits (WAL, `synchronous=FULL`: on disk when COMMIT returns) and only then tells each
//! waiting request — group commit, so a thousand concurrent turns cost one fsync, not a
//! thousand, and no turn is answered before it is durable. Reads (records not in memory
//! after a restart) use a second connection.

use super::{Delivery, Record, StoreError};
use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;
use std::sync::{Arc, Mutex, mpsc};
use tokio::sync::oneshot;

/// Writes taken into one transaction at most (a bound on how long one commit holds others).
const MAX_BATCH: usize = 4096;

enum Write {
    Put {
        id: String,
        record: Vec<u8>,
        last_ms: i64,
        delivery: Option<(String, Vec<u8>, i64)>,
    },
    Expire {
        ids: Vec<String>,
        at_ms: i64,
        forget_before_ms: i64,
    },
    OutboxRetry {
        id: String,
        delivery: Vec<u8>,
        next_ms: i64,
    },
    OutboxDone {
        id: String,
    },
    Flush,
}

struct Job {
    write: Write,
    done: oneshot::Sender<Result<(), String>>,
}

pub struct Durable {
    queue: Mutex<mpsc::Sender<Job>>,
    reader: Arc<Mutex<Connection>>,
}

const SCHEMA: &str = "
PRAGMA journal_mode = WAL;
PRAGMA synchronous = FULL;
CREATE TABLE IF NOT EXISTS conversations (id TEXT PRIMARY KEY, record BLOB NOT NULL, last_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS expired (id TEXT PRIMARY KEY, at_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS outbox (id TEXT PRIMARY KEY, delivery BLOB NOT NULL, next_ms INTEGER NOT NULL);
";

fn backend(what: &str) -> impl Fn(rusqlite::Error) -> String + '_ {
    move |e| format!("sqlite {what}: {e}")
}

impl Durable {
    pub fn open(path: &Path) -> Result<Durable, String> {
        let writer = Connection::open(path)
            .map_err(|e| format!("cannot open SQLite file {}: {e}", path.display()))?;
        writer
            .execute_batch(SCHEMA)
            .map_err(|e| format!("cannot set up SQLite file {}: {e}", path.display()))?;
        let reader = Connection::open(path)
            .map_err(|e| format!("cannot open SQLite file {}: {e}", path.display()))?;
        let (queue, jobs) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("csflow-sqlite".into())
            .spawn(move || write_loop(writer, jobs))
            .map_err(|e| format!("cannot start the SQLite writer: {e}"))?;
        Ok(Durable {
            queue: Mutex::new(queue),
            reader: Arc::new(Mutex::new(reader)),
        })
    }

    async fn send(&self, write: Write) -> Result<(), StoreError> {
        let (done, wait) = oneshot::channel();
        {
            let queue = match self.queue.lock() {
                Ok(q) => q,
                Err(p) => p.into_inner(),
            };
            queue
                .send(Job { write, done })
                .map_err(|_| StoreError::Backend("the SQLite writer stopped".into()))?;
        }
        match wait.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(message)) => Err(StoreError::Backend(message)),
            Err(_) => Err(StoreError::Backend("the SQLite writer stopped".into())),
        }
    }

    pub async fn put(
        &self,
        id: &str,
        record: &Record,
        last_ms: i64,
        delivery: Option<Delivery>,
    ) -> Result<(), StoreError> {
        let bytes = serde_json::to_vec(record).map_err(|e| StoreError::Backend(e.to_string()))?;
        let delivery = match delivery {
            Some(d) => Some((
                d.id.clone(),
                serde_json::to_vec(&d).map_err(|e| StoreError::Backend(e.to_string()))?,
                d.next_ms,
            )),
            None => None,
        };
        self.send(Write::Put {
            id: id.to_string(),
            record: bytes,
            last_ms,
            delivery,
        })
        .await
    }

    pub async fn expire(
        &self,
        ids: Vec<String>,
        at_ms: i64,
        forget_before_ms: i64,
    ) -> Result<(), StoreError> {
        self.send(Write::Expire {
            ids,
            at_ms,
            forget_before_ms,
        })
        .await
    }

    pub async fn settle(&self, delivery: Delivery, retry: bool) -> Result<(), StoreError> {
        if retry {
            let bytes =
                serde_json::to_vec(&delivery).map_err(|e| StoreError::Backend(e.to_string()))?;
            self.send(Write::OutboxRetry {
                id: delivery.id,
                delivery: bytes,
                next_ms: delivery.next_ms,
            })
            .await
        } else {
            self.send(Write::OutboxDone { id: delivery.id }).await
        }
    }

    pub async fn flush(&self) -> Result<(), StoreError> {
        self.send(Write::Flush).await
    }

    /// A record not in memory: (record, last turn), or why there is none.
    pub async fn load(&self, id: &str) -> Result<(Record, i64), StoreError> {
        let reader = self.reader.clone();
        let id = id.to_string();
        tokio::task::spawn_blocking(move || {
            let conn = match reader.lock() {
                Ok(c) => c,
                Err(p) => p.into_inner(),
            };
            let row: Option<(Vec<u8>, i64)> = conn
                .query_row(
                    "SELECT record, last_ms FROM conversations WHERE id = ?1",
                    params![id],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .optional()
                .map_err(|e| StoreError::Backend(format!("sqlite read: {e}")))?;
            if let Some((bytes, last_ms)) = row {
                let record: Record = serde_json::from_slice(&bytes)
                    .map_err(|e| StoreError::Backend(format!("stored record {id}: {e}")))?;
                return Ok((record, last_ms));
            }
            let expired: Option<i64> = conn
                .query_row(
                    "SELECT at_ms FROM expired WHERE id = ?1",
                    params![id],
                    |row| row.get(0),
                )
                .optional()
                .map_err(|e| StoreError::Backend(format!("sqlite read: {e}")))?;
            Err(match expired {
                Some(_) => StoreError::Expired,
                None => StoreError::Unknown,
            })
        })
        .await
        .map_err(|e| StoreError::Backend(e.to_string()))?
    }

    /// The pending hand-off deliveries in the file (read once at start).
    pub fn outbox(&self) -> Vec<Delivery> {
        let conn = match self.reader.lock() {
            Ok(c) => c,
            Err(p) => p.into_inner(),
        };
        let Ok(mut statement) = conn.prepare("SELECT delivery FROM outbox") else {
            return Vec::new();
        };
        let rows = statement.query_map([], |row| row.get::<_, Vec<u8>>(0));
        match rows {
            Ok(rows) => rows
                .filter_map(|r| r.ok())
                .filter_map(|bytes| serde_json::from_slice(&bytes).ok())
                .collect(),
            Err(_) => Vec::new(),
        }
    }
}

fn write_loop(mut conn: Connection, jobs: mpsc::Receiver<Job>) {
    while let Ok(first) = jobs.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let result = apply(&mut conn, &batch);
        for job in batch {
            let _ = job.done.send(result.clone());
        }
    }
}

fn apply(conn: &mut Connection, batch: &[Job]) -> Result<(), String> {
    let tx = conn.transaction().map_err(backend("begin"))?;
    {
        let mut put = tx
            .prepare_cached(
                "INSERT INTO conversations (id, record, last_ms) VALUES (?1, ?2, ?3)
                 ON CONFLICT(id) DO UPDATE SET record = excluded.record, last_ms = excluded.last_ms",
            )
            .map_err(backend("prepare"))?;
        let mut outbox = tx
            .prepare_cached(
                "INSERT INTO outbox (id, delivery, next_ms) VALUES (?1, ?2, ?3)
                 ON CONFLICT(id) DO UPDATE SET delivery = excluded.delivery, next_ms = excluded.next_ms",
            )
            .map_err(backend("prepare"))?;
        for job in batch {
            match &job.write {
                Write::Put {
                    id,
                    record,
                    last_ms,
                    delivery,
                } => {
                    put.execute(params![id, record, last_ms])
                        .map_err(backend("write"))?;
                    if let Some((id, bytes, next_ms)) = delivery {
                        outbox
                            .execute(params![id, bytes, next_ms])
                            .map_err(backend("write"))?;
                    }
                }
                Write::Expire {
                    ids,
                    at_ms,
                    forget_before_ms,
                } => {
                    for id in ids {
                        tx.execute("DELETE FROM conversations WHERE id = ?1", params![id])
                            .map_err(backend("expire"))?;
                        tx.execute(
                            "INSERT OR REPLACE INTO expired (id, at_ms) VALUES (?1, ?2)",
                            params![id, at_ms],
                        )
                        .map_err(backend("expire"))?;
                    }
                    tx.execute(
                        "DELETE FROM expired WHERE at_ms < ?1",
                        params![forget_before_ms],
                    )
                    .map_err(backend("expire"))?;
                }
                Write::OutboxRetry {
                    id,
                    delivery,
                    next_ms,
                } => {
                    outbox
                        .execute(params![id, delivery, next_ms])
                        .map_err(backend("outbox"))?;
                }
                Write::OutboxDone { id } => {
                    tx.execute("DELETE FROM outbox WHERE id = ?1", params![id])
                        .map_err(backend("outbox"))?;
                }
                Write::Flush => {}
            }
        }
    }
    tx.commit().map_err(backend("commit"))
}
