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
/// a reference to it, once each, in source order; `None` when the state is not resolved.
pub fn entered_from(ctx: &Ctx, flow: &Flow, state: &State) -> Option<Vec<String>> {
    let analysis = &ctx.snapshot.analysis;
    let id = analysis.resolution.def_named(state.name.as_ref()?.span)?;
    // States are in source order: find the one holding a reference by binary search (a
    // main menu may be entered from thousands of places).
    let holding = |span: Span| -> Option<&State> {
        let after = flow.states.partition_point(|s| s.span.start <= span.start);
        flow.states[..after]
            .last()
            .filter(|s| s.span.file == span.file && span.end <= s.span.end)
    };
    let mut seen = std::collections::HashSet::new();
    let mut out: Vec<String> = Vec::new();
    for reference in analysis.references_to(id) {
        let span = reference.span;
        let place = if reference.in_test {
            test_holding(ctx, span).map(|t| format!("test “{t}”"))
        } else if flow.start.as_ref().is_some_and(|s| s.span == span) {
            Some("the start".to_string())
        } else if let Some(from) = holding(span) {
            from.name.text().map(|name| format!("`{name}`"))
        } else if flow
            .escalate
            .iter()
            .any(|r| r.span.start <= span.start && span.end <= r.span.end)
        {
            Some("an escalate rule".to_string())
        } else {
            flow.handlers
                .iter()
                .find(|h| h.span.start <= span.start && span.end <= h.span.end)
                .map(|h| format!("the flow's `on {}`", h.kind.as_str()))
        };
        if let Some(place) = place
            && seen.insert(place.clone())
        {
            out.push(place);
        }
    }
    Some(out)
}

fn test_holding(ctx: &Ctx, span: Span) -> Option<String> {
    let file = ctx.snapshot.ast(span.file)?;
    file.items.iter().find_map(|item| match item {
        Item::Test(test) if test.span.start <= span.start && span.end <= test.span.end => {
            Some(test.name.plain_text())
        }
        _ => None,
    })
}
