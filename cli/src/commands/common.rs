//! What every subcommand shares: colour choice, checked printing, and usage errors.
//!
//! Every write goes through [`print`], [`eprint`] or [`stdout_writer`]: none panics. A write
//! that fails is remembered, later writes to that stream are skipped, and [`finish`] turns it
//! into exit status 2 with a message on stderr (when stderr still works) — so output lost on
//! a full disk is never a success. A closed pipe (`csflow check | head`) stays quiet and keeps
//! the command's own status.

use std::io::{IsTerminal, Write};
use std::sync::Mutex;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// colour when stdout is a terminal and NO_COLOR is not set
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    pub fn enabled_for_stdout(self) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::io::stdout().is_terminal()
            }
        }
    }
}

/// The first failed write of each stream: `(stdout, stderr)`.
static FAILED: Mutex<(Option<std::io::Error>, Option<std::io::Error>)> = Mutex::new((None, None));

fn failed(stream: Stream) -> bool {
    let failed = FAILED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    match stream {
        Stream::Stdout => failed.0.is_some(),
        Stream::Stderr => failed.1.is_some(),
    }
}

fn remember(stream: Stream, error: std::io::Error) {
    let mut failed = FAILED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let slot = match stream {
        Stream::Stdout => &mut failed.0,
        Stream::Stderr => &mut failed.1,
    };
    slot.get_or_insert(error);
}

#[derive(Clone, Copy)]
enum Stream {
    Stdout,
    Stderr,
}

/// Writes and flushes stdout; a failure is remembered for [`finish`].
pub fn print(text: &str) {
    if failed(Stream::Stdout) {
        return;
    }
    let mut stdout = std::io::stdout().lock();
    if let Err(error) = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        remember(Stream::Stdout, error);
    }
}

/// Writes stderr; a failure is remembered for [`finish`].
pub fn eprint(text: &str) {
    if failed(Stream::Stderr) {
        return;
    }
    let mut stderr = std::io::stderr().lock();
    if let Err(error) = stderr
        .write_all(text.as_bytes())
        .and_then(|()| stderr.flush())
    {
        remember(Stream::Stderr, error);
    }
}

/// A buffered writer on stdout for large outputs (diagnostics, listings) that are streamed
/// rather than built in memory; its failures are remembered like [`print`]'s. The check
/// runs once per buffered chunk, not once per small write of a renderer (millions of them
/// for a project with millions of diagnostics).
pub fn stdout_writer() -> CheckedStdout {
    CheckedStdout(std::io::BufWriter::with_capacity(
        64 * 1024,
        Checked(std::io::stdout().lock()),
    ))
}

pub struct CheckedStdout(std::io::BufWriter<Checked>);

/// Stdout under the buffer: every chunk written checks and records failures.
pub struct Checked(std::io::StdoutLock<'static>);

impl Write for CheckedStdout {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.write(bytes)
    }

    fn write_all(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.0.write_all(bytes)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

impl Write for Checked {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if failed(Stream::Stdout) {
            // Stop the renderer early: the output is lost anyway.
            return Err(std::io::Error::other("stdout failed earlier"));
        }
        self.0.write(bytes).inspect_err(|error| {
            remember(Stream::Stdout, clone_error(error));
        })
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if failed(Stream::Stdout) {
            return Ok(());
        }
        self.0.flush().inspect_err(|error| {
            remember(Stream::Stdout, clone_error(error));
        })
    }
}

impl Drop for CheckedStdout {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

fn clone_error(error: &std::io::Error) -> std::io::Error {
    std::io::Error::new(error.kind(), error.to_string())
}

/// The exit status after every write: `status` unless stdout or stderr failed for another
/// reason than a closed pipe, which gives 2 and (if stderr works) a message saying what was
/// lost.
pub fn finish(status: u8) -> u8 {
    let _ = std::io::stdout()
        .lock()
        .flush()
        .map_err(|e| remember(Stream::Stdout, e));
    let (stdout, stderr) = {
        let mut failed = FAILED
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        (failed.0.take(), failed.1.take())
    };
    let broken = |e: &std::io::Error| e.kind() == std::io::ErrorKind::BrokenPipe;
    let mut status = status;
    if let Some(error) = stdout.filter(|e| !broken(e)) {
        status = 2;
        if stderr.is_none() {
            let _ = writeln!(
                std::io::stderr(),
                "error: cannot write the output to stdout: {error}"
            );
        }
    }
    if stderr.is_some_and(|e| !broken(&e)) {
        status = 2;
    }
    status
}

/// The project source that `output` names (however spelt, through links), if any: an
/// output written there would destroy an input.
pub fn source_at<'s>(
    sources: &'s csflow_compiler::source::SourceMap,
    output: &std::path::Path,
) -> Option<&'s str> {
    let output = std::fs::canonicalize(output).ok()?;
    sources
        .files()
        .map(|(_, file)| file.path.as_str())
        .find(|path| std::fs::canonicalize(path).is_ok_and(|path| path == output))
}

/// Reports bad usage or an I/O problem and returns exit status 2.
pub fn fail_usage(message: &str) -> u8 {
    eprint(&format!("error: {message}\n"));
    2
}

pub fn parse_date(text: &str) -> Result<chrono::NaiveDate, String> {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("`{text}` is not a date like 2026-11-23"))
}

/// The check options for a project: `csflow.toml` next to the first path (levels,
/// thresholds, `today`), with `today` from the command line winning, and the local date
/// when neither gives one (the checks never read the clock themselves). Every command that
/// analyzes a project uses this, so a `deny` in the file also stops `csflow build`.
pub fn check_options(
    paths: &[std::path::PathBuf],
    today: Option<chrono::NaiveDate>,
) -> Result<csflow_compiler::check::Options, u8> {
    let first = paths
        .first()
        .cloned()
        .unwrap_or_else(|| std::path::PathBuf::from("."));
    match csflow_compiler::config::Config::discover(&first) {
        Ok(config) => {
            let config = config.unwrap_or_default();
            let mut options = config.options(today);
            options.import_roots = config.import_roots(paths);
            options
                .today
                .get_or_insert_with(|| chrono::Local::now().date_naive());
            Ok(options)
        }
        Err(error) => Err(fail_usage(&error.to_string())),
    }
}

/// The project root of `paths` (the folder of `csflow.toml`, else the first folder given):
/// what bundles store their source paths relative to.
pub fn project_root(paths: &[std::path::PathBuf]) -> std::path::PathBuf {
    let first = paths
        .first()
        .cloned()
        .unwrap_or_else(|| std::path::PathBuf::from("."));
    csflow_compiler::config::Config::discover(&first)
        .ok()
        .flatten()
        .unwrap_or_default()
        .project_root(paths)
}
