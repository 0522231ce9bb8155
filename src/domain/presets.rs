//! The preset store: one YAML file per preset in one directory, the built-ins
//! ensured with a single directory scan, and a metadata cache so that a
//! listing re-reads only the files that changed since the last one.

use std::collections::HashMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::SystemTime;

use serde::Serialize;

use crate::domain::atomic;
use crate::domain::input::{self, Format, ReadError};
use crate::domain::model::{PresetConfig, validate_preset_name};
use crate::domain::preset_yaml::to_yaml;
use crate::domain::presets_bucket::BucketPresets;
use crate::domain::validate::{FieldError, ValidationErrors};
use crate::storage::{Bucket, BucketPath, Location, LocationError, RequestCounts, StorageError};

const EXTENSION: &str = "yaml";

/// The five presets that ship with music-gen, compiled in.
pub const BUILTINS: [(&str, &str); 5] = [
    (
        "rock_anthem",
        include_str!("../../presets/rock_anthem.yaml"),
    ),
    (
        "jazz_smooth",
        include_str!("../../presets/jazz_smooth.yaml"),
    ),
    (
        "electronic_dance",
        include_str!("../../presets/electronic_dance.yaml"),
    ),
    (
        "classical_orchestral",
        include_str!("../../presets/classical_orchestral.yaml"),
    ),
    ("pop_catchy", include_str!("../../presets/pop_catchy.yaml")),
];

/// Whether `name` is one of the presets music-gen ships.
pub fn is_builtin(name: &str) -> bool {
    BUILTINS.iter().any(|(n, _)| *n == name)
}

/// A built-in as music-gen ships it, parsed once: what a folder that has
/// no file for it (one music-gen did not create, so never wrote to) lists
/// and loads.
fn shipped(name: &str) -> Option<&'static LoadedPreset> {
    static PARSED: OnceLock<Vec<(&'static str, LoadedPreset)>> = OnceLock::new();
    PARSED
        .get_or_init(|| {
            BUILTINS
                .iter()
                .map(|(name, text)| {
                    let path = PathBuf::from(format!("{name}.{EXTENSION}"));
                    let parsed = parse_preset_bytes(&path, text.as_bytes());
                    (*name, parsed.expect("the built-in presets are valid"))
                })
                .collect()
        })
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, p)| p)
}

/// Adds to a listing each built-in it lacks that `deleted` does not name,
/// as music-gen ships it.
fn add_unwritten_builtins(list: &mut Vec<PresetSummary>, deleted: impl Fn(&str) -> bool) {
    for (name, _) in BUILTINS {
        if list.iter().any(|s| s.name == name) || deleted(name) {
            continue;
        }
        if let Some(loaded) = shipped(name) {
            list.push(PresetSummary {
                name: name.to_string(),
                genre: Some(loaded.preset.genre.clone()),
                description: loaded.preset.description.clone(),
                error: None,
                warnings: Vec::new(),
            });
        }
    }
}

/// The marker that keeps a deleted built-in deleted: a file in the presets
/// folder itself, so every process and machine sharing the folder agrees
/// (a hidden name without `.yaml`, which listings and the Python tool skip).
fn deleted_marker(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!(".deleted-builtin.{name}"))
}

/// What `restore_builtins` did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct RestoreReport {
    /// Built-ins written back.
    pub restored: Vec<String>,
    /// Built-ins whose file is there (perhaps edited): left as it is.
    pub kept: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    InvalidName(FieldError),
    #[error("preset {name:?} not found in {dir}")]
    NotFound { name: String, dir: PathBuf },
    #[error("preset {name:?} already exists; not replaced")]
    Exists { name: String },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("{path}: {reason}")]
    Unreadable {
        path: PathBuf,
        #[source]
        reason: ReadError,
    },
    #[error("{path}: {LINK_OUTSIDE}")]
    LinkOutside { path: PathBuf },
    #[error("{0}")]
    Invalid(ValidationErrors),
    /// A replace raced with another save of the same preset (another
    /// instance on the same bucket): the other one's version is kept.
    #[error(
        "preset {name:?} was changed by another save at the same time; not saved: load it again and retry"
    )]
    Conflict { name: String },
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("{0}")]
    Location(#[from] LocationError),
}

