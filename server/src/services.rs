//! Services over HTTP. An operation `OP` of service `S` is `POST {url}/{OP}` (the URL from
//! the config's `[services.S]`) with the JSON body
//! `{"service":"S","operation":"OP","args":{"param":value,…}}` and the configured headers;
//! the answer must be `2xx` with a JSON object holding every declared result field with a
//! value of its declared type (converted by the runtime's
//! [`csflow_runtime::services::typed_result`], the one conversion every host shares: `"09:30"`
//! for a `time` field becomes a time). Anything else — a connection error, a non-2xx status,
//! the declared `timeout` passing, a body that is not such an object — is a failed call, and
//! the flow runs its `on error`.

use crate::config::{Config, ConfigError, env_headers};
use crate::metrics::{Metrics, ServiceLabel};
use csflow_runtime::bundle::Operation;
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

    /// One call, asynchronously, bounded by `timeout`; the answer is made into the declared
    /// result record of `declared` (`None`: the bundle does not declare the operation, any
    /// JSON object is kept as it is).
    pub async fn call(
        &self,
        service: &str,
        operation: &str,
        args: serde_json::Value,
        timeout: Duration,
        declared: Option<(&Bundle, &Operation)>,
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
            let answer = Value::from_json(&json);
            match declared {
                Some((bundle, op)) => csflow_runtime::services::typed_result(bundle, op, answer)
                    .map_err(|error| ("malformed", error)),
                None => Ok(answer),
            }
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

/// The declaration of `service.operation` in `bundle`.
fn declared<'b>(bundle: &'b Bundle, service: &str, operation: &str) -> Option<&'b Operation> {
    bundle
        .services
        .iter()
        .find(|s| bundle.str(s.name) == service)?
        .operations
        .iter()
        .find(|o| bundle.str(o.name) == operation)
}

impl ServiceClients {
    /// Answers the VM's call request: the call bounded by the service's declared timeout
    /// (10 s when it declares none), the answer converted to the declared result record.
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
        let op = declared(bundle, request.service, request.operation);
        self.call(
            request.service,
            request.operation,
            request.args_json(false),
            timeout,
            op.map(|op| (bundle, op)),
            metrics,
        )
        .await
    }
}

/// A call to a service that declares no `timeout`.
const DEFAULT_TIMEOUT_MS: u32 = 10_000;
