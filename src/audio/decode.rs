//! Decoding a whole file once, measuring as it goes: no sample is kept, only
//! running sums and one peak per waveform block.

use std::fs::File;
use std::io::ErrorKind;
use std::path::Path;

use symphonia::core::audio::{AudioBuffer, AudioBufferRef, Signal};
use symphonia::core::codecs::{
    CODEC_TYPE_MP1, CODEC_TYPE_MP2, CODEC_TYPE_MP3, CODEC_TYPE_NULL, CodecParameters, Decoder,
    DecoderOptions,
};
use symphonia::core::conv::IntoSample;
use symphonia::core::errors::Error;
use symphonia::core::formats::{FormatOptions, FormatReader, Packet};
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

/// A file probed, its audio track found.
struct Opened {
    reader: Box<dyn FormatReader>,
    track_id: u32,
    params: CodecParameters,
    format: AudioFormat,
}

fn open(path: &Path) -> Result<Opened, AudioError> {
    let file = File::open(path).map_err(|source| AudioError::Io {
        path: path.to_path_buf(),
        source,
    })?;
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
        .map_err(|source| unsupported(path, source))?;
    let reader = probed.format;
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
    Ok(Opened {
        reader,
        track_id,
        params,
        format,
    })
}

fn unsupported(path: &Path, source: Error) -> AudioError {
    AudioError::Unsupported {
        path: path.to_path_buf(),
        source,
    }
}

fn make_decoder(params: &CodecParameters, path: &Path) -> Result<Box<dyn Decoder>, AudioError> {
    symphonia::default::get_codecs()
        .make(params, &DecoderOptions::default())
        .map_err(|source| unsupported(path, source))
}

fn analyze_unguarded(path: &Path) -> Result<Analysis, AudioError> {
    let Opened {
        mut reader,
        track_id,
        params,
        format,
    } = open(path)?;
    let decoder = make_decoder(&params, path)?;

    let meter = if format == AudioFormat::Mp3 && split_pays(path) {
        let packets = read_packets(reader.as_mut(), track_id, path)?;
        if packets.len() / 2 >= MIN_HALF_PACKETS {
            let second = make_decoder(&params, path)?;
            decode_split(&packets, packets.len() / 2, decoder, second, path)?
        } else {
            one_pass(&packets, decoder, path)?
        }
    } else {
        let mut run = Run::new(decoder, 0);
        while let Some(packet) = next_packet(reader.as_mut(), path)? {
            if packet.track_id() == track_id {
                run.decode(&packet, path)?;
            }
        }
        run.meter
    };
    match meter {
        Some(m) if m.frames > 0 => Ok(m.finish(format)),
        _ => Err(AudioError::Empty {
            path: path.to_path_buf(),
        }),
    }
}

/// An MP3 is decoded in two halves on two threads when a second core is
/// there and the file is small enough to hold its packets in memory (a
/// 3-minute song is ~3 MB): symphonia's decoder is nearly all of the time
/// (see docs/benchmarks.md), so this halves the wait for a waveform.
fn split_pays(path: &Path) -> bool {
    /// Beyond this the packets are not held; the file is decoded as it is read.
    const MAX_HELD_BYTES: u64 = 64 << 20;
    std::thread::available_parallelism().is_ok_and(|n| n.get() >= 2)
        && std::fs::metadata(path).is_ok_and(|m| m.len() <= MAX_HELD_BYTES)
}

