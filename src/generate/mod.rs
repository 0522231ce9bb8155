//! Generators: simulate mode and Vertex AI, chosen by mode, project and
//! location, and cached by the worker so clients and tokens are reused.

pub mod cache;
pub mod contain;
pub mod error;
pub mod job;
pub mod limiter;
pub mod output;
pub mod progress;
pub mod result;
pub mod simulate;
pub mod spool;
pub mod upload;
pub mod vertex;

use tokio_util::sync::CancellationToken;

pub use error::GenerateError;
pub use job::{GenerationSettings, GeneratorKey, Job, Mode, OutputTarget};
pub use limiter::Limiter;
pub use progress::{Progress, Stage};
pub use result::{GenerationResult, Status};

/// One generator per cache key; the variants own their clients and tokens.
pub enum Generator {
    Simulate(simulate::SimulateGenerator),
    Vertex(vertex::VertexGenerator),
}

impl Generator {
    /// Builds the generator for a key. Cheap and synchronous: anything slow
    /// (finding credentials, fetching a token) happens on first use.
    pub fn new(key: &GeneratorKey) -> Result<Generator, GenerateError> {
        match key.mode {
            Mode::Simulate => Ok(Generator::Simulate(simulate::SimulateGenerator)),
            Mode::Gcp => Ok(Generator::Vertex(vertex::VertexGenerator::new(key)?)),
        }
    }

    pub async fn generate(
        &self,
        job: &Job,
        progress: Progress,
        cancel: CancellationToken,
    ) -> Result<GenerationResult, GenerateError> {
        // Test builds can inject a panic to check that it is contained.
        #[cfg(debug_assertions)]
        if std::env::var_os("MUSIC_GEN_TEST_PANIC_IN_GENERATION").is_some() {
            panic!("injected by MUSIC_GEN_TEST_PANIC_IN_GENERATION");
        }
        match self {
            Generator::Simulate(g) => g.generate(job, cancel).await,
            Generator::Vertex(g) => g.generate(job, progress, cancel).await,
        }
    }
}
