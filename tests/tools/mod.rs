//! Tests that drive an outside tool. build.rs sets a cfg for each tool it
//! finds (all of them under MUSIC_GEN_REQUIRE_TOOLS=1, as in CI); a test
//! whose tool is missing is marked
//! `#[cfg_attr(not(has_tmux), ignore = "tmux not found at build time")]`
//! and shows up as ignored. A test that runs checks for its tool first, so
//! a missing one fails it with a clear line instead of a confusing error.
//! After installing a tool, `touch build.rs` to have the tests see it.

use std::process::{Command, Stdio};

/// Fails the test unless `program args` runs and succeeds.
pub fn require(what: &str, program: &str, args: &[&str]) {
    let ok = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "this test needs {what}, which is missing (MUSIC_GEN_REQUIRE_TOOLS=1, or it went away after the build)"
    );
}
