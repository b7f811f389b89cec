//! Parser tests: recovery, error wording, the fast path against pest.

use super::*;
use crate::ast::NameText;

fn parse(text: &str) -> Parsed {
    parse_file(FileId(0), text)
}

fn messages(text: &str) -> Vec<String> {
    let parsed = parse(text);
    parsed
        .diagnostics
        .iter()
        .map(|d| {
            let start = d.primary.span.start as usize;
            let line = text[..start].matches('\n').count() + 1;
            format!("{line}: {}", d.message)
        })
        .collect()
}

/// Every state the fast path accepts gives the tree pest gives, on the examples, the
/// contract sample, the syntax fixtures and generated IVR trees.
#[test]
fn fast_path_matches_pest() {
    let mut texts: Vec<String> =
        vec![include_str!("../../tests/fixtures/spec_sample.csflow").to_string()];
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for dir in [
        "../examples/bank",
        "../examples/shop",
        "../examples/utility",
        "../examples/leads",
        "../examples/airline",
        "../examples/hotline",
        "tests/fixtures/syntax",
    ] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        for entry in entries.flatten() {
            texts.extend(std::fs::read_to_string(entry.path()));
        }
    }
    let tree = generated_tree(200);
    texts.push(tree);
    let mut compared = 0;
    for text in &texts {
        for chunk in chunk::split(text) {
            let mut bounds = vec![chunk.start];
            bounds.extend(
                chunk
                    .segments
                    .iter()
                    .copied()
                    .filter(|&s| s > chunk.start && s < chunk.end),
            );
            bounds.push(chunk.end);
            for pair in bounds.windows(2).skip(1) {
                let (start, end) = (pair[0], pair[1]);
                let Some((state, closed)) = fast::state_segment(FileId(0), text, start, end) else {
                    continue;
                };
                let reference = lower::parse_segment_with_pest(FileId(0), text, start, end, false);
                assert!(reference.diagnostics.is_empty(), "{}", &text[start..end]);
                assert_eq!(reference.flow.states, vec![state], "{}", &text[start..end]);
                assert_eq!(reference.closed, closed);
                compared += 1;
            }
        }
    }
    assert!(compared > 200, "the fast path took only {compared} states");
}

/// Pieces of (mostly almost) queue declarations: the fast reader must give pest's tree for
/// every chunk it accepts, and accept the plain ones.
const QUEUE_PIECES: &[&str] = &[
    "queue",
    " ",
    "\t",
    "\n",
    "q1",
    "true",
    "{",
    "}",
    "hours",
    "office",
    "# 注释\n",
    "\r\n",
    "skills",
    "[\"a\"]",
    "\u{3000}",
    "名",
    "_x",
    "queue q2 { }\n",
    "queue q3 { hours h }\n",
    "intent",
    "\"例子 one\"",
    "\"a\\tb\\q\"",
    "\"{x}\"",
    "\"{{}}\"",
    "\"",
    "intent i { \"查余额\" \"balance\" }\n",
];

/// Compares the fast declaration reader with pest on every chunk of `text`; returns how
/// many chunks it accepted.
fn compare_fast_declarations(text: &str) -> usize {
    let mut accepted = 0;
    for chunk in chunk::split(text) {
        if chunk.problem.is_some() || !chunk.segments.is_empty() {
            continue;
        }
        let Some(item) = fast::decls::declaration(FileId(0), text, chunk.start, chunk.end) else {
            continue;
        };
        let mut diagnostics = Vec::new();
        let reference =
            lower::parse_item(FileId(0), text, chunk.start, chunk.end, &mut diagnostics);
        assert!(
            diagnostics.is_empty(),
            "{:?}",
            &text[chunk.start..chunk.end]
        );
        assert_eq!(reference, item, "{:?}", &text[chunk.start..chunk.end]);
        accepted += 1;
    }
    accepted
}

#[test]
fn fast_declarations_match_pest() {
    let plain = "queue a { }\nqueue b{}\n# 注释\nqueue\tc {\n  hours office # 营业\n}\n\nqueue d { hours h }\r\n";
    assert_eq!(compare_fast_declarations(plain), 4);
    let intents = "intent a { \"查余额\" \"my balance\" }\nintent b {\n  \"x {{y}} \\\"z\\\"\" # 注释\n  \"{name}\"\n}\nintent c { }\n";
    assert_eq!(compare_fast_declarations(intents), 3);
    // Left to pest: a name on the next line, a reserved name, skills, two hours, junk.
    let other = "queue\ne { }\nqueue true { }\nqueue f { skills [\"a\"] }\nqueue g { hours a hours b }\nqueue h { x }\n";
    assert_eq!(compare_fast_declarations(other), 0);
}

