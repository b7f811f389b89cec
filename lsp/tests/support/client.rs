//! An in-process LSP client: drives the server's `LspService` as a `tower::Service`,
//! answers its requests (`client/registerCapability`) and collects what it publishes.
#![allow(dead_code)]

use csflow_lsp::Server;
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::time::Duration;
use tokio::sync::mpsc;
use tower::{Service, ServiceExt};
use tower_lsp_server::LspService;
use tower_lsp_server::jsonrpc::{Request, Response};
use tower_lsp_server::ls_types::{PublishDiagnosticsParams, Uri};

pub struct Client {
    service: LspService<Server>,
    published: mpsc::UnboundedReceiver<PublishDiagnosticsParams>,
    next_id: i64,
}

impl Client {
    pub fn start() -> Client {
        let (service, socket) = LspService::new(Server::new);
        let (sender, published) = mpsc::unbounded_channel();
        let (mut requests, mut responses) = socket.split();
        tokio::spawn(async move {
            while let Some(request) = requests.next().await {
                let (method, id, params) = request.into_parts();
                if method == "textDocument/publishDiagnostics" {
                    if let Some(params) = params.and_then(|p| serde_json::from_value(p).ok()) {
                        let _ = sender.send(params);
                    }
                } else if let Some(id) = id {
                    let _ = responses.send(Response::from_ok(id, Value::Null)).await;
                }
            }
        });
        Client {
            service,
            published,
            next_id: 0,
        }
    }

    /// Sends a request and returns its answer (the `result`, or `Err` with the error).
    pub async fn request(&mut self, method: &'static str, params: Value) -> Result<Value, String> {
        self.next_id += 1;
        let request = Request::build(method)
            .params(params)
            .id(self.next_id)
            .finish();
        let response = self
            .service
            .ready()
            .await
            .map_err(|e| e.to_string())?
            .call(request)
            .await
            .map_err(|e| e.to_string())?;
        let (_, result) = response.expect("a request gets a response").into_parts();
        result.map_err(|e| format!("{} {}", e.code.code(), e.message))
    }

    pub async fn notify(&mut self, method: &'static str, params: Value) {
        let request = Request::build(method).params(params).finish();
        let response = self
            .service
            .ready()
            .await
            .unwrap()
            .call(request)
            .await
            .unwrap();
        assert!(response.is_none(), "a notification gets no response");
    }

    pub async fn initialize(&mut self, root: &std::path::Path, capabilities: Value) -> Value {
        self.initialize_with(root, capabilities, json!({ "debounceMs": 1 }))
            .await
    }

    /// [`Client::initialize`] with these `initializationOptions`.
    pub async fn initialize_with(
        &mut self,
        root: &std::path::Path,
        capabilities: Value,
        options: Value,
    ) -> Value {
        let uri = Uri::from_file_path(root).unwrap();
        let result = self
            .request(
                "initialize",
                json!({
                    "processId": null,
                    "rootUri": uri.as_str(),
                    "capabilities": capabilities,
                    "workspaceFolders": [{ "uri": uri.as_str(), "name": "fixture" }],
                    "initializationOptions": options,
                }),
            )
            .await
            .unwrap();
        self.notify("initialized", json!({})).await;
        result
    }

    /// Waits for a publication for `uri` that satisfies `wanted`; earlier ones are skipped.
    pub async fn diagnostics(
        &mut self,
        uri: &Uri,
        wanted: impl Fn(&PublishDiagnosticsParams) -> bool,
    ) -> PublishDiagnosticsParams {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        let mut seen = Vec::new();
        loop {
            let next = tokio::time::timeout_at(deadline, self.published.recv()).await;
            match next {
                Ok(Some(params)) if params.uri == *uri && wanted(&params) => return params,
                Ok(Some(params)) => seen.push(params),
                _ => panic!(
                    "no matching diagnostics for {} in time; published meanwhile: {:#?}",
                    uri.as_str(),
                    seen.iter()
                        .map(|p| (
                            p.uri.as_str(),
                            p.version,
                            p.diagnostics
                                .iter()
                                .map(|d| d.message.lines().next().unwrap_or(""))
                                .collect::<Vec<_>>()
                        ))
                        .collect::<Vec<_>>()
                ),
            }
        }
    }

    /// Everything published so far (without waiting).
    pub fn drain(&mut self) -> Vec<PublishDiagnosticsParams> {
        let mut out = Vec::new();
        while let Ok(params) = self.published.try_recv() {
            out.push(params);
        }
        out
    }

    pub async fn open(&mut self, uri: &Uri, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri.as_str(), "languageId": "csflow", "version": 1, "text": text } }),
        )
        .await;
    }

    /// One incremental change: replace `(line, character)..(line, character)` with `text`.
    pub async fn change(
        &mut self,
        uri: &Uri,
        version: i32,
        range: ((u32, u32), (u32, u32)),
        text: &str,
    ) {
        let ((a, b), (c, d)) = range;
        self.notify(
            "textDocument/didChange",
            json!({
                "textDocument": { "uri": uri.as_str(), "version": version },
                "contentChanges": [{
                    "range": { "start": { "line": a, "character": b }, "end": { "line": c, "character": d } },
                    "text": text
                }]
            }),
        )
        .await;
    }

    pub async fn shutdown(&mut self) {
        self.request("shutdown", Value::Null).await.unwrap();
        self.notify("exit", Value::Null).await;
    }
}

/// The (line, UTF-16 column) of the first `needle` in `text`.
pub fn find(text: &str, needle: &str) -> (u32, u32) {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not found"));
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line = text[..at].matches('\n').count() as u32;
    (line, text[line_start..at].encode_utf16().count() as u32)
}
