//! A small S3 client on our HTTP client: list (ListObjectsV2), read, write
//! with a precondition, delete, each request signed with AWS Signature V4.
//! Writes are single PutObject requests, so an object is whole or absent;
//! `If-None-Match: *` makes "create if absent" and `If-Match: <etag>`
//! "replace the version I saw" atomic in the store (S3 since 2024, MinIO,
//! R2, and moto, the emulator the tests run).
//!
//! Our own rather than object_store's, as for Cloud Storage: the same
//! retry rule (reads only; a lost answer to a create is never sent again),
//! the same one-line errors naming the permission, and request counts for
//! the metadata cache's tests and benchmarks, on the HTTP client we ship.
//!
//! Credentials and endpoint: the variables AWS SDKs read
//! (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`,
//! `AWS_REGION` / `AWS_DEFAULT_REGION`, `AWS_ENDPOINT_URL_S3` /
//! `AWS_ENDPOINT_URL`). With an endpoint (MinIO, moto) requests use
//! path-style addresses (`http://host/bucket/key`).

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use super::bucket::{Counters, ObjectInfo, Precondition, RequestCounts, Version, Written};
use super::error::{Op, Service, StorageError};
use super::http::{self, Endpoint};

pub const ENDPOINT_ENV: &str = "AWS_ENDPOINT_URL";
/// The S3-only endpoint variable, which wins over `AWS_ENDPOINT_URL`.
pub const ENDPOINT_S3_ENV: &str = "AWS_ENDPOINT_URL_S3";
const DEFAULT_REGION: &str = "us-east-1";
const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
/// Codes S3 answers when the key itself is refused, not the operation.
const KEY_REFUSED: [&str; 6] = [
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "ExpiredToken",
    "InvalidToken",
    "TokenRefreshRequired",
    "RequestTimeTooSkewed",
];

/// An access key; the secret and the token never leave this module.
#[derive(Clone)]
pub struct Credentials {
    access_key_id: String,
    secret_access_key: String,
    session_token: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

impl Credentials {
    pub fn new(access_key_id: &str, secret_access_key: &str, session_token: Option<&str>) -> Self {
        Credentials {
            access_key_id: access_key_id.to_string(),
            secret_access_key: secret_access_key.to_string(),
            session_token: session_token.map(str::to_string),
        }
    }

    /// From `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and (for
    /// temporary credentials) `AWS_SESSION_TOKEN`.
    pub fn from_env() -> Result<Credentials, StorageError> {
        let id = env("AWS_ACCESS_KEY_ID");
        let secret = env("AWS_SECRET_ACCESS_KEY");
        let token = env("AWS_SESSION_TOKEN");
        let (Some(id), Some(secret)) = (id, secret) else {
            return Err(StorageError::Auth {
                service: Service::S3,
                message: "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and \
                          AWS_SESSION_TOKEN for temporary credentials)"
                    .to_string(),
            });
        };
        for (variable, value) in [
            ("AWS_ACCESS_KEY_ID", Some(&id)),
            ("AWS_SECRET_ACCESS_KEY", Some(&secret)),
            ("AWS_SESSION_TOKEN", token.as_ref()),
        ] {
            // Never quoted: it may be a secret.
            if value.is_some_and(|v| !v.chars().all(|c| c.is_ascii_graphic())) {
                return Err(StorageError::Setting {
                    variable,
                    reason: "holds spaces or characters no AWS credential has".to_string(),
                });
            }
        }
        Ok(Credentials {
            access_key_id: id,
            secret_access_key: secret,
            session_token: token,
        })
    }
}

pub struct S3 {
    http: reqwest::Client,
    endpoint: Endpoint,
    bucket: String,
    region: String,
    /// `host/bucket/key` rather than `bucket.host/key`.
    path_style: bool,
    credentials: Credentials,
    counters: Counters,
}

impl std::fmt::Debug for S3 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3")
            .field("base", &self.endpoint.shown)
            .field("bucket", &self.bucket)
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

impl S3 {
    /// A client for `bucket` with the AWS variables: AWS itself, or the
    /// store `AWS_ENDPOINT_URL_S3` / `AWS_ENDPOINT_URL` names.
    pub fn from_env(bucket: &str) -> Result<S3, StorageError> {
        let credentials = Credentials::from_env()?;
        let region = match env("AWS_REGION") {
            Some(r) => check_region("AWS_REGION", r)?,
            None => match env("AWS_DEFAULT_REGION") {
                Some(r) => check_region("AWS_DEFAULT_REGION", r)?,
                None => DEFAULT_REGION.to_string(),
            },
        };
        for variable in [ENDPOINT_S3_ENV, ENDPOINT_ENV] {
            if let Some(value) = env(variable) {
                let base = endpoint_base(variable, &value)?;
                return S3::build(bucket, base, true, region, credentials);
            }
        }
        let (base, path_style) = aws_base(bucket, &region)?;
        S3::build(bucket, base, path_style, region, credentials)
    }

