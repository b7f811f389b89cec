//! `csflow graph --format json`: the diagram as data for editors and other tools. The shape
//! is documented in docs/graph.md; members are only ever added, never renamed.
//!
//! Written as a stream (serde's serializer straight into the output): a million-state flow's
//! document is over a gigabyte, and building it as a `serde_json::Value` first took ten
//! times that. Every object's members come in alphabetical order, as they always have.

use super::{Diagram, Edge, EdgeKind, MenuOption, Node, NodeDiagnostic, NodeKind};
use crate::source::{LineCol, SourceMap, Span};
use serde::Serialize;
use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use std::io::Write as _;

/// The JSON document for `diagram`, pretty-printed, ending in a newline.
pub fn json(diagram: &Diagram, sources: &SourceMap) -> String {
    super::to_text(|out| write_json(diagram, sources, out))
}

/// Writes the JSON document for `diagram` to `out`, pretty-printed, ending in a newline.
///
/// The document's own members are written here, and its three lists (diagnostics, edges,
/// nodes) a batch of items at a time on every core, in order: the same bytes as one
/// serializer writing the whole document, in a fraction of the time for a million nodes.
pub fn write_json(
    diagram: &Diagram,
    sources: &SourceMap,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, out);
    let place = Place {
        sources,
        span: Some(diagram.span),
    };
    let part = diagram.part.as_ref().map(|p| PartJson {
        depth: p.depth,
        from: format!("state:{}", p.from),
    });
    member(
        &mut out,
        "{",
        "channel",
        &diagram.channel.map(|c| c.as_str()),
    )?;
    out.write_all(b",\n  \"diagnostics\": ")?;
    list(&mut out, &diagram.diagnostics, |d, text| {
        item(
            text,
            &DiagnosticJson {
                diagram,
                sources,
                d,
            },
        )
    })?;
    out.write_all(b",\n  \"edges\": ")?;
    list(&mut out, &diagram.edges, |edge, text| {
        item(
            text,
            &EdgeJson {
                diagram,
                sources,
                edge,
            },
        )
    })?;
    member(&mut out, ",", "file", &place.file())?;
    member(&mut out, ",", "flow", &diagram.flow)?;
    out.write_all(b",\n  \"nodes\": ")?;
    list(&mut out, &diagram.nodes, |node, text| {
        item(text, &NodeJson { sources, node })
    })?;
    member(&mut out, ",", "part", &part)?;
    member(&mut out, ",", "range", &place.range())?;
    member(
        &mut out,
        ",",
        "start",
        &diagram.start.map(|i| &diagram.nodes[i].id),
    )?;
    member(&mut out, ",", "version", &1)?;
    out.write_all(b"\n}\n")?;
    std::io::Write::flush(&mut out)
}

/// `{before}\n  "{name}": value` — a member of the document.
fn member(
    out: &mut dyn std::io::Write,
    before: &str,
    name: &str,
    value: &impl Serialize,
) -> std::io::Result<()> {
    write!(out, "{before}\n  \"{name}\": ")?;
    let mut serializer = serde_json::Serializer::with_formatter(&mut *out, Pretty::at(1));
    value
        .serialize(&mut serializer)
        .map_err(std::io::Error::other)
}

/// Items drawn per batch of a list: a few hundred kilobytes of text.
const BATCH: usize = 512;

/// A list of the document, its items serialized by `write` in batches on every core and
/// written in order.
fn list<T: Sync>(
    out: &mut dyn std::io::Write,
    items: &[T],
    write: impl Fn(&T, &mut Vec<u8>) + Sync,
) -> std::io::Result<()> {
    if items.is_empty() {
        return out.write_all(b"[]");
    }
    out.write_all(b"[")?;
    let first = items.as_ptr() as usize;
    crate::parallel::stream_in_order(
        items,
        BATCH,
        |batch, text| {
            for (i, item) in batch.iter().enumerate() {
                let very_first = i == 0 && batch.as_ptr() as usize == first;
                text.extend_from_slice(if very_first { b"\n    " } else { b",\n    " });
                write(item, text);
            }
        },
        |text| out.write_all(text),
    )?;
    out.write_all(b"\n  ]")
}

/// One item of a list, two levels in.
fn item(text: &mut Vec<u8>, value: &impl Serialize) {
    let mut serializer = serde_json::Serializer::with_formatter(text, Pretty::at(2));
    // Into a vector, of values that are all strings, numbers and lists: cannot fail.
    let _ = value.serialize(&mut serializer);
}

/// serde_json's pretty layout (two spaces a level), starting `level` levels in, each
/// indentation written at once.
struct Pretty {
    level: usize,
    has_value: bool,
}

impl Pretty {
    fn at(level: usize) -> Self {
        Pretty {
            level,
            has_value: false,
        }
    }

