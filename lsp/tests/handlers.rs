//! Handler answers on multi-file fixtures with Chinese text and emoji, drawn under the
//! source and snapshotted (`$0` marks the cursor).

mod support;

use csflow_lsp::handlers;
use csflow_lsp::position::Encoding;
use support::{apply_edits, project, project_with};
use tower_lsp_server::ls_types::*;

fn markdown(hover: Option<Hover>) -> String {
    match hover.map(|h| h.contents) {
        Some(HoverContents::Markup(markup)) => markup.value,
        other => format!("{other:?}"),
    }
}

#[test]
fn diagnostics_match_the_compiler_with_utf16_ranges_codes_links_and_related_information() {
    for encoding in [Encoding::Utf16, Encoding::Utf8] {
        let fixture = project_with("broken", &[], encoding);
        let ctx = fixture.ctx("hotline.csflow");
        let mut out = String::new();
        for diagnostic in &fixture.snapshot.analysis.diagnostics {
            let lsp = csflow_lsp::diagnostics::to_lsp(
                diagnostic,
                ctx.sources(),
                encoding,
                ctx.explain_base,
            );
            let file = fixture.name_of(
                &csflow_lsp::documents::uri_for(
                    &ctx.sources().get(diagnostic.primary.span.file).path,
                )
                .unwrap(),
            );
            let code = match &lsp.code {
                Some(NumberOrString::String(code)) => code.clone(),
                other => format!("{other:?}"),
            };
            out.push_str(&fixture.draw(
                &file,
                lsp.range,
                &format!(
                    "{:?} {code}: {}",
                    lsp.severity.unwrap(),
                    lsp.message.replace('\n', " | ")
                ),
            ));
            out.push_str(&format!(
                "    range {:?}\n",
                (
                    lsp.range.start.line,
                    lsp.range.start.character,
                    lsp.range.end.line,
                    lsp.range.end.character
                )
            ));
            out.push_str(&format!(
                "    explained at {}\n",
                lsp.code_description.unwrap().href.as_str()
            ));
            for related in lsp.related_information.unwrap_or_default() {
                out.push_str(
                    &fixture
                        .draw_location(&related.location, &format!("related: {}", related.message)),
                );
            }
        }
        let name = match encoding {
            Encoding::Utf16 => "diagnostics_utf16",
            Encoding::Utf8 => "diagnostics_utf8",
        };
        insta::assert_snapshot!(name, out);
    }
}

#[test]
fn outline_lists_flows_states_slots_declarations_entries_and_tests() {
    let fixture = project("bank", &[]);
    let mut out = String::new();
    for file in ["common.csflow", "bank.csflow", "bank.test.csflow"] {
        let Some(DocumentSymbolResponse::Nested(symbols)) =
            handlers::symbols::document_symbols(&fixture.ctx(file))
        else {
            panic!("no outline");
        };
        fn print(out: &mut String, symbols: &[DocumentSymbol], depth: usize) {
            for s in symbols {
                out.push_str(&format!(
                    "{}{:?} {} {} [{}:{}-{}:{}]\n",
                    "  ".repeat(depth),
                    s.kind,
                    s.name,
                    s.detail.clone().unwrap_or_default(),
                    s.selection_range.start.line + 1,
                    s.selection_range.start.character,
                    s.selection_range.end.line + 1,
                    s.selection_range.end.character
                ));
                print(out, s.children.as_deref().unwrap_or_default(), depth + 1);
            }
        }
        out.push_str(&format!("== {file}\n"));
        print(&mut out, &symbols, 0);
    }
    insta::assert_snapshot!(out);
}

#[test]
fn workspace_symbols_match_fuzzily_across_files() {
    let fixture = project("bank", &[]);
    let snapshot = std::sync::Arc::new(fixture.snapshot);
    let Some(WorkspaceSymbolResponse::Flat(found)) =
        handlers::symbols::workspace_symbols(&[snapshot], "card", Encoding::Utf16)
    else {
        panic!("no symbols");
    };
    let mut names: Vec<String> = found
        .iter()
        .map(|s| format!("{:?} {} in {:?}", s.kind, s.name, s.container_name))
        .collect();
    names.sort();
    insta::assert_snapshot!(names.join("\n"));
}

