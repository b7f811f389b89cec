//! The language server measured through a real client over stdio: `csflow lsp` is started
//! as a child process and spoken to in JSON-RPC, as an editor would.
//!
//!     lsp_latency CSFLOW_BIN PROJECT_DIR FILE [KEYSTROKES]
//!
//! FILE (inside PROJECT_DIR, the workspace folder) is opened; then each keystroke is one
//! incremental `didChange` that adds or removes one letter of a `goto` target (so every
//! keystroke changes the diagnostics), timed from sending it to receiving the
//! `publishDiagnostics` for that version. Then completion right after `goto ` and hover on
//! a state's name, 30 requests each, timed from request to response. Last, the server's
//! resident memory (VmRSS) and peak (VmHWM) from /proc. Prints one JSON object.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn send(stdin: &Mutex<ChildStdin>, message: &Value) {
    let body = message.to_string();
    let mut stdin = stdin.lock().unwrap_or_else(|e| e.into_inner());
    let _ = write!(stdin, "Content-Length: {}\r\n\r\n{body}", body.len());
    let _ = stdin.flush();
}

fn read_messages(
    stdout: impl Read,
    stdin: Arc<Mutex<ChildStdin>>,
    out: std::sync::mpsc::Sender<(Instant, Value)>,
) {
    let mut reader = BufReader::new(stdout);
    loop {
        let mut length = None;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(value) = line.strip_prefix("Content-Length: ") {
                length = value.parse::<usize>().ok();
            }
        }
        let Some(length) = length else { return };
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let at = Instant::now();
        let Ok(message) = serde_json::from_slice::<Value>(&body) else {
            continue;
        };
        // Requests from the server (capability registration): accept them.
        if message.get("method").is_some() && message.get("id").is_some() {
            send(
                &stdin,
                &json!({ "jsonrpc": "2.0", "id": message["id"], "result": null }),
            );
            continue;
        }
        if out.send((at, message)).is_err() {
            return;
        }
    }
}

struct Session {
    stdin: Arc<Mutex<ChildStdin>>,
    messages: Receiver<(Instant, Value)>,
    next_id: i64,
}

impl Session {
    fn request(&mut self, method: &str, params: Value) -> (Duration, Value) {
        self.next_id += 1;
        let id = self.next_id;
        let start = Instant::now();
        send(
            &self.stdin,
            &json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }),
        );
        loop {
            let (at, message) = self
                .messages
                .recv_timeout(Duration::from_secs(600))
                .expect("the server stopped answering");
            if message["id"] == json!(id) {
                return (at - start, message);
            }
        }
    }

    fn notify(&self, method: &str, params: Value) {
        send(
            &self.stdin,
            &json!({ "jsonrpc": "2.0", "method": method, "params": params }),
        );
    }

    /// Waits for the diagnostics of `uri` at `version`; returns when they arrived.
    fn diagnostics(&self, uri: &str, version: i64) -> (Instant, usize) {
        loop {
            let (at, message) = self
                .messages
                .recv_timeout(Duration::from_secs(600))
                .expect("no diagnostics");
            let params = &message["params"];
            if message["method"] == "textDocument/publishDiagnostics"
                && params["uri"] == uri
                && params["version"] == json!(version)
            {
                return (at, params["diagnostics"].as_array().map_or(0, Vec::len));
            }
        }
    }
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn stats(mut samples: Vec<f64>) -> Value {
    samples.sort_by(f64::total_cmp);
    let pick = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    json!({ "n": samples.len(), "median_ms": pick(0.5), "p90_ms": pick(0.9), "max_ms": pick(1.0) })
}

