//! The contract between the UI (or CLI) and the worker: requests in, events
//! out. Every event names the request it answers, so a caller can drop a
//! result it no longer waits for.

use std::path::PathBuf;

use crate::audio::{Analysis, AudioError};
use crate::doctor::{Report, Subject};
use crate::domain::drafts::{Draft, DraftError, FoundDraft};
use crate::domain::import::{ImportError, ImportOptions, ImportReport};
use crate::domain::model::PresetConfig;
use crate::domain::presets::{LoadedPreset, PresetSummary, RestoreReport, StoreError};
use crate::generate::{GenerateError, GenerationResult, Job, Stage};
use crate::library::{LibraryError, Page, Query, Take, TakeId};
use crate::player::PlayerError;
use crate::settings::file::{ConfigFile, ConfigFileError};
use crate::worker::opener::OpenError;

pub type RequestId = u64;

#[derive(Debug, Clone)]
pub enum Request {
    ListPresets,
    LoadPreset {
        name: String,
    },
    /// Without `overwrite`, an existing preset answers `Failed` with
    /// `StoreError::Exists` so the caller can ask before replacing it.
    SavePreset {
        preset: PresetConfig,
        overwrite: bool,
    },
    DeletePreset {
        name: String,
    },
    /// Writes back deleted built-in presets; answered by `BuiltinsRestored`.
    RestoreBuiltins,
    /// Brings the presets of another folder into the store.
    ImportPresets {
        dir: PathBuf,
        options: ImportOptions,
    },
    Generate(Box<Job>),
    /// Cancels the generation started by request `target`.
    Cancel {
        target: RequestId,
    },
    /// The newest draft in `dir`, answered by `Draft`.
    RestoreDraft {
        dir: PathBuf,
    },
    /// Writes the session's draft to `path`; answered by `DraftSaved`.
    SaveDraft {
        path: PathBuf,
        draft: Box<Draft>,
    },
    /// Writes the settings the TUI chose into the config file at `path`
    /// (other keys in it are kept); answered by `SettingsSaved`.
    SaveSettings {
        path: PathBuf,
        settings: ChosenSettings,
    },
    /// Runs the set-up checks of `music-gen doctor` (read-only, nothing
    /// billed); answered by `SetupChecked`.
    CheckSetup(Box<Subject>),
    /// Lists the takes in the output folder `dir`; answered by `Takes`.
    /// The folder's names are read again each time (cheap); summaries come
    /// from the library's cache.
    ListTakes {
        dir: PathBuf,
        query: Query,
    },
    /// All of one take, by id or unique prefix; answered by `Take`.
    LoadTake {
        dir: PathBuf,
        id: String,
    },
    /// Deletes a take's files; answered by `TakeDeleted`.
    DeleteTake {
        dir: PathBuf,
        id: TakeId,
    },
    /// Decodes an audio file for its waveform and levels (a 3-minute MP3
    /// takes ~100 ms); answered by `Analyzed`.
    AnalyzeAudio {
        path: PathBuf,
    },
    /// Watches `dir` for takes other processes add or remove: one
    /// `TakesChanged` (never final) for this request once the watch is set
    /// up, then one for each burst of changes.
    WatchTakes {
        dir: PathBuf,
    },
    /// Plays a file, stopping what plays: `Playing`, then `PlaybackEnded`
    /// when it ends or is stopped.
    Play {
        path: PathBuf,
    },
    /// Stops what plays; its `Play` request gets `PlaybackEnded`.
    StopPlayback,
    /// Opens a file or folder with the system opener; answered by
    /// `Opened`.
    OpenPath {
        path: PathBuf,
    },
}

/// The settings the TUI's settings view chooses, as the config file keeps
/// them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChosenSettings {
    pub mode: crate::generate::Mode,
    pub project: Option<String>,
    pub location: String,
    pub model: crate::domain::model::Model,
}

impl ChosenSettings {
    /// Writes these into the file; a project cleared in the view is
    /// removed from it.
    pub fn apply_to(&self, file: &mut ConfigFile) {
        file.mode = Some(self.mode);
        file.project = self.project.clone();
        file.location = Some(self.location.clone());
        file.model = Some(self.model);
    }
}

