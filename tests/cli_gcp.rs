//! `music-gen generate --mode gcp` through the real binary, against the fake
//! token and Vertex servers: the summary, the files, Ctrl-C.

mod vertex_support;

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use vertex_support::{
    Fakes, LYRIA2_PATH, LYRIA3_PATH, b64, fake_audio, files_in, predictions, runtime,
};
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn lyria2_summary_names_the_audio_and_metadata() {
    let rt = runtime();
    let audio = fake_audio("cli", 2048);
    let fakes = rt.block_on(async {
        let fakes = Fakes::start().await;
        fakes.expect_token_requests(1).await;
        Mock::given(method("POST"))
            .and(path(LYRIA2_PATH))
            .respond_with(predictions(&[&audio]))
            .expect(1)
            .mount(&fakes.vertex)
            .await;
        fakes
    });
    let out = fakes
        .gcp()
        .args(["generate", "-p", "rock_anthem", "-t", "We rise", "--yes"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let files = files_in(&fakes.out_dir());
    assert_eq!(files.len(), 2, "{files:?}");
    let wav = files
        .iter()
        .find(|p| p.extension().unwrap() == "wav")
        .unwrap();
    let json = files
        .iter()
        .find(|p| p.extension().unwrap() == "json")
        .unwrap();
    assert_eq!(std::fs::read(wav).unwrap(), audio);
    assert!(
        stdout.contains("Status:       completed (gcp mode)"),
        "{stdout}"
    );
    assert!(stdout.contains("Model:        lyria-002"), "{stdout}");
    assert!(
        stdout.contains(&format!("Audio:        {}", wav.display())),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("Metadata:     {}", json.display())),
        "{stdout}"
    );
    assert!(stdout.contains("Cost estimate: $0.0600"), "{stdout}");
    // Progress goes to stderr, never a secret.
    let stderr = text(&out.stderr);
    assert!(stderr.contains("getting an access token"), "{stderr}");
    vertex_support::assert_no_secret(&stderr);
    vertex_support::assert_no_secret(&stdout);
    rt.block_on(fakes.oauth.verify());
}

#[test]
fn lyria3_json_result_carries_text_and_files() {
    let rt = runtime();
    let fakes = rt.block_on(async {
        let fakes = Fakes::start().await;
        fakes.expect_token_requests(1).await;
        Mock::given(method("POST"))
            .and(path(LYRIA3_PATH))
            .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "status": "completed",
                "outputs": [
                    {"type": "text", "text": "[Verse 1]\nWe rise"},
                    {"type": "audio", "mime_type": "audio/mpeg", "data": b64(b"ID3-song")}
                ]
            })))
            .expect(1)
            .mount(&fakes.vertex)
            .await;
        fakes
    });
    let target = fakes.dir.path().join("songs/anthem.wav");
    let out = fakes
        .gcp()
        .args(["--location", "global", "--model", "lyria-3-pro-preview"])
        .args([
            "generate", "-g", "rock", "-t", "We rise", "--yes", "--json", "-o",
        ])
        .arg(&target)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mp3 = fakes.dir.path().join("songs/anthem.mp3");
    assert_eq!(v["status"], "completed");
    assert_eq!(v["model"], "lyria-3-pro-preview");
    assert_eq!(v["text"], "[Verse 1]\nWe rise");
    assert_eq!(v["files"][0]["path"], mp3.to_str().unwrap());
    assert_eq!(v["cost_estimate"]["estimated_total_usd"], 0.08);
    assert_eq!(std::fs::read(&mp3).unwrap(), b"ID3-song");
    assert!(fakes.dir.path().join("songs/anthem.json").is_file());
    assert!(!target.exists(), "the extension follows the mime type");
}

