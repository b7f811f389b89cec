//! The kept resolution (every reference as span → definition, expression types), the
//! workspace's per-file parse cache and overlays, and the checks that once missed the
//! retry messages of flow-level handlers.

use csflow_compiler::analysis::{Analysis, Workspace};
use csflow_compiler::check::Options;
use csflow_compiler::resolve::{DefKind, Type};
use csflow_compiler::source::FileId;
use std::path::Path;

const PROJECT: &str = r#"
hours office { mon-fri 09:00-17:00 }
queue desk { hours office }
intent agent { "agent" "a person" }
service crm {
  operation lookup(phone: text) returns { name: text, vip: bool }
}
knowledge faq {
  entry hours { question "when are you open" answer "9 to 5" }
}
flow main {
  channel voice
  start greet
  slot plan: enum { basic premium }
  slot phone: text
  on no_match retry 1 "Sorry, {phone}?" then handoff desk
  escalate {
    when intent agent handoff desk
  }
  state greet {
    call crm.lookup(phone: phone) into who
    if who.vip and plan == premium and open(office) {
      handoff desk priority high
    }
    menu "Pick one" {
      option "faq" key 1 { answer from faq else { goto greet } goto bye }
      option "plan" key 2 intent agent { set plan = basic goto bye }
    }
  }
  state bye { say "Bye {who.name}" end }
}
test "goes to the desk" {
  flow main
  mock crm.lookup returns { name: "Ann", vip: true }
  expect state greet
  expect handoff desk
}
"#;

fn options() -> Options {
    Options {
        today: chrono::NaiveDate::from_ymd_opt(2026, 11, 21),
        ..Default::default()
    }
}

fn analyze(files: &[(&str, &str)]) -> Analysis {
    let inputs = files
        .iter()
        .map(|(p, t)| (p.to_string(), t.as_bytes().to_vec()))
        .collect();
    csflow_compiler::analyze(
        inputs,
        &|_| Err(std::io::ErrorKind::NotFound.into()),
        &options(),
    )
}

/// Byte offset of the `nth` (0-based) occurrence of `needle` in `text`, plus `within`.
fn at(text: &str, needle: &str, nth: usize, within: usize) -> usize {
    text.match_indices(needle)
        .nth(nth)
        .unwrap_or_else(|| panic!("no occurrence {nth} of {needle:?}"))
        .0
        + within
}

#[test]
fn every_kind_of_name_resolves_to_its_definition() {
    let analysis = analyze(&[("main.csflow", PROJECT)]);
    assert!(!analysis.has_errors(), "{:?}", analysis.diagnostics);
    let file = FileId(0);
    let cases: [(&str, usize, DefKind, &str); 17] = [
        ("start greet", 6, DefKind::State, "greet"),
        ("{ hours office }", 8, DefKind::Hours, "office"),
        ("{phone}", 1, DefKind::Slot, "phone"),
        ("handoff desk", 8, DefKind::Queue, "desk"),
        ("when intent agent", 12, DefKind::Intent, "agent"),
        ("crm.lookup", 0, DefKind::Service, "crm"),
        ("lookup(phone", 0, DefKind::Operation, "lookup"),
        ("phone: phone", 0, DefKind::Param, "phone"),
        ("who.vip", 4, DefKind::ReturnField, "vip"),
        ("who.vip", 0, DefKind::Result, "who"),
        ("premium and", 0, DefKind::EnumValue, "premium"),
        ("open(office)", 5, DefKind::Hours, "office"),
        ("from faq", 5, DefKind::Knowledge, "faq"),
        ("goto bye", 5, DefKind::State, "bye"),
        ("flow main\n  mock", 5, DefKind::Flow, "main"),
        ("expect state greet", 13, DefKind::State, "greet"),
        ("mock crm.lookup", 9, DefKind::Operation, "lookup"),
    ];
    for (needle, within, kind, name) in cases {
        let offset = at(PROJECT, needle, 0, within);
        let def = analysis
            .definition_at(file, offset)
            .unwrap_or_else(|| panic!("nothing at {needle:?}+{within}"));
        assert_eq!(analysis.def(def).kind, kind, "{needle:?}");
        assert_eq!(analysis.def_name(def), name, "{needle:?}");
    }
    // A built-in has a definition with no place in the source.
    let text = at(PROJECT, "plan == premium", 0, 0);
    let plan = analysis.definition_at(file, text).unwrap();
    assert_eq!(analysis.def(plan).kind, DefKind::Slot);
}