#[test]
fn folding_ranges() {
    let fixture = project("bank", &[]);
    let ranges = handlers::folding::folding_ranges(&fixture.ctx("common.csflow")).unwrap();
    let text = fixture.text("common.csflow");
    let lines: Vec<&str> = text.lines().collect();
    let out: Vec<String> = ranges
        .iter()
        .map(|r| {
            format!(
                "{}-{} {:?}: {}",
                r.start_line + 1,
                r.end_line + 1,
                r.kind,
                lines[r.start_line as usize]
            )
        })
        .collect();
    insta::assert_snapshot!(out.join("\n"));
}

#[test]
fn semantic_tokens_cover_keywords_names_strings_and_interpolations() {
    let fixture = project("bank", &[]);
    let ctx = fixture.ctx("bank.csflow");
    let tokens = handlers::tokens::semantic_tokens(&ctx);
    let legend = handlers::tokens::legend();
    let text = fixture.text("bank.csflow");
    let utf16: Vec<Vec<u16>> = text.lines().map(|l| l.encode_utf16().collect()).collect();
    let (mut line, mut column) = (0u32, 0u32);
    let mut out = String::new();
    for token in &tokens {
        if token.delta_line > 0 {
            line += token.delta_line;
            column = token.delta_start;
        } else {
            column += token.delta_start;
        }
        // Only lines 19-40 (welcome..card_services) to keep the snapshot readable.
        if !(19..=40).contains(&(line + 1)) {
            continue;
        }
        let units = &utf16[line as usize][column as usize..(column + token.length) as usize];
        out.push_str(&format!(
            "{}:{} {} {}{}\n",
            line + 1,
            column,
            String::from_utf16_lossy(units),
            legend.token_types[token.token_type as usize].as_str(),
            if token.token_modifiers_bitset & 1 == 1 {
                " (declaration)"
            } else {
                ""
            }
        ));
    }
    insta::assert_snapshot!(out);
}

#[test]
fn document_links_open_imports() {
    let fixture = project("bank", &[]);
    let links = handlers::links::document_links(&fixture.ctx("bank.test.csflow")).unwrap();
    let out: Vec<String> = links
        .iter()
        .map(|l| {
            fixture.draw(
                "bank.test.csflow",
                l.range,
                &format!("→ {}", fixture.name_of(l.target.as_ref().unwrap())),
            )
        })
        .collect();
    insta::assert_snapshot!(out.join(""));
}

fn labels(response: Option<CompletionResponse>) -> String {
    match response {
        Some(CompletionResponse::Array(items)) => items
            .iter()
            .map(|i| {
                format!(
                    "{} ({:?}) {}",
                    i.label,
                    i.kind.unwrap(),
                    i.detail.clone().unwrap_or_default()
                )
            })
            .collect::<Vec<_>>()
            .join("\n"),
        other => format!("{other:?}"),
    }
}

fn complete(file: &str, find: &str, replace: &str) -> String {
    let fixture = project("bank", &[(file, find, replace)]);
    let (ctx, position) = fixture.at_cursor();
    let uri = csflow_lsp::documents::uri_for(&ctx.source().path).unwrap();
    let document = csflow_lsp::documents::Document::new(uri, 1, ctx.text().to_string());
    labels(handlers::completion::complete(
        &document,
        Some(&ctx),
        position,
        Encoding::Utf16,
    ))
}

