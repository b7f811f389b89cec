//! What the resolver found, kept: every definition, every reference as (span, definition)
//! and every expression's type. Codegen, the unused checks and the language server read
//! this instead of looking names up again.
//!
//! It is owned data (spans and indices, no borrows of the syntax trees), so an
//! [`crate::Analysis`] keeps it next to the files it describes. The indexes a language
//! server needs (by position, by definition) are built on first use, so `csflow check`
//! never pays for them.

use crate::source::{FileId, SourceMap, Span};
use csflow_runtime::builtins::BuiltinName;
use std::sync::OnceLock;

/// Index into [`Resolution::defs`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DefId(pub u32);

/// What kind of thing a definition is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefKind {
    /// A file of the project; the target of an `import` path.
    File(FileId),
    Hours,
    Queue,
    Intent,
    Service,
    /// An operation of a service (its parent).
    Operation,
    /// A parameter of an operation (its parent).
    Param,
    /// A field of an operation's result record (its parent).
    ReturnField,
    Knowledge,
    Flow,
    /// A state of a flow (its parent).
    State,
    /// A slot of a flow (its parent).
    Slot,
    /// A `call … into NAME` result of a flow (its parent); defined where it is first set.
    Result,
    /// A value of an `enum` slot type (its parent is the slot).
    EnumValue,
    /// An expression built-in from the one table shared with the runtime.
    Builtin(&'static BuiltinName),
    /// `voice`, `chat`, `any` in `channel == voice`.
    Channel(&'static str),
}

impl DefKind {
    /// How users call this kind in messages ("state", "knowledge base").
    pub fn describe(self) -> &'static str {
        match self {
            DefKind::File(_) => "file",
            DefKind::Hours => "hours",
            DefKind::Queue => "queue",
            DefKind::Intent => "intent",
            DefKind::Service => "service",
            DefKind::Operation => "operation",
            DefKind::Param => "parameter",
            DefKind::ReturnField => "result field",
            DefKind::Knowledge => "knowledge base",
            DefKind::Flow => "flow",
            DefKind::State => "state",
            DefKind::Slot => "slot",
            DefKind::Result => "call result",
            DefKind::EnumValue => "choice",
            DefKind::Builtin(_) => "built-in",
            DefKind::Channel(_) => "channel",
        }
    }
}

/// One definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Def {
    pub kind: DefKind,
    /// The name as written where it is defined; `None` for built-ins, channel names and
    /// files.
    pub name: Option<Span>,
    /// The whole declaration (for a file: its first byte).
    pub span: Option<Span>,
    /// The flow of a state, slot or result; the service of an operation; the operation of a
    /// parameter or result field; the slot of an enum value.
    pub parent: Option<DefId>,
    /// Position among its siblings in the source: state *i* of its flow, operation *i* of
    /// its service, parameter *i* of its operation, slot *i* of its flow.
    pub index: u32,
    /// For a second definition of a name (reported as `duplicate-definition`): the first,
    /// which every reference resolves to.
    pub duplicate_of: Option<DefId>,
}

/// A name used somewhere, and what it resolved to. Names that did not resolve are not
/// here (they got an `unknown-*` diagnostic).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reference {
    /// The name as written at the use (for an `import`, the path string).
    pub span: Span,
    pub def: DefId,
    /// Written in a `test` block: tests check uses, they are not uses (the unused checks
    /// skip these).
    pub in_test: bool,
}

/// The type the checks worked out for an expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Type {
    Bool,
    Number,
    Text,
    Digits,
    Date,
    Time,
    Duration,
    /// A value of an `enum` slot.
    Enum,
    /// A value of an `enum` whose values have display labels: each value's name and label
    /// (what interpolation says; codegen reads it for fields of service results).
    LabelledEnum(Box<Vec<(String, Option<String>)>>),
    /// The result of a `call … into NAME`.
    Record,
    List(Box<Type>),
    None,
    /// Did not resolve (its error is reported elsewhere).
    Unknown,
}

