//! What the Cloud Storage and S3 clients share on the wire: one HTTP
//! client with the same deadlines, the same retry rule (reads only), and
//! network errors on one line without the credentials a URL may carry.

use std::time::Duration;

use super::error::{Op, Service, StorageError};

pub const ATTEMPTS: u32 = 3;
/// A store that accepted the connection but sends nothing for this long
/// (a stalled server, a paused emulator) is given up on: one line, not a
/// command that never ends.
pub const STALL: Duration = Duration::from_secs(10);

/// Where requests go, and that place as messages show it.
#[derive(Clone)]
pub struct Endpoint {
    pub service: Service,
    pub base: reqwest::Url,
    /// `base` without a user name or password.
    pub shown: String,
}

impl Endpoint {
    pub fn new(service: Service, base: reqwest::Url) -> Endpoint {
        let shown = without_credentials(&base);
        Endpoint {
            service,
            base,
            shown,
        }
    }

    pub fn client(&self) -> Result<reqwest::Client, StorageError> {
        reqwest::Client::builder()
            // A redirect is an answer to report (S3: the bucket's region),
            // not one to follow with the request's credentials.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(STALL)
            .read_timeout(STALL)
            .timeout(Duration::from_secs(120))
            .build()
            .map_err(|e| self.network(&e))
    }

    /// A transport error in one line: the cause chain, never the
    /// credentials reqwest's message may quote with the URL.
    pub fn network(&self, e: &reqwest::Error) -> StorageError {
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
        let full = self.base.as_str().trim_end_matches('/');
        if full != self.shown {
            message = message.replace(full, &self.shown);
        }
        let message = message
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        StorageError::Network {
            service: self.service,
            base: self.shown.clone(),
            message,
        }
    }
}

/// Sends a request built afresh for each attempt: a read is asked again
/// after a refused connection, 429 or 5xx (reading twice changes nothing);
/// a write is sent once.
pub async fn send<F, Fut>(
    endpoint: &Endpoint,
    op: Op,
    count: impl Fn(),
    build: F,
) -> Result<reqwest::Response, StorageError>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<reqwest::RequestBuilder, StorageError>>,
{
    let mut attempt = 0;
    loop {
        attempt += 1;
        count();
        let sent = build().await?.send().await;
        let again = op.is_read() && attempt < ATTEMPTS;
        match sent {
            Ok(r) if again && matches!(r.status().as_u16(), 429 | 500 | 502 | 503 | 504) => {}
            Ok(r) => return Ok(r),
            // A stalled server is not asked again: one wait is enough.
            Err(e) if again && e.is_connect() && !e.is_timeout() => {}
            Err(e) => return Err(endpoint.network(&e)),
        }
        tokio::time::sleep(Duration::from_millis(200 << attempt)).await;
    }
}

/// An address from the environment: a whole http(s) URL, or (where
/// `bare_host` allows, as `STORAGE_EMULATOR_HOST` does) `host:port`.
pub fn parse_base(value: &str, bare_host: bool) -> Option<reqwest::Url> {
    let host = value.trim().trim_end_matches('/');
    let url = if host.contains("://") {
        host.to_string()
    } else if bare_host {
        format!("http://{host}")
    } else {
        return None;
    };
    reqwest::Url::parse(&url).ok().filter(|u| {
        matches!(u.scheme(), "http" | "https") && u.host().is_some() && u.query().is_none()
    })
}

/// `url` as messages and `config` show it: no user name or password.
fn without_credentials(url: &reqwest::Url) -> String {
    let mut u = url.clone();
    let _ = u.set_username("");
    let _ = u.set_password(None);
    u.as_str().trim_end_matches('/').to_string()
}

/// An address from the environment (see [`parse_base`]) as `config` shows
/// it: parsed, without a user name or password; one that does not parse
/// is [`redact`]ed.
pub fn shown_address(value: &str, bare_host: bool) -> String {
    match parse_base(value, bare_host) {
        Some(url) => without_credentials(&url),
        None => redact(value),
    }
}

/// A value that failed to parse, with anything between `://` and `@`
/// hidden (messages show it with `{:?}`, control characters escaped).
pub fn redact(value: &str) -> String {
    match (value.find("://"), value.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://…@{}", &value[..s], &value[at + 1..]),
        (None, Some(at)) => format!("…@{}", &value[at + 1..]),
        _ => value.to_string(),
    }
}

/// A store's error text on one line and short; a body (HTML from a proxy,
/// anything) is never quoted whole.
pub fn one_line(text: &str) -> String {
    let clean: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(200)
        .collect();
    clean.trim().to_string()
}

/// A response's body, refused as soon as it is known to exceed `limit`
/// (from its declared length, or while it arrives): never read whole.
pub async fn body_within(
    endpoint: &Endpoint,
    mut response: reqwest::Response,
    limit: u64,
    too_large: impl Fn() -> StorageError,
) -> Result<Vec<u8>, StorageError> {
    if response.content_length().is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| endpoint.network(&e))? {
        if bytes.len() as u64 + chunk.len() as u64 > limit {
            return Err(too_large());
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}
