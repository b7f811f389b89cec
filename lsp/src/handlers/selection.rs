//! Selection ranges: from the name under the cursor out through its expression, statement,
//! block, state and flow to the whole file.

use crate::context::Ctx;
use crate::syntax;
use tower_lsp_server::ls_types::{Position, Range, SelectionRange};

pub fn selection_ranges(ctx: &Ctx, positions: &[Position]) -> Option<Vec<SelectionRange>> {
    let file = ctx.ast()?;
    let mut spans: Vec<(u32, u32)> = syntax::nodes(file)
        .into_iter()
        .map(|(span, _)| (span.start, span.end))
        .chain(
            syntax::names(file)
                .into_iter()
                .map(|n| (n.span.start, n.span.end)),
        )
        .collect();
    spans.push((0, ctx.text().len() as u32));
    spans.sort_by_key(|(start, end)| (end - start, *start));
    spans.dedup();
    let ranges = positions
        .iter()
        .map(|position| {
            let offset = ctx.offset(*position) as u32;
            // Innermost first: every span holding the cursor, smallest to largest.
            let mut chain: Vec<Range> = Vec::new();
            for (start, end) in &spans {
                if *start <= offset && offset <= *end {
                    let range = ctx.range(ctx.span(*start as usize, *end as usize));
                    if chain.last() != Some(&range) {
                        chain.push(range);
                    }
                }
            }
            if chain.is_empty() {
                chain.push(Range::new(*position, *position));
            }
            let mut selection: Option<SelectionRange> = None;
            for range in chain.into_iter().rev() {
                selection = Some(SelectionRange {
                    range,
                    parent: selection.map(Box::new),
                });
            }
            selection.unwrap_or(SelectionRange {
                range: Range::new(*position, *position),
                parent: None,
            })
        })
        .collect();
    Some(ranges)
}
