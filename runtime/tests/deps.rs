//! The runtime is what ops deploy: it must not link the compiler, the parser, the language
//! server or the diagnostic renderer (the contract of the two binaries). `cargo tree` says what it links.

use std::process::Command;

#[test]
fn runtime_depends_on_nothing_of_the_compiler_side() {
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.toml");
    let output = Command::new(env!("CARGO"))
        .args([
            "tree",
            "--manifest-path",
            manifest,
            "-p",
            "csflow-runtime",
            "-e",
            "normal",
            "--prefix",
            "none",
        ])
        .output()
        .expect("cargo tree runs");
    let tree = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(tree.starts_with("csflow-runtime "), "{tree}");
    let crates: Vec<&str> = tree
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .collect();
    for forbidden in [
        "csflow-compiler",
        "csflow-lsp",
        "csflow",
        "pest",
        "pest_derive",
    ] {
        assert!(
            !crates.contains(&forbidden),
            "csflow-runtime depends on {forbidden}:\n{tree}"
        );
    }
    for prefix in ["tower-lsp", "codespan", "lsp-types", "ls-types"] {
        assert!(
            !crates.iter().any(|name| name.starts_with(prefix)),
            "csflow-runtime depends on a {prefix} crate:\n{tree}"
        );
    }
}
