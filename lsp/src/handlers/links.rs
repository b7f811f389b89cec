//! Document links: each `import "path"` opens the file it names.

use crate::context::Ctx;
use crate::documents::uri_for;
use csflow_compiler::analysis::normalize;
use csflow_compiler::ast::Item;
use std::path::Path;
use tower_lsp_server::ls_types::DocumentLink;

pub fn document_links(ctx: &Ctx) -> Option<Vec<DocumentLink>> {
    let file = ctx.ast()?;
    let base = Path::new(&ctx.source().path).parent()?.to_path_buf();
    let links = file
        .items
        .iter()
        .filter_map(|item| match item {
            Item::Import(import) => Some(import),
            _ => None,
        })
        .filter_map(|import| {
            let target = normalize(&base.join(import.path.plain_text()));
            let uri = uri_for(&target.to_string_lossy())?;
            // The text between the quotes.
            let span = import.path.span;
            let inner = ctx.span(
                span.start as usize + 1,
                (span.end as usize)
                    .saturating_sub(1)
                    .max(span.start as usize + 1),
            );
            Some(DocumentLink {
                range: ctx.range(inner),
                target: Some(uri),
                tooltip: Some(format!("open {}", target.display())),
                data: None,
            })
        })
        .collect();
    Some(links)
}
