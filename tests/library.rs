//! The output folder as a library of takes: written by the real save path
//! with real audio, read back lazily, filtered, resolved by prefix, with
//! moved and unreadable takes shown as states; deletes stay in the folder.

mod audio_support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use music_gen::domain::cost;
use music_gen::domain::model::{Model, TrackConfig};
use music_gen::generate::output::{self, NewAudio};
use music_gen::generate::{GenerationResult, GenerationSettings, Job, OutputTarget, Status};
use music_gen::library::{
    INDEX_FILE, Library, LibraryError, PruneRule, Query, Sort, TakeState, parse_age,
};

/// Saves a take named `name` (`None`: the usual generated name) with one
/// real WAV, or none when `audio` is false. Returns its metadata path.
fn save_take(dir: &Path, name: Option<&str>, track: TrackConfig, audio: bool) -> PathBuf {
    let mut job = Job::new(track, GenerationSettings::default());
    job.preset = Some("rock_anthem".to_string());
    let mut result = GenerationResult::for_job(
        &job,
        if audio {
            Status::Completed
        } else {
            Status::Simulated
        },
        String::new(),
        cost::vertex(Model::Lyria2, 1),
    );
    if audio {
        result.mode = music_gen::generate::Mode::Gcp;
    }
    let files = if audio {
        let wav = dir.join(".sine.wav");
        audio_support::write_sine_wav(&wav, 48_000, 2, 1.0, |_| 0.5);
        let bytes = std::fs::read(&wav).unwrap();
        std::fs::remove_file(&wav).unwrap();
        vec![NewAudio {
            bytes,
            mime_type: "audio/wav".into(),
            ext: "wav",
        }]
    } else {
        Vec::new()
    };
    let target = match name {
        Some(n) => OutputTarget::File(dir.join(format!("{n}.wav"))),
        None => OutputTarget::Dir(dir.to_path_buf()),
    };
    output::save(&target, None, &files, &mut result, &|| false).unwrap();
    result.metadata_path.unwrap()
}

fn track(words: &str, genre: &str) -> TrackConfig {
    TrackConfig::new(words, genre)
}

#[test]
fn takes_list_newest_first_and_resolve_by_prefix() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    save_take(
        d,
        Some("20250101-090000-jazz"),
        track("Blue night", "jazz"),
        true,
    );
    save_take(
        d,
        Some("20250301-090000-rock"),
        track("Loud and proud", "rock"),
        true,
    );
    save_take(
        d,
        Some("20250201-090000-folk"),
        track("Quiet river", "folk"),
        false,
    );
    std::fs::write(d.join("notes.txt"), "not a take").unwrap();

    let mut lib = Library::open(d).unwrap();
    assert_eq!(lib.len(), 3);
    let page = lib.list(&Query {
        limit: Some(2),
        ..Query::default()
    });
    let ids: Vec<&str> = page.takes.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, ["20250301-090000-rock", "20250201-090000-folk"]);
    assert_eq!((page.total, page.matched), (3, 3));
    let rock = &page.takes[0];
    assert_eq!(rock.state, TakeState::Ready);
    assert_eq!(rock.genre, "rock");
    assert_eq!(rock.preset.as_deref(), Some("rock_anthem"));
    assert_eq!(rock.model, Some(Model::Lyria2));
    assert_eq!(rock.lyrics, "Loud and proud");
    let measured = rock.duration_seconds.unwrap();
    assert!((measured - 1.0).abs() < 0.01, "{measured}");
    assert_eq!(page.takes[1].state, TakeState::Simulated);

    assert_eq!(
        lib.resolve("20250101").unwrap().as_str(),
        "20250101-090000-jazz"
    );
    assert_eq!(
        lib.resolve(&d.join("20250101-090000-jazz.json").to_string_lossy())
            .unwrap()
            .as_str(),
        "20250101-090000-jazz"
    );
    assert!(matches!(
        lib.resolve("2025"),
        Err(LibraryError::Ambiguous { count: 3, .. })
    ));
    assert!(matches!(
        lib.resolve("1999"),
        Err(LibraryError::NotFound(_))
    ));
    assert!(matches!(lib.resolve(""), Err(LibraryError::NotFound(_))));

    let take = lib.load(&lib.resolve("20250301").unwrap()).unwrap();
    let mut expected = track("Loud and proud", "rock");
    expected.model = Some(Model::Lyria2);
    assert_eq!(take.track().unwrap(), expected);
    let file = take.playable().unwrap();
    let info = music_gen::audio::analyze(file).unwrap().info;
    assert_eq!(Some(&info), take.result.files[0].audio.as_ref());
}

