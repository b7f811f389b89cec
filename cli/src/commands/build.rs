//! `csflow build [PATH…] -o FILE.csfb`: compile a project into one bundle for
//! csflow-runtime, refusing on errors; and [`compile`], the analyze → check → codegen →
//! verify pipeline that `test` and `run` share.

use super::common::{self, ColorChoice};
use super::output;
use csflow_compiler::diagnostic::{Diagnostic, Severity, render};
use csflow_compiler::{Analysis, codegen};
use csflow_runtime::Bundle;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

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
    let (analysis, bundle, bytes) = match compile(&args.paths, args.color, true, true) {
        Ok(compiled) => compiled,
        Err(status) => return status,
    };
    if let Some(input) = common::source_at(&analysis.sources, &args.output) {
        return common::fail_usage(&format!(
            "refusing to write the bundle to {}: it is {input}, one of the project's sources",
            args.output.display(),
        ));
    }
    if let Err(error) = output::write(&args.output, output::Replace::Atomically, |out| {
        out.write_all(&bytes)
    }) {
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
/// `for_disk` stores source paths relative to the project root instead of as given. The
/// analysis comes back without its diagnostics (they have been shown) and without its
/// resolution (nothing needs it past the code generator); the bundle's bytes come back as
/// well, the ones verified (encoding it again was one more copy of a big bundle at
/// `build`'s peak).
pub fn compile(
    paths: &[PathBuf],
    color: ColorChoice,
    show_warnings: bool,
    for_disk: bool,
) -> Result<(Analysis, Bundle, Vec<u8>), u8> {
    let color = color_for_stderr(color);
    compile_into(paths, color, show_warnings, for_disk, &mut |text| {
        common::eprint(text)
    })
}

/// [`compile`], handing the rendered diagnostics to `report` instead of printing them
/// (`csflow serve` shows them on its page too).
pub fn compile_into(
    paths: &[PathBuf],
    color: bool,
    show_warnings: bool,
    for_disk: bool,
    report: &mut dyn FnMut(&str),
) -> Result<(Analysis, Bundle, Vec<u8>), u8> {
    let options = common::check_options(paths, None)?;
    let mut analysis = csflow_compiler::analyze_paths(paths, &options)
        .map_err(|error| common::fail_usage(&error.to_string()))?;
    if analysis.has_errors() {
        print_diagnostics(&analysis, &|_| true, color, report);
        return Err(1);
    }
    let warning = |d: &Diagnostic| d.severity == Severity::Warning;
    if show_warnings && analysis.diagnostics.iter().any(warning) {
        print_diagnostics(&analysis, &warning, color, report);
    }
    // Shown: the code generator does not need them (a warning on every line of a big project
    // is hundreds of megabytes).
    analysis.diagnostics = Vec::new();
    // A bundle written to disk stores paths relative to the project root (the same bytes
    // from every checkout); `test` and `run` keep them as given, for their messages.
    let generated = match for_disk {
        true => codegen::generate_analysis_in(&analysis, &common::project_root(paths)),
        false => codegen::generate_analysis(&analysis),
    }
    .map_err(|error| {
        common::eprint(&format!(
            "error: {error} (this is a bug in csflow: the checks passed)\n"
        ));
        1
    })?;
    // What names resolved to is not needed past the code generator (`test` reads the files
    // and the sources): freed before the bundle is encoded and decoded again, the peak.
    drop(std::mem::take(&mut analysis.resolution));
    let bytes = generated.to_bytes();
    // Freed before the runtime decodes the bytes: three copies of a big bundle at once
    // were most of `build`'s peak memory.
    drop(generated);
    let bundle = Bundle::from_bytes(&bytes).map_err(|error| {
        common::eprint(&format!(
            "error: the generated bundle does not verify: {error} (this is a bug in csflow)\n"
        ));
        1
    })?;
    Ok((analysis, bundle, bytes))
}

/// The diagnostics `keep` accepts, and the summary line, handed to `report` a batch at a
/// time (a million warnings are never one string).
fn print_diagnostics(
    analysis: &Analysis,
    keep: &(dyn Fn(&Diagnostic) -> bool + Sync),
    color: bool,
    report: &mut dyn FnMut(&str),
) {
    struct Report<'r>(&'r mut dyn FnMut(&str));
    impl Write for Report<'_> {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            // The renderer writes whole diagnostics, so a chunk is whole characters.
            (self.0)(&String::from_utf8_lossy(bytes));
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let diagnostics = &analysis.diagnostics;
    // Writing into `report` cannot fail.
    let _ = render::write_human_where(
        &mut Report(report),
        diagnostics,
        &analysis.sources,
        color,
        keep,
    );
    let kept = |severity| {
        diagnostics
            .iter()
            .filter(|d| d.severity == severity && keep(d))
            .count()
    };
    let summary = render::Summary {
        files: analysis.sources.len(),
        errors: kept(Severity::Error),
        warnings: kept(Severity::Warning),
    };
    report(&format!("{summary}\n"));
}

pub fn color_for_stderr(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stderr().is_terminal()
        }
    }
}
