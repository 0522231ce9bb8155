//! End to end: the real binary in a real terminal (tmux), driven by keys.
//! Ignored where tmux was not found at build time (see tests/tools).

use std::path::Path;
use std::process::{Command, Output};
use std::thread::sleep;
use std::time::{Duration, Instant};

mod tools;

const DEADLINE: Duration = Duration::from_secs(15);

/// One tmux server on its own socket, killed when dropped.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn start(dir: &Path) -> Tmux {
        let socket = format!("music-gen-test-{}-{}", std::process::id(), rand_suffix());
        let tmux = Tmux { socket };
        let out = tmux.run(&[
            "new-session",
            "-d",
            "-x",
            "80",
            "-y",
            "24",
            "-s",
            "t",
            "-c",
            dir.to_str().unwrap(),
            "env",
            "PS1=$ ",
            "sh",
        ]);
        assert!(
            out.status.success(),
            "tmux: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        tmux
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux runs")
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "t"];
        args.extend(keys);
        assert!(self.run(&args).status.success());
    }

    /// Types text literally (no key-name lookup).
    fn text(&self, text: &str) {
        assert!(
            self.run(&["send-keys", "-t", "t", "-l", text])
                .status
                .success()
        );
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "t"]).stdout).into_owned()
    }

    fn alternate_screen_on(&self) -> bool {
        let out = self.run(&["display-message", "-p", "-t", "t", "#{alternate_on}"]);
        String::from_utf8_lossy(&out.stdout).trim() == "1"
    }

    /// Polls the screen until `ok` holds; fails with the last screen after
    /// the deadline.
    fn wait(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if ok(&screen) {
                return screen;
            }
            if start.elapsed() > DEADLINE {
                panic!("waited for {what}; the screen is:\n{screen}");
            }
            sleep(Duration::from_millis(40));
        }
    }

    fn wait_for(&self, needle: &str) -> String {
        self.wait(needle, |s| s.contains(needle))
    }

    /// Starts the app from the shell with its presets and state under
    /// `root`, writing generations to `out`; `extra` are more arguments.
    fn launch(&self, root: &Path, out: &Path, extra: &str) {
        let command = format!(
            "XDG_STATE_HOME={state} MUSIC_GEN_CONFIG={config} MUSIC_GEN_OUTPUT_DIR={out} {bin} --presets-dir {presets} {extra}",
            state = root.join("state").display(),
            config = root.join("config.toml").display(),
            out = out.display(),
            bin = env!("CARGO_BIN_EXE_music-gen"),
            presets = root.join("presets").display(),
        );
        self.text(&command);
        self.keys(&["Enter"]);
    }

    /// A pane variable, such as `pane_pid` or `cursor_flag`.
    fn var(&self, name: &str) -> String {
        let out = self.run(&["display-message", "-p", "-t", "t", &format!("#{{{name}}}")]);
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

fn rand_suffix() -> u32 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(Instant::now()) as u32
}

/// A shell in tmux, in a fresh temporary folder.
fn shell() -> (tempfile::TempDir, Tmux) {
    require_tmux();
    let dir = tempfile::tempdir().unwrap();
    let tmux = Tmux::start(dir.path());
    tmux.wait("a shell prompt", |s| s.contains('$'));
    (dir, tmux)
}

fn require_tmux() {
    tools::require("tmux", "tmux", &["-V"]);
}

fn poll_until(what: &str, ok: impl Fn() -> bool) {
    let start = Instant::now();
    while !ok() {
        assert!(start.elapsed() < DEADLINE, "waited for {what}");
        sleep(Duration::from_millis(40));
    }
}

