//! A small Cloud Storage client on the JSON API: list, read, write with a
//! generation precondition, delete. Writes are single multipart uploads, so
//! an object is whole or absent; `ifGenerationMatch` makes "create if
//! absent" (`0`) and "replace the version I saw" atomic in the store.
//!
//! Our own rather than object_store's: object_store writes through the XML
//! API, which fake-gcs-server (the emulator the tests run) does not serve,
//! while the JSON API's preconditions are honoured by it and by GCS alike.
//!
//! Credentials: the same chain as the Vertex AI calls; with
//! `STORAGE_EMULATOR_HOST` set (as for Google's client libraries) requests
//! go to that emulator without a token.

use std::sync::Arc;

use gcp_auth::TokenProvider;
use serde::Deserialize;

use super::bucket::{Counters, ObjectInfo, Precondition, RequestCounts, Version, Written};
use super::error::{Op, Service, StorageError};
use super::http::{self, Endpoint};
use crate::generate::vertex::{auth, credentials};

/// The variable Google's client libraries read for an emulator's address.
pub const EMULATOR_ENV: &str = "STORAGE_EMULATOR_HOST";
const GOOGLE_BASE: &str = "https://storage.googleapis.com";

enum Auth {
    Emulator,
    Google(tokio::sync::OnceCell<Arc<dyn TokenProvider>>),
}

pub struct Gcs {
    http: reqwest::Client,
    endpoint: Endpoint,
    bucket: String,
    auth: Auth,
    counters: Counters,
}

impl std::fmt::Debug for Gcs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gcs")
            .field("base", &self.endpoint.shown)
            .field("bucket", &self.bucket)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct Listing {
    #[serde(default)]
    items: Vec<Item>,
    #[serde(rename = "nextPageToken")]
    next_page_token: Option<String>,
}

#[derive(Deserialize)]
struct Item {
    name: String,
    generation: String,
    #[serde(default)]
    size: Option<String>,
}

impl Item {
    fn info(self) -> Option<ObjectInfo> {
        self.generation.parse::<u64>().ok()?;
        Some(ObjectInfo {
            version: Version::new(self.generation),
            size: self.size.and_then(|s| s.parse().ok()).unwrap_or(0),
            name: self.name,
        })
    }
}

impl Gcs {
    /// A client for `bucket`: the emulator `STORAGE_EMULATOR_HOST` names,
    /// else Cloud Storage with the Vertex AI credentials.
    pub fn new(bucket: &str) -> Result<Gcs, StorageError> {
        let (base, auth) = match std::env::var(EMULATOR_ENV) {
            Ok(host) if !host.trim().is_empty() => (emulator_base(&host)?, Auth::Emulator),
            _ => (
                reqwest::Url::parse(GOOGLE_BASE).expect("a constant URL"),
                Auth::Google(tokio::sync::OnceCell::new()),
            ),
        };
        Gcs::build(bucket, base, auth)
    }

    fn build(bucket: &str, base: reqwest::Url, auth: Auth) -> Result<Gcs, StorageError> {
        let endpoint = Endpoint::new(Service::Gcs, base);
        Ok(Gcs {
            http: endpoint.client()?,
            endpoint,
            bucket: bucket.to_string(),
            auth,
            counters: Counters::default(),
        })
    }

    /// A client for `bucket` on the emulator at `base` (no token).
    pub fn with_emulator(bucket: &str, base: &str) -> Result<Gcs, StorageError> {
        Gcs::build(bucket, emulator_base(base)?, Auth::Emulator)
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// Where requests go: Cloud Storage or the emulator.
    pub fn endpoint(&self) -> &str {
        &self.endpoint.shown
    }

    pub fn requests(&self) -> RequestCounts {
        self.counters.snapshot()
    }

    fn url(&self, upload: bool, object: Option<&str>) -> reqwest::Url {
        let mut url = self.endpoint.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty();
            if upload {
                path.push("upload");
            }
            path.extend(["storage", "v1", "b", self.bucket.as_str(), "o"]);
            if let Some(object) = object {
                // One segment: a '/' inside the name is encoded.
                path.push(object);
            }
        }
        url
    }

