//! Two `music-gen serve` instances on one bucket (fake-gcs-server, and
//! moto for S3), as on Cloud Run: a preset saved through one is listed by
//! the other on the next request, and of 8 concurrent create-only saves of
//! one name through both, exactly one wins and the others get a clear 412.

use std::sync::{Arc, Barrier};

use serde_json::{Value, json};

mod serve_support;
#[macro_use]
mod storage_support;

use serve_support::{Launch, Server};
use storage_support::Backend;

/// A launch with the store's address and credentials.
fn on(b: Backend) -> Launch {
    b.env()
        .into_iter()
        .fold(Launch::new(), |launch, (k, v)| launch.env(k, &v))
}

fn instance(b: Backend, bucket: &str) -> Server {
    on(b)
        .env(
            "MUSIC_GEN_PRESETS_DIR",
            &format!("{}://{bucket}/shared/presets", b.scheme()),
        )
        .start()
}

fn preset(name: &str, description: &str) -> Value {
    json!({
        "name": name,
        "description": description,
        "genre": "rock",
        "structure": {"intro": true, "verse_count": 2, "chorus_count": 2, "bridge": false, "outro": true},
        "style_references": [],
        "temperature": 0.5,
        "tips": null
    })
}

fn listed(server: &Server) -> Vec<String> {
    let (status, body) = server.get("/presets");
    assert_eq!(status, 200, "{body}");
    body.as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect()
}

fn a_preset_saved_through_one_instance_is_listed_by_the_other(store: Backend) {
    let bucket = store.bucket();
    let a = instance(store, &bucket);
    let b = instance(store, &bucket);
    assert_eq!(listed(&a).len(), 5, "the built-ins, written once");
    assert!(!listed(&b).contains(&"shared_one".to_string()));
    let (status, body) = a.post("/presets", &preset("shared_one", "from a"));
    assert_eq!(status, 200, "{body}");
    assert!(listed(&b).contains(&"shared_one".to_string()));
    let (status, body) = b.get("/presets/shared_one");
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["description"], "from a");
    // A delete through b is seen by a.
    let (status, _) = b.delete("/presets/shared_one");
    assert_eq!(status, 200);
    assert!(!listed(&a).contains(&"shared_one".to_string()));
    let (status, _) = a.get("/presets/shared_one");
    assert_eq!(status, 404);
}

fn eight_concurrent_create_saves_through_two_instances_exactly_one_wins(b: Backend) {
    let bucket = b.bucket();
    let servers = Arc::new([instance(b, &bucket), instance(b, &bucket)]);
    let barrier = Arc::new(Barrier::new(8));
    let threads: Vec<_> = (0..8)
        .map(|i| {
            let servers = Arc::clone(&servers);
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                let server = &servers[i % 2];
                barrier.wait();
                let r = server
                    .http
                    .post(server.url("/presets"))
                    .header("If-None-Match", "*")
                    .json(&preset("contested", &format!("writer {i}")))
                    .send()
                    .unwrap();
                let status = r.status().as_u16();
                (i, status, r.json::<Value>().unwrap())
            })
        })
        .collect();
    let results: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let winners: Vec<_> = results.iter().filter(|(_, s, _)| *s == 200).collect();
    assert_eq!(winners.len(), 1, "{results:?}");
    for (_, status, body) in &results {
        if *status != 200 {
            assert_eq!(*status, 412, "{body}");
            assert_eq!(
                body["detail"],
                "Preset 'contested' already exists; If-None-Match: * saves only a new preset"
            );
        }
    }
    let (_, stored) = servers[1].get("/presets/contested");
    assert_eq!(stored["description"], format!("writer {}", winners[0].0));

    // Without the header a save replaces, as in the Python tool; any other
    // If-None-Match is refused rather than ignored.
    let (status, _) = servers[0].post("/presets", &preset("contested", "replaced"));
    assert_eq!(status, 200);
    let r = servers[0]
        .http
        .post(servers[0].url("/presets"))
        .header("If-None-Match", "\"abc\"")
        .json(&preset("other", "x"))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
}

