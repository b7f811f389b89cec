//! `csflow graph --format mermaid`: a Mermaid flowchart, for Markdown pages that render it
//! (GitHub, GitLab, many wikis). Mermaid has no ports, so menus and questions are nodes of
//! their own next to their state; the styles follow the DOT picture (solid happy path,
//! dashed handlers, dotted escalation, coloured marks, a legend).

use super::unique::UniqueIds;
use super::{Chunks, Diagram, EdgeKind, Mark, NodeKind, shorten};
use rustc_hash::FxHashSet;
use std::fmt::Write;

/// Text inside a quoted Mermaid label: quotes and angle brackets as entity codes.
fn text(label: &str) -> String {
    let mut out = String::with_capacity(label.len());
    for c in label.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '#' => out.push_str("#35;"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Mermaid node ids: letters, digits and `_` only, and never a keyword such as `end`.
fn ids(diagram: &Diagram) -> Vec<String> {
    let wanted = diagram.nodes.iter().map(|node| {
        let mut wanted = String::with_capacity(node.id.len() + 2);
        wanted.push_str("n_");
        wanted.extend(
            node.id
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }),
        );
        wanted
    });
    UniqueIds::name_all(wanted, |n| format!("_{n}"))
}

/// The Mermaid source of `diagram`.
pub fn mermaid(diagram: &Diagram) -> String {
    super::to_text(|out| write_mermaid(diagram, out))
}

