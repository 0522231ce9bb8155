//! Retries, errors, timeouts and cancellation against fake OAuth and Vertex
//! endpoints: what is retried, what is not, what the user is told, and that
//! a failed or cancelled generation leaves no file.

mod vertex_support;

use std::time::Duration;

use music_gen::domain::model::Model;
use music_gen::generate::{GenerateError, OutputTarget, Stage};
use music_gen::worker::{self, Event, Request, WorkerError};
use serde_json::json;
use vertex_support::*;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

/// Mounts `first` for the first `times` requests, then a success.
async fn fail_then_succeed(fakes: &Fakes, first: ResponseTemplate, times: u64) {
    Mock::given(method("POST"))
        .and(path(LYRIA2_PATH))
        .respond_with(first)
        .up_to_n_times(times)
        .expect(times)
        .with_priority(1)
        .mount(&fakes.vertex)
        .await;
    Mock::given(method("POST"))
        .and(path(LYRIA2_PATH))
        .respond_with(predictions(&[b"RIFF after retries"]))
        .expect(1)
        .mount(&fakes.vertex)
        .await;
}

#[tokio::test]
async fn retries_429_with_backoff_then_succeeds() {
    let fakes = Fakes::start().await;
    fakes.expect_token_requests(1).await;
    let quota = google_error(429, "RESOURCE_EXHAUSTED", "Quota exceeded", json!([]));
    fail_then_succeed(&fakes, quota, 2).await;
    let (result, progress) = generate(&fakes.job(track(), Model::Lyria2)).await;
    let result = result.unwrap();
    assert_eq!(result.timings.as_ref().unwrap().attempts, 3);
    assert_eq!(
        std::fs::read(&result.files[0].path).unwrap(),
        b"RIFF after retries"
    );
    let retries: Vec<_> = progress
        .iter()
        .filter(|m| m.contains("retrying in"))
        .collect();
    assert_eq!(retries.len(), 2, "{progress:?}");
    assert!(
        retries[0].starts_with("attempt 1 of 4 failed with HTTP 429"),
        "{retries:?}"
    );
    assert!(
        retries[1].starts_with("attempt 2 of 4 failed with HTTP 429"),
        "{retries:?}"
    );
}

/// Through the worker, whose generators use the default backoff: the
/// server's Retry-After (0 s here) is raised to the 1 s floor.
#[tokio::test]
async fn retries_503_honouring_retry_after_through_the_worker() {
    let fakes = Fakes::start().await;
    fakes.expect_token_requests(1).await;
    let unavailable =
        google_error(503, "UNAVAILABLE", "try later", json!([])).insert_header("retry-after", "0");
    fail_then_succeed(&fakes, unavailable, 3).await;
    let mut worker = worker::spawn(fakes.presets_dir()).unwrap();
    let mut progress = Vec::new();
    let last = worker
        .call(
            Request::Generate(Box::new(fakes.job(track(), Model::Lyria2))),
            |e| {
                if let Event::Progress { stage, .. } = e {
                    progress.push(stage.to_string());
                }
            },
        )
        .await;
    let Some(Event::Generated { result, .. }) = last else {
        panic!("expected a result, got {last:?}");
    };
    assert_eq!(result.timings.as_ref().unwrap().attempts, 4);
    assert!(
        progress.contains(&"attempt 3 of 4 failed with HTTP 503, retrying in 1.0 s".to_string()),
        "{progress:?}"
    );
}

/// Asserts the job fails after exactly one request with an error whose
/// message contains every one of `expected`, and leaves no file.
async fn fails_once(answer: ResponseTemplate, expected: &[&str]) -> GenerateError {
    let fakes = Fakes::start().await;
    fakes.expect_token_requests(1).await;
    Mock::given(method("POST"))
        .and(path(LYRIA2_PATH))
        .respond_with(answer)
        .expect(1)
        .mount(&fakes.vertex)
        .await;
    let (result, _) = generate(&fakes.job(track(), Model::Lyria2)).await;
    let error = result.unwrap_err();
    let message = error.to_string();
    for e in expected {
        assert!(message.contains(e), "{e:?} not in {message:?}");
    }
    assert_no_secret(&message);
    assert_eq!(files_in(&fakes.out_dir()), Vec::<std::path::PathBuf>::new());
    error
}

