//! csflow's side of the peer benchmarks (`bench/run.sh`, `bench/README.md`).
//!
//! The workload is the one the peer harnesses in `/work/shared/bench/peers` run on inkjs and
//! XState: the IVR menu tree of `flowgen.js` (emitted as `.csflow` by
//! `node flowgen.js N csflow`), M live conversations driven K turns each, round-robin, by
//! the simulated caller [`pick`], which is a bit-exact port of `pick` in `flowgen.js`. A
//! conversation's pick `j` sends the key `j + 1`. The characters of every prompt said (the
//! first one when a conversation starts included, as in `xstate_run.js`, where starting an
//! actor runs the start state's `say` entry action) are summed in UTF-16 code units, like
//! JavaScript's `String.prototype.length`; equal sums prove equal work.

pub mod alloc;

use csflow_runtime::Bundle;
use csflow_runtime::vm::{
    Channel, Clock, Conversation, Env, Input, NoServices, Start, Status, Turn,
};
use std::path::Path;
use std::time::{Duration, Instant};

/// The simulated caller of `flowgen.js`, ported exactly (JavaScript's `Math.imul` and `>>>`
/// are wrapping `u32` arithmetic): the option index conversation `conv` picks at turn `turn`
/// among `n` options. Two-option states (the leaves: main menu / hang up) always pick 0, so
/// no caller hangs up.
pub fn pick(conv: u32, turn: u32, n: u32) -> u32 {
    if n == 2 {
        return 0;
    }
    let mut x = conv.wrapping_add(1).wrapping_mul(2_654_435_761)
        ^ turn.wrapping_add(7).wrapping_mul(40_503);
    x ^= x >> 15;
    x = x.wrapping_mul(2_246_822_519);
    x ^= x >> 13;
    x % n
}

/// Characters as JavaScript counts them (UTF-16 code units).
pub fn js_len(text: &str) -> u64 {
    // ASCII (every prompt of the tree) is one unit per byte; JavaScript's `length` is O(1)
    // too, so the harness should not spend more on counting than the peers do.
    if text.is_ascii() {
        return text.len() as u64;
    }
    text.encode_utf16().count() as u64
}

/// Reads, checks and compiles one `.csflow` file in-process; the bundle is round-tripped
/// through its encoding and verified, as `csflow build` does.
pub fn compile_file(path: &Path) -> Result<Bundle, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    compile_source(&path.display().to_string(), bytes)
}

/// [`compile_file`] on text already in memory.
pub fn compile_source(name: &str, bytes: Vec<u8>) -> Result<Bundle, String> {
    let options = csflow_compiler::check::Options::default();
    let analysis = csflow_compiler::analyze(
        vec![(name.to_string(), bytes)],
        &|path| std::fs::read(path),
        &options,
    );
    if analysis.has_errors() {
        let first: Vec<String> = analysis
            .diagnostics
            .iter()
            .filter(|d| d.severity == csflow_compiler::diagnostic::Severity::Error)
            .take(3)
            .map(|d| format!("{d:?}"))
            .collect();
        return Err(format!(
            "{name}: {} errors, e.g. {}",
            analysis.error_count(),
            first.join("; ")
        ));
    }
    let bundle =
        csflow_compiler::codegen::generate_analysis(&analysis).map_err(|e| e.to_string())?;
    Bundle::from_bytes(&bundle.to_bytes()).map_err(|e| e.to_string())
}

/// The flow `flowgen.js` emits.
pub const FLOW: &str = "ivr";

/// M live conversations and what the caller needs to know about each one.
pub struct Sessions {
    pub conversations: Vec<Conversation>,
    /// Options the conversation's menu offers now (the `n` of [`pick`]).
    pub options: Vec<u8>,
    /// Prompt characters said so far (the peers' `outChars`).
    pub out_chars: u64,
    /// Whether conversations keep their transcript in memory. Off by default, as in a
    /// runtime serving callers (which logs turns instead); `vm_turns --transcript` measures
    /// the cost of keeping it, as `csflow test` and `csflow run` do.
    pub keep_transcript: bool,
}

fn env_services() -> NoServices {
    NoServices
}

fn said(turn: &Turn) -> u64 {
    turn.says().map(js_len).sum()
}

fn options_of(turn: &Turn) -> Result<u8, String> {
    if turn.status != Status::Waiting {
        return Err(format!(
            "conversation is {}, not waiting",
            turn.status.as_str()
        ));
    }
    let n = turn.expecting.as_ref().map_or(0, |e| e.options.len());
    u8::try_from(n).map_err(|_| format!("{n} options"))
}

