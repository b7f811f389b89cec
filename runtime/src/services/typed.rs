//! A service's answer made into values of the types its operation declares, the moment it
//! arrives: a JSON `"09:30"` for a field declared `time` becomes a time (so `r.at < now`
//! compares times, not text), `"2026-12-24"` a date, `"PLUS"` for an `enum { plus basic }`
//! the value `plus` — through every record, `list of { … }` and nested field. One function
//! for every host (the server's HTTP answers, `csflow test` mocks, `csflow run --mock`): the
//! VM applies it when a call is answered, so no host can hand a flow an untyped value.
//!
//! An answer that does not fit — a declared field missing, a value that is not of its type,
//! an enum value outside the declared set — is a failed call ([`ServiceError::Failed`],
//! saying which field and why): the flow runs its `on error`. `null` is `none` (the service
//! has no value for the field); fields the operation does not declare are dropped.

use crate::bundle::{Bundle, Field, Operation, SlotType};
use crate::nlu::{self, slots::Reply};
use crate::services::ServiceError;
use crate::value::Value;

/// The result record of `op` from a service's `answer`: the declared fields in declaration
/// order, each converted to its type. An operation that declares no result accepts `none`.
pub fn typed_result(bundle: &Bundle, op: &Operation, answer: Value) -> Result<Value, ServiceError> {
    if matches!(answer, Value::None) && op.returns.is_empty() {
        return Ok(Value::Record(Vec::new()));
    }
    record(bundle, &op.returns, answer, &mut String::new()).map_err(|why| {
        ServiceError::Failed(if why.path.is_empty() {
            why.reason
        } else {
            format!("the answer's `{}` {}", why.path, why.reason)
        })
    })
}

/// `value` as a value of `ty` (a field of a service result), or why it is not one.
pub fn typed_value(bundle: &Bundle, ty: &SlotType, value: Value) -> Result<Value, String> {
    convert(bundle, ty, value, &mut String::new()).map_err(|why| {
        if why.path.is_empty() {
            why.reason
        } else {
            format!("`{}` {}", why.path, why.reason)
        }
    })
}

/// Why a value does not fit: where (`flights[2].time`) and what is wrong there.
struct Unfit {
    path: String,
    reason: String,
}

fn unfit(path: &str, reason: String) -> Unfit {
    Unfit {
        path: path.to_string(),
        reason,
    }
}

fn record(
    bundle: &Bundle,
    fields: &[Field],
    value: Value,
    path: &mut String,
) -> Result<Value, Unfit> {
    let Value::Record(mut given) = value else {
        return Err(unfit(
            path,
            format!("is {}, not a record of fields", value.described()),
        ));
    };
    let mut typed = Vec::with_capacity(fields.len());
    for field in fields {
        let name = bundle.str(field.name);
        let at = path.len();
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(name);
        let Some(found) = given.iter().position(|(n, _)| n == name) else {
            return Err(unfit(path, "is missing".into()));
        };
        let (_, value) = given.swap_remove(found);
        typed.push((name.to_string(), convert(bundle, &field.ty, value, path)?));
        path.truncate(at);
    }
    Ok(Value::Record(typed))
}