    fn indent<W: ?Sized + std::io::Write>(&self, out: &mut W) -> std::io::Result<()> {
        const SPACES: &[u8; 64] = &[b' '; 64];
        let mut left = self.level * 2;
        while left > 0 {
            let now = left.min(SPACES.len());
            out.write_all(&SPACES[..now])?;
            left -= now;
        }
        Ok(())
    }

    fn open<W: ?Sized + std::io::Write>(
        &mut self,
        out: &mut W,
        bracket: &[u8],
    ) -> std::io::Result<()> {
        self.level += 1;
        self.has_value = false;
        out.write_all(bracket)
    }

    fn close<W: ?Sized + std::io::Write>(
        &mut self,
        out: &mut W,
        bracket: &[u8],
    ) -> std::io::Result<()> {
        self.level -= 1;
        if self.has_value {
            out.write_all(b"\n")?;
            self.indent(out)?;
        }
        out.write_all(bracket)
    }

    /// The separator before a member or an item, and its indentation, written at once
    /// (millions of them in a big picture's document).
    fn next<W: ?Sized + std::io::Write>(&self, out: &mut W, first: bool) -> std::io::Result<()> {
        const LINE: &[u8; 2 + 64] =
            b",\n                                                                ";
        let skip = usize::from(first);
        let end = 2 + self.level * 2;
        if end <= LINE.len() {
            return out.write_all(&LINE[skip..end]);
        }
        out.write_all(&LINE[skip..2])?;
        self.indent(out)
    }
}

impl serde_json::ser::Formatter for Pretty {
    fn begin_array<W: ?Sized + std::io::Write>(&mut self, out: &mut W) -> std::io::Result<()> {
        self.open(out, b"[")
    }

    fn end_array<W: ?Sized + std::io::Write>(&mut self, out: &mut W) -> std::io::Result<()> {
        self.close(out, b"]")
    }

    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        out: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.next(out, first)
    }

    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, _: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + std::io::Write>(&mut self, out: &mut W) -> std::io::Result<()> {
        self.open(out, b"{")
    }

    fn end_object<W: ?Sized + std::io::Write>(&mut self, out: &mut W) -> std::io::Result<()> {
        self.close(out, b"}")
    }

    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        out: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.next(out, first)
    }

    fn begin_object_value<W: ?Sized + std::io::Write>(
        &mut self,
        out: &mut W,
    ) -> std::io::Result<()> {
        out.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, _: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// Where a span is: `file` and `range`, both `null` without one.
struct Place<'a> {
    sources: &'a SourceMap,
    span: Option<Span>,
}

impl Place<'_> {
    fn known(&self) -> Option<Span> {
        self.span
            .filter(|span| (span.file.0 as usize) < self.sources.len())
    }

    fn file(&self) -> Option<&str> {
        self.known()
            .map(|span| self.sources.get(span.file).path.as_str())
    }

    fn range(&self) -> Option<Range> {
        self.known().map(|span| {
            let file = self.sources.get(span.file);
            Range {
                start: Position(file.line_col(span.start as usize)),
                end: Position(file.line_col(span.end as usize)),
            }
        })
    }
}

#[derive(Serialize)]
struct Range {
    end: Position,
    start: Position,
}

struct Position(LineCol);

impl Serialize for Position {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry("column", &self.0.column)?;
        map.serialize_entry("line", &self.0.line)?;
        map.end()
    }
}

/// A list written item by item from an iterator, never collected.
struct Each<I>(std::cell::Cell<Option<I>>);

impl<I> Each<I> {
    fn new(items: I) -> Self {
        Each(std::cell::Cell::new(Some(items)))
    }
}

impl<I: Iterator<Item = T>, T: Serialize> Serialize for Each<I> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(None)?;
        for item in self.0.take().into_iter().flatten() {
            seq.serialize_element(&item)?;
        }
        seq.end()
    }
}

#[derive(Serialize)]
struct PartJson {
    depth: usize,
    from: String,
}

struct NodeJson<'a> {
    sources: &'a SourceMap,
    node: &'a Node,
}