#[test]
fn completion_knows_what_fits_where() {
    let cases = [
        (
            "goto",
            "bank.csflow",
            "    goto main_menu\n",
            "    goto $0\n",
        ),
        (
            "handoff",
            "bank.csflow",
            "      handoff general reason",
            "      handoff $0 reason",
        ),
        ("ask", "bank.csflow", "    ask more ", "    ask $0more "),
        (
            "interpolation",
            "bank.csflow",
            "编号 {result.reference}",
            "编号 {$0",
        ),
        (
            "field",
            "bank.csflow",
            "编号 {result.reference}",
            "编号 {result.$0",
        ),
        (
            "operation",
            "bank.csflow",
            "call cards.block(",
            "call cards.$0block(",
        ),
        (
            "answer_from",
            "bank.csflow",
            "answer from faq",
            "answer from $0faq",
        ),
        (
            "intent",
            "bank.csflow",
            "when intent agent",
            "when intent $0agent",
        ),
        ("condition", "bank.csflow", "if more {", "if $0more {"),
        (
            "state_keywords",
            "bank.csflow",
            "    say \"再见。\"\n",
            "    $0\n    say \"再见。\"\n",
        ),
        (
            "flow_keywords",
            "bank.csflow",
            "  state goodbye {",
            "  $0\n  state goodbye {",
        ),
        (
            "top_level",
            "bank.csflow",
            "\nflow phone_banking",
            "\n$0\nflow phone_banking",
        ),
        (
            "slot_type",
            "bank.csflow",
            "slot more: yes_no",
            "slot more: $0yes_no",
        ),
        (
            "test_expect_state",
            "bank.test.csflow",
            "expect state card_services",
            "expect state $0card_services",
        ),
        (
            "test_mock",
            "bank.test.csflow",
            "mock cards.block",
            "mock $0cards.block",
        ),
        ("in_string", "bank.csflow", "再见。", "再$0见。"),
    ];
    let mut out = String::new();
    for (name, file, find, replace) in cases {
        out.push_str(&format!(
            "== {name}: {}\n{}\n",
            replace.trim(),
            complete(file, find, replace)
        ));
    }
    insta::assert_snapshot!(out);
}

fn hover_at(find: &str, replace: &str, file: &str, fixture_name: &str) -> String {
    let fixture = project(fixture_name, &[(file, find, replace)]);
    let (ctx, position) = fixture.at_cursor();
    markdown(handlers::hover::hover(&ctx, position))
}

#[test]
fn hover_on_definitions_says_what_a_designer_needs() {
    let cases = [
        (
            "state",
            "bank.csflow",
            "state card_services",
            "state card_$0services",
        ),
        (
            "slot",
            "bank.csflow",
            "slot card_last4",
            "slot card_$0last4",
        ),
        ("queue", "common.csflow", "queue general", "queue gen$0eral"),
        (
            "always_open_queue",
            "common.csflow",
            "queue care",
            "queue ca$0re",
        ),
        (
            "intent",
            "common.csflow",
            "intent lost_card",
            "intent lost$0_card",
        ),
        (
            "operation",
            "common.csflow",
            "operation block",
            "operation bl$0ock",
        ),
        (
            "entry",
            "common.csflow",
            "entry opening_hours",
            "entry opening$0_hours",
        ),
        ("hours", "common.csflow", "hours office", "hours off$0ice"),
        (
            "hours_with_a_broken_line",
            "common.csflow",
            "hours office {\n  timezone \"Asia/Shanghai\"\n  mon-fri 09:00-18:00",
            "hours off$0ice {\n  timezone \"Asia/Shanghai\"\n  mon-fri 09:00-18:0",
        ),
        (
            "knowledge_with_a_broken_entry",
            "common.csflow",
            "knowledge faq {",
            "knowledge f$0aq {\n  entyr lost { question \"Lost my card?\" answer \"Call us.\" }",
        ),
        ("result", "bank.csflow", "into result", "into res$0ult"),
    ];
    let mut out = String::new();
    for (name, file, find, replace) in cases {
        out.push_str(&format!(
            "== {name}\n{}\n\n",
            hover_at(find, replace, file, "bank")
        ));
    }
    insta::assert_snapshot!(out);
}

#[test]
fn hover_on_a_diagnostic_explains_its_check() {
    let text = hover_at("goto byebye", "goto bye$0bye", "hotline.csflow", "broken");
    assert!(text.contains("**unknown-state** `E0004`"), "{text}");
    assert!(text.contains("checks.md#unknown-state"), "{text}");
}

