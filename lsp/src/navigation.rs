//! Which definition a name means, and every place that names it: answered from the
//! references the compiler's resolver kept (`Analysis::definition_at`, `references_to`),
//! never from a lookup of our own. Go to definition, find references and document
//! highlight are here; rename builds on the same answers (handlers/rename.rs).

use crate::context::Ctx;
use crate::definitions::{self, Def};
use csflow_compiler::ast::{Flow, Item, NameText, State};
use csflow_compiler::resolve::{DefId, DefKind};
use csflow_compiler::source::Span;
use tower_lsp_server::ls_types::*;

/// The definition meant at `position` (a use, or a definition's own name).
pub fn def_id_at(ctx: &Ctx, position: Position) -> Option<DefId> {
    let analysis = &ctx.snapshot.analysis;
    analysis.definition_at(ctx.file, ctx.offset(position))
}

/// The syntax-tree node of a definition (for its description).
pub fn ast_def<'a>(ctx: &Ctx<'a>, id: DefId) -> Option<Def<'a>> {
    let analysis = &ctx.snapshot.analysis;
    definitions::definition_at(analysis, analysis.def(id).name?)
}

/// The definition the name written at `span` refers to.
pub fn definition_of<'a>(ctx: &Ctx<'a>, span: Span) -> Option<Def<'a>> {
    let id = ctx.snapshot.analysis.resolution.target(span)?;
    ast_def(ctx, id)
}

/// Where a definition is written: its name, or for a file its first line.
pub fn def_span(ctx: &Ctx, id: DefId) -> Option<Span> {
    let def = ctx.snapshot.analysis.def(id);
    match def.kind {
        DefKind::File(file) => Some(Span::new(file, 0, 0)),
        _ => def.name,
    }
}

pub fn goto_definition(ctx: &Ctx, position: Position) -> Option<GotoDefinitionResponse> {
    let id = def_id_at(ctx, position)?;
    let location = ctx.location(def_span(ctx, id)?)?;
    Some(GotoDefinitionResponse::Scalar(location))
}

/// Every reference to the definition at `position`, its own name first when asked.
pub fn references(
    ctx: &Ctx,
    position: Position,
    include_declaration: bool,
) -> Option<Vec<Location>> {
    let id = def_id_at(ctx, position)?;
    let analysis = &ctx.snapshot.analysis;
    let mut spans: Vec<Span> = Vec::new();
    if include_declaration && let Some(span) = analysis.def(id).name {
        spans.push(span);
    }
    spans.extend(analysis.references_to(id).map(|r| r.span));
    Some(spans.into_iter().filter_map(|s| ctx.location(s)).collect())
}

pub fn highlights(ctx: &Ctx, position: Position) -> Option<Vec<DocumentHighlight>> {
    let id = def_id_at(ctx, position)?;
    let analysis = &ctx.snapshot.analysis;
    let mut out = Vec::new();
    if let Some(span) = analysis.def(id).name.filter(|s| s.file == ctx.file) {
        out.push(DocumentHighlight {
            range: ctx.range(span),
            kind: Some(DocumentHighlightKind::WRITE),
        });
    }
    for reference in analysis
        .references_to(id)
        .filter(|r| r.span.file == ctx.file)
    {
        out.push(DocumentHighlight {
            range: ctx.range(reference.span),
            kind: Some(DocumentHighlightKind::READ),
        });
    }
    Some(out)
}

/// Where callers come into `state` from: each state (or flow-level place, or test) holding
/// a reference to it, once each, in source order — the first `shown` of them by name, and
/// how many there are; `None` when the state is not resolved. A main menu may be entered
/// from 30,000 places: they are told apart by index, and only the shown ones are named.
pub fn entered_from(
    ctx: &Ctx,
    flow: &Flow,
    state: &State,
    shown: usize,
) -> Option<(Vec<String>, usize)> {
    /// A place a reference is written in, by position (cheap to compare).
    #[derive(Hash, PartialEq, Eq)]
    enum Place {
        Test(csflow_compiler::source::FileId, u32),
        Start,
        State(usize),
        Escalate,
        Handler(usize),
    }
    let analysis = &ctx.snapshot.analysis;
    let id = analysis.resolution.def_named(state.name.as_ref()?.span)?;
    // States are in source order: find the one holding a reference by binary search.
    let holding = |span: Span| -> Option<usize> {
        let after = flow.states.partition_point(|s| s.span.start <= span.start);
        let index = after.checked_sub(1)?;
        let s = &flow.states[index];
        (s.span.file == span.file && span.end <= s.span.end).then_some(index)
    };
    let mut seen = std::collections::HashSet::new();
    let mut out: Vec<String> = Vec::new();
    for reference in analysis.references_to(id) {
        let span = reference.span;
        let place = if reference.in_test {
            test_holding(ctx, span).map(|(start, _)| Place::Test(span.file, start))
        } else if flow.start.as_ref().is_some_and(|s| s.span == span) {
            Some(Place::Start)
        } else if let Some(index) = holding(span) {
            flow.states[index].name.text().map(|_| Place::State(index))
        } else if flow
            .escalate
            .iter()
            .any(|r| r.span.start <= span.start && span.end <= r.span.end)
        {
            Some(Place::Escalate)
        } else {
            flow.handlers
                .iter()
                .position(|h| h.span.start <= span.start && span.end <= h.span.end)
                .map(Place::Handler)
        };
        let Some(place) = place else { continue };
        if seen.contains(&place) {
            continue;
        }
        if out.len() < shown {
            out.push(match &place {
                Place::Test(..) => test_holding(ctx, span)
                    .map(|(_, name)| format!("test “{name}”"))
                    .unwrap_or_default(),
                Place::Start => "the start".to_string(),
                Place::State(index) => {
                    format!("`{}`", flow.states[*index].name.text().unwrap_or_default())
                }
                Place::Escalate => "an escalate rule".to_string(),
                Place::Handler(index) => {
                    format!("the flow's `on {}`", flow.handlers[*index].kind.as_str())
                }
            });
        }
        seen.insert(place);
    }
    Some((out, seen.len()))
}

/// The test holding `span`: where it starts, and its name.
fn test_holding(ctx: &Ctx, span: Span) -> Option<(u32, String)> {
    let file = ctx.snapshot.ast(span.file)?;
    file.items.iter().find_map(|item| match item {
        Item::Test(test) if test.span.start <= span.start && span.end <= test.span.end => {
            Some((test.span.start, test.name.plain_text()))
        }
        _ => None,
    })
}
