//! Services over HTTP. An operation `OP` of service `S` is `POST {url}/{OP}` (the URL from
//! the config's `[services.S]`) with the JSON body
//! `{"service":"S","operation":"OP","args":{"param":value,…}}` and the configured headers;
//! the answer must be `2xx` with a JSON object holding the declared result fields. Anything
//! else — a connection error, a non-2xx status, the declared `timeout` passing, a body that
//! is not such an object — is a failed call, and the flow runs its `on error`.

use crate::config::{Config, ConfigError, env_headers};
use crate::metrics::{Metrics, ServiceLabel};
use csflow_runtime::bundle::SlotType;
use csflow_runtime::{Bundle, CallRequest, ServiceError, Value};
use std::collections::HashMap;
use std::time::{Duration, Instant};

struct Endpoint {
    url: String,
    headers: Vec<(String, String)>,
}

/// Where each service lives; shared by every turn.
pub struct ServiceClients {
    http: reqwest::Client,
    endpoints: HashMap<String, Endpoint>,
}

impl ServiceClients {
    pub fn from_config(config: &Config) -> Result<ServiceClients, ConfigError> {
        let mut endpoints = HashMap::new();
        for (name, service) in &config.services {
            let headers = env_headers(&format!("service {name}"), &service.headers_from_env)?;
            if !service.url.starts_with("http://") && !service.url.starts_with("https://") {
                return Err(ConfigError(format!(
                    "service {name}: url `{}` is not http://…",
                    service.url
                )));
            }
            endpoints.insert(
                name.clone(),
                Endpoint {
                    url: service.url.trim_end_matches('/').to_string(),
                    headers,
                },
            );
        }
        let http = reqwest::Client::builder()
            .build()
            .map_err(|e| ConfigError(format!("HTTP client: {e}")))?;
        Ok(ServiceClients { http, endpoints })
    }

    pub fn is_empty(&self) -> bool {
        self.endpoints.is_empty()
    }

    /// One call, asynchronously, bounded by `timeout`; the answer must hold every field of
    /// `returns` with a value of its kind.
    pub async fn call(
        &self,
        service: &str,
        operation: &str,
        args: serde_json::Value,
        timeout: Duration,
        returns: &[(String, Kind)],
        metrics: &Metrics,
    ) -> Result<Value, ServiceError> {
        let Some(endpoint) = self.endpoints.get(service) else {
            return Err(ServiceError::Unavailable);
        };
        let started = Instant::now();
        let body = serde_json::json!({
            "service": service,
            "operation": operation,
            "args": args,
        });
        let mut request = self
            .http
            .post(format!("{}/{operation}", endpoint.url))
            .json(&body);
        for (name, value) in &endpoint.headers {
            request = request.header(name, value);
        }
        let outcome = tokio::time::timeout(timeout, async {
            let response = request
                .send()
                .await
                .map_err(|e| ("failed", ServiceError::Failed(e.without_url().to_string())))?;
            let status = response.status();
            if !status.is_success() {
                return Err((
                    "failed",
                    ServiceError::Failed(format!("answered {}", status.as_u16())),
                ));
            }
            let json: serde_json::Value = response.json().await.map_err(|_| {
                (
                    "malformed",
                    ServiceError::Failed("the answer is not JSON".into()),
                )
            })?;
            if !json.is_object() {
                return Err((
                    "malformed",
                    ServiceError::Failed("the answer is not a JSON object".into()),
                ));
            }
            for (field, kind) in returns {
                if !kind.accepts(&json[field.as_str()]) {
                    return Err((
                        "malformed",
                        ServiceError::Failed(format!(
                            "the answer's `{field}` is missing or not {}",
                            kind.describe()
                        )),
                    ));
                }
            }
            Ok(Value::from_json(&json))
        })
        .await;
        let (label, result) = match outcome {
            Ok(Ok(value)) => ("ok", Ok(value)),
            Ok(Err((label, error))) => (label, Err(error)),
            Err(_) => ("timeout", Err(ServiceError::Timeout)),
        };
        metrics
            .service_latency
            .get_or_create(&ServiceLabel {
                service: service.to_string(),
                operation: operation.to_string(),
                outcome: label,
            })
            .observe(started.elapsed().as_secs_f64());
        result
    }
}

/// The JSON kind a declared result field must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    String,
    Number,
    Bool,
    Any,
}

impl Kind {
    pub fn of(ty: &SlotType) -> Kind {
        match ty {
            SlotType::Number | SlotType::Integer => Kind::Number,
            SlotType::Bool | SlotType::YesNo => Kind::Bool,
            SlotType::Record => Kind::Any,
            _ => Kind::String,
        }
    }

    fn accepts(self, json: &serde_json::Value) -> bool {
        match self {
            Kind::String => json.is_string(),
            Kind::Number => json.is_number(),
            Kind::Bool => json.is_boolean(),
            Kind::Any => !json.is_null(),
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Kind::String => "a string",
            Kind::Number => "a number",
            Kind::Bool => "true or false",
            Kind::Any => "set",
        }
    }
}

/// The declared result fields of `service.operation`.
pub fn declared_returns(bundle: &Bundle, service: &str, operation: &str) -> Vec<(String, Kind)> {
    bundle
        .services
        .iter()
        .find(|s| bundle.str(s.name) == service)
        .and_then(|s| {
            s.operations
                .iter()
                .find(|o| bundle.str(o.name) == operation)
        })
        .map(|o| {
            o.returns
                .iter()
                .map(|f| (bundle.str(f.name).to_string(), Kind::of(&f.ty)))
                .collect()
        })
        .unwrap_or_default()
}

impl ServiceClients {
    /// Answers the VM's call request: the call bounded by the service's declared timeout
    /// (10 s when it declares none), the answer checked against the declared result fields.
    pub async fn answer(
        &self,
        bundle: &Bundle,
        request: &CallRequest<'_>,
        metrics: &Metrics,
    ) -> Result<Value, ServiceError> {
        let timeout = Duration::from_millis(
            request
                .timeout_ms
                .filter(|ms| *ms > 0)
                .unwrap_or(DEFAULT_TIMEOUT_MS) as u64,
        );
        let returns = declared_returns(bundle, request.service, request.operation);
        self.call(
            request.service,
            request.operation,
            request.args_json(false),
            timeout,
            &returns,
            metrics,
        )
        .await
    }
}

/// A call to a service that declares no `timeout`.
const DEFAULT_TIMEOUT_MS: u32 = 10_000;
