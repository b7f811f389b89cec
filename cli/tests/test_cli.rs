//! `csflow test` through the real binary: every example passes with full coverage, a failing
//! test's report, the JSON and JUnit formats, --filter and --min-coverage.

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn csflow() -> Command {
    let mut command = Command::cargo_bin("csflow").expect("the csflow binary is built");
    command.env_remove("NO_COLOR");
    command
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("cli/ has a parent")
        .to_path_buf()
}

const HOTLINE: &str = r#"queue care { }

flow hotline {
  channel voice
  start welcome
  slot pin: digits(4) sensitive
  on no_match retry 1 then handoff care
  on no_input retry 1 then handoff care

  state welcome {
    say "Welcome to the hotline."
    goto main_menu
  }

  state main_menu {
    menu "Press 1 to check your PIN, press 0 for an agent." {
      option "PIN"   key 1 goto pin_check
      option "Agent" key 0 handoff care
    }
  }

  state pin_check {
    ask pin "Please key in your four digit PIN."
    say "Thank you."
    end
  }
}
"#;

/// One passing test and one whose third `expect` is wrong (in a file with `<`, `&` and
/// quotes in names, for the XML escaping).
const HOTLINE_TESTS: &str = r#"import "hotline.csflow"

test "agent by key" {
  flow hotline
  send key "0"
  expect handoff care
}

test "pin <checked> & \"thanked\"" {
  flow hotline
  expect say "Welcome to the hotline."
  send key "1"
  send key "1234"
  expect say "Thanks."
  expect end
}
"#;

/// A temporary project with the hotline flow and its tests; run commands inside it with
/// relative paths so reports show `hotline.test.csflow:…`.
fn fixture() -> tempfile::TempDir {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("hotline");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("hotline.csflow"), HOTLINE).unwrap();
    std::fs::write(dir.join("hotline.test.csflow"), HOTLINE_TESTS).unwrap();
    temp
}

fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let output = csflow()
        .current_dir(dir)
        .args(args)
        .output()
        .expect("csflow runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).to_string(),
        String::from_utf8_lossy(&output.stderr).to_string(),
    )
}

#[test]
fn every_example_passes_with_full_coverage() {
    let (code, stdout, stderr) = run(
        &workspace(),
        &[
            "test",
            "examples",
            "--coverage",
            "--min-coverage",
            "100",
            "--color",
            "never",
        ],
    );
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("test result: ok."), "{stdout}");
    for flow in [
        "bank_phone",
        "lead_capture",
        "outage_line",
        "shop_aftersales",
    ] {
        let line = stdout
            .lines()
            .find(|l| l.trim_start().starts_with(flow))
            .unwrap_or_else(|| panic!("no coverage line for {flow}: {stdout}"));
        assert!(line.contains("(100%)  options"), "{line}");
        assert!(line.ends_with("(100%)"), "{line}");
    }
    assert!(!stdout.contains("never"), "{stdout}");
    // Each project on its own, as its README says.
    for example in ["bank", "leads", "shop", "utility"] {
        let path = format!("examples/{example}");
        let (code, stdout, stderr) = run(
            &workspace(),
            &["test", &path, "--coverage", "--min-coverage", "100"],
        );
        assert_eq!(code, 0, "{example}: {stdout}\n{stderr}");
    }
}

#[test]
fn a_failing_test_shows_the_step_expected_got_and_the_transcript() {
    let temp = fixture();
    let (code, stdout, _) = run(temp.path(), &["test", "hotline", "--color", "never"]);
    assert_eq!(code, 1);
    insta::assert_snapshot!("failing_test_human", stdout);
}

