//! Inlay hints a designer wants while reading a flow: after `goto X`, the first thing X
//! says; after a call's argument, the parameter's type; after `into NAME`, the record the
//! call returns. Every name is resolved through the compiler's kept references.

use crate::context::Ctx;
use crate::definitions::Def;
use crate::navigation::definition_of;
use crate::syntax::{self, Kind};
use csflow_compiler::ast::*;
use tower_lsp_server::ls_types::*;

const PROMPT_CHARS: usize = 40;

fn shorten(text: &str) -> String {
    let mut out: String = text.chars().take(PROMPT_CHARS).collect();
    if text.chars().count() > PROMPT_CHARS {
        out.push('…');
    }
    out
}

fn hint(ctx: &Ctx, offset: u32, label: String, kind: InlayHintKind) -> InlayHint {
    InlayHint {
        position: ctx.position(offset as usize),
        label: InlayHintLabel::String(label),
        kind: Some(kind),
        text_edits: None,
        tooltip: None,
        padding_left: Some(true),
        padding_right: None,
        data: None,
    }
}

fn fields(fields: &[Field]) -> String {
    let list: Vec<String> = fields
        .iter()
        .map(|f| format!("{}: {}", f.name.name, f.ty.kind.describe()))
        .collect();
    format!("{{ {} }}", list.join(", "))
}

pub fn inlay_hints(ctx: &Ctx, range: Range) -> Option<Vec<InlayHint>> {
    let file = ctx.ast()?;
    let (start, end) = (ctx.offset(range.start) as u32, ctx.offset(range.end) as u32);
    let mut hints = Vec::new();
    for name in syntax::names(file) {
        if name.span.end < start || name.span.start > end || name.definition {
            continue;
        }
        match name.kind {
            Kind::State => {
                if let Some(Def::State(_, state)) = definition_of(ctx, name.span)
                    && let Some(line) = crate::definitions::opening_line(state)
                {
                    hints.push(hint(
                        ctx,
                        name.span.end,
                        format!("“{}”", shorten(&line)),
                        InlayHintKind::PARAMETER,
                    ));
                }
            }
            Kind::Operation => {
                let Some(Def::Operation(_, operation)) = definition_of(ctx, name.span) else {
                    continue;
                };
                // The call statement this operation name belongs to.
                let mut call_found = None;
                for item in &file.items {
                    if let Item::Flow(flow) = item {
                        csflow_compiler::visit::each_flow_stmt(flow, &mut |stmt| {
                            if let StmtKind::Call(call) = &stmt.kind
                                && call.operation.span == name.span
                            {
                                call_found = Some(call);
                            }
                        });
                    }
                }
                let Some(call) = call_found else {
                    continue;
                };
                for (arg, value) in &call.args {
                    if let Some(param) = operation.params.iter().find(|p| p.name.name == arg.name) {
                        hints.push(hint(
                            ctx,
                            value.span.end,
                            param.ty.kind.describe(),
                            InlayHintKind::TYPE,
                        ));
                    }
                }
                if let Some(into) = &call.into
                    && !operation.returns.is_empty()
                {
                    hints.push(hint(
                        ctx,
                        into.span.end,
                        fields(&operation.returns),
                        InlayHintKind::TYPE,
                    ));
                }
            }
            _ => {}
        }
    }
    Some(hints)
}
