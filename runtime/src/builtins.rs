//! The one table of expression built-ins, plain data shared by the compiler (name
//! resolution, `reserved-name`, types) and the runtime (the `builtin` instruction).
//!
//! A built-in is either a value the VM reads from the conversation (`text`, `turns`…, an
//! [`Builtin`] instruction) or a keyword that takes an operand and is compiled to its own
//! instruction (`intent NAME`, `open(HOURS)`). Slots and `into` results may not take any of
//! these names.

use crate::bundle::Builtin;

/// What a built-in's value is, for the compiler's type checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuiltinType {
    Text,
    Number,
    /// A whole number (the counts).
    Integer,
    /// `intent NAME` and `open(HOURS)`: yes/no.
    Bool,
    /// `today`.
    Date,
    /// `now`.
    Time,
}

/// One expression built-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BuiltinName {
    pub name: &'static str,
    /// The instruction that reads it; `None` for the keywords with an operand.
    pub value: Option<Builtin>,
    pub ty: BuiltinType,
    /// One line for hovers and docs.
    pub summary: &'static str,
}

const fn value(
    name: &'static str,
    b: Builtin,
    ty: BuiltinType,
    summary: &'static str,
) -> BuiltinName {
    BuiltinName {
        name,
        value: Some(b),
        ty,
        summary,
    }
}

/// Every built-in, in the order error messages list them.
pub static BUILTINS: [BuiltinName; 10] = [
    value(
        "text",
        Builtin::Text,
        BuiltinType::Text,
        "the caller's last input as text (empty after a time-out)",
    ),
    value(
        "sentiment",
        Builtin::Sentiment,
        BuiltinType::Number,
        "the sentiment of the last input, from -1 (angry) to 1 (happy)",
    ),
    BuiltinName {
        name: "intent",
        value: None,
        ty: BuiltinType::Bool,
        summary: "`intent NAME`: whether the last input matches the intent",
    },
    value(
        "no_match_count",
        Builtin::NoMatchCount,
        BuiltinType::Integer,
        "how many inputs in a row did not match",
    ),
    value(
        "no_input_count",
        Builtin::NoInputCount,
        BuiltinType::Integer,
        "how many prompts in a row timed out",
    ),
    value(
        "turns",
        Builtin::Turns,
        BuiltinType::Integer,
        "how many inputs the conversation has had",
    ),
    BuiltinName {
        name: "open",
        value: None,
        ty: BuiltinType::Bool,
        summary: "`open(HOURS)`: whether the hours are open now",
    },
    value(
        "channel",
        Builtin::Channel,
        BuiltinType::Text,
        "the conversation's channel: voice or chat",
    ),
    value(
        "today",
        Builtin::Today,
        BuiltinType::Date,
        "today's date in the flow's time zone, from the conversation's clock",
    ),
    value(
        "now",
        Builtin::Now,
        BuiltinType::Time,
        "the time of day (hours and minutes) in the flow's time zone, from the conversation's clock",
    ),
];

/// The built-in called `name`.
pub fn lookup(name: &str) -> Option<&'static BuiltinName> {
    BUILTINS.iter().find(|b| b.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_builtin_round_trips_through_its_name() {
        for builtin in BUILTINS.iter() {
            if let Some(value) = builtin.value {
                assert_eq!(value.as_str(), builtin.name);
                assert_eq!(Builtin::from_name(builtin.name), Some(value));
            } else {
                assert_eq!(Builtin::from_name(builtin.name), None);
            }
        }
    }
}
