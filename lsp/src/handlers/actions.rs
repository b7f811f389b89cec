//! Code actions: every fix the checks carry, plus three that need the editor's cursor —
//! "create the missing state", "add an `on no_match` handler" to the question or menu, and
//! "add the missing `else`" to an `if` a state falls through.

use crate::context::Ctx;
use csflow_compiler::ast::*;
use csflow_compiler::diagnostic::{Applicability, Diagnostic as CompilerDiagnostic, Edit};
use csflow_compiler::source::Span;
use std::collections::HashMap;
use tower_lsp_server::ls_types::*;

pub fn code_actions(ctx: &Ctx, range: Range) -> Option<CodeActionResponse> {
    let start = ctx.offset(range.start) as u32;
    let end = ctx.offset(range.end) as u32;
    let touches = |span: Span| span.file == ctx.file && span.start <= end && start <= span.end;
    let mut actions = Vec::new();
    for diagnostic in &ctx.snapshot.analysis.diagnostics {
        let here = touches(diagnostic.primary.span)
            || diagnostic.secondary.iter().any(|l| touches(l.span));
        if !here {
            continue;
        }
        let lsp =
            crate::diagnostics::to_lsp(diagnostic, ctx.sources(), ctx.encoding, ctx.explain_base);
        if let Some(fix) = &diagnostic.fix {
            actions.push(action(
                ctx,
                &fix.title,
                &fix.edits,
                &lsp,
                fix.applicability == Applicability::Safe,
            ));
        }
        let extra = match diagnostic.name() {
            "unknown-state" => create_state(ctx, diagnostic),
            "missing-no-match" => {
                let mut spans = vec![diagnostic.primary.span];
                spans.extend(diagnostic.secondary.iter().map(|l| l.span));
                spans
                    .into_iter()
                    .filter(|s| touches(*s))
                    .filter_map(|s| add_no_match(ctx, s))
                    .collect()
            }
            "missing-terminator" => add_else(ctx, diagnostic).into_iter().collect(),
            _ => Vec::new(),
        };
        for (title, edits) in extra {
            actions.push(action(ctx, &title, &edits, &lsp, false));
        }
    }
    Some(actions)
}

fn action(
    ctx: &Ctx,
    title: &str,
    edits: &[Edit],
    diagnostic: &Diagnostic,
    preferred: bool,
) -> CodeActionOrCommand {
    let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
    for edit in edits {
        if let Some(location) = ctx.location(edit.span) {
            changes.entry(location.uri).or_default().push(TextEdit {
                range: location.range,
                new_text: edit.replacement.clone(),
            });
        }
    }
    CodeActionOrCommand::CodeAction(CodeAction {
        title: title.to_string(),
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![diagnostic.clone()]),
        edit: Some(WorkspaceEdit {
            changes: Some(changes),
            ..Default::default()
        }),
        is_preferred: preferred.then_some(true),
        ..Default::default()
    })
}

/// Every flow of the project's syntax trees, with its file's text.
fn flow_holding<'a>(ctx: &Ctx<'a>, span: Span) -> Option<&'a Flow> {
    let file = ctx.snapshot.ast(span.file)?;
    file.items.iter().find_map(|item| match item {
        Item::Flow(flow) if flow.span.start <= span.start && span.end <= flow.span.end => {
            Some(&**flow)
        }
        _ => None,
    })
}

