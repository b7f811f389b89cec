//! Source files and positions: the one place that turns byte offsets into lines and columns.

use serde::Serialize;

/// Index of a file in a [`SourceMap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct FileId(pub u32);

/// A byte range in one file. Every AST node carries one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        Span {
            file,
            start: start as u32,
            end: end as u32,
        }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// A 1-based line and a 1-based column counted in Unicode scalar values (the contract of
/// `csflow check --format json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LineCol {
    pub line: u32,
    pub column: u32,
}

#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path as the user gave it (relative stays relative).
    pub path: String,
    pub text: String,
    line_starts: Vec<usize>,
    /// The line holding the first byte of every [`LINE_BLOCK`]-th byte: a line lookup
    /// searches only the few lines of one block. A search of all the line starts of a big
    /// file misses the cache at every step, and the JSON of a million-node picture asks for
    /// millions of positions (issue 16: a tenth of that command's time).
    line_of_block: Vec<usize>,
    /// Chars before every [`CHAR_BLOCK`]-th byte, so that a column on a very long line
    /// (minified or generated text, thousands of diagnostics on it) costs at most one block
    /// of counting, not the whole line. Empty for ASCII text, where columns are offsets.
    char_blocks: Vec<u32>,
}

/// Bytes per entry of [`SourceFile::char_blocks`].
const CHAR_BLOCK: usize = 4096;

/// Bytes per entry of [`SourceFile::line_of_block`].
const LINE_BLOCK: usize = 4096;

/// Chars that start in `bytes` (every byte that is not a UTF-8 continuation byte).
fn chars_in(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| (b as i8) >= -0x40).count()
}

impl SourceFile {
    pub fn new(path: impl Into<String>, text: impl Into<String>) -> SourceFile {
        let text = text.into();
        let mut line_starts = vec![0];
        line_starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        let mut line_of_block = Vec::with_capacity(text.len() / LINE_BLOCK + 1);
        let mut line = 0;
        for block_start in (0..=text.len()).step_by(LINE_BLOCK) {
            while line + 1 < line_starts.len() && line_starts[line + 1] <= block_start {
                line += 1;
            }
            line_of_block.push(line);
        }
        let char_blocks = if text.is_ascii() {
            Vec::new()
        } else {
            let mut total = 0u32;
            let mut blocks = vec![0];
            for block in text.as_bytes().chunks(CHAR_BLOCK) {
                total += chars_in(block) as u32;
                blocks.push(total);
            }
            blocks
        };
        SourceFile {
            path: path.into(),
            text,
            line_starts,
            line_of_block,
            char_blocks,
        }
    }

    pub fn line_starts(&self) -> &[usize] {
        &self.line_starts
    }

    /// 0-based line index holding `offset`.
    pub fn line_index(&self, offset: usize) -> usize {
        // Never empty: the block at offset 0 is always there. Past the end: the last block.
        let block = (offset / LINE_BLOCK).min(self.line_of_block.len() - 1);
        // The line is between the first line of this block and the first of the next.
        let first = self.line_of_block[block];
        let last = self
            .line_of_block
            .get(block + 1)
            .copied()
            .unwrap_or(self.line_starts.len() - 1);
        let starts = &self.line_starts[first..=last];
        first
            + match starts.binary_search(&offset) {
                Ok(line) => line,
                Err(next) => next.saturating_sub(1),
            }
    }

    /// 1-based line and column (in chars) of a byte offset; offsets inside a character or
    /// past the end are clamped.
    pub fn line_col(&self, offset: usize) -> LineCol {
        let offset = offset.min(self.text.len());
        let line = self.line_index(offset);
        let start = self.line_starts[line];
        let mut end = offset;
        while !self.text.is_char_boundary(end) {
            end -= 1;
        }
        let column = self.chars_before(end) - self.chars_before(start);
        LineCol {
            line: line as u32 + 1,
            column: column as u32 + 1,
        }
    }

    /// Chars in `text[..offset]`, in at most one block of counting.
    fn chars_before(&self, offset: usize) -> usize {
        if self.char_blocks.is_empty() {
            return offset;
        }
        let block = offset / CHAR_BLOCK;
        self.char_blocks[block] as usize
            + chars_in(&self.text.as_bytes()[block * CHAR_BLOCK..offset])
    }

    /// The text of the 0-based line, without its newline.
    pub fn line_text(&self, line: usize) -> &str {
        let start = self
            .line_starts
            .get(line)
            .copied()
            .unwrap_or(self.text.len());
        let end = self
            .line_starts
            .get(line + 1)
            .map(|e| e - 1)
            .unwrap_or(self.text.len());
        self.text[start..end.max(start)].trim_end_matches('\r')
    }
}

