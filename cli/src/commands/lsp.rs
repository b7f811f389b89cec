//! `csflow lsp`: the language server on stdio, for any editor that speaks LSP.

#[derive(clap::Args)]
#[command(
    about = "Run the language server on stdin/stdout (for editors)",
    long_about = "Run the csflow language server, speaking the Language Server Protocol on \
stdin/stdout. Editors start it themselves: point your editor's LSP client at `csflow lsp` for \
*.csflow files (see docs/editors.md for VS Code, Neovim, Helix, Emacs, Sublime Text and others). \
It shows the same diagnostics as `csflow check` as you type, for the whole project the file \
belongs to (the nearest directory with a csflow.toml, else the workspace folder), and offers \
go to definition, references, rename, hover, completion, signature help, inlay hints, outline, \
folding, semantic highlighting and quick fixes.",
    after_help = "Examples:\n  csflow lsp                       # started by the editor, not by hand\n  \
nvim: vim.lsp.start_client({ cmd = { 'csflow', 'lsp' } })\n  \
helix (languages.toml): language-server.csflow.command = \"csflow\", args = [\"lsp\"]"
)]
pub struct Args {
    /// Accepted for editors that pass it; stdio is the only transport
    #[arg(long)]
    pub stdio: bool,
}

pub fn run(_args: Args) -> u8 {
    csflow_lsp::run_stdio()
}
