//! The JSON bodies of the HTTP API, in the Python tool's shapes. These types
//! are what /openapi.json is generated from; requests are checked against
//! `schema` first, so deserializing them cannot fail on a valid body.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::model::{PresetConfig, SongStructure, StyleReference};
use crate::domain::presets::PresetSummary;

/// `GET /`.
#[derive(Debug, Serialize, ToSchema)]
pub struct RootResponse {
    pub message: &'static str,
    pub version: &'static str,
    /// Where the API is described.
    pub docs: &'static str,
    /// `simulate` or `gcp`.
    pub mode: &'static str,
}

/// `GET /health`.
#[derive(Debug, Serialize, ToSchema)]
pub struct HealthResponse {
    /// Always "healthy".
    pub status: &'static str,
    pub mode: &'static str,
}

/// `GET /config`: what the server runs with, never a secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConfigResponse {
    pub mode: &'static str,
    /// The Vertex AI location; null in simulate mode.
    pub region: Option<String>,
    /// The Google Cloud project; null in simulate mode.
    pub project: Option<String>,
    pub presets_available: Vec<String>,
    pub auth_enabled: bool,
}

/// One entry of `GET /presets`.
#[derive(Debug, Serialize, ToSchema)]
pub struct PresetListItem {
    pub name: String,
    pub genre: String,
    pub description: Option<String>,
}

impl PresetListItem {
    /// `None` for a preset file that cannot be used (it is logged instead).
    pub fn of(summary: PresetSummary) -> Option<PresetListItem> {
        if summary.is_broken() {
            tracing::warn!(name = %summary.name, error = ?summary.error, "broken preset left out of GET /presets");
            return None;
        }
        Some(PresetListItem {
            name: summary.name,
            genre: summary.genre.unwrap_or_default(),
            description: summary.description,
        })
    }
}

/// One entry of `GET /prompt-tips`.
#[derive(Debug, Serialize, ToSchema)]
pub struct PromptTip {
    pub preset_name: String,
    pub genre: String,
    pub tips: Option<String>,
}

/// `{"message": "..."}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct MessageResponse {
    pub message: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct Structure {
    #[schema(default = true)]
    pub intro: bool,
    /// 1 to 5.
    #[schema(default = 2, minimum = 1, maximum = 5)]
    pub verse_count: i64,
    /// 1 to 4.
    #[schema(default = 2, minimum = 1, maximum = 4)]
    pub chorus_count: i64,
    #[schema(default = true)]
    pub bridge: bool,
    #[schema(default = true)]
    pub outro: bool,
}

impl From<Structure> for SongStructure {
    fn from(s: Structure) -> SongStructure {
        SongStructure {
            intro: s.intro,
            verse_count: s.verse_count,
            chorus_count: s.chorus_count,
            bridge: s.bridge,
            outro: s.outro,
        }
    }
}

impl From<SongStructure> for Structure {
    fn from(s: SongStructure) -> Structure {
        Structure {
            intro: s.intro,
            verse_count: s.verse_count,
            chorus_count: s.chorus_count,
            bridge: s.bridge,
            outro: s.outro,
        }
    }
}

impl Default for Structure {
    fn default() -> Structure {
        SongStructure::default().into()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StyleRef {
    /// style, sound, artist, similar_to, …
    #[serde(rename = "type")]
    pub kind: String,
    pub value: String,
}

impl From<StyleRef> for StyleReference {
    fn from(s: StyleRef) -> StyleReference {
        StyleReference {
            kind: s.kind,
            value: s.value,
        }
    }
}

impl From<StyleReference> for StyleRef {
    fn from(s: StyleReference) -> StyleRef {
        StyleRef {
            kind: s.kind,
            value: s.value,
        }
    }
}

/// `POST /tracks/generate`. With `preset_name` the preset is the base and
/// structure, style_references and temperature override it when given;
/// without it, structure is required.
#[derive(Debug, Deserialize, ToSchema)]
pub struct GenerateTrackRequest {
    /// Lyrics or a description of the track.
    pub text_input: String,
    /// Ignored when preset_name is given (the preset's genre is used).
    pub genre: String,
    /// 60 to 240.
    #[serde(default = "default_duration")]
    #[schema(default = 180, minimum = 60, maximum = 240)]
    pub duration_seconds: i64,
    pub preset_name: Option<String>,
    pub structure: Option<Structure>,
    pub style_references: Option<Vec<StyleRef>>,
    /// 0.0 to 1.0; default 0.7 without a preset.
    #[schema(minimum = 0.0, maximum = 1.0)]
    pub temperature: Option<f64>,
    /// music-gen: lyria-002, lyria-3-clip-preview or lyria-3-pro-preview.
    pub model: Option<String>,
    /// music-gen, lyria-002 only: what the music should not contain.
    pub negative_prompt: Option<String>,
    /// music-gen, lyria-002 only.
    pub seed: Option<u64>,
    /// music-gen, lyria-002 only: 1 to 4 samples.
    #[schema(minimum = 1, maximum = 4)]
    pub sample_count: Option<i64>,
}

fn default_duration() -> i64 {
    crate::domain::model::DURATION_DEFAULT
}

/// A preset, as `GET /presets/{name}` answers and `POST /presets` takes.
/// description and tips are always present (null when unset), as in the
/// Python tool; music-gen's own keys appear only when set.
#[derive(Debug, Serialize, ToSchema)]
pub struct Preset {
    /// 1 to 64 letters, digits, '_' or '-'.
    pub name: String,
    pub description: Option<String>,
    pub genre: String,
    #[serde(default)]
    pub structure: Structure,
    #[serde(default)]
    pub style_references: Vec<StyleRef>,
    #[schema(default = 0.7, minimum = 0.0, maximum = 1.0)]
    pub temperature: f64,
    pub tips: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub negative_prompt: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sample_count: Option<i64>,
}

impl From<PresetConfig> for Preset {
    fn from(p: PresetConfig) -> Preset {
        Preset {
            name: p.name,
            description: p.description,
            genre: p.genre,
            structure: p.structure.into(),
            style_references: p.style_references.into_iter().map(Into::into).collect(),
            temperature: p.temperature,
            tips: p.tips,
            model: p.model.map(|m| m.id().to_string()),
            negative_prompt: p.negative_prompt,
            seed: p.seed,
            sample_count: p.sample_count,
        }
    }
}
