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
        "examples/airline",
        "examples/hotline",
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

/// Everything a formatted text must keep: the same tree (spans aside), the same
/// diagnostics (name and message), the same comments in the same order, and formatting
/// it again changes nothing.
fn assert_keeps_meaning(name: &str, text: &str) -> String {
    let once = fmt(text);
    let twice = fmt(&once);
    assert!(
        once == twice,
        "{name} not idempotent:\n{}",
        similar_diff(&once, &twice)
    );
    let before = syntax::parse_file(FileId(0), text);
    let after = syntax::parse_file(FileId(0), &once);
    assert_eq!(before.file.items.len(), after.file.items.len(), "{name}");
    for (a, b) in before.file.items.iter().zip(&after.file.items) {
        assert_eq!(tree_hash(a), tree_hash(b), "{name}: {a:?}");
    }
    assert_eq!(
        comments(text, &before.file),
        comments(&once, &after.file),
        "{name}"
    );
    assert_eq!(diagnostics_of(text), diagnostics_of(&once), "{name}");
    for line in once.lines() {
        assert_eq!(line, line.trim_end(), "{name}: trailing space");
    }
    once
}

fn diagnostics_of(text: &str) -> Vec<(String, String)> {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("a.csflow");
    std::fs::write(&path, text).expect("write");
    let options = crate::check::Options {
        today: chrono::NaiveDate::from_ymd_opt(2026, 11, 21),
        ..Default::default()
    };
    let mut found: Vec<(String, String)> = crate::analyze_paths(&[path], &options)
        .map(|a| {
            a.diagnostics
                .iter()
                .map(|d| (d.name().to_string(), d.message.clone()))
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
}

#[test]
fn examples_and_fixtures_keep_their_meaning() {
    for (name, text) in example_texts() {
        assert_keeps_meaning(&name, &text);
    }
}

#[test]
fn snapshots_of_formatted_examples_and_fixtures() {
    for (name, text) in example_texts() {
        let out = fmt(&text);
        let snapshot = name.replace(['/', '.'], "_");
        insta::assert_snapshot!(snapshot, out);
    }
}

#[test]
fn the_messy_fixture_keeps_every_comment_and_literal() {
    let text = include_str!("../../tests/fixtures/format/messy.csflow");
    let out = assert_keeps_meaning("messy", text);
    for literal in [
        "\"您好，欢迎致电！{{不是插值}} \\\"引号\\\" \\n 第二行\"",
        "/#\\d+|投诉/",
        "😀",
        "-0.5",
    ] {
        assert!(out.contains(literal), "{literal} lost:\n{out}");
    }
    assert!(out.ends_with("# the last comment of the file\n"), "{out}");
}

#[test]
fn a_file_with_syntax_errors_is_refused() {
    assert!(matches!(
        format_file(FileId(0), "flow f { state a { say } }"),
        Err(FormatError::Syntax(_))
    ));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 256, ..Default::default() })]

    /// Random states (the fast-path generator: odd gaps, comments, CRLF, full-width
    /// spaces, nested `not`, interpolations) format idempotently and keep their meaning.
    #[test]
    fn random_states_keep_their_meaning(choices in proptest::collection::vec(proptest::prelude::any::<u8>(), 1..64)) {
        let state = crate::syntax::tests::random_state(&choices);
        // The generator sometimes closes the flow itself.
        let close = if state.trim_end().ends_with("}\n}") { "" } else { "}\n" };
        let text = format!("queue q {{ }}\nflow f {{\n  start s1\n{state}{close}");
        // The generator is built for the state parser; the few texts the whole-file parser
        // refuses are refused by fmt too (tested above), not formatted.
        proptest::prop_assume!(syntax::parse_file(FileId(0), &text).diagnostics.is_empty());
        assert_keeps_meaning("random", &text);
    }
}

