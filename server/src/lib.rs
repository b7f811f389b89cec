//! The csflow runtime server: what the `csflow-runtime` binary (and `csflow serve`) run.
//!
//! ```text
//! config    the TOML file: tokens, limits, sessions, services, hand-off, voice
//! bundles   the loaded bundles by content hash; reloads add, never swap under a conversation
//! store     memory / SQLite / Redis session stores and the hand-off outbox
//! engine    start / input / show: variables, limits, the VM, commit, logs and metrics
//! turn      the API's Turn JSON and a turn's summary
//! services  service calls as JSON over HTTP
//! classifier the external intent classifier over HTTP (the offline matcher is the fallback)
//! handoff   the hand-off webhook's delivery loop
//! connection what a connection runs: the turn route straight to its handler, the rest routed
//! http      routes, body parsing, JSON errors
//! guard     every /v1 route's bearer token, rate limit and time-out (a tower layer)
//! voice     the TwiML webhook
//! web       the embedded web chat page
//! metrics   Prometheus metrics
//! serve     binding, background tasks, graceful shutdown, logging
//! ```

#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::print_stdout,
        clippy::print_stderr
    )
)]

pub mod bundles;
pub mod classifier;
pub mod config;
pub mod connection;
pub mod engine;
pub mod error;
pub mod guard;
pub mod handoff;
pub mod http;
pub mod logging;
pub mod metrics;
pub mod serve;
pub mod services;
pub mod store;
pub mod turn;
pub mod voice;
pub mod web;

pub use bundles::Loaded;
pub use config::Config;
pub use logging::{LogGuard, init_logging};
pub use serve::{Options, Server, shutdown_signal};
