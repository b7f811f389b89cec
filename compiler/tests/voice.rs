//! The voice additions end to end in the compiler: parsing (and recovery of a half-written
//! setting), the new checks, codegen into the bundle, the formatter's round trip and the
//! flow picture.

use csflow_compiler::analysis::Analysis;
use csflow_compiler::ast::{Item, StmtKind};
use csflow_compiler::check::Options;
use csflow_runtime::bundle::{Instr, PointKind};

fn analyze(text: &str) -> Analysis {
    csflow_compiler::analyze(
        vec![("hotline.csflow".into(), text.as_bytes().to_vec())],
        &|_| Err(std::io::ErrorKind::NotFound.into()),
        &Options::default(),
    )
}

fn names(analysis: &Analysis) -> Vec<&'static str> {
    analysis.diagnostics.iter().map(|d| d.name()).collect()
}

/// A voice flow with every addition; `{CHANNEL}` and `{EXTRA}` are filled in by the tests.
const FLOW: &str = r##"queue agents { }

flow hotline {
  channel {CHANNEL}
  language "zh-CN"
  start welcome
  timeout 6s
  finish_key "#"

  slot account: digits(8)
  on no_match retry 2 "抱歉，我没有听清。" and prompt then handoff agents
  on no_input retry 1 then handoff agents

  state welcome {
    play "https://cdn.example.com/welcome.wav" or say "欢迎致电。"
    say "For English, stay on the line." language "en-US"
    menu "查询账户请按1，人工服务请按0。" timeout 5s language "zh-CN" {
      option "账户" key 1 goto account_info
      option "人工" key 0 transfer "+861012345678" reason "asked for a person"
    }
  }

  state account_info {
    ask account "请输入八位账号，以#号键结束。" timeout 8s{EXTRA}
    transfer "sip:billing@desk.example.com"
  }
}
"##;

fn flow(channel: &str, extra: &str) -> String {
    FLOW.replace("{CHANNEL}", channel).replace("{EXTRA}", extra)
}

#[test]
fn every_addition_parses_into_the_tree() {
    let analysis = analyze(&flow("voice", ""));
    assert_eq!(names(&analysis), Vec::<&str>::new());
    let Some(Item::Flow(flow)) = analysis.files[0]
        .1
        .items
        .iter()
        .find(|i| matches!(i, Item::Flow(_)))
    else {
        panic!("no flow");
    };
    assert_eq!(flow.language.as_ref().unwrap().plain_text(), "zh-CN");
    assert_eq!(flow.timing.timeout.as_ref().unwrap().millis, 6000);
    assert_eq!(flow.timing.finish_key.as_ref().unwrap().plain_text(), "#");
    assert!(flow.handlers[0].retry.as_ref().unwrap().reprompt.is_some());
    let welcome = &flow.states[0].body.statements;
    let StmtKind::Speak(play) = &welcome[0].kind else {
        panic!("{:?}", welcome[0].kind)
    };
    assert_eq!(
        play.audio.as_ref().unwrap().plain_text(),
        "https://cdn.example.com/welcome.wav"
    );
    assert_eq!(play.text.plain_text(), "欢迎致电。");
    let StmtKind::Speak(say) = &welcome[1].kind else {
        panic!()
    };
    assert!(say.audio.is_none());
    assert_eq!(say.language.as_ref().unwrap().plain_text(), "en-US");
    let StmtKind::Menu(menu) = &welcome[2].kind else {
        panic!()
    };
    assert_eq!(menu.timing.timeout.as_ref().unwrap().millis, 5000);
    assert!(menu.language.is_some());
    let StmtKind::Transfer(transfer) = &menu.options[1].action.statements[0].kind else {
        panic!()
    };
    assert_eq!(transfer.to.plain_text(), "+861012345678");
    assert_eq!(
        transfer.reason.as_ref().unwrap().plain_text(),
        "asked for a person"
    );
}

#[test]
fn a_half_written_setting_costs_one_line() {
    let text = flow("voice", "").replace("  timeout 6s\n", "  timeout\n");
    let analysis = analyze(&text);
    assert_eq!(
        names(&analysis),
        ["syntax-error"],
        "{:#?}",
        analysis.diagnostics
    );
    // The rest of the flow still parsed: its states are there.
    let Some(Item::Flow(flow)) = analysis.files[0]
        .1
        .items
        .iter()
        .find(|i| matches!(i, Item::Flow(_)))
    else {
        panic!("no flow");
    };
    assert_eq!(flow.states.len(), 2);
    let text = flow_text_with(
        "    transfer\n",
        "    transfer \"sip:billing@desk.example.com\"\n",
    );
    let analysis = analyze(&text);
    assert_eq!(
        names(&analysis),
        ["syntax-error"],
        "{:#?}",
        analysis.diagnostics
    );
}

