//! The whole server in-process, driven as a client drives it: diagnostics on open, change,
//! save, close and deletion, csflow.toml and suppression comments, position encodings,
//! and requests that must fail without taking the server down.

mod support;

use serde_json::json;
use support::client::{Client, find};
use support::{copy_fixture, uri};
use tower_lsp_server::ls_types::*;

fn codes(params: &PublishDiagnosticsParams) -> Vec<String> {
    params
        .diagnostics
        .iter()
        .map(|d| match &d.code {
            Some(NumberOrString::String(code)) => code.clone(),
            _ => String::new(),
        })
        .collect()
}

#[tokio::test]
async fn typing_an_error_and_fixing_it_updates_diagnostics_for_the_whole_project() {
    let (_dir, root) = copy_fixture("bank");
    let mut client = Client::start();
    client.initialize(&root, json!({})).await;
    let bank = uri(&root.join("bank.csflow"));
    // Closed files of the workspace are analysed from disk at start-up.
    let first = client
        .diagnostics(&uri(&root.join("common.csflow")), |_| true)
        .await;
    assert!(first.diagnostics.is_empty(), "{first:?}");
    let text = std::fs::read_to_string(root.join("bank.csflow")).unwrap();
    client.open(&bank, &text).await;
    let opened = client.diagnostics(&bank, |p| p.version == Some(1)).await;
    assert!(opened.diagnostics.is_empty(), "{opened:?}");
    // Type a goto to a state that does not exist, after a line of Chinese and an emoji.
    let (line, column) = find(&text, "goto main_menu");
    client
        .change(
            &bank,
            2,
            ((line, column + 5), (line, column + 14)),
            "主菜单",
        )
        .await;
    let broken = client.diagnostics(&bank, |p| p.version == Some(2)).await;
    assert_eq!(codes(&broken), vec!["syntax-error"]);
    client
        .change(
            &bank,
            3,
            ((line, column + 5), (line, column + 8)),
            "main_menuu",
        )
        .await;
    let unknown = client.diagnostics(&bank, |p| p.version == Some(3)).await;
    // The unknown name does not switch the graph checks off: the state it probably means,
    // reached from nowhere else now, is reported too, saying so.
    assert_eq!(codes(&unknown), vec!["unknown-state", "unreachable-state"]);
    assert!(
        unknown.diagnostics[1].message.contains("`main_menu`"),
        "{}",
        unknown.diagnostics[1].message
    );
    let d = &unknown.diagnostics[0];
    assert_eq!(d.range.start, Position::new(line, column + 5));
    assert_eq!(d.range.end, Position::new(line, column + 15));
    assert!(
        d.message.contains("did you mean `main_menu`?"),
        "{}",
        d.message
    );
    assert_eq!(
        d.code_description.as_ref().unwrap().href.as_str(),
        "https://example.invalid/csflow/docs/checks.md#unknown-state"
    );
    // An import broken in the open file shows there; files importing it are analysed too.
    client
        .change(
            &bank,
            4,
            ((line, column + 5), (line, column + 15)),
            "main_menu",
        )
        .await;
    let fixed = client.diagnostics(&bank, |p| p.version == Some(4)).await;
    assert!(fixed.diagnostics.is_empty(), "{fixed:?}");
    client.shutdown().await;
}

