//! Opening a take's file or folder with the system's opener (`xdg-open`,
//! `open` on macOS), as a file manager would. Blocking: it waits for the
//! opener to say whether it managed, which takes a moment at most.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The opener, by platform; `MUSIC_GEN_OPENER` names another (a test's
/// stand-in, or a user's own script).
fn opener() -> String {
    match std::env::var("MUSIC_GEN_OPENER") {
        Ok(name) if !name.trim().is_empty() => name,
        _ if cfg!(target_os = "macos") => "open".to_string(),
        _ => "xdg-open".to_string(),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("{}: no longer exists", path.display())]
    Missing { path: PathBuf },
    #[error("no system opener ({program} not found); the path is {}", path.display())]
    NoOpener { program: String, path: PathBuf },
    #[error("{program} could not open it (is there a desktop here?); the path is {}", path.display())]
    Failed { program: String, path: PathBuf },
}

/// Opens `path` and returns the opener's name. Nothing the opener prints
/// reaches the screen.
pub fn open(path: &Path) -> Result<String, OpenError> {
    if !path.exists() {
        return Err(OpenError::Missing {
            path: path.to_path_buf(),
        });
    }
    let program = opener();
    let status = Command::new(&program)
        .arg(path)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    match status {
        Ok(s) if s.success() => Ok(program),
        Ok(_) => Err(OpenError::Failed {
            program,
            path: path.to_path_buf(),
        }),
        Err(_) => Err(OpenError::NoOpener {
            program,
            path: path.to_path_buf(),
        }),
    }
}
