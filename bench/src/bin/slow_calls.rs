//! `slow_calls`: issue 9's "a slow service must not stall anyone else", measured. Against a
//! running `csflow-runtime serve` whose bundle has the `calls` flow (bench/slow_calls.sh
//! builds it beside the IVR tree) and whose `[services.slow]` points at the stub this
//! program serves on `--stub-port` (every answer after `--delay-ms`, 2,000 by default):
//!
//! 1. starts `--calls` conversations of `calls` (each waits at `ask n`);
//! 2. sends all their inputs at once: each turn reaches `call slow.answer(…)`, the VM stops
//!    `calling` and the server waits for the stub — 1,000 calls in flight;
//! 3. meanwhile `--clients` other clients take IVR menu turns as fast as they are answered,
//!    and the server's thread count is read from /proc while the calls are in flight.
//!
//! Prints one JSON line: how many calls were answered 200 and how long each took, the other
//! turns' latency percentiles while the calls were in flight, and the server's threads.

use csflow_bench::pick;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

struct Args {
    base: String,
    stub_port: u16,
    calls: usize,
    clients: usize,
    delay_ms: u64,
    server_pid: Option<u32>,
}

fn args() -> Result<Args, String> {
    let mut a = Args {
        base: "http://127.0.0.1:8080".into(),
        stub_port: 0,
        calls: 1_000,
        clients: 20,
        delay_ms: 2_000,
        server_pid: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        let number = |v: String| v.parse::<u64>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--base" => a.base = value()?,
            "--stub-port" => a.stub_port = number(value()?)? as u16,
            "--calls" => a.calls = number(value()?)? as usize,
            "--clients" => a.clients = number(value()?)? as usize,
            "--delay-ms" => a.delay_ms = number(value()?)?,
            "--server-pid" => a.server_pid = Some(number(value()?)? as u32),
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(a)
}

/// The slow service: reads one HTTP request, waits, answers `{"state":"done"}`.
async fn stub(listener: tokio::net::TcpListener, delay: Duration, served: Arc<AtomicUsize>) {
    loop {
        let Ok((mut socket, _)) = listener.accept().await else {
            continue;
        };
        let served = served.clone();
        tokio::spawn(async move {
            loop {
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                // Headers, then as many body bytes as Content-Length says.
                let body_len = loop {
                    let Ok(n) = socket.read(&mut buf).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    request.extend_from_slice(&buf[..n]);
                    if let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&request[..end]).to_lowercase();
                        let length = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .and_then(|v| v.trim().parse::<usize>().ok())
                            .unwrap_or(0);
                        break end + 4 + length;
                    }
                };
                while request.len() < body_len {
                    let Ok(n) = socket.read(&mut buf).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    request.extend_from_slice(&buf[..n]);
                }
                tokio::time::sleep(delay).await;
                let body = r#"{"state":"done"}"#;
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                    body.len()
                );
                if socket.write_all(response.as_bytes()).await.is_err() {
                    return;
                }
                served.fetch_add(1, Ordering::Relaxed);
            }
        });
    }
}

fn threads(pid: u32) -> Option<u32> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))?
        .trim()
        .parse()
        .ok()
}