fn a_missing_bucket_stops_the_server_with_one_line(b: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let launch = on(b).env(
        "MUSIC_GEN_PRESETS_DIR",
        &format!("{}://no-such-bucket-x/p", b.scheme()),
    );
    let out = launch
        .command(&dir)
        .args(["serve", "--port", "0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr.trim(),
        format!(
            "music-gen: presets: bucket {}://no-such-bucket-x does not exist, or these credentials cannot see it",
            b.scheme()
        )
    );
}

#[test]
fn a_bad_bucket_url_is_one_line_naming_the_setting() {
    let dir = tempfile::tempdir().unwrap();
    let out = Launch::new()
        .env("MUSIC_GEN_PRESETS_DIR", "gs://Bad_Bucket/p")
        .command(&dir)
        .args(["presets", "list"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("music-gen: MUSIC_GEN_PRESETS_DIR: gs://Bad_Bucket/p: bucket names are"),
        "{stderr}"
    );
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
}

fn cli(b: Backend, bucket: &str, dir: &tempfile::TempDir, args: &[&str]) -> std::process::Output {
    on(b)
        .env(
            "MUSIC_GEN_PRESETS_DIR",
            &format!("{}://{bucket}/cli", b.scheme()),
        )
        .command(dir)
        .args(args)
        .stdout(std::process::Stdio::piped())
        .output()
        .unwrap()
}

fn presets_save_no_replace_creates_only_and_config_and_doctor_show_the_bucket(b: Backend) {
    let bucket = b.bucket();
    let scheme = b.scheme();
    let dir = tempfile::tempdir().unwrap();
    let save = [
        "presets",
        "save",
        "--name",
        "mine",
        "--genre",
        "rock",
        "--no-replace",
    ];
    let out = cli(b, &bucket, &dir, &save);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("Saved preset mine to {scheme}://{bucket}/cli/mine.yaml\n")
    );
    let out = cli(b, &bucket, &dir, &save);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "music-gen: preset \"mine\" already exists; not replaced\n"
    );
    // The default still replaces.
    let out = cli(b, &bucket, &dir, &save[..6]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = cli(b, &bucket, &dir, &["config"]);
    let text = String::from_utf8_lossy(&out.stdout);
    let service = match b {
        Backend::Gcs => format!("Cloud Storage emulator at {}", storage_support::host()),
        Backend::S3 => format!(
            "S3-compatible store at {}, region us-east-1, with the AWS_* credentials",
            storage_support::moto()
        ),
    };
    assert!(
        text.contains(&format!(
            "presets dir:   {scheme}://{bucket}/cli  ({service})"
        )),
        "{text}"
    );
    assert!(text.contains("mine"), "{text}");

    // doctor writes, reads and removes a probe object there.
    let out = cli(b, &bucket, &dir, &["doctor"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!("presets {scheme}://{bucket}/cli writable")),
        "{text}"
    );
    let out = cli(b, "no-such-bucket-y", &dir, &["config"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "music-gen: presets: bucket {scheme}://no-such-bucket-y does not exist, or these credentials cannot see it\n"
        )
    );
    // doctor still runs its checks and reports the bucket as a failed one.
    let out = cli(b, "no-such-bucket-y", &dir, &["doctor"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains(&format!(
            "presets bucket {scheme}://no-such-bucket-y/cli: bucket {scheme}://no-such-bucket-y does not exist"
        )),
        "{text}"
    );
    assert!(
        text.contains("model & location"),
        "the other checks ran too: {text}"
    );

    // A bad bucket URL for takes: one line naming the setting, no folder
    // named gs: made.
    let out = Launch::new()
        .env("MUSIC_GEN_OUTPUT_DIR", "gs://Some_Bucket/takes")
        .command(&dir)
        .current_dir(dir.path())
        .args(["presets", "list"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .starts_with("music-gen: --output-dir / MUSIC_GEN_OUTPUT_DIR: gs://Some_Bucket/takes: bucket names are"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!dir.path().join("gs:").exists());
}

#[test]
fn the_config_file_can_put_presets_in_a_bucket_and_the_variable_wins_over_it() {
    let bucket = storage_support::bucket();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!("presets_dir = \"gs://{bucket}/from-config\"\n"),
    )
    .unwrap();
    let run = |args: &[&str], env_dir: Option<&str>| {
        let mut cmd = Launch::new()
            .env("STORAGE_EMULATOR_HOST", storage_support::host())
            .env("MUSIC_GEN_CONFIG", config.to_str().unwrap())
            .command(&dir);
        cmd.env_remove("MUSIC_GEN_PRESETS_DIR");
        if let Some(d) = env_dir {
            cmd.env("MUSIC_GEN_PRESETS_DIR", d);
        }
        cmd.args(args)
            .stdout(std::process::Stdio::piped())
            .output()
            .unwrap()
    };
    let save = ["presets", "save", "--name", "cfg", "--genre", "rock"];
    let out = run(&save, None);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("Saved preset cfg to gs://{bucket}/from-config/cfg.yaml\n"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let local = dir.path().join("local-presets");
    let out = run(&["presets", "list"], Some(local.to_str().unwrap()));
    assert!(out.status.success());
    assert!(!String::from_utf8_lossy(&out.stdout).contains("cfg"));
    std::fs::write(&config, "presets_dir = \"gs://NO/x\"\n").unwrap();
    let out = run(&["presets", "list"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .starts_with("music-gen: presets_dir in the config file: gs://NO/x: bucket names are"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

// Each test above, on each store.
on_every_store!(
    a_preset_saved_through_one_instance_is_listed_by_the_other,
    eight_concurrent_create_saves_through_two_instances_exactly_one_wins,
    a_missing_bucket_stops_the_server_with_one_line,
    presets_save_no_replace_creates_only_and_config_and_doctor_show_the_bucket,
);
