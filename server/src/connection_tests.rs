//! The short way a turn takes against the router's: the same answer, byte for byte, for
//! good turns and for every refusal.

use super::{Api, turn_id};
use crate::bundles::Loaded;
use crate::config::Config;
use crate::http::{self, Peer};
use crate::serve::{Options, Server};
use axum::body::Body;
use axum::extract::{ConnectInfo, Request};
use axum::response::Response;
use tower::ServiceExt;

const TOKEN: &str = "0123456789abcdef-token";

fn demo() -> Loaded {
    let source = include_str!("../tests/flows/demo.csflow");
    let analysis = csflow_compiler::analyze(
        vec![("demo.csflow".into(), source.as_bytes().to_vec())],
        &|p: &std::path::Path| std::fs::read(p),
        &csflow_compiler::check::Options::default(),
    );
    assert!(!analysis.has_errors());
    let bundle = csflow_compiler::codegen::generate_analysis(&analysis).expect("codegen");
    Loaded::from_bytes(&bundle.to_bytes()).expect("bundle")
}

async fn api() -> Api {
    api_with(&format!(
        "[[token]]\nname = \"ci\"\nvalue = \"{TOKEN}\"\n[limits]\nmax_body_bytes = 256\nmax_text_chars = 20\n"
    ))
    .await
}

async fn api_with(config: &str) -> Api {
    let config = Config::parse(config).expect("config");
    let options = Options {
        listen: "127.0.0.1:0".parse().expect("address"),
        store: "memory".into(),
        config,
        web_chat: false,
        workers: 1,
    };
    let server = Server::new(demo(), options).await.expect("server");
    Api {
        router: http::router(server.state.clone()),
        state: server.state,
        peer: Peer("127.0.0.1".into()),
    }
}

fn post(path: &str, token: Option<&str>, body: &str) -> Request {
    let mut request = Request::builder()
        .method("POST")
        .uri(path)
        .header("content-type", "application/json");
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    request.body(Body::from(body.to_string())).expect("request")
}

/// A response's status, headers and body. `date` differs by the second, and the router sets
/// `content-length` where hyper writes it for the short way (server/tests/api.rs checks it
/// on the wire).
async fn parts(response: Response) -> (u16, Vec<(String, String)>, String) {
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .filter(|(k, _)| *k != "date" && *k != "content-length")
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("?").to_string()))
        .collect();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body");
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

/// The request through the connection's service, and through the router alone.
async fn both(
    api: &Api,
    request: impl Fn() -> Request,
) -> (
    (u16, Vec<(String, String)>, String),
    (u16, Vec<(String, String)>, String),
) {
    let short = api.clone().oneshot(request()).await.expect("infallible");
    (
        parts(short).await,
        parts(routed(api, request()).await).await,
    )
}

/// `request` through the router alone, with the peer as the router's make-service put it.
async fn routed(api: &Api, mut request: Request) -> Response {
    request
        .extensions_mut()
        .insert(ConnectInfo(Peer("127.0.0.1".into())));
    api.router
        .clone()
        .oneshot(request)
        .await
        .expect("infallible")
}

async fn start(api: &Api) -> String {
    let response = api
        .clone()
        .oneshot(post(
            "/v1/conversations",
            Some(TOKEN),
            r#"{"flow":"support"}"#,
        ))
        .await
        .expect("infallible");
    let (status, _, body) = parts(response).await;
    assert_eq!(status, 201, "{body}");
    let turn: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    turn["id"].as_str().expect("id").to_string()
}

#[test]
fn only_requests_the_router_gives_the_same_id_take_the_short_way() {
    let id = |method: &str, path: &str| {
        let request = Request::builder()
            .method(method)
            .uri(path)
            .body(Body::empty())
            .expect("request");
        turn_id(&request).map(str::to_string)
    };
    let hex = "0123456789abcdef0123456789abcdef";
    assert_eq!(
        id("POST", &format!("/v1/conversations/{hex}/input")),
        Some(hex.into())
    );
    assert_eq!(
        id("POST", &format!("/v1/conversations/{hex}/input?x=1")),
        Some(hex.into())
    );
    assert_eq!(
        id("POST", "/v1/conversations/nope/input"),
        Some("nope".into())
    );
    for (method, path) in [
        ("GET", format!("/v1/conversations/{hex}/input")),
        ("PUT", format!("/v1/conversations/{hex}/input")),
        ("POST", format!("/v1/conversations/{hex}/input/")),
        ("POST", format!("/v1/conversations/{hex}")),
        ("POST", "/v1/conversations//input".into()),
        ("POST", "/v1/conversations/a%62c/input".into()),
        ("POST", "/v1/conversations/a/b/input".into()),
        ("POST", format!("/v2/conversations/{hex}/input")),
    ] {
        assert_eq!(id(method, &path), None, "{method} {path}");
    }
}