#[test]
fn signature_help_inside_a_call() {
    let fixture = project(
        "bank",
        &[(
            "bank.csflow",
            "block(last4: card_last4)",
            "block(last4: $0card_last4)",
        )],
    );
    let (ctx, position) = fixture.at_cursor();
    let uri = csflow_lsp::documents::uri_for(&ctx.source().path).unwrap();
    let document = csflow_lsp::documents::Document::new(uri, 1, ctx.text().to_string());
    let help =
        handlers::signature::signature_help(&document, &ctx, position, Encoding::Utf16).unwrap();
    let signature = &help.signatures[0];
    let ParameterLabel::LabelOffsets([a, b]) = signature.parameters.as_ref().unwrap()[0].label
    else {
        panic!("offsets expected");
    };
    let units: Vec<u16> = signature.label.encode_utf16().collect();
    insta::assert_snapshot!(format!(
        "{}\nactive parameter: {}\n{:?}",
        signature.label,
        String::from_utf16_lossy(&units[a as usize..b as usize]),
        signature.documentation
    ));
}

fn actions_at(fixture_name: &str, file: &str, find: &str, replace: &str) -> String {
    let fixture = project(fixture_name, &[(file, find, replace)]);
    let (ctx, position) = fixture.at_cursor();
    let actions = handlers::actions::code_actions(&ctx, Range::new(position, position)).unwrap();
    let mut out = String::new();
    for action in actions {
        let CodeActionOrCommand::CodeAction(action) = action else {
            continue;
        };
        out.push_str(&format!("== {}\n", action.title));
        for (uri, edits) in action.edit.unwrap().changes.unwrap() {
            let name = fixture.name_of(&uri);
            let before = fixture.text(&name);
            let after = apply_edits(&before, &edits, Encoding::Utf16);
            // Only the lines that changed: what lies between the common first and last lines.
            let (before_lines, after_lines): (Vec<&str>, Vec<&str>) =
                (before.lines().collect(), after.lines().collect());
            let head = before_lines
                .iter()
                .zip(&after_lines)
                .take_while(|(a, b)| a == b)
                .count();
            let tail = before_lines[head..]
                .iter()
                .rev()
                .zip(after_lines[head..].iter().rev())
                .take_while(|(a, b)| a == b)
                .count();
            let diff: Vec<String> = after_lines[head..after_lines.len() - tail]
                .iter()
                .enumerate()
                .map(|(i, line)| format!("{name}:{}: {line}", head + i + 1))
                .collect();
            out.push_str(&diff.join("\n"));
            out.push('\n');
        }
    }
    out
}

#[test]
fn code_actions_offer_fixes_and_the_editor_only_ones() {
    let mut out = String::new();
    out.push_str(&actions_at(
        "broken",
        "hotline.csflow",
        "goto byebye",
        "goto bye$0bye",
    ));
    out.push_str(&actions_at(
        "broken",
        "hotline.csflow",
        "ask plan",
        "ask pl$0an",
    ));
    out.push_str(&actions_at(
        "broken",
        "hotline.csflow",
        "state welcome",
        "state wel$0come",
    ));
    insta::assert_snapshot!(out);
}

#[test]
fn selection_ranges_grow_from_the_name_outwards() {
    let fixture = project(
        "bank",
        &[(
            "bank.csflow",
            "编号 {result.reference}",
            "编号 {result.refer$0ence}",
        )],
    );
    let (ctx, position) = fixture.at_cursor();
    let ranges = handlers::selection::selection_ranges(&ctx, &[position]).unwrap();
    let mut out = String::new();
    let mut current = Some(&ranges[0]);
    while let Some(range) = current {
        let r = range.range;
        out.push_str(&format!(
            "{}:{}-{}:{}\n",
            r.start.line + 1,
            r.start.character,
            r.end.line + 1,
            r.end.character
        ));
        current = range.parent.as_deref();
    }
    insta::assert_snapshot!(out);
}