#[test]
fn filters_match_genre_preset_lyrics_and_model_and_sort_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    save_take(
        d,
        Some("20250101-090000-jazz"),
        track("Blue night falls", "jazz"),
        false,
    );
    save_take(
        d,
        Some("20250301-090000-rock"),
        track("Loud and proud", "rock"),
        true,
    );
    save_take(d, Some("b-named"), track("Quiet river", "folk"), false);
    let mut lib = Library::open(d).unwrap();
    let ids = |lib: &mut Library, q: Query| -> Vec<String> {
        lib.list(&q).takes.into_iter().map(|t| t.id.0).collect()
    };
    let filter = |f: &str| Query {
        filter: Some(f.to_string()),
        ..Query::default()
    };
    assert_eq!(ids(&mut lib, filter("NIGHT")), ["20250101-090000-jazz"]);
    assert_eq!(
        ids(&mut lib, filter("genre:rock")),
        ["20250301-090000-rock"]
    );
    assert_eq!(ids(&mut lib, filter("lyrics:river")), ["b-named"]);
    assert_eq!(
        ids(&mut lib, filter("model:lyria-002 proud")),
        ["20250301-090000-rock"]
    );
    assert_eq!(ids(&mut lib, filter("preset:rock_anthem")).len(), 3);
    assert!(ids(&mut lib, filter("genre:night")).is_empty());
    let by_name = Query {
        sort: Sort::Name,
        ..Query::default()
    };
    assert_eq!(
        ids(&mut lib, by_name),
        ["20250101-090000-jazz", "20250301-090000-rock", "b-named"]
    );
    // The summaries went to the index; a new process filters from it.
    assert!(d.join(INDEX_FILE).is_file());
    let page = Library::open(d).unwrap().list(&filter("proud"));
    assert_eq!(page.matched, 1);
    let spent = page.spent.unwrap();
    assert_eq!(spent.takes, 1);
    assert!((spent.usd - 0.06).abs() < 1e-9);
}

#[test]
fn moved_deleted_and_unreadable_takes_are_states_not_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    save_take(d, Some("20250101-090000-gone"), track("a", "rock"), true);
    std::fs::remove_file(d.join("20250101-090000-gone.wav")).unwrap();
    std::fs::write(d.join("20250102-090000-junk.json"), b"{ not json").unwrap();
    // A folder moved whole: the recorded paths are stale, the files beside.
    let old = d.join("old");
    std::fs::create_dir(&old).unwrap();
    save_take(
        &old,
        Some("20250103-090000-moved"),
        track("b", "jazz"),
        true,
    );
    for f in ["20250103-090000-moved.wav", "20250103-090000-moved.json"] {
        std::fs::rename(old.join(f), d.join(f)).unwrap();
    }
    std::fs::remove_dir(&old).unwrap();

    let mut lib = Library::open(d).unwrap();
    let page = lib.list(&Query::default());
    let states: Vec<(String, TakeState)> =
        page.takes.into_iter().map(|t| (t.id.0, t.state)).collect();
    assert_eq!(
        states[0],
        ("20250103-090000-moved".into(), TakeState::Ready)
    );
    assert!(matches!(states[1].1, TakeState::Unreadable { .. }));
    assert_eq!(
        states[2],
        (
            "20250101-090000-gone".into(),
            TakeState::Missing {
                missing: 1,
                files: 1
            }
        )
    );
    let moved = lib.load(&lib.resolve("20250103").unwrap()).unwrap();
    assert_eq!(
        moved.playable(),
        Some(d.join("20250103-090000-moved.wav").as_path())
    );
    let gone = lib.load(&lib.resolve("20250101").unwrap()).unwrap();
    assert_eq!(gone.playable(), None);
    assert!(matches!(
        lib.load(&lib.resolve("20250102").unwrap()),
        Err(LibraryError::Unreadable { .. })
    ));
    // An unreadable take can still be deleted.
    let junk = lib.resolve("20250102").unwrap();
    assert!(lib.delete(&junk).unwrap() > 0);
    assert!(!d.join("20250102-090000-junk.json").exists());
}