#[tokio::test]
async fn a_turn_the_short_way_is_answered_as_the_router_answers_it() {
    let api = api().await;
    // Two conversations in the same state: one turn each way.
    let (a, b) = (start(&api).await, start(&api).await);
    let short = api
        .clone()
        .oneshot(post(
            &format!("/v1/conversations/{a}/input"),
            Some(TOKEN),
            r#"{"keys":"5"}"#,
        ))
        .await
        .expect("infallible");
    let routed = routed(
        &api,
        post(
            &format!("/v1/conversations/{b}/input"),
            Some(TOKEN),
            r#"{"keys":"5"}"#,
        ),
    )
    .await;
    let (short, routed) = (parts(short).await, parts(routed).await);
    assert_eq!(short.0, 200, "{}", short.2);
    assert!(short.2.contains("Type a note."), "{}", short.2);
    assert_eq!(short.0, routed.0);
    assert_eq!(short.1, routed.1);
    assert_eq!(short.2.replace(&a, "ID"), routed.2.replace(&b, "ID"));

    // Every refusal, and the ones that change nothing: the same status, headers and body.
    let unknown = "00000000000000000000000000000000";
    let long = format!(r#"{{"text":"{}"}}"#, "x".repeat(21));
    let huge = format!(r#"{{"text":"{}"}}"#, "x".repeat(300));
    let cases: Vec<(String, Option<&str>, String)> = vec![
        (
            format!("/v1/conversations/{a}/input"),
            None,
            r#"{"keys":"1"}"#.into(),
        ),
        (
            format!("/v1/conversations/{a}/input"),
            Some("wrong-token-0123456789"),
            r#"{"keys":"1"}"#.into(),
        ),
        (
            format!("/v1/conversations/{a}/input"),
            Some(TOKEN),
            "{not json".into(),
        ),
        (
            format!("/v1/conversations/{a}/input"),
            Some(TOKEN),
            r#"{"keys":1}"#.into(),
        ),
        (
            format!("/v1/conversations/{a}/input"),
            Some(TOKEN),
            r#"{"keys":"1","x":2}"#.into(),
        ),
        (
            format!("/v1/conversations/{a}/input"),
            Some(TOKEN),
            r#"[]"#.into(),
        ),
        (format!("/v1/conversations/{a}/input"), Some(TOKEN), long),
        (format!("/v1/conversations/{a}/input"), Some(TOKEN), huge),
        (
            format!("/v1/conversations/{unknown}/input"),
            Some(TOKEN),
            r#"{"keys":"1"}"#.into(),
        ),
        (
            "/v1/conversations/not-an-id/input".into(),
            Some(TOKEN),
            r#"{"keys":"1"}"#.into(),
        ),
    ];
    for (path, token, body) in &cases {
        let (short, routed) = both(&api, || post(path, *token, body)).await;
        assert!(short.0 >= 400, "{path} {token:?} {body}: {short:?}");
        assert_eq!(short, routed, "{path} {token:?} {body}");
    }
}

#[tokio::test]
async fn without_tokens_both_ways_count_the_peer_against_one_rate() {
    let api = api_with("[limits]\nrequests_per_second = 1\nburst = 3\n").await;
    // The start takes one of the burst of 3; the two turns the rest.
    let id = start_open(&api).await;
    let path = format!("/v1/conversations/{id}/input");
    let (short, routed) = both(&api, || post(&path, None, r#"{"keys":"4"}"#)).await;
    assert_eq!((short.0, routed.0), (200, 409), "{short:?} {routed:?}");
    let (short, routed) = both(&api, || post(&path, None, r#"{"keys":"4"}"#)).await;
    assert_eq!(short.0, 429, "{short:?}");
    assert_eq!(short, routed);
}

async fn start_open(api: &Api) -> String {
    let request = post("/v1/conversations", None, r#"{"flow":"support"}"#);
    let (status, _, body) = parts(routed(api, request).await).await;
    assert_eq!(status, 201, "{body}");
    let turn: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    turn["id"].as_str().expect("id").to_string()
}
