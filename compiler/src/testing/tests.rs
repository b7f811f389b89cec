//! Test-runner tests: small projects in memory, run through analysis, codegen, the verifier
//! and the VM; and every example project's own `test` blocks.

use super::*;
use crate::check;
use csflow_runtime::Channel;
use csflow_runtime::bundle::FlowChannel;
use std::path::PathBuf;

const HOTLINE: &str = r#"
hours office {
  timezone "America/New_York"
  mon-fri 09:00-17:00
}
queue desk { hours office }
queue care { }
service crm {
  operation lookup(id: digits) returns { ok: bool, name: text }
  timeout 2s
}
flow hotline {
  channel CHANNEL
  start welcome
  slot id: digits(4)
  on no_match retry 1 then handoff care
  on no_input retry 1 then handoff care
  on closed goto closed_now
  on error goto broken
  state welcome {
    say "Hello."
    say "This is the hotline."
    goto main_menu
  }
  state main_menu {
    menu "Press 1 to look up, press 2 for the desk." {
      option "Look up" key 1 goto lookup
      option "Desk"    key 2 handoff desk
    }
  }
  state lookup {
    ask id "Your four digit id?"
    call crm.lookup(id: id) into found
    say "Hi {found.name}."
    end
  }
  state closed_now {
    say "The desk is closed."
    end
  }
  state broken {
    say "Something broke."
    end
  }
}
"#;

fn project(channel: &str, tests: &str) -> (crate::Analysis, Bundle) {
    let source = HOTLINE.replace("CHANNEL", channel);
    let inputs = vec![
        ("hotline.csflow".to_string(), source.into_bytes()),
        ("hotline.test.csflow".to_string(), tests.as_bytes().to_vec()),
    ];
    let analysis = crate::analyze(
        inputs,
        &|_| Err(std::io::ErrorKind::NotFound.into()),
        &check::Options::default(),
    );
    let errors: Vec<_> = analysis
        .diagnostics
        .iter()
        .filter(|d| d.severity == crate::diagnostic::Severity::Error)
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let bundle =
        crate::codegen::generate(analysis.files.iter().map(|(_, f)| f), &analysis.sources).unwrap();
    let bundle = Bundle::from_bytes(&bundle.to_bytes()).unwrap();
    (analysis, bundle)
}

fn run_all(channel: &str, tests: &str) -> Report {
    let (analysis, bundle) = project(channel, tests);
    run(
        &analysis.files,
        &analysis.sources,
        &bundle,
        &Options::default(),
    )
}

fn only(report: &Report) -> &TestResult {
    assert_eq!(report.tests.len(), 1, "{:#?}", report.tests);
    &report.tests[0]
}

#[test]
fn a_passing_test_has_no_failure_and_a_transcript() {
    let report = run_all(
        "voice",
        r#"test "lookup" {
  flow hotline
  mock crm.lookup returns { ok: true, name: "Ada" }
  expect say "Hello."
  expect say /hotline/
  send key "1"
  send key "1234"
  expect slot id == "1234"
  expect say "Hi Ada."
  expect end
}"#,
    );
    let test = only(&report);
    assert!(test.passed(), "{:#?}", test.failure);
    assert_eq!(test.name, "lookup");
    assert_eq!(test.flow.as_deref(), Some("hotline"));
    assert_eq!(test.location.to_string(), "hotline.test.csflow:1:1");
    assert!(test.transcript.iter().any(|e| e.text == "[keys 1234]"));
}

#[test]
fn a_failing_say_reports_the_step_expected_and_got() {
    let report = run_all(
        "voice",
        "test \"wrong greeting\" {\n  flow hotline\n  expect say \"Hello.\"\n  expect say \"Goodbye.\"\n}",
    );
    let failure = only(&report).failure.clone().unwrap();
    assert_eq!(failure.step.to_string(), "hotline.test.csflow:4:3");
    assert_eq!(failure.step_text, "expect say \"Goodbye.\"");
    assert_eq!(failure.expected, "say \"Goodbye.\"");
    assert_eq!(failure.got, "say \"This is the hotline.\"");
    assert_eq!(report.failed(), 1);
}

