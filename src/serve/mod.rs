//! `music-gen serve`: the Python tool's HTTP API (same paths, bodies, status
//! codes and JSON), answered by the same worker as the CLI and the TUI.

mod access_log;
mod auth;
mod bind;
mod body;
mod dispatch;
mod error;
mod listen;
mod openapi;
mod routes;
mod schema;
mod shutdown;
mod state;
mod types;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tokio::sync::Semaphore;
use tower_http::catch_panic::CatchPanicLayer;

pub use auth::KEY_ENV;
pub use bind::{BindRequest, PORT_ENV};
pub use body::BODY_LIMIT;

use crate::generate::{GenerationSettings, Mode, OutputTarget};
use crate::serve::auth::ApiKey;
use crate::serve::dispatch::WorkerClient;
use crate::serve::error::ApiError;
use crate::serve::routes::{generate, meta, presets, tracks};
use crate::serve::shutdown::Shutdown;
use crate::serve::state::AppState;
use crate::worker::WorkerHandle;

/// What `music-gen serve` was asked for besides the generation settings.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub host: Option<String>,
    pub port: Option<u16>,
    pub allow_unauthenticated: bool,
    /// gcp generations running at once; more are answered 429.
    pub max_generations: usize,
    /// How long requests in flight may take after SIGTERM or SIGINT.
    pub shutdown_timeout: Duration,
    pub output_dir: PathBuf,
    /// MUSIC_GEN_API_KEY from the environment or `.env` (see
    /// [`crate::settings`]); clients must send it when set.
    pub api_key: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// A setting that cannot work; exit code 2.
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    Failure(String),
}

/// The routes, their layers and their state; `run` serves it.
pub fn router(state: Arc<AppState>) -> Router {
    let protected = Router::new()
        .route("/config", get(meta::config))
        .route("/presets", get(presets::list).post(presets::save))
        .route("/presets/{name}", get(presets::get).delete(presets::delete))
        .route("/prompt-tips", get(presets::tips))
        .route("/tracks/generate", post(generate::generate))
        .route("/tracks", get(tracks::list))
        .route("/tracks/{id}", get(tracks::get))
        .route("/tracks/{id}/audio", get(tracks::audio))
        .route("/tracks/{id}/audio/{n}", get(tracks::audio_n))
        .route_layer(middleware::from_fn_with_state(
            Arc::clone(&state),
            auth::require_key,
        ));
    let routes = Router::new()
        .route("/", get(meta::root))
        .route("/health", get(meta::health))
        .route("/openapi.json", get(openapi::openapi_json))
        .merge(protected)
        .fallback(|| async { ApiError::new(StatusCode::NOT_FOUND, "Not Found") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed")
        });
    contain_panics(routes).with_state(state)
}

/// The layers every route runs in: a panic becomes a 500 for its request
/// alone, and every request gets its access-log line.
fn contain_panics<S: Clone + Send + Sync + 'static>(routes: Router<S>) -> Router<S> {
    routes
        .layer(CatchPanicLayer::custom(panicked))
        .layer(middleware::from_fn(access_log::log))
}

/// A panic in one handler is a 500 for that request; the others go on.
fn panicked(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked; answered 500");
    ApiError::internal().into_response()
}

