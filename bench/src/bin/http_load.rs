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
//! The client is a minimal HTTP/1.1 keep-alive client over one TCP connection per client
//! (`Connection` below), on a single-threaded tokio runtime: the generator shares the two
//! cores with the server it measures, so every microsecond it spends per request is taken
//! from the server. A general-purpose client (reqwest: pools, header maps, body streams)
//! cost more CPU per request than the server itself (bench/README.md).
//!
//! Example: http_load --base http://127.0.0.1:8080 --flow ivr --conversations 50000 \
//!   --clients 1000 --seconds 20 --server-pid 1234 --label memory [--rate 30000]

use csflow_bench::pick;
use memchr::memmem;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

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

/// CPU seconds (user + system) a process has used so far, from `/proc/<pid>/stat`: what a
/// turn costs whatever the machine's load, where turns per second depend on it. Ticks are
/// Linux's USER_HZ, 100 on every configuration this runs on.
fn cpu_seconds(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may hold spaces: count fields after it.
    let after = stat.get(stat.rfind(')')? + 2..)?;
    let mut fields = after.split_whitespace().skip(11);
    let utime: f64 = fields.next()?.parse().ok()?;
    let stime: f64 = fields.next()?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

fn rss_mb(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// The searchers of the per-turn scans, built once: `memmem::find` builds one per call,
/// which was a quarter of the generator's own time per turn.
static LABEL: LazyLock<memmem::Finder<'static>> =
    LazyLock::new(|| memmem::Finder::new(b"\"label\""));
static HEAD_END: LazyLock<memmem::Finder<'static>> =
    LazyLock::new(|| memmem::Finder::new(b"\r\n\r\n"));

/// The number of menu options of a Turn (counted without parsing the JSON).
fn count_options(body: &[u8]) -> u32 {
    LABEL.find_iter(body).count() as u32
}

/// The id and the number of menu options of a Turn.
fn read_turn(body: &[u8]) -> (Option<String>, u32) {
    let id = memchr::memmem::find(body, b"\"id\":\"").and_then(|at| {
        let rest = &body[at + 6..];
        let end = memchr::memchr(b'"', rest)?;
        std::str::from_utf8(&rest[..end]).ok().map(str::to_string)
    });
    (id, count_options(body))
}

struct Conv {
    id: String,
    options: u32,
    turn: u32,
    index: u32,
}

/// One keep-alive HTTP/1.1 connection: a request is written in one `write_all`, the answer
/// read until its `content-length` is complete. Enough for the two routes measured (both
/// servers answer with a length, never chunked). The answer is read straight into `buf`
/// and handed out as a slice of it (no copy per turn); bytes past it (none, without
/// pipelining) stay for the next answer.
struct Connection {
    addr: String,
    stream: TcpStream,
    buf: Vec<u8>,
    /// Where the unread bytes of `buf` begin.
    read: usize,
    request: Vec<u8>,
}

/// The status and `content-length` of a response head (without its blank line).
fn parse_head(head: &[u8]) -> std::io::Result<(u16, usize)> {
    let bad = |why: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, why.to_string());
    let status = head
        .get(9..12)
        .filter(|s| s.iter().all(u8::is_ascii_digit))
        .map(|s| s.iter().fold(0u16, |n, d| n * 10 + u16::from(d - b'0')))
        .ok_or_else(|| bad("no status"))?;
    let length = head
        .split(|&b| b == b'\n')
        .find_map(|line| {
            let colon = memchr::memchr(b':', line)?;
            let (name, value) = (&line[..colon], &line[colon + 1..]);
            if !name.eq_ignore_ascii_case(b"content-length") {
                return None;
            }
            let value = std::str::from_utf8(value).ok()?;
            Some(value.trim().parse::<usize>().ok())
        })
        .flatten()
        .ok_or_else(|| bad("answer without content-length"))?;
    Ok((status, length))
}

impl Connection {
    async fn open(addr: &str) -> std::io::Result<Connection> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Connection {
            addr: addr.to_string(),
            stream,
            buf: Vec::with_capacity(8192),
            read: 0,
            request: Vec::with_capacity(256),
        })
    }

    /// POSTs `body` (JSON) to `path`; the status and the body of the answer. A connection the
    /// server closed is opened again once.
    async fn post(&mut self, path: &[&str], body: &[&str]) -> std::io::Result<(u16, &[u8])> {
        let range = match self.try_post(path, body).await {
            Ok(answer) => answer,
            Err(_) => {
                self.stream = TcpStream::connect(&self.addr).await?;
                self.stream.set_nodelay(true)?;
                self.buf.clear();
                self.read = 0;
                self.try_post(path, body).await?
            }
        };
        let (status, start, end) = range;
        Ok((status, &self.buf[start..end]))
    }

    /// Sends the request whose path and body are the concatenations of `path` and `body`;
    /// the answer's status and where its body lies in `buf`.
    async fn try_post(
        &mut self,
        path: &[&str],
        body: &[&str],
    ) -> std::io::Result<(u16, usize, usize)> {
        use std::io::Write;
        let length: usize = body.iter().map(|part| part.len()).sum();
        self.request.clear();
        self.request.extend_from_slice(b"POST ");
        for part in path {
            self.request.extend_from_slice(part.as_bytes());
        }
        self.request.extend_from_slice(b" HTTP/1.1\r\nhost: ");
        self.request.extend_from_slice(self.addr.as_bytes());
        write!(
            self.request,
            "\r\ncontent-type: application/json\r\ncontent-length: {length}\r\n\r\n"
        )?;
        for part in body {
            self.request.extend_from_slice(part.as_bytes());
        }
        self.stream.write_all(&self.request).await?;
        // The previous answer's bytes are consumed now that its body is no longer lent out.
        if self.read == self.buf.len() {
            self.buf.clear();
        } else {
            self.buf.drain(..self.read);
        }
        self.read = 0;
        let mut scanned = 0usize;
        loop {
            let from = scanned.saturating_sub(3);
            if let Some(at) = HEAD_END.find(&self.buf[from..]) {
                let head_end = from + at;
                let (status, length) = parse_head(&self.buf[..head_end])?;
                let total = head_end + 4 + length;
                while self.buf.len() < total {
                    self.fill().await?;
                }
                self.read = total;
                return Ok((status, head_end + 4, total));
            }
            scanned = self.buf.len();
            self.fill().await?;
        }
    }

    async fn fill(&mut self) -> std::io::Result<()> {
        if self.buf.capacity() - self.buf.len() < 4096 {
            self.buf.reserve(8192);
        }
        let n = self.stream.read_buf(&mut self.buf).await?;
        if n == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "server closed the connection",
            ));
        }
        Ok(())
    }
}

