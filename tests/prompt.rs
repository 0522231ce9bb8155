//! The prompt is what the model receives, so it must be byte-identical to the
//! Python tool's. A Python reference implementation (the template and rules of
//! issue 2, run with `python3`) builds the prompt for many generated tracks and
//! the bytes are compared with `build_prompt`.

use std::io::Write;
use std::process::{Command, Stdio};

mod tools;

use music_gen::domain::model::{SongStructure, StyleReference, TrackConfig};
use music_gen::domain::prompt::{build_prompt, structure_parts};

/// The Python tool's prompt, as the issue specifies it. Reads a JSON array of
/// TrackConfigs on stdin and prints, per track, the hex of the UTF-8 prompt.
const PYTHON_REFERENCE: &str = r#"
import json, sys

def build_prompt(c):
    s = c["structure"]
    parts = []
    if s["intro"]:
        parts.append("intro")
    for i in range(max(s["verse_count"], s["chorus_count"])):
        if i < s["verse_count"]:
            parts.append(f"verse {i + 1}")
        if i < s["chorus_count"]:
            parts.append("chorus")
    if s["bridge"]:
        parts.append("bridge")
    if s["outro"]:
        parts.append("outro")
    styles = ""
    if c["style_references"]:
        styles = "\nStyle references:\n" + "\n".join(
            f"- {r['type']}: {r['value']}" for r in c["style_references"]
        )
    d = c["duration_seconds"]
    return f"""Generate a {c['genre']} music track with the following specifications:

Duration: {d} seconds ({d // 60} minutes {d % 60} seconds)

Song structure: {' -> '.join(parts)}

Lyrics/Text input:
{c['text_input']}
{styles}

Create a track that follows this structure and incorporates the provided text and style references.
Temperature: {c['temperature']}
"""

tracks = json.loads(sys.stdin.buffer.read().decode("utf-8"))
for c in tracks:
    assert isinstance(c["temperature"], float), c["temperature"]
    sys.stdout.write(build_prompt(c).encode("utf-8").hex() + "\n")
"#;

const TEMPERATURES: [f64; 14] = [
    0.0,
    1.0,
    0.7,
    0.1 + 0.2,
    1e-05,
    5e-324,
    0.0001,
    0.00012345,
    -0.0,
    0.5,
    0.8,
    0.123456789,
    1.5e-7,
    1.0 - f64::EPSILON / 2.0,
];

const TEXTS: [&str; 14] = [
    "",
    "hello",
    "Verse one\nVerse two",
    "windows\r\nline endings\r\n",
    "emoji 🎸🔥🎶 and a family 👨‍👩‍👧",
    "日本語の歌詞、한국어, Ελληνικά, עברית",
    "  leading and trailing spaces  ",
    "\n\nleading newlines and trailing\n\n",
    "tabs\tand \\backslashes\\ and \"quotes\" and 'single'",
    "{braces} %s %d {0} {genre}",
    "NEL\u{85}LS\u{2028}PS\u{2029}BOM\u{feff}end",
    "control \u{1}\u{7}\u{1b}[31m chars \u{7f}",
    "nul\u{0}inside",
    "combining e\u{301} and ZWJ \u{200d}",
];

const GENRES: [&str; 6] = [
    "rock",
    "lo-fi hip hop",
    "Jazz 🎷",
    "électro-pop",
    "  spaced  ",
    "a: b # not a comment",
];

const STYLE_POOL: [(&str, &str); 8] = [
    ("style", "arena rock"),
    ("sound", "distorted electric guitars with powerful drums"),
    ("artist", "Björk"),
    ("similar_to", "🎹 piano ballads"),
    ("mood", "melancholic: slow\nand sad"),
    ("style", ""),
    ("sound", "  padded  "),
    ("era", "1:20 yes on 0.7"),
];

