//! Signature help inside `call SERVICE.OP(…)`: the operation's parameters with their types,
//! the one being written highlighted (by its name once typed, else by position), the result
//! record and the service's time-out.

use crate::context::Ctx;
use crate::definitions::{Def, each_top_definition};
use crate::documents::Document;
use crate::handlers::symbols::signature;
use crate::position::Encoding;
use csflow_compiler::ast::NameText;
use tower_lsp_server::ls_types::*;

/// `(service, operation, text of the arguments so far)` when the cursor is inside the
/// parentheses of a call.
fn open_call(before: &str) -> Option<(&str, &str, &str)> {
    // Only the current statement matters: a call's arguments sit on one or a few lines.
    let window_start = before.len().saturating_sub(2000);
    let mut window_start = window_start;
    while !before.is_char_boundary(window_start) {
        window_start += 1;
    }
    let window = &before[window_start..];
    let mut depth = 0i32;
    let mut in_string = false;
    let mut open = None;
    for (i, c) in window.char_indices().rev() {
        match c {
            '"' => in_string = !in_string,
            ')' if !in_string => depth += 1,
            '(' if !in_string => {
                if depth == 0 {
                    open = Some(i);
                    break;
                }
                depth -= 1;
            }
            _ => {}
        }
    }
    let open = open?;
    let head = window[..open].trim_end();
    let dot = head.rfind('.')?;
    let operation = &head[dot + 1..];
    let service_part = head[..dot].trim_end();
    let service_start = service_part
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .map_or(0, |i| i + 1);
    let service = &service_part[service_start..];
    if !service_part[..service_start].trim_end().ends_with("call") {
        return None;
    }
    let valid =
        |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    (valid(service) && valid(operation)).then_some((service, operation, &window[open + 1..]))
}

pub fn signature_help(
    document: &Document,
    ctx: &Ctx,
    position: Position,
    encoding: Encoding,
) -> Option<SignatureHelp> {
    let offset = document.lines().offset(position, encoding);
    let (service_name, operation_name, args) = open_call(&document.text[..offset])?;
    // Services are top-level: no walk through the flows' states.
    let mut found = None;
    for (_, file) in &ctx.snapshot.analysis.files {
        each_top_definition(file, &mut |def| {
            if let Def::Service(service) = def
                && found.is_none()
                && service.name.text() == Some(service_name)
                && let Some(op) = service
                    .operations
                    .iter()
                    .find(|op| op.name.text() == Some(operation_name))
            {
                found = Some((service, op));
            }
        });
    }
    let (service, operation) = found?;
    let service_name = service.name.text().unwrap_or_default();
    let label = format!("{service_name}.{}", signature(operation));
    let mut parameters = Vec::new();
    // Parameter labels as offsets into the label (UTF-16, as the protocol counts them).
    let prefix_units = |byte: usize| label[..byte].encode_utf16().count() as u32;
    let mut search_from = label.find('(').unwrap_or(0);
    for param in &operation.params {
        let text = format!("{}: {}", param.name.name, param.ty.kind.describe());
        if let Some(at) = label[search_from..].find(&text) {
            let start = search_from + at;
            parameters.push(ParameterInformation {
                label: ParameterLabel::LabelOffsets([
                    prefix_units(start),
                    prefix_units(start + text.len()),
                ]),
                documentation: None,
            });
            search_from = start + text.len();
        }
    }
    // The argument being written: by its name when typed (`last4: `), else by position.
    let current = args.rsplit(',').next().unwrap_or("");
    let by_name = current
        .split(':')
        .next()
        .map(str::trim)
        .filter(|_| current.contains(':'))
        .and_then(|name| operation.params.iter().position(|p| p.name.name == name));
    let commas = args.matches(',').count();
    let active = by_name
        .unwrap_or(commas)
        .min(operation.params.len().saturating_sub(1)) as u32;
    let timeout = service
        .timeout
        .as_ref()
        .map(|t| format!("time-out {}", crate::handlers::hover::duration(t.millis)))
        .unwrap_or_else(|| "no time-out declared".to_string());
    Some(SignatureHelp {
        signatures: vec![SignatureInformation {
            label,
            documentation: Some(Documentation::MarkupContent(MarkupContent {
                kind: MarkupKind::Markdown,
                value: format!(
                    "Calls the `{service_name}` service ({timeout}); on failure the nearest `on error` handler runs.",
                ),
            })),
            parameters: Some(parameters),
            active_parameter: Some(active),
        }],
        active_signature: Some(0),
        active_parameter: Some(active),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn finds_the_open_call() {
        assert_eq!(
            super::open_call("state s {\n  call cards.block(last4: x, "),
            Some(("cards", "block", "last4: x, "))
        );
        assert_eq!(
            super::open_call("  call cards.block(last4: f(x)"),
            None.or(Some(("cards", "block", "last4: f(x)")))
        );
        assert_eq!(super::open_call("  if open(office"), None);
        assert_eq!(super::open_call("  call cards.block(a) into r"), None);
    }
}
