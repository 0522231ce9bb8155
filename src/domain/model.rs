//! The data model shared with the Python tool. Field names, defaults and
//! ranges are a compatibility contract: YAML and JSON use exactly these names.

use serde::{Deserialize, Serialize};

use crate::domain::named::{Named, named_str};
use crate::domain::validate::{FieldError, Validation};

pub const DURATION_MIN: i64 = 60;
pub const DURATION_MAX: i64 = 240;
pub const DURATION_DEFAULT: i64 = 180;
pub const VERSES_MIN: i64 = 1;
pub const VERSES_MAX: i64 = 5;
pub const CHORUSES_MIN: i64 = 1;
pub const CHORUSES_MAX: i64 = 4;
pub const TEMPERATURE_DEFAULT: f64 = 0.7;
pub const TEXT_MAX_CHARS: usize = 10_000;
pub const GENRE_MAX_CHARS: usize = 100;
pub const SAMPLES_MIN: i64 = 1;
pub const SAMPLES_MAX: i64 = 4;
pub const PRESET_NAME_MAX: usize = 64;

/// The Lyria models music-gen can call. Kept as a closed set so a typo is
/// refused before anything is sent.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Default,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[serde(try_from = "String", into = "&'static str")]
pub enum Model {
    #[default]
    #[strum(serialize = "lyria-002")]
    Lyria2,
    #[strum(serialize = "lyria-3-clip-preview")]
    Lyria3Clip,
    #[strum(serialize = "lyria-3-pro-preview")]
    Lyria3Pro,
}

named_str!(Model, "model");

impl Model {
    pub fn id(self) -> &'static str {
        self.name()
    }

    /// Lyria 2 takes negative prompts, seeds and several samples; Lyria 3
    /// takes a prompt only.
    pub fn supports_request_options(self) -> bool {
        self == Model::Lyria2
    }

    /// Lyria 3 previews are served only at the `global` location.
    pub fn requires_global(self) -> bool {
        self != Model::Lyria2
    }

    /// Refuses a location the model is not served at; sending it there
    /// would come back as a puzzling 404.
    pub fn check_location(self, location: &str) -> Result<(), FieldError> {
        if self.requires_global() && location != "global" {
            return Err(FieldError::new(
                TrackField::Model,
                format!(
                    "{self} is served only at location global, not {location}; \
                     choose location global (--location global)"
                ),
            ));
        }
        Ok(())
    }

    /// Whether the words in the prompt are sung; Lyria 2 is instrumental.
    pub fn sings(self) -> bool {
        self != Model::Lyria2
    }

    /// Whether the length asked in the prompt shapes what comes back; the
    /// others return about 30 s whatever it says.
    pub fn follows_duration(self) -> bool {
        self == Model::Lyria3Pro
    }

    /// What of the track this model will not honour, in a sentence that
    /// names the model that would; `None` when it honours all of it.
    pub fn unmet(self, track: &TrackConfig) -> Option<String> {
        if self.follows_duration() {
            return None;
        }
        let length = match self {
            Model::Lyria2 => "is instrumental and returns ~30 s",
            _ => "returns a 30 s clip",
        };
        let d = track.duration_seconds;
        let pro = Model::Lyria3Pro;
        Some(if !self.sings() && !track.text_input.trim().is_empty() {
            format!(
                "{self} {length}: the lyrics and the {d} s duration only shape the prompt; \
                 {pro} sings them at that length"
            )
        } else {
            format!("{self} {length}: the {d} s duration only shapes the prompt; {pro} follows it")
        })
    }

    pub fn summary(self) -> &'static str {
        match self {
            Model::Lyria2 => "instrumental, ~30 s WAV at 48 kHz per sample, up to 4 samples",
            Model::Lyria3Clip => "30 s clip (MP3), prompt only, location global",
            Model::Lyria3Pro => {
                "full song with vocals and lyrics up to ~3 min (MP3), location global"
            }
        }
    }
}

