//! The HTTP API (axum): routes, bearer tokens, limits, JSON bodies and JSON errors.
//!
//! Every `/v1` request passes [`crate::guard`]: the bearer token (constant-time against every
//! configured token), the client's request rate (GCRA from `governor`; 429 with
//! `Retry-After`), and the request time-out. Bodies are read by [`read_json`], which
//! refuses oversized bodies with 413 and invalid JSON with 400 before any handler runs.
//! Error messages name fields and slots, never the values sent.

use crate::engine::{Engine, StartRequest, render_json};
use crate::error::ApiError;
use crate::web;
use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use csflow_runtime::{Channel, Input};
use governor::{DefaultKeyedRateLimiter, Quota};
use sha2::{Digest, Sha256};
use std::num::NonZeroU32;
use std::sync::Arc;
use subtle::ConstantTimeEq;

/// API tokens as SHA-256 digests, so every comparison is of 32 bytes whatever was sent.
/// Each keeps its client key (`token:NAME`) made once, so a request shares it.
pub struct Tokens {
    tokens: Vec<(String, [u8; 32], Arc<str>)>,
}

impl Tokens {
    pub fn new(tokens: Vec<(String, String)>) -> Tokens {
        Tokens {
            tokens: tokens
                .into_iter()
                .map(|(name, value)| {
                    let client = format!("token:{name}").into();
                    (name, Sha256::digest(value.as_bytes()).into(), client)
                })
                .collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// The name of the token `presented` matches. Every token is compared, in constant time.
    pub fn check(&self, presented: &str) -> Option<&str> {
        self.find(presented).map(|(name, _)| name)
    }

    /// The client key (`token:NAME`) of the token `presented` matches.
    fn client(&self, presented: &str) -> Option<&Arc<str>> {
        self.find(presented).map(|(_, client)| client)
    }

    fn find(&self, presented: &str) -> Option<(&str, &Arc<str>)> {
        let digest: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        let mut found = None;
        for (name, token, client) in &self.tokens {
            if bool::from(token.ct_eq(&digest)) {
                found = Some((name.as_str(), client));
            }
        }
        found
    }
}

pub struct AppState {
    pub engine: Arc<Engine>,
    pub tokens: Tokens,
    /// Keyed by the client: shared text (`Arc<str>`), so a request's check copies none.
    pub limiter: DefaultKeyedRateLimiter<Arc<str>>,
    pub web_chat: bool,
    /// Shown on the web chat page when the last recompile failed (`csflow serve`).
    pub compile_error: std::sync::RwLock<Option<String>>,
    pub voice: Option<crate::voice::Voice>,
}

pub fn rate_limiter(limits: &crate::config::Limits) -> DefaultKeyedRateLimiter<Arc<str>> {
    let per_second = NonZeroU32::new(limits.requests_per_second.max(1)).unwrap_or(NonZeroU32::MIN);
    let burst = NonZeroU32::new(limits.burst.max(1)).unwrap_or(NonZeroU32::MIN);
    governor::RateLimiter::keyed(Quota::per_second(per_second).allow_burst(burst))
}

/// The peer's IP address as the rate limiter and the per-client conversation count key it,
/// formatted once when the connection is accepted rather than on every request of it.
#[derive(Clone)]
pub struct Peer(pub Arc<str>);

/// The server's listener: TCP, with `TCP_NODELAY` set on every accepted connection, so an
/// answer goes out at once instead of waiting for the client's ACK of the previous one
/// (Nagle's algorithm against a delayed ACK can cost up to 40 ms a turn).
pub struct Listener(pub tokio::net::TcpListener);

impl axum::serve::Listener for Listener {
    type Io = tokio::net::TcpStream;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        // axum's own accept loop: it retries (after a pause) when accepting fails.
        let (stream, addr) = axum::serve::Listener::accept(&mut self.0).await;
        if let Err(error) = stream.set_nodelay(true) {
            tracing::debug!(target: "csflow::server", %error, "cannot set TCP_NODELAY");
        }
        (stream, addr)
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.0.local_addr()
    }
}

/// A worker's connections: accepted on the main runtime (by [`Listener`]) and handed over
/// as std streams, registered here with the worker's own runtime.
pub struct Handed {
    pub incoming: tokio::sync::mpsc::UnboundedReceiver<(std::net::TcpStream, std::net::SocketAddr)>,
    /// The server's address (what `local_addr` reports).
    pub addr: std::net::SocketAddr,
}

impl axum::serve::Listener for Handed {
    type Io = tokio::net::TcpStream;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let Some((stream, addr)) = self.incoming.recv().await else {
                // The accept loop has stopped: nothing more comes; the graceful stop ends
                // the serving.
                return std::future::pending().await;
            };
            match tokio::net::TcpStream::from_std(stream) {
                Ok(stream) => return (stream, addr),
                Err(error) => {
                    tracing::debug!(target: "csflow::server", %error, "cannot take over a connection");
                }
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.addr)
    }
}