#[test]
fn a_send_drops_what_earlier_turns_said() {
    // "Hello." and the rest of the greeting are never consumed; after the send, the next
    // `expect say` sees the lookup prompt, not the greeting.
    let report = run_all(
        "voice",
        r#"test "t" {
  flow hotline
  send key "1"
  expect say "Your four digit id?"
  expect say /anything/
}"#,
    );
    let failure = only(&report).failure.clone().unwrap();
    assert_eq!(failure.expected, "say /anything/");
    assert_eq!(
        failure.got,
        "nothing more was said; the conversation is waiting in state lookup"
    );
}

#[test]
fn the_default_clock_is_a_monday_morning_and_time_without_zone_is_wall_clock() {
    let desk = |time_line: &str| {
        run_all(
            "voice",
            &format!(
                "test \"t\" {{\n  flow hotline\n  {time_line}\n  send key \"2\"\n  expect handoff desk\n}}"
            ),
        )
    };
    // No `time` line: Monday 2026-01-05 10:00 in New York, the desk is open.
    assert!(only(&desk("")).passed());
    // 10:00 wall-clock on a Monday, in the office's own zone: open.
    assert!(only(&desk("time 2026-11-23 10:00")).passed());
    // 10:00 in Shanghai is 21:00 the day before in New York: closed.
    let report = desk("time 2026-11-23 10:00 \"Asia/Shanghai\"");
    let failure = only(&report).failure.clone().unwrap();
    assert_eq!(failure.expected, "handoff desk");
    assert_eq!(failure.got, "the conversation ended in state closed_now");
    // 22:00 in Shanghai is 09:00 in New York: open.
    assert!(only(&desk("time 2026-11-23 22:00 \"Asia/Shanghai\"")).passed());
}

#[test]
fn a_later_time_or_mock_applies_from_there_on() {
    let report = run_all(
        "voice",
        r#"test "t" {
  flow hotline
  mock crm.lookup fails
  time 2026-11-22 10:00
  send key "1"
  mock crm.lookup returns { ok: true, name: "Bo" }
  send key "1234"
  expect say "Hi Bo."
}"#,
    );
    assert!(only(&report).passed(), "{:#?}", only(&report).failure);

    let report = run_all(
        "voice",
        r#"test "t" {
  flow hotline
  send key "1"
  mock crm.lookup fails
  send key "1234"
  expect say "Something broke."
}"#,
    );
    assert!(only(&report).passed(), "{:#?}", only(&report).failure);
}

#[test]
fn an_unmocked_call_fails_like_an_unavailable_service() {
    let report = run_all(
        "voice",
        "test \"t\" {\n  flow hotline\n  send key \"1\"\n  send key \"1234\"\n  expect say \"Something broke.\"\n  expect end\n}",
    );
    assert!(only(&report).passed(), "{:#?}", only(&report).failure);
}

#[test]
fn channel_any_runs_as_voice_and_chat_as_chat() {
    // Keypad "1" picks an option on every channel; "state" shows where we are.
    for channel in ["any", "voice", "chat"] {
        let report = run_all(
            channel,
            "test \"t\" {\n  flow hotline\n  send key \"1\"\n  expect state lookup\n}",
        );
        assert!(only(&report).passed(), "{channel}");
    }
    assert_eq!(channel_of(FlowChannel::Any), Channel::Voice);
    assert_eq!(channel_of(FlowChannel::Chat), Channel::Chat);
}

#[test]
fn expectations_on_status_state_and_slots_report_what_came() {
    let failure = |steps: &str| {
        let report = run_all(
            "voice",
            &format!("test \"t\" {{\n  flow hotline\n{steps}\n}}"),
        );
        only(&report).failure.clone().map(|f| (f.expected, f.got))
    };
    assert_eq!(
        failure("  expect end"),
        Some((
            "end".into(),
            "the conversation is waiting in state main_menu".into()
        ))
    );
    assert_eq!(
        failure("  expect state lookup"),
        Some(("state lookup".into(), "state main_menu".into()))
    );
    assert_eq!(
        failure("  expect slot id == \"1\""),
        Some(("slot id == \"1\"".into(), "slot id == none".into()))
    );
    assert_eq!(
        failure("  send key \"2\"\n  expect handoff care"),
        Some((
            "handoff care".into(),
            "handoff desk (priority normal) from state main_menu".into()
        ))
    );
    assert_eq!(
        failure("  send key \"2\"\n  send \"hello\""),
        Some((
            "the conversation to wait for input".into(),
            "handoff desk (priority normal) from state main_menu".into()
        ))
    );
}

