//! The csflow language server (LSP types stay in this crate).