/// Parses every knowledge base of `text` both ways — by entry segments, as `parse_file`
/// does, and whole with pest — and asserts the same tree; returns how many it compared.
/// For a base with errors, both must report errors and read the same entries.
fn compare_knowledge_segments(text: &str) -> usize {
    let mut compared = 0;
    for chunk in chunk::split(text) {
        if chunk.problem.is_some() || chunk.entries.is_empty() {
            continue;
        }
        let (mut segmented, mut whole) = (Vec::new(), Vec::new());
        let by_entry = lower::parse_knowledge_segments(
            FileId(0),
            text,
            chunk.start,
            chunk.end,
            &chunk.entries,
            &mut segmented,
        );
        let reference = lower::parse_item(FileId(0), text, chunk.start, chunk.end, &mut whole);
        let piece = &text[chunk.start..chunk.end];
        match (&by_entry, &reference) {
            (ast::Item::Knowledge(a), ast::Item::Knowledge(b)) if whole.is_empty() => {
                assert!(segmented.is_empty(), "{piece}: {segmented:?}");
                assert_eq!(a, b, "{piece}");
            }
            (ast::Item::Knowledge(a), ast::Item::Knowledge(b)) => {
                assert!(!segmented.is_empty(), "{piece}: errors missed");
                let names = |k: &ast::Knowledge| -> Vec<Option<String>> {
                    k.entries
                        .iter()
                        .map(|e| e.name.as_ref().map(|n| n.name.clone()))
                        .collect()
                };
                assert_eq!(names(a), names(b), "{piece}");
            }
            _ => {}
        }
        compared += 1;
    }
    compared
}

const KNOWLEDGE_PIECES: &[&str] = &[
    "knowledge k {\n",
    "  entry a { question \"where is 网点\" answer \"here\" }\n",
    "  entry b {\n    question \"q1\"\n    question \"q2\" # 注释\n    tags [\"x\", \"y\"]\n    owner \"ops\"\n    review_by 2027-01-31\n  }\n",
    "  entry c { answer \"{name}\" }\n",
    "  entry { }\n",
    "  entry d { question \"unclosed\"\n",
    "  oops\n",
    "  entry e { review_by 2027-13-01 }\n",
    "}\n",
    "\n",
    "# entry comment\n",
    "entry f { }\n",
];

#[test]
fn knowledge_segments_match_pest() {
    let mut texts = vec![
        "knowledge k {\n  entry a { question \"x\" }\n  entry b { answer \"y\" }\n}\n".to_string(),
        // A missing entry `}`: the entries after it are read the same either way.
        "knowledge k {\n  entry a { question \"x\"\n  entry b { answer \"y\" }\n}\n".to_string(),
        // The base's own `}` missing, at the end of the file.
        "knowledge k {\n  entry a { question \"x\" }\n  entry b { answer \"y\" }\n".to_string(),
    ];
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for dir in [
        "../examples/bank",
        "../examples/shop",
        "../examples/utility",
        "../examples/hotline",
    ] {
        for entry in std::fs::read_dir(root.join(dir))
            .into_iter()
            .flatten()
            .flatten()
        {
            texts.extend(std::fs::read_to_string(entry.path()));
        }
    }
    let compared: usize = texts.iter().map(|t| compare_knowledge_segments(t)).sum();
    assert!(compared >= 5, "only {compared} knowledge bases compared");
}

#[test]
fn a_big_knowledge_base_parses_by_entry_to_the_same_tree() {
    // Past `SEGMENTED_ENTRIES`, `parse_file` takes the segmented path.
    let mut text = String::from("knowledge faq {\n");
    for i in 0..1_000 {
        text.push_str(&format!(
            "  entry e{i} {{ question \"问题 {i}\" answer \"a {i}\" owner \"ops\" review_by 2027-09-30 }}\n"
        ));
    }
    text.push_str("}\nqueue q { }\n");
    let parsed = parse(&text);
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    let chunk = &chunk::split(&text)[0];
    assert_eq!(chunk.entries.len(), 1_000);
    let mut diagnostics = Vec::new();
    let whole = lower::parse_item(FileId(0), &text, chunk.start, chunk.end, &mut diagnostics);
    assert_eq!(parsed.file.items[0], whole);
    assert_eq!(parsed.file.items.len(), 2);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 2000, ..Default::default() })]

    #[test]
    fn knowledge_segments_match_pest_on_any_text(pieces in proptest::collection::vec(0..KNOWLEDGE_PIECES.len(), 0..16)) {
        let text: String = pieces.iter().map(|&i| KNOWLEDGE_PIECES[i]).collect();
        compare_knowledge_segments(&text);
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 3000, ..Default::default() })]

    #[test]
    fn fast_declarations_match_pest_on_any_text(pieces in proptest::collection::vec(0..QUEUE_PIECES.len(), 0..24)) {
        let text: String = pieces.iter().map(|&i| QUEUE_PIECES[i]).collect();
        compare_fast_declarations(&text);
    }
}

type Gap<'a> = dyn FnMut(&mut String, &mut dyn FnMut(usize) -> usize) + 'a;

/// A generated IVR tree of `states` menus (Chinese, escapes, every option form, trailing
/// comments), shared with the formatter's tests.
pub(crate) fn generated_tree(states: usize) -> String {
    let mut tree = String::from("queue q { }\nflow ivr {\n  start s0\n");
    for i in 0..states {
        tree.push_str(&format!(
            "  state s{i} {{\n    menu \"State {i}: press 1 {{{{x}}}} \\\"q\\\" 你好\" {{\n      option \"A\" key 1 goto s{}\n      option \"B\" key \"*\" intent agent phrase \"b\" {{ say \"\" handoff q priority high reason \"r\" }}\n      option \"C\" key 2 end # done\n    }}\n  }}\n",
            (i + 1) % states
        ));
    }
    tree.push_str("}\n");
    tree
}

