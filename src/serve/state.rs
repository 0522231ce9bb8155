//! What every handler shares.

use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::Semaphore;

use crate::generate::{GenerationSettings, Mode};
use crate::serve::auth::ApiKey;
use crate::serve::dispatch::WorkerClient;
use crate::serve::shutdown::Shutdown;

pub struct AppState {
    pub worker: WorkerClient,
    /// Mode, project, location and output for every generation.
    pub settings: GenerationSettings,
    pub api_key: Option<ApiKey>,
    /// Slots for gcp generations running at once.
    pub generation_slots: Arc<Semaphore>,
    pub max_generations: usize,
    pub shutdown: Shutdown,
    /// Where takes are written and read back from.
    pub output_dir: PathBuf,
}

impl AppState {
    pub fn mode(&self) -> Mode {
        self.settings.key.mode
    }
}
