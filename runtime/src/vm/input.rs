//! Input delivery: hands a user's reply to the `ask` or `menu` the conversation waits at —
//! parses an `ask`'s slot, picks a menu option (keys, label, phrase, intent) — and runs
//! `no_match` / `no_input` retries and handlers when it does not fit.

use super::exec::{InputKind, IntentScores, Machine};
use super::*;
use crate::bundle::cache::OptionTexts;
use crate::bundle::{InputHandler, Instr, PointKind, SlotType};
use crate::nlu::similarity::{best_of, contains_word};
use crate::nlu::slots::Reply;
use crate::nlu::{self, INTENT_THRESHOLD};

impl Machine<'_, '_> {
    /// Hands the last input to the input point the conversation waits at and moves `pc` on.
    pub(super) fn deliver(&mut self, kind: InputKind) -> Result<(), String> {
        let wait = self.conv.pc;
        let Some(Instr::Wait(point_index)) = self.flow.code.get(wait as usize) else {
            return Err("the conversation is not at an input point".into());
        };
        let point = self
            .flow
            .points
            .get(*point_index as usize)
            .ok_or("unknown input point")?;
        if kind == InputKind::NoInput {
            self.conv.no_input_count = self.conv.no_input_count.saturating_add(1);
            return self.failure(*point_index, false);
        }
        let last = &self.conv.last;
        match &point.kind {
            PointKind::Ask { var } => {
                let ty = self
                    .flow
                    .vars
                    .get(*var as usize)
                    .map(|v| &v.ty)
                    .unwrap_or(&SlotType::Text);
                let reply = Reply {
                    text: &last.text,
                    keys: last.keys,
                    voice: self.conv.channel == Channel::Voice,
                    today: Some(super::clock::today(self.bundle, self.flow, &self.clock)),
                };
                if let Some(value) = nlu::parse_slot(ty, self.bundle, reply) {
                    let slot = self
                        .conv
                        .slots
                        .get_mut(*var as usize)
                        .ok_or("ask of an unknown slot")?;
                    *slot = value;
                    self.conv.attempts = 0;
                    return self.jump(wait + 1);
                }
            }
            PointKind::Menu { options } => {
                if let (Some(at), Some(index)) = (&point.items, self.pick_item(last)) {
                    let item = self
                        .conv
                        .items
                        .take()
                        .and_then(|items| items.values.into_iter().nth(index))
                        .unwrap_or_default();
                    let slot = self
                        .conv
                        .slots
                        .get_mut(at.into as usize)
                        .ok_or("options from into an unknown name")?;
                    *slot = item;
                    self.trace.push(TraceEvent::Option {
                        point: *point_index,
                        option: options.len() as u32,
                    });
                    self.conv.attempts = 0;
                    return self.jump(at.action);
                }
                let bundle = self.bundle;
                let (flow, point) = (self.conv.flow as usize, *point_index as usize);
                // Keys never need the normalised texts: worked out only for text replies.
                let texts = || bundle.models.menu(bundle, flow, point);
                if let Some(index) =
                    pick_option(bundle, &mut self.intent_scores, options, texts, last)
                {
                    self.trace.push(TraceEvent::Option {
                        point: *point_index,
                        option: index as u32,
                    });
                    self.conv.attempts = 0;
                    let action = options.get(index).map_or(0, |o| o.action);
                    return self.jump(action);
                }
            }
        }
        self.conv.no_match_count = self.conv.no_match_count.saturating_add(1);
        self.failure(*point_index, true)
    }

