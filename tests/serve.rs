//! `music-gen serve` as an attacker and an operator see it: hostile names,
//! oversized and deeply nested bodies, presets changed by another process,
//! the access log, the bind rules and signals.

mod serve_support;

use std::process::Command;
use std::time::Duration;

use serde_json::{Value, json};
use serve_support::{Launch, start};

#[test]
fn traversal_is_refused_encoded_or_not() {
    let s = start();
    std::fs::write(s.dir.path().join("secret.yaml"), "name: secret\ngenre: x\n").unwrap();
    for path in [
        "/presets/..%2Fsecret",
        "/presets/%2e%2e%2fsecret",
        "/presets/..%252Fsecret",
        "/presets/.hidden",
        "/prompt-tips?preset_name=..%2Fsecret",
    ] {
        let (status, body) = s.get(path);
        assert_eq!(status, 422, "{path}: {body}");
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("not allowed"),
            "{body}"
        );
    }
    let (status, _) = s.delete("/presets/..%2Fsecret");
    assert_eq!(status, 422);
    assert!(s.dir.path().join("secret.yaml").exists());
    let (status, body) = s.post("/presets", &json!({"name": "../evil", "genre": "x"}));
    assert_eq!(
        (status, body["errors"][0]["field"].clone()),
        (422, json!("body.name"))
    );
    let (status, body) = s.post(
        "/tracks/generate",
        &json!({"text_input": "t", "genre": "g", "preset_name": "../secret"}),
    );
    assert_eq!(
        (status, body["errors"][0]["field"].clone()),
        (422, json!("body.preset_name"))
    );
    assert!(!s.dir.path().join("evil.yaml").exists());
}

