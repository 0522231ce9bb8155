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

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use batch_support::{FakeVertex, batch_file, tokens};
use vertex_support::Fakes;

struct Run {
    wall: Duration,
    /// User and system time of the whole process.
    cpu: Duration,
    max_rss_kib: i64,
    peak_in_flight: usize,
}

/// Runs a batch of `takes` with its outputs in `out_root` (a folder on disk,
/// or on tmpfs to leave the disk's flushes out).
fn run_batch(
    fakes: &Fakes,
    vertex: &FakeVertex,
    takes: usize,
    jobs: u16,
    name: &str,
    out_root: &Path,
) -> Run {
    let dir = fakes.dir.path();
    let file = dir.join(format!("{name}.yaml"));
    std::fs::write(&file, batch_file(takes)).unwrap();
    let out = out_root.join(format!("out-{name}"));
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
    let (status, cpu, max_rss_kib) = wait_with_rusage(pid);
    let wall = start.elapsed();
    assert_eq!(status, 0, "the batch failed");
    assert_eq!(vertex.requests() - before, takes);
    let report: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join(format!("{name}.batch-report.json"))).unwrap(),
    )
    .unwrap();
    assert_eq!(report["counts"]["done"], takes);
    let _ = std::fs::remove_dir_all(&out);
    Run {
        wall,
        cpu,
        max_rss_kib,
        peak_in_flight: report["peak_in_flight"].as_u64().unwrap() as usize,
    }
}

/// Waits for the child and returns its exit status, CPU time (user and
/// system) and max RSS (KiB).
fn wait_with_rusage(pid: u32) -> (i32, Duration, i64) {
    let mut status = 0;
    // SAFETY: zeroed rusage is a valid value; wait4 fills it for our child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::wait4(pid as i32, &mut status, 0, &mut usage) };
    assert_eq!(r, pid as i32);
    let time = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    (
        libc::WEXITSTATUS(status),
        time(usage.ru_utime) + time(usage.ru_stime),
        usage.ru_maxrss,
    )
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
        let r = run_batch(&fakes, &slow, 8, 8, "quick", fakes.dir.path());
        println!("batch bench (quick check): 8 takes in {:.2?}", r.wall);
        return;
    }
    println!("music-gen batch against a fake Vertex AI on 127.0.0.1");
    let ideal = Duration::from_millis(100 * 200 / 8);
    let mut walls = Vec::new();
    for i in 0..3 {
        let r = run_batch(
            &fakes,
            &slow,
            100,
            8,
            &format!("hundred-{i}"),
            fakes.dir.path(),
        );
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
    // On tmpfs the disk's flushes cost nothing: what is left is the
    // process's own work per take. /dev/shm will not do (output is refused
    // under /dev), so the bench takes a folder on a tmpfs of its own:
    // `mount -t tmpfs tmpfs /tmp/t && BATCH_BENCH_TMPFS=/tmp/t cargo bench --bench batch`.
    let mut places = vec![("disk", fakes.dir.path().to_path_buf())];
    match std::env::var_os("BATCH_BENCH_TMPFS") {
        Some(dir) => places.push(("tmpfs", dir.into())),
        None => println!("(no BATCH_BENCH_TMPFS: skipping the runs on tmpfs)"),
    }
    for (place, root) in &places {
        for takes in [100usize, 1000] {
            let name = format!("instant-{place}-{takes}");
            let r = run_batch(&fakes, &instant, takes, 8, &name, root);
            println!(
                "{takes} takes, --jobs 8, instant answers, output on {place}: {:.3} s ({:.2} ms per take, all included), CPU {:.2} ms per take (the whole process), max RSS {} KiB",
                r.wall.as_secs_f64(),
                r.wall.as_secs_f64() * 1000.0 / takes as f64,
                r.cpu.as_secs_f64() * 1000.0 / takes as f64,
                r.max_rss_kib
            );
        }
    }
}