/// Builds a valid state for the fast path from random choices.
pub(crate) fn random_state(choices: &[u8]) -> String {
    const GAPS: [&str; 6] = [" ", "\n", "  # note\n", "\t", "\r\n", " \u{3000}"];
    const STRINGS: [&str; 8] = [
        "\"hi\"",
        "\"你好 {{x}} }} \\\" # } \\n\"",
        "\"\"",
        "\"press 1\"",
        "\"a\\tb\"",
        "\"Hi {name}, 第{ t0_res.count }个!\"",
        "\"{x}{ y.z }{{\"",
        "\"{a} }\"",
    ];
    const NAMES: [&str; 5] = ["s1", "end", "state_2", "sayer", "_x"];
    const ATOMS: [&str; 11] = [
        "x",
        "t0_res.ok",
        "a . b.c",
        "\"s {x}\"",
        "3",
        "-2.5",
        "true",
        "none",
        "text",
        "isx",
        "not_me",
    ];
    const CMP: [&str; 8] = ["==", "!=", "<", "<=", ">", ">=", "is set", "is not set"];
    let mut choices = choices.iter().copied().cycle();
    let mut next = move |n: usize| choices.next().unwrap_or(0) as usize % n;
    let mut out = String::from("state s1 {");
    let mut gap = |out: &mut String, next: &mut dyn FnMut(usize) -> usize| {
        out.push_str(GAPS[next(GAPS.len())])
    };
    fn expr(out: &mut String, next: &mut dyn FnMut(usize) -> usize, gap: &mut Gap, depth: usize) {
        match if depth == 0 { next(2) } else { next(6) } {
            0 => out.push_str(ATOMS[next(ATOMS.len())]),
            1 => {
                out.push_str(ATOMS[next(ATOMS.len())]);
                gap(out, next);
                let op = CMP[next(CMP.len())];
                out.push_str(op);
                if !op.ends_with("set") {
                    gap(out, next);
                    out.push_str(ATOMS[next(ATOMS.len())]);
                }
            }
            2 | 3 => {
                for _ in 0..1 + next(3) {
                    out.push_str("not");
                    gap(out, next);
                }
                expr(out, next, gap, depth - 1);
            }
            _ => {
                expr(out, next, gap, depth - 1);
                gap(out, next);
                out.push_str(["and", "or"][next(2)]);
                gap(out, next);
                expr(out, next, gap, depth - 1);
            }
        }
    }
    fn handler(
        out: &mut String,
        next: &mut dyn FnMut(usize) -> usize,
        gap: &mut Gap,
        depth: usize,
    ) {
        out.push_str("on");
        gap(out, next);
        out.push_str(["no_match", "no_input", "closed", "error"][next(4)]);
        gap(out, next);
        if next(2) == 0 {
            out.push_str("retry");
            gap(out, next);
            out.push_str(["1", "2", "99999999999"][next(3)]);
            gap(out, next);
            if next(2) == 0 {
                out.push_str(STRINGS[next(STRINGS.len())]);
                gap(out, next);
                if next(2) == 0 {
                    out.push_str("and");
                    gap(out, next);
                    out.push_str("prompt");
                    gap(out, next);
                }
            }
            out.push_str("then");
            gap(out, next);
        }
        simple(out, next, gap, depth);
    }
    /// An `ask`/`menu` prompt: a string, or `play STRING or say STRING`.
    fn prompt(out: &mut String, next: &mut dyn FnMut(usize) -> usize, gap: &mut Gap) {
        if next(3) == 0 {
            out.push_str("play");
            gap(out, next);
            out.push_str(STRINGS[next(STRINGS.len())]);
            gap(out, next);
            out.push_str("or");
            gap(out, next);
            out.push_str("say");
            gap(out, next);
        }
        out.push_str(STRINGS[next(STRINGS.len())]);
    }
    /// An `ask`/`menu`'s voice settings: some of them, each once, in any order.
    fn settings(out: &mut String, next: &mut dyn FnMut(usize) -> usize, gap: &mut Gap) {
        let mut all = [
            "language \"zh-CN\"",
            "timeout 5s",
            "max_digits 11",
            "finish_key \"#\"",
        ];
        for i in (1..all.len()).rev() {
            all.swap(i, next(i + 1));
        }
        for setting in &all[..next(all.len() + 1)] {
            gap(out, next);
            out.push_str(setting);
        }
    }
    fn block(out: &mut String, next: &mut dyn FnMut(usize) -> usize, gap: &mut Gap, depth: usize) {
        out.push('{');
        for _ in 0..next(3) {
            gap(out, next);
            simple(out, next, gap, depth);
        }
        gap(out, next);
        out.push('}');
    }
    fn simple(out: &mut String, next: &mut dyn FnMut(usize) -> usize, gap: &mut Gap, depth: usize) {
        // Statements that hold statements only above depth 0: the choices cycle, so an
        // unbounded generator could recurse for ever.
        const FLAT: [usize; 8] = [0, 1, 2, 4, 5, 7, 9, 10];
        let choice = if depth == 0 {
            FLAT[next(FLAT.len())]
        } else {
            next(11)
        };
        match choice {
            0 => {
                out.push_str("say");
                gap(out, next);
                out.push_str(STRINGS[next(STRINGS.len())]);
                if next(3) == 0 {
                    gap(out, next);
                    out.push_str("language \"en-US\"");
                }
            }
            9 => {
                out.push_str("play");
                gap(out, next);
                out.push_str("\"audio/a.wav\"");
                gap(out, next);
                out.push_str("or");
                gap(out, next);
                out.push_str("say");
                gap(out, next);
                out.push_str(STRINGS[next(STRINGS.len())]);
                if next(2) == 0 {
                    gap(out, next);
                    out.push_str("language");
                    gap(out, next);
                    out.push_str("\"yue-HK\"");
                }
            }
            10 => {
                out.push_str("transfer");
                gap(out, next);
                out.push_str(["\"+861012345678\"", "\"sip:desk@example.com\""][next(2)]);
                if next(2) == 0 {
                    gap(out, next);
                    out.push_str("reason");
                    gap(out, next);
                    out.push_str(STRINGS[next(STRINGS.len())]);
                }
            }
            1 => {
                out.push_str("goto");
                gap(out, next);
                out.push_str(NAMES[next(NAMES.len())]);
            }
            2 => out.push_str("end"),
            3 => {
                out.push_str("ask");
                gap(out, next);
                out.push_str(["account", "t0_day", "x"][next(3)]);
                gap(out, next);
                prompt(out, next, gap);
                settings(out, next, gap);
                if next(2) == 0 {
                    gap(out, next);
                    out.push('{');
                    for _ in 0..next(3) {
                        gap(out, next);
                        handler(out, next, gap, depth - 1);
                    }
                    gap(out, next);
                    out.push('}');
                }
            }
            4 => {
                out.push_str("set");
                gap(out, next);
                out.push('x');
                gap(out, next);
                out.push('=');
                gap(out, next);
                expr(out, next, gap, 2);
            }
            5 => {
                out.push_str("call svc");
                gap(out, next);
                out.push('.');
                gap(out, next);
                out.push_str("op(");
                let args = next(3);
                for i in 0..args {
                    if i > 0 {
                        out.push(',');
                    }
                    gap(out, next);
                    out.push_str(["account", "day"][next(2)]);
                    gap(out, next);
                    out.push(':');
                    gap(out, next);
                    expr(out, next, gap, 1);
                }
                if args > 0 && next(4) == 0 {
                    out.push(',');
                }
                gap(out, next);
                out.push(')');
                if next(2) == 0 {
                    gap(out, next);
                    out.push_str("into");
                    gap(out, next);
                    out.push_str("res");
                }
            }
            6 => {
                out.push_str("answer");
                gap(out, next);
                out.push_str("from");
                gap(out, next);
                out.push_str("kb");
                if next(2) == 0 {
                    gap(out, next);
                    out.push_str(STRINGS[next(STRINGS.len())]);
                }
                if next(2) == 0 {
                    gap(out, next);
                    out.push_str("else");
                    gap(out, next);
                    simple(out, next, gap, depth - 1);
                }
            }
            7 => {
                out.push_str("handoff q");
                if next(2) == 0 {
                    gap(out, next);
                    out.push_str("priority");
                    gap(out, next);
                    out.push_str(["low", "normal", "high"][next(3)]);
                }
                if next(2) == 0 {
                    gap(out, next);
                    out.push_str("reason");
                    gap(out, next);
                    out.push_str(STRINGS[next(STRINGS.len())]);
                }
            }
            _ => {
                out.push_str("if");
                gap(out, next);
                expr(out, next, gap, 2);
                gap(out, next);
                block(out, next, gap, depth - 1);
                for _ in 0..next(3) {
                    gap(out, next);
                    out.push_str("else");
                    gap(out, next);
                    if next(2) == 0 {
                        block(out, next, gap, depth - 1);
                        break;
                    }
                    out.push_str("if");
                    gap(out, next);
                    expr(out, next, gap, 1);
                    gap(out, next);
                    block(out, next, gap, depth - 1);
                }
            }
        }
    }
    for _ in 0..1 + next(4) {
        gap(&mut out, &mut next);
        if next(3) == 0 {
            out.push_str("menu");
            gap(&mut out, &mut next);
            prompt(&mut out, &mut next, &mut gap);
            settings(&mut out, &mut next, &mut gap);
            gap(&mut out, &mut next);
            out.push('{');
            for _ in 0..1 + next(3) {
                gap(&mut out, &mut next);
                out.push_str("option");
                gap(&mut out, &mut next);
                out.push_str(STRINGS[next(STRINGS.len())]);
                for _ in 0..next(3) {
                    gap(&mut out, &mut next);
                    match next(4) {
                        0 => out.push_str("key 1"),
                        1 => out.push_str("key \"*\""),
                        2 => out.push_str("intent agent"),
                        _ => {
                            out.push_str("phrase ");
                            out.push_str(STRINGS[next(STRINGS.len())]);
                        }
                    }
                }
                gap(&mut out, &mut next);
                if next(3) == 0 {
                    block(&mut out, &mut next, &mut gap, 1);
                } else {
                    simple(&mut out, &mut next, &mut gap, 1);
                }
            }
            if next(3) == 0 {
                gap(&mut out, &mut next);
                handler(&mut out, &mut next, &mut gap, 1);
            }
            gap(&mut out, &mut next);
            out.push('}');
        } else {
            simple(&mut out, &mut next, &mut gap, 2);
        }
    }
    gap(&mut out, &mut next);
    out.push('}');
    if next(2) == 0 {
        out.push_str("\n}");
    }
    out.push('\n');
    out
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 512, ..Default::default() })]

    /// Random states of the fast path's statements, with odd names, strings, spacing
    /// and comments: the fast path reads them all, into the tree pest builds.
    #[test]
    fn fast_path_agrees_with_pest_on_random_states(choices in proptest::collection::vec(proptest::prelude::any::<u8>(), 1..64)) {
        let text = random_state(&choices);
        let fast = fast::state_segment(FileId(0), &text, 0, text.len());
        proptest::prop_assert!(fast.is_some(), "the fast path refused {}", text);
        let (state, closed) = fast.unwrap_or_else(|| unreachable!());
        let reference = lower::parse_segment_with_pest(FileId(0), &text, 0, text.len(), false);
        proptest::prop_assert!(reference.diagnostics.is_empty(), "{}", text);
        proptest::prop_assert_eq!(reference.flow.states, vec![state], "{}", text);
        proptest::prop_assert_eq!(reference.closed, closed);
    }

    /// Random states with one editing mistake (a token inserted, some text deleted):
    /// whenever the fast path still accepts the text, pest accepts it too, with no
    /// error and the same tree. The fast path never hides a syntax error.
    #[test]
    fn fast_path_never_accepts_what_pest_refuses(
        choices in proptest::collection::vec(proptest::prelude::any::<u8>(), 1..64),
        at in 0usize..10_000,
        len in 0usize..6,
        token in 0usize..16,
    ) {
        const TOKENS: [&str; 16] = [
            "", "{", "}", "\"", ".", "=", "==", "not ", "is ", "set", "(", ")", ",", "\n", "#", "else ",
        ];
        let valid = random_state(&choices);
        let mut at = at % (valid.len() + 1);
        while !valid.is_char_boundary(at) {
            at -= 1;
        }
        let mut end = (at + len).min(valid.len());
        while !valid.is_char_boundary(end) {
            end += 1;
        }
        let text = format!("{}{}{}", &valid[..at], TOKENS[token], &valid[end..]);
        if let Some((state, closed)) = fast::state_segment(FileId(0), &text, 0, text.len()) {
            let reference = lower::parse_segment_with_pest(FileId(0), &text, 0, text.len(), false);
            proptest::prop_assert!(reference.diagnostics.is_empty(), "{}", text);
            proptest::prop_assert_eq!(reference.flow.states, vec![state], "{}", text);
            proptest::prop_assert_eq!(reference.closed, closed);
        }
    }
}

