//! The TwiML voice webhook, `POST /v1/voice/twilio`: a programmable-voice provider posts
//! form-encoded requests (`CallSid`, `From`, `Digits`, `SpeechResult`, …) and executes the
//! TwiML we answer.
//!
//! - The conversation is keyed by the call: its id is derived from `CallSid`, so every
//!   request of one call reaches the same conversation (also on another process with Redis).
//! - Prompts become `<Say>` with the prompt's `language` (the flow's or its own; else
//!   `zh-CN` for Chinese text); a recorded prompt becomes `<Play>` of its URL (a relative
//!   path is resolved against the voice config's `audio_base_url` when set). An input point
//!   becomes `<Gather input="dtmf speech">`: its `timeout`, `max_digits` and `finish_key`
//!   when the flow sets them, else the configured time-out, `numDigits` from the menu's keys
//!   or a fixed-length digits slot, and `finishOnKey="#"`; an empty gather comes back as
//!   `no_input` (`actionOnEmptyResult`).
//! - A hand-off is `<Enqueue>QUEUE</Enqueue>`, or `<Dial>NUMBER</Dial>` for queues the
//!   config maps to a number; a `transfer` is `<Dial>` of its number (`<Sip>` for a SIP
//!   address); an end is `<Hangup/>`.
//! - With an auth token configured, `X-Twilio-Signature` (base64 HMAC-SHA1 of the URL
//!   followed by every POST parameter, sorted, name then value) must match, else 401.

use crate::config::{ConfigError, VoiceConfig};
use crate::engine::{Render, StartRequest};
use crate::error::ApiError;
use crate::http::{AppState, client_of, read_body};
use crate::turn::output_language;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use csflow_runtime::bundle::{FlowChannel, SlotType};
use csflow_runtime::markup;
use csflow_runtime::vm::{ExpectKind, Output};
use csflow_runtime::{Bundle, Channel, Conversation, Input, Status, Turn};
use hmac::{Hmac, Mac};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;

/// Voice webhook settings.
pub struct Voice {
    auth_token: Option<String>,
    public_url: Option<String>,
    flow: Option<String>,
    render: Render,
}

struct Twiml {
    dial: BTreeMap<String, String>,
    gather_timeout: u32,
    action: String,
    /// Prefix for recorded prompts given as project-relative paths.
    audio_base_url: Option<String>,
}

impl Voice {
    pub fn from_config(config: &VoiceConfig) -> Result<Voice, ConfigError> {
        let auth_token = match &config.auth_token_env {
            Some(var) => Some(std::env::var(var).map_err(|_| {
                ConfigError(format!("voice: environment variable {var} is not set"))
            })?),
            None => None,
        };
        let twiml = Arc::new(Twiml {
            dial: config.dial.clone(),
            gather_timeout: config.gather_timeout_secs.unwrap_or(5).clamp(1, 60),
            action: "/v1/voice/twilio".into(),
            audio_base_url: config.audio_base_url.clone(),
        });
        let render: Render = Arc::new(
            move |_id: &str, turn: &Turn<'_>, bundle: &Bundle, c: &Conversation| {
                twiml.render(turn, bundle, c).into_bytes()
            },
        );
        Ok(Voice {
            auth_token,
            public_url: config.public_url.clone(),
            flow: config.flow.clone(),
            render,
        })
    }

    /// Whether requests must carry a valid `X-Twilio-Signature`.
    pub fn signed(&self) -> bool {
        self.auth_token.is_some()
    }
}

/// Text inside TwiML: the entities escaped, control characters left out (nothing to say).
fn escape(text: &str) -> String {
    markup::escape(text, markup::Controls::Drop)
}

impl Twiml {
    /// One output: `<Play>` for a recorded prompt, else `<Say>` in the output's language.
    fn output(&self, out: &mut String, output: &Output<'_>) {
        if let Some(url) = output.url() {
            let url = match &self.audio_base_url {
                Some(base) if !url.contains("://") => {
                    format!(
                        "{}/{}",
                        base.trim_end_matches('/'),
                        url.trim_start_matches('/')
                    )
                }
                _ => url.to_string(),
            };
            let _ = write!(out, "<Play>{}</Play>", escape(&url));
            return;
        }
        match output_language(output) {
            Some(language) => {
                let _ = write!(
                    out,
                    "<Say language=\"{}\">{}</Say>",
                    escape(language),
                    escape(output.text())
                );
            }
            None => {
                let _ = write!(out, "<Say>{}</Say>", escape(output.text()));
            }
        }
    }

    fn outputs(&self, out: &mut String, turn: &Turn<'_>) {
        for output in &turn.outputs {
            self.output(out, output);
        }
    }