#[tokio::test]
async fn a_closed_file_keeps_its_errors_until_fixed_and_a_deleted_one_loses_them() {
    let (_dir, root) = copy_fixture("bank");
    let mut client = Client::start();
    client.initialize(&root, json!({})).await;
    let bank_path = root.join("bank.csflow");
    let bank = uri(&bank_path);
    let text = std::fs::read_to_string(&bank_path).unwrap();
    client.open(&bank, &text).await;
    client.diagnostics(&bank, |p| p.version == Some(1)).await;
    // Break it, save it, close it: the error stays.
    let broken = text.replace("goto main_menu", "goto nowhere");
    client
        .notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": bank.as_str(), "version": 2 }, "contentChanges": [{ "text": broken }] }),
        )
        .await;
    client
        .diagnostics(&bank, |p| codes(p).contains(&"unknown-state".to_string()))
        .await;
    std::fs::write(&bank_path, &broken).unwrap();
    client
        .notify(
            "textDocument/didSave",
            json!({ "textDocument": { "uri": bank.as_str() } }),
        )
        .await;
    client
        .notify(
            "textDocument/didClose",
            json!({ "textDocument": { "uri": bank.as_str() } }),
        )
        .await;
    // After closing, the file is read from disk: still broken, so nothing new to say, or the
    // same error again. Now another file changes on disk: the error is still reported.
    let common = root.join("common.csflow");
    let common_text = std::fs::read_to_string(&common).unwrap();
    std::fs::write(&common, format!("{common_text}\nqueue extra {{ }}\n")).unwrap();
    client
        .notify(
            "workspace/didChangeWatchedFiles",
            json!({ "changes": [{ "uri": uri(&common).as_str(), "type": 2 }] }),
        )
        .await;
    let common_now = client
        .diagnostics(&uri(&common), |p| !p.diagnostics.is_empty())
        .await;
    assert_eq!(codes(&common_now), vec!["unused-queue"]);
    let all = client.drain();
    assert!(
        !all.iter()
            .any(|p| p.uri == bank && p.diagnostics.is_empty()),
        "the closed file's error was cleared: {all:?}"
    );
    // Deleting the broken file clears its diagnostics.
    std::fs::remove_file(&bank_path).unwrap();
    client
        .notify(
            "workspace/didChangeWatchedFiles",
            json!({ "changes": [{ "uri": bank.as_str(), "type": 3 }] }),
        )
        .await;
    client
        .diagnostics(&bank, |p| p.diagnostics.is_empty())
        .await;
    client.shutdown().await;
}

#[tokio::test]
async fn csflow_toml_levels_and_allow_comments_are_honoured() {
    let (_dir, root) = copy_fixture("broken");
    let hotline = uri(&root.join("hotline.csflow"));
    let mut client = Client::start();
    client.initialize(&root, json!({})).await;
    let before = client.diagnostics(&hotline, |_| true).await;
    assert!(
        codes(&before).contains(&"missing-no-match".to_string()),
        "{before:?}"
    );
    std::fs::write(
        root.join("csflow.toml"),
        "[checks]\nmissing-no-match = \"deny\"\n",
    )
    .unwrap();
    client
        .notify(
            "workspace/didChangeWatchedFiles",
            json!({ "changes": [{ "uri": uri(&root.join("csflow.toml")).as_str(), "type": 1 }] }),
        )
        .await;
    let denied = client
        .diagnostics(&hotline, |p| {
            p.diagnostics.iter().any(|d| {
                d.code == Some(NumberOrString::String("missing-no-match".into()))
                    && d.severity == Some(DiagnosticSeverity::ERROR)
            })
        })
        .await;
    assert!(!denied.diagnostics.is_empty());
    // An allow comment in the open document silences the warning (levels back to default).
    std::fs::write(root.join("csflow.toml"), "").unwrap();
    let text = std::fs::read_to_string(root.join("hotline.csflow")).unwrap();
    let silenced = text.replace(
        "    ask plan",
        "    # csflow: allow(missing-no-match)\n    ask plan",
    );
    client.open(&hotline, &silenced).await;
    let now = client.diagnostics(&hotline, |p| p.version == Some(1)).await;
    assert!(
        !codes(&now).contains(&"missing-no-match".to_string()),
        "{now:?}"
    );
    assert!(
        codes(&now).contains(&"unknown-state".to_string()),
        "{now:?}"
    );
    client.shutdown().await;
}

