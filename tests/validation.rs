//! Every field's limits and the messages that name the field and what is
//! allowed; preset names; unknown keys as warnings.

use music_gen::domain::input::Format;
use music_gen::domain::layers::{self, Layer};
use music_gen::domain::model::{
    Model, PresetConfig, SongStructure, StyleReference, TrackConfig, validate_preset_name,
};
use music_gen::domain::presets::parse_with_warnings;
use music_gen::domain::validate::ValidationErrors;

fn track() -> TrackConfig {
    TrackConfig::new("Some words", "rock")
}

fn preset(name: &str) -> PresetConfig {
    PresetConfig::from_track(name, Some("desc".into()), None, &track())
}

fn errors(c: &TrackConfig) -> ValidationErrors {
    c.validate().expect_err("expected the track to be refused")
}

/// The one error of a track that should be refused for exactly one reason.
fn only_error(c: &TrackConfig) -> String {
    let e = errors(c);
    assert_eq!(e.0.len(), 1, "expected one error, got {e}");
    e.0[0].to_string()
}

#[test]
fn defaults_are_valid_and_match_the_python_tool() {
    let c = track();
    assert_eq!(c.duration_seconds, 180);
    assert_eq!(c.temperature, 0.7);
    assert_eq!(c.structure, SongStructure::default());
    assert!(c.structure.intro && c.structure.bridge && c.structure.outro);
    assert_eq!((c.structure.verse_count, c.structure.chorus_count), (2, 2));
    assert!(c.style_references.is_empty());
    c.validate().unwrap();

    // Missing fields take the defaults when read from a file.
    let (c2, warnings): (TrackConfig, _) =
        parse_with_warnings("text_input: Some words\ngenre: rock\n").unwrap();
    assert!(warnings.is_empty());
    assert_eq!(c2, c);
    let (c3, _): (TrackConfig, _) =
        parse_with_warnings(r#"{"text_input": "Some words", "genre": "rock", "structure": {}}"#)
            .unwrap();
    assert_eq!(c3, c);
}

#[test]
fn duration_limits() {
    for ok in [60, 61, 180, 239, 240] {
        let mut c = track();
        c.duration_seconds = ok;
        c.validate().unwrap_or_else(|e| panic!("{ok}: {e}"));
    }
    let mut c = track();
    c.duration_seconds = 59;
    assert_eq!(
        only_error(&c),
        "duration_seconds: 59 is below the minimum 60"
    );
    c.duration_seconds = 241;
    assert_eq!(
        only_error(&c),
        "duration_seconds: 241 is above the maximum 240"
    );
    c.duration_seconds = -5;
    assert_eq!(
        only_error(&c),
        "duration_seconds: -5 is below the minimum 60"
    );
    c.duration_seconds = 0;
    let e = errors(&c);
    let f = e.for_field("duration_seconds").unwrap();
    assert_eq!(f.message, "0 is below the minimum 60");
}

#[test]
fn structure_limits() {
    for v in 1..=5 {
        for ch in 1..=4 {
            let mut c = track();
            c.structure.verse_count = v;
            c.structure.chorus_count = ch;
            c.validate().unwrap();
        }
    }
    let mut c = track();
    c.structure.verse_count = 0;
    assert_eq!(
        only_error(&c),
        "structure.verse_count: 0 is below the minimum 1"
    );
    c.structure.verse_count = 6;
    assert_eq!(
        only_error(&c),
        "structure.verse_count: 6 is above the maximum 5"
    );
    c.structure.verse_count = 2;
    c.structure.chorus_count = 0;
    assert_eq!(
        only_error(&c),
        "structure.chorus_count: 0 is below the minimum 1"
    );
    c.structure.chorus_count = 5;
    assert_eq!(
        only_error(&c),
        "structure.chorus_count: 5 is above the maximum 4"
    );
    // Booleans have no limits.
    c.structure = SongStructure {
        intro: false,
        verse_count: 1,
        chorus_count: 1,
        bridge: false,
        outro: false,
    };
    c.validate().unwrap();
}

#[test]
fn text_input_counts_characters_not_bytes() {
    // 'é' is two bytes, '🎸' four: 10,000 of them is far more than 10,000 bytes.
    for unit in ["a", "é", "🎸"] {
        let mut c = track();
        c.text_input = unit.repeat(10_000);
        assert!(c.text_input.len() >= 10_000);
        c.validate()
            .unwrap_or_else(|e| panic!("10,000 × {unit:?} must be accepted: {e}"));
        c.text_input.push_str(unit);
        assert_eq!(
            only_error(&c),
            "text_input: 10001 characters is above the maximum 10000"
        );
    }
    let mut c = track();
    c.text_input = String::new();
    c.validate().unwrap(); // empty words are allowed, as in the Python tool
}

#[test]
fn genre_is_one_to_one_hundred_characters() {
    let mut c = track();
    c.genre = "x".into();
    c.validate().unwrap();
    c.genre = "ü".repeat(100);
    c.validate().unwrap();
    c.genre = "ü".repeat(101);
    assert_eq!(
        only_error(&c),
        "genre: 101 characters is above the maximum 100"
    );
    c.genre = String::new();
    assert_eq!(only_error(&c), "genre: is required (1 to 100 characters)");
    c.genre = "   ".into();
    assert_eq!(only_error(&c), "genre: is required (1 to 100 characters)");
}

#[test]
fn temperature_bounds_and_nan() {
    for ok in [0.0, -0.0, 1e-5, 0.5, 0.7, 1.0] {
        let mut c = track();
        c.temperature = ok;
        c.validate().unwrap_or_else(|e| panic!("{ok}: {e}"));
    }
    let cases: [(f64, &str); 6] = [
        (-0.1, "temperature: -0.1 is outside 0.0 to 1.0"),
        (1.0000001, "temperature: 1.0000001 is outside 0.0 to 1.0"),
        (2.0, "temperature: 2.0 is outside 0.0 to 1.0"),
        (f64::NAN, "temperature: nan is outside 0.0 to 1.0"),
        (f64::INFINITY, "temperature: inf is outside 0.0 to 1.0"),
        (f64::NEG_INFINITY, "temperature: -inf is outside 0.0 to 1.0"),
    ];
    for (t, want) in cases {
        let mut c = track();
        c.temperature = t;
        assert_eq!(only_error(&c), want);
        // The same rule holds for presets.
        let mut p = preset("p");
        p.temperature = t;
        let e = p.validate().unwrap_err();
        assert_eq!(e.for_field("temperature").unwrap().to_string(), want);
    }
}

#[test]
fn style_type_must_not_be_empty() {
    let mut c = track();
    c.style_references = vec![
        StyleReference {
            kind: "style".into(),
            value: "".into(), // an empty value is allowed
        },
        StyleReference {
            kind: "".into(),
            value: "x".into(),
        },
        StyleReference {
            kind: "  ".into(),
            value: "y".into(),
        },
        StyleReference {
            kind: "mood".into(), // an unusual type is allowed
            value: "z".into(),
        },
    ];
    let e = errors(&c);
    let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(
        fields,
        ["style_references[1].type", "style_references[2].type"]
    );
    assert_eq!(
        e.0[0].to_string(),
        "style_references[1].type: must not be empty"
    );
}

#[test]
fn style_flag_needs_a_colon() {
    let s = StyleReference::parse_flag("style:arena rock").unwrap();
    assert_eq!((s.kind.as_str(), s.value.as_str()), ("style", "arena rock"));
    let s = StyleReference::parse_flag("sound:a:b").unwrap();
    assert_eq!((s.kind.as_str(), s.value.as_str()), ("sound", "a:b"));
    for bad in ["arena rock", "", ":value"] {
        let e = StyleReference::parse_flag(bad).unwrap_err();
        assert_eq!(e.field, "style_references", "{bad:?}");
        assert!(e.message.contains("TYPE:VALUE"), "{}", e.message);
    }
}

#[test]
fn seed_with_several_samples_is_refused() {
    let mut c = track();
    c.seed = Some(42);
    c.validate().unwrap();
    c.sample_count = Some(1);
    c.validate().unwrap();
    c.sample_count = Some(2);
    let e = only_error(&c);
    assert!(
        e.starts_with("seed: cannot be combined with sample_count"),
        "{e}"
    );
    c.seed = None;
    c.validate().unwrap();
    c.sample_count = Some(0);
    assert_eq!(only_error(&c), "sample_count: 0 is below the minimum 1");
    c.sample_count = Some(5);
    assert_eq!(only_error(&c), "sample_count: 5 is above the maximum 4");
}

#[test]
fn seed_is_a_32_bit_unsigned_integer() {
    let mut c = track();
    c.seed = Some(u64::from(u32::MAX));
    c.validate().unwrap();
    c.seed = Some(u64::from(u32::MAX) + 1);
    assert_eq!(only_error(&c), "seed: must be 0 to 4294967295");
}

#[test]
fn request_options_are_checked_against_the_model() {
    let mut c = track();
    c.seed = Some(1);
    assert!(c.options().check_model(Model::Lyria2).is_ok());
    let e = c.options().check_model(Model::Lyria3Pro).unwrap_err();
    assert_eq!(e.field, "seed");
    assert_eq!("lyria-002".parse::<Model>(), Ok(Model::Lyria2));
    let e = "lyria-9".parse::<Model>().unwrap_err().to_string();
    assert!(
        e.contains("lyria-002") && e.contains("\"lyria-9\" is not a model"),
        "{e}"
    );
}

#[test]
fn all_errors_are_reported_in_field_order() {
    let mut c = track();
    c.text_input = "x".repeat(10_001);
    c.genre = String::new();
    c.duration_seconds = 59;
    c.structure.verse_count = 9;
    c.temperature = 3.0;
    let e = errors(&c);
    let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "text_input",
            "genre",
            "duration_seconds",
            "structure.verse_count",
            "temperature"
        ]
    );
    let line = e.to_string();
    assert!(
        line.contains("; duration_seconds: 59 is below the minimum 60; "),
        "{line}"
    );
    assert!(!line.contains('\n'));
}