#[test]
fn the_contract_sample_parses_cleanly() {
    let text = include_str!("../../tests/fixtures/spec_sample.csflow");
    let parsed = parse(text);
    assert_eq!(messages(text), Vec::<String>::new());
    let flows: Vec<_> = parsed
        .file
        .items
        .iter()
        .filter_map(|i| match i {
            ast::Item::Flow(f) => Some(&**f),
            _ => None,
        })
        .collect();
    assert_eq!(flows.len(), 1);
    assert_eq!(flows[0].states.len(), 8);
    assert_eq!(flows[0].escalate.len(), 4);
    let tests = parsed
        .file
        .items
        .iter()
        .filter(|i| matches!(i, ast::Item::Test(_)))
        .count();
    assert_eq!(tests, 2);
}

#[test]
fn one_line_state_is_valid() {
    assert_eq!(
        messages("flow f { state bye { say \"Bye.\" end } }"),
        Vec::<String>::new()
    );
}

#[test]
fn independent_errors_are_each_reported_once() {
    let text = "flow f {\n  start a\n  state a {\n    goto\n    say \"ok\"\n    sya \"x\"\n    handoff\n  }\n}\nqueue q { hours }\n";
    let got = messages(text);
    assert_eq!(
        got,
        vec![
            "4: expected a state name after `goto`, found `say`",
            "6: unknown word `sya` in a state or block",
            "7: expected a queue name after `handoff`, found `}`",
            "10: expected the name of an `hours` block after `hours`, found `}`",
        ],
        "{got:#?}"
    );
}

