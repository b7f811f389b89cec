//! Loading a project: files are parsed in parallel, but what comes out — the load order,
//! the imports, the diagnostics — is the same as loading them one by one, every time.

use csflow_compiler::check::Options;
use csflow_compiler::{Analysis, analyze};
use std::collections::HashMap;
use std::path::Path;

const FILES: usize = 40;

/// `f{i}.csflow`: one flow each, importing one of three shared queue files; every odd file
/// has a broken `goto` on line 7.
fn inputs() -> Vec<(String, Vec<u8>)> {
    (0..FILES)
        .map(|i| {
            let goto = if i % 2 == 1 { "goto" } else { "goto b" };
            let text = format!(
                "import \"shared/q{q}.csflow\"\nflow f{i} {{\n  channel chat\n  start a\n  on closed end\n  state a {{\n    say \"第{i}个\" {goto}\n  }}\n  state b {{\n    handoff q{q}\n  }}\n}}\n",
                q = i % 3
            );
            (format!("f{i}.csflow"), text.into_bytes())
        })
        .collect()
}

/// The shared files: each queue file imports `common.csflow`, which nothing else imports.
fn imported() -> HashMap<String, String> {
    let mut files = HashMap::new();
    for q in 0..3 {
        files.insert(
            format!("shared/q{q}.csflow"),
            format!("import \"common.csflow\"\nqueue q{q} {{ hours office }}\n"),
        );
    }
    files.insert(
        "shared/common.csflow".to_string(),
        "hours office { timezone \"Asia/Shanghai\" mon-fri 09:00-18:00 }\n".to_string(),
    );
    files
}

fn load() -> Analysis {
    let imported = imported();
    analyze(
        inputs(),
        &|path: &Path| {
            imported
                .get(&path.to_string_lossy().replace('\\', "/"))
                .map(|text| text.clone().into_bytes())
                .ok_or_else(|| std::io::ErrorKind::NotFound.into())
        },
        &Options::default(),
    )
}

fn load_order(analysis: &Analysis) -> Vec<String> {
    analysis
        .files
        .iter()
        .map(|(id, _)| analysis.sources.get(*id).path.clone())
        .collect()
}

#[test]
fn files_load_in_input_order_then_imports_breadth_first() {
    let analysis = load();
    let mut expected: Vec<String> = (0..FILES).map(|i| format!("f{i}.csflow")).collect();
    expected.extend(
        [
            "shared/q0.csflow",
            "shared/q1.csflow",
            "shared/q2.csflow",
            "shared/common.csflow",
        ]
        .map(String::from),
    );
    assert_eq!(load_order(&analysis), expected);
}

#[test]
fn each_broken_file_reports_its_own_error_and_nothing_else() {
    let analysis = load();
    let reported: Vec<(String, &str)> = analysis
        .diagnostics
        .iter()
        .map(|d| {
            let path = analysis.sources.get(d.primary.span.file).path.clone();
            (path, d.name())
        })
        .collect();
    let expected: Vec<(String, &str)> = (0..FILES)
        .filter(|i| i % 2 == 1)
        .map(|i| (format!("f{i}.csflow"), "syntax-error"))
        .collect();
    let mut sorted_expected = expected.clone();
    sorted_expected.sort();
    let mut sorted_reported = reported.clone();
    sorted_reported.sort();
    assert_eq!(sorted_reported, sorted_expected, "{reported:#?}");
}

#[test]
fn loading_is_deterministic() {
    let first = load();
    for _ in 0..5 {
        let again = load();
        assert_eq!(load_order(&again), load_order(&first));
        assert_eq!(
            format!("{:?}", again.diagnostics),
            format!("{:?}", first.diagnostics)
        );
    }
}
