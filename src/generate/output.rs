//! Where a generation's files go and how they are written: all or nothing,
//! under names reserved atomically, with sizes and digests for the metadata;
//! nothing left behind on failure and nothing of the user's destroyed.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use sha2::{Digest, Sha256};

use crate::domain::atomic;
use crate::generate::error::GenerateError;
use crate::generate::job::OutputTarget;
use crate::generate::result::{GenerationResult, OutputFile};

/// The paths one generation will write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputPlan {
    pub audio: Vec<PathBuf>,
    pub metadata: PathBuf,
}

/// `track.mp3` → `track-2.wav`.
fn numbered(base: &Path, i: usize, ext: &str) -> PathBuf {
    let stem = base
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "track".to_string());
    base.with_file_name(format!("{stem}-{i}.{ext}"))
}

/// `20261130-143336`: when a take was made, UTC, at the start of its name.
fn stamp(at: time::OffsetDateTime) -> String {
    let fmt = time::macros::format_description!("[year][month][day]-[hour][minute][second]");
    at.format(&fmt).unwrap_or_else(|_| "track".to_string())
}

fn timestamp() -> String {
    stamp(time::OffsetDateTime::now_utc())
}

/// Base names for takes asked for together (the TUI's variations, a
/// batch's takes), one per genre given: one time, `unix`, each its genre,
/// numbered in the order given (`…-rock-v1`, `-v2`, …; `-v01` when there
/// are ten or more), so the folder lists them in seed order whichever
/// finishes first.
pub fn series<'a>(unix: i64, genres: impl ExactSizeIterator<Item = &'a str>) -> Vec<String> {
    let time = time::OffsetDateTime::from_unix_timestamp(unix)
        .map(stamp)
        .unwrap_or_else(|_| timestamp());
    let width = genres.len().to_string().len();
    genres
        .enumerate()
        .map(|(i, genre)| format!("{time}-{}-v{:0width$}", slug(genre), i + 1))
        .collect()
}

/// A file-name-safe form of the genre: `Lo-Fi Hip Hop!` → `lo-fi-hip-hop`.
pub fn slug(genre: &str) -> String {
    let mut out = String::new();
    for c in genre.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
        if out.len() >= 40 {
            break;
        }
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() {
        "track".to_string()
    } else {
        out
    }
}

/// Audio a generation produced, not yet on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAudio {
    pub bytes: Vec<u8>,
    pub mime_type: String,
    /// The file extension for this kind of audio, without the dot.
    pub ext: &'static str,
}

/// The directory output goes to and the base name of its files (`None`:
/// made of the time and the genre, and never replacing a file).
fn place(target: &OutputTarget) -> Option<(PathBuf, Option<PathBuf>)> {
    match target {
        // Nothing local: a bucket's takes are spooled by `write`.
        OutputTarget::None | OutputTarget::Bucket { .. } => None,
        OutputTarget::Dir(d) => Some((d.clone(), None)),
        OutputTarget::File(p) => Some((atomic::parent(p).to_path_buf(), Some(p.clone()))),
    }
}

/// Resolves what a user typed after `--output`: an existing directory (or a
/// path ending in `/`) means "inside it, with the usual generated name".
pub fn resolve(path: &Path) -> OutputTarget {
    let trailing_slash = path.as_os_str().as_encoded_bytes().ends_with(b"/");
    if trailing_slash || path.is_dir() {
        OutputTarget::Dir(path.to_path_buf())
    } else {
        OutputTarget::File(path.to_path_buf())
    }
}

/// Directories nobody means to fill with tracks; writing there as root
/// creates junk like `/dev/null.wav` or worse.
const SYSTEM_DIRS: [&str; 3] = ["/dev", "/proc", "/sys"];

