//! Syntax errors as designers see them: each fixture holds several independent mistakes,
//! and the snapshot shows the source and every diagnostic rendered in the human format.

use csflow_compiler::diagnostic::render;
use csflow_compiler::source::{FileId, SourceMap};
use csflow_compiler::syntax::parse_file;

#[test]
fn syntax_error_fixtures() {
    insta::glob!("fixtures/syntax/*.csflow", |path| {
        let text = std::fs::read_to_string(path).expect("fixture");
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut sources = SourceMap::new();
        let id: FileId = sources.add(name, text.clone());
        let parsed = parse_file(id, &text);
        assert!(!parsed.diagnostics.is_empty(), "every fixture has mistakes");
        assert!(
            parsed
                .diagnostics
                .iter()
                .all(|d| d.name() == "syntax-error")
        );
        let rendered = render::human(&parsed.diagnostics, &sources, false);
        insta::assert_snapshot!(format!(
            "{text}\n----- {} diagnostics -----\n{rendered}",
            parsed.diagnostics.len()
        ));
    });
}
