//! Diagnostics are data: every renderer (terminal, short, JSON, SARIF, GitHub, LSP) is a thin
//! view of [`Diagnostic`], and every check is described once in the [`registry`].

pub mod ids;
pub mod registry;
pub mod render;

use crate::source::Span;
use serde::Serialize;
use smallvec::SmallVec;
use std::borrow::Cow;
use thin_vec::ThinVec;

pub use registry::{CHECKS, Check, CheckId};

/// Whether `c` must not reach a terminal raw: C0 and C1 control characters (ESC sequences
/// could recolour or rewrite the reader's terminal) except tab and newline, and the
/// bidirectional overrides that make text display in another order than it reads.
pub fn is_unsafe_char(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every [`is_unsafe_char`] written as `\u{1b}`; borrowed when there is none.
/// Every human-readable renderer passes text from the sources through this.
pub fn escape_controls(text: &str) -> std::borrow::Cow<'_, str> {
    // Printable ASCII, newlines and tabs are safe: most text is settled without decoding.
    let plain = text
        .bytes()
        .all(|b| matches!(b, b' '..=b'~' | b'\n' | b'\t'));
    if plain || !text.chars().any(is_unsafe_char) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe_char(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// A place in the source with an optional message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Label {
    pub span: Span,
    /// Most are fixed phrases: a `&'static str` costs no allocation per diagnostic.
    pub message: Cow<'static, str>,
}

impl Label {
    pub fn new(span: Span, message: impl Into<Cow<'static, str>>) -> Label {
        Label {
            span,
            message: message.into(),
        }
    }
}

/// One text replacement of a [`Fix`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Edit {
    pub span: Span,
    pub replacement: String,
}

/// How safe it is to apply a fix without looking (ruff's applicability levels).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Applicability {
    /// The fix keeps the meaning of the flow; an editor may apply it on save.
    Safe,
    /// The fix changes behaviour (removes a state, adds a handler): offer, never auto-apply.
    Unsafe,
}

/// A fix's edits: one inline (a removal, a replacement, an insertion), more on the heap.
pub type Edits = SmallVec<[Edit; 1]>;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fix {
    pub title: Cow<'static, str>,
    pub edits: Edits,
    pub applicability: Applicability,
}

/// A diagnostic's notes: most have one fixed phrase, held inline and borrowed.
pub type Notes = SmallVec<[Cow<'static, str>; 1]>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Which check this is: its name and code come from the registry ([`Diagnostic::name`],
    /// [`Diagnostic::code`]) rather than being copied into each of (maybe millions of)
    /// diagnostics.
    pub id: CheckId,
    pub severity: Severity,
    pub message: String,
    pub primary: Label,
    /// Most diagnostics have none: one pointer when empty.
    pub secondary: ThinVec<Label>,
    /// Fixed phrases are borrowed, not copied into each of (maybe millions of) diagnostics.
    pub notes: Notes,
    pub fix: Option<Fix>,
}

impl Diagnostic {
    /// The check's contract name, e.g. `unreachable-state`.
    pub fn name(&self) -> &'static str {
        self.id.check().name
    }

    /// The check's stable code, never reused, e.g. `W0101`.
    pub fn code(&self) -> &'static str {
        self.id.check().code
    }

    /// A diagnostic of the check `id` (one of [`ids`]), at its registry's default severity.
    pub fn new(id: CheckId, span: Span, message: impl Into<String>) -> Diagnostic {
        let check = id.check();
        Diagnostic {
            id,
            severity: check.severity,
            message: message.into(),
            primary: Label::new(span, ""),
            secondary: ThinVec::new(),
            notes: Notes::new(),
            fix: None,
        }
    }

    /// Sets the message shown under the primary span.
    pub fn with_primary_message(mut self, message: impl Into<Cow<'static, str>>) -> Diagnostic {
        self.primary.message = message.into();
        self
    }

    pub fn with_label(mut self, span: Span, message: impl Into<Cow<'static, str>>) -> Diagnostic {
        // Room for exactly one at first (a first `push` reserves four, and a project can
        // have millions of diagnostics, most with one label or note); then doubling.
        if self.secondary.is_empty() {
            self.secondary.reserve_exact(1);
        }
        self.secondary.push(Label::new(span, message));
        self
    }

    pub fn with_note(mut self, note: impl Into<Cow<'static, str>>) -> Diagnostic {
        if self.notes.is_empty() {
            self.notes.reserve_exact(1);
        }
        self.notes.push(note.into());
        self
    }

    pub fn with_fix(mut self, fix: Fix) -> Diagnostic {
        self.fix = Some(fix);
        self
    }

    pub fn span(&self) -> Span {
        self.primary.span
    }
}

/// Sorts diagnostics by file, position, then name, so every output is deterministic; equal
/// keys keep their order (a stable sort).
///
/// Sorted through a list of keys with each one's index (40 bytes a diagnostic), then moved
/// into place by following the permutation's cycles: a stable sort of the diagnostics
/// themselves (200 bytes each) would need a scratch copy of half of them, and a project can
/// have millions.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    let key = |d: &Diagnostic| {
        (
            d.primary.span.file,
            d.primary.span.start,
            d.primary.span.end,
            d.name(),
        )
    };
    // Checks report in source order, so a long list is often sorted already: then the stable
    // sort changes nothing and its keys (40 bytes a diagnostic) are not worth building.
    if diagnostics.is_sorted_by(|a, b| key(a) <= key(b)) {
        return;
    }
    let mut order: Vec<_> = diagnostics
        .iter()
        .enumerate()
        .map(|(index, d)| (key(d), index))
        .collect();
    // The index makes every key unique, so the unstable (in-place) sort is stable here.
    order.sort_unstable();
    let mut target: Vec<usize> = order.into_iter().map(|(_, index)| index).collect();
    // Position `i` takes the diagnostic at `target[i]`: walk each cycle once, swapping.
    for start in 0..target.len() {
        let mut current = start;
        loop {
            let next = target[current];
            target[current] = current;
            if next == start || next == current {
                break;
            }
            diagnostics.swap(current, next);
            current = next;
        }
    }
}
