//! Menus callers can follow: `voice-menu-too-long`, `menu-too-deep`,
//! `voice-option-without-key` and `shadowed-option`. (`prompt-key-mismatch` reads the
//! prompt text and lives in [`super::prompts`].)

use super::graph::{FlowGraph, Node};
use super::reachability::input_span;
use super::{Context, edits, similar};
use crate::ast::*;
use crate::diagnostic::ids;
use crate::diagnostic::{Diagnostic, Edit};
use crate::resolve::FlowModel;
use crate::visit::each_flow_stmt;
use petgraph::graph::NodeIndex;
use rustc_hash::FxHashMap;
use std::collections::VecDeque;

pub fn check(context: &Context, flow: &FlowModel, diagnostics: &mut Vec<Diagnostic>) {
    let voice = flow.flow.is_voice();
    let limit = context.options.thresholds.voice_menu_options;
    let mut rules = EscalateIntents::new(context, flow);
    each_flow_stmt(flow.flow, &mut |stmt| {
        let StmtKind::Menu(menu) = &stmt.kind else {
            return;
        };
        if voice {
            too_long(stmt, menu, limit, diagnostics);
            without_key(context, menu, diagnostics);
            key_prefixes(menu, diagnostics);
            item_key_prefixes(menu, diagnostics);
        }
        let before = diagnostics.len();
        shadowed(context, menu, diagnostics);
        // One warning per option: one shadowed by an earlier option is not reported again.
        let taken: Vec<crate::source::Span> = diagnostics[before..]
            .iter()
            .map(|d| d.primary.span)
            .collect();
        rules.shadowed(context, menu, &taken, diagnostics);
    });
}

/// The `escalate` rules that are just `when intent NAME …`: checked on every input before
/// the menu, so an option that only that intent picks can never be chosen.
struct EscalateIntents<'a> {
    /// (intent name, the rule's condition span, the intent's group in `model`).
    rules: Vec<(&'a str, crate::source::Span, usize)>,
    /// The intent matcher over every intent of the project, made on first use.
    model: Option<csflow_runtime::nlu::similarity::TextModel>,
}

