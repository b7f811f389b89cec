//! Hostile input through the real binary: special files (real FIFOs, `/dev/zero`), full
//! disks (`/dev/full`), closed pipes, outputs that must not be replaced, imports that leave
//! the project, control characters, and unclear messages. Every run has a time-out, so a
//! hang fails the test instead of stalling CI.

#![cfg(unix)]

use assert_cmd::Command;
use std::path::{Path, PathBuf};
use std::time::Duration;

#[path = "support/projects.rs"]
mod projects;
use projects::CLEAN;

fn csflow() -> Command {
    let mut command = Command::cargo_bin("csflow").expect("the csflow binary is built");
    command.timeout(Duration::from_secs(60));
    command
}

/// The binary under `timeout 60`, for runs that need their own stdin/stdout/stderr files.
fn csflow_std() -> std::process::Command {
    let mut command = std::process::Command::new("timeout");
    command
        .arg("60")
        .arg(assert_cmd::cargo::cargo_bin("csflow"));
    command
}

fn project(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, contents) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, contents).expect("write");
    }
    dir
}

fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(status.success(), "mkfifo {}", path.display());
}

/// Runs csflow in `dir`; (exit code, stdout, stderr). A time-out is a failure.
fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    run_with_stdin(dir, args, Vec::new())
}