impl StoreError {
    fn io(path: &Path, source: std::io::Error) -> StoreError {
        StoreError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    /// Usage errors (exit code 2) as opposed to everything else.
    pub fn is_invalid_input(&self) -> bool {
        matches!(
            self,
            StoreError::InvalidName(_)
                | StoreError::Exists { .. }
                | StoreError::Conflict { .. }
                | StoreError::Parse { .. }
                | StoreError::Unreadable { .. }
                | StoreError::LinkOutside { .. }
                | StoreError::Invalid(_)
        )
    }
}

/// What a listing shows of one preset file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PresetSummary {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub genre: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Why the file cannot be used; the other presets stay usable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl PresetSummary {
    /// A listing's line for a preset that cannot be used, and why.
    pub fn broken(name: &str, error: String) -> PresetSummary {
        PresetSummary {
            name: name.to_string(),
            genre: None,
            description: None,
            error: Some(error),
            warnings: Vec::new(),
        }
    }

    pub fn is_broken(&self) -> bool {
        self.error.is_some()
    }
}

/// A preset read from disk, with the keys it did not know.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadedPreset {
    pub preset: PresetConfig,
    pub warnings: Vec<String>,
}

/// Identifies one version of a file without reading it. Saves rename a new
/// file into place, so the inode changes even when size and mtime collide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    ino: u64,
    len: u64,
    mtime: Option<SystemTime>,
}

impl Stamp {
    fn of(meta: &std::fs::Metadata) -> Stamp {
        Stamp {
            ino: meta.ino(),
            len: meta.len(),
            mtime: meta.modified().ok(),
        }
    }
}

/// The preset store the worker owns: a folder or a bucket. Callers (the
/// worker, import, the CLI, the server) do not know which.
#[derive(Debug)]
pub enum PresetStore {
    Local(LocalPresets),
    Bucket(Box<BucketPresets>),
}

impl PresetStore {
    /// Opens a store in a local folder (see [`LocalPresets::open`]).
    pub fn open(dir: impl Into<PathBuf>) -> Result<(PresetStore, Vec<String>), StoreError> {
        let (store, written) = LocalPresets::open(dir)?;
        Ok((PresetStore::Local(store), written))
    }

    /// Opens a store under `at` in a bucket through `bucket` (a client of
    /// an emulator, in tests).
    pub fn open_bucket(
        at: BucketPath,
        bucket: Bucket,
    ) -> Result<(PresetStore, Vec<String>), StoreError> {
        let (store, written) = BucketPresets::open_with(at, bucket)?;
        Ok((PresetStore::Bucket(Box::new(store)), written))
    }

    /// Opens the store at a folder (see [`LocalPresets::open`]) or a bucket.
    pub fn open_location(at: &Location) -> Result<(PresetStore, Vec<String>), StoreError> {
        let Some(client) = Bucket::for_location(at) else {
            return PresetStore::open(at.display_path());
        };
        let (bucket, path) = client?;
        PresetStore::open_bucket(path, bucket)
    }

    /// The folder, or the bucket URL (`gs://bucket/prefix/`).
    pub fn dir(&self) -> &Path {
        match self {
            PresetStore::Local(s) => s.dir(),
            PresetStore::Bucket(s) => s.dir(),
        }
    }

    pub fn files_parsed(&self) -> u64 {
        match self {
            PresetStore::Local(s) => s.files_parsed(),
            PresetStore::Bucket(s) => s.files_parsed(),
        }
    }

    /// Requests sent to a bucket so far; `None` for a folder.
    pub fn storage_requests(&self) -> Option<RequestCounts> {
        match self {
            PresetStore::Local(_) => None,
            PresetStore::Bucket(s) => Some(s.requests()),
        }
    }

