//! `csflow run FILE… --flow NAME`: talk to a flow in the terminal. Plain lines are text,
//! `#123` keys, `/noinput` a time-out, `/quit` leaves. Works with piped stdin (no TTY).

use super::common::{self, ColorChoice};
use super::{build, disasm};
use csflow_compiler::testing;
use csflow_runtime::vm::{ExpectKind, Expecting, Speaker};
use csflow_runtime::{
    Bundle, Channel, Clock, Conversation, Env, Input, Mocks, Start, Status, Turn, Value,
};
use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ChannelArg {
    Voice,
    Chat,
}

#[derive(clap::Args)]
#[command(
    about = "Talk to a flow in the terminal",
    long_about = "Compile the given .csflow files (or load one .csfb bundle) and start a conversation \
with a flow. Each line you type is one turn: plain text is said or typed, `#123` presses keys \
1 2 3 on the keypad (`#*`, `##` press * and #), `/noinput` is a time-out with no answer, \
`/quit` leaves. Empty lines are ignored. The bot's messages, menu options and hand-offs are \
printed; the session ends when the conversation ends or is handed off, or at the end of input. \
Service calls fail (running the flow's `on error`) unless given with --mock.",
    after_help = "Exit status: 0 the conversation ran (ended, handed off, or input ran out), 1 the \
flows have errors or the conversation failed, 2 bad usage or an I/O problem.\n\nExamples:\n  \
csflow run examples/bank --flow bank_phone\n  csflow run examples/shop --flow shop_aftersales --channel chat\n  \
csflow run examples/bank --flow bank_phone --time '2026-11-23 10:00' \\\n      \
--mock 'card_api.block={\"ok\": true, \"reference\": \"R-1\"}' --mock accounts_api.balance=fail\n  \
printf '#2\\n#4321\\n#2\\n' | csflow run examples/bank --flow bank_phone      # scripted"
)]
pub struct Args {
    /// The .csflow files or directories of the project, or one compiled .csfb bundle
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// The flow to talk to (may be left out when the project has one flow)
    #[arg(long, value_name = "NAME")]
    pub flow: Option<String>,
    /// The channel to talk on (default: the flow's own; `any` flows run as voice)
    #[arg(long, value_enum)]
    pub channel: Option<ChannelArg>,
    /// Run at this time instead of now: 'YYYY-MM-DD HH:MM' is wall-clock time in every hours
    /// block's zone; 'YYYY-MM-DD HH:MM ZONE' (an IANA zone such as Europe/Berlin) is one
    /// instant — the same forms as a test's `time` line
    #[arg(long, value_name = "DATE TIME [ZONE]", value_parser = parse_time)]
    pub time: Option<Clock>,
    /// A service operation's answer: `SERVICE.OP=JSON` (a record) or `SERVICE.OP=fail`; repeatable
    #[arg(long, value_name = "SERVICE.OP=JSON", value_parser = parse_mock)]
    pub mock: Vec<(String, String, Option<Value>)>,
    /// When to use colour in diagnostics
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

fn parse_time(text: &str) -> Result<Clock, String> {
    testing::parse_clock(text)
}

fn parse_mock(text: &str) -> Result<(String, String, Option<Value>), String> {
    let (operation, answer) = text
        .split_once('=')
        .ok_or_else(|| format!("`{text}` is not SERVICE.OP=JSON or SERVICE.OP=fail"))?;
    let (service, op) = operation
        .split_once('.')
        .ok_or_else(|| format!("`{operation}` is not SERVICE.OP"))?;
    let (service, op) = (service.to_string(), op.to_string());
    if answer.trim() == "fail" {
        return Ok((service, op, None));
    }
    let json: serde_json::Value = serde_json::from_str(answer)
        .map_err(|error| format!("the answer of {operation} is not JSON: {error}"))?;
    Ok((service, op, Some(Value::from_json(&json))))
}

pub fn run(args: Args) -> u8 {
    let bundle = match load(&args) {
        Ok(bundle) => bundle,
        Err(status) => return status,
    };
    let flow = match (&args.flow, bundle.flows.as_slice()) {
        (Some(name), _) => name.clone(),
        (None, [only]) => bundle.str(only.name).to_string(),
        (None, []) => {
            return common::fail_usage(
                "the project has no flows to talk to; declare one with `flow NAME { … }`",
            );
        }
        (None, flows) => {
            let names: Vec<&str> = flows.iter().map(|f| bundle.str(f.name)).collect();
            return common::fail_usage(&format!(
                "which flow? pass --flow NAME, one of: {}",
                names.join(", ")
            ));
        }
    };
    let Some((_, declared)) = bundle.flow_by_name(&flow) else {
        if bundle.flows.is_empty() {
            return common::fail_usage(&format!(
                "no flow named `{flow}`: the project has no flows"
            ));
        }
        let names: Vec<&str> = bundle.flows.iter().map(|f| bundle.str(f.name)).collect();
        return common::fail_usage(&format!(
            "no flow named `{flow}`; the flows are: {}",
            names.join(", ")
        ));
    };
    let channel = match args.channel {
        Some(ChannelArg::Voice) => Channel::Voice,
        Some(ChannelArg::Chat) => Channel::Chat,
        None => testing::channel_of(declared.channel),
    };
    let clock = || match args.time {
        Some(at) => at,
        None => Clock::Instant(chrono::Utc::now()),
    };
    if let Err(message) = check_mocks(&bundle, &args.mock) {
        return common::fail_usage(&message);
    }
    // `--mock` answers; any other call fails as an unavailable service.
    let mut mocks = Mocks::default();
    for (service, operation, answer) in &args.mock {
        mocks.insert(service, operation, answer.clone());
    }
    let interactive = std::io::stdin().is_terminal();
    common::eprint(&format!(
        "talking to flow {flow} on {}: type text, #123 for keys, /noinput for a time-out, /quit to leave\n",
        channel.as_str()
    ));
    let mut env = Env {
        clock: clock(),
        services: &mut mocks,
    };
    // The transcript echoes piped input as it is kept (keys, masked answers).
    let start = Start::new(&flow, channel).with_transcript();
    let (mut conversation, turn) = match Conversation::start_with(&bundle, start, &mut env) {
        Ok(started) => started,
        Err(error) => return common::fail_usage(&error.to_string()),
    };
    let mut shown_events = 0;
    show(&bundle, &conversation, &turn, &mut shown_events);
    let stdin = std::io::stdin();
    let mut stdin = stdin.lock();
    let mut number = 0usize;
    while conversation.status() == Status::Waiting {
        if interactive {
            common::print("> ");
        }
        number += 1;
        let line = match read_line(&mut stdin) {
            Ok(Line::End) => return 0,
            Ok(Line::Text(line)) => line,
            Ok(Line::TooLong(length)) => {
                common::eprint(&format!(
                    "input line {number} ignored: it is {length} bytes or more; a turn is at most {MAX_LINE} bytes\n"
                ));
                continue;
            }
            Ok(Line::Endless) => {
                return common::fail_usage(&format!(
                    "input line {number} has no end after {} MiB; stopping",
                    MAX_SKIPPED_LINE >> 20
                ));
            }
            Ok(Line::NotUtf8(offset)) => {
                common::eprint(&format!(
                    "input line {number} ignored: it is not UTF-8 text (invalid byte at column {})\n",
                    offset + 1
                ));
                continue;
            }
            Err(error) => return common::fail_usage(&format!("cannot read input: {error}")),
        };
        let line = line.trim();
        let input = match line {
            "" => continue,
            "/quit" | "/exit" => return 0,
            "/noinput" => Input::NoInput,
            _ if line.starts_with('/') => {
                common::eprint(&format!(
                    "unknown command {line}: use /noinput, /quit, #123 for keys, or plain text\n"
                ));
                continue;
            }
            _ => match line.strip_prefix('#') {
                Some(keys) if is_keys(keys) => Input::Keys(keys.to_string()),
                Some("") => Input::Keys("#".into()),
                _ => Input::Text(line.to_string()),
            },
        };
        env.clock = clock();
        let turn = match conversation.input(&bundle, input, &mut env) {
            Ok(turn) => turn,
            Err(error) => return common::fail_usage(&error.to_string()),
        };
        if !interactive {
            // Echo piped input as the transcript has it: keys as `[keys 12]`, answers to
            // sensitive questions masked.
            let said = conversation
                .transcript()
                .iter()
                .rev()
                .find(|entry| entry.who == Speaker::User)
                .map_or(line, |entry| entry.text.as_str());
            common::print(&format!("you: {said}\n"));
        }
        show(&bundle, &conversation, &turn, &mut shown_events);
    }
    u8::from(conversation.status() == Status::Failed)
}

/// The longest input line taken as one turn (64 KiB); longer lines are skipped without
/// being held in memory.
const MAX_LINE: usize = 64 * 1024;

/// How much of an over-long line is skipped looking for its end before `run` gives up on
/// the input (16 MiB).
const MAX_SKIPPED_LINE: usize = 16 * 1024 * 1024;

enum Line {
    Text(String),
    /// Longer than [`MAX_LINE`]: the length read before giving up on it.
    TooLong(usize),
    /// Not UTF-8: the offset of the first bad byte.
    NotUtf8(usize),
    /// No line end in [`MAX_SKIPPED_LINE`] bytes (`< /dev/zero`): reading stops.
    Endless,
    End,
}

/// Reads one line of at most [`MAX_LINE`] bytes; the rest of a longer line is read and
/// dropped, so memory stays bounded whatever is piped in (`csflow run … < /dev/zero`).
fn read_line(reader: &mut impl BufRead) -> std::io::Result<Line> {
    let mut line = Vec::new();
    let mut length = 0usize;
    let mut any = false;
    loop {
        let buffer = match reader.fill_buf() {
            Ok(buffer) => buffer,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        };
        if buffer.is_empty() {
            break;
        }
        any = true;
        let (chunk, done) = match buffer.iter().position(|&b| b == b'\n') {
            Some(end) => (&buffer[..end], true),
            None => (buffer, false),
        };
        length += chunk.len();
        if length <= MAX_LINE {
            line.extend_from_slice(chunk);
        }
        let used = chunk.len() + usize::from(done);
        reader.consume(used);
        if done {
            break;
        }
        if length > MAX_LINE {
            line = Vec::new();
        }
        if length > MAX_SKIPPED_LINE {
            return Ok(Line::Endless);
        }
    }
    if !any {
        return Ok(Line::End);
    }
    if length > MAX_LINE {
        return Ok(Line::TooLong(length));
    }
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    match String::from_utf8(line) {
        Ok(text) => Ok(Line::Text(text)),
        Err(error) => Ok(Line::NotUtf8(error.utf8_error().valid_up_to())),
    }
}

/// `#` is followed by keypad keys: digits, `*` and `#`.
fn is_keys(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || c == '*' || c == '#')
}