#[test]
fn json_format_parses_and_has_the_documented_shape() {
    let temp = fixture();
    let (code, stdout, _) = run(
        temp.path(),
        &["test", "hotline", "--format", "json", "--coverage"],
    );
    assert_eq!(code, 1);
    let json: Value = serde_json::from_str(&stdout).expect("valid JSON");
    assert_eq!(json["version"], 1);
    assert_eq!(json["summary"]["tests"], 2);
    assert_eq!(json["summary"]["passed"], 1);
    assert_eq!(json["summary"]["failed"], 1);
    let failing = &json["tests"][1];
    assert_eq!(failing["status"], "failed");
    assert_eq!(failing["flow"], "hotline");
    assert_eq!(
        failing["failure"]["location"]["file"],
        "hotline/hotline.test.csflow"
    );
    assert_eq!(failing["failure"]["location"]["line"], 14);
    assert_eq!(failing["failure"]["location"]["column"], 3);
    assert_eq!(failing["failure"]["expected"], "say \"Thanks.\"");
    assert_eq!(failing["failure"]["got"], "say \"Thank you.\"");
    let transcript = failing["transcript"].as_array().unwrap();
    assert_eq!(transcript[0]["who"], "bot");
    // The sensitive PIN is masked in the transcript.
    assert!(
        transcript
            .iter()
            .any(|e| e["who"] == "user" && e["text"] == "***")
    );
    assert!(!stdout.contains("1234"));
    assert_eq!(json["tests"][0]["status"], "passed");
    let coverage = &json["coverage"][0];
    assert_eq!(coverage["flow"], "hotline");
    assert_eq!(coverage["states"]["visited"], 3);
    assert_eq!(coverage["states"]["total"], 3);
    assert_eq!(coverage["options"]["taken"], 2);
    assert_eq!(coverage["options"]["total"], 2);
}

#[test]
fn junit_format_is_well_formed_xml_with_escaped_failures() {
    let temp = fixture();
    let (code, stdout, _) = run(temp.path(), &["test", "hotline", "--format", "junit"]);
    assert_eq!(code, 1);
    check_well_formed(&stdout);
    assert!(stdout.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
    assert!(stdout.contains("<testsuites name=\"csflow\" tests=\"2\" failures=\"1\""));
    assert!(stdout.contains("<testsuite name=\"hotline/hotline.test.csflow\""));
    assert!(stdout.contains("name=\"pin &lt;checked&gt; &amp; &quot;thanked&quot;\""));
    assert!(stdout.contains("<failure message=\"expected say &quot;Thanks.&quot;"));
    assert_eq!(stdout.matches("<testcase ").count(), 2);
    assert_eq!(stdout.matches("<failure ").count(), 1);
}

/// A small XML well-formedness check: one root, tags nest and close in order, attribute
/// values are quoted, `&` starts a known entity and text holds no raw `<`.
fn check_well_formed(xml: &str) {
    let body = xml
        .strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
        .expect("XML declaration");
    let mut stack: Vec<String> = Vec::new();
    let mut roots = 0;
    let mut rest = body;
    while let Some(open) = rest.find('<') {
        check_text(&rest[..open]);
        let close = rest[open..].find('>').expect("unclosed tag") + open;
        let tag = &rest[open + 1..close];
        rest = &rest[close + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(
                stack.pop().as_deref(),
                Some(name.trim()),
                "mismatched </{name}>"
            );
            continue;
        }
        let self_closing = tag.ends_with('/');
        let tag = tag.trim_end_matches('/');
        let name = tag.split_whitespace().next().expect("tag name");
        let attributes = &tag[name.len()..];
        check_attributes(attributes);
        if stack.is_empty() {
            roots += 1;
        }
        if !self_closing {
            stack.push(name.to_string());
        }
    }
    check_text(rest);
    assert!(stack.is_empty(), "unclosed elements {stack:?}");
    assert_eq!(roots, 1, "exactly one root element");
}

fn check_attributes(attributes: &str) {
    let mut rest = attributes.trim();
    while !rest.is_empty() {
        let (name, value) = rest.split_once("=\"").expect("attribute=\"value\"");
        assert!(
            !name.trim().is_empty() && !name.contains(['"', '<', '&']),
            "bad attribute name {name:?}"
        );
        let end = value.find('"').expect("closing quote");
        check_text(&value[..end]);
        rest = value[end + 1..].trim_start();
    }
}

fn check_text(text: &str) {
    assert!(!text.contains('<'), "raw < in {text:?}");
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        rest = &rest[at..];
        let known = ["&amp;", "&lt;", "&gt;", "&quot;", "&apos;"];
        assert!(
            known.iter().any(|e| rest.starts_with(e)),
            "bad entity in {text:?}"
        );
        rest = &rest[1..];
    }
}

