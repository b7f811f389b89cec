//! csflow-compiler: `.csflow` source → syntax tree → resolved model → checks → bytecode.
//!
//! A pure library: it never prints and never exits. Every stage returns a value plus a list
//! of diagnostics, so the language server can live on partial results.

// Libraries never print (the CLI decides where text goes) and never unwrap outside tests.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::print_stdout,
        clippy::print_stderr
    )
)]

pub mod analysis;
pub mod ast;
pub mod check;
pub mod codegen;
pub mod config;
pub mod diagnostic;
pub mod diagram;
pub mod format;
pub mod parallel;
pub mod resolve;
pub mod source;
pub mod suggest;
pub mod suppress;
pub mod syntax;
pub mod testing;
pub mod visit;

pub use analysis::{Analysis, LoadError, analyze, analyze_paths};
