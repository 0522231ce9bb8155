//! One line per request in the log file: method, path, status, duration.
//! Never headers (the API key, a bearer token) and never the query string.

use std::time::Instant;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;

pub const TARGET: &str = "music_gen::access";

pub async fn log(request: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = request.method().clone();
    // The path is percent-encoded ASCII: nothing in it can drive a terminal.
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    let micros = start.elapsed().as_micros();
    tracing::info!(
        target: TARGET,
        "{method} {path} {} {}.{:03} ms",
        response.status().as_u16(),
        micros / 1000,
        micros % 1000
    );
    response
}
