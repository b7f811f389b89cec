//! Bundle size and load time: `cargo run --release -p csflow-bench --bin bundle_load --
//! FILE.csflow [RUNS]`.
//!
//! Compiles FILE in-process, encodes the bundle, then times `Bundle::from_bytes` (decode +
//! verify, what a runtime does at start-up) RUNS times (default 7) and reports the median,
//! with decode and verify also timed on their own. Prints one JSON line. A `.csfb` FILE (from
//! `csflow build`) is loaded as is, without compiling: profiles of the load then show the
//! load alone.

use csflow_bench::{compile_file, time_median};
use csflow_runtime::Bundle;
use csflow_runtime::bundle::{decode, verify};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(file) = args.next().map(PathBuf::from) else {
        eprintln!("usage: bundle_load FILE.csflow [RUNS]");
        return ExitCode::from(2);
    };
    let runs = args.next().and_then(|r| r.parse().ok()).unwrap_or(7);
    match run(&file, runs) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("bundle_load: {message}");
            ExitCode::FAILURE
        }
    }
}

fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn run(file: &std::path::Path, runs: usize) -> Result<(), String> {
    let started = Instant::now();
    let bundle = if file.extension().is_some_and(|e| e == "csfb") {
        let bytes = std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?;
        Bundle::from_bytes(&bytes).map_err(|e| e.to_string())?
    } else {
        compile_file(file)?
    };
    let compile = started.elapsed();
    let states: usize = bundle.flows.iter().map(|f| f.states.len()).sum();
    let (encode, bytes) = time_median(runs, || bundle.to_bytes());
    // A runtime loads its bundle in a process that holds no compiled copy of it: free the
    // ~80 MB this one takes before timing, so loads reuse that memory as a runtime's would.
    drop(bundle);
    let (load, loaded) = time_median(runs, || Bundle::from_bytes(&bytes));
    let loaded = loaded.map_err(|e| e.to_string())?;
    if loaded.to_bytes() != bytes {
        return Err("the loaded bundle does not encode to the same bytes".into());
    }
    drop(loaded);
    let (decode, decoded) = time_median(runs, || decode::from_bytes(&bytes));
    let decoded = decoded.map_err(|e| e.to_string())?;
    let (verify, verified) = time_median(runs, || verify::verify(&decoded));
    verified.map_err(|e| e.to_string())?;
    println!(
        "{{\"file\":{:?},\"states\":{states},\"runs\":{runs},\"compileInProcessMs\":{:.1},\
         \"bundleBytes\":{},\"encodeMs\":{:.2},\"loadVerifyMs\":{:.2},\"decodeMs\":{:.2},\
         \"verifyMs\":{:.2}}}",
        file.display().to_string(),
        ms(compile),
        bytes.len(),
        ms(encode),
        ms(load),
        ms(decode),
        ms(verify),
    );
    Ok(())
}
