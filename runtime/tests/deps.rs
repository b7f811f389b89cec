//! The runtime is what ops deploy: neither the VM library nor the `csflow-runtime` binary
//! (built by the server crate) may link the compiler, the parser, the language server or
//! the diagnostic renderer; and the VM library stays free of async and network code, so it
//! embeds anywhere. `cargo tree` says what each links.

use std::process::Command;

fn normal_deps(package: &str) -> (String, Vec<String>) {
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.toml");
    let output = Command::new(env!("CARGO"))
        .args([
            "tree",
            "--manifest-path",
            manifest,
            "-p",
            package,
            "-e",
            "normal",
            "--prefix",
            "none",
        ])
        .output()
        .expect("cargo tree runs");
    let tree = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(tree.starts_with(&format!("{package} ")), "{tree}");
    let crates = tree
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_string)
        .collect();
    (tree, crates)
}

fn assert_no_compiler_side(package: &str) {
    let (tree, crates) = normal_deps(package);
    for forbidden in [
        "csflow-compiler",
        "csflow-lsp",
        "csflow",
        "pest",
        "pest_derive",
    ] {
        assert!(
            !crates.iter().any(|c| c == forbidden),
            "{package} depends on {forbidden}:\n{tree}"
        );
    }
    for prefix in ["tower-lsp", "codespan", "lsp-types", "ls-types"] {
        assert!(
            !crates.iter().any(|name| name.starts_with(prefix)),
            "{package} depends on a {prefix} crate:\n{tree}"
        );
    }
}

#[test]
fn runtime_depends_on_nothing_of_the_compiler_side() {
    assert_no_compiler_side("csflow-runtime");
}

#[test]
fn the_csflow_runtime_binary_links_no_compiler_either() {
    // The binary `csflow-runtime` is built by the server crate.
    assert_no_compiler_side("csflow-server");
    let (tree, crates) = normal_deps("csflow-server");
    assert!(crates.iter().any(|c| c == "csflow-runtime"), "{tree}");
}

#[test]
fn the_vm_library_has_no_async_or_network_stack() {
    let (tree, crates) = normal_deps("csflow-runtime");
    for forbidden in [
        "tokio",
        "mio",
        "hyper",
        "axum",
        "reqwest",
        "redis",
        "rusqlite",
        "futures",
        "async-trait",
        "socket2",
    ] {
        assert!(
            !crates.iter().any(|c| c == forbidden),
            "csflow-runtime (the VM library) depends on {forbidden}:\n{tree}"
        );
    }
}
