//! The engine: what every channel (JSON API, voice webhook, web chat) calls to start a
//! conversation, feed it one input and read it. It owns the bundles, the store and the
//! service clients; it type-checks `variables`, enforces per-client conversation limits,
//! runs the VM, commits before answering, queues hand-off deliveries, and emits one log
//! event and the metrics of each turn.
//!
//! The VM never calls a service itself: a turn that reaches a `call` stops with status
//! `calling` and a request; [`Engine::answer_calls`] makes the HTTP call asynchronously
//! (a slow service holds nothing but this request's task) and resumes the turn.

use crate::bundles::{Bundles, Loaded};
use crate::classifier::{Asked, Classifier};
use crate::config::{Limits, Sessions};
use crate::error::ApiError;
use crate::metrics::{FlowCounters, FlowState, HandoffLabel, Metrics};
use crate::services::ServiceClients;
use crate::store::{Delivery, Record, Store, StoreError, now_ms};
use crate::turn::{self, Before, Summary};
use csflow_runtime::bundle::FlowChannel;
use csflow_runtime::{
    Bundle, Channel, Clock, Conversation, Input, Start, StartError, Status, Turn, Value,
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
    /// The external intent classifier, when the config names one.
    pub classifier: Option<Classifier>,
    pub metrics: Arc<Metrics>,
    /// Hand-offs are queued for the webhook only when one is configured.
    pub handoff_webhook: bool,
}

