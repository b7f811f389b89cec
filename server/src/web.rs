//! The web chat page: embedded assets served at `/`.

use crate::http::AppState;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

const INDEX: &str = include_str!("web/index.html");
const SCRIPT: &str = include_str!("web/chat.js");
const STYLE: &str = include_str!("web/chat.css");

fn asset(body: &'static str, kind: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(
        "content-security-policy",
        HeaderValue::from_static("default-src 'self'; style-src 'self'; script-src 'self'"),
    );
    response
}

pub async fn index() -> Response {
    asset(INDEX, "text/html; charset=utf-8")
}

pub async fn script() -> Response {
    asset(SCRIPT, "text/javascript; charset=utf-8")
}

pub async fn style() -> Response {
    asset(STYLE, "text/css; charset=utf-8")
}

/// `GET /status`: the last compile error of `csflow serve`, if any (the page shows it).
pub async fn status(State(state): State<Arc<AppState>>) -> Response {
    let error = match state.compile_error.read() {
        Ok(e) => e.clone(),
        Err(p) => p.into_inner().clone(),
    };
    let body = serde_json::json!({"compile_error": error}).to_string();
    let mut response = body.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}
