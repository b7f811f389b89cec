//! `csflow graph`'s model and renderers: snapshots of DOT, Mermaid and JSON for a flow with
//! every mark and kind of edge, and assertions on what the model says about the examples.

use csflow_compiler::analysis::Analysis;
use csflow_compiler::diagram::{
    BuildError, Diagram, EdgeKind, Mark, NodeKind, Part, dot, json, mermaid,
};
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn options() -> csflow_compiler::check::Options {
    csflow_compiler::check::Options {
        today: chrono::NaiveDate::from_ymd_opt(2026, 11, 21),
        ..Default::default()
    }
}

/// The project at `relative` (under the repository root), with paths shown as given.
fn load(relative: &str) -> Analysis {
    let path = root().join(relative);
    let mut analysis =
        csflow_compiler::analyze_paths(&[path], &options()).expect("the fixture loads");
    // Snapshots show repository-relative paths, whatever the checkout's location.
    let prefix = format!("{}/", root().display());
    let mut sources = csflow_compiler::source::SourceMap::new();
    for (_, file) in analysis.sources.files() {
        sources.add(file.path.replace(&prefix, ""), file.text.clone());
    }
    analysis.sources = sources;
    analysis
}

const MARKED: &str = "compiler/tests/fixtures/graph/marked.csflow";

fn diagram(analysis: &Analysis, flow: &str) -> Diagram {
    Diagram::build(analysis, Some(flow), None).expect("the flow is drawn")
}

#[test]
fn dot_snapshots() {
    let analysis = load(MARKED);
    for flow in ["hotline", "survey"] {
        let text = dot::dot(&diagram(&analysis, flow), dot::Style::default());
        insta::assert_snapshot!(format!("dot_{flow}"), text);
    }
}

#[test]
fn mermaid_snapshots() {
    let analysis = load(MARKED);
    for flow in ["hotline", "survey"] {
        insta::assert_snapshot!(
            format!("mermaid_{flow}"),
            mermaid::mermaid(&diagram(&analysis, flow))
        );
    }
}

#[test]
fn json_snapshots() {
    let analysis = load(MARKED);
    for flow in ["hotline", "survey"] {
        insta::assert_snapshot!(
            format!("json_{flow}"),
            json::json(&diagram(&analysis, flow), &analysis.sources)
        );
    }
}

#[test]
fn marks_come_from_the_diagnostics() {
    let analysis = load(MARKED);
    let marked = |d: &Diagram, mark: Mark| -> Vec<String> {
        d.nodes
            .iter()
            .filter(|n| n.marks.contains(&mark))
            .map(|n| n.id.clone())
            .collect()
    };
    let hotline = diagram(&analysis, "hotline");
    assert_eq!(marked(&hotline, Mark::Unreachable), ["state:forgotten"]);
    assert!(marked(&hotline, Mark::Trap).is_empty());
    let survey = diagram(&analysis, "survey");
    assert_eq!(marked(&survey, Mark::Trap), ["state:spin"]);
    assert_eq!(
        marked(&survey, Mark::NoPathToHuman),
        ["input:survey_start:0", "input:thanks:0"]
    );
    // Every diagnostic of the flow is listed once, with the nodes it is drawn on.
    let names: Vec<&str> = survey.diagnostics.iter().map(|d| d.name()).collect();
    assert_eq!(
        names,
        ["no-path-to-human", "no-path-to-human", "trap-state"]
    );
    let trap = &survey.diagnostics[2];
    assert_eq!(survey.nodes[trap.nodes[0]].id, "state:spin");
}

