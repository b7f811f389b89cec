//! Code generation: a checked project's syntax trees → the runtime's [`Bundle`].
//!
//! It runs only on projects that checked without errors, so every name resolves. It looks no
//! name up itself: every reference is read from the [`Resolution`] the resolver kept (a name
//! that is not there is a [`CodegenError`], never a panic). This file lowers declarations;
//! [`flow`] lowers a flow's states and handlers. Declarations are sorted by name (flows, hours, queues, intents, knowledge, services) and
//! file paths by path, so the same sources give byte-identical bundles whatever order the
//! files were read in.
//!
//! Layout of a flow's code: the states in source order, each followed by nothing (its last
//! statement is a `goto`/`end`/`handoff`); then the flow-level handler blocks and the
//! escalate block. An `ask` or `menu` keeps its handler and option blocks inline, right
//! after its `wait`, jumped over on success:
//!
//! ```text
//!   load SLOT; is_set; jump_if_true AFTER      (ask only: skip when set)
//! PROMPT:
//!   say "prompt"; wait #N
//!   jump AFTER                                 (ask: the success path)
//!   [on closed / on error blocks … return]
//!   [option blocks … jump AFTER]               (menu)
//!   [retry message blocks: say …; resume]
//!   [no_match / no_input ACTION blocks … return]
//! AFTER:
//! ```

use crate::ast::{self, TypeKind};
use crate::resolve::{self, DefId, DefKind, Resolution};
use crate::source::{FileId, SourceMap, Span};
use csflow_runtime::bundle::{self as rt, Bundle, Interner, Loc, NO_FILE, SlotType, StrId};
use rustc_hash::FxHashMap;
use std::collections::BTreeMap;
use std::fmt;

mod flow;

/// A name that did not resolve or a construct codegen cannot lower (the checks should have
/// reported it first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodegenError {
    pub message: String,
    pub span: Option<Span>,
}

impl fmt::Display for CodegenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "code generation: {}", self.message)
    }
}

impl std::error::Error for CodegenError {}

type Result<T> = std::result::Result<T, CodegenError>;

fn error<T>(message: impl Into<String>, span: Span) -> Result<T> {
    Err(CodegenError {
        message: message.into(),
        span: Some(span),
    })
}

/// Lowers an analysed project (checked without errors) into one bundle, reading names from
/// its kept resolution.
pub fn generate_analysis(analysis: &crate::Analysis) -> Result<Bundle> {
    let files = analysis.files.iter().map(|(_, f)| f);
    generate_resolved(files, &analysis.sources, &analysis.resolution)
}

/// [`generate_analysis`], with source paths stored relative to the project `root`
/// (normalised, `/` separators), so builds from another folder or with another spelling of
/// the paths (`./ex`, `ex//bank/..`, an absolute path) give the same bytes.
pub fn generate_analysis_in(analysis: &crate::Analysis, root: &std::path::Path) -> Result<Bundle> {
    let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let sources = analysis.sources.renamed(|path| relative_to(&root, path));
    let files = analysis.files.iter().map(|(_, f)| f);
    generate_resolved(files, &sources, &analysis.resolution)
}

