//! `csflow graph --format dot` (and, through Graphviz, `svg`): our own DOT writer, because
//! petgraph's `Dot` prints `Debug` labels and knows nothing of ports or styles.
//!
//! A state is one box (an HTML-like table): its name, then a row for each menu or question
//! and each option, so every option's arrow leaves from its own row. Normal moves are solid
//! and dark, handlers dashed and grey, escalate rules dotted: the happy path stands out.
//! Ends and hand-offs are drawn once per state that reaches them, so a busy queue does not
//! pull arrows across the whole picture. Node ids are the JSON ids (`state:main_menu`), so a
//! tool can map an SVG `<title>` back to `--format json`.

use super::{Chunks, Diagram, Edge, EdgeKind, Groups, Mark, NodeKind, option_label, shorten};
use csflow_runtime::markup;
use rustc_hash::FxHashSet;
use std::collections::BTreeSet;
use std::fmt::Write;

/// What to draw besides the flow.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub legend: bool,
}

impl Default for Style {
    fn default() -> Self {
        Style { legend: true }
    }
}

const FONT: &str = "Helvetica,Arial,sans-serif";
const HAPPY: &str = "#1f2937";
const FAILURE: &str = "#9ca3af";
const FAILURE_TEXT: &str = "#6b7280";
const ESCALATE: &str = "#7c3aed";
const HEADER: &str = "#dbeafe";
const START_HEADER: &str = "#93c5fd";
const UNREACHABLE: &str = "#e5e7eb";
const TRAP: &str = "#fecaca";
const TRAP_BORDER: &str = "#dc2626";
const NO_HUMAN: &str = "#fed7aa";

/// The DOT source of `diagram`.
pub fn dot(diagram: &Diagram, style: Style) -> String {
    super::to_text(|out| write_dot(diagram, style, out))
}

/// Writes the DOT source of `diagram` to `out`, a chunk at a time.
pub fn write_dot(
    diagram: &Diagram,
    style: Style,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let owners = diagram.owners();
    let mut chunks = Chunks::new(out);
    let out = &mut chunks.text;
    let mut title = format!("flow {}", html(&diagram.flow));
    if let Some(channel) = diagram.channel {
        title.push_str(&format!(" · {}", channel.as_str()));
    }
    if let Some(part) = &diagram.part {
        title.push_str(&format!(
            " · from {}, depth {}",
            html(&part.from),
            part.depth
        ));
    }
    let _ = writeln!(out, "digraph {} {{", quote(&diagram.flow));
    let _ = writeln!(
        out,
        "  graph [rankdir=TB, fontname=\"{FONT}\", fontsize=12, labelloc=t, nodesep=0.35, ranksep=0.5, label=<<B>{title}</B>>];"
    );
    let _ = writeln!(out, "  node [fontname=\"{FONT}\", fontsize=10];");
    let _ = writeln!(
        out,
        "  edge [fontname=\"{FONT}\", fontsize=9, arrowsize=0.7];"
    );
    // Each box's nodes, gathered once: a scan of every node per box was quadratic (80,000
    // states took 9.7 s).
    let members = Groups::new(
        diagram.nodes.len(),
        owners.iter().enumerate().map(|(i, &owner)| (owner, i)),
    );
    // States (with their rows) and input points outside states, in source order.
    for (i, node) in diagram.nodes.iter().enumerate() {
        if owners[i] != i {
            continue;
        }
        match node.kind {
            NodeKind::State { .. } | NodeKind::Menu { .. } | NodeKind::Ask { .. } => {
                state_box(&mut chunks.text, diagram, members.of(i), i);
            }
            NodeKind::Handler {
                flow_wide: false, ..
            } => state_box(&mut chunks.text, diagram, members.of(i), i),
            _ => {}
        }
        chunks.spill()?;
    }
    drop(members);
    flow_wide(&mut chunks.text, diagram);
    let mut terminals: FxHashSet<(usize, usize)> = FxHashSet::default();
    let loops_back = diagram.loops_back_of(&owners);
    for (index, edge) in diagram.edges.iter().enumerate() {
        let from = owners[edge.from];
        let target = &diagram.nodes[edge.to];
        // Inside one box the rows' order says it; the flow-wide handlers say "everywhere".
        let self_loop = matches!(target.kind, NodeKind::State { .. }) && edge.to == from;
        if (owners[edge.to] == from && !self_loop) || diagram.is_flow_wide(edge.to) {
            continue;
        }
        let stands_in = loops_back[index]
            || matches!(
                target.kind,
                NodeKind::End
                    | NodeKind::Handoff { .. }
                    | NodeKind::Transfer { .. }
                    | NodeKind::More
            );
        let to = if stands_in {
            if terminals.insert((from, edge.to)) {
                terminal(&mut chunks.text, diagram, from, edge.to, loops_back[index]);
            }
            quote(&terminal_id(diagram, from, edge.to))
        } else {
            quote(&diagram.nodes[owners[edge.to]].id)
        };
        // `id` names the JSON edge, for tools that map a click on the SVG back to the data.
        let _ = writeln!(
            chunks.text,
            "  {}{} -> {to} [id=\"edge-{index}\", {}];",
            quote(&diagram.nodes[from].id),
            port(diagram, edge),
            edge_attributes(diagram, edge)
        );
        chunks.spill()?;
    }
    if style.legend {
        legend(&mut chunks.text);
    }
    chunks.text.push_str("}\n");
    chunks.finish()
}

