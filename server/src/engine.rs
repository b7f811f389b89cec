//! The engine: what every channel (JSON API, voice webhook, web chat) calls to start a
//! conversation, feed it one input and read it. It owns the bundles, the store and the
//! service clients; it type-checks `variables`, enforces per-client conversation limits,
//! runs the VM, commits before answering, queues hand-off deliveries, and emits one log
//! event and the metrics of each turn.
//!
//! How a turn reaches services is decided in one place, [`Engine::drive`].

use crate::bundles::{Bundles, Loaded};
use crate::config::{Limits, Sessions};
use crate::error::ApiError;
use crate::metrics::{FlowInput, FlowLabel, FlowState, HandoffLabel, Metrics};
use crate::services::{Blocking, ServiceClients};
use crate::store::{Delivery, Record, Store, StoreError, now_ms};
use crate::turn::{self, Before, Summary};
use csflow_runtime::bundle::{FlowChannel, SlotType};
use csflow_runtime::nlu::parse_slot;
use csflow_runtime::nlu::slots::Reply;
use csflow_runtime::{
    Bundle, Channel, Clock, Conversation, Env, Input, NoServices, Status, Turn, Value,
};
use std::sync::Arc;
use std::time::Instant;

/// Conflicting commits (Redis, two processes) are retried this many times.
const MAX_ATTEMPTS: usize = 64;

pub struct Engine {
    pub bundles: Bundles,
    pub store: Store,
    pub limits: Limits,
    pub sessions: Sessions,
    pub services: Arc<ServiceClients>,
    pub metrics: Arc<Metrics>,
    /// Hand-offs are queued for the webhook only when one is configured.
    pub handoff_webhook: bool,
}

