//! Times each stage of the pipeline on one file: `cargo run --release -p csflow-compiler
//! --example phases -- FILE`. Used by bench/ to see where the time goes.

use csflow_compiler::source::FileId;
use std::time::Instant;

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: phases FILE.csflow");
        std::process::exit(2);
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) => {
            eprintln!("{path}: {error}");
            std::process::exit(2);
        }
    };
    let started = Instant::now();
    let mut sources = csflow_compiler::source::SourceMap::new();
    let id: FileId = sources.add(path.clone(), text);
    let chunks = csflow_compiler::syntax::parse_file(id, &sources.get(id).text);
    let parsed = started.elapsed();
    let files = vec![(id, chunks.file)];
    let started = Instant::now();
    let diagnostics =
        csflow_compiler::check::run(&files, &sources, &Default::default()).diagnostics;
    let checked = started.elapsed();
    println!(
        "parse {:?}  resolve+check {:?}  diagnostics {}",
        parsed,
        checked,
        diagnostics.len()
    );
}
