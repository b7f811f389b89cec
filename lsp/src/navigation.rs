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
/// from 80,000 places: only the shown ones are named, and since references come in source
/// order, those inside one state come one after the other, so a state is counted once by
/// comparing it with the previous one (no set of 80,000 places, a binary search only when
/// the reference leaves the previous state).
pub fn entered_from(
    ctx: &Ctx,
    flow: &Flow,
    state: &State,
    shown: usize,
) -> Option<(Vec<String>, usize)> {
    /// A place other than a state a reference is written in (few of them).
    #[derive(Hash, PartialEq, Eq)]
    enum Place {
        Test(csflow_compiler::source::FileId, u32),
        Start,
        Escalate,
        Handler(usize),
    }
    let analysis = &ctx.snapshot.analysis;
    let id = analysis.resolution.def_named(state.name.as_ref()?.span)?;
    let inside = |outer: Span, span: Span| {
        outer.file == span.file && outer.start <= span.start && span.end <= outer.end
    };
    // States are in source order: find the one holding a reference by binary search.
    let holding = |span: Span| -> Option<usize> {
        let after = flow.states.partition_point(|s| s.span.start <= span.start);
        let index = after.checked_sub(1)?;
        inside(flow.states[index].span, span).then_some(index)
    };
    let mut previous_state: Option<usize> = None;
    let mut states = 0;
    let mut others = std::collections::HashSet::new();
    let mut out: Vec<String> = Vec::new();
    for reference in analysis.references_to(id) {
        let span = reference.span;
        if !reference.in_test {
            if previous_state.is_some_and(|index| inside(flow.states[index].span, span)) {
                continue;
            }
            if let Some(index) = holding(span) {
                previous_state = Some(index);
                if let Some(name) = flow.states[index].name.text() {
                    states += 1;
                    if out.len() < shown {
                        out.push(format!("`{name}`"));
                    }
                }
                continue;
            }
        }
        let place = if reference.in_test {
            test_holding(ctx, span).map(|(start, name)| (Place::Test(span.file, start), name))
        } else if flow.start.as_ref().is_some_and(|s| s.span == span) {
            Some((Place::Start, String::new()))
        } else if flow.escalate.iter().any(|r| inside(r.span, span)) {
            Some((Place::Escalate, String::new()))
        } else {
            flow.handlers
                .iter()
                .position(|h| inside(h.span, span))
                .map(|index| (Place::Handler(index), String::new()))
        };
        let Some((place, test_name)) = place else {
            continue;
        };
        if out.len() < shown && !others.contains(&place) {
            out.push(match &place {
                Place::Test(..) => format!("test “{test_name}”"),
                Place::Start => "the start".to_string(),
                Place::Escalate => "an escalate rule".to_string(),
                Place::Handler(index) => {
                    format!("the flow's `on {}`", flow.handlers[*index].kind.as_str())
                }
            });
        }
        others.insert(place);
    }
    Some((out, states + others.len()))
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
