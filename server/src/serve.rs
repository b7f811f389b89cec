//! Putting a server together: open the store, bind, serve, run the background tasks
//! (expiry sweep, hand-off deliveries), and stop gracefully — no new connections,
//! in-flight requests finished, the store flushed.
//!
//! Connections are served by `workers` threads, each running its own single-threaded tokio
//! runtime; the caller's runtime accepts and hands each new connection to the next worker
//! in turn, and runs the background tasks. A connection then stays on its worker: a turn is
//! read, run and answered on one thread with no wake-up of another (tokio's multi-thread
//! scheduler woke a second worker for most turns, ~1.7 µs a turn: bench/README.md, issue 9
//! sessions 11–12). The price is no work stealing between connections.

use crate::bundles::{Bundles, Loaded};
use crate::classifier::Classifier;
use crate::config::Config;
use crate::engine::Engine;
use crate::handoff::Webhook;
use crate::http::{self, AppState, Tokens};
use crate::metrics::Metrics;
use crate::services::ServiceClients;
use crate::store::Store;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

pub struct Options {
    pub listen: SocketAddr,
    pub store: String,
    pub config: Config,
    pub web_chat: bool,
    /// Threads serving connections (at least 1); [`default_workers`] follows the cores.
    pub workers: usize,
}

/// One worker per core the process may use (cgroup and affinity limits included).
pub fn default_workers() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

pub struct Server {
    pub state: Arc<AppState>,
    pub addr: SocketAddr,
    pub workers: usize,
    listener: tokio::net::TcpListener,
}

impl Server {
    /// Checks the options, opens the store and binds the address.
    pub async fn new(bundle: Loaded, options: Options) -> Result<Server, String> {
        let config = options.config;
        let tokens = config.resolved_tokens().map_err(|e| e.to_string())?;
        if !options.listen.ip().is_loopback() && tokens.is_empty() {
            return Err(format!(
                "refusing to listen on {} without API tokens: add a [[token]] to the config file, or listen on 127.0.0.1",
                options.listen
            ));
        }
        let sessions = config.sessions.clone();
        let idle_ms = (sessions.idle_timeout_secs.max(1) * 1000) as i64;
        let remember_ms = (sessions.remember_expired_secs * 1000) as i64;
        let store = Store::open(&options.store, idle_ms, remember_ms).await?;
        let services = ServiceClients::from_config(&config).map_err(|e| e.to_string())?;
        let webhook = match &config.handoff {
            Some(h) => Some(Arc::new(Webhook::new(h).map_err(|e| e.to_string())?)),
            None => None,
        };
        let voice = crate::voice::Voice::from_config(&config.voice).map_err(|e| e.to_string())?;
        let classifier = match &config.intent_classifier {
            Some(c) => Some(Classifier::from_config(c).map_err(|e| e.to_string())?),
            None => None,
        };
        let metrics = Arc::new(Metrics::new());
        let engine = Arc::new(Engine {
            bundles: Bundles::new(bundle),
            store,
            limits: config.limits.clone(),
            sessions,
            services: Arc::new(services),
            classifier,
            metrics: metrics.clone(),
            handoff_webhook: webhook.is_some(),
        });
        let state = Arc::new(AppState {
            engine: engine.clone(),
            tokens: Tokens::new(tokens),
            limiter: http::rate_limiter(&config.limits),
            web_chat: options.web_chat,
            compile_error: std::sync::RwLock::new(None),
            voice: Some(voice),
        });
        let listener = tokio::net::TcpListener::bind(options.listen)
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", options.listen))?;
        let addr = listener
            .local_addr()
            .map_err(|e| format!("cannot read the bound address: {e}"))?;
        if let Some(webhook) = webhook {
            tokio::spawn(webhook.run(engine.clone(), metrics));
        }
        tokio::spawn(sweep(state.clone(), idle_ms));
        Ok(Server {
            state,
            addr,
            workers: options.workers.max(1),
            listener,
        })
    }

