//! The lexical facts every reader of `.csflow` text shares: what whitespace is, where a
//! comment starts (a `#` outside a string or a regex), and the comments and blank lines of a
//! file ([`trivia`]) that the grammar skips but a formatter keeps. Where a broken line's text
//! ends (pest's lowering) and the `# csflow: allow(…)` comments ([`crate::suppress`]) read
//! comments here.

use crate::ast::{Trivia, TriviaKind};
use crate::source::{FileId, Span};

/// The grammar's `WHITESPACE` (full-width space and byte-order mark included).
pub fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\n' | '\t'..='\r' | '\u{FEFF}' | '\u{3000}')
}

/// The byte offset of the `#` that starts a comment on `line` (one line, no newline): the
/// first `#` outside a string literal and outside a regex literal (`matches /#\d+/`,
/// `expect say /#1/`).
pub fn comment_start(line: &str) -> Option<usize> {
    let bytes = line.as_bytes();
    // Most lines hold no `#` at all.
    memchr::memchr(b'#', bytes)?;
    let mut i = 0;
    let mut last_word: &str = "";
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                last_word = "";
            }
            b'/' if matches!(last_word, "matches" | "matching" | "say") => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'/' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                last_word = "";
            }
            b'#' => return Some(i),
            c if c.is_ascii_alphanumeric() || c == b'_' => {
                let start = i;
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                last_word = &line[start..i];
                continue;
            }
            b' ' | b'\t' | b'\r' => {}
            _ => last_word = "",
        }
        i += 1;
    }
    None
}

/// `text` without its trailing whitespace and a comment on its last line (a broken line
/// swallowed with its comment, `goto # later`).
pub fn without_trailing_trivia(text: &str) -> &str {
    let mut kept = text.trim_end_matches(is_space);
    loop {
        let line_start = kept.rfind('\n').map_or(0, |i| i + 1);
        match comment_start(&kept[line_start..]) {
            Some(at) if line_start + at > 0 => {
                kept = kept[..line_start + at].trim_end_matches(is_space);
            }
            _ => return kept,
        }
    }
}

/// The comments and blank lines of `text`, in source order.
pub fn trivia(file: FileId, text: &str) -> Vec<Trivia> {
    let mut found = Vec::new();
    let mut start = 0;
    while start <= text.len() {
        let end =
            memchr::memchr(b'\n', &text.as_bytes()[start..]).map_or(text.len(), |i| start + i);
        let line = &text[start..end];
        if line.trim_start_matches(is_space).is_empty() {
            // The empty "line" after a final newline is not a blank line.
            if end < text.len() || !line.is_empty() {
                found.push(Trivia {
                    kind: TriviaKind::BlankLine,
                    span: Span::new(file, start, end),
                });
            }
        } else if let Some(at) = comment_start(line) {
            let comment = line[at..].trim_end_matches('\r');
            found.push(Trivia {
                kind: TriviaKind::Comment,
                span: Span::new(file, start + at, start + at + comment.len()),
            });
        }
        start = end + 1;
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_in_a_string_or_a_regex_is_not_a_comment() {
        assert_eq!(comment_start("say \"press # now\""), None);
        assert_eq!(comment_start("say \"a \\\" # b\"  # real"), Some(16));
        assert_eq!(
            comment_start("if text matches /#\\d+/ { end } # x"),
            Some(31)
        );
        assert_eq!(comment_start("expect say /#1/"), None);
        assert_eq!(
            comment_start("time 2026-11-23 10:00 Asia/Shanghai # zone"),
            Some(36)
        );
        assert_eq!(comment_start("# whole line"), Some(0));
    }

    #[test]
    fn trivia_lists_comments_and_blank_lines_in_order() {
        let text = "# head\nqueue q { }  # trailing\n\n   \nsay \"#\"\n";
        let found: Vec<(TriviaKind, &str)> = trivia(FileId(0), text)
            .into_iter()
            .map(|t| (t.kind, &text[t.span.range()]))
            .collect();
        assert_eq!(
            found,
            [
                (TriviaKind::Comment, "# head"),
                (TriviaKind::Comment, "# trailing"),
                (TriviaKind::BlankLine, ""),
                (TriviaKind::BlankLine, "   "),
            ]
        );
    }
}
