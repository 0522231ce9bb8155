//! `music-gen serve` in gcp mode, through the real binary against the fake
//! token and Vertex servers (HOME, CLOUDSDK_CONFIG and PATH pinned): a
//! generation writes its take; a full concurrency limit answers 429 without
//! sending; SIGTERM lets a generation finish in time, or answers 503 "may
//! have been billed" at the deadline; MUSIC_GEN_API_KEY is read from `.env`.

mod serve_support;
mod vertex_support;

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use serve_support::{Launch, Server};
use vertex_support::{Fakes, LYRIA2_PATH, PROJECT, TOKEN, fake_audio, predictions, runtime};
use wiremock::Mock;
use wiremock::matchers::{header, method, path};

/// Fakes whose Vertex answers one Lyria 2 sample after `delay`.
fn fakes(rt: &tokio::runtime::Runtime, delay: Duration) -> Fakes {
    rt.block_on(async {
        let fakes = Fakes::start().await;
        fakes.expect_token_requests(1).await;
        Mock::given(method("POST"))
            .and(path(LYRIA2_PATH))
            .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
            .respond_with(predictions(&[&fake_audio("served", 4096)]).set_delay(delay))
            .mount(&fakes.vertex)
            .await;
        fakes
    })
}

fn gcp_server(fakes: &Fakes, extra: &[&str]) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty-path");
    std::fs::create_dir_all(&empty).unwrap();
    let mut launch = Launch::new()
        .env("HOME", dir.path().to_str().unwrap())
        .env(
            "CLOUDSDK_CONFIG",
            dir.path().join("gcloud").to_str().unwrap(),
        )
        .env("PATH", empty.to_str().unwrap())
        .env(
            "XDG_CONFIG_HOME",
            dir.path().join("config").to_str().unwrap(),
        )
        .args_from(&[
            "--mode",
            "gcp",
            "--project-id",
            PROJECT,
            "--credentials",
            fakes.credentials.to_str().unwrap(),
            "--endpoint",
            &fakes.vertex.uri(),
        ]);
    for a in extra {
        launch = launch.serve_arg(a);
    }
    launch.in_dir(dir).start()
}

fn generate_body() -> Value {
    json!({"text_input": "We rise", "genre": "rock", "duration_seconds": 180, "preset_name": "rock_anthem"})
}