/// A track's fields by the paths validation names them with; the TUI's form
/// shows them in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::IntoStaticStr, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum TrackField {
    TextInput,
    Genre,
    #[strum(serialize = "duration_seconds")]
    Duration,
    #[strum(serialize = "structure.intro")]
    Intro,
    #[strum(serialize = "structure.verse_count")]
    Verses,
    #[strum(serialize = "structure.chorus_count")]
    Choruses,
    #[strum(serialize = "structure.bridge")]
    Bridge,
    #[strum(serialize = "structure.outro")]
    Outro,
    StyleReferences,
    Temperature,
    Model,
    NegativePrompt,
    Seed,
    #[strum(serialize = "sample_count")]
    Samples,
}

named_str!(TrackField, "track field");

impl From<TrackField> for String {
    fn from(f: TrackField) -> String {
        f.name().to_string()
    }
}

impl TrackField {
    /// The path of the `type` of the `i`th style reference.
    pub fn style_type(i: usize) -> String {
        format!("{}[{i}].type", TrackField::StyleReferences.name())
    }
}

fn default_temperature() -> f64 {
    TEMPERATURE_DEFAULT
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SongStructure {
    pub intro: bool,
    pub verse_count: i64,
    pub chorus_count: i64,
    pub bridge: bool,
    pub outro: bool,
}

impl Default for SongStructure {
    fn default() -> Self {
        SongStructure {
            intro: true,
            verse_count: 2,
            chorus_count: 2,
            bridge: true,
            outro: true,
        }
    }
}

impl SongStructure {
    pub fn validate(&self, v: &mut Validation) {
        v.range(TrackField::Verses, self.verse_count, VERSES_MIN, VERSES_MAX);
        v.range(
            TrackField::Choruses,
            self.chorus_count,
            CHORUSES_MIN,
            CHORUSES_MAX,
        );
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StyleReference {
    #[serde(rename = "type")]
    pub kind: String,
    pub value: String,
}

impl StyleReference {
    /// The types the Python tool documented; others are accepted too.
    pub const USUAL_TYPES: [&'static str; 4] = ["style", "sound", "artist", "similar_to"];

    /// Parses the CLI form `TYPE:VALUE`.
    pub fn parse_flag(s: &str) -> Result<StyleReference, FieldError> {
        match s.split_once(':') {
            Some((kind, value)) if !kind.trim().is_empty() => Ok(StyleReference {
                kind: kind.trim().to_string(),
                value: value.trim().to_string(),
            }),
            _ => Err(FieldError::new(
                TrackField::StyleReferences,
                format!("{s:?} must be TYPE:VALUE, e.g. style:arena rock"),
            )),
        }
    }
}

fn validate_styles(styles: &[StyleReference], v: &mut Validation) {
    for (i, s) in styles.iter().enumerate() {
        if s.kind.trim().is_empty() {
            v.push(TrackField::style_type(i), "must not be empty");
        }
    }
}

/// Settings Lyria 2 understands and the Python tool never had. Tracks and
/// presets carry them as top-level optional keys (written only when set, so
/// the Python tool ignores them); this is the borrowed view that checks them.
#[derive(Debug, Clone, Copy)]
pub struct RequestOptions<'a> {
    pub negative_prompt: Option<&'a str>,
    pub seed: Option<u64>,
    pub sample_count: Option<i64>,
}

impl RequestOptions<'_> {
    pub fn validate(&self, v: &mut Validation) {
        if let Some(n) = self.sample_count {
            v.range(TrackField::Samples, n, SAMPLES_MIN, SAMPLES_MAX);
        }
        // Google's clients carry the seed as a 32-bit unsigned integer.
        if self.seed.is_some_and(|s| s > u64::from(u32::MAX)) {
            v.push(TrackField::Seed, "must be 0 to 4294967295");
        }
        if self.seed.is_some() && self.sample_count.is_some_and(|n| n > 1) {
            v.push(
                TrackField::Seed,
                "cannot be combined with sample_count above 1; drop one of them",
            );
        }
    }

    /// Refuses a setting the chosen model cannot use, before anything is sent.
    pub fn check_model(&self, model: Model) -> Result<(), FieldError> {
        if model.supports_request_options() {
            return Ok(());
        }
        let unsupported = [
            (TrackField::NegativePrompt, self.negative_prompt.is_some()),
            (TrackField::Seed, self.seed.is_some()),
            (
                TrackField::Samples,
                self.sample_count.is_some_and(|n| n != 1),
            ),
        ];
        match unsupported.iter().find(|(_, set)| *set) {
            Some((field, _)) => Err(FieldError::new(
                *field,
                format!("{model} does not support it; only lyria-002 does"),
            )),
            None => Ok(()),
        }
    }
}

/// A track: the Python tool's fields, then the model options it never had.
/// A missing key takes its default (`text_input` and `genre` too, so a
/// file can be read as one [`layers::Layer`](crate::domain::layers::Layer)
/// among others; [`layers::resolve`](crate::domain::layers::resolve)
/// requires them of the merged track).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TrackConfig {
    pub text_input: String,
    pub genre: String,
    pub duration_seconds: i64,
    pub structure: SongStructure,
    pub style_references: Vec<StyleReference>,
    pub temperature: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub negative_prompt: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sample_count: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<Model>,
}

impl Default for TrackConfig {
    fn default() -> Self {
        TrackConfig::new("", "")
    }
}

impl TrackConfig {
    pub fn new(text_input: impl Into<String>, genre: impl Into<String>) -> TrackConfig {
        TrackConfig {
            text_input: text_input.into(),
            genre: genre.into(),
            duration_seconds: DURATION_DEFAULT,
            structure: SongStructure::default(),
            style_references: Vec::new(),
            temperature: TEMPERATURE_DEFAULT,
            negative_prompt: None,
            seed: None,
            sample_count: None,
            model: None,
        }
    }

    pub fn options(&self) -> RequestOptions<'_> {
        RequestOptions {
            negative_prompt: self.negative_prompt.as_deref(),
            seed: self.seed,
            sample_count: self.sample_count,
        }
    }

    pub fn validate(&self) -> Result<(), crate::domain::validate::ValidationErrors> {
        let mut v = Validation::default();
        self.collect_errors(&mut v);
        v.finish()
    }

    pub fn collect_errors(&self, v: &mut Validation) {
        let chars = self.text_input.chars().count();
        if chars > TEXT_MAX_CHARS {
            v.push(
                TrackField::TextInput,
                format!("{chars} characters is above the maximum {TEXT_MAX_CHARS}"),
            );
        }
        validate_genre(&self.genre, v);
        v.range(
            TrackField::Duration,
            self.duration_seconds,
            DURATION_MIN,
            DURATION_MAX,
        );
        self.structure.validate(v);
        validate_styles(&self.style_references, v);
        validate_temperature(self.temperature, v);
        self.options().validate(v);
    }
}

