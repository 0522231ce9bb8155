//! Takes from the command line, through the real binary: `history`,
//! `history show`, `play` (a stand-in player that records its arguments),
//! `rerun` (the same request body against the fake Vertex servers),
//! `history prune`, a take whose audio is gone, and `--config RESULT.json`
//! giving back every saved take's prompt byte for byte.

mod audio_support;
mod vertex_support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use vertex_support::{Fakes, LYRIA2_PATH, music_gen_in, predictions, runtime};
use wiremock::Mock;
use wiremock::matchers::{method, path};

/// No player of the machine's: `play` tests name their own.
fn music_gen(home: &Path, out: &Path) -> Command {
    let mut cmd = music_gen_in(home, out);
    cmd.env_remove("MUSIC_GEN_PLAYER");
    cmd
}

fn gcp(fakes: &Fakes) -> Command {
    let mut cmd = fakes.gcp();
    cmd.env_remove("MUSIC_GEN_PLAYER");
    cmd
}

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn history_json(cmd: &mut Command) -> Value {
    serde_json::from_str(&ok(&cmd.args(["history", "--json"]).output().unwrap())).unwrap()
}

/// A real WAV: one quiet second, then one loud one.
fn sine_wav(dir: &Path) -> Vec<u8> {
    let p = dir.join("sine.wav");
    audio_support::write_sine_wav(&p, 48_000, 2, 2.0, |t| if t < 1.0 { 0.1 } else { 0.9 });
    std::fs::read(p).unwrap()
}

