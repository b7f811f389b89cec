//! Snapshots of every renderer on one small project with Chinese text, plus the structural
//! checks that snapshots cannot make (SARIF shape, char columns).

use super::*;
use crate::diagnostic::ids;
use crate::diagnostic::{Applicability, Edit, Fix};
use crate::source::{FileId, SourceMap, Span};
use serde_json::Value;

const BANK: &str = r#"queue general { }

flow bank {
  channel voice
  start welcome

  state welcome {
    say "欢迎致电银行。"
    menu "查询余额请按1，人工服务请按0。" {
      option "余额" key 1 goto balanse
      option "人工" key 0 handoff general
    }
  }

  state balance {
    say "您的余额是100元。"
    end
  }

  state 旧菜单_old {
    say "再见"
    end
  }
}
"#;

const QUEUES: &str = "# 共用队列\nqueue general { }\n";

fn span_of(sources: &SourceMap, file: FileId, needle: &str, nth: usize) -> Span {
    let text = &sources.get(file).text;
    let start = text
        .match_indices(needle)
        .nth(nth)
        .map(|(i, _)| i)
        .expect("needle in text");
    Span::new(file, start, start + needle.len())
}

/// Two files, three diagnostics: an error with a fix and a note, a warning with a secondary
/// label in the same file, and an error whose secondary label is in the other file.
fn fixture() -> (SourceMap, Vec<Diagnostic>) {
    let mut sources = SourceMap::new();
    let bank = sources.add("flows/bank.csflow", BANK);
    let queues = sources.add("flows/共用/queues.csflow", QUEUES);
    let typo = span_of(&sources, bank, "balanse", 0);
    let unknown_state = Diagnostic::new(ids::UNKNOWN_STATE, typo, "unknown state `balanse`")
        .with_primary_message("no state of this name in flow `bank`")
        .with_note("the states of `bank` are: welcome, balance, 旧菜单_old")
        .with_fix(Fix {
            title: "Replace with `balance`".into(),
            edits: smallvec::smallvec![Edit {
                span: typo,
                replacement: "balance".into(),
            }],
            applicability: Applicability::Safe,
        });
    let orphan = span_of(&sources, bank, "旧菜单_old", 0);
    let state_start = BANK.find("  state 旧菜单_old").expect("state");
    let state_end = BANK.rfind("  }\n}").expect("end") + 4;
    let unreachable = Diagnostic::new(
        ids::UNREACHABLE_STATE,
        orphan,
        "state `旧菜单_old` is never reached",
    )
    .with_primary_message("no `goto` leads here")
    .with_label(
        span_of(&sources, bank, "start welcome", 0),
        "the flow starts here",
    )
    .with_fix(Fix {
        title: "Remove state `旧菜单_old`".into(),
        edits: smallvec::smallvec![Edit {
            span: Span::new(bank, state_start, state_end),
            replacement: String::new(),
        }],
        applicability: Applicability::Unsafe,
    });
    let duplicate = Diagnostic::new(
        ids::DUPLICATE_DEFINITION,
        span_of(&sources, queues, "general", 0),
        "queue `general` is defined twice",
    )
    .with_primary_message("defined again here")
    .with_label(span_of(&sources, bank, "general", 0), "first defined here")
    .with_note("declarations are global across a project: rename one of them");
    let mut diagnostics = vec![unreachable, duplicate, unknown_state];
    crate::diagnostic::sort(&mut diagnostics);
    (sources, diagnostics)
}

#[test]
fn human_plain() {
    let (sources, diagnostics) = fixture();
    insta::assert_snapshot!(human(&diagnostics, &sources, false));
}

#[test]
fn human_color_uses_ansi_escapes() {
    let (sources, diagnostics) = fixture();
    let colored = human(&diagnostics, &sources, true);
    assert!(colored.contains("\u{1b}["), "expected ANSI escapes");
    assert!(!human(&diagnostics, &sources, false).contains('\u{1b}'));
}

