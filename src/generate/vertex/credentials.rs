//! Which credentials a generation uses, what kind they are, and where their
//! tokens come from.
//!
//! Credential files (a key named with `--credentials`, the config file or
//! GOOGLE_APPLICATION_CREDENTIALS, else gcloud's application-default file)
//! are read here, and their tokens fetched by small sources of ours on
//! reqwest, so `HTTPS_PROXY` / `NO_PROXY` apply to them as to every other
//! Google call: a service-account key signs a JWT (with gcp_auth's signer)
//! for the JWT-bearer grant; a user's `authorized_user` file trades its
//! refresh token, one POST. gcp_auth keeps what it does well: the metadata
//! server (never through a proxy) and the gcloud CLI (which has its own
//! proxy settings). Kinds no code of ours or gcp_auth's can use
//! (`external_account`, `impersonated_service_account`, …) are named as such.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use gcp_auth::{CustomServiceAccount, TokenProvider};
use serde::Deserialize;
use tokio::sync::Mutex;

use crate::generate::error::GenerateError;

const GOOGLE_TOKEN_URI: &str = "https://oauth2.googleapis.com/token";
const TOKEN_TIMEOUT: Duration = Duration::from_secs(30);

/// Whose credentials these are, which decides the quota-project header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    ServiceAccount,
    /// A person's login: an `authorized_user` file or the gcloud CLI.
    User,
    MetadataServer,
}

pub struct Credentials {
    pub tokens: Arc<dyn TokenProvider>,
    pub kind: Kind,
    /// The `quota_project_id` a user's file names, if any.
    pub quota_project: Option<String>,
}

/// The fields of a credentials file music-gen reads; never logged, never
/// quoted (the file holds a private key or a refresh token).
#[derive(Deserialize)]
struct File {
    #[serde(rename = "type")]
    kind: Option<String>,
    client_email: Option<String>,
    token_uri: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    refresh_token: Option<String>,
    quota_project_id: Option<String>,
}

/// The credentials for `explicit` (a key file from any settings layer),
/// else GOOGLE_APPLICATION_CREDENTIALS, gcloud's application-default file,
/// the metadata server, the gcloud CLI.
pub async fn find(explicit: Option<&Path>) -> Result<Credentials, GenerateError> {
    if let Some(path) = explicit {
        // The settings merged the layers into one path; name the one that
        // most likely set it.
        let from_env = std::env::var_os("GOOGLE_APPLICATION_CREDENTIALS")
            .is_some_and(|v| Path::new(&v) == path);
        let from = if from_env {
            "GOOGLE_APPLICATION_CREDENTIALS"
        } else {
            "--credentials or the config file"
        };
        return from_file(path, from);
    }
    if let Some(path) = std::env::var_os("GOOGLE_APPLICATION_CREDENTIALS").filter(|p| !p.is_empty())
    {
        return from_file(Path::new(&path), "GOOGLE_APPLICATION_CREDENTIALS");
    }
    if let Some(adc) = crate::settings::gcloud::adc_file().filter(|p| p.is_file()) {
        return from_file(&adc, "gcloud application-default login");
    }
    let metadata = gcp_auth::MetadataServiceAccount::new().await;
    if let Ok(m) = metadata {
        return Ok(Credentials {
            tokens: Arc::new(m),
            kind: Kind::MetadataServer,
            quota_project: None,
        });
    }
    match gcp_auth::GCloudAuthorizedUser::new().await {
        Ok(g) => Ok(Credentials {
            tokens: Arc::new(g),
            kind: Kind::User,
            quota_project: None,
        }),
        Err(e) => {
            tracing::debug!(error = %e, "no credentials found");
            Err(GenerateError::Config(
                "no Google Cloud credentials found: run `gcloud auth application-default \
                 login`, set GOOGLE_APPLICATION_CREDENTIALS to a service-account key file, or \
                 pass --credentials FILE"
                    .to_string(),
            ))
        }
    }
}

fn from_file(path: &Path, from: &str) -> Result<Credentials, GenerateError> {
    let shown = path.display();
    let bytes = std::fs::read(path).map_err(|e| {
        GenerateError::Config(if e.kind() == std::io::ErrorKind::NotFound {
            format!(
                "credentials file {shown} (from {from}) not found; pass a service-account key \
                 file with --credentials, or leave it out to use application-default credentials"
            )
        } else {
            format!("credentials file {shown} (from {from}) cannot be read: {e}")
        })
    })?;
    let file: File = serde_json::from_slice(&bytes).map_err(|_| {
        GenerateError::Config(format!(
            "credentials file {shown} (from {from}) is not a JSON credentials file; download a \
             JSON key for the service account from the Cloud console"
        ))
    })?;
    match file.kind.as_deref() {
        Some("service_account") => service_account(path, &file, from),
        Some("authorized_user") => user(path, file, from),
        Some(other) => Err(GenerateError::Config(unsupported(path, from, other))),
        None => Err(GenerateError::Config(format!(
            "credentials file {shown} (from {from}) has no \"type\"; use a service-account key \
             or `gcloud auth application-default login`"
        ))),
    }
}