#[test]
#[cfg_attr(not(has_tmux), ignore = "tmux not found at build time")]
fn compose_generate_save_and_quit_in_a_real_terminal() {
    let (dir, tmux) = shell();
    let presets = dir.path().join("presets");
    let output = dir.path().join("out");
    std::fs::create_dir_all(&output).unwrap();

    tmux.launch(dir.path(), &output, "");

    // Opens on the list with the first preset in the form.
    tmux.wait_for("Presets (5)");
    tmux.wait_for("Track · classical…");
    assert!(tmux.alternate_screen_on());

    // Filter, then load what is left.
    tmux.keys(&["/"]);
    tmux.text("rock");
    tmux.wait_for("Presets (1 of 5)");
    tmux.keys(&["Enter"]);
    tmux.wait("the filter kept", |s| !s.contains("keep filter"));
    tmux.keys(&["Enter"]);
    tmux.wait_for("Loaded preset rock_anthem");
    tmux.keys(&["Escape"]);
    tmux.wait_for("Presets (5)");

    // Lyrics: Tab twice, Enter edits, Esc leaves.
    tmux.keys(&["Tab", "Tab", "Enter"]);
    tmux.wait_for("Lyrics editing");
    tmux.text("Neon dreams tonight");
    tmux.wait_for("Neon dreams tonight");
    tmux.keys(&["Escape"]);
    tmux.wait("the editor left", |s| !s.contains("Lyrics editing"));

    // Generate in simulate mode: the log shows the result, the metadata is
    // on disk.
    tmux.keys(&["g"]);
    // A simulated take: ○, under the session's number.
    tmux.wait_for("○ #1");
    let json: Vec<_> = std::fs::read_dir(&output)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    assert_eq!(json.len(), 1, "{json:?}");
    let metadata: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json[0]).unwrap()).unwrap();
    assert_eq!(metadata["status"], "simulated");
    assert_eq!(metadata["genre"], "rock");
    assert!(
        metadata["prompt"]
            .as_str()
            .unwrap()
            .contains("Neon dreams tonight")
    );

    // Save as a new preset.
    tmux.keys(&["s"]);
    tmux.wait_for("Save as preset");
    tmux.keys(&["C-u"]);
    tmux.text("tmux_song");
    tmux.keys(&["Enter"]);
    // Then the description and the tips, pre-filled: Enter keeps each.
    tmux.wait_for("2/3: description");
    tmux.keys(&["Enter"]);
    tmux.wait_for("3/3: tips");
    tmux.keys(&["Enter"]);
    tmux.wait_for("Saved preset tmux_song");
    let saved = presets.join("tmux_song.yaml");
    assert!(saved.is_file());
    assert!(
        std::fs::read_to_string(&saved)
            .unwrap()
            .contains("genre: rock")
    );

    // Quit: the shell is back, on the normal screen.
    tmux.keys(&["q"]);
    poll_until("the alternate screen to close", || {
        !tmux.alternate_screen_on()
    });
    tmux.text("echo back-$((40+2))");
    tmux.keys(&["Enter"]);
    tmux.wait_for("back-42");
}

mod vertex_support;

/// gcp mode in the real terminal, against the fake token and Vertex servers:
/// the cost is confirmed, the audio lands on disk, and a second generation
/// that hangs can be cancelled without leaving a file.
#[test]
#[cfg_attr(not(has_tmux), ignore = "tmux not found at build time")]
fn gcp_generation_confirms_cost_writes_audio_and_cancels() {
    use vertex_support::{Fakes, LYRIA2_PATH, fake_audio, files_in, predictions};
    use wiremock::Mock;
    use wiremock::matchers::{method, path};

    require_tmux();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let audio = fake_audio("tui", 4096);
    let fakes = runtime.block_on(async {
        let fakes = Fakes::start().await;
        fakes.expect_token_requests(1).await;
        Mock::given(method("POST"))
            .and(path(LYRIA2_PATH))
            .respond_with(predictions(&[&audio]))
            .up_to_n_times(1)
            .expect(1)
            .mount(&fakes.vertex)
            .await;
        Mock::given(method("POST"))
            .and(path(LYRIA2_PATH))
            .respond_with(predictions(&[&audio]).set_delay(Duration::from_secs(60)))
            .mount(&fakes.vertex)
            .await;
        fakes
    });
    let out = fakes.out_dir();
    let tmux = Tmux::start(fakes.dir.path());
    tmux.wait("a shell prompt", |s| s.contains('$'));
    let gcp = format!(
        "--mode gcp --project-id test-project --credentials {creds} --endpoint {endpoint}",
        creds = fakes.credentials.display(),
        endpoint = fakes.vertex.uri(),
    );
    tmux.launch(fakes.dir.path(), &out, &gcp);
    tmux.wait_for("gcp · project test-project · us-central1 · lyria-002");
    tmux.wait_for("Track · classical…");

    tmux.keys(&["g"]);
    let confirm = tmux.wait_for("Send to Vertex AI?");
    assert!(confirm.contains("$0.0600"), "{confirm}");
    tmux.keys(&["y"]);
    tmux.wait_for("♪ #");
    let files = files_in(&out);
    assert_eq!(files.len(), 2, "{files:?}");
    let wav = files
        .iter()
        .find(|p| p.extension().unwrap() == "wav")
        .unwrap();
    assert_eq!(std::fs::read(wav).unwrap(), audio);
    let json = files
        .iter()
        .find(|p| p.extension().unwrap() == "json")
        .unwrap();
    let metadata: serde_json::Value =
        serde_json::from_slice(&std::fs::read(json).unwrap()).unwrap();
    assert_eq!(metadata["status"], "completed");
    assert_eq!(metadata["model"], "lyria-002");

    // The second request hangs at the fake; cancel it from the log pane.
    tmux.keys(&["g"]);
    tmux.wait_for("Send to Vertex AI?");
    tmux.keys(&["y"]);
    tmux.wait_for("1 running");
    tmux.keys(&["Tab", "Tab", "Tab", "Tab"]);
    tmux.wait_for("c cancel generation");
    tmux.keys(&["c"]);
    tmux.wait_for("cancelled");
    assert_eq!(
        files_in(&out).len(),
        2,
        "a cancelled generation writes nothing"
    );

    tmux.keys(&["q"]);
    poll_until("the alternate screen to close", || {
        !tmux.alternate_screen_on()
    });
    runtime.block_on(fakes.oauth.verify());
    runtime.block_on(fakes.vertex.verify());
}

