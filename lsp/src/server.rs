//! The server: the document store, the analysis worker and the LSP entry points.
//!
//! Concurrency (tower-lsp may run handlers at the same time):
//! - edits are applied in arrival order under one lock, before any `await`;
//! - analysis runs on one worker task, off the message loop: edits mark their project
//!   dirty and wake it; edits arriving while it works coalesce into one next run (the
//!   debounce), and a result computed for a version that is no longer current is dropped;
//! - requests wait for an analysis of the version they are about, and answer
//!   `ContentModified` if the document changed while they computed — except completion,
//!   signature help and hover, which answer at once from the last analysis and the editor's
//!   current text (hover only where the cursor is outside what was typed since, see
//!   `stale.rs`), so a keystroke in a 19 MB file never makes them wait for its re-analysis;
//! - every handler runs under `catch_unwind`: a bug answers an error, the server carries on.

use crate::context::Ctx;
use crate::diagnostics;
use crate::documents::{Document, Documents, document_key, file_path, uri_for};
use crate::handlers;
use crate::position::Encoding;
use crate::project::{Cache, Inputs, ProjectKey, Snapshot, project_of};
use crate::stale::Shift;
use std::collections::{BTreeSet, HashMap};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::Duration;
use tokio::sync::{Notify, watch};
use tower_lsp_server::jsonrpc::{Error, ErrorCode, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer};

/// Settings a client may pass as `initializationOptions`.
#[derive(Debug, Clone)]
pub struct Settings {
    /// How long the worker waits after an edit before analysing, to coalesce a burst of
    /// keystrokes (milliseconds; `debounceMs`).
    pub debounce: Duration,
    /// `explainBaseUrl`: the check name is appended to it for `codeDescription`.
    pub explain_base: String,
    /// `previousAnalysisMaxBytes`: see [`KEEP_WHILE_ANALYSING`].
    pub keep_while_analysing: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            debounce: Duration::from_millis(5),
            explain_base: diagnostics::DEFAULT_EXPLAIN_BASE.to_string(),
            keep_while_analysing: KEEP_WHILE_ANALYSING,
        }
    }
}

#[derive(Default)]
struct Inner {
    documents: Documents,
    folders: Vec<PathBuf>,
    encoding: Encoding,
    settings: Settings,
    /// Every project seen so far: re-analysed when its files change on disk.
    projects: BTreeSet<ProjectKey>,
    /// What was last published per URI, and by which project.
    published: HashMap<Uri, (ProjectKey, Vec<Diagnostic>)>,
    /// The last semantic tokens sent per document, for `full/delta`.
    tokens: HashMap<Uri, (String, Vec<SemanticToken>)>,
    next_tokens_id: u64,
    worker_started: bool,
    /// `csflow.toml` problems already shown to the user.
    config_errors: BTreeSet<String>,
}

struct Shared {
    inner: Mutex<Inner>,
    snapshots: RwLock<HashMap<ProjectKey, Arc<Snapshot>>>,
    dirty: Mutex<BTreeSet<ProjectKey>>,
    wake: Notify,
    /// Bumped after every stored analysis; requests waiting for one watch it.
    generation: watch::Sender<u64>,
}

/// A lock that survives a panic elsewhere (the data is still consistent: every change
/// under it is applied whole).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

pub struct Server {
    client: Client,
    shared: Arc<Shared>,
}

impl Server {
    pub fn new(client: Client) -> Server {
        let (generation, _) = watch::channel(0);
        Server {
            client,
            shared: Arc::new(Shared {
                inner: Mutex::new(Inner::default()),
                snapshots: RwLock::new(HashMap::new()),
                dirty: Mutex::new(BTreeSet::new()),
                wake: Notify::new(),
                generation,
            }),
        }
    }