fn load(args: &Args) -> Result<Bundle, u8> {
    if let [path] = args.files.as_slice()
        && path.extension().is_some_and(|e| e == "csfb")
    {
        return disasm::load(path).map_err(|message| common::fail_usage(&message));
    }
    build::compile(&args.files, args.color, false, false).map(|(_, bundle, _)| bundle)
}

/// Checks `--mock` against the project: the service and operation exist (else a "did you
/// mean"), and a mocked record has only declared result fields, each of its declared type.
fn check_mocks(bundle: &Bundle, mocks: &[(String, String, Option<Value>)]) -> Result<(), String> {
    use csflow_compiler::suggest::closest;
    let hint = |word: &str, names: &[&str]| match closest(word, names.iter().copied()) {
        Some(near) => format!(" (did you mean `{near}`?)"),
        None if names.is_empty() => String::new(),
        None => format!("; known: {}", names.join(", ")),
    };
    for (service, operation, answer) in mocks {
        let services: Vec<&str> = bundle.services.iter().map(|s| bundle.str(s.name)).collect();
        let Some(declared) = bundle
            .services
            .iter()
            .find(|s| bundle.str(s.name) == service)
        else {
            return Err(format!(
                "--mock {service}.{operation}: the project has no service `{service}`{}",
                hint(service, &services)
            ));
        };
        let operations: Vec<&str> = declared
            .operations
            .iter()
            .map(|o| bundle.str(o.name))
            .collect();
        let Some(op) = declared
            .operations
            .iter()
            .find(|o| bundle.str(o.name) == operation)
        else {
            return Err(format!(
                "--mock {service}.{operation}: the service `{service}` has no operation `{operation}`{}",
                hint(operation, &operations)
            ));
        };
        let Some(answer) = answer else {
            continue;
        };
        let Value::Record(fields) = answer else {
            return Err(format!(
                "--mock {service}.{operation}: the answer must be a JSON object of its result fields, not `{}`",
                answer.display()
            ));
        };
        let declared_fields: Vec<&str> = op.returns.iter().map(|f| bundle.str(f.name)).collect();
        if let Some((name, _)) = fields
            .iter()
            .find(|(name, _)| !declared_fields.contains(&name.as_str()))
        {
            return Err(format!(
                "--mock {service}.{operation}: the operation returns no field `{name}`{}",
                hint(name, &declared_fields)
            ));
        }
        // The very conversion a service's answer gets when the call returns.
        if let Err(error) = csflow_runtime::services::typed_result(bundle, op, answer.clone()) {
            return Err(format!("--mock {service}.{operation}: {error}"));
        }
    }
    Ok(())
}

