//! Runs the real `music-gen serve` on a free loopback port (`--port 0`; the
//! address is read from its first line on stderr) with its own presets,
//! output and log folders, and talks to it over HTTP.

// Each test binary uses its own subset of these helpers.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use tempfile::TempDir;

/// Variables that would change how the server runs; cleared for every test.
const CLEARED: [&str; 11] = [
    "MUSIC_GEN_MODE",
    "MUSIC_GEN_API_KEY",
    "MUSIC_GEN_MODEL",
    "MUSIC_GEN_OUTPUT_DIR",
    "MUSIC_GEN_PRESETS_DIR",
    "MUSIC_GEN_VERTEX_ENDPOINT",
    "MUSIC_GEN_LOG",
    "GOOGLE_CLOUD_PROJECT",
    "GOOGLE_CLOUD_REGION",
    "GOOGLE_APPLICATION_CREDENTIALS",
    "PORT",
];

pub struct Server {
    pub child: Child,
    pub base: String,
    pub addr: String,
    pub dir: TempDir,
    stderr: Arc<Mutex<String>>,
    pub http: reqwest::blocking::Client,
}

pub struct Launch {
    pub env: Vec<(String, String)>,
    pub args: Vec<String>,
    pub dir: Option<TempDir>,
    /// Start in the test's folder (to read a `.env` there).
    pub cwd: bool,
    /// Flags of `serve` itself, after it.
    pub serve_args: Vec<String>,
}

impl Launch {
    pub fn new() -> Launch {
        Launch {
            env: Vec::new(),
            args: Vec::new(),
            dir: None,
            cwd: false,
            serve_args: Vec::new(),
        }
    }

    pub fn serve_arg(mut self, a: &str) -> Launch {
        self.serve_args.push(a.to_string());
        self
    }

    pub fn args_from(mut self, args: &[&str]) -> Launch {
        self.args.extend(args.iter().map(|a| a.to_string()));
        self
    }

    /// Starts it with its folder as the current directory.
    pub fn start_in_its_dir(mut self) -> Server {
        self.cwd = true;
        self.start()
    }

    pub fn env(mut self, k: &str, v: &str) -> Launch {
        self.env.push((k.to_string(), v.to_string()));
        self
    }

    pub fn arg(mut self, a: impl Into<String>) -> Launch {
        self.args.push(a.into());
        self
    }

    pub fn in_dir(mut self, dir: TempDir) -> Launch {
        self.dir = Some(dir);
        self
    }

    pub fn command(&self, dir: &TempDir) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_music-gen"));
        for var in CLEARED {
            cmd.env_remove(var);
        }
        cmd.env("XDG_STATE_HOME", dir.path().join("state"))
            .env("MUSIC_GEN_OUTPUT_DIR", dir.path().join("tracks"))
            .env("MUSIC_GEN_PRESETS_DIR", dir.path().join("presets"))
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .args(&self.args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        if self.cwd {
            cmd.current_dir(dir.path());
        }
        cmd
    }

    /// Starts `music-gen [args] serve --port 0` and waits until it listens.
    pub fn start(mut self) -> Server {
        let dir = self
            .dir
            .take()
            .unwrap_or_else(|| tempfile::tempdir().unwrap());
        let mut cmd = self.command(&dir);
        cmd.args(["serve", "--port", "0"]).args(&self.serve_args);
        let mut child = cmd.spawn().expect("start music-gen serve");
        let stderr = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let sink = Arc::clone(&stderr);
        let pipe = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines() {
                let Ok(line) = line else { break };
                if let Some(rest) = line.split("listening on http://").nth(1) {
                    let addr = rest.split_whitespace().next().unwrap_or("").to_string();
                    let _ = tx.send(addr);
                }
                let mut s = sink.lock().unwrap();
                s.push_str(&line);
                s.push('\n');
            }
        });
        let addr = match rx.recv_timeout(Duration::from_secs(20)) {
            Ok(addr) => addr,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("music-gen serve did not start:\n{}", stderr.lock().unwrap());
            }
        };
        Server {
            child,
            base: format!("http://{addr}"),
            addr,
            dir,
            stderr,
            http: reqwest::blocking::Client::builder()
                .no_proxy()
                // A fresh connection per request: a server that closes one
                // after a 413 must not fail the next request.
                .pool_max_idle_per_host(0)
                .timeout(Duration::from_secs(60))
                .build()
                .unwrap(),
        }
    }
}

pub fn start() -> Server {
    Launch::new().start()
}

impl Server {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn get(&self, path: &str) -> (u16, Value) {
        answer(self.http.get(self.url(path)).send().unwrap())
    }

    pub fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        answer(self.http.post(self.url(path)).json(body).send().unwrap())
    }

    pub fn delete(&self, path: &str) -> (u16, Value) {
        answer(self.http.delete(self.url(path)).send().unwrap())
    }

    pub fn presets_dir(&self) -> PathBuf {
        self.dir.path().join("presets")
    }

    pub fn output_dir(&self) -> PathBuf {
        self.dir.path().join("tracks")
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("state/music-gen/music-gen.log"))
            .unwrap_or_default()
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Sends a signal to the server.
    pub fn signal(&self, sig: libc::c_int) {
        // SAFETY: kill only signals the child this test started.
        unsafe {
            libc::kill(self.child.id() as libc::pid_t, sig);
        }
    }

    /// Waits for the server to exit; its exit code.
    pub fn wait(&mut self, limit: Duration) -> Option<i32> {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            assert!(
                Instant::now() < deadline,
                "the server did not exit:\n{}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Writes `raw` on a fresh connection and reads until the server closes
    /// it (or `limit`); the raw answer.
    pub fn raw(&self, raw: &[u8], limit: Duration) -> String {
        let mut stream = TcpStream::connect(&self.addr).unwrap();
        stream.set_read_timeout(Some(limit)).unwrap();
        let _ = stream.write_all(raw);
        let mut out = Vec::new();
        let _ = stream.read_to_end(&mut out);
        String::from_utf8_lossy(&out).into_owned()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn answer(r: reqwest::blocking::Response) -> (u16, Value) {
    let status = r.status().as_u16();
    let text = r.text().unwrap();
    let body = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("not JSON ({e}), status {status}: {text:?}"));
    (status, body)
}