#[test]
fn unterminated_string_is_reported_on_its_own_line() {
    let text = "flow f {\n  state a {\n    say \"hello\n    goto a\n  }\n}\n";
    assert_eq!(messages(text), vec!["3: unterminated string"]);
}

#[test]
fn a_missing_brace_does_not_hide_the_next_declaration() {
    let text = "flow f {\n  state a {\n    end\n\nflow g {\n  state b { goto nowhere }\n}\n";
    let parsed = parse(text);
    assert_eq!(parsed.diagnostics.len(), 1, "{:#?}", parsed.diagnostics);
    assert!(parsed.file.items.iter().any(
        |i| matches!(i, ast::Item::Flow(f) if f.name.as_ref().is_some_and(|n| n.name == "g"))
    ));
}

#[test]
fn keywords_are_contextual() {
    let text = "queue hours { }\nqueue closed { }\nflow f { slot reason: text\n state end { handoff hours reason \"x\" } }";
    assert_eq!(messages(text), Vec::<String>::new());
}

#[test]
fn misplaced_keyword_says_where_it_belongs() {
    let text = "flow f { state a { option \"x\" key 1 goto a } }";
    assert_eq!(
        messages(text),
        vec!["1: `option` cannot be used in a state or block"]
    );
}

#[test]
fn garbage_at_top_level() {
    let text = "flw f { }\nqueue q { }";
    assert_eq!(
        messages(text),
        vec!["1: unknown word `flw` at the top level of a file"]
    );
}

