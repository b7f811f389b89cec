//! The HTTP API over real HTTP on loopback: the routes, the Turn shape, JSON errors with
//! their statuses, tokens, limits, expiry, shutdown — against the real binary.

mod support;

use serde_json::json;
use support::*;

const PIN: &str = "9713";
const TOKEN_A: &str = "tok-alpha-0123456789abcdef";
const TOKEN_B: &str = "tok-bravo-0123456789abcdef";

fn setup() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let bundle = bundle(dir.path(), &demo_source());
    (dir, bundle)
}

#[tokio::test]
async fn a_chat_conversation_start_to_end() {
    let (dir, bundle) = setup();
    let server = Server::start(dir.path(), "chat", &bundle, &["--log-format", "json"]);
    let http = client();
    let (id, turn) = start(
        &http,
        &server,
        json!({"flow": "support", "variables": {"name": "Ada", "age": 41, "vip": true}}),
    )
    .await;
    assert_eq!(id.len(), 32);
    assert_eq!(turn["status"], "waiting");
    assert_eq!(turn["state"], "main");
    assert_eq!(says(&turn)[0], "Hello Ada.");
    assert_eq!(turn["outputs"][0]["type"], "say");
    assert_eq!(turn["expecting"]["kind"], "menu");
    assert_eq!(
        turn["expecting"]["options"][0],
        json!({"label": "Order status", "key": "1"})
    );
    assert!(turn.get("handoff").is_none());

    let input = server.url(&format!("/v1/conversations/{id}/input"));
    let (status, turn, headers) =
        post_raw(&http, &input, json!({"keys": "2"}).to_string(), None).await;
    assert_eq!(status, 200, "{turn}");
    assert_eq!(headers["content-type"], "application/json");
    let length: usize = headers["content-length"]
        .to_str()
        .ok()
        .and_then(|l| l.parse().ok())
        .expect("a content-length");
    assert!(length > 100, "{length}");
    assert_eq!(turn["id"], id.as_str());
    assert_eq!(turn["state"], "pin");
    assert_eq!(turn["expecting"]["kind"], "ask");
    let (_, turn) = post(&http, &input, json!({"keys": PIN}), None).await;
    assert_eq!(says(&turn)[0], "Thanks, your PIN is noted.");
    let (_, turn) = post(&http, &input, json!({"text": "what?"}), None).await;
    assert_eq!(turn["status"], "waiting", "one retry first: {turn}");
    let (_, turn) = post(&http, &input, json!({"keys": "5"}), None).await;
    assert_eq!(turn["state"], "note", "{turn}");
    let (_, turn) = post(&http, &input, json!({"event": "no_input"}), None).await;
    assert_eq!(turn["status"], "waiting", "one retry first: {turn}");
    let (_, turn) = post(&http, &input, json!({"text": "call me after six"}), None).await;
    assert_eq!(says(&turn)[0], "Noted: call me after six");

    let (status, shown) = get(&http, &server.url(&format!("/v1/conversations/{id}")), None).await;
    assert_eq!(status, 200, "{shown}");
    assert_eq!(shown["status"], "waiting");
    assert_eq!(shown["flow"], "support");
    assert_eq!(shown["slots"]["pin"], "***", "sensitive slots are masked");
    assert_eq!(shown["slots"]["name"], "Ada");
    assert_eq!(shown["slots"]["age"], 41.0);
    let transcript = shown["transcript"].to_string();
    assert!(transcript.contains("Hello Ada."), "{transcript}");

    let (_, turn) = post(&http, &input, json!({"keys": "4"}), None).await;
    assert_eq!(turn["status"], "ended", "{turn}");
    assert_eq!(says(&turn), vec!["Goodbye."]);
    let (status, error) = post(&http, &input, json!({"keys": "1"}), None).await;
    assert_error(status, &error, 409, "conversation_ended");

    // A hand-off, then no more input.
    let (_, turn) = post(
        &http,
        &server.url("/v1/conversations"),
        json!({"flow": "support"}),
        None,
    )
    .await;
    let id2 = turn["id"].as_str().expect("id").to_string();
    let input2 = server.url(&format!("/v1/conversations/{id2}/input"));
    let (_, turn) = post(&http, &input2, json!({"keys": "3"}), None).await;
    assert_eq!(turn["status"], "handed_off", "{turn}");
    assert_eq!(
        turn["handoff"],
        json!({"queue": "agents", "priority": "normal", "reason": "asked for an agent"})
    );
    let (status, error) = post(&http, &input2, json!({"text": "hello?"}), None).await;
    assert_error(status, &error, 409, "conversation_handed_off");

    // One JSON log event per turn, with names and outcomes only.
    let log = server.log_text();
    let events: Vec<serde_json::Value> = log
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|e| e["target"] == "csflow::turn")
        .collect();
    assert_eq!(events.len(), 10, "{log}");
    let pin_turn = events
        .iter()
        .find(|e| e["from_state"] == "pin")
        .expect("the PIN turn is logged");
    assert_eq!(pin_turn["conversation"], id.as_str());
    assert_eq!(pin_turn["flow"], "support");
    assert_eq!(pin_turn["input"], "keys");
    assert_eq!(pin_turn["outcome"], "answer");
    assert_eq!(pin_turn["to_state"], "main");
    assert_eq!(pin_turn["schema"], 1);
    assert!(pin_turn["latency_us"].is_u64());
    let option_turn = events
        .iter()
        .find(|e| e["option"] == "PIN")
        .expect("option logged");
    assert_eq!(option_turn["outcome"], "option");
    assert!(events.iter().any(|e| e["outcome"] == "no_match"));
    assert!(events.iter().any(|e| e["outcome"] == "no_input"));
    assert!(
        events
            .iter()
            .any(|e| e["outcome"] == "handoff" && e["queue"] == "agents")
    );
    assert!(!log.contains(PIN), "the PIN never reaches the log:\n{log}");

    // Metrics count what happened.
    let metrics = metrics(&http, &server).await;
    assert!(
        metrics.contains(r#"csflow_turns_total{flow="support",input="keys"} 5"#),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"csflow_conversations_started_total{flow="support"} 2"#),
        "{metrics}"
    );
    assert!(metrics.contains(r#"csflow_conversations_handed_off_total{flow="support",queue="agents",reason="asked for an agent"} 1"#), "{metrics}");
    assert!(
        metrics.contains(r#"csflow_no_match_total{flow="support",state="main"} 1"#),
        "{metrics}"
    );
    assert!(
        metrics.contains("csflow_turn_duration_seconds_bucket"),
        "{metrics}"
    );
    assert!(!metrics.contains(PIN));
}

#[tokio::test]
async fn bad_input_on_every_route_is_a_json_error_and_harms_nothing() {
    let (dir, bundle) = setup();
    let config = write(
        dir.path(),
        "limits.toml",
        "[limits]\nmax_body_bytes = 4096\nmax_text_chars = 100\nrequests_per_second = 1000\nburst = 1000\n",
    );
    let server = Server::start(
        dir.path(),
        "bad",
        &bundle,
        &["--config", config.to_str().expect("path")],
    );
    let http = client();
    let start = server.url("/v1/conversations");
    let mut answers = String::new();
    let mut check = |status: u16, body: serde_json::Value, expected: u16, code: &str| {
        assert_error(status, &body, expected, code);
        answers.push_str(&body.to_string());
    };

    let (s, b, _) = post_raw(&http, &start, "{not json", None).await;
    check(s, b, 400, "invalid_json");
    let (s, b, _) = post_raw(&http, &start, "[1,2]", None).await;
    check(s, b, 400, "invalid_body");
    let (s, b, _) = post_raw(&http, &start, "", None).await;
    check(s, b, 400, "invalid_json");
    let (s, b) = post(
        &http,
        &start,
        json!({"flow": "support", "colour": "red"}),
        None,
    )
    .await;
    check(s, b, 400, "unknown_field");
    let (s, b) = post(&http, &start, json!({"flow": 7}), None).await;
    check(s, b, 400, "wrong_type");
    let (s, b) = post(&http, &start, json!({}), None).await;
    check(s, b, 400, "missing_field");
    let (s, b) = post(
        &http,
        &start,
        json!({"flow": "support", "channel": "fax"}),
        None,
    )
    .await;
    check(s, b, 400, "wrong_type");
    let (s, b) = post(&http, &start, json!({"flow": "nope"}), None).await;
    check(s, b, 404, "unknown_flow");
    let (s, b) = post(
        &http,
        &start,
        json!({"flow": "support", "variables": {"pin": "12ab"}}),
        None,
    )
    .await;
    assert!(
        b["error"]["message"]
            .as_str()
            .expect("message")
            .contains("`pin`"),
        "{b}"
    );
    assert!(
        !b.to_string().contains("12ab"),
        "the value is not echoed: {b}"
    );
    check(s, b, 400, "wrong_type");
    let (s, b) = post(
        &http,
        &start,
        json!({"flow": "support", "variables": {"age": "a lot"}}),
        None,
    )
    .await;
    assert!(
        b["error"]["message"]
            .as_str()
            .expect("message")
            .contains("`age`"),
        "{b}"
    );
    check(s, b, 400, "wrong_type");
    let (s, b) = post(
        &http,
        &start,
        json!({"flow": "support", "variables": {"age": 4.5}}),
        None,
    )
    .await;
    check(s, b, 400, "wrong_type");
    let (s, b) = post(
        &http,
        &start,
        json!({"flow": "support", "variables": {"vip": "maybe"}}),
        None,
    )
    .await;
    check(s, b, 400, "wrong_type");
    let (s, b) = post(
        &http,
        &start,
        json!({"flow": "support", "variables": {"result": {}}}),
        None,
    )
    .await;
    check(s, b, 400, "unknown_slot");
    let (s, b) = post(
        &http,
        &start,
        json!({"flow": "support", "variables": {"shoe": 1}}),
        None,
    )
    .await;
    check(s, b, 400, "unknown_slot");
    let (s, b) = post(
        &http,
        &start,
        json!({"flow": "support", "variables": [1]}),
        None,
    )
    .await;
    check(s, b, 400, "wrong_type");
    let huge = format!("{{\"flow\":\"support\",\"x\":\"{}\"}}", "a".repeat(10_000));
    let (s, b, _) = post_raw(&http, &start, huge, None).await;
    check(s, b, 413, "body_too_large");

    let (_, turn) = post(
        &http,
        &start,
        json!({"flow": "support", "variables": {"pin": PIN}}),
        None,
    )
    .await;
    let id = turn["id"].as_str().expect("id").to_string();
    let input = server.url(&format!("/v1/conversations/{id}/input"));
    let (s, b, _) = post_raw(&http, &input, "{\"text\":", None).await;
    check(s, b, 400, "invalid_json");
    let (s, b) = post(&http, &input, json!({"text": "a".repeat(101)}), None).await;
    check(s, b, 413, "text_too_long");
    let (s, b) = post(&http, &input, json!({"keys": "12x"}), None).await;
    check(s, b, 400, "invalid_keys");
    let (s, b) = post(&http, &input, json!({"keys": ""}), None).await;
    check(s, b, 400, "invalid_keys");
    let (s, b) = post(&http, &input, json!({"text": "hi", "keys": "1"}), None).await;
    check(s, b, 400, "invalid_body");
    let (s, b) = post(&http, &input, json!({}), None).await;
    check(s, b, 400, "invalid_body");
    let (s, b) = post(&http, &input, json!({"text": 12}), None).await;
    check(s, b, 400, "wrong_type");
    let (s, b) = post(&http, &input, json!({"event": "hangup"}), None).await;
    check(s, b, 400, "invalid_event");
    let (s, b) = post(&http, &input, json!({"speech": "hi"}), None).await;
    check(s, b, 400, "unknown_field");
    let huge = format!("{{\"text\":\"{}\"}}", "a".repeat(10_000));
    let (s, b, _) = post_raw(&http, &input, huge, None).await;
    check(s, b, 413, "body_too_large");
    let unknown = server.url("/v1/conversations/0123456789abcdef0123456789abcdef/input");
    let (s, b) = post(&http, &unknown, json!({"text": "hi"}), None).await;
    check(s, b, 404, "unknown_conversation");
    let malformed = server.url("/v1/conversations/..%2F..%2Fetc/input");
    let (s, b) = post(&http, &malformed, json!({"text": "hi"}), None).await;
    check(s, b, 404, "unknown_conversation");
    let (s, b) = get(
        &http,
        &server.url("/v1/conversations/ffffffffffffffffffffffffffffffff"),
        None,
    )
    .await;
    check(s, b, 404, "unknown_conversation");
    let (s, b) = get(&http, &server.url("/v1/nothing-here"), None).await;
    check(s, b, 404, "not_found");
    let (s, b) = get(&http, &start, None).await;
    check(s, b, 405, "method_not_allowed");

    // The server is unharmed: the conversation carries on.
    let (s, turn) = post(&http, &input, json!({"keys": "4"}), None).await;
    assert_eq!(s, 200, "{turn}");
    assert_eq!(turn["status"], "ended");
    let (s, _) = get(&http, &server.url("/healthz"), None).await;
    assert_eq!(s, 200);
    let (s, ready) = get(&http, &server.url("/readyz"), None).await;
    assert_eq!(s, 200);
    assert_eq!(ready["store"], "memory");
    assert!(!answers.contains(PIN));
    assert!(!server.log_text().contains(PIN));
}

#[tokio::test]
async fn tokens_are_required_when_configured() {
    let (dir, bundle) = setup();
    let config = write(
        dir.path(),
        "tokens.toml",
        &format!(
            "[[token]]\nname = \"web\"\nvalue = \"{TOKEN_A}\"\n\n[[token]]\nname = \"ivr\"\nenv = \"CSFLOW_TEST_TOKEN\"\n"
        ),
    );
    let server = Server::start_env(
        dir.path(),
        "tokens",
        &bundle,
        &[
            "--config",
            config.to_str().expect("path"),
            "--log-format",
            "json",
        ],
        &[("CSFLOW_TEST_TOKEN", TOKEN_B)],
    );
    let http = client();
    let start = server.url("/v1/conversations");
    let body = json!({"flow": "support"});
    let (s, b) = post(&http, &start, body.clone(), None).await;
    assert_error(s, &b, 401, "unauthorized");
    let (s, b) = post(
        &http,
        &start,
        body.clone(),
        Some("tok-alpha-0123456789abcdeX"),
    )
    .await;
    assert_error(s, &b, 401, "unauthorized");
    let (s, b) = post(&http, &start, body.clone(), Some("")).await;
    assert_error(s, &b, 401, "unauthorized");
    let response = http
        .post(&start)
        .header("authorization", format!("Basic {TOKEN_A}"))
        .body(body.to_string())
        .send()
        .await
        .expect("request");
    assert_eq!(response.status().as_u16(), 401);
    let (s, turn) = post(&http, &start, body.clone(), Some(TOKEN_A)).await;
    assert_eq!(s, 201, "{turn}");
    let (s, turn2) = post(&http, &start, body.clone(), Some(TOKEN_B)).await;
    assert_eq!(s, 201, "{turn2}");
    let id = turn["id"].as_str().expect("id");
    let (s, b) = get(&http, &server.url(&format!("/v1/conversations/{id}")), None).await;
    assert_error(s, &b, 401, "unauthorized");
    let (s, _) = get(
        &http,
        &server.url(&format!("/v1/conversations/{id}")),
        Some(TOKEN_B),
    )
    .await;
    assert_eq!(s, 200);
    let (s, _) = get(&http, &server.url("/healthz"), None).await;
    assert_eq!(s, 200, "health needs no token");
    let log = server.log_text();
    assert!(!log.contains(TOKEN_A) && !log.contains(TOKEN_B), "{log}");
}

#[test]
fn listening_beyond_loopback_needs_tokens() {
    let (dir, bundle) = setup();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_csflow-runtime"))
        .arg("serve")
        .arg(&bundle)
        .args(["--listen", "0.0.0.0:0"])
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("without API tokens"), "{stderr}");
    drop(dir);
}

#[tokio::test]
async fn request_rate_and_conversations_per_client_are_limited() {
    let (dir, bundle) = setup();
    let config = write(
        dir.path(),
        "rate.toml",
        "[limits]\nrequests_per_second = 1\nburst = 3\nmax_conversations_per_client = 2\n",
    );
    let server = Server::start(
        dir.path(),
        "rate",
        &bundle,
        &["--config", config.to_str().expect("path")],
    );
    let http = client();
    let start = server.url("/v1/conversations");
    let (s, _) = post(&http, &start, json!({"flow": "support"}), None).await;
    assert_eq!(s, 201);
    let (s, _) = post(&http, &start, json!({"flow": "support"}), None).await;
    assert_eq!(s, 201);
    let (s, b, headers) =
        post_raw(&http, &start, json!({"flow": "support"}).to_string(), None).await;
    assert_error(s, &b, 429, "too_many_conversations");
    assert!(headers.get("retry-after").is_some());
    let (s, b, headers) =
        post_raw(&http, &start, json!({"flow": "support"}).to_string(), None).await;
    assert_error(s, &b, 429, "rate_limited");
    let retry: u64 = headers
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After in seconds");
    assert!((1..=2).contains(&retry), "{retry}");
}

#[tokio::test]
async fn idle_conversations_expire_with_a_404_that_says_so() {
    let (dir, bundle) = setup();
    let config = write(
        dir.path(),
        "idle.toml",
        "[sessions]\nidle_timeout_secs = 1\n",
    );
    let server = Server::start(
        dir.path(),
        "idle",
        &bundle,
        &["--config", config.to_str().expect("path")],
    );
    let http = client();
    let (_, turn) = post(
        &http,
        &server.url("/v1/conversations"),
        json!({"flow": "support"}),
        None,
    )
    .await;
    let id = turn["id"].as_str().expect("id").to_string();
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let (s, b) = post(
        &http,
        &server.url(&format!("/v1/conversations/{id}/input")),
        json!({"keys": "1"}),
        None,
    )
    .await;
    assert_error(s, &b, 404, "expired");
    assert!(
        b["error"]["message"]
            .as_str()
            .expect("message")
            .contains("expired")
    );
    let (s, b) = get(&http, &server.url(&format!("/v1/conversations/{id}")), None).await;
    assert_error(s, &b, 404, "expired");
}

#[tokio::test]
async fn sigterm_finishes_and_exits_zero() {
    let (dir, bundle) = setup();
    let mut server = Server::start(dir.path(), "term", &bundle, &[]);
    let http = client();
    let (s, _) = post(
        &http,
        &server.url("/v1/conversations"),
        json!({"flow": "zh_support"}),
        None,
    )
    .await;
    assert_eq!(s, 201);
    let status = server.terminate();
    assert_eq!(status.code(), Some(0), "{}", server.log_text());
}

/// The names of the process's connection-serving threads (`csflow-worker-N`).
#[cfg(target_os = "linux")]
fn worker_threads(pid: u32) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(format!("/proc/{pid}/task"))
        .expect("threads")
        .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
        .map(|name| name.trim().to_string())
        .filter(|name| name.starts_with("csflow-worker-"))
        .collect();
    names.sort();
    names
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn workers_follow_the_cores_or_the_option_and_share_conversations() {
    let (dir, bundle) = setup();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let server = Server::start(dir.path(), "cores", &bundle, &[]);
    assert_eq!(worker_threads(server.child.id()).len(), cores);
    assert!(server.log_text().contains(&format!("workers={cores}")));
    drop(server);

    let server = Server::start(dir.path(), "three", &bundle, &["--workers", "3"]);
    assert_eq!(
        worker_threads(server.child.id()),
        ["csflow-worker-0", "csflow-worker-1", "csflow-worker-2"]
    );
    assert!(server.log_text().contains("workers=3"));
    // A conversation started on one connection goes on over others, whichever worker
    // each landed on: three clients, three connections, one per worker.
    let clients = [client(), client(), client()];
    let (s, turn) = post(
        &clients[0],
        &server.url("/v1/conversations"),
        json!({"flow": "support"}),
        None,
    )
    .await;
    assert_eq!(s, 201, "{turn}");
    let id = turn["id"].as_str().expect("id").to_string();
    for http in &clients[1..] {
        let (s, turn) = get(http, &server.url(&format!("/v1/conversations/{id}")), None).await;
        assert_eq!(s, 200, "{turn}");
    }
    let (s, turn) = post(
        &clients[2],
        &server.url(&format!("/v1/conversations/{id}/input")),
        json!({"keys": "1"}),
        None,
    )
    .await;
    assert_eq!(s, 200, "{turn}");
    assert_eq!(turn["state"], "order_status", "{turn}");
}

#[test]
fn zero_workers_is_bad_usage() {
    let (dir, bundle) = setup();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_csflow-runtime"))
        .arg("serve")
        .arg(&bundle)
        .args(["--listen", "127.0.0.1:0", "--workers", "0"])
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--workers"), "{stderr}");
    drop(dir);
}

#[tokio::test]
async fn chinese_text_carries_its_language() {
    let (dir, bundle) = setup();
    let server = Server::start(dir.path(), "zh", &bundle, &[]);
    let http = client();
    let (_, turn) = post(
        &http,
        &server.url("/v1/conversations"),
        json!({"flow": "zh_support"}),
        None,
    )
    .await;
    assert_eq!(turn["outputs"][0]["language"], "zh-CN", "{turn}");
    assert_eq!(turn["expecting"]["options"][1]["label"], "人工客服");
    let id = turn["id"].as_str().expect("id");
    let (_, turn) = post(
        &http,
        &server.url(&format!("/v1/conversations/{id}/input")),
        json!({"text": "查询订单"}),
        None,
    )
    .await;
    assert_eq!(turn["status"], "ended", "{turn}");
    assert_eq!(says(&turn), vec!["您的订单已发货。再见！"]);
}
