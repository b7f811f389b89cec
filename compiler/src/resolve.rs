//! Names → declarations across a project (the resolved model).
//!
//! Declarations are global per kind; states, slots and `into` results are per flow. The
//! first definition of a name wins, later ones get `duplicate-definition`, and every unknown
//! reference gets exactly one `unknown-*` diagnostic (with a "did you mean").

mod resolution;

pub use resolution::{Def, DefId, DefKind, Reference, Resolution, Type};

use crate::ast::*;
use crate::diagnostic::ids;
use crate::diagnostic::{CheckId, Diagnostic};
use crate::source::{FileId, Span};
use crate::suggest;
use crate::visit;
use csflow_runtime::builtins::{BUILTINS, BuiltinName};
use hashbrown::HashTable;
use rustc_hash::FxHashMap;

/// The channel names an expression may compare `channel` with.
pub const CHANNELS: [&str; 3] = ["voice", "chat", "any"];

/// The names of the expression built-ins (slots and results may not take these names), in
/// the order messages list them; the table itself is the runtime's [`BUILTINS`].
pub fn builtin_names() -> impl Iterator<Item = &'static str> + Clone {
    BUILTINS.iter().map(|b| b.name)
}

fn is_builtin(name: &str) -> bool {
    builtin_names().any(|b| b == name)
}

/// The [`DefId`] of the built-in at `position` in [`BUILTINS`] (built-ins come first).
fn builtin_id(position: usize) -> DefId {
    DefId(position as u32)
}

/// The [`DefId`] of a channel name (right after the built-ins).
fn channel_id(position: usize) -> DefId {
    DefId((BUILTINS.len() + position) as u32)
}

/// The position of `item` in `slice`, when it is one of its elements (found by address, so
/// no names are compared: the tables hand out references into the syntax tree).
fn index_in<T>(slice: &[T], item: &T) -> Option<usize> {
    let size = std::mem::size_of::<T>().max(1);
    let base = slice.as_ptr() as usize;
    let at = item as *const T as usize;
    let offset = at.checked_sub(base)?;
    (offset % size == 0 && offset / size < slice.len()).then_some(offset / size)
}

/// Declarations of one kind by name, in source order (first definition only).
#[derive(Debug)]
pub struct Table<'a, T> {
    /// Indexes into `order`, hashed by the declaration's name: 4 bytes a declaration where a
    /// map from name to declaration held 32, and a generated project can have millions.
    by_name: HashTable<u32>,
    order: Vec<(&'a T, DefId)>,
}

impl<'a, T> Default for Table<'a, T> {
    fn default() -> Self {
        Table {
            by_name: HashTable::new(),
            order: Vec::new(),
        }
    }
}

fn hash_name(name: &str) -> u64 {
    use std::hash::BuildHasher;
    rustc_hash::FxBuildHasher.hash_one(name)
}

/// The name a table holds a declaration under (only named ones are added).
fn table_name<T: Named>(decl: &T) -> &str {
    decl.name().map_or("", |name| name.name.as_str())
}

impl<'a, T: Named> Table<'a, T> {
    pub fn get(&self, name: &str) -> Option<&'a T> {
        self.get_def(name).map(|(decl, _)| decl)
    }

    /// The declaration called `name` and its definition.
    pub fn get_def(&self, name: &str) -> Option<(&'a T, DefId)> {
        let order = &self.order;
        self.by_name
            .find(hash_name(name), |&i| {
                table_name(order[i as usize].0) == name
            })
            .map(|&i| order[i as usize])
    }

    /// Adds the first definition of a name (the caller has checked it is new).
    fn insert(&mut self, decl: &'a T, id: DefId) {
        let index = self.order.len() as u32;
        self.order.push((decl, id));
        let order = &self.order;
        self.by_name
            .insert_unique(hash_name(table_name(decl)), index, |&i| {
                hash_name(table_name(order[i as usize].0))
            });
    }

    pub fn names(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.order.iter().map(|(decl, _)| table_name(*decl))
    }
}

impl<'a, T> Table<'a, T> {
    pub fn iter(&self) -> impl Iterator<Item = &'a T> + '_ {
        self.order.iter().map(|(decl, _)| *decl)
    }

    /// The declarations and their definitions, in source order.
    pub fn iter_defs(&self) -> impl Iterator<Item = (&'a T, DefId)> + '_ {
        self.order.iter().copied()
    }

    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }
}

/// A name introduced by `call … into NAME` or by a menu's `options from … into NAME`.
#[derive(Debug, Clone, Copy)]
pub struct ResultName<'a> {
    pub name: &'a Ident,
    /// The call that sets it; `None` for the item picked from `options from`.
    pub call: Option<&'a Call>,
    /// The declared operation, when the call resolved.
    pub operation: Option<&'a Operation>,
    /// The record's fields: the operation's result, or the fields of the list's items.
    pub fields: Option<&'a [Field]>,
    pub id: DefId,
}

/// The `item` of one `options from` (the name its label reads each item through).
#[derive(Debug, Clone, Copy)]
pub struct ItemScope<'a> {
    pub options: &'a DynamicOptions,
    /// The fields of the list's items, when the list's type is known.
    pub fields: Option<&'a [Field]>,
    pub id: DefId,
}

