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

// ---- presets import ----

const NIGHT_DRIVE: &str = "name: night_drive
description: Synthwave for night driving
genre: synthwave
structure:
  intro: true
  verse_count: 2
  chorus_count: 2
  bridge: false
  outro: true
style_references:
- type: style
  value: retro synthwave
temperature: 0.6
tips: null
";

/// A Python tool's `./presets`: its five built-ins (as it wrote them, equal
/// to ours), one changed built-in, one of the user's, and broken files.
fn python_presets(dir: &Path) -> std::path::PathBuf {
    let p = dir.join("presets");
    std::fs::create_dir_all(&p).unwrap();
    for name in [
        "jazz_smooth",
        "electronic_dance",
        "classical_orchestral",
        "pop_catchy",
    ] {
        let text = std::fs::read_to_string(format!("presets/{name}.yaml")).unwrap();
        std::fs::write(p.join(format!("{name}.yaml")), text).unwrap();
    }
    let rock = std::fs::read_to_string("presets/rock_anthem.yaml")
        .unwrap()
        .replace("temperature: 0.8", "temperature: 0.95");
    std::fs::write(p.join("rock_anthem.yaml"), rock).unwrap();
    std::fs::write(p.join("night_drive.yaml"), NIGHT_DRIVE).unwrap();
    std::fs::write(
        p.join("too_hot.yaml"),
        NIGHT_DRIVE
            .replace("name: night_drive", "name: too_hot")
            .replace("0.6", "1.5"),
    )
    .unwrap();
    std::fs::write(p.join("garbled.yaml"), "name: [unclosed\n").unwrap();
    std::fs::write(p.join("My Song.yaml"), NIGHT_DRIVE).unwrap();
    std::fs::write(p.join("notes.txt"), "not a preset").unwrap();
    p
}

fn list_json(dir: &Path) -> Vec<Value> {
    let o = music_gen(dir)
        .args(["presets", "list", "--json"])
        .output()
        .unwrap();
    serde_json::from_str::<Value>(&ok(&o))
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn import_brings_new_presets_skips_conflicts_and_reports_broken_files() {
    let home = tempfile::tempdir().unwrap();
    let src = python_presets(home.path());
    // A dry run writes nothing.
    let o = music_gen(home.path())
        .args(["presets", "import"])
        .arg(&src)
        .arg("--dry-run")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("dry run: nothing written"),
        "{}",
        stdout(&o)
    );
    assert_eq!(list_json(home.path()).len(), 5);

    let o = music_gen(home.path())
        .args(["presets", "import"])
        .arg(&src)
        .output()
        .unwrap();
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("3 of 9 files could not be imported"), "{err}");
    let line = |file: &str| {
        out.lines()
            .find(|l| l.split_whitespace().nth(1) == Some(file) || l.contains(&format!(" {file} ")))
            .unwrap_or_else(|| panic!("no line for {file} in\n{out}"))
            .to_string()
    };
    assert!(
        line("night_drive.yaml")
            .trim_start()
            .starts_with("imported")
    );
    assert!(
        line("jazz_smooth.yaml")
            .trim_start()
            .starts_with("unchanged")
    );
    assert!(line("rock_anthem.yaml").trim_start().starts_with("skipped"));
    assert!(line("too_hot.yaml").contains("temperature"), "{out}");
    assert!(line("garbled.yaml").trim_start().starts_with("broken"));
    assert!(line("My Song.yaml").contains("rename the file"), "{out}");
    assert!(!out.contains("notes.txt"));
    assert!(
        out.contains("1 imported, 0 replaced, 4 unchanged, 1 skipped, 3 broken."),
        "{out}"
    );
    assert!(out.contains("--replace"));
    let names: Vec<_> = list_json(home.path())
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect();
    assert!(names.contains(&"night_drive".to_string()), "{names:?}");
    assert_eq!(names.len(), 6);
    // The conflicting preset kept music-gen's version.
    let o = music_gen(home.path())
        .args(["show-preset", "rock_anthem", "--json"])
        .output()
        .unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&ok(&o)).unwrap()["temperature"],
        0.8
    );

    // --replace overwrites it; --json tells each file's outcome.
    let o = music_gen(home.path())
        .args(["presets", "import", "--replace", "--json"])
        .arg(&src)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&o.stdout).unwrap();
    let outcome = |file: &str| {
        report["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["file"].as_str().unwrap().ends_with(file))
            .unwrap()
            .clone()
    };
    assert_eq!(outcome("rock_anthem.yaml")["outcome"], "replaced");
    assert_eq!(outcome("night_drive.yaml")["outcome"], "unchanged");
    assert_eq!(outcome("too_hot.yaml")["outcome"], "broken");
    assert!(
        outcome("too_hot.yaml")["reason"]
            .as_str()
            .unwrap()
            .contains("temperature")
    );
    let o = music_gen(home.path())
        .args(["show-preset", "rock_anthem", "--json"])
        .output()
        .unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&ok(&o)).unwrap()["temperature"],
        0.95
    );
}

