//! The CLI end to end, through the real binary.

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;

fn music_gen(presets: &Path) -> Command {
    let mut cmd = Command::cargo_bin("music-gen").unwrap();
    cmd.arg("--presets-dir").arg(presets);
    // Isolate from the developer's environment and home directory.
    for var in [
        "MUSIC_GEN_MODE",
        "MUSIC_GEN_MODEL",
        "MUSIC_GEN_PRESETS_DIR",
        "MUSIC_GEN_VERTEX_ENDPOINT",
        "GOOGLE_CLOUD_PROJECT",
        "GOOGLE_CLOUD_REGION",
        "GOOGLE_APPLICATION_CREDENTIALS",
        "MUSIC_GEN_CONFIG",
        "MUSIC_GEN_API_KEY",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("XDG_STATE_HOME", presets.join("state"));
    cmd.env("XDG_CONFIG_HOME", presets.join("config"));
    cmd.env("MUSIC_GEN_OUTPUT_DIR", presets.join("tracks"));
    cmd
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

/// A failure prints exactly one line on stderr and nothing on stdout.
fn assert_one_line_error(o: &Output, code: i32, needle: &str) {
    assert_eq!(o.status.code(), Some(code), "stderr: {}", stderr(o));
    let err = stderr(o);
    assert_eq!(err.lines().count(), 1, "one line expected: {err:?}");
    assert!(err.contains(needle), "{needle:?} not in {err:?}");
    assert!(o.stdout.is_empty());
}

#[test]
fn lists_builtins_as_table_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let o = music_gen(dir.path())
        .args(["presets", "list"])
        .output()
        .unwrap();
    assert!(o.status.success());
    let out = stdout(&o);
    assert!(out.starts_with("NAME"));
    for name in [
        "rock_anthem",
        "jazz_smooth",
        "electronic_dance",
        "classical_orchestral",
        "pop_catchy",
    ] {
        assert!(out.contains(name), "{name} missing from {out}");
    }
    let o = music_gen(dir.path())
        .args(["presets", "list", "--json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let first = &v.as_array().unwrap()[0];
    assert_eq!(first["name"], "classical_orchestral");
    assert_eq!(first["genre"], "classical");
    assert_eq!(first["description"], "Classical orchestral composition");
}

#[test]
fn broken_preset_is_listed_with_its_reason_and_others_still_work() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("broken.yaml"),
        "name: broken\ngenre: [unclosed\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("hot.yaml"),
        "name: hot\ngenre: rock\ntemperature: 3\n",
    )
    .unwrap();
    let o = music_gen(dir.path())
        .args(["presets", "list", "--json"])
        .output()
        .unwrap();
    assert!(o.status.success());
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let find = |n: &str| {
        v.as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == n)
            .unwrap()
            .clone()
    };
    assert!(find("broken")["error"].as_str().unwrap().contains("line"));
    assert!(
        find("hot")["error"]
            .as_str()
            .unwrap()
            .contains("temperature: 3.0 is outside 0.0 to 1.0")
    );
    assert!(find("rock_anthem").get("error").is_none());
    let table = stdout(
        &music_gen(dir.path())
            .args(["presets", "list"])
            .output()
            .unwrap(),
    );
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("broken") && l.contains("(broken)"))
    );
    let o = music_gen(dir.path())
        .args(["prompt", "-p", "rock_anthem", "-t", "x"])
        .output()
        .unwrap();
    assert!(o.status.success());
}