fn id_of(body: &str) -> Option<String> {
    let at = body.find("\"id\":\"")?;
    let rest = &body[at + 6..];
    Some(rest[..rest.find('"')?].to_string())
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

async fn start(http: &reqwest::Client, base: &str, flow: &str) -> String {
    let response = http
        .post(format!("{base}/v1/conversations"))
        .header("content-type", "application/json")
        .body(format!("{{\"flow\":\"{flow}\"}}"))
        .send()
        .await
        .expect("start");
    assert_eq!(response.status().as_u16(), 201, "start {flow}");
    id_of(&response.text().await.expect("body")).expect("id")
}

#[tokio::main]
async fn main() {
    let args = match args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.stub_port))
        .await
        .expect("stub port");
    let served = Arc::new(AtomicUsize::new(0));
    tokio::spawn(stub(
        listener,
        Duration::from_millis(args.delay_ms),
        served.clone(),
    ));
    let http = reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(args.calls * 2)
        .tcp_nodelay(true)
        .build()
        .expect("client");
    let base = args.base.clone();
    let threads_before = args.server_pid.and_then(threads);

    // 1. The conversations that will call the slow service.
    let mut waiting = Vec::with_capacity(args.calls);
    for _ in 0..args.calls {
        waiting.push(start(&http, &base, "calls").await);
    }
    // The other callers' conversations.
    let mut others = Vec::new();
    for _ in 0..args.clients {
        others.push(start(&http, &base, "ivr").await);
    }

    // 2. All calls at once.
    let began = Instant::now();
    let mut calls = Vec::new();
    for id in waiting {
        let (http, base) = (http.clone(), base.clone());
        calls.push(tokio::spawn(async move {
            let sent = Instant::now();
            let response = http
                .post(format!("{base}/v1/conversations/{id}/input"))
                .header("content-type", "application/json")
                .body(r#"{"text":"7"}"#)
                .send()
                .await;
            let ok = match response {
                Ok(r) if r.status().as_u16() == 200 => {
                    r.text().await.is_ok_and(|t| t.contains("done"))
                }
                _ => false,
            };
            (ok, sent.elapsed().as_secs_f64())
        }));
    }

    // 3. Other callers' turns while the calls are in flight.
    let stop = Arc::new(AtomicBool::new(false));
    let mut turns = Vec::new();
    for (c, id) in others.into_iter().enumerate() {
        let (http, base, stop) = (http.clone(), base.clone(), stop.clone());
        turns.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut options = 3;
            let mut turn = 0;
            while !stop.load(Ordering::Relaxed) {
                let key = pick(c as u32, turn, options) + 1;
                let sent = Instant::now();
                let response = http
                    .post(format!("{base}/v1/conversations/{id}/input"))
                    .header("content-type", "application/json")
                    .body(format!("{{\"keys\":\"{key}\"}}"))
                    .send()
                    .await;
                if let Ok(r) = response
                    && r.status().as_u16() == 200
                {
                    let body = r.text().await.unwrap_or_default();
                    latencies.push(sent.elapsed().as_secs_f64() * 1000.0);
                    options = (body.matches("\"label\"").count() as u32).max(1);
                    turn += 1;
                }
            }
            latencies
        }));
    }
    // The server's threads while the calls wait (half-way through the delay).
    tokio::time::sleep(Duration::from_millis(args.delay_ms / 2)).await;
    let threads_during = args.server_pid.and_then(threads);
    let in_flight = args.calls - served.load(Ordering::Relaxed);
    let mut answered = 0;
    let mut took = Vec::new();
    for call in calls {
        let (ok, secs) = call.await.expect("call task");
        answered += usize::from(ok);
        took.push(secs);
    }
    let all_calls = began.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    let mut latencies = Vec::new();
    for t in turns {
        latencies.extend(t.await.expect("turn task"));
    }
    latencies.sort_by(f64::total_cmp);
    took.sort_by(f64::total_cmp);
    let json = serde_json::json!({
        "calls": args.calls,
        "service_delay_ms": args.delay_ms,
        "calls_answered_200": answered,
        "calls_in_flight_at_half_time": in_flight,
        "call_turn_seconds_min": (percentile(&took, 0.0) * 1000.0).round() / 1000.0,
        "call_turn_seconds_max": (percentile(&took, 1.0) * 1000.0).round() / 1000.0,
        "all_calls_seconds": (all_calls * 1000.0).round() / 1000.0,
        "other_clients": args.clients,
        "other_turns": latencies.len(),
        "other_turns_per_second": (latencies.len() as f64 / all_calls).round(),
        "other_p50_ms": (percentile(&latencies, 0.5) * 100.0).round() / 100.0,
        "other_p99_ms": (percentile(&latencies, 0.99) * 100.0).round() / 100.0,
        "server_threads_before": threads_before,
        "server_threads_during": threads_during,
    });
    println!("{json}");
}
