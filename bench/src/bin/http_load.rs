//! `http_load`: the load generator for a running `csflow-runtime serve` (or any server with
//! the same API, such as the XState peer in bench/xstate_http.js). It starts
//! `--conversations` conversations on `--flow`, then `--clients` concurrent clients send
//! turns as fast as they can for `--seconds`: each client owns every `clients`-th
//! conversation and answers its menu with the peers' simulated caller (`pick`, key
//! `pick+1`). Prints one JSON line: turns/s, latency percentiles, the server's RSS.
//!
//! With `--rate R` the turns are sent open-loop instead: R turns per second in all, each
//! client on a fixed schedule (R / clients per second), and a turn's latency is counted from
//! when it was due, not from when it went out — a slow answer delays the client's next
//! turns and that wait is counted (no coordinated omission). Closed-loop with 1,000 clients
//! measures throughput, and its latency is simply clients ÷ throughput; open-loop at a rate
//! the server sustains measures the latency a caller sees at that load.
//!
//! Example: http_load --base http://127.0.0.1:8080 --flow ivr --conversations 50000 \
//!   --clients 1000 --seconds 20 --server-pid 1234 --label memory [--rate 30000]

use csflow_bench::pick;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

struct Args {
    base: String,
    flow: String,
    conversations: usize,
    clients: usize,
    seconds: u64,
    server_pid: Option<u32>,
    label: String,
    /// Turns per second in all (open loop); 0: as fast as answers come (closed loop).
    rate: f64,
}

fn args() -> Result<Args, String> {
    let mut a = Args {
        base: "http://127.0.0.1:8080".into(),
        flow: "ivr".into(),
        conversations: 50_000,
        clients: 1_000,
        seconds: 20,
        server_pid: None,
        label: "csflow".into(),
        rate: 0.0,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--base" => a.base = value()?,
            "--flow" => a.flow = value()?,
            "--conversations" => a.conversations = value()?.parse().map_err(|e| format!("{e}"))?,
            "--clients" => a.clients = value()?.parse().map_err(|e| format!("{e}"))?,
            "--seconds" => a.seconds = value()?.parse().map_err(|e| format!("{e}"))?,
            "--server-pid" => a.server_pid = Some(value()?.parse().map_err(|e| format!("{e}"))?),
            "--label" => a.label = value()?,
            "--rate" => a.rate = value()?.parse().map_err(|e| format!("{e}"))?,
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(a)
}

fn rss_mb(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// The id and the number of menu options of a Turn (counted without parsing the JSON).
fn read_turn(body: &[u8]) -> (Option<String>, u32) {
    let text = String::from_utf8_lossy(body);
    let options = text.matches("\"label\"").count() as u32;
    let id = text.find("\"id\":\"").and_then(|at| {
        let rest = &text[at + 6..];
        rest.find('"').map(|end| rest[..end].to_string())
    });
    (id, options)
}

struct Conv {
    id: String,
    options: u32,
    turn: u32,
    index: u32,
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
    let http = reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(args.clients * 2)
        .tcp_nodelay(true)
        .build()
        .expect("client");
    let per_client = args.conversations.div_ceil(args.clients);
    // Phase 1: start the conversations, `clients` at a time.
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..args.clients {
        let (http, base, flow) = (http.clone(), args.base.clone(), args.flow.clone());
        let count = per_client.min(args.conversations.saturating_sub(c * per_client));
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::with_capacity(count);
            for k in 0..count {
                let body = format!("{{\"flow\":\"{flow}\"}}");
                let response = http
                    .post(format!("{base}/v1/conversations"))
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await
                    .expect("start");
                assert_eq!(response.status().as_u16(), 201, "start failed");
                let bytes = response.bytes().await.expect("body");
                let (id, options) = read_turn(&bytes);
                mine.push(Conv {
                    id: id.expect("id"),
                    options,
                    turn: 0,
                    index: (c * per_client + k) as u32,
                });
            }
            mine
        }));
    }
    let mut owned = Vec::new();
    for t in tasks {
        owned.push(t.await.expect("start task"));
    }
    let start_secs = started.elapsed().as_secs_f64();
    let live: usize = owned.iter().map(Vec::len).sum();
    let rss_after_start = args.server_pid.and_then(rss_mb);

    // Phase 2: turns as fast as the server answers.
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    let clients = owned.len().max(1);
    let every = (args.rate > 0.0).then(|| Duration::from_secs_f64(clients as f64 / args.rate));
    for (c, mut mine) in owned.into_iter().enumerate() {
        let (http, base, stop) = (http.clone(), args.base.clone(), stop.clone());
        // Open loop: the clients' schedules are spread over one interval.
        let mut due = every.map(|every| Instant::now() + every.mul_f64(c as f64 / clients as f64));
        tasks.push(tokio::spawn(async move {
            let mut latencies: Vec<u32> = Vec::with_capacity(1 << 14);
            let mut errors = 0u64;
            let mut at = 0usize;
            while !stop.load(Ordering::Relaxed) && !mine.is_empty() {
                let len = mine.len();
                let conv = &mut mine[at % len];
                at += 1;
                let choice = pick(conv.index, conv.turn, conv.options.max(1));
                let body = format!("{{\"keys\":\"{}\"}}", choice + 1);
                let sent = match (&mut due, every) {
                    (Some(at), Some(every)) => {
                        tokio::time::sleep_until((*at).into()).await;
                        let scheduled = *at;
                        *at += every;
                        scheduled
                    }
                    _ => Instant::now(),
                };
                let response = http
                    .post(format!("{base}/v1/conversations/{}/input", conv.id))
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await;
                match response {
                    Ok(r) if r.status().as_u16() == 200 => {
                        let bytes = r.bytes().await.unwrap_or_default();
                        latencies.push(sent.elapsed().as_micros().min(u32::MAX as u128) as u32);
                        conv.options = read_turn(&bytes).1;
                        conv.turn += 1;
                    }
                    _ => errors += 1,
                }
            }
            (latencies, errors)
        }));
    }
    let window = Instant::now();
    tokio::time::sleep(Duration::from_secs(args.seconds)).await;
    let rss_peak = args.server_pid.and_then(rss_mb);
    stop.store(true, Ordering::Relaxed);
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await.expect("turn task");
        all.extend(l);
        errors += e;
    }
    let elapsed = window.elapsed().as_secs_f64();
    all.sort_unstable();
    let pct = |p: f64| -> f64 {
        if all.is_empty() {
            return 0.0;
        }
        let i = ((all.len() as f64 - 1.0) * p).round() as usize;
        all[i] as f64 / 1000.0
    };
    let json = serde_json::json!({
        "label": args.label,
        "conversations": live,
        "clients": args.clients,
        "rate": (args.rate > 0.0).then_some(args.rate),
        "start_seconds": (start_secs * 100.0).round() / 100.0,
        "turns": all.len(),
        "errors": errors,
        "turns_per_second": (all.len() as f64 / elapsed).round(),
        "p50_ms": pct(0.5),
        "p99_ms": pct(0.99),
        "p999_ms": pct(0.999),
        "server_rss_mb_after_start": rss_after_start.map(|m| m.round()),
        "server_rss_mb": rss_peak.map(|m| m.round()),
    });
    println!("{json}");
}