#[test]
fn preset_names() {
    let long = "a".repeat(65);
    let hostile = [
        "../x", "/etc/x", "a/b", "", &long, "..", ".", "a b", "a.b", "a\\b", "x\0y", "名前", "~",
        "-", // a lone dash is allowed by the alphabet; checked below
    ];
    for name in &hostile[..hostile.len() - 1] {
        let e = validate_preset_name(name).unwrap_err();
        assert_eq!(e.field, "name");
        assert!(e.message.contains("not allowed"), "{name:?}: {}", e.message);
        let e = preset(name).validate().unwrap_err();
        assert!(e.for_field("name").is_some(), "{name:?}");
    }
    for ok in ["ok_name-1", "a", "-", "A_Z-09", &"z".repeat(64)] {
        validate_preset_name(ok).unwrap_or_else(|e| panic!("{ok:?}: {e}"));
        preset(ok).validate().unwrap();
    }
    assert_eq!(
        validate_preset_name("../x").unwrap_err().to_string(),
        "name: \"../x\" is not allowed; use 1 to 64 letters, digits, '_' or '-'"
    );
}

#[test]
fn preset_validation_covers_every_field() {
    let mut p = preset("good");
    p.validate().unwrap();
    p.genre = String::new();
    p.structure.chorus_count = 7;
    p.style_references.push(StyleReference {
        kind: String::new(),
        value: "v".into(),
    });
    p.seed = Some(1);
    p.sample_count = Some(3);
    let e = p.validate().unwrap_err();
    let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "genre",
            "structure.chorus_count",
            "style_references[0].type",
            "seed"
        ]
    );
}

