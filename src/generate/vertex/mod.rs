//! Vertex AI generation (Lyria 2 and Lyria 3). Until it is built, gcp mode
//! fails with a clear message rather than pretending.

use tokio_util::sync::CancellationToken;

use crate::generate::error::GenerateError;
use crate::generate::job::{GeneratorKey, Job};
use crate::generate::result::GenerationResult;
use crate::generate::Progress;

pub struct VertexGenerator;

impl VertexGenerator {
    pub fn new(_key: &GeneratorKey) -> Result<VertexGenerator, GenerateError> {
        Ok(VertexGenerator)
    }

    pub async fn generate(
        &self,
        _job: &Job,
        _progress: Progress,
        _cancel: CancellationToken,
    ) -> Result<GenerationResult, GenerateError> {
        Err(GenerateError::Config(
            "gcp mode is not available in this build; use --mode simulate".to_string(),
        ))
    }
}
