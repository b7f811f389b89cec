//! `csflow graph --format json`: the diagram as data for editors and other tools. The shape
//! is documented in docs/graph.md; members are only ever added, never renamed.

use super::{Diagram, EdgeKind, MenuOption, NodeKind};
use crate::source::{LineCol, SourceMap, Span};
use serde::Serialize;
use serde_json::{Map, Value, json};

#[derive(Serialize)]
struct Range {
    start: LineCol,
    end: LineCol,
}

fn range(sources: &SourceMap, span: Span) -> Option<Range> {
    if span.file.0 as usize >= sources.len() {
        return None;
    }
    let file = sources.get(span.file);
    Some(Range {
        start: file.line_col(span.start as usize),
        end: file.line_col(span.end as usize),
    })
}

fn file(sources: &SourceMap, span: Span) -> Value {
    if span.file.0 as usize >= sources.len() {
        return Value::Null;
    }
    Value::String(sources.get(span.file).path.clone())
}

/// Adds `file` and `range` for `span` (both `null` without one).
fn place(object: &mut Map<String, Value>, sources: &SourceMap, span: Option<Span>) {
    let (file, range) = match span {
        Some(span) => (file(sources, span), json!(range(sources, span))),
        None => (Value::Null, Value::Null),
    };
    object.insert("file".into(), file);
    object.insert("range".into(), range);
}

fn option(option: &MenuOption) -> Value {
    json!({
        "label": option.label,
        "keys": option.keys,
        "intents": option.intents,
        "phrases": option.phrases,
    })
}

/// The JSON document for `diagram`, pretty-printed, ending in a newline.
pub fn json(diagram: &Diagram, sources: &SourceMap) -> String {
    let id = |i: usize| diagram.nodes[i].id.clone();
    let nodes: Vec<Value> = diagram
        .nodes
        .iter()
        .map(|node| {
            let mut object = Map::new();
            object.insert("id".into(), json!(node.id));
            object.insert("kind".into(), json!(node.kind.as_str()));
            object.insert("label".into(), json!(node.label));
            object.insert("state".into(), json!(node.state));
            place(&mut object, sources, node.span);
            match &node.kind {
                NodeKind::State { name_span, start } => {
                    object.insert("name_range".into(), json!(range(sources, *name_span)));
                    object.insert("start".into(), json!(start));
                }
                NodeKind::Menu { prompt, options } => {
                    object.insert("prompt".into(), json!(prompt));
                    let options: Vec<Value> = options.iter().map(option).collect();
                    object.insert("options".into(), json!(options));
                }
                NodeKind::Ask { prompt, slot } => {
                    object.insert("prompt".into(), json!(prompt));
                    object.insert("slot".into(), json!(slot));
                }
                NodeKind::Handler {
                    handler,
                    retry,
                    flow_wide,
                } => {
                    object.insert("handler".into(), json!(handler.as_str()));
                    object.insert("retry".into(), json!(retry));
                    let scope = if *flow_wide { "flow" } else { "statement" };
                    object.insert("scope".into(), json!(scope));
                }
                NodeKind::Escalate { rules } => {
                    object.insert("rules".into(), json!(rules));
                }
                NodeKind::Handoff { queue } => {
                    object.insert("queue".into(), json!(queue));
                }
                NodeKind::Transfer { to } => {
                    object.insert("to".into(), json!(to));
                }
                NodeKind::End | NodeKind::More => {}
            }
            object.insert("reachable".into(), json!(node.reachable));
            let marks: Vec<&str> = node.marks.iter().map(|m| m.as_str()).collect();
            object.insert("marks".into(), json!(marks));
            object.insert("diagnostics".into(), json!(node.diagnostics));
            Value::Object(object)
        })
        .collect();
    let edges: Vec<Value> = diagram
        .edges
        .iter()
        .map(|edge| {
            let mut object = Map::new();
            object.insert("from".into(), json!(id(edge.from)));
            object.insert("to".into(), json!(id(edge.to)));
            object.insert("kind".into(), json!(edge.kind.as_str()));
            object.insert("happy".into(), json!(edge.happy()));
            object.insert("label".into(), json!(edge.label));
            match &edge.kind {
                EdgeKind::Handoff { queue } => {
                    object.insert("queue".into(), json!(queue));
                }
                EdgeKind::Option { option: o, .. } => {
                    object.insert("option".into(), json!(o.label));
                    object.insert("keys".into(), json!(o.keys));
                    object.insert("intents".into(), json!(o.intents));
                    object.insert("phrases".into(), json!(o.phrases));
                }
                EdgeKind::Branch { condition } => {
                    object.insert("condition".into(), json!(condition));
                }
                EdgeKind::Handler {
                    handler,
                    retry,
                    inherited,
                } => {
                    object.insert("handler".into(), json!(handler.as_str()));
                    object.insert("retry".into(), json!(retry));
                    object.insert("inherited".into(), json!(inherited));
                }
                EdgeKind::Escalate { rule, .. } => {
                    object.insert("rule".into(), json!(rule));
                }
                EdgeKind::Next | EdgeKind::Goto | EdgeKind::End => {}
            }
            place(&mut object, sources, Some(edge.span));
            Value::Object(object)
        })
        .collect();
    let diagnostics: Vec<Value> = diagram
        .diagnostics
        .iter()
        .map(|d| {
            let diagnostic = &d.diagnostic;
            let mut object = Map::new();
            object.insert("name".into(), json!(diagnostic.name()));
            object.insert("code".into(), json!(diagnostic.code()));
            object.insert("severity".into(), json!(diagnostic.severity));
            object.insert("message".into(), json!(diagnostic.message));
            place(&mut object, sources, Some(diagnostic.primary.span));
            let nodes: Vec<String> = d.nodes.iter().map(|&n| id(n)).collect();
            object.insert("nodes".into(), json!(nodes));
            Value::Object(object)
        })
        .collect();
    let mut document = Map::new();
    document.insert("version".into(), json!(1));
    document.insert("flow".into(), json!(diagram.flow));
    document.insert("channel".into(), json!(diagram.channel.map(|c| c.as_str())));
    place(&mut document, sources, Some(diagram.span));
    document.insert("start".into(), json!(diagram.start.map(id)));
    let part = diagram
        .part
        .as_ref()
        .map(|p| json!({ "from": format!("state:{}", p.from), "depth": p.depth }));
    document.insert("part".into(), json!(part));
    document.insert("nodes".into(), Value::Array(nodes));
    document.insert("edges".into(), Value::Array(edges));
    document.insert("diagnostics".into(), Value::Array(diagnostics));
    // Serializing plain values cannot fail.
    let mut text = serde_json::to_string_pretty(&Value::Object(document)).unwrap_or_default();
    text.push('\n');
    text
}
