//! The result of a generation: the Python tool's keys, plus what a real
//! generation adds (model, request, files, text, timings).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::audio::AudioInfo;
use crate::domain::cost::CostEstimate;
use crate::domain::model::{Model, SongStructure, StyleReference, TrackConfig};
use crate::domain::named::named_str;
use crate::generate::job::Mode;

/// How a generation ended, in the Python tool's words.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[serde(try_from = "String", into = "&'static str")]
#[strum(serialize_all = "lowercase")]
pub enum Status {
    /// Simulate mode: the prompt and the cost, nothing sent.
    Simulated,
    /// Vertex AI answered with audio, and it was written.
    Completed,
}

named_str!(Status, "status");

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultMetadata {
    pub structure: SongStructure,
    pub style_references: Vec<StyleReference>,
    pub temperature: f64,
}

impl ResultMetadata {
    pub fn of(track: &TrackConfig) -> ResultMetadata {
        ResultMetadata {
            structure: track.structure.clone(),
            style_references: track.style_references.clone(),
            temperature: track.temperature,
        }
    }
}

/// One file a generation wrote.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutputFile {
    pub path: PathBuf,
    pub mime_type: String,
    pub size_bytes: u64,
    pub sha256: String,
    /// What the audio really is, measured by decoding the written file
    /// (Lyria 2 returns about 30 s whatever `duration_seconds` asked for).
    /// Absent when the file could not be decoded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio: Option<AudioInfo>,
}

/// How long the parts of a real generation took, in milliseconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timings {
    pub started_at: String,
    pub auth_ms: u64,
    pub request_ms: u64,
    pub total_ms: u64,
    pub attempts: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GenerationResult {
    pub status: Status,
    pub mode: Mode,
    pub genre: String,
    pub duration_seconds: i64,
    pub prompt: String,
    pub metadata: ResultMetadata,
    pub message: String,
    pub cost_estimate: CostEstimate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<Model>,
    /// The request parameters sent, never a secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<OutputFile>,
    /// Text the model returned with the audio (Lyria 3: lyrics, structure).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timings: Option<Timings>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata_path: Option<PathBuf>,
}
