//! Splits a file into its top-level declarations before pest sees it, so that one broken
//! declaration never hides the others (pest itself stops at the first error).
//!
//! A declaration starts at a top-level keyword at brace depth 0. A line that starts in
//! column 0 with a declaration header (`flow name {`, `test "…" {`, `import "…"`) also starts
//! one even inside an unclosed block: that is how a forgotten `}` stays a local error.

use super::MAX_NESTING;
use super::keywords::{self, TOP_LEVEL};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// Text at top level that does not start with a declaration keyword.
    NotADeclaration,
    /// Blocks, lists or parentheses nested deeper than [`MAX_NESTING`]: the byte offset of
    /// the first bracket past the limit.
    TooDeep(usize),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    pub start: usize,
    pub end: usize,
    pub problem: Option<Problem>,
    /// For a `flow`: where its states begin (a `state` first on its line, directly inside
    /// the flow). Big flows are parsed segment by segment, in parallel.
    pub segments: Vec<usize>,
    /// For a `knowledge` base: where its entries begin (an `entry` first on its line,
    /// directly inside it), parsed the same way: a generated FAQ of half a million entries
    /// is one declaration.
    pub entries: Vec<usize>,
}

struct Splitter<'a> {
    text: &'a [u8],
    chunks: Vec<Chunk>,
    current: Option<Chunk>,
    /// Brace depth within the current declaration.
    depth: usize,
    /// `{ ( [` nesting, to refuse hostile input.
    nesting: usize,
    /// The current declaration has closed its outermost block.
    complete: bool,
    /// The current declaration is an `import`, which ends with its line.
    is_import: bool,
    /// The current declaration is a `flow`.
    is_flow: bool,
    /// The current declaration is a `knowledge` base.
    is_knowledge: bool,
    /// Only spaces since the start of the line.
    at_line_start: bool,
}

