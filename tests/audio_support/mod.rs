//! Real audio made by the tests: 16-bit PCM WAV files of a sine whose
//! amplitude the caller chooses over time.

use std::path::Path;

/// Writes `seconds` of a 440 Hz sine at `rate` Hz with `channels` equal
/// channels; `amplitude(t)` (0.0–1.0, `t` in seconds) shapes its loudness.
pub fn write_sine_wav(
    path: &Path,
    rate: u32,
    channels: u16,
    seconds: f64,
    amplitude: impl Fn(f64) -> f64,
) {
    let frames = (f64::from(rate) * seconds).round() as u32;
    let data_len = frames * u32::from(channels) * 2;
    let mut out = Vec::with_capacity(44 + data_len as usize);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_len).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&channels.to_le_bytes());
    out.extend_from_slice(&rate.to_le_bytes());
    out.extend_from_slice(&(rate * u32::from(channels) * 2).to_le_bytes());
    out.extend_from_slice(&(channels * 2).to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    for i in 0..frames {
        let t = f64::from(i) / f64::from(rate);
        let v = amplitude(t) * (2.0 * std::f64::consts::PI * 440.0 * t).sin();
        let s = (v * 32767.0).round() as i16;
        for _ in 0..channels {
            out.extend_from_slice(&s.to_le_bytes());
        }
    }
    std::fs::write(path, out).expect("write the test WAV");
}