#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Generate(#[from] GenerateError),
    #[error(transparent)]
    Import(#[from] ImportError),
    #[error(transparent)]
    Draft(#[from] DraftError),
    #[error(transparent)]
    Library(#[from] LibraryError),
    #[error(transparent)]
    Audio(#[from] AudioError),
    #[error(transparent)]
    Player(#[from] PlayerError),
    #[error(transparent)]
    Open(#[from] OpenError),
    #[error(transparent)]
    Config(#[from] ConfigFileError),
    /// A bug: the named part panicked on this request; the log has the
    /// panic, and the worker keeps serving other requests.
    #[error("internal error in {0}; the log file has the details")]
    Internal(&'static str),
}

impl WorkerError {
    pub fn is_invalid_input(&self) -> bool {
        match self {
            WorkerError::Store(e) => e.is_invalid_input(),
            WorkerError::Generate(e) => e.is_invalid_input(),
            WorkerError::Import(e) => e.is_invalid_input(),
            WorkerError::Library(e) => e.is_invalid_input(),
            WorkerError::Draft(_)
            | WorkerError::Config(_)
            | WorkerError::Audio(_)
            | WorkerError::Player(_)
            | WorkerError::Open(_)
            | WorkerError::Internal(_) => false,
        }
    }
}

#[derive(Debug)]
pub enum Event {
    Presets {
        id: RequestId,
        presets: Vec<PresetSummary>,
    },
    Preset {
        id: RequestId,
        preset: LoadedPreset,
    },
    Saved {
        id: RequestId,
        name: String,
        path: PathBuf,
    },
    Deleted {
        id: RequestId,
        name: String,
        path: PathBuf,
    },
    Imported {
        id: RequestId,
        report: ImportReport,
    },
    BuiltinsRestored {
        id: RequestId,
        report: RestoreReport,
    },
    /// A generation left the queue and is running.
    Started {
        id: RequestId,
    },
    Progress {
        id: RequestId,
        stage: Stage,
    },
    Generated {
        id: RequestId,
        result: Box<GenerationResult>,
    },
    Cancelled {
        id: RequestId,
    },
    Failed {
        id: RequestId,
        error: WorkerError,
    },
    /// The newest draft, if there is one.
    Draft {
        id: RequestId,
        found: Option<Box<FoundDraft>>,
    },
    DraftSaved {
        id: RequestId,
    },
    SettingsSaved {
        id: RequestId,
        path: PathBuf,
    },
    SetupChecked {
        id: RequestId,
        report: Report,
    },
    Takes {
        id: RequestId,
        page: Page,
    },
    Take {
        id: RequestId,
        take: Box<Take>,
    },
    TakeDeleted {
        id: RequestId,
        take: TakeId,
        bytes: u64,
    },
    /// Files in the watched folder changed; list again to see how.
    TakesChanged {
        id: RequestId,
    },
    Analyzed {
        id: RequestId,
        path: PathBuf,
        analysis: Box<Analysis>,
    },
    /// The player started.
    Playing {
        id: RequestId,
        player: String,
    },
    /// The player ended by itself or was stopped; `failure` says how it
    /// failed when it ended by itself with an error (its exit status and
    /// last error line).
    PlaybackEnded {
        id: RequestId,
        failure: Option<String>,
    },
    Opened {
        id: RequestId,
        program: String,
    },
}

impl Event {
    pub fn id(&self) -> RequestId {
        match self {
            Event::Presets { id, .. }
            | Event::Preset { id, .. }
            | Event::Saved { id, .. }
            | Event::Deleted { id, .. }
            | Event::Imported { id, .. }
            | Event::BuiltinsRestored { id, .. }
            | Event::Started { id }
            | Event::Progress { id, .. }
            | Event::Generated { id, .. }
            | Event::Cancelled { id }
            | Event::Failed { id, .. }
            | Event::Draft { id, .. }
            | Event::DraftSaved { id }
            | Event::SettingsSaved { id, .. }
            | Event::SetupChecked { id, .. }
            | Event::Takes { id, .. }
            | Event::Take { id, .. }
            | Event::TakeDeleted { id, .. }
            | Event::TakesChanged { id }
            | Event::Analyzed { id, .. }
            | Event::Playing { id, .. }
            | Event::PlaybackEnded { id, .. }
            | Event::Opened { id, .. } => *id,
        }
    }

    /// Whether this is the last event for its request.
    pub fn is_final(&self) -> bool {
        !matches!(
            self,
            Event::Started { .. }
                | Event::Progress { .. }
                | Event::TakesChanged { .. }
                | Event::Playing { .. }
        )
    }
}
