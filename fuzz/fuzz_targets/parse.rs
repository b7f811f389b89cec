//! Any bytes as a `.csflow` file: reading (UTF-8, BOM, NUL), parsing, resolving, every
//! check, code generation when there are no errors, and the human and SARIF renderers must
//! never panic. Imports read nothing (they are all "not found").
#![no_main]

use csflow_compiler::check::Options;
use csflow_compiler::diagnostic::render;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let analysis = csflow_compiler::analyze(
        vec![("fuzz.csflow".to_string(), data.to_vec())],
        &|_| Err(std::io::ErrorKind::NotFound.into()),
        &Options::default(),
    );
    let mut sink = std::io::sink();
    let _ = render::write_human(&mut sink, &analysis.diagnostics, &analysis.sources, false);
    let _ = render::write_sarif(&mut sink, &analysis.diagnostics, &analysis.sources);
    if !analysis.has_errors() {
        let files = analysis.files.iter().map(|(_, file)| file);
        if let Ok(bundle) = csflow_compiler::codegen::generate(files, &analysis.sources) {
            // What the compiler generates, the verifier accepts.
            assert!(csflow_runtime::Bundle::from_bytes(&bundle.to_bytes()).is_ok());
        }
    }
});