#[test]
fn short_format() {
    let (sources, diagnostics) = fixture();
    insta::assert_snapshot!(short(&diagnostics, &sources));
}

#[test]
fn json_format() {
    let (sources, diagnostics) = fixture();
    insta::assert_snapshot!(json(&diagnostics, &sources));
}

#[test]
fn github_format() {
    let (sources, diagnostics) = fixture();
    insta::assert_snapshot!(github(&diagnostics, &sources));
}

#[test]
fn sarif_results() {
    let (sources, diagnostics) = fixture();
    let log: Value = serde_json::from_str(&sarif(&diagnostics, &sources)).expect("valid JSON");
    // The rules are the registry (covered by the validation test); snapshot what varies.
    let results = serde_json::to_string_pretty(&log["runs"][0]["results"]).expect("json");
    insta::assert_snapshot!(results);
}

#[test]
fn summary_counts_and_reads_well() {
    let (sources, diagnostics) = fixture();
    let summary = summary(&diagnostics, sources.len());
    assert_eq!(
        summary,
        Summary {
            files: 2,
            errors: 2,
            warnings: 1
        }
    );
    assert_eq!(summary.to_string(), "2 errors, 1 warning in 2 files");
}

#[test]
fn json_matches_the_interface_and_counts_chars_not_bytes() {
    let (sources, diagnostics) = fixture();
    let document: Value = serde_json::from_str(&json(&diagnostics, &sources)).expect("valid JSON");
    assert_eq!(document["version"], 1);
    assert_eq!(document["summary"]["files"], 2);
    assert_eq!(document["summary"]["errors"], 2);
    assert_eq!(document["summary"]["warnings"], 1);
    let unknown = document["diagnostics"]
        .as_array()
        .expect("array")
        .iter()
        .find(|d| d["name"] == "unknown-state")
        .expect("unknown-state");
    assert_eq!(unknown["code"], "E0004");
    assert_eq!(unknown["severity"], "error");
    assert_eq!(unknown["file"], "flows/bank.csflow");
    // `      option "余额" key 1 goto balanse`: the two Chinese chars are 6 bytes but 2 columns.
    let line = BANK
        .lines()
        .position(|l| l.contains("balanse"))
        .expect("line")
        + 1;
    let line_text = BANK.lines().nth(line - 1).expect("line");
    let byte_column = line_text.find("balanse").expect("col") + 1;
    let char_column = line_text[..byte_column - 1].chars().count() + 1;
    assert_ne!(byte_column, char_column);
    assert_eq!(unknown["range"]["start"]["line"], line);
    assert_eq!(unknown["range"]["start"]["column"], char_column);
    assert_eq!(
        unknown["range"]["end"]["column"],
        char_column + "balanse".len()
    );
    assert_eq!(unknown["notes"].as_array().map(Vec::len), Some(1));
    assert_eq!(unknown["fix"]["edits"][0]["replacement"], "balance");
    let duplicate = document["diagnostics"]
        .as_array()
        .expect("array")
        .iter()
        .find(|d| d["name"] == "duplicate-definition")
        .expect("duplicate-definition");
    assert_eq!(duplicate["labels"][0]["file"], "flows/bank.csflow");
    assert_eq!(duplicate["labels"][0]["message"], "first defined here");
    assert_eq!(
        duplicate["labels"][0]["range"]["start"],
        serde_json::json!({"line": 1, "column": 7})
    );
}

#[test]
fn short_and_github_columns_count_chars() {
    let (sources, diagnostics) = fixture();
    let text = short(&diagnostics, &sources);
    // `  state 旧菜单_old {` on line 20: the name starts at column 9.
    assert!(
        text.contains("flows/bank.csflow:20:9: warning[W0101/unreachable-state]: "),
        "{text}"
    );
    let github = github(&diagnostics, &sources);
    assert!(
        github.contains("line=20,col=9,endLine=20,endColumn=16,"),
        "{github}"
    );
}

