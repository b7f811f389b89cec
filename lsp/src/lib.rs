//! The csflow language server: `csflow lsp` on stdio. The only crate that knows LSP types.
//!
//! It reuses the compiler as it is: `analyze` for every diagnostic (the same as `csflow
//! check`), the registry for explanations, the fixes the checks carry for code actions.
//! Map: `server` (documents, the analysis worker, entry points) → `handlers/` (one file
//! per feature, plain functions of a [`context::Ctx`]) over `syntax` (names and nodes of a
//! file) and `position` (the one byte-offset ↔ LSP position conversion).

#![deny(clippy::print_stdout)]

pub mod context;
pub mod definitions;
pub mod diagnostics;
pub mod documents;
pub mod handlers;
pub mod navigation;
pub mod position;
pub mod project;
pub mod server;
pub mod stale;
pub mod syntax;

pub use server::Server;
use tower_lsp_server::{LspService, Server as Transport};

/// Serves LSP on stdin/stdout until the client says `exit`. Returns the process status:
/// 0 after `shutdown` + `exit`, 1 when the runtime could not start.
pub fn run_stdio() -> u8 {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("csflow lsp: cannot start: {error}");
            return 1;
        }
    };
    runtime.block_on(async {
        let (service, socket) = LspService::new(Server::new);
        Transport::new(tokio::io::stdin(), tokio::io::stdout(), socket)
            .serve(service)
            .await;
    });
    // Analyses still running on blocking threads must not hold the exit up.
    runtime.shutdown_background();
    0
}