#[test]
fn show_prints_yaml_or_json_and_refuses_hostile_names() {
    let dir = tempfile::tempdir().unwrap();
    let o = music_gen(dir.path())
        .args(["presets", "show", "pop_catchy"])
        .output()
        .unwrap();
    let builtin = include_str!("../presets/pop_catchy.yaml");
    assert_eq!(stdout(&o), builtin);
    let o = music_gen(dir.path())
        .args(["presets", "show", "pop_catchy", "--json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["structure"]["outro"], false);
    assert_eq!(v["style_references"][1]["type"], "sound");
    for name in ["../x", "/etc/passwd", "a/b", ""] {
        let o = music_gen(dir.path())
            .args(["presets", "show", name])
            .output()
            .unwrap();
        assert_one_line_error(&o, 2, "name:");
    }
    let o = music_gen(dir.path())
        .args(["presets", "show", "missing"])
        .output()
        .unwrap();
    assert_one_line_error(&o, 1, "not found");
}

#[test]
fn save_from_flags_and_files_then_delete() {
    let dir = tempfile::tempdir().unwrap();
    let o = music_gen(dir.path())
        .args([
            "presets",
            "save",
            "--name",
            "lofi",
            "--genre",
            "lo-fi hip hop",
            "--description",
            "Chill",
        ])
        .args([
            "--verses",
            "3",
            "--no-bridge",
            "-s",
            "sound:vinyl crackle",
            "--temperature",
            "0.4",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(dir.path().join("lofi.yaml")).unwrap();
    assert!(text.contains("verse_count: 3"));
    assert!(text.contains("bridge: false"));
    assert!(text.contains("value: vinyl crackle"));

    let json = dir.path().join("in.json");
    std::fs::write(
        &json,
        r#"{"name":"fromjson","genre":"folk","temperature":0.3,"extra":1}"#,
    )
    .unwrap();
    let o = music_gen(dir.path())
        .args(["presets", "save", "--file"])
        .arg(&json)
        .output()
        .unwrap();
    assert!(o.status.success());
    assert!(stderr(&o).contains("extra: unknown key"), "{}", stderr(&o));
    let o = music_gen(dir.path())
        .args(["presets", "show", "fromjson", "--json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["temperature"], 0.3);
    assert_eq!(v["structure"]["verse_count"], 2);

    // A refused save leaves the old file as it was.
    let before = std::fs::read(dir.path().join("lofi.yaml")).unwrap();
    let o = music_gen(dir.path())
        .args([
            "presets",
            "save",
            "--name",
            "lofi",
            "--genre",
            "x",
            "--choruses",
            "7",
        ])
        .output()
        .unwrap();
    assert_one_line_error(&o, 2, "structure.chorus_count: 7 is above the maximum 4");
    assert_eq!(std::fs::read(dir.path().join("lofi.yaml")).unwrap(), before);

    let o = music_gen(dir.path())
        .args(["presets", "delete", "lofi"])
        .output()
        .unwrap();
    assert_one_line_error(&o, 2, "--yes");
    assert!(dir.path().join("lofi.yaml").exists());
    let o = music_gen(dir.path())
        .args(["presets", "delete", "lofi", "--yes"])
        .output()
        .unwrap();
    assert!(o.status.success());
    assert!(!dir.path().join("lofi.yaml").exists());
    let o = music_gen(dir.path())
        .args(["presets", "delete", "lofi", "--yes"])
        .output()
        .unwrap();
    assert_one_line_error(&o, 1, "not found");
}

#[test]
fn prompt_layers_preset_config_and_flags() {
    let dir = tempfile::tempdir().unwrap();
    let o = music_gen(dir.path())
        .args([
            "prompt",
            "-p",
            "rock_anthem",
            "-t",
            "We rise",
            "--genre",
            "punk",
            "--no-outro",
            "-d",
            "60",
        ])
        .output()
        .unwrap();
    assert!(o.status.success());
    let want = "Generate a punk music track with the following specifications:\n\n\
        Duration: 60 seconds (1 minutes 0 seconds)\n\n\
        Song structure: intro -> verse 1 -> chorus -> verse 2 -> chorus -> chorus -> bridge\n\n\
        Lyrics/Text input:\nWe rise\n\nStyle references:\n- style: arena rock\n\
        - sound: distorted electric guitars with powerful drums\n\n\
        Create a track that follows this structure and incorporates the provided text and style references.\n\
        Temperature: 0.8\n";
    assert_eq!(stdout(&o), want);

    // --config from stdin; missing fields take the defaults; flags win.
    let o = music_gen(dir.path())
        .args(["prompt", "--config", "-", "--temperature", "0.25"])
        .write_stdin("text_input: Hi\ngenre: ambient\nstructure:\n  verse_count: 1\n  chorus_count: 1\n  intro: false\n")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let p = stdout(&o);
    assert!(p.contains("Duration: 180 seconds (3 minutes 0 seconds)"));
    assert!(p.contains("Song structure: verse 1 -> chorus -> bridge -> outro\n"));
    assert!(p.contains("Lyrics/Text input:\nHi\n\n\nCreate"));
    assert!(p.ends_with("Temperature: 0.25\n"));
}

#[test]
fn generate_simulated_writes_metadata_beside_output() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("nested/deeper/track.mp3");
    let o = music_gen(dir.path())
        .args([
            "generate",
            "-p",
            "jazz_smooth",
            "-t",
            "Blue night",
            "-d",
            "120",
            "--json",
            "--output",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let meta_path = dir.path().join("nested/deeper/track.json");
    assert_eq!(v["metadata_path"], meta_path.to_str().unwrap());
    let on_disk: Value = serde_json::from_slice(&std::fs::read(&meta_path).unwrap()).unwrap();
    assert_eq!(on_disk, v);
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    // The Python tool's keys in its order, then music-gen's: the schema
    // version and what a re-run needs.
    assert_eq!(
        keys,
        [
            "schema_version",
            "status",
            "mode",
            "genre",
            "duration_seconds",
            "prompt",
            "metadata",
            "message",
            "cost_estimate",
            "metadata_path",
            "track",
            "settings",
            "preset",
            "created_at",
            "finished_at"
        ]
    );
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["track"]["text_input"], "Blue night");
    assert_eq!(v["preset"], "jazz_smooth");
    assert_eq!(v["settings"]["model"], "lyria-002");
    assert_eq!(v["settings"]["sample_count"], 1);
    assert_eq!(v["status"], "simulated");
    assert_eq!(v["mode"], "simulate");
    assert_eq!(
        v["message"],
        "Track generation simulated (no GCP credentials required)."
    );
    assert_eq!(v["metadata"]["temperature"], 0.6);
    assert_eq!(v["cost_estimate"]["base_cost_usd"], 0.01);
    assert_eq!(v["cost_estimate"]["duration_cost_usd"], 0.0001 * 120.0);
    assert_eq!(
        v["cost_estimate"]["estimated_total_usd"],
        0.01 + 0.0001 * 120.0
    );
    assert!(!out.exists(), "simulate mode writes no audio");

    // Without --output the take goes to the library (the output folder);
    // the summary is readable text.
    let o = music_gen(dir.path())
        .args(["generate", "-g", "rock", "-t", "x"])
        .output()
        .unwrap();
    assert!(o.status.success());
    let s = stdout(&o);
    assert!(s.contains("Status:       simulated"));
    // Nothing spent, and what gcp mode would cost: the TUI's figure.
    assert!(
        s.contains("Cost estimate: none (simulated; gcp mode ~$0.0600)"),
        "{s}"
    );
    assert!(s.contains("Metadata:"), "{s}");
    // The default model sings no words and returns ~30 s: said under it.
    assert!(
        s.contains(
            "Note:         lyria-002 is instrumental and returns ~30 s: the lyrics and \
             the 180 s duration only shape the prompt; lyria-3-pro-preview sings them"
        ),
        "{s}"
    );
    let takes: Vec<_> = std::fs::read_dir(dir.path().join("tracks"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(takes.len(), 1, "{takes:?}");
    assert!(takes[0].ends_with("-rock.json"), "{takes:?}");
    // history show says the same of its cost.
    let id = takes[0].trim_end_matches(".json");
    let o = music_gen(dir.path())
        .args(["history", "show", id])
        .output()
        .unwrap();
    assert!(
        stdout(&o).contains("Cost:         none (simulated; gcp mode ~$0.0600: "),
        "{}",
        stdout(&o)
    );
}

#[test]
fn paid_generation_needs_yes_without_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let o = music_gen(dir.path())
        .args([
            "generate",
            "-g",
            "rock",
            "-t",
            "x",
            "--mode",
            "gcp",
            "--project-id",
            "p",
        ])
        .output()
        .unwrap();
    assert_one_line_error(&o, 2, "--yes");
    let o = music_gen(dir.path())
        .args([
            "generate",
            "-g",
            "rock",
            "-t",
            "x",
            "--mode",
            "gcp",
            "--model",
            "lyria-3-clip-preview",
            "--seed",
            "4",
            "--yes",
        ])
        .output()
        .unwrap();
    assert_one_line_error(&o, 2, "seed: lyria-3-clip-preview does not support it");
}

#[test]
fn usage_errors_exit_2_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (&["prompt", "-g", "rock"], "text_input: is required"),
        (&["prompt", "-t", "x"], "genre: is required"),
        (
            &["prompt", "-t", "x", "-g", "rock", "-d", "59"],
            "duration_seconds: 59 is below the minimum 60",
        ),
        (
            &["prompt", "-t", "x", "-g", "rock", "-d", "241"],
            "duration_seconds: 241 is above the maximum 240",
        ),
        (
            &["prompt", "-t", "x", "-g", "rock", "-s", "novalue"],
            "must be TYPE:VALUE",
        ),
        (
            &["prompt", "-t", "x", "-g", "rock", "--temperature", "-0.1"],
            "temperature: -0.1 is outside 0.0 to 1.0",
        ),
        (
            &[
                "prompt",
                "-t",
                "x",
                "-g",
                "rock",
                "--samples",
                "2",
                "--seed",
                "1",
            ],
            "seed: cannot be combined",
        ),
        (
            &["generate", "-t", "x", "-g", "rock", "--model", "lyria-9"],
            "--model:",
        ),
    ];
    for (args, needle) in cases {
        let o = music_gen(dir.path()).args(*args).output().unwrap();
        assert_one_line_error(&o, 2, needle);
    }
    let long = "é".repeat(10_001);
    let o = music_gen(dir.path())
        .args(["prompt", "-g", "rock", "-t", &long])
        .output()
        .unwrap();
    assert_one_line_error(
        &o,
        2,
        "text_input: 10001 characters is above the maximum 10000",
    );
}

#[test]
fn tips_and_config() {
    let dir = tempfile::tempdir().unwrap();
    let o = music_gen(dir.path()).args(["tips"]).output().unwrap();
    assert_eq!(stdout(&o).lines().count(), 5);
    let o = music_gen(dir.path())
        .args(["tips", "--preset", "jazz_smooth", "--json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        v["tips"],
        "Focus on sophisticated, laid-back lyrics. Perfect for evening moods."
    );
    let o = music_gen(dir.path())
        .args([
            "config",
            "--json",
            "--mode",
            "gcp",
            "--project-id",
            "demo",
            "--location",
            "global",
        ])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["mode"], "gcp");
    assert_eq!(v["project"], "demo");
    assert_eq!(v["location"], "global");
    assert_eq!(v["model"], "lyria-002");
    assert_eq!(v["presets_dir"], dir.path().to_str().unwrap());
    assert_eq!(v["presets_available"].as_array().unwrap().len(), 5);
    assert!(
        v["log_file"]
            .as_str()
            .unwrap()
            .ends_with("music-gen/music-gen.log")
    );
}

/// A built-in deleted from the command line stays deleted in later runs,
/// until `presets restore-builtins` writes it back.
#[test]
fn a_deleted_builtin_stays_deleted_until_restore_builtins() {
    let dir = tempfile::tempdir().unwrap();
    let presets = dir.path().join("presets");
    // The state beside the presets folder, not in it: music-gen creates
    // the folder, so it writes the built-ins into it.
    let music_gen = |presets: &Path| {
        let mut cmd = music_gen(presets);
        cmd.env("XDG_STATE_HOME", dir.path().join("state"))
            .env("XDG_CONFIG_HOME", dir.path().join("config"));
        cmd
    };
    let out = music_gen(&presets)
        .args(["presets", "delete", "rock_anthem", "--yes"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let list = stdout(
        &music_gen(&presets)
            .args(["presets", "list"])
            .output()
            .unwrap(),
    );
    assert!(!list.contains("rock_anthem"), "{list}");
    let out = music_gen(&presets)
        .args(["presets", "restore-builtins"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "Restored: rock_anthem\nAlready there, left as they are: jazz_smooth, electronic_dance, classical_orchestral, pop_catchy\n"
    );
    let list = stdout(
        &music_gen(&presets)
            .args(["presets", "list"])
            .output()
            .unwrap(),
    );
    assert!(list.contains("rock_anthem"), "{list}");
    let out = music_gen(&presets)
        .args(["presets", "restore-builtins", "--json"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["restored"], serde_json::json!([]));
    assert_eq!(report["kept"].as_array().unwrap().len(), 5);
}