impl Type {
    /// As messages say it ("a number", "yes/no").
    pub fn describe(&self) -> &'static str {
        match self {
            Type::Bool => "yes/no",
            Type::Number => "a number",
            Type::Text => "text",
            Type::Digits => "digits",
            Type::Date => "a date",
            Type::Time => "a time",
            Type::Duration => "a duration",
            Type::Enum | Type::LabelledEnum(_) => "a choice (enum)",
            Type::Record => "a service result",
            Type::List(_) => "a list",
            Type::None => "none",
            Type::Unknown => "unknown",
        }
    }
}

/// Every definition, reference and expression type of one analysed project.
#[derive(Debug, Default)]
pub struct Resolution {
    pub(crate) defs: Vec<Def>,
    pub(crate) refs: Vec<Reference>,
    pub(crate) types: Vec<(Span, Type)>,
    index: OnceLock<Index>,
}

/// Lookup tables built on first use.
#[derive(Debug)]
struct Index {
    /// Reference indices sorted by span.
    refs_by_span: Vec<u32>,
    /// Definitions with a name, sorted by that name's span.
    defs_by_name: Vec<DefId>,
    /// References grouped by definition: `by_def[offsets[d]..offsets[d + 1]]`.
    offsets: Vec<u32>,
    by_def: Vec<u32>,
    /// Expression types sorted by span.
    types_by_span: Vec<u32>,
}

impl Resolution {
    pub(crate) fn new(defs: Vec<Def>, refs: Vec<Reference>) -> Resolution {
        Resolution {
            defs,
            refs,
            types: Vec::new(),
            index: OnceLock::new(),
        }
    }

    pub(crate) fn set_types(&mut self, types: Vec<(Span, Type)>) {
        self.types = types;
        self.index = OnceLock::new();
    }

    /// Records the `import` paths that named `file` (the loader knows where they led).
    pub(crate) fn add_imports(&mut self, imports: &[(Span, FileId)]) {
        for (span, file) in imports {
            if let Some(def) = self.file_def(*file) {
                self.refs.push(Reference {
                    span: *span,
                    def,
                    in_test: false,
                });
            }
        }
        self.index = OnceLock::new();
    }

    /// The definition standing for a parsed file of the project (files are defined right
    /// after the built-ins and channel names, in load order).
    pub fn file_def(&self, file: FileId) -> Option<DefId> {
        self.defs()
            .skip_while(|(_, d)| !matches!(d.kind, DefKind::File(_)))
            .take_while(|(_, d)| matches!(d.kind, DefKind::File(_)))
            .find(|(_, d)| d.kind == DefKind::File(file))
            .map(|(id, _)| id)
    }

    pub fn def(&self, id: DefId) -> &Def {
        &self.defs[id.0 as usize]
    }

    /// Every definition, by [`DefId`] order (declaration order within each kind).
    pub fn defs(&self) -> impl Iterator<Item = (DefId, &Def)> {
        self.defs
            .iter()
            .enumerate()
            .map(|(i, d)| (DefId(i as u32), d))
    }

    /// How many definitions there are ([`DefId`]s are `0..def_count()`).
    pub fn def_count(&self) -> usize {
        self.defs.len()
    }

    /// Every reference, in the order the resolver met them.
    pub fn references(&self) -> &[Reference] {
        &self.refs
    }

