//! The external intent classifier (`[intent_classifier]` in the config): for a business
//! whose callers the offline matcher does not understand well enough, an HTTP endpoint
//! that scores a text against the bundle's intents. Before a text turn the engine POSTs
//! `{"text":"…","intents":["a","b",…],"flow":"…","state":"…"}` and expects `2xx` with
//! `{"scores":{"a":0.93,"b":0.01,…}}` (an intent left out scores 0; scores are clamped to
//! 0..1). The offline matcher stays the default and the fallback: a connection error, a
//! non-2xx status, the time-out passing or a malformed answer leave the turn to it, so the
//! classifier being down costs the time-out and nothing else. Keyed input, time-outs and
//! the answer to an `ask` of a sensitive slot are never sent.

use crate::config::{ClassifierConfig, ConfigError, env_headers};
use crate::metrics::{ClassifierLabel, Metrics};
use std::time::{Duration, Instant};

pub struct Classifier {
    http: reqwest::Client,
    url: String,
    headers: Vec<(String, String)>,
    timeout: Duration,
}

/// What a turn is about, sent beside the text (names from the bundle, never a value).
pub struct Asked<'a> {
    pub text: &'a str,
    pub intents: &'a [&'a str],
    pub flow: &'a str,
    pub state: &'a str,
}

impl Classifier {
    pub fn from_config(config: &ClassifierConfig) -> Result<Classifier, ConfigError> {
        if !config.url.starts_with("http://") && !config.url.starts_with("https://") {
            return Err(ConfigError(format!(
                "intent_classifier: url `{}` is not http://…",
                config.url
            )));
        }
        if config.timeout_ms == 0 {
            return Err(ConfigError(
                "intent_classifier: timeout_ms must be at least 1".into(),
            ));
        }
        let headers = env_headers("intent_classifier", &config.headers_from_env)?;
        let http = reqwest::Client::builder()
            .build()
            .map_err(|e| ConfigError(format!("HTTP client: {e}")))?;
        Ok(Classifier {
            http,
            url: config.url.clone(),
            headers,
            timeout: Duration::from_millis(config.timeout_ms),
        })
    }

    /// One score per intent of `asked.intents` (in that order), or `None` when the
    /// classifier did not answer well in time (the offline matcher answers instead).
    pub async fn scores(&self, asked: &Asked<'_>, metrics: &Metrics) -> Option<Vec<f32>> {
        let started = Instant::now();
        let body = serde_json::json!({
            "text": asked.text,
            "intents": asked.intents,
            "flow": asked.flow,
            "state": asked.state,
        });
        let mut request = self.http.post(&self.url).json(&body);
        for (name, value) in &self.headers {
            request = request.header(name, value);
        }
        let outcome = tokio::time::timeout(self.timeout, async {
            let response = request.send().await.map_err(|_| "failed")?;
            if !response.status().is_success() {
                return Err("failed");
            }
            let json: serde_json::Value = response.json().await.map_err(|_| "malformed")?;
            read_scores(&json, asked.intents).ok_or("malformed")
        })
        .await;
        let (label, scores) = match outcome {
            Ok(Ok(scores)) => ("ok", Some(scores)),
            Ok(Err(label)) => (label, None),
            Err(_) => ("timeout", None),
        };
        metrics
            .classifier_latency
            .get_or_create(&ClassifierLabel { outcome: label })
            .observe(started.elapsed().as_secs_f64());
        if scores.is_none() {
            tracing::warn!(
                target: "csflow::classifier",
                outcome = label,
                flow = asked.flow,
                state = asked.state,
                "intent classifier did not answer; the offline matcher answered"
            );
        }
        scores
    }
}

/// `{"scores":{"name":number,…}}` → one score per intent, in order; names it does not know
/// are ignored, intents it leaves out score 0. Anything else is malformed.
fn read_scores(json: &serde_json::Value, intents: &[&str]) -> Option<Vec<f32>> {
    let scores = json.get("scores")?.as_object()?;
    if scores.values().any(|v| !v.is_number()) {
        return None;
    }
    Some(
        intents
            .iter()
            .map(|name| {
                scores
                    .get(*name)
                    .and_then(serde_json::Value::as_f64)
                    .map_or(0.0, |s| s as f32)
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn scores_are_read_by_name_in_bundle_order_and_anything_else_is_malformed() {
        let intents = ["agent", "lost_card", "balance"];
        assert_eq!(
            read_scores(
                &json!({"scores": {"lost_card": 0.9, "agent": 0.2, "weather": 1}}),
                &intents
            ),
            Some(vec![0.2, 0.9, 0.0])
        );
        assert_eq!(
            read_scores(&json!({"scores": [0.1, 0.2, 0.3]}), &intents),
            None
        );
        assert_eq!(
            read_scores(&json!({"scores": {"agent": "high"}}), &intents),
            None
        );
        assert_eq!(read_scores(&json!({"intent": "agent"}), &intents), None);
        assert_eq!(read_scores(&json!([1, 2]), &intents), None);
    }
}
