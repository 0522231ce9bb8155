//! Fakes for the Vertex AI tests: an OAuth token endpoint and a Vertex
//! endpoint on 127.0.0.1, and a service-account file (with a throwaway key)
//! whose token_uri points at the fake. Nothing here can reach Google: every
//! key sets both the endpoint override and the credentials file.

// Each test binary uses its own subset of these helpers.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use music_gen::domain::model::{Model, TrackConfig};
use music_gen::generate::vertex::VertexGenerator;
use music_gen::generate::{
    GenerateError, GenerationResult, GenerationSettings, GeneratorKey, Job, Mode, OutputTarget,
    Progress, Stage,
};
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio_util::sync::CancellationToken;
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub const TOKEN: &str = "ya29.fake-access-token-for-tests";
pub const PROJECT: &str = "test-project";
pub const LYRIA2_PATH: &str =
    "/v1/projects/test-project/locations/us-central1/publishers/google/models/lyria-002:predict";
pub const LYRIA3_PATH: &str = "/v1beta1/projects/test-project/locations/global/interactions";

pub struct Fakes {
    pub oauth: MockServer,
    pub vertex: MockServer,
    pub dir: TempDir,
    pub credentials: PathBuf,
}

impl Fakes {
    /// Both servers, with no mock mounted yet.
    pub async fn start() -> Fakes {
        let oauth = MockServer::start().await;
        let vertex = MockServer::start().await;
        let dir = tempfile::tempdir().unwrap();
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/throwaway-test-service-account.json");
        let mut sa: Value = serde_json::from_slice(&std::fs::read(fixture).unwrap()).unwrap();
        sa["token_uri"] = json!(format!("{}/token", oauth.uri()));
        let credentials = dir.path().join("service-account.json");
        std::fs::write(&credentials, sa.to_string()).unwrap();
        Fakes {
            oauth,
            vertex,
            dir,
            credentials,
        }
    }

    /// The token endpoint, expected to be asked `times` times.
    pub async fn expect_token_requests(&self, times: impl Into<wiremock::Times>) {
        Mock::given(method("POST"))
            .and(path("/token"))
            .and(body_string_contains(
                "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer",
            ))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "access_token": TOKEN,
                "expires_in": 3600,
                "token_type": "Bearer",
            })))
            .expect(times)
            .mount(&self.oauth)
            .await;
    }

    pub fn key(&self, location: &str) -> GeneratorKey {
        GeneratorKey {
            mode: Mode::Gcp,
            project: Some(PROJECT.to_string()),
            location: location.to_string(),
            credentials: Some(self.credentials.clone()),
            endpoint: Some(self.vertex.uri()),
            quota_project: None,
        }
    }

    pub fn out_dir(&self) -> PathBuf {
        self.dir.path().join("tracks")
    }

    /// A job for `model` at the location it needs, writing into `out_dir`.
    pub fn job(&self, track: TrackConfig, model: Model) -> Job {
        let location = if model.requires_global() {
            "global"
        } else {
            "us-central1"
        };
        Job {
            track,
            settings: GenerationSettings {
                key: self.key(location),
                model,
                timeout: Duration::from_secs(30),
                max_attempts: 4,
                output: OutputTarget::Dir(self.out_dir()),
                name: None,
                limiter: None,
            },
            preset: None,
        }
    }

    pub fn presets_dir(&self) -> PathBuf {
        self.dir.path().join("presets")
    }
}

pub fn track() -> TrackConfig {
    TrackConfig::new("city lights and rain", "synthwave")
}

pub fn b64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// A made-up WAV: the bytes only have to come back unchanged.
pub fn fake_audio(tag: &str, len: usize) -> Vec<u8> {
    let mut v = b"RIFF".to_vec();
    v.extend(tag.bytes().cycle().take(len));
    v.extend((0..=255u8).cycle().take(len));
    v
}

pub fn predictions(audio: &[&[u8]]) -> ResponseTemplate {
    let predictions: Vec<Value> = audio
        .iter()
        .map(|a| json!({"bytesBase64Encoded": b64(a), "mimeType": "audio/wav"}))
        .collect();
    ResponseTemplate::new(200).set_body_json(json!({ "predictions": predictions }))
}