/// Renders a turn for its channel (JSON for the API, TwiML for voice).
pub type Render = Arc<dyn Fn(&str, &Turn<'_>, &Bundle, &Conversation) -> Vec<u8> + Send + Sync>;

/// The API's renderer: the Turn JSON. Lent, not cloned: a clone per turn was an atomic
/// increment and decrement on one counter every worker thread shares.
pub fn render_json() -> &'static Render {
    static JSON: std::sync::LazyLock<Render> = std::sync::LazyLock::new(|| {
        Arc::new(|id: &str, turn: &Turn<'_>, _: &Bundle, _: &Conversation| turn::to_json(id, turn))
    });
    &JSON
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

/// The API's `variables` as the VM takes them (the VM checks each against its slot's type).
fn variables(json: &serde_json::Map<String, serde_json::Value>) -> Vec<(String, Value)> {
    json.iter()
        .map(|(name, value)| (name.clone(), Value::from_json(value)))
        .collect()
}

/// A start the VM refused, as an API error. A bad variable names the slot and what it
/// takes, never the value sent (it may be sensitive).
fn start_error(error: StartError) -> ApiError {
    match error {
        StartError::UnknownFlow(name) => {
            ApiError::not_found("unknown_flow", format!("no flow `{name}` in the bundle"))
        }
        StartError::BadBundle(message) => ApiError::internal(message),
        StartError::BadVariable { name, reason } => {
            let expected = reason.split(", got ").next().unwrap_or("").to_string();
            let code = if reason.contains("no slot") || reason.contains("result") {
                "unknown_slot"
            } else {
                "wrong_type"
            };
            let shown: String = name.chars().take(40).collect();
            ApiError::bad_request(code, format!("variable `{shown}`: {expected}"))
        }
    }
}

fn now_clock() -> Clock {
    Clock::Instant(chrono::Utc::now())
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
struct Ran<'b> {
    body: Vec<u8>,
    summary: Summary<'b>,
    delivery: Option<Delivery>,
}

impl Engine {
    /// Makes every call `turn` stops at, asynchronously, and resumes the conversation with
    /// each answer, until the turn waits for input or is over.
    async fn answer_calls<'b>(
        &self,
        bundle: &'b Bundle,
        conversation: &mut Conversation,
        mut turn: Turn<'b>,
    ) -> Turn<'b> {
        while let Some(request) = turn.call.take() {
            let result = self.services.answer(bundle, &request, &self.metrics).await;
            match conversation.resume(bundle, result, now_clock()) {
                Ok(next) => turn.absorb(next),
                Err(_) => break,
            }
        }
        turn
    }

    /// The external classifier's scores for a text input (`None`: the offline matcher
    /// answers — no classifier, keyed input, no intents, a sensitive answer, or a failure).
    async fn classify(
        &self,
        bundle: &Bundle,
        conversation: &Conversation,
        input: &Input,
        state: &str,
    ) -> Option<Vec<f32>> {
        let classifier = self.classifier.as_ref()?;
        let Input::Text(text) = input else {
            return None;
        };
        if text.trim().is_empty()
            || bundle.intents.is_empty()
            || conversation.awaits_sensitive(bundle)
        {
            return None;
        }
        let intents: Vec<&str> = bundle.intents.iter().map(|i| bundle.str(i.name)).collect();
        let asked = Asked {
            text,
            intents: &intents,
            flow: conversation.flow_name(bundle),
            state,
        };
        classifier.scores(&asked, &self.metrics).await
    }

    /// The answer, the summary and the hand-off delivery of a turn just run.
    #[allow(clippy::too_many_arguments)]
    fn ran<'b>(
        &self,
        id: &str,
        bundle: &'b Bundle,
        conversation: &Conversation,
        turn: &Turn<'b>,
        from: &'b str,
        before: Option<Before>,
        render: &Render,
    ) -> Ran<'b> {
        let delivery =
            (self.handoff_webhook && turn.status == Status::HandedOff).then(|| Delivery {
                id: id.to_string(),
                payload: handoff_payload(id, bundle, conversation),
                attempts: 0,
                next_ms: now_ms(),
            });
        Ran {
            body: render(id, turn, bundle, conversation),
            summary: turn::summarize(bundle, conversation, turn, from, before),
            delivery,
        }
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
        render: &Render,
    ) -> Result<(String, Vec<u8>), ApiError> {
        self.start_with_id(client, request, render, None).await
    }

    /// [`Engine::start`] under a given id (a voice call's), else a fresh one.
    pub async fn start_with_id(
        &self,
        client: &str,
        request: StartRequest,
        render: &Render,
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
        let initial = request
            .variables
            .as_ref()
            .map(variables)
            .unwrap_or_default();
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
        let mut start = Start::new(&request.flow, channel).with_variables(&initial);
        if self.sessions.transcript {
            start = start.with_transcript();
        }
        let (mut conversation, turn) =
            Conversation::begin(bundle, start, now_clock()).map_err(start_error)?;
        let turn = self.answer_calls(bundle, &mut conversation, turn).await;
        let ran = self.ran(&id, bundle, &conversation, &turn, "", None, render);
        let conversation_flow = conversation.flow_index();
        drop(turn);
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
        self.observe(
            &id,
            &loaded,
            conversation_flow,
            "start",
            &ran.summary,
            started,
            true,
        );
        Ok((id, ran.body))
    }

    /// One input to conversation `id`: 200's body.
    pub async fn input(
        &self,
        id: &str,
        input: Input,
        render: &Render,
    ) -> Result<Vec<u8>, ApiError> {
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
            if status != Status::Waiting && status != Status::Calling {
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
            let bundle = &loaded.bundle;
            let conversation = &mut record.conversation;
            if conversation.status() == Status::Calling {
                // A request that timed out left it waiting for a service: finish that call
                // first (its outputs were never seen; they are lost, the state is not).
                if let Some(request) = conversation.calling(bundle) {
                    let result = self.services.answer(bundle, &request, &self.metrics).await;
                    if let Ok(turn) = conversation.resume(bundle, result, now_clock()) {
                        let _ = self.answer_calls(bundle, conversation, turn).await;
                    }
                }
                if conversation.status() != Status::Waiting {
                    return Err(not_waiting(id, conversation.status()));
                }
            }
            let from = conversation.state_name(bundle);
            let before = Before::of(conversation);
            let intents = self.classify(bundle, conversation, &input, from).await;
            let turn = conversation
                .send_with_intents(bundle, input.clone(), intents, now_clock())
                .map_err(|error| ApiError::conflict("not_waiting", error.to_string()))?;
            let turn = self.answer_calls(bundle, conversation, turn).await;
            let ran = self.ran(id, bundle, conversation, &turn, from, Some(before), render);
            drop(turn);
            let flow = conversation.flow_index();
            // The client is only needed when the conversation stopped waiting.
            let done = (ran.summary.status != Status::Waiting).then(|| record.client.clone());
            match self.store.commit(checkout, ran.delivery).await {
                Ok(()) => {
                    if let Some(client) = done {
                        self.store.client_done(&client, id).await;
                    }
                    self.observe(id, &loaded, flow, kind, &ran.summary, started, false);
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

    /// The metrics and the log event of one turn of flow `flow` (an index into `loaded`'s
    /// flows). Per-turn counters go through the bundle's cached handles
    /// ([`Loaded::flow_counters`]); the rarer ones (no match, hand-off) are looked up.
    #[allow(clippy::too_many_arguments)]
    fn observe(
        &self,
        id: &str,
        loaded: &Loaded,
        flow: usize,
        input: &'static str,
        summary: &Summary<'_>,
        started: Instant,
        first: bool,
    ) {
        let elapsed = started.elapsed();
        let m = &self.metrics;
        m.turn_latency.observe(elapsed.as_secs_f64());
        // A conversation's flow index is one of its bundle's, so the cache always has it; a
        // fresh set of handles (looked up in the families) would count the same series.
        let uncached;
        let counters = match loaded.flow_counters(flow) {
            Some(counters) => counters,
            None => {
                uncached = FlowCounters::new(summary.flow);
                &uncached
            }
        };
        counters.count_turn(m, input);
        if first {
            counters.count_started(m);
            if summary.status == Status::Waiting {
                m.active.inc();
            }
        } else if summary.status != Status::Waiting {
            m.active.dec();
        }
        match summary.status {
            Status::Ended | Status::Failed | Status::Transferred => counters.count_ended(m),
            Status::HandedOff => {
                if let Some(h) = &summary.handoff {
                    m.handed_off
                        .get_or_create(&HandoffLabel {
                            flow: summary.flow.to_string(),
                            queue: h.queue.clone(),
                            reason: h.reason.clone().unwrap_or_default(),
                        })
                        .inc();
                }
            }
            Status::Waiting | Status::Calling => {}
        }
        let state = || FlowState {
            flow: summary.flow.to_string(),
            state: summary.from_state.to_string(),
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
            bundle = loaded.id.as_str(),
            flow = summary.flow,
            from_state = summary.from_state,
            to_state = summary.to_state,
            input,
            outcome = summary.outcome,
            option = summary.option,
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
        Status::Transferred => ("conversation_transferred", "was transferred"),
        Status::Failed => ("conversation_failed", "failed"),
        _ => ("conversation_ended", "has ended"),
    };
    ApiError::conflict(
        code,
        format!("conversation `{id}` {what} and takes no more input"),
    )
}
