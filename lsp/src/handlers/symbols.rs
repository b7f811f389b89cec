//! The outline (flows with their slots and states, declarations, knowledge entries,
//! operations, tests) and workspace symbols over every analysed project.

use crate::context::Ctx;
use crate::diagnostics::span_location;
use crate::position::Encoding;
use crate::project::Snapshot;
use csflow_compiler::ast::*;
use csflow_compiler::source::Span;
use std::sync::Arc;
use tower_lsp_server::ls_types::*;

struct Outline<'a> {
    name: &'a str,
    detail: Option<String>,
    kind: SymbolKind,
    span: Span,
    name_span: Span,
    children: Vec<Outline<'a>>,
}

/// A declaration; one whose name was not written gets an empty name and is left out.
fn leaf(name: &Option<Ident>, detail: Option<String>, kind: SymbolKind, span: Span) -> Outline<'_> {
    Outline {
        name: name.text().unwrap_or_default(),
        detail,
        kind,
        span,
        name_span: name.as_ref().map_or(span, |n| n.span),
        children: Vec::new(),
    }
}

fn outline(file: &File) -> Vec<Outline<'_>> {
    let mut out = Vec::new();
    for item in &file.items {
        match item {
            Item::Import(import) => out.push(Outline {
                name: "import",
                detail: Some(import.path.plain_text()),
                kind: SymbolKind::FILE,
                span: import.span,
                name_span: import.path.span,
                children: Vec::new(),
            }),
            Item::Hours(hours) => out.push(leaf(
                &hours.name,
                Some("hours".into()),
                SymbolKind::EVENT,
                hours.span,
            )),
            Item::Queue(queue) => out.push(leaf(
                &queue.name,
                Some("queue".into()),
                SymbolKind::OBJECT,
                queue.span,
            )),
            Item::Intent(intent) => out.push(leaf(
                &intent.name,
                Some(format!("intent, {} examples", intent.examples.len())),
                SymbolKind::ENUM_MEMBER,
                intent.span,
            )),
            Item::Service(service) => {
                let mut node = leaf(
                    &service.name,
                    Some("service".into()),
                    SymbolKind::INTERFACE,
                    service.span,
                );
                node.children = service
                    .operations
                    .iter()
                    .map(|op| leaf(&op.name, Some(signature(op)), SymbolKind::METHOD, op.span))
                    .collect();
                out.push(node);
            }
            Item::Knowledge(knowledge) => {
                let mut node = leaf(
                    &knowledge.name,
                    Some("knowledge".into()),
                    SymbolKind::NAMESPACE,
                    knowledge.span,
                );
                node.children = knowledge
                    .entries
                    .iter()
                    .map(|entry| {
                        let question = entry.questions.first().map(Str::plain_text);
                        leaf(&entry.name, question, SymbolKind::STRING, entry.span)
                    })
                    .collect();
                out.push(node);
            }
            Item::Flow(flow) => {
                let channel = flow.channel.map(|(c, _)| c.as_str()).unwrap_or("any");
                let mut node = leaf(
                    &flow.name,
                    Some(format!("flow ({channel})")),
                    SymbolKind::MODULE,
                    flow.span,
                );
                for slot in &flow.slots {
                    node.children.push(leaf(
                        &slot.name,
                        Some(slot.ty.kind.describe()),
                        SymbolKind::VARIABLE,
                        slot.span,
                    ));
                }
                for state in &flow.states {
                    let start = flow
                        .start
                        .as_ref()
                        .is_some_and(|s| state.name.text() == Some(s.name.as_str()));
                    node.children.push(leaf(
                        &state.name,
                        start.then(|| "start".to_string()),
                        SymbolKind::FUNCTION,
                        state.span,
                    ));
                }
                out.push(node);
            }
            Item::Test(test) => out.push(Outline {
                name: "",
                detail: Some(test.name.plain_text()),
                kind: SymbolKind::EVENT,
                span: test.span,
                name_span: test.name.span,
                children: Vec::new(),
            }),
            Item::Error(_) => {}
        }
    }
    out.retain(|o| !o.name.is_empty() || o.kind == SymbolKind::EVENT);
    for node in &mut out {
        node.children.retain(|child| !child.name.is_empty());
    }
    out
}

