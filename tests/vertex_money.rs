//! Never paying twice: what is retried (only what Vertex AI cannot have
//! processed) and what is reported as possibly billed; what the cost counts.

mod vertex_support;

use std::time::{Duration, Instant};

use music_gen::domain::model::Model;
use music_gen::generate::GenerateError;
use serde_json::json;
use vertex_support::*;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

const BILLED: &str = "the connection dropped after Vertex AI started answering; this generation \
                      may have been billed — run it again if you need it";

/// A job against `endpoint` with the fakes' token server.
async fn job_at(fakes: &Fakes, endpoint: &str, model: Model) -> music_gen::generate::Job {
    let mut job = fakes.job(track(), model);
    job.settings.key.endpoint = Some(endpoint.to_string());
    job
}

#[tokio::test]
async fn a_drop_mid_answer_is_not_retried_and_may_be_billed() {
    let fakes = Fakes::start().await;
    fakes.expect_token_requests(1).await;
    let server = RawServer::start(|socket| {
        write_and_close(
            socket,
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n{\"predictions\": [{\"bytesBase64Encoded\": \"UklGR"
                .to_vec(),
        )
    })
    .await;
    let job = job_at(&fakes, &server.uri, Model::Lyria2).await;
    let (result, progress) = generate(&job).await;
    let e = result.unwrap_err();
    assert!(matches!(e, GenerateError::MayHaveBeenBilled(_)), "{e:?}");
    assert_eq!(e.to_string(), BILLED);
    assert_eq!(server.requests(), 1, "{progress:?}");
    assert_eq!(files_in(&fakes.out_dir()), Vec::<std::path::PathBuf>::new());
}

#[tokio::test]
async fn a_connection_closed_before_any_answer_is_not_retried() {
    let fakes = Fakes::start().await;
    fakes.expect_token_requests(1).await;
    let server = RawServer::start(|socket| write_and_close(socket, Vec::new())).await;
    let job = job_at(&fakes, &server.uri, Model::Lyria2).await;
    let (result, _) = generate(&job).await;
    let e = result.unwrap_err();
    assert!(matches!(e, GenerateError::MayHaveBeenBilled(_)), "{e:?}");
    assert!(e.to_string().contains("after the request was sent"), "{e}");
    assert!(e.to_string().contains("may have been billed"), "{e}");
    assert_eq!(server.requests(), 1);
}

#[tokio::test]
async fn a_504_is_not_retried_and_may_be_billed() {
    let fakes = Fakes::start().await;
    fakes.expect_token_requests(1).await;
    Mock::given(method("POST"))
        .and(path(LYRIA2_PATH))
        .respond_with(google_error(
            504,
            "DEADLINE_EXCEEDED",
            "Deadline expired before operation could complete.",
            json!([]),
        ))
        .expect(1)
        .mount(&fakes.vertex)
        .await;
    let (result, _) = generate(&fakes.job(track(), Model::Lyria2)).await;
    let e = result.unwrap_err();
    assert!(matches!(e, GenerateError::MayHaveBeenBilled(_)), "{e:?}");
    let msg = e.to_string();
    assert!(msg.contains("HTTP 504"), "{msg}");
    assert!(msg.contains("Deadline expired"), "{msg}");
    assert!(
        msg.ends_with("this generation may have been billed — run it again if you need it"),
        "{msg}"
    );
}

#[tokio::test]
async fn server_errors_that_were_not_processed_are_retried() {
    for status in [500u16, 502, 503, 429] {
        let fakes = Fakes::start().await;
        fakes.expect_token_requests(1).await;
        Mock::given(method("POST"))
            .and(path(LYRIA2_PATH))
            .respond_with(google_error(status, "UNAVAILABLE", "busy", json!([])))
            .up_to_n_times(1)
            .expect(1)
            .with_priority(1)
            .mount(&fakes.vertex)
            .await;
        Mock::given(method("POST"))
            .and(path(LYRIA2_PATH))
            .respond_with(predictions(&[b"RIFF ok"]))
            .expect(1)
            .mount(&fakes.vertex)
            .await;
        let (result, progress) = generate(&fakes.job(track(), Model::Lyria2)).await;
        let result = result.unwrap_or_else(|e| panic!("{status}: {e}"));
        assert_eq!(result.timings.unwrap().attempts, 2, "{status}");
        assert!(
            progress.contains(&format!(
                "attempt 1 of 4 failed with HTTP {status}, retrying in 0.0 s"
            )),
            "{progress:?}"
        );
    }
}

#[tokio::test]
async fn the_cost_counts_returned_samples_only() {
    let fakes = Fakes::start().await;
    fakes.expect_token_requests(1).await;
    Mock::given(method("POST"))
        .and(path(LYRIA2_PATH))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"predictions": [
                {"bytesBase64Encoded": b64(b"RIFF one"), "mimeType": "audio/wav"},
                {"raiFilteredReason": "filtered"},
                {"bytesBase64Encoded": b64(b"RIFF two"), "mimeType": "audio/wav"},
            ]})),
        )
        .mount(&fakes.vertex)
        .await;
    let mut t = track();
    t.sample_count = Some(3);
    let (result, _) = generate(&fakes.job(t, Model::Lyria2)).await;
    let result = result.unwrap();
    assert_eq!(result.files.len(), 2);
    assert_eq!(result.cost_estimate.units, Some(2));
    assert!((result.cost_estimate.estimated_total_usd - 0.12).abs() < 1e-9);
    assert!(
        result
            .cost_estimate
            .note
            .contains("filtered 1 of the 3 samples asked for"),
        "{}",
        result.cost_estimate.note
    );
}