/// The processes whose parent is `pid` (Linux).
fn children(pid: u32) -> Vec<u32> {
    std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
        .unwrap_or_default()
        .split_whitespace()
        .map(|p| p.parse().unwrap())
        .collect()
}

/// Starts the app from the shell, sends it `signal` once it is up, and
/// checks that it leaves and the shell gets back a terminal it can use:
/// the normal screen, the cursor shown, line editing and echo back on.
fn signal_restores_the_terminal(signal: libc::c_int) {
    let (dir, tmux) = shell();
    let shell: u32 = tmux.var("pane_pid").parse().unwrap();
    assert!(children(shell).is_empty(), "the shell runs nothing yet");
    tmux.launch(dir.path(), &dir.path().join("out"), "");
    tmux.wait_for("Track · classical…");
    assert!(tmux.alternate_screen_on());
    assert_eq!(tmux.var("cursor_flag"), "0", "the app hides the cursor");

    let app = match children(shell).as_slice() {
        [app] => *app,
        other => panic!("the shell should run the app alone: {other:?}"),
    };
    let cmdline = std::fs::read(format!("/proc/{app}/cmdline")).unwrap();
    assert!(
        String::from_utf8_lossy(&cmdline).contains("music-gen"),
        "{app} is not the app"
    );
    // SAFETY: kill only sends a signal to the app this test started.
    assert_eq!(unsafe { libc::kill(app as libc::pid_t, signal) }, 0);

    poll_until("the app to exit", || children(shell).is_empty());
    poll_until("the alternate screen to close", || {
        !tmux.alternate_screen_on()
    });
    assert_eq!(tmux.var("cursor_flag"), "1", "the cursor is shown again");
    // Killed by a signal, a program exits with 128 + its number.
    tmux.text("echo status-$?");
    tmux.keys(&["Enter"]);
    tmux.wait_for(&format!("status-{}", 128 + signal));
    // A terminal left raw would not even run this line (Enter would not
    // end it); a cooked one runs it and stty confirms.
    tmux.text(
        "stty -a | grep -q ' icanon ' && stty -a | grep -q ' echo ' && echo cooked-$((40+2))",
    );
    tmux.keys(&["Enter"]);
    tmux.wait_for("cooked-42");
}

#[test]
#[cfg_attr(not(has_tmux), ignore = "tmux not found at build time")]
fn sigterm_restores_the_terminal() {
    signal_restores_the_terminal(libc::SIGTERM);
}

/// SIGHUP is what an SSH drop sends.
#[test]
#[cfg_attr(not(has_tmux), ignore = "tmux not found at build time")]
fn sighup_restores_the_terminal() {
    signal_restores_the_terminal(libc::SIGHUP);
}