fn flow_text_with(new: &str, old: &str) -> String {
    flow("voice", "").replace(old, new)
}

#[test]
fn transfer_and_keypad_timing_are_errors_in_a_chat_flow() {
    let analysis = analyze(&flow("chat", ""));
    let found = names(&analysis);
    // The flow's timeout and finish key, the menu's timeout, the ask's timeout, two transfers.
    assert_eq!(
        found.iter().filter(|n| **n == "voice-only-in-chat").count(),
        6,
        "{found:?}"
    );
    // `any` may be a call: no error.
    assert!(!names(&analyze(&flow("any", ""))).contains(&"voice-only-in-chat"));
}

#[test]
fn max_digits_shorter_than_the_slot_is_an_error() {
    let analysis = analyze(&flow("voice", " max_digits 3"));
    assert_eq!(names(&analysis), ["max-digits-too-short"]);
    let message = &analysis.diagnostics[0].message;
    assert!(message.contains("8 digits"), "{message}");
    assert!(names(&analyze(&flow("voice", " max_digits 8"))).is_empty());
    // The flow's default counts too.
    let text = flow("voice", "").replace(
        "  finish_key \"#\"\n",
        "  finish_key \"#\"\n  max_digits 4\n",
    );
    assert_eq!(names(&analyze(&text)), ["max-digits-too-short"]);
}

#[test]
fn a_prompt_that_announces_a_finish_key_needs_one() {
    let text = flow("voice", "").replace("  finish_key \"#\"\n", "");
    assert_eq!(names(&analyze(&text)), ["missing-finish-key"]);
    let text = flow("voice", " finish_key \"#\"").replace("  finish_key \"#\"\n", "");
    assert!(names(&analyze(&text)).is_empty());
}

#[test]
fn meaningless_settings_are_out_of_range() {
    for (extra, what) in [
        (" finish_key \"##\"", "not one keypad key"),
        (" max_digits 0", "outside 1 to 64"),
    ] {
        let analysis = analyze(&flow("voice", extra));
        assert_eq!(names(&analysis), ["value-out-of-range"], "{extra}");
        assert!(analysis.diagnostics[0].message.contains(what));
    }
    let text = flow("voice", "").replace("\"+861012345678\"", "\"the agents\"");
    assert_eq!(names(&analyze(&text)), ["value-out-of-range"]);
}

#[test]
fn a_recording_missing_from_the_project_is_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let text =
        flow("voice", "").replace("https://cdn.example.com/welcome.wav", "audio/welcome.wav");
    std::fs::write(dir.path().join("hotline.csflow"), &text).unwrap();
    let check = |dir: &std::path::Path| {
        let analysis =
            csflow_compiler::analysis::analyze_paths(&[dir.to_path_buf()], &Options::default());
        names(&analysis.expect("the project loads"))
    };
    assert_eq!(check(dir.path()), ["missing-audio"]);
    std::fs::create_dir(dir.path().join("audio")).unwrap();
    std::fs::write(dir.path().join("audio/welcome.wav"), b"RIFF").unwrap();
    assert!(check(dir.path()).is_empty());
}

#[test]
fn codegen_carries_every_addition_into_the_bundle() {
    let analysis = analyze(&flow("voice", ""));
    let bundle = csflow_compiler::codegen::generate_analysis(&analysis).expect("builds");
    let flow = &bundle.flows[0];
    assert_eq!(bundle.str(flow.language.unwrap()), "zh-CN");
    let menu = &flow.points[0];
    assert!(matches!(menu.kind, PointKind::Menu { .. }));
    assert_eq!(menu.timing.timeout_ms, Some(5000));
    assert_eq!(menu.timing.max_digits, None);
    assert_eq!(menu.timing.finish_key.map(|k| bundle.str(k)), Some("#"));
    let ask = &flow.points[1];
    // Its own timeout, the slot's eight digits and the flow's finish key.
    assert_eq!(ask.timing.timeout_ms, Some(8000));
    assert_eq!(ask.timing.max_digits, Some(8));
    assert_eq!(ask.timing.finish_key.map(|k| bundle.str(k)), Some("#"));
    let has = |f: &dyn Fn(&Instr) -> bool| flow.code.iter().any(f);
    assert!(has(&|i| matches!(i, Instr::Play { .. })));
    assert!(has(
        &|i| matches!(i, Instr::SayIn { language, .. } if bundle.str(*language) == "en-US")
    ));
    assert!(has(
        &|i| matches!(i, Instr::Transfer { to, .. } if bundle.str(*to) == "+861012345678")
    ));
    assert!(has(&|i| matches!(i, Instr::Reprompt)));
}