    fn inner(&self) -> MutexGuard<'_, Inner> {
        lock(&self.shared.inner)
    }

    fn mark_dirty(&self, keys: impl IntoIterator<Item = ProjectKey>) {
        let keys: Vec<ProjectKey> = keys.into_iter().collect();
        if keys.is_empty() {
            return;
        }
        self.inner().projects.extend(keys.iter().cloned());
        lock(&self.shared.dirty).extend(keys);
        self.shared.wake.notify_one();
    }

    /// The projects that read `key` (a path): the ones whose last analysis holds it, the
    /// directory projects above it, and its own.
    fn projects_reading(&self, key: &str) -> Vec<ProjectKey> {
        let folders = self.inner().folders.clone();
        let mut keys = vec![project_of(key, &folders)];
        let snapshots = self
            .shared
            .snapshots
            .read()
            .unwrap_or_else(|e| e.into_inner());
        for (project, snapshot) in snapshots.iter() {
            let reads = snapshot.file(key).is_some()
                || matches!(project, ProjectKey::Dir(dir) if std::path::Path::new(key).starts_with(dir));
            if reads && !keys.contains(project) {
                keys.push(project.clone());
            }
        }
        keys
    }

    fn start_worker(&self) {
        {
            let mut inner = self.inner();
            if inner.worker_started {
                return;
            }
            inner.worker_started = true;
        }
        let shared = self.shared.clone();
        let client = self.client.clone();
        tokio::spawn(async move { worker(shared, client).await });
    }

    /// The analysis a request about `uri` should read: one made from the document's
    /// current version. Waits for the worker when it is behind.
    async fn snapshot_for(
        &self,
        uri: &Uri,
    ) -> Result<Option<(Arc<Snapshot>, String, Option<i32>)>> {
        let key = document_key(uri);
        let (project, version) = {
            let inner = self.inner();
            let version = inner.documents.get(uri).map(|d| d.version);
            (project_of(&key, &inner.folders), version)
        };
        let fresh = |snapshots: &HashMap<ProjectKey, Arc<Snapshot>>| -> Option<Arc<Snapshot>> {
            let snapshot = snapshots.get(&project)?;
            snapshot.file(&key)?;
            match version {
                Some(version) => {
                    (snapshot.versions.get(&key) == Some(&version)).then(|| snapshot.clone())
                }
                None => Some(snapshot.clone()),
            }
        };
        let mut generation = self.shared.generation.subscribe();
        let mut asked = false;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(snapshot) = fresh(
                &self
                    .shared
                    .snapshots
                    .read()
                    .unwrap_or_else(|e| e.into_inner()),
            ) {
                return Ok(Some((snapshot, key, version)));
            }
            // A file that is neither open nor on disk belongs to no project.
            if version.is_none() && !std::path::Path::new(&key).is_file() {
                return Ok(None);
            }
            // A closed file its project's finished analysis did not read is not part of it.
            if version.is_none()
                && asked
                && !lock(&self.shared.dirty).contains(&project)
                && self
                    .shared
                    .snapshots
                    .read()
                    .unwrap_or_else(|e| e.into_inner())
                    .contains_key(&project)
            {
                return Ok(None);
            }
            if !asked {
                asked = true;
                let pending = lock(&self.shared.dirty).contains(&project);
                if !pending {
                    self.mark_dirty([project.clone()]);
                }
            }
            match tokio::time::timeout_at(deadline, generation.changed()).await {
                Ok(Ok(())) => {}
                _ => {
                    return Err(Error {
                        code: ErrorCode::InternalError,
                        message: "the project's analysis did not finish in time".into(),
                        data: None,
                    });
                }
            }
        }
    }

    /// Runs a handler on the current analysis of `uri`; a panic in it answers an error.
    async fn with_ctx<T>(
        &self,
        uri: &Uri,
        handler: impl FnOnce(&Ctx) -> Option<T>,
    ) -> Result<Option<T>> {
        let Some((snapshot, key, version)) = self.snapshot_for(uri).await? else {
            return Ok(None);
        };
        let Some(file) = snapshot.file(&key) else {
            return Ok(None);
        };
        let (encoding, explain_base) = {
            let inner = self.inner();
            (inner.encoding, inner.settings.explain_base.clone())
        };
        let ctx = Ctx::live(&snapshot, file, encoding, &explain_base);
        let result = guarded(|| handler(&ctx))?;
        let current = self.inner().documents.get(uri).map(|d| d.version);
        if current != version {
            return Err(Error::content_modified());
        }
        Ok(result)
    }

    /// [`Server::with_ctx`] for a request about one position.
    async fn at_position<T>(
        &self,
        at: TextDocumentPositionParams,
        handler: impl FnOnce(&Ctx, Position) -> Option<T>,
    ) -> Result<Option<T>> {
        let position = at.position;
        self.with_ctx(&at.text_document.uri, |ctx| handler(ctx, position))
            .await
    }

    /// Runs a handler on the open document's current text (for completion, which must see
    /// what was just typed) and the last analysis of its project, fresh or not.
    async fn with_document<T>(
        &self,
        uri: &Uri,
        handler: impl FnOnce(&Document, Option<&Ctx>) -> Option<T>,
    ) -> Result<Option<T>> {
        let key = document_key(uri);
        let (document, project, encoding, explain_base) = {
            let inner = self.inner();
            let Some(document) = inner.documents.get(uri).cloned() else {
                return Ok(None);
            };
            (
                document,
                project_of(&key, &inner.folders),
                inner.encoding,
                inner.settings.explain_base.clone(),
            )
        };
        let snapshot = {
            let snapshots = self
                .shared
                .snapshots
                .read()
                .unwrap_or_else(|e| e.into_inner());
            snapshots.get(&project).cloned()
        };
        let snapshot = match snapshot {
            Some(snapshot) => Some(snapshot),
            None => self
                .snapshot_for(uri)
                .await
                .ok()
                .flatten()
                .map(|(s, _, _)| s),
        };
        let ctx = snapshot.as_ref().and_then(|snapshot| {
            let file = snapshot.file(&key)?;
            Some(Ctx::live(snapshot, file, encoding, &explain_base))
        });
        guarded(|| handler(&document, ctx.as_ref()))
    }

    pub fn encoding(&self) -> Encoding {
        self.inner().encoding
    }

    /// Hover without waiting for an analysis still running: the last analysis answers when
    /// the cursor is outside what was typed since (see [`crate::stale`]), its range moved
    /// to the editor's text; otherwise [`Server::at_position`] waits for a fresh one.
    async fn hover_now(&self, at: TextDocumentPositionParams) -> Result<Option<Hover>> {
        let uri = &at.text_document.uri;
        let key = document_key(uri);
        let (document, project, encoding, explain_base) = {
            let inner = self.inner();
            (
                inner.documents.get(uri).cloned(),
                project_of(&key, &inner.folders),
                inner.encoding,
                inner.settings.explain_base.clone(),
            )
        };
        let snapshot = self
            .shared
            .snapshots
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&project)
            .cloned();
        if let (Some(document), Some(snapshot)) = (document, snapshot)
            && let Some(file) = snapshot.file(&key)
        {
            let shift = if snapshot.versions.get(&key) == Some(&document.version) {
                Shift::identity(document.text.len())
            } else {
                Shift::between(&snapshot.analysis.sources.get(file).text, &document.text)
            };
            let offset = document.lines().offset(at.position, encoding);
            if let Some(old) = shift.to_old(offset) {
                let ctx = Ctx::live(&snapshot, file, encoding, &explain_base);
                let position = ctx.position(old);
                let answer = guarded(|| handlers::hover::hover(&ctx, position))?;
                return Ok(answer.map(|mut hover| {
                    hover.range = hover.range.and_then(|range| {
                        let start = shift.to_new(ctx.offset(range.start))?;
                        let end = shift.to_new(ctx.offset(range.end))?;
                        let lines = document.lines();
                        Some(Range::new(
                            lines.position(start, encoding),
                            lines.position(end, encoding),
                        ))
                    });
                    hover
                }));
            }
        }
        self.at_position(at, handlers::hover::hover).await
    }
}

