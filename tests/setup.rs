//! `music-gen setup` through the real binary on a terminal (`script` gives
//! it one), against the fake token and Google API servers: the answers land
//! in the config file, the checks run, nothing is generated. Without a
//! terminal it says what to run instead.

mod vertex_support;

use std::io::Write;
use std::process::{Command, Stdio};

use vertex_support::{Fakes, PROJECT};

const PREDICT: &str = "aiplatform.endpoints.predict";

fn music_gen(fakes: &Fakes) -> Command {
    with_test_env(Command::new(env!("CARGO_BIN_EXE_music-gen")), fakes)
}

/// A home, config and gcloud folder of the test's own, the fake Google
/// APIs, and none of the machine's settings.
fn with_test_env(mut cmd: Command, fakes: &Fakes) -> Command {
    let home = fakes.dir.path();
    vertex_support::isolate(&mut cmd, home);
    // `script` is found by its full path: PATH is empty.
    cmd.env("MUSIC_GEN_GOOGLE_API_BASE", fakes.vertex.uri())
        .current_dir(home);
    cmd
}

/// A program's full path, looked up before PATH is pinned.
fn which(program: &str) -> std::path::PathBuf {
    std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|d| d.join(program))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("{program} (util-linux) not found"))
}

/// Runs `music-gen setup` on a pseudo-terminal, typing `input`.
fn setup_on_a_terminal(fakes: &Fakes, input: &str) -> (Option<i32>, String) {
    let line = format!("{} setup", env!("CARGO_BIN_EXE_music-gen"));
    let mut script = Command::new(which("script"));
    script.args(["-qec", &line, "/dev/null"]);
    let mut child = with_test_env(script, fakes)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("script (util-linux) runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).replace('\r', "");
    (out.status.code(), text)
}

#[test]
fn setup_writes_the_config_and_proves_gcp_mode_works() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let fakes = rt.block_on(async {
        let fakes = Fakes::start().await;
        // One token for setup's checks, one for the doctor run after it.
        fakes.expect_token_requests(2).await;
        fakes.google_all_well(PREDICT).await;
        fakes
    });
    // gcloud's own config names the project: it is the first default.
    let gcloud = fakes.dir.path().join("gcloud/configurations");
    std::fs::create_dir_all(&gcloud).unwrap();
    std::fs::write(
        gcloud.join("config_default"),
        format!("[core]\nproject = {PROJECT}\n"),
    )
    .unwrap();
    // An unknown key already in the config file is kept.
    let config = fakes.dir.path().join("config/music-gen/config.toml");
    std::fs::create_dir_all(config.parent().unwrap()).unwrap();
    std::fs::write(&config, "version = 1\nbell = true\n").unwrap();

    let key = fakes.credentials.display().to_string();
    let (code, out) = setup_on_a_terminal(&fakes, &format!("\n\n\n2\n{key}\ny\n"));
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains(&format!("Project [{PROJECT}, from gcloud config]")),
        "{out}"
    );
    assert!(out.contains("✓ service account"), "{out}");
    assert!(out.contains("gcp mode would work"), "{out}");
    assert!(!out.contains(vertex_support::TOKEN), "{out}");

    let written = std::fs::read_to_string(&config).unwrap();
    assert!(written.contains("mode = \"gcp\""), "{written}");
    assert!(
        written.contains(&format!("project = \"{PROJECT}\"")),
        "{written}"
    );
    assert!(written.contains("location = \"us-central1\""), "{written}");
    assert!(written.contains(&key), "the key's path: {written}");
    assert!(!written.contains("PRIVATE KEY"), "never the key: {written}");
    assert!(written.contains("bell = true"), "{written}");

    // Nothing was generated: only the read-only checks reached the fakes.
    let requests = rt.block_on(fakes.vertex.received_requests()).unwrap();
    assert!(requests.iter().all(|r| !r.url.path().contains(":predict")));

    // The next run reads what setup wrote: doctor passes with no flags.
    let doctor = music_gen(&fakes)
        .arg("doctor")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&doctor.stdout);
    assert_eq!(doctor.status.code(), Some(0), "{text}");
}

#[test]
fn without_a_terminal_setup_says_what_to_run_instead() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let fakes = rt.block_on(Fakes::start());
    let out = music_gen(&fakes)
        .arg("setup")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("needs a terminal"), "{err}");
    assert!(err.contains("music-gen doctor"), "{err}");
    assert!(err.contains("--project-id"), "{err}");
    assert!(
        !fakes
            .dir
            .path()
            .join("config/music-gen/config.toml")
            .exists(),
        "nothing written"
    );
}