#[tokio::test]
async fn more_predictions_than_asked_for_are_not_written() {
    let fakes = Fakes::start().await;
    fakes.expect_token_requests(1).await;
    let audio: Vec<Vec<u8>> = (0..50).map(|i| format!("RIFF {i}").into_bytes()).collect();
    let refs: Vec<&[u8]> = audio.iter().map(Vec::as_slice).collect();
    Mock::given(method("POST"))
        .and(path(LYRIA2_PATH))
        .respond_with(predictions(&refs))
        .mount(&fakes.vertex)
        .await;
    let (result, _) = generate(&fakes.job(track(), Model::Lyria2)).await;
    let result = result.unwrap();
    assert_eq!(result.files.len(), 1);
    assert_eq!(result.cost_estimate.units, Some(1));
    // One audio file and its metadata.
    assert_eq!(files_in(&fakes.out_dir()).len(), 2);
}

/// `Retry-After: 0` cannot make a flood: the backoff base is a floor, and
/// the last error is what is reported.
#[tokio::test]
async fn zero_retry_after_keeps_a_floor_and_reports_the_last_error() {
    let fakes = Fakes::start().await;
    fakes.expect_token_requests(1).await;
    Mock::given(method("POST"))
        .and(path(LYRIA2_PATH))
        .respond_with(
            google_error(503, "UNAVAILABLE", "try later", json!([]))
                .insert_header("retry-after", "0"),
        )
        .expect(7)
        .mount(&fakes.vertex)
        .await;
    let mut job = fakes.job(track(), Model::Lyria2);
    job.settings.max_attempts = 7;
    let generator = music_gen::generate::vertex::VertexGenerator::new(&job.settings.key)
        .unwrap()
        .with_retry_base(Duration::from_millis(50));
    let (progress, _) = progress();
    let started = Instant::now();
    let e = generator
        .generate(&job, progress, tokio_util::sync::CancellationToken::new())
        .await
        .unwrap_err();
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "6 waits of at least 50 ms"
    );
    let msg = e.to_string();
    assert!(msg.contains("HTTP 503 after 7 attempts"), "{msg}");
    assert!(msg.contains("try later"), "{msg}");
}

