use super::*;

fn fmt(text: &str) -> String {
    match format_file(FileId(0), text) {
        Ok(out) => out,
        Err(e) => panic!("{e:?}\n{text}"),
    }
}

#[test]
fn a_state_on_one_line_becomes_one_item_per_line() {
    assert_eq!(
        fmt("queue q { }\nflow f { start a state a { say \"Bye.\" end } }"),
        "queue q { }\n\nflow f {\n  start a\n  state a {\n    say \"Bye.\"\n    end\n  }\n}\n"
    );
}

fn example_texts() -> Vec<(String, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut out = Vec::new();
    for dir in [
        "examples/bank",
        "examples/shop",
        "examples/utility",
        "examples/leads",
        "examples/common",
        "compiler/tests/fixtures/format",
    ] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        let mut paths: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        paths.sort();
        for path in paths {
            if path.extension().is_some_and(|e| e == "csflow") {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                out.push((
                    format!(
                        "{dir}/{}",
                        path.file_name().unwrap_or_default().to_string_lossy()
                    ),
                    text,
                ));
            }
        }
    }
    out
}

#[test]
fn examples_format_idempotently() {
    for (name, text) in example_texts() {
        let once = fmt(&text);
        let twice = fmt(&once);
        if once != twice {
            let diff = similar_diff(&once, &twice);
            panic!("{name} not idempotent:\n{diff}");
        }
        if std::env::var_os("FMT_DIFF").is_some() {
            eprintln!("=== {name}\n{}", similar_diff(&text, &once));
        }
    }
}

fn similar_diff(a: &str, b: &str) -> String {
    similar::TextDiff::from_lines(a, b)
        .unified_diff()
        .context_radius(1)
        .to_string()
}

#[test]
#[ignore]
fn show() {
    let path = std::env::var("FMT_FILE").unwrap_or_default();
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let once = fmt(&text);
    eprintln!("{once}");
    eprintln!("=====\n{}", fmt(&once));
}
