//! Which project a file belongs to, and analysing a project as the editor sees it: open
//! documents as they are in the editor, every other file as it is on disk.
//!
//! A project is the nearest directory holding a `csflow.toml` (inside the workspace folder,
//! if the file is in one), else the workspace folder itself; a file outside every workspace
//! folder and every `csflow.toml` directory is a project of its own (with its imports).
//! This is what `csflow check DIR` would check, so the editor shows what CI shows.

use crate::documents::Documents;
use csflow_compiler::analysis::{self, Analysis};
use csflow_compiler::config::{self, Config};
use csflow_compiler::source::FileId;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

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
    pub overlays: HashMap<String, (String, i32)>,
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

    /// Runs the compiler's `analyze` on the project: the same driver, checks, `csflow.toml`
    /// levels and suppression comments as `csflow check`.
    pub fn analyze(self, folders: &[PathBuf]) -> Snapshot {
        let (config_path, mut paths): (PathBuf, Vec<String>) = match &self.key {
            ProjectKey::Dir(dir) => {
                let on_disk = analysis::discover(std::slice::from_ref(dir)).unwrap_or_default();
                let paths = on_disk
                    .into_iter()
                    .map(|p| analysis::normalize(&p).to_string_lossy().into_owned())
                    .collect();
                (dir.clone(), paths)
            }
            ProjectKey::File(key) => (PathBuf::from(key), vec![key.clone()]),
        };
        // Documents open in the editor but not saved yet belong to the project too.
        for key in self.overlays.keys() {
            if !paths.contains(key) && project_of(key, folders) == self.key {
                paths.push(key.clone());
            }
        }
        paths.sort();
        let (options, config_error) = match Config::discover(&config_path) {
            Ok(config) => (config.unwrap_or_default().options(None), None),
            Err(error) => (Default::default(), Some(error.to_string())),
        };
        let mut versions = HashMap::new();
        let mut inputs = Vec::new();
        for path in paths {
            let bytes = match self.overlays.get(&path) {
                Some((text, version)) => {
                    versions.insert(path.clone(), *version);
                    text.clone().into_bytes()
                }
                None => match std::fs::read(&path) {
                    Ok(bytes) => bytes,
                    // Deleted between discovery and reading: it is no longer part of it.
                    Err(_) => continue,
                },
            };
            inputs.push((path, bytes));
        }
        let overlays = &self.overlays;
        let read = |path: &Path| -> std::io::Result<Vec<u8>> {
            let key = analysis::normalize(path).to_string_lossy().into_owned();
            match overlays.get(&key) {
                Some((text, _)) => Ok(text.clone().into_bytes()),
                None => std::fs::read(path),
            }
        };
        let analysis = analysis::analyze(inputs, &read, &options);
        // Imported documents that are open were read from the editor too.
        for (_, file) in analysis.sources.files() {
            if let Some((_, version)) = self.overlays.get(&file.path) {
                versions.insert(file.path.clone(), *version);
            }
        }
        Snapshot {
            key: self.key,
            analysis,
            versions,
            config_error,
        }
    }
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
}
