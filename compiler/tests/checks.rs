//! The warning checks and `input-free-cycle` end to end: every registry example, snapshots
//! of the rendered diagnostics, the example projects, mutations of them, and per-family
//! cases.

use csflow_compiler::analysis::Analysis;
use csflow_compiler::check::Options;
#[allow(unused_imports)]
use csflow_compiler::diagnostic::Diagnostic;
use csflow_compiler::diagnostic::{CHECKS, Severity, render};

fn options() -> Options {
    Options {
        today: chrono::NaiveDate::from_ymd_opt(2026, 11, 21),
        ..Default::default()
    }
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
    analysis.diagnostics.iter().map(|d| d.name()).collect()
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
            failures.push(format!(
                "{}: bad example does not trigger it:\n{}",
                check.name,
                rendered(&bad)
            ));
        }
        let fixed = analyze(check.fixed);
        if fixed.has_errors() || names(&fixed).contains(&check.name) {
            failures.push(format!(
                "{}: fixed example still reports:\n{}",
                check.name,
                rendered(&fixed)
            ));
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

fn examples_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples")
}

#[test]
fn example_projects_have_no_diagnostics() {
    let analysis =
        csflow_compiler::analyze_paths(&[examples_dir()], &options()).expect("examples load");
    assert!(analysis.diagnostics.is_empty(), "{}", rendered(&analysis));
}

/// Analyzes one example file after `mutate`, with its imports read from disk.
fn mutated(file: &str, mutate: impl Fn(&str) -> String) -> Analysis {
    let path = examples_dir().join(file);
    let text = std::fs::read_to_string(&path).expect("example exists");
    let changed = mutate(&text);
    assert_ne!(changed, text, "the mutation of {file} changed nothing");
    csflow_compiler::analyze(
        vec![(path.to_string_lossy().into_owned(), changed.into_bytes())],
        &|p| std::fs::read(p),
        &options(),
    )
}

/// Removes the first line containing `needle`.
fn drop_line(text: &str, needle: &str) -> String {
    let mut done = false;
    text.lines()
        .filter(|line| {
            let hit = !done && line.contains(needle);
            done |= hit;
            !hit
        })
        .map(|l| format!("{l}\n"))
        .collect()
}

fn assert_fires(analysis: &Analysis, expected: &[&str], absent: &[&str]) {
    let found = names(analysis);
    for name in expected {
        assert!(
            found.contains(name),
            "expected {name}, got:\n{}",
            rendered(analysis)
        );
    }
    for name in absent {
        assert!(
            !found.contains(name),
            "did not expect {name}, got:\n{}",
            rendered(analysis)
        );
    }
}

#[test]
fn mutation_drop_an_option() {
    // The only way to the questions menu (and from there to the free question) is option 3.
    let analysis = mutated("bank/bank.csflow", |t| drop_line(t, "option \"Questions\""));
    assert_fires(
        &analysis,
        &["unreachable-state", "prompt-key-mismatch"],
        &[],
    );
    let unreachable: Vec<&str> = analysis
        .diagnostics
        .iter()
        .filter(|d| d.name() == "unreachable-state")
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(
        unreachable,
        [
            "the state `questions` can never be reached",
            "the state `free_question` can never be reached"
        ]
    );
}

#[test]
fn mutation_retarget_a_goto_to_a_missing_state() {
    let analysis = mutated("bank/bank.csflow", |t| {
        t.replacen("goto main_menu", "goto mainmenu", 1)
    });
    // The error, and the graph checks go on: the state the typo probably means is reported
    // unreachable, saying so (and offering the correction), on both diagnostics; the states
    // behind it are not (correcting the typo reaches them), and the unknown name causes no
    // trap and no missing way to a person.
    assert_fires(
        &analysis,
        &["unknown-state", "unreachable-state"],
        &["trap-state", "no-path-to-human"],
    );
    let unreachable: Vec<&Diagnostic> = analysis
        .diagnostics
        .iter()
        .filter(|d| d.name() == "unreachable-state")
        .collect();
    assert_eq!(unreachable.len(), 1, "{}", rendered(&analysis));
    assert_eq!(
        unreachable[0].message,
        "the state `main_menu` can never be reached"
    );
    assert!(unreachable[0].notes[0].contains("`goto mainmenu` names no state"));
    assert_eq!(
        unreachable[0].fix.as_ref().map(|f| f.title.as_ref()),
        Some("write `goto main_menu`")
    );
    let unknown = analysis
        .diagnostics
        .iter()
        .find(|d| d.name() == "unknown-state")
        .expect("unknown-state");
    assert!(
        unknown.secondary[0]
            .message
            .contains("probably the state meant"),
        "{}",
        rendered(&analysis)
    );
}

#[test]
fn mutation_break_the_goto_out_of_the_welcome() {
    // A typo in the welcome's `goto main_menu` is one syntax error: the states behind it are
    // not reported unreachable, since the broken line may be what leads there.
    let analysis = mutated("bank/bank.csflow", |t| {
        t.replacen("goto main_menu", "goto", 1)
    });
    assert_fires(
        &analysis,
        &["syntax-error"],
        &["unreachable-state", "trap-state", "no-path-to-human"],
    );
}