/// The exact words for a credentials kind music-gen cannot use.
fn unsupported(path: &Path, from: &str, kind: &str) -> String {
    let kind: String = kind.chars().filter(|c| !c.is_control()).take(40).collect();
    let what = match kind.as_str() {
        "external_account" => "workload identity federation (\"external_account\")",
        "impersonated_service_account" => "service-account impersonation",
        "external_account_authorized_user" => "workforce identity federation",
        _ => "",
    };
    let what = if what.is_empty() {
        format!("{kind:?} credentials")
    } else {
        format!("{what} credentials")
    };
    format!(
        "credentials file {} (from {from}) holds {what}, which music-gen cannot use yet; use a \
         service-account key file (--credentials KEY.json), a user login (`gcloud auth \
         application-default login` without --impersonate-service-account), or the metadata \
         server on Google Cloud",
        path.display()
    )
}

fn service_account(path: &Path, file: &File, from: &str) -> Result<Credentials, GenerateError> {
    let bad = |why: String| {
        GenerateError::Config(format!(
            "credentials file {} (from {from}) is not a usable service-account key ({why}); \
             download a JSON key for the service account from the Cloud console",
            path.display()
        ))
    };
    let key = CustomServiceAccount::from_file(path).map_err(|e| bad(e.to_string()))?;
    let email = file
        .client_email
        .clone()
        .ok_or_else(|| bad("no client_email".to_string()))?;
    Ok(Credentials {
        tokens: Arc::new(Source::new(Grant::ServiceAccount {
            key: Box::new(key),
            email,
            token_uri: file
                .token_uri
                .clone()
                .unwrap_or_else(|| GOOGLE_TOKEN_URI.to_string()),
        })?),
        kind: Kind::ServiceAccount,
        quota_project: None,
    })
}

fn user(path: &Path, file: File, from: &str) -> Result<Credentials, GenerateError> {
    let (Some(client_id), Some(client_secret), Some(refresh_token)) =
        (file.client_id, file.client_secret, file.refresh_token)
    else {
        return Err(GenerateError::Config(format!(
            "credentials file {} (from {from}) is a user login without client_id, \
             client_secret and refresh_token; run `gcloud auth application-default login` again",
            path.display()
        )));
    };
    Ok(Credentials {
        tokens: Arc::new(Source::new(Grant::User {
            client_id,
            client_secret,
            refresh_token,
            token_uri: file
                .token_uri
                .unwrap_or_else(|| GOOGLE_TOKEN_URI.to_string()),
        })?),
        kind: Kind::User,
        quota_project: file.quota_project_id.filter(|q| !q.is_empty()),
    })
}

enum Grant {
    ServiceAccount {
        key: Box<CustomServiceAccount>,
        email: String,
        token_uri: String,
    },
    User {
        client_id: String,
        client_secret: String,
        refresh_token: String,
        token_uri: String,
    },
}

/// Fetches a token when it has none or the one it has is about to expire;
/// one fetch at a time.
struct Source {
    grant: Grant,
    client: reqwest::Client,
    token: Mutex<Option<Arc<gcp_auth::Token>>>,
}

impl Source {
    fn new(grant: Grant) -> Result<Source, GenerateError> {
        let client = reqwest::Client::builder()
            .user_agent(concat!("music-gen/", env!("CARGO_PKG_VERSION")))
            .timeout(TOKEN_TIMEOUT)
            .build()
            .map_err(|e| GenerateError::Config(format!("could not set up HTTPS: {e}")))?;
        Ok(Source {
            grant,
            client,
            token: Mutex::new(None),
        })
    }

    async fn fetch(&self, scopes: &[&str]) -> Result<gcp_auth::Token, gcp_auth::Error> {
        let (uri, form): (&str, Vec<(&str, String)>) = match &self.grant {
            Grant::ServiceAccount {
                key,
                email,
                token_uri,
            } => {
                let assertion = jwt(key, email, token_uri, scopes)?;
                (
                    token_uri,
                    vec![
                        (
                            "grant_type",
                            "urn:ietf:params:oauth:grant-type:jwt-bearer".to_string(),
                        ),
                        ("assertion", assertion),
                    ],
                )
            }
            Grant::User {
                client_id,
                client_secret,
                refresh_token,
                token_uri,
            } => (
                token_uri,
                vec![
                    ("grant_type", "refresh_token".to_string()),
                    ("client_id", client_id.clone()),
                    ("client_secret", client_secret.clone()),
                    ("refresh_token", refresh_token.clone()),
                ],
            ),
        };
        let response = self
            .client
            .post(uri)
            .form(&form)
            .send()
            .await
            .map_err(|e| gcp_auth::Error::Other("HTTP request failed", Box::new(e)))?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|e| gcp_auth::Error::Other("HTTP request failed", Box::new(e)))?;
        if !status.is_success() {
            return Err(gcp_auth::Error::Other(
                "the token endpoint refused the credentials",
                refusal(status.as_u16(), &body).into(),
            ));
        }
        serde_json::from_slice(&body)
            .map_err(|e| gcp_auth::Error::Json("the token endpoint's answer is not a token", e))
    }
}

