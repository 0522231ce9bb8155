//! The library of takes at scale: `music-gen history --limit 20` with 10 and
//! with 10,000 takes, a filter over all of them cold (no index) and warm,
//! and the memory the index takes; the terminal UI's first frame, and its
//! first frame showing the takes, with 10 and with 10,000 (the real binary
//! on a pseudo-terminal); then decoding for the waveform and levels (a 30 s
//! 48 kHz WAV, a 3-minute MP3 encoded with `lame` when it is on PATH), in
//! wall and CPU time. Prints numbers for docs/benchmarks.md
//! (`benches/audio.rs` measures the decoding with criterion too).
//!
//! ```sh
//! CARGO_TARGET_DIR=/work/wt/release-target cargo build --release --bin music-gen --example library_bench
//! /work/wt/release-target/release/examples/library_bench /work/wt/release-target/release/music-gen [history] [tui] [decode]
//! ```
//!
//! With no part named, all three run.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use music_gen::domain::cost;
use music_gen::domain::model::TrackConfig;
use music_gen::generate::result::OutputFile;
use music_gen::generate::{GenerationResult, GenerationSettings, Job, Mode, Status};
use music_gen::library::{INDEX_FILE, Library, NAMES_DIR, NAMES_FILE, Query};

const WORDS: [&str; 16] = [
    "night", "city", "lights", "river", "hold", "on", "we", "ride", "until", "dawn", "silver",
    "gold", "story", "heart", "fire", "rain",
];
const GENRES: [&str; 5] = ["rock", "jazz", "synthwave", "lo-fi hip hop", "folk"];

/// Writes `n` takes as music-gen writes them: metadata with the whole
/// track (about 100 words of lyrics), one WAV file each (empty: only its
/// presence is checked).
fn fill(dir: &Path, n: usize) {
    std::fs::create_dir_all(dir).unwrap();
    let base = 1_700_000_000i64;
    for i in 0..n {
        let lyrics: Vec<&str> = (0..100)
            .map(|k| WORDS[(i * 7 + k * 3) % WORDS.len()])
            .collect();
        let genre = GENRES[i % GENRES.len()];
        let mut track = TrackConfig::new(lyrics.join(" "), genre);
        track.seed = Some(i as u64);
        let mut job = Job::new(track, GenerationSettings::default());
        job.preset = Some("rock_anthem".into());
        let mut r = GenerationResult::for_job(
            &job,
            Status::Completed,
            String::new(),
            cost::vertex(music_gen::domain::model::Model::Lyria2, 1),
        );
        r.mode = Mode::Gcp;
        let t = time::OffsetDateTime::from_unix_timestamp(base + i as i64 * 60).unwrap();
        let fmt = time::macros::format_description!("[year][month][day]-[hour][minute][second]");
        let stem = format!("{}-{}", t.format(&fmt).unwrap(), genre.replace(' ', "-"));
        let wav = dir.join(format!("{stem}.wav"));
        std::fs::write(&wav, b"").unwrap();
        r.files.push(OutputFile {
            path: wav,
            mime_type: "audio/wav".into(),
            size_bytes: 5_760_044,
            sha256: "0".repeat(64),
            audio: None,
        });
        r.metadata_path = Some(dir.join(format!("{stem}.json")));
        std::fs::write(
            dir.join(format!("{stem}.json")),
            serde_json::to_vec_pretty(&r).unwrap(),
        )
        .unwrap();
    }
}

/// Median wall time of `runs` runs of the binary, and the largest peak RSS
/// (KiB) any of them had. `before` runs ahead of each (not timed).
fn time_binary(
    bin: &Path,
    dir: &Path,
    args: &[&str],
    runs: usize,
    before: &dyn Fn(),
) -> (Duration, i64) {
    let mut times = Vec::new();
    for _ in 0..runs {
        before();
        let start = Instant::now();
        let status = Command::new(bin)
            .env("MUSIC_GEN_OUTPUT_DIR", dir)
            .env("XDG_STATE_HOME", dir.join("../state"))
            .env("XDG_CONFIG_HOME", dir.join("../config"))
            .env("XDG_DATA_HOME", dir.join("../data"))
            .args(args)
            .stdout(Stdio::null())
            .status()
            .unwrap();
        times.push(start.elapsed());
        assert!(status.success());
    }
    times.sort();
    (times[runs / 2], children_max_rss())
}

/// Makes `dir` a library that has been there a while: its last change is
/// older than the library's settle time (2 s, `src/library/names.rs`) and
/// its names are kept (the first settled open makes the hidden folder
/// that keeps them, which changes the folder once more).
fn keep_names(dir: &Path) {
    for _ in 0..2 {
        let changed = std::fs::metadata(dir).unwrap().modified().unwrap();
        let age = changed.elapsed().unwrap_or_default();
        std::thread::sleep(Duration::from_millis(2500).saturating_sub(age));
        Library::open(dir).unwrap();
    }
    assert!(dir.join(NAMES_DIR).join(NAMES_FILE).is_file());
}