fn convert(
    bundle: &Bundle,
    ty: &SlotType,
    value: Value,
    path: &mut String,
) -> Result<Value, Unfit> {
    if matches!(value, Value::None) {
        return Ok(Value::None);
    }
    let not = |value: &Value, what: &str| {
        Err(unfit(path, format!("is {}, not {what}", value.described())))
    };
    match ty {
        SlotType::Fields(fields) => record(bundle, fields, value, path),
        SlotType::List(element) => {
            let Value::List(items) = value else {
                return not(&value, "a list");
            };
            let at = path.len();
            let mut typed = Vec::with_capacity(items.len());
            for (i, item) in items.into_iter().enumerate() {
                path.push_str(&format!("[{}]", i + 1));
                typed.push(convert(bundle, element, item, path)?);
                path.truncate(at);
            }
            Ok(Value::List(typed))
        }
        // A result kept whole (the type of an `into` name): any record.
        SlotType::Record => match value {
            Value::Record(_) => Ok(value),
            other => not(&other, "a record"),
        },
        SlotType::Text => match value {
            Value::Text(_) => Ok(value),
            other => not(&other, "text"),
        },
        SlotType::Number => match value {
            Value::Number(n) if n.is_finite() => Ok(value),
            other => not(&other, "a number"),
        },
        SlotType::Integer => match value {
            Value::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => Ok(value),
            other => not(&other, "a whole number"),
        },
        SlotType::Bool | SlotType::YesNo => match value {
            Value::Bool(_) => Ok(value),
            other => not(&other, "true or false"),
        },
        SlotType::Date => match value {
            Value::Date(_) => Ok(value),
            Value::Text(ref text) => match nlu::dates::parse_date(iso_date(text), None) {
                Some(date) => Ok(Value::Date(date)),
                None => not(&value, "a date (YYYY-MM-DD)"),
            },
            other => not(&other, "a date (YYYY-MM-DD)"),
        },
        SlotType::Time => match value {
            Value::Time(_) => Ok(value),
            Value::Text(ref text) => match nlu::dates::parse_time(iso_time(text)) {
                Some(time) => Ok(Value::Time(time)),
                None => not(&value, "a time (HH:MM)"),
            },
            other => not(&other, "a time (HH:MM)"),
        },
        SlotType::Enum(names) => {
            let names: Vec<&str> = names.iter().map(|n| bundle.str(*n)).collect();
            one_of(&names, value, path)
        }
        SlotType::LabelledEnum(values) => {
            let names: Vec<&str> = values.iter().map(|v| bundle.str(v.name)).collect();
            one_of(&names, value, path)
        }
        SlotType::Digits { .. } | SlotType::Email | SlotType::Phone | SlotType::Matching(_) => {
            // Keys and numbers as text: a service may send digits as a JSON number.
            let text = match value {
                Value::Text(text) => text,
                Value::Number(n) if n.fract() == 0.0 && (0.0..1e15).contains(&n) => value.display(),
                other => return not(&other, &crate::disasm::type_text(bundle, ty)),
            };
            let reply = Reply {
                text: &text,
                keys: false,
                voice: false,
                today: None,
            };
            match nlu::parse_slot(ty, bundle, reply) {
                Some(typed) => Ok(typed),
                None => not(&Value::Text(text), &crate::disasm::type_text(bundle, ty)),
            }
        }
    }
}

/// An enum value: one of the declared names, whatever its case (never a label or a
/// sentence: a service sends identifiers).
fn one_of(names: &[&str], value: Value, path: &str) -> Result<Value, Unfit> {
    if let Value::Text(text) = &value
        && let Some(name) = names.iter().find(|n| n.eq_ignore_ascii_case(text.trim()))
    {
        return Ok(Value::Text(name.to_string()));
    }
    Err(unfit(
        path,
        format!("is {}, not one of {}", value.described(), names.join(", ")),
    ))
}

/// `2026-12-24T09:30:00Z` is the date `2026-12-24`.
fn iso_date(text: &str) -> &str {
    let text = text.trim();
    match text.split_once('T') {
        Some((date, _)) if date.len() == 10 => date,
        _ => text,
    }
}

