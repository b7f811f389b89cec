//! The break-one-line measurement: how precise the checks stay while a designer types.
//!
//! For every example project and for generated projects, one line at a time (a line that
//! opens or closes no block) is broken the ways people break lines while typing: cut in
//! half, one quote dropped, its keyword misspelt, one name it refers to misspelt — so that it
//! still opens or closes no block (a block written on the line keeps its `}`). A mutation
//! passes when
//!
//! - every diagnostic that was not there before is on the broken line, has a label on it, or
//!   names (in backquotes) something written on it — a name of the broken line, or what the
//!   line was meant to name (the names of the original line, so the misspelt name's target);
//! - every diagnostic of the unbroken project is still reported, unless it is on the broken
//!   line or names something written on it (the line may have been its cause).
//!
//! Diagnostics are compared by check, file, line, column and message: a mutation never adds
//! or removes a line, and only the broken line's columns move.
//!
//! The share of mutations that pass is printed (`cargo test -- --nocapture` shows it); the
//! test fails when it drops below [`FLOOR`], and lists the failing mutations by category.
//! Deterministic: the same lines, the same mutations, in the same order, every run. Every
//! candidate mutation is run ([`STRIDE`] 1): a sample once hid the two that failed.

use csflow_compiler::analysis::Analysis;
use csflow_compiler::check::Options;
use csflow_compiler::diagnostic::Diagnostic;
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

/// The share of passing mutations (in per cent) below which the test fails: every
/// mutation passes, and a change that makes one fail fails the test.
const FLOOR: f64 = 100.0;

/// One candidate mutation in this many is run (all four kinds are sampled evenly): every
/// one (about 4,200 over the examples, 90 s in a debug build on 2 busy cores).
const STRIDE: usize = 1;

fn options() -> Options {
    Options {
        today: chrono::NaiveDate::from_ymd_opt(2026, 11, 21),
        ..Default::default()
    }
}

/// A project held in memory: file path → text.
type Project = BTreeMap<PathBuf, String>;

fn analyze(project: &Project) -> Analysis {
    let inputs = project
        .iter()
        .map(|(p, t)| (p.to_string_lossy().into_owned(), t.clone().into_bytes()))
        .collect();
    let read = |p: &Path| match project.get(p) {
        Some(text) => Ok(text.clone().into_bytes()),
        None => std::fs::read(p),
    };
    csflow_compiler::analyze(inputs, &read, &options())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Cut,
    DropQuote,
    Keyword,
    Name,
}

struct Mutation {
    kind: Kind,
    file: PathBuf,
    /// 0-based line.
    line: usize,
    before: String,
    after: String,
}

/// A diagnostic as compared: check, file, 0-based line and column, message.
type Key = (&'static str, String, usize, usize, String);

struct Seen {
    key: Key,
    /// Lines (file, 0-based) of its labels.
    label_lines: Vec<(String, usize)>,
    /// Everything it says: message, labels, notes.
    text: String,
}

fn seen(analysis: &Analysis) -> Vec<Seen> {
    let position = |span: csflow_compiler::source::Span| {
        let file = analysis.sources.get(span.file);
        let text = &file.text[..(span.start as usize).min(file.text.len())];
        let line = text.matches('\n').count();
        let column = text.len() - text.rfind('\n').map_or(0, |i| i + 1);
        (file.path.clone(), line, column)
    };
    analysis
        .diagnostics
        .iter()
        .map(|d: &Diagnostic| {
            let (file, line, column) = position(d.primary.span);
            let label_lines = d
                .secondary
                .iter()
                .map(|l| {
                    let (f, line, _) = position(l.span);
                    (f, line)
                })
                .collect();
            let mut text = d.message.clone();
            for label in d.secondary.iter().chain([&d.primary]) {
                text.push('\n');
                text.push_str(&label.message);
            }
            for note in &d.notes {
                text.push('\n');
                text.push_str(note);
            }
            Seen {
                key: (d.name(), file, line, column, d.message.clone()),
                label_lines,
                text,
            }
        })
        .collect()
}

/// The identifiers of a line outside strings (and inside their `{…}`), comments left out.
fn identifiers(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_string = false;
    let mut depth = 0;
    let mut word = String::new();
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        let reading = !in_string || depth > 0;
        if reading && (c.is_ascii_alphanumeric() || c == '_') {
            word.push(c);
            continue;
        }
        if !word.is_empty() {
            if !word.starts_with(|c: char| c.is_ascii_digit()) {
                out.push(std::mem::take(&mut word));
            }
            word.clear();
        }
        match c {
            '\\' if in_string => {
                chars.next();
            }
            '"' if depth == 0 => in_string = !in_string,
            '{' if in_string => depth += 1,
            '}' if in_string && depth > 0 => depth -= 1,
            '#' if !in_string => break,
            _ => {}
        }
    }
    if !word.is_empty() && !word.starts_with(|c: char| c.is_ascii_digit()) {
        out.push(word);
    }
    out
}

