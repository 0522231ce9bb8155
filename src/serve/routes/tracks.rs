//! `/tracks`: the takes in the server's output folder, from the worker's
//! library (the same index as `music-gen history` and the TUI), since a
//! client cannot read the server's disk. The audio is served with its
//! content type and single byte ranges, so players can seek.

use std::io::{Read, Seek, SeekFrom};
use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::IntoParams;

use crate::library::{self, LibraryError};
use crate::serve::error::{ApiError, ErrorResponse};
use crate::serve::routes::presets::unexpected;
use crate::serve::routes::{path_rejected, query_rejected};
use crate::serve::state::AppState;
use crate::worker::{Event, Request, WorkerError};

/// The most takes one page holds.
const PAGE_MAX: usize = 200;

#[derive(Debug, Deserialize, IntoParams)]
pub struct TracksQuery {
    /// Takes per page, 1 to 200 (default 50).
    pub limit: Option<usize>,
    /// Takes to skip, newest first (default 0).
    pub offset: Option<usize>,
    /// Words that must all match: genre, preset, model, lyrics or id
    /// (`genre:rock`, `model:lyria-002`, …).
    pub filter: Option<String>,
}

/// The takes in the output folder, newest first, a page at a time.
#[utoipa::path(get, path = "/tracks", tag = "tracks", params(TracksQuery),
    responses((status = 200, body = Object, description = "{total, matched, offset, limit, takes: [summary]}"),
        (status = 422, body = ErrorResponse), (status = 401, body = ErrorResponse),
        (status = 503, body = ErrorResponse, description = "the take store cannot be reached")),
    security((), ("api_key" = []), ("bearer" = [])))]
pub async fn list(
    State(s): State<Arc<AppState>>,
    query: Result<Query<TracksQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(q) = query.map_err(query_rejected)?;
    let limit = q.limit.unwrap_or(50);
    if !(1..=PAGE_MAX).contains(&limit) {
        return Err(ApiError::invalid_name(
            "query.limit",
            &format!("must be 1 to {PAGE_MAX}"),
        ));
    }
    let offset = q.offset.unwrap_or(0);
    let request = Request::ListTakes {
        dir: s.output_dir.clone(),
        query: library::Query {
            filter: q.filter,
            limit: Some(offset.saturating_add(limit)),
            ..library::Query::default()
        },
    };
    match s.worker.call(request).await {
        Ok(Event::Takes { page, .. }) => {
            let takes: Vec<_> = page.takes.into_iter().skip(offset).collect();
            Ok(Json(json!({
                "total": page.total,
                "matched": page.matched,
                "offset": offset,
                "limit": limit,
                "takes": takes,
            })))
        }
        other => Err(take_error(other)),
    }
}

/// One take's metadata, as written beside its audio.
#[utoipa::path(get, path = "/tracks/{id}", tag = "tracks",
    params(("id" = String, Path, description = "the take's id, or a unique start of it")),
    responses((status = 200, body = Object), (status = 404, body = ErrorResponse),
        (status = 422, body = ErrorResponse, description = "the take's metadata cannot be read"),
        (status = 401, body = ErrorResponse),
        (status = 503, body = ErrorResponse, description = "the take store cannot be reached")),
    security((), ("api_key" = []), ("bearer" = [])))]
pub async fn get(
    State(s): State<Arc<AppState>>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<Value>, ApiError> {
    let Path(id) = id.map_err(path_rejected)?;
    let take = load(&s, id).await?;
    let audio: Vec<Value> = take
        .files
        .iter()
        .enumerate()
        .map(|(n, f)| {
            json!({
                "n": n,
                "url": format!("/tracks/{}/audio/{n}", take.id().as_str()),
                "available": f.found.is_some() && !f.changed,
                "changed": f.changed,
            })
        })
        .collect();
    Ok(Json(json!({
        "id": take.id().as_str(),
        "state": take.summary.state,
        "metadata": take.result,
        "audio": audio,
    })))
}

/// The take's first audio file.
#[utoipa::path(get, path = "/tracks/{id}/audio", tag = "tracks",
    params(("id" = String, Path, description = "the take's id, or a unique start of it")),
    responses((status = 200, description = "the audio (audio/wav or audio/mpeg)"),
        (status = 206, description = "the byte range asked for with Range"),
        (status = 404, body = ErrorResponse), (status = 416, body = ErrorResponse),
        (status = 422, body = ErrorResponse, description = "the take's metadata cannot be read"),
        (status = 401, body = ErrorResponse),
        (status = 503, body = ErrorResponse, description = "the take store cannot be reached")),
    security((), ("api_key" = []), ("bearer" = [])))]
