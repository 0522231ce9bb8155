//! Files written by the Python tool (PyYAML) load here, and files written here
//! load in Python's `yaml.safe_load` to the same values. Runs real PyYAML
//! through `python3`; ignored where it was not found at build time (see
//! tests/tools).

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

mod tools;

use music_gen::domain::model::{Model, PresetConfig, StyleReference, TrackConfig};
use music_gen::domain::presets::PresetStore;
use serde_json::Value;

fn require_pyyaml() {
    tools::require("python3 with PyYAML", "python3", &["-c", "import yaml"]);
}

fn python(script: &str, args: &[&Path]) -> String {
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .expect("run python3");
    assert!(
        out.status.success(),
        "python failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("python prints UTF-8 JSON")
}

/// Writes presets the ways the Python tool (and a user with PyYAML) could,
/// checks each reads back in Python, and prints {file stem: dict} as JSON.
const PYTHON_WRITER: &str = r#"
import json, sys, yaml

out = sys.argv[1]

def s(intro, v, c, bridge, outro):
    return {"intro": intro, "verse_count": v, "chorus_count": c, "bridge": bridge, "outro": outro}

def refs(style, sound):
    return [{"type": "style", "value": style}, {"type": "sound", "value": sound}]

builtins = [
    {"name": "rock_anthem", "description": "High-energy rock anthem with powerful vocals",
     "genre": "rock", "structure": s(True, 2, 3, True, True),
     "style_references": refs("arena rock", "distorted electric guitars with powerful drums"),
     "temperature": 0.8,
     "tips": "Use energetic and empowering lyrics. Great for anthems and motivational songs."},
    {"name": "jazz_smooth", "description": "Smooth jazz with relaxed tempo",
     "genre": "jazz", "structure": s(True, 2, 2, True, True),
     "style_references": refs("smooth jazz", "saxophone and piano with brushed drums"),
     "temperature": 0.6,
     "tips": "Focus on sophisticated, laid-back lyrics. Perfect for evening moods."},
    {"name": "electronic_dance", "description": "Upbeat electronic dance music",
     "genre": "electronic", "structure": s(True, 2, 3, True, True),
     "style_references": refs("EDM", "synthesizers with heavy bass and electronic beats"),
     "temperature": 0.9,
     "tips": "Keep lyrics simple and repetitive. Build energy through structure."},
    {"name": "classical_orchestral", "description": "Classical orchestral composition",
     "genre": "classical", "structure": s(True, 3, 2, True, True),
     "style_references": refs("romantic era classical", "full orchestra with strings and brass"),
     "temperature": 0.5,
     "tips": "Use poetic and dramatic text. Focus on emotional depth and dynamics."},
    {"name": "pop_catchy", "description": "Catchy pop song with radio-friendly structure",
     "genre": "pop", "structure": s(True, 2, 3, True, False),
     "style_references": refs("contemporary pop", "bright synths with acoustic elements"),
     "temperature": 0.7,
     "tips": "Focus on memorable hooks and relatable themes. Keep it upbeat and accessible."},
]

def preset(name, **kw):
    d = {"name": name, "description": "A preset", "genre": "rock",
         "structure": s(True, 2, 2, True, True),
         "style_references": refs("arena rock", "guitars"), "temperature": 0.7, "tips": "A tip"}
    d.update(kw)
    return d

unicode_preset = dict(
    description="Ünïcödé — «quotes» and emoji 🎸🔥 and 日本語",
    genre="J-Pop 🎤",
    style_references=[{"type": "artist", "value": "Björk 🇮🇸"},
                      {"type": "mood", "value": "עברית e\u0301 \u00a0nbsp"}],
    tips="Line one\nLine two\n\ttabbed, 'single' \"double\" \\ back NEL\x85 LS\u2028 PS\u2029 BOM\ufeff",
)
long_text = ("a very long description that PyYAML will have to wrap over several lines "
             "because it is much longer than the width ") * 6
tricky_plain = dict(
    description="0o17",
    genre="NaN",
    style_references=[{"type": "style", "value": "1e3"}, {"type": "era", "value": "0x1G"},
                      {"type": "x", "value": "yes please"}, {"type": "y", "value": "True story"},
                      {"type": "z", "value": "2001-12-14 is a date"}],
    tips="- not a list\n? not a key\n: nor a value\n# nor a comment",
)

cases = []
for b in builtins:
    cases.append(("py_" + b["name"], b,
                  lambda d, f: yaml.dump(d, f, default_flow_style=False, sort_keys=False)))
cases += [
    ("sorted_default", preset("sorted_default"), lambda d, f: yaml.dump(d, f)),
    ("safe_dump", preset("safe_dump"), lambda d, f: yaml.safe_dump(d, f)),
    ("flow_all", preset("flow_all"), lambda d, f: yaml.dump(d, f, default_flow_style=True)),
    ("flow_nested", preset("flow_nested"), lambda d, f: yaml.dump(d, f, default_flow_style=None)),
    ("explicit_doc", preset("explicit_doc"),
     lambda d, f: yaml.dump(d, f, explicit_start=True, explicit_end=True, indent=4)),
    ("uni_escaped", preset("uni_escaped", **unicode_preset),
     lambda d, f: yaml.dump(d, f, allow_unicode=False, sort_keys=False)),
    ("uni_raw", preset("uni_raw", **unicode_preset),
     lambda d, f: yaml.dump(d, f, allow_unicode=True, sort_keys=False)),
    ("uni_safe_raw", preset("uni_safe_raw", **unicode_preset),
     lambda d, f: yaml.safe_dump(d, f, allow_unicode=True, default_flow_style=False)),
    ("wrapped", preset("wrapped", description=long_text, tips=long_text),
     lambda d, f: yaml.dump(d, f, width=30)),
    ("wrapped_default", preset("wrapped_default", description=long_text, tips=long_text + "\n" + long_text),
     lambda d, f: yaml.dump(d, f)),
    ("tips_newlines", preset("tips_newlines", tips="First line.\nSecond line.\n\nAfter a blank.\n"),
     lambda d, f: yaml.dump(d, f, sort_keys=False)),
    ("tips_literal_like", preset("tips_literal_like", tips="|\n  indented\n    more"),
     lambda d, f: yaml.dump(d, f, sort_keys=False)),
    ("null_description", preset("null_description", description=None, tips=None),
     lambda d, f: yaml.dump(d, f, sort_keys=False)),
    ("tricky_plain", preset("tricky_plain", **tricky_plain),
     lambda d, f: yaml.dump(d, f, sort_keys=False)),
    ("quoted_words", preset("quoted_words", description="yes", genre="on",
                            tips="1:20", style_references=[{"type": "style", "value": "0.7"},
                                                          {"type": "null", "value": "~"}]),
     lambda d, f: yaml.dump(d, f, sort_keys=False)),
    ("temp_int_one", preset("temp_int_one", temperature=1), lambda d, f: yaml.dump(d, f)),
    ("temp_int_zero", preset("temp_int_zero", temperature=0), lambda d, f: yaml.dump(d, f)),
    ("temp_tiny", preset("temp_tiny", temperature=1e-05), lambda d, f: yaml.dump(d, f)),
    ("temp_sum", preset("temp_sum", temperature=0.1 + 0.2), lambda d, f: yaml.dump(d, f)),
    ("no_styles", preset("no_styles", style_references=[]), lambda d, f: yaml.dump(d, f)),
    ("minimal", {"name": "minimal", "genre": "ambient"}, lambda d, f: yaml.dump(d, f)),
]

expected = {}
for stem, d, dump in cases:
    path = f"{out}/{stem}.yaml"
    with open(path, "w", encoding="utf-8") as f:
        dump(d, f)
    with open(path, encoding="utf-8") as f:
        assert yaml.safe_load(f) == d, stem
    expected[stem] = d
print(json.dumps(expected))
"#;

/// Reads every file named on the command line with `yaml.safe_load` and
/// prints {file name: value} as JSON.
const PYTHON_READER: &str = r#"
import json, os, sys, yaml
result = {}
for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as f:
        result[os.path.basename(path)] = yaml.safe_load(f)
print(json.dumps(result))
"#;

#[test]
#[cfg_attr(
    not(has_pyyaml),
    ignore = "python3 with PyYAML not found at build time"
)]
fn presets_written_by_pyyaml_load_here() {
    require_pyyaml();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let json = python(PYTHON_WRITER, &[dir]);
    let expected: BTreeMap<String, Value> = serde_json::from_str(&json).unwrap();
    assert!(expected.len() >= 25, "{}", expected.len());

    let (mut store, _) = PresetStore::open(dir).unwrap();
    let list = store.list().unwrap();
    for s in &list {
        assert!(s.error.is_none(), "{} is broken: {:?}", s.name, s.error);
        assert!(s.warnings.is_empty(), "{}: {:?}", s.name, s.warnings);
    }
    for (stem, want) in &expected {
        let want: PresetConfig = serde_json::from_value(want.clone())
            .unwrap_or_else(|e| panic!("{stem}: expected value does not fit: {e}"));
        let loaded = store
            .load(stem)
            .unwrap_or_else(|e| panic!("{stem} does not load: {e}"));
        assert!(loaded.warnings.is_empty(), "{stem}: {:?}", loaded.warnings);
        assert_eq!(loaded.preset, want, "{stem}");
        let summary = list.iter().find(|s| &s.name == stem).unwrap();
        assert_eq!(summary.genre.as_deref(), Some(want.genre.as_str()));
        assert_eq!(summary.description, want.description);
    }
    // The Python tool's built-ins are the same presets as ours.
    for name in [
        "rock_anthem",
        "jazz_smooth",
        "electronic_dance",
        "classical_orchestral",
        "pop_catchy",
    ] {
        let mut theirs = store.load(&format!("py_{name}")).unwrap().preset;
        theirs.name = name.to_string();
        assert_eq!(theirs, store.load(name).unwrap().preset, "{name}");
    }
}

