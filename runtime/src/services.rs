//! The host's side of a service call: what a `call` statement asks for ([`CallRequest`]),
//! how it can fail ([`ServiceError`]), and the synchronous [`Services`] convenience with its
//! two small implementations — [`NoServices`] and [`Mocks`] (a test's `mock` lines,
//! `csflow run --mock`, a server's dry-run mode).
//!
//! The VM itself never calls anything: a turn that reaches a `call` stops with status
//! `calling` and hands the host a [`CallRequest`]; the host answers with
//! [`crate::Conversation::resume`] whenever the answer arrives (see `vm.rs`). A [`Services`]
//! implementation is only the blocking way of answering, which
//! [`crate::Conversation::drive`] loops over.

use crate::value::Value;
use serde::Serialize;

mod typed;
use std::collections::BTreeMap;
use std::fmt;
pub use typed::{typed_result, typed_value};

/// One argument of a call: the parameter's declared name (borrowed from the bundle, so a call
/// allocates no names) and the value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallArg<'b> {
    pub name: &'b str,
    pub value: Value,
    /// The value came from a `sensitive` slot: a host that logs requests masks it.
    pub sensitive: bool,
}

/// What a `call` statement asks the host to do: `service.operation(args…)`, answered within
/// `timeout_ms`. Names are borrowed from the bundle the conversation runs on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallRequest<'b> {
    pub service: &'b str,
    pub operation: &'b str,
    /// One per declared parameter, in declaration order.
    pub args: Vec<CallArg<'b>>,
    /// The service's declared `timeout`; `None` when it declares none (the host picks its
    /// default). The VM does not time anything: enforcing it is the host's job, and a
    /// timed-out call is answered with [`ServiceError::Timeout`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u32>,
}

impl CallRequest<'_> {
    /// The argument named `name`.
    pub fn arg(&self, name: &str) -> Option<&Value> {
        self.args.iter().find(|a| a.name == name).map(|a| &a.value)
    }

    /// The arguments as one JSON object (`{"last4": "1234"}`), the body most HTTP services
    /// take; `masked` replaces sensitive values with `"***"` (for logs).
    pub fn args_json(&self, masked: bool) -> serde_json::Value {
        serde_json::Value::Object(
            self.args
                .iter()
                .map(|a| {
                    let value = if masked && a.sensitive {
                        serde_json::Value::String(crate::value::MASK.into())
                    } else {
                        a.value.to_json()
                    };
                    (a.name.to_string(), value)
                })
                .collect(),
        )
    }
}

/// A failed service call; the flow's nearest `on error` runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServiceError {
    Failed(String),
    Timeout,
    /// No client is configured for the service.
    Unavailable,
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServiceError::Failed(message) => write!(f, "failed: {message}"),
            ServiceError::Timeout => write!(f, "timed out"),
            ServiceError::Unavailable => write!(f, "no client configured"),
        }
    }
}

impl std::error::Error for ServiceError {}

/// Services answered on the spot (blocking): what `csflow test` and `csflow run` use through
/// [`crate::Conversation::start`] / [`crate::Conversation::input`]. Implementations enforce
/// [`CallRequest::timeout_ms`] and return the result record. A server that must not block a
/// thread per call uses the `calling` status and `resume` instead.
pub trait Services {
    fn call(&mut self, request: &CallRequest<'_>) -> Result<Value, ServiceError>;

    /// The project's external intent classifier, if the host configured one (see
    /// [`IntentClassifier`]); `None`, the default, uses the offline matcher only. Asked by
    /// the synchronous [`crate::Conversation::input`]; a host driving the step API asks its
    /// classifier itself and hands the scores to [`crate::Conversation::send_with_intents`].
    fn intent_classifier(&mut self) -> Option<&mut dyn IntentClassifier> {
        None
    }
}

/// An external intent classifier, for a business whose callers the offline matcher does not
/// understand well enough: an HTTP endpoint returning intent scores, configured per project
/// by the host. The runtime has no network code — the HTTP client lives in the server, which
/// asks it before handing the input to the conversation. The offline matcher stays the
/// default and the fallback: on an error, or scores for a different number of intents than
/// the bundle has, the turn uses the offline scores.
pub trait IntentClassifier {
    /// One score in 0..1 per name in `intents` (the bundle's intents, in bundle order).
    fn classify(&mut self, text: &str, intents: &[&str]) -> Result<Vec<f32>, String>;
}

/// Services that always fail with [`ServiceError::Unavailable`].
#[derive(Debug, Default, Clone, Copy)]
pub struct NoServices;

impl Services for NoServices {
    fn call(&mut self, _: &CallRequest<'_>) -> Result<Value, ServiceError> {
        Err(ServiceError::Unavailable)
    }
}

/// Service calls as mocked (a test's `mock` lines, `csflow run --mock`): per
/// `service.operation` a record, or a failure; an operation without a mock fails as an
/// unavailable service would, so the flow's `on error` runs.
#[derive(Debug, Default, Clone)]
pub struct Mocks(BTreeMap<(String, String), Option<Value>>);

impl Mocks {
    /// `service.operation` answers `answer` from now on; `None` makes it fail.
    pub fn insert(&mut self, service: &str, operation: &str, answer: Option<Value>) {
        self.0
            .insert((service.to_string(), operation.to_string()), answer);
    }

    /// The answer to `service.operation`, without building an owned key.
    pub fn answer(&self, service: &str, operation: &str) -> Result<Value, ServiceError> {
        let found = self
            .0
            .iter()
            .find(|((s, o), _)| s == service && o == operation)
            .map(|(_, answer)| answer);
        match found {
            Some(Some(value)) => Ok(value.clone()),
            Some(None) => Err(ServiceError::Failed("mocked to fail".into())),
            None => Err(ServiceError::Unavailable),
        }
    }
}

impl Services for Mocks {
    fn call(&mut self, request: &CallRequest<'_>) -> Result<Value, ServiceError> {
        self.answer(request.service, request.operation)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> CallRequest<'static> {
        CallRequest {
            service: "cards",
            operation: "block",
            args: vec![
                CallArg {
                    name: "last4",
                    value: Value::Text("1234".into()),
                    sensitive: true,
                },
                CallArg {
                    name: "reason",
                    value: Value::Text("lost".into()),
                    sensitive: false,
                },
            ],
            timeout_ms: Some(3000),
        }
    }

    #[test]
    fn mocks_answer_fail_or_are_unavailable() {
        let mut mocks = Mocks::default();
        mocks.insert("cards", "block", Some(Value::Record(vec![])));
        mocks.insert("cards", "limit", None);
        assert_eq!(mocks.call(&request()), Ok(Value::Record(vec![])));
        let mut limit = request();
        limit.operation = "limit";
        assert!(matches!(mocks.call(&limit), Err(ServiceError::Failed(_))));
        limit.service = "accounts";
        assert_eq!(mocks.call(&limit), Err(ServiceError::Unavailable));
        assert_eq!(NoServices.call(&request()), Err(ServiceError::Unavailable));
    }

    #[test]
    fn request_arguments_by_name_and_as_json() {
        let request = request();
        assert_eq!(request.arg("reason"), Some(&Value::Text("lost".into())));
        assert_eq!(request.arg("nope"), None);
        assert_eq!(
            request.args_json(false),
            serde_json::json!({"last4": "1234", "reason": "lost"})
        );
        assert_eq!(
            request.args_json(true),
            serde_json::json!({"last4": "***", "reason": "lost"})
        );
    }
}
