//! `csflow-runtime`: the small binary ops deploy. For now it verifies and inspects bundles;
//! serving conversations over HTTP comes later.

use clap::{Parser, Subcommand};
use csflow_runtime::Bundle;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const EXAMPLES: &str = "\
Examples:
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
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let code = if error.use_stderr() { 2 } else { 0 };
            let _ = error.print();
            return ExitCode::from(code);
        }
    };
    let (path, render): (&Path, fn(&Bundle) -> String) = match &cli.command {
        Command::Inspect { bundle } => (bundle, inspect),
        Command::Disasm { bundle } => (bundle, csflow_runtime::disassemble),
    };
    match csflow_runtime::files::load_bundle(path) {
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
