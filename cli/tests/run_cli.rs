//! `csflow run` through piped stdin (no TTY): keys, text, time-outs, /quit, end of input.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("cli/ has a parent")
        .to_path_buf()
}

/// Runs the bank example on a Monday morning with `stdin` piped in.
fn bank(stdin: &str, extra: &[&str]) -> (i32, String) {
    let mut args = vec!["--time", "2026-11-23 10:00"];
    args.extend(extra);
    let (code, stdout, _) = bank_full(stdin, &args);
    (code, stdout)
}

#[test]
fn a_lost_card_call_by_keypad_ends_with_goodbye() {
    let (code, stdout) = bank(
        "#2\n#4321\n#2\n",
        &[
            "--mock",
            r#"card_api.block={"ok": true, "reference": "R-7"}"#,
        ],
    );
    assert_eq!(code, 0, "{stdout}");
    let expected = [
        "bot: Welcome to Northwind Bank. Calls may be recorded for training.",
        "bot: For your balance press 1. For a lost or stolen card press 2.",
        "     options: [1] Balance  [2] Lost or stolen card  [3] Questions  [4] Report fraud  [0] Adviser",
        "you: [keys 2]",
        "bot: I can block your card straight away.",
        "bot: Please key in the last four digits of the card.",
        "you: ***",
        "bot: Your card is blocked. Your reference is R-7.",
        "bot: Is there anything else I can help you with today? Say yes or no.",
        "you: [keys 2]",
        "bot: Thank you for calling Northwind Bank. Goodbye.",
        "-- the conversation has ended",
    ];
    assert_in_order(&stdout, &expected);
    assert!(!stdout.contains("4321"), "the card digits are sensitive");
}

#[test]
fn text_and_handoff_info() {
    let (code, stdout) = bank("I want to speak to an adviser\n#0\n", &[]);
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout.contains("-- handed off to queue retail_banking (priority normal)"),
        "{stdout}"
    );
}

#[test]
fn silence_three_times_ends_the_call() {
    let (code, stdout) = bank("/noinput\n/noinput\n/noinput\n", &[]);
    assert_eq!(code, 0, "{stdout}");
    assert_eq!(stdout.matches("you: (no input)").count(), 3, "{stdout}");
    assert!(
        stdout.ends_with("-- the conversation has ended\n"),
        "{stdout}"
    );
}

#[test]
fn end_of_input_and_quit_exit_0_without_ending_the_conversation() {
    let (code, stdout) = bank("#1\n", &[]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains("bot: Please key in your eight digit account number."),
        "{stdout}"
    );
    assert!(!stdout.contains("-- the conversation"), "{stdout}");

    let (code, stdout) = bank("\n/quit\n#1\n", &[]);
    assert_eq!(code, 0);
    assert!(
        !stdout.contains("you:"),
        "nothing sent after /quit: {stdout}"
    );
}

#[test]
fn an_unknown_flow_is_bad_usage() {
    let output = Command::cargo_bin("csflow")
        .unwrap()
        .current_dir(workspace())
        .args(["run", "examples/bank", "--flow", "nope"])
        .write_stdin("")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no flow named `nope`"), "{stderr}");
    assert!(stderr.contains("bank_phone"), "{stderr}");
}

#[test]
fn a_built_bundle_runs_too_and_chat_flows_take_chinese_text() {
    let temp = tempfile::tempdir().unwrap();
    let bundle = temp.path().join("shop.csfb");
    Command::cargo_bin("csflow")
        .unwrap()
        .current_dir(workspace())
        .args(["build", "examples/shop", "-o"])
        .arg(&bundle)
        .assert()
        .success();
    let output = Command::cargo_bin("csflow")
        .unwrap()
        .arg("run")
        .arg(&bundle)
        .args(["--flow", "shop_aftersales", "--time", "2026-11-23 10:00"])
        .write_stdin("订单查询\n")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("bot: 请输入您的订单号（8到12位数字）。"),
        "{stdout}"
    );
}

