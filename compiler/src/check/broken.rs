//! What a line that did not parse may still mean, for the checks that would otherwise have
//! to give up on its flow.
//!
//! The rule (docs/checks.md, "Broken input"): a broken line may lead to, use or hand off
//! to only what is written on it — a name, or the start of one being typed. So the words of
//! a broken line are read (identifiers outside strings, and inside the `{…}` of strings;
//! comments skipped) and a declaration is *mentioned* by the line when one of its words is
//! its name or the start of its name. Keywords count only when they are the whole name
//! (a state may be called `hours`). Which way the line moves the caller is read from its
//! keywords, allowing one typo (`edn` is `end`, `goot` is `goto`).

use crate::source::{SourceMap, Span};
use crate::suggest;
use rustc_hash::FxHashSet;

/// Words with a meaning in the language — its keywords (the one table,
/// `syntax/keywords.rs`) and the built-in names (`text`, `today`…): they name something
/// only when they are the whole name, never as the start of one.
fn is_keyword(word: &str) -> bool {
    crate::syntax::is_keyword(word) || csflow_runtime::builtins::lookup(word).is_some()
}

/// Every word [`is_keyword`] knows, for "which keyword is this typo".
fn keywords() -> &'static [&'static str] {
    static ALL: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    ALL.get_or_init(|| {
        let builtins = csflow_runtime::builtins::BUILTINS.iter().map(|b| b.name);
        crate::syntax::keywords::words().chain(builtins).collect()
    })
}

/// Statement keywords that move the caller on (the line ends its path).
const MOVES: &[&str] = &["goto", "end", "handoff", "transfer"];
/// Statement keywords that only go on to the next statement.
const PLAIN: &[&str] = &["say", "set", "call", "answer", "if", "else", "play"];
/// Statement keywords that wait for the caller.
const WAITS: &[&str] = &["ask", "menu"];

/// One broken line, read.
#[derive(Debug, Clone)]
pub struct Line<'s> {
    pub span: Span,
    /// Identifiers written on it, in order.
    pub words: Vec<&'s str>,
}

/// How a broken line may move the caller on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Moves {
    /// It may be, or hold, an `end`.
    pub end: bool,
    /// It may hand off to a person (`handoff`, `transfer`).
    pub handoff: bool,
    /// It may be a `goto` (or hold one).
    pub goto: bool,
    /// Its first word is a keyword that ends the path (`goto`, `end`, `handoff`).
    pub ends_path: bool,
    /// It may be an input point (`ask`, `menu`, or a first word that is no keyword).
    pub waits: bool,
}

/// Keywords that start a member whose action comes last on its line (`option`, a handler,
/// an `escalate` rule): broken before its action, the action is unknown.
const MEMBERS: &[&str] = &["option", "on", "when"];

