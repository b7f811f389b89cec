//! `csflow serve`: compiles, prints the URL, serves the API and the chat page, recompiles on
//! save; a compile error is shown (terminal and page) while the last good build serves.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const FLOW: &str = r#"flow hello {
  channel chat
  start greet
  state greet {
    say "Hello there."
    end
  }
}
"#;

/// One HTTP/1.1 request over a plain socket; the body of the answer.
fn request(addr: &str, method: &str, path: &str, body: &str) -> String {
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("write");
    let mut text = String::new();
    stream.read_to_string(&mut text).expect("read");
    text.split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or(text)
}

fn wait_until(what: &str, mut ok: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !ok() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn serve_compiles_serves_and_recompiles_on_save() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("hello.csflow");
    std::fs::write(&file, FLOW).expect("write");
    let mut child = Command::new(env!("CARGO_BIN_EXE_csflow"))
        .args(["serve", "--listen", "127.0.0.1:0", "--color", "never"])
        .arg(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start csflow serve");
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    out.read_line(&mut line).expect("read");
    let addr = line
        .split("http://")
        .nth(1)
        .map(|r| r.trim().trim_end_matches('/').to_string())
        .unwrap_or_else(|| panic!("no URL in {line:?}"));
    let run = || {
        let page = request(&addr, "GET", "/", "");
        assert!(page.contains("aria-live"), "{page}");
        let turn = request(&addr, "POST", "/v1/conversations", r#"{"flow":"hello"}"#);
        assert!(turn.contains("Hello there."), "{turn}");

        std::thread::sleep(Duration::from_millis(1100));
        std::fs::write(&file, FLOW.replace("Hello there.", "Welcome back.")).expect("write");
        wait_until("the recompiled flow", || {
            request(&addr, "POST", "/v1/conversations", r#"{"flow":"hello"}"#)
                .contains("Welcome back.")
        });

        std::fs::write(&file, FLOW.replace("end\n", "goto nowhere\n")).expect("write");
        wait_until("the compile error on the page", || {
            request(&addr, "GET", "/status", "").contains("nowhere")
        });
        let turn = request(&addr, "POST", "/v1/conversations", r#"{"flow":"hello"}"#);
        assert!(
            turn.contains("Welcome back."),
            "the last good build keeps serving: {turn}"
        );
    };
    let result = std::panic::catch_unwind(run);
    let _ = child.kill();
    let _ = child.wait();
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}
