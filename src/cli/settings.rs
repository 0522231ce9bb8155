//! Turns the global flags and environment into generation settings.

use std::path::PathBuf;
use std::time::Duration;

use crate::cli::args::GenerationArgs;
use crate::cli::error::CliError;
use crate::domain::model::Model;
use crate::generate::job::MAX_TIMEOUT;
use crate::generate::{GenerationSettings, GeneratorKey, OutputTarget};
use crate::paths;

pub const MODEL_ENV: &str = "MUSIC_GEN_MODEL";

pub fn output_dir(args: &GenerationArgs) -> PathBuf {
    args.output_dir
        .clone()
        .unwrap_or_else(paths::default_output_dir)
}

pub fn settings(args: &GenerationArgs) -> Result<GenerationSettings, CliError> {
    let env_model = match std::env::var(MODEL_ENV) {
        Ok(m) if !m.is_empty() => Some(
            m.parse::<Model>()
                .map_err(|e| CliError::Usage(format!("{MODEL_ENV}: {e}")))?,
        ),
        _ => None,
    };
    if args.max_attempts == 0 {
        return Err(CliError::Usage(
            "--max-attempts: must be at least 1".to_string(),
        ));
    }
    if args.timeout == 0 || args.timeout > MAX_TIMEOUT.as_secs() {
        return Err(CliError::Usage(format!(
            "--timeout: must be 1 to {} seconds",
            MAX_TIMEOUT.as_secs()
        )));
    }
    Ok(GenerationSettings {
        key: GeneratorKey {
            mode: args.mode,
            project: args.project_id.clone().filter(|p| !p.is_empty()),
            location: args.location.clone(),
            credentials: args.credentials.clone(),
            endpoint: args.endpoint.clone().filter(|e| !e.is_empty()),
        },
        model: args.model.or(env_model).unwrap_or_default(),
        timeout: Duration::from_secs(args.timeout),
        max_attempts: args.max_attempts,
        output: OutputTarget::Dir(output_dir(args)),
    })
}
