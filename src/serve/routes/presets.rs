//! `/presets` and `/prompt-tips`: the worker's preset store, so a preset
//! saved by the CLI or the TUI (even in another process) shows up on the
//! next request.

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::domain::model::PresetConfig;
use crate::domain::presets::{LoadedPreset, StoreError};
use crate::serve::body::CheckedJson;
use crate::serve::error::{ApiError, ErrorResponse, ValidationErrorResponse};
use crate::serve::routes::{path_rejected, query_rejected};
use crate::serve::state::AppState;
use crate::serve::types::{MessageResponse, Preset, PresetListItem, PromptTip};
use crate::worker::{Event, Request, WorkerError};

/// Every usable preset, sorted by name.
pub async fn list_items(s: &AppState) -> Result<Vec<PresetListItem>, ApiError> {
    match s.worker.call(Request::ListPresets).await {
        Ok(Event::Presets { presets, .. }) => {
            Ok(presets.into_iter().filter_map(PresetListItem::of).collect())
        }
        other => Err(unexpected(other)),
    }
}

pub async fn load(s: &AppState, name: String) -> Result<LoadedPreset, ApiError> {
    match s.worker.call(Request::LoadPreset { name }).await {
        Ok(Event::Preset { preset, .. }) => Ok(preset),
        other => Err(unexpected(other)),
    }
}

/// Maps a worker failure to its answer; anything else is a bug, said as 500.
pub fn unexpected(outcome: Result<Event, crate::serve::dispatch::WorkerGone>) -> ApiError {
    match outcome {
        Ok(Event::Failed { error, .. }) => error.into(),
        Ok(other) => {
            tracing::error!(event = ?other, "unexpected worker answer");
            ApiError::internal()
        }
        Err(e) => {
            tracing::error!(error = %e, "worker");
            ApiError::internal()
        }
    }
}

/// Name, genre and description of every preset, sorted by name.
#[utoipa::path(get, path = "/presets", tag = "presets",
    responses((status = 200, body = [PresetListItem]), (status = 401, body = ErrorResponse)),
    security((), ("api_key" = []), ("bearer" = [])))]
pub async fn list(State(s): State<Arc<AppState>>) -> Result<Json<Vec<PresetListItem>>, ApiError> {
    list_items(&s).await.map(Json)
}

/// One preset.
#[utoipa::path(get, path = "/presets/{name}", tag = "presets",
    params(("name" = String, Path, description = "1 to 64 letters, digits, '_' or '-'")),
    responses((status = 200, body = Preset), (status = 404, body = ErrorResponse),
        (status = 422, body = ValidationErrorResponse), (status = 401, body = ErrorResponse)),
    security((), ("api_key" = []), ("bearer" = [])))]
pub async fn get(
    State(s): State<Arc<AppState>>,
    name: Result<Path<String>, PathRejection>,
) -> Result<Json<Preset>, ApiError> {
    let Path(name) = name.map_err(path_rejected)?;
    Ok(Json(load(&s, name).await?.preset.into()))
}

/// Creates or replaces a preset; answers the preset saved. With
/// `If-None-Match: *` only creates: an existing preset of the name answers
/// 412 and is left as it was (atomic, also between instances sharing a
/// bucket). A replace that raced with another save answers 409.
#[utoipa::path(post, path = "/presets", tag = "presets", request_body = Preset,
    params(("If-None-Match" = Option<String>, Header, description = "`*`: create only, never replace")),
    responses((status = 200, body = Preset), (status = 422, body = ValidationErrorResponse),
        (status = 409, body = ErrorResponse), (status = 412, body = ErrorResponse),
        (status = 413, body = ErrorResponse), (status = 401, body = ErrorResponse)),
    security((), ("api_key" = []), ("bearer" = [])))]
pub async fn save(
    State(s): State<Arc<AppState>>,
    headers: HeaderMap,
    CheckedJson(preset): CheckedJson<PresetConfig>,
) -> Result<Json<Preset>, ApiError> {
    let create_only = create_only(&headers)?;
    let request = Request::SavePreset {
        preset: preset.clone(),
        overwrite: !create_only,
    };
    match s.worker.call(request).await {
        Ok(Event::Saved { .. }) => Ok(Json(preset.into())),
        Ok(Event::Failed {
            error: WorkerError::Store(StoreError::Exists { name }),
            ..
        }) if create_only => Err(ApiError::new(
            StatusCode::PRECONDITION_FAILED,
            format!("Preset '{name}' already exists; If-None-Match: * saves only a new preset"),
        )),
        other => Err(unexpected(other)),
    }
}

/// `If-None-Match: *` (create only); any other value is refused rather
/// than ignored, since a client sending one expects it to be honoured.
fn create_only(headers: &HeaderMap) -> Result<bool, ApiError> {
    let Some(value) = headers.get(header::IF_NONE_MATCH) else {
        return Ok(false);
    };
    if value.to_str().is_ok_and(|v| v.trim() == "*") {
        return Ok(true);
    }
    Err(ApiError::new(
        StatusCode::BAD_REQUEST,
        "If-None-Match: only * (create only) is supported on POST /presets",
    ))
}

/// Deletes a preset.
#[utoipa::path(delete, path = "/presets/{name}", tag = "presets",
    params(("name" = String, Path, description = "the preset to delete")),
    responses((status = 200, body = MessageResponse), (status = 404, body = ErrorResponse),
        (status = 422, body = ValidationErrorResponse), (status = 401, body = ErrorResponse)),
    security((), ("api_key" = []), ("bearer" = [])))]
pub async fn delete(
    State(s): State<Arc<AppState>>,
    name: Result<Path<String>, PathRejection>,
) -> Result<Json<MessageResponse>, ApiError> {
    let Path(name) = name.map_err(path_rejected)?;
    match s.worker.call(Request::DeletePreset { name }).await {
        Ok(Event::Deleted { name, .. }) => Ok(Json(MessageResponse {
            message: format!("Preset '{name}' deleted successfully"),
        })),
        other => Err(unexpected(other)),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct TipsQuery {
    /// Only this preset's tips.
    pub preset_name: Option<String>,
}

/// The tips of every preset that has some, or of one preset.
#[utoipa::path(get, path = "/prompt-tips", tag = "presets", params(TipsQuery),
    responses((status = 200, body = [PromptTip]), (status = 404, body = ErrorResponse),
        (status = 401, body = ErrorResponse)),
    security((), ("api_key" = []), ("bearer" = [])))]
pub async fn tips(
    State(s): State<Arc<AppState>>,
    query: Result<Query<TipsQuery>, QueryRejection>,
) -> Result<Json<Vec<PromptTip>>, ApiError> {
    let Query(query) = query.map_err(query_rejected)?;
    let tip = |p: PresetConfig| PromptTip {
        preset_name: p.name,
        genre: p.genre,
        tips: p.tips,
    };
    // An empty ?preset_name= means all, as in the Python tool.
    if let Some(name) = query.preset_name.filter(|n| !n.is_empty()) {
        return Ok(Json(vec![tip(load(&s, name).await?.preset)]));
    }
    let mut tips = Vec::new();
    for item in list_items(&s).await? {
        // A preset deleted since the listing is simply left out.
        match load(&s, item.name).await {
            Ok(loaded) if loaded.preset.tips.as_deref().is_some_and(|t| !t.is_empty()) => {
                tips.push(tip(loaded.preset));
            }
            Ok(_) | Err(_) => {}
        }
    }
    Ok(Json(tips))
}