/// Audio rewritten with another length lists as changed, not ready (and
/// not missing): in the first listing, from the cache file in a new
/// process, and once more after the file is put back.
#[test]
fn a_take_whose_audio_changed_size_lists_as_changed() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    save_take(d, Some("20250101-090000-kept"), track("a", "rock"), true);
    save_take(d, Some("20250102-090000-cut"), track("b", "jazz"), true);
    let wav = d.join("20250102-090000-cut.wav");
    let whole = std::fs::read(&wav).unwrap();
    std::fs::write(&wav, &whole[..whole.len() / 2]).unwrap();
    let states = |lib: &mut Library| -> Vec<TakeState> {
        let filter = Query {
            filter: Some("2025".into()),
            ..Query::default()
        };
        let plain = lib.list(&Query::default());
        let cached = lib.list(&filter);
        assert_eq!(plain.takes, cached.takes);
        plain.takes.into_iter().map(|t| t.state).collect()
    };
    let changed = TakeState::Changed {
        changed: 1,
        files: 1,
    };
    assert_eq!(
        states(&mut Library::open(d).unwrap()),
        [changed.clone(), TakeState::Ready]
    );
    assert_eq!(
        states(&mut Library::open(d).unwrap()),
        [changed, TakeState::Ready]
    );
    std::fs::write(&wav, &whole).unwrap();
    assert_eq!(
        states(&mut Library::open(d).unwrap()),
        [TakeState::Ready, TakeState::Ready]
    );
}

/// A take's metadata copied under another name (to keep its settings)
/// names the original's audio: deleting or pruning the copy leaves that
/// audio to the take it belongs to, and does not count it as freed.
#[test]
fn deleting_a_copied_metadata_file_leaves_the_original_take_whole() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    save_take(d, Some("20250101-090000-alpha"), track("a", "rock"), true);
    let beta = save_take(d, Some("20250102-090000-beta"), track("b", "jazz"), true);
    let copy = d.join("20240101-000000-crafted.json");
    std::fs::copy(&beta, &copy).unwrap();
    let beta_wav = d.join("20250102-090000-beta.wav");
    let copy_len = std::fs::metadata(&copy).unwrap().len();

    let mut lib = Library::open(d).unwrap();
    let plan = lib.plan_prune(PruneRule::Keep(2), i64::MAX);
    assert_eq!(plan.takes.len(), 1);
    assert_eq!(plan.bytes, copy_len, "the copy's own file only");
    let (gone, freed) = lib.prune(&plan).unwrap();
    assert_eq!((gone, freed), (1, copy_len));
    assert!(!copy.exists());
    assert!(beta_wav.exists(), "the kept take's audio was deleted");
    let page = Library::open(d).unwrap().list(&Query::default());
    assert!(page.takes.iter().all(|t| t.state == TakeState::Ready));

    // The same through a delete by id, and the take's own audio does go.
    std::fs::copy(&beta, &copy).unwrap();
    let mut lib = Library::open(d).unwrap();
    lib.delete(&lib.resolve("20240101").unwrap()).unwrap();
    assert!(beta_wav.exists());
    lib.delete(&lib.resolve("20250102").unwrap()).unwrap();
    assert!(!beta_wav.exists());
}

