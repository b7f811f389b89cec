//! Where the server's log lines go and how they look. Every turn logs one event (the
//! `csflow::turn` schema of docs/server.md), so this is on the hot path of every turn: lines
//! are formatted by a lean text formatter into tracing-subscriber's per-thread buffer,
//! appended to one shared batch, and written by one writer thread a few milliseconds later.

use std::fmt::{self, Write as _};
use std::io::{self, Write};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::{FormatTime, SystemTime};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// How long the writer thread lets lines pile up before writing them: one `write` per
/// this interval under load instead of one per turn, and what a `kill -9` can lose.
const FLUSH_EVERY: Duration = Duration::from_millis(5);

/// Past this many bytes waiting (a disk slower than the turns), the thread that logs writes
/// the batch out itself: no line is ever dropped, and memory stays bounded.
const MAX_PENDING: usize = 4 << 20;

/// Keeps the log writer alive: dropping it writes out every line still waiting. Hold it
/// until the process exits (a `kill -9` loses at most the last few milliseconds of lines).
pub struct LogGuard {
    batch: Arc<Batch>,
    worker: Option<std::thread::JoinHandle<()>>,
}

impl Drop for LogGuard {
    fn drop(&mut self) {
        lock(&self.batch.pending).stop = true;
        self.batch.wake.notify_one();
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
        // Whatever was appended between the worker's last batch and now.
        self.batch.write_out(None);
    }
}

/// Logs to stderr: human lines, or one JSON object per line with `json`, written in
/// batches by one thread (see [`batched`]).
pub fn init_logging(json: bool) -> LogGuard {
    let filter = tracing_subscriber::EnvFilter::try_from_env("CSFLOW_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let (writer, guard) = batched(io::stderr(), FLUSH_EVERY);
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    let _ = if json {
        builder.json().flatten_event(true).try_init()
    } else {
        builder.event_format(TextLines).try_init()
    };
    guard
}

/// A log writer for tracing-subscriber that appends each line to one shared buffer; a
/// writer thread wakes when a line lands in an empty buffer, waits `every` for more, and
/// writes them all to `sink` in one call. Lines come out whole and in the order they were
/// logged. It replaced tracing-appender's `non_blocking`, which copied every line into its
/// own allocation, sent it over a channel and woke the writer thread for nearly every line
/// (a context switch per turn, and the line freed on another thread): about a tenth of the
/// server's CPU time per turn (bench/README.md, issue 9 session 11).
pub fn batched<W: Write + Send + 'static>(sink: W, every: Duration) -> (Batched, LogGuard) {
    let batch = Arc::new(Batch {
        pending: Mutex::new(Pending::default()),
        wake: Condvar::new(),
        sink: Mutex::new((Box::new(sink), Vec::new())),
    });
    let worker = {
        let batch = batch.clone();
        std::thread::Builder::new()
            .name("csflow-log".into())
            .spawn(move || batch.run(every))
            .ok()
    };
    // Without a writer thread (spawning failed), each line is written at once.
    let inline = worker.is_none();
    (
        Batched {
            batch: batch.clone(),
            inline,
        },
        LogGuard { batch, worker },
    )
}

#[derive(Default)]
struct Pending {
    lines: Vec<u8>,
    /// The writer thread is asleep on `wake` and needs a notification for new lines.
    idle: bool,
    stop: bool,
}

type Sink = (Box<dyn Write + Send>, Vec<u8>);

struct Batch {
    pending: Mutex<Pending>,
    wake: Condvar,
    /// The output and a spare buffer, swapped with the pending lines: whoever holds this
    /// lock writes, so batches go out in the order they were taken.
    sink: Mutex<Sink>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    match mutex.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

impl Batch {
    fn run(&self, every: Duration) {
        loop {
            {
                let mut pending = lock(&self.pending);
                while pending.lines.is_empty() && !pending.stop {
                    pending.idle = true;
                    pending = match self.wake.wait(pending) {
                        Ok(guard) => guard,
                        Err(poisoned) => poisoned.into_inner(),
                    };
                }
                pending.idle = false;
                // Let lines pile up for `every` (a stopping guard cuts the wait short).
                if !pending.stop {
                    pending = match self.wake.wait_timeout_while(pending, every, |p| !p.stop) {
                        Ok((guard, _)) => guard,
                        Err(poisoned) => poisoned.into_inner().0,
                    };
                }
                if pending.stop {
                    drop(pending);
                    self.write_out(None);
                    return;
                }
            }
            self.write_out(None);
        }
    }

