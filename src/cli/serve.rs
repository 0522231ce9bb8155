//! `music-gen serve`: flags and settings to the server.

use std::time::Duration;

use crate::cli::args::{Cli, ServeArgs};
use crate::cli::error::CliError;
use crate::cli::settings::{output_dir, resolve};
use crate::serve::{ServeError, ServeOptions};
use crate::worker::WorkerHandle;

pub async fn serve(args: ServeArgs, cli: &Cli, worker: WorkerHandle) -> Result<(), CliError> {
    // The key through the settings, so a `.env` beside the server works
    // as it did for the Python tool.
    let (settings, sourced) = resolve(&cli.generation)?;
    let opts = ServeOptions {
        host: args.host,
        port: args.port,
        allow_unauthenticated: args.allow_unauthenticated,
        max_generations: usize::from(args.max_generations),
        shutdown_timeout: Duration::from_secs(args.shutdown_timeout),
        output_dir: output_dir(&cli.generation),
        api_key: sourced.api_key.map(|k| k.value),
    };
    crate::serve::run(opts, settings, worker)
        .await
        .map_err(|e| match e {
            ServeError::Usage(m) => CliError::Usage(m),
            ServeError::Failure(m) => CliError::Failure(m),
        })
}