/// Every route. A turn (`POST /v1/conversations/{id}/input`) is usually answered by
/// [`crate::connection`] without passing through here: a layer added to the router or to
/// the `/v1` routes must be applied there too (the guard's functions are shared).
pub fn router(state: Arc<AppState>) -> Router {
    let api = Router::new()
        .route("/v1/conversations", post(start))
        .route("/v1/conversations/{id}/input", post(input))
        .route("/v1/conversations/{id}", get(show))
        .route("/v1/flows", get(flows))
        .route("/v1/voice/twilio", post(crate::voice::webhook))
        .route_layer(crate::guard::GuardLayer(state.clone()));
    let mut app = api
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics));
    if state.web_chat {
        app = app
            .route("/", get(web::index))
            .route("/chat.js", get(web::script))
            .route("/chat.css", get(web::style))
            .route("/status", get(web::status));
    }
    app.fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
}

async fn not_found() -> ApiError {
    ApiError::not_found("not_found", "no such route")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this route does not take that method",
    )
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

/// Who is calling, as the rate limiter and the per-client conversation count key it: the
/// peer address when no tokens are configured (or for a signed voice webhook), else the
/// presented token's `token:NAME` — shared with the connection's [`Peer`] or the token,
/// not copied per request; `None` without a valid token.
pub(crate) fn caller(state: &AppState, request: &Request) -> Option<Arc<str>> {
    let peer = request
        .extensions()
        .get::<ConnectInfo<Peer>>()
        .map(|ConnectInfo(Peer(ip))| ip);
    caller_from(state, request, peer)
}

/// [`caller`] with the connection's peer address given (the turn's short way in
/// [`crate::connection`] does not put it in the request's extensions).
pub(crate) fn caller_from(
    state: &AppState,
    request: &Request,
    peer: Option<&Arc<str>>,
) -> Option<Arc<str>> {
    let is_voice = request.uri().path() == "/v1/voice/twilio";
    if state.tokens.is_empty() || (is_voice && state.voice_signed()) {
        Some(peer.cloned().unwrap_or_else(|| "local".into()))
    } else {
        bearer(request.headers())
            .and_then(|t| state.tokens.client(t))
            .cloned()
    }
}

impl AppState {
    pub(crate) fn voice_signed(&self) -> bool {
        self.voice.as_ref().is_some_and(|v| v.signed())
    }
}

/// Reads the body: 413 past the limit, 400 unless it is a JSON object.
pub async fn read_body(request: Request, limit: usize) -> Result<axum::body::Bytes, ApiError> {
    let too_large = || {
        ApiError::too_large(
            "body_too_large",
            format!("the request body is larger than {limit} bytes"),
        )
    };
    if let Some(length) = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        && length > limit
    {
        return Err(too_large());
    }
    axum::body::to_bytes(request.into_body(), limit)
        .await
        .map_err(|_| too_large())
}

async fn read_json(
    request: Request,
    limit: usize,
) -> Result<serde_json::Map<String, serde_json::Value>, ApiError> {
    let bytes = read_body(request, limit).await?;
    let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(invalid_json)?;
    match value {
        serde_json::Value::Object(map) => Ok(map),
        _ => Err(ApiError::bad_request(
            "invalid_body",
            "the body must be a JSON object",
        )),
    }
}

fn invalid_json(error: serde_json::Error) -> ApiError {
    ApiError::bad_request(
        "invalid_json",
        format!(
            "the body is not valid JSON (line {}, column {})",
            error.line(),
            error.column()
        ),
    )
}

fn unknown_field(key: &str, known: &[&str]) -> ApiError {
    let shown: String = key.chars().take(40).collect();
    ApiError::bad_request(
        "unknown_field",
        format!(
            "unknown field `{shown}`; this route takes {}",
            known.join(", ")
        ),
    )
}

fn refuse_unknown(
    body: &serde_json::Map<String, serde_json::Value>,
    known: &[&str],
) -> Result<(), ApiError> {
    for key in body.keys() {
        if !known.contains(&key.as_str()) {
            return Err(unknown_field(key, known));
        }
    }
    Ok(())
}

fn valid_id(id: &str) -> Result<(), ApiError> {
    if id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(())
    } else {
        let shown: String = id.chars().take(40).collect();
        Err(ApiError::not_found(
            "unknown_conversation",
            format!("no conversation `{shown}`"),
        ))
    }
}

