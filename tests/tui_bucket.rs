//! The TUI's Generations pane on takes in a bucket (fake-gcs-server):
//! takes uploaded by the real save path are listed, Enter downloads the
//! audio and draws its waveform, `D` deletes the take's objects.
//! One test in this binary: it sets the process's environment.

mod audio_support;
mod storage_support;
mod tui_support;

use std::path::PathBuf;

use crossterm::event::KeyCode;
use music_gen::domain::cost;
use music_gen::domain::model::{Model, TrackConfig};
use music_gen::generate::output::{self, NewAudio};
use music_gen::generate::{GenerationResult, GenerationSettings, Job, Mode, OutputTarget, Status};
use music_gen::tui::state::history::Row;
use music_gen::tui::state::popup::{Confirm, Popup};
use music_gen::tui::state::{AppState, Focus, Paths};
use music_gen::tui::theme::Theme;
use tokio_util::sync::CancellationToken;
use tui_support::{FakeWorker, key, press, screen, settle};

fn upload(out: &str, genre: &str, home: &std::path::Path) -> String {
    let wav = home.join(format!("{genre}.wav"));
    audio_support::write_sine_wav(&wav, 8_000, 1, 2.0, |t| if t < 1.0 { 0.2 } else { 0.9 });
    let audio = NewAudio {
        bytes: std::fs::read(&wav).unwrap(),
        mime_type: "audio/wav".into(),
        ext: "wav",
    };
    let job = Job::new(
        TrackConfig::new("Blue notes fall like rain", genre),
        GenerationSettings::default(),
    );
    let mut result = GenerationResult::for_job(
        &job,
        Status::Completed,
        String::new(),
        cost::vertex(Model::Lyria2, 1),
    );
    result.mode = Mode::Gcp;
    let rt = tokio::runtime::Runtime::new().unwrap();
    let written = rt
        .block_on(output::write(
            &OutputTarget::folder(PathBuf::from(out)),
            None,
            vec![audio],
            result,
            CancellationToken::new(),
        ))
        .unwrap();
    let url = written.metadata_path.unwrap();
    url.file_stem().unwrap().to_str().unwrap().to_string()
}

fn objects(bucket: &str) -> Vec<String> {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut names: Vec<String> = rt
        .block_on(storage_support::client(bucket).list("tui/takes/"))
        .unwrap()
        .into_iter()
        .map(|o| o.name)
        .collect();
    names.sort();
    names
}

#[test]
fn the_generations_pane_lists_draws_and_deletes_takes_in_a_bucket() {
    let bucket = storage_support::bucket();
    let home = tempfile::tempdir().unwrap();
    // SAFETY: the only test of this binary, before anything else runs;
    // the emulator's thread only waits for its process.
    unsafe {
        std::env::set_var("STORAGE_EMULATOR_HOST", storage_support::host());
        std::env::set_var("XDG_DATA_HOME", home.path().join("data"));
        std::env::set_var("XDG_CACHE_HOME", home.path().join("cache"));
    }
    let out = format!("gs://{bucket}/tui/takes");
    let jazz = upload(&out, "jazz", home.path());
    let rock = upload(&out, "rock", home.path());
    assert_eq!(objects(&bucket).len(), 4);

    let mut worker = FakeWorker::new(&[]);
    let paths = Paths {
        output_dir: PathBuf::from(&out),
        ..tui_support::paths()
    };
    let mut state = AppState::new(GenerationSettings::default(), paths, Theme::PLAIN);
    state.start(&mut worker);
    settle(&mut state, &mut worker);
    press(&mut state, &mut worker, &[key(KeyCode::Char('5'))]);
    assert_eq!(state.focus, Focus::Log);
    let mut ids: Vec<String> = state
        .history_rows()
        .iter()
        .filter_map(|r| match r {
            Row::Take(t) => Some(t.id.to_string()),
            Row::Session(_) => None,
        })
        .collect();
    ids.sort();
    let mut want = vec![jazz.clone(), rock.clone()];
    want.sort();
    assert_eq!(ids, want);

    // Enter: the audio is downloaded into the cache and drawn.
    press(&mut state, &mut worker, &[key(KeyCode::Enter)]);
    assert!(matches!(state.popups.last(), Some(Popup::Take { .. })));
    let text = screen(&state, 80, 24);
    assert!(text.contains("2.0 s, WAV 8 kHz mono, peak"), "{text}");
    assert_eq!(
        std::fs::read_dir(home.path().join("cache/music-gen/audio"))
            .unwrap()
            .count(),
        1
    );
    press(&mut state, &mut worker, &[key(KeyCode::Esc)]);

    // D, then y: the selected take's objects go, the other stays.
    let selected = match &state.history_rows()[0] {
        Row::Take(t) => t.id.to_string(),
        Row::Session(_) => panic!("a take is selected"),
    };
    press(&mut state, &mut worker, &[key(KeyCode::Char('D'))]);
    assert!(matches!(
        state.popups.last(),
        Some(Popup::Confirm(Confirm::DeleteTake(_)))
    ));
    press(&mut state, &mut worker, &[key(KeyCode::Char('y'))]);
    let left = objects(&bucket);
    assert_eq!(left.len(), 2, "{left:?}");
    assert!(left.iter().all(|o| !o.contains(&selected)), "{left:?}");
    assert!(state.notice.as_ref().unwrap().text.contains("Deleted take"));
}