    pub fn path_for(&self, name: &str) -> Result<PathBuf, StoreError> {
        match self {
            PresetStore::Local(s) => s.path_for(name),
            PresetStore::Bucket(s) => s.path_for(name),
        }
    }

    pub fn list(&mut self) -> Result<Vec<PresetSummary>, StoreError> {
        match self {
            PresetStore::Local(s) => s.list(),
            PresetStore::Bucket(s) => s.list(),
        }
    }

    pub fn exists(&self, name: &str) -> Result<bool, StoreError> {
        match self {
            PresetStore::Local(s) => s.exists(name),
            PresetStore::Bucket(s) => s.exists(name),
        }
    }

    pub fn load(&self, name: &str) -> Result<LoadedPreset, StoreError> {
        match self {
            PresetStore::Local(s) => s.load(name),
            PresetStore::Bucket(s) => s.load(name),
        }
    }

    /// Saves a preset whole. Without `overwrite`, an existing preset of
    /// the same name is left alone and `Exists` comes back.
    pub fn save(&mut self, preset: &PresetConfig, overwrite: bool) -> Result<PathBuf, StoreError> {
        match self {
            PresetStore::Local(s) => s.save(preset, overwrite),
            PresetStore::Bucket(s) => s.save(preset, overwrite),
        }
    }

    pub fn restore_builtins(&mut self) -> Result<RestoreReport, StoreError> {
        match self {
            PresetStore::Local(s) => s.restore_builtins(),
            PresetStore::Bucket(s) => s.restore_builtins(),
        }
    }

    pub fn delete(&mut self, name: &str) -> Result<PathBuf, StoreError> {
        match self {
            PresetStore::Local(s) => s.delete(name),
            PresetStore::Bucket(s) => s.delete(name),
        }
    }
}

/// Presets in a local folder.
#[derive(Debug)]
pub struct LocalPresets {
    dir: PathBuf,
    cache: HashMap<String, (Stamp, PresetSummary)>,
    /// How many files listings have parsed; lets tests and benchmarks see
    /// that unchanged files are not read again.
    parsed: u64,
    /// Whole presets as last loaded, by the file's stamp: the server loads
    /// a preset for every generation, and parsing its YAML again was a
    /// tenth of that request's time. A changed file has a new stamp.
    loaded: Mutex<HashMap<String, (Stamp, LoadedPreset)>>,
}

/// Presets kept parsed at most; past it the cache starts afresh.
const LOADED_MAX: usize = 1024;

impl LocalPresets {
    /// Opens the store, removing temporary files a killed process left.
    /// A folder that is not there is created and the built-ins written
    /// into it (the Python tool's layout), and their names returned. A
    /// folder that is there is not written to until asked (`--presets-dir
    /// /etc presets list` must not leave files in /etc): a built-in it has
    /// no file for is listed and loaded as shipped. A built-in that cannot
    /// be written (a read-only or full disk) is logged and skipped.
    pub fn open(dir: impl Into<PathBuf>) -> Result<(LocalPresets, Vec<String>), StoreError> {
        let dir = dir.into();
        let created = std::fs::symlink_metadata(&dir)
            .is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound);
        std::fs::create_dir_all(&dir).map_err(|e| StoreError::io(&dir, e))?;
        atomic::sweep_stale(&dir);
        let mut written = Vec::new();
        for (name, text) in BUILTINS.iter().filter(|_| created) {
            let path = dir.join(format!("{name}.{EXTENSION}"));
            // Create-only: another process starting at once, or the user,
            // may have written it first.
            match atomic::write_new(&path, text.as_bytes()) {
                Ok(()) => written.push(name.to_string()),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => {
                    tracing::warn!(path = %path.display(), error = %e, "cannot write built-in preset")
                }
            }
        }
        let store = LocalPresets {
            dir,
            cache: HashMap::new(),
            parsed: 0,
            loaded: Mutex::new(HashMap::new()),
        };
        Ok((store, written))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn files_parsed(&self) -> u64 {
        self.parsed
    }

