//! music-gen's own config file: `$XDG_CONFIG_HOME/music-gen/config.toml`
//! (`~/.config/music-gen/config.toml`), or the file `MUSIC_GEN_CONFIG`
//! names.
//!
//! The API for the settings view and `music-gen setup`:
//!
//! ```text
//! let path = ConfigFile::path();                      // where it lives
//! let file = ConfigFile::load(&path)?;                // Ok(None) if there is none yet
//! ConfigFile::update(&path, |c| c.mode = Some(Mode::Gcp))?;   // read, change, write
//! ```
//!
//! `update` (and `save`) write atomically: a temporary file beside the
//! config, flushed and renamed over it, so a crash or a full disk leaves the
//! old file whole. Keys this version does not know (written by a newer
//! music-gen, or added by hand) are kept as they were. A new setting is a
//! new `Option` field here; `version` changes only when an old file would be
//! misread.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::domain::atomic;
use crate::domain::input::{self, ReadError, UnknownKey};
use crate::domain::model::Model;
use crate::generate::Mode;

/// The config file format this build reads and writes.
pub const VERSION: u32 = 1;

/// Overrides where the config file is.
pub const PATH_ENV: &str = "MUSIC_GEN_CONFIG";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfigFile {
    #[serde(default = "current_version")]
    pub version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<Mode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<Model>,
    /// A service-account key file (a path, never the key itself).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials: Option<PathBuf>,
    /// Sent as `x-goog-user-project` whatever the credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quota_project: Option<String>,
    /// The TUI rings the terminal bell when a take ends while you look
    /// elsewhere; `false` silences it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bell: Option<bool>,
    /// Where presets live: a folder or `gs://BUCKET/PREFIX`; below
    /// `--presets-dir` and MUSIC_GEN_PRESETS_DIR. A string, not a path,
    /// since it may be a URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub presets_dir: Option<String>,
    /// Where takes go: a folder or `gs://BUCKET/PREFIX`; below
    /// `--output-dir` and MUSIC_GEN_OUTPUT_DIR.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_dir: Option<String>,
    /// Keys this version does not use, kept when the file is rewritten.
    #[serde(flatten)]
    pub other: toml::Table,
}

/// Every key this version reads, as a warning about another lists them.
pub const KEYS: [&str; 10] = [
    "version",
    "mode",
    "project",
    "location",
    "model",
    "credentials",
    "quota_project",
    "bell",
    "presets_dir",
    "output_dir",
];

fn current_version() -> u32 {
    VERSION
}

