//! Semantic tokens (full and delta): keywords, strings, numbers, comments and regexes from a
//! small scan of the text, and every name coloured by what it names (a state, a slot, a
//! queue…), its definition marked `declaration`.

use crate::context::Ctx;
use crate::position::Encoding;
use crate::syntax::{self, Kind};
use tower_lsp_server::ls_types::*;

/// Token types, in legend order.
const TYPES: [SemanticTokenType; 17] = [
    SemanticTokenType::KEYWORD,
    SemanticTokenType::STRING,
    SemanticTokenType::NUMBER,
    SemanticTokenType::COMMENT,
    SemanticTokenType::REGEXP,
    SemanticTokenType::NAMESPACE,
    SemanticTokenType::FUNCTION,
    SemanticTokenType::VARIABLE,
    SemanticTokenType::PROPERTY,
    SemanticTokenType::ENUM_MEMBER,
    SemanticTokenType::CLASS,
    SemanticTokenType::EVENT,
    SemanticTokenType::INTERFACE,
    SemanticTokenType::METHOD,
    SemanticTokenType::PARAMETER,
    SemanticTokenType::STRUCT,
    SemanticTokenType::TYPE,
];
const MODIFIERS: [SemanticTokenModifier; 2] = [
    SemanticTokenModifier::DECLARATION,
    SemanticTokenModifier::DEFAULT_LIBRARY,
];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum T {
    Keyword = 0,
    String,
    Number,
    Comment,
    Regexp,
    Namespace,
    Function,
    Variable,
    Property,
    EnumMember,
    Class,
    Event,
    Interface,
    Method,
    Parameter,
    Struct,
    Type,
}

pub fn legend() -> SemanticTokensLegend {
    SemanticTokensLegend {
        token_types: TYPES.to_vec(),
        token_modifiers: MODIFIERS.to_vec(),
    }
}

/// The words that start a top-level declaration.
pub const TOP_LEVEL: &[&str] = &[
    "import",
    "hours",
    "queue",
    "intent",
    "service",
    "knowledge",
    "flow",
    "test",
];

/// The slot and field types (the compiler's table).
pub const TYPE_NAMES: &[&str] = csflow_compiler::syntax::TYPE_NAMES;

fn kind_type(kind: Kind) -> T {
    match kind {
        Kind::Flow => T::Namespace,
        Kind::State => T::Function,
        Kind::Slot | Kind::Result | Kind::Variable => T::Variable,
        Kind::Field => T::Property,
        Kind::Argument => T::Parameter,
        Kind::Intent | Kind::EnumValue => T::EnumMember,
        Kind::Queue => T::Class,
        Kind::Hours => T::Event,
        Kind::Knowledge => T::Struct,
        Kind::Entry => T::Property,
        Kind::Service => T::Interface,
        Kind::Operation => T::Method,
        Kind::Test | Kind::Import => T::String,
    }
}

/// (start, end, type, modifiers) in bytes; one line each, sorted, not overlapping.
fn scan(ctx: &Ctx) -> Vec<(usize, usize, T, u32)> {
    let text = ctx.text();
    let names = ctx.ast().map(syntax::names).unwrap_or_default();
    let builtins: Vec<&str> = csflow_compiler::resolve::builtin_names().collect();
    let mut name_at = std::collections::HashMap::new();
    for name in &names {
        name_at.insert(name.span.start as usize, *name);
    }
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut previous_word = "";
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'#' => {
                let end = text[i..].find('\n').map_or(text.len(), |n| i + n);
                out.push((i, end, T::Comment, 0));
                i = end;
            }
            b'"' => {
                i = scan_string(text, i, &name_at, &builtins, &mut out);
                previous_word = "";
            }
            b'/' if matches!(previous_word, "matches" | "say" | "matching") => {
                let mut j = i + 1;
                while j < bytes.len() && bytes[j] != b'/' && bytes[j] != b'\n' {
                    j += if bytes[j] == b'\\' { 2 } else { 1 };
                }
                let end = (j + 1).min(bytes.len());
                out.push((i, end, T::Regexp, 0));
                i = end;
                previous_word = "";
            }
            b'0'..=b'9' | b'-' if number_start(bytes, i) => {
                let mut j = i + 1;
                while j < bytes.len()
                    && (bytes[j].is_ascii_alphanumeric() || matches!(bytes[j], b':' | b'.' | b'-'))
                    && !(bytes[j] == b'.' && bytes.get(j + 1) == Some(&b'.'))
                {
                    j += 1;
                }
                out.push((i, j, T::Number, 0));
                i = j;
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let mut j = i + 1;
                while j < bytes.len() && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_') {
                    j += 1;
                }
                let word = &text[i..j];
                if let Some(token) = word_token(i, word, &name_at, &builtins) {
                    out.push((i, j, token.0, token.1));
                }
                previous_word = word;
                i = j;
            }
            _ => i += 1,
        }
    }
    out.sort_by_key(|t| t.0);
    out.dedup_by_key(|t| t.0);
    out
}