#[tokio::test]
async fn bad_request_is_not_retried() {
    let e = fails_once(
        google_error(
            400,
            "INVALID_ARGUMENT",
            "sample_count must be at most 4",
            json!([]),
        ),
        &[
            "Vertex AI refused the request",
            "INVALID_ARGUMENT: sample_count must be at most 4",
        ],
    )
    .await;
    assert!(matches!(
        e,
        GenerateError::Api {
            status: Some(400),
            ..
        }
    ));
}

#[tokio::test]
async fn safety_block_is_filtered_with_googles_message() {
    let msg = "Audio generation failed with the following error: Music generation failed. \
               Prompt flagged by safety filters.";
    let e = fails_once(
        google_error(400, "INVALID_ARGUMENT", msg, json!([])),
        &["blocked by the safety filters", msg],
    )
    .await;
    assert!(matches!(e, GenerateError::Filtered(_)));
}

#[tokio::test]
async fn empty_predictions_are_filtered() {
    let e = fails_once(
        ResponseTemplate::new(200).set_body_json(json!({"predictions": []})),
        &["blocked by the safety filters", "no audio"],
    )
    .await;
    assert!(matches!(e, GenerateError::Filtered(_)));
}

#[tokio::test]
async fn permission_denied_names_the_permission_and_role() {
    fails_once(
        google_error(
            403,
            "PERMISSION_DENIED",
            "Permission 'aiplatform.endpoints.predict' denied on resource",
            json!([{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "IAM_PERMISSION_DENIED"}]),
        ),
        &["permission denied on project test-project", "aiplatform.endpoints.predict", "roles/aiplatform.user"],
    )
    .await;
}

#[tokio::test]
async fn disabled_api_says_to_enable_it() {
    fails_once(
        google_error(
            403,
            "PERMISSION_DENIED",
            "Vertex AI API has not been used in project test-project before or it is disabled.",
            json!([{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "SERVICE_DISABLED"}]),
        ),
        &["Vertex AI API is not enabled for project test-project", "gcloud services enable aiplatform.googleapis.com"],
    )
    .await;
}

#[tokio::test]
async fn unauthenticated_points_at_the_credentials() {
    let e = fails_once(
        google_error(
            401,
            "UNAUTHENTICATED",
            "Request had invalid authentication credentials.",
            json!([]),
        ),
        &[
            "did not accept the credentials",
            "--credentials",
            "gcloud auth application-default login",
        ],
    )
    .await;
    assert!(matches!(e, GenerateError::Auth { .. }));
}

#[tokio::test]
async fn not_found_points_at_model_and_location() {
    fails_once(
        google_error(
            404,
            "NOT_FOUND",
            "Publisher Model `lyria-002` not found.",
            json!([]),
        ),
        &[
            "model lyria-002 was not found at location us-central1",
            "--model",
            "--location",
        ],
    )
    .await;
}

#[tokio::test]
async fn quota_after_all_retries() {
    let fakes = Fakes::start().await;
    fakes.expect_token_requests(1).await;
    Mock::given(method("POST"))
        .and(path(LYRIA2_PATH))
        .respond_with(google_error(
            429,
            "RESOURCE_EXHAUSTED",
            "Quota exceeded for lyria",
            json!([]),
        ))
        .expect(3)
        .mount(&fakes.vertex)
        .await;
    let mut job = fakes.job(track(), Model::Lyria2);
    job.settings.max_attempts = 3;
    let (result, _) = generate(&job).await;
    let e = result.unwrap_err();
    assert!(
        matches!(
            e,
            GenerateError::Api {
                status: Some(429),
                ..
            }
        ),
        "{e:?}"
    );
    let msg = e.to_string();
    assert!(
        msg.contains("quota exceeded for lyria-002 in project test-project"),
        "{msg}"
    );
    assert!(msg.contains("after 3 attempts"), "{msg}");
    assert!(msg.contains("Quota exceeded for lyria"), "{msg}");
}

