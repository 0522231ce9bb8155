//! The prompt sent to the model. It must stay byte-identical to the Python
//! tool's, since existing users' results depend on it.

use crate::domain::model::{SongStructure, TrackConfig};
use crate::domain::pyfloat;

/// The song parts in order, e.g. `intro -> verse 1 -> chorus -> … -> outro`.
pub fn structure_parts(s: &SongStructure) -> Vec<String> {
    let mut parts = Vec::with_capacity(2 + 2 * s.verse_count.max(s.chorus_count).max(0) as usize);
    if s.intro {
        parts.push("intro".to_string());
    }
    for i in 0..s.verse_count.max(s.chorus_count) {
        if i < s.verse_count {
            parts.push(format!("verse {}", i + 1));
        }
        if i < s.chorus_count {
            parts.push("chorus".to_string());
        }
    }
    if s.bridge {
        parts.push("bridge".to_string());
    }
    if s.outro {
        parts.push("outro".to_string());
    }
    parts
}

/// Builds the prompt from its parts, joined once.
pub fn build_prompt(track: &TrackConfig) -> String {
    let d = track.duration_seconds;
    let structure = structure_parts(&track.structure).join(" -> ");
    let duration = d.to_string();
    // Python's // and % floor; keep that even for values validation refuses.
    let minutes = d.div_euclid(60).to_string();
    let seconds = d.rem_euclid(60).to_string();
    let temperature = pyfloat::repr(track.temperature);

    let mut pieces: Vec<&str> = Vec::with_capacity(24 + 4 * track.style_references.len());
    pieces.extend([
        "Generate a ",
        &track.genre,
        " music track with the following specifications:\n\nDuration: ",
        &duration,
        " seconds (",
        &minutes,
        " minutes ",
        &seconds,
        " seconds)\n\nSong structure: ",
        &structure,
        "\n\nLyrics/Text input:\n",
        &track.text_input,
        "\n",
    ]);
    if !track.style_references.is_empty() {
        pieces.push("\nStyle references:");
        for s in &track.style_references {
            pieces.extend(["\n- ", &s.kind, ": ", &s.value]);
        }
    }
    pieces.extend([
        "\n\nCreate a track that follows this structure and incorporates the provided text and style references.\nTemperature: ",
        &temperature,
        "\n",
    ]);
    pieces.concat()
}

/// The words a prompt was built with, given everything else of the track:
/// the exact inverse of [`build_prompt`], so a result file that kept only
/// the prompt (the Python tool's) gives back its lyrics byte for byte.
/// `None` when the prompt was not built from such a track.
pub fn lyrics_from(track: &TrackConfig, prompt: &str) -> Option<String> {
    let mut probe = track.clone();
    probe.text_input = String::new();
    let without = build_prompt(&probe);
    // A character no prompt template holds where the words go shows where
    // they start: the two prompts agree up to there.
    probe.text_input = "\u{0}".to_string();
    let marked = build_prompt(&probe);
    let start = without
        .bytes()
        .zip(marked.bytes())
        .take_while(|(a, b)| a == b)
        .count();
    let (prefix, suffix) = without.split_at(start);
    let words = prompt.strip_prefix(prefix)?.strip_suffix(suffix)?;
    Some(words.to_string())
}

#[cfg(test)]
mod lyrics_tests {
    use super::*;
    use crate::domain::model::StyleReference;

    #[test]
    fn lyrics_come_back_byte_for_byte() {
        let mut t = TrackConfig::new("Line one\n\nCreate a track\nStyle references:\n", "rock");
        t.style_references.push(StyleReference {
            kind: "style".into(),
            value: "Lyrics/Text input:\n".into(),
        });
        for text in [t.text_input.clone(), String::new(), "ü\n\n\n".into()] {
            t.text_input = text.clone();
            assert_eq!(lyrics_from(&t, &build_prompt(&t)), Some(text));
        }
        let mut other = t.clone();
        other.genre = "jazz".into();
        assert_eq!(lyrics_from(&other, &build_prompt(&t)), None);
    }
}
