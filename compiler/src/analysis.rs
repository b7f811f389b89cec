//! The driver: paths → files (with their imports) → syntax trees → checks. It returns a
//! value and a list, never stopping at the first problem, so the language server and the
//! CLI both live on partial results.

use crate::ast::{File, Item};
use crate::check;
use crate::diagnostic::{self, Diagnostic};
use crate::source::{FileId, SourceMap, Span};
use crate::syntax;
use csflow_runtime::files;
use std::collections::HashSet;
use std::io;
use std::path::{Component, Path, PathBuf};

/// Files larger than this are refused instead of being parsed (64 MiB).
pub const MAX_FILE_BYTES: usize = files::MAX_SOURCE_BYTES as usize;

const BOM: &[u8] = "\u{FEFF}".as_bytes();

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
    /// A path given on the command line that is a FIFO, a device or a socket.
    NotRegular(PathBuf, &'static str),
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
            LoadError::NotRegular(path, kind) => write!(
                f,
                "{}: {kind}, not a regular file or a directory; csflow reads .csflow files and folders of them",
                path.display()
            ),
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
        } else if metadata.is_file() {
            found.push(path.clone());
        } else {
            return Err(LoadError::NotRegular(
                path.clone(),
                files::describe_kind(&metadata.file_type()),
            ));
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
            // Only regular files (symbolic links followed): a FIFO or a device named like a
            // flow would block or never end, so it is skipped.
            if std::fs::metadata(&path).is_ok_and(|m| m.is_file()) {
                found.push(path);
            }
        }
    }
    Ok(())
}

/// Reads, parses and checks the files under `paths`.
pub fn analyze_paths(paths: &[PathBuf], options: &check::Options) -> Result<Analysis, LoadError> {
    let files = discover(paths)?;
    let mut inputs = Vec::new();
    for path in files {
        let bytes = files::read_source(&path).map_err(|e| LoadError::Io(path.clone(), e))?;
        // A file named on the command line is shown exactly as given (`./a.csflow` stays);
        // files found in a directory are shown under it, without a leading `./`.
        let shown = if paths.contains(&path) {
            path.to_string_lossy().into_owned()
        } else {
            display_path(&path)
        };
        inputs.push((shown, bytes));
    }
    Ok(analyze(inputs, &|path| files::read_source(path), options))
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
        roots: options
            .import_roots
            .iter()
            .map(|root| std::fs::canonicalize(root).unwrap_or_else(|_| normalize(root)))
            .collect(),
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
    /// Canonical folders imports may load from; empty means anywhere.
    roots: Vec<PathBuf>,
}

impl Loader {
    /// Registers one file for parsing; refuses binary, non-UTF-8 and oversized files with a
    /// diagnostic that points at the offending byte. A file that was already loaded is
    /// skipped; a UTF-8 byte-order mark is dropped (editors on Windows write one).
    fn admit(&mut self, path: String, mut bytes: Vec<u8>, imported_at: Option<Span>) {
        if !self.seen.insert(identity(Path::new(&path))) {
            return;
        }
        if bytes.starts_with(BOM) {
            bytes.drain(..BOM.len());
        }
        if bytes.len() as u64 > MAX_FILE_BYTES as u64 {
            let message = format!(
                "this file is {}; csflow reads files up to {}",
                files::describe_size(bytes.len() as u64),
                files::describe_size(MAX_FILE_BYTES as u64)
            );
            self.refuse(path, String::new(), 0..0, imported_at, message);
            return;
        }
        if let Some(nul) = memchr::memchr(0, &bytes) {
            let message = format!(
                "this looks like a binary file, not .csflow text (a NUL byte at offset {nul})"
            );
            self.refuse(path, String::new(), 0..0, imported_at, message);
            return;
        }
        match String::from_utf8(bytes) {
            Ok(text) => {
                let id = self.sources.add(path, text);
                self.pending.push(id);
            }
            Err(error) => {
                // Shown with the bad bytes replaced, so the excerpt shows the line they are on;
                // every byte before the first bad one keeps its offset.
                let valid = error.utf8_error().valid_up_to();
                let text = String::from_utf8_lossy(error.as_bytes()).into_owned();
                let end = valid + text[valid..].chars().next().map_or(0, char::len_utf8);
                let message = format!(
                    "this file is not UTF-8 text (invalid byte 0x{:02X} at offset {valid})",
                    error.as_bytes()[valid]
                );
                self.refuse(path, text, valid..end, imported_at, message);
            }
        }
    }

