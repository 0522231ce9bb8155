//! Why a generation did not produce a result, in words a user can act on.

use std::path::PathBuf;

use crate::domain::validate::{FieldError, ValidationErrors};

#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    #[error("{0}")]
    Invalid(ValidationErrors),
    #[error(transparent)]
    Unsupported(FieldError),
    /// Set-up that is missing before any request: project, credentials.
    #[error("{0}")]
    Config(String),
    #[error("authentication failed: {message}")]
    Auth {
        message: String,
        /// gcp_auth's error, when the token exchange failed; `None` when
        /// Vertex AI refused a token.
        #[source]
        source: Option<gcp_auth::Error>,
    },
    /// Google's token endpoint could not be reached: a network problem, not
    /// a credentials one.
    #[error("could not reach Google's token service: {message}")]
    TokenNetwork {
        message: String,
        #[source]
        source: gcp_auth::Error,
    },
    /// An answer from Vertex AI, already turned into advice.
    #[error("{message}")]
    Api {
        status: Option<u16>,
        message: String,
    },
    #[error("the request was blocked by the safety filters: {0}")]
    Filtered(String),
    /// Vertex AI was never reached (nothing was sent, nothing was billed).
    /// The message spells out the causes, so one line says what failed.
    #[error("could not reach Vertex AI: {message}")]
    Network {
        message: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("writing the result stopped unexpectedly: {0}")]
    Task(#[from] tokio::task::JoinError),
    /// The request reached Vertex AI, which may have made (and billed) the
    /// generation, but its answer never arrived whole. Never retried
    /// automatically: a second request would be billed again.
    #[error("{0}; this generation may have been billed — run it again if you need it")]
    MayHaveBeenBilled(String),
    /// Vertex AI answered without audio, in a shape that is not a known
    /// refusal.
    #[error("{0}")]
    NoAudio(String),
    #[error(
        "no answer within {seconds} seconds; raise the timeout with --timeout{}",
        if *sent { " (the request had been sent: this generation may have been billed)" } else { "" }
    )]
    Timeout { seconds: u64, sent: bool },
    /// A bug in music-gen: a generation panicked. Caught so the take fails
    /// instead of hanging.
    #[error("music-gen hit an internal error during this generation ({0}); please report it")]
    Internal(String),
    #[error("cancelled")]
    Cancelled,
    /// The take was written to the local spool folder but could not be
    /// uploaded to its bucket: it is kept at `kept`.
    #[error(
        "{message}; the take is kept at {}{}; `music-gen history upload` uploads it",
        kept.display(),
        if *billed { " (the generation was billed: do not run it again for this take)" } else { "" }
    )]
    Upload {
        message: String,
        kept: PathBuf,
        billed: bool,
    },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl GenerateError {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> GenerateError {
        GenerateError::Io {
            path: path.into(),
            source,
        }
    }

    /// Whether Vertex AI may have made (and billed) the generation, given
    /// whether the request had been sent: a refusal or an unreachable
    /// server did not; an answer lost on the way, or audio that arrived but
    /// could not be written, may have.
    pub fn may_have_been_billed(&self, sent: bool) -> bool {
        match self {
            GenerateError::MayHaveBeenBilled(_)
            | GenerateError::NoAudio(_)
            | GenerateError::Io { .. }
            | GenerateError::Upload { .. }
            | GenerateError::Task(_)
            | GenerateError::Internal(_) => sent,
            GenerateError::Timeout { sent: t, .. } => *t,
            GenerateError::Cancelled => sent,
            GenerateError::Invalid(_)
            | GenerateError::Unsupported(_)
            | GenerateError::Config(_)
            | GenerateError::Auth { .. }
            | GenerateError::TokenNetwork { .. }
            | GenerateError::Api { .. }
            | GenerateError::Filtered(_)
            | GenerateError::Network { .. } => false,
        }
    }

    /// Usage errors (exit code 2) as opposed to failures along the way.
    pub fn is_invalid_input(&self) -> bool {
        matches!(
            self,
            GenerateError::Invalid(_) | GenerateError::Unsupported(_)
        )
    }
}

impl From<ValidationErrors> for GenerateError {
    fn from(e: ValidationErrors) -> Self {
        GenerateError::Invalid(e)
    }
}
