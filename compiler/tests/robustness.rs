//! Whatever the input, analysis returns diagnostics: it never panics, never hangs and never
//! exhausts the stack. Arbitrary text, mutated example flows and hand-made hostile inputs.

use csflow_compiler::check::Options;
use csflow_compiler::diagnostic::Severity;
use csflow_compiler::{Analysis, analyze};
use proptest::prelude::*;
use std::path::Path;

fn analyze_text(text: &[u8]) -> Analysis {
    analyze(
        vec![("input.csflow".to_string(), text.to_vec())],
        &|_: &Path| Err(std::io::ErrorKind::NotFound.into()),
        &Options::default(),
    )
}

fn syntax_errors(analysis: &Analysis) -> usize {
    analysis
        .diagnostics
        .iter()
        .filter(|d| d.name() == "syntax-error")
        .count()
}

fn example_sources() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let mut sources = Vec::new();
    for project in ["bank", "shop", "utility", "leads", "common"] {
        let Ok(entries) = std::fs::read_dir(root.join(project)) else {
            continue;
        };
        let mut paths: Vec<_> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
        paths.sort();
        for path in paths {
            if let Ok(text) = std::fs::read_to_string(&path) {
                sources.push(text);
            }
        }
    }
    assert!(
        !sources.is_empty(),
        "the examples should be readable from the compiler's tests"
    );
    sources
}

/// Tokens that make mutations look like real editing mistakes.
const TOKENS: &[&str] = &[
    "{",
    "}",
    "\"",
    "goto ",
    "say \"",
    "menu \"x\" {",
    "option ",
    "key 1 ",
    "handoff ",
    "if ",
    "else ",
    "(",
    ")",
    "[",
    "]",
    "/",
    "#",
    "\n",
    "not ",
    "and ",
    "state s {",
    "flow f {",
    "你好",
    "\\",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = analyze_text(&bytes);
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,400}") {
        let _ = analyze_text(text.as_bytes());
    }

    #[test]
    fn mutated_examples_never_panic(
        which in 0usize..64,
        edits in proptest::collection::vec((any::<prop::sample::Index>(), 0usize..40, 0usize..TOKENS.len(), 0u8..3), 1..6),
    ) {
        let sources = example_sources();
        let mut text = sources[which % sources.len()].clone().into_bytes();
        for (at, len, token, kind) in edits {
            let start = at.index(text.len() + 1);
            let end = (start + len).min(text.len());
            match kind {
                0 => { text.drain(start..end); }
                1 => { text.splice(start..start, TOKENS[token].bytes()); }
                _ => {
                    let copy: Vec<u8> = text[start..end].to_vec();
                    text.splice(start..start, copy);
                }
            }
        }
        let analysis = analyze_text(&text);
        // A project that checks without errors always compiles.
        if !analysis.has_errors() {
            let generated = csflow_compiler::codegen::generate(analysis.files.iter().map(|(_, f)| f), &analysis.sources);
            prop_assert!(generated.is_ok(), "{:?}", generated.err());
        }
    }
}

/// Runs `f` on a thread with a small stack (like a test thread's 2 MiB): deep recursion on
/// hostile input would overflow it.
fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(f)
        .expect("thread")
        .join()
        .expect("no panic, no overflow");
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    on_small_stack(|| {
        for open in ["{", "(", "[", "if x {"] {
            let text = format!("flow f {{ start a state a {{ {} }} }}", open.repeat(50_000));
            let analysis = analyze_text(text.as_bytes());
            assert!(syntax_errors(&analysis) >= 1, "{open}");
        }
        let text = format!(
            "flow f {{ state a {{ say \"{}\" end }} }}",
            "{(".repeat(50_000)
        );
        assert!(syntax_errors(&analyze_text(text.as_bytes())) >= 1);
    });
}

#[test]
fn long_chains_do_not_recurse() {
    on_small_stack(|| {
        let nots = format!(
            "flow f {{ start a slot b: yes_no state a {{ if {} b {{ end }} end }} }}",
            "not ".repeat(100_000)
        );
        let analysis = analyze_text(nots.as_bytes());
        assert_eq!(
            syntax_errors(&analysis),
            0,
            "{:?}",
            analysis.diagnostics.first()
        );

        let ands = format!(
            "flow f {{ start a slot b: yes_no state a {{ if b{} {{ end }} end }} }}",
            " and b".repeat(50_000)
        );
        assert_eq!(syntax_errors(&analyze_text(ands.as_bytes())), 1);

        let fields = format!(
            "flow f {{ start a state a {{ if x{} {{ end }} end }} }}",
            ".y".repeat(50_000)
        );
        assert!(syntax_errors(&analyze_text(fields.as_bytes())) >= 1);

        let else_ifs = format!(
            "flow f {{ start a slot b: yes_no state a {{ if b {{ end }}{} else {{ end }} }} }}",
            " else if b { end }".repeat(20_000)
        );
        let analysis = analyze_text(else_ifs.as_bytes());
        assert_eq!(
            analysis
                .diagnostics
                .iter()
                .filter(|d| d.severity == Severity::Error)
                .count(),
            0
        );
    });
}

#[test]
fn binary_and_non_utf8_files_are_reported_not_parsed() {
    let binary = analyze_text(b"\x7fELF\x00\x00\x01");
    assert_eq!(binary.diagnostics.len(), 1);
    assert!(binary.diagnostics[0].message.contains("binary"));
    let latin1 = analyze_text(b"flow f { state a { say \"caf\xe9\" end } }");
    assert_eq!(latin1.diagnostics.len(), 1);
    assert!(latin1.diagnostics[0].message.contains("UTF-8"));
}

#[test]
fn many_broken_lines_stay_linear() {
    // 20,000 unterminated strings: each one its own error, found quickly.
    let mut text = String::from("flow f {\n start a\n state a {\n");
    for _ in 0..20_000 {
        text.push_str("  say \"oops\n");
    }
    text.push_str("  end\n }\n}\n");
    let started = std::time::Instant::now();
    let analysis = analyze_text(text.as_bytes());
    assert_eq!(syntax_errors(&analysis), 20_000);
    // Not a timing assertion on speed, only a guard against a hang (minutes, not seconds).
    assert!(started.elapsed().as_secs() < 120);
}