fn children_max_rss() -> i64 {
    // SAFETY: getrusage fills the struct it is given.
    unsafe {
        let mut u: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_CHILDREN, &mut u);
        u.ru_maxrss
    }
}

/// This process's resident memory in KiB.
fn rss_kib() -> i64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    let pages: i64 = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let bin = PathBuf::from(args.next().expect("the music-gen binary"));
    let parts: Vec<String> = args.collect();
    let part = |name: &str| parts.is_empty() || parts.iter().any(|p| p == name);
    let tmp = tempfile::tempdir().unwrap();
    let small = tmp.path().join("small/tracks");
    let large = tmp.path().join("large/tracks");
    if part("history") || part("tui") {
        fill(&small, 10);
        fill(&large, 10_000);
        println!("takes written: 10 and 10,000");
    }
    if part("history") {
        history(&bin, &small, &large);
    }
    if part("tui") {
        tui_frames(&bin, &small, &large);
    }
    if part("decode") {
        decode(tmp.path());
    }
}

fn history(bin: &Path, small: &Path, large: &Path) {
    let (bin, small, large) = (bin.to_path_buf(), small.to_path_buf(), large.to_path_buf());
    let runs = 21;
    let limit = ["history", "--limit", "20"];
    keep_names(&small);
    keep_names(&large);
    // One run each in turn, so both see the same machine; medians of 41.
    let (mut t_small, mut t_large) = (Vec::new(), Vec::new());
    for _ in 0..41 {
        t_small.push(time_binary(&bin, &small, &limit, 1, &|| {}).0);
        t_large.push(time_binary(&bin, &large, &limit, 1, &|| {}).0);
    }
    t_small.sort();
    t_large.sort();
    let (t_small, t_large) = (t_small[20], t_large[20]);
    println!(
        "history --limit 20: 10 takes {}, 10,000 takes {} (ratio {:.2})",
        ms(t_small),
        ms(t_large),
        t_large.as_secs_f64() / t_small.as_secs_f64()
    );
    // The first run after the folder changed: names read from the folder
    // (and kept for the next run).
    let forget = |dir: &Path| {
        let names = dir.join(NAMES_DIR).join(NAMES_FILE);
        move || {
            let _ = std::fs::remove_file(&names);
        }
    };
    let (s_small, _) = time_binary(&bin, &small, &limit, runs, &forget(&small));
    let (s_large, _) = time_binary(&bin, &large, &limit, runs, &forget(&large));
    println!(
        "history --limit 20, names not kept (the first run after a change): 10 takes {}, 10,000 takes {} (ratio {:.2})",
        ms(s_small),
        ms(s_large),
        s_large.as_secs_f64() / s_small.as_secs_f64()
    );

    let _ = std::fs::remove_file(large.join(INDEX_FILE));
    let (cold, _) = time_binary(
        &bin,
        &large,
        &["history", "--filter", "genre:jazz river"],
        1,
        &|| {},
    );
    let (warm, rss) = time_binary(
        &bin,
        &large,
        &["history", "--filter", "genre:jazz river"],
        runs,
        &|| {},
    );
    println!(
        "history --filter over 10,000: cold (no index) {}, warm {}; peak RSS of any run so far {} KiB",
        ms(cold),
        ms(warm),
        rss
    );
    let index = std::fs::metadata(large.join(INDEX_FILE)).unwrap().len();
    println!("index file: {:.1} MB", index as f64 / 1e6);

    // In process: what holding every summary costs (the filter's index
    // file changed the folder: its names are read).
    let before = rss_kib();
    let live_before = heap::live();
    let start = Instant::now();
    let mut lib = Library::open(&large).unwrap();
    let opened = start.elapsed();
    let page = lib.list(&Query::default());
    let listed = start.elapsed();
    let after = rss_kib();
    let live_both = heap::live();
    assert_eq!(page.takes.len(), 10_000);
    drop(page);
    let live_index = heap::live();
    let mb = |bytes: usize| bytes.saturating_sub(live_before) as f64 / 1e6;
    println!(
        "in process: open {} (names only), all 10,000 summaries from the index {}; \
         resident memory +{:.1} MB (index and the returned page); live heap: \
         the index {:.1} MB, with the returned page {:.1} MB",
        ms(opened),
        ms(listed),
        (after - before) as f64 / 1024.0,
        mb(live_index),
        mb(live_both)
    );
    let start = Instant::now();
    let page = lib.list(&Query {
        limit: Some(20),
        ..Query::default()
    });
    println!(
        "in process: newest 20 of an open library {}",
        ms(start.elapsed())
    );
    assert_eq!(page.takes.len(), 20);
}

