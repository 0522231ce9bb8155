//! `POST /tracks/generate`: the Python tool's merge of preset and request,
//! then one generation on the worker. In simulate mode nothing is written,
//! as in the Python tool; in gcp mode the take is written to the output
//! folder, and at most `max_generations` run at once.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::Value;

use crate::domain::model::{Model, TEMPERATURE_DEFAULT, TrackConfig, validate_preset_name};
use crate::generate::{Job, Mode};
use crate::serve::body::CheckedJson;
use crate::serve::error::{ApiError, ErrorResponse, ValidationErrorResponse};
use crate::serve::routes::presets::{load, unexpected};
use crate::serve::state::AppState;
use crate::serve::types::GenerateTrackRequest;
use crate::worker::{Event, Request};

pub const NEED_STRUCTURE: &str = "Either preset_name or structure must be provided";

/// Generates a track. Answers the Python tool's keys (status, mode, genre,
/// duration_seconds, prompt, metadata, message) and music-gen's own beside
/// them (cost_estimate; in gcp mode model, files, metadata_path, timings).
#[utoipa::path(post, path = "/tracks/generate", tag = "tracks", request_body = GenerateTrackRequest,
    responses((status = 200, body = Object, description = "the generation result"),
        (status = 404, body = ErrorResponse, description = "no such preset"),
        (status = 422, body = ValidationErrorResponse),
        (status = 413, body = ErrorResponse),
        (status = 429, body = ErrorResponse, description = "every generation slot is busy; nothing was sent"),
        (status = 502, body = ErrorResponse, description = "Vertex AI failed; says whether it may have been billed"),
        (status = 503, body = ErrorResponse, description = "shutting down"),
        (status = 401, body = ErrorResponse)),
    security((), ("api_key" = []), ("bearer" = [])))]
pub async fn generate(
    State(s): State<Arc<AppState>>,
    CheckedJson(req): CheckedJson<GenerateTrackRequest>,
) -> Result<Json<Value>, ApiError> {
    let preset = req.preset_name.clone().filter(|n| !n.is_empty());
    let track = track_for(&s, req).await?;
    let job = Job {
        track,
        settings: s.settings.clone(),
        preset,
    };
    let request = Request::Generate(Box::new(job));
    let outcome = match s.mode() {
        Mode::Simulate => s.worker.call(request).await,
        Mode::Gcp => {
            if s.shutdown.begin.is_cancelled() {
                return Err(ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "The server is shutting down; nothing was sent, try another instance",
                ));
            }
            let permit = s.generation_slots.clone().try_acquire_owned().map_err(|_| {
                ApiError::busy(
                    format!(
                        "{} generations are already running; nothing was sent, try again shortly",
                        s.max_generations
                    ),
                    10,
                )
            })?;
            tokio::select! {
                outcome = s.worker.call_holding(request, Some(permit)) => outcome,
                () = s.shutdown.deadline.cancelled() => return Err(ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "The server is shutting down and the generation had not finished; it may have been billed. \
                     If its audio arrives before the server exits it is kept in the output folder (GET /tracks).",
                )),
            }
        }
    };
    match outcome {
        Ok(Event::Generated { result, .. }) => serde_json::to_value(*result)
            .map(Json)
            .map_err(|_| ApiError::internal()),
        Ok(Event::Cancelled { .. }) => Err(crate::generate::GenerateError::Cancelled.into()),
        other => Err(unexpected(other)),
    }
}

/// The track the Python tool would build: a preset as the base (its genre
/// wins over the request's), or the request alone with a structure.
async fn track_for(s: &AppState, req: GenerateTrackRequest) -> Result<TrackConfig, ApiError> {
    // An empty preset_name counts as none, as in the Python tool.
    let mut track = match req.preset_name.filter(|n| !n.is_empty()) {
        Some(name) => {
            if let Err(e) = validate_preset_name(&name) {
                return Err(ApiError::invalid_name("body.preset_name", &e.message));
            }
            let preset = load(s, name).await?.preset;
            let mut track = preset.to_track(req.text_input);
            if let Some(structure) = req.structure {
                track.structure = structure.into();
            }
            // An empty list leaves the preset's references, as in Python.
            if let Some(styles) = req.style_references.filter(|s| !s.is_empty()) {
                track.style_references = styles.into_iter().map(Into::into).collect();
            }
            if let Some(t) = req.temperature {
                track.temperature = t;
            }
            track
        }
        None => {
            let structure = req
                .structure
                .ok_or_else(|| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, NEED_STRUCTURE))?;
            let mut track = TrackConfig::new(req.text_input, req.genre);
            track.structure = structure.into();
            track.style_references = req
                .style_references
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect();
            track.temperature = req.temperature.unwrap_or(TEMPERATURE_DEFAULT);
            track
        }
    };
    track.duration_seconds = req.duration_seconds;
    if let Some(model) = req.model {
        // Checked against the model list already; a failure here is a bug.
        track.model = Some(model.parse::<Model>().map_err(|_| ApiError::internal())?);
    }
    if req.negative_prompt.is_some() {
        track.negative_prompt = req.negative_prompt;
    }
    if req.seed.is_some() {
        track.seed = req.seed;
    }
    if req.sample_count.is_some() {
        track.sample_count = req.sample_count;
    }
    Ok(track)
}
