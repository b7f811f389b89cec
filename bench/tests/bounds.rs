//! Hostile projects with bounded work: each case below was once quadratic (or worse) in its
//! input. Memory is measured with the counting allocator (peak live bytes), work with the
//! suggestion engine's cell counter — never the wall clock, so a busy machine cannot make
//! these flaky and a slow algorithm cannot hide behind a fast machine.

use csflow_bench::alloc::{Counting, live_bytes, peak_bytes, reset_peak};
use csflow_compiler::check::Options;
use csflow_compiler::diagnostic::{Diagnostic, render};
use csflow_compiler::source::SourceMap;
use std::sync::Mutex;

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The tests share one allocator counter: one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

/// Runs `f`; returns its result and the peak of live heap bytes it added.
fn peak_of<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = live_bytes();
    reset_peak();
    let value = f();
    (value, (peak_bytes() - base).max(0) as usize)
}

fn analyze(text: &str) -> csflow_compiler::Analysis {
    csflow_compiler::analyze(
        vec![("hostile.csflow".into(), text.as_bytes().to_vec())],
        &|_| Err(std::io::ErrorKind::NotFound.into()),
        &Options::default(),
    )
}

const HEADER: &str = "queue general { }\nintent agent { \"agent\" }\n";

fn flow(states: &str) -> String {
    format!(
        "{HEADER}flow f {{\n  channel chat\n  start s0\n  on no_match retry 1 then handoff general\n  escalate {{ when intent agent handoff general }}\n{states}}}\n"
    )
}

const MB: usize = 1024 * 1024;

#[test]
fn a_huge_unknown_name_costs_no_edit_distance_matrix() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let long = "s".repeat(30_000);
    let text = flow(&format!(
        "  state s0 {{ say \"hi\" goto {long}x }}\n  state {long} {{ end }}\n"
    ));
    let before = csflow_compiler::suggest::cells_computed();
    let (analysis, peak) = peak_of(|| analyze(&text));
    assert!(
        analysis
            .diagnostics
            .iter()
            .any(|d| d.name() == "unknown-state")
    );
    // The old full matrix was 30,000² cells (7.7 GB).
    assert!(peak < 64 * MB, "{peak} bytes");
    let cells = csflow_compiler::suggest::cells_computed() - before;
    assert!(cells < 1_000_000, "{cells} distance cells");
}

#[test]
fn many_unknown_names_cost_bounded_suggestion_work() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let mut states = String::new();
    for i in 0..5_000 {
        states.push_str(&format!("  state s{i} {{ say \"hi\" goto missing_{i} }}\n"));
    }
    let text = flow(&states);
    let before = csflow_compiler::suggest::cells_computed();
    let analysis = analyze(&text);
    assert_eq!(
        analysis
            .diagnostics
            .iter()
            .filter(|d| d.name() == "unknown-state")
            .count(),
        5_000
    );
    let cells = csflow_compiler::suggest::cells_computed() - before;
    // Per lookup at most MAX_COMPARED candidates × the word's chars × a band of 2·limit+1.
    let per_lookup = csflow_compiler::suggest::MAX_COMPARED as u64 * 12 * 9;
    assert!(cells <= 5_000 * per_lookup, "{cells} cells");
}

#[test]
fn a_menu_of_many_keyless_options_and_many_identical_examples_stay_linear() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let options: String = (0..20_000)
        .map(|i| format!("      option \"choice {i}\" goto s1\n"))
        .collect();
    let examples: String = (0..20_000).map(|_| "\"same words\" ").collect();
    let text = format!(
        "intent copy {{ {examples} }}\n{}",
        flow(&format!(
            "  state s0 {{\n    menu \"Pick\" {{\n{options}      option \"choice 0\" goto s1\n      option \"copy\" intent copy goto s1\n    }}\n  }}\n  state s1 {{ end }}\n"
        ))
    );
    let (analysis, peak) = peak_of(|| analyze(&text));
    let duplicates = analysis
        .diagnostics
        .iter()
        .filter(|d| d.name() == "duplicate-example")
        .count();
    assert_eq!(duplicates, 19_999, "every copy after the first is reported");
    assert!(
        analysis
            .diagnostics
            .iter()
            .any(|d| d.name() == "shadowed-option"),
        "the repeated option is found"
    );
    assert!(
        peak < 40 * text.len() + 64 * MB,
        "{peak} bytes for {} bytes",
        text.len()
    );
}

/// A writer that counts bytes and keeps none.
struct Sink(usize);

