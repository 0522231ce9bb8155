//! Logs go to a file, never to the screen (stdout is the TUI). The level
//! comes from MUSIC_GEN_LOG (e.g. `debug`, `music_gen=trace`), default info.

use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

pub const LEVEL_ENV: &str = "MUSIC_GEN_LOG";

/// Starts logging to `path`. Returns `None`, logging nothing, when the file
/// cannot be opened: a missing log must not stop the app.
pub fn init(path: &Path) -> Option<WorkerGuard> {
    let dir = path.parent()?;
    std::fs::create_dir_all(dir).ok()?;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .ok()?;
    let (writer, guard) = tracing_appender::non_blocking(file);
    let filter = EnvFilter::try_from_env(LEVEL_ENV).unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .ok()?;
    Some(guard)
}