/// Refuses a target whose directory is a system one, exists but is not a
/// directory, or cannot be written. A directory that does not exist yet is
/// fine: it is created when the files are written. Checked before any money
/// is spent, and again when writing.
pub fn check_target(target: &OutputTarget) -> Result<(), String> {
    let Some((dir, named)) = place(target) else {
        return Ok(());
    };
    let shown = named.as_deref().unwrap_or(&dir).display();
    let absolute = std::path::absolute(&dir).unwrap_or(dir.clone());
    // The nearest existing ancestor, with links resolved, says where it is.
    let existing = absolute
        .ancestors()
        .find(|a| a.symlink_metadata().is_ok())
        .unwrap_or(Path::new("/"));
    let real = existing.canonicalize().unwrap_or(existing.to_path_buf());
    if SYSTEM_DIRS
        .iter()
        .any(|s| real.starts_with(s) || absolute.starts_with(s))
    {
        return Err(format!(
            "{shown}: output cannot go under /dev, /proc or /sys; give a file or folder of your own"
        ));
    }
    match std::fs::metadata(existing) {
        Ok(m) if !m.is_dir() => {
            return Err(format!(
                "{}: {} is not a directory",
                shown,
                existing.display()
            ));
        }
        Ok(_) => {}
        Err(e) => return Err(format!("{}: {e}", existing.display())),
    }
    if !writable(existing) {
        return Err(format!("{}: cannot write in {}", shown, existing.display()));
    }
    Ok(())
}

