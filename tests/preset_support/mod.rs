//! Presets and listings for the preset store's tests, shared by the folder
//! store's (tests/store.rs) and the bucket store's (tests/store_bucket.rs).

// Each test binary uses its own subset of these helpers.
#![allow(dead_code)]

use music_gen::domain::model::{PresetConfig, StyleReference, TrackConfig};
use music_gen::domain::presets::PresetSummary;

/// The built-ins' names, sorted as a listing sorts them.
pub const BUILTIN_NAMES: [&str; 5] = [
    "classical_orchestral",
    "electronic_dance",
    "jazz_smooth",
    "pop_catchy",
    "rock_anthem",
];

/// A valid preset of `genre`, with a description, a tip and one style.
pub fn preset(name: &str, genre: &str) -> PresetConfig {
    let mut p = PresetConfig::from_track(
        name,
        Some(format!("{name} description")),
        Some("a tip".into()),
        &TrackConfig::new("", genre),
    );
    p.style_references.push(StyleReference {
        kind: "style".into(),
        value: "something".into(),
    });
    p
}

/// A listing's names, in its order.
pub fn names(list: &[PresetSummary]) -> Vec<&str> {
    list.iter().map(|s| s.name.as_str()).collect()
}

/// A listing's line for `name`; fails the test naming what was listed.
pub fn find<'a>(list: &'a [PresetSummary], name: &str) -> &'a PresetSummary {
    list.iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("{name} not listed in {:?}", names(list)))
}