/// Runs a request handler; a panic in it answers an internal error (the server carries on).
fn guarded<T>(handler: impl FnOnce() -> T) -> Result<T> {
    catch_unwind(AssertUnwindSafe(handler)).map_err(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Error {
            code: ErrorCode::InternalError,
            message: format!("csflow lsp: this request failed ({what}); please report it").into(),
            data: None,
        }
    })
}

/// The analysis worker: one project at a time, the latest texts each time.
async fn worker(shared: Arc<Shared>, client: Client) {
    // Each project's parse cache; moved into the blocking task and back.
    let mut caches: HashMap<ProjectKey, Cache> = HashMap::new();
    loop {
        shared.wake.notified().await;
        let debounce = lock(&shared.inner).settings.debounce;
        if !debounce.is_zero() {
            tokio::time::sleep(debounce).await;
        }
        let keys: Vec<ProjectKey> = std::mem::take(&mut *lock(&shared.dirty))
            .into_iter()
            .collect();
        for key in keys {
            let (inputs, folders) = {
                let inner = lock(&shared.inner);
                (Inputs::take(&key, &inner.documents), inner.folders.clone())
            };
            let mut cache = caches.remove(&key).unwrap_or_default();
            make_room(&shared, &key).await;
            let analysed = tokio::task::spawn_blocking(move || {
                let snapshot =
                    catch_unwind(AssertUnwindSafe(|| inputs.analyze_in(&mut cache, &folders)));
                (snapshot, cache)
            })
            .await;
            let snapshot = match analysed {
                Ok((Ok(snapshot), cache)) => {
                    caches.insert(key.clone(), cache);
                    snapshot
                }
                _ => {
                    client
                        .log_message(
                            MessageType::ERROR,
                            format!("csflow lsp: analysing {key:?} failed; please report it"),
                        )
                        .await;
                    continue;
                }
            };
            // A document edited while we worked: this result is stale, and the edit has
            // already queued the next run.
            let stale = {
                let inner = lock(&shared.inner);
                snapshot.versions.iter().any(|(path, version)| {
                    inner
                        .documents
                        .iter()
                        .any(|d| d.key() == *path && d.version != *version)
                })
            };
            if stale {
                continue;
            }
            if let Some(error) = &snapshot.config_error {
                let new = lock(&shared.inner).config_errors.insert(error.clone());
                if new {
                    client
                        .show_message(
                            MessageType::WARNING,
                            format!(
                                "csflow: {error} (using the default settings until it is fixed)"
                            ),
                        )
                        .await;
                }
            }
            publish(&shared, &client, &snapshot).await;
            // The resolver's lookup index (a million references sorted, on the big tree) is
            // built after the diagnostics are out, so a keystroke's diagnostics do not wait
            // for it, and before the analysis is stored, so no request pays for it. Requests
            // meanwhile read the previous analysis or wait, as during the analysis itself.
            let snapshot = Arc::new(snapshot);
            let warming = snapshot.clone();
            let warmed = tokio::task::spawn_blocking(move || {
                catch_unwind(AssertUnwindSafe(|| warming.warm())).is_ok()
            })
            .await;
            if !matches!(warmed, Ok(true)) {
                client
                    .log_message(
                        MessageType::ERROR,
                        format!("csflow lsp: indexing {key:?} failed; please report it"),
                    )
                    .await;
            }
            let previous = shared
                .snapshots
                .write()
                .unwrap_or_else(|e| e.into_inner())
                .insert(key, snapshot);
            shared.generation.send_modify(|g| *g += 1);
            // Freeing the previous analysis (millions of tree nodes on a big file) is done
            // off the async threads, so that requests are answered meanwhile.
            if let Some(previous) = previous {
                tokio::task::spawn_blocking(move || drop(previous));
            }
        }
    }
}