pub fn google_error(code: u16, status: &str, message: &str, details: Value) -> ResponseTemplate {
    ResponseTemplate::new(code).set_body_json(json!({
        "error": {"code": code, "message": message, "status": status, "details": details}
    }))
}

/// Collects progress messages.
pub fn progress() -> (Progress, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    let progress: Progress = Arc::new(move |s: Stage| sink.lock().unwrap().push(s.to_string()));
    (progress, seen)
}

/// Runs a job on a generator of its own whose retries wait 1 ms.
pub async fn generate(job: &Job) -> (Result<GenerationResult, GenerateError>, Vec<String>) {
    let generator = VertexGenerator::new(&job.settings.key)
        .unwrap()
        .with_retry_base(Duration::from_millis(1));
    let (progress, seen) = progress();
    let result = generator
        .generate(job, progress, CancellationToken::new())
        .await;
    let seen = seen.lock().unwrap().clone();
    (result, seen)
}

/// Every file under `dir`, sorted; a missing directory has none.
pub fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries.map(|e| e.unwrap().path()).collect(),
        Err(_) => Vec::new(),
    };
    files.sort();
    files
}

/// Fails if a secret shows up in `text`.
pub fn assert_no_secret(text: &str) {
    assert!(!text.contains(TOKEN), "the access token leaked: {text}");
    assert!(
        !text.contains("PRIVATE KEY"),
        "the private key leaked: {text}"
    );
}

/// A Vertex endpoint of our own, for what wiremock cannot do: drop a
/// connection mid-answer, stream without end. Each connection's request is
/// read (headers and body) and counted, then `answer` writes to the socket.
pub struct RawServer {
    pub uri: String,
    pub requests: Arc<std::sync::atomic::AtomicUsize>,
}

impl RawServer {
    pub async fn start<F, Fut>(answer: F) -> RawServer
    where
        F: Fn(tokio::net::TcpStream) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let uri = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let count = Arc::clone(&requests);
        let answer = Arc::new(answer);
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let count = Arc::clone(&count);
                let answer = Arc::clone(&answer);
                tokio::spawn(async move {
                    if read_request(&mut socket).await {
                        count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        answer(socket).await;
                    }
                });
            }
        });
        RawServer { uri, requests }
    }

    pub fn requests(&self) -> usize {
        self.requests.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// Reads one HTTP/1.1 request with a Content-Length body.
async fn read_request(socket: &mut tokio::net::TcpStream) -> bool {
    use tokio::io::AsyncReadExt;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let Ok(n) = socket.read(&mut chunk).await else {
            return false;
        };
        if n == 0 {
            return false;
        }
        buf.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buf);
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            if buf.len() >= end + 4 + length {
                return true;
            }
        }
    }
}

/// Writes `bytes` and closes the connection.
pub async fn write_and_close(mut socket: tokio::net::TcpStream, bytes: Vec<u8>) {
    use tokio::io::AsyncWriteExt;
    let _ = socket.write_all(&bytes).await;
    let _ = socket.shutdown().await;
}

/// The Resource Manager and Service Usage answers `music-gen doctor` reads,
/// served by the same fake as Vertex (one base URL for all Google APIs:
/// MUSIC_GEN_GOOGLE_API_BASE).
impl Fakes {
    /// GET /v1/projects/test-project answers `status` with `body`.
    pub async fn google_project(&self, status: u16, body: Value) {
        Mock::given(method("GET"))
            .and(path(format!("/v1/projects/{PROJECT}")))
            .respond_with(ResponseTemplate::new(status).set_body_json(body))
            .mount(&self.vertex)
            .await;
    }