/// The next packet, `None` at the end of the file.
fn next_packet(reader: &mut dyn FormatReader, path: &Path) -> Result<Option<Packet>, AudioError> {
    match reader.next_packet() {
        Ok(p) => Ok(Some(p)),
        Err(Error::IoError(e)) if e.kind() == ErrorKind::UnexpectedEof => Ok(None),
        Err(Error::ResetRequired) => Ok(None),
        Err(source) => Err(AudioError::Damaged {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Every packet of the track, in order.
fn read_packets(
    reader: &mut dyn FormatReader,
    track_id: u32,
    path: &Path,
) -> Result<Vec<Packet>, AudioError> {
    let mut packets = Vec::new();
    while let Some(packet) = next_packet(reader, path)? {
        if packet.track_id() == track_id {
            packets.push(packet);
        }
    }
    Ok(packets)
}

/// Packets decoded and thrown away before the second half starts, so that
/// its decoder's state — the bit reservoir (up to 511 bytes of earlier
/// frames), the IMDCT overlap and the synthesis filterbank (each one
/// granule back) — is what a decoder that started at the beginning would
/// have. Nine were enough for bit-identical output on every file tried
/// (32 kbit/s, 128 kbit/s, VBR); the margin costs nothing that matters.
const PRIMING_PACKETS: usize = 24;

/// Below this many packets per half (about 2 s) a second thread is not
/// worth starting.
const MIN_HALF_PACKETS: usize = 4 * PRIMING_PACKETS;

/// Measures `packets` with one decoder, first to last.
fn one_pass(
    packets: &[Packet],
    decoder: Box<dyn Decoder>,
    path: &Path,
) -> Result<Option<Meter>, AudioError> {
    let mut run = Run::new(decoder, 0);
    for packet in packets {
        run.decode(packet, path)?;
    }
    Ok(run.meter)
}

/// Measures `packets` as one decoder going from the first to the last
/// would, with the packets before `split` on this thread and the rest on
/// another. The halves' waveforms are joined block by block (a block cut
/// by the split takes the louder peak of its two parts). When the first
/// half does not end where the packets' durations say it should (a frame
/// it could not decode was skipped), the result would be shifted, so the
/// packets are decoded again on this thread in one go.
fn decode_split(
    packets: &[Packet],
    split: usize,
    first: Box<dyn Decoder>,
    second: Box<dyn Decoder>,
    path: &Path,
) -> Result<Option<Meter>, AudioError> {
    if split < PRIMING_PACKETS || split >= packets.len() {
        return one_pass(packets, first, path);
    }
    // With gapless on, a packet's duration is what its decode yields.
    let expected: u64 = packets[..split].iter().map(|p| p.dur).sum();
    let (a, b) = std::thread::scope(|scope| {
        let later = scope.spawn(|| {
            let mut run = Run::new(second, expected);
            for packet in &packets[split - PRIMING_PACKETS..split] {
                run.prime(packet);
            }
            for packet in &packets[split..] {
                run.decode(packet, path)?;
            }
            Ok::<_, AudioError>(run.meter)
        });
        let mut run = Run::new(first, 0);
        let a = packets[..split]
            .iter()
            .try_for_each(|packet| run.decode(packet, path))
            .map(|()| (run.meter, run.decoder));
        // A panic on the other thread is the decoder's; `analyze` turns it
        // into this file's error, as it does on this thread.
        let b = later
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (a, b)
    });
    let (a, decoder) = a?;
    let b = b?;
    match (a, b) {
        (Some(a), Some(b)) if a.frames == expected && a.same_stream(&b) => Ok(Some(a.join(b))),
        _ => {
            let mut decoder = decoder;
            decoder.reset();
            one_pass(packets, decoder, path)
        }
    }
}

/// One decoder going through packets in order, measuring what it decodes.
struct Run {
    decoder: Box<dyn Decoder>,
    /// Where the first decoded frame sits in the whole file.
    start_frame: u64,
    meter: Option<Meter>,
}

impl Run {
    fn new(decoder: Box<dyn Decoder>, start_frame: u64) -> Run {
        Run {
            decoder,
            start_frame,
            meter: None,
        }
    }

    fn decode(&mut self, packet: &Packet, path: &Path) -> Result<(), AudioError> {
        match self.decoder.decode(packet) {
            Ok(buf) => {
                let spec = buf.spec();
                let start = self.start_frame;
                self.meter
                    .get_or_insert_with(|| {
                        Meter::new(spec.rate, spec.channels.count() as u16, start)
                    })
                    .add(&buf);
                Ok(())
            }
            // A damaged frame is skipped, as players do; the rest still counts.
            Err(Error::DecodeError(e)) => {
                tracing::debug!(path = %path.display(), error = e, "skipped an undecodable packet");
                Ok(())
            }
            Err(source) => Err(AudioError::Damaged {
                path: path.to_path_buf(),
                source,
            }),
        }
    }

    /// Decodes for the decoder's state only. A priming packet that cannot be
    /// decoded (its bit reservoir reaches before the first one) is expected.
    fn prime(&mut self, packet: &Packet) {
        let _ = self.decoder.decode(packet);
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
    /// A meter whose first frame is frame `start` of the file (not 0 for
    /// the second half of a split decode), so its blocks line up with the
    /// whole file's.
    fn new(sample_rate: u32, channels: u16, start: u64) -> Meter {
        let block_frames = ((f64::from(sample_rate) * BLOCK_SECONDS).round() as u64).max(1);
        Meter {
            sample_rate: sample_rate.max(1),
            channels: channels.max(1),
            block_frames,
            frames: start,
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

    fn same_stream(&self, later: &Meter) -> bool {
        self.sample_rate == later.sample_rate && self.channels == later.channels
    }

    /// This meter followed by `later`, which started where this one ends.
    fn join(mut self, later: Meter) -> Meter {
        if self.peaks.len() < later.peaks.len() {
            self.peaks.resize(later.peaks.len(), 0.0);
        }
        for (slot, peak) in self.peaks.iter_mut().zip(later.peaks) {
            *slot = slot.max(peak);
        }
        self.sum_squares += later.sum_squares;
        self.frames = later.frames;
        self
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

    fn fixture(name: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name)
    }

    fn packets_of(path: &Path) -> (Vec<Packet>, CodecParameters) {
        let mut opened = open(path).unwrap();
        let packets = read_packets(opened.reader.as_mut(), opened.track_id, path).unwrap();
        (packets, opened.params)
    }

    fn assert_same(split: &Meter, whole: &Meter, what: &str) {
        assert_eq!(split.frames, whole.frames, "{what}");
        assert_eq!(split.peaks, whole.peaks, "{what}");
        let tolerance = 1e-9 * whole.sum_squares.max(1.0);
        assert!(
            (split.sum_squares - whole.sum_squares).abs() < tolerance,
            "{what}: {} against {}",
            split.sum_squares,
            whole.sum_squares
        );
    }

    /// Wherever the packets are cut in two, the two halves measure what one
    /// decoder from the first packet to the last measures: every waveform
    /// block, the length, the levels. The low-bitrate VBR file leans on
    /// the bit reservoir the most.
    #[test]
    fn a_split_decode_measures_what_one_pass_measures() {
        for name in ["sine-quiet-loud.mp3", "sweep-vbr-low.mp3"] {
            let path = fixture(name);
            let (packets, params) = packets_of(&path);
            let decoder = || make_decoder(&params, &path).unwrap();
            let whole = one_pass(&packets, decoder(), &path).unwrap().unwrap();
            assert!(
                packets.len() > 2 * PRIMING_PACKETS,
                "{name}: {}",
                packets.len()
            );
            for split in PRIMING_PACKETS..packets.len() {
                let halves = decode_split(&packets, split, decoder(), decoder(), &path)
                    .unwrap()
                    .unwrap();
                assert_same(&halves, &whole, &format!("{name} cut at packet {split}"));
            }
        }
    }

    /// When the first half yields fewer frames than the packets promise (a
    /// frame skipped), the halves would not line up: the file is measured
    /// again in one pass.
    #[test]
    fn halves_that_do_not_line_up_are_measured_again_in_one_pass() {
        let path = fixture("sine-quiet-loud.mp3");
        let (mut packets, params) = packets_of(&path);
        let decoder = || make_decoder(&params, &path).unwrap();
        packets[3].dur += 1;
        let whole = one_pass(&packets, decoder(), &path).unwrap().unwrap();
        let split = packets.len() / 2;
        let halves = decode_split(&packets, split, decoder(), decoder(), &path)
            .unwrap()
            .unwrap();
        assert_same(&halves, &whole, "promised one frame too many");
    }

    /// Through `analyze`, as the app calls it: a file long enough to be
    /// decoded on two threads measures what one pass does. The file is the
    /// quiet-then-loud sine's frames four times over, without the first
    /// frame that LAME fills with the length (which would cut the rest off
    /// as padding).
    #[test]
    fn analyze_splits_a_long_mp3_and_measures_it_whole() {
        let (sine, _) = packets_of(&fixture("sine-quiet-loud.mp3"));
        let frames: Vec<u8> = sine.iter().flat_map(|p| p.data.iter().copied()).collect();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("long.mp3");
        std::fs::write(&path, frames.repeat(4)).unwrap();
        let (packets, params) = packets_of(&path);
        assert!(packets.len() / 2 >= MIN_HALF_PACKETS, "{}", packets.len());
        assert!(split_pays(&path), "a test machine has two cores");
        let whole = one_pass(&packets, make_decoder(&params, &path).unwrap(), &path)
            .unwrap()
            .unwrap()
            .finish(AudioFormat::Mp3);
        let analysis = analyze(&path).unwrap();
        assert_eq!(analysis.info, whole.info);
        assert_eq!(analysis.waveform, whole.waveform);
        // Four times the 2 s of audio, the encoder's delay and padding
        // kept (there is no frame left to say how much they are).
        assert!(
            (8.0..8.2).contains(&analysis.info.duration_seconds),
            "{:?}",
            analysis.info
        );
        // The loud second second is at 0.8 (−1.9 dBFS).
        assert!(analysis.info.peak_dbfs > -2.5, "{:?}", analysis.info);
    }
}
