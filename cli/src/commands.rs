//! One module per subcommand.

pub mod build;
pub mod check;
pub mod common;
pub mod disasm;
pub mod explain;
pub mod fmt;
pub mod graph;
pub mod lsp;
pub mod output;
pub mod run;
pub mod serve;
pub mod test;