impl<'a> EscalateIntents<'a> {
    fn new(context: &Context<'_, 'a>, flow: &FlowModel<'a>) -> EscalateIntents<'a> {
        let mut rules = Vec::new();
        for rule in &flow.flow.escalate {
            let mut condition = &rule.condition;
            while let ExprKind::Paren(inner) = &condition.kind {
                condition = inner;
            }
            if let ExprKind::Intent(name) = &condition.kind
                && let Some(group) = context
                    .model
                    .intents
                    .iter()
                    .position(|i| i.name.text() == Some(name.name.as_str()))
            {
                rules.push((name.name.as_str(), rule.condition.span, group));
            }
        }
        EscalateIntents { rules, model: None }
    }

    /// Does the rule's intent win for `text`, as at run time (at the threshold, and no other
    /// intent higher)?
    fn wins(&mut self, context: &Context, group: usize, text: &str) -> bool {
        let model = self.model.get_or_insert_with(|| {
            let texts: Vec<(u32, String)> = context
                .model
                .intents
                .iter()
                .enumerate()
                .flat_map(|(i, intent)| {
                    intent
                        .examples
                        .iter()
                        .map(move |e| (i as u32, e.plain_text()))
                })
                .collect();
            csflow_runtime::nlu::similarity::TextModel::new(
                texts.iter().map(|(g, t)| (*g, t.as_str())),
                false,
            )
        });
        let scores = model.scores(text);
        scores.get(group).is_some_and(|&score| {
            score >= csflow_runtime::nlu::similarity::INTENT_THRESHOLD
                && scores.iter().all(|s| *s <= score)
        })
    }

    /// `shadowed-option` for options without keys that every way of picking (their label,
    /// intents and phrases) is taken first by one `when intent NAME` rule.
    fn shadowed(
        &mut self,
        context: &Context,
        menu: &Menu,
        taken: &[crate::source::Span],
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        if self.rules.is_empty() {
            return;
        }
        for option in &menu.options {
            if !option.keys.is_empty()
                || option.label.has_interpolation()
                || taken.contains(&option.label.span)
            {
                continue;
            }
            let label = option.label.plain_text();
            let rules = self.rules.clone();
            let Some((name, span, _)) = rules.into_iter().find(|&(name, _, group)| {
                option.intents.iter().all(|i| i.name == name)
                    && self.wins(context, group, &label)
                    && option
                        .phrases
                        .iter()
                        .all(|p| self.wins(context, group, &p.plain_text()))
            }) else {
                continue;
            };
            diagnostics.push(
                Diagnostic::new(
                    ids::SHADOWED_OPTION,
                    option.label.span,
                    format!("the option \"{label}\" can never be chosen"),
                )
                .with_primary_message(format!(
                    "what picks this option is the intent `{name}`, which an `escalate` rule takes first"
                ))
                .with_label(span, format!("this rule runs on every input, before the menu: `when intent {name}`"))
                .with_note("remove the option (the rule already does its job), or give it a key, label or phrase the rule does not take"),
            );
        }
    }
}

/// `key-prefix` against the keys `options from` gives its items (`1` to `N`, N its `max`):
/// a static `key 10` next to items keyed 1 to 4 starts with the key of item 1, so a caller
/// who presses 1 for the item may wait for a second digit (an equal key is `duplicate-key`).
fn item_key_prefixes(menu: &Menu, diagnostics: &mut Vec<Diagnostic>) {
    let Some(dynamic) = &menu.dynamic else {
        return;
    };
    let max = dynamic
        .max_items()
        .min(csflow_runtime::bundle::MAX_MENU_ITEMS);
    for option in &menu.options {
        for key in &option.keys {
            if !key.keys.bytes().all(|b| b.is_ascii_digit()) || key.keys.starts_with('0') {
                continue;
            }
            // The longest item key this key starts with (items 1..=max, never equal).
            let item = (1..=max)
                .rev()
                .map(|k| k.to_string())
                .find(|k| key.keys.len() > k.len() && key.keys.starts_with(k.as_str()));
            let Some(item) = item else {
                continue;
            };
            diagnostics.push(
                Diagnostic::new(
                    ids::KEY_PREFIX,
                    key.span,
                    format!(
                        "key {} starts with key {item}, the key of item {item} of `options from`",
                        key.keys
                    ),
                )
                .with_primary_message(format!(
                    "a caller who presses {item} for the item and pauses may get nothing, or wait"
                ))
                .with_label(dynamic.span, format!("keys its items 1 to {max}"))
                .with_note(format!(
                    "give \"{}\" a one-digit key above {max} (or 0, * or #), or lower the items' `max`",
                    option.label.plain_text()
                )),
            );
        }
    }
}

/// `key-prefix`: in a voice menu, a key that is the start of another (`1` and `10`): a
/// caller who presses 1 and pauses either gets the option of 1 or waits for a second digit.
fn key_prefixes(menu: &Menu, diagnostics: &mut Vec<Diagnostic>) {
    let keys: Vec<(&Key, &MenuOption)> = menu
        .options
        .iter()
        .flat_map(|o| o.keys.iter().map(move |k| (k, o)))
        .filter(|(k, _)| k.keys.bytes().all(|b| b.is_ascii_digit()))
        .collect();
    if keys.len() < 2 {
        return;
    }
    // Sorted, a key's extensions follow it directly: one pass, no comparison of every pair.
    let mut sorted: Vec<usize> = (0..keys.len()).collect();
    sorted.sort_by(|&a, &b| keys[a].0.keys.cmp(&keys[b].0.keys).then(a.cmp(&b)));
    for (n, &i) in sorted.iter().enumerate() {
        let (short, short_option) = keys[i];
        let longer: Vec<usize> = sorted[n + 1..]
            .iter()
            .copied()
            .take_while(|&j| keys[j].0.keys.starts_with(&short.keys))
            .filter(|&j| keys[j].0.keys != short.keys)
            .collect();
        let Some(&first) = longer.first() else {
            continue;
        };
        let (long, long_option) = keys[first];
        let mut diagnostic = Diagnostic::new(
            ids::KEY_PREFIX,
            short.span,
            format!(
                "key {} is the start of key {} in this voice menu",
                short.keys, long.keys
            ),
        )
        .with_primary_message(format!(
            "a caller who presses {} for \"{}\" and pauses may get nothing, or wait",
            short.keys,
            short_option.label.plain_text()
        ))
        .with_label(
            long.span,
            format!(
                "\"{}\" starts with the same digit",
                long_option.label.plain_text()
            ),
        );
        for &j in longer.iter().skip(1).take(8) {
            diagnostic =
                diagnostic.with_label(keys[j].0.span, format!("key {} too", keys[j].0.keys));
        }
        let width = longer
            .iter()
            .map(|&j| keys[j].0.keys.len())
            .max()
            .unwrap_or(2);
        diagnostics.push(
            diagnostic
                .with_note(format!(
                    "give every option of the menu keys of one length (key {} instead of {}), or move the options with longer keys to a menu of their own",
                    format_args!("{:0>width$}", short.keys),
                    short.keys
                ))
                .with_fix(edits::unsafe_fix(
                    format!("use key {:0>width$}", short.keys),
                    vec![Edit {
                        span: short.span,
                        replacement: format!("{:0>width$}", short.keys),
                    }],
                )),
        );
    }
}

fn too_long(stmt: &Stmt, menu: &Menu, limit: usize, diagnostics: &mut Vec<Diagnostic>) {
    if let Some(dynamic) = &menu.dynamic {
        let most = menu.options.len() + dynamic.max_items() as usize;
        if most > limit {
            let span = dynamic.max.map_or(dynamic.span, |(_, span)| span);
            let written = match dynamic.max {
                Some((n, _)) => format!("`max {n}`"),
                None => format!("no `max` (so up to {})", DynamicOptions::DEFAULT_MAX),
            };
            diagnostics.push(
                Diagnostic::new(
                    ids::VOICE_MENU_TOO_LONG,
                    input_span(stmt),
                    format!(
                        "this voice menu may read out {most} options; callers remember about {limit}"
                    ),
                )
                .with_primary_message(format!("{most} options at most"))
                .with_label(span, format!("`options from` with {written}"))
                .with_note(format!(
                    "give `options from` a `max` so that the items and the other options are at most {limit}"
                )),
            );
        }
        return;
    }
    if menu.options.len() <= limit {
        return;
    }
    let mut diagnostic = Diagnostic::new(
        ids::VOICE_MENU_TOO_LONG,
        input_span(stmt),
        format!(
            "this voice menu has {} options; callers remember about {limit}",
            menu.options.len()
        ),
    )
    .with_primary_message(format!(
        "{} options read out in one prompt",
        menu.options.len()
    ));
    for (i, option) in menu.options.iter().enumerate().skip(limit) {
        diagnostic = diagnostic.with_label(
            option.label.span,
            format!("option {} of {}", i + 1, menu.options.len()),
        );
    }
    diagnostics.push(diagnostic.with_note(
        "split the menu: keep the most used options and move the rest behind an \"other services\" option",
    ));
}

fn without_key(context: &Context, menu: &Menu, diagnostics: &mut Vec<Diagnostic>) {
    let mut taken: Vec<&str> = menu
        .options
        .iter()
        .flat_map(|o| o.keys.iter().map(|k| k.keys.as_str()))
        .collect();
    for option in &menu.options {
        // A broken option's keys are unknown (its line may hold one past the mistake).
        if !option.keys.is_empty() || option.broken {
            continue;
        }
        let label = option.label.plain_text();
        let mut diagnostic = Diagnostic::new(
            ids::VOICE_OPTION_WITHOUT_KEY,
            option.label.span,
            format!("the voice menu option \"{label}\" has no key"),
        )
        .with_primary_message("callers using the keypad cannot choose this")
        .with_note("give it a `key` and announce that key in the menu's prompt");
        let free = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "0"]
            .into_iter()
            .find(|k| !taken.contains(k));
        if let Some(key) = free {
            taken.push(key);
            let at = option.label.span.end as usize;
            diagnostic = diagnostic.with_fix(edits::unsafe_fix(
                format!("give it key {key}"),
                vec![Edit {
                    span: crate::source::Span::new(option.label.span.file, at, at),
                    replacement: format!(" key {key}"),
                }],
            ));
        }
        let _ = context;
        diagnostics.push(diagnostic);
    }
}