#[tokio::test]
async fn connection_errors_are_retried() {
    let fakes = Fakes::start().await;
    fakes.expect_token_requests(1).await;
    // A port that was free a moment ago: nothing listens there.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let mut job = fakes.job(track(), Model::Lyria2);
    job.settings.key.endpoint = Some(endpoint);
    job.settings.max_attempts = 3;
    let (result, progress) = generate(&job).await;
    let e = result.unwrap_err();
    assert!(matches!(e, GenerateError::Network { .. }), "{e:?}");
    assert!(e.to_string().contains("after 3 attempts"), "{e}");
    let retries = progress
        .iter()
        .filter(|m| m.contains("failed with a connection error"))
        .count();
    assert_eq!(retries, 2, "{progress:?}");
}

/// Checks made before anything is sent: no token, no request.
async fn refused_before_sending(
    job: impl FnOnce(&Fakes) -> music_gen::generate::Job,
    expected: &[&str],
) -> GenerateError {
    let fakes = Fakes::start().await;
    fakes.expect_token_requests(0).await;
    Mock::given(method("POST"))
        .respond_with(predictions(&[b"RIFF"]))
        .expect(0)
        .mount(&fakes.vertex)
        .await;
    let (result, _) = generate(&job(&fakes)).await;
    let e = result.unwrap_err();
    for want in expected {
        assert!(e.to_string().contains(want), "{want:?} not in {e}");
    }
    e
}

#[tokio::test]
async fn missing_project_is_reported_before_any_request() {
    let e = refused_before_sending(
        |f| {
            let mut job = f.job(track(), Model::Lyria2);
            job.settings.key.project = None;
            job
        },
        &[
            "no Google Cloud project",
            "--project-id",
            "GOOGLE_CLOUD_PROJECT",
        ],
    )
    .await;
    assert!(matches!(e, GenerateError::Config(_)));
}

#[tokio::test]
async fn missing_output_target_is_reported_before_any_request() {
    let e = refused_before_sending(
        |f| {
            let mut job = f.job(track(), Model::Lyria2);
            job.settings.output = OutputTarget::None;
            job
        },
        &["gcp mode writes audio", "--output"],
    )
    .await;
    assert!(matches!(e, GenerateError::Config(_)));
}

#[tokio::test]
async fn missing_credentials_file_is_reported_before_any_request() {
    let e = refused_before_sending(
        |f| {
            let mut job = f.job(track(), Model::Lyria2);
            job.settings.key.credentials = Some(f.dir.path().join("nope.json"));
            job
        },
        &["credentials file", "nope.json", "not found"],
    )
    .await;
    assert!(matches!(e, GenerateError::Config(_)));
}

#[tokio::test]
async fn lyria3_outside_global_is_refused() {
    let e = refused_before_sending(
        |f| {
            let mut job = f.job(track(), Model::Lyria3Pro);
            job.settings.key.location = "us-central1".into();
            job
        },
        &[
            "lyria-3-pro-preview is served only at location global",
            "--location global",
        ],
    )
    .await;
    assert!(e.is_invalid_input());
}

#[tokio::test]
async fn settings_the_model_cannot_use_are_refused() {
    let e = refused_before_sending(
        |f| {
            let mut t = track();
            t.negative_prompt = Some("drums".into());
            f.job(t, Model::Lyria3Clip)
        },
        &["negative_prompt", "only lyria-002"],
    )
    .await;
    assert!(e.is_invalid_input());
    let e = refused_before_sending(
        |f| {
            let mut t = track();
            t.seed = Some(1);
            t.sample_count = Some(2);
            f.job(t, Model::Lyria2)
        },
        &["seed", "sample_count"],
    )
    .await;
    assert!(e.is_invalid_input());
}

#[tokio::test]
async fn refused_token_is_an_auth_error() {
    let fakes = Fakes::start().await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"error": "invalid_grant"})))
        .mount(&fakes.oauth)
        .await;
    Mock::given(method("POST"))
        .respond_with(predictions(&[b"RIFF"]))
        .expect(0)
        .mount(&fakes.vertex)
        .await;
    let (result, _) = generate(&fakes.job(track(), Model::Lyria2)).await;
    let e = result.unwrap_err();
    assert!(matches!(e, GenerateError::Auth { .. }), "{e:?}");
    assert!(
        e.to_string().contains("could not get an access token"),
        "{e}"
    );
    assert_no_secret(&e.to_string());
}

