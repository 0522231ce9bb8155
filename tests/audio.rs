//! Decoding real audio made by the tests (a generated sine WAV) and a small
//! committed MP3 (tests/fixtures/make-sine-mp3.sh made it): measured
//! duration, levels and the waveform's shape.

mod audio_support;

use std::path::{Path, PathBuf};

use audio_support::write_sine_wav;
use music_gen::audio::{AudioError, AudioFormat, SILENCE_DBFS, analyze};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn close(actual: f64, expected: f64, tolerance: f64) {
    assert!(
        (actual - expected).abs() <= tolerance,
        "{actual} is not within {tolerance} of {expected}"
    );
}

#[test]
fn a_sine_wav_measures_its_length_and_levels() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sine.wav");
    write_sine_wav(&path, 48_000, 2, 30.0, |_| 0.5);
    let a = analyze(&path).unwrap();
    assert_eq!(a.info.format, AudioFormat::Wav);
    assert_eq!(a.info.sample_rate, 48_000);
    assert_eq!(a.info.channels, 2);
    assert_eq!(a.info.duration_seconds, 30.0);
    // A sine of amplitude 0.5 peaks at −6.02 dBFS; its RMS is 3.01 dB lower.
    close(a.info.peak_dbfs, -6.02, 0.01);
    close(a.info.rms_dbfs, -9.03, 0.01);
    // One peak per 10 ms.
    assert_eq!(a.waveform.peaks.len(), 3000);
    close(a.waveform.block_seconds, 0.01, 1e-9);
}

#[test]
fn a_short_mono_wav_at_another_rate() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("short.wav");
    write_sine_wav(&path, 44_100, 1, 1.5, |_| 1.0);
    let a = analyze(&path).unwrap();
    assert_eq!((a.info.sample_rate, a.info.channels), (44_100, 1));
    assert_eq!(a.info.duration_seconds, 1.5);
    close(a.info.peak_dbfs, 0.0, 0.01);
    assert_eq!(
        a.info.describe(),
        "1.5 s, WAV 44.1 kHz mono, peak 0.0 dBFS, RMS -3.0 dBFS"
    );
}

#[test]
fn the_louder_half_shows_higher_peaks() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ramp.wav");
    write_sine_wav(&path, 48_000, 2, 4.0, |t| if t < 2.0 { 0.1 } else { 0.8 });
    let cols = analyze(&path).unwrap().waveform.columns(40);
    assert_eq!(cols.len(), 40);
    let (quiet, loud) = cols.split_at(20);
    let quiet_max = quiet.iter().copied().fold(0.0, f32::max);
    let loud_min = loud.iter().copied().fold(1.0, f32::min);
    assert!(quiet_max < 0.11, "quiet half peaks at {quiet_max}");
    assert!(loud_min > 0.79, "loud half dips to {loud_min}");
}

#[test]
fn silence_reads_as_the_floor() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("silence.wav");
    write_sine_wav(&path, 8_000, 1, 0.5, |_| 0.0);
    let a = analyze(&path).unwrap();
    assert_eq!(a.info.peak_dbfs, SILENCE_DBFS);
    assert_eq!(a.info.rms_dbfs, SILENCE_DBFS);
    assert!(a.info.describe().contains("peak silent dBFS"));
}

#[test]
fn the_committed_mp3_decodes_with_its_real_length_and_shape() {
    let a = analyze(&fixture("sine-quiet-loud.mp3")).unwrap();
    assert_eq!(a.info.format, AudioFormat::Mp3);
    assert_eq!((a.info.sample_rate, a.info.channels), (48_000, 2));
    // LAME's delay and padding are trimmed: 2 s of sine in, 2 s out.
    close(a.info.duration_seconds, 2.0, 0.03);
    close(a.info.peak_dbfs, -1.94, 0.3); // amplitude 0.8
    let cols = a.waveform.columns(10);
    let quiet_max = cols[1..4].iter().copied().fold(0.0, f32::max);
    let loud_min = cols[6..9].iter().copied().fold(1.0, f32::min);
    assert!(
        quiet_max < 0.2 && loud_min > 0.7,
        "quiet {quiet_max}, loud {loud_min}"
    );
}

#[test]
fn what_is_not_audio_gets_an_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("gone.wav");
    let err = analyze(&missing).unwrap_err();
    assert!(matches!(err, AudioError::Io { .. }), "{err:?}");
    assert!(err.to_string().contains("gone.wav"));

    let text = dir.path().join("notes.wav");
    std::fs::write(&text, "these are lyrics, not audio\n".repeat(50)).unwrap();
    let err = analyze(&text).unwrap_err();
    assert!(matches!(err, AudioError::Unsupported { .. }), "{err:?}");
    assert!(err.to_string().contains("notes.wav: not audio"), "{err}");

    let empty = dir.path().join("empty.wav");
    write_sine_wav(&empty, 48_000, 2, 0.0, |_| 0.5);
    let err = analyze(&empty).unwrap_err();
    assert!(err.to_string().contains("empty.wav"), "{err}");
}

#[test]
fn a_truncated_wav_measures_what_is_there() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cut.wav");
    write_sine_wav(&path, 48_000, 2, 2.0, |_| 0.5);
    let bytes = std::fs::read(&path).unwrap();
    // Cut off the second half: the header still claims 2 s.
    std::fs::write(&path, &bytes[..44 + 48_000 * 4]).unwrap();
    let a = analyze(&path).unwrap();
    close(a.info.duration_seconds, 1.0, 0.01);
}

#[test]
fn a_truncated_mp3_measures_what_is_there() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(fixture("sine-quiet-loud.mp3")).unwrap();
    let path = dir.path().join("cut.mp3");
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    let a = analyze(&path).unwrap();
    assert!(
        a.info.duration_seconds > 0.5 && a.info.duration_seconds < 1.5,
        "{}",
        a.info.duration_seconds
    );
}
