//! The CLI's layers of a track: a preset, a `--config` file, the flags;
//! merged and validated by [`layers::resolve`].

use std::path::Path;

use crate::cli::args::{ShapeArgs, TrackArgs};
use crate::cli::error::CliError;
use crate::domain::input::{self, Format, ReadError, UnknownKey};
use crate::domain::layers::{self, Layer, LayerError};
use crate::domain::model::{Model, StyleReference, TrackField};
use crate::domain::result_file::{self, ConfigFile};
use crate::domain::validate::FieldError;

/// The flags' layer. `model` comes from the global `--model` flag.
pub fn flags_layer(args: &TrackArgs, model: Option<Model>) -> Result<Layer, CliError> {
    let mut layer = Layer::new(None);
    set(&mut layer, TrackField::TextInput, &args.text);
    set(&mut layer, TrackField::Genre, &args.genre);
    set(&mut layer, TrackField::Duration, &args.duration);
    set(&mut layer, TrackField::Model, &model);
    shape_flags(&mut layer, &args.shape)?;
    Ok(layer)
}

/// The structure, style and model flags, shared with `presets save`.
pub fn shape_flags(layer: &mut Layer, s: &ShapeArgs) -> Result<(), CliError> {
    set(layer, TrackField::Intro, &s.intro());
    set(layer, TrackField::Verses, &s.verses);
    set(layer, TrackField::Choruses, &s.choruses);
    set(layer, TrackField::Bridge, &s.bridge());
    set(layer, TrackField::Outro, &s.outro());
    if !s.styles.is_empty() {
        let styles = s
            .styles
            .iter()
            .map(|s| StyleReference::parse_flag(s))
            .collect::<Result<Vec<_>, FieldError>>()
            .map_err(|e| CliError::Usage(e.to_string()))?;
        layer.set(TrackField::StyleReferences, styles);
    }
    set(layer, TrackField::Temperature, &s.temperature);
    set(layer, TrackField::NegativePrompt, &s.negative_prompt);
    set(layer, TrackField::Seed, &s.seed);
    set(layer, TrackField::Samples, &s.samples);
    Ok(())
}

fn set<T: serde::Serialize>(layer: &mut Layer, field: TrackField, flag: &Option<T>) {
    if let Some(value) = flag {
        layer.set(field, value);
    }
}

/// A `--config` file (or stdin for `-`), a track config or a take's
/// result, as a layer with what a take's result records beyond its track
/// (the location it ran at); unknown keys become warnings on stderr.
pub fn config_file(path: &Path) -> Result<ConfigFile, CliError> {
    let text = read_input(path)?;
    let name = if path == Path::new("-") {
        "stdin".to_string()
    } else {
        path.display().to_string()
    };
    // A take's result file works too: it re-creates the take's track.
    let file =
        result_file::layer_from_text(Some(name.clone()), &text, Format::of(Some(path), &text))
            .map_err(|e| CliError::Usage(e.to_string()))?;
    warn(&name, &file.warnings);
    Ok(file)
}

/// A `--config` file as a batch job reads it: its unknown keys come back
/// rather than being printed, for the batch to refuse.
pub fn file_layer_strict(path: &Path) -> Result<(Layer, Vec<UnknownKey>), CliError> {
    let text = read_input(path)?;
    result_file::layer_from_text(
        Some(path.display().to_string()),
        &text,
        Format::of(Some(path), &text),
    )
    .map(|file| (file.layer, file.warnings))
    .map_err(|e| CliError::Usage(e.to_string()))
}

/// The validated track; a missing field says which flag would set it.
pub fn resolve(layers: &[Layer]) -> Result<crate::domain::model::TrackConfig, CliError> {
    layers::resolve(layers).map_err(|e| match e {
        LayerError::Missing { field } => {
            let hint = match field {
                TrackField::TextInput => "pass --text or a --config file with text_input",
                _ => "pass --genre, --preset or a --config file with genre",
            };
            CliError::Usage(format!("{e}; {hint}"))
        }
        e => CliError::Usage(e.to_string()),
    })
}

/// The most unknown keys warned about one by one; the rest are counted.
const MAX_WARNINGS: usize = 5;

fn warn(name: &str, warnings: &[impl std::fmt::Display]) {
    for w in warnings.iter().take(MAX_WARNINGS) {
        crate::cli::stdout::eprint_line(&format!("warning: {name}: {w}"));
    }
    if warnings.len() > MAX_WARNINGS {
        crate::cli::stdout::eprint_line(&format!(
            "warning: {name}: {} more unknown keys, ignored",
            warnings.len() - MAX_WARNINGS
        ));
    }
}

/// Reads a file, or stdin for `-`: at most a megabyte, regular files only.
pub fn read_input(path: &Path) -> Result<String, CliError> {
    let bytes = if path == Path::new("-") {
        input::read_limited(std::io::stdin().lock())
    } else {
        input::read_regular(path)
    };
    let bytes = bytes.map_err(|e| {
        let msg = format!("{}: {e}", path.display());
        match e {
            ReadError::Io(_) => CliError::Failure(msg),
            _ => CliError::Usage(msg),
        }
    })?;
    String::from_utf8(bytes).map_err(|e| {
        CliError::Usage(format!(
            "{}: not UTF-8 text (invalid byte at offset {})",
            path.display(),
            e.utf8_error().valid_up_to()
        ))
    })
}

/// Parses a YAML or JSON file into `T`; unknown keys become warnings on stderr.
pub fn parse_file<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, CliError> {
    let text = read_input(path)?;
    let (value, warnings) = input::parse::<T>(&text, Format::of(Some(path), &text))
        .map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))?;
    warn(&path.display().to_string(), &warnings);
    Ok(value)
}