fn locations(fixture: &support::Fixture, locations: &[Location], label: &str) -> String {
    locations
        .iter()
        .map(|l| fixture.draw_location(l, label))
        .collect()
}

#[test]
fn definition_references_and_highlights_come_from_the_kept_resolution() {
    let cases = [
        (
            "state_from_test",
            "bank.test.csflow",
            "expect state card_services",
            "expect state card_serv$0ices",
        ),
        (
            "queue_from_flow",
            "bank.csflow",
            "handoff general reason",
            "handoff gene$0ral reason",
        ),
        (
            "operation_from_mock",
            "bank.test.csflow",
            "mock cards.block",
            "mock cards.blo$0ck",
        ),
        (
            "field_from_interpolation",
            "bank.csflow",
            "{result.reference}",
            "{result.refer$0ence}",
        ),
        (
            "slot_from_condition",
            "bank.csflow",
            "if more {",
            "if mo$0re {",
        ),
        (
            "import_path",
            "bank.csflow",
            "import \"common.csflow\"",
            "import \"com$0mon.csflow\"",
        ),
        (
            "intent_from_broken_escalate_rule",
            "bank.csflow",
            "when intent agent handoff care",
            "when intent ag$0ent handof care",
        ),
        (
            "intent_definition",
            "common.csflow",
            "intent agent",
            "intent ag$0ent",
        ),
    ];
    let mut out = String::new();
    for (name, file, find, replace) in cases {
        let fixture = project("bank", &[(file, find, replace)]);
        let (ctx, position) = fixture.at_cursor();
        out.push_str(&format!("== {name}: {}\n", replace.trim()));
        match csflow_lsp::navigation::goto_definition(&ctx, position) {
            Some(GotoDefinitionResponse::Scalar(location)) => {
                out.push_str(&fixture.draw_location(&location, "definition"))
            }
            other => out.push_str(&format!("definition: {other:?}\n")),
        }
        let references =
            csflow_lsp::navigation::references(&ctx, position, false).unwrap_or_default();
        out.push_str(&locations(&fixture, &references, "reference"));
        let highlights = csflow_lsp::navigation::highlights(&ctx, position).unwrap_or_default();
        out.push_str(&format!("{} highlights in this file\n", highlights.len()));
    }
    insta::assert_snapshot!(out);
}

fn rename_at(file: &str, find: &str, replace: &str, new_name: &str) -> String {
    let fixture = project("bank", &[(file, find, replace)]);
    let (ctx, position) = fixture.at_cursor();
    let mut out = format!("== rename {} to {new_name}\n", replace.trim());
    match handlers::rename::prepare_rename(&ctx, position) {
        Ok(Some(PrepareRenameResponse::RangeWithPlaceholder { range, placeholder })) => {
            let name =
                fixture.name_of(&csflow_lsp::documents::uri_for(&ctx.source().path).unwrap());
            out.push_str(&fixture.draw(&name, range, &format!("prepare: {placeholder}")));
        }
        other => out.push_str(&format!("prepare: {other:?}\n")),
    }
    match handlers::rename::rename(&ctx, position, new_name) {
        Ok(Some(edit)) => {
            let mut by_file: Vec<(String, Vec<TextEdit>)> = Vec::new();
            let mut moves = Vec::new();
            if let Some(changes) = edit.changes {
                by_file.extend(
                    changes
                        .into_iter()
                        .map(|(uri, edits)| (fixture.name_of(&uri), edits)),
                );
            }
            if let Some(DocumentChanges::Operations(operations)) = edit.document_changes {
                for operation in operations {
                    match operation {
                        DocumentChangeOperation::Edit(edit) => by_file.push((
                            fixture.name_of(&edit.text_document.uri),
                            edit.edits
                                .into_iter()
                                .filter_map(|e| match e {
                                    OneOf::Left(e) => Some(e),
                                    _ => None,
                                })
                                .collect(),
                        )),
                        DocumentChangeOperation::Op(ResourceOp::Rename(rename)) => {
                            out.push_str(&format!(
                                "move {} to {}\n",
                                fixture.name_of(&rename.old_uri),
                                fixture.name_of(&rename.new_uri)
                            ));
                            moves.push((
                                rename.old_uri.to_file_path().unwrap().into_owned(),
                                rename.new_uri.to_file_path().unwrap().into_owned(),
                            ));
                        }
                        other => out.push_str(&format!("{other:?}\n")),
                    }
                }
            }
            by_file.sort_by(|a, b| a.0.cmp(&b.0));
            for (name, edits) in by_file {
                for edit in &edits {
                    out.push_str(&fixture.draw(&name, edit.range, &format!("→ {}", edit.new_text)));
                }
                // The renamed project still checks clean.
                let after = apply_edits(&fixture.text(&name), &edits, Encoding::Utf16);
                std::fs::write(fixture.path(&name), after).unwrap();
            }
            for (from, to) in moves {
                std::fs::create_dir_all(to.parent().unwrap()).unwrap();
                std::fs::rename(from, to).unwrap();
            }
            let recheck =
                csflow_compiler::analyze_paths(&[fixture.root()], &Default::default()).unwrap();
            let errors: Vec<&str> = recheck
                .diagnostics
                .iter()
                .filter(|d| d.severity == csflow_compiler::diagnostic::Severity::Error)
                .map(|d| d.name())
                .collect();
            out.push_str(&format!("errors after renaming: {errors:?}\n"));
        }
        Ok(None) => out.push_str("no edit\n"),
        Err(message) => out.push_str(&format!("refused: {message}\n")),
    }
    out
}