impl std::io::Write for Sink {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0 += bytes.len();
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

type Render = fn(&mut dyn std::io::Write, &[Diagnostic], &SourceMap) -> std::io::Result<()>;

fn human(out: &mut dyn std::io::Write, d: &[Diagnostic], s: &SourceMap) -> std::io::Result<()> {
    render::write_human(out, d, s, false)
}

#[test]
fn renderers_stream_instead_of_building_the_output() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    // 50,000 unused queues: 50,000 warnings.
    let text: String = (0..50_000).map(|i| format!("queue q{i} {{ }}\n")).collect();
    let analysis = analyze(&text);
    assert_eq!(analysis.diagnostics.len(), 50_000);
    let formats: [(&str, Render); 5] = [
        ("human", human),
        ("short", render::write_short),
        ("json", render::write_json),
        ("sarif", render::write_sarif),
        ("github", render::write_github),
    ];
    for (name, write) in formats {
        let mut sink = Sink(0);
        let (result, peak) = peak_of(|| write(&mut sink, &analysis.diagnostics, &analysis.sources));
        assert!(result.is_ok());
        assert!(
            peak < sink.0 / 10 + MB,
            "{name}: {peak} bytes held for {} written",
            sink.0
        );
    }
}

#[test]
fn many_diagnostics_on_one_huge_line_render_in_linear_space() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    // 20,000 copies of one example on a single 260 KB line: 19,999 warnings on that line.
    let examples: String = (0..20_000).map(|_| "\"same words\" ").collect();
    let text = flow("  state s0 { end }\n").replace(
        "intent agent { \"agent\" }\n",
        &format!("intent agent {{ \"agent\" {examples} }}\n"),
    );
    let analysis = analyze(&text);
    assert!(analysis.diagnostics.len() >= 19_999);
    let mut sink = Sink(0);
    let (result, _) = peak_of(|| human(&mut sink, &analysis.diagnostics, &analysis.sources));
    assert!(result.is_ok());
    // Excerpting the whole line each time would be ~5 GB; a note per place is ~200 bytes.
    assert!(
        sink.0 < 1_000 * analysis.diagnostics.len(),
        "{} bytes of output for {} diagnostics",
        sink.0,
        analysis.diagnostics.len()
    );
}

#[test]
fn a_300_000_part_chain_is_cut_before_pest_tokenises_it() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let cases = [
        ("and", "true", "`and`/`or` parts"),
        ("or", "true", "`and`/`or` parts"),
        ("+", "1", "`+ - * /` parts"),
        ("*", "2", "`+ - * /` parts"),
    ];
    for (word, part, what) in cases {
        let chain = vec![part; 300_000].join(&format!(" {word} "));
        let text = flow(&format!(
            "  state s0 {{ if {chain} > 1 {{ end }} else {{ end }} }}\n"
        ));
        let (analysis, peak) = peak_of(|| analyze(&text));
        let errors: Vec<&Diagnostic> = analysis
            .diagnostics
            .iter()
            .filter(|d| d.name() == "syntax-error")
            .collect();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0].message.contains(&format!("more than 256 {what}")),
            "{}",
            errors[0].message
        );
        // Underlined: the chain from its first part up to the part past the limit.
        let span = errors[0].primary.span;
        let underlined = &text[span.start as usize..span.end as usize];
        assert!(text[..span.start as usize].ends_with("if "));
        assert_eq!(
            underlined.matches(&format!(" {word} ")).count(),
            256,
            "{underlined}"
        );
        // pest's token queue for the chain was ~900 bytes per part (2.7 GB for 3,000,000);
        // now the text is copied once with the tail blanked.
        assert!(
            peak < 8 * text.len(),
            "{peak} bytes for {} bytes",
            text.len()
        );
    }
    // A long run of `not`s is no error: it keeps its parity, also when cut short.
    for n in [300_000, 300_001] {
        let nots = flow(&format!(
            "  state s0 {{ if {}true {{ end }} else {{ end }} }}\n",
            "not ".repeat(n)
        ));
        let (analysis, peak) = peak_of(|| analyze(&nots));
        assert!(
            analysis.diagnostics.is_empty(),
            "{:?}",
            analysis.diagnostics
        );
        assert!(peak < 8 * nots.len(), "{peak} bytes");
        let depth = analysis
            .files
            .iter()
            .flat_map(|(_, f)| &f.items)
            .find_map(|item| match item {
                csflow_compiler::ast::Item::Flow(flow) => flow.states.first(),
                _ => None,
            })
            .and_then(|state| match &state.body.statements[0].kind {
                csflow_compiler::ast::StmtKind::If(branch) => branch.branches.first().map(|b| &b.0),
                _ => None,
            })
            .map(|mut e| {
                let mut depth = 0;
                while let csflow_compiler::ast::ExprKind::Not(inner) = &e.kind {
                    depth += 1;
                    e = inner;
                }
                depth
            });
        assert_eq!(depth, Some(if n % 2 == 0 { 2 } else { 1 }), "{n} nots");
    }
}
