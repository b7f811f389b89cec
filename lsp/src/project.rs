//! Which project a file belongs to, and analysing a project as the editor sees it: open
//! documents as they are in the editor, every other file as it is on disk.
//!
//! A project is the nearest directory holding a `csflow.toml` (inside the workspace folder,
//! if the file is in one), else the workspace folder itself; a file outside every workspace
//! folder and every `csflow.toml` directory is a project of its own (with its imports).
//! This is what `csflow check DIR` would check, so the editor shows what CI shows.

use crate::documents::Documents;
use csflow_compiler::analysis::{self, Analysis, Workspace};
use csflow_compiler::config::{self, Config};
use csflow_compiler::source::FileId;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ProjectKey {
    /// Every `.csflow` file under this directory.
    Dir(PathBuf),
    /// One file (a path, or a URI for unsaved documents) and what it imports.
    File(String),
}

/// The project of a document known by `key` (its path, or its URI text).
pub fn project_of(key: &str, folders: &[PathBuf]) -> ProjectKey {
    let path = Path::new(key);
    if !path.is_absolute() {
        return ProjectKey::File(key.to_string());
    }
    // The innermost workspace folder holding the file bounds the search for csflow.toml.
    let folder = folders
        .iter()
        .filter(|f| path.starts_with(f))
        .max_by_key(|f| f.components().count());
    let mut dir = path.parent();
    while let Some(current) = dir {
        if current.join(config::FILE_NAME).is_file() {
            return ProjectKey::Dir(current.to_path_buf());
        }
        if Some(current) == folder.map(PathBuf::as_path) {
            break;
        }
        dir = current.parent();
    }
    match folder {
        Some(folder) => ProjectKey::Dir(folder.clone()),
        None => ProjectKey::File(key.to_string()),
    }
}

/// A finished analysis of one project, with the document versions it was made from.
#[derive(Debug)]
pub struct Snapshot {
    pub key: ProjectKey,
    pub analysis: Analysis,
    /// The version of every open document the analysis read.
    pub versions: HashMap<String, i32>,
    /// A `csflow.toml` that could not be used (its defaults were used instead).
    pub config_error: Option<String>,
}

impl Snapshot {
    /// Builds the resolver's lookup index (references sorted by place and by definition)
    /// now, on the analysis worker, so the first hover or definition request after an
    /// analysis does not pay for sorting a million references.
    pub fn warm(&self) {
        if let Some((id, _)) = self.analysis.files.first() {
            let _ = self.analysis.definition_at(*id, 0);
        }
    }

    pub fn file(&self, key: &str) -> Option<FileId> {
        self.analysis.sources.find(key)
    }

    pub fn ast(&self, id: FileId) -> Option<&csflow_compiler::ast::File> {
        self.analysis
            .files
            .iter()
            .find(|(file, _)| *file == id)
            .map(|(_, f)| f)
    }
}

/// What an analysis reads: the open documents' texts (copied under the lock, so the
/// analysis itself runs without it).
#[derive(Debug, Clone)]
pub struct Inputs {
    pub key: ProjectKey,
    pub overlays: HashMap<String, (Arc<String>, i32)>,
}

impl Inputs {
    pub fn take(key: &ProjectKey, documents: &Documents) -> Inputs {
        // Every open document may be imported by the project, so all of them are overlays;
        // only those that belong to it are added as inputs (below).
        let overlays = documents
            .iter()
            .map(|d| (d.key(), (d.text.clone(), d.version)))
            .collect();
        Inputs {
            key: key.clone(),
            overlays,
        }
    }

    /// Runs the compiler's analysis on the project: the same driver, checks, `csflow.toml`
    /// levels and suppression comments as `csflow check`. A fresh cache each time.
    pub fn analyze(self, folders: &[PathBuf]) -> Snapshot {
        self.analyze_in(&mut Cache::default(), folders)
    }