#[test]
fn a_silenced_warning_marks_nothing() {
    let text = std::fs::read_to_string(root().join(MARKED)).expect("fixture");
    let text = text.replace(
        "  state forgotten {",
        "  # csflow: allow(unreachable-state)\n  state forgotten {",
    );
    let analysis = csflow_compiler::analyze(
        vec![("marked.csflow".into(), text.into_bytes())],
        &|_| Err(std::io::ErrorKind::NotFound.into()),
        &options(),
    );
    let hotline = diagram(&analysis, "hotline");
    assert!(hotline.nodes.iter().all(|n| n.marks.is_empty()));
    // The graph itself still knows nobody gets there.
    let forgotten = &hotline.nodes[hotline.node_index("state:forgotten").expect("drawn")];
    assert!(!forgotten.reachable);
}

#[test]
fn edges_say_how_control_leaves() {
    let analysis = load(MARKED);
    let hotline = diagram(&analysis, "hotline");
    let edge = |from: &str, to: &str| -> Vec<&EdgeKind> {
        let (from, to) = (
            hotline.node_index(from).expect("from"),
            hotline.node_index(to).expect("to"),
        );
        hotline
            .edges
            .iter()
            .filter(|e| e.from == from && e.to == to)
            .map(|e| &e.kind)
            .collect()
    };
    assert!(matches!(
        edge("input:main_menu:0", "state:order_status")[..],
        [EdgeKind::Option { index: 0, option }] if option.keys == ["1"] && option.label == "订单"
    ));
    assert!(matches!(
        edge("input:main_menu:0", "handoff:care")[..],
        [EdgeKind::Handler {
            retry: Some(3),
            inherited: false,
            ..
        }]
    ));
    // Its own no_input handler is missing: the flow-wide one runs.
    assert!(matches!(
        edge("input:main_menu:0", "handler:no_input")[..],
        [EdgeKind::Handler {
            inherited: true,
            ..
        }]
    ));
    let branches: Vec<String> = edge("input:order_status:0", "handoff:general")
        .into_iter()
        .map(|k| format!("{k:?}"))
        .collect();
    assert_eq!(branches, [r#"Branch { condition: "order is set" }"#]);
    assert!(matches!(
        edge("escalate", "handoff:care")[..],
        [EdgeKind::Escalate { index: 1, rule }] if rule == "sentiment < -0.6"
    ));
    assert!(matches!(
        edge("state:welcome", "state:main_menu")[..],
        [EdgeKind::Goto]
    ));
    assert!(matches!(edge("state:goodbye", "end")[..], [EdgeKind::End]));
    // A hand-off per queue, pointing at the queue's declaration.
    let queues: Vec<&str> = hotline
        .nodes
        .iter()
        .filter_map(|n| match &n.kind {
            NodeKind::Handoff { queue } => Some(queue.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(queues, ["general", "care"]);
}

#[test]
fn every_example_flow_draws_every_state() {
    for project in ["bank", "shop", "utility", "leads"] {
        let analysis = load(&format!("examples/{project}"));
        let (model, _, _) = csflow_compiler::resolve::resolve(&analysis.files);
        for flow in &model.flows {
            let d = diagram(&analysis, &flow.flow.name.as_ref().expect("a name").name);
            for state in &flow.flow.states {
                let id = format!("state:{}", state.name.as_ref().expect("a name").name);
                let node = d.node_index(&id).unwrap_or_else(|| panic!("{id} drawn"));
                assert!(d.nodes[node].reachable, "{id} reachable in a clean example");
            }
            assert!(d.nodes.iter().all(|n| n.marks.is_empty()));
            let text = dot::dot(&d, dot::Style::default());
            for state in &flow.flow.states {
                assert!(text.contains(&format!(
                    "\"state:{}\"",
                    state.name.as_ref().expect("a name").name
                )));
            }
        }
    }
}

/// The JSON is written as a stream, member by member: the members of every object must
/// still come in alphabetical order, exactly as a sorted map prints them.
#[test]
fn streamed_json_keeps_every_object_sorted() {
    let mut checked = 0;
    for project in [
        MARKED,
        "examples/bank",
        "examples/shop",
        "examples/utility",
        "examples/leads",
    ] {
        let analysis = load(project);
        let (model, _, _) = csflow_compiler::resolve::resolve(&analysis.files);
        for flow in &model.flows {
            let d = diagram(&analysis, &flow.flow.name.as_ref().expect("a name").name);
            let text = json::json(&d, &analysis.sources);
            let value: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
            let sorted = serde_json::to_string_pretty(&value).expect("printed") + "\n";
            assert_eq!(text, sorted, "{project}: members out of order");
            checked += 1;
        }
    }
    assert!(checked >= 5, "only {checked} flows checked");
}

#[test]
fn a_part_stops_at_its_depth_and_says_where_it_continues() {
    let analysis = load(MARKED);
    let part = Part {
        from: "main_menu".into(),
        depth: 1,
    };
    let d = Diagram::build(&analysis, Some("hotline"), Some(&part)).expect("drawn");
    let states: Vec<&str> = d
        .nodes
        .iter()
        .filter(|n| matches!(n.kind, NodeKind::State { .. }))
        .map(|n| &*n.label)
        .collect();
    assert_eq!(states, ["main_menu", "order_status", "loop_a"]);
    let more: Vec<&str> = d
        .nodes
        .iter()
        .filter(|n| matches!(n.kind, NodeKind::More))
        .map(|n| n.id.as_str())
        .collect();
    assert_eq!(
        more,
        ["more:goodbye", "more:after_hours", "more:anything_else"]
    );
    // The start state is outside the part.
    assert_eq!(d.start, None);
    insta::assert_snapshot!("json_hotline_part", json::json(&d, &analysis.sources));
    let zero = Part {
        from: "spin".into(),
        depth: 0,
    };
    let d = Diagram::build(&analysis, Some("survey"), Some(&zero)).expect("drawn");
    assert_eq!(
        d.nodes
            .iter()
            .filter(|n| n.marks.contains(&Mark::Trap))
            .count(),
        1
    );
}

#[test]
fn bad_names_are_explained() {
    let analysis = load(MARKED);
    let error = Diagram::build(&analysis, Some("hotlin"), None).expect_err("unknown");
    assert_eq!(
        error.to_string(),
        "there is no flow `hotlin` (did you mean `hotline`?); the flows are: hotline, survey"
    );
    let error = Diagram::build(&analysis, None, None).expect_err("two flows");
    assert!(matches!(error, BuildError::FlowRequired { .. }));
    let part = Part {
        from: "main_men".into(),
        depth: 1,
    };
    let error = Diagram::build(&analysis, Some("hotline"), Some(&part)).expect_err("state");
    assert_eq!(
        error.to_string(),
        "the flow `hotline` has no state `main_men` (did you mean `main_menu`?)"
    );
}

#[test]
fn a_broken_flow_is_still_drawn() {
    let text = "queue q { }\nflow f {\n  start a\n  state a {\n    say \"hi\" gotoo b\n  }\n  state b { handoff q }\n}\n";
    let analysis = csflow_compiler::analyze(
        vec![("broken.csflow".into(), text.as_bytes().to_vec())],
        &|_| Err(std::io::ErrorKind::NotFound.into()),
        &options(),
    );
    assert!(analysis.has_errors());
    let d = diagram(&analysis, "f");
    assert!(d.node_index("state:a").is_some() && d.node_index("state:b").is_some());
    assert!(d.diagnostics.iter().any(|d| d.name() == "syntax-error"));
    let no_start = "flow f {\n  state a { end }\n}\n";
    let analysis = csflow_compiler::analyze(
        vec![("nostart.csflow".into(), no_start.as_bytes().to_vec())],
        &|_| Err(std::io::ErrorKind::NotFound.into()),
        &options(),
    );
    let error = Diagram::build(&analysis, Some("f"), None).expect_err("no start");
    assert!(error.to_string().contains("has no `start` state"));
}

/// The benchmark's IVR tree (`flowgen.js N csflow`): state i has 3 + i % 3 options to its
/// breadth-first children, every fourth also "back to main menu", leaves main menu / hang up.
fn tree(states: usize) -> String {
    let mut text = String::from(
        "queue agents { }\nintent agent { \"agent\" }\nflow ivr {\n  channel chat\n  start s0\n  on no_match retry 2 then goto s0\n  escalate { when intent agent handoff agents }\n",
    );
    let mut next = 1;
    for i in 0..states {
        text.push_str(&format!("  state s{i} {{\n    menu \"State {i}\" {{\n"));
        let mut options = 0;
        while options < 3 + i % 3 && next < states {
            options += 1;
            text.push_str(&format!(
                "      option \"Option {options}\" key {options} goto s{next}\n"
            ));
            next += 1;
        }
        if options == 0 {
            text.push_str(
                "      option \"Main menu\" key 1 goto s0\n      option \"Hang up\" key 2 end\n",
            );
        } else if i % 4 == 3 {
            text.push_str(&format!(
                "      option \"Back\" key {} goto s0\n",
                options + 1
            ));
        }
        text.push_str("    }\n  }\n");
    }
    text.push_str("}\n");
    text
}

#[test]
fn a_400_state_flow_stays_drawable() {
    let analysis = csflow_compiler::analyze(
        vec![("tree.csflow".into(), tree(400).into_bytes())],
        &|_| Err(std::io::ErrorKind::NotFound.into()),
        &options(),
    );
    assert!(!analysis.has_errors());
    let whole = diagram(&analysis, "ivr");
    // "Back to the main menu" from ~330 places is drawn as a reference at each of them, not
    // as 330 arrows across the picture.
    let loops_back = whole.loops_back();
    let s0 = whole.node_index("state:s0").expect("s0");
    let back: Vec<_> = whole
        .edges
        .iter()
        .zip(&loops_back)
        .filter(|(_, b)| **b)
        .collect();
    assert!(back.len() > 300, "{}", back.len());
    assert!(back.iter().all(|(e, _)| e.to == s0));
    let text = dot::dot(&whole, dot::Style::default());
    // Only the flow-wide `on no_match … goto s0` is an arrow to s0.
    let arrows: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("-> \"state:s0\" "))
        .collect();
    assert_eq!(arrows.len(), 1, "{arrows:?}");
    assert!(arrows[0].trim_start().starts_with("\"handler:no_match\""));
    // A part of it: s3 and its four children, with where each child's options continue.
    let part = Part {
        from: "s3".into(),
        depth: 1,
    };
    let d = Diagram::build(&analysis, Some("ivr"), Some(&part)).expect("drawn");
    let states = d
        .nodes
        .iter()
        .filter(|n| matches!(n.kind, NodeKind::State { .. }))
        .count();
    assert_eq!(states, 4);
    assert!(d.nodes.iter().any(|n| n.id == "more:s52"));
}

/// Tokens that make mutations look like real editing mistakes.
const TOKENS: &[&str] = &[
    "{",
    "}",
    "\"",
    "goto ",
    "menu \"x\" {",
    "option \"o\" ",
    "key 1 ",
    "handoff general ",
    "if x {",
    "else ",
    "end ",
    "on no_match ",
    "on closed ",
    "state s {",
    "你好",
    "\n",
    "#",
];

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 64, ..Default::default() })]

    /// Whatever a designer half-typed, every flow that has a start is drawn in every format
    /// without a panic, and the JSON is valid with every edge between listed nodes.
    #[test]
    fn mutated_examples_draw_without_panicking(
        which in 0usize..4,
        edits in proptest::collection::vec((proptest::prelude::any::<proptest::sample::Index>(), 0usize..40, 0usize..TOKENS.len(), 0u8..2), 1..6),
    ) {
        let project = ["bank", "shop", "utility", "leads"][which];
        let path = root().join(format!("examples/{project}/{project}.csflow"));
        let mut text = std::fs::read(path).expect("example");
        for (at, len, token, kind) in edits {
            let start = at.index(text.len() + 1);
            let end = (start + len).min(text.len());
            if kind == 0 {
                text.drain(start..end);
            } else {
                text.splice(start..start, TOKENS[token].bytes());
            }
        }
        let analysis = csflow_compiler::analyze(
            vec![("mutated.csflow".into(), text)],
            &|_| Err(std::io::ErrorKind::NotFound.into()),
            &options(),
        );
        let (model, _, _) = csflow_compiler::resolve::resolve(&analysis.files);
        for flow in &model.flows {
            let name = &flow.flow.name.as_ref().expect("a name").name;
            let Ok(d) = Diagram::build(&analysis, Some(name), None) else { continue };
            let _ = dot::dot(&d, dot::Style::default());
            let _ = mermaid::mermaid(&d);
            let document: serde_json::Value =
                serde_json::from_str(&json::json(&d, &analysis.sources)).expect("valid JSON");
            let ids: std::collections::HashSet<&str> = document["nodes"]
                .as_array()
                .expect("nodes")
                .iter()
                .map(|n| n["id"].as_str().expect("id"))
                .collect();
            for edge in document["edges"].as_array().expect("edges") {
                proptest::prop_assert!(ids.contains(edge["from"].as_str().expect("from")));
                proptest::prop_assert!(ids.contains(edge["to"].as_str().expect("to")));
            }
            if let Some(first) = flow.flow.states.first() {
                let part = Part { from: first.name.as_ref().expect("a name").name.clone(), depth: 1 };
                if let Ok(d) = Diagram::build(&analysis, Some(name), Some(&part)) {
                    let _ = dot::dot(&d, dot::Style::default());
                }
            }
        }
    }
}

