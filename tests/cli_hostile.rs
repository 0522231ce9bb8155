//! The CLI against hostile input and surroundings, through the real binary:
//! closed pipes, full disks, escape sequences, secrets given by mistake,
//! JSON from Python, odd output paths and empty environment variables.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        Env {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn presets(&self) -> PathBuf {
        self.path("presets")
    }

    fn cmd(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_music-gen"));
        for var in [
            "MUSIC_GEN_MODE",
            "MUSIC_GEN_MODEL",
            "MUSIC_GEN_PRESETS_DIR",
            "MUSIC_GEN_OUTPUT_DIR",
            "MUSIC_GEN_VERTEX_ENDPOINT",
            "GOOGLE_CLOUD_PROJECT",
            "GOOGLE_CLOUD_REGION",
            "GOOGLE_APPLICATION_CREDENTIALS",
        ] {
            cmd.env_remove(var);
        }
        cmd.env("XDG_STATE_HOME", self.path("state"))
            .env("HOME", self.dir.path())
            .arg("--presets-dir")
            .arg(self.presets())
            .stdin(Stdio::null());
        cmd
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().unwrap()
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// One line on stderr with `needle`, the exit code, nothing on stdout.
fn assert_one_line(o: &Output, code: i32, needle: &str) {
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(code), "{err}");
    assert_eq!(err.lines().count(), 1, "one line expected: {err:?}");
    assert!(err.contains(needle), "{needle:?} not in {err:?}");
    assert!(!err.contains('\x1b'), "no colour: {err:?}");
}

#[test]
fn a_closed_pipe_ends_quietly_and_a_full_disk_is_one_line() {
    let env = Env::new();
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let o = env
        .cmd()
        .args(["presets", "list"])
        .stdout(writer)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(141), "{}", text(&o.stderr));
    assert!(o.stderr.is_empty(), "{}", text(&o.stderr));

    let full = std::fs::File::create("/dev/full").unwrap();
    let o = env
        .cmd()
        .args(["presets", "list"])
        .stdout(full)
        .output()
        .unwrap();
    assert_one_line(&o, 1, "cannot write to standard output");
}

#[test]
fn escape_sequences_in_presets_are_shown_not_obeyed() {
    let env = Env::new();
    env.run(&["presets", "list"]);
    std::fs::write(
        env.presets().join("evil.yaml"),
        "name: evil\ngenre: \"\\e[2J\\e]0;owned\\a\"\ndescription: \"\\e[1A\\rfake line\"\ntips: \"\\e[31mred\\u009b\"\n",
    )
    .unwrap();
    for args in [
        &["presets", "list"][..],
        &["tips", "--preset", "evil"],
        &["generate", "--preset", "evil", "-t", "x\u{1b}[2J"],
    ] {
        let o = env.run(args);
        let out = text(&o.stdout);
        assert!(o.status.success(), "{args:?}: {}", text(&o.stderr));
        assert!(
            !out.contains('\x1b') && !out.contains('\u{9b}') && !out.contains('\r'),
            "{args:?}: {out:?}"
        );
        assert!(out.contains("\\x1B"), "{args:?}: {out}");
    }
    // JSON escapes them itself.
    let o = env.run(&["presets", "list", "--json"]);
    assert!(text(&o.stdout).contains("\\u001b[2J"));
}

#[test]
fn a_private_key_or_env_file_given_as_config_is_not_printed() {
    let env = Env::new();
    let key = env.path("id_rsa");
    std::fs::write(
        &key,
        "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----\n",
    )
    .unwrap();
    let dotenv = env.path(".env");
    std::fs::write(&dotenv, "API_KEY=sk-live-0123456789\nDB_PASSWORD=hunter2\n").unwrap();
    let mapping = env.path("c.yaml");
    std::fs::write(
        &mapping,
        "genre: rock\ntext_input: x\ntemperature: \"sk-live-0123456789abcdef-secret\"\n",
    )
    .unwrap();
    for (file, code) in [(&key, 2), (&dotenv, 2), (&mapping, 2)] {
        let o = env
            .cmd()
            .args(["prompt", "--config"])
            .arg(file)
            .output()
            .unwrap();
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(code), "{err}");
        for secret in ["MIIE", "hunter2", "0123456789abcdef", "secret"] {
            assert!(!err.contains(secret), "{secret} leaked: {err}");
        }
        assert!(
            err.contains(&*file.to_string_lossy()),
            "the file is named: {err}"
        );
    }
    let o = env
        .cmd()
        .args(["prompt", "--config"])
        .arg(&mapping)
        .output()
        .unwrap();
    assert!(
        text(&o.stderr).contains("temperature"),
        "the field is named"
    );
}