    /// The file a preset lives in; refuses names that could leave the folder.
    pub fn path_for(&self, name: &str) -> Result<PathBuf, StoreError> {
        validate_preset_name(name).map_err(StoreError::InvalidName)?;
        Ok(self.dir.join(format!("{name}.{EXTENSION}")))
    }

    /// Every preset file, sorted by name. Costs one directory scan and one
    /// stat per file; only new or changed files are read.
    pub fn list(&mut self) -> Result<Vec<PresetSummary>, StoreError> {
        let entries = std::fs::read_dir(&self.dir).map_err(|e| StoreError::io(&self.dir, e))?;
        let mut seen: HashMap<String, (Stamp, PresetSummary)> =
            HashMap::with_capacity(self.cache.len());
        for entry in entries {
            let entry = entry.map_err(|e| StoreError::io(&self.dir, e))?;
            let path = entry.path();
            if path.extension().and_then(|e| e.to_str()) != Some(EXTENSION) {
                continue;
            }
            let Some(name) = path
                .file_stem()
                .and_then(|s| s.to_str())
                .map(str::to_string)
            else {
                continue;
            };
            if name.starts_with('.') {
                continue;
            }
            // A linked preset is listed by what it points at, as load reads
            // it; a link leading nowhere (gone, or a loop) by the link
            // itself, listed as broken with the reason, not left out.
            let meta = match entry.file_type() {
                Ok(t) if t.is_symlink() => std::fs::metadata(&path).or_else(|_| entry.metadata()),
                _ => entry.metadata(),
            };
            let Ok(meta) = meta else {
                continue; // removed between the scan and the stat
            };
            // A folder is not a preset; anything else named *.yaml (a FIFO,
            // a device) is listed as broken by summarize, which never blocks
            // on it.
            if meta.is_dir() {
                continue;
            }
            let stamp = Stamp::of(&meta);
            let summary = match self.cache.remove(&name) {
                Some((old, summary)) if old == stamp => summary,
                _ => {
                    self.parsed += 1;
                    summarize(&name, &path)
                }
            };
            seen.insert(name, (stamp, summary));
        }
        self.cache = seen;
        let mut list: Vec<PresetSummary> = self.cache.values().map(|(_, s)| s.clone()).collect();
        add_unwritten_builtins(&mut list, |name| deleted_marker(&self.dir, name).exists());
        list.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(list)
    }

    pub fn exists(&self, name: &str) -> Result<bool, StoreError> {
        Ok(self.path_for(name)?.is_file() || self.unwritten_builtin(name))
    }

    /// A built-in with nothing at its path that was not deleted: it is
    /// listed and loaded as shipped.
    fn unwritten_builtin(&self, name: &str) -> bool {
        is_builtin(name)
            && self
                .path_for(name)
                .is_ok_and(|p| p.symlink_metadata().is_err())
            && !deleted_marker(&self.dir, name).exists()
    }

    pub fn load(&self, name: &str) -> Result<LoadedPreset, StoreError> {
        let path = self.path_for(name)?;
        // Only a plain file is taken from the cache: a link is checked
        // (and read) every time, as before.
        let stamp = std::fs::symlink_metadata(&path)
            .ok()
            .filter(|m| m.file_type().is_file())
            .map(|m| Stamp::of(&m));
        let mut loaded = self.loaded.lock().unwrap_or_else(|e| e.into_inner());
        if let (Some(stamp), Some((cached, preset))) = (stamp, loaded.get(name))
            && *cached == stamp
        {
            return Ok(preset.clone());
        }
        let preset = self.read(name, &path)?;
        if let Some(stamp) = stamp {
            if loaded.len() >= LOADED_MAX {
                loaded.clear();
            }
            // Stamped before the read: if the file changed in between, the
            // next load sees a new stamp and reads it again.
            loaded.insert(name.to_string(), (stamp, preset.clone()));
        }
        Ok(preset)
    }