#[test]
fn mutation_retarget_a_goto_to_another_state() {
    let analysis = mutated("bank/bank.csflow", |t| {
        t.replacen("    say \"Welcome to Northwind Bank. Calls may be recorded for training.\"\n    goto main_menu", "    say \"Welcome to Northwind Bank. Calls may be recorded for training.\"\n    goto welcome", 1)
    });
    assert_fires(
        &analysis,
        &["input-free-cycle", "unreachable-state"],
        &["trap-state"],
    );
}

#[test]
fn mutation_remove_handlers() {
    let analysis = mutated("bank/bank.csflow", |t| {
        drop_line(t, "on no_input retry 2 then goto goodbye")
    });
    assert_fires(&analysis, &["missing-no-input"], &["missing-no-match"]);
    let analysis = mutated("bank/bank.csflow", |t| {
        drop_line(t, "on closed goto after_hours")
    });
    // Without `on closed`, nothing leads to the after-hours state any more either.
    assert_fires(
        &analysis,
        &["handoff-without-after-hours", "unreachable-state"],
        &[],
    );
    let analysis = mutated("shop/shop.csflow", |t| drop_line(t, "on no_match retry 1"));
    assert_fires(&analysis, &["missing-no-match"], &["missing-no-input"]); // chat: no no_input check
}

#[test]
fn mutation_a_queue_loses_its_hours() {
    // The after-hours state is reached only from `on closed`, which never runs once no queue
    // the flow hands off to has hours: the note names the queue, the place to fix.
    let analysis = mutated("airline/airline.csflow", |t| {
        t.replace(
            "queue airline_agents { hours airline_office }",
            "queue airline_agents { }",
        )
    });
    let unreachable: Vec<_> = analysis
        .diagnostics
        .iter()
        .filter(|d| d.name() == "unreachable-state")
        .collect();
    assert_eq!(unreachable.len(), 1, "{}", rendered(&analysis));
    assert!(
        unreachable[0].message.contains("`after_hours`"),
        "{}",
        rendered(&analysis)
    );
    assert!(
        unreachable[0]
            .notes
            .iter()
            .any(|n| n.contains("only an `on closed` handler leads here")
                && n.contains("(`airline_agents`) have no `hours`")),
        "{}",
        rendered(&analysis)
    );
}

#[test]
fn mutation_remove_the_escalate_block() {
    let analysis = mutated("bank/bank.csflow", |t| {
        let start = t.find("  escalate {").expect("escalate");
        let end = start + t[start..].find("\n  }\n").expect("end of escalate") + 5;
        format!("{}{}", &t[..start], &t[end..])
    });
    // The shared intents are now unused, and the fraud team is reached only from menus.
    assert_fires(&analysis, &["unused-intent"], &["trap-state"]);
}

#[test]
fn mutation_sensitive_and_question() {
    // A question right before an `ask` is answered by it; the card digits are not fine.
    let analysis = mutated("bank/bank.csflow", |t| {
        t.replacen(
            "say \"I can block your card straight away.\"",
            "say \"Shall I block the card ending in {card_last4}?\"",
            1,
        )
    });
    assert_fires(
        &analysis,
        &["sensitive-in-output"],
        &["question-without-input"],
    );
    let analysis = mutated("bank/bank.csflow", |t| {
        t.replacen(
            "Calls may be recorded for training.\"",
            "How can we help you today?\"",
            1,
        )
    });
    assert_fires(&analysis, &["question-without-input"], &[]);
}

// ---- Per family: small projects around one shared frame --------------------------------

/// A complete project: a queue, the agent intent, a flow with every handler and an agent
/// escalation, and `states` (starting at `start`).
fn project(channel: &str, states: &str) -> String {
    let slot = if states.contains("more") {
        "slot more: yes_no"
    } else {
        ""
    };
    format!(
        r#"queue general {{ }}
intent agent {{ "agent" "转人工" }}

flow f {{
  channel {channel}
  start start

  {slot}

  on no_match retry 2 then handoff general
  on no_input retry 2 then handoff general

  escalate {{
    when intent agent handoff general
  }}

{states}
}}
"#
    )
}

fn count(analysis: &Analysis, name: &str) -> usize {
    analysis
        .diagnostics
        .iter()
        .filter(|d| d.name() == name)
        .count()
}

fn apply_fix(analysis: &Analysis, name: &str) -> String {
    let diagnostic = analysis
        .diagnostics
        .iter()
        .find(|d| d.name() == name)
        .expect("diagnostic");
    let fix = diagnostic.fix.as_ref().expect("a fix");
    assert_eq!(
        fix.applicability,
        csflow_compiler::diagnostic::Applicability::Unsafe
    );
    let mut text = analysis
        .sources
        .get(diagnostic.primary.span.file)
        .text
        .clone();
    let mut edits = fix.edits.clone();
    edits.sort_by_key(|e| std::cmp::Reverse(e.span.start));
    for edit in edits {
        text.replace_range(edit.span.range(), &edit.replacement);
    }
    text
}

