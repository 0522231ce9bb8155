//! Takes in a Cloud Storage bucket (fake-gcs-server), generated in gcp
//! mode against the fake token and Vertex servers: two `music-gen serve`
//! instances on one bucket land their takes under distinct names and list
//! each other's; another process's `history` lists, shows and prunes them;
//! a store that fails mid-upload leaves no take listed and keeps the paid
//! audio on the local disk; `config` and `doctor` say where takes live;
//! an S3 bucket (moto) holds takes the same way.

mod serve_support;
mod storage_support;
mod vertex_support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Barrier};

use serde_json::{Value, json};
use serve_support::{Launch, Server};
use vertex_support::{Fakes, LYRIA2_PATH, PROJECT, TOKEN, fake_audio, predictions};
use wiremock::Mock;
use wiremock::matchers::{header, method, path};

const PREFIX: &str = "team/takes";

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap()
}

fn audio() -> Vec<u8> {
    fake_audio("bucket", 4096)
}

/// Fakes whose Vertex answers one Lyria 2 sample.
fn fakes(rt: &tokio::runtime::Runtime) -> Fakes {
    rt.block_on(async {
        let fakes = Fakes::start().await;
        fakes.expect_token_requests(1..).await;
        Mock::given(method("POST"))
            .and(path(LYRIA2_PATH))
            .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
            .respond_with(predictions(&[&audio()]))
            .mount(&fakes.vertex)
            .await;
        fakes
    })
}

fn gcp_flags(fakes: &Fakes) -> Vec<String> {
    [
        "--mode",
        "gcp",
        "--project-id",
        PROJECT,
        "--credentials",
        fakes.credentials.to_str().unwrap(),
        "--endpoint",
        &fakes.vertex.uri(),
    ]
    .map(str::to_string)
    .to_vec()
}

/// Where a machine of its own keeps its files: HOME and the XDG folders.
fn machine(cmd_env: &mut Vec<(String, String)>, home: &Path) {
    let empty = home.join("empty-path");
    std::fs::create_dir_all(&empty).unwrap();
    for (k, v) in [
        ("HOME", home.to_path_buf()),
        ("CLOUDSDK_CONFIG", home.join("gcloud")),
        ("PATH", empty),
        ("XDG_CONFIG_HOME", home.join("config")),
        ("XDG_DATA_HOME", home.join("data")),
        ("XDG_CACHE_HOME", home.join("cache")),
    ] {
        cmd_env.push((k.to_string(), v.to_str().unwrap().to_string()));
    }
}

fn location(bucket: &str) -> String {
    format!("gs://{bucket}/{PREFIX}")
}

/// A gcp-mode server, as one Cloud Run instance: a disk of its own, the
/// takes in the bucket.
fn instance(fakes: &Fakes, bucket: &str) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let mut launch = Launch::new()
        .env("MUSIC_GEN_OUTPUT_DIR", &location(bucket))
        .env("STORAGE_EMULATOR_HOST", storage_support::host());
    machine(&mut launch.env, dir.path());
    let flags = gcp_flags(fakes);
    launch
        .args_from(&flags.iter().map(String::as_str).collect::<Vec<_>>())
        .in_dir(dir)
        .start()
}