/// Writes the Mermaid source of `diagram` to `out`, a chunk at a time.
pub fn write_mermaid(diagram: &Diagram, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let ids = ids(diagram);
    let owners = diagram.owners();
    let mut chunks = Chunks::new(out);
    chunks.text.push_str("flowchart TD\n");
    let out = &mut chunks.text;
    let mut title = format!("flow {}", diagram.flow);
    if let Some(channel) = diagram.channel {
        title.push_str(&format!(" · {}", channel.as_str()));
    }
    if let Some(part) = &diagram.part {
        title.push_str(&format!(" · from {}, depth {}", part.from, part.depth));
    }
    let _ = writeln!(out, "  %% {title}");
    let mut classes: [Vec<&str>; 4] = Default::default();
    let mut flow_wide = Vec::new();
    for (i, node) in diagram.nodes.iter().enumerate() {
        let id = &ids[i];
        let shape = match &node.kind {
            NodeKind::State { start, .. } => {
                let name = if *start {
                    format!("▶ {}", node.label)
                } else {
                    node.label.to_string()
                };
                format!("[\"{}\"]", text(&name))
            }
            NodeKind::Menu { prompt, .. } => {
                format!("{{{{\"menu: {}\"}}}}", text(&shorten(prompt, 40)))
            }
            NodeKind::Ask { prompt, slot } => {
                format!("[/\"ask {slot}: {}\"/]", text(&shorten(prompt, 36)))
            }
            NodeKind::Handler {
                flow_wide: true, ..
            }
            | NodeKind::Escalate { .. } => {
                flow_wide.push(i);
                continue;
            }
            NodeKind::Handler { .. } => format!("([\"{}\"])", text(&node.label)),
            NodeKind::More => format!("[\"→ {}\"]", text(&node.label)),
            // Drawn once per state that reaches them, below.
            NodeKind::End | NodeKind::Handoff { .. } | NodeKind::Transfer { .. } => continue,
        };
        let _ = writeln!(chunks.text, "  {id}{shape}");
        chunks.spill()?;
        let class = if node.marks.contains(&Mark::Trap) {
            Some(1)
        } else if node.marks.contains(&Mark::Unreachable) || !node.reachable {
            Some(0)
        } else if node.marks.contains(&Mark::NoPathToHuman) {
            Some(2)
        } else if matches!(node.kind, NodeKind::More) {
            Some(3)
        } else {
            None
        };
        if let Some(class) = class {
            classes[class].push(id);
        }
    }
    let out = &mut chunks.text;
    if !flow_wide.is_empty() {
        let _ = writeln!(
            out,
            "  subgraph flow_wide [\"flow-wide: for every menu and question\"]"
        );
        for &i in &flow_wide {
            let node = &diagram.nodes[i];
            let label = match &node.kind {
                NodeKind::Escalate { rules } => {
                    let rules: Vec<String> = rules.iter().map(|r| text(&shorten(r, 36))).collect();
                    format!("[[\"escalate<br/>when {}\"]]", rules.join("<br/>when "))
                }
                _ => format!("([\"{}\"])", text(&node.label)),
            };
            let _ = writeln!(out, "    {}{label}", ids[i]);
        }
        let _ = writeln!(out, "  end");
    }
    let mut terminals: FxHashSet<(usize, usize)> = FxHashSet::default();
    let mut link = 0;
    let mut failure_links = Vec::new();
    let mut escalate_links = Vec::new();
    let mut happy_links = Vec::new();
    let loops_back = diagram.loops_back_of(&owners);
    for (index, edge) in diagram.edges.iter().enumerate() {
        // The flow-wide handlers apply to every input point without its own: drawn once.
        if diagram.is_flow_wide(edge.to) {
            continue;
        }
        let target = &diagram.nodes[edge.to];
        let to = match &target.kind {
            _ if loops_back[index] => {
                let from = owners[edge.from];
                let id = format!("{}__{}", ids[edge.to], ids[from]);
                if terminals.insert((from, edge.to)) {
                    let _ = writeln!(chunks.text, "  {id}([\"↩ {}\"])", text(&target.label));
                }
                id
            }
            NodeKind::End | NodeKind::Handoff { .. } | NodeKind::Transfer { .. } => {
                let from = owners[edge.from];
                let id = format!("{}__{}", ids[edge.to], ids[from]);
                if terminals.insert((from, edge.to)) {
                    let shape = match &target.kind {
                        NodeKind::Handoff { queue } => format!(">\"handoff {}\"]", text(queue)),
                        NodeKind::Transfer { to } => format!(">\"transfer {}\"]", text(to)),
                        _ => "((\"end\"))".to_string(),
                    };
                    let _ = writeln!(chunks.text, "  {id}{shape}");
                }
                id
            }
            _ => ids[edge.to].clone(),
        };
        let arrow = if edge.happy() { "-->" } else { "-.->" };
        let label = if edge.label.is_empty() {
            String::new()
        } else {
            format!("|\"{}\"|", text(&edge.label))
        };
        let _ = writeln!(chunks.text, "  {} {arrow}{label} {to}", ids[edge.from]);
        chunks.spill()?;
        match edge.kind {
            EdgeKind::Handler { .. } => failure_links.push(link),
            EdgeKind::Escalate { .. } => escalate_links.push(link),
            _ if diagram.nodes[edge.from].reachable => happy_links.push(link),
            _ => {}
        }
        link += 1;
    }
    let styles = [
        (&happy_links, "stroke:#1f2937,stroke-width:2px"),
        (&failure_links, "stroke:#9ca3af,stroke-dasharray:5 4"),
        (&escalate_links, "stroke:#7c3aed,stroke-dasharray:2 3"),
    ];
    for (links, style) in styles {
        if let Some((first, rest)) = links.split_first() {
            let _ = write!(chunks.text, "  linkStyle {first}");
            for link in rest {
                let _ = write!(chunks.text, ",{link}");
                chunks.spill()?;
            }
            let _ = writeln!(chunks.text, " {style}");
        }
    }
    let out = &mut chunks.text;
    let _ = writeln!(out, "  subgraph legend [\"Legend\"]");
    let _ = writeln!(
        out,
        "    legend_unreachable[\"unreachable: no caller can get here\"]"
    );
    let _ = writeln!(
        out,
        "    legend_trap[\"trap: no end and no human can be reached\"]"
    );
    let _ = writeln!(out, "    legend_no_human[\"no path to a human from here\"]");
    let _ = writeln!(
        out,
        "    legend_handler([\"dashed arrows: no_match, no_input, closed, error\"])"
    );
    let _ = writeln!(out, "  end");
    classes[0].push("legend_unreachable");
    classes[1].push("legend_trap");
    classes[2].push("legend_no_human");
    let definitions = [
        (
            "unreachable",
            "fill:#e5e7eb,stroke:#9ca3af,stroke-dasharray:5 3,color:#6b7280",
        ),
        ("trap", "fill:#fecaca,stroke:#dc2626,stroke-width:2px"),
        ("nohuman", "fill:#fed7aa,stroke:#ea580c"),
        (
            "more",
            "fill:#ffffff,stroke:#9ca3af,stroke-dasharray:5 3,color:#6b7280",
        ),
    ];
    for (index, (name, style)) in definitions.iter().enumerate() {
        let _ = writeln!(chunks.text, "  classDef {name} {style}");
        if let Some((first, rest)) = classes[index].split_first() {
            let _ = write!(chunks.text, "  class {first}");
            for class in rest {
                let _ = write!(chunks.text, ",{class}");
                chunks.spill()?;
            }
            let _ = writeln!(chunks.text, " {name}");
        }
    }
    chunks.finish()
}
