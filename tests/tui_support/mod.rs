//! Shared by the TUI tests: a worker stand-in that answers preset requests
//! at once from a real store, so the update logic runs without a terminal,
//! a runtime or a clock.

#![allow(dead_code)] // each test file uses its own part of this

use std::collections::VecDeque;
use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use music_gen::audio::{AudioFormat, AudioInfo};
use music_gen::domain::cost;
use music_gen::domain::drafts::{Draft, FoundDraft};
use music_gen::domain::presets::{PresetStore, StoreError};
use music_gen::generate::result::{GenerationResult, OutputFile, ResultMetadata, Status};
use music_gen::generate::{GenerationSettings, Mode};
use music_gen::library::Libraries;
use music_gen::tui::state::{AppState, Outbox, Paths};
use music_gen::tui::theme::Theme;
use music_gen::worker::{Event, Request, RequestId, WorkerError};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

pub struct FakeWorker {
    store: PresetStore,
    /// The libraries of takes, read for real from the folders asked about
    /// (a folder that does not exist is an empty library).
    libraries: Libraries,
    next: RequestId,
    answers: VecDeque<Event>,
    /// Every request, in order, with its id.
    pub sent: Vec<(RequestId, Request)>,
    /// What a restore at the start finds.
    pub draft: Option<FoundDraft>,
    _dir: tempfile::TempDir,
}

impl FakeWorker {
    /// A store holding the built-ins, plus `extra` files (name, contents).
    pub fn new(extra: &[(&str, &str)]) -> FakeWorker {
        let dir = tempfile::tempdir().unwrap();
        // A folder the store creates, so it writes the built-ins' files.
        let presets = dir.path().join("presets");
        let (store, _) = PresetStore::open(&presets).unwrap();
        for (name, text) in extra {
            std::fs::write(presets.join(format!("{name}.yaml")), text).unwrap();
        }
        FakeWorker {
            store,
            libraries: Libraries::default(),
            next: 1,
            answers: VecDeque::new(),
            sent: Vec::new(),
            draft: None,
            _dir: dir,
        }
    }

    pub fn dir(&self) -> PathBuf {
        self.store.dir().to_path_buf()
    }

    /// The generate requests sent so far.
    pub fn generations(&self) -> Vec<RequestId> {
        self.sent
            .iter()
            .filter(|(_, r)| matches!(r, Request::Generate(_)))
            .map(|(id, _)| *id)
            .collect()
    }

    fn answer(&mut self, id: RequestId, request: &Request) -> Option<Event> {
        let failed = |e: StoreError| Event::Failed {
            id,
            error: WorkerError::Store(e),
        };
        Some(match request {
            Request::ListPresets => Event::Presets {
                id,
                presets: self.store.list().unwrap(),
            },
            Request::LoadPreset { name } => match self.store.load(name) {
                Ok(preset) => Event::Preset { id, preset },
                Err(e) => failed(e),
            },
            Request::SavePreset { preset, overwrite } => {
                match self.store.save(preset, *overwrite) {
                    Ok(path) => Event::Saved {
                        id,
                        name: preset.name.clone(),
                        path,
                    },
                    Err(e) => failed(e),
                }
            }
            Request::DeletePreset { name } => match self.store.delete(name) {
                Ok(path) => Event::Deleted {
                    id,
                    name: name.clone(),
                    path,
                },
                Err(e) => failed(e),
            },
            Request::ImportPresets { dir, options } => {
                match music_gen::domain::import::import(&mut self.store, dir, *options) {
                    Ok(report) => Event::Imported { id, report },
                    Err(e) => Event::Failed {
                        id,
                        error: WorkerError::Import(e),
                    },
                }
            }
            Request::RestoreDraft { .. } => Event::Draft {
                id,
                found: self.draft.clone().map(Box::new),
            },
            Request::SaveDraft { .. } => Event::DraftSaved { id },
            Request::RestoreBuiltins => match self.store.restore_builtins() {
                Ok(report) => Event::BuiltinsRestored { id, report },
                Err(e) => failed(e),
            },
            Request::SaveSettings { path, .. } => Event::SettingsSaved {
                id,
                path: path.clone(),
            },
            // Generations and set-up checks are answered by each test,
            // step by step.
            Request::Generate(_) | Request::Cancel { .. } | Request::CheckSetup(_) => return None,
            Request::ListTakes { dir, query } => {
                match self.libraries.get(dir).and_then(|lib| lib.list(query)) {
                    Ok(page) => Event::Takes { id, page },
                    Err(e) => library_failed(id, e),
                }
            }
            Request::LoadTake { dir, id: given } => {
                let take = self
                    .libraries
                    .get(dir)
                    .and_then(|lib| lib.resolve(given).and_then(|t| lib.load(&t)));
                match take {
                    Ok(take) => Event::Take {
                        id,
                        take: Box::new(take),
                    },
                    Err(e) => library_failed(id, e),
                }
            }
            Request::DeleteTake { dir, id: take } => {
                match self.libraries.get(dir).and_then(|lib| lib.delete(take)) {
                    Ok(bytes) => Event::TakeDeleted {
                        id,
                        take: take.clone(),
                        bytes,
                    },
                    Err(e) => library_failed(id, e),
                }
            }
            Request::AnalyzeAudio { path } => match music_gen::audio::analyze(path) {
                Ok(a) => Event::Analyzed {
                    id,
                    path: path.clone(),
                    analysis: Box::new(a),
                },
                Err(e) => Event::Failed {
                    id,
                    error: WorkerError::Audio(e),
                },
            },
            // The watch, the player and the opener are answered by each
            // test, as their processes would.
            Request::WatchTakes { .. }
            | Request::Play { .. }
            | Request::StopPlayback
            | Request::OpenPath { .. } => return None,
        })
    }
}