#[test]
fn output_that_means_something_else_is_refused() {
    let text =
        "queue q { }\nflow f {\n  start a\n  state a {\n    say \"hi\"  # note\n    end\n  }\n}\n";
    let parsed = syntax::parse_file(FileId(0), text);
    let changed = text.replace("\"hi\"", "\"ho\"");
    assert!(matches!(
        verify(FileId(0), text, &parsed.file, &changed),
        Err(FormatError::Internal(m)) if m.contains("line 2")
    ));
    let comment_lost = text.replace("  # note", "");
    assert!(matches!(
        verify(FileId(0), text, &parsed.file, &comment_lost),
        Err(FormatError::Internal(m)) if m.contains("comment")
    ));
    let broken = text.replace("end", "end }");
    assert!(matches!(
        verify(FileId(0), text, &parsed.file, &broken),
        Err(FormatError::Internal(_))
    ));
    assert!(
        verify(
            FileId(0),
            text,
            &parsed.file,
            &text.replace("    end", "  end")
        )
        .is_ok()
    );
}

/// A generated IVR tree (as the benchmark's, with Chinese, escapes, every option form and
/// trailing comments) keeps its meaning and comes back the same when formatted twice.
#[test]
fn a_generated_tree_keeps_its_meaning() {
    let tree = crate::syntax::tests::generated_tree(200);
    let out = assert_keeps_meaning("generated", &tree);
    assert!(
        out.contains("      option \"C\" key 2  end  # done\n"),
        "{out}"
    );
}

#[test]
fn escalate_blocks_times_and_mid_statement_comments_stay_as_written() {
    let text = "hours office {\n  timezone \"Asia/Shanghai\"\n  mon-fri 9:00-18:00\n}\n\nqueue general { hours office }\n\nintent agent { \"agent\" }\n\nflow f {\n  channel chat\n  start s0\n  on no_match retry 1 # why\n    then handoff general\n  escalate {\n    when intent agent handoff general\n  }\n  state s0 {\n    say \"hi\"\n    goto s0\n  }\n  escalate {\n    when sentiment < -0.6 handoff general\n  }\n}\n\ntest \"t\" {\n  flow f\n  time 2026-12-01 9:05\n  expect state s0\n}\n";
    let out = assert_keeps_meaning("quirks", text);
    // Two `escalate` blocks stay two blocks, each where it was.
    assert_eq!(out.matches("escalate {").count(), 2, "{out}");
    assert!(out.find("state s0").unwrap() < out.rfind("escalate {").unwrap());
    // Times keep their spelling.
    assert!(out.contains("mon-fri 9:00-18:00"), "{out}");
    assert!(out.contains("time 2026-12-01 9:05"), "{out}");
    // A comment in the middle of a statement: the rest of it is indented as a continuation.
    assert!(
        out.contains("  on no_match retry 1 then  # why\n    handoff general\n"),
        "{out}"
    );
}

#[test]
fn whitespace_only_changes_skip_the_second_parse_and_nothing_else_does() {
    let same = [
        (
            "option \"a\" key 1 goto s1\n",
            "option \"a\"  key 1   goto s1\n",
        ),
        (
            "queue q { }\nintent i { \"x\" \"y\" }",
            "queue q { }\n\nintent i { \"x\"  \"y\" }\n",
        ),
        ("say \"a  b\" # note  \n", "say \"a  b\"      # note\n"),
        (
            "if x matches /a #b/ { end }",
            "if x matches /a #b/ {\n  end\n}",
        ),
    ];
    for (a, b) in same {
        assert!(same_tokens(a, b), "{a:?} ~ {b:?}");
    }
    let different = [
        ("digits( 4 )", "digits(4)"),
        ("say \"a  b\"", "say \"a b\""),
        ("goto s1 # c\nend", "goto s1 end # c"),
        ("a <= b", "a < = b"),
        (
            "escalate { when x end } escalate { when y end }",
            "escalate { when x end when y end }",
        ),
        ("key 1", "key 1 2"),
        ("say \"你好\"", "say \"你们\""),
    ];
    for (a, b) in different {
        assert!(!same_tokens(a, b), "{a:?} !~ {b:?}");
    }
}

