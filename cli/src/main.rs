//! `csflow`: thin commands over the compiler, runtime and language server.
//!
//! Exit status (docs/testing.md, `csflow --help`): 0 success, 1 the input has errors or tests fail, 2 bad usage
//! or an I/O problem.

mod commands;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// A check builds millions of small syntax-tree nodes; mimalloc allocates and frees them
/// faster than the system allocator (measured in bench/README.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Small pages only. mimalloc advises the kernel to back its big regions with 2 MiB pages;
/// a fault in such a region needs a whole free 2 MiB block, which on a virtual machine is
/// often memory the host has not backed yet, and the fault waits for the host: the same
/// check of a big project took 7 s in one run and 13 s in the next (bench/README.md,
/// issue 16). A command-line tool gains little from huge pages, so they are off for this
/// process; if the kernel refuses, nothing changes.
fn no_huge_pages() {
    #[cfg(target_os = "linux")]
    let _ = rustix::thread::disable_transparent_huge_pages(true);
}

#[derive(Parser)]
#[command(
    name = "csflow",
    version,
    about = "Check, build, test and run .csflow conversation flows",
    long_about = "csflow checks contact-centre flows (IVR menus, chat flows, escalation rules, FAQ \
knowledge) written in the .csflow language, compiles them into a bundle for csflow-runtime, and \
runs their conversation tests.",
    after_help = "Examples:\n  csflow check examples/\n  csflow check flows/ --format json\n  \
csflow explain unreachable-state\n  csflow build flows/ -o bank.csfb\n  csflow disasm bank.csfb\n  \
csflow test flows/ --coverage\n  csflow run flows/ --flow phone_banking\n  \
csflow graph flows/ --flow phone_banking -o phone_banking.svg\n  csflow fmt --check\n  csflow serve flows/\n  csflow lsp                      # the language server, started by your editor"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Check(commands::check::Args),
    Build(commands::build::Args),
    Test(commands::test::Args),
    Run(commands::run::Args),
    Disasm(commands::disasm::Args),
    Explain(commands::explain::Args),
    Graph(commands::graph::Args),
    Serve(commands::serve::Args),
    Lsp(commands::lsp::Args),
    Fmt(commands::fmt::Args),
}

fn main() -> ExitCode {
    no_huge_pages();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // --help, --version and usage errors, written through the checked writers so that
        // `csflow --help > /dev/full` is exit 2, not a silent success.
        Err(error) => {
            let text = error.render().ansi().to_string();
            let status = if error.use_stderr() {
                commands::common::eprint(&text);
                2
            } else {
                commands::common::print(&text);
                0
            };
            return ExitCode::from(commands::common::finish(status));
        }
    };
    let code = match cli.command {
        Command::Check(args) => commands::check::run(args),
        Command::Build(args) => commands::build::run(args),
        Command::Test(args) => commands::test::run(args),
        Command::Run(args) => commands::run::run(args),
        Command::Disasm(args) => commands::disasm::run(args),
        Command::Explain(args) => commands::explain::run(args),
        Command::Graph(args) => commands::graph::run(args),
        Command::Serve(args) => commands::serve::run(args),
        Command::Lsp(args) => commands::lsp::run(args),
        Command::Fmt(args) => commands::fmt::run(args),
    };
    ExitCode::from(commands::common::finish(code))
}