#[test]
fn the_formatter_keeps_every_addition() {
    let text = flow("voice", " max_digits 8 finish_key \"*\"");
    let formatted = csflow_compiler::format::format_file(csflow_compiler::source::FileId(0), &text)
        .expect("formats");
    for kept in [
        "language \"zh-CN\"",
        "timeout 6s",
        "finish_key \"#\"",
        "retry 2 \"抱歉，我没有听清。\" and prompt then handoff agents",
        "play \"https://cdn.example.com/welcome.wav\" or say \"欢迎致电。\"",
        "say \"For English, stay on the line.\" language \"en-US\"",
        "menu \"查询账户请按1，人工服务请按0。\" timeout 5s language \"zh-CN\" {",
        "transfer \"+861012345678\" reason \"asked for a person\"",
        "ask account \"请输入八位账号，以#号键结束。\" timeout 8s max_digits 8 finish_key \"*\"",
        "transfer \"sip:billing@desk.example.com\"",
    ] {
        assert!(formatted.contains(kept), "{kept} in\n{formatted}");
    }
    let again =
        csflow_compiler::format::format_file(csflow_compiler::source::FileId(0), &formatted)
            .expect("formats");
    assert_eq!(again, formatted, "idempotent");
    insta::assert_snapshot!(formatted);
}

#[test]
fn a_transfer_is_drawn_as_a_terminator() {
    let analysis = analyze(&flow("voice", ""));
    let diagram = csflow_compiler::diagram::Diagram::build(&analysis, Some("hotline"), None)
        .expect("a picture");
    let json = csflow_compiler::diagram::json::json(&diagram, &analysis.sources);
    assert!(json.contains("\"to\": \"+861012345678\""), "{json}");
    assert!(
        json.contains("\"to\": \"sip:billing@desk.example.com\""),
        "{json}"
    );
    let dot = csflow_compiler::diagram::dot::dot(&diagram, Default::default());
    assert!(dot.contains("transfer <B>+861012345678</B>"), "{dot}");
    let mermaid = csflow_compiler::diagram::mermaid::mermaid(&diagram);
    assert!(
        mermaid.contains("transfer sip:billing@desk.example.com"),
        "{mermaid}"
    );
}

#[test]
fn a_menu_or_ask_prompt_may_be_a_recording() {
    let text = flow("voice", "")
        .replace(
            "menu \"查询账户请按1，人工服务请按0。\"",
            "menu play \"https://cdn.example.com/menu.wav\" or say \"查询账户请按1，人工服务请按0。\"",
        )
        .replace(
            "ask account \"请输入",
            "ask account play \"https://cdn.example.com/account.wav\" or say \"请输入",
        );
    let analysis = analyze(&text);
    assert_eq!(names(&analysis), Vec::<&str>::new());
    let Some(Item::Flow(ast)) = analysis.files[0]
        .1
        .items
        .iter()
        .find(|i| matches!(i, Item::Flow(_)))
    else {
        panic!("a flow");
    };
    let StmtKind::Menu(menu) = &ast.states[0].body.statements[2].kind else {
        panic!("a menu");
    };
    assert_eq!(
        menu.audio.as_ref().map(|a| a.plain_text()).as_deref(),
        Some("https://cdn.example.com/menu.wav")
    );
    assert_eq!(menu.prompt.plain_text(), "查询账户请按1，人工服务请按0。");
    // Codegen plays both prompts, each with its fallback text.
    let bundle = csflow_compiler::codegen::generate_analysis(&analysis).expect("builds");
    let flow = &bundle.flows[0];
    let played: Vec<(&str, &str)> = flow
        .code
        .iter()
        .filter_map(|i| match i {
            Instr::Play { url, text, .. } => Some((bundle.str(*url), bundle.str(*text))),
            _ => None,
        })
        .collect();
    assert_eq!(
        played,
        [
            ("https://cdn.example.com/welcome.wav", "欢迎致电。"),
            (
                "https://cdn.example.com/menu.wav",
                "查询账户请按1，人工服务请按0。"
            ),
            (
                "https://cdn.example.com/account.wav",
                "请输入八位账号，以#号键结束。"
            ),
        ]
    );
    // The formatter keeps them, and the fallback still drives the prompt checks: the
    // finish key announced in the ask's fallback text needs one.
    let formatted = csflow_compiler::format::format_file(csflow_compiler::source::FileId(0), &text)
        .expect("formats");
    assert!(formatted.contains("    menu play \"https://cdn.example.com/menu.wav\" or say \"查询账户请按1，人工服务请按0。\" timeout 5s language \"zh-CN\" {"), "{formatted}");
    assert!(formatted.contains("    ask account play \"https://cdn.example.com/account.wav\" or say \"请输入八位账号，以#号键结束。\" timeout 8s"), "{formatted}");
    let no_key = text.replace("  finish_key \"#\"\n", "");
    assert_eq!(names(&analyze(&no_key)), ["missing-finish-key"]);
    // A recorded prompt missing from the project is `missing-audio`, like a `play`.
    let missing = text.replace("https://cdn.example.com/menu.wav", "audio/menu.wav");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("hotline.csflow"), &missing).unwrap();
    let analysis =
        csflow_compiler::analysis::analyze_paths(&[dir.path().to_path_buf()], &Options::default())
            .expect("loads");
    assert_eq!(names(&analysis), ["missing-audio"]);
}

