//! Watching the output folder for takes other processes add or remove;
//! the caller hears of each burst of changes and lists again (a listing
//! reads the folder's names afresh).

use std::path::PathBuf;

use notify::RecommendedWatcher;
use tokio::sync::mpsc;

use crate::worker::protocol::{Event, RequestId};
use crate::worker::task::Worker;
use crate::worker::watch;

/// The folder being watched, while it is.
pub(crate) struct Watching {
    _watcher: RecommendedWatcher,
}

impl Worker {
    /// Starts watching `dir` (created if missing, so a first take is seen
    /// too); each burst of changes is one `TakesChanged`.
    pub(crate) fn watch_takes(&mut self, id: RequestId, dir: PathBuf) {
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
        let events = self.events.clone();
        tokio::spawn(async move {
            while let Some(burst) = watch::next_burst(&mut rx).await {
                tracing::debug!(files = burst.len(), "output folder changed");
                if events.send(Event::TakesChanged { id }).is_err() {
                    break;
                }
            }
        });
    }
}
