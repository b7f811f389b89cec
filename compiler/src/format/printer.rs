//! The output buffer of `csflow fmt`: tokens printed from their source slices, two-space
//! indent, and the file's comments and blank lines ([`crate::ast::File::trivia`]) placed as
//! the tokens go by. Every token is printed with the source offset it came from, so each
//! comment comes out before the first token written after it: a comment that ended a line
//! of code stays at the end of that line, an own-line comment stays above what follows it.
//! Nothing can be skipped: whatever trivia is left at the end of a block or of the file is
//! written there.

use crate::ast::{Trivia, TriviaKind};
use unicode_width::UnicodeWidthStr;

pub struct Printer<'a> {
    pub src: &'a str,
    trivia: &'a [Trivia],
    next_trivia: usize,
    pub out: String,
    indent: usize,
    /// Byte offset in `out` where the current line starts.
    line_start: usize,
    /// No space before the next token (after `(`, `[`, `.`).
    glue: bool,
    /// The source start of the last token written: a comment on its source line trails it.
    last_at: usize,
    /// A blank line was seen in the source since the last line written.
    pending_blank: bool,
    /// One blank line is wanted before the next item (between declarations).
    force_blank: bool,
    /// The current line continues a line a trailing comment broke: indented one more level.
    continuation: bool,
    /// Comments met now come before a token of the same line of code (see `tok`).
    mid_line: bool,
    /// (input, output) byte offsets where a token begins a line of both: where the diff of
    /// `--check` may cut the texts (see [`super::diff`]).
    pub cuts: Vec<(u32, u32)>,
}