fn validate_genre(genre: &str, v: &mut Validation) {
    let chars = genre.chars().count();
    if genre.trim().is_empty() {
        v.push(TrackField::Genre, "is required (1 to 100 characters)");
    } else if chars > GENRE_MAX_CHARS {
        v.push(
            TrackField::Genre,
            format!("{chars} characters is above the maximum {GENRE_MAX_CHARS}"),
        );
    }
}

fn validate_temperature(t: f64, v: &mut Validation) {
    if !(0.0..=1.0).contains(&t) {
        v.push(
            TrackField::Temperature,
            format!("{} is outside 0.0 to 1.0", crate::domain::pyfloat::repr(t)),
        );
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PresetConfig {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub genre: String,
    #[serde(default)]
    pub structure: SongStructure,
    #[serde(default)]
    pub style_references: Vec<StyleReference>,
    #[serde(default = "default_temperature")]
    pub temperature: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tips: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub negative_prompt: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample_count: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<Model>,
}

impl PresetConfig {
    /// The preset's name, then every setting as the track it starts would
    /// check it: one validation for both.
    pub fn validate(&self) -> Result<(), crate::domain::validate::ValidationErrors> {
        let mut v = Validation::default();
        if let Err(e) = validate_preset_name(&self.name) {
            v.push(e.field, e.message);
        }
        self.to_track("").collect_errors(&mut v);
        v.finish()
    }

    /// The track a preset starts: everything but the words (and the
    /// duration, which a preset does not have).
    pub fn to_track(&self, text_input: impl Into<String>) -> TrackConfig {
        TrackConfig {
            text_input: text_input.into(),
            ..reshape(self, |_| {})
        }
    }

    /// A preset made from a track; the words and the duration are not part of
    /// a preset, as in the Python tool.
    pub fn from_track(
        name: impl Into<String>,
        description: Option<String>,
        tips: Option<String>,
        track: &TrackConfig,
    ) -> PresetConfig {
        let name = name.into();
        PresetConfig {
            description,
            tips,
            ..reshape(track, |keys| {
                keys.insert("name".into(), name.into());
            })
        }
    }
}

/// One shape read as another through the keys they share (a preset's as a
/// track's and back), so no field is copied by hand; `fill` adds the keys
/// the target requires and the source lacks. Goes through YAML's value
/// type, which holds a NaN as it is.
fn reshape<A: Serialize, B: serde::de::DeserializeOwned>(
    from: &A,
    fill: impl FnOnce(&mut yaml_serde::Mapping),
) -> B {
    let mut value = yaml_serde::to_value(from).expect("a track or preset is a YAML mapping");
    if let yaml_serde::Value::Mapping(keys) = &mut value {
        fill(keys);
    }
    // Both shapes take every key the other writes, or ignore it, or have a
    // default for it, with the same types.
    yaml_serde::from_value(value).expect("a track and a preset share their keys")
}

/// A preset name becomes a file name, so it is held to a safe alphabet:
/// `../x`, `/etc/x`, `a/b` and the empty name never reach the file system.
pub fn validate_preset_name(name: &str) -> Result<(), FieldError> {
    let ok = !name.is_empty()
        && name.len() <= PRESET_NAME_MAX
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(FieldError::new(
            "name",
            // A name of 10 kB is quoted by its start only.
            crate::domain::input::excerpted(&format!(
                "{name:?} is not allowed; use 1 to {PRESET_NAME_MAX} letters, digits, '_' or '-'"
            )),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::Model;

    #[test]
    fn lyria3_is_served_only_at_global() {
        let e = Model::Lyria3Clip.check_location("us-central1").unwrap_err();
        assert!(e.is(super::TrackField::Model));
        assert!(e.message.contains("--location global"), "{e}");
        assert!(Model::Lyria3Pro.check_location("global").is_ok());
        assert!(Model::Lyria2.check_location("us-central1").is_ok());
    }

    /// Each model says what it leaves out of the track, and names the one
    /// that would not.
    #[test]
    fn what_each_model_leaves_out() {
        let mut t = super::TrackConfig::new("Sing this", "rock");
        let words = Model::Lyria2.unmet(&t).unwrap();
        assert!(words.contains("instrumental"), "{words}");
        assert!(
            words.contains("the lyrics and the 180 s duration"),
            "{words}"
        );
        assert!(words.contains("lyria-3-pro-preview sings them"), "{words}");
        let clip = Model::Lyria3Clip.unmet(&t).unwrap();
        assert!(!clip.contains("lyrics"), "the clip sings: {clip}");
        assert!(clip.contains("30 s clip"), "{clip}");
        assert_eq!(Model::Lyria3Pro.unmet(&t), None);
        t.text_input = " \n".into();
        let length = Model::Lyria2.unmet(&t).unwrap();
        assert!(!length.contains("lyrics"), "{length}");
        assert!(length.contains("~30 s"), "{length}");
    }
}