/// The name the label of `options from` reads each item through.
pub const ITEM: &str = "item";

#[derive(Debug)]
pub struct FlowModel<'a> {
    pub flow: &'a Flow,
    pub id: DefId,
    pub states: FxHashMap<&'a str, &'a State>,
    pub slots: FxHashMap<&'a str, &'a Slot>,
    pub results: FxHashMap<&'a str, ResultName<'a>>,
    /// The `item` of every `options from`, in source order.
    pub items: Vec<ItemScope<'a>>,
    /// `DefId` of `flow.states[0]`; the states' definitions are consecutive.
    state_base: u32,
    /// `DefId` of `flow.slots[0]`; the slots' definitions are consecutive.
    slot_base: u32,
    /// `DefId` of the first enum value of the first enum slot; consecutive in source order.
    enum_base: u32,
}

impl<'a> FlowModel<'a> {
    /// Is `name` the value of one of this flow's `enum` slots (`plan == premium`)?
    pub fn is_enum_value(&self, name: &str) -> bool {
        self.enum_value(name).is_some()
    }

    /// The definition of the first enum value called `name`.
    pub fn enum_value(&self, name: &str) -> Option<DefId> {
        let mut id = self.enum_base;
        for slot in &self.flow.slots {
            if let TypeKind::Enum(values) = &slot.ty.kind {
                for value in values {
                    if value.name.name == name {
                        return Some(DefId(id));
                    }
                    id += 1;
                }
            }
        }
        None
    }

    /// The `options from` whose label holds `span`: there `item` is its item.
    pub fn item_at(&self, span: Span) -> Option<&ItemScope<'a>> {
        self.items.iter().find(|item| {
            let label = item.options.label.span;
            label.file == span.file && label.start <= span.start && span.end <= label.end
        })
    }

    pub fn state_index(&self, name: &str) -> Option<usize> {
        index_in(&self.flow.states, self.states.get(name)?)
    }

    /// The definition of a state of this flow (from [`FlowModel::states`]).
    pub fn state_id(&self, state: &State) -> Option<DefId> {
        index_in(&self.flow.states, state).map(|i| DefId(self.state_base + i as u32))
    }

    /// The definition of a slot of this flow (from [`FlowModel::slots`]).
    pub fn slot_id(&self, slot: &Slot) -> Option<DefId> {
        index_in(&self.flow.slots, slot).map(|i| DefId(self.slot_base + i as u32))
    }
}

#[derive(Debug, Default)]
pub struct Model<'a> {
    pub hours: Table<'a, Hours>,
    pub queues: Table<'a, Queue>,
    pub intents: Table<'a, Intent>,
    pub services: Table<'a, Service>,
    pub knowledge: Table<'a, Knowledge>,
    pub flows: Vec<FlowModel<'a>>,
    pub tests: Vec<&'a Test>,
    /// `(keyword, name)` of declarations that did not parse.
    pub broken: std::collections::HashSet<(String, String)>,
    flow_index: FxHashMap<&'a str, usize>,
    /// Service definition → definition of its first operation (consecutive).
    operations: FxHashMap<DefId, u32>,
    /// Operation definition → definitions of its first parameter and first result field.
    fields: FxHashMap<DefId, (u32, u32)>,
}

impl<'a> Model<'a> {
    pub fn flow(&self, name: &str) -> Option<&FlowModel<'a>> {
        self.flows.get(*self.flow_index.get(name)?)
    }

    pub fn operation(&self, service: &str, operation: &str) -> Option<&'a Operation> {
        self.operation_def(service, operation).map(|(op, _)| op)
    }

    /// The declared operation `service.operation` and its definition.
    pub fn operation_def(&self, service: &str, operation: &str) -> Option<(&'a Operation, DefId)> {
        let (declared, service_id) = self.services.get_def(service)?;
        let (index, op) = declared
            .operations
            .iter()
            .enumerate()
            .find(|(_, o)| o.name.as_ref().is_some_and(|n| n.name == operation))?;
        let first = self.operations.get(&service_id)?;
        Some((op, DefId(first + index as u32)))
    }

    /// The definition of the parameter (or, with `returns`, the result field) `name` of an
    /// operation.
    pub fn field_def(
        &self,
        op: &Operation,
        op_id: DefId,
        name: &str,
        returns: bool,
    ) -> Option<DefId> {
        let (params, results) = self.fields.get(&op_id)?;
        let (list, base) = if returns {
            (&op.returns, results)
        } else {
            (&op.params, params)
        };
        let index = list.iter().position(|f| f.name.name == name)?;
        Some(DefId(base + index as u32))
    }
}

/// What a bare name in an expression refers to.
#[derive(Debug, Clone, Copy)]
pub enum NameRef<'a> {
    Slot(&'a Slot),
    Result(ResultName<'a>),
    Builtin(&'static BuiltinName),
    EnumValue,
    /// `voice`, `chat`, `any`, for `channel == voice`.
    ChannelName,
    Unknown,
}

pub fn lookup_name<'a>(flow: &FlowModel<'a>, name: &str) -> NameRef<'a> {
    if let Some(slot) = flow.slots.get(name) {
        return NameRef::Slot(slot);
    }
    if let Some(result) = flow.results.get(name) {
        return NameRef::Result(*result);
    }
    if let Some(builtin) = csflow_runtime::builtins::lookup(name) {
        return NameRef::Builtin(builtin);
    }
    if flow.is_enum_value(name) {
        return NameRef::EnumValue;
    }
    if CHANNELS.contains(&name) {
        return NameRef::ChannelName;
    }
    NameRef::Unknown
}

