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
