//! The worker's side of the library of takes: listing, reading and
//! deleting takes on the library's own thread, watching the folder for
//! other processes' takes, decoding audio for waveforms, playing and
//! opening files.

use std::path::{Path, PathBuf};

use notify::RecommendedWatcher;
use tokio::sync::mpsc;

use crate::library::{Library, LibraryError};
use crate::worker::opener;
use crate::worker::protocol::{Event, RequestId, TakeRequest};
use crate::worker::task::{Worker, failed};
use crate::worker::watch;

/// The library of the folder last asked about, opened on first use and
/// opened again when another folder is asked about.
#[derive(Default)]
pub(crate) struct Libraries {
    open: Option<Library>,
}

impl Libraries {
    fn get(&mut self, dir: &Path) -> Result<&mut Library, LibraryError> {
        let stale = self.open.as_ref().is_none_or(|l| l.dir() != dir);
        if stale {
            self.open = Some(Library::open(dir)?);
        }
        Ok(self.open.as_mut().expect("opened above"))
    }

    /// Reads the folder's names again, if it is the one open.
    fn rescan(&mut self, dir: &Path) {
        if let Some(lib) = self.open.as_mut().filter(|l| l.dir() == dir)
            && let Err(e) = lib.rescan()
        {
            tracing::warn!(error = %e, "library rescan");
        }
    }
}

/// The folder being watched, while it is.
pub(crate) struct Watching {
    _watcher: RecommendedWatcher,
}

impl Worker {
    pub(crate) fn handle_takes(&mut self, id: RequestId, req: TakeRequest) {
        match req {
            TakeRequest::List { dir, query } => {
                self.library.run(id, move |libs| match libs.get(&dir) {
                    Ok(lib) => Event::Takes {
                        id,
                        page: lib.list(&query),
                    },
                    Err(e) => failed(id, e),
                });
            }
            TakeRequest::Load { dir, take } => {
                self.library.run(id, move |libs| {
                    match libs.get(&dir).and_then(|lib| lib.load(&take)) {
                        Ok(take) => Event::Take {
                            id,
                            take: Box::new(take),
                        },
                        Err(e) => failed(id, e),
                    }
                });
            }
            TakeRequest::Delete { dir, take } => {
                self.library.run(id, move |libs| {
                    match libs.get(&dir).and_then(|lib| lib.delete(&take)) {
                        Ok(freed) => Event::TakeDeleted { id, take, freed },
                        Err(e) => failed(id, e),
                    }
                });
            }
            TakeRequest::Watch { dir } => self.watch_takes(id, dir),
            TakeRequest::Analyze { path } => {
                self.blocking(move || match crate::audio::analyze(&path) {
                    Ok(analysis) => Event::Analysed {
                        id,
                        analysis: Box::new(analysis),
                    },
                    Err(e) => failed(id, e),
                });
            }
            TakeRequest::Play { path } => self.playback.play(id, path),
            TakeRequest::Stop => self.playback.stop(),
            TakeRequest::Open { path } => {
                self.blocking(move || match opener::open(&path) {
                    Ok(program) => Event::Opened { id, program },
                    Err(e) => failed(id, e),
                });
            }
        }
    }

    /// Starts watching `dir` (created if missing, so a first take is seen
    /// too); a burst of changes rescans the library, then tells the caller.
    fn watch_takes(&mut self, id: RequestId, dir: PathBuf) {
        if let Err(e) = std::fs::create_dir_all(&dir) {
            tracing::warn!(error = %e, dir = %dir.display(), "cannot create the output folder");
        }
        let (tx, mut rx) = mpsc::unbounded_channel();
        let watcher = match watch::watch(&dir, tx) {
            Ok(w) => w,
            Err(e) => {
                // Takes still list; only other processes' go unseen.
                tracing::warn!(error = %e, dir = %dir.display(), "cannot watch the output folder");
                return;
            }
        };
        self.watching = Some(Watching { _watcher: watcher });
        let library = self.library.clone();
        tokio::spawn(async move {
            while let Some(burst) = watch::next_burst(&mut rx).await {
                tracing::debug!(files = burst.len(), "output folder changed");
                let dir = dir.clone();
                library.run(id, move |libs| {
                    libs.rescan(&dir);
                    Event::TakesChanged { id }
                });
            }
        });
    }
}