#[test]
fn reachability_family() {
    // A state reached only from a flow-level handler is reachable.
    let text = project(
        "chat",
        r#"  state start {
    menu "Pick one." {
      option "Agent" intent agent handoff general
    }
  }
  state help { say "Help." end }"#,
    )
    .replace(
        "on no_match retry 2 then handoff general",
        "on no_match retry 2 then goto help",
    );
    assert_eq!(count(&analyze(&text), "unreachable-state"), 0);

    // A chain into a loop with no exit: one trap diagnostic, and no no-path-to-human for
    // the input points inside it.
    let text = r#"flow f {
  channel chat
  start a
  slot more: yes_no
  on no_match retry 2 then goto b
  on no_input retry 2 then goto b
  state a { say "Hi." goto b }
  state b { ask more "More?" goto c }
  state c { set more = none goto b }
}
"#;
    let analysis = analyze(text);
    assert_eq!(count(&analysis, "trap-state"), 1, "{}", rendered(&analysis));
    assert_eq!(count(&analysis, "no-path-to-human"), 0);
    assert_eq!(
        analysis
            .diagnostics
            .iter()
            .find(|d| d.name() == "trap-state")
            .unwrap()
            .secondary
            .len(),
        2
    );

    // An escalate rule that hands off is a path to a person from every input point.
    let with_escalate = project(
        "chat",
        r#"  state start { ask more "More?" goto start2 }
  state start2 { set more = none goto start }"#,
    );
    let analysis = analyze(&with_escalate);
    assert_eq!(
        count(&analysis, "no-path-to-human") + count(&analysis, "trap-state"),
        0,
        "{}",
        rendered(&analysis)
    );

    // A state going to itself without input is an endless loop; an `ask` between breaks it.
    let analysis = analyze(&project(
        "chat",
        r#"  state start { say "Again." goto start }"#,
    ));
    assert_eq!(count(&analysis, "input-free-cycle"), 1);
    let analysis = analyze(&project(
        "chat",
        r#"  state start { ask more "Again?" if more { end } set more = none goto start }"#,
    ));
    assert_eq!(
        count(&analysis, "input-free-cycle"),
        0,
        "{}",
        rendered(&analysis)
    );

    // The unreachable-state fix removes the state and leaves a clean project.
    let analysis = analyze(&project(
        "chat",
        "  state start { say \"Hi.\" end }\n\n  state old {\n    say \"Old.\"\n    end\n  }",
    ));
    let fixed = apply_fix(&analysis, "unreachable-state");
    assert!(!fixed.contains("state old"));
    assert!(analyze(&fixed).diagnostics.is_empty(), "{fixed}");
}

#[test]
fn menus_family() {
    let six = r#"  state start {
    menu "Press 1, 2, 3, 4, 5 or 6." {
      option "One" key 1 intent agent handoff general
      option "Two" key 2 end
      option "Three" key 3 end
      option "Four" key 4 end
      option "Five" key 5 end
      option "Six" key 6 end
    }
  }"#;
    assert_eq!(
        count(&analyze(&project("voice", six)), "voice-menu-too-long"),
        1
    );
    assert_eq!(
        count(&analyze(&project("any", six)), "voice-menu-too-long"),
        1
    );
    assert_eq!(
        count(&analyze(&project("chat", six)), "voice-menu-too-long"),
        0
    );
    let mut roomy = options();
    roomy.thresholds.voice_menu_options = 6;
    assert_eq!(
        count(
            &analyze_with(&project("voice", six), &roomy),
            "voice-menu-too-long"
        ),
        0
    );

    // Three menus in a row: too deep at a threshold of 2, fine at the default of 4.
    let chain = r#"  state start { menu "Press 1." { option "On" key 1 goto m2 } }
  state m2 { menu "Press 1." { option "On" key 1 goto m3 } }
  state m3 { menu "Press 1." { option "Agent" key 1 intent agent handoff general } }"#;
    assert_eq!(
        count(&analyze(&project("voice", chain)), "menu-too-deep"),
        0
    );
    let mut shallow = options();
    shallow.thresholds.menu_depth = 2;
    let analysis = analyze_with(&project("voice", chain), &shallow);
    assert_eq!(
        count(&analysis, "menu-too-deep"),
        1,
        "{}",
        rendered(&analysis)
    );

    // Shadowed: same label (normalised) and a subset of phrases; a different label is not.
    // (The frame's `when intent agent` rule also takes "Agent" first: every way to pick it,
    // its label, its intent and "a person", is the agent intent. One warning per option.)
    let shadow = r#"  state start {
    menu "Pick." {
      option "Agent" intent agent phrase "a person" handoff general
      option "agent!" phrase "A person" end
      option "Other" intent agent end
    }
  }"#;
    let analysis = analyze(&project("chat", shadow));
    let shadowed: Vec<(&str, &str)> = analysis
        .diagnostics
        .iter()
        .filter(|d| d.name() == "shadowed-option")
        .map(|d| (d.message.as_str(), &*d.secondary[0].message))
        .collect();
    assert_eq!(
        shadowed,
        [
            (
                "the option \"Agent\" can never be chosen",
                "this rule runs on every input, before the menu: `when intent agent`"
            ),
            (
                "the option \"agent!\" can never be chosen",
                "this earlier option always wins"
            )
        ],
        "{}",
        rendered(&analysis)
    );
    // An option the rule's intent does not take, or one with a key, is not shadowed by it.
    let own = shadow
        .replace(
            "option \"Agent\" intent agent phrase \"a person\"",
            "option \"Agent\" key 1 intent agent",
        )
        .replace("      option \"agent!\" phrase \"A person\" end\n", "");
    let analysis = analyze(&project("chat", &own));
    assert_eq!(
        count(&analysis, "shadowed-option"),
        0,
        "{}",
        rendered(&analysis)
    );

    // A keyless voice option gets a fix giving it a free key.
    let keyless = r#"  state start {
    menu "Press 1 for an agent, or press 2 to leave." {
      option "Agent" key 1 intent agent handoff general
      option "Leave" end
    }
  }"#;
    let analysis = analyze(&project("voice", keyless));
    let fixed = apply_fix(&analysis, "voice-option-without-key");
    assert!(fixed.contains("option \"Leave\" key 2 end"), "{fixed}");
    assert!(
        analyze(&fixed).diagnostics.is_empty(),
        "{}",
        rendered(&analyze(&fixed))
    );
}

