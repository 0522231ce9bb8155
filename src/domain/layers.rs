//! A track built from layers: the defaults, then a preset, then a file (a
//! track config, a take's result, a batch job), then flags. Each layer says
//! only what it sets; layers are merged generically as JSON objects, so a
//! new field of [`TrackConfig`] is layered, type-checked and validated
//! without being written out here.
//!
//! ```text
//! let layers = [Layer::from_preset(&preset), file_layer, flags_layer];
//! let track = resolve(&layers)?;   // merged, deserialized, validated once
//! ```
//!
//! A layer is type-checked when it is made (a string where a number belongs
//! is refused with its file, line, column and field); unknown keys come back
//! as warnings. [`resolve`] then validates the merged track once and names,
//! with each bad value, the layer it came from.

use std::fmt;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::domain::input::{self, Format, UnknownKey};
use crate::domain::model::{PresetConfig, TrackConfig, TrackField};
use crate::domain::named::Named;
use crate::domain::validate::{FieldError, Validation};

/// One layer: the fields it sets, as the JSON [`TrackConfig`] would
/// serialize them (nested objects such as `structure` hold only the keys
/// set), and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Layer {
    /// Shown with errors in its values: a file's name, `preset rock`.
    /// `None` for the flags, which the user has just typed.
    pub origin: Option<String>,
    fields: Map<String, Value>,
}

/// Why layers did not make a track. Every message names the field.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LayerError {
    /// A layer that could not be read as track fields: a syntax error or a
    /// value of the wrong type (the parser's message: line, column, field).
    #[error("{}{message}", prefix(origin))]
    Read {
        origin: Option<String>,
        message: String,
    },
    /// No layer set a field that has no default (`text_input`, `genre`).
    #[error("{}: is required", field.name())]
    Missing { field: TrackField },
    /// The merged track is out of range; each error with the layer that set
    /// the bad value.
    #[error("{}", join(errors))]
    Invalid { errors: Vec<LocatedError> },
}

/// A validation error and the layer its value came from.
#[derive(Debug, Clone, PartialEq)]
pub struct LocatedError {
    pub error: FieldError,
    pub origin: Option<String>,
}

impl fmt::Display for LocatedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.error)?;
        match &self.origin {
            Some(o) => write!(f, " (from {o})"),
            None => Ok(()),
        }
    }
}

fn prefix(origin: &Option<String>) -> String {
    origin
        .as_ref()
        .map(|o| format!("{o}: "))
        .unwrap_or_default()
}

fn join(errors: &[LocatedError]) -> String {
    let parts: Vec<String> = errors.iter().map(ToString::to_string).collect();
    parts.join("; ")
}

/// A layer and the keys in it that no track has (`temprature: unknown
/// key, ignored (did you mean temperature?)`).
pub type Checked = (Layer, Vec<UnknownKey>);

/// The keys a track has under `parent` (`None` for the top): the first
/// part of each field's path, or what follows `parent.`.
pub fn track_keys(parent: Option<&str>) -> Vec<&'static str> {
    use strum::VariantArray;
    let mut keys: Vec<&'static str> = TrackField::VARIANTS
        .iter()
        .filter_map(|f| {
            let name: &'static str = f.name();
            match parent {
                None => name.split('.').next(),
                Some(p) => name.strip_prefix(p)?.strip_prefix('.'),
            }
        })
        .collect();
    keys.dedup();
    keys
}

/// Each unknown key with the track field it is closest to, if any.
fn suggest(mut unknown: Vec<UnknownKey>) -> Vec<UnknownKey> {
    for u in &mut unknown {
        let parent = u
            .path
            .as_deref()
            .and_then(|p| p.rsplit_once('.'))
            .map(|(parent, _)| parent);
        u.suggest(&track_keys(parent));
    }
    unknown
}

impl Layer {
    /// A layer that sets nothing yet; fill it with [`Layer::set`].
    pub fn new(origin: Option<String>) -> Layer {
        Layer {
            origin,
            fields: Map::new(),
        }
    }

    /// A YAML or JSON document (a track config, a take's result file): type
    /// errors name the line, column and field, quoting only an excerpt.
    pub fn from_text(
        origin: Option<String>,
        text: &str,
        format: Format,
    ) -> Result<Checked, LayerError> {
        let read_error = |message: String| LayerError::Read {
            origin: origin.clone(),
            message,
        };
        let (typed, unknown) =
            input::parse_keys::<TrackConfig>(text, format).map_err(read_error)?;
        let raw = input::outline(text, format).map_err(read_error)?;
        let fields = present(&typed, &raw).map_err(read_error)?;
        Ok((Layer { origin, fields }, suggest(unknown)))
    }

    /// A JSON object (a batch job, a result's `track`): type errors name
    /// the field.
    pub fn from_value(origin: Option<String>, value: Value) -> Result<Checked, LayerError> {
        let read_error = |message: String| LayerError::Read {
            origin: origin.clone(),
            message,
        };
        let (typed, unknown) = input::check_value::<TrackConfig>(&value).map_err(read_error)?;
        let fields = present(&typed, &value).map_err(read_error)?;
        Ok((Layer { origin, fields }, suggest(unknown)))
    }

