//! Atomic file writes: a crash or a full disk never leaves a half-written
//! file, a failed write leaves the old one intact, and a name taken by
//! someone else (another process included) is never overwritten by a write
//! that asked for a new file.

use std::ffi::CString;
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use tempfile::TempPath;

/// Every temporary file of ours starts and ends so: hidden, and recognisable
/// by the sweep that removes the ones a killed process left behind.
pub const TEMP_PREFIX: &str = ".music-gen-";
pub const TEMP_SUFFIX: &str = ".tmp";

/// A temporary file this old was left by a process that died: no write of
/// ours takes an hour between creating its temporary file and renaming it.
pub const STALE_AFTER: Duration = Duration::from_secs(3600);

/// Writes `bytes` to a temporary file beside `path`, flushes it to disk and
/// renames it over `path`, then flushes the directory so the rename itself
/// survives a power cut. Creates missing parent directories.
pub fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = parent(path);
    std::fs::create_dir_all(dir)?;
    let tmp = temp_with(dir, bytes)?;
    tmp.persist(path).map_err(|e| e.error)?;
    sync_dir(dir)
}

/// As [`write`], but only if `path` does not exist yet, decided atomically:
/// of two processes creating the same name, one gets `AlreadyExists`.
pub fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = parent(path);
    std::fs::create_dir_all(dir)?;
    let tmp = temp_with(dir, bytes)?;
    place_new(&tmp, path)?;
    drop(tmp);
    sync_dir(dir)
}

/// The directory a file goes in (`.` for a bare name).
pub fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// A complete, flushed temporary file in `dir` holding `bytes`; removed when
/// dropped unless it was moved into place first.
pub fn temp_with(dir: &Path, bytes: &[u8]) -> std::io::Result<TempPath> {
    // tempfile's default 0600 would make presets and tracks private; ask for
    // 0666 and let the umask decide, as for any file the user creates.
    let mut tmp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .suffix(TEMP_SUFFIX)
        .permissions(std::fs::Permissions::from_mode(0o666))
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    Ok(tmp.into_temp_path())
}

/// Gives the complete file at `tmp` the name `path` too, failing with
/// `AlreadyExists` if the name is taken. The check and the creation are one
/// system call (`link`, or `renameat2` with `RENAME_NOREPLACE` where hard
/// links are not supported), so no other process can slip in between.
/// Returns whether `tmp` was moved (renamed) rather than linked.
pub fn place_new(tmp: &Path, path: &Path) -> std::io::Result<Placed> {
    match std::fs::hard_link(tmp, path) {
        Ok(()) => Ok(Placed::Linked),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(e),
        Err(link_err) => match rename_noreplace(tmp, path) {
            Ok(()) => Ok(Placed::Moved),
            Err(e) if e.raw_os_error() == Some(libc::EINVAL) => Err(link_err),
            Err(e) => Err(e),
        },
    }
}

/// How [`place_new`] put a file in place, which says how to undo it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placed {
    /// The temporary file still exists; the new name is a second link.
    Linked,
    /// The temporary file was renamed; it no longer exists under its name.
    Moved,
}

fn rename_noreplace(from: &Path, to: &Path) -> std::io::Result<()> {
    let c = |p: &Path| {
        CString::new(p.as_os_str().as_bytes())
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::InvalidInput))
    };
    let (from, to) = (c(from)?, c(to)?);
    // SAFETY: both are valid NUL-terminated paths that outlive the call.
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            from.as_ptr(),
            libc::AT_FDCWD,
            to.as_ptr(),
            libc::RENAME_NOREPLACE,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// Flushes a directory, so that renames and links in it are on disk.
pub fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

/// Removes our temporary files in `dir` that are older than
/// [`STALE_AFTER`]: what a killed process (`kill -9`, a power cut) left
/// behind. Files of other names, and our recent ones (a write in progress in
/// another process), are left alone. Returns how many were removed.
pub fn sweep_stale(dir: &Path) -> usize {
    sweep_stale_older_than(dir, STALE_AFTER)
}

pub fn sweep_stale_older_than(dir: &Path, age: Duration) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let now = SystemTime::now();
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if !is_temp_name(name) {
            continue;
        }
        // Never follows a link: only plain files of ours are removed.
        let Ok(meta) = entry.metadata() else { continue };
        let old = meta
            .modified()
            .ok()
            .and_then(|m| now.duration_since(m).ok())
            .is_some_and(|a| a >= age);
        if meta.file_type().is_file() && old && std::fs::remove_file(entry.path()).is_ok() {
            tracing::info!(path = %entry.path().display(), "removed a stale temporary file");
            removed += 1;
        }
    }
    removed
}

/// `.music-gen-XXXXXX.tmp`, as [`temp_with`] names them.
pub fn is_temp_name(name: &str) -> bool {
    name.len() > TEMP_PREFIX.len() + TEMP_SUFFIX.len()
        && name.starts_with(TEMP_PREFIX)
        && name.ends_with(TEMP_SUFFIX)
        && name[TEMP_PREFIX.len()..name.len() - TEMP_SUFFIX.len()]
            .chars()
            .all(|c| c.is_ascii_alphanumeric())
}

/// A fresh hidden name in `dir` for a second link to an existing file.
pub fn fresh_temp_name(dir: &Path) -> PathBuf {
    let tail: String = (0..12)
        .map(|_| {
            let i = fastrand::u8(0..36);
            char::from(if i < 10 { b'0' + i } else { b'a' + i - 10 })
        })
        .collect();
    dir.join(format!("{TEMP_PREFIX}{tail}{TEMP_SUFFIX}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_new_refuses_a_taken_name_and_keeps_it() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.yaml");
        write_new(&p, b"first").unwrap();
        let e = write_new(&p, b"second").unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(&p).unwrap(), b"first");
        write(&p, b"third").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"third");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "no temporary file is left");
    }

    #[test]
    fn sweep_removes_only_our_old_temporary_files() {
        let dir = tempfile::tempdir().unwrap();
        let ours = dir.path().join(".music-gen-abc123.tmp");
        let other = dir.path().join(".music-gen-notes.txt");
        let fresh = dir.path().join(".music-gen-def456.tmp");
        std::fs::write(&ours, b"x").unwrap();
        std::fs::write(&other, b"x").unwrap();
        let old = SystemTime::now() - Duration::from_secs(7200);
        std::fs::File::options()
            .write(true)
            .open(&ours)
            .unwrap()
            .set_modified(old)
            .unwrap();
        std::fs::write(&fresh, b"x").unwrap();
        assert_eq!(sweep_stale(dir.path()), 1);
        assert!(!ours.exists());
        assert!(other.exists() && fresh.exists());
        assert!(is_temp_name(".music-gen-a1B2c3.tmp"));
        assert!(!is_temp_name(".music-gen-.tmp"));
        assert!(!is_temp_name(".music-gen-a b.tmp"));
        assert!(is_temp_name(
            fresh_temp_name(dir.path())
                .file_name()
                .unwrap()
                .to_str()
                .unwrap()
        ));
    }
}