pub async fn audio(
    State(s): State<Arc<AppState>>,
    id: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Path(id) = id.map_err(path_rejected)?;
    audio_file(&s, id, 0, &headers).await
}

/// A take's audio file by number, from 0 (Lyria 2 returns up to 4).
#[utoipa::path(get, path = "/tracks/{id}/audio/{n}", tag = "tracks",
    params(("id" = String, Path, description = "the take's id, or a unique start of it"),
        ("n" = usize, Path, description = "which audio file, from 0")),
    responses((status = 200, description = "the audio (audio/wav or audio/mpeg)"),
        (status = 206, description = "the byte range asked for with Range"),
        (status = 404, body = ErrorResponse), (status = 416, body = ErrorResponse),
        (status = 422, body = ErrorResponse, description = "the take's metadata cannot be read"),
        (status = 401, body = ErrorResponse),
        (status = 503, body = ErrorResponse, description = "the take store cannot be reached")),
    security((), ("api_key" = []), ("bearer" = [])))]
pub async fn audio_n(
    State(s): State<Arc<AppState>>,
    path: Result<Path<(String, usize)>, PathRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Path((id, n)) = path.map_err(path_rejected)?;
    audio_file(&s, id, n, &headers).await
}

async fn load(s: &AppState, id: String) -> Result<library::Take, ApiError> {
    let request = Request::LoadTake {
        dir: s.output_dir.clone(),
        id,
    };
    match s.worker.call(request).await {
        Ok(Event::Take { take, .. }) => Ok(*take),
        other => Err(take_error(other)),
    }
}

/// A take that is not there is a 404 with the library's words. A take
/// whose metadata is not one music-gen can read (a hand-placed or broken
/// file or object) is a 422 saying which take and why: asking again will
/// not help, and the listing shows it as unreadable. A bucket that cannot
/// be reached or refuses the server is a 503, as for the presets. Other
/// failures (the folder's disk) are the server's: a 500. None of them
/// quotes the server's paths; the log has the whole error.
fn take_error(outcome: Result<Event, crate::serve::dispatch::WorkerGone>) -> ApiError {
    match outcome {
        Ok(Event::Failed {
            error: WorkerError::Library(e),
            ..
        }) => match e {
            LibraryError::NotFound(_) | LibraryError::Ambiguous { .. } => {
                ApiError::new(StatusCode::NOT_FOUND, clean(&e.to_string()))
            }
            e if e.is_not_a_take() => {
                tracing::warn!(error = %e, "a take could not be read");
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, clean(&unreadable(&e)))
            }
            LibraryError::Storage(e) => {
                tracing::error!(error = %e, "take store");
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, STORE_UNAVAILABLE)
            }
            other => {
                tracing::error!(error = %other, "a take could not be read");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    clean(&unreadable(&other)),
                )
            }
        },
        other => unexpected(other),
    }
}

/// The 503's words: the bucket's name and the cause stay in the log.
const STORE_UNAVAILABLE: &str =
    "Service unavailable: the take store could not be reached; see the server log";

/// `Take 20261130-120000-rock's metadata cannot be read: …`, or the
/// folder's failure.
fn unreadable(e: &LibraryError) -> String {
    let path = match e {
        LibraryError::Io { path, .. }
        | LibraryError::Unreadable { path, .. }
        | LibraryError::TooLarge { path, .. }
        | LibraryError::NotRegular { path } => path,
        other => return format!("The take library failed: {}", other.reason()),
    };
    match path.file_stem().and_then(|s| s.to_str()) {
        Some(id) if path.extension().is_some_and(|x| x == "json") => {
            format!("Take {id}'s metadata cannot be read: {}", e.reason())
        }
        _ => format!("The output folder cannot be read: {}", e.reason()),
    }
}

/// The id comes from the client: no control characters back to it.
fn clean(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).collect()
}

