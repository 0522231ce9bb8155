//! Simulate mode: everything but the network call, no credentials needed.

use tokio_util::sync::CancellationToken;

use crate::domain::cost;
use crate::generate::error::GenerateError;
use crate::generate::job::{Job, Mode, OutputTarget};
use crate::generate::output;
use crate::generate::result::{GenerationResult, Status};

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
        let mut result = GenerationResult::for_job(
            job,
            Status::Simulated,
            MESSAGE.to_string(),
            cost::simulate(track.duration_seconds),
        );
        // Simulate mode whatever the key says: nothing was sent.
        result.mode = Mode::Simulate;
        if let Some(s) = &mut result.settings {
            s.mode = Mode::Simulate;
        }
        if job.settings.output == OutputTarget::None {
            return Ok(result);
        }
        let name = job.settings.name.as_deref();
        output::write(&job.settings.output, name, Vec::new(), result, cancel).await
    }
}