    /// The same, through the project's [`Cache`]: files whose text did not change since the
    /// last analysis are not parsed again.
    pub fn analyze_in(self, cache: &mut Cache, folders: &[PathBuf]) -> Snapshot {
        let config_path = match &self.key {
            ProjectKey::Dir(dir) => dir.clone(),
            ProjectKey::File(key) => PathBuf::from(key),
        };
        let (options, config_error) = match Config::discover(&config_path) {
            Ok(config) => (config.unwrap_or_default().options(None), None),
            Err(error) => (Default::default(), Some(error.to_string())),
        };
        // The editor's texts replace the files on disk (and add unsaved ones).
        let workspace = &mut cache.workspace;
        for gone in cache
            .overlaid
            .difference(&self.overlays.keys().cloned().collect())
        {
            workspace.remove_overlay(gone);
        }
        for (key, (text, _)) in &self.overlays {
            if Path::new(key).is_absolute() {
                workspace.share_overlay(key, text.clone());
            }
        }
        cache.overlaid = self
            .overlays
            .keys()
            .filter(|k| Path::new(k).is_absolute())
            .cloned()
            .collect();
        let overlays = &self.overlays;
        let read = |path: &Path| -> std::io::Result<Vec<u8>> {
            let key = analysis::normalize(path).to_string_lossy().into_owned();
            match overlays.get(&key) {
                Some((text, _)) => Ok(text.as_bytes().to_vec()),
                None => std::fs::read(path),
            }
        };
        let analysis = match &self.key {
            ProjectKey::Dir(dir) => workspace
                .analyze_paths(std::slice::from_ref(dir), &options)
                .unwrap_or_else(|_| workspace.analyze(Vec::new(), &read, &options)),
            ProjectKey::File(key) => {
                let bytes = match overlays.get(key) {
                    Some((text, _)) => Some(text.as_bytes().to_vec()),
                    None => std::fs::read(key).ok(),
                };
                let inputs = bytes.map(|b| vec![(key.clone(), b)]).unwrap_or_default();
                workspace.analyze(inputs, &read, &options)
            }
        };
        let _ = folders;
        // The version of every open document the analysis read.
        let versions = analysis
            .sources
            .files()
            .filter_map(|(_, file)| Some((file.path.clone(), self.overlays.get(&file.path)?.1)))
            .collect();
        Snapshot {
            key: self.key,
            analysis,
            versions,
            config_error,
        }
    }
}

/// What a project keeps between analyses: the compiler's [`Workspace`] (parses by path and
/// content hash, stable file ids, overlays) and which overlays it holds.
#[derive(Debug, Default)]
pub struct Cache {
    pub workspace: Workspace,
    overlaid: std::collections::HashSet<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nearest_csflow_toml_inside_the_folder_wins() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        std::fs::create_dir_all(root.join("bank/flows")).unwrap();
        std::fs::write(root.join("bank/csflow.toml"), "").unwrap();
        let file = root.join("bank/flows/a.csflow");
        let key = file.to_string_lossy().into_owned();
        assert_eq!(
            project_of(&key, std::slice::from_ref(&root)),
            ProjectKey::Dir(root.join("bank"))
        );
        let other = root.join("shop/b.csflow").to_string_lossy().into_owned();
        assert_eq!(
            project_of(&other, std::slice::from_ref(&root)),
            ProjectKey::Dir(root.clone())
        );
        assert_eq!(project_of(&other, &[]), ProjectKey::File(other.clone()));
        assert_eq!(
            project_of("untitled:Untitled-1", &[root]),
            ProjectKey::File("untitled:Untitled-1".into())
        );
    }

    #[test]
    fn an_edit_reparses_only_the_edited_file() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::write(root.join("a.csflow"), "queue a { }\n").unwrap();
        std::fs::write(root.join("b.csflow"), "queue b { }\n").unwrap();
        let key = ProjectKey::Dir(root.clone());
        let mut cache = Cache::default();
        let a = root.join("a.csflow").to_string_lossy().into_owned();
        let inputs = |text: &str, version| Inputs {
            key: key.clone(),
            overlays: [(a.clone(), (Arc::new(text.to_string()), version))]
                .into_iter()
                .collect(),
        };
        let first = inputs("queue a { }\n", 1).analyze_in(&mut cache, &[]);
        assert_eq!(cache.workspace.parse_count(), 2);
        assert_eq!(first.versions.get(&a), Some(&1));
        let second = inputs("queue a { }\nqueue c { } 😀\n", 2).analyze_in(&mut cache, &[]);
        assert_eq!(cache.workspace.parse_count(), 3, "only a.csflow again");
        // a.csflow was being edited, so its tree was not kept: the first analysis where its
        // text stays the same parses it once more and keeps it; the next ones do not.
        let typed = "queue a { }\nqueue c { } 😀\n";
        inputs(typed, 3).analyze_in(&mut cache, &[]);
        assert_eq!(cache.workspace.parse_count(), 4);
        inputs(typed, 4).analyze_in(&mut cache, &[]);
        assert_eq!(cache.workspace.parse_count(), 4);
        assert_eq!(second.versions.get(&a), Some(&2));
        assert!(
            second
                .analysis
                .diagnostics
                .iter()
                .any(|d| d.name() == "syntax-error")
        );
    }
}