/// Ctrl-Z gives the shell back with a usable terminal; `fg` brings the app
/// back, fully redrawn, and it still takes keys.
#[test]
#[cfg_attr(not(has_tmux), ignore = "tmux not found at build time")]
fn ctrl_z_suspends_and_fg_redraws() {
    let (dir, tmux) = shell();
    tmux.launch(dir.path(), &dir.path().join("out"), "");
    tmux.wait_for("Track · classical…");

    tmux.keys(&["C-z"]);
    poll_until("the alternate screen to close", || {
        !tmux.alternate_screen_on()
    });
    tmux.text("echo suspended-$((40+2))");
    tmux.keys(&["Enter"]);
    tmux.wait_for("suspended-42");

    tmux.text("fg");
    tmux.keys(&["Enter"]);
    tmux.wait_for("Presets (5)");
    assert!(tmux.alternate_screen_on());
    let screen = tmux.wait_for("Classical orchestral");
    assert!(
        !screen.contains("suspended-42"),
        "the shell's lines are painted over:\n{screen}"
    );
    tmux.keys(&["j"]);
    tmux.wait_for("Upbeat electronic");
    tmux.keys(&["q"]);
    poll_until("the alternate screen to close", || {
        !tmux.alternate_screen_on()
    });
}

/// The app's pid, once it runs as the shell's only child.
fn app_pid(tmux: &Tmux) -> u32 {
    let shell: u32 = tmux.var("pane_pid").parse().unwrap();
    poll_until("the app to start", || children(shell).len() == 1);
    children(shell)[0]
}

/// Writes lyrics in the editor and leaves it.
fn write_lyrics(tmux: &Tmux, text: &str) {
    tmux.keys(&["Tab", "Tab", "Enter"]);
    tmux.wait_for("Lyrics editing");
    tmux.text(text);
    tmux.wait_for(text);
    tmux.keys(&["Escape"]);
    tmux.wait("the editor left", |s| !s.contains("Lyrics editing"));
}

/// Lyrics typed and the app quit at once (before the draft's delay): the
/// next start has them back, with when they were written.
#[test]
#[cfg_attr(not(has_tmux), ignore = "tmux not found at build time")]
fn lyrics_survive_a_quit_and_come_back_at_the_next_start() {
    let (dir, tmux) = shell();
    let out = dir.path().join("out");
    tmux.launch(dir.path(), &out, "");
    tmux.wait_for("Track · classical…");
    write_lyrics(&tmux, "Words I must not lose");
    tmux.keys(&["q"]);
    poll_until("the alternate screen to close", || {
        !tmux.alternate_screen_on()
    });

    tmux.launch(dir.path(), &out, "");
    let screen = tmux.wait_for("Restored your draft from");
    assert!(screen.contains("Words I must not lose"), "{screen}");
    tmux.keys(&["q"]);
    poll_until("the alternate screen to close", || {
        !tmux.alternate_screen_on()
    });
}

/// An SSH drop (SIGHUP) a moment after typing: the words are on disk.
#[test]
#[cfg_attr(not(has_tmux), ignore = "tmux not found at build time")]
fn lyrics_survive_sighup() {
    let (dir, tmux) = shell();
    let out = dir.path().join("out");
    tmux.launch(dir.path(), &out, "");
    tmux.wait_for("Track · classical…");
    let app = app_pid(&tmux);
    // Stay in the editor: the signal arrives mid-typing.
    tmux.keys(&["Tab", "Tab", "Enter"]);
    tmux.wait_for("Lyrics editing");
    tmux.text("Half a verse");
    tmux.wait_for("Half a verse");
    // SAFETY: kill only sends a signal to the app this test started.
    assert_eq!(unsafe { libc::kill(app as libc::pid_t, libc::SIGHUP) }, 0);
    poll_until("the alternate screen to close", || {
        !tmux.alternate_screen_on()
    });

    tmux.launch(dir.path(), &out, "");
    let screen = tmux.wait_for("Restored your draft from");
    assert!(screen.contains("Half a verse"), "{screen}");
    tmux.keys(&["q"]);
    poll_until("the alternate screen to close", || {
        !tmux.alternate_screen_on()
    });
}

