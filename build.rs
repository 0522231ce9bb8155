//! Finds the tools some tests drive (tmux, python3 and PyYAML, a shell that
//! can set a file-size limit, man) and sets a cfg for each one found, so a test
//! whose tool is missing is reported as ignored, with the reason, instead of
//! passing without doing anything. With MUSIC_GEN_REQUIRE_TOOLS=1 (CI) every
//! cfg is set: the tests run, and one whose tool is missing fails.
//! The library and the binary read none of these cfgs.

use std::process::{Command, Stdio};

const TOOLS: [(&str, &str, &[&str]); 5] = [
    ("has_tmux", "tmux", &["-V"]),
    ("has_python3", "python3", &["-c", "import sys"]),
    ("has_pyyaml", "python3", &["-c", "import yaml"]),
    ("has_ulimit", "sh", &["-c", "ulimit -f 1"]),
    ("has_man", "man", &["--version"]),
];

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=MUSIC_GEN_REQUIRE_TOOLS");
    println!("cargo::rerun-if-env-changed=PATH");
    let required = std::env::var_os("MUSIC_GEN_REQUIRE_TOOLS").is_some_and(|v| v == "1");
    for (cfg, program, args) in TOOLS {
        println!("cargo::rustc-check-cfg=cfg({cfg})");
        if required || runs(program, args) {
            println!("cargo::rustc-cfg={cfg}");
        }
    }
}

fn runs(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}
