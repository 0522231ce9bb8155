//! Reading an answer body in chunks, with a cap: a server that sends
//! hundreds of megabytes must not take the memory with it.

use crate::generate::error::GenerateError;
use crate::generate::vertex::errors;

/// Far above the largest real answer: four 33-second 48 kHz stereo WAV
/// samples are about 25 MiB, 34 MiB in base64.
pub const MAX_ANSWER_BYTES: usize = 128 * 1024 * 1024;
/// Error answers are a few kilobytes; more is a proxy's page or junk.
pub const MAX_ERROR_BYTES: usize = 64 * 1024;

#[derive(Debug)]
pub enum BodyError {
    TooLarge,
    /// The connection broke off mid-answer.
    Dropped(reqwest::Error),
}

impl BodyError {
    /// Both come after Vertex AI made the answer, so both may be billed.
    pub fn into_error(self) -> GenerateError {
        match self {
            BodyError::TooLarge => GenerateError::MayHaveBeenBilled(format!(
                "Vertex AI's answer was larger than {} MiB, so music-gen stopped reading it",
                MAX_ANSWER_BYTES / (1024 * 1024)
            )),
            BodyError::Dropped(e) => {
                tracing::warn!(error = %errors::causes(&e), "answer broke off");
                GenerateError::MayHaveBeenBilled(errors::DROPPED_MID_ANSWER.to_string())
            }
        }
    }
}

/// The whole body, or an error once it passes `cap` bytes (checked against
/// the announced length first, then as it arrives).
pub async fn read(response: &mut reqwest::Response, cap: usize) -> Result<Vec<u8>, BodyError> {
    let announced = response.content_length().unwrap_or(0);
    if announced > cap as u64 {
        return Err(BodyError::TooLarge);
    }
    let mut body = Vec::with_capacity(usize::try_from(announced).unwrap_or(0));
    while let Some(chunk) = response.chunk().await.map_err(BodyError::Dropped)? {
        if body.len() + chunk.len() > cap {
            return Err(BodyError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Up to `cap` bytes of the body, however it ends: enough of an error
/// answer to explain it.
pub async fn read_prefix(response: &mut reqwest::Response, cap: usize) -> Vec<u8> {
    let mut body = Vec::new();
    while let Ok(Some(chunk)) = response.chunk().await {
        let room = cap - body.len();
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() == cap {
            break;
        }
    }
    body
}