#[test]
fn rename_across_files_tests_and_imports_and_refusals() {
    let mut out = String::new();
    out.push_str(&rename_at(
        "bank.test.csflow",
        "expect state card_services",
        "expect state card_serv$0ices",
        "card_menu",
    ));
    out.push_str(&rename_at(
        "common.csflow",
        "queue general",
        "queue gen$0eral",
        "front_desk",
    ));
    out.push_str(&rename_at(
        "bank.csflow",
        "ask more ",
        "ask mo$0re ",
        "again",
    ));
    out.push_str(&rename_at(
        "bank.csflow",
        "cards.block(last4",
        "cards.block(la$0st4",
        "digits4",
    ));
    out.push_str(&rename_at(
        "bank.test.csflow",
        "import \"bank.csflow\"",
        "import \"ba$0nk.csflow\"",
        "flows/banking.csflow",
    ));
    out.push_str(&rename_at(
        "bank.csflow",
        "state goodbye",
        "state good$0bye",
        "main_menu",
    ));
    out.push_str(&rename_at(
        "bank.csflow",
        "state goodbye",
        "state good$0bye",
        "not",
    ));
    out.push_str(&rename_at(
        "bank.csflow",
        "state goodbye",
        "state good$0bye",
        "再见",
    ));
    out.push_str(&rename_at(
        "bank.csflow",
        "slot more",
        "slot mo$0re",
        "text",
    ));
    out.push_str(&rename_at(
        "bank.csflow",
        "slot more",
        "slot mo$0re",
        "result",
    ));
    out.push_str(&rename_at(
        "bank.csflow",
        "if more {",
        "if more {\n      say \"{tu$0rns}\"",
        "x",
    ));
    insta::assert_snapshot!(out);
}

/// A flow of `n` states named `menu_0…` and `exit_0…` (two thirds and one third), each
/// going to the next; the last one ends. Its text, and the byte offset after `goto ` in
/// the first state.
fn big_flow(n: usize) -> (String, usize) {
    let name = |i: usize| {
        if i % 3 == 2 {
            format!("exit_{}", i / 3)
        } else {
            format!("menu_{}", i - i / 3)
        }
    };
    let mut text = format!("flow big {{\n  start {}\n", name(0));
    for i in 0..n {
        let next = if i + 1 < n {
            format!("goto {}", name(i + 1))
        } else {
            "end".to_string()
        };
        text.push_str(&format!(
            "  state {} {{\n    say \"{i}\"\n    {next}\n  }}\n",
            name(i)
        ));
    }
    text.push_str("}\n");
    let at = text.find("goto ").unwrap() + "goto ".len();
    (text, at)
}