impl Serialize for NodeJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let node = self.node;
        let place = Place {
            sources: self.sources,
            span: node.span,
        };
        let kind = &node.kind;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("diagnostics", &node.diagnostics)?;
        map.serialize_entry("file", &place.file())?;
        if let NodeKind::Handler { handler, .. } = kind {
            map.serialize_entry("handler", handler.as_str())?;
        }
        map.serialize_entry("id", &node.id)?;
        map.serialize_entry("kind", kind.as_str())?;
        map.serialize_entry("label", &*node.label)?;
        map.serialize_entry("marks", &Each::new(node.marks.iter().map(|m| m.as_str())))?;
        if let NodeKind::State { name_span, .. } = kind {
            let name = Place {
                sources: self.sources,
                span: Some(*name_span),
            };
            map.serialize_entry("name_range", &name.range())?;
        }
        if let NodeKind::Menu { options, .. } = kind {
            map.serialize_entry(
                "options",
                &Each::new(options.iter().map(|option| OptionJson(option))),
            )?;
        }
        if let NodeKind::Menu { prompt, .. } | NodeKind::Ask { prompt, .. } = kind {
            map.serialize_entry("prompt", prompt)?;
        }
        if let NodeKind::Handoff { queue } = kind {
            map.serialize_entry("queue", queue)?;
        }
        map.serialize_entry("range", &place.range())?;
        map.serialize_entry("reachable", &node.reachable)?;
        if let NodeKind::Handler { retry, .. } = kind {
            map.serialize_entry("retry", retry)?;
        }
        if let NodeKind::Escalate { rules } = kind {
            map.serialize_entry("rules", rules)?;
        }
        if let NodeKind::Handler { flow_wide, .. } = kind {
            map.serialize_entry("scope", if *flow_wide { "flow" } else { "statement" })?;
        }
        if let NodeKind::Ask { slot, .. } = kind {
            map.serialize_entry("slot", slot)?;
        }
        if let NodeKind::State { start, .. } = kind {
            map.serialize_entry("start", start)?;
        }
        map.serialize_entry("state", &node.state.as_deref())?;
        if let NodeKind::Transfer { to } = kind {
            map.serialize_entry("to", to)?;
        }
        map.end()
    }
}

struct OptionJson<'a>(&'a MenuOption);

impl Serialize for OptionJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let option = self.0;
        let mut map = serializer.serialize_map(Some(4))?;
        map.serialize_entry("intents", &option.intents)?;
        map.serialize_entry("keys", &option.keys)?;
        map.serialize_entry("label", &option.label)?;
        map.serialize_entry("phrases", &option.phrases)?;
        map.end()
    }
}

struct EdgeJson<'a> {
    diagram: &'a Diagram,
    sources: &'a SourceMap,
    edge: &'a Edge,
}

impl Serialize for EdgeJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let edge = self.edge;
        let id = |i: usize| &self.diagram.nodes[i].id;
        let place = Place {
            sources: self.sources,
            span: Some(edge.span),
        };
        let kind = &edge.kind;
        let option = match kind {
            EdgeKind::Option { option, .. } => Some(&**option),
            _ => None,
        };
        let mut map = serializer.serialize_map(None)?;
        if let EdgeKind::Branch { condition } = kind {
            map.serialize_entry("condition", condition)?;
        }
        map.serialize_entry("file", &place.file())?;
        map.serialize_entry("from", id(edge.from))?;
        if let EdgeKind::Handler { handler, .. } = kind {
            map.serialize_entry("handler", handler.as_str())?;
        }
        map.serialize_entry("happy", &edge.happy())?;
        if let EdgeKind::Handler { inherited, .. } = kind {
            map.serialize_entry("inherited", inherited)?;
        }
        if let Some(option) = option {
            map.serialize_entry("intents", &option.intents)?;
            map.serialize_entry("keys", &option.keys)?;
        }
        map.serialize_entry("kind", kind.as_str())?;
        map.serialize_entry("label", &*edge.label)?;
        if let Some(option) = option {
            map.serialize_entry("option", &option.label)?;
            map.serialize_entry("phrases", &option.phrases)?;
        }
        if let EdgeKind::Handoff { queue } = kind {
            map.serialize_entry("queue", &**queue)?;
        }
        map.serialize_entry("range", &place.range())?;
        if let EdgeKind::Handler { retry, .. } = kind {
            map.serialize_entry("retry", retry)?;
        }
        if let EdgeKind::Escalate { rule, .. } = kind {
            map.serialize_entry("rule", rule)?;
        }
        map.serialize_entry("to", id(edge.to))?;
        map.end()
    }
}

struct DiagnosticJson<'a> {
    diagram: &'a Diagram,
    sources: &'a SourceMap,
    d: &'a NodeDiagnostic,
}

impl Serialize for DiagnosticJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let diagnostic = self.d;
        let place = Place {
            sources: self.sources,
            span: Some(diagnostic.span),
        };
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("code", &diagnostic.code())?;
        map.serialize_entry("file", &place.file())?;
        map.serialize_entry("message", &diagnostic.message)?;
        map.serialize_entry("name", &diagnostic.name())?;
        map.serialize_entry(
            "nodes",
            &Each::new(self.d.nodes.iter().map(|&n| &self.diagram.nodes[n].id)),
        )?;
        map.serialize_entry("range", &place.range())?;
        map.serialize_entry("severity", &diagnostic.severity)?;
        map.end()
    }
}