/// `bank` with stderr too.
fn bank_full(stdin: &str, extra: &[&str]) -> (i32, String, String) {
    let output = Command::cargo_bin("csflow")
        .expect("the csflow binary is built")
        .current_dir(workspace())
        .args(["run", "examples/bank", "--flow", "bank_phone"])
        .args(extra)
        .write_stdin(stdin)
        .output()
        .expect("csflow runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).to_string(),
        String::from_utf8_lossy(&output.stderr).to_string(),
    )
}

#[test]
fn mocks_are_checked_against_the_project() {
    let time = ["--time", "2026-11-23 10:00"];
    for (mock, says) in [
        (
            r#"card_apx.block={"ok": true}"#,
            "no service `card_apx` (did you mean `card_api`?)",
        ),
        (
            r#"card_api.blok={"ok": true}"#,
            "no operation `blok` (did you mean `block`?)",
        ),
        (
            r#"card_api.block={"okay": true}"#,
            "returns no field `okay`",
        ),
        (
            r#"card_api.block={"ok": "yes", "reference": "R-1"}"#,
            "the answer's `ok` is \"yes\", not true or false",
        ),
        (
            r#"card_api.block={"ok": true}"#,
            "the answer's `reference` is missing",
        ),
        (r#"card_api.block=[1, 2]"#, "must be a JSON object"),
    ] {
        let mut args = time.to_vec();
        args.extend(["--mock", mock]);
        let (code, _, stderr) = bank_full("#2\n", &args);
        assert_eq!(code, 2, "{mock}: {stderr}");
        assert!(stderr.contains(says), "{mock}: {stderr}");
    }
}

#[test]
fn a_failed_call_is_printed_as_tests_show_it() {
    // No mock for card_api.block: the call fails, the flow's `on error` runs.
    let (code, stdout, _) = bank_full("#2\n#4321\n", &["--time", "2026-11-23 10:00"]);
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout.contains("-- event: call card_api.block no client configured"),
        "{stdout}"
    );
}