#[test]
fn a_paid_take_is_listed_shown_played_rerun_identically_and_pruned() {
    let rt = runtime();
    let scratch = tempfile::tempdir().unwrap();
    let audio = sine_wav(scratch.path());
    let fakes = rt.block_on(async {
        let fakes = Fakes::start().await;
        // One token per process: the generation and the two re-runs.
        fakes.expect_token_requests(3).await;
        Mock::given(method("POST"))
            .and(path(LYRIA2_PATH))
            .respond_with(predictions(&[&audio]))
            .expect(3)
            .mount(&fakes.vertex)
            .await;
        fakes
    });
    let out = fakes.out_dir();
    ok(&gcp(&fakes)
        .args([
            "generate",
            "-p",
            "rock_anthem",
            "-t",
            "We rise\nagain",
            "--seed",
            "7",
        ])
        .args(["--negative-prompt", "drums", "--yes"])
        .output()
        .unwrap());

    // Listed, in a new process, with what was measured.
    let list = history_json(&mut gcp(&fakes));
    assert_eq!(list["total"], 1);
    let take = &list["takes"][0];
    let id = take["id"].as_str().unwrap().to_string();
    assert_eq!(take["state"]["state"], "ready");
    assert_eq!(take["seed"], 7);
    assert_eq!(take["preset"], "rock_anthem");
    assert_eq!(take["model"], "lyria-002");
    assert!((take["duration_seconds"].as_f64().unwrap() - 2.0).abs() < 0.01);
    let text = ok(&gcp(&fakes)
        .args(["history", "--since", "1d"])
        .output()
        .unwrap());
    assert!(
        text.contains(&id) && text.contains("We rise again"),
        "{text}"
    );
    assert!(
        text.contains("Spent in gcp mode over the last 1d: $0.06 on 1 take"),
        "{text}"
    );

    // Shown with its levels and a waveform whose loud half is taller.
    let show = ok(&gcp(&fakes)
        .args(["history", "show", &id[..12]])
        .output()
        .unwrap());
    assert!(show.contains("WAV 48 kHz stereo"), "{show}");
    assert!(show.contains("Seed:         7"), "{show}");
    let wave = show
        .lines()
        .find(|l| l.chars().count() == 60 && l.chars().all(|c| ('▁'..='█').contains(&c)))
        .unwrap_or_else(|| panic!("no waveform line in:\n{show}"));
    let cols: Vec<char> = wave.chars().collect();
    assert!(cols[5] < cols[55], "{wave}");
    let shown: Value = serde_json::from_str(&ok(&gcp(&fakes)
        .args(["history", "show", &id, "--json"])
        .output()
        .unwrap()))
    .unwrap();
    assert_eq!(shown["waveform"].as_array().unwrap().len(), 60);
    assert_eq!(shown["result"]["track"]["text_input"], "We rise\nagain");

    // Played by a stand-in that records its arguments; it prints, and
    // nothing of that reaches the terminal.
    let args_file = scratch.path().join("args");
    let player = scratch.path().join("player.sh");
    std::fs::write(
        &player,
        format!(
            "#!/bin/sh\necho noisy player output\necho noisy >&2\nprintf '%s\\n' \"$@\" > {}\n",
            args_file.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&player, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let o = gcp(&fakes)
        .env(
            "MUSIC_GEN_PLAYER",
            format!("{} --flag 'two words'", player.display()),
        )
        .args(["play", &id])
        .output()
        .unwrap();
    let printed = ok(&o);
    assert!(!printed.contains("noisy") && !stderr(&o).contains("noisy"));
    let wav = out.join(format!("{id}.wav"));
    assert_eq!(
        std::fs::read_to_string(&args_file).unwrap(),
        format!("--flag\ntwo words\n{}\n", wav.display())
    );

    // Re-run: the same request body, seed and all; then one with a change.
    ok(&gcp(&fakes)
        .args(["rerun", &id[..15], "--yes"])
        .output()
        .unwrap());
    ok(&gcp(&fakes)
        .args(["rerun", &id, "--temperature", "0.2", "--yes"])
        .output()
        .unwrap());
    let bodies: Vec<Value> = rt
        .block_on(fakes.vertex.received_requests())
        .unwrap()
        .iter()
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect();
    assert_eq!(bodies.len(), 3);
    assert_eq!(bodies[0], bodies[1]);
    assert_eq!(bodies[0]["instances"][0]["seed"], 7);
    assert_ne!(bodies[0], bodies[2]);
    assert!(bodies[2].to_string().contains("Temperature: 0.2"));
    let list = history_json(&mut gcp(&fakes));
    assert_eq!(list["total"], 3);

    // A take whose audio is gone is listed as such, and play says so.
    std::fs::remove_file(&wav).unwrap();
    let list = history_json(&mut gcp(&fakes));
    let gone = list["takes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id.as_str())
        .unwrap();
    assert_eq!(gone["state"]["state"], "missing");
    let o = gcp(&fakes).args(["play", &id]).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(e.contains("missing") && e.lines().count() == 1, "{e}");
    let show = ok(&gcp(&fakes).args(["history", "show", &id]).output().unwrap());
    assert!(show.contains("(missing)"), "{show}");

    // Prune asks (refuses without a terminal), then frees the space.
    let o = gcp(&fakes)
        .args(["history", "prune", "--keep", "1"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("2 takes"), "{}", stderr(&o));
    let pruned = ok(&gcp(&fakes)
        .args(["history", "prune", "--keep", "1", "--yes"])
        .output()
        .unwrap());
    assert!(pruned.starts_with("Deleted 2 takes, freed "), "{pruned}");
    assert_eq!(history_json(&mut gcp(&fakes))["total"], 1);
}

#[test]
fn no_player_is_one_line_with_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("tracks");
    std::fs::create_dir_all(&out).unwrap();
    let wav = out.join("20250101-000000-rock.wav");
    audio_support::write_sine_wav(&wav, 8000, 1, 0.2, |_| 0.5);
    std::fs::write(
        out.join("20250101-000000-rock.json"),
        serde_json::json!({
            "status": "completed", "mode": "gcp", "genre": "rock",
            "duration_seconds": 60, "prompt": "p", "message": "",
            "metadata": {"structure": {}, "style_references": [], "temperature": 0.5},
            "cost_estimate": {"estimated_total_usd": 0.06, "note": ""},
            "files": [{"path": wav, "mime_type": "audio/wav", "size_bytes": 1, "sha256": ""}]
        })
        .to_string(),
    )
    .unwrap();
    let o = music_gen(dir.path(), &out)
        .env("PATH", dir.path().join("empty-path"))
        .args(["play", "2025"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert_eq!(e.lines().count(), 1, "{e}");
    assert!(
        e.contains("no audio player found") && e.contains(&wav.display().to_string()),
        "{e}"
    );
}

/// A take with a short WAV, written by hand into `out`; its id.
fn hand_made_take(out: &Path) -> &'static str {
    std::fs::create_dir_all(out).unwrap();
    let wav = out.join("20250101-000000-rock.wav");
    audio_support::write_sine_wav(&wav, 8000, 1, 0.2, |_| 0.5);
    let size = std::fs::metadata(&wav).unwrap().len();
    std::fs::write(
        out.join("20250101-000000-rock.json"),
        serde_json::json!({
            "status": "completed", "mode": "gcp", "genre": "rock",
            "duration_seconds": 60, "prompt": "p", "message": "",
            "metadata": {"structure": {}, "style_references": [], "temperature": 0.5},
            "cost_estimate": {"estimated_total_usd": 0.06, "note": ""},
            "files": [{"path": wav, "mime_type": "audio/wav", "size_bytes": size, "sha256": ""}]
        })
        .to_string(),
    )
    .unwrap();
    "20250101-000000-rock"
}

fn script(path: &Path, body: &str) {
    std::fs::write(path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(path, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
}

/// A player that fails says so: exit 1, its status and its last error
/// line (its other output still kept off the terminal).
#[test]
fn a_player_that_fails_is_reported_with_its_last_error_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("tracks");
    let id = hand_made_take(&out);
    let player = dir.path().join("failplayer.sh");
    script(
        &player,
        "echo chatter\necho 'starting up' >&2\nprintf 'fatal: cannot open audio device\\033[0m\\n' >&2\nexit 3",
    );
    let o = music_gen(dir.path(), &out)
        .env("MUSIC_GEN_PLAYER", &player)
        .args(["play", id])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains("failplayer.sh exited with status 3: fatal: cannot open audio device"),
        "{e}"
    );
    assert!(!e.contains("chatter") && !e.contains('\x1b'), "{e}");
}

/// A hang-up (the SSH session closed) or a `kill` stops the player with
/// music-gen, as Ctrl-C does; music-gen exits as the signal says.
#[test]
fn a_hangup_or_a_kill_stops_the_player_too() {
    use std::process::Stdio;
    for (signal, code) in [(libc::SIGHUP, 129), (libc::SIGTERM, 143)] {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("tracks");
        let id = hand_made_take(&out);
        let pid_file = dir.path().join("player.pid");
        let player = dir.path().join("player.sh");
        script(
            &player,
            &format!("echo $$ > {}\nexec /bin/sleep 30", pid_file.display()),
        );
        let child = music_gen(dir.path(), &out)
            .env("MUSIC_GEN_PLAYER", &player)
            .args(["play", id])
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        let player_pid: i32 = loop {
            if let Some(pid) = std::fs::read_to_string(&pid_file)
                .ok()
                .and_then(|t| t.trim().parse().ok())
            {
                break pid;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the player never started"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        // Give the command a moment to listen for signals after starting it.
        std::thread::sleep(std::time::Duration::from_millis(300));
        // SAFETY: signals the music-gen child this test started.
        unsafe { libc::kill(child.id() as i32, signal) };
        let o = child.wait_with_output().unwrap();
        assert_eq!(
            o.status.code(),
            Some(code),
            "signal {signal}: {}",
            stderr(&o)
        );
        // SAFETY: signal 0 only asks whether the process exists.
        let alive = unsafe { libc::kill(player_pid, 0) } == 0;
        assert!(!alive, "signal {signal}: the player still runs");
    }
}

/// Every kind of saved take, fed back with `--config`, makes the same
/// prompt; so does a result the Python tool's API returned.
#[test]
fn every_saved_take_round_trips_through_config() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("tracks");
    let runs: [&[&str]; 5] = [
        &["-p", "rock_anthem", "-t", "We rise\n\n  again ü 🎵"],
        &[
            "-g",
            "lo-fi hip hop",
            "-t",
            "Lyrics/Text input:\nCreate a track",
            "-d",
            "75",
        ],
        &[
            "-g",
            "jazz",
            "-t",
            "x",
            "--no-intro",
            "--verses",
            "5",
            "--choruses",
            "1",
            "-s",
            "style:smoky",
            "-s",
            "artist:Someone: Else",
        ],
        &[
            "-p",
            "jazz_smooth",
            "-t",
            "Blue",
            "--seed",
            "4294967295",
            "--negative-prompt",
            "vocals",
            "--temperature",
            "0",
        ],
        &[
            "-g",
            "pop",
            "-t",
            "Sing",
            "--samples",
            "3",
            "--model",
            "lyria-3-pro-preview",
        ],
    ];
    for (i, args) in runs.iter().enumerate() {
        ok(&music_gen(dir.path(), &out)
            .arg("generate")
            .args(*args)
            .arg("--output")
            .arg(out.join(format!("take-{i}.wav")))
            .output()
            .unwrap());
    }
    let results: Vec<PathBuf> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    assert_eq!(results.len(), runs.len());
    for r in &results {
        let saved: Value = serde_json::from_slice(&std::fs::read(r).unwrap()).unwrap();
        let o = music_gen(dir.path(), &out)
            .args(["prompt", "--config"])
            .arg(r)
            .output()
            .unwrap();
        assert_eq!(ok(&o), saved["prompt"].as_str().unwrap(), "{}", r.display());
        assert!(
            stderr(&o).is_empty(),
            "warnings for {}: {}",
            r.display(),
            stderr(&o)
        );
    }

    let fixture: Value =
        serde_json::from_slice(&std::fs::read("tests/fixtures/python_api/simulate.json").unwrap())
            .unwrap();
    let mut checked = 0;
    for case in fixture["cases"].as_array().unwrap() {
        if case["path"] != "/tracks/generate" || case["status"] != 200 {
            continue;
        }
        let file = dir.path().join("python-result.json");
        std::fs::write(&file, case["body"].to_string()).unwrap();
        let o = music_gen(dir.path(), &out)
            .args(["prompt", "--config"])
            .arg(&file)
            .output()
            .unwrap();
        assert_eq!(
            ok(&o),
            case["body"]["prompt"].as_str().unwrap(),
            "{}",
            case["name"]
        );
        checked += 1;
    }
    assert!(checked >= 5);
}

/// `generate --config RESULT.json` re-creates the take's track and
/// settings, the location it ran at included (a Lyria 3 take ran at
/// `global`); `--location` still wins, and a location that could not be
/// one is a clear line naming the field.
#[test]
fn generate_from_a_result_runs_with_its_track_and_settings() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("tracks");
    let first = out.join("first.wav");
    ok(&music_gen(dir.path(), &out)
        .args(["--location", "europe-west4", "generate", "-g", "jazz"])
        .args(["-t", "Blue\nnotes", "--seed", "9"])
        .args(["--negative-prompt", "drums", "--output"])
        .arg(&first)
        .output()
        .unwrap());
    let first_json = out.join("first.json");
    let read = |p: &Path| -> Value { serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap() };
    let saved = read(&first_json);
    assert_eq!(saved["settings"]["location"], "europe-west4");

    let again = out.join("again.wav");
    let o = music_gen(dir.path(), &out)
        .args(["generate", "--config"])
        .arg(&first_json)
        .arg("--output")
        .arg(&again)
        .output()
        .unwrap();
    ok(&o);
    assert!(
        stderr(&o).contains("Location europe-west4"),
        "{}",
        stderr(&o)
    );
    let redone = read(&out.join("again.json"));
    // The model the first take left to the settings is now the track's
    // own; `settings` says it is the same one.
    let without_model = |v: &Value| {
        let mut t = v["track"].clone();
        t.as_object_mut().unwrap().remove("model");
        t
    };
    assert_eq!(without_model(&redone), without_model(&saved));
    assert_eq!(redone["settings"], saved["settings"]);
    assert_eq!(redone["prompt"], saved["prompt"]);

    // --location wins over the file's.
    let moved = out.join("moved.wav");
    ok(&music_gen(dir.path(), &out)
        .args(["--location", "us-east1", "generate", "--config"])
        .arg(&first_json)
        .arg("--output")
        .arg(&moved)
        .output()
        .unwrap());
    assert_eq!(
        read(&out.join("moved.json"))["settings"]["location"],
        "us-east1"
    );

    // A hand-edited location that is not one: one line, nothing written.
    let mut hostile = saved.clone();
    hostile["settings"]["location"] = "evil.example/x".into();
    let file = dir.path().join("hostile.json");
    std::fs::write(&file, hostile.to_string()).unwrap();
    let o = music_gen(dir.path(), &out)
        .args(["generate", "--config"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains("hostile.json: settings.location:") && e.lines().count() == 1,
        "{e}"
    );
}

/// A 20 MB "take" is refused by its size, in plain words naming the
/// limit, not parsed up to a cut-off and reported as broken JSON.
#[test]
fn a_huge_metadata_file_is_called_too_large() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("tracks");
    std::fs::create_dir_all(&out).unwrap();
    let mut text = String::from("{\"status\": \"");
    text.push_str(&"x".repeat(20 << 20));
    text.push_str("\"}");
    std::fs::write(out.join("20261130-120000-huge.json"), text).unwrap();
    let o = music_gen(dir.path(), &out)
        .args(["history", "show", "20261130-120000-huge"])
        .output()
        .unwrap();
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(
        e.contains(
            "20261130-120000-huge.json: not a take's metadata: the file is too large (over 16 MiB"
        ) && !e.contains("column")
            && e.lines().count() == 1,
        "{e}"
    );
    let list = history_json(&mut music_gen(dir.path(), &out));
    let reason = list["takes"][0]["state"]["reason"].as_str().unwrap();
    assert!(reason.contains("too large (over 16 MiB"), "{reason}");
}

/// What a newcomer asked for: a re-run says the seed it reused, as
/// `generate` does; `history show` says the structure and the style
/// references; a prefix naming several takes lists every one.
#[test]
fn rerun_says_its_seed_show_its_structure_and_an_ambiguous_id_lists_all() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("tracks");
    for seed in 1..=5 {
        let text = format!("take {seed}");
        let seed = seed.to_string();
        ok(&music_gen(dir.path(), &out)
            .args([
                "generate",
                "-p",
                "rock_anthem",
                "-t",
                &text,
                "--seed",
                &seed,
            ])
            .output()
            .unwrap());
    }
    let list = history_json(&mut music_gen(dir.path(), &out));
    let ids: Vec<String> = list["takes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 5);

    let o = music_gen(dir.path(), &out)
        .args(["history", "show", "20"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let e = stderr(&o);
    assert_eq!(e.lines().count(), 1, "{e}");
    for id in &ids {
        assert!(e.contains(id.as_str()), "{id} missing from: {e}");
    }

    let take = list["takes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["seed"] == 3)
        .unwrap();
    let id = take["id"].as_str().unwrap();
    let rerun = ok(&music_gen(dir.path(), &out)
        .args(["rerun", id])
        .output()
        .unwrap());
    assert!(rerun.contains("\n  seed:        3\n"), "{rerun}");
    let generated = ok(&music_gen(dir.path(), &out)
        .args(["generate", "-p", "rock_anthem", "-t", "x", "--seed", "3"])
        .output()
        .unwrap());
    assert!(generated.contains("\n  seed:        3\n"), "{generated}");

    let show = ok(&music_gen(dir.path(), &out)
        .args(["history", "show", id])
        .output()
        .unwrap());
    assert!(
        show.contains(
            "Structure:    intro -> verse 1 -> chorus -> verse 2 -> chorus -> chorus -> bridge -> outro\n"
        ),
        "{show}"
    );
    assert!(show.contains("Style ref:    style: arena rock\n"), "{show}");
}
