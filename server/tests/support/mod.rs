//! Shared by the server's integration tests: compile the test flows, start the real
//! `csflow-runtime` binary on a loopback port, talk to it over HTTP.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Compiles `source` (one .csflow file) into a bundle file in `dir`.
pub fn bundle(dir: &Path, source: &str) -> PathBuf {
    let analysis = csflow_compiler::analyze(
        vec![("flows.csflow".to_string(), source.as_bytes().to_vec())],
        &|_: &Path| Err(std::io::ErrorKind::NotFound.into()),
        &csflow_compiler::check::Options::default(),
    );
    let errors: Vec<_> = analysis
        .diagnostics
        .iter()
        .filter(|d| d.severity == csflow_compiler::diagnostic::Severity::Error)
        .map(|d| d.message.clone())
        .collect();
    assert!(errors.is_empty(), "test flows have errors: {errors:?}");
    let bundle = csflow_compiler::codegen::generate(
        analysis.files.iter().map(|(_, f)| f),
        &analysis.sources,
    )
    .expect("codegen");
    let path = dir.join("flows.csfb");
    std::fs::write(&path, bundle.to_bytes()).expect("write bundle");
    path
}

pub fn demo_source() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/flows/demo.csflow"
    ))
    .expect("demo flows")
}

/// A running `csflow-runtime serve`.
pub struct Server {
    pub child: Child,
    pub base: String,
    pub log: PathBuf,
}

impl Server {
    /// Starts the binary with `args` after `serve BUNDLE --listen 127.0.0.1:0`; waits until
    /// it listens. Its stderr (the log) goes to `dir/NAME.log`.
    pub fn start(dir: &Path, name: &str, bundle: &Path, args: &[&str]) -> Server {
        Server::start_env(dir, name, bundle, args, &[])
    }

    pub fn start_env(
        dir: &Path,
        name: &str,
        bundle: &Path,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Server {
        let log = dir.join(format!("{name}.log"));
        let file = std::fs::File::create(&log).expect("log file");
        let mut command = Command::new(env!("CARGO_BIN_EXE_csflow-runtime"));
        command
            .arg("serve")
            .arg(bundle)
            .args(["--listen", "127.0.0.1:0"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(file);
        for (k, v) in env {
            command.env(k, v);
        }
        // Owned by the Server at once: dropping it (a failed start too) kills the child.
        let mut server = Server {
            child: command.spawn().expect("start csflow-runtime"),
            base: String::new(),
            log,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let text = server.log_text();
            if let Some(line) = text.lines().find(|l| l.contains("listening on http://")) {
                server.base = line
                    .split("listening on ")
                    .nth(1)
                    .expect("address")
                    .trim()
                    .to_string();
                return server;
            }
            let failed = text.lines().any(|l| l.starts_with("error:"));
            assert!(
                !failed && Instant::now() < deadline,
                "csflow-runtime did not start:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The server's log so far. The server hands log lines to a writer thread that writes
    /// them in batches, so this waits until the file has stopped growing (a few tens of
    /// milliseconds; at most 2 s) — an assertion that a secret is *not* logged must see
    /// every line of the turns before it.
    pub fn log_text(&self) -> String {
        let size = || std::fs::metadata(&self.log).map(|m| m.len()).unwrap_or(0);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
        let mut last = size();
        loop {
            std::thread::sleep(std::time::Duration::from_millis(40));
            let now = size();
            if now == last || std::time::Instant::now() > deadline {
                break;
            }
            last = now;
        }
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// `kill -9`.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, then the exit status.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            assert!(Instant::now() < deadline, "no exit after SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client")
}

/// POSTs `body` (raw) and returns (status, JSON body, headers).
pub async fn post_raw(
    client: &reqwest::Client,
    url: &str,
    body: impl Into<reqwest::Body>,
    token: Option<&str>,
) -> (u16, serde_json::Value, reqwest::header::HeaderMap) {
    let mut request = client
        .post(url)
        .header("content-type", "application/json")
        .body(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.expect("body");
    let json = serde_json::from_str(&text)
        .unwrap_or_else(|_| panic!("answer {status} is not JSON: {text:?}"));
    (status, json, headers)
}

pub async fn post(
    client: &reqwest::Client,
    url: &str,
    body: serde_json::Value,
    token: Option<&str>,
) -> (u16, serde_json::Value) {
    let (status, json, _) = post_raw(client, url, body.to_string(), token).await;
    (status, json)
}

pub async fn get(
    client: &reqwest::Client,
    url: &str,
    token: Option<&str>,
) -> (u16, serde_json::Value) {
    let mut request = client.get(url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    let json = serde_json::from_str(&text)
        .unwrap_or_else(|_| panic!("answer {status} is not JSON: {text:?}"));
    (status, json)
}

/// Starts a conversation (`body` names the flow and perhaps variables or a channel),
/// asserting the 201: its id and first Turn.
pub async fn start(
    client: &reqwest::Client,
    server: &Server,
    body: serde_json::Value,
) -> (String, serde_json::Value) {
    let (status, turn) = post(client, &server.url("/v1/conversations"), body, None).await;
    assert_eq!(status, 201, "{turn}");
    let id = turn["id"].as_str().expect("id").to_string();
    (id, turn)
}

/// The `/metrics` page's text.
pub async fn metrics(client: &reqwest::Client, server: &Server) -> String {
    client
        .get(server.url("/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text")
}

/// Asserts the documented error shape and code.
pub fn assert_error(status: u16, body: &serde_json::Value, expected_status: u16, code: &str) {
    assert_eq!(status, expected_status, "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{body}"
    );
}

/// Every say text of a Turn.
pub fn says(turn: &serde_json::Value) -> Vec<String> {
    turn["outputs"]
        .as_array()
        .map(|o| {
            o.iter()
                .filter_map(|x| x["text"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    path
}

/// Reads lines until `needle` appears (a child's stdout), with a deadline.
pub fn wait_for_line(reader: &mut impl BufRead, needle: &str) -> String {
    let mut line = String::new();
    loop {
        line.clear();
        let n = reader.read_line(&mut line).expect("read");
        assert!(n > 0, "stream ended before {needle:?}");
        if line.contains(needle) {
            return line;
        }
    }
}

pub fn buffered(child: &mut Child) -> BufReader<std::process::ChildStdout> {
    BufReader::new(child.stdout.take().expect("stdout"))
}
