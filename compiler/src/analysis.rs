//! The driver: paths → files (with their imports) → syntax trees → checks. It returns a
//! value and a list, never stopping at the first problem, so the language server and the
//! CLI both live on partial results.

use crate::ast::{File, Item};
use crate::check;
use crate::diagnostic::{self, Diagnostic};
use crate::source::{FileId, SourceMap, Span};
use crate::syntax;
use std::collections::HashSet;
use std::io;
use std::path::{Component, Path, PathBuf};

/// Files larger than this are refused with a diagnostic instead of being parsed.
pub const MAX_FILE_BYTES: usize = 64 * 1024 * 1024;

#[derive(Debug)]
pub struct Analysis {
    pub sources: SourceMap,
    /// Every parsed file, imports included, in load order.
    pub files: Vec<(FileId, File)>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Analysis {
    pub fn error_count(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == diagnostic::Severity::Error)
            .count()
    }

    pub fn has_errors(&self) -> bool {
        self.error_count() > 0
    }
}

/// Why a project could not even be read: bad usage or I/O (exit status 2), not a problem
/// in the flows.
#[derive(Debug)]
pub enum LoadError {
    NotFound(PathBuf),
    NoFlowFiles(Vec<PathBuf>),
    Io(PathBuf, io::Error),
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadError::NotFound(path) => write!(f, "{}: no such file or directory", path.display()),
            LoadError::NoFlowFiles(paths) => {
                let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
                write!(f, "no .csflow files found under {}", names.join(", "))
            }
            LoadError::Io(path, error) => write!(f, "{}: {error}", path.display()),
        }
    }
}

impl std::error::Error for LoadError {}

/// Every `*.csflow` file under `paths` (files as given, directories searched recursively,
/// hidden directories and `target`/`node_modules` skipped), sorted for determinism.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>, LoadError> {
    let mut found = Vec::new();
    for path in paths {
        let metadata = std::fs::metadata(path).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => LoadError::NotFound(path.clone()),
            _ => LoadError::Io(path.clone(), e),
        })?;
        if metadata.is_dir() {
            let mut in_dir = Vec::new();
            walk(path, &mut in_dir)?;
            in_dir.sort();
            found.extend(in_dir);
        } else {
            found.push(path.clone());
        }
    }
    if found.is_empty() {
        return Err(LoadError::NoFlowFiles(paths.to_vec()));
    }
    Ok(found)
}

fn walk(dir: &Path, found: &mut Vec<PathBuf>) -> Result<(), LoadError> {
    let entries = std::fs::read_dir(dir).map_err(|e| LoadError::Io(dir.to_path_buf(), e))?;
    for entry in entries {
        let entry = entry.map_err(|e| LoadError::Io(dir.to_path_buf(), e))?;
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let file_type = entry
            .file_type()
            .map_err(|e| LoadError::Io(path.clone(), e))?;
        if file_type.is_dir() {
            if !name.starts_with('.') && name != "target" && name != "node_modules" {
                walk(&path, found)?;
            }
        } else if name.ends_with(".csflow") {
            found.push(path);
        }
    }
    Ok(())
}

/// Reads, parses and checks the files under `paths`.
pub fn analyze_paths(paths: &[PathBuf], options: &check::Options) -> Result<Analysis, LoadError> {
    let files = discover(paths)?;
    let mut inputs = Vec::new();
    for path in files {
        let bytes = std::fs::read(&path).map_err(|e| LoadError::Io(path.clone(), e))?;
        // A file named on the command line is shown exactly as given (`./a.csflow` stays);
        // files found in a directory are shown under it, without a leading `./`.
        let shown = if paths.contains(&path) {
            path.to_string_lossy().into_owned()
        } else {
            display_path(&path)
        };
        inputs.push((shown, bytes));
    }
    Ok(analyze(inputs, &|path| std::fs::read(path), options))
}

/// Parses and checks `inputs` (path as shown to users, contents), loading imports through
/// `read`. The language server passes its open documents here and reads the rest from disk.
pub fn analyze(
    inputs: Vec<(String, Vec<u8>)>,
    read: &dyn Fn(&Path) -> io::Result<Vec<u8>>,
    options: &check::Options,
) -> Analysis {
    let mut loader = Loader {
        sources: SourceMap::new(),
        files: Vec::new(),
        diagnostics: Vec::new(),
        seen: HashSet::new(),
        pending: Vec::new(),
    };
    for (path, bytes) in inputs {
        loader.admit(path, bytes, None);
    }
    loader.parse_pending();
    // Imports, breadth first, one level at a time so that each level parses in parallel; a
    // file already loaded (by any spelling of its path) is skipped. The load order is the
    // same as importing file by file.
    let mut next = 0;
    while next < loader.files.len() {
        let level_end = loader.files.len();
        for index in next..level_end {
            loader.admit_imports(index, read);
        }
        loader.parse_pending();
        next = level_end;
    }
    let mut diagnostics = loader.diagnostics;
    // Checks read the sources for `# csflow: allow(…)` comments and fix edits (issue 3).
    diagnostics.extend(check::run(&loader.files, &loader.sources, options));
    diagnostic::sort(&mut diagnostics);
    diagnostics.dedup();
    Analysis {
        sources: loader.sources,
        files: loader.files,
        diagnostics,
    }
}

