//! Takes on disk for the TUI tests: written by the real save path, with a
//! real WAV (quiet first half, loud second half) or none (simulated), under
//! names that fix their time.

#![allow(dead_code)] // each test file uses its own part of this

use std::path::{Path, PathBuf};

use music_gen::domain::cost;
use music_gen::domain::model::{Model, TrackConfig};
use music_gen::generate::output::{self, NewAudio};
use music_gen::generate::{GenerationResult, GenerationSettings, Job, Mode, OutputTarget, Status};

use crate::audio_support;

pub struct TakeSpec<'a> {
    pub stem: &'a str,
    pub genre: &'a str,
    pub words: &'a str,
    pub preset: Option<&'a str>,
    pub seed: Option<u64>,
    pub temperature: f64,
    /// Seconds of a sine, quiet in its first half and loud in its second;
    /// `None`: a simulated take, no audio.
    pub audio: Option<f64>,
    /// The Vertex AI location it ran at.
    pub location: &'a str,
}

impl Default for TakeSpec<'_> {
    fn default() -> Self {
        TakeSpec {
            stem: "20261129-201500-jazz",
            genre: "jazz",
            words: "Blue notes fall like rain on the avenue tonight",
            preset: Some("jazz_smooth"),
            seed: Some(42),
            temperature: 0.7,
            audio: Some(2.0),
            location: "us-central1",
        }
    }
}

/// Writes a take through the real save path; returns its metadata path.
pub fn save(dir: &Path, spec: TakeSpec) -> PathBuf {
    let mut track = TrackConfig::new(spec.words, spec.genre);
    track.seed = spec.seed;
    track.temperature = spec.temperature;
    let mut settings = GenerationSettings::default();
    settings.key.location = spec.location.to_string();
    let mut job = Job::new(track, settings);
    job.preset = spec.preset.map(str::to_string);
    let status = if spec.audio.is_some() {
        Status::Completed
    } else {
        Status::Simulated
    };
    let mut result =
        GenerationResult::for_job(&job, status, String::new(), cost::vertex(Model::Lyria2, 1));
    let files = match spec.audio {
        Some(seconds) => {
            result.mode = Mode::Gcp;
            let wav = dir.join(".sine.wav");
            let half = seconds / 2.0;
            audio_support::write_sine_wav(&wav, 8_000, 1, seconds, |t| {
                if t < half { 0.2 } else { 0.9 }
            });
            let bytes = std::fs::read(&wav).unwrap();
            std::fs::remove_file(&wav).unwrap();
            vec![NewAudio {
                bytes,
                mime_type: "audio/wav".into(),
                ext: "wav",
            }]
        }
        None => Vec::new(),
    };
    let ext = if spec.audio.is_some() { "wav" } else { "json" };
    let target = OutputTarget::File(dir.join(format!("{}.{ext}", spec.stem)));
    output::save(&target, None, &files, &mut result, &|| false).unwrap();
    result.metadata_path.unwrap()
}