/// The most source text a project may have (by default) for its last analysis to stay
/// while the next one runs. Requests read the last analysis meanwhile (completion while typing), which
/// costs two analyses' memory: a 64 MB file's are 1.3 GB each, so past this the last one is
/// freed first and requests wait for the new one. The 100,000-state tree (19 MB) stays under.
const KEEP_WHILE_ANALYSING: usize = 32 * 1024 * 1024;

/// Frees the last analysis of a project too big to hold two of, before the next one
/// starts (freed meanwhile, the new analysis would still grow on top of it).
async fn make_room(shared: &Shared, key: &ProjectKey) {
    let limit = lock(&shared.inner).settings.keep_while_analysing;
    let previous = {
        let mut snapshots = shared.snapshots.write().unwrap_or_else(|e| e.into_inner());
        let big = snapshots.get(key).is_some_and(|snapshot| {
            let bytes: usize = snapshot
                .analysis
                .sources
                .files()
                .map(|(_, file)| file.text.len())
                .sum();
            bytes > limit
        });
        if big { snapshots.remove(key) } else { None }
    };
    if let Some(previous) = previous {
        let _ = tokio::task::spawn_blocking(move || drop(previous)).await;
    }
}

/// Publishes a project's diagnostics: every file it owns (an open document always, with its
/// version; a closed file when its list changed), and an empty list for files it published
/// before and no longer has (fixed, or deleted).
async fn publish(shared: &Shared, client: &Client, snapshot: &Snapshot) {
    let mut sends: Vec<(Uri, Vec<Diagnostic>, Option<i32>)> = Vec::new();
    {
        let mut inner = lock(&shared.inner);
        let encoding = inner.encoding;
        let base = inner.settings.explain_base.clone();
        let sources = &snapshot.analysis.sources;
        let mut by_file: HashMap<u32, Vec<Diagnostic>> = HashMap::new();
        for diagnostic in &snapshot.analysis.diagnostics {
            by_file
                .entry(diagnostic.primary.span.file.0)
                .or_default()
                .push(diagnostics::to_lsp(diagnostic, sources, encoding, &base));
        }
        let mut current = Vec::new();
        for (id, file) in sources.files() {
            let owned = project_of(&file.path, &inner.folders) == snapshot.key
                || !inner
                    .folders
                    .iter()
                    .any(|f| std::path::Path::new(&file.path).starts_with(f));
            let Some(uri) = uri_for(&file.path) else {
                continue;
            };
            if !owned || current.contains(&uri) {
                continue;
            }
            let list = by_file.remove(&id.0).unwrap_or_default();
            let version = inner.documents.get(&uri).map(|d| d.version);
            let unchanged = inner
                .published
                .get(&uri)
                .is_some_and(|(_, previous)| *previous == list);
            current.push(uri.clone());
            if version.is_none() && unchanged {
                continue;
            }
            inner
                .published
                .insert(uri.clone(), (snapshot.key.clone(), list.clone()));
            sends.push((uri, list, version));
        }
        let gone: Vec<Uri> = inner
            .published
            .iter()
            .filter(|(uri, (key, list))| {
                *key == snapshot.key && !current.contains(uri) && !list.is_empty()
            })
            .map(|(uri, _)| uri.clone())
            .collect();
        for uri in gone {
            inner.published.remove(&uri);
            sends.push((uri, Vec::new(), None));
        }
    }
    for (uri, list, version) in sends {
        client.publish_diagnostics(uri, list, version).await;
    }
}

