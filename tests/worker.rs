//! The worker driven headlessly, as the CLI and the TUI drive it: requests
//! in, events out, each answered once under its own id.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use music_gen::domain::model::{PresetConfig, StyleReference, TrackConfig};
use music_gen::domain::presets::StoreError;
use music_gen::domain::prompt::build_prompt;
use music_gen::generate::{GenerateError, GenerationSettings, Job, Mode, OutputTarget, Status};
use music_gen::worker::{Event, Request, RequestId, WorkerError, WorkerHandle, spawn};
use serde_json::{Value, json};

fn worker(dir: &Path) -> WorkerHandle {
    spawn(dir.to_path_buf()).expect("start the worker")
}

async fn call(w: &mut WorkerHandle, req: Request) -> Event {
    let mut others = Vec::new();
    let ev = w
        .call(req, |e| others.push(format!("{e:?}")))
        .await
        .expect("the worker answers");
    // Nothing else was in flight, so nothing else may arrive but progress.
    assert!(
        others
            .iter()
            .all(|e| e.starts_with("Started") || e.starts_with("Progress")),
        "{others:?}"
    );
    ev
}

fn job(track: TrackConfig, output: OutputTarget) -> Request {
    let settings = GenerationSettings {
        output,
        ..GenerationSettings::default()
    };
    Request::Generate(Box::new(Job::new(track, settings)))
}

fn track(genre: &str) -> TrackConfig {
    let mut t = TrackConfig::new("Hello 🌍\nsecond line", genre);
    t.duration_seconds = 95;
    t.temperature = 0.1 + 0.2;
    t.style_references = vec![
        StyleReference {
            kind: "style".into(),
            value: "arena rock".into(),
        },
        StyleReference {
            kind: "sound".into(),
            value: "big drums".into(),
        },
    ];
    t
}

