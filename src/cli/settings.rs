//! Turns the global flags, the environment, `.env` and the config file into
//! generation settings, in the order `crate::settings` defines.

use std::path::PathBuf;
use std::time::Duration;

use crate::cli::args::GenerationArgs;
use crate::cli::error::CliError;
use crate::generate::job::MAX_TIMEOUT;
use crate::generate::{GenerationSettings, GeneratorKey, OutputTarget};
use crate::paths;
use crate::settings::{Flags, Layers, Settings};

pub fn output_dir(args: &GenerationArgs) -> PathBuf {
    args.output_dir
        .clone()
        .unwrap_or_else(paths::default_output_dir)
}

/// The settings a generation runs with, and where each came from.
pub fn resolve(args: &GenerationArgs) -> Result<(GenerationSettings, Settings), CliError> {
    let usage = |e: crate::settings::SettingsError| CliError::Usage(e.to_string());
    let resolved = Layers::from_process()
        .map_err(usage)?
        .resolve(Flags {
            mode: args.mode,
            project: args.project_id.clone().filter(|p| !p.is_empty()),
            location: args.location.clone().filter(|l| !l.is_empty()),
            model: args.model,
            credentials: args.credentials.clone(),
        })
        .map_err(usage)?;
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
    let settings = GenerationSettings {
        key: GeneratorKey {
            mode: resolved.mode.value,
            project: resolved.project.as_ref().map(|p| p.value.clone()),
            location: resolved.location.value.clone(),
            credentials: resolved.credentials.as_ref().map(|c| c.value.clone()),
            endpoint: args.endpoint.clone().filter(|e| !e.is_empty()),
        },
        model: resolved.model.value,
        timeout: Duration::from_secs(args.timeout),
        max_attempts: args.max_attempts,
        output: OutputTarget::Dir(output_dir(args)),
    };
    Ok((settings, resolved))
}

pub fn settings(args: &GenerationArgs) -> Result<GenerationSettings, CliError> {
    resolve(args).map(|(settings, _)| settings)
}