fn folders_of(params: &InitializeParams) -> Vec<PathBuf> {
    let mut folders: Vec<PathBuf> = params
        .workspace_folders
        .iter()
        .flatten()
        .filter_map(|f| file_path(&f.uri))
        .collect();
    #[allow(deprecated)]
    if folders.is_empty()
        && let Some(root) = params.root_uri.as_ref().and_then(file_path)
    {
        folders.push(root);
    }
    folders
}

fn settings_of(options: Option<&serde_json::Value>) -> Settings {
    let mut settings = Settings::default();
    if let Some(options) = options {
        if let Some(ms) = options.get("debounceMs").and_then(|v| v.as_u64()) {
            settings.debounce = Duration::from_millis(ms.min(10_000));
        }
        if let Some(base) = options.get("explainBaseUrl").and_then(|v| v.as_str()) {
            settings.explain_base = base.to_string();
        }
        if let Some(bytes) = options
            .get("previousAnalysisMaxBytes")
            .and_then(|v| v.as_u64())
        {
            settings.keep_while_analysing = usize::try_from(bytes).unwrap_or(usize::MAX);
        }
    }
    settings
}

impl LanguageServer for Server {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let encoding = Encoding::negotiate(
            params
                .capabilities
                .general
                .as_ref()
                .and_then(|g| g.position_encodings.as_deref()),
        );
        {
            let mut inner = self.inner();
            inner.encoding = encoding;
            inner.folders = folders_of(&params);
            inner.settings = settings_of(params.initialization_options.as_ref());
        }
        Ok(InitializeResult {
            capabilities: handlers::capabilities(encoding),
            server_info: Some(ServerInfo {
                name: "csflow".to_string(),
                version: Some(env!("CARGO_PKG_VERSION").to_string()),
            }),
            ..Default::default()
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        self.start_worker();
        // Watch flows and configuration on disk (closed files, deletions, csflow.toml).
        let watchers = ["**/*.csflow", "**/csflow.toml"]
            .into_iter()
            .map(|glob| FileSystemWatcher {
                glob_pattern: GlobPattern::String(glob.to_string()),
                kind: None,
            })
            .collect();
        let registration = Registration {
            id: "csflow-watch".to_string(),
            method: "workspace/didChangeWatchedFiles".to_string(),
            register_options: serde_json::to_value(DidChangeWatchedFilesRegistrationOptions {
                watchers,
            })
            .ok(),
        };
        let _ = self.client.register_capability(vec![registration]).await;
        // The workspace folders' own diagnostics, files not open included.
        let folders = self.inner().folders.clone();
        self.mark_dirty(folders.into_iter().map(ProjectKey::Dir));
    }

    async fn shutdown(&self) -> Result<()> {
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let document = params.text_document;
        let key = document_key(&document.uri);
        let project = {
            let mut inner = self.inner();
            let project = project_of(&key, &inner.folders);
            inner
                .documents
                .open(Document::new(document.uri, document.version, document.text));
            project
        };
        self.start_worker();
        self.mark_dirty([project]);
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let uri = params.text_document.uri;
        let applied = {
            let mut inner = self.inner();
            let encoding = inner.encoding;
            match inner.documents.get_mut(&uri) {
                Some(document) => document.apply(
                    params.text_document.version,
                    params.content_changes,
                    encoding,
                ),
                None => false,
            }
        };
        if applied {
            let keys = self.projects_reading(&document_key(&uri));
            self.mark_dirty(keys);
        }
    }

    async fn did_save(&self, params: DidSaveTextDocumentParams) {
        let key = document_key(&params.text_document.uri);
        let keys = self.projects_reading(&key);
        self.mark_dirty(keys);
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let uri = params.text_document.uri;
        {
            let mut inner = self.inner();
            inner.documents.close(&uri);
            inner.tokens.remove(&uri);
        }
        // Re-read from disk: a closed file keeps its errors until they are fixed there.
        let keys = self.projects_reading(&document_key(&uri));
        self.mark_dirty(keys);
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        let mut keys = BTreeSet::new();
        for change in params.changes {
            let key = document_key(&change.uri);
            if key.ends_with(csflow_compiler::config::FILE_NAME) {
                // A csflow.toml changes levels, thresholds and maybe which project is which.
                keys.extend(self.inner().projects.iter().cloned());
            }
            keys.extend(self.projects_reading(&key));
        }
        self.mark_dirty(keys);
    }

    async fn did_change_workspace_folders(&self, params: DidChangeWorkspaceFoldersParams) {
        let added: Vec<PathBuf> = params
            .event
            .added
            .iter()
            .filter_map(|f| file_path(&f.uri))
            .collect();
        {
            let mut inner = self.inner();
            for removed in params
                .event
                .removed
                .iter()
                .filter_map(|f| file_path(&f.uri))
            {
                inner.folders.retain(|f| *f != removed);
            }
            inner.folders.extend(added.iter().cloned());
        }
        self.mark_dirty(added.into_iter().map(ProjectKey::Dir));
    }

    async fn document_symbol(
        &self,
        params: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>> {
        self.with_ctx(
            &params.text_document.uri,
            handlers::symbols::document_symbols,
        )
        .await
    }

    async fn symbol(
        &self,
        params: WorkspaceSymbolParams,
    ) -> Result<Option<WorkspaceSymbolResponse>> {
        let snapshots: Vec<Arc<Snapshot>> = self
            .shared
            .snapshots
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .cloned()
            .collect();
        let encoding = self.encoding();
        catch_unwind(AssertUnwindSafe(|| {
            handlers::symbols::workspace_symbols(&snapshots, &params.query, encoding)
        }))
        .map_err(|_| Error::internal_error())
    }

    async fn folding_range(&self, params: FoldingRangeParams) -> Result<Option<Vec<FoldingRange>>> {
        self.with_ctx(&params.text_document.uri, handlers::folding::folding_ranges)
            .await
    }

    async fn selection_range(
        &self,
        params: SelectionRangeParams,
    ) -> Result<Option<Vec<SelectionRange>>> {
        self.with_ctx(&params.text_document.uri, |ctx| {
            handlers::selection::selection_ranges(ctx, &params.positions)
        })
        .await
    }

    async fn semantic_tokens_full(
        &self,
        params: SemanticTokensParams,
    ) -> Result<Option<SemanticTokensResult>> {
        let uri = params.text_document.uri;
        let tokens = self
            .with_ctx(&uri, |ctx| Some(handlers::tokens::semantic_tokens(ctx)))
            .await?;
        let Some(data) = tokens else {
            return Ok(None);
        };
        let id = self.remember_tokens(&uri, data.clone());
        Ok(Some(SemanticTokensResult::Tokens(SemanticTokens {
            result_id: Some(id),
            data,
        })))
    }

    async fn semantic_tokens_full_delta(
        &self,
        params: SemanticTokensDeltaParams,
    ) -> Result<Option<SemanticTokensFullDeltaResult>> {
        let uri = params.text_document.uri;
        let tokens = self
            .with_ctx(&uri, |ctx| Some(handlers::tokens::semantic_tokens(ctx)))
            .await?;
        let Some(data) = tokens else {
            return Ok(None);
        };
        let previous = self
            .inner()
            .tokens
            .get(&uri)
            .filter(|(id, _)| *id == params.previous_result_id)
            .map(|(_, data)| data.clone());
        let id = self.remember_tokens(&uri, data.clone());
        Ok(Some(match previous {
            Some(previous) => SemanticTokensFullDeltaResult::TokensDelta(SemanticTokensDelta {
                result_id: Some(id),
                edits: handlers::tokens::delta(&previous, &data),
            }),
            None => SemanticTokensFullDeltaResult::Tokens(SemanticTokens {
                result_id: Some(id),
                data,
            }),
        }))
    }

    async fn document_link(&self, params: DocumentLinkParams) -> Result<Option<Vec<DocumentLink>>> {
        self.with_ctx(&params.text_document.uri, handlers::links::document_links)
            .await
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        let position = params.text_document_position.position;
        let encoding = self.encoding();
        self.with_document(
            &params.text_document_position.text_document.uri,
            |document, ctx| handlers::completion::complete(document, ctx, position, encoding),
        )
        .await
    }

    async fn signature_help(&self, params: SignatureHelpParams) -> Result<Option<SignatureHelp>> {
        let position = params.text_document_position_params.position;
        let encoding = self.encoding();
        self.with_document(
            &params.text_document_position_params.text_document.uri,
            |document, ctx| handlers::signature::signature_help(document, ctx?, position, encoding),
        )
        .await
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        self.hover_now(params.text_document_position_params).await
    }

    async fn goto_definition(
        &self,
        params: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        self.at_position(
            params.text_document_position_params,
            crate::navigation::goto_definition,
        )
        .await
    }

    async fn references(&self, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
        let position = params.text_document_position.position;
        let declaration = params.context.include_declaration;
        self.with_ctx(&params.text_document_position.text_document.uri, |ctx| {
            crate::navigation::references(ctx, position, declaration)
        })
        .await
    }

    async fn document_highlight(
        &self,
        params: DocumentHighlightParams,
    ) -> Result<Option<Vec<DocumentHighlight>>> {
        self.at_position(
            params.text_document_position_params,
            crate::navigation::highlights,
        )
        .await
    }

    async fn prepare_rename(
        &self,
        params: TextDocumentPositionParams,
    ) -> Result<Option<PrepareRenameResponse>> {
        let position = params.position;
        refused(
            self.with_ctx(&params.text_document.uri, |ctx| {
                Some(handlers::rename::prepare_rename(ctx, position))
            })
            .await?,
        )
    }

    async fn rename(&self, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
        let position = params.text_document_position.position;
        let new_name = params.new_name;
        refused(
            self.with_ctx(&params.text_document_position.text_document.uri, |ctx| {
                Some(handlers::rename::rename(ctx, position, &new_name))
            })
            .await?,
        )
    }

    async fn inlay_hint(&self, params: InlayHintParams) -> Result<Option<Vec<InlayHint>>> {
        self.with_ctx(&params.text_document.uri, |ctx| {
            handlers::inlay::inlay_hints(ctx, params.range)
        })
        .await
    }

    async fn formatting(&self, params: DocumentFormattingParams) -> Result<Option<Vec<TextEdit>>> {
        let uri = params.text_document.uri;
        let (document, encoding) = {
            let inner = self.inner();
            let Some(document) = inner.documents.get(&uri).cloned() else {
                return Ok(None);
            };
            (document, inner.encoding)
        };
        // The formatter needs the text only, not the project's analysis; off the message
        // loop, since a big file takes a moment.
        let version = document.version;
        let answer = tokio::task::spawn_blocking(move || {
            catch_unwind(AssertUnwindSafe(|| {
                handlers::formatting::format(&document, encoding)
            }))
        })
        .await;
        let answer = match answer {
            Ok(Ok(answer)) => answer,
            _ => {
                return Err(Error {
                    code: ErrorCode::InternalError,
                    message: "csflow lsp: formatting failed; please report it".into(),
                    data: None,
                });
            }
        };
        if self.inner().documents.get(&uri).map(|d| d.version) != Some(version) {
            return Err(Error::content_modified());
        }
        match answer {
            Ok(edits) => Ok(Some(edits)),
            // The syntax errors are already shown as diagnostics: nothing to change.
            Err(handlers::formatting::Refusal::Syntax) => Ok(None),
            Err(handlers::formatting::Refusal::Internal(message)) => Err(Error {
                // LSP's RequestFailed.
                code: ErrorCode::ServerError(-32803),
                message: format!(
                    "csflow: not formatted, the result would not mean the same ({message}); please report it with the file"
                )
                .into(),
                data: None,
            }),
        }
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        self.with_ctx(&params.text_document.uri, |ctx| {
            handlers::actions::code_actions(ctx, params.range)
        })
        .await
    }
}

/// A handler's refusal (rename to a reserved word…) as an error the editor shows.
fn refused<T>(answer: Option<std::result::Result<Option<T>, String>>) -> Result<Option<T>> {
    match answer {
        None => Ok(None),
        Some(Ok(value)) => Ok(value),
        Some(Err(message)) => Err(Error {
            code: ErrorCode::InvalidRequest,
            message: message.into(),
            data: None,
        }),
    }
}

impl Server {
    fn remember_tokens(&self, uri: &Uri, data: Vec<SemanticToken>) -> String {
        let mut inner = self.inner();
        inner.next_tokens_id += 1;
        let id = inner.next_tokens_id.to_string();
        inner.tokens.insert(uri.clone(), (id.clone(), data));
        id
    }
}