#[test]
fn time_takes_a_zone_like_a_tests_time_line() {
    // 09:30 in Shanghai is 01:30 in London: the bank (Europe/London hours) is closed, and the
    // adviser option says so; the wall-clock form is open.
    for (time, open) in [
        ("2026-11-23 10:00", true),
        ("2026-11-23 09:30 Asia/Shanghai", false),
        ("2026-11-23 09:30 \"Asia/Shanghai\"", false),
    ] {
        let (code, stdout, stderr) = bank_full("#0\n", &["--time", time]);
        assert_eq!(code, 0, "{time}: {stderr}");
        assert_eq!(stdout.contains("handed off"), open, "{time}: {stdout}");
    }
    let (code, _, stderr) = bank_full("", &["--time", "2026-11-23 10:00 Mars/Olympus"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("no IANA time zone named \"Mars/Olympus\""),
        "{stderr}"
    );
}

#[test]
fn the_hotline_plays_repeats_the_menu_after_sorry_and_transfers() {
    let output = Command::cargo_bin("csflow")
        .expect("the csflow binary is built")
        .current_dir(workspace())
        .args(["run", "examples/hotline", "--flow", "hotline"])
        .write_stdin("#7\n#1\n#12345678\n#13800138000\n")
        .output()
        .expect("csflow runs");
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    let expected = [
        "bot: [play audio/welcome.wav] 欢迎致电远航电信。",
        "bot: For English service, please stay on the line.",
        "bot: 查询账户请按1，转接宽带维修请按2，人工服务请按0。",
        "     (timeout 5s, finish with #)",
        "you: [keys 7]",
        "bot: 抱歉，我没有听清。",
        "bot: 查询账户请按1，转接宽带维修请按2，人工服务请按0。",
        "you: [keys 1]",
        "bot: 请输入八位账号，以#号键结束。",
        "     (timeout 8s, at most 8 digits, finish with #)",
        "bot: 请输入回拨号码，以#号键结束。",
        "     (timeout 6s, at most 11 digits, finish with #)",
        "bot: 我们会尽快回电到13800138000。",
        "-- transferred to sip:billing@desk.example.com",
    ];
    assert_in_order(&stdout, &expected);
}

#[test]
fn the_airline_hotline_normalises_the_reference_and_lists_flights_from_the_service() {
    let output = Command::cargo_bin("csflow")
        .expect("the csflow binary is built")
        .current_dir(workspace())
        .args(["run", "examples/airline", "--flow", "airline_hotline"])
        .args(["--time", "2026-12-01 10:00"])
        .args([
            "--mock",
            r#"bookings.find={"ok": true, "departure": "2026-12-20", "flights": [{"number": "MU5101", "time": "09:30", "seats": 2, "cabin": "business"}, {"number": "CA1502", "time": "14:00:00", "seats": 3, "cabin": "ECONOMY"}]}"#,
            "--mock",
            r#"bookings.change={"ok": true, "fee": 50}"#,
        ])
        .write_stdin("ａｂ１２ｃｄ\n#1\ngold\n基础套餐\n")
        .output()
        .expect("csflow runs");
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    // The service's JSON text "09:30" is a time (a morning flight), "ECONOMY" the cabin
    // `economy`, said by its label; the recorded prompts show their fallback text.
    let expected = [
        "bot: [play audio/welcome.wav] 欢迎致电云程航空。Welcome to SkyCloud Airlines.",
        "bot: For service in English, please stay on the line.",
        "bot: [play audio/reference.wav] 请说出或输入您的六位订座编号。",
        "     (timeout 8s, at most 6 digits, finish with #)",
        "you: ａｂ１２ｃｄ",
        "bot: [play audio/flights.wav] 请选择新的航班，按0转人工，按9转值机柜台。",
        "bot: 1. MU5101 09:30",
        "bot: 2. CA1502 14:00",
        "     (timeout 5s, finish with #)",
        "options: [1] MU5101 09:30  [2] CA1502 14:00  [0] 人工服务 Agent  [9] 值机柜台 Check-in desk",
        "you: [keys 1]",
        "bot: MU5101，公务舱。",
        "bot: 这是上午的航班。This is a morning flight.",
        "bot: 请选择 Plus 套餐或基础套餐。Plus or basic?",
        "you: gold",
        "bot: 抱歉，我没有听清。Sorry, I didn't get that.",
        "bot: 请选择 Plus 套餐或基础套餐。Plus or basic?",
        "you: 基础套餐",
        "bot: 已为您改签 MU5101，基础套餐。Changed to MU5101, fee 50.",
        "-- the conversation has ended",
    ];
    assert_in_order(&stdout, &expected);
}

#[test]
fn a_service_answer_that_does_not_fit_its_types_fails_the_call() {
    // "9h30" is no time: the call fails, the call's own `on error` runs.
    let output = Command::cargo_bin("csflow")
        .expect("the csflow binary is built")
        .current_dir(workspace())
        .args(["run", "examples/airline", "--flow", "airline_hotline"])
        .args(["--time", "2026-12-01 10:00"])
        .args([
            "--mock",
            r#"bookings.find={"ok": true, "departure": "2026-12-20", "flights": [{"number": "MU5101", "time": "9h30", "seats": 2, "cabin": "business"}]}"#,
        ])
        .write_stdin("AB12CD\n")
        .output()
        .expect("csflow runs");
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert_eq!(output.status.code(), Some(2), "{stdout}");
    assert!(
        stderr.contains("--mock bookings.find: failed: the answer's `flights[1].time` is \"9h30\", not a time (HH:MM)"),
        "{stderr}"
    );
}

/// Every line of `expected` appears in `stdout`, in this order.
fn assert_in_order(stdout: &str, expected: &[&str]) {
    let mut rest = stdout;
    for line in expected {
        let at = rest
            .find(line)
            .unwrap_or_else(|| panic!("missing {line:?} in order in:\n{stdout}"));
        rest = &rest[at + line.len()..];
    }
}
