//! `/metrics`: Prometheus text from the `prometheus-client` crate. Labels carry names from
//! the bundle (flows, states, queues, services) and fixed words — never a user's value.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct FlowInput {
    pub flow: String,
    pub input: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct FlowLabel {
    pub flow: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct HandoffLabel {
    pub flow: String,
    pub queue: String,
    pub reason: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct FlowState {
    pub flow: String,
    pub state: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ServiceLabel {
    pub service: String,
    pub operation: String,
    pub outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ClassifierLabel {
    pub outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OpLabel {
    pub operation: &'static str,
}

/// The `input` label values of `csflow_turns_total`, in [`FlowCounters::turns`] order.
const TURN_INPUTS: [&str; 4] = ["start", "text", "keys", "no_input"];

/// One flow's per-turn counters, resolved once and kept beside the bundle
/// (`bundles::Loaded`), so that a turn increments them directly instead of building a label
/// set of owned strings, hashing it and taking the family's lock. Each is a handle on the
/// very counter of the family (`Counter` clones share their value): `/metrics` shows the
/// same series, with the same names and labels, whichever way a turn was counted.
#[derive(Clone, Debug)]
pub struct FlowCounters {
    turns: [Counter; 4],
    pub started: Counter,
    pub ended: Counter,
}

impl FlowCounters {
    /// The `csflow_turns_total` counter of input kind `input` (`start`, `text`, `keys`,
    /// `no_input`); `None` for any other word.
    pub fn turns(&self, input: &str) -> Option<&Counter> {
        TURN_INPUTS
            .iter()
            .position(|known| *known == input)
            .map(|i| &self.turns[i])
    }
}

fn latency_histogram() -> Histogram {
    // 50 µs … ~1.6 s.
    Histogram::new(exponential_buckets(0.00005, 2.0, 16))
}

fn service_histogram() -> Histogram {
    // 1 ms … ~32 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 16))
}

pub struct Metrics {
    registry: Registry,
    pub turns: Family<FlowInput, Counter>,
    pub started: Family<FlowLabel, Counter>,
    pub ended: Family<FlowLabel, Counter>,
    pub handed_off: Family<HandoffLabel, Counter>,
    pub no_match: Family<FlowState, Counter>,
    pub no_input: Family<FlowState, Counter>,
    pub active: Gauge,
    pub turn_latency: Histogram,
    pub service_latency: Family<ServiceLabel, Histogram, fn() -> Histogram>,
    pub classifier_latency: Family<ClassifierLabel, Histogram, fn() -> Histogram>,
    pub store_errors: Family<OpLabel, Counter>,
    pub handoff_deliveries: Family<OpLabel, Counter>,
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("csflow");
        let turns = Family::<FlowInput, Counter>::default();
        registry.register("turns", "Turns by flow and input kind", turns.clone());
        let started = Family::<FlowLabel, Counter>::default();
        registry.register(
            "conversations_started",
            "Conversations started",
            started.clone(),
        );
        let ended = Family::<FlowLabel, Counter>::default();
        registry.register("conversations_ended", "Conversations ended", ended.clone());
        let handed_off = Family::<HandoffLabel, Counter>::default();
        registry.register(
            "conversations_handed_off",
            "Conversations handed off, by queue and reason",
            handed_off.clone(),
        );
        let no_match = Family::<FlowState, Counter>::default();
        registry.register(
            "no_match",
            "Inputs not understood, by state",
            no_match.clone(),
        );
        let no_input = Family::<FlowState, Counter>::default();
        registry.register(
            "no_input",
            "Time-outs without input, by state",
            no_input.clone(),
        );
        let active = Gauge::default();
        registry.register(
            "active_conversations",
            "Conversations held by this process and still waiting",
            active.clone(),
        );
        let turn_latency = latency_histogram();
        registry.register(
            "turn_duration_seconds",
            "Time to answer one turn, store included",
            turn_latency.clone(),
        );
        let service_latency =
            Family::<ServiceLabel, Histogram, fn() -> Histogram>::new_with_constructor(
                service_histogram,
            );
        registry.register(
            "service_call_duration_seconds",
            "Service calls by outcome (ok, failed, timeout, malformed)",
            service_latency.clone(),
        );
        let classifier_latency =
            Family::<ClassifierLabel, Histogram, fn() -> Histogram>::new_with_constructor(
                service_histogram,
            );
        registry.register(
            "intent_classifier_duration_seconds",
            "External intent classifier requests by outcome (ok, failed, timeout, malformed); all but ok fell back to the offline matcher",
            classifier_latency.clone(),
        );
        let store_errors = Family::<OpLabel, Counter>::default();
        registry.register("store_errors", "Session store errors", store_errors.clone());
        let handoff_deliveries = Family::<OpLabel, Counter>::default();
        registry.register(
            "handoff_deliveries",
            "Hand-off webhook attempts by outcome (delivered, retry)",
            handoff_deliveries.clone(),
        );
        Metrics {
            registry,
            turns,
            started,
            ended,
            handed_off,
            no_match,
            no_input,
            active,
            turn_latency,
            service_latency,
            classifier_latency,
            store_errors,
            handoff_deliveries,
        }
    }

    pub fn render(&self) -> String {
        let mut text = String::new();
        if prometheus_client::encoding::text::encode(&mut text, &self.registry).is_err() {
            text.clear();
        }
        text
    }

    /// The counters every turn of flow `flow` counts in, looked up once (see
    /// [`FlowCounters`]).
    pub fn flow_counters(&self, flow: &str) -> FlowCounters {
        let turns = |input: &'static str| {
            self.turns
                .get_or_create(&FlowInput {
                    flow: flow.to_string(),
                    input,
                })
                .clone()
        };
        let label = FlowLabel {
            flow: flow.to_string(),
        };
        FlowCounters {
            turns: TURN_INPUTS.map(turns),
            started: self.started.get_or_create(&label).clone(),
            ended: self.ended.get_or_create(&label).clone(),
        }
    }

    pub fn store_error(&self, operation: &'static str) {
        self.store_errors
            .get_or_create(&OpLabel { operation })
            .inc();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line<'a>(text: &'a str, series: &str) -> Option<&'a str> {
        text.lines().find(|l| l.starts_with(series))
    }

    #[test]
    fn counts_through_the_cached_handles_are_the_familys_counts() {
        let metrics = Metrics::new();
        let cached = metrics.flow_counters("support");
        for _ in 0..7 {
            cached.turns("keys").expect("keys").inc();
        }
        cached.turns("start").expect("start").inc();
        cached.started.inc();
        // The same series counted the old way, and through a second lookup of the handles.
        metrics
            .turns
            .get_or_create(&FlowInput {
                flow: "support".into(),
                input: "keys",
            })
            .inc();
        metrics
            .flow_counters("support")
            .turns("keys")
            .expect("keys")
            .inc();
        assert!(cached.turns("typed").is_none());
        let text = metrics.render();
        assert_eq!(
            line(&text, r#"csflow_turns_total{flow="support",input="keys"}"#),
            Some(r#"csflow_turns_total{flow="support",input="keys"} 9"#),
            "{text}"
        );
        assert_eq!(
            line(&text, r#"csflow_turns_total{flow="support",input="start"}"#),
            Some(r#"csflow_turns_total{flow="support",input="start"} 1"#),
            "{text}"
        );
        assert_eq!(
            line(
                &text,
                r#"csflow_conversations_started_total{flow="support"}"#
            ),
            Some(r#"csflow_conversations_started_total{flow="support"} 1"#),
            "{text}"
        );
    }
}
