//! `csflow-runtime` on hostile paths: devices, FIFOs and non-bundles are refused from what
//! they are or from their first bytes, never read to the end or waited for.

#![cfg(unix)]

#[path = "support/sample.rs"]
mod sample;

use std::process::Command;

fn runtime(args: &[&str]) -> (Option<i32>, String) {
    let output = Command::new("timeout")
        .arg("60")
        .arg(env!("CARGO_BIN_EXE_csflow-runtime"))
        .args(args)
        .output()
        .expect("csflow-runtime runs");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn devices_fifos_and_non_bundles_are_refused_quickly() {
    for command in ["inspect", "disasm"] {
        let (code, err) = runtime(&[command, "/dev/zero"]);
        assert_eq!(code, Some(2), "{err}");
        assert!(
            err.contains("a character device, not a regular file"),
            "{err}"
        );
    }
    let dir = tempfile_dir();
    let fifo = dir.join("x.csfb");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let (code, err) = runtime(&["inspect", fifo.to_str().unwrap()]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("a FIFO (named pipe)"), "{err}");

    let big = dir.join("big.csfb");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(1 << 30)
        .unwrap();
    let (code, err) = runtime(&["inspect", big.to_str().unwrap()]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("missing `CSFB` header"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bounded_reads_refuse_what_grows_past_the_limit() {
    let dir = tempfile_dir();
    let path = dir.join("a.csflow");
    std::fs::write(&path, vec![b'a'; 1001]).unwrap();
    let error = csflow_runtime::files::read_limited(&path, 1000).unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::FileTooLarge);
    assert_eq!(
        csflow_runtime::files::read_limited(&path, 1001)
            .unwrap()
            .len(),
        1001
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "csflow-runtime-files-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_full_stdout_is_exit_2_with_a_message() {
    let dir = tempfile_dir();
    let path = dir.join("sample.csfb");
    std::fs::write(&path, sample::sample().to_bytes()).unwrap();
    let output = Command::new("timeout")
        .arg("60")
        .arg(env!("CARGO_BIN_EXE_csflow-runtime"))
        .args(["disasm", path.to_str().unwrap()])
        .stdout(
            std::fs::OpenOptions::new()
                .write(true)
                .open("/dev/full")
                .unwrap(),
        )
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{err}");
    assert!(err.contains("cannot write the output"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