#[test]
fn a_setting_written_twice_is_an_error() {
    for (old, new, setting) in [
        ("timeout 8s", "timeout 8s timeout 9s", "timeout"),
        (
            "timeout 8s",
            "timeout 8s max_digits 8 max_digits 9",
            "max_digits",
        ),
        (
            "timeout 5s",
            "timeout 5s finish_key \"#\" finish_key \"*\"",
            "finish_key",
        ),
        (
            "language \"en-US\"",
            "language \"en-US\" language \"en-GB\"",
            "language",
        ),
        (
            "  language \"zh-CN\"\n",
            "  language \"zh-CN\"\n  language \"en-US\"\n",
            "language",
        ),
        ("  timeout 6s\n", "  timeout 6s\n  timeout 7s\n", "timeout"),
        (
            "  start welcome\n",
            "  start welcome\n  start welcome\n",
            "start",
        ),
        (
            "  channel voice\n",
            "  channel voice\n  channel any\n",
            "channel",
        ),
        (
            "reason \"asked for a person\"",
            "reason \"asked for a person\" reason \"again\"",
            "reason",
        ),
    ] {
        let text = flow_text_with(new, old);
        let analysis = analyze(&text);
        assert_eq!(names(&analysis), ["duplicate-setting"], "{new}");
        let d = &analysis.diagnostics[0];
        assert_eq!(d.message, format!("`{setting}` is written twice"));
        assert_eq!(d.secondary[0].message, "first written here");
    }
    // In a state the fast path reads, too (a handoff given two priorities).
    let text = flow("voice", "").replace(
        "    transfer \"sip:billing@desk.example.com\"",
        "    handoff agents priority high priority low",
    );
    assert_eq!(names(&analyze(&text)), ["duplicate-setting"]);
}

#[test]
fn a_recording_destination_or_language_is_never_interpolated() {
    for (old, new, what) in [
        (
            "https://cdn.example.com/welcome.wav",
            "https://cdn.example.com/{account}.wav",
            "recording",
        ),
        (
            "\"sip:billing@desk.example.com\"",
            "\"sip:{account}@desk.example.com\"",
            "transfer",
        ),
        ("language \"en-US\"", "language \"{account}\"", "language"),
    ] {
        let analysis = analyze(&flow_text_with(new, old));
        assert_eq!(names(&analysis), ["interpolation-not-allowed"], "{new}");
        assert!(analysis.diagnostics[0].message.contains(what), "{new}");
    }
}

#[test]
fn a_played_question_needs_an_input_and_a_played_secret_is_reported() {
    let text = flow("voice", "")
        .replace(
            "  slot account: digits(8)\n",
            "  slot account: digits(8)\n  slot pin: digits(4) sensitive\n",
        )
        .replace(
            "    transfer \"sip:billing@desk.example.com\"",
            "    play \"https://cdn.example.com/q.wav\" or say \"Anything else?\"\n    play \"https://cdn.example.com/p.wav\" or say \"PIN {pin}.\"\n    transfer \"sip:billing@desk.example.com\"",
        );
    let found = names(&analyze(&text));
    assert!(found.contains(&"question-without-input"), "{found:?}");
    assert!(found.contains(&"sensitive-in-output"), "{found:?}");
}