#[test]
fn unknown_keys_are_warnings_not_failures() {
    let yaml = "\
name: extra
genre: rock
colour: blue
structure:
  intro: false
  tempo: 120
style_references:
- type: style
  value: x
  weight: 2
temperature: 0.5
";
    let (p, warnings): (PresetConfig, Vec<String>) = parse_with_warnings(yaml).unwrap();
    assert_eq!(p.name, "extra");
    assert!(!p.structure.intro);
    assert_eq!(p.temperature, 0.5);
    p.validate().unwrap();
    assert_eq!(warnings.len(), 3, "{warnings:?}");
    for key in ["colour", "structure.tempo", "weight"] {
        assert!(
            warnings
                .iter()
                .any(|w| w.contains(key) && w.contains("unknown key")),
            "no warning for {key}: {warnings:?}"
        );
    }

    // The same for a track, and for JSON.
    let (c, warnings): (TrackConfig, _) =
        parse_with_warnings(r#"{"text_input": "t", "genre": "g", "bpm": 90}"#).unwrap();
    assert_eq!(c.genre, "g");
    assert_eq!(warnings.len(), 1);
    assert!(warnings[0].contains("bpm"));
}

#[test]
fn wrong_types_and_missing_required_fields_fail_to_parse() {
    // A file is one layer of a track and may leave out any field; the
    // track the layers make must have the words and the genre.
    for (missing, doc) in [
        ("text_input", "genre: rock\n"),
        ("genre", "text_input: t\n"),
    ] {
        let (layer, _) = Layer::from_text(None, doc, Format::Yaml).unwrap();
        let e = layers::resolve(&[layer]).unwrap_err();
        assert_eq!(e.to_string(), format!("{missing}: is required"));
    }
    for bad in [
        "text_input: t\ngenre: g\nduration_seconds: long\n", // not a number
        "text_input: t\ngenre: g\nstructure: [1, 2]\n",      // wrong shape
        "text_input: t\ngenre: g\ntemperature: hot\n",
        "- a\n- b\n",
        "just a string",
    ] {
        let r: Result<(TrackConfig, _), String> = parse_with_warnings(bad);
        assert!(r.is_err(), "{bad:?} should not parse");
    }
}

#[test]
fn to_track_and_from_track_keep_the_settings() {
    let mut c = track();
    c.temperature = 0.3;
    c.style_references.push(StyleReference {
        kind: "sound".into(),
        value: "strings".into(),
    });
    let p = PresetConfig::from_track("n", None, Some("tip".into()), &c);
    let back = p.to_track("Some words");
    assert_eq!(back, c);
}