const TRICKY: &[&str] = &[
    "yes",
    "Yes",
    "on",
    "ON",
    "off",
    "no",
    "y",
    "n",
    "true",
    "False",
    "null",
    "Null",
    "~",
    "1:20",
    "0.7",
    "1e3",
    "1.0e-05",
    "0o17",
    "0x1F",
    "017",
    ".5",
    "+1",
    "-1",
    "1_000",
    ".inf",
    ".nan",
    "nan",
    "2001-12-14",
    "#x",
    "x #y",
    "a: b",
    "a:b",
    "- dash",
    "-",
    "? q",
    "[flow]",
    "{map}",
    "*alias",
    "&anchor",
    "!tag",
    "%percent",
    "@at",
    "`tick",
    "|",
    ">",
    "<<",
    "=",
    ",",
    " lead",
    "trail ",
    "  both  ",
    "'single'",
    "it's",
    "\"double\"",
    "back\\slash",
    "\\n",
    "new\nline",
    "trailing newline\n",
    "\n",
    "\n\nlines\n\n",
    "cr\rlf\r\n",
    "tab\there",
    "\t",
    "emoji 🎸👨‍👩‍👧 🇮🇸",
    "日本語",
    "Ünïcödé",
    "\u{85}",
    "a\u{85}b",
    "\u{2028}",
    "x\u{2029}y",
    "\u{feff}bom",
    "x\u{feff}",
    "ctrl\u{1}\u{7}\u{8}\u{b}\u{c}\u{1b}\u{7f}",
    "nul\u{0}byte",
    "c1\u{80}\u{9f}",
    "\u{a0}nbsp\u{a0}",
    "\u{fffe}\u{ffff}",
    "\u{10ffff}",
    "\u{e000}private",
    "plain words, with (parens) and/slash.",
    "",
];

