//! What an audio file really is, read from the file: format, sample rate,
//! channels, measured duration, peak and RMS level, and a waveform.
//!
//! Decoding is pure Rust (symphonia, WAV and MP3 only) and blocking: callers
//! on the async runtime run [`analyze`] on `spawn_blocking`. Nothing here
//! knows about terminals.

mod decode;
mod waveform;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use decode::analyze;
pub use waveform::Waveform;

/// Levels are clamped here: digital silence has no finite dBFS, and JSON has
/// no infinity. Quieter than any 16-bit sample (−96 dBFS), so it reads as
/// silence.
pub const SILENCE_DBFS: f64 = -120.0;

/// The containers music-gen decodes: Lyria 2 answers WAV, Lyria 3 MP3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AudioFormat {
    Wav,
    Mp3,
}

impl AudioFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            AudioFormat::Wav => "WAV",
            AudioFormat::Mp3 => "MP3",
        }
    }
}

impl std::fmt::Display for AudioFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a file holds, as measured by decoding all of it. This is what a
/// take's metadata records for each audio file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AudioInfo {
    pub format: AudioFormat,
    pub sample_rate: u32,
    pub channels: u16,
    /// Decoded frames divided by the sample rate (MP3 encoder delay and
    /// padding removed where the file says how much there is).
    pub duration_seconds: f64,
    /// The loudest sample of any channel, in dB relative to full scale.
    pub peak_dbfs: f64,
    /// The root mean square of every sample of every channel, in dBFS.
    pub rms_dbfs: f64,
}

impl AudioInfo {
    /// `32.8 s, WAV 48 kHz stereo, peak −1.0 dBFS, RMS −14.2 dBFS`.
    pub fn describe(&self) -> String {
        format!(
            "{}, {} {} {}, peak {} dBFS, RMS {} dBFS",
            format_duration(self.duration_seconds),
            self.format,
            format_rate(self.sample_rate),
            format_channels(self.channels),
            format_level(self.peak_dbfs),
            format_level(self.rms_dbfs),
        )
    }
}

/// A file's measurements and its waveform.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    pub info: AudioInfo,
    pub waveform: Waveform,
}

#[derive(Debug, thiserror::Error)]
pub enum AudioError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: not audio music-gen can read (WAV or MP3): {source}", path.display())]
    Unsupported {
        path: PathBuf,
        #[source]
        source: symphonia::core::errors::Error,
    },
    #[error("{}: the audio is damaged: {source}", path.display())]
    Damaged {
        path: PathBuf,
        #[source]
        source: symphonia::core::errors::Error,
    },
    #[error("{}: holds no audio", path.display())]
    Empty { path: PathBuf },
    #[error("{}: the decoder failed on this file", path.display())]
    DecoderFailed { path: PathBuf },
}

/// `32.8 s`, `3:05.2`.
pub fn format_duration(seconds: f64) -> String {
    if seconds < 60.0 {
        format!("{seconds:.1} s")
    } else {
        let tenths = (seconds * 10.0).round() as u64;
        format!("{}:{:02}.{}", tenths / 600, tenths / 10 % 60, tenths % 10)
    }
}

/// `48 kHz`, `44.1 kHz`.
pub fn format_rate(hz: u32) -> String {
    if hz.is_multiple_of(1000) {
        format!("{} kHz", hz / 1000)
    } else {
        format!("{:.1} kHz", f64::from(hz) / 1000.0)
    }
}

pub fn format_channels(n: u16) -> String {
    match n {
        1 => "mono".to_string(),
        2 => "stereo".to_string(),
        n => format!("{n} channels"),
    }
}

/// `-1.0`, or `silent` at the floor.
pub fn format_level(dbfs: f64) -> String {
    if dbfs <= SILENCE_DBFS {
        "silent".to_string()
    } else {
        // Rounded first so a level just under 0 reads `0.0`, not `-0.0`.
        let tenths = (dbfs * 10.0).round() / 10.0 + 0.0;
        format!("{tenths:.1}")
    }
}

/// Linear amplitude (1.0 = full scale) to dBFS, clamped at [`SILENCE_DBFS`].
pub fn to_dbfs(amplitude: f64) -> f64 {
    if amplitude <= 0.0 {
        return SILENCE_DBFS;
    }
    (20.0 * amplitude.log10()).max(SILENCE_DBFS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_read_as_people_write_them() {
        assert_eq!(format_duration(32.84), "32.8 s");
        assert_eq!(format_duration(185.24), "3:05.2");
        assert_eq!(format_rate(48_000), "48 kHz");
        assert_eq!(format_rate(44_100), "44.1 kHz");
        assert_eq!(format_channels(2), "stereo");
        assert_eq!(format_level(SILENCE_DBFS), "silent");
        assert_eq!(to_dbfs(1.0), 0.0);
        assert!((to_dbfs(0.5) + 6.0206).abs() < 1e-3);
        assert_eq!(to_dbfs(0.0), SILENCE_DBFS);
    }
}