impl Sessions {
    /// Room for `m` conversations' caller bookkeeping (allocate it before measuring memory).
    pub fn with_capacity(m: usize) -> Sessions {
        Sessions {
            conversations: Vec::new(),
            options: Vec::with_capacity(m),
            out_chars: 0,
            keep_transcript: false,
        }
    }

    /// Starts `m` conversations of [`FLOW`] on chat; each says its first prompt.
    pub fn start(&mut self, bundle: &Bundle, m: usize) -> Result<(), String> {
        let mut services = env_services();
        let mut env = Env {
            clock: Clock::test_default(),
            services: &mut services,
        };
        self.conversations.reserve_exact(m);
        for _ in 0..m {
            let start = Start {
                transcript: self.keep_transcript,
                ..Start::new(FLOW, Channel::Chat)
            };
            let (conversation, turn) =
                Conversation::start_with(bundle, start, &mut env).map_err(|e| e.to_string())?;
            self.out_chars += said(&turn);
            self.options.push(options_of(&turn)?);
            self.conversations.push(conversation);
        }
        Ok(())
    }

    /// `k` rounds: in each, every conversation in order gets one input, the key `pick + 1`.
    pub fn drive(&mut self, bundle: &Bundle, k: u32) -> Result<(), String> {
        let mut services = env_services();
        let mut env = Env {
            clock: Clock::test_default(),
            services: &mut services,
        };
        const KEYS: [&str; 9] = ["1", "2", "3", "4", "5", "6", "7", "8", "9"];
        for turn_no in 0..k {
            for (i, conversation) in self.conversations.iter_mut().enumerate() {
                let n = u32::from(self.options[i]);
                let choice = pick(i as u32, turn_no, n) as usize;
                let key = KEYS.get(choice).ok_or("more than 9 options")?;
                let turn = conversation
                    .input(bundle, Input::Keys((*key).to_string()), &mut env)
                    .map_err(|e| e.to_string())?;
                self.out_chars += said(&turn);
                self.options[i] = options_of(&turn)?;
            }
        }
        Ok(())
    }
}

/// The median of some durations (the upper middle one for an even count).
pub fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times.get(times.len() / 2).copied().unwrap_or_default()
}

/// Runs `f` `runs` times and returns the median time and the last result.
pub fn time_median<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        let value = f();
        times.push(started.elapsed());
        last = Some(value);
    }
    match last {
        Some(value) => (median(times), value),
        None => unreachable!("runs.max(1) >= 1"),
    }
}

/// A `flowgen.js` tree as `.csflow`, generated in Rust (the same text `node flowgen.js N
/// csflow` prints; the tests compare them when node is available). Used by the tests.
pub fn flowgen_csflow(n: usize) -> String {
    let mut out = String::from(
        "queue agents { }\nintent agent { \"agent\" \"operator\" }\n\nflow ivr {\n  channel chat\n  start s0\n  on no_match retry 2 then goto s0\n  escalate {\n    when intent agent handoff agents\n  }\n\n",
    );
    let mut next = 1;
    for i in 0..n {
        let k = 3 + i % 3;
        let mut choices: Vec<(String, Option<usize>)> = Vec::new();
        for j in 0..k {
            if next >= n {
                break;
            }
            choices.push((format!("Option {}", j + 1), Some(next)));
            next += 1;
        }
        let prompt = if choices.is_empty() {
            choices.push(("Main menu".into(), Some(0)));
            choices.push(("Hang up".into(), None));
            format!("State {i}: your request is complete. Goodbye.")
        } else {
            let prompt = format!(
                "State {i}: menu {i}, please choose one of {} options.",
                choices.len()
            );
            if i % 4 == 3 {
                choices.push(("Back to main menu".into(), Some(0)));
            }
            prompt
        };
        out.push_str(&format!("  state s{i} {{\n    menu \"{prompt}\" {{\n"));
        for (j, (label, target)) in choices.iter().enumerate() {
            let action = match target {
                Some(t) => format!("goto s{t}"),
                None => "end".into(),
            };
            out.push_str(&format!(
                "      option \"{label}\" key {} {action}\n",
                j + 1
            ));
        }
        out.push_str("    }\n  }\n");
    }
    out.push_str("}\n");
    out
}

#[cfg(test)]
mod tests;
