//! `csflow fmt` as designers and editors run it: in place, `--check` (a unified diff, exit
//! 1), `--stdin` (for editors), and a file with syntax errors left untouched.

use assert_cmd::Command;
use std::path::Path;

fn csflow() -> Command {
    Command::cargo_bin("csflow").expect("the csflow binary is built")
}

const MESSY: &str = "queue q { }\nflow f {  start a\nstate a { say \"你好 😀\"   # hi\n end }}\n";
const FORMATTED: &str = "queue q { }\n\nflow f {\n  start a\n  state a {\n    say \"你好 😀\"         # hi\n    end\n  }\n}\n";

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    path
}

#[test]
fn fmt_rewrites_a_file_in_place_and_a_second_run_changes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = write(dir.path(), "a.csflow", MESSY);
    csflow().arg("fmt").arg(dir.path()).assert().success();
    assert_eq!(std::fs::read_to_string(&path).expect("read"), FORMATTED);
    let output = csflow()
        .args(["fmt", "--check"])
        .arg(&path)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(output.stdout.is_empty());
}

#[test]
fn check_prints_a_unified_diff_exits_1_and_changes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = write(dir.path(), "a.csflow", MESSY);
    let output = csflow()
        .args(["fmt", "--check"])
        .arg(&path)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let diff = String::from_utf8_lossy(&output.stdout);
    assert!(
        diff.contains(&format!("--- a/{}", path.display())),
        "{diff}"
    );
    assert!(
        diff.contains(&format!("+++ b/{}", path.display())),
        "{diff}"
    );
    assert!(diff.contains("-flow f {  start a\n"), "{diff}");
    assert!(diff.contains("+  start a\n"), "{diff}");
    assert_eq!(std::fs::read_to_string(&path).expect("read"), MESSY);
}

#[test]
fn stdin_formats_to_stdout() {
    let output = csflow()
        .args(["fmt", "--stdin"])
        .write_stdin(MESSY)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(String::from_utf8_lossy(&output.stdout), FORMATTED);
    let output = csflow()
        .args(["fmt", "--stdin", "--check"])
        .write_stdin(FORMATTED)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0), "{output:?}");
}

#[test]
fn a_file_with_syntax_errors_is_left_untouched_with_its_errors_and_exit_1() {
    let dir = tempfile::tempdir().expect("temp dir");
    let broken = "flow f {\n  state a { say }\n}\n";
    let bad = write(dir.path(), "bad.csflow", broken);
    let good = write(dir.path(), "good.csflow", MESSY);
    let output = csflow().arg("fmt").arg(dir.path()).output().expect("runs");
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("syntax-error"), "{stderr}");
    assert!(stderr.contains("left untouched"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&bad).expect("read"), broken);
    // The other file is still formatted.
    assert_eq!(std::fs::read_to_string(&good).expect("read"), FORMATTED);
    let output = csflow()
        .args(["fmt", "--stdin"])
        .write_stdin(broken)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&output.stdout), broken);
}

#[test]
fn an_unreadable_path_is_exit_2() {
    let output = csflow()
        .args(["fmt", "/nonexistent/nowhere.csflow"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2), "{output:?}");
}
