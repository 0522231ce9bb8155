//! The handlers, one module per group of endpoints.

pub mod generate;
pub mod meta;
pub mod presets;
pub mod tracks;

use axum::extract::rejection::{PathRejection, QueryRejection};

use crate::serve::error::ApiError;

/// A path parameter that could not be decoded (invalid UTF-8 and the like).
pub fn path_rejected(e: PathRejection) -> ApiError {
    ApiError::invalid_name("path", &e.body_text())
}

pub fn query_rejected(e: QueryRejection) -> ApiError {
    ApiError::invalid_name("query", &e.body_text())
}
