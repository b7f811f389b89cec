//! The driver: paths → files (with their imports) → syntax trees → checks. It returns a
//! value and a list, never stopping at the first problem, so the language server and the
//! CLI both live on partial results.
//!
//! [`analyze`] and [`analyze_paths`] analyse once. A [`Workspace`] analyses again and again
//! (the language server): it keeps each file's parse by path and content hash, so after one
//! edited file only that file is parsed again, keeps one [`FileId`] per path whatever the
//! load order, and reads unsaved editor text (overlays) before the disk.

use crate::ast::{File, Item};
use crate::check;
use crate::diagnostic::ids;
use crate::diagnostic::{self, Diagnostic};
use crate::resolve::{Def, DefId, Reference, Resolution, Type};
use crate::source::{FileId, SourceFile, SourceMap, Span};
use crate::syntax;
use csflow_runtime::files;
use rustc_hash::FxHashMap;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::io;
use std::path::{Component, Path, PathBuf};

/// Files larger than this are refused with a diagnostic instead of being parsed.
pub const MAX_FILE_BYTES: usize = files::MAX_SOURCE_BYTES as usize;

const BOM: &[u8] = "\u{FEFF}".as_bytes();

#[derive(Debug)]
pub struct Analysis {
    pub sources: SourceMap,
    /// Every parsed file, imports included, in load order.
    pub files: Vec<(FileId, File)>,
    pub diagnostics: Vec<Diagnostic>,
    /// What every name resolved to and every expression's type (see [`Resolution`]).
    pub resolution: Resolution,
}

impl Analysis {
    /// Every reference of the project: (span of the name, definition).
    pub fn references(&self) -> &[Reference] {
        self.resolution.references()
    }

    /// The definition meant by the name at byte `offset` of `file`: a use, or the name of a
    /// definition itself (a cursor right after a name counts).
    pub fn definition_at(&self, file: FileId, offset: usize) -> Option<DefId> {
        self.resolution.definition_at(file, offset as u32)
    }

    /// Every reference to `def` (second definitions of its name are not references).
    pub fn references_to(&self, def: DefId) -> impl Iterator<Item = &Reference> {
        self.resolution.references_to(def)
    }

    pub fn def(&self, id: DefId) -> &Def {
        self.resolution.def(id)
    }

    /// The name of a definition as written.
    pub fn def_name(&self, id: DefId) -> &str {
        self.resolution.name(id, &self.sources)
    }

    /// The type of the innermost expression around byte `offset` of `file`.
    pub fn type_at(&self, file: FileId, offset: usize) -> Option<&Type> {
        let offset = offset as u32;
        self.resolution
            .types()
            .iter()
            .filter(|(span, _)| span.file == file && span.start <= offset && offset <= span.end)
            .min_by_key(|(span, _)| span.end - span.start)
            .map(|(_, ty)| ty)
    }

    /// The id of the file shown as `path`.
    pub fn file_id(&self, path: &str) -> Option<FileId> {
        self.sources.find(path)
    }

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
    Loader::new(None).analyze_paths(paths, options)
}

/// Parses and checks `inputs` (path as shown to users, contents), loading imports through
/// `read`.
pub fn analyze(
    inputs: Vec<(String, Vec<u8>)>,
    read: &dyn Fn(&Path) -> io::Result<Vec<u8>>,
    options: &check::Options,
) -> Analysis {
    Loader::new(None).analyze(inputs, read, options)
}

/// A project analysed again and again (the language server): parses are kept per file
/// (path + content hash), file ids stay the same for a path whatever order files load in,
/// and overlays (an editor's unsaved text) are read before the disk.
#[derive(Debug, Default)]
pub struct Workspace {
    /// One id per file identity (canonical path), handed out on first sight.
    ids: HashMap<PathBuf, FileId>,
    next_id: u32,
    parsed: FxHashMap<FileId, Cached>,
    /// Shared with the editor's own copy of the text (a 64 MB file is not held twice more).
    overlays: HashMap<PathBuf, std::sync::Arc<String>>,
    parses: usize,
}

/// A file's last parse. A file being edited (its text changed since the last analysis, or
/// an open document seen for the first time) keeps only its hash: its parse would be outdated by the next keystroke, and copying the
/// tree of a 19 MB file for nothing costs a tenth of a second and doubles the memory. When
/// its text then stays the same for one analysis, the parse is kept again.
#[derive(Debug)]
struct Cached {
    hash: u64,
    kept: Option<(String, syntax::Parsed)>,
}

impl Workspace {
    pub fn new() -> Workspace {
        Workspace::default()
    }

