//! The API key: when MUSIC_GEN_API_KEY is set, every endpoint but `/`,
//! `/health` and `/openapi.json` needs `X-API-Key: KEY` or
//! `Authorization: Bearer KEY`, as in the Python tool.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use crate::serve::error::ApiError;
use crate::serve::state::AppState;

pub const KEY_ENV: &str = "MUSIC_GEN_API_KEY";
pub const KEY_HEADER: &str = "x-api-key";

/// The key, kept only as a digest: comparing digests takes the same time
/// whatever the candidate, so timing tells an attacker nothing about it.
#[derive(Clone)]
pub struct ApiKey {
    digest: [u8; 32],
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

impl ApiKey {
    pub fn new(key: &str) -> ApiKey {
        ApiKey {
            digest: Sha256::digest(key.as_bytes()).into(),
        }
    }

    pub fn matches(&self, candidate: &[u8]) -> bool {
        let other: [u8; 32] = Sha256::digest(candidate).into();
        let diff = self
            .digest
            .iter()
            .zip(other.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b));
        std::hint::black_box(diff) == 0
    }

    /// Whether the headers carry the key either way.
    pub fn allows(&self, headers: &HeaderMap) -> bool {
        let by_header = headers
            .get(KEY_HEADER)
            .is_some_and(|v| self.matches(v.as_bytes()));
        let by_bearer = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                let mut parts = v.split_whitespace();
                match (parts.next(), parts.next(), parts.next()) {
                    (Some(scheme), Some(token), None) if scheme.eq_ignore_ascii_case("bearer") => {
                        Some(token)
                    }
                    _ => None,
                }
            })
            .is_some_and(|token| self.matches(token.as_bytes()));
        // Both are checked so the time taken does not say which was tried.
        by_header | by_bearer
    }
}

pub async fn require_key(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    match &state.api_key {
        Some(key) if !key.allows(request.headers()) => ApiError::unauthorized().into_response(),
        _ => next.run(request).await,
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn either_header_carries_the_key() {
        let key = ApiKey::new("s3cret");
        assert!(key.allows(&headers(&[("x-api-key", "s3cret")])));
        assert!(key.allows(&headers(&[("authorization", "Bearer s3cret")])));
        assert!(key.allows(&headers(&[("authorization", "bearer   s3cret")])));
        assert!(key.allows(&headers(&[
            ("x-api-key", "wrong"),
            ("authorization", "Bearer s3cret")
        ])));
        assert!(!key.allows(&headers(&[])));
        assert!(!key.allows(&headers(&[("x-api-key", "s3cret ")])));
        assert!(!key.allows(&headers(&[("authorization", "Basic s3cret")])));
        assert!(!key.allows(&headers(&[("authorization", "Bearer s3cret extra")])));
        assert!(!key.allows(&headers(&[("authorization", "s3cret")])));
    }

    #[test]
    fn the_key_never_shows_in_debug_output() {
        assert!(!format!("{:?}", ApiKey::new("s3cret")).contains("s3cret"));
    }
}
