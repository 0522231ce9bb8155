//! Preset listing at scale and prompt building.
//!
//! `cargo bench --bench presets`. The listing benches use a folder of 10,000
//! presets (plus the five built-ins); the Python tool took about 14 s to list
//! that many. Results are recorded in docs/benchmarks.md.

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use music_gen::domain::model::{PresetConfig, StyleReference, TrackConfig};
use music_gen::domain::preset_yaml::to_yaml;
use music_gen::domain::presets::PresetStore;
use music_gen::domain::prompt::build_prompt;

const PRESETS: usize = 10_000;

fn preset(i: usize, genre: &str) -> PresetConfig {
    let mut track = TrackConfig::new("", genre);
    track.style_references = vec![
        StyleReference {
            kind: "style".into(),
            value: format!("style number {i}"),
        },
        StyleReference {
            kind: "sound".into(),
            value: "guitars, drums and a choir".into(),
        },
    ];
    PresetConfig::from_track(
        format!("preset_{i:05}"),
        Some(format!("Benchmark preset {i}")),
        Some("Keep the lyrics short and the hooks memorable.".into()),
        &track,
    )
}

fn fill(dir: &Path) {
    for i in 0..PRESETS {
        let p = preset(i, "rock");
        std::fs::write(dir.join(format!("{}.yaml", p.name)), to_yaml(&p)).unwrap();
    }
}

fn open(dir: &Path) -> PresetStore {
    PresetStore::open(dir).unwrap().0
}

fn listing(c: &mut Criterion) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    fill(dir);
    assert_eq!(open(dir).list().unwrap().len(), PRESETS + 5);

    let mut g = c.benchmark_group("list_10000");
    g.sample_size(10);
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(5));

    // A fresh store: one directory scan, then every file read and parsed.
    g.bench_function("cold", |b| {
        b.iter(|| {
            let mut store = open(dir);
            black_box(store.list().unwrap())
        })
    });

    // The same store again with nothing changed: one scan, one stat per
    // file, nothing parsed.
    let mut warm = open(dir);
    warm.list().unwrap();
    g.bench_function("warm", |b| b.iter(|| black_box(warm.list().unwrap())));
    let parsed = warm.files_parsed();
    assert_eq!(parsed, (PRESETS + 5) as u64, "a warm listing parsed files");

    // Another process replaces one preset between listings (not timed);
    // the listing re-reads that file only.
    let mut other = open(dir);
    let mut flip = false;
    g.bench_function("one_changed", |b| {
        b.iter_batched(
            || {
                flip = !flip;
                let p = preset(42, if flip { "jazz" } else { "rock" });
                other.save(&p, true).unwrap();
            },
            |()| black_box(warm.list().unwrap()),
            BatchSize::PerIteration,
        )
    });
    let reparsed = warm.files_parsed() - parsed;
    assert!(reparsed > 0);

    // Save one preset and list: the atomic write (with its fsync) plus a
    // listing that re-reads the saved file.
    let mut n = 0u64;
    g.bench_function("save_and_list", |b| {
        b.iter(|| {
            n += 1;
            let mut p = preset(7, "rock");
            p.description = Some(format!("saved {n} times"));
            warm.save(&p, true).unwrap();
            black_box(warm.list().unwrap())
        })
    });
    g.finish();
}

fn prompts(c: &mut Criterion) {
    let mut typical = TrackConfig::new(
        "Under neon lights we run\nChasing echoes of the sun\n".repeat(4),
        "synthwave",
    );
    typical.style_references = vec![
        StyleReference {
            kind: "style".into(),
            value: "80s synthwave".into(),
        },
        StyleReference {
            kind: "sound".into(),
            value: "analog synths and gated drums".into(),
        },
    ];
    let mut longest = typical.clone();
    longest.text_input = "é".repeat(10_000);
    longest.structure.verse_count = 5;
    longest.structure.chorus_count = 4;

    let mut g = c.benchmark_group("build_prompt");
    g.measurement_time(Duration::from_secs(3));
    g.bench_function("typical", |b| {
        b.iter(|| black_box(build_prompt(black_box(&typical))))
    });
    g.bench_function("10000_chars", |b| {
        b.iter(|| black_box(build_prompt(black_box(&longest))))
    });
    g.finish();
}

criterion_group!(benches, listing, prompts);
criterion_main!(benches);
