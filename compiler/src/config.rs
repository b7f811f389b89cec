//! `csflow.toml`: a project's check levels, thresholds and pinned date.
//!
//! ```toml
//! today = "2026-11-21"              # the date `stale-knowledge` compares with
//!
//! [checks]
//! unreachable-state = "allow"       # allow | warn | deny
//! voice-menu-too-long = "deny"
//!
//! [thresholds]
//! voice-menu-options = 5            # voice-menu-too-long: more options than this
//! menu-depth = 4                    # menu-too-deep: this many menus before a voice menu
//!
//! [imports]
//! allow = ["../shared"]             # folders outside the project imports may read
//! ```
//!
//! Only warnings have levels: an error stays an error, so a check that would stop
//! `csflow build` cannot be switched off by accident.

use crate::diagnostic::{Diagnostic, Severity, registry};
use crate::suggest;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The file name looked for in the checked directory and its parents.
pub const FILE_NAME: &str = "csflow.toml";

/// What a project wants done with one warning check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Not reported at all.
    Allow,
    /// Reported as a warning (the default).
    Warn,
    /// Reported as an error: `csflow check` exits 1 and `csflow build` refuses.
    Deny,
}

impl Level {
    fn parse(text: &str) -> Option<Level> {
        match text {
            "allow" => Some(Level::Allow),
            "warn" => Some(Level::Warn),
            "deny" => Some(Level::Deny),
            _ => None,
        }
    }
}

/// Numbers some checks compare with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    /// `voice-menu-too-long` reports a voice menu with more options than this.
    pub voice_menu_options: usize,
    /// `menu-too-deep` reports a voice menu callers reach only after this many other menus.
    pub menu_depth: usize,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            voice_menu_options: 5,
            menu_depth: 4,
        }
    }
}

/// Per-check levels; checks not named keep their registry default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Levels {
    levels: HashMap<&'static str, Level>,
}

impl Levels {
    pub fn set(&mut self, check: &'static str, level: Level) {
        self.levels.insert(check, level);
    }

    pub fn get(&self, check: &str) -> Option<Level> {
        self.levels.get(check).copied()
    }

    /// Drops allowed diagnostics and turns denied ones into errors.
    pub fn apply(&self, diagnostics: &mut Vec<Diagnostic>) {
        if self.levels.is_empty() {
            return;
        }
        diagnostics.retain_mut(|d| match self.get(d.name()) {
            Some(Level::Allow) => false,
            Some(Level::Deny) => {
                d.severity = Severity::Error;
                true
            }
            Some(Level::Warn) | None => true,
        });
    }
}

/// A parsed `csflow.toml`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config {
    /// Where it was read from (`None` for the defaults).
    pub path: Option<PathBuf>,
    pub today: Option<chrono::NaiveDate>,
    pub levels: Levels,
    pub thresholds: Thresholds,
    /// `[imports] allow`: folders outside the project that imports may read, as written
    /// (relative to the folder of `csflow.toml`).
    pub import_allow: Vec<PathBuf>,
}

