//! A waveform drawn with braille dots: each cell holds 2×4 dots, so a
//! waveform gets twice the columns and four times the rows of block
//! characters, and still works over SSH in any UTF-8 terminal.

use ratatui::style::Style;
use ratatui::text::Line;

use crate::audio::Waveform;

/// The dot bits of a braille cell, by column then row (Unicode order).
const DOTS: [[u8; 4]; 2] = [[0x01, 0x02, 0x04, 0x40], [0x08, 0x10, 0x20, 0x80]];

/// The waveform, mirrored around its middle, in `rows` lines at most
/// `width` cells wide: louder passages are taller. A file shorter than the
/// peaks can fill is drawn short; a silent one as a thin line.
pub fn braille(waveform: &Waveform, width: usize, rows: usize, style: Style) -> Vec<Line<'static>> {
    let peaks = waveform.columns(width * 2);
    if peaks.is_empty() || rows == 0 {
        return Vec::new();
    }
    let dot_rows = rows * 4;
    let middle = dot_rows as f32 / 2.0;
    let mut cells = vec![vec![0u8; peaks.len().div_ceil(2)]; rows];
    for (x, peak) in peaks.iter().enumerate() {
        // At least the middle two dots, so silence reads as a line.
        let half = (peak.clamp(0.0, 1.0) * middle).round().max(1.0);
        let top = (middle - half).max(0.0) as usize;
        let bottom = ((middle + half) as usize).min(dot_rows);
        for y in top..bottom {
            cells[y / 4][x / 2] |= DOTS[x % 2][y % 4];
        }
    }
    cells
        .into_iter()
        .map(|row| {
            let text: String = row
                .into_iter()
                .map(|bits| char::from_u32(0x2800 + u32::from(bits)).unwrap_or(' '))
                .collect();
            Line::styled(text, style)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(lines: &[Line]) -> Vec<String> {
        lines.iter().map(|l| l.to_string()).collect()
    }

    #[test]
    fn louder_columns_are_taller_and_silence_is_a_line() {
        let w = Waveform {
            block_seconds: 0.01,
            peaks: vec![0.0, 0.0, 1.0, 1.0, 0.5, 0.5],
        };
        let lines = text(&braille(&w, 3, 2, Style::new()));
        assert_eq!(lines.len(), 2);
        // Silence: only the middle dots (bottom of row 0, top of row 1).
        assert_eq!(lines[0].chars().next(), Some('⣀'));
        assert_eq!(lines[1].chars().next(), Some('⠉'));
        // Full scale fills both rows; half fills the middle half.
        assert_eq!(lines[0].chars().nth(1), Some('⣿'));
        assert_eq!(lines[1].chars().nth(1), Some('⣿'));
        assert_eq!(lines[0].chars().nth(2), Some('⣤'));
        assert_eq!(lines[1].chars().nth(2), Some('⠛'));
    }

    #[test]
    fn nothing_to_draw_is_no_lines() {
        assert!(braille(&Waveform::default(), 10, 3, Style::new()).is_empty());
    }
}