#[tokio::test]
async fn presets_through_events() {
    let tmp = tempfile::tempdir().unwrap();
    let mut w = worker(&tmp.path().join("presets"));
    let mut restored = w.restored_builtins().to_vec();
    restored.sort();
    assert_eq!(
        restored,
        [
            "classical_orchestral",
            "electronic_dance",
            "jazz_smooth",
            "pop_catchy",
            "rock_anthem"
        ]
    );

    let Event::Presets { presets, .. } = call(&mut w, Request::ListPresets).await else {
        panic!("expected presets")
    };
    assert_eq!(presets.len(), 5);

    let Event::Preset { preset, .. } = call(
        &mut w,
        Request::LoadPreset {
            name: "jazz_smooth".into(),
        },
    )
    .await
    else {
        panic!("expected a preset")
    };
    assert_eq!(preset.preset.genre, "jazz");
    assert_eq!(preset.preset.temperature, 0.6);

    let mine = PresetConfig::from_track("mine", Some("Mine".into()), None, &track("ska"));
    let ev = call(
        &mut w,
        Request::SavePreset {
            preset: mine.clone(),
            overwrite: false,
        },
    )
    .await;
    let Event::Saved { name, path, .. } = ev else {
        panic!("expected saved, got {ev:?}")
    };
    assert_eq!(name, "mine");
    assert_eq!(path, tmp.path().join("presets/mine.yaml"));

    // Saving again without overwrite is refused so the caller can ask.
    let ev = call(
        &mut w,
        Request::SavePreset {
            preset: mine.clone(),
            overwrite: false,
        },
    )
    .await;
    match ev {
        Event::Failed {
            error: WorkerError::Store(StoreError::Exists { ref name }),
            ..
        } => assert_eq!(name, "mine"),
        other => panic!("expected Exists, got {other:?}"),
    }

    let Event::Presets { presets, .. } = call(&mut w, Request::ListPresets).await else {
        panic!()
    };
    let s = presets.iter().find(|s| s.name == "mine").unwrap();
    assert_eq!(s.genre.as_deref(), Some("ska"));
    assert_eq!(s.description.as_deref(), Some("Mine"));

    let ev = call(
        &mut w,
        Request::DeletePreset {
            name: "mine".into(),
        },
    )
    .await;
    assert!(
        matches!(ev, Event::Deleted { ref name, .. } if name == "mine"),
        "{ev:?}"
    );
    assert!(!tmp.path().join("presets/mine.yaml").exists());

    let ev = call(
        &mut w,
        Request::LoadPreset {
            name: "mine".into(),
        },
    )
    .await;
    match ev {
        Event::Failed { error, .. } => {
            assert!(matches!(
                error,
                WorkerError::Store(StoreError::NotFound { .. })
            ));
            assert!(!error.is_invalid_input());
        }
        other => panic!("expected not found, got {other:?}"),
    }

    // A hostile name is refused as invalid input and touches nothing.
    let ev = call(
        &mut w,
        Request::DeletePreset {
            name: "../jazz_smooth".into(),
        },
    )
    .await;
    match ev {
        Event::Failed { error, .. } => assert!(error.is_invalid_input(), "{error}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(tmp.path().join("presets/jazz_smooth.yaml").exists());
}

#[tokio::test]
async fn simulate_writes_python_compatible_metadata() {
    let tmp = tempfile::tempdir().unwrap();
    let mut w = worker(&tmp.path().join("presets"));
    let out_dir = tmp.path().join("out/deeper");
    let target = out_dir.join("track.mp3");
    let t = track("rock");

    let ev = call(&mut w, job(t.clone(), OutputTarget::File(target.clone()))).await;
    let Event::Generated { result, .. } = ev else {
        panic!("expected a result, got {ev:?}")
    };
    let json_path = out_dir.join("track.json");
    assert_eq!(result.metadata_path.as_deref(), Some(json_path.as_path()));
    assert_eq!(result.status, Status::Simulated);
    assert_eq!(result.mode, Mode::Simulate);
    assert_eq!(result.prompt, build_prompt(&t));
    assert!(!target.exists(), "simulate writes no audio");

    let text = std::fs::read_to_string(&json_path).unwrap();
    assert!(text.starts_with("{\n  \""), "indented JSON: {text}");
    let v: Value = serde_json::from_str(&text).unwrap();
    let obj = v.as_object().unwrap();
    let keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    for k in [
        "status",
        "mode",
        "genre",
        "duration_seconds",
        "prompt",
        "metadata",
        "message",
        "cost_estimate",
        "metadata_path",
    ] {
        assert!(keys.contains(&k), "{k} missing from {keys:?}");
    }
    assert_eq!(v["status"], "simulated");
    assert_eq!(v["mode"], "simulate");
    assert_eq!(v["genre"], "rock");
    assert_eq!(v["duration_seconds"], 95);
    assert_eq!(v["prompt"], build_prompt(&t));
    assert_eq!(
        v["message"],
        "Track generation simulated (no GCP credentials required)."
    );
    assert_eq!(
        v["metadata"],
        json!({
            "structure": {
                "intro": true, "verse_count": 2, "chorus_count": 2, "bridge": true, "outro": true
            },
            "style_references": [
                {"type": "style", "value": "arena rock"},
                {"type": "sound", "value": "big drums"}
            ],
            "temperature": 0.30000000000000004
        })
    );
    let cost = &v["cost_estimate"];
    assert_eq!(cost["base_cost_usd"].as_f64(), Some(0.01));
    assert_eq!(cost["duration_cost_usd"].as_f64(), Some(0.0001 * 95.0));
    assert_eq!(
        cost["estimated_total_usd"].as_f64(),
        Some(0.01 + 0.0001 * 95.0)
    );
    assert!(!cost["note"].as_str().unwrap().is_empty());
    assert_eq!(v["metadata_path"], json_path.to_str().unwrap());
    // Nothing but the metadata is left in the folder.
    let entries: Vec<String> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(entries, ["track.json"]);

    // Without an output target nothing is written and no path is reported.
    let ev = call(&mut w, job(t.clone(), OutputTarget::None)).await;
    let Event::Generated { result, .. } = ev else {
        panic!("{ev:?}")
    };
    assert!(result.metadata_path.is_none());
    assert_eq!(result.cost_estimate.duration_cost_usd, Some(0.0001 * 95.0));
}

#[tokio::test]
async fn durations_scale_the_cost() {
    let tmp = tempfile::tempdir().unwrap();
    let mut w = worker(tmp.path());
    for secs in [60, 180, 240] {
        let mut t = track("jazz");
        t.duration_seconds = secs;
        let ev = call(&mut w, job(t, OutputTarget::None)).await;
        let Event::Generated { result, .. } = ev else {
            panic!("{ev:?}")
        };
        let c = &result.cost_estimate;
        assert_eq!(c.base_cost_usd, Some(0.01));
        assert_eq!(c.duration_cost_usd, Some(0.0001 * secs as f64));
        assert_eq!(c.estimated_total_usd, 0.01 + 0.0001 * secs as f64);
    }
}

#[tokio::test]
async fn an_invalid_track_fails_with_the_field() {
    let tmp = tempfile::tempdir().unwrap();
    let mut w = worker(tmp.path());
    let mut t = track("rock");
    t.duration_seconds = 59;
    let out = tmp.path().join("never/track.mp3");
    let ev = call(&mut w, job(t, OutputTarget::File(out.clone()))).await;
    match ev {
        Event::Failed {
            error: WorkerError::Generate(GenerateError::Invalid(ref e)),
            ..
        } => {
            assert_eq!(
                e.for_field("duration_seconds").unwrap().to_string(),
                "duration_seconds: 59 is below the minimum 60"
            );
        }
        other => panic!("expected a validation failure, got {other:?}"),
    }
    if let Event::Failed { error, .. } = ev {
        assert!(error.is_invalid_input());
        assert!(
            error
                .to_string()
                .contains("duration_seconds: 59 is below the minimum 60")
        );
    }
    assert!(!out.with_extension("json").exists());
    assert!(!tmp.path().join("never").exists());
}

#[tokio::test]
async fn gcp_mode_never_fakes_a_success() {
    let tmp = tempfile::tempdir().unwrap();
    let mut w = worker(tmp.path());
    let mut settings = GenerationSettings::default();
    settings.key.mode = Mode::Gcp;
    settings.key.project = None;
    settings.output = OutputTarget::File(tmp.path().join("gcp/track.mp3"));
    let ev = call(
        &mut w,
        Request::Generate(Box::new(Job::new(track("rock"), settings))),
    )
    .await;
    match ev {
        Event::Failed { error, .. } => assert!(!error.to_string().is_empty()),
        other => panic!("gcp mode without a project must fail, got {other:?}"),
    }
    assert!(!tmp.path().join("gcp").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_generations_in_flight_each_answered_once() {
    let tmp = tempfile::tempdir().unwrap();
    let mut w = worker(&tmp.path().join("presets"));
    let mut expected: HashMap<RequestId, Option<String>> = HashMap::new();
    for i in 0..12 {
        let genre = format!("genre{i}");
        let mut t = track(&genre);
        let valid = i % 4 != 3;
        if !valid {
            t.temperature = 2.0;
        }
        let output = if i % 2 == 0 {
            OutputTarget::File(tmp.path().join(format!("out/{i}/t.wav")))
        } else {
            OutputTarget::None
        };
        let id = w.send(job(t, output));
        expected.insert(id, valid.then_some(genre));
    }
    let list_id = w.send(Request::ListPresets);

    let mut finals: HashMap<RequestId, Event> = HashMap::new();
    let mut started: HashMap<RequestId, usize> = HashMap::new();
    while finals.len() < expected.len() + 1 {
        let ev = w.recv().await.expect("the worker is alive");
        let id = ev.id();
        assert!(
            expected.contains_key(&id) || id == list_id,
            "event for an unknown request: {ev:?}"
        );
        if ev.is_final() {
            assert!(!finals.contains_key(&id), "request {id} answered twice");
            finals.insert(id, ev);
        } else if let Event::Started { .. } = ev {
            assert!(!finals.contains_key(&id), "started after its answer");
            *started.entry(id).or_default() += 1;
        }
    }
    assert!(matches!(finals[&list_id], Event::Presets { .. }));
    for (id, genre) in &expected {
        match (&finals[id], genre) {
            (Event::Generated { result, .. }, Some(g)) => {
                assert_eq!(&result.genre, g, "request {id} got another's result");
                assert!(
                    result
                        .prompt
                        .starts_with(&format!("Generate a {g} music track"))
                );
                assert_eq!(started.get(id), Some(&1), "request {id} started once");
                if let Some(p) = &result.metadata_path {
                    let v: Value = serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap();
                    assert_eq!(v["genre"], g.as_str());
                }
            }
            (Event::Failed { error, .. }, None) => {
                assert!(error.to_string().contains("temperature"), "{error}");
                assert!(!started.contains_key(id), "an invalid job never starts");
            }
            (ev, _) => panic!("request {id}: unexpected {ev:?}"),
        }
    }
    // Six of them asked for files, and the valid ones wrote them.
    let written: Vec<PathBuf> = (0..12)
        .filter(|i| i % 2 == 0 && i % 4 != 3)
        .map(|i| tmp.path().join(format!("out/{i}/t.json")))
        .collect();
    assert!(written.iter().all(|p| p.is_file()));
    // Nothing more arrives once everything is answered.
    tokio::task::yield_now().await;
    assert!(w.try_recv().is_none());
}

#[tokio::test]
async fn cancelling_an_unknown_request_is_harmless() {
    let tmp = tempfile::tempdir().unwrap();
    let mut w = worker(tmp.path());
    let cancel_id = w.send(Request::Cancel { target: 999 });
    let ev = call(&mut w, Request::ListPresets).await;
    assert!(matches!(ev, Event::Presets { .. }));
    assert_ne!(ev.id(), cancel_id);
    assert!(w.try_recv().is_none());
}

/// The store works on a thread of its own: while a cold listing of
/// thousands of presets runs, a generation sent after it starts and
/// finishes, and a save sent after it waits its turn (so it is listed
/// next time, not lost).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_listing_does_not_hold_up_generations() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("presets");
    drop(worker(&dir));
    for i in 0..3_000 {
        let text = format!("name: p{i:05}\ngenre: rock\ndescription: preset number {i}\n");
        std::fs::write(dir.join(format!("p{i:05}.yaml")), text).unwrap();
    }
    let mut w = worker(&dir);
    let list_id = w.send(Request::ListPresets);
    let gen_id = w.send(job(track("rock"), OutputTarget::None));
    let save_id = w.send(Request::SavePreset {
        preset: PresetConfig::from_track("zz_last", None, None, &track("dub")),
        overwrite: false,
    });
    let mut order = Vec::new();
    while order.len() < 3 {
        let ev = w.recv().await.expect("the worker is alive");
        if ev.is_final() {
            order.push(ev.id());
        }
    }
    assert_eq!(
        order,
        [gen_id, list_id, save_id],
        "the generation waits for no file work; the store keeps its order"
    );
    match call(&mut w, Request::ListPresets).await {
        Event::Presets { presets, .. } => {
            assert_eq!(presets.len(), 3_000 + 5 + 1);
            assert_eq!(presets.last().unwrap().name, "zz_last");
        }
        ev => panic!("{ev:?}"),
    }
}

/// The TUI's settings view writes through the worker: the chosen values go
/// in, other keys stay, and a bad file is an error naming it, not a crash.
#[tokio::test]
async fn save_settings_writes_the_config_file_and_keeps_other_keys() {
    use music_gen::domain::model::Model;
    use music_gen::worker::ChosenSettings;
    let dir = tempfile::tempdir().unwrap();
    let mut w = worker(dir.path());
    let path = dir.path().join("config/music-gen/config.toml");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, "version = 1\nproject = \"old\"\nbell = true\n").unwrap();
    let settings = ChosenSettings {
        mode: Mode::Gcp,
        project: Some("new-proj".into()),
        location: "global".into(),
        model: Model::Lyria3Pro,
    };
    let request = Request::SaveSettings {
        path: path.clone(),
        settings: settings.clone(),
    };
    match call(&mut w, request).await {
        Event::SettingsSaved { path: saved, .. } => assert_eq!(saved, path),
        other => panic!("{other:?}"),
    }
    let text = std::fs::read_to_string(&path).unwrap();
    let file: toml::Table = toml::from_str(&text).unwrap();
    assert_eq!(file["mode"].as_str(), Some("gcp"), "{text}");
    assert_eq!(file["project"].as_str(), Some("new-proj"), "{text}");
    assert_eq!(file["location"].as_str(), Some("global"), "{text}");
    assert_eq!(
        file["model"].as_str(),
        Some("lyria-3-pro-preview"),
        "{text}"
    );
    assert_eq!(file["bell"].as_bool(), Some(true), "{text}");

    std::fs::write(&path, "version = [").unwrap();
    let request = Request::SaveSettings { path, settings };
    match call(&mut w, request).await {
        Event::Failed { error, .. } => {
            let e = error.to_string();
            assert!(e.contains("config.toml") && e.contains("line 1"), "{e}");
        }
        other => panic!("{other:?}"),
    }
}

/// Waits (10 s at the most) for a `TakesChanged` of request `watch`.
async fn next_change(w: &mut WorkerHandle, watch: RequestId) {
    let wait = async {
        loop {
            match w.recv().await {
                Some(Event::TakesChanged { id }) if id == watch => return,
                Some(_) => continue,
                None => panic!("the worker stopped"),
            }
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(10), wait)
        .await
        .expect("a change is reported");
}

/// The output folder removed and made again under a watching app: the
/// new folder is watched too, and a take written there is news.
#[tokio::test]
async fn a_folder_removed_and_made_again_is_watched_again() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("tracks");
    let mut w = worker(&tmp.path().join("presets"));
    let watch = w.send(Request::WatchTakes { dir: out.clone() });
    // The first word: the watch is set up.
    next_change(&mut w, watch).await;
    std::fs::remove_dir_all(&out).unwrap();
    next_change(&mut w, watch).await;
    std::fs::create_dir(&out).unwrap();
    // Back and watched again: listed once more.
    next_change(&mut w, watch).await;
    std::fs::write(out.join("20260101-000000-rock.json"), b"{}").unwrap();
    next_change(&mut w, watch).await;
}