#[test]
fn a_name_not_written_is_absent_not_empty() {
    // The header is broken, its states still parse: the flow is kept without a name.
    let text = "flow {\n  start a\n  state a {\n    end\n  }\n}\n";
    let parsed = parse(text);
    assert_eq!(parsed.diagnostics.len(), 1, "{:?}", parsed.diagnostics);
    let flows: Vec<&ast::Flow> = parsed
        .file
        .items
        .iter()
        .filter_map(|i| match i {
            ast::Item::Flow(f) => Some(&**f),
            _ => None,
        })
        .collect();
    assert_eq!(flows.len(), 1);
    assert_eq!(flows[0].name, None);
    assert_eq!(flows[0].states.len(), 1);
    assert_eq!(flows[0].states[0].name.text(), Some("a"));
}

#[test]
fn a_bare_zone_keeps_its_own_node_and_span() {
    let text =
        "test \"t\" {\n  time 2026-11-23 10:00 Asia/Shanghai\n  time 2026-11-23 10:00 \"UTC\"\n}\n";
    let parsed = parse(text);
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    let ast::Item::Test(test) = &parsed.file.items[0] else {
        panic!("a test");
    };
    let zones: Vec<&ast::Zone> = test
        .steps
        .iter()
        .filter_map(|s| match &s.kind {
            ast::TestStepKind::Time { zone, .. } => zone.as_ref(),
            _ => None,
        })
        .collect();
    let ast::Zone::Bare(bare) = zones[0] else {
        panic!("a bare zone: {:?}", zones[0]);
    };
    assert_eq!(&text[bare.span.range()], "Asia/Shanghai");
    assert_eq!(zones[0].text(), "Asia/Shanghai");
    assert!(matches!(zones[1], ast::Zone::Quoted(_)));
    assert_eq!(zones[1].text(), "UTC");
    assert_eq!(&text[zones[1].span().range()], "\"UTC\"");
}

/// The grammar, read as text: `name -> definition` for every rule.
fn grammar_rules() -> std::collections::BTreeMap<String, String> {
    let grammar = include_str!("csflow.pest");
    let mut rules = std::collections::BTreeMap::new();
    let mut current: Option<String> = None;
    for line in grammar.lines() {
        if line.trim_start().starts_with("//") || line.trim().is_empty() {
            continue;
        }
        let head: String = line
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !head.is_empty() && line[head.len()..].trim_start().starts_with('=') {
            let body = line[head.len()..].trim_start()[1..].to_string();
            rules.insert(head.clone(), body);
            current = Some(head);
        } else if let Some(name) = &current {
            // A rule continued on the next lines.
            if let Some(body) = rules.get_mut(name) {
                body.push(' ');
                body.push_str(line.trim());
            }
        }
    }
    rules
}