/// How many earlier options with the same label `shadowed-option` tries for one option.
const MAX_SHADOW_CANDIDATES: usize = 16;

/// An option is shadowed when an earlier option of the same menu is picked by everything
/// that picks it: the same label (normalised) and a superset of its intents and phrases.
/// Options with keys are left to `duplicate-key`, which already reports shared keys.
///
/// Only earlier options with the same label can shadow one, so options are grouped by their
/// normalised label in one pass (no comparison of every pair: a menu of 100,000 options is
/// linear), and at most [`MAX_SHADOW_CANDIDATES`] earlier options of one label are tried.
fn shadowed(context: &Context, menu: &Menu, diagnostics: &mut Vec<Diagnostic>) {
    let mut by_label: FxHashMap<String, Vec<usize>> = FxHashMap::default();
    for (j, later) in menu.options.iter().enumerate() {
        if later.label.has_interpolation() {
            continue; // an `interpolated-label` error already
        }
        let label = similar::normalize(&later.label.plain_text());
        let same_label = by_label.entry(label).or_default();
        let candidates: &[usize] = same_label;
        let earlier = candidates
            .iter()
            .take(MAX_SHADOW_CANDIDATES)
            .map(|&i| &menu.options[i])
            .find(|earlier| {
                // What a broken option picks is unknown: it neither shadows nor is shadowed.
                !later.broken
                    && !earlier.broken
                    && later.keys.is_empty()
                    && later
                        .intents
                        .iter()
                        .all(|i| earlier.intents.iter().any(|e| e.name == i.name))
                    && later.phrases.iter().all(|p| {
                        let p = p.plain_text();
                        similar::same(&p, &earlier.label.plain_text())
                            || earlier
                                .phrases
                                .iter()
                                .any(|e| similar::same(&p, &e.plain_text()))
                    })
            });
        same_label.push(j);
        let Some(earlier) = earlier else { continue };
        diagnostics.push(
            Diagnostic::new(
                ids::SHADOWED_OPTION,
                later.label.span,
                format!(
                    "the option \"{}\" can never be chosen",
                    later.label.plain_text()
                ),
            )
            .with_primary_message("everything that picks this option picks an earlier one first")
            .with_label(earlier.label.span, "this earlier option always wins")
            .with_note("remove it, or give it a label, intent or phrase of its own")
            .with_fix(edits::unsafe_fix(
                "remove the shadowed option",
                vec![edits::remove(context.sources, later.span)],
            )),
        );
    }
}