    fn read(&self, name: &str, path: &Path) -> Result<LoadedPreset, StoreError> {
        let bytes = match read_preset_file(&self.dir, path) {
            Err(StoreError::Unreadable {
                reason: ReadError::NotFound,
                ..
            }) => {
                if self.unwritten_builtin(name)
                    && let Some(builtin) = shipped(name)
                {
                    return Ok(builtin.clone());
                }
                return Err(StoreError::NotFound {
                    name: name.to_string(),
                    dir: self.dir.clone(),
                });
            }
            r => r?,
        };
        parse_preset_bytes(path, &bytes)
    }

    /// Writes a preset atomically. Without `overwrite`, an existing preset of
    /// the same name is left alone and `Exists` comes back.
    pub fn save(&mut self, preset: &PresetConfig, overwrite: bool) -> Result<PathBuf, StoreError> {
        preset.validate().map_err(StoreError::Invalid)?;
        let path = self.path_for(&preset.name)?;
        if !overwrite && self.unwritten_builtin(&preset.name) {
            // Listed as shipped though it has no file yet.
            return Err(StoreError::Exists {
                name: preset.name.clone(),
            });
        }
        let text = to_yaml(preset);
        // Without overwrite the name is taken atomically: of two processes
        // saving the same new name, one is told it exists.
        let written = if overwrite {
            atomic::write(&path, text.as_bytes())
        } else {
            atomic::write_new(&path, text.as_bytes())
        };
        match written {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                return Err(StoreError::Exists {
                    name: preset.name.clone(),
                });
            }
            Err(e) => return Err(StoreError::io(&path, e)),
        }
        self.cache.remove(&preset.name);
        if is_builtin(&preset.name) {
            // Saved again under its name: no longer deleted.
            remove_if_present(&deleted_marker(&self.dir, &preset.name));
        }
        Ok(path)
    }

    /// Writes back every built-in whose file is missing (deleted, or never
    /// written) and forgets that any was deleted; a built-in file that is
    /// there, edited or not, is left alone.
    pub fn restore_builtins(&mut self) -> Result<RestoreReport, StoreError> {
        let mut report = RestoreReport::default();
        for (name, text) in BUILTINS {
            let path = self.path_for(name)?;
            match atomic::write_new(&path, text.as_bytes()) {
                Ok(()) => report.restored.push(name.to_string()),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    report.kept.push(name.to_string())
                }
                Err(e) => return Err(StoreError::io(&path, e)),
            }
            let marker = deleted_marker(&self.dir, name);
            match std::fs::remove_file(&marker) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(StoreError::io(&marker, e)),
            }
            self.cache.remove(name);
        }
        Ok(report)
    }

    /// Removes a preset's file. A built-in is remembered as deleted first,
    /// so the next start does not write it back.
    pub fn delete(&mut self, name: &str) -> Result<PathBuf, StoreError> {
        let path = self.path_for(name)?;
        let unwritten = self.unwritten_builtin(name);
        if is_builtin(name) && (path.is_file() || unwritten) {
            let marker = deleted_marker(&self.dir, name);
            atomic::write(&marker, deleted_note(name).as_bytes())
                .map_err(|e| StoreError::io(&marker, e))?;
        }
        if unwritten {
            // Listed as shipped, with no file: the marker deletes it.
            self.cache.remove(name);
            return Ok(path);
        }
        match std::fs::remove_file(&path) {
            Ok(()) => {
                self.cache.remove(name);
                Ok(path)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(StoreError::NotFound {
                name: name.to_string(),
                dir: self.dir.clone(),
            }),
            Err(e) => Err(StoreError::io(&path, e)),
        }
    }
}