/// `http://HOST:PORT[/]` → `HOST:PORT`.
fn authority(base: &str) -> Result<String, String> {
    let rest = base
        .strip_prefix("http://")
        .ok_or_else(|| format!("--base must start with http:// (got {base})"))?;
    Ok(rest.trim_end_matches('/').to_string())
}

// One thread: see the module comment.
#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args = match args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    let addr = match authority(&args.base) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    let per_client = args.conversations.div_ceil(args.clients);
    // Phase 1: each client opens its connection and starts its conversations.
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..args.clients {
        let (addr, flow) = (addr.clone(), args.flow.clone());
        let count = per_client.min(args.conversations.saturating_sub(c * per_client));
        tasks.push(tokio::spawn(async move {
            let mut connection = Connection::open(&addr).await.expect("connect");
            let mut mine = Vec::with_capacity(count);
            let body = format!("{{\"flow\":\"{flow}\"}}");
            for k in 0..count {
                let (status, bytes) = connection
                    .post(&["/v1/conversations"], &[&body])
                    .await
                    .expect("start");
                assert_eq!(
                    status,
                    201,
                    "start failed: {}",
                    String::from_utf8_lossy(bytes)
                );
                let (id, options) = read_turn(bytes);
                mine.push(Conv {
                    id: id.expect("id"),
                    options,
                    turn: 0,
                    index: (c * per_client + k) as u32,
                });
            }
            (connection, mine)
        }));
    }
    let mut owned = Vec::new();
    for t in tasks {
        owned.push(t.await.expect("start task"));
    }
    let start_secs = started.elapsed().as_secs_f64();
    let live: usize = owned.iter().map(|(_, mine)| mine.len()).sum();
    let rss_after_start = args.server_pid.and_then(rss_mb);

    // Phase 2: turns as fast as the server answers.
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    let clients = owned.len().max(1);
    let every = (args.rate > 0.0).then(|| Duration::from_secs_f64(clients as f64 / args.rate));
    for (c, (mut connection, mut mine)) in owned.into_iter().enumerate() {
        let stop = stop.clone();
        // Open loop: the clients' schedules are spread over one interval.
        let mut due = every.map(|every| Instant::now() + every.mul_f64(c as f64 / clients as f64));
        tasks.push(tokio::spawn(async move {
            let mut latencies: Vec<u32> = Vec::with_capacity(1 << 14);
            let mut errors = 0u64;
            let mut at = 0usize;
            let mut key = String::with_capacity(8);
            while !stop.load(Ordering::Relaxed) && !mine.is_empty() {
                use std::fmt::Write;
                let len = mine.len();
                let conv = &mut mine[at % len];
                at += 1;
                let choice = pick(conv.index, conv.turn, conv.options.max(1));
                key.clear();
                let _ = write!(key, "{}", choice + 1);
                let sent = match (&mut due, every) {
                    (Some(at), Some(every)) => {
                        tokio::time::sleep_until((*at).into()).await;
                        let scheduled = *at;
                        *at += every;
                        scheduled
                    }
                    _ => Instant::now(),
                };
                let path = ["/v1/conversations/", &conv.id, "/input"];
                match connection.post(&path, &["{\"keys\":\"", &key, "\"}"]).await {
                    Ok((200, bytes)) => {
                        latencies.push(sent.elapsed().as_micros().min(u32::MAX as u128) as u32);
                        conv.options = count_options(bytes);
                        conv.turn += 1;
                    }
                    _ => errors += 1,
                }
            }
            (latencies, errors)
        }));
    }
    let server_pid = args.server_pid.map(|p| p.to_string());
    let cpu_now = || {
        let server = server_pid.as_deref().and_then(cpu_seconds);
        (server, cpu_seconds("self"))
    };
    let cpu_before = cpu_now();
    let window = Instant::now();
    tokio::time::sleep(Duration::from_secs(args.seconds)).await;
    let rss_peak = args.server_pid.and_then(rss_mb);
    let cpu_after = cpu_now();
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
    // CPU µs per turn over the window (the turns finished after the stop are a rounding).
    let per_turn = |before: Option<f64>, after: Option<f64>| -> Option<f64> {
        let used = after? - before?;
        (!all.is_empty()).then(|| (used * 1e6 / all.len() as f64 * 10.0).round() / 10.0)
    };
    let server_cpu = per_turn(cpu_before.0, cpu_after.0);
    let generator_cpu = per_turn(cpu_before.1, cpu_after.1);
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
        "server_cpu_us_per_turn": server_cpu,
        "generator_cpu_us_per_turn": generator_cpu,
    });
    println!("{json}");
}
