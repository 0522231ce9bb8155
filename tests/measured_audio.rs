//! Each audio file's real length and levels, read from the file a
//! generation wrote, recorded in its metadata entry and shown in the CLI
//! summary; `duration_seconds` keeps what was asked for.

mod audio_support;
mod vertex_support;

use std::path::Path;

use music_gen::cli::summary;
use music_gen::domain::model::Model;
use music_gen::generate::GenerationResult;
use music_gen::worker::{self, Event, Request};
use serde_json::{Value, json};
use vertex_support::*;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

async fn generate_with(fakes: &Fakes, model: Model, answer: Value) -> (GenerationResult, Value) {
    fakes.expect_token_requests(1).await;
    let route = if model == Model::Lyria2 {
        LYRIA2_PATH
    } else {
        LYRIA3_PATH
    };
    Mock::given(method("POST"))
        .and(path(route))
        .respond_with(ResponseTemplate::new(200).set_body_json(answer))
        .expect(1)
        .mount(&fakes.vertex)
        .await;
    let mut track = track();
    track.duration_seconds = 120;
    let job = fakes.job(track, model);
    let mut worker = worker::spawn(fakes.presets_dir()).unwrap();
    let result = match worker.call(Request::Generate(Box::new(job)), |_| {}).await {
        Some(Event::Generated { result, .. }) => *result,
        other => panic!("expected a result, got {other:?}"),
    };
    let text = std::fs::read_to_string(result.metadata_path.as_ref().unwrap()).unwrap();
    (result, serde_json::from_str(&text).unwrap())
}

fn close(actual: &Value, expected: f64, tolerance: f64) {
    let a = actual
        .as_f64()
        .unwrap_or_else(|| panic!("{actual} is not a number"));
    assert!((a - expected).abs() <= tolerance, "{a} vs {expected}");
}

#[tokio::test]
async fn lyria2_wav_records_its_real_length_not_the_requested_one() {
    let fakes = Fakes::start().await;
    let wav_path = fakes.dir.path().join("answer.wav");
    audio_support::write_sine_wav(&wav_path, 48_000, 2, 32.8, |_| 0.5);
    let wav = std::fs::read(&wav_path).unwrap();
    let answer =
        json!({"predictions": [{"bytesBase64Encoded": b64(&wav), "mimeType": "audio/wav"}]});
    let (result, meta) = generate_with(&fakes, Model::Lyria2, answer).await;

    assert_eq!(meta["duration_seconds"], 120, "the request's value stays");
    let audio = &meta["files"][0]["audio"];
    assert_eq!(audio["format"], "wav");
    assert_eq!(audio["sample_rate"], 48_000);
    assert_eq!(audio["channels"], 2);
    close(&audio["duration_seconds"], 32.8, 0.001);
    close(&audio["peak_dbfs"], -6.02, 0.01);
    close(&audio["rms_dbfs"], -9.03, 0.01);

    let job = fakes.job(track(), Model::Lyria2);
    let text = summary::render(&job, &result);
    assert!(
        text.contains("measured:   32.8 s, WAV 48 kHz stereo, peak -6.0 dBFS, RMS -9.0 dBFS"),
        "{text}"
    );
}

#[tokio::test]
async fn lyria3_mp3_records_format_and_length() {
    let fakes = Fakes::start().await;
    let mp3 = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sine-quiet-loud.mp3"),
    )
    .unwrap();
    let answer = json!({"status": "completed", "outputs": [
        {"type": "audio", "mime_type": "audio/mpeg", "data": b64(&mp3)},
    ]});
    let (_, meta) = generate_with(&fakes, Model::Lyria3Clip, answer).await;
    let audio = &meta["files"][0]["audio"];
    assert_eq!(audio["format"], "mp3");
    assert_eq!(audio["sample_rate"], 48_000);
    close(&audio["duration_seconds"], 2.0, 0.03);
}

#[tokio::test]
async fn audio_that_cannot_be_decoded_is_kept_unmeasured() {
    let fakes = Fakes::start().await;
    let bytes = fake_audio("junk", 5_000);
    let answer =
        json!({"predictions": [{"bytesBase64Encoded": b64(&bytes), "mimeType": "audio/wav"}]});
    let (result, meta) = generate_with(&fakes, Model::Lyria2, answer).await;
    assert_eq!(std::fs::read(&result.files[0].path).unwrap(), bytes);
    assert!(meta["files"][0].get("audio").is_none(), "{meta}");
    assert_eq!(meta["files"][0]["size_bytes"], bytes.len());
}