#[test]
fn prompts_family() {
    use csflow_compiler::check::prompts::announced_keys;
    let keys = |text: &str| {
        announced_keys(text)
            .into_iter()
            .map(|a| a.key)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        keys("For cards press 1. For loans, Press 2 or 3. To leave dial 0."),
        ["1", "2", "3", "0"]
    );
    assert_eq!(
        keys("Press 1, 2, 3 or 0. Press star to repeat, or press # to go back."),
        ["1", "2", "3", "0", "*", "#"]
    );
    assert_eq!(
        keys("查询余额请按1，挂失请按 2，人工服务请按3键。"),
        ["1", "2", "3"]
    );
    assert_eq!(
        keys("按1或2选择，按星号键返回，按井号键结束"),
        ["1", "2", "*", "#"]
    );
    assert_eq!(keys("请按３"), ["3"]);
    assert_eq!(
        keys("We are open 9:00 to 18:00. Expressions are not keys."),
        Vec::<String>::new()
    );
    assert_eq!(keys("Press {count} now {{press 7}}"), ["7"]);

    let menu = |prompt: &str, options: &str| {
        project(
            "voice",
            &format!("  state start {{\n    menu \"{prompt}\" {{\n{options}\n    }}\n  }}"),
        )
    };
    let ok = r#"      option "余额" key 1 intent agent handoff general
      option "挂失" key 2 end"#;
    assert_eq!(
        count(
            &analyze(&menu("查询余额请按1，挂失请按2。", ok)),
            "prompt-key-mismatch"
        ),
        0
    );
    // Announced but missing (Chinese), and an option never announced.
    let analysis = analyze(&menu("查询余额请按1，挂失请按2，人工服务请按3键。", ok));
    assert_eq!(
        count(&analysis, "prompt-key-mismatch"),
        1,
        "{}",
        rendered(&analysis)
    );
    let analysis = analyze(&menu("查询余额请按1。", ok));
    assert_eq!(
        count(&analysis, "prompt-key-mismatch"),
        1,
        "{}",
        rendered(&analysis)
    );
    // Chat menus are not checked.
    let chat = project(
        "chat",
        "  state start {\n    menu \"请按3\" {\n      option \"人工\" key 1 intent agent handoff general\n    }\n  }",
    );
    assert_eq!(count(&analyze(&chat), "prompt-key-mismatch"), 0);

    // Questions: before a goto is a problem, before an ask (also after an `if`) is not.
    let asked = project(
        "chat",
        r#"  state start {
    say "Can I help？"
    if turns > 3 { say "Still there?" }
    ask more "Yes or no."
    if more { handoff general }
    end
  }"#,
    );
    assert_eq!(
        count(&analyze(&asked), "question-without-input"),
        0,
        "{}",
        rendered(&analyze(&asked))
    );
    let unasked = project(
        "chat",
        r#"  state start {
    say "你需要帮助吗？"
    if turns > 3 { end }
    goto start2
  }
  state start2 { ask more "Yes or no." if more { handoff general } end }"#,
    );
    let analysis = analyze(&unasked);
    assert_eq!(
        count(&analysis, "question-without-input"),
        1,
        "{}",
        rendered(&analysis)
    );

    // Sensitive slots: in a hand-off reason too; a non-sensitive slot is fine.
    let sensitive = project(
        "chat",
        r#"  state start {
    ask card "Card digits, please."
    ask more "Is {more} right?"
    handoff general reason "card {card}"
  }"#,
    )
    .replace(
        "slot more: yes_no",
        "slot more: yes_no\n  slot card: digits(4) sensitive",
    );
    let analysis = analyze(&sensitive);
    assert_eq!(
        count(&analysis, "sensitive-in-output"),
        1,
        "{}",
        rendered(&analysis)
    );
}

