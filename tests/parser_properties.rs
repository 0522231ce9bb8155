//! Property tests for the parsers a user feeds: track configs and presets
//! (YAML and JSON) through the same reader the CLI and the store use. They
//! never panic, refuse deep nesting before parsing, and no error quotes more
//! than a short excerpt of a value. Case counts are bounded so CI stays fast;
//! `PROPTEST_CASES=10000 cargo test --test parser_properties` digs deeper.

use music_gen::domain::input::{self, EXCERPT_CHARS, Format, MAX_DEPTH};
use music_gen::domain::model::{PresetConfig, TrackConfig};
use proptest::prelude::*;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        ..ProptestConfig::default()
    }
}

const FIELDS: [&str; 10] = [
    "text_input",
    "genre",
    "duration_seconds",
    "temperature",
    "structure",
    "style_references",
    "name",
    "description",
    "tips",
    "seed",
];

/// Documents that look like ours: known and unknown keys with scalars,
/// lists, maps and junk, in YAML or JSON, so the parsers get past the first
/// byte and into the field handling.
fn document() -> impl Strategy<Value = String> {
    let scalar = prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|f| f.to_string()),
        "[a-z ]{0,12}",
        any::<String>().prop_map(|s| format!("{s:?}")),
        Just("true".to_string()),
        Just("~".to_string()),
        Just("[1, [2, {a: b}]]".to_string()),
        Just("{intro: yes, verse_count: \"2\"}".to_string()),
        Just("&a [*a]".to_string()),
        Just("!!binary aGVsbG8=".to_string()),
    ];
    let key = prop_oneof![
        proptest::sample::select(FIELDS.to_vec()).prop_map(String::from),
        "[a-z_]{1,8}",
    ];
    let pairs = proptest::collection::vec((key, scalar), 0..8);
    (pairs, any::<bool>()).prop_map(|(pairs, json)| {
        if json {
            let body: Vec<String> = pairs
                .iter()
                .map(|(k, v)| format!("{k:?}: {}", serde_json::json!(v)))
                .collect();
            format!("{{{}}}", body.join(", "))
        } else {
            pairs.iter().map(|(k, v)| format!("{k}: {v}\n")).collect()
        }
    })
}

fn parse_all(text: &str) {
    for format in [Format::Yaml, Format::Json] {
        let _ = input::parse::<TrackConfig>(text, format);
        let _ = input::parse::<PresetConfig>(text, format);
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        parse_all(&text);
    }

    #[test]
    fn documents_like_ours_never_panic(text in document()) {
        parse_all(&text);
    }

    /// Whatever the field and the format, a long value in the wrong place is
    /// quoted at most as an excerpt, and the message is one line.
    #[test]
    fn errors_never_quote_a_whole_value(
        field in proptest::sample::select(FIELDS.to_vec()),
        secret in "[A-Za-z0-9+/]{40,80}",
        json in any::<bool>(),
    ) {
        // A string where a number, a mapping or a list belongs; or a list
        // where a string belongs.
        let value = match field {
            "text_input" | "genre" | "name" | "description" | "tips" => format!("[{secret:?}]"),
            _ => format!("{secret:?}"),
        };
        let text = if json {
            format!("{{\"name\": \"n\", \"genre\": \"g\", \"text_input\": \"t\", {field:?}: {value}}}")
        } else {
            format!("name: n\ngenre: g\ntext_input: t\n{field}: {value}\n")
        };
        for format in [Format::Yaml, Format::Json] {
            for e in [
                input::parse::<TrackConfig>(&text, format).err(),
                input::parse::<PresetConfig>(&text, format).err(),
            ].into_iter().flatten() {
                prop_assert!(!e.contains(&secret[..EXCERPT_CHARS + 1]), "{}", e);
                prop_assert!(!e.contains('\n'), "{}", e);
            }
        }
    }

    /// Nesting past the limit is refused by one linear scan, whatever
    /// surrounds it: the parsers, quadratic on deep nesting, never see it.
    #[test]
    fn deep_nesting_is_refused_before_parsing(
        depth in (MAX_DEPTH + 1)..20_000usize,
        open in proptest::sample::select(vec!['[', '{']),
        prefix in "[a-z_]{1,8}: ",
    ) {
        let text = format!("{prefix}{}", open.to_string().repeat(depth));
        for format in [Format::Yaml, Format::Json] {
            let e = input::parse::<TrackConfig>(&text, format).unwrap_err();
            prop_assert!(e.contains("nested more than"), "{}", e);
        }
    }

    /// Any document that is not a mapping at the top is refused without a
    /// word of its content.
    #[test]
    fn non_mappings_are_not_quoted(lines in proptest::collection::vec("[A-Za-z0-9+/=]{24,60}", 1..6)) {
        let text = lines.join("\n");
        let e = input::parse::<TrackConfig>(&text, Format::Yaml).unwrap_err();
        for line in &lines {
            prop_assert!(!e.contains(line.as_str()), "{}", e);
        }
    }
}
