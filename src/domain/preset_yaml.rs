//! Writes presets as YAML that both yaml_serde and PyYAML's `safe_load` read
//! back to the same values. yaml_serde's own emitter follows YAML 1.2 and
//! leaves `yes`, `on` or `1:20` unquoted, which PyYAML (YAML 1.1) reads as a
//! bool or a number, so presets get this small, conservative emitter.

use serde_json::{Map, Value};

use crate::domain::model::PresetConfig;
use crate::domain::pyfloat;

/// Words YAML 1.1 resolves to a bool or null when unquoted.
const RESERVED: [&str; 26] = [
    "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE", "false",
    "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF", "null", "Null", "NULL", "~",
];

/// The preset in the Python tool's key order (the order of the struct's
/// fields); optional keys only when set.
pub fn to_yaml(p: &PresetConfig) -> String {
    let mut out = String::with_capacity(512);
    if let Ok(Value::Object(keys)) = serde_json::to_value(p) {
        mapping(&mut out, &keys, "", "");
    }
    out
}

/// `key: value` lines; a nested mapping indented under its key, a list of
/// mappings as `- key: value` items. `first` starts the first line (`- `
/// for a list item), `indent` the others.
fn mapping(out: &mut String, keys: &Map<String, Value>, first: &str, indent: &str) {
    for (i, (key, value)) in keys.iter().enumerate() {
        out.push_str(if i == 0 { first } else { indent });
        out.push_str(&string(key));
        out.push(':');
        match value {
            Value::Object(inner) if !inner.is_empty() => {
                out.push('\n');
                let deeper = format!("{indent}  ");
                mapping(out, inner, &deeper, &deeper);
            }
            Value::Array(items) if !items.is_empty() => {
                out.push('\n');
                for item in items {
                    match item {
                        Value::Object(inner) => {
                            mapping(out, inner, &format!("{indent}- "), &format!("{indent}  "))
                        }
                        scalar_item => {
                            out.push_str(indent);
                            out.push_str("- ");
                            out.push_str(&scalar(scalar_item));
                            out.push('\n');
                        }
                    }
                }
            }
            value => {
                out.push(' ');
                out.push_str(&scalar(value));
                out.push('\n');
            }
        }
    }
}

fn scalar(value: &Value) -> String {
    match value {
        Value::String(s) => string(s),
        Value::Bool(b) => bool_str(*b).to_string(),
        Value::Number(n) => match n.as_f64() {
            Some(x) if n.is_f64() => float(x),
            _ => n.to_string(),
        },
        Value::Null => "null".to_string(),
        Value::Array(_) => "[]".to_string(),
        Value::Object(_) => "{}".to_string(),
    }
}

fn bool_str(b: bool) -> &'static str {
    if b { "true" } else { "false" }
}

/// PyYAML only reads a float with a dot in it, so `1e-05` becomes `1.0e-05`,
/// as PyYAML's own representer writes it.
fn float(x: f64) -> String {
    let r = pyfloat::repr(x);
    match r.find('e') {
        Some(i) if !r.contains('.') => format!("{}.0{}", &r[..i], &r[i..]),
        _ => r,
    }
}

/// Plain when unambiguous in both YAML 1.1 and 1.2, double-quoted otherwise.
fn string(s: &str) -> String {
    if is_plain_safe(s) {
        s.to_string()
    } else {
        quoted(s)
    }
}

fn is_plain_safe(s: &str) -> bool {
    let first_ok = s.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
    first_ok
        && !s.ends_with(' ')
        && !RESERVED.contains(&s)
        && s.chars().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, ' ' | '_' | '-' | '.' | ',' | '(' | ')' | '/')
        })
}

/// A double-quoted scalar: UTF-8 as is, escapes only for what PyYAML's
/// reader refuses to see raw (controls, DEL, C1 controls, non-characters).
fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if printable_for_pyyaml(c) => out.push(c),
            c if (c as u32) <= 0xFF => out.push_str(&format!("\\x{:02X}", c as u32)),
            c if (c as u32) <= 0xFFFF => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push_str(&format!("\\U{:08X}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// PyYAML's reader accepts only these characters unescaped. NEL, LS and PS
/// are printable to it but are line breaks inside a quoted scalar: PyYAML
/// folds NEL to a space, yaml_serde (libyaml) folds NEL and trims the spaces
/// around LS and PS, so all three are escaped too.
fn printable_for_pyyaml(c: char) -> bool {
    matches!(c as u32,
        0x20..=0x7E | 0xA0..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF)
        && !matches!(c, '\u{FEFF}' | '\u{2028}' | '\u{2029}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_what_yaml_1_1_would_misread() {
        for s in [
            "yes", "on", "No", "1:20", "0.7", "", " lead", "a: b", "#x", "x #y", "~",
        ] {
            assert!(string(s).starts_with('"'), "{s:?} must be quoted");
        }
        assert_eq!(string("arena rock"), "arena rock");
        assert_eq!(string("héllo"), "\"héllo\"");
        assert_eq!(
            string("a\"b\\c\nd\u{7f}\u{feff}"),
            "\"a\\\"b\\\\c\\nd\\x7F\\uFEFF\""
        );
    }

    #[test]
    fn floats_always_have_a_dot() {
        assert_eq!(float(0.8), "0.8");
        assert_eq!(float(1.0), "1.0");
        assert_eq!(float(1e-5), "1.0e-05");
        assert_eq!(float(1.5e-7), "1.5e-07");
    }
}
