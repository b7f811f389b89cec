//! The web chat page in a real headless Chromium (playwright-core): a Chinese conversation
//! with option buttons and a hand-off, keyboard use, a voice flow with the keypad.

mod support;

use support::*;

#[test]
fn the_web_chat_page_in_headless_chromium() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bundle = bundle(dir.path(), &demo_source());
    let server = Server::start(dir.path(), "web", &bundle, &["--web-chat"]);
    let page = reqwest::blocking_get(&server.url("/"));
    assert!(page.contains("aria-live"), "{page}");
    let ci = std::env::var("CI").as_deref() == Ok("true");
    let Ok(tests) = std::env::var("CSFLOW_TEST_PLAYWRIGHT") else {
        assert!(
            !ci,
            "CSFLOW_TEST_PLAYWRIGHT is not set: under CI=true a missing browser is a failure"
        );
        eprintln!(
            "skipped: CSFLOW_TEST_PLAYWRIGHT is not set (scripts/ci.d/server.setup.sh installs playwright-core)"
        );
        return;
    };
    let output = std::process::Command::new("node")
        .arg(format!("{tests}/chat.mjs"))
        .arg(&server.base)
        .current_dir(&tests)
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.contains("web chat ok"),
        "{stdout}\n{stderr}\n{}",
        server.log_text()
    );
}

mod reqwest {
    /// A plain GET over a TCP socket (the test is synchronous).
    pub fn blocking_get(url: &str) -> String {
        use std::io::{Read, Write};
        let rest = url.strip_prefix("http://").expect("http url");
        let (host, path) = rest
            .split_once('/')
            .map(|(h, p)| (h, format!("/{p}")))
            .unwrap_or((rest, "/".into()));
        let mut stream = std::net::TcpStream::connect(host).expect("connect");
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        )
        .expect("write");
        let mut text = String::new();
        stream.read_to_string(&mut text).expect("read");
        text
    }
}
