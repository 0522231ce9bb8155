//! Watching the output folder for takes other processes add or remove;
//! the caller hears of each burst of changes and lists again (a listing
//! reads the folder's names afresh).

use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::{CancellationToken, DropGuard};

use crate::storage::Location;
use crate::worker::protocol::{Event, RequestId};
use crate::worker::task::Worker;
use crate::worker::watch;

/// How often the takes in a bucket are listed again for the TUI.
const BUCKET_POLL: Duration = Duration::from_secs(30);

/// How often a removed output folder is looked for until it is back.
const REWATCH_POLL: Duration = Duration::from_secs(1);

/// Which folder is at `dir` now (device and inode), if one is.
fn identity(dir: &std::path::Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(dir).ok().map(|m| (m.dev(), m.ino()))
}

/// The folder being watched, or the bucket being polled, while it is.
pub(crate) enum Watching {
    /// The watch stops when this is dropped.
    Folder { _stop: DropGuard },
    /// The poll stops when this is dropped.
    Bucket { _poll: DropGuard },
}

impl Worker {
    /// Starts watching `dir` (created if missing, so a first take is seen
    /// too); each burst of changes is one `TakesChanged`, and one is sent
    /// as soon as the watch is set up: the TUI lists first and watches
    /// after, so a take added in between is listed then. A folder removed
    /// (and made again) under the app is watched again once it is back.
    pub(crate) fn watch_takes(&mut self, id: RequestId, dir: PathBuf) {
        if Location::from_path(&dir).is_ok_and(|l| l.bucket().is_some()) {
            return self.poll_bucket(id);
        }
        if let Err(e) = std::fs::create_dir_all(&dir) {
            tracing::warn!(error = %e, dir = %dir.display(), "cannot create the output folder");
        }
        let (tx, mut rx) = mpsc::unbounded_channel();
        let mut watcher = match watch::watch(&dir, tx.clone()) {
            Ok(w) => w,
            Err(e) => {
                // Takes still list; only other processes' go unseen.
                tracing::warn!(error = %e, dir = %dir.display(), "cannot watch the output folder");
                return;
            }
        };
        let events = self.events.clone();
        if events.send(Event::TakesChanged { id }).is_err() {
            return;
        }
        let stop = CancellationToken::new();
        let stopped = stop.clone();
        self.watching = Some(Watching::Folder {
            _stop: stop.drop_guard(),
        });
        tokio::spawn(async move {
            let mut folder = identity(&dir);
            loop {
                let burst = tokio::select! {
                    burst = watch::next_burst(&mut rx) => burst,
                    () = stopped.cancelled() => return,
                };
                let Some(burst) = burst else { return };
                tracing::debug!(files = burst.len(), "output folder changed");
                if events.send(Event::TakesChanged { id }).is_err() {
                    return;
                }
                if identity(&dir) == folder {
                    continue;
                }
                // The folder went (its watch with it): wait for it to be
                // back, then watch the new one and list it.
                drop(watcher);
                watcher = loop {
                    tokio::select! {
                        () = tokio::time::sleep(REWATCH_POLL) => {}
                        () = stopped.cancelled() => return,
                    }
                    if identity(&dir).is_none() {
                        continue;
                    }
                    match watch::watch(&dir, tx.clone()) {
                        Ok(w) => break w,
                        Err(e) => tracing::debug!(error = %e, "cannot watch the output folder yet"),
                    }
                };
                folder = identity(&dir);
                if events.send(Event::TakesChanged { id }).is_err() {
                    return;
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