/// A `csflow.toml` that cannot be used: the CLI reports it and exits 2.
#[derive(Debug)]
pub struct ConfigError {
    pub path: PathBuf,
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message)
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// The check options this configuration asks for; a `--today` flag wins over the file.
    pub fn options(&self, today_flag: Option<chrono::NaiveDate>) -> crate::check::Options {
        crate::check::Options {
            today: today_flag.or(self.today),
            levels: self.levels.clone(),
            thresholds: self.thresholds,
            import_roots: Vec::new(),
        }
    }

    /// The folders imports of a project checked at `paths` may read: the folder of this
    /// `csflow.toml` and its `[imports] allow` list when there is a file, else each folder
    /// given (a file's own folder for a file).
    pub fn import_roots(&self, paths: &[PathBuf]) -> Vec<PathBuf> {
        if let Some(dir) = self.path.as_deref().and_then(Path::parent) {
            let dir = if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            };
            let mut roots = vec![dir.to_path_buf()];
            roots.extend(self.import_allow.iter().map(|allowed| dir.join(allowed)));
            return roots;
        }
        paths.iter().map(|path| project_folder(path)).collect()
    }

    /// The folder everything of a project checked at `paths` is relative to: the folder of
    /// this `csflow.toml`, else the first folder given. Bundles store source paths relative
    /// to it, so builds from other folders give the same bytes.
    pub fn project_root(&self, paths: &[PathBuf]) -> PathBuf {
        if let Some(dir) = self.path.as_deref().and_then(Path::parent) {
            return if dir.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                dir.to_path_buf()
            };
        }
        paths
            .first()
            .map(|path| project_folder(path))
            .unwrap_or_else(|| PathBuf::from("."))
    }

    /// Finds the `csflow.toml` that governs `path`: in `path` itself when it is a directory
    /// (else in the file's directory), then in each parent. `Ok(None)` when there is none.
    pub fn discover(path: &Path) -> Result<Option<Config>, ConfigError> {
        let start = if path.is_dir() {
            path.to_path_buf()
        } else {
            path.parent().map(Path::to_path_buf).unwrap_or_default()
        };
        let start = if start.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            start
        };
        let start = std::fs::canonicalize(&start).unwrap_or(start);
        for dir in start.ancestors() {
            let candidate = dir.join(FILE_NAME);
            if candidate.is_file() {
                return Config::load(&candidate).map(Some);
            }
        }
        Ok(None)
    }

    /// Reads and parses one `csflow.toml`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let bytes = csflow_runtime::files::read_source(path).map_err(|e| ConfigError {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        let text = String::from_utf8(bytes).map_err(|e| ConfigError {
            path: path.to_path_buf(),
            message: format!(
                "not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        })?;
        let mut config = Config::parse(&text).map_err(|message| ConfigError {
            path: path.to_path_buf(),
            message,
        })?;
        config.path = Some(path.to_path_buf());
        Ok(config)
    }

    /// Parses the text of a `csflow.toml`; the error is a message for the user.
    pub fn parse(text: &str) -> Result<Config, String> {
        let table: toml::Table =
            toml::from_str(text).map_err(|e| e.to_string().trim_end().to_string())?;
        let mut config = Config::default();
        for (key, value) in &table {
            match key.as_str() {
                "today" => config.today = Some(parse_today(value)?),
                "checks" => {
                    let checks = value
                        .as_table()
                        .ok_or("`checks` must be a table: [checks]")?;
                    for (name, level) in checks {
                        let (check, level) = parse_level(name, level)?;
                        config.levels.set(check, level);
                    }
                }
                "thresholds" => {
                    let thresholds = value
                        .as_table()
                        .ok_or("`thresholds` must be a table: [thresholds]")?;
                    for (name, number) in thresholds {
                        let slot = match name.as_str() {
                            "voice-menu-options" => &mut config.thresholds.voice_menu_options,
                            "menu-depth" => &mut config.thresholds.menu_depth,
                            other => {
                                return Err(unknown_key(
                                    "threshold",
                                    other,
                                    &["voice-menu-options", "menu-depth"],
                                ));
                            }
                        };
                        *slot = number
                            .as_integer()
                            .and_then(|n| usize::try_from(n).ok())
                            .filter(|n| *n >= 1)
                            .ok_or_else(|| {
                                format!("threshold `{name}` must be a whole number of at least 1")
                            })?;
                    }
                }
                "imports" => {
                    let imports = value
                        .as_table()
                        .ok_or("`imports` must be a table: [imports]")?;
                    for (name, list) in imports {
                        if name != "allow" {
                            return Err(unknown_key("imports setting", name, &["allow"]));
                        }
                        let folders = list
                            .as_array()
                            .ok_or("`allow` in [imports] must be a list of folders: allow = [\"../shared\"]")?;
                        for folder in folders {
                            let folder = folder.as_str().filter(|f| !f.is_empty()).ok_or(
                                "`allow` in [imports] must list folders as strings: allow = [\"../shared\"]",
                            )?;
                            config.import_allow.push(PathBuf::from(folder));
                        }
                    }
                }
                other => {
                    return Err(unknown_key(
                        "setting",
                        other,
                        &["today", "checks", "thresholds", "imports"],
                    ));
                }
            }
        }
        Ok(config)
    }
}

