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
        self.cmd_with_presets(&self.presets())
    }

    fn cmd_with_presets(&self, presets: &Path) -> Command {
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
            .arg(presets)
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

/// Every file in `dir`, hidden ones too, sorted.
fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// `--presets-dir /etc presets list` as root wrote five YAML files to /etc.
#[test]
fn a_folder_that_was_there_is_not_written_to_by_reading_it_yet_lists_the_builtins() {
    let env = Env::new();
    let dir = env.path("etc");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("hosts"), "127.0.0.1 localhost\n").unwrap();
    let run = |args: &[&str]| {
        let o = env.cmd_with_presets(&dir).args(args).output().unwrap();
        assert!(o.status.success(), "{args:?}: {}", text(&o.stderr));
        text(&o.stdout)
    };
    let list: serde_json::Value =
        serde_json::from_str(&run(&["presets", "list", "--json"])).unwrap();
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "classical_orchestral",
            "electronic_dance",
            "jazz_smooth",
            "pop_catchy",
            "rock_anthem"
        ]
    );
    assert!(run(&["presets", "show", "rock_anthem"]).contains("arena rock"));
    assert!(run(&["prompt", "-p", "jazz_smooth", "-t", "words"]).contains("smooth jazz"));
    assert_eq!(files(&dir), ["hosts"], "reading wrote nothing");
    // A write the user asks for writes: a deleted built-in is remembered...
    run(&["presets", "delete", "jazz_smooth", "--yes"]);
    assert_eq!(files(&dir), [".deleted-builtin.jazz_smooth", "hosts"]);
    assert!(!run(&["presets", "list"]).contains("jazz_smooth"));
    // ...and restoring writes every built-in's file.
    run(&["presets", "restore-builtins"]);
    assert_eq!(files(&dir).len(), 6, "{:?}", files(&dir));
    assert!(run(&["presets", "list"]).contains("jazz_smooth"));

    // A folder music-gen creates gets the built-ins' files, as the Python
    // tool lays its folder out.
    let new = env.path("new/presets");
    let o = env
        .cmd_with_presets(&new)
        .args(["presets", "list"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(
        files(&new),
        [
            "classical_orchestral.yaml",
            "electronic_dance.yaml",
            "jazz_smooth.yaml",
            "pop_catchy.yaml",
            "rock_anthem.yaml"
        ]
    );
}

#[test]
fn a_preset_link_leading_nowhere_is_listed_as_broken_and_shown_in_one_line() {
    let env = Env::new();
    env.run(&["presets", "list"]);
    let dir = env.presets();
    std::os::unix::fs::symlink("loop.yaml", dir.join("loop.yaml")).unwrap();
    std::os::unix::fs::symlink("/nonexistent/x.yaml", dir.join("gone.yaml")).unwrap();
    let o = env.run(&["presets", "list"]);
    let out = text(&o.stdout);
    for (name, why) in [
        ("loop", "a link that leads back to itself (a loop of links)"),
        ("gone", "a link to a file that is not there"),
    ] {
        assert!(
            out.lines()
                .any(|l| l.starts_with(name) && l.contains("(broken)") && l.contains(why)),
            "{name}: {out}"
        );
        let o = env.run(&["presets", "show", name]);
        assert_one_line(&o, 2, why);
        assert!(!text(&o.stderr).contains("os error"), "{}", text(&o.stderr));
    }
    // The link's target is not named: it may be anywhere.
    assert!(!out.contains("nonexistent"), "{out}");
}

#[test]
fn help_and_version_that_cannot_be_written_fail_in_one_line() {
    let env = Env::new();
    for args in [
        &["--help"][..],
        &["--version"],
        &["-h"],
        &["presets", "--help"],
        &["help", "batch"],
    ] {
        let full = std::fs::File::create("/dev/full").unwrap();
        let o = env.cmd().args(args).stdout(full).output().unwrap();
        assert_one_line(&o, 1, "stdout: No space left on device");
    }
    // A reader that stopped early (`| head`) is not a failure.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let o = env.cmd().arg("--help").stdout(writer).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(o.stderr.is_empty(), "{}", text(&o.stderr));
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
    // The table is measured as printed: the DESCRIPTION column starts at
    // one place on every row, the escaped genre's too.
    let o = env.run(&["presets", "list"]);
    let out = text(&o.stdout);
    let column = |line: &str| line.find("DESCRIPTION").or_else(|| line.find("\\x1B[1A"));
    let header = column(out.lines().next().unwrap()).unwrap();
    let evil = out.lines().find(|l| l.starts_with("evil ")).unwrap();
    assert_eq!(column(evil), Some(header), "{out}");
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

#[test]
fn a_file_that_is_no_config_is_one_line_quoting_none_of_it() {
    let env = Env::new();
    let shadow = env.path("shadow");
    std::fs::write(
        &shadow,
        "root:$6$s3cr3tHash$abc:20228:0:99999:7:::\ndaemon:*:20228:0:99999:7:::\nalice:$y$j9T$hunter2:20263::::::\n",
    )
    .unwrap();
    for args in [&["prompt", "--config"][..], &["presets", "save", "--file"]] {
        let o = env.cmd().args(args).arg(&shadow).output().unwrap();
        assert_one_line(&o, 2, "none of its 3 keys is a field");
        let err = text(&o.stderr);
        assert!(err.contains(&*shadow.to_string_lossy()), "{err}");
        for secret in ["root", "s3cr3t", "daemon", "hunter2", "20228"] {
            assert!(!err.contains(secret), "{secret} leaked: {err}");
        }
    }
    // A real config with a stray line: warned about, but not quoted.
    let stray = env.path("stray.yaml");
    std::fs::write(
        &stray,
        "genre: rock\ntext_input: x\n\"tok:$sk-live-99\\e[31m\": 1\ntemprature: 0.5\n",
    )
    .unwrap();
    let o = env
        .cmd()
        .args(["prompt", "--config"])
        .arg(&stray)
        .output()
        .unwrap();
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(!err.contains("sk-live") && !err.contains('\x1b'), "{err}");
    assert!(
        err.contains("a key that is not a field name, ignored"),
        "{err}"
    );
    assert!(
        err.contains("temprature: unknown key, ignored (did you mean temperature?)"),
        "{err}"
    );
}

#[test]
fn an_unknown_key_in_a_batch_jobs_track_file_stops_the_batch() {
    let env = Env::new();
    std::fs::write(
        env.path("verse.yaml"),
        "text_input: hi\ngenre: rock\ntemprature: 0.5\n",
    )
    .unwrap();
    std::fs::write(
        env.path("album.yaml"),
        "jobs:\n  - name: ok\n    genre: jazz\n    text_input: x\n  - name: sunrise\n    config: verse.yaml\n",
    )
    .unwrap();
    let out = env.path("takes");
    let o = env
        .cmd()
        .arg("--output-dir")
        .arg(&out)
        .args(["batch", "--yes"])
        .arg(env.path("album.yaml"))
        .output()
        .unwrap();
    assert_one_line(&o, 2, "job 2 (sunrise): config: ");
    let err = text(&o.stderr);
    assert!(
        err.contains("verse.yaml: temprature: unknown key (did you mean temperature?)"),
        "{err}"
    );
    assert!(
        std::fs::read_dir(&out).map_or(true, |d| d.count() == 0),
        "nothing was generated"
    );
    // The same file on a single command is read, with a warning.
    let o = env
        .cmd()
        .args(["prompt", "--config"])
        .arg(env.path("verse.yaml"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert!(text(&o.stderr).contains("did you mean temperature?"));
}

#[test]
fn a_file_given_as_the_presets_folder_is_named_as_not_a_folder() {
    let env = Env::new();
    let file = env.path("passwd");
    std::fs::write(&file, "root:x:0:0:root:/root:/bin/bash\n").unwrap();
    let bare = || {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_music-gen"));
        cmd.env("HOME", env.dir.path())
            .env("XDG_STATE_HOME", env.path("state"))
            .env_remove("MUSIC_GEN_PRESETS_DIR")
            .stdin(Stdio::null());
        cmd
    };
    let named = format!("{} is a file, not a folder", file.display());
    for dir in [file.clone(), file.join("presets")] {
        let o = bare()
            .arg("--presets-dir")
            .arg(&dir)
            .args(["presets", "list"])
            .output()
            .unwrap();
        assert_one_line(&o, 2, &format!("--presets-dir: {named}"));
    }
    let o = bare()
        .env("MUSIC_GEN_PRESETS_DIR", &file)
        .args(["presets", "list"])
        .output()
        .unwrap();
    assert_one_line(&o, 2, &format!("MUSIC_GEN_PRESETS_DIR: {named}"));
}

#[test]
fn a_link_loop_given_as_the_presets_folder_is_named_as_one() {
    let env = Env::new();
    let (a, b) = (env.path("a"), env.path("b"));
    std::os::unix::fs::symlink(&b, &a).unwrap();
    std::os::unix::fs::symlink(&a, &b).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_music-gen"))
        .env("HOME", env.dir.path())
        .env("XDG_STATE_HOME", env.path("state"))
        .env_remove("MUSIC_GEN_PRESETS_DIR")
        .stdin(Stdio::null())
        .arg("--presets-dir")
        .arg(a.join("presets"))
        .args(["presets", "list"])
        .output()
        .unwrap();
    assert_one_line(
        &o,
        2,
        &format!(
            "--presets-dir: {} is a link that leads nowhere (a loop, or its target is gone)",
            a.display()
        ),
    );
}

#[test]
fn a_prune_without_a_rule_shows_the_rules_there_are() {
    let env = Env::new();
    let o = env.run(&["history", "prune"]);
    assert_one_line(
        &o,
        2,
        "missing <--older-than <AGE>|--keep <N>>; usage: music-gen history prune <--older-than <AGE>|--keep <N>>",
    );
    let o = env.run(&["history", "prune", "--keep", "1", "--older-than", "3d"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("cannot be used with"));
}

#[test]
fn a_huge_or_hostile_preset_name_is_quoted_by_its_start_only() {
    let env = Env::new();
    let huge = "a".repeat(10_000);
    for name in [
        huge.as_str(),
        "x\u{1b}]0;pwned\u{7}",
        "abc\u{202e}def",
        "../evil",
    ] {
        let o = env.run(&["presets", "save", "-n", name, "-g", "rock"]);
        assert_one_line(&o, 2, "is not allowed; use 1 to 64 letters");
        let err = text(&o.stderr);
        assert!(err.len() < 200, "{} bytes: {err:.200}", err.len());
        assert!(
            !err.contains('\u{7}') && !err.contains('\u{202e}'),
            "{err:?}"
        );
    }
}

#[test]
fn a_full_disk_on_stderr_too_is_an_exit_code_not_a_panic() {
    let env = Env::new();
    for args in [&["completions", "bash"][..], &["man"], &["presets", "list"]] {
        let full = || {
            std::fs::OpenOptions::new()
                .write(true)
                .open("/dev/full")
                .unwrap()
        };
        let o = env
            .cmd()
            .args(args)
            .stdout(full())
            .stderr(full())
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(1), "{args:?}");
    }
}

#[test]
fn config_never_shows_a_password_in_a_store_address() {
    let env = Env::new();
    // Nothing listens there: `config` says where takes and presets would
    // go without reaching it.
    for (var, value, location) in [
        (
            "STORAGE_EMULATOR_HOST",
            "http://admin:PASSWORD1@127.0.0.1:9",
            "gs://mybucket/takes",
        ),
        (
            "STORAGE_EMULATOR_HOST",
            "admin:PASSWORD1@127.0.0.1:9",
            "gs://mybucket/takes",
        ),
        (
            "AWS_ENDPOINT_URL",
            "http://admin:PASSWORD1@127.0.0.1:9",
            "s3://mybucket/takes",
        ),
    ] {
        for json in [false, true] {
            let mut cmd = env.cmd();
            cmd.env(var, value)
                .env("AWS_ACCESS_KEY_ID", "test")
                .env("AWS_SECRET_ACCESS_KEY", "SECRET2")
                .args(["--output-dir", location, "config"]);
            if json {
                cmd.arg("--json");
            }
            let o = cmd.output().unwrap();
            let all = text(&o.stdout) + &text(&o.stderr);
            assert!(all.contains("127.0.0.1:9"), "{var}={value}: {all}");
            assert!(
                !all.contains("PASSWORD1") && !all.contains("SECRET2") && !all.contains("admin"),
                "{var}={value} --json={json}: {all}"
            );
        }
    }
}
