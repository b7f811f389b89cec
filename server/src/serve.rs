//! Putting a server together: open the store, bind, serve, run the background tasks
//! (expiry sweep, hand-off deliveries), and stop gracefully — no new connections,
//! in-flight requests finished, the store flushed.

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
}

pub struct Server {
    pub state: Arc<AppState>,
    pub addr: SocketAddr,
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
            listener,
        })
    }

    /// Serves until `shutdown` resolves, then finishes in-flight requests and flushes.
    pub async fn run(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Result<(), String> {
        let app = http::router(self.state.clone());
        axum::serve(
            http::Listener(self.listener),
            app.into_make_service_with_connect_info::<http::Peer>(),
        )
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(|e| format!("server error: {e}"))?;
        self.state
            .engine
            .store
            .flush()
            .await
            .map_err(|e| format!("flushing the store: {e:?}"))?;
        tracing::info!(target: "csflow::server", "stopped");
        Ok(())
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