/// A tiny deterministic generator so failures reproduce.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[(self.next() as usize) % xs.len()]
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn generated_tracks() -> Vec<TrackConfig> {
    let mut tracks = Vec::new();
    // Every temperature and every text at least once, in plain settings.
    for (i, t) in TEMPERATURES.iter().enumerate() {
        let mut c = TrackConfig::new(TEXTS[i % TEXTS.len()], "rock");
        c.temperature = *t;
        tracks.push(c);
    }
    for text in TEXTS {
        tracks.push(TrackConfig::new(text, "pop"));
    }
    // Every structure in the valid ranges and a little beyond (0, negative),
    // since the prompt is built for every TrackConfig, valid or not.
    for verses in -1..=6 {
        for choruses in -1..=5 {
            for flags in 0..8u8 {
                let mut c = TrackConfig::new("words", "rock");
                c.structure = SongStructure {
                    intro: flags & 1 != 0,
                    verse_count: verses,
                    chorus_count: choruses,
                    bridge: flags & 2 != 0,
                    outro: flags & 4 != 0,
                };
                tracks.push(c);
            }
        }
    }
    // Durations around the minute boundaries, plus out-of-range ones where
    // Python's floor division and modulo matter.
    for d in [
        60, 61, 119, 120, 179, 180, 181, 239, 240, 0, 1, 59, 241, -1, -59, -60, -61, 3600,
    ] {
        let mut c = TrackConfig::new("words", "rock");
        c.duration_seconds = d;
        tracks.push(c);
    }
    // Random mixes: none, one or many style references.
    let mut rng = Lcg(0x5eed_1234);
    for _ in 0..400 {
        let mut c = TrackConfig::new(rng.pick(&TEXTS), rng.pick(&GENRES));
        c.duration_seconds = 60 + rng.below(181) as i64;
        c.temperature = rng.pick(&TEMPERATURES);
        c.structure = SongStructure {
            intro: rng.below(2) == 0,
            verse_count: 1 + rng.below(5) as i64,
            chorus_count: 1 + rng.below(4) as i64,
            bridge: rng.below(2) == 0,
            outro: rng.below(2) == 0,
        };
        let n_styles = match rng.below(3) {
            0 => 0,
            1 => 1,
            _ => 2 + rng.below(6) as usize,
        };
        c.style_references = (0..n_styles)
            .map(|_| {
                let (kind, value) = rng.pick(&STYLE_POOL);
                StyleReference {
                    kind: kind.to_string(),
                    value: value.to_string(),
                }
            })
            .collect();
        tracks.push(c);
    }
    tracks
}

fn require_python3() {
    tools::require("python3", "python3", &["-c", "import sys"]);
}