/// Words of the language (the compiler's one keyword table, the type names, the built-in
/// names): misspelling one of them is misspelling a keyword, not a name.
fn is_keyword(word: &str) -> bool {
    use csflow_compiler::syntax;
    syntax::is_keyword(word)
        || syntax::TYPE_NAMES.contains(&word)
        || csflow_runtime::builtins::lookup(word).is_some()
}

/// The braces of a line outside strings and comments: how many it leaves open and whether
/// it ends inside a string, or `None` when it closes a block it did not open.
fn braces(line: &str) -> Option<(usize, bool)> {
    let mut in_string = false;
    let mut escaped = false;
    let mut depth = 0usize;
    for c in line.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            '{' if !in_string => depth += 1,
            '}' if !in_string => depth = depth.checked_sub(1)?,
            '#' if !in_string => break,
            _ => {}
        }
    }
    Some((depth, in_string))
}

/// How many `{` the line leaves open (none when it ends inside a string).
fn open_braces(line: &str) -> usize {
    match braces(line) {
        Some((depth, false)) => depth,
        _ => 0,
    }
}

/// Does the line hold something to break, and open or close no block (its braces outside
/// strings, if any, close on the line: `if more { goto s1 }`, `operation find(…) returns
/// { ok: bool }`)?
fn breakable(line: &str) -> bool {
    let trimmed = line.trim();
    !trimmed.is_empty() && !trimmed.starts_with('#') && matches!(braces(line), Some((0, _)))
}

/// A typo in `word`: its last two letters swapped (or, for one letter or a doubled end, one
/// letter added) — one edit, the kind a "did you mean" finds.
fn misspell(word: &str) -> String {
    let chars: Vec<char> = word.chars().collect();
    let n = chars.len();
    if n >= 3 && chars[n - 1] != chars[n - 2] {
        let mut swapped = chars.clone();
        swapped.swap(n - 1, n - 2);
        return swapped.into_iter().collect();
    }
    format!("{word}x")
}

/// Every candidate mutation of one line.
fn mutations_of(file: &Path, number: usize, line: &str) -> Vec<Mutation> {
    let mut out = Vec::new();
    let indent = line.len() - line.trim_start().len();
    let body = line.trim_end();
    let content = &body[indent..];
    let make = |kind, after: String| Mutation {
        kind,
        file: file.to_path_buf(),
        line: number,
        before: line.to_string(),
        after,
    };
    // Cut in half (by characters). A cut inside a block written on the line keeps the
    // block's `}` (as an editor that closes brackets does); a cut that leaves a block open
    // (inside a string) is not made: the broken line must open or close no block either.
    let half: String = content.chars().take(content.chars().count() / 2).collect();
    if !half.trim().is_empty() && half.len() < content.len() {
        let mut cut = format!("{}{}", &body[..indent], half.trim_end());
        for _ in 0..open_braces(&cut) {
            cut.push_str(" }");
        }
        if breakable(&cut) {
            out.push(make(Kind::Cut, cut));
        }
    }
    // Drop one quote: the last one (unless the string left open then swallows a `}`).
    if let Some(at) = body.rfind('"') {
        let dropped = format!("{}{}", &body[..at], &body[at + 1..]);
        if breakable(&dropped) {
            out.push(make(Kind::DropQuote, dropped));
        }
    }
    let words = identifiers(content);
    // Misspell its keyword (the first word, when it is one).
    if let Some(first) = words.first()
        && is_keyword(first)
        && content.starts_with(first.as_str())
    {
        let typo = misspell(first);
        if !is_keyword(&typo) {
            out.push(make(
                Kind::Keyword,
                format!("{}{}{}", &body[..indent], typo, &content[first.len()..]),
            ));
        }
    }
    // Misspell one name it refers to: the last identifier that is no keyword.
    if let Some(name) = words.iter().skip(1).rev().find(|w| !is_keyword(w)) {
        let typo = misspell(name);
        if let Some(at) = find_word(body, name) {
            out.push(make(
                Kind::Name,
                format!("{}{}{}", &body[..at], typo, &body[at + name.len()..]),
            ));
        }
    }
    out
}

