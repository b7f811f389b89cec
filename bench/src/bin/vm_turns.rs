//! Runtime throughput and memory on the peers' workload:
//! `cargo run --release -p csflow-bench --bin vm_turns -- FILE.csflow M K [--transcript]`.
//!
//! Compiles FILE (a `flowgen.js` tree) in-process, starts M chat conversations of flow
//! `ivr`, then drives K rounds of one input each, round-robin, with the peers' simulated
//! caller. Prints one JSON line: turns per second (one thread, creation excluded), bytes per
//! live waiting conversation after creating all M (and after the K turns, all still alive),
//! and `outChars`, the prompt characters said, to compare with the peers' harnesses.
//! Conversations do not keep their transcript in memory, as in a runtime serving callers;
//! `--transcript` keeps it (what `csflow test` and `csflow run` do) to measure its cost.

use csflow_bench::alloc::{Counting, live_bytes};
use csflow_bench::{Sessions, compile_file};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let keep_transcript = args.iter().any(|a| a == "--transcript");
    let args: Vec<&String> = args.iter().filter(|a| *a != "--transcript").collect();
    let parsed = match args.as_slice() {
        [file, m, k] => m
            .parse::<usize>()
            .ok()
            .zip(k.parse::<u32>().ok())
            .map(|(m, k)| (PathBuf::from(file.as_str()), m, k)),
        _ => None,
    };
    let Some((file, m, k)) = parsed else {
        eprintln!("usage: vm_turns FILE.csflow M K [--transcript]");
        return ExitCode::from(2);
    };
    match run(&file, m, k, keep_transcript) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("vm_turns: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(file: &std::path::Path, m: usize, k: u32, keep_transcript: bool) -> Result<(), String> {
    let started = Instant::now();
    let bundle = compile_file(file)?;
    let compile_ms = started.elapsed().as_secs_f64() * 1e3;
    let states: usize = bundle.flows.iter().map(|f| f.states.len()).sum();

    // Warm up (lazy initialisation, page faults of the code), like the peers' harnesses.
    let mut warm = Sessions::with_capacity(100);
    warm.start(&bundle, 100)?;
    warm.drive(&bundle, 2)?;
    drop(warm);

    let mut sessions = Sessions::with_capacity(m);
    sessions.keep_transcript = keep_transcript;
    let before = live_bytes();
    let started = Instant::now();
    sessions.start(&bundle, m)?;
    let create_ms = started.elapsed().as_secs_f64() * 1e3;
    let after_create = live_bytes();

    let started = Instant::now();
    sessions.drive(&bundle, k)?;
    let run_s = started.elapsed().as_secs_f64();
    let after_run = live_bytes();

    let turns = m as f64 * f64::from(k);
    let per = |bytes: isize| bytes as f64 / m as f64;
    println!(
        "{{\"peer\":\"csflow\",\"file\":{:?},\"states\":{states},\"M\":{m},\"K\":{k},\
         \"compileMs\":{compile_ms:.1},\"createMs\":{create_ms:.1},\"runMs\":{:.1},\
         \"turnsPerSec\":{:.0},\"usPerTurn\":{:.3},\"sizeOfConversation\":{},\
         \"bytesPerConvAfterCreate\":{:.1},\"bytesPerConvAfterTurns\":{:.1},\"outChars\":{},\
         \"transcript\":{keep_transcript}}}",
        file.display().to_string(),
        run_s * 1e3,
        turns / run_s,
        run_s * 1e6 / turns,
        std::mem::size_of::<csflow_runtime::vm::Conversation>(),
        per(after_create - before),
        per(after_run - before),
        sessions.out_chars,
    );
    Ok(())
}