/// The indentation of the line holding `offset`.
fn indent_at(text: &str, offset: usize) -> String {
    let line_start = text[..offset.min(text.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    text[line_start..]
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect()
}

fn line_start(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1)
}

/// `unknown-state`: a new state of that name at the end of its flow.
fn create_state(ctx: &Ctx, diagnostic: &CompilerDiagnostic) -> Vec<(String, Vec<Edit>)> {
    let span = diagnostic.primary.span;
    let name = ctx.sources().slice(span).to_string();
    let valid = !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    let Some(flow) = flow_holding(ctx, span).filter(|_| valid) else {
        return Vec::new();
    };
    let text = &ctx.sources().get(span.file).text;
    let close = flow.span.end as usize - 1;
    if text.as_bytes().get(close) != Some(&b'}') {
        return Vec::new();
    }
    let indent = flow
        .states
        .first()
        .map(|s| indent_at(text, s.span.start as usize))
        .unwrap_or_else(|| "  ".to_string());
    let close_line = line_start(text, close);
    let (at, lead) = if text[close_line..close].trim().is_empty() {
        (close_line, String::new())
    } else {
        (close, "\n".to_string())
    };
    let replacement = format!(
        "{lead}\n{indent}state {name} {{\n{indent}  say \"…\"\n{indent}  end\n{indent}}}\n"
    );
    vec![(
        format!("create the missing state `{name}`"),
        vec![Edit {
            span: Span::new(span.file, at, at),
            replacement,
        }],
    )]
}

/// The queue a new handler hands off to: the first the flow already hands off to.
fn fallback_action(flow: &Flow) -> String {
    let mut queue = None;
    csflow_compiler::visit::each_flow_stmt(flow, &mut |stmt| {
        if let StmtKind::Handoff(handoff) = &stmt.kind {
            queue.get_or_insert_with(|| handoff.queue.name.clone());
        }
    });
    match queue {
        Some(queue) => format!("handoff {queue}"),
        None => "end".to_string(),
    }
}

/// `missing-no-match`: an `on no_match` handler on the question or menu at `span`.
fn add_no_match(ctx: &Ctx, span: Span) -> Option<(String, Vec<Edit>)> {
    let flow = flow_holding(ctx, span)?;
    let mut found = None;
    csflow_compiler::visit::each_flow_stmt(flow, &mut |stmt| {
        if stmt.span.start == span.start
            && matches!(stmt.kind, StmtKind::Ask(_) | StmtKind::Menu(_))
        {
            found = Some(stmt);
        }
    });
    let stmt = found?;
    let text = &ctx.sources().get(span.file).text;
    let indent = indent_at(text, stmt.span.start as usize);
    let action = fallback_action(flow);
    let (handler, title) = match &stmt.kind {
        StmtKind::Menu(_) => (
            format!("on no_match retry 2 \"Sorry, I did not get that.\" then {action}"),
            "add an `on no_match` handler to this menu",
        ),
        _ => (
            format!("on no_match retry 2 \"Sorry, I did not get that.\" then {action}"),
            "add an `on no_match` handler to this question",
        ),
    };
    let has_block = match &stmt.kind {
        StmtKind::Menu(_) => true,
        StmtKind::Ask(ask) => {
            text[ask.prompt.span.end as usize..stmt.span.end as usize].contains('{')
        }
        _ => false,
    };
    let edit = if has_block {
        // Before the block's closing brace, indented one level deeper than the statement.
        let close = text[..stmt.span.end as usize].rfind('}')?;
        let close_line = line_start(text, close);
        if text[close_line..close].trim().is_empty() {
            Edit {
                span: Span::new(span.file, close_line, close_line),
                replacement: format!("{indent}  {handler}\n"),
            }
        } else {
            Edit {
                span: Span::new(span.file, close, close),
                replacement: format!(" {handler} "),
            }
        }
    } else {
        let StmtKind::Ask(ask) = &stmt.kind else {
            return None;
        };
        let at = ask.prompt.span.end as usize;
        Edit {
            span: Span::new(span.file, at, at),
            replacement: format!(" {{\n{indent}  {handler}\n{indent}}}"),
        }
    };
    Some((title.to_string(), vec![edit]))
}

/// `missing-terminator` through an `if` without `else`: add one that ends the conversation
/// (the designer then chooses where it should go).
fn add_else(ctx: &Ctx, diagnostic: &CompilerDiagnostic) -> Option<(String, Vec<Edit>)> {
    let last = diagnostic.secondary.first()?.span;
    let flow = flow_holding(ctx, last)?;
    let mut found = None;
    csflow_compiler::visit::each_flow_stmt(flow, &mut |stmt| {
        if stmt.span == last
            && let StmtKind::If(if_) = &stmt.kind
            && if_.otherwise.is_none()
        {
            found = Some(stmt);
        }
    });
    let stmt = found?;
    let text = &ctx.sources().get(last.file).text;
    let close = text[..stmt.span.end as usize].rfind('}')?;
    let indent = indent_at(text, stmt.span.start as usize);
    let action = fallback_action(flow);
    Some((
        format!("add the missing `else` (it does `{action}`)"),
        vec![Edit {
            span: Span::new(last.file, close + 1, close + 1),
            replacement: format!(" else {{\n{indent}  {action}\n{indent}}}"),
        }],
    ))
}
