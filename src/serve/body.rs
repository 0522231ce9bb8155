//! JSON request bodies: at most 1 MiB (413 beyond), parsed without trusting
//! the client (garbage or deeply nested JSON is a 422, never a panic), then
//! checked field by field as the Python tool's models check them.

use axum::body::{Body, to_bytes};
use axum::extract::FromRequest;
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{HeaderMap, Request, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::serve::error::{ApiError, ErrorItem};
use crate::serve::schema::{self, Field};

pub const BODY_LIMIT: usize = 1024 * 1024;

/// A body type and the fields it is checked against.
pub trait Checked: DeserializeOwned {
    const FIELDS: &'static [Field];
}

impl Checked for crate::serve::types::GenerateTrackRequest {
    const FIELDS: &'static [Field] = schema::GENERATE_REQUEST;
}

impl Checked for crate::domain::model::PresetConfig {
    const FIELDS: &'static [Field] = schema::PRESET;
}

/// A body that passed its checks.
pub struct CheckedJson<T>(pub T);

impl<S: Send + Sync, T: Checked> FromRequest<S> for CheckedJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request<Body>, _state: &S) -> Result<Self, ApiError> {
        let too_large = || {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("Request body too large; the limit is {BODY_LIMIT} bytes"),
            )
        };
        let json = declares_json(req.headers());
        // A declared length over the limit is answered before any byte is
        // read, so a client cannot hold the connection with a promise.
        let declared = req
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        if declared.is_some_and(|n| n > BODY_LIMIT as u64) {
            return Err(too_large());
        }
        let bytes = to_bytes(req.into_body(), BODY_LIMIT).await.map_err(|e| {
            let too_big = std::error::Error::source(&e)
                .is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
            if too_big {
                too_large()
            } else {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "The request body could not be read",
                )
            }
        })?;
        if bytes.is_empty() {
            return Err(ApiError::Validation(vec![ErrorItem::new(
                "body",
                "Field required",
                "missing",
            )]));
        }
        // As FastAPI: a body not declared JSON is not parsed as JSON (a
        // form or text posted by mistake), whatever it holds.
        if !json {
            return Err(ApiError::Validation(vec![schema::not_an_object("body")]));
        }
        let value: Value = serde_json::from_slice(&bytes).map_err(|e| json_error(&bytes, &e))?;
        let normalized = schema::check_body(&value, T::FIELDS).map_err(ApiError::Validation)?;
        serde_json::from_value(normalized)
            .map(CheckedJson)
            .map_err(|e| {
                ApiError::Validation(vec![ErrorItem::new("body", &e.to_string(), "value_error")])
            })
    }
}

/// Whether the (first) `Content-Type` is JSON as FastAPI reads it:
/// `application/json` or `application/*+json`, any case, any parameters.
/// No header, or one that is not a media type, is not JSON.
fn declares_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match essence.split_once('/') {
        Some((kind, sub)) if !sub.contains('/') => {
            kind == "application" && (sub == "json" || sub.ends_with("+json"))
        }
        _ => false,
    }
}

/// `body.<offset>`, "JSON decode error", as the Python tool answers.
fn json_error(bytes: &[u8], e: &serde_json::Error) -> ApiError {
    let at = if e.is_eof() {
        String::from_utf8_lossy(bytes).chars().count()
    } else {
        char_offset(bytes, e.line(), e.column())
    };
    ApiError::Validation(vec![ErrorItem::new(
        &format!("body.{at}"),
        "JSON decode error",
        "json_invalid",
    )])
}

/// The character offset of serde_json's (line, column), as Python's json
/// module counts positions: from 0, where serde_json's columns start at 1.
fn char_offset(bytes: &[u8], line: usize, column: usize) -> usize {
    let text = String::from_utf8_lossy(bytes);
    let before: usize = text
        .split('\n')
        .take(line.saturating_sub(1))
        .map(|l| l.chars().count() + 1)
        .sum();
    before + column.saturating_sub(1)
}