    /// Takes every pending line (after `line`, when given) and writes them to the sink.
    fn write_out(&self, line: Option<&[u8]>) {
        let mut sink = lock(&self.sink);
        let (out, spare) = &mut *sink;
        {
            let mut pending = lock(&self.pending);
            if let Some(line) = line {
                pending.lines.extend_from_slice(line);
            }
            std::mem::swap(&mut pending.lines, spare);
        }
        if !spare.is_empty() {
            // Nowhere to report a failing stderr: the lines are dropped, as before.
            let _ = out.write_all(spare).and_then(|()| out.flush());
            spare.clear();
        }
    }
}

/// The `MakeWriter` of [`batched`].
pub struct Batched {
    batch: Arc<Batch>,
    inline: bool,
}

/// One line's writer: tracing-subscriber formats an event into a buffer of its own and
/// hands it over with one `write_all`.
pub struct BatchLine<'a> {
    batched: &'a Batched,
}

impl<'a> MakeWriter<'a> for Batched {
    type Writer = BatchLine<'a>;

    fn make_writer(&'a self) -> BatchLine<'a> {
        BatchLine { batched: self }
    }
}

impl Write for BatchLine<'_> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let batch = &self.batched.batch;
        if self.batched.inline {
            batch.write_out(Some(bytes));
            return Ok(bytes.len());
        }
        let mut pending = lock(&batch.pending);
        // Past the limit, or with the writer thread stopped (a line logged after the guard
        // was dropped), the caller writes.
        if pending.stop || pending.lines.len() + bytes.len() > MAX_PENDING {
            drop(pending);
            batch.write_out(Some(bytes));
            return Ok(bytes.len());
        }
        pending.lines.extend_from_slice(bytes);
        if pending.idle {
            pending.idle = false;
            drop(pending);
            batch.wake.notify_one();
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The text format: the line tracing-subscriber's default format prints without colours
/// (`2026-12-02T03:24:09.604886Z  INFO csflow::turn: turn schema=1 conversation="…" …`),
/// written without its per-field `Debug` and ANSI-styling machinery, which cost a quarter of
/// a turn's instructions (bench/README.md). The server opens no spans, so none are printed.
pub struct TextLines;

impl<S, N> FormatEvent<S, N> for TextLines
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        _context: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        // The line is made in a `String` of its own and handed over in one write: every
        // piece written through `writer` was a dynamic call, and numbers went through
        // `core::fmt` (together ~40 % of the turn event's cost, bench/README.md).
        let mut line = String::with_capacity(320);
        timestamp(&mut line, std::time::SystemTime::now())?;
        let meta = event.metadata();
        let level = meta.level().as_str();
        line.push(' ');
        for _ in level.len()..5 {
            line.push(' ');
        }
        line.push_str(level);
        line.push(' ');
        line.push_str(meta.target());
        line.push_str(": ");
        let mut fields = Fields {
            line: &mut line,
            first: true,
            result: Ok(()),
        };
        event.record(&mut fields);
        fields.result?;
        line.push('\n');
        writer.write_str(&line)
    }
}

/// `2026-12-02T03:24:09.604886Z`, as tracing-subscriber's `SystemTime` writes it, with the
/// part up to the seconds made once a second per thread (`%Y-%m-%dT%H:%M:%S` through
/// `write!` of seven padded numbers was ~1 % of a turn) and the microseconds written as
/// digits. Times outside the years 0–9999, which that format writes differently, are left
/// to it.
fn timestamp(line: &mut String, now: std::time::SystemTime) -> fmt::Result {
    thread_local! {
        static SECOND: std::cell::Cell<(i64, [u8; 19])> = const { std::cell::Cell::new((i64::MIN, [0; 19])) };
    }
    let Ok(since) = now.duration_since(std::time::UNIX_EPOCH) else {
        return write_system_time(line, now);
    };
    let Ok(secs) = i64::try_from(since.as_secs()) else {
        return write_system_time(line, now);
    };
    let (cached, mut prefix) = SECOND.get();
    if cached != secs {
        let Some(time) = chrono::DateTime::from_timestamp(secs, 0) else {
            return write_system_time(line, now);
        };
        let text = time.format("%Y-%m-%dT%H:%M:%S").to_string();
        let Ok(bytes) = <[u8; 19]>::try_from(text.as_bytes()) else {
            // A year of more or fewer than four digits.
            return write_system_time(line, now);
        };
        prefix = bytes;
        SECOND.set((secs, prefix));
    }
    let mut fraction = *b".000000Z";
    let mut micros = since.subsec_micros();
    for digit in fraction[1..7].iter_mut().rev() {
        *digit = b'0' + (micros % 10) as u8;
        micros /= 10;
    }
    // Both parts are ASCII.
    line.push_str(std::str::from_utf8(&prefix).map_err(|_| fmt::Error)?);
    line.push_str(std::str::from_utf8(&fraction).map_err(|_| fmt::Error)?);
    Ok(())
}