/// Two TUIs at once keep a draft each; the next start offers the newest.
#[test]
#[cfg_attr(not(has_tmux), ignore = "tmux not found at build time")]
fn two_sessions_keep_their_own_drafts_and_the_newest_comes_back() {
    let (dir, first) = shell();
    let second = Tmux::start(dir.path());
    second.wait("a shell prompt", |s| s.contains('$'));
    let out = dir.path().join("out");
    first.launch(dir.path(), &out, "");
    second.launch(dir.path(), &out, "");
    first.wait_for("Track · classical…");
    second.wait_for("Track · classical…");
    write_lyrics(&first, "From the first window");
    write_lyrics(&second, "From the second window");
    first.keys(&["q"]);
    poll_until("the first to quit", || !first.alternate_screen_on());
    second.keys(&["q"]);
    poll_until("the second to quit", || !second.alternate_screen_on());
    let drafts = std::fs::read_dir(dir.path().join("state/music-gen/drafts"))
        .unwrap()
        .count();
    assert_eq!(drafts, 2, "one draft per session");

    first.launch(dir.path(), &out, "");
    let screen = first.wait_for("Restored your draft from");
    assert!(screen.contains("From the second window"), "{screen}");
    first.keys(&["q"]);
    poll_until("the alternate screen to close", || {
        !first.alternate_screen_on()
    });
}

/// What the settings view chooses is there at the next start, from the
/// config file it wrote.
#[test]
#[cfg_attr(not(has_tmux), ignore = "tmux not found at build time")]
fn settings_chosen_in_the_view_are_there_at_the_next_start() {
    let (dir, tmux) = shell();
    let out = dir.path().join("out");
    tmux.launch(dir.path(), &out, "");
    tmux.wait_for("Track · classical…");
    // Settings → Default model → Lyria 3 Clip → yes to the global location.
    tmux.keys(&["o", "Down", "Down", "Down", "Right"]);
    tmux.wait_for("global");
    tmux.keys(&["y"]);
    tmux.wait_for("Settings saved to");
    tmux.keys(&["Escape", "q"]);
    poll_until("the alternate screen to close", || {
        !tmux.alternate_screen_on()
    });
    let config = std::fs::read_to_string(dir.path().join("config.toml")).unwrap();
    assert!(
        config.contains("model = \"lyria-3-clip-preview\""),
        "{config}"
    );
    assert!(config.contains("location = \"global\""), "{config}");

    tmux.launch(dir.path(), &out, "");
    let screen = tmux.wait_for("Track · classical…");
    assert!(screen.contains("global · lyria-3-clip-preview"), "{screen}");
    // The window title is the app's (OSC 2), counting what runs.
    poll_until("the window title", || tmux.var("pane_title") == "music-gen");
    tmux.keys(&["q"]);
    poll_until("the alternate screen to close", || {
        !tmux.alternate_screen_on()
    });
}

mod audio_support;
mod take_support;

/// The takes of earlier sessions are listed at the next start, and a take
/// another process writes meanwhile appears without a key press.
#[test]
#[cfg_attr(not(has_tmux), ignore = "tmux not found at build time")]
fn history_survives_a_restart_and_other_processes_takes_appear() {
    let (dir, tmux) = shell();
    let output = dir.path().join("out");
    tmux.launch(dir.path(), &output, "");
    tmux.wait_for("Presets (5)");
    tmux.keys(&["Tab", "Tab", "Enter"]);
    tmux.wait_for("Lyrics editing");
    tmux.text("Harbor lights at midnight");
    tmux.keys(&["Escape"]);
    tmux.wait("the editor left", |s| !s.contains("Lyrics editing"));
    tmux.keys(&["g"]);
    tmux.wait_for("○ #1");
    tmux.keys(&["q"]);
    poll_until("the app to quit", || !tmux.alternate_screen_on());

    // Started again: the take is there, though this session made nothing.
    tmux.launch(dir.path(), &output, "");
    tmux.wait_for("Presets (5)");
    tmux.keys(&["5"]);
    let screen = tmux.wait_for("1 take ");
    assert!(screen.contains("Harbor lights"), "{screen}");
    assert!(!screen.contains("#1"), "{screen}");

    // Another process writes a take: the watcher brings it in.
    let status = Command::new(env!("CARGO_BIN_EXE_music-gen"))
        .args([
            "--presets-dir",
            dir.path().join("presets").to_str().unwrap(),
        ])
        .args(["generate", "-g", "bossa nova", "-t", "Sand and salt"])
        .env("MUSIC_GEN_OUTPUT_DIR", &output)
        .env("XDG_STATE_HOME", dir.path().join("state"))
        .env("MUSIC_GEN_CONFIG", dir.path().join("config.toml"))
        .output()
        .unwrap();
    assert!(status.status.success(), "{status:?}");
    let screen = tmux.wait_for("2 takes");
    assert!(screen.contains("bossa nova"), "{screen}");
    tmux.keys(&["q"]);
    poll_until("the app to quit", || !tmux.alternate_screen_on());
}

