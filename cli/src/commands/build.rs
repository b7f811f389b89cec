//! `csflow build [PATH…] -o FILE.csfb`: compile a project into one bundle for
//! csflow-runtime, refusing on errors; and [`compile`], the analyze → check → codegen →
//! verify pipeline that `test` and `run` share.

use super::common::{self, ColorChoice};
use csflow_compiler::diagnostic::{Diagnostic, Severity, render};
use csflow_compiler::{Analysis, codegen};
use csflow_runtime::Bundle;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
#[command(
    about = "Compile flows into a bundle (.csfb) for csflow-runtime",
    long_about = "Compile every .csflow file under the given paths (default: the current \
directory), with the files they import, into one bundle holding every flow, intent model, \
knowledge index, queue, hours and service declaration. Refuses to write anything when the \
project has errors. The same sources give a byte-identical bundle, whatever order the files \
are listed in.",
    after_help = "Exit status: 0 bundle written, 1 the flows have errors (nothing is written), \
2 bad usage or an I/O problem.\n\nExamples:\n  csflow build -o bank.csfb\n  \
csflow build examples/bank -o bank.csfb\n  csflow build flows/ common/intents.csflow -o out/contact-centre.csfb\n  \
csflow disasm bank.csfb                      # read what was built"
)]
pub struct Args {
    /// Files or directories to compile (directories are searched for *.csflow)
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Where to write the bundle (written atomically: a temporary file, then a rename)
    #[arg(short, long, value_name = "FILE.csfb")]
    pub output: PathBuf,
    /// When to use colour in diagnostics
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

pub fn run(args: Args) -> u8 {
    let (_, bundle) = match compile(&args.paths, args.color, true) {
        Ok(compiled) => compiled,
        Err(status) => return status,
    };
    let bytes = bundle.to_bytes();
    if let Err(error) = write_atomically(&args.output, &bytes) {
        return common::fail_usage(&format!("cannot write {}: {error}", args.output.display()));
    }
    let states: usize = bundle.flows.iter().map(|f| f.states.len()).sum();
    let flows = bundle.flows.len();
    let files = bundle.files.len();
    common::print(&format!(
        "wrote {}: {flows} flow{}, {states} state{}, {} bytes from {files} file{}\n",
        args.output.display(),
        if flows == 1 { "" } else { "s" },
        if states == 1 { "" } else { "s" },
        bytes.len(),
        if files == 1 { "" } else { "s" },
    ));
    0
}

/// Analyzes and compiles `paths`. On errors (or an unreadable project) prints what went
/// wrong to stderr and returns the exit status. Warnings are printed only when
/// `show_warnings`. The bundle has been through the runtime's verifier, like a loaded one.
pub fn compile(
    paths: &[PathBuf],
    color: ColorChoice,
    show_warnings: bool,
) -> Result<(Analysis, Bundle), u8> {
    let options = common::check_options(paths, None)?;
    let analysis = csflow_compiler::analyze_paths(paths, &options)
        .map_err(|error| common::fail_usage(&error.to_string()))?;
    let color = color_for_stderr(color);
    if analysis.has_errors() {
        print_diagnostics(&analysis, &analysis.diagnostics, color);
        return Err(1);
    }
    if show_warnings {
        let warnings: Vec<Diagnostic> = analysis
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .cloned()
            .collect();
        if !warnings.is_empty() {
            print_diagnostics(&analysis, &warnings, color);
        }
    }
    let generated = codegen::generate_analysis(&analysis).map_err(|error| {
        eprintln!("error: {error} (this is a bug in csflow: the checks passed)");
        1
    })?;
    let bundle = Bundle::from_bytes(&generated.to_bytes()).map_err(|error| {
        eprintln!("error: the generated bundle does not verify: {error} (this is a bug in csflow)");
        1
    })?;
    Ok((analysis, bundle))
}

fn print_diagnostics(analysis: &Analysis, diagnostics: &[Diagnostic], color: bool) {
    let mut text = render::human(diagnostics, &analysis.sources, color);
    let summary = render::summary(diagnostics, analysis.sources.len());
    text.push_str(&format!("{summary}\n"));
    let mut stderr = std::io::stderr().lock();
    let _ = stderr.write_all(text.as_bytes());
}

fn color_for_stderr(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stderr().is_terminal()
        }
    }
}

/// Writes `bytes` to a temporary file beside `path`, then renames it over `path`, so a reader
/// never sees half a bundle and a failed build leaves the old one in place.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "bundle.csfb".into());
    let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}
