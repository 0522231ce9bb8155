//! Watching the output folder for takes other processes add or remove;
//! the caller hears of each burst of changes and lists again (a listing
//! reads the folder's names afresh).

use std::path::PathBuf;
use std::time::Duration;

use notify::RecommendedWatcher;
use tokio::sync::mpsc;
use tokio_util::sync::{CancellationToken, DropGuard};

use crate::storage::Location;
use crate::worker::protocol::{Event, RequestId};
use crate::worker::task::Worker;
use crate::worker::watch;

/// How often the takes in a bucket are listed again for the TUI.
const BUCKET_POLL: Duration = Duration::from_secs(30);

/// The folder being watched, or the bucket being polled, while it is.
pub(crate) enum Watching {
    Folder {
        _watcher: RecommendedWatcher,
    },
    /// The poll stops when this is dropped.
    Bucket {
        _poll: DropGuard,
    },
}

impl Worker {
    /// Starts watching `dir` (created if missing, so a first take is seen
    /// too); each burst of changes is one `TakesChanged`, and one is sent
    /// as soon as the watch is set up: the TUI lists first and watches
    /// after, so a take added in between is listed then.
    pub(crate) fn watch_takes(&mut self, id: RequestId, dir: PathBuf) {
        if Location::from_path(&dir).is_ok_and(|l| l.bucket().is_some()) {
            return self.poll_bucket(id);
        }
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
        self.watching = Some(Watching::Folder { _watcher: watcher });
        let events = self.events.clone();
        if events.send(Event::TakesChanged { id }).is_err() {
            return;
        }
        tokio::spawn(async move {
            while let Some(burst) = watch::next_burst(&mut rx).await {
                tracing::debug!(files = burst.len(), "output folder changed");
                if events.send(Event::TakesChanged { id }).is_err() {
                    break;
                }
            }
        });
    }

    /// A bucket sends no change notices: its takes are listed again every
    /// [`BUCKET_POLL`] (one list request; unchanged takes are not read).
    fn poll_bucket(&mut self, id: RequestId) {
        let events = self.events.clone();
        let stop = CancellationToken::new();
        let stopped = stop.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(BUCKET_POLL);
            every.tick().await;
            loop {
                tokio::select! {
                    _ = every.tick() => {}
                    () = stopped.cancelled() => break,
                }
                if events.send(Event::TakesChanged { id }).is_err() {
                    break;
                }
            }
        });
        self.watching = Some(Watching::Bucket {
            _poll: stop.drop_guard(),
        });
    }
}
