//! A take's result file used as a track config (`--config RESULT.json`):
//! it re-creates the track that made the take, so the prompt comes out
//! byte-identical.
//!
//! A result written by music-gen (schema 1 on) carries the whole track and
//! the model it ran on. One written before, or by the Python tool, has only
//! the Python tool's keys; the track is rebuilt from them, its lyrics
//! recovered exactly from the prompt.

use serde_json::{Map, Value};

use crate::domain::input::{self, Format, UnknownKey};
use crate::domain::layers::{Checked, Layer, LayerError};
use crate::domain::model::{TrackConfig, TrackField};
use crate::domain::prompt;

/// Whether a document is a generation's result rather than a track: it has
/// the Python tool's result keys.
pub fn is_result(v: &Value) -> bool {
    v.get("prompt").is_some_and(Value::is_string)
        && v.get("metadata").is_some_and(Value::is_object)
        && v.get("status").is_some_and(Value::is_string)
}

/// What a `--config` file gives: the track's layer, and for a result
/// file the settings beyond the track that made its take.
#[derive(Debug)]
pub struct ConfigFile {
    pub layer: Layer,
    pub warnings: Vec<UnknownKey>,
    /// The Vertex AI location the take ran at (`settings.location`): a
    /// Lyria 3 take ran at `global`, so its model needs it back.
    pub location: Option<String>,
}

/// A track config or a result file, as a layer.
pub fn layer_from_text(
    origin: Option<String>,
    text: &str,
    format: Format,
) -> Result<ConfigFile, LayerError> {
    if format == Format::Json
        && let Ok(v) = serde_json::from_str::<Value>(text)
        && is_result(&v)
    {
        let (layer, warnings) = layer(origin, &v)?;
        return Ok(ConfigFile {
            layer,
            warnings,
            location: location(&v),
        });
    }
    let (layer, warnings) = Layer::from_text(origin, text, format)?;
    Ok(ConfigFile {
        layer,
        warnings,
        location: None,
    })
}

/// The location a result records, if it records one (music-gen's results
/// from schema 1 on; the Python tool's have none).
pub fn location(result: &Value) -> Option<String> {
    result
        .pointer("/settings/location")
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// The track a result file records, as a layer.
pub fn layer(origin: Option<String>, result: &Value) -> Result<Checked, LayerError> {
    let read_error = |message: String| LayerError::Read {
        origin: origin.clone(),
        message,
    };
    if let Some(track) = result.get("track").filter(|t| t.is_object()) {
        let (mut layer, warnings) =
            Layer::from_value(origin.clone(), track.clone()).map_err(|e| prefixed(e, "track"))?;
        // The model it ran on, when the track left it to the settings.
        if track.get("model").is_none_or(Value::is_null)
            && let Some(model) = result.pointer("/settings/model").filter(|m| m.is_string())
        {
            layer.set(TrackField::Model, model);
        }
        return Ok((layer, warnings));
    }
    // The Python tool's keys: everything but the words, which only the
    // prompt holds.
    let mut fields = Map::new();
    for key in ["genre", "duration_seconds"] {
        if let Some(v) = result.get(key) {
            fields.insert(key.to_string(), v.clone());
        }
    }
    for key in ["structure", "style_references", "temperature"] {
        if let Some(v) = result.get("metadata").and_then(|m| m.get(key)) {
            fields.insert(key.to_string(), v.clone());
        }
    }
    if let Some(m) = result.get("model").filter(|m| m.is_string()) {
        fields.insert("model".to_string(), m.clone());
    }
    fields.insert("text_input".to_string(), Value::String(String::new()));
    let (probe, _) =
        input::check_value::<TrackConfig>(&Value::Object(fields.clone())).map_err(read_error)?;
    let prompt = result.get("prompt").and_then(Value::as_str).unwrap_or("");
    let words = prompt::lyrics_from(&probe, prompt).ok_or_else(|| {
        read_error(
            "prompt: does not match the result's genre, duration, structure, styles and \
             temperature, so its lyrics cannot be recovered"
                .to_string(),
        )
    })?;
    fields.insert("text_input".to_string(), Value::String(words));
    Layer::from_value(origin.clone(), Value::Object(fields))
}

fn prefixed(e: LayerError, key: &str) -> LayerError {
    match e {
        LayerError::Read { origin, message } => LayerError::Read {
            origin,
            message: format!("{key}.{message}"),
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::layers::resolve;

    #[test]
    fn a_python_result_gives_back_its_track() {
        let mut track = TrackConfig::new("Hold on\nto the night", "synthwave");
        track.duration_seconds = 90;
        track.temperature = 0.3;
        let result = serde_json::json!({
            "status": "simulated",
            "mode": "simulate",
            "genre": "synthwave",
            "duration_seconds": 90,
            "prompt": prompt::build_prompt(&track),
            "metadata": {
                "structure": track.structure,
                "style_references": [],
                "temperature": 0.3
            },
            "message": "m"
        });
        let text = result.to_string();
        let file = layer_from_text(None, &text, Format::Json).unwrap();
        assert!(file.warnings.is_empty(), "{:?}", file.warnings);
        assert_eq!(file.location, None);
        assert_eq!(resolve(&[file.layer]).unwrap(), track);
    }

    #[test]
    fn a_prompt_that_does_not_fit_is_one_clear_error() {
        let result = serde_json::json!({
            "status": "simulated", "genre": "rock", "prompt": "hello",
            "metadata": {"temperature": 0.5}
        });
        let e = layer(Some("r.json".into()), &result).unwrap_err();
        assert!(e.to_string().starts_with("r.json: prompt:"), "{e}");
    }
}