/// `400 invalid_grant: Token has been expired or revoked.` from Google's
/// OAuth error body, without control characters; never the request.
fn refusal(status: u16, body: &[u8]) -> String {
    #[derive(Deserialize)]
    struct OAuthError {
        error: Option<String>,
        error_description: Option<String>,
    }
    let said = serde_json::from_slice::<OAuthError>(body)
        .ok()
        .map(|e| {
            [e.error, e.error_description]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(": ")
        })
        .unwrap_or_default();
    let said: String = said.chars().filter(|c| !c.is_control()).take(200).collect();
    if said.is_empty() {
        format!("HTTP {status}")
    } else {
        format!("HTTP {status} {said}")
    }
}

/// The signed JWT of the JWT-bearer grant (RFC 7523), as Google's clients
/// make it: RS256, an hour long.
fn jwt(
    key: &CustomServiceAccount,
    email: &str,
    token_uri: &str,
    scopes: &[&str],
) -> Result<String, gcp_auth::Error> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","typ":"JWT"}"#);
    let claims = serde_json::json!({
        "iss": email,
        "scope": scopes.join(" "),
        "aud": token_uri,
        "iat": now,
        "exp": now + 3600,
    });
    let claims = URL_SAFE_NO_PAD.encode(claims.to_string());
    let signed = format!("{header}.{claims}");
    let signature = key.signer().sign(signed.as_bytes())?;
    Ok(format!("{signed}.{}", URL_SAFE_NO_PAD.encode(signature)))
}

#[async_trait::async_trait]
impl TokenProvider for Source {
    async fn token(&self, scopes: &[&str]) -> Result<Arc<gcp_auth::Token>, gcp_auth::Error> {
        let mut held = self.token.lock().await;
        if let Some(t) = held.as_ref().filter(|t| !t.has_expired()) {
            return Ok(t.clone());
        }
        let fresh = Arc::new(self.fetch(scopes).await?);
        *held = Some(fresh.clone());
        Ok(fresh)
    }

    async fn project_id(&self) -> Result<Arc<str>, gcp_auth::Error> {
        Err(gcp_auth::Error::Str(
            "music-gen takes the project from its settings",
        ))
    }
}

/// The `x-goog-user-project` header, by credential kind, as Google's
/// clients send it: the project the user asked for (`--quota-project`,
/// GOOGLE_CLOUD_QUOTA_PROJECT, the config file) whatever the kind; for a
/// user's login, else the `quota_project_id` of their file, else the
/// project itself (user credentials have no project of their own to bill
/// quota to); for a service account or the metadata server, nothing: their
/// own project pays, and sending a header would need
/// `serviceusage.services.use` on the project named.
pub fn quota_project<'a>(
    asked: Option<&'a str>,
    creds: &'a Credentials,
    project: &'a str,
) -> Option<&'a str> {
    if let Some(q) = asked.filter(|q| !q.is_empty()) {
        return Some(q);
    }
    match creds.kind {
        Kind::User => Some(creds.quota_project.as_deref().unwrap_or(project)),
        Kind::ServiceAccount | Kind::MetadataServer => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsupported_kinds_are_named() {
        let m = unsupported(
            Path::new("/k.json"),
            "GOOGLE_APPLICATION_CREDENTIALS",
            "external_account",
        );
        assert!(m.contains("workload identity federation"), "{m}");
        assert!(m.contains("cannot use yet"), "{m}");
        assert!(m.contains("GOOGLE_APPLICATION_CREDENTIALS"), "{m}");
        let m = unsupported(Path::new("/k.json"), "--credentials", "x\u{1b}[2J");
        assert!(!m.contains('\u{1b}'), "{m}");
    }

    #[test]
    fn refusals_quote_google_without_escapes() {
        let body = br#"{"error":"invalid_grant","error_description":"Token has been expired or revoked.\u001b[2J"}"#;
        assert_eq!(
            refusal(400, body),
            "HTTP 400 invalid_grant: Token has been expired or revoked.[2J"
        );
        assert_eq!(refusal(502, b"<html>"), "HTTP 502");
    }
}
