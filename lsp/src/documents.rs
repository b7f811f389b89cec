//! The documents the editor has open: their text and version, kept in step with the
//! editor's incremental edits.
//!
//! Edits are applied in the order they arrive, under the server's one lock, before any
//! `await` (so two `didChange` notifications can never interleave); a change whose version
//! is not newer than the document's is a duplicate or a late arrival and is dropped.

use crate::position::{Encoding, Lines, line_starts};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use tower_lsp_server::ls_types::{TextDocumentContentChangeEvent, Uri};

#[derive(Debug, Clone)]
pub struct Document {
    pub uri: Uri,
    /// The file on disk it stands for (`None` for `untitled:` and other schemes).
    pub path: Option<PathBuf>,
    pub version: i32,
    /// Shared with requests and the analysis that read it (a 19 MB file is not copied per
    /// request); an edit copies it only while one of them still holds the old text.
    pub text: Arc<String>,
    pub line_starts: Arc<Vec<usize>>,
}

impl Document {
    pub fn new(uri: Uri, version: i32, text: String) -> Document {
        let path = file_path(&uri);
        let line_starts = Arc::new(line_starts(&text));
        Document {
            uri,
            path,
            version,
            text: Arc::new(text),
            line_starts,
        }
    }

    pub fn lines(&self) -> Lines<'_> {
        Lines {
            text: &self.text,
            starts: &self.line_starts,
        }
    }

    /// The name the compiler knows the document by: its absolute path, or the URI.
    pub fn key(&self) -> String {
        document_key(&self.uri)
    }

    /// Applies the editor's changes (ranged or whole-text) for `version`. Returns `false`
    /// when the version is not newer than ours (the change is dropped).
    pub fn apply(
        &mut self,
        version: i32,
        changes: Vec<TextDocumentContentChangeEvent>,
        encoding: Encoding,
    ) -> bool {
        if version <= self.version {
            return false;
        }
        for change in changes {
            match change.range {
                Some(range) => {
                    let lines = self.lines();
                    let start = lines.offset(range.start, encoding);
                    let end = lines.offset(range.end, encoding).max(start);
                    Arc::make_mut(&mut self.text).replace_range(start..end, &change.text);
                    splice_line_starts(
                        Arc::make_mut(&mut self.line_starts),
                        start,
                        end,
                        &change.text,
                    );
                }
                None => {
                    self.line_starts = Arc::new(line_starts(&change.text));
                    self.text = Arc::new(change.text);
                }
            }
        }
        self.version = version;
        true
    }
}

/// Updates the line starts of a text whose bytes `start..end` became `inserted`: the lines
/// before are kept, those of the inserted text added, those after shifted (a keystroke in a
/// 650,000-line file does not count every line again).
fn splice_line_starts(starts: &mut Vec<usize>, start: usize, end: usize, inserted: &str) {
    // Line starts inside the replaced bytes (after a removed newline) go away.
    let first = starts.partition_point(|&s| s <= start);
    let last = starts.partition_point(|&s| s <= end);
    let added = memchr_newlines(inserted).map(|i| start + i + 1);
    let tail: Vec<usize> = starts[last..]
        .iter()
        .map(|&s| s - end + start + inserted.len())
        .collect();
    starts.truncate(first);
    starts.extend(added);
    starts.extend(tail);
}

fn memchr_newlines(text: &str) -> impl Iterator<Item = usize> + '_ {
    text.bytes()
        .enumerate()
        .filter(|(_, b)| *b == b'\n')
        .map(|(i, _)| i)
}

/// A `file:` URI's path, normalised (`a/./b/../c` → `a/c`); `None` for other schemes.
pub fn file_path(uri: &Uri) -> Option<PathBuf> {
    let scheme = uri.scheme().as_str();
    if !scheme.eq_ignore_ascii_case("file") {
        return None;
    }
    let path = uri.to_file_path()?;
    Some(csflow_compiler::analysis::normalize(&path))
}