pub fn split(text: &str) -> Vec<Chunk> {
    let mut splitter = Splitter {
        text: text.as_bytes(),
        chunks: Vec::new(),
        current: None,
        depth: 0,
        nesting: 0,
        complete: false,
        is_import: false,
        is_flow: false,
        is_knowledge: false,
        at_line_start: true,
    };
    splitter.run();
    splitter.chunks
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

impl Splitter<'_> {
    fn run(&mut self) {
        let mut pos = 0;
        let len = self.text.len();
        let mut line_start = true;
        while pos < len {
            let byte = self.text[pos];
            if line_start && self.depth > 0 && self.is_header_line(pos) {
                self.begin_declaration(pos);
            }
            line_start = false;
            let first_on_line = self.at_line_start;
            self.at_line_start =
                matches!(byte, b'\n' | b' ' | b'\t' | b'\r') && (first_on_line || byte == b'\n');
            match byte {
                b'\n' => {
                    line_start = true;
                    if self.is_import && self.depth == 0 {
                        self.complete = true;
                    }
                    pos += 1;
                }
                // A run of blanks keeps the line's "only blanks so far" state: skip it whole.
                b' ' | b'\t' | b'\r' => {
                    pos += 1;
                    while matches!(self.text.get(pos), Some(b' ' | b'\t' | b'\r')) {
                        pos += 1;
                    }
                }
                b'#' => pos = self.skip_line(pos),
                // `/` starts a regex only after `matches`, `matching` or `say`; elsewhere it
                // divides (`total / 2`) and the line goes on.
                b'/' if !self.regex_starts(pos) => {
                    self.touch(pos);
                    pos += 1;
                }
                b'"' | b'/' => {
                    self.touch(pos);
                    pos = self.skip_quoted(pos, byte);
                    if let Some(chunk) = self.current.as_mut() {
                        chunk.end = chunk.end.max(pos);
                    }
                }
                b'{' | b'(' | b'[' => {
                    self.touch(pos);
                    self.nesting += 1;
                    if self.nesting > MAX_NESTING
                        && let Some(chunk) = self.current.as_mut()
                    {
                        chunk.problem.get_or_insert(Problem::TooDeep(pos));
                    }
                    if byte == b'{' {
                        self.depth += 1;
                    }
                    pos += 1;
                }
                b'}' | b')' | b']' => {
                    self.touch(pos);
                    self.nesting = self.nesting.saturating_sub(1);
                    pos += 1;
                    if byte == b'}' {
                        if self.depth == 0 {
                            self.mark_garbage();
                        } else {
                            self.depth -= 1;
                            if self.depth == 0 {
                                self.complete = true;
                                if let Some(chunk) = self.current.as_mut() {
                                    chunk.end = pos;
                                }
                            }
                        }
                    }
                }
                b's' | b'e' if self.depth == 1 && first_on_line && self.starts_segment(pos) => {
                    let is_flow = self.is_flow;
                    if let Some(chunk) = self.current.as_mut() {
                        match is_flow {
                            true => chunk.segments.push(pos),
                            false => chunk.entries.push(pos),
                        }
                    }
                    pos += 5;
                }
                _ if self.depth == 0 && (byte.is_ascii_alphabetic() || byte == b'_') => {
                    let end = self.word_end(pos);
                    let word = &self.text[pos..end];
                    // Inside an unfinished header (`queue hours {`) a keyword is just a name,
                    // unless it is first on its line: a header cut short (`queue c`) ends at
                    // its line break, as a half-written line does in the grammar
                    // (`name_on_line`).
                    let in_header = matches!(&self.current,
                        Some(c) if c.problem.is_none() && !(first_on_line && c.start < pos))
                        && !self.complete;
                    if !in_header && keywords::starts(TOP_LEVEL, word) {
                        self.begin_declaration(pos);
                        self.is_import = word == b"import";
                        self.is_flow = word == b"flow";
                        self.is_knowledge = word == b"knowledge";
                    } else {
                        self.touch(pos);
                        if self.complete {
                            self.mark_garbage();
                        }
                    }
                    if let Some(chunk) = self.current.as_mut() {
                        chunk.end = chunk.end.max(end);
                    }
                    pos = end;
                }
                // Between declarations the grammar's other spaces (U+3000, U+FEFF) are
                // whitespace too, as they are everywhere else (super::lex::is_space).
                0xE3 | 0xEF if self.depth == 0 && self.wide_space(pos) => pos += 3,
                // Inside a block a word is just text: skip it whole (the hot path of big flows).
                _ if self.depth > 0 && is_ident_byte(byte) => pos = self.word_end(pos),
                _ => {
                    // Inside a block the chunk's end is set by its closing brace (or by
                    // `finish` when it never comes): no per-byte bookkeeping on the hot path.
                    if self.depth == 0 {
                        if self.complete {
                            self.mark_garbage();
                        }
                        self.touch(pos);
                    }
                    pos += utf8_len(byte).max(1);
                }
            }
        }
        self.extend_unfinished(self.text.len());
        self.finish();
    }

    /// Extends the current chunk to cover the token at `pos`, opening a garbage chunk if
    /// there is none.
    fn touch(&mut self, pos: usize) {
        let end = (pos + utf8_len(self.text[pos]).max(1)).min(self.text.len());
        match self.current.as_mut() {
            Some(chunk) if !self.complete => chunk.end = chunk.end.max(end),
            _ => {
                self.finish();
                self.current = Some(Chunk {
                    start: pos,
                    end,
                    problem: Some(Problem::NotADeclaration),
                    segments: Vec::new(),
                    entries: Vec::new(),
                });
                self.complete = false;
                self.is_import = false;
            }
        }
    }

    /// Whether a flow's `state` or a knowledge base's `entry` starts at `pos` (both five
    /// letters): where a big declaration is cut into segments.
    fn starts_segment(&self, pos: usize) -> bool {
        let word: &[u8] = match (self.is_flow, self.is_knowledge) {
            (true, _) => b"state",
            (_, true) => b"entry",
            _ => return false,
        };
        self.word_end(pos) == pos + word.len() && self.text[pos..].starts_with(word)
    }

    fn mark_garbage(&mut self) {
        // The stray text after a complete declaration starts a garbage chunk of its own.
        if self.complete || self.current.is_none() {
            self.finish();
        }
    }

    fn begin_declaration(&mut self, pos: usize) {
        self.extend_unfinished(pos);
        self.finish();
        self.current = Some(Chunk {
            start: pos,
            end: pos,
            problem: None,
            segments: Vec::new(),
            entries: Vec::new(),
        });
        self.depth = 0;
        self.nesting = 0;
        self.complete = false;
        self.is_import = false;
        self.is_flow = false;
        self.is_knowledge = false;
    }

    /// A declaration still open when the next one starts (or the file ends) runs up to it.
    fn extend_unfinished(&mut self, pos: usize) {
        if self.complete {
            return;
        }
        let end = pos.min(self.text.len());
        let trimmed = self.text[..end]
            .iter()
            .rposition(|b| !b.is_ascii_whitespace())
            .map_or(0, |i| i + 1);
        if let Some(chunk) = self.current.as_mut() {
            chunk.end = chunk.end.max(trimmed);
        }
    }

    fn finish(&mut self) {
        if let Some(chunk) = self.current.take() {
            self.chunks.push(chunk);
        }
        self.complete = false;
    }

    /// A full-width space or a byte-order mark (three bytes each) at `pos`.
    fn wide_space(&self, pos: usize) -> bool {
        self.text
            .get(pos..pos + 3)
            .and_then(|b| std::str::from_utf8(b).ok())
            .and_then(|s| s.chars().next())
            .is_some_and(super::lex::is_space)
    }

    /// Whether the `/` at `pos` opens a regex: the word before it is `matches`,
    /// `matching` or `say` (`expect say /…/`).
    fn regex_starts(&self, pos: usize) -> bool {
        let mut end = pos;
        while end > 0 && matches!(self.text[end - 1], b' ' | b'\t' | b'\r' | b'\n') {
            end -= 1;
        }
        let mut start = end;
        while start > 0 && is_ident_byte(self.text[start - 1]) {
            start -= 1;
        }
        matches!(&self.text[start..end], b"matches" | b"matching" | b"say")
    }

    fn word_end(&self, mut pos: usize) -> usize {
        while pos < self.text.len() && is_ident_byte(self.text[pos]) {
            pos += 1;
        }
        pos
    }

    fn skip_line(&self, pos: usize) -> usize {
        let rest = self.text.get(pos..).unwrap_or_default();
        memchr::memchr(b'\n', rest).map_or(self.text.len(), |i| pos + i)
    }

    /// Skips a string or regex literal; both end on their own line. Brackets inside a
    /// string's `{…}` interpolations count towards the nesting limit too.
    fn skip_quoted(&mut self, start: usize, quote: u8) -> usize {
        let mut pos = start + 1;
        let mut depth = 0usize;
        let plain = if quote == b'"' {
            &STRING_PLAIN
        } else {
            &REGEX_PLAIN
        };
        while pos < self.text.len() {
            // Most of a string is plain text: step over it without the match below.
            while pos < self.text.len() && plain[usize::from(self.text[pos])] {
                pos += 1;
            }
            let Some(&byte) = self.text.get(pos) else {
                break;
            };
            match byte {
                b'\\' => pos += 2,
                b'\n' => return pos,
                b if b == quote => return pos + 1,
                // `{{` is a literal brace, not an interpolation.
                b'{' if quote == b'"' && self.text.get(pos + 1) == Some(&b'{') => pos += 2,
                b'{' | b'(' | b'[' if quote == b'"' => {
                    depth += 1;
                    if self.nesting + depth > MAX_NESTING
                        && let Some(chunk) = self.current.as_mut()
                    {
                        chunk.problem.get_or_insert(Problem::TooDeep(pos));
                    }
                    pos += 1;
                }
                b'}' | b')' | b']' if quote == b'"' => {
                    depth = depth.saturating_sub(1);
                    pos += 1;
                }
                _ => pos += 1,
            }
        }
        if let Some(chunk) = self.current.as_mut() {
            chunk.end = chunk.end.max(self.text.len());
        }
        self.text.len()
    }

    /// `flow name {`, `test "…" {`, `import "…"` … at the start of a line.
    fn is_header_line(&self, pos: usize) -> bool {
        let end = self.word_end(pos);
        let word = &self.text[pos..end];
        if !keywords::starts(TOP_LEVEL, word) {
            return false;
        }
        let line_end = self.skip_line(end);
        let rest = String::from_utf8_lossy(&self.text[end..line_end]);
        let rest = rest.trim();
        if word == b"import" {
            return rest.starts_with('"');
        }
        let Some(first) = rest.chars().next() else {
            return false;
        };
        (first == '"' || first.is_ascii_alphabetic() || first == '_') && rest.contains('{')
    }
}

