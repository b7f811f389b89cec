//! The API's Turn: the VM's [`Turn`] with the conversation id, as JSON ([`json`]), and a
//! summary of what the turn did for logs, metrics and the hand-off outbox.

mod json;

pub(crate) use json::digits;
pub use json::to_json;

use csflow_runtime::bundle::PointKind;
use csflow_runtime::vm::{HandoffInfo, Output, TraceEvent};
use csflow_runtime::{Bundle, Conversation, Status, Turn};

/// `zh-CN` for text with Chinese characters (voice channels pick the voice by it).
pub fn language_of(text: &str) -> Option<&'static str> {
    if text.is_ascii() {
        return None;
    }
    text.chars()
        .any(|c| {
            matches!(c as u32, 0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0xF900..=0xFAFF | 0x3000..=0x303F | 0xFF00..=0xFFEF)
        })
        .then_some("zh-CN")
}

/// The language of an output: the flow's or the prompt's own, else guessed from its text.
pub fn output_language<'a>(output: &'a Output<'_>) -> Option<&'a str> {
    output.language().or_else(|| language_of(output.text()))
}

/// The texts of a turn's outputs.
pub fn texts<'a>(turn: &'a Turn<'_>) -> impl Iterator<Item = &'a str> {
    turn.outputs.iter().map(Output::text)
}

/// What one turn did, in names only (no user values): the turn log event and metrics. The
/// names are borrowed from the bundle (which outlives the turn), so summing up a turn copies
/// no text.
#[derive(Debug, Clone)]
pub struct Summary<'b> {
    pub flow: &'b str,
    pub from_state: &'b str,
    pub to_state: &'b str,
    pub status: Status,
    /// `start`, `option`, `answer`, `no_match`, `no_input`, `handoff`, `transfer`, `end`,
    /// `failed`
    /// (`calling` only if a service answer could not be applied).
    pub outcome: &'static str,
    /// The menu option picked, by label.
    pub option: Option<&'b str>,
    pub handoff: Option<HandoffInfo>,
    /// The input was not understood / was a time-out (also when that led to a hand-off).
    pub no_match: bool,
    pub no_input: bool,
}

/// Counters before a turn, to tell afterwards what it did.
#[derive(Clone, Copy)]
pub struct Before {
    no_match: u32,
    no_input: u32,
}

impl Before {
    pub fn of(conversation: &Conversation) -> Before {
        Before {
            no_match: conversation.no_match_count(),
            no_input: conversation.no_input_count(),
        }
    }
}

pub fn summarize<'b>(
    bundle: &'b Bundle,
    conversation: &Conversation,
    turn: &Turn<'b>,
    from_state: &'b str,
    before: Option<Before>,
) -> Summary<'b> {
    let flow_name = conversation.flow_name(bundle);
    let option = turn.trace.iter().find_map(|event| match event {
        TraceEvent::Option { point, option } => {
            let flow = bundle.flows.get(conversation.flow_index())?;
            match &flow.points.get(*point as usize)?.kind {
                PointKind::Menu { options } => {
                    options.get(*option as usize).map(|o| bundle.str(o.label))
                }
                PointKind::Ask { .. } => None,
            }
        }
        TraceEvent::State(_) => None,
    });
    let no_match = before.is_some_and(|b| conversation.no_match_count() > b.no_match);
    let no_input = before.is_some_and(|b| conversation.no_input_count() > b.no_input);
    let outcome = match (turn.status, before) {
        (Status::HandedOff, _) => "handoff",
        (Status::Transferred, _) => "transfer",
        (Status::Ended, _) => "end",
        (Status::Failed, _) => "failed",
        (Status::Calling, _) => "calling",
        (Status::Waiting, None) => "start",
        (Status::Waiting, Some(before)) => {
            if conversation.no_match_count() > before.no_match {
                "no_match"
            } else if conversation.no_input_count() > before.no_input {
                "no_input"
            } else if option.is_some() {
                "option"
            } else {
                "answer"
            }
        }
    };
    Summary {
        flow: flow_name,
        from_state,
        to_state: turn.state,
        status: turn.status,
        outcome,
        option,
        handoff: turn.handoff.clone(),
        no_match,
        no_input,
    }
}
