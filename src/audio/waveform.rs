//! Peaks over time, kept at a fine resolution and reduced to any width when
//! drawn, so one decode serves a narrow list and a wide details view.

use serde::{Deserialize, Serialize};

/// Peak amplitude (0.0–1.0, the loudest channel) of each block of time.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Waveform {
    /// Seconds each peak covers.
    pub block_seconds: f64,
    pub peaks: Vec<f32>,
}

/// The characters of a one-line text waveform, quietest first.
const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

impl Waveform {
    /// The peaks reduced (by maximum) to `width` columns. Fewer peaks than
    /// columns are returned as they are: a short file is drawn short.
    pub fn columns(&self, width: usize) -> Vec<f32> {
        let n = self.peaks.len();
        if width == 0 || n == 0 {
            return Vec::new();
        }
        if n <= width {
            return self.peaks.clone();
        }
        (0..width)
            .map(|i| {
                let start = i * n / width;
                let end = ((i + 1) * n / width).max(start + 1);
                self.peaks[start..end].iter().copied().fold(0.0, f32::max)
            })
            .collect()
    }

    /// One line of block characters, `width` wide: what `history show`
    /// prints and what a plain terminal can show over SSH.
    pub fn sparkline(&self, width: usize) -> String {
        self.columns(width)
            .into_iter()
            .map(|p| {
                let i = (p.clamp(0.0, 1.0) * (BARS.len() - 1) as f32).round() as usize;
                BARS[i]
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_keep_the_loudest_peak_of_each_span() {
        let w = Waveform {
            block_seconds: 0.01,
            peaks: vec![0.1, 0.9, 0.2, 0.3, 0.0, 0.5],
        };
        assert_eq!(w.columns(3), vec![0.9, 0.3, 0.5]);
        assert_eq!(w.columns(10).len(), 6);
        assert!(w.columns(0).is_empty());
        assert_eq!(w.sparkline(3), "▇▃▅");
    }
}
