//! Sees what other processes do to the output folder: a take added by the
//! CLI or another TUI, a file deleted by hand. The operating system tells
//! (inotify, FSEvents, kqueue through the notify crate); nothing polls, so
//! an idle app stays asleep.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use notify::{EventKind, RecommendedWatcher, RecursiveMode, Watcher};
use tokio::sync::mpsc;

use crate::domain::atomic::TEMP_PREFIX;

/// A generation moves its files in one after another; the changes of such
/// a burst are reported together.
pub const SETTLE: Duration = Duration::from_millis(150);

/// Watches `dir` (not its subfolders) while the returned watcher lives and
/// sends the names of files that appeared, changed or went away. Hidden
/// files (writes in progress, the index) are left out.
pub fn watch(
    dir: &Path,
    changes: mpsc::UnboundedSender<Vec<PathBuf>>,
) -> notify::Result<RecommendedWatcher> {
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let Ok(event) = event else {
            return;
        };
        if matches!(event.kind, EventKind::Access(_)) {
            return;
        }
        let paths: Vec<PathBuf> = event
            .paths
            .into_iter()
            .filter(|p| is_take_file(p))
            .collect();
        if !paths.is_empty() {
            let _ = changes.send(paths);
        }
    })?;
    watcher.watch(dir, RecursiveMode::NonRecursive)?;
    Ok(watcher)
}

/// Hidden files are not takes: the temporary files of writes in progress
/// (`.music-gen-….tmp`), the library's index, a directory lock.
fn is_take_file(path: &Path) -> bool {
    const _: () = assert!(TEMP_PREFIX.as_bytes()[0] == b'.');
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|name| !name.starts_with('.'))
}

/// Waits for the first change, then gathers what else comes within
/// [`SETTLE`]: one burst, one answer. `None` once the watcher is gone.
pub async fn next_burst(
    rx: &mut mpsc::UnboundedReceiver<Vec<PathBuf>>,
) -> Option<BTreeSet<PathBuf>> {
    let mut paths: BTreeSet<PathBuf> = rx.recv().await?.into_iter().collect();
    let deadline = tokio::time::Instant::now() + SETTLE;
    while let Ok(Some(more)) = tokio::time::timeout_at(deadline, rx.recv()).await {
        paths.extend(more);
    }
    Some(paths)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_and_hidden_files_are_not_takes() {
        assert!(is_take_file(Path::new("/o/20260101-jazz.json")));
        assert!(is_take_file(Path::new("/o/20260101-jazz.wav")));
        assert!(!is_take_file(Path::new("/o/.music-gen-abc123.tmp")));
        assert!(!is_take_file(Path::new("/o/.lock")));
    }

    #[tokio::test]
    async fn a_file_written_by_someone_else_is_reported_once_settled() {
        let dir = tempfile::tempdir().unwrap();
        let (tx, mut rx) = mpsc::unbounded_channel();
        let _watcher = watch(dir.path(), tx).unwrap();
        std::fs::write(dir.path().join("a.wav"), b"x").unwrap();
        std::fs::write(dir.path().join("a.json"), b"{}").unwrap();
        let burst = tokio::time::timeout(Duration::from_secs(10), next_burst(&mut rx))
            .await
            .unwrap()
            .unwrap();
        assert!(burst.contains(&dir.path().join("a.json")), "{burst:?}");
        assert!(burst.contains(&dir.path().join("a.wav")), "{burst:?}");
    }
}