#[tokio::test]
async fn utf8_positions_when_the_client_offers_them() {
    let (_dir, root) = copy_fixture("broken");
    let hotline = uri(&root.join("hotline.csflow"));
    let mut client = Client::start();
    let init = client
        .initialize(
            &root,
            json!({ "general": { "positionEncodings": ["utf-8", "utf-16"] } }),
        )
        .await;
    assert_eq!(init["capabilities"]["positionEncoding"], "utf-8");
    let text = std::fs::read_to_string(root.join("hotline.csflow")).unwrap();
    client.open(&hotline, &text).await;
    let published = client.diagnostics(&hotline, |p| p.version == Some(1)).await;
    let syntax = published
        .diagnostics
        .iter()
        .find(|d| d.code == Some(NumberOrString::String("syntax-error".into())))
        .unwrap();
    // `      goto 升级`: the error is on 升, 11 bytes in, 3 bytes long.
    assert_eq!(syntax.range.start.character, 11);
    assert_eq!(syntax.range.end.character, 14);
    // An edit in UTF-8 columns: replace 升级 (bytes 11..17) with a valid name.
    let line = syntax.range.start.line;
    client
        .change(&hotline, 2, ((line, 11), (line, 17)), "upgrade")
        .await;
    let after = client.diagnostics(&hotline, |p| p.version == Some(2)).await;
    assert!(
        !codes(&after).contains(&"syntax-error".to_string()),
        "{after:?}"
    );
    client.shutdown().await;
}

#[tokio::test]
async fn bad_requests_answer_errors_and_the_server_carries_on() {
    let (_dir, root) = copy_fixture("bank");
    let mut client = Client::start();
    client.initialize(&root, json!({})).await;
    // Parameters of the wrong shape: an error, not a crash.
    let error = client
        .request("textDocument/hover", json!({ "nonsense": true }))
        .await;
    assert!(error.is_err(), "{error:?}");
    // A document nobody opened, in no project: no answer, no crash.
    let nothing = client
        .request(
            "textDocument/documentSymbol",
            json!({ "textDocument": { "uri": "file:///nowhere/none.csflow" } }),
        )
        .await;
    assert_eq!(nothing, Ok(serde_json::Value::Null));
    // Edits for documents never opened, and out-of-range edits, are ignored or clamped.
    let bank = uri(&root.join("bank.csflow"));
    client
        .change(&uri(&root.join("ghost.csflow")), 2, ((0, 0), (0, 0)), "x")
        .await;
    let text = std::fs::read_to_string(root.join("bank.csflow")).unwrap();
    client.open(&bank, &text).await;
    client
        .change(&bank, 2, ((9999, 5), (99999, 0)), "\n# 末尾 😀\n")
        .await;
    let published = client.diagnostics(&bank, |p| p.version == Some(2)).await;
    assert!(published.diagnostics.is_empty(), "{published:?}");
    // The server still answers.
    let symbols = client
        .request(
            "textDocument/documentSymbol",
            json!({ "textDocument": { "uri": bank.as_str() } }),
        )
        .await
        .unwrap();
    assert!(symbols.as_array().is_some_and(|a| !a.is_empty()));
    client.shutdown().await;
}