/// Waits until the fake Vertex has `n` generation requests.
fn wait_for_requests(rt: &tokio::runtime::Runtime, fakes: &Fakes, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let got = rt
            .block_on(fakes.vertex.received_requests())
            .unwrap()
            .iter()
            .filter(|r| r.url.path() == LYRIA2_PATH)
            .count();
        if got >= n {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "Vertex got {got} of {n} requests"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_gcp_generation_through_the_server_writes_its_take() {
    let rt = runtime();
    let fakes = fakes(&rt, Duration::ZERO);
    let s = gcp_server(&fakes, &[]);
    let (status, body) = s.post("/tracks/generate", &generate_body());
    assert_eq!(status, 200, "{body}");
    // The Python tool's keys, with the real result beside them.
    assert_eq!(body["mode"], "gcp");
    assert_eq!(body["genre"], "rock");
    assert_eq!(body["duration_seconds"], 180);
    let files = body["files"].as_array().expect("files");
    assert_eq!(files.len(), 1, "{body}");
    let written = std::fs::read_dir(s.output_dir()).unwrap().count();
    assert!(written >= 2, "audio and metadata in the output folder");
    vertex_support::assert_no_secret(&body.to_string());
}

#[test]
fn a_full_concurrency_limit_answers_429_and_sends_nothing() {
    let rt = runtime();
    let fakes = fakes(&rt, Duration::from_secs(3));
    let s = gcp_server(&fakes, &["--max-generations", "1"]);
    let first = {
        let (http, url) = (s.http.clone(), s.url("/tracks/generate"));
        std::thread::spawn(move || {
            let r = http.post(url).json(&generate_body()).send().unwrap();
            r.status().as_u16()
        })
    };
    wait_for_requests(&rt, &fakes, 1);
    let r = s
        .http
        .post(s.url("/tracks/generate"))
        .json(&generate_body())
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 429);
    assert!(r.headers().contains_key("retry-after"));
    let body: Value = r.json().unwrap();
    let detail = body["detail"].as_str().unwrap();
    assert!(detail.contains("already running"), "{detail}");
    assert!(detail.contains("nothing was sent"), "{detail}");
    assert_eq!(first.join().unwrap(), 200);
    let sent = rt.block_on(fakes.vertex.received_requests()).unwrap();
    assert_eq!(sent.len(), 1, "the refused request never reached Vertex AI");
}

#[test]
fn sigterm_lets_a_generation_finish_within_the_shutdown_timeout() {
    let rt = runtime();
    let fakes = fakes(&rt, Duration::from_secs(2));
    let mut s = gcp_server(&fakes, &["--shutdown-timeout", "15"]);
    let pending = {
        let (http, url) = (s.http.clone(), s.url("/tracks/generate"));
        std::thread::spawn(move || {
            let r = http.post(url).json(&generate_body()).send().unwrap();
            r.status().as_u16()
        })
    };
    wait_for_requests(&rt, &fakes, 1);
    s.signal(libc::SIGTERM);
    assert_eq!(pending.join().unwrap(), 200, "{}", s.stderr());
    assert_eq!(s.wait(Duration::from_secs(20)), Some(0), "{}", s.stderr());
}

#[test]
fn sigterm_answers_503_may_be_billed_at_the_deadline() {
    let rt = runtime();
    let fakes = fakes(&rt, Duration::from_secs(30));
    let mut s = gcp_server(&fakes, &["--shutdown-timeout", "1"]);
    let pending = {
        let (http, url) = (s.http.clone(), s.url("/tracks/generate"));
        std::thread::spawn(move || {
            let r = http.post(url).json(&generate_body()).send().unwrap();
            (r.status().as_u16(), r.json::<Value>().unwrap())
        })
    };
    wait_for_requests(&rt, &fakes, 1);
    let signalled = Instant::now();
    s.signal(libc::SIGTERM);
    let (status, body) = pending.join().unwrap();
    assert_eq!(status, 503, "{body}");
    let detail = body["detail"].as_str().unwrap();
    assert!(detail.contains("may have been billed"), "{detail}");
    // It exits once its grace for the running generation is over, with 0,
    // long before Vertex would have answered.
    assert_eq!(s.wait(Duration::from_secs(25)), Some(0), "{}", s.stderr());
    assert!(signalled.elapsed() < Duration::from_secs(25));
    assert!(
        s.stderr().contains("may have been billed"),
        "{}",
        s.stderr()
    );
}

#[test]
fn the_api_key_is_read_from_dot_env_too() {
    // The Python tool's `.env` in the directory the server starts in.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".env"), "MUSIC_GEN_API_KEY=from-dotenv\n").unwrap();
    let s = Launch::new().in_dir(dir).start_in_its_dir();
    assert_eq!(s.get("/health").0, 200);
    assert_eq!(s.get("/presets").0, 401);
    let r = s
        .http
        .get(s.url("/presets"))
        .header("X-API-Key", "from-dotenv")
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(s.stderr().contains("API key required"), "{}", s.stderr());
}

#[test]
fn takes_are_listed_and_their_audio_served_with_ranges() {
    let rt = runtime();
    let fakes = fakes(&rt, Duration::ZERO);
    let s = gcp_server(&fakes, &[]);
    assert_eq!(s.post("/tracks/generate", &generate_body()).0, 200);

    let (status, page) = s.get("/tracks");
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["total"], 1, "{page}");
    let id = page["takes"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(page["takes"][0]["genre"], "rock");

    let (status, take) = s.get(&format!("/tracks/{id}"));
    assert_eq!(status, 200, "{take}");
    assert_eq!(take["metadata"]["mode"], "gcp");
    assert_eq!(take["audio"][0]["url"], format!("/tracks/{id}/audio/0"));

    let audio = fake_audio("served", 4096);
    let r = s
        .http
        .get(s.url(&format!("/tracks/{id}/audio")))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers()["content-type"], "audio/wav");
    assert_eq!(r.headers()["accept-ranges"], "bytes");
    assert_eq!(r.bytes().unwrap().as_ref(), audio.as_slice());

    let r = s
        .http
        .get(s.url(&format!("/tracks/{id}/audio/0")))
        .header("Range", "bytes=10-19")
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 206);
    assert_eq!(
        r.headers()["content-range"],
        format!("bytes 10-19/{}", audio.len()).as_str()
    );
    assert_eq!(r.bytes().unwrap().as_ref(), &audio[10..20]);

    let r = s
        .http
        .get(s.url(&format!("/tracks/{id}/audio")))
        .header("Range", "bytes=999999-")
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 416);

    assert_eq!(s.get(&format!("/tracks/{id}/audio/7")).0, 404);
    for bad in [
        "/tracks/nope",
        "/tracks/..%2F..%2Fetc%2Fpasswd",
        "/tracks/%2E%2E/audio",
    ] {
        let (status, body) = s.get(bad);
        assert_eq!(status, 404, "{bad}: {body}");
    }
    let (status, body) = s.get("/tracks?limit=0");
    assert_eq!(status, 422, "{body}");
    let (_, empty) = s.get("/tracks?offset=5");
    assert_eq!(empty["takes"].as_array().unwrap().len(), 0);
}