/// `music-gen ARGS` on a machine of its own, with the takes in `output`.
fn cli(home: &Path, output: &str, emulator: &str, args: &[&str]) -> Output {
    let mut env = Vec::new();
    machine(&mut env, home);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_music-gen"));
    vertex_support::isolate(&mut cmd, home);
    cmd.envs(env)
        .env("MUSIC_GEN_OUTPUT_DIR", output)
        .env("MUSIC_GEN_PRESETS_DIR", home.join("presets"))
        .env("STORAGE_EMULATOR_HOST", emulator)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn generate_body() -> Value {
    json!({"text_input": "We rise", "genre": "rock", "duration_seconds": 60, "preset_name": "rock_anthem"})
}

fn objects(bucket: &str) -> Vec<String> {
    let gcs = storage_support::client(bucket);
    let rt = runtime();
    let mut names: Vec<String> = rt
        .block_on(gcs.list(&format!("{PREFIX}/")))
        .unwrap()
        .into_iter()
        .map(|o| o.name)
        .collect();
    names.sort();
    names
}

fn listed(server: &Server) -> Vec<String> {
    let (status, body) = server.get("/tracks?limit=200");
    assert_eq!(status, 200, "{body}");
    let mut ids: Vec<String> = body["takes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

fn spooled(home: &Path, bucket: &str) -> Vec<PathBuf> {
    vertex_support::files_in(&home.join("data/music-gen/spool").join(bucket).join(PREFIX))
}

#[test]
fn two_instances_on_one_bucket_land_takes_under_distinct_names_and_list_each_others() {
    let rt = runtime();
    let fakes = fakes(&rt);
    let bucket = storage_support::bucket();
    let servers = Arc::new([instance(&fakes, &bucket), instance(&fakes, &bucket)]);
    // Four generations at once, two through each: the same second and
    // genre, so they race for the same names.
    let barrier = Arc::new(Barrier::new(4));
    let threads: Vec<_> = (0..4)
        .map(|i| {
            let servers = Arc::clone(&servers);
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                let s = &servers[i % 2];
                barrier.wait();
                s.post("/tracks/generate", &generate_body())
            })
        })
        .collect();
    let mut urls = Vec::new();
    for t in threads {
        let (status, body) = t.join().unwrap();
        assert_eq!(status, 200, "{body}");
        let meta = body["metadata_path"].as_str().unwrap().to_string();
        assert!(
            meta.starts_with(&format!("gs://{bucket}/{PREFIX}/")) && meta.ends_with(".json"),
            "{body}"
        );
        let file = body["files"][0]["path"].as_str().unwrap();
        assert_eq!(file, meta.replace(".json", ".wav"), "{body}");
        urls.push(meta);
    }
    urls.sort();
    urls.dedup();
    assert_eq!(urls.len(), 4, "distinct names: {urls:?}");
    // Audio and metadata of each, nothing else.
    assert_eq!(objects(&bucket).len(), 8, "{:?}", objects(&bucket));
    let [a, b] = &*servers;
    let ids = listed(a);
    assert_eq!(ids.len(), 4);
    assert_eq!(listed(b), ids, "each instance lists the other's takes");
    for id in &ids {
        let (status, take) = b.get(&format!("/tracks/{id}"));
        assert_eq!(status, 200, "{take}");
        assert_eq!(take["audio"][0]["available"], true, "{take}");
        let bytes = b
            .http
            .get(b.url(&format!("/tracks/{id}/audio")))
            .send()
            .unwrap()
            .bytes()
            .unwrap();
        assert_eq!(bytes.as_ref(), audio().as_slice(), "{id}");
    }
    // Nothing left in either instance's spool folder.
    for s in [a, b] {
        assert!(spooled(s.dir.path(), &bucket).is_empty());
    }
}

#[test]
fn another_process_lists_shows_plays_and_prunes_the_takes_in_the_bucket() {
    let rt = runtime();
    let fakes = fakes(&rt);
    let bucket = storage_support::bucket();
    let out = location(&bucket);
    let emulator = storage_support::host();
    let maker = tempfile::tempdir().unwrap();
    let flags = gcp_flags(&fakes);
    let mut args: Vec<&str> = flags.iter().map(String::as_str).collect();
    args.extend(["generate", "-g", "rock", "-t", "We rise", "--yes", "--json"]);
    for _ in 0..2 {
        let made = cli(maker.path(), &out, emulator, &args);
        assert!(
            made.status.success(),
            "{}",
            String::from_utf8_lossy(&made.stderr)
        );
    }
    // A machine that made none of them.
    let reader = tempfile::tempdir().unwrap();
    let history = cli(reader.path(), &out, emulator, &["history", "--json"]);
    assert!(
        history.status.success(),
        "{}",
        String::from_utf8_lossy(&history.stderr)
    );
    let page: Value = serde_json::from_slice(&history.stdout).unwrap();
    let takes = page["takes"].as_array().unwrap();
    assert_eq!(takes.len(), 2, "{page}");
    assert_eq!(takes[0]["state"]["state"], "ready", "{page}");
    let id = takes[0]["id"].as_str().unwrap().to_string();
    // What `history` (the newest 20, no filter) downloaded is kept for the
    // next process, which then downloads none of it.
    let kept = reader
        .path()
        .join("cache/music-gen/buckets")
        .join(&bucket)
        .join(PREFIX)
        .join("takes.json");
    let cache =
        std::fs::read_to_string(&kept).unwrap_or_else(|e| panic!("{}: {e}", kept.display()));
    assert!(cache.contains(&id), "{cache}");

    let show = cli(reader.path(), &out, emulator, &["history", "show", &id]);
    let text = String::from_utf8_lossy(&show.stdout);
    assert!(show.status.success(), "{text}");
    assert!(text.contains("We rise"), "{text}");
    // Showing it downloaded the audio into the cache, checked by digest.
    let cached = vertex_support::files_in(&reader.path().join("cache/music-gen/audio"));
    assert_eq!(cached.len(), 1, "{cached:?}");
    assert_eq!(std::fs::read(&cached[0]).unwrap(), audio());

    // The player gets the cached file.
    let player = reader.path().join("player.sh");
    let played = reader.path().join("played");
    std::fs::write(
        &player,
        format!("#!/bin/sh\necho \"$@\" > {}\n", played.display()),
    )
    .unwrap();
    std::fs::set_permissions(&player, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_music-gen"));
    let mut env = Vec::new();
    machine(&mut env, reader.path());
    vertex_support::isolate(&mut cmd, reader.path());
    let play = cmd
        .envs(env)
        .env("MUSIC_GEN_OUTPUT_DIR", &out)
        .env("MUSIC_GEN_PRESETS_DIR", reader.path().join("presets"))
        .env("STORAGE_EMULATOR_HOST", emulator)
        .env("MUSIC_GEN_PLAYER", &player)
        .args(["play", &id])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        play.status.success(),
        "{}",
        String::from_utf8_lossy(&play.stderr)
    );
    let arg = std::fs::read_to_string(&played).unwrap();
    assert!(
        arg.trim()
            .ends_with(&cached[0].to_string_lossy().to_string()),
        "{arg}"
    );

    // Prune from the reader: the objects go.
    assert_eq!(objects(&bucket).len(), 4);
    let prune = cli(
        reader.path(),
        &out,
        emulator,
        &["history", "prune", "--keep", "1", "--yes"],
    );
    assert!(
        prune.status.success(),
        "{}",
        String::from_utf8_lossy(&prune.stderr)
    );
    assert!(
        String::from_utf8_lossy(&prune.stdout).starts_with("Deleted 1 take, freed "),
        "{}",
        String::from_utf8_lossy(&prune.stdout)
    );
    let left = objects(&bucket);
    assert_eq!(left.len(), 2, "{left:?}");
    assert!(left.iter().any(|o| o.ends_with(&format!("{id}.json"))));
}

/// fake-gcs-server behind a proxy that refuses every upload of a take's
/// metadata (503), as a store failing mid-take would.
fn failing_store(rt: &tokio::runtime::Runtime) -> String {
    use axum::body::{Body, to_bytes};
    use axum::http::{Request, Response, StatusCode};
    let upstream = storage_support::host().to_string();
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let app = axum::Router::new().fallback(move |req: Request<Body>| {
        let upstream = upstream.clone();
        let http = http.clone();
        async move {
            let (parts, body) = req.into_parts();
            let body = to_bytes(body, usize::MAX).await.unwrap();
            let metadata = String::from_utf8_lossy(&body).contains(".json\"");
            if parts.uri.path().starts_with("/upload/") && metadata {
                return Response::builder()
                    .status(StatusCode::SERVICE_UNAVAILABLE)
                    .body(Body::from(
                        "{\"error\":{\"message\":\"backend unavailable\"}}",
                    ))
                    .unwrap();
            }
            let url = format!(
                "{upstream}{}",
                parts.uri.path_and_query().map_or("/", |p| p.as_str())
            );
            let mut forwarded = http.request(parts.method, url).body(body);
            for (k, v) in &parts.headers {
                if k != "host" {
                    forwarded = forwarded.header(k, v);
                }
            }
            let answer = forwarded.send().await.unwrap();
            let status = answer.status();
            let bytes = answer.bytes().await.unwrap();
            Response::builder()
                .status(status)
                .body(Body::from(bytes))
                .unwrap()
        }
    });
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    rt.spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

#[test]
fn a_store_failing_mid_upload_lists_no_half_take_and_keeps_the_paid_audio() {
    let rt = runtime();
    let fakes = fakes(&rt);
    let bucket = storage_support::bucket();
    let proxy = failing_store(&rt);
    let home = tempfile::tempdir().unwrap();
    let flags = gcp_flags(&fakes);
    let mut args: Vec<&str> = flags.iter().map(String::as_str).collect();
    args.extend(["generate", "-g", "rock", "-t", "We rise", "--yes"]);
    let made = cli(home.path(), &location(&bucket), &proxy, &args);
    let stderr = String::from_utf8_lossy(&made.stderr);
    assert!(!made.status.success(), "{stderr}");
    let spool = home
        .path()
        .join("data/music-gen/spool")
        .join(&bucket)
        .join(PREFIX);
    let kept = spooled(home.path(), &bucket);
    let wav: Vec<&PathBuf> = kept
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "wav"))
        .collect();
    assert_eq!(wav.len(), 1, "{kept:?}");
    assert_eq!(
        std::fs::read(wav[0]).unwrap(),
        audio(),
        "the paid audio, whole"
    );
    assert!(
        kept.iter()
            .any(|p| p.extension().is_some_and(|e| e == "json")),
        "its metadata beside it: {kept:?}"
    );
    assert!(
        stderr.contains(&format!("uploading the take to gs://{bucket}/{PREFIX}/"))
            && stderr.contains("HTTP 503")
            && stderr.contains(&format!("the take is kept at {}", wav[0].display()))
            && stderr.contains("the generation was billed"),
        "{stderr}"
    );
    assert!(spool.is_dir());
    // The audio uploaded before the metadata failed was removed: nothing
    // in the bucket, and nothing listed.
    assert_eq!(objects(&bucket), Vec::<String>::new());
    let reader = tempfile::tempdir().unwrap();
    let history = cli(
        reader.path(),
        &location(&bucket),
        storage_support::host(),
        &["history", "--json"],
    );
    let page: Value = serde_json::from_slice(&history.stdout).unwrap();
    assert_eq!(page["total"], 0, "{page}");
}