impl<'s> Line<'s> {
    /// Reads the words of `span` (a broken line or block) from the sources.
    pub fn read(sources: &'s SourceMap, span: Span) -> Line<'s> {
        Line {
            span,
            words: words(sources.slice(span)),
        }
    }

    /// The keyword a word probably is (exact, or one typo away for words of three letters
    /// or more).
    fn keyword(word: &str, among: &[&'static str]) -> Option<&'static str> {
        if let Some(k) = among.iter().find(|k| **k == word) {
            return Some(k);
        }
        if word.len() < 3 || is_keyword(word) {
            return None;
        }
        let close = suggest::closest(word, among.iter().copied())?;
        (suggest::edit_distance(word, close) <= 1)
            .then(|| among.iter().copied().find(|k| *k == close))
            .flatten()
    }

    /// How the line may move the caller on, read from its keywords.
    pub fn moves(&self) -> Moves {
        let mut moves = Moves::default();
        for word in &self.words {
            match Self::keyword(word, MOVES) {
                Some("goto") => moves.goto = true,
                Some("end") => moves.end = true,
                Some(_) => moves.handoff = true,
                None => {}
            }
        }
        let all: Vec<&'static str> = MOVES.iter().chain(PLAIN).chain(WAITS).copied().collect();
        // An option, handler or rule whose action is not written (yet): where it leads is
        // unknown, so it may end or reach a person (no trap because of it).
        let moving = moves.goto || moves.end || moves.handoff;
        if !moving && self.starts_with_keyword(MEMBERS) {
            moves.end = true;
            moves.handoff = true;
        }
        match self.words.first().and_then(|w| Self::keyword(w, &all)) {
            Some(k) if MOVES.contains(&k) => moves.ends_path = true,
            Some(k) if WAITS.contains(&k) => moves.waits = true,
            Some(_) => {}
            // Not a statement we can recognise: it may be any of them.
            None => {
                let other = self
                    .words
                    .first()
                    .is_some_and(|w| is_keyword(w) || Self::keyword(w, keywords()).is_some());
                if !other {
                    moves.waits = true;
                    if !moves.goto {
                        moves.end = true;
                        moves.handoff = true;
                    }
                }
            }
        }
        moves
    }

    /// Is `name` written on this line, or the start of it?
    pub fn mentions(&self, name: &str) -> bool {
        self.words.iter().any(|w| mentions(w, name))
    }

    /// May this line be a handler of `kind` (`no_match`…): a word of it is the kind or the
    /// start of it (two letters at least).
    pub fn may_handle(&self, kind: &str) -> bool {
        self.words
            .iter()
            .any(|w| w.len() >= 2 && kind.starts_with(w))
    }

    /// The first word is (one typo away from) one of `keywords`.
    pub fn starts_with_keyword(&self, keywords: &[&'static str]) -> bool {
        self.words
            .first()
            .is_some_and(|w| Self::keyword(w, keywords).is_some() || keywords.contains(w))
    }

    /// Does the line name something after its `goto` (or is the name still to be typed)?
    pub fn names_after_goto(&self) -> bool {
        let Some(at) = self
            .words
            .iter()
            .position(|w| Self::keyword(w, MOVES) == Some("goto"))
        else {
            return true;
        };
        at + 1 < self.words.len()
    }
}

/// The keys written on a broken menu line (`key 1`, `key "*"`, even inside a string left
/// open), or `None` when it writes no key at all: then its keys are unknown, and may be any.
pub fn written_keys(text: &str) -> Option<Vec<String>> {
    let mut keys = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("key") {
        let before_ok = !rest[..at].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_');
        rest = &rest[at + 3..];
        if !before_ok || rest.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        let value = rest.trim_start();
        let digits: String = value.chars().take_while(char::is_ascii_digit).collect();
        if !digits.is_empty() {
            keys.push(digits);
        } else if let Some(k) = ["\"*\"", "\"#\""].iter().find(|k| value.starts_with(*k)) {
            keys.push(k.trim_matches('"').to_string());
        }
    }
    (!keys.is_empty()).then_some(keys)
}

/// Is `word` the name, or the start of it? Keywords only as the whole name.
pub fn mentions(word: &str, name: &str) -> bool {
    if word == name {
        return true;
    }
    !word.is_empty() && !is_keyword(word) && name.starts_with(word)
}

/// The identifiers of `text`: outside strings and regexes, and inside the `{…}` of strings;
/// a string or regex left open runs to the end of its line; comments are skipped.
pub fn words(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    // Inside a string (and how many `{` deep inside it).
    let mut in_string = false;
    let mut depth = 0usize;
    while i < bytes.len() {
        let b = bytes[i];
        if in_string && depth == 0 {
            match b {
                b'\\' => i += 1,
                b'"' | b'\n' => in_string = false,
                b'{' if bytes.get(i + 1) == Some(&b'{') => i += 1,
                b'{' => depth = 1,
                _ => {}
            }
            i += 1;
            continue;
        }
        match b {
            b'"' if !in_string => in_string = true,
            b'"' => {} // a quote inside an interpolation: keep reading words
            b'{' if in_string => depth += 1,
            b'}' if in_string => depth -= 1,
            b'\n' if in_string => {
                in_string = false;
                depth = 0;
            }
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'/' if !in_string && is_regex_start(text, i) => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'/' && bytes[i] != b'\n' {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'A'..=b'Z' | b'a'..=b'z' | b'_' => {
                let start = i;
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                out.push(&text[start..i]);
                continue;
            }
            b'0'..=b'9' => {
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// A `/` starts a regex after `matches` (the only place one is written).
fn is_regex_start(text: &str, at: usize) -> bool {
    text[..at].trim_end().ends_with("matches")
}

/// The names written on a set of broken lines, for the "is it used" tables: a name is
/// spared when a word of some line is the name or its start.
#[derive(Debug, Default)]
pub struct Mentioned {
    exact: FxHashSet<String>,
    /// Words that are not keywords: the start of a name being typed.
    prefixes: FxHashSet<String>,
    longest: usize,
}

impl Mentioned {
    pub fn add(&mut self, line: &Line) {
        for word in &line.words {
            self.exact.insert((*word).to_string());
            if !is_keyword(word) {
                self.prefixes.insert((*word).to_string());
                self.longest = self.longest.max(word.len());
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.exact.is_empty()
    }

    /// Is `name` written on one of the lines, or its start? `O(len(name))` lookups.
    pub fn spares(&self, name: &str) -> bool {
        if self.exact.is_empty() {
            return false;
        }
        if self.exact.contains(name) {
            return true;
        }
        (1..=name.len().min(self.longest))
            .filter(|&i| name.is_char_boundary(i))
            .any(|i| self.prefixes.contains(&name[..i]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The grammar's words and the built-in names are keywords of broken lines, read from
    /// the one table: a word missing there would be read as a name being typed (and spare
    /// every state or slot it is the start of).
    #[test]
    fn keywords_come_from_the_one_table() {
        for word in [
            "goto",
            "into",
            "then",
            "reason",
            "max_digits",
            "true",
            "today",
            "text",
        ] {
            assert!(is_keyword(word) && keywords().contains(&word), "{word}");
        }
        assert!(!is_keyword("main_menu") && !is_keyword("go"));
    }

    #[test]
    fn words_skip_string_text_and_comments() {
        assert_eq!(
            words(r#"say "Hello {name}, press 1" goto main # to the menu"#),
            ["say", "name", "goto", "main"]
        );
        assert_eq!(words(r#"say "Hello {na"#), ["say", "na"]);
        assert_eq!(words("say \"open\ngoto x"), ["say", "goto", "x"]);
        assert_eq!(
            words(r#"when text matches /agent|x/ handoff care"#),
            ["when", "text", "matches", "handoff", "care"]
        );
    }

    #[test]
    fn moves_read_keywords_with_one_typo() {
        let line = |t: &'static str| Line {
            span: Span::new(crate::source::FileId(0), 0, 0),
            words: words(t),
        };
        assert!(line("edn").moves().end && line("edn").moves().ends_path);
        assert!(line("goot main").moves().goto);
        assert!(!line("goto").names_after_goto());
        assert!(line("goto ma").names_after_goto());
        let say = line("sya \"hi").moves();
        assert!(!say.end && !say.handoff && !say.waits);
        let unknown = line("xyzzy 3").moves();
        assert!(unknown.end && unknown.handoff && unknown.waits);
        let option = line("option \"Agent\" key 0 handof general").moves();
        assert!(option.handoff && !option.end);
    }

    #[test]
    fn names_and_their_starts_are_spared() {
        let mut m = Mentioned::default();
        m.add(&Line {
            span: Span::new(crate::source::FileId(0), 0, 0),
            words: vec!["goto", "mai", "hours"],
        });
        assert!(m.spares("main_menu") && m.spares("hours") && m.spares("goto"));
        assert!(!m.spares("goto_x") && !m.spares("hours_info") && !m.spares("menu"));
    }
}
