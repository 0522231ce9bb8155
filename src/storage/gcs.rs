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
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use gcp_auth::TokenProvider;
use serde::Deserialize;

use crate::generate::vertex::{auth, credentials};

/// The variable Google's client libraries read for an emulator's address.
pub const EMULATOR_ENV: &str = "STORAGE_EMULATOR_HOST";
const GOOGLE_BASE: &str = "https://storage.googleapis.com";
const ATTEMPTS: u32 = 3;
/// A store that accepted the connection but sends nothing for this long
/// (a stalled server, a paused emulator) is given up on: one line, not a
/// command that never ends.
const STALL: Duration = Duration::from_secs(10);

/// What an operation needs, named as IAM names the permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    List,
    Get,
    Create,
    /// Writing over an object: create, and delete for the old version.
    Replace,
    Delete,
}

impl Op {
    pub fn permission(self) -> &'static str {
        match self {
            Op::List => "storage.objects.list",
            Op::Get => "storage.objects.get",
            Op::Create => "storage.objects.create",
            Op::Replace => "storage.objects.create and storage.objects.delete",
            Op::Delete => "storage.objects.delete",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("bucket gs://{bucket} does not exist, or these credentials cannot see it")]
    BucketMissing { bucket: String },
    #[error("permission denied on gs://{bucket}: the credentials lack {}", op.permission())]
    PermissionDenied { bucket: String, op: Op },
    #[error("Cloud Storage credentials: {0}")]
    Auth(String),
    #[error("cannot reach Cloud Storage at {base}: {message}")]
    Network { base: String, message: String },
    #[error(
        "{EMULATOR_ENV}: {value:?} is not an http:// or https:// address of an emulator (like localhost:4443)"
    )]
    EmulatorAddress { value: String },
    #[error("gs://{bucket}/{object} is larger than {limit} bytes")]
    TooLarge {
        bucket: String,
        object: String,
        limit: u64,
    },
    #[error("Cloud Storage answered HTTP {status} to {} on gs://{bucket}: {message}", op.permission())]
    Status {
        bucket: String,
        op: Op,
        status: u16,
        message: String,
    },
}

impl StorageError {
    /// The store cannot be reached or refuses these credentials: every
    /// other request would fail alike.
    pub fn is_unreachable(&self) -> bool {
        matches!(
            self,
            StorageError::Network { .. }
                | StorageError::Auth(_)
                | StorageError::EmulatorAddress { .. }
        )
    }
}

/// One object of a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectInfo {
    /// The full object name, prefix included.
    pub name: String,
    /// Changes on every write of the object, as an inode does on a rename.
    pub generation: u64,
    pub size: u64,
}

/// How a conditional write ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    Done {
        generation: u64,
    },
    /// The object was not at the generation asked for (for `0`: it exists).
    PreconditionFailed,
}

/// Requests sent, by kind: what tests and benchmarks count.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RequestCounts {
    pub list: u64,
    pub get: u64,
    pub put: u64,
    pub delete: u64,
}

#[derive(Default)]
struct Counters {
    list: AtomicU64,
    get: AtomicU64,
    put: AtomicU64,
    delete: AtomicU64,
}

enum Auth {
    Emulator,
    Google(tokio::sync::OnceCell<Arc<dyn TokenProvider>>),
}

pub struct Gcs {
    http: reqwest::Client,
    base: reqwest::Url,
    /// `base` as messages show it: without a user name or password.
    shown: String,
    bucket: String,
    auth: Auth,
    counters: Counters,
}