    /// Uses `text` instead of the file at `path` until [`Workspace::remove_overlay`]; a path
    /// that does not exist on disk becomes part of the project when it is under an analysed
    /// directory.
    pub fn set_overlay(&mut self, path: impl AsRef<Path>, text: impl Into<String>) {
        self.share_overlay(path, std::sync::Arc::new(text.into()));
    }

    /// [`Workspace::set_overlay`] with a text the caller keeps too (an editor's document).
    pub fn share_overlay(&mut self, path: impl AsRef<Path>, text: std::sync::Arc<String>) {
        self.overlays.insert(identity(path.as_ref()), text);
    }

    pub fn remove_overlay(&mut self, path: impl AsRef<Path>) {
        self.overlays.remove(&identity(path.as_ref()));
    }

    /// How many files were parsed (not served from the cache) since the workspace was made.
    pub fn parse_count(&self) -> usize {
        self.parses
    }

    /// [`analyze_paths`] with the cache and the overlays.
    pub fn analyze_paths(
        &mut self,
        paths: &[PathBuf],
        options: &check::Options,
    ) -> Result<Analysis, LoadError> {
        Loader::new(Some(self)).analyze_paths(paths, options)
    }

    /// [`analyze`] with the cache and the overlays (overlays win over `inputs` and `read`).
    pub fn analyze(
        &mut self,
        inputs: Vec<(String, Vec<u8>)>,
        read: &dyn Fn(&Path) -> io::Result<Vec<u8>>,
        options: &check::Options,
    ) -> Analysis {
        Loader::new(Some(self)).analyze(inputs, read, options)
    }
}

fn content_hash(text: &str) -> u64 {
    let mut hasher = rustc_hash::FxHasher::default();
    text.hash(&mut hasher);
    hasher.finish()
}

struct Loader<'w> {
    workspace: Option<&'w mut Workspace>,
    sources: SourceMap,
    files: Vec<(FileId, File)>,
    diagnostics: Vec<Diagnostic>,
    /// File identity → its id in this analysis.
    seen: HashMap<PathBuf, FileId>,
    /// Files admitted but not parsed yet.
    pending: Vec<FileId>,
    /// Where each `import` led.
    imports: Vec<(Span, FileId)>,
    /// Canonical folders imports may load from; empty means anywhere.
    roots: Vec<PathBuf>,
}

