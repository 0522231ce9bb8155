//! Error answers in the Python tool's shapes: `{"detail": "..."}`, and for
//! validation `{"detail": "Validation error", "errors": [{field, message, type}]}`.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::presets::StoreError;
use crate::domain::validate::ValidationErrors;
use crate::generate::GenerateError;
use crate::worker::WorkerError;

pub const VALIDATION_DETAIL: &str = "Validation error";
pub const INVALID_KEY: &str = "Invalid or missing API key";

/// One problem with a request, as the Python tool reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ErrorItem {
    /// Where: `body.duration_seconds`, `body.structure.verse_count`, `path.name`.
    pub field: String,
    pub message: String,
    /// pydantic's error type (`missing`, `less_than_equal`, …) or `value_error`.
    #[serde(rename = "type")]
    pub kind: String,
}

impl ErrorItem {
    pub fn new(field: &str, message: &str, kind: &str) -> ErrorItem {
        ErrorItem {
            field: field.to_string(),
            message: message.to_string(),
            kind: kind.to_string(),
        }
    }
}

/// `{"detail": "..."}`: every error but validation.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ErrorResponse {
    pub detail: String,
}

/// The 422 answer for a body that does not fit the model.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ValidationErrorResponse {
    /// Always "Validation error".
    pub detail: String,
    pub errors: Vec<ErrorItem>,
}

#[derive(Debug)]
pub enum ApiError {
    Detail {
        status: StatusCode,
        detail: String,
        retry_after: Option<u64>,
    },
    Validation(Vec<ErrorItem>),
}

impl ApiError {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> ApiError {
        ApiError::Detail {
            status,
            detail: detail.into(),
            retry_after: None,
        }
    }

    pub fn preset_not_found(name: &str) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, format!("Preset '{name}' not found"))
    }

    pub fn unauthorized() -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, INVALID_KEY)
    }

    pub fn internal() -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error")
    }

    pub fn busy(detail: String, retry_after: u64) -> ApiError {
        ApiError::Detail {
            status: StatusCode::TOO_MANY_REQUESTS,
            detail,
            retry_after: Some(retry_after),
        }
    }

    /// Our own checks (genre length, preset name, model options) in the
    /// same 422 shape, under `body.`.
    pub fn invalid(errors: &ValidationErrors) -> ApiError {
        ApiError::Validation(
            errors
                .0
                .iter()
                .map(|e| ErrorItem::new(&format!("body.{}", e.field), &e.message, "value_error"))
                .collect(),
        )
    }

    /// A preset name from the URL that could not be a file name.
    pub fn invalid_name(location: &str, message: &str) -> ApiError {
        ApiError::Validation(vec![ErrorItem::new(location, message, "value_error")])
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Detail { status, .. } => *status,
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
        }
    }
}

impl From<WorkerError> for ApiError {
    fn from(e: WorkerError) -> ApiError {
        match e {
            WorkerError::Store(e) => e.into(),
            WorkerError::Generate(e) => e.into(),
            // Requests the server never sends (imports, drafts).
            other => {
                tracing::error!(error = %other, "unexpected worker failure");
                ApiError::internal()
            }
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match &e {
            StoreError::NotFound { name, .. } => ApiError::preset_not_found(name),
            StoreError::InvalidName(f) => ApiError::invalid_name("path.name", &f.message),
            StoreError::Invalid(errors) => ApiError::invalid(errors),
            StoreError::Exists { .. } => ApiError::new(StatusCode::CONFLICT, e.to_string()),
            StoreError::Conflict { .. } => ApiError::new(StatusCode::CONFLICT, e.to_string()),
            // The bucket is missing, refuses these credentials or cannot be
            // reached: said plainly in the log, without its name here.
            StoreError::Storage(_) => {
                tracing::error!(error = %e, "preset store");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Service unavailable: the preset store could not be reached; see the server log",
                )
            }
            // A broken preset file or a disk problem: the server's fault,
            // said without the server's paths.
            _ => {
                tracing::error!(error = %e, "preset store");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Internal server error: the preset could not be read or written; see the server log",
                )
            }
        }
    }
}

impl From<GenerateError> for ApiError {
    fn from(e: GenerateError) -> ApiError {
        match &e {
            GenerateError::Invalid(errors) => ApiError::invalid(errors),
            GenerateError::Unsupported(f) => ApiError::invalid(&f.clone().into()),
            GenerateError::Filtered(_) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.to_string())
            }
            // Vertex AI's side; each message says whether it may have been
            // billed.
            GenerateError::Api { .. }
            | GenerateError::Network { .. }
            | GenerateError::MayHaveBeenBilled(_)
            | GenerateError::NoAudio(_)
            | GenerateError::Timeout { .. } => {
                ApiError::new(StatusCode::BAD_GATEWAY, format!("Vertex AI: {e}"))
            }
            // The take is spooled on the server; the message says where
            // and that it was billed.
            GenerateError::Upload { .. } => {
                tracing::error!(error = %e, "upload");
                ApiError::new(StatusCode::BAD_GATEWAY, capitalized(&e.to_string()))
            }
            GenerateError::Cancelled => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "The generation was cancelled; it may have been billed",
            ),
            _ => {
                tracing::error!(error = %e, "generation");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!("Internal server error: {e}"),
                )
            }
        }
    }
}

/// `Uploading the take to s3://…`: a message that starts a sentence.
fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        match self {
            ApiError::Detail {
                detail,
                retry_after,
                ..
            } => {
                let mut response = (status, Json(ErrorResponse { detail })).into_response();
                if let Some(secs) = retry_after {
                    response
                        .headers_mut()
                        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
                }
                response
            }
            ApiError::Validation(errors) => (
                status,
                Json(ValidationErrorResponse {
                    detail: VALIDATION_DETAIL.to_string(),
                    errors,
                }),
            )
                .into_response(),
        }
    }
}