/// tracing-subscriber's own timestamp (it reads the clock again), for the times
/// [`timestamp`] does not make itself: before 1970 or past the year 9999.
fn write_system_time(line: &mut String, _: std::time::SystemTime) -> fmt::Result {
    SystemTime.format_time(&mut Writer::new(line))
}

/// Writes `message k=v k="text"…` as the default format does: the message bare, text
/// quoted and escaped like `{:?}`, everything else as it displays.
struct Fields<'a> {
    line: &'a mut String,
    first: bool,
    result: fmt::Result,
}

impl Fields<'_> {
    fn separate(&mut self, field: &Field) {
        if !self.first {
            self.line.push(' ');
        }
        self.first = false;
        if field.name() != "message" {
            self.line.push_str(field.name());
            self.line.push('=');
        }
    }

    fn put(&mut self, field: &Field, value: impl FnOnce(&mut String) -> fmt::Result) {
        if self.result.is_ok() {
            self.separate(field);
            self.result = value(self.line);
        }
    }
}

/// `value` quoted as `{:?}` quotes it; text with nothing to escape (the common case: ids,
/// state names, Chinese labels) is copied as it is instead of char by char.
fn quoted(line: &mut String, value: &str) -> fmt::Result {
    // Without an early exit the ASCII test is vectorised (ids and names are short).
    let plain = !value.bytes().fold(false, |seen, b| {
        seen | !(0x20..0x7f).contains(&b) | (b == b'"') | (b == b'\\')
    }) || value
        .chars()
        .all(|c| c != '"' && c != '\\' && c.escape_debug().len() == 1);
    if plain {
        line.push('"');
        line.push_str(value);
        line.push('"');
        Ok(())
    } else {
        write!(line, "{value:?}")
    }
}