struct Loader {
    sources: SourceMap,
    files: Vec<(FileId, File)>,
    diagnostics: Vec<Diagnostic>,
    seen: HashSet<PathBuf>,
    /// Files admitted but not parsed yet.
    pending: Vec<FileId>,
}

impl Loader {
    /// Registers one file for parsing; refuses binary, non-UTF-8 and oversized files with a
    /// diagnostic. A file that was already loaded is skipped.
    fn admit(&mut self, path: String, bytes: Vec<u8>, imported_at: Option<Span>) {
        if !self.seen.insert(identity(Path::new(&path))) {
            return;
        }
        let problem = if bytes.len() > MAX_FILE_BYTES {
            Some(format!(
                "this file is {} MB; csflow reads files up to {} MB",
                bytes.len() >> 20,
                MAX_FILE_BYTES >> 20
            ))
        } else if bytes.contains(&0) {
            Some("this looks like a binary file, not .csflow text".to_string())
        } else {
            None
        };
        match (problem, String::from_utf8(bytes)) {
            (None, Ok(text)) => {
                let id = self.sources.add(path, text);
                self.pending.push(id);
            }
            (problem, result) => {
                let message = problem.unwrap_or_else(|| {
                    let valid = result
                        .as_ref()
                        .err()
                        .map(|e| e.utf8_error().valid_up_to())
                        .unwrap_or(0);
                    format!("this file is not UTF-8 text (invalid byte at offset {valid})")
                });
                let id = self.sources.add(path, String::new());
                let span = imported_at.unwrap_or(Span::new(id, 0, 0));
                self.diagnostics.push(
                    Diagnostic::new("syntax-error", span, message)
                        .with_note("save .csflow files as UTF-8 text"),
                );
            }
        }
    }

    /// Reads and admits the files that `self.files[index]` imports.
    fn admit_imports(&mut self, index: usize, read: &dyn Fn(&Path) -> io::Result<Vec<u8>>) {
        let (id, file) = &self.files[index];
        let imports: Vec<(String, Span)> = file
            .items
            .iter()
            .filter_map(|item| match item {
                Item::Import(import) => Some((import.path.plain_text(), import.path.span)),
                _ => None,
            })
            .collect();
        let base = Path::new(&self.sources.get(*id).path)
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        for (relative, span) in imports {
            let target = normalize(&base.join(&relative));
            if self.seen.contains(&identity(&target)) {
                continue;
            }
            match read(&target) {
                Ok(bytes) => self.admit(display_path(&target), bytes, Some(span)),
                Err(error) => self.diagnostics.push(
                    Diagnostic::new(
                        "import-not-found",
                        span,
                        format!("cannot import \"{relative}\": {}", describe_io(&error)),
                    )
                    .with_primary_message(format!("looked for {}", target.display()))
                    .with_note("import paths are relative to the file that imports them"),
                ),
            }
        }
    }

    /// Parses the admitted files, on all cores when there are several (projects of hundreds
    /// of files are common); results are kept in admission order.
    fn parse_pending(&mut self) {
        let pending = std::mem::take(&mut self.pending);
        let sources = &self.sources;
        let parsed = crate::parallel::map_in_order(&pending, 2, |_, &id| {
            syntax::parse_file(id, &sources.get(id).text)
        });
        for (id, result) in pending.into_iter().zip(parsed) {
            self.diagnostics.extend(result.diagnostics);
            self.files.push((id, result.file));
        }
    }
}

fn describe_io(error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::NotFound => "no such file".to_string(),
        _ => error.to_string(),
    }
}

/// The path shown to users: as given, without a leading `./`.
fn display_path(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    text.strip_prefix("./").map(str::to_string).unwrap_or(text)
}

/// `a/b/../c` → `a/c`, lexically, so imports display and compare sensibly.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// One identity per file, however its path was spelt.
fn identity(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| normalize(path))
}