impl<'a> Printer<'a> {
    pub fn new(src: &'a str, trivia: &'a [Trivia]) -> Printer<'a> {
        Printer {
            src,
            trivia,
            next_trivia: 0,
            out: String::with_capacity(src.len() + src.len() / 8),
            indent: 0,
            line_start: 0,
            glue: false,
            last_at: 0,
            pending_blank: false,
            continuation: false,
            force_blank: false,
            mid_line: false,
            cuts: Vec::new(),
        }
    }

    fn at_line_start(&self) -> bool {
        self.out.len() == self.line_start
    }

    /// Ends the current line (if anything is on it).
    pub fn newline(&mut self) {
        if !self.at_line_start() {
            let trimmed = self.out.trim_end_matches(' ').len();
            self.out.truncate(trimmed);
            self.out.push('\n');
            self.line_start = self.out.len();
        }
        self.continuation = false;
        self.glue = false;
    }

    fn write_indent(&mut self) {
        let levels = self.indent + usize::from(self.continuation);
        for _ in 0..levels {
            self.out.push_str("  ");
        }
    }

    /// Writes the comments and blank lines that come before source offset `at`.
    /// `keep_blank`: a blank line seen before `at` is kept (false right after `{`, before
    /// `}` and at the start of the file).
    pub fn trivia_before(&mut self, at: usize, keep_blank: bool) {
        while let Some(t) = self.trivia.get(self.next_trivia) {
            if t.span.start as usize >= at {
                break;
            }
            self.next_trivia += 1;
            match t.kind {
                TriviaKind::BlankLine => {
                    if !self.out.is_empty() {
                        self.pending_blank = true;
                    }
                }
                TriviaKind::Comment => {
                    let text = &self.src[t.span.range()];
                    let start = t.span.start as usize;
                    let from = self.last_at.min(start);
                    let same_line = !self.at_line_start() && !self.src[from..start].contains('\n');
                    if same_line {
                        let line = self.src[..start].rfind('\n').map_or(0, |i| i + 1);
                        let written_at = self.src[line..start].width();
                        let now = self.column();
                        if written_at >= now + 2 {
                            self.pad_to(written_at);
                        } else {
                            self.out.push_str("  ");
                        }
                        self.out.push_str(text);
                        let continues = self.continuation || self.mid_line;
                        self.newline();
                        // Code after the comment continues the same line of code: when
                        // the comment was written in the middle of a statement, the rest
                        // of it is indented one more level, so it reads as a continuation.
                        self.continuation = continues;
                    } else {
                        let continues = self.continuation;
                        self.newline();
                        self.blank_if_pending();
                        self.continuation = continues;
                        self.write_indent();
                        self.out.push_str(text);
                        self.newline();
                        self.continuation = continues;
                    }
                    self.last_at = start;
                }
            }
        }
        if !keep_blank {
            self.pending_blank = false;
        }
    }

    fn blank_if_pending(&mut self) {
        if self.pending_blank || self.force_blank {
            self.force_blank = false;
            if !self.out.is_empty() && !self.out.ends_with("{\n") && !self.out.ends_with("\n\n") {
                self.out.push('\n');
                self.line_start = self.out.len();
            }
            self.pending_blank = false;
        }
    }

    /// Starts a new item (statement, option, declaration…) that begins at source offset
    /// `at`: its comments above, at most one blank line, a fresh line.
    pub fn item(&mut self, at: usize) {
        self.trivia_before(at, true);
        self.newline();
        self.blank_if_pending();
    }

    /// Records a cut where token `text` from source offset `at` begins an output line, when
    /// it also begins its source line (only indentation before it; and it is written there:
    /// a keyword the tree keeps no span for is printed with a nearby offset) and both come
    /// after the last cut.
    fn cut(&mut self, at: usize, text: &str) {
        let (Some(before), Some(after)) = (self.src.get(..at), self.src.get(at..)) else {
            return;
        };
        if !after.starts_with(text) {
            return;
        }
        let line = before.rfind('\n').map_or(0, |i| i + 1);
        let cut = (line as u32, self.out.len() as u32);
        let later = self
            .cuts
            .last()
            .is_none_or(|last| cut.0 > last.0 && cut.1 > last.1);
        if later && before[line..].bytes().all(|b| b == b' ' || b == b'\t') {
            self.cuts.push(cut);
        }
    }

    /// Asks for one blank line before the next item (between declarations).
    pub fn blank_line(&mut self) {
        self.force_blank = !self.out.is_empty();
    }

    /// Writes a token that came from source offset `at` (its comments first).
    pub fn tok(&mut self, at: usize, text: &str) {
        self.mid_line = !self.at_line_start();
        self.trivia_before(at, true);
        self.mid_line = false;
        self.pending_blank = false;
        if self.at_line_start() {
            self.cut(at, text);
            self.write_indent();
        } else if !self.glue && !self.out.ends_with(' ') {
            self.out.push(' ');
        }
        self.glue = false;
        self.out.push_str(text);
        self.last_at = self.last_at.max(at.min(self.src.len()));
    }

    /// The source offset of `word` when it is the next thing after `from` (past spaces and
    /// comments), else `from`: where a keyword the tree keeps no span for was written.
    pub fn next_word(&self, from: usize, word: &str) -> usize {
        let bytes = self.src.as_bytes();
        let mut i = from.min(bytes.len());
        while i < bytes.len() {
            match bytes[i] {
                b'#' => {
                    while i < bytes.len() && bytes[i] != b'\n' {
                        i += 1;
                    }
                }
                b if b.is_ascii_whitespace() => i += 1,
                _ if self.src[i..].starts_with(word) => return i,
                _ => {
                    // Full-width space and byte-order mark count as spaces too.
                    let c = self.src[i..].chars().next().unwrap_or(' ');
                    if crate::syntax::lex::is_space(c) {
                        i += c.len_utf8();
                    } else {
                        return from;
                    }
                }
            }
        }
        from
    }

    /// Writes `word`, found after `from` in the source (see [`Printer::next_word`]).
    pub fn word_after(&mut self, from: usize, word: &str) -> usize {
        let at = self.next_word(from, word);
        self.tok(at, word);
        at + word.len()
    }

    /// Writes the source slice `start..end` as one token (literals, names: as written).
    pub fn slice(&mut self, start: usize, end: usize) {
        let end = end.max(start);
        let text = &self.src[start..end];
        self.tok(start, text);
    }

    /// A token written without a space before it (`,`, `)`, `]`, `:`, `.`).
    pub fn glued(&mut self, at: usize, text: &str) {
        self.trivia_before(at, true);
        if !self.at_line_start() {
            self.glue = true;
        }
        self.tok(at, text);
    }

    /// No space before the next token.
    pub fn glue_next(&mut self) {
        self.glue = true;
    }

    /// The display width of the current line (CJK and emoji count two columns).
    pub fn column(&self) -> usize {
        self.out[self.line_start..].width()
    }

    /// Pads the current line with spaces up to display column `col`.
    pub fn pad_to(&mut self, col: usize) {
        let now = self.column();
        for _ in now..col {
            self.out.push(' ');
        }
    }

    /// Pads to display column `col` (at least one space) and writes the next token there.
    pub fn align(&mut self, col: usize) {
        let trimmed = self.out.trim_end_matches(' ').len();
        self.out.truncate(trimmed.max(self.line_start));
        let col = col.max(self.column() + 1);
        self.pad_to(col);
        self.glue = true;
    }

    /// The display column where the current indent level starts.
    pub fn indent_col(&self) -> usize {
        (self.indent + usize::from(self.continuation)) * 2
    }

    pub fn indent(&mut self) {
        self.indent += 1;
    }

    pub fn dedent(&mut self) {
        self.indent = self.indent.saturating_sub(1);
    }

    /// Writes `{`, the block, then the comments left before `close` and the `}`.
    pub fn close_block(&mut self, close: usize) {
        self.trivia_before(close, false);
        self.newline();
        self.dedent();
        self.tok(close, "}");
    }

    /// Writes whatever trivia is left (comments at the end of the file) and the final newline.
    pub fn finish(mut self) -> (String, Vec<(u32, u32)>) {
        self.trivia_before(usize::MAX, false);
        self.newline();
        while self.out.ends_with("\n\n") {
            self.out.pop();
        }
        if self.out == "\n" {
            self.out.clear();
        }
        (self.out, self.cuts)
    }

    /// Whether a comment or blank line lies in source `start..end`.
    pub fn trivia_within(&self, start: usize, end: usize) -> bool {
        let rest = &self.trivia[self.next_trivia..];
        let first = rest.partition_point(|t| (t.span.start as usize) < start);
        rest.get(first)
            .is_some_and(|t| (t.span.start as usize) < end)
    }

    /// Whether an own-line comment or a blank line lies in source `start..end` (what breaks
    /// a run of aligned lines; a trailing comment does not).
    pub fn breaks_run(&self, start: usize, end: usize) -> bool {
        let rest = &self.trivia[self.next_trivia..];
        let first = rest.partition_point(|t| (t.span.start as usize) < start);
        rest[first..]
            .iter()
            .take_while(|t| (t.span.start as usize) < end)
            .any(|t| match t.kind {
                TriviaKind::BlankLine => true,
                TriviaKind::Comment => {
                    let before = &self.src[..t.span.start as usize];
                    let line = before.rfind('\n').map_or(0, |i| i + 1);
                    before[line..].trim().is_empty()
                }
            })
    }
}

/// The display width of source text (for column alignment).
pub fn width(text: &str) -> usize {
    text.width()
}