/// A number's digits, as `{}` writes them.
fn unsigned(line: &mut String, value: u64) {
    let (digits, at) = crate::turn::digits(value);
    for &digit in &digits[at..] {
        line.push(digit as char);
    }
}

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        let message = field.name() == "message";
        self.put(field, |line| {
            if message {
                line.push_str(value);
                Ok(())
            } else {
                quoted(line, value)
            }
        });
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.put(field, |line| {
            unsigned(line, value);
            Ok(())
        });
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.put(field, |line| {
            if value < 0 {
                line.push('-');
            }
            unsigned(line, value.unsigned_abs());
            Ok(())
        });
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.put(field, |line| {
            line.push_str(if value { "true" } else { "false" });
            Ok(())
        });
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.put(field, |line| write!(line, "{value:?}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl io::Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            self.0
                .lock()
                .map_err(|_| io::Error::other("poisoned"))?
                .extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// The lines of `log` through `format`, with the timestamp cut off.
    fn lines(format: impl FnOnce(Captured) -> Box<dyn Subscriber + Send + Sync>) -> Vec<String> {
        let captured = Captured::default();
        let subscriber = format(captured.clone());
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(target: "csflow::turn", schema = 1, conversation = "c0ffee", flow = %"support", option = Some("套餐 \"Plus\""), queue = None::<&str>, latency_us = 17u64, ok = true, delta = -3i64, zero = 0u64, big = u64::MAX, small = i64::MIN, "turn");
            tracing::warn!(target: "csflow::server", error = %"tab\there", "hand-off delivery failed; retrying in {} ms", 250);
            tracing::info!(target: "csflow::server", path = "line\nbreak", "control characters are escaped");
        });
        let text = String::from_utf8(captured.0.lock().expect("lock").clone()).expect("UTF-8");
        text.lines()
            .map(|l| {
                l.split_once(' ')
                    .map(|(_, rest)| rest.to_string())
                    .unwrap_or_default()
            })
            .collect()
    }

    #[test]
    fn text_lines_are_what_the_default_format_prints_without_colours() {
        let ours = lines(|w| {
            Box::new(
                tracing_subscriber::fmt()
                    .with_writer(move || w.clone())
                    .event_format(TextLines)
                    .finish(),
            )
        });
        let default = lines(|w| {
            Box::new(
                tracing_subscriber::fmt()
                    .with_writer(move || w.clone())
                    .with_ansi(false)
                    .finish(),
            )
        });
        assert_eq!(ours.len(), 3, "{ours:?}");
        assert_eq!(ours, default);
        assert!(ours[0].starts_with(" INFO csflow::turn: turn schema=1 conversation=\"c0ffee\" flow=support option=\"套餐 \\\"Plus\\\"\""), "{}", ours[0]);
    }

    fn text(captured: &Captured) -> String {
        String::from_utf8(captured.0.lock().expect("lock").clone()).expect("UTF-8")
    }

    #[test]
    fn batched_lines_from_many_threads_come_out_whole_in_order_and_all_by_the_guards_drop() {
        let captured = Captured::default();
        let (writer, guard) = batched(captured.clone(), Duration::from_millis(1));
        let subscriber = tracing_subscriber::fmt()
            .with_writer(writer)
            .event_format(TextLines)
            .finish();
        let dispatch = tracing::Dispatch::new(subscriber);
        std::thread::scope(|scope| {
            for thread in 0..4 {
                let dispatch = dispatch.clone();
                scope.spawn(move || {
                    tracing::dispatcher::with_default(&dispatch, || {
                        for i in 0..5_000u64 {
                            tracing::info!(target: "csflow::turn", thread, i, "turn");
                        }
                    });
                });
            }
        });
        drop(guard);
        let text = text(&captured);
        let mut next = [0u64; 4];
        for line in text.lines() {
            let (_, fields) = line.split_once(" turn thread=").expect("a whole line");
            let (thread, i) = fields.split_once(" i=").expect("both fields");
            let (thread, i): (usize, u64) = (thread.parse().expect("n"), i.parse().expect("n"));
            assert_eq!(i, next[thread], "thread {thread}'s lines in order");
            next[thread] += 1;
        }
        assert_eq!(next, [5_000; 4], "every line written");
    }

    #[test]
    fn batched_lines_are_written_without_waiting_for_the_guard() {
        let captured = Captured::default();
        let (writer, _guard) = batched(captured.clone(), Duration::from_millis(1));
        let subscriber = tracing_subscriber::fmt()
            .with_writer(writer)
            .event_format(TextLines)
            .finish();
        let wait_for = |word: &str| {
            let deadline = std::time::Instant::now() + Duration::from_secs(10);
            while !text(&captured).contains(word) {
                assert!(
                    std::time::Instant::now() < deadline,
                    "{word} not written in 10 s"
                );
                std::thread::sleep(Duration::from_millis(1));
            }
        };
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(target: "csflow::turn", "first");
            wait_for("first");
            // The writer thread has gone back to sleep: the next line wakes it again.
            std::thread::sleep(Duration::from_millis(20));
            tracing::info!(target: "csflow::turn", "second");
            wait_for("second");
        });
    }

    fn timestamp_text(at: std::time::SystemTime) -> String {
        let mut text = String::new();
        timestamp(&mut text, at).expect("format");
        text
    }

    #[test]
    fn timestamps_are_what_tracing_subscriber_writes() {
        use std::time::{Duration, SystemTime as Clock, UNIX_EPOCH};
        // Fixed instants (a leap day, the last microsecond of a year, the epoch), each
        // twice so the second is written from the cache.
        for (secs, micros, expected) in [
            (0, 0, "1970-01-01T00:00:00.000000Z"),
            (951_782_400, 7, "2000-02-29T00:00:00.000007Z"),
            (1_798_761_599, 999_999, "2026-12-31T23:59:59.999999Z"),
            (1_796_182_969, 604_886, "2026-12-02T03:42:49.604886Z"),
            (253_402_300_799, 120_000, "9999-12-31T23:59:59.120000Z"),
        ] {
            let at = UNIX_EPOCH + Duration::from_secs(secs) + Duration::from_micros(micros);
            assert_eq!(timestamp_text(at), expected);
            assert_eq!(timestamp_text(at), expected);
        }
        // Now, against tracing-subscriber's own, within one second (retried if the second
        // turned between the two).
        for _ in 0..100 {
            let mut theirs = String::new();
            SystemTime
                .format_time(&mut Writer::new(&mut theirs))
                .expect("format");
            let ours = timestamp_text(Clock::now());
            assert_eq!(ours.len(), theirs.len(), "{ours} {theirs}");
            if ours[..19] == theirs[..19] {
                assert!(ours.ends_with('Z') && ours.as_bytes()[19] == b'.', "{ours}");
                return;
            }
        }
        panic!("the second never matched");
    }

    #[test]
    fn a_line_logged_after_the_guard_is_dropped_is_still_written() {
        let captured = Captured::default();
        let (writer, guard) = batched(captured.clone(), Duration::from_secs(3600));
        let mut line = writer.make_writer();
        line.write_all(b"before\n").expect("write");
        drop(guard);
        line.write_all(b"after\n").expect("write");
        assert_eq!(text(&captured), "before\nafter\n");
    }

    #[test]
    fn a_line_past_the_pending_limit_is_written_by_the_caller() {
        let captured = Captured::default();
        // A writer thread that would wait an hour: only the caller can have written it.
        let (writer, _guard) = batched(captured.clone(), Duration::from_secs(3600));
        let mut line = writer.make_writer();
        line.write_all(b"small\n").expect("write");
        let big = vec![b'x'; MAX_PENDING];
        line.write_all(&big).expect("write");
        let text = text(&captured);
        assert!(
            text.starts_with("small\nxxx"),
            "{}",
            &text[..10.min(text.len())]
        );
        assert_eq!(text.len(), 6 + MAX_PENDING);
    }
}
