//! The external intent classifier against a local stub HTTP server: its scores decide a
//! text turn; a failure, a time-out or a malformed answer leave the turn to the offline
//! matcher (within the configured time-out); keys and sensitive answers are never sent.

mod support;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post as route_post;
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::*;

const FLOWS: &str = r#"
queue agents { }

intent lost_card { "I lost my card"  "my card is lost"  "block my card" }
intent balance { "what is my balance"  "how much money do I have"  "account balance" }

flow bank {
  channel chat
  start main

  slot pin: digits(4) sensitive

  on no_match retry 1 "Sorry?" then handoff agents
  on no_input retry 1 then handoff agents

  state main {
    menu "Lost card or balance?" {
      option "Lost card" key 1 intent lost_card goto lost
      option "Balance"   key 2 intent balance goto pin
    }
  }

  state lost {
    say "Your card is blocked."
    goto main
  }

  state pin {
    ask pin "Your PIN, please."
    say "Your balance is 10."
    goto main
  }
}
"#;

type Seen = Arc<Mutex<Vec<(serde_json::Value, Option<String>)>>>;

/// Answers by the text: scores, a failure, a slow answer, or malformed answers.
async fn classify(
    State(seen): State<Seen>,
    headers: HeaderMap,
    body: String,
) -> (StatusCode, String) {
    let request: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    seen.lock().expect("lock").push((request.clone(), auth));
    match request["text"].as_str().unwrap_or("") {
        // Nothing the offline matcher would understand.
        "my plastic went walkabout" => (
            StatusCode::OK,
            json!({"scores": {"lost_card": 0.95, "balance": 0.02, "weather": 1.0}}).to_string(),
        ),
        "what is my balance" => (StatusCode::INTERNAL_SERVER_ERROR, "boom".into()),
        "how much money do I have" => {
            tokio::time::sleep(Duration::from_secs(3)).await;
            (
                StatusCode::OK,
                json!({"scores": {"lost_card": 1.0}}).to_string(),
            )
        }
        "I lost my card" => (StatusCode::OK, "this is not json".into()),
        "my card is lost" => (
            StatusCode::OK,
            json!({"scores": {"balance": "very"}}).to_string(),
        ),
        _ => (StatusCode::OK, json!({"scores": {}}).to_string()),
    }
}

async fn stub(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    format!("http://{addr}")
}