fn writable(dir: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let Ok(c) = std::ffi::CString::new(dir.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: a valid NUL-terminated path that outlives the call.
    unsafe { libc::access(c.as_ptr(), libc::W_OK | libc::X_OK) == 0 }
}

/// Writes a take where `target` says: a folder (through [`save`], off the
/// runtime's threads) or a bucket ([`crate::generate::upload`], which
/// spools the take to the local disk first). The one save path of the
/// CLI, the TUI, batch and the server.
pub async fn write(
    target: &OutputTarget,
    name: Option<&str>,
    audio: Vec<NewAudio>,
    mut result: GenerationResult,
    cancel: tokio_util::sync::CancellationToken,
) -> Result<GenerationResult, GenerateError> {
    if let OutputTarget::Bucket { service, at } = target {
        return crate::generate::upload::save(*service, at, name, audio, result, cancel).await;
    }
    let target = target.clone();
    let name = name.map(str::to_string);
    tokio::task::spawn_blocking(move || {
        save(&target, name.as_deref(), &audio, &mut result, &|| {
            cancel.is_cancelled()
        })
        .map(|()| result)
    })
    .await?
}

/// Writes a generation's audio and its metadata to a folder, all or
/// nothing. Blocking: the async side calls it through [`write`].
///
/// Every file is first written and flushed under a temporary name; only
/// when all are complete are they moved into place, under a lock on the
/// directory that other music-gen processes respect. A generated name is
/// reserved atomically (a file that appears meanwhile is never replaced: the
/// next free name is taken). A named `--output` replaces what is there, and
/// if any move fails, every file that was replaced is put back as it was.
/// `cancel` is checked once the files are complete, before the first move.
///
/// The slow part, flushing each file, happens outside the lock: the name is
/// chosen first (a free one, not claimed by another save of this process),
/// so the metadata naming it is written once, and the lock is held only
/// for the links. Takes finishing together in a batch then share no
/// serial section but a few system calls.
pub fn save(
    target: &OutputTarget,
    name: Option<&str>,
    audio: &[NewAudio],
    result: &mut GenerationResult,
    cancelled: &dyn Fn() -> bool,
) -> Result<(), GenerateError> {
    let Some((dir, named)) = place(target) else {
        return Ok(());
    };
    check_target(target).map_err(GenerateError::Config)?;
    std::fs::create_dir_all(&dir).map_err(|e| GenerateError::io(&dir, e))?;
    sweep_once(&dir);
    let mut temps = Vec::with_capacity(audio.len());
    let mut files = Vec::with_capacity(audio.len());
    for a in audio {
        let temp = atomic::temp_with(&dir, &a.bytes).map_err(|e| GenerateError::io(&dir, e))?;
        files.push(OutputFile {
            path: PathBuf::new(),
            mime_type: a.mime_type.clone(),
            size_bytes: a.bytes.len() as u64,
            sha256: sha256_hex(&a.bytes),
            audio: measure(&temp),
        });
        temps.push(temp);
    }
    let exts: Vec<&str> = audio.iter().map(|a| a.ext).collect();
    result.finished_at = Some(crate::generate::result::now_rfc3339());
    let stem = match name {
        Some(name) => name.to_string(),
        None => format!("{}-{}", timestamp(), slug(&result.genre)),
    };
    // Attempts known to be taken by another process.
    let mut taken = 0;
    loop {
        let claim = match &named {
            Some(p) => Claim::Named(p.clone()),
            None => Claim::free(&dir, &stem, &exts, taken),
        };
        let paths = names(claim.base(), &exts);
        for (f, p) in files.iter_mut().zip(&paths.audio) {
            f.path = p.clone();
        }
        result.files = files.clone();
        result.metadata_path = Some(paths.metadata.clone());
        let mut json = serde_json::to_string_pretty(result).expect("a result always serializes");
        json.push('\n');
        let meta_tmp =
            atomic::temp_with(&dir, json.as_bytes()).map_err(|e| GenerateError::io(&dir, e))?;
        let mut moves: Vec<(&Path, &Path)> = temps
            .iter()
            .map(|t| t.as_ref())
            .zip(paths.audio.iter().map(PathBuf::as_path))
            .collect();
        // The metadata last: a reader that sees it sees the audio too.
        moves.push((meta_tmp.as_ref(), &paths.metadata));
        let outcome = {
            let _lock = DirLock::take(&dir).map_err(|e| GenerateError::io(&dir, e))?;
            if cancelled() {
                result.files.clear();
                result.metadata_path = None;
                return Err(GenerateError::Cancelled);
            }
            if named.is_some() {
                commit_replacing(&dir, &moves)
            } else {
                commit_new(&moves)
            }
        };
        match outcome {
            Ok(()) => {
                // Flushed outside the lock: the links are made, and other
                // saves need not wait for this one's disk.
                atomic::sync_dir(&dir).map_err(|e| GenerateError::io(&dir, e))?;
                return Ok(());
            }
            Err((path, e)) if named.is_none() && e.kind() == ErrorKind::AlreadyExists => {
                tracing::debug!(path = %path.display(), "name taken, trying the next");
                taken = claim.attempt();
            }
            Err((path, e)) => {
                result.files.clear();
                result.metadata_path = None;
                return Err(GenerateError::io(path, e));
            }
        }
    }
}

/// The base names that saves of this process are writing now: two takes
/// finishing in the same second with the same genre choose different
/// names before either writes its metadata.
static CLAIMED: Mutex<Claims> = Mutex::new(Claims {
    held: Vec::new(),
    last: None,
});

struct Claims {
    held: Vec<PathBuf>,
    /// The last name chosen, as its stem (`dir/20261130-143336-rock`) and
    /// attempt: the next take of the same stem starts after it rather than
    /// testing every name before it again (a batch finishing hundreds of
    /// takes a second made one `lstat` per earlier take of that second:
    /// quadratic).
    last: Option<(PathBuf, usize)>,
}

/// A base name chosen for one save, held until its files are in place.
enum Claim {
    /// `--output FILE`: that name, replaced.
    Named(PathBuf),
    /// A generated name: `stem` (attempt 1) or `stem-N`.
    Free { base: PathBuf, attempt: usize },
}

impl Claim {
    /// The first name after attempt `taken` whose files do not exist and
    /// that no other save of this process holds. The check is a hint: the
    /// links under the lock decide.
    fn free(dir: &Path, stem: &str, exts: &[&str], taken: usize) -> Claim {
        let mut claims = CLAIMED.lock().unwrap_or_else(|e| e.into_inner());
        let first = dir.join(stem);
        let after = match &claims.last {
            Some((last, attempt)) if *last == first => taken.max(*attempt),
            _ => taken,
        };
        for attempt in after + 1.. {
            let base = match attempt {
                1 => first.clone(),
                n => dir.join(format!("{stem}-{n}")),
            };
            let plan = names(&base, exts);
            let exists = |p: &PathBuf| p.symlink_metadata().is_ok();
            if claims.held.contains(&base)
                || plan.audio.iter().any(exists)
                || exists(&plan.metadata)
            {
                continue;
            }
            claims.held.push(base.clone());
            claims.last = Some((first, attempt));
            return Claim::Free { base, attempt };
        }
        unreachable!("some attempt is free")
    }

    fn base(&self) -> &Path {
        match self {
            Claim::Named(p) | Claim::Free { base: p, .. } => p,
        }
    }

    fn attempt(&self) -> usize {
        match self {
            Claim::Named(_) => 1,
            Claim::Free { attempt, .. } => *attempt,
        }
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        if let Claim::Free { base, .. } = self {
            let mut claims = CLAIMED.lock().unwrap_or_else(|e| e.into_inner());
            claims.held.retain(|b| b != base);
        }
    }
}

/// What the audio written at `path` really is, read back from the file.
/// Audio that cannot be decoded is still the user's: kept, not measured.
fn measure(path: &Path) -> Option<crate::audio::AudioInfo> {
    crate::audio::analyze(path)
        .inspect_err(|e| tracing::warn!(error = %e, "could not measure the audio"))
        .ok()
        .map(|a| a.info)
}

/// The paths of a generation's files for one base name.
pub(crate) fn names(base: &Path, exts: &[&str]) -> OutputPlan {
    let audio = match exts {
        [ext] => vec![base.with_extension(ext)],
        exts => exts
            .iter()
            .enumerate()
            .map(|(i, ext)| numbered(base, i + 1, ext))
            .collect(),
    };
    OutputPlan {
        audio,
        metadata: base.with_extension("json"),
    }
}

/// Links each temporary file to its new name, none of which may exist; on
/// the first taken name, removes the links it made and says which.
fn commit_new(moves: &[(&Path, &Path)]) -> Result<(), (PathBuf, std::io::Error)> {
    let mut done: Vec<(&Path, &Path, atomic::Placed)> = Vec::new();
    for &(tmp, path) in moves {
        match atomic::place_new(tmp, path) {
            Ok(how) => done.push((tmp, path, how)),
            Err(e) => {
                for (tmp, path, how) in done.into_iter().rev() {
                    let _ = match how {
                        atomic::Placed::Linked => std::fs::remove_file(path),
                        atomic::Placed::Moved => std::fs::rename(path, tmp),
                    };
                }
                return Err((path.to_path_buf(), e));
            }
        }
    }
    Ok(())
}

/// Renames each temporary file over its name, keeping a second link to
/// each file it replaces until all are in place; on failure, renames those
/// back, so the user's old files are exactly as they were.
fn commit_replacing(dir: &Path, moves: &[(&Path, &Path)]) -> Result<(), (PathBuf, std::io::Error)> {
    // What cannot be replaced is found before anything is touched.
    for &(_, path) in moves {
        if path.symlink_metadata().is_ok_and(|m| m.is_dir()) {
            return Err((
                path.to_path_buf(),
                std::io::Error::new(ErrorKind::IsADirectory, "a directory is in the way"),
            ));
        }
    }
    let mut backups: Vec<(&Path, Option<PathBuf>)> = Vec::new();
    let mut failure = None;
    for &(tmp, path) in moves {
        let backup = match keep_old(dir, path) {
            Ok(b) => b,
            Err(e) => {
                failure = Some((path.to_path_buf(), e));
                break;
            }
        };
        if let Err(e) = std::fs::rename(tmp, path) {
            if let Some(b) = backup {
                let _ = std::fs::remove_file(b);
            }
            failure = Some((path.to_path_buf(), e));
            break;
        }
        backups.push((path, backup));
    }
    match failure {
        None => {
            for b in backups.into_iter().filter_map(|(_, b)| b) {
                let _ = std::fs::remove_file(b);
            }
            Ok(())
        }
        Some(err) => {
            for (path, backup) in backups.into_iter().rev() {
                let _ = match backup {
                    Some(b) => std::fs::rename(b, path),
                    None => std::fs::remove_file(path),
                };
            }
            Err(err)
        }
    }
}

/// A second, hidden link to the file at `path`, if there is one.
fn keep_old(dir: &Path, path: &Path) -> std::io::Result<Option<PathBuf>> {
    if path.symlink_metadata().is_err() {
        return Ok(None);
    }
    loop {
        let backup = atomic::fresh_temp_name(dir);
        match std::fs::hard_link(path, &backup) {
            Ok(()) => return Ok(Some(backup)),
            Err(e) if e.kind() == ErrorKind::AlreadyExists => continue,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        }
    }
}

/// An exclusive `flock` on a directory, held while files are moved into it:
/// two music-gen processes never interleave their moves, so a metadata file
/// always describes the audio beside it.
struct DirLock {
    /// Closing it releases the lock.
    _dir: std::fs::File,
}

impl DirLock {
    fn take(dir: &Path) -> std::io::Result<DirLock> {
        use std::os::fd::AsRawFd;
        let f = std::fs::File::open(dir)?;
        loop {
            // SAFETY: a valid open descriptor owned by `f`.
            if unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX) } == 0 {
                return Ok(DirLock { _dir: f });
            }
            let e = std::io::Error::last_os_error();
            if e.kind() != ErrorKind::Interrupted {
                return Err(e);
            }
        }
    }
}