/// Takes named in the same second (`-2` … `-12`) list newest first by
/// their number, and by name in that order too.
#[test]
fn takes_of_one_second_list_in_the_order_they_were_named() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let base = "20250101-090000-rock";
    let mut names = vec![base.to_string()];
    names.extend((2..=12).map(|n| format!("{base}-{n}")));
    for name in &names {
        save_take(d, Some(name), track("a", "rock"), false);
    }
    let listed: Vec<String> = Library::open(d)
        .unwrap()
        .list(&Query::default())
        .takes
        .into_iter()
        .map(|t| t.id.0)
        .collect();
    let newest_first: Vec<String> = names.iter().rev().cloned().collect();
    assert_eq!(listed, newest_first);
    let by_name = Query {
        sort: Sort::Name,
        ..Query::default()
    };
    let listed: Vec<String> = Library::open(d)
        .unwrap()
        .list(&by_name)
        .takes
        .into_iter()
        .map(|t| t.id.0)
        .collect();
    assert_eq!(listed, names);
}

#[test]
fn a_delete_never_leaves_the_folder_whatever_the_metadata_says() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("lib");
    std::fs::create_dir(&d).unwrap();
    let precious = dir.path().join("precious.wav");
    std::fs::write(&precious, b"the user's own file").unwrap();
    let meta = save_take(&d, Some("20250101-090000-evil"), track("x", "rock"), true);
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&meta).unwrap()).unwrap();
    v["files"][0]["path"] = serde_json::json!(precious);
    std::fs::write(&meta, serde_json::to_vec(&v).unwrap()).unwrap();
    let mut lib = Library::open(&d).unwrap();
    let id = lib.resolve("2025").unwrap();
    lib.delete(&id).unwrap();
    assert!(precious.exists(), "a file outside the library was deleted");
    assert!(!meta.exists());
    assert!(lib.is_empty());
}

#[test]
fn prune_keeps_the_newest_or_drops_the_old_and_counts_the_space() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    save_take(d, Some("20200101-090000-old"), track("a", "rock"), true);
    save_take(d, Some("20200102-090000-old"), track("b", "rock"), false);
    save_take(d, None, track("c", "rock"), true);
    let mut lib = Library::open(d).unwrap();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let plan = lib.plan_prune(PruneRule::OlderThan(parse_age("30d").unwrap()), now);
    assert_eq!(plan.takes.len(), 2);
    let wav = std::fs::metadata(d.join("20200101-090000-old.wav"))
        .unwrap()
        .len();
    assert!(plan.bytes > wav, "{} <= {wav}", plan.bytes);
    let keep = lib.plan_prune(PruneRule::Keep(1), now);
    assert_eq!(keep.takes, plan.takes);
    let (count, freed) = lib.prune(&plan).unwrap();
    assert_eq!((count, freed), (2, plan.bytes));
    assert_eq!(lib.len(), 1);
    assert_eq!(Library::open(d).unwrap().len(), 1);
    let none = lib.plan_prune(PruneRule::OlderThan(Duration::from_secs(3600)), now);
    assert!(none.takes.is_empty());
}

#[test]
fn a_missing_folder_is_an_empty_library() {
    let dir = tempfile::tempdir().unwrap();
    let mut lib = Library::open(&dir.path().join("nothing")).unwrap();
    assert!(lib.is_empty());
    assert!(lib.list(&Query::default()).takes.is_empty());
}