async fn say(
    http: &reqwest::Client,
    server: &Server,
    id: &str,
    body: serde_json::Value,
) -> serde_json::Value {
    let (s, turn) = post(
        http,
        &server.url(&format!("/v1/conversations/{id}/input")),
        body,
        None,
    )
    .await;
    assert_eq!(s, 200, "{turn}");
    turn
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_classifier_decides_text_turns_and_the_offline_matcher_is_the_fallback() {
    let seen: Seen = Arc::default();
    let base = stub(
        Router::new()
            .route("/classify", route_post(classify))
            .with_state(seen.clone()),
    )
    .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let bundle = bundle(dir.path(), FLOWS);
    let config = write(
        dir.path(),
        "classifier.toml",
        &format!(
            "[limits]\nrequest_timeout_ms = 5000\n\n[intent_classifier]\nurl = \"{base}/classify\"\ntimeout_ms = 400\nheaders_from_env = {{ Authorization = \"CLASSIFIER_AUTH\" }}\n"
        ),
    );
    let server = Server::start_env(
        dir.path(),
        "classifier",
        &bundle,
        &["--config", config.to_str().expect("path")],
        &[("CLASSIFIER_AUTH", "Bearer classifier-secret-xyz")],
    );
    let http = client();
    let (id, _) = start(&http, &server, json!({"flow": "bank"})).await;

    // The classifier's scores pick the option: the offline matcher knows no such phrase.
    let turn = say(
        &http,
        &server,
        &id,
        json!({"text": "my plastic went walkabout"}),
    )
    .await;
    assert_eq!(
        says(&turn),
        ["Your card is blocked.", "Lost card or balance?"],
        "{turn}"
    );
    {
        let seen = seen.lock().expect("lock");
        let (request, auth) = &seen[0];
        assert_eq!(request["text"], "my plastic went walkabout");
        assert_eq!(request["flow"], "bank");
        assert_eq!(request["state"], "main");
        let mut intents: Vec<&str> = request["intents"]
            .as_array()
            .expect("intents")
            .iter()
            .filter_map(|v| v.as_str())
            .collect();
        intents.sort();
        assert_eq!(intents, ["balance", "lost_card"]);
        assert_eq!(auth.as_deref(), Some("Bearer classifier-secret-xyz"));
    }

    // A failing, a malformed and a slow classifier: the offline matcher answers, and the
    // slow one costs the time-out (400 ms), not its 3 s.
    let turn = say(&http, &server, &id, json!({"text": "I lost my card"})).await;
    assert_eq!(turn["state"], "main", "{turn}");
    assert_eq!(
        says(&turn)[0],
        "Your card is blocked.",
        "malformed: offline"
    );
    let turn = say(&http, &server, &id, json!({"text": "my card is lost"})).await;
    assert_eq!(
        says(&turn)[0],
        "Your card is blocked.",
        "malformed: offline"
    );
    let turn = say(&http, &server, &id, json!({"text": "what is my balance"})).await;
    assert_eq!(turn["state"], "pin", "500: offline: {turn}");
    // At the sensitive `ask pin`: the answer is not sent to the classifier.
    let turn = say(&http, &server, &id, json!({"text": "4321"})).await;
    assert_eq!(says(&turn)[0], "Your balance is 10.", "{turn}");
    let started = Instant::now();
    let turn = say(
        &http,
        &server,
        &id,
        json!({"text": "how much money do I have"}),
    )
    .await;
    let waited = started.elapsed();
    // (the PIN is known now, so `pin` goes straight on.)
    assert_eq!(
        says(&turn)[0],
        "Your balance is 10.",
        "time-out: offline: {turn}"
    );
    assert!(
        waited >= Duration::from_millis(350) && waited < Duration::from_millis(2000),
        "the classifier's 400 ms time-out: {waited:?}"
    );
    // Keys are never sent either.
    let turn = say(&http, &server, &id, json!({"keys": "1"})).await;
    assert_eq!(says(&turn)[0], "Your card is blocked.", "{turn}");

    let texts: Vec<String> = seen
        .lock()
        .expect("lock")
        .iter()
        .map(|(r, _)| r["text"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(
        texts,
        [
            "my plastic went walkabout",
            "I lost my card",
            "my card is lost",
            "what is my balance",
            "how much money do I have"
        ],
        "neither the PIN nor keys reach the classifier"
    );
    let metrics = metrics(&http, &server).await;
    for (outcome, count) in [("ok", 1), ("failed", 1), ("timeout", 1), ("malformed", 2)] {
        let line = format!(
            "csflow_intent_classifier_duration_seconds_count{{outcome=\"{outcome}\"}} {count}"
        );
        assert!(metrics.contains(&line), "{line} in {metrics}");
    }
    let log = server.log_text();
    assert!(!log.contains("classifier-secret-xyz"));
    assert!(!log.contains("4321"));
    assert!(log.contains("offline matcher answered"), "{log}");
}

#[test]
fn a_bad_classifier_config_is_refused_at_start() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bundle = bundle(dir.path(), FLOWS);
    let config = write(
        dir.path(),
        "bad.toml",
        "[intent_classifier]\nurl = \"ftp://127.0.0.1/x\"\n",
    );
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_csflow-runtime"))
        .arg("serve")
        .arg(&bundle)
        .args(["--listen", "127.0.0.1:0", "--config"])
        .arg(&config)
        .output()
        .expect("run");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("intent_classifier: url"), "{stderr}");
}