fn tricky_presets() -> Vec<PresetConfig> {
    TRICKY
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let s = s.to_string();
            let genre_ok = !s.trim().is_empty() && s.chars().count() <= 100;
            let mut p = PresetConfig::from_track(
                format!("t{i:03}"),
                Some(s.clone()),
                Some(s.clone()),
                &TrackConfig::new("", if genre_ok { s.as_str() } else { "rock" }),
            );
            p.style_references = vec![
                StyleReference {
                    kind: if s.trim().is_empty() {
                        "style".to_string()
                    } else {
                        s.clone()
                    },
                    value: s.clone(),
                },
                StyleReference {
                    kind: "sound".into(),
                    value: format!("before {s} after"),
                },
            ];
            p
        })
        .collect()
}

fn extra_presets() -> Vec<PresetConfig> {
    let base =
        |name: &str| PresetConfig::from_track(name, None, None, &TrackConfig::new("", "rock"));
    let mut out = Vec::new();
    for (i, t) in [
        1e-05,
        0.0,
        1.0,
        -0.0,
        0.1 + 0.2,
        5e-324,
        0.0001,
        0.00012345,
        0.5,
    ]
    .into_iter()
    .enumerate()
    {
        let mut p = base(&format!("temp{i}"));
        p.temperature = t;
        out.push(p);
    }
    let mut p = base("long_one");
    p.description = Some("word ".repeat(2_000).trim_end().to_string());
    p.tips = Some("line\n".repeat(300));
    out.push(p);
    let mut p = base("options");
    p.negative_prompt = Some("no: drums".into());
    p.seed = Some(u64::from(u32::MAX));
    p.sample_count = Some(1);
    p.model = Some(Model::Lyria2);
    p.structure.intro = false;
    p.structure.outro = false;
    p.structure.verse_count = 5;
    p.structure.chorus_count = 4;
    out.push(p);
    out
}