fn number_start(bytes: &[u8], i: usize) -> bool {
    let after_word = i > 0 && (bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
    if after_word {
        return false;
    }
    if bytes[i] == b'-' {
        return bytes.get(i + 1).is_some_and(u8::is_ascii_digit);
    }
    true
}

fn word_token(
    start: usize,
    word: &str,
    names: &std::collections::HashMap<usize, syntax::Name>,
    builtins: &[&str],
) -> Option<(T, u32)> {
    if let Some(name) = names.get(&start) {
        if name.kind == Kind::Variable && builtins.contains(&name.text) {
            return Some((T::Variable, 2));
        }
        return Some((kind_type(name.kind), u32::from(name.definition)));
    }
    if csflow_compiler::syntax::is_keyword(word) {
        return Some((T::Keyword, 0));
    }
    if TYPE_NAMES.contains(&word) {
        return Some((T::Type, 0));
    }
    None
}

/// Pushes the string opened at `start` as string tokens around its interpolations, whose
/// names get their own tokens; returns where the string ends (its line's end if unclosed).
fn scan_string(
    text: &str,
    start: usize,
    names: &std::collections::HashMap<usize, syntax::Name>,
    builtins: &[&str],
    out: &mut Vec<(usize, usize, T, u32)>,
) -> usize {
    let bytes = text.as_bytes();
    let mut segment = start;
    let mut j = start + 1;
    let push = |out: &mut Vec<(usize, usize, T, u32)>, from: usize, to: usize| {
        if to > from {
            out.push((from, to, T::String, 0));
        }
    };
    loop {
        if j >= bytes.len() || bytes[j] == b'\n' {
            let end = j.min(bytes.len());
            push(out, segment, end);
            return end;
        }
        match bytes[j] {
            b'\\' => j += 2,
            b'"' => {
                push(out, segment, j + 1);
                return j + 1;
            }
            b'{' if bytes.get(j + 1) == Some(&b'{') => j += 2,
            b'{' => {
                push(out, segment, j + 1);
                let close = interpolation_end(bytes, j + 1);
                scan_code(text, j + 1, close, names, builtins, out);
                segment = close;
                j = if bytes.get(close) == Some(&b'}') {
                    close + 1
                } else {
                    close
                };
            }
            _ => j += 1,
        }
    }
}

fn interpolation_end(bytes: &[u8], start: usize) -> usize {
    let mut j = start;
    while j < bytes.len() && bytes[j] != b'}' && bytes[j] != b'\n' && bytes[j] != b'"' {
        j += 1;
    }
    j
}

fn scan_code(
    text: &str,
    start: usize,
    end: usize,
    names: &std::collections::HashMap<usize, syntax::Name>,
    builtins: &[&str],
    out: &mut Vec<(usize, usize, T, u32)>,
) {
    let bytes = text.as_bytes();
    let mut i = start;
    while i < end {
        if bytes[i].is_ascii_alphabetic() || bytes[i] == b'_' {
            let mut j = i + 1;
            while j < end && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_') {
                j += 1;
            }
            if let Some((t, m)) = word_token(i, &text[i..j], names, builtins) {
                out.push((i, j, t, m));
            }
            i = j;
        } else {
            i += 1;
        }
    }
}

/// The tokens of the request's file, encoded as LSP wants (relative lines and columns).
pub fn semantic_tokens(ctx: &Ctx) -> Vec<SemanticToken> {
    encode(ctx, &scan(ctx), ctx.encoding)
}

fn encode(ctx: &Ctx, tokens: &[(usize, usize, T, u32)], encoding: Encoding) -> Vec<SemanticToken> {
    let lines = ctx.lines();
    let mut out = Vec::with_capacity(tokens.len());
    let (mut line, mut column) = (0, 0);
    for &(start, end, kind, modifiers) in tokens {
        let a = lines.position(start, encoding);
        let b = lines.position(end, encoding);
        let length = if b.line == a.line {
            b.character - a.character
        } else {
            0
        };
        if length == 0 {
            continue;
        }
        let delta_line = a.line - line;
        let delta_start = if delta_line == 0 {
            a.character - column
        } else {
            a.character
        };
        out.push(SemanticToken {
            delta_line,
            delta_start,
            length,
            token_type: kind as u32,
            token_modifiers_bitset: modifiers,
        });
        line = a.line;
        column = a.character;
    }
    out
}

/// One edit turning `old` into `new`: what differs between their common prefix and suffix.
pub fn delta(old: &[SemanticToken], new: &[SemanticToken]) -> Vec<SemanticTokensEdit> {
    let prefix = old.iter().zip(new).take_while(|(a, b)| a == b).count();
    let suffix = old[prefix..]
        .iter()
        .rev()
        .zip(new[prefix..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let removed = old.len() - prefix - suffix;
    let inserted = &new[prefix..new.len() - suffix];
    if removed == 0 && inserted.is_empty() {
        return Vec::new();
    }
    vec![SemanticTokensEdit {
        // Offsets and counts are in integers, five per token.
        start: (prefix * 5) as u32,
        delete_count: (removed * 5) as u32,
        data: Some(inserted.to_vec()),
    }]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(delta_line: u32) -> SemanticToken {
        SemanticToken {
            delta_line,
            delta_start: 0,
            length: 1,
            token_type: 0,
            token_modifiers_bitset: 0,
        }
    }

    #[test]
    fn delta_replaces_only_the_middle() {
        let old = vec![token(0), token(1), token(2), token(3)];
        let new = vec![token(0), token(9), token(3)];
        let edits = delta(&old, &new);
        assert_eq!(edits.len(), 1);
        assert_eq!(edits[0].start, 5);
        assert_eq!(edits[0].delete_count, 10);
        assert_eq!(edits[0].data.as_deref(), Some(&[token(9)][..]));
        assert!(delta(&new, &new).is_empty());
    }
}
