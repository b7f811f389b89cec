//! Fixtures for handler tests: a project copied into a temporary directory, one `$0`
//! cursor marker taken out of its text, the project analysed as the server would, and
//! answers drawn under the source lines they point at (so a snapshot reads like the text).
#![allow(dead_code)]

use csflow_lsp::context::Ctx;
use csflow_lsp::position::{Encoding, Lines, line_starts};
use csflow_lsp::project::{Inputs, ProjectKey, Snapshot};
use std::path::{Path, PathBuf};
use tower_lsp_server::ls_types::{Location, Position, Range, Uri};

pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub snapshot: Snapshot,
    /// The file and byte offset of the `$0` marker.
    pub cursor: Option<(String, usize)>,
    pub encoding: Encoding,
}

/// A fixed "now": Tuesday 2026-12-01 10:00 in Shanghai (open hours).
pub fn now() -> chrono::DateTime<chrono::Utc> {
    "2026-12-01T02:00:00Z".parse().unwrap()
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// The fixture project `name` (a folder of tests/fixtures), with `edits` applied:
/// `(file, text to find, replacement)`, where the replacement may hold `$0`.
pub fn project(name: &str, edits: &[(&str, &str, &str)]) -> Fixture {
    project_with(name, edits, Encoding::Utf16)
}

pub fn project_with(name: &str, edits: &[(&str, &str, &str)], encoding: Encoding) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let mut cursor = None;
    for entry in std::fs::read_dir(fixtures().join(name)).unwrap() {
        let entry = entry.unwrap();
        let file = entry.file_name().to_string_lossy().into_owned();
        let mut text = std::fs::read_to_string(entry.path()).unwrap();
        for (target, find, replace) in edits {
            if *target == file {
                assert!(text.contains(find), "{find:?} not in {file}");
                text = text.replacen(find, replace, 1);
            }
        }
        if let Some(at) = text.find("$0") {
            text.replace_range(at..at + 2, "");
            cursor = Some((root.join(&file).to_string_lossy().into_owned(), at));
        }
        std::fs::write(root.join(&file), text).unwrap();
    }
    let key = ProjectKey::Dir(root.clone());
    let inputs = Inputs {
        key,
        overlays: Default::default(),
    };
    let snapshot = inputs.analyze(&[root]);
    Fixture {
        dir,
        snapshot,
        cursor,
        encoding,
    }
}

impl Fixture {
    pub fn root(&self) -> PathBuf {
        self.dir.path().canonicalize().unwrap()
    }

    pub fn path(&self, file: &str) -> String {
        self.root().join(file).to_string_lossy().into_owned()
    }

    pub fn ctx(&self, file: &str) -> Ctx<'_> {
        let key = self.path(file);
        Ctx {
            snapshot: &self.snapshot,
            file: self
                .snapshot
                .file(&key)
                .unwrap_or_else(|| panic!("{key} not analysed")),
            encoding: self.encoding,
            explain_base: csflow_lsp::diagnostics::DEFAULT_EXPLAIN_BASE,
            now: now(),
        }
    }

    /// The context of the file holding the cursor, and the cursor's position.
    pub fn at_cursor(&self) -> (Ctx<'_>, Position) {
        let (path, offset) = self.cursor.clone().expect("no $0 in the fixture");
        let file = Path::new(&path)
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let ctx = self.ctx(&file);
        let position = ctx.position(offset);
        (ctx, position)
    }

    pub fn text(&self, file: &str) -> String {
        std::fs::read_to_string(self.path(file)).unwrap()
    }

    /// The file name (relative to the fixture) of a URI.
    pub fn name_of(&self, uri: &Uri) -> String {
        let path = uri.to_file_path().unwrap();
        path.strip_prefix(self.root())
            .unwrap_or(&path)
            .to_string_lossy()
            .into_owned()
    }

    /// Draws `label` under the source at `range` of `file`.
    pub fn draw(&self, file: &str, range: Range, label: &str) -> String {
        let text = self.text(file);
        let starts = line_starts(&text);
        let lines = Lines {
            text: &text,
            starts: &starts,
        };
        let start = lines.offset(range.start, self.encoding);
        let end = lines.offset(range.end, self.encoding);
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let line = &text[line_start..line_end];
        // Columns drawn in display width: CJK characters take two cells.
        let width = |s: &str| -> usize {
            s.chars()
                .map(|c| if (c as u32) > 0x2E80 { 2 } else { 1 })
                .sum()
        };
        let pad = width(&text[line_start..start]);
        let marks = width(&text[start..end.min(line_end).max(start)]).max(1);
        format!(
            "{file}:{}: {line}\n{}{} {label}\n",
            range.start.line + 1,
            " ".repeat(pad + file.len() + format!(":{}: ", range.start.line + 1).len()),
            "^".repeat(marks)
        )
    }

    pub fn draw_location(&self, location: &Location, label: &str) -> String {
        self.draw(&self.name_of(&location.uri), location.range, label)
    }
}

/// Applies LSP text edits to a text (positions in `encoding`).
pub fn apply_edits(
    text: &str,
    edits: &[tower_lsp_server::ls_types::TextEdit],
    encoding: Encoding,
) -> String {
    let starts = line_starts(text);
    let lines = Lines {
        text,
        starts: &starts,
    };
    let mut spans: Vec<(usize, usize, &str)> = edits
        .iter()
        .map(|e| {
            (
                lines.offset(e.range.start, encoding),
                lines.offset(e.range.end, encoding),
                e.new_text.as_str(),
            )
        })
        .collect();
    spans.sort_by_key(|s| std::cmp::Reverse(s.0));
    let mut out = text.to_string();
    for (start, end, new) in spans {
        out.replace_range(start..end, new);
    }
    out
}

pub mod client;

/// A copy of a fixture folder in a fresh temporary directory (canonical path).
pub fn copy_fixture(name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    for entry in std::fs::read_dir(fixtures().join(name)).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), root.join(entry.file_name())).unwrap();
    }
    (dir, root)
}

pub fn uri(path: &Path) -> Uri {
    Uri::from_file_path(path).unwrap()
}
