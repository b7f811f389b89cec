//! The durable stores with real parts: SQLite survives `kill -9` with every answered turn;
//! two processes on one real redis-server share a conversation, apply 50 simultaneous
//! inputs exactly once each, and one carries on when the other is killed.

mod support;

use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::*;

fn user_lines(shown: &serde_json::Value) -> Vec<String> {
    shown["transcript"]
        .as_array()
        .expect("transcript")
        .iter()
        .filter(|e| e["who"] == "user")
        .filter_map(|e| e["text"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_keeps_every_answered_turn_through_kill_9() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bundle = bundle(dir.path(), &demo_source());
    let db = dir.path().join("sessions.db");
    let store = format!("sqlite:{}", db.display());
    let mut server = Server::start(dir.path(), "sqlite1", &bundle, &["--store", &store]);
    let http = client();
    let mut ids = Vec::new();
    for _ in 0..8 {
        let (s, turn) = post(
            &http,
            &server.url("/v1/conversations"),
            json!({"flow": "echo"}),
            None,
        )
        .await;
        assert_eq!(s, 201, "{turn}");
        ids.push(turn["id"].as_str().expect("id").to_string());
    }
    let answered: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let mut tasks = Vec::new();
    for (n, id) in ids.iter().enumerate() {
        let (http, answered, id) = (http.clone(), answered.clone(), id.clone());
        let url = server.url(&format!("/v1/conversations/{id}/input"));
        tasks.push(tokio::spawn(async move {
            for i in 0.. {
                let line = format!("line-{n}-{i}");
                let sent = http
                    .post(&url)
                    .body(json!({"text": line}).to_string())
                    .send()
                    .await;
                match sent {
                    Ok(response) if response.status() == 200 => {
                        if response.text().await.is_err() {
                            return;
                        }
                        answered.lock().expect("lock").push((id.clone(), line));
                    }
                    _ => return,
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    server.kill9();
    for task in tasks {
        task.await.expect("task");
    }
    let answered = answered.lock().expect("lock").clone();
    assert!(
        answered.len() > 50,
        "only {} turns answered before the kill",
        answered.len()
    );

    let server = Server::start(dir.path(), "sqlite2", &bundle, &["--store", &store]);
    for id in &ids {
        let (s, shown) = get(&http, &server.url(&format!("/v1/conversations/{id}")), None).await;
        assert_eq!(s, 200, "{shown}");
        let lines = user_lines(&shown);
        let mine: Vec<&String> = answered
            .iter()
            .filter(|(i, _)| i == id)
            .map(|(_, l)| l)
            .collect();
        for line in &mine {
            assert!(
                lines.contains(line),
                "answered turn {line} lost after kill -9"
            );
        }
        assert!(
            lines.len() <= mine.len() + 1,
            "at most the one unanswered turn more"
        );
        // It carries on where it stopped.
        let (s, turn) = post(
            &http,
            &server.url(&format!("/v1/conversations/{id}/input")),
            json!({"text": "after"}),
            None,
        )
        .await;
        assert_eq!(s, 200, "{turn}");
        assert_eq!(says(&turn)[0], "Got: after");
    }
}

/// The redis-server URL the CI setup started (`scripts/ci.d/server.setup.sh`).
fn redis_url() -> Option<String> {
    match std::env::var("CSFLOW_TEST_REDIS_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CSFLOW_TEST_REDIS_URL is not set: under CI=true a missing redis-server is a failure"
            );
            eprintln!(
                "skipped: CSFLOW_TEST_REDIS_URL is not set (scripts/ci.d/server.setup.sh starts redis-server)"
            );
            None
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_on_one_redis_apply_simultaneous_inputs_exactly_once() {
    let Some(url) = redis_url() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let bundle = bundle(dir.path(), &demo_source());
    let mut a = Server::start(dir.path(), "redis-a", &bundle, &["--store", &url]);
    let b = Server::start(dir.path(), "redis-b", &bundle, &["--store", &url]);
    let http = client();
    let (s, turn) = post(
        &http,
        &a.url("/v1/conversations"),
        json!({"flow": "echo"}),
        None,
    )
    .await;
    assert_eq!(s, 201, "{turn}");
    let id = turn["id"].as_str().expect("id").to_string();

    let barrier = Arc::new(tokio::sync::Barrier::new(50));
    let mut tasks = Vec::new();
    for i in 0..50 {
        let server = if i % 2 == 0 { &a } else { &b };
        let url = server.url(&format!("/v1/conversations/{id}/input"));
        let (http, barrier) = (http.clone(), barrier.clone());
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let line = format!("input-{i}");
            let response = http
                .post(&url)
                .body(json!({"text": line}).to_string())
                .send()
                .await
                .expect("send");
            let status = response.status().as_u16();
            let body: serde_json::Value = response.json().await.expect("json");
            (status, line, body)
        }));
    }
    let mut ok = Vec::new();
    for task in tasks {
        let (status, line, body) = task.await.expect("task");
        assert_eq!(status, 200, "{body}");
        assert_eq!(says(&body)[0], format!("Got: {line}"));
        ok.push(line);
    }
    let (s, shown) = get(&http, &b.url(&format!("/v1/conversations/{id}")), None).await;
    assert_eq!(s, 200, "{shown}");
    let lines = user_lines(&shown);
    for line in &ok {
        assert_eq!(
            lines.iter().filter(|l| *l == line).count(),
            1,
            "{line} in {lines:?}"
        );
    }
    assert_eq!(lines.len(), 50, "{lines:?}");
    assert_eq!(shown["turns"], 50, "{shown}");

    // One process dies mid-conversation; the other carries on with it.
    a.kill9();
    let (s, turn) = post(
        &http,
        &b.url(&format!("/v1/conversations/{id}/input")),
        json!({"text": "still here"}),
        None,
    )
    .await;
    assert_eq!(s, 200, "{turn}");
    assert_eq!(says(&turn)[0], "Got: still here");
    let (_, turn) = post(
        &http,
        &b.url(&format!("/v1/conversations/{id}/input")),
        json!({"text": "bye"}),
        None,
    )
    .await;
    assert_eq!(turn["status"], "ended", "{turn}");

    // Keys carry one hash tag per conversation.
    let keys = std::process::Command::new("redis-cli")
        .args(["-u", &url, "--scan", "--pattern", &format!("*{id}*")])
        .output();
    if let Ok(keys) = keys
        && keys.status.success()
    {
        let text = String::from_utf8_lossy(&keys.stdout);
        assert!(!text.trim().is_empty(), "no keys for {id}");
        for key in text.lines() {
            assert!(key.contains(&format!("{{{id}}}")), "{key} has no hash tag");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_turn_waits_for_a_slow_redis_instead_of_failing() {
    let Some(url) = redis_url() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let bundle = bundle(dir.path(), &demo_source());
    let server = Server::start(dir.path(), "redis-slow", &bundle, &["--store", &url]);
    let http = client();
    let (id, _) = start(&http, &server, json!({"flow": "echo"})).await;
    // Redis holds every client's commands for 1.2 s (as a busy Redis queues them): the
    // turn waits and succeeds. The redis crate's default 500 ms response time-out answered
    // 503 here, although the compare-and-set might still have been applied.
    let mut admin = redis::Client::open(url.as_str())
        .expect("redis url")
        .get_connection()
        .expect("redis connection");
    let _: () = redis::cmd("CLIENT")
        .arg("PAUSE")
        .arg(1200)
        .arg("ALL")
        .query(&mut admin)
        .expect("CLIENT PAUSE");
    let started = std::time::Instant::now();
    let (s, turn) = post(
        &http,
        &server.url(&format!("/v1/conversations/{id}/input")),
        json!({"text": "patience"}),
        None,
    )
    .await;
    let waited = started.elapsed();
    assert_eq!(s, 200, "{turn}");
    assert_eq!(says(&turn)[0], "Got: patience");
    assert!(
        waited >= std::time::Duration::from_millis(900),
        "Redis was paused: {waited:?}"
    );
    let (_, shown) = get(&http, &server.url(&format!("/v1/conversations/{id}")), None).await;
    assert_eq!(shown["turns"], 1, "applied once: {shown}");
}
