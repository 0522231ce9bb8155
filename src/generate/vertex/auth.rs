//! Access tokens for Vertex AI. The generator keeps one token provider:
//! gcp_auth caches tokens inside the provider until shortly before they
//! expire, so keeping the provider is what keeps the token.

use std::path::Path;
use std::sync::Arc;

use gcp_auth::TokenProvider;

use super::credentials::{self, Credentials};

use crate::generate::error::GenerateError;

pub const SCOPE: &str = "https://www.googleapis.com/auth/cloud-platform";

/// Finds the credentials: a key file from any settings layer is read and
/// checked here, before any request; otherwise the standard chain (see
/// [`credentials::find`]).
pub async fn provider(credentials: Option<&Path>) -> Result<Credentials, GenerateError> {
    credentials::find(credentials).await
}

/// A valid token: the provider fetches one only when it has none or the one
/// it has is about to expire.
pub async fn token(
    provider: &dyn TokenProvider,
    credentials: Option<&Path>,
) -> Result<Arc<gcp_auth::Token>, GenerateError> {
    provider.token(&[SCOPE]).await.map_err(|e| {
        // gcp_auth's errors describe the exchange, never the key or the token.
        if is_unreachable(&e) {
            return GenerateError::TokenNetwork {
                message: format!("{e}{}", source_text(&e)),
                source: e,
            };
        }
        GenerateError::Auth {
            message: format!(
                "could not get an access token ({e}); check that the credentials are valid and \
                 not revoked{}",
                credentials.map_or(String::new(), |p| format!(" ({})", p.display()))
            ),
            source: Some(e),
        }
    })
}

/// gcp_auth's words for a request that never got an answer (connection
/// refused, DNS, TLS) or one that broke off.
fn is_unreachable(e: &gcp_auth::Error) -> bool {
    matches!(
        e,
        gcp_auth::Error::Http(..) | gcp_auth::Error::Other("HTTP request failed", _)
    )
}

fn source_text(e: &gcp_auth::Error) -> String {
    let mut text = String::new();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