impl Default for ConfigFile {
    fn default() -> Self {
        ConfigFile {
            version: VERSION,
            mode: None,
            project: None,
            location: None,
            model: None,
            credentials: None,
            quota_project: None,
            bell: None,
            presets_dir: None,
            output_dir: None,
            other: toml::Table::new(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigFileError {
    #[error("{path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Bad TOML or a bad value, at a line and column (from 1).
    #[error("{path}: line {line}, column {column}: {message}")]
    Parse {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
        #[source]
        source: Box<toml::de::Error>,
    },
    #[error(
        "{path}: version {found} was written by a newer music-gen (this one reads version {VERSION})"
    )]
    Version { path: PathBuf, found: u32 },
    #[error("{path}: cannot write: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl ConfigFile {
    /// `MUSIC_GEN_CONFIG` when set and not empty, else the XDG location.
    pub fn path() -> PathBuf {
        match std::env::var_os(PATH_ENV) {
            Some(p) if !p.is_empty() => PathBuf::from(p),
            _ => crate::paths::config_dir().join("config.toml"),
        }
    }

    /// The file at `path`; `None` when there is none.
    pub fn load(path: &Path) -> Result<Option<ConfigFile>, ConfigFileError> {
        // Read as any file a user names is: a FIFO or `/dev/zero` named by
        // MUSIC_GEN_CONFIG must not hang or fill memory.
        let read_error = |source| ConfigFileError::Read {
            path: path.to_path_buf(),
            source,
        };
        let bytes = match input::read_regular(path) {
            Ok(b) => b,
            // A link to a file not written yet is no file, as before.
            Err(ReadError::NotFound | ReadError::DanglingLink) => return Ok(None),
            Err(ReadError::Io(e)) => return Err(read_error(e)),
            Err(e) => return Err(read_error(std::io::Error::other(e.to_string()))),
        };
        let text = String::from_utf8(bytes).map_err(|e| {
            read_error(std::io::Error::other(format!(
                "not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            )))
        })?;
        let file: ConfigFile = toml::from_str(&text).map_err(|source| {
            let at = source.span().map_or(0, |s| s.start).min(text.len());
            let before = text.get(..at).unwrap_or_default();
            ConfigFileError::Parse {
                path: path.to_path_buf(),
                line: before.matches('\n').count() + 1,
                column: before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1,
                message: source.message().trim().to_string(),
                source: Box::new(source),
            }
        })?;
        if file.version > VERSION {
            return Err(ConfigFileError::Version {
                path: path.to_path_buf(),
                found: file.version,
            });
        }
        Ok(Some(file))
    }

    /// A warning per key this version does not read (a typo, or a setting
    /// of a newer music-gen): the key, the one probably meant, and the keys
    /// there are. The key is quoted only if it could be a key's name.
    pub fn unknown_key_warnings(&self) -> Vec<String> {
        self.other
            .keys()
            .map(|key| {
                let mut unknown = UnknownKey::new(key.clone());
                unknown.suggest(&KEYS);
                format!("{unknown}; the keys are {}", KEYS.join(", "))
            })
            .collect()
    }

    /// Writes the file atomically, creating its directory.
    pub fn save(&self, path: &Path) -> Result<(), ConfigFileError> {
        let mut saved = self.clone();
        saved.version = VERSION;
        let text = toml::to_string(&saved).expect("a config file always serializes");
        atomic::write(path, text.as_bytes()).map_err(|source| ConfigFileError::Write {
            path: path.to_path_buf(),
            source,
        })
    }

    /// Reads the file (or starts from an empty one), applies `change` and
    /// writes it back atomically; returns what was written.
    pub fn update(
        path: &Path,
        change: impl FnOnce(&mut ConfigFile),
    ) -> Result<ConfigFile, ConfigFileError> {
        let mut file = ConfigFile::load(path)?.unwrap_or_default();
        change(&mut file);
        file.save(path)?;
        Ok(file)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_keeps_unknown_keys() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/config.toml");
        assert_eq!(ConfigFile::load(&path).unwrap(), None);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, "version = 1\nproject = \"p\"\nbell = true\n").unwrap();
        let written = ConfigFile::update(&path, |c| c.model = Some(Model::Lyria3Pro)).unwrap();
        let back = ConfigFile::load(&path).unwrap().unwrap();
        assert_eq!(back, written);
        assert_eq!(back.project.as_deref(), Some("p"));
        assert_eq!(back.model, Some(Model::Lyria3Pro));
        assert_eq!(back.bell, Some(true));
    }

    #[test]
    fn unknown_keys_are_named_with_the_key_meant() {
        let file: ConfigFile = toml::from_str("projekt = \"p\"\n\"a b\\u001b[31m\" = 1\n").unwrap();
        let w = file.unknown_key_warnings();
        assert_eq!(w.len(), 2);
        assert!(
            w.iter().any(|w| w.starts_with(
                "a key that is not a field name, ignored; the keys are version, mode"
            )),
            "{w:?}"
        );
        assert!(
            w.iter()
                .any(|w| w.starts_with("projekt: unknown key, ignored (did you mean project?)")),
            "{w:?}"
        );
        // KEYS are the keys a full file has.
        let full = ConfigFile {
            mode: Some(Mode::Gcp),
            project: Some("p".into()),
            location: Some("l".into()),
            model: Some(Model::Lyria2),
            credentials: Some("k.json".into()),
            quota_project: Some("q".into()),
            bell: Some(false),
            presets_dir: Some("gs://bucket/presets".into()),
            output_dir: Some("gs://bucket/takes".into()),
            ..ConfigFile::default()
        };
        let table: toml::Table = toml::from_str(&toml::to_string(&full).unwrap()).unwrap();
        let mut keys = KEYS.to_vec();
        keys.sort_unstable();
        let mut written: Vec<&str> = table.keys().map(String::as_str).collect();
        written.sort_unstable();
        assert_eq!(written, keys);
    }

    #[test]
    fn bad_values_name_the_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "version = 1\nmode = \"cloud\"\n").unwrap();
        let e = ConfigFile::load(&path).unwrap_err().to_string();
        assert!(e.contains("config.toml") && e.contains("line 2"), "{e}");
        assert!(e.contains("\"cloud\" is not a mode"), "{e}");
        std::fs::write(&path, "version = 2\n").unwrap();
        let e = ConfigFile::load(&path).unwrap_err().to_string();
        assert!(e.contains("newer music-gen"), "{e}");
    }
}
