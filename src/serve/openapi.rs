//! `GET /openapi.json`, generated from the handlers and body types.

use axum::Json;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::serve::routes::{generate, meta, presets, tracks};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Music Track Generator API",
        description = "music-gen serve: the Python tool's HTTP API, answered by music-gen's worker. \
            When MUSIC_GEN_API_KEY is set, every endpoint but /, /health and /openapi.json \
            needs X-API-Key or Authorization: Bearer."
    ),
    paths(
        meta::root,
        meta::health,
        meta::config,
        generate::generate,
        presets::list,
        presets::get,
        presets::save,
        presets::delete,
        presets::tips,
        tracks::list,
        tracks::get,
        tracks::audio,
        tracks::audio_n,
    ),
    modifiers(&Security)
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-API-Key"))),
        );
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