/// Serves until SIGTERM or SIGINT, then shuts down gracefully.
pub async fn run(
    opts: ServeOptions,
    mut settings: GenerationSettings,
    worker: WorkerHandle,
) -> Result<(), ServeError> {
    let mode = settings.key.mode;
    if mode == Mode::Gcp && settings.key.project.is_none() {
        return Err(ServeError::Usage(
            "gcp mode needs a project: set GOOGLE_CLOUD_PROJECT or --project-id".to_string(),
        ));
    }
    // The Python tool writes nothing in simulate mode; neither do we.
    settings.output = match mode {
        Mode::Simulate => OutputTarget::None,
        Mode::Gcp => OutputTarget::folder(opts.output_dir.clone()),
    };
    // An empty value means no key, as in the Python tool.
    let api_key = opts
        .api_key
        .as_deref()
        .filter(|k| !k.is_empty())
        .map(ApiKey::new);
    let env_port = std::env::var(PORT_ENV).ok();
    let plan = bind::plan(
        &BindRequest {
            host: opts.host.as_deref(),
            port: opts.port,
            env_port: env_port.as_deref(),
            has_key: api_key.is_some(),
            allow_unauthenticated: opts.allow_unauthenticated,
        },
        mode,
    )
    .map_err(ServeError::Usage)?;
    if let Some(warning) = &plan.warning {
        tracing::warn!("{warning}");
        crate::cli::stdout::eprint_line(&format!("music-gen serve: {warning}"));
    }
    let listener = tokio::net::TcpListener::bind(plan.addr)
        .await
        .map_err(|e| ServeError::Failure(format!("cannot listen on {}: {e}", plan.addr)))?;
    let addr = listener
        .local_addr()
        .map_err(|e| ServeError::Failure(format!("cannot listen on {}: {e}", plan.addr)))?;
    let shutdown = Shutdown::on_signals(opts.shutdown_timeout)
        .map_err(|e| ServeError::Failure(format!("cannot watch for signals: {e}")))?;
    let worker = WorkerClient::start(worker);
    let max_generations = opts.max_generations.max(1);
    let state = Arc::new(AppState {
        worker: worker.clone(),
        settings,
        api_key,
        generation_slots: Arc::new(Semaphore::new(max_generations)),
        max_generations,
        shutdown: shutdown.clone(),
        output_dir: opts.output_dir,
    });
    let auth = if state.api_key.is_some() {
        "API key required"
    } else {
        "no API key"
    };
    tracing::info!(%addr, %mode, auth, "serving");
    crate::cli::stdout::eprint_line(&format!(
        "music-gen serve: listening on http://{addr} (mode {mode}, {auth})"
    ));

    let app = router(state);
    let server = listen::serve(listener, app, shutdown.begin.clone());
    tokio::select! {
        () = server => {}
        // Give the 503s sent at the deadline a moment to reach their clients.
        () = async {
            shutdown.deadline.cancelled().await;
            tokio::time::sleep(Duration::from_millis(500)).await;
        } => tracing::warn!("connections still open at the shutdown deadline were closed"),
    }
    finish_generations(worker, &shutdown).await;
    tracing::info!("server stopped");
    crate::cli::stdout::eprint_line("music-gen serve: stopped");
    Ok(())
}

/// Waits (bounded) for generations whose clients were answered 503, so
/// their audio is written if it arrives.
async fn finish_generations(mut worker: WorkerClient, shutdown: &Shutdown) {
    let running = worker.generations_running();
    if running == 0 {
        return;
    }
    crate::cli::stdout::eprint_line(&format!(
        "music-gen serve: waiting up to {} s for {running} generation(s) still running, to keep their audio",
        shutdown.grace.as_secs()
    ));
    tokio::select! {
        () = worker.generations_done() => {}
        () = tokio::time::sleep(shutdown.grace) => {
            tracing::warn!(running = worker.generations_running(), "generations still running at exit; they may have been billed");
            crate::cli::stdout::eprint_line(&format!("music-gen serve: {} generation(s) still running at exit; they may have been billed", worker.generations_running()));
        }
        () = shutdown.force.cancelled() => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn boom() -> &'static str {
        panic!("a bug in a handler")
    }

    /// A handler that panics answers 500 with the usual JSON, and the
    /// server goes on answering: the same layers as every real route.
    #[tokio::test]
    async fn a_panicking_handler_is_a_500_and_serving_goes_on() {
        let routes: Router = contain_panics(
            Router::new()
                .route("/boom", get(boom))
                .route("/fine", get(|| async { "fine" })),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, routes).await });
        let http = reqwest::Client::builder().no_proxy().build().unwrap();
        for _ in 0..2 {
            let r = http
                .get(format!("http://{addr}/boom"))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status().as_u16(), 500);
            let body: serde_json::Value = r.json().await.unwrap();
            let detail = body["detail"].as_str().unwrap_or_default();
            assert!(!detail.contains("a bug in a handler"), "{body}");
            assert!(!detail.is_empty(), "{body}");
            let r = http
                .get(format!("http://{addr}/fine"))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status().as_u16(), 200);
        }
    }
}
