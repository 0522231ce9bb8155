//! Request bodies checked the way the Python tool's pydantic models check
//! them, so a client gets the same 422 answer: every problem at once, each
//! with its field path (`body.structure.verse_count`), pydantic's message and
//! its error type. Values pydantic coerces in lax mode ("120", 180.0, "yes")
//! are coerced here too, so requests the Python tool accepted still pass.
//!
//! The ranges come from `core::model`, where they are declared once.

use serde_json::{Map, Number, Value};

use crate::domain::model::{
    CHORUSES_MAX, CHORUSES_MIN, DURATION_MAX, DURATION_MIN, Model, SAMPLES_MAX, SAMPLES_MIN,
    VERSES_MAX, VERSES_MIN,
};
use crate::domain::named::Named;
use crate::serve::error::ErrorItem;

/// What a field holds.
pub enum Kind {
    Str,
    Int {
        min: Option<i64>,
        max: Option<i64>,
    },
    Float {
        min: f64,
        max: f64,
    },
    Bool,
    /// A Lyria model id.
    Model,
    Object(&'static [Field]),
    List(&'static Kind),
}

/// Whether a field may be left out or be `null`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// Must be present and not null.
    Required,
    /// May be left out (a default applies) but not be null.
    Defaulted,
    /// May be left out or null (`Optional[...] = None`).
    Optional,
}

pub struct Field {
    pub name: &'static str,
    pub kind: Kind,
    pub presence: Presence,
}

const fn field(name: &'static str, kind: Kind, presence: Presence) -> Field {
    Field {
        name,
        kind,
        presence,
    }
}

const TEMPERATURE: Kind = Kind::Float { min: 0.0, max: 1.0 };
const SEED: Kind = Kind::Int {
    min: Some(0),
    max: None,
};
const SAMPLES: Kind = Kind::Int {
    min: Some(SAMPLES_MIN),
    max: Some(SAMPLES_MAX),
};

pub const STRUCTURE: &[Field] = &[
    field("intro", Kind::Bool, Presence::Defaulted),
    field(
        "verse_count",
        Kind::Int {
            min: Some(VERSES_MIN),
            max: Some(VERSES_MAX),
        },
        Presence::Defaulted,
    ),
    field(
        "chorus_count",
        Kind::Int {
            min: Some(CHORUSES_MIN),
            max: Some(CHORUSES_MAX),
        },
        Presence::Defaulted,
    ),
    field("bridge", Kind::Bool, Presence::Defaulted),
    field("outro", Kind::Bool, Presence::Defaulted),
];

pub const STYLE_REFERENCE: &[Field] = &[
    field("type", Kind::Str, Presence::Required),
    field("value", Kind::Str, Presence::Required),
];

const STYLE_LIST: Kind = Kind::Object(STYLE_REFERENCE);

/// The Python tool's GenerateTrackRequest, in its field order (pydantic
/// reports errors in that order), then music-gen's own optional keys.
pub const GENERATE_REQUEST: &[Field] = &[
    field("text_input", Kind::Str, Presence::Required),
    field("genre", Kind::Str, Presence::Required),
    field(
        "duration_seconds",
        Kind::Int {
            min: Some(DURATION_MIN),
            max: Some(DURATION_MAX),
        },
        Presence::Defaulted,
    ),
    field("preset_name", Kind::Str, Presence::Optional),
    field("structure", Kind::Object(STRUCTURE), Presence::Optional),
    field(
        "style_references",
        Kind::List(&STYLE_LIST),
        Presence::Optional,
    ),
    field("temperature", TEMPERATURE, Presence::Optional),
    field("model", Kind::Model, Presence::Optional),
    field("negative_prompt", Kind::Str, Presence::Optional),
    field("seed", SEED, Presence::Optional),
    field("sample_count", SAMPLES, Presence::Optional),
];

/// The Python tool's PresetConfig, then music-gen's own optional keys.
pub const PRESET: &[Field] = &[
    field("name", Kind::Str, Presence::Required),
    field("description", Kind::Str, Presence::Optional),
    field("genre", Kind::Str, Presence::Required),
    field("structure", Kind::Object(STRUCTURE), Presence::Defaulted),
    field(
        "style_references",
        Kind::List(&STYLE_LIST),
        Presence::Defaulted,
    ),
    field("temperature", TEMPERATURE, Presence::Defaulted),
    field("tips", Kind::Str, Presence::Optional),
    field("model", Kind::Model, Presence::Optional),
    field("negative_prompt", Kind::Str, Presence::Optional),
    field("seed", SEED, Presence::Optional),
    field("sample_count", SAMPLES, Presence::Optional),
];

/// Checks a request body against `fields`. On success, the body with lax
/// values coerced, unknown keys and nulls dropped, ready for serde.
pub fn check_body(body: &Value, fields: &[Field]) -> Result<Value, Vec<ErrorItem>> {
    let mut errors = Vec::new();
    let out = check_object(body, fields, "body", &mut errors);
    match out {
        Some(v) if errors.is_empty() => Ok(v),
        _ => Err(errors),
    }
}

/// What pydantic says where a model wanted an object (`path` the field).
pub fn not_an_object(path: &str) -> ErrorItem {
    ErrorItem::new(
        path,
        "Input should be a valid dictionary or object to extract fields from",
        "model_attributes_type",
    )
}

fn check_object(
    value: &Value,
    fields: &[Field],
    path: &str,
    errors: &mut Vec<ErrorItem>,
) -> Option<Value> {
    let Value::Object(map) = value else {
        errors.push(not_an_object(path));
        return None;
    };
    let mut out = Map::new();
    for f in fields {
        let child = format!("{path}.{}", f.name);
        match map.get(f.name) {
            None if f.presence == Presence::Required => {
                errors.push(ErrorItem::new(&child, "Field required", "missing"));
            }
            None => {}
            Some(Value::Null) if f.presence == Presence::Optional => {}
            Some(v) => {
                if let Some(v) = check_value(v, &f.kind, &child, errors) {
                    out.insert(f.name.to_string(), v);
                }
            }
        }
    }
    Some(Value::Object(out))
}

fn check_value(
    value: &Value,
    kind: &Kind,
    path: &str,
    errors: &mut Vec<ErrorItem>,
) -> Option<Value> {
    let mut fail = |message: &str, kind: &str| {
        errors.push(ErrorItem::new(path, message, kind));
        None
    };
    match kind {
        Kind::Str => match value {
            Value::String(_) => Some(value.clone()),
            _ => fail("Input should be a valid string", "string_type"),
        },
        Kind::Model => match value {
            Value::String(s) if s.parse::<Model>().is_ok() => Some(value.clone()),
            _ => {
                let ids: Vec<String> = Model::names().map(|m| format!("'{m}'")).collect();
                let (last, rest) = ids.split_last().expect("there are models");
                fail(
                    &format!("Input should be {} or {last}", rest.join(", ")),
                    "enum",
                )
            }
        },
        Kind::Bool => match lax_bool(value) {
            Ok(b) => Some(Value::Bool(b)),
            Err(LaxError::Type) => fail("Input should be a valid boolean", "bool_type"),
            Err(LaxError::Parse) => fail(
                "Input should be a valid boolean, unable to interpret input",
                "bool_parsing",
            ),
            Err(LaxError::Fraction) => unreachable!("booleans have no fractions"),
        },
        Kind::Int { min, max } => match lax_int(value) {
            Ok(n) => {
                if let Some(min) = min.filter(|m| n < i128::from(*m)) {
                    return fail(
                        &format!("Input should be greater than or equal to {min}"),
                        "greater_than_equal",
                    );
                }
                if let Some(max) = max.filter(|m| n > i128::from(*m)) {
                    return fail(
                        &format!("Input should be less than or equal to {max}"),
                        "less_than_equal",
                    );
                }
                match i64::try_from(n).ok().map(Number::from) {
                    Some(n) => Some(Value::Number(n)),
                    // Only seeds are unbounded; keep the largest ones exact.
                    None => u64::try_from(n)
                        .ok()
                        .map(|n| Value::Number(Number::from(n))),
                }
                .or_else(|| {
                    errors.push(ErrorItem::new(
                        path,
                        "Input should be less than or equal to 18446744073709551615",
                        "less_than_equal",
                    ));
                    None
                })
            }
            Err(LaxError::Type) => fail("Input should be a valid integer", "int_type"),
            Err(LaxError::Parse) => fail(
                "Input should be a valid integer, unable to parse string as an integer",
                "int_parsing",
            ),
            Err(LaxError::Fraction) => fail(
                "Input should be a valid integer, got a number with a fractional part",
                "int_from_float",
            ),
        },
        Kind::Float { min, max } => match lax_float(value) {
            Ok(x) if x.is_nan() || x > *max => fail(
                &format!("Input should be less than or equal to {}", bound(*max)),
                "less_than_equal",
            ),
            Ok(x) if x < *min => fail(
                &format!("Input should be greater than or equal to {}", bound(*min)),
                "greater_than_equal",
            ),
            Ok(x) => Number::from_f64(x).map(Value::Number),
            Err(LaxError::Type) => fail("Input should be a valid number", "float_type"),
            Err(_) => fail(
                "Input should be a valid number, unable to parse string as a number",
                "float_parsing",
            ),
        },
        Kind::Object(fields) => check_object(value, fields, path, errors),
        Kind::List(item) => {
            let Value::Array(items) = value else {
                return fail("Input should be a valid list", "list_type");
            };
            let before = errors.len();
            let checked: Vec<Value> = items
                .iter()
                .enumerate()
                .filter_map(|(i, v)| check_value(v, item, &format!("{path}.{i}"), errors))
                .collect();
            (errors.len() == before).then_some(Value::Array(checked))
        }
    }
}

enum LaxError {
    Type,
    Parse,
    Fraction,
}

/// pydantic's lax booleans: true/false, 0/1, and words like "yes" and "off".
fn lax_bool(value: &Value) -> Result<bool, LaxError> {
    match value {
        Value::Bool(b) => Ok(*b),
        Value::Number(n) => match n.as_f64() {
            Some(0.0) => Ok(false),
            Some(1.0) => Ok(true),
            _ => Err(LaxError::Parse),
        },
        Value::String(s) => match s.to_ascii_lowercase().as_str() {
            "0" | "off" | "f" | "false" | "n" | "no" => Ok(false),
            "1" | "on" | "t" | "true" | "y" | "yes" => Ok(true),
            _ => Err(LaxError::Parse),
        },
        _ => Err(LaxError::Type),
    }
}

/// pydantic's lax integers: whole numbers, floats without a fraction,
/// numeric strings ("120", " 120 ", "1_20", "120.0") and booleans.
fn lax_int(value: &Value) -> Result<i128, LaxError> {
    match value {
        Value::Bool(b) => Ok(i128::from(*b)),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Ok(i128::from(i))
            } else if let Some(u) = n.as_u64() {
                Ok(i128::from(u))
            } else {
                float_to_int(n.as_f64().unwrap_or(f64::NAN))
            }
        }
        Value::String(s) => {
            let t = s.trim().replace('_', "");
            if let Ok(i) = t.parse::<i128>() {
                return Ok(i);
            }
            match t.parse::<f64>() {
                Ok(x) if x.is_finite() && x.fract() == 0.0 => float_to_int(x),
                _ => Err(LaxError::Parse),
            }
        }
        _ => Err(LaxError::Type),
    }
}