/// Sweeps each output folder for stale temporary files once per process.
fn sweep_once(dir: &Path) {
    static SWEPT: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
    let mut swept = SWEPT.lock().unwrap_or_else(|e| e.into_inner());
    if !swept.iter().any(|d| d == dir) {
        swept.push(dir.to_path_buf());
        drop(swept);
        atomic::sweep_stale(dir);
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut s = String::with_capacity(64);
    for b in digest {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_replace_the_extension_and_number_samples() {
        let p = names(Path::new("out/track.mp3"), &["wav"]);
        assert_eq!(p.audio, vec![PathBuf::from("out/track.wav")]);
        assert_eq!(p.metadata, PathBuf::from("out/track.json"));
        let p = names(Path::new("out/track.mp3"), &["wav", "mp3"]);
        assert_eq!(
            p.audio,
            vec![
                PathBuf::from("out/track-1.wav"),
                PathBuf::from("out/track-2.mp3")
            ]
        );
        assert!(names(Path::new("t"), &[]).audio.is_empty());
    }

    #[test]
    fn slugs_are_file_name_safe() {
        assert_eq!(slug("Lo-Fi Hip Hop!"), "lo-fi-hip-hop");
        assert_eq!(slug("../../etc"), "etc");
        assert_eq!(slug("日本"), "track");
    }

    #[test]
    fn system_directories_and_files_as_folders_are_refused() {
        for p in ["/dev/null", "/dev/full", "/proc/self/x.wav", "/sys/x.wav"] {
            let t = OutputTarget::File(PathBuf::from(p));
            assert!(check_target(&t).is_err(), "{p}");
        }
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        std::fs::write(&file, b"").unwrap();
        let t = OutputTarget::File(file.join("x.wav"));
        assert!(check_target(&t).unwrap_err().contains("not a directory"));
        let t = OutputTarget::File(dir.path().join("new/sub/x.wav"));
        assert_eq!(check_target(&t), Ok(()));
        assert_eq!(
            check_target(&OutputTarget::Dir(PathBuf::from("/tmp"))),
            Ok(())
        );
        assert_eq!(
            resolve(dir.path()),
            OutputTarget::Dir(dir.path().to_path_buf())
        );
        assert_eq!(
            resolve(Path::new("nowhere/")),
            OutputTarget::Dir(PathBuf::from("nowhere/"))
        );
        assert_eq!(resolve(&file), OutputTarget::File(file.clone()));
    }
}