    /// Records a file that cannot be parsed, with a diagnostic at `range` of its shown text
    /// (or at the import that named it).
    fn refuse(
        &mut self,
        path: String,
        shown: String,
        range: std::ops::Range<usize>,
        imported_at: Option<Span>,
        message: String,
    ) {
        let id = self.sources.add(path, shown);
        let mut diagnostic = Diagnostic::new(
            "syntax-error",
            Span::new(id, range.start, range.end),
            message,
        )
        .with_note("save .csflow files as UTF-8 text");
        if let Some(import) = imported_at {
            diagnostic = diagnostic.with_label(import, "imported here");
        }
        self.diagnostics.push(diagnostic);
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
            if let Some(diagnostic) = self.refuse_import(&relative, span) {
                self.diagnostics.push(diagnostic);
                continue;
            }
            let target = normalize(&base.join(&relative));
            if self.seen.contains(&identity(&target)) {
                continue;
            }
            if let Some(diagnostic) = self.outside_roots(&relative, &target, span) {
                self.diagnostics.push(diagnostic);
                continue;
            }
            match read(&target) {
                Ok(bytes) => self.admit(display_path(&target), bytes, Some(span)),
                Err(error) => self.diagnostics.push(
                    Diagnostic::new(
                        "import-not-found",
                        span,
                        format!(
                            "cannot import \"{}\": {}",
                            escape(&relative),
                            describe_io(&error)
                        ),
                    )
                    .with_primary_message(format!(
                        "looked for {}",
                        escape(&target.to_string_lossy())
                    ))
                    .with_note("import paths are relative to the file that imports them"),
                ),
            }
        }
    }

    /// An import path that is refused before anything is looked up: empty, or absolute
    /// (imports are relative to the importing file, so a project means the same everywhere).
    fn refuse_import(&self, relative: &str, span: Span) -> Option<Diagnostic> {
        if relative.is_empty() {
            return Some(
                Diagnostic::new("import-not-found", span, "`import \"\"` names no file")
                    .with_primary_message("an empty path")
                    .with_note("write the path of a .csflow file, relative to this file: import \"common/queues.csflow\""),
            );
        }
        let path = Path::new(relative);
        if path.has_root() || path.is_absolute() || relative.starts_with('\\') {
            return Some(
                Diagnostic::new(
                    "import-outside-project",
                    span,
                    format!("absolute import path \"{}\"", escape(relative)),
                )
                .with_primary_message("imports must be relative paths")
                .with_note("import paths are relative to the file that imports them, and stay inside the project"),
            );
        }
        None
    }

    /// An import whose file lies outside every allowed root (after following `..` and
    /// symbolic links). Nothing outside is read, so no foreign file's text is ever shown.
    fn outside_roots(&self, relative: &str, target: &Path, span: Span) -> Option<Diagnostic> {
        if self.roots.is_empty() {
            return None;
        }
        // A path that does not exist is judged by its spelling; the read then says it is
        // missing.
        let real = std::fs::canonicalize(target).unwrap_or_else(|_| {
            let absolute = std::env::current_dir()
                .map(|cwd| cwd.join(target))
                .unwrap_or_default();
            normalize(&absolute)
        });
        if self.roots.iter().any(|root| real.starts_with(root)) {
            return None;
        }
        let root = self
            .roots
            .first()
            .map(|r| r.to_string_lossy().into_owned())
            .unwrap_or_default();
        Some(
            Diagnostic::new(
                "import-outside-project",
                span,
                format!("import \"{}\" leaves the project", escape(relative)),
            )
            .with_primary_message(format!("outside {}", escape(&root)))
            .with_note(
                "imports stay inside the project folder (the folder checked, or the one holding csflow.toml); \
                 allow more folders in csflow.toml with `[imports] allow = [\"../shared\"]`",
            ),
        )
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

/// A path or name from someone else's file, safe to print: control characters escaped.
fn escape(text: &str) -> String {
    crate::diagnostic::escape_controls(text).into_owned()
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