fn json_response(status: StatusCode, body: Vec<u8>) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// Parses a start body: `{"flow":"…","channel":"chat"|"voice"?,"variables":{…}?}`.
pub fn parse_start(
    body: &serde_json::Map<String, serde_json::Value>,
) -> Result<StartRequest, ApiError> {
    refuse_unknown(body, &["flow", "channel", "variables"])?;
    let flow = match body.get("flow") {
        Some(serde_json::Value::String(flow)) => flow.clone(),
        Some(_) => {
            return Err(ApiError::bad_request(
                "wrong_type",
                "`flow` must be a string",
            ));
        }
        None => return Err(ApiError::bad_request("missing_field", "`flow` is required")),
    };
    let channel = match body.get("channel") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(c)) if c == "chat" => Some(Channel::Chat),
        Some(serde_json::Value::String(c)) if c == "voice" => Some(Channel::Voice),
        Some(_) => {
            return Err(ApiError::bad_request(
                "wrong_type",
                "`channel` must be \"chat\" or \"voice\"",
            ));
        }
    };
    let variables = match body.get("variables") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::Object(map)) => Some(map.clone()),
        Some(_) => {
            return Err(ApiError::bad_request(
                "wrong_type",
                "`variables` must be an object of slot names to values",
            ));
        }
    };
    Ok(StartRequest {
        flow,
        channel,
        variables,
        call: None,
    })
}

const INPUT_FIELDS: &[&str] = &["text", "keys", "event"];

/// Parses an input body: exactly one of `text`, `keys`, `event: "no_input"`. The bytes are
/// read into [`InputBody`] rather than a map of owned keys and values (a turn's body is one
/// short field; the map was a third of the body's cost), with the answers the map gave:
/// invalid JSON first, then a non-object, the first unknown key in sorted order, the number
/// of fields, each field's type.
pub fn parse_input(bytes: &[u8], max_text_chars: usize) -> Result<Input, ApiError> {
    let MaybeObject::Object(body) = serde_json::from_slice(bytes).map_err(invalid_json)? else {
        return Err(ApiError::bad_request(
            "invalid_body",
            "the body must be a JSON object",
        ));
    };
    if let Some(key) = &body.unknown {
        return Err(unknown_field(key, INPUT_FIELDS));
    }
    let exactly_one = || {
        ApiError::bad_request(
            "invalid_body",
            "send exactly one of `text`, `keys` or `event`",
        )
    };
    if body.known != 1 {
        return Err(exactly_one());
    }
    let too_long = || {
        ApiError::too_large(
            "text_too_long",
            format!("the input is longer than {max_text_chars} characters"),
        )
    };
    let not_string =
        |key: &str| ApiError::bad_request("wrong_type", format!("`{key}` must be a string"));
    match (body.text, body.keys, body.event) {
        (Some(serde_json::Value::String(text)), _, _) => {
            if text.chars().count() > max_text_chars {
                return Err(too_long());
            }
            Ok(Input::Text(text))
        }
        (Some(_), _, _) => Err(not_string("text")),
        (_, Some(serde_json::Value::String(keys)), _) => {
            if keys.len() > max_text_chars {
                return Err(too_long());
            }
            if keys.is_empty()
                || !keys
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b == b'*' || b == b'#')
            {
                return Err(ApiError::bad_request(
                    "invalid_keys",
                    "`keys` must be keypad keys: digits, * and #",
                ));
            }
            Ok(Input::Keys(keys))
        }
        (_, Some(_), _) => Err(not_string("keys")),
        (_, _, Some(serde_json::Value::String(event))) => {
            if event == "no_input" {
                Ok(Input::NoInput)
            } else {
                Err(ApiError::bad_request(
                    "invalid_event",
                    "the only `event` is \"no_input\"",
                ))
            }
        }
        (_, _, Some(_)) => Err(not_string("event")),
        (None, None, None) => Err(exactly_one()),
    }
}

/// An input body as the checks of [`parse_input`] need it, read straight from the bytes
/// (no map of owned keys per turn): each known key's last value (a repeated key keeps its
/// last value, as a JSON object map does), how many distinct known keys there were, and
/// the first unknown key in sorted order — what the checks saw when they read a map.
#[derive(Default)]
struct InputBody {
    text: Option<serde_json::Value>,
    keys: Option<serde_json::Value>,
    event: Option<serde_json::Value>,
    known: usize,
    unknown: Option<String>,
}

/// A JSON body: an object read as [`InputBody`], or anything else (read in full, so a
/// malformed value is still `invalid_json`, at the same line and column).
enum MaybeObject {
    Object(InputBody),
    Other,
}

/// An object key, borrowed from the body unless it holds escapes.
struct Key<'a>(std::borrow::Cow<'a, str>);

impl<'de> serde::Deserialize<'de> for Key<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, key: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(key.into()))
            }
            fn visit_str<E>(self, key: &str) -> Result<Key<'de>, E> {
                Ok(Key(key.to_string().into()))
            }
        }
        deserializer.deserialize_str(Visit)
    }
}

