//! The one conversion between byte offsets (the compiler's spans) and LSP positions.
//!
//! LSP counts a column in UTF-16 code units unless the client and server agreed on UTF-8
//! (`positionEncoding`, LSP 3.17). Every handler goes through [`Lines`], so a Chinese
//! character (3 bytes, 1 unit) or an emoji (4 bytes, 2 units) is counted the same way
//! everywhere, in both directions.

use csflow_compiler::source::SourceFile;
use tower_lsp_server::ls_types::{Position, PositionEncodingKind, Range};

/// How the client counts columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    /// UTF-16 code units: the LSP default, what every client understands.
    #[default]
    Utf16,
    /// Bytes of UTF-8, when the client offers it: no conversion work at all.
    Utf8,
}

impl Encoding {
    /// UTF-8 when the client lists it among `general.positionEncodings`, else UTF-16.
    pub fn negotiate(offered: Option<&[PositionEncodingKind]>) -> Encoding {
        match offered {
            Some(kinds) if kinds.contains(&PositionEncodingKind::UTF8) => Encoding::Utf8,
            _ => Encoding::Utf16,
        }
    }

    pub fn kind(self) -> PositionEncodingKind {
        match self {
            Encoding::Utf16 => PositionEncodingKind::UTF16,
            Encoding::Utf8 => PositionEncodingKind::UTF8,
        }
    }

    fn width(self, c: char) -> usize {
        match self {
            Encoding::Utf16 => c.len_utf16(),
            Encoding::Utf8 => c.len_utf8(),
        }
    }
}

/// A text with the byte offsets where its lines start (line 0 starts at 0).
#[derive(Debug, Clone, Copy)]
pub struct Lines<'a> {
    pub text: &'a str,
    pub starts: &'a [usize],
}

/// The byte offsets where the lines of `text` start.
pub fn line_starts(text: &str) -> Vec<usize> {
    let mut starts = vec![0];
    starts.extend(
        text.bytes()
            .enumerate()
            .filter(|(_, b)| *b == b'\n')
            .map(|(i, _)| i + 1),
    );
    starts
}

impl<'a> Lines<'a> {
    pub fn of(file: &'a SourceFile) -> Lines<'a> {
        Lines {
            text: &file.text,
            starts: file.line_starts(),
        }
    }

    /// The position of a byte offset; an offset inside a character or past the end is
    /// clamped to the character's start or the end of the text.
    pub fn position(&self, offset: usize, encoding: Encoding) -> Position {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = match self.starts.binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next.saturating_sub(1),
        };
        let start = self.starts.get(line).copied().unwrap_or(0).min(offset);
        let column: usize = match encoding {
            Encoding::Utf8 => offset - start,
            Encoding::Utf16 => self.text[start..offset].chars().map(char::len_utf16).sum(),
        };
        Position::new(line as u32, column as u32)
    }

    /// The byte offset of a position. A line past the end gives the end of the text; a
    /// column past the end of its line (or inside a surrogate pair / a UTF-8 sequence)
    /// gives the end of the line (or the start of that character), as LSP asks.
    pub fn offset(&self, position: Position, encoding: Encoding) -> usize {
        let Some(&start) = self.starts.get(position.line as usize) else {
            return self.text.len();
        };
        let end = self
            .starts
            .get(position.line as usize + 1)
            .map_or(self.text.len(), |next| next - 1);
        let line = &self.text[start..end.max(start)];
        let line = line.strip_suffix('\r').unwrap_or(line);
        let wanted = position.character as usize;
        let mut counted = 0;
        for (index, c) in line.char_indices() {
            let width = encoding.width(c);
            if counted + width > wanted {
                return start + index;
            }
            counted += width;
        }
        start + line.len()
    }

    pub fn range(&self, start: usize, end: usize, encoding: Encoding) -> Range {
        Range::new(self.position(start, encoding), self.position(end, encoding))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> (String, Vec<usize>) {
        (text.to_string(), line_starts(text))
    }

    #[test]
    fn chinese_and_emoji_count_as_lsp_says() {
        let (text, starts) = lines("say \"你好😀\" x\n  goto 下一步\r\nend");
        let lines = Lines {
            text: &text,
            starts: &starts,
        };
        let x = text.find('x').unwrap();
        // `say "` 5 + 你好 2 + 😀 2 (a surrogate pair) + `" ` 2 = 11 UTF-16 units.
        assert_eq!(lines.position(x, Encoding::Utf16), Position::new(0, 11));
        // In UTF-8: 5 + 6 + 4 + 2 = 17 bytes.
        assert_eq!(lines.position(x, Encoding::Utf8), Position::new(0, 17));
        for encoding in [Encoding::Utf16, Encoding::Utf8] {
            for (offset, _) in text.char_indices() {
                let position = lines.position(offset, encoding);
                if text[offset..].starts_with('\n') || text[offset..].starts_with('\r') {
                    continue;
                }
                assert_eq!(
                    lines.offset(position, encoding),
                    offset,
                    "{encoding:?} {offset}"
                );
            }
        }
        let next = text.find("下一步").unwrap();
        assert_eq!(lines.position(next, Encoding::Utf16), Position::new(1, 7));
        let end = text.rfind("end").unwrap();
        assert_eq!(lines.position(end, Encoding::Utf16), Position::new(2, 0));
    }

    #[test]
    fn out_of_range_positions_clamp() {
        let (text, starts) = lines("ab😀\r\ncd");
        let lines = Lines {
            text: &text,
            starts: &starts,
        };
        // Past the end of the line: its end, before the `\r\n`.
        assert_eq!(lines.offset(Position::new(0, 99), Encoding::Utf16), 6);
        // Inside the surrogate pair: the emoji's start.
        assert_eq!(lines.offset(Position::new(0, 3), Encoding::Utf16), 2);
        // Inside a UTF-8 sequence: the character's start.
        assert_eq!(lines.offset(Position::new(0, 4), Encoding::Utf8), 2);
        // Past the last line: the end of the text.
        assert_eq!(
            lines.offset(Position::new(9, 0), Encoding::Utf16),
            text.len()
        );
        // An offset inside a character clamps to its start; past the end, to the end.
        assert_eq!(lines.position(3, Encoding::Utf16), Position::new(0, 2));
        assert_eq!(lines.position(999, Encoding::Utf16), Position::new(1, 2));
    }
}
