//! What every subcommand shares: colour choice, printing without panicking on a closed pipe,
//! and usage errors.

use std::io::{IsTerminal, Write};

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

/// Writes to stdout; a closed pipe (`csflow check | head`) is not an error worth a panic.
pub fn print(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

/// Reports bad usage or an I/O problem and returns exit status 2.
pub fn fail_usage(message: &str) -> u8 {
    eprintln!("error: {message}");
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
            let mut options = config.unwrap_or_default().options(today);
            options
                .today
                .get_or_insert_with(|| chrono::Local::now().date_naive());
            Ok(options)
        }
        Err(error) => Err(fail_usage(&error.to_string())),
    }
}
