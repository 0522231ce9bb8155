//! Decoding a whole file once, measuring as it goes: no sample is kept, only
//! running sums and one peak per waveform block.

use std::fs::File;
use std::io::ErrorKind;
use std::path::Path;

use symphonia::core::audio::{AudioBuffer, AudioBufferRef, Signal};
use symphonia::core::codecs::{
    CODEC_TYPE_MP1, CODEC_TYPE_MP2, CODEC_TYPE_MP3, CODEC_TYPE_NULL, DecoderOptions,
};
use symphonia::core::conv::IntoSample;
use symphonia::core::errors::Error;
use symphonia::core::formats::FormatOptions;
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;
use symphonia::core::probe::Hint;
use symphonia::core::sample::Sample;

use super::{Analysis, AudioError, AudioFormat, AudioInfo, Waveform, to_dbfs};

/// How much time one waveform peak covers: fine enough for a wide terminal,
/// small enough that an hour is 360,000 numbers.
const BLOCK_SECONDS: f64 = 0.01;

/// Decodes the file at `path` (WAV or MP3) to the end and measures it.
/// Blocking: run it off the async runtime.
pub fn analyze(path: &Path) -> Result<Analysis, AudioError> {
    // The file may come from anywhere; a decoder bug on a hostile file must
    // cost a measurement, never the generation that wrote it.
    crate::generate::contain::catch(|| analyze_unguarded(path)).unwrap_or_else(|_| {
        Err(AudioError::DecoderFailed {
            path: path.to_path_buf(),
        })
    })
}

fn analyze_unguarded(path: &Path) -> Result<Analysis, AudioError> {
    let file = File::open(path).map_err(|source| AudioError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let unsupported = |source| AudioError::Unsupported {
        path: path.to_path_buf(),
        source,
    };
    let mss = MediaSourceStream::new(Box::new(file), Default::default());
    let mut hint = Hint::new();
    if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
        hint.with_extension(ext);
    }
    // Gapless: an MP3's encoder delay and padding are not part of the song.
    let format_options = FormatOptions {
        enable_gapless: true,
        ..FormatOptions::default()
    };
    let probed = symphonia::default::get_probe()
        .format(&hint, mss, &format_options, &MetadataOptions::default())
        .map_err(unsupported)?;
    let mut reader = probed.format;
    let track = reader
        .tracks()
        .iter()
        .find(|t| t.codec_params.codec != CODEC_TYPE_NULL)
        .ok_or_else(|| AudioError::Empty {
            path: path.to_path_buf(),
        })?;
    let track_id = track.id;
    let params = track.codec_params.clone();
    let format = match params.codec {
        CODEC_TYPE_MP1 | CODEC_TYPE_MP2 | CODEC_TYPE_MP3 => AudioFormat::Mp3,
        _ => AudioFormat::Wav,
    };
    let mut decoder = symphonia::default::get_codecs()
        .make(&params, &DecoderOptions::default())
        .map_err(unsupported)?;

    let mut meter: Option<Meter> = None;
    loop {
        let packet = match reader.next_packet() {
            Ok(p) => p,
            Err(Error::IoError(e)) if e.kind() == ErrorKind::UnexpectedEof => break,
            Err(Error::ResetRequired) => break,
            Err(source) => {
                return Err(AudioError::Damaged {
                    path: path.to_path_buf(),
                    source,
                });
            }
        };
        if packet.track_id() != track_id {
            continue;
        }
        match decoder.decode(&packet) {
            Ok(buf) => {
                let spec = buf.spec();
                let m = meter
                    .get_or_insert_with(|| Meter::new(spec.rate, spec.channels.count() as u16));
                m.add(&buf);
            }
            // A damaged frame is skipped, as players do; the rest still counts.
            Err(Error::DecodeError(e)) => {
                tracing::debug!(path = %path.display(), error = e, "skipped an undecodable packet");
            }
            Err(source) => {
                return Err(AudioError::Damaged {
                    path: path.to_path_buf(),
                    source,
                });
            }
        }
    }
    match meter {
        Some(m) if m.frames > 0 => Ok(m.finish(format)),
        _ => Err(AudioError::Empty {
            path: path.to_path_buf(),
        }),
    }
}

/// Samples measured side by side. One running maximum and one running sum
/// form a chain of dependent float operations that the compiler may not
/// reorder, so it cannot use vector registers; sixteen independent ones
/// can (the meter's share of decoding a 3-minute MP3 fell from ~35 ms to
/// ~10 ms; see docs/benchmarks.md).
const LANES: usize = 16;