/// Starts a Lyria 2 generation whose answer takes `delay`, and returns once
/// the request is at the fake, with the child's stderr as a line channel.
fn start_slow_generation(
    delay: Duration,
) -> (
    tokio::runtime::Runtime,
    Fakes,
    std::process::Child,
    std::sync::mpsc::Receiver<String>,
) {
    let rt = runtime();
    let fakes = rt.block_on(async {
        let fakes = Fakes::start().await;
        fakes.expect_token_requests(1).await;
        Mock::given(method("POST"))
            .and(path(LYRIA2_PATH))
            .respond_with(predictions(&[b"RIFF-late"]).set_delay(delay))
            .expect(1)
            .mount(&fakes.vertex)
            .await;
        fakes
    });
    let mut child = fakes
        .gcp()
        .args(["generate", "-g", "rock", "-t", "x", "--yes"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufRead::lines(std::io::BufReader::new(stderr)) {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let received = rt
            .block_on(fakes.vertex.received_requests())
            .unwrap_or_default();
        if !received.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the request never reached the fake"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    (rt, fakes, child, lines)
}

fn interrupt(child: &std::process::Child, signal: i32) {
    // SAFETY: kill only sends a signal to the child we spawned.
    unsafe {
        libc::kill(child.id() as libc::pid_t, signal);
    }
}

/// Reads stderr lines until one contains `want`; returns all read.
fn stderr_until(lines: &std::sync::mpsc::Receiver<String>, want: &str) -> String {
    let mut seen = String::new();
    while let Ok(line) = lines.recv_timeout(Duration::from_secs(15)) {
        seen.push_str(&line);
        seen.push('\n');
        if line.contains(want) {
            return seen;
        }
    }
    panic!("{want:?} never came on stderr: {seen}");
}

/// Ctrl-C while the paid request is in flight: the first press warns and
/// keeps waiting, the second cancels: exit 130, no file anywhere.
#[test]
fn ctrl_c_twice_cancels_a_paid_request_and_leaves_no_file() {
    let (_rt, fakes, child, lines) = start_slow_generation(Duration::from_secs(60));
    interrupt(&child, libc::SIGINT);
    let warned = stderr_until(&lines, "Press Ctrl-C again");
    assert!(warned.contains("may already be making this generation, and billing it"));
    interrupt(&child, libc::SIGINT);
    let rest = stderr_until(&lines, "cancelled");
    assert!(rest.contains("may have been billed"), "{rest}");
    let out: Output = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130));
    assert!(files_in(&fakes.out_dir()).is_empty());
}

/// `kill` and a dropped SSH session cancel at once, even with the request
/// sent: exit 128 + n, no file and no temporary file left.
#[test]
fn sigterm_and_sighup_cancel_and_leave_no_file() {
    for signal in [libc::SIGTERM, libc::SIGHUP] {
        let (_rt, fakes, child, lines) = start_slow_generation(Duration::from_secs(60));
        interrupt(&child, signal);
        let rest = stderr_until(&lines, "cancelled");
        assert!(rest.contains("may have been billed"), "{rest}");
        let out: Output = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(128 + signal));
        assert!(files_in(&fakes.out_dir()).is_empty());
    }
}

/// One Ctrl-C, then the audio arrives: it is kept.
#[test]
fn audio_arriving_after_one_ctrl_c_is_kept() {
    let (_rt, fakes, child, lines) = start_slow_generation(Duration::from_secs(2));
    interrupt(&child, libc::SIGINT);
    stderr_until(&lines, "Press Ctrl-C again");
    let out: Output = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let files = files_in(&fakes.out_dir());
    let wav = files
        .iter()
        .find(|p| p.extension().unwrap() == "wav")
        .expect("the audio was kept");
    assert_eq!(std::fs::read(wav).unwrap(), b"RIFF-late");
}

/// A panic inside a generation fails it with a message; the CLI does not
/// hang and prints no backtrace.
#[test]
fn a_panicking_generation_fails_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_music-gen"))
        .env("MUSIC_GEN_TEST_PANIC_IN_GENERATION", "1")
        .env("XDG_STATE_HOME", dir.path().join("state"))
        .arg("--presets-dir")
        .arg(dir.path().join("presets"))
        .args(["--mode", "simulate", "generate", "-g", "rock", "-t", "x"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("internal error"), "{err}");
    assert!(err.contains("MUSIC_GEN_TEST_PANIC_IN_GENERATION"), "{err}");
    assert!(!err.contains("panicked at"), "{err}");
}

#[test]
fn setup_problems_are_reported_before_any_request() {
    let rt = runtime();
    let fakes = rt.block_on(async {
        let fakes = Fakes::start().await;
        fakes.expect_token_requests(0).await;
        fakes
    });
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_music-gen"));
    let out = cmd
        .env_remove("GOOGLE_CLOUD_PROJECT")
        .env("XDG_STATE_HOME", fakes.dir.path().join("state"))
        .arg("--presets-dir")
        .arg(fakes.presets_dir())
        .args(["--mode", "gcp", "--credentials"])
        .arg(&fakes.credentials)
        .arg("--endpoint")
        .arg(fakes.vertex.uri())
        .args(["generate", "-g", "rock", "-t", "x", "--yes"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("--project-id"), "{err}");

    let out = fakes
        .gcp()
        .args(["--model", "lyria-3-clip-preview"])
        .args(["generate", "-g", "rock", "-t", "x", "--yes"])
        .output()
        .unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("--location global"), "{err}");
    assert!(
        rt.block_on(fakes.vertex.received_requests())
            .unwrap_or_default()
            .is_empty()
    );
    rt.block_on(fakes.oauth.verify());
}

#[test]
fn a_timeout_past_the_maximum_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_music-gen"))
        .env("XDG_STATE_HOME", dir.path().join("state"))
        .arg("--presets-dir")
        .arg(dir.path().join("presets"))
        .args(["--timeout", "18446744073709551615"])
        .args(["generate", "-g", "rock", "-t", "x"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--timeout: must be 1 to 3600 seconds"),
        "{err}"
    );
}
