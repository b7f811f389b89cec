//! Coverage: the states entered and menu options taken by the tests that ran (from each
//! turn's trace), set against every state and option of every flow of the bundle.

use super::report::{FlowCoverage, Location, OptionCoverage, StateCoverage};
use crate::ast::{self, Item};
use crate::source::{FileId, SourceMap, Span};
use csflow_runtime::bundle::PointKind;
use csflow_runtime::vm::TraceEvent;
use csflow_runtime::{Bundle, Turn};
use std::collections::{BTreeMap, BTreeSet};

/// States entered and options picked, by flow index.
#[derive(Default)]
pub(super) struct Seen {
    states: BTreeSet<(usize, u32)>,
    options: BTreeSet<(usize, u32, u32)>,
}

impl Seen {
    pub(super) fn record(&mut self, flow: usize, turn: &Turn) {
        for event in &turn.trace {
            match *event {
                TraceEvent::State(state) => {
                    self.states.insert((flow, state));
                }
                TraceEvent::Option { point, option } => {
                    self.options.insert((flow, point, option));
                }
            }
        }
    }
}

/// Every flow's states and menu options, marked with what `seen` recorded.
pub(super) fn coverage(
    files: &[(FileId, ast::File)],
    sources: &SourceMap,
    bundle: &Bundle,
    seen: &Seen,
) -> Vec<FlowCoverage> {
    let mut state_spans: BTreeMap<(&str, &str), Span> = BTreeMap::new();
    for (_, file) in files {
        for item in &file.items {
            if let Item::Flow(flow) = item
                && let Some(flow_name) = &flow.name
            {
                for name in flow.states.iter().filter_map(|s| s.name.as_ref()) {
                    state_spans
                        .entry((flow_name.name.as_str(), name.name.as_str()))
                        .or_insert(name.span);
                }
            }
        }
    }
    let location_of = |flow: &csflow_runtime::bundle::Flow, pc: u32| {
        let loc = flow.locs.get(pc as usize)?;
        let file = bundle.files.get(loc.file as usize)?;
        Some(Location {
            file: bundle.str(*file).to_string(),
            line: loc.line,
            column: loc.col,
        })
    };
    let mut flows: Vec<FlowCoverage> = bundle
        .flows
        .iter()
        .enumerate()
        .map(|(flow_index, flow)| {
            let flow_name = bundle.str(flow.name);
            let states = flow
                .states
                .iter()
                .enumerate()
                .map(|(index, state)| {
                    let name = bundle.str(state.name);
                    StateCoverage {
                        name: name.to_string(),
                        location: state_spans
                            .get(&(flow_name, name))
                            .map(|span| Location::of(*span, sources)),
                        visited: seen.states.contains(&(flow_index, index as u32)),
                    }
                })
                .collect();
            let mut options = Vec::new();
            for (point_index, point) in flow.points.iter().enumerate() {
                let PointKind::Menu { options: menu } = &point.kind else {
                    continue;
                };
                // States are laid out in source order, so a menu belongs to the last state
                // that starts before its prompt.
                let state = flow
                    .states
                    .iter()
                    .filter(|s| s.entry <= point.prompt)
                    .max_by_key(|s| s.entry)
                    .map(|s| bundle.str(s.name).to_string())
                    .unwrap_or_default();
                for (option_index, option) in menu.iter().enumerate() {
                    options.push(OptionCoverage {
                        state: state.clone(),
                        label: bundle.str(option.label).to_string(),
                        key: option.keys.first().map(|k| bundle.str(*k).to_string()),
                        location: location_of(flow, option.action),
                        taken: seen.options.contains(&(
                            flow_index,
                            point_index as u32,
                            option_index as u32,
                        )),
                    });
                }
            }
            FlowCoverage {
                flow: flow_name.to_string(),
                states,
                options,
            }
        })
        .collect();
    flows.sort_by(|a, b| a.flow.cmp(&b.flow));
    flows
}
