//! `csflow disasm FILE.csfb`: a bundle as readable text — declarations, then each flow's
//! instructions with the `file:line:col` they came from.

use super::common;
use csflow_runtime::Bundle;
use std::path::PathBuf;

#[derive(clap::Args)]
#[command(
    about = "Print a compiled bundle readably, with source locations",
    long_about = "Verify a bundle written by `csflow build` and print it: the header, the \
string and file tables, hours, queues, intents, knowledge, services, then every flow's states \
and instructions, each with the source location (file:line:col, paths relative to the \
project root) it was compiled from.",
    after_help = "Exit status: 0 printed, 2 the file cannot be read or is not a valid bundle.\n\n\
Examples:\n  csflow build examples/bank -o bank.csfb && csflow disasm bank.csfb\n  \
csflow disasm bank.csfb | grep -n 'state main_menu'"
)]
pub struct Args {
    /// The bundle to print
    #[arg(value_name = "FILE.csfb")]
    pub bundle: PathBuf,
}

pub fn run(args: Args) -> u8 {
    match load(&args.bundle) {
        Ok(bundle) => {
            common::print(&csflow_runtime::disassemble(&bundle));
            0
        }
        Err(message) => common::fail_usage(&message),
    }
}

/// Reads and verifies a bundle; the message names the file and what is wrong with it.
/// Only regular files are read, the bundle magic is checked first and the size is bounded
/// while reading (`csflow_runtime::files`).
pub fn load(path: &std::path::Path) -> Result<Bundle, String> {
    csflow_runtime::files::load_bundle(path)
}
