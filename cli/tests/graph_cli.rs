//! `csflow graph` as designers and editors run it: a real SVG laid out by Graphviz's `dot`
//! (well-formed XML naming every state), the other formats, parts, and bad usage.
//!
//! The SVG tests need Graphviz (`scripts/ci.d/graph.setup.sh` installs it). Without it they
//! say so and pass, except under `CI=true`, where a missing `dot` is a failure.

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn csflow() -> Command {
    Command::cargo_bin("csflow").expect("the csflow binary is built")
}

/// `csflow graph PATH ARGS…`, run to the end.
fn graph(path: &Path, args: &[&str]) -> std::process::Output {
    csflow()
        .arg("graph")
        .arg(path)
        .args(args)
        .output()
        .expect("csflow runs")
}

/// `--format json` of `flow`, parsed.
fn graph_json(path: &Path, flow: &str) -> Value {
    let output = graph(path, &["--flow", flow, "--format", "json"]);
    assert!(output.status.success(), "{output:?}");
    serde_json::from_slice(&output.stdout).expect("JSON")
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn examples() -> PathBuf {
    root().join("examples")
}

/// Is Graphviz's `dot` here? Under CI it must be.
fn have_dot() -> bool {
    let found = std::process::Command::new("dot")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "Graphviz's `dot` is missing under CI (scripts/ci.d/graph.setup.sh installs it)"
        );
        eprintln!("skipping: Graphviz's `dot` is not installed");
    }
    found
}

/// Every state of `flow` in the project at `path`, from `--format json`.
fn states(path: &Path, flow: &str) -> Vec<String> {
    graph_json(path, flow)["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter(|n| n["kind"] == "state")
        .map(|n| n["label"].as_str().expect("label").to_string())
        .collect()
}

/// The text of every `<text>` element and every `<title>` of an SVG, which must parse.
fn svg_texts(svg: &str) -> (Vec<String>, Vec<String>) {
    // Graphviz writes a DOCTYPE line for SVG 1.1.
    let options = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    let document =
        roxmltree::Document::parse_with_options(svg, options).expect("the SVG is well-formed XML");
    let root = document.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    let collect = |tag: &str| -> Vec<String> {
        document
            .descendants()
            .filter(|n| n.tag_name().name() == tag)
            .map(|n| {
                n.descendants()
                    .filter(|t| t.is_text())
                    .filter_map(|t| t.text())
                    .collect::<String>()
            })
            .collect()
    };
    (collect("text"), collect("title"))
}

/// Every arrow of the SVG is `id="edge-N"` for the N-th edge of `--format json`, and goes
/// from the box of that edge's source.
fn edge_ids_name_json_edges(svg: &str, path: &Path, flow: &str) {
    let document = graph_json(path, flow);
    let edges = document["edges"].as_array().expect("edges");
    let options = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    let svg = roxmltree::Document::parse_with_options(svg, options).expect("XML");
    let mut drawn = 0;
    for group in svg
        .descendants()
        .filter(|n| n.attribute("class") == Some("edge"))
    {
        let id = group.attribute("id").expect("an id");
        let index: usize = id
            .strip_prefix("edge-")
            .expect("edge-N")
            .parse()
            .expect("N");
        let edge = &edges[index];
        let title: String = group
            .children()
            .find(|c| c.tag_name().name() == "title")
            .and_then(|t| t.text())
            .expect("a title")
            .to_string();
        let from = edge["from"].as_str().expect("from");
        let box_of = from
            .strip_prefix("input:")
            .and_then(|rest| rest.rsplit_once(':'))
            .map_or(from.to_string(), |(state, _)| format!("state:{state}"));
        assert!(
            title.starts_with(&box_of),
            "{flow}: {title} is not from {box_of}"
        );
        drawn += 1;
    }
    assert!(drawn > 5, "{flow}: {drawn} arrows");
}

#[test]
fn svg_of_every_example_flow_is_well_formed_and_names_every_state() {
    if !have_dot() {
        return;
    }
    for (project, flow) in [
        ("bank", "bank_phone"),
        ("shop", "shop_aftersales"),
        ("utility", "outage_line"),
        ("leads", "lead_capture"),
    ] {
        let path = examples().join(project);
        let names = states(&path, flow);
        assert!(names.len() >= 5, "{flow}: {names:?}");
        let output = graph(&path, &["--flow", flow, "--format", "svg"]);
        assert!(output.status.success(), "{flow}: {output:?}");
        let svg = String::from_utf8(output.stdout).expect("UTF-8");
        let (texts, titles) = svg_texts(&svg);
        edge_ids_name_json_edges(&svg, &path, flow);
        for name in &names {
            assert!(
                texts.iter().any(|t| t.contains(name.as_str())),
                "{flow}: the state `{name}` is not written in the picture"
            );
            // Node titles are the JSON ids, so a tool can map the picture back to the data.
            assert!(
                titles.contains(&format!("state:{name}")),
                "{flow}: no node titled state:{name}"
            );
        }
    }
}

#[test]
fn svg_to_a_file_chosen_by_its_extension() {
    if !have_dot() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("picture.svg");
    csflow()
        .arg("graph")
        .arg(examples().join("bank"))
        .args(["--flow", "bank_phone", "-o"])
        .arg(&out)
        .assert()
        .success()
        .stdout("");
    let svg = std::fs::read_to_string(&out).expect("written");
    let (texts, _) = svg_texts(&svg);
    assert!(texts.iter().any(|t| t.contains("Legend")));
}

#[test]
fn marked_states_are_named_in_the_svg() {
    if !have_dot() {
        return;
    }
    let fixture = root().join("compiler/tests/fixtures/graph/marked.csflow");
    let output = csflow()
        .arg("graph")
        .arg(&fixture)
        .args([
            "--flow", "survey", "--format", "svg", "--from", "thanks", "--depth", "1",
        ])
        .output()
        .expect("runs");
    assert!(output.status.success(), "{output:?}");
    let (texts, titles) = svg_texts(&String::from_utf8(output.stdout).expect("UTF-8"));
    assert!(titles.contains(&"state:spin".to_string()));
    assert!(
        texts
            .iter()
            .any(|t| t.contains("trap: no end and no human"))
    );
}

#[test]
fn a_missing_dot_is_explained() {
    let output = csflow()
        .arg("graph")
        .arg(examples().join("bank"))
        .args(["--flow", "bank_phone", "--format", "svg"])
        .env("CSFLOW_DOT", "/nonexistent/graphviz/dot")
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("apt install graphviz"), "{stderr}");
    assert!(stderr.contains("--format dot, mermaid or json"), "{stderr}");
    assert!(output.stdout.is_empty());
}

