//! `/metrics`: Prometheus text from the `prometheus-client` crate. Labels carry names from
//! the bundle (flows, states, queues, services) and fixed words — never a user's value.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::sync::OnceLock;

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

/// The `input` label values of `csflow_turns_total`, in [`FlowCounters`]'s order.
const TURN_INPUTS: [&str; 4] = ["start", "text", "keys", "no_input"];

/// One flow's per-turn counters, kept beside the bundle (`bundles::Loaded`) and each
/// resolved on its first use, so that a turn increments a counter directly instead of
/// building a label set of owned strings, hashing it and taking the family's lock. Each is
/// a handle on the very counter of the family (`Counter` clones share their value), taken
/// when the turn that first counts it would have created it: `/metrics` shows the same
/// series, with the same names and labels, at the same moments, as without the cache.
#[derive(Debug)]
pub struct FlowCounters {
    flow: Box<str>,
    turns: [OnceLock<Counter>; 4],
    started: OnceLock<Counter>,
    ended: OnceLock<Counter>,
}

impl FlowCounters {
    pub fn new(flow: &str) -> FlowCounters {
        FlowCounters {
            flow: flow.into(),
            turns: Default::default(),
            started: OnceLock::new(),
            ended: OnceLock::new(),
        }
    }

    fn label(&self) -> FlowLabel {
        FlowLabel {
            flow: self.flow.to_string(),
        }
    }

    /// Counts one turn of input kind `input` in `csflow_turns_total`.
    pub fn count_turn(&self, metrics: &Metrics, input: &'static str) {
        let label = || FlowInput {
            flow: self.flow.to_string(),
            input,
        };
        match TURN_INPUTS.iter().position(|known| *known == input) {
            Some(i) => {
                self.turns[i]
                    .get_or_init(|| metrics.turns.get_or_create(&label()).clone())
                    .inc();
            }
            None => {
                metrics.turns.get_or_create(&label()).inc();
            }
        }
    }

    /// Counts one conversation started (`csflow_conversations_started_total`).
    pub fn count_started(&self, metrics: &Metrics) {
        self.started
            .get_or_init(|| metrics.started.get_or_create(&self.label()).clone())
            .inc();
    }

    /// Counts one conversation ended (`csflow_conversations_ended_total`).
    pub fn count_ended(&self, metrics: &Metrics) {
        self.ended
            .get_or_init(|| metrics.ended.get_or_create(&self.label()).clone())
            .inc();
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
        let cached = FlowCounters::new("support");
        assert!(
            !metrics.render().contains("csflow_turns_total{"),
            "no series before the first turn"
        );
        for _ in 0..7 {
            cached.count_turn(&metrics, "keys");
        }
        cached.count_turn(&metrics, "start");
        cached.count_started(&metrics);
        // The same series counted the old way, and through a second cache.
        metrics
            .turns
            .get_or_create(&FlowInput {
                flow: "support".into(),
                input: "keys",
            })
            .inc();
        FlowCounters::new("support").count_turn(&metrics, "keys");
        // A word outside the cached ones is still counted.
        cached.count_turn(&metrics, "typed");
        let text = metrics.render();
        let value =
            |series: &str| line(&text, series).map(|l| l[series.len()..].trim().to_string());
        assert_eq!(
            value(r#"csflow_turns_total{flow="support",input="keys"}"#).as_deref(),
            Some("9"),
            "{text}"
        );
        assert_eq!(
            value(r#"csflow_turns_total{flow="support",input="start"}"#).as_deref(),
            Some("1"),
            "{text}"
        );
        assert_eq!(
            value(r#"csflow_turns_total{flow="support",input="typed"}"#).as_deref(),
            Some("1"),
            "{text}"
        );
        assert_eq!(
            value(r#"csflow_conversations_started_total{flow="support"}"#).as_deref(),
            Some("1"),
            "{text}"
        );
        // Series nothing counted yet are not shown, as without the cache.
        assert!(!text.contains(r#"input="text""#), "{text}");
        assert!(
            !text.contains("csflow_conversations_ended_total{"),
            "{text}"
        );
    }
}
