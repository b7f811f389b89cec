//! `csflow fmt [PATH…] [--check] [--stdin]`: rewrites `.csflow` files in the one canonical
//! layout (the compiler's `format` module prints it and checks the result means the same).
//! This file only finds files, writes them, prints diffs and picks the exit status.

use super::common;
use csflow_compiler::diagnostic::render;
use csflow_compiler::format::{FormatError, Formatted, format};
use csflow_compiler::source::SourceMap;
use std::io::Read;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
#[command(
    about = "Format .csflow files in the one canonical layout",
    long_about = "Rewrite .csflow files in the one canonical layout: one item per line, two-space \
indent, menu option columns aligned, at most one blank line kept, every comment kept where it \
was, prompts never re-wrapped and every literal printed exactly as written. A file with syntax \
errors is left untouched. The result is parsed again and compared with the input before anything \
is written; if it would mean something else the file is left alone. See docs/formatting.md.",
    after_help = "Exit status: 0 formatted (or nothing to change), 1 syntax errors or (--check) \
a file would change, 2 bad usage or an unreadable/unwritable path.\n\nExamples:\n  \
csflow fmt\n  csflow fmt flows/ common/intents.csflow\n  csflow fmt --check\n  \
csflow fmt --stdin < flows/bank.csflow"
)]
pub struct Args {
    /// Files or directories (directories are searched for *.csflow)
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Change nothing: print a unified diff of what would change, exit 1 if anything would
    #[arg(long)]
    pub check: bool,
    /// Format standard input to standard output
    #[arg(long)]
    pub stdin: bool,
}

enum Outcome {
    Same,
    Changed,
    Failed,
}

pub fn run(args: Args) -> u8 {
    if args.stdin {
        let mut text = String::new();
        if let Err(error) = std::io::stdin().read_to_string(&mut text) {
            return common::fail_usage(&format!("cannot read standard input: {error}"));
        }
        return match format_one("<stdin>", &text) {
            Ok(out) if args.check => {
                if out.text == text {
                    0
                } else {
                    common::print(&out.diff("<stdin>", &text));
                    1
                }
            }
            Ok(out) => {
                common::print(&out.text);
                0
            }
            Err(()) => {
                if !args.check {
                    common::print(&text);
                }
                1
            }
        };
    }
    let mut files = Vec::new();
    for path in &args.paths {
        if let Err(error) = collect(path, &mut files) {
            return common::fail_usage(&error);
        }
    }
    files.sort();
    files.dedup();
    let mut status = 0;
    for path in files {
        match one_file(&path, args.check) {
            Ok(Outcome::Same) => {}
            Ok(Outcome::Changed) if args.check => status = status.max(1),
            Ok(Outcome::Changed) => {}
            Ok(Outcome::Failed) => status = status.max(1),
            Err(error) => {
                eprintln!("error: {error}");
                status = 2;
            }
        }
    }
    status
}

fn one_file(path: &Path, check: bool) -> Result<Outcome, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let name = path.display().to_string();
    let Ok(out) = format_one(&name, &text) else {
        return Ok(Outcome::Failed);
    };
    if out.text == text {
        return Ok(Outcome::Same);
    }
    if check {
        common::print(&out.diff(&name, &text));
        return Ok(Outcome::Changed);
    }
    // A temporary file renamed over the original: an interrupted run never leaves half a file.
    let tmp = path.with_extension("csflow.fmt-tmp");
    std::fs::write(&tmp, &out.text).map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("cannot replace {}: {e}", path.display())
    })?;
    Ok(Outcome::Changed)
}

/// Formats one text; syntax errors and internal errors are printed to stderr.
fn format_one(name: &str, text: &str) -> Result<Formatted, ()> {
    let mut sources = SourceMap::new();
    let id = sources.add(name, text);
    match format(id, text) {
        Ok(out) => Ok(out),
        Err(FormatError::Syntax(diagnostics)) => {
            eprint!("{}", render::human(&diagnostics, &sources, false));
            eprintln!("error: {name} has syntax errors; left untouched");
            Err(())
        }
        Err(FormatError::Internal(message)) => {
            eprintln!(
                "internal error: csflow fmt refused to format {name}: {message}; the file is left \
untouched (please report this with the file)"
            );
            Err(())
        }
    }
}

fn collect(path: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let meta =
        std::fs::metadata(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if meta.is_file() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    let entries =
        std::fs::read_dir(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    for entry in entries.flatten() {
        let p = entry.path();
        let name = entry.file_name();
        let hidden = name.to_string_lossy().starts_with('.') || name == "target";
        if p.is_dir() && !hidden {
            collect(&p, out)?;
        } else if p.extension().is_some_and(|e| e == "csflow") {
            out.push(p);
        }
    }
    Ok(())
}