/// Every file of a project, indexed by [`FileId`]. Ids are handed out in load order by a
/// fresh analysis; a [`crate::analysis::Workspace`] keeps one id per path across analyses,
/// so a file that is no longer part of the project leaves a gap.
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    files: Vec<Option<SourceFile>>,
}

/// What [`SourceMap::get`] answers for an id with no file.
static NO_FILE: std::sync::OnceLock<SourceFile> = std::sync::OnceLock::new();

impl SourceMap {
    pub fn new() -> SourceMap {
        SourceMap::default()
    }

    /// A copy with every path replaced by `rename(path)`: same ids, same texts.
    pub fn renamed(&self, rename: impl Fn(&str) -> String) -> SourceMap {
        let mut copy = self.clone();
        for file in copy.files.iter_mut().flatten() {
            file.path = rename(&file.path);
        }
        copy
    }

    /// Adds a file under the next free id.
    pub fn add(&mut self, path: impl Into<String>, text: impl Into<String>) -> FileId {
        self.files.push(Some(SourceFile::new(path, text)));
        FileId(self.files.len() as u32 - 1)
    }

    /// Adds a file under a given id (a workspace's stable one).
    pub fn insert(&mut self, id: FileId, file: SourceFile) {
        let index = id.0 as usize;
        if self.files.len() <= index {
            self.files.resize(index + 1, None);
        }
        self.files[index] = Some(file);
    }

    /// The file `id`; an empty file for an id with none.
    pub fn get(&self, id: FileId) -> &SourceFile {
        self.try_get(id)
            .unwrap_or_else(|| NO_FILE.get_or_init(|| SourceFile::new("", "")))
    }

    pub fn try_get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)?.as_ref()
    }

    pub fn files(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .filter_map(|(i, f)| Some((FileId(i as u32), f.as_ref()?)))
    }

    /// How many files there are.
    pub fn len(&self) -> usize {
        self.files.iter().flatten().count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn find(&self, path: &str) -> Option<FileId> {
        self.files().find(|(_, f)| f.path == path).map(|(id, _)| id)
    }

    /// The text a span covers.
    pub fn slice(&self, span: Span) -> &str {
        let text = &self.get(span.file).text;
        text.get(span.range()).unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_chars_not_bytes() {
        let file = SourceFile::new("a.csflow", "say \"你好\" x\nnext");
        let x = file.text.find('x').unwrap();
        assert_eq!(
            file.line_col(x),
            LineCol {
                line: 1,
                column: 10
            }
        );
        let n = file.text.find("next").unwrap();
        assert_eq!(file.line_col(n), LineCol { line: 2, column: 1 });
        assert_eq!(file.line_text(0), "say \"你好\" x");
    }

    /// The line holding each offset, the plain way: the last line start at or before it.
    fn line_by_search(file: &SourceFile, offset: usize) -> usize {
        match file.line_starts.binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next - 1,
        }
    }

    #[test]
    fn lines_are_found_across_blocks_of_every_density() {
        // Long lines spanning several blocks, runs of empty lines, a newline on a block
        // boundary, no newline at the end.
        let mut text = String::new();
        text.push_str(&"x".repeat(LINE_BLOCK - 1));
        text.push('\n');
        text.push_str(&"\n".repeat(3 * LINE_BLOCK));
        text.push_str(&"y".repeat(5 * LINE_BLOCK + 7));
        text.push('\n');
        for i in 0..2000 {
            text.push_str(&format!("state s{i} {{ }}\n"));
        }
        text.push_str("tail");
        let file = SourceFile::new("a.csflow", text);
        for offset in 0..=file.text.len() + 2 {
            assert_eq!(
                file.line_index(offset),
                line_by_search(&file, offset.min(file.text.len())),
                "offset {offset}"
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn the_block_index_agrees_with_a_search_of_every_line(
            lines in proptest::collection::vec(0usize..9000, 0..40),
            probes in proptest::collection::vec(0usize..400_000, 1..50),
        ) {
            let text: String = lines.iter().map(|&n| format!("{}\n", "a".repeat(n))).collect();
            let file = SourceFile::new("p.csflow", text);
            for probe in probes {
                let offset = probe % (file.text.len() + 1);
                proptest::prop_assert_eq!(file.line_index(offset), line_by_search(&file, offset));
            }
        }
    }
}