fn float_to_int(x: f64) -> Result<i128, LaxError> {
    if !x.is_finite() || x.fract() != 0.0 {
        return Err(LaxError::Fraction);
    }
    // Beyond i128 the value is out of every range anyway; clamp.
    Ok(x.clamp(i128::MIN as f64, i128::MAX as f64) as i128)
}

fn lax_float(value: &Value) -> Result<f64, LaxError> {
    match value {
        Value::Bool(b) => Ok(if *b { 1.0 } else { 0.0 }),
        Value::Number(n) => n.as_f64().ok_or(LaxError::Parse),
        Value::String(s) => s.trim().parse::<f64>().map_err(|_| LaxError::Parse),
        _ => Err(LaxError::Type),
    }
}

/// pydantic prints a bound of 1.0 as `1`.
fn bound(x: f64) -> String {
    if x.fract() == 0.0 {
        format!("{}", x as i64)
    } else {
        crate::domain::pyfloat::repr(x)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn fields(errors: &[ErrorItem]) -> Vec<(&str, &str)> {
        errors
            .iter()
            .map(|e| (e.field.as_str(), e.kind.as_str()))
            .collect()
    }

    #[test]
    fn lax_values_are_coerced() {
        let body = json!({"text_input": "t", "genre": "g", "duration_seconds": " 120 ",
            "structure": {"verse_count": 3.0, "intro": "no"}, "temperature": "0.5", "extra": 1});
        let v = check_body(&body, GENERATE_REQUEST).unwrap();
        assert_eq!(v["duration_seconds"], 120);
        assert_eq!(v["structure"]["verse_count"], 3);
        assert_eq!(v["structure"]["intro"], false);
        assert_eq!(v["temperature"], 0.5);
        assert!(v.get("extra").is_none());
    }

    #[test]
    fn every_problem_is_reported_in_field_order() {
        let body = json!({"temperature": 2, "genre": null,
            "style_references": [{"type": "style"}, 3], "seed": -1});
        let errors = check_body(&body, GENERATE_REQUEST).unwrap_err();
        assert_eq!(
            fields(&errors),
            [
                ("body.text_input", "missing"),
                ("body.genre", "string_type"),
                ("body.style_references.0.value", "missing"),
                ("body.style_references.1", "model_attributes_type"),
                ("body.temperature", "less_than_equal"),
                ("body.seed", "greater_than_equal"),
            ]
        );
    }

    #[test]
    fn huge_and_odd_numbers_are_refused_not_wrapped() {
        let body = json!({"text_input": "t", "genre": "g", "duration_seconds": 1e300,
            "sample_count": "NaN", "structure": {"chorus_count": u64::MAX}});
        let errors = check_body(&body, GENERATE_REQUEST).unwrap_err();
        assert_eq!(
            fields(&errors),
            [
                ("body.duration_seconds", "less_than_equal"),
                ("body.structure.chorus_count", "less_than_equal"),
                ("body.sample_count", "int_parsing"),
            ]
        );
    }
}