/// The definition a bare name in an expression of `flow` refers to (see [`lookup_name`]).
pub fn name_def(flow: &FlowModel, name: &str) -> Option<DefId> {
    if let Some(slot) = flow.slots.get(name) {
        return flow.slot_id(slot);
    }
    if let Some(result) = flow.results.get(name) {
        return Some(result.id);
    }
    if let Some(position) = BUILTINS.iter().position(|b| b.name == name) {
        return Some(builtin_id(position));
    }
    if let Some(value) = flow.enum_value(name) {
        return Some(value);
    }
    CHANNELS.iter().position(|c| *c == name).map(channel_id)
}

/// The fields of the records a list expression holds (`result.flights` declared
/// `flights: list of { number: text, … }`), read from the declarations along its path.
fn list_item_fields<'a>(flow: &FlowModel<'a>, list: &Expr) -> Option<&'a [Field]> {
    match &record_type_of(flow, list)? {
        TypeOf::List(TypeKind::Record(fields)) => Some(fields),
        _ => None,
    }
}

enum TypeOf<'a> {
    Record(&'a [Field]),
    List(&'a TypeKind),
}

/// What a name or field path holds, as far as records and lists go.
fn record_type_of<'a>(flow: &FlowModel<'a>, expr: &Expr) -> Option<TypeOf<'a>> {
    let of_kind = |kind: &'a TypeKind| match kind {
        TypeKind::Record(fields) => Some(TypeOf::Record(fields)),
        TypeKind::List(element) => Some(TypeOf::List(&element.kind)),
        _ => None,
    };
    match &expr.kind {
        ExprKind::Name(name) => {
            if let Some(result) = flow.results.get(name.name.as_str()) {
                return result.fields.map(TypeOf::Record);
            }
            of_kind(&flow.slots.get(name.name.as_str())?.ty.kind)
        }
        ExprKind::Field(base, field) => match record_type_of(flow, base)? {
            TypeOf::Record(fields) => {
                of_kind(&fields.iter().find(|f| f.name.name == field.name)?.ty.kind)
            }
            TypeOf::List(_) => None,
        },
        ExprKind::Paren(inner) => record_type_of(flow, inner),
        _ => None,
    }
}

struct Resolver<'a> {
    model: Model<'a>,
    diagnostics: Vec<Diagnostic>,
    defs: Vec<Def>,
    refs: Vec<Reference>,
}

/// A top-level declaration with a name.
pub trait Named {
    /// `None` for a declaration whose name was not written.
    fn name(&self) -> Option<&Ident>;
    fn span(&self) -> Span;
}

macro_rules! named {
    ($($ty:ty),*) => {
        $(impl Named for $ty {
            fn name(&self) -> Option<&Ident> {
                self.name.as_ref()
            }
            fn span(&self) -> Span {
                self.span
            }
        })*
    };
}

named!(Hours, Queue, Intent, Service, Knowledge);

/// A definition; one is made for a declaration without a name too, so that the
/// definitions of siblings stay consecutive.
fn new_def(defs: &mut Vec<Def>, kind: DefKind, name: Option<&Ident>, span: Span) -> DefId {
    let id = DefId(defs.len() as u32);
    defs.push(Def {
        kind,
        name: name.map(|n| n.span),
        span: Some(span),
        parent: None,
        index: 0,
        duplicate_of: None,
    });
    id
}

/// A child definition (`index` among its siblings, under `parent`).
fn child_def(
    defs: &mut Vec<Def>,
    kind: DefKind,
    name: Option<&Ident>,
    span: Span,
    parent: DefId,
    index: usize,
) -> DefId {
    let id = new_def(defs, kind, name, span);
    defs[id.0 as usize].parent = Some(parent);
    defs[id.0 as usize].index = index as u32;
    id
}

fn declare<'a, T: Named>(
    table: &mut Table<'a, T>,
    kind: &str,
    decl: &'a T,
    id: DefId,
    defs: &mut [Def],
    diagnostics: &mut Vec<Diagnostic>,
) {
    let Some(name) = decl.name() else {
        return;
    };
    if let Some((first, first_id)) = table.get_def(name.name.as_str()) {
        let first_span = first.name().map_or(first.span(), |n| n.span);
        diagnostics.push(duplicate(kind, name, first_span));
        defs[id.0 as usize].duplicate_of = Some(first_id);
        return;
    }
    table.insert(decl, id);
}

fn duplicate(kind: &str, name: &Ident, first: Span) -> Diagnostic {
    Diagnostic::new(
        ids::DUPLICATE_DEFINITION,
        name.span,
        format!("the {kind} `{}` is defined more than once", name.name),
    )
    .with_primary_message(format!("second definition of `{}`", name.name))
    .with_label(first, "first defined here")
    .with_note(format!(
        "rename one of them, or remove the copy: {kind} names must be unique"
    ))
}

