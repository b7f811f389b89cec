//! The server's TOML configuration file: API tokens, limits, session expiry, service
//! endpoints, the hand-off webhook and the voice webhook. Secrets (service headers, the
//! voice provider's auth token) are named by environment variable, never written in the
//! file; API tokens may be either.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// The whole file. Every section and field is optional; defaults are sane for one machine.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// API bearer tokens. With none, the API is open and only loopback listening is allowed.
    #[serde(default, rename = "token")]
    pub tokens: Vec<TokenConfig>,
    #[serde(default)]
    pub limits: Limits,
    #[serde(default)]
    pub sessions: Sessions,
    /// Service name (as declared in the flows) → where and how to call it.
    #[serde(default)]
    pub services: BTreeMap<String, ServiceConfig>,
    pub handoff: Option<HandoffConfig>,
    #[serde(default)]
    pub voice: VoiceConfig,
    /// An external intent classifier asked before each text turn; without one, the offline
    /// matcher alone scores intents.
    pub intent_classifier: Option<ClassifierConfig>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassifierConfig {
    /// Where the text and the bundle's intent names are POSTed.
    pub url: String,
    /// Extra headers: header name → environment variable holding its value.
    #[serde(default)]
    pub headers_from_env: BTreeMap<String, String>,
    /// How long a turn waits for the scores before the offline matcher answers instead.
    #[serde(default = "default_classifier_timeout")]
    pub timeout_ms: u64,
}

fn default_classifier_timeout() -> u64 {
    300
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenConfig {
    /// Who holds the token: names the client in limits and logs (the token never appears).
    pub name: String,
    /// The token itself …
    pub value: Option<String>,
    /// … or the environment variable that holds it.
    pub env: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Largest request body in bytes (413 beyond).
    pub max_body_bytes: usize,
    /// Longest input text in characters (413 beyond).
    pub max_text_chars: usize,
    /// Live conversations one client (token, or address without tokens) may hold (429 beyond).
    pub max_conversations_per_client: usize,
    /// Requests per second per client, sustained (429 with Retry-After beyond).
    pub requests_per_second: u32,
    /// Requests a client may send in one burst above the sustained rate.
    pub burst: u32,
    /// A request taking longer is answered 503 `timeout`.
    pub request_timeout_ms: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_body_bytes: 64 * 1024,
            max_text_chars: 2_000,
            max_conversations_per_client: 10_000,
            requests_per_second: 100,
            burst: 200,
            request_timeout_ms: 15_000,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Sessions {
    /// A conversation with no turn for this long expires (its id then answers 404 "expired").
    pub idle_timeout_secs: u64,
    /// How long an expired id is still recognised as expired (rather than unknown).
    pub remember_expired_secs: u64,
    /// Keep each conversation's transcript (GET shows it, hand-offs send it).
    pub transcript: bool,
}

impl Default for Sessions {
    fn default() -> Sessions {
        Sessions {
            idle_timeout_secs: 30 * 60,
            remember_expired_secs: 24 * 3600,
            transcript: true,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceConfig {
    /// `http://host:port/path`: an operation `op` is POSTed to `{url}/{op}`.
    pub url: String,
    /// Extra request headers: header name → environment variable holding its value.
    #[serde(default)]
    pub headers_from_env: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HandoffConfig {
    /// Where hand-offs are POSTed.
    pub url: String,
    /// Extra headers: header name → environment variable holding its value.
    #[serde(default)]
    pub headers_from_env: BTreeMap<String, String>,
    /// First retry delay; doubles each attempt up to `max_backoff_ms`.
    #[serde(default = "default_backoff")]
    pub initial_backoff_ms: u64,
    #[serde(default = "default_max_backoff")]
    pub max_backoff_ms: u64,
}

fn default_backoff() -> u64 {
    500
}

fn default_max_backoff() -> u64 {
    5 * 60 * 1000
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VoiceConfig {
    /// Environment variable with the provider's auth token: when set, every voice webhook
    /// request must carry a valid `X-Twilio-Signature`.
    pub auth_token_env: Option<String>,
    /// The public URL the provider calls (signatures are computed over it); default: the
    /// request's Host and path.
    pub public_url: Option<String>,
    /// Queue name → phone number or SIP address to `<Dial>`; queues not listed `<Enqueue>`.
    #[serde(default)]
    pub dial: BTreeMap<String, String>,
    /// The flow a call starts (default: the bundle's only voice flow).
    pub flow: Option<String>,
    /// Seconds a `<Gather>` waits for the caller (an input point's `timeout` wins).
    pub gather_timeout_secs: Option<u32>,
    /// Where recorded prompts given as project-relative paths (`play "audio/x.wav"`) are
    /// served from, e.g. `https://cdn.example.com/ivr`; without it the path is played as is.
    pub audio_base_url: Option<String>,
}

/// A configuration problem, worded for the operator.
#[derive(Debug)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Config {
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError(format!("cannot read {}: {e}", path.display())))?;
        Config::parse(&text).map_err(|e| ConfigError(format!("{}: {}", path.display(), e.0)))
    }

    pub fn parse(text: &str) -> Result<Config, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError(e.to_string()))
    }

    /// The tokens with their values resolved (from the file or the environment).
    pub fn resolved_tokens(&self) -> Result<Vec<(String, String)>, ConfigError> {
        self.tokens
            .iter()
            .map(|t| {
                let value = match (&t.value, &t.env) {
                    (Some(v), None) => v.clone(),
                    (None, Some(var)) => std::env::var(var).map_err(|_| {
                        ConfigError(format!(
                            "token `{}`: environment variable {var} is not set",
                            t.name
                        ))
                    })?,
                    _ => {
                        return Err(ConfigError(format!(
                            "token `{}`: give exactly one of `value` or `env`",
                            t.name
                        )));
                    }
                };
                if value.len() < 16 {
                    return Err(ConfigError(format!(
                        "token `{}` is shorter than 16 characters",
                        t.name
                    )));
                }
                Ok((t.name.clone(), value))
            })
            .collect()
    }
}

/// Reads `headers_from_env` into (name, value) pairs; a missing variable is an error.
pub fn env_headers(
    what: &str,
    headers: &BTreeMap<String, String>,
) -> Result<Vec<(String, String)>, ConfigError> {
    headers
        .iter()
        .map(|(name, var)| {
            std::env::var(var)
                .map(|value| (name.clone(), value))
                .map_err(|_| {
                    ConfigError(format!(
                        "{what}: header {name} reads environment variable {var}, which is not set"
                    ))
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_full_file_and_refuses_unknown_keys() {
        let config = Config::parse(
            r#"
[[token]]
name = "web"
value = "0123456789abcdef0123"

[limits]
max_body_bytes = 1000

[services.card_api]
url = "http://127.0.0.1:9000/cards"
headers_from_env = { Authorization = "CARD_API_AUTH" }

[handoff]
url = "http://127.0.0.1:9001/handoff"
"#,
        )
        .expect("parses");
        assert_eq!(config.limits.max_body_bytes, 1000);
        assert_eq!(config.limits.max_text_chars, 2000);
        assert_eq!(config.resolved_tokens().expect("tokens")[0].0, "web");
        let error = Config::parse("[limits]\nmax_bodyy = 3\n").expect_err("unknown key");
        assert!(error.0.contains("max_bodyy"), "{}", error.0);
        let short = Config::parse("[[token]]\nname = \"a\"\nvalue = \"short\"\n").expect("parses");
        assert!(short.resolved_tokens().is_err());
    }
}
