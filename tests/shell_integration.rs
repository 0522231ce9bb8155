//! `music-gen completions SHELL` and `music-gen man`: generated from the
//! parser's own definitions, printed without touching any file of music-gen's.

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;

fn music_gen(home: &Path) -> Command {
    let mut cmd = Command::cargo_bin("music-gen").unwrap();
    cmd.env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env_remove("MUSIC_GEN_PRESETS_DIR")
        .current_dir(home);
    cmd
}

fn ok(o: &Output) -> String {
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout.clone()).unwrap()
}

/// What bash offers after `words`, the last being the one completed.
fn bash_complete(script: &Path, words: &[&str]) -> Vec<String> {
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let cword = words.len() - 1;
    let prev = words[cword.saturating_sub(1)];
    let cur = words[cword];
    let program = format!(
        "source '{}'; COMP_WORDS=({}); COMP_CWORD={cword}; \
         _music__gen music-gen '{cur}' '{prev}'; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script.display(),
        quoted.join(" ")
    );
    let o = std::process::Command::new("bash")
        .arg("-c")
        .arg(program)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn bash_completion_completes_subcommands_flags_and_values() {
    let home = tempfile::tempdir().unwrap();
    let o = music_gen(home.path())
        .args(["completions", "bash"])
        .output()
        .unwrap();
    let script = home.path().join("music-gen.bash");
    std::fs::write(&script, ok(&o)).unwrap();
    let check = std::process::Command::new("bash")
        .arg("-n")
        .arg(&script)
        .status()
        .unwrap();
    assert!(check.success(), "the script is not valid bash");
    assert_eq!(bash_complete(&script, &["music-gen", "pre"]), ["presets"]);
    assert_eq!(
        bash_complete(&script, &["music-gen", "presets", "im"]),
        ["import"]
    );
    assert_eq!(
        bash_complete(&script, &["music-gen", "--mode", ""]),
        ["simulate", "gcp"]
    );
    assert!(
        bash_complete(&script, &["music-gen", "generate", "--tem"])
            .contains(&"--temperature".to_string())
    );
    // Printing completions created no store, no state.
    assert!(!home.path().join("data").exists());
    assert!(!home.path().join("state").exists());
}

#[test]
fn every_shell_named_in_the_readme_gets_a_script() {
    let home = tempfile::tempdir().unwrap();
    for (shell, marker) in [
        ("bash", "complete -F _music__gen"),
        ("zsh", "#compdef music-gen"),
        ("fish", "complete -c music-gen"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let o = music_gen(home.path())
            .args(["completions", shell])
            .output()
            .unwrap();
        let out = ok(&o);
        assert!(out.contains(marker), "{shell}: {marker:?} missing");
        assert!(
            out.contains("generate") && out.contains("presets"),
            "{shell}"
        );
    }
    let o = music_gen(home.path())
        .args(["completions", "tcsh"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("bash, elvish, fish, powershell, zsh"));
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    let home = tempfile::tempdir().unwrap();
    let exe = assert_cmd::cargo::cargo_bin("music-gen");
    let o = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "set -o pipefail; '{}' completions zsh | head -c 10 >/dev/null",
            exe.display()
        ))
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env("XDG_STATE_HOME", home.path().join("state"))
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        "",
        "no panic, no message"
    );
}

#[test]
fn man_page_lists_the_commands_and_renders() {
    let home = tempfile::tempdir().unwrap();
    let o = music_gen(home.path()).arg("man").output().unwrap();
    let page = ok(&o);
    assert!(page.contains(".TH music-gen 1"), "{page}");
    for sub in ["presets", "generate", "completions"] {
        assert!(page.contains(&format!("music\\-gen\\-{sub}(1)")), "{sub}");
    }
    assert!(!page.contains("list\\-presets"), "aliases stay hidden");

    let dir = home.path().join("man1");
    let o = music_gen(home.path())
        .args(["man", "--dir"])
        .arg(&dir)
        .output()
        .unwrap();
    ok(&o);
    for file in [
        "music-gen.1",
        "music-gen-generate.1",
        "music-gen-presets.1",
        "music-gen-presets-import.1",
    ] {
        assert!(dir.join(file).is_file(), "{file} missing");
    }
}

#[test]
#[cfg_attr(not(has_man), ignore = "man not found at build time")]
fn man_page_renders_with_man() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("man1");
    let o = music_gen(home.path())
        .args(["man", "--dir"])
        .arg(&dir)
        .output()
        .unwrap();
    ok(&o);
    let rendered = std::process::Command::new("man")
        .arg("-l")
        .arg(dir.join("music-gen-generate.1"))
        .env("MANWIDTH", "80")
        .env("MAN_KEEP_FORMATTING", "0")
        .output()
        .expect("man runs (MUSIC_GEN_REQUIRE_TOOLS=1 requires it)");
    assert!(
        rendered.status.success(),
        "{}",
        String::from_utf8_lossy(&rendered.stderr)
    );
    // Bold is drawn by overstriking (`c\x08c`): a backspace erases the
    // character before it.
    let mut text = String::new();
    for c in String::from_utf8_lossy(&rendered.stdout).chars() {
        if c == '\u{8}' {
            text.pop();
        } else {
            text.push(c);
        }
    }
    assert!(text.contains("--temperature"), "{text}");
}