#[test]
fn knowledge_family() {
    let kb = |entries: &str, review: &str| {
        format!(
            "knowledge faq {{\n{entries}\n}}\n{}",
            project(
                "chat",
                &format!(
                    "  state start {{ answer from faq else handoff general end }}\n# {review}"
                )
            )
        )
    };
    let near = kb(
        r#"  entry a { question "你们几点上班" answer "九点。" }
  entry b { question "你们几点上班呢？" answer "九点上班。" }
  entry c { question "你们几点下班" answer "六点。" }
  entry d { question "ＷＨＥＮ are you open" question "When are you open?" answer "Nine." }"#,
        "",
    );
    let analysis = analyze(&near);
    let messages: Vec<&str> = analysis
        .diagnostics
        .iter()
        .filter(|d| d.name() == "duplicate-question")
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(
        messages,
        ["the entries `a` and `b` of `faq` have nearly the same question"],
        "{}",
        rendered(&analysis)
    );

    let stale = |date: &str| {
        format!(
            "knowledge faq {{\n  entry a {{ question \"Hours?\" answer \"Nine.\" review_by {date} }}\n}}\n{}",
            project(
                "chat",
                "  state start { answer from faq else handoff general end }"
            )
        )
    };
    assert_eq!(count(&analyze(&stale("2026-11-20")), "stale-knowledge"), 1);
    assert_eq!(count(&analyze(&stale("2026-11-21")), "stale-knowledge"), 0);
    let later = Options {
        today: chrono::NaiveDate::from_ymd_opt(2027, 1, 1),
        ..Default::default()
    };
    assert_eq!(
        count(
            &analyze_with(&stale("2026-11-21"), &later),
            "stale-knowledge"
        ),
        1
    );

    // Examples: exact after normalisation and near, Chinese included; one intent alone is fine.
    let intents = project(
        "chat",
        "  state start { if intent a or intent b or intent c { end } handoff general }",
    ) + "intent a { \"我要退货\" \"退货\" }\nintent b { \"我要退货！\" }\nintent c { \"Return an item\" \"return  an ITEM\" }\n";
    let analysis = analyze(&intents);
    assert_eq!(
        count(&analysis, "ambiguous-example"),
        1,
        "{}",
        rendered(&analysis)
    );
}

#[test]
fn unused_family() {
    // Used only by a test: still unused. Read in an escalate condition: used.
    let text = project(
        "chat",
        r#"  state start { ask more "More?" if more { handoff general } end }"#,
    )
    .replace(
        "slot more: yes_no",
        "slot more: yes_no\n  slot mood: text\n  slot seen: text",
    )
    .replace(
        "when intent agent handoff general",
        "when intent agent handoff general\n    when mood is set handoff general",
    ) + "queue spare { }\ntest \"t\" {\n  flow f\n  send \"agent\"\n  expect handoff spare\n  expect slot seen == \"x\"\n}\n";
    let analysis = analyze(&text);
    assert_eq!(
        names(&analysis)
            .iter()
            .filter(|n| n.starts_with("unused-"))
            .count(),
        2,
        "{}",
        rendered(&analysis)
    );
    assert_eq!(count(&analysis, "unused-queue"), 1);
    assert_eq!(count(&analysis, "unused-slot"), 1);
    let fixed = apply_fix(&analysis, "unused-queue");
    assert!(!fixed.contains("queue spare"), "{fixed}");
    // A line with a syntax error may use only what is written on it: the queue it names the
    // start of is spared, every other unused declaration is still reported.
    let broken =
        project("chat", "  state start { sya \"x\" end }") + "queue spare { }\nqueue other { }\n";
    let analysis = analyze(&broken);
    assert!(analysis.has_errors());
    assert_eq!(
        count(&analysis, "unused-queue"),
        2,
        "{}",
        rendered(&analysis)
    );
    let typing = project("chat", "  state start { handof spa\n end }")
        + "queue spare { }\nqueue other { }\n";
    let analysis = analyze(&typing);
    let unused: Vec<&str> = analysis
        .diagnostics
        .iter()
        .filter(|d| d.name() == "unused-queue")
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(
        unused,
        ["nothing hands off to the queue `other`"],
        "{}",
        rendered(&analysis)
    );
}

#[test]
fn handlers_family() {
    let hours = "hours office { timezone \"Asia/Shanghai\" mon-fri 09:00-18:00 }\nqueue staffed { hours office }\n";
    // A statement-level `on closed` covers the hand-offs of its options.
    let covered = hours.to_string()
        + &project(
            "voice",
            r#"  state start {
    menu "Press 1 for an agent." {
      option "Agent" key 1 intent agent handoff staffed
      on closed handoff general
    }
  }"#,
        );
    assert_eq!(
        count(&analyze(&covered), "handoff-without-after-hours"),
        0,
        "{}",
        rendered(&analyze(&covered))
    );
    let uncovered = covered.replace("      on closed handoff general\n", "");
    assert_eq!(
        count(&analyze(&uncovered), "handoff-without-after-hours"),
        1
    );

    // The missing-no-input fix adds a flow-level handler and leaves a clean project.
    let text = project("voice", r#"  state start { menu "Press 1 for an agent." { option "Agent" key 1 intent agent handoff general } }"#)
        .replace("  on no_input retry 2 then handoff general\n", "");
    let analysis = analyze(&text);
    assert_eq!(count(&analysis, "missing-no-input"), 1);
    let fixed = apply_fix(&analysis, "missing-no-input");
    assert!(
        fixed.contains("  on no_input retry 2 then end\n"),
        "{fixed}"
    );
    assert!(
        analyze(&fixed).diagnostics.is_empty(),
        "{}",
        rendered(&analyze(&fixed))
    );
    // Chat flows need no no_input handler.
    assert_eq!(
        count(
            &analyze(&text.replace("channel voice", "channel chat")),
            "missing-no-input"
        ),
        0
    );
}

