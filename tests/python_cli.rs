//! The Python tool's command line keeps working: its commands as hidden
//! aliases, its flags and short options per command, and the commands of its
//! `examples/*.sh` exactly as they are written there.

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;

/// The binary run in `dir` (as a script would run it) with the store and
/// every other directory inside `dir`, isolated from the developer's setup.
fn music_gen(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("music-gen").unwrap();
    cmd.current_dir(dir);
    for var in [
        "MUSIC_GEN_MODE",
        "MUSIC_GEN_MODEL",
        "MUSIC_GEN_PRESETS_DIR",
        "MUSIC_GEN_VERTEX_ENDPOINT",
        "MUSIC_GEN_API_KEY",
        "GOOGLE_CLOUD_PROJECT",
        "GOOGLE_CLOUD_REGION",
        "GOOGLE_APPLICATION_CREDENTIALS",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("XDG_DATA_HOME", dir.join("data"));
    cmd.env("XDG_STATE_HOME", dir.join("state"));
    cmd.env("XDG_CONFIG_HOME", dir.join("config"));
    cmd.env("MUSIC_GEN_OUTPUT_DIR", dir.join("tracks"));
    cmd
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

fn ok(o: &Output) -> String {
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(o));
    stdout(o)
}

/// Splits a shell command the way bash would for the examples: words, double
/// quotes, and backslash-newline continuations. Nothing fancier is needed.
fn shell_words(script: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quoted = false;
    let mut chars = script.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                quoted = !quoted;
                in_word = true;
            }
            '\\' if !quoted && chars.peek() == Some(&'\n') => {
                chars.next();
            }
            c if c.is_whitespace() && !quoted => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                word.push(c);
                in_word = true;
            }
        }
    }
    assert!(!quoted, "unbalanced quote in {script:?}");
    if in_word {
        words.push(word);
    }
    words
}

/// The command of a Python-tool example, without its leading `music-gen`.
fn example_args(script: &str) -> Vec<String> {
    let lines: String = script
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .map(|l| format!("{l}\n"))
        .collect();
    let mut words = shell_words(&lines);
    assert_eq!(words.remove(0), "music-gen");
    words
}

// The Python tool's examples/*.sh, verbatim.
const CUSTOM_EDM: &str = r#"# Example: Custom EDM track with specific style

music-gen generate \
  --text "Feel the beat, move your feet, electric energy, can't be beat" \
  --genre electronic \
  --duration 240 \
  --verses 2 \
  --choruses 4 \
  --bridge \
  --style "style:progressive house" \
  --style "sound:layered synthesizers with pulsing bass" \
  --style "similar_to:deadmau5" \
  --temperature 0.9 \
  --output custom_edm.mp3
"#;

const JAZZ_SMOOTH: &str = r#"# Example: Generate smooth jazz

music-gen generate \
  --text "Moonlight dancing on the water, soft whispers in the night, love in the air" \
  --genre jazz \
  --preset jazz_smooth \
  --duration 180 \
  --output jazz_smooth_example.mp3
"#;

const ROCK_ANTHEM: &str = r#"# Example: Generate a rock anthem

music-gen generate \
  --text "We are the champions, rising from the ground, our voices echo, a powerful sound" \
  --genre rock \
  --preset rock_anthem \
  --duration 240 \
  --output rock_anthem_example.mp3
"#;