/// Counts the bytes allocated and not yet freed, so the memory the index
/// holds is measured exactly (resident memory also counts what the
/// allocator keeps after a free, such as the index file's bytes once
/// parsed).
mod heap {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::sync::atomic::{AtomicUsize, Ordering};

    static LIVE: AtomicUsize = AtomicUsize::new(0);

    struct Counting;

    // SAFETY: every call is passed to the system allocator unchanged; the
    // counter only watches.
    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            LIVE.fetch_add(layout.size(), Ordering::Relaxed);
            // SAFETY: the caller's contract is System's.
            unsafe { System.alloc(layout) }
        }
        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            // SAFETY: as above.
            unsafe { System.dealloc(ptr, layout) }
        }
        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            LIVE.fetch_add(new_size, Ordering::Relaxed);
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            // SAFETY: as above.
            unsafe { System.realloc(ptr, layout, new_size) }
        }
    }

    #[global_allocator]
    static GLOBAL: Counting = Counting;

    /// Bytes allocated and not freed.
    pub fn live() -> usize {
        LIVE.load(Ordering::Relaxed)
    }
}

/// Median of 15 decodes of each file, in wall and in CPU time.
fn decode(dir: &Path) {
    #[path = "../tests/audio_support/mod.rs"]
    mod audio_support;
    let shape = |t: f64| 0.2 + 0.6 * (t * 0.7).sin().abs();
    let wav = dir.join("take.wav");
    audio_support::write_sine_wav(&wav, 48_000, 2, 30.0, shape);
    println!("analyze 30 s 48 kHz stereo WAV: {}", medians(&wav));
    let long = dir.join("long.wav");
    audio_support::write_sine_wav(&long, 48_000, 2, 180.0, shape);
    for kbps in ["128", "192"] {
        let mp3 = dir.join(format!("take-{kbps}.mp3"));
        let encoded = Command::new("lame")
            .args(["--quiet", "-b", kbps, "--resample", "48"])
            .arg(&long)
            .arg(&mp3)
            .status()
            .is_ok_and(|s| s.success());
        if !encoded {
            println!("lame is not on PATH: no MP3 timing");
            return;
        }
        println!(
            "analyze 3-minute {kbps} kbit/s 48 kHz stereo MP3: {}",
            medians(&mp3)
        );
    }
}

/// `12.3 ms (CPU 11.9 ms)`: the medians of 15 runs.
fn medians(path: &Path) -> String {
    let (mut wall, mut cpu): (Vec<Duration>, Vec<Duration>) = (0..15)
        .map(|_| {
            let (start, start_cpu) = (Instant::now(), process_cpu());
            std::hint::black_box(music_gen::audio::analyze(path).unwrap());
            (start.elapsed(), process_cpu() - start_cpu)
        })
        .unzip();
    wall.sort();
    cpu.sort();
    format!("{} (CPU {})", ms(wall[7]), ms(cpu[7]))
}

/// CPU time the process has used, on all its threads (an MP3 is decoded
/// on two).
fn process_cpu() -> Duration {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime fills the timespec it is given.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut t) };
    Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}

/// What one start of the terminal UI took, from the spawn.
struct Start {
    /// The end of the first frame (its synchronized update closed).
    first_frame: Duration,
    /// The end of the first frame that shows the library's newest take.
    takes_shown: Duration,
    /// The process's peak resident memory, KiB.
    max_rss_kib: i64,
    /// The CPU time (user and system) the process used from start to
    /// exit: start-up, the listing and quitting, since an idle UI uses
    /// none. Unlike wall time it hardly depends on what else the machine
    /// runs.
    cpu: Duration,
}

