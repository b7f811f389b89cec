//! Where the server's log lines go and how they look. Every turn logs one event (the
//! `csflow::turn` schema of docs/server.md), so this is on the hot path of every turn: lines
//! are formatted by a lean text formatter and written by one writer thread in batches.

use std::fmt;
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::{FormatTime, SystemTime};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// Keeps the log writer alive: dropping it writes out every line still buffered. Hold it
/// until the process exits (a `kill -9` loses at most the last few milliseconds of lines).
pub struct LogGuard {
    _worker: tracing_appender::non_blocking::WorkerGuard,
}

/// Logs to stderr: human lines, or one JSON object per line with `json`. Lines are handed
/// to one writer thread that writes whatever has piled up in one go, so a busy server does
/// one `write` per batch instead of one per turn; it never drops a line (a full queue makes
/// the logging thread wait instead).
pub fn init_logging(json: bool) -> LogGuard {
    let filter = tracing_subscriber::EnvFilter::try_from_env("CSFLOW_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let (writer, worker) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(false)
        .thread_name("csflow-log")
        .finish(std::io::BufWriter::with_capacity(
            64 * 1024,
            std::io::stderr(),
        ));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    let _ = if json {
        builder.json().flatten_event(true).try_init()
    } else {
        builder.event_format(TextLines).try_init()
    };
    LogGuard { _worker: worker }
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
        SystemTime.format_time(&mut writer)?;
        let meta = event.metadata();
        write!(writer, " {:>5} {}: ", meta.level().as_str(), meta.target())?;
        let mut fields = Fields {
            writer: &mut writer,
            first: true,
            result: Ok(()),
        };
        event.record(&mut fields);
        fields.result?;
        writer.write_char('\n')
    }
}

/// Writes `message k=v k="text"…` as the default format does: the message bare, text
/// quoted and escaped like `{:?}`, everything else as it displays.
struct Fields<'a, 'w> {
    writer: &'a mut Writer<'w>,
    first: bool,
    result: fmt::Result,
}

impl Fields<'_, '_> {
    fn separate(&mut self, field: &Field) -> fmt::Result {
        if !self.first {
            self.writer.write_char(' ')?;
        }
        self.first = false;
        if field.name() != "message" {
            self.writer.write_str(field.name())?;
            self.writer.write_char('=')?;
        }
        Ok(())
    }

    fn put(&mut self, field: &Field, value: impl FnOnce(&mut Writer<'_>) -> fmt::Result) {
        if self.result.is_ok() {
            self.result = self.separate(field).and_then(|()| value(self.writer));
        }
    }
}

/// `value` quoted as `{:?}` quotes it; text with nothing to escape (the common case: ids,
/// state names, Chinese labels) is copied as it is instead of char by char.
fn quoted(writer: &mut Writer<'_>, value: &str) -> fmt::Result {
    let plain = value
        .bytes()
        .all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\')
        || value
            .chars()
            .all(|c| c != '"' && c != '\\' && c.escape_debug().len() == 1);
    if plain {
        writer.write_char('"')?;
        writer.write_str(value)?;
        writer.write_char('"')
    } else {
        write!(writer, "{value:?}")
    }
}

impl Visit for Fields<'_, '_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        let message = field.name() == "message";
        self.put(field, |w| {
            if message {
                w.write_str(value)
            } else {
                quoted(w, value)
            }
        });
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.put(field, |w| write!(w, "{value}"));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.put(field, |w| write!(w, "{value}"));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.put(field, |w| write!(w, "{value}"));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.put(field, |w| write!(w, "{value:?}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io;
    use std::sync::{Arc, Mutex};

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
            tracing::info!(target: "csflow::turn", schema = 1, conversation = "c0ffee", flow = %"support", option = Some("套餐 \"Plus\""), queue = None::<&str>, latency_us = 17u64, ok = true, delta = -3i64, "turn");
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
}
