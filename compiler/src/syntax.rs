//! Source text → syntax tree. pest types never leave this module.
//!
//! Parsing never fails: a file is split into top-level declarations ([`chunk`]), each is
//! parsed on its own, and broken lines inside a declaration become error nodes. Every
//! problem becomes exactly one `syntax-error` diagnostic.

mod chunk;
mod error;
mod fast;
pub(crate) mod keywords;
pub mod lex;
mod limits;
pub mod literal;
mod lower;
mod parser;

pub use keywords::{PARTS, TYPE_NAMES, is_keyword, starts_an_item};
pub use literal::quote;

use crate::ast;
use crate::diagnostic::Diagnostic;
use crate::source::FileId;

/// Deeper nesting of `{ ( [` than this is refused before pest sees it, so hostile input
/// cannot exhaust the stack.
pub const MAX_NESTING: usize = 64;

/// From this many top-level declarations in one file on, they are parsed in parallel;
/// below it a thread costs more than it saves.
const MIN_PARALLEL_DECLARATIONS: usize = 512;

/// The result of parsing one file: the tree (with error nodes) and its syntax errors.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub file: ast::File,
    pub diagnostics: Vec<Diagnostic>,
}

/// A knowledge base with this many entries is parsed entry by entry (its entries spread over
/// the cores, and pest never holds all of its tokens); a smaller one whole, in the first
/// pass with the other declarations (a file of half a million one-entry bases stays parallel).
const SEGMENTED_ENTRIES: usize = 256;

fn segmented_flow(chunk: &chunk::Chunk) -> bool {
    chunk.problem.is_none() && !chunk.segments.is_empty()
}

fn segmented_knowledge(chunk: &chunk::Chunk) -> bool {
    chunk.problem.is_none() && chunk.segments.is_empty() && chunk.entries.len() >= SEGMENTED_ENTRIES
}

/// Parses one file. Never panics, whatever the text.
pub fn parse_file(file: FileId, text: &str) -> Parsed {
    let mut chunks = chunk::split(text);
    for chunk in &mut chunks {
        // Chunk bounds come from a byte scanner: keep them on character boundaries.
        while !text.is_char_boundary(chunk.end) {
            chunk.end += 1;
        }
    }
    // Declarations are independent of each other, so a file of many (a generated list of
    // queues or knowledge entries) is parsed on every core. Flows are left for the second
    // pass: a big flow spreads its own states over the cores.
    let found = std::sync::Mutex::new(Vec::new());
    let mut items =
        crate::parallel::map_in_order(&chunks, MIN_PARALLEL_DECLARATIONS, |i, chunk| {
            let span = crate::source::Span::new(file, chunk.start, chunk.end);
            let mut diagnostics = Vec::new();
            let item = match chunk.problem {
                Some(problem) => {
                    diagnostics.push(error::chunk_problem(file, text, chunk, problem));
                    ast::Item::Error(span)
                }
                // A placeholder, replaced below.
                None if segmented_flow(chunk) || segmented_knowledge(chunk) => {
                    ast::Item::Error(span)
                }
                None => fast::decls::declaration(file, text, chunk.start, chunk.end)
                    .unwrap_or_else(|| {
                        lower::parse_item(file, text, chunk.start, chunk.end, &mut diagnostics)
                    }),
            };
            if !diagnostics.is_empty() {
                found
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push((i, diagnostics));
            }
            item
        });
    let mut found = found.into_inner().unwrap_or_else(|e| e.into_inner());
    for (i, chunk) in chunks.iter().enumerate() {
        type Segmented =
            fn(FileId, &str, usize, usize, &[usize], &mut Vec<Diagnostic>) -> ast::Item;
        let (parse, marks): (Segmented, &[usize]) = if segmented_knowledge(chunk) {
            (lower::parse_knowledge_segments, &chunk.entries)
        } else if segmented_flow(chunk) {
            (lower::parse_flow_segments, &chunk.segments)
        } else {
            continue;
        };
        let mut diagnostics = Vec::new();
        items[i] = parse(file, text, chunk.start, chunk.end, marks, &mut diagnostics);
        found.push((i, diagnostics));
    }
    // Diagnostics in the declarations' order, as one thread would have found them.
    found.sort_by_key(|(i, _)| *i);
    let diagnostics: Vec<Diagnostic> = found.into_iter().flat_map(|(_, d)| d).collect();
    let broken = items
        .iter()
        .filter_map(|item| match item {
            ast::Item::Error(span) => broken_declaration(text, *span),
            _ => None,
        })
        .collect();
    Parsed {
        file: ast::File {
            items,
            trivia: lex::trivia(file, text),
            broken,
        },
        diagnostics,
    }
}

/// `KEYWORD NAME` at the start of a declaration that did not parse.
fn broken_declaration(text: &str, span: crate::source::Span) -> Option<ast::BrokenDecl> {
    let (keyword, name, offset) = leading_words(text, span.start as usize)?;
    let span = crate::source::Span::new(span.file, offset, offset + name.len());
    // `queeu desk { … }` is a broken queue: its keyword read with one typo.
    let words = keywords::TOP_LEVEL.iter().map(|(k, _)| *k);
    let keyword = match crate::suggest::closest(keyword, words) {
        Some(close) if crate::suggest::edit_distance(keyword, close) <= 1 => close,
        _ => keyword,
    };
    Some(ast::BrokenDecl {
        keyword: keyword.to_string(),
        name: ast::Ident {
            name: name.to_string(),
            span,
        },
    })
}

/// The identifier at `start` (the keyword of a broken line).
pub(crate) fn leading_word(text: &str, start: usize) -> Option<&str> {
    let rest = text.get(start..)?;
    let len = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    (len > 0 && rest.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_'))
        .then(|| &rest[..len])
}

/// The first two identifiers at `start` and the offset of the second.
pub(crate) fn leading_words(text: &str, start: usize) -> Option<(&str, &str, usize)> {
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let rest = text.get(start..)?;
    let keyword_len = rest.find(|c: char| !is_ident(c)).unwrap_or(rest.len());
    let after = &rest[keyword_len..];
    let spaces = after.len() - after.trim_start_matches([' ', '\t']).len();
    let name_start = keyword_len + spaces;
    let name_rest = &rest[name_start..];
    let name_len = name_rest
        .find(|c: char| !is_ident(c))
        .unwrap_or(name_rest.len());
    if keyword_len == 0
        || name_len == 0
        || !name_rest.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
    {
        return None;
    }
    Some((
        &rest[..keyword_len],
        &name_rest[..name_len],
        start + name_start,
    ))
}

#[cfg(test)]
pub(crate) mod tests;