async fn audio_file(
    s: &AppState,
    id: String,
    n: usize,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let take = load(s, id).await?;
    let Some(file) = take.files.get(n) else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!(
                "Take {} has {} audio file(s)",
                take.id().as_str(),
                take.files.len()
            ),
        ));
    };
    if file.changed {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!(
                "Audio file {n} of take {} no longer matches the size and sha256 its metadata \
                 recorded (changed or damaged)",
                take.id().as_str()
            ),
        ));
    }
    let Some(path) = file.found.clone() else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!(
                "Audio file {n} of take {} was moved or deleted",
                take.id().as_str()
            ),
        ));
    };
    let mime = match path.extension().and_then(|e| e.to_str()) {
        Some("wav") => "audio/wav",
        Some("mp3") => "audio/mpeg",
        _ => "application/octet-stream",
    };
    let range = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    // File work off the runtime's threads.
    let read = tokio::task::spawn_blocking(move || read_range(&path, range.as_deref()))
        .await
        .map_err(|_| ApiError::internal())?;
    let (status, bytes, content_range) = read?;
    let mut response = (status, Body::from(bytes)).into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    if let Some(cr) = content_range.and_then(|c| HeaderValue::from_str(&c).ok()) {
        h.insert(header::CONTENT_RANGE, cr);
    }
    Ok(response)
}

/// The whole file, or the one range asked for (`bytes=a-b`, `bytes=a-`,
/// `bytes=-n`); several ranges or a malformed header get the whole file,
/// as RFC 9110 allows; a range past the end is 416.
fn read_range(
    path: &std::path::Path,
    range: Option<&str>,
) -> Result<(StatusCode, Vec<u8>, Option<String>), ApiError> {
    let io = |e: std::io::Error| {
        tracing::error!(path = %path.display(), error = %e, "reading a take's audio");
        ApiError::internal()
    };
    let mut f = std::fs::File::open(path).map_err(io)?;
    let len = f.metadata().map_err(io)?.len();
    let Some(wanted) = range.and_then(|r| parse_range(r, len)) else {
        let mut all = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
        f.read_to_end(&mut all).map_err(io)?;
        return Ok((StatusCode::OK, all, None));
    };
    let Ok((start, end)) = wanted else {
        return Err(ApiError::new(
            StatusCode::RANGE_NOT_SATISFIABLE,
            format!("Range outside the file ({len} bytes)"),
        ));
    };
    f.seek(SeekFrom::Start(start)).map_err(io)?;
    let mut part = Vec::new();
    f.take(end - start + 1).read_to_end(&mut part).map_err(io)?;
    Ok((
        StatusCode::PARTIAL_CONTENT,
        part,
        Some(format!("bytes {start}-{end}/{len}")),
    ))
}

/// `None`: no usable single range (serve the whole file); `Err`: a range
/// that cannot be satisfied; `Ok`: the first and last byte.
fn parse_range(header: &str, len: u64) -> Option<Result<(u64, u64), ()>> {
    let spec = header.trim().strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None;
    }
    let (a, b) = spec.split_once('-')?;
    let (a, b) = (a.trim(), b.trim());
    let unsatisfiable = Some(Err(()));
    if a.is_empty() {
        let n: u64 = b.parse().ok()?;
        if n == 0 || len == 0 {
            return unsatisfiable;
        }
        return Some(Ok((len.saturating_sub(n), len - 1)));
    }
    let start: u64 = a.parse().ok()?;
    let end: u64 = if b.is_empty() {
        len.saturating_sub(1)
    } else {
        b.parse::<u64>().ok()?.min(len.saturating_sub(1))
    };
    if start >= len || end < start {
        return unsatisfiable;
    }
    Some(Ok((start, end)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(h: &str, len: u64) -> Option<(u64, u64)> {
        Some(parse_range(h, len)?.unwrap_or((u64::MAX, u64::MAX)))
    }

    #[test]
    fn ranges_as_rfc_9110_has_them() {
        assert_eq!(range("bytes=0-99", 1000), Some((0, 99)));
        assert_eq!(range("bytes=900-", 1000), Some((900, 999)));
        assert_eq!(range("bytes=-100", 1000), Some((900, 999)));
        assert_eq!(range("bytes=990-5000", 1000), Some((990, 999)));
        assert_eq!(range("bytes=1000-", 1000), Some((u64::MAX, u64::MAX)));
        assert_eq!(range("bytes=5-2", 1000), Some((u64::MAX, u64::MAX)));
        assert_eq!(range("bytes=0-1,5-9", 1000), None);
        assert_eq!(range("items=0-1", 1000), None);
        assert_eq!(range("bytes=x-1", 1000), None);
    }
}
