//! The result of a generation: the Python tool's keys, plus what a real
//! generation adds (model, request, files, text, timings).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::audio::AudioInfo;
use crate::domain::cost::CostEstimate;
use crate::domain::model::{Model, SongStructure, StyleReference, TrackConfig};
use crate::domain::named::named_str;
use crate::domain::prompt::build_prompt;
use crate::generate::job::{Job, Mode};

/// The version of the metadata file's layout. 0 (absent) is a file written
/// before versions existed, or by the Python tool: it has only the Python
/// tool's keys, and no track, settings or timestamps.
pub const SCHEMA_VERSION: u32 = 1;

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

/// The settings a take was made with, beside its track: what a re-run
/// needs besides the words, and what tells two takes apart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TakeSettings {
    pub mode: Mode,
    /// The model the generation ran on (the track's own, else the
    /// settings').
    pub model: Model,
    pub location: String,
    #[serde(default)]
    pub negative_prompt: Option<String>,
    #[serde(default)]
    pub seed: Option<u64>,
    /// Samples asked for (1 unless the track asked for more).
    pub sample_count: i64,
}

impl TakeSettings {
    pub fn of(job: &Job) -> TakeSettings {
        TakeSettings {
            mode: job.settings.key.mode,
            model: job.model(),
            location: job.settings.key.location.clone(),
            negative_prompt: job.track.negative_prompt.clone(),
            seed: job.track.seed,
            sample_count: job.track.sample_count.unwrap_or(1),
        }
    }
}

/// The result of one generation, and the metadata file of a take. The
/// Python tool's keys come first and keep their meaning; music-gen's are
/// optional so that older files (and the Python tool's) still read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GenerationResult {
    /// [`SCHEMA_VERSION`] when written by this music-gen; 0 when absent.
    #[serde(default)]
    pub schema_version: u32,
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
    /// The whole track, lyrics included: `--config RESULT.json` re-creates
    /// it exactly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub track: Option<TrackConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settings: Option<TakeSettings>,
    /// The preset the track started from, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preset: Option<String>,
    /// When the generation started and when its files were written (RFC
    /// 3339, UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<String>,
}

impl GenerationResult {
    /// A result for `job` with everything a re-run needs: the track, the
    /// settings, the preset and the time it started. The caller adds what
    /// the generator learned (model, request, files, text, timings).
    pub fn for_job(
        job: &Job,
        status: Status,
        message: String,
        cost_estimate: CostEstimate,
    ) -> GenerationResult {
        let track = &job.track;
        GenerationResult {
            schema_version: SCHEMA_VERSION,
            status,
            mode: job.settings.key.mode,
            genre: track.genre.clone(),
            duration_seconds: track.duration_seconds,
            prompt: build_prompt(track),
            metadata: ResultMetadata::of(track),
            message,
            cost_estimate,
            model: None,
            request: None,
            files: Vec::new(),
            text: None,
            timings: None,
            metadata_path: None,
            track: Some(track.clone()),
            settings: Some(TakeSettings::of(job)),
            preset: job.preset.clone(),
            created_at: Some(now_rfc3339()),
            finished_at: None,
        }
    }
}

/// The current time as RFC 3339 in UTC, to the second.
pub fn now_rfc3339() -> String {
    let now = time::OffsetDateTime::now_utc();
    let now = now.replace_nanosecond(0).unwrap_or(now);
    now.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