#[test]
fn config_and_doctor_say_where_takes_live_and_a_config_file_can_name_a_bucket() {
    let bucket = storage_support::bucket();
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config.toml");
    std::fs::write(&config, format!("output_dir = \"{}\"\n", location(&bucket))).unwrap();
    let run = |args: &[&str]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_music-gen"));
        vertex_support::isolate(&mut cmd, home.path());
        cmd.env_remove("MUSIC_GEN_OUTPUT_DIR")
            .env("MUSIC_GEN_CONFIG", &config)
            .env("MUSIC_GEN_PRESETS_DIR", home.path().join("presets"))
            .env("STORAGE_EMULATOR_HOST", storage_support::host())
            .env("XDG_CACHE_HOME", home.path().join("cache"))
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let out = run(&["config"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains(&format!(
            "output dir:    gs://{bucket}/{PREFIX}  (Cloud Storage emulator at {})",
            storage_support::host()
        )),
        "{text}"
    );
    let out = run(&["doctor"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!("output gs://{bucket}/{PREFIX} and presets")),
        "the folders check wrote and read in the bucket: {text}"
    );
    // The probe object is gone again.
    assert_eq!(objects(&bucket), Vec::<String>::new());
    // A simulated take from the config file's setting lands in the bucket.
    let out = run(&["generate", "-g", "rock", "-t", "x"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let names = objects(&bucket);
    assert_eq!(names.len(), 1, "{names:?}");
    assert!(names[0].ends_with("-rock.json"), "{names:?}");
    // A bad URL in the config file is one line naming it.
    std::fs::write(&config, "output_dir = \"gs://NO/x\"\n").unwrap();
    let out = run(&["history"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .starts_with("music-gen: output_dir in the config file: gs://NO/x: bucket names are"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn takes_go_to_an_s3_bucket_the_same_way() {
    use storage_support::Backend;
    let bucket = Backend::S3.bucket();
    let home = tempfile::tempdir().unwrap();
    let out = format!("s3://{bucket}/{PREFIX}");
    let run = |args: &[&str]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_music-gen"));
        vertex_support::isolate(&mut cmd, home.path());
        cmd.envs(Backend::S3.env())
            .env("MUSIC_GEN_OUTPUT_DIR", &out)
            .env("MUSIC_GEN_PRESETS_DIR", home.path().join("presets"))
            .env("XDG_CACHE_HOME", home.path().join("cache"))
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    for _ in 0..2 {
        let made = run(&["generate", "-g", "rock", "-t", "x", "--json"]);
        assert!(
            made.status.success(),
            "{}",
            String::from_utf8_lossy(&made.stderr)
        );
        let r: Value = serde_json::from_slice(&made.stdout).unwrap();
        let meta = r["metadata_path"].as_str().unwrap();
        assert!(meta.starts_with(&format!("{out}/")), "{r}");
    }
    let history = run(&["history", "--json"]);
    let page: Value = serde_json::from_slice(&history.stdout).unwrap();
    assert_eq!(page["total"], 2, "{page}");
    let prune = run(&["history", "prune", "--keep", "1", "--yes"]);
    assert!(
        prune.status.success(),
        "{}",
        String::from_utf8_lossy(&prune.stderr)
    );
    let rt = runtime();
    let left = rt
        .block_on(Backend::S3.client(&bucket).list(&format!("{PREFIX}/")))
        .unwrap();
    assert_eq!(left.len(), 1, "{left:?}");
}
