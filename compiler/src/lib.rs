//! csflow-compiler: `.csflow` source → syntax tree → resolved model → checks → bytecode.
//!
//! A pure library: it never prints and never exits. Every stage returns a value plus a list
//! of diagnostics, so the language server can live on partial results.

pub mod analysis;
pub mod ast;
pub mod check;
pub mod codegen;
pub mod diagnostic;
pub mod resolve;
pub mod source;
pub mod suggest;
pub mod syntax;
pub mod testing;
pub mod visit;

pub use analysis::{Analysis, LoadError, analyze, analyze_paths};