/// The compiler's name for a document: the path for files, the URI text otherwise.
pub fn document_key(uri: &Uri) -> String {
    match file_path(uri) {
        Some(path) => path.to_string_lossy().into_owned(),
        None => uri.as_str().to_string(),
    }
}

/// The URI of a file the compiler read (`/abs/path.csflow`, or a URI kept as text).
pub fn uri_for(path: &str) -> Option<Uri> {
    if path.starts_with('/') {
        Uri::from_file_path(path)
    } else {
        path.parse().ok()
    }
}

/// The open documents, by URI.
#[derive(Debug, Default)]
pub struct Documents {
    open: HashMap<Uri, Document>,
}

impl Documents {
    pub fn open(&mut self, document: Document) {
        self.open.insert(document.uri.clone(), document);
    }

    pub fn close(&mut self, uri: &Uri) -> Option<Document> {
        self.open.remove(uri)
    }

    pub fn get(&self, uri: &Uri) -> Option<&Document> {
        self.open.get(uri)
    }

    pub fn get_mut(&mut self, uri: &Uri) -> Option<&mut Document> {
        self.open.get_mut(uri)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Document> {
        self.open.values()
    }

    /// Open documents by the compiler's name for them (their path).
    pub fn by_key(&self) -> HashMap<String, (&str, i32)> {
        self.open
            .values()
            .map(|d| (d.key(), (d.text.as_str(), d.version)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower_lsp_server::ls_types::{Position, Range};

    fn change(
        range: Option<((u32, u32), (u32, u32))>,
        text: &str,
    ) -> TextDocumentContentChangeEvent {
        TextDocumentContentChangeEvent {
            range: range
                .map(|((a, b), (c, d))| Range::new(Position::new(a, b), Position::new(c, d))),
            range_length: None,
            text: text.to_string(),
        }
    }

    #[test]
    fn incremental_edits_count_utf16_and_stale_versions_are_dropped() {
        let uri: Uri = "file:///tmp/a.csflow".parse().unwrap();
        let mut doc = Document::new(uri, 1, "say \"😀你\" x\n".to_string());
        // Replace `x` (UTF-16 column 9: `say "` 5, 😀 2, 你 1, `"` 1, space → 10).
        assert!(doc.apply(
            2,
            vec![change(Some(((0, 10), (0, 11))), "goto 好")],
            Encoding::Utf16
        ));
        assert_eq!(*doc.text, "say \"😀你\" goto 好\n");
        assert!(!doc.apply(2, vec![change(None, "lost")], Encoding::Utf16));
        assert!(doc.apply(
            3,
            vec![change(Some(((1, 0), (1, 0))), "end\n")],
            Encoding::Utf16
        ));
        assert_eq!(*doc.text, "say \"😀你\" goto 好\nend\n");
        assert_eq!(
            *doc.line_starts,
            vec![0, doc.text.find("end").unwrap(), doc.text.len()]
        );
        assert!(doc.apply(4, vec![change(None, "whole")], Encoding::Utf8));
        assert_eq!(*doc.text, "whole");
    }

    #[test]
    fn line_starts_after_an_edit_are_those_of_the_new_text() {
        let uri: Uri = "file:///tmp/a.csflow".parse().unwrap();
        let mut doc = Document::new(uri, 1, "ab\ncd\n\nef\n你好\ngh".to_string());
        let edits = [
            (((0, 1), (0, 1)), "x"),
            (((0, 2), (2, 0)), ""),
            (((1, 0), (1, 0)), "1\n2\n\n"),
            (((0, 0), (0, 0)), "\n"),
            (((5, 1), (6, 1)), "好\n"),
            (((0, 0), (9, 0)), ""),
        ];
        for (version, (range, text)) in edits.into_iter().enumerate() {
            assert!(doc.apply(
                version as i32 + 2,
                vec![change(Some(range), text)],
                Encoding::Utf16
            ));
            assert_eq!(*doc.line_starts, line_starts(&doc.text), "after {text:?}");
        }
    }
}