#[test]
fn filter_selects_by_substring_of_the_name() {
    let (analysis, bundle) = project(
        "voice",
        "test \"desk by key\" {\n  flow hotline\n  send key \"2\"\n}\ntest \"lookup\" {\n  flow hotline\n  send key \"1\"\n}",
    );
    let options = Options {
        filter: Some("desk".into()),
    };
    let report = run(&analysis.files, &analysis.sources, &bundle, &options);
    assert_eq!(report.tests.len(), 1);
    assert_eq!(report.tests[0].name, "desk by key");
    assert_eq!(report.filtered_out, 1);
}

#[test]
fn coverage_counts_states_entered_and_options_picked() {
    let report = run_all(
        "voice",
        "test \"desk\" {\n  flow hotline\n  send key \"2\"\n  expect handoff desk\n}",
    );
    let [coverage] = report.coverage.as_slice() else {
        panic!("{:#?}", report.coverage)
    };
    assert_eq!(coverage.flow, "hotline");
    let visited: Vec<&str> = coverage
        .states
        .iter()
        .filter(|s| s.visited)
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(visited, ["welcome", "main_menu"]);
    assert_eq!(coverage.states.len(), 5);
    let options: Vec<(&str, &str, bool)> = coverage
        .options
        .iter()
        .map(|o| (o.state.as_str(), o.label.as_str(), o.taken))
        .collect();
    assert_eq!(
        options,
        [("main_menu", "Look up", false), ("main_menu", "Desk", true)]
    );
    assert_eq!(coverage.option_percent(), 50.0);
    assert_eq!(coverage.state_percent(), 40.0);
    let main_menu = &coverage.states[1];
    assert_eq!(
        main_menu
            .location
            .as_ref()
            .map(ToString::to_string)
            .as_deref(),
        Some("hotline.csflow:25:9")
    );
}

