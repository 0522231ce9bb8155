//! What a running generation is doing, as the worker reports it.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::domain::model::Model;

/// One step of a generation; shown to users through `Display`.
#[derive(Debug, Clone, PartialEq)]
pub enum Stage {
    /// Getting an access token before the first attempt.
    Authenticating,
    /// Waiting for a place among the requests a shared limiter lets out
    /// at once (a batch's `--jobs`, narrowed after a 429), or for the
    /// pause a 429 asked for to end.
    Queued {
        paused_for: Option<Duration>,
    },
    Sending {
        model: Model,
        location: String,
        attempt: u32,
        of: u32,
    },
    /// An attempt failed with `failure` ("HTTP 503") and another follows
    /// after `wait`.
    Retrying {
        attempt: u32,
        of: u32,
        failure: String,
        wait: Duration,
    },
    Saving {
        files: usize,
    },
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stage::Authenticating => f.write_str("getting an access token"),
            Stage::Queued { paused_for: None } => {
                f.write_str("queued: waiting for a slot among the requests in flight")
            }
            Stage::Queued {
                paused_for: Some(wait),
            } => write!(
                f,
                "queued: every request paused {:.1} s after a 429 (too many requests)",
                wait.as_secs_f64()
            ),
            Stage::Sending {
                model,
                location,
                attempt,
                of,
            } => write!(
                f,
                "sending the request to {model} at {location} (attempt {attempt} of {of})"
            ),
            Stage::Retrying {
                attempt,
                of,
                failure,
                wait,
            } => write!(
                f,
                "attempt {attempt} of {of} failed with {failure}, retrying in {:.1} s",
                wait.as_secs_f64()
            ),
            Stage::Saving { files: 1 } => f.write_str("saving the audio file"),
            Stage::Saving { files } => write!(f, "saving {files} audio files"),
        }
    }
}

/// Where a running generation reports its stages; the worker turns them
/// into events.
pub type Progress = Arc<dyn Fn(Stage) + Send + Sync>;
