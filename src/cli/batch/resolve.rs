//! Each variant of a batch job becomes a validated track through the same
//! layers as `generate`: defaults, then the `preset:`, then the `config:`
//! file, then the job's own fields. Every take is checked before any is
//! sent; the first problem names its job and field.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::batch::spec::{SpecError, Variant};
use crate::cli::track::file_layer_strict;
use crate::domain::layers::{self, Layer};
use crate::domain::model::{Model, PresetConfig, TrackConfig};
use crate::generate::GenerationSettings;
use crate::generate::Mode;

pub const PRESET: &str = "preset";
pub const CONFIG: &str = "config";
/// `samples` is the flag's name for `sample_count`.
const SAMPLES: &str = "samples";

/// A variant's track, and the preset it started from.
pub struct Resolved {
    pub track: TrackConfig,
    pub preset: Option<String>,
    pub model: Model,
}

/// The presets and config files the variants name, read once each.
#[derive(Default)]
pub struct Sources {
    pub presets: HashMap<String, PresetConfig>,
    configs: HashMap<PathBuf, Layer>,
}

/// The preset names the variants use, in first-use order.
pub fn preset_names(variants: &[Variant]) -> Result<Vec<String>, SpecError> {
    let mut names: Vec<String> = Vec::new();
    for v in variants {
        match preset_of(v) {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) => {
                if !names.contains(s) {
                    names.push(s.clone());
                }
            }
            Some(_) => return Err(error(v, Some(PRESET), "must be a preset name")),
        }
    }
    Ok(names)
}

/// The job's `preset:`, else the defaults'.
pub fn preset_of(v: &Variant) -> Option<&Value> {
    v.fields.get(PRESET).or_else(|| v.defaults.get(PRESET))
}

fn error(v: &Variant, field: Option<&str>, message: impl Into<String>) -> SpecError {
    SpecError {
        job: v.job,
        name: v.job_name.clone(),
        field: field.map(str::to_string),
        message: message.into(),
    }
}

impl Sources {
    /// A `config:` file, relative to the batch file's folder, read as
    /// `--config` reads it, but an unknown key is an error, as in the batch
    /// file: a misspelt `temprature` would otherwise cost a whole batch.
    fn config(&mut self, base: &Path, v: &Variant, path: &str) -> Result<Layer, SpecError> {
        let full = base.join(path);
        if !self.configs.contains_key(&full) {
            let (layer, unknown) =
                file_layer_strict(&full).map_err(|e| error(v, Some(CONFIG), e.to_string()))?;
            if let Some(u) = unknown.first() {
                return Err(error(
                    v,
                    Some(CONFIG),
                    format!(
                        "{}: {}: unknown key{}; a track file in a batch has only track \
                         fields (text_input, genre, duration_seconds, structure, \
                         style_references, temperature, model, negative_prompt, seed, \
                         sample_count)",
                        full.display(),
                        u.shown(),
                        u.hint()
                    ),
                ));
            }
            self.configs.insert(full.clone(), layer);
        }
        Ok(self.configs[&full].clone())
    }
}

/// The take a variant asks for, validated for the settings it runs with.
/// Layers, lowest first: the file's defaults, the preset, the config file,
/// the job's own fields.
pub fn resolve(
    v: &Variant,
    sources: &mut Sources,
    base: &Path,
    settings: &GenerationSettings,
) -> Result<Resolved, SpecError> {
    let mut defaults = v.defaults.clone();
    let mut fields = v.fields.clone();
    // A job's preset and config file, else the defaults'.
    let mut take = |key: &str| match fields.remove(key) {
        Some(value) => {
            defaults.remove(key);
            Some(value)
        }
        None => defaults.remove(key),
    };
    let preset = match take(PRESET) {
        Some(Value::String(s)) => Some(s),
        _ => None,
    };
    let config = match take(CONFIG) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s),
        Some(_) => return Err(error(v, Some(CONFIG), "must be a file path")),
    };
    let mut stack = vec![job_layer(v, defaults, Some("defaults"))?];
    if let Some(name) = &preset {
        match sources.presets.get(name) {
            Some(p) => stack.push(Layer::from_preset(p)),
            None => return Err(error(v, Some(PRESET), format!("no preset named {name:?}"))),
        }
    }
    if let Some(path) = &config {
        stack.push(sources.config(base, v, path)?);
    }
    stack.push(job_layer(v, fields, None)?);
    let track = layers::resolve(&stack).map_err(|e| {
        let hint = match e {
            layers::LayerError::Missing { .. } => {
                "; give it in the job, its defaults, its preset or its config file"
            }
            _ => "",
        };
        error(v, None, format!("{e}{hint}"))
    })?;
    let model = track.model.unwrap_or(settings.model);
    track
        .options()
        .check_model(model)
        .map_err(|e| error(v, None, e.to_string()))?;
    if settings.key.mode == Mode::Gcp {
        model
            .check_location(&settings.key.location)
            .map_err(|e| error(v, None, e.to_string()))?;
    }
    Ok(Resolved {
        track,
        preset,
        model,
    })
}

/// The job's own fields (or the defaults') as a layer; a key a track does
/// not have is a typo, refused (a misspelt `temprature` would otherwise
/// cost a whole batch).
fn job_layer(
    v: &Variant,
    mut fields: Map<String, Value>,
    origin: Option<&str>,
) -> Result<Layer, SpecError> {
    let prefix = origin.map(|o| format!("{o}.")).unwrap_or_default();
    if let Some(samples) = fields.remove(SAMPLES) {
        if fields.contains_key("sample_count") {
            return Err(error(
                v,
                Some(&format!("{prefix}{SAMPLES}")),
                "give samples or sample_count, not both",
            ));
        }
        fields.insert("sample_count".to_string(), samples);
    }
    let (layer, unknown) = Layer::from_value(origin.map(str::to_string), Value::Object(fields))
        .map_err(|e| error(v, None, e.to_string()))?;
    if let Some(mut u) = unknown.into_iter().next() {
        if u.path.as_deref().is_some_and(|p| !p.contains('.')) {
            let mut keys = layers::track_keys(None);
            keys.extend([PRESET, CONFIG, SAMPLES, "name", "vary", "repeat"]);
            u.suggest(&keys);
        }
        return Err(error(
            v,
            Some(&format!("{prefix}{}", u.shown())),
            format!(
                "unknown field{}; a job takes track fields (text_input, genre, duration_seconds, \
             structure, style_references, temperature), settings (model, negative_prompt, seed, \
             samples), preset, config, name, vary and repeat",
                u.hint()
            ),
        ));
    }
    Ok(layer)
}