#[tokio::test]
async fn timeout_leaves_no_file() {
    let fakes = hanging_lyria2().await;
    let mut job = fakes.job(track(), Model::Lyria2);
    job.settings.timeout = Duration::from_secs(1);
    let (result, _) = generate(&job).await;
    let e = result.unwrap_err();
    assert!(
        matches!(
            e,
            GenerateError::Timeout {
                seconds: 1,
                sent: true
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("may have been billed"), "{e}");
    assert!(e.to_string().contains("--timeout"), "{e}");
    assert_eq!(files_in(&fakes.out_dir()), Vec::<std::path::PathBuf>::new());
}

#[tokio::test]
async fn cancel_through_the_worker_leaves_no_file() {
    let fakes = hanging_lyria2().await;
    let mut worker = worker::spawn(fakes.presets_dir()).unwrap();
    let id = worker.send(Request::Generate(Box::new(
        fakes.job(track(), Model::Lyria2),
    )));
    loop {
        match worker.recv().await.expect("worker running") {
            Event::Progress {
                stage: Stage::Sending { .. },
                ..
            } => break,
            Event::Progress { .. } | Event::Started { .. } => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    // The request is on its way (or about to be); cancel it there.
    worker.send(Request::Cancel { target: id });
    match worker.recv().await.expect("worker running") {
        Event::Cancelled { id: got } => assert_eq!(got, id),
        Event::Failed {
            error: WorkerError::Generate(e),
            ..
        } => panic!("failed: {e}"),
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(files_in(&fakes.out_dir()), Vec::<std::path::PathBuf>::new());
}

#[tokio::test]
async fn cancel_token_stops_a_direct_generation() {
    let fakes = hanging_lyria2().await;
    let job = fakes.job(track(), Model::Lyria2);
    let generator = music_gen::generate::Generator::new(&job.settings.key).unwrap();
    let cancel = tokio_util::sync::CancellationToken::new();
    let trigger = cancel.clone();
    let progress: music_gen::generate::Progress = std::sync::Arc::new(move |s: Stage| {
        if matches!(s, Stage::Sending { .. }) {
            trigger.cancel();
        }
    });
    let e = generator
        .generate(&job, progress, cancel)
        .await
        .unwrap_err();
    assert!(matches!(e, GenerateError::Cancelled), "{e:?}");
    assert_eq!(files_in(&fakes.out_dir()), Vec::<std::path::PathBuf>::new());
}

/// Fakes whose Lyria 2 endpoint takes a minute to answer: long enough for a
/// timeout or a cancel to act first.
async fn hanging_lyria2() -> Fakes {
    let fakes = Fakes::start().await;
    fakes.expect_token_requests(1).await;
    Mock::given(method("POST"))
        .and(path(LYRIA2_PATH))
        .respond_with(predictions(&[b"RIFF too late"]).set_delay(Duration::from_secs(60)))
        .mount(&fakes.vertex)
        .await;
    fakes
}

/// A token endpoint nobody answers is a network problem, not bad
/// credentials.
#[tokio::test]
async fn an_unreachable_token_endpoint_is_a_network_error() {
    let fakes = Fakes::start().await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let token_uri = format!("http://{}/token", closed.local_addr().unwrap());
    drop(closed);
    let mut sa: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&fakes.credentials).unwrap()).unwrap();
    sa["token_uri"] = json!(token_uri);
    std::fs::write(&fakes.credentials, sa.to_string()).unwrap();
    Mock::given(method("POST"))
        .respond_with(predictions(&[b"RIFF"]))
        .expect(0)
        .mount(&fakes.vertex)
        .await;
    let (result, _) = generate(&fakes.job(track(), Model::Lyria2)).await;
    let e = result.unwrap_err();
    assert!(matches!(e, GenerateError::TokenNetwork { .. }), "{e:?}");
    let msg = e.to_string();
    assert!(
        msg.starts_with("could not reach Google's token service"),
        "{msg}"
    );
    assert!(!msg.contains("revoked"), "{msg}");
    assert_no_secret(&msg);
}
