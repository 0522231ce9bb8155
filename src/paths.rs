//! Where music-gen keeps its files: an explicit flag or environment
//! variable first (clap reads those), then the XDG directories, then the
//! home-directory defaults. Never the current directory by accident.

use std::path::{Path, PathBuf};

fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "music-gen")
}

/// `$XDG_DATA_HOME/music-gen`, i.e. `~/.local/share/music-gen` on Linux.
fn data_dir() -> PathBuf {
    project_dirs()
        .map(|d| d.data_dir().to_path_buf())
        .unwrap_or_else(|| home().join(".local/share/music-gen"))
}

/// `$XDG_CONFIG_HOME/music-gen`, i.e. `~/.config/music-gen` on Linux.
pub fn config_dir() -> PathBuf {
    project_dirs()
        .map(|d| d.config_dir().to_path_buf())
        .unwrap_or_else(|| home().join(".config/music-gen"))
}

fn home() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir)
}

pub fn default_presets_dir() -> PathBuf {
    data_dir().join("presets")
}

pub fn default_output_dir() -> PathBuf {
    data_dir().join("tracks")
}

/// Takes for a bucket, written here first and kept here when their upload
/// fails: `$XDG_DATA_HOME/music-gen/spool/BUCKET/PREFIX`. Data, not cache:
/// a take that could not be uploaded may be the only copy of a paid one.
pub fn spool_dir(bucket: &str, prefix: &str) -> PathBuf {
    data_dir().join("spool").join(bucket).join(prefix)
}

/// Audio of takes in a bucket, downloaded to be played or drawn, named by
/// its sha256: `$XDG_CACHE_HOME/music-gen/audio`.
pub fn audio_cache_dir() -> PathBuf {
    cache_dir().join("audio")
}

/// What `history` and the server read of a bucket's takes, kept between
/// processes: `$XDG_CACHE_HOME/music-gen/buckets/BUCKET/PREFIX/takes.json`.
pub fn bucket_index_file(bucket: &str, prefix: &str) -> PathBuf {
    cache_dir()
        .join("buckets")
        .join(bucket)
        .join(prefix)
        .join("takes.json")
}

fn cache_dir() -> PathBuf {
    project_dirs()
        .map(|d| d.cache_dir().to_path_buf())
        .unwrap_or_else(|| home().join(".cache/music-gen"))
}

/// `$XDG_STATE_HOME/music-gen`, i.e. `~/.local/state/music-gen` on Linux.
fn state_dir() -> PathBuf {
    project_dirs()
        .and_then(|d| d.state_dir().map(|p| p.to_path_buf()))
        .unwrap_or_else(|| home().join(".local/state/music-gen"))
}

/// The log file: `$XDG_STATE_HOME/music-gen/music-gen.log`, since stdout is
/// the screen.
pub fn log_file() -> PathBuf {
    state_dir().join("music-gen.log")
}

/// Where each TUI session keeps its draft of the form and lyrics.
pub fn drafts_dir() -> PathBuf {
    state_dir().join("drafts")
}

/// The nearest existing path at or above `dir` when it is not a folder (a
/// file named where a folder is wanted): creating `dir` would fail there
/// with a bare "File exists" or "Not a directory".
pub fn file_in_the_way(dir: &Path) -> Option<&Path> {
    let existing = dir.ancestors().find(|p| std::fs::metadata(p).is_ok())?;
    (!existing.is_dir()).then_some(existing)
}

/// A link on the way to `dir` that leads nowhere (a loop, or its target is
/// gone): creating the folder would fail with a bare "File exists".
pub fn dead_link_in_the_way(dir: &Path) -> Option<&Path> {
    dir.ancestors()
        .take_while(|p| std::fs::metadata(p).is_err())
        .find(|p| std::fs::symlink_metadata(p).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_leading_nowhere_on_the_way_is_found() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a");
        let b = dir.path().join("b");
        std::os::unix::fs::symlink(&b, &a).unwrap();
        std::os::unix::fs::symlink(&a, &b).unwrap();
        assert_eq!(dead_link_in_the_way(&a), Some(a.as_path()));
        assert_eq!(dead_link_in_the_way(&a.join("x/y")), Some(a.as_path()));
        let gone = dir.path().join("gone");
        std::os::unix::fs::symlink(dir.path().join("nothing"), &gone).unwrap();
        assert_eq!(dead_link_in_the_way(&gone), Some(gone.as_path()));
        assert_eq!(dead_link_in_the_way(&dir.path().join("new/dir")), None);
        assert_eq!(dead_link_in_the_way(dir.path()), None);
    }

    #[test]
    fn a_file_where_a_folder_is_wanted_is_found() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        std::fs::write(&file, "").unwrap();
        assert_eq!(file_in_the_way(&file), Some(file.as_path()));
        assert_eq!(file_in_the_way(&file.join("a/b")), Some(file.as_path()));
        assert_eq!(file_in_the_way(&dir.path().join("new/dir")), None);
        assert_eq!(file_in_the_way(dir.path()), None);
    }
}
