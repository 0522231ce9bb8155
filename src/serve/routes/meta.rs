//! `/`, `/health` and `/config`.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;

use crate::domain::named::Named;
use crate::generate::Mode;
use crate::serve::error::ApiError;
use crate::serve::routes::presets::list_items;
use crate::serve::state::AppState;
use crate::serve::types::{ConfigResponse, HealthResponse, RootResponse};

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The API's name, version and mode. Open without a key.
#[utoipa::path(get, path = "/", tag = "meta",
    responses((status = 200, body = RootResponse)))]
pub async fn root(State(s): State<Arc<AppState>>) -> Json<RootResponse> {
    Json(RootResponse {
        message: "Music Track Generator API",
        version: VERSION,
        docs: "/openapi.json",
        mode: s.mode().name(),
    })
}

/// Liveness. Open without a key.
#[utoipa::path(get, path = "/health", tag = "meta",
    responses((status = 200, body = HealthResponse)))]
pub async fn health(State(s): State<Arc<AppState>>) -> Json<HealthResponse> {
    Json(HealthResponse {
        status: "healthy",
        mode: s.mode().name(),
    })
}

/// Mode, region, project and preset names; never a secret.
#[utoipa::path(get, path = "/config", tag = "meta",
    responses((status = 200, body = ConfigResponse),
        (status = 401, body = crate::serve::error::ErrorResponse)),
    security((), ("api_key" = []), ("bearer" = [])))]
pub async fn config(State(s): State<Arc<AppState>>) -> Result<Json<ConfigResponse>, ApiError> {
    let presets = list_items(&s).await?;
    let gcp = s.mode() == Mode::Gcp;
    Ok(Json(ConfigResponse {
        mode: s.mode().name(),
        region: gcp.then(|| s.settings.key.location.clone()),
        project: if gcp {
            s.settings.key.project.clone()
        } else {
            None
        },
        presets_available: presets.into_iter().map(|p| p.name).collect(),
        auth_enabled: s.api_key.is_some(),
    }))
}