/// The worker answers the library's requests from its own thread: a
/// simulate generation becomes a take listed, loaded and deleted there, and
/// audio is decoded off the runtime.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_worker_lists_loads_analyzes_and_deletes_takes() {
    use music_gen::worker::{Event, Request};
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("tracks");
    let mut w = music_gen::worker::spawn(dir.path().join("presets")).unwrap();
    let settings = GenerationSettings {
        output: OutputTarget::Dir(out.clone()),
        ..GenerationSettings::default()
    };
    let ev = w
        .call(
            Request::Generate(Box::new(Job::new(
                track("Night drive", "synthwave"),
                settings,
            ))),
            |_| {},
        )
        .await;
    let Some(Event::Generated { result, .. }) = ev else {
        panic!("{ev:?}")
    };
    assert_eq!(result.schema_version, 1);
    let ev = w
        .call(
            Request::ListTakes {
                dir: out.clone(),
                query: Query::default(),
            },
            |_| {},
        )
        .await;
    let Some(Event::Takes { page, .. }) = ev else {
        panic!("{ev:?}")
    };
    assert_eq!(page.takes.len(), 1);
    assert_eq!(page.takes[0].state, TakeState::Simulated);
    let id = page.takes[0].id.clone();
    let ev = w
        .call(
            Request::LoadTake {
                dir: out.clone(),
                id: id.0[..10].to_string(),
            },
            |_| {},
        )
        .await;
    let Some(Event::Take { take, .. }) = ev else {
        panic!("{ev:?}")
    };
    assert_eq!(take.track().unwrap().text_input, "Night drive");
    let ev = w
        .call(
            Request::LoadTake {
                dir: out.clone(),
                id: "nope".into(),
            },
            |_| {},
        )
        .await;
    let Some(Event::Failed { error, .. }) = ev else {
        panic!("{ev:?}")
    };
    assert!(error.is_invalid_input(), "{error}");

    let wav = dir.path().join("a.wav");
    audio_support::write_sine_wav(&wav, 48_000, 1, 0.5, |_| 1.0);
    let ev = w.call(Request::AnalyzeAudio { path: wav }, |_| {}).await;
    let Some(Event::Analyzed { analysis, .. }) = ev else {
        panic!("{ev:?}")
    };
    assert!((analysis.info.duration_seconds - 0.5).abs() < 0.01);

    let ev = w
        .call(
            Request::DeleteTake {
                dir: out.clone(),
                id,
            },
            |_| {},
        )
        .await;
    assert!(
        matches!(ev, Some(Event::TakeDeleted { bytes, .. }) if bytes > 0),
        "{ev:?}"
    );
    assert_eq!(Library::open(&out).unwrap().len(), 0);
}

/// A take's metadata that names a file outside the folder, or a link in the
/// folder pointing out of it, never makes that file the take's audio: the
/// server, the player and a prune see it as missing.
#[test]
fn a_take_never_reaches_a_file_outside_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("lib");
    std::fs::create_dir(&d).unwrap();
    let secret = dir.path().join("secret.txt");
    std::fs::write(&secret, b"not for the server").unwrap();
    let meta = save_take(&d, Some("20250101-090000-evil"), track("x", "rock"), true);
    let wav = d.join("20250101-090000-evil.wav");
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&meta).unwrap()).unwrap();
    v["files"][0]["path"] = serde_json::json!(secret);
    std::fs::write(&meta, serde_json::to_vec(&v).unwrap()).unwrap();
    // The audio beside it is gone; a link with its name points outside.
    std::fs::remove_file(&wav).unwrap();
    std::os::unix::fs::symlink(&secret, &wav).unwrap();
    let mut lib = Library::open(&d).unwrap();
    let id = lib.resolve("2025").unwrap();
    let take = lib.load(&id).unwrap();
    assert_eq!(take.playable(), None, "{:?}", take.files);
    assert!(take.files.iter().all(|f| f.found.is_none()));
    assert_eq!(
        take.bytes_on_disk(),
        std::fs::metadata(&meta).unwrap().len()
    );
}

/// A prune leaves JSON files that are not takes (the user's notes) alone.
#[test]
fn a_prune_leaves_json_that_is_not_a_take() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("lib");
    std::fs::create_dir(&d).unwrap();
    save_take(&d, Some("20250101-090000-rock"), track("x", "rock"), false);
    let notes = d.join("notes.json");
    std::fs::write(&notes, br#"{"my": "notes"}"#).unwrap();
    let mut lib = Library::open(&d).unwrap();
    let plan = lib.plan_prune(PruneRule::Keep(0), i64::MAX);
    assert_eq!(plan.takes.len(), 1, "{:?}", plan.takes);
    lib.prune(&plan).unwrap();
    assert!(notes.exists());
}
