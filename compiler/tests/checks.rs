//! The warning checks and `input-free-cycle` end to end: every registry example, snapshots
//! of the rendered diagnostics, the example projects, mutations of them, and per-family
//! cases.

use csflow_compiler::analysis::Analysis;
use csflow_compiler::check::Options;
use csflow_compiler::diagnostic::{CHECKS, Severity, render};
#[allow(unused_imports)]
use csflow_compiler::diagnostic::Diagnostic;

fn options() -> Options {
    Options { today: chrono::NaiveDate::from_ymd_opt(2026, 11, 21), ..Default::default() }
}

fn analyze_with(text: &str, options: &Options) -> Analysis {
    csflow_compiler::analyze(
        vec![("bad.csflow".into(), text.as_bytes().to_vec())],
        &|_| Err(std::io::ErrorKind::NotFound.into()),
        options,
    )
}

fn analyze(text: &str) -> Analysis {
    analyze_with(text, &options())
}

fn names(analysis: &Analysis) -> Vec<&'static str> {
    analysis.diagnostics.iter().map(|d| d.name).collect()
}

fn rendered(analysis: &Analysis) -> String {
    render::human(&analysis.diagnostics, &analysis.sources, false)
}

#[test]
fn every_registry_example_behaves() {
    let mut failures = Vec::new();
    for check in CHECKS {
        let bad = analyze(check.bad);
        if !names(&bad).contains(&check.name) {
            failures.push(format!("{}: bad example does not trigger it:\n{}", check.name, rendered(&bad)));
        }
        let fixed = analyze(check.fixed);
        if fixed.has_errors() || names(&fixed).contains(&check.name) {
            failures.push(format!("{}: fixed example still reports:\n{}", check.name, rendered(&fixed)));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The rendered diagnostics of every bad example, one snapshot per check.
#[test]
fn bad_examples_render() {
    for check in CHECKS {
        let analysis = analyze(check.bad);
        insta::with_settings!({ snapshot_suffix => check.name, prepend_module_to_snapshot => false, omit_expression => true }, {
            insta::assert_snapshot!("bad_example", rendered(&analysis));
        });
    }
}
