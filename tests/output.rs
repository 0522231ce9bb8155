//! Writing a generation's files: all or nothing, names reserved atomically
//! across threads and processes, the user's old files never destroyed.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

use music_gen::domain::model::TrackConfig;
use music_gen::generate::output::{self, NewAudio, sha256_hex};
use music_gen::generate::result::{GenerationResult, ResultMetadata};
use music_gen::generate::{Mode, OutputTarget, Status};

fn result() -> GenerationResult {
    let track = TrackConfig::new("x", "rock");
    GenerationResult {
        schema_version: music_gen::generate::result::SCHEMA_VERSION,
        status: Status::Completed,
        mode: Mode::Gcp,
        genre: track.genre.clone(),
        duration_seconds: track.duration_seconds,
        prompt: "p".into(),
        metadata: ResultMetadata::of(&track),
        message: "m".into(),
        cost_estimate: music_gen::domain::cost::simulate(30),
        model: None,
        request: None,
        files: Vec::new(),
        text: None,
        timings: None,
        metadata_path: None,
        track: Some(track.clone()),
        settings: None,
        preset: None,
        created_at: None,
        finished_at: None,
    }
}

fn wav(tag: &str) -> NewAudio {
    NewAudio {
        bytes: format!("RIFF-{tag}").into_bytes(),
        mime_type: "audio/wav".into(),
        ext: "wav",
    }
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn never() -> bool {
    false
}

#[test]
fn a_failed_metadata_write_keeps_the_old_track() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("x.wav");
    std::fs::write(&target, b"old paid track").unwrap();
    std::fs::create_dir(dir.path().join("x.json")).unwrap();
    let mut r = result();
    let e = output::save(
        &OutputTarget::File(target.clone()),
        None,
        &[wav("new")],
        &mut r,
        &never,
    )
    .unwrap_err();
    assert!(e.to_string().contains("x.json"), "{e}");
    assert_eq!(std::fs::read(&target).unwrap(), b"old paid track");
    assert!(r.files.is_empty() && r.metadata_path.is_none());
    assert_eq!(
        names(dir.path()),
        ["x.json", "x.wav"],
        "no temporary file is left"
    );
}

#[test]
fn a_named_output_replaces_both_files_together() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("x.wav");
    std::fs::write(&target, b"old").unwrap();
    std::fs::write(dir.path().join("x.json"), b"{}").unwrap();
    let mut r = result();
    output::save(
        &OutputTarget::File(target.clone()),
        None,
        &[wav("new")],
        &mut r,
        &never,
    )
    .unwrap();
    assert_eq!(std::fs::read(&target).unwrap(), b"RIFF-new");
    let meta: GenerationResult =
        serde_json::from_slice(&std::fs::read(dir.path().join("x.json")).unwrap()).unwrap();
    assert_eq!(meta.files[0].sha256, sha256_hex(b"RIFF-new"));
    assert_eq!(names(dir.path()), ["x.json", "x.wav"]);
}

#[test]
fn a_cancel_before_the_moves_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut r = result();
    let e = output::save(
        &OutputTarget::Dir(dir.path().to_path_buf()),
        None,
        &[wav("a")],
        &mut r,
        &|| true,
    )
    .unwrap_err();
    assert!(matches!(e, music_gen::generate::GenerateError::Cancelled));
    assert!(names(dir.path()).is_empty());
}

/// 24 generations at once in one folder, in the same second and genre:
/// 24 names, each metadata file describing the audio beside it.
#[test]
fn parallel_generations_reserve_distinct_names() {
    let dir = tempfile::tempdir().unwrap();
    let threads: Vec<_> = (0..24)
        .map(|i| {
            let d = dir.path().to_path_buf();
            std::thread::spawn(move || {
                let mut r = result();
                let audio = [wav(&format!("take {i}")), wav(&format!("take {i} b"))];
                output::save(&OutputTarget::Dir(d), None, &audio, &mut r, &never).unwrap();
                r
            })
        })
        .collect();
    let results: Vec<GenerationResult> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let mut metas: Vec<PathBuf> = results
        .iter()
        .map(|r| r.metadata_path.clone().unwrap())
        .collect();
    metas.sort();
    metas.dedup();
    assert_eq!(metas.len(), 24);
    for meta in metas {
        let m: GenerationResult = serde_json::from_slice(&std::fs::read(&meta).unwrap()).unwrap();
        assert_eq!(m.metadata_path.as_deref(), Some(meta.as_path()));
        for f in &m.files {
            assert_eq!(f.sha256, sha256_hex(&std::fs::read(&f.path).unwrap()));
        }
    }
    assert_eq!(names(dir.path()).len(), 24 * 3, "no temporary file is left");
}