/// Every `.csflow` file under examples/ is formatted (CI runs this as part of `cargo test`:
/// an example edited by hand and not formatted fails here, with the diff to apply).
#[test]
fn every_example_is_formatted() {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "csflow") {
                out.push(path);
            }
        }
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let mut paths = Vec::new();
    walk(&root, &mut paths);
    paths.sort();
    assert!(
        paths.len() >= 10,
        "examples not found under {}",
        root.display()
    );
    let mut unformatted = String::new();
    for path in paths {
        let text = std::fs::read_to_string(&path).expect("an example reads");
        let formatted = format(FileId(0), &text).expect("an example formats");
        unformatted.push_str(&formatted.diff(&path.display().to_string(), &text));
    }
    assert!(
        unformatted.is_empty(),
        "examples not formatted (run `csflow fmt examples/`):\n{unformatted}"
    );
}

/// Applies a unified diff to `before` (hunks in order, context checked).
fn apply(before: &str, diff: &str) -> String {
    let old: Vec<&str> = before.split_inclusive('\n').collect();
    let mut out = String::new();
    let mut next = 0;
    let mut lines = diff.lines().skip(2).peekable();
    while let Some(header) = lines.next() {
        let start: usize = header
            .trim_start_matches("@@ -")
            .split([',', ' '])
            .next()
            .and_then(|n| n.parse().ok())
            .expect("a hunk header");
        let start = start.saturating_sub(1).max(next);
        let hunk_start = if header.contains(",0 +") {
            start + 1
        } else {
            start
        };
        for line in &old[next..hunk_start.min(old.len())] {
            out.push_str(line);
        }
        next = hunk_start.min(old.len());
        while let Some(line) = lines.next_if(|l| !l.starts_with("@@")) {
            let (sign, rest) = line.split_at(1);
            match sign {
                " " | "-" => {
                    assert_eq!(
                        old[next].trim_end_matches('\n'),
                        rest,
                        "context of {header}"
                    );
                    if sign == " " {
                        out.push_str(old[next]);
                    }
                    next += 1;
                }
                "+" => {
                    out.push_str(rest);
                    out.push('\n');
                }
                _ => {}
            }
        }
    }
    for line in &old[next..] {
        out.push_str(line);
    }
    out
}

/// The diff of `--check` is cut where items begin; applied to the input it gives the
/// output, and it agrees with a diff of the whole texts on what changed.
#[test]
fn the_check_diff_turns_the_input_into_the_output() {
    let mut texts = vec![
        (
            "tree".to_string(),
            crate::syntax::tests::generated_tree(300).replace("  option", "  option "),
        ),
        (
            "messy".to_string(),
            include_str!("../../tests/fixtures/format/messy.csflow").to_string(),
        ),
    ];
    texts.extend(example_texts());
    for (name, text) in texts {
        let formatted = format(FileId(0), &text).expect("formats");
        let diff = formatted.diff("x.csflow", &text);
        if formatted.text == text {
            assert!(diff.is_empty(), "{name}");
            continue;
        }
        assert!(
            diff.starts_with("--- a/x.csflow\n+++ b/x.csflow\n@@ -"),
            "{name}: {diff}"
        );
        assert_eq!(apply(&text, &diff), formatted.text, "{name}:\n{diff}");
        let whole = similar::TextDiff::from_lines(text.as_str(), formatted.text.as_str());
        let removed = whole
            .iter_all_changes()
            .filter(|c| c.tag() == similar::ChangeTag::Delete)
            .count();
        assert_eq!(
            diff.lines()
                .filter(|l| l.starts_with('-') && !l.starts_with("---"))
                .count(),
            removed,
            "{name}:\n{diff}"
        );
    }
}

#[test]
fn a_result_record_written_over_several_lines_keeps_one_field_per_line() {
    let text = "service s {\n  operation find(ref: text) returns {\n      ok: bool,   # found\n    flights: list of { number: text, seats: integer }\n  }\n  operation other() returns {   ok: bool }\n}\n";
    let out = assert_keeps_meaning("returns", text);
    assert_eq!(
        out,
        "service s {\n  operation find(ref: text) returns {\n    ok: bool,     # found\n    flights: list of { number: text, seats: integer }\n  }\n  operation other() returns { ok: bool }\n}\n"
    );
}