/// An `unknown-*` diagnostic, or `None` when the name belongs to a declaration that did not
/// parse (its syntax error already covers this reference).
fn unknown<'n>(
    model: &Model,
    check: crate::diagnostic::CheckId,
    kind: &str,
    name: &Ident,
    candidates: impl IntoIterator<Item = &'n str>,
) -> Option<Diagnostic> {
    let keyword = match kind {
        "knowledge base" => "knowledge",
        "operation" => "service",
        other => other,
    };
    if model
        .broken
        .contains(&(keyword.to_string(), name.name.clone()))
    {
        return None;
    }
    let mut diagnostic =
        Diagnostic::new(check, name.span, format!("unknown {kind} `{}`", name.name))
            .with_primary_message(format!("no {kind} is called `{}`", name.name));
    if let Some(suggestion) = suggest::closest(&name.name, candidates) {
        diagnostic = diagnostic.with_note(format!("did you mean `{suggestion}`?"));
    }
    Some(diagnostic)
}

/// Resolves every name of a project. `files` is every parsed file, imports included.
pub fn resolve(files: &[(FileId, File)]) -> (Model<'_>, Resolution, Vec<Diagnostic>) {
    let files: Vec<(FileId, &File)> = files.iter().map(|(id, f)| (*id, f)).collect();
    resolve_files(&files)
}

/// [`resolve`] on borrowed files.
pub fn resolve_files<'a>(files: &[(FileId, &'a File)]) -> (Model<'a>, Resolution, Vec<Diagnostic>) {
    let mut resolver = Resolver {
        model: Model::default(),
        diagnostics: Vec::new(),
        defs: Vec::new(),
        refs: Vec::new(),
    };
    for builtin in BUILTINS.iter() {
        resolver.defs.push(fixed_def(DefKind::Builtin(builtin)));
    }
    for channel in CHANNELS {
        resolver.defs.push(fixed_def(DefKind::Channel(channel)));
    }
    for (id, _) in files {
        let mut def = fixed_def(DefKind::File(*id));
        def.span = Some(Span::new(*id, 0, 0));
        resolver.defs.push(def);
    }
    resolver.model.broken = files
        .iter()
        .flat_map(|(_, f)| &f.broken)
        .map(|b| (b.keyword.clone(), b.name.name.clone()))
        .collect();
    resolver.declare_globals(files);
    resolver.check_globals();
    let flows = files
        .iter()
        .flat_map(|(_, f)| &f.items)
        .filter_map(|item| match item {
            Item::Flow(flow) => Some(flow),
            _ => None,
        });
    for flow in flows {
        let Some(flow_name) = &flow.name else {
            continue;
        };
        let id = new_def(
            &mut resolver.defs,
            DefKind::Flow,
            Some(flow_name),
            flow.span,
        );
        if let Some(first) = resolver.model.flow(&flow_name.name) {
            let first_span = first.flow.name.as_ref().map_or(first.flow.span, |n| n.span);
            let first_id = first.id;
            resolver
                .diagnostics
                .push(duplicate("flow", flow_name, first_span));
            resolver.defs[id.0 as usize].duplicate_of = Some(first_id);
            continue;
        }
        let flow_model = resolver.flow_model(flow, id);
        resolver.check_flow(&flow_model);
        let index = resolver.model.flows.len();
        resolver.model.flow_index.insert(&flow_name.name, index);
        resolver.model.flows.push(flow_model);
    }
    resolver.check_tests();
    let resolution = Resolution::new(resolver.defs, resolver.refs);
    (resolver.model, resolution, resolver.diagnostics)
}

/// A definition that is not written anywhere (built-ins, channel names, files).
fn fixed_def(kind: DefKind) -> Def {
    Def {
        kind,
        name: None,
        span: None,
        parent: None,
        index: 0,
        duplicate_of: None,
    }
}

fn reference(span: Span, def: DefId) -> Reference {
    Reference {
        span,
        def,
        in_test: false,
    }
}