#[test]
fn levels_and_suppressions() {
    let text = project(
        "chat",
        "  state start { say \"Hi.\" end }\n  state old {\n    say \"Old.\"\n    end\n  }",
    );
    let mut levels = options();
    levels
        .levels
        .set("unreachable-state", csflow_compiler::config::Level::Deny);
    let analysis = analyze_with(&text, &levels);
    assert!(
        analysis
            .diagnostics
            .iter()
            .any(|d| d.name() == "unreachable-state" && d.severity == Severity::Error)
    );
    levels
        .levels
        .set("unreachable-state", csflow_compiler::config::Level::Allow);
    assert_eq!(count(&analyze_with(&text, &levels), "unreachable-state"), 0);

    // On the line, on a comment line above, on the state header.
    for silenced in [
        text.replace(
            "state old {",
            "state old { # csflow: allow(unreachable-state)",
        ),
        text.replace(
            "  state old {",
            "  # csflow: allow(unused-slot, W0101)\n  state old {",
        ),
    ] {
        assert_eq!(
            count(&analyze(&silenced), "unreachable-state"),
            0,
            "{silenced}"
        );
    }
    let other = text.replace("state old {", "state old { # csflow: allow(unused-slot)");
    assert_eq!(count(&analyze(&other), "unreachable-state"), 1);
    // Inside a state, the state header's comment covers it.
    let header = project(
        "chat",
        "  state start { # csflow: allow(question-without-input)\n    say \"Ready?\"\n    end\n  }",
    );
    assert_eq!(count(&analyze(&header), "question-without-input"), 0);
    // Errors cannot be silenced.
    let error = project(
        "chat",
        "  state start { # csflow: allow(unknown-state)\n    goto nowhere\n  }",
    );
    assert_eq!(count(&analyze(&error), "unknown-state"), 1);
}