#[test]
fn references_to_a_definition_include_tests_marked_as_such() {
    let analysis = analyze(&[("main.csflow", PROJECT)]);
    let file = FileId(0);
    let desk = analysis
        .definition_at(file, at(PROJECT, "queue desk", 0, 7))
        .unwrap();
    let refs: Vec<_> = analysis.references_to(desk).collect();
    // Three handoffs in the flow and one `expect handoff` in the test.
    assert_eq!(refs.len(), 4, "{refs:?}");
    assert_eq!(refs.iter().filter(|r| r.in_test).count(), 1);
    for r in &refs {
        assert_eq!(analysis.sources.slice(r.span), "desk");
    }
    let greet = analysis
        .definition_at(file, at(PROJECT, "state greet", 0, 6))
        .unwrap();
    // start, goto greet (in the answer's else), expect state greet.
    assert_eq!(analysis.references_to(greet).count(), 3);
}

#[test]
fn expression_types_are_kept() {
    let analysis = analyze(&[("main.csflow", PROJECT)]);
    let file = FileId(0);
    let condition = at(PROJECT, "who.vip and", 0, 0);
    let span_of = |needle: &str| {
        let start = at(PROJECT, needle, 0, 0);
        csflow_compiler::source::Span::new(file, start, start + needle.len())
    };
    let plan = at(PROJECT, "plan == premium", 0, 0);
    let plan = csflow_compiler::source::Span::new(file, plan, plan + 4);
    assert_eq!(
        analysis.resolution.type_of(span_of("who.vip")),
        Some(&Type::Bool)
    );
    assert_eq!(analysis.resolution.type_of(plan), Some(&Type::Enum));
    assert_eq!(
        analysis.resolution.type_of(span_of("who.name")),
        Some(&Type::Text)
    );
    assert_eq!(analysis.type_at(file, condition + 1), Some(&Type::Record));
}

#[test]
fn an_import_path_refers_to_the_imported_file() {
    let main = "import \"queues.csflow\"\nflow f { start a state a { handoff q } }\n";
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.csflow"), main).unwrap();
    std::fs::write(dir.path().join("queues.csflow"), "queue q { }\n").unwrap();
    let analysis =
        csflow_compiler::analyze_paths(&[dir.path().join("main.csflow")], &options()).unwrap();
    assert!(
        analysis.diagnostics.is_empty(),
        "{:?}",
        analysis.diagnostics
    );
    let main_id = FileId(0);
    let def = analysis.definition_at(main_id, 10).unwrap();
    let DefKind::File(target) = analysis.def(def).kind else {
        panic!("{:?}", analysis.def(def));
    };
    assert!(analysis.sources.get(target).path.ends_with("queues.csflow"));
    // And the queue's use in main resolves into the other file.
    let q = analysis
        .definition_at(main_id, main.find("q }").unwrap())
        .unwrap();
    assert_eq!(analysis.def(q).name.unwrap().file, target);
}

#[test]
fn a_workspace_reparses_only_the_edited_file_and_keeps_file_ids() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.csflow");
    let b = dir.path().join("b.csflow");
    std::fs::write(&a, "flow f { start s state s { handoff q } }\n").unwrap();
    std::fs::write(&b, "queue q { }\n").unwrap();
    let mut workspace = Workspace::new();
    let roots = [dir.path().to_path_buf()];
    let first = workspace.analyze_paths(&roots, &options()).unwrap();
    assert!(first.diagnostics.is_empty(), "{:?}", first.diagnostics);
    assert_eq!(workspace.parse_count(), 2);
    let id_of = |analysis: &Analysis, path: &Path| {
        analysis
            .sources
            .files()
            .find(|(_, f)| Path::new(&f.path).file_name() == path.file_name())
            .map(|(id, _)| id)
            .unwrap()
    };
    let (a_id, b_id) = (id_of(&first, &a), id_of(&first, &b));

    // Nothing changed: nothing is parsed again.
    let again = workspace.analyze_paths(&roots, &options()).unwrap();
    assert_eq!(workspace.parse_count(), 2);
    assert_eq!(again.diagnostics, first.diagnostics);

    // The editor's unsaved text for a.csflow: only that file is parsed.
    workspace.set_overlay(&a, "flow f { start s state s { handoff nowhere } }\n");
    let edited = workspace.analyze_paths(&roots, &options()).unwrap();
    assert_eq!(workspace.parse_count(), 3);
    assert_eq!(id_of(&edited, &a), a_id);
    assert_eq!(id_of(&edited, &b), b_id);
    let names: Vec<&str> = edited.diagnostics.iter().map(|d| d.name()).collect();
    assert!(names.contains(&"unknown-queue"), "{names:?}");

    // Loading the files in the other order keeps each path's id.
    workspace.remove_overlay(&a);
    let reversed = workspace.analyze(
        vec![
            (b.display().to_string(), std::fs::read(&b).unwrap()),
            (a.display().to_string(), std::fs::read(&a).unwrap()),
        ],
        &|p| std::fs::read(p),
        &options(),
    );
    assert_eq!(id_of(&reversed, &a), a_id);
    assert_eq!(id_of(&reversed, &b), b_id);
    assert!(
        reversed.diagnostics.is_empty(),
        "{:?}",
        reversed.diagnostics
    );
    // a.csflow is back to its disk text; the cache keeps one parse per file (the overlay's),
    // so it is parsed once more, and b.csflow is not.
    assert_eq!(workspace.parse_count(), 4);
}