fn library_failed(id: RequestId, e: music_gen::library::LibraryError) -> Event {
    Event::Failed {
        id,
        error: WorkerError::Library(e),
    }
}

impl Outbox for FakeWorker {
    fn send(&mut self, request: Request) -> RequestId {
        let id = self.next;
        self.next += 1;
        if let Some(event) = self.answer(id, &request) {
            self.answers.push_back(event);
        }
        self.sent.push((id, request));
        id
    }
}

/// Delivers every queued answer, including answers to requests the
/// answers cause.
pub fn settle(state: &mut AppState, worker: &mut FakeWorker) {
    while let Some(event) = worker.answers.pop_front() {
        state.on_event(event, worker);
    }
}

pub fn paths() -> Paths {
    Paths {
        presets_dir: PathBuf::from("/home/user/.local/share/music-gen/presets"),
        output_dir: PathBuf::from("/home/user/.local/share/music-gen/tracks"),
        log_path: PathBuf::from("/home/user/.local/state/music-gen/music-gen.log"),
        drafts_dir: PathBuf::from("/home/user/.local/state/music-gen/drafts"),
        config_file: PathBuf::from("/home/user/.config/music-gen/config.toml"),
    }
}

/// The drafts the app asked the worker to write, oldest first.
pub fn drafts_sent(worker: &FakeWorker) -> Vec<Draft> {
    worker
        .sent
        .iter()
        .filter_map(|(_, r)| match r {
            Request::SaveDraft { draft, .. } => Some((**draft).clone()),
            _ => None,
        })
        .collect()
}

/// The app as it opens: presets listed, the first one in the form.
pub fn started(worker: &mut FakeWorker, theme: Theme) -> AppState {
    let mut state = AppState::new(GenerationSettings::default(), paths(), theme);
    state.start(worker);
    settle(&mut state, worker);
    state
}

pub fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

pub fn ctrl(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
}

/// Presses keys through the keymap, then delivers the answers.
pub fn press(state: &mut AppState, worker: &mut FakeWorker, keys: &[KeyEvent]) {
    for k in keys {
        state.key(*k, worker);
        settle(state, worker);
    }
}

/// Types text one key at a time.
pub fn type_text(state: &mut AppState, worker: &mut FakeWorker, text: &str) {
    for c in text.chars() {
        let k = match c {
            '\n' => key(KeyCode::Enter),
            c => key(KeyCode::Char(c)),
        };
        press(state, worker, &[k]);
    }
}

pub fn render(state: &AppState, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|f| music_gen::tui::ui::render(f, state))
        .unwrap();
    terminal
}

