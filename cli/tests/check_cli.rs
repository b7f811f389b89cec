//! `csflow check` as CI and designers run it: every output format, exit status and bad input.

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;

#[path = "support/projects.rs"]
mod projects;
use projects::CLEAN;

/// One unknown state, on a line with Chinese text before it (columns count characters).
const BROKEN: &str = r#"queue general { }
intent agent { "agent" }
flow hello {
  channel chat
  start greet
  on no_match retry 1 then handoff general
  escalate { when intent agent handoff general }
  state greet {
    say "你好"  goto nowhere
  }
}
"#;

fn csflow() -> Command {
    let mut command = Command::cargo_bin("csflow").expect("the csflow binary is built");
    command.env_remove("NO_COLOR");
    command
}

fn project(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, text) in files {
        let path = dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("dirs");
        }
        std::fs::write(path, text).expect("write");
    }
    dir
}

fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let output = csflow()
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run csflow");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn a_clean_project_exits_zero() {
    let dir = project(&[("flows/hello.csflow", CLEAN.as_bytes())]);
    let (code, out, _) = run(dir.path(), &["check", "flows", "--color", "never"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("0 errors, 0 warnings in 1 file"), "{out}");
}

#[test]
fn the_default_path_is_the_current_directory() {
    let dir = project(&[("a/b/hello.csflow", CLEAN.as_bytes())]);
    let (code, out, _) = run(dir.path(), &["check"]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn human_format_points_at_the_problem_without_colour_when_piped() {
    let dir = project(&[("hello.csflow", BROKEN.as_bytes())]);
    let (code, out, _) = run(dir.path(), &["check", "hello.csflow"]);
    assert_eq!(code, 1);
    assert!(
        out.contains("error[E0004/unknown-state]: unknown state `nowhere`"),
        "{out}"
    );
    assert!(out.contains("hello.csflow:9:20"), "{out}");
    assert!(
        !out.contains('\u{1b}'),
        "no colour when stdout is not a terminal: {out}"
    );
    let (_, coloured, _) = run(dir.path(), &["check", "hello.csflow", "--color", "always"]);
    assert!(coloured.contains('\u{1b}'));
}

#[test]
fn short_format_is_one_line_per_diagnostic() {
    let dir = project(&[("hello.csflow", BROKEN.as_bytes())]);
    let (code, out, _) = run(dir.path(), &["check", "hello.csflow", "--format", "short"]);
    assert_eq!(code, 1);
    assert_eq!(
        out.trim_end(),
        "hello.csflow:9:20: error[E0004/unknown-state]: unknown state `nowhere`"
    );
}

#[test]
fn json_format_has_the_contract_shape() {
    let dir = project(&[("flows/hello.csflow", BROKEN.as_bytes())]);
    let (code, out, _) = run(dir.path(), &["check", "flows", "--format", "json"]);
    assert_eq!(code, 1);
    let json: Value = serde_json::from_str(&out).expect("one JSON object");
    assert_eq!(json["version"], 1);
    let diagnostic = &json["diagnostics"][0];
    assert_eq!(diagnostic["name"], "unknown-state");
    assert_eq!(diagnostic["code"], "E0004");
    assert_eq!(diagnostic["severity"], "error");
    assert_eq!(
        diagnostic["file"], "flows/hello.csflow",
        "paths stay as given"
    );
    assert_eq!(diagnostic["range"]["start"]["line"], 9);
    assert_eq!(
        diagnostic["range"]["start"]["column"], 20,
        "columns count characters"
    );
    assert_eq!(diagnostic["range"]["end"]["column"], 27);
    assert!(diagnostic["labels"].is_array());
    assert!(diagnostic["notes"].is_array());
    assert_eq!(json["summary"]["files"], 1);
    assert_eq!(json["summary"]["errors"], 1);
    assert_eq!(json["summary"]["warnings"], 0);
}

#[test]
fn sarif_format_is_sarif_2_1_0() {
    let dir = project(&[("hello.csflow", BROKEN.as_bytes())]);
    let (code, out, _) = run(dir.path(), &["check", ".", "--format", "sarif"]);
    assert_eq!(code, 1);
    let sarif: Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "csflow");
    let result = &run["results"][0];
    assert_eq!(result["ruleId"], "unknown-state");
    let index = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
    assert_eq!(run["tool"]["driver"]["rules"][index]["id"], "unknown-state");
    let region = &result["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startLine"], 9);
    assert_eq!(region["startColumn"], 20);
}