/// `path` relative to the canonical folder `root`, with `/` separators: `bank/bank.csflow`,
/// or `../shared/q.csflow` for a folder `[imports] allow`s. A path that cannot be resolved
/// is kept normalised as given.
fn relative_to(root: &std::path::Path, path: &str) -> String {
    let Ok(real) = std::fs::canonicalize(path) else {
        return crate::analysis::normalize(std::path::Path::new(path))
            .to_string_lossy()
            .replace('\\', "/");
    };
    let common = root
        .components()
        .zip(real.components())
        .take_while(|(a, b)| a == b)
        .count();
    let mut parts: Vec<String> = root
        .components()
        .skip(common)
        .map(|_| "..".to_string())
        .collect();
    parts.extend(
        real.components()
            .skip(common)
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

/// Lowers every file of a project (already checked without errors) into one bundle,
/// resolving its names first. With an [`crate::Analysis`] at hand, [`generate_analysis`]
/// reads the resolution it kept instead.
pub fn generate<'a>(
    files: impl IntoIterator<Item = &'a ast::File>,
    sources: &SourceMap,
) -> Result<Bundle> {
    let files: Vec<&ast::File> = files.into_iter().collect();
    // Files are known to the resolver by id; a file's id is in the spans of its items.
    let ided: Vec<(FileId, &ast::File)> = files
        .iter()
        .map(|f| {
            (
                f.items.first().map_or(FileId(u32::MAX), |i| i.span().file),
                *f,
            )
        })
        .collect();
    let (model, mut resolution, _) = resolve::resolve_files(&ided);
    // Codegen reads expression types too (the labels of enum fields): the type checks keep
    // them, their diagnostics are not wanted here.
    let (mut types, mut ignored) = (Vec::new(), Vec::new());
    for flow in &model.flows {
        crate::check::types::check(&model, flow, &mut ignored, &mut types);
    }
    drop(model);
    resolution.set_types(types);
    generate_resolved(files, sources, &resolution)
}

/// A name the checks guarantee (code is generated only for a project without errors, and
/// a name not written is a syntax error).
fn written(name: &Option<ast::Ident>, at: Span) -> Result<&ast::Ident> {
    name.as_ref().ok_or_else(|| CodegenError {
        message: "a declaration without a name reached code generation".to_string(),
        span: Some(at),
    })
}

/// Lowers `files` with the names `resolution` found in them.
pub fn generate_resolved<'a>(
    files: impl IntoIterator<Item = &'a ast::File>,
    sources: &'a SourceMap,
    resolution: &'a Resolution,
) -> Result<Bundle> {
    let mut decls = Decls::default();
    for file in files {
        for item in &file.items {
            match item {
                ast::Item::Hours(h) => decls.hours.add(resolution, &h.name, h),
                ast::Item::Queue(q) => decls.queues.add(resolution, &q.name, q),
                ast::Item::Intent(i) => decls.intents.add(resolution, &i.name, i),
                ast::Item::Service(s) => decls.services.add(resolution, &s.name, s),
                ast::Item::Knowledge(k) => decls.knowledge.add(resolution, &k.name, k),
                ast::Item::Flow(f) => decls.flows.add(resolution, &f.name, f),
                ast::Item::Import(_) | ast::Item::Test(_) | ast::Item::Error(_) => {}
            }
        }
    }
    Generator::new(decls, sources, resolution).run()
}

/// The first definitions of one kind, sorted by name (the bundle's order), and the bundle
/// index of each definition.
struct Sorted<'a, T> {
    by_name: BTreeMap<&'a str, (DefId, &'a T)>,
}

impl<T> Default for Sorted<'_, T> {
    fn default() -> Self {
        Sorted {
            by_name: BTreeMap::new(),
        }
    }
}

impl<'a, T> Sorted<'a, T> {
    /// Adds a declaration when the resolver kept it as the first definition of its name.
    fn add(&mut self, resolution: &Resolution, name: &'a Option<ast::Ident>, decl: &'a T) {
        let Some(name) = name else { return };
        let Some(id) = resolution.def_named(name.span) else {
            return;
        };
        if resolution.def(id).duplicate_of.is_none() {
            self.by_name.entry(&name.name).or_insert((id, decl));
        }
    }

    /// The declarations with their names, sorted by name.
    fn decls(&self) -> Vec<(&'a str, &'a T)> {
        self.by_name
            .iter()
            .map(|(name, (_, decl))| (*name, *decl))
            .collect()
    }

    fn ids(&self) -> impl Iterator<Item = DefId> + '_ {
        self.by_name.values().map(|(id, _)| *id)
    }
}

/// Declarations by name (sorted: the bundle's order).
#[derive(Default)]
struct Decls<'a> {
    hours: Sorted<'a, ast::Hours>,
    queues: Sorted<'a, ast::Queue>,
    intents: Sorted<'a, ast::Intent>,
    services: Sorted<'a, ast::Service>,
    knowledge: Sorted<'a, ast::Knowledge>,
    flows: Sorted<'a, ast::Flow>,
}

struct Generator<'a> {
    decls: Decls<'a>,
    resolution: &'a Resolution,
    /// A declaration's definition → its index in the bundle's table of its kind.
    index: FxHashMap<DefId, u32>,
    /// A service's definition → its declaration.
    services: FxHashMap<DefId, &'a ast::Service>,
    sources: &'a SourceMap,
    strings: Interner,
    /// Source file id → index into the bundle's file table.
    file_index: BTreeMap<u32, u32>,
    files: Vec<StrId>,
    regexes: Vec<StrId>,
}

