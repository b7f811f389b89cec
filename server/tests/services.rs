//! Services over HTTP and the hand-off webhook, against local stub HTTP servers: answers,
//! failures, time-outs and malformed answers run `on error`; a slow service stalls no other
//! conversation; a hand-off reaches a webhook that was down at first exactly once, masked.

mod support;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post as route_post;
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::*;

const PIN: &str = "8642";

/// The orders service: its answer depends on the order number.
async fn orders(
    State(seen): State<Arc<Mutex<Vec<serde_json::Value>>>>,
    body: String,
) -> (StatusCode, String) {
    let request: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
    seen.lock().expect("lock").push(request.clone());
    let order = request["args"]["order"].as_str().unwrap_or("").to_string();
    match order.as_str() {
        "1" => (StatusCode::OK, json!({"state": "shipped"}).to_string()),
        "2" => (StatusCode::INTERNAL_SERVER_ERROR, "boom".into()),
        "3" => {
            tokio::time::sleep(Duration::from_secs(3)).await;
            (StatusCode::OK, json!({"state": "late"}).to_string())
        }
        "4" => (StatusCode::OK, "this is not json".into()),
        "5" => (StatusCode::OK, json!({"colour": "blue"}).to_string()),
        "6" => {
            tokio::time::sleep(Duration::from_millis(800)).await;
            (StatusCode::OK, json!({"state": "slow"}).to_string())
        }
        _ => (StatusCode::NOT_FOUND, "no".into()),
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

async fn start_at_order(http: &reqwest::Client, server: &Server) -> String {
    let (id, _) = start(http, server, json!({"flow": "support"})).await;
    let (_, turn) = post(
        http,
        &server.url(&format!("/v1/conversations/{id}/input")),
        json!({"keys": "1"}),
        None,
    )
    .await;
    assert_eq!(turn["state"], "order_status", "{turn}");
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn service_answers_failures_timeouts_and_malformed_answers() {
    let seen: Arc<Mutex<Vec<serde_json::Value>>> = Arc::default();
    let base = stub(
        Router::new()
            .route("/orders/status", route_post(orders))
            .with_state(seen.clone()),
    )
    .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let bundle = bundle(dir.path(), &demo_source());
    let config = write(
        dir.path(),
        "services.toml",
        &format!(
            "[limits]\nrequest_timeout_ms = 5000\n\n[services.orders_api]\nurl = \"{base}/orders\"\nheaders_from_env = {{ Authorization = \"ORDERS_AUTH\" }}\n"
        ),
    );
    let server = Server::start_env(
        dir.path(),
        "services",
        &bundle,
        &["--config", config.to_str().expect("path")],
        &[("ORDERS_AUTH", "Bearer service-secret-xyz")],
    );
    let http = client();
    let cases = [
        ("1", "Your order is shipped."),
        ("2", "Sorry, the order service is not answering."),
        ("3", "Sorry, the order service is not answering."),
        ("4", "Sorry, the order service is not answering."),
        ("5", "Sorry, the order service is not answering."),
    ];
    for (order, expected) in cases {
        let id = start_at_order(&http, &server).await;
        let started = Instant::now();
        let (s, turn) = post(
            &http,
            &server.url(&format!("/v1/conversations/{id}/input")),
            json!({"text": order}),
            None,
        )
        .await;
        assert_eq!(s, 200, "{turn}");
        assert_eq!(says(&turn)[0], expected, "order {order}: {turn}");
        assert_eq!(turn["state"], "main", "{turn}");
        if order == "3" {
            let waited = started.elapsed();
            assert!(
                waited >= Duration::from_millis(900) && waited < Duration::from_millis(2500),
                "the declared 1s timeout: {waited:?}"
            );
        }
    }
    let requests = seen.lock().expect("lock").clone();
    assert_eq!(
        requests[0],
        json!({"service": "orders_api", "operation": "status", "args": {"order": "1"}})
    );
    let metrics = metrics(&http, &server).await;
    assert!(metrics.contains(r#"csflow_service_call_duration_seconds_count{service="orders_api",operation="status",outcome="ok"} 1"#), "{metrics}");
    assert!(metrics.contains(r#"outcome="timeout"} 1"#), "{metrics}");
    assert!(metrics.contains(r#"outcome="malformed"} 2"#), "{metrics}");
    assert!(!server.log_text().contains("service-secret-xyz"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_slow_service_stalls_nobody_else() {
    let seen: Arc<Mutex<Vec<serde_json::Value>>> = Arc::default();
    let base = stub(
        Router::new()
            .route("/orders/status", route_post(orders))
            .with_state(seen),
    )
    .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let bundle = bundle(dir.path(), &demo_source());
    let config = write(
        dir.path(),
        "slow.toml",
        &format!(
            "[limits]\nrequests_per_second = 10000\nburst = 10000\n\n[services.orders_api]\nurl = \"{base}/orders\"\n"
        ),
    );
    let server = Server::start(
        dir.path(),
        "slow",
        &bundle,
        &["--config", config.to_str().expect("path")],
    );
    let http = client();
    let mut waiting = Vec::new();
    for _ in 0..40 {
        waiting.push(start_at_order(&http, &server).await);
    }
    let mut slow = Vec::new();
    for id in &waiting {
        let (http, url) = (
            http.clone(),
            server.url(&format!("/v1/conversations/{id}/input")),
        );
        slow.push(tokio::spawn(async move {
            post(&http, &url, json!({"text": "6"}), None).await
        }));
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    // Meanwhile other conversations take turns at their normal pace.
    let (_, turn) = post(
        &http,
        &server.url("/v1/conversations"),
        json!({"flow": "echo"}),
        None,
    )
    .await;
    let id = turn["id"].as_str().expect("id").to_string();
    let mut worst = Duration::ZERO;
    for i in 0..20 {
        let started = Instant::now();
        let (s, turn) = post(
            &http,
            &server.url(&format!("/v1/conversations/{id}/input")),
            json!({"text": format!("x{i}")}),
            None,
        )
        .await;
        assert_eq!(s, 200, "{turn}");
        worst = worst.max(started.elapsed());
    }
    assert!(
        worst < Duration::from_millis(300),
        "a turn waited {worst:?} behind slow service calls"
    );
    for task in slow {
        let (s, turn) = task.await.expect("task");
        assert_eq!(s, 200, "{turn}");
        assert_eq!(says(&turn)[0], "Your order is slow.");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_request_past_the_time_out_is_a_json_503() {
    let seen: Arc<Mutex<Vec<serde_json::Value>>> = Arc::default();
    let base = stub(
        Router::new()
            .route("/orders/status", route_post(orders))
            .with_state(seen),
    )
    .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let bundle = bundle(dir.path(), &demo_source());
    let config = write(
        dir.path(),
        "timeout.toml",
        &format!(
            "[limits]\nrequest_timeout_ms = 300\n\n[services.orders_api]\nurl = \"{base}/orders\"\n"
        ),
    );
    let server = Server::start(
        dir.path(),
        "timeout",
        &bundle,
        &["--config", config.to_str().expect("path")],
    );
    let http = client();
    let id = start_at_order(&http, &server).await;
    let (s, b) = post(
        &http,
        &server.url(&format!("/v1/conversations/{id}/input")),
        json!({"text": "6"}),
        None,
    )
    .await;
    assert_error(s, &b, 503, "timeout");
    let (s, _) = get(&http, &server.url("/healthz"), None).await;
    assert_eq!(s, 200);
}

#[derive(Default)]
struct Hook {
    received: Mutex<Vec<(Option<String>, String)>>,
}

async fn hook(State(hook): State<Arc<Hook>>, headers: HeaderMap, body: String) -> StatusCode {
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    hook.received.lock().expect("lock").push((key, body));
    StatusCode::OK
}

/// A free loopback port nobody listens on (yet).
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hand_off_reaches_a_webhook_that_was_down_once_and_masked_even_across_kill_9() {
    let port = free_port();
    let dir = tempfile::tempdir().expect("tempdir");
    let bundle = bundle(dir.path(), &demo_source());
    let config = write(
        dir.path(),
        "hook.toml",
        &format!(
            "[handoff]\nurl = \"http://127.0.0.1:{port}/handoff\"\ninitial_backoff_ms = 100\nmax_backoff_ms = 400\n"
        ),
    );
    let store = format!("sqlite:{}", dir.path().join("s.db").display());
    let args = [
        "--config",
        config.to_str().expect("path"),
        "--store",
        &store,
    ];
    let mut first = Server::start(dir.path(), "hook1", &bundle, &args);
    let http = client();
    let (_, turn) = post(
        &http,
        &first.url("/v1/conversations"),
        json!({"flow": "support", "variables": {"name": "Bo"}}),
        None,
    )
    .await;
    let id = turn["id"].as_str().expect("id").to_string();
    let input = first.url(&format!("/v1/conversations/{id}/input"));
    post(&http, &input, json!({"keys": "2"}), None).await;
    post(&http, &input, json!({"keys": PIN}), None).await;
    let (_, turn) = post(&http, &input, json!({"keys": "3"}), None).await;
    assert_eq!(turn["status"], "handed_off");
    // The webhook is down: attempts fail and back off; then the process dies.
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(
        first.log_text().contains("hand-off delivery failed"),
        "{}",
        first.log_text()
    );
    first.kill9();

    let received = Arc::new(Hook::default());
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("bind the webhook port");
    let router = Router::new()
        .route("/handoff", route_post(hook))
        .with_state(received.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    let second = Server::start(dir.path(), "hook2", &bundle, &args);
    let deadline = Instant::now() + Duration::from_secs(10);
    while received.received.lock().expect("lock").is_empty() {
        assert!(
            Instant::now() < deadline,
            "the hand-off never arrived: {}",
            second.log_text()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let got = received.received.lock().expect("lock").clone();
    assert_eq!(got.len(), 1, "delivered exactly once: {got:?}");
    let (key, body) = &got[0];
    assert_eq!(key.as_deref(), Some(id.as_str()));
    let payload: serde_json::Value = serde_json::from_str(body).expect("json");
    assert_eq!(payload["conversation_id"], id.as_str());
    assert_eq!(payload["flow"], "support");
    assert_eq!(payload["queue"], "agents");
    assert_eq!(payload["priority"], "normal");
    assert_eq!(payload["reason"], "asked for an agent");
    assert_eq!(payload["slots"]["pin"], "***");
    assert_eq!(payload["slots"]["name"], "Bo");
    assert!(
        payload["transcript"]
            .as_array()
            .is_some_and(|t| !t.is_empty())
    );
    assert!(!body.contains(PIN), "the PIN is masked everywhere: {body}");
    let (s, outbox) = get(&http, &second.url("/readyz"), None).await;
    assert_eq!(s, 200, "{outbox}");
}

/// The flights service answers JSON text for a `time`, a `date` and an enum: the flow
/// compares them as a time and a date and says the enum's label, because the answer is
/// converted to the declared types when it arrives; a value that is not of its type fails the
/// call (`on error`), counted as malformed.
async fn flights(body: String) -> (StatusCode, String) {
    let request: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
    let answer = match request["args"]["code"].as_str().unwrap_or("") {
        "1" => json!({"departs": "09:30", "day": "2026-12-24", "plan": "PLUS"}),
        "2" => json!({"departs": "17:45:00", "day": "2026-12-24", "plan": "basic"}),
        "3" => json!({"departs": "9h30", "day": "2026-12-24", "plan": "plus"}),
        "4" => json!({"departs": "09:30", "day": "2026-12-24", "plan": "gold"}),
        _ => json!({"departs": "09:30", "plan": "plus"}),
    };
    (StatusCode::OK, answer.to_string())
}

const FLIGHTS: &str = r#"
service flights_api {
  operation find(code: text) returns { departs: time, day: date, plan: enum { plus "Plus 套餐" basic } }
}
queue agents { }
flow flights {
  channel chat
  start ask_code
  slot code: text
  on no_match handoff agents
  on error goto failed
  state ask_code {
    ask code "Your code?"
    call flights_api.find(code: code) into r
    if r.departs < 12:00 and r.day == 2026-12-24 {
      say "Morning flight on Christmas Eve, {r.plan}."
    } else {
      say "Later flight, {r.plan}."
    }
    set code = none
    goto ask_code
  }
  state failed {
    say "The flight service gave a bad answer."
    set code = none
    goto ask_code
  }
}
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn answers_are_converted_to_the_declared_types_or_fail_the_call() {
    let base = stub(Router::new().route("/flights/find", route_post(flights))).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let bundle = bundle(dir.path(), FLIGHTS);
    let config = write(
        dir.path(),
        "services.toml",
        &format!("[services.flights_api]\nurl = \"{base}/flights\"\n"),
    );
    let server = Server::start(
        dir.path(),
        "typed",
        &bundle,
        &["--config", config.to_str().expect("path")],
    );
    let http = client();
    let (id, _) = start(&http, &server, json!({"flow": "flights"})).await;
    let cases = [
        ("1", "Morning flight on Christmas Eve, Plus 套餐."),
        ("2", "Later flight, basic."),
        ("3", "The flight service gave a bad answer."),
        ("4", "The flight service gave a bad answer."),
        ("5", "The flight service gave a bad answer."),
    ];
    for (code, expected) in cases {
        let (s, turn) = post(
            &http,
            &server.url(&format!("/v1/conversations/{id}/input")),
            json!({"text": code}),
            None,
        )
        .await;
        assert_eq!(s, 200, "{turn}");
        assert_eq!(says(&turn)[0], expected, "code {code}: {turn}");
    }
    let metrics = metrics(&http, &server).await;
    assert!(
        metrics.contains(r#"operation="find",outcome="ok"} 2"#),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"operation="find",outcome="malformed"} 3"#),
        "{metrics}"
    );
}

/// SIGTERM while turns wait on a slow service on every worker: each is answered in full,
/// then the process exits 0 (the workers stop together, after their connections finish).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigterm_finishes_the_turns_in_flight_on_every_worker() {
    let seen: Arc<Mutex<Vec<serde_json::Value>>> = Arc::default();
    let base = stub(
        Router::new()
            .route("/orders/status", route_post(orders))
            .with_state(seen),
    )
    .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let bundle = bundle(dir.path(), &demo_source());
    let config = write(
        dir.path(),
        "term.toml",
        &format!(
            "[limits]\nrequests_per_second = 10000\nburst = 10000\n\n[services.orders_api]\nurl = \"{base}/orders\"\n"
        ),
    );
    let mut server = Server::start(
        dir.path(),
        "term-workers",
        &bundle,
        &["--config", config.to_str().expect("path"), "--workers", "2"],
    );
    // One client (so one connection) per conversation: connections are dealt to the
    // workers in turn, so both workers hold a turn in flight.
    let mut slow = Vec::new();
    for _ in 0..4 {
        let http = client();
        let id = start_at_order(&http, &server).await;
        let url = server.url(&format!("/v1/conversations/{id}/input"));
        slow.push(tokio::spawn(async move {
            post(&http, &url, json!({"text": "6"}), None).await
        }));
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status();
    for task in slow {
        let (s, turn) = task.await.expect("task");
        assert_eq!(s, 200, "{turn}");
        assert_eq!(says(&turn)[0], "Your order is slow.");
    }
    let status = server.terminate();
    assert_eq!(status.code(), Some(0), "{}", server.log_text());
    assert!(server.log_text().contains("stopped"));
}