#[test]
fn options_from_is_one_edge_for_its_items() {
    let analysis = load("examples/airline");
    let text = mermaid::mermaid(&diagram(&analysis, "airline_hotline"));
    assert!(
        text.contains(r#"-->|"1..3 · each item: {item.number}…"| n_state_choose_plan"#),
        "{text}"
    );
}

#[test]
fn repeated_options_and_labels_are_held_once() {
    let text = "queue q { }\nflow f {\n  channel voice\n  start a\n  on no_match retry 1 then handoff q\n  state a { menu \"Press 1 or 0\" { option \"next\" key 1 goto b option \"agent\" key 0 handoff q } }\n  state b { menu \"Press 1 or 0\" { option \"next\" key 1 goto a option \"agent\" key 0 handoff q } }\n}\n";
    let analysis = csflow_compiler::analyze(
        vec![("shared.csflow".into(), text.as_bytes().to_vec())],
        &|_| Err(std::io::ErrorKind::NotFound.into()),
        &options(),
    );
    let d = diagram(&analysis, "f");
    let options_of = |id: &str| match &d.nodes[d.node_index(id).expect("drawn")].kind {
        NodeKind::Menu { options, .. } => options.clone(),
        other => panic!("{other:?}"),
    };
    let (a, b) = (options_of("input:a:0"), options_of("input:b:0"));
    // The same option in two menus is one value, and so is its edges' option.
    assert!(std::sync::Arc::ptr_eq(&a[1], &b[1]), "{a:?} {b:?}");
    assert_eq!(a[1].label, "agent");
    let agent_edges: Vec<_> = d
        .edges
        .iter()
        .filter_map(|e| match &e.kind {
            EdgeKind::Option { option, .. } if option.label == "agent" => Some((option, &e.label)),
            _ => None,
        })
        .collect();
    assert_eq!(agent_edges.len(), 2);
    assert!(std::sync::Arc::ptr_eq(agent_edges[0].0, &a[1]));
    assert!(std::sync::Arc::ptr_eq(agent_edges[0].1, agent_edges[1].1));
    assert_eq!(&**agent_edges[0].1, "0 · agent");
    // A state's name is shared by the nodes written in it.
    let state = &d.nodes[d.node_index("state:a").expect("drawn")];
    let input = &d.nodes[d.node_index("input:a:0").expect("drawn")];
    assert!(std::sync::Arc::ptr_eq(
        &state.label,
        input.state.as_ref().expect("in a state")
    ));
}

#[test]
fn marks_are_a_set() {
    let mut marks = csflow_compiler::diagram::Marks::default();
    assert!(marks.is_empty());
    marks.insert(Mark::NoPathToHuman);
    marks.insert(Mark::Unreachable);
    marks.insert(Mark::NoPathToHuman);
    assert!(marks.contains(&Mark::Unreachable) && !marks.contains(&Mark::Trap));
    assert_eq!(
        marks.iter().collect::<Vec<_>>(),
        [Mark::Unreachable, Mark::NoPathToHuman]
    );
}

/// `states` voice menus in a row, each with an option to the next, one to a queue (three
/// queues in turn), one transferring the call and a handler of its own.
fn menus(states: usize) -> String {
    let mut text = String::from(
        "queue q0 { }\nqueue q1 { }\nqueue q2 { }\nflow f {\n  channel voice\n  start s0\n  on no_match retry 1 then handoff q0\n",
    );
    for i in 0..states {
        let next = if i + 1 == states {
            "s0".to_string()
        } else {
            format!("s{}", i + 1)
        };
        text.push_str(&format!(
            "  state s{i} {{ menu \"Press 1, 0 or 2\" {{ option \"next\" key 1 goto {next} option \"agent\" key 0 handoff q{} option \"desk\" key 2 transfer \"+4420700{}\" on no_input retry 2 then goto s{i} }} }}\n",
            i % 3,
            i % 2
        ));
    }
    text.push_str("}\n");
    text
}

#[test]
fn a_flow_described_on_every_core_is_drawn_as_in_order() {
    // Over 15,000 graph edges: described in batches on several threads (a small flow is
    // described on one), then made into edges in order.
    let states = 2_500;
    let text = menus(states);
    let analysis = csflow_compiler::analyze(
        vec![("menus.csflow".into(), text.into_bytes())],
        &|_| Err(std::io::ErrorKind::NotFound.into()),
        &options(),
    );
    let d = diagram(&analysis, "f");
    // The end, queue and transfer nodes come after the others, in the order edges first
    // reach them: q0, q1, q2 from the first three menus, the two desks in between.
    let tail: Vec<&str> = d.nodes[d.nodes.len() - 5..]
        .iter()
        .map(|n| n.id.as_str())
        .collect();
    assert_eq!(
        tail,
        [
            "handoff:q0",
            "transfer:+44207000",
            "handoff:q1",
            "transfer:+44207001",
            "handoff:q2"
        ]
    );
    let index = |id: &str| d.node_index(id).unwrap_or_else(|| panic!("{id} drawn"));
    for i in 0..states {
        let input = index(&format!("input:s{i}:0"));
        let NodeKind::Menu { options, .. } = &d.nodes[input].kind else {
            panic!("s{i} is a menu");
        };
        let out: Vec<_> = d.edges.iter().filter(|e| e.from == input).collect();
        let next = format!("state:s{}", (i + 1) % states);
        let targets: Vec<(&str, &str)> = out
            .iter()
            .map(|e| (d.nodes[e.to].id.as_str(), &*e.label))
            .collect();
        let queue = format!("handoff:q{}", i % 3);
        let desk = format!("transfer:+4420700{}", i % 2);
        assert_eq!(
            targets,
            [
                (next.as_str(), "1 · next"),
                (queue.as_str(), "0 · agent"),
                (desk.as_str(), "2 · desk"),
                ("handler:no_match", "no_match ×1 (flow)"),
                (format!("state:s{i}").as_str(), "no_input ×2"),
            ],
            "menu s{i}"
        );
        for edge in &out {
            if let EdgeKind::Option { index, option } = &edge.kind {
                assert!(std::sync::Arc::ptr_eq(option, &options[*index]), "s{i}");
            }
        }
    }
}
