//! Waits for the worker's answer to one request.

use crate::cli::error::CliError;
use crate::worker::{Event, Request, WorkerHandle};

/// The final event for `request`; a failure becomes a `CliError`.
pub async fn call(worker: &mut WorkerHandle, request: Request) -> Result<Event, CliError> {
    match worker.call(request, |_| {}).await {
        Some(Event::Failed { error, .. }) => Err(error.into()),
        Some(ev) => Ok(ev),
        None => Err(CliError::Failure(
            "the worker stopped unexpectedly".to_string(),
        )),
    }
}
