//! One order of settings, end to end through the binary: flags, then the
//! environment, then `.env` in the current directory, then the config file,
//! then the defaults.

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;

/// A home of its own: a working directory (for `.env`), XDG directories
/// and presets, none of them the developer's.
struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new() -> Home {
        let home = Home {
            dir: tempfile::tempdir().unwrap(),
        };
        std::fs::create_dir_all(home.cwd()).unwrap();
        home
    }

    fn cwd(&self) -> PathBuf {
        self.dir.path().join("work")
    }

    fn config_file(&self) -> PathBuf {
        self.dir.path().join("config/music-gen/config.toml")
    }

    fn write_config(&self, text: &str) {
        std::fs::create_dir_all(self.config_file().parent().unwrap()).unwrap();
        std::fs::write(self.config_file(), text).unwrap();
    }

    fn write_dotenv(&self, text: &str) {
        std::fs::write(self.cwd().join(".env"), text).unwrap();
    }

    fn cmd(&self, env: &[(&str, &str)]) -> Command {
        let mut cmd = Command::cargo_bin("music-gen").unwrap();
        cmd.current_dir(self.cwd()).env_clear();
        let root = self.dir.path();
        cmd.env("HOME", root)
            .env("XDG_CONFIG_HOME", root.join("config"))
            .env("XDG_STATE_HOME", root.join("state"))
            .env("XDG_DATA_HOME", root.join("data"));
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd
    }

    fn run(&self, env: &[(&str, &str)], args: &[&str]) -> Output {
        self.cmd(env).args(args).output().unwrap()
    }

    /// `music-gen config --json` with these variables and flags.
    fn config(&self, env: &[(&str, &str)], flags: &[&str]) -> Value {
        let mut args = vec!["config", "--json"];
        args.extend_from_slice(flags);
        let o = self.run(env, &args);
        assert!(o.status.success(), "{}", text(&o.stderr));
        serde_json::from_slice(&o.stdout).unwrap()
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn config_source(path: &Path) -> String {
    format!("config file {}", path.display())
}

#[test]
fn each_layer_wins_over_the_ones_below_it() {
    let home = Home::new();
    let dotenv = format!(".env {}", home.cwd().join(".env").display());
    let file = config_source(&home.config_file());

    let v = home.config(&[], &[]);
    assert_eq!(v["mode"], "simulate");
    assert_eq!(v["location"], "us-central1");
    assert_eq!(v["model"], "lyria-002");
    assert_eq!(v["project"], Value::Null);
    assert_eq!(v["sources"]["mode"], "default");
    assert_eq!(v["sources"]["project"], Value::Null);

    home.write_config(
        "version = 1\nmode = \"gcp\"\nproject = \"file-p\"\nlocation = \"asia-northeast1\"\n\
         model = \"lyria-3-clip-preview\"\n",
    );
    let v = home.config(&[], &[]);
    assert_eq!(v["project"], "file-p");
    assert_eq!(v["mode"], "gcp");
    assert_eq!(v["model"], "lyria-3-clip-preview");
    assert_eq!(v["sources"]["project"], file.as_str());
    assert_eq!(v["sources"]["location"], file.as_str());

    home.write_dotenv(
        "# the Python tool's file\nGOOGLE_CLOUD_PROJECT=dotenv-p\nGOOGLE_CLOUD_REGION=\"europe-west4\"\n",
    );
    let v = home.config(&[], &[]);
    assert_eq!(v["project"], "dotenv-p");
    assert_eq!(v["location"], "europe-west4");
    assert_eq!(v["sources"]["project"], dotenv.as_str());
    assert_eq!(v["mode"], "gcp", "not in .env: the config file's");

    let env = [("GOOGLE_CLOUD_PROJECT", "env-p")];
    let v = home.config(&env, &[]);
    assert_eq!(v["project"], "env-p");
    assert_eq!(v["sources"]["project"], "env GOOGLE_CLOUD_PROJECT");
    assert_eq!(v["location"], "europe-west4");

    let v = home.config(&env, &["--project-id", "flag-p", "--mode", "simulate"]);
    assert_eq!(v["project"], "flag-p");
    assert_eq!(v["sources"]["project"], "flag --project-id");
    assert_eq!(v["mode"], "simulate");
    assert_eq!(v["sources"]["mode"], "flag --mode");
}

#[test]
fn empty_variables_count_as_unset() {
    let home = Home::new();
    home.write_dotenv("GOOGLE_CLOUD_PROJECT=dotenv-p\nMUSIC_GEN_MODE=\n");
    home.write_config("version = 1\nmode = \"gcp\"\n");
    let v = home.config(&[("GOOGLE_CLOUD_PROJECT", ""), ("MUSIC_GEN_MODE", "")], &[]);
    assert_eq!(v["project"], "dotenv-p");
    assert_eq!(v["mode"], "gcp", "an empty value in .env is unset too");
}

#[test]
fn dotenv_is_read_only_for_the_python_tools_settings() {
    let home = Home::new();
    home.write_dotenv(
        "MUSIC_GEN_MODEL=lyria-3-pro-preview\nMUSIC_GEN_API_KEY=s3cret-key\nPATH=/nowhere\n",
    );
    let v = home.config(&[], &[]);
    assert_eq!(v["model"], "lyria-002");
    assert_eq!(
        v["sources"]["api_key"].as_str().unwrap(),
        format!(".env {}", home.cwd().join(".env").display())
    );
    let o = home.run(&[], &["config"]);
    let out = text(&o.stdout);
    assert!(out.contains("api key:       set"), "{out}");
    assert!(
        !out.contains("s3cret"),
        "the key itself is never shown: {out}"
    );
}

#[test]
fn music_gen_config_names_another_file() {
    let home = Home::new();
    let other = home.dir.path().join("elsewhere.toml");
    std::fs::write(&other, "version = 1\nlocation = \"global\"\n").unwrap();
    let v = home.config(&[("MUSIC_GEN_CONFIG", other.to_str().unwrap())], &[]);
    assert_eq!(v["location"], "global");
    assert_eq!(v["sources"]["location"], config_source(&other).as_str());
    assert_eq!(v["config_file"], other.to_str().unwrap());
}

#[test]
fn bad_values_say_where_they_came_from_in_one_line() {
    let home = Home::new();
    let one_line = |o: &Output, needle: &str| {
        assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
        let err = text(&o.stderr);
        assert_eq!(err.lines().count(), 1, "{err:?}");
        assert!(err.contains(needle), "{needle:?} not in {err:?}");
    };
    let o = home.run(&[("MUSIC_GEN_MODE", "cloud")], &["config"]);
    one_line(
        &o,
        "MUSIC_GEN_MODE: \"cloud\" is not a mode; use one of simulate, gcp",
    );

    home.write_dotenv("MUSIC_GEN_MODE=cloud\n");
    let o = home.run(&[], &["config"]);
    one_line(&o, ".env: MUSIC_GEN_MODE: \"cloud\"");
    std::fs::remove_file(home.cwd().join(".env")).unwrap();

    home.write_config("version = 1\n\nmodel = \"lyria-9\"\n");
    let o = home.run(&[], &["config"]);
    one_line(
        &o,
        "config.toml: line 3, column 9: \"lyria-9\" is not a model",
    );
}

#[test]
fn a_bad_project_or_location_names_the_layer_it_came_from() {
    let home = Home::new();
    home.write_config("version = 1\nproject = \"my project\"\nlocation = \"../x\"\n");
    let path = home.config_file();
    let one_line = |env: &[(&str, &str)], flags: &[&str], needle: &str| {
        let mut args = flags.to_vec();
        args.extend([
            "--mode", "gcp", "generate", "--yes", "-t", "x", "-g", "rock",
        ]);
        let o = home.run(env, &args);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert_eq!(err.lines().count(), 1, "{err:?}");
        assert!(
            err.starts_with(needle),
            "{needle:?} not at the start of {err:?}"
        );
    };
    let from_file = format!("music-gen: {}: project: may contain only", path.display());
    one_line(&[], &["--location", "us-central1"], &from_file);
    let from_env = "music-gen: GOOGLE_CLOUD_PROJECT: may contain only";
    one_line(
        &[("GOOGLE_CLOUD_PROJECT", "a/b")],
        &["--location", "us-central1"],
        from_env,
    );
    one_line(
        &[],
        &["--location", "us-central1", "--project-id", "a b"],
        "music-gen: --project-id: may contain only",
    );
    let location = format!("music-gen: {}: location: \"../x\" is not", path.display());
    one_line(&[], &["--project-id", "p"], &location);
}

#[test]
fn an_unknown_key_in_the_config_file_is_named_with_the_keys_there_are() {
    let home = Home::new();
    home.write_config("version = 1\nprojekt = \"p\"\n\"tok:sk-live-9\" = 1\n");
    let o = home.run(&[], &["config"]);
    let err = text(&o.stderr);
    assert!(o.status.success(), "{err}");
    let path = home.config_file();
    assert!(
        err.contains(&format!(
            "warning: {}: projekt: unknown key, ignored (did you mean project?); the keys are \
             version, mode, project, location, model, credentials, quota_project, bell",
            path.display()
        )),
        "{err}"
    );
    assert!(!err.contains("sk-live"), "{err}");
    // A FIFO or a device named as the config file is refused, not read.
    let o = home.run(&[("MUSIC_GEN_CONFIG", "/dev/zero")], &["config"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("/dev/zero: not a regular file"));
}

#[test]
fn track_files_never_change_the_mode_or_project() {
    let home = Home::new();
    let track = home.cwd().join("track.yaml");
    std::fs::write(
        &track,
        "text_input: hello\ngenre: rock\nmode: gcp\nproject: someone-elses\n",
    )
    .unwrap();
    let o = home.run(
        &[],
        &["generate", "--config", track.to_str().unwrap(), "--json"],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["mode"], "simulate");
    let err = text(&o.stderr);
    assert!(
        err.contains("mode: unknown key") && err.contains("project: unknown key"),
        "{err}"
    );
}