    /// A client for `bucket` on an S3-compatible store at `endpoint`
    /// (MinIO, moto), path-style.
    pub fn with_endpoint(
        bucket: &str,
        endpoint: &str,
        region: &str,
        credentials: Credentials,
    ) -> Result<S3, StorageError> {
        let base = endpoint_base(ENDPOINT_ENV, endpoint)?;
        let region = check_region("AWS_REGION", region.to_string())?;
        S3::build(bucket, base, true, region, credentials)
    }

    fn build(
        bucket: &str,
        base: reqwest::Url,
        path_style: bool,
        region: String,
        credentials: Credentials,
    ) -> Result<S3, StorageError> {
        let endpoint = Endpoint::new(Service::S3, base);
        Ok(S3 {
            http: endpoint.client()?,
            endpoint,
            bucket: bucket.to_string(),
            region,
            path_style,
            credentials,
            counters: Counters::default(),
        })
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// Where requests go: AWS, or the endpoint named.
    pub fn endpoint(&self) -> &str {
        &self.endpoint.shown
    }

    pub fn requests(&self) -> RequestCounts {
        self.counters.snapshot()
    }

    /// The URL of `key` (or of the bucket), with `query` in canonical
    /// order: what is sent is exactly what is signed.
    fn url(&self, key: Option<&str>, query: &[(&str, &str)]) -> reqwest::Url {
        let mut url = self.endpoint.base.clone();
        let mut path = url.path().trim_end_matches('/').to_string();
        if self.path_style {
            path.push('/');
            path.push_str(&encode(&self.bucket, false));
        }
        path.push('/');
        if let Some(key) = key {
            path.push_str(&encode(key, true));
        }
        url.set_path(&path);
        let mut pairs: Vec<(String, String)> = query
            .iter()
            .map(|(k, v)| (encode(k, false), encode(v, false)))
            .collect();
        pairs.sort();
        let query: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
        url.set_query((!query.is_empty()).then(|| query.join("&")).as_deref());
        url
    }

    /// A request signed for now.
    fn request(
        &self,
        method: reqwest::Method,
        url: &reqwest::Url,
        body: Option<&[u8]>,
        headers: &[(&str, &str)],
    ) -> reqwest::RequestBuilder {
        let payload = match body {
            Some(b) => hex(&Sha256::digest(b)),
            None => EMPTY_SHA256.to_string(),
        };
        let date = time::OffsetDateTime::now_utc()
            .format(time::macros::format_description!(
                "[year][month][day]T[hour][minute][second]Z"
            ))
            .expect("a fixed format");
        let mut host = url.host_str().unwrap_or_default().to_string();
        if let Some(port) = url.port() {
            host = format!("{host}:{port}");
        }
        let mut signed = vec![
            ("host", host.as_str()),
            ("x-amz-content-sha256", payload.as_str()),
            ("x-amz-date", date.as_str()),
        ];
        if let Some(token) = &self.credentials.session_token {
            signed.push(("x-amz-security-token", token));
        }
        let authorization = authorization(
            &self.credentials,
            &self.region,
            method.as_str(),
            url.path(),
            url.query().unwrap_or_default(),
            &signed,
            &payload,
        );
        let mut request = self.http.request(method, url.clone());
        for (name, value) in signed.iter().skip(1).chain(headers) {
            request = request.header(*name, *value);
        }
        request = request.header(reqwest::header::AUTHORIZATION, authorization);
        if let Some(body) = body {
            request = request.body(body.to_vec());
        }
        request
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
            || std::future::ready(Ok(build())),
        )
        .await
    }

