//! What a request handler works on: one project's finished analysis, the file the request
//! is about, and how the client counts columns. Handlers are plain functions of a `Ctx`
//! and the request, so tests call them without a server.

use crate::diagnostics;
use crate::position::{Encoding, Lines};
use crate::project::Snapshot;
use csflow_compiler::ast::File;
use csflow_compiler::source::{FileId, SourceFile, SourceMap, Span};
use tower_lsp_server::ls_types::{Location, Position, Range};

pub struct Ctx<'a> {
    pub snapshot: &'a Snapshot,
    pub file: FileId,
    pub encoding: Encoding,
    /// Where check explanations live (`codeDescription`, hover links).
    pub explain_base: &'a str,
    /// "Now", for "is this queue open right now" (fixed in tests).
    pub now: chrono::DateTime<chrono::Utc>,
}

impl<'a> Ctx<'a> {
    /// A request's context as the server answers it: on the real clock.
    pub fn live(
        snapshot: &'a Snapshot,
        file: FileId,
        encoding: Encoding,
        explain_base: &'a str,
    ) -> Ctx<'a> {
        Ctx {
            snapshot,
            file,
            encoding,
            explain_base,
            now: chrono::Utc::now(),
        }
    }

    pub fn sources(&self) -> &'a SourceMap {
        &self.snapshot.analysis.sources
    }

    pub fn source(&self) -> &'a SourceFile {
        self.sources().get(self.file)
    }

    pub fn text(&self) -> &'a str {
        &self.source().text
    }

    pub fn lines(&self) -> Lines<'a> {
        Lines::of(self.source())
    }

    /// The syntax tree of the request's file.
    pub fn ast(&self) -> Option<&'a File> {
        self.snapshot.ast(self.file)
    }

    pub fn offset(&self, position: Position) -> usize {
        self.lines().offset(position, self.encoding)
    }

    pub fn position(&self, offset: usize) -> Position {
        self.lines().position(offset, self.encoding)
    }

    /// The range of a span of the request's file (or of any file of the project).
    pub fn range(&self, span: Span) -> Range {
        diagnostics::span_range(self.sources(), span, self.encoding)
    }

    pub fn location(&self, span: Span) -> Option<Location> {
        diagnostics::span_location(self.sources(), span, self.encoding)
    }

    pub fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, start, end)
    }
}