#[test]
fn json_from_python_with_surrogate_pairs_is_read() {
    let env = Env::new();
    // What Python's json.dumps writes for "🎵 lo-fi".
    let cfg = env.path("track.cfg");
    std::fs::write(
        &cfg,
        r#"{"text_input": "night \ud83c\udfb5", "genre": "lo-fi \ud83c\udfb5"}"#,
    )
    .unwrap();
    let o = env
        .cmd()
        .args(["prompt", "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("lo-fi 🎵"));
    let preset = env.path("p.json");
    std::fs::write(&preset, r#"{"name": "emoji", "genre": "\ud83c\udfb5 pop"}"#).unwrap();
    let o = env
        .cmd()
        .args(["presets", "save", "--file"])
        .arg(&preset)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    let o = env.run(&["presets", "show", "emoji", "--json"]);
    assert!(text(&o.stdout).contains("🎵 pop"));
}

#[test]
fn output_into_an_existing_folder_and_never_into_dev() {
    let env = Env::new();
    let folder = env.path("takes");
    std::fs::create_dir(&folder).unwrap();
    for arg in [
        folder.to_string_lossy().into_owned(),
        format!("{}/", env.path("new").display()),
    ] {
        let o = env.run(&["generate", "-g", "rock", "-t", "x", "--output", &arg]);
        assert!(o.status.success(), "{}", text(&o.stderr));
        let dir = Path::new(arg.trim_end_matches('/'));
        let names: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
        assert!(names[0].to_string_lossy().ends_with("-rock.json"));
    }
    assert!(!env.path("takes.json").exists());
    for p in ["/dev/null", "/dev/full", "/proc/x.wav"] {
        let o = env.run(&["generate", "-g", "rock", "-t", "x", "--output", p]);
        assert_one_line(&o, 2, p);
    }
    assert!(!Path::new("/dev/null.json").exists() && !Path::new("/dev/full.json").exists());
    let file = env.path("plain");
    std::fs::write(&file, b"").unwrap();
    let o = env
        .cmd()
        .args(["generate", "-g", "rock", "-t", "x", "--output"])
        .arg(file.join("x.wav"))
        .output()
        .unwrap();
    assert_one_line(&o, 2, "not a directory");
}

#[test]
fn empty_environment_variables_count_as_unset() {
    let env = Env::new();
    let o = env
        .cmd()
        .env("MUSIC_GEN_PRESETS_DIR", "")
        .env("MUSIC_GEN_OUTPUT_DIR", "")
        .env("MUSIC_GEN_MODE", "")
        .env("GOOGLE_CLOUD_REGION", "")
        .args(["config", "--json"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["mode"], "simulate");
    assert_eq!(v["location"], "us-central1");
}

#[test]
fn bad_settings_and_files_are_usage_errors() {
    let env = Env::new();
    let latin1 = env.path("latin1.yaml");
    std::fs::write(&latin1, b"genre: caf\xe9\ntext_input: x\n").unwrap();
    let o = env
        .cmd()
        .args(["prompt", "--config"])
        .arg(&latin1)
        .output()
        .unwrap();
    assert_one_line(&o, 2, "not UTF-8");
    let paid = [
        "generate", "--mode", "gcp", "--yes", "-g", "rock", "-t", "x",
    ];
    let o = env
        .cmd()
        .args(paid)
        .args(["--project-id", "p", "--endpoint", "not a url"])
        .output()
        .unwrap();
    assert_one_line(&o, 2, "--endpoint");
    let o = env
        .cmd()
        .args(paid)
        .args(["--project-id", "my-project\nx"])
        .output()
        .unwrap();
    assert_one_line(&o, 2, "--project-id");
}

#[test]
fn a_fifo_config_is_refused_without_blocking() {
    let env = Env::new();
    let fifo = env.path("x.yaml");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let o = env
        .cmd()
        .args(["prompt", "--config"])
        .arg(&fifo)
        .output()
        .unwrap();
    assert_one_line(&o, 2, "not a regular file");
}