#[test]
fn import_uses_the_file_name_the_python_tool_used_and_exits_0_when_all_is_well() {
    let home = tempfile::tempdir().unwrap();
    let src = home.path().join("old");
    std::fs::create_dir(&src).unwrap();
    std::fs::write(src.join("drive.yaml"), NIGHT_DRIVE).unwrap();
    let o = music_gen(home.path())
        .args(["presets", "import"])
        .arg(&src)
        .output()
        .unwrap();
    let out = ok(&o);
    assert!(out.contains("imported as drive"), "{out}");
    let o = music_gen(home.path())
        .args(["generate", "-t", "w", "-p", "drive"])
        .output()
        .unwrap();
    ok(&o);
}

#[test]
fn import_refuses_a_missing_dir_an_empty_one_and_the_store_itself() {
    let home = tempfile::tempdir().unwrap();
    let empty = home.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let store = home.path().join("data/music-gen/presets");
    for (dir, needle) in [
        (home.path().join("nope"), "nope: no such directory"),
        (empty, "no presets there"),
        (store, "music-gen's own presets folder"),
    ] {
        let o = music_gen(home.path())
            .args(["presets", "import"])
            .arg(&dir)
            .output()
            .unwrap();
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(needle), "{err}");
        assert!(o.stdout.is_empty());
    }
}

#[test]
fn a_python_tools_presets_folder_gets_one_hint_then_silence() {
    let home = tempfile::tempdir().unwrap();
    python_presets(home.path());
    let hint = "music-gen presets import ./presets";
    let o = music_gen(home.path()).arg("list-presets").output().unwrap();
    ok(&o);
    assert!(stderr(&o).contains(hint), "{}", stderr(&o));
    let o = music_gen(home.path()).arg("list-presets").output().unwrap();
    ok(&o);
    assert!(!stderr(&o).contains(hint), "said twice: {}", stderr(&o));

    // No hint once the store has presets of its own, nor for only built-ins.
    let other = tempfile::tempdir().unwrap();
    python_presets(other.path());
    let o = music_gen(other.path())
        .args(["save-preset", "-n", "mine", "-g", "rock"])
        .output()
        .unwrap();
    assert!(stderr(&o).contains(hint), "the first command hints");
    let fresh_state = other.path().join("state2");
    let o = music_gen(other.path())
        .env("XDG_STATE_HOME", &fresh_state)
        .arg("list-presets")
        .output()
        .unwrap();
    assert!(!stderr(&o).contains(hint), "{}", stderr(&o));

    let builtins_only = tempfile::tempdir().unwrap();
    let p = builtins_only.path().join("presets");
    std::fs::create_dir(&p).unwrap();
    std::fs::copy("presets/pop_catchy.yaml", p.join("pop_catchy.yaml")).unwrap();
    let o = music_gen(builtins_only.path())
        .arg("list-presets")
        .output()
        .unwrap();
    assert!(!stderr(&o).contains(hint), "{}", stderr(&o));
}
