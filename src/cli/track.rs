//! Builds a track from its layers: defaults, then a preset, then a config
//! file, then flags; each layer sets only what it names.

use std::path::Path;

use serde::Deserialize;

use crate::cli::args::{ShapeArgs, TrackArgs};
use crate::cli::error::CliError;
use crate::domain::input::{self, Format, ReadError};
use crate::domain::model::{Model, PresetConfig, SongStructure, StyleReference, TrackConfig};
use crate::domain::validate::FieldError;

#[derive(Debug, Default, Deserialize)]
pub struct StructurePatch {
    pub intro: Option<bool>,
    pub verse_count: Option<i64>,
    pub chorus_count: Option<i64>,
    pub bridge: Option<bool>,
    pub outro: Option<bool>,
}

/// A track with every field optional.
#[derive(Debug, Default, Deserialize)]
pub struct TrackPatch {
    pub text_input: Option<String>,
    pub genre: Option<String>,
    pub duration_seconds: Option<i64>,
    #[serde(default)]
    pub structure: StructurePatch,
    pub style_references: Option<Vec<StyleReference>>,
    pub temperature: Option<f64>,
    pub negative_prompt: Option<String>,
    pub seed: Option<u64>,
    pub sample_count: Option<i64>,
    pub model: Option<Model>,
}

impl TrackPatch {
    pub fn from_preset(p: &PresetConfig) -> TrackPatch {
        TrackPatch {
            text_input: None,
            genre: Some(p.genre.clone()),
            duration_seconds: None,
            structure: StructurePatch {
                intro: Some(p.structure.intro),
                verse_count: Some(p.structure.verse_count),
                chorus_count: Some(p.structure.chorus_count),
                bridge: Some(p.structure.bridge),
                outro: Some(p.structure.outro),
            },
            style_references: Some(p.style_references.clone()),
            temperature: Some(p.temperature),
            negative_prompt: p.negative_prompt.clone(),
            seed: p.seed,
            sample_count: p.sample_count,
            model: p.model,
        }
    }

    /// The flags' layer. `model` comes from the global `--model` flag.
    pub fn from_flags(args: &TrackArgs, model: Option<Model>) -> Result<TrackPatch, CliError> {
        let mut patch = TrackPatch {
            text_input: args.text.clone(),
            genre: args.genre.clone(),
            duration_seconds: args.duration,
            model,
            ..TrackPatch::default()
        };
        patch.apply_shape(&args.shape)?;
        Ok(patch)
    }

    pub fn apply_shape(&mut self, s: &ShapeArgs) -> Result<(), CliError> {
        let st = &mut self.structure;
        st.intro = s.intro().or(st.intro);
        st.verse_count = s.verses.or(st.verse_count);
        st.chorus_count = s.choruses.or(st.chorus_count);
        st.bridge = s.bridge().or(st.bridge);
        st.outro = s.outro().or(st.outro);
        if !s.styles.is_empty() {
            let styles = s
                .styles
                .iter()
                .map(|s| StyleReference::parse_flag(s))
                .collect::<Result<Vec<_>, FieldError>>()
                .map_err(|e| CliError::Usage(e.to_string()))?;
            self.style_references = Some(styles);
        }
        self.temperature = s.temperature.or(self.temperature);
        self.negative_prompt = s.negative_prompt.clone().or(self.negative_prompt.take());
        self.seed = s.seed.or(self.seed);
        self.sample_count = s.samples.or(self.sample_count);
        Ok(())
    }

    /// `top` wins wherever it says something.
    pub fn overlay(self, top: TrackPatch) -> TrackPatch {
        TrackPatch {
            text_input: top.text_input.or(self.text_input),
            genre: top.genre.or(self.genre),
            duration_seconds: top.duration_seconds.or(self.duration_seconds),
            structure: StructurePatch {
                intro: top.structure.intro.or(self.structure.intro),
                verse_count: top.structure.verse_count.or(self.structure.verse_count),
                chorus_count: top.structure.chorus_count.or(self.structure.chorus_count),
                bridge: top.structure.bridge.or(self.structure.bridge),
                outro: top.structure.outro.or(self.structure.outro),
            },
            style_references: top.style_references.or(self.style_references),
            temperature: top.temperature.or(self.temperature),
            negative_prompt: top.negative_prompt.or(self.negative_prompt),
            seed: top.seed.or(self.seed),
            sample_count: top.sample_count.or(self.sample_count),
            model: top.model.or(self.model),
        }
    }

    /// The finished, validated track.
    pub fn into_track(self) -> Result<TrackConfig, CliError> {
        let text_input = self.text_input.ok_or_else(|| {
            CliError::Usage(
                "text_input: is required; pass --text or a --config file with text_input"
                    .to_string(),
            )
        })?;
        let genre = self.genre.ok_or_else(|| {
            CliError::Usage(
                "genre: is required; pass --genre, --preset or a --config file with genre"
                    .to_string(),
            )
        })?;
        let d = SongStructure::default();
        let s = self.structure;
        let mut track = TrackConfig::new(text_input, genre);
        track.duration_seconds = self.duration_seconds.unwrap_or(track.duration_seconds);
        track.structure = SongStructure {
            intro: s.intro.unwrap_or(d.intro),
            verse_count: s.verse_count.unwrap_or(d.verse_count),
            chorus_count: s.chorus_count.unwrap_or(d.chorus_count),
            bridge: s.bridge.unwrap_or(d.bridge),
            outro: s.outro.unwrap_or(d.outro),
        };
        track.style_references = self.style_references.unwrap_or_default();
        track.temperature = self.temperature.unwrap_or(track.temperature);
        track.negative_prompt = self.negative_prompt;
        track.seed = self.seed;
        track.sample_count = self.sample_count;
        track.model = self.model;
        track
            .validate()
            .map_err(|e| CliError::Usage(e.to_string()))?;
        Ok(track)
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
    for w in warnings {
        crate::cli::stdout::eprint_line(&format!("warning: {}: {w}", path.display()));
    }
    Ok(value)
}