    /// An error answer in one line: the permission an `AccessDenied`
    /// lacks, the bucket missing, the region to set; the store's own
    /// words only for anything else (never a signature or a key).
    async fn failure(&self, op: Op, response: reqwest::Response) -> StorageError {
        let status = response.status().as_u16();
        let region = response
            .headers()
            .get("x-amz-bucket-region")
            .and_then(|v| v.to_str().ok())
            .map(http::one_line);
        let body = response.bytes().await.unwrap_or_default();
        let text = String::from_utf8_lossy(&body[..body.len().min(8192)]);
        let code = xml::tag(&text, "Code")
            .map(xml::unescape)
            .unwrap_or_default();
        let bucket = self.bucket.clone();
        let service = Service::S3;
        if code == "NoSuchBucket" || (status == 404 && code.is_empty() && op == Op::List) {
            return StorageError::BucketMissing { service, bucket };
        }
        if KEY_REFUSED.contains(&code.as_str()) {
            return StorageError::Auth {
                service,
                message: format!(
                    "the store refused these credentials ({}); check AWS_ACCESS_KEY_ID, \
                     AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN",
                    http::one_line(&code)
                ),
            };
        }
        if status == 403 {
            return StorageError::PermissionDenied {
                service,
                bucket,
                op,
            };
        }
        let message = if status == 301 || code == "PermanentRedirect" {
            match region {
                Some(r) => format!("the bucket is in region {r}: set AWS_REGION={r}"),
                None => "the bucket is in another region: set AWS_REGION to its region".into(),
            }
        } else if code == "AuthorizationHeaderMalformed" {
            format!(
                "the bucket is not in {}: set AWS_REGION to its region",
                self.region
            )
        } else {
            let said = xml::tag(&text, "Message").map(xml::unescape);
            match (code.is_empty(), said) {
                (false, Some(m)) => http::one_line(&format!("{code}: {m}")),
                (false, None) => http::one_line(&code),
                (true, _) => "no error code in the answer".to_string(),
            }
        };
        StorageError::Status {
            service,
            bucket,
            op,
            status,
            message,
        }
    }

    /// The objects directly under `prefix` (not in deeper "folders").
    pub async fn list(&self, prefix: &str) -> Result<Vec<ObjectInfo>, StorageError> {
        let mut objects = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut query = vec![("list-type", "2"), ("prefix", prefix), ("delimiter", "/")];
            if let Some(t) = &token {
                query.push(("continuation-token", t.as_str()));
            }
            let url = self.url(None, &query);
            let response = self
                .send(Op::List, || {
                    self.request(reqwest::Method::GET, &url, None, &[])
                })
                .await?;
            if !response.status().is_success() {
                return Err(self.failure(Op::List, response).await);
            }
            let body = response
                .text()
                .await
                .map_err(|e| self.endpoint.network(&e))?;
            for item in xml::blocks(&body, "Contents") {
                let (Some(key), Some(etag)) = (xml::tag(item, "Key"), xml::tag(item, "ETag"))
                else {
                    continue;
                };
                objects.push(ObjectInfo {
                    name: xml::unescape(key),
                    version: Version::new(xml::unescape(etag)),
                    size: xml::tag(item, "Size")
                        .and_then(|s| s.trim().parse().ok())
                        .unwrap_or(0),
                });
            }
            let truncated = xml::tag(&body, "IsTruncated").is_some_and(|t| t.trim() == "true");
            match xml::tag(&body, "NextContinuationToken").map(xml::unescape) {
                Some(next) if truncated && !next.is_empty() => token = Some(next),
                _ => return Ok(objects),
            }
        }
    }

    /// An object's ETag, or `None` if there is no such object.
    pub async fn generation(&self, key: &str) -> Result<Option<Version>, StorageError> {
        let url = self.url(Some(key), &[]);
        let response = self
            .send(Op::Get, || {
                self.request(reqwest::Method::HEAD, &url, None, &[])
            })
            .await?;
        if response.status() == reqwest::StatusCode::NOT_FOUND {
            // A HEAD answer has no body to tell a missing key from a
            // missing bucket.
            return self.missing_object().await.map(|()| None);
        }
        if !response.status().is_success() {
            return Err(self.failure(Op::Get, response).await);
        }
        Ok(Some(etag(&response)))
    }