impl<'a> Generator<'a> {
    fn new(decls: Decls<'a>, sources: &'a SourceMap, resolution: &'a Resolution) -> Generator<'a> {
        let mut index = FxHashMap::default();
        let kinds: [Vec<DefId>; 6] = [
            decls.hours.ids().collect(),
            decls.queues.ids().collect(),
            decls.intents.ids().collect(),
            decls.services.ids().collect(),
            decls.knowledge.ids().collect(),
            decls.flows.ids().collect(),
        ];
        for ids in kinds {
            for (i, id) in ids.into_iter().enumerate() {
                index.insert(id, i as u32);
            }
        }
        let services = decls.services.by_name.values().copied().collect();
        let mut generator = Generator {
            decls,
            resolution,
            index,
            services,
            sources,
            strings: Interner::default(),
            file_index: BTreeMap::new(),
            files: Vec::new(),
            regexes: Vec::new(),
        };
        // Only the files the bundle holds something of: a `*.test.csflow` file (tests only)
        // is not in a production bundle's file table.
        let d = &generator.decls;
        let used: std::collections::BTreeSet<u32> =
            (d.hours.by_name.values().map(|(_, x)| x.span.file.0))
                .chain(d.queues.by_name.values().map(|(_, x)| x.span.file.0))
                .chain(d.intents.by_name.values().map(|(_, x)| x.span.file.0))
                .chain(d.services.by_name.values().map(|(_, x)| x.span.file.0))
                .chain(d.knowledge.by_name.values().map(|(_, x)| x.span.file.0))
                .chain(d.flows.by_name.values().map(|(_, x)| x.span.file.0))
                .collect();
        let mut paths: Vec<(&str, u32)> = sources
            .files()
            .filter(|(id, _)| used.contains(&id.0))
            .map(|(id, f)| (f.path.as_str(), id.0))
            .collect();
        paths.sort();
        for (path, id) in paths {
            let index = generator.files.len() as u32;
            let path_id = generator.strings.intern(path);
            generator.files.push(path_id);
            generator.file_index.insert(id, index);
        }
        generator
    }

    fn s(&mut self, text: &str) -> StrId {
        self.strings.intern(text)
    }

    fn loc(&self, span: Span) -> Loc {
        let Some(file) = self.file_index.get(&span.file.0) else {
            return Loc {
                file: NO_FILE,
                line: 0,
                col: 0,
            };
        };
        let position = self.sources.get(span.file).line_col(span.start as usize);
        Loc {
            file: *file,
            line: position.line,
            col: position.column,
        }
    }

    fn regex(&mut self, pattern: &str) -> u32 {
        let id = self.s(pattern);
        match self.regexes.iter().position(|r| *r == id) {
            Some(i) => i as u32,
            None => {
                self.regexes.push(id);
                self.regexes.len() as u32 - 1
            }
        }
    }

    /// The definition the name written at `ident` resolved to, when it is of the kind `what`
    /// names (`"state"`, `"queue"`…, as the error says it).
    fn resolved(&self, ident: &ast::Ident, what: &str, ok: fn(DefKind) -> bool) -> Result<DefId> {
        match self.resolution.target(ident.span) {
            Some(id) if ok(self.resolution.def(id).kind) => Ok(id),
            _ => error(format!("unknown {what} `{}`", ident.name), ident.span),
        }
    }

    /// The bundle index of the declaration a reference at `ident` resolved to.
    fn lookup(&self, ident: &ast::Ident, what: &str, ok: fn(DefKind) -> bool) -> Result<u32> {
        let id = self.resolved(ident, what, ok)?;
        match self.index.get(&id) {
            Some(index) => Ok(*index),
            None => error(format!("unknown {what} `{}`", ident.name), ident.span),
        }
    }

    fn run(mut self) -> Result<Bundle> {
        let hours = self
            .decls
            .hours
            .decls()
            .into_iter()
            .map(|(name, h)| self.hours(name, h))
            .collect::<Result<Vec<_>>>()?;
        let mut queues = Vec::new();
        for (name, q) in self.decls.queues.decls() {
            let hours = match &q.hours {
                Some(name) => Some(self.lookup(name, "hours", |k| k == DefKind::Hours)?),
                None => None,
            };
            let name = self.s(name);
            let skills = q.skills.iter().map(|s| self.s(&s.plain_text())).collect();
            queues.push(rt::Queue {
                name,
                hours,
                skills,
            });
        }
        let intents = self
            .decls
            .intents
            .decls()
            .into_iter()
            .map(|(name, i)| rt::Intent {
                name: self.s(name),
                examples: i.examples.iter().map(|e| self.s(&e.plain_text())).collect(),
            })
            .collect();
        let knowledge = self
            .decls
            .knowledge
            .decls()
            .into_iter()
            .map(|(name, k)| {
                Ok(rt::KnowledgeBase {
                    name: self.s(name),
                    entries: k
                        .entries
                        .iter()
                        .map(|e| {
                            Ok(rt::KnowledgeEntry {
                                name: self.s(&written(&e.name, e.span)?.name),
                                questions: e
                                    .questions
                                    .iter()
                                    .map(|q| self.s(&q.plain_text()))
                                    .collect(),
                                answer: self.s(&e
                                    .answer
                                    .as_ref()
                                    .map(|a| a.plain_text())
                                    .unwrap_or_default()),
                                tags: e.tags.iter().map(|t| self.s(&t.plain_text())).collect(),
                            })
                        })
                        .collect::<Result<Vec<_>>>()?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let mut services = Vec::new();
        for (service_name, service) in self.decls.services.decls() {
            let mut operations = Vec::new();
            for op in &service.operations {
                let params = op
                    .params
                    .iter()
                    .map(|f| self.field(f))
                    .collect::<Result<Vec<_>>>()?;
                let returns = op
                    .returns
                    .iter()
                    .map(|f| self.field(f))
                    .collect::<Result<Vec<_>>>()?;
                operations.push(rt::Operation {
                    name: self.s(&written(&op.name, op.span)?.name),
                    params,
                    returns,
                });
            }
            let timeout_ms = service
                .timeout
                .as_ref()
                .map(|t| t.millis.min(u32::MAX as u64) as u32)
                .unwrap_or(0);
            services.push(rt::Service {
                name: self.s(service_name),
                timeout_ms,
                operations,
            });
        }
        let flows = self
            .decls
            .flows
            .decls()
            .into_iter()
            .map(|(name, f)| flow::FlowGen::new(&mut self, name, f)?.run())
            .collect::<Result<Vec<_>>>()?;
        Ok(Bundle {
            compiler_version: env!("CARGO_PKG_VERSION").to_string(),
            strings: self.strings.into_strings(),
            files: self.files,
            regexes: self.regexes,
            hours,
            queues,
            intents,
            knowledge,
            services,
            flows,
            models: Default::default(),
        })
    }

    fn hours(&mut self, name: &str, h: &ast::Hours) -> Result<rt::Hours> {
        // Without a `timezone` line the hours are read in UTC (docs/language.md).
        let zone = h
            .timezone
            .as_ref()
            .map_or_else(|| "UTC".to_string(), |z| z.plain_text());
        let mut weekly = Vec::new();
        for line in &h.weekly {
            let (first, last) = (line.first_day.index(), line.last_day.index());
            let days: Vec<usize> = if first <= last {
                (first..=last).collect()
            } else {
                (first..7).chain(0..=last).collect()
            };
            for day in days {
                for range in &line.ranges {
                    weekly.push(rt::WeeklyRange {
                        day: day as u8,
                        start: time(range.start),
                        end: time(range.end),
                    });
                }
            }
        }
        let closed = h
            .closed
            .iter()
            .map(|c| rt::DateRange {
                first: date(c.first),
                last: date(c.last),
            })
            .collect();
        Ok(rt::Hours {
            name: self.s(name),
            timezone: self.s(&zone),
            weekly,
            closed,
        })
    }

    fn field(&mut self, field: &ast::Field) -> Result<rt::Field> {
        Ok(rt::Field {
            name: self.s(&field.name.name),
            ty: self.slot_type(&field.ty)?,
        })
    }

    fn slot_type(&mut self, ty: &ast::TypeExpr) -> Result<SlotType> {
        Ok(match &ty.kind {
            TypeKind::Text => SlotType::Text,
            TypeKind::Number => SlotType::Number,
            TypeKind::Integer => SlotType::Integer,
            TypeKind::Digits { min, max } => SlotType::Digits {
                min: *min,
                max: *max,
            },
            TypeKind::YesNo => SlotType::YesNo,
            TypeKind::Date => SlotType::Date,
            TypeKind::Time => SlotType::Time,
            TypeKind::Email => SlotType::Email,
            TypeKind::Phone => SlotType::Phone,
            TypeKind::Bool => SlotType::Bool,
            TypeKind::Enum(values) if values.iter().all(|v| v.label.is_none()) => {
                SlotType::Enum(values.iter().map(|v| self.s(&v.name.name)).collect())
            }
            TypeKind::Enum(values) => SlotType::LabelledEnum(
                values
                    .iter()
                    .map(|v| rt::EnumValue {
                        name: self.s(&v.name.name),
                        label: v.label.as_ref().map(|l| self.s(&l.plain_text())),
                    })
                    .collect(),
            ),
            TypeKind::TextMatching(regex) => SlotType::Matching(self.regex(&regex.pattern)),
            TypeKind::List(element) => SlotType::List(Box::new(self.slot_type(element)?)),
            TypeKind::Record(fields) => SlotType::Fields(
                fields
                    .iter()
                    .map(|f| {
                        Ok(rt::Field {
                            name: self.s(&f.name.name),
                            ty: self.slot_type(&f.ty)?,
                        })
                    })
                    .collect::<Result<_>>()?,
            ),
            TypeKind::Unknown(name) => return error(format!("unknown type `{name}`"), ty.span),
            TypeKind::Missing => return error("a slot without a type".to_string(), ty.span),
        })
    }
}

fn time(t: ast::Time) -> rt::Time {
    rt::Time {
        hour: t.hour.min(24) as u8,
        minute: t.minute.min(59) as u8,
    }
}

fn date(d: ast::Date) -> rt::Date {
    rt::Date {
        year: d.year,
        month: d.month.min(12) as u8,
        day: d.day.min(31) as u8,
    }
}

#[cfg(test)]
mod tests;
