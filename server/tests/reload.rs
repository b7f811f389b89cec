//! Bundle reload (--watch and SIGHUP): new conversations start on the new bundle, running
//! ones finish on the bundle they started on.

mod support;

use serde_json::json;
use std::time::{Duration, Instant};
use support::*;

async fn say(http: &reqwest::Client, server: &Server, id: &str, text: &str) -> String {
    let (s, turn) = post(
        http,
        &server.url(&format!("/v1/conversations/{id}/input")),
        json!({"text": text}),
        None,
    )
    .await;
    assert_eq!(s, 200, "{turn}");
    says(&turn)[0].clone()
}

async fn start(http: &reqwest::Client, server: &Server) -> String {
    let (s, turn) = post(
        http,
        &server.url("/v1/conversations"),
        json!({"flow": "echo"}),
        None,
    )
    .await;
    assert_eq!(s, 201, "{turn}");
    turn["id"].as_str().expect("id").to_string()
}

async fn wait_for_reload(server: &Server, times: usize) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while server.log_text().matches("bundle loaded").count() < times {
        assert!(
            Instant::now() < deadline,
            "no reload: {}",
            server.log_text()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn running_conversations_finish_on_their_bundle() {
    let dir = tempfile::tempdir().expect("tempdir");
    let source = demo_source();
    let path = bundle(dir.path(), &source);
    let server = Server::start(dir.path(), "reload", &path, &["--watch"]);
    let http = client();
    let old = start(&http, &server).await;
    assert_eq!(say(&http, &server, &old, "one").await, "Got: one");

    // A new build, written over the file: --watch picks it up.
    let newer = dir.path().join("next");
    std::fs::create_dir_all(&newer).expect("dir");
    let next = bundle(&newer, &source.replace("Got: {line}", "Heard: {line}"));
    std::thread::sleep(Duration::from_millis(1100));
    std::fs::rename(&next, &path).expect("replace the bundle");
    wait_for_reload(&server, 1).await;
    let fresh = start(&http, &server).await;
    assert_eq!(say(&http, &server, &fresh, "two").await, "Heard: two");
    assert_eq!(
        say(&http, &server, &old, "three").await,
        "Got: three",
        "the old conversation keeps its bundle"
    );

    // SIGHUP reloads too.
    let third = bundle(&newer, &source.replace("Got: {line}", "Noted: {line}"));
    std::fs::rename(&third, &path).expect("replace the bundle");
    let _ = std::process::Command::new("kill")
        .args(["-HUP", &server.child.id().to_string()])
        .status();
    wait_for_reload(&server, 2).await;
    let newest = start(&http, &server).await;
    assert_eq!(say(&http, &server, &newest, "four").await, "Noted: four");
    assert_eq!(say(&http, &server, &fresh, "five").await, "Heard: five");
    assert_eq!(say(&http, &server, &old, "six").await, "Got: six");
}