/// What a deleted built-in's marker says to a person who finds it.
pub(crate) fn deleted_note(name: &str) -> String {
    format!(
        "The built-in preset {name} was deleted here; \
         `music-gen presets restore-builtins` brings it back.\n"
    )
}

fn remove_if_present(path: &Path) {
    if let Err(e) = std::fs::remove_file(path)
        && e.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!(path = %path.display(), error = %e, "cannot remove a marker");
    }
}

const LINK_OUTSIDE: &str =
    "a link to a file outside the presets folder, not read; copy the file in instead";

/// Reads a preset file: a regular file of at most a megabyte, inside the
/// presets folder. A link pointing out of it is not followed: a preset
/// named `passwd` must not show `/etc/passwd` in a listing or an error.
fn read_preset_file(dir: &Path, path: &Path) -> Result<Vec<u8>, StoreError> {
    if path
        .symlink_metadata()
        .is_ok_and(|m| m.file_type().is_symlink())
    {
        let inside = match (path.canonicalize(), dir.canonicalize()) {
            (Ok(target), Ok(dir)) => target.starts_with(dir),
            // A dangling link is reported by the read below.
            (Err(_), _) => true,
            (_, Err(_)) => false,
        };
        if !inside {
            return Err(StoreError::LinkOutside {
                path: path.to_path_buf(),
            });
        }
    }
    input::read_regular(path).map_err(|reason| StoreError::Unreadable {
        path: path.to_path_buf(),
        reason,
    })
}

fn summarize(name: &str, path: &Path) -> PresetSummary {
    let broken = |error: String| PresetSummary::broken(name, error);
    if let Err(e) = validate_preset_name(name) {
        return broken(format!("file name: {}", e.message));
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    match read_preset_file(dir, path) {
        Ok(bytes) => summarize_bytes(name, path, &bytes),
        Err(StoreError::Unreadable { reason, .. }) => broken(reason.to_string()),
        Err(StoreError::LinkOutside { .. }) => broken(LINK_OUTSIDE.to_string()),
        Err(e) => broken(e.to_string()),
    }
}

/// A listing's line for one preset's bytes; `path` names it in messages.
pub(crate) fn summarize_bytes(name: &str, path: &Path, bytes: &[u8]) -> PresetSummary {
    let broken = |error: String| PresetSummary::broken(name, error);
    if let Err(e) = validate_preset_name(name) {
        return broken(format!("file name: {}", e.message));
    }
    match parse_preset_bytes(path, bytes) {
        Ok(loaded) => PresetSummary {
            name: name.to_string(),
            genre: Some(loaded.preset.genre),
            description: loaded.preset.description,
            error: None,
            warnings: loaded.warnings,
        },
        Err(StoreError::Parse { message, .. }) => broken(message),
        Err(StoreError::Invalid(errors)) => broken(errors.to_string()),
        Err(e) => broken(e.to_string()),
    }
}

/// Parses and validates one preset file (YAML, or JSON).
pub fn parse_preset_bytes(path: &Path, bytes: &[u8]) -> Result<LoadedPreset, StoreError> {
    let parse_err = |message: String| StoreError::Parse {
        path: path.to_path_buf(),
        message,
    };
    let text =
        std::str::from_utf8(bytes).map_err(|e| parse_err(format!("not UTF-8 text ({e})")))?;
    if text.trim().is_empty() {
        return Err(parse_err("the file is empty".to_string()));
    }
    let (preset, warnings) =
        input::parse::<PresetConfig>(text, Format::of(Some(path), text)).map_err(parse_err)?;
    preset.validate().map_err(StoreError::Invalid)?;
    Ok(LoadedPreset { preset, warnings })
}

/// Deserializes JSON (by its first character) or YAML, turning keys the
/// model does not know into warnings rather than failures.
pub fn parse_with_warnings<T: serde::de::DeserializeOwned>(
    text: &str,
) -> Result<(T, Vec<String>), String> {
    input::parse(text, Format::of(None, text))
}