/// [`run`] with `stdin` piped in.
fn run_with_stdin(dir: &Path, args: &[&str], stdin: impl Into<Vec<u8>>) -> (i32, String, String) {
    let output = csflow()
        .current_dir(dir)
        .args(args)
        .write_stdin(stdin.into())
        .output()
        .expect("csflow runs");
    (
        output
            .status
            .code()
            .expect("exited, not killed by the time-out"),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

// ---- reading: only regular files, bounded ----

#[test]
fn a_fifo_named_like_a_flow_in_a_folder_is_skipped_not_waited_for() {
    let dir = project(&[("flows/hello.csflow", CLEAN.as_bytes())]);
    mkfifo(&dir.path().join("flows/x.csflow"));
    let (code, out, err) = run(dir.path(), &["check", "flows", "--format", "short"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(!out.contains("x.csflow"), "{out}");
}

#[test]
fn a_fifo_or_a_device_given_by_name_says_what_it_is() {
    let dir = project(&[("hello.csflow", CLEAN.as_bytes())]);
    mkfifo(&dir.path().join("x.csflow"));
    let (code, out, err) = run(dir.path(), &["check", "x.csflow"]);
    assert_eq!(code, 2, "{out}");
    assert!(
        err.contains("x.csflow: a FIFO (named pipe), not a regular file"),
        "{err}"
    );
    let (code, _, err) = run(dir.path(), &["check", "/dev/zero"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("/dev/zero: a character device, not a regular file"),
        "{err}"
    );
    for command in ["disasm", "run"] {
        let (code, _, err) = run(dir.path(), &[command, "/dev/zero"]);
        assert_eq!(code, 2, "{command}: {err}");
        assert!(err.contains("a character device"), "{command}: {err}");
    }
    let (code, _, err) = run(dir.path(), &["disasm", "x.csflow"]);
    assert_eq!(code, 2);
    assert!(err.contains("a FIFO (named pipe)"), "{err}");
}

#[test]
fn disasm_checks_the_magic_before_reading_the_rest() {
    // 100 MB of something that is not a bundle: refused from its first four bytes.
    let dir = project(&[]);
    let path = dir.path().join("big.csfb");
    let file = std::fs::File::create(&path).unwrap();
    file.set_len(100 * 1024 * 1024).unwrap();
    let (code, _, err) = run(dir.path(), &["disasm", "big.csfb"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("big.csfb is not a valid csflow bundle: not a csflow bundle"),
        "{err}"
    );
}

#[test]
fn oversized_files_are_refused_with_their_size_in_correct_units() {
    let dir = project(&[]);
    let file = std::fs::File::create(dir.path().join("huge.csflow")).unwrap();
    file.set_len(70_000_000).unwrap();
    let (code, _, err) = run(dir.path(), &["check", "huge.csflow"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("70,000,000 bytes (66.8 MiB)") && err.contains("67,108,864 bytes (64.0 MiB)"),
        "{err}"
    );
}

#[test]
fn imports_of_devices_and_absolute_paths_are_errors() {
    let main = format!("import \"/dev/zero\"\nimport \"/etc/passwd\"\n{CLEAN}");
    let dir = project(&[("hello.csflow", main.as_bytes())]);
    let (code, out, _) = run(dir.path(), &["check", ".", "--format", "short"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("hello.csflow:1:8: error[E0021/import-outside-project]: absolute import path \"/dev/zero\""),
        "{out}"
    );
    assert!(
        out.contains("absolute import path \"/etc/passwd\""),
        "{out}"
    );
}

#[test]
fn imports_stay_inside_the_project_and_no_foreign_text_is_shown() {
    let outside = project(&[("secret.csflow", b"root:x:0:0:TOP-SECRET\n")]);
    let secret = outside.path().join("secret.csflow");
    let dir = project(&[("p/hello.csflow", CLEAN.as_bytes())]);
    // A `..` path, and a symbolic link inside the project that leads outside.
    std::fs::create_dir_all(dir.path().join("p/other")).unwrap();
    std::os::unix::fs::symlink(&secret, dir.path().join("p/other/link.csflow")).unwrap();
    let relative = pathdiff(&secret, &dir.path().join("p"));
    let main = format!("import \"{relative}\"\nimport \"other/link.csflow\"\n{CLEAN}");
    std::fs::write(dir.path().join("p/hello.csflow"), main).unwrap();
    let (code, out, err) = run(dir.path(), &["check", "p/hello.csflow"]);
    assert_eq!(code, 1, "{out}{err}");
    assert_eq!(out.matches("import-outside-project").count(), 2, "{out}");
    assert!(!out.contains("TOP-SECRET"), "foreign text shown:\n{out}");

    // `[imports] allow` in csflow.toml lets one more folder in.
    let shared = outside.path().to_string_lossy().replace('\\', "/");
    std::fs::write(
        dir.path().join("p/csflow.toml"),
        format!("[imports]\nallow = [\"{shared}\"]\n"),
    )
    .unwrap();
    let (_, out, _) = run(
        dir.path(),
        &["check", "p/hello.csflow", "--format", "short"],
    );
    assert!(!out.contains("import-outside-project"), "{out}");
}

/// `to` relative to the folder `from`, with `..`.
fn pathdiff(to: &Path, from: &Path) -> String {
    let to = std::fs::canonicalize(to).unwrap();
    let from = std::fs::canonicalize(from).unwrap();
    let common = to
        .components()
        .zip(from.components())
        .take_while(|(a, b)| a == b)
        .count();
    let mut parts: Vec<String> = from
        .components()
        .skip(common)
        .map(|_| "..".into())
        .collect();
    parts.extend(
        to.components()
            .skip(common)
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

// ---- `csflow run`'s stdin ----

#[test]
fn run_reads_bounded_lines_and_survives_bad_input() {
    let dir = project(&[("hello.csflow", CLEAN.as_bytes())]);
    let mut input = vec![b'x'; 200_000];
    input.extend_from_slice(b"\n");
    input.extend_from_slice(b"caf\xe9\n");
    input.extend_from_slice(b"#1\n");
    let (code, out, err) = run_with_stdin(dir.path(), &["run", ".", "--flow", "hello"], input);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        err.contains("input line 1 ignored: it is 200000 bytes or more"),
        "{err}"
    );
    assert!(
        err.contains("input line 2 ignored: it is not UTF-8 text (invalid byte at column 4)"),
        "{err}"
    );
    assert!(
        out.contains("you: [keys 1]") || out.contains("handed off"),
        "{out}"
    );
}

#[test]
fn run_on_dev_zero_stops_with_a_message() {
    let dir = project(&[("hello.csflow", CLEAN.as_bytes())]);
    let output = csflow_std()
        .current_dir(dir.path())
        .args(["run", ".", "--flow", "hello"])
        .stdin(std::fs::File::open("/dev/zero").unwrap())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{err}");
    assert!(
        err.contains("input line 1 has no end after 16 MiB"),
        "{err}"
    );
}

#[test]
fn run_on_a_project_without_flows_says_so() {
    let dir = project(&[("q.csflow", b"queue general { }\n")]);
    let (code, _, err) = run(dir.path(), &["run", "."]);
    assert_eq!(code, 2);
    assert!(err.contains("the project has no flows"), "{err}");
}

// ---- writes: a full disk, a closed pipe ----

fn with_stdout(file: &str, args: &[&str], dir: &Path) -> (i32, String) {
    let output = csflow_std()
        .current_dir(dir)
        .args(args)
        .stdout(std::fs::OpenOptions::new().write(true).open(file).unwrap())
        .output()
        .unwrap();
    (
        output.status.code().expect("no signal, no time-out"),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

#[test]
fn a_full_stdout_is_exit_2_with_a_message_for_every_command() {
    let root = workspace();
    let temp = tempfile::tempdir().unwrap();
    let bundle = temp.path().join("bank.csfb");
    let bundle = bundle.to_str().unwrap();
    csflow()
        .current_dir(&root)
        .args(["build", "examples/bank", "-o", bundle])
        .assert()
        .success();
    let commands: Vec<Vec<&str>> = vec![
        vec!["explain", "unreachable-state"],
        vec!["explain", "--list"],
        vec!["check", "examples/bank"],
        vec!["check", "examples/bank", "--format", "sarif"],
        vec!["disasm", bundle],
        vec!["test", "examples/bank"],
        vec!["build", "examples/bank", "-o", "/dev/full"],
        vec![
            "graph",
            "examples/bank",
            "--flow",
            "bank_phone",
            "--format",
            "dot",
        ],
        vec![
            "graph",
            "examples/bank",
            "--flow",
            "bank_phone",
            "--format",
            "mermaid",
        ],
        vec![
            "graph",
            "examples/bank",
            "--flow",
            "bank_phone",
            "--format",
            "json",
        ],
        vec![
            "graph",
            "examples/bank",
            "--flow",
            "bank_phone",
            "-o",
            "/dev/full",
        ],
        vec!["--help"],
    ];
    for args in commands {
        let (code, err) = with_stdout("/dev/full", &args, &root);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(
            err.contains("No space left on device"),
            "{args:?} says nothing: {err}"
        );
    }
}

#[test]
fn a_full_stderr_is_exit_2_not_a_panic() {
    let output = csflow_std()
        .args(["check", "missing-dir"])
        .stderr(
            std::fs::OpenOptions::new()
                .write(true)
                .open("/dev/full")
                .unwrap(),
        )
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn a_closed_pipe_stays_quiet() {
    let csflow = assert_cmd::cargo::cargo_bin("csflow");
    let output = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "'{}' explain --list | head -c 1 >/dev/null; echo \"status=${{PIPESTATUS[0]}}\"",
            csflow.display()
        ))
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&output.stdout);
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(out.contains("status=0"), "{out}{err}");
    assert!(err.is_empty(), "{err}");
}

// ---- `csflow build -o`: nothing destroyed ----

#[test]
fn build_refuses_to_overwrite_one_of_its_inputs() {
    let dir = project(&[("p/hello.csflow", CLEAN.as_bytes())]);
    for output in ["p/hello.csflow", "./p/../p/hello.csflow"] {
        let (code, _, err) = run(dir.path(), &["build", "p", "-o", output]);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("one of the project's sources"), "{err}");
    }
    assert_eq!(
        std::fs::read_to_string(dir.path().join("p/hello.csflow")).unwrap(),
        CLEAN
    );
}

#[test]
fn build_writes_through_links_and_fifos_and_refuses_read_only_files() {
    let dir = project(&[("p/hello.csflow", CLEAN.as_bytes()), ("real.csfb", b"old")]);
    let path = dir.path();
    // A symbolic link: the link stays, its target gets the bundle.
    std::os::unix::fs::symlink("real.csfb", path.join("link.csfb")).unwrap();
    let (code, _, err) = run(path, &["build", "p", "-o", "link.csfb"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        std::fs::symlink_metadata(path.join("link.csfb"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(
        std::fs::read(path.join("real.csfb"))
            .unwrap()
            .starts_with(b"CSFB")
    );

    // A read-only file is refused and left as it was.
    std::fs::write(path.join("ro.csfb"), b"keep").unwrap();
    let mut permissions = std::fs::metadata(path.join("ro.csfb"))
        .unwrap()
        .permissions();
    permissions.set_readonly(true);
    std::fs::set_permissions(path.join("ro.csfb"), permissions).unwrap();
    let (code, _, err) = run(path, &["build", "p", "-o", "ro.csfb"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("read-only"), "{err}");
    assert_eq!(std::fs::read(path.join("ro.csfb")).unwrap(), b"keep");

    // A FIFO nobody reads: an error, not a hang, and the FIFO stays a FIFO.
    mkfifo(&path.join("pipe.csfb"));
    let (code, _, err) = run(path, &["build", "p", "-o", "pipe.csfb"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("nobody reads"), "{err}");
    // A FIFO with a reader gets the bundle.
    let reader = std::thread::spawn({
        let fifo = path.join("pipe.csfb");
        move || std::fs::read(fifo).unwrap()
    });
    let (code, _, err) = run_until_reader(path, &["build", "p", "-o", "pipe.csfb"]);
    assert_eq!(code, 0, "{err}");
    assert!(reader.join().unwrap().starts_with(b"CSFB"));
    use std::os::unix::fs::FileTypeExt;
    assert!(
        std::fs::metadata(path.join("pipe.csfb"))
            .unwrap()
            .file_type()
            .is_fifo()
    );

    // A device is written into, not replaced.
    let (code, _, err) = run(path, &["build", "p", "-o", "/dev/null"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        std::fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device()
    );
}

/// Retries while the reader thread has not opened its end of the FIFO yet.
#[test]
fn graph_output_is_written_over_and_never_waits_on_a_fifo() {
    let dir = project(&[("p/hello.csflow", CLEAN.as_bytes()), ("real.dot", b"old")]);
    let path = dir.path();
    // A regular file is written over with the whole picture, and no temporary file is left.
    let (code, _, err) = run(path, &["graph", "p", "-o", "real.dot"]);
    assert_eq!(code, 0, "{err}");
    let picture = std::fs::read_to_string(path.join("real.dot")).unwrap();
    assert!(picture.starts_with("digraph"), "{picture}");
    let left: Vec<_> = std::fs::read_dir(path)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    // A symbolic link stays a link; its target gets the picture.
    std::fs::write(path.join("real.mmd"), b"old").unwrap();
    std::os::unix::fs::symlink("real.mmd", path.join("link.mmd")).unwrap();
    let (code, _, err) = run(path, &["graph", "p", "-o", "link.mmd"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        std::fs::symlink_metadata(path.join("link.mmd"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(
        std::fs::read_to_string(path.join("real.mmd"))
            .unwrap()
            .starts_with("flowchart")
    );
    // A read-only file is refused and left as it was.
    std::fs::write(path.join("ro.json"), b"keep").unwrap();
    let mut permissions = std::fs::metadata(path.join("ro.json"))
        .unwrap()
        .permissions();
    permissions.set_readonly(true);
    std::fs::set_permissions(path.join("ro.json"), permissions).unwrap();
    let (code, _, err) = run(path, &["graph", "p", "-o", "ro.json"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("read-only"), "{err}");
    assert_eq!(std::fs::read(path.join("ro.json")).unwrap(), b"keep");
    // A FIFO nobody reads: an error at once, not a hang; with a reader, the picture.
    mkfifo(&path.join("pipe.dot"));
    let (code, _, err) = run(path, &["graph", "p", "-o", "pipe.dot"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("nobody reads"), "{err}");
    let reader = std::thread::spawn({
        let fifo = path.join("pipe.dot");
        move || std::fs::read_to_string(fifo).unwrap()
    });
    let (code, _, err) = run_until_reader(path, &["graph", "p", "-o", "pipe.dot"]);
    assert_eq!(code, 0, "{err}");
    assert!(reader.join().unwrap().starts_with("digraph"));
}

fn run_until_reader(dir: &Path, args: &[&str]) -> (i32, String, String) {
    for _ in 0..100 {
        let result = run(dir, args);
        if !result.2.contains("nobody reads") {
            return result;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    run(dir, args)
}

#[test]
fn bundles_are_byte_identical_from_any_folder_and_spelling() {
    let root = workspace();
    let temp = tempfile::tempdir().unwrap();
    let examples = root.join("examples");
    let spellings: Vec<(PathBuf, String)> = vec![
        (root.clone(), "examples/bank".into()),
        (root.clone(), "./examples/bank".into()),
        (root.clone(), "examples//bank/../bank".into()),
        (
            root.clone(),
            examples.join("bank").to_string_lossy().into_owned(),
        ),
        (examples.join("bank"), ".".into()),
        (examples.clone(), "bank".into()),
    ];
    let mut bundles = Vec::new();
    for (index, (dir, path)) in spellings.iter().enumerate() {
        let out = temp.path().join(format!("{index}.csfb"));
        csflow()
            .current_dir(dir)
            .args(["build", path, "-o"])
            .arg(&out)
            .assert()
            .success();
        bundles.push((path.clone(), std::fs::read(&out).unwrap()));
    }
    for (path, bytes) in &bundles[1..] {
        assert!(
            bytes == &bundles[0].1,
            "`{path}` gives other bytes than `examples/bank`"
        );
    }
    // The paths inside are relative to the project root (examples/, where csflow.toml is).
    let listing = csflow()
        .arg("disasm")
        .arg(temp.path().join("0.csfb"))
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&listing.stdout);
    assert!(listing.contains("bank/bank.csflow"), "{listing}");
    assert!(!listing.contains("examples/bank"), "{listing}");
}

// ---- clearer messages ----

#[test]
fn a_byte_order_mark_is_accepted() {
    let text = format!("\u{FEFF}{CLEAN}");
    let dir = project(&[("hello.csflow", text.as_bytes())]);
    let (code, out, err) = run(dir.path(), &["check", ".", "--format", "short"]);
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn control_characters_never_reach_the_terminal_raw() {
    let text = CLEAN.replace("Goodbye", "Good\u{1b}[2Jbye\u{202E}") + "\u{1b}]0;pwned\u{7}oops\n";
    let dir = project(&[("hello.csflow", text.as_bytes())]);
    for format in ["human", "short", "github"] {
        let (_, out, _) = run(
            dir.path(),
            &["check", ".", "--format", format, "--color", "never"],
        );
        assert!(!out.contains('\u{1b}'), "{format}: {out}");
        assert!(!out.contains('\u{7}'), "{format}: {out}");
        assert!(!out.contains('\u{202E}'), "{format}: {out}");
        if format == "human" {
            assert!(out.contains("\\u{1b}]0;pwned\\u{7}oops"), "{out}");
        }
    }
}

// ---- the VM stops real loops only ----

/// Runs a generated flow with `input` on stdin; (exit code, stdout, stderr).
fn run_flow(text: &str, input: &str) -> (i32, String, String) {
    let dir = project(&[("big.csflow", text.as_bytes())]);
    run_with_stdin(dir.path(), &["run", "big.csflow", "--flow", "big"], input)
}

#[test]
fn long_straight_line_turns_run_to_their_end() {
    // A state with 50,000 `say`s.
    let says: String = (0..50_000)
        .map(|i| format!("    say \"line {i}\"\n"))
        .collect();
    let text =
        format!("flow big {{\n  channel chat\n  start a\n  state a {{\n{says}    end\n  }}\n}}\n");
    let (code, out, err) = run_flow(&text, "");
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("bot: line 49999") && out.contains("has ended"),
        "{err}"
    );

    // A 20,000-branch `else if` chain, whose last branch is taken.
    let branches: String = (0..20_000)
        .map(|i| {
            format!(
                " else if turns == {} {{ say \"branch {i}\" end }}",
                i + 1_000_000
            )
        })
        .collect();
    let text = format!(
        "flow big {{\n  channel chat\n  start a\n  state a {{\n    if turns == -1 {{ end }}{branches} else {{ say \"last\" end }}\n  }}\n}}\n"
    );
    let (code, out, err) = run_flow(&text, "");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("bot: last"), "{out}{err}");

    // 2,600 escalate rules, checked on every input.
    let rules: String = (0..2_600)
        .map(|i| format!("    when text == \"never {i}\" handoff general\n"))
        .collect();
    let text = format!(
        "queue general {{ }}\nflow big {{\n  channel chat\n  start a\n  slot reply: text\n  on no_match retry 1 then handoff general\n  escalate {{\n{rules}    when text == \"agent\" handoff general\n  }}\n  state a {{\n    ask reply \"Hello?\"\n    say \"thanks\"\n    end\n  }}\n}}\n"
    );
    let (code, out, err) = run_flow(&text, "agent\n");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("handed off to queue general"), "{out}{err}");
}
