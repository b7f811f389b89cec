//! Folding: every declaration, state, block, entry and test that spans lines, runs of
//! comment lines, and the imports at the top.

use crate::context::Ctx;
use crate::syntax::{self, Node};
use tower_lsp_server::ls_types::{FoldingRange, FoldingRangeKind};

pub fn folding_ranges(ctx: &Ctx) -> Option<Vec<FoldingRange>> {
    let file = ctx.ast()?;
    let source = ctx.source();
    let line = |offset: u32| source.line_index(offset as usize) as u32;
    let mut out: Vec<FoldingRange> = Vec::new();
    let mut push = |start: u32, end: u32, kind: Option<FoldingRangeKind>| {
        if end > start
            && !out
                .iter()
                .any(|r| r.start_line == start && r.end_line == end)
        {
            out.push(FoldingRange {
                start_line: start,
                end_line: end,
                kind,
                ..Default::default()
            });
        }
    };
    for (span, node) in syntax::nodes(file) {
        if matches!(
            node,
            Node::Item | Node::State | Node::Block | Node::Handler | Node::Option | Node::Entry
        ) {
            // Up to the line of the closing brace, which stays visible.
            let end = line(span.end.saturating_sub(1));
            push(
                line(span.start),
                end.saturating_sub(1).max(line(span.start)),
                None,
            );
        }
    }
    let imports: Vec<u32> = file
        .items
        .iter()
        .filter(|i| matches!(i, csflow_compiler::ast::Item::Import(_)))
        .map(|i| line(i.span().start))
        .collect();
    if let (Some(first), Some(last)) = (imports.first(), imports.last()) {
        push(*first, *last, Some(FoldingRangeKind::Imports));
    }
    // Runs of two or more comment-only lines.
    let mut run: Option<(u32, u32)> = None;
    let total = source.line_starts().len();
    for index in 0..=total {
        let comment = index < total && source.line_text(index).trim_start().starts_with('#');
        match (comment, run) {
            (true, None) => run = Some((index as u32, index as u32)),
            (true, Some((start, _))) => run = Some((start, index as u32)),
            (false, Some((start, end))) => {
                push(start, end, Some(FoldingRangeKind::Comment));
                run = None;
            }
            (false, None) => {}
        }
    }
    out.sort_by_key(|r| (r.start_line, std::cmp::Reverse(r.end_line)));
    Some(out)
}
