//! The library of takes at scale: `music-gen history --limit 20` with 10 and
//! with 10,000 takes, a filter over all of them cold (no index) and warm,
//! and the memory the index takes; then decoding for the waveform and
//! levels (a 30 s 48 kHz WAV, a 3-minute MP3 encoded with `lame` when it
//! is on PATH). Prints numbers for docs/benchmarks.md (`benches/audio.rs`
//! measures the decoding with criterion too).
//!
//! ```sh
//! CARGO_TARGET_DIR=/work/wt/release-target cargo build --release --bin music-gen --example library_bench
//! /work/wt/release-target/release/examples/library_bench /work/wt/release-target/release/music-gen
//! ```

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use music_gen::domain::cost;
use music_gen::domain::model::TrackConfig;
use music_gen::generate::result::OutputFile;
use music_gen::generate::{GenerationResult, GenerationSettings, Job, Mode, Status};
use music_gen::library::{INDEX_FILE, Library, Query};

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
/// (KiB) any of them had.
fn time_binary(bin: &Path, dir: &Path, args: &[&str], runs: usize) -> (Duration, i64) {
    let mut times = Vec::new();
    for _ in 0..runs {
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
    let bin = PathBuf::from(std::env::args().nth(1).expect("the music-gen binary"));
    let tmp = tempfile::tempdir().unwrap();
    let small = tmp.path().join("small/tracks");
    let large = tmp.path().join("large/tracks");
    fill(&small, 10);
    fill(&large, 10_000);
    println!("takes written: 10 and 10,000");

    let runs = 21;
    let (t_small, _) = time_binary(&bin, &small, &["history", "--limit", "20"], runs);
    let (t_large, _) = time_binary(&bin, &large, &["history", "--limit", "20"], runs);
    println!(
        "history --limit 20: 10 takes {}, 10,000 takes {} (ratio {:.2})",
        ms(t_small),
        ms(t_large),
        t_large.as_secs_f64() / t_small.as_secs_f64()
    );

    let _ = std::fs::remove_file(large.join(INDEX_FILE));
    let (cold, _) = time_binary(
        &bin,
        &large,
        &["history", "--filter", "genre:jazz river"],
        1,
    );
    let (warm, rss) = time_binary(
        &bin,
        &large,
        &["history", "--filter", "genre:jazz river"],
        runs,
    );
    println!(
        "history --filter over 10,000: cold (no index) {}, warm {}; peak RSS of any run so far {} KiB",
        ms(cold),
        ms(warm),
        rss
    );
    let index = std::fs::metadata(large.join(INDEX_FILE)).unwrap().len();
    println!("index file: {:.1} MB", index as f64 / 1e6);

    // In process: what holding every summary costs.
    let before = rss_kib();
    let start = Instant::now();
    let mut lib = Library::open(&large).unwrap();
    let opened = start.elapsed();
    let page = lib.list(&Query::default());
    let listed = start.elapsed();
    let after = rss_kib();
    assert_eq!(page.takes.len(), 10_000);
    println!(
        "in process: open {} (names only), all 10,000 summaries from the index {}; \
         resident memory +{:.1} MB (index and the returned page)",
        ms(opened),
        ms(listed),
        (after - before) as f64 / 1024.0
    );
    drop(page);
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

    decode(tmp.path());
}

/// Median of 15 decodes of each file.
fn decode(dir: &Path) {
    #[path = "../tests/audio_support/mod.rs"]
    mod audio_support;
    let shape = |t: f64| 0.2 + 0.6 * (t * 0.7).sin().abs();
    let wav = dir.join("take.wav");
    audio_support::write_sine_wav(&wav, 48_000, 2, 30.0, shape);
    println!("analyze 30 s 48 kHz stereo WAV: {}", ms(median(&wav)));
    let long = dir.join("long.wav");
    let mp3 = dir.join("take.mp3");
    audio_support::write_sine_wav(&long, 48_000, 2, 180.0, shape);
    let encoded = Command::new("lame")
        .args(["--quiet", "-b", "192", "--resample", "48"])
        .arg(&long)
        .arg(&mp3)
        .status()
        .is_ok_and(|s| s.success());
    if encoded {
        println!("analyze 3-minute 192 kbit/s MP3: {}", ms(median(&mp3)));
    } else {
        println!("lame is not on PATH: no MP3 timing");
    }
}

fn median(path: &Path) -> Duration {
    let mut times: Vec<Duration> = (0..15)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(music_gen::audio::analyze(path).unwrap());
            start.elapsed()
        })
        .collect();
    times.sort();
    times[7]
}
