//! `csflow build` and `csflow disasm` through the real binary: round trip, byte-identical
//! bundles, refusing on errors, bad bundles, and a disassembly snapshot per example.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

/// The example projects (each folder under examples/ except the shared intents).
const EXAMPLES: [&str; 4] = ["bank", "leads", "shop", "utility"];

fn csflow() -> Command {
    Command::cargo_bin("csflow").expect("the csflow binary is built")
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("cli/ has a parent")
        .to_path_buf()
}

/// Builds `paths` (relative to `dir`) into `out`; returns the bundle's bytes.
fn build_in(dir: &Path, paths: &[&str], out: &Path) -> Vec<u8> {
    csflow()
        .current_dir(dir)
        .arg("build")
        .args(paths)
        .arg("-o")
        .arg(out)
        .assert()
        .success();
    std::fs::read(out).expect("the bundle was written")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn build_then_disasm_round_trips() {
    let temp = tempfile::tempdir().unwrap();
    let out = temp.path().join("bank.csfb");
    let assert = csflow()
        .current_dir(workspace())
        .args(["build", "examples/bank", "-o"])
        .arg(&out)
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).to_string();
    assert!(stdout.contains("1 flow"), "{stdout}");
    let bytes = std::fs::read(&out).unwrap();
    assert_eq!(&bytes[..4], b"CSFB");
    let disasm = csflow().arg("disasm").arg(&out).assert().success();
    let text = String::from_utf8_lossy(&disasm.get_output().stdout).to_string();
    assert!(text.contains("bank_phone"), "{text}");
    assert!(
        text.contains(" bank/bank.csflow:") && !text.contains("examples/bank/"),
        "source locations with paths relative to the project root (examples/csflow.toml): {text}"
    );
    // No temporary file is left beside the bundle.
    let leftovers: Vec<_> = std::fs::read_dir(temp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers, ["bank.csfb"]);
}

#[test]
fn same_sources_give_byte_identical_bundles_in_any_file_order() {
    let temp = tempfile::tempdir().unwrap();
    let first = build_in(
        &workspace(),
        &["examples/bank"],
        &temp.path().join("a.csfb"),
    );
    let again = build_in(
        &workspace(),
        &["examples/bank"],
        &temp.path().join("b.csfb"),
    );
    assert_eq!(first, again, "two builds of the same sources differ");

    // A copy of the examples elsewhere, with the same files listed one by one in another
    // order: the same paths as given, so the same bytes.
    let copy = temp.path().join("copy");
    copy_dir(&workspace().join("examples"), &copy.join("examples"));
    let reordered = build_in(
        &copy,
        &[
            "examples/common/intents.csflow",
            "examples/bank/bank.test.csflow",
            "examples/bank/bank.csflow",
        ],
        &temp.path().join("c.csfb"),
    );
    assert_eq!(first, reordered, "file order changed the bundle");
}

#[test]
fn build_refuses_on_errors_and_writes_nothing() {
    let temp = tempfile::tempdir().unwrap();
    std::fs::write(
        temp.path().join("broken.csflow"),
        "queue care { }\nflow f {\n  channel chat\n  start a\n  state a { goto nowhere }\n}\n",
    )
    .unwrap();
    let assert = csflow()
        .current_dir(temp.path())
        .args([
            "build",
            "broken.csflow",
            "-o",
            "out.csfb",
            "--color",
            "never",
        ])
        .assert()
        .code(1);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(stderr.contains("unknown-state"), "{stderr}");
    assert!(stderr.contains("broken.csflow:5:"), "{stderr}");
    assert!(stderr.contains("1 error"), "{stderr}");
    assert!(!temp.path().join("out.csfb").exists());

    // An existing bundle is left as it was.
    std::fs::write(temp.path().join("out.csfb"), b"old").unwrap();
    csflow()
        .current_dir(temp.path())
        .args(["build", "broken.csflow", "-o", "out.csfb"])
        .assert()
        .code(1);
    assert_eq!(std::fs::read(temp.path().join("out.csfb")).unwrap(), b"old");
    let entries = std::fs::read_dir(temp.path()).unwrap().count();
    assert_eq!(entries, 2, "no temporary file left behind");
}

#[test]
fn build_of_a_missing_path_or_into_a_missing_folder_is_exit_2() {
    let temp = tempfile::tempdir().unwrap();
    csflow()
        .current_dir(temp.path())
        .args(["build", "nowhere", "-o", "out.csfb"])
        .assert()
        .code(2);
    csflow()
        .current_dir(workspace())
        .args(["build", "examples/bank", "-o"])
        .arg(temp.path().join("no/such/dir/out.csfb"))
        .assert()
        .code(2);
}

#[test]
fn disasm_of_garbage_or_a_truncated_bundle_is_exit_2_with_a_clear_message() {
    let temp = tempfile::tempdir().unwrap();
    let garbage = temp.path().join("garbage.csfb");
    std::fs::write(&garbage, b"this is not a bundle at all").unwrap();
    let assert = csflow().arg("disasm").arg(&garbage).assert().code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(stderr.contains("is not a valid csflow bundle"), "{stderr}");

    let bundle = build_in(
        &workspace(),
        &["examples/bank"],
        &temp.path().join("ok.csfb"),
    );
    let truncated = temp.path().join("truncated.csfb");
    std::fs::write(&truncated, &bundle[..bundle.len() / 2]).unwrap();
    csflow().arg("disasm").arg(&truncated).assert().code(2);

    let assert = csflow()
        .arg("disasm")
        .arg(temp.path().join("missing.csfb"))
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(stderr.contains("cannot read"), "{stderr}");
}

/// The disassembly of every example, built from the workspace root so paths read
/// `examples/…`; the compiler version in the header is masked so a release does not churn
/// the snapshots.
#[test]
fn disassembly_of_every_example() {
    let temp = tempfile::tempdir().unwrap();
    for example in EXAMPLES {
        let out = temp.path().join(format!("{example}.csfb"));
        build_in(&workspace(), &[&format!("examples/{example}")], &out);
        let assert = csflow().arg("disasm").arg(&out).assert().success();
        let text = String::from_utf8_lossy(&assert.get_output().stdout).replace(
            &format!("compiler \"{}\"", env!("CARGO_PKG_VERSION")),
            "compiler \"[version]\"",
        );
        assert!(!text.contains(&*workspace().to_string_lossy()));
        insta::assert_snapshot!(format!("disasm_{example}"), text);
    }
}

#[test]
fn every_subcommand_has_help_with_examples() {
    for command in ["build", "disasm", "test", "run"] {
        let assert = csflow().args([command, "--help"]).assert().success();
        let stdout = String::from_utf8_lossy(&assert.get_output().stdout).to_string();
        assert!(stdout.contains("Examples:"), "{command}: {stdout}");
        assert!(stdout.contains(&format!("csflow {command}")), "{command}");
    }
}