/// Bytes with no meaning inside a string literal (all but quote, escape, newline and the
/// brackets counted towards the nesting limit).
static STRING_PLAIN: [bool; 256] = plain_bytes(b"\"\\\n{}()[]");
/// Bytes with no meaning inside a regex literal.
static REGEX_PLAIN: [bool; 256] = plain_bytes(b"/\\\n");

const fn plain_bytes(special: &[u8]) -> [bool; 256] {
    let mut table = [true; 256];
    let mut i = 0;
    while i < special.len() {
        table[special[i] as usize] = false;
        i += 1;
    }
    table
}

fn utf8_len(first: u8) -> usize {
    match first {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf7 => 4,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(text: &str) -> Vec<(&str, Option<Problem>)> {
        split(text)
            .into_iter()
            .map(|c| (&text[c.start..c.end], c.problem))
            .collect()
    }

    #[test]
    fn splits_declarations() {
        let text = "queue a { }\n# comment\nintent b { \"x}\" }\nimport \"c.csflow\"\n";
        assert_eq!(
            spans(text),
            vec![
                ("queue a { }", None),
                ("intent b { \"x}\" }", None),
                ("import \"c.csflow\"", None)
            ]
        );
    }

    #[test]
    fn garbage_between_declarations_is_its_own_chunk() {
        let text = "queue a { }\nwhat is this\nqueue b { }";
        let chunks = spans(text);
        assert_eq!(chunks[1], ("what is this", Some(Problem::NotADeclaration)));
        assert_eq!(chunks[2], ("queue b { }", None));
    }

    #[test]
    fn a_missing_brace_is_contained_by_the_next_header() {
        let text = "flow a {\n  state s {\n    end\n\nflow b {\n}\n";
        let chunks = spans(text);
        assert_eq!(chunks.len(), 2);
        assert!(chunks[1].0.starts_with("flow b"));
    }

    #[test]
    fn keywords_are_names_inside_a_header() {
        assert_eq!(spans("queue hours { }\nflow test { }").len(), 2);
    }

    #[test]
    fn a_header_cut_short_ends_at_its_line_break() {
        let chunks = spans("queue c\nintent agent {\n  \"agent\"\n}\n");
        assert_eq!(chunks.len(), 2, "{chunks:?}");
        assert!(chunks[1].0.starts_with("intent agent"));
    }

    #[test]
    fn flows_are_segmented_at_their_states() {
        let text =
            "flow f {\n  start a\n  state a { end }\n  state b {\n    say \"state\" state\n  }\n}";
        let chunks = split(text);
        let starts: Vec<&str> = chunks[0]
            .segments
            .iter()
            .map(|&s| &text[s..s + 7])
            .collect();
        assert_eq!(starts, vec!["state a", "state b"]);
    }

    #[test]
    fn knowledge_bases_are_segmented_at_their_entries() {
        let text = "knowledge k {\n  entry a { question \"entry\" }\n  entry b {\n    answer \"x\" entry\n  }\n}\nflow f { }";
        let chunks = split(text);
        let starts: Vec<&str> = chunks[0].entries.iter().map(|&s| &text[s..s + 7]).collect();
        assert_eq!(starts, vec!["entry a", "entry b"]);
        assert!(chunks[0].segments.is_empty());
        assert!(chunks[1].entries.is_empty(), "a flow has no entries");
    }

    #[test]
    fn deep_nesting_is_refused() {
        let text = format!("flow a {}{}", "{".repeat(100), "}".repeat(100));
        assert!(matches!(split(&text)[0].problem, Some(Problem::TooDeep(_))));
    }

    #[test]
    fn a_full_width_space_between_declarations_is_whitespace() {
        // The grammar reads U+3000 as a space everywhere; so does the splitter.
        let text = "queue a { }\n\u{3000}intent b { \"x\" }\n\u{3000}\n";
        assert_eq!(
            spans(text),
            vec![("queue a { }", None), ("intent b { \"x\" }", None)]
        );
    }

    #[test]
    fn regex_braces_do_not_count() {
        let text = "flow a { escalate { when text matches /\\d{4}/ handoff q } }\nqueue q { }";
        assert_eq!(spans(text).len(), 2);
        let text = "flow a { slot r: text matching /^[A-Z]{6}$/ }\nqueue q { }";
        assert_eq!(spans(text).len(), 2);
    }

    #[test]
    fn a_division_is_no_regex() {
        // Were `/ 2 > 1 {` a regex, the `{` after it would not count and the flow would
        // swallow the queue.
        let text = "flow a { state s { if n / 2 > 1 { end } end } }\nqueue q { }";
        assert_eq!(spans(text).len(), 2);
    }
}