#[test]
#[cfg_attr(
    not(has_pyyaml),
    ignore = "python3 with PyYAML not found at build time"
)]
fn presets_written_here_load_in_python_to_the_same_values() {
    require_pyyaml();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (mut store, _) = PresetStore::open(dir).unwrap();
    let presets: Vec<PresetConfig> = tricky_presets()
        .into_iter()
        .chain(extra_presets())
        .collect();
    let mut paths = Vec::new();
    for p in &presets {
        paths.push(
            store
                .save(p, false)
                .unwrap_or_else(|e| panic!("{}: {e}", p.name)),
        );
        // And back here, to the same values.
        assert_eq!(
            store.load(&p.name).unwrap().preset,
            *p,
            "{} in Rust",
            p.name
        );
    }
    let path_refs: Vec<&Path> = paths.iter().map(|p| p.as_path()).collect();
    let json = python(PYTHON_READER, &path_refs);
    let loaded: BTreeMap<String, Value> = serde_json::from_str(&json).unwrap();

    let mut failures = Vec::new();
    for p in &presets {
        let got = &loaded[&format!("{}.yaml", p.name)];
        let want = serde_json::to_value(p).unwrap();
        if *got != want {
            failures.push(format!(
                "{}:\n  python: {got}\n  wanted: {want}\n  file: {:?}",
                p.name,
                std::fs::read_to_string(dir.join(format!("{}.yaml", p.name))).unwrap()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // Temperatures are floats in Python, never strings or ints.
    let out = python(
        "import sys, yaml\nfor p in sys.argv[1:]:\n    print(type(yaml.safe_load(open(p, encoding='utf-8'))['temperature']).__name__)",
        &path_refs,
    );
    assert!(out.lines().all(|l| l == "float"), "{out}");
}

#[test]
#[cfg_attr(
    not(has_pyyaml),
    ignore = "python3 with PyYAML not found at build time"
)]
fn builtins_written_here_load_in_python() {
    require_pyyaml();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("presets");
    let (store, _) = PresetStore::open(&dir).unwrap();
    let names = [
        "rock_anthem",
        "jazz_smooth",
        "electronic_dance",
        "classical_orchestral",
        "pop_catchy",
    ];
    let paths: Vec<_> = names
        .iter()
        .map(|n| dir.join(format!("{n}.yaml")))
        .collect();
    let path_refs: Vec<&Path> = paths.iter().map(|p| p.as_path()).collect();
    let loaded: BTreeMap<String, Value> =
        serde_json::from_str(&python(PYTHON_READER, &path_refs)).unwrap();
    for n in names {
        let want = serde_json::to_value(store.load(n).unwrap().preset).unwrap();
        assert_eq!(loaded[&format!("{n}.yaml")], want, "{n}");
        // Keys in the Python tool's order.
        let keys: Vec<&str> = loaded[&format!("{n}.yaml")]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "name",
                "description",
                "genre",
                "structure",
                "style_references",
                "temperature",
                "tips"
            ]
        );
    }
}