fn hex_decode(s: &str) -> Vec<u8> {
    assert!(s.len().is_multiple_of(2), "odd hex length");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

fn python_prompts(tracks: &[TrackConfig]) -> Vec<Vec<u8>> {
    let input = serde_json::to_vec(tracks).unwrap();
    let mut child = Command::new("python3")
        .arg("-c")
        .arg(PYTHON_REFERENCE)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start python3");
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(
        out.status.success(),
        "python reference failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(hex_decode)
        .collect()
}

#[test]
#[cfg_attr(not(has_python3), ignore = "python3 not found at build time")]
fn prompt_is_byte_identical_to_python_reference() {
    require_python3();
    let tracks = generated_tracks();
    let expected = python_prompts(&tracks);
    assert_eq!(expected.len(), tracks.len(), "one prompt per track");
    let mut mismatches = 0;
    for (track, want) in tracks.iter().zip(&expected) {
        let got = build_prompt(track);
        if got.as_bytes() != want.as_slice() {
            mismatches += 1;
            if mismatches <= 3 {
                eprintln!(
                    "mismatch for {track:?}\n--- python\n{:?}\n--- rust\n{:?}",
                    String::from_utf8_lossy(want),
                    got
                );
            }
        }
    }
    assert_eq!(
        mismatches,
        0,
        "{mismatches} of {} prompts differ",
        tracks.len()
    );
}

#[test]
#[cfg_attr(not(has_python3), ignore = "python3 not found at build time")]
fn the_python_reference_sees_every_temperature_exactly() {
    // Guards the comparison itself: the JSON hand-over must not round any
    // temperature, or a formatting bug could hide behind it.
    require_python3();
    let json = serde_json::to_string(&TEMPERATURES.to_vec()).unwrap();
    let out = Command::new("python3")
        .arg("-c")
        .arg("import json,sys; print('\\n'.join(repr(x) for x in json.loads(sys.argv[1])))")
        .arg(&json)
        .output()
        .unwrap();
    assert!(out.status.success());
    let reprs: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    let want: Vec<String> = TEMPERATURES
        .iter()
        .map(|t| music_gen::domain::pyfloat::repr(*t))
        .collect();
    assert_eq!(reprs, want);
}

#[test]
#[cfg_attr(not(has_python3), ignore = "python3 not found at build time")]
fn float_repr_matches_python_for_many_floats() {
    // The temperature line depends on Python's float repr; compare the
    // formatter with the real thing over random bit patterns, the valid range,
    // powers of ten around the notation switches and subnormals.
    require_python3();
    let mut rng = Lcg(42);
    let mut xs: Vec<f64> = Vec::new();
    while xs.len() < 1500 {
        let bits = (rng.next() << 33) ^ (rng.next() << 2) ^ rng.next();
        let x = f64::from_bits(bits);
        if x.is_finite() {
            xs.push(x);
        }
    }
    for _ in 0..1500 {
        xs.push(rng.next() as f64 / (1u64 << 31) as f64);
    }
    for e in -30..=30 {
        let p = 10f64.powi(e);
        xs.extend([p, -p, p * 1.5, p * 0.999_999_9, p * 1.000_000_1]);
    }
    xs.extend([
        f64::MIN_POSITIVE,
        f64::MIN_POSITIVE / 3.0,
        5e-324,
        1e-310,
        f64::MAX,
    ]);
    let json = serde_json::to_vec(&xs).unwrap();
    let mut child = Command::new("python3")
        .arg("-c")
        .arg("import json,sys\nfor x in json.load(sys.stdin): print(repr(x))")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(&json));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(out.status.success());
    let reprs = String::from_utf8(out.stdout).unwrap();
    let reprs: Vec<&str> = reprs.lines().collect();
    assert_eq!(reprs.len(), xs.len());
    for (x, want) in xs.iter().zip(reprs) {
        assert_eq!(
            music_gen::domain::pyfloat::repr(*x),
            want,
            "bits {:#x}",
            x.to_bits()
        );
    }
}

fn track(text: &str) -> TrackConfig {
    TrackConfig::new(text, "rock")
}

#[test]
fn exact_prompt_without_styles() {
    let got = build_prompt(&track("Hello world"));
    let want = "Generate a rock music track with the following specifications:\n\
                \n\
                Duration: 180 seconds (3 minutes 0 seconds)\n\
                \n\
                Song structure: intro -> verse 1 -> chorus -> verse 2 -> chorus -> bridge -> outro\n\
                \n\
                Lyrics/Text input:\n\
                Hello world\n\
                \n\
                \n\
                Create a track that follows this structure and incorporates the provided text and style references.\n\
                Temperature: 0.7\n";
    assert_eq!(got, want);
    assert!(got.contains("Hello world\n\n\nCreate a track"));
    assert!(got.ends_with("Temperature: 0.7\n"));
    assert!(!got.ends_with("\n\n"));
}

#[test]
fn exact_prompt_with_styles() {
    let mut c = TrackConfig::new("Line one\nLine two", "jazz");
    c.duration_seconds = 60;
    c.temperature = 1.0;
    c.structure = SongStructure {
        intro: false,
        verse_count: 3,
        chorus_count: 1,
        bridge: false,
        outro: true,
    };
    c.style_references = vec![
        StyleReference {
            kind: "style".into(),
            value: "smooth jazz".into(),
        },
        StyleReference {
            kind: "sound".into(),
            value: "saxophone and piano".into(),
        },
    ];
    let want = "Generate a jazz music track with the following specifications:\n\n\
                Duration: 60 seconds (1 minutes 0 seconds)\n\n\
                Song structure: verse 1 -> chorus -> verse 2 -> verse 3 -> outro\n\n\
                Lyrics/Text input:\nLine one\nLine two\n\n\
                Style references:\n- style: smooth jazz\n- sound: saxophone and piano\n\n\
                Create a track that follows this structure and incorporates the provided text and style references.\n\
                Temperature: 1.0\n";
    assert_eq!(build_prompt(&c), want);
}

#[test]
fn sixty_seconds_is_not_pluralised_or_trimmed() {
    let mut c = track("  spaced  ");
    c.duration_seconds = 60;
    let p = build_prompt(&c);
    assert!(
        p.contains("Duration: 60 seconds (1 minutes 0 seconds)\n"),
        "{p}"
    );
    assert!(p.contains("Lyrics/Text input:\n  spaced  \n"), "{p}");
    c.duration_seconds = 239;
    assert!(build_prompt(&c).contains("Duration: 239 seconds (3 minutes 59 seconds)\n"));
}

#[test]
fn empty_text_and_single_style() {
    let mut c = track("");
    c.style_references = vec![StyleReference {
        kind: "artist".into(),
        value: "🎸 Ünïcode".into(),
    }];
    let p = build_prompt(&c);
    assert!(
        p.contains(
            "Lyrics/Text input:\n\n\nStyle references:\n- artist: 🎸 Ünïcode\n\nCreate a track"
        ),
        "{p:?}"
    );
}

#[test]
fn temperature_formats() {
    let cases: [(f64, &str); 9] = [
        (0.0, "0.0"),
        (1.0, "1.0"),
        (0.7, "0.7"),
        (0.1 + 0.2, "0.30000000000000004"),
        (1e-05, "1e-05"),
        (5e-324, "5e-324"),
        (0.0001, "0.0001"),
        (0.00012345, "0.00012345"),
        (-0.0, "-0.0"),
    ];
    for (t, want) in cases {
        let mut c = track("x");
        c.temperature = t;
        let p = build_prompt(&c);
        let line = format!("\nTemperature: {want}\n");
        assert!(p.ends_with(&line), "temperature {t:?}: {p:?}");
    }
}

#[test]
fn structure_parts_interleave_verses_and_choruses() {
    let s = SongStructure {
        intro: true,
        verse_count: 2,
        chorus_count: 4,
        bridge: true,
        outro: false,
    };
    assert_eq!(
        structure_parts(&s),
        [
            "intro", "verse 1", "chorus", "verse 2", "chorus", "chorus", "chorus", "bridge"
        ]
    );
}