/// The byte offset of the last whole-word occurrence of `word` in `line`.
fn find_word(line: &str, word: &str) -> Option<usize> {
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    line.rmatch_indices(word)
        .map(|(i, _)| i)
        .find(|&i| !line[..i].ends_with(is_ident) && !line[i + word.len()..].starts_with(is_ident))
}

struct Outcome {
    passed: usize,
    total: usize,
    failures: Vec<String>,
    by_kind: BTreeMap<Kind, (usize, usize)>,
}

fn measure(name: &str, project: &Project, stride: usize, outcome: &mut Outcome) {
    let base = analyze(project);
    let before = seen(&base);
    let mut candidates = Vec::new();
    for (path, text) in project {
        for (number, line) in text.lines().enumerate() {
            if breakable(line) {
                candidates.extend(mutations_of(path, number, line));
            }
        }
    }
    for mutation in candidates.into_iter().step_by(stride) {
        let mut changed = project.clone();
        let text = &project[&mutation.file];
        let mut lines: Vec<&str> = text.lines().collect();
        lines[mutation.line] = &mutation.after;
        let mut new_text = lines.join("\n");
        new_text.push('\n');
        if new_text == *text {
            continue;
        }
        changed.insert(mutation.file.clone(), new_text);
        let after = seen(&analyze(&changed));
        let file = mutation.file.to_string_lossy().into_owned();
        let mut written: HashSet<String> = identifiers(&mutation.before).into_iter().collect();
        written.extend(identifiers(&mutation.after));
        let involves = |s: &Seen| {
            (s.key.1 == file && s.key.2 == mutation.line)
                || s.label_lines.contains(&(file.clone(), mutation.line))
                || written.iter().any(|w| s.text.contains(&format!("`{w}`")))
        };
        let old: HashSet<&Key> = before.iter().map(|s| &s.key).collect();
        let new: HashSet<&Key> = after.iter().map(|s| &s.key).collect();
        let mut problems = Vec::new();
        for s in &after {
            if !old.contains(&s.key) && !involves(s) {
                problems.push(format!(
                    "new {}: {} (line {})",
                    s.key.0,
                    s.key.4,
                    s.key.2 + 1
                ));
            }
        }
        for s in &before {
            if !new.contains(&s.key) && !involves(s) {
                problems.push(format!(
                    "lost {}: {} (line {})",
                    s.key.0,
                    s.key.4,
                    s.key.2 + 1
                ));
            }
        }
        let entry = outcome.by_kind.entry(mutation.kind).or_default();
        entry.1 += 1;
        outcome.total += 1;
        if problems.is_empty() {
            outcome.passed += 1;
            entry.0 += 1;
        } else {
            outcome.failures.push(format!(
                "{name} {:?} {}:{}: `{}` → `{}`\n    {}",
                mutation.kind,
                mutation
                    .file
                    .file_name()
                    .unwrap_or_default()
                    .to_string_lossy(),
                mutation.line + 1,
                mutation.before.trim(),
                mutation.after.trim(),
                problems.join("\n    ")
            ));
        }
    }
}

fn examples() -> Vec<(String, Project)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let common = root.join("common/intents.csflow");
    let mut projects = Vec::new();
    for name in ["airline", "bank", "hotline", "leads", "shop", "utility"] {
        let mut project = Project::new();
        for entry in std::fs::read_dir(root.join(name)).expect("example folder") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "csflow") {
                let text = std::fs::read_to_string(&path).expect("example file");
                project.insert(path, text);
            }
        }
        let text = std::fs::read_to_string(&common).expect("common intents");
        project.insert(common.clone(), text);
        projects.push((name.to_string(), project));
    }
    projects
}