/// Completion after `goto ` in a flow of 900 states, with `typed` written after it.
fn complete_in_big_flow(typed: &str) -> CompletionResponse {
    let (text, at) = big_flow(900);
    let (_dir, snapshot, key) = analysed_alone(&text);
    let ctx = ctx_of(&snapshot, &key);
    // The editor's text: the word being typed replaces the first goto's target.
    let end = at + text[at..].find('\n').unwrap();
    let mut typing = text.clone();
    typing.replace_range(at..end, typed);
    let uri = csflow_lsp::documents::uri_for(&key).unwrap();
    let document = csflow_lsp::documents::Document::new(uri, 2, typing);
    let position = document.lines().position(at + typed.len(), Encoding::Utf16);
    handlers::completion::complete(&document, Some(&ctx), position, Encoding::Utf16)
        .expect("an answer")
}

#[test]
fn completion_in_a_big_flow_sends_at_most_200_items_filtered_by_the_typed_word() {
    // Nothing typed yet: 900 states, 200 sent, marked incomplete so the editor asks again.
    let CompletionResponse::List(list) = complete_in_big_flow("") else {
        panic!("a big answer is a list marked incomplete");
    };
    assert!(list.is_incomplete);
    assert_eq!(list.items.len(), 200);
    assert!(
        list.items
            .iter()
            .all(|i| i.kind == Some(CompletionItemKind::FUNCTION)
                && (i.label.starts_with("menu_") || i.label.starts_with("exit_"))),
        "only state names after `goto`"
    );
    // `exit_1` typed: every name starting with it (exit_1, exit_10…19, exit_100…199) and
    // nothing else, still incomplete.
    let CompletionResponse::List(list) = complete_in_big_flow("exit_1") else {
        panic!("a big answer is a list marked incomplete");
    };
    assert!(list.is_incomplete);
    let mut labels: Vec<&str> = list.items.iter().map(|i| i.label.as_str()).collect();
    labels.sort();
    let mut expected: Vec<String> = (0..300)
        .map(|i| format!("exit_{i}"))
        .filter(|l| l.starts_with("exit_1"))
        .collect();
    expected.sort();
    assert_eq!(labels, expected);
    // A prefix matching nothing: an empty, still incomplete list (a later letter may match).
    let CompletionResponse::List(list) = complete_in_big_flow("zzz") else {
        panic!("a big answer is a list marked incomplete");
    };
    assert!(list.is_incomplete && list.items.is_empty());
}

/// The shape of the benchmark's 100,000-state tree (the peers' `flowgen.js … csflow`): a
/// queue and an intent, then one flow whose flow-level `on no_match … then goto s0` and
/// escalate rule come before its states; state `i` is a menu whose options go to states
/// further down. `$0` marks where the benchmark asks for completion: right after the first
/// `goto `, before the name already written there.
fn flowgen_tree(n: usize) -> String {
    let mut text = String::from(
        "queue agents { }\nintent agent { \"agent\" \"operator\" }\n\nflow ivr {\n  channel chat\n  start s0\n  on no_match retry 2 then goto $0s0\n  escalate {\n    when intent agent handoff agents\n  }\n\n",
    );
    let mut next = 1;
    for i in 0..n {
        let options = 3 + i % 3;
        text.push_str(&format!(
            "  state s{i} {{\n    menu \"State {i}: menu {i}, please choose one of {options} options.\" {{\n"
        ));
        for key in 1..=options {
            if next < n {
                text.push_str(&format!(
                    "      option \"Option {key}\" key {key} goto s{next}\n"
                ));
                next += 1;
            } else {
                text.push_str(&format!("      option \"Option {key}\" key {key} end\n"));
            }
        }
        text.push_str("    }\n  }\n");
    }
    text.push_str("}\n");
    text
}