#[test]
fn github_escapes_data_and_properties() {
    let mut sources = SourceMap::new();
    let file = sources.add("a,b:c.csflow", "queue x { }\n");
    let diagnostic = Diagnostic::new(
        ids::UNUSED_QUEUE,
        Span::new(file, 6, 7),
        "100% unused,\r\nreally: yes",
    );
    let text = github(&[diagnostic], &sources);
    assert_eq!(
        text,
        "::warning file=a%2Cb%3Ac.csflow,line=1,col=7,endLine=1,endColumn=8,\
         title=unused-queue (W0119)::100%25 unused,%0D%0Areally: yes\n"
    );
}

#[test]
fn renderers_survive_spans_outside_their_file() {
    let mut sources = SourceMap::new();
    let file = sources.add("a.csflow", "say \"你好\"\n");
    let inside_char = Diagnostic::new(ids::SYNTAX_ERROR, Span::new(file, 6, 100), "broken");
    let missing_file = Diagnostic::new(ids::SYNTAX_ERROR, Span::new(FileId(7), 0, 1), "lost");
    let diagnostics = [inside_char, missing_file];
    for text in [
        human(&diagnostics, &sources, false),
        short(&diagnostics, &sources),
        json(&diagnostics, &sources),
        sarif(&diagnostics, &sources),
        github(&diagnostics, &sources),
    ] {
        assert!(text.contains("broken") && text.contains("lost"), "{text}");
    }
}

// ---- SARIF 2.1.0 structure -------------------------------------------------------------

fn object<'a>(value: &'a Value, what: &str) -> &'a serde_json::Map<String, Value> {
    value
        .as_object()
        .unwrap_or_else(|| panic!("{what} must be an object: {value}"))
}

fn string<'a>(value: &'a Value, what: &str) -> &'a str {
    value
        .as_str()
        .unwrap_or_else(|| panic!("{what} must be a string: {value}"))
}

fn positive(value: &Value, what: &str) -> u64 {
    let number = value
        .as_u64()
        .unwrap_or_else(|| panic!("{what} must be an integer: {value}"));
    assert!(number >= 1, "{what} must be >= 1");
    number
}

/// `message` and the multiformat messages of rules: an object with a string `text`.
fn message(value: &Value, what: &str) {
    object(value, what);
    string(&value["text"], &format!("{what}.text"));
}

fn level(value: &Value, what: &str) {
    let level = string(value, what);
    assert!(
        ["none", "note", "warning", "error"].contains(&level),
        "{what}: bad level {level}"
    );
}

fn physical_location(value: &Value, what: &str) {
    object(value, what);
    let uri = string(
        &value["artifactLocation"]["uri"],
        &format!("{what}.artifactLocation.uri"),
    );
    assert!(
        !uri.contains('\\') && !uri.contains(' '),
        "{what}: uri {uri} is not a URI reference"
    );
    let region = &value["region"];
    object(region, &format!("{what}.region"));
    let start_line = positive(&region["startLine"], "region.startLine");
    let start_column = positive(&region["startColumn"], "region.startColumn");
    let end_line = positive(&region["endLine"], "region.endLine");
    let end_column = positive(&region["endColumn"], "region.endColumn");
    assert!(
        (start_line, start_column) <= (end_line, end_column),
        "{what}: region runs backwards"
    );
}