#[test]
fn the_same_bad_regex_is_reported_at_every_place_it_is_written() {
    // Distinct patterns are compiled once; each place still gets its own diagnostic.
    let text = project(
        "chat",
        r#"  state start {
    menu "Hi" {
      option "Go" key 1 goto next
    }
  }
  state next {
    if text matches /(unclosed/ {
      say "a"
    }
    if text matches /(unclosed/ {
      say "b"
    }
    if text matches /fine/ {
      say "c"
    }
    end
  }"#,
    );
    let analysis = analyze(&text);
    let lines: Vec<u32> = analysis
        .diagnostics
        .iter()
        .filter(|d| d.name() == "invalid-regex")
        .map(|d| {
            analysis
                .sources
                .get(d.primary.span.file)
                .line_col(d.primary.span.start as usize)
                .line
        })
        .collect();
    assert_eq!(lines.len(), 2, "{}", rendered(&analysis));
    assert_ne!(lines[0], lines[1]);
}

/// Values that parse but that nothing can mean are errors in `check`, not failures later
/// in `build` or a test run.
#[test]
fn out_of_range_values_are_reported_by_check() {
    let text = r#"queue general { }
service s {
  operation op(code: digits(0)) returns { ok: bool }
  timeout 99999999999999999999h
}
flow support {
  channel chat
  start welcome
  slot reply: text
  on no_match retry 99999999999999999999999 then handoff general
  state welcome {
    ask reply "How can we help?"
    handoff general
  }
}
test "t" {
  flow support
  time 2026-13-01 10:00
  expect handoff general
}
"#;
    let analysis = analyze(text);
    let messages: Vec<&str> = analysis
        .diagnostics
        .iter()
        .filter(|d| d.name() == "value-out-of-range")
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(
        messages,
        [
            "`digits` takes 1 to 64 digits, not 0",
            "this timeout is longer than a day",
            "this handler retries more than 100 times",
            "2026-13-01 10:00 is not a date and time",
        ],
        "{}",
        rendered(&analysis)
    );

    let interpolations = "{reply}".repeat(1025);
    let items: Vec<String> = (0..1025).map(|i| format!("\"a{i}\"")).collect();
    let text = format!(
        "queue general {{ }}\nflow f {{\n  channel chat\n  start a\n  slot reply: text\n  on no_match retry 1 then handoff general\n  state a {{\n    ask reply \"?\"\n    say \"{interpolations}\"\n    if reply in [{}] {{ end }}\n    handoff general\n  }}\n}}\n",
        items.join(", ")
    );
    let analysis = analyze(&text);
    let found: Vec<&str> = analysis
        .diagnostics
        .iter()
        .filter(|d| d.name() == "value-out-of-range")
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(
        found,
        [
            "this string has 1025 interpolations; at most 1024 fit in one",
            "this list has 1025 items; at most 1024 fit in one",
        ]
    );
    // At the limit, check and build both accept it.
    let at_limit = text
        .replace(&"{reply}".repeat(1025), &"{reply}".repeat(1024))
        .replace(", \"a1024\"", "");
    let analysis = analyze(&at_limit);
    assert!(!analysis.has_errors(), "{}", rendered(&analysis));
    let bundle = csflow_compiler::codegen::generate(
        analysis.files.iter().map(|(_, f)| f),
        &analysis.sources,
    )
    .expect("generates");
    csflow_runtime::Bundle::from_bytes(&bundle.to_bytes()).expect("verifies");
}

/// The value additions' checks: arithmetic typing, constant division by zero, patterns,
/// `options from` against keys and the voice limit, `on` handlers a call cannot have.
#[test]
fn value_additions_are_checked() {
    let text = r#"queue general { }
service trips {
  operation find() returns { flights: list of { number: text, time: time } }
}
flow f {
  channel voice
  timezone "Mars/Olympus"
  start s
  slot n: integer = 0
  slot name: text
  slot code: text matching /^[A-Z/
  slot card: digits(4)
  slot day: date
  on no_match retry 1 then handoff general
  on no_input retry 1 then handoff general
  state s {
    set n = n / 2
    set n = n + 1
    set name = name + "x"
    set n = card * 2
    set day = today + 7
    set n = today - day
    set n = 1 / (2 - 2)
    if day < today and now > 09:00 { end }
    if day < now { end }
    call trips.find() into r
    menu "Pick one, or press 0." {
      options from r.flights label "{item.number} {item.seat}" into chosen goto s
      option "Agent" key 2 handoff general
      option "Other" key 0 handoff general
    }
  }
}
"#;
    let analysis = analyze(text);
    let found: Vec<(&str, String)> = analysis
        .diagnostics
        .iter()
        .map(|d| (d.name(), d.message.clone()))
        .collect();
    let has = |name: &str, part: &str| {
        found
            .iter()
            .any(|(n, message)| *n == name && message.contains(part))
    };
    assert!(has("invalid-hours", "Mars/Olympus"), "{found:#?}");
    assert!(has("invalid-regex", "does not compile"), "{found:#?}");
    assert!(has("type-mismatch", "may have a fraction"), "{found:#?}");
    assert!(
        has("type-mismatch", "cannot calculate with text"),
        "{found:#?}"
    );
    assert!(
        has("type-mismatch", "cannot calculate with digits"),
        "{found:#?}"
    );
    assert!(
        has("type-mismatch", "cannot compare a date with a time"),
        "{found:#?}"
    );
    assert!(has("division-by-zero", "divides by zero"), "{found:#?}");
    assert!(has("unknown-field", "seat"), "{found:#?}");
    assert!(
        has("duplicate-key", "item 2 of `options from`"),
        "{found:#?}"
    );
    assert!(
        has("voice-menu-too-long", "may read out 11 options"),
        "{found:#?}"
    );
    // `n + 1`, `today + 7` and `today - day` fit their slots; `1 / (2 - 2)` is a number.
    let mismatches = found.iter().filter(|(n, _)| *n == "type-mismatch").count();
    assert_eq!(mismatches, 5, "{found:#?}");
}

/// A static key against the keys `options from` actually gives its items, given its `max`:
/// an equal key is `duplicate-key`, one that starts with an item's key is `key-prefix` on
/// voice; keys above the items (or 0, *, #) are fine.
#[test]
fn static_keys_are_checked_against_the_numbered_item_keys() {
    let menu = |max: &str, keys: &str| {
        format!(
            r#"queue general {{ }}
service trips {{
  operation find() returns {{ flights: list of {{ number: text }} }}
}}
flow f {{
  channel voice
  start s
  on no_match retry 1 then handoff general
  on no_input retry 1 then handoff general
  state s {{
    call trips.find() into r
    menu "Pick a flight, or press 0 for an agent." {{
      options from r.flights {max} label "{{item.number}}" into chosen goto s
      option "Agent" {keys} handoff general
    }}
  }}
}}
"#
        )
    };
    let found = |max: &str, keys: &str| -> Vec<(&'static str, String)> {
        analyze(&menu(max, keys))
            .diagnostics
            .iter()
            .filter(|d| !["prompt-key-mismatch", "voice-menu-too-long"].contains(&d.name()))
            .map(|d| (d.name(), d.message.clone()))
            .collect()
    };
    assert_eq!(
        found("max 3", "key 0 key 3"),
        [(
            "duplicate-key",
            "the key 3 is also the key of item 3 of `options from`".to_string()
        )]
    );
    assert_eq!(
        found("max 3", "key 0 key 12"),
        [(
            "key-prefix",
            "key 12 starts with key 1, the key of item 1 of `options from`".to_string()
        )]
    );
    // Item keys 1..3: 0, 45, * and # take none of them (45 starts with no item's key).
    assert_eq!(found("max 3", "key 0 key 45 key \"*\" key \"#\""), []);
    // Without `max` the items are keyed 1 to 9.
    assert_eq!(
        found("", "key 0 key 9"),
        [(
            "duplicate-key",
            "the key 9 is also the key of item 9 of `options from`".to_string()
        )]
    );
}

// ---- Defects a new user's flows slipped past (each rendered as a snapshot) -------------

fn snapshot(name: &str, analysis: &Analysis) {
    insta::with_settings!({ snapshot_suffix => name, prepend_module_to_snapshot => false, omit_expression => true }, {
        insta::assert_snapshot!("caught", rendered(analysis));
    });
}

#[test]
fn a_loop_back_to_an_ask_of_a_set_slot_is_an_input_free_cycle() {
    let looped = project(
        "chat",
        r#"  state start {
    ask more "Shall I go on?"
    if more {
      say "Going on."
    }
    goto start
  }"#,
    );
    let analysis = analyze(&looped);
    assert_eq!(
        count(&analysis, "input-free-cycle"),
        1,
        "{}",
        rendered(&analysis)
    );
    let cycle = analysis
        .diagnostics
        .iter()
        .find(|d| d.name() == "input-free-cycle")
        .expect("cycle");
    assert!(
        cycle.notes[0].contains("`set more = none`"),
        "{}",
        rendered(&analysis)
    );
    snapshot("skipped-ask", &analysis);
    // Clearing the slot on the way back makes the `ask` wait again.
    let cleared = looped.replace("    goto start", "    set more = none\n    goto start");
    assert_eq!(count(&analyze(&cleared), "input-free-cycle"), 0);
}

#[test]
fn chinese_questions_and_digit_words_are_read() {
    let states = r#"  state start {
    say "请问您需要预约吗"
    say "您还有其他问题吗。"
    say "那么您是哪位呢"
    say "我们明天见"
    goto menu
  }
  state menu {
    menu "查询余额请按二，人工服务请按零，退出请按九号键" {
      option "余额" key 2 end
      option "人工" key 0 handoff general
      option "退出" key 9 end
    }
  }"#;
    let analysis = analyze(&project("voice", states));
    let questions: Vec<u32> = analysis
        .diagnostics
        .iter()
        .filter(|d| d.name() == "question-without-input")
        .map(|d| d.primary.span.start)
        .collect();
    assert_eq!(questions.len(), 3, "{}", rendered(&analysis));
    assert_eq!(
        count(&analysis, "prompt-key-mismatch"),
        0,
        "{}",
        rendered(&analysis)
    );
    snapshot("chinese", &analysis);
    // A digit word no option has is announced like a digit.
    let wrong = states.replace("key 9", "key 8");
    let analysis = analyze(&project("voice", &wrong));
    assert_eq!(
        count(&analysis, "prompt-key-mismatch"),
        1,
        "{}",
        rendered(&analysis)
    );
}