    /// Everything a preset sets: all of a track but the words and the
    /// duration. Its own keys (name, description, tips) are not track fields.
    pub fn from_preset(preset: &PresetConfig) -> Layer {
        let value = serde_json::to_value(preset).unwrap_or_default();
        let fields = match Layer::from_value(Some(format!("preset {}", preset.name)), value) {
            Ok((layer, _)) => layer.fields,
            // A preset with a value JSON cannot hold (a NaN temperature):
            // the preset's settings are then left out.
            Err(_) => Map::new(),
        };
        Layer {
            origin: Some(format!("preset {}", preset.name)),
            fields,
        }
    }

    /// Sets one field, by its path (`structure.verse_count`). The value is
    /// trusted to have the field's type: use it with typed values (flags);
    /// for untrusted ones build a JSON object and use [`Layer::from_value`].
    pub fn set(&mut self, field: TrackField, value: impl Serialize) {
        let Ok(value) = serde_json::to_value(value) else {
            return;
        };
        let mut parts = field.name().split('.').peekable();
        let mut map = &mut self.fields;
        while let Some(key) = parts.next() {
            if parts.peek().is_none() {
                map.insert(key.to_string(), value);
                return;
            }
            let slot = map
                .entry(key.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            if !slot.is_object() {
                *slot = Value::Object(Map::new());
            }
            let Value::Object(inner) = slot else { return };
            map = inner;
        }
    }

    /// The fields this layer sets, as a JSON object.
    pub fn fields(&self) -> &Map<String, Value> {
        &self.fields
    }
}

/// The typed value's fields that the document named, so a layer never sets
/// a field by default. A value the typed track serializes to nothing (a
/// `null` seed) is left out; one that cannot be serialized at all (a NaN)
/// is refused.
fn present(typed: &TrackConfig, raw: &Value) -> Result<Map<String, Value>, String> {
    let Value::Object(all) = serde_json::to_value(typed).map_err(|e| e.to_string())? else {
        return Ok(Map::new());
    };
    let Value::Object(raw) = raw else {
        return Ok(Map::new());
    };
    mask(all, raw, "")
}

fn mask(
    all: Map<String, Value>,
    raw: &Map<String, Value>,
    path: &str,
) -> Result<Map<String, Value>, String> {
    let mut out = Map::new();
    for (key, value) in all {
        let Some(given) = raw.get(&key) else { continue };
        match (value, given) {
            (Value::Object(inner), Value::Object(given)) => {
                let inner = mask(inner, given, &format!("{path}{key}."))?;
                out.insert(key, Value::Object(inner));
            }
            (Value::Null, Value::Null) => {}
            (Value::Null, _) => return Err(format!("{path}{key}: must be a finite number")),
            (value, _) => {
                out.insert(key, value);
            }
        }
    }
    Ok(out)
}

/// Puts `top` over `base`: objects merge key by key, anything else (a
/// number, a list of style references) replaces. `origins` records, for
/// every path set, the index of the layer that set it last.
fn merge(
    base: &mut Map<String, Value>,
    top: &Map<String, Value>,
    layer: usize,
    path: &str,
    origins: &mut Vec<(String, usize)>,
) {
    for (key, value) in top {
        let here = format!("{path}{key}");
        match (base.get_mut(key), value) {
            (Some(Value::Object(b)), Value::Object(t)) => {
                merge(b, t, layer, &format!("{here}."), origins);
            }
            _ => {
                base.insert(key.clone(), value.clone());
                origins.retain(|(p, _)| p != &here && !p.starts_with(&format!("{here}.")));
                origins.push((here, layer));
            }
        }
    }
}

/// The layers merged, bottom first, with no validation: what a form shows
/// while the values are still being edited.
pub fn merge_all(layers: &[Layer]) -> Map<String, Value> {
    merge_with_origins(layers).0
}

fn merge_with_origins(layers: &[Layer]) -> (Map<String, Value>, Vec<(String, usize)>) {
    let mut merged = Map::new();
    let mut origins = Vec::new();
    for (i, layer) in layers.iter().enumerate() {
        merge(&mut merged, &layer.fields, i, "", &mut origins);
    }
    (merged, origins)
}

/// The track the layers make, bottom first: merged, checked that the fields
/// without a default are set, and validated once. Model options (model,
/// seed, sample count, negative prompt) are fields of the track.
pub fn resolve(layers: &[Layer]) -> Result<TrackConfig, LayerError> {
    let (merged, origins) = merge_with_origins(layers);
    for field in [TrackField::TextInput, TrackField::Genre] {
        if !merged.contains_key(field.name()) {
            return Err(LayerError::Missing { field });
        }
    }
    let track: TrackConfig =
        serde_json::from_value(Value::Object(merged)).map_err(|e| LayerError::Read {
            origin: None,
            message: e.to_string(),
        })?;
    let mut v = Validation::default();
    track.collect_errors(&mut v);
    v.finish().map_err(|errors| LayerError::Invalid {
        errors: errors
            .0
            .into_iter()
            .map(|error| LocatedError {
                origin: origin_of(&error.field, &origins).and_then(|i| layers[i].origin.clone()),
                error,
            })
            .collect(),
    })?;
    Ok(track)
}

/// The layer that set `field` (`style_references[0].type` is set with
/// `style_references`).
fn origin_of(field: &str, origins: &[(String, usize)]) -> Option<usize> {
    origins
        .iter()
        .filter(|(path, _)| {
            field == path
                || field
                    .strip_prefix(path.as_str())
                    .is_some_and(|rest| rest.starts_with(['.', '[']))
        })
        .max_by_key(|(path, _)| path.len())
        .map(|(_, i)| *i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn file(text: &str) -> Layer {
        Layer::from_text(Some("song.yaml".into()), text, Format::Yaml)
            .unwrap()
            .0
    }

    #[test]
    fn a_layer_sets_only_what_it_names() {
        let l = file("genre: rock\nstructure:\n  verse_count: 3\n");
        assert_eq!(
            Value::Object(l.fields().clone()),
            json!({"genre": "rock", "structure": {"verse_count": 3}})
        );
    }

    #[test]
    fn upper_layers_win_field_by_field() {
        let preset =
            file("genre: rock\ntemperature: 0.2\nstructure:\n  verse_count: 3\n  intro: false\n");
        let mut flags = Layer::new(None);
        flags.set(TrackField::Verses, 1);
        flags.set(TrackField::TextInput, "words");
        let t = resolve(&[preset, flags]).unwrap();
        assert_eq!(t.structure.verse_count, 1);
        assert!(!t.structure.intro);
        assert!(t.structure.outro);
        assert_eq!(t.temperature, 0.2);
        assert_eq!(t.duration_seconds, 180);
    }

    #[test]
    fn bad_values_name_their_layer() {
        let f = file("genre: rock\ntext_input: x\nstructure:\n  verse_count: 9\n");
        let mut flags = Layer::new(None);
        flags.set(TrackField::Temperature, 3.0);
        let e = resolve(&[f, flags]).unwrap_err().to_string();
        assert_eq!(
            e,
            "structure.verse_count: 9 is above the maximum 5 (from song.yaml); \
             temperature: 3.0 is outside 0.0 to 1.0"
        );
        let e = Layer::from_text(
            Some("a.yaml".into()),
            "genre: rock\nseed: many\n",
            Format::Yaml,
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.starts_with("a.yaml: seed: ") && e.contains("line 2"),
            "{e}"
        );
        let e = Layer::from_value(None, json!({"structure": {"intro": 3}})).unwrap_err();
        assert!(
            e.to_string().starts_with("structure.intro: invalid type"),
            "{e}"
        );
    }

    #[test]
    fn a_list_is_replaced_whole_and_its_errors_name_its_layer() {
        let base = file(
            "genre: g\ntext_input: t\nstyle_references:\n- {type: style, value: a}\n- {type: sound, value: b}\n",
        );
        let (top, _) = Layer::from_value(
            Some("job 2".into()),
            json!({"style_references": [{"type": " ", "value": "c"}]}),
        )
        .unwrap();
        assert_eq!(
            merge_all(&[base.clone(), top.clone()])["style_references"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
        let e = resolve(&[base, top]).unwrap_err().to_string();
        assert_eq!(
            e,
            "style_references[0].type: must not be empty (from job 2)"
        );
    }

    #[test]
    fn required_fields_and_warnings() {
        let (l, warnings) = Layer::from_value(None, json!({"genre": "x", "mood": 1})).unwrap();
        assert_eq!(warnings[0].to_string(), "mood: unknown key, ignored");
        assert_eq!(
            resolve(&[l]).unwrap_err(),
            LayerError::Missing {
                field: TrackField::TextInput
            }
        );
    }

    #[test]
    fn a_nan_is_refused_not_dropped() {
        let e = Layer::from_text(None, "temperature: .nan\n", Format::Yaml).unwrap_err();
        assert_eq!(e.to_string(), "temperature: must be a finite number");
    }

    #[test]
    fn a_preset_layer_leaves_out_the_presets_own_keys() {
        let p: PresetConfig =
            yaml_serde::from_str("name: p\ngenre: dub\ntips: t\nseed: 4\n").unwrap();
        let l = Layer::from_preset(&p);
        assert_eq!(l.origin.as_deref(), Some("preset p"));
        assert!(!l.fields().contains_key("name") && !l.fields().contains_key("tips"));
        assert_eq!(l.fields()["seed"], 4);
        assert_eq!(l.fields()["structure"]["bridge"], true);
    }

    #[test]
    fn a_misspelt_key_names_the_field_meant() {
        let (_, unknown) = Layer::from_text(
            None,
            "genre: x\ntemprature: 0.5\nstructure: {verse_cont: 2}\nzzz: 1\n",
            Format::Yaml,
        )
        .unwrap();
        let shown: Vec<String> = unknown.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "temprature: unknown key, ignored (did you mean temperature?)",
                "structure.verse_cont: unknown key, ignored (did you mean verse_count?)",
                "zzz: unknown key, ignored",
            ]
        );
    }
}
