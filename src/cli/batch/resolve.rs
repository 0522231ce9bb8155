//! Each variant of a batch job becomes a validated track through the same
//! layers as `generate`: defaults, then the `preset:`, then the `config:`
//! file, then the job's own fields. Every take is checked before any is
//! sent; the first problem names its job and field.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::batch::spec::{SpecError, Variant};
use crate::cli::track::{TrackPatch, parse_file};
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
    configs: HashMap<PathBuf, Value>,
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
    /// A `config:` file, relative to the batch file's folder.
    fn config(&mut self, base: &Path, v: &Variant, path: &str) -> Result<TrackPatch, SpecError> {
        let full = base.join(path);
        if !self.configs.contains_key(&full) {
            let value: Value = parse_file::<Map<String, Value>>(&full)
                .map(Value::Object)
                .map_err(|e| error(v, Some(CONFIG), e.to_string()))?;
            self.configs.insert(full.clone(), value);
        }
        let value = self.configs[&full].clone();
        // A config file is any track or result file: keys a track does not
        // have are someone else's, not mistakes.
        serde_json::from_value::<TrackPatch>(value)
            .map_err(|e| error(v, Some(CONFIG), format!("{}: {e}", full.display())))
    }
}

/// The take a variant asks for, validated for the settings it runs with.
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
    let mut patch = job_patch(v, defaults, "defaults.")?;
    if let Some(name) = &preset {
        match sources.presets.get(name) {
            Some(p) => patch = patch.overlay(TrackPatch::from_preset(p)),
            None => return Err(error(v, Some(PRESET), format!("no preset named {name:?}"))),
        }
    }
    if let Some(path) = &config {
        patch = patch.overlay(sources.config(base, v, path)?);
    }
    patch = patch.overlay(job_patch(v, fields, "")?);
    let track = patch
        .into_track()
        .map_err(|e| error(v, None, without_flag_hints(&e.to_string())))?;
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

/// The job's own fields; a key a track does not have is a typo, refused
/// (a misspelt `temprature` would otherwise cost a whole batch).
fn job_patch(
    v: &Variant,
    mut fields: Map<String, Value>,
    prefix: &str,
) -> Result<TrackPatch, SpecError> {
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
    let mut unknown = Vec::new();
    let patch: Result<TrackPatch, _> =
        serde_path_to_error::deserialize(serde_ignored::Deserializer::new(
            Value::Object(fields),
            &mut |path: serde_ignored::Path| unknown.push(path.to_string()),
        ));
    let patch = patch.map_err(|e| {
        let path = format!("{prefix}{}", e.path());
        error(
            v,
            Some(&path),
            crate::domain::input::excerpted(&e.into_inner().to_string()),
        )
    })?;
    if let Some(key) = unknown.first() {
        return Err(error(
            v,
            Some(&format!("{prefix}{key}")),
            "unknown field; a job takes track fields (text_input, genre, duration_seconds, \
             structure, style_references, temperature), settings (model, negative_prompt, seed, \
             samples), preset, config, name, vary and repeat",
        ));
    }
    Ok(patch)
}

/// `into_track` speaks of flags; in a batch file the field is what to fix.
fn without_flag_hints(message: &str) -> String {
    match message.split_once("; pass --") {
        Some((head, _)) => format!("{head}; give it in the job, its preset or its config file"),
        None => message.to_string(),
    }
}