/// `menu-too-deep`: on voice flows, the fewest menus a caller passes before each menu
/// (a 0-1 breadth-first search over every edge of the graph, where leaving a menu costs
/// one). Reported on the menus at exactly the threshold: the ones deeper still are only
/// reached through them.
pub fn check_depth(
    context: &Context,
    flow: &FlowModel,
    graph: &FlowGraph,
    diagnostics: &mut Vec<Diagnostic>,
) {
    if !flow.flow.is_voice() {
        return;
    }
    let limit = context.options.thresholds.menu_depth;
    let g = &graph.graph;
    let count = g.node_count();
    let mut depth = vec![usize::MAX; count];
    let mut parent: Vec<Option<NodeIndex>> = vec![None; count];
    let mut queue = VecDeque::new();
    depth[graph.start.index()] = 0;
    queue.push_back(graph.start);
    while let Some(node) = queue.pop_front() {
        let cost = usize::from(g[node].is_menu());
        let next_depth = depth[node.index()] + cost;
        for to in g.neighbors(node) {
            if next_depth < depth[to.index()] {
                depth[to.index()] = next_depth;
                parent[to.index()] = Some(node);
                if cost == 0 {
                    queue.push_front(to);
                } else {
                    queue.push_back(to);
                }
            }
        }
    }
    let deeper = graph
        .inputs
        .iter()
        .filter(|n| g[**n].is_menu() && depth[n.index()] != usize::MAX && depth[n.index()] > limit)
        .count();
    for &input in &graph.inputs {
        let Node::Input { stmt, .. } = g[input] else {
            continue;
        };
        if !g[input].is_menu() || depth[input.index()] != limit {
            continue;
        }
        let mut path: Vec<&Stmt> = Vec::new();
        let mut at = parent[input.index()];
        while let Some(node) = at {
            if let Node::Input { stmt, .. } = g[node]
                && g[node].is_menu()
            {
                path.push(stmt);
            }
            at = parent[node.index()];
        }
        path.reverse();
        let mut diagnostic = Diagnostic::new(
            ids::MENU_TOO_DEEP,
            input_span(stmt),
            format!("callers reach this menu only after passing {limit} other menus"),
        )
        .with_primary_message(format!("menu {} on the shortest way in", limit + 1));
        for (i, menu) in path.iter().enumerate() {
            diagnostic = diagnostic.with_label(
                input_span(menu),
                format!("menu {} of {limit} before it", i + 1),
            );
        }
        if deeper > 0 {
            diagnostic =
                diagnostic.with_note(format!("{deeper} menus of this flow are deeper still"));
        }
        diagnostics.push(diagnostic.with_note(
            "many callers hang up before they get this far: offer a shortcut from an earlier menu, merge levels, or let callers say what they want",
        ));
    }
}