#[test]
fn dot_and_mermaid_need_nothing_installed() {
    for (format, start) in [
        ("dot", "digraph \"bank_phone\" {"),
        ("mermaid", "flowchart TD"),
    ] {
        let output = csflow()
            .arg("graph")
            .arg(examples().join("bank"))
            .args(["--flow", "bank_phone", "--format", format])
            .env("CSFLOW_DOT", "/nonexistent/graphviz/dot")
            .env("PATH", "/nonexistent")
            .output()
            .expect("runs");
        assert!(output.status.success(), "{format}: {output:?}");
        assert!(String::from_utf8_lossy(&output.stdout).starts_with(start));
    }
}

#[test]
fn json_for_editors_points_into_the_source() {
    let document = graph_json(&examples().join("bank"), "bank_phone");
    assert_eq!(document["version"], 1);
    assert_eq!(document["start"], "state:welcome");
    let text = std::fs::read_to_string(examples().join("bank/bank.csflow")).expect("source");
    let lines: Vec<&str> = text.lines().collect();
    for node in document["nodes"].as_array().expect("nodes") {
        if node["kind"] != "state" {
            continue;
        }
        let range = &node["name_range"];
        let line = lines[range["start"]["line"].as_u64().expect("line") as usize - 1];
        let column = range["start"]["column"].as_u64().expect("column") as usize - 1;
        let name: String = line
            .chars()
            .skip(column)
            .take_while(|c| *c != ' ')
            .collect();
        assert_eq!(node["label"], Value::String(name));
        assert!(
            node["file"]
                .as_str()
                .expect("file")
                .ends_with("bank.csflow")
        );
    }
    let kinds: std::collections::BTreeSet<&str> = document["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["kind"].as_str().expect("kind"))
        .collect();
    for kind in ["option", "handler", "escalate", "goto", "branch"] {
        assert!(kinds.contains(kind), "no {kind} edge in {kinds:?}");
    }
}

#[test]
fn bad_usage_exits_2_and_a_broken_project_exits_1() {
    let output = graph(&examples().join("bank"), &["--flow", "bank_phon"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("did you mean `bank_phone`?"));

    let output = graph(
        &examples().join("bank"),
        &["--flow", "bank_phone", "--from", "nowhere"],
    );
    assert_eq!(output.status.code(), Some(2));

    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("broken.csflow");
    std::fs::write(
        &file,
        "queue q { }\nflow f {\n  start a\n  state a {\n    goto b\n    goto nowhere\n  }\n  state b { handoff q }\n}\n",
    )
    .expect("write");
    let output = graph(&file, &["--format", "dot"]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("\"state:b\""));
    assert!(String::from_utf8_lossy(&output.stderr).contains("1 error"));
}

#[test]
fn depth_alone_draws_from_the_start_state() {
    let output = graph(
        &examples().join("bank"),
        &["--flow", "bank_phone", "--depth", "1", "--format", "json"],
    );
    assert!(output.status.success(), "{output:?}");
    let document: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(document["part"]["from"], "state:welcome");
    assert_eq!(document["part"]["depth"], 1);
    let states: Vec<&str> = document["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter(|n| n["kind"] == "state")
        .map(|n| n["label"].as_str().expect("label"))
        .collect();
    assert_eq!(states, ["welcome", "main_menu"]);
    assert!(
        document["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .any(|n| n["kind"] == "more")
    );
}

#[test]
fn an_svg_too_big_to_lay_out_is_refused_and_a_part_is_drawn() {
    // One state more than an SVG is laid out with: refused before Graphviz runs (so this
    // needs no Graphviz), with the way out named; the other formats still draw it whole.
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("chain.csflow");
    let mut text = String::from("flow chain {\n  channel chat\n  start s0\n");
    for i in 0..2_000 {
        text.push_str(&format!(
            "  state s{i} {{ say \"step {i}\" goto s{} }}\n",
            i + 1
        ));
    }
    text.push_str("  state s2000 { end }\n}\n");
    std::fs::write(&path, text).expect("written");
    let output = csflow()
        .arg("graph")
        .arg(&path)
        .args(["--format", "svg"])
        .env("CSFLOW_DOT", "/nonexistent/graphviz/dot")
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("flow chain would have 2001 states"),
        "{stderr}"
    );
    assert!(stderr.contains("--from STATE --depth N"), "{stderr}");
    assert!(output.stdout.is_empty());
    let dot = graph(&path, &["--format", "dot"]);
    assert!(dot.status.success(), "{dot:?}");
    assert!(String::from_utf8_lossy(&dot.stdout).contains("s2000"));
    // A part of it is small enough: it goes on to Graphviz (missing here, so that error).
    let part = csflow()
        .arg("graph")
        .arg(&path)
        .args(["--format", "svg", "--from", "s10", "--depth", "3"])
        .env("CSFLOW_DOT", "/nonexistent/graphviz/dot")
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&part.stderr);
    assert!(stderr.contains("apt install graphviz"), "{stderr}");
    // A part as big as the whole is refused too, once it is drawn and counted.
    let deep = csflow()
        .arg("graph")
        .arg(&path)
        .args(["--format", "svg", "--from", "s0", "--depth", "5000"])
        .env("CSFLOW_DOT", "/nonexistent/graphviz/dot")
        .output()
        .expect("runs");
    assert_eq!(deep.status.code(), Some(2), "{deep:?}");
    let stderr = String::from_utf8_lossy(&deep.stderr);
    assert!(stderr.contains("would have 2001 states"), "{stderr}");
}

#[test]
fn the_picture_never_overwrites_a_source() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let source = dir.path().join("hotline.csflow");
    let text =
        "flow hotline {\n  channel chat\n  start hello\n  state hello { say \"hi\" end }\n}\n";
    std::fs::write(&source, text).expect("written");
    // `-o` naming the source, spelt another way: refused, the source untouched.
    let spelt = dir.path().join(".").join("hotline.csflow");
    let output = csflow()
        .arg("graph")
        .arg(&source)
        .args(["--format", "dot", "-o"])
        .arg(&spelt)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("one of the project's sources"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&source).expect("read"), text);
}
