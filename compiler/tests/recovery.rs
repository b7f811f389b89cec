//! Recovery as designers see it while typing: each fixture holds one half-written line in
//! an otherwise sound project. The snapshot shows the source, what the parser kept around
//! the broken line (members marked broken stay in their parent, counted), and every
//! diagnostic of the whole check — so a broken line that changed what is counted around it,
//! or swallowed the next line, shows up as a diagnostic that should not be there.

use csflow_compiler::ast::{File, Item, NameText, TestStepKind};
use csflow_compiler::check::Options;
use csflow_compiler::diagnostic::render;
use csflow_compiler::visit;
use std::fmt::Write;

/// The members of each flow and test, one line each, broken ones marked.
fn members(file: &File) -> String {
    let mut out = String::new();
    for item in &file.items {
        match item {
            Item::Flow(flow) => {
                let name = flow.name.text().unwrap_or("(no name)");
                let start = flow.start.as_ref().map_or("(none)", |s| s.name.as_str());
                let _ = writeln!(out, "flow {name}: start {start}");
                for slot in &flow.slots {
                    let _ = writeln!(
                        out,
                        "  slot {}: {}{}",
                        slot.name.text().unwrap_or("(no name)"),
                        slot.ty.kind.describe(),
                        if slot.broken { " (broken)" } else { "" }
                    );
                }
                for handler in &flow.handlers {
                    let _ = writeln!(
                        out,
                        "  on {}{}",
                        handler.kind.as_str(),
                        if handler.broken { " (broken)" } else { "" }
                    );
                }
                visit::each_flow_stmt(flow, &mut |stmt| {
                    if let csflow_compiler::ast::StmtKind::Menu(menu) = &stmt.kind {
                        let _ = writeln!(out, "  menu: {} options", menu.options.len());
                        for option in &menu.options {
                            let keys: Vec<&str> =
                                option.keys.iter().map(|k| k.keys.as_str()).collect();
                            let _ = writeln!(
                                out,
                                "    option {:?} keys [{}]{}",
                                option.label.plain_text(),
                                keys.join(", "),
                                if option.broken { " (broken)" } else { "" }
                            );
                        }
                    }
                });
            }
            Item::Test(test) => {
                let kinds: Vec<&str> = test
                    .steps
                    .iter()
                    .map(|s| match s.kind {
                        TestStepKind::Flow(_) => "flow",
                        TestStepKind::Time { .. } => "time",
                        TestStepKind::Mock { .. } => "mock",
                        TestStepKind::SendText(_)
                        | TestStepKind::SendKeys(_)
                        | TestStepKind::SendNoInput => "send",
                        TestStepKind::Expect(_) => "expect",
                        TestStepKind::Error => "(broken)",
                    })
                    .collect();
                let _ = writeln!(
                    out,
                    "test {:?}: {} steps [{}]",
                    test.name.plain_text(),
                    kinds.len(),
                    kinds.join(", ")
                );
            }
            _ => {}
        }
    }
    out
}

#[test]
fn recovery_fixtures() {
    insta::glob!("fixtures/recovery/*.csflow", |path| {
        let text = std::fs::read_to_string(path).expect("fixture");
        let analysis = csflow_compiler::analyze(
            vec![("broken.csflow".into(), text.as_bytes().to_vec())],
            &|_| Err(std::io::ErrorKind::NotFound.into()),
            &Options::default(),
        );
        assert!(
            analysis
                .diagnostics
                .iter()
                .any(|d| d.name == "syntax-error"),
            "every fixture has a broken line"
        );
        let (_, file) = &analysis.files[0];
        let rendered = render::human(&analysis.diagnostics, &analysis.sources, false);
        insta::assert_snapshot!(format!(
            "{text}\n----- kept -----\n{}\n----- {} diagnostics -----\n{rendered}",
            members(file),
            analysis.diagnostics.len()
        ));
    });
}
