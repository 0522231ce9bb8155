//! The worker loop. Preset store operations run in order on the store's
//! own thread and other file work on `spawn_blocking`, so the loop itself
//! never waits on a disk; each generation runs in a task of its own so
//! several can be in flight and any of them can be cancelled.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::domain::drafts;
use crate::domain::import;
use crate::domain::presets::PresetStore;
use crate::generate::cache::GeneratorCache;
use crate::generate::contain::contain;
use crate::generate::{GenerateError, Job, Progress};
use crate::library::Libraries;
use crate::settings::file::ConfigFile;
use crate::worker::opener;
use crate::worker::playback::Playback;
use crate::worker::protocol::{Event, Request, RequestId, WorkerError};
use crate::worker::store_thread::StoreThread;
use crate::worker::takes::Watching;

pub(crate) struct Worker {
    store: StoreThread<PresetStore>,
    library: StoreThread<Libraries>,
    pub(crate) watching: Option<Watching>,
    pub(crate) playback: Playback,
    cache: GeneratorCache,
    pub(crate) events: mpsc::UnboundedSender<Event>,
    running: HashMap<RequestId, CancellationToken>,
    finished_tx: mpsc::UnboundedSender<RequestId>,
    finished_rx: mpsc::UnboundedReceiver<RequestId>,
}

impl Worker {
    pub(crate) fn new(
        store: PresetStore,
        events: mpsc::UnboundedSender<Event>,
    ) -> std::io::Result<Worker> {
        let (finished_tx, finished_rx) = mpsc::unbounded_channel();
        Ok(Worker {
            store: StoreThread::spawn("presets", "the preset store", store, events.clone())?,
            library: StoreThread::spawn(
                "library",
                "the take library",
                Libraries::default(),
                events.clone(),
            )?,
            watching: None,
            playback: Playback::spawn(events.clone())?,
            cache: GeneratorCache::default(),
            events,
            running: HashMap::new(),
            finished_tx,
            finished_rx,
        })
    }

    pub(crate) async fn run(mut self, mut requests: mpsc::UnboundedReceiver<(RequestId, Request)>) {
        loop {
            tokio::select! {
                req = requests.recv() => match req {
                    Some((id, req)) => self.handle(id, req),
                    None => break,
                },
                Some(id) = self.finished_rx.recv() => {
                    self.running.remove(&id);
                }
            }
        }
        // The caller is gone: stop what still runs; generators drop with us.
        for token in self.running.values() {
            token.cancel();
        }
    }

    fn emit(&self, event: Event) {
        let _ = self.events.send(event);
    }

    fn handle(&mut self, id: RequestId, req: Request) {
        tracing::debug!(id, request = ?RequestKind::of(&req), "worker request");
        match req {
            Request::ListPresets => {
                self.store.run(id, move |store| match store.list() {
                    Ok(presets) => Event::Presets { id, presets },
                    Err(e) => failed(id, e),
                });
            }
            Request::LoadPreset { name } => {
                self.store.run(id, move |store| match store.load(&name) {
                    Ok(preset) => Event::Preset { id, preset },
                    Err(e) => failed(id, e),
                });
            }
            Request::SavePreset { preset, overwrite } => {
                self.store
                    .run(id, move |store| match store.save(&preset, overwrite) {
                        Ok(path) => Event::Saved {
                            id,
                            name: preset.name,
                            path,
                        },
                        Err(e) => failed(id, e),
                    });
            }
            Request::DeletePreset { name } => {
                self.store.run(id, move |store| match store.delete(&name) {
                    Ok(path) => Event::Deleted { id, name, path },
                    Err(e) => failed(id, e),
                });
            }
            Request::RestoreBuiltins => {
                self.store
                    .run(id, move |store| match store.restore_builtins() {
                        Ok(report) => Event::BuiltinsRestored { id, report },
                        Err(e) => failed(id, e),
                    });
            }
            Request::ImportPresets { dir, options } => {
                self.store.run(id, move |store| {
                    match import::import(store, &dir, options) {
                        Ok(report) => Event::Imported { id, report },
                        Err(e) => failed(id, e),
                    }
                });
            }
            Request::Generate(job) => self.start_generation(id, *job),
            Request::Cancel { target } => {
                if let Some(token) = self.running.get(&target) {
                    token.cancel();
                }
            }
            Request::RestoreDraft { dir } => {
                self.blocking(move || Event::Draft {
                    id,
                    found: drafts::newest(&dir).map(Box::new),
                });
            }
            Request::SaveDraft { path, draft } => {
                self.blocking(move || match drafts::save(&path, &draft) {
                    Ok(()) => Event::DraftSaved { id },
                    Err(e) => failed(id, e),
                });
            }
            Request::ListTakes { dir, query } => {
                self.library.run(id, move |libs| {
                    match libs.get(&dir).and_then(|l| l.list(&query)) {
                        Ok(page) => Event::Takes { id, page },
                        Err(e) => failed(id, e),
                    }
                });
            }
            Request::LoadTake { dir, id: given } => {
                self.library.run(id, move |libs| {
                    let take = libs.get(&dir).and_then(|lib| {
                        let take = lib.resolve(&given)?;
                        lib.load(&take)
                    });
                    match take {
                        Ok(take) => Event::Take {
                            id,
                            take: Box::new(take),
                        },
                        Err(e) => failed(id, e),
                    }
                });
            }
            Request::DeleteTake { dir, id: take } => {
                self.library.run(id, move |libs| {
                    match libs.get(&dir).and_then(|lib| lib.delete(&take)) {
                        Ok(bytes) => Event::TakeDeleted { id, take, bytes },
                        Err(e) => failed(id, e),
                    }
                });
            }
            Request::AnalyzeAudio { path } => {
                self.blocking(move || match crate::audio::analyze(&path) {
                    Ok(a) => Event::Analyzed {
                        id,
                        path,
                        analysis: Box::new(a),
                    },
                    Err(e) => failed(id, e),
                });
            }
            Request::WatchTakes { dir } => self.watch_takes(id, dir),
            Request::Play { path } => self.playback.play(id, path),
            Request::StopPlayback => self.playback.stop(),
            Request::OpenPath { path } => {
                self.blocking(move || match opener::open(&path) {
                    Ok(program) => Event::Opened { id, program },
                    Err(e) => failed(id, e),
                });
            }
            Request::SaveSettings { path, settings } => {
                self.blocking(move || {
                    match ConfigFile::update(&path, |file| settings.apply_to(file)) {
                        Ok(_) => Event::SettingsSaved { id, path },
                        Err(e) => failed(id, e),
                    }
                });
            }
            Request::CheckSetup(subject) => {
                let events = self.events.clone();
                tokio::spawn(async move {
                    let report = crate::doctor::run(&subject).await;
                    let _ = events.send(Event::SetupChecked { id, report });
                });
            }
        }
    }