/// Renders a turn for its channel (JSON for the API, TwiML for voice).
pub type Render = Arc<dyn Fn(&str, &Turn<'_>, &Bundle, &Conversation) -> Vec<u8> + Send + Sync>;

/// The API's renderer: the Turn JSON.
pub fn render_json() -> Render {
    static JSON: std::sync::LazyLock<Render> = std::sync::LazyLock::new(|| {
        Arc::new(|id: &str, turn: &Turn<'_>, _: &Bundle, _: &Conversation| turn::to_json(id, turn))
    });
    JSON.clone()
}

/// A fresh conversation id: 128 random bits, hex.
pub fn new_id() -> Result<String, ApiError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| ApiError::internal(format!("random: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// What a user sent, as the log event names it.
pub fn input_kind(input: &Input) -> &'static str {
    match input {
        Input::Text(_) => "text",
        Input::Keys(_) => "keys",
        Input::NoInput => "no_input",
    }
}

pub struct StartRequest {
    pub flow: String,
    pub channel: Option<Channel>,
    pub variables: Option<serde_json::Map<String, serde_json::Value>>,
    /// The voice provider's call id, when a call starts it.
    pub call: Option<String>,
}

/// Checks `variables` against the flow's slots: each must name a slot (not a service
/// result) and fit its type. Errors name the slot, never the value.
pub fn check_variables(
    bundle: &Bundle,
    flow_name: &str,
    variables: &serde_json::Map<String, serde_json::Value>,
) -> Result<Vec<(u32, Value)>, ApiError> {
    let Some((_, flow)) = bundle.flow_by_name(flow_name) else {
        return Err(ApiError::not_found(
            "unknown_flow",
            format!("no flow `{flow_name}`"),
        ));
    };
    let mut initial = Vec::new();
    for (name, json) in variables {
        let Some(index) = flow
            .vars
            .iter()
            .position(|v| !v.is_result && bundle.str(v.name) == name)
        else {
            return Err(ApiError::bad_request(
                "unknown_slot",
                format!("flow `{flow_name}` has no slot `{name}`"),
            ));
        };
        let var = &flow.vars[index];
        let wrong = |expected: &str| {
            ApiError::bad_request("wrong_type", format!("slot `{name}` takes {expected}"))
        };
        let value = match (&var.ty, json) {
            (_, serde_json::Value::Null) => Value::None,
            (SlotType::Number, serde_json::Value::Number(n)) => {
                Value::Number(n.as_f64().ok_or_else(|| wrong("a number"))?)
            }
            (SlotType::Number, _) => return Err(wrong("a number")),
            (SlotType::Integer, serde_json::Value::Number(n)) => match n.as_f64() {
                Some(f) if f.fract() == 0.0 => Value::Number(f),
                _ => return Err(wrong("a whole number")),
            },
            (SlotType::Integer, _) => return Err(wrong("a whole number")),
            (SlotType::YesNo | SlotType::Bool, serde_json::Value::Bool(b)) => Value::Bool(*b),
            (SlotType::YesNo | SlotType::Bool, _) => return Err(wrong("true or false")),
            (SlotType::Record, _) => return Err(wrong("nothing: it is a service result")),
            (ty, serde_json::Value::String(text)) => {
                let reply = Reply {
                    text,
                    keys: false,
                    voice: false,
                };
                let expected = match ty {
                    SlotType::Text => "text",
                    SlotType::Digits { .. } => "a string of digits of the declared length",
                    SlotType::Date => "a date (YYYY-MM-DD)",
                    SlotType::Time => "a time (HH:MM)",
                    SlotType::Email => "an email address",
                    SlotType::Phone => "a phone number",
                    SlotType::Enum(_) => "one of the declared values",
                    _ => "a value of its type",
                };
                parse_slot(ty, bundle, reply).ok_or_else(|| wrong(expected))?
            }
            (SlotType::Text, _) => return Err(wrong("text")),
            (SlotType::Digits { .. }, _) => return Err(wrong("a string of digits")),
            (SlotType::Date, _) => return Err(wrong("a date string (YYYY-MM-DD)")),
            (SlotType::Time, _) => return Err(wrong("a time string (HH:MM)")),
            (SlotType::Email, _) => return Err(wrong("an email address string")),
            (SlotType::Phone, _) => return Err(wrong("a phone number string")),
            (SlotType::Enum(_), _) => return Err(wrong("one of the declared values, as a string")),
        };
        initial.push((index as u32, value));
    }
    Ok(initial)
}

/// The hand-off webhook's payload: sensitive values masked (the VM masks slots and the
/// transcript; the reason is masked by the VM too).
pub fn handoff_payload(
    id: &str,
    bundle: &Bundle,
    conversation: &Conversation,
) -> serde_json::Value {
    let handoff = conversation.handoff();
    serde_json::json!({
        "conversation_id": id,
        "flow": conversation.flow_name(bundle),
        "queue": handoff.map(|h| h.queue.as_str()),
        "priority": handoff.map(|h| h.priority.as_str()),
        "reason": handoff.and_then(|h| h.reason.as_deref()),
        "slots": slots_json(bundle, conversation),
        "transcript": conversation.transcript(),
    })
}

fn slots_json(bundle: &Bundle, conversation: &Conversation) -> serde_json::Value {
    serde_json::Value::Object(
        conversation
            .slots_masked(bundle)
            .into_iter()
            .map(|(name, value)| (name, value.to_json()))
            .collect(),
    )
}

/// The outcome of running one turn off the store: what to answer and to commit.
struct Ran {
    body: Vec<u8>,
    summary: Summary,
    delivery: Option<Delivery>,
}

impl Engine {
    /// Runs `job` (one VM turn) with the services it may call. Today the VM calls services
    /// synchronously, so a bundle that declares services runs its turns on a blocking
    /// thread (a slow service holds that thread only); every other turn runs inline.
    async fn drive<T: Send + 'static>(
        &self,
        loaded: Arc<Loaded>,
        job: impl FnOnce(&Bundle, &mut Env<'_>) -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let clock = Clock::Instant(chrono::Utc::now());
        if loaded.bundle.services.is_empty() || self.services.is_empty() {
            let mut none = NoServices;
            let mut env = Env {
                clock,
                services: &mut none,
            };
            return Ok(job(&loaded.bundle, &mut env));
        }
        let mut services = Blocking {
            clients: self.services.clone(),
            metrics: self.metrics.clone(),
            bundle: loaded.clone(),
            runtime: tokio::runtime::Handle::current(),
        };
        tokio::task::spawn_blocking(move || {
            let mut env = Env {
                clock,
                services: &mut services,
            };
            job(&loaded.bundle, &mut env)
        })
        .await
        .map_err(|e| ApiError::internal(format!("turn stopped: {e}")))
    }

    fn store_error(&self, operation: &'static str, id: &str, error: StoreError) -> ApiError {
        if matches!(error, StoreError::Backend(_) | StoreError::Conflict) {
            self.metrics.store_error(operation);
        }
        error.to_api(id)
    }

    /// Starts a conversation: 201's body.
    pub async fn start(
        &self,
        client: &str,
        request: StartRequest,
        render: Render,
    ) -> Result<(String, Vec<u8>), ApiError> {
        self.start_with_id(client, request, render, None).await
    }

    /// [`Engine::start`] under a given id (a voice call's), else a fresh one.
    pub async fn start_with_id(
        &self,
        client: &str,
        request: StartRequest,
        render: Render,
        id: Option<String>,
    ) -> Result<(String, Vec<u8>), ApiError> {
        let started = Instant::now();
        let loaded = self.bundles.current();
        let bundle = &loaded.bundle;
        let Some((_, flow)) = bundle.flow_by_name(&request.flow) else {
            return Err(ApiError::not_found(
                "unknown_flow",
                format!("no flow `{}` in the bundle", request.flow),
            ));
        };
        let channel = request.channel.unwrap_or(match flow.channel {
            FlowChannel::Voice => Channel::Voice,
            FlowChannel::Chat | FlowChannel::Any => Channel::Chat,
        });
        let initial = match &request.variables {
            Some(variables) => check_variables(bundle, &request.flow, variables)?,
            None => Vec::new(),
        };
        let live = self
            .store
            .client_live(client)
            .await
            .map_err(|e| self.store_error("count", "", e))?;
        if live >= self.limits.max_conversations_per_client {
            return Err(ApiError::too_many(
                "too_many_conversations",
                format!(
                    "this client holds {live} live conversations, the most allowed; finish or let some expire"
                ),
                self.sessions.idle_timeout_secs.min(60),
            ));
        }
        let id = match id {
            Some(id) => id,
            None => new_id()?,
        };
        let keep_transcript = self.sessions.transcript;
        let webhook = self.handoff_webhook;
        let flow_name = request.flow.clone();
        let job_id = id.clone();
        let (conversation, ran) = self
            .drive(loaded.clone(), move |bundle, env| {
                let (mut conversation, turn) =
                    Conversation::start_with(bundle, &flow_name, channel, initial, env)
                        .map_err(|e| ApiError::not_found("unknown_flow", e.to_string()))?;
                conversation.keep_transcript(keep_transcript);
                let summary = turn::summarize(bundle, &conversation, &turn, "", None);
                let body = render(&job_id, &turn, bundle, &conversation);
                let delivery = (webhook && turn.status == Status::HandedOff).then(|| Delivery {
                    id: job_id.clone(),
                    payload: handoff_payload(&job_id, bundle, &conversation),
                    attempts: 0,
                    next_ms: now_ms(),
                });
                drop(turn);
                Ok::<_, ApiError>((
                    conversation,
                    Ran {
                        body,
                        summary,
                        delivery,
                    },
                ))
            })
            .await??;
        let waiting = conversation.status() == Status::Waiting;
        let record = Record {
            bundle: loaded.id.clone(),
            client: client.to_string(),
            created_ms: now_ms(),
            call: request.call,
            conversation,
        };
        self.store
            .create(&id, record, ran.delivery)
            .await
            .map_err(|e| self.store_error("create", &id, e))?;
        if !waiting {
            self.store.client_done(client, &id).await;
        }
        self.observe(&id, &loaded.id, "start", &ran.summary, started, true);
        Ok((id, ran.body))
    }

    /// One input to conversation `id`: 200's body.
    pub async fn input(&self, id: &str, input: Input, render: Render) -> Result<Vec<u8>, ApiError> {
        let started = Instant::now();
        let kind = input_kind(&input);
        for _ in 0..MAX_ATTEMPTS {
            let mut checkout = self
                .store
                .checkout(id)
                .await
                .map_err(|e| self.store_error("checkout", id, e))?;
            let record = checkout.record();
            let status = record.conversation.status();
            if status != Status::Waiting {
                return Err(not_waiting(id, status));
            }
            let Some(loaded) = self.bundles.get(&record.bundle) else {
                return Err(ApiError::conflict(
                    "bundle_not_loaded",
                    format!(
                        "conversation `{id}` runs on bundle {}, which this process does not hold; it is never run on another bundle",
                        record.bundle
                    ),
                ));
            };
            let client = record.client.clone();
            let webhook = self.handoff_webhook;
            let job_id = id.to_string();
            let job_input = input.clone();
            let render = render.clone();
            let (checkout, ran) = self
                .drive(loaded.clone(), move |bundle, env| {
                    let mut checkout = checkout;
                    let conversation = &mut checkout.record().conversation;
                    let from = conversation.state_name(bundle).to_string();
                    let before = Before::of(conversation);
                    let turn = match conversation.input(bundle, job_input, env) {
                        Ok(turn) => turn,
                        Err(error) => {
                            return (
                                checkout,
                                Err(ApiError::conflict("not_waiting", error.to_string())),
                            );
                        }
                    };
                    let summary = turn::summarize(bundle, conversation, &turn, &from, Some(before));
                    let body = render(&job_id, &turn, bundle, conversation);
                    let delivery =
                        (webhook && turn.status == Status::HandedOff).then(|| Delivery {
                            id: job_id.clone(),
                            payload: handoff_payload(&job_id, bundle, conversation),
                            attempts: 0,
                            next_ms: now_ms(),
                        });
                    drop(turn);
                    (
                        checkout,
                        Ok(Ran {
                            body,
                            summary,
                            delivery,
                        }),
                    )
                })
                .await?;
            let ran = ran?;
            match self.store.commit(checkout, ran.delivery).await {
                Ok(()) => {
                    if ran.summary.status != Status::Waiting {
                        self.store.client_done(&client, id).await;
                    }
                    self.observe(id, &loaded.id, kind, &ran.summary, started, false);
                    return Ok(ran.body);
                }
                Err(StoreError::Conflict) => continue,
                Err(error) => return Err(self.store_error("commit", id, error)),
            }
        }
        Err(self.store_error("commit", id, StoreError::Conflict))
    }

    /// `GET /v1/conversations/{id}`: status, state, masked slots, transcript.
    pub async fn show(&self, id: &str) -> Result<serde_json::Value, ApiError> {
        let record = self
            .store
            .get(id)
            .await
            .map_err(|e| self.store_error("get", id, e))?;
        let Some(loaded) = self.bundles.get(&record.bundle) else {
            return Err(ApiError::conflict(
                "bundle_not_loaded",
                format!(
                    "conversation `{id}` runs on bundle {}, which this process does not hold",
                    record.bundle
                ),
            ));
        };
        let bundle = &loaded.bundle;
        let c = &record.conversation;
        let mut json = serde_json::json!({
            "id": id,
            "flow": c.flow_name(bundle),
            "bundle": record.bundle,
            "channel": c.channel().as_str(),
            "status": c.status().as_str(),
            "state": c.state_name(bundle),
            "turns": c.turns(),
            "slots": slots_json(bundle, c),
            "transcript": c.transcript(),
        });
        if let Some(handoff) = c.handoff() {
            json["handoff"] = serde_json::to_value(handoff).unwrap_or_default();
        }
        Ok(json)
    }

    /// The id a voice call's conversation has: derived from the provider's call id.
    pub fn call_id(call: &str) -> String {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(format!("csflow-call:{call}").as_bytes());
        digest[..16].iter().map(|b| format!("{b:02x}")).collect()
    }

    fn observe(
        &self,
        id: &str,
        bundle: &str,
        input: &'static str,
        summary: &Summary,
        started: Instant,
        first: bool,
    ) {
        let elapsed = started.elapsed();
        let m = &self.metrics;
        m.turn_latency.observe(elapsed.as_secs_f64());
        m.turns
            .get_or_create(&FlowInput {
                flow: summary.flow.clone(),
                input,
            })
            .inc();
        let flow = || FlowLabel {
            flow: summary.flow.clone(),
        };
        if first {
            m.started.get_or_create(&flow()).inc();
            if summary.status == Status::Waiting {
                m.active.inc();
            }
        } else if summary.status != Status::Waiting {
            m.active.dec();
        }
        match summary.status {
            Status::Ended | Status::Failed => {
                m.ended.get_or_create(&flow()).inc();
            }
            Status::HandedOff => {
                if let Some(h) = &summary.handoff {
                    m.handed_off
                        .get_or_create(&HandoffLabel {
                            flow: summary.flow.clone(),
                            queue: h.queue.clone(),
                            reason: h.reason.clone().unwrap_or_default(),
                        })
                        .inc();
                }
            }
            Status::Waiting => {}
        }
        let state = || FlowState {
            flow: summary.flow.clone(),
            state: summary.from_state.clone(),
        };
        if summary.no_match {
            m.no_match.get_or_create(&state()).inc();
        }
        if summary.no_input {
            m.no_input.get_or_create(&state()).inc();
        }
        tracing::info!(
            target: "csflow::turn",
            schema = 1,
            conversation = id,
            bundle,
            flow = %summary.flow,
            from_state = %summary.from_state,
            to_state = %summary.to_state,
            input,
            outcome = summary.outcome,
            option = summary.option.as_deref(),
            queue = summary.handoff.as_ref().map(|h| h.queue.as_str()),
            status = summary.status.as_str(),
            latency_us = elapsed.as_micros() as u64,
            "turn"
        );
    }
}

fn not_waiting(id: &str, status: Status) -> ApiError {
    let (code, what) = match status {
        Status::HandedOff => ("conversation_handed_off", "was handed off"),
        Status::Failed => ("conversation_failed", "failed"),
        _ => ("conversation_ended", "has ended"),
    };
    ApiError::conflict(
        code,
        format!("conversation `{id}` {what} and takes no more input"),
    )
}