    /// An object's bytes (at most `limit`), or `None` if there is none.
    pub async fn read(&self, key: &str, limit: u64) -> Result<Option<Vec<u8>>, StorageError> {
        let url = self.url(Some(key), &[]);
        let response = self
            .send(Op::Get, || {
                self.request(reqwest::Method::GET, &url, None, &[])
            })
            .await?;
        if response.status() == reqwest::StatusCode::NOT_FOUND {
            return match self.failure(Op::Get, response).await {
                e @ StorageError::BucketMissing { .. } => Err(e),
                _ => Ok(None),
            };
        }
        if !response.status().is_success() {
            return Err(self.failure(Op::Get, response).await);
        }
        let too_large = || StorageError::TooLarge {
            service: Service::S3,
            bucket: self.bucket.clone(),
            object: key.to_string(),
            limit,
        };
        let bytes = http::body_within(&self.endpoint, response, limit, too_large).await?;
        Ok(Some(bytes))
    }

    /// A 404 is "no such object" only if the bucket is there.
    async fn missing_object(&self) -> Result<(), StorageError> {
        let url = self.url(None, &[("list-type", "2"), ("max-keys", "1")]);
        let response = self
            .send(Op::List, || {
                self.request(reqwest::Method::GET, &url, None, &[])
            })
            .await?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(self.failure(Op::List, response).await)
        }
    }

    /// Writes an object in one PutObject request, so it is whole or
    /// absent, if `condition` holds.
    pub async fn write(
        &self,
        key: &str,
        bytes: &[u8],
        content_type: &str,
        condition: &Precondition,
    ) -> Result<Written, StorageError> {
        let mut headers = vec![("content-type", content_type)];
        let op = match condition {
            Precondition::None => Op::Replace,
            Precondition::Absent => {
                headers.push(("if-none-match", "*"));
                Op::Create
            }
            Precondition::Matches(v) => {
                headers.push(("if-match", v.as_str()));
                Op::Replace
            }
        };
        let url = self.url(Some(key), &[]);
        let response = self
            .send(op, || {
                self.request(reqwest::Method::PUT, &url, Some(bytes), &headers)
            })
            .await?;
        match response.status().as_u16() {
            200..=299 => Ok(Written::Done {
                version: etag(&response),
            }),
            // 409: another conditional write to the key was in progress.
            412 | 409 => Ok(Written::PreconditionFailed),
            // `If-Match` on a key deleted since it was seen.
            404 if matches!(condition, Precondition::Matches(_)) => {
                match self.failure(op, response).await {
                    e @ StorageError::BucketMissing { .. } => Err(e),
                    _ => Ok(Written::PreconditionFailed),
                }
            }
            _ => Err(self.failure(op, response).await),
        }
    }

    /// Deletes an object; `false` if there was none (S3 answers a delete
    /// of a missing key as done, so the key is looked up first).
    pub async fn delete(&self, key: &str) -> Result<bool, StorageError> {
        if self.generation(key).await?.is_none() {
            return Ok(false);
        }
        let url = self.url(Some(key), &[]);
        let response = self
            .send(Op::Delete, || {
                self.request(reqwest::Method::DELETE, &url, None, &[])
            })
            .await?;
        if !response.status().is_success() {
            return Err(self.failure(Op::Delete, response).await);
        }
        Ok(true)
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// AWS's address for `bucket`: virtual-hosted, or path-style for a dotted
/// name (AWS's wildcard certificate does not cover it as a host name).
fn aws_base(bucket: &str, region: &str) -> Result<(reqwest::Url, bool), StorageError> {
    let (host, path_style) = if bucket.contains('.') {
        (format!("s3.{region}.amazonaws.com"), true)
    } else {
        (format!("{bucket}.s3.{region}.amazonaws.com"), false)
    };
    let base =
        reqwest::Url::parse(&format!("https://{host}")).map_err(|_| StorageError::Setting {
            variable: "AWS_REGION",
            reason: format!("{region:?} does not make an S3 address"),
        })?;
    Ok((base, path_style))
}

fn check_region(variable: &'static str, region: String) -> Result<String, StorageError> {
    let ok = !region.is_empty()
        && region.len() <= 40
        && region
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(region)
    } else {
        Err(StorageError::Setting {
            variable,
            reason: format!(
                "{:?} is not a region (like us-east-1 or eu-west-3)",
                http::redact(&region)
            ),
        })
    }
}

fn endpoint_base(variable: &'static str, value: &str) -> Result<reqwest::Url, StorageError> {
    http::parse_base(value, false).ok_or_else(|| StorageError::Address {
        variable,
        value: http::redact(value),
        example: " (like http://localhost:9000)",
    })
}