/// Every example project's `test` blocks pass (`csflow test examples` in CI says the same
/// through the binary; this keeps the library honest without it).
#[test]
fn example_conversation_tests_pass() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let analysis = crate::analyze_paths(&[root], &check::Options::default()).unwrap();
    if analysis.has_errors() {
        // Another part of the compiler is mid-change; `csflow check examples` reports it.
        return;
    }
    let bundle =
        crate::codegen::generate(analysis.files.iter().map(|(_, f)| f), &analysis.sources).unwrap();
    let bundle = Bundle::from_bytes(&bundle.to_bytes()).unwrap();
    let report = run(
        &analysis.files,
        &analysis.sources,
        &bundle,
        &Options::default(),
    );
    assert!(report.tests.len() > 50, "{}", report.tests.len());
    let failures: Vec<String> = report
        .tests
        .iter()
        .filter_map(|t| {
            let f = t.failure.as_ref()?;
            Some(format!(
                "{} ({}): at {} expected {}, got {}",
                t.name, t.location, f.step, f.expected, f.got
            ))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn expect_handoff_checks_priority_and_reason_when_written() {
    let failure = |steps: &str| {
        let report = run_all(
            "voice",
            &format!("test \"t\" {{\n  flow hotline\n{steps}\n}}"),
        );
        only(&report).failure.clone().map(|f| (f.expected, f.got))
    };
    assert_eq!(
        failure("  send key \"2\"\n  expect handoff desk priority normal"),
        None
    );
    assert_eq!(
        failure("  send key \"2\"\n  expect handoff desk priority high"),
        Some((
            "handoff desk priority high".into(),
            "handoff desk (priority normal) from state main_menu".into()
        ))
    );
    assert_eq!(
        failure("  send key \"2\"\n  expect handoff desk reason \"billing\""),
        Some((
            "handoff desk reason \"billing\"".into(),
            "handoff desk (priority normal) from state main_menu".into()
        ))
    );
}

/// Analyzes one file, compiles it whatever the checks said, and runs its tests.
fn one_file_run(path: &str, source: &str) -> (crate::Analysis, Report) {
    let analysis = crate::analyze(
        vec![(path.to_string(), source.as_bytes().to_vec())],
        &|_| Err(std::io::ErrorKind::NotFound.into()),
        &check::Options::default(),
    );
    let bundle =
        crate::codegen::generate(analysis.files.iter().map(|(_, f)| f), &analysis.sources).unwrap();
    let report = run(
        &analysis.files,
        &analysis.sources,
        &bundle,
        &Options::default(),
    );
    (analysis, report)
}

/// A flow the checks refuse (`input-free-cycle`), compiled anyway, so that its conversation
/// runs into the VM's step budget.
const SPINNER: &str = r#"
queue care { }
flow spin {
  channel chat
  start welcome
  on no_match retry 1 then handoff care
  state welcome {
    menu "Pick" {
      option "Loop" key 1 goto spinning
      option "Agent" key 2 handoff care
    }
  }
  state spinning {
    goto spinning
  }
}
test "spins" {
  flow spin
  send key "1"
  expect state spinning
}
"#;

#[test]
fn a_failed_conversation_fails_its_test_at_that_step_with_the_reason() {
    let (analysis, report) = one_file_run("spin.csflow", SPINNER);
    assert!(
        analysis
            .diagnostics
            .iter()
            .any(|d| d.name() == "input-free-cycle")
    );
    let failure = only(&report).failure.clone().expect("the test fails");
    assert_eq!(
        failure.step_text, "send key \"1\"",
        "fails at the send, not later"
    );
    assert_eq!(failure.expected, "the conversation to go on");
    assert!(
        failure
            .got
            .starts_with("the conversation failed in state spinning: ")
            && failure.got.contains("step"),
        "{}",
        failure.got
    );
}

/// A night desk whose hours run past midnight, tested through `csflow test` with `time`.
const NIGHT_DESK: &str = r#"
hours night {
  timezone "Asia/Shanghai"
  fri 22:00-06:00
  mon-thu 18:00-09:00
  closed 2026-12-25
}
queue night_desk { hours night }
queue day_desk { }
flow emergency {
  channel voice
  start welcome
  on no_match retry 1 then handoff day_desk
  on no_input retry 1 then handoff day_desk
  on closed goto closed_now
  state welcome {
    if open(night) {
      say "The night desk is open."
    } else {
      say "The night desk is closed."
    }
    handoff night_desk
  }
  state closed_now {
    say "Please call the day line."
    handoff day_desk
  }
}
test "friday night, before midnight" {
  flow emergency
  time 2026-11-27 23:00
  expect say "The night desk is open."
  expect handoff night_desk
}
test "friday night, after midnight: saturday 05:59" {
  flow emergency
  time 2026-11-28 05:59
  expect say "The night desk is open."
  expect handoff night_desk
}
test "saturday morning at six: closed" {
  flow emergency
  time 2026-11-28 06:00
  expect say "The night desk is closed."
  expect handoff day_desk
}
test "monday before nine belongs to sunday: closed" {
  flow emergency
  time 2026-11-30 08:00
  expect say "The night desk is closed."
  expect handoff day_desk
}
test "christmas friday: closed, also after midnight" {
  flow emergency
  time 2026-12-26 01:00 "Asia/Shanghai"
  expect say "The night desk is closed."
  expect state closed_now
}
test "the thursday night into christmas morning is open" {
  flow emergency
  time 2026-12-25 02:00
  expect handoff night_desk
}
"#;

#[test]
fn overnight_hours_run_past_midnight_in_conversation_tests() {
    let (analysis, report) = one_file_run("night.csflow", NIGHT_DESK);
    let errors: Vec<_> = analysis
        .diagnostics
        .iter()
        .filter(|d| d.severity == crate::diagnostic::Severity::Error)
        .collect();
    assert!(errors.is_empty(), "overnight ranges are valid: {errors:#?}");
    assert_eq!(report.tests.len(), 6);
    for test in &report.tests {
        assert!(test.passed(), "{}: {:#?}", test.name, test.failure);
    }
}

/// `expect slot more == yes` on a `yes_no` slot compares as yes/no (it once failed with
/// "expected yes, got yes"); `no` and a wrong answer still fail.
#[test]
fn a_yes_no_slot_compares_with_yes_and_no() {
    let flow = r#"queue desk { }
flow survey {
  channel chat
  start q
  slot more: yes_no
  on no_match retry 1 then handoff desk
  state q {
    ask more "More?"
    end
  }
}
"#;
    let run_one = |expected: &str| {
        let tests = format!(
            "test \"t\" {{\n  flow survey\n  send \"yes\"\n  expect slot more == {expected}\n}}\n"
        );
        let inputs = vec![
            ("s.csflow".to_string(), flow.as_bytes().to_vec()),
            ("s.test.csflow".to_string(), tests.into_bytes()),
        ];
        let analysis = crate::analyze(
            inputs,
            &|_| Err(std::io::ErrorKind::NotFound.into()),
            &check::Options::default(),
        );
        assert!(!analysis.has_errors(), "{:#?}", analysis.diagnostics);
        let bundle =
            crate::codegen::generate(analysis.files.iter().map(|(_, f)| f), &analysis.sources)
                .unwrap();
        let bundle = Bundle::from_bytes(&bundle.to_bytes()).unwrap();
        let report = run(
            &analysis.files,
            &analysis.sources,
            &bundle,
            &Options::default(),
        );
        only(&report).failure.clone()
    };
    assert!(run_one("yes").is_none());
    assert!(run_one("true").is_none());
    let failure = run_one("no").expect("`no` fails");
    assert_eq!(
        (failure.expected.as_str(), failure.got.as_str()),
        ("slot more == no", "slot more == yes")
    );
}

/// Runs the `test` blocks of `tests` against the project `flows` (one file each).
fn run_project(flows: &str, tests: &str) -> Report {
    let inputs = vec![
        ("p.csflow".to_string(), flows.as_bytes().to_vec()),
        ("p.test.csflow".to_string(), tests.as_bytes().to_vec()),
    ];
    let analysis = crate::analyze(
        inputs,
        &|_| Err(std::io::ErrorKind::NotFound.into()),
        &check::Options::default(),
    );
    let errors: Vec<_> = analysis
        .diagnostics
        .iter()
        .filter(|d| d.severity == crate::diagnostic::Severity::Error)
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let bundle = crate::codegen::generate_analysis(&analysis).unwrap();
    let bundle = Bundle::from_bytes(&bundle.to_bytes()).unwrap();
    run(
        &analysis.files,
        &analysis.sources,
        &bundle,
        &Options::default(),
    )
}

const FLIGHTS: &str = r#"
queue desk { }
service flights {
  operation find(code: text) returns {
    departs: time,
    plan: enum { plus "Plus 套餐" basic },
    legs: list of { number: text, cabin: enum { y "经济舱" j "公务舱" } }
  }
}
flow f {
  channel chat
  start s
  slot code: text
  on no_match handoff desk
  on error goto failed
  state s {
    ask code "Code?"
    call flights.find(code: code) into r
    if r.departs < 12:00 { say "Morning, {r.plan}." } else { say "Later, {r.plan}." }
    menu "Which leg?" {
      options from r.legs label "{item.number} {item.cabin}" into leg goto picked
      on no_match handoff desk
    }
  }
  state picked {
    say "{leg.number} in {leg.cabin}."
    end
  }
  state failed {
    say "Failed."
    end
  }
}
"#;

#[test]
fn mocked_results_are_typed_and_enum_fields_say_their_labels() {
    let report = run_project(
        FLIGHTS,
        r#"test "typed" {
  flow f
  mock flights.find returns { departs: 09:30, plan: plus, legs: [{ number: "MU1", cabin: j }, { number: "MU2", cabin: y }] }
  send "x"
  expect say "Morning, Plus 套餐."
  expect say "Which leg?"
  send "2"
  expect say "MU2 in 经济舱."
  expect end
}
test "later" {
  flow f
  mock flights.find returns { departs: 17:00, plan: basic, legs: [] }
  send "x"
  expect say "Later, basic."
}"#,
    );
    for test in &report.tests {
        assert!(test.passed(), "{}: {:#?}", test.name, test.failure);
    }
    assert_eq!(report.tests.len(), 2);
}