/// The peak (absolute) and the sum of squares of `samples`, as f32.
fn block_levels<S>(samples: &[S]) -> (f32, f32)
where
    S: Sample + IntoSample<f32>,
{
    let mut peaks = [0.0f32; LANES];
    let mut squares = [0.0f32; LANES];
    let chunks = samples.chunks_exact(LANES);
    let rest = chunks.remainder();
    for chunk in chunks {
        for ((peak, square), &s) in peaks.iter_mut().zip(&mut squares).zip(chunk) {
            let v: f32 = s.into_sample();
            *peak = peak.max(v.abs());
            *square += v * v;
        }
    }
    let mut peak = peaks.into_iter().fold(0.0f32, f32::max);
    let mut sum: f32 = squares.into_iter().sum();
    for &s in rest {
        let v: f32 = s.into_sample();
        peak = peak.max(v.abs());
        sum += v * v;
    }
    (peak, sum)
}

/// Running measurements over every decoded frame.
struct Meter {
    sample_rate: u32,
    channels: u16,
    block_frames: u64,
    frames: u64,
    sum_squares: f64,
    peaks: Vec<f32>,
}

impl Meter {
    fn new(sample_rate: u32, channels: u16) -> Meter {
        let block_frames = ((f64::from(sample_rate) * BLOCK_SECONDS).round() as u64).max(1);
        Meter {
            sample_rate: sample_rate.max(1),
            channels: channels.max(1),
            block_frames,
            frames: 0,
            sum_squares: 0.0,
            peaks: Vec::new(),
        }
    }

    fn add(&mut self, buf: &AudioBufferRef<'_>) {
        match buf {
            AudioBufferRef::U8(b) => self.add_typed(b),
            AudioBufferRef::U16(b) => self.add_typed(b),
            AudioBufferRef::U24(b) => self.add_typed(b),
            AudioBufferRef::U32(b) => self.add_typed(b),
            AudioBufferRef::S8(b) => self.add_typed(b),
            AudioBufferRef::S16(b) => self.add_typed(b),
            AudioBufferRef::S24(b) => self.add_typed(b),
            AudioBufferRef::S32(b) => self.add_typed(b),
            AudioBufferRef::F32(b) => self.add_typed(b),
            AudioBufferRef::F64(b) => self.add_typed(b),
        }
    }

    /// Walks each channel block by block, each block measured by
    /// [`block_levels`].
    fn add_typed<S>(&mut self, buf: &AudioBuffer<S>)
    where
        S: Sample + IntoSample<f32>,
    {
        let n = buf.frames();
        if n == 0 {
            return;
        }
        let start = self.frames;
        let last_block = ((start + n as u64 - 1) / self.block_frames) as usize;
        if self.peaks.len() <= last_block {
            self.peaks.resize(last_block + 1, 0.0);
        }
        let channels = buf.spec().channels.count();
        for c in 0..channels {
            let samples = buf.chan(c);
            let mut i = 0usize;
            while i < n {
                let pos = start + i as u64;
                let block = pos / self.block_frames;
                let end = (((block + 1) * self.block_frames - start) as usize).min(n);
                let (peak, squares) = block_levels(&samples[i..end]);
                let slot = &mut self.peaks[block as usize];
                *slot = slot.max(peak.min(1.0));
                self.sum_squares += f64::from(squares);
                i = end;
            }
        }
        self.frames += n as u64;
    }

    fn finish(self, format: AudioFormat) -> Analysis {
        let peak = self.peaks.iter().copied().fold(0.0f32, f32::max);
        let samples = self.frames as f64 * f64::from(self.channels);
        let rms = (self.sum_squares / samples).sqrt();
        let round2 = |x: f64| (x * 100.0).round() / 100.0;
        Analysis {
            info: AudioInfo {
                format,
                sample_rate: self.sample_rate,
                channels: self.channels,
                duration_seconds: (self.frames as f64 / f64::from(self.sample_rate) * 1000.0)
                    .round()
                    / 1000.0,
                peak_dbfs: round2(to_dbfs(f64::from(peak))),
                rms_dbfs: round2(to_dbfs(rms)),
            },
            waveform: Waveform {
                block_seconds: self.block_frames as f64 / f64::from(self.sample_rate),
                peaks: self.peaks,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lanes measure what one plain pass measures, whatever the
    /// length (shorter than a lane, a lane and a bit, a whole block).
    #[test]
    fn block_levels_match_a_plain_pass() {
        for n in [0, 1, 15, 16, 17, 33, 480, 481] {
            let samples: Vec<f32> = (0..n)
                .map(|i| ((i * 37 % 101) as f32 - 50.0) / 51.0)
                .collect();
            let (peak, sum) = block_levels(&samples);
            let plain_peak = samples.iter().fold(0.0f32, |p, v| p.max(v.abs()));
            let plain_sum: f64 = samples.iter().map(|v| f64::from(v * v)).sum();
            assert_eq!(peak, plain_peak, "{n}");
            assert!(
                (f64::from(sum) - plain_sum).abs() < 1e-4 * plain_sum.max(1.0),
                "{n}"
            );
        }
        let ints: Vec<i16> = vec![0, -32768, 100, 32767, -5];
        let (peak, _) = block_levels(&ints);
        assert_eq!(peak, 1.0);
    }
}
