//! Runtime values: what slots, `into` results, service arguments and expressions hold.

use crate::bundle::{Date, Time};
use serde::{Deserialize, Serialize};

/// A value in a conversation. `None` is the empty value (`none`, an unset slot).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub enum Value {
    #[default]
    None,
    Bool(bool),
    Number(f64),
    Text(String),
    Date(Date),
    Time(Time),
    List(Vec<Value>),
    /// A service result: fields in declaration order.
    Record(Vec<(String, Value)>),
}

/// What a sensitive value looks like in transcripts, logs and hand-off payloads.
pub const MASK: &str = "***";

impl Value {
    pub fn is_set(&self) -> bool {
        !matches!(self, Value::None)
    }

    /// Truthiness for `if`: `none`, `false`, `0`, `""` and empty lists are false.
    pub fn truthy(&self) -> bool {
        match self {
            Value::None => false,
            Value::Bool(b) => *b,
            Value::Number(n) => *n != 0.0,
            Value::Text(t) => !t.is_empty(),
            Value::List(items) => !items.is_empty(),
            Value::Date(_) | Value::Time(_) | Value::Record(_) => true,
        }
    }

    pub fn field(&self, name: &str) -> Value {
        match self {
            Value::Record(fields) => fields
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
                .unwrap_or(Value::None),
            _ => Value::None,
        }
    }

    /// The value as an error message names it: `"9h30"`, `the number 3`, `a list` — a
    /// misfit of a service's answer or of a variable sent by a channel.
    pub fn described(&self) -> String {
        match self {
            Value::Text(text) => format!("\"{text}\""),
            Value::Number(_) => format!("the number {}", self.display()),
            Value::Bool(b) => format!("`{b}`"),
            Value::List(_) => "a list".into(),
            Value::Record(_) => "a record".into(),
            Value::None => "none".into(),
            Value::Date(_) | Value::Time(_) => self.display(),
        }
    }

    /// The text a `{…}` interpolation shows.
    pub fn display(&self) -> String {
        match self {
            Value::None => String::new(),
            Value::Bool(true) => "yes".into(),
            Value::Bool(false) => "no".into(),
            Value::Number(n) => format_number(*n),
            Value::Text(t) => t.clone(),
            Value::Date(d) => format!("{:04}-{:02}-{:02}", d.year, d.month, d.day),
            Value::Time(t) => format!("{:02}:{:02}", t.hour, t.minute),
            Value::List(items) => items
                .iter()
                .map(Value::display)
                .collect::<Vec<_>>()
                .join(", "),
            Value::Record(fields) => {
                let inner: Vec<String> = fields
                    .iter()
                    .map(|(k, v)| format!("{k}: {}", v.display()))
                    .collect();
                format!("{{{}}}", inner.join(", "))
            }
        }
    }

    /// As a number, when it is one or is text that reads as one (digits slots hold text).
    pub fn as_number(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            Value::Text(t) => t.trim().parse::<f64>().ok(),
            _ => None,
        }
    }

    /// `==`: numbers compare numerically (also against numeric text), text exactly, enums by
    /// name; values of different kinds are unequal.
    pub fn equals(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Number(a), b) | (b, Value::Number(a)) if !matches!(b, Value::None) => {
                b.as_number().is_some_and(|b| b == *a)
            }
            (a, b) => a == b,
        }
    }

    /// `< <= > >=`: numbers, dates, times and text; `None` when the kinds do not compare.
    pub fn compare(&self, other: &Value) -> Option<std::cmp::Ordering> {
        match (self, other) {
            (Value::Date(a), Value::Date(b)) => Some(a.cmp(b)),
            (Value::Time(a), Value::Time(b)) => Some(a.cmp(b)),
            (Value::Text(a), Value::Text(b)) => match (self.as_number(), other.as_number()) {
                (Some(x), Some(y)) => x.partial_cmp(&y),
                _ => Some(a.cmp(b)),
            },
            _ => self.as_number()?.partial_cmp(&other.as_number()?),
        }
    }

    /// JSON for APIs and service clients: `none` → null, dates/times → strings, records →
    /// objects.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Value::None => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Number(n) => serde_json::Number::from_f64(*n)
                .map(J::Number)
                .unwrap_or(J::Null),
            Value::Text(t) => J::String(t.clone()),
            Value::Date(_) | Value::Time(_) => J::String(self.display()),
            Value::List(items) => J::Array(items.iter().map(Value::to_json).collect()),
            Value::Record(fields) => J::Object(
                fields
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_json()))
                    .collect(),
            ),
        }
    }

    /// The inverse of [`Value::to_json`] (strings stay text; object keys keep JSON order).
    pub fn from_json(json: &serde_json::Value) -> Value {
        use serde_json::Value as J;
        match json {
            J::Null => Value::None,
            J::Bool(b) => Value::Bool(*b),
            J::Number(n) => n.as_f64().map(Value::Number).unwrap_or(Value::None),
            J::String(s) => Value::Text(s.clone()),
            J::Array(items) => Value::List(items.iter().map(Value::from_json).collect()),
            J::Object(map) => Value::Record(
                map.iter()
                    .map(|(k, v)| (k.clone(), Value::from_json(v)))
                    .collect(),
            ),
        }
    }
}

fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_compare_with_numeric_text() {
        assert!(Value::Text("1234".into()).equals(&Value::Number(1234.0)));
        assert!(!Value::Text("abc".into()).equals(&Value::Number(1.0)));
        assert!(!Value::None.equals(&Value::Number(0.0)));
        assert_eq!(Value::Number(3.0).display(), "3");
        assert_eq!(Value::Number(-0.5).display(), "-0.5");
    }
}
