//! Takes waiting in the local spool folder of a bucket
//! (`$XDG_DATA_HOME/music-gen/spool/BUCKET/PREFIX`): each is a paid take
//! whose upload failed, whole on this disk (metadata `STEM.json`, audio
//! beside it) until `music-gen history upload` (or a later save) puts it
//! in the bucket. `history`, the TUI and the server list them as not
//! uploaded.

use std::path::{Path, PathBuf};

use crate::generate::GenerationResult;
use crate::generate::output::NewAudio;

/// A metadata file larger than this is not one of ours.
const MAX_METADATA_BYTES: u64 = 16 * 1024 * 1024;

/// One take in the spool folder.
#[derive(Debug)]
pub struct Spooled {
    /// The metadata file's stem: the take's id while it waits.
    pub id: String,
    pub metadata: PathBuf,
    /// Its metadata, or why it cannot be read.
    pub result: Result<GenerationResult, String>,
}

/// The takes waiting in `dir`, by name; none when there is no such folder.
pub fn list(dir: &Path) -> Vec<Spooled> {
    let Ok(read) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut takes: Vec<Spooled> = read
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let id = name.strip_suffix(".json")?;
            if id.is_empty() || id.starts_with('.') || crate::batch::is_report_name(id) {
                return None;
            }
            let metadata = e.path();
            let result = read_result(&metadata);
            Some(Spooled {
                id: id.to_string(),
                metadata,
                result,
            })
        })
        .collect();
    takes.sort_by(|a, b| a.id.cmp(&b.id));
    takes
}

fn read_result(path: &Path) -> Result<GenerationResult, String> {
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if !meta.is_file() || meta.len() > MAX_METADATA_BYTES {
        return Err("not a take's metadata file".to_string());
    }
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    serde_json::from_slice(&bytes).map_err(|e| e.to_string())
}

/// Where a spooled take's audio file is: beside its metadata (the spool
/// folder is music-gen's own; a recorded path elsewhere is not followed).
pub fn audio_path(metadata: &Path, recorded: &Path) -> Option<PathBuf> {
    let name = recorded.file_name()?;
    Some(crate::domain::atomic::parent(metadata).join(name))
}

/// Why a spooled take cannot be uploaded as it is.
#[derive(Debug, thiserror::Error)]
pub enum SpoolError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: the audio no longer matches the size and sha256 its metadata recorded", path.display())]
    Changed { path: PathBuf },
}

/// The audio of a spooled take, read back and checked against what its
/// metadata recorded: a changed file is never uploaded as the take.
pub fn audio(metadata: &Path, result: &GenerationResult) -> Result<Vec<NewAudio>, SpoolError> {
    result
        .files
        .iter()
        .map(|f| {
            let path = audio_path(metadata, &f.path).unwrap_or_else(|| f.path.clone());
            let bytes = std::fs::read(&path).map_err(|source| SpoolError::Io {
                path: path.clone(),
                source,
            })?;
            if bytes.len() as u64 != f.size_bytes
                || crate::generate::output::sha256_hex(&bytes) != f.sha256
            {
                return Err(SpoolError::Changed { path });
            }
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
            Ok(NewAudio {
                bytes,
                mime_type: f.mime_type.clone(),
                ext: known_ext(ext),
            })
        })
        .collect()
}

/// The extension a spooled file was written with, as one of the names
/// music-gen gives audio.
fn known_ext(ext: &str) -> &'static str {
    const KNOWN: [&str; 6] = ["wav", "mp3", "ogg", "flac", "aac", "m4a"];
    KNOWN
        .into_iter()
        .find(|k| k.eq_ignore_ascii_case(ext))
        .unwrap_or("bin")
}

/// An exclusive `flock` on a spooled take's metadata file, held while one
/// process uploads it: another (`history upload`, a later save) leaves a
/// locked take alone, and a process that dies releases it.
#[derive(Debug)]
pub struct UploadLock {
    /// Closing it releases the lock.
    _file: std::fs::File,
}

/// Locks the spooled take `metadata` for its upload: `wait` until free,
/// or `None` at once when another upload holds it.
pub fn lock(metadata: &Path, wait: bool) -> std::io::Result<Option<UploadLock>> {
    use std::os::fd::AsRawFd;
    let file = std::fs::File::open(metadata)?;
    let how = if wait {
        libc::LOCK_EX
    } else {
        libc::LOCK_EX | libc::LOCK_NB
    };
    loop {
        // SAFETY: a valid open descriptor owned by `file`.
        if unsafe { libc::flock(file.as_raw_fd(), how) } == 0 {
            return Ok(Some(UploadLock { _file: file }));
        }
        let e = std::io::Error::last_os_error();
        match e.kind() {
            std::io::ErrorKind::Interrupted => continue,
            std::io::ErrorKind::WouldBlock => return Ok(None),
            _ => return Err(e),
        }
    }
}