/// The words between double quotes in a rule's definition.
fn quoted_words(body: &str) -> Vec<String> {
    body.split('"')
        .skip(1)
        .step_by(2)
        .filter(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
        .map(str::to_string)
        .collect()
}

/// The rules a list rule offers as alternatives (`a | b | c`), `bad` left out.
fn alternatives(body: &str) -> std::collections::BTreeSet<String> {
    body.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// The keyword (`k_WORD`) a rule's definition starts with.
fn leading_keyword(rules: &std::collections::BTreeMap<String, String>, rule: &str) -> String {
    let body = rules[rule].trim_start_matches(['{', '@', '$', '_', '!', ' ']);
    let first: String = body
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    match first.strip_prefix("k_") {
        Some(_) => quoted_words(&rules[&first])[0].clone(),
        None if first == "weekday" => "mon".to_string(),
        None => panic!("`{rule}` starts with `{first}`, not a keyword"),
    }
}

/// The keyword table and the grammar cannot drift apart: every table lists exactly the
/// items its block offers in `csflow.pest`, each under the keyword its rule starts with,
/// and the reserved words are the grammar's `reserved`.
#[test]
fn keyword_table_matches_the_grammar() {
    use super::keywords as k;
    let rules = grammar_rules();
    let reserved = quoted_words(&rules["reserved"]);
    assert_eq!(reserved, k::RESERVED, "the grammar's `reserved` words");
    // (table, the rule holding its list, rules of that list that start no item)
    let tables: [(&[(&str, parser::Rule)], &str); 11] = [
        (k::TOP_LEVEL, "item"),
        (k::HOURS, "hours_decl"),
        (k::QUEUE, "queue_decl"),
        (k::SERVICE, "service_decl"),
        (k::KNOWLEDGE, "knowledge_decl"),
        (k::ENTRY, "entry"),
        (k::FLOW, "flow_item"),
        (k::ESCALATE, "escalate_block"),
        (k::STATEMENTS, "statement"),
        (k::MENU, "menu_stmt"),
        (k::TEST, "test_decl"),
    ];
    let not_items = [
        "bad",
        "close_brace",
        "lbrace",
        "decl_name",
        "string",
        "k_hours",
        "k_queue",
        "k_service",
        "k_knowledge",
        "k_entry",
        "k_flow",
        "k_escalate",
        "k_menu",
        "k_test",
        // an `ask`'s or `menu`'s voice settings, written after its prompt, not in its block
        "input_setting",
        // a `menu`'s recorded prompt, written before its prompt text, not in its block
        "prompt_play",
    ];
    for (table, list) in tables {
        let offered: std::collections::BTreeSet<String> = alternatives(&rules[list])
            .into_iter()
            .filter(|r| rules.contains_key(r) && !not_items.contains(&r.as_str()))
            .collect();
        let listed: std::collections::BTreeSet<String> =
            table.iter().map(|(_, r)| format!("{r:?}")).collect();
        assert_eq!(listed, offered, "the items of `{list}`");
        for (word, rule) in table {
            let rule = format!("{rule:?}");
            let keyword = leading_keyword(&rules, &rule);
            let day = list == "hours_decl" && rule == "weekly_line";
            assert!(
                day || keyword == *word,
                "`{rule}` starts with `{keyword}`, listed as `{word}`"
            );
        }
    }
    // The keywords a name is never taken from the next line before (`name_on_line`) are
    // the words that start an item, and every keyword of the grammar is in the table.
    let next_line: std::collections::BTreeSet<String> =
        quoted_words(&rules["item_keyword"]).into_iter().collect();
    let starting: std::collections::BTreeSet<String> = k::words()
        .filter(|w| k::starts_an_item(w))
        .map(str::to_string)
        .collect();
    assert_eq!(next_line, starting, "the grammar's `item_keyword` words");
    for (name, body) in &rules {
        if name.starts_with("k_") {
            for word in quoted_words(body) {
                assert!(
                    k::is_keyword(&word) || k::TYPE_NAMES.contains(&word.as_str()),
                    "`{word}` ({name}) is in no keyword table"
                );
            }
        }
    }
    assert_eq!(
        alternatives(&rules["handler_block"])
            .into_iter()
            .filter(|r| r == "handler")
            .count(),
        k::HANDLERS.len()
    );
}

/// Every word the grammar knows — each `k_*` keyword and each reserved word — written
/// where the fast path reads a name: the fast path and pest agree on it (the same tree, or
/// the fast path declines where pest refuses), so a word reserved in one and not in the
/// other fails here.
#[test]
fn fast_path_and_pest_agree_on_every_grammar_word_as_a_name() {
    let rules = grammar_rules();
    let mut words: Vec<String> = rules
        .iter()
        .filter(|(name, _)| name.starts_with("k_"))
        .flat_map(|(_, body)| quoted_words(body))
        .chain(quoted_words(&rules["reserved"]))
        .collect();
    words.sort();
    words.dedup();
    assert!(
        words.len() > 60,
        "read {} words from the grammar",
        words.len()
    );
    let places = [
        "state s {\n  goto W\n}\n",
        "state s {\n  set W = 1\n  end\n}\n",
        "state s {\n  ask W \"q?\"\n  end\n}\n",
        "state s {\n  handoff W\n}\n",
        "state s {\n  if W == 1 { end } else { end }\n}\n",
        "state s {\n  if x.W is set { end } else { end }\n}\n",
        "state s {\n  say \"a {W} b\"\n  end\n}\n",
        "state s {\n  call W.W(W: W) into W\n  end\n}\n",
        "state s {\n  answer from W\n  end\n}\n",
        "state W {\n  end\n}\n",
        "state s {\n  menu \"m\" {\n    option \"o\" intent W goto W\n  }\n}\n",
    ];
    let mut agreed = 0;
    for word in &words {
        for place in places {
            let text = format!("flow f {{\n{}}}\n", place.replace('W', word));
            let start = text.find("state").expect("a state");
            let end = text.len();
            let fast = fast::state_segment(FileId(0), &text, start, end);
            let reference = lower::parse_segment_with_pest(FileId(0), &text, start, end, false);
            match fast {
                Some((state, closed)) => {
                    assert!(
                        reference.diagnostics.is_empty(),
                        "the fast path read what pest refuses:\n{text}"
                    );
                    assert_eq!(reference.flow.states, vec![state], "{text}");
                    assert_eq!(reference.closed, closed, "{text}");
                    agreed += 1;
                }
                None => {
                    // Declining is always allowed, but a plain name pest accepts in a shape
                    // the fast path reads must be read: a word the fast path alone reserves.
                    let plain = !["intent", "open"].contains(&word.as_str())
                        && !place.contains("into")
                        && !place.contains("answer");
                    let accepted = reference.diagnostics.is_empty()
                        && reference.flow.states.len() == 1
                        && !reference.flow.states[0]
                            .body
                            .statements
                            .iter()
                            .any(|s| s.kind == ast::StmtKind::Error);
                    assert!(
                        !(plain && accepted && place.starts_with("state s {\n  goto")),
                        "pest reads `goto {word}`, the fast path does not"
                    );
                }
            }
        }
    }
    assert!(agreed > 300, "only {agreed} agreed readings");
}

/// Every span in the tree of `text` (read from its debug form: the tree has no generic walk
/// over spans), as the text it covers.
fn all_spans(text: &str) -> Vec<(usize, usize)> {
    let tree = format!("{:?}", parse(text).file.items);
    let mut spans = Vec::new();
    for piece in tree.split("Span { file: FileId(0), start: ").skip(1) {
        let numbers: Vec<usize> = piece
            .split(|c: char| !c.is_ascii_digit())
            .filter(|n| !n.is_empty())
            .take(2)
            .filter_map(|n| n.parse().ok())
            .collect();
        if let [start, end] = numbers[..] {
            spans.push((start, end));
        }
    }
    spans
}

/// pest lets a rule that ends in `x*` or `x?` keep the whitespace and comments it skipped;
/// the lowering ends every span at its last token instead (no span of a node ends in
/// whitespace or in a comment), and keeps that token (a `)`, a `{` whose `}` is missing).
#[test]
fn spans_end_at_their_last_token() {
    let text = concat!(
        "service crm {  # the CRM\n",
        "  operation find(phone: text)   # no result\n",
        "  operation get(id: text) returns { name: text }\n",
        "}\n",
        "flow f {\n",
        "  start a   # first\n",
        "  slot s: text   # a slot\n",
        "  escalate {   # rules\n",
        "    when s == \"agent\" handoff q   # rule\n",
        "  }\n",
        "  state a {\n",
        "    call crm.find(phone: \"1\")   # fire and forget\n",
        "  state b {\n",
        "    say \"hi\"   # hello\n",
        "    ask s \"which?\"  # plain\n",
        "    if s == \"x\" { goto a }   # branch\n",
        "    say # later\n",
        "    handoff q   # queue\n",
        "  }\n",
        "}\n",
        "test \"t\" {\n",
        "  flow f\n",
        "  expect state a   # there\n",
        "}  # the end, no newline"
    );
    for (start, end) in all_spans(text) {
        let covered = &text[start..end];
        let last_line = &text[text[..end].rfind('\n').map_or(0, |i| i + 1)..end];
        assert!(
            !covered.ends_with(lex::is_space) && lex::comment_start(last_line).is_none(),
            "span {start}..{end} ends in trivia: {covered:?}"
        );
    }
    let covers = |wanted: &str| {
        all_spans(text)
            .iter()
            .any(|&(start, end)| &text[start..end] == wanted)
    };
    for wanted in [
        "operation find(phone: text)",
        "when s == \"agent\" handoff q",
        "call crm.find(phone: \"1\")",
        "say \"hi\"",
        "say",
        "handoff q",
    ] {
        assert!(
            covers(wanted),
            "no node spans {wanted:?}: {:?}",
            all_spans(text)
                .iter()
                .map(|&(s, e)| &text[s..e])
                .collect::<Vec<_>>()
        );
    }
}

/// The voice and value statements go the fast way, into pest's tree; a setting written twice
/// goes to pest, whose lowering reports it.
#[test]
fn the_fast_path_reads_the_phone_line_statements() {
    let state = r##"state s {
    play "audio/w.wav" or say "欢迎。" language "zh-CN"
    say "Hello." language "en-US"
    menu play "audio/m.wav" or say "Press 1." timeout 5s language "zh-CN" {
      option "One" key 1 transfer "+861012345678" reason "one"
      on no_match retry 2 "Sorry." and prompt then handoff q
    }
    ask x play "audio/a.wav" or say "Key it in, then #." finish_key "#" max_digits 11 timeout 8s
    transfer "sip:desk@example.com"
  }"##;
    let fast = fast::state_segment(FileId(0), state, 0, state.len());
    let reference = lower::parse_segment_with_pest(FileId(0), state, 0, state.len(), false);
    assert!(
        reference.diagnostics.is_empty(),
        "{:?}",
        reference.diagnostics
    );
    assert_eq!(fast.map(|(s, _)| vec![s]), Some(reference.flow.states));
    for twice in [
        "say \"a\" language \"x\" language \"y\"",
        "ask x \"a\" timeout 5s timeout 6s",
        "menu \"a\" max_digits 1 max_digits 2 { option \"o\" key 1 end }",
        "ask x \"a\" finish_key \"#\" language \"x\" finish_key \"*\"",
        "transfer \"+86\" reason \"a\" reason \"b\"",
        "handoff q reason \"a\" reason \"b\"",
    ] {
        let state = format!("state s {{ {twice} }}");
        assert!(
            fast::state_segment(FileId(0), &state, 0, state.len()).is_none(),
            "{twice}"
        );
        let reference = lower::parse_segment_with_pest(FileId(0), &state, 0, state.len(), false);
        let names: Vec<&str> = reference.diagnostics.iter().map(|d| d.name()).collect();
        assert_eq!(names, ["duplicate-setting"], "{twice}");
    }
}

/// Found by the fuzzer: unclosed `{`s in a broken line made the recovery rule try every way
/// of reading each one (as a group or as a character), 2^n attempts, minutes for 43. Now
/// one pass: this finishes at once, and a hang here is the regression.
#[test]
fn unclosed_braces_in_a_broken_line_are_read_in_one_pass() {
    for context in [
        "flow f {\n {",
        "flow f {\n  state s {\n    goto {",
        "test \"t\" { flow f {",
        "intent i { {",
    ] {
        let text = format!("{context}{} slot callback: phone\n", "{".repeat(60));
        let parsed = parse(&text);
        assert!(
            parsed
                .diagnostics
                .iter()
                .any(|d| d.name() == "syntax-error"),
            "{context}: {:?}",
            messages(&text)
        );
    }
    // A group that does close is still skipped whole, nested groups and all.
    let closed = "flow f {\n  start s\n  { a { b } c }\n  state s {\n    end\n  }\n}\n";
    assert_eq!(messages(closed).len(), 1, "{:?}", messages(closed));
}
