//! Hand-off deliveries: every hand-off's payload (sensitive values already masked) waits in
//! the store's outbox until the webhook answers 2xx. Attempts back off exponentially
//! (`initial_backoff_ms`, doubling, capped at `max_backoff_ms`); a delivery is leased while
//! it is attempted, so several processes on one Redis never send it at the same moment.
//! Each request carries `Idempotency-Key: <conversation id>`: a receiver that saw a crash
//! between its 2xx and our bookkeeping can drop the repeat.

use crate::config::{ConfigError, HandoffConfig, env_headers};
use crate::metrics::{Metrics, OpLabel};
use crate::store::{Store, now_ms};
use std::sync::Arc;
use std::time::Duration;

pub struct Webhook {
    url: String,
    headers: Vec<(String, String)>,
    initial_ms: u64,
    max_ms: u64,
    http: reqwest::Client,
}

/// How long one attempt may take, and how long a claimed delivery stays leased.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
const LEASE_MS: i64 = 30_000;

impl Webhook {
    pub fn new(config: &HandoffConfig) -> Result<Webhook, ConfigError> {
        if !config.url.starts_with("http://") && !config.url.starts_with("https://") {
            return Err(ConfigError(format!(
                "handoff: url `{}` is not http://…",
                config.url
            )));
        }
        Ok(Webhook {
            url: config.url.clone(),
            headers: env_headers("handoff", &config.headers_from_env)?,
            initial_ms: config.initial_backoff_ms.max(1),
            max_ms: config.max_backoff_ms.max(config.initial_backoff_ms.max(1)),
            http: reqwest::Client::builder()
                .timeout(ATTEMPT_TIMEOUT)
                .build()
                .map_err(|e| ConfigError(format!("HTTP client: {e}")))?,
        })
    }

    /// The delay before attempt `attempts + 1`.
    pub fn backoff_ms(&self, attempts: u32) -> u64 {
        let factor = 1u64.checked_shl(attempts.min(30)).unwrap_or(u64::MAX);
        self.initial_ms.saturating_mul(factor).min(self.max_ms)
    }

    async fn send(&self, id: &str, payload: &serde_json::Value) -> Result<(), String> {
        let mut request = self
            .http
            .post(&self.url)
            .header("Idempotency-Key", id)
            .json(payload);
        for (name, value) in &self.headers {
            request = request.header(name, value);
        }
        let response = request
            .send()
            .await
            .map_err(|e| e.without_url().to_string())?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(format!("answered {}", response.status().as_u16()))
        }
    }

    /// Delivers what is due, forever (every 200 ms when idle).
    pub async fn run(self: Arc<Self>, store: Arc<crate::engine::Engine>, metrics: Arc<Metrics>) {
        loop {
            let due = match store_of(&store).outbox_due(LEASE_MS, 64).await {
                Ok(due) => due,
                Err(error) => {
                    metrics.store_error("outbox");
                    tracing::warn!(target: "csflow::handoff", error = ?error, "cannot read the outbox");
                    Vec::new()
                }
            };
            let idle = due.is_empty();
            for mut delivery in due {
                let outcome = self.send(&delivery.id, &delivery.payload).await;
                let retry = outcome.is_err();
                if let Err(error) = &outcome {
                    let wait = self.backoff_ms(delivery.attempts);
                    delivery.attempts += 1;
                    delivery.next_ms = now_ms() + wait as i64;
                    tracing::warn!(target: "csflow::handoff", conversation = %delivery.id, attempts = delivery.attempts, retry_in_ms = wait, error = %error, "hand-off delivery failed");
                } else {
                    tracing::info!(target: "csflow::handoff", conversation = %delivery.id, attempts = delivery.attempts + 1, "hand-off delivered");
                }
                metrics
                    .handoff_deliveries
                    .get_or_create(&OpLabel {
                        operation: if retry { "retry" } else { "delivered" },
                    })
                    .inc();
                if let Err(error) = store_of(&store).outbox_settle(&delivery, retry).await {
                    metrics.store_error("outbox");
                    tracing::warn!(target: "csflow::handoff", error = ?error, "cannot update the outbox");
                }
            }
            if idle {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
}

fn store_of(engine: &crate::engine::Engine) -> &Store {
    &engine.store
}
