//! `music-gen batch` against the tests' fake token and Vertex servers
//! (127.0.0.1; nothing reaches Google): wall time of 100 takes with
//! `--jobs 8` against a 200 ms answer beside the ideal 100 × 200 ms / 8, the
//! runner's own time per take, and the peak memory (max RSS) of the process
//! over 100 and 1,000 takes. A script that prints numbers, not criterion:
//! each run is seconds long and spawns the real binary.
//! `cargo bench --bench batch`; results in docs/benchmarks.md.

#[path = "../tests/batch_support/mod.rs"]
mod batch_support;
#[path = "../tests/vertex_support/mod.rs"]
mod vertex_support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use batch_support::{FakeVertex, batch_file, tokens};
use vertex_support::Fakes;

struct Run {
    wall: Duration,
    max_rss_kib: i64,
    peak_in_flight: usize,
}

fn run_batch(fakes: &Fakes, vertex: &FakeVertex, takes: usize, jobs: u16, name: &str) -> Run {
    let dir = fakes.dir.path();
    let file = dir.join(format!("{name}.yaml"));
    std::fs::write(&file, batch_file(takes)).unwrap();
    let out = dir.join(format!("out-{name}"));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_music-gen"));
    cmd.env_remove("MUSIC_GEN_CONFIG")
        .env("XDG_STATE_HOME", dir.join("state"))
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .arg("--presets-dir")
        .arg(fakes.presets_dir())
        .args(["--mode", "gcp", "--project-id", "test-project"])
        .arg("--credentials")
        .arg(&fakes.credentials)
        .arg("--endpoint")
        .arg(&vertex.uri)
        .arg("--output-dir")
        .arg(&out)
        .args(["batch", "--yes", "--json", "--jobs", &jobs.to_string()])
        .arg(&file)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let before = vertex.requests();
    let start = Instant::now();
    // Reaped by wait4, which also reports the child's peak memory.
    let pid = cmd.spawn().unwrap().id();
    let (status, max_rss_kib) = wait_with_rusage(pid);
    let wall = start.elapsed();
    assert_eq!(status, 0, "the batch failed");
    assert_eq!(vertex.requests() - before, takes);
    let report: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join(format!("{name}.batch-report.json"))).unwrap(),
    )
    .unwrap();
    assert_eq!(report["counts"]["done"], takes);
    Run {
        wall,
        max_rss_kib,
        peak_in_flight: report["peak_in_flight"].as_u64().unwrap() as usize,
    }
}

/// Waits for the child and returns its exit status and max RSS (KiB).
fn wait_with_rusage(pid: u32) -> (i32, i64) {
    let mut status = 0;
    // SAFETY: zeroed rusage is a valid value; wait4 fills it for our child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::wait4(pid as i32, &mut status, 0, &mut usage) };
    assert_eq!(r, pid as i32);
    (libc::WEXITSTATUS(status), usage.ru_maxrss)
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` runs this too,
    // and then only a quick check that it works.
    let quick = !std::env::args().any(|a| a == "--bench");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let fakes = rt.block_on(async {
        let fakes = Fakes::start().await;
        tokens(&fakes.oauth).await;
        fakes
    });
    let slow = rt.block_on(FakeVertex::start(Duration::from_millis(200), 0));
    let instant = rt.block_on(FakeVertex::start(Duration::ZERO, 0));
    if quick {
        let r = run_batch(&fakes, &slow, 8, 8, "quick");
        println!("batch bench (quick check): 8 takes in {:.2?}", r.wall);
        return;
    }
    println!("music-gen batch against a fake Vertex AI on 127.0.0.1");
    let ideal = Duration::from_millis(100 * 200 / 8);
    let mut walls = Vec::new();
    for i in 0..3 {
        let r = run_batch(&fakes, &slow, 100, 8, &format!("hundred-{i}"));
        walls.push(r.wall);
        println!(
            "100 takes, --jobs 8, 200 ms answers: {:.3} s (ideal {:.3} s, {:.3}×), peak in flight {}",
            r.wall.as_secs_f64(),
            ideal.as_secs_f64(),
            r.wall.as_secs_f64() / ideal.as_secs_f64(),
            r.peak_in_flight
        );
    }
    walls.sort();
    let median = walls[1];
    println!(
        "  median {:.3} s = {:.3}× the ideal; over the ideal per take: {:.2} ms of wall time, {:.2} ms per slot (× 8 in parallel)",
        median.as_secs_f64(),
        median.as_secs_f64() / ideal.as_secs_f64(),
        (median - ideal).as_secs_f64() * 1000.0 / 100.0,
        (median - ideal).as_secs_f64() * 1000.0 * 8.0 / 100.0,
    );
    for takes in [100usize, 1000] {
        let r = run_batch(&fakes, &instant, takes, 8, &format!("instant-{takes}"));
        println!(
            "{takes} takes, --jobs 8, instant answers: {:.3} s ({:.2} ms per take, all included), max RSS {} KiB",
            r.wall.as_secs_f64(),
            r.wall.as_secs_f64() * 1000.0 / takes as f64,
            r.max_rss_kib
        );
    }
}