    /// The name of a definition as written (built-ins and channels by their fixed name; a
    /// file by its path).
    pub fn name<'s>(&self, id: DefId, sources: &'s SourceMap) -> &'s str {
        let def = self.def(id);
        match (def.kind, def.name) {
            (DefKind::Builtin(b), _) => b.name,
            (DefKind::Channel(name), _) => name,
            (DefKind::File(file), _) => &sources.get(file).path,
            (_, Some(span)) => sources.slice(span),
            (_, None) => "",
        }
    }

    /// The definition a reference written exactly at `span` resolved to.
    pub fn target(&self, span: Span) -> Option<DefId> {
        let index = self.index();
        let found = index
            .refs_by_span
            .binary_search_by(|&r| self.refs[r as usize].span.cmp(&span))
            .ok()?;
        Some(self.refs[index.refs_by_span[found] as usize].def)
    }

    /// The reference whose name covers `offset` in `file` (the end counts, so a cursor
    /// right after a name finds it).
    pub fn reference_at(&self, file: FileId, offset: u32) -> Option<&Reference> {
        let index = self.index();
        let refs = &index.refs_by_span;
        let after = refs.partition_point(|&r| {
            let span = self.refs[r as usize].span;
            (span.file, span.start) <= (file, offset)
        });
        refs[..after]
            .iter()
            .rev()
            .map(|&r| &self.refs[r as usize])
            .take_while(|r| r.span.file == file)
            .find(|r| r.span.start <= offset && offset <= r.span.end)
    }

    /// The definition whose name is written exactly at `span`.
    pub fn def_named(&self, span: Span) -> Option<DefId> {
        let names = &self.index().defs_by_name;
        let found = names
            .binary_search_by(|id| self.def(*id).name.cmp(&Some(span)))
            .ok()?;
        Some(names[found])
    }

    /// The definition whose own name covers `offset` in `file`.
    pub fn definition_named_at(&self, file: FileId, offset: u32) -> Option<DefId> {
        let index = self.index();
        let names = &index.defs_by_name;
        let name = |id: &DefId| self.def(*id).name.unwrap_or(Span::new(FileId(0), 0, 0));
        let after = names.partition_point(|id| {
            let span = name(id);
            (span.file, span.start) <= (file, offset)
        });
        names[..after]
            .iter()
            .rev()
            .take_while(|id| name(id).file == file)
            .find(|id| {
                let span = name(id);
                span.start <= offset && offset <= span.end
            })
            .copied()
    }

    /// What the name at `offset` means: the definition a reference there resolved to, or
    /// the definition whose name is written there. Second definitions of a name answer with
    /// the first.
    pub fn definition_at(&self, file: FileId, offset: u32) -> Option<DefId> {
        let id = match self.reference_at(file, offset) {
            Some(reference) => reference.def,
            None => self.definition_named_at(file, offset)?,
        };
        Some(self.def(id).duplicate_of.unwrap_or(id))
    }

    /// Every reference to `def`, in source order.
    pub fn references_to(&self, def: DefId) -> impl Iterator<Item = &Reference> {
        let index = self.index();
        let d = def.0 as usize;
        let range = match (index.offsets.get(d), index.offsets.get(d + 1)) {
            (Some(&a), Some(&b)) => a as usize..b as usize,
            _ => 0..0,
        };
        index.by_def[range]
            .iter()
            .map(move |&r| &self.refs[r as usize])
    }

    /// Whether anything outside the tests refers to `def`.
    pub fn is_used(&self, def: DefId) -> bool {
        self.references_to(def).any(|r| !r.in_test)
    }

    /// The type of the expression written exactly at `span`.
    pub fn type_of(&self, span: Span) -> Option<&Type> {
        let index = self.index();
        let found = index
            .types_by_span
            .binary_search_by(|&t| self.types[t as usize].0.cmp(&span))
            .ok()?;
        Some(&self.types[index.types_by_span[found] as usize].1)
    }

    /// Every expression type, in the order the checks met them.
    pub fn types(&self) -> &[(Span, Type)] {
        &self.types
    }

    fn index(&self) -> &Index {
        self.index.get_or_init(|| {
            let mut refs_by_span: Vec<u32> = (0..self.refs.len() as u32).collect();
            refs_by_span.sort_by_key(|&r| self.refs[r as usize].span);
            let mut defs_by_name: Vec<DefId> = self
                .defs()
                .filter(|(_, d)| d.name.is_some())
                .map(|(id, _)| id)
                .collect();
            defs_by_name.sort_by_key(|id| self.def(*id).name);
            let mut offsets = vec![0u32; self.defs.len() + 1];
            for r in &self.refs {
                offsets[r.def.0 as usize + 1] += 1;
            }
            for i in 1..offsets.len() {
                offsets[i] += offsets[i - 1];
            }
            let mut fill = offsets.clone();
            let mut by_def = vec![0u32; self.refs.len()];
            for &r in &refs_by_span {
                let d = self.refs[r as usize].def.0 as usize;
                by_def[fill[d] as usize] = r;
                fill[d] += 1;
            }
            let mut types_by_span: Vec<u32> = (0..self.types.len() as u32).collect();
            types_by_span.sort_by_key(|&t| self.types[t as usize].0);
            Index {
                refs_by_span,
                defs_by_name,
                offsets,
                by_def,
                types_by_span,
            }
        })
    }
}