    /// The `options from` item a reply picks: its key (1..N, before any static option's),
    /// or its label (the whole reply, normalised, or the one label the reply contains).
    fn pick_item(&self, last: &LastInput) -> Option<usize> {
        let labels = &self.conv.items.as_deref()?.labels;
        let key = (1..=labels.len()).find(|k| same_keys(&last.text, &k.to_string()));
        if key.is_some() || last.keys {
            return key.map(|k| k - 1);
        }
        let norm = nlu::normalize(&last.text);
        if norm.is_empty() {
            return None;
        }
        let normalised: Vec<String> = labels.iter().map(|l| nlu::normalize(l)).collect();
        if let Some(i) = normalised.iter().position(|l| *l == norm) {
            return Some(i);
        }
        let mentioned: Vec<usize> = (0..labels.len())
            .filter(|i| !normalised[*i].is_empty() && contains_word(&norm, &normalised[*i]))
            .collect();
        match mentioned[..] {
            [one] => Some(one),
            _ => None,
        }
    }

    /// A `no_match` (or `no_input`) at an input point: retry, run the handler, or re-prompt.
    fn failure(&mut self, point_index: u32, no_match: bool) -> Result<(), String> {
        let point = self
            .flow
            .points
            .get(point_index as usize)
            .ok_or("unknown input point")?;
        let handlers = &self.flow.handlers;
        let handler: Option<&InputHandler> = if no_match {
            point.no_match.as_ref().or(handlers.no_match.as_ref())
        } else {
            point.no_input.as_ref().or(handlers.no_input.as_ref())
        };
        self.conv.attempts = self.conv.attempts.saturating_add(1);
        match handler {
            None => {
                self.conv.retrying = true;
                self.jump(point.prompt)
            }
            Some(h) if self.conv.attempts <= h.retries => {
                self.conv.retrying = true;
                self.jump(h.retry_message.unwrap_or(point.prompt))
            }
            Some(h) => {
                self.conv.attempts = 0;
                self.enter_handler(ReturnTo::Pc(point.after), HandlerKind::Input)?;
                self.jump(h.action)
            }
        }
    }
}

/// The option (index into `options`) a reply picks: by keys; for text by a key spoken or
/// typed, the label, a phrase or the label inside the text, then the best-scoring intent.
/// `texts` gives the options' normalised label and phrases, worked out once per bundle.
#[inline]
fn pick_option<'t>(
    bundle: &Bundle,
    scores: &mut IntentScores,
    options: &[crate::bundle::MenuOption],
    texts: impl FnOnce() -> &'t [OptionTexts],
    last: &LastInput,
) -> Option<usize> {
    let text = last.text.as_str();
    // Keypad input and most typed keys are ASCII without spaces: already compact.
    let compact = text
        .bytes()
        .all(|b| b.is_ascii() && !char::from(b).is_whitespace());
    let is_key = |key: &str| {
        if compact {
            text == key
        } else {
            same_keys(text, key)
        }
    };
    let by_key = options
        .iter()
        .position(|o| o.keys.iter().any(|k| is_key(bundle.str(*k))));
    if last.keys || by_key.is_some() {
        return by_key;
    }
    let norm = nlu::normalize(text);
    if norm.is_empty() {
        return None;
    }
    let texts = texts();
    if let Some(i) = texts.iter().position(|t| t.label == norm) {
        return Some(i);
    }
    let phrase_hit = texts
        .iter()
        .position(|t| t.phrases.iter().any(|p| contains_word(&norm, p)));
    if phrase_hit.is_some() {
        return phrase_hit;
    }
    let scores = scores.get(bundle, last);
    let per_option: Vec<f32> = options
        .iter()
        .map(|o| {
            o.intents
                .iter()
                .filter_map(|i| scores.get(*i as usize).copied())
                .fold(0.0, f32::max)
        })
        .collect();
    best_of(&per_option, INTENT_THRESHOLD).map(|(i, _)| i)
}

/// Whether a reply, without its whitespace and with full-width characters made half-width,
/// is exactly the option key `key` (compared as it goes, without building the compact text).
fn same_keys(reply: &str, key: &str) -> bool {
    let mut compact = reply
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(nlu::normalize::half_width);
    key.chars().all(|k| compact.next() == Some(k)) && compact.next().is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_compare_compacted() {
        assert!(same_keys(" 1 2 ", "12"));
        assert!(same_keys("１２", "12"));
        assert!(!same_keys("123", "12"));
        assert!(!same_keys("1", "12"));
    }
}