    fn render(&self, turn: &Turn<'_>, bundle: &Bundle, conversation: &Conversation) -> String {
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response>");
        match turn.status {
            Status::Waiting => {
                // Seconds, rounded up: a provider's gather counts whole seconds.
                let timeout = turn
                    .expecting
                    .as_ref()
                    .and_then(|e| e.timeout_ms)
                    .map(|ms| ms.div_ceil(1000).clamp(1, 60))
                    .unwrap_or(self.gather_timeout);
                let mut gather = format!(
                    "<Gather input=\"dtmf speech\" action=\"{}\" method=\"POST\" timeout=\"{timeout}\" actionOnEmptyResult=\"true\"",
                    self.action
                );
                let set = turn
                    .expecting
                    .as_ref()
                    .filter(|e| e.max_digits.is_some() || e.finish_key.is_some());
                if let Some(expecting) = set {
                    // The flow says how to collect keys: exactly that.
                    if let Some(n) = expecting.max_digits {
                        let _ = write!(gather, " numDigits=\"{n}\"");
                    }
                    let key = expecting.finish_key.unwrap_or("#");
                    let _ = write!(gather, " finishOnKey=\"{}\"", escape(key));
                } else if let Some(expecting) = &turn.expecting {
                    match expecting.kind {
                        ExpectKind::Menu => {
                            let longest = expecting
                                .options
                                .iter()
                                .map(|o| o.key.as_deref().map(str::len).unwrap_or(0))
                                .max()
                                .unwrap_or(0);
                            let all_keyed = expecting.options.iter().all(|o| o.key.is_some());
                            if all_keyed && longest > 0 {
                                let _ = write!(gather, " numDigits=\"{longest}\"");
                            } else {
                                gather.push_str(" finishOnKey=\"#\"");
                            }
                        }
                        ExpectKind::Ask => match slot_type(bundle, conversation, expecting.slot) {
                            Some(SlotType::Digits {
                                min: Some(min),
                                max: Some(max),
                            }) if min == max => {
                                let _ = write!(gather, " numDigits=\"{max}\" finishOnKey=\"#\"");
                            }
                            _ => gather.push_str(" finishOnKey=\"#\""),
                        },
                    }
                }
                if let Some(language) = turn.outputs.iter().find_map(output_language) {
                    let _ = write!(gather, " language=\"{}\"", escape(language));
                }
                gather.push('>');
                out.push_str(&gather);
                self.outputs(&mut out, turn);
                out.push_str("</Gather>");
            }
            Status::Transferred => {
                self.outputs(&mut out, turn);
                let to = turn.transfer.as_ref().map(|t| t.to.as_str()).unwrap_or("");
                if to.starts_with("sip:") || to.starts_with("sips:") {
                    let _ = write!(out, "<Dial><Sip>{}</Sip></Dial>", escape(to));
                } else {
                    let _ = write!(out, "<Dial>{}</Dial>", escape(to));
                }
            }
            Status::HandedOff => {
                self.outputs(&mut out, turn);
                let queue = turn
                    .handoff
                    .as_ref()
                    .map(|h| h.queue.as_str())
                    .unwrap_or("general");
                match self.dial.get(queue) {
                    Some(number) => {
                        let _ = write!(out, "<Dial>{}</Dial>", escape(number));
                    }
                    None => {
                        let _ = write!(out, "<Enqueue>{}</Enqueue>", escape(queue));
                    }
                }
            }
            Status::Ended | Status::Failed | Status::Calling => {
                self.outputs(&mut out, turn);
                out.push_str("<Hangup/>");
            }
        }
        out.push_str("</Response>");
        out
    }
}

fn slot_type<'b>(
    bundle: &'b Bundle,
    conversation: &Conversation,
    slot: Option<&str>,
) -> Option<&'b SlotType> {
    let (_, flow) = bundle.flow_by_name(conversation.flow_name(bundle))?;
    let slot = slot?;
    flow.vars
        .iter()
        .find(|v| bundle.str(v.name) == slot)
        .map(|v| &v.ty)
}

fn twiml_response(body: impl Into<axum::body::Body>) -> Response {
    let mut response = (StatusCode::OK, body.into()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/xml; charset=utf-8"),
    );
    response
}

const HANGUP: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Hangup/></Response>";