    /// Service Usage's state of aiplatform.googleapis.com, or an error status.
    pub async fn google_vertex_api(&self, status: u16, state: &str) {
        Mock::given(method("GET"))
            .and(path(format!(
                "/v1/projects/{PROJECT}/services/aiplatform.googleapis.com"
            )))
            .respond_with(ResponseTemplate::new(status).set_body_json(json!({
                "name": "projects/123/services/aiplatform.googleapis.com",
                "state": state,
            })))
            .mount(&self.vertex)
            .await;
    }

    /// testIamPermissions answers that the caller holds `held`.
    pub async fn google_permissions(&self, held: &[&str]) {
        let body = if held.is_empty() {
            json!({})
        } else {
            json!({ "permissions": held })
        };
        Mock::given(method("POST"))
            .and(path(format!("/v1/projects/{PROJECT}:testIamPermissions")))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .mount(&self.vertex)
            .await;
    }

    /// Every Google answer of a healthy set-up.
    pub async fn google_all_well(&self, permission: &str) {
        self.google_project(
            200,
            json!({"projectId": PROJECT, "lifecycleState": "ACTIVE"}),
        )
        .await;
        self.google_vertex_api(200, "ENABLED").await;
        self.google_permissions(&[permission]).await;
    }
}

/// The binary as a user runs it, kept to `home` ([`isolate`]) and run
/// there without stdin: its presets in `home/presets`, its takes in `out`.
/// (Tests only: an example that serves these fakes has no binary to run.)
#[cfg(test)]
pub fn music_gen_in(home: &Path, out: &Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_music-gen"));
    isolate(&mut cmd, home);
    cmd.env("MUSIC_GEN_OUTPUT_DIR", out)
        .current_dir(home)
        .arg("--presets-dir")
        .arg(home.join("presets"))
        .stdin(std::process::Stdio::null());
    cmd
}

/// The binary against these fakes, in their folder.
#[cfg(test)]
impl Fakes {
    /// [`music_gen_in`] the fakes' folder; the mode, the credentials and
    /// the endpoint are the caller's to choose.
    pub fn music_gen(&self) -> std::process::Command {
        music_gen_in(self.dir.path(), &self.out_dir())
    }

    /// In gcp mode for the test project with the throwaway service account,
    /// Vertex AI at the fake.
    pub fn gcp(&self) -> std::process::Command {
        self.gcp_at(&self.vertex.uri())
    }

    /// As [`Fakes::gcp`], with Vertex AI at `endpoint` (another fake).
    pub fn gcp_at(&self, endpoint: &str) -> std::process::Command {
        let mut cmd = self.music_gen();
        cmd.args(["--mode", "gcp", "--project-id", PROJECT, "--credentials"])
            .arg(&self.credentials)
            .args(["--endpoint", endpoint]);
        cmd
    }
}

/// The runtime a test that runs the binary serves its fakes on.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap()
}

/// Pins everything the credential chain reads to the test's own folder, so
/// the machine's gcloud state, credentials and proxies never leak in: HOME,
/// CLOUDSDK_CONFIG (an empty gcloud folder), PATH (an empty folder: no
/// `gcloud` to run), the XDG folders, and no GOOGLE_* / proxy variables.
/// music-gen itself is run by its full path.
pub fn isolate(cmd: &mut std::process::Command, dir: &Path) {
    for var in [
        "GOOGLE_APPLICATION_CREDENTIALS",
        "GOOGLE_CLOUD_PROJECT",
        "GOOGLE_CLOUD_REGION",
        "GOOGLE_CLOUD_QUOTA_PROJECT",
        "MUSIC_GEN_MODE",
        "MUSIC_GEN_MODEL",
        "MUSIC_GEN_CONFIG",
        "MUSIC_GEN_API_KEY",
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
        "all_proxy",
        "NO_PROXY",
        "no_proxy",
    ] {
        cmd.env_remove(var);
    }
    let bin = dir.join("empty-path");
    std::fs::create_dir_all(&bin).unwrap();
    cmd.env("HOME", dir)
        .env("CLOUDSDK_CONFIG", dir.join("gcloud"))
        .env("PATH", &bin)
        .env("XDG_STATE_HOME", dir.join("state"))
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("XDG_DATA_HOME", dir.join("data"));
}