/// `09:30:00` is `09:30` (seconds dropped).
fn iso_time(text: &str) -> &str {
    let text = text.trim();
    let bytes = text.as_bytes();
    if bytes.len() == 8 && bytes[2] == b':' && bytes[5] == b':' {
        &text[..5]
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::{Date, EnumValue, Time};

    /// `find(ref) returns { when: time, day: date, seats: integer, plan: enum { plus
    /// basic "Basic" }, flights: list of { number: text, at: time, code: digits(4) } }`.
    fn fixture() -> (Bundle, Operation) {
        let mut strings = crate::bundle::Interner::default();
        let mut s = |t: &str| strings.intern(t);
        let field = |name, ty| Field { name, ty };
        let item = SlotType::Fields(vec![
            field(s("number"), SlotType::Text),
            field(s("at"), SlotType::Time),
            field(
                s("code"),
                SlotType::Digits {
                    min: Some(4),
                    max: Some(4),
                },
            ),
        ]);
        let op = Operation {
            name: s("find"),
            params: vec![],
            returns: vec![
                field(s("when"), SlotType::Time),
                field(s("day"), SlotType::Date),
                field(s("seats"), SlotType::Integer),
                field(
                    s("plan"),
                    SlotType::LabelledEnum(vec![
                        EnumValue {
                            name: s("plus"),
                            label: None,
                        },
                        EnumValue {
                            name: s("basic"),
                            label: Some(s("Basic")),
                        },
                    ]),
                ),
                field(s("flights"), SlotType::List(Box::new(item))),
            ],
        };
        let bundle = Bundle {
            strings: strings.into_strings(),
            ..Bundle::default()
        };
        (bundle, op)
    }

    fn answer(json: serde_json::Value) -> Value {
        Value::from_json(&json)
    }

    #[test]
    fn every_field_becomes_its_declared_type_through_lists_and_records() {
        let (bundle, op) = fixture();
        let typed = typed_result(
            &bundle,
            &op,
            answer(serde_json::json!({
                "extra": "dropped",
                "flights": [{"number": "MU5101", "at": "09:30:00", "code": 1234}],
                "plan": "BASIC",
                "seats": 3,
                "day": "2026-12-24T00:00:00Z",
                "when": "9:05",
            })),
        )
        .expect("fits");
        let time = |hour, minute| Value::Time(Time { hour, minute });
        assert_eq!(
            typed,
            Value::Record(vec![
                ("when".into(), time(9, 5)),
                (
                    "day".into(),
                    Value::Date(Date {
                        year: 2026,
                        month: 12,
                        day: 24
                    })
                ),
                ("seats".into(), Value::Number(3.0)),
                ("plan".into(), Value::Text("basic".into())),
                (
                    "flights".into(),
                    Value::List(vec![Value::Record(vec![
                        ("number".into(), Value::Text("MU5101".into())),
                        ("at".into(), time(9, 30)),
                        ("code".into(), Value::Text("1234".into())),
                    ])])
                ),
            ])
        );
        // Converting again changes nothing (a host may have converted already).
        assert_eq!(typed_result(&bundle, &op, typed.clone()), Ok(typed));
    }

    #[test]
    fn null_is_none_but_a_missing_or_mistyped_field_fails_the_call_saying_where() {
        let (bundle, op) = fixture();
        let base = serde_json::json!({
            "when": null, "day": null, "seats": null, "plan": null,
            "flights": [{"number": "MU5101", "at": null, "code": null}],
        });
        assert!(typed_result(&bundle, &op, answer(base.clone())).is_ok());
        let failed = |patch: serde_json::Value| {
            let mut json = base.clone();
            for (k, v) in patch.as_object().expect("object") {
                if v == "REMOVE" {
                    json.as_object_mut().expect("object").remove(k);
                } else {
                    json[k] = v.clone();
                }
            }
            match typed_result(&bundle, &op, answer(json)) {
                Err(ServiceError::Failed(message)) => message,
                other => panic!("expected a failure, got {other:?}"),
            }
        };
        assert_eq!(
            failed(serde_json::json!({"when": "9h30"})),
            "the answer's `when` is \"9h30\", not a time (HH:MM)"
        );
        assert_eq!(
            failed(serde_json::json!({"seats": 2.5})),
            "the answer's `seats` is the number 2.5, not a whole number"
        );
        assert_eq!(
            failed(serde_json::json!({"plan": "gold"})),
            "the answer's `plan` is \"gold\", not one of plus, basic"
        );
        assert_eq!(
            failed(serde_json::json!({"plan": "Basic plan"})),
            "the answer's `plan` is \"Basic plan\", not one of plus, basic"
        );
        assert_eq!(
            failed(serde_json::json!({"day": "REMOVE"})),
            "the answer's `day` is missing"
        );
        assert_eq!(
            failed(serde_json::json!({"flights": [{"number": "A", "at": "25:00", "code": "1"}]})),
            "the answer's `flights[1].at` is \"25:00\", not a time (HH:MM)"
        );
        assert_eq!(
            failed(serde_json::json!({"flights": [{"number": "A", "at": null, "code": "123"}]})),
            "the answer's `flights[1].code` is \"123\", not digits(4)"
        );
        assert_eq!(
            failed(serde_json::json!({"flights": [{"number": 7, "at": null, "code": null}]})),
            "the answer's `flights[1].number` is the number 7, not text"
        );
        assert_eq!(
            failed(serde_json::json!({"flights": {"number": "A"}})),
            "the answer's `flights` is a record, not a list"
        );
        match typed_result(&bundle, &op, Value::Text("ok".into())) {
            Err(ServiceError::Failed(message)) => {
                assert_eq!(message, "is \"ok\", not a record of fields")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn an_operation_without_results_accepts_nothing_or_any_record() {
        let (bundle, mut op) = fixture();
        op.returns.clear();
        assert_eq!(
            typed_result(&bundle, &op, Value::None),
            Ok(Value::Record(vec![]))
        );
        assert_eq!(
            typed_result(&bundle, &op, answer(serde_json::json!({"ok": true}))),
            Ok(Value::Record(vec![]))
        );
    }
}