impl std::fmt::Debug for Gcs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gcs")
            .field("base", &self.shown)
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
        Some(ObjectInfo {
            generation: self.generation.parse().ok()?,
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
        let shown = shown(&base);
        let http = reqwest::Client::builder()
            .connect_timeout(STALL)
            .read_timeout(STALL)
            .timeout(Duration::from_secs(120))
            .build()
            .map_err(|e| StorageError::Network {
                base: shown.clone(),
                message: e.to_string(),
            })?;
        Ok(Gcs {
            http,
            base,
            shown,
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
        &self.shown
    }

    pub fn requests(&self) -> RequestCounts {
        RequestCounts {
            list: self.counters.list.load(Ordering::Relaxed),
            get: self.counters.get.load(Ordering::Relaxed),
            put: self.counters.put.load(Ordering::Relaxed),
            delete: self.counters.delete.load(Ordering::Relaxed),
        }
    }

    fn url(&self, upload: bool, object: Option<&str>) -> reqwest::Url {
        let mut url = self.base.clone();
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
                    .map_err(|e| StorageError::Auth(e.to_string()))
            })
            .await?;
        let token = auth::token(provider.as_ref(), None)
            .await
            .map_err(|e| StorageError::Auth(e.to_string()))?;
        Ok(request.bearer_auth(token.as_str()))
    }

    fn network(&self, e: &reqwest::Error) -> StorageError {
        let mut message = if e.is_timeout() {
            format!("no answer within {} s", STALL.as_secs())
        } else {
            e.to_string()
        };
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            message.push_str(": ");
            message.push_str(&s.to_string());
            source = s.source();
        }
        // reqwest names the URL it sent to, credentials and all.
        let full = self.base.as_str().trim_end_matches('/');
        if full != self.shown {
            message = message.replace(full, &self.shown);
        }
        StorageError::Network {
            base: self.shown.clone(),
            message,
        }
    }

    /// Sends a read (retried on network errors, 429 and 5xx: reading twice
    /// changes nothing) or a write (sent once: a lost answer to a create
    /// must not come back as "it exists").
    async fn send(
        &self,
        op: Op,
        build: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, StorageError> {
        let retry = matches!(op, Op::List | Op::Get);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let counter = match op {
                Op::List => &self.counters.list,
                Op::Get => &self.counters.get,
                Op::Create | Op::Replace => &self.counters.put,
                Op::Delete => &self.counters.delete,
            };
            counter.fetch_add(1, Ordering::Relaxed);
            let sent = self.authorize(build()).await?.send().await;
            let again = retry && attempt < ATTEMPTS;
            match sent {
                Ok(r) if again && matches!(r.status().as_u16(), 429 | 500 | 502 | 503 | 504) => {}
                Ok(r) => return Ok(r),
                // A stalled server is not asked again: one wait is enough.
                Err(e) if again && e.is_connect() && !e.is_timeout() => {}
                Err(e) => return Err(self.network(&e)),
            }
            tokio::time::sleep(Duration::from_millis(200 << attempt)).await;
        }
    }

    async fn failure(&self, op: Op, response: reqwest::Response) -> StorageError {
        let status = response.status().as_u16();
        let body = response.bytes().await.unwrap_or_default();
        let message = error_message(&body);
        match status {
            401 => StorageError::Auth(format!("the token was refused ({message})")),
            403 => StorageError::PermissionDenied {
                bucket: self.bucket.clone(),
                op,
            },
            404 => StorageError::BucketMissing {
                bucket: self.bucket.clone(),
            },
            _ => StorageError::Status {
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
    pub async fn generation(&self, object: &str) -> Result<Option<u64>, StorageError> {
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
        Ok(meta.generation.parse().ok())
    }

    /// An object's bytes (at most `limit`), or `None` if there is none.
    pub async fn read(&self, object: &str, limit: u64) -> Result<Option<Vec<u8>>, StorageError> {
        let url = self.url(false, Some(object));
        let mut response = self
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
            bucket: self.bucket.clone(),
            object: object.to_string(),
            limit,
        };
        if response.content_length().is_some_and(|n| n > limit) {
            return Err(too_large());
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| self.network(&e))? {
            if bytes.len() as u64 + chunk.len() as u64 > limit {
                return Err(too_large());
            }
            bytes.extend_from_slice(&chunk);
        }
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

    /// Writes an object in one request, so it is whole or absent. With
    /// `if_generation`, only if the object is at that generation (`0`:
    /// only if there is none).
    pub async fn write(
        &self,
        object: &str,
        bytes: &[u8],
        content_type: &str,
        if_generation: Option<u64>,
    ) -> Result<Written, StorageError> {
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
        let response = self
            .send(Op::Create, || {
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
            let op = if if_generation == Some(0) {
                Op::Create
            } else {
                Op::Replace
            };
            return Err(self.failure(op, response).await);
        }
        #[derive(Deserialize)]
        struct Meta {
            generation: String,
        }
        let meta: Meta = response.json().await.map_err(|e| self.network(&e))?;
        Ok(Written::Done {
            generation: meta.generation.parse().unwrap_or(0),
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

/// The message of a JSON-API error answer, on one line and short; the body
/// itself (HTML from a proxy, anything) is never quoted whole.
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
    let clean: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(200)
        .collect();
    clean.trim().to_string()
}

/// Proves the credentials can list, create, read and delete under the
/// prefix, with a probe object removed afterwards (what `doctor` checks).
pub async fn check_read_write(bucket: &str, prefix: &str) -> Result<(), StorageError> {
    let gcs = Gcs::new(bucket)?;
    gcs.list(prefix).await?;
    let probe = format!("{prefix}.music-gen-doctor-{:016x}", fastrand::u64(..));
    let text = b"written and removed by music-gen doctor\n";
    gcs.write(&probe, text, "text/plain", Some(0)).await?;
    let read = gcs.read(&probe, 1024).await;
    let removed = gcs.delete(&probe).await;
    if read?.as_deref() != Some(text.as_slice()) {
        return Err(StorageError::Status {
            bucket: bucket.to_string(),
            op: Op::Get,
            status: 200,
            message: "the probe object read back differs from what was written".to_string(),
        });
    }
    removed.map(drop)
}

/// The emulator's address as `STORAGE_EMULATOR_HOST` gives it: `host:port`
/// or a whole http(s) URL.
fn emulator_base(value: &str) -> Result<reqwest::Url, StorageError> {
    let host = value.trim().trim_end_matches('/');
    let url = if host.contains("://") {
        host.to_string()
    } else {
        format!("http://{host}")
    };
    match reqwest::Url::parse(&url) {
        Ok(u)
            if matches!(u.scheme(), "http" | "https")
                && u.host().is_some()
                && u.query().is_none() =>
        {
            Ok(u)
        }
        _ => Err(StorageError::EmulatorAddress {
            value: redact(value),
        }),
    }
}

/// A URL without its user name and password.
fn shown(url: &reqwest::Url) -> String {
    let mut u = url.clone();
    let _ = u.set_username("");
    let _ = u.set_password(None);
    u.as_str().trim_end_matches('/').to_string()
}

/// A value that failed to parse, with anything between `://` and `@` hidden.
fn redact(value: &str) -> String {
    match (value.find("://"), value.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://…@{}", &value[..s], &value[at + 1..]),
        (None, Some(at)) => format!("…@{}", &value[at + 1..]),
        _ => value.to_string(),
    }
}