    /// Serves until `shutdown` resolves, then finishes in-flight requests and flushes.
    ///
    /// The workers' runtimes are kept running until the store is flushed: a store's
    /// connection task (Redis reconnects from whichever runtime noticed the loss) may live on
    /// one of them.
    pub async fn run(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Result<(), String> {
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let mut workers = Vec::with_capacity(self.workers);
        for index in 0..self.workers {
            workers.push(Worker::start(
                index,
                &self.state,
                self.addr,
                stopped.clone(),
            )?);
        }
        let handoff: Vec<_> = workers.iter().map(|w| w.connections.clone()).collect();
        let accept = accept(self.listener, handoff);
        tokio::select! {
            () = shutdown => {},
            () = accept => {},
        }
        // The listener is dropped with `accept`: no new connections from here on.
        let _ = stop.send(true);
        let mut failed = None;
        for worker in &mut workers {
            let served = (&mut worker.served)
                .await
                .unwrap_or_else(|_| Err("a worker stopped unexpectedly".into()));
            if let Err(error) = served {
                failed.get_or_insert(error);
            }
        }
        let flushed = self.state.engine.store.flush().await;
        for worker in workers {
            worker.finish();
        }
        if let Some(error) = failed {
            return Err(format!("server error: {error}"));
        }
        flushed.map_err(|e| format!("flushing the store: {e:?}"))?;
        tracing::info!(target: "csflow::server", "stopped");
        Ok(())
    }
}

/// A connection accepted by the caller's runtime, on its way to a worker (a std stream: a
/// tokio stream belongs to the runtime that registered it).
type Connection = (std::net::TcpStream, SocketAddr);

/// Accepts connections and deals them to the workers in turn, until it is dropped.
async fn accept(
    listener: tokio::net::TcpListener,
    workers: Vec<tokio::sync::mpsc::UnboundedSender<Connection>>,
) {
    let mut listener = http::Listener(listener);
    let mut next = 0usize;
    loop {
        // axum's accept: it retries (after a pause) when accepting fails.
        let (stream, addr) = axum::serve::Listener::accept(&mut listener).await;
        let stream = match stream.into_std() {
            Ok(stream) => stream,
            Err(error) => {
                tracing::debug!(target: "csflow::server", %error, "cannot hand a connection over");
                continue;
            }
        };
        if let Some(worker) = workers.get(next % workers.len().max(1)) {
            let _ = worker.send((stream, addr));
        }
        next = next.wrapping_add(1);
    }
}

/// One serving thread and its single-threaded runtime.
struct Worker {
    connections: tokio::sync::mpsc::UnboundedSender<Connection>,
    /// Resolves when the worker has finished its connections after the stop.
    served: tokio::sync::oneshot::Receiver<Result<(), String>>,
    /// Dropping (or sending on) it lets the worker's runtime end.
    release: tokio::sync::oneshot::Sender<()>,
    thread: std::thread::JoinHandle<()>,
}

impl Worker {
    fn start(
        index: usize,
        state: &Arc<AppState>,
        addr: SocketAddr,
        mut stopped: tokio::sync::watch::Receiver<bool>,
    ) -> Result<Worker, String> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start worker {index}'s async runtime: {e}"))?;
        let (connections, incoming) = tokio::sync::mpsc::unbounded_channel();
        let (done, served) = tokio::sync::oneshot::channel();
        let (release, released) = tokio::sync::oneshot::channel::<()>();
        let app = crate::connection::MakeApi::new(state.clone());
        let thread = std::thread::Builder::new()
            .name(format!("csflow-worker-{index}"))
            .spawn(move || {
                runtime.block_on(async move {
                    let listener = http::Handed { incoming, addr };
                    let result = axum::serve(listener, app)
                        .with_graceful_shutdown(async move {
                            let _ = stopped.wait_for(|stop| *stop).await;
                        })
                        .await
                        .map_err(|e| e.to_string());
                    let _ = done.send(result);
                    let _ = released.await;
                });
            })
            .map_err(|e| format!("cannot start worker thread {index}: {e}"))?;
        Ok(Worker {
            connections,
            served,
            release,
            thread,
        })
    }

    fn finish(self) {
        let _ = self.release.send(());
        if self.thread.join().is_err() {
            tracing::error!(target: "csflow::server", "a worker thread panicked");
        }
    }
}

/// Expires idle conversations, drops bundles no conversation uses, forgets idle clients'
/// rate-limit state.
async fn sweep(state: Arc<AppState>, idle_ms: i64) {
    let every = Duration::from_millis((idle_ms / 4).clamp(200, 30_000) as u64);
    loop {
        tokio::time::sleep(every).await;
        let engine = &state.engine;
        match engine.store.sweep().await {
            Ok((in_use, expired)) => {
                if engine.store.live().is_some() {
                    let dropped = engine.bundles.retain(|id| in_use.contains(id));
                    for id in dropped {
                        tracing::info!(target: "csflow::server", bundle = %id, "old bundle dropped: no conversation uses it");
                    }
                }
                if expired > 0 {
                    engine.metrics.active.dec_by(expired as i64);
                }
            }
            Err(error) => {
                engine.metrics.store_error("sweep");
                tracing::warn!(target: "csflow::server", error = ?error, "expiry sweep failed");
            }
        }
        state.limiter.retain_recent();
    }
}

/// Resolves on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!(target: "csflow::server", "shutting down: finishing in-flight requests");
}

/// Loads the bundle at `path` again on SIGHUP, and with `watch` whenever its file changes.
pub fn spawn_reloader(state: Arc<AppState>, path: std::path::PathBuf, watch: bool) {
    let watched = path.clone();
    let reload = move |state: &AppState, why: &str| match Loaded::read(&path) {
        Ok(loaded) => {
            let id = loaded.id.clone();
            if state.engine.bundles.install(loaded) {
                tracing::info!(target: "csflow::server", bundle = %id, reason = why, "bundle loaded: new conversations start on it");
            }
        }
        Err(error) => {
            tracing::error!(target: "csflow::server", error = %error, "bundle reload failed; the previous bundle keeps serving");
        }
    };
    let mtime = |p: &std::path::Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    tokio::spawn(async move {
        #[cfg(unix)]
        let mut hup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
        let mut last = mtime(&watched);
        let mut tick = tokio::time::interval(Duration::from_millis(500));
        loop {
            #[cfg(unix)]
            let hangup = async {
                match hup.as_mut() {
                    Some(signal) => {
                        signal.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            #[cfg(not(unix))]
            let hangup = std::future::pending::<()>();
            tokio::select! {
                () = hangup => reload(&state, "SIGHUP"),
                _ = tick.tick(), if watch => {
                    let now = mtime(&watched);
                    if now != last {
                        last = now;
                        reload(&state, "file changed");
                    }
                }
            }
        }
    });
}
