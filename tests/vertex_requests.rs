//! What music-gen sends to Vertex AI for each model and what it saves, through
//! the worker and against fake OAuth and Vertex endpoints.

mod vertex_support;

use music_gen::domain::model::Model;
use music_gen::domain::prompt::build_prompt;
use music_gen::generate::output::sha256_hex;
use music_gen::generate::{GenerationResult, OutputTarget};
use music_gen::worker::{self, Event, Request};
use serde_json::{Value, json};
use vertex_support::*;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, ResponseTemplate};

async fn run(fakes: &Fakes, jobs: Vec<music_gen::generate::Job>) -> Vec<GenerationResult> {
    let mut worker = worker::spawn(fakes.presets_dir()).unwrap();
    let mut results = Vec::new();
    for job in jobs {
        match worker.call(Request::Generate(Box::new(job)), |_| {}).await {
            Some(Event::Generated { result, .. }) => results.push(*result),
            other => panic!("expected a result, got {other:?}"),
        }
    }
    results
}

fn metadata(result: &GenerationResult) -> (Value, String) {
    let path = result.metadata_path.as_ref().expect("metadata written");
    let text = std::fs::read_to_string(path).unwrap();
    assert_no_secret(&text);
    (serde_json::from_str(&text).unwrap(), text)
}

#[tokio::test]
async fn lyria2_request_and_saved_samples() {
    let fakes = Fakes::start().await;
    fakes.expect_token_requests(1).await;
    let one = fake_audio("one", 40_000);
    let two = fake_audio("two", 30_000);
    Mock::given(method("POST"))
        .and(path(LYRIA2_PATH))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(header("content-type", "application/json"))
        .respond_with(predictions(&[&one, &two]))
        .expect(1)
        .mount(&fakes.vertex)
        .await;

    let mut track = track();
    track.negative_prompt = Some("vocals".into());
    track.sample_count = Some(2);
    let mut job = fakes.job(track.clone(), Model::Lyria2);
    let target = fakes.out_dir().join("night.wav");
    job.settings.output = OutputTarget::File(target.clone());
    let result = run(&fakes, vec![job]).await.remove(0);

    let sent = &fakes.vertex.received_requests().await.unwrap()[0];
    // A service account's own project pays: no quota-project header
    // (tests/credentials.rs has the other credential kinds).
    assert!(!sent.headers.contains_key("x-goog-user-project"));
    let body: Value = sent.body_json().unwrap();
    assert_eq!(
        body,
        json!({
            "instances": [{"prompt": build_prompt(&track), "negative_prompt": "vocals"}],
            "parameters": {"sample_count": 2},
        })
    );

    let out = fakes.out_dir();
    assert_eq!(
        files_in(&out),
        vec![
            out.join("night-1.wav"),
            out.join("night-2.wav"),
            out.join("night.json")
        ]
    );
    assert_eq!(std::fs::read(out.join("night-1.wav")).unwrap(), one);
    assert_eq!(std::fs::read(out.join("night-2.wav")).unwrap(), two);

    let (meta, _) = metadata(&result);
    assert_eq!(meta["status"], "completed");
    assert_eq!(meta["mode"], "gcp");
    assert_eq!(meta["model"], "lyria-002");
    assert_eq!(meta["genre"], "synthwave");
    assert_eq!(meta["prompt"], build_prompt(&track));
    assert_eq!(meta["request"]["body"], body);
    assert_eq!(meta["request"]["location"], "us-central1");
    assert_eq!(meta["cost_estimate"]["units"], 2);
    assert_eq!(meta["cost_estimate"]["estimated_total_usd"], 0.12);
    assert_eq!(meta["timings"]["attempts"], 1);
    let files = meta["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    assert_eq!(files[0]["path"], out.join("night-1.wav").to_str().unwrap());
    assert_eq!(files[0]["mime_type"], "audio/wav");
    assert_eq!(files[0]["size_bytes"], one.len());
    assert_eq!(files[0]["sha256"], sha256_hex(&one));
    assert_eq!(files[1]["sha256"], sha256_hex(&two));
    // The keys the simulate result has are all there too.
    for key in ["duration_seconds", "metadata", "message"] {
        assert!(meta.get(key).is_some(), "{key} missing");
    }
}

#[tokio::test]
async fn lyria2_sends_the_seed_alone() {
    let fakes = Fakes::start().await;
    fakes.expect_token_requests(1).await;
    Mock::given(method("POST"))
        .and(path(LYRIA2_PATH))
        .respond_with(predictions(&[b"RIFFseed"]))
        .expect(1)
        .mount(&fakes.vertex)
        .await;
    let mut track = track();
    track.seed = Some(42);
    track.sample_count = Some(1);
    run(&fakes, vec![fakes.job(track.clone(), Model::Lyria2)]).await;
    let body: Value = fakes.vertex.received_requests().await.unwrap()[0]
        .body_json()
        .unwrap();
    assert_eq!(
        body,
        json!({"instances": [{"prompt": build_prompt(&track), "seed": 42}]})
    );
}

async fn lyria3_case(model: Model, answer: Value) {
    let fakes = Fakes::start().await;
    fakes.expect_token_requests(1).await;
    Mock::given(method("POST"))
        .and(path(LYRIA3_PATH))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(answer))
        .expect(1)
        .mount(&fakes.vertex)
        .await;
    let mut track = track();
    track.model = Some(model);
    // The track's model wins over the settings' default.
    let mut job = fakes.job(track.clone(), model);
    job.settings.model = Model::Lyria2;
    let result = run(&fakes, vec![job]).await.remove(0);

    let body: Value = fakes.vertex.received_requests().await.unwrap()[0]
        .body_json()
        .unwrap();
    assert_eq!(
        body,
        json!({
            "model": model.id(),
            "input": [{"type": "text", "text": build_prompt(&track)}],
            "store": false,
        })
    );
    let files = files_in(&fakes.out_dir());
    assert_eq!(files.len(), 2, "{files:?}");
    let mp3 = files
        .iter()
        .find(|p| p.extension().unwrap() == "mp3")
        .unwrap();
    assert!(
        mp3.file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .ends_with("-synthwave.mp3"),
        "{mp3:?}"
    );
    assert_eq!(std::fs::read(mp3).unwrap(), b"ID3 fake mp3");
    let (meta, _) = metadata(&result);
    assert_eq!(meta["model"], model.id());
    assert_eq!(meta["text"], "[Verse 1]\nneon rain");
    assert_eq!(meta["files"][0]["mime_type"], "audio/mpeg");
    assert_eq!(meta["request"]["location"], "global");
    assert_eq!(meta["cost_estimate"]["units"], 1);
}