    async fn authorize(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<reqwest::RequestBuilder, StorageError> {
        let Auth::Google(cell) = &self.auth else {
            return Ok(request);
        };
        let provider = cell
            .get_or_try_init(|| async {
                credentials::find(None)
                    .await
                    .map(|c| c.tokens)
                    .map_err(|e| auth_error(e.to_string()))
            })
            .await?;
        let token = auth::token(provider.as_ref(), None)
            .await
            .map_err(|e| auth_error(e.to_string()))?;
        Ok(request.bearer_auth(token.as_str()))
    }

    fn network(&self, e: &reqwest::Error) -> StorageError {
        self.endpoint.network(e)
    }

    async fn send(
        &self,
        op: Op,
        build: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, StorageError> {
        http::send(
            &self.endpoint,
            op,
            || self.counters.count(op),
            || self.authorize(build()),
        )
        .await
    }

    async fn failure(&self, op: Op, response: reqwest::Response) -> StorageError {
        let status = response.status().as_u16();
        let body = response.bytes().await.unwrap_or_default();
        let message = error_message(&body);
        match status {
            401 => auth_error(format!("the token was refused ({message})")),
            403 => StorageError::PermissionDenied {
                service: Service::Gcs,
                bucket: self.bucket.clone(),
                op,
            },
            404 => StorageError::BucketMissing {
                service: Service::Gcs,
                bucket: self.bucket.clone(),
            },
            _ => StorageError::Status {
                service: Service::Gcs,
                bucket: self.bucket.clone(),
                op,
                status,
                message,
            },
        }
    }

    /// The objects directly under `prefix` (not in deeper "folders").
    pub async fn list(&self, prefix: &str) -> Result<Vec<ObjectInfo>, StorageError> {
        let mut objects = Vec::new();
        let mut page: Option<String> = None;
        loop {
            let url = self.url(false, None);
            let response = self
                .send(Op::List, || {
                    let mut q = vec![
                        ("prefix", prefix.to_string()),
                        ("delimiter", "/".to_string()),
                        ("maxResults", "1000".to_string()),
                        (
                            "fields",
                            "items(name,generation,size),nextPageToken".to_string(),
                        ),
                    ];
                    if let Some(p) = &page {
                        q.push(("pageToken", p.clone()));
                    }
                    self.http.get(url.clone()).query(&q)
                })
                .await?;
            if !response.status().is_success() {
                return Err(self.failure(Op::List, response).await);
            }
            let listing: Listing = response.json().await.map_err(|e| self.network(&e))?;
            objects.extend(listing.items.into_iter().filter_map(Item::info));
            match listing.next_page_token {
                Some(token) if !token.is_empty() => page = Some(token),
                _ => return Ok(objects),
            }
        }
    }

    /// An object's generation, or `None` if there is no such object.
    pub async fn generation(&self, object: &str) -> Result<Option<Version>, StorageError> {
        let url = self.url(false, Some(object));
        let response = self
            .send(Op::Get, || {
                self.http
                    .get(url.clone())
                    .query(&[("fields", "generation")])
            })
            .await?;
        if response.status() == reqwest::StatusCode::NOT_FOUND {
            return self.missing_object().await.map(|()| None);
        }
        if !response.status().is_success() {
            return Err(self.failure(Op::Get, response).await);
        }
        #[derive(Deserialize)]
        struct Meta {
            generation: String,
        }
        let meta: Meta = response.json().await.map_err(|e| self.network(&e))?;
        Ok(Some(Version::new(meta.generation)))
    }

    /// An object's bytes (at most `limit`), or `None` if there is none.
    pub async fn read(&self, object: &str, limit: u64) -> Result<Option<Vec<u8>>, StorageError> {
        let url = self.url(false, Some(object));
        let response = self
            .send(Op::Get, || {
                self.http.get(url.clone()).query(&[("alt", "media")])
            })
            .await?;
        if response.status() == reqwest::StatusCode::NOT_FOUND {
            return self.missing_object().await.map(|()| None);
        }
        if !response.status().is_success() {
            return Err(self.failure(Op::Get, response).await);
        }
        let too_large = || StorageError::TooLarge {
            service: Service::Gcs,
            bucket: self.bucket.clone(),
            object: object.to_string(),
            limit,
        };
        let bytes = http::body_within(&self.endpoint, response, limit, too_large).await?;
        Ok(Some(bytes))
    }

    /// A 404 on an object is "no such object" only if the bucket is there.
    async fn missing_object(&self) -> Result<(), StorageError> {
        let url = self.url(false, None);
        let response = self
            .send(Op::List, || {
                self.http
                    .get(url.clone())
                    .query(&[("maxResults", "1"), ("fields", "nextPageToken")])
            })
            .await?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(self.failure(Op::List, response).await)
        }
    }

    /// Writes an object in one multipart upload, so it is whole or absent,
    /// if `condition` holds (`ifGenerationMatch`; `0` for "absent").
    pub async fn write(
        &self,
        object: &str,
        bytes: &[u8],
        content_type: &str,
        condition: &Precondition,
    ) -> Result<Written, StorageError> {
        let if_generation = match condition {
            Precondition::None => None,
            Precondition::Absent => Some(0),
            // Not a generation (a token from another store): never matches.
            Precondition::Matches(v) => match v.as_str().parse::<u64>() {
                Ok(g) if g > 0 => Some(g),
                _ => return Ok(Written::PreconditionFailed),
            },
        };
        let boundary = format!(
            "music-gen-{:016x}{:016x}",
            fastrand::u64(..),
            fastrand::u64(..)
        );
        let metadata = serde_json::json!({ "name": object, "contentType": content_type });
        let mut body = Vec::with_capacity(bytes.len() + 512);
        body.extend_from_slice(
            format!(
                "--{boundary}\r\ncontent-type: application/json; charset=UTF-8\r\n\r\n{metadata}\r\n\
                 --{boundary}\r\ncontent-type: {content_type}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let url = self.url(true, None);
        let mut query = vec![("uploadType", "multipart".to_string())];
        if let Some(g) = if_generation {
            query.push(("ifGenerationMatch", g.to_string()));
        }
        let op = if if_generation == Some(0) {
            Op::Create
        } else {
            Op::Replace
        };
        let response = self
            .send(op, || {
                self.http
                    .post(url.clone())
                    .query(&query)
                    .header(
                        reqwest::header::CONTENT_TYPE,
                        format!("multipart/related; boundary={boundary}"),
                    )
                    .body(body.clone())
            })
            .await?;
        if response.status() == reqwest::StatusCode::PRECONDITION_FAILED {
            return Ok(Written::PreconditionFailed);
        }
        if !response.status().is_success() {
            return Err(self.failure(op, response).await);
        }
        #[derive(Deserialize)]
        struct Meta {
            generation: String,
        }
        let meta: Meta = response.json().await.map_err(|e| self.network(&e))?;
        Ok(Written::Done {
            version: Version::new(meta.generation),
        })
    }

    /// Deletes an object; `false` if there was none.
    pub async fn delete(&self, object: &str) -> Result<bool, StorageError> {
        let url = self.url(false, Some(object));
        let response = self
            .send(Op::Delete, || self.http.delete(url.clone()))
            .await?;
        if response.status() == reqwest::StatusCode::NOT_FOUND {
            return self.missing_object().await.map(|()| false);
        }
        if !response.status().is_success() {
            return Err(self.failure(Op::Delete, response).await);
        }
        Ok(true)
    }
}

/// The message of a JSON-API error answer, on one line and short.
fn error_message(body: &[u8]) -> String {
    #[derive(Deserialize)]
    struct Answer {
        error: Inner,
    }
    #[derive(Deserialize)]
    struct Inner {
        message: String,
    }
    let text = serde_json::from_slice::<Answer>(body)
        .map(|a| a.error.message)
        .unwrap_or_else(|_| String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned());
    http::one_line(&text)
}

fn auth_error(message: String) -> StorageError {
    StorageError::Auth {
        service: Service::Gcs,
        message,
    }
}

/// The emulator's address as `STORAGE_EMULATOR_HOST` gives it: `host:port`
/// or a whole http(s) URL.
fn emulator_base(value: &str) -> Result<reqwest::Url, StorageError> {
    http::parse_base(value, true).ok_or_else(|| StorageError::Address {
        variable: EMULATOR_ENV,
        value: http::redact(value),
        example: " of an emulator (like localhost:4443)",
    })
}