/// `p` plays with the player MUSIC_GEN_PLAYER names (a script that records
/// its arguments and its pid), shows it playing, and stops it on `p` and
/// on quit; `y` copies the path through OSC 52 into tmux's buffer.
#[test]
#[cfg_attr(not(has_tmux), ignore = "tmux not found at build time")]
fn playback_through_a_stand_in_player_and_the_path_copied() {
    let (dir, tmux) = shell();
    let output = dir.path().join("out");
    std::fs::create_dir_all(&output).unwrap();
    take_support::save(&output, take_support::TakeSpec::default());
    let wav = output.join("20261129-201500-jazz.wav");
    let args = dir.path().join("player-args");
    let pid = dir.path().join("player-pid");
    let player = dir.path().join("player.sh");
    std::fs::write(
        &player,
        format!(
            "#!/bin/sh\necho $$ > {pid}\necho \"$@\" >> {args}\nexec sleep 60\n",
            pid = pid.display(),
            args = args.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&player, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert!(
        tmux.run(&["set", "-g", "set-clipboard", "on"])
            .status
            .success()
    );

    tmux.text(&format!("MUSIC_GEN_PLAYER={} ", player.display()));
    tmux.launch(dir.path(), &output, "");
    tmux.wait_for("Presets (5)");
    tmux.keys(&["5"]);
    tmux.wait_for("jazz_smooth");
    tmux.keys(&["p"]);
    tmux.wait_for("playing");
    poll_until("the player to start", || {
        std::fs::read_to_string(&args).is_ok_and(|a| a.ends_with('\n'))
    });
    let recorded = std::fs::read_to_string(&args).unwrap();
    assert_eq!(recorded.trim(), wav.display().to_string());
    let alive = |pid: &Path| {
        let pid = std::fs::read_to_string(pid).unwrap();
        Command::new("kill")
            .args(["-0", pid.trim()])
            .status()
            .unwrap()
            .success()
    };
    assert!(alive(&pid));
    tmux.keys(&["p"]);
    poll_until("the player to stop", || !alive(&pid));
    tmux.wait("the row to stop playing", |s| !s.contains("playing"));

    tmux.keys(&["y"]);
    tmux.wait_for("Copied");
    poll_until("the path in tmux's buffer", || {
        let out = tmux.run(&["show-buffer"]);
        String::from_utf8_lossy(&out.stdout).contains(&wav.display().to_string())
    });

    // Quitting stops the music.
    std::fs::remove_file(&pid).unwrap();
    tmux.keys(&["p"]);
    poll_until("the player to start again", || pid.exists());
    tmux.wait_for("playing");
    assert!(alive(&pid));
    tmux.keys(&["q"]);
    poll_until("the app to quit", || !tmux.alternate_screen_on());
    poll_until("the player to be stopped", || !alive(&pid));
}

/// The settings view names its files whole, as `config` prints them, even
/// under the home folder (it said `~/…` there, and whole paths elsewhere).
#[test]
#[cfg_attr(not(has_tmux), ignore = "tmux not found at build time")]
fn settings_name_files_whole_as_config_does() {
    let (dir, tmux) = shell();
    let root = dir.path();
    let command = format!(
        "HOME={root} XDG_STATE_HOME={root}/state MUSIC_GEN_CONFIG={root}/config.toml MUSIC_GEN_OUTPUT_DIR={root}/out {bin} --presets-dir {root}/presets",
        root = root.display(),
        bin = env!("CARGO_BIN_EXE_music-gen"),
    );
    tmux.text(&command);
    tmux.keys(&["Enter"]);
    tmux.wait_for("Track · classical…");
    tmux.keys(&["o"]);
    let screen = tmux.wait_for("Config file");
    let config = format!("Config file    {}/config.toml", root.display());
    assert!(screen.contains(&config), "{screen}");
    assert!(!screen.contains("~/"), "{screen}");
    let printed = Command::new(env!("CARGO_BIN_EXE_music-gen"))
        .env("HOME", root)
        .env("MUSIC_GEN_CONFIG", root.join("config.toml"))
        .arg("config")
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&printed.stdout);
    assert!(
        printed.contains(&format!("config file:   {}/config.toml", root.display())),
        "{printed}"
    );
    tmux.keys(&["Escape", "q"]);
    poll_until("the alternate screen to close", || {
        !tmux.alternate_screen_on()
    });
}