#[test]
fn oversized_garbage_and_deep_bodies_are_refused_and_serving_goes_on() {
    let s = start();
    let big = format!(
        "{{\"name\": \"x\", \"genre\": \"{}\"}}",
        "a".repeat(2 << 20)
    );
    // A declared length over the limit is answered from the headers alone,
    // before a byte of the body is read.
    let addr = s
        .url("/")
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let mut raw = std::net::TcpStream::connect(&addr).unwrap();
    std::io::Write::write_all(
        &mut raw,
        format!(
            "POST /presets HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\n\r\n",
            2 << 20
        )
        .as_bytes(),
    )
    .unwrap();
    raw.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let mut answer = Vec::new();
    let _ = std::io::Read::read_to_end(&mut raw, &mut answer);
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("limit is 1048576 bytes"), "{answer}");
    // Sent whole, the client sees that answer, or (when the answer and the
    // close come while it is still writing) a closed connection: nothing
    // past the limit is read either way.
    match s.http.post(s.url("/presets")).body(big).send() {
        Ok(r) => {
            assert_eq!(r.status().as_u16(), 413);
            assert!(r.text().unwrap().contains("limit is 1048576 bytes"));
        }
        Err(e) => assert!(e.is_request(), "{e:?}"),
    }
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let garbage = b"\xff\xfe{\x00not json".to_vec();
    for body in [
        deep.into_bytes(),
        garbage,
        b"{\"text_input\": \"t\", }".to_vec(),
    ] {
        let r = s
            .http
            .post(s.url("/tracks/generate"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .unwrap();
        assert_eq!(r.status().as_u16(), 422);
        let v: Value = r.json().unwrap();
        assert_eq!(v["errors"][0]["type"], "json_invalid", "{v}");
    }
    // A body without a Content-Type is not taken for JSON, as the Python
    // tool answers it (tests/fixtures/python_api has the other types).
    let r = s
        .http
        .post(s.url("/tracks/generate"))
        .body(r#"{"text_input": "t", "genre": "rock", "preset_name": "rock_anthem"}"#)
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);
    let v: Value = r.json().unwrap();
    assert_eq!(v["errors"][0]["field"], "body", "{v}");
    assert_eq!(v["errors"][0]["type"], "model_attributes_type", "{v}");
    // A client that claims a huge body and sends none is answered, not waited on.
    let raw = s.raw(
        b"POST /presets HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\nConnection: close\r\n\r\n",
        Duration::from_secs(10),
    );
    assert!(raw.starts_with("HTTP/1.1 413"), "{raw}");
    assert_eq!(s.get("/health").0, 200);
}

#[test]
fn a_preset_saved_by_another_process_shows_up_on_the_next_request() {
    let s = start();
    assert_eq!(s.get("/presets/night_drive").0, 404);
    let out = Command::new(env!("CARGO_BIN_EXE_music-gen"))
        .env("XDG_STATE_HOME", s.dir.path().join("state"))
        .arg("--presets-dir")
        .arg(s.presets_dir())
        .args([
            "presets",
            "save",
            "--name",
            "night_drive",
            "--genre",
            "synthwave",
        ])
        .args(["--description", "Neon and rain", "--tips", "Short lines."])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (_, list) = s.get("/presets");
    assert!(list.as_array().unwrap().iter().any(|p| p
        == &json!({"name": "night_drive", "genre": "synthwave", "description": "Neon and rain"})));
    assert_eq!(s.get("/presets/night_drive").1["genre"], "synthwave");
    assert_eq!(
        s.get("/prompt-tips?preset_name=night_drive").1,
        json!([{"preset_name": "night_drive", "genre": "synthwave", "tips": "Short lines."}])
    );
    std::fs::remove_file(s.presets_dir().join("night_drive.yaml")).unwrap();
    assert_eq!(s.get("/presets/night_drive").0, 404);
    assert!(
        !s.get("/config").1["presets_available"]
            .as_array()
            .unwrap()
            .contains(&json!("night_drive"))
    );
}

#[test]
fn access_log_has_a_line_per_request_and_never_the_key() {
    let key = "k3y-that-must-not-leak";
    let s = Launch::new().env("MUSIC_GEN_API_KEY", key).start();
    let r = s
        .http
        .get(s.url("/presets"))
        .header("X-API-Key", key)
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let r = s
        .http
        .get(s.url("/config?x=1"))
        .bearer_auth(key)
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(s.get("/presets").0, 401);
    assert_eq!(s.get("/openapi.json").0, 200);
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    let log = loop {
        let log = s.log();
        if log.matches("music_gen::access").count() >= 4 || std::time::Instant::now() > deadline {
            break log;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(log.contains("GET /presets 200"), "{log}");
    assert!(log.contains("GET /config 200"), "{log}");
    assert!(log.contains("GET /presets 401"), "{log}");
    assert!(!log.contains(key), "the key leaked into the log");
    assert!(!s.stderr().contains(key));
}

/// A take whose metadata cannot be read (broken JSON, 20 MB of it) is a
/// 422 that says which take and why (asking again will not help), never
/// the server's path, and the log has the whole error.
#[test]
fn an_unreadable_take_is_a_clear_error_in_the_answer_and_the_log() {
    let s = start();
    let out = s.output_dir();
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("20261130-120000-broken.json"), "{\"status\": oops").unwrap();
    let big = std::fs::File::create(out.join("20261130-120001-huge.json")).unwrap();
    big.set_len(20 << 20).unwrap();
    let cases = [
        ("20261130-120000-broken", "expected value at line 1"),
        ("20261130-120001-huge", "too large (over 16 MiB"),
    ];
    for (id, why) in cases {
        let (status, body) = s.get(&format!("/tracks/{id}"));
        assert_eq!(status, 422, "{body}");
        let detail = body["detail"].as_str().unwrap();
        assert!(
            detail.starts_with(&format!("Take {id}'s metadata cannot be read: "))
                && detail.contains(why),
            "{detail}"
        );
        assert!(!detail.contains(&*out.to_string_lossy()), "{detail}");
        assert_eq!(s.get(&format!("/tracks/{id}/audio")).0, 422);
    }
    // Listed, with the same reason, beside the other takes.
    let (status, page) = s.get("/tracks");
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["takes"][0]["state"]["state"], "unreadable", "{page}");
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    let log = loop {
        let log = s.log();
        if log.matches("a take could not be read").count() >= 4
            || std::time::Instant::now() > deadline
        {
            break log;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(
        log.contains("20261130-120000-broken.json: not a take's metadata: expected value"),
        "{log}"
    );
    assert!(
        log.contains("20261130-120001-huge.json: not a take's metadata: the file is too large"),
        "{log}"
    );
}

#[test]
fn openapi_describes_every_endpoint() {
    let s = start();
    let (status, doc) = s.get("/openapi.json");
    assert_eq!(status, 200);
    for path in [
        "/",
        "/health",
        "/config",
        "/presets",
        "/presets/{name}",
        "/prompt-tips",
        "/tracks/generate",
        "/tracks",
        "/tracks/{id}",
        "/tracks/{id}/audio",
        "/tracks/{id}/audio/{n}",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} missing");
    }
    let req = &doc["components"]["schemas"]["GenerateTrackRequest"];
    assert_eq!(req["properties"]["duration_seconds"]["maximum"], 240);
    assert!(
        req["required"]
            .as_array()
            .unwrap()
            .contains(&json!("text_input"))
    );
}

#[test]
fn sigterm_stops_a_quiet_server_with_status_0() {
    let mut s = start();
    assert_eq!(s.get("/health").0, 200);
    s.signal(libc::SIGTERM);
    assert_eq!(s.wait(Duration::from_secs(15)), Some(0));
    assert!(s.stderr().contains("stopped"), "{}", s.stderr());
}

#[test]
fn bind_rules() {
    let dir = tempfile::tempdir().unwrap();
    let run = |env: &[(&str, &str)], args: &[&str]| {
        let mut launch = Launch::new();
        for (k, v) in env {
            launch = launch.env(k, v);
        }
        let mut cmd = launch.command(&dir);
        cmd.arg("serve").args(args);
        cmd
    };
    // gcp on all interfaces without a key: refused before listening.
    let out = run(
        &[],
        &[
            "--mode",
            "gcp",
            "--project-id",
            "p",
            "--host",
            "0.0.0.0",
            "--port",
            "0",
        ],
    )
    .output()
    .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--allow-unauthenticated") && err.contains("MUSIC_GEN_API_KEY"),
        "{err}"
    );
    // simulate: a loud warning, then it serves. PORT alone means 0.0.0.0.
    let s = Launch::new()
        .env("PORT", "0")
        .in_dir(tempfile::tempdir().unwrap())
        .start();
    assert!(s.addr.starts_with("0.0.0.0:"), "{}", s.addr);
    assert!(s.stderr().contains("WARNING"), "{}", s.stderr());
    // A bad PORT names the variable.
    let out = run(&[("PORT", "http")], &[]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("PORT"));
}

/// A genre with control characters is accepted, as the Python tool's API
/// accepts any string there, and goes into the prompt as sent; the server
/// prints none of it raw (what it shows goes through JSON).
#[test]
fn a_genre_with_control_characters_is_accepted_as_the_python_api_does() {
    let s = start();
    let genre = "ro\u{1b}[31mck\u{7}\tpop\u{202e}";
    let (status, v) = s.post(
        "/tracks/generate",
        &serde_json::json!({"text_input": "la", "genre": genre, "structure": {}}),
    );
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["genre"], genre);
    let prompt = v["prompt"].as_str().unwrap();
    assert!(
        prompt.starts_with(&format!("Generate a {genre} music track")),
        "{prompt}"
    );
    assert!(!s.stderr().contains('\u{1b}'), "{}", s.stderr());
}