    /// Runs file work off the runtime's threads and sends its answer: a
    /// slow disk must not stall a generation's token refresh.
    pub(crate) fn blocking(&self, work: impl FnOnce() -> Event + Send + 'static) {
        let events = self.events.clone();
        tokio::task::spawn_blocking(move || {
            let _ = events.send(work());
        });
    }

    fn start_generation(&mut self, id: RequestId, job: Job) {
        if let Err(e) = job.track.validate() {
            return self.emit(failed(id, GenerateError::Invalid(e)));
        }
        let generator = match self.cache.get_or_create(&job.settings.key) {
            Ok(g) => g,
            Err(e) => return self.emit(failed(id, e)),
        };
        let cancel = CancellationToken::new();
        self.running.insert(id, cancel.clone());
        let events = self.events.clone();
        let finished = self.finished_tx.clone();
        let progress_events = events.clone();
        let progress: Progress = Arc::new(move |stage| {
            let _ = progress_events.send(Event::Progress { id, stage });
        });
        tokio::spawn(async move {
            let _ = events.send(Event::Started { id });
            let outcome = tokio::select! {
                r = contain(generator.generate(&job, progress, cancel.clone())) => r,
                () = cancel.cancelled() => Err(GenerateError::Cancelled),
            };
            let event = match outcome {
                Ok(result) => Event::Generated {
                    id,
                    result: Box::new(result),
                },
                Err(GenerateError::Cancelled) => Event::Cancelled { id },
                Err(e) => failed(id, e),
            };
            if let Event::Failed { error, .. } = &event {
                tracing::warn!(id, %error, "generation failed");
            }
            let _ = events.send(event);
            let _ = finished.send(id);
        });
    }
}

pub(crate) fn failed(id: RequestId, e: impl Into<WorkerError>) -> Event {
    Event::Failed {
        id,
        error: e.into(),
    }
}

/// What the log records of a request: its kind, never its contents.
#[derive(Debug)]
enum RequestKind {
    ListPresets,
    LoadPreset,
    SavePreset,
    DeletePreset,
    RestoreBuiltins,
    ImportPresets,
    Generate,
    Cancel,
    RestoreDraft,
    SaveDraft,
    SaveSettings,
    CheckSetup,
    ListTakes,
    LoadTake,
    DeleteTake,
    AnalyzeAudio,
    WatchTakes,
    Play,
    StopPlayback,
    OpenPath,
}

impl RequestKind {
    fn of(req: &Request) -> RequestKind {
        match req {
            Request::ListPresets => RequestKind::ListPresets,
            Request::LoadPreset { .. } => RequestKind::LoadPreset,
            Request::SavePreset { .. } => RequestKind::SavePreset,
            Request::DeletePreset { .. } => RequestKind::DeletePreset,
            Request::RestoreBuiltins => RequestKind::RestoreBuiltins,
            Request::ImportPresets { .. } => RequestKind::ImportPresets,
            Request::Generate(_) => RequestKind::Generate,
            Request::Cancel { .. } => RequestKind::Cancel,
            Request::RestoreDraft { .. } => RequestKind::RestoreDraft,
            Request::SaveDraft { .. } => RequestKind::SaveDraft,
            Request::SaveSettings { .. } => RequestKind::SaveSettings,
            Request::CheckSetup(_) => RequestKind::CheckSetup,
            Request::ListTakes { .. } => RequestKind::ListTakes,
            Request::LoadTake { .. } => RequestKind::LoadTake,
            Request::DeleteTake { .. } => RequestKind::DeleteTake,
            Request::AnalyzeAudio { .. } => RequestKind::AnalyzeAudio,
            Request::WatchTakes { .. } => RequestKind::WatchTakes,
            Request::Play { .. } => RequestKind::Play,
            Request::StopPlayback => RequestKind::StopPlayback,
            Request::OpenPath { .. } => RequestKind::OpenPath,
        }
    }
}