/// How the input point collects keys, when the flow says: `timeout 5s, at most 11 digits,
/// finish with #`.
fn timing_text(expecting: &Expecting<'_>) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(ms) = expecting.timeout_ms {
        parts.push(if ms % 1000 == 0 {
            format!("timeout {}s", ms / 1000)
        } else {
            format!("timeout {ms}ms")
        });
    }
    if let Some(n) = expecting.max_digits {
        parts.push(format!("at most {n} digits"));
    }
    if let Some(key) = expecting.finish_key {
        parts.push(format!("finish with {key}"));
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// Prints one turn: what the bot said, what it waits for, how the conversation ended; and the
/// events (failed service calls) the transcript recorded since the last turn, as tests show
/// them.
fn show(bundle: &Bundle, conversation: &Conversation, turn: &Turn, shown_events: &mut usize) {
    let mut out = String::new();
    let transcript = conversation.transcript();
    for entry in transcript.iter().skip(*shown_events) {
        if entry.who == Speaker::Event && entry.text.starts_with("call ") {
            out.push_str(&format!("-- event: {}\n", entry.text));
        }
    }
    *shown_events = transcript.len();
    for output in &turn.outputs {
        match output.url() {
            Some(url) => out.push_str(&format!("bot: [play {url}] {}\n", output.text())),
            None => out.push_str(&format!("bot: {}\n", output.text())),
        }
    }
    if let Some(timing) = turn.expecting.as_ref().and_then(timing_text) {
        out.push_str(&format!("     ({timing})\n"));
    }
    match turn.status {
        Status::Waiting => match &turn.expecting {
            Some(expecting) if expecting.kind == ExpectKind::Menu => {
                let options: Vec<String> = expecting
                    .options
                    .iter()
                    .map(|o| match &o.key {
                        Some(key) => format!("[{key}] {}", o.label),
                        None => format!("[{}]", o.label),
                    })
                    .collect();
                out.push_str(&format!("     options: {}\n", options.join("  ")));
            }
            Some(expecting) => {
                if let Some(slot) = &expecting.slot {
                    out.push_str(&format!("     (answer for {slot})\n"));
                }
            }
            None => {}
        },
        // `input` answers every call before it returns: never shown.
        Status::Calling => {}
        Status::Ended => out.push_str("-- the conversation has ended\n"),
        Status::Transferred => {
            if let Some(transfer) = &turn.transfer {
                out.push_str(&format!(
                    "-- transferred to {}{}\n",
                    transfer.to,
                    transfer
                        .reason
                        .as_ref()
                        .map(|r| format!(" (reason {})", testing::quote(r)))
                        .unwrap_or_default()
                ));
            }
        }
        Status::HandedOff => {
            if let Some(handoff) = &turn.handoff {
                out.push_str(&format!(
                    "-- handed off to queue {} (priority {}{})\n",
                    handoff.queue,
                    handoff.priority,
                    handoff
                        .reason
                        .as_ref()
                        .map(|r| format!(", reason {}", testing::quote(r)))
                        .unwrap_or_default()
                ));
            }
            let slots: Vec<String> = conversation
                .slots_masked(bundle)
                .iter()
                .filter(|(_, value)| value.is_set())
                .map(|(name, value)| format!("{name} = {}", value.display()))
                .collect();
            if !slots.is_empty() {
                out.push_str(&format!("   slots: {}\n", slots.join(", ")));
            }
        }
        Status::Failed => out.push_str(&format!(
            "-- the conversation failed: {}\n",
            turn.error.as_deref().unwrap_or("unknown error")
        )),
    }
    common::print(&out);
}