/// A path's folder: itself when it is a folder, else the folder the file is in.
fn project_folder(path: &Path) -> PathBuf {
    if path.is_dir() {
        return path.to_path_buf();
    }
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn parse_today(value: &toml::Value) -> Result<chrono::NaiveDate, String> {
    let text = match value {
        toml::Value::String(text) => text.clone(),
        toml::Value::Datetime(datetime) => datetime.to_string(),
        _ => String::new(),
    };
    chrono::NaiveDate::parse_from_str(&text, "%Y-%m-%d")
        .map_err(|_| "`today` must be a date like \"2026-11-21\"".to_string())
}

fn parse_level(name: &str, value: &toml::Value) -> Result<(&'static str, Level), String> {
    let Some(check) = registry::lookup(name) else {
        let names = registry::CHECKS.iter().map(|c| c.name);
        let mut message = format!("unknown check `{name}` in [checks]");
        if let Some(close) = suggest::closest(name, names) {
            message.push_str(&format!(" (did you mean `{close}`?)"));
        }
        return Err(message);
    };
    let level = value
        .as_str()
        .and_then(Level::parse)
        .ok_or_else(|| format!("the level of `{name}` must be \"allow\", \"warn\" or \"deny\""))?;
    if check.severity == Severity::Error && level != Level::Deny {
        return Err(format!(
            "`{}` is an error and cannot be turned down; only warnings can be allowed",
            check.name
        ));
    }
    Ok((check.name, level))
}

fn unknown_key(kind: &str, key: &str, known: &[&str]) -> String {
    let mut message = format!("unknown {kind} `{key}`");
    if let Some(close) = suggest::closest(key, known.iter().copied()) {
        message.push_str(&format!(" (did you mean `{close}`?)"));
    }
    message.push_str(&format!("; known: {}", known.join(", ")));
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_levels_thresholds_and_today() {
        let config = Config::parse(
            "today = \"2026-11-21\"\n[checks]\nunreachable-state = \"allow\"\nW0106 = \"deny\"\n\
             [thresholds]\nvoice-menu-options = 7\nmenu-depth = 3\n",
        )
        .unwrap();
        assert_eq!(config.today, chrono::NaiveDate::from_ymd_opt(2026, 11, 21));
        assert_eq!(config.levels.get("unreachable-state"), Some(Level::Allow));
        assert_eq!(config.levels.get("voice-menu-too-long"), Some(Level::Deny));
        assert_eq!(
            config.thresholds,
            Thresholds {
                voice_menu_options: 7,
                menu_depth: 3
            }
        );
        let bare_date = Config::parse("today = 2026-11-21\n").unwrap();
        assert_eq!(bare_date.today, config.today);
    }

    #[test]
    fn bad_configs_say_what_is_wrong() {
        let cases = [
            (
                "[checks]\nunreachable-stat = \"allow\"\n",
                "did you mean `unreachable-state`",
            ),
            (
                "[checks]\nunreachable-state = \"off\"\n",
                "\"allow\", \"warn\" or \"deny\"",
            ),
            (
                "[checks]\nunknown-state = \"allow\"\n",
                "is an error and cannot be turned down",
            ),
            ("[thresholds]\nmenu-depth = 0\n", "at least 1"),
            ("[thresholds]\nmenu-deep = 3\n", "did you mean `menu-depth`"),
            ("today = \"21/11/2026\"\n", "a date like"),
            ("colour = true\n", "unknown setting `colour`"),
            ("[checks\n", "TOML"),
        ];
        for (text, expected) in cases {
            let error = Config::parse(text).unwrap_err();
            assert!(
                error.contains(expected) || (expected == "TOML" && !error.is_empty()),
                "{text:?}: {error}"
            );
        }
    }

    #[test]
    fn levels_drop_and_promote() {
        let mut levels = Levels::default();
        levels.set("unused-slot", Level::Allow);
        levels.set("unused-queue", Level::Deny);
        let span = crate::source::Span::new(crate::source::FileId(0), 0, 1);
        let mut diagnostics = vec![
            Diagnostic::new(crate::diagnostic::ids::UNUSED_SLOT, span, "a"),
            Diagnostic::new(crate::diagnostic::ids::UNUSED_QUEUE, span, "b"),
            Diagnostic::new(crate::diagnostic::ids::UNUSED_INTENT, span, "c"),
        ];
        levels.apply(&mut diagnostics);
        let shown: Vec<(&str, Severity)> =
            diagnostics.iter().map(|d| (d.name(), d.severity)).collect();
        assert_eq!(
            shown,
            [
                ("unused-queue", Severity::Error),
                ("unused-intent", Severity::Warning)
            ]
        );
    }
}
