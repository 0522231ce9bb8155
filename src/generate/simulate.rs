//! Simulate mode: everything but the network call, no credentials needed.

use tokio_util::sync::CancellationToken;

use crate::domain::cost;
use crate::domain::prompt::build_prompt;
use crate::generate::error::GenerateError;
use crate::generate::job::{Job, Mode, OutputTarget};
use crate::generate::output;
use crate::generate::result::{GenerationResult, ResultMetadata, Status};

pub const MESSAGE: &str = "Track generation simulated (no GCP credentials required).";

pub struct SimulateGenerator;

impl SimulateGenerator {
    pub async fn generate(
        &self,
        job: &Job,
        cancel: CancellationToken,
    ) -> Result<GenerationResult, GenerateError> {
        let track = &job.track;
        track.validate()?;
        if cancel.is_cancelled() {
            return Err(GenerateError::Cancelled);
        }
        let mut result = GenerationResult {
            status: Status::Simulated,
            mode: Mode::Simulate,
            genre: track.genre.clone(),
            duration_seconds: track.duration_seconds,
            prompt: build_prompt(track),
            metadata: ResultMetadata::of(track),
            message: MESSAGE.to_string(),
            cost_estimate: cost::simulate(track.duration_seconds),
            model: None,
            request: None,
            files: Vec::new(),
            text: None,
            timings: None,
            metadata_path: None,
        };
        if job.settings.output == OutputTarget::None {
            return Ok(result);
        }
        let target = job.settings.output.clone();
        tokio::task::spawn_blocking(move || {
            output::save(&target, &[], &mut result, &|| cancel.is_cancelled()).map(|()| result)
        })
        .await?
    }
}
