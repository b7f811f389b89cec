//! `csflow-runtime`: the small binary ops deploy. It serves conversations from a compiled
//! bundle over HTTP (`serve`), and verifies and inspects bundles (`inspect`, `disasm`).
//! It links the runtime and the server only: never the compiler, the parser or the
//! language server.

use clap::{Parser, Subcommand};
use csflow_runtime::Bundle;
use csflow_server::{Config, Loaded, Options, Server};
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Every turn allocates and frees dozens of small buffers (HTTP heads, the body's JSON, the
/// VM's outputs, the answer) on two worker threads, and the log line's batch on a third;
/// glibc's malloc took about a tenth of a turn's CPU time, partly in its arena locks, where
/// mimalloc's per-thread heaps take a few per cent (bench/README.md, issue 9 session 11).
/// `csflow serve` runs the same server under the `csflow` binary's mimalloc.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Small pages only, as the `csflow` binary does: mimalloc advises the kernel to back its
/// big regions with 2 MiB pages, and on a virtual machine a fault in such a region can
/// wait for the host to back a whole block (seconds, bench/README.md issue 16); a server
/// of a few tens of megabytes gains nothing from huge pages. If the kernel refuses,
/// nothing changes.
fn no_huge_pages() {
    #[cfg(target_os = "linux")]
    let _ = rustix::thread::disable_transparent_huge_pages(true);
}

const EXAMPLES: &str = "\
Examples:
  csflow-runtime serve bank.csfb                          serve on 127.0.0.1:8080, memory store
  csflow-runtime serve bank.csfb --config csflow-runtime.toml --listen 0.0.0.0:8080 \\
      --store redis://127.0.0.1:6379 --log-format json   what a deployment runs
  csflow-runtime serve bank.csfb --store sqlite:/var/lib/csflow/sessions.db --web-chat
  csflow-runtime inspect bank.csfb      verify a bundle and list its flows
  csflow-runtime disasm bank.csfb       print the bundle's code with source locations
  csflow-runtime --version

Exit status: 0 success, 2 bad usage or an unreadable/invalid bundle.";

#[derive(Parser)]
#[command(name = "csflow-runtime", version, about = "Runs compiled csflow bundles (.csfb).", after_help = EXAMPLES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Verify a bundle and list its flows, states and declarations.
    Inspect { bundle: PathBuf },
    /// Print a bundle readably: declarations and each flow's instructions with source locations.
    Disasm { bundle: PathBuf },
    /// Serve conversations from a bundle over HTTP (JSON API, voice webhook, metrics).
    #[command(long_about = SERVE_ABOUT)]
    Serve(ServeArgs),
}

const SERVE_ABOUT: &str = "Serve conversations from a compiled bundle over HTTP.

Routes: POST /v1/conversations (start), POST /v1/conversations/ID/input (one turn),
GET /v1/conversations/ID, GET /v1/flows, POST /v1/voice/twilio (TwiML), GET /healthz,
GET /readyz, GET /metrics, and with --web-chat a chat page at /.

The config file (TOML) holds API tokens, limits, session expiry, service endpoints, the
hand-off webhook and the voice settings; see docs/server.md. Listening beyond loopback is
refused without API tokens. SIGTERM (or Ctrl-C) stops accepting connections, finishes the
requests in flight, flushes the store and exits 0. SIGHUP, or a change of the bundle file
with --watch, loads the bundle again: new conversations start on it, running ones finish on
the bundle they started on.";

#[derive(clap::Args)]
struct ServeArgs {
    /// The compiled bundle (.csfb) to serve
    bundle: PathBuf,
    /// Address and port to listen on
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    listen: SocketAddr,
    /// Session store: memory, sqlite:PATH or redis://HOST:PORT
    #[arg(long, default_value = "memory", value_name = "STORE")]
    store: String,
    /// Configuration file (TOML): tokens, limits, services, hand-off webhook, voice
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Also serve the web chat page at /
    #[arg(long)]
    web_chat: bool,
    /// Reload the bundle when its file changes (as on SIGHUP)
    #[arg(long)]
    watch: bool,
    /// Log format on stderr
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    /// Threads serving connections [default: one per available core]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    workers: Option<u16>,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

fn load(path: &Path) -> Result<Bundle, String> {
    csflow_runtime::files::load_bundle(path)
}

fn inspect(bundle: &Bundle) -> String {
    let b = bundle;
    let mut out = format!(
        "bundle ok (format {}, compiler {})\n",
        csflow_runtime::bundle::FORMAT_VERSION,
        b.compiler_version
    );
    out.push_str(&format!(
        "{} flows, {} queues, {} hours, {} intents, {} knowledge bases, {} services, {} strings\n",
        b.flows.len(),
        b.queues.len(),
        b.hours.len(),
        b.intents.len(),
        b.knowledge.len(),
        b.services.len(),
        b.strings.len()
    ));
    for flow in &b.flows {
        let start = flow
            .states
            .get(flow.start as usize)
            .map(|s| b.str(s.name))
            .unwrap_or("?");
        out.push_str(&format!(
            "flow {} ({}): start {start}, {} states, {} slots, {} instructions\n",
            b.str(flow.name),
            flow.channel.as_str(),
            flow.states.len(),
            flow.vars.len(),
            flow.code.len()
        ));
    }
    out
}

fn main() -> ExitCode {
    no_huge_pages();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let code = if error.use_stderr() { 2 } else { 0 };
            let _ = error.print();
            return ExitCode::from(code);
        }
    };
    let (path, render): (&Path, fn(&Bundle) -> String) = match cli.command {
        Command::Inspect { ref bundle } => (bundle, inspect),
        Command::Disasm { ref bundle } => (bundle, csflow_runtime::disassemble),
        Command::Serve(args) => return serve(args),
    };
    match load(path) {
        Ok(bundle) => {
            let mut stdout = std::io::stdout().lock();
            match stdout
                .write_all(render(&bundle).as_bytes())
                .and_then(|()| stdout.flush())
            {
                Ok(()) => ExitCode::SUCCESS,
                // `csflow-runtime disasm x | head`: the reader has what it wanted.
                Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
                Err(error) => {
                    let _ = writeln!(std::io::stderr(), "error: cannot write the output: {error}");
                    ExitCode::from(2)
                }
            }
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

fn serve(args: ServeArgs) -> ExitCode {
    let _log = csflow_server::init_logging(args.log_format == LogFormat::Json);
    let config = match &args.config {
        Some(path) => match Config::load(path) {
            Ok(config) => config,
            Err(error) => {
                eprintln!("error: {error}");
                return ExitCode::from(2);
            }
        },
        None => Config::default(),
    };
    let loaded = match Loaded::read(&args.bundle) {
        Ok(loaded) => loaded,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    // Accepting, signals, reloads and the background tasks: the connections are served by
    // the server's own worker threads (`csflow_server::serve`).
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::from(2);
        }
    };
    let result = runtime.block_on(async move {
        let options = Options {
            listen: args.listen,
            store: args.store.clone(),
            config,
            web_chat: args.web_chat,
            workers: args
                .workers
                .map_or_else(csflow_server::serve::default_workers, usize::from),
        };
        let server = Server::new(loaded, options).await?;
        tracing::info!(target: "csflow::server", addr = %server.addr, store = %args.store, bundle = %server.state.engine.bundles.current().id, workers = server.workers, "listening");
        eprintln!("csflow-runtime: listening on http://{}", server.addr);
        csflow_server::serve::spawn_reloader(server.state.clone(), args.bundle.clone(), args.watch);
        server.run(csflow_server::shutdown_signal()).await
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(2)
        }
    }
}
