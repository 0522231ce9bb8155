//! A fake Lyria 2 endpoint for batches, on 127.0.0.1: it answers after a
//! fixed delay, records how many requests were in flight at once and how
//! often each prompt came, and can answer a 429 storm or refuse prompts.
//! The token endpoint is the wiremock fake of `vertex_support`.

#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine;
use serde_json::{Value, json};

pub const PREDICT: &str =
    "/v1/projects/test-project/locations/us-central1/publishers/google/models/lyria-002:predict";
/// A prompt containing this is refused with a 400.
pub const REFUSE: &str = "REFUSE-ME";

#[derive(Default)]
pub struct FakeState {
    pub delay: Duration,
    /// The first this many requests are answered 429 with `Retry-After: 1`.
    pub storm: usize,
    /// Requests whose number (from 0) falls here are held a minute: still
    /// in flight when a test kills the batch.
    pub hold: std::ops::Range<usize>,
    pub in_flight: AtomicUsize,
    pub peak: AtomicUsize,
    pub requests: AtomicUsize,
    /// Requests per `text_input` line of the prompt (the lyrics).
    pub by_text: Mutex<HashMap<String, usize>>,
    /// When each request arrived, and whether it was answered 429.
    pub arrivals: Mutex<Vec<(Instant, bool)>>,
}

pub struct FakeVertex {
    pub uri: String,
    pub state: Arc<FakeState>,
}

impl FakeVertex {
    pub async fn start(delay: Duration, storm: usize) -> FakeVertex {
        FakeVertex::start_with(FakeState {
            delay,
            storm,
            ..FakeState::default()
        })
        .await
    }

    pub async fn start_with(state: FakeState) -> FakeVertex {
        let state = Arc::new(state);
        let app = axum::Router::new()
            .route(PREDICT, post(predict))
            .with_state(Arc::clone(&state));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let uri = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        FakeVertex { uri, state }
    }

    pub fn requests(&self) -> usize {
        self.state.requests.load(Ordering::SeqCst)
    }

    pub fn peak(&self) -> usize {
        self.state.peak.load(Ordering::SeqCst)
    }

    pub fn counts(&self) -> HashMap<String, usize> {
        self.state.by_text.lock().unwrap().clone()
    }
}

/// The lyrics line of a prompt: the line after "Lyrics/Text input:".
fn lyrics(prompt: &str) -> String {
    let mut lines = prompt.lines();
    while let Some(l) = lines.next() {
        if l.starts_with("Lyrics/Text input") {
            return lines.next().unwrap_or_default().to_string();
        }
    }
    prompt.to_string()
}

async fn predict(State(s): State<Arc<FakeState>>, body: String) -> Response {
    let n = s.requests.fetch_add(1, Ordering::SeqCst);
    let body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    let prompt = body["instances"][0]["prompt"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let throttled = n < s.storm;
    s.arrivals.lock().unwrap().push((Instant::now(), throttled));
    if throttled {
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [("retry-after", "1")],
            axum::Json(json!({"error": {"code": 429, "status": "RESOURCE_EXHAUSTED", "message": "Quota exceeded"}})),
        )
            .into_response();
    }
    let text = lyrics(&prompt);
    *s.by_text.lock().unwrap().entry(text.clone()).or_insert(0) += 1;
    let now = s.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    s.peak.fetch_max(now, Ordering::SeqCst);
    let delay = if s.hold.contains(&n) {
        Duration::from_secs(60)
    } else {
        s.delay
    };
    tokio::time::sleep(delay).await;
    s.in_flight.fetch_sub(1, Ordering::SeqCst);
    if prompt.contains(REFUSE) {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"error": {"code": 400, "status": "INVALID_ARGUMENT", "message": "The prompt is not allowed here"}})),
        )
            .into_response();
    }
    let mut audio = b"RIFF".to_vec();
    audio.extend(text.bytes().cycle().take(512));
    let b64 = base64::engine::general_purpose::STANDARD.encode(&audio);
    axum::Json(json!({"predictions": [{"bytesBase64Encoded": b64, "mimeType": "audio/wav"}]}))
        .into_response()
}

/// A batch file of `n` Lyria 2 takes whose lyrics are `take 1` … `take n`.
pub fn batch_file(n: usize) -> String {
    let mut s = String::from("defaults:\n  genre: synthwave\n  duration_seconds: 60\njobs:\n");
    for i in 1..=n {
        s.push_str(&format!("  - {{name: t{i}, text_input: \"take {i}\"}}\n"));
    }
    s
}

/// The token endpoint, answering any number of times.
pub async fn tokens(oauth: &wiremock::MockServer) {
    use wiremock::matchers::{method, path};
    wiremock::Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(wiremock::ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "ya29.fake-access-token-for-tests",
            "expires_in": 3600,
            "token_type": "Bearer",
        })))
        .mount(oauth)
        .await;
}