/// Draws as the app does, then lets the state learn what the frame could
/// show (how far the prompt and popups scroll).
pub fn draw(state: &mut AppState, width: u16, height: u16) {
    render(state, width, height);
    let area = ratatui::layout::Rect::new(0, 0, width, height);
    let limits = music_gen::tui::ui::view_limits(state, area);
    state.set_view(limits);
}

/// The screen as text, one line per row.
pub fn screen(state: &AppState, width: u16, height: u16) -> String {
    let terminal = render(state, width, height);
    let buffer = terminal.backend().buffer();
    (0..height)
        .map(|y| {
            (0..width)
                .map(|x| buffer[(x, y)].symbol())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// What the simulator answers for the form's track.
pub fn simulated_result(state: &AppState) -> GenerationResult {
    let track = state.form.track();
    GenerationResult {
        schema_version: music_gen::generate::result::SCHEMA_VERSION,
        status: Status::Simulated,
        mode: Mode::Simulate,
        genre: track.genre.clone(),
        duration_seconds: track.duration_seconds,
        prompt: music_gen::domain::prompt::build_prompt(track),
        metadata: ResultMetadata::of(track),
        message: "Track generation simulated (no GCP credentials required).".to_string(),
        cost_estimate: cost::simulate(track.duration_seconds),
        model: None,
        request: None,
        files: Vec::new(),
        text: None,
        timings: None,
        metadata_path: Some(PathBuf::from(
            "/home/user/.local/share/music-gen/tracks/20260101-120000-rock.json",
        )),
        track: Some(track.clone()),
        settings: None,
        preset: None,
        created_at: None,
        finished_at: None,
    }
}

pub const LYRIA3_MP3: &str =
    "/home/user/.local/share/music-gen/tracks/20260101-120000-classical.mp3";
pub const LYRIA3_JSON: &str =
    "/home/user/.local/share/music-gen/tracks/20260101-120000-classical.json";
pub const LYRIA3_TEXT: &str = "[Verse 1]\nCity lights are calling\nWe ride until the dawn\n\n\
    [Chorus]\nHold on, hold on\nThe night is young and so are we\n\n\
    [Verse 2]\nStreets of silver, skies of gold\nEvery story left untold\n\n\
    [Outro]\nUntil the dawn";

/// What Lyria 3 Pro answers: one MP3, its metadata and the lyrics it sang.
pub fn lyria3_result(state: &AppState) -> GenerationResult {
    GenerationResult {
        status: Status::Completed,
        mode: Mode::Gcp,
        message: "Track generated with lyria-3-pro-preview.".to_string(),
        model: Some(music_gen::domain::model::Model::Lyria3Pro),
        files: vec![OutputFile {
            path: PathBuf::from(LYRIA3_MP3),
            mime_type: "audio/mpeg".to_string(),
            size_bytes: 3_254_271,
            sha256: "0".repeat(64),
            audio: Some(AudioInfo {
                format: AudioFormat::Mp3,
                sample_rate: 48_000,
                channels: 2,
                duration_seconds: 184.32,
                peak_dbfs: -0.8,
                rms_dbfs: -13.6,
            }),
        }],
        text: Some(LYRIA3_TEXT.to_string()),
        metadata_path: Some(PathBuf::from(LYRIA3_JSON)),
        ..simulated_result(state)
    }
}

/// Generates the form's track with Lyria 3 Pro in gcp mode (cost
/// confirmed), and the worker answers with [`lyria3_result`] after 42 s.
/// Returns the request id; the log pane has the focus.
pub fn lyria3_generation(state: &mut AppState, worker: &mut FakeWorker) -> RequestId {
    state.settings.key.mode = Mode::Gcp;
    state.settings.key.project = Some("my-project".to_string());
    state.settings.key.location = "global".to_string();
    state.settings.model = music_gen::domain::model::Model::Lyria3Pro;
    press(
        state,
        worker,
        &[key(KeyCode::Char('g')), key(KeyCode::Char('y'))],
    );
    let id = *worker.generations().last().expect("a generate request");
    state.clock = std::time::Duration::from_secs(1);
    state.on_event(Event::Started { id }, worker);
    state.clock = std::time::Duration::from_secs(43);
    let result = Box::new(lyria3_result(state));
    state.on_event(Event::Generated { id, result }, worker);
    // Presets → Form → Lyrics → Prompt → Log.
    press(state, worker, &[key(KeyCode::BackTab)]);
    id
}