#[test]
fn github_format_is_workflow_commands() {
    let dir = project(&[("hello.csflow", BROKEN.as_bytes())]);
    let (code, out, _) = run(dir.path(), &["check", "hello.csflow", "--format", "github"]);
    assert_eq!(code, 1);
    let line = out.lines().next().unwrap_or_default();
    assert!(
        line.starts_with("::error file=hello.csflow,line=9,col=20"),
        "{line}"
    );
    assert!(line.contains("unknown state `nowhere`"), "{line}");
}

#[test]
fn deny_warnings_turns_warnings_into_a_failure() {
    let with_warning = CLEAN.replace("queue general { }", "queue general { }\nqueue spare { }");
    let dir = project(&[("hello.csflow", with_warning.as_bytes())]);
    let (code, out, _) = run(dir.path(), &["check", "hello.csflow", "--format", "short"]);
    assert_eq!(code, 0, "warnings alone do not fail: {out}");
    assert!(out.contains("unused-queue"), "{out}");
    let (code, _, _) = run(dir.path(), &["check", "hello.csflow", "--deny-warnings"]);
    assert_eq!(code, 1);
}

#[test]
fn several_files_and_imports() {
    let main =
        "import \"../common/q.csflow\"\n".to_string() + &CLEAN.replace("queue general { }\n", "");
    let dir = project(&[
        ("flows/hello.csflow", main.as_bytes()),
        ("common/q.csflow", b"queue general { }\n"),
    ]);
    // Without csflow.toml the project is the folder checked: `..` leaves it.
    let (code, out, _) = run(dir.path(), &["check", "flows", "--format", "short"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("flows/hello.csflow:1:8: error[E0021/import-outside-project]: import \"../common/q.csflow\" leaves the project"),
        "{out}"
    );
    // csflow.toml marks the project root above both folders.
    std::fs::write(dir.path().join("csflow.toml"), "").unwrap();
    let (code, out, _) = run(dir.path(), &["check", "flows", "--format", "json"]);
    assert_eq!(code, 0, "{out}");
    let json: Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(json["summary"]["files"], 2, "the imported file counts");

    let missing = "import \"nope.csflow\"\n".to_string() + CLEAN;
    let dir = project(&[("hello.csflow", missing.as_bytes())]);
    let (code, out, _) = run(dir.path(), &["check", ".", "--format", "short"]);
    assert_eq!(code, 1);
    assert!(
        out.contains("hello.csflow:1:8: error[E0002/import-not-found]"),
        "{out}"
    );
}

#[test]
fn bad_paths_are_usage_errors() {
    let dir = project(&[("notes.txt", b"hello")]);
    let (code, out, err) = run(dir.path(), &["check", "missing-dir"]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(
        err.contains("missing-dir: no such file or directory"),
        "{err}"
    );

    let (code, _, err) = run(dir.path(), &["check", "."]);
    assert_eq!(code, 2);
    assert!(err.contains("no .csflow files found"), "{err}");

    let (code, _, err) = run(dir.path(), &["check", "--format", "xml"]);
    assert_eq!(code, 2, "clap usage errors exit 2: {err}");
}

#[test]
fn unreadable_content_is_reported_as_a_diagnostic() {
    let dir = project(&[
        (
            "latin1.csflow",
            b"flow f { state a { say \"caf\xe9\" end } }",
        ),
        ("bin.csflow", b"\x00\x01\x02"),
    ]);
    let (code, out, _) = run(dir.path(), &["check", ".", "--format", "short"]);
    assert_eq!(code, 1);
    assert!(
        out.contains("bin.csflow:1:1: error[E0001/syntax-error]: this looks like a binary file"),
        "{out}"
    );
    assert!(
        out.contains("latin1.csflow:1:28: error[E0001/syntax-error]: this file is not UTF-8 text (invalid byte 0xE9 at offset 27)"),
        "{out}"
    );
}

#[test]
fn a_fifty_megabyte_file_is_an_error_not_a_hang() {
    let line = "this is not a flow, 这不是流程 { unbalanced ( [ \"quote\n";
    let text = line.repeat(50_000_000 / line.len() + 1);
    let dir = project(&[("huge.csflow", text.as_bytes())]);
    let (code, out, err) = run(dir.path(), &["check", "huge.csflow", "--format", "short"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        out.starts_with("huge.csflow:1:1: error[E0001/syntax-error]"),
        "{}",
        &out[..out.len().min(300)]
    );
}

#[test]
fn a_big_valid_flow_checks_clean() {
    let mut text = String::from(
        "queue q { }\nflow big {\n  channel chat\n  start s0\n  on no_match retry 1 then handoff q\n",
    );
    let states = 20_000;
    for i in 0..states {
        let next = (i + 1) % states;
        text.push_str(&format!(
            "  state s{i} {{\n    menu \"State {i}: please choose.\" {{\n      option \"Next\" key 1 goto s{next}\n      option \"Agent\" key 0 handoff q\n    }}\n  }}\n"
        ));
    }
    text.push_str("}\n");
    let dir = project(&[("big.csflow", text.as_bytes())]);
    let (code, out, err) = run(dir.path(), &["check", "big.csflow", "--format", "short"]);
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn help_teaches_with_examples() {
    let (code, out, _) = run(Path::new("."), &["check", "--help"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("Examples:") && out.contains("--format"),
        "{out}"
    );
    let (code, out, _) = run(Path::new("."), &["--version"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("csflow "), "{out}");
}

#[test]
fn csflow_toml_levels_apply_to_check_and_build() {
    let with_warning = CLEAN.replace("queue general { }", "queue general { }\nqueue spare { }");
    let dir = project(&[
        ("hello.csflow", with_warning.as_bytes()),
        ("csflow.toml", b"[checks]\nunused-queue = \"deny\"\n"),
    ]);
    let (code, out, _) = run(dir.path(), &["check", ".", "--format", "short"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("error[W0119/unused-queue]"), "{out}");
    let (code, _, err) = run(dir.path(), &["build", ".", "-o", "out.csfb"]);
    assert_eq!(code, 1, "a denied warning stops the build: {err}");
    assert!(!dir.path().join("out.csfb").exists());

    std::fs::write(
        dir.path().join("csflow.toml"),
        "[checks]\nunused-queue = \"allow\"\n",
    )
    .expect("write");
    let (code, out, _) = run(dir.path(), &["check", ".", "--format", "short"]);
    assert_eq!((code, out.as_str()), (0, ""));

    std::fs::write(
        dir.path().join("csflow.toml"),
        "[checks]\nunused-qeue = \"allow\"\n",
    )
    .expect("write");
    let (code, _, err) = run(dir.path(), &["check", "."]);
    assert_eq!(code, 2, "a bad config is a usage error: {err}");
}

#[test]
fn paths_are_shown_as_given() {
    let dir = project(&[("flows/hello.csflow", BROKEN.as_bytes())]);
    for (given, shown) in [
        ("./flows/hello.csflow", "./flows/hello.csflow"),
        ("flows/hello.csflow", "flows/hello.csflow"),
        ("flows", "flows/hello.csflow"),
        ("./flows", "flows/hello.csflow"),
        (".", "flows/hello.csflow"),
    ] {
        let (_, out, _) = run(dir.path(), &["check", given, "--format", "short"]);
        assert!(out.starts_with(&format!("{shown}:9:20:")), "{given}: {out}");
    }
}

#[test]
fn hours_without_a_timezone_are_read_in_utc() {
    let source = r#"hours office {
  mon-fri 09:00-18:00
}
queue general { hours office }
intent agent { "agent" }
flow f {
  channel chat
  start a
  on no_match retry 1 then handoff general
  on closed goto closed_now
  escalate { when intent agent handoff general }
  state a {
    menu "Choose" {
      option "Desk" handoff general
      option "Bye" goto bye
    }
  }
  state closed_now { say "We are closed." end }
  state bye { say "Bye" end }
}
test "open at 10:00 UTC on a Monday" {
  flow f
  time 2026-11-23 10:00 "UTC"
  send "Agent"
  expect handoff general
}
test "closed at 10:00 in Shanghai, 02:00 UTC" {
  flow f
  time 2026-11-23 10:00 "Asia/Shanghai"
  send "Agent"
  expect say "We are closed."
}
"#;
    let dir = project(&[("office.csflow", source.as_bytes())]);
    let (code, out, err) = run(dir.path(), &["check", ".", "--format", "short"]);
    assert_eq!((code, out.as_str()), (0, ""), "{err}");
    let (code, out, err) = run(dir.path(), &["test", "."]);
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn slot_defaults_must_be_literals_so_that_a_clean_check_always_builds() {
    let source = "flow f {\n  channel chat\n  start a\n  slot n: text = \"x\"\n  slot g: text = \"hi {n}\"\n  state a { say \"{g}\" end }\n}\n";
    let dir = project(&[("f.csflow", source.as_bytes())]);
    let (code, out, _) = run(dir.path(), &["check", ".", "--format", "short"]);
    assert_eq!(code, 1);
    assert_eq!(
        out.trim_end(),
        "f.csflow:5:18: error[E0016/type-mismatch]: a slot's default must be a literal value"
    );
}