impl<'de> serde::Deserialize<'de> for MaybeObject {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = MaybeObject;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<MaybeObject, A::Error> {
                let mut body = InputBody::default();
                while let Some(Key(key)) = map.next_key()? {
                    let value: serde_json::Value = map.next_value()?;
                    let slot = match &*key {
                        "text" => &mut body.text,
                        "keys" => &mut body.keys,
                        "event" => &mut body.event,
                        other => {
                            if body.unknown.as_deref().is_none_or(|first| other < first) {
                                body.unknown = Some(other.to_string());
                            }
                            continue;
                        }
                    };
                    if slot.replace(value).is_none() {
                        body.known += 1;
                    }
                }
                Ok(MaybeObject::Object(body))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<MaybeObject, A::Error> {
                while seq.next_element::<serde_json::Value>()?.is_some() {}
                Ok(MaybeObject::Other)
            }
            fn visit_bool<E>(self, _: bool) -> Result<MaybeObject, E> {
                Ok(MaybeObject::Other)
            }
            fn visit_i64<E>(self, _: i64) -> Result<MaybeObject, E> {
                Ok(MaybeObject::Other)
            }
            fn visit_u64<E>(self, _: u64) -> Result<MaybeObject, E> {
                Ok(MaybeObject::Other)
            }
            fn visit_f64<E>(self, _: f64) -> Result<MaybeObject, E> {
                Ok(MaybeObject::Other)
            }
            fn visit_str<E>(self, _: &str) -> Result<MaybeObject, E> {
                Ok(MaybeObject::Other)
            }
            fn visit_unit<E>(self) -> Result<MaybeObject, E> {
                Ok(MaybeObject::Other)
            }
        }
        deserializer.deserialize_any(Visit)
    }
}

async fn start(State(state): State<Arc<AppState>>, request: Request) -> Result<Response, ApiError> {
    let client = client_of(&state, &request);
    let body = read_json(request, state.engine.limits.max_body_bytes).await?;
    let start = parse_start(&body)?;
    let (_, turn) = state.engine.start(&client, start, render_json()).await?;
    Ok(json_response(StatusCode::CREATED, turn))
}

async fn input(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    turn_input(&state, id, request).await
}

/// `POST /v1/conversations/{id}/input` past the guard: through the router, or straight from
/// [`crate::connection`] for the usual request.
pub(crate) async fn turn_input(
    state: &AppState,
    id: String,
    request: Request,
) -> Result<Response, ApiError> {
    valid_id(&id)?;
    let bytes = read_body(request, state.engine.limits.max_body_bytes).await?;
    let input = parse_input(&bytes, state.engine.limits.max_text_chars)?;
    let turn = state.engine.input(&id, input, render_json()).await?;
    Ok(json_response(StatusCode::OK, turn))
}

async fn show(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    valid_id(&id)?;
    let json = state.engine.show(&id).await?;
    Ok(json_response(StatusCode::OK, json.to_string().into_bytes()))
}

/// `GET /v1/flows`: the flows of the current bundle (names and channels), for clients that
/// let a user pick one (the web chat page).
async fn flows(State(state): State<Arc<AppState>>) -> Response {
    let loaded = state.engine.bundles.current();
    let b = &loaded.bundle;
    let flows: Vec<serde_json::Value> = b
        .flows
        .iter()
        .map(|f| serde_json::json!({"name": b.str(f.name), "channel": f.channel.as_str()}))
        .collect();
    let json = serde_json::json!({"bundle": loaded.id, "flows": flows});
    json_response(StatusCode::OK, json.to_string().into_bytes())
}

/// The caller of a request that passed [`crate::guard`], as text.
pub fn client_of(state: &AppState, request: &Request) -> String {
    caller(state, request).map_or_else(|| "local".into(), |client| client.to_string())
}

async fn healthz() -> Response {
    json_response(StatusCode::OK, br#"{"status":"ok"}"#.to_vec())
}

async fn readyz(State(state): State<Arc<AppState>>) -> Response {
    let bundle = state.engine.bundles.current().id.clone();
    match state.engine.store.ping().await {
        Ok(()) => json_response(
            StatusCode::OK,
            serde_json::json!({"status": "ready", "bundle": bundle, "store": state.engine.store.kind()})
                .to_string()
                .into_bytes(),
        ),
        Err(error) => {
            state.engine.metrics.store_error("ping");
            let message = match error {
                crate::store::StoreError::Backend(m) => m,
                other => format!("{other:?}"),
            };
            json_response(
                StatusCode::SERVICE_UNAVAILABLE,
                serde_json::json!({"status": "not_ready", "error": {"code": "store_unavailable", "message": message}})
                    .to_string()
                    .into_bytes(),
            )
        }
    }
}

async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    let mut response = (StatusCode::OK, Body::from(state.engine.metrics.render())).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    response
}

#[cfg(test)]
#[path = "http_input_tests.rs"]
mod input_tests;