#[test]
fn sarif_is_structurally_valid_2_1_0() {
    let (sources, diagnostics) = fixture();
    let log: Value = serde_json::from_str(&sarif(&diagnostics, &sources)).expect("valid JSON");
    // sarifLog: required version (the enum "2.1.0") and runs; $schema a URI.
    object(&log, "log");
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(
        log["$schema"],
        "https://json.schemastore.org/sarif-2.1.0.json"
    );
    let runs = log["runs"].as_array().expect("runs must be an array");
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    // run: required tool; tool: required driver; toolComponent: required name.
    object(run, "run");
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let driver = &run["tool"]["driver"];
    object(driver, "tool.driver");
    assert_eq!(string(&driver["name"], "driver.name"), "csflow");
    string(&driver["version"], "driver.version");
    // SARIF2005 (sarif-multitool): the tool says where to learn more about it.
    assert!(string(&driver["informationUri"], "driver.informationUri").starts_with("https://"));
    let rules = driver["rules"]
        .as_array()
        .expect("driver.rules must be an array");
    assert_eq!(
        rules.len(),
        crate::diagnostic::CHECKS.len(),
        "one rule per check"
    );
    let mut ids = std::collections::HashSet::new();
    for (index, rule) in rules.iter().enumerate() {
        // reportingDescriptor: required id.
        object(rule, "rule");
        let id = string(&rule["id"], "rule.id");
        assert!(ids.insert(id.to_string()), "rule id {id} repeated");
        assert_eq!(id, crate::diagnostic::CHECKS[index].name);
        // SARIF1001: a rule's name is not its id; every rule links to its explanation.
        assert_ne!(string(&rule["name"], "rule.name"), id);
        assert!(
            string(&rule["helpUri"], "rule.helpUri").ends_with(&format!("docs/checks.md#{id}"))
        );
        message(&rule["shortDescription"], "rule.shortDescription");
        message(&rule["fullDescription"], "rule.fullDescription");
        message(&rule["help"], "rule.help");
        level(
            &rule["defaultConfiguration"]["level"],
            "rule.defaultConfiguration.level",
        );
    }
    let results = run["results"]
        .as_array()
        .expect("run.results must be an array");
    assert_eq!(results.len(), diagnostics.len());
    for (result, diagnostic) in results.iter().zip(&diagnostics) {
        // result: required message.
        object(result, "result");
        message(&result["message"], "result.message");
        let rule_id = string(&result["ruleId"], "result.ruleId");
        assert_eq!(rule_id, diagnostic.name());
        let rule_index = result["ruleIndex"]
            .as_u64()
            .expect("ruleIndex must be an integer") as usize;
        assert_eq!(
            rules[rule_index]["id"], rule_id,
            "ruleIndex must point at the rule with ruleId"
        );
        level(&result["level"], "result.level");
        let locations = result["locations"]
            .as_array()
            .expect("locations must be an array");
        assert_eq!(locations.len(), 1);
        physical_location(
            &locations[0]["physicalLocation"],
            "location.physicalLocation",
        );
        let related = result["relatedLocations"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        assert_eq!(related.len(), diagnostic.secondary.len());
        for location in related {
            location["id"]
                .as_u64()
                .expect("relatedLocation.id must be a non-negative integer");
            physical_location(
                &location["physicalLocation"],
                "relatedLocation.physicalLocation",
            );
            message(&location["message"], "relatedLocation.message");
        }
        for fix in result["fixes"].as_array().map(Vec::as_slice).unwrap_or(&[]) {
            // fix: required artifactChanges; artifactChange: required artifactLocation and
            // replacements; replacement: required deletedRegion.
            message(&fix["description"], "fix.description");
            for change in fix["artifactChanges"].as_array().expect("artifactChanges") {
                string(&change["artifactLocation"]["uri"], "artifactChange.uri");
                for replacement in change["replacements"].as_array().expect("replacements") {
                    object(&replacement["deletedRegion"], "deletedRegion");
                    string(
                        &replacement["insertedContent"]["text"],
                        "insertedContent.text",
                    );
                }
            }
        }
    }
    // A Chinese path becomes a percent-encoded URI reference.
    let uris: Vec<&str> = results
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap_or("")
        })
        .collect();
    assert!(
        uris.contains(&"flows/%E5%85%B1%E7%94%A8/queues.csflow"),
        "{uris:?}"
    );
}