#[tokio::test]
async fn lyria3_clip_with_outputs() {
    lyria3_case(
        Model::Lyria3Clip,
        json!({"status": "completed", "outputs": [
            {"type": "text", "text": "[Verse 1]\nneon rain"},
            {"type": "audio", "mime_type": "audio/mpeg", "data": b64(b"ID3 fake mp3")},
        ]}),
    )
    .await;
}

#[tokio::test]
async fn lyria3_pro_with_steps() {
    lyria3_case(
        Model::Lyria3Pro,
        json!({"status": "completed", "steps": [
            {"type": "user_input", "content": []},
            {"type": "model_output", "content": [
                {"type": "text", "text": "[Verse 1]\nneon rain"},
                {"type": "audio", "mime_type": "audio/mpeg", "data": b64(b"ID3 fake mp3")},
            ]},
        ]}),
    )
    .await;
}

/// The generator for a key is cached by the worker, and with it the token:
/// three generations, one token request.
#[tokio::test]
async fn one_token_for_several_generations() {
    let fakes = Fakes::start().await;
    fakes.expect_token_requests(1).await;
    Mock::given(method("POST"))
        .and(path(LYRIA2_PATH))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(predictions(&[b"RIFFsame"]))
        .expect(3)
        .mount(&fakes.vertex)
        .await;
    let jobs = (0..3).map(|_| fakes.job(track(), Model::Lyria2)).collect();
    let results = run(&fakes, jobs).await;
    // Same second, same genre: the names still differ.
    let mut paths: Vec<_> = results.iter().map(|r| r.files[0].path.clone()).collect();
    paths.dedup();
    assert_eq!(paths.len(), 3);
}

#[tokio::test]
async fn progress_is_reported() {
    let fakes = Fakes::start().await;
    fakes.expect_token_requests(1).await;
    Mock::given(method("POST"))
        .and(path(LYRIA2_PATH))
        .respond_with(predictions(&[b"RIFF"]))
        .mount(&fakes.vertex)
        .await;
    let mut worker = worker::spawn(fakes.presets_dir()).unwrap();
    let mut messages = Vec::new();
    let last = worker
        .call(
            Request::Generate(Box::new(fakes.job(track(), Model::Lyria2))),
            |e| {
                if let Event::Progress { stage, .. } = e {
                    messages.push(stage.to_string());
                }
            },
        )
        .await;
    assert!(matches!(last, Some(Event::Generated { .. })), "{last:?}");
    assert_eq!(
        messages,
        vec![
            "getting an access token",
            "sending the request to lyria-002 at us-central1 (attempt 1 of 4)",
            "saving the audio file",
        ]
    );
}
