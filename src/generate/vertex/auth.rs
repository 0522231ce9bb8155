//! Access tokens for Vertex AI. The generator keeps one token provider:
//! gcp_auth caches tokens inside the provider until shortly before they
//! expire, so keeping the provider is what keeps the token.

use std::path::Path;
use std::sync::Arc;

use gcp_auth::{CustomServiceAccount, TokenProvider};

use crate::generate::error::GenerateError;

pub const SCOPE: &str = "https://www.googleapis.com/auth/cloud-platform";

/// Finds the credentials. A file given with `--credentials` is read and
/// checked here, before any request; otherwise gcp_auth's standard chain.
pub async fn provider(credentials: Option<&Path>) -> Result<Arc<dyn TokenProvider>, GenerateError> {
    match credentials {
        Some(path) => from_file(path),
        None => gcp_auth::provider().await.map_err(|e| {
            tracing::debug!(error = %e, "no credentials in the standard chain");
            GenerateError::Config(
                "no Google Cloud credentials found: run `gcloud auth application-default login`, \
                 set GOOGLE_APPLICATION_CREDENTIALS to a service-account key file, or pass \
                 --credentials FILE"
                    .to_string(),
            )
        }),
    }
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

fn from_file(path: &Path) -> Result<Arc<dyn TokenProvider>, GenerateError> {
    if !path.is_file() {
        return Err(GenerateError::Config(format!(
            "credentials file {} not found; pass a service-account key file with --credentials, \
             or leave it out to use application-default credentials",
            path.display()
        )));
    }
    CustomServiceAccount::from_file(path)
        .map(|sa| Arc::new(sa) as Arc<dyn TokenProvider>)
        .map_err(|e| {
            GenerateError::Config(format!(
                "credentials file {} is not a usable service-account key ({e}); download a JSON \
                 key for the service account from the Cloud console",
                path.display()
            ))
        })
}