impl<'a> Resolver<'a> {
    fn declare_globals(&mut self, files: &[(FileId, &'a File)]) {
        let model = &mut self.model;
        let diagnostics = &mut self.diagnostics;
        let defs = &mut self.defs;
        for (_, file) in files {
            for item in &file.items {
                match item {
                    Item::Hours(h) => {
                        let id = new_def(defs, DefKind::Hours, h.name.as_ref(), h.span);
                        declare(&mut model.hours, "hours", h, id, defs, diagnostics)
                    }
                    Item::Queue(q) => {
                        let id = new_def(defs, DefKind::Queue, q.name.as_ref(), q.span);
                        declare(&mut model.queues, "queue", q, id, defs, diagnostics)
                    }
                    Item::Intent(i) => {
                        let id = new_def(defs, DefKind::Intent, i.name.as_ref(), i.span);
                        declare(&mut model.intents, "intent", i, id, defs, diagnostics)
                    }
                    Item::Service(s) => {
                        let id = new_def(defs, DefKind::Service, s.name.as_ref(), s.span);
                        declare(&mut model.services, "service", s, id, defs, diagnostics);
                        let first_op = defs.len() as u32;
                        for (i, op) in s.operations.iter().enumerate() {
                            child_def(defs, DefKind::Operation, op.name.as_ref(), op.span, id, i);
                        }
                        model.operations.insert(id, first_op);
                        for (i, op) in s.operations.iter().enumerate() {
                            let op_id = DefId(first_op + i as u32);
                            let params = defs.len() as u32;
                            for (j, field) in op.params.iter().enumerate() {
                                child_def(
                                    defs,
                                    DefKind::Param,
                                    Some(&field.name),
                                    field.span,
                                    op_id,
                                    j,
                                );
                            }
                            let returns = defs.len() as u32;
                            for (j, field) in op.returns.iter().enumerate() {
                                let kind = DefKind::ReturnField;
                                child_def(defs, kind, Some(&field.name), field.span, op_id, j);
                            }
                            model.fields.insert(op_id, (params, returns));
                        }
                    }
                    Item::Knowledge(k) => {
                        let id = new_def(defs, DefKind::Knowledge, k.name.as_ref(), k.span);
                        declare(
                            &mut model.knowledge,
                            "knowledge base",
                            k,
                            id,
                            defs,
                            diagnostics,
                        )
                    }
                    Item::Test(t) => model.tests.push(t),
                    Item::Import(_) | Item::Flow(_) | Item::Error(_) => {}
                }
            }
        }
        // Names inside declarations: operations of a service, entries of a knowledge base.
        for service in model.services.iter() {
            let mut ops: FxHashMap<&str, Span> = FxHashMap::default();
            for name in service.operations.iter().filter_map(|op| op.name.as_ref()) {
                if let Some(first) = ops.insert(&name.name, name.span) {
                    diagnostics.push(duplicate("operation", name, first));
                }
            }
        }
        for kb in model.knowledge.iter() {
            let mut entries: FxHashMap<&str, Span> = FxHashMap::default();
            for name in kb.entries.iter().filter_map(|e| e.name.as_ref()) {
                if let Some(first) = entries.insert(&name.name, name.span) {
                    diagnostics.push(duplicate("knowledge entry", name, first));
                }
            }
        }
        let mut tests: FxHashMap<String, Span> = FxHashMap::default();
        for test in &model.tests {
            let name = test.name.plain_text();
            if let Some(first) = tests.get(&name) {
                let ident = Ident {
                    name: name.clone(),
                    span: test.name.span,
                };
                diagnostics.push(duplicate("test", &ident, *first));
            } else {
                tests.insert(name, test.name.span);
            }
        }
    }

    fn check_globals(&mut self) {
        for queue in self.model.queues.iter() {
            let Some(hours) = &queue.hours else { continue };
            global_ref(
                &self.model,
                &self.model.hours,
                &mut self.refs,
                &mut self.diagnostics,
                hours,
                (ids::UNKNOWN_HOURS, "hours"),
            )
        }
    }

    fn flow_model(&mut self, flow: &'a Flow, id: DefId) -> FlowModel<'a> {
        let state_base = self.defs.len() as u32;
        for (i, state) in flow.states.iter().enumerate() {
            child_def(
                &mut self.defs,
                DefKind::State,
                state.name.as_ref(),
                state.span,
                id,
                i,
            );
        }
        let slot_base = self.defs.len() as u32;
        for (i, slot) in flow.slots.iter().enumerate() {
            child_def(
                &mut self.defs,
                DefKind::Slot,
                slot.name.as_ref(),
                slot.span,
                id,
                i,
            );
        }
        let enum_base = self.defs.len() as u32;
        for (i, slot) in flow.slots.iter().enumerate() {
            if let TypeKind::Enum(values) = &slot.ty.kind {
                for (j, value) in values.iter().enumerate() {
                    let parent = DefId(slot_base + i as u32);
                    child_def(
                        &mut self.defs,
                        DefKind::EnumValue,
                        Some(&value.name),
                        value.name.span,
                        parent,
                        j,
                    );
                }
            }
        }
        let mut model = FlowModel {
            flow,
            id,
            states: FxHashMap::default(),
            slots: FxHashMap::default(),
            results: FxHashMap::default(),
            items: Vec::new(),
            state_base,
            slot_base,
            enum_base,
        };
        // The tables hold named declarations only (so a first definition has a name).
        let first_span = |name: &Option<Ident>, span: Span| name.as_ref().map_or(span, |n| n.span);
        for (i, state) in flow.states.iter().enumerate() {
            let Some(name) = &state.name else { continue };
            if let Some(first) = model.states.get(name.name.as_str()) {
                let first_at = first_span(&first.name, first.span);
                self.diagnostics.push(duplicate("state", name, first_at));
                self.defs[state_base as usize + i].duplicate_of = model.state_id(first);
            } else {
                model.states.insert(&name.name, state);
            }
        }
        for (i, slot) in flow.slots.iter().enumerate() {
            let Some(name) = &slot.name else { continue };
            if is_builtin(&name.name) {
                self.diagnostics.push(reserved(name, "slot"));
            } else if let Some(first) = model.slots.get(name.name.as_str()) {
                let first_at = first_span(&first.name, first.span);
                self.diagnostics.push(duplicate("slot", name, first_at));
                self.defs[slot_base as usize + i].duplicate_of = model.slot_id(first);
            } else {
                model.slots.insert(&name.name, slot);
            }
        }
        // `into` names: one name may be set by several calls of the same operation (a retry
        // in another state); a clash with a slot or a different operation is a duplicate.
        let mut calls: Vec<(&'a Call, Span)> = Vec::new();
        let mut dynamic: Vec<&'a DynamicOptions> = Vec::new();
        visit::each_flow_stmt(flow, &mut |stmt| match &stmt.kind {
            StmtKind::Call(call) => calls.push((call, stmt.span)),
            StmtKind::Menu(menu) => dynamic.extend(menu.dynamic.as_deref()),
            _ => {}
        });
        for (call, span) in calls {
            let Some(into) = &call.into else { continue };
            if is_builtin(&into.name) {
                self.diagnostics.push(reserved(into, "result"));
                continue;
            }
            if let Some(slot) = model.slots.get(into.name.as_str()) {
                let first_at = first_span(&slot.name, slot.span);
                self.diagnostics
                    .push(duplicate("slot or result", into, first_at));
                continue;
            }
            let operation = self
                .model
                .operation(&call.service.name, &call.operation.name);
            match model.results.get(into.name.as_str()) {
                Some(first)
                    if first.call.is_none_or(|c| {
                        c.service.name != call.service.name
                            || c.operation.name != call.operation.name
                    }) =>
                {
                    self.diagnostics.push(
                        duplicate("result", into, first.name.span)
                            .with_note("one `into` name holds the result of one operation"),
                    );
                }
                Some(first) => self.refs.push(reference(into.span, first.id)),
                None => {
                    let index = model.results.len();
                    let result =
                        child_def(&mut self.defs, DefKind::Result, Some(into), span, id, index);
                    model.results.insert(
                        &into.name,
                        ResultName {
                            name: into,
                            call: Some(call),
                            operation,
                            // A broken result record: its fields are unknown.
                            fields: operation
                                .filter(|op| !op.broken)
                                .map(|op| op.returns.as_slice()),
                            id: result,
                        },
                    );
                }
            }
        }
        // `options from LIST … into NAME`: NAME holds the picked item, `item` each item in
        // the label; both are records of the list's item fields.
        for options in dynamic {
            let fields = list_item_fields(&model, &options.list);
            let index = model.items.len();
            let item_name = Ident {
                name: ITEM.to_string(),
                span: options.label.span,
            };
            let item = child_def(
                &mut self.defs,
                DefKind::Result,
                Some(&item_name),
                options.span,
                id,
                index,
            );
            model.items.push(ItemScope {
                options,
                fields,
                id: item,
            });
            let into = &options.into;
            if is_builtin(&into.name) {
                self.diagnostics.push(reserved(into, "result"));
                continue;
            }
            if let Some(slot) = model.slots.get(into.name.as_str()) {
                let first_at = first_span(&slot.name, slot.span);
                self.diagnostics
                    .push(duplicate("slot or result", into, first_at));
                continue;
            }
            if let Some(first) = model.results.get(into.name.as_str()) {
                self.diagnostics.push(
                    duplicate("result", into, first.name.span)
                        .with_note("one `into` name holds the picked item of one menu"),
                );
                continue;
            }
            let index = model.results.len();
            let result = child_def(
                &mut self.defs,
                DefKind::Result,
                Some(into),
                options.span,
                id,
                index,
            );
            model.results.insert(
                &into.name,
                ResultName {
                    name: into,
                    call: None,
                    operation: None,
                    fields,
                    id: result,
                },
            );
        }
        model
    }

    fn check_flow(&mut self, flow: &FlowModel<'a>) {
        let state_names = || flow.states.keys().copied();
        let model = &self.model;
        let diagnostics = &mut self.diagnostics;
        let refs = &mut self.refs;
        let state_ref = |refs: &mut Vec<Reference>, state: &Ident| -> Option<Diagnostic> {
            match flow.states.get(state.name.as_str()) {
                Some(found) => {
                    refs.extend(flow.state_id(found).map(|id| reference(state.span, id)));
                    None
                }
                None => unknown(model, ids::UNKNOWN_STATE, "state", state, state_names()),
            }
        };
        if let Some(start) = &flow.flow.start {
            diagnostics.extend(state_ref(refs, start));
        }
        let slot_ref = |refs: &mut Vec<Reference>, slot: &Ident, results: bool| -> bool {
            let id = match flow.slots.get(slot.name.as_str()) {
                Some(found) => flow.slot_id(found),
                None if results => flow.results.get(slot.name.as_str()).map(|r| r.id),
                None => None,
            };
            refs.extend(id.map(|id| reference(slot.span, id)));
            id.is_some()
        };
        visit::each_flow_stmt(flow.flow, &mut |stmt| match &stmt.kind {
            StmtKind::Goto(state) => diagnostics.extend(state_ref(refs, state)),
            StmtKind::Ask(ask) => {
                let found = slot_ref(refs, &ask.slot, false);
                if !found {
                    diagnostics.extend(unknown(
                        model,
                        ids::UNKNOWN_SLOT,
                        "slot",
                        &ask.slot,
                        flow.slots.keys().copied(),
                    ));
                }
            }
            StmtKind::Set { slot, .. } => {
                let found = slot_ref(refs, slot, true);
                if !found {
                    diagnostics.extend(unknown(
                        model,
                        ids::UNKNOWN_SLOT,
                        "slot",
                        slot,
                        flow.slots.keys().copied(),
                    ));
                }
            }
            StmtKind::Handoff(handoff) => global_ref(
                model,
                &model.queues,
                refs,
                diagnostics,
                &handoff.queue,
                (ids::UNKNOWN_QUEUE, "queue"),
            ),
            StmtKind::Answer(answer) => global_ref(
                model,
                &model.knowledge,
                refs,
                diagnostics,
                &answer.knowledge,
                (ids::UNKNOWN_KNOWLEDGE, "knowledge base"),
            ),
            StmtKind::Call(call) => {
                let found =
                    operation_refs(model, refs, diagnostics, &call.service, &call.operation);
                if let Some((op, op_id)) = found {
                    for (name, _) in &call.args {
                        if let Some(id) = model.field_def(op, op_id, &name.name, false) {
                            refs.push(reference(name.span, id));
                        }
                    }
                }
            }
            StmtKind::Menu(menu) => {
                for option in &menu.options {
                    for intent in &option.intents {
                        global_ref(
                            model,
                            &model.intents,
                            refs,
                            diagnostics,
                            intent,
                            (ids::UNKNOWN_INTENT, "intent"),
                        )
                    }
                }
            }
            _ => {}
        });
        visit::each_flow_expr(flow.flow, &mut |e| match &e.kind {
            ExprKind::Name(name) if name.name == ITEM && flow.item_at(name.span).is_some() => {
                refs.extend(flow.item_at(name.span).map(|i| reference(name.span, i.id)));
            }
            ExprKind::Name(name) => match name_def(flow, &name.name) {
                Some(id) => refs.push(reference(name.span, id)),
                None => {
                    let mut candidates: Vec<&str> = flow
                        .slots
                        .keys()
                        .chain(flow.results.keys())
                        .copied()
                        .collect();
                    for builtin in builtin_names() {
                        candidates.push(builtin);
                    }
                    diagnostics.extend(
                        unknown(model, ids::UNKNOWN_SLOT, "slot or value", name, candidates).map(
                            |d| d.with_primary_message("not a slot, a call result or a built-in"),
                        ),
                    );
                }
            },
            ExprKind::Field(base, field) => {
                if let ExprKind::Name(name) = &base.kind
                    && let Some(result) = flow.results.get(name.name.as_str())
                    && let Some(op) = result.operation
                    && let Some(call) = result.call
                    && let Some((_, op_id)) =
                        model.operation_def(&call.service.name, &call.operation.name)
                    && let Some(id) = model.field_def(op, op_id, &field.name, true)
                {
                    refs.push(reference(field.span, id));
                }
            }
            ExprKind::Intent(intent) => global_ref(
                model,
                &model.intents,
                refs,
                diagnostics,
                intent,
                (ids::UNKNOWN_INTENT, "intent"),
            ),
            ExprKind::Open(hours) => global_ref(
                model,
                &model.hours,
                refs,
                diagnostics,
                hours,
                (ids::UNKNOWN_HOURS, "hours"),
            ),
            _ => {}
        });
    }

    fn check_tests(&mut self) {
        let mut diagnostics = Vec::new();
        let model = &self.model;
        let mut refs = Vec::new();
        for test in &model.tests {
            let mut flow: Option<&FlowModel> = None;
            for step in &test.steps {
                match &step.kind {
                    TestStepKind::Flow(name) => {
                        flow = model.flow(&name.name);
                        match flow {
                            Some(found) => refs.push(reference(name.span, found.id)),
                            None => {
                                let names = model.flows.iter().filter_map(|f| f.flow.name.text());
                                diagnostics.extend(unknown(
                                    model,
                                    ids::UNKNOWN_FLOW,
                                    "flow",
                                    name,
                                    names,
                                ));
                            }
                        }
                    }
                    TestStepKind::Mock {
                        service,
                        operation,
                        returns,
                    } => {
                        let found =
                            operation_refs(model, &mut refs, &mut diagnostics, service, operation);
                        if let (Some((op, op_id)), Some(returns)) = (found, returns)
                            && let ExprKind::Record(fields) = &returns.kind
                        {
                            for (name, _) in fields {
                                if let Some(id) = model.field_def(op, op_id, &name.name, true) {
                                    refs.push(reference(name.span, id));
                                }
                            }
                        }
                    }
                    TestStepKind::Expect(Expectation::Handoff(Handoff { queue, .. })) => {
                        global_ref(
                            model,
                            &model.queues,
                            &mut refs,
                            &mut diagnostics,
                            queue,
                            (ids::UNKNOWN_QUEUE, "queue"),
                        )
                    }
                    TestStepKind::Expect(Expectation::State(state)) => {
                        let Some(flow) = flow else { continue };
                        match flow.states.get(state.name.as_str()) {
                            Some(found) => refs
                                .extend(flow.state_id(found).map(|id| reference(state.span, id))),
                            None => diagnostics.extend(unknown(
                                model,
                                ids::UNKNOWN_STATE,
                                "state",
                                state,
                                flow.states.keys().copied(),
                            )),
                        }
                    }
                    TestStepKind::Expect(Expectation::Slot { slot, value }) => {
                        let Some(flow) = flow else { continue };
                        let id = match flow.slots.get(slot.name.as_str()) {
                            Some(found) => flow.slot_id(found),
                            None => flow.results.get(slot.name.as_str()).map(|r| r.id),
                        };
                        match id {
                            Some(id) => refs.push(reference(slot.span, id)),
                            None => diagnostics.extend(unknown(
                                model,
                                ids::UNKNOWN_SLOT,
                                "slot",
                                slot,
                                flow.slots.keys().copied(),
                            )),
                        }
                        // Enum values and other names in the expected value, checked as a
                        // flow's are: a yes/no slot also takes the words `yes` and `no`.
                        let slot_type = flow.slots.get(slot.name.as_str()).map(|s| &s.ty.kind);
                        visit::each_expr(value, &mut |e| {
                            let ExprKind::Name(name) = &e.kind else {
                                return;
                            };
                            if let Some(id) = name_def(flow, &name.name) {
                                refs.push(reference(name.span, id));
                                return;
                            }
                            if matches!(slot_type, Some(TypeKind::YesNo | TypeKind::Bool))
                                && matches!(name.name.as_str(), "yes" | "no")
                            {
                                return;
                            }
                            let candidates: Vec<&str> = match slot_type {
                                Some(TypeKind::Enum(values)) => {
                                    values.iter().map(|v| v.name.name.as_str()).collect()
                                }
                                _ => flow.slots.keys().copied().collect(),
                            };
                            diagnostics.extend(
                                unknown(
                                    model,
                                    ids::UNKNOWN_SLOT,
                                    "slot or value",
                                    name,
                                    candidates,
                                )
                                .map(|d| match slot_type {
                                    Some(TypeKind::Enum(_)) => d.with_primary_message(format!(
                                        "not one of the values of `{}`",
                                        slot.name
                                    )),
                                    _ => d.with_primary_message(
                                        "not a slot, a call result or a built-in",
                                    ),
                                }),
                            );
                        });
                    }
                    _ => {}
                }
            }
            let names_flow = test
                .steps
                .iter()
                .any(|s| matches!(s.kind, TestStepKind::Flow(_)));
            if !names_flow && test.errors.is_empty() {
                diagnostics.push(
                    Diagnostic::new(
                        ids::UNKNOWN_FLOW,
                        test.name.span,
                        "this test does not say which flow it runs",
                    )
                    .with_note("add `flow NAME` as the first line of the test"),
                );
            }
        }
        self.refs
            .extend(refs.into_iter().map(|r| Reference { in_test: true, ..r }));
        self.diagnostics.extend(diagnostics);
    }
}

/// A reference to the declaration of `table` called `name`, or its `unknown-*` diagnostic.
fn global_ref<T: Named>(
    model: &Model,
    table: &Table<T>,
    refs: &mut Vec<Reference>,
    diagnostics: &mut Vec<Diagnostic>,
    name: &Ident,
    (check, kind): (CheckId, &str),
) {
    match table.get_def(&name.name) {
        Some((_, id)) => refs.push(reference(name.span, id)),
        None => diagnostics.extend(unknown(model, check, kind, name, table.names())),
    }
}

/// Resolves `service.operation`, recording both references; adds the `unknown-service`
/// diagnostic (if any, see [`unknown`]) when it does not resolve.
fn operation_refs<'a>(
    model: &Model<'a>,
    refs: &mut Vec<Reference>,
    diagnostics: &mut Vec<Diagnostic>,
    service: &Ident,
    operation: &Ident,
) -> Option<(&'a Operation, DefId)> {
    let Some((declared, service_id)) = model.services.get_def(&service.name) else {
        diagnostics.extend(unknown(
            model,
            ids::UNKNOWN_SERVICE,
            "service",
            service,
            model.services.names(),
        ));
        return None;
    };
    refs.push(reference(service.span, service_id));
    if let Some((op, op_id)) = model.operation_def(&service.name, &operation.name) {
        refs.push(reference(operation.span, op_id));
        return Some((op, op_id));
    }
    let names = declared.operations.iter().filter_map(|o| o.name.text());
    diagnostics.extend(
        unknown(model, ids::UNKNOWN_SERVICE, "operation", operation, names).map(|d| {
            d.with_primary_message(format!(
                "the service `{}` has no operation `{}`",
                service.name, operation.name
            ))
        }),
    );
    None
}

fn reserved(name: &Ident, kind: &str) -> Diagnostic {
    let names: Vec<&str> = builtin_names().collect();
    Diagnostic::new(
        ids::RESERVED_NAME,
        name.span,
        format!(
            "a {kind} cannot be called `{}`: that is an expression built-in",
            name.name
        ),
    )
    .with_note(format!("the built-ins are {}", names.join(", ")))
}
