//! `csflow serve [PATH…]`: compile and serve in one step, for designers trying flows — the
//! runtime server with the memory store and the web chat page. Every source file is watched;
//! on a change the project is compiled again: a good build serves new conversations (running
//! ones finish on the bundle they started on), a failed one is shown in the terminal and on
//! the page while the last good bundle keeps serving.

use super::build;
use super::common::{self, ColorChoice};
use csflow_server::{Config, Loaded, Options, Server};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

#[derive(clap::Args)]
#[command(
    about = "Compile flows and serve them with a web chat page, recompiling on save",
    long_about = "Compile the given .csflow files (default: the current directory) and serve them \
like csflow-runtime does — the HTTP API, the voice webhook and metrics — with the memory store \
and a web chat page at the printed URL. The page lists the flows; pick one and talk to it (option \
buttons, a keypad and a \"no answer\" button for voice flows). Saving a file recompiles the \
project: new conversations start on the new build; a build with errors is shown in the terminal \
and on the page while the last good build keeps serving.",
    after_help = "Exit status: 0 stopped with Ctrl-C or SIGTERM, 1 the flows have errors at start, \
2 bad usage, a bad config file or the address is taken.\n\nExamples:\n  csflow serve examples/bank\n  \
csflow serve flows/ --listen 127.0.0.1:9000\n  csflow serve flows/ --config services.toml   # real service endpoints"
)]
pub struct Args {
    /// Files or directories to compile (directories are searched for *.csflow)
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Address and port to listen on (loopback unless the config has API tokens)
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    pub listen: SocketAddr,
    /// A csflow-runtime config file (services, hand-off webhook, limits)
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// When to use colour in diagnostics
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

/// The newest modification time of the sources under `paths`, and how many there are.
fn fingerprint(paths: &[PathBuf]) -> (Option<SystemTime>, usize) {
    fn walk(path: &Path, newest: &mut Option<SystemTime>, count: &mut usize, depth: usize) {
        let Ok(meta) = std::fs::metadata(path) else {
            return;
        };
        if meta.is_dir() {
            if depth > 16 {
                return;
            }
            let Ok(entries) = std::fs::read_dir(path) else {
                return;
            };
            for entry in entries.flatten() {
                let p = entry.path();
                let hidden = p
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with('.') || n == "target" || n == "node_modules");
                if !hidden {
                    walk(&p, newest, count, depth + 1);
                }
            }
        } else if path
            .extension()
            .is_some_and(|e| e == "csflow" || e == "toml")
        {
            *count += 1;
            if let Ok(modified) = meta.modified() {
                *newest = (*newest).max(Some(modified));
            }
        }
    }
    let (mut newest, mut count) = (None, 0);
    for path in paths {
        walk(path, &mut newest, &mut count, 0);
    }
    (newest, count)
}

pub fn run(args: Args) -> u8 {
    let color = build::color_for_stderr(args.color);
    let mut report = |text: &str| eprint!("{text}");
    let bundle = match build::compile_into(&args.paths, color, true, false, &mut report) {
        Ok((_, bundle, _)) => bundle,
        Err(status) => return status,
    };
    let config = match &args.config {
        Some(path) => match Config::load(path) {
            Ok(config) => config,
            Err(error) => return common::fail_usage(&error.to_string()),
        },
        None => Config::default(),
    };
    let _log = csflow_server::init_logging(false);
    // Accepting and recompiling; the server's worker threads serve the connections.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            return common::fail_usage(&format!("cannot start the async runtime: {error}"));
        }
    };
    let paths = args.paths.clone();
    let result = runtime.block_on(async move {
        let options = Options {
            listen: args.listen,
            store: "memory".into(),
            config,
            web_chat: true,
            workers: csflow_server::serve::default_workers(),
        };
        let server = Server::new(Loaded::from_bundle(bundle), options).await?;
        println!("csflow serve: chat with your flows at http://{}/", server.addr);
        println!("(recompiles when a file changes; Ctrl-C stops)");
        let state = server.state.clone();
        tokio::spawn(async move {
            let mut last = fingerprint(&paths);
            loop {
                tokio::time::sleep(Duration::from_millis(400)).await;
                let now = fingerprint(&paths);
                if now == last {
                    continue;
                }
                last = now;
                let paths = paths.clone();
                let compiled = tokio::task::spawn_blocking(move || {
                    let mut text = String::new();
                    let result = build::compile_into(&paths, false, false, false, &mut |t| text.push_str(t));
                    (result.map(|(_, b, _)| b), text)
                })
                .await;
                let Ok((result, text)) = compiled else { continue };
                match result {
                    Ok(bundle) => {
                        if let Ok(mut error) = state.compile_error.write() {
                            *error = None;
                        }
                        let loaded = Loaded::from_bundle(bundle);
                        let id = loaded.id.clone();
                        if state.engine.bundles.install(loaded) {
                            println!("csflow serve: recompiled (bundle {id}); new conversations use it");
                        }
                    }
                    Err(_) => {
                        eprint!("{text}");
                        eprintln!("csflow serve: the flows do not compile; still serving the last good build");
                        if let Ok(mut error) = state.compile_error.write() {
                            *error = Some(if text.is_empty() { "the project could not be read".into() } else { text });
                        }
                    }
                }
            }
        });
        server.run(csflow_server::shutdown_signal()).await
    });
    match result {
        Ok(()) => 0,
        Err(error) => common::fail_usage(&error),
    }
}
