//! The syntax tree keeps what the source says: parentheses, every `not`, string parts with
//! their source slices, comments and blank lines by position.

use csflow_compiler::ast::{Expr, ExprKind, Item, StmtKind, TriviaKind};
use csflow_compiler::source::FileId;
use csflow_compiler::syntax::parse_file;

/// The condition of the first `if` of the only state, and the source.
fn condition(cond: &str) -> (Expr, String) {
    let source =
        format!("flow f {{ start a slot x: yes_no state a {{ if {cond} {{ end }} end }} }}");
    let parsed = parse_file(FileId(0), &source);
    assert!(
        parsed.diagnostics.is_empty(),
        "{source}: {:?}",
        parsed.diagnostics
    );
    let Some(Item::Flow(flow)) = parsed.file.items.first() else {
        panic!("{source}");
    };
    let StmtKind::If(if_) = &flow.states[0].body.statements[0].kind else {
        panic!("{source}");
    };
    (if_.branches[0].0.clone(), source)
}

#[test]
fn every_not_is_a_node_with_its_own_span() {
    let (expr, source) = condition("not not not x");
    let mut spans = Vec::new();
    let mut e = &expr;
    while let ExprKind::Not(inner) = &e.kind {
        spans.push(&source[e.span.range()]);
        e = inner;
    }
    assert_eq!(spans, ["not not not x", "not not x", "not x"]);
    assert!(matches!(e.kind, ExprKind::Name(_)));
}

#[test]
fn parentheses_are_kept() {
    let (expr, source) = condition("(x)  and not (x == true)");
    let ExprKind::Binary(_, left, right) = &expr.kind else {
        panic!("{expr:?}");
    };
    assert!(matches!(left.kind, ExprKind::Paren(_)));
    assert_eq!(&source[left.span.range()], "(x)");
    let ExprKind::Not(inner) = &right.kind else {
        panic!("{right:?}");
    };
    assert!(matches!(inner.kind, ExprKind::Paren(_)));
    assert_eq!(&source[inner.span.range()], "(x == true)");
}

#[test]
fn comments_and_blank_lines_are_kept_beside_the_tree() {
    let source = "# a queue\nqueue q { }   # staffed\n\nflow f { start a\n  state a { say \"# not a comment\" end }\n}\n";
    let parsed = parse_file(FileId(0), source);
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    let trivia: Vec<(TriviaKind, &str)> = parsed
        .file
        .trivia
        .iter()
        .map(|t| (t.kind, &source[t.span.range()]))
        .collect();
    assert_eq!(
        trivia,
        [
            (TriviaKind::Comment, "# a queue"),
            (TriviaKind::Comment, "# staffed"),
            (TriviaKind::BlankLine, ""),
        ]
    );
    // A comment is attached by position: the first one lies before the queue, the second
    // after it, on its line.
    let queue = parsed.file.items[0].span();
    assert!(parsed.file.trivia[0].span.end <= queue.start);
    assert!(parsed.file.trivia[1].span.start >= queue.end);
}

#[test]
fn a_hash_inside_a_string_does_not_silence_a_warning() {
    let analyze = |text: &str| {
        csflow_compiler::analyze(
            vec![("s.csflow".into(), text.as_bytes().to_vec())],
            &|_| Err(std::io::ErrorKind::NotFound.into()),
            &Default::default(),
        )
    };
    let flow = |say: &str| {
        format!(
            "queue q {{ }}\nflow f {{\n  start a\n  slot unused: text\n  state a {{ handoff q }}\n}}\n{say}"
        )
    };
    let count = |text: &str| {
        analyze(text)
            .diagnostics
            .iter()
            .filter(|d| d.name() == "unused-slot")
            .count()
    };
    assert_eq!(count(&flow("")), 1);
    let silenced = flow("").replace(
        "slot unused: text",
        "slot unused: text  # csflow: allow(unused-slot)",
    );
    assert_eq!(count(&silenced), 0);
    // The allow is inside a string on the slot's own line.
    let same_line = flow("").replace(
        "slot unused: text\n",
        "slot unused: text = \"# csflow: allow(unused-slot)\"\n",
    );
    assert_eq!(count(&same_line), 1, "{same_line}");
}