fn metadata(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

#[test]
fn custom_edm_example_runs_and_writes_its_metadata_where_it_said() {
    let dir = tempfile::tempdir().unwrap();
    let o = music_gen(dir.path())
        .args(example_args(CUSTOM_EDM))
        .output()
        .unwrap();
    let out = ok(&o);
    assert!(out.contains("similar_to: deadmau5"), "{out}");
    let m = metadata(&dir.path().join("custom_edm.json"));
    assert_eq!(m["status"], "simulated");
    assert_eq!(m["duration_seconds"], 240);
    assert_eq!(m["genre"], "electronic");
    let prompt = m["prompt"].as_str().unwrap();
    assert!(
        prompt.contains(
            "intro -> verse 1 -> chorus -> verse 2 -> chorus -> chorus -> chorus -> bridge -> outro"
        ),
        "{prompt}"
    );
    assert!(prompt.contains("- sound: layered synthesizers with pulsing bass"));
    assert!(prompt.contains("Temperature: 0.9"));
}

#[test]
fn preset_examples_run_with_the_builtin_presets() {
    for (script, file, genre, duration, style) in [
        (
            JAZZ_SMOOTH,
            "jazz_smooth_example.json",
            "jazz",
            180,
            "smooth jazz",
        ),
        (
            ROCK_ANTHEM,
            "rock_anthem_example.json",
            "rock",
            240,
            "arena rock",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let o = music_gen(dir.path())
            .args(example_args(script))
            .output()
            .unwrap();
        ok(&o);
        let m = metadata(&dir.path().join(file));
        assert_eq!(m["genre"], genre);
        assert_eq!(m["duration_seconds"], duration);
        let prompt = m["prompt"].as_str().unwrap();
        assert!(prompt.contains(&format!("- style: {style}")), "{prompt}");
    }
}

#[test]
fn generate_takes_the_python_short_options_and_negated_sections() {
    let dir = tempfile::tempdir().unwrap();
    let o = music_gen(dir.path())
        .args([
            "generate",
            "-t",
            "words",
            "-g",
            "funk",
            "-d",
            "90",
            "-s",
            "style:slap bass",
            "-s",
            "sound:clavinet",
            "--no-intro",
            "--no-bridge",
            "--no-outro",
            "--verses",
            "3",
            "--choruses",
            "1",
            "--temperature",
            "0.25",
            "--mode",
            "simulate",
            "--location",
            "us-central1",
            "--project-id",
            "p",
            "-o",
            "out.mp3",
        ])
        .output()
        .unwrap();
    ok(&o);
    let m = metadata(&dir.path().join("out.json"));
    assert_eq!(m["duration_seconds"], 90);
    let prompt = m["prompt"].as_str().unwrap();
    assert!(
        prompt.contains("Song structure: verse 1 -> chorus -> verse 2 -> verse 3"),
        "{prompt}"
    );
    assert!(prompt.contains("- style: slap bass"));
    assert!(prompt.contains("Temperature: 0.25"));
    // `-p` is the preset, as in the Python tool.
    let o = music_gen(dir.path())
        .args([
            "generate",
            "-t",
            "w",
            "-g",
            "pop",
            "-p",
            "pop_catchy",
            "-o",
            "p.mp3",
        ])
        .output()
        .unwrap();
    ok(&o);
    assert_eq!(metadata(&dir.path().join("p.json"))["genre"], "pop");
}

#[test]
fn save_show_list_delete_preset_aliases_with_python_flags() {
    let dir = tempfile::tempdir().unwrap();
    // save-preset: -n name, -d DESCRIPTION (not duration), -g genre.
    let o = music_gen(dir.path())
        .args([
            "save-preset",
            "-n",
            "night_drive",
            "-d",
            "Synthwave for night driving",
            "-g",
            "synthwave",
            "--no-intro",
            "--verses",
            "3",
            "--choruses",
            "2",
            "--no-bridge",
            "--outro",
            "-s",
            "style:retro synthwave",
            "--temperature",
            "0.6",
            "--tips",
            "Neon, chrome and highways.",
        ])
        .output()
        .unwrap();
    let out = ok(&o);
    assert!(out.contains("Saved preset night_drive"), "{out}");

    let o = music_gen(dir.path())
        .args(["show-preset", "night_drive", "--json"])
        .output()
        .unwrap();
    let p: Value = serde_json::from_str(&ok(&o)).unwrap();
    assert_eq!(p["description"], "Synthwave for night driving");
    assert_eq!(p["genre"], "synthwave");
    assert_eq!(p["structure"]["intro"], false);
    assert_eq!(p["structure"]["verse_count"], 3);
    assert_eq!(p["structure"]["bridge"], false);
    assert_eq!(p["structure"]["outro"], true);
    assert_eq!(p["style_references"][0]["value"], "retro synthwave");
    assert_eq!(p["temperature"], 0.6);
    assert_eq!(p["tips"], "Neon, chrome and highways.");

    let o = music_gen(dir.path())
        .args(["show-preset", "night_drive"])
        .output()
        .unwrap();
    assert!(ok(&o).contains("description: Synthwave for night driving"));

    // The long forms work too, and the Python tool's defaults apply.
    let o = music_gen(dir.path())
        .args([
            "save-preset",
            "--name",
            "plain",
            "--genre",
            "folk",
            "--description",
            "d",
        ])
        .output()
        .unwrap();
    ok(&o);
    let o = music_gen(dir.path())
        .args(["show-preset", "plain", "--json"])
        .output()
        .unwrap();
    let p: Value = serde_json::from_str(&ok(&o)).unwrap();
    assert_eq!(p["temperature"], 0.7);
    assert_eq!(
        p["structure"],
        serde_json::json!({"intro": true, "verse_count": 2, "chorus_count": 2, "bridge": true, "outro": true})
    );

    let o = music_gen(dir.path()).arg("list-presets").output().unwrap();
    let out = ok(&o);
    assert!(out.starts_with("NAME"));
    for name in ["night_drive", "plain", "rock_anthem"] {
        assert!(out.contains(name), "{name} not in {out}");
    }

    // delete-preset asks like the Python tool; without a terminal it needs --yes.
    let o = music_gen(dir.path())
        .args(["delete-preset", "night_drive"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--yes"), "{}", stderr(&o));
    let o = music_gen(dir.path())
        .args(["delete-preset", "night_drive", "--yes"])
        .output()
        .unwrap();
    ok(&o);
    let o = music_gen(dir.path())
        .args(["show-preset", "night_drive"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
}

#[test]
fn errors_exit_non_zero_where_the_python_tool_exited_0() {
    let dir = tempfile::tempdir().unwrap();
    let o = music_gen(dir.path())
        .args(["show-preset", "no_such"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("no_such"), "{}", stderr(&o));
    let o = music_gen(dir.path())
        .args(["generate", "-t", "w", "-g", "rock", "-p", "no_such"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let o = music_gen(dir.path())
        .args(["save-preset", "-n", "x", "-g", "rock", "--verses", "9"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("verse_count"), "{}", stderr(&o));
}

#[test]
fn aliases_are_hidden_from_help() {
    let dir = tempfile::tempdir().unwrap();
    let o = music_gen(dir.path()).arg("--help").output().unwrap();
    let out = ok(&o);
    assert!(out.contains("presets"));
    for alias in [
        "list-presets",
        "show-preset",
        "save-preset",
        "delete-preset",
    ] {
        assert!(!out.contains(alias), "{alias} shown in help:\n{out}");
    }
}

#[test]
fn shell_words_splits_like_bash_for_the_examples() {
    assert_eq!(
        example_args("# c\nmusic-gen a \\\n  --x \"b c\" \\\n  d\n"),
        ["a", "--x", "b c", "d"]
    );
}
