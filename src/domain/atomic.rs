//! Atomic file writes: a crash or a full disk never leaves a half-written
//! file, and a failed write leaves the old one intact.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// Writes `bytes` to a temporary file beside `path`, flushes it to disk and
/// renames it over `path`. Creates missing parent directories.
pub fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir)?;
    // tempfile's default 0600 would make presets and tracks private; ask for
    // 0666 and let the umask decide, as for any file the user creates.
    let mut tmp = tempfile::Builder::new()
        .prefix(".music-gen-")
        .suffix(".tmp")
        .permissions(std::fs::Permissions::from_mode(0o666))
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