/// The real binary on a 100×30 pseudo-terminal, as a user starts it: the
/// time to its first frame and to the frame that lists the newest take
/// (seed `newest_seed`), then `q`.
fn start_tui(bin: &Path, dir: &Path, newest_seed: usize) -> Start {
    use std::io::{Read, Write};
    use std::os::fd::{FromRawFd, OwnedFd};
    use std::os::unix::process::CommandExt;

    let (mut master, slave) = {
        let (mut m, mut s) = (0, 0);
        let size = libc::winsize {
            ws_row: 30,
            ws_col: 100,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        // SAFETY: openpty writes two descriptors it opened; they are
        // owned here from then on.
        let rc = unsafe {
            libc::openpty(
                &mut m,
                &mut s,
                std::ptr::null_mut(),
                std::ptr::null(),
                &size,
            )
        };
        assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
        // SAFETY: both were just opened and are not owned elsewhere.
        unsafe { (std::fs::File::from_raw_fd(m), OwnedFd::from_raw_fd(s)) }
    };
    let mut cmd = Command::new(bin);
    cmd.env("MUSIC_GEN_OUTPUT_DIR", dir)
        .env("XDG_STATE_HOME", dir.join("../state"))
        .env("XDG_CONFIG_HOME", dir.join("../config"))
        .env("XDG_DATA_HOME", dir.join("../data"))
        .env("TERM", "xterm-256color")
        .stdin(slave.try_clone().unwrap())
        .stdout(slave.try_clone().unwrap())
        .stderr(slave);
    for var in [
        "MUSIC_GEN_MODE",
        "GOOGLE_APPLICATION_CREDENTIALS",
        "GOOGLE_CLOUD_PROJECT",
    ] {
        cmd.env_remove(var);
    }
    // SAFETY: only async-signal-safe calls between fork and exec: a new
    // session whose controlling terminal is the pseudo-terminal.
    unsafe {
        cmd.pre_exec(|| {
            libc::setsid();
            libc::ioctl(0, libc::TIOCSCTTY, 0);
            Ok(())
        });
    }
    let spawned = Instant::now();
    let mut child = cmd.spawn().unwrap();
    drop(cmd);

    const FRAME_END: &[u8] = b"\x1b[?2026l";
    let wanted = format!("seed {newest_seed}").into_bytes();
    let (mut seen, mut first_frame, mut takes_shown) = (Vec::new(), None, None);
    let mut buf = [0u8; 65536];
    while takes_shown.is_none() {
        let n = master.read(&mut buf).expect("the UI's output");
        assert!(n > 0, "the UI closed its terminal");
        seen.extend_from_slice(&buf[..n]);
        if seen.windows(FRAME_END.len()).any(|w| w == FRAME_END) {
            let now = spawned.elapsed();
            first_frame.get_or_insert(now);
            if seen.windows(wanted.len()).any(|w| w == wanted.as_slice()) {
                takes_shown = Some(now);
            }
        }
        assert!(
            spawned.elapsed() < Duration::from_secs(30),
            "no take shown in 30 s"
        );
    }
    master.write_all(b"q").unwrap();
    // Drain until the child closes the terminal, so it never blocks on a
    // full pseudo-terminal while quitting.
    let drain =
        std::thread::spawn(move || while matches!(master.read(&mut buf), Ok(n) if n > 0) {});
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let mut status = 0;
    // SAFETY: waits for our own child and fills the structs given.
    let pid = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as i32);
    let _ = child.try_wait();
    let _ = drain.join();
    Start {
        first_frame: first_frame.unwrap(),
        takes_shown: takes_shown.unwrap(),
        max_rss_kib: usage.ru_maxrss,
        cpu: timeval(usage.ru_utime) + timeval(usage.ru_stime),
    }
}

fn timeval(t: libc::timeval) -> Duration {
    Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000)
}

/// Medians of 15 starts each with 10 and with 10,000 takes, after one
/// start each that writes the built-in presets and the index.
fn tui_frames(bin: &Path, small: &Path, large: &Path) {
    let runs = 15;
    keep_names(small);
    keep_names(large);
    let measure = |dir: &Path, newest: usize| {
        start_tui(bin, dir, newest);
        let starts: Vec<Start> = (0..runs).map(|_| start_tui(bin, dir, newest)).collect();
        let median = |f: &dyn Fn(&Start) -> Duration| {
            let mut v: Vec<Duration> = starts.iter().map(f).collect();
            v.sort();
            v[runs / 2]
        };
        let rss = starts.iter().map(|s| s.max_rss_kib).max().unwrap();
        let times = [
            median(&|s| s.first_frame),
            median(&|s| s.takes_shown),
            median(&|s| s.cpu),
        ];
        (times, rss)
    };
    let ([small_first, small_shown, small_cpu], small_rss) = measure(small, 9);
    let ([large_first, large_shown, large_cpu], large_rss) = measure(large, 9_999);
    println!(
        "TUI first frame: 10 takes {}, 10,000 takes {} (ratio {:.2})",
        ms(small_first),
        ms(large_first),
        large_first.as_secs_f64() / small_first.as_secs_f64()
    );
    println!(
        "TUI first frame listing the newest take: 10 takes {}, 10,000 takes {} (ratio {:.2})",
        ms(small_shown),
        ms(large_shown),
        large_shown.as_secs_f64() / small_shown.as_secs_f64()
    );
    println!(
        "TUI CPU time, start to quit: 10 takes {}, 10,000 takes {} (ratio {:.2})",
        ms(small_cpu),
        ms(large_cpu),
        large_cpu.as_secs_f64() / small_cpu.as_secs_f64()
    );
    println!(
        "TUI peak RSS: 10 takes {:.1} MB, 10,000 takes {:.1} MB (+{:.1} MB)",
        small_rss as f64 / 1024.0,
        large_rss as f64 / 1024.0,
        (large_rss - small_rss) as f64 / 1024.0
    );
}