/// A small deterministic generator (xorshift): flows with menus, questions, calls and
/// hand-offs, and some diagnostics of their own to keep (an unreachable state, an unused
/// slot, a question nobody waits for), so that keeping old findings is measured too.
fn generated(seed: u64) -> Project {
    let mut state = seed;
    let mut next = |n: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % n
    };
    let states = 6 + next(5) as usize;
    let mut text = String::from(
        "hours office {\n  timezone \"Asia/Shanghai\"\n  mon-fri 09:00-18:00\n  sat 10:00-14:00\n  closed 2026-12-25\n}\n\
         queue desk { hours office }\nqueue care { }\nintent agent {\n  \"agent\"\n  \"转人工\"\n}\n\
         intent billing {\n  \"bill\"\n  \"账单\"\n}\n\
         service accounts {\n  timeout 3s\n  operation find(number: digits) returns { ok: bool, name: text }\n  operation close(number: digits)\n}\n\
         knowledge help {\n  entry opening {\n    question \"When are you open?\"\n    answer \"From nine.\"\n    tags [\"hours\"]\n    owner \"ops\"\n    review_by 2027-06-01\n  }\n  entry billing { question \"Where is my bill?\" answer \"In the app.\" }\n}\n\n",
    );
    text.push_str(&format!(
        "flow gen{seed} {{\n  channel voice\n  start s0\n  slot account: digits\n  slot more: yes_no\n  slot leftover: text\n\n  on no_match retry 2 then handoff desk\n  on no_input retry 1 then goto s{last}\n\n  escalate {{\n    when intent agent handoff care\n    when sentiment < -0.5 and turns > 3 handoff care\n  }}\n\n",
        last = states - 1
    ));
    for i in 0..states {
        let target = |k: u64| format!("s{}", (i as u64 + 1 + k) % (states as u64 - 1));
        text.push_str(&format!("  state s{i} {{\n"));
        match if i + 1 == states { 9 } else { next(4) } {
            0 => {
                text.push_str(&format!(
                    "    menu \"For billing press 1. For help press 2.\" {{\n      option \"Billing\" key 1 intent billing goto {}\n      option \"Help\" key 2 goto {}\n    }}\n",
                    target(0),
                    target(1)
                ));
            }
            1 => {
                text.push_str(&format!(
                    "    ask account \"Please key in your account number.\"\n    call accounts.find(number: account) into found\n    if found.ok {{ say \"Hello {{found.name}}.\" }}\n    if not open(office) {{ say \"We are closed.\" }}\n    goto {}\n",
                    target(0)
                ));
            }
            2 => {
                text.push_str(&format!(
                    "    say \"Shall we go on?\"\n    ask more \"Anything else?\"\n    if more {{\n      set more = none\n      goto {}\n    }}\n    handoff desk priority high reason \"asked\"\n",
                    target(1)
                ));
            }
            3 => {
                text.push_str(&format!(
                    "    answer from help \"opening\" else handoff desk\n    goto {}\n",
                    target(0)
                ));
            }
            _ => text.push_str("    say \"Goodbye.\"\n    say \"Was this helpful?\"\n    end\n"),
        }
        text.push_str("  }\n\n");
    }
    text.push_str("  state orphan {\n    say \"Nobody comes here.\"\n    end\n  }\n}\n");
    let mut project = Project::new();
    project.insert(PathBuf::from(format!("/gen/gen{seed}.csflow")), text);
    project
}

#[test]
fn breaking_one_line_reports_only_that_line() {
    let mut outcome = Outcome {
        passed: 0,
        total: 0,
        failures: Vec::new(),
        by_kind: BTreeMap::new(),
    };
    for (name, project) in examples() {
        measure(&name, &project, STRIDE, &mut outcome);
    }
    for seed in [7, 11, 23] {
        measure(&format!("gen{seed}"), &generated(seed), 1, &mut outcome);
    }
    let share = 100.0 * outcome.passed as f64 / outcome.total.max(1) as f64;
    // Rounded down: 4,156 of 4,157 is 99.9 %, never "100.0 %".
    println!(
        "break-one-line: {} of {} mutations pass ({:.1} %)",
        outcome.passed,
        outcome.total,
        (share * 10.0).floor() / 10.0
    );
    for (kind, (passed, total)) in &outcome.by_kind {
        println!("  {kind:?}: {passed} of {total}");
    }
    for failure in &outcome.failures {
        println!("FAIL {failure}");
    }
    assert!(outcome.total > 300, "too few mutations: {}", outcome.total);
    assert!(
        share >= FLOOR,
        "{share:.1} % of mutations pass, below the floor of {FLOOR} %:\n{}",
        outcome.failures.join("\n")
    );
}

#[test]
fn generated_projects_have_findings_to_keep() {
    for seed in [7, 11, 23] {
        let analysis = analyze(&generated(seed));
        let names: Vec<&str> = analysis.diagnostics.iter().map(|d| d.name()).collect();
        eprintln!("gen{seed}: {names:?}");
        assert!(!analysis.has_errors(), "gen{seed}: {names:?}");
        for expected in ["unreachable-state", "unused-slot", "question-without-input"] {
            assert!(names.contains(&expected), "gen{seed}: {names:?}");
        }
    }
}