/// A DOT string literal.
fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Text inside an HTML-like label, on one line (line breaks and control characters become
/// spaces).
fn html(text: &str) -> String {
    markup::escape(text, markup::Controls::Space)
}

fn port(diagram: &Diagram, edge: &Edge) -> String {
    match (&diagram.nodes[edge.from].kind, &edge.kind) {
        (NodeKind::State { .. }, _) => String::new(),
        (NodeKind::Menu { .. }, EdgeKind::Option { index, .. }) => {
            format!(":p{}o{index}", edge.from)
        }
        (NodeKind::Escalate { .. }, EdgeKind::Escalate { index, .. }) => format!(":r{index}"),
        (
            NodeKind::Menu { .. }
            | NodeKind::Ask { .. }
            | NodeKind::Handler {
                flow_wide: false, ..
            },
            _,
        ) => format!(":p{}", edge.from),
        _ => String::new(),
    }
}

fn edge_attributes(diagram: &Diagram, edge: &Edge) -> String {
    let mut attributes = Vec::new();
    if !edge.label.is_empty() {
        attributes.push(format!("label={}", quote(&format!(" {} ", edge.label))));
    }
    let from_unreachable = !diagram.nodes[edge.from].reachable;
    match edge.kind {
        EdgeKind::Handler { .. } => {
            attributes.push(format!(
                "style=dashed, color=\"{FAILURE}\", fontcolor=\"{FAILURE_TEXT}\""
            ));
        }
        EdgeKind::Escalate { .. } => {
            attributes.push(format!(
                "style=dotted, color=\"{ESCALATE}\", fontcolor=\"{ESCALATE}\""
            ));
        }
        _ if from_unreachable => {
            attributes.push(format!("color=\"{FAILURE}\", fontcolor=\"{FAILURE_TEXT}\""));
        }
        _ => attributes.push(format!("color=\"{HAPPY}\", penwidth=1.5")),
    }
    attributes.join(", ")
}

/// A state's box: its name, a row per input point, option and local handler, and the names
/// of the checks that warn about it.
fn state_box(out: &mut String, diagram: &Diagram, members: &[usize], owner: usize) {
    let node = &diagram.nodes[owner];
    let state_marks = &node.marks;
    let (header, border, border_width, text) = if state_marks.contains(&Mark::Trap) {
        (TRAP, TRAP_BORDER, 2, HAPPY)
    } else if state_marks.contains(&Mark::Unreachable) || !node.reachable {
        (UNREACHABLE, FAILURE, 1, FAILURE_TEXT)
    } else if matches!(node.kind, NodeKind::State { start: true, .. }) {
        (START_HEADER, HAPPY, 2, HAPPY)
    } else {
        (HEADER, HAPPY, 1, HAPPY)
    };
    let dashed = if state_marks.contains(&Mark::Unreachable) {
        " STYLE=\"dashed\""
    } else {
        ""
    };
    let mut rows = String::new();
    let name = match node.kind {
        NodeKind::State { start: true, .. } => format!("▶ <B>{}</B>", html(&node.label)),
        NodeKind::State { .. } => format!("<B>{}</B>", html(&node.label)),
        _ => html(&node.label),
    };
    let _ = write!(
        rows,
        "<TR><TD ALIGN=\"LEFT\" BGCOLOR=\"{header}\"><FONT COLOR=\"{text}\">{name}</FONT></TD></TR>"
    );
    for &i in members {
        let member = &diagram.nodes[i];
        let background = if member.marks.contains(&Mark::NoPathToHuman) {
            format!(" BGCOLOR=\"{NO_HUMAN}\"")
        } else {
            String::new()
        };
        match &member.kind {
            NodeKind::Menu { prompt, options } => {
                let _ = write!(
                    rows,
                    "<TR><TD PORT=\"p{i}\" ALIGN=\"LEFT\"{background}><I>menu</I> “{}”</TD></TR>",
                    html(&shorten(prompt, 44))
                );
                for (index, option) in options.iter().enumerate() {
                    let _ = write!(
                        rows,
                        "<TR><TD PORT=\"p{i}o{index}\" ALIGN=\"LEFT\">   {}</TD></TR>",
                        html(&shorten(&option_label(option), 40))
                    );
                }
            }
            NodeKind::Ask { prompt, slot } => {
                let _ = write!(
                    rows,
                    "<TR><TD PORT=\"p{i}\" ALIGN=\"LEFT\"{background}><I>ask</I> <B>{}</B> “{}”</TD></TR>",
                    html(slot),
                    html(&shorten(prompt, 40))
                );
            }
            NodeKind::Handler { .. } => {
                let _ = write!(
                    rows,
                    "<TR><TD PORT=\"p{i}\" ALIGN=\"LEFT\"><FONT COLOR=\"{FAILURE_TEXT}\">{}</FONT></TD></TR>",
                    html(&member.label)
                );
            }
            _ => {}
        }
    }
    // Names of the other checks that point here (the marks already show theirs).
    let names: BTreeSet<&str> = members
        .iter()
        .flat_map(|&i| diagram.nodes[i].diagnostics.iter())
        .map(|&d| diagram.diagnostics[d].name())
        .filter(|name| super::Mark::of(name).is_none())
        .collect();
    if !names.is_empty() {
        let names: Vec<&str> = names.into_iter().collect();
        let _ = write!(
            rows,
            "<TR><TD ALIGN=\"LEFT\"><FONT COLOR=\"{TRAP_BORDER}\" POINT-SIZE=\"8\">⚠ {}</FONT></TD></TR>",
            html(&names.join(", "))
        );
    }
    let _ = writeln!(
        out,
        "  {} [shape=plain, label=<<TABLE BORDER=\"{border_width}\" CELLBORDER=\"0\" CELLSPACING=\"0\" CELLPADDING=\"3\" COLOR=\"{border}\"{dashed}>{rows}</TABLE>>];",
        quote(&node.id)
    );
}

/// The flow-wide handlers and the escalate rules, in one dashed box.
fn flow_wide(out: &mut String, diagram: &Diagram) {
    let members: Vec<usize> = (0..diagram.nodes.len())
        .filter(|&i| {
            diagram.is_flow_wide(i) || matches!(diagram.nodes[i].kind, NodeKind::Escalate { .. })
        })
        .collect();
    if members.is_empty() {
        return;
    }
    let _ = writeln!(out, "  subgraph cluster_flow_wide {{");
    let _ = writeln!(
        out,
        "    label=\"flow-wide: for every menu and question\"; style=dashed; color=\"{FAILURE}\"; fontcolor=\"{FAILURE_TEXT}\"; fontsize=10;"
    );
    for i in members {
        let node = &diagram.nodes[i];
        match &node.kind {
            NodeKind::Escalate { rules } => {
                let mut rows = String::from(
                    "<TR><TD ALIGN=\"LEFT\" BGCOLOR=\"#ede9fe\"><B>escalate</B> <FONT POINT-SIZE=\"8\">(checked on every input)</FONT></TD></TR>",
                );
                for (index, rule) in rules.iter().enumerate() {
                    let _ = write!(
                        rows,
                        "<TR><TD PORT=\"r{index}\" ALIGN=\"LEFT\">when {}</TD></TR>",
                        html(&shorten(rule, 40))
                    );
                }
                let _ = writeln!(
                    out,
                    "    {} [shape=plain, label=<<TABLE BORDER=\"1\" CELLBORDER=\"0\" CELLSPACING=\"0\" CELLPADDING=\"3\" COLOR=\"{ESCALATE}\">{rows}</TABLE>>];",
                    quote(&node.id)
                );
            }
            _ => {
                let _ = writeln!(
                    out,
                    "    {} [shape=box, style=\"rounded,dashed\", color=\"{FAILURE}\", fontcolor=\"{FAILURE_TEXT}\", label={}];",
                    quote(&node.id),
                    quote(&node.label)
                );
            }
        }
    }
    let _ = writeln!(out, "  }}");
}

/// `end@state:goodbye`: the end, a hand-off or a reference back up (`state:main_menu@state:x`)
/// as reached from one box.
fn terminal_id(diagram: &Diagram, from: usize, terminal: usize) -> String {
    format!("{}@{}", diagram.nodes[terminal].id, diagram.nodes[from].id)
}

/// What stands in for `terminal` next to the box `from`: an end, a hand-off, a part's
/// boundary, or (`back`) a reference back up to a busy state.
fn terminal(out: &mut String, diagram: &Diagram, from: usize, terminal: usize, back: bool) {
    let node = &diagram.nodes[terminal];
    let id = quote(&terminal_id(diagram, from, terminal));
    if back {
        let _ = writeln!(
            out,
            "  {id} [shape=box, style=\"rounded,dashed\", color=\"{HAPPY}\", fontsize=9, label={}];",
            quote(&format!("↩ {}", node.label))
        );
        return;
    }
    let _ = match &node.kind {
        NodeKind::Handoff { queue } => writeln!(
            out,
            "  {id} [shape=box, style=\"rounded,filled\", fillcolor=\"#dcfce7\", color=\"#15803d\", label=<handoff <B>{}</B>>];",
            html(queue)
        ),
        NodeKind::Transfer { to } => writeln!(
            out,
            "  {id} [shape=box, style=\"rounded,filled\", fillcolor=\"#dcfce7\", color=\"#15803d\", label=<transfer <B>{}</B>>];",
            html(to)
        ),
        NodeKind::More => writeln!(
            out,
            "  {id} [shape=box, style=\"rounded,dashed\", color=\"{FAILURE}\", fontcolor=\"{FAILURE_TEXT}\", fontsize=9, label={}];",
            quote(&format!("→ {}", node.label))
        ),
        _ => writeln!(
            out,
            "  {id} [shape=circle, style=filled, fillcolor=\"#111827\", fontcolor=white, fontsize=8, width=0.4, fixedsize=true, label=\"end\"];"
        ),
    };
}

fn legend(out: &mut String) {
    let swatch = |color: &str, extra: &str, text: &str| {
        format!(
            "<TR><TD BGCOLOR=\"{color}\" WIDTH=\"24\"{extra}> </TD><TD ALIGN=\"LEFT\">{text}</TD></TR>"
        )
    };
    let line = |color: &str, glyph: &str, text: &str| {
        format!(
            "<TR><TD><FONT COLOR=\"{color}\">{glyph}</FONT></TD><TD ALIGN=\"LEFT\">{text}</TD></TR>"
        )
    };
    let rows = [
        swatch(
            HEADER,
            "",
            "state: its menus, questions and options are its rows",
        ),
        swatch(START_HEADER, "", "▶ the start state"),
        swatch(UNREACHABLE, "", "unreachable: no caller can get here"),
        swatch(TRAP, "", "trap: no end and no human can be reached"),
        swatch(
            NO_HUMAN,
            "",
            "no path to a human from this menu or question",
        ),
        line(
            HAPPY,
            "━━▶",
            "option, goto, answer, branch (the happy path)",
        ),
        line(FAILURE, "╍╍▶", "no_match, no_input, closed, error handlers"),
        line(ESCALATE, "┈┈▶", "escalate rule"),
        "<TR><TD>↩ name</TD><TD ALIGN=\"LEFT\">back to a busy state drawn nearer the start</TD></TR>".to_string(),
        "<TR><TD>⚠</TD><TD ALIGN=\"LEFT\">other warnings (csflow check)</TD></TR>".to_string(),
    ];
    let _ = writeln!(out, "  subgraph cluster_legend {{");
    let _ = writeln!(
        out,
        "    label=\"Legend\"; style=rounded; color=\"{FAILURE}\"; fontsize=10;"
    );
    let _ = writeln!(
        out,
        "    legend [shape=plain, fontsize=9, label=<<TABLE BORDER=\"0\" CELLBORDER=\"0\" CELLSPACING=\"2\" CELLPADDING=\"2\">{}</TABLE>>];",
        rows.concat()
    );
    let _ = writeln!(out, "  }}");
}
