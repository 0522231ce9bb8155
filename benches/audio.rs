//! Decoding for the waveform and levels: a 30 s 48 kHz stereo WAV (written
//! here) and a 3-minute MP3 (encoded here with LAME when `lame` is on PATH;
//! skipped with a note otherwise, since an encoder is needed only to make
//! it). `cargo bench --bench audio`; results in docs/benchmarks.md.

#[path = "../tests/audio_support/mod.rs"]
mod audio_support;

use std::hint::black_box;
use std::path::Path;
use std::process::Command;

use criterion::{Criterion, criterion_group, criterion_main};
use music_gen::audio::analyze;

/// A sine that swells and fades every few seconds, so the waveform has a
/// shape and the encoder has something to encode.
fn music_like(t: f64) -> f64 {
    0.2 + 0.6 * (t * 0.7).sin().abs()
}

fn bench_audio(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("take.wav");
    audio_support::write_sine_wav(&wav, 48_000, 2, 30.0, music_like);
    let info = analyze(&wav).unwrap().info;
    assert_eq!(info.duration_seconds, 30.0);
    c.bench_function("analyze/wav_30s_48k_stereo", |b| {
        b.iter(|| black_box(analyze(&wav).unwrap()))
    });

    let long_wav = dir.path().join("long.wav");
    let mp3 = dir.path().join("take.mp3");
    audio_support::write_sine_wav(&long_wav, 48_000, 2, 180.0, music_like);
    if encode_mp3(&long_wav, &mp3) {
        let info = analyze(&mp3).unwrap().info;
        assert!((info.duration_seconds - 180.0).abs() < 0.1, "{info:?}");
        c.bench_function("analyze/mp3_3min_48k_stereo_192k", |b| {
            b.iter(|| black_box(analyze(&mp3).unwrap()))
        });
    } else {
        eprintln!("lame is not on PATH: the MP3 benchmark is skipped");
    }
}

fn encode_mp3(wav: &Path, mp3: &Path) -> bool {
    Command::new("lame")
        .args(["--quiet", "-b", "192", "--resample", "48"])
        .arg(wav)
        .arg(mp3)
        .status()
        .is_ok_and(|s| s.success())
}

criterion_group!(benches, bench_audio);
criterion_main!(benches);
