//! Property: any sequence of edits (insertions and deletions anywhere, CJK and emoji,
//! half-typed statements), sent as fast as a client can, with requests in between, never
//! crashes or hangs the server, and the diagnostics it ends with are those `csflow check`
//! gives for the final text.

mod support;

use csflow_lsp::diagnostics::to_lsp;
use csflow_lsp::position::{Encoding, Lines, line_starts};
use proptest::prelude::*;
use serde_json::json;
use support::client::Client;
use support::{copy_fixture, uri};
use tower_lsp_server::ls_types::*;

const PIECES: &[&str] = &[
    "goto ",
    "goto main_menu\n",
    "state x {",
    "}",
    "{",
    "\"未完",
    "😀",
    "ask more \"",
    "call cards.",
    "call cards.block(last4: ",
    "if more {",
    "\n",
    "一二三",
    "# 注释 {\n",
    "option \"a\" key 1 goto",
    "say \"你好 {result.",
    "handoff ",
    "end\n",
    "else",
    "\"",
    "/",
    "🎉🎉",
    "slot x: ",
    "flow f {",
    "test \"t\" { flow phone_banking ",
    "\r\n",
    "\t",
    "é",
    "a",
    "",
];

#[derive(Debug, Clone)]
enum Step {
    /// Replace `delete` characters at the fraction `at` of the text with a piece.
    Edit {
        at: f64,
        delete: usize,
        piece: usize,
    },
    /// A request at the fraction `at`, answered while edits are still being analysed.
    Request { at: f64, kind: usize },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (0.0..1.0f64, 0..12usize, 0..PIECES.len()).prop_map(|(at, delete, piece)| Step::Edit { at, delete, piece }),
        1 => (0.0..1.0f64, 0..4usize).prop_map(|(at, kind)| Step::Request { at, kind }),
    ]
}

/// The char boundary nearest below the fraction `at` of `text`.
fn offset_at(text: &str, at: f64) -> usize {
    position_boundary(text, ((text.len() as f64) * at) as usize)
}

/// The nearest offset at or below `offset` that a client can name as a position: a char
/// boundary, and never between the `\r` and the `\n` of a line break, which LSP says no
/// position denotes (the server reads such a column as the end of the line, before `\r`).
fn position_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    if text[..offset].ends_with('\r') && text[offset..].starts_with('\n') {
        offset -= 1;
    }
    offset
}

fn position(text: &str, offset: usize) -> Position {
    let starts = line_starts(text);
    Lines {
        text,
        starts: &starts,
    }
    .position(offset, Encoding::Utf16)
}

fn summary(diagnostics: &[Diagnostic]) -> Vec<(Range, Option<NumberOrString>, String)> {
    let mut out: Vec<_> = diagnostics
        .iter()
        .map(|d| (d.range, d.code.clone(), d.message.clone()))
        .collect();
    out.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
    out
}

async fn session(steps: Vec<Step>) -> Result<(), TestCaseError> {
    let (_dir, root) = copy_fixture("bank");
    let path = root.join("bank.csflow");
    let bank = uri(&path);
    let mut text = std::fs::read_to_string(&path).unwrap();
    let mut client = Client::start();
    client.initialize(&root, json!({})).await;
    client.open(&bank, &text).await;
    let mut version = 1;
    for step in steps {
        match step {
            Step::Edit { at, delete, piece } => {
                let start = offset_at(&text, at);
                let end = text[start..]
                    .char_indices()
                    .nth(delete)
                    .map_or(text.len(), |(i, _)| position_boundary(&text, start + i));
                let (a, b) = (position(&text, start), position(&text, end));
                version += 1;
                client
                    .change(
                        &bank,
                        version,
                        ((a.line, a.character), (b.line, b.character)),
                        PIECES[piece],
                    )
                    .await;
                text.replace_range(start..end, PIECES[piece]);
            }
            Step::Request { at, kind } => {
                let p = position(&text, offset_at(&text, at));
                let at = json!({ "textDocument": { "uri": bank.as_str() }, "position": p });
                let method = [
                    "textDocument/hover",
                    "textDocument/completion",
                    "textDocument/signatureHelp",
                    "textDocument/documentSymbol",
                ][kind];
                let params = if kind == 3 {
                    json!({ "textDocument": { "uri": bank.as_str() } })
                } else {
                    at
                };
                // An answer or an error (content modified); never a crash or a hang.
                let _ = tokio::time::timeout(
                    std::time::Duration::from_secs(30),
                    client.request(method, params),
                )
                .await
                .map_err(|_| TestCaseError::fail(format!("{method} hung")))?;
            }
        }
    }
    let published = client
        .diagnostics(&bank, |p| p.version == Some(version))
        .await;
    // What `csflow check` says about the final text, rendered by the same thin view.
    std::fs::write(&path, &text).unwrap();
    let options = csflow_compiler::config::Config::discover(&root)
        .unwrap()
        .unwrap_or_default()
        .options(None);
    let analysis = csflow_compiler::analyze_paths(std::slice::from_ref(&root), &options).unwrap();
    let key = path.to_string_lossy().into_owned();
    prop_assert!(analysis.sources.find(&key).is_some(), "{key} not checked");
    let expected: Vec<Diagnostic> = analysis
        .diagnostics
        .iter()
        .filter(|d| analysis.sources.get(d.primary.span.file).path == key)
        .map(|d| {
            to_lsp(
                d,
                &analysis.sources,
                Encoding::Utf16,
                csflow_lsp::diagnostics::DEFAULT_EXPLAIN_BASE,
            )
        })
        .collect();
    prop_assert_eq!(
        summary(&published.diagnostics),
        summary(&expected),
        "final text:\n{}",
        text
    );
    client.shutdown().await;
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn random_edits_end_with_the_diagnostics_of_csflow_check(steps in prop::collection::vec(step(), 1..40)) {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        runtime.block_on(session(steps))?;
    }
}