fn etag(response: &reqwest::Response) -> Version {
    let tag = response
        .headers()
        .get(reqwest::header::ETAG)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    Version::new(tag)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// URI-encodes as SigV4 asks: everything but `A-Za-z0-9-_.~`, and `/`
/// in a key's path.
fn encode(text: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) || (keep_slash && b == b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn hmac(key: &[u8], data: &str) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(data.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// The `Authorization` header of AWS Signature V4 for S3. `headers` are
/// the signed ones, lowercase names; `path` and `query` as sent (already
/// encoded, the query's pairs sorted).
fn authorization(
    credentials: &Credentials,
    region: &str,
    method: &str,
    path: &str,
    query: &str,
    headers: &[(&str, &str)],
    payload_sha256: &str,
) -> String {
    let date = headers
        .iter()
        .find(|(n, _)| *n == "x-amz-date")
        .map(|(_, v)| *v)
        .unwrap_or_default();
    let day = &date[..date.len().min(8)];
    let mut sorted = headers.to_vec();
    sorted.sort();
    let canonical_headers: String = sorted
        .iter()
        .map(|(n, v)| format!("{n}:{}\n", v.trim()))
        .collect();
    let signed: Vec<&str> = sorted.iter().map(|(n, _)| *n).collect();
    let signed = signed.join(";");
    let canonical =
        format!("{method}\n{path}\n{query}\n{canonical_headers}\n{signed}\n{payload_sha256}");
    let scope = format!("{day}/{region}/s3/aws4_request");
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{date}\n{scope}\n{}",
        hex(&Sha256::digest(canonical.as_bytes()))
    );
    let key = hmac(
        format!("AWS4{}", credentials.secret_access_key).as_bytes(),
        day,
    );
    let key = hmac(&key, region);
    let key = hmac(&key, "s3");
    let key = hmac(&key, "aws4_request");
    let signature = hex(&hmac(&key, &to_sign));
    format!(
        "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed}, Signature={signature}",
        credentials.access_key_id
    )
}

/// Just enough XML for S3's answers (ListObjectsV2, errors): the text of
/// simple elements, entities decoded. A malformed answer yields nothing,
/// never a panic.
mod xml {
    /// The text of the first `<name>…</name>`.
    pub fn tag<'a>(xml: &'a str, name: &str) -> Option<&'a str> {
        blocks(xml, name).next()
    }

    /// The text of each `<name>…</name>`, in order.
    pub fn blocks<'a>(xml: &'a str, name: &str) -> impl Iterator<Item = &'a str> {
        let open = format!("<{name}>");
        let close = format!("</{name}>");
        let mut rest = xml;
        std::iter::from_fn(move || {
            let start = rest.find(&open)? + open.len();
            let len = rest[start..].find(&close)?;
            let text = &rest[start..start + len];
            rest = &rest[start + len + close.len()..];
            Some(text)
        })
    }

    pub fn unescape(text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(amp) = rest.find('&') {
            out.push_str(&rest[..amp]);
            rest = &rest[amp..];
            let Some(semi) = rest.find(';').filter(|&s| s <= 10) else {
                out.push('&');
                rest = &rest[1..];
                continue;
            };
            let entity = &rest[1..semi];
            let decoded = match entity {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => entity
                    .strip_prefix("#x")
                    .map(|h| u32::from_str_radix(h, 16))
                    .or_else(|| entity.strip_prefix('#').map(str::parse))
                    .and_then(Result::ok)
                    .and_then(char::from_u32),
            };
            match decoded {
                Some(c) => {
                    out.push(c);
                    rest = &rest[semi + 1..];
                }
                None => {
                    out.push('&');
                    rest = &rest[1..];
                }
            }
        }
        out.push_str(rest);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The examples of AWS's "Signature Calculations for the Authorization
    /// Header" (S3 API reference), signature by signature.
    #[test]
    fn signs_as_the_aws_examples() {
        let credentials = Credentials::new(
            "AKIAIOSFODNN7EXAMPLE",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            None,
        );
        let get = authorization(
            &credentials,
            "us-east-1",
            "GET",
            "/test.txt",
            "",
            &[
                ("host", "examplebucket.s3.amazonaws.com"),
                ("range", "bytes=0-9"),
                ("x-amz-content-sha256", EMPTY_SHA256),
                ("x-amz-date", "20130524T000000Z"),
            ],
            EMPTY_SHA256,
        );
        assert_eq!(
            get,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, \
             SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, \
             Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
        );
        let list = authorization(
            &credentials,
            "us-east-1",
            "GET",
            "/",
            "max-keys=2&prefix=J",
            &[
                ("x-amz-date", "20130524T000000Z"),
                ("host", "examplebucket.s3.amazonaws.com"),
                ("x-amz-content-sha256", EMPTY_SHA256),
            ],
            EMPTY_SHA256,
        );
        assert!(
            list.ends_with(
                "Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"
            ),
            "{list}"
        );
    }

    #[test]
    fn encodes_keys_and_queries_as_signed() {
        assert_eq!(
            encode("team/pre sets/ü~a.yaml", true),
            "team/pre%20sets/%C3%BC~a.yaml"
        );
        assert_eq!(encode("a/b=c&d", false), "a%2Fb%3Dc%26d");
        let s3 = S3::with_endpoint(
            "my-bucket",
            "http://127.0.0.1:9000",
            "eu-west-3",
            Credentials::new("id", "secret", None),
        )
        .unwrap();
        let url = s3.url(
            Some("p/x y.yaml"),
            &[("prefix", "p/"), ("delimiter", "/"), ("list-type", "2")],
        );
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:9000/my-bucket/p/x%20y.yaml?delimiter=%2F&list-type=2&prefix=p%2F"
        );
    }

    /// On AWS itself: virtual-hosted addresses, and path-style for a
    /// dotted name.
    #[test]
    fn addresses_aws_buckets_by_host_unless_dotted() {
        let aws = |bucket: &str| {
            let (base, path_style) = aws_base(bucket, "eu-west-3").unwrap();
            let credentials = Credentials::new("id", "secret", None);
            S3::build(bucket, base, path_style, "eu-west-3".into(), credentials).unwrap()
        };
        let plain = aws("team-presets");
        assert_eq!(
            plain.url(Some("p/a.yaml"), &[]).as_str(),
            "https://team-presets.s3.eu-west-3.amazonaws.com/p/a.yaml"
        );
        assert_eq!(
            plain.url(None, &[("list-type", "2")]).as_str(),
            "https://team-presets.s3.eu-west-3.amazonaws.com/?list-type=2"
        );
        let dotted = aws("team.presets");
        assert_eq!(
            dotted.url(Some("a.yaml"), &[]).as_str(),
            "https://s3.eu-west-3.amazonaws.com/team.presets/a.yaml"
        );
    }

    #[test]
    fn reads_listings_and_survives_malformed_xml() {
        let body = "<ListBucketResult><Contents><Key>a&amp;b.yaml</Key>\
                    <ETag>&quot;abc&quot;</ETag><Size>12</Size></Contents>\
                    <Contents><Key>x</Key></Contents><IsTruncated>false</IsTruncated>";
        let keys: Vec<_> = xml::blocks(body, "Contents")
            .filter_map(|b| xml::tag(b, "Key"))
            .map(xml::unescape)
            .collect();
        assert_eq!(keys, ["a&b.yaml", "x"]);
        assert_eq!(
            xml::unescape("&quot;e&quot; &#65;&#x42; &bogus; &"),
            "\"e\" AB &bogus; &"
        );
        for junk in ["<Contents>", "<Key>unclosed", "&#xFFFFFFFF;", "&#;", "<<>>"] {
            let _ = xml::blocks(junk, "Contents").count();
            let _ = xml::unescape(junk);
        }
    }

    #[test]
    fn bad_settings_are_one_line_without_secrets() {
        let e = S3::with_endpoint(
            "b",
            "http://user:hunter2@exa mple:1",
            "us-east-1",
            Credentials::new("id", "secret", None),
        )
        .unwrap_err()
        .to_string();
        assert!(e.starts_with("AWS_ENDPOINT_URL: "), "{e}");
        assert!(!e.contains("hunter2"), "{e}");
        let e = S3::with_endpoint(
            "b",
            "localhost:9000",
            "us-east-1",
            Credentials::new("id", "secret", None),
        )
        .unwrap_err();
        assert!(matches!(e, StorageError::Address { .. }), "{e}");
        let e = S3::with_endpoint(
            "b",
            "http://localhost:9000",
            "US East\u{1b}",
            Credentials::new("id", "secret", None),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.starts_with("AWS_REGION: ") && !e.contains('\u{1b}'),
            "{e}"
        );
        let debug = format!("{:?}", Credentials::new("id", "s3cr3t", Some("t0ken")));
        assert!(
            !debug.contains("s3cr3t") && !debug.contains("t0ken"),
            "{debug}"
        );
    }
}