#[test]
fn completion_after_the_first_goto_of_the_benchmark_tree_lists_its_states() {
    // The benchmark's 100,000-state tree answered this as a list of 200 states marked
    // incomplete, which its client counted as 0 items (it read only plain arrays); the
    // answer must carry the states whichever form it takes.
    let text = flowgen_tree(1_000);
    let at = text.find("$0").unwrap();
    let text = text.replacen("$0", "", 1);
    let (_dir, snapshot, key) = analysed_alone(&text);
    let ctx = ctx_of(&snapshot, &key);
    let uri = csflow_lsp::documents::uri_for(&key).unwrap();
    let document = csflow_lsp::documents::Document::new(uri, 1, text.clone());
    let position = ctx.position(at);
    let answer = handlers::completion::complete(&document, Some(&ctx), position, Encoding::Utf16);
    let Some(CompletionResponse::List(list)) = answer else {
        panic!("1,000 states after `goto `: a list marked incomplete, got {answer:?}");
    };
    assert_eq!(list.items.len(), 200);
    let shown: Vec<CompletionItem> = list.items.iter().take(5).cloned().collect();
    insta::assert_snapshot!(format!(
        "{} of 1000 states, incomplete: {}\n{}",
        list.items.len(),
        list.is_incomplete,
        labels(Some(CompletionResponse::Array(shown)))
    ));
}

/// What a handler reads for the file `key` of `snapshot`, as the server gives it (UTF-16
/// positions, the fixed test clock).
fn ctx_of<'a>(
    snapshot: &'a csflow_lsp::project::Snapshot,
    key: &str,
) -> csflow_lsp::context::Ctx<'a> {
    csflow_lsp::context::Ctx {
        snapshot,
        file: snapshot.file(key).unwrap(),
        encoding: Encoding::Utf16,
        explain_base: csflow_lsp::diagnostics::DEFAULT_EXPLAIN_BASE,
        now: support::now(),
    }
}

/// An analysis of `text` as the only file of a project, and the file's key.
fn analysed_alone(text: &str) -> (tempfile::TempDir, csflow_lsp::project::Snapshot, String) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let path = root.join("alone.csflow");
    std::fs::write(&path, text).unwrap();
    let snapshot = csflow_lsp::project::Inputs {
        key: csflow_lsp::project::ProjectKey::Dir(root.clone()),
        overlays: Default::default(),
    }
    .analyze(std::slice::from_ref(&root));
    (dir, snapshot, path.to_string_lossy().into_owned())
}

#[test]
fn hover_on_a_busy_state_names_the_first_twelve_places_and_counts_the_rest() {
    // `hub` is entered from the start, from 20 states (one of them twice, which counts
    // once) and from a test; only the first twelve places are named, in source order.
    let mut text =
        String::from("flow f {\n  start hub\n  state hub {\n    say \"你好 😀\"\n    end\n  }\n");
    for i in 0..20 {
        text.push_str(&format!("  state from_{i} {{\n    goto hub\n  }}\n"));
    }
    text.push_str("  state twice {\n    menu \"?\" {\n      option \"a\" key 1 goto hub\n      option \"b\" key 2 goto hub\n    }\n  }\n}\n");
    text.push_str("test \"reaches the hub\" {\n  flow f\n  expect state hub\n}\n");
    let (_dir, snapshot, key) = analysed_alone(&text);
    let ctx = ctx_of(&snapshot, &key);
    let position = ctx.position(text.find("state hub").unwrap() + "state h".len());
    let hover = markdown(handlers::hover::hover(&ctx, position));
    let entered = hover
        .lines()
        .find(|l| l.starts_with("Entered from:"))
        .unwrap_or_else(|| panic!("no `Entered from` line in {hover}"));
    // 1 start + 20 states + `twice` + the test = 23 places: 12 named, 11 more.
    let named: Vec<String> = std::iter::once("the start".to_string())
        .chain((0..11).map(|i| format!("`from_{i}`")))
        .collect();
    assert_eq!(
        entered,
        format!("Entered from: {} and 11 more", named.join(", "))
    );
}
