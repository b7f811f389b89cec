//! Initial slot values a host passes when it starts a conversation ([`Start::variables`],
//! the HTTP API's `variables`), checked against each slot's declared type before the flow
//! runs. Text goes through the slot's own reply parser (what an `ask` would accept, so
//! `"12 34"` fills a `digits(4)` slot as `1234`); other values must already be of the type.

use super::{Start, StartError};
use crate::bundle::{Bundle, Flow, SlotType};
use crate::disasm::type_text;
use crate::nlu::{self, slots::Reply};
use crate::value::Value;

/// Sets `start.variables` into `slots` (the flow's, in `Flow::vars` order).
pub(super) fn set(
    bundle: &Bundle,
    flow: &Flow,
    slots: &mut [Value],
    start: &Start<'_>,
) -> Result<(), StartError> {
    for (name, value) in start.variables {
        let bad = |reason: String| StartError::BadVariable {
            name: name.clone(),
            reason,
        };
        let Some(index) = flow.vars.iter().position(|v| bundle.str(v.name) == name) else {
            return Err(bad(format!(
                "flow `{}` has no slot of that name",
                bundle.str(flow.name)
            )));
        };
        let var = &flow.vars[index];
        if var.is_result {
            return Err(bad("it is a call's result, set by the call".into()));
        }
        let fitted = fit(&var.ty, bundle, value).ok_or_else(|| {
            bad(format!(
                "expected {}, got {}",
                type_text(bundle, &var.ty),
                value.described()
            ))
        })?;
        if let Some(slot) = slots.get_mut(index) {
            *slot = fitted;
        }
    }
    Ok(())
}

/// `value` as a value of `ty`, or `None` when it is not one. `none` leaves the slot unset.
fn fit(ty: &SlotType, bundle: &Bundle, value: &Value) -> Option<Value> {
    let parse = |text: &str| {
        let reply = Reply {
            text,
            keys: false,
            voice: false,
            // A start variable is a value, not a reply: "tomorrow" is not read as a date.
            today: None,
        };
        nlu::parse_slot(ty, bundle, reply)
    };
    match (ty, value) {
        (SlotType::Record, _) => None,
        (_, Value::None) => Some(Value::None),
        (_, Value::Text(text)) => parse(text),
        (SlotType::Number, Value::Number(_)) => Some(value.clone()),
        (SlotType::Integer | SlotType::Digits { .. }, Value::Number(n))
            if n.fract() == 0.0 && n.abs() < 1e15 =>
        {
            match ty {
                SlotType::Integer => Some(value.clone()),
                _ => parse(&value.display()),
            }
        }
        (SlotType::YesNo | SlotType::Bool, Value::Bool(_))
        | (SlotType::Date, Value::Date(_))
        | (SlotType::Time, Value::Time(_)) => Some(value.clone()),
        _ => None,
    }
}