#[test]
fn overlapping_hours_ranges_are_invalid() {
    let text = r#"hours office {
  timezone "Asia/Shanghai"
  mon-fri 09:00-17:00 12:00-13:00
  sat     10:00-14:00
}
hours split {
  timezone "Asia/Shanghai"
  mon-fri 09:00-12:00 13:00-17:00
  wed     08:00-10:00
}
"#;
    let analysis = analyze(text);
    let messages: Vec<&str> = analysis
        .diagnostics
        .iter()
        .filter(|d| d.name() == "invalid-hours")
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(
        messages,
        [
            "this time range overlaps another one on mon",
            "this time range overlaps another one on wed"
        ],
        "{}",
        rendered(&analysis)
    );
    assert!(analysis.diagnostics[0].notes[0].contains("`09:00-12:00 13:00-17:00`"));
    snapshot("hours", &analysis);
    let lunch = "hours office {\n  timezone \"Asia/Shanghai\"\n  mon-fri 09:00-12:00 13:00-17:00\n  sat 22:00-02:00 10:00-14:00\n}\n";
    assert!(
        analyze(lunch)
            .diagnostics
            .iter()
            .all(|d| d.name() != "invalid-hours")
    );
}

#[test]
fn test_blocks_check_names_like_flows() {
    let text = project(
        "chat",
        r#"  state start {
    ask dept "Which department?"
    call crm.find(id: dept) into found
    if more { handoff general }
    end
  }"#,
    )
    .replace(
        "slot more: yes_no",
        "slot more: yes_no\n  slot dept: enum { sales ent }",
    )
    .replace("queue general { }", "queue general { }\nservice crm {\n  operation find(id: text) returns { ok: bool, name: text }\n}")
        + r#"test "names" {
  flow f
  mock crm.find returns { ok: "yes" }
  send "ent"
  expect slot dept == entt
  expect slot more == yes
  expect state strat
  expect handoff genral
}
"#;
    let analysis = analyze(&text);
    let found: Vec<(&str, &str)> = analysis
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| (d.name(), d.message.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            ("type-mismatch", "this mock of `crm.find` leaves out `name`"),
            ("type-mismatch", "`ok` holds yes/no, but this is text"),
            ("unknown-slot", "unknown slot or value `entt`"),
            ("unknown-state", "unknown state `strat`"),
            ("unknown-queue", "unknown queue `genral`"),
        ],
        "{}",
        rendered(&analysis)
    );
    snapshot("test-names", &analysis);
}

/// A mock's list items are records of the declared fields too: the runtime fails a call
/// whose answer leaves out a field at any depth, so the check says so before the test runs.
#[test]
fn mock_list_items_are_checked_field_by_field() {
    let text = r#"queue general { }
service trips {
  operation find() returns { flights: list of { number: text, seats: integer } }
}
flow f {
  channel chat
  start s
  on no_match handoff general
  state s {
    call trips.find() into r
    say "{r.flights}"
    end
  }
}
test "t" {
  flow f
  mock trips.find returns { flights: [{ number: "MU1" }, { number: "MU2", seats: "two" }, { number: "MU3", seats: 2, gate: "A" }, "MU4"] }
  expect end
}
"#;
    let analysis = analyze(text);
    let found: Vec<(&str, &str)> = analysis
        .diagnostics
        .iter()
        .map(|d| (d.name(), d.message.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            (
                "type-mismatch",
                "this mock of `trips.find.flights` leaves out `seats`"
            ),
            ("type-mismatch", "`seats` holds a number, but this is text"),
            ("unknown-field", "`trips.find.flights` has no field `gate`"),
            (
                "type-mismatch",
                "the items of `trips.find.flights` are records"
            ),
        ],
        "{}",
        rendered(&analysis)
    );
}