/// The same across processes: 12 simulated generations into one folder.
#[test]
fn parallel_processes_reserve_distinct_names() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let children: Vec<_> = (0..12)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_music-gen"))
                .env_remove("MUSIC_GEN_MODE")
                .env("XDG_STATE_HOME", dir.path().join("state"))
                .arg("--presets-dir")
                .arg(dir.path().join("presets"))
                .args(["generate", "-g", "rock", "-t", "x", "--json", "--output"])
                .arg(&out)
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    let written = names(&out);
    assert_eq!(written.len(), 12, "{written:?}");
    assert!(
        written
            .iter()
            .all(|n| n.ends_with(".json") && n.contains("rock"))
    );
}

#[test]
fn stale_temporary_files_are_swept_when_a_folder_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let stale = dir.path().join(".music-gen-AbC123.tmp");
    std::fs::write(&stale, vec![0u8; 1024]).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&stale)
        .unwrap()
        .set_modified(SystemTime::now() - Duration::from_secs(2 * 3600))
        .unwrap();
    let recent = dir.path().join(".music-gen-XyZ789.tmp");
    std::fs::write(&recent, b"another process is writing").unwrap();
    let mut r = result();
    output::save(
        &OutputTarget::Dir(dir.path().to_path_buf()),
        None,
        &[wav("a")],
        &mut r,
        &never,
    )
    .unwrap();
    assert!(!stale.exists());
    assert!(recent.exists());
}

#[test]
fn system_folders_are_refused_before_writing() {
    let mut r = result();
    for p in ["/dev/null", "/dev/full"] {
        let e = output::save(
            &OutputTarget::File(PathBuf::from(p)),
            None,
            &[wav("a")],
            &mut r,
            &never,
        )
        .unwrap_err();
        assert!(e.to_string().contains("/dev"), "{e}");
    }
    assert!(!Path::new("/dev/null.wav").exists() && !Path::new("/dev/full.json").exists());
}

/// Takes asked for together (the TUI's variations) are named when they are
/// sent, in seed order: the folder lists them so whichever finishes first,
/// where names given at the end listed them as they finished (and `-2`
/// sorted before the first take's name).
#[test]
fn a_series_keeps_its_order_whichever_take_finishes_first() {
    let dir = tempfile::tempdir().unwrap();
    let series = output::series(1_796_000_000, ["Lo-Fi Rock"; 4].into_iter());
    assert_eq!(series[0], "20261130-005320-lo-fi-rock-v1");
    for (i, name) in series.iter().enumerate().rev() {
        let mut r = result();
        let audio = [wav(&format!("seed {}", i + 1))];
        let target = OutputTarget::Dir(dir.path().to_path_buf());
        output::save(&target, Some(name), &audio, &mut r, &never).unwrap();
    }
    let listed = names(dir.path());
    let wavs: Vec<&String> = listed.iter().filter(|n| n.ends_with(".wav")).collect();
    assert_eq!(wavs.len(), 4);
    for (i, n) in wavs.iter().enumerate() {
        assert_eq!(**n, format!("{}.wav", series[i]));
        let bytes = std::fs::read(dir.path().join(n)).unwrap();
        assert_eq!(bytes, format!("RIFF-seed {}", i + 1).into_bytes());
    }
    // Ten or more: numbered with two digits, so v10 sorts after v09.
    let twelve = output::series(1_796_000_000, ["rock"; 12].into_iter());
    assert!(twelve[8].ends_with("-v09") && twelve[11].ends_with("-v12"));
    let mut sorted = twelve.clone();
    sorted.sort();
    assert_eq!(sorted, twelve);
}