/// The text after the server's formatting edits, and the edits as a snapshot shows them.
fn formatted(text: &str, answer: &serde_json::Value) -> (String, String) {
    let edits: Vec<TextEdit> = serde_json::from_value(answer.clone()).unwrap();
    let shown = edits
        .iter()
        .map(|e| {
            format!(
                "{}:{}..{}:{} ← {:?}",
                e.range.start.line,
                e.range.start.character,
                e.range.end.line,
                e.range.end.character,
                e.new_text
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    (
        support::apply_edits(text, &edits, csflow_lsp::position::Encoding::Utf16),
        shown,
    )
}

#[tokio::test]
async fn formatting_answers_the_formatters_layout_as_one_edit_over_the_changed_lines() {
    let (_dir, root) = copy_fixture("bank");
    let mut client = Client::start();
    let init = client.initialize(&root, json!({})).await;
    assert_eq!(
        init["capabilities"]["documentFormattingProvider"],
        json!(true)
    );
    let bank = uri(&root.join("bank.csflow"));
    let clean = std::fs::read_to_string(root.join("bank.csflow")).unwrap();
    // Odd spacing in two places, a blank-line run, a trailing comment, Chinese text.
    let messy = clean
        .replace(
            "      option \"营业时间\" key 2 goto hours_info",
            "      option   \"营业时间\"  key 2   goto hours_info   # 营业时间 😀",
        )
        .replace("  state goodbye {\n", "\n\n\n  state   goodbye{\n");
    assert_ne!(messy, clean);
    client.open(&bank, &messy).await;
    let params = json!({
        "textDocument": { "uri": bank.as_str() },
        "options": { "tabSize": 8, "insertSpaces": false }
    });
    let answer = client
        .request("textDocument/formatting", params.clone())
        .await
        .unwrap();
    let (text, shown) = formatted(&messy, &answer);
    // Exactly what `csflow fmt` writes (the client's tab settings are not read).
    let expected =
        csflow_compiler::format::format_file(csflow_compiler::source::FileId(0), &messy).unwrap();
    assert_eq!(text, expected);
    assert!(text.contains("# 营业时间 😀"), "{text}");
    insta::assert_snapshot!(format!("{shown}\n---\n{text}"));
    // Once applied, formatting again changes nothing.
    client
        .notify(
            "textDocument/didChange",
            json!({
                "textDocument": { "uri": bank.as_str(), "version": 2 },
                "contentChanges": [{ "text": text }]
            }),
        )
        .await;
    let again = client
        .request("textDocument/formatting", params.clone())
        .await
        .unwrap();
    assert_eq!(again, json!([]));
    // A document with a syntax error is left alone (its diagnostics say why).
    let half_typed = text.replace(
        "goto goodbye\n  }\n\n  state goodbye",
        "goto\n  }\n\n  state goodbye",
    );
    assert_ne!(half_typed, text);
    client
        .notify(
            "textDocument/didChange",
            json!({
                "textDocument": { "uri": bank.as_str(), "version": 3 },
                "contentChanges": [{ "text": half_typed }]
            }),
        )
        .await;
    let broken = client
        .request("textDocument/formatting", params)
        .await
        .unwrap();
    assert_eq!(broken, serde_json::Value::Null);
    client.shutdown().await;
}

/// A project past `previousAnalysisMaxBytes` (0 here: every project) has its last analysis
/// freed before the next one runs: requests right after an edit wait for the new analysis
/// and answer from the new text, never an error or the old text.
#[tokio::test]
async fn without_room_for_two_analyses_requests_wait_for_the_new_one() {
    let (_dir, root) = copy_fixture("bank");
    let mut client = Client::start();
    client
        .initialize_with(
            &root,
            json!({}),
            json!({ "debounceMs": 1, "previousAnalysisMaxBytes": 0 }),
        )
        .await;
    let bank = uri(&root.join("bank.csflow"));
    let text = std::fs::read_to_string(root.join("bank.csflow")).unwrap();
    client.open(&bank, &text).await;
    let opened = client.diagnostics(&bank, |p| p.version == Some(1)).await;
    assert!(opened.diagnostics.is_empty(), "{opened:?}");
    let (line, column) = find(&text, "goto main_menu");
    let definition = |line: u32, character: u32| json!({ "textDocument": { "uri": bank.as_str() }, "position": { "line": line, "character": character } });
    for (version, name) in [(2, "main_menuu"), (3, "main_menu")] {
        let old = if version == 2 { 9 } else { 10 };
        client
            .change(
                &bank,
                version,
                ((line, column + 5), (line, column + 5 + old)),
                name,
            )
            .await;
        // Asked at once: answered from this version, whose name is `name`.
        let answer = client
            .request("textDocument/definition", definition(line, column + 7))
            .await
            .expect("answered, not an error");
        // Completion reads whatever analysis there is, else waits for one: answered.
        let completion = client
            .request("textDocument/completion", definition(line, column + 7))
            .await
            .expect("answered, not an error");
        assert!(completion.to_string().contains("main_menu"), "{completion}");
        if version == 2 {
            assert!(answer.is_null(), "main_menuu names nothing: {answer}");
        } else {
            assert!(answer.to_string().contains("bank.csflow"), "{answer}");
        }
        let published = client
            .diagnostics(&bank, |p| p.version == Some(version))
            .await;
        let unknown = codes(&published).contains(&"unknown-state".to_string());
        assert_eq!(unknown, version == 2, "{published:?}");
    }
    client.shutdown().await;
}