/// The expected `X-Twilio-Signature` of a request to `url` with these POST parameters.
pub fn signature(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    let mut data = url.to_string();
    for (k, v) in sorted {
        data.push_str(k);
        data.push_str(v);
    }
    let Ok(mut mac) = Hmac::<sha1::Sha1>::new_from_slice(auth_token.as_bytes()) else {
        return String::new();
    };
    mac.update(data.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

fn voice_flow(bundle: &Bundle, configured: Option<&str>) -> Option<String> {
    if let Some(flow) = configured {
        return Some(flow.to_string());
    }
    bundle
        .flows
        .iter()
        .find(|f| f.channel == FlowChannel::Voice)
        .or_else(|| bundle.flows.iter().find(|f| f.channel == FlowChannel::Any))
        .map(|f| bundle.str(f.name).to_string())
}

pub async fn webhook(
    State(state): State<Arc<AppState>>,
    request: Request,
) -> Result<Response, ApiError> {
    let Some(voice) = state.voice.as_ref() else {
        return Err(ApiError::not_found(
            "voice_not_configured",
            "the voice webhook is not configured",
        ));
    };
    let client = client_of(&state, &request);
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost")
        .to_string();
    let path = request
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/v1/voice/twilio".into());
    let presented = request
        .headers()
        .get("x-twilio-signature")
        .and_then(|h| h.to_str().ok())
        .map(str::to_string);
    let body = read_body(request, state.engine.limits.max_body_bytes).await?;
    let params: Vec<(String, String)> = serde_urlencoded_pairs(&body)?;
    if let Some(token) = &voice.auth_token {
        let url = voice
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{host}{path}"));
        let expected = signature(token, &url, &params);
        let ok = presented.is_some_and(|p| {
            use subtle::ConstantTimeEq;
            p.len() == expected.len() && bool::from(p.as_bytes().ct_eq(expected.as_bytes()))
        });
        if !ok {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "bad_signature",
                "X-Twilio-Signature is missing or does not match",
            ));
        }
    }
    let field = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let Some(call) = field("CallSid") else {
        return Err(ApiError::bad_request(
            "missing_field",
            "`CallSid` is required",
        ));
    };
    if call.len() > 128 {
        return Err(ApiError::bad_request(
            "invalid_field",
            "`CallSid` is too long",
        ));
    }
    if let Some(status) = field("CallStatus")
        && matches!(
            status.as_str(),
            "completed" | "canceled" | "failed" | "busy" | "no-answer"
        )
    {
        return Ok(twiml_response(HANGUP));
    }
    let id = crate::engine::Engine::call_id(&call);
    let engine = &state.engine;
    match engine.store.get(&id).await {
        Err(crate::store::StoreError::Unknown) => {
            let loaded = engine.bundles.current();
            let Some(flow) = voice_flow(&loaded.bundle, voice.flow.as_deref()) else {
                return Err(ApiError::not_found(
                    "unknown_flow",
                    "the bundle has no voice flow",
                ));
            };
            let request = StartRequest {
                flow,
                channel: Some(Channel::Voice),
                variables: None,
                call: Some(call.clone()),
            };
            let (_, body) = engine
                .start_with_id(&client, request, &voice.render, Some(id))
                .await?;
            Ok(twiml_response(body))
        }
        Err(error) => Err(error.to_api(&id)),
        Ok(_) => {
            let max = engine.limits.max_text_chars;
            let input = if let Some(digits) = field("Digits") {
                let digits: String = digits
                    .chars()
                    .filter(|c| c.is_ascii_digit() || *c == '*' || *c == '#')
                    .take(max)
                    .collect();
                if digits.is_empty() {
                    Input::NoInput
                } else {
                    Input::Keys(digits)
                }
            } else if let Some(speech) = field("SpeechResult") {
                Input::Text(speech.chars().take(max).collect())
            } else {
                Input::NoInput
            };
            match engine.input(&id, input, &voice.render).await {
                Ok(body) => Ok(twiml_response(body)),
                Err(error) if error.status == StatusCode::CONFLICT => Ok(twiml_response(HANGUP)),
                Err(error) => Err(error),
            }
        }
    }
}

fn serde_urlencoded_pairs(body: &[u8]) -> Result<Vec<(String, String)>, ApiError> {
    let text = std::str::from_utf8(body)
        .map_err(|_| ApiError::bad_request("invalid_body", "the form body is not UTF-8"))?;
    Ok(url_pairs(text))
}

/// Decodes `application/x-www-form-urlencoded` (`+` is a space, `%XX` a byte).
fn url_pairs(text: &str) -> Vec<(String, String)> {
    text.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_decoding_and_signatures() {
        assert_eq!(
            url_pairs("CallSid=CA1&SpeechResult=hello+there%21&Digits=&x=%zz"),
            vec![
                ("CallSid".into(), "CA1".into()),
                ("SpeechResult".into(), "hello there!".into()),
                ("Digits".into(), "".into()),
                ("x".into(), "%zz".into()),
            ]
        );
        assert_eq!(decode("%E4%BD%A0"), "你");
        assert_eq!(decode("50%"), "50%");
        // Twilio's documented example.
        let params = vec![
            ("CallSid".to_string(), "CA1234567890ABCDE".to_string()),
            ("Caller".to_string(), "+12349013030".to_string()),
            ("Digits".to_string(), "1234".to_string()),
            ("From".to_string(), "+12349013030".to_string()),
            ("To".to_string(), "+18005551212".to_string()),
        ];
        assert_eq!(
            signature(
                "12345",
                "https://mycompany.com/myapp.php?foo=1&bar=2",
                &params
            ),
            "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
        );
    }
}
