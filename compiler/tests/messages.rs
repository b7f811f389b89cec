//! Unclear messages made clear: each hostile or mistaken input gets one message that says
//! what is wrong and points where.

use csflow_compiler::check::Options;
use csflow_compiler::diagnostic::render;

fn short(text: &[u8]) -> String {
    let analysis = csflow_compiler::analyze(
        vec![("m.csflow".into(), text.to_vec())],
        &|_| Err(std::io::ErrorKind::NotFound.into()),
        &Options::default(),
    );
    render::short(&analysis.diagnostics, &analysis.sources)
}

const FLOW: &str = "queue general { }\nflow f {\n  channel chat\n  start a\n  state a {\n    STMT\n    handoff general\n  }\n}\n";

fn with(statement: &str) -> String {
    short(FLOW.replace("STMT", statement).as_bytes())
}

#[test]
fn one_message_per_unknown_escape() {
    for (escape, note_free_message) in [
        (
            "\\q",
            "m.csflow:6:11: error[E0001/syntax-error]: unknown escape `\\q` in a string",
        ),
        (
            "\\0",
            "m.csflow:6:11: error[E0001/syntax-error]: unknown escape `\\0` in a string",
        ),
        (
            "\\u{D800}",
            "m.csflow:6:11: error[E0001/syntax-error]: unknown escape `\\u{D800}` in a string",
        ),
    ] {
        let out = with(&format!("say \"a{escape} b\""));
        assert_eq!(out.trim_end(), note_free_message, "{escape}");
    }
    // The documented escapes all work.
    assert_eq!(with("say \"\\\" \\\\ \\n \\t \\{ \\}\""), "");
}

#[test]
fn a_non_breaking_space_is_named() {
    let out = short("queue\u{A0}general { }\n".as_bytes());
    assert_eq!(
        out.trim_end(),
        "m.csflow:1:6: error[E0001/syntax-error]: a non-breaking space (U+00A0) where csflow expects a plain space"
    );
}

#[test]
fn nesting_too_deep_points_at_the_bracket() {
    let deep = format!("{}end{}", "if true { ".repeat(70), " }".repeat(70));
    let out = with(&deep);
    // `flow {` and `state {` are levels 1 and 2, so level 65 is the 63rd `if`'s brace on
    // line 6: four spaces, 62 × "if true { ", then "if true ".
    let column = 4 + 62 * 10 + 8 + 1;
    assert!(
        out.starts_with(&format!(
            "m.csflow:6:{column}: error[E0001/syntax-error]: this `{{` nests"
        )),
        "{out}"
    );
}

#[test]
fn an_allow_comment_naming_no_check_is_reported() {
    let out = with("say \"hi\"  # csflow: allow(nope, unreachable-state, W0101)");
    assert_eq!(
        out.trim_end(),
        "m.csflow:6:31: warning[W0122/unknown-allow]: `nope` in `# csflow: allow(…)` is not a check"
    );
}

#[test]
fn an_empty_import_and_a_byte_order_mark() {
    let out = short(b"import \"\"\nqueue general { }\n");
    assert!(
        out.contains("m.csflow:1:8: error[E0002/import-not-found]: `import \"\"` names no file"),
        "{out}"
    );
    let out = short(format!("\u{FEFF}{}", FLOW.replace("STMT", "say \"hi\"")).as_bytes());
    assert_eq!(out, "");
}