/// A Retry-After far past the deadline (or past what an instant can hold)
/// ends the retries at once with the server's error: no panic, no wait.
#[tokio::test]
async fn a_huge_retry_after_reports_the_error_without_waiting() {
    for header in ["18446744073709551615", "4000"] {
        let fakes = Fakes::start().await;
        fakes.expect_token_requests(1).await;
        Mock::given(method("POST"))
            .and(path(LYRIA2_PATH))
            .respond_with(
                google_error(429, "RESOURCE_EXHAUSTED", "Quota exceeded", json!([]))
                    .insert_header("retry-after", header),
            )
            .expect(1)
            .mount(&fakes.vertex)
            .await;
        let started = Instant::now();
        let (result, _) = generate(&fakes.job(track(), Model::Lyria2)).await;
        let e = result.unwrap_err();
        assert!(e.to_string().contains("after 1 attempt"), "{e}");
        assert!(started.elapsed() < Duration::from_secs(10));
    }
}

/// A timeout past what the clock can add is capped, not a panic.
#[tokio::test]
async fn a_huge_timeout_is_capped() {
    let fakes = Fakes::start().await;
    fakes.expect_token_requests(1).await;
    Mock::given(method("POST"))
        .and(path(LYRIA2_PATH))
        .respond_with(predictions(&[b"RIFF"]))
        .mount(&fakes.vertex)
        .await;
    let mut job = fakes.job(track(), Model::Lyria2);
    job.settings.timeout = Duration::from_secs(u64::MAX);
    let (result, _) = generate(&job).await;
    result.unwrap();
}

#[tokio::test]
async fn retry_info_in_the_error_is_honoured() {
    let fakes = Fakes::start().await;
    fakes.expect_token_requests(1).await;
    Mock::given(method("POST"))
        .and(path(LYRIA2_PATH))
        .respond_with(google_error(
            429,
            "RESOURCE_EXHAUSTED",
            "Quota exceeded",
            json!([{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "0.3s"}]),
        ))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&fakes.vertex)
        .await;
    Mock::given(method("POST"))
        .and(path(LYRIA2_PATH))
        .respond_with(predictions(&[b"RIFF"]))
        .mount(&fakes.vertex)
        .await;
    let started = Instant::now();
    let (result, progress) = generate(&fakes.job(track(), Model::Lyria2)).await;
    result.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert!(
        progress.contains(&"attempt 1 of 4 failed with HTTP 429, retrying in 0.3 s".to_string()),
        "{progress:?}"
    );
}

/// An answer past the cap is refused as it streams in, without an end.
#[tokio::test]
async fn an_endless_answer_is_cut_off_at_the_cap() {
    let fakes = Fakes::start().await;
    fakes.expect_token_requests(1).await;
    let server = RawServer::start(|mut socket| async move {
        use tokio::io::AsyncWriteExt;
        let head = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
        if socket.write_all(head).await.is_err() {
            return;
        }
        let chunk = vec![b'A'; 1 << 20];
        let framed = [format!("{:x}\r\n", chunk.len()).into_bytes(), chunk, b"\r\n".to_vec()].concat();
        while socket.write_all(&framed).await.is_ok() {}
    })
    .await;
    let job = job_at(&fakes, &server.uri, Model::Lyria2).await;
    let (result, _) = generate(&job).await;
    let e = result.unwrap_err();
    assert!(matches!(e, GenerateError::MayHaveBeenBilled(_)), "{e:?}");
    assert!(e.to_string().contains("larger than 128 MiB"), "{e}");
    assert_eq!(server.requests(), 1);
}

/// An announced length past the cap is refused before reading.
#[tokio::test]
async fn an_announced_huge_answer_is_refused() {
    let fakes = Fakes::start().await;
    fakes.expect_token_requests(1).await;
    let server = RawServer::start(|socket| {
        write_and_close(
            socket,
            b"HTTP/1.1 200 OK\r\ncontent-length: 400000000\r\n\r\n{".to_vec(),
        )
    })
    .await;
    let job = job_at(&fakes, &server.uri, Model::Lyria2).await;
    let (result, _) = generate(&job).await;
    assert!(
        result
            .unwrap_err()
            .to_string()
            .contains("larger than 128 MiB")
    );
}