#[test]
fn filter_runs_only_matching_tests_and_min_coverage_fails_when_below() {
    let temp = fixture();
    let (code, stdout, stderr) = run(
        temp.path(),
        &[
            "test",
            "hotline",
            "--filter",
            "agent",
            "--coverage",
            "--color",
            "never",
        ],
    );
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stdout.contains("1 passed; 0 failed; 1 filtered out"),
        "{stdout}"
    );
    assert!(
        stdout.contains("hotline  states 2/3 (66.6%)  options 1/2 (50%)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("never visited: state pin_check at hotline/hotline.csflow:22:9"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "never taken: option \"PIN\" (key 1) in state main_menu at hotline/hotline.csflow:17:28"
        ),
        "{stdout}"
    );

    let (code, _, stderr) = run(
        temp.path(),
        &[
            "test",
            "hotline",
            "--filter",
            "agent",
            "--min-coverage",
            "60",
        ],
    );
    assert_eq!(code, 1, "options are at 50%");
    assert!(
        stderr.contains("coverage of flow hotline is below 60%"),
        "{stderr}"
    );
    let (code, _, _) = run(
        temp.path(),
        &[
            "test",
            "hotline",
            "--filter",
            "agent",
            "--min-coverage",
            "50",
        ],
    );
    assert_eq!(code, 0);
}

#[test]
fn compile_errors_are_printed_and_exit_1() {
    let temp = tempfile::tempdir().unwrap();
    std::fs::write(
        temp.path().join("broken.csflow"),
        "flow f {\n  channel chat\n  start a\n  state a { goto nowhere }\n}\n",
    )
    .unwrap();
    let (code, stdout, stderr) = run(temp.path(), &["test", ".", "--format", "json"]);
    assert_eq!(code, 1);
    assert!(stdout.is_empty(), "nothing on stdout: {stdout}");
    assert!(stderr.contains("unknown-state"), "{stderr}");
}

#[test]
fn bad_usage_is_exit_2() {
    let temp = fixture();
    let (code, _, _) = run(temp.path(), &["test", "nowhere"]);
    assert_eq!(code, 2);
    let (code, _, _) = run(temp.path(), &["test", "hotline", "--min-coverage", "150"]);
    assert_eq!(code, 2);
    let (code, _, _) = run(temp.path(), &["test", "hotline", "--format", "xml"]);
    assert_eq!(code, 2);
}

#[test]
fn no_tests_or_a_filter_matching_none_is_said_on_stderr_and_not_a_failure() {
    let temp = fixture();
    std::fs::remove_file(temp.path().join("hotline/hotline.test.csflow")).unwrap();
    let (code, stdout, stderr) = run(temp.path(), &["test", "hotline"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stdout.contains("0 passed; 0 failed; 0 filtered out"),
        "{stdout}"
    );
    assert!(
        stderr.contains("no `test` blocks found under hotline"),
        "{stderr}"
    );

    let temp = fixture();
    let (code, stdout, stderr) = run(
        temp.path(),
        &[
            "test",
            "hotline",
            "--filter",
            "nothing like it",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 0, "{stdout}{stderr}");
    let json: Value = serde_json::from_str(&stdout).expect("stdout stays JSON");
    assert!(json.is_object());
    assert!(
        stderr.contains("no test name contains \"nothing like it\""),
        "{stderr}"
    );
}