fn proc_kb(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn utf16_position(text: &str, offset: usize) -> Value {
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    json!({ "line": text[..offset].matches('\n').count(), "character": text[line_start..offset].encode_utf16().count() })
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        eprintln!("usage: lsp_latency CSFLOW_BIN PROJECT_DIR FILE [KEYSTROKES]");
        std::process::exit(2);
    }
    let root = std::fs::canonicalize(&args[2]).expect("project dir");
    let file = std::fs::canonicalize(&args[3]).expect("file");
    let keystrokes: usize = args.get(4).and_then(|k| k.parse().ok()).unwrap_or(40);
    let text = std::fs::read_to_string(&file).expect("readable file");
    let uri = format!("file://{}", file.display());
    let root_uri = format!("file://{}", root.display());

    let mut child = Command::new(&args[1])
        .arg("lsp")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("csflow lsp starts");
    let pid = child.id();
    let stdin = Arc::new(Mutex::new(child.stdin.take().expect("stdin")));
    let stdout = child.stdout.take().expect("stdout");
    let (sender, messages) = channel();
    let reader_stdin = stdin.clone();
    std::thread::spawn(move || read_messages(stdout, reader_stdin, sender));
    let mut session = Session {
        stdin,
        messages,
        next_id: 0,
    };

    session.request(
        "initialize",
        json!({ "processId": null, "rootUri": root_uri, "capabilities": {},
                "workspaceFolders": [{ "uri": root_uri, "name": "bench" }] }),
    );
    session.notify("initialized", json!({}));
    let opened = Instant::now();
    session.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri, "languageId": "csflow", "version": 1, "text": text } }),
    );
    let (first, _) = session.diagnostics(&uri, 1);
    let first_ms = millis(first - opened);

    // The keystrokes: after the last letter of the first `goto` target, type `x`, then
    // delete it, and so on.
    let goto = text.find("goto ").expect("a goto in the file") + 5;
    let name_end = goto
        + text[goto..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(0);
    let at = utf16_position(&text, name_end);
    let mut after_x = at.clone();
    after_x["character"] = json!(at["character"].as_u64().unwrap_or(0) + 1);
    let mut latencies = Vec::new();
    let mut version = 1;
    for i in 0..keystrokes {
        version += 1;
        let (range, insert) = if i % 2 == 0 {
            (json!({ "start": at, "end": at }), "x")
        } else {
            (json!({ "start": at, "end": after_x }), "")
        };
        let sent = Instant::now();
        session.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": [{ "range": range, "text": insert }] }),
        );
        let (arrived, count) = session.diagnostics(&uri, version);
        assert_eq!(
            count > 0,
            i % 2 == 0,
            "keystroke {i}: the typo shows and goes"
        );
        latencies.push(millis(arrived - sent));
    }
    if keystrokes % 2 == 1 {
        version += 1;
        session.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": [{ "range": { "start": at, "end": after_x }, "text": "" }] }),
        );
        session.diagnostics(&uri, version);
    }

    let goto_position = utf16_position(&text, goto);
    let state = text.find("state ").expect("a state") + 7;
    let state_position = utf16_position(&text, state);
    let mut completion = Vec::new();
    let mut hover = Vec::new();
    let mut completion_items = 0;
    for _ in 0..30 {
        let (took, answer) = session.request(
            "textDocument/completion",
            json!({ "textDocument": { "uri": uri }, "position": goto_position }),
        );
        // An array of items, or a list `{ isIncomplete, items }` (a flow of more than 200
        // states answers at most 200, marked incomplete).
        let result = &answer["result"];
        completion_items = result
            .as_array()
            .or_else(|| result["items"].as_array())
            .map_or(0, Vec::len);
        assert!(completion_items > 0, "completion answered: {answer}");
        completion.push(millis(took));
        let (took, answer) = session.request(
            "textDocument/hover",
            json!({ "textDocument": { "uri": uri }, "position": state_position }),
        );
        assert!(
            answer["result"]["contents"]["value"].is_string(),
            "hover answered: {answer}"
        );
        hover.push(millis(took));
    }
    let rss = proc_kb(pid, "VmRSS:");
    let peak = proc_kb(pid, "VmHWM:");
    session.request("shutdown", Value::Null);
    session.notify("exit", Value::Null);
    let status = child.wait().map(|s| s.code()).ok().flatten();
    println!(
        "{}",
        json!({
            "file": file.display().to_string(),
            "lines_in_file": text.lines().count(),
            "first_diagnostics_ms": first_ms,
            "keystroke_to_diagnostics": stats(latencies),
            "completion": stats(completion),
            "completion_items": completion_items,
            "hover": stats(hover),
            "rss_mb": rss.map(|kb| kb as f64 / 1024.0),
            "peak_rss_mb": peak.map(|kb| kb as f64 / 1024.0),
            "exit_status": status,
        })
    );
}