impl<'w> Loader<'w> {
    fn new(workspace: Option<&'w mut Workspace>) -> Loader<'w> {
        Loader {
            workspace,
            sources: SourceMap::new(),
            files: Vec::new(),
            diagnostics: Vec::new(),
            seen: HashMap::new(),
            pending: Vec::new(),
            imports: Vec::new(),
            roots: Vec::new(),
        }
    }

    fn overlay(&self, path: &Path) -> Option<Vec<u8>> {
        let workspace = self.workspace.as_ref()?;
        if workspace.overlays.is_empty() {
            return None;
        }
        let text = workspace.overlays.get(&identity(path))?;
        Some(text.as_bytes().to_vec())
    }

    fn analyze_paths(
        self,
        paths: &[PathBuf],
        options: &check::Options,
    ) -> Result<Analysis, LoadError> {
        let extra = self.overlays_under(paths);
        let mut files = match discover(paths) {
            Ok(files) => files,
            Err(LoadError::NoFlowFiles(_)) if !extra.is_empty() => Vec::new(),
            Err(error) => return Err(error),
        };
        // Unsaved files an editor has open under the analysed directories.
        let known: std::collections::HashSet<PathBuf> = files.iter().map(|f| identity(f)).collect();
        files.extend(extra.into_iter().filter(|p| !known.contains(p)));
        let mut inputs = Vec::new();
        for path in files {
            let bytes = match self.overlay(&path) {
                Some(bytes) => bytes,
                None => files::read_source(&path).map_err(|e| LoadError::Io(path.clone(), e))?,
            };
            // A file named on the command line is shown exactly as given (`./a.csflow`
            // stays); files found in a directory are shown under it, without a leading `./`.
            let shown = if paths.contains(&path) {
                path.to_string_lossy().into_owned()
            } else {
                display_path(&path)
            };
            inputs.push((shown, bytes));
        }
        Ok(self.analyze(inputs, &|path| files::read_source(path), options))
    }

    /// Overlay paths of `.csflow` files inside one of the directories of `paths`.
    fn overlays_under(&self, paths: &[PathBuf]) -> Vec<PathBuf> {
        let Some(workspace) = self.workspace.as_ref() else {
            return Vec::new();
        };
        let roots: Vec<PathBuf> = paths
            .iter()
            .filter(|p| p.is_dir())
            .map(|p| identity(p))
            .collect();
        let mut found: Vec<PathBuf> = workspace
            .overlays
            .keys()
            .filter(|p| {
                p.extension().is_some_and(|e| e == "csflow")
                    && roots.iter().any(|r| p.starts_with(r))
            })
            .cloned()
            .collect();
        found.sort();
        found
    }

    fn analyze(
        mut self,
        inputs: Vec<(String, Vec<u8>)>,
        read: &dyn Fn(&Path) -> io::Result<Vec<u8>>,
        options: &check::Options,
    ) -> Analysis {
        self.roots = options
            .import_roots
            .iter()
            .map(|root| std::fs::canonicalize(root).unwrap_or_else(|_| normalize(root)))
            .collect();
        for (path, bytes) in inputs {
            let bytes = self.overlay(Path::new(&path)).unwrap_or(bytes);
            self.admit(path, bytes, None);
        }
        self.parse_pending();
        // Imports, breadth first, one level at a time so that each level parses in parallel;
        // a file already loaded (by any spelling of its path) is skipped. The load order is
        // the same as importing file by file.
        let mut next = 0;
        while next < self.files.len() {
            let level_end = self.files.len();
            for index in next..level_end {
                self.admit_imports(index, read);
            }
            self.parse_pending();
            next = level_end;
        }
        // Checks read the sources for `# csflow: allow(…)` comments and fix edits.
        let mut checked = check::run(&self.files, &self.sources, options);
        // The loading's few diagnostics go in front of the checks' (possibly millions),
        // without a second copy of the checks' list.
        let mut diagnostics = std::mem::take(&mut checked.diagnostics);
        if !self.diagnostics.is_empty() {
            diagnostics.reserve_exact(self.diagnostics.len());
            diagnostics.splice(0..0, self.diagnostics);
        }
        diagnostic::sort(&mut diagnostics);
        diagnostics.dedup();
        checked.resolution.add_imports(&self.imports);
        if let Some(workspace) = self.workspace {
            // Forget the parses of files that are no longer part of the project.
            let ids: std::collections::HashSet<FileId> =
                self.files.iter().map(|(id, _)| *id).collect();
            workspace.parsed.retain(|id, _| ids.contains(id));
        }
        Analysis {
            sources: self.sources,
            files: self.files,
            diagnostics,
            resolution: checked.resolution,
        }
    }

    /// The id of a new file: a workspace's stable one for its identity, or the next in load
    /// order.
    fn id_for(&mut self, identity: &Path) -> FileId {
        match self.workspace.as_deref_mut() {
            Some(workspace) => {
                let next = &mut workspace.next_id;
                *workspace
                    .ids
                    .entry(identity.to_path_buf())
                    .or_insert_with(|| {
                        *next += 1;
                        FileId(*next - 1)
                    })
            }
            None => FileId(self.seen.len() as u32),
        }
    }

    /// Registers one file for parsing; refuses binary, non-UTF-8 and oversized files with a
    /// diagnostic that points at the offending byte. A file that was already loaded is
    /// skipped; a UTF-8 byte-order mark is dropped (editors on Windows write one). Returns
    /// the file's id.
    fn admit(&mut self, path: String, mut bytes: Vec<u8>, imported_at: Option<Span>) -> FileId {
        let identity = identity(Path::new(&path));
        if let Some(id) = self.seen.get(&identity) {
            return *id;
        }
        let id = self.id_for(&identity);
        self.seen.insert(identity, id);
        if bytes.starts_with(BOM) {
            bytes.drain(..BOM.len());
        }
        if bytes.len() > MAX_FILE_BYTES {
            let message = format!(
                "this file is {}; csflow reads files up to {}",
                files::describe_size(bytes.len() as u64),
                files::describe_size(MAX_FILE_BYTES as u64)
            );
            self.refuse(id, path, String::new(), 0..0, imported_at, message);
            return id;
        }
        if let Some(nul) = memchr::memchr(0, &bytes) {
            let message = format!(
                "this looks like a binary file, not .csflow text (a NUL byte at offset {nul})"
            );
            self.refuse(id, path, String::new(), 0..0, imported_at, message);
            return id;
        }
        match String::from_utf8(bytes) {
            Ok(text) => {
                self.sources.insert(id, SourceFile::new(path, text));
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
                self.refuse(id, path, text, valid..end, imported_at, message);
            }
        }
        id
    }

    /// Records a file that cannot be parsed, with a diagnostic at `range` of its shown text
    /// (and a label at the import that named it).
    fn refuse(
        &mut self,
        id: FileId,
        path: String,
        shown: String,
        range: std::ops::Range<usize>,
        imported_at: Option<Span>,
        message: String,
    ) {
        self.sources.insert(id, SourceFile::new(path, shown));
        let mut diagnostic = Diagnostic::new(
            ids::SYNTAX_ERROR,
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
            if let Some(diagnostic) = refuse_import(&relative, span) {
                self.diagnostics.push(diagnostic);
                continue;
            }
            let target = normalize(&base.join(&relative));
            if let Some(id) = self.seen.get(&identity(&target)) {
                self.imports.push((span, *id));
                continue;
            }
            if let Some(diagnostic) = self.outside_roots(&relative, &target, span) {
                self.diagnostics.push(diagnostic);
                continue;
            }
            let bytes = match self.overlay(&target) {
                Some(bytes) => Ok(bytes),
                None => read(&target),
            };
            match bytes {
                Ok(bytes) => {
                    let id = self.admit(display_path(&target), bytes, Some(span));
                    self.imports.push((span, id));
                }
                Err(error) => self.diagnostics.push(
                    Diagnostic::new(
                        ids::IMPORT_NOT_FOUND,
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
                ids::IMPORT_OUTSIDE_PROJECT,
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
    /// of files are common); results are kept in admission order. In a workspace, a file
    /// whose text has not changed is taken from the cache.
    fn parse_pending(&mut self) {
        let pending = std::mem::take(&mut self.pending);
        let sources = &self.sources;
        let workspace = self.workspace.as_deref();
        // (the parse if kept and still right, whether the text changed since last time)
        let cached = |id: FileId, hash: u64| -> (Option<&syntax::Parsed>, bool) {
            let Some(workspace) = workspace else {
                return (None, false);
            };
            // An editor's open document seen for the first time counts as being edited:
            // it is open to be typed in, and keeping a copy of its tree until the first
            // keystroke makes it outdated costs, on a 19 MB file, a tenth of a second and
            // ~340 MB. Its tree is kept once its text stays the same for one analysis.
            let Some(entry) = workspace.parsed.get(&id) else {
                let open = !workspace.overlays.is_empty()
                    && workspace
                        .overlays
                        .contains_key(&identity(Path::new(&sources.get(id).path)));
                return (None, open);
            };
            let text = &sources.get(id).text;
            match &entry.kept {
                Some((kept, parsed)) if entry.hash == hash && kept == text => (Some(parsed), false),
                _ => (None, entry.hash != hash),
            }
        };
        let parsed = crate::parallel::map_in_order(&pending, 2, |_, &id| {
            let hash = workspace.map_or(0, |_| content_hash(&sources.get(id).text));
            match cached(id, hash) {
                (Some(hit), _) => (hit.clone(), None),
                (None, edited) => (
                    syntax::parse_file(id, &sources.get(id).text),
                    Some((hash, edited)),
                ),
            }
        });
        for (id, (result, fresh)) in pending.into_iter().zip(parsed) {
            if let Some((hash, edited)) = fresh
                && let Some(workspace) = self.workspace.as_deref_mut()
            {
                workspace.parses += 1;
                let kept = (!edited).then(|| (self.sources.get(id).text.clone(), result.clone()));
                // The tree a file had before its edit is freed off this thread: dropping
                // millions of nodes is time the editor would wait for.
                let old = workspace.parsed.insert(id, Cached { hash, kept });
                if let Some(old) = old
                    && old.kept.is_some()
                {
                    std::thread::spawn(move || drop(old));
                }
            }
            self.diagnostics.extend(result.diagnostics);
            self.files.push((id, result.file));
        }
    }
}

/// An import path that is refused before anything is looked up: empty, or absolute
/// (imports are relative to the importing file, so a project means the same everywhere).
fn refuse_import(relative: &str, span: Span) -> Option<Diagnostic> {
    if relative.is_empty() {
        return Some(
            Diagnostic::new(ids::IMPORT_NOT_FOUND, span, "`import \"\"` names no file")
                .with_primary_message("an empty path")
                .with_note(
                    "write the path of a .csflow file, relative to this file: import \"common/queues.csflow\"",
                ),
        );
    }
    let path = Path::new(relative);
    if path.has_root() || path.is_absolute() || relative.starts_with('\\') {
        return Some(
            Diagnostic::new(
                ids::IMPORT_OUTSIDE_PROJECT,
                span,
                format!("absolute import path \"{}\"", escape(relative)),
            )
            .with_primary_message("imports must be relative paths")
            .with_note(
                "import paths are relative to the file that imports them, and stay inside the project",
            ),
        );
    }
    None
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