/// `block(last4: digits) returns { ok: bool, reference: text }`
pub fn signature(operation: &Operation) -> String {
    let fields = |fields: &[Field]| {
        fields
            .iter()
            .map(|f| format!("{}: {}", f.name.name, f.ty.kind.describe()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let name = operation.name.text().unwrap_or_default();
    let mut text = format!("{name}({})", fields(&operation.params));
    if !operation.returns.is_empty() {
        text.push_str(&format!(" returns {{ {} }}", fields(&operation.returns)));
    }
    text
}

pub fn document_symbols(ctx: &Ctx) -> Option<DocumentSymbolResponse> {
    let file = ctx.ast()?;
    fn convert(ctx: &Ctx, node: Outline) -> DocumentSymbol {
        let (name, detail) = match (node.name.is_empty(), node.detail) {
            // A test is shown by its title.
            (true, detail) => (format!("test {}", detail.unwrap_or_default()), None),
            (false, detail) => (node.name.to_string(), detail),
        };
        let range = ctx.range(node.span);
        let mut selection = ctx.range(node.name_span);
        if selection.start < range.start || selection.end > range.end {
            selection = range;
        }
        #[allow(deprecated)]
        DocumentSymbol {
            name,
            detail,
            kind: node.kind,
            tags: None,
            deprecated: None,
            range,
            selection_range: selection,
            children: (!node.children.is_empty())
                .then(|| node.children.into_iter().map(|c| convert(ctx, c)).collect()),
        }
    }
    Some(DocumentSymbolResponse::Nested(
        outline(file)
            .into_iter()
            .map(|node| convert(ctx, node))
            .collect(),
    ))
}

/// Does `query` match `name` as a subsequence, ignoring case (`mmenu` finds `main_menu`)?
fn matches(query: &str, name: &str) -> bool {
    let mut wanted = query.chars().flat_map(char::to_lowercase).peekable();
    for c in name.chars().flat_map(char::to_lowercase) {
        if wanted.peek() == Some(&c) {
            wanted.next();
        }
    }
    wanted.peek().is_none()
}

/// Every declaration, state and test of every analysed project whose name matches.
pub fn workspace_symbols(
    snapshots: &[Arc<Snapshot>],
    query: &str,
    encoding: Encoding,
) -> Option<WorkspaceSymbolResponse> {
    const LIMIT: usize = 500;
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for snapshot in snapshots {
        let sources = &snapshot.analysis.sources;
        for (id, file) in &snapshot.analysis.files {
            if !seen.insert(sources.get(*id).path.clone()) {
                continue;
            }
            let mut push = |node: &Outline, container: Option<&str>| {
                if node.name.is_empty() || !matches(query, node.name) || out.len() >= LIMIT {
                    return;
                }
                if let Some(location) = span_location(sources, node.name_span, encoding) {
                    #[allow(deprecated)]
                    out.push(SymbolInformation {
                        name: node.name.to_string(),
                        kind: node.kind,
                        tags: None,
                        deprecated: None,
                        location,
                        container_name: container.map(str::to_string),
                    });
                }
            };
            for node in outline(file) {
                push(&node, None);
                for child in &node.children {
                    push(child, Some(node.name));
                }
            }
        }
    }
    Some(WorkspaceSymbolResponse::Flat(out))
}

#[cfg(test)]
mod tests {
    #[test]
    fn fuzzy_matching_is_a_case_blind_subsequence() {
        assert!(super::matches("mmenu", "main_menu"));
        assert!(super::matches("", "x"));
        assert!(super::matches("MAIN", "main_menu"));
        assert!(!super::matches("menum", "main_menu"));
    }
}