#[test]
fn an_open_document_seen_first_keeps_its_tree_only_once_its_text_stays_the_same() {
    // An editor's open document is there to be typed in: its first tree is not copied
    // into the cache (on a 19 MB file that copy is ~340 MB), so the next analysis parses
    // it once more, and keeps it from then on while its text does not change.
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.csflow");
    let b = dir.path().join("b.csflow");
    let text = "flow f { start s state s { say \"你好 😀\" handoff q } }\n";
    std::fs::write(&a, text).unwrap();
    std::fs::write(&b, "queue q { }\n").unwrap();
    let mut workspace = Workspace::new();
    workspace.set_overlay(&a, text);
    let roots = [dir.path().to_path_buf()];
    let first = workspace.analyze_paths(&roots, &options()).unwrap();
    assert!(first.diagnostics.is_empty(), "{:?}", first.diagnostics);
    assert_eq!(workspace.parse_count(), 2);
    let second = workspace.analyze_paths(&roots, &options()).unwrap();
    assert_eq!(
        workspace.parse_count(),
        3,
        "a.csflow once more, b.csflow from the cache"
    );
    assert_eq!(second.diagnostics, first.diagnostics);
    workspace.analyze_paths(&roots, &options()).unwrap();
    assert_eq!(workspace.parse_count(), 3, "both from the cache now");
}

#[test]
fn an_unsaved_new_file_under_the_project_is_analysed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("a.csflow"),
        "flow f { start s state s { handoff q } }\n",
    )
    .unwrap();
    let mut workspace = Workspace::new();
    workspace.set_overlay(dir.path().join("queues.csflow"), "queue q { }\n");
    let analysis = workspace
        .analyze_paths(&[dir.path().to_path_buf()], &options())
        .unwrap();
    assert!(
        analysis.diagnostics.is_empty(),
        "{:?}",
        analysis.diagnostics
    );
    assert_eq!(analysis.sources.len(), 2);
}

#[test]
fn a_bad_regex_in_a_flow_level_retry_message_is_reported_by_check() {
    let text = r#"
flow f {
  start a
  on no_match retry 1 "again? {text matches /(/}" then end
  state a { menu "Pick" { option "one" key 1 { end } } }
}
"#;
    let analysis = analyze(&[("f.csflow", text)]);
    let errors: Vec<&str> = analysis
        .diagnostics
        .iter()
        .filter(|d| d.severity == csflow_compiler::diagnostic::Severity::Error)
        .map(|d| d.name())
        .collect();
    assert_eq!(errors, ["invalid-regex"], "{:?}", analysis.diagnostics);
    let regex = &analysis.diagnostics[0];
    assert_eq!(analysis.sources.slice(regex.primary.span), "/(/");
}

#[test]
fn without_a_date_stale_knowledge_is_not_checked() {
    let text = r#"
knowledge faq {
  entry e { question "q" answer "a" review_by 2020-01-01 }
}
flow f { start a state a { answer from faq else { end } end } }
"#;
    let inputs = vec![("k.csflow".to_string(), text.as_bytes().to_vec())];
    let no_date = csflow_compiler::analyze(
        inputs.clone(),
        &|_| Err(std::io::ErrorKind::NotFound.into()),
        &Options::default(),
    );
    assert!(
        !no_date
            .diagnostics
            .iter()
            .any(|d| d.name() == "stale-knowledge")
    );
    let dated = csflow_compiler::analyze(
        inputs,
        &|_| Err(std::io::ErrorKind::NotFound.into()),
        &options(),
    );
    assert!(
        dated
            .diagnostics
            .iter()
            .any(|d| d.name() == "stale-knowledge")
    );
}
